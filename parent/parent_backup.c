/*
 * POST /v1/admin/backup, the parent's part: policyd checked the master
 * password and made the database snapshot, which it sends here (the
 * parent cannot enter policyd's data/, and no descriptor crosses the
 * channel after start-up); the parent owns keystore/ and backups/ and
 * seals the archive (common/backup.c, the one implementation).
 *
 * The snapshot is kept in an unlinked file of backups/ (mode 0600), so
 * nothing of it stays behind, not even after a crash.  The sealing, with
 * its Argon2id derivation at the keystore's cost, runs in a short-lived
 * forked worker: the parent's event loop, which supervises the children,
 * never waits for it.  The worker's one answer comes back on a pipe; the
 * worker itself is reaped with the other children (parent_stop.c's
 * reap() passes over a pid that is not a child's).  One backup at a time:
 * policyd sees to it.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "backup.h"
#include "keystore.h"
#include "log.h"
#include "parent.h"
#include "util.h"
#include "wipe.h"

#define SNAP_TMP	".snapshot.tmp"

static struct {
	int		 busy;
	uint32_t	 id;		/* policyd's request id */
	int		 fd;		/* the snapshot, unlinked */
	int		 status;	/* a failure while receiving */
	char		 err[160];
	int64_t		 size, got, schema, wallets, now;
	char		*pw;		/* sodium_malloc'd */
	size_t		 pwlen;
	int		 rfd;		/* the worker's answer */
	struct event	*ev;
} B = { .fd = -1, .rfd = -1 };

static void
reply(struct ctl_backup_sealed *r)
{
	if (r->status != 0)
		log_warnx("backup: %s", r->err);
	else
		log_info("backup: %s made (%d files, %lld bytes)", r->name,
		    (int)r->nfiles, (long long)r->size);
	strlcpy(r->datadir, P.cf.datadir, sizeof(r->datadir));
	/* Also from the worker's event: through the imsgev, which arms the
	 * channel's write event. */
	if (imsgev_compose(&P.child[PROC_POLICYD].iev, IMSG_CTL_BACKUP_SEALED,
	    B.id, -1, r, sizeof(*r)) == -1)
		fatal("IMSG_CTL_BACKUP_SEALED");
	if (B.fd != -1)
		close(B.fd);
	if (B.rfd != -1)
		close(B.rfd);
	if (B.ev != NULL)
		event_free(B.ev);
	if (B.pw != NULL)
		sodium_free(B.pw);
	B.fd = B.rfd = -1;
	B.ev = NULL;
	B.pw = NULL;
	B.busy = 0;
}

static void
fail_now(int status, const char *what)
{
	struct ctl_backup_sealed	r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	snprintf(r.err, sizeof(r.err), "%s", what);
	reply(&r);
}

