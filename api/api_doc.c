/*
 * GET /doc: this daemon's OpenAPI 3 document, made at build time by
 * api_docgen.c (api/openapi.json with each route's security and query
 * parameters from the route table), compiled in: the same bytes for
 * every request, and nothing to build when the api starts.
 */
#include "api.h"

#include "doc_json.h"

void
api_doc(struct http_req *req, const struct route *rt, const char *param,
    size_t plen)
{
	(void)rt;
	(void)param;
	(void)plen;
	http_reply(req, 200, NULL, doc_json, sizeof(doc_json) - 1);
}
