/*
 * GET /v1/connect-info: what an agent holding a session token needs to
 * know to start, in one answer and without the master password: its
 * session, its wallets and the networks each can use, every policy in
 * effect for each (the wallet's and the global ones, enabled), what this
 * daemon can do, what it denies by default, and a prompt that teaches
 * an agent the rules (tiers, units, what to tell its human).  Read-only;
 * the same rows the pipeline decides with.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "network.h"
#include "policyd.h"
#include "routes.h"
#include "util.h"
#include "version.h"

/* What a session can do here; batches and actions are not. */
static const char *const capabilities[] = {
	"transfer", "token_transfer", "contract_call", "approve",
	"nft_transfer", "contract_deploy", "sign_message", "simulate",
	"balance", "assets", "x402",
};

/* Every enabled policy that applies to the wallet, as the reference's
 * policies map lists them: {type, rules, priority, network}. */
/*
 * The enabled policies that apply to a wallet, or NULL once the rules
 * read for the whole answer pass the reply's limit: the global ones
 * come again for each wallet, and nothing that large is built.
 */
static json_t *
wallet_policies(const char *wallet, size_t *used)
{
	sqlite3_stmt	*st;
	json_t		*list, *rules, *p;

	if ((list = json_array()) == NULL)
		fatalx("json_array");
	st = store_prepare("SELECT type, rules, priority, network FROM "
	    "policies WHERE enabled = 1 AND (wallet_id = ? OR wallet_id IS "
	    "NULL) ORDER BY wallet_id IS NULL, priority DESC, created_at, id");
	sqlite3_bind_text(st, 1, wallet, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		*used += (size_t)sqlite3_column_bytes(st, 1) + 128;
		if (*used > LIST_REPLY_MAX) {
			sqlite3_finalize(st);
			json_decref(list);
			return NULL;
		}
		/* rules are stored as canonical JSON, written by policyd */
		rules = json_loads((const char *)sqlite3_column_text(st, 1), 0,
		    NULL);
		if (rules == NULL)
			fatalx("policy rules in the database are not JSON");
		p = json_pack("{s:s, s:o, s:I, s:o}", "type",
		    sqlite3_column_text(st, 0), "rules", rules, "priority",
		    (json_int_t)sqlite3_column_int64(st, 2), "network",
		    sqlite3_column_type(st, 3) == SQLITE_NULL ? json_null() :
		    json_string((const char *)sqlite3_column_text(st, 3)));
		if (p == NULL || json_array_append_new(list, p) == -1)
			fatalx("json_pack policy");
	}
	sqlite3_finalize(st);
	return list;
}

/* The networks a wallet of this chain and environment can name. */
static json_t *
wallet_networks(const char *chain, const char *env)
{
	const struct network	*n;
	json_t			*list;
	uint32_t		 i;

	if ((list = json_array()) == NULL)
		fatalx("json_array");
	for (i = 0; (n = net_get(i)) != NULL; i++)
		if (strcmp(net_chain_name(n->chain), chain) == 0 &&
		    strcmp(n->env == ENV_MAINNET ? "mainnet" : "testnet",
		    env) == 0)
			json_array_append_new(list, json_string(n->name));
	return list;
}

static void
line(char *buf, size_t len, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
line(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	/* whole lines or none, so a long prompt never ends mid-character */
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 1 >= len - *off) {
		buf[*off] = '\0';
		return;
	}
	*off += (size_t)n;
	buf[(*off)++] = '\n';
	buf[*off] = '\0';
}

/*
 * The prompt: plain text an agent reads once.  Its own words: what the
 * daemon is, the wallets, then how to act and what each answer means.
 */
