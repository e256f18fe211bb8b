#include <sys/stat.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "network.h"
#include "log.h"
#include "price.h"
#include "url.h"
#include "util.h"

enum ktype {
	K_INT,
	K_HOST,
	K_LEVEL,
	K_USER,
	K_URL,
	K_OPT_URL,	/* a URL or "": given even when "" (no default) */
	K_BOOL,		/* true | false */
	K_EVM_CUSTOM,
	K_TEXT,		/* printable ASCII, checked by config_check() */
	K_SECRET,	/* printable ASCII, no space; never quoted; may come
			   from WAIAAS_<SECTION>_<KEY>_FILE */
	K_UNPRICED	/* approval | deny */
};

struct ckey {
	const char	*section;
	const char	*key;
	enum ktype	 type;
	size_t		 off;
	size_t		 size;
	long		 min;
	long		 max;
};

#define CINT(s, k, f, lo, hi) \
	{ s, k, K_INT, offsetof(struct config, f), sizeof(int), lo, hi }
#define CSTR(s, k, t, f) \
	{ s, k, t, offsetof(struct config, f), \
	    sizeof(((struct config *)0)->f), 0, 0 }

static const struct ckey keys[] = {
	CSTR("daemon", "hostname", K_HOST, hostname),
	CINT("daemon", "port", port, 1, 65535),
	CSTR("daemon", "log_level", K_LEVEL, log_level),
	CINT("daemon", "max_connections", max_connections, 4, 16384),
	CINT("daemon", "request_timeout", request_timeout, 1, 600),
	CINT("daemon", "header_timeout", header_timeout, 1, 600),
	CINT("daemon", "max_body_size", max_body_size, 1024, 16 << 20),
	CINT("daemon", "max_header_size", max_header_size, 1024, 64 << 10),
	CINT("keystore", "kdf_memory_kib", kdf_memory_kib, 8192, 4194304),
	CINT("keystore", "kdf_passes", kdf_passes, 1, 16),
	CINT("keystore", "kdf_lanes", kdf_lanes, 1, 16),
	CINT("security", "master_lock_failures", master_lock_failures, 3,
	    1000),
	CINT("security", "master_lock_seconds", master_lock_seconds, 1,
	    86400),
	CINT("security", "max_sessions_per_wallet", max_sessions_per_wallet,
	    1, 1000),
	CINT("security", "session_ttl_min", session_ttl_min, 1, 300),
	CINT("security", "owner_kill_recover_delay", owner_kill_recover_delay,
	    0, 30 * 86400),
	CSTR("security", "daemon_user", K_USER, user[PROC_PARENT]),
	CSTR("security", "api_user", K_USER, user[PROC_API]),
	CSTR("security", "policyd_user", K_USER, user[PROC_POLICYD]),
	CSTR("security", "signer_user", K_USER, user[PROC_SIGNER]),
	CSTR("security", "relay_user", K_USER, user[PROC_RELAY]),
	CSTR("security", "fetch_user", K_USER, user[PROC_FETCH]),
#define RPC_KEY(n)	CSTR("rpc", #n, K_OPT_URL, rpc[RPC_##n]),
	RPC_NETWORKS(RPC_KEY)
#undef RPC_KEY
	CSTR("rpc", "evm_custom", K_EVM_CUSTOM, evm_custom),
	{ "rpc", "public_defaults", K_BOOL,
	    offsetof(struct config, rpc_public_defaults), sizeof(int), 0, 0 },
	CINT("rpc", "timeout_ms", rpc_timeout_ms, 100, 120000),
	CINT("rpc", "max_response_kib", rpc_max_response_kib, 16, 65536),
	CINT("rpc", "retries", rpc_retries, 0, 10),
	CINT("rpc", "poll_interval_ms", rpc_poll_interval_ms, 50, 60000),
	CINT("rpc", "resend_after_ms", rpc_resend_after_ms, 1000, 3600000),
	CINT("rpc", "resolve_interval", rpc_resolve_interval, 1, 86400),
	CINT("security", "max_fee_per_gas_gwei", max_fee_per_gas_gwei, 1,
	    1000000),
	CINT("security", "max_gas_limit", max_gas_limit, 21000, 100000000),
	CSTR("security", "price_static", K_TEXT, price_static),
	CSTR("security", "price_url", K_OPT_URL, price_url),
	CSTR("security", "price_ids", K_TEXT, price_ids),
	CINT("security", "price_refresh", price_refresh, 5, 86400),
	CINT("security", "price_max_age", price_max_age, 10, 86400),
	CINT("security", "price_max_change_pct", price_max_change_pct, 1,
	    1000),
	{ "security", "price_unpriced", K_UNPRICED,
	    offsetof(struct config, price_unpriced_deny), sizeof(int), 0, 0 },
	CSTR("daemon", "public_url", K_URL, public_url),
	CSTR("notifications", "webhook_url", K_URL, webhook_url),
	CSTR("notifications", "webhook_secret", K_SECRET, webhook_secret),
	CSTR("notifications", "ntfy_url", K_URL, ntfy_url),
	CSTR("notifications", "ntfy_topic", K_TEXT, ntfy_topic),
	CSTR("notifications", "ntfy_token", K_SECRET, ntfy_token),
	CSTR("notifications", "ntfy_reply_topic", K_TEXT, ntfy_reply_topic),
	CINT("notifications", "reply_poll_ms", reply_poll_ms, 100, 600000),
	CSTR("notifications", "approval_page_url", K_URL, approval_page_url),
	CSTR("notifications", "telegram_bot_token", K_SECRET,
	    telegram_bot_token),
	CSTR("notifications", "telegram_chat_id", K_TEXT, telegram_chat_id),
	CSTR("notifications", "telegram_api_url", K_URL, telegram_api_url),
	CINT("notifications", "max_age", notify_max_age, 10, 30 * 86400),
	CINT("notifications", "timeout_ms", notify_timeout_ms, 100, 60000),
	{ "notifications", "webhooks_allow_private", K_BOOL,
	    offsetof(struct config, webhooks_allow_private), sizeof(int), 0,
	    0 },
	CSTR("security", "metrics_token", K_SECRET, metrics_token),
	CINT("incoming", "poll_interval_ms", incoming_poll_ms, 200, 3600000),
	CINT("incoming", "max_blocks", incoming_max_blocks, 1, 1000),
	{ "x402", "enabled", K_BOOL, offsetof(struct config, x402_enabled),
	    sizeof(int), 0, 0 },
	{ "x402", "allow_private", K_BOOL,
	    offsetof(struct config, x402_allow_private), sizeof(int), 0, 0 },
	CINT("x402", "timeout_ms", x402_timeout_ms, 1000, 120000),
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

/* Sections whose keys later capabilities define; known, so not an error. */
static const char *const sections[] = {
	"daemon", "rpc", "security", "notifications", "keystore", "database",
	"incoming", "x402"
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

/* Environment variables that are not config keys. */
static const char *const env_special[] = {
	"WAIAAS_DATA_DIR", "WAIAAS_MASTER_PASSWORD",
	"WAIAAS_MASTER_PASSWORD_FILE", "WAIAAS_AUTO_PROVISION"
};

/*
 * Other programs' variables that share our prefix: the MCP server's and
 * SDK's (an agent container sets them next to ours), the CLI's set-master
 * input and the test harness's cache.  Not ours to read: ignored.
 */
static const char *const env_client[] = {
	"WAIAAS_BASE_URL", "WAIAAS_SESSION_TOKEN", "WAIAAS_WALLET_ID",
	"WAIAAS_WALLET_NAME", "WAIAAS_NEW_MASTER_PASSWORD",
	"WAIAAS_NEW_MASTER_PASSWORD_FILE", "WAIAAS_DOCKER_CACHE"
};

/*
 * Public endpoints that need no account, so that a new wallet's first
 * balance works on a networked host.  Rate-limited and run by others:
 * an operator with real traffic sets its own ([rpc] <key>).
 */
static const char *const rpc_default[RPC_MAX] = {
	[RPC_solana_mainnet] = "https://api.mainnet-beta.solana.com",
	[RPC_solana_devnet] = "https://api.devnet.solana.com",
	[RPC_solana_testnet] = "https://api.testnet.solana.com",
	[RPC_evm_ethereum_mainnet] = "https://ethereum-rpc.publicnode.com",
	[RPC_evm_ethereum_sepolia] =
	    "https://ethereum-sepolia-rpc.publicnode.com",
	[RPC_evm_polygon_mainnet] = "https://polygon-bor-rpc.publicnode.com",
	[RPC_evm_polygon_amoy] =
	    "https://polygon-amoy-bor-rpc.publicnode.com",
	[RPC_evm_arbitrum_mainnet] = "https://arbitrum-one-rpc.publicnode.com",
	[RPC_evm_arbitrum_sepolia] =
	    "https://arbitrum-sepolia-rpc.publicnode.com",
	[RPC_evm_optimism_mainnet] = "https://optimism-rpc.publicnode.com",
	[RPC_evm_optimism_sepolia] =
	    "https://optimism-sepolia-rpc.publicnode.com",
	[RPC_evm_base_mainnet] = "https://base-rpc.publicnode.com",
	[RPC_evm_base_sepolia] = "https://sepolia.base.org",
	[RPC_evm_hyperevm_mainnet] = "https://rpc.hyperliquid.xyz/evm",
	[RPC_evm_hyperevm_testnet] = "https://rpc.hyperliquid-testnet.xyz/evm",
};

static const char *const rpc_keyname[RPC_MAX] = {
#define RPC_NAME(n)	[RPC_##n] = #n,
	RPC_NETWORKS(RPC_NAME)
#undef RPC_NAME
};

const char *
config_rpc_default(int i)
{
	return i >= 0 && i < RPC_MAX ? rpc_default[i] : NULL;
}

const char *
config_rpc_key(int i)
{
	return i >= 0 && i < RPC_MAX ? rpc_keyname[i] : NULL;
}

void
config_apply_defaults(struct config *cf)
{
	int	i;

	memset(cf->rpc_default, 0, sizeof(cf->rpc_default));
	cf->price_default = 0;
	if (!cf->rpc_public_defaults)
		return;
	for (i = 0; i < RPC_MAX; i++) {
		if (cf->rpc_set[i] || rpc_default[i] == NULL)
			continue;
		strlcpy(cf->rpc[i], rpc_default[i], sizeof(cf->rpc[i]));
		cf->rpc_default[i] = 1;
	}
	if (!cf->price_url_set) {
		strlcpy(cf->price_url, CONFIG_PRICE_DEFAULT_URL,
		    sizeof(cf->price_url));
		if (cf->price_ids[0] == '\0')
			strlcpy(cf->price_ids, CONFIG_PRICE_DEFAULT_IDS,
			    sizeof(cf->price_ids));
		cf->price_default = 1;
	}
}

void
config_defaults(struct config *cf)
{
	memset(cf, 0, sizeof(*cf));
	strlcpy(cf->hostname, "127.0.0.1", sizeof(cf->hostname));
	cf->port = 3100;
	cf->log_level = LOGL_INFO;
	/* An idle connection costs the api a descriptor and a few KiB. */
	cf->max_connections = 4096;
	cf->request_timeout = 30;
	cf->header_timeout = 10;
	cf->max_body_size = 256 * 1024;
	cf->max_header_size = 16 * 1024;
	cf->master_lock_failures = 10;
	cf->master_lock_seconds = 300;
	cf->max_sessions_per_wallet = 10;
	cf->session_ttl_min = 300;
	cf->owner_kill_recover_delay = 86400;
	cf->kdf_memory_kib = 64 * 1024;
	cf->kdf_passes = 3;
	cf->kdf_lanes = 4;
	cf->rpc_timeout_ms = 10000;
	cf->rpc_max_response_kib = 4096;
	cf->rpc_retries = 2;
	cf->rpc_poll_interval_ms = 2000;
	cf->rpc_resend_after_ms = 30000;
	cf->rpc_resolve_interval = 300;
	cf->rpc_public_defaults = 1;
	cf->max_fee_per_gas_gwei = 1000;
	cf->max_gas_limit = 15000000;
	cf->price_refresh = 60;
	cf->price_max_age = 600;
	cf->price_max_change_pct = 50;
	cf->price_unpriced_deny = 0;
	strlcpy(cf->telegram_api_url, "https://api.telegram.org",
	    sizeof(cf->telegram_api_url));
	cf->notify_max_age = 86400;
	cf->notify_timeout_ms = 10000;
	/* a wallet's node asked twice a minute, 100 blocks at most */
	cf->incoming_poll_ms = 30000;
	cf->incoming_max_blocks = 100;
	cf->reply_poll_ms = 5000;
	cf->x402_enabled = 1;
	cf->x402_timeout_ms = 30000;
	strlcpy(cf->user[PROC_PARENT], "waiaas", CONFIG_STR_MAX);
	strlcpy(cf->user[PROC_API], "waiaas-api", CONFIG_STR_MAX);
	strlcpy(cf->user[PROC_POLICYD], "waiaas-policyd", CONFIG_STR_MAX);
	strlcpy(cf->user[PROC_SIGNER], "waiaas-signer", CONFIG_STR_MAX);
	strlcpy(cf->user[PROC_RELAY], "waiaas-relay", CONFIG_STR_MAX);
	strlcpy(cf->user[PROC_FETCH], "waiaas-fetch", CONFIG_STR_MAX);
}

static int
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int
config_is_env_special(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(env_special) / sizeof(env_special[0]); i++)
		if (strcmp(name, env_special[i]) == 0)
			return 1;
	return 0;
}

static const struct ckey *
key_find(const char *section, const char *key)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].key, key) == 0)
			return &keys[i];
	return NULL;
}

