/*
 * libFuzzer target for what the api checks before policyd sees a
 * request: the query table and every route's body shape check, through
 * api_dispatch() as api_request() calls it.  An input is a request line
 * "METHOD /path?query", a newline, and the body.  tests/fuzz/api_sink.c
 * records the outcome instead of sending it.
 *
 * Every request must end exactly once: forwarded (with a JSON object on
 * a route that takes a body, nothing on one that does not, which was
 * sent at most an empty object), refused with the documented 400 and at
 * least one {path, message} issue, or answered by the api itself.  A
 * query is refused if and only if a plain reading of the query table
 * says it is bad, and ?dryRun= reaches policyd as the body's dryRun.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_sink.h"
#include "routes.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define HEXDIGITS	"0123456789abcdefABCDEF"

/* The routes whose shape check reads a body. */
static const int body_routes[] = {
	R_WALLET_CREATE, R_WALLET_IMPORT, R_SESSION_CREATE, R_POLICY_CREATE,
	R_POLICY_UPDATE, R_OWNER_SET, R_WALLET_RENAME, R_TX_SEND,
	R_TX_SIMULATE, R_TX_SIGN_MESSAGE, R_ADMIN_NOTIFY_TEST,
	R_ADMIN_MASTER_PASSWORD, R_ADMIN_MASTER_PASSWORD_PUT, R_ADMIN_RECOVER,
	R_MCP_TOKEN, R_TOKEN_ADD, R_TOKEN_REMOVE, R_UTILS_ENCODE_CALLDATA,
	R_TX_SIGN,
	R_ADMIN_SETTINGS_PUT,
	R_WALLET_PATCH, R_WALLET_SUSPEND, R_SESSION_LINK,
};

static int
takes_body(int route)
{
	size_t	i;

	for (i = 0; i < sizeof(body_routes) / sizeof(body_routes[0]); i++)
		if (body_routes[i] == route)
			return 1;
	return 0;
}

/* What policyd may rely on in a PUT /v1/admin/settings body. */
static int
settings_ok(json_t *b)
{
	json_t		*l = json_object_get(b, "settings"), *e, *k, *v;
	size_t		 i;

	if (json_object_size(b) != 1 || !json_is_array(l) ||
	    json_array_size(l) == 0 || json_array_size(l) > SETTINGS_PUT_MAX)
		return 0;
	json_array_foreach(l, i, e) {
		k = json_object_get(e, "key");
		v = json_object_get(e, "value");
		if (json_object_size(e) != 2 || !json_is_string(k) ||
		    !json_is_string(v) || json_string_length(k) == 0 ||
		    json_string_length(k) > SETTING_NAME_MAX ||
		    json_string_length(v) > SETTING_PUT_VALUE_MAX ||
		    strlen(json_string_value(k)) != json_string_length(k) ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return 0;
	}
	return 1;
}

/* A route without a shape check takes none: only blanks or {} pass. */
static int
no_body(const char *b, size_t len)
{
	json_t	*j;
	size_t	 i;
	int	 ok;

	for (i = 0; i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' ||
	    b[i] == '\n'); i++)
		;
	if (i == len)
		return 1;
	if ((j = json_loadb(b, len, 0, NULL)) == NULL)
		return 0;
	ok = json_is_object(j) && json_object_size(j) == 0;
	json_decref(j);
	return ok;
}

