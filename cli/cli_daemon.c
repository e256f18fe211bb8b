/*
 * init, start, stop, status: the data directory and the daemon process.
 * waiaasd keeps waiaasd.pid in the data directory flock(2)ed while it
 * runs, with a second line "serving" once its keystore is open; a file
 * whose lock can be taken was left by a daemon that died.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "config.h"
#include "keystore.h"
#include "secret.h"
#include "util.h"

#define PID_ALIVE	1	/* locked: the daemon runs */
#define PID_STALE	0	/* present, unlocked: it died */
#define PID_NONE	-1	/* no file */

static int	opt_force, opt_provision, opt_fg;
static long	opt_timeout = 60;

static void
sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * The pid file's state, and its pid and whether it says "serving".  A
 * stale file is removed when clean is set, under its lock (waiaasd
 * checks that the file it locked is still the one at the path).
 */
static int
pidfile_state(pid_t *pid, int *serving, int clean)
{
	char		 path[PATH_MAX + 16], buf[64], *end;
	ssize_t		 n;
	long		 v;
	int		 fd, st;

	cli_datadir();
	snprintf(path, sizeof(path), "%s/waiaasd.pid", cli.datadir);
	*pid = 0;
	if (serving != NULL)
		*serving = 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return PID_NONE;
		cli_fail("%s: %s", path, strerror(errno));
	}
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno == 0 && end != buf && *end == '\n' && v > 1 &&
	    v < INT_MAX)
		*pid = (pid_t)v;
	if (serving != NULL && *pid != 0 &&
	    strcmp(end + 1, "serving\n") == 0)
		*serving = 1;
	if (flock(fd, LOCK_SH | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK)
			cli_fail("flock %s: %s", path, strerror(errno));
		st = PID_ALIVE;
	} else {
		st = PID_STALE;
		if (clean && unlink(path) == -1 && errno != ENOENT)
			cli_fail("%s: stale, and cannot be removed: %s", path,
			    strerror(errno));
	}
	close(fd);
	return st;
}

/* GET /health within a short time: 1 and the answer when it is 200. */
static int
health(json_t **ans)
{
	char	err[256];
	long	st;

	*ans = NULL;
	if (cli_http("GET", "/health", NULL, 0, 3, &st, ans, err,
	    sizeof(err)) == -1 || st != 200 || *ans == NULL) {
		json_decref(*ans);
		*ans = NULL;
		return 0;
	}
	return 1;
}

/* ---- init ---- */

static const char config_text[] =
"# waiaasd configuration, written by `waiaas init`.\n"
"#\n"
"# Any key can also be set in the environment as WAIAAS_<SECTION>_<KEY>\n"
"# (e.g. WAIAAS_DAEMON_PORT=3100), which wins over this file.  An unknown\n"
"# key or a bad value stops the daemon with a message naming it.  The\n"
"# commented lines show the defaults.  Keep this file not writable by\n"
"# group or others.\n"
"\n"
"[daemon]\n"
"# An IP address or localhost.  Keep loopback unless a TLS proxy sits\n"
"# in front: the API carries the master password and session tokens.\n"
"hostname = \"127.0.0.1\"\n"
"port = 3100\n"
"# log_level = \"info\"        # trace, debug, info, warn, error\n"
"# max_connections = 4096\n"
"# request_timeout = 30       # seconds\n"
"# header_timeout = 10        # seconds\n"
"# max_body_size = 262144     # bytes\n"
"# max_header_size = 16384    # bytes\n"
"\n"
"[rpc]\n"
"# One URL per network: solana_mainnet, solana_devnet, solana_testnet,\n"
"# evm_<chain>_<env> for ethereum, polygon, arbitrum, optimism, base and\n"
"# hyperevm.  A network without a key uses a built-in public endpoint\n"
"# (rate-limited: set your own provider for real traffic); \"\" turns\n"
"# one network off, public_defaults = false every built-in endpoint\n"
"# and the built-in price source.\n"
"# public_defaults = true\n"
"# evm_ethereum_sepolia = \"https://sepolia.example.org/v1/KEY\"\n"
"# solana_testnet = \"\"\n"
"# timeout_ms = 10000\n"
"\n"
"[security]\n"
"# master_lock_failures = 10  # wrong master passwords in a minute ...\n"
"# master_lock_seconds = 300  # ... lock masterAuth this long\n"
"# max_sessions_per_wallet = 10\n"
"# owner_kill_recover_delay = 86400  # an owner's kill switch: the master\n"
"#                                   # alone recovers only after this\n"
"# USD prices for the USD limits: by default CoinGecko's public simple\n"
"# price (no key); price_url = \"\" turns it off.\n"
"# price_static = \"ETH=2000;SOL=150\"\n"
"\n"
"[keystore]\n"
"# Argon2id cost of a new keystore (an existing one keeps its own).\n"
"# kdf_memory_kib = 65536\n"
"# kdf_passes = 3\n"
"# kdf_lanes = 4\n"
"\n"
"[notifications]\n"
"\n"
"[database]\n";

