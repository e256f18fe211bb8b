/*
 * The MCP server's protocol and tool table (mcp.h).  Each tool is a thin
 * call of one REST route with the session's token, so policy, tiers and
 * audit are the daemon's; a REST error is a tool result with isError
 * (naming the code, the policy and the hint), never a protocol error.
 * Messages are bounded (size, nesting, a tool's arguments) before any is
 * looked at.  Nothing here logs: the messages may carry a token.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp.h"
#include "util.h"
#include "version.h"
#include "wipe.h"

/* The protocol versions spoken, newest first: the answer to another. */
static const char *const protos[] = { "2025-11-25", "2025-06-18",
	"2025-03-26", "2024-11-05" };

#define GAS_SCHEMA "\"gas_condition\":{\"type\":\"object\",\"description\":" \
	"\"Send only when the gas price is at most this (wei strings); " \
	"timeout in seconds\",\"properties\":{\"max_gas_price\":{\"type\":" \
	"\"string\"},\"max_priority_fee\":{\"type\":\"string\"},\"timeout\":" \
	"{\"type\":\"number\"}},\"additionalProperties\":false}"
#define TOKEN_SCHEMA(req) "\"token\":{\"type\":\"object\",\"description\":" \
	"\"The token: its contract address or mint, decimals and symbol\"," \
	"\"properties\":{\"address\":{\"type\":\"string\"},\"decimals\":" \
	"{\"type\":\"number\"},\"symbol\":{\"type\":\"string\"},\"assetId\":" \
	"{\"type\":\"string\"}}," req "\"additionalProperties\":false}"
#define WALLET_SCHEMA "\"wallet_id\":{\"type\":\"string\",\"description\":" \
	"\"The wallet (default: WAIAAS_WALLET_ID, or the session's only " \
	"wallet)\"}"
#define NETWORK_SCHEMA "\"network\":{\"type\":\"string\",\"description\":" \
	"\"Network id, e.g. ethereum-sepolia or solana-devnet (default: the " \
	"wallet's)\"}"
#define CALL_SCHEMA "\"calldata\":{\"type\":\"string\"},\"abi\":{\"type\":" \
	"\"array\",\"items\":{\"type\":\"object\"," \
	"\"additionalProperties\":{}}},\"value\":{\"type\":\"string\"," \
	"\"description\":\"Native value in the " \
	"smallest unit (wei)\"},\"programId\":{\"type\":\"string\"}," \
	"\"instructionData\":{\"type\":\"string\"},\"accounts\":{\"type\":" \
	"\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"pubkey\":" \
	"{\"type\":\"string\"},\"isSigner\":{\"type\":\"boolean\"}," \
	"\"isWritable\":{\"type\":\"boolean\"}},\"required\":[\"pubkey\"," \
	"\"isSigner\",\"isWritable\"],\"additionalProperties\":false}}"
#define TIERS " The answer has an id, a status and the policy's tier. " \
	"Tier INSTANT or NOTIFY: it is sent; poll get_transaction until " \
	"CONFIRMED or FAILED.  Tier DELAY (status QUEUED): it waits out the " \
	"policy's delay, then is sent; keep polling.  Tier APPROVAL (status " \
	"QUEUED): the wallet's owner must approve it first; tell the human " \
	"so, then poll.  A denial is an error naming the policy and a hint."

/*
 * GET_Q: the arguments as the query, and walletId (the default wallet)
 * unless given; GET_ARGS: the arguments alone (routes of no wallet);
 * GET_TX: the transaction's id in the path; POST_TX: the body, keys in
 * camelCase, the default wallet's id added; POST_PLAIN: the body as
 * given, less wallet_id (the route takes none); GET_SNAKE: as GET_Q,
 * the keys as given (the route's are snake_case, wallet_id too).
 */
/* POST_NFT: transfer_nft's flat arguments as an NFT_TRANSFER body;
 * GET_NFT: the token identifier in the path, the rest as GET_Q. */
enum how { GET_Q, GET_ARGS, GET_TX, POST_TX, POST_PLAIN, GET_SNAKE, POST_NFT,
	GET_NFT };

