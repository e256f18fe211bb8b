/*
 * BATCH sends (tx.h; decoded in tx_spec.c): one decision on the whole
 * batch, the intent an owner approves, and the Solana transaction of
 * all the instructions asked from the signer.
 *
 * The decision: each instruction is judged as the send it would be on
 * its own (recipient, token, contract, its own amount); one denied
 * denies the batch, naming it.  Then the batch's total (the native value
 * of all its instructions, and the USD value of all of them) is judged
 * once more as one transfer of that much, so a spending limit sees the
 * sum, not the parts.  The tier is the highest of all those verdicts.
 */

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "policy_rules.h"
#include "policyd.h"
#include "tx.h"
#include "wipe.h"

/* reason, prefixed with what in the batch was judged. */
static void
batch_reason(struct pe_result *r, const char *what)
{
	char	tmp[sizeof(r->reason)];

	strlcpy(tmp, what, sizeof(tmp));
	strlcat(tmp, ": ", sizeof(tmp));
	strlcat(tmp, r->reason, sizeof(tmp));
	strlcpy(r->reason, tmp, sizeof(r->reason));
}

/*
 * 1 and the batch's verdict in r, with t what is recorded of it (the
 * total, in the smallest unit and in USD); 0 when denied, r saying by
 * what.
 */
int
batch_decide(const struct wref *w, struct txspec *s, json_t *req,
    long long now, struct pe_tx *t, struct pe_result *r)
{
	static char		 tsel[11];
	json_t			*ins = json_object_get(req, "instructions");
	struct pe_tx		 one;
	struct pe_result	 ri;
	char			 sel[11], what[64];
	double			 usd = 0;
	size_t			 i, tmpl = 0;
	int			 priced = 1, native = 0;

	memset(r, 0, sizeof(*r));
	r->tier = 0;
	for (i = 0; i < s->nitems; i++) {
		spec_pe(&s->items[i], json_array_get(ins, i), w->net->name,
		    &one, sel);
		one.usd = spec_usd(&s->items[i], one.amount, now, NULL, 0);
		if (one.usd < 0)
			priced = 0;
		else
			usd += one.usd;
		snprintf(what, sizeof(what), "instructions.%zu (%s)", i,
		    type_names[s->items[i].type]);
		if (!decide_eval(w->id, w->net->name, &one, now, &ri)) {
			*r = ri;
			batch_reason(r, what);
			return 0;
		}
		if (ri.tier > r->tier) {
			*r = ri;
			batch_reason(r, what);
		}
		/* the total is judged as the first that moves native value */
		if (!native && (s->items[i].type == T_TRANSFER ||
		    s->items[i].type == T_CALL)) {
			native = 1;
			tmpl = i;
		}
	}
	spec_pe(&s->items[tmpl], json_array_get(ins, tmpl), w->net->name, t,
	    tsel);
	t->amount = s->total;
	t->usd = priced ? usd : -1;
	if (!native) {
		/* tokens only: no native total; their USD value counts */
		t->type = T_TRANSFER;
		t->token = NULL;
		t->spender = NULL;
	}
	snprintf(what, sizeof(what), "the batch's total (%zu instructions)",
	    s->nitems);
	if (!decide_eval(w->id, w->net->name, t, now, &ri)) {
		*r = ri;
		batch_reason(r, what);
		return 0;
	}
	if (ri.tier > r->tier) {
		*r = ri;
		batch_reason(r, what);
	}
	/* recorded as the batch: no one token or recipient */
	t->type = T_BATCH;
	t->token = NULL;
	t->to = NULL;
	t->spender = NULL;
	return 1;
}

/*
 * The hash of everything the instructions will do, for the owner's
 * intent (intent_make): each instruction's type, recipient or program,
 * value, amount, token, data and accounts, in order.
 */