void
ctl_backup_seal(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ctl_backup_seal	 s;
	int			 bfd, i;

	(void)arg;
	memcpy(&s, imsg->data, sizeof(s));
	if (B.busy || s.pwlen == 0 || s.pwlen > CRED_VALUE_MAX ||
	    s.size <= 0 || s.size > BK_FILE_MAX)
		fatalx("IMSG_CTL_BACKUP_SEAL: unexpected or malformed");
	memset(&B, 0, sizeof(B));
	B.fd = B.rfd = -1;
	B.busy = 1;
	B.id = imsg->hdr.peerid;
	B.size = s.size;
	B.schema = s.schema;
	B.wallets = s.wallets;
	B.now = s.now;
	B.pwlen = s.pwlen;
	if ((B.pw = sodium_malloc(s.pwlen + 1)) == NULL)
		fatal("sodium_malloc");
	memcpy(B.pw, s.pw, s.pwlen);
	B.pw[s.pwlen] = '\0';
	sodium_memzero(&s, sizeof(s));
	if (rekey_active() ||
	    faccessat(P.dfd, "keystore.next", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		fail_now(EBUSY, "a master password change is under way");
		return;
	}
	if ((bfd = openat(P.dfd, "backups", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1) {
		fail_now(errno, "backups: cannot open the directory");
		return;
	}
	(void)unlinkat(bfd, SNAP_TMP, 0);
	B.fd = openat(bfd, SNAP_TMP, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (B.fd != -1)
		(void)unlinkat(bfd, SNAP_TMP, 0);
	close(bfd);
	if (B.fd == -1) {
		fail_now(errno, "backups: cannot make a temporary file");
		return;
	}
	for (i = 0; i < CTL_BACKUP_WINDOW; i++)
		if (imsgchan_compose(ch, IMSG_CTL_BACKUP_MORE, B.id, -1, NULL,
		    0) == -1)
			fatal("IMSG_CTL_BACKUP_MORE");
}

/* The worker's answer (or its death: a short read). */
static void
worker_done(evutil_socket_t fd, short ev, void *arg)
{
	struct ctl_backup_sealed	r;
	ssize_t				n;

	(void)ev;
	(void)arg;
	n = read(fd, &r, sizeof(r));
	if (n == -1 && errno == EINTR)
		return;
	if (n != (ssize_t)sizeof(r)) {
		memset(&r, 0, sizeof(r));
		r.status = EIO;
		strlcpy(r.err, "the backup worker ended without an answer",
		    sizeof(r.err));
	}
	r.name[sizeof(r.name) - 1] = '\0';
	r.created[sizeof(r.created) - 1] = '\0';
	r.err[sizeof(r.err) - 1] = '\0';
	reply(&r);
}

/* In the worker: seal, answer, end. */
static void __attribute__((noreturn))
worker(int wfd)
{
	struct ctl_backup_sealed	 r;
	struct bk_create		 a;
	struct timespec			 t0, t1;

	wipe_install();
	memset(&r, 0, sizeof(r));
	memset(&a, 0, sizeof(a));
	a.dfd = P.dfd;
	a.snapfd = B.fd;
	a.pw = B.pw;
	a.pwlen = B.pwlen;
	a.mem_kib = P.meta.kdf_mem_kib;
	a.passes = P.meta.kdf_passes;
	a.schema = B.schema;
	a.wallets = B.wallets;
	a.now = B.now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (bk_create(&a, r.err, sizeof(r.err)) == -1)
		r.status = EIO;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	sodium_memzero(B.pw, B.pwlen);
	if (r.status == 0) {
		memcpy(r.name, a.name, sizeof(r.name));
		memcpy(r.created, a.created, sizeof(r.created));
		r.size = a.size;
		r.nfiles = a.nfiles;
		log_debug("backup: sealed in %lld ms (Argon2id %u KiB, %u "
		    "passes: %lld ms)", (long long)((t1.tv_sec - t0.tv_sec) *
		    1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000),
		    (unsigned)a.mem_kib, (unsigned)a.passes,
		    (long long)a.kdf_ms);
	}
	/* A short write reads as no answer: the parent says so. */
	_exit(write(wfd, &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1);
}

static void
seal_start(void)
{
	int	p[2];
	pid_t	pid;

	if (B.status != 0) {
		fail_now(B.status, B.err);
		return;
	}
	if (pipe2(p, O_CLOEXEC) == -1) {
		fail_now(errno, "pipe");
		return;
	}
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		fail_now(errno, "fork");
		return;
	}
	if (pid == 0) {
		close(p[0]);
		worker(p[1]);
	}
	close(p[1]);
	/* The worker has its copy; ours goes now. */
	sodium_memzero(B.pw, B.pwlen);
	B.rfd = p[0];
	if ((B.ev = event_new(P.base, B.rfd, EV_READ, worker_done, NULL)) ==
	    NULL || event_add(B.ev, NULL) == -1)
		fatalx("backup worker event");
}

void
ctl_backup_data(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	size_t	len = imsg->len, off = 0;
	ssize_t	n;

	(void)arg;
	if (!B.busy || B.rfd != -1 || imsg->hdr.peerid != B.id ||
	    (int64_t)len > B.size - B.got)
		fatalx("IMSG_CTL_BACKUP_DATA: unexpected or too long");
	while (B.status == 0 && off < len) {
		if ((n = pwrite(B.fd, imsg->data + off, len - off,
		    (off_t)(B.got + (int64_t)off))) == -1) {
			if (errno == EINTR)
				continue;
			B.status = errno;
			snprintf(B.err, sizeof(B.err), "snapshot copy: %s",
			    strerror(errno));
		} else
			off += (size_t)n;
	}
	B.got += (int64_t)len;
	if (B.got == B.size)
		seal_start();
	else if (imsgchan_compose(ch, IMSG_CTL_BACKUP_MORE, B.id, -1, NULL,
	    0) == -1)
		fatal("IMSG_CTL_BACKUP_MORE");
}