static json_t *
prompt(json_t *wallets, json_t *policies, const char *base,
    const char *session)
{
	static char	 buf[16384];
	json_t		*w, *p, *list;
	const char	*id;
	size_t		 off = 0, i, k;
	char		 types[512];
	size_t		 tl;

	buf[0] = '\0';
	line(buf, sizeof(buf), &off, "You hold a session of a WAIaaS wallet "
	    "daemon (waiaas %s) at %s. It signs and sends transactions for "
	    "you under policies an operator set; an owner may have to "
	    "approve some from a phone. Your session is %s.", WAIAAS_VERSION,
	    base, session);
	line(buf, sizeof(buf), &off, "%s", "");
	line(buf, sizeof(buf), &off, "Your wallets (%zu):",
	    json_array_size(wallets));
	json_array_foreach(wallets, i, w) {
		id = json_string_value(json_object_get(w, "id"));
		list = json_object_get(policies, id);
		tl = 0;
		types[0] = '\0';
		json_array_foreach(list, k, p) {
			if (tl < sizeof(types))
				tl += (size_t)snprintf(types + tl,
				    sizeof(types) - tl, "%s%s", k ? ", " : "",
				    json_string_value(json_object_get(p,
				    "type")));
		}
		line(buf, sizeof(buf), &off, "%zu. %s: %s %s, id %s, address "
		    "%s", i + 1, json_string_value(json_object_get(w, "name")),
		    json_string_value(json_object_get(w, "chain")),
		    json_string_value(json_object_get(w, "environment")), id,
		    json_string_value(json_object_get(w, "address")));
		line(buf, sizeof(buf), &off, "   policies: %s",
		    tl > 0 ? types : "none, so every transaction is denied");
	}
	line(buf, sizeof(buf), &off, "%s", "");
	line(buf, sizeof(buf), &off, "%s",
	    "How to act:\n"
	    "- Send with POST /v1/transactions/send, header Authorization: "
	    "Bearer <your token>. Amounts are strings in the chain's "
	    "smallest unit (wei, lamports, token base units), or humanAmount "
	    "(\"1.5\"). With several wallets, name walletId; on an EVM "
	    "testnet name the network (e.g. ethereum-sepolia).\n"
	    "- Try first with POST /v1/transactions/simulate (or dryRun: "
	    "true): it says the tier and the fee and never broadcasts.\n"
	    "- Every transaction gets a tier. INSTANT and NOTIFY go out at "
	    "once. DELAY waits (executeAfter) and may be cancelled by the "
	    "operator. APPROVAL waits for the owner: poll GET "
	    "/v1/transactions/{id} and tell your human it needs approval; "
	    "do not send it again. A denied one (403 POLICY_DENIED and "
	    "friends) names the policy: report it, do not retry.\n"
	    "- Nothing is default-allowed: tokens need ALLOWED_TOKENS, "
	    "contracts CONTRACT_WHITELIST, approvals APPROVED_SPENDERS, "
	    "NFT_TRANSFER its collection in CONTRACT_WHITELIST, "
	    "CONTRACT_DEPLOY a CONTRACT_WHITELIST with allowDeploy, and "
	    "any value a SPENDING_LIMIT.\n"
	    "- Read: GET /v1/wallet/balance, /v1/wallet/assets (network=all "
	    "for every network), /v1/transactions, /v1/policies.\n"
	    "- A 401 TOKEN_EXPIRED: renew with PUT /v1/sessions/{session "
	    "id}/renew once half its time has passed. SESSION_REVOKED: stop "
	    "and ask your human for a new session.\n"
	    "- Never ask for the master password or an owner's key; you do "
	    "not need either, and this session cannot create wallets, "
	    "sessions or policies.");
	if ((p = json_string(buf)) == NULL)	/* a name that is not UTF-8 */
		fatalx("connect-info prompt: not UTF-8");
	return p;
}

/* The address this daemon listens on, as a client reaches it. */
void
pd_base_url(char *out, size_t len)
{
	const char	*host = pd.p->cfg.hostname;

	if (host[0] == '\0' || strcmp(host, "0.0.0.0") == 0 ||
	    strcmp(host, "::") == 0)
		host = "127.0.0.1";
	snprintf(out, len, strchr(host, ':') != NULL ? "http://[%s]:%u" :
	    "http://%s:%u", host, pd.p->cfg.port);
}