static void
init_opt(int ch, const char *arg)
{
	(void)arg;
	if (ch == 'f')
		opt_force = 1;
	else if (ch == 'A')
		opt_provision = 1;
	else
		cli_usage_error("unexpected option");
}

static int
exists_at(int dfd, const char *name)
{
	struct stat	st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	if (errno != ENOENT)
		cli_fail("%s/%s: %s", cli.datadir, name, strerror(errno));
	return 0;
}

/* config.toml through a temporary file, checked by the daemon's loader. */
static void
write_config(int dfd)
{
	static struct config	 cf;
	char			 tmp[PATH_MAX + 32], err[512];
	size_t			 len = sizeof(config_text) - 1;
	int			 fd;

	snprintf(tmp, sizeof(tmp), "%s/config.toml.new", cli.datadir);
	(void)unlinkat(dfd, "config.toml.new", 0);
	if ((fd = openat(dfd, "config.toml.new", O_WRONLY | O_CREAT |
	    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1)
		cli_fail("%s: %s", tmp, strerror(errno));
	if (write(fd, config_text, len) != (ssize_t)len || fsync(fd) == -1)
		cli_fail("%s: %s", tmp, strerror(errno));
	close(fd);
	config_defaults(&cf);
	if (config_load_file(&cf, tmp, err, sizeof(err)) == -1 ||
	    config_check(&cf, err, sizeof(err)) == -1) {
		(void)unlinkat(dfd, "config.toml.new", 0);
		cli_fail("the daemon would refuse the new config.toml: %s",
		    err);
	}
	if (renameat(dfd, "config.toml.new", dfd, "config.toml") == -1)
		cli_fail("%s/config.toml: %s", cli.datadir, strerror(errno));
	if (fsync(dfd) == -1)
		cli_fail("fsync %s: %s", cli.datadir, strerror(errno));
}

int
cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "auto-provision", no_argument, NULL, 'A' },
		CLI_COMMON_OPTS, { NULL, 0, NULL, 0 }
	};
	struct stat	 st;
	char		*pw;
	size_t		 len;
	int		 dfd, setup, keystore;

	cli_getopt(argc, argv, "", opts, init_opt,
	    "usage: waiaas init [--auto-provision] [--force]\n"
	    "Create the data directory ($WAIAAS_DATA_DIR, default ~/.waiaas,\n"
	    "mode 700) with a commented config.toml the daemon accepts.\n"
	    "  --auto-provision  also write recovery.key (mode 600): a random\n"
	    "                    master password; back it up, then delete it\n"
	    "  --force           rewrite config.toml over an existing setup\n"
	    "                    (an existing recovery.key or keystore is\n"
	    "                    never replaced)\n");
	if (optind != argc)
		cli_usage_error("unexpected argument '%.64s'", argv[optind]);
	cli_datadir();
	if (mkdir(cli.datadir, 0700) == -1 && errno != EEXIST)
		cli_fail("mkdir %s: %s", cli.datadir, strerror(errno));
	if ((dfd = open(cli.datadir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		cli_fail("%s: %s", cli.datadir, strerror(errno));
	if (fstat(dfd, &st) == -1)
		cli_fail("%s: %s", cli.datadir, strerror(errno));
	if (st.st_uid != geteuid() && geteuid() != 0)
		cli_fail("%s belongs to uid %u, not to us", cli.datadir,
		    (unsigned)st.st_uid);
	if ((st.st_mode & 077 & ~SECRET_GROUP_OK(&st, S_IXGRP)) != 0 &&
	    fchmod(dfd, 0700 | (st.st_mode & SECRET_GROUP_OK(&st,
	    S_ISGID | S_IXGRP))) == -1)
		cli_fail("chmod %s: %s", cli.datadir, strerror(errno));
	keystore = exists_at(dfd, "keystore/keystore.meta");
	setup = exists_at(dfd, "config.toml") ||
	    exists_at(dfd, "recovery.key") || keystore;
	if (setup && !opt_force)
		cli_fail("%s already holds a setup (config.toml, recovery.key "
		    "or a keystore): use --force to rewrite config.toml",
		    cli.datadir);
	write_config(dfd);
	printf("wrote %s/config.toml\n", cli.datadir);
	if (opt_provision) {
		if (exists_at(dfd, "recovery.key"))
			printf("kept the existing %s/recovery.key\n",
			    cli.datadir);
		else if (keystore)
			cli_fail("a keystore exists in %s: a new random "
			    "password would not open it (no recovery.key "
			    "written)", cli.datadir);
		else {
			if ((pw = sodium_malloc(KS_PASSWORD_MAX + 1)) == NULL)
				cli_fail("out of memory");
			secret_provision(dfd, cli.datadir, pw, &len);
			sodium_free(pw);
			printf("wrote %s/recovery.key (mode 600): the master "
			    "password\n", cli.datadir);
		}
	}
	close(dfd);
	printf("next: waiaas start\n");
	return 0;
}

/* ---- start ---- */

static void
start_opt(int ch, const char *arg)
{
	char	*end;

	if (ch == 'd')
		opt_fg = 1;
	else if (ch == 't') {
		errno = 0;
		opt_timeout = strtol(arg, &end, 10);
		if (errno != 0 || *end != '\0' || opt_timeout < 1 ||
		    opt_timeout > 3600)
			cli_usage_error("--timeout: seconds, 1 to 3600");
	} else
		cli_usage_error("unexpected option");
}

/* waiaasd next to this program (an install or a build), else $PATH. */
static void
exec_daemon(int fg)
{
	extern char	**environ;
	char		  self[PATH_MAX], path[PATH_MAX + 16], *slash;
	char		 *argv[3];
	ssize_t		  n;

	argv[0] = "waiaasd";
	argv[1] = fg ? "-d" : NULL;
	argv[2] = NULL;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/waiaasd", self);
			if (access(path, X_OK) == 0)
				execve(path, argv, environ);
		}
	}
	execvp("waiaasd", argv);
	fprintf(stderr, "waiaas start: cannot run waiaasd: %s\n",
	    strerror(errno));
	_exit(127);
}