static const struct tool {
	const char	*name;
	const char	*desc;
	const char	*schema;
	enum how	 how;
	const char	*path;
	const char	*type;		/* POST_TX: the body's type if absent */
} tools[] = {
	{ "connect_info", "What this session may do: its wallets and their "
	    "networks, the policies in effect, capabilities, and a prompt "
	    "on how to use this wallet daemon.  Call it first.",
	    "{\"type\":\"object\",\"properties\":{}}", GET_Q,
	    "/v1/connect-info", NULL },
	{ "list_sessions", "This agent's session: its id, wallets, expiry "
	    "and renewals (a session token sees only itself).",
	    "{\"type\":\"object\",\"properties\":{" WALLET_SCHEMA ",\"limit\":"
	    "{\"type\":\"integer\",\"minimum\":1,\"maximum\":200},\"offset\":"
	    "{\"type\":\"integer\",\"minimum\":0}},\"additionalProperties\":"
	    "false}", GET_Q, "/v1/sessions", NULL },
	{ "get_wallet_info", "The wallet's id, chain, network and address.",
	    "{\"type\":\"object\",\"properties\":{" WALLET_SCHEMA "},"
	    "\"additionalProperties\":false}", GET_Q, "/v1/wallet/address",
	    NULL },
	{ "get_address", "The wallet's public address (EVM 0x address or "
	    "Solana base58 public key).",
	    "{\"type\":\"object\",\"properties\":{" WALLET_SCHEMA "},"
	    "\"additionalProperties\":false}", GET_Q, "/v1/wallet/address",
	    NULL },
	{ "get_balance", "The wallet's native balance: balance in the "
	    "smallest unit (wei, lamports) and balanceFormatted in whole "
	    "coins.",
	    "{\"type\":\"object\",\"properties\":{" NETWORK_SCHEMA ","
	    WALLET_SCHEMA "},\"additionalProperties\":false}", GET_Q,
	    "/v1/wallet/balance", NULL },
	{ "get_assets", "The wallet's native and token balances, amounts in "
	    "the smallest unit with their decimals.",
	    "{\"type\":\"object\",\"properties\":{" NETWORK_SCHEMA ","
	    WALLET_SCHEMA "},\"additionalProperties\":false}", GET_Q,
	    "/v1/wallet/assets", NULL },
	{ "send_token", "Send native coins (TRANSFER) or a token "
	    "(TOKEN_TRANSFER, with token).  amount is a decimal string in the "
	    "smallest unit (wei, lamports, token base units)." TIERS,
	    "{\"type\":\"object\",\"properties\":{\"to\":{\"type\":\"string\","
	    "\"description\":\"Recipient address\"},\"amount\":{\"type\":"
	    "\"string\",\"description\":\"Amount in the smallest unit\"},"
	    "\"memo\":{\"type\":\"string\"},\"type\":{\"type\":\"string\","
	    "\"enum\":[\"TRANSFER\",\"TOKEN_TRANSFER\"]}," NETWORK_SCHEMA ","
	    TOKEN_SCHEMA("") "," WALLET_SCHEMA "," GAS_SCHEMA "},\"required\":"
	    "[\"to\",\"amount\"],\"additionalProperties\":false}", POST_TX,
	    "/v1/transactions/send", NULL },
	{ "call_contract", "Call a contract (EVM calldata, value in wei) or a "
	    "Solana program (programId, instructionData, accounts).  Only "
	    "contracts the policies allow are callable." TIERS,
	    "{\"type\":\"object\",\"properties\":{\"to\":{\"type\":\"string\"},"
	    CALL_SCHEMA "," NETWORK_SCHEMA "," WALLET_SCHEMA "," GAS_SCHEMA
	    "},\"required\":[\"to\"],\"additionalProperties\":false}", POST_TX,
	    "/v1/transactions/send", "CONTRACT_CALL" },
	{ "approve_token", "Let spender move up to amount (smallest unit) of "
	    "the token.  Only spenders the policies allow." TIERS,
	    "{\"type\":\"object\",\"properties\":{\"spender\":{\"type\":"
	    "\"string\"}," TOKEN_SCHEMA("") ",\"amount\":{\"type\":\"string\"},"
	    NETWORK_SCHEMA "," WALLET_SCHEMA "," GAS_SCHEMA "},\"required\":"
	    "[\"spender\",\"token\",\"amount\"],"
	    "\"additionalProperties\":false}",
	    POST_TX, "/v1/transactions/send", "APPROVE" },
	{ "send_batch", "Send 2 to 20 instructions as one BATCH (Solana: "
	    "one transaction, all land or none).  Each instruction is the "
	    "fields of a send without walletId or network: {to, amount} "
	    "(TRANSFER), {to, amount, token} (TOKEN_TRANSFER), {programId, "
	    "instructionData, accounts} (CONTRACT_CALL); type may be given.  "
	    "One policy decision on the whole batch: one instruction denied "
	    "denies all, and the total counts against the limits." TIERS,
	    "{\"type\":\"object\",\"properties\":{\"instructions\":{\"type\":"
	    "\"array\",\"items\":{\"type\":\"object\","
	    "\"additionalProperties\":{}},\"minItems\":2,\"maxItems\":20},"
	    NETWORK_SCHEMA "," WALLET_SCHEMA "," GAS_SCHEMA "},\"required\":"
	    "[\"instructions\"],\"additionalProperties\":false}", POST_TX,
	    "/v1/transactions/send", "BATCH" },
	{ "simulate_transaction", "Dry run of a transaction: the policy "
	    "verdict and tier it would get and the node's simulation, "
	    "without signing or sending.  Amounts in the smallest unit.",
	    "{\"type\":\"object\",\"properties\":{\"to\":{\"type\":\"string\"},"
	    "\"amount\":{\"type\":\"string\"},\"type\":{\"type\":\"string\","
	    "\"enum\":[\"TRANSFER\",\"TOKEN_TRANSFER\",\"CONTRACT_CALL\","
	    "\"APPROVE\"]}," TOKEN_SCHEMA("\"required\":[\"address\","
	    "\"decimals\",\"symbol\"],") "," CALL_SCHEMA ",\"spender\":"
	    "{\"type\":\"string\"}," NETWORK_SCHEMA "," WALLET_SCHEMA ","
	    GAS_SCHEMA "},\"required\":[\"to\",\"amount\"],"
	    "\"additionalProperties\":false}", POST_TX,
	    "/v1/transactions/simulate", NULL },
	{ "sign_message", "Sign a message with the wallet's key: personal "
	    "(EIP-191, or Solana off-chain bytes) or EIP-712 typedData.  "
	    "Policies may refuse it.",
	    "{\"type\":\"object\",\"properties\":{\"message\":{\"type\":"
	    "\"string\"},\"sign_type\":{\"type\":\"string\",\"enum\":"
	    "[\"personal\",\"typedData\"]},\"typed_data\":{\"type\":\"object\","
	    "\"properties\":{\"domain\":{\"type\":\"object\"},\"types\":"
	    "{\"type\":\"object\"},\"primaryType\":{\"type\":\"string\"},"
	    "\"message\":{\"type\":\"object\"}},\"required\":[\"domain\","
	    "\"types\",\"primaryType\",\"message\"],\"additionalProperties\":"
	    "false}," NETWORK_SCHEMA "," WALLET_SCHEMA "},"
	    "\"additionalProperties\":false}", POST_TX,
	    "/v1/transactions/sign-message", NULL },
	{ "sign_transaction", "Sign an unsigned EVM transaction that a dApp "
	    "built (0x hex: EIP-1559 type 2, or an EIP-155 legacy one), "
	    "judged by the policies as the send it amounts to.  The answer "
	    "has signedTransaction and txHash; nothing is broadcast.  What "
	    "would wait (tier DELAY or APPROVAL) is refused.",
	    "{\"type\":\"object\",\"properties\":{\"transaction\":{\"type\":"
	    "\"string\"}," NETWORK_SCHEMA "," WALLET_SCHEMA "},\"required\":"
	    "[\"transaction\"],\"additionalProperties\":false}", POST_TX,
	    "/v1/transactions/sign", NULL },
	{ "get_transaction", "One transaction: its status (QUEUED, SUBMITTED, "
	    "CONFIRMED, FAILED, CANCELLED, EXPIRED, ...), tier and hash.",
	    "{\"type\":\"object\",\"properties\":{\"transaction_id\":{\"type\":"
	    "\"string\"}," WALLET_SCHEMA "},\"required\":[\"transaction_id\"],"
	    "\"additionalProperties\":false}", GET_TX, "/v1/transactions/",
	    NULL },
	{ "list_transactions", "The wallet's transactions, newest first; "
	    "pass cursor from the previous page for the next.",
	    "{\"type\":\"object\",\"properties\":{\"limit\":{\"type\":"
	    "\"number\"},\"cursor\":{\"type\":\"string\"}," WALLET_SCHEMA "},"
	    "\"additionalProperties\":false}", GET_Q, "/v1/transactions",
	    NULL },
	{ "list_incoming_transactions", "Transfers this wallet received "
	    "(native coin and ERC-20 tokens on EVM networks, once the "
	    "operator turned monitorIncoming on), newest first; amounts in "
	    "the smallest unit, tokenAddress null for the coin.  Pass "
	    "nextCursor as cursor for the next page.",
	    "{\"type\":\"object\",\"properties\":{\"limit\":{\"type\":"
	    "\"number\"},\"cursor\":{\"type\":\"string\"},\"chain\":{"
	    "\"type\":\"string\"},\"network\":{\"type\":\"string\"},"
	    "\"status\":{\"type\":\"string\"},\"token\":{\"type\":"
	    "\"string\"},\"from_address\":{\"type\":\"string\"},\"since\":"
	    "{\"type\":\"number\"},\"until\":{\"type\":\"number\"},"
	    WALLET_SCHEMA "},\"additionalProperties\":false}", GET_SNAKE,
	    "/v1/wallet/incoming", NULL },
	{ "get_incoming_summary", "Received transfers per day, week or "
	    "month (period daily, weekly, monthly): counts, and the native "
	    "coin's amounts summed in the smallest unit.",
	    "{\"type\":\"object\",\"properties\":{\"period\":{\"type\":"
	    "\"string\"},\"chain\":{\"type\":\"string\"},\"network\":{"
	    "\"type\":\"string\"},\"since\":{\"type\":\"number\"},"
	    "\"until\":{\"type\":\"number\"}," WALLET_SCHEMA "},"
	    "\"additionalProperties\":false}", GET_SNAKE,
	    "/v1/wallet/incoming/summary", NULL },
	{ "get_policies", "The policies in effect for the wallet (spending "
	    "limits in USD with their INSTANT / NOTIFY / DELAY / APPROVAL "
	    "tiers, allowed tokens, contracts, ...).",
	    "{\"type\":\"object\",\"properties\":{" WALLET_SCHEMA ",\"limit\":"
	    "{\"type\":\"integer\",\"minimum\":1,\"maximum\":200},\"offset\":"
	    "{\"type\":\"integer\",\"minimum\":0}},\"additionalProperties\":"
	    "false}", GET_Q, "/v1/policies", NULL },
	{ "get_tokens", "The tokens this daemon knows on a network: the "
	    "built-in well-known ones (source builtin) and those the "
	    "operator added (custom), each with its address, symbol, name, "
	    "decimals and CAIP-19 assetId.",
	    "{\"type\":\"object\",\"properties\":{\"network\":{\"type\":"
	    "\"string\",\"description\":\"Network id or CAIP-2 id, e.g. "
	    "ethereum-sepolia or eip155:11155111\"}},\"required\":"
	    "[\"network\"],\"additionalProperties\":false}", GET_ARGS,
	    "/v1/tokens", NULL },
	{ "resolve_asset", "A CAIP-19 asset id's token, read from its chain: "
	    "network, address, decimals, symbol and name.  "
	    "eip155:<chainId>/erc20:<address>, solana:<genesis>/token:<mint>, "
	    "or <chain>/slip44:<coin> for the network's native coin.",
	    "{\"type\":\"object\",\"properties\":{\"asset_id\":{\"type\":"
	    "\"string\",\"description\":\"CAIP-19 asset id\"}},"
	    "\"required\":[\"asset_id\"],\"additionalProperties\":false}",
	    GET_ARGS, "/v1/tokens/resolve", NULL },
	{ "encode_calldata", "EVM calldata for a contract function call, "
	    "from its JSON ABI, the function's name and the arguments in "
	    "order (integers as decimal strings, addresses as 0x strings, "
	    "tuples as arrays or objects): calldata and selector, ready for "
	    "call_contract.  Nothing is sent.",
	    "{\"type\":\"object\",\"properties\":{\"abi\":{\"type\":"
	    "\"array\",\"items\":{\"type\":\"object\","
	    "\"additionalProperties\":{}},\"description\":\"The contract's "
	    "ABI, or the function's entry alone\"},\"functionName\":"
	    "{\"type\":\"string\"},\"args\":{\"type\":\"array\"},"
	    WALLET_SCHEMA "},\"required\":[\"abi\",\"functionName\"],"
	    "\"additionalProperties\":false}", POST_PLAIN,
	    "/v1/utils/encode-calldata", NULL },
	{ "x402_fetch", "Fetch a URL through the daemon; if the server "
	    "asks for an x402 payment (HTTP 402), pay it from the wallet "
	    "within its policies (X402_ALLOWED_DOMAINS must list the host) "
	    "and fetch again.  Answers the status, headers and body, and "
	    "what was paid.  A payment that must wait (DELAY, APPROVAL) is "
	    "named in the error: fetch again once it may run.",
	    "{\"type\":\"object\",\"properties\":{\"url\":{\"type\":"
	    "\"string\",\"format\":\"uri\"},\"method\":{\"type\":"
	    "\"string\",\"enum\":[\"GET\",\"POST\",\"PUT\",\"DELETE\","
	    "\"PATCH\"]},\"headers\":{\"type\":\"object\","
	    "\"additionalProperties\":{\"type\":\"string\"}},\"body\":"
	    "{\"type\":\"string\"}," WALLET_SCHEMA "},\"required\":"
	    "[\"url\"],\"additionalProperties\":false}", POST_PLAIN,
	    "/v1/x402/fetch", NULL },
	{ "transfer_nft", "Send an NFT: an ERC-721 token (amount 1) or an "
	    "amount of an ERC-1155 token, by safeTransferFrom on its "
	    "collection's contract, which the policies must allow (a "
	    "CONTRACT_WHITELIST entry).  EVM networks only." TIERS,
	    "{\"type\":\"object\",\"properties\":{\"to\":{\"type\":"
	    "\"string\"},\"token_address\":{\"type\":\"string\","
	    "\"description\":\"The collection's contract\"},\"token_id\":"
	    "{\"type\":\"string\",\"description\":\"Decimal token id\"},"
	    "\"standard\":{\"type\":\"string\",\"enum\":[\"erc721\","
	    "\"erc1155\",\"metaplex\"]}," NETWORK_SCHEMA ",\"amount\":"
	    "{\"type\":\"string\",\"description\":\"ERC-1155: how many "
	    "(default 1)\"}," WALLET_SCHEMA "},\"required\":[\"to\","
	    "\"token_address\",\"token_id\",\"standard\",\"network\"],"
	    "\"additionalProperties\":false}", POST_NFT,
	    "/v1/transactions/send", "NFT_TRANSFER" },
	{ "list_nfts", "Would list the wallet's NFTs; that needs an NFT "
	    "indexer, which this daemon does not have, so it answers "
	    "INDEXER_NOT_CONFIGURED.  Use get_nft_metadata for one token.",
	    "{\"type\":\"object\",\"properties\":{" NETWORK_SCHEMA ","
	    "\"cursor\":{\"type\":\"string\"},\"limit\":{\"type\":"
	    "\"number\"},\"group_by\":{\"type\":\"string\",\"enum\":"
	    "[\"collection\"]}," WALLET_SCHEMA "},\"required\":[\"network\"],"
	    "\"additionalProperties\":false}", GET_Q, "/v1/wallet/nfts",
	    NULL },
	{ "get_nft_metadata", "One NFT as the wallet holds it, read from "
	    "the node: standard (ERC-721 or ERC-1155), amount held and the "
	    "token's URI.  token_identifier is contractAddress:tokenId.  The "
	    "metadata document the URI names is not fetched.",
	    "{\"type\":\"object\",\"properties\":{\"token_identifier\":"
	    "{\"type\":\"string\",\"description\":\"contractAddress:"
	    "tokenId\"}," NETWORK_SCHEMA "," WALLET_SCHEMA "},\"required\":"
	    "[\"token_identifier\",\"network\"],\"additionalProperties\":"
	    "false}", GET_NFT, "/v1/wallet/nfts/", NULL },
	{ "get_nonce", "A fresh nonce for an owner's sign-in message "
	    "(SIWE / SIWS).",
	    "{\"type\":\"object\",\"properties\":{" WALLET_SCHEMA "},"
	    "\"additionalProperties\":false}", GET_Q, "/v1/nonce", NULL },
};

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int
depth_ok(json_t *j, int depth)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	if (depth > MCP_DEPTH_MAX)
		return 0;
	if (json_is_object(j)) {
		json_object_foreach(j, k, v)
			if (!depth_ok(v, depth + 1))
				return 0;
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			if (!depth_ok(v, depth + 1))
				return 0;
	}
	return 1;
}