void
connect_info(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	json_t		*ws, *wallets, *policies, *chains, *r, *w, *e, *list;
	const struct network *n;
	char		 base[128], id[NET_CAIP2_MAX + 1];
	long long	 exp = 0;
	const char	*source = "api";
	size_t		 i, used = 0;
	uint32_t	 k;

	st = store_prepare("SELECT expires_at, source FROM sessions WHERE "
	    "id = ?");
	sqlite3_bind_text(st, 1, c->session, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		exp = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) == SQLITE_TEXT &&
		    strcmp((const char *)sqlite3_column_text(st, 1), "mcp") ==
		    0)
			source = "mcp";
	}
	sqlite3_finalize(st);
	pd_base_url(base, sizeof(base));

	ws = store_wallet_list(c->session, WALLET_PAGE_MAX, 0);
	if ((wallets = json_array()) == NULL ||
	    (policies = json_object()) == NULL ||
	    (chains = json_array()) == NULL)
		fatalx("connect_info: out of memory");
	json_array_foreach(json_object_get(ws, "items"), i, e) {
		used += 512;
		if ((list = wallet_policies(json_string_value(
		    json_object_get(e, "id")), &used)) == NULL) {
			json_decref(ws);
			json_decref(wallets);
			json_decref(policies);
			json_decref(chains);
			pd_fail(c->peerid, 500, "INTERNAL_ERROR", PD_TOO_LARGE,
			    0);
			return;
		}
		w = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:o}",
		    "id", json_object_get(e, "id"),
		    "name", json_object_get(e, "name"),
		    "chain", json_object_get(e, "chain"),
		    "environment", json_object_get(e, "environment"),
		    "address", json_object_get(e, "publicKey"),
		    "ownerState", json_object_get(e, "ownerState"),
		    "availableNetworks", wallet_networks(json_string_value(
		    json_object_get(e, "chain")), json_string_value(
		    json_object_get(e, "environment"))));
		if (w == NULL || json_array_append_new(wallets, w) == -1 ||
		    json_object_set_new(policies, json_string_value(
		    json_object_get(e, "id")), list) == -1)
			fatalx("connect_info: out of memory");
	}
	json_decref(ws);
	for (k = 0; (n = net_get(k)) != NULL; k++)
		if (net_caip2(n, id, sizeof(id)) == 0)
			json_array_append_new(chains, json_string(id));
	r = json_pack("{s:{s:s, s:I, s:s}, s:O, s:O, s:o, s:{s:b, s:b, "
	    "s:b, s:b}, s:{s:s, s:s}, s:n, s:o, s:o}",
	    "session", "id", c->session, "expiresAt", (json_int_t)exp,
	    "source", source,
	    "wallets", wallets,
	    "policies", policies,
	    "capabilities", json_array(),
	    "defaultDeny", "tokenTransfers", 1, "contractCalls", 1,
	    "tokenApprovals", 1, "x402Domains", 1,
	    "daemon", "version", WAIAAS_VERSION, "baseUrl", base,
	    "rpcProxy",
	    "supportedChainIds", chains,
	    "prompt", prompt(wallets, policies, base, c->session));
	if (r == NULL)
		fatalx("connect_info: out of memory");
	for (i = 0; i < nitems(capabilities); i++)
		json_array_append_new(json_object_get(r, "capabilities"),
		    json_string(capabilities[i]));
	json_decref(wallets);
	json_decref(policies);
	pd_reply_json(c->peerid, 200, r);
}

/*
 * POST /mcp: policyd is asked only whether the session's token is good.
 * The api answers the MCP message itself, and each tool's call comes
 * here again through its own REST route.
 */
void
mcp_auth(struct pd_ctx *c)
{
	pd_reply_json(c->peerid, 200, json_object());
}
