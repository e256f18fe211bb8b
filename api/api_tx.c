/*
 * Shape checks for the transaction routes.  What an address or an amount
 * means on the wallet's chain is policyd's to check: only policyd knows
 * the wallet.
 */
#include <stdio.h>
#include <string.h>

#include "abi.h"
#include "api.h"
#include "errcodes.h"
#include "log.h"
#include "network.h"
#include "txbatch.h"
#include "txinput.h"
#include "url.h"
#include "util.h"
#include "x402.h"

static void
want_string(json_t *o, const char *key, size_t max, int required,
    struct api_issues *is)
{
	json_t	*v = json_object_get(o, key);
	char	 msg[64];

	if (v == NULL) {
		if (required)
			api_issue(is, key, "required");
		return;
	}
	snprintf(msg, sizeof(msg), "a string of 1 to %zu characters", max);
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > max)
		api_issue(is, key, msg);
}

/*
 * A memo: a string of at most MEMO_MAX bytes of UTF-8 (jansson has
 * checked the encoding; its length is in bytes).  Bytes, not characters:
 * they go on chain as they are, and what a chain accepts is counted in
 * bytes.  Empty is allowed and means none, as for the reference.
 */
static void
want_memo(json_t *o, struct api_issues *is)
{
	json_t	*v = json_object_get(o, "memo");
	char	 msg[80];

	if (v == NULL)
		return;
	snprintf(msg, sizeof(msg), "a string of at most %d bytes of UTF-8",
	    MEMO_MAX);
	if (!json_is_string(v) || json_string_length(v) > MEMO_MAX)
		api_issue(is, "memo", msg);
}

static void
want_token(json_t *o, struct api_issues *is, int string_ok)
{
	json_t	*t = json_object_get(o, "token"), *d;

	if (t == NULL) {
		api_issue(is, "token", "required");
		return;
	}
	if (string_ok && json_is_string(t)) {
		want_string(o, "token", 64, 1, is);
		return;
	}
	if (!json_is_object(t)) {
		api_issue(is, "token", "an object {address, decimals, "
		    "symbol}");
		return;
	}
	api_only_fields(t, is, "address", "decimals", "symbol", "assetId",
	    NULL);
	/* token.assetId (CAIP-19) may name the address alone */
	want_string(t, "assetId", CAIP_ID_MAX, 0, is);
	want_string(t, "address", 64, json_object_get(t, "assetId") == NULL,
	    is);
	want_string(t, "symbol", 32, 0, is);
	d = json_object_get(t, "decimals");
	if (d != NULL && (!json_is_integer(d) || json_integer_value(d) < 0 ||
	    json_integer_value(d) > 36))
		api_issue(is, "token.decimals", "an integer from 0 to 36");
}

/*
 * gasCondition: the send waits until the node's gas price (base fee and
 * priority fee, in wei) is at most maxGasPrice and its priority fee at
 * most maxPriorityFee, for up to timeout seconds (60 to 86400, default
 * 3600).  One of the two maxima at least.
 */
static void
want_gas(json_t *o, struct api_issues *is)
{
	json_t		*g = json_object_get(o, "gasCondition"), *t;
	const char	*k[] = { "maxGasPrice", "maxPriorityFee" }, *v;
	size_t		 i, n = 0;
	char		 path[40];

	if (g == NULL)
		return;
	if (!json_is_object(g)) {
		api_issue(is, "gasCondition", "an object {maxGasPrice, "
		    "maxPriorityFee, timeout}");
		return;
	}
	api_only_fields(g, is, "maxGasPrice", "maxPriorityFee", "timeout",
	    NULL);
	for (i = 0; i < nitems(k); i++) {
		if ((t = json_object_get(g, k[i])) == NULL)
			continue;
		n++;
		v = json_string_value(t);
		snprintf(path, sizeof(path), "gasCondition.%s", k[i]);
		if (v == NULL || json_string_length(t) == 0 ||
		    json_string_length(t) > 78 ||
		    strspn(v, "0123456789") != json_string_length(t))
			api_issue(is, path, "an integer string in wei");
	}
	if (n == 0)
		api_issue(is, "gasCondition", "maxGasPrice or maxPriorityFee "
		    "(or both)");
	t = json_object_get(g, "timeout");
	if (t != NULL && (!json_is_integer(t) || json_integer_value(t) < 60 ||
	    json_integer_value(t) > 86400))
		api_issue(is, "gasCondition.timeout", "an integer from 60 to "
		    "86400 (seconds)");
}

