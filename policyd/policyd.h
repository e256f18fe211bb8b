#ifndef WAIAAS_POLICYD_H
#define WAIAAS_POLICYD_H

#include <jansson.h>
#include <sqlite3.h>

#include "imsgev.h"
#include "metrics.h"
#include "msg.h"
#include "network.h"
#include "policy_eval.h"
#include "policy_rules.h"
#include "proc.h"

struct policyd {
	struct proc		*p;
	struct event_base	*base;
	struct imsgev		 parent;
	struct imsgev		 api;
	struct imsgev		 signer;
	struct imsgev		 relay;
	struct imsgev		 fetch;
	int			 topic_status;	/* reply_topic()'s answer */
	uint32_t		 pid;
	sqlite3			*db;
	int			 killed;	/* the kill switch is on */
};

extern struct policyd	pd;

/* One REST request being served. */
struct pd_ctx {
	uint32_t			 peerid;
	int				 route;
	int				 auth;		/* CRED_* proven */
	char				 session[KS_ID_LEN + 1];
	const struct api_request	*req;
	json_t				*body;		/* NULL: none */
	long long			 now;
	char				 intent[65];	/* ownerAuth's, or "" */
};
typedef void	(*pd_handler)(struct pd_ctx *);

/* policyd_connect.c */
void	connect_info(struct pd_ctx *);
void	mcp_auth(struct pd_ctx *);
void	pd_base_url(char *, size_t);

/* policyd_mcp.c: POST /v1/mcp/tokens */
void	mcp_token_create(struct pd_ctx *);
void	mcp_token_written(struct imsgchan *, struct imsg *, void *);

/* policyd_x402.c: POST /v1/x402/fetch */
void	x402_fetch(struct pd_ctx *);
void	x402_answer(struct imsgchan *, struct imsg *, void *);
void	x402_resume(void);

/* policyd_utils.c: POST /v1/utils/encode-calldata */
void	utils_encode_calldata(struct pd_ctx *);

/* policyd_webhooks.c: the operator's webhooks */
void	webhooks_create(struct pd_ctx *);
void	webhooks_list(struct pd_ctx *);
void	webhooks_delete(struct pd_ctx *);
void	webhooks_logs(struct pd_ctx *);
int	webhook_enqueue(long long, long long, const char *);
void	webhook_result(const struct relay_result *);
void	webhooks_init(void);

/* policyd_metrics.c: GET /metrics */
void	metrics_scrape(struct pd_ctx *);
void	metrics_signer(struct imsgchan *, struct imsg *, void *);
void	metrics_relay(struct imsgchan *, struct imsg *, void *);
void	metrics_fetch(struct imsgchan *, struct imsg *, void *);
/* decisions by result, [0] denied, [TIER_*] allowed (policyd_decide.c) */
extern uint64_t	decide_counts[TIER_APPROVAL + 1];
/* relay results by channel: [0] delivered, [1] retry, [2] given up */
extern uint64_t	notify_counts[NOTIFY_MAX][3];

/* policyd_api.c */
void	policyd_api_request(struct imsgchan *, struct imsg *, void *);
/* Authenticate c's request as its route says, run its handler. */
void	pd_serve(struct pd_ctx *);

/*
 * policyd_reply.c: the owner's replies from the ntfy reply topic, served
 * as REST requests from PD_PEER_TOPIC (never an api peer: the api counts
 * from 1), whose answers reply() keeps in pd.topic_status and drops.
 */
#define PD_PEER_TOPIC	0
struct reply_stats {
	uint64_t	received, junk, refused, accepted;
};
extern struct reply_stats	reply_stats;
void	reply_topic(struct imsgchan *, struct imsg *, void *);
int	pd_can_see(const struct pd_ctx *, const char *);
json_t	*pd_path_wallet(struct pd_ctx *);
const char *pd_query_str(const char *, const char *, char *, size_t);
int	pd_query_int(struct pd_ctx *, const char *, long long *);
void	pd_fail_issue(uint32_t, const char *, const char *);

/* policyd_store.c */
/*
 * SQL: what a transaction row (columns prefixed by r: "", "NEW." ...)
 * counts toward its wallet's spending, in micro-dollars: its
 * reservation, unless it ended without moving value.  The store's
 * spend_hours triggers and decide's partial hours use the same.
 */
#define SPEND_MICRO(r)	"(CASE WHEN " r "status NOT IN ('FAILED', " \
	"'CANCELLED', 'EXPIRED') THEN CAST(round(coalesce(" r \
	"reserved_usd, 0) * 1e6) AS INTEGER) ELSE 0 END)"

extern const char decide_sql_requests[], decide_sql_usd[];
extern int store_schema_max;
void	store_open(const char *);
/* The schema this build migrates to (the database's user_version). */
int	store_schema_version(void);
int	store_begin(void);
int	store_commit(void);
void	store_rollback(void);
int	store_in_unit(void);
void	store_read_begin(void);
void	store_read_end(void);
void	store_group_init(struct event_base *, void (*)(int));
void	store_sync(void);
/* group commits so far, and the units of work they carried */
struct store_group_stats {
	uint64_t	commits, units;
};
extern struct store_group_stats	store_group_stats;
int	store_wallet_insert(const char *, const char *, int, int,
	    const char *, const char *, long long);
