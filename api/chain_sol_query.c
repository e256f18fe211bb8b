/*
 * The REST reads of a Solana wallet: its SOL balance, one SPL token's
 * balance (the mint checked, the wallet's token accounts of it summed),
 * or all it holds under both token programs, grouped by mint.  Every
 * token account must belong to the wallet; sums must not overflow.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chain_sol.h"
#include "log.h"
#include "util.h"

#define SOL_DECIMALS		9
#define SOL_ACCTS_MAX		1024	/* token accounts in one answer */
#define SOL_MINTS_MAX		256	/* distinct mints in assets */

/* Mints whose symbol is known, per network. */
static const struct {
	const char	*network;
	const char	*mint;
	const char	*symbol;
} known_mints[] = {
	{ "mainnet", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "USDC" },
	{ "mainnet", "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB", "USDT" },
	{ "mainnet", "So11111111111111111111111111111111111111112", "wSOL" },
	{ "devnet", "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU", "USDC" },
	{ "devnet", "So11111111111111111111111111111111111111112", "wSOL" },
	{ "testnet", "So11111111111111111111111111111111111111112", "wSOL" },
};

struct sol_asset {
	char		mint[SOL_KEY58_MAX];
	uint64_t	amount;
	int		decimals;
};

struct sol_query {
	void			*req;
	struct chain_net	*n;
	uint32_t		 kind;
	char			 wallet_id[UUID_STR_LEN];
	char			 address[SOL_KEY58_MAX];
	char			 token[SOL_KEY58_MAX];	/* "" = SOL */
	uint64_t		 lamports;
	int			 decimals;	/* the mint's, CQ_BALANCE */
	struct sol_asset	*assets;
	size_t			 nassets;
};

/* Is the base58 string v (a JSON string) the key named by s? */
static int
json_is_key(const json_t *v, const char *s)
{
	uint8_t	a[SOL_KEY_LEN], b[SOL_KEY_LEN];

	if (sol_json_key(v, a) == -1 || sol_key58(s, b) == -1)
		return 0;
	return memcmp(a, b, sizeof(a)) == 0;
}

