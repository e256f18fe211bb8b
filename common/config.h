/*
 * config.toml and WAIAAS_<SECTION>_<KEY> overrides.  One table lists every
 * key with its type and bounds; an unknown key, a wrong type or a value
 * out of range is an error that names the key.  Environment wins over the
 * file.
 */
#ifndef WAIAAS_CONFIG_H
#define WAIAAS_CONFIG_H

#include <limits.h>
#include <stddef.h>

#include "msg.h"

#define CONFIG_FILE_MAX		(64 * 1024)
#define CONFIG_STR_MAX		256
#define CONFIG_URL_MAX		2048
#define CONFIG_VAL_MAX		8192	/* the longest value (evm_custom) */
#define CONFIG_LINE_MAX		(CONFIG_VAL_MAX + 256)

/* rpc.* keys: the 15 networks of the public surface. */
#define RPC_NETWORKS(X)						\
	X(solana_mainnet) X(solana_devnet) X(solana_testnet)	\
	X(evm_ethereum_mainnet) X(evm_ethereum_sepolia)		\
	X(evm_polygon_mainnet) X(evm_polygon_amoy)		\
	X(evm_arbitrum_mainnet) X(evm_arbitrum_sepolia)		\
	X(evm_optimism_mainnet) X(evm_optimism_sepolia)		\
	X(evm_base_mainnet) X(evm_base_sepolia)			\
	X(evm_hyperevm_mainnet) X(evm_hyperevm_testnet)

enum rpc_network {
#define RPC_ENUM(n)	RPC_##n,
	RPC_NETWORKS(RPC_ENUM)
#undef RPC_ENUM
	RPC_MAX
};

struct config {
	char	datadir[PATH_MAX];
	/* [daemon] */
	char	hostname[CONFIG_STR_MAX];
	int	port;
	int	log_level;
	int	max_connections;
	int	request_timeout;
	int	header_timeout;
	int	max_body_size;
	int	max_header_size;
	/* [security] */
	int	master_lock_failures;
	int	master_lock_seconds;
	int	max_sessions_per_wallet;
	int	session_ttl_min;	/* s, the shortest session ttl */
	/* s after an owner pulled the kill switch before the master alone
	 * may recover; 0: at once */
	int	owner_kill_recover_delay;
	/* [security]: user names or numeric ids, per process */
	char	user[PROC_MAX][CONFIG_STR_MAX];
	/* [keystore]: Argon2id for a new keystore (an existing one keeps
	 * the parameters it was made with) */
	int	kdf_memory_kib;
	int	kdf_passes;
	int	kdf_lanes;
	/* [rpc] */
	char	rpc[RPC_MAX][CONFIG_URL_MAX];
	/* a key given (even ""): no built-in default for that network */
	unsigned char rpc_set[RPC_MAX];
	/* the URL is the built-in public default (config_apply_defaults) */
	unsigned char rpc_default[RPC_MAX];
	int	rpc_public_defaults;	/* [rpc] public_defaults */
	char	evm_custom[8192];	/* see network.h */
	int	rpc_timeout_ms;
	int	rpc_max_response_kib;
	int	rpc_retries;
	int	rpc_poll_interval_ms;
	int	rpc_resend_after_ms;
	int	rpc_resolve_interval;	/* s between DNS lookups */
	/* [incoming]: the watcher of transfers into monitored wallets */
	int	incoming_poll_ms;
	int	incoming_max_blocks;
	/* [security]: what policyd lets a transaction pay for gas */
	int	max_fee_per_gas_gwei;
	int	max_gas_limit;
	/* [security]: USD prices for the policy engine (price.h) */
	char	price_static[PRICE_CONF_MAX + 1];
	char	price_url[CONFIG_URL_MAX];
	char	price_ids[PRICE_CONF_MAX + 1];
	int	price_url_set;		/* given, even "" */
	int	price_default;		/* the built-in source is in use */
	int	price_refresh;		/* s between fetches */
	int	price_max_age;		/* s: an older fetched price is stale */
	int	price_max_change_pct;	/* more: held until confirmed */
	int	price_unpriced_deny;	/* price_unpriced = deny */
	/* [daemon]: the base of links sent out (approval pages); "":
	 * http://hostname:port */
	char	public_url[CONFIG_URL_MAX];
	/* [notifications]: channel settings; credentials never logged */
	char	webhook_url[CONFIG_URL_MAX];
	char	webhook_secret[NOTIFY_SECRET_MAX];
	char	ntfy_url[CONFIG_URL_MAX];
	char	ntfy_topic[NOTIFY_TARGET_MAX];
	char	ntfy_token[NOTIFY_SECRET_MAX];
	char	ntfy_reply_topic[NOTIFY_TARGET_MAX];	/* owner replies */
	/* the approval page the owner's links open ("": public_url's
	 * /approve/<txId>); the transaction goes in the link's fragment */
	char	approval_page_url[CONFIG_URL_MAX];
	char	telegram_bot_token[NOTIFY_SECRET_MAX];
	char	telegram_chat_id[NOTIFY_TARGET_MAX];
	char	telegram_api_url[CONFIG_URL_MAX];
	int	notify_max_age;		/* s: then a delivery is given up */
	int	notify_timeout_ms;	/* per request */
	int	webhooks_allow_private;	/* POST /v1/webhooks to loopback,
					   private, link-local addresses */
	int	reply_poll_ms;		/* relay: the reply topic's poll */
	/* the credentials that were set (config_note_secrets(), before
	 * the parent wipes them): bit i for the i-th key of the table */
	unsigned long long secrets_set;
	/* [security]: GET /metrics's bearer token; "": master password only */
	char	metrics_token[METRICS_TOKEN_MAX + 1];
	/* [x402]: agents' paid fetches (the fetch process) */
	int	x402_enabled;
	int	x402_allow_private;	/* fetch from loopback, private,
					   link-local addresses */
	int	x402_timeout_ms;	/* one fetch, its redirects included */
};

