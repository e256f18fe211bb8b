/*
 * api: the unprivileged front end.  It parses and bounds HTTP, answers
 * from its route table, and forwards typed requests to policyd.  It holds
 * no secret beyond one request's lifetime and has no channel to the
 * signer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "api.h"
#include "log.h"
#include "util.h"

struct api_state	api;

/* Every route and its auth, in one place (a test walks this table). */
static const struct api_route routes[] = {
	{ HTTP_GET, "/health", AUTH_NONE, api_health },
};

void
api_reply_json(struct http_req *req, int status, json_t *j)
{
	char	*s;

	if ((s = json_dumps(j, JSON_COMPACT)) == NULL)
		fatalx("json_dumps");
	http_reply(req, status, NULL, s, strlen(s));
	free(s);
	json_decref(j);
}

/* Match a route pattern against a path. */
static int
path_match(const char *pat, const char *path, size_t plen)
{
	const char	*p = path, *end = path + plen;

	while (*pat != '\0' && p < end) {
		if (pat[0] == '{' && pat[1] == '}') {
			if (*p == '/')
				return 0;
			while (p < end && *p != '/')
				p++;
			pat += 2;
			continue;
		}
		if (*pat++ != *p++)
			return 0;
	}
	return *pat == '\0' && p == end;
}

static void
api_request(struct http_req *req)
{
	const struct http_head	*h = &req->head;
	char			 msg[160], allow[64] = "", hdr[96];
	size_t			 i;

	for (i = 0; i < nitems(routes); i++) {
		if (!path_match(routes[i].path, h->path, h->pathlen))
			continue;
		if (routes[i].method == h->method) {
			routes[i].fn(req);
			return;
		}
		if (allow[0] != '\0')
			strlcpy(allow + strlen(allow), ", ",
			    sizeof(allow) - strlen(allow));
		strlcpy(allow + strlen(allow),
		    http_method_name(routes[i].method),
		    sizeof(allow) - strlen(allow));
	}
	if (allow[0] != '\0') {
		snprintf(hdr, sizeof(hdr), "Allow: %s\r\n", allow);
		snprintf(msg, sizeof(msg), "method %s not allowed here",
		    http_method_name(h->method));
		http_error(req, 405, "METHOD_NOT_ALLOWED", msg, 0, hdr);
		return;
	}
	snprintf(msg, sizeof(msg), "no route %s %.*s",
	    http_method_name(h->method), (int)(h->pathlen > 96 ? 96 :
	    h->pathlen), h->path);
	http_error(req, 404, "NOT_FOUND", msg, 0, NULL);
}

static const struct imsg_rule policyd_rules[] = {
	IMSG_RULE_EXACT(IMSG_HEALTH_PONG, struct health_pong,
	    api_health_pong),
};

void
api_main(struct proc *p)
{
	struct http_limits	lim;
	size_t			max, wmax;

	api.p = p;
	/* jansson would seed its hash from /dev/urandom on first use. */
	json_object_seed(randombytes_random());
	if ((api.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	lim.max_head = p->cfg.max_headers;
	lim.max_body = p->cfg.max_body;
	lim.max_conn = p->cfg.max_conn;
	lim.timeout = (int)p->cfg.timeout;
	if (http_server_start(api.base, p->listenfd, &lim, api_request) == -1)
		fatalx("http_server_start");

	proc_chan_sizes(PROC_API, PROC_POLICYD, &max, &wmax);
	if (imsgev_init(&api.policyd, api.base, p->peerfd[PROC_POLICYD],
	    "policyd", max, wmax, 0, policyd_rules, nitems(policyd_rules),
	    NULL, NULL) == -1)
		fatal("imsgev_init");
	api_health_init();

	proc_sandbox(p);
	if (imsgev_init(&api.parent, api.base, 3, "parent", CHAN_CTL_MAX,
	    CHAN_CTL_WMAX, 0, NULL, 0, NULL, NULL) == -1)
		fatal("imsgev_init");
	log_debug("serving");
	event_base_dispatch(api.base);
	fatalx("event loop ended");
}