static int
section_known(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < NSECTIONS; i++)
		if (strlen(sections[i]) == len &&
		    strncmp(sections[i], s, len) == 0)
			return 1;
	return 0;
}

static int
valid_user(const char *s)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > 32)
		return 0;
	if (isdigit((unsigned char)s[0])) {
		for (i = 0; i < n; i++)
			if (!isdigit((unsigned char)s[i]))
				return 0;
		return 1;
	}
	if (s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || s[i] == '_' ||
		    s[i] == '-' || (i > 0 && isdigit((unsigned char)s[i]))))
			return 0;
	return 1;
}

static int
valid_url(const char *s)
{
	size_t	i;

	if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f)
			return 0;
	return strchr(s, '/') != NULL && strlen(s) > 8;
}

/* An optional URL was given: its network (or the price source) has no
 * built-in default then, even when the value is "". */
static void
opt_url_given(struct config *cf, size_t off)
{
	size_t	base = offsetof(struct config, rpc);

	if (off >= base && off < base + sizeof(cf->rpc))
		cf->rpc_set[(off - base) / sizeof(cf->rpc[0])] = 1;
	else if (off == offsetof(struct config, price_url))
		cf->price_url_set = 1;
}

/*
 * Store one value.  `str' says whether the source gave a string (TOML
 * quoted, or any environment value) or a bare integer/boolean token.
 */