/* A decimal u64 as a string: digits only, no leading zero, no overflow. */
static int
dec_u64(const json_t *v, uint64_t *out)
{
	const char	*s;
	uint64_t	 n = 0;
	size_t		 len, i;

	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	len = strlen(s);
	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (n > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	*out = n;
	return 0;
}

static const char *
known_symbol(const struct chain_net *n, const char *mint)
{
	size_t	i;

	for (i = 0; i < nitems(known_mints); i++)
		if (strcmp(known_mints[i].network, n->net.name) == 0 &&
		    strcmp(known_mints[i].mint, mint) == 0)
			return known_mints[i].symbol;
	return "";
}

static void
query_free(struct sol_query *q)
{
	free(q->assets);
	free(q);
}

static void __attribute__((format(printf, 4, 5)))
query_fail(struct sol_query *q, int status, const char *code,
    const char *f, ...)
{
	char	msg[CHAIN_MSG_MAX];
	va_list	ap;

	va_start(ap, f);
	chain_vfmt(msg, sizeof(msg), f, ap);
	va_end(ap);
	log_debug("sol query: %s", msg);
	chain_query_done(q->req, status, code, msg, NULL);
	query_free(q);
}

static void
query_rpc_fail(struct sol_query *q, const char *method,
    const struct rpc_error *e)
{
	char	msg[CHAIN_MSG_MAX];

	chain_rpc_msg(q->n, method, e, msg, sizeof(msg));
	query_fail(q, 502, "CHAIN_ERROR", "%s", msg);
}

static void
query_call(struct sol_query *q, const char *method, json_t *params,
    rpc_cb cb)
{
	if (params == NULL) {
		query_fail(q, 502, "CHAIN_ERROR", "%s: out of memory", method);
		return;
	}
	rpc_call(sol_endpoint(q->n), method, params, 0, cb, q);
}

static void
query_reply(struct sol_query *q, json_t *body)
{
	if (body == NULL) {
		query_fail(q, 502, "CHAIN_ERROR", "out of memory");
		return;
	}
	chain_query_done(q->req, 200, NULL, NULL, body);
	query_free(q);
}

static json_t *
amount_json(uint64_t v)
{
	char	buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return json_string(buf);
}

/*
 * One getTokenAccountsByOwner answer (jsonParsed) into q->assets,
 * grouped by mint: every account checked to belong to the address, to
 * be a token account of a token program (and of mint, when set), with a
 * decimal u64 amount; sums must not overflow.
 */
static int
add_token_accounts(struct sol_query *q, json_t *result, const char *mint,
    char *why, size_t whylen)
{
	json_t		*v, *a, *acct, *parsed, *info, *ta, *owner, *type;
	struct sol_asset *as;
	const char	*m;
	uint8_t		 key[SOL_KEY_LEN];
	uint64_t	 amount, dec;
	size_t		 i, j;

	v = sol_rpc_value(result);
	if (!json_is_array(v)) {
		chain_fmt(why, whylen, "malformed answer");
		return -1;
	}
	if (json_array_size(v) > SOL_ACCTS_MAX) {
		chain_fmt(why, whylen, "more than %d token accounts",
		    SOL_ACCTS_MAX);
		return -1;
	}
	json_array_foreach(v, i, a) {
		acct = json_object_get(a, "account");
		owner = json_object_get(acct, "owner");
		parsed = json_object_get(json_object_get(acct, "data"),
		    "parsed");
		type = json_object_get(parsed, "type");
		info = json_object_get(parsed, "info");
		ta = json_object_get(info, "tokenAmount");
		if (sol_json_key(json_object_get(a, "pubkey"), key) == -1 ||
		    !(json_is_key(owner, sol_tok58_classic) ||
		    json_is_key(owner, sol_tok58_2022)) ||
		    !json_is_string(type) ||
		    strcmp(json_string_value(type), "account") != 0 ||
		    sol_json_key(json_object_get(info, "mint"), key) == -1 ||
		    !json_is_key(json_object_get(info, "owner"), q->address) ||
		    dec_u64(json_object_get(ta, "amount"), &amount) == -1 ||
		    sol_json_u64(json_object_get(ta, "decimals"), &dec) == -1 ||
		    dec > 255) {
			chain_fmt(why, whylen, "malformed token account %zu",
			    i);
			return -1;
		}
		m = json_string_value(json_object_get(info, "mint"));
		if (mint != NULL && !json_is_key(json_object_get(info,
		    "mint"), mint)) {
			chain_fmt(why, whylen,
			    "token account %zu of another mint", i);
			return -1;
		}
		for (j = 0; j < q->nassets; j++)
			if (strcmp(q->assets[j].mint, m) == 0)
				break;
		if (j == q->nassets) {
			if (q->nassets == SOL_MINTS_MAX) {
				chain_fmt(why, whylen, "more than %d mints",
				    SOL_MINTS_MAX);
				return -1;
			}
			if (q->assets == NULL && (q->assets = calloc(
			    SOL_MINTS_MAX, sizeof(*q->assets))) == NULL) {
				chain_fmt(why, whylen, "out of memory");
				return -1;
			}
			as = &q->assets[q->nassets++];
			sol_enc58(key, SOL_KEY_LEN, as->mint, sizeof(as->mint));
			as->decimals = (int)dec;
			as->amount = 0;
		}
		as = &q->assets[j];
		if (as->decimals != (int)dec) {
			chain_fmt(why, whylen, "token accounts of %s disagree "
			    "on decimals", as->mint);
			return -1;
		}
		if (as->amount > UINT64_MAX - amount) {
			chain_fmt(why, whylen, "token balance of %s overflows",
			    as->mint);
			return -1;
		}
		as->amount += amount;
	}
	return 0;
}

static json_t *
query_body(struct sol_query *q)
{
	return json_pack("{s:s,s:s,s:s,s:s}", "walletId", q->wallet_id,
	    "chain", "solana", "network", q->n->net.name,
	    "address", q->address);
}

static void
balance_token_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_query	*q = arg;
	json_t			*body;
	char			 why[CHAIN_MSG_MAX];
	uint64_t		 sum = 0;

	if (e != NULL) {
		query_rpc_fail(q, "getTokenAccountsByOwner", e);
		return;
	}
	if (add_token_accounts(q, result, q->token, why, sizeof(why)) == -1) {
		query_fail(q, 502, "CHAIN_ERROR",
		    "getTokenAccountsByOwner: %s", why);
		return;
	}
	if (q->nassets > 1) {
		query_fail(q, 502, "CHAIN_ERROR",
		    "getTokenAccountsByOwner: accounts of another mint");
		return;
	}
	if (q->nassets == 1) {
		if (q->assets[0].decimals != q->decimals) {
			query_fail(q, 502, "CHAIN_ERROR", "token accounts "
			    "and mint %s disagree on decimals", q->token);
			return;
		}
		sum = q->assets[0].amount;
	}
	if ((body = query_body(q)) == NULL ||
	    json_object_set_new(body, "balance", amount_json(sum)) == -1 ||
	    json_object_set_new(body, "decimals",
	    json_integer(q->decimals)) == -1 ||
	    json_object_set_new(body, "symbol",
	    json_string(known_symbol(q->n, q->token))) == -1 ||
	    json_object_set_new(body, "token", json_string(q->token)) == -1) {
		json_decref(body);
		body = NULL;
	}
	query_reply(q, body);
}

