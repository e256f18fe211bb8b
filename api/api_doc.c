/*
 * GET /doc: this daemon's OpenAPI 3 document.  The text is api/openapi.json,
 * compiled in; each route's security and query parameters come from the
 * route table when the api starts, so what a client reads is
 * what policyd enforces and what the api accepts.  Built once, then the same
 * bytes for every request.  t_conform checks the file against the table and
 * validates the result as OpenAPI 3.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api.h"
#include "routes.h"
#include "log.h"
#include "version.h"

#include "openapi_json.h"

/* An OpenAPI schema for a kind of query value. */
static json_t *
doc_schema(const struct route_query *q)
{
	json_t		*e;
	const char	*p, *bar;

	switch (q->kind) {
	case QK_ID:
		return json_pack("{s:s, s:s}", "type", "string", "format",
		    "uuid");
	case QK_INT:
		return json_pack("{s:s, s:I, s:I, s:I}", "type", "integer",
		    "minimum", (json_int_t)q->lo, "maximum", (json_int_t)q->hi,
		    "default", (json_int_t)q->dflt);
	case QK_BOOL:
		return json_pack("{s:s}", "type", "boolean");
	case QK_ENUM:
		e = json_array();
		for (p = q->set; *p != '\0'; p = *bar != '\0' ? bar + 1 : bar) {
			if ((bar = strchr(p, '|')) == NULL)
				bar = p + strlen(p);
			if (bar > p)
				json_array_append_new(e, json_stringn(p,
				    (size_t)(bar - p)));
		}
		return json_pack("{s:s, s:o}", "type", "string", "enum", e);
	default:
		return json_pack("{s:s, s:I, s:I}", "type", "string",
		    "minLength", (json_int_t)q->lo, "maxLength",
		    (json_int_t)q->hi);
	}
}

/*
 * The name of a path's k-th "{}" (at p): the reference's, "id" then
 * "walletId", and "tokenIdentifier" after "nfts/".
 */
static const char *
param_name(const char *path, const char *p, int k)
{
	if (p - path >= 5 && strncmp(p - 5, "nfts/", 5) == 0)
		return "tokenIdentifier";
	return k == 0 ? "id" : "walletId";
}

/* The parameters of a route: its "{id}" segments and its query keys. */
static json_t *
doc_params(const struct route *rt)
{
	json_t		*a;
	size_t		 i;
	const char	*p, *name;
	int		 k = 0;

	if ((a = json_array()) == NULL)
		fatalx("json_array");
	for (p = rt->path; (p = strstr(p, "{}")) != NULL; p += 2) {
		name = param_name(rt->path, p, k++);
		json_array_append_new(a, json_pack("{s:s, s:s, s:b, s:{s:s}}",
		    "name", name, "in", "path", "required", 1, "schema",
		    "type", "string"));
	}
	for (i = 0; i < route_nqueries; i++) {
		if (route_queries[i].route != rt->id ||
		    route_queries[i].kind == QK_UNSUPPORTED)
			continue;
		json_array_append_new(a, json_pack("{s:s, s:s, s:o}", "name",
		    route_queries[i].key, "in", "query", "schema",
		    doc_schema(&route_queries[i])));
	}
	return a;
}

static json_t *
doc_security(int auth)
{
	switch (auth) {
	case AUTH_MASTER:
		return json_pack("[{s:[]}]", "masterAuth");
	case AUTH_SESSION:
		return json_pack("[{s:[]}]", "sessionAuth");
	case AUTH_MASTER_OR_SESSION:
		return json_pack("[{s:[]},{s:[]}]", "masterAuth",
		    "sessionAuth");
	case AUTH_OWNER:
		return json_pack("[{s:[]}]", "ownerAuth");
	case AUTH_MASTER_OR_SCRAPE:
		return json_pack("[{s:[]},{s:[]}]", "masterAuth",
		    "metricsAuth");
	default:
		return json_array();
	}
}

/* A route's path as OpenAPI writes it: "{}" becomes "{id}", a second
 * "{walletId}", one after "nfts/" "{tokenIdentifier}". */