void	config_defaults(struct config *);
/*
 * Once file and environment are read: every network without an [rpc]
 * key gets its built-in public endpoint, and an unset price_url the
 * built-in price source (with its coin ids), unless public_defaults is
 * false.  A key set to "" keeps its network without an endpoint.
 */
void	config_apply_defaults(struct config *);
/* The built-in public endpoint of a network (RPC_*), or NULL. */
const char *config_rpc_default(int);
/* The [rpc] key of a network (RPC_*): "evm_ethereum_sepolia". */
const char *config_rpc_key(int);
#define CONFIG_PRICE_DEFAULT_URL \
	"https://api.coingecko.com/api/v3/simple/price"
#define CONFIG_PRICE_DEFAULT_IDS \
	"ETH=ethereum;SOL=solana;POL=polygon-ecosystem-token;HYPE=hyperliquid"
int	config_parse(struct config *, const char *, size_t, const char *,
	    char *, size_t);
int	config_load_file(struct config *, const char *, char *, size_t);
int	config_load_at(struct config *, int, const char *, const char *,
	    char *, size_t);
int	config_apply_env(struct config *, char *const *, char *, size_t);
/* What single keys cannot say: checks across keys, once all are set. */
int	config_check(const struct config *, char *, size_t);
int	config_is_env_special(const char *);
/* 1 for a WAIAAS_* name that is neither ours nor a known client's. */
int	config_env_unknown(const char *);
/* The known WAIAAS_* name nearest to one (edit distance). */
void	config_env_closest(const char *, char *, size_t);
/* 1 if the variable sets a credential (scrubbed once read). */
int	config_env_is_secret(const char *);
/*
 * Every key as an operator may see it (GET /v1/admin/settings): the
 * i-th key of the table (0 to config_nkeys() - 1), its section and
 * name, and its value as text in val.  A credential (a K_SECRET key, the
 * ntfy topic, which on a public server is the only thing that guards
 * it, or a URL holding a password or a key, see url_mask) is "true" or
 * "false", set or not, with CONFIG_SHOW_SECRET; a boolean is "true" or
 * "false" with CONFIG_SHOW_BOOL.  Any other URL, and each URL of the
 * operator's chains (evm_custom), as url_origin() shows it: scheme, host
 * and port, the path as "/" and the mask.  0, or -1 past the last key.
 */
#define CONFIG_SHOW_SECRET	0x1
#define CONFIG_SHOW_BOOL	0x2
size_t	config_nkeys(void);
/* Before the credentials are wiped: which were set, for config_show(). */
void	config_note_secrets(struct config *);
int	config_show(const struct config *, size_t, const char **,
	    const char **, int *, char *, size_t);
/* An integer key's bounds: 0, or -1 if it is not an integer key. */
int	config_int_bounds(const char *, const char *, long *, long *);

/* A channel's configured: 1 << NOTIFY_* of the complete ones. */
unsigned int config_notify_channels(const struct config *);

#endif