json_t	*store_one(const char *, const char *,
	    json_t *(*)(sqlite3_stmt *));
json_t	*store_wallet(const char *);
json_t	*store_wallet_list(const char *, long long, long long);
size_t	store_wallet_list_write(const char *, long long, long long, char *,
	    size_t);
/* A list answer's items stay within one reply to the api. */
#define LIST_REPLY_MAX	(API_BODY_MAX - 4096)
#define PD_TOO_LARGE	"the answer would be over 1 MiB: ask for less " \
			"(limit, offset or a narrower filter)"
int	store_wallet_active(const char *, char *, size_t);
int	store_meta_secret(const char *, uint8_t *, size_t);
sqlite3_stmt *store_prepare(const char *);
sqlite3_stmt *store_cached(const char *);
void	store_release(sqlite3_stmt *);

/* policyd_audit.c */
int	audit_append(long long, const char *, const char *, const char *,
	    json_t *);
void	audit_event(long long, const char *, const char *, const char *,
	    json_t *);
void	audit_event_with(long long, const char *, const char *, const char *,
	    json_t *, int (*)(void));
void	audit_list(struct pd_ctx *);
void	audit_verify(struct pd_ctx *);

/* policyd_idem.c: Idempotency-Key */
int	idem_start(struct pd_ctx *);
int	idem_record(uint32_t, const char *, int, int, const json_t *);
int	idem_answer(uint32_t, int, const json_t *);
void	idem_done(uint32_t);

/* policyd_auth.c */
#define AUTH_OK		0
#define AUTH_WRONG	1
#define AUTH_LOCKED	2
void	auth_master_hash(struct imsgchan *, struct imsg *, void *);
int	auth_ready(void);
void	policyd_pings_release(void);
int	auth_master(const struct api_cred *, int *);
int	auth_master_newhash(const char *, size_t, char *);
void	auth_master_replace(const char *);

/* policyd_admin.c */
void	admin_master_password(struct pd_ctx *);
void	admin_rekeyed(struct imsgchan *, struct imsg *, void *);
void	admin_backup_create(struct pd_ctx *);
void	admin_backup_more(struct imsgchan *, struct imsg *, void *);
void	admin_backup_sealed(struct imsgchan *, struct imsg *, void *);
void	admin_backups(struct pd_ctx *);
void	admin_backup_entry(struct imsgchan *, struct imsg *, void *);
void	admin_backup_end(struct imsgchan *, struct imsg *, void *);

/* policyd_monitor.c: what /admin shows */
void	admin_status(struct pd_ctx *);
void	admin_stats(struct pd_ctx *);
void	admin_tx_list(struct pd_ctx *);
void	admin_notify_status(struct pd_ctx *);
/* policyd_ops.c: answers the api gives once the operator is checked */
void	admin_rpc_status(struct pd_ctx *);
void	admin_oracle_status(struct pd_ctx *);
void	admin_notify_log(struct pd_ctx *);

/* policyd_sessions.c */
#define SESSION_TOKEN_MAX	1024
void	sessions_init(void);
int	session_token_again(const char *, long long, char *);
int	session_check(struct pd_ctx *);
int	session_has_wallet(const char *, const char *);
json_t	*session_new(struct pd_ctx *, json_t *, long long, long long,
	    long long, int *, const char **);
void	session_refused(struct pd_ctx *, int, const char *);
void	sessions_create(struct pd_ctx *);
void	sessions_list(struct pd_ctx *);
void	sessions_revoke(struct pd_ctx *);
void	sessions_renew(struct pd_ctx *);
void	sessions_rotate(struct pd_ctx *);
void	sessions_wallets(struct pd_ctx *);
void	sessions_link(struct pd_ctx *);
void	sessions_unlink(struct pd_ctx *);

/*
 * policyd_owner.c: ownerAuth opens the transaction it spends its nonce
 * in; the route's handler commits it with its change or rolls back.
 */
int	owner_check(struct pd_ctx *);
int	owner_check_body(struct pd_ctx *, const char *);
void	owner_init(void);
const char *const *owner_domains(void);
void	owner_nonce(struct pd_ctx *);
#define OWNER_NONCE_HEX	65	/* a nonce in hex, and its NUL */
void	owner_link_nonce(const char *, const char *, uint32_t,
	    char [OWNER_NONCE_HEX]);
char	*link_payload(const char *, size_t);	/* policyd_link.c */
void	owner_set(struct pd_ctx *);
void	owner_verify(struct pd_ctx *);

/* policyd_policies.c */
void	policies_create(struct pd_ctx *);
void	policies_list(struct pd_ctx *);
void	policies_get(struct pd_ctx *);
void	policies_update(struct pd_ctx *);
void	policies_delete(struct pd_ctx *);

