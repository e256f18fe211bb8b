/*
 * The one route table: every route, its method, its path and the
 * credential it needs.  The api matches requests against it and forwards
 * the route id with the credential; policyd enforces the auth from its own
 * copy of this table, never from anything the api says.  /doc is made
 * from it, and a test walks it.
 */
#ifndef WAIAAS_ROUTES_H
#define WAIAAS_ROUTES_H

/* A route's method; the api's HTTP parser gives these too. */
enum http_method {
	HTTP_GET = 1,
	HTTP_POST = 2,
	HTTP_PUT = 4,
	HTTP_DELETE = 8,
	HTTP_PATCH = 16
};

/* Auth kinds of a route. */
#define AUTH_NONE		0
#define AUTH_MASTER		1
#define AUTH_SESSION		2
#define AUTH_MASTER_OR_SESSION	3
#define AUTH_OWNER		4
/* GET /metrics: the master password or the scrape token */
#define AUTH_MASTER_OR_SCRAPE	5

#define ROUTES(X)							\
	X(R_HEALTH,		GET,	"/health",		NONE)	\
	X(R_DOC,		GET,	"/doc",			NONE)	\
	X(R_REFERENCE,		GET,	"/reference",		NONE)	\
	X(R_NONCE,		GET,	"/v1/nonce",		NONE)	\
	X(R_WALLET_CREATE,	POST,	"/v1/wallets",		MASTER)	\
	X(R_WALLET_LIST,	GET,	"/v1/wallets",	MASTER_OR_SESSION) \
	X(R_WALLET_IMPORT,	POST,	"/v1/wallets/import",	MASTER)	\
	X(R_WALLET_GET,		GET,	"/v1/wallets/{}", MASTER_OR_SESSION) \
	X(R_WALLET_RENAME,	PUT,	"/v1/wallets/{}",	MASTER)	\
	X(R_WALLET_TERMINATE,	DELETE,	"/v1/wallets/{}",	MASTER)	\
	X(R_WALLET_PATCH,	PATCH,	"/v1/wallets/{}",	MASTER)	\
	X(R_WALLET_NETWORKS,	GET,	"/v1/wallets/{}/networks",	\
	    MASTER_OR_SESSION)						\
	X(R_ADMIN_NFT_LIST,	GET,	"/v1/wallets/{}/nfts",	MASTER)	\
	X(R_ADMIN_NFT_GET,	GET,	"/v1/wallets/{}/nfts/{}", MASTER) \
	X(R_WALLET_SUSPEND,	POST,	"/v1/wallets/{}/suspend", MASTER) \
	X(R_WALLET_RESUME,	POST,	"/v1/wallets/{}/resume", MASTER) \
	X(R_WALLET_PURGE,	DELETE,	"/v1/wallets/{}/purge",	MASTER)	\
	X(R_OWNER_SET,		PUT,	"/v1/wallets/{}/owner",	MASTER)	\
	X(R_OWNER_VERIFY,	POST,	"/v1/wallets/{}/owner/verify", OWNER) \
	X(R_SESSION_CREATE,	POST,	"/v1/sessions",		MASTER)	\
	X(R_SESSION_LIST,	GET,	"/v1/sessions",	MASTER_OR_SESSION) \
	X(R_SESSION_REVOKE,	DELETE,	"/v1/sessions/{}",	MASTER)	\
	X(R_SESSION_RENEW,	PUT,	"/v1/sessions/{}/renew", SESSION) \
	X(R_SESSION_ROTATE,	POST,	"/v1/sessions/{}/rotate", MASTER) \
	X(R_SESSION_WALLETS,	GET,	"/v1/sessions/{}/wallets", MASTER) \
	X(R_SESSION_LINK,	POST,	"/v1/sessions/{}/wallets", MASTER) \
	X(R_SESSION_UNLINK,	DELETE,	"/v1/sessions/{}/wallets/{}",	\
	    MASTER)							\
	X(R_POLICY_CREATE,	POST,	"/v1/policies",		MASTER)	\
	X(R_POLICY_LIST,	GET,	"/v1/policies",	MASTER_OR_SESSION) \
	X(R_POLICY_GET,		GET,	"/v1/policies/{}", MASTER_OR_SESSION) \
	X(R_POLICY_UPDATE,	PUT,	"/v1/policies/{}",	MASTER)	\
	X(R_POLICY_DELETE,	DELETE,	"/v1/policies/{}",	MASTER)	\
	X(R_AUDIT_LIST,		GET,	"/v1/audit-logs",	MASTER)	\
	X(R_AUDIT_VERIFY,	GET,	"/v1/audit-logs/verify", MASTER) \
	X(R_WALLET_ADDRESS,	GET,	"/v1/wallet/address",	SESSION) \
	X(R_WALLET_BALANCE,	GET,	"/v1/wallet/balance",	SESSION) \
	X(R_WALLET_ASSETS,	GET,	"/v1/wallet/assets",	SESSION) \
	X(R_NFT_LIST,		GET,	"/v1/wallet/nfts",	SESSION) \
	X(R_NFT_GET,		GET,	"/v1/wallet/nfts/{}",	SESSION) \
	X(R_INCOMING_LIST,	GET,	"/v1/wallet/incoming",	SESSION) \
	X(R_INCOMING_SUMMARY,	GET,	"/v1/wallet/incoming/summary",	\
	    SESSION)							\
	X(R_TOKEN_LIST,		GET,	"/v1/tokens",	MASTER_OR_SESSION) \
	X(R_TOKEN_ADD,		POST,	"/v1/tokens",		MASTER)	\
	X(R_TOKEN_REMOVE,	DELETE,	"/v1/tokens",		MASTER)	\
	X(R_TOKEN_RESOLVE,	GET,	"/v1/tokens/resolve",		\
	    MASTER_OR_SESSION)						\
	X(R_TX_SEND,		POST,	"/v1/transactions/send", SESSION) \
	X(R_TX_SIMULATE,	POST,	"/v1/transactions/simulate", SESSION) \
	X(R_TX_SIGN_MESSAGE,	POST,	"/v1/transactions/sign-message", \
	    SESSION)							\
	X(R_TX_SIGN,		POST,	"/v1/transactions/sign", SESSION) \
	X(R_TX_LIST,		GET,	"/v1/transactions",	SESSION) \
	X(R_TX_PENDING,		GET,	"/v1/transactions/pending", SESSION) \
	X(R_TX_GET,		GET,	"/v1/transactions/{}",	SESSION) \
	X(R_TX_APPROVAL,	GET,	"/v1/transactions/{}/approval", NONE) \
	X(R_TX_APPROVE,		POST,	"/v1/transactions/{}/approve", OWNER) \
	X(R_TX_REJECT,		POST,	"/v1/transactions/{}/reject", OWNER) \
	X(R_TX_CANCEL,		POST,	"/v1/transactions/{}/cancel",	\
	    MASTER_OR_SESSION)						\
	X(R_ADMIN_KILL,		POST,	"/v1/admin/kill-switch", MASTER) \
	X(R_ADMIN_KILL_STATE,	GET,	"/v1/admin/kill-switch", MASTER) \
	X(R_ADMIN_RECOVER,	POST,	"/v1/admin/recover",	MASTER) \
	X(R_OWNER_KILL,		POST,	"/v1/owner/kill-switch", OWNER) \
	X(R_ADMIN_NOTIFY_TEST,	POST,	"/v1/admin/notifications/test", \
	    MASTER)							\
	X(R_APPROVE_PAGE,	GET,	"/approve/{}",		NONE)	\
	X(R_ADMIN_PAGE,		GET,	"/admin",		NONE)	\
	X(R_ADMIN_JS,		GET,	"/admin/admin.js",	NONE)	\
	X(R_ADMIN_CSS,		GET,	"/admin/admin.css",	NONE)	\
	X(R_ADMIN_MASTER_PASSWORD, POST, "/v1/admin/master-password",	\
	    MASTER)							\
	X(R_ADMIN_MASTER_PASSWORD_PUT, PUT, "/v1/admin/master-password", \
	    MASTER)							\
	X(R_ADMIN_BACKUP,	POST,	"/v1/admin/backup",	MASTER)	\
	X(R_ADMIN_STATUS,	GET,	"/v1/admin/status",	MASTER)	\
	X(R_ADMIN_STATS,	GET,	"/v1/admin/stats",	MASTER)	\
	X(R_ADMIN_TX_LIST,	GET,	"/v1/admin/transactions", MASTER) \
	X(R_ADMIN_TX_CANCEL,	POST,	"/v1/admin/transactions/{}/cancel", \
	    MASTER)							\
	X(R_ADMIN_TX_REJECT,	POST,	"/v1/admin/transactions/{}/reject", \
	    MASTER)							\
	X(R_ADMIN_WALLET_BALANCE, GET,	"/v1/admin/wallets/{}/balance", \
	    MASTER)							\
	X(R_ADMIN_WALLET_TX,	GET,	"/v1/admin/wallets/{}/transactions", \
	    MASTER)							\
	X(R_ADMIN_BACKUPS,	GET,	"/v1/admin/backups",	MASTER)	\
	X(R_ADMIN_INCOMING,	GET,	"/v1/admin/incoming",	MASTER)	\
	X(R_ADMIN_NOTIFY_STATUS, GET,	"/v1/admin/notifications/status", \
	    MASTER)							\
	X(R_ADMIN_NOTIFY_LOG,	GET,	"/v1/admin/notifications/log",	\
	    MASTER)							\
	X(R_ADMIN_RPC_STATUS,	GET,	"/v1/admin/rpc-status",	MASTER)	\
	X(R_ADMIN_ORACLE_STATUS, GET,	"/v1/admin/oracle-status", MASTER) \
	X(R_ADMIN_SETTINGS,	GET,	"/v1/admin/settings",	MASTER)	\
	X(R_ADMIN_SETTINGS_PUT,	PUT,	"/v1/admin/settings",	MASTER)	\
	X(R_ADMIN_SETTINGS_SCHEMA, GET,	"/v1/admin/settings/schema",	\
	    MASTER)							\
	X(R_CONNECT_INFO,	GET,	"/v1/connect-info",	SESSION) \
	X(R_SKILL,		GET,	"/v1/skills/{}",	NONE)	\
	X(R_MCP,		POST,	"/mcp",			SESSION) \
	X(R_MCP_TOKEN,		POST,	"/v1/mcp/tokens",	MASTER)	\
	X(R_UTILS_ENCODE_CALLDATA, POST, "/v1/utils/encode-calldata",	\
	    SESSION)							\
	X(R_X402_FETCH,		POST,	"/v1/x402/fetch",	SESSION) \
	X(R_WEBHOOK_CREATE,	POST,	"/v1/webhooks",		MASTER)	\
	X(R_WEBHOOK_LIST,	GET,	"/v1/webhooks",		MASTER)	\
	X(R_WEBHOOK_DELETE,	DELETE,	"/v1/webhooks/{}",	MASTER)	\
	X(R_WEBHOOK_LOGS,	GET,	"/v1/webhooks/{}/logs",	MASTER)	\
	X(R_METRICS,		GET,	"/metrics",	MASTER_OR_SCRAPE)

