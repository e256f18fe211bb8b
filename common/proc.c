#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "metrics.h"
#include "proc.h"
#include "sandbox.h"
#include "util.h"

struct proc	*proc;

/* Which process talks to which: the only channels that exist. */
int
proc_peer_wanted(int role, int peer)
{
	switch (role) {
	case PROC_API:
	case PROC_SIGNER:
	case PROC_RELAY:
	case PROC_FETCH:
		return peer == PROC_POLICYD;
	case PROC_POLICYD:
		return peer == PROC_API || peer == PROC_SIGNER ||
		    peer == PROC_RELAY || peer == PROC_FETCH;
	default:
		return 0;
	}
}

void
proc_chan_sizes(int a, int b, size_t *max, size_t *wmax)
{
	if (a == PROC_API || b == PROC_API) {
		*max = CHAN_API_MAX;
		*wmax = CHAN_API_WMAX;
	} else if (a == PROC_SIGNER || b == PROC_SIGNER) {
		*max = CHAN_SIGNER_MAX;
		*wmax = CHAN_SIGNER_WMAX;
	} else if (a == PROC_FETCH || b == PROC_FETCH) {
		*max = CHAN_FETCH_MAX;
		*wmax = CHAN_FETCH_WMAX;
	} else {
		*max = CHAN_RELAY_MAX;
		*wmax = CHAN_RELAY_WMAX;
	}
}

static void
ctl_config(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct proc	*p = arg;

	(void)ch;
	if (p->have_cfg)
		fatalx("IMSG_CTL_CONFIG twice");
	memcpy(&p->cfg, imsg->data, sizeof(p->cfg));
	if (p->cfg.role != (uint32_t)p->role)
		fatalx("IMSG_CTL_CONFIG for role %u", p->cfg.role);
	if (memchr(p->cfg.chroot, '\0', sizeof(p->cfg.chroot)) == NULL ||
	    memchr(p->cfg.workdir, '\0', sizeof(p->cfg.workdir)) == NULL ||
	    memchr(p->cfg.hostname, '\0', sizeof(p->cfg.hostname)) == NULL ||
	    memchr(p->cfg.public_domain, '\0',
	    sizeof(p->cfg.public_domain)) == NULL)
		fatalx("IMSG_CTL_CONFIG: path not terminated");
	if (p->cfg.log_level < LOGL_ERROR || p->cfg.log_level > LOGL_TRACE)
		fatalx("IMSG_CTL_CONFIG: bad log level");
	log_setlevel(p->cfg.log_level);
	p->have_cfg = 1;
}

static void
ctl_peer(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct proc	*p = arg;
	struct ctl_peer	 peer;

	(void)ch;
	memcpy(&peer, imsg->data, sizeof(peer));
	if (peer.peer >= PROC_MAX || !proc_peer_wanted(p->role,
	    (int)peer.peer) || p->peerfd[peer.peer] != -1)
		fatalx("IMSG_CTL_PEER: unexpected peer %u", peer.peer);
	p->peerfd[peer.peer] = imsg->fd;
	if (set_nonblock(imsg->fd) == -1)
		fatal("peer channel");
}

static void
ctl_listen(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct proc	*p = arg;

	(void)ch;
	if (p->role != PROC_API || p->listenfd != -1)
		fatalx("IMSG_CTL_LISTEN: unexpected");
	p->listenfd = imsg->fd;
}

/* The network table; the api also keeps each URL and resolve entry. */
static struct ctl_network	*netcfg[NET_MAX];

static void
ctl_network(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct proc		*p = arg;
	struct ctl_network	*cn;

	(void)ch;
	if ((cn = malloc(sizeof(*cn))) == NULL)
		fatal("malloc");
	memcpy(cn, imsg->data, sizeof(*cn));
	if (cn->index != net_count() || memchr(cn->url, '\0',
	    sizeof(cn->url)) == NULL || memchr(cn->resolve, '\0',
	    sizeof(cn->resolve)) == NULL || net_add(&cn->net) == -1)
		fatalx("IMSG_CTL_NETWORK: malformed");
	if (p->role != PROC_API && (cn->url[0] != '\0' ||
	    cn->resolve[0] != '\0'))
		fatalx("IMSG_CTL_NETWORK: a URL for %s", proc_name(p->role));
	netcfg[cn->index] = cn;
}

const struct ctl_network *
proc_network(uint32_t i)
{
	return i < NET_MAX ? netcfg[i] : NULL;
}