static void
uptime_str(long long s, char *buf, size_t len)
{
	if (s >= 86400)
		snprintf(buf, len, "%lldd%lldh%lldm", s / 86400,
		    s % 86400 / 3600, s % 3600 / 60);
	else if (s >= 3600)
		snprintf(buf, len, "%lldh%lldm%llds", s / 3600, s % 3600 / 60,
		    s % 60);
	else if (s >= 60)
		snprintf(buf, len, "%lldm%llds", s / 60, s % 60);
	else
		snprintf(buf, len, "%llds", s);
}

/* "waiaasd 0.1 running on URL, pid N, up 5s" */
static void	print_summary(json_t *);

/* The status line; with sources, the RPC and price summary too. */
static void
print_running(json_t *h, pid_t pid, int sources)
{
	json_t	*up = json_object_get(h, "uptime");
	char	 ut[64];

	uptime_str(json_is_integer(up) ? (long long)json_integer_value(up) :
	    0, ut, sizeof(ut));
	printf("waiaasd ");
	cli_print_safe(stdout, cli_str(h, "version"));
	printf(" running on %s", cli.url);
	if (pid > 0)
		printf(", pid %d", (int)pid);
	printf(", up %s", ut);
	if (sources)
		print_summary(h);
	printf("\n");
}

