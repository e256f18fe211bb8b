/*
 * The operator's webhooks (POST/GET /v1/webhooks, DELETE
 * /v1/webhooks/{id}, GET /v1/webhooks/{id}/logs): each a URL, a filter
 * of event types (none: every event) and a signing secret, told of the
 * events the outbox records, through relay.
 *
 * Where the secret lives.  relay keeps no state at all (no files after
 * start-up, nothing that survives its restart: policyd retries, from
 * rows), so a secret minted at run time cannot live there; it lives in
 * policyd's database and goes to relay inside each delivery message,
 * which relay wipes once the request is made.  policyd's one kind of
 * secret stays "keys it mints for what it issues and checks": the
 * session-signing key, and these HMAC keys, which it mints here and
 * shows once, at creation; it never uses one itself.  relay's stays
 * "channel credentials", now also lent per delivery; api never sees a
 * secret but the one answer that carries it out.  No process gains a
 * kind of secret it did not have (DESIGN.md, section 1).
 *
 * Delivery: outbox_add() calls webhook_enqueue() in the caller's
 * transaction, one row per enabled webhook whose filter takes the
 * event; the pump hands relay what is due, at most HOOK_WINDOW at a
 * time; each answer becomes a log row (success or failed, HTTP status,
 * attempt, error, duration), and a retry waits 1 s, then 2 s, ... for
 * at most HOOK_ATTEMPTS attempts.  A webhook keeps its newest
 * HOOK_LOGS_MAX log rows.  Deleting a webhook deletes its pending
 * deliveries and its logs; an answer for a delivery deleted while it
 * was in flight is dropped.
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
#include "url.h"
#include "util.h"
#include "wipe.h"

#define HOOKS_MAX	32		/* webhooks at once */
#define HOOK_WINDOW	8		/* deliveries in flight */
#define HOOK_ATTEMPTS	3		/* per event and webhook */
#define HOOK_BACKOFF_MS	1000		/* then doubled */
#define HOOK_LOGS_MAX	100		/* per webhook */
#define HOOK_IDLE_MS	(60 * 1000)

static struct {
	struct event	*timer;
	int		 allow_private;
	uint64_t	 inflight[HOOK_WINDOW];		/* row ids */
	long long	 started[HOOK_WINDOW];		/* ms */
	int		 n;
} wh;

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
kick(long long ms)
{
	struct timeval	tv;

	if (wh.timer == NULL)
		return;
	if (ms < 0)
		ms = 0;
	if (ms > HOOK_IDLE_MS)
		ms = HOOK_IDLE_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_del(wh.timer);
	evtimer_add(wh.timer, &tv);
}

/* A webhook as GET shows it: never its secret. */
static json_t *
hook_json(sqlite3_stmt *st)
{
	json_t	*ev;

	ev = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);
	if (ev == NULL)
		fatalx("webhooks: events column is not JSON");
	return json_pack("{s:s, s:s, s:o, s:s?, s:b, s:I, s:I}", "id",
	    sqlite3_column_text(st, 0), "url", sqlite3_column_text(st, 1),
	    "events", ev, "description", sqlite3_column_text(st, 3),
	    "enabled", sqlite3_column_int(st, 4), "createdAt",
	    (json_int_t)sqlite3_column_int64(st, 5), "updatedAt",
	    (json_int_t)sqlite3_column_int64(st, 6));
}

