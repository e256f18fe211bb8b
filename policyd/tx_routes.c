/*
 * The transaction routes: send, get, list, approval, and a wallet's
 * address, balance and assets.
 */

#include <string.h>

#include <sodium.h>

#include "jsonw.h"
#include "log.h"
#include "policy_rules.h"
#include "policyd.h"
#include "routes.h"
#include "wipe.h"
#include "tx.h"

/* ---- routes ---- */

void
fail_issues(uint32_t peerid, json_t *issues)
{
	char	*text;

	if ((text = json_dumps(issues, JSON_COMPACT)) == NULL)
		fatalx("json_dumps");
	pd_reply(peerid, 400, "VALIDATION_FAILED", text, strlen(text));
	wipe_free(text);
	json_decref(issues);
}

/* The fee cap a transaction is recorded (and signed) with: gwei, EVM. */
static uint64_t
fee_cap(const struct txspec *s)
{
	return s->chain == KS_CHAIN_ETHEREUM ? pd.p->cfg.max_fee_gwei : 0;
}

/*
 * The row of an allowed transaction (request: what to store, NULL for
 * the body; sign_only: never broadcast), its audit record and the
 * owner's notification, inside the caller's SQLite transaction: the decision,
 * the reservation (reserved_usd) and the row are one commit, so
 * concurrent requests see each other's reservations.
 */
int
tx_insert(struct pd_ctx *c, const struct wref *w, const struct txspec *s,
    const struct pe_tx *t, const struct pe_result *r, const char *id,
    json_t *request, int sign_only)
{
	static const char	 q_insert[] = "INSERT INTO transactions (id, "
	    "wallet_id, session_id, type, status, tier, chain, network, "
	    "to_address, amount, token, request, reserved_usd, execute_after, "
	    "expires_at, fee_cap, created_at, updated_at, sign_only) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt	*st;
	json_t		*req, *ev;
	char		*text, actor[64], intent[1024], hex[65];
	uint64_t	 cap;
	int		 queued = r->tier >= TIER_DELAY, rc;

	/* The request as it will execute: its network named. */
	req = json_deep_copy(request != NULL ? request : c->body);
	json_object_del(req, "dryRun");
	json_object_set_new(req, "network", json_string(w->net->name));
	json_object_set_new(req, "walletId", json_string(w->id));
	if ((text = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatalx("json_dumps");
	json_decref(req);
	cap = fee_cap(s);
	st = store_cached(q_insert);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, type_names[s->type], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, queued ? "QUEUED" : "PENDING", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 6, tier_name(r->tier), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, chain_name(w->chain), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, w->net->name, -1, SQLITE_STATIC);
	/* a creation's address is known once signed (tx_watch.c); a BATCH
	 * has many */
	if (s->rcpt[0] != '\0')
		sqlite3_bind_text(st, 9, s->rcpt, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, t->amount, -1, SQLITE_STATIC);
	if (t->token != NULL)
		sqlite3_bind_text(st, 11, t->token, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, text, -1, SQLITE_STATIC);
	if (t->usd >= 0)
		sqlite3_bind_double(st, 13, t->usd);
	if (r->tier == TIER_DELAY)
		sqlite3_bind_int64(st, 14, c->now + r->delay_seconds);
	if (r->tier == TIER_APPROVAL)
		sqlite3_bind_int64(st, 15, c->now + r->approval_timeout);
	if (cap > 0)
		sqlite3_bind_int64(st, 16, (long long)cap);
	sqlite3_bind_int64(st, 17, c->now);
	sqlite3_bind_int64(st, 18, c->now);
	sqlite3_bind_int(st, 19, sign_only != 0);
	rc = sqlite3_step(st);
	store_release(st);
	wipe_free(text);
	if (rc != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	snprintf(actor, sizeof(actor), "session:%s", c->session);
	ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "walletId", w->id,
	    "type", type_names[s->type], "network", w->net->name, "tier",
	    tier_name(r->tier), "reason", r->reason, "usdValue", t->usd >= 0 ?
	    json_real(t->usd) : json_null());
	if (ev == NULL)
		fatalx("json_pack audit");
	if (s->type == T_BATCH) {
		json_object_set_new(ev, "instructions",
		    json_integer((json_int_t)s->nitems));
		json_object_set_new(ev, "amount", json_string(t->amount));
	}
	if (audit_append(c->now, "TX_REQUESTED", actor, id, ev) == -1)
		return -1;
	if (r->tier == TIER_INSTANT)
		return 0;
	/* The owner hears of everything above INSTANT. */
	ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:s}",
	    "txId", id, "walletId", w->id, "network", w->net->name, "type",
	    type_names[s->type], "to", s->rcpt, "amount", t->amount, "token",
	    t->token != NULL ? json_string(t->token) : json_null(), "tier",
	    tier_name(r->tier), "usdValue", t->usd >= 0 ? json_real(t->usd) :
	    json_null(), "reason", r->reason);
	if (ev == NULL)
		fatalx("json_pack event");
	if (r->tier == TIER_DELAY)
		json_object_set_new(ev, "executeAfter",
		    json_integer(c->now + r->delay_seconds));
	if (r->tier == TIER_APPROVAL) {
		intent_make(id, w->id, s, t->amount, cap, intent,
		    sizeof(intent), hex);
		json_object_set_new(ev, "expiresAt",
		    json_integer(c->now + r->approval_timeout));
		json_object_set_new(ev, "intent", json_string(intent));
		json_object_set_new(ev, "intentHash", json_string(hex));
	}
	return outbox_add(c->now, r->tier == TIER_NOTIFY ? "TX_NOTIFY" :
	    r->tier == TIER_DELAY ? "TX_DELAYED" : "TX_APPROVAL_REQUIRED", ev);
}

