/*
 * waiaasd: the parent.  Reads the configuration, prepares the data
 * directory, binds the API socket, creates every channel, forks and
 * re-executes one child per role, hands each its descriptors, waits until
 * all are sandboxed and then drops its own privileges and supervises.
 * Any child's death ends the daemon.
 */
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/buffer.h>

#include <sodium.h>

#include "config.h"
#include "imsgev.h"
#include "parent.h"
#include "log.h"
#include "network.h"
#include "proc.h"
#include "rpc.h"
#include "secret.h"
#include "util.h"
#include "version.h"

#define STARTUP_TIMEOUT		10	/* s for every child to be ready */
#define STOP_GRACE_MS		1500	/* SIGTERM: children finish */
#define CRASH_GRACE_MS		400	/* a child died: the rest follow */
/*
 * Descriptors the api needs beside its client connections: up to 64
 * chain RPC connections (common/rpc.c), its channels, the listener, the
 * event loop's own, and one for a connection accepted while full.
 */
#define API_FD_RESERVE		128
/* A child's executable: this, then its role, beside waiaasd. */
#define CHILD_EXE		"waiaasd-"

/* Numeric ids when no passwd entry exists (containers). */
static const uid_t default_uid[PROC_MAX] = {
	[PROC_PARENT] = 1005, [PROC_API] = 1001, [PROC_POLICYD] = 1002,
	[PROC_SIGNER] = 1003, [PROC_RELAY] = 1004,
};

static const char *const default_user[PROC_MAX] = {
	[PROC_PARENT] = "waiaas", [PROC_API] = "waiaas-api",
	[PROC_POLICYD] = "waiaas-policyd", [PROC_SIGNER] = "waiaas-signer",
	[PROC_RELAY] = "waiaas-relay",
};

struct child {
	int		 role;
	pid_t		 pid;
	int		 ready;
	int		 exited;
	struct imsgev	 iev;
};

static struct {
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
	struct event	*ev_resolve;	/* RPC host names, looked up again */
	struct event	*ev_defaults;	/* the built-in endpoints' names */
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
	char		*pw;		/* guarded, until the signer has it */
	size_t		 pwlen;
	char		 master_hash[MASTER_HASH_MAX];
	/* waiaasd.pid: locked while we run (waiaas stop, status) */
	int		 pidfd;
	char		 pidpath[PATH_MAX];
	char		 exe[PROC_MAX][PATH_MAX];	/* each child's */
} P;

static void	parent_stop(int, int);
static void	parent_serving(void);
static void	notify_reresolve(void);
static void	pidfile_write(const char *);
static void	pidfile_remove(void);

static void
usage(void)
{
	fprintf(stderr, "usage: waiaasd [-dhV] [--auto-provision]\n"
	    "  -d  run in the foreground, logging to stderr\n"
	    "  -V  print the version\n"
	    "  --auto-provision  on a first start without a master password,\n"
	    "      generate one into recovery.key\n"
	    "data directory: $WAIAAS_DATA_DIR (default ~/.waiaas)\n");
	exit(2);
}

static void
resolve_users(void)
{
	struct passwd	*pw;
	const char	*name;
	char		*end;
	unsigned long	 n;
	int		 i, j;

	for (i = 0; i < PROC_MAX; i++) {
		name = P.cf.user[i];
		if ((pw = getpwnam(name)) != NULL) {
			P.uid[i] = pw->pw_uid;
			P.gid[i] = pw->pw_gid;
		} else if (name[0] >= '0' && name[0] <= '9') {
			errno = 0;
			n = strtoul(name, &end, 10);
			if (*end != '\0' || errno != 0 || n == 0 ||
			    n >= 0xfffffffful)
				fatalx("security.%s_user: bad id '%s'",
				    i == PROC_PARENT ? "daemon" : proc_name(i),
				    name);
			P.uid[i] = P.gid[i] = (uid_t)n;
		} else if (strcmp(name, default_user[i]) == 0) {
			P.uid[i] = P.gid[i] = default_uid[i];
			/*
			 * A default id that a real account owns would let
			 * that account signal or inspect the sandboxed
			 * process: refuse rather than share it.
			 */
			if ((pw = getpwuid(default_uid[i])) != NULL)
				fatalx("no user %s, and its default uid %u "
				    "belongs to %s: create the user (see "
				    "README) or set security.%s_user", name,
				    (unsigned)default_uid[i], pw->pw_name,
				    i == PROC_PARENT ? "daemon" :
				    proc_name(i));
		} else
			fatalx("security.%s_user: no such user '%s'",
			    i == PROC_PARENT ? "daemon" : proc_name(i), name);
		if (P.uid[i] == 0 || P.gid[i] == 0)
			fatalx("user %s has uid or gid 0", name);
	}
	for (i = 0; i < PROC_MAX; i++)
		for (j = i + 1; j < PROC_MAX; j++)
			if (P.uid[i] == P.uid[j])
				fatalx("%s and %s would share uid %u: each "
				    "process needs its own user",
				    proc_name(i), proc_name(j),
				    (unsigned)P.uid[i]);
}

/* Run file work in the data directory as uid:gid (see priv_fsid()). */
static void
fs_as(uid_t uid, gid_t gid)
{
	if (P.privsep)
		priv_fsid(uid, gid);
}

static void
fs_as_parent(void)
{
	fs_as(P.uid[PROC_PARENT], P.gid[PROC_PARENT]);
}

/*
 * Give fd (path name, for messages) to uid:gid.  Only root with
 * CAP_CHOWN can; a container started with SETUID, SETGID and SYS_CHROOT
 * only cannot, and the operator is told what to run instead.
 */
