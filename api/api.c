/*
 * api: the unprivileged front end.  It parses and bounds HTTP, answers
 * from its route table, and forwards typed requests to policyd.  It holds
 * no secret beyond one request's lifetime and has no channel to the
 * signer.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <sodium.h>

#include "api.h"
#include "log.h"
#include "util.h"

struct api_state	api;

static struct evconnlistener	*listener;
static struct event		*ev_accept_retry;

static const struct api_route routes[] = {
	{ EVHTTP_REQ_GET, "/health", AUTH_NONE, api_health },
};

void
api_reply_raw(struct evhttp_request *req, int code, const char *body,
    size_t len)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*out = evhttp_request_get_output_buffer(req);

	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evbuffer_add(out, body, len);
	evhttp_send_reply(req, code, NULL, NULL);
}

void
api_reply_json(struct evhttp_request *req, int code, json_t *j)
{
	char	*s;

	if ((s = json_dumps(j, JSON_COMPACT)) == NULL)
		fatalx("json_dumps");
	api_reply_raw(req, code, s, strlen(s));
	free(s);
	json_decref(j);
}

/* The error body of the public surface: flat, with a request id. */
void
api_error(struct evhttp_request *req, int status, const char *code,
    const char *message, int retryable)
{
	char	id[UUID_STR_LEN];
	json_t	*j;

	uuidv7(id);
	j = json_pack("{s:s, s:s, s:s, s:b}", "code", code, "message",
	    message, "requestId", id, "retryable", retryable);
	if (j == NULL)
		fatalx("json_pack");
	api_reply_json(req, status, j);
}

static const char *
method_name(int m)
{
	switch (m) {
	case EVHTTP_REQ_GET:	return "GET";
	case EVHTTP_REQ_POST:	return "POST";
	case EVHTTP_REQ_PUT:	return "PUT";
	case EVHTTP_REQ_DELETE:	return "DELETE";
	default:		return "OTHER";
	}
}

/* Match a route pattern against a path without its query string. */
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
api_request(struct evhttp_request *req, void *arg)
{
	const char	*uri = evhttp_request_get_uri(req), *q;
	char		 msg[160], allow[64] = "";
	size_t		 plen, i;
	int		 method = evhttp_request_get_command(req);

	(void)arg;
	q = strchr(uri, '?');
	plen = q != NULL ? (size_t)(q - uri) : strlen(uri);
	for (i = 0; i < nitems(routes); i++) {
		if (!path_match(routes[i].path, uri, plen))
			continue;
		if (routes[i].method == method) {
			routes[i].fn(req);
			return;
		}
		if (allow[0] != '\0')
			strlcpy(allow + strlen(allow), ", ",
			    sizeof(allow) - strlen(allow));
		strlcpy(allow + strlen(allow), method_name(routes[i].method),
		    sizeof(allow) - strlen(allow));
	}
	if (allow[0] != '\0') {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", allow);
		snprintf(msg, sizeof(msg), "method %s not allowed here",
		    method_name(method));
		api_error(req, 405, "METHOD_NOT_ALLOWED", msg, 0);
		return;
	}
	snprintf(msg, sizeof(msg), "no route %s %.*s", method_name(method),
	    (int)(plen > 96 ? 96 : plen), uri);
	api_error(req, 404, "NOT_FOUND", msg, 0);
}

static void
accept_retry(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	evconnlistener_enable(listener);
}

/*
 * accept(2) failed.  At the descriptor limit (which is the connection
 * limit) pause accepting briefly instead of spinning on a readable socket.
 */
static void
accept_error(struct evconnlistener *lev, void *arg)
{
	static time_t	last;
	struct timeval	tv = { 0, 100 * 1000 };
	time_t		now = time(NULL);

	(void)arg;
	if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
	    errno == ENOMEM) {
		if (now != last)
			log_warnx("connection limit reached (%u); pausing "
			    "accept", api.p->cfg.max_conn);
		last = now;
	} else
		log_warn("accept");
	evconnlistener_disable(lev);
	evtimer_add(ev_accept_retry, &tv);
}

static const struct imsg_rule policyd_rules[] = {
	IMSG_RULE_EXACT(IMSG_HEALTH_PONG, struct health_pong,
	    api_health_pong),
};

void
api_main(struct proc *p)
{
	size_t	max, wmax;

	api.p = p;
	/* jansson would seed its hash from /dev/urandom on first use. */
	json_object_seed(randombytes_random());
	if ((api.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if ((api.http = evhttp_new(api.base)) == NULL)
		fatalx("evhttp_new");
	evhttp_set_max_headers_size(api.http, p->cfg.max_headers);
	evhttp_set_max_body_size(api.http, p->cfg.max_body);
	evhttp_set_timeout(api.http, (int)p->cfg.timeout);
	evhttp_set_allowed_methods(api.http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
	evhttp_set_default_content_type(api.http, "application/json");
	evhttp_set_gencb(api.http, api_request, NULL);
	if ((listener = evconnlistener_new(api.base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0,
	    p->listenfd)) == NULL)
		fatalx("evconnlistener_new");
	if (evhttp_bind_listener(api.http, listener) == NULL)
		fatalx("evhttp_bind_listener");
	evconnlistener_set_error_cb(listener, accept_error);
	if ((ev_accept_retry = evtimer_new(api.base, accept_retry,
	    NULL)) == NULL)
		fatalx("evtimer_new");

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