static int
key_set(struct config *cf, const struct ckey *k, const char *val, int str,
    int fromenv, const char *where, char *err, size_t errlen)
{
	char		*p = (char *)cf + k->off, *end;
	long		 l;
	int		 lvl;
	struct in6_addr	 a6;
	struct in_addr	 a4;

	switch (k->type) {
	case K_INT:
		if (str && !fromenv)
			return seterr(err, errlen, "%s: %s.%s must be an "
			    "integer, not a string", where, k->section, k->key);
		errno = 0;
		l = strtol(val, &end, 10);
		if (*val == '\0' || *end != '\0' || errno != 0 ||
		    isspace((unsigned char)*val))
			return seterr(err, errlen, "%s: %s.%s: '%.64s' is not "
			    "an integer", where, k->section, k->key, val);
		if (l < k->min || l > k->max)
			return seterr(err, errlen, "%s: %s.%s: %ld is out of "
			    "range %ld..%ld", where, k->section, k->key, l,
			    k->min, k->max);
		*(int *)(void *)p = (int)l;
		return 0;
	case K_BOOL:
		if (str && !fromenv)
			return seterr(err, errlen, "%s: %s.%s must be true or "
			    "false, not a string", where, k->section, k->key);
		if (strcmp(val, "true") == 0 || (fromenv &&
		    strcmp(val, "1") == 0))
			*(int *)(void *)p = 1;
		else if (strcmp(val, "false") == 0 || (fromenv &&
		    strcmp(val, "0") == 0))
			*(int *)(void *)p = 0;
		else
			return seterr(err, errlen, "%s: %s.%s: '%.32s' is not "
			    "true or false", where, k->section, k->key, val);
		return 0;
	default:
		break;
	}
	if (!str)
		return seterr(err, errlen, "%s: %s.%s must be a string",
		    where, k->section, k->key);
	if (k->type != K_LEVEL && k->type != K_UNPRICED &&
	    strlen(val) >= k->size)
		return seterr(err, errlen, "%s: %s.%s is too long (at most "
		    "%zu bytes)", where, k->section, k->key, k->size - 1);
	switch (k->type) {
	case K_LEVEL:
		if ((lvl = log_level_parse(val)) == -1)
			return seterr(err, errlen, "%s: %s.%s: '%.32s' is not "
			    "one of trace, debug, info, warn, error", where,
			    k->section, k->key, val);
		*(int *)(void *)p = lvl;
		return 0;
	case K_UNPRICED:
		if (strcmp(val, "approval") != 0 && strcmp(val, "deny") != 0)
			return seterr(err, errlen, "%s: %s.%s: '%.32s' is not "
			    "approval or deny", where, k->section, k->key,
			    val);
		*(int *)(void *)p = strcmp(val, "deny") == 0;
		return 0;
	case K_TEXT: {
		size_t	i;

		for (i = 0; val[i] != '\0'; i++)
			if (val[i] < 0x20 || val[i] >= 0x7f)
				return seterr(err, errlen, "%s: %s.%s: "
				    "printable ASCII only", where,
				    k->section, k->key);
		break;
	}
	case K_SECRET: {
		size_t	i;

		/* It goes into headers and URLs: no space, no control. */
		for (i = 0; val[i] != '\0'; i++)
			if (val[i] <= 0x20 || val[i] >= 0x7f)
				return seterr(err, errlen, "%s: %s.%s: "
				    "printable ASCII without spaces only",
				    where, k->section, k->key);
		break;
	}
	case K_HOST:
		if (strcmp(val, "localhost") != 0 &&
		    inet_pton(AF_INET, val, &a4) != 1 &&
		    inet_pton(AF_INET6, val, &a6) != 1)
			return seterr(err, errlen, "%s: %s.%s: '%.64s' is not "
			    "an IP address or localhost", where, k->section,
			    k->key, val);
		break;
	case K_USER:
		if (!valid_user(val) || val[strspn(val, "0")] == '\0')
			return seterr(err, errlen, "%s: %s.%s: '%.64s' is not "
			    "a user name or a non-zero numeric id", where,
			    k->section, k->key, val);
		break;
	case K_URL:
		if (!valid_url(val))
			return seterr(err, errlen, "%s: %s.%s: not an http(s) "
			    "URL", where, k->section, k->key);
		break;
	case K_OPT_URL:
		if (val[0] != '\0' && !valid_url(val))
			return seterr(err, errlen, "%s: %s.%s: not an http(s) "
			    "URL (or \"\" for none)", where, k->section,
			    k->key);
		opt_url_given(cf, k->off);
		break;
	case K_EVM_CUSTOM: {
		static struct network	nets[NET_CUSTOM_MAX];
		static char		urls[NET_CUSTOM_MAX][NET_URL_MAX];
		char			why[200];
		int			i, n;

		if (strlen(val) >= k->size)
			return seterr(err, errlen, "%s: %s.%s: longer than %zu "
			    "bytes", where, k->section, k->key, k->size - 1);
		if ((n = net_parse_custom(val, nets, urls, NET_CUSTOM_MAX, why,
		    sizeof(why))) == -1)
			return seterr(err, errlen, "%s: %s", where, why);
		for (i = 0; i < n; i++)
			if (!valid_url(urls[i]))
				return seterr(err, errlen, "%s: %s.%s: %s: not "
				    "an http(s) URL", where, k->section,
				    k->key, nets[i].name);
		break;
	}
	default:
		return seterr(err, errlen, "%s: %s.%s: bad key type", where,
		    k->section, k->key);
	}
	strlcpy(p, val, k->size);
	return 0;
}

