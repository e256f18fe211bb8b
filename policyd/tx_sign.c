/*
 * Sign-only (POST /v1/transactions/sign): an unsigned transaction that
 * a dApp built, decoded (chain/evm.c, strictly), judged by the policies
 * as the send request it amounts to, signed and answered at once; the
 * row is recorded SIGNED and never broadcast.
 *
 * What is judged is what is signed: the decoded fields become the same
 * request a send would carry (TRANSFER, TOKEN_TRANSFER, APPROVE or
 * CONTRACT_CALL), which goes through spec_parse, spec_pe and
 * decide_eval like a send; the spec it yields must carry exactly the
 * decoded to, value and data, and the decoded fields must re-encode to
 * exactly the bytes given, else nothing is signed.  The signer gets
 * typed fields and serializes them itself, as for a send.
 *
 * The nonce is the dApp's, as given.  It is not stored in the nonce
 * column, so it reserves nothing: the daemon's own sends keep asking
 * the node for the pending count.  If the dApp has not broadcast its
 * transaction when the daemon sends, both use the same nonce and the
 * first to reach the chain wins: a later broadcast of the other is
 * refused as "nonce too low" (the daemon's own send then re-signs with
 * the next nonce; the dApp's signed bytes are dead).  Once the dApp's
 * transaction is in the node's pending pool, the daemon's next send
 * takes the nonce after it.
 */

#include <string.h>

#include <sodium.h>

#include "evm.h"
#include "log.h"
#include "policy_rules.h"
#include "policyd.h"
#include "wipe.h"
#include "tx.h"

#define SEL_TRANSFER	0xa9059cbbU	/* transfer(address,uint256) */
#define SEL_APPROVE	0x095ea7b3U	/* approve(address,uint256) */

#define invalid	sign_only_invalid

void
sign_only_invalid(struct pd_ctx *c, const char *why)
{
	pd_fail(c->peerid, 400, "INVALID_TRANSACTION", why, 0);
}

/* "0x" and an even number of hex digits into a new buffer, or NULL. */
static uint8_t *
unhex(const char *t, size_t *n)
{
	uint8_t	*b;
	size_t	 len;

	if (t == NULL || strncmp(t, "0x", 2) != 0 || (len = strlen(t) - 2) %
	    2 != 0 || len == 0)
		return NULL;
	if ((b = malloc(len / 2)) == NULL)
		fatal("malloc");
	if (sodium_hex2bin(b, len / 2, t + 2, len, NULL, n, NULL) != 0 ||
	    *n != len / 2) {
		free(b);
		return NULL;
	}
	return b;
}

/* The configured EVM network of a chain id, or NULL. */
static const struct network *
net_of_chain_id(uint64_t id)
{
	const struct network	*n;
	uint32_t		 i;

	for (i = 0; (n = net_get(i)) != NULL; i++)
		if (n->chain == KS_CHAIN_ETHEREUM && n->chain_id == id)
			return n;
	return NULL;
}

static void
hex0x(const uint8_t *b, size_t n, char *out, size_t cap)
{
	out[0] = '0';
	out[1] = 'x';
	sodium_bin2hex(out + 2, cap - 2, b, n);
}

/*
 * The send request a decoded transaction amounts to, for spec_parse:
 * no calldata and some value, a TRANSFER; an ERC-20 transfer or approve
 * of exactly their layout and no value, a TOKEN_TRANSFER or APPROVE of
 * the contract's token; anything else a CONTRACT_CALL of its value and
 * calldata (CONTRACT_WHITELIST, METHOD_WHITELIST).  NULL and *why if it
 * is an ERC-20 call that does not fit its layout.
 */
