/*
 * Start-up of a child process.  The parent hands each child, over fd 3,
 * its configuration, one descriptor per peer channel and (api) the bound
 * listening socket, then IMSG_CTL_START.  The child prepares what needs
 * files, then drops privileges, loads its seccomp filter and answers
 * IMSG_CTL_READY.
 */
#ifndef WAIAAS_PROC_H
#define WAIAAS_PROC_H

#include <sys/types.h>

#include "imsg.h"
#include "msg.h"
#include "priv.h"

/* Channel sizes: maximum message, maximum queued bytes. */
#define CHAN_CTL_MAX		(16 * 1024)
#define CHAN_CTL_WMAX		(1024 * 1024)
#define CHAN_API_MAX		(1024 * 1024 + 64 * 1024)
#define CHAN_API_WMAX		(8 * 1024 * 1024)
#define CHAN_SIGNER_MAX		(192 * 1024)	/* calldata up to 128 KiB */
#define CHAN_SIGNER_WMAX	(4 * 1024 * 1024)
#define CHAN_RELAY_MAX		(64 * 1024)
#define CHAN_RELAY_WMAX		(1024 * 1024)
/* a fetched answer: its body, its headers and their envelope */
#define CHAN_FETCH_MAX		(FETCH_ANSWER_MAX + FETCH_HDRS_MAX + 4096)
#define CHAN_FETCH_WMAX		(4 * 1024 * 1024)

/*
 * argv[0] of a child, as ps(1) shows it: this, then the role's name;
 * the environment variable that sends its log to fd 2 (waiaasd -d).
 */
#define PROC_CHILD_TITLE	"waiaasd: "
#define PROC_CHILD_STDERR	"WAIAASD_CHILD_STDERR"

struct proc {
	int			 role;
	int			 foreground;
	struct ctl_config	 cfg;
	int			 have_cfg;
	int			 peerfd[PROC_MAX];
	int			 listenfd;
	struct imsgchan		 parent;
	pid_t			 ppid;
	/* /proc/self/statm, and (api) the parent's: opened before the
	 * drop, read with pread(2) for GET /metrics; -1 if not there */
	int			 statmfd;
	int			 pstatmfd;
};

extern struct proc	*proc;

void	proc_startup(struct proc *, int, int);
int	proc_exec_main(int, char *[], int, void (*)(struct proc *));
const struct ctl_network *proc_network(uint32_t);
const struct ctl_price *proc_price(void);
const struct ctl_notify *proc_notify(void);
/* policyd: each key of the configuration as IMSG_CTL_SETTING gave it */
struct proc_setting {
	char	 section[SETTING_SECTION_MAX];
	char	 key[SETTING_KEY_MAX];
	int	 flags;		/* CONFIG_SHOW_* */
	char	*value;
};
const struct proc_setting *proc_settings(size_t *);
void	proc_sandbox(struct proc *);
void	proc_chan_sizes(int, int, size_t *, size_t *);
int	proc_peer_wanted(int, int);

/* The role entry points. */
void	api_main(struct proc *) __attribute__((noreturn));
void	policyd_main(struct proc *) __attribute__((noreturn));
void	signer_main(struct proc *) __attribute__((noreturn));
void	relay_main(struct proc *) __attribute__((noreturn));
void	fetch_main(struct proc *) __attribute__((noreturn));

#endif