/* POST /v1/transactions/send (dryRun too), /v1/transactions/simulate */
void
tx_send(struct pd_ctx *c)
{
	struct wref		 w;
	struct txspec		 s;
	struct pe_tx		 t;
	struct pe_result	 r;
	struct job		*j;
	json_t			*issues, *a;
	char			 id[UUID_STR_LEN], sel[11];
	int			 queued, batch;
	double			 t0 = mono_ms();

	if (!send_ref(c, &w))
		return;
	batch = str(c->body, "type") != NULL && strcmp(str(c->body, "type"),
	    "BATCH") == 0;
	if ((issues = json_array()) == NULL)
		fatalx("json_array");
	memset(&s, 0, sizeof(s));
	req_forms(c->body, w.chain, w.net, issues);
	if (json_array_size(issues) > 0 || spec_parse(c->body, w.chain,
	    net_index(w.net), w.address, &s, issues) > 0) {
		spec_free(&s);
		fail_issues(c->peerid, issues);
		return;
	}
	json_decref(issues);
	if (batch && (c->route == R_TX_SIMULATE ||
	    json_is_true(json_object_get(c->body, "dryRun")))) {
		spec_free(&s);
		pd_fail_issue(c->peerid, c->route == R_TX_SIMULATE ? "type" :
		    "dryRun", "a BATCH is not simulated here: simulate its "
		    "instructions one by one");
		return;
	}
	if (!batch) {
		spec_pe(&s, c->body, w.net->name, &t, sel);
		t.usd = spec_usd(&s, t.amount, c->now, NULL, 0);
	}
	if (c->route == R_TX_SIMULATE ||
	    json_is_true(json_object_get(c->body, "dryRun"))) {
		sim_start(c, &w, &s, &t, t0);
		return;
	}
	if (busy(c)) {
		spec_free(&s);
		return;
	}
	if (!pd_begin(c)) {
		spec_free(&s);
		return;
	}
	if (batch ? !batch_decide(&w, &s, c->body, c->now, &t, &r) :
	    !decide_eval(w.id, w.net->name, &t, c->now, &r)) {
		spec_free(&s);
		denied(c, &w, type_names[s.type], &r);
		return;
	}
	uuidv7(id);
	queued = r.tier >= TIER_DELAY;
	if (tx_insert(c, &w, &s, &t, &r, id, NULL, 0) == -1) {
		spec_free(&s);
		store_rollback();
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "cannot record "
		    "the transaction", 1);
		return;
	}
	/*
	 * Asking the chain for context changes nothing, so it starts now,
	 * while the commit (the turn's, shared with the other writes of
	 * this turn of the loop) waits for the disk.  Nothing is signed
	 * unless the commit succeeds: the context comes back in a later
	 * turn, and a failed group commit ends policyd.
	 * The job carries the request as decoded above.
	 */
	if (!queued)
		tx_execute_spec(id, w.id, fee_cap(&s), &s);
	else
		spec_free(&s);
	/* The answer, and its Idempotency-Key with the transaction. */
	a = json_pack("{s:s, s:s, s:s}", "id", id, "status", queued ?
	    "QUEUED" : "PENDING", "tier", tier_name(r.tier));
	if (a == NULL || idem_record(c->peerid, id, c->route, 201, a) == -1 ||
	    store_commit() == -1) {
		json_decref(a);
		store_rollback();
		if ((j = job_find(id)) != NULL)
			job_end(j);
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "cannot record "
		    "the transaction", 1);
		return;
	}
	if (queued)
		queue_arm();
	log_tx_step(id, "pd_in", (long long)(t0 * 1000));
	log_tx_step(id, "pd_answer", 0);
	pd_reply_json(c->peerid, 201, a);
}