/* policyd_tokens.c: the token registry */
void	tokens_list(struct pd_ctx *);
void	tokens_add(struct pd_ctx *);
void	tokens_remove(struct pd_ctx *);
void	tokens_resolve(struct pd_ctx *);
/* policyd_wallets.c */
void	wallets_create(struct pd_ctx *);
void	wallets_list(struct pd_ctx *);
void	wallets_get(struct pd_ctx *);
void	wallets_rename(struct pd_ctx *);
void	wallets_terminate(struct pd_ctx *);
void	wallets_patch(struct pd_ctx *);
void	wallets_networks(struct pd_ctx *);
/* policyd_nft.c */
void	nft_list(struct pd_ctx *);
void	nft_get(struct pd_ctx *);
void	wallets_suspend(struct pd_ctx *);
void	wallets_resume(struct pd_ctx *);
void	wallets_purge(struct pd_ctx *);
void	wallets_forgotten(struct imsgchan *, struct imsg *, void *);
int	wallet_touch(const char *, long long);
void	wallets_signer_key(struct imsgchan *, struct imsg *, void *);

/* policyd_decide.c: the policies that apply; 1 allowed (tier set), 0
 * denied (code, reason) */
size_t	decide_policies(const char *, const char *,
	    struct pe_policy[POLICY_TYPE_MAX]);
int	decide_eval(const char *, const char *, const struct pe_tx *,
	    long long, struct pe_result *);

/* policyd_queue.c: DELAY and APPROVAL */
void	queue_arm(void);
int	queue_stop(const char *, int, long long, const char *, const char *,
	    const char *, long long *);
void	tx_cancel(struct pd_ctx *);
void	tx_approve(struct pd_ctx *);
void	tx_reject(struct pd_ctx *);
void	tx_admin_reject(struct pd_ctx *);

/* policyd_incoming.c: transfers into monitored wallets */
void	incoming_init(void);
void	incoming_result(struct imsgchan *, struct imsg *, void *);
void	incoming_list(struct pd_ctx *);
void	incoming_summary(struct pd_ctx *);
void	incoming_admin_list(struct pd_ctx *);

/* policyd_notify.c: the outbox, per channel, and its pump to relay */
int	outbox_add(long long, const char *, json_t *);
void	notify_init(void);
void	notify_result(struct imsgchan *, struct imsg *, void *);
void	notify_test(struct pd_ctx *);
unsigned int notify_channels(void);

/* tx_*.c: transactions, in stages (tx.h) */
void	tx_send(struct pd_ctx *);		/* tx_routes.c */
void	tx_execute(const char *);		/* tx_prepare.c */
void	tx_sign_message(struct pd_ctx *);	/* tx_message.c */
void	tx_sign_tx(struct pd_ctx *);		/* tx_sign.c */
int	tx_intent(const char *, char *, size_t, char [65]); /* tx_decide.c */
void	tx_get(struct pd_ctx *);		/* tx_routes.c ... */
json_t	*tx_json(const char *);
void	tx_approval(struct pd_ctx *);
void	tx_list(struct pd_ctx *);
void	tx_wallet_address(struct pd_ctx *);
void	tx_wallet_chain(struct pd_ctx *);
void	admin_wallet_balance(struct pd_ctx *);
void	tx_context(struct imsgchan *, struct imsg *, void *); /* tx_gas.c */
void	tx_signed(struct imsgchan *, struct imsg *, void *); /* tx_watch.c */
void	tx_status(struct imsgchan *, struct imsg *, void *);
void	tx_resume(void);
void	kill_activate(struct pd_ctx *);
void	kill_state(struct pd_ctx *);
void	kill_recover(struct pd_ctx *);
void	kill_owner(struct pd_ctx *);
int	kill_refuse(struct pd_ctx *);
int	kill_held_by(const char *);
void	kill_load(void);

void	pd_reply(uint32_t, int, const char *, const char *, size_t);
void	pd_reply_json(uint32_t, int, json_t *);
void	pd_fail(uint32_t, int, const char *, const char *, int);
void	pd_fail_retry(uint32_t, int, const char *, const char *, int);
int	pd_begin(struct pd_ctx *);

/*
 * policyd_price.c: the static table and the prices the api fetched.
 * The USD value of amount (a decimal string in the smallest unit) of
 * the network's native coin (token NULL) or of a token on it; -1 when
 * there is no fresh, plausible price (or no decimals for a token).
 * why (may be NULL) gets a short reason when -1.
 */
double	price_value(const struct network *, const char *token,
	    const char *amount, long long now, char *why, size_t whylen);
int	price_unpriced_deny(void);	/* security.price_unpriced = deny */
void	price_init(void);
void	price_update(struct imsgchan *, struct imsg *, void *);
struct admin_query;
void	price_counters(struct admin_query *);
long long price_max_age(void);
void	price_set_max_age(long long);
void	price_set_unpriced_deny(int);
long long notify_max_age(void);
void	notify_set_max_age(long long);
/* policyd_settings.c: GET and PUT /v1/admin/settings */
void	settings_init(void);
void	settings_get(struct pd_ctx *);
void	settings_put(struct pd_ctx *);
void	settings_schema(struct pd_ctx *);

const char *chain_name(int);
const char *env_name(int);
const char *default_network(int, int);

#endif