static json_t *
as_request(const struct evm_tx *tx, const char **why)
{
	json_t		*req;
	const uint8_t	*d = tx->data;
	uint32_t	 sel = 0;
	char		 to[43], arg[43], value[80], amount[80], *cd;
	size_t		 cdlen;

	evm_address_checksum(tx->to, to);
	u256_dec(tx->value, value);
	if (tx->datalen == 0 && !is_zero_bytes(tx->value))
		return json_pack("{s:s, s:s, s:s}", "type", "TRANSFER", "to",
		    to, "amount", value);
	if (tx->datalen >= 4)
		sel = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
		    (uint32_t)d[2] << 8 | d[3];
	if (sel == SEL_TRANSFER || sel == SEL_APPROVE) {
		if (tx->datalen != 68 || !is_zero(d + 4, 12)) {
			*why = "an ERC-20 transfer or approve whose calldata "
			    "is not one address and one amount";
			return NULL;
		}
		if (!is_zero_bytes(tx->value)) {
			*why = "an ERC-20 transfer or approve that also sends "
			    "value";
			return NULL;
		}
		evm_address_checksum(d + 16, arg);
		u256_dec(d + 36, amount);
		return json_pack("{s:s, s:s, s:s, s:{s:s}}", "type",
		    sel == SEL_TRANSFER ? "TOKEN_TRANSFER" : "APPROVE",
		    sel == SEL_TRANSFER ? "to" : "spender", arg, "amount",
		    amount, "token", "address", to);
	}
	req = json_pack("{s:s, s:s, s:s}", "type", "CONTRACT_CALL", "to", to,
	    "value", value);
	if (req != NULL && tx->datalen > 0) {
		cdlen = 2 + 2 * tx->datalen + 1;
		if ((cd = malloc(cdlen)) == NULL)
			fatal("malloc");
		hex0x(d, tx->datalen, cd, cdlen);
		json_object_set_new(req, "calldata", json_string(cd));
		free(cd);
	}
	return req;
}

/* What the answer says the transaction does (TxSignResponse). */
static json_t *
operation(const struct txspec *s, const struct pe_tx *t)
{
	json_t	*o;

	o = json_pack("{s:s, s:s, s:s, s:o, s:n}", "type", type_names[s->type],
	    "to", s->rcpt, "amount", t->amount, "token", t->token != NULL ?
	    json_string(t->token) : json_null(), "programId");
	if (o == NULL)
		fatalx("json_pack operation");
	if (s->chain == KS_CHAIN_SOLANA) {
		/* a Solana call names its program; its method is unknown */
		if (s->type == T_CALL)
			json_object_set_new(o, "programId",
			    json_string(s->to));
		json_object_set_new(o, "method", s->type == T_TOKEN ?
		    json_string("transferChecked") : json_null());
		return o;
	}
	json_object_set_new(o, "method", s->type == T_TOKEN ? json_string(
	    "transfer") : s->type == T_APPROVE ? json_string("approve") :
	    t->selector != NULL ? json_string(t->selector) : json_null());
	return o;
}

/* Over the daemon's own bounds: the fee and gas caps of its sends. */
static const char *
over_caps(const struct evm_tx *tx)
{
	static char	why[160];
	uint8_t		cap[32];

	u256_u64(cap, pd.p->cfg.max_fee_gwei * 1000000000ULL);
	if (u256_cmp(tx->type == EVM_TX_LEGACY ? tx->gas_price : tx->max_fee,
	    cap) > 0) {
		snprintf(why, sizeof(why), "the fee per gas is above the cap "
		    "of %u gwei (security.max_fee_per_gas_gwei)",
		    (unsigned)pd.p->cfg.max_fee_gwei);
		return why;
	}
	if (tx->gas_limit < 21000 || tx->gas_limit > pd.p->cfg.max_gas) {
		snprintf(why, sizeof(why), "gas %llu outside 21000..%u "
		    "(security.max_gas_limit)",
		    (unsigned long long)tx->gas_limit, pd.p->cfg.max_gas);
		return why;
	}
	return NULL;
}

/* Ask the signer for the decoded fields, signed. */
static void
sign_fields(struct job *j, const void *arg)
{
	const struct evm_tx	*tx = arg;
	struct sign_evm_tx	 t;

	memset(&t, 0, sizeof(t));
	strlcpy(t.id, j->wallet, sizeof(t.id));
	t.type = (uint32_t)tx->type;
	t.chain_id = tx->chain_id;
	t.nonce = tx->nonce;
	t.gas_limit = tx->gas_limit;
	memcpy(t.gas_price, tx->gas_price, 32);
	memcpy(t.max_priority_fee, tx->max_priority_fee, 32);
	memcpy(t.max_fee, tx->max_fee, 32);
	memcpy(t.to, tx->to, 20);
	memcpy(t.value, tx->value, 32);
	/* the spec's data, checked equal to the decoded data */
	sign_evm_ask(j, &t);
}

/*
 * The decoded transaction judged and, if allowed at once, recorded and
 * sent to the signer (ask, with arg); else answered.  Takes *s.
 */
