/*
 * The data directory (DESIGN.md section 6): created or checked, each part
 * owned by the process that uses it, files restored as root adopted; and
 * waiaasd.pid, locked while the daemon runs.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "parent.h"
#include "proc.h"
#include "keystore.h"
#include "msg.h"
#include "secret.h"
#include "util.h"
#include "backup.h"	/* BK_MAGIC only: the parent parses no JSON */

/* Run file work in the data directory as uid:gid (see priv_fsid()). */
void
fs_as(uid_t uid, gid_t gid)
{
	if (P.privsep)
		priv_fsid(uid, gid);
}

void
fs_as_parent(void)
{
	fs_as(P.uid[PROC_PARENT], P.gid[PROC_PARENT]);
}

/*
 * Give fd (path name, for messages) to uid:gid.  Only root with
 * CAP_CHOWN can; a container started with SETUID, SETGID and SYS_CHROOT
 * only cannot, and the operator is told what to run instead.  Where
 * uid owns it already and only the group is wrong (a directory made in
 * the image's set-group-ID /data takes /data's group), its owner may
 * change the group to its own without any capability.
 */
static void
give_to(int fd, const char *name, const struct stat *st, uid_t uid,
    gid_t gid, const char *user)
{
	int	r;

	if (st->st_uid == uid) {
		fs_as(uid, gid);
		r = fchownat(fd, "", (uid_t)-1, gid, AT_EMPTY_PATH);
		fs_as_parent();
		if (r == 0)
			return;
	}
	fs_as(0, 0);
	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) == -1) {
		if (errno != EPERM)
			fatal("chown %s", name);
		fatalx("%s is owned by %u:%u and must belong to %u:%u (user "
		    "%s); waiaasd, without CAP_CHOWN, cannot change that: run "
		    "chown %u:%u %s", name, (unsigned)st->st_uid,
		    (unsigned)st->st_gid, (unsigned)uid, (unsigned)gid, user,
		    (unsigned)uid, (unsigned)gid, name);
	}
	fs_as_parent();
}

/*
 * Set the mode of fd as its owner (who may always), through
 * /proc/self/fd: an O_PATH descriptor has no fchmod().
 */
static void
set_mode(int fd, const char *name, mode_t mode, uid_t uid, gid_t gid)
{
	char	p[64];

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	fs_as(uid, gid);
	if (chmod(p, mode) == -1)
		fatal("chmod %o %s", (unsigned)mode, name);
	fs_as_parent();
}

/*
 * Create (or check) a directory below dfd, owned by uid:gid with mode,
 * never following a symbolic link.  As root, this runs with the parent
 * user's file access (the data directory is its own), and changes an
 * owner only where it must.  Returns an O_PATH descriptor.
 */
static int
mkdir_owned(int dfd, const char *name, mode_t mode, uid_t uid, gid_t gid,
    const char *user)
{
	struct stat	st;
	char		path[PATH_MAX];
	int		fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", P.cf.datadir,
	    name) >= sizeof(path))
		fatalx("data directory path too long");
	if (mkdirat(dfd, name, mode) == -1 && errno != EEXIST)
		fatal("mkdir %s", path);
	if ((fd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		fatal("open %s", path);
	if (fstat(fd, &st) == -1)
		fatal("fstat %s", path);
	if (P.privsep) {
		if (st.st_uid != uid || st.st_gid != gid)
			give_to(fd, path, &st, uid, gid, user);
	} else if (st.st_uid != getuid())
		fatalx("%s is owned by uid %u, not by us", path,
		    (unsigned)st.st_uid);
	if ((st.st_mode & 07777) != mode)
		set_mode(fd, path, mode, uid, gid);
	return fd;
}

/* Not a file, or a file the parent's user has already. */
static int
adopted(const struct stat *st)
{
	return !S_ISREG(st->st_mode) || (st->st_uid == P.uid[PROC_PARENT] &&
	    (st->st_gid == P.gid[PROC_PARENT] || st->st_gid == 0));
}

/*
 * A file the parent reads at start-up, made by root (`waiaas init` run
 * as root, an older waiaasd): the parent's user takes it over, or it
 * could not read it.
 */
static void
adopt_file(int dfd, const char *name)
{
	struct stat	st;
	char		path[PATH_MAX];
	int		fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", P.cf.datadir,
	    name) >= sizeof(path))
		fatalx("data directory path too long");
	if ((fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return;
		fatal("open %s", path);
	}
	if (fstat(fd, &st) == -1)
		fatal("fstat %s", path);
	if (P.privsep && !adopted(&st))
		give_to(fd, path, &st, P.uid[PROC_PARENT], P.gid[PROC_PARENT],
		    P.cf.user[PROC_PARENT]);
	close(fd);
}

