/*
 * The kill switch: owner or operator stops everything.  One row in the
 * database holds it, so it survives restarts; pd.killed is its copy in
 * memory, which the pipeline (policyd_tx.c) checks before every sign
 * request and every new session, wallet or send.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "policyd.h"


/* 1 after answering 503 while the switch is on; 0 otherwise. */
int
kill_refuse(struct pd_ctx *c)
{
	if (!pd.killed)
		return 0;
	pd_fail(c->peerid, 503, "KILL_SWITCH_ACTIVE", "the kill switch is "
	    "active; the operator must recover first", 0);
	return 1;
}

void
kill_load(void)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(pd.db, "SELECT active FROM kill_switch WHERE "
	    "id = 1", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	pd.killed = sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	if (pd.killed)
		log_warnx("the kill switch is active: no transaction is signed "
		    "and no session made until the operator recovers");
}

static int
kill_set(struct pd_ctx *c, int on, const char *actor, long long *nsess,
    long long *ntx)
{
	sqlite3_stmt	*st;

	*nsess = *ntx = 0;
	if (sqlite3_prepare_v2(pd.db, "UPDATE kill_switch SET active = ?, "
	    "actor = ?, changed_at = ? WHERE id = 1", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, on);
	sqlite3_bind_text(st, 2, actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c->now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	if (!on)
		return 0;
	if (sqlite3_exec(pd.db, "UPDATE sessions SET revoked_at = "
	    "strftime('%s', 'now') WHERE revoked_at IS NULL", NULL, NULL,
	    NULL) != SQLITE_OK)
		return -1;
	*nsess = sqlite3_changes(pd.db);
	/* Waiting work (DELAY, APPROVAL) never runs. */
	if (sqlite3_exec(pd.db, "UPDATE transactions SET status = "
	    "'CANCELLED', error = 'the kill switch was activated', "
	    "error_code = 'KILL_SWITCH_ACTIVE', updated_at = strftime('%s', "
	    "'now') WHERE status = 'QUEUED'", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	*ntx = sqlite3_changes(pd.db);
	return 0;
}

/*
 * POST /v1/admin/kill-switch (master), POST /v1/owner/kill-switch
 * (ownerAuth for a wallet, ?walletId=): stop everything, now and after
 * restarts.  ownerAuth has opened the transaction its nonce is spent in.
 */
static void
kill_on(struct pd_ctx *c, const char *actor)
{
	long long	nsess, ntx;

	if (kill_set(c, 1, actor, &nsess, &ntx) == -1 ||
	    audit_append(c->now, "KILL_SWITCH_ACTIVATED", actor, NULL,
	    json_pack("{s:I, s:I}", "sessionsRevoked", (json_int_t)nsess,
	    "transactionsCancelled", (json_int_t)ntx)) == -1 ||
	    store_commit() == -1) {
		store_rollback();
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "cannot record "
		    "the kill switch", 1);
		return;
	}
	pd.killed = 1;
	log_warnx("kill switch activated by %s: %lld sessions revoked, %lld "
	    "queued transactions cancelled", actor, nsess, ntx);
	pd_reply_json(c->peerid, 200, json_pack("{s:b, s:I, s:I, s:I}",
	    "active", 1, "activatedAt", (json_int_t)c->now, "sessionsRevoked",
	    (json_int_t)nsess, "transactionsCancelled", (json_int_t)ntx));
}

void
kill_activate(struct pd_ctx *c)
{
	if (pd_begin(c))
		kill_on(c, "master");
}

void
kill_owner(struct pd_ctx *c)
{
	char	wallet[KS_ID_LEN + 1], actor[64];

	snprintf(actor, sizeof(actor), "owner:%s", pd_query_str(
	    c->req->query, "walletId", wallet, sizeof(wallet)) != NULL ?
	    wallet : "?");
	kill_on(c, actor);
}

/* POST /v1/admin/recover */
void
kill_recover(struct pd_ctx *c)
{
	long long	nsess, ntx;

	if (!pd_begin(c))
		return;
	if (kill_set(c, 0, "master", &nsess, &ntx) == -1 ||
	    audit_append(c->now, "KILL_SWITCH_RECOVERED", "master", NULL,
	    json_object()) == -1 || store_commit() == -1) {
		store_rollback();
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "cannot record "
		    "the recovery", 1);
		return;
	}
	if (pd.killed)
		log_info("kill switch released by the operator");
	pd.killed = 0;
	pd_reply_json(c->peerid, 200, json_pack("{s:b, s:I}", "active", 0,
	    "recoveredAt", (json_int_t)c->now));
}