static json_t *
must(json_t *j)
{
	if (j == NULL)
		abort();	/* jansson out of memory */
	return j;
}

json_t *
mcp_error(json_t *id, int code, const char *msg)
{
	return must(json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0",
	    "id", id != NULL ? id : json_null(), "error", "code", code,
	    "message", msg));
}

static json_t *
answer(json_t *id, json_t *result)
{
	return must(json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id,
	    "result", must(result)));
}

static json_t *
text_result(const char *text, int is_error)
{
	return must(json_pack("{s:[{s:s,s:s}],s:b}", "content", "type",
	    "text", "text", text, "isError", is_error));
}

static json_t *
json_result(json_t *j, int is_error)
{
	json_t	*r;
	char	*s;

	if ((s = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS)) == NULL)
		abort();
	r = text_result(s, is_error);
	wipe_free(s);
	return r;
}

int
mcp_version_ok(const char *v, size_t len)
{
	size_t	i;

	for (i = 0; i < nitems(protos); i++)
		if (strlen(protos[i]) == len && memcmp(v, protos[i], len) == 0)
			return 1;
	return 0;
}

/* snake_case to camelCase, for the keys the reference maps so. */
static void
camel(const char *in, char *out, size_t len)
{
	size_t	o = 0;
	int	up = 0;

	for (; *in != '\0' && o + 1 < len; in++) {
		if (*in == '_') {
			up = 1;
			continue;
		}
		out[o++] = up ? (char)toupper((unsigned char)*in) : *in;
		up = 0;
	}
	out[o] = '\0';
}

