/*
 * What the api checks before policyd sees a request: the query against
 * the route's row of the query table (common/routes.c), then the body
 * through the route's shape check.  Every request ends in exactly one of
 * api_forward() (with a JSON object or no body), api_refuse() (the
 * documented 400 with details.issues) or an answer the api gives itself
 * (health, /doc, the pages).  Nothing here touches the event
 * loop, so the fuzz target links this file and the shape checks alone.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "errcodes.h"
#include "keystore.h"
#include "log.h"
#include "util.h"

/*
 * What the api does with each route before policyd sees it: check the
 * shape of the body and forward.  A route with no entry here is
 * forwarded as it is (no body); the auth is in the route table.
 */
static void (*const api_handlers[R_MAX])(struct http_req *,
    const struct route *, const char *, size_t) = {
	[R_HEALTH] = api_health,
	[R_DOC] = api_doc,
	[R_REFERENCE] = api_reference_page,
	[R_SKILL] = api_skill,
	[R_MCP] = api_mcp,
	[R_WALLET_CREATE] = api_wallets_create,
	[R_WALLET_IMPORT] = api_wallets_import,
	[R_SESSION_CREATE] = api_sessions_create,
	[R_MCP_TOKEN] = api_mcp_token,
	[R_POLICY_CREATE] = api_policies_create,
	[R_POLICY_UPDATE] = api_policies_update,
	[R_OWNER_SET] = api_owner_set,
	[R_WALLET_RENAME] = api_wallets_rename,
	[R_WALLET_PATCH] = api_wallets_patch,
	[R_WALLET_SUSPEND] = api_wallets_suspend,
	[R_SESSION_LINK] = api_sessions_link,
	[R_TX_SEND] = api_tx_send,
	[R_TX_SIMULATE] = api_tx_send,
	[R_TX_SIGN_MESSAGE] = api_tx_sign_message,
	[R_TX_SIGN] = api_tx_sign,
	[R_APPROVE_PAGE] = api_approve_page,
	[R_ADMIN_PAGE] = api_admin_page,
	[R_ADMIN_JS] = api_admin_page,
	[R_ADMIN_CSS] = api_admin_page,
	[R_ADMIN_NOTIFY_TEST] = api_notify_test,
	[R_ADMIN_MASTER_PASSWORD] = api_master_password,
	[R_ADMIN_MASTER_PASSWORD_PUT] = api_master_password,
	[R_ADMIN_RECOVER] = api_recover,
	[R_ADMIN_SETTINGS_PUT] = api_settings_put,
	[R_TOKEN_ADD] = api_tokens_add,
	[R_TOKEN_REMOVE] = api_tokens_remove,
	[R_WEBHOOK_CREATE] = api_webhooks_create,
	[R_UTILS_ENCODE_CALLDATA] = api_encode_calldata,
	[R_X402_FETCH] = api_x402_fetch,
};

#define QUERY_ISSUES_MAX	20

/* A decimal of at most 15 digits from lo to hi. */
static int
query_int(const char *s, size_t len, long long lo, long long hi)
{
	long long	v = 0;
	size_t		i;

	if (len == 0 || len > 15)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v >= lo && v <= hi;
}

static int
all_of(const char *s, size_t len, const char *set)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return 0;
		/* where '%' is allowed, as an escape %XX (never %00) */
		if (s[i] == '%' && (len - i < 3 ||
		    !isxdigit((unsigned char)s[i + 1]) ||
		    !isxdigit((unsigned char)s[i + 2]) ||
		    (s[i + 1] == '0' && s[i + 2] == '0')))
			return 0;
	}
	return 1;
}

/* One of the '|'-separated names of set. */
static int
query_enum(const char *set, const char *s, size_t len)
{
	const char	*e;

	for (; *set != '\0'; set = *e != '\0' ? e + 1 : e) {
		if ((e = strchr(set, '|')) == NULL)
			e = set + strlen(set);
		if ((size_t)(e - set) == len && len > 0 &&
		    memcmp(set, s, len) == 0)
			return 1;
	}
	return 0;
}