static void
give_to(int fd, const char *name, const struct stat *st, uid_t uid,
    gid_t gid, const char *user)
{
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
	if (P.privsep && S_ISREG(st.st_mode) &&
	    (st.st_uid != P.uid[PROC_PARENT] ||
	    (st.st_gid != P.gid[PROC_PARENT] && st.st_gid != 0)))
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
static void
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

static int
listen_socket(void)
{
	struct addrinfo	 hints, *res;
	char		 port[8];
	const char	*host = P.cf.hostname;
	int		 fd, one = 1, e;

	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", P.cf.port);
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0)
		fatalx("daemon.hostname %s: %s", host, gai_strerror(e));
	if ((fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1)
		fatal("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		fatal("SO_REUSEADDR");
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1)
		fatal("bind %s:%d", host, P.cf.port);
	if (listen(fd, 511) == -1)
		fatal("listen");
	if (!(res->ai_family == AF_INET &&
	    ((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr.s_addr ==
	    htonl(INADDR_LOOPBACK)) && strcmp(host, "::1") != 0)
		log_warnx("listening on %s:%d, not on loopback: the API is "
		    "reachable from other hosts", host, P.cf.port);
	freeaddrinfo(res);
	return fd;
}

/* Children see only the sanitizer options (tests), never secrets. */
static char **
child_env(void)
{
	static char	*env[8];
	const char	*names[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS",
			    "LSAN_OPTIONS" };
	static char	 buf[3][512];
	const char	*v;
	size_t		 i, n = 0;

	for (i = 0; i < nitems(names); i++) {
		if ((v = getenv(names[i])) == NULL)
			continue;
		snprintf(buf[n], sizeof(buf[n]), "%s=%s", names[i], v);
		env[n] = buf[n];
		n++;
	}
	/* Not a flag: argv is only the name ps(1) shows. */
	if (P.foreground)
		env[n++] = PROC_CHILD_STDERR "=1";
	env[n] = NULL;
	return env;
}

/*
 * The children's executables, waiaasd-<role> in the directory of this
 * one (make install puts them all in BINDIR), found once, before any
 * child starts.  Each links only the libraries its role uses.
 */
static void
child_exe_init(void)
{
	char		 dir[PATH_MAX];
	char		*slash;
	struct stat	 st;
	ssize_t		 n;
	int		 i;

	if ((n = readlink("/proc/self/exe", dir, sizeof(dir) - 1)) == -1)
		fatal("readlink /proc/self/exe");
	dir[n] = '\0';
	if ((slash = strrchr(dir, '/')) == NULL)
		fatalx("/proc/self/exe: %s is not a path", dir);
	*slash = '\0';
	for (i = 1; i < PROC_MAX; i++) {
		if ((size_t)snprintf(P.exe[i], sizeof(P.exe[i]), "%s/%s%s",
		    dir, CHILD_EXE, proc_name(i)) >= sizeof(P.exe[i]))
			fatalx("%s: path too long", dir);
		if (stat(P.exe[i], &st) == -1)
			fatal("the %s's executable %s", proc_name(i),
			    P.exe[i]);
		if (!S_ISREG(st.st_mode) || access(P.exe[i], X_OK) == -1)
			fatalx("the %s's executable %s is not an executable "
			    "file", proc_name(i), P.exe[i]);
	}
}

static pid_t
start_child(int role, int chanfd, int logfd)
{
	char	*argv[2], title[32];
	pid_t	 pid;
	int	 null, i = 0;

	switch ((pid = fork())) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		return pid;
	}
	/* In the child: fd 3 is the parent channel, nothing else open. */
	if ((null = open("/dev/null", O_RDWR)) == -1)
		_exit(127);
	if (dup2(chanfd, 3) == -1 || dup2(null, 0) == -1 ||
	    dup2(null, 1) == -1 || (logfd != -1 && dup2(logfd, 2) == -1))
		_exit(127);
	close_range(4, ~0U, 0);
	/*
	 * The role is argv[0], as ps(1) shows it: "waiaasd: api", in the
	 * manner of OpenBSD's daemons.
	 */
	snprintf(title, sizeof(title), "%s%s", PROC_CHILD_TITLE,
	    proc_name(role));
	argv[i++] = title;
	argv[i] = NULL;
	/*
	 * The parent works in the data directory as its owner (fs_as()),
	 * but the executables were found as root: a build below /root or
	 * any 0700 directory is reachable only so.  The child drops its
	 * ids itself, after the exec.
	 */
	fs_as(0, 0);
	execve(P.exe[role], argv, child_env());
	_exit(127);
}

/*
 * The network table: built-ins with their [rpc] URLs, then the operator's
 * EVM chains.  Names in URLs are resolved here, while the parent still
 * has DNS: the api, chrooted and filtered, has none.  Only the api gets
 * URLs (they may carry an API key).
 */
static struct ctl_network	nets[NET_MAX];
static size_t			nnets;
/* The price endpoint's resolve entry, like a network's ("" if none). */
static char			price_resolve[NET_RESOLVE_MAX];

static void
networks_init(void)
{
	static struct network	 custom[NET_CUSTOM_MAX];
	static char		 urls[NET_CUSTOM_MAX][NET_URL_MAX];
	struct ctl_network	*cn;
	char			 err[256];
	size_t			 i;
	int			 n;

	if ((n = net_parse_custom(P.cf.evm_custom, custom, urls,
	    NET_CUSTOM_MAX, err, sizeof(err))) == -1)
		fatalx("%s", err);
	for (i = 0; i < net_nbuiltin + (size_t)n; i++) {
		cn = &nets[nnets];
		memset(cn, 0, sizeof(*cn));
		cn->index = (uint32_t)nnets;
		if (i < net_nbuiltin) {
			cn->net = net_builtin[i];
			strlcpy(cn->url, P.cf.rpc[i], sizeof(cn->url));
			/* Looked up once serving: never a delay. */
			if (P.cf.rpc_default[i])
				cn->flags |= NETF_DEFAULT;
		} else {
			cn->net = custom[i - net_nbuiltin];
			strlcpy(cn->url, urls[i - net_nbuiltin],
			    sizeof(cn->url));
		}
		if (cn->url[0] != '\0' && !(cn->flags & NETF_DEFAULT) &&
		    rpc_resolve_entry(cn->url, cn->resolve,
		    sizeof(cn->resolve), err, sizeof(err)) == -1) {
			/* The network stays, unusable, with the reason. */
			log_warnx("network %s: %s", cn->net.name, err);
			cn->resolve[0] = '\0';
		}
		nnets++;
	}
	if (P.cf.price_url[0] != '\0' && !P.cf.price_default &&
	    rpc_resolve_entry(P.cf.price_url, price_resolve,
	    sizeof(price_resolve), err, sizeof(err)) == -1) {
		/* Every fetch fails (and says so) until a look-up works. */
		log_warnx("price endpoint: %s", err);
		price_resolve[0] = '\0';
	}
}

/*
 * Names move (a provider's addresses change behind its name): look them
 * up again now and then, and tell the api what changed.  An answer that
 * fails keeps the addresses the api has.
 */
static void
networks_reresolve(evutil_socket_t fd, short ev, void *arg)
{
	struct ctl_resolve	 r;
	struct timeval		 tv = { P.cf.rpc_resolve_interval, 0 };
	char			 err[256];
	size_t			 i;

	(void)fd;
	(void)ev;
	(void)arg;
	for (i = 0; i < nnets; i++) {
		if (nets[i].url[0] == '\0' || (nets[i].flags & NETF_DEFAULT))
			continue;
		memset(&r, 0, sizeof(r));
		r.index = (uint32_t)i;
		if (rpc_resolve_entry(nets[i].url, r.resolve,
		    sizeof(r.resolve), err, sizeof(err)) == -1) {
			log_warnx("network %s: %s (keeping the addresses "
			    "known)", nets[i].net.name, err);
			continue;
		}
		if (strcmp(r.resolve, nets[i].resolve) == 0)
			continue;
		log_info("network %s: addresses changed", nets[i].net.name);
		strlcpy(nets[i].resolve, r.resolve, sizeof(nets[i].resolve));
		if (imsgev_compose(&P.child[PROC_API].iev, IMSG_CTL_RESOLVE, 0,
		    -1, &r, sizeof(r)) == -1)
			fatal("IMSG_CTL_RESOLVE");
	}
	if (P.cf.price_url[0] != '\0' && !P.cf.price_default) {
		memset(&r, 0, sizeof(r));
		if (rpc_resolve_entry(P.cf.price_url, r.resolve,
		    sizeof(r.resolve), err, sizeof(err)) == -1)
			log_warnx("price endpoint: %s (keeping the addresses "
			    "known)", err);
		else if (strcmp(r.resolve, price_resolve) != 0) {
			log_info("price endpoint: addresses changed");
			strlcpy(price_resolve, r.resolve,
			    sizeof(price_resolve));
			if (imsgev_compose(&P.child[PROC_API].iev,
			    IMSG_CTL_PRICE_RESOLVE, 0, -1, &r,
			    sizeof(r)) == -1)
				fatal("IMSG_CTL_PRICE_RESOLVE");
		}
	}
	notify_reresolve();
	evtimer_add(P.ev_resolve, &tv);
}

/*
 * The built-in public endpoints' names, looked up once serving and then
 * every resolve_interval (sooner while one fails).  A name that does not
 * resolve is a warning, and its network answers 502 naming the setting;
 * DNS that stalls (DEFAULTS_DNS_MS) ends the pass, so a host without a
 * network costs the parent one short wait per pass, never start-up.
 */
#define DEFAULTS_DNS_MS		2000
#define DEFAULTS_RETRY_S	30

/* Warned about, per network (the price source last): once per failure,
 * not once per pass. */
static unsigned char	default_warned[NET_MAX + 1];

static int
default_lookup(const char *what, size_t slot, const char *url, char *known,
    size_t knownlen, struct ctl_resolve *r, int *stalled)
{
	char	err[256];

	memset(r->resolve, 0, sizeof(r->resolve));
	if (rpc_resolve_entry_bounded(url, DEFAULTS_DNS_MS, stalled,
	    r->resolve, sizeof(r->resolve), err, sizeof(err)) == -1) {
		if (!default_warned[slot])
			log_warnx("%s (public default): %s%s", what, err,
			    *stalled ? "; the other public defaults wait "
			    "for the next pass" : "");
		default_warned[slot] = 1;
		return -1;
	}
	default_warned[slot] = 0;
	if (strcmp(r->resolve, known) == 0)
		return 0;
	if (known[0] == '\0')
		log_info("%s: public default resolved", what);
	else
		log_info("%s: public default's addresses changed", what);
	strlcpy(known, r->resolve, knownlen);
	return 1;
}

static void
defaults_resolve(evutil_socket_t fd, short ev, void *arg)
{
	/* A pass starts after the name that stalled the last one: a name
	 * that always stalls does not keep the others from their turn.
	 * Slot nnets is the price source. */
	static size_t		 start;
	struct ctl_resolve	 r;
	struct timeval		 tv = { P.cf.rpc_resolve_interval, 0 };
	char			 what[64];
	size_t			 i, k;
	int			 stalled = 0, failed = 0, rc, type;

	(void)fd;
	(void)ev;
	(void)arg;
	for (k = 0; k <= nnets && !stalled; k++) {
		i = (start + k) % (nnets + 1);
		memset(&r, 0, sizeof(r));
		if (i == nnets) {
			if (!P.cf.price_default)
				continue;
			rc = default_lookup("price source", NET_MAX,
			    P.cf.price_url, price_resolve,
			    sizeof(price_resolve), &r, &stalled);
			type = IMSG_CTL_PRICE_RESOLVE;
		} else {
			if (!(nets[i].flags & NETF_DEFAULT))
				continue;
			snprintf(what, sizeof(what), "network %s",
			    nets[i].net.name);
			r.index = (uint32_t)i;
			rc = default_lookup(what, i, nets[i].url,
			    nets[i].resolve, sizeof(nets[i].resolve), &r,
			    &stalled);
			type = IMSG_CTL_RESOLVE;
		}
		if (rc == -1) {
			failed = 1;
			if (stalled)
				start = i + 1;
		} else if (rc == 1 && imsgev_compose(&P.child[PROC_API].iev,
		    type, 0, -1, &r, sizeof(r)) == -1)
			fatal("%s", imsg_type_name(type));
	}
	if ((failed || stalled) && tv.tv_sec > DEFAULTS_RETRY_S)
		tv.tv_sec = DEFAULTS_RETRY_S;
	evtimer_add(P.ev_defaults, &tv);
}

static void
send_networks(struct child *c)
{
	struct ctl_network	cn;
	size_t			i;

	for (i = 0; i < nnets; i++) {
		cn = nets[i];
		if (c->role != PROC_API) {
			memset(cn.url, 0, sizeof(cn.url));
			memset(cn.resolve, 0, sizeof(cn.resolve));
		}
		if (imsgev_compose(&c->iev, IMSG_CTL_NETWORK, 0, -1, &cn,
		    sizeof(cn)) == -1)
			fatal("IMSG_CTL_NETWORK");
		explicit_bzero(&cn, sizeof(cn));
	}
}

/*
 * Notification channels: every setting and credential to relay, with
 * the resolve entry of each channel's host (relay, like the api, has no
 * resolver); to policyd only which channels exist.  Never logged: a
 * failed look-up names the channel, not its URL (a token may be in it).
 */
static struct ctl_notify	*notify;

static void
notify_init(void)
{
	struct notify_chan	*c;
	const char		*url[NOTIFY_MAX], *secret[NOTIFY_MAX];
	const char		*target[NOTIFY_MAX];
	char			 err[256];
	size_t			 n;
	int			 i;

	if ((notify = calloc(1, sizeof(*notify))) == NULL)
		fatal("calloc");
	notify->channels = config_notify_channels(&P.cf);
	notify->max_age = (uint32_t)P.cf.notify_max_age;
	notify->timeout_ms = (uint32_t)P.cf.notify_timeout_ms;
	if (P.cf.public_url[0] != '\0')
		strlcpy(notify->public_url, P.cf.public_url,
		    sizeof(notify->public_url));
	else
		snprintf(notify->public_url, sizeof(notify->public_url),
		    strchr(P.cf.hostname, ':') != NULL ? "http://[%s]:%d" :
		    "http://%s:%d", P.cf.hostname, P.cf.port);
	/* Links are public_url + "/approve/<id>": no slash doubled. */
	n = strlen(notify->public_url);
	while (n > 8 && notify->public_url[n - 1] == '/')
		notify->public_url[--n] = '\0';
	url[NOTIFY_WEBHOOK] = P.cf.webhook_url;
	secret[NOTIFY_WEBHOOK] = P.cf.webhook_secret;
	target[NOTIFY_WEBHOOK] = "";
	url[NOTIFY_NTFY] = P.cf.ntfy_url;
	secret[NOTIFY_NTFY] = P.cf.ntfy_token;
	target[NOTIFY_NTFY] = P.cf.ntfy_topic;
	url[NOTIFY_TELEGRAM] = P.cf.telegram_api_url;
	secret[NOTIFY_TELEGRAM] = P.cf.telegram_bot_token;
	target[NOTIFY_TELEGRAM] = P.cf.telegram_chat_id;
	for (i = 0; i < NOTIFY_MAX; i++) {
		if (!(notify->channels & (1U << i)))
			continue;
		c = &notify->chan[i];
		strlcpy(c->url, url[i], sizeof(c->url));
		strlcpy(c->secret, secret[i], sizeof(c->secret));
		strlcpy(c->target, target[i], sizeof(c->target));
		if (rpc_resolve_entry(c->url, c->resolve, sizeof(c->resolve),
		    err, sizeof(err)) == -1) {
			/* Deliveries wait (and retry) until a look-up works. */
			log_warnx("notifications: %s: %s",
			    notify_channel_name(i), err);
			c->resolve[0] = '\0';
		}
		log_info("notifications: channel %s on",
		    notify_channel_name(i));
	}
	explicit_bzero(P.cf.webhook_secret, sizeof(P.cf.webhook_secret));
	explicit_bzero(P.cf.ntfy_token, sizeof(P.cf.ntfy_token));
	explicit_bzero(P.cf.telegram_bot_token,
	    sizeof(P.cf.telegram_bot_token));
}

static void
send_notify(struct child *c)
{
	struct ctl_notify	*cn;
	int			 i;

	if ((cn = calloc(1, sizeof(*cn))) == NULL)
		fatal("calloc");
	if (c->role == PROC_RELAY)
		memcpy(cn, notify, sizeof(*cn));
	else {
		cn->channels = notify->channels;
		cn->max_age = notify->max_age;
	}
	if (imsgev_compose(&c->iev, IMSG_CTL_NOTIFY, 0, -1, cn,
	    sizeof(*cn)) == -1)
		fatal("IMSG_CTL_NOTIFY");
	explicit_bzero(cn, sizeof(*cn));
	free(cn);
	/* relay has the credentials now; the parent keeps URLs only. */
	if (c->role == PROC_RELAY)
		for (i = 0; i < NOTIFY_MAX; i++)
			explicit_bzero(notify->chan[i].secret,
			    sizeof(notify->chan[i].secret));
}

/* A channel host's addresses, looked up again: relay gets changes. */
static void
notify_reresolve(void)
{
	struct ctl_resolve	 r;
	struct notify_chan	*c;
	char			 err[256];
	int			 i;

	for (i = 0; i < NOTIFY_MAX; i++) {
		c = &notify->chan[i];
		if (!(notify->channels & (1U << i)))
			continue;
		memset(&r, 0, sizeof(r));
		r.index = (uint32_t)i;
		if (rpc_resolve_entry(c->url, r.resolve, sizeof(r.resolve),
		    err, sizeof(err)) == -1) {
			log_warnx("notifications: %s: %s (keeping the "
			    "addresses known)", notify_channel_name(i), err);
			continue;
		}
		if (strcmp(r.resolve, c->resolve) == 0)
			continue;
		log_info("notifications: %s: addresses changed",
		    notify_channel_name(i));
		strlcpy(c->resolve, r.resolve, sizeof(c->resolve));
		if (imsgev_compose(&P.child[PROC_RELAY].iev,
		    IMSG_CTL_NOTIFY_RESOLVE, 0, -1, &r, sizeof(r)) == -1)
			fatal("IMSG_CTL_NOTIFY_RESOLVE");
	}
}

/* The price settings: the URL to the api, the static table to policyd. */
static void
send_price(struct child *c)
{
	struct ctl_price	*cp;

	if ((cp = calloc(1, sizeof(*cp))) == NULL)
		fatal("calloc");
	if (c->role == PROC_API) {
		strlcpy(cp->url, P.cf.price_url, sizeof(cp->url));
		strlcpy(cp->resolve, price_resolve, sizeof(cp->resolve));
		cp->is_default = (uint32_t)P.cf.price_default;
	} else
		strlcpy(cp->statics, P.cf.price_static, sizeof(cp->statics));
	strlcpy(cp->ids, P.cf.price_ids, sizeof(cp->ids));
	cp->refresh = (uint32_t)P.cf.price_refresh;
	cp->max_age = (uint32_t)P.cf.price_max_age;
	cp->max_change_pct = (uint32_t)P.cf.price_max_change_pct;
	cp->unpriced_deny = (uint32_t)P.cf.price_unpriced_deny;
	if (imsgev_compose(&c->iev, IMSG_CTL_PRICE, 0, -1, cp,
	    sizeof(*cp)) == -1)
		fatal("IMSG_CTL_PRICE");
	explicit_bzero(cp, sizeof(*cp));
	free(cp);
}

/*
 * The api sets its descriptor limit to max_connections plus what it
 * needs besides (proc_sandbox), which only works below the hard limit
 * it inherits from us, unless we may raise that (CAP_SYS_RESOURCE, up
 * to fs.nr_open).  Find out now and say what to change, rather than
 * have the api die at start-up or run out of descriptors later.
 */
static void
nofile_check(void)
{
	struct rlimit	rl;
	rlim_t		need = (rlim_t)P.cf.max_connections + API_FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit RLIMIT_NOFILE");
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need)
		return;
	rl.rlim_max = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		return;
	(void)getrlimit(RLIMIT_NOFILE, &rl);
	fatalx("daemon.max_connections = %d needs %llu open files in the "
	    "api, above the hard limit of %llu that cannot be raised here: "
	    "lower max_connections or raise the limit (ulimit -Hn, systemd "
	    "LimitNOFILE=, docker --ulimit nofile=)", P.cf.max_connections,
	    (unsigned long long)need, (unsigned long long)rl.rlim_max);
}

static void
send_config(struct child *c, int listenfd)
{
	struct ctl_config	cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.role = (uint32_t)c->role;
	cfg.flags = (P.privsep ? CTL_F_PRIVSEP : 0) |
	    (P.foreground ? CTL_F_FOREGROUND : 0);
	cfg.uid = P.uid[c->role];
	cfg.gid = P.gid[c->role];
	cfg.log_level = P.cf.log_level;
	cfg.start_time = P.start;
	cfg.lock_failures = (uint32_t)P.cf.master_lock_failures;
	cfg.lock_seconds = (uint32_t)P.cf.master_lock_seconds;
	cfg.max_sessions = (uint32_t)P.cf.max_sessions_per_wallet;
	cfg.ttl_min = (uint32_t)P.cf.session_ttl_min;
	cfg.kill_hold = (uint32_t)P.cf.owner_kill_recover_delay;
	/* policyd checks ownerAuth messages are addressed to this daemon. */
	cfg.port = (uint32_t)P.cf.port;
	if (strlcpy(cfg.hostname, P.cf.hostname, sizeof(cfg.hostname)) >=
	    sizeof(cfg.hostname))
		fatalx("daemon.hostname too long");
	/* And to the public address the approval page is opened under. */
	if (P.cf.public_url[0] != '\0' && rpc_url_domain(P.cf.public_url,
	    cfg.public_domain, sizeof(cfg.public_domain)) == -1)
		cfg.public_domain[0] = '\0';
	cfg.nofile = 32;
	if (c->role == PROC_API) {
		/* max_connections fits: see nofile_check(). */
		cfg.nofile = (uint32_t)P.cf.max_connections + API_FD_RESERVE;
		cfg.max_body = (uint32_t)P.cf.max_body_size;
		cfg.max_headers = (uint32_t)P.cf.max_header_size;
		cfg.timeout = (uint32_t)P.cf.request_timeout;
		cfg.max_conn = (uint32_t)P.cf.max_connections;
		cfg.header_timeout = (uint32_t)P.cf.header_timeout;
		cfg.rpc_timeout_ms = (uint32_t)P.cf.rpc_timeout_ms;
		cfg.rpc_max_response = (uint32_t)P.cf.rpc_max_response_kib *
		    1024;
		cfg.rpc_retries = (uint32_t)P.cf.rpc_retries;
		cfg.poll_ms = (uint32_t)P.cf.rpc_poll_interval_ms;
		cfg.resend_ms = (uint32_t)P.cf.rpc_resend_after_ms;
	}
	/* policyd too: how often a gasCondition looks again */
	cfg.poll_ms = (uint32_t)P.cf.rpc_poll_interval_ms;
	cfg.max_fee_gwei = (uint32_t)P.cf.max_fee_per_gas_gwei;
	cfg.max_gas = (uint32_t)P.cf.max_gas_limit;
	if (P.privsep && (size_t)snprintf(cfg.chroot, sizeof(cfg.chroot),
	    "%s/%s", P.cf.datadir, c->role == PROC_POLICYD ? "data" :
	    "empty") >= sizeof(cfg.chroot))
		fatalx("data directory path too long");
	if (c->role == PROC_POLICYD && (size_t)snprintf(cfg.workdir,
	    sizeof(cfg.workdir), "%s/data", P.cf.datadir) >=
	    sizeof(cfg.workdir))
		fatalx("data directory path too long");
	if (imsgev_compose(&c->iev, IMSG_CTL_CONFIG, 0, -1, &cfg,
	    sizeof(cfg)) == -1)
		fatal("IMSG_CTL_CONFIG");
	if (c->role == PROC_API && imsgev_compose(&c->iev, IMSG_CTL_LISTEN, 0,
	    listenfd, NULL, 0) == -1)
		fatal("IMSG_CTL_LISTEN");
	if (c->role == PROC_API || c->role == PROC_POLICYD) {
		send_networks(c);
		send_price(c);
	}
	if (c->role == PROC_RELAY || c->role == PROC_POLICYD)
		send_notify(c);
}

static void
send_peer(int role, int peer, int fd)
{
	struct ctl_peer	msg;

	msg.peer = (uint32_t)peer;
	if (imsgev_compose(&P.child[role].iev, IMSG_CTL_PEER, 0, fd, &msg,
	    sizeof(msg)) == -1)
		fatal("IMSG_CTL_PEER");
}

/*
 * Hand the master password to the signer (its only copy from now on) and
 * the hash policyd checks operators against.
 */
static void
unlock_send(void)
{
	struct ctl_unlock	*u;
	struct ctl_master_hash	 h;

	if ((u = sodium_malloc(sizeof(*u))) == NULL)
		fatal("sodium_malloc");
	memset(u, 0, sizeof(*u));
	u->have_meta = (uint32_t)P.have_meta;
	u->meta = P.meta;
	u->pwlen = (uint32_t)P.pwlen;
	memcpy(u->pw, P.pw, P.pwlen);
	if (imsgev_compose(&P.child[PROC_SIGNER].iev, IMSG_CTL_UNLOCK, 0, -1,
	    u, sizeof(*u)) == -1)
		fatal("IMSG_CTL_UNLOCK");
	sodium_free(u);
	sodium_free(P.pw);
	P.pw = NULL;
	P.pwlen = 0;

	memset(&h, 0, sizeof(h));
	strlcpy(h.hash, P.master_hash, sizeof(h.hash));
	if (imsgev_compose(&P.child[PROC_POLICYD].iev, IMSG_CTL_MASTER_HASH,
	    0, -1, &h, sizeof(h)) == -1)
		fatal("IMSG_CTL_MASTER_HASH");
}

static void
ctl_unlocked(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ctl_unlocked	r;
	size_t			i;

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	if (r.status == UNLOCK_WRONG) {
		log_at(LOGL_ERROR, "wrong master password: it does not open "
		    "this keystore; refusing to start (nothing was changed)");
		parent_stop(1, CRASH_GRACE_MS);
		return;
	}
	if (r.status != UNLOCK_OK) {
		log_warnx("the signer could not unlock the keystore");
		parent_stop(1, CRASH_GRACE_MS);
		return;
	}
	if (!P.have_meta) {
		if (memcmp(r.meta.magic, KS_META_MAGIC, 8) != 0 ||
		    keystore_write(P.kfd, "keystore.meta", &r.meta,
		    sizeof(r.meta), 0) == -1)
			fatal("keystore/keystore.meta");
		P.have_meta = 1;
		log_info("new keystore created");
	}
	for (i = 0; i < P.nfiles; i++) {
		struct ks_blob	b;

		if (P.files[i].len != sizeof(b) ||
		    memcmp(P.files[i].data, KS_BLOB_MAGIC, 8) != 0) {
			log_warnx("wallet %s: keystore file is not a sealed "
			    "key; wallet unusable (file kept)", P.files[i].id);
			P.nbad++;
			continue;
		}
		memcpy(&b, P.files[i].data, sizeof(b));
		/* The file name is the wallet: a blob must say the same. */
		if (memcmp(b.id, P.files[i].id, KS_ID_LEN) != 0)
			memset(b.id, 0, KS_ID_LEN);
		if (imsgev_compose(&P.child[PROC_SIGNER].iev, IMSG_KS_LOAD, 0,
		    -1, &b, sizeof(b)) == -1)
			fatal("IMSG_KS_LOAD");
		sodium_memzero(&b, sizeof(b));
	}
	if (P.nloaded + P.nbad == P.nfiles)
		parent_serving();
}

static void
ks_loaded(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ks_status	r;

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	r.id[KS_ID_LEN] = '\0';
	if (r.status == KS_OK)
		P.nloaded++;
	else {
		log_warnx("wallet %s: its sealed key does not open "
		    "(corrupted, or not of this keystore); the wallet is "
		    "unusable and its file is kept", r.id);
		P.nbad++;
	}
	if (P.nloaded + P.nbad == P.nfiles)
		parent_serving();
}

/* The signer sealed a new key: write it, then tell the signer. */
static void
ks_store(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ks_blob		b;
	struct ks_status	r;
	char			name[KS_ID_LEN + 8];

	(void)arg;
	if (rekey_active())
		fatalx("IMSG_KS_STORE during a master password change");
	memcpy(&b, imsg->data, sizeof(b));
	memset(&r, 0, sizeof(r));
	memcpy(r.id, b.id, KS_ID_LEN);
	if (memcmp(b.magic, KS_BLOB_MAGIC, 8) != 0 ||
	    !ks_valid_id(b.id, KS_ID_LEN))
		fatalx("IMSG_KS_STORE: not a sealed key");
	snprintf(name, sizeof(name), "%.36s.enc", b.id);
	if (keystore_write(P.kfd, name, &b, sizeof(b), 1) == -1) {
		log_warn("keystore/%s", name);
		r.status = KS_ERROR;
	} else
		r.status = KS_OK;
	if (imsgchan_compose(ch, IMSG_KS_STORED, 0, -1, &r, sizeof(r)) == -1)
		fatal("IMSG_KS_STORED");
}

/*
 * set-master: the signer sends the new meta, every key sealed under the
 * new password, then the commit; parent_keystore.c writes them beside
 * the keystore and switches (see rekey_commit()).
 */
static void
ks_rekey_begin(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ks_rekey_begin	rb;

	(void)ch;
	(void)arg;
	memcpy(&rb, imsg->data, sizeof(rb));
	rekey_begin(P.dfd, &rb.meta, rb.count);
}

static void
ks_rekey_blob(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ks_blob	b;

	(void)ch;
	(void)arg;
	memcpy(&b, imsg->data, sizeof(b));
	rekey_blob(&b);
}

static void
ks_rekey_commit(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ks_status	r;

	(void)imsg;
	(void)arg;
	memset(&r, 0, sizeof(r));
	if (rekey_commit(P.dfd, &P.kfd) == -1) {
		log_warnx("master password change: the new keystore could "
		    "not be written; the old one stays");
		r.status = KS_ERROR;
	} else {
		log_info("master password changed: keystore switched");
		r.status = KS_OK;
	}
	if (imsgchan_compose(ch, IMSG_KS_REKEYED, 0, -1, &r, sizeof(r)) == -1)
		fatal("IMSG_KS_REKEYED");
}

static void
parent_ready(void)
{
	log_debug("all children ready");
	event_del(P.ev_startup);
	priv_harden();
	if (P.privsep) {
		priv_clear_bounding();
		priv_drop(P.uid[PROC_PARENT], P.gid[PROC_PARENT], NULL);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	unlock_send();
}

/* Everything is up and the keystore is open: say so. */
static void
parent_serving(void)
{
	struct timeval	tv = { P.cf.rpc_resolve_interval, 0 };

	if ((P.ev_resolve = evtimer_new(P.base, networks_reresolve, NULL)) ==
	    NULL)
		fatalx("evtimer_new");
	evtimer_add(P.ev_resolve, &tv);
	if ((P.ev_defaults = evtimer_new(P.base, defaults_resolve, NULL)) ==
	    NULL)
		fatalx("evtimer_new");
	/* The first pass right after this: the pid file says serving. */
	tv.tv_sec = 0;
	evtimer_add(P.ev_defaults, &tv);
	pidfile_write("serving\n");
	if (P.nbad > 0)
		log_warnx("%zu of %zu wallets are unusable: their sealed keys "
		    "do not open (files kept)", P.nbad, P.nfiles);
	if (P.privsep)
		log_info("waiaasd %s ready on %s:%d with %zu wallets "
		    "(privilege separation: full)", WAIAAS_VERSION,
		    P.cf.hostname, P.cf.port, P.nloaded);
	else
		log_warnx("waiaasd %s ready on %s:%d with %zu wallets "
		    "(privilege separation: DEGRADED, not started as root: "
		    "all processes share uid %u, no chroot)", WAIAAS_VERSION,
		    P.cf.hostname, P.cf.port, P.nloaded, (unsigned)getuid());
}

static void
ctl_ready(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct child	*c = arg;

	(void)ch;
	(void)imsg;
	if (c->ready)
		fatalx("second IMSG_CTL_READY from %s", proc_name(c->role));
	c->ready = 1;
	log_debug("%s ready (pid %d)", proc_name(c->role), (int)c->pid);
	if (++P.nready == PROC_MAX - 1)
		parent_ready();
}

/*
 * POST /v1/mcp/tokens: policyd made a session; its token goes to
 * tokens/<wallet> in the data directory, which is ours (policyd sees
 * only its database directory).  Written as a key file is (temporary
 * file, fsync, rename, fsync of the directory), mode 0600, owned by us;
 * the token is wiped from memory after and never logged.
 */
static void
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

/* What children may say; the signer alone speaks of keys. */
static const struct imsg_rule parent_rules[] = {
	IMSG_RULE_EMPTY(IMSG_CTL_READY, ctl_ready),
};

static const struct imsg_rule parent_policyd_rules[] = {
	IMSG_RULE_EMPTY(IMSG_CTL_READY, ctl_ready),
	IMSG_RULE_EXACT(IMSG_CTL_TOKEN_WRITE, struct ctl_token_write,
	    ctl_token_write),
};

static const struct imsg_rule parent_signer_rules[] = {
	IMSG_RULE_EMPTY(IMSG_CTL_READY, ctl_ready),
	IMSG_RULE_EXACT(IMSG_CTL_UNLOCKED, struct ctl_unlocked, ctl_unlocked),
	IMSG_RULE_EXACT(IMSG_KS_LOADED, struct ks_status, ks_loaded),
	IMSG_RULE_EXACT(IMSG_KS_STORE, struct ks_blob, ks_store),
	IMSG_RULE_EXACT(IMSG_KS_REKEY_BEGIN, struct ks_rekey_begin,
	    ks_rekey_begin),
	IMSG_RULE_EXACT(IMSG_KS_REKEY_BLOB, struct ks_blob, ks_rekey_blob),
	IMSG_RULE_EMPTY(IMSG_KS_REKEY_COMMIT, ks_rekey_commit),
};

static void
child_closed(struct imsgev *iev)
{
	/* The child is exiting; its SIGCHLD tells how. */
	event_del(iev->ev);
}

static const char *
signame(int sig)
{
	switch (sig) {
	case SIGKILL:	return "SIGKILL";
	case SIGTERM:	return "SIGTERM";
	case SIGSEGV:	return "SIGSEGV";
	case SIGABRT:	return "SIGABRT";
	case SIGSYS:	return "SIGSYS";
	case SIGBUS:	return "SIGBUS";
	case SIGINT:	return "SIGINT";
	case SIGILL:	return "SIGILL";
	default:	return "a signal";
	}
}

static void
reap(void)
{
	struct child	*c;
	pid_t		 pid;
	int		 status, i, lvl;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		c = NULL;
		for (i = 1; i < PROC_MAX; i++)
			if (P.child[i].pid == pid)
				c = &P.child[i];
		if (c == NULL)
			continue;
		c->exited = 1;
		/*
		 * A death by signal or a failure is always an error, even
		 * when reaped after a sibling that merely saw its channel
		 * close: the log must name the child that died first.
		 */
		lvl = (WIFSIGNALED(status) || WEXITSTATUS(status) != 0) ?
		    LOGL_ERROR : P.stopping ? LOGL_DEBUG : LOGL_WARN;
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
			log_at(LOGL_ERROR, "%s (pid %d) killed by SIGSYS: it "
			    "made a system call its sandbox forbids; treat "
			    "as a possible compromise", proc_name(c->role),
			    (int)pid);
		else if (WIFSIGNALED(status))
			log_at(lvl, "%s (pid %d) terminated by %s (%d)",
			    proc_name(c->role), (int)pid,
			    signame(WTERMSIG(status)), WTERMSIG(status));
		else
			log_at(lvl, "%s (pid %d) exited with status %d",
			    proc_name(c->role), (int)pid,
			    WEXITSTATUS(status));
		if (!P.stopping)
			parent_stop(1, CRASH_GRACE_MS);
	}
	for (i = 1; i < PROC_MAX; i++)
		if (!P.child[i].exited)
			return;
	if (P.stopping) {
		log_info("stopped");
		pidfile_remove();
		exit(P.exitcode);
	}
}

static void
stop_timeout(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	/* Children left behind die of their parent-death signal. */
	log_warnx("children did not stop in time; exiting");
	pidfile_remove();
	exit(P.exitcode);
}

/*
 * Closing the channels is the stop request: every child exits when its
 * parent channel reaches end of file.
 */
static void
stop_close(evutil_socket_t fd, short ev, void *arg)
{
	int	i;

	(void)fd;
	(void)ev;
	(void)arg;
	for (i = 1; i < PROC_MAX; i++)
		if (P.child[i].iev.ev != NULL)
			imsgev_free(&P.child[i].iev);
}

/*
 * The channels close from the loop, not here: parent_stop() may be called
 * from a handler of one of them, which must not be freed under it.
 */
static void
parent_stop(int code, int grace_ms)
{
	struct timeval	tv, now = { 0, 0 };

	if (P.stopping)
		return;
	P.stopping = 1;
	P.exitcode = code;
	if (event_base_once(P.base, -1, EV_TIMEOUT, stop_close, NULL,
	    &now) == -1)
		fatalx("event_base_once");
	tv.tv_sec = grace_ms / 1000;
	tv.tv_usec = (grace_ms % 1000) * 1000;
	if ((P.ev_stop = evtimer_new(P.base, stop_timeout, NULL)) == NULL)
		fatal("evtimer_new");
	evtimer_add(P.ev_stop, &tv);
}

static void
on_signal(evutil_socket_t sig, short ev, void *arg)
{
	(void)ev;
	(void)arg;
	switch (sig) {
	case SIGCHLD:
		reap();
		break;
	case SIGTERM:
	case SIGINT:
		log_info("received %s, stopping", sig == SIGTERM ? "SIGTERM" :
		    "SIGINT");
		parent_stop(0, STOP_GRACE_MS);
		reap();
		break;
	case SIGHUP:
		log_info("SIGHUP ignored: restart to reload the "
		    "configuration");
		break;
	}
}

static void
startup_timeout(evutil_socket_t fd, short ev, void *arg)
{
	int	i;

	(void)fd;
	(void)ev;
	(void)arg;
	for (i = 1; i < PROC_MAX; i++)
		if (!P.child[i].ready)
			log_warnx("%s did not become ready", proc_name(i));
	log_warnx("start-up timed out after %d s", STARTUP_TIMEOUT);
	parent_stop(1, CRASH_GRACE_MS);
}

/* Daemon mode: children log to a pipe; each line goes to syslog. */
static void
on_log(evutil_socket_t fd, short ev, void *arg)
{
	char	*line;
	size_t	 len;
	int	 lvl;

	(void)ev;
	(void)arg;
	if (evbuffer_read(P.logbuf, fd, 4096) <= 0) {
		event_del(P.ev_log);
		return;
	}
	while ((line = evbuffer_readln(P.logbuf, &len,
	    EVBUFFER_EOL_LF)) != NULL) {
		lvl = LOGL_INFO;
		if (len >= 3 && line[0] == '<' && line[2] == '>' &&
		    line[1] >= '0' && line[1] <= '4') {
			lvl = line[1] - '0';
			log_at(lvl, "%.1000s", line + 3);
		} else
			log_at(lvl, "%.1000s", line);
		free(line);
	}
	/* A child writing without newlines cannot grow the buffer. */
	if (evbuffer_get_length(P.logbuf) > 4096)
		evbuffer_drain(P.logbuf, evbuffer_get_length(P.logbuf));
}

/*
 * Credentials set in the environment: overwritten where
 * /proc/PID/environ shows them, and removed, once the config has them.
 */
static void
scrub_env_secrets(void)
{
	extern char	**environ;
	char		  name[128], *eq;
	size_t		  n;
	int		  again = 1;

	while (again) {
		again = 0;
		for (n = 0; environ[n] != NULL; n++) {
			if ((eq = strchr(environ[n], '=')) == NULL ||
			    (size_t)(eq - environ[n]) >= sizeof(name))
				continue;
			memcpy(name, environ[n], (size_t)(eq - environ[n]));
			name[eq - environ[n]] = '\0';
			if (!config_env_is_secret(name))
				continue;
			explicit_bzero(eq + 1, strlen(eq + 1));
			unsetenv(name);
			again = 1;	/* environ changed under us */
			break;
		}
	}
}

/*
 * A WAIAAS_* variable that is neither ours nor a known client's does not
 * stop the start (an agent's container has its own), but may be a typo of
 * a setting that then keeps its default: say so loudly, with the nearest
 * name.  The name only, made printable; never the value.
 */
static void
env_warn_unknown(void)
{
	extern char	**environ;
	char		  name[128], nearest[128];
	size_t		  i, n;

	for (i = 0; environ[i] != NULL; i++) {
		if (strncmp(environ[i], "WAIAAS_", 7) != 0)
			continue;
		n = strcspn(environ[i], "=");
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, environ[i], n);
		name[n] = '\0';
		if (!config_env_unknown(name))
			continue;
		config_env_closest(name, nearest, sizeof(nearest));
		for (n = 0; name[n] != '\0'; n++)
			if (!isalnum((unsigned char)name[n]) && name[n] != '_')
				name[n] = '?';
		log_warnx("environment: %s is not a waiaasd setting and is "
		    "ignored (closest known: %s); a misspelt setting keeps "
		    "its default", name, nearest);
	}
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
static void
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
static void
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
static void
pidfile_remove(void)
{
	if (P.pidfd < 0)
		return;
	if (unlinkat(P.ddir, "waiaasd.pid", 0) == -1 && errno != ENOENT)
		log_warn("unlink %s", P.pidpath);
}

static void
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
 * Before anything starts: the keystore's meta and blobs, the master
 * password, and the hash policyd will check operators against.
 */
static void
keystore_prepare(int provision)
{
	char		 path[PATH_MAX];
	const char	*file;
	int		 dfd, fd;

	if ((dfd = fcntl(P.ddir, F_DUPFD_CLOEXEC, 0)) == -1)
		fatal("dup");
	if ((size_t)snprintf(path, sizeof(path), "%s/keystore",
	    P.cf.datadir) >= sizeof(path))
		fatalx("data directory path too long");
	if ((P.kfd = openat(dfd, "keystore", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		fatal("%s", path);
	P.have_meta = keystore_read_meta(P.kfd, &P.meta);
	P.nfiles = keystore_scan(P.kfd, &P.files);
	if (!P.have_meta && P.nfiles > 0)
		fatalx("keystore/keystore.meta is missing but %zu sealed keys "
		    "exist: restore it from a backup", P.nfiles);
	if (!P.have_meta) {
		P.meta.kdf_mem_kib = (uint32_t)P.cf.kdf_memory_kib;
		P.meta.kdf_passes = (uint32_t)P.cf.kdf_passes;
		P.meta.kdf_lanes = (uint32_t)P.cf.kdf_lanes;
	}
	if ((P.pw = sodium_malloc(KS_PASSWORD_MAX + 1)) == NULL)
		fatal("sodium_malloc");
	/*
	 * A password file only root may read (a systemd credential, a
	 * root-owned Docker secret) is read as root; any other as us.
	 */
	file = getenv("WAIAAS_MASTER_PASSWORD_FILE");
	if (P.privsep && file != NULL && file[0] != '\0') {
		if ((fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
		    O_NONBLOCK)) != -1)
			close(fd);
		else if (errno == EACCES)
			fs_as(0, 0);
	}
	master_password(dfd, P.cf.datadir, !P.have_meta, provision, P.pw,
	    &P.pwlen);
	fs_as_parent();
	P.dfd = dfd;	/* kept: set-master switches keystore/ in it */
	/* policyd checks X-Master-Password against this, never the text. */
	if (crypto_pwhash_str(P.master_hash, P.pw, P.pwlen,
	    P.meta.kdf_passes, (size_t)P.meta.kdf_mem_kib * 1024) != 0)
		fatalx("crypto_pwhash_str: out of memory");
}

static void
parent_main(int foreground, int provision)
{
	extern char	**environ;
	char		  err[512], path[PATH_MAX];
	int		  chan[PROC_MAX][2], pair[2], logpipe[2] = { -1, -1 };
	int		  listenfd, i, dfd;
	struct timeval	  tv = { STARTUP_TIMEOUT, 0 };
	struct stat	  st;
	static const int  sigs[] = { SIGTERM, SIGINT, SIGCHLD, SIGHUP };
	static const int  pairs[][2] = {
		{ PROC_API, PROC_POLICYD },
		{ PROC_POLICYD, PROC_SIGNER },
		{ PROC_POLICYD, PROC_RELAY },
	};

	P.foreground = foreground;
	P.start = time(NULL);
	P.pidfd = -1;
	P.ddir = -1;
	log_init(LOG_TO_STDERR, LOGL_INFO, "parent");
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0)
		fatalx("sodium_init");
	child_exe_init();

	config_defaults(&P.cf);
	resolve_datadir();
	/*
	 * Started as root: read config.toml as the data directory's owner.
	 * Root without CAP_DAC_OVERRIDE (a container) could not enter it,
	 * and that user could read the file anyway.
	 */
	if ((size_t)snprintf(path, sizeof(path), "%s/config.toml",
	    P.cf.datadir) >= sizeof(path))
		fatalx("data directory path too long");
	/* Found as root (a path through /root), read as its owner. */
	if ((dfd = open(P.cf.datadir, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) != -1) {
		if (geteuid() == 0 && fstat(dfd, &st) == 0)
			priv_fsid(st.st_uid, st.st_gid);
		if (config_load_at(&P.cf, dfd, "config.toml", path, err,
		    sizeof(err)) == -1)
			fatalx("configuration: %s", err);
		close(dfd);
	} else if (config_load_file(&P.cf, path, err, sizeof(err)) == -1)
		fatalx("configuration: %s", err);
	/*
	 * Credentials named by *_FILE: as root first (a secret only root
	 * may read: a Docker secret, a systemd credential), then as the
	 * data directory's owner (its own file, which root without
	 * CAP_DAC_OVERRIDE cannot read).  Applying twice is harmless.
	 */
	if (geteuid() == 0)
		priv_fsid(0, 0);
	if (config_apply_env(&P.cf, environ, err, sizeof(err)) == -1) {
		if (geteuid() != 0 || stat(P.cf.datadir, &st) == -1)
			fatalx("configuration: %s", err);
		priv_fsid(st.st_uid, st.st_gid);
		if (config_apply_env(&P.cf, environ, err, sizeof(err)) == -1)
			fatalx("configuration: %s", err);
	}
	config_apply_defaults(&P.cf);
	if (config_check(&P.cf, err, sizeof(err)) == -1)
		fatalx("configuration: %s", err);
	log_setlevel(P.cf.log_level);
	env_warn_unknown();
	scrub_env_secrets();
	networks_init();
	notify_init();

	nofile_check();
	P.privsep = geteuid() == 0;
	if (P.privsep)
		resolve_users();
	else {
		for (i = 0; i < PROC_MAX; i++) {
			P.uid[i] = getuid();
			P.gid[i] = getgid();
		}
		log_warnx("not started as root: every process runs as uid %u "
		    "without chroot (degraded privilege separation; start as "
		    "root for one user per process)", (unsigned)getuid());
	}
	umask(077);
	datadir_setup();
	pidfile_lock();
	keystore_prepare(provision);
	listenfd = listen_socket();

	if (!foreground) {
		/* A minimal system or a container may have no syslog. */
		if (access(_PATH_LOG, W_OK) == -1)
			log_warnx("no syslog listens on %s: once detached, "
			    "this daemon's log is lost; run it in the "
			    "foreground (waiaasd -d, waiaas start -d) or "
			    "start a syslog daemon", _PATH_LOG);
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init(LOG_TO_SYSLOG, P.cf.log_level, "parent");
		if (pipe2(logpipe, O_CLOEXEC) == -1)
			fatal("pipe2");
	}
	pidfile_write("");

	if ((P.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	for (i = 0; i < (int)nitems(sigs); i++) {
		P.ev_sig[i] = evsignal_new(P.base, sigs[i], on_signal, NULL);
		if (P.ev_sig[i] == NULL ||
		    evsignal_add(P.ev_sig[i], NULL) == -1)
			fatalx("evsignal");
	}

	for (i = 1; i < PROC_MAX; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0, chan[i]) == -1)
			fatal("socketpair");
		P.child[i].role = i;
		P.child[i].pid = start_child(i, chan[i][1], logpipe[1]);
		close(chan[i][1]);
		if (imsgev_init(&P.child[i].iev, P.base, chan[i][0],
		    proc_name(i), CHAN_CTL_MAX, CHAN_CTL_WMAX, 1,
		    i == PROC_SIGNER ? parent_signer_rules : i ==
		    PROC_POLICYD ? parent_policyd_rules : parent_rules,
		    i == PROC_SIGNER ? nitems(parent_signer_rules) : i ==
		    PROC_POLICYD ? nitems(parent_policyd_rules) :
		    nitems(parent_rules), &P.child[i], child_closed) == -1)
			fatal("imsgev_init");
	}
	if (logpipe[1] != -1) {
		close(logpipe[1]);
		if ((P.logbuf = evbuffer_new()) == NULL ||
		    (P.ev_log = event_new(P.base, logpipe[0],
		    EV_READ | EV_PERSIST, on_log, NULL)) == NULL ||
		    event_add(P.ev_log, NULL) == -1)
			fatalx("log pipe");
	}

	for (i = 1; i < PROC_MAX; i++)
		send_config(&P.child[i], listenfd);
	for (i = 0; i < (int)nitems(pairs); i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    pair) == -1)
			fatal("socketpair");
		send_peer(pairs[i][0], pairs[i][1], pair[0]);
		send_peer(pairs[i][1], pairs[i][0], pair[1]);
	}
	for (i = 1; i < PROC_MAX; i++)
		if (imsgev_compose(&P.child[i].iev, IMSG_CTL_START, 0, -1,
		    NULL, 0) == -1)
			fatal("IMSG_CTL_START");

	if ((P.ev_startup = evtimer_new(P.base, startup_timeout, NULL)) ==
	    NULL)
		fatalx("evtimer_new");
	evtimer_add(P.ev_startup, &tv);

	event_base_dispatch(P.base);
	fatalx("event loop ended");
}

int
main(int argc, char *argv[])
{
	int		 ch, foreground = 0, provision = 0;
	const char	*ap;
	static const struct option longopts[] = {
		{ "auto-provision", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 }
	};

	if ((ap = getenv("WAIAAS_AUTO_PROVISION")) != NULL &&
	    strcmp(ap, "true") == 0)
		provision = 1;
	/* The children are their own executables (child_exe_init). */
	if (argc > 0 && strncmp(argv[0], PROC_CHILD_TITLE,
	    strlen(PROC_CHILD_TITLE)) == 0)
		usage();
	while ((ch = getopt_long(argc, argv, "dhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'A':
			provision = 1;
			break;
		case 'd':
			foreground = 1;
			break;
		case 'V':
			printf("waiaasd %s\n", WAIAAS_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	parent_main(foreground, provision);
	return 1;
}