/* Prices (api and policyd): the one IMSG_CTL_PRICE, kept as sent. */
static struct ctl_price		*pricecfg;

static void
ctl_price(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct proc		*p = arg;
	struct ctl_price	*cp;

	(void)ch;
	if (pricecfg != NULL || (p->role != PROC_API &&
	    p->role != PROC_POLICYD))
		fatalx("IMSG_CTL_PRICE: unexpected");
	if ((cp = malloc(sizeof(*cp))) == NULL)
		fatal("malloc");
	memcpy(cp, imsg->data, sizeof(*cp));
	if (memchr(cp->url, '\0', sizeof(cp->url)) == NULL ||
	    memchr(cp->resolve, '\0', sizeof(cp->resolve)) == NULL ||
	    memchr(cp->statics, '\0', sizeof(cp->statics)) == NULL ||
	    memchr(cp->ids, '\0', sizeof(cp->ids)) == NULL ||
	    cp->unpriced_deny > 1)
		fatalx("IMSG_CTL_PRICE: malformed");
	/* The URL (an API key in it) to the api, the table to policyd. */
	if ((p->role != PROC_API && (cp->url[0] != '\0' ||
	    cp->resolve[0] != '\0')) || (p->role != PROC_POLICYD &&
	    cp->statics[0] != '\0'))
		fatalx("IMSG_CTL_PRICE: not for %s", proc_name(p->role));
	pricecfg = cp;
}

const struct ctl_price *
proc_price(void)
{
	return pricecfg;
}

/*
 * Notification channels (relay and policyd): the one IMSG_CTL_NOTIFY.
 * policyd must get names only: a credential or URL for it is fatal.
 */
static struct ctl_notify	*notifycfg;

static int
notify_chan_empty(const struct notify_chan *c)
{
	return c->url[0] == '\0' && c->resolve[0] == '\0' &&
	    c->secret[0] == '\0' && c->target[0] == '\0';
}

static void
ctl_notify(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct proc		*p = arg;
	struct ctl_notify	*cn;
	struct notify_chan	*c;
	int			 i;

	(void)ch;
	if (notifycfg != NULL || (p->role != PROC_RELAY &&
	    p->role != PROC_POLICYD))
		fatalx("IMSG_CTL_NOTIFY: unexpected");
	if ((cn = malloc(sizeof(*cn))) == NULL)
		fatal("malloc");
	memcpy(cn, imsg->data, sizeof(*cn));
	if (cn->channels >= 1U << NOTIFY_MAX ||
	    memchr(cn->public_url, '\0', sizeof(cn->public_url)) == NULL)
		fatalx("IMSG_CTL_NOTIFY: malformed");
	for (i = 0; i < NOTIFY_MAX; i++) {
		c = &cn->chan[i];
		if (memchr(c->url, '\0', sizeof(c->url)) == NULL ||
		    memchr(c->resolve, '\0', sizeof(c->resolve)) == NULL ||
		    memchr(c->secret, '\0', sizeof(c->secret)) == NULL ||
		    memchr(c->target, '\0', sizeof(c->target)) == NULL)
			fatalx("IMSG_CTL_NOTIFY: malformed");
		if (p->role == PROC_POLICYD && !notify_chan_empty(c))
			fatalx("IMSG_CTL_NOTIFY: a channel setting for "
			    "policyd");
		if (p->role == PROC_RELAY && (cn->channels & (1U << i)) &&
		    c->url[0] == '\0')
			fatalx("IMSG_CTL_NOTIFY: channel %s without a URL",
			    notify_channel_name(i));
	}
	if (p->role == PROC_POLICYD && cn->public_url[0] != '\0')
		fatalx("IMSG_CTL_NOTIFY: a URL for policyd");
	notifycfg = cn;
}

const struct ctl_notify *
proc_notify(void)
{
	return notifycfg;
}

/* policyd: the configuration as GET /v1/admin/settings shows it. */
static struct proc_setting	settings[SETTINGS_MAX];
static size_t			nsettings;