/* What a value of q's kind looks like, for the issue. */
static void
query_expect(const struct route_query *q, char *buf, size_t len)
{
	size_t	i, n;

	switch (q->kind) {
	case QK_ID:
		snprintf(buf, len, "an id (a lowercase UUID)");
		break;
	case QK_INT:
		snprintf(buf, len, "an integer from %lld to %lld", q->lo,
		    q->hi);
		break;
	case QK_BOOL:
		snprintf(buf, len, "true or false");
		break;
	case QK_ENUM:
		n = (size_t)snprintf(buf, len, "one of ");
		for (i = 0; q->set[i] != '\0' && n + 3 < len; i++) {
			if (q->set[i] != '|')
				buf[n++] = q->set[i];
			else if (q->set[i + 1] != '\0') {
				buf[n++] = ',';
				buf[n++] = ' ';
			}
		}
		buf[n] = '\0';
		break;
	case QK_TEXT:
		snprintf(buf, len, "%lld to %lld of %s", q->lo, q->hi,
		    q->what);
		break;
	default:
		snprintf(buf, len, "%s", q->what);
		break;
	}
}

static int
query_valid(const struct route_query *q, const char *v, size_t len)
{
	switch (q->kind) {
	case QK_ID:
		return ks_valid_id(v, len);
	case QK_INT:
		return query_int(v, len, q->lo, q->hi);
	case QK_BOOL:
		return (len == 4 && memcmp(v, "true", 4) == 0) ||
		    (len == 5 && memcmp(v, "false", 5) == 0);
	case QK_ENUM:
		return query_enum(q->set, v, len);
	case QK_TEXT:
		return (long long)len >= q->lo && (long long)len <= q->hi &&
		    all_of(v, len, q->set);
	default:
		return 0;
	}
}

/* The keys rt takes, for an unknown one's issue. */
static void
query_known(int route, char *buf, size_t len)
{
	size_t	i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < route_nqueries; i++) {
		if (route_queries[i].route != route ||
		    route_queries[i].kind == QK_UNSUPPORTED)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n > 0 ?
		    ", " : "unknown query parameter; this route takes ",
		    route_queries[i].key);
		if (n >= len)
			return;
	}
	if (n == 0)
		snprintf(buf, len, "unknown query parameter; this route "
		    "takes none");
}

/*
 * Walk the query: each key=value once, each key one of the route's.
 * Returns the issues found (an empty array when the query is good).
 */
static json_t *
query_check(const struct http_req *req, const struct route *rt)
{
	const struct route_query	*q, *seen[32];
	const char			*p, *e, *eq, *end, *v;
	char				 key[65], msg[400];
	struct api_issues		 is;
	size_t				 kl, vl, nseen = 0, i;

	is.hint = NULL;
	if ((is.list = json_array()) == NULL)
		fatalx("json_array");
	p = req->head.query;
	end = p != NULL ? p + req->head.querylen : NULL;
	for (; p != NULL && p < end &&
	    json_array_size(is.list) < QUERY_ISSUES_MAX; p = e + 1) {
		if ((e = memchr(p, '&', (size_t)(end - p))) == NULL)
			e = end;
		if (e == p)
			continue;	/* "a=1&&b=2", a trailing '&' */
		if ((eq = memchr(p, '=', (size_t)(e - p))) == NULL)
			eq = e;
		kl = (size_t)(eq - p);
		v = eq < e ? eq + 1 : e;
		vl = (size_t)(e - v);
		snprintf(key, sizeof(key), "%.*s", (int)(kl < 64 ? kl : 64),
		    p);
		if ((q = route_query(rt->id, p, kl)) == NULL) {
			query_known(rt->id, msg, sizeof(msg));
			api_issue(&is, key, msg);
			continue;
		}
		for (i = 0; i < nseen && seen[i] != q; i++)
			;
		if (i < nseen) {
			api_issue(&is, key, "given more than once");
			continue;
		}
		if (nseen == nitems(seen))
			fatalx("route %s takes too many query keys", rt->name);
		seen[nseen++] = q;
		if (q->kind == QK_UNSUPPORTED || eq == e ||
		    !query_valid(q, v, vl)) {
			query_expect(q, msg, sizeof(msg));
			api_issue(&is, key, msg);
		}
	}
	/* A key valid only with another. */
	for (i = 0; i < nseen; i++)
		if (seen[i]->needs != NULL && api_query_value(req,
		    seen[i]->needs, &vl) == NULL) {
			snprintf(msg, sizeof(msg), "only with %s",
			    seen[i]->needs);
			api_issue(&is, seen[i]->key, msg);
		}
	return is.list;
}

