/*
 * The audit trail: every security event, appended in the same SQLite
 * transaction as the change it records, each entry carrying the hash of
 * the one before, so an edited or deleted row breaks the chain at a
 * place the verifier names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <sodium.h>

#include "log.h"
#include "policyd.h"
#include "util.h"
#include "wipe.h"

#define GENESIS	"00000000000000000000000000000000" \
		"00000000000000000000000000000000"

/* sha256 over the fields, length-prefixed so no two rows collide. */
static void
entry_hash(const char *prev, long long ts, const char *event,
    const char *actor, const char *target, const char *details,
    char out[65])
{
	crypto_hash_sha256_state	st;
	uint8_t				h[32];
	const char			*f[5];
	char				num[32];
	uint32_t			len;
	size_t				i;

	snprintf(num, sizeof(num), "%lld", ts);
	f[0] = num;
	f[1] = event;
	f[2] = actor;
	f[3] = target != NULL ? target : "";
	f[4] = details;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)prev, 64);
	for (i = 0; i < 5; i++) {
		len = (uint32_t)strlen(f[i]);
		crypto_hash_sha256_update(&st, (const uint8_t *)&len,
		    sizeof(len));
		crypto_hash_sha256_update(&st, (const uint8_t *)f[i], len);
	}
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/*
 * Audit entries the owner hears of: the notification each becomes,
 * queued in the outbox in the entry's own transaction, so an event is
 * sent if and only if the change it tells of was committed.  (The tiers
 * queue TX_NOTIFY, TX_DELAYED and TX_APPROVAL_REQUIRED themselves, with
 * what the owner must see; auth failures become AUTH_FAILURES in bursts,
 * below.)
 */
static const struct {
	const char	*audit;
	const char	*event;
} notify_map[] = {
	{ "TX_CONFIRMED",		"TX_CONFIRMED" },
	{ "TX_FAILED",			"TX_FAILED" },
	{ "TX_CANCELLED",		"TX_CANCELLED" },
	{ "TX_EXPIRED",			"TX_EXPIRED" },
	{ "KILL_SWITCH_ACTIVATED",	"KILL_SWITCH_ACTIVATED" },
	{ "KILL_SWITCH_RECOVERED",	"KILL_SWITCH_RECOVERED" },
	{ "KILL_SWITCH_RECOVERY_HELD",	"KILL_SWITCH_RECOVERY_HELD" },
	{ "session.created",		"SESSION_CREATED" },
	{ "session.revoked",		"SESSION_REVOKED" },
	{ "session.renewed",		"SESSION_RENEWED" },
	{ "wallet.owner_set",		"OWNER_SET" },
	{ "wallet.owner_verified",	"OWNER_VERIFIED" },
	{ "auth.master_locked",		"MASTER_PASSWORD_LOCKED" },
};

static const char *
notify_event(const char *audit)
{
	size_t	i;

	for (i = 0; i < sizeof(notify_map) / sizeof(notify_map[0]); i++)
		if (strcmp(notify_map[i].audit, audit) == 0)
			return notify_map[i].event;
	return NULL;
}

/*
 * The event's payload: the entry's details, who and what, and for a
 * transaction what it was (the details of its end carry only why).
 * *skip is set for a transaction of the INSTANT tier: the owner's
 * policy said not to be told of those (that is what sets INSTANT apart
 * from NOTIFY), so neither its confirmation nor its end is sent.
 */
static json_t *
notify_payload(const char *event, const char *actor, const char *target,
    const json_t *details, int *skip)
{
	static const char *const cols[] = { "walletId", "network", "type",
	    "to", "amount", "token", "tier", "txHash" };
	static const char	 q_tx[] = "SELECT wallet_id, network, type, "
	    "to_address, amount, token, tier, tx_hash FROM transactions "
	    "WHERE id = ?";
	sqlite3_stmt	*st;
	json_t		*ev, *v;
	const char	*t;
	int		 i;

	if ((ev = json_deep_copy(details)) == NULL)
		return NULL;
	json_object_set_new(ev, "actor", json_string(actor));
	if (target == NULL)
		return ev;
	json_object_set_new(ev, "target", json_string(target));
	if (strncmp(event, "TX_", 3) != 0)
		return ev;
	st = store_cached(q_tx);
	sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		json_object_set_new(ev, "txId", json_string(target));
		for (i = 0; i < (int)(sizeof(cols) / sizeof(cols[0])); i++) {
			t = (const char *)sqlite3_column_text(st, i);
			/* token is stored as JSON; the rest as text */
			v = t == NULL ? json_null() : strcmp(cols[i],
			    "token") == 0 ? json_loads(t, 0, NULL) :
			    json_string(t);
			json_object_set_new(ev, cols[i], v != NULL ? v :
			    json_null());
		}
		t = (const char *)sqlite3_column_text(st, 6);
		*skip = t != NULL && strcmp(t, "INSTANT") == 0;
	}
	store_release(st);
	return ev;
}

