/*
 * What is decided about a transaction before it is stored: the policies
 * that apply, what they see of it, its USD value, the wallet and network
 * a request means, and the intent an owner approves.
 */

#include <string.h>

#include <sodium.h>

#include "log.h"
#include "policy_rules.h"
#include "policyd.h"
#include "tx.h"

/* ---- the decision ---- */

/* What the policies see of a transaction. */
void
spec_pe(const struct txspec *s, json_t *req, const char *network,
    struct pe_tx *t, char sel[11])
{
	const char	*v;

	memset(t, 0, sizeof(*t));
	t->type = s->type;		/* PE_* and T_* are the same numbers */
	t->evm = s->chain == KS_CHAIN_ETHEREUM;
	t->network = network;
	t->to = s->rcpt;
	if (s->type == T_TOKEN || s->type == T_APPROVE || s->type == T_NFT)
		t->token = s->mint_text;
	if (s->type == T_NFT)
		t->contract = s->to;
	if (s->type == T_APPROVE)
		t->spender = s->rcpt;
	v = s->type == T_CALL || s->type == T_DEPLOY ? str(req, "value") :
	    str(req, "amount");
	/* an NFT transfer's amount is a count of the token id, 1 unless said */
	t->amount = v != NULL ? v : s->type == T_NFT ? "1" : "0";
	if ((s->type == T_CALL || s->type == T_NFT) && t->evm &&
	    s->datalen >= 4) {
		snprintf(sel, 11, "0x%02x%02x%02x%02x", s->data[0],
		    s->data[1], s->data[2], s->data[3]);
		t->selector = sel;
	}
}

/* The transaction's value in USD, or -1 without a usable price. */
double
spec_usd(const struct txspec *s, const char *amount, long long now,
    char *why, size_t whylen)
{
	/* An NFT is not priced here: its transfer moves no native value. */
	if (strcmp(amount, "0") == 0 || s->type == T_NFT)
		return 0;
	return price_value(net_get(s->net), s->type == T_TOKEN ||
	    s->type == T_APPROVE ? s->mint_text : NULL, amount, now, why,
	    whylen);
}

/*
 * The wallet a session request means (walletId, or its only wallet) and
 * the network (given, or the wallet's own).  A read without a network
 * reads the network the wallet was created with and is shown with; a
 * send without one on an EVM testnet is refused (NETWORK_REQUIRED):
 * the same address exists on every EVM testnet, and value moves only on
 * a chain the caller named.  1, or 0 after answering.
 */
#define WREF_COLS	"w.id, w.chain, w.environment, w.public_key, " \
	"w.status, w.network"

/* A row of WREF_COLS; own: the wallet's network. */
static void
wref_row(sqlite3_stmt *st, struct wref *w, char *own, size_t ownlen)
{
	strlcpy(w->id, (const char *)sqlite3_column_text(st, 0),
	    sizeof(w->id));
	w->chain = strcmp((const char *)sqlite3_column_text(st, 1),
	    "ethereum") == 0 ? KS_CHAIN_ETHEREUM : KS_CHAIN_SOLANA;
	w->env = strcmp((const char *)sqlite3_column_text(st, 2),
	    "mainnet") == 0 ? ENV_MAINNET : ENV_TESTNET;
	strlcpy(w->address, (const char *)sqlite3_column_text(st, 3),
	    sizeof(w->address));
	strlcpy(w->status, (const char *)sqlite3_column_text(st, 4),
	    sizeof(w->status));
	strlcpy(own, (const char *)sqlite3_column_text(st, 5), ownlen);
}

/*
 * The wallet a masterAuth request names in its path, any status, on its
 * own network.  1, or 0 after answering 404.
 */
