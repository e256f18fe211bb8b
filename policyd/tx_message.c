/*
 * Message signing (POST /v1/transactions/sign-message): personal and
 * typed-data messages, decided and signed like a transaction.
 */

#include <string.h>

#include <sodium.h>

#include "abi.h"
#include "base58.h"
#include "eip712.h"
#include "evm.h"
#include "log.h"
#include "policy_rules.h"
#include "policyd.h"
#include "wipe.h"
#include "tx.h"

/* ---- message signing ---- */

/*
 * The bytes a message request signs: personal (EVM: the signer adds the
 * EIP-191 prefix; Solana: the off-chain message header) or typed data
 * (EVM: the domain separator and the struct hash).  0, or -1 and *why.
 */
int
msg_parse(json_t *req, int chain, struct txspec *s, const char **why)
{
	const char	*type = str(req, "signType"), *m;
	json_t		*typed;
	uint8_t		 d[32], h[32];
	uint64_t	 cid;

	s->msg_kind = type == NULL || strcmp(type, "personal") == 0 ?
	    SIGN_EVM_PERSONAL : SIGN_EVM_TYPED;
	if (s->msg_kind == SIGN_EVM_PERSONAL) {
		if ((m = str(req, "message")) == NULL || strlen(m) == 0 ||
		    strlen(m) > SIGN_MSG_MAX) {
			*why = "message: 1 to 16384 bytes of text";
			return -1;
		}
		s->datalen = strlen(m);
		if ((s->data = malloc(s->datalen)) == NULL)
			fatal("malloc");
		memcpy(s->data, m, s->datalen);
		return 0;
	}
	if (chain != KS_CHAIN_ETHEREUM) {
		*why = "typed data (EIP-712) is for EVM wallets";
		return -1;
	}
	typed = json_object_get(req, "typedData");
	if (eip712_hash(typed, d, h, why) == -1)
		return -1;
	/* Signed for another chain, it could be replayed there. */
	if (eip712_chain_id(typed, &cid) == 0 &&
	    cid != net_get(s->net)->chain_id) {
		*why = "typedData.domain.chainId is not the network's chain id";
		return -1;
	}
	if ((s->data = malloc(64)) == NULL)
		fatal("malloc");
	memcpy(s->data, d, 32);
	memcpy(s->data + 32, h, 32);
	s->datalen = 64;
	return 0;
}

/*
 * EIP-3009 typed data (TransferWithAuthorization, ReceiveWithAuthorization:
 * a signed transfer of the verifying contract's token): 1 and its
 * recipient, token and amount (decimal), 0 if it is not one.  The
 * typed data has been checked by eip712_hash() already.
 */
static int
eip3009(json_t *typed, char to[CHAIN_ADDR_MAX + 1],
    char token[CHAIN_ADDR_MAX + 1], char amount[80])
{
	const char	*pt = json_string_value(json_object_get(typed,
			    "primaryType"));
	json_t		*m = json_object_get(typed, "message");
	uint8_t		 v[32], a[20];
	const char	*s;

	if (pt == NULL || (strcmp(pt, "TransferWithAuthorization") != 0 &&
	    strcmp(pt, "ReceiveWithAuthorization") != 0))
		return 0;
	if ((s = json_string_value(json_object_get(m, "to"))) == NULL ||
	    evm_address_parse(s, strlen(s), a) == -1 ||
	    abi_int_word(json_object_get(m, "value"), 0, 256, v) != 0 ||
	    eip712_verifying_contract(typed, token) != 0)
		return 0;
	evm_address_checksum(a, to);
	u256_dec(v, amount);
	return 1;
}

/*
 * The policies' view of a message: a token permit is an approval of
 * each token it grants (APPROVED_SPENDERS, APPROVE_AMOUNT_LIMIT, the
 * tiers of its value); other typed data for a contract is a call to it
 * (CONTRACT_WHITELIST); anything else a message of no value.  The
 * strictest tier wins; one refusal refuses.  Inside the caller's
 * transaction.  1 allowed, 0 denied; *usd the value (-1 unknown).
 */