/*
 * The amount: "amount" in base units or "humanAmount" in the asset's
 * decimals (policyd converts it), exactly one; and a gasCondition.
 */
static void
want_amount(json_t *o, struct api_issues *is)
{
	json_t	*a = json_object_get(o, "amount");
	json_t	*h = json_object_get(o, "humanAmount");

	if (a != NULL && h != NULL)
		api_issue(is, "humanAmount", "give amount or humanAmount, "
		    "not both");
	else if (h != NULL)
		want_string(o, "humanAmount", HUMAN_AMOUNT_MAX, 1, is);
	else
		want_string(o, "amount", 78, 1, is);
	want_gas(o, is);
}

/* NFT_TRANSFER's token: {address, tokenId, standard, assetId?} */
static void
want_nft(json_t *o, struct api_issues *is)
{
	json_t		*t = json_object_get(o, "token");
	const char	*std;

	if (!json_is_object(t)) {
		api_issue(is, "token", "an object {address, tokenId, "
		    "standard}");
		return;
	}
	api_only_fields(t, is, "address", "tokenId", "standard", "assetId",
	    NULL);
	want_string(t, "assetId", CAIP_ID_MAX, 0, is);
	want_string(t, "address", 64, json_object_get(t, "assetId") == NULL,
	    is);
	want_string(t, "tokenId", 78, 1, is);
	want_string(t, "standard", 16, 1, is);
	std = json_string_value(json_object_get(t, "standard"));
	if (std != NULL && strcmp(std, "ERC-721") != 0 &&
	    strcmp(std, "ERC-1155") != 0 && strcmp(std, "METAPLEX") != 0 &&
	    strcmp(std, "XLS-20") != 0)
		api_issue(is, "token.standard", "one of ERC-721, ERC-1155, "
		    "METAPLEX, XLS-20");
}

/*
 * CONTRACT_DEPLOY's bytecode and constructorArgs: strings of at most
 * EIP-3860's 49152 bytes of init code as hex (0x optional).  Their
 * digits and their sum are policyd's to judge (tx_nft.c).
 */
static void
want_initcode(json_t *o, const char *key, int required,
    struct api_issues *is)
{
	json_t	*v = json_object_get(o, key);

	if (v == NULL) {
		if (required)
			api_issue(is, key, "required");
		return;
	}
	if (!json_is_string(v) || json_string_length(v) > 2 + 2 * 49152)
		api_issue(is, key, "a string of hex digits (0x optional), "
		    "at most 49152 bytes of init code (EIP-3860)");
}

static int
account_ok(json_t *e)
{
	return json_is_object(e) && json_object_size(e) == 3 &&
	    json_is_string(json_object_get(e, "pubkey")) &&
	    json_string_length(json_object_get(e, "pubkey")) <= 64 &&
	    json_is_boolean(json_object_get(e, "isSigner")) &&
	    json_is_boolean(json_object_get(e, "isWritable"));
}

/*
 * A BATCH's instructions (common/txbatch.c): the first problem, with
 * its path (instructions.<index>.<field>).
 */
static void
want_batch(json_t *b, struct api_issues *is)
{
	const char	*field, *why;
	char		 path[96];
	int		 index;

	if (json_object_get(b, "instructions") == NULL) {
		api_issue(is, "instructions", "required: 2 to 20 instructions");
		return;
	}
	if (batch_check(json_object_get(b, "instructions"), &index, &field,
	    &why) == 0)
		return;
	if (index < 0)
		strlcpy(path, "instructions", sizeof(path));
	else if (field == NULL)
		snprintf(path, sizeof(path), "instructions.%d", index);
	else
		snprintf(path, sizeof(path), "instructions.%d.%.60s", index,
		    field);
	api_issue(is, path, why);
}

