/*
 * Transactions that wait: DELAY runs after its delay unless the agent or
 * the operator cancels it; APPROVAL runs once the wallet's owner signs
 * its intent, is rejected by the owner, or expires.  The database is the
 * queue (status QUEUED, execute_after, expires_at): one timer is armed
 * for the earliest deadline, so a restart resumes everything by arming
 * it again.  A transaction that leaves the queue to run goes through
 * the checks of a fresh request first: kill switch, wallet, session.
 *
 * The notification outbox is in policyd_notify.c.
 */
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"
#include "policyd.h"
#include "routes.h"
#include "util.h"
#include "wipe.h"

static struct event	*timer;

/*
 * May a waiting transaction run now?  NULL, or the error code with why.
 * The same checks as a new request: no kill switch, an active wallet, a
 * session that is neither revoked nor expired.
 */
static const char *
reentry(const char *id, long long now, char *why, size_t len)
{
	sqlite3_stmt	*st;
	const char	*code = NULL;

	if (pd.killed) {
		strlcpy(why, "the kill switch is active", len);
		return "KILL_SWITCH_ACTIVE";
	}
	st = store_prepare("SELECT w.status, s.revoked_at IS NOT NULL, "
	    "s.expires_at <= ?2 OR s.absolute_expires_at <= ?2, s.id IS NULL "
	    "FROM transactions t JOIN wallets w ON w.id = t.wallet_id LEFT "
	    "JOIN sessions s ON s.id = t.session_id WHERE t.id = ?1");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	if (sqlite3_step(st) != SQLITE_ROW)
		fatalx("transaction %s vanished", id);
	if (strcmp((const char *)sqlite3_column_text(st, 0), "SUSPENDED") ==
	    0) {
		/* See wallets_suspend(): cancelled, never held for later. */
		strlcpy(why, "the wallet was suspended when the transaction "
		    "was to run", len);
		code = "WALLET_SUSPENDED";
	} else if (strcmp((const char *)sqlite3_column_text(st, 0),
	    "ACTIVE") != 0) {
		strlcpy(why, "the wallet is no longer active", len);
		code = "WALLET_TERMINATED";
	} else if (sqlite3_column_int(st, 3)) {
		strlcpy(why, "the session that asked for it is gone", len);
		code = "SESSION_NOT_FOUND";
	} else if (sqlite3_column_int(st, 1)) {
		strlcpy(why, "the session that asked for it was revoked", len);
		code = "SESSION_REVOKED";
	} else if (sqlite3_column_int(st, 2)) {
		strlcpy(why, "the session that asked for it has expired", len);
		code = "TOKEN_EXPIRED";
	}
	sqlite3_finalize(st);
	return code;
}

/*
 * End a waiting transaction: CANCELLED or EXPIRED, why, audited, the
 * owner told.  Inside the caller's transaction; 0 or -1.
 */