/* POST /v1/webhooks {url, events?, description?}: the api checked it. */
void
webhooks_create(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	unsigned char	 key[WEBHOOK_SECRET_LEN / 2];
	char		 secret[WEBHOOK_SECRET_LEN + 1], id[UUID_STR_LEN];
	char		 resolve[NET_RESOLVE_MAX], *events;
	const char	*url, *desc, *why;
	json_t		*ev, *j;
	int		 n, r;

	url = json_string_value(json_object_get(c->body, "url"));
	desc = json_string_value(json_object_get(c->body, "description"));
	ev = json_object_get(c->body, "events");
	if (url == NULL || (ev != NULL && !json_is_array(ev)))
		fatalx("webhook create: a body the api did not check");
	if (url_hook_target(url, wh.allow_private, resolve, sizeof(resolve),
	    &why) == -1) {
		pd_fail_issue(c->peerid, "url", why);
		return;
	}
	j = ev != NULL ? json_incref(ev) : json_array();
	events = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (events == NULL)
		fatalx("json_dumps");
	if (!pd_begin(c)) {
		wipe_free(events);
		return;
	}
	st = store_prepare("SELECT count(*) FROM webhooks");
	n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (n >= HOOKS_MAX) {
		store_rollback();
		wipe_free(events);
		pd_fail_issue(c->peerid, "url", "at most 32 webhooks: delete "
		    "one first");
		return;
	}
	uuidv7(id);
	randombytes_buf(key, sizeof(key));
	sodium_bin2hex(secret, sizeof(secret), key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	st = store_prepare("INSERT INTO webhooks (id, url, events, "
	    "description, secret, enabled, created_at, updated_at) VALUES "
	    "(?, ?, ?, ?, ?, 1, ?, ?)");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, url, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, events, -1, SQLITE_STATIC);
	if (desc != NULL)
		sqlite3_bind_text(st, 4, desc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, secret, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, c->now);
	sqlite3_bind_int64(st, 7, c->now);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE || audit_append(c->now, "webhook.created",
	    "operator", id, json_pack("{s:s, s:s}", "id", id, "events",
	    events)) == -1 || store_commit() == -1) {
		if (store_in_unit())
			store_rollback();
		sodium_memzero(secret, sizeof(secret));
		wipe_free(events);
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "could not store "
		    "the webhook", 0);
		return;
	}
	/* The URL may hold a credential: the log names the id only. */
	log_info("webhook %s created", id);
	j = json_pack("{s:s, s:s, s:o, s:s?, s:b, s:I, s:I, s:s}", "id", id,
	    "url", url, "events", ev != NULL ? json_incref(ev) : json_array(),
	    "description", desc, "enabled", 1, "createdAt",
	    (json_int_t)c->now, "updatedAt", (json_int_t)c->now, "secret",
	    secret);
	sodium_memzero(secret, sizeof(secret));
	wipe_free(events);
	pd_reply_json(c->peerid, 201, j);
}

/* GET /v1/webhooks */
void
webhooks_list(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	json_t		*a = json_array();

	st = store_prepare("SELECT id, url, events, description, enabled, "
	    "created_at, updated_at FROM webhooks ORDER BY created_at, id");
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, hook_json(st));
	sqlite3_finalize(st);
	pd_reply_json(c->peerid, 200, json_pack("{s:o}", "data", a));
}

static int
hook_exists(const char *id)
{
	sqlite3_stmt	*st;
	int		 r;

	st = store_prepare("SELECT 1 FROM webhooks WHERE id = ?");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return r;
}

static void
exec_id(const char *sql, const char *id)
{
	sqlite3_stmt	*st;

	st = store_prepare(sql);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
}

/* DELETE /v1/webhooks/{id}: its deliveries and logs with it. */
void
webhooks_delete(struct pd_ctx *c)
{
	const char	*id = c->req->param;

	if (!pd_begin(c))
		return;
	if (!hook_exists(id)) {
		store_rollback();
		pd_fail(c->peerid, 404, "WEBHOOK_NOT_FOUND", "no webhook has "
		    "this id", 0);
		return;
	}
	exec_id("DELETE FROM webhook_deliveries WHERE webhook_id = ?", id);
	exec_id("DELETE FROM webhook_logs WHERE webhook_id = ?", id);
	exec_id("DELETE FROM webhooks WHERE id = ?", id);
	if (audit_append(c->now, "webhook.deleted", "operator", id,
	    json_pack("{s:s}", "id", id)) == -1 || store_commit() == -1) {
		if (store_in_unit())
			store_rollback();
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "could not delete "
		    "the webhook", 0);
		return;
	}
	log_info("webhook %s deleted", id);
	pd_reply(c->peerid, 204, NULL, "", 0);
}

/* GET /v1/webhooks/{id}/logs?status&event_type&limit, newest first. */
void
webhooks_logs(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	char		 status[16], type[NOTIFY_TYPE_MAX];
	const char	*s, *t;
	long long	 limit;
	json_t		*a;

	if (pd_query_int(c, "limit", &limit) == -1)
		return;
	s = pd_query_str(c->req->query, "status", status, sizeof(status));
	t = pd_query_str(c->req->query, "event_type", type, sizeof(type));
	if (!hook_exists(c->req->param)) {
		pd_fail(c->peerid, 404, "WEBHOOK_NOT_FOUND", "no webhook has "
		    "this id", 0);
		return;
	}
	st = store_prepare("SELECT id, webhook_id, event_type, status, "
	    "http_status, attempt, error, request_duration, created_at FROM "
	    "webhook_logs WHERE webhook_id = ?1 AND (?2 IS NULL OR status = "
	    "?2) AND (?3 IS NULL OR event_type = ?3) ORDER BY created_at "
	    "DESC, id DESC LIMIT ?4");
	sqlite3_bind_text(st, 1, c->req->param, -1, SQLITE_STATIC);
	if (s != NULL)
		sqlite3_bind_text(st, 2, s, -1, SQLITE_STATIC);
	if (t != NULL)
		sqlite3_bind_text(st, 3, t, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, limit);
	a = json_array();
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:o, s:i, s:o, s:o, s:I}", "id", sqlite3_column_text(st,
		    0), "webhookId", sqlite3_column_text(st, 1), "eventType",
		    sqlite3_column_text(st, 2), "status",
		    sqlite3_column_text(st, 3), "httpStatus",
		    sqlite3_column_type(st, 4) == SQLITE_NULL ? json_null() :
		    json_integer(sqlite3_column_int(st, 4)), "attempt",
		    sqlite3_column_int(st, 5), "error",
		    sqlite3_column_type(st, 6) == SQLITE_NULL ? json_null() :
		    json_string((const char *)sqlite3_column_text(st, 6)),
		    "requestDuration", sqlite3_column_type(st, 7) ==
		    SQLITE_NULL ? json_null() :
		    json_integer(sqlite3_column_int64(st, 7)), "createdAt",
		    (json_int_t)sqlite3_column_int64(st, 8)));
	sqlite3_finalize(st);
	pd_reply_json(c->peerid, 200, json_pack("{s:o}", "data", a));
}

