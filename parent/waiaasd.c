/*
 * waiaasd: the parent.  Reads the configuration, prepares the data
 * directory, binds the API socket, creates every channel, forks and
 * re-executes one child per role, hands each its descriptors, waits until
 * all are sandboxed and then drops its own privileges and supervises.
 * Any child's death ends the daemon.
 *
 * This file is the start: configuration, users, the listening socket.
 * The rest by stage: parent_datadir.c (the data directory, the pid file),
 * parent_resolve.c (the settings' hosts looked up, for the children
 * without DNS), parent_unlock.c (the keystore opened through the signer),
 * parent_children.c (start, configure, wait for ready), parent_stop.c
 * (signals, deaths, shutdown); parent_keystore.c the keystore's files.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
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

#include <sodium.h>

#include "config.h"
#include "parent.h"
#include "log.h"
#include "proc.h"
#include "secret.h"
#include "util.h"
#include "version.h"

/* Numeric ids when no passwd entry exists (containers). */
static const uid_t default_uid[PROC_MAX] = {
	[PROC_PARENT] = 1005, [PROC_API] = 1001, [PROC_POLICYD] = 1002,
	[PROC_SIGNER] = 1003, [PROC_RELAY] = 1004, [PROC_FETCH] = 1006,
};

static const char *const default_user[PROC_MAX] = {
	[PROC_PARENT] = "waiaas", [PROC_API] = "waiaas-api",
	[PROC_POLICYD] = "waiaas-policyd", [PROC_SIGNER] = "waiaas-signer",
	[PROC_RELAY] = "waiaas-relay", [PROC_FETCH] = "waiaas-fetch",
};

struct parent	P;

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

static void
parent_main(int foreground, int provision)
{
	extern char	**environ;
	char		  err[512], path[PATH_MAX];
	int		  logpipe[2] = { -1, -1 };
	int		  listenfd, i, dfd;
	struct stat	  st;
	static const int  sigs[] = { SIGTERM, SIGINT, SIGCHLD, SIGHUP };

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

	children_start(listenfd, logpipe);

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