#define TX_COLS	"id, wallet_id, type, status, tier, chain, network, " \
		"to_address, amount, token, tx_hash, error, error_code, " \
		"retryable, nonce, created_at, updated_at, execute_after, " \
		"expires_at, signature"

static json_t *
coltext(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null() :
	    json_string((const char *)sqlite3_column_text(st, i));
}

/*
 * How a transaction shows TX_COLS, column by column in that order: one
 * table for the document (tx_row) and for the text a list writes
 * straight out (tx_row_write), so the two cannot drift apart.
 */
enum tx_field { TF_TEXT, TF_BOOL, TF_INT, TF_OPT_INT, TF_OPT_TEXT };
#define TXF(k, kind)	{ k, JSONW_QKEY(k), kind }
static const struct {
	const char	*key;
	const char	*qkey;		/* quoted, for the list's text */
	size_t		 qlen;
	enum tx_field	 kind;
} tx_fields[] = {
	TXF("id", TF_TEXT), TXF("walletId", TF_TEXT), TXF("type", TF_TEXT),
	TXF("status", TF_TEXT), TXF("tier", TF_TEXT),
	TXF("chain", TF_TEXT), TXF("network", TF_TEXT),
	TXF("toAddress", TF_TEXT), TXF("amount", TF_TEXT),
	TXF("token", TF_TEXT), TXF("txHash", TF_TEXT),
	TXF("error", TF_TEXT), TXF("errorCode", TF_TEXT),
	TXF("retryable", TF_BOOL), TXF("nonce", TF_INT),
	TXF("createdAt", TF_INT), TXF("updatedAt", TF_INT),
	TXF("executeAfter", TF_OPT_INT), TXF("expiresAt", TF_OPT_INT),
	TXF("signature", TF_OPT_TEXT),
};
#define TX_F_ID		0
#define TX_F_STATUS	3

/* Being prepared or signed: recorded as PENDING, shown as it is. */
static const char *
tx_shown_status(sqlite3_stmt *st)
{
	const char	*s = (const char *)sqlite3_column_text(st, TX_F_STATUS);

	if (s != NULL && strcmp(s, "PENDING") == 0 && job_find((const char *)
	    sqlite3_column_text(st, TX_F_ID)) != NULL)
		return "EXECUTING";
	return s;
}

static json_t *
tx_row(sqlite3_stmt *st)
{
	json_t		*j, *v;
	size_t		 i;
	int		 null;

	if ((j = json_object()) == NULL)
		fatalx("json_object");
	for (i = 0; i < nitems(tx_fields); i++) {
		null = sqlite3_column_type(st, (int)i) == SQLITE_NULL;
		if (null && (tx_fields[i].kind == TF_OPT_INT ||
		    tx_fields[i].kind == TF_OPT_TEXT))
			continue;
		if (i == TX_F_STATUS)
			v = json_string(tx_shown_status(st));
		else if (null)
			v = json_null();
		else if (tx_fields[i].kind == TF_BOOL)
			v = json_boolean(sqlite3_column_int(st, (int)i) != 0);
		else if (tx_fields[i].kind == TF_INT ||
		    tx_fields[i].kind == TF_OPT_INT)
			v = json_integer(sqlite3_column_int64(st, (int)i));
		else
			v = coltext(st, (int)i);
		if (v == NULL || json_object_set_new(j, tx_fields[i].key,
		    v) == -1)
			fatalx("transaction %s", tx_fields[i].key);
	}
	return j;
}

