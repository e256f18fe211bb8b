#include <stddef.h>
#include <string.h>

#include "network.h"
#include "policy_rules.h"
#include "routes.h"
#include "util.h"

const struct route routes[R_MAX] = {
#define ROUTE_ROW(id, m, p, a)	{ id, HTTP_##m, p, AUTH_##a, #id },
	ROUTES(ROUTE_ROW)
#undef ROUTE_ROW
};

#define Q_ID(r, k)	{ r, k, QK_ID, 0, 0, 0, NULL, NULL, NULL }
#define Q_INT(r, k, lo, hi, d) { r, k, QK_INT, lo, hi, d, NULL, NULL, NULL }
#define Q_BOOL(r, k)	{ r, k, QK_BOOL, 0, 0, 0, NULL, NULL, NULL }
#define Q_ENUM(r, k, s)	{ r, k, QK_ENUM, 0, 0, 0, s, NULL, NULL }
#define Q_NO(r, k, why)	{ r, k, QK_UNSUPPORTED, 0, 0, 0, NULL, why, NULL }
/* a name ("ethereum-sepolia"), "all", or a CAIP-2 id, its ':' as is or
 * %3A; policyd decodes and takes only what its table names */
#define NET_CHARS	"abcdefghijklmnopqrstuvwxyz" \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:%"
#define Q_NET(r)	{ r, "network", QK_TEXT, 1, NET_QUERY_MAX, 0, \
	NET_CHARS, "a network name or a CAIP-2 id", NULL }
#define Q_NETS(r)	{ r, "network", QK_TEXT, 1, NET_QUERY_MAX, 0, \
	NET_CHARS, "a network name, a CAIP-2 id, or all (every network of " \
	"the wallet's environment)", NULL }
#define ADDR_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
	"0123456789"
/* CAIP-19: namespaces a-z 0-9 '-', references also '.', '%' */
#define ASSET_CHARS	ADDR_CHARS "-:/.%"
#define OFFSET_MAX	(1LL << 40)
#define PT_NAME(t)	#t "|"
#define TX_STATUSES	"PENDING|QUEUED|EXECUTING|SUBMITTED|CONFIRMED|FAILED|" \
	"CANCELLED|EXPIRED|SIGNED"
#define TX_TYPES	"TRANSFER|TOKEN_TRANSFER|CONTRACT_CALL|APPROVE|" \
	"NFT_TRANSFER|CONTRACT_DEPLOY|SIGN_MESSAGE"
#define INC_STATUSES	"DETECTED|CONFIRMED"
#define NO_FIAT		"not supported: amounts are in the chain's units " \
	"(and USD where a price is known)"
#define NO_AUDIT	"not supported: this audit log takes limit, offset " \
			"and cursor"

/*
 * Limits: the reference's where it has them (sessions 1-200, transactions
 * 1-100), wider where this daemon always allowed more (policies and audit
 * entries up to 500).  The reference's wallet list has no page at all;
 * here its default page is the largest, so that up to WALLET_PAGE_MAX
 * wallets it answers all of them as the reference does.
 */
