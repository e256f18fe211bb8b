/*
 * api_docgen: GET /doc's document, made when the api is built rather than
 * each time it starts (parsing and rewriting the 260 KB file took the
 * api a third of its start-up).  The text is api/openapi.json; each
 * route's security and query parameters come from the route table, so
 * what a client reads is what policyd enforces and what the api accepts.
 * Prints a C header with the compact document as one string constant,
 * doc_json, for api_doc.c.  t_conform checks the file against the table
 * and validates the result as OpenAPI 3.
 * usage: api_docgen > doc_json.h
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "routes.h"
#include "util.h"
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

/* The method as an OpenAPI operation key (the api's names, lower case). */
static void
doc_lower(int method, char *out, size_t outsz)
{
	const char	*m;

	switch (method) {
	case HTTP_GET:		m = "get";	break;
	case HTTP_POST:		m = "post";	break;
	case HTTP_PUT:		m = "put";	break;
	case HTTP_DELETE:	m = "delete";	break;
	case HTTP_PATCH:	m = "patch";	break;
	default:		m = "?";	break;
	}
	strlcpy(out, m, outsz);
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
		doc_lower(routes[i].method, m, sizeof(m));
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
				doc_lower(routes[i].method, m, sizeof(m));
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


/* One string constant, 64 bytes of the document to a line. */
static void
emit(const char *d)
{
	size_t	n;

	printf("/* Generated by api_docgen from api/openapi.json and the "
	    "route table:\n * do not edit. */\n");
	printf("static const char doc_json[] =");
	for (n = 0; *d != '\0'; d++, n++) {
		if (n % 64 == 0)
			printf("%s\n    \"", n == 0 ? "" : "\"");
		if (*d == '"' || *d == '\\' || *d == '?')
			putchar('\\');
		if (*d < 0x20 || *d > 0x7e)
			fatalx("api/openapi.json: a byte other than "
			    "printable ASCII");
		putchar(*d);
	}
	printf("%s;\n", n == 0 ? " \"\"" : "\"");
}

int
main(void)
{
	char	*d;

	log_init(LOG_TO_STDERR, LOGL_INFO, "api_docgen");
	d = doc_build();
	emit(d);
	free(d);
	if (fflush(stdout) == EOF || ferror(stdout))
		fatal("stdout");
	return 0;
}