static void
ctl_setting(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct proc		*p = arg;
	struct ctl_setting	 cs;
	struct proc_setting	*ps;
	const char		*v = (const char *)imsg->data + sizeof(cs);

	(void)ch;
	memcpy(&cs, imsg->data, sizeof(cs));
	if (p->role != PROC_POLICYD || nsettings == SETTINGS_MAX)
		fatalx("IMSG_CTL_SETTING: unexpected");
	if (memchr(cs.section, '\0', sizeof(cs.section)) == NULL ||
	    memchr(cs.key, '\0', sizeof(cs.key)) == NULL ||
	    cs.len != imsg->len - sizeof(cs) || cs.len == 0 ||
	    v[cs.len - 1] != '\0' || strlen(v) != cs.len - 1 ||
	    (cs.flags & ~3U) != 0)
		fatalx("IMSG_CTL_SETTING: malformed");
	ps = &settings[nsettings++];
	strlcpy(ps->section, cs.section, sizeof(ps->section));
	strlcpy(ps->key, cs.key, sizeof(ps->key));
	ps->flags = (int)cs.flags;
	if ((ps->value = strdup(v)) == NULL)
		fatal("strdup");
}

const struct proc_setting *
proc_settings(size_t *n)
{
	*n = nsettings;
	return settings;
}

static int	started;

static void
ctl_start(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct proc	*p = arg;
	int		 i;

	(void)ch;
	(void)imsg;
	if (!p->have_cfg)
		fatalx("IMSG_CTL_START before IMSG_CTL_CONFIG");
	for (i = 0; i < PROC_MAX; i++)
		if (proc_peer_wanted(p->role, i) && p->peerfd[i] == -1)
			fatalx("IMSG_CTL_START without a channel to %s",
			    proc_name(i));
	if (p->role == PROC_API && p->listenfd == -1)
		fatalx("IMSG_CTL_START without a listening socket");
	if ((p->role == PROC_API || p->role == PROC_POLICYD) &&
	    pricecfg == NULL)
		fatalx("IMSG_CTL_START without IMSG_CTL_PRICE");
	if ((p->role == PROC_RELAY || p->role == PROC_POLICYD) &&
	    notifycfg == NULL)
		fatalx("IMSG_CTL_START without IMSG_CTL_NOTIFY");
	if (p->role == PROC_POLICYD && nsettings == 0)
		fatalx("IMSG_CTL_START without IMSG_CTL_SETTING");
	started = 1;
}

/* In start-up, the parent may send only these. */
static const struct imsg_rule startup_rules[] = {
	IMSG_RULE_EXACT(IMSG_CTL_CONFIG, struct ctl_config, ctl_config),
	IMSG_RULE_FD(IMSG_CTL_PEER, struct ctl_peer, ctl_peer),
	{ IMSG_CTL_LISTEN, 0, 0, 1, ctl_listen },
	IMSG_RULE_EMPTY(IMSG_CTL_START, ctl_start),
	IMSG_RULE_EXACT(IMSG_CTL_NETWORK, struct ctl_network, ctl_network),
	IMSG_RULE_EXACT(IMSG_CTL_PRICE, struct ctl_price, ctl_price),
	IMSG_RULE_EXACT(IMSG_CTL_NOTIFY, struct ctl_notify, ctl_notify),
	IMSG_RULE_RANGE(IMSG_CTL_SETTING, sizeof(struct ctl_setting) + 1,
	    sizeof(struct ctl_setting) + SETTING_VALUE_MAX, ctl_setting),
};

void
proc_startup(struct proc *p, int role, int foreground)
{
	struct imsg	imsg;
	struct pollfd	pfd;
	ssize_t		n;
	int		i, r;

	memset(p, 0, sizeof(*p));
	proc = p;
	p->role = role;
	p->foreground = foreground;
	p->listenfd = -1;
	p->ppid = getppid();
	for (i = 0; i < PROC_MAX; i++)
		p->peerfd[i] = -1;

	log_init(foreground ? LOG_TO_STDERR : LOG_TO_PIPE, LOGL_INFO,
	    proc_name(role));
	signal(SIGPIPE, SIG_IGN);
	/* Load time zone data now: libevent's Date header uses gmtime(3). */
	tzset();
	if (sodium_init() < 0)
		fatalx("sodium_init");
	if (set_nonblock(3) == -1)
		fatal("parent channel");
	if (imsgchan_init(&p->parent, 3, "parent", CHAN_CTL_MAX,
	    CHAN_CTL_WMAX, 1) == -1)
		fatal("imsgchan_init");

	while (!started) {
		pfd.fd = 3;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 10000) == 0)
			fatalx("no start-up from the parent in 10 s");
		if ((n = imsgchan_read(&p->parent)) == 0)
			fatalx("parent closed the channel during start-up");
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			if (errno == EBADMSG)
				fatalx("parent channel: %s", p->parent.err);
			fatal("parent channel");
		}
		while (!started && (r = imsgchan_get(&p->parent, &imsg)) != 0) {
			if (r == -1)
				fatalx("parent channel: %s", p->parent.err);
			imsg_dispatch(&p->parent, &imsg, startup_rules,
			    nitems(startup_rules), p);
		}
	}
	if (p->parent.rlen != p->parent.rpos || p->parent.nrfds != 0)
		fatalx("parent sent more after IMSG_CTL_START");
}