/* The REST body: top-level and gas_condition keys in camelCase. */
static json_t *
rest_body(json_t *args, const char *type, const char *wallet)
{
	json_t		*b, *v, *g, *gv;
	const char	*k, *gk;
	char		 ck[64];

	b = must(json_object());
	json_object_foreach(args, k, v) {
		camel(k, ck, sizeof(ck));
		if (strcmp(k, "gas_condition") == 0 && json_is_object(v)) {
			g = must(json_object());
			json_object_foreach(v, gk, gv) {
				camel(gk, ck, sizeof(ck));
				json_object_set(g, ck, gv);
			}
			json_object_set_new(b, "gasCondition", g);
			continue;
		}
		json_object_set(b, ck, v);
	}
	if (json_object_get(b, "walletId") == NULL && wallet != NULL)
		json_object_set_new(b, "walletId", json_string(wallet));
	if (type != NULL && json_object_get(b, "type") == NULL)
		json_object_set_new(b, "type", json_string(type));
	return b;
}

/*
 * transfer_nft's arguments as the send's NFT_TRANSFER body: the token's
 * address, id and standard (erc721 -> ERC-721) in token; anything else
 * as given, for the route to judge.
 */
static json_t *
nft_body(json_t *args, const char *wallet)
{
	static const char *const std[][2] = { { "erc721", "ERC-721" },
	    { "erc1155", "ERC-1155" }, { "metaplex", "METAPLEX" } };
	json_t		*b, *tok, *v;
	const char	*k;
	size_t		 i;

	b = must(json_object());
	tok = must(json_object());
	json_object_foreach(args, k, v) {
		if (strcmp(k, "token_address") == 0)
			json_object_set(tok, "address", v);
		else if (strcmp(k, "token_id") == 0)
			json_object_set(tok, "tokenId", v);
		else if (strcmp(k, "standard") == 0) {
			for (i = 0; i < nitems(std); i++)
				if (json_is_string(v) && strcmp(std[i][0],
				    json_string_value(v)) == 0)
					break;
			json_object_set_new(tok, "standard", i < nitems(std) ?
			    json_string(std[i][1]) : json_incref(v));
		} else if (strcmp(k, "wallet_id") == 0)
			json_object_set(b, "walletId", v);
		else
			json_object_set(b, k, v);
	}
	json_object_set_new(b, "token", tok);
	json_object_set_new(b, "type", json_string("NFT_TRANSFER"));
	if (json_object_get(b, "walletId") == NULL && wallet != NULL)
		json_object_set_new(b, "walletId", json_string(wallet));
	return b;
}

