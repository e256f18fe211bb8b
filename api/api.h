#ifndef WAIAAS_API_H
#define WAIAAS_API_H

#include <event2/http.h>
#include <jansson.h>

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
	int		  method;	/* EVHTTP_REQ_* */
	const char	 *path;		/* segments; "{}" matches one */
	enum api_auth	  auth;
	void		(*fn)(struct evhttp_request *);
};

struct api_state {
	struct proc		*p;
	struct event_base	*base;
	struct evhttp		*http;
	struct imsgev		 parent;
	struct imsgev		 policyd;
};

extern struct api_state	api;

void	api_reply_json(struct evhttp_request *, int, json_t *);
void	api_reply_raw(struct evhttp_request *, int, const char *, size_t);
void	api_error(struct evhttp_request *, int, const char *, const char *,
	    int);

/* api_health.c */
void	api_health_init(void);
void	api_health(struct evhttp_request *);
void	api_health_pong(struct imsgchan *, struct imsg *, void *);

#endif