static int
iskeychar(int c)
{
	return isalnum(c) || c == '_' || c == '-';
}

/* Parse a basic "..." or literal '...' string from s into out. */
static int
parse_string(const char **sp, char *out, size_t outlen)
{
	const char	*s = *sp;
	char		 q = *s++;
	size_t		 n = 0;
	unsigned int	 u;
	int		 i, c;

	for (;;) {
		c = (unsigned char)*s++;
		if (c == '\0' || c == '\n')
			return -1;
		if (c == q)
			break;
		if (c < 0x20 && c != '\t')
			return -1;
		if (c == '\\' && q == '"') {
			c = (unsigned char)*s++;
			switch (c) {
			case '"': case '\\': break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'u':
				for (u = 0, i = 0; i < 4; i++, s++) {
					if (!isxdigit((unsigned char)*s))
						return -1;
					u = u * 16 + (unsigned int)(isdigit(
					    (unsigned char)*s) ? *s - '0' :
					    (tolower((unsigned char)*s) - 'a' +
					    10));
				}
				if (u == 0 || u > 0x7e)
					return -1;	/* ASCII only */
				c = (int)u;
				break;
			default:
				return -1;
			}
		}
		if (n + 1 >= outlen)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	*sp = s;
	return 0;
}

int
config_parse(struct config *cf, const char *buf, size_t len,
    const char *fname, char *err, size_t errlen)
{
	char			 line[CONFIG_LINE_MAX], section[64] = "";
	char			 key[64], val[CONFIG_VAL_MAX + 1], where[128];
	const char		*p, *e, *s;
	const struct ckey	*k;
	unsigned char		 seen[NKEYS];
	unsigned char		 seensec[NSECTIONS];
	size_t			 ll, n, i;
	int			 lineno = 0, str;

	memset(seen, 0, sizeof(seen));
	memset(seensec, 0, sizeof(seensec));
	if (len > CONFIG_FILE_MAX)
		return seterr(err, errlen, "%s: larger than %d bytes", fname,
		    CONFIG_FILE_MAX);
	if (memchr(buf, '\0', len) != NULL)
		return seterr(err, errlen, "%s: contains a NUL byte", fname);

	for (p = buf; p < buf + len; p = e + (e < buf + len)) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%d", fname, lineno);
		if ((e = memchr(p, '\n', (size_t)(buf + len - p))) == NULL)
			e = buf + len;
		ll = (size_t)(e - p);
		if (ll >= sizeof(line))
			return seterr(err, errlen, "%s: line too long", where);
		memcpy(line, p, ll);
		line[ll] = '\0';
		if (ll > 0 && line[ll - 1] == '\r')
			line[--ll] = '\0';

		s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#')
			continue;

		if (*s == '[') {
			s++;
			for (n = 0; iskeychar((unsigned char)s[n]); n++)
				;
			if (n == 0 || s[n] != ']')
				return seterr(err, errlen, "%s: bad section "
				    "header", where);
			if (!section_known(s, n))
				return seterr(err, errlen, "%s: unknown "
				    "section '%.*s'", where, (int)n, s);
			memcpy(section, s, n);
			section[n] = '\0';
			for (i = 0; i < NSECTIONS; i++)
				if (strcmp(sections[i], section) == 0)
					break;
			if (seensec[i]++)
				return seterr(err, errlen, "%s: section '%s' "
				    "defined twice", where, section);
			s += n + 1;
		} else {
			for (n = 0; iskeychar((unsigned char)s[n]); n++)
				;
			if (n == 0 || n >= sizeof(key))
				return seterr(err, errlen, "%s: expected "
				    "key = value", where);
			memcpy(key, s, n);
			key[n] = '\0';
			s += n;
			while (*s == ' ' || *s == '\t')
				s++;
			if (*s != '=')
				return seterr(err, errlen, "%s: expected '=' "
				    "after '%s'", where, key);
			s++;
			while (*s == ' ' || *s == '\t')
				s++;
			if (section[0] == '\0')
				return seterr(err, errlen, "%s: key '%s' "
				    "outside a section", where, key);
			if ((k = key_find(section, key)) == NULL)
				return seterr(err, errlen, "%s: unknown key "
				    "'%s.%s'", where, section, key);
			if (seen[k - keys]++)
				return seterr(err, errlen, "%s: key '%s.%s' "
				    "set twice", where, section, key);
			if (*s == '"' || *s == '\'') {
				if (strncmp(s, "\"\"\"", 3) == 0 ||
				    strncmp(s, "'''", 3) == 0 ||
				    parse_string(&s, val, sizeof(val)) == -1)
					return seterr(err, errlen, "%s: bad "
					    "string for '%s.%s'", where,
					    section, key);
				str = 1;
			} else {
				for (n = 0; s[n] != '\0' && s[n] != ' ' &&
				    s[n] != '\t' && s[n] != '#'; n++)
					if (!isalnum((unsigned char)s[n]) &&
					    s[n] != '-' && s[n] != '+')
						return seterr(err, errlen,
						    "%s: bad value for "
						    "'%s.%s'", where,
						    section, key);
				if (n == 0 || n >= sizeof(val))
					return seterr(err, errlen, "%s: "
					    "missing value for '%s.%s'",
					    where, section, key);
				memcpy(val, s, n);
				val[n] = '\0';
				s += n;
				str = 0;
			}
			if (key_set(cf, k, val, str, 0, where, err,
			    errlen) == -1)
				return -1;
		}
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s != '\0' && *s != '#')
			return seterr(err, errlen, "%s: unexpected text after "
			    "value", where);
	}
	return 0;
}

