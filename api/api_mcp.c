/*
 * POST /mcp: the Model Context Protocol's Streamable HTTP transport.
 * One JSON-RPC message a POST, answered with one application/json
 * response (202 and no body for a notification or a response); no SSE
 * stream, so GET and DELETE are 405 (the route table has POST only).
 * The server is stateless: it issues no Mcp-Session-Id and ignores one
 * sent, since every POST carries its Bearer token and nothing else is
 * kept between messages.
 *
 * Checked before anything else, the Origin: a browser page of another
 * origin must not reach a wallet through DNS rebinding, so a present
 * Origin that is not this daemon's (http://127.0.0.1:PORT,
 * http://localhost:PORT, or public_url's host over http or https) is
 * 403.  Then policyd authenticates the token (route R_MCP) as for any
 * REST route: a bad or revoked token is the documented 401 here, not a
 * JSON-RPC answer.  Then the Content-Type (415), an MCP-Protocol-Version
 * header if given (400), the body's size (413; the HTTP layer's limit
 * came first).  The protocol and the tools are common/mcp.c's; a
 * tool's REST call runs as an internal request through api_dispatch(),
 * the REST route's own checks and policyd, with this request's token,
 * so policy, tiers and audit are those of the route.  The answer comes
 * back through the request's sink; the MCP request stays pending (its
 * connection kept by http.c) until then.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "api.h"
#include "log.h"
#include "mcp.h"
#include "wipe.h"

struct mcp_req {
	struct http_req		*parent;
	struct http_req		 sub;
	struct mcp_call		 call;
	int			 calling;	/* sub is the tool's call */
	char			*body;		/* the call's, as text */
	int			 status;	/* the sub-request's answer */
	char			*answer;
	size_t			 answerlen;
};

/* Is the authority (host[:port]) of an Origin one of this daemon's? */
static int
origin_ok(const char *v, size_t len)
{
	char		 self[64];
	const char	*pd = api.p->cfg.public_domain;
	size_t		 skip;

	snprintf(self, sizeof(self), "http://127.0.0.1:%u", api.p->cfg.port);
	if (len == strlen(self) && memcmp(v, self, len) == 0)
		return 1;
	snprintf(self, sizeof(self), "http://localhost:%u", api.p->cfg.port);
	if (len == strlen(self) && strncasecmp(v, self, len) == 0)
		return 1;
	/* public_url: its scheme is not kept, so either is taken. */
	if (len > 7 && strncasecmp(v, "http://", 7) == 0)
		skip = 7;
	else if (len > 8 && strncasecmp(v, "https://", 8) == 0)
		skip = 8;
	else
		return 0;
	return pd[0] != '\0' && len - skip == strlen(pd) &&
	    strncasecmp(v + skip, pd, len - skip) == 0;
}

/* The transport's checks once the token is good; 0 and an answer if
 * one fails. */
static int
transport_ok(struct http_req *req)
{
	const char	*v;
	size_t		 len;

	if ((v = http_header(&req->head, "content-type", &len)) == NULL ||
	    len < 16 || strncasecmp(v, "application/json", 16) != 0 ||
	    (len > 16 && v[16] != ';' && v[16] != ' ')) {
		http_error(req, 415, "UNSUPPORTED_MEDIA_TYPE", "the body must "
		    "be one JSON-RPC message as application/json", 0, NULL);
		return 0;
	}
	if ((v = http_header(&req->head, "mcp-protocol-version", &len)) !=
	    NULL && !mcp_version_ok(v, len)) {
		http_error(req, 400, "BAD_REQUEST", "unsupported "
		    "MCP-Protocol-Version", 0, NULL);
		return 0;
	}
	if (req->bodylen > MCP_MSG_MAX) {
		http_error(req, 413, "PAYLOAD_TOO_LARGE", "an MCP message is "
		    "at most 256 KiB", 0, NULL);
		return 0;
	}
	return 1;
}

static void
mcp_free(struct mcp_req *m)
{
	mcp_call_free(&m->call);
	if (m->body != NULL)
		wipe_free(m->body);
	if (m->answer != NULL)
		wipe_free(m->answer);
	free(m);
}

/* Answer the MCP request from the tool call's REST answer. */
static void
call_done(struct mcp_req *m)
{
	json_t	*ans;

	ans = json_loadb(m->answer, m->answerlen, 0, NULL);
	api_reply_json(m->parent, 200, mcp_result(&m->call, m->status, ans,
	    NULL));
	json_decref(ans);
	mcp_free(m);
}

static void	sink(struct http_req *, int, const char *, size_t);