void
sign_only_decide(struct pd_ctx *c, const struct wref *w, json_t *req,
    struct txspec *s, void (*ask)(struct job *, const void *),
    const void *arg)
{
	struct pe_tx		 t;
	struct pe_result	 r;
	struct job		*j;
	json_t			*a;
	char			 id[UUID_STR_LEN], sel[11];

	spec_pe(s, req, w->net->name, &t, sel);
	t.usd = spec_usd(s, t.amount, c->now, NULL, 0);
	if (busy(c) || !pd_begin(c)) {
		spec_free(s);
		return;
	}
	if (!decide_eval(w->id, w->net->name, &t, c->now, &r)) {
		denied(c, w, type_names[s->type], &r);
		spec_free(s);
		return;
	}
	/* Nothing waits here: the answer is the signed transaction. */
	if (r.tier >= TIER_DELAY) {
		r.allowed = 0;
		r.code = "POLICY_DENIED";
		r.retry_after = 0;
		snprintf(r.reason, sizeof(r.reason), "the policies put this "
		    "transaction in the %s tier; sign-only answers at once "
		    "and refuses what must wait (send it through "
		    "/v1/transactions/send instead)", tier_name(r.tier));
		denied(c, w, type_names[s->type], &r);
		spec_free(s);
		return;
	}
	uuidv7(id);
	a = json_pack("{s:s, s:[o], s:{s:s}}", "id", id, "operations",
	    operation(s, &t), "policyResult", "tier", tier_name(r.tier));
	if (a == NULL || tx_insert(c, w, s, &t, &r, id, req, 1) == -1 ||
	    idem_record(c->peerid, id, c->route, 200, NULL) == -1 ||
	    store_commit() == -1) {
		json_decref(a);
		spec_free(s);
		store_rollback();
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "cannot record "
		    "the transaction", 1);
		return;
	}
	j = job_new(id, w->id, 0);
	j->s = *s;
	memset(s, 0, sizeof(*s));
	j->sign_only = 1;
	j->peerid = c->peerid;
	j->req = a;
	if (!killed(j))
		ask(j, arg);
}

/* POST /v1/transactions/sign */
void
tx_sign_tx(struct pd_ctx *c)
{
	const struct network	*net = NULL;
	struct evm_tx		 tx;
	struct wref		 w;
	struct txspec		 s;
	struct rlp		 re;
	json_t			*req = NULL, *issues, *e;
	const char		*text = str(c->body, "transaction");
	const char		*why = NULL;
	const char		*network = str(c->body, "network");
	const char		*chain;
	uint8_t			*b, *out = NULL;
	size_t			 n = 0;
	char			 msg[200];
	int			 ok;

	b = unhex(text, &n);
	ok = b != NULL && evm_tx_decode(b, n, &tx, &why) == 0;
	/* No network named: the one of the transaction's chain id. */
	if (network == NULL && ok && (net = net_of_chain_id(tx.chain_id)) !=
	    NULL)
		network = net->name;
	if (!send_ref_net(c, &w, network))
		goto done;
	if ((chain = str(c->body, "chain")) != NULL && strcmp(chain,
	    chain_name(w.chain)) != 0) {
		pd_fail_issue(c->peerid, "chain", "not the wallet's chain");
		goto done;
	}
	if (w.chain == KS_CHAIN_SOLANA) {
		tx_sign_sol(c, &w, text);
		goto done;
	}
	if (b == NULL) {
		invalid(c, "transaction: 0x and an even number of hex digits "
		    "(an unsigned EVM transaction)");
		goto done;
	}
	if (!ok) {
		invalid(c, why);
		goto done;
	}
	if (tx.chain_id != w.net->chain_id) {
		snprintf(msg, sizeof(msg), "chainId %llu is not the chain id "
		    "of %s (%llu)", (unsigned long long)tx.chain_id,
		    w.net->name, (unsigned long long)w.net->chain_id);
		invalid(c, msg);
		goto done;
	}
	/* The bytes given are the fields decoded, and nothing else. */
	if ((out = malloc(EVM_TX_MAX)) == NULL)
		fatal("malloc");
	re.p = out;
	re.len = 0;
	re.cap = EVM_TX_MAX;
	if (evm_tx_encode(&re, &tx, NULL, 0) == -1 || re.len != n ||
	    memcmp(out, b, n) != 0) {
		invalid(c, "the transaction does not re-encode to the bytes "
		    "given");
		goto done;
	}
	if ((why = over_caps(&tx)) != NULL) {
		invalid(c, why);
		goto done;
	}
	if ((req = as_request(&tx, &why)) == NULL) {
		invalid(c, why);
		goto done;
	}
	json_object_set_new(req, "network", json_string(w.net->name));
	json_object_set_new(req, "walletId", json_string(w.id));
	if ((issues = json_array()) == NULL)
		fatalx("json_array");
	memset(&s, 0, sizeof(s));
	if (spec_parse(req, w.chain, net_index(w.net), w.address, &s,
	    issues) > 0) {
		e = json_array_get(issues, 0);
		snprintf(msg, sizeof(msg), "as %s: %s", str(req, "type"),
		    str(e, "message"));
		json_decref(issues);
		spec_free(&s);
		invalid(c, msg);
		goto done;
	}
	json_decref(issues);
	/* What the policies see is what the signer signs. */
	if (memcmp(s.to20, tx.to, 20) != 0 || u256_cmp(s.value,
	    tx.value) != 0 || s.datalen != tx.datalen || (s.datalen > 0 &&
	    memcmp(s.data, tx.data, s.datalen) != 0)) {
		log_warnx("sign-only: the spec differs from the transaction");
		spec_free(&s);
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the transaction "
		    "could not be judged as it is", 0);
		goto done;
	}
	sign_only_decide(c, &w, req, &s, sign_fields, &tx);
 done:
	json_decref(req);
	free(out);
	free(b);
}