/*
 * A key's raw value in the query (the first, for a query not yet
 * checked), or NULL; "" for a key without '='.
 */
const char *
api_query_value(const struct http_req *req, const char *key, size_t *len)
{
	const char	*p = req->head.query, *end, *e, *eq;
	size_t		 kl = strlen(key);

	end = p != NULL ? p + req->head.querylen : NULL;
	for (; p != NULL && p < end; p = e + 1) {
		if ((e = memchr(p, '&', (size_t)(end - p))) == NULL)
			e = end;
		if ((eq = memchr(p, '=', (size_t)(e - p))) == NULL)
			eq = e;
		if ((size_t)(eq - p) != kl || memcmp(p, key, kl) != 0)
			continue;
		*len = eq < e ? (size_t)(e - eq - 1) : 0;
		return eq < e ? eq + 1 : e;
	}
	return NULL;
}

/*
 * A route without a shape check takes no body.  An empty one, or an
 * empty JSON object (what some clients send with every POST), is let
 * through; anything else is refused rather than silently ignored.
 */
static int
body_none(const struct http_req *req)
{
	json_t	*j;
	size_t	 i;
	int	 ok;

	for (i = 0; i < req->bodylen; i++)
		if (req->body[i] != ' ' && req->body[i] != '\t' &&
		    req->body[i] != '\r' && req->body[i] != '\n')
			break;
	if (i == req->bodylen)
		return 1;
	if ((j = json_loadb(req->body, req->bodylen, 0, NULL)) == NULL)
		return 0;
	ok = json_is_object(j) && json_object_size(j) == 0;
	json_decref(j);
	return ok;
}

/*
 * The routes the api answers itself with the same bytes for everyone
 * (health, /doc, the pages): they take no Idempotency-Key.
 */
int
api_page_route(int id)
{
	switch (id) {
	case R_HEALTH:
	case R_DOC:
	case R_REFERENCE:
	case R_APPROVE_PAGE:
	case R_ADMIN_PAGE:
	case R_ADMIN_JS:
	case R_ADMIN_CSS:
		return 1;
	default:
		return 0;
	}
}

/*
 * The route is matched: check the query, then let the route's shape
 * check have the body (or forward it as it is).
 */
void
api_dispatch(struct http_req *req, const struct route *rt, const char *param,
    size_t plen)
{
	struct api_issues	is;
	char			idem[IDEM_KEY_MAX + 1];

	if (req->head.querylen > API_QUERY_MAX) {
		/* Like a target too long for the parser: before auth. */
		http_error(req, 414, "URI_TOO_LONG", "query string too long",
		    0, NULL);
		return;
	}
	is.list = query_check(req, rt);
	is.hint = NULL;
	if (!api_page_route(rt->id) && !api_idem_key(req, idem))
		api_issue(&is, "Idempotency-Key", "must be 1 to 255 printable "
		    "ASCII characters");
	if (api_handlers[rt->id] == NULL && !body_none(req))
		api_issue(&is, "body", "this route takes no body (at most {})");
	if (api_issues_reply(req, &is))
		return;
	if (api_handlers[rt->id] != NULL)
		api_handlers[rt->id](req, rt, param, plen);
	else
		api_forward(req, rt, param, plen, NULL);
}