/*
 * Read config.toml if it exists.  It must be a regular file that nobody
 * but its owner can write: it names users and addresses.
 */
int
config_load_file(struct config *cf, const char *path, char *err,
    size_t errlen)
{
	return config_load_at(cf, AT_FDCWD, path, path, err, errlen);
}

/* name below dirfd (a path if AT_FDCWD); path is for messages. */
int
config_load_at(struct config *cf, int dirfd, const char *name,
    const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd, r;

	/* O_NONBLOCK: a FIFO in its place must not hang start-up. */
	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return 0;
		return seterr(err, errlen, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return seterr(err, errlen, "%s: not a regular file", path);
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		close(fd);
		return seterr(err, errlen, "%s: writable by group or others "
		    "(chmod go-w)", path);
	}
	if (st.st_size > CONFIG_FILE_MAX) {
		close(fd);
		return seterr(err, errlen, "%s: larger than %d bytes", path,
		    CONFIG_FILE_MAX);
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return seterr(err, errlen, "%s: out of memory", path);
	}
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	r = config_parse(cf, buf, off, "config.toml", err, errlen);
	free(buf);
	return r;
}

/* The key WAIAAS_<SECTION>_<KEY> names, or NULL. */
static const struct ckey *
env_key(const char *name)
{
	const struct ckey	*k;
	char			 key[64];
	size_t			 i, j, slen;

	if (strncmp(name, "WAIAAS_", 7) != 0)
		return NULL;
	name += 7;
	for (i = 0; i < NSECTIONS; i++) {
		slen = strlen(sections[i]);
		if (strncasecmp(name, sections[i], slen) != 0 ||
		    name[slen] != '_' || strlen(name + slen + 1) >=
		    sizeof(key))
			continue;
		for (j = 0; name[slen + 1 + j] != '\0'; j++)
			key[j] = (char)tolower((unsigned char)
			    name[slen + 1 + j]);
		key[j] = '\0';
		if ((k = key_find(sections[i], key)) != NULL)
			return k;
	}
	return NULL;
}