/* s percent-encoded (all but RFC 3986's unreserved) after out's end. */
static int
append_escaped(char *out, size_t len, const char *s)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			o = strlen(out);
	unsigned char		c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (o + 4 > len)
			return -1;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' ||
		    c == '~')
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return 0;
}

static int
add_query(char *target, size_t len, const char *key, json_t *v)
{
	char		 num[32];
	const char	*s;
	size_t		 i;
	int		 r;

	/* A key is a name (snake_case too): nothing that would end it or
	 * start another. */
	for (i = 0; key[i] != '\0'; i++)
		if (!isalnum((unsigned char)key[i]) && key[i] != '_')
			return -1;
	if (i == 0)
		return -1;
	if (json_is_string(v))
		s = json_string_value(v);
	else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld",
		    (long long)json_integer_value(v));
		s = num;
	} else if (json_is_real(v) && json_real_value(v) >= 0 &&
	    json_real_value(v) < 1e9) {
		snprintf(num, sizeof(num), "%.0f", json_real_value(v));
		s = num;
	} else
		return -1;
	r = snprintf(target + strlen(target), len - strlen(target), "%s%s=",
	    strchr(target, '?') != NULL ? "&" : "?", key);
	if (r < 0 || (size_t)r >= len - strlen(target))
		return -1;
	return append_escaped(target, len, s);
}

