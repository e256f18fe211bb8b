#ifndef WAIAAS_API_H
#define WAIAAS_API_H

#include <jansson.h>

#include "http.h"
#include "imsgev.h"
#include "proc.h"

/* Who may call a route; policyd checks every credential. */
enum api_auth {
	AUTH_NONE,
	AUTH_MASTER,
	AUTH_SESSION,
	AUTH_MASTER_OR_SESSION,
	AUTH_OWNER
};

struct api_route {
	int		  method;	/* HTTP_* */
	const char	 *path;		/* "{}" matches one segment */
	enum api_auth	  auth;
	void		(*fn)(struct http_req *);
};

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
	json_t	*list;
};
json_t	*api_parse_body(struct http_req *, struct api_issues *);
void	 api_issue(struct api_issues *, const char *, const char *);
void	 api_only_fields(json_t *, struct api_issues *, ...)
	    __attribute__((sentinel));
int	 api_issues_reply(struct http_req *, struct api_issues *);
void	 api_forward(struct http_req *, uint32_t, const void *, size_t);
void	 api_policyd_reply(struct imsgchan *, struct imsg *, void *);

/* api_wallets.c */
void	api_wallets_create(struct http_req *);
void	api_wallets_import(struct http_req *);
void	api_wallets_list(struct http_req *);
void	api_wallets_get(struct http_req *);

/* api_health.c */
void	api_health_init(void);
void	api_health(struct http_req *);
void	api_health_pong(struct imsgchan *, struct imsg *, void *);

#endif