/*
 * The same row as tx_row makes it, written into a list's text.  Each
 * column is taken once as its value, which is then asked its type, text
 * and length: the sqlite3_column_*() calls each went through the
 * connection's mutex and error check again (a third of what writing a
 * row cost).
 * The value is "unprotected" (no mutex held), which the SQLite docs
 * allow where the connection has no mutex, as policyd's has
 * (SQLITE_OPEN_NOMUTEX, one thread).  A text NULL is SQL's NULL or no
 * memory: its type then says which.  Returns the row's id, which
 * lasts until the statement moves on.
 */
static const char *
tx_row_write(struct jsonw *w, sqlite3_stmt *st)
{
	sqlite3_value	*v;
	const char	*t, *id = "";
	size_t		 i;
	enum tx_field	 kind;

	jsonw_open(w, NULL, '{');
	for (i = 0; i < nitems(tx_fields); i++) {
		kind = tx_fields[i].kind;
		if (i == TX_F_STATUS) {
			t = tx_shown_status(st);
			jsonw_qstr(w, tx_fields[i].qkey, tx_fields[i].qlen, t,
			    t ? strlen(t) : 0);
			continue;
		}
		v = sqlite3_column_value(st, (int)i);
		if (sqlite3_value_type(v) == SQLITE_NULL) {
			if (kind != TF_OPT_INT && kind != TF_OPT_TEXT)
				jsonw_qnull(w, tx_fields[i].qkey,
				    tx_fields[i].qlen);
		} else if (kind == TF_TEXT || kind == TF_OPT_TEXT) {
			if ((t = (const char *)sqlite3_value_text(v)) == NULL)
				fatalx("transaction %s: out of memory",
				    tx_fields[i].key);
			jsonw_qstr(w, tx_fields[i].qkey, tx_fields[i].qlen, t,
			    (size_t)sqlite3_value_bytes(v));
			if (i == TX_F_ID)
				id = t;
		} else if (kind == TF_BOOL)
			jsonw_qbool(w, tx_fields[i].qkey, tx_fields[i].qlen,
			    sqlite3_value_int(v) != 0);
		else
			jsonw_qint(w, tx_fields[i].qkey, tx_fields[i].qlen,
			    sqlite3_value_int64(v));
	}
	jsonw_close(w, '}');
	return id;
}

/* A transaction as GET shows it (no approval intent), or NULL. */
json_t *
tx_json(const char *id)
{
	return store_one("SELECT " TX_COLS " FROM transactions WHERE id = ?",
	    id, tx_row);
}

/*
 * A BATCH as GET shows it: its instructions as recorded (each with its
 * type, amounts in the smallest unit; on EVM with the status, txHash
 * and nonce of each one run so far), and atomic: true on Solana (one
 * transaction, all of them land or none), false on EVM.
 */
static void
batch_show(json_t *t, const char *id)
{
	sqlite3_stmt	*st;
	json_t		*req = NULL, *done = NULL, *ins, *d, *e;
	size_t		 i;

	st = store_prepare("SELECT request, batch_done FROM transactions "
	    "WHERE id = ?");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		req = json_loads((const char *)sqlite3_column_text(st, 0), 0,
		    NULL);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			done = json_loads((const char *)sqlite3_column_text(
			    st, 1), 0, NULL);
	}
	sqlite3_finalize(st);
	ins = json_object_get(req, "instructions");
	if (json_is_array(ins))
		json_object_set(t, "instructions", ins);
	/* EVM: what each instruction became, in order */
	json_array_foreach(done, i, d) {
		if ((e = json_array_get(ins, i)) == NULL)
			break;
		json_object_set(e, "status", json_object_get(d, "status"));
		json_object_set(e, "txHash", json_object_get(d, "txHash"));
		json_object_set(e, "nonce", json_object_get(d, "nonce"));
	}
	json_object_set_new(t, "atomic", json_boolean(strcmp(str(t,
	    "chain"), "solana") == 0));
	json_decref(req);
	json_decref(done);
}