static int
msg_decide(struct pd_ctx *c, const struct wref *w, struct pe_result *r,
    double *usd, char *to, char *token, char *amount)
{
	struct eip712_permit	 pm;
	struct pe_tx		 t;
	struct pe_result	 one;
	json_t			*typed = json_object_get(c->body, "typedData");
	const char		*why;
	size_t			 i;

	memset(&t, 0, sizeof(t));
	t.evm = w->chain == KS_CHAIN_ETHEREUM;
	t.network = w->net->name;
	t.amount = "0";
	*usd = 0;
	if (typed != NULL && eip712_permit(typed, &pm, &why) == 1 &&
	    pm.n > 0) {
		for (i = 0; i < pm.n; i++) {
			t.type = PE_APPROVE;
			t.token = pm.grant[i].token;
			t.to = t.spender = pm.grant[i].spender;
			t.amount = pm.grant[i].amount;
			t.usd = strcmp(t.amount, "0") == 0 ? 0 :
			    price_value(w->net, t.token, t.amount, c->now,
			    NULL, 0);
			*usd = t.usd < 0 || *usd < 0 ? -1 : *usd + t.usd;
			if (!decide_eval(w->id, w->net->name, &t, c->now,
			    i == 0 ? r : &one)) {
				if (i > 0)
					*r = one;
				return 0;
			}
			if (i > 0 && one.tier > r->tier)
				*r = one;
		}
		strlcpy(to, pm.grant[0].spender, CHAIN_ADDR_MAX + 1);
		strlcpy(token, pm.grant[0].token, CHAIN_ADDR_MAX + 1);
		strlcpy(amount, pm.grant[0].amount, 80);
		return 1;
	}
	/* An EIP-3009 authorization moves the token: judged as its transfer
	 * (as an x402 payment is), not as a call of no value. */
	if (typed != NULL && eip3009(typed, to, token, amount) == 1) {
		t.type = PE_TOKEN;
		t.to = to;
		t.token = token;
		t.amount = amount;
		t.usd = price_value(w->net, token, amount, c->now, NULL, 0);
		*usd = t.usd;
		return decide_eval(w->id, w->net->name, &t, c->now, r);
	}
	if (typed != NULL && eip712_verifying_contract(typed, to) == 0) {
		t.type = PE_CALL;
		t.to = to;
	} else
		t.type = PE_MESSAGE;
	return decide_eval(w->id, w->net->name, &t, c->now, r);
}

/* Ask the signer to sign a message job's bytes. */
void
msg_sign(struct job *j)
{
	struct sign_evm_msg	e;
	struct sign_sol_msg	m;
	struct iovec		iov[2];

	iov[1].iov_base = j->s.data;
	iov[1].iov_len = j->s.datalen;
	j->state = J_SIGN;
	j->sign_id = ++next_sign_id;
	if (j->s.chain == KS_CHAIN_ETHEREUM) {
		memset(&e, 0, sizeof(e));
		strlcpy(e.id, j->wallet, sizeof(e.id));
		e.kind = (uint32_t)j->s.msg_kind;
		e.datalen = (uint32_t)j->s.datalen;
		iov[0].iov_base = &e;
		iov[0].iov_len = sizeof(e);
		if (imsgev_composev(&pd.signer, IMSG_SIGNER_SIGN_EVM_MSG,
		    j->sign_id, -1, iov, 2) == -1)
			fatal("IMSG_SIGNER_SIGN_EVM_MSG");
	} else {
		memset(&m, 0, sizeof(m));
		strlcpy(m.id, j->wallet, sizeof(m.id));
		m.datalen = (uint32_t)j->s.datalen;
		iov[0].iov_base = &m;
		iov[0].iov_len = sizeof(m);
		if (imsgev_composev(&pd.signer, IMSG_SIGNER_SIGN_SOL_MSG,
		    j->sign_id, -1, iov, 2) == -1)
			fatal("IMSG_SIGNER_SIGN_SOL_MSG");
	}
}

