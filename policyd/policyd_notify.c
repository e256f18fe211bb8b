/*
 * Notifications, policyd's half: the outbox per channel, and the pump
 * that hands relay what is due.
 *
 * outbox_add() writes the event and one delivery row per configured
 * channel in the caller's transaction, so an event exists exactly when
 * the change it tells of does.  The pump pushes due rows to relay, at
 * most NOTIFY_WINDOW per channel at a time (a channel that hangs fills
 * its own window only); relay answers each delivered, retry or failed;
 * the row says so.  A retry waits with exponential back-off and jitter,
 * capped, or what the server asked (Retry-After); a delivery older than
 * notifications.max_age is given up with a log line.  The rows are the
 * state: after a restart of relay or of everything, what was not
 * recorded as delivered goes again (at least once; receivers
 * deduplicate on the event id, which never changes).
 *
 * Rows of a channel no longer configured are kept and left alone (a
 * line in the log says how many); they resume if it comes back, and
 * what is older than max_age by then is given up.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include <event2/event.h>
#include <sodium.h>

#include "log.h"
#include "policyd.h"
#include "routes.h"
#include "util.h"
#include "wipe.h"

#define NOTIFY_WINDOW		4	/* in flight per channel */
#define NOTIFY_BACKOFF_MS	1000	/* first back-off, doubling */
#define NOTIFY_BACKOFF_MAX_MS	(10 * 60 * 1000)
#define NOTIFY_IDLE_MS		(60 * 1000)	/* look again at least */
#define NOTIFY_TESTS_MAX	8
#define NOTIFY_TEST_MS		20000	/* relay times out in 10 s */
#define NOTIFY_TEST_BIT		(1ULL << 63)

/* The operator's test messages, answered when every channel has. */
struct ntest {
	uint32_t	 peerid;
	uint64_t	 seq;		/* 0: free slot */
	unsigned int	 want;		/* channels asked */
	unsigned int	 got;
	json_t		*results;
	struct event	*timer;
};

static struct {
	unsigned int	 channels;	/* 1 << NOTIFY_* */
	long long	 max_age;	/* s */
	struct event	*timer;
	uint64_t	 inflight[NOTIFY_MAX][NOTIFY_WINDOW];	/* row ids */
	int		 ninflight[NOTIFY_MAX];
	uint64_t	 test_seq;
	struct ntest	 tests[NOTIFY_TESTS_MAX];
} nt;

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run the pump from the loop, after the caller's transaction. */
static void
kick(long long ms)
{
	struct timeval	tv;

	if (ms < 0)
		ms = 0;
	if (ms > NOTIFY_IDLE_MS)
		ms = NOTIFY_IDLE_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_del(nt.timer);
	evtimer_add(nt.timer, &tv);
}

/* Queue a notification for relay, inside the caller's transaction. */
int
outbox_add(long long now, const char *type, json_t *payload)
{
	sqlite3_stmt	*st;
	char		 id[UUID_STR_LEN], *text;
	long long	 row;
	int		 rc, ch;

	if (payload == NULL)
		return -1;
	json_object_set_new(payload, "event", json_string(type));
	json_object_set_new(payload, "timestamp", json_integer(now));
	text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(payload);
	if (text == NULL)
		return -1;
	uuidv7(id);
	st = store_prepare("INSERT INTO outbox (event_id, type, payload, "
	    "created_at) VALUES (?, ?, ?, ?)");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	wipe_free(text);
	if (rc != SQLITE_DONE)
		return -1;
	row = sqlite3_last_insert_rowid(pd.db);
	if (webhook_enqueue(now, row, type) == -1)
		return -1;
	for (ch = 0; ch < NOTIFY_MAX; ch++) {
		if (!(nt.channels & (1U << ch)))
			continue;
		st = store_prepare("INSERT INTO deliveries (outbox_id, "
		    "channel, created_at, next_attempt_at) VALUES (?, ?, ?, "
		    "?)");
		sqlite3_bind_int64(st, 1, row);
		sqlite3_bind_text(st, 2, notify_channel_name(ch), -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_int64(st, 4, now * 1000);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return -1;
	}
	if (nt.channels != 0 && nt.timer != NULL)
		kick(0);
	return 0;
}

/* Back-off before attempt n + 1: doubling, capped, half of it jitter. */
static long long
backoff_ms(int n)
{
	long long	d = NOTIFY_BACKOFF_MS;

	while (--n > 0 && d < NOTIFY_BACKOFF_MAX_MS)
		d *= 2;
	if (d > NOTIFY_BACKOFF_MAX_MS)
		d = NOTIFY_BACKOFF_MAX_MS;
	return d / 2 + (long long)randombytes_uniform((uint32_t)(d / 2 + 1));
}

static void
row_update(const char *sql, long long a, const char *err, uint64_t id)
{
	sqlite3_stmt	*st;

	st = store_prepare(sql);
	sqlite3_bind_int64(st, 1, a);
	if (err != NULL)
		sqlite3_bind_text(st, 2, err, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)id);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
}