int
wallet_ref_admin(struct pd_ctx *c, const char *wid, struct wref *w)
{
	sqlite3_stmt	*st;
	char		 own[NET_NAME_MAX + 1];
	int		 found = 0;

	memset(w, 0, sizeof(*w));
	if (ks_valid_id(wid, strlen(wid))) {
		if (sqlite3_prepare_v2(pd.db, "SELECT " WREF_COLS " FROM "
		    "wallets w WHERE w.id = ?", -1, &st, NULL) != SQLITE_OK)
			fatalx("database: %s", sqlite3_errmsg(pd.db));
		sqlite3_bind_text(st, 1, wid, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			wref_row(st, w, own, sizeof(own));
			w->net = net_lookup(own);
			found = 1;
		}
		sqlite3_finalize(st);
	}
	if (!found)
		pd_fail(c->peerid, 404, "WALLET_NOT_FOUND", "no such wallet",
		    0);
	return found;
}

int
wallet_ref(struct pd_ctx *c, const char *wid, const char *network,
    int read, struct wref *w)
{
	static const char	 q_ref[] = "SELECT " WREF_COLS " FROM wallets "
	    "w JOIN session_wallets s ON s.wallet_id = w.id WHERE "
	    "s.session_id = ? AND (? IS NULL OR w.id = ?) LIMIT 2";
	sqlite3_stmt	*st;
	char		 msg[200], own[NET_NAME_MAX + 1];
	int		 n = 0;

	memset(w, 0, sizeof(*w));
	st = store_cached(q_ref);
	sqlite3_bind_text(st, 1, c->session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, wid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, wid, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && ++n == 1)
		wref_row(st, w, own, sizeof(own));
	store_release(st);
	if (n == 0) {
		if (wid != NULL)
			pd_fail(c->peerid, 403, "WALLET_ACCESS_DENIED", "this "
			    "session has no such wallet", 0);
		else
			pd_fail(c->peerid, 404, "WALLET_NOT_FOUND", "this "
			    "session has no wallet", 0);
		return 0;
	}
	if (n > 1) {
		pd_fail_issue(c->peerid, "walletId", "required: this session "
		    "has several wallets");
		return 0;
	}
	if (network == NULL) {
		if (!read && w->chain == KS_CHAIN_ETHEREUM &&
		    w->env == ENV_TESTNET) {
			pd_fail(c->peerid, 400, "NETWORK_REQUIRED", "an EVM "
			    "testnet send must name the network (e.g. "
			    "ethereum-sepolia)", 0);
			return 0;
		}
		network = own;
	}
	if ((w->net = net_lookup(network)) == NULL) {
		snprintf(msg, sizeof(msg), "unknown network %.40s", network);
		pd_fail_issue(c->peerid, "network", msg);
		return 0;
	}
	if (w->net->chain != (uint32_t)w->chain ||
	    w->net->env != (uint32_t)w->env) {
		snprintf(msg, sizeof(msg), "network %s is not a %s %s network",
		    w->net->name, chain_name(w->chain), env_name(w->env));
		pd_fail(c->peerid, 400, "ENVIRONMENT_NETWORK_MISMATCH", msg,
		    0);
		return 0;
	}
	return 1;
}

/*
 * The wallet and network a send or a signature acts for: no kill switch,
 * an active wallet.  1, or 0 after answering.
 */
int
send_ref(struct pd_ctx *c, struct wref *w)
{
	return send_ref_net(c, w, str(c->body, "network"));
}

/* The same with the network given (NULL: the wallet's, as above). */
int
send_ref_net(struct pd_ctx *c, struct wref *w, const char *network)
{
	if (kill_refuse(c) || !wallet_ref(c, str(c->body, "walletId"),
	    network, 0, w))
		return 0;
	if (strcmp(w->status, "SUSPENDED") == 0) {
		pd_fail(c->peerid, 409, "WALLET_SUSPENDED", "the wallet is "
		    "suspended: it signs nothing until the operator resumes "
		    "it", 0);
		return 0;
	}
	if (strcmp(w->status, "ACTIVE") != 0) {
		pd_fail(c->peerid, 410, "WALLET_TERMINATED", "the wallet is "
		    "terminated", 0);
		return 0;
	}
	return 1;
}