/*
 * The Idempotency-Key header into out: 1 if absent or well formed (1 to
 * IDEM_KEY_MAX printable ASCII characters), 0 if not; out holds
 * IDEM_KEY_MAX + 1 bytes.
 */
int
api_idem_key(const struct http_req *req, char *out)
{
	const char	*v;
	size_t		 len, i;

	out[0] = '\0';
	if ((v = http_header(&req->head, "idempotency-key", &len)) == NULL)
		return 1;
	if (len == 0 || len > IDEM_KEY_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
			return 0;
	memcpy(out, v, len);
	out[len] = '\0';
	return 1;
}

json_t *
api_parse_body(struct http_req *req, struct api_issues *is)
{
	json_error_t	 err;
	json_t		*j;
	char		 msg[200];
	size_t		 i;

	is->list = NULL;
	is->hint = NULL;
	j = json_loadb(req->body, req->bodylen, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL || !json_is_object(j)) {
		snprintf(msg, sizeof(msg), "the body must be a JSON object%s%s",
		    j == NULL ? ": " : "", j == NULL ? err.text : "");
		/* jansson quotes the bytes it stopped at, which need not be
		 * UTF-8 (and json_pack refuses what is not): ASCII only. */
		for (i = 0; msg[i] != '\0'; i++)
			if ((unsigned char)msg[i] < 0x20 ||
			    (unsigned char)msg[i] > 0x7e)
				msg[i] = '?';
		json_decref(j);
		if ((is->list = json_array()) == NULL)
			fatalx("json_array");
		api_issue(is, NULL, msg);
		api_issues_reply(req, is);
		return NULL;
	}
	if ((is->list = json_array()) == NULL)
		fatalx("json_array");
	return j;
}

/* An issue at [path], or at [] (the whole body) when path is NULL. */
void
api_issue(struct api_issues *is, const char *path, const char *message)
{
	json_t	*i;

	if (path != NULL)
		i = json_pack("{s:[s], s:s}", "path", path, "message",
		    message);
	else
		i = json_pack("{s:[], s:s}", "path", "message", message);
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

/*
 * A field the reference documents for a feature this daemon does not
 * have: refused with the reason, and taken out so api_only_fields does
 * not call it unknown as well.
 */
void
api_unsupported(json_t *obj, struct api_issues *is, const char *key,
    const char *why)
{
	char	msg[256];

	if (json_object_get(obj, key) == NULL)
		return;
	snprintf(msg, sizeof(msg), "not supported by this daemon: %s", why);
	api_issue(is, key, msg);
	json_object_del(obj, key);
}

/*
 * The end of every shape check: answer the issues found, or forward the
 * canonical body.  Consumes out.
 */
void
api_submit(struct http_req *req, const struct route *rt, const char *param,
    size_t plen, struct api_issues *is, json_t *out)
{
	if (api_issues_reply(req, is)) {
		json_decref(out);
		return;
	}
	api_forward(req, rt, param, plen, out);
}

/* 1 and a 400 answer when there are issues; 0 otherwise. */
int
api_issues_reply(struct http_req *req, struct api_issues *is)
{
	json_t	*j, *v;
	size_t	 i;
	int	 unknown = 0;

	if (json_array_size(is->list) == 0) {
		json_decref(is->list);
		return 0;
	}
	json_array_foreach(is->list, i, v)
		if (strcmp(json_string_value(json_object_get(v, "message")),
		    "unknown field") == 0)
			unknown = 1;
	j = json_pack("{s:s, s:s, s:{s:o}, s:s, s:b}", "code",
	    "VALIDATION_FAILED", "message", "the request is not valid",
	    "details", "issues", is->list, "requestId", req->id,
	    "retryable", 0);
	if (is->hint == NULL && unknown)
		is->hint = ERRHINT_UNKNOWN_FIELD;
	if (j == NULL || (is->hint != NULL && json_object_set_new(j, "hint",
	    json_string(is->hint)) == -1))
		fatalx("json_pack");
	api_refuse(req, j);
	return 1;
}