/* The call of tool t with args; NULL or the tool's error result. */
static json_t *
make_call(const struct tool *t, json_t *args, const char *wallet,
    struct mcp_call *c)
{
	const char	*k;
	json_t		*v;
	char		 ck[64], *s;
	size_t		 n;
	int		 r;

	if ((s = json_dumps(args, JSON_COMPACT)) == NULL)
		abort();
	n = strlen(s);
	wipe_free(s);
	if (n > MCP_ARG_MAX)
		return text_result("Error: the arguments are too long", 1);
	c->method = t->how == POST_TX || t->how == POST_PLAIN ||
	    t->how == POST_NFT ? "POST" : "GET";
	c->tool = t->name;
	snprintf(c->target, sizeof(c->target), "%s", t->path);
	switch (t->how) {
	case GET_TX:
		v = json_object_get(args, "transaction_id");
		if (!json_is_string(v) || json_string_length(v) > 64 ||
		    append_escaped(c->target, sizeof(c->target),
		    json_string_value(v)) == -1)
			return text_result("Error: transaction_id must be a "
			    "transaction id", 1);
		break;
	case GET_NFT:
		v = json_object_get(args, "token_identifier");
		if (!json_is_string(v) || json_string_length(v) > 128 ||
		    append_escaped(c->target, sizeof(c->target),
		    json_string_value(v)) == -1)
			return text_result("Error: token_identifier must be "
			    "contractAddress:tokenId", 1);
		/* FALLTHROUGH */
	case GET_Q:
	case GET_ARGS:
	case GET_SNAKE:
		if (strcmp(t->name, "connect_info") == 0 ||
		    strcmp(t->name, "get_nonce") == 0)
			break;
		json_object_foreach(args, k, v) {
			if (strcmp(k, "token_identifier") == 0)
				continue;
			if (t->how == GET_SNAKE)
				snprintf(ck, sizeof(ck), "%s", k);
			else if (strcmp(t->name, "list_nfts") == 0 &&
			    strcmp(k, "cursor") == 0)
				snprintf(ck, sizeof(ck), "pageKey");
			else if (strcmp(t->name, "list_nfts") == 0 &&
			    strcmp(k, "limit") == 0)
				snprintf(ck, sizeof(ck), "pageSize");
			else
				camel(k, ck, sizeof(ck));
			if (add_query(c->target, sizeof(c->target), ck, v) ==
			    -1)
				return text_result("Error: an argument's "
				    "name is not a plain name, or its value "
				    "not a string or number, or too long", 1);
		}
		if (t->how != GET_ARGS && json_object_get(args,
		    "wallet_id") == NULL && wallet != NULL) {
			v = must(json_string(wallet));
			r = add_query(c->target, sizeof(c->target),
			    t->how == GET_SNAKE ? "wallet_id" : "walletId", v);
			json_decref(v);
			if (r != 0)
				return text_result("Error: the default "
				    "wallet id is too long", 1);
		}
		break;
	case POST_NFT:
		c->body = nft_body(args, wallet);
		break;
	case POST_PLAIN:
		/* wallet_id only names the session's wallet: no use here,
		 * but for x402_fetch, whose payment it makes */
		c->body = must(json_deep_copy(args));
		json_object_del(c->body, "wallet_id");
		if (strcmp(t->name, "x402_fetch") == 0 && ((v =
		    json_object_get(args, "wallet_id")) != NULL ||
		    wallet != NULL))
			json_object_set_new(c->body, "walletId", v != NULL ?
			    json_incref(v) : must(json_string(wallet)));
		break;
	case POST_TX:
		c->body = rest_body(args, t->type, wallet);
		if (strcmp(t->name, "send_token") == 0 &&
		    json_object_get(c->body, "type") == NULL)
			json_object_set_new(c->body, "type", json_string(
			    json_object_get(c->body, "token") != NULL ?
			    "TOKEN_TRANSFER" : "TRANSFER"));
		if (strcmp(t->name, "simulate_transaction") == 0 &&
		    json_object_get(c->body, "type") == NULL)
			json_object_set_new(c->body, "type",
			    json_string("TRANSFER"));
		break;
	}
	return NULL;
}

