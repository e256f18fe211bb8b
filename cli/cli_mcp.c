/*
 * waiaas mcp: a Model Context Protocol server on stdin/stdout.  JSON-RPC
 * 2.0, one message a line; each tool a thin call of one REST route with
 * the session token as a Bearer, so policy, tiers and audit stay the
 * daemon's.  A REST error is a tool result with isError, not a protocol
 * error.  Logs go to stderr and never carry the token.
 *
 * Configuration, as the reference's server: WAIAAS_BASE_URL (default
 * http://127.0.0.1:3100), WAIAAS_SESSION_TOKEN, or else the token file
 * $WAIAAS_DATA_DIR/tokens/<WAIAAS_WALLET_ID or "default"> (see
 * cli_mcp_token.c, which also renews the token), and WAIAAS_WALLET_ID,
 * the wallet of tools called without wallet_id.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"
#include "version.h"
#include "wipe.h"

#define MCP_LINE_MAX	((size_t)256 * 1024)	/* bytes of one message */
#define MCP_DEPTH_MAX	16		/* nesting of one message */
/* bytes of a tool's arguments */
#define MCP_ARG_MAX	((size_t)64 * 1024)
#define MCP_TOKEN_MAX	((size_t)4096)
#define MCP_PROTO	"2025-06-18"

static const char *const protos[] = { "2025-06-18", "2025-03-26",
	"2024-11-05" };
static const char	*default_wallet;

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

enum how { GET_Q, GET_TX, POST_TX };

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
	{ "get_policies", "The policies in effect for the wallet (spending "
	    "limits in USD with their INSTANT / NOTIFY / DELAY / APPROVAL "
	    "tiers, allowed tokens, contracts, ...).",
	    "{\"type\":\"object\",\"properties\":{" WALLET_SCHEMA ",\"limit\":"
	    "{\"type\":\"integer\",\"minimum\":1,\"maximum\":200},\"offset\":"
	    "{\"type\":\"integer\",\"minimum\":0}},\"additionalProperties\":"
	    "false}", GET_Q, "/v1/policies", NULL },
	{ "get_nonce", "A fresh nonce for an owner's sign-in message "
	    "(SIWE / SIWS).",
	    "{\"type\":\"object\",\"properties\":{" WALLET_SCHEMA "},"
	    "\"additionalProperties\":false}", GET_Q, "/v1/nonce", NULL },
};

static char *
wdup(const char *s)
{
	size_t	 n = strlen(s) + 1;
	char	*d;

	if ((d = wipe_malloc(n)) != NULL)
		memcpy(d, s, n);
	return d;
}

#define logmsg	mcp_log		/* cli_mcp_token.c */

/* Token from the environment or the token file; NULL (logged) if none. */
static char *
load_token(void)
{
	const char	*env;

	if ((env = getenv("WAIAAS_SESSION_TOKEN")) != NULL && *env != '\0') {
		if (strlen(env) > MCP_TOKEN_MAX)
			return NULL;
		return wdup(env);
	}
	return mcp_token_file(default_wallet);
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

static void
send_msg(json_t *m)
{
	char	*s;

	/* JSON_COMPACT never puts a newline inside: one message a line. */
	if ((s = json_dumps(m, JSON_COMPACT)) == NULL) {
		logmsg("out of memory");
		exit(EX_FAIL);
	}
	fputs(s, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	wipe_free(s);
	json_decref(m);
}

static void
reply(json_t *id, json_t *result)
{
	send_msg(json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id,
	    "result", result));
}

static void
reply_err(json_t *id, int code, const char *msg)
{
	send_msg(json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id",
	    id != NULL ? id : json_null(), "error", "code", code, "message",
	    msg));
}

static json_t *
text_result(const char *text, int is_error)
{
	return json_pack("{s:[{s:s,s:s}],s:b}", "content", "type", "text",
	    "text", text, "isError", is_error);
}

static json_t *
json_result(json_t *j, int is_error)
{
	json_t	*r;
	char	*s;

	if ((s = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS)) == NULL)
		return text_result("out of memory", 1);
	r = text_result(s, is_error);
	wipe_free(s);
	return r;
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
rest_body(json_t *args, const char *type)
{
	json_t		*b, *v, *g;
	const char	*k, *gk;
	char		 ck[64];

	b = json_object();
	json_object_foreach(args, k, v) {
		camel(k, ck, sizeof(ck));
		if (strcmp(k, "gas_condition") == 0 && json_is_object(v)) {
			g = json_object();
			json_object_foreach(v, gk, v) {
				camel(gk, ck, sizeof(ck));
				json_object_set(g, ck, v);
			}
			json_object_set_new(b, "gasCondition", g);
			continue;
		}
		json_object_set(b, ck, v);
	}
	if (json_object_get(b, "walletId") == NULL && default_wallet != NULL)
		json_object_set_new(b, "walletId", json_string(default_wallet));
	if (type != NULL && json_object_get(b, "type") == NULL)
		json_object_set_new(b, "type", json_string(type));
	return b;
}

