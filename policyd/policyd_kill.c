/*
 * The kill switch: owner or operator stops everything.  One row in the
 * database holds it, so it survives restarts; pd.killed is its copy in
 * memory, which the pipeline (policyd/tx_*.c) checks before every sign
 * request and every new session, wallet or send.
 *
 * Pulling it revokes every session and cancels every transaction not
 * yet signed, in its own commit, and counts them: a transaction already
 * signed or broadcast cannot be called back, so it goes on and is not
 * counted.
 *
 * Who pulled it is in the row.  The operator's switch is lifted by the
 * operator (POST /v1/admin/recover, masterAuth).  An owner's switch is
 * held for that owner: the operator lifts it at once only with the
 * owner's signature in the body (dual auth), or alone once
 * security.owner_kill_recover_delay has passed since it was pulled;
 * every earlier attempt by the operator alone is refused and told to
 * the owner at once.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "policyd.h"
#include "util.h"

#define OWNER_PREFIX	"owner:"

struct kstate {
	int		 active;
	char		 actor[96];	/* "master", "owner:<wallet>" */
	long long	 at;		/* when it last changed */
};

/* 1 after answering 409 while the switch is on; 0 otherwise. */
int
kill_refuse(struct pd_ctx *c)
{
	if (!pd.killed)
		return 0;
	pd_fail(c->peerid, 409, "KILL_SWITCH_ACTIVE", "the kill switch is "
	    "active; the operator must recover first", 0);
	return 1;
}

static void
kill_row(struct kstate *k)
{
	sqlite3_stmt	*st;

	memset(k, 0, sizeof(*k));
	st = store_prepare("SELECT active, actor, changed_at FROM kill_switch "
	    "WHERE id = 1");
	if (sqlite3_step(st) == SQLITE_ROW) {
		k->active = sqlite3_column_int(st, 0) != 0;
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			strlcpy(k->actor, (const char *)sqlite3_column_text(st,
			    1), sizeof(k->actor));
		k->at = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
}

/* The wallet whose owner holds the switch, or NULL. */
static const char *
holder(const struct kstate *k)
{
	size_t	pl = strlen(OWNER_PREFIX);

	if (!k->active || strncmp(k->actor, OWNER_PREFIX, pl) != 0)
		return NULL;
	return k->actor + pl;
}

/*
 * 1 if the switch is on and this wallet's owner holds it: its owner may
 * not be replaced then (the operator would sign the recovery with a key
 * of their own).
 */
int
kill_held_by(const char *wallet)
{
	struct kstate	 k;
	const char	*h;

	kill_row(&k);
	return (h = holder(&k)) != NULL && strcmp(h, wallet) == 0;
}

void
kill_load(void)
{
	struct kstate	k;

	kill_row(&k);
	pd.killed = k.active;
	if (pd.killed)
		log_warnx("the kill switch is active (pulled by %s): no "
		    "transaction is signed and no session made until it is "
		    "recovered", k.actor[0] != '\0' ? k.actor : "?");
	if (pd.p->cfg.kill_hold == 0)
		log_warnx("security.owner_kill_recover_delay is 0: the "
		    "operator alone can lift a kill switch an owner pulled");
}

static int
kill_write(int on, const char *actor, long long at)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = store_prepare("UPDATE kill_switch SET active = ?, actor = ?, "
	    "changed_at = ? WHERE id = 1");
	sqlite3_bind_int(st, 1, on);
	sqlite3_bind_text(st, 2, actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, at);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Every session revoked, every unsigned transaction cancelled: counted. */
static int
kill_stop(struct pd_ctx *c, const char *actor, long long *nsess,
    long long *ntx)
{
	if (sqlite3_exec(pd.db, "UPDATE sessions SET revoked_at = "
	    "strftime('%s', 'now') WHERE revoked_at IS NULL", NULL, NULL,
	    NULL) != SQLITE_OK)
		return -1;
	*nsess = sqlite3_changes(pd.db);
	return queue_stop(NULL, 1, c->now, "KILL_SWITCH_ACTIVE", "the kill "
	    "switch was activated before it was signed", actor, ntx);
}

/*
 * POST /v1/admin/kill-switch (master), POST /v1/owner/kill-switch
 * (ownerAuth for a wallet, ?walletId=): stop everything, now and after
 * restarts.  ownerAuth has opened the transaction its nonce is spent in.
 * The operator pulling a switch an owner holds leaves the owner's hold
 * (who and since when) as it is.
 */
static void
kill_on(struct pd_ctx *c, const char *actor)
{
	struct kstate	 k;
	const char	*by = actor;
	long long	 at = c->now, nsess = 0, ntx = 0;

	kill_row(&k);
	if (holder(&k) != NULL && strncmp(actor, OWNER_PREFIX,
	    strlen(OWNER_PREFIX)) != 0) {
		by = k.actor;
		at = k.at;
	}
	if (kill_write(1, by, at) == -1 ||
	    kill_stop(c, actor, &nsess, &ntx) == -1 ||
	    audit_append(c->now, "KILL_SWITCH_ACTIVATED", actor, NULL,
	    json_pack("{s:I, s:I, s:s}", "sessionsRevoked", (json_int_t)nsess,
	    "transactionsCancelled", (json_int_t)ntx, "activatedBy", by)) ==
	    -1 || store_commit() == -1) {
		store_rollback();
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "cannot record "
		    "the kill switch", 1);
		return;
	}
	pd.killed = 1;
	queue_arm();
	log_warnx("kill switch activated by %s: %lld sessions revoked, %lld "
	    "unsigned transactions cancelled", actor, nsess, ntx);
	pd_reply_json(c->peerid, 200, json_pack("{s:s, s:b, s:I, s:s, s:I, "
	    "s:I}", "state", "SUSPENDED",
	    "active", 1, "activatedAt", (json_int_t)at, "activatedBy", by,
	    "sessionsRevoked", (json_int_t)nsess, "transactionsCancelled",
	    (json_int_t)ntx));
}

