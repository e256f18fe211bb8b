/*
 * relay: forwards notifications from policyd's outbox to the configured
 * channels.  It holds channel credentials and nothing else: no keys, no
 * tokens, no master password, no files after start-up.
 *
 * It keeps no state of its own.  policyd pushes one delivery at a time
 * (an event for a channel), relay makes one HTTP attempt and answers
 * delivered, retry (when), or failed for good; policyd records that and
 * decides when to try again, so nothing is lost when relay dies.  The
 * transport is the api's (rpc.c): libcurl's multi interface in this
 * loop, host names resolved by the parent before the sandbox.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <sodium.h>

#include "imsgev.h"
#include "log.h"
#include "metrics.h"
#include "proc.h"
#include "relay.h"
#include "rpc.h"
#include "url.h"
#include "util.h"
#include "wipe.h"

#define RELAY_INFLIGHT_MAX	32	/* policyd's window is smaller */
#define RELAY_ANSWER_MAX	(16 * 1024)	/* bytes of an answer read */
#define REPLY_POLL_MAX		(1024 * 1024)	/* bytes of one poll read */
#define REPLY_ID_MAX		64
#define REPLY_BACKOFF_MAX	300000	/* ms between failed polls */
#define REPLY_AUTH_B64		sodium_base64_ENCODED_LEN( \
	    NOTIFY_SECRET_MAX + 8, sodium_base64_VARIANT_URLSAFE_NO_PADDING)
#define REPLY_LOOKBACK		600	/* s: the first poll's reach */

/* One attempt in flight: what the answer goes back under. */
struct delivery {
	uint64_t	id;
	int		channel;
	char		event_id[UUID_STR_LEN];
};

static struct {
	struct proc		*p;
	struct event_base	*base;
	struct imsgev		 parent;
	struct imsgev		 policyd;
	struct ctl_notify	*cn;
	size_t			 inflight;
	/* the reply topic (ntfy's JSON poll) */
	struct event		*poll_ev;
	char			 poll_url[RELAY_URL_MAX];
	char			 since[REPLY_ID_MAX + 1];
	long			 backoff_ms;
	uint64_t		 replies, dropped;
} rl;

static void
answer(uint64_t id, int channel, const struct relay_result *res)
{
	struct relay_result	r = *res;

	r.id = id;
	r.channel = (uint32_t)channel;
	if (imsgev_compose(&rl.policyd, IMSG_RELAY_RESULT, 0, -1, &r,
	    sizeof(r)) == -1)
		fatal("IMSG_RELAY_RESULT");
}

static void
answer_now(uint64_t id, int channel, int status, const char *why)
{
	struct relay_result	r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	strlcpy(r.error, why, sizeof(r.error));
	answer(id, channel, &r);
}

static void
delivered(const struct rpc_answer *a, const struct rpc_error *err,
    void *arg)
{
	struct delivery		*d = arg;
	struct relay_result	 r;

	memset(&r, 0, sizeof(r));
	/* A webhook's secret is gone by now: none to keep out of the text. */
	relay_judge(d->channel == RELAY_HOOK_CHANNEL ? NOTIFY_WEBHOOK :
	    d->channel, a, err, d->channel == RELAY_HOOK_CHANNEL ? "" :
	    rl.cn->chan[d->channel].secret, time(NULL), &r);
	log_debug("event %s to %s: %s%s", d->event_id,
	    d->channel == RELAY_HOOK_CHANNEL ? "a webhook" :
	    notify_channel_name(d->channel), r.status == RELAY_OK ?
	    "delivered" : r.status == RELAY_RETRY ? "retry: " : "failed: ",
	    r.error);
	answer(d->id, d->channel, &r);
	rl.inflight--;
	free(d);
}

