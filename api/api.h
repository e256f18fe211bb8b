#ifndef WAIAAS_API_H
#define WAIAAS_API_H

#include <jansson.h>

#include "http.h"
#include "imsgev.h"
#include "proc.h"
#include "routes.h"

#define API_HANDLER_ARGS	struct http_req *, const struct route *, \
			const char *, size_t

struct api_state {
	struct proc		*p;
	struct event_base	*base;
	struct imsgev		 parent;
	struct imsgev		 policyd;
};

extern struct api_state	api;

void	api_reply_json(struct http_req *, int, json_t *);

/* Validation: issues collected as {path, message}, answered together. */
struct api_issues {
	json_t		*list;
	const char	*hint;	/* the 400's hint: NULL for the default */
};
json_t	*api_parse_body(struct http_req *, struct api_issues *);
void	 api_issue(struct api_issues *, const char *, const char *);
void	 api_unsupported(json_t *, struct api_issues *, const char *,
	    const char *);
void	 api_tx_reference_fields(json_t *, struct api_issues *);
void	 api_only_fields(json_t *, struct api_issues *, ...)
	    __attribute__((sentinel));
int	 api_issues_reply(struct http_req *, struct api_issues *);
void	 api_submit(struct http_req *, const struct route *, const char *,
	    size_t, struct api_issues *, json_t *);
void	 api_forward(struct http_req *, const struct route *, const char *,
	    size_t, json_t *);
void	 api_refuse(struct http_req *, json_t *);
int	 api_idem_key(const struct http_req *, char *);
int	 api_page_route(int);
const char *api_query_value(const struct http_req *, const char *, size_t *);
void	 api_dispatch(struct http_req *, const struct route *, const char *,
	    size_t);
void	 api_policyd_reply(struct imsgchan *, struct imsg *, void *);

/* api_wallets.c */
void	api_wallets_create(API_HANDLER_ARGS);
void	api_wallets_import(API_HANDLER_ARGS);
void	api_sessions_create(API_HANDLER_ARGS);
void	api_mcp_token(API_HANDLER_ARGS);
/* security.session_ttl_min, set at start (300 until then) */
extern long long	api_ttl_min;
int	api_check_name(json_t *, struct api_issues *, const char *);
int	api_check_text(json_t *, struct api_issues *, const char *, size_t);
void	api_wallets_rename(API_HANDLER_ARGS);
void	api_wallets_patch(API_HANDLER_ARGS);
void	api_wallets_suspend(API_HANDLER_ARGS);
void	api_sessions_link(API_HANDLER_ARGS);

/* api_policies.c */
void	api_policies_create(API_HANDLER_ARGS);
void	api_policies_update(API_HANDLER_ARGS);

/* api_owner.c */
void	api_owner_set(API_HANDLER_ARGS);
void	api_recover(API_HANDLER_ARGS);

struct http_req *api_take_pending(uint32_t);
struct http_req *api_peek_pending(uint32_t);

/* api_chain.c */
void	api_chain_init(struct proc *);
void	api_chain_resolve(struct imsgchan *, struct imsg *, void *);
void	api_chain_prepare(struct imsgchan *, struct imsg *, void *);
void	api_chain_send(struct imsgchan *, struct imsg *, void *);
void	api_chain_query(struct imsgchan *, struct imsg *, void *);
void	api_chain_incoming(struct imsgchan *, struct imsg *, void *);
/* /health: {"<network>": {"source", "state"[, "error"]}, ...} */
json_t	*api_chain_health(void);
/* GET /v1/admin/rpc-status */
json_t	*api_chain_rpc_status(void);
void	 api_admin_query(struct imsgchan *, struct imsg *, void *);

/* api_heap.c */
void	api_heap_init(int, unsigned int);
void	api_heap_watch(void);

/* api_price.c */
void	api_price_init(void);
void	api_price_resolve(struct imsgchan *, struct imsg *, void *);
/* /health: {"source", "state", "prices"[, "fetchedAt", "error"]} */
json_t	*api_price_health(void);
/* GET /v1/admin/oracle-status, with policyd's counters */
struct admin_query;
json_t	*api_price_oracle(const struct admin_query *);

/* api_tokens.c */
void	api_tokens_add(API_HANDLER_ARGS);
/* api_webhooks.c */
void	api_webhooks_create(API_HANDLER_ARGS);
void	api_tokens_remove(API_HANDLER_ARGS);

/* api_tx.c */
void	api_tx_send(API_HANDLER_ARGS);
void	api_tx_sign_message(API_HANDLER_ARGS);
void	api_tx_sign(API_HANDLER_ARGS);
void	api_encode_calldata(API_HANDLER_ARGS);
void	api_x402_fetch(API_HANDLER_ARGS);

/* api_page.c: the approval page and the API reference */
void	api_page_init(void);
void	api_approve_page(API_HANDLER_ARGS);
void	api_reference_page(API_HANDLER_ARGS);
void	api_admin_page(API_HANDLER_ARGS);
/* api_notify.c */
void	api_notify_test(API_HANDLER_ARGS);
void	api_master_password(API_HANDLER_ARGS);
void	api_settings_put(API_HANDLER_ARGS);

/* api_metrics.c: GET /metrics, the api's series and policyd's */
void	api_metrics_observe(const struct http_req *, int, uint64_t);
void	api_metrics_reply(struct http_req *, const char *, size_t);
/* api_chain.c: RPC calls by network */
struct mbuf;
void	api_chain_metrics(struct mbuf *);

/* api_health.c */
void	api_health_init(void);
void	api_health(API_HANDLER_ARGS);
void	api_doc(API_HANDLER_ARGS);
/* api_mcp.c */
void	api_mcp(API_HANDLER_ARGS);
/* api_skills.c */
void	api_skill(API_HANDLER_ARGS);
void	api_health_pong(struct imsgchan *, struct imsg *, void *);

#endif