static void
balance_mint_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_query	*q = arg;
	json_t			*v;
	uint8_t			 owner[SOL_KEY_LEN], t1[SOL_KEY_LEN];
	uint8_t			 t2[SOL_KEY_LEN], *d;
	size_t			 len;

	if (e != NULL) {
		query_rpc_fail(q, "getAccountInfo", e);
		return;
	}
	if (!json_is_object(result) ||
	    (v = json_object_get(result, "value")) == NULL) {
		query_fail(q, 502, "CHAIN_ERROR",
		    "getAccountInfo: malformed answer");
		return;
	}
	if (json_is_null(v)) {
		query_fail(q, 400, "INVALID_ADDRESS", "token %s does not "
		    "exist on %s", q->token, q->n->net.name);
		return;
	}
	if (sol_acct_data(v, owner, &d, &len) == -1) {
		query_fail(q, 502, "CHAIN_ERROR",
		    "getAccountInfo %s: malformed account", q->token);
		return;
	}
	/* Token-2022 mints may carry extensions after the 82 bytes. */
	if (sol_key58(sol_tok58_classic, t1) == -1 ||
	    sol_key58(sol_tok58_2022, t2) == -1 ||
	    !((memcmp(owner, t1, SOL_KEY_LEN) == 0 && len == SOL_MINT_LEN) ||
	    (memcmp(owner, t2, SOL_KEY_LEN) == 0 && (len == SOL_MINT_LEN ||
	    (len > SOL_TOKACCT_LEN && d[SOL_TOKACCT_LEN] == 1)))) ||
	    d[45] != 1) {
		free(d);
		query_fail(q, 400, "INVALID_ADDRESS", "%s is not a token mint",
		    q->token);
		return;
	}
	q->decimals = d[44];
	free(d);
	query_call(q, "getTokenAccountsByOwner", json_pack(
	    "[s,{s:s},{s:s,s:s}]", q->address, "mint", q->token,
	    "encoding", "jsonParsed", "commitment", "confirmed"),
	    balance_token_cb);
}

static int
asset_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sol_asset *)a)->mint,
	    ((const struct sol_asset *)b)->mint);
}

static void
assets_done(struct sol_query *q)
{
	json_t	*body, *list, *a;
	size_t	 i;

	if (q->nassets > 1)
		qsort(q->assets, q->nassets, sizeof(*q->assets), asset_cmp);
	if ((body = query_body(q)) == NULL ||
	    (list = json_array()) == NULL ||
	    json_object_set_new(body, "assets", list) == -1) {
		json_decref(body);
		query_reply(q, NULL);
		return;
	}
	/* name: a token's is its symbol (its metadata is not read). */
	a = json_pack("{s:s,s:s,s:s,s:i,s:o,s:b}", "mint", "native",
	    "symbol", "SOL", "name", "Solana", "decimals", SOL_DECIMALS,
	    "balance", amount_json(q->lamports), "isNative", 1);
	if (json_array_append_new(list, a) == -1)
		goto oom;
	for (i = 0; i < q->nassets; i++) {
		a = json_pack("{s:s,s:s,s:s,s:i,s:o,s:b}", "mint",
		    q->assets[i].mint, "symbol",
		    known_symbol(q->n, q->assets[i].mint), "name",
		    known_symbol(q->n, q->assets[i].mint), "decimals",
		    q->assets[i].decimals, "balance",
		    amount_json(q->assets[i].amount), "isNative", 0);
		if (json_array_append_new(list, a) == -1)
			goto oom;
	}
	query_reply(q, body);
	return;
oom:
	json_decref(body);
	query_reply(q, NULL);
}