/* The signature of a message job: stored, audited, answered. */
void
msg_signed(struct job *j, const struct sign_reply *r, const uint8_t *sig)
{
	sqlite3_stmt	*st;
	json_t		*a;
	char		 text[200];
	long long	 now = (long long)time(NULL);

	if (r->status != SIGN_OK || r->len != (j->s.chain == KS_CHAIN_ETHEREUM ?
	    65U : 64U)) {
		if (j->peerid != 0)
			pd_fail(j->peerid, r->status == SIGN_LOCKED ? 503 :
			    500, r->status == SIGN_LOCKED ? "KEYSTORE_LOCKED" :
			    "INTERNAL_ERROR", "the signer could not sign", 0);
		tx_fail(j, r->status == SIGN_LOCKED ? "KEYSTORE_LOCKED" :
		    "INTERNAL_ERROR", 0, "the signer could not sign");
		return;
	}
	if (j->s.chain == KS_CHAIN_ETHEREUM) {
		strlcpy(text, "0x", sizeof(text));
		sodium_bin2hex(text + 2, sizeof(text) - 2, sig, 65);
	} else
		base58_encode(sig, 64, text, sizeof(text));
	if (store_begin() == -1)
		fatalx("database busy");
	if (sqlite3_prepare_v2(pd.db, "UPDATE transactions SET status = "
	    "'SIGNED', signature = ?, updated_at = ? WHERE id = ?", -1, &st,
	    NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, j->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	a = json_pack("{s:s, s:s, s:s, s:s}", "id", j->id, "status", "SIGNED",
	    "signType", j->s.msg_kind == SIGN_EVM_TYPED ? "typedData" :
	    "personal", "signature", text);
	if (a == NULL || audit_append(now, "TX_MESSAGE_SIGNED", "system",
	    j->id, json_object()) == -1 || (j->peerid != 0 &&
	    idem_answer(j->peerid, 200, a) == -1) || store_commit() == -1)
		fatalx("database: cannot record a signature");
	if (j->peerid != 0)
		pd_reply_json(j->peerid, 200, a);
	else
		json_decref(a);
	job_end(j);
}

/* POST /v1/transactions/sign-message */
void
tx_sign_message(struct pd_ctx *c)
{
	struct wref		 w;
	struct txspec		 s;
	struct eip712_permit	 pm;
	struct pe_result	 r;
	struct job		*j;
	json_t			*issues, *req, *a = NULL;
	const char		*why;
	char			 id[UUID_STR_LEN], actor[64], *text;
	char			 to[CHAIN_ADDR_MAX + 1];
	char			 token[CHAIN_ADDR_MAX + 1];
	char			 amount[80];
	double			 usd;
	int			 queued, rc;
	sqlite3_stmt		*st;

	if (!send_ref(c, &w))
		return;
	memset(&s, 0, sizeof(s));
	s.chain = w.chain;
	s.net = net_index(w.net);
	s.msg = 1;
	if (msg_parse(c->body, w.chain, &s, &why) == -1) {
		spec_free(&s);
		if ((issues = json_array()) == NULL)
			fatalx("json_array");
		issue(issues, "message", why);
		fail_issues(c->peerid, issues);
		return;
	}
	/* Permit-like typed data of another layout is refused, not guessed. */
	if (s.msg_kind == SIGN_EVM_TYPED && eip712_permit(json_object_get(
	    c->body, "typedData"), &pm, &why) == -1) {
		spec_free(&s);
		if ((issues = json_array()) == NULL)
			fatalx("json_array");
		issue(issues, "typedData", why);
		fail_issues(c->peerid, issues);
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
	snprintf(actor, sizeof(actor), "session:%s", c->session);
	to[0] = token[0] = '\0';
	strlcpy(amount, "0", sizeof(amount));
	if (!msg_decide(c, &w, &r, &usd, to, token, amount)) {
		spec_free(&s);
		denied(c, &w, "SIGN_MESSAGE", &r);
		return;
	}
	queued = r.tier >= TIER_DELAY;
	req = json_deep_copy(c->body);
	json_object_set_new(req, "network", json_string(w.net->name));
	json_object_set_new(req, "walletId", json_string(w.id));
	if ((text = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatalx("json_dumps");
	json_decref(req);
	uuidv7(id);
	if (sqlite3_prepare_v2(pd.db, "INSERT INTO transactions (id, "
	    "wallet_id, session_id, type, status, tier, chain, network, "
	    "request, execute_after, expires_at, created_at, updated_at, "
	    "amount, to_address, token, reserved_usd) VALUES (?, ?, ?, "
	    "'SIGN_MESSAGE', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st,
	    NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, queued ? "QUEUED" : "PENDING", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 5, tier_name(r.tier), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, chain_name(w.chain), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, w.net->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, text, -1, SQLITE_STATIC);
	if (r.tier == TIER_DELAY)
		sqlite3_bind_int64(st, 9, c->now + r.delay_seconds);
	if (r.tier == TIER_APPROVAL)
		sqlite3_bind_int64(st, 10, c->now + r.approval_timeout);
	sqlite3_bind_int64(st, 11, c->now);
	sqlite3_bind_int64(st, 12, c->now);
	sqlite3_bind_text(st, 13, amount, -1, SQLITE_STATIC);
	if (to[0] != '\0')
		sqlite3_bind_text(st, 14, to, -1, SQLITE_STATIC);
	if (token[0] != '\0')
		sqlite3_bind_text(st, 15, token, -1, SQLITE_STATIC);
	if (usd > 0)
		sqlite3_bind_double(st, 16, usd);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	wipe_free(text);
	if (rc != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	if (audit_append(c->now, "TX_REQUESTED", actor, id, json_pack(
	    "{s:s, s:s, s:s, s:s, s:s}", "walletId", w.id, "type",
	    "SIGN_MESSAGE", "network", w.net->name, "tier", tier_name(r.tier),
	    "reason", r.reason)) == -1 || (r.tier > TIER_INSTANT &&
	    outbox_add(c->now, r.tier == TIER_NOTIFY ? "TX_NOTIFY" :
	    r.tier == TIER_DELAY ? "TX_DELAYED" : "TX_APPROVAL_REQUIRED",
	    json_pack("{s:s, s:s, s:s, s:s, s:s}", "txId", id, "walletId",
	    w.id, "network", w.net->name, "type", "SIGN_MESSAGE", "tier",
	    tier_name(r.tier))) == -1) ||
	    /* Queued, the answer is known now; signed, once signed. */
	    (queued && (a = json_pack("{s:s, s:s, s:s}", "id", id, "status",
	    "QUEUED", "tier", tier_name(r.tier))) == NULL) ||
	    idem_record(c->peerid, id, c->route, 201, a) == -1 ||
	    store_commit() == -1) {
		json_decref(a);
		store_rollback();
		spec_free(&s);
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "cannot record "
		    "the request", 1);
		return;
	}
	if (queued) {
		spec_free(&s);
		queue_arm();
		pd_reply_json(c->peerid, 201, a);
		return;
	}
	j = job_new(id, w.id, 0);
	j->s = s;
	j->peerid = c->peerid;
	if (!killed(j))
		msg_sign(j);
}