/*
 * Append one entry (inside the caller's transaction).  details is
 * consumed.  Returns -1 on failure: the caller's change must fail too.
 */
int
audit_append(long long ts, const char *event, const char *actor,
    const char *target, json_t *details)
{
	static const char	 q_last[] = "SELECT hash FROM audit_log ORDER "
	    "BY id DESC LIMIT 1";
	static const char	 q_insert[] = "INSERT INTO audit_log (ts, "
	    "event, actor, target, details, prev_hash, hash) VALUES (?, ?, "
	    "?, ?, ?, ?, ?)";
	sqlite3_stmt	*st;
	json_t		*ev = NULL;
	const char	*notify;
	char		 prev[65] = GENESIS, hash[65], *d;
	int		 r = -1, skip = 0;

	if (details == NULL)
		details = json_object();
	d = json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS);
	if ((notify = notify_event(event)) != NULL &&
	    (ev = notify_payload(event, actor, target, details, &skip)) ==
	    NULL) {
		json_decref(details);
		wipe_free(d);
		return -1;
	}
	json_decref(details);
	if (d == NULL) {
		json_decref(ev);
		return -1;
	}
	st = store_cached(q_last);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == 64)
		memcpy(prev, sqlite3_column_text(st, 0), 64);
	store_release(st);
	entry_hash(prev, ts, event, actor, target, d, hash);
	st = store_cached(q_insert);
	sqlite3_bind_int64(st, 1, ts);
	sqlite3_bind_text(st, 2, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	if (target != NULL)
		sqlite3_bind_text(st, 4, target, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, d, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, prev, 64, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, hash, 64, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		r = 0;
	store_release(st);
	if (r == 0 && ev != NULL && !skip) {
		r = outbox_add(ts, notify, ev);
		ev = NULL;
	}
	json_decref(ev);
	if (r == -1)
		log_warnx("audit append %s: %s", event,
		    sqlite3_errmsg(pd.db));
	wipe_free(d);
	return r;
}

/*
 * Auth failures.  Each is audited, up to AUTH_AUDIT_MAX of a kind in
 * AUTH_AUDIT_WINDOW seconds; past that a spray of bad credentials would
 * be a database write (and fsync) per request, so the rest of the
 * window is counted and written as one auth.failures_suppressed entry
 * when it ends.  The owner hears of bursts: AUTH_FAILURES when BURST_N
 * failures of a kind fall within BURST_WINDOW seconds, then none of
 * that kind for BURST_QUIET seconds (no flooding the owner's phone).
 */
#define AUTH_AUDIT_MAX		20
#define AUTH_AUDIT_WINDOW	10
#define BURST_N			5
#define BURST_WINDOW		60
#define BURST_QUIET		600
#define BURST_KINDS		4

static struct burst {
	char		kind[32];
	long long	t[BURST_N];	/* the last BURST_N, a ring */
	unsigned	n;
	long long	told;
	long long	win;		/* this audit window's start */
	unsigned	inwin;		/* failures in it */
	unsigned	suppressed;	/* of those, not written */
	long long	sup_from, sup_to;
} bursts[BURST_KINDS];
static struct event	*flush_ev;

static struct burst *
auth_kind(const char *event)
{
	size_t	i, len = strlen(event);

	if (strncmp(event, "auth.", 5) != 0 || len < 7 ||
	    strcmp(event + len - 7, "_failed") != 0 ||
	    len >= sizeof(bursts[0].kind))
		return NULL;
	for (i = 0; i < BURST_KINDS; i++) {
		if (bursts[i].kind[0] == '\0')
			strlcpy(bursts[i].kind, event, sizeof(bursts[i].kind));
		if (strcmp(bursts[i].kind, event) == 0)
			return &bursts[i];
	}
	return NULL;
}

/* Is it time to tell the owner?  (Counts the failure.) */
static int
burst_due(struct burst *b, long long ts)
{
	long long	oldest;

	b->t[b->n++ % BURST_N] = ts;
	oldest = b->t[b->n % BURST_N];
	if (b->n < BURST_N || ts - oldest > BURST_WINDOW ||
	    (b->told != 0 && ts - b->told < BURST_QUIET))
		return 0;
	b->told = ts;
	return 1;
}

/* Write what a window suppressed, if anything (its own commit). */
static void
flush_suppressed(struct burst *b)
{
	if (b->suppressed == 0)
		return;
	if (store_begin() == -1) {
		log_warnx("audit auth.failures_suppressed: cannot begin");
		return;
	}
	if (audit_append(b->sup_to, "auth.failures_suppressed", "policyd",
	    NULL, json_pack("{s:s, s:i, s:I, s:I}", "kind", b->kind + 5,
	    "count", (int)b->suppressed, "from", (json_int_t)b->sup_from,
	    "to", (json_int_t)b->sup_to)) == -1 || store_commit() == -1) {
		store_rollback();
		return;
	}
	b->suppressed = 0;
}

static void
flush_due(evutil_socket_t fd, short ev, void *arg)
{
	struct timeval	tv = { AUTH_AUDIT_WINDOW, 0 };
	long long	now = (long long)time(NULL);
	size_t		i;
	int		more = 0;

	(void)fd;
	(void)ev;
	(void)arg;
	for (i = 0; i < BURST_KINDS; i++) {
		if (bursts[i].suppressed == 0)
			continue;
		if (now - bursts[i].win >= AUTH_AUDIT_WINDOW)
			flush_suppressed(&bursts[i]);
		else
			more = 1;
	}
	if (more)
		evtimer_add(flush_ev, &tv);
}

/* An event with no change attached (an auth failure): its own commit. */
void
audit_event(long long ts, const char *event, const char *actor,
    const char *target, json_t *details)
{
	audit_event_with(ts, event, actor, target, details, NULL);
}

/*
 * The same, and with() (if not NULL) writes state of the caller's in the
 * same commit; that commit is made even when the entry itself is
 * suppressed, so the caller's state is never lost to the batching.
 */
void
audit_event_with(long long ts, const char *event, const char *actor,
    const char *target, json_t *details, int (*with)(void))
{
	struct timeval	 tv = { AUTH_AUDIT_WINDOW, 0 };
	struct burst	*b;
	int		 due = 0, suppressed = 0;

	if ((b = auth_kind(event)) != NULL) {
		due = burst_due(b, ts);
		if (ts - b->win >= AUTH_AUDIT_WINDOW) {
			flush_suppressed(b);
			b->win = ts;
			b->inwin = 0;
		}
		if (++b->inwin > AUTH_AUDIT_MAX && !due) {
			if (b->suppressed++ == 0)
				b->sup_from = ts;
			b->sup_to = ts;
			json_decref(details);
			if (flush_ev == NULL && (flush_ev = evtimer_new(pd.base,
			    flush_due, NULL)) == NULL)
				fatalx("evtimer_new");
			if (!evtimer_pending(flush_ev, NULL))
				evtimer_add(flush_ev, &tv);
			if (with == NULL)
				return;
			details = NULL;
			suppressed = 1;
		}
	}
	if (store_begin() == -1) {
		json_decref(details);
		log_warnx("audit %s: cannot begin", event);
		return;
	}
	if (!suppressed && (audit_append(ts, event, actor, target,
	    details) == -1 || (due && outbox_add(ts, "AUTH_FAILURES",
	    json_pack("{s:s, s:i, s:i}", "kind", event + 5, "count", BURST_N,
	    "windowSeconds", BURST_WINDOW)) == -1)))
		goto fail;
	if ((with != NULL && with() == -1) || store_commit() == -1)
		goto fail;
	return;
fail:
	log_warnx("audit %s: not recorded", event);
	store_rollback();
}

/*
 * The reference's name for each kind of entry (its eventType is a closed
 * list) and how grave it is.  Several of ours have no exact counterpart
 * there (a cancellation, a policy change, a rename): they take the
 * nearest kind, and "event" keeps our own, exact name.
 */
static const struct {
	const char	*event;
	const char	*type;
	const char	*severity;
} audit_kinds[] = {
	{ "wallet.created",		"WALLET_CREATED",	"info" },
	{ "wallet.imported",		"WALLET_CREATED",	"info" },
	{ "wallet.renamed",		"PROVIDER_UPDATED",	"info" },
	{ "wallet.terminated",		"WALLET_PURGED",	"warning" },
	{ "wallet.owner_set",		"OWNER_REGISTERED",	"info" },
	{ "wallet.owner_verified",	"OWNER_REGISTERED",	"info" },
	{ "policy.created",		"PROVIDER_UPDATED",	"info" },
	{ "policy.updated",		"PROVIDER_UPDATED",	"info" },
	{ "policy.deleted",		"PROVIDER_UPDATED",	"warning" },
	{ "session.created",		"SESSION_CREATED",	"info" },
	{ "session.renewed",		"SESSION_CREATED",	"info" },
	{ "session.revoked",		"SESSION_REVOKED",	"info" },
	{ "TX_REQUESTED",		"TX_SUBMITTED",		"info" },
	{ "TX_NONCE_FILLER",		"TX_SUBMITTED",		"warning" },
	{ "TX_CONFIRMED",		"TX_CONFIRMED",		"info" },
	{ "TX_FAILED",			"TX_FAILED",		"warning" },
	{ "TX_EXPIRED",			"TX_FAILED",		"warning" },
	{ "TX_CANCELLED",		"TX_FAILED",		"info" },
	{ "TX_MESSAGE_SIGNED",		"ACTION_SIGNED",	"info" },
	{ "TX_SIGNED",			"ACTION_SIGNED",	"info" },
	{ "KILL_SWITCH_ACTIVATED",	"KILL_SWITCH_ACTIVATED", "critical" },
	{ "KILL_SWITCH_RECOVERED",	"KILL_SWITCH_RECOVERED", "warning" },
	{ "KILL_SWITCH_RECOVERY_HELD",	"KILL_SWITCH_ESCALATED", "critical" },
	{ "auth.master_failed",		"MASTER_AUTH_FAILED",	"warning" },
	{ "auth.master_locked",		"MASTER_AUTH_FAILED",	"critical" },
	{ "auth.failures_suppressed",	"MASTER_AUTH_FAILED",	"warning" },
	{ "auth.owner_failed",		"POLICY_DENIED",	"warning" },
	{ "auth.session_failed",	"POLICY_DENIED",	"warning" },
};

static void
audit_kind(const char *event, const char **type, const char **severity)
{
	size_t	i;

	for (i = 0; i < sizeof(audit_kinds) / sizeof(audit_kinds[0]); i++)
		if (strcmp(audit_kinds[i].event, event) == 0) {
			*type = audit_kinds[i].type;
			*severity = audit_kinds[i].severity;
			return;
		}
	*type = strncmp(event, "TX_", 3) == 0 ? "TX_SUBMITTED" :
	    "PROVIDER_UPDATED";
	*severity = "info";
}

/* A column as a JSON string, or null. */
static json_t *
audit_col(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return json_null();
	return json_string((const char *)sqlite3_column_text(st, i));
}

/*
 * GET /v1/audit-logs?limit&offset&cursor: newest first.  cursor is the
 * nextCursor of the page before (entries older than that id); offset
 * counts from there.  The wallet, session and transaction of an entry
 * come from what it names: its target, the transaction's row, the
 * acting session.
 */
void
audit_list(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	json_t		*data, *e;
	long long	 limit, offset, cursor, total = 0, last = 0, n = 0;
	const char	*ev, *type, *sev, *actor;
	int		 more = 0;

	if (pd_query_int(c, "limit", &limit) == -1 ||
	    pd_query_int(c, "offset", &offset) == -1 ||
	    pd_query_int(c, "cursor", &cursor) == -1)
		return;
	if (sqlite3_prepare_v2(pd.db, "SELECT count(*) FROM audit_log", -1,
	    &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	data = json_array();
	/* One row more than the page: whether there is a next one. */
	if (sqlite3_prepare_v2(pd.db, "SELECT a.id, a.ts, a.event, a.actor, "
	    "a.target, a.details, a.hash, "
	    "CASE WHEN a.event LIKE 'wallet.%' THEN a.target "
	    "WHEN a.event = 'KILL_SWITCH_RECOVERED' THEN a.target "
	    "ELSE t.wallet_id END, "
	    "CASE WHEN a.event LIKE 'session.%' THEN a.target "
	    "WHEN a.actor LIKE 'session:%' THEN substr(a.actor, 9) "
	    "ELSE t.session_id END, "
	    "t.id "
	    "FROM audit_log a LEFT JOIN transactions t "
	    "ON a.event LIKE 'TX!_%' ESCAPE '!' AND t.id = a.target "
	    "WHERE ?3 = 0 OR a.id < ?3 "
	    "ORDER BY a.id DESC LIMIT ?1 OFFSET ?2", -1, &st, NULL) !=
	    SQLITE_OK)
		fatalx("audit list: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_int64(st, 1, limit + 1);
	sqlite3_bind_int64(st, 2, offset);
	sqlite3_bind_int64(st, 3, cursor);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n++ == limit) {
			more = 1;
			break;
		}
		ev = (const char *)sqlite3_column_text(st, 2);
		actor = (const char *)sqlite3_column_text(st, 3);
		audit_kind(ev, &type, &sev);
		last = sqlite3_column_int64(st, 0);
		e = json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:o, s:s, s:o, "
		    "s:o, s:o, s:s, s:n}",
		    "id", (json_int_t)last,
		    "timestamp", (json_int_t)sqlite3_column_int64(st, 1),
		    "event", ev,
		    "eventType", type,
		    "actor", actor,
		    "target", audit_col(st, 4),
		    "details", json_loads((const char *)
		    sqlite3_column_text(st, 5), 0, NULL) ?: json_object(),
		    "hash", sqlite3_column_text(st, 6),
		    "walletId", audit_col(st, 7),
		    "sessionId", audit_col(st, 8),
		    "txId", audit_col(st, 9),
		    "severity", sev,
		    /* The api does not tell policyd who called. */
		    "ipAddress");
		if (e != NULL)
			json_array_append_new(data, e);
	}
	sqlite3_finalize(st);
	pd_reply_json(c->peerid, 200, json_pack("{s:o, s:o, s:b, s:I, s:I, "
	    "s:I}", "data", data, "nextCursor", more ? json_integer(last) :
	    json_null(), "hasMore", more, "total", (json_int_t)total,
	    "limit", (json_int_t)limit, "offset", (json_int_t)offset));
}

/* Walk the chain from the start; report the first entry that breaks. */
void
audit_verify(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	char		 prev[65] = GENESIS, hash[65];
	long long	 n = 0, bad = 0;
	const char	*why = NULL, *h, *ph;

	if (sqlite3_prepare_v2(pd.db, "SELECT id, ts, event, actor, target, "
	    "details, prev_hash, hash FROM audit_log ORDER BY id", -1, &st,
	    NULL) != SQLITE_OK)
		fatalx("audit verify: %s", sqlite3_errmsg(pd.db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		n++;
		ph = (const char *)sqlite3_column_text(st, 6);
		h = (const char *)sqlite3_column_text(st, 7);
		entry_hash(prev, sqlite3_column_int64(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3),
		    (const char *)sqlite3_column_text(st, 4),
		    (const char *)sqlite3_column_text(st, 5), hash);
		if (ph == NULL || strcmp(ph, prev) != 0)
			why = "its previous hash is not the hash of the entry "
			    "before it (an entry was removed or reordered)";
		else if (h == NULL || strcmp(h, hash) != 0)
			why = "its content does not match its hash (it was "
			    "edited)";
		if (why != NULL) {
			bad = sqlite3_column_int64(st, 0);
			break;
		}
		memcpy(prev, h, 64);
	}
	sqlite3_finalize(st);
	if (why != NULL)
		pd_reply_json(c->peerid, 200, json_pack("{s:b, s:I, s:I, s:s}",
		    "valid", 0, "entries", (json_int_t)n, "firstBrokenId",
		    (json_int_t)bad, "reason", why));
	else
		pd_reply_json(c->peerid, 200, json_pack("{s:b, s:I}",
		    "valid", 1, "entries", (json_int_t)n));
}