/* tried: this attempt counts (an answer), or not (too old to send). */
static void
give_up(uint64_t id, const char *event_id, int ch, const char *why,
    int tried)
{
	log_warnx("notification %s to %s: given up: %s", event_id,
	    notify_channel_name(ch), why);
	row_update(tried ? "UPDATE deliveries SET failed_at = ?1, last_error "
	    "= ?2, attempts = attempts + 1 WHERE id = ?3" : "UPDATE "
	    "deliveries SET failed_at = ?1, last_error = ?2 WHERE id = ?3",
	    (long long)time(NULL), why, id);
}

static int
send_one(int ch, sqlite3_stmt *st)
{
	struct relay_deliver	 q;
	struct iovec		 iov[2];
	const char		*type, *eid, *payload;
	char			 why[96], *linked = NULL;
	int			 r;
	uint64_t		 id = (uint64_t)sqlite3_column_int64(st, 0);
	long long		 age;
	size_t			 len;

	memset(&q, 0, sizeof(q));
	q.id = id;
	q.channel = (uint32_t)ch;
	q.attempt = (uint32_t)sqlite3_column_int(st, 1) + 1;
	q.created_at = sqlite3_column_int64(st, 2);
	eid = (const char *)sqlite3_column_text(st, 3);
	type = (const char *)sqlite3_column_text(st, 4);
	payload = (const char *)sqlite3_column_text(st, 5);
	len = (size_t)sqlite3_column_bytes(st, 5);
	strlcpy(q.event_id, eid, sizeof(q.event_id));
	strlcpy(q.type, type, sizeof(q.type));
	age = (long long)time(NULL) - q.created_at;
	if (age > nt.max_age) {
		snprintf(why, sizeof(why), "older than %lld s after %u "
		    "attempts", nt.max_age, q.attempt - 1);
		give_up(id, q.event_id, ch, why, 0);
		return 0;
	}
	/* The owner's push channels get the approval link's nonces,
	 * made now (policyd_link.c); the webhook never does.  An event
	 * too large with them goes without them (the daemon's link). */
	if (ch != NOTIFY_WEBHOOK && strcmp(type, "TX_APPROVAL_REQUIRED") == 0 &&
	    (linked = link_payload(payload, len)) != NULL &&
	    strlen(linked) <= NOTIFY_PAYLOAD_MAX) {
		payload = linked;
		len = strlen(linked);
	}
	if (len > NOTIFY_PAYLOAD_MAX || strlen(type) >= sizeof(q.type)) {
		wipe_free(linked);
		give_up(id, q.event_id, ch, "event too large to send", 0);
		return 0;
	}
	q.len = (uint32_t)len;
	iov[0].iov_base = &q;
	iov[0].iov_len = sizeof(q);
	iov[1].iov_base = (void *)(uintptr_t)payload;
	iov[1].iov_len = len;
	r = imsgev_composev(&pd.relay, IMSG_RELAY_DELIVER, 0, -1, iov, 2);
	wipe_free(linked);
	if (r == -1) {
		if (errno != ENOBUFS)
			fatal("IMSG_RELAY_DELIVER");
		return -1;	/* full: the rest waits */
	}
	nt.inflight[ch][nt.ninflight[ch]++] = id;
	return 0;
}

/*
 * Fill each channel's window with due rows, oldest due first, none
 * already in flight; then wake when the next one falls due.
 */