/* The internal request: the parent's token, nothing else of it. */
static void
sub_init(struct mcp_req *m, int method, const char *path, size_t pathlen)
{
	struct http_req	*p = m->parent, *s = &m->sub;
	const char	*v;
	size_t		 len;

	memset(s, 0, sizeof(*s));
	s->head.method = method;
	s->head.path = path;
	s->head.pathlen = pathlen;
	s->head.minor = 1;
	if ((v = http_header(&p->head, "authorization", &len)) != NULL) {
		s->head.hdr[0].name = "authorization";
		s->head.hdr[0].namelen = 13;
		s->head.hdr[0].value = v;
		s->head.hdr[0].valuelen = len;
		s->head.nhdr = 1;
	}
	memcpy(s->id, p->id, sizeof(s->id));
	s->sink = sink;
	s->sink_arg = m;
}

/* Run the tool's REST call through the route's own path. */
static void
call_start(struct mcp_req *m)
{
	struct http_req		*s = &m->sub;
	const struct route	*rt;
	const char		*t = m->call.target, *q, *param;
	size_t			 plen;
	int			 method, allowed;

	method = strcmp(m->call.method, "POST") == 0 ? HTTP_POST : HTTP_GET;
	q = strchr(t, '?');
	sub_init(m, method, t, q != NULL ? (size_t)(q - t) : strlen(t));
	if (q != NULL) {
		s->head.query = q + 1;
		s->head.querylen = strlen(q + 1);
	}
	if (m->call.body != NULL) {
		if ((m->body = json_dumps(m->call.body, JSON_COMPACT)) ==
		    NULL)
			fatalx("json_dumps");
		s->body = m->body;
		s->bodylen = s->head.content_length = strlen(m->body);
	}
	/* An argument in the path may name no route ("" for an id). */
	if ((rt = route_match(method, s->head.path, s->head.pathlen, &param,
	    &plen, &allowed)) == NULL) {
		api_reply_json(m->parent, 200, mcp_result(&m->call, 0, NULL,
		    "Error: no such resource (an id argument is not valid)"));
		mcp_free(m);
		return;
	}
	s->route = rt;
	s->param = param;
	s->paramlen = plen;
	m->calling = 1;
	api_dispatch(s, rt, param, plen);
}

/* The token is good: answer the message, or start its tool's call. */
static void
message(struct mcp_req *m)
{
	struct http_req	*req = m->parent;
	json_t		*out;

	switch (mcp_message(req->body, req->bodylen, NULL, &out, &m->call)) {
	case MCP_NOTHING:
		http_reply(req, 202, NULL, "", 0);
		break;
	case MCP_ANSWER:
		api_reply_json(req, 200, out);
		break;
	case MCP_INVALID:
		api_reply_json(req, 400, out);
		break;
	case MCP_CALL:
		call_start(m);
		return;
	}
	mcp_free(m);
}

/*
 * After the sink: not from inside it, since whoever answered the
 * internal request may still be using it when the sink returns.
 */
static void
resume(evutil_socket_t fd, short ev, void *arg)
{
	struct mcp_req	*m = arg;
	char		 hdr[64] = "";

	(void)fd;
	(void)ev;
	if (m->calling) {
		call_done(m);
		return;
	}
	if (m->status != 200) {
		/* The documented error, for this request's id. */
		if (m->status == 401)
			snprintf(hdr, sizeof(hdr), "WWW-Authenticate: "
			    "Bearer\r\n");
		http_reply(m->parent, m->status, hdr[0] ? hdr : NULL,
		    m->answer, m->answerlen);
		mcp_free(m);
		return;
	}
	wipe_free(m->answer);
	m->answer = NULL;
	if (!transport_ok(m->parent)) {
		mcp_free(m);
		return;
	}
	message(m);
}

static void
sink(struct http_req *s, int status, const char *body, size_t len)
{
	struct mcp_req	*m = s->sink_arg;
	struct timeval	 now = { 0, 0 };

	m->status = status;
	if ((m->answer = wipe_malloc(len + 1)) == NULL)
		fatal("wipe_malloc");
	memcpy(m->answer, body, len);
	m->answer[len] = '\0';
	m->answerlen = len;
	if (event_base_once(api.base, -1, EV_TIMEOUT, resume, m, &now) == -1)
		fatalx("event_base_once");
}

void
api_mcp(struct http_req *req, const struct route *rt, const char *param,
    size_t plen)
{
	struct mcp_req	*m;
	const char	*v;
	size_t		 len;

	(void)param;
	(void)plen;
	/* Before anything, even the token: see the top of this file. */
	if ((v = http_header(&req->head, "origin", &len)) != NULL &&
	    !origin_ok(v, len)) {
		http_error(req, 403, "FORBIDDEN", "Origin not allowed: only "
		    "this daemon's own origin may call /mcp", 0, NULL);
		return;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		fatal("calloc");
	m->parent = req;
	sub_init(m, HTTP_POST, "/mcp", 4);
	m->sub.route = rt;
	api_forward(&m->sub, rt, NULL, 0, NULL);
}
