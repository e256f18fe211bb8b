/*
 * libFuzzer target for the MCP message parser (common/mcp.c), as the
 * api's /mcp and `waiaas mcp` call it.  An input is the message, then
 * optionally a NUL byte, the REST status's last two digits' selector
 * and the REST answer's body.
 *
 * Every message ends in exactly one outcome: nothing (a notification or
 * a response), a JSON-RPC response (jsonrpc "2.0", result or error,
 * never both; a message not parsed has a null id), or a REST call whose
 * target is printable ASCII without spaces and names either no route
 * or a session (or open) route of the table with the same method, never
 * a master or owner route.  The call's answer, whatever the REST body,
 * becomes a tool result: content[0].text a string, isError a boolean.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcp.h"
#include "routes.h"
#include "wipe.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_response(json_t *out, int null_id)
{
	json_t		*id;
	const char	*v;

	v = json_string_value(json_object_get(out, "jsonrpc"));
	if (!json_is_object(out) || v == NULL || strcmp(v, "2.0") != 0)
		abort();
	if ((json_object_get(out, "result") != NULL) ==
	    (json_object_get(out, "error") != NULL))
		abort();
	id = json_object_get(out, "id");
	if (id == NULL || (null_id && !json_is_null(id)))
		abort();
	wipe_free(json_dumps(out, JSON_COMPACT));
}

static void
check_call(struct mcp_call *c)
{
	const struct route	*rt;
	const char		*q, *param;
	size_t			 i, plen;
	int			 method, allowed;

	if (c->target[0] != '/')
		abort();
	for (i = 0; c->target[i] != '\0'; i++)
		if ((unsigned char)c->target[i] <= 0x20 ||
		    (unsigned char)c->target[i] >= 0x7f)
			abort();
	method = strcmp(c->method, "POST") == 0 ? HTTP_POST : HTTP_GET;
	if ((method == HTTP_POST) != (c->body != NULL))
		abort();
	if (c->body != NULL && !json_is_object(c->body))
		abort();
	q = strchr(c->target, '?');
	rt = route_match(method, c->target, q != NULL ?
	    (size_t)(q - c->target) : strlen(c->target), &param, &plen,
	    &allowed);
	if (rt != NULL && rt->auth != AUTH_SESSION && rt->auth != AUTH_NONE &&
	    rt->auth != AUTH_MASTER_OR_SESSION)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long	 statuses[] = { 0, 200, 201, 400, 401, 403,
				    404, 409, 500, 503 };
	const uint8_t		*nul;
	struct mcp_call		 c;
	enum mcp_kind		 k;
	json_t			*out, *ans, *r, *content;
	size_t			 mlen = size;
	long			 st = 200;
	char			*msg;

	static int		 init;

	/* As the api and the CLI run it: mcp.c frees with wipe_free(). */
	if (!init) {
		wipe_install();
		init = 1;
	}
	if ((nul = memchr(data, '\0', size)) != NULL)
		mlen = (size_t)(nul - data);
	/* An exact-size copy, so ASan sees a read past it. */
	if ((msg = malloc(mlen > 0 ? mlen : 1)) == NULL)
		abort();
	memcpy(msg, data, mlen);
	k = mcp_message(msg, mlen, size % 3 == 0 ? "w-default" : NULL, &out,
	    &c);
	free(msg);
	switch (k) {
	case MCP_NOTHING:
		if (out != NULL || c.body != NULL || c.id != NULL)
			abort();
		return 0;
	case MCP_ANSWER:
	case MCP_INVALID:
		if (c.body != NULL || c.id != NULL)
			abort();
		check_response(out, k == MCP_INVALID);
		json_decref(out);
		return 0;
	case MCP_CALL:
		break;
	default:
		abort();
	}
	check_call(&c);
	ans = NULL;
	if (nul != NULL && nul + 1 < data + size) {
		st = statuses[nul[1] % (sizeof(statuses) /
		    sizeof(statuses[0]))];
		ans = json_loadb((const char *)nul + 2,
		    (size_t)(data + size - nul - 2), 0, NULL);
	}
	r = mcp_result(&c, st, ans, st == 0 ? "no answer" : NULL);
	json_decref(ans);
	check_response(r, 0);
	content = json_array_get(json_object_get(json_object_get(r,
	    "result"), "content"), 0);
	if (!json_is_string(json_object_get(content, "text")) ||
	    !json_is_boolean(json_object_get(json_object_get(r, "result"),
	    "isError")))
		abort();
	json_decref(r);
	return 0;
}