/*
 * A database put in data/ by `waiaas restore` run as root: policyd's.
 * data/ is policyd's own (0700), so it is looked at as policyd.
 */
static void
adopt_db(int datafd)
{
	struct stat	st;
	char		path[PATH_MAX];
	int		fd;

	if (!P.privsep)
		return;
	if ((size_t)snprintf(path, sizeof(path), "%s/data/waiaas.db",
	    P.cf.datadir) >= sizeof(path))
		fatalx("data directory path too long");
	fs_as(P.uid[PROC_POLICYD], P.gid[PROC_POLICYD]);
	fd = openat(datafd, "waiaas.db", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	fs_as_parent();
	if (fd == -1) {
		if (errno != ENOENT)
			fatal("open %s", path);
		return;
	}
	if (fstat(fd, &st) == -1)
		fatal("fstat %s", path);
	if (S_ISREG(st.st_mode) && (st.st_uid != P.uid[PROC_POLICYD] ||
	    st.st_gid != P.gid[PROC_POLICYD]))
		give_to(fd, path, &st, P.uid[PROC_POLICYD],
		    P.gid[PROC_POLICYD], P.cf.user[PROC_POLICYD]);
	close(fd);
}

/* Sealed keys put in keystore/ by `waiaas restore` run as root. */
static void
adopt_keystore(int dfd)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		 name[PATH_MAX];
	int		 kfd;

	if (!P.privsep)
		return;
	if ((kfd = openat(dfd, "keystore", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1 || (d = fdopendir(kfd)) == NULL)
		fatal("open %s/keystore", P.cf.datadir);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		/*
		 * One call for a file that is ours already, as all are but
		 * after a restore: not three per file (and 10 k wallets are
		 * 10 k files).
		 */
		if (fstatat(kfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    adopted(&st))
			continue;
		if ((size_t)snprintf(name, sizeof(name), "keystore/%s",
		    de->d_name) >= sizeof(name))
			fatalx("keystore/%s: name too long", de->d_name);
		adopt_file(dfd, name);
	}
	closedir(d);
}

/*
 * The layout of DESIGN.md section 6, plus an empty, root-owned directory
 * the chrooted children live in.  Started as root, the directory itself
 * is created or checked as root, everything in it as the parent's user.
 */
void
datadir_setup(void)
{
	struct stat	 st;
	DIR		*d;
	struct dirent	*de;
	const char	*files[] = { "config.toml", "recovery.key",
			    "waiaasd.pid" };
	size_t		 i;
	int		 dfd, fd, n = 0;

	fs_as(0, 0);
	if (mkdir(P.cf.datadir, 0700) == -1 && errno != EEXIST)
		fatal("mkdir %s", P.cf.datadir);
	if ((dfd = open(P.cf.datadir, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		fatal("open %s", P.cf.datadir);
	if (fstat(dfd, &st) == -1)
		fatal("fstat %s", P.cf.datadir);
	/* Group root may stay (secret.h): root alone is in it. */
	if (P.privsep) {
		if (st.st_uid != P.uid[PROC_PARENT] ||
		    (st.st_gid != P.gid[PROC_PARENT] && st.st_gid != 0))
			give_to(dfd, P.cf.datadir, &st, P.uid[PROC_PARENT],
			    P.gid[PROC_PARENT], P.cf.user[PROC_PARENT]);
	} else if (st.st_uid != getuid())
		fatalx("%s is owned by uid %u, not by us", P.cf.datadir,
		    (unsigned)st.st_uid);
	fs_as_parent();
	if ((st.st_mode & 077 & ~SECRET_GROUP_OK(&st, S_IXGRP)) != 0)
		set_mode(dfd, P.cf.datadir, 0700 | (st.st_mode &
		    SECRET_GROUP_OK(&st, S_ISGID | S_IXGRP)),
		    P.uid[PROC_PARENT], P.gid[PROC_PARENT]);
	/* Through the descriptor: no search of the directories above. */
	if ((P.ddir = openat(dfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		fatal("open %s", P.cf.datadir);
	close(dfd);
	if ((dfd = fcntl(P.ddir, F_DUPFD_CLOEXEC, 0)) == -1)
		fatal("dup");

	for (i = 0; i < nitems(files); i++)
		adopt_file(dfd, files[i]);
	fd = mkdir_owned(dfd, "data", 0700, P.uid[PROC_POLICYD],
	    P.gid[PROC_POLICYD], P.cf.user[PROC_POLICYD]);
	adopt_db(fd);
	close(fd);
	/* A master password change a crash interrupted: finish or undo. */
	keystore_recover(dfd);
	close(mkdir_owned(dfd, "keystore", 0700, P.uid[PROC_PARENT],
	    P.gid[PROC_PARENT], P.cf.user[PROC_PARENT]));
	adopt_keystore(dfd);
	close(mkdir_owned(dfd, "backups", 0700, P.uid[PROC_PARENT],
	    P.gid[PROC_PARENT], P.cf.user[PROC_PARENT]));
	/* Token files for waiaas mcp (POST /v1/mcp/tokens writes them). */
	close(mkdir_owned(dfd, "tokens", 0700, P.uid[PROC_PARENT],
	    P.gid[PROC_PARENT], P.cf.user[PROC_PARENT]));
	if (P.privsep) {
		close(mkdir_owned(dfd, "empty", 0555, 0, 0, "root"));
		if ((fd = openat(dfd, "empty", O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1)
			fatal("open %s/empty", P.cf.datadir);
		if ((d = fdopendir(fd)) == NULL)
			fatal("fdopendir empty");
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0)
				n++;
		closedir(d);
		if (n != 0)
			fatalx("%s/empty is not empty", P.cf.datadir);
	}
	close(dfd);
}

/*
 * waiaasd.pid in the data directory, for `waiaas stop` and `status`:
 * held with flock(2) for as long as this process lives, so a file left by
 * a daemon that was killed is told apart from a running one by whether
 * its lock can be taken.  flock, not fcntl: the lock belongs to the open
 * file, which survives daemon(3)'s fork; the descriptor is close-on-exec,
 * so no child holds it.  A file whose lock we take but which was replaced
 * or removed meanwhile (a `waiaas stop` cleaning up a stale one) is opened
 * again.
 */
void
pidfile_lock(void)
{
	struct stat	 a, b;
	char		 buf[32];
	ssize_t		 n;
	int		 fd, tries;

	if ((size_t)snprintf(P.pidpath, sizeof(P.pidpath), "%s/waiaasd.pid",
	    P.cf.datadir) >= sizeof(P.pidpath))
		fatalx("data directory path too long");
	for (tries = 0; tries < 5; tries++) {
		if ((fd = openat(P.ddir, "waiaasd.pid", O_RDWR | O_CREAT |
		    O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644)) == -1)
			fatal("%s", P.pidpath);
		/*
		 * The directory belongs to the dropped parent's user: as
		 * root, never truncate a file that user linked there.
		 */
		if (fstat(fd, &a) == -1 || !S_ISREG(a.st_mode) ||
		    a.st_nlink != 1)
			fatalx("%s: not a regular file with one link",
			    P.pidpath);
		if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
			if (errno != EWOULDBLOCK)
				fatal("flock %s", P.pidpath);
			n = read(fd, buf, sizeof(buf) - 1);
			buf[n > 0 ? n : 0] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			fatalx("another waiaasd (pid %s) runs with data "
			    "directory %s", buf[0] != '\0' ? buf : "?",
			    P.cf.datadir);
		}
		if (fstatat(P.ddir, "waiaasd.pid", &b, AT_SYMLINK_NOFOLLOW) ==
		    0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino) {
			P.pidfd = fd;
			return;
		}
		close(fd);
	}
	fatalx("%s keeps changing under us", P.pidpath);
}

/*
 * After daemon(3): the pid that stays; then, once the keystore is open,
 * a second line "serving", which `waiaas start` waits for (/health
 * answers before the signer has unlocked).  The descriptor stays open
 * for writing after the privilege drop.
 */
void
pidfile_write(const char *state)
{
	char	buf[48];
	int	n;

	n = snprintf(buf, sizeof(buf), "%d\n%s", (int)getpid(), state);
	if (ftruncate(P.pidfd, 0) == -1 ||
	    pwrite(P.pidfd, buf, (size_t)n, 0) != n)
		fatal("%s", P.pidpath);
}

/*
 * On a clean exit only: fatal() leaves the file, unlocked, which reads
 * as stale.  The parent keeps write access to the data directory after
 * dropping privileges (it owns it), so the unlink works then too.  The
 * descriptor stays open: the kernel drops the lock when the process has
 * ended, which is what `waiaas stop` waits for.
 */
void
pidfile_remove(void)
{
	if (P.pidfd < 0)
		return;
	if (unlinkat(P.ddir, "waiaasd.pid", 0) == -1 && errno != ENOENT)
		log_warn("unlink %s", P.pidpath);
}

void
resolve_datadir(void)
{
	const char	*d = getenv("WAIAAS_DATA_DIR"), *home;
	int		 n;

	if (d != NULL && d[0] != '\0')
		n = snprintf(P.cf.datadir, sizeof(P.cf.datadir), "%s", d);
	else {
		if ((home = getenv("HOME")) == NULL || home[0] != '/')
			fatalx("set WAIAAS_DATA_DIR or HOME");
		n = snprintf(P.cf.datadir, sizeof(P.cf.datadir), "%s/.waiaas",
		    home);
	}
	if (n < 0 || (size_t)n >= CTL_PATH_MAX - 16)
		fatalx("WAIAAS_DATA_DIR: path too long");
	if (P.cf.datadir[0] != '/')
		fatalx("WAIAAS_DATA_DIR must be an absolute path");
}

/*
 * POST /v1/mcp/tokens: policyd made a session; its token goes to
 * tokens/<wallet> in the data directory, which is ours (policyd sees
 * only its database directory).  Written as a key file is (temporary
 * file, fsync, rename, fsync of the directory), mode 0600, owned by us;
 * the token is wiped from memory after and never logged.
 */
void
ctl_token_write(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ctl_token_write		 w;
	struct ctl_token_written	 r;
	size_t				 len;
	int				 tfd;

	(void)arg;
	memcpy(&w, imsg->data, sizeof(w));
	memset(&r, 0, sizeof(r));
	if (memchr(w.token, '\0', sizeof(w.token)) == NULL ||
	    strncmp(w.token, "wai_sess_", 9) != 0 ||
	    !ks_valid_id(w.wallet, strnlen(w.wallet, sizeof(w.wallet))))
		fatalx("IMSG_CTL_TOKEN_WRITE: not a token for a wallet");
	memcpy(r.wallet, w.wallet, sizeof(r.wallet));
	len = strlen(w.token);
	w.token[len] = '\n';
	if (strlcpy(r.datadir, P.cf.datadir, sizeof(r.datadir)) >=
	    sizeof(r.datadir))
		r.status = ENAMETOOLONG;
	else if ((mkdirat(P.dfd, "tokens", 0700) == -1 && errno != EEXIST) ||
	    (tfd = openat(P.dfd, "tokens", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		r.status = errno;
	else {
		if (keystore_write(tfd, w.wallet, w.token, len + 1, 0) == -1)
			r.status = errno;
		close(tfd);
	}
	explicit_bzero(&w, sizeof(w));
	if (r.status != 0)
		log_warnx("tokens/%s: %s", r.wallet, strerror(r.status));
	if (imsgchan_compose(ch, IMSG_CTL_TOKEN_WRITTEN, imsg->hdr.peerid, -1,
	    &r, sizeof(r)) == -1)
		fatal("IMSG_CTL_TOKEN_WRITTEN");
}

/*
 * The first bytes of an archive: its metadata (at most max bytes) into
 * meta, its length returned; 0 when the file is not an archive (no
 * magic) or its metadata is longer than max.  Only the magic and the
 * length are looked at: the parent parses no JSON, policyd does.
 */
static uint32_t
backup_meta(int dfd, const char *name, char *meta, size_t max)
{
	unsigned char	 hdr[sizeof(BK_MAGIC) - 1 + 4];
	uint32_t	 len;
	ssize_t		 n;
	int		 fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return 0;
	memset(hdr, 0, sizeof(hdr));
	n = pread(fd, hdr, sizeof(hdr), 0);
	len = (uint32_t)hdr[8] << 24 | (uint32_t)hdr[9] << 16 |
	    (uint32_t)hdr[10] << 8 | hdr[11];
	if (n != (ssize_t)sizeof(hdr) || memcmp(hdr, BK_MAGIC,
	    sizeof(BK_MAGIC) - 1) != 0 || len == 0 || len > max ||
	    pread(fd, meta, len, sizeof(hdr)) != (ssize_t)len)
		len = 0;
	close(fd);
	return len;
}

/*
 * IMSG_CTL_BACKUP_LIST from policyd (GET /v1/admin/backups): the
 * archives (*.wbk, regular files) of backups/, which the parent owns and
 * policyd cannot see from its chroot, one IMSG_CTL_BACKUP_ENTRY each
 * (up to CTL_BACKUPS_MAX), then IMSG_CTL_BACKUP_END.
 */
void
ctl_backup_list(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	static char		 meta[CTL_BACKUP_META_MAX];
	size_t			 budget = CTL_BACKUP_META_TOTAL;
	struct ctl_backup_entry	 e;
	struct ctl_backup_end	 end;
	struct iovec		 iov[2];
	struct stat		 sb;
	struct dirent		*de;
	DIR			*d = NULL;
	size_t			 nl;
	int			 bfd = -1;

	(void)arg;
	memset(&end, 0, sizeof(end));
	if (strlcpy(end.datadir, P.cf.datadir, sizeof(end.datadir)) >=
	    sizeof(end.datadir))
		end.status = ENAMETOOLONG;
	else if ((bfd = openat(P.dfd, "backups", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1 || (d = fdopendir(bfd)) == NULL) {
		end.status = errno;
		if (bfd != -1)
			close(bfd);
	}
	while (d != NULL && (de = readdir(d)) != NULL) {
		nl = strlen(de->d_name);
		if (de->d_name[0] == '.' || nl < 5 || nl >= sizeof(e.name) ||
		    strcmp(de->d_name + nl - 4, ".wbk") != 0 ||
		    fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) ==
		    -1 || !S_ISREG(sb.st_mode))
			continue;
		if (end.count == CTL_BACKUPS_MAX) {
			end.more++;
			continue;
		}
		memset(&e, 0, sizeof(e));
		memcpy(e.name, de->d_name, nl + 1);
		e.size = (int64_t)sb.st_size;
		e.mtime = (int64_t)sb.st_mtime;
		/* The channel's write queue is bounded: so is what all the
		 * metadata may add to it (past that, policyd says unknown). */
		e.metalen = backup_meta(dirfd(d), de->d_name, meta,
		    budget < sizeof(meta) ? budget : sizeof(meta));
		budget -= e.metalen;
		iov[0].iov_base = &e;
		iov[0].iov_len = sizeof(e);
		iov[1].iov_base = meta;
		iov[1].iov_len = e.metalen;
		if (imsgchan_composev(ch, IMSG_CTL_BACKUP_ENTRY,
		    imsg->hdr.peerid, -1, iov, 2) == -1)
			fatal("IMSG_CTL_BACKUP_ENTRY");
		end.count++;
	}
	if (d != NULL)
		closedir(d);
	if (end.status != 0)
		log_warnx("backups: %s", strerror(end.status));
	if (imsgchan_compose(ch, IMSG_CTL_BACKUP_END, imsg->hdr.peerid, -1,
	    &end, sizeof(end)) == -1)
		fatal("IMSG_CTL_BACKUP_END");
}