/* GET /v1/transactions/{id}: the session's own wallets only. */
void
tx_get(struct pd_ctx *c)
{
	json_t	*t;
	char	 text[1024], hex[65], urn[96];

	t = store_one("SELECT " TX_COLS " FROM transactions WHERE id = ?",
	    c->req->param, tx_row);
	if (t == NULL || !pd_can_see(c, str(t, "walletId"))) {
		json_decref(t);
		pd_fail(c->peerid, 404, "TX_NOT_FOUND", "no such transaction",
		    0);
		return;
	}
	if (strcmp(str(t, "type"), "BATCH") == 0)
		batch_show(t, c->req->param);
	/* What the owner signs to approve it. */
	if (strcmp(str(t, "status"), "QUEUED") == 0 &&
	    strcmp(str(t, "tier"), "APPROVAL") == 0 &&
	    tx_intent(c->req->param, text, sizeof(text), hex) == 0)
		json_object_set_new(t, "approval", json_pack("{s:s, s:s, s:s}",
		    "intent", text, "intentHash", hex, "resource",
		    (snprintf(urn, sizeof(urn), "urn:waiaas:intent:%s", hex),
		    urn)));
	pd_reply_json(c->peerid, 200, t);
}

/*
 * GET /v1/transactions/{id}/approval, without auth: what the approval
 * page (/approve/{id}) shows the owner, who has no session token.  Safe
 * to answer to anyone holding the id: ids are UUIDv7, whose 74 random
 * bits cannot be guessed or enumerated, and the link carrying one goes
 * only to the owner's channels; the answer grants nothing, since only
 * the owner's signature over a fresh nonce approves or rejects; and it
 * holds only what the owner must see before signing (the recipient and
 * amount the chain would show anyway), nothing about the session, the
 * agent or other transactions.  Only APPROVAL-tier transactions, in any
 * status, so the page can say what became of one; every other id is
 * TX_NOT_FOUND, as is an id that does not exist.
 */
void
tx_approval(struct pd_ctx *c)
{
	sqlite3_stmt		*st;
	const struct network	*net;
	const char *const	*d;
	json_t			*t, *dom, *tok = NULL, *req;
	const char		*status;
	char			 text[1024], hex[65], urn[96], cid[24];

	if (sqlite3_prepare_v2(pd.db, "SELECT t.id, t.status, t.wallet_id, "
	    "t.chain, t.network, w.owner_address, t.type, t.to_address, "
	    "t.amount, t.token, t.expires_at, t.error_code, t.tx_hash, "
	    "t.request FROM transactions t JOIN wallets w ON w.id = "
	    "t.wallet_id WHERE t.id = ? AND t.tier = 'APPROVAL'", -1, &st,
	    NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, c->req->param, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW || tx_intent(c->req->param, text,
	    sizeof(text), hex) == -1 || (net = net_find((const char *)
	    sqlite3_column_text(st, 4))) == NULL) {
		sqlite3_finalize(st);
		pd_fail(c->peerid, 404, "TX_NOT_FOUND", "no such transaction "
		    "waiting for an owner's approval", 0);
		return;
	}
	if (sqlite3_column_type(st, 9) != SQLITE_NULL)
		tok = json_loads((const char *)sqlite3_column_text(st, 9), 0,
		    NULL);
	status = (const char *)sqlite3_column_text(st, 1);
	/* Approved and being prepared or signed: as tx_row shows it. */
	if (strcmp(status, "PENDING") == 0 && job_find(c->req->param) != NULL)
		status = "EXECUTING";
	/* The message's domain and Chain ID, and the clock to date it by. */
	if ((dom = json_array()) == NULL)
		fatalx("json_array");
	for (d = owner_domains(); *d != NULL; d++)
		json_array_append_new(dom, json_string(*d));
	if (net->chain == KS_CHAIN_ETHEREUM)
		snprintf(cid, sizeof(cid), "%llu",
		    (unsigned long long)net->chain_id);
	else
		strlcpy(cid, net->name, sizeof(cid));
	snprintf(urn, sizeof(urn), "urn:waiaas:intent:%s", hex);
	t = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o, "
	    "s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:i, s:o, s:s, s:I}",
	    "id", sqlite3_column_text(st, 0),
	    "status", status,
	    "walletId", sqlite3_column_text(st, 2),
	    "chain", sqlite3_column_text(st, 3),
	    "network", net->name,
	    "ownerAddress", coltext(st, 5),
	    "type", sqlite3_column_text(st, 6),
	    "toAddress", coltext(st, 7),
	    "amount", coltext(st, 8),
	    "token", tok != NULL ? tok : json_null(),
	    "intent", text,
	    "intentHash", hex,
	    "resource", urn,
	    "expiresAt", sqlite3_column_type(st, 10) == SQLITE_NULL ?
	    json_null() : json_integer(sqlite3_column_int64(st, 10)),
	    "errorCode", coltext(st, 11),
	    "txHash", coltext(st, 12),
	    "symbol", net->symbol,
	    "decimals", (int)net->decimals,
	    "domains", dom,
	    "chainId", cid,
	    "serverTime", (json_int_t)c->now);
	/* The memo the transaction carries: the owner reads what is sent. */
	if (t != NULL && (req = json_loads((const char *)sqlite3_column_text(
	    st, 13), 0, NULL)) != NULL) {
		if (json_string_length(json_object_get(req, "memo")) > 0)
			json_object_set(t, "memo", json_object_get(req,
			    "memo"));
		json_decref(req);
	}
	sqlite3_finalize(st);
	if (t == NULL)
		fatalx("json_pack approval");
	pd_reply_json(c->peerid, 200, t);
}