/*
 * In outbox_add()'s transaction: a delivery of the event (outbox row
 * id) to each enabled webhook whose filter is empty or names its type.
 */
int
webhook_enqueue(long long now, long long outbox_id, const char *type)
{
	sqlite3_stmt	*st;
	int		 r;

	st = store_prepare("INSERT INTO webhook_deliveries (webhook_id, "
	    "outbox_id, next_attempt_at) SELECT w.id, ?1, ?2 FROM webhooks w "
	    "WHERE w.enabled = 1 AND (json_array_length(w.events) = 0 OR "
	    "EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value = "
	    "?3))");
	sqlite3_bind_int64(st, 1, outbox_id);
	sqlite3_bind_int64(st, 2, now * 1000);
	sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(pd.db) > 0)
		kick(0);
	return 0;
}

static int
send_one(sqlite3_stmt *st)
{
	struct relay_hook	 q;
	struct iovec		 iov[2];
	const char		*payload;
	size_t			 len;
	int			 r = 0;

	memset(&q, 0, sizeof(q));
	q.id = (uint64_t)sqlite3_column_int64(st, 0);
	q.attempt = (uint32_t)sqlite3_column_int(st, 1) + 1;
	q.created_at = sqlite3_column_int64(st, 2);
	strlcpy(q.event_id, (const char *)sqlite3_column_text(st, 3),
	    sizeof(q.event_id));
	strlcpy(q.type, (const char *)sqlite3_column_text(st, 4),
	    sizeof(q.type));
	payload = (const char *)sqlite3_column_text(st, 5);
	len = (size_t)sqlite3_column_bytes(st, 5);
	strlcpy(q.url, (const char *)sqlite3_column_text(st, 6),
	    sizeof(q.url));
	strlcpy(q.secret, (const char *)sqlite3_column_text(st, 7),
	    sizeof(q.secret));
	if (len > NOTIFY_PAYLOAD_MAX)
		len = 0;	/* relay refuses an empty payload: failed */
	q.len = (uint32_t)len;
	iov[0].iov_base = &q;
	iov[0].iov_len = sizeof(q);
	iov[1].iov_base = (void *)(uintptr_t)payload;
	iov[1].iov_len = len;
	if (imsgev_composev(&pd.relay, IMSG_RELAY_HOOK, 0, -1, iov, 2) ==
	    -1) {
		if (errno != ENOBUFS)
			fatal("IMSG_RELAY_HOOK");
		r = -1;
	} else {
		wh.inflight[wh.n] = q.id;
		wh.started[wh.n++] = now_ms();
	}
	sodium_memzero(&q, sizeof(q));
	return r;
}

static void
pump(evutil_socket_t fd, short ev, void *arg)
{
	sqlite3_stmt	*st;
	long long	 now;
	int		 i, got;

	(void)fd;
	(void)ev;
	(void)arg;
	if (store_in_unit()) {
		kick(100);
		return;
	}
	now = now_ms();
	while (wh.n < HOOK_WINDOW) {
		st = store_prepare("SELECT d.id, d.attempts, o.created_at, "
		    "o.event_id, o.type, o.payload, w.url, w.secret FROM "
		    "webhook_deliveries d JOIN outbox o ON o.id = d.outbox_id "
		    "JOIN webhooks w ON w.id = d.webhook_id WHERE "
		    "d.next_attempt_at <= ?1 AND d.id NOT IN (?2, ?3, ?4, ?5, "
		    "?6, ?7, ?8, ?9) ORDER BY d.next_attempt_at, d.id LIMIT 1");
		sqlite3_bind_int64(st, 1, now);
		for (i = 0; i < HOOK_WINDOW; i++)
			sqlite3_bind_int64(st, 2 + i, i < wh.n ?
			    (sqlite3_int64)wh.inflight[i] : -1);
		got = sqlite3_step(st) == SQLITE_ROW;
		if (got && send_one(st) == -1) {
			sqlite3_finalize(st);
			kick(1000);
			return;
		}
		sqlite3_finalize(st);
		if (!got)
			break;
	}
	if (wh.n >= HOOK_WINDOW)
		return;		/* an answer kicks */
	st = store_prepare("SELECT min(next_attempt_at) FROM "
	    "webhook_deliveries WHERE next_attempt_at > ?");
	sqlite3_bind_int64(st, 1, now);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		kick(sqlite3_column_int64(st, 0) - now + 1);
	sqlite3_finalize(st);
}

