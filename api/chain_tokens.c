/*
 * GET /v1/tokens/resolve, the chain's part: what a token says of itself.
 * On an EVM network, eth_call of decimals(), symbol() and name() beside
 * eth_chainId (the node must be the network's chain); on Solana, the
 * mint account (getAccountInfo): its owner must be a token program and
 * its decimals are byte 44.  A mint has no symbol or name of its own
 * (those are Metaplex metadata, not read here): they come from the
 * registry when it knows the token, else "".  Every answer is bounded:
 * the texts by abi_text_decode, the account by its base64 length.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "abi_text.h"
#include "base58.h"
#include "chain.h"
#include "evm.h"
#include "log.h"
#include "util.h"

#define RS_ABI_MAX	4096		/* bytes of a name()'s answer */
#define RS_DATA_MAX	(16 * 1024)	/* bytes of a mint account */
#define MINT_LEN	82		/* an SPL mint without extensions */
#define MINT_DECIMALS	44
#define MINT_INIT	45
#define TOKACCT_LEN	165		/* Token-2022: its account type */

#define RC_CHAINID	0
#define RC_DECIMALS	1
#define RC_SYMBOL	2
#define RC_NAME		3

static const char *const	evm_sel[] = {
	NULL, "0x313ce567", "0x95d89b41", "0x06fdde03"
};
static const char *const	token_programs[] = {
	"TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
	"TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"
};

struct resolve;

struct rcall {
	struct resolve	*r;
	int		 what;		/* RC_* */
};

struct resolve {
	void			*req;
	struct chain_net	*n;
	char			 address[CHAIN_ADDR_MAX + 1];
	char			 symbol[TOKEN_SYMBOL_MAX * 4 + 1];
	char			 name[TOKEN_NAME_MAX * 4 + 1];
	int			 decimals;	/* -1: not known yet */
	int			 pending;
	int			 status;	/* 0, or the HTTP error */
	const char		*code;
	char			 msg[CHAIN_MSG_MAX];
	struct rcall		 c[4];
};