/*
 * ?dryRun= on send (agents send it: the reference takes it on its action
 * routes) means what "dryRun" in the body means; false is as if absent.
 * A query and a body that disagree are refused: neither may win quietly
 * when one of them says not to move money.
 */
static void
query_dry_run(struct http_req *req, json_t *b, struct api_issues *is)
{
	json_t		*e = json_object_get(b, "dryRun");
	const char	*q;
	size_t		 len;
	int		 dry;

	/* The query table allows only true or false. */
	if ((q = api_query_value(req, "dryRun", &len)) == NULL)
		return;
	dry = len == 4 && memcmp(q, "true", 4) == 0;
	if (e == NULL && dry) {
		if (json_object_set_new(b, "dryRun", json_true()) == -1)
			fatalx("json_object_set_new");
	} else if (json_is_boolean(e) && json_is_true(e) != dry) {
		api_issue(is, "dryRun", dry ? "the query says dryRun=true "
		    "and the body false: give one, or the same in both" :
		    "the query says dryRun=false and the body true: give "
		    "one, or the same in both");
		is->hint = ERRHINT_DRY_RUN;
	}
}

/* POST /v1/transactions/send, /v1/transactions/simulate */
void
api_tx_send(struct http_req *req, const struct route *rt, const char *param,
    size_t plen)
{
	struct api_issues	 is;
	json_t			*b, *t, *a, *e;
	const char		*type = "TRANSFER";
	size_t			 i;

	if ((b = api_parse_body(req, &is)) == NULL)
		return;
	query_dry_run(req, b, &is);
	api_tx_reference_fields(b, &is);
	t = json_object_get(b, "type");
	if (t != NULL && !json_is_string(t))
		api_issue(&is, "type", "a string");
	else if (t != NULL)
		type = json_string_value(t);
	want_string(b, "walletId", 64, 0, &is);
	want_string(b, "network", NET_CAIP2_MAX, 0, &is);
	if ((e = json_object_get(b, "dryRun")) != NULL && !json_is_boolean(e))
		api_issue(&is, "dryRun", "true or false");
	if (strcmp(type, "TRANSFER") == 0) {
		api_only_fields(b, &is, "type", "walletId", "network", "to",
		    "amount", "memo", "dryRun", "humanAmount", "gasCondition",
		    NULL);
		want_string(b, "to", 64, 1, &is);
		want_amount(b, &is);
		want_memo(b, &is);
	} else if (strcmp(type, "TOKEN_TRANSFER") == 0) {
		api_only_fields(b, &is, "type", "walletId", "network", "to",
		    "amount", "token", "memo", "dryRun", "humanAmount",
		    "gasCondition", NULL);
		want_string(b, "to", 64, 1, &is);
		want_amount(b, &is);
		want_token(b, &is, 0);
		want_memo(b, &is);
	} else if (strcmp(type, "APPROVE") == 0) {
		api_only_fields(b, &is, "type", "walletId", "network",
		    "spender", "amount", "token", "dryRun", "humanAmount",
		    "gasCondition", NULL);
		want_string(b, "spender", 64, 1, &is);
		want_amount(b, &is);
		want_token(b, &is, 1);
	} else if (strcmp(type, "NFT_TRANSFER") == 0) {
		api_only_fields(b, &is, "type", "walletId", "network", "to",
		    "token", "amount", "dryRun", "gasCondition", NULL);
		want_string(b, "to", 64, 1, &is);
		want_string(b, "amount", 78, 0, &is);
		want_nft(b, &is);
		want_gas(b, &is);
	} else if (strcmp(type, "CONTRACT_DEPLOY") == 0) {
		api_only_fields(b, &is, "type", "walletId", "network",
		    "bytecode", "constructorArgs", "value", "dryRun",
		    "gasCondition", NULL);
		want_initcode(b, "bytecode", 1, &is);
		want_initcode(b, "constructorArgs", 0, &is);
		want_string(b, "value", 78, 0, &is);
		want_gas(b, &is);
	} else if (strcmp(type, "CONTRACT_CALL") == 0) {
		api_only_fields(b, &is, "type", "walletId", "network", "to",
		    "calldata", "value", "programId", "instructionData",
		    "accounts", "dryRun", "gasCondition", NULL);
		want_gas(b, &is);
		want_string(b, "to", 64, 0, &is);
		want_string(b, "calldata", 2 + 2 * 128 * 1024, 0, &is);
		want_string(b, "value", 78, 0, &is);
		want_string(b, "programId", 64, 0, &is);
		want_string(b, "instructionData", 4 * 1024 * 4 / 3 + 4, 0,
		    &is);
		if ((a = json_object_get(b, "accounts")) != NULL) {
			if (!json_is_array(a) || json_array_size(a) > 32)
				api_issue(&is, "accounts", "an array of up to "
				    "32 {pubkey, isSigner, isWritable}");
			else
				json_array_foreach(a, i, e) {
					if (!account_ok(e)) {
						api_issue(&is, "accounts",
						    "each {pubkey, isSigner, "
						    "isWritable}");
						break;
					}
				}
		}
	} else if (strcmp(type, "BATCH") == 0) {
		api_only_fields(b, &is, "type", "walletId", "network",
		    "instructions", "dryRun", "gasCondition", NULL);
		want_gas(b, &is);
		want_batch(b, &is);
	} else
		api_issue(&is, "type", "one of TRANSFER, TOKEN_TRANSFER, "
		    "CONTRACT_CALL, APPROVE, NFT_TRANSFER, CONTRACT_DEPLOY, "
		    "BATCH");
	if (t == NULL && json_array_size(is.list) == 0 &&
	    json_object_set_new(b, "type", json_string("TRANSFER")) == -1)
		fatalx("json_object_set_new");
	api_submit(req, rt, param, plen, &is, b);
}