/* relay's answer about one webhook delivery: a log row, then more. */
void
webhook_result(const struct relay_result *r)
{
	sqlite3_stmt	*st;
	char		 id[UUID_STR_LEN], hook[UUID_STR_LEN];
	char		 type[NOTIFY_TYPE_MAX];
	long long	 dur, now = now_ms(), wait;
	int		 i, attempt, again;

	for (i = 0; i < wh.n; i++)
		if (wh.inflight[i] == r->id)
			break;
	if (i == wh.n)
		fatalx("IMSG_RELAY_RESULT for a webhook delivery not asked");
	dur = now - wh.started[i];
	wh.n--;
	wh.inflight[i] = wh.inflight[wh.n];
	wh.started[i] = wh.started[wh.n];
	kick(0);
	st = store_prepare("SELECT d.webhook_id, d.attempts, o.type FROM "
	    "webhook_deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE "
	    "d.id = ?");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return;		/* its webhook was deleted meanwhile */
	}
	strlcpy(hook, (const char *)sqlite3_column_text(st, 0),
	    sizeof(hook));
	attempt = sqlite3_column_int(st, 1) + 1;
	strlcpy(type, (const char *)sqlite3_column_text(st, 2),
	    sizeof(type));
	sqlite3_finalize(st);
	if (store_begin() == -1)
		fatalx("webhooks: cannot begin");
	uuidv7(id);
	st = store_prepare("INSERT INTO webhook_logs (id, webhook_id, "
	    "event_type, status, http_status, attempt, error, "
	    "request_duration, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
	    "?)");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hook, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->status == RELAY_OK ? "success" :
	    "failed", -1, SQLITE_STATIC);
	if (r->http_status > 0)
		sqlite3_bind_int(st, 5, r->http_status);
	sqlite3_bind_int(st, 6, attempt);
	if (r->status != RELAY_OK)
		sqlite3_bind_text(st, 7, r->error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, dur);
	sqlite3_bind_int64(st, 9, now / 1000);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	/* Bounded: the newest HOOK_LOGS_MAX of this webhook stay. */
	st = store_prepare("DELETE FROM webhook_logs WHERE webhook_id = ?1 "
	    "AND id NOT IN (SELECT id FROM webhook_logs WHERE webhook_id = ?1 "
	    "ORDER BY created_at DESC, id DESC LIMIT ?2)");
	sqlite3_bind_text(st, 1, hook, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, HOOK_LOGS_MAX);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	again = r->status == RELAY_RETRY && attempt < HOOK_ATTEMPTS;
	if (again) {
		wait = (long long)HOOK_BACKOFF_MS << (attempt - 1);
		if ((long long)r->retry_after * 1000 > wait)
			wait = (long long)r->retry_after * 1000;
		st = store_prepare("UPDATE webhook_deliveries SET attempts = "
		    "attempts + 1, next_attempt_at = ? WHERE id = ?");
		sqlite3_bind_int64(st, 1, now + wait);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)r->id);
	} else {
		st = store_prepare("DELETE FROM webhook_deliveries WHERE id = "
		    "?");
		sqlite3_bind_int64(st, 1, (sqlite3_int64)r->id);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	if (store_commit() == -1)
		fatalx("webhooks: cannot commit");
	if (r->status == RELAY_OK)
		log_info("webhook %s: %s delivered (attempt %d)", hook, type,
		    attempt);
	else
		log_warnx("webhook %s: %s attempt %d: %s%s", hook, type,
		    attempt, r->error, again ? "; tried again" : "; given up");
}

void
webhooks_init(void)
{
	wh.allow_private = (proc_notify()->flags & NOTIFYF_HOOK_PRIVATE) !=
	    0;
	if ((wh.timer = evtimer_new(pd.base, pump, NULL)) == NULL)
		fatalx("evtimer_new");
	kick(0);
}
