/*
 * The JSON-RPC 2.0 messages of the chain clients, apart from any
 * transport: a request's text, and the check of an answer (the version,
 * the id, exactly one of result and error, a well-formed error object),
 * with integers too large for jansson quoted first.  A node's text is
 * untrusted: an error message is kept as printable ASCII, truncated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonrpc.h"
#include "util.h"

#define NODEMSG_MAX	200	/* of a node's error message */

/* Copy untrusted text: printable ASCII only, at most max bytes. */
static void
printable(char *dst, size_t dstlen, const char *src, size_t max)
{
	size_t	i, n = 0;

	for (i = 0; src[i] != '\0' && i < max && n + 1 < dstlen; i++)
		dst[n++] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	if (dstlen > 0)
		dst[n] = '\0';
}

/* A JSON-RPC error object: its code, message and data. */
static int
parse_error(json_t *er, struct rpc_error *e)
{
	json_t	*code, *msg;

	if (!json_is_object(er) ||
	    !json_is_integer(code = json_object_get(er, "code")) ||
	    !json_is_string(msg = json_object_get(er, "message")))
		return -1;
	memset(e, 0, sizeof(*e));
	e->kind = RPC_E_RPC;
	e->code = (long)json_integer_value(code);
	/* -32005: limit exceeded (EIP-1474); 429: some providers. */
	e->retryable = e->code == -32005 || e->code == 429;
	printable(e->message, sizeof(e->message),
	    json_string_value(msg), NODEMSG_MAX);
	e->data = json_object_get(er, "data");
	return 0;
}

/*
 * Integers jansson cannot hold (above 2^63 - 1: Solana's rentEpoch is
 * u64::MAX as a bare number) become strings: every bare integer of 19
 * digits or more is quoted, in a copy.  Returns the copy, or NULL if
 * there is none to quote (or no memory: then jansson refuses the
 * answer as before).
 */
static char *
quote_big_ints(const char *buf, size_t len, size_t *outlen)
{
	size_t	 i, j, k, n = 0, o = 0;
	char	*out;
	int	 instr = 0, esc = 0;

	for (i = 0; i < len; i++) {
		if (instr) {
			if (esc)
				esc = 0;
			else if (buf[i] == '\\')
				esc = 1;
			else if (buf[i] == '"')
				instr = 0;
			continue;
		}
		if (buf[i] == '"') {
			instr = 1;
			continue;
		}
		if (buf[i] != '-' && (buf[i] < '0' || buf[i] > '9'))
			continue;
		for (j = i + 1; j < len && buf[j] >= '0' && buf[j] <= '9'; j++)
			;
		if (j - i - (buf[i] == '-') >= 19 && (j == len ||
		    (buf[j] != '.' && buf[j] != 'e' && buf[j] != 'E')))
			n++;
		i = j - 1;
	}
	if (n == 0 || (out = malloc(len + 2 * n)) == NULL)
		return NULL;
	instr = esc = 0;
	for (i = 0; i < len; i++) {
		if (instr || buf[i] == '"' || (buf[i] != '-' &&
		    (buf[i] < '0' || buf[i] > '9'))) {
			if (instr && esc)
				esc = 0;
			else if (instr && buf[i] == '\\')
				esc = 1;
			else if (buf[i] == '"')
				instr = !instr;
			out[o++] = buf[i];
			continue;
		}
		for (j = i + 1; j < len && buf[j] >= '0' && buf[j] <= '9'; j++)
			;
		k = j - i - (buf[i] == '-') >= 19 && (j == len ||
		    (buf[j] != '.' && buf[j] != 'e' && buf[j] != 'E'));
		if (k)
			out[o++] = '"';
		memcpy(out + o, buf + i, j - i);
		o += j - i;
		if (k)
			out[o++] = '"';
		i = j - 1;
	}
	*outlen = o;
	return out;
}

/*
 * Check an answer (len bytes of buf, which may be NULL) to request id.
 * Returns the parsed document (for the caller to free) with *result set
 * (the "result" member, borrowed), or with *result NULL and e the node's
 * JSON-RPC error; or NULL with e saying what is wrong with the answer.
 */
json_t *
jsonrpc_answer(const char *buf, size_t len, json_int_t id, json_t **result,
    struct rpc_error *e)
{
	json_error_t	 jerr;
	json_t		*root, *v, *res, *er;
	const char	*why;
	char		*q;
	size_t		 qlen;

	*result = NULL;
	if (buf != NULL && (q = quote_big_ints(buf, len, &qlen)) != NULL) {
		root = json_loadb(q, qlen, JSON_REJECT_DUPLICATES, &jerr);
		free(q);
	} else
		root = json_loadb(buf != NULL ? buf : "", len,
		    JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root)) {
		why = "answer is not a JSON object";
		goto bad;
	}
	v = json_object_get(root, "jsonrpc");
	if (!json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0) {
		why = "answer is not JSON-RPC 2.0";
		goto bad;
	}
	v = json_object_get(root, "id");
	if (!json_is_integer(v) || json_integer_value(v) != id) {
		why = "answer is not to this request";
		goto bad;
	}
	res = json_object_get(root, "result");
	er = json_object_get(root, "error");
	if ((res == NULL) == (er == NULL)) {
		why = "answer has not exactly one of result and error";
		goto bad;
	}
	if (er != NULL) {
		if (parse_error(er, e) == -1) {
			why = "answer has a malformed error object";
			goto bad;
		}
		return root;
	}
	*result = res;
	return root;
bad:
	json_decref(root);
	memset(e, 0, sizeof(*e));
	e->kind = RPC_E_GARBAGE;
	strlcpy(e->message, why, sizeof(e->message));
	return NULL;
}

/* The request's text (params NULL: []), taking params; NULL on error. */
char *
jsonrpc_request(json_int_t id, const char *method, json_t *params)
{
	json_t	*req;
	char	*s;

	if (params == NULL)
		params = json_array();
	else if (!json_is_array(params) && !json_is_object(params)) {
		json_decref(params);
		return NULL;
	}
	if (params == NULL)
		return NULL;
	if ((req = json_object()) == NULL) {
		json_decref(params);
		return NULL;
	}
	if (json_object_set_new(req, "jsonrpc", json_string("2.0")) == -1 ||
	    json_object_set_new(req, "id", json_integer(id)) == -1 ||
	    json_object_set_new(req, "method", json_string(method)) == -1 ||
	    json_object_set_new(req, "params", params) == -1) {
		json_decref(req);
		return NULL;
	}
	s = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	return s;
}

/* A method name (or a label) fit for a request and a log line. */
int
jsonrpc_method_ok(const char *m)
{
	size_t	i;

	if (m == NULL || m[0] == '\0' || strlen(m) > JSONRPC_METHOD_MAX)
		return 0;
	for (i = 0; m[i] != '\0'; i++)
		if (m[i] <= 0x20 || m[i] >= 0x7f || m[i] == '"' ||
		    m[i] == '\\')
			return 0;
	return 1;
}