static void
relay_dispatch_policyd(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct relay_deliver	 q;
	struct relay_event	 ev;
	struct rpc_endpoint	 ep;
	struct rpc_post		 post;
	struct delivery		*d;
	static struct relay_msg	 m;
	json_t			*payload;
	const char		*why;

	(void)ch;
	(void)arg;
	memcpy(&q, imsg->data, sizeof(q));
	if (imsg->len != sizeof(q) + q.len || q.len > NOTIFY_PAYLOAD_MAX ||
	    q.channel >= NOTIFY_MAX || memchr(q.event_id, '\0',
	    sizeof(q.event_id)) == NULL || memchr(q.type, '\0',
	    sizeof(q.type)) == NULL || (q.flags & ~RELAY_F_TEST) != 0)
		fatalx("IMSG_RELAY_DELIVER: malformed");
	if (!(rl.cn->channels & (1U << q.channel)))
		fatalx("IMSG_RELAY_DELIVER: channel %s is not configured",
		    notify_channel_name((int)q.channel));
	if (rl.inflight >= RELAY_INFLIGHT_MAX) {
		answer_now(q.id, (int)q.channel, RELAY_RETRY, "relay busy");
		return;
	}
	payload = json_loadb((const char *)imsg->data + sizeof(q), q.len,
	    JSON_REJECT_DUPLICATES, NULL);
	memset(&ev, 0, sizeof(ev));
	ev.channel = (int)q.channel;
	ev.event_id = q.event_id;
	ev.type = q.type;
	ev.created_at = q.created_at;
	ev.now = (long long)time(NULL);
	ev.payload = payload;
	if (payload == NULL || relay_build(rl.cn, &ev, &m, &why) == -1) {
		/* Nothing to send, ever: policyd gives it up. */
		log_warnx("event %.36s to %s: %s", q.event_id,
		    notify_channel_name(ev.channel), payload == NULL ?
		    "payload is not JSON" : why);
		answer_now(q.id, ev.channel, RELAY_FAIL, payload == NULL ?
		    "payload is not JSON" : why);
		json_decref(payload);
		return;
	}
	json_decref(payload);
	if ((d = calloc(1, sizeof(*d))) == NULL)
		fatal("calloc");
	d->id = q.id;
	d->channel = ev.channel;
	strlcpy(d->event_id, q.event_id, sizeof(d->event_id));
	memset(&ep, 0, sizeof(ep));
	ep.url = m.url;
	ep.resolve = rl.cn->chan[ev.channel].resolve;
	memset(&post, 0, sizeof(post));
	post.headers = m.hdrs;
	post.body = m.body;
	post.len = m.len;
	post.max = RELAY_ANSWER_MAX;
	rl.inflight++;
	log_debug("event %s (%s%s) to %s: attempt %u", d->event_id, q.type,
	    (q.flags & RELAY_F_TEST) ? ", a test" : "",
	    notify_channel_name(ev.channel), q.attempt);
	/* Copied by rpc_post(): ours is wiped at once. */
	rpc_post(&ep, notify_channel_name(ev.channel), &post, delivered, d);
	relay_msg_clear(&m);
}

/*
 * One event to one of the operator's webhooks: the URL checked again
 * (the operator's switch may have changed since it was registered), the
 * body signed as the configured webhook channel signs it, with this
 * webhook's own secret, which is wiped as soon as the request is made.
 */