static int
unqueue(const char *id, long long now, const char *status, const char *code,
    const char *why, const char *actor)
{
	sqlite3_stmt	*st;
	int		 n;

	st = store_prepare("UPDATE transactions SET status = ?, error = ?, "
	    "error_code = ?, updated_at = ? WHERE id = ? AND status = "
	    "'QUEUED'");
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, why, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_text(st, 5, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	if ((n = sqlite3_changes(pd.db)) != 1)
		return -1;
	log_info("transaction %s %s: %s", id, status, why);
	/* The audit entry queues the owner's TX_CANCELLED / TX_EXPIRED. */
	return audit_append(now, strcmp(status, "EXPIRED") == 0 ?
	    "TX_EXPIRED" : "TX_CANCELLED", actor, id, json_pack("{s:s, s:s}",
	    "code", code, "error", why));
}

/*
 * Stop every transaction of a wallet (NULL: of every wallet) that is not
 * signed yet: waiting (QUEUED), or on its way to the signer (PENDING,
 * EXECUTING; the pipeline finds it ended when the api or the signer
 * answers, and drops it, tx_watch.c).  One signed or broadcast cannot
 * be called back and is left alone.  CANCELLED with code and why,
 * each audited (the owner told), inside the caller's transaction; the
 * number stopped in *n.  With queued 0, the waiting ones are left
 * waiting (a suspension).  0 or -1.
 */
int
queue_stop(const char *wallet, int queued, long long now, const char *code,
    const char *why, const char *actor, long long *n)
{
	sqlite3_stmt	*st;
	char		 ids[64][UUID_STR_LEN];
	int		 i, k;

	*n = 0;
	do {
		/* A batch at a time: the statement is done before any write. */
		st = store_prepare("SELECT id FROM transactions WHERE status "
		    "IN ('QUEUED', 'PENDING', 'EXECUTING') AND raw IS NULL AND "
		    "(?1 IS NULL OR wallet_id = ?1) AND (?2 OR status != "
		    "'QUEUED') LIMIT 64");
		if (wallet != NULL)
			sqlite3_bind_text(st, 1, wallet, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, queued);
		for (k = 0; k < 64 && sqlite3_step(st) == SQLITE_ROW; k++)
			strlcpy(ids[k], (const char *)sqlite3_column_text(st,
			    0), sizeof(ids[k]));
		sqlite3_finalize(st);
		for (i = 0; i < k; i++) {
			st = store_prepare("UPDATE transactions SET status = "
			    "'CANCELLED', error = ?, error_code = ?, "
			    "updated_at = ? WHERE id = ? AND status IN "
			    "('QUEUED', 'PENDING', 'EXECUTING') AND raw IS "
			    "NULL");
			sqlite3_bind_text(st, 1, why, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, now);
			sqlite3_bind_text(st, 4, ids[i], -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE ||
			    sqlite3_changes(pd.db) != 1) {
				sqlite3_finalize(st);
				return -1;
			}
			sqlite3_finalize(st);
			if (audit_append(now, "TX_CANCELLED", actor, ids[i],
			    json_pack("{s:s, s:s}", "code", code, "error",
			    why)) == -1)
				return -1;
			(*n)++;
		}
	} while (k == 64);
	return 0;
}

/* QUEUED -> PENDING, audited, inside the caller's transaction. */
static int
release(const char *id, long long now, const char *event, const char *actor)
{
	sqlite3_stmt	*st;

	st = store_prepare("UPDATE transactions SET status = 'PENDING', "
	    "decided_by = ?, updated_at = ? WHERE id = ? AND status = "
	    "'QUEUED'");
	sqlite3_bind_text(st, 1, actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	if (sqlite3_changes(pd.db) != 1)
		return -1;
	return audit_append(now, event, actor, id, json_object());
}

/* "APPROVAL_TIMEOUT" if its approval window has closed, else NULL. */
static const char *
expired(const char *id, long long now)
{
	sqlite3_stmt	*st;
	int		 over = 0;

	st = store_prepare("SELECT expires_at <= ? FROM transactions WHERE "
	    "id = ?");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		over = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return over ? "APPROVAL_TIMEOUT" : NULL;
}

/* "owner:<address>" from the ownerAuth credential. */
static void
owner_actor(const struct pd_ctx *c, char *out, size_t len)
{
	const char	*v = c->req->cred.value;
	size_t		 n;

	for (n = 0; n < c->req->cred.len && n < 64 && v[n] != '\n'; n++)
		;
	snprintf(out, len, "owner:%.*s", (int)n, v);
}

/* Run or end one transaction whose deadline has come. */
static void
due(const char *id, int delay, long long now)
{
	const char	*code;
	char		 why[128];
	int		 run = 0;

	if (store_begin() == -1)
		fatalx("database busy");
	if (!delay) {
		if (unqueue(id, now, "EXPIRED", "APPROVAL_TIMEOUT", "the owner "
		    "did not approve it in time", "system") == -1)
			fatalx("cannot record an expiry");
	} else if ((code = reentry(id, now, why, sizeof(why))) != NULL) {
		if (unqueue(id, now, "CANCELLED", code, why, "system") == -1)
			fatalx("cannot record a cancellation");
	} else {
		if (release(id, now, "TX_DELAY_ELAPSED", "system") == -1)
			fatalx("cannot release a delayed transaction");
		run = 1;
	}
	if (store_commit() == -1)
		fatalx("database: cannot record the end of a wait");
	if (run)
		tx_execute(id);
}

static void
fire(int fd, short ev, void *arg)
{
	sqlite3_stmt	*st;
	long long	 now = (long long)time(NULL);
	char		 ids[64][UUID_STR_LEN];
	int		 delay[64], n = 0, i;

	(void)fd;
	(void)ev;
	(void)arg;
	/* A batch at a time: the statement is done before any write. */
	st = store_prepare("SELECT id, tier = 'DELAY' FROM transactions "
	    "WHERE status = 'QUEUED' AND ((tier = 'DELAY' AND execute_after "
	    "<= ?1) OR (tier = 'APPROVAL' AND expires_at <= ?1)) ORDER BY "
	    "created_at LIMIT 64");
	sqlite3_bind_int64(st, 1, now);
	while (n < 64 && sqlite3_step(st) == SQLITE_ROW) {
		strlcpy(ids[n], (const char *)sqlite3_column_text(st, 0),
		    sizeof(ids[n]));
		delay[n++] = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	for (i = 0; i < n; i++)
		due(ids[i], delay[i], now);
	queue_arm();
}

/* Arm the timer for the earliest deadline of the queue, if any. */
void
queue_arm(void)
{
	sqlite3_stmt	*st;
	struct timeval	 tv;
	long long	 next = -1, now = (long long)time(NULL);

	if (timer == NULL && (timer = evtimer_new(pd.base, fire, NULL)) ==
	    NULL)
		fatalx("evtimer_new");
	st = store_prepare("SELECT min(CASE tier WHEN 'DELAY' THEN "
	    "execute_after ELSE expires_at END) FROM transactions WHERE "
	    "status = 'QUEUED'");
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) !=
	    SQLITE_NULL)
		next = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	evtimer_del(timer);
	if (next < 0)
		return;
	memset(&tv, 0, sizeof(tv));
	tv.tv_sec = next > now ? next - now : 0;
	/* Whole seconds: a deadline is never run a moment early. */
	tv.tv_usec = next > now ? 1000 : 0;
	evtimer_add(timer, &tv);
}

/* The queued transaction a route names: 1, or 0 after answering. */
static int
queued_row(struct pd_ctx *c, char *tier, size_t len)
{
	sqlite3_stmt	*st;
	char		 wallet[KS_ID_LEN + 1], status[16];
	int		 found = 0;

	st = store_prepare("SELECT wallet_id, status, tier FROM transactions "
	    "WHERE id = ?");
	sqlite3_bind_text(st, 1, c->req->param, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		found = 1;
		strlcpy(wallet, (const char *)sqlite3_column_text(st, 0),
		    sizeof(wallet));
		strlcpy(status, (const char *)sqlite3_column_text(st, 1),
		    sizeof(status));
		strlcpy(tier, sqlite3_column_type(st, 2) == SQLITE_NULL ? "" :
		    (const char *)sqlite3_column_text(st, 2), len);
	}
	sqlite3_finalize(st);
	if (!found || (c->auth == CRED_SESSION && !pd_can_see(c, wallet))) {
		pd_fail(c->peerid, 404, "TX_NOT_FOUND", "no such transaction",
		    0);
		return 0;
	}
	if (strcmp(status, "QUEUED") != 0) {
		pd_fail(c->peerid, 409, "TX_ALREADY_PROCESSED", "the "
		    "transaction is not waiting (it is running or over)", 0);
		return 0;
	}
	return 1;
}

static void
answer(struct pd_ctx *c, const char *status)
{
	pd_reply_json(c->peerid, 200, json_pack("{s:s, s:s}", "id",
	    c->req->param, "status", status));
}

/*
 * POST /v1/transactions/{id}/cancel: the agent (its own wallets) or the
 * operator withdraws a waiting transaction.
 */
void
tx_cancel(struct pd_ctx *c)
{
	char	tier[16], actor[64];

	if (!pd_begin(c))
		return;
	if (!queued_row(c, tier, sizeof(tier))) {
		store_rollback();
		return;
	}
	if (c->auth == CRED_SESSION)
		snprintf(actor, sizeof(actor), "session:%s", c->session);
	else
		strlcpy(actor, "master", sizeof(actor));
	if (unqueue(c->req->param, c->now, "CANCELLED", "CANCELLED",
	    c->auth == CRED_SESSION ? "cancelled by the agent" :
	    "cancelled by the operator", actor) == -1 ||
	    store_commit() == -1) {
		store_rollback();
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "cannot record "
		    "the cancellation", 1);
		return;
	}
	queue_arm();
	answer(c, "CANCELLED");
}

