#ifndef WAIAAS_PARENT_H
#define WAIAAS_PARENT_H

#include <sys/types.h>

#include <limits.h>
#include <stddef.h>
#include <time.h>

#include <event2/event.h>

#include "config.h"
#include "imsgev.h"
#include "keystore.h"
#include "proc.h"
#include "secret.h"

#define STARTUP_TIMEOUT		10	/* s for every child to be ready */
#define STOP_GRACE_MS		1500	/* SIGTERM: children finish */
#define CRASH_GRACE_MS		400	/* a child died: the rest follow */
/*
 * Descriptors the api needs beside its client connections: up to 64
 * chain RPC connections (common/rpc.c), its channels, the listener, the
 * event loop's own, and one for a connection accepted while full.
 */
#define API_FD_RESERVE		128

struct ks_file {
	char		id[KS_ID_LEN + 1];
	size_t		len;
	unsigned char	data[1024];
};

struct child {
	int		 role;
	pid_t		 pid;
	int		 ready;
	int		 exited;
	struct imsgev	 iev;
};

/* The parent's state, one instance (waiaasd.c). */
struct parent {
	struct config	 cf;
	int		 foreground;
	int		 privsep;
	uid_t		 uid[PROC_MAX];
	gid_t		 gid[PROC_MAX];
	time_t		 start;
	struct event_base *base;
	struct child	 child[PROC_MAX];
	int		 nready;
	int		 stopping;
	int		 exitcode;
	struct event	*ev_stop;
	struct event	*ev_startup;
	struct event	*ev_sig[4];
	struct event	*ev_log;
	struct evbuffer	*logbuf;
	/* keystore */
	int		 kfd;		/* keystore/, kept open after drop */
	int		 dfd;		/* the data directory (set-master) */
	/* The data directory, opened as root: its path may run through a
	 * directory only root may enter (/root), which our user cannot. */
	int		 ddir;
	int		 have_meta;
	struct ks_meta	 meta;
	struct ks_file	*files;
	size_t		 nfiles;
	size_t		 nloaded;
	size_t		 nbad;
	size_t		 load_next;	/* the next file to hand the signer */
	size_t		 load_inflight;	/* handed, not answered yet */
	char		*pw;		/* guarded, until the signer has it */
	size_t		 pwlen;
	char		 master_hash[MASTER_HASH_MAX];
	/* waiaasd.pid: locked while we run (waiaas stop, status) */
	int		 pidfd;
	char		 pidpath[PATH_MAX];
	char		 exe[PROC_MAX][PATH_MAX];	/* each child's */
};

extern struct parent	P;

/* parent_datadir.c */
void	fs_as(uid_t, gid_t);
void	fs_as_parent(void);
void	resolve_datadir(void);
void	datadir_setup(void);
void	pidfile_lock(void);
void	pidfile_write(const char *);
void	pidfile_remove(void);
void	ctl_token_write(struct imsgchan *, struct imsg *, void *);
void	ctl_backup_list(struct imsgchan *, struct imsg *, void *);

/* parent_backup.c */
void	ctl_backup_seal(struct imsgchan *, struct imsg *, void *);
void	ctl_backup_data(struct imsgchan *, struct imsg *, void *);

/* parent_resolve.c */
void	networks_init(void);
void	notify_init(void);
void	resolve_start(void);
/* parent_fetch.c */
void	ctl_fetch_resolve(struct imsgchan *, struct imsg *, void *);
void	send_networks(struct child *);
void	send_notify(struct child *);
void	send_price(struct child *);

/* parent_unlock.c */
void	keystore_prepare(int);
void	unlock_send(void);
void	ctl_unlocked(struct imsgchan *, struct imsg *, void *);
void	ks_loaded(struct imsgchan *, struct imsg *, void *);
void	ks_store(struct imsgchan *, struct imsg *, void *);
void	ks_remove(struct imsgchan *, struct imsg *, void *);
void	ks_rekey_begin(struct imsgchan *, struct imsg *, void *);
void	ks_rekey_blob(struct imsgchan *, struct imsg *, void *);
void	ks_rekey_commit(struct imsgchan *, struct imsg *, void *);

/* parent_children.c */
void	child_exe_init(void);
void	children_start(int, int[2]);
void	parent_serving(void);

/* parent_stop.c */
void	parent_stop(int, int);
void	on_signal(evutil_socket_t, short, void *);

/* parent_keystore.c */
int	keystore_read_meta(int, struct ks_meta *);
size_t	keystore_scan(int, struct ks_file **);
int	keystore_write(int, const char *, const void *, size_t, int);
void	keystore_recover(int);
void	keystore_test_crash(const char *);
int	rekey_active(void);
void	rekey_begin(int, const struct ks_meta *, uint32_t);
void	rekey_blob(const struct ks_blob *);
int	rekey_commit(int, int *);

#endif