const struct route_query route_queries[] = {
	{ R_NONCE, "action", QK_TEXT, 1, 32, 0,
	    "abcdefghijklmnopqrstuvwxyz0123456789.-", "a-z 0-9 . -", NULL },
	{ R_NONCE, "target", QK_TEXT, 1, 64, 0,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-",
	    "A-Z a-z 0-9 -", "action" },
	Q_INT(R_WALLET_LIST, "limit", 1, WALLET_PAGE_MAX, WALLET_PAGE_MAX),
	Q_INT(R_WALLET_LIST, "offset", 0, OFFSET_MAX, 0),
	Q_ID(R_SESSION_LIST, "walletId"),
	Q_INT(R_SESSION_LIST, "limit", 1, 200, 20),
	Q_INT(R_SESSION_LIST, "offset", 0, OFFSET_MAX, 0),
	Q_ID(R_POLICY_LIST, "walletId"),
	Q_ENUM(R_POLICY_LIST, "type", POLICY_TYPES(PT_NAME)),
	Q_INT(R_POLICY_LIST, "limit", 1, 500, 50),
	Q_INT(R_POLICY_LIST, "offset", 0, OFFSET_MAX, 0),
	Q_INT(R_AUDIT_LIST, "limit", 1, 500, 50),
	Q_INT(R_AUDIT_LIST, "offset", 0, OFFSET_MAX, 0),
	Q_NO(R_AUDIT_LIST, "wallet_id", NO_AUDIT),
	Q_NO(R_AUDIT_LIST, "event_type", NO_AUDIT),
	Q_NO(R_AUDIT_LIST, "severity", NO_AUDIT),
	Q_NO(R_AUDIT_LIST, "from", NO_AUDIT),
	Q_NO(R_AUDIT_LIST, "to", NO_AUDIT),
	Q_NO(R_AUDIT_LIST, "tx_id", NO_AUDIT),
	Q_INT(R_AUDIT_LIST, "cursor", 0, OFFSET_MAX, 0),
	Q_NO(R_AUDIT_LIST, "include_total", NO_AUDIT),
	Q_ID(R_WALLET_ADDRESS, "walletId"),
	Q_NET(R_WALLET_ADDRESS),
	Q_ID(R_WALLET_BALANCE, "walletId"),
	Q_NETS(R_WALLET_BALANCE),
	{ R_WALLET_BALANCE, "token", QK_TEXT, 1, 64, 0, ADDR_CHARS,
	    "A-Z a-z 0-9 (a token contract or mint address)", NULL },
	Q_NO(R_WALLET_BALANCE, "display_currency", NO_FIAT),
	Q_ID(R_NFT_LIST, "walletId"),
	Q_NET(R_NFT_LIST),
	Q_INT(R_NFT_LIST, "pageSize", 1, 100, 50),
	{ R_NFT_LIST, "pageKey", QK_TEXT, 1, 256, 0, ADDR_CHARS "-_.:",
	    "A-Z a-z 0-9 - _ . :", NULL },
	Q_ENUM(R_NFT_LIST, "groupBy", "collection"),
	Q_NET(R_ADMIN_NFT_LIST),
	Q_INT(R_ADMIN_NFT_LIST, "pageSize", 1, 100, 50),
	{ R_ADMIN_NFT_LIST, "pageKey", QK_TEXT, 1, 256, 0, ADDR_CHARS "-_.:",
	    "A-Z a-z 0-9 - _ . :", NULL },
	Q_ENUM(R_ADMIN_NFT_LIST, "groupBy", "collection"),
	Q_ID(R_NFT_GET, "walletId"),
	Q_NET(R_NFT_GET),
	Q_NET(R_ADMIN_NFT_GET),
	Q_ID(R_WALLET_ASSETS, "walletId"),
	Q_NETS(R_WALLET_ASSETS),
	Q_NO(R_WALLET_ASSETS, "display_currency", NO_FIAT),
	Q_NET(R_TOKEN_LIST),
	Q_NET(R_TOKEN_RESOLVE),
	{ R_TOKEN_RESOLVE, "address", QK_TEXT, 1, 64, 0, ADDR_CHARS,
	    "A-Z a-z 0-9 (a token contract or mint address)", "network" },
	{ R_TOKEN_RESOLVE, "assetId", QK_TEXT, 1, NET_ASSET_ID_MAX + 32, 0,
	    ASSET_CHARS, "a CAIP-19 asset id (eip155:1/erc20:0x..., "
	    "solana:<genesis>/token:<mint>), ':' and '/' as is or escaped",
	    NULL },
	Q_BOOL(R_TX_SEND, "dryRun"),
	Q_ID(R_TX_LIST, "walletId"),
	Q_INT(R_TX_LIST, "limit", 1, 100, 20),
	Q_ID(R_TX_LIST, "cursor"),
	Q_ENUM(R_TX_LIST, "status", TX_STATUSES),
	Q_NO(R_TX_LIST, "display_currency", NO_FIAT),
	Q_ID(R_TX_PENDING, "walletId"),
	Q_INT(R_TX_PENDING, "limit", 1, 100, 20),
	Q_ID(R_TX_PENDING, "cursor"),
	Q_NO(R_TX_GET, "display_currency", NO_FIAT),
	Q_ID(R_OWNER_KILL, "walletId"),
	Q_INT(R_ADMIN_TX_LIST, "offset", 0, OFFSET_MAX, 0),
	Q_INT(R_ADMIN_TX_LIST, "limit", 1, 100, 20),
	Q_ID(R_ADMIN_TX_LIST, "wallet_id"),
	Q_ENUM(R_ADMIN_TX_LIST, "type", TX_TYPES),
	Q_ENUM(R_ADMIN_TX_LIST, "status", TX_STATUSES),
	Q_NET(R_ADMIN_TX_LIST),
	/* unix seconds; -1: not given */
	Q_INT(R_ADMIN_TX_LIST, "since", 0, OFFSET_MAX, -1),
	Q_INT(R_ADMIN_TX_LIST, "until", 0, OFFSET_MAX, -1),
	{ R_ADMIN_TX_LIST, "search", QK_TEXT, 1, 100, 0,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-",
	    "A-Z a-z 0-9 - (part of an id, an address, a hash or a wallet's "
	    "name)", NULL },
	Q_INT(R_ADMIN_WALLET_TX, "limit", 1, 100, 20),
	Q_INT(R_ADMIN_WALLET_TX, "offset", 0, OFFSET_MAX, 0),
	Q_ENUM(R_WEBHOOK_LOGS, "status", "success|failed"),
	{ R_WEBHOOK_LOGS, "event_type", QK_TEXT, 1, 63, 0,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_", "an event type (A-Z and _)", NULL },
	Q_INT(R_WEBHOOK_LOGS, "limit", 1, 100, 20),
	Q_INT(R_ADMIN_NOTIFY_LOG, "page", 1, OFFSET_MAX, 1),
	Q_INT(R_ADMIN_NOTIFY_LOG, "pageSize", 1, 100, 20),
	Q_ENUM(R_ADMIN_NOTIFY_LOG, "channel", "webhook|ntfy|telegram"),
	Q_ENUM(R_ADMIN_NOTIFY_LOG, "status", "sent|failed|pending"),
	{ R_ADMIN_NOTIFY_LOG, "eventType", QK_TEXT, 1, 64, 0,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.",
	    "A-Z a-z 0-9 _ . (an event's name: TX_DELAYED ...)", NULL },
	Q_INT(R_ADMIN_NOTIFY_LOG, "since", 0, OFFSET_MAX, -1),
	Q_INT(R_ADMIN_NOTIFY_LOG, "until", 0, OFFSET_MAX, -1),
	Q_BOOL(R_ADMIN_SETTINGS_SCHEMA, "grouped"),
	Q_INT(R_INCOMING_LIST, "limit", 1, 100, 20),
	Q_ID(R_INCOMING_LIST, "cursor"),
	Q_ENUM(R_INCOMING_LIST, "chain", "solana|ethereum"),
	Q_NET(R_INCOMING_LIST),
	Q_ENUM(R_INCOMING_LIST, "status", INC_STATUSES),
	{ R_INCOMING_LIST, "token", QK_TEXT, 1, 64, 0, ADDR_CHARS,
	    "A-Z a-z 0-9 (a token contract or mint address, or native)",
	    NULL },
	{ R_INCOMING_LIST, "from_address", QK_TEXT, 1, 64, 0, ADDR_CHARS,
	    "A-Z a-z 0-9 (an address)", NULL },
	Q_INT(R_INCOMING_LIST, "since", 0, OFFSET_MAX, -1),
	Q_INT(R_INCOMING_LIST, "until", 0, OFFSET_MAX, -1),
	Q_ID(R_INCOMING_LIST, "wallet_id"),
	Q_ENUM(R_INCOMING_SUMMARY, "period", "daily|weekly|monthly"),
	Q_ENUM(R_INCOMING_SUMMARY, "chain", "solana|ethereum"),
	Q_NET(R_INCOMING_SUMMARY),
	Q_INT(R_INCOMING_SUMMARY, "since", 0, OFFSET_MAX, -1),
	Q_INT(R_INCOMING_SUMMARY, "until", 0, OFFSET_MAX, -1),
	Q_ID(R_INCOMING_SUMMARY, "wallet_id"),
	Q_INT(R_ADMIN_INCOMING, "offset", 0, OFFSET_MAX, 0),
	Q_INT(R_ADMIN_INCOMING, "limit", 1, 100, 20),
	Q_ID(R_ADMIN_INCOMING, "wallet_id"),
	Q_ENUM(R_ADMIN_INCOMING, "chain", "solana|ethereum"),
	Q_ENUM(R_ADMIN_INCOMING, "status", INC_STATUSES),
	Q_ENUM(R_ADMIN_INCOMING, "suspicious", "true|false"),
};
const size_t	route_nqueries = nitems(route_queries);

/* The row for a route's key (not NUL-terminated), or NULL. */
const struct route_query *
route_query(int route, const char *key, size_t len)
{
	size_t	i;

	for (i = 0; i < route_nqueries; i++)
		if (route_queries[i].route == route &&
		    strlen(route_queries[i].key) == len &&
		    memcmp(route_queries[i].key, key, len) == 0)
			return &route_queries[i];
	return NULL;
}

/*
 * Match a path against a pattern; the "{}" segment, if any, is returned
 * in param.  A pattern with two (/v1/sessions/{}/wallets/{}) gives the
 * path from the first to the end of the second, which policyd splits.
 */
static int
path_match(const char *pat, const char *path, size_t plen,
    const char **param, size_t *paramlen)
{
	const char	*p = path, *end = path + plen, *s;

	*param = NULL;
	*paramlen = 0;
	while (*pat != '\0' && p < end) {
		if (pat[0] == '{' && pat[1] == '}') {
			s = p;
			while (p < end && *p != '/')
				p++;
			if (p == s)
				return 0;
			if (*param == NULL)
				*param = s;
			*paramlen = (size_t)(p - *param);
			pat += 2;
			continue;
		}
		if (*pat++ != *p++)
			return 0;
	}
	return *pat == '\0' && p == end;
}

/*
 * Each route's path: its literal bytes and its "{}"s, which each take
 * one byte at least.  A path of another length cannot match: most
 * routes are passed over on their length alone.
 */
static size_t	route_lit[R_MAX];
static size_t	route_npar[R_MAX];

static void
route_lens(void)
{
	static int	 done;
	const char	*p;
	size_t		 i;

	if (done)
		return;
	for (i = 0; i < R_MAX; i++)
		for (p = routes[i].path; *p != '\0'; p++) {
			if (p[0] == '{' && p[1] == '}') {
				route_npar[i]++;
				p++;
			} else
				route_lit[i]++;
		}
	done = 1;
}

/*
 * The route for method and path, or NULL; *allow gets the methods the
 * path does take (for 405).  A literal segment beats "{}".
 */
const struct route *
route_match(int method, const char *path, size_t plen, const char **param,
    size_t *paramlen, int *allow)
{
	const struct route	*best = NULL;
	const char		*pp;
	size_t			 i, pl;

	*allow = 0;
	*param = NULL;
	*paramlen = 0;
	route_lens();
	for (i = 0; i < R_MAX; i++) {
		if (route_npar[i] == 0 ? plen != route_lit[i] :
		    plen < route_lit[i] + route_npar[i])
			continue;
		if (!path_match(routes[i].path, path, plen, &pp, &pl))
			continue;
		if (routes[i].method != method) {
			*allow |= routes[i].method;
			continue;
		}
		if (best == NULL || (pp == NULL && *param != NULL)) {
			best = &routes[i];
			*param = pp;
			*paramlen = pl;
		}
	}
	return best;
}

const char *
route_auth_name(int auth)
{
	switch (auth) {
	case AUTH_NONE:			return "none";
	case AUTH_MASTER:		return "masterAuth";
	case AUTH_SESSION:		return "sessionAuth";
	case AUTH_MASTER_OR_SESSION:	return "masterAuth or sessionAuth";
	case AUTH_OWNER:		return "ownerAuth";
	case AUTH_MASTER_OR_SCRAPE:	return "masterAuth or metricsAuth";
	default:			return "?";
	}
}