static void
pump(evutil_socket_t fd, short ev, void *arg)
{
	sqlite3_stmt	*st;
	long long	 now, next = -1, t;
	int		 ch, i, got, full = 0;

	(void)fd;
	(void)ev;
	(void)arg;
	if (store_in_unit()) {
		kick(100);	/* never write inside another's transaction */
		return;
	}
	now = now_ms();
	for (ch = 0; ch < NOTIFY_MAX && !full; ch++) {
		if (!(nt.channels & (1U << ch)))
			continue;
		while (nt.ninflight[ch] < NOTIFY_WINDOW && !full) {
			st = store_prepare("SELECT d.id, d.attempts, "
			    "d.created_at, o.event_id, o.type, o.payload "
			    "FROM deliveries d "
			    "JOIN outbox o ON o.id = d.outbox_id WHERE "
			    "d.channel = ?1 AND d.delivered_at IS NULL AND "
			    "d.failed_at IS NULL AND d.next_attempt_at <= ?2 "
			    "AND d.id NOT IN (?3, ?4, ?5, ?6) ORDER BY "
			    "d.next_attempt_at, d.id LIMIT 1");
			sqlite3_bind_text(st, 1, notify_channel_name(ch), -1,
			    SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, now);
			for (i = 0; i < NOTIFY_WINDOW; i++)
				sqlite3_bind_int64(st, 3 + i, i <
				    nt.ninflight[ch] ? (sqlite3_int64)
				    nt.inflight[ch][i] : -1);
			got = sqlite3_step(st) == SQLITE_ROW;
			if (got && send_one(ch, st) == -1)
				full = 1;
			sqlite3_finalize(st);
			if (!got)
				break;
		}
	}
	if (full) {
		kick(1000);
		return;
	}
	/* The next due row of a channel with room: wake then. */
	for (ch = 0; ch < NOTIFY_MAX; ch++) {
		if (!(nt.channels & (1U << ch)) ||
		    nt.ninflight[ch] >= NOTIFY_WINDOW)
			continue;
		st = store_prepare("SELECT min(next_attempt_at) FROM "
		    "deliveries WHERE channel = ? AND delivered_at IS NULL AND "
		    "failed_at IS NULL AND next_attempt_at > ?");
		sqlite3_bind_text(st, 1, notify_channel_name(ch), -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_type(st, 0) != SQLITE_NULL) {
			t = sqlite3_column_int64(st, 0);
			if (next < 0 || t < next)
				next = t;
		}
		sqlite3_finalize(st);
	}
	if (next >= 0)
		kick(next - now + 1);
}

static void	test_result(const struct relay_result *);

/* relay's answer about one delivery: record it, then pump again. */
uint64_t	notify_counts[NOTIFY_MAX][3];

void
notify_result(struct imsgchan *chan, struct imsg *imsg, void *arg)
{
	struct relay_result	 r;
	sqlite3_stmt		*st;
	char			 eid[UUID_STR_LEN] = "?";
	long long		 wait;
	int			 ch, i, attempts = 0;

	(void)chan;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	if (r.channel == RELAY_HOOK_CHANNEL && r.status >= RELAY_OK &&
	    r.status <= RELAY_FAIL && memchr(r.error, '\0',
	    sizeof(r.error)) != NULL) {
		webhook_result(&r);
		return;
	}
	if (r.channel >= NOTIFY_MAX || r.status < RELAY_OK ||
	    r.status > RELAY_FAIL || memchr(r.error, '\0',
	    sizeof(r.error)) == NULL)
		fatalx("IMSG_RELAY_RESULT: malformed");
	notify_counts[r.channel][r.status == RELAY_OK ? 0 :
	    r.status == RELAY_RETRY ? 1 : 2]++;
	if (r.id & NOTIFY_TEST_BIT) {
		test_result(&r);
		return;
	}
	ch = (int)r.channel;
	for (i = 0; i < nt.ninflight[ch]; i++)
		if (nt.inflight[ch][i] == r.id)
			break;
	if (i == nt.ninflight[ch])
		fatalx("IMSG_RELAY_RESULT for a delivery not asked");
	nt.inflight[ch][i] = nt.inflight[ch][--nt.ninflight[ch]];
	st = store_prepare("SELECT o.event_id, d.attempts FROM deliveries "
	    "d JOIN outbox o ON o.id = d.outbox_id WHERE d.id = ?");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r.id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		strlcpy(eid, (const char *)sqlite3_column_text(st, 0),
		    sizeof(eid));
		attempts = sqlite3_column_int(st, 1) + 1;
	}
	sqlite3_finalize(st);
	switch (r.status) {
	case RELAY_OK:
		log_info("notification %s delivered to %s (attempt %d)", eid,
		    notify_channel_name(ch), attempts);
		row_update("UPDATE deliveries SET delivered_at = ?1, attempts "
		    "= attempts + 1, last_error = ?2 WHERE id = ?3",
		    (long long)time(NULL), NULL, r.id);
		break;
	case RELAY_RETRY:
		wait = backoff_ms(attempts);
		if ((long long)r.retry_after * 1000 > wait)
			wait = (long long)r.retry_after * 1000;
		log_info("notification %s to %s: attempt %d: %s; again in "
		    "%lld ms", eid, notify_channel_name(ch), attempts,
		    r.error, wait);
		row_update("UPDATE deliveries SET next_attempt_at = ?1, "
		    "last_error = ?2, attempts = attempts + 1 WHERE id = ?3",
		    now_ms() + wait, r.error, r.id);
		break;
	default:
		give_up(r.id, eid, ch, r.error, 1);
		break;
	}
	kick(0);
}