static int
is_uuid(const char *s, size_t len)
{
	size_t	i;

	if (len != 36)
		return 0;
	for (i = 0; i < len; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' :
		    strchr("0123456789abcdef", s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}

static int
value_ok(const struct route_query *q, const char *v, size_t len)
{
	char		 buf[32], *end;
	const char	*n, *e;
	long long	 x;
	size_t		 i;

	switch (q->kind) {
	case QK_ID:
		return is_uuid(v, len);
	case QK_INT:
		if (len == 0 || len > 15)
			return 0;
		for (i = 0; i < len; i++)
			if (v[i] < '0' || v[i] > '9')
				return 0;
		memcpy(buf, v, len);
		buf[len] = '\0';
		x = strtoll(buf, &end, 10);
		return x >= q->lo && x <= q->hi;
	case QK_BOOL:
		return (len == 4 && memcmp(v, "true", 4) == 0) ||
		    (len == 5 && memcmp(v, "false", 5) == 0);
	case QK_ENUM:
		for (n = q->set; *n != '\0'; n = *e ? e + 1 : e) {
			e = strchr(n, '|');
			if (e == NULL)
				e = n + strlen(n);
			if ((size_t)(e - n) == len && len > 0 &&
			    memcmp(n, v, len) == 0)
				return 1;
		}
		return 0;
	case QK_TEXT:
		if ((long long)len < q->lo || (long long)len > q->hi)
			return 0;
		for (i = 0; i < len; i++) {
			if (v[i] == '\0' || strchr(q->set, v[i]) == NULL)
				return 0;
			/* a '%' the set takes starts an escape, not %00 */
			if (v[i] == '%' && (i + 2 >= len ||
			    strchr(HEXDIGITS, v[i + 1]) == NULL ||
			    strchr(HEXDIGITS, v[i + 2]) == NULL ||
			    memcmp(v + i + 1, "00", 2) == 0))
				return 0;
		}
		return 1;
	default:
		return 0;
	}
}

/* A plain reading of the table: is this query one the route takes? */
static int
query_ok(int route, const char *q, size_t qlen)
{
	const struct route_query	*rq, *seen[64];
	const char			*p, *e, *eq, *end;
	size_t				 n = 0, i, j;

	if (q == NULL)
		return 1;
	end = q + qlen;
	for (p = q; p < end; p = e + 1) {
		if ((e = memchr(p, '&', (size_t)(end - p))) == NULL)
			e = end;
		if (e == p)
			continue;
		if ((eq = memchr(p, '=', (size_t)(e - p))) == NULL)
			return 0;
		if ((rq = route_query(route, p, (size_t)(eq - p))) == NULL ||
		    rq->kind == QK_UNSUPPORTED ||
		    !value_ok(rq, eq + 1, (size_t)(e - eq - 1)))
			return 0;
		for (i = 0; i < n; i++)
			if (seen[i] == rq)
				return 0;
		if (n == 64)
			abort();
		seen[n++] = rq;
	}
	for (i = 0; i < n; i++) {
		if (seen[i]->needs == NULL)
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(seen[j]->key, seen[i]->needs) == 0)
				break;
		if (j == n)
			return 0;
	}
	return 1;
}

static const char *
sval(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* The documented 400: code, message, requestId, retryable, issues. */
static void
check_refusal(const json_t *a, const char *id)
{
	const json_t	*issues, *i, *path, *e;
	size_t		 k, m;

	if (!json_is_object(a) || strcmp(sval(a, "code"),
	    "VALIDATION_FAILED") != 0 ||
	    !json_is_string(json_object_get(a, "message")) ||
	    strcmp(sval(a, "requestId"), id) != 0 ||
	    !json_is_false(json_object_get(a, "retryable")))
		abort();
	issues = json_object_get(json_object_get(a, "details"), "issues");
	if (!json_is_array(issues) || json_array_size(issues) == 0)
		abort();
	json_array_foreach(issues, k, i) {
		path = json_object_get(i, "path");
		if (!json_is_array(path) || json_string_length(
		    json_object_get(i, "message")) == 0)
			abort();
		json_array_foreach(path, m, e)
			if (!json_is_string(e) && !json_is_integer(e))
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct {
		const char	*name;
		int		 method;
	} methods[] = {
		{ "GET ", HTTP_GET }, { "POST ", HTTP_POST },
		{ "PUT ", HTTP_PUT }, { "DELETE ", HTTP_DELETE },
		{ "PATCH ", HTTP_PATCH },
	};
	const struct route	*rt;
	struct http_req		 req;
	const char		*nl, *t, *qm, *param, *dry;
	char			*target, *body;
	size_t			 i, tlen, plen, dlen;
	int			 allowed, qgood, ends;
	json_t			*b;

	if ((nl = memchr(data, '\n', size)) == NULL)
		return 0;
	memset(&req, 0, sizeof(req));
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if ((size_t)(nl - (const char *)data) >=
		    strlen(methods[i].name) && memcmp(data, methods[i].name,
		    strlen(methods[i].name)) == 0)
			break;
	if (i == sizeof(methods) / sizeof(methods[0]))
		return 0;
	req.head.method = methods[i].method;
	t = (const char *)data + strlen(methods[i].name);
	tlen = (size_t)(nl - t);
	/* What the HTTP parser lets through: printable ASCII, bounded. */
	if (tlen == 0 || *t != '/' || tlen > HTTP_TARGET_MAX)
		return 0;
	for (i = 0; i < tlen; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
			return 0;
	/* Exact-size copies, so ASan sees any read past either. */
	req.bodylen = size - (size_t)(nl + 1 - (const char *)data);
	if ((target = malloc(tlen)) == NULL ||
	    (body = malloc(req.bodylen > 0 ? req.bodylen : 1)) == NULL)
		abort();
	memcpy(target, t, tlen);
	memcpy(body, nl + 1, req.bodylen);
	req.body = body;
	req.head.path = target;
	if ((qm = memchr(target, '?', tlen)) != NULL) {
		req.head.pathlen = (size_t)(qm - target);
		req.head.query = qm + 1;
		req.head.querylen = tlen - req.head.pathlen - 1;
	} else
		req.head.pathlen = tlen;
	snprintf(req.id, sizeof(req.id), "01900000-0000-7000-8000-%012d",
	    (int)(size % 1000000));

	rt = route_match(req.head.method, req.head.path, req.head.pathlen,
	    &param, &plen, &allowed);
	if (rt == NULL)
		goto out;
	req.route = rt;
	req.param = param;
	req.paramlen = plen;
	api_sink_reset();
	api_dispatch(&req, rt, param, plen);

	ends = api_sink.forwarded + api_sink.refused + api_sink.answered;
	if (ends != 1)
		abort();
	qgood = req.head.querylen <= API_QUERY_MAX &&
	    query_ok(rt->id, req.head.query, req.head.querylen);
	if (api_sink.answered) {
		if (api_sink.status == 414 ?
		    req.head.querylen <= API_QUERY_MAX :
		    !qgood || (!api_page_route(rt->id) && rt->id != R_MCP &&
		    rt->id != R_SKILL))
			abort();
	} else if (api_sink.refused) {
		check_refusal(api_sink.answer, req.id);
		/* Only a body can be wrong where the query is good: on a
		 * route that takes none, a body that is more than {}. */
		if (qgood && !takes_body(rt->id) &&
		    no_body(req.body, req.bodylen))
			abort();
	} else {
		b = api_sink.body;
		if (!qgood || api_sink.route != rt || api_sink.param != param ||
		    api_sink.plen != plen)
			abort();
		if (b != NULL && !json_is_object(b))
			abort();
		if (!takes_body(rt->id) && !no_body(req.body, req.bodylen))
			abort();
		/* Optional bodies: none, or recover's {} (master alone). */
		if (takes_body(rt->id) != (b != NULL) &&
		    !((rt->id == R_ADMIN_NOTIFY_TEST ||
		    rt->id == R_WALLET_SUSPEND) && req.bodylen == 0) &&
		    rt->id != R_ADMIN_RECOVER)
			abort();
		if (b != NULL)
			free(json_dumps(b, JSON_COMPACT));
		if (rt->id == R_ADMIN_SETTINGS_PUT && !settings_ok(b))
			abort();
		/* ?dryRun= reaches policyd as the body's dryRun. */
		dry = rt->id == R_TX_SEND ? api_query_value(&req, "dryRun",
		    &dlen) : NULL;
		if (dry != NULL && json_is_true(json_object_get(b,
		    "dryRun")) != (dlen == 4))
			abort();
	}
	api_sink_reset();
out:
	free(target);
	free(body);
	return 0;
}