/* POST /v1/transactions/sign-message */
void
api_tx_sign_message(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*b, *t;
	const char		*type = "personal";

	if ((b = api_parse_body(req, &is)) == NULL)
		return;
	api_only_fields(b, &is, "walletId", "network", "message", "signType",
	    "typedData", NULL);
	want_string(b, "walletId", 64, 0, &is);
	want_string(b, "network", NET_CAIP2_MAX, 0, &is);
	t = json_object_get(b, "signType");
	if (t != NULL && !json_is_string(t))
		api_issue(&is, "signType", "personal or typedData");
	else if (t != NULL)
		type = json_string_value(t);
	if (strcmp(type, "personal") == 0) {
		want_string(b, "message", SIGN_MSG_MAX, 1, &is);
		if (json_object_get(b, "typedData") != NULL)
			api_issue(&is, "typedData", "only with signType "
			    "typedData");
	} else if (strcmp(type, "typedData") == 0) {
		if (!json_is_object(json_object_get(b, "typedData")))
			api_issue(&is, "typedData", "an object {types, "
			    "primaryType, domain, message}");
		if (json_object_get(b, "message") != NULL)
			api_issue(&is, "message", "only with signType "
			    "personal");
	} else
		api_issue(&is, "signType", "personal or typedData");
	api_submit(req, rt, param, plen, &is, b);
}

/*
 * POST /v1/transactions/sign: {transaction, chain?, network?,
 * walletId?}.  The transaction's text is bounded here; policyd decodes
 * it, for the wallet's chain.
 */
void
api_tx_sign(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*b;
	const char		*c;

	if ((b = api_parse_body(req, &is)) == NULL)
		return;
	api_only_fields(b, &is, "transaction", "chain", "network", "walletId",
	    NULL);
	want_string(b, "transaction", SIGN_TX_TEXT_MAX, 1, &is);
	want_string(b, "walletId", 64, 0, &is);
	want_string(b, "network", NET_CAIP2_MAX, 0, &is);
	want_string(b, "chain", 16, 0, &is);
	c = json_string_value(json_object_get(b, "chain"));
	if (c != NULL && strcmp(c, "ethereum") != 0 && strcmp(c, "solana") !=
	    0)
		api_issue(&is, "chain", "ethereum or solana");
	api_submit(req, rt, param, plen, &is, b);
}