/* Say which rows wait for a channel no longer configured. */
static void
notify_orphans(void)
{
	sqlite3_stmt	*st;
	const char	*name;
	int		 ch;

	st = store_prepare("SELECT channel, count(*) FROM deliveries WHERE "
	    "delivered_at IS NULL AND failed_at IS NULL GROUP BY channel");
	while (sqlite3_step(st) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 0);
		ch = notify_channel_parse(name);
		if (ch >= 0 && (nt.channels & (1U << ch)))
			continue;
		log_warnx("notifications: %d undelivered events for channel "
		    "%.16s, which is not configured: kept, not sent (they "
		    "resume if it is configured again)",
		    sqlite3_column_int(st, 1), name);
	}
	sqlite3_finalize(st);
}

/* At start, after the store is open: what is due goes out. */
void
notify_init(void)
{
	const struct ctl_notify	*cn = proc_notify();

	nt.channels = cn->channels;
	nt.max_age = cn->max_age > 0 ? cn->max_age : 86400;
	if ((nt.timer = evtimer_new(pd.base, pump, NULL)) == NULL)
		fatalx("evtimer_new");
	notify_orphans();
	if (nt.channels != 0)
		kick(0);
}

/* The configured channels, 1 << NOTIFY_* (GET /v1/admin/...). */
unsigned int
notify_channels(void)
{
	return nt.channels;
}

static struct ntest *
test_find(uint64_t seq)
{
	size_t	i;

	for (i = 0; i < NOTIFY_TESTS_MAX; i++)
		if (seq != 0 && nt.tests[i].seq == seq)
			return &nt.tests[i];
	return NULL;
}

static void
test_done(struct ntest *t)
{
	int	ch;

	/* Channels that did not answer in time say so. */
	for (ch = 0; ch < NOTIFY_MAX; ch++)
		if ((t->want & (1U << ch)) && !(t->got & (1U << ch)))
			json_array_append_new(t->results, json_pack("{s:s, "
			    "s:b, s:s}", "channel", notify_channel_name(ch),
			    "success", 0, "error", "no answer in time"));
	pd_reply_json(t->peerid, 200, json_pack("{s:o}", "results",
	    t->results));
	event_free(t->timer);
	memset(t, 0, sizeof(*t));
}

static void
test_timeout(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	test_done(arg);
}

