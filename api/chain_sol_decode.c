/*
 * What a Solana node answers, read with bounds: base58 keys, u64
 * numbers, RpcResponse values, account data (base64, owner checked) and
 * transaction errors in words; and how accounts are asked for.
 * Everything a node says is untrusted: a field of the wrong type,
 * length or range is an error, never a guess.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "base58.h"
#include "chain_sol.h"
#include "util.h"

#define SOL_DATA_MAX		(64 * 1024)	/* account data we decode */

const char	sol_tok58_classic[] =
	    "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
const char	sol_tok58_2022[] =
	    "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb";

/* A string of exactly 32 bytes in base58. */
int
sol_key58(const char *s, uint8_t out[SOL_KEY_LEN])
{
	size_t	len;

	if (s == NULL || (len = strlen(s)) < 32 || len > 44)
		return -1;
	if (base58_decode(s, len, out, SOL_KEY_LEN) != SOL_KEY_LEN)
		return -1;
	return 0;
}

int
sol_json_key(const json_t *v, uint8_t out[SOL_KEY_LEN])
{
	return json_is_string(v) ? sol_key58(json_string_value(v), out) : -1;
}

void
sol_enc58(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	size_t	n;

	n = base58_encode(in, len, out, outlen);
	if (n >= outlen)
		n = 0;
	out[n] = '\0';
}

/*
 * A JSON number that is a u64.  Integers as jansson has them (signed 64
 * bits); a real only if integral and exact (a client decoding big
 * integers as reals).
 */
int
sol_json_u64(const json_t *v, uint64_t *out)
{
	double	d;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return -1;
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		d = json_real_value(v);
		if (!(d >= 0 && d <= 9007199254740992.0) ||
		    d != (double)(uint64_t)d)
			return -1;
		*out = (uint64_t)d;
		return 0;
	}
	return -1;
}

/* The "value" member of an RpcResponse ({context, value}). */
json_t *
sol_rpc_value(json_t *result)
{
	if (!json_is_object(result) ||
	    !json_is_object(json_object_get(result, "context")))
		return NULL;
	return json_object_get(result, "value");
}

/*
 * An account of getAccountInfo with base64 data: owner and data checked,
 * data decoded (malloc'd, at most SOL_DATA_MAX bytes).
 */
int
sol_acct_data(json_t *acct, uint8_t owner[SOL_KEY_LEN], uint8_t **data,
    size_t *len)
{
	json_t		*d;
	const char	*b64, *end;
	size_t		 b64len, max;
	uint64_t	 lamports;

	*data = NULL;
	if (!json_is_object(acct) ||
	    sol_json_key(json_object_get(acct, "owner"), owner) == -1 ||
	    sol_json_u64(json_object_get(acct, "lamports"), &lamports) == -1)
		return -1;
	d = json_object_get(acct, "data");
	if (!json_is_array(d) || json_array_size(d) != 2 ||
	    !json_is_string(json_array_get(d, 0)) ||
	    !json_is_string(json_array_get(d, 1)) ||
	    strcmp(json_string_value(json_array_get(d, 1)), "base64") != 0)
		return -1;
	b64 = json_string_value(json_array_get(d, 0));
	b64len = strlen(b64);
	max = b64len / 4 * 3;
	if (b64len % 4 != 0 || max > SOL_DATA_MAX)
		return -1;
	if ((*data = malloc(max + 1)) == NULL)
		return -1;
	if (sodium_base642bin(*data, max + 1, b64, b64len, NULL, len, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || end != b64 + b64len) {
		free(*data);
		*data = NULL;
		return -1;
	}
	return 0;
}

const struct rpc_endpoint *
sol_endpoint(struct chain_net *n)
{
	if (n->ep.url == NULL) {
		n->ep.url = n->url;
		n->ep.resolve = n->resolve;
	}
	return &n->ep;
}

/* getAccountInfo(key, base64) at "confirmed". */
json_t *
sol_account_params(const char *key58s)
{
	return json_pack("[s,{s:s,s:s}]", key58s, "encoding", "base64",
	    "commitment", "confirmed");
}

/*
 * A transaction error as the node encodes it, in words:
 * "InsufficientFundsForFee", {"InstructionError":[0,{"Custom":1}]} ...
 */
void
sol_tx_err_text(const json_t *err, char *buf, size_t len)
{
	const json_t	*ie, *v;
	char		*s;

	if (json_is_string(err)) {
		chain_fmt(buf, len, "%s", json_string_value(err));
		return;
	}
	ie = json_object_get(err, "InstructionError");
	if (json_is_array(ie) && json_array_size(ie) == 2 &&
	    json_is_integer(json_array_get(ie, 0))) {
		v = json_array_get(ie, 1);
		if (json_is_string(v)) {
			chain_fmt(buf, len, "instruction %" JSON_INTEGER_FORMAT
			    ": %s", json_integer_value(json_array_get(ie, 0)),
			    json_string_value(v));
			return;
		}
		if (json_is_integer(json_object_get(v, "Custom"))) {
			chain_fmt(buf, len, "instruction %" JSON_INTEGER_FORMAT
			    ": custom program error 0x%" JSON_INTEGER_FORMAT
			    "x", json_integer_value(json_array_get(ie, 0)),
			    json_integer_value(json_object_get(v, "Custom")));
			return;
		}
	}
	if ((s = json_dumps(err, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL) {
		strlcpy(buf, "unknown error", len);
		return;
	}
	chain_fmt(buf, len, "%s", s);
	free(s);
}