/* WAIAAS_<SECTION>_<KEY>_FILE of a credential: its key, or NULL. */
static const struct ckey *
env_file_key(const char *name)
{
	const struct ckey	*k;
	char			 base[128];
	size_t			 n = strlen(name);

	if (n <= 5 || n >= sizeof(base) || strcmp(name + n - 5, "_FILE") != 0)
		return NULL;
	memcpy(base, name, n - 5);
	base[n - 5] = '\0';
	if ((k = env_key(base)) == NULL || k->type != K_SECRET)
		return NULL;
	return k;
}

int
config_env_is_secret(const char *name)
{
	const struct ckey	*k;

	return ((k = env_key(name)) != NULL && k->type == K_SECRET) ||
	    env_file_key(name) != NULL;
}

/*
 * A credential from a file (a Docker or systemd secret): the whole file,
 * one trailing newline dropped.  Errors name the variable, never the
 * content; the buffer is wiped.
 */
static int
env_secret_file(struct config *cf, const struct ckey *k, char *const *envp,
    const char *name, const char *path, char *err, size_t errlen)
{
	char	 buf[NOTIFY_SECRET_MAX + 2];
	size_t	 n = strlen(name) - 5, off = 0;
	ssize_t	 r;
	int	 fd, rc;

	for (; *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return seterr(err, errlen, "%s and %.*s are both set: "
			    "use one", name, (int)n, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return seterr(err, errlen, "%s: %s", name, strerror(errno));
	while (off < sizeof(buf) - 1) {
		r = read(fd, buf + off, sizeof(buf) - 1 - off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			rc = errno;
			close(fd);
			explicit_bzero(buf, sizeof(buf));
			return seterr(err, errlen, "%s: %s", name,
			    strerror(rc));
		}
		if (r == 0)
			break;
		off += (size_t)r;
	}
	close(fd);
	buf[off] = '\0';
	if (off > 0 && buf[off - 1] == '\n')
		buf[--off] = '\0';
	if (off > 0 && buf[off - 1] == '\r')
		buf[--off] = '\0';
	if (off == 0 || off >= k->size)
		rc = seterr(err, errlen, "%s: the file is empty or longer than "
		    "%zu bytes", name, k->size - 1);
	else
		rc = key_set(cf, k, buf, 1, 1, name, err, errlen);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

static int
env_is_client(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(env_client) / sizeof(env_client[0]); i++)
		if (strcmp(name, env_client[i]) == 0)
			return 1;
	return 0;
}

int
config_env_unknown(const char *name)
{
	return strncmp(name, "WAIAAS_", 7) == 0 &&
	    !config_is_env_special(name) && !env_is_client(name) &&
	    env_key(name) == NULL && env_file_key(name) == NULL;
}

/* Levenshtein distance over at most the first 127 bytes of each. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t	row[128], i, j, diag, up, best;
	size_t	la = strnlen(a, nitems(row) - 1);
	size_t	lb = strnlen(b, nitems(row) - 1);

	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static void
closest_try(const char *name, const char *cand, size_t *best, char *out,
    size_t outlen)
{
	size_t	d = edit_distance(name, cand);

	if (d < *best) {
		*best = d;
		strlcpy(out, cand, outlen);
	}
}

/*
 * The known variable nearest to name: every WAIAAS_<SECTION>_<KEY>, the
 * _FILE form of each credential, the daemon's own and the clients'.
 */
void
config_env_closest(const char *name, char *out, size_t outlen)
{
	char	cand[128];
	size_t	i, j, best = SIZE_MAX;

	out[0] = '\0';
	for (i = 0; i < NKEYS; i++) {
		snprintf(cand, sizeof(cand), "WAIAAS_%s_%s", keys[i].section,
		    keys[i].key);
		for (j = 7; cand[j] != '\0'; j++)
			cand[j] = (char)toupper((unsigned char)cand[j]);
		closest_try(name, cand, &best, out, outlen);
		if (keys[i].type == K_SECRET &&
		    strlcat(cand, "_FILE", sizeof(cand)) < sizeof(cand))
			closest_try(name, cand, &best, out, outlen);
	}
	for (i = 0; i < nitems(env_special); i++)
		closest_try(name, env_special[i], &best, out, outlen);
	for (i = 0; i < nitems(env_client); i++)
		closest_try(name, env_client[i], &best, out, outlen);
}

/*
 * Unknown WAIAAS_* variables are skipped here (config_env_unknown() lets
 * the daemon warn about them): an agent's or another tool's variable must
 * not stop the daemon.  config.toml stays strict.
 */
int
config_apply_env(struct config *cf, char *const *envp, char *err,
    size_t errlen)
{
	const struct ckey	*k;
	const char		*eq;
	char *const		*envp0 = envp;
	char			 name[128];
	size_t			 n;

	for (; *envp != NULL; envp++) {
		if (strncmp(*envp, "WAIAAS_", 7) != 0)
			continue;
		if ((eq = strchr(*envp, '=')) == NULL)
			continue;
		n = (size_t)(eq - *envp);
		if (n >= sizeof(name))
			continue;	/* longer than any of ours */
		memcpy(name, *envp, n);
		name[n] = '\0';
		if (config_is_env_special(name))
			continue;
		k = env_key(name);
		if (k == NULL && (k = env_file_key(name)) != NULL) {
			if (env_secret_file(cf, k, envp0, name, eq + 1, err,
			    errlen) == -1)
				return -1;
			continue;
		}
		if (k == NULL)
			continue;
		if (strlen(eq + 1) > CONFIG_VAL_MAX)
			return seterr(err, errlen, "%s: value too long", name);
		if (key_set(cf, k, eq + 1, 1, 1, name, err, errlen) == -1)
			return -1;
	}
	return 0;
}

static int
chars_ok(const char *s, const char *extra)
{
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr(extra, *s) == NULL)
			return 0;
	return 1;
}

unsigned int
config_notify_channels(const struct config *cf)
{
	unsigned int	m = 0;

	if (cf->webhook_url[0] != '\0')
		m |= 1U << NOTIFY_WEBHOOK;
	if (cf->ntfy_url[0] != '\0')
		m |= 1U << NOTIFY_NTFY;
	if (cf->telegram_bot_token[0] != '\0')
		m |= 1U << NOTIFY_TELEGRAM;
	return m;
}

/*
 * A channel is on when its URL (Telegram: its token) is set, and then
 * needs the rest; what goes into a URL path or a header is checked
 * here.  No message quotes a credential.
 */
static int
notify_check(const struct config *cf, char *err, size_t errlen)
{
	const char	*c = cf->telegram_chat_id;

	if (cf->webhook_url[0] != '\0' && cf->webhook_secret[0] == '\0')
		return seterr(err, errlen, "notifications.webhook_url needs "
		    "notifications.webhook_secret (the HMAC key)");
	if (cf->webhook_url[0] == '\0' && cf->webhook_secret[0] != '\0')
		return seterr(err, errlen, "notifications.webhook_secret is "
		    "set without notifications.webhook_url");
	if (cf->ntfy_url[0] != '\0' && cf->ntfy_topic[0] == '\0')
		return seterr(err, errlen, "notifications.ntfy_url needs "
		    "notifications.ntfy_topic");
	if (cf->ntfy_url[0] == '\0' && (cf->ntfy_topic[0] != '\0' ||
	    cf->ntfy_token[0] != '\0'))
		return seterr(err, errlen, "notifications.ntfy_topic or "
		    "ntfy_token is set without notifications.ntfy_url");
	if (strlen(cf->ntfy_topic) > 64 || !chars_ok(cf->ntfy_topic, "_-"))
		return seterr(err, errlen, "notifications.ntfy_topic: at most "
		    "64 letters, digits, '_' and '-'");
	/* The reply topic is all that keeps strangers off it: long. */
	if (cf->ntfy_reply_topic[0] != '\0' && (cf->ntfy_url[0] == '\0' ||
	    strlen(cf->ntfy_reply_topic) < 24 ||
	    strlen(cf->ntfy_reply_topic) > 64 ||
	    !chars_ok(cf->ntfy_reply_topic, "_-") ||
	    strcmp(cf->ntfy_reply_topic, cf->ntfy_topic) == 0))
		return seterr(err, errlen, "notifications.ntfy_reply_topic: "
		    "24 to 64 letters, digits, '_' and '-', not the "
		    "ntfy_topic, with notifications.ntfy_url");
	/* The link's fragment is the page's input: the page has none. */
	if (strchr(cf->approval_page_url, '#') != NULL)
		return seterr(err, errlen, "notifications.approval_page_url: "
		    "no fragment ('#'): the link puts the transaction there");
	if ((cf->telegram_bot_token[0] != '\0') != (c[0] != '\0'))
		return seterr(err, errlen, "notifications.telegram_bot_token "
		    "and notifications.telegram_chat_id go together");
	if (!chars_ok(cf->telegram_bot_token, ":_-"))
		return seterr(err, errlen, "notifications.telegram_bot_token: "
		    "not a bot token (letters, digits, ':', '_', '-')");
	if (c[0] != '\0' && !((c[0] == '@' && c[1] != '\0' &&
	    chars_ok(c + 1, "_")) || (c[c[0] == '-'] != '\0' &&
	    strspn(c + (c[0] == '-'), "0123456789") ==
	    strlen(c + (c[0] == '-')))))
		return seterr(err, errlen, "notifications.telegram_chat_id: "
		    "a number or @channelname");
	return 0;
}

/*
 * The price tables name networks, and [rpc] evm_custom may add some in a
 * later line or through the environment: check them once all is set.
 */
int
config_check(const struct config *cf, char *err, size_t errlen)
{
	static struct network	nets[NET_MAX];
	static char		urls[NET_CUSTOM_MAX][NET_URL_MAX];
	char			why[200];
	size_t			n;
	int			c;

	if ((c = net_parse_custom(cf->evm_custom, nets + net_nbuiltin, urls,
	    NET_CUSTOM_MAX, why, sizeof(why))) == -1)
		return seterr(err, errlen, "%s", why);
	memcpy(nets, net_builtin, net_nbuiltin * sizeof(nets[0]));
	n = net_nbuiltin + (size_t)c;
	if (price_config_check(cf->price_static, cf->price_ids,
	    cf->price_url, nets, n, err, errlen) == -1)
		return -1;
	if (notify_check(cf, err, errlen) == -1)
		return -1;
	/* A bearer token: long enough not to guess, base64 or URL-safe. */
	if (cf->metrics_token[0] != '\0' &&
	    (strlen(cf->metrics_token) < METRICS_TOKEN_MIN ||
	    !chars_ok(cf->metrics_token, "-_.~+/=")))
		return seterr(err, errlen, "security.metrics_token: %d to %d "
		    "letters, digits and -_.~+/=", METRICS_TOKEN_MIN,
		    METRICS_TOKEN_MAX);
	if (cf->price_url[0] != '\0' &&
	    cf->price_max_age < cf->price_refresh)
		return seterr(err, errlen, "security.price_max_age (%d s) is "
		    "shorter than security.price_refresh (%d s): every "
		    "fetched price would go stale between fetches",
		    cf->price_max_age, cf->price_refresh);
	return 0;
}

size_t
config_nkeys(void)
{
	return NKEYS;
}

void
config_note_secrets(struct config *cf)
{
	size_t	i;

	for (i = 0; i < NKEYS && i < 64; i++)
		if (keys[i].type == K_SECRET &&
		    ((const char *)cf + keys[i].off)[0] != '\0')
			cf->secrets_set |= 1ULL << i;
}

int
config_int_bounds(const char *section, const char *key, long *lo, long *hi)
{
	const struct ckey	*k;

	if ((k = key_find(section, key)) == NULL || k->type != K_INT)
		return -1;
	*lo = k->min;
	*hi = k->max;
	return 0;
}

/* evm_custom's entries, each URL (the last field) as url_origin(). */
static void
show_custom(const char *v, char *out, size_t len)
{
	char		 url[CONFIG_URL_MAX], shown[CONFIG_URL_MAX];
	const char	*e, *c;
	size_t		 n;

	out[0] = '\0';
	for (; *v != '\0'; v = *e != '\0' ? e + 1 : e) {
		if ((e = strchr(v, ';')) == NULL)
			e = v + strlen(v);
		/* the URL is all after the fourth comma */
		for (c = v, n = 0; c < e && n < 4; c++)
			if (*c == ',')
				n++;
		if (out[0] != '\0')
			strlcat(out, ";", len);
		if ((size_t)(c - v) < len - strlen(out))
			strncat(out, v, (size_t)(c - v));
		if ((size_t)(e - c) >= sizeof(url))
			continue;
		memcpy(url, c, (size_t)(e - c));
		url[e - c] = '\0';
		if (url_origin(url, shown, sizeof(shown)) == -1)
			strlcpy(shown, URL_MASKED, sizeof(shown));
		strlcat(out, shown, len);
	}
}

int
config_show(const struct config *cf, size_t i, const char **section,
    const char **key, int *flags, char *val, size_t len)
{
	const struct ckey	*k;
	const char		*p;
	char			 shown[CONFIG_URL_MAX];

	if (i >= NKEYS)
		return -1;
	k = &keys[i];
	p = (const char *)cf + k->off;
	*section = k->section;
	*key = k->key;
	*flags = 0;
	switch (k->type) {
	case K_INT:
		snprintf(val, len, "%d", *(const int *)(const void *)p);
		break;
	case K_LEVEL:
		strlcpy(val, log_level_name(*(const int *)(const void *)p),
		    len);
		break;
	case K_BOOL:
		*flags = CONFIG_SHOW_BOOL;
		strlcpy(val, *(const int *)(const void *)p ? "true" : "false",
		    len);
		break;
	case K_UNPRICED:
		strlcpy(val, *(const int *)(const void *)p ? "deny" :
		    "approval", len);
		break;
	case K_SECRET:
		*flags = CONFIG_SHOW_SECRET;
		strlcpy(val, p[0] != '\0' || (i < 64 && (cf->secrets_set &
		    1ULL << i)) ? "true" : "false", len);
		break;
	case K_URL:
	case K_OPT_URL:
		/*
		 * Never the URL itself: the settings reach policyd, which
		 * must not hold a provider's key (DESIGN.md), and a key the
		 * mask would not recognise can sit anywhere in the path.
		 */
		if (p[0] == '\0')
			val[0] = '\0';
		else if (url_mask(p, shown, sizeof(shown)) != 0) {
			*flags = CONFIG_SHOW_SECRET;
			strlcpy(val, "true", len);
		} else if (url_origin(p, val, len) == -1)
			strlcpy(val, URL_MASKED, len);
		break;
	case K_EVM_CUSTOM:
		show_custom(p, val, len);
		break;
	default:
		if (strcmp(k->key, "ntfy_topic") == 0 ||
		    strcmp(k->key, "ntfy_reply_topic") == 0) {
			*flags = CONFIG_SHOW_SECRET;
			strlcpy(val, p[0] != '\0' ? "true" : "false", len);
		} else
			strlcpy(val, p, len);
		break;
	}
	return 0;
}