/*
 * The list's text, written row by row into buf; its length, which is
 * more than size when buf was too small.
 */
static size_t
tx_list_write(struct pd_ctx *c, long long limit, char *buf, size_t size)
{
	static const char q_wallets[] = "SELECT wallet_id FROM "
	    "session_wallets WHERE session_id = ?1 AND (?2 IS NULL OR "
	    "wallet_id = ?2) LIMIT 2";
	/* One wallet: its newest first, from transactions_wallet_id. */
	static const char q_one[] = "SELECT " TX_COLS " FROM transactions "
	    "WHERE wallet_id = ?1 AND ?2 IS NOT NULL AND id < ?3 AND (?4 IS "
	    "NULL OR status = ?4) ORDER BY id DESC LIMIT ?5";
	/* Several: the session's wallets' transactions, sorted. */
	static const char q_list[] = "SELECT " TX_COLS " FROM transactions "
	    "WHERE wallet_id IN (SELECT wallet_id FROM session_wallets WHERE "
	    "session_id = ?1) AND (?2 IS NULL OR wallet_id = ?2) AND (?3 IS "
	    "NULL OR id < ?3) AND (?4 IS NULL OR status = ?4) ORDER BY id "
	    "DESC LIMIT ?5";
	sqlite3_stmt	*st;
	struct jsonw	 w;
	char		 wid[KS_ID_LEN + 1], cursor[UUID_STR_LEN], status[16];
	char		 last[UUID_STR_LEN] = "", one[KS_ID_LEN + 1] = "";
	const char	*want, *cur;
	long long	 n = 0;
	size_t		 len;
	int		 more = 0, nw = 0;

	want = pd_query_str(c->req->query, "walletId", wid, sizeof(wid));
	st = store_cached(q_wallets);
	sqlite3_bind_text(st, 1, c->session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, want, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && nw++ == 0)
		strlcpy(one, (const char *)sqlite3_column_text(st, 0),
		    sizeof(one));
	store_release(st);
	if (nw == 1) {
		/* ?2 is a placeholder here: nothing is filtered by it. */
		st = store_cached(q_one);
		sqlite3_bind_text(st, 1, one, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, 1);
	} else {
		st = store_cached(q_list);
		sqlite3_bind_text(st, 1, c->session, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, want, -1, SQLITE_STATIC);
	}
	/*
	 * For one wallet the cursor is a bound of the index's range, so a
	 * page deep in the list costs what the first does; no cursor is a
	 * bound above every id (they are lower-case hex and dashes).
	 */
	if ((cur = pd_query_str(c->req->query, "cursor", cursor,
	    sizeof(cursor))) == NULL && nw == 1)
		cur = "~";
	sqlite3_bind_text(st, 3, cur, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->route == R_TX_PENDING ? "QUEUED" :
	    pd_query_str(c->req->query, "status", status, sizeof(status)), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, limit + 1);
	jsonw_init(&w, buf, size);
	jsonw_open(&w, NULL, '{');
	jsonw_open(&w, "items", '[');
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n++ == limit) {
			more = 1;
			break;
		}
		strlcpy(last, tx_row_write(&w, st), sizeof(last));
	}
	store_release(st);
	jsonw_close(&w, ']');
	jsonw_str(&w, "cursor", more ? last : NULL);
	jsonw_bool(&w, "hasMore", more);
	jsonw_close(&w, '}');
	if ((len = jsonw_end(&w)) == 0)
		fatalx("transaction list: a stored text is not UTF-8");
	return len;
}