/* A REST error as the tool's text: code, message, hint, details. */
static json_t *
rest_error(long st, json_t *ans)
{
	json_t		*r;
	const char	*code, *msg, *hint;
	char		*s, *det = NULL;
	size_t		 len;

	code = jstr(ans, "code");
	msg = jstr(ans, "message");
	hint = jstr(ans, "hint");
	if (st == 401 && code != NULL && strcmp(code, "SESSION_REVOKED") == 0)
		msg = "This session was revoked by the wallet's operator: no "
		    "tool will work until the human gives this agent a new "
		    "session token.";
	if (json_object_get(ans, "details") != NULL)
		det = json_dumps(json_object_get(ans, "details"),
		    JSON_COMPACT | JSON_SORT_KEYS);
	len = 256 + (msg ? strlen(msg) : 0) + (hint ? strlen(hint) : 0) +
	    (det ? strlen(det) : 0) + (code ? strlen(code) : 0);
	if ((s = wipe_malloc(len)) == NULL)
		abort();
	snprintf(s, len, "Error %s (HTTP %ld): %s%s%s%s%s",
	    code != NULL ? code : "UNKNOWN", st,
	    msg != NULL ? msg : "no message",
	    hint != NULL ? "\nHint: " : "", hint != NULL ? hint : "",
	    det != NULL ? "\nDetails: " : "", det != NULL ? det : "");
	r = text_result(s, 1);
	wipe_free(s);
	if (det != NULL)
		wipe_free(det);
	return r;
}

void
mcp_call_free(struct mcp_call *c)
{
	json_decref(c->body);
	json_decref(c->id);
	memset(c, 0, sizeof(*c));
}