/* One program's token accounts into q: 0, or -1 after failing q. */
static int
assets_add(struct sol_query *q, json_t *result, const struct rpc_error *e)
{
	char	why[CHAIN_MSG_MAX];

	if (e != NULL) {
		query_rpc_fail(q, "getTokenAccountsByOwner", e);
		return -1;
	}
	if (add_token_accounts(q, result, NULL, why, sizeof(why)) == -1) {
		query_fail(q, 502, "CHAIN_ERROR",
		    "getTokenAccountsByOwner: %s", why);
		return -1;
	}
	return 0;
}

static void
assets_2022_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_query	*q = arg;

	if (assets_add(q, result, e) == 0)
		assets_done(q);
}

static json_t *
by_program(const struct sol_query *q, const char *program)
{
	return json_pack("[s,{s:s},{s:s,s:s}]", q->address, "programId",
	    program, "encoding", "jsonParsed", "commitment", "confirmed");
}

static void
assets_token_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_query	*q = arg;

	if (assets_add(q, result, e) == 0)
		query_call(q, "getTokenAccountsByOwner", by_program(q,
		    sol_tok58_2022), assets_2022_cb);
}

static void
lamports_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_query	*q = arg;
	json_t			*body;

	if (e != NULL) {
		query_rpc_fail(q, "getBalance", e);
		return;
	}
	if (sol_json_u64(sol_rpc_value(result), &q->lamports) == -1) {
		query_fail(q, 502, "CHAIN_ERROR",
		    "getBalance: malformed answer");
		return;
	}
	if (q->kind == CQ_ASSETS) {
		query_call(q, "getTokenAccountsByOwner",
		    by_program(q, sol_tok58_classic), assets_token_cb);
		return;
	}
	if ((body = query_body(q)) == NULL ||
	    json_object_set_new(body, "balance",
	    amount_json(q->lamports)) == -1 ||
	    json_object_set_new(body, "decimals",
	    json_integer(SOL_DECIMALS)) == -1 ||
	    json_object_set_new(body, "symbol", json_string("SOL")) == -1) {
		json_decref(body);
		body = NULL;
	}
	query_reply(q, body);
}

void
sol_query(void *req, struct chain_net *n, const struct chain_query *cq)
{
	struct sol_query	*q;
	uint8_t			 key[SOL_KEY_LEN];
	char			 addr[CHAIN_ADDR_MAX + 1];
	char			 msg[CHAIN_MSG_MAX];

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		chain_query_done(req, 502, "CHAIN_ERROR", "out of memory",
		    NULL);
		return;
	}
	q->req = req;
	q->n = n;
	q->kind = cq->kind;
	chain_clean(q->wallet_id, sizeof(q->wallet_id), cq->wallet_id);
	if (n->url[0] == '\0') {
		net_rpc_advice(&n->net, 0, NULL, msg, sizeof(msg));
		query_fail(q, 503, "CHAIN_ERROR", "%s", msg);
		return;
	}
	memcpy(addr, cq->address, sizeof(addr));
	addr[sizeof(addr) - 1] = '\0';
	if (sol_key58(addr, key) == -1) {
		query_fail(q, 400, "INVALID_ADDRESS",
		    "not a Solana address");
		return;
	}
	sol_enc58(key, SOL_KEY_LEN, q->address, sizeof(q->address));
	memcpy(addr, cq->token, sizeof(addr));
	addr[sizeof(addr) - 1] = '\0';
	if (cq->kind == CQ_BALANCE && addr[0] != '\0') {
		if (sol_key58(addr, key) == -1) {
			query_fail(q, 400, "INVALID_ADDRESS",
			    "token is not a Solana address");
			return;
		}
		sol_enc58(key, SOL_KEY_LEN, q->token, sizeof(q->token));
		query_call(q, "getAccountInfo", sol_account_params(q->token),
		    balance_mint_cb);
		return;
	}
	if (cq->kind != CQ_BALANCE && cq->kind != CQ_ASSETS) {
		query_fail(q, 400, "VALIDATION_FAILED",
		    "unknown query kind %u", cq->kind);
		return;
	}
	query_call(q, "getBalance", json_pack("[s,{s:s}]", q->address,
	    "commitment", "confirmed"), lamports_cb);
}