/* The signer's answer for a sign-only job: recorded, audited, answered. */
void
tx_sign_signed(struct job *j, const struct sign_reply *r, const uint8_t *raw)
{
	sqlite3_stmt	*st;
	json_t		*a;
	char		 hash[100], *signed_hex;
	size_t		 cap;
	long long	 now = (long long)time(NULL);

	if (r->status != SIGN_OK || r->len == 0) {
		pd_fail(j->peerid, r->status == SIGN_LOCKED ? 503 : 500,
		    r->status == SIGN_LOCKED ? "KEYSTORE_LOCKED" :
		    "INTERNAL_ERROR", "the signer could not sign", 0);
		tx_fail(j, r->status == SIGN_LOCKED ? "KEYSTORE_LOCKED" :
		    "INTERNAL_ERROR", 0, "the signer could not sign");
		return;
	}
	if (j->s.chain == KS_CHAIN_SOLANA) {
		/* one signature slot, then the message: the signature is
		   the transaction's id; the bytes go back in base64 */
		if (r->len < 65 || raw[0] != 1)
			fatalx("IMSG_SIGNER_SIGNED: not a Solana transaction");
		hash_text(KS_CHAIN_SOLANA, raw + 1, hash, sizeof(hash));
		cap = sodium_base64_encoded_len(r->len,
		    sodium_base64_VARIANT_ORIGINAL);
		if ((signed_hex = malloc(cap)) == NULL)
			fatal("malloc");
		sodium_bin2base64(signed_hex, cap, raw, r->len,
		    sodium_base64_VARIANT_ORIGINAL);
	} else {
		hex0x(r->txhash, 32, hash, sizeof(hash));
		cap = 2 + 2 * (size_t)r->len + 1;
		if ((signed_hex = malloc(cap)) == NULL)
			fatal("malloc");
		hex0x(raw, r->len, signed_hex, cap);
	}
	if (store_begin() == -1)
		fatalx("database busy");
	if (sqlite3_prepare_v2(pd.db, "UPDATE transactions SET status = "
	    "'SIGNED', raw = ?, sig_hash = ?, tx_hash = ?, updated_at = ? "
	    "WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_blob(st, 1, raw, (int)r->len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_text(st, 5, j->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	a = j->req;
	j->req = NULL;
	json_object_set_new(a, "signedTransaction", json_string(signed_hex));
	json_object_set_new(a, "txHash", json_string(hash));
	free(signed_hex);
	if (audit_append(now, "TX_SIGNED", "system", j->id, json_pack(
	    "{s:s, s:s, s:b}", "walletId", j->wallet, "txHash", hash,
	    "broadcast", 0)) == -1 || idem_answer(j->peerid, 200, a) == -1 ||
	    store_commit() == -1)
		fatalx("database: cannot record a signed transaction");
	log_info("transaction %s signed only (%s), not broadcast", j->id,
	    hash);
	pd_reply_json(j->peerid, 200, a);
	job_end(j);
}