void
batch_intent(const struct txspec *s, char hex[65])
{
	crypto_hash_sha256_state	 st;
	const struct txspec		*e;
	uint8_t				 h[32], n[8];
	size_t				 i;
	uint32_t			 k;

	crypto_hash_sha256_init(&st);
	for (i = 0; i < s->nitems; i++) {
		e = &s->items[i];
		n[0] = (uint8_t)e->type;
		crypto_hash_sha256_update(&st, n, 1);
		crypto_hash_sha256_update(&st, (const uint8_t *)e->rcpt,
		    strlen(e->rcpt) + 1);
		crypto_hash_sha256_update(&st, (const uint8_t *)e->to,
		    strlen(e->to) + 1);
		crypto_hash_sha256_update(&st, e->value, 32);
		for (k = 0; k < 8; k++)
			n[k] = (uint8_t)(e->amount >> (56 - 8 * k));
		crypto_hash_sha256_update(&st, n, 8);
		crypto_hash_sha256_update(&st, (const uint8_t *)e->mint_text,
		    strlen(e->mint_text) + 1);
		for (k = 0; k < 8; k++)
			n[k] = (uint8_t)((uint64_t)e->datalen >> (56 - 8 * k));
		crypto_hash_sha256_update(&st, n, 8);
		if (e->datalen > 0)
			crypto_hash_sha256_update(&st, e->data, e->datalen);
		for (k = 0; k < e->naccts; k++) {
			crypto_hash_sha256_update(&st, e->accts[k].pubkey, 32);
			crypto_hash_sha256_update(&st,
			    &e->accts[k].is_signer, 1);
			crypto_hash_sha256_update(&st,
			    &e->accts[k].is_writable, 1);
		}
	}
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hex, 65, h, 32);
}

/*
 * Solana: the typed fields of every instruction to the signer, which
 * builds one transaction of them all (one signature, one blockhash):
 * all land or none.  A token instruction creates the recipient's token
 * account if it has none (the idempotent create, a no-op otherwise)
 * with the decimals the request gave (checked by the mint).
 */
void
sign_sol_items(struct job *j, const struct chain_ctx *x)
{
	struct sign_sol_batch	 b;
	struct sign_sol_tx	 t;
	const struct txspec	*e;
	uint8_t			*buf, *p;
	size_t			 i, len, data = 0;

	if (j->s.nitems < 2 || j->s.nitems > SIGN_SOL_BATCH_MAX)
		fatalx("batch of %zu instructions", j->s.nitems);
	for (i = 0; i < j->s.nitems; i++)
		data += j->s.items[i].datalen;
	len = sizeof(b) + j->s.nitems * sizeof(t) + data;
	if ((buf = calloc(1, len)) == NULL)
		fatal("calloc");
	memset(&b, 0, sizeof(b));
	strlcpy(b.id, j->wallet, sizeof(b.id));
	memcpy(b.blockhash, x->blockhash, 32);
	b.nitems = (uint32_t)j->s.nitems;
	b.datalen = (uint32_t)data;
	j->last_valid_height = x->last_valid_height;
	memcpy(buf, &b, sizeof(b));
	p = buf + sizeof(b) + j->s.nitems * sizeof(t);
	for (i = 0; i < j->s.nitems; i++) {
		e = &j->s.items[i];
		memset(&t, 0, sizeof(t));
		strlcpy(t.id, j->wallet, sizeof(t.id));
		t.kind = (uint32_t)e->sol_kind;
		if (e->sol_kind == SIGN_SOL_CALL) {
			memcpy(t.program, e->sol_to, 32);
			t.naccts = e->naccts;
			memcpy(t.accts, e->accts, sizeof(t.accts));
		} else {
			memcpy(t.to, e->sol_to, 32);
			t.amount = e->amount;
			memcpy(t.mint, e->mint, 32);
			t.decimals = (uint8_t)(e->decimals >= 0 ? e->decimals :
			    0);
			t.create_ata = e->sol_kind == SIGN_SOL_TOKEN;
		}
		t.datalen = (uint32_t)e->datalen;
		memcpy(buf + sizeof(b) + i * sizeof(t), &t, sizeof(t));
		if (e->datalen > 0) {
			memcpy(p, e->data, e->datalen);
			p += e->datalen;
		}
	}
	j->state = J_SIGN;
	j->sign_id = ++next_sign_id;
	if (imsgev_compose(&pd.signer, IMSG_SIGNER_SIGN_SOL_BATCH, j->sign_id,
	    -1, buf, len) == -1)
		fatal("IMSG_SIGNER_SIGN_SOL_BATCH");
	free(buf);
}

/* ---- EVM: one instruction after the other ---- */