/* Too many transactions executing: 1 after answering 503. */
int
busy(struct pd_ctx *c)
{
	if (njobs < JOBS_MAX)
		return 0;
	pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "too many transactions "
	    "executing; try again", 1);
	return 1;
}

/*
 * A refusal by policy, inside the transaction the decision began: rolled
 * back, audited on its own, answered (RATE_LIMIT with Retry-After).
 */
void
denied(struct pd_ctx *c, const struct wref *w, const char *type,
    const struct pe_result *r)
{
	char	actor[64];

	store_rollback();
	snprintf(actor, sizeof(actor), "session:%s", c->session);
	audit_event(c->now, "TX_DENIED", actor, NULL, json_pack(
	    "{s:s, s:s, s:s, s:s, s:s}", "walletId", w->id, "type", type,
	    "network", w->net->name, "code", r->code, "reason", r->reason));
	if (r->retry_after > 0)
		pd_fail_retry(c->peerid, 429, r->code, r->reason,
		    (int)r->retry_after);
	else
		pd_fail(c->peerid, 403, r->code, r->reason, 0);
}

/* ---- what an owner approves ---- */

/*
 * The intent of a transaction as text, and its SHA-256 in hex: what the
 * owner's signature binds (resource urn:waiaas:intent:<hex>).  Everything
 * the chain will see that moves value: wallet, network, type, recipient
 * (or spender, contract, program), amount, token, the hash of the call
 * data (Solana: accounts and data), and the fee cap.
 */
void
intent_make(const char *id, const char *wallet, const struct txspec *s,
    const char *amount, uint64_t fee_cap, char *text, size_t len,
    char hex[65])
{
	crypto_hash_sha256_state	st;
	uint8_t				h[32];
	char				data[65], cap[64];
	char				to[CHAIN_ADDR_MAX + 1];
	uint32_t			i;

	strlcpy(data, "none", sizeof(data));
	if (s->type == T_BATCH)
		batch_intent(s, data);
	else if (s->datalen > 0 || s->naccts > 0) {
		crypto_hash_sha256_init(&st);
		for (i = 0; i < s->naccts; i++) {
			crypto_hash_sha256_update(&st, s->accts[i].pubkey, 32);
			crypto_hash_sha256_update(&st,
			    &s->accts[i].is_signer, 1);
			crypto_hash_sha256_update(&st,
			    &s->accts[i].is_writable, 1);
		}
		if (s->datalen > 0)
			crypto_hash_sha256_update(&st, s->data, s->datalen);
		crypto_hash_sha256_final(&st, h);
		sodium_bin2hex(data, sizeof(data), h, 32);
	}
	if (s->chain == KS_CHAIN_ETHEREUM)
		snprintf(cap, sizeof(cap), "%llu gwei per gas",
		    (unsigned long long)fee_cap);
	else
		strlcpy(cap, "5000 lamports (one signature, no priority fee)",
		    sizeof(cap));
	if (s->type == T_BATCH)
		snprintf(to, sizeof(to), "%zu instructions", s->nitems);
	else
		strlcpy(to, s->rcpt, sizeof(to));
	snprintf(text, len, "WAIaaS transaction\nid: %s\nwallet: %s\n"
	    "network: %s\ntype: %s\nto: %s\namount: %s\ntoken: %s\n"
	    "calldata: %s\nfee cap: %s\n", id, wallet, net_get(s->net)->name,
	    type_names[s->type], s->create ? "(a new contract)" : to,
	    amount, s->type == T_TOKEN || s->type == T_APPROVE ||
	    s->type == T_NFT ? s->mint_text : "none", data, cap);
	crypto_hash_sha256(h, (const uint8_t *)text, strlen(text));
	sodium_bin2hex(hex, 65, h, 32);
}

