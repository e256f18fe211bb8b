/*
 * POST /v1/utils/encode-calldata: a function call's calldata from a JSON
 * ABI (chain/abi.c), for a session to pass to a CONTRACT_CALL.  Nothing
 * is stored or signed; the api has checked the body's shape.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "abi.h"
#include "log.h"
#include "policyd.h"

void
utils_encode_calldata(struct pd_ctx *c)
{
	struct abi_call	 call;
	const char	*fn;
	char		*hex, sel[11];
	json_t		*r;

	fn = json_string_value(json_object_get(c->body, "functionName"));
	if (abi_encode_call(json_object_get(c->body, "abi"), fn,
	    json_object_get(c->body, "args"), &call) == -1) {
		pd_fail(c->peerid, 400, "ABI_ENCODING_FAILED", call.err, 0);
		return;
	}
	/* "0x" and two digits a byte; sodium_bin2hex writes the NUL */
	if ((hex = malloc(2 * call.len + 3)) == NULL)
		fatal("malloc");
	hex[0] = '0';
	hex[1] = 'x';
	sodium_bin2hex(hex + 2, 2 * call.len + 1, call.data, call.len);
	memcpy(sel, hex, 10);
	sel[10] = '\0';
	r = json_pack("{s:s, s:s, s:s}", "calldata", hex, "selector", sel,
	    "functionName", fn);
	free(hex);
	abi_call_free(&call);
	pd_reply_json(c->peerid, 200, r);
}