static void
test_result(const struct relay_result *r)
{
	struct ntest	*t;
	json_t		*j;
	unsigned int	 bit = 1U << r->channel;

	/* A late answer to a test already answered is dropped. */
	if ((t = test_find((r->id & ~NOTIFY_TEST_BIT) >> 4)) == NULL ||
	    !(t->want & bit) || (t->got & bit))
		return;
	t->got |= bit;
	j = json_pack("{s:s, s:b}", "channel", notify_channel_name(
	    (int)r->channel), "success", r->status == RELAY_OK);
	if (r->http_status > 0)
		json_object_set_new(j, "httpStatus",
		    json_integer(r->http_status));
	if (r->status != RELAY_OK)
		json_object_set_new(j, "error", json_string(r->error));
	json_array_append_new(t->results, j);
	log_info("notification test to %s: %s", notify_channel_name(
	    (int)r->channel), r->status == RELAY_OK ? "delivered" : r->error);
	if (t->got == t->want)
		test_done(t);
}

/*
 * POST /v1/admin/notifications/test {"channel"?}: a test message to one
 * channel or every configured one, answered with each one's outcome
 * (relay's one attempt, no retry, nothing stored).
 */
void
notify_test(struct pd_ctx *c)
{
	struct relay_deliver	 q;
	struct iovec		 iov[2];
	struct timeval		 tv = { NOTIFY_TEST_MS / 1000, 0 };
	struct ntest		*t;
	json_t			*v;
	char			*text;
	unsigned int		 want;
	int			 ch;

	v = c->body != NULL ? json_object_get(c->body, "channel") : NULL;
	if (v != NULL) {
		if ((ch = notify_channel_parse(json_string_value(v))) < 0)
			fatalx("notify_test: the api let a bad channel by");
		want = 1U << ch;
	} else
		want = nt.channels;
	for (ch = 0; ch < NOTIFY_TESTS_MAX; ch++)
		if (nt.tests[ch].seq == 0)
			break;
	if (ch == NOTIFY_TESTS_MAX) {
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "too many "
		    "notification tests in progress", 1);
		return;
	}
	t = &nt.tests[ch];
	t->seq = ++nt.test_seq;
	t->peerid = c->peerid;
	t->want = want & nt.channels;
	t->results = json_array();
	for (ch = 0; ch < NOTIFY_MAX; ch++)
		if ((want & (1U << ch)) && !(nt.channels & (1U << ch)))
			json_array_append_new(t->results, json_pack("{s:s, "
			    "s:b, s:s}", "channel", notify_channel_name(ch),
			    "success", 0, "error", "not configured"));
	audit_event(c->now, "NOTIFICATION_TEST", "master", NULL,
	    json_pack("{s:I}", "channels", (json_int_t)want));
	if ((t->timer = evtimer_new(pd.base, test_timeout, t)) == NULL)
		fatalx("evtimer_new");
	if ((v = json_pack("{s:s}", "message", "A test notification from "
	    "waiaas: this channel works.")) == NULL ||
	    (text = json_dumps(v, JSON_COMPACT)) == NULL)
		fatalx("json_dumps");
	json_decref(v);
	for (ch = 0; ch < NOTIFY_MAX; ch++) {
		if (!(t->want & (1U << ch)))
			continue;
		memset(&q, 0, sizeof(q));
		q.id = NOTIFY_TEST_BIT | (t->seq << 4) | (uint64_t)ch;
		q.channel = (uint32_t)ch;
		q.flags = RELAY_F_TEST;
		uuidv7(q.event_id);
		strlcpy(q.type, "TEST", sizeof(q.type));
		q.created_at = c->now;
		q.attempt = 1;
		q.len = (uint32_t)strlen(text);
		iov[0].iov_base = &q;
		iov[0].iov_len = sizeof(q);
		iov[1].iov_base = text;
		iov[1].iov_len = q.len;
		if (imsgev_composev(&pd.relay, IMSG_RELAY_DELIVER, 0, -1, iov,
		    2) == -1) {
			if (errno != ENOBUFS)
				fatal("IMSG_RELAY_DELIVER");
			t->want &= ~(1U << ch);
			json_array_append_new(t->results, json_pack("{s:s, "
			    "s:b, s:s}", "channel", notify_channel_name(ch),
			    "success", 0, "error", "relay busy"));
		}
	}
	wipe_free(text);
	if (t->want == 0)
		test_done(t);
	else
		evtimer_add(t->timer, &tv);
}

/* notifications.max_age, which PUT /v1/admin/settings may change. */
long long
notify_max_age(void)
{
	return nt.max_age;
}

void
notify_set_max_age(long long s)
{
	nt.max_age = s;
}