static void
doc_path(const char *p, char *out, size_t outsz)
{
	const char	*name, *path = p;
	size_t		 n = 0;
	int		 k = 0;

	for (; *p != '\0' && n + 20 < outsz; p++) {
		out[n++] = *p;
		if (*p == '{') {
			name = param_name(path, p, k++);
			memcpy(out + n, name, strlen(name));
			n += strlen(name);
		}
	}
	out[n] = '\0';
}

static void
doc_lower(const char *m, char *out, size_t outsz)
{
	size_t	k;

	for (k = 0; m[k] != '\0' && k + 1 < outsz; k++)
		out[k] = (char)(m[k] | 0x20);
	out[k] = '\0';
}

static char *
doc_build(void)
{
	json_t		*j, *paths, *item, *op, *sec;
	json_error_t	 err;
	char		 path[128], m[8], *d;
	const char	*key;
	void		*tmp;
	size_t		 i;
	int		 served;

	if ((j = json_loads(openapi_json, 0, &err)) == NULL)
		fatalx("api/openapi.json: line %d: %s", err.line, err.text);
	if ((paths = json_object_get(j, "paths")) == NULL ||
	    !json_is_object(paths))
		fatalx("api/openapi.json: no paths");
	json_object_set_new(json_object_get(j, "info"), "version",
	    json_string(WAIAAS_VERSION));
	for (i = 0; i < R_MAX; i++) {
		doc_path(routes[i].path, path, sizeof(path));
		doc_lower(http_method_name(routes[i].method), m, sizeof(m));
		if ((item = json_object_get(paths, path)) == NULL) {
			item = json_object();
			json_object_set_new(paths, path, item);
		}
		if ((op = json_object_get(item, m)) == NULL) {
			/* A route the file does not describe yet: named,
			 * so /doc stays complete; t_conform fails on it. */
			log_warnx("api/openapi.json lacks %s %s", m, path);
			op = json_pack("{s:{s:{s:s}}}", "responses", "default",
			    "description", "not described yet");
			json_object_set_new(item, m, op);
		}
		json_object_set_new(op, "operationId",
		    json_string(routes[i].name));
		json_object_set_new(op, "security",
		    doc_security(routes[i].auth));
		json_object_set_new(op, "parameters",
		    doc_params(&routes[i]));
	}
	/* What the file describes and the table does not serve is left out:
	 * /doc never offers a route that answers 404. */
	json_object_foreach_safe(paths, tmp, key, item) {
		const char	*mk;
		json_t		*v;
		void		*t2;

		json_object_foreach_safe(item, t2, mk, v) {
			served = 0;
			for (i = 0; i < R_MAX && !served; i++) {
				doc_path(routes[i].path, path, sizeof(path));
				doc_lower(http_method_name(routes[i].method),
				    m, sizeof(m));
				served = strcmp(path, key) == 0 &&
				    strcmp(m, mk) == 0;
			}
			if (!served)
				json_object_del(item, mk);
		}
		if (json_object_size(item) == 0)
			json_object_del(paths, key);
	}
	sec = json_pack("{s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}, "
	    "s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}}",
	    "masterAuth", "type", "apiKey", "in", "header", "name",
	    "X-Master-Password",
	    "sessionAuth", "type", "http", "scheme", "bearer",
	    "bearerFormat", "wai_sess_ JWT",
	    "ownerAuth", "type", "apiKey", "in", "header", "name",
	    "X-Owner-Signature",
	    "metricsAuth", "type", "http", "scheme", "bearer",
	    "bearerFormat", "[security] metrics_token");
	if (sec == NULL || json_object_get(j, "components") == NULL)
		fatalx("api/openapi.json: no components");
	json_object_set_new(json_object_get(j, "components"),
	    "securitySchemes", sec);
	if ((d = json_dumps(j, JSON_COMPACT)) == NULL)
		fatalx("doc");
	json_decref(j);
	return d;
}

static char	*doc;
static size_t	 doclen;

/* At start, so that no request waits for the build. */
void
api_doc_init(void)
{
	doc = doc_build();
	doclen = strlen(doc);
}

void
api_doc(struct http_req *req, const struct route *rt, const char *param,
    size_t plen)
{
	(void)rt;
	(void)param;
	(void)plen;
	http_reply(req, 200, NULL, doc, doclen);
}