static int
add_query(char *path, size_t len, const char *key, json_t *v)
{
	char	 num[32], *e;
	const char *s;
	int	 r;

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
	if ((e = curl_easy_escape(NULL, s, 0)) == NULL)
		return -1;
	r = snprintf(path + strlen(path), len - strlen(path), "%s%s=%s",
	    strchr(path, '?') != NULL ? "&" : "?", key, e);
	curl_free(e);
	return r < 0 || (size_t)r >= len - strlen(path) ? -1 : 0;
}

/* A REST error as the tool's text: code, message, hint. */
static json_t *
rest_error(long st, json_t *ans)
{
	json_t		*r;
	const char	*code, *msg, *hint;
	char		*s, *det = NULL;
	size_t		 len;

	code = cli_str(ans, "code");
	msg = cli_str(ans, "message");
	hint = cli_str(ans, "hint");
	if (st == 401 && code != NULL && strcmp(code, "SESSION_REVOKED") ==
	    0) {
		mcp_token_revoked();
		msg = "This session was revoked by the wallet's operator: no "
		    "tool will work until the human gives this agent a new "
		    "session token.";
	}
	if (json_object_get(ans, "details") != NULL)
		det = json_dumps(json_object_get(ans, "details"),
		    JSON_COMPACT | JSON_SORT_KEYS);
	len = 256 + (msg ? strlen(msg) : 0) + (hint ? strlen(hint) : 0) +
	    (det ? strlen(det) : 0) + (code ? strlen(code) : 0);
	if ((s = wipe_malloc(len)) == NULL)
		return text_result("out of memory", 1);
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

static json_t *
call_tool(const struct tool *t, json_t *args)
{
	char		 path[2048], err[256], *e;
	json_t		*body = NULL, *ans = NULL, *v, *r;
	const char	*k, *w;
	long		 st;
	char		*s;
	int		 c;

	if ((s = json_dumps(args, JSON_COMPACT)) == NULL)
		return text_result("out of memory", 1);
	if (strlen(s) > MCP_ARG_MAX) {
		wipe_free(s);
		return text_result("Error: the arguments are too long", 1);
	}
	wipe_free(s);
	snprintf(path, sizeof(path), "%s", t->path);
	switch (t->how) {
	case GET_TX:
		v = json_object_get(args, "transaction_id");
		if (!json_is_string(v) || json_string_length(v) > 64)
			return text_result("Error: transaction_id must be a "
			    "transaction id", 1);
		if ((e = curl_easy_escape(NULL, json_string_value(v), 0)) ==
		    NULL)
			return text_result("out of memory", 1);
		snprintf(path, sizeof(path), "%s%s", t->path, e);
		curl_free(e);
		break;
	case GET_Q:
		if (strcmp(t->name, "connect_info") == 0 ||
		    strcmp(t->name, "get_nonce") == 0)
			break;
		json_object_foreach(args, k, v) {
			char ck[64];

			camel(k, ck, sizeof(ck));
			if (add_query(path, sizeof(path), ck, v) == -1)
				return text_result("Error: an argument is "
				    "not a string or number, or too long", 1);
		}
		w = default_wallet;
		if (json_object_get(args, "wallet_id") == NULL && w != NULL) {
			v = json_string(w);
			c = add_query(path, sizeof(path), "walletId", v);
			json_decref(v);
			if (c == -1)
				return text_result("Error: WAIAAS_WALLET_ID "
				    "too long", 1);
		}
		break;
	case POST_TX:
		body = rest_body(args, t->type);
		if (strcmp(t->name, "send_token") == 0 &&
		    json_object_get(body, "type") == NULL)
			json_object_set_new(body, "type", json_string(
			    json_object_get(body, "token") != NULL ?
			    "TOKEN_TRANSFER" : "TRANSFER"));
		if (strcmp(t->name, "simulate_transaction") == 0 &&
		    json_object_get(body, "type") == NULL)
			json_object_set_new(body, "type",
			    json_string("TRANSFER"));
		break;
	}
	if ((r = mcp_token_fresh()) != NULL) {
		json_decref(body);
		return r;
	}
	if (cli_http(body != NULL ? "POST" : "GET", path, body, 2,
	    CLI_TIMEOUT, &st, &ans, err, sizeof(err)) == -1) {
		json_decref(body);
		logmsg("%s: %s", t->name, err);
		return text_result("Error: the wallet daemon did not answer; "
		    "is waiaasd running at WAIAAS_BASE_URL?", 1);
	}
	json_decref(body);
	if (ans == NULL)
		r = text_result(st >= 200 && st < 300 ? "OK" :
		    "Error: the daemon's answer was not JSON", st >= 300);
	else if (st >= 200 && st < 300)
		r = json_result(ans, 0);
	else
		r = rest_error(st, ans);
	json_decref(ans);
	return r;
}

static void
handle(json_t *m)
{
	json_t		*id, *params, *tl, *schema, *args;
	const char	*method, *name, *pv;
	size_t		 i;

	id = json_object_get(m, "id");
	method = cli_str(m, "method");
	params = json_object_get(m, "params");
	if (!json_is_object(m) || method == NULL ||
	    (id != NULL && !json_is_string(id) && !json_is_integer(id))) {
		if (id != NULL || method == NULL)
			reply_err(id, -32600, "Invalid Request");
		return;
	}
	if (id == NULL)
		return;		/* a notification: nothing to answer */
	if (strcmp(method, "initialize") == 0) {
		pv = cli_str(params, "protocolVersion");
		for (i = 0; pv != NULL && i < nitems(protos); i++)
			if (strcmp(pv, protos[i]) == 0)
				break;
		if (pv == NULL || i == nitems(protos))
			pv = MCP_PROTO;
		reply(id, json_pack("{s:s,s:{s:{}},s:{s:s,s:s},s:s}",
		    "protocolVersion", pv, "capabilities", "tools",
		    "serverInfo", "name", "waiaas", "version", WAIAAS_VERSION,
		    "instructions", "A wallet daemon: call connect_info "
		    "first to learn the session's wallets and policies."));
	} else if (strcmp(method, "ping") == 0)
		reply(id, json_object());
	else if (strcmp(method, "tools/list") == 0) {
		tl = json_array();
		for (i = 0; i < nitems(tools); i++) {
			if ((schema = json_loads(tools[i].schema, 0, NULL)) ==
			    NULL) {
				logmsg("bad schema of %s", tools[i].name);
				exit(EX_FAIL);
			}
			json_array_append_new(tl, json_pack("{s:s,s:s,s:o}",
			    "name", tools[i].name, "description",
			    tools[i].desc, "inputSchema", schema));
		}
		reply(id, json_pack("{s:o}", "tools", tl));
	} else if (strcmp(method, "tools/call") == 0) {
		name = cli_str(params, "name");
		args = json_object_get(params, "arguments");
		if (name == NULL || (args != NULL && !json_is_object(args))) {
			reply_err(id, -32602, "Invalid params");
			return;
		}
		for (i = 0; i < nitems(tools); i++)
			if (strcmp(name, tools[i].name) == 0)
				break;
		if (i == nitems(tools)) {
			reply_err(id, -32602, "Unknown tool");
			return;
		}
		if (args == NULL)
			args = json_object();
		else
			json_incref(args);
		reply(id, call_tool(&tools[i], args));
		json_decref(args);
	} else
		reply_err(id, -32601, "Method not found");
}

int
cmd_mcp(int argc, char **argv)
{
	const char	*base;
	char		*line;
	json_t		*m;
	size_t		 len;
	int		 c, skip = 0;

	if (argc > 1 && strcmp(argv[1], "setup") == 0)
		return cmd_mcp_setup(argc - 1, argv + 1);
	if (argc > 1) {
		if (strcmp(argv[1], "--help") == 0) {
			printf("usage: waiaas mcp\n  An MCP server on stdin/"
			    "stdout; environment: WAIAAS_BASE_URL, "
			    "WAIAAS_SESSION_TOKEN or WAIAAS_DATA_DIR (token "
			    "file tokens/<wallet id or default>), "
			    "WAIAAS_WALLET_ID.\n");
			return 0;
		}
		if (argv[1][0] == '-')
			cli_usage_error("unknown option '%.64s'", argv[1]);
		cli_usage_error("mcp takes no arguments");
	}
	base = getenv("WAIAAS_BASE_URL");
	if (base == NULL || *base == '\0')
		base = "http://127.0.0.1:3100";
	if (strlen(base) >= sizeof(cli.url) ||
	    (strncmp(base, "http://", 7) != 0 &&
	    strncmp(base, "https://", 8) != 0))
		cli_usage_error("WAIAAS_BASE_URL must be an http(s) URL");
	snprintf(cli.url, sizeof(cli.url), "%s", base);
	len = strlen(cli.url);
	while (len > 0 && cli.url[len - 1] == '/')
		cli.url[--len] = '\0';
	default_wallet = getenv("WAIAAS_WALLET_ID");
	if (default_wallet != NULL && (*default_wallet == '\0' ||
	    strlen(default_wallet) > 64))
		default_wallet = NULL;
	if ((cli.token = load_token()) == NULL)
		cli_fail("no session token (WAIAAS_SESSION_TOKEN or the token "
		    "file)");
	mcp_token_init(default_wallet);
	if ((line = malloc(MCP_LINE_MAX + 1)) == NULL)
		cli_fail("out of memory");
	len = 0;
	while ((c = getchar()) != EOF) {
		if (c != '\n') {
			if (len < MCP_LINE_MAX)
				line[len++] = (char)c;
			else
				skip = 1;
			continue;
		}
		if (skip) {
			logmsg("a message longer than %zu bytes: refused",
			    MCP_LINE_MAX);
			reply_err(NULL, -32700,
			    "Parse error: message too long");
		} else if (len > 0) {
			m = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
			if (m == NULL)
				reply_err(NULL, -32700, "Parse error");
			else if (!depth_ok(m, 0))
				reply_err(json_object_get(m, "id"), -32600,
				    "Invalid Request: nested too deep");
			else
				handle(m);
			json_decref(m);
		}
		explicit_bzero(line, len);
		len = 0;
		skip = 0;
	}
	free(line);
	wipe_free(cli.token);
	cli.token = NULL;
	return 0;
}
