/*
 * api: the unprivileged front end.  It parses and bounds HTTP, answers
 * from its route table, and forwards typed requests to policyd.  It holds
 * no secret beyond one request's lifetime and has no channel to the
 * signer.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "api.h"
#include "log.h"
#include "util.h"
#include "wipe.h"

struct api_state	api;

/* Every route and its auth, in one place (a test walks this table). */
static const struct api_route routes[] = {
	{ HTTP_GET, "/health", AUTH_NONE, api_health },
	{ HTTP_POST, "/v1/wallets", AUTH_MASTER, api_wallets_create },
	{ HTTP_GET, "/v1/wallets", AUTH_MASTER, api_wallets_list },
	{ HTTP_POST, "/v1/wallets/import", AUTH_MASTER, api_wallets_import },
	{ HTTP_GET, "/v1/wallets/{}", AUTH_MASTER, api_wallets_get },
};

/* Requests waiting for policyd, by the id they were sent under. */
struct pending {
	TAILQ_ENTRY(pending)	 entry;
	uint32_t		 id;
	struct http_req		*req;
};
static TAILQ_HEAD(, pending)	pending = TAILQ_HEAD_INITIALIZER(pending);
static uint32_t			next_id;
static size_t			npending;
#define PENDING_MAX		4096

/* Send a typed request to policyd; the reply answers req. */
void
api_forward(struct http_req *req, uint32_t type, const void *data,
    size_t len)
{
	struct pending	*pe;

	if (npending >= PENDING_MAX) {
		http_error(req, 503, "SERVICE_UNAVAILABLE", "too many "
		    "requests in progress", 1, NULL);
		return;
	}
	if ((pe = calloc(1, sizeof(*pe))) == NULL)
		fatal("calloc");
	pe->id = ++next_id;
	pe->req = req;
	if (imsgev_compose(&api.policyd, type, pe->id, -1, data, len) == -1) {
		free(pe);
		if (errno != ENOBUFS)
			fatal("%s", imsg_type_name(type));
		http_error(req, 503, "SERVICE_UNAVAILABLE", "internal "
		    "channel busy", 1, NULL);
		return;
	}
	TAILQ_INSERT_TAIL(&pending, pe, entry);
	npending++;
}

void
api_policyd_reply(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct api_reply	 r;
	struct pending		*pe;
	char			 msg[512];
	size_t			 blen = imsg->len - sizeof(r);

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	TAILQ_FOREACH(pe, &pending, entry)
		if (pe->id == imsg->hdr.peerid)
			break;
	if (pe == NULL)
		fatalx("IMSG_API_REPLY for no request");
	TAILQ_REMOVE(&pending, pe, entry);
	npending--;
	if (r.status < 200 || r.status > 599 ||
	    memchr(r.code, '\0', sizeof(r.code)) == NULL)
		fatalx("IMSG_API_REPLY: malformed");
	if (r.code[0] != '\0') {
		snprintf(msg, sizeof(msg), "%.*s", (int)(blen > 500 ? 500 :
		    blen), (const char *)imsg->data + sizeof(r));
		http_error(pe->req, r.status, r.code, msg, r.retryable != 0,
		    NULL);
	} else
		http_reply(pe->req, r.status, NULL,
		    (const char *)imsg->data + sizeof(r), blen);
	free(pe);
}

json_t *
api_parse_body(struct http_req *req, struct api_issues *is)
{
	json_error_t	 err;
	json_t		*j;
	char		 msg[200];

	is->list = NULL;
	j = json_loadb(req->body, req->bodylen, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL || !json_is_object(j)) {
		snprintf(msg, sizeof(msg), "the body must be a JSON object%s%s",
		    j == NULL ? ": " : "", j == NULL ? err.text : "");
		json_decref(j);
		http_error(req, 400, "VALIDATION_FAILED", msg, 0, NULL);
		return NULL;
	}
	if ((is->list = json_array()) == NULL)
		fatalx("json_array");
	return j;
}

void
api_issue(struct api_issues *is, const char *path, const char *message)
{
	json_t	*i;

	i = json_pack("{s:[s], s:s}", "path", path, "message", message);
	if (i == NULL || json_array_append_new(is->list, i) == -1)
		fatalx("json_pack issue");
}

/* Every field of obj must be one of the NULL-terminated names. */
void
api_only_fields(json_t *obj, struct api_issues *is, ...)
{
	const char	*key, *name;
	json_t		*v;
	va_list		 ap;
	int		 known;

	json_object_foreach(obj, key, v) {
		known = 0;
		va_start(ap, is);
		while ((name = va_arg(ap, const char *)) != NULL)
			if (strcmp(name, key) == 0)
				known = 1;
		va_end(ap);
		if (!known)
			api_issue(is, key, "unknown field");
	}
}

/* 1 and a 400 answer when there are issues; 0 otherwise. */
int
api_issues_reply(struct http_req *req, struct api_issues *is)
{
	char	*body;
	json_t	*j;

	if (json_array_size(is->list) == 0) {
		json_decref(is->list);
		return 0;
	}
	j = json_pack("{s:s, s:s, s:{s:o}, s:s, s:b}", "code",
	    "VALIDATION_FAILED", "message", "the request is not valid",
	    "details", "issues", is->list, "requestId", req->id,
	    "retryable", 0);
	if (j == NULL || (body = json_dumps(j, JSON_COMPACT)) == NULL)
		fatalx("json_pack");
	http_reply(req, 400, NULL, body, strlen(body));
	wipe_free(body);
	json_decref(j);
	return 1;
}

void
api_reply_json(struct http_req *req, int status, json_t *j)
{
	char	*s;

	if ((s = json_dumps(j, JSON_COMPACT)) == NULL)
		fatalx("json_dumps");
	http_reply(req, status, NULL, s, strlen(s));
	wipe_free(s);
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
	IMSG_RULE_RANGE(IMSG_API_REPLY, sizeof(struct api_reply),
	    CHAN_API_MAX - IMSG_HDR_SIZE, api_policyd_reply),
};

void
api_main(struct proc *p)
{
	struct http_limits	lim;
	size_t			max, wmax;

	api.p = p;
	/* Requests may carry secrets: every freed block is wiped. */
	wipe_install();
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