/*
 * POST /v1/transactions/{id}/approve (ownerAuth, which opened the
 * transaction its nonce is spent in): the owner's signed message must
 * bind this transaction's intent.
 */
void
tx_approve(struct pd_ctx *c)
{
	const char	*code;
	char		 tier[16], text[1024], hex[65], why[160], actor[96];

	if (!queued_row(c, tier, sizeof(tier))) {
		store_rollback();
		return;
	}
	if (strcmp(tier, "APPROVAL") != 0) {
		store_rollback();
		pd_fail(c->peerid, 409, "INVALID_STATE_TRANSITION", "the "
		    "transaction does not wait for an approval", 0);
		return;
	}
	if (tx_intent(c->req->param, text, sizeof(text), hex) == -1)
		fatalx("transaction %s: no intent", c->req->param);
	if (c->intent[0] == '\0' || strcmp(c->intent, hex) != 0) {
		store_rollback();
		snprintf(why, sizeof(why), "the signed message must carry the "
		    "resource urn:waiaas:intent:%s (the transaction's intent)",
		    hex);
		audit_event(c->now, "TX_APPROVAL_REFUSED", "owner",
		    c->req->param, json_pack("{s:s}", "reason", c->intent[0] ==
		    '\0' ? "no intent" : "another intent"));
		pd_fail(c->peerid, 401, "INVALID_SIGNATURE", why, 0);
		return;
	}
	owner_actor(c, actor, sizeof(actor));
	/* An approval that came too late is an expiry, not a run. */
	if ((code = expired(c->req->param, c->now)) == NULL &&
	    (code = reentry(c->req->param, c->now, why, sizeof(why))) ==
	    NULL) {
		if (release(c->req->param, c->now, "TX_APPROVED", actor) ==
		    -1 || store_commit() == -1) {
			store_rollback();
			pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "cannot "
			    "record the approval", 1);
			return;
		}
		tx_execute(c->req->param);
		queue_arm();
		answer(c, "PENDING");
		return;
	}
	/* The nonce stays spent: the refusal is recorded with it. */
	if (strcmp(code, "APPROVAL_TIMEOUT") == 0)
		strlcpy(why, "the approval came after the transaction expired",
		    sizeof(why));
	if (unqueue(c->req->param, c->now, strcmp(code, "APPROVAL_TIMEOUT") ==
	    0 ? "EXPIRED" : "CANCELLED", code, why, actor) == -1 ||
	    store_commit() == -1) {
		store_rollback();
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "cannot record "
		    "the refusal", 1);
		return;
	}
	queue_arm();
	pd_fail(c->peerid, strcmp(code, "APPROVAL_TIMEOUT") == 0 ? 410 : 409,
	    code, why, 0);
}

