/*
 * GET /metrics, policyd's part.  After auth (policyd_api.c), policyd asks
 * the signer, the relay and fetch for their counters over the channels it
 * has, waits for all or for METRICS_WAIT_MS, and answers the api with a
 * struct metrics_head (each process's resident set, who did not answer)
 * and the text of its own series and the children's.  Scrapes that come
 * while one is out join it; a child that does not answer in time is a
 * missing series and waiaas_scrape_error 1, never a hang.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"
#include "metrics.h"
#include "policyd.h"
#include "util.h"

#define METRICS_WAIT_MS		1000
#define METRICS_WAITERS		64
#define METRICS_TEXT_MAX	(32 * 1024)

static struct {
	uint32_t		 peer[METRICS_WAITERS];	/* api requests */
	size_t			 npeer;
	int			 inflight;
	uint32_t		 seq;
	int			 have_signer;	/* 1 yes, 0 waiting, */
	int			 have_relay;	/* -1 could not ask */
	int			 have_fetch;
	struct metrics_signer	 sg;
	struct metrics_relay	 rl;
	struct metrics_relay	 ft;	/* fetch's: a resident set too */
	struct event		*timer;
	char			 out[sizeof(struct metrics_head) +
				    METRICS_TEXT_MAX];
} M;

/* A label value from the store: only [A-Z_] (the CHECKs say so). */
static const char *
label_word(const unsigned char *s)
{
	size_t	i;

	if (s == NULL)
		return "NONE";
	for (i = 0; s[i] != '\0'; i++)
		if (i >= 32 || !((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_'))
			return "OTHER";
	return i > 0 ? (const char *)s : "NONE";
}

static void
text_transactions(struct mbuf *b)
{
	sqlite3_stmt	*st;

	metrics_head(b, "waiaas_transactions", "gauge",
	    "Transactions in the store by status and tier.");
	st = store_prepare("SELECT status, tier, count(*) FROM transactions "
	    "GROUP BY status, tier ORDER BY status, tier");
	while (sqlite3_step(st) == SQLITE_ROW)
		mbuf_printf(b, "waiaas_transactions{status=\"%s\","
		    "tier=\"%s\"} %lld\n",
		    label_word(sqlite3_column_text(st, 0)),
		    label_word(sqlite3_column_text(st, 1)),
		    (long long)sqlite3_column_int64(st, 2));
	sqlite3_finalize(st);
}

static void
text_decisions(struct mbuf *b)
{
	int	t;

	metrics_head(b, "waiaas_policy_decisions_total", "counter",
	    "Policy engine decisions by result (a tier, or DENY).");
	mbuf_printf(b, "waiaas_policy_decisions_total{result=\"DENY\"} "
	    "%llu\n", (unsigned long long)decide_counts[0]);
	for (t = TIER_INSTANT; t <= TIER_APPROVAL; t++)
		mbuf_printf(b, "waiaas_policy_decisions_total{result=\"%s\"} "
		    "%llu\n", tier_name(t),
		    (unsigned long long)decide_counts[t]);
}

static void
text_notify(struct mbuf *b)
{
	static const char *const res[] = { "delivered", "retry", "failed" };
	sqlite3_stmt	*st;
	long long	 depth[NOTIFY_MAX];
	int		 ch, i;

	memset(depth, 0, sizeof(depth));
	st = store_prepare("SELECT channel, count(*) FROM deliveries WHERE "
	    "delivered_at IS NULL AND failed_at IS NULL GROUP BY channel");
	while (sqlite3_step(st) == SQLITE_ROW)
		if ((ch = notify_channel_parse((const char *)
		    sqlite3_column_text(st, 0))) >= 0)
			depth[ch] = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	metrics_head(b, "waiaas_notification_outbox_depth", "gauge",
	    "Notifications waiting for delivery, by channel.");
	for (ch = 0; ch < NOTIFY_MAX; ch++)
		mbuf_printf(b, "waiaas_notification_outbox_depth{channel="
		    "\"%s\"} %lld\n", notify_channel_name(ch), depth[ch]);
	metrics_head(b, "waiaas_notification_deliveries_total", "counter",
	    "Delivery attempts by channel and result (tests included).");
	for (ch = 0; ch < NOTIFY_MAX; ch++)
		for (i = 0; i < 3; i++)
			mbuf_printf(b, "waiaas_notification_deliveries_total{"
			    "channel=\"%s\",result=\"%s\"} %llu\n",
			    notify_channel_name(ch), res[i],
			    (unsigned long long)notify_counts[ch][i]);
	metrics_head(b, "waiaas_notification_delivery_failures_total",
	    "counter", "Delivery attempts that failed (retried or given up), "
	    "by channel.");
	for (ch = 0; ch < NOTIFY_MAX; ch++)
		mbuf_printf(b, "waiaas_notification_delivery_failures_total{"
		    "channel=\"%s\"} %llu\n", notify_channel_name(ch),
		    (unsigned long long)(notify_counts[ch][1] +
		    notify_counts[ch][2]));
	metrics_head(b, "waiaas_owner_replies_total", "counter",
	    "Messages read from the ntfy reply topic, by what came of them.");
	mbuf_printf(b, "waiaas_owner_replies_total{result=\"junk\"} %llu\n"
	    "waiaas_owner_replies_total{result=\"refused\"} %llu\n"
	    "waiaas_owner_replies_total{result=\"accepted\"} %llu\n",
	    (unsigned long long)reply_stats.junk,
	    (unsigned long long)reply_stats.refused,
	    (unsigned long long)reply_stats.accepted);
	metrics_head(b, "waiaas_db_commits_total", "counter",
	    "Group commits of the database (one sync each).");
	mbuf_printf(b, "waiaas_db_commits_total %llu\n",
	    (unsigned long long)store_group_stats.commits);
	metrics_head(b, "waiaas_db_commit_units_total", "counter",
	    "Units of work (a request's or a pipeline step's writes) those "
	    "commits carried.");
	mbuf_printf(b, "waiaas_db_commit_units_total %llu\n",
	    (unsigned long long)store_group_stats.units);
}

static void
text_signer(struct mbuf *b)
{
	int	op;

	if (M.have_signer != 1)
		return;
	metrics_head(b, "waiaas_signer_operations_total", "counter",
	    "Signer operations by kind and result.");
	for (op = 0; op < SOP_MAX; op++) {
		mbuf_printf(b, "waiaas_signer_operations_total{kind=\"%s\","
		    "result=\"ok\"} %llu\n", signer_op_name(op),
		    (unsigned long long)M.sg.ops[op][0]);
		mbuf_printf(b, "waiaas_signer_operations_total{kind=\"%s\","
		    "result=\"error\"} %llu\n", signer_op_name(op),
		    (unsigned long long)M.sg.ops[op][1]);
	}
}

static void
finish(void)
{
	struct metrics_head	 h;
	struct mbuf		 b;
	size_t			 i;

	evtimer_del(M.timer);
	memset(&h, 0, sizeof(h));
	for (i = 0; i < PROC_MAX; i++)
		h.rss[i] = -1;
	h.rss[PROC_POLICYD] = metrics_rss(pd.p->statmfd);
	if (M.have_signer == 1)
		h.rss[PROC_SIGNER] = M.sg.rss;
	else
		h.missing[PROC_SIGNER] = 1;
	if (M.have_relay == 1)
		h.rss[PROC_RELAY] = M.rl.rss;
	else
		h.missing[PROC_RELAY] = 1;
	if (M.have_fetch == 1)
		h.rss[PROC_FETCH] = M.ft.rss;
	else
		h.missing[PROC_FETCH] = 1;
	mbuf_init(&b, M.out + sizeof(h), METRICS_TEXT_MAX);
	text_transactions(&b);
	text_decisions(&b);
	text_notify(&b);
	text_signer(&b);
	if (b.full)
		log_warnx("metrics: text cut at %zu bytes", b.len);
	memcpy(M.out, &h, sizeof(h));
	for (i = 0; i < M.npeer; i++)
		pd_reply(M.peer[i], 200, NULL, M.out, sizeof(h) + b.len);
	M.npeer = 0;
	M.inflight = 0;
}

static void
timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	log_warnx("metrics: %s%s%s did not answer in %d ms",
	    M.have_signer == 1 ? "" : "signer ", M.have_relay == 1 ? "" :
	    "relay ", M.have_fetch == 1 ? "" : "fetch ", METRICS_WAIT_MS);
	finish();
}

/* Ask a child; a full channel counts as no answer. */
static int
ask(struct imsgev *iev, const char *name)
{
	if (imsgev_compose(iev, IMSG_METRICS_ASK, M.seq, -1, NULL, 0) == 0)
		return 0;
	if (errno != ENOBUFS)
		fatal("IMSG_METRICS_ASK to %s", name);
	log_warnx("metrics: %s channel full", name);
	return 1;
}

void
metrics_scrape(struct pd_ctx *c)
{
	struct timeval	tv = { METRICS_WAIT_MS / 1000,
			    (METRICS_WAIT_MS % 1000) * 1000 };

	if (M.npeer == METRICS_WAITERS) {
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "too many "
		    "scrapes waiting", 1);
		return;
	}
	M.peer[M.npeer++] = c->peerid;
	if (M.inflight)
		return;
	if (M.timer == NULL && (M.timer = evtimer_new(pd.base, timeout_cb,
	    NULL)) == NULL)
		fatalx("evtimer_new");
	M.inflight = 1;
	M.seq++;
	M.have_signer = ask(&pd.signer, "signer") ? -1 : 0;
	M.have_relay = ask(&pd.relay, "relay") ? -1 : 0;
	M.have_fetch = ask(&pd.fetch, "fetch") ? -1 : 0;
	if (M.have_signer == -1 && M.have_relay == -1 &&
	    M.have_fetch == -1) {
		finish();
		return;
	}
	evtimer_add(M.timer, &tv);
}

/* Both answered (or could not be asked): done. */
static void
maybe_finish(void)
{
	if (M.have_signer != 0 && M.have_relay != 0 && M.have_fetch != 0)
		finish();
}

void
metrics_signer(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	(void)ch;
	(void)arg;
	/* An answer after the wait ended is dropped. */
	if (!M.inflight || imsg->hdr.peerid != M.seq || M.have_signer != 0)
		return;
	memcpy(&M.sg, imsg->data, sizeof(M.sg));
	M.have_signer = 1;
	maybe_finish();
}

void
metrics_relay(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	(void)ch;
	(void)arg;
	if (!M.inflight || imsg->hdr.peerid != M.seq || M.have_relay != 0)
		return;
	memcpy(&M.rl, imsg->data, sizeof(M.rl));
	M.have_relay = 1;
	maybe_finish();
}

void
metrics_fetch(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	(void)ch;
	(void)arg;
	if (!M.inflight || imsg->hdr.peerid != M.seq || M.have_fetch != 0)
		return;
	memcpy(&M.ft, imsg->data, sizeof(M.ft));
	M.have_fetch = 1;
	maybe_finish();
}