/*
 * The main() of a child's executable (waiaasd-<role>): started by the
 * parent only, with argv[0] "waiaasd: <role>" and its channel on fd 3;
 * -d or PROC_CHILD_STDERR in the environment: log to fd 2.
 */
int
proc_exec_main(int argc, char *argv[], int role,
    void (*role_main)(struct proc *))
{
	static struct proc	 p;
	const char		*t = PROC_CHILD_TITLE;
	int			 foreground;

	foreground = argc == 2 && strcmp(argv[1], "-d") == 0;
	if ((argc != 1 && !foreground) || argv[0] == NULL ||
	    strncmp(argv[0], t, strlen(t)) != 0 ||
	    proc_parse(argv[0] + strlen(t)) != role) {
		fprintf(stderr, "waiaasd-%s: started by waiaasd only\n",
		    proc_name(role));
		return 1;
	}
	if (getenv(PROC_CHILD_STDERR) != NULL)
		foreground = 1;
	/* comm is the executable's name after an exec: name it. */
	if (prctl(PR_SET_NAME, "waiaasd", 0, 0, 0) == -1)
		fatal("PR_SET_NAME");
	proc_startup(&p, role, foreground);
	role_main(&p);
	return 1;
}

void
proc_sandbox(struct proc *p)
{
	struct rlimit	rl;

	priv_harden();
	/* With a chroot, the workdir is its root (priv_drop goes there). */
	if (p->cfg.workdir[0] != '\0' && !((p->cfg.flags & CTL_F_PRIVSEP) &&
	    p->cfg.chroot[0] != '\0') && chdir(p->cfg.workdir) == -1)
		fatal("chdir %s", p->cfg.workdir);
	rl.rlim_cur = rl.rlim_max = p->cfg.nofile;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("setrlimit RLIMIT_NOFILE %u", p->cfg.nofile);

	/*
	 * The resident set for GET /metrics: /proc is out of reach after
	 * the chroot, so the file is opened now and only read later, with
	 * pread(2) on this descriptor (the one the filter allows).
	 */
	p->statmfd = metrics_statm_open(0);
	p->pstatmfd = p->role == PROC_API ? metrics_statm_open(p->ppid) : -1;
	if (p->statmfd == -1)
		log_warn("/proc/self/statm: no resident set in /metrics");
	sandbox_pread_fd(p->statmfd);
	sandbox_pread_fd(p->pstatmfd);

	if (p->cfg.flags & CTL_F_PRIVSEP) {
		priv_clear_bounding();
		priv_drop(p->cfg.uid, p->cfg.gid, p->cfg.chroot);
	} else
		log_warnx("not started as root: running without uid "
		    "separation or chroot (degraded privilege separation)");

	/* The parent-death signal is reset by a credential change. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		fatal("PR_SET_PDEATHSIG");
	if (getppid() != p->ppid)
		fatalx("parent went away during start-up");

	/* Files: policyd its database directory (its cwd), others none. */
	switch (landlock_confine(p->role == PROC_POLICYD ? "." : NULL)) {
	case 0:
		log_debug("landlock: file access confined");
		break;
	case 1:
		log_info("landlock: not available in this kernel; chroot "
		    "and seccomp still apply");
		break;
	default:
		fatal("landlock");
	}

	/* No descriptor crosses the parent channel after start-up. */
	p->parent.passfd = 0;
	if (sandbox_enter(p->role) == -1)
		fatal("sandbox");
	if (imsgchan_compose(&p->parent, IMSG_CTL_READY, 0, -1, NULL,
	    0) == -1 ||
	    imsgchan_flush_all(&p->parent) == -1)
		fatal("IMSG_CTL_READY");
	/*
	 * The role's loop reopens fd 3 as a channel that passes no
	 * descriptors: none crosses it after start-up.
	 */
	imsgchan_clear(&p->parent);
}