enum route_id {
#define ROUTE_ENUM(id, m, p, a)	id,
	ROUTES(ROUTE_ENUM)
#undef ROUTE_ENUM
	R_MAX
};

struct route {
	int		 id;
	int		 method;	/* HTTP_* */
	const char	*path;		/* "{}" matches one segment */
	int		 auth;
	const char	*name;
};

extern const struct route	routes[R_MAX];

/*
 * The query parameters each route takes, and of what kind.  The api
 * refuses, before any handler runs, a key the route does not take, a key
 * given twice and a value not of its kind; policyd reads integers with
 * the bounds and defaults written here.  Values are taken as sent, not
 * percent-decoded: every kind is made of characters that need no
 * encoding.  A route with no row takes no query at all.
 */
#define QK_ID		1	/* a wallet or transaction id (UUID) */
#define QK_INT		2	/* a decimal from lo to hi; dflt if absent */
#define QK_BOOL		3	/* true or false */
#define QK_ENUM		4	/* one of the '|'-separated names in set */
#define QK_TEXT		5	/* lo to hi characters of set (what says) */
#define QK_UNSUPPORTED	6	/* the reference's, not served here: why */

/* The network parameter's longest text (a CAIP-2 id, ':' as %3A). */
#define NET_QUERY_MAX	64
#define WALLET_PAGE_MAX	1000	/* GET /v1/wallets: its default and most */

struct route_query {
	int		 route;
	const char	*key;
	int		 kind;
	long long	 lo, hi, dflt;
	const char	*set;
	const char	*what;	/* QK_TEXT: set for people; QK_UNSUPPORTED */
	const char	*needs;	/* a key this one is only valid with */
};

extern const struct route_query	route_queries[];
extern const size_t		route_nqueries;

const struct route_query *route_query(int, const char *, size_t);

const struct route *route_match(int, const char *, size_t, const char **,
	    size_t *, int *);
const char	*route_auth_name(int);

#endif