int
cmd_start(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		CLI_COMMON_OPTS, { NULL, 0, NULL, 0 }
	};
	json_t		*h;
	pid_t		 pid, child;
	int		 status, serving, i;
	struct stat	 st;

	cli_getopt(argc, argv, "d", opts, start_opt,
	    "usage: waiaas start [-d] [--timeout S]\n"
	    "Start waiaasd on the data directory ($WAIAAS_DATA_DIR, default\n"
	    "~/.waiaas) and wait until it serves with its keystore open;\n"
	    "print one line with its address.  waiaasd finds the master\n"
	    "password itself: WAIAAS_MASTER_PASSWORD_FILE,\n"
	    "WAIAAS_MASTER_PASSWORD, recovery.key or a prompt.\n"
	    "  -d, --foreground  run in the foreground, logging to stderr\n"
	    "                    (otherwise it detaches and logs to syslog)\n"
	    "  --timeout S       wait at most S seconds (default 60)\n"
	    "  --url URL         where to check /health\n");
	if (optind != argc)
		cli_usage_error("unexpected argument '%.64s'", argv[optind]);
	cli_datadir();
	if (stat(cli.datadir, &st) == -1)
		cli_fail("%s: %s (run waiaas init first)", cli.datadir,
		    strerror(errno));
	cli_address();
	if (pidfile_state(&pid, NULL, 0) == PID_ALIVE) {
		printf("waiaasd already runs (pid %d) with %s\n", (int)pid,
		    cli.datadir);
		return 0;
	}
	if (opt_fg)
		exec_daemon(1);
	fflush(stdout);
	/* Without -d, waiaasd exits once it has detached (daemon(3)). */
	if ((child = fork()) == -1)
		cli_fail("fork: %s", strerror(errno));
	if (child == 0)
		exec_daemon(0);
	while (waitpid(child, &status, 0) == -1)
		if (errno != EINTR)
			cli_fail("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		cli_fail("waiaasd did not start (its reason is above)");
	/*
	 * waiaasd created and locked its pid file before detaching: from
	 * now on, a file unlocked or gone means it has ended (a clean stop
	 * removes it, a wrong master password is such a stop).
	 */
	for (i = 0; i < opt_timeout * 10; i++) {
		if (pidfile_state(&pid, &serving, 0) != PID_ALIVE)
			cli_fail("waiaasd stopped during start-up; its "
			    "reason is in the system log (journalctl -t "
			    "waiaasd)");
		if (serving && health(&h)) {
			print_running(h, pid, 0);
			json_decref(h);
			return 0;
		}
		sleep_ms(100);
	}
	cli_fail("waiaasd (pid %d) does not serve on %s after %ld s",
	    (int)pid, cli.url, opt_timeout);
}

/* ---- stop ---- */

static void
stop_opt(int ch, const char *arg)
{
	start_opt(ch == 'd' ? '?' : ch, arg);
}

int
cmd_stop(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		CLI_COMMON_OPTS, { NULL, 0, NULL, 0 }
	};
	pid_t	pid, p;
	int	i;

	opt_timeout = 30;
	cli_getopt(argc, argv, "", opts, stop_opt,
	    "usage: waiaas stop [--timeout S]\n"
	    "Send SIGTERM to the waiaasd of the data directory and wait until\n"
	    "it is gone (default 30 s).  A pid file left by a daemon that\n"
	    "died is removed.\n");
	if (optind != argc)
		cli_usage_error("unexpected argument '%.64s'", argv[optind]);
	switch (pidfile_state(&pid, NULL, 1)) {
	case PID_NONE:
		printf("waiaasd is not running (no pid file in %s)\n",
		    cli.datadir);
		return 0;
	case PID_STALE:
		printf("waiaasd is not running (removed the stale pid file "
		    "of pid %d)\n", (int)pid);
		return 0;
	}
	if (pid == 0)
		cli_fail("waiaasd runs but its pid file names no pid yet; "
		    "try again");
	if (kill(pid, SIGTERM) == -1)
		cli_fail("cannot signal waiaasd (pid %d): %s%s", (int)pid,
		    strerror(errno), errno == EPERM ? " (run as its user or "
		    "root)" : "");
	for (i = 0; i < opt_timeout * 20; i++) {
		if (pidfile_state(&p, NULL, 1) != PID_ALIVE) {
			printf("waiaasd stopped (pid %d)\n", (int)pid);
			return 0;
		}
		sleep_ms(50);
	}
	cli_fail("waiaasd (pid %d) is still running %ld s after SIGTERM",
	    (int)pid, opt_timeout);
}

/* ---- status ---- */

/* The option handler of a verb that takes only the common options. */
void
cli_no_opt(int ch, const char *arg)
{
	(void)ch;
	(void)arg;
	cli_usage_error("unexpected option");
}

static int	opt_verbose;

static void
status_opt(int ch, const char *arg)
{
	if (ch == 'v')
		opt_verbose = 1;
	else
		cli_no_opt(ch, arg);
}

/* States /health reports, in the order a summary lists them. */
static const char *const rpc_states[] = {
	"ok", "unchecked", "unresolved", "unreachable", "wrong_chain", "off"
};