/*
 * GET /v1/admin/kill-switch: the state as the reference names it
 * (ACTIVE: running; SUSPENDED: the switch is on), who pulled it and
 * when; both null while it is off.
 */
void
kill_state(struct pd_ctx *c)
{
	struct kstate	k;

	kill_row(&k);
	pd_reply_json(c->peerid, 200, json_pack("{s:s, s:b, s:o, s:o}",
	    "state", k.active ? "SUSPENDED" : "ACTIVE", "active", k.active,
	    "activatedAt", k.active ? json_integer((json_int_t)k.at) :
	    json_null(), "activatedBy", k.active && k.actor[0] != '\0' ?
	    json_string(k.actor) : json_null()));
}

/* The operator's switch: pulling it while it is on is refused (409), as
 * the reference does; an owner's pull still takes the hold (kill_owner). */
void
kill_activate(struct pd_ctx *c)
{
	struct kstate	k;
	char		msg[200];

	kill_row(&k);
	if (k.active) {
		snprintf(msg, sizeof(msg), "the kill switch is already active "
		    "(pulled by %s at %lld); POST /v1/admin/recover first",
		    k.actor, k.at);
		pd_fail(c->peerid, 409, "KILL_SWITCH_ACTIVE", msg, 0);
		return;
	}
	if (pd_begin(c))
		kill_on(c, "master");
}

void
kill_owner(struct pd_ctx *c)
{
	char	wallet[KS_ID_LEN + 1], actor[64];

	/* owner_check found this wallet and its owner. */
	if (pd_query_str(c->req->query, "walletId", wallet,
	    sizeof(wallet)) == NULL)
		fatalx("owner kill switch without a wallet");
	snprintf(actor, sizeof(actor), OWNER_PREFIX "%s", wallet);
	kill_on(c, actor);
}

