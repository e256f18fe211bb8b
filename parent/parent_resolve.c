/*
 * The settings' hosts, looked up while the parent still has DNS: the api
 * (RPC endpoints, the price source) and the relay (notification
 * channels) are chrooted without a resolver and get resolve entries,
 * at start and again every resolve_interval.  The URLs, which may hold
 * an API key or a token, go to the api and the relay only, and never
 * into a log line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"
#include "network.h"
#include "parent.h"
#include "proc.h"
#include "resolve.h"
#include "util.h"

static void	notify_reresolve(void);

/*
 * The network table: built-ins with their [rpc] URLs, then the operator's
 * EVM chains.  Names in URLs are resolved here, while the parent still
 * has DNS: the api, chrooted and filtered, has none.  Only the api gets
 * URLs (they may carry an API key).
 */
static struct ctl_network	nets[NET_MAX];
static size_t			nnets;
static struct event		*ev_resolve;	/* RPC host names, again */
static struct event		*ev_defaults;	/* the built-in endpoints' */
/* The price endpoint's resolve entry, like a network's ("" if none). */
static char			price_resolve[NET_RESOLVE_MAX];

void
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
		    resolve_entry(cn->url, cn->resolve,
		    sizeof(cn->resolve), err, sizeof(err)) == -1) {
			/* The network stays, unusable, with the reason. */
			log_warnx("network %s: %s", cn->net.name, err);
			cn->resolve[0] = '\0';
		}
		nnets++;
	}
	if (P.cf.price_url[0] != '\0' && !P.cf.price_default &&
	    resolve_entry(P.cf.price_url, price_resolve,
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
		if (resolve_entry(nets[i].url, r.resolve,
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
		if (resolve_entry(P.cf.price_url, r.resolve,
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
	evtimer_add(ev_resolve, &tv);
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
	if (resolve_entry_bounded(url, DEFAULTS_DNS_MS, stalled,
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
	evtimer_add(ev_defaults, &tv);
}

void
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

void
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
	if (P.cf.webhooks_allow_private)
		notify->flags |= NOTIFYF_HOOK_PRIVATE;
	if (notify->channels & (1U << NOTIFY_NTFY))
		strlcpy(notify->reply_topic, P.cf.ntfy_reply_topic,
		    sizeof(notify->reply_topic));
	notify->reply_poll_ms = (uint32_t)P.cf.reply_poll_ms;
	strlcpy(notify->page_url, P.cf.approval_page_url,
	    sizeof(notify->page_url));
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
		if (resolve_entry(c->url, c->resolve, sizeof(c->resolve),
		    err, sizeof(err)) == -1) {
			/* Deliveries wait (and retry) until a look-up works. */
			log_warnx("notifications: %s: %s",
			    notify_channel_name(i), err);
			c->resolve[0] = '\0';
		}
		log_info("notifications: channel %s on",
		    notify_channel_name(i));
	}
	/* GET /v1/admin/settings says which were set, and no more. */
	config_note_secrets(&P.cf);
	explicit_bzero(P.cf.webhook_secret, sizeof(P.cf.webhook_secret));
	explicit_bzero(P.cf.ntfy_token, sizeof(P.cf.ntfy_token));
	explicit_bzero(P.cf.telegram_bot_token,
	    sizeof(P.cf.telegram_bot_token));
}

void
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
		cn->flags = notify->flags;
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
		if (resolve_entry(c->url, r.resolve, sizeof(r.resolve),
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
void
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

/* Serving: the look-ups again every resolve_interval from now on. */
void
resolve_start(void)
{
	struct timeval	tv = { P.cf.rpc_resolve_interval, 0 };

	if ((ev_resolve = evtimer_new(P.base, networks_reresolve, NULL)) ==
	    NULL)
		fatalx("evtimer_new");
	evtimer_add(ev_resolve, &tv);
	if ((ev_defaults = evtimer_new(P.base, defaults_resolve, NULL)) ==
	    NULL)
		fatalx("evtimer_new");
	/* The first pass right after this: the pid file says serving. */
	tv.tv_sec = 0;
	evtimer_add(ev_defaults, &tv);
}
