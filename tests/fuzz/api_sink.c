/*
 * The api's ends of a request, for a build without the event loop: what
 * would have been forwarded to policyd, refused with a 400, or answered
 * by the api itself is recorded in api_sink instead of being sent.  The
 * answers the api gives on its own (health, /doc, the approval page, a
 * query too long) count as answered.
 */
#include <stdlib.h>

#include "api.h"
#include "api_sink.h"

struct api_sink	api_sink;

void
api_sink_reset(void)
{
	json_decref(api_sink.body);
	json_decref(api_sink.answer);
	memset(&api_sink, 0, sizeof(api_sink));
}

void
api_forward(struct http_req *req, const struct route *rt, const char *param,
    size_t plen, json_t *body)
{
	(void)req;
	api_sink.forwarded++;
	api_sink.route = rt;
	api_sink.param = param;
	api_sink.plen = plen;
	json_decref(api_sink.body);
	api_sink.body = body;
}

void
api_refuse(struct http_req *req, json_t *answer)
{
	(void)req;
	api_sink.refused++;
	json_decref(api_sink.answer);
	api_sink.answer = answer;
}

void
http_error(struct http_req *req, int status, const char *code,
    const char *msg, int retryable, const char *headers)
{
	(void)req;
	(void)code;
	(void)msg;
	(void)retryable;
	(void)headers;
	api_sink.answered++;
	api_sink.status = status;
}

static void
served(struct http_req *req, const struct route *rt, const char *param,
    size_t plen)
{
	(void)req;
	(void)rt;
	(void)param;
	(void)plen;
	api_sink.answered++;
	api_sink.status = 200;
}

void
api_health(struct http_req *req, const struct route *rt, const char *param,
    size_t plen)
{
	served(req, rt, param, plen);
}

void
api_doc(struct http_req *req, const struct route *rt, const char *param,
    size_t plen)
{
	served(req, rt, param, plen);
}

void
api_skill(struct http_req *req, const struct route *rt, const char *param,
    size_t plen)
{
	served(req, rt, param, plen);
}

void
api_approve_page(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	served(req, rt, param, plen);
}

void
api_reference_page(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	served(req, rt, param, plen);
}

void
api_admin_page(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	served(req, rt, param, plen);
}

void
api_mcp(struct http_req *req, const struct route *rt, const char *param,
    size_t plen)
{
	served(req, rt, param, plen);
}