/* Lift it, in the open transaction; by says who (and how). */
static void
recover(struct pd_ctx *c, const struct kstate *k, const char *by)
{
	if (kill_write(0, by, c->now) == -1 ||
	    audit_append(c->now, "KILL_SWITCH_RECOVERED", by, holder(k),
	    json_pack("{s:s?, s:I, s:b}", "activatedBy", k->actor[0] != '\0' ?
	    k->actor : NULL, "activatedAt", (json_int_t)k->at, "wasActive",
	    k->active)) == -1 || store_commit() == -1) {
		store_rollback();
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "cannot record "
		    "the recovery", 1);
		return;
	}
	if (pd.killed)
		log_info("kill switch released by %s", by);
	pd.killed = 0;
	pd_reply_json(c->peerid, 200, json_pack("{s:s, s:b, s:I, s:s}",
	    "state", "ACTIVE", "active", 0, "recoveredAt", (json_int_t)c->now,
	    "recoveredBy", by));
}

/*
 * The operator alone, before an owner's hold is over: refused, and the
 * owner told at once (the audit entry queues the notification).
 */
static void
held(struct pd_ctx *c, const struct kstate *k, long long left)
{
	char	msg[400];

	if (!pd_begin(c))
		return;
	if (audit_append(c->now, "KILL_SWITCH_RECOVERY_HELD", "master",
	    holder(k), json_pack("{s:s, s:s, s:I, s:I, s:I}", "walletId",
	    holder(k), "activatedBy", k->actor, "activatedAt",
	    (json_int_t)k->at, "masterMayRecoverAt", (json_int_t)(k->at +
	    pd.p->cfg.kill_hold), "secondsLeft", (json_int_t)left)) == -1 ||
	    store_commit() == -1) {
		store_rollback();
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "cannot record "
		    "the attempt", 1);
		return;
	}
	log_warnx("kill switch recovery by the operator alone refused: "
	    "%s holds it for %lld s more", k->actor, left);
	snprintf(msg, sizeof(msg), "the kill switch was pulled by %s at %lld: "
	    "the master alone may recover in %lld s "
	    "(security.owner_kill_recover_delay), or now with that owner's "
	    "signature in the body (ownerAddress, message, ownerSignature, "
	    "over a nonce for owner.recover:%s); the owner has been told",
	    k->actor, k->at, left, holder(k));
	pd_fail_retry(c->peerid, 409, "KILL_SWITCH_OWNER_HOLD", msg,
	    (int)left);
}

/*
 * POST /v1/admin/recover (masterAuth), with an optional body carrying
 * the owner's proof.  An owner's switch: with the proof, at once; the
 * master alone, only once the hold is over.  The operator's switch:
 * the master alone (a body is not needed, and not looked at).
 */
void
kill_recover(struct pd_ctx *c)
{
	struct kstate	 k;
	const char	*wallet;
	char		 by[96];
	long long	 left;

	kill_row(&k);
	if (!k.active) {
		pd_fail(c->peerid, 409, "KILL_SWITCH_NOT_ACTIVE", "the kill "
		    "switch is not active: nothing to recover", 0);
		return;
	}
	if ((wallet = holder(&k)) == NULL) {
		if (pd_begin(c))
			recover(c, &k, "master");
		return;
	}
	if (c->body != NULL && json_object_get(c->body, "ownerAddress") !=
	    NULL) {
		if (!owner_check_body(c, wallet))
			return;
		snprintf(by, sizeof(by), "master+owner:%s", json_string_value(
		    json_object_get(c->body, "ownerAddress")));
		recover(c, &k, by);
		return;
	}
	left = k.at + (long long)pd.p->cfg.kill_hold - c->now;
	if (left > 0) {
		held(c, &k, left);
		return;
	}
	if (pd_begin(c))
		recover(c, &k, "master");
}