static void
relay_dispatch_policyd_hook(struct imsgchan *ch, struct imsg *imsg,
    void *arg)
{
	static struct ctl_notify	 hcn;
	static struct relay_hook	 q;
	static struct relay_msg		 m;
	struct relay_event		 ev;
	struct rpc_endpoint		 ep;
	struct rpc_post			 post;
	struct delivery			*d;
	json_t				*payload;
	const char			*why = NULL;
	char				 resolve[NET_RESOLVE_MAX];

	(void)ch;
	(void)arg;
	memcpy(&q, imsg->data, sizeof(q));
	if (imsg->len != sizeof(q) + q.len || q.len > NOTIFY_PAYLOAD_MAX ||
	    memchr(q.url, '\0', sizeof(q.url)) == NULL ||
	    memchr(q.event_id, '\0', sizeof(q.event_id)) == NULL ||
	    memchr(q.type, '\0', sizeof(q.type)) == NULL ||
	    strlen(q.secret) != WEBHOOK_SECRET_LEN)
		fatalx("IMSG_RELAY_HOOK: malformed");
	if (rl.inflight >= RELAY_INFLIGHT_MAX) {
		answer_now(q.id, RELAY_HOOK_CHANNEL, RELAY_RETRY,
		    "relay busy");
		sodium_memzero(&q, sizeof(q));
		return;
	}
	payload = json_loadb((const char *)imsg->data + sizeof(q), q.len,
	    JSON_REJECT_DUPLICATES, NULL);
	memset(&ev, 0, sizeof(ev));
	ev.channel = NOTIFY_WEBHOOK;
	ev.event_id = q.event_id;
	ev.type = q.type;
	ev.created_at = q.created_at;
	ev.now = (long long)time(NULL);
	ev.payload = payload;
	strlcpy(hcn.public_url, rl.cn->public_url, sizeof(hcn.public_url));
	strlcpy(hcn.chan[NOTIFY_WEBHOOK].url, q.url,
	    sizeof(hcn.chan[NOTIFY_WEBHOOK].url));
	strlcpy(hcn.chan[NOTIFY_WEBHOOK].secret, q.secret,
	    sizeof(hcn.chan[NOTIFY_WEBHOOK].secret));
	if (payload == NULL)
		why = "payload is not JSON";
	else if (url_hook_target(q.url, (rl.cn->flags &
	    NOTIFYF_HOOK_PRIVATE) != 0, resolve, sizeof(resolve), &why) == -1 ||
	    relay_build(&hcn, &ev, &m, &why) == -1)
		;
	else
		why = NULL;
	json_decref(payload);
	sodium_memzero(&hcn.chan[NOTIFY_WEBHOOK],
	    sizeof(hcn.chan[NOTIFY_WEBHOOK]));
	if (why != NULL) {
		log_warnx("event %.36s to webhook delivery %llu: %s",
		    q.event_id, (unsigned long long)q.id, why);
		answer_now(q.id, RELAY_HOOK_CHANNEL, RELAY_FAIL, why);
		sodium_memzero(&q, sizeof(q));
		return;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		fatal("calloc");
	d->id = q.id;
	d->channel = RELAY_HOOK_CHANNEL;
	strlcpy(d->event_id, q.event_id, sizeof(d->event_id));
	memset(&ep, 0, sizeof(ep));
	ep.url = m.url;
	ep.resolve = resolve;
	memset(&post, 0, sizeof(post));
	post.headers = m.hdrs;
	post.body = m.body;
	post.len = m.len;
	post.max = RELAY_ANSWER_MAX;
	rl.inflight++;
	log_debug("event %s (%s) to webhook delivery %llu: attempt %u",
	    d->event_id, q.type, (unsigned long long)q.id, q.attempt);
	rpc_post(&ep, "webhook", &post, delivered, d);
	relay_msg_clear(&m);
	sodium_memzero(&q, sizeof(q));
}

/*
 * The owner's replies: ntfy's JSON API (GET <server>/<topic>/json,
 * poll=1, since the last message seen), outbound like a delivery, to the
 * host and with the token a delivery already uses: the sandbox needs
 * nothing new (the same connect to the same resolved address, a timer).
 * Each message line goes to policyd as it came; relay reads only its
 * "event" (messages only) and "id" (where the next poll starts).  A poll
 * reads at most REPLY_POLL_MAX bytes, and one comes every reply_poll_ms
 * at most: junk on the topic costs a bounded amount per interval, and a
 * line longer than RELAY_REPLY_MAX is dropped here (counted).
 */
static void	reply_poll_arm(long);

/*
 * One line: 0 when handled (forwarded, or not ours to forward), -1 when
 * policyd's channel is full: the line and those after it wait for the
 * next poll, which starts after the last line handled.
 */
static int
reply_line(const char *p, size_t len)
{
	json_t		*j, *id, *ev;
	char		 mid[REPLY_ID_MAX + 1] = "";
	int		 fwd;

	if ((j = json_loadb(p, len, 0, NULL)) == NULL || !json_is_object(j)) {
		json_decref(j);
		rl.dropped++;
		return 0;
	}
	id = json_object_get(j, "id");
	ev = json_object_get(j, "event");
	if (json_is_string(id) && json_string_length(id) > 0 &&
	    json_string_length(id) <= REPLY_ID_MAX &&
	    strspn(json_string_value(id), "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_-") ==
	    json_string_length(id))
		strlcpy(mid, json_string_value(id), sizeof(mid));
	fwd = json_is_string(ev) && strcmp(json_string_value(ev),
	    "message") == 0;
	json_decref(j);
	if (fwd && len > RELAY_REPLY_MAX) {
		rl.dropped++;
		fwd = 0;
	}
	if (fwd && imsgev_compose(&rl.policyd, IMSG_RELAY_REPLY, 0, -1, p,
	    len) == -1) {
		if (errno != ENOBUFS)
			fatal("IMSG_RELAY_REPLY");
		return -1;
	}
	if (fwd)
		rl.replies++;
	if (mid[0] != '\0')
		strlcpy(rl.since, mid, sizeof(rl.since));
	return 0;
}

static void
reply_polled(const char *body, size_t len, const struct rpc_error *err,
    void *arg)
{
	const char	*p, *nl;
	size_t		 n, seen = 0;

	(void)arg;
	if (err != NULL || body == NULL) {
		rl.backoff_ms = rl.backoff_ms == 0 ? rl.cn->reply_poll_ms :
		    rl.backoff_ms * 2;
		if (rl.backoff_ms > REPLY_BACKOFF_MAX)
			rl.backoff_ms = REPLY_BACKOFF_MAX;
		log_debug("reply topic: %s; next poll in %ld ms", err != NULL ?
		    err->message : "no answer", rl.backoff_ms);
		reply_poll_arm(rl.backoff_ms);
		return;
	}
	rl.backoff_ms = 0;
	/* Whole lines only: a cut last line is read again next time. */
	for (p = body; (nl = memchr(p, '\n', len - (size_t)(p - body))) !=
	    NULL; p = nl + 1) {
		n = (size_t)(nl - p);
		if (n > 0 && reply_line(p, n) == -1)
			break;
		seen++;
	}
	if (seen > 0)
		log_debug("reply topic: %zu lines; %llu to policyd, %llu "
		    "dropped so far", seen, (unsigned long long)rl.replies,
		    (unsigned long long)rl.dropped);
	reply_poll_arm(rl.cn->reply_poll_ms);
}

static void
reply_poll(evutil_socket_t fd, short what, void *arg)
{
	const struct notify_chan	*ch = &rl.cn->chan[NOTIFY_NTFY];
	struct rpc_endpoint		 ep;
	char				 url[RELAY_URL_MAX + REPLY_ID_MAX + 16];

	(void)fd;
	(void)what;
	(void)arg;
	/*
	 * "since" the last message id; the first poll reaches back
	 * REPLY_LOOKBACK seconds (a reply sent while relay restarted still
	 * counts, and one read twice is refused as a spent nonce).
	 */
	if (rl.since[0] == '\0')
		snprintf(rl.since, sizeof(rl.since), "%lld",
		    (long long)time(NULL) - REPLY_LOOKBACK);
	if ((size_t)snprintf(url, sizeof(url), "%s&since=%s", rl.poll_url,
	    rl.since) >= sizeof(url))
		fatalx("reply topic: URL too long");
	memset(&ep, 0, sizeof(ep));
	ep.url = url;
	ep.resolve = ch->resolve;
	rpc_get_cut(&ep, "ntfy_poll", REPLY_POLL_MAX, reply_polled, NULL);
	explicit_bzero(url, sizeof(url));
}

static void
reply_poll_arm(long ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	if (evtimer_add(rl.poll_ev, &tv) == -1)
		fatalx("evtimer_add");
}

/*
 * The poll URL: <server>/<reply topic>/json?poll=1, and the token as
 * ntfy's auth parameter (the base64 of the Authorization header), since
 * a GET here carries no headers of ours.  The URL is never logged.
 */
static void
reply_init(void)
{
	const struct notify_chan	*ch = &rl.cn->chan[NOTIFY_NTFY];
	char				 hdr[NOTIFY_SECRET_MAX + 8];
	char				 b64[REPLY_AUTH_B64];
	size_t				 n;

	if (rl.cn->reply_topic[0] == '\0' ||
	    !(rl.cn->channels & (1U << NOTIFY_NTFY)))
		return;
	n = strlen(ch->url);
	while (n > 0 && ch->url[n - 1] == '/')
		n--;
	if ((size_t)snprintf(rl.poll_url, sizeof(rl.poll_url),
	    "%.*s/%s/json?poll=1", (int)n, ch->url, rl.cn->reply_topic) >=
	    sizeof(rl.poll_url))
		fatalx("reply topic: URL too long");
	if (ch->secret[0] != '\0') {
		snprintf(hdr, sizeof(hdr), "Bearer %s", ch->secret);
		sodium_bin2base64(b64, sizeof(b64), (const uint8_t *)hdr,
		    strlen(hdr), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		if (strlcat(rl.poll_url, "&auth=", sizeof(rl.poll_url)) >=
		    sizeof(rl.poll_url) || strlcat(rl.poll_url, b64,
		    sizeof(rl.poll_url)) >= sizeof(rl.poll_url))
			fatalx("reply topic: URL too long");
		explicit_bzero(hdr, sizeof(hdr));
		explicit_bzero(b64, sizeof(b64));
	}
	if ((rl.poll_ev = evtimer_new(rl.base, reply_poll, NULL)) == NULL)
		fatalx("evtimer_new");
	log_info("reply topic: polling every %u ms", rl.cn->reply_poll_ms);
	reply_poll_arm(0);
}

/* The parent looked a channel's host up again: new addresses. */
static void
relay_dispatch_parent_resolve(struct imsgchan *ch, struct imsg *imsg,
    void *arg)
{
	struct ctl_resolve	r;

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	if (r.index >= NOTIFY_MAX || !(rl.cn->channels & (1U << r.index)) ||
	    memchr(r.resolve, '\0', sizeof(r.resolve)) == NULL)
		fatalx("IMSG_CTL_NOTIFY_RESOLVE: malformed");
	strlcpy(rl.cn->chan[r.index].resolve, r.resolve,
	    sizeof(rl.cn->chan[r.index].resolve));
}

/* GET /metrics: policyd asks; the resident set back. */
static void
relay_dispatch_policyd_metrics(struct imsgchan *ch, struct imsg *imsg,
    void *arg)
{
	struct metrics_relay	m;

	(void)ch;
	(void)arg;
	memset(&m, 0, sizeof(m));
	m.rss = metrics_rss(rl.p->statmfd);
	if (imsgev_compose(&rl.policyd, IMSG_METRICS_RELAY, imsg->hdr.peerid,
	    -1, &m, sizeof(m)) == -1) {
		if (errno != ENOBUFS)
			fatal("IMSG_METRICS_RELAY");
		log_warnx("policyd channel full; metrics dropped");
	}
}

static const struct imsg_rule policyd_rules[] = {
	IMSG_RULE_EMPTY(IMSG_METRICS_ASK, relay_dispatch_policyd_metrics),
	IMSG_RULE_RANGE(IMSG_RELAY_DELIVER, sizeof(struct relay_deliver),
	    sizeof(struct relay_deliver) + NOTIFY_PAYLOAD_MAX,
	    relay_dispatch_policyd),
	IMSG_RULE_RANGE(IMSG_RELAY_HOOK, sizeof(struct relay_hook),
	    sizeof(struct relay_hook) + NOTIFY_PAYLOAD_MAX,
	    relay_dispatch_policyd_hook),
};

static const struct imsg_rule parent_rules[] = {
	IMSG_RULE_EXACT(IMSG_CTL_NOTIFY_RESOLVE, struct ctl_resolve,
	    relay_dispatch_parent_resolve),
};

void
relay_main(struct proc *p)
{
	struct rpc_limits	 lim;
	size_t			 max, wmax, calen = 0;
	char			*ca = NULL;

	rl.p = p;
	wipe_install();
	if ((rl.cn = (struct ctl_notify *)proc_notify()) == NULL)
		fatalx("no notification settings");
	if ((rl.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	proc_chan_sizes(PROC_RELAY, PROC_POLICYD, &max, &wmax);
	if (imsgev_init(&rl.policyd, rl.base, p->peerfd[PROC_POLICYD],
	    "policyd", max, wmax, 0, policyd_rules, nitems(policyd_rules),
	    NULL, NULL) == -1)
		fatal("imsgev_init");

	/* Files now, before the sandbox: the CA bundle, read whole. */
	if (rl.cn->channels != 0 && rpc_load_ca(&ca, &calen) == -1)
		fatal("CA bundle");
	/* Webhooks come later: without a CA bundle, only http ones work. */
	if (rl.cn->channels == 0 && rpc_load_ca(&ca, &calen) == -1) {
		log_warnx("no CA bundle: https webhooks will fail");
		ca = NULL;
		calen = 0;
	}
	memset(&lim, 0, sizeof(lim));
	lim.timeout_ms = rl.cn->timeout_ms > 0 ? rl.cn->timeout_ms : 10000;
	/* deliveries read RELAY_ANSWER_MAX (post.max), polls more */
	lim.max_response = REPLY_POLL_MAX;
	lim.retries = 0;	/* policyd retries, durably */
	if (rpc_init(rl.base, &lim, ca, calen) == -1)
		fatalx("rpc_init");
	free(ca);

	proc_sandbox(p);
	if (imsgev_init(&rl.parent, rl.base, 3, "parent", CHAN_CTL_MAX,
	    CHAN_CTL_WMAX, 0, parent_rules, nitems(parent_rules), NULL,
	    NULL) == -1)
		fatal("imsgev_init");
	reply_init();
	event_base_dispatch(rl.base);
	fatalx("event loop ended");
}

/* waiaasd-relay: its own executable, mapping only what it links. */
int
main(int argc, char *argv[])
{
	return proc_exec_main(argc, argv, PROC_RELAY, relay_main);
}
