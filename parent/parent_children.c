/*
 * The children: each started from its own executable on its channel,
 * sent its configuration and its peers, then waited for until all are
 * sandboxed and ready; the parent then drops its privileges, and once
 * the keystore is open says it is serving.  What each child may say to
 * the parent is in the rule tables here.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "log.h"
#include "parent.h"
#include "proc.h"
#include "url.h"
#include "util.h"
#include "version.h"

/* A child's executable: this, then its role, beside waiaasd. */
#define CHILD_EXE		"waiaasd-"

/*
 * Children see only the sanitizer options (tests), never secrets; a
 * test build also policyd's commit delay (policyd_store.c).
 */
static char **
child_env(void)
{
	static char	*env[8];
	const char	*names[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS",
			    "LSAN_OPTIONS",
#ifdef WAIAAS_TEST_HOOKS
			    "WAIAASD_TEST_COMMIT_MS",
#endif
			};
	static char	 buf[nitems(names)][512];
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
void
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

static void	send_settings(struct child *);

static void
send_config(struct child *c, int listenfd)
{
	struct ctl_config	cfg;
	struct stat		sb;

	memset(&cfg, 0, sizeof(cfg));
	cfg.role = (uint32_t)c->role;
	cfg.flags = (P.privsep ? CTL_F_PRIVSEP : 0) |
	    (P.foreground ? CTL_F_FOREGROUND : 0);
	/* Through the data directory's descriptor, as its owner. */
	if (fstatat(P.ddir, "recovery.key", &sb, AT_SYMLINK_NOFOLLOW) == 0)
		cfg.flags |= CTL_F_AUTOPROV;
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
	/* The scrape token: policyd checks it, no other process sees it. */
	if (c->role == PROC_POLICYD)
		strlcpy(cfg.metrics_token, P.cf.metrics_token,
		    sizeof(cfg.metrics_token));
	if (strlcpy(cfg.hostname, P.cf.hostname, sizeof(cfg.hostname)) >=
	    sizeof(cfg.hostname))
		fatalx("daemon.hostname too long");
	/* And to the public address the approval page is opened under. */
	if (P.cf.public_url[0] != '\0' && url_domain(P.cf.public_url,
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
	cfg.incoming_poll_ms = (uint32_t)P.cf.incoming_poll_ms;
	cfg.incoming_max_blocks = (uint32_t)P.cf.incoming_max_blocks;
	if (c->role == PROC_POLICYD && P.cf.x402_enabled)
		cfg.x402 |= CTL_X402_ENABLED;
	if (c->role == PROC_FETCH && P.cf.x402_allow_private)
		cfg.x402 |= CTL_X402_PRIVATE;
	cfg.x402_timeout_ms = (uint32_t)P.cf.x402_timeout_ms;
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
	explicit_bzero(cfg.metrics_token, sizeof(cfg.metrics_token));
	if (c->role == PROC_API && imsgev_compose(&c->iev, IMSG_CTL_LISTEN, 0,
	    listenfd, NULL, 0) == -1)
		fatal("IMSG_CTL_LISTEN");
	if (c->role == PROC_API || c->role == PROC_POLICYD) {
		send_networks(c);
		send_price(c);
	}
	if (c->role == PROC_RELAY || c->role == PROC_POLICYD)
		send_notify(c);
	if (c->role == PROC_POLICYD)
		send_settings(c);
}

/*
 * GET /v1/admin/settings: every key to policyd as an operator may see
 * it (config_show(): credentials as set or not, never their values).
 */
static void
send_settings(struct child *c)
{
	struct ctl_setting	 cs;
	const char		*sec, *key;
	char			*buf;
	size_t			 i, vlen;
	int			 flags;

	if (config_nkeys() > SETTINGS_MAX)
		fatalx("more keys than SETTINGS_MAX");
	if ((buf = malloc(sizeof(cs) + SETTING_VALUE_MAX)) == NULL)
		fatal("malloc");
	for (i = 0; config_show(&P.cf, i, &sec, &key, &flags,
	    buf + sizeof(cs), SETTING_VALUE_MAX) == 0; i++) {
		memset(&cs, 0, sizeof(cs));
		if (strlcpy(cs.section, sec, sizeof(cs.section)) >=
		    sizeof(cs.section) || strlcpy(cs.key, key,
		    sizeof(cs.key)) >= sizeof(cs.key))
			fatalx("config key %s.%s too long", sec, key);
		cs.flags = (uint32_t)flags;
		vlen = strlen(buf + sizeof(cs)) + 1;
		cs.len = (uint32_t)vlen;
		memcpy(buf, &cs, sizeof(cs));
		if (imsgev_compose(&c->iev, IMSG_CTL_SETTING, 0, -1, buf,
		    sizeof(cs) + vlen) == -1)
			fatal("IMSG_CTL_SETTING");
	}
	free(buf);
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
void
parent_serving(void)
{
	resolve_start();
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

/* What children may say; the signer alone speaks of keys. */
static const struct imsg_rule parent_rules[] = {
	IMSG_RULE_EMPTY(IMSG_CTL_READY, ctl_ready),
};

static const struct imsg_rule parent_policyd_rules[] = {
	IMSG_RULE_EMPTY(IMSG_CTL_READY, ctl_ready),
	IMSG_RULE_EXACT(IMSG_CTL_TOKEN_WRITE, struct ctl_token_write,
	    ctl_token_write),
	IMSG_RULE_EMPTY(IMSG_CTL_BACKUP_LIST, ctl_backup_list),
	IMSG_RULE_EXACT(IMSG_CTL_BACKUP_SEAL, struct ctl_backup_seal,
	    ctl_backup_seal),
	IMSG_RULE_RANGE(IMSG_CTL_BACKUP_DATA, 1, CTL_BACKUP_CHUNK,
	    ctl_backup_data),
};

static const struct imsg_rule parent_signer_rules[] = {
	IMSG_RULE_EMPTY(IMSG_CTL_READY, ctl_ready),
	IMSG_RULE_EXACT(IMSG_CTL_UNLOCKED, struct ctl_unlocked, ctl_unlocked),
	IMSG_RULE_EXACT(IMSG_KS_LOADED, struct ks_status, ks_loaded),
	IMSG_RULE_EXACT(IMSG_KS_STORE, struct ks_blob, ks_store),
	IMSG_RULE_EXACT(IMSG_KS_REMOVE, struct ks_status, ks_remove),
	IMSG_RULE_EXACT(IMSG_KS_REKEY_BEGIN, struct ks_rekey_begin,
	    ks_rekey_begin),
	IMSG_RULE_EXACT(IMSG_KS_REKEY_BLOB, struct ks_blob, ks_rekey_blob),
	IMSG_RULE_EMPTY(IMSG_KS_REKEY_COMMIT, ks_rekey_commit),
};

static const struct imsg_rule parent_fetch_rules[] = {
	IMSG_RULE_EMPTY(IMSG_CTL_READY, ctl_ready),
	IMSG_RULE_EXACT(IMSG_CTL_FETCH_RESOLVE, struct fetch_resolve,
	    ctl_fetch_resolve),
};

static void
child_closed(struct imsgev *iev)
{
	/* The child is exiting; its SIGCHLD tells how. */
	event_del(iev->ev);
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
 * One channel per child, then each child started on it, told its
 * configuration and its peers, and given STARTUP_TIMEOUT to say it is
 * ready.  logpipe: daemon mode's pipe for the children's log lines
 * ({ -1, -1 } in the foreground).
 */
void
children_start(int listenfd, int logpipe[2])
{
	int		  chan[PROC_MAX][2], pair[2], i;
	struct timeval	  tv = { STARTUP_TIMEOUT, 0 };
	static const int  pairs[][2] = {
		{ PROC_API, PROC_POLICYD },
		{ PROC_POLICYD, PROC_SIGNER },
		{ PROC_POLICYD, PROC_RELAY },
		{ PROC_POLICYD, PROC_FETCH },
	};
	const struct imsg_rule	*rules;
	size_t			 nrules;

	for (i = 1; i < PROC_MAX; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0, chan[i]) == -1)
			fatal("socketpair");
		P.child[i].role = i;
		P.child[i].pid = start_child(i, chan[i][1], logpipe[1]);
		close(chan[i][1]);
		switch (i) {
		case PROC_SIGNER:
			rules = parent_signer_rules;
			nrules = nitems(parent_signer_rules);
			break;
		case PROC_POLICYD:
			rules = parent_policyd_rules;
			nrules = nitems(parent_policyd_rules);
			break;
		case PROC_FETCH:
			rules = parent_fetch_rules;
			nrules = nitems(parent_fetch_rules);
			break;
		default:
			rules = parent_rules;
			nrules = nitems(parent_rules);
		}
		if (imsgev_init(&P.child[i].iev, P.base, chan[i][0],
		    proc_name(i), CHAN_CTL_MAX, CHAN_CTL_WMAX, 1, rules,
		    nrules, &P.child[i], child_closed) == -1)
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
	/* policyd has the scrape token now: the parent keeps no copy. */
	explicit_bzero(P.cf.metrics_token, sizeof(P.cf.metrics_token));
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
}