/* The intent of a stored transaction; -1 if it has none. */
int
tx_intent(const char *id, char *text, size_t len, char hex[65])
{
	sqlite3_stmt		*st;
	struct txspec		 s;
	const struct network	*net;
	json_t			*req, *issues;
	const char		*why;
	uint8_t			 h[32];
	char			 mh[65];
	int			 r = -1, chain;

	memset(&s, 0, sizeof(s));
	if (sqlite3_prepare_v2(pd.db, "SELECT t.wallet_id, t.network, "
	    "t.request, w.public_key, w.chain, t.amount, t.fee_cap, t.type = "
	    "'SIGN_MESSAGE', t.type = 'X402_PAYMENT', t.to_address, t.token, "
	    "json_extract(t.request, '$.url') FROM transactions t JOIN "
	    "wallets w ON w.id = t.wallet_id WHERE t.id = ?", -1, &st,
	    NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return -1;
	}
	net = net_find((const char *)sqlite3_column_text(st, 1));
	chain = strcmp((const char *)sqlite3_column_text(st, 4), "ethereum") ==
	    0 ? KS_CHAIN_ETHEREUM : KS_CHAIN_SOLANA;
	req = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);
	if ((issues = json_array()) == NULL)
		fatalx("json_array");
	if (sqlite3_column_int(st, 8)) {
		/* x402: what is paid, to whom, for which URL */
		s.chain = chain;
		s.net = net != NULL ? net_index(net) : 0;
		if (net != NULL && req != NULL && msg_parse(req, chain, &s,
		    &why) == 0) {
			crypto_hash_sha256(h, s.data, s.datalen);
			sodium_bin2hex(mh, sizeof(mh), h, 32);
			snprintf(text, len, "WAIaaS x402 payment\nid: %s\n"
			    "wallet: %s\nnetwork: %s\nurl: %s\npay to: %s\n"
			    "amount: %s\ntoken: %s\nauthorization sha256: "
			    "%s\n", id, (const char *)sqlite3_column_text(st,
			    0), net->name, (const char *)sqlite3_column_text(
			    st, 11), (const char *)sqlite3_column_text(st, 9),
			    (const char *)sqlite3_column_text(st, 5),
			    (const char *)sqlite3_column_text(st, 10), mh);
			crypto_hash_sha256(h, (const uint8_t *)text,
			    strlen(text));
			sodium_bin2hex(hex, 65, h, 32);
			r = 0;
		}
	} else if (sqlite3_column_int(st, 7)) {
		s.chain = chain;
		s.net = net != NULL ? net_index(net) : 0;
		if (net != NULL && req != NULL && msg_parse(req, chain, &s,
		    &why) == 0) {
			crypto_hash_sha256(h, s.data, s.datalen);
			sodium_bin2hex(mh, sizeof(mh), h, 32);
			snprintf(text, len, "WAIaaS message signature\nid: %s\n"
			    "wallet: %s\nnetwork: %s\nsignType: %s\n"
			    "message sha256: %s\n", id, (const char *)
			    sqlite3_column_text(st, 0), net->name, s.msg_kind ==
			    SIGN_EVM_TYPED ? "typedData" : "personal", mh);
			crypto_hash_sha256(h, (const uint8_t *)text,
			    strlen(text));
			sodium_bin2hex(hex, 65, h, 32);
			r = 0;
		}
	} else if (net != NULL && req != NULL && spec_parse(req, chain,
	    net_index(net), (const char *)sqlite3_column_text(st, 3), &s,
	    issues) == 0) {
		intent_make(id, (const char *)sqlite3_column_text(st, 0), &s,
		    (const char *)sqlite3_column_text(st, 5),
		    (uint64_t)sqlite3_column_int64(st, 6), text, len, hex);
		r = 0;
	}
	spec_free(&s);
	json_decref(req);
	json_decref(issues);
	sqlite3_finalize(st);
	return r;
}