json_t *
mcp_result(struct mcp_call *c, long st, json_t *ans, const char *why)
{
	json_t	*r;

	if (st == 0)
		r = text_result(why, 1);
	else if (ans == NULL)
		r = text_result(st >= 200 && st < 300 ? "OK" :
		    "Error: the daemon's answer was not JSON", st >= 300);
	else if (st >= 200 && st < 300)
		r = json_result(ans, 0);
	else
		r = rest_error(st, ans);
	r = answer(c->id, r);
	mcp_call_free(c);
	return r;
}

static json_t *
initialize(json_t *id, json_t *params)
{
	const char	*pv = jstr(params, "protocolVersion");

	if (pv == NULL || !mcp_version_ok(pv, strlen(pv)))
		pv = protos[0];
	return answer(id, json_pack("{s:s,s:{s:{}},s:{s:s,s:s},s:s}",
	    "protocolVersion", pv, "capabilities", "tools",
	    "serverInfo", "name", "waiaas", "version", WAIAAS_VERSION,
	    "instructions", "A wallet daemon: call connect_info "
	    "first to learn the session's wallets and policies."));
}

static json_t *
tools_list(json_t *id)
{
	json_t	*tl, *schema;
	size_t	 i;

	tl = must(json_array());
	for (i = 0; i < nitems(tools); i++) {
		/* Constant text: a schema that does not parse is a bug. */
		if ((schema = json_loads(tools[i].schema, 0, NULL)) == NULL)
			abort();
		json_array_append_new(tl, must(json_pack("{s:s,s:s,s:o}",
		    "name", tools[i].name, "description", tools[i].desc,
		    "inputSchema", schema)));
	}
	return answer(id, json_pack("{s:o}", "tools", tl));
}

static enum mcp_kind
tools_call(json_t *id, json_t *params, const char *wallet, json_t **out,
    struct mcp_call *c)
{
	const char	*name = jstr(params, "name");
	json_t		*args = json_object_get(params, "arguments"), *r;
	size_t		 i;

	if (name == NULL || (args != NULL && !json_is_object(args))) {
		*out = mcp_error(id, -32602, "Invalid params");
		return MCP_ANSWER;
	}
	for (i = 0; i < nitems(tools); i++)
		if (strcmp(name, tools[i].name) == 0)
			break;
	if (i == nitems(tools)) {
		*out = mcp_error(id, -32602, "Unknown tool");
		return MCP_ANSWER;
	}
	args = args != NULL ? json_incref(args) : must(json_object());
	r = make_call(&tools[i], args, wallet, c);
	json_decref(args);
	if (r != NULL) {
		mcp_call_free(c);
		*out = answer(id, r);
		return MCP_ANSWER;
	}
	c->id = json_incref(id);
	return MCP_CALL;
}

static enum mcp_kind
handle(json_t *m, const char *wallet, json_t **out, struct mcp_call *c)
{
	json_t		*id, *params;
	const char	*method;

	id = json_object_get(m, "id");
	method = jstr(m, "method");
	params = json_object_get(m, "params");
	if (!json_is_object(m) || method == NULL ||
	    (id != NULL && !json_is_string(id) && !json_is_integer(id))) {
		/* A response to us (we send no requests): nothing to say. */
		if (json_is_object(m) && method == NULL && id != NULL &&
		    (json_object_get(m, "result") != NULL ||
		    json_object_get(m, "error") != NULL))
			return MCP_NOTHING;
		*out = mcp_error(NULL, -32600, "Invalid Request");
		return MCP_INVALID;
	}
	if (id == NULL)
		return MCP_NOTHING;	/* a notification */
	if (strcmp(method, "initialize") == 0)
		*out = initialize(id, params);
	else if (strcmp(method, "ping") == 0)
		*out = answer(id, json_object());
	else if (strcmp(method, "tools/list") == 0)
		*out = tools_list(id);
	else if (strcmp(method, "tools/call") == 0)
		return tools_call(id, params, wallet, out, c);
	else
		*out = mcp_error(id, -32601, "Method not found");
	return MCP_ANSWER;
}

enum mcp_kind
mcp_message(const char *buf, size_t len, const char *wallet, json_t **out,
    struct mcp_call *c)
{
	enum mcp_kind	 k;
	json_t		*m;

	memset(c, 0, sizeof(*c));
	*out = NULL;
	if (len > MCP_MSG_MAX) {
		*out = mcp_error(NULL, -32700, "Parse error: message too long");
		return MCP_INVALID;
	}
	if ((m = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL)) ==
	    NULL) {
		*out = mcp_error(NULL, -32700, "Parse error");
		return MCP_INVALID;
	}
	if (!depth_ok(m, 0)) {
		json_decref(m);
		*out = mcp_error(NULL, -32600, "Invalid Request: nested too "
		    "deep");
		return MCP_INVALID;
	}
	k = handle(m, wallet, out, c);
	json_decref(m);
	return k;
}
