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

/* api_health.c */
void	api_health_init(void);
void	api_health(struct http_req *);
void	api_health_pong(struct imsgchan *, struct imsg *, void *);

#endif