static void __attribute__((format(printf, 4, 5)))
rs_fail(struct resolve *r, int status, const char *code, const char *fmt,
    ...)
{
	va_list	ap;
	size_t	i;

	if (r->status != 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	for (i = 0; r->msg[i] != '\0'; i++)
		if (r->msg[i] < 0x20 || r->msg[i] > 0x7e)
			r->msg[i] = '?';
	r->status = status;
	r->code = code;
}

/* A node's error: a definite refusal says what the address is not. */
static void
rs_rpc_fail(struct resolve *r, const char *what, const struct rpc_error *e)
{
	if (e->kind == RPC_E_RPC && !e->retryable)
		rs_fail(r, 400, "INVALID_ADDRESS", "%s on %s: %s failed (%s): "
		    "not a token", r->address, r->n->net.name, what,
		    e->message);
	else
		rs_fail(r, 502, "CHAIN_ERROR", "%s: %s", what, e->message);
}

static void
rs_unref(struct resolve *r)
{
	json_t	*body;
	char	 id[NET_ASSET_ID_MAX + 1];

	if (--r->pending > 0)
		return;
	if (r->status == 0 && r->decimals < 0)
		rs_fail(r, 502, "CHAIN_ERROR", "no decimals");
	if (r->status != 0) {
		chain_query_done(r->req, r->status, r->code, r->msg, NULL);
		free(r);
		return;
	}
	/* a token without a name() goes by its symbol */
	body = json_pack("{s:s,s:s,s:i,s:s,s:s}", "symbol", r->symbol,
	    "name", r->name[0] != '\0' ? r->name : r->symbol, "decimals",
	    r->decimals, "address", r->address, "network", r->n->net.name);
	if (body != NULL && net_asset_id(&r->n->net, r->address, id,
	    sizeof(id)) == 0)
		json_object_set_new(body, "assetId", json_string(id));
	chain_query_done(r->req, 200, NULL, NULL, body);
	free(r);
}

/* "0x" and hex digits: the bytes, at most max. */
static int
hex_bytes(json_t *v, uint8_t *out, size_t max, size_t *len)
{
	const char	*s = json_string_value(v);
	size_t		 n, i;
	int		 hi, lo;

	if (s == NULL || (n = strlen(s)) < 2 || s[0] != '0' || s[1] != 'x' ||
	    n % 2 != 0 || (n - 2) / 2 > max)
		return -1;
	for (i = 0; i < (n - 2) / 2; i++) {
		if ((hi = hex_digit(s[2 + 2 * i])) < 0 ||
		    (lo = hex_digit(s[3 + 2 * i])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = i;
	return 0;
}

/* A quantity: "0x" and 1 to 16 hex digits. */
static int
qty64(json_t *v, uint64_t *out)
{
	const char	*s = json_string_value(v);
	size_t		 n, i;
	int		 d;

	if (s == NULL || (n = strlen(s)) < 3 || n > 18 || s[0] != '0' ||
	    s[1] != 'x')
		return -1;
	for (*out = 0, i = 2; i < n; i++) {
		if ((d = hex_digit(s[i])) < 0)
			return -1;
		*out = *out << 4 | (uint64_t)d;
	}
	return 0;
}

static void
evm_text(struct resolve *r, int what, const uint8_t *d, size_t len)
{
	char	*out = what == RC_SYMBOL ? r->symbol : r->name;
	size_t	 sz = what == RC_SYMBOL ? sizeof(r->symbol) : sizeof(r->name);
	char	 tmp[TOKEN_NAME_MAX * 4 + 1];

	/* what the registry said stays unless the token says otherwise */
	if (abi_text_decode(d, len, tmp, sz, what == RC_SYMBOL ?
	    TOKEN_SYMBOL_MAX : TOKEN_NAME_MAX) == ABI_TEXT_OK &&
	    tmp[0] != '\0')
		strlcpy(out, tmp, sz);
}

static void
evm_cb(json_t *res, const struct rpc_error *e, void *arg)
{
	struct rcall	*c = arg;
	struct resolve	*r = c->r;
	uint8_t		 d[RS_ABI_MAX];
	size_t		 len = 0, i;
	uint64_t	 v = 0;

	if (c->what == RC_SYMBOL || c->what == RC_NAME) {
		/* optional in ERC-20: a token may say neither */
		if (e == NULL && hex_bytes(res, d, sizeof(d), &len) == 0)
			evm_text(r, c->what, d, len);
	} else if (e != NULL)
		rs_rpc_fail(r, c->what == RC_CHAINID ? "eth_chainId" :
		    "decimals()", e);
	else if (c->what == RC_CHAINID) {
		if (qty64(res, &v) == -1)
			rs_fail(r, 502, "CHAIN_ERROR", "eth_chainId: "
			    "malformed answer");
		else if (v != r->n->net.chain_id)
			rs_fail(r, 502, "CHAIN_ERROR", "the node of %s is "
			    "chain %llu, not %llu", r->n->net.name,
			    (unsigned long long)v,
			    (unsigned long long)r->n->net.chain_id);
	} else if (hex_bytes(res, d, sizeof(d), &len) == -1 || len != 32)
		rs_fail(r, 400, "INVALID_ADDRESS", "%s on %s: decimals() "
		    "answered %zu bytes, not a uint8: no contract there, or "
		    "not an ERC-20 token", r->address, r->n->net.name, len);
	else {
		for (i = 0; i < 31 && d[i] == 0; i++)
			;
		if (i < 31)
			rs_fail(r, 400, "INVALID_ADDRESS", "%s on %s: "
			    "decimals() is not a uint8: not an ERC-20 token",
			    r->address, r->n->net.name);
		else
			r->decimals = d[31];
	}
	rs_unref(r);
}

static void
evm_resolve(struct resolve *r)
{
	int	k;

	r->pending = 4;
	for (k = RC_CHAINID; k <= RC_NAME; k++) {
		r->c[k].r = r;
		r->c[k].what = k;
		if (k == RC_CHAINID)
			rpc_call(&r->n->ep, "eth_chainId", NULL, 0, evm_cb,
			    &r->c[k]);
		else
			rpc_call(&r->n->ep, "eth_call", json_pack(
			    "[{s:s,s:s},s]", "to", r->address, "data",
			    evm_sel[k], "latest"), 0, evm_cb, &r->c[k]);
	}
}

/* The mint's decimals, once its owner and shape say it is a mint. */
static void
mint_check(struct resolve *r, json_t *acct)
{
	json_t		*d = json_object_get(acct, "data");
	const char	*owner, *b64;
	uint8_t		*raw;
	size_t		 len = 0, i;

	owner = json_string_value(json_object_get(acct, "owner"));
	b64 = json_string_value(json_array_get(d, 0));
	for (i = 0; owner != NULL && i < nitems(token_programs); i++)
		if (strcmp(owner, token_programs[i]) == 0)
			break;
	if (owner == NULL || i == nitems(token_programs)) {
		rs_fail(r, 400, "INVALID_ADDRESS", "%s on %s is not an SPL "
		    "token mint (its owner is not a token program)",
		    r->address, r->n->net.name);
		return;
	}
	if (b64 == NULL || json_array_size(d) != 2 || strcmp("base64",
	    json_string_value(json_array_get(d, 1)) != NULL ?
	    json_string_value(json_array_get(d, 1)) : "") != 0 ||
	    strlen(b64) > RS_DATA_MAX / 3 * 4 ||
	    (raw = malloc(RS_DATA_MAX)) == NULL) {
		rs_fail(r, 502, "CHAIN_ERROR", "getAccountInfo: malformed "
		    "account");
		return;
	}
	if (sodium_base642bin(raw, RS_DATA_MAX, b64, strlen(b64), NULL,
	    &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		rs_fail(r, 502, "CHAIN_ERROR", "getAccountInfo: malformed "
		    "account data");
	/* a mint is 82 bytes; Token-2022 extensions follow the account
	 * type at 165 (1: a mint) */
	else if (!(len == MINT_LEN || (i == 1 && len > TOKACCT_LEN &&
	    raw[TOKACCT_LEN] == 1)) || raw[MINT_INIT] != 1)
		rs_fail(r, 400, "INVALID_ADDRESS", "%s on %s is a token "
		    "program's account but not an initialized mint",
		    r->address, r->n->net.name);
	else
		r->decimals = raw[MINT_DECIMALS];
	free(raw);
}

static void
sol_cb(json_t *res, const struct rpc_error *e, void *arg)
{
	struct resolve	*r = arg;
	json_t		*v;

	if (e != NULL)
		rs_fail(r, 502, "CHAIN_ERROR", "getAccountInfo: %s",
		    e->message);
	else if (!json_is_object(res) ||
	    (v = json_object_get(res, "value")) == NULL ||
	    !(json_is_null(v) || json_is_object(v)))
		rs_fail(r, 502, "CHAIN_ERROR", "getAccountInfo: malformed "
		    "answer");
	else if (json_is_null(v))
		rs_fail(r, 400, "INVALID_ADDRESS", "no account at %s on %s: "
		    "not a token mint", r->address, r->n->net.name);
	else
		mint_check(r, v);
	rs_unref(r);
}

void
token_resolve(void *req, struct chain_net *n, const struct chain_query *q)
{
	struct resolve	*r;
	uint8_t		 b[32];
	size_t		 len;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		chain_query_done(req, 503, "CHAIN_ERROR", "out of memory",
		    NULL);
		return;
	}
	r->req = req;
	r->n = n;
	r->decimals = -1;
	r->pending = 1;
	strlcpy(r->symbol, q->symbol, sizeof(r->symbol));
	strlcpy(r->name, q->name, sizeof(r->name));
	len = strnlen(q->token, sizeof(q->token));
	/* policyd checked the address; a bad one here is its bug */
	if (n->net.chain == KS_CHAIN_ETHEREUM) {
		if (evm_address_parse(q->token, len, b) == -1)
			fatalx("CQ_RESOLVE: not an EVM address");
		evm_address_checksum(b, r->address);
	} else {
		if (base58_decode(q->token, len, b, sizeof(b)) != 32)
			fatalx("CQ_RESOLVE: not a Solana address");
		strlcpy(r->address, q->token, sizeof(r->address));
	}
	if (n->url[0] == '\0') {
		net_rpc_advice(&n->net, 0, NULL, r->msg, sizeof(r->msg));
		r->status = 503;
		r->code = "CHAIN_ERROR";
		rs_unref(r);
		return;
	}
	if (n->net.chain == KS_CHAIN_ETHEREUM) {
		evm_resolve(r);
		return;
	}
	rpc_call(&n->ep, "getAccountInfo", json_pack("[s,{s:s,s:s}]",
	    r->address, "encoding", "base64", "commitment", "confirmed"), 0,
	    sol_cb, r);
}