/*
 * GET /v1/transactions?walletId&status&limit&cursor: newest first.  The
 * rows go straight from the statement into the answer's text (a list
 * of twenty built as a document first cost policyd ten times a wallet
 * read); a list too long for the kept buffer is written again into one
 * of its size.
 */
void
tx_list(struct pd_ctx *c)
{
	static char	 buf[65536];
	char		*big;
	long long	 limit;
	size_t		 len, again;

	if (pd_query_int(c, "limit", &limit) == -1)
		return;
	if ((len = tx_list_write(c, limit, buf, sizeof(buf))) <= sizeof(buf))
		pd_reply(c->peerid, 200, NULL, buf, len);
	else {
		if ((big = wipe_malloc(len)) == NULL)
			fatal("transaction list");
		/* Only a writer outside the daemon could change it between. */
		if ((again = tx_list_write(c, limit, big, len)) <= len)
			pd_reply(c->peerid, 200, NULL, big, again);
		else
			pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE",
			    "the list changed while it was read", 1);
		sodium_memzero(big, len);
		wipe_free(big);
	}
	sodium_memzero(buf, len < sizeof(buf) ? len : sizeof(buf));
}

/* The wallet and network of a read: walletId and network from the query. */
static int
read_ref(struct pd_ctx *c, struct wref *w)
{
	char	wid[KS_ID_LEN + 1], net[NET_QUERY_MAX + 1];

	return wallet_ref(c, pd_query_str(c->req->query, "walletId", wid,
	    sizeof(wid)), pd_query_str(c->req->query, "network", net,
	    sizeof(net)), 1, w);
}

/* GET /v1/wallet/address */
void
tx_wallet_address(struct pd_ctx *c)
{
	struct wref	w;

	if (!read_ref(c, &w))
		return;
	pd_reply_json(c->peerid, 200, json_pack("{s:s, s:s, s:s, s:s}",
	    "walletId", w.id, "chain", chain_name(w.chain), "network",
	    w.net->name, "address", w.address));
}

static void
chain_ask(struct pd_ctx *c, const struct chain_query *q)
{
	if (imsgev_compose(&pd.api, IMSG_API_CHAINQ, c->peerid, -1, q,
	    sizeof(*q)) == -1)
		fatal("IMSG_API_CHAINQ");
}

/* Tokens an EVM wallet's assets list: allowed by policy or used. */
static void
known_tokens(const struct wref *w, struct chain_query *q)
{
	sqlite3_stmt		*st;
	struct pe_policy	 p[POLICY_TYPE_MAX];
	json_t			*e;
	const char		*a;
	char			 canon[CHAIN_ADDR_MAX + 1];
	uint8_t			 b[32];
	size_t			 i, k, n;

	n = decide_policies(w->id, w->net->name, p);
	for (k = 0; k < n; k++) {
		if (p[k].type == POLICY_ALLOWED_TOKENS)
			json_array_foreach(json_object_get(p[k].rules,
			    "tokens"), i, e) {
				a = str(e, "address");
				if (q->ntokens < CQ_TOKENS_MAX && a != NULL &&
				    parse_addr(w->chain, a, canon, b) == 0)
					strlcpy(q->tokens[q->ntokens++], canon,
					    sizeof(canon));
			}
		json_decref(p[k].rules);
	}
	if (sqlite3_prepare_v2(pd.db, "SELECT DISTINCT token FROM "
	    "transactions WHERE wallet_id = ? AND network = ? AND token IS "
	    "NOT NULL AND type = 'TOKEN_TRANSFER' LIMIT 64", -1, &st, NULL) !=
	    SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, w->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->net->name, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && q->ntokens < CQ_TOKENS_MAX) {
		a = (const char *)sqlite3_column_text(st, 0);
		for (k = 0; k < q->ntokens; k++)
			if (strcasecmp(q->tokens[k], a) == 0)
				break;
		if (k == q->ntokens)
			strlcpy(q->tokens[q->ntokens++], a,
			    sizeof(q->tokens[0]));
	}
	sqlite3_finalize(st);
}