/* "state (source)[: error]" and a newline. */
static void
print_state(json_t *e)
{
	cli_print_safe(stdout, cli_str(e, "state") != NULL ?
	    cli_str(e, "state") : "?");
	printf(" (");
	cli_print_safe(stdout, cli_str(e, "source") != NULL ?
	    cli_str(e, "source") : "?");
	printf(")");
	if (cli_str(e, "error") != NULL) {
		printf(": ");
		cli_print_safe(stdout, cli_str(e, "error"));
	}
	printf("\n");
}

/*
 * What /health says of the chain RPCs and the price source, for the end
 * of status's line: "; rpc: 2 ok, 13 unresolved; prices: ok (4,
 * default)".  Everything printed from the answer is made safe.
 */
static void
print_summary(json_t *h)
{
	json_t		*rpc = json_object_get(h, "rpc"), *e;
	json_t		*pr = json_object_get(h, "price"), *n;
	const char	*name, *st;
	size_t		 count[nitems(rpc_states)], other = 0, i;
	int		 first = 1;

	memset(count, 0, sizeof(count));
	if (json_is_object(rpc)) {
		json_object_foreach(rpc, name, e) {
			st = cli_str(e, "state");
			for (i = 0; i < nitems(rpc_states); i++)
				if (st != NULL && strcmp(st, rpc_states[i]) ==
				    0)
					break;
			if (i < nitems(rpc_states))
				count[i]++;
			else
				other++;
		}
		printf("; rpc:");
		for (i = 0; i < nitems(rpc_states); i++) {
			if (count[i] == 0)
				continue;
			printf("%s %zu %s", first ? "" : ",", count[i],
			    rpc_states[i]);
			first = 0;
		}
		if (other > 0)
			printf("%s %zu other", first ? "" : ",", other);
	}
	if (json_is_object(pr)) {
		n = json_object_get(pr, "prices");
		printf("; prices: ");
		cli_print_safe(stdout, cli_str(pr, "state") != NULL ?
		    cli_str(pr, "state") : "?");
		printf(" (%lld, ", json_is_integer(n) ?
		    (long long)json_integer_value(n) : 0LL);
		cli_print_safe(stdout, cli_str(pr, "source") != NULL ?
		    cli_str(pr, "source") : "?");
		printf(")");
	}
}

/* status -v: one line per network, and one for the price source. */
static void
print_sources(json_t *h)
{
	json_t		*rpc = json_object_get(h, "rpc"), *e;
	json_t		*pr = json_object_get(h, "price");
	const char	*name;

	if (json_is_object(rpc))
		json_object_foreach(rpc, name, e) {
			printf("  rpc ");
			cli_print_safe(stdout, name);
			printf(": ");
			print_state(e);
		}
	if (json_is_object(pr)) {
		printf("  prices: %lld, ", json_is_integer(json_object_get(pr,
		    "prices")) ? (long long)json_integer_value(
		    json_object_get(pr, "prices")) : 0LL);
		print_state(pr);
	}
}

int
cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		CLI_COMMON_OPTS, { NULL, 0, NULL, 0 }
	};
	json_t	*h;
	pid_t	 pid = 0;
	int	 ps = PID_NONE;

	cli_getopt(argc, argv, "v", opts, status_opt,
	    "usage: waiaas status [-v] [--json] [--url URL]\n"
	    "A health check: version, address, pid, uptime; then the chain\n"
	    "RPCs and the price source in one line (with -v, one line per\n"
	    "network).  Exit 0: serving; 1: a daemon runs but /health does\n"
	    "not answer; 3: not running.  --json prints /health's answer.\n");
	if (optind != argc)
		cli_usage_error("unexpected argument '%.64s'", argv[optind]);
	cli_datadir();
	cli_address();
	/* With --url the daemon may be elsewhere: only /health counts. */
	if (!cli.url_given)
		ps = pidfile_state(&pid, NULL, 0);
	if (health(&h)) {
		if (cli.json)
			cli_dump(h);
		else {
			print_running(h, ps == PID_ALIVE ? pid : 0, 1);
			if (opt_verbose)
				print_sources(h);
		}
		json_decref(h);
		return 0;
	}
	if (ps == PID_ALIVE) {
		printf("waiaasd (pid %d) runs but does not answer on "
		    "%s/health\n", (int)pid, cli.url);
		return EX_FAIL;
	}
	printf("waiaasd is not running (%s%s)\n", cli.url,
	    ps == PID_STALE ? "; a stale pid file is left" : "");
	return EX_NOTRUNNING;
}