/*
 * POST /v1/utils/encode-calldata: {abi, functionName, args?}.  Only the
 * shape here; policyd encodes (chain/abi.c), after the session's token
 * is checked, and answers ABI_ENCODING_FAILED with the reason when the
 * ABI or the arguments do not fit.
 */
void
api_encode_calldata(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*b, *v, *e;
	size_t			 i;

	if ((b = api_parse_body(req, &is)) == NULL)
		return;
	api_only_fields(b, &is, "abi", "functionName", "args", NULL);
	if ((v = json_object_get(b, "abi")) == NULL)
		api_issue(&is, "abi", "required");
	else if (!json_is_array(v))
		api_issue(&is, "abi", "an array of ABI entries (objects)");
	else
		json_array_foreach(v, i, e)
			if (!json_is_object(e)) {
				api_issue(&is, "abi", "an array of ABI "
				    "entries (objects)");
				break;
			}
	want_string(b, "functionName", ABI_SIG_MAX - 1, 1, &is);
	if ((v = json_object_get(b, "args")) != NULL && !json_is_array(v))
		api_issue(&is, "args", "an array of the function's arguments");
	api_submit(req, rt, param, plen, &is, b);
}

/*
 * POST /v1/x402/fetch: {url, method?, headers?, body?, walletId?}.  The
 * shape here (a URL this daemon fetches, headers it may send); policyd
 * decides whether the host may be asked and paid.
 */
void
api_x402_fetch(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	static const char *const	 methods[] = { "GET", "POST", "PUT",
		"DELETE", "PATCH" };
	struct api_issues		 is;
	struct url			 u;
	json_t				*b, *v, *h;
	const char			*k, *why;
	size_t				 i;

	if ((b = api_parse_body(req, &is)) == NULL)
		return;
	api_only_fields(b, &is, "url", "method", "headers", "body",
	    "walletId", NULL);
	if ((v = json_object_get(b, "url")) == NULL)
		api_issue(&is, "url", "required");
	else if (!json_is_string(v) || json_string_length(v) >=
	    FETCH_URL_MAX)
		api_issue(&is, "url", "an http(s) URL of at most 2047 bytes");
	else if (url_parse(json_string_value(v), &u, &why) == -1)
		api_issue(&is, "url", why);
	if ((v = json_object_get(b, "method")) != NULL) {
		for (i = 0; json_is_string(v) && i < nitems(methods); i++)
			if (strcmp(json_string_value(v), methods[i]) == 0)
				break;
		if (!json_is_string(v) || i == nitems(methods))
			api_issue(&is, "method", "one of GET, POST, PUT, "
			    "DELETE, PATCH");
	}
	if ((h = json_object_get(b, "headers")) != NULL) {
		if (!json_is_object(h) || json_object_size(h) >
		    X402_HEADERS_MAX)
			api_issue(&is, "headers", "an object of at most 32 "
			    "header names and string values");
		else
			json_object_foreach(h, k, v)
				if (!json_is_string(v) || !x402_header_ok(k,
				    strlen(k), json_string_value(v),
				    json_string_length(v), 0)) {
					api_issue(&is, "headers", "a token "
					    "name and a printable value of at "
					    "most 1024 bytes; not Host, "
					    "Content-Length, Connection, "
					    "Transfer-Encoding, Expect or a "
					    "payment header");
					break;
				}
	}
	if ((v = json_object_get(b, "body")) != NULL && (!json_is_string(v) ||
	    json_string_length(v) > FETCH_BODY_MAX))
		api_issue(&is, "body", "a string of at most 65536 bytes");
	want_string(b, "walletId", UUID_STR_LEN - 1, 0, &is);
	api_submit(req, rt, param, plen, &is, b);
}