/* One message per network of the wallet's chain and environment. */
static void
ask_all(struct pd_ctx *c, struct wref *w, struct chain_query *q)
{
	const struct network	*n;
	uint32_t		 i;

	for (i = 0; (n = net_get(i)) != NULL; i++) {
		if (n->chain != (uint32_t)w->chain ||
		    n->env != (uint32_t)w->env)
			continue;
		w->net = n;
		q->net = i;
		q->ntokens = 0;
		memset(q->tokens, 0, sizeof(q->tokens));
		if (q->kind == CQ_ASSETS && w->chain == KS_CHAIN_ETHEREUM)
			known_tokens(w, q);
		chain_ask(c, q);
		q->part++;
	}
}

/*
 * GET /v1/wallet/balance, /v1/wallet/assets: the api asks the chain.
 * network=all: every network of the wallet's chain and environment, one
 * message each (msg.h says how the api puts them together).
 */
void
tx_wallet_chain(struct pd_ctx *c)
{
	struct wref		 w;
	struct chain_query	 q;
	const struct network	*n;
	char			 token[CHAIN_ADDR_MAX + 1];
	char			 wid[KS_ID_LEN + 1], net[NET_QUERY_MAX + 1];
	uint8_t			 b[32];
	uint32_t		 i, all = 0;

	if (pd_query_str(c->req->query, "network", net, sizeof(net)) !=
	    NULL && strcmp(net, "all") == 0) {
		if (!wallet_ref(c, pd_query_str(c->req->query, "walletId", wid,
		    sizeof(wid)), NULL, 1, &w))
			return;
		for (i = 0; (n = net_get(i)) != NULL; i++)
			all += n->chain == (uint32_t)w.chain &&
			    n->env == (uint32_t)w.env;
	} else if (!read_ref(c, &w))
		return;
	memset(&q, 0, sizeof(q));
	q.kind = c->route == R_WALLET_ASSETS ? CQ_ASSETS : CQ_BALANCE;
	q.net = net_index(w.net);
	strlcpy(q.wallet_id, w.id, sizeof(q.wallet_id));
	strlcpy(q.address, w.address, sizeof(q.address));
	if (q.kind == CQ_BALANCE && pd_query_str(c->req->query, "token",
	    token, sizeof(token)) != NULL) {
		if (all) {
			pd_fail_issue(c->peerid, "token", "one network's: not "
			    "with network=all");
			return;
		}
		if (parse_addr(w.chain, token, q.token, b) == -1) {
			pd_fail_issue(c->peerid, "token", w.chain ==
			    KS_CHAIN_ETHEREUM ? "an ERC-20 contract address" :
			    "an SPL mint address");
			return;
		}
	}
	if (!all) {
		if (q.kind == CQ_ASSETS && w.chain == KS_CHAIN_ETHEREUM)
			known_tokens(&w, &q);
		chain_ask(c, &q);
		return;
	}
	q.nparts = all;
	ask_all(c, &w, &q);
}

/*
 * GET /v1/admin/wallets/{id}/balance: the wallet's native balance on
 * every network of its chain and environment, asked like network=all.
 * A terminated wallet is not asked about: no balances.
 */
void
admin_wallet_balance(struct pd_ctx *c)
{
	struct wref		 w;
	struct chain_query	 q;
	const struct network	*n;
	uint32_t		 i;

	if (!wallet_ref_admin(c, c->req->param, &w))
		return;
	memset(&q, 0, sizeof(q));
	if (strcmp(w.status, "TERMINATED") != 0)
		for (i = 0; (n = net_get(i)) != NULL; i++)
			q.nparts += n->chain == (uint32_t)w.chain &&
			    n->env == (uint32_t)w.env;
	if (q.nparts == 0) {
		pd_reply_json(c->peerid, 200, json_pack("{s:[]}",
		    "balances"));
		return;
	}
	q.kind = CQ_BALANCE;
	q.admin = 1;
	strlcpy(q.wallet_id, w.id, sizeof(q.wallet_id));
	strlcpy(q.address, w.address, sizeof(q.address));
	ask_all(c, &w, &q);
}