/*
 * An EVM BATCH runs its instructions in order, each a transaction of its
 * own: instruction k+1 is prepared and signed only when k is confirmed,
 * so each takes the wallet's next nonce (consecutive, unless another
 * send of the wallet's comes between two of them).  The row goes back to
 * EXECUTING between them; batch_done records what each became.  The
 * first that fails (refused by the node, reverted on chain, or failing
 * before it is signed: an estimate that reverts, a fee over the cap)
 * ends the batch FAILED, naming it; those before it stay confirmed (an
 * EVM batch is not atomic) and none after it is signed.
 */

int
batch_evm(const struct job *j)
{
	return j->s.type == T_BATCH && j->s.chain == KS_CHAIN_ETHEREUM;
}

/* What is being executed: an EVM batch's instruction, or the spec. */
const struct txspec *
job_spec(const struct job *j)
{
	if (batch_evm(j) && j->k < j->s.nitems)
		return &j->s.items[j->k];
	return &j->s;
}

static json_t *
done_of(const char *id)
{
	sqlite3_stmt	*st;
	json_t		*d = NULL;

	st = store_prepare("SELECT batch_done FROM transactions WHERE id = ?");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) !=
	    SQLITE_NULL)
		d = json_loads((const char *)sqlite3_column_text(st, 0), 0,
		    NULL);
	sqlite3_finalize(st);
	if (!json_is_array(d)) {
		json_decref(d);
		if ((d = json_array()) == NULL)
			fatalx("json_array");
	}
	return d;
}

/* After a restart: the instruction to go on with. */
void
batch_load(struct job *j)
{
	json_t	*d;

	if (!batch_evm(j))
		return;
	d = done_of(j->id);
	j->k = json_array_size(d);
	json_decref(d);
	if (j->k >= j->s.nitems)
		fatalx("batch %s: every instruction is done, yet it runs",
		    j->id);
}

/*
 * What instruction k became (CONFIRMED, FAILED, CANCELLED), with its
 * hash and nonce if it was signed: in the caller's SQLite transaction.
 */
void
batch_record(const struct job *j, const char *status)
{
	sqlite3_stmt	*st;
	json_t		*d, *e;
	char		*text;

	d = done_of(j->id);
	if (json_array_size(d) != j->k) {
		log_warnx("batch %s: instruction %zu not recorded (%zu are)",
		    j->id, j->k, json_array_size(d));
		json_decref(d);
		return;
	}
	st = store_prepare("SELECT sig_hash, nonce FROM transactions WHERE "
	    "id = ?");
	sqlite3_bind_text(st, 1, j->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		fatalx("batch %s vanished", j->id);
	e = json_pack("{s:I, s:s, s:o, s:o}", "index", (json_int_t)j->k,
	    "status", status, "txHash", sqlite3_column_type(st, 0) ==
	    SQLITE_NULL ? json_null() : json_string((const char *)
	    sqlite3_column_text(st, 0)), "nonce", sqlite3_column_type(st,
	    1) == SQLITE_NULL ? json_null() :
	    json_integer(sqlite3_column_int64(st, 1)));
	sqlite3_finalize(st);
	if (e == NULL || json_array_append_new(d, e) == -1 ||
	    (text = json_dumps(d, JSON_COMPACT)) == NULL)
		fatalx("json batch_done");
	json_decref(d);
	st = store_prepare("UPDATE transactions SET batch_done = ? WHERE id "
	    "= ?");
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, j->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	wipe_free(text);
}

/*
 * Instruction k confirmed: 1 and the next one started, or 0 if it was
 * the last (the caller records the batch CONFIRMED).
 */
int
batch_next(struct job *j)
{
	if (!batch_evm(j) || j->k + 1 >= j->s.nitems)
		return 0;
	if (store_begin() == -1)
		fatalx("database busy");
	batch_record(j, "CONFIRMED");
	tx_update("UPDATE transactions SET status = 'EXECUTING', raw = NULL, "
	    "sig_hash = NULL, nonce = NULL, attempts = 0, updated_at = ?1 "
	    "WHERE id = ?2", j->id);
	if (store_commit() == -1)
		fatalx("database: cannot record a batch's step");
	log_info("batch %s: instruction %zu of %zu confirmed", j->id, j->k,
	    j->s.nitems);
	j->k++;
	j->has_nonce = 0;
	if (killed(j))
		return 1;
	prepare(j);
	return 1;
}