/*
 * End the queued transaction of the request as rejected by actor, in the
 * transaction pd_begin() opened: 0, or -1 once the failure is answered.
 */
static int
reject_as(struct pd_ctx *c, const char *why, const char *actor)
{
	if (unqueue(c->req->param, c->now, "CANCELLED", "APPROVAL_REJECTED",
	    why, actor) == -1 || store_commit() == -1) {
		store_rollback();
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "cannot record "
		    "the rejection", 1);
		return -1;
	}
	queue_arm();
	return 0;
}

/* POST /v1/transactions/{id}/reject (ownerAuth). */
void
tx_reject(struct pd_ctx *c)
{
	char	tier[16], actor[96];

	if (!queued_row(c, tier, sizeof(tier))) {
		store_rollback();
		return;
	}
	owner_actor(c, actor, sizeof(actor));
	if (reject_as(c, "rejected by the owner", actor) == 0)
		answer(c, "CANCELLED");
}

/*
 * POST /v1/admin/transactions/{id}/reject (masterAuth): the operator
 * refuses one that waits for the owner, as the owner's reject does.  A
 * DELAY one is cancelled, not rejected: 409.
 */
void
tx_admin_reject(struct pd_ctx *c)
{
	char	tier[16];

	if (!pd_begin(c))
		return;
	if (!queued_row(c, tier, sizeof(tier))) {
		store_rollback();
		return;
	}
	if (strcmp(tier, "APPROVAL") != 0) {
		store_rollback();
		pd_fail(c->peerid, 409, "INVALID_STATE_TRANSITION", "the "
		    "transaction does not wait for an approval (cancel a "
		    "DELAY one)", 0);
		return;
	}
	if (reject_as(c, "rejected by the operator", "master") == -1)
		return;
	pd_reply_json(c->peerid, 200, json_pack("{s:s, s:s, s:I}", "id",
	    c->req->param, "status", "CANCELLED", "rejectedAt",
	    (json_int_t)c->now));
}
