/*
 * BATCH instructions: their types and shapes (txbatch.h).  What an
 * address or an amount means on the wallet's chain is policyd's to
 * check; here only what any instruction must look like.
 */
#include <string.h>

#include "txbatch.h"

static const char *const names[] = {
	NULL, "TRANSFER", "TOKEN_TRANSFER", "CONTRACT_CALL", "APPROVE"
};

/* The fields each type may have (the batch's own are not among them). */
static const char *const fields[][10] = {
	{ NULL },
	{ "type", "to", "amount", "humanAmount", "memo", "network", NULL },
	{ "type", "to", "amount", "humanAmount", "token", "memo", "network",
	    NULL },
	{ "type", "to", "calldata", "value", "programId", "instructionData",
	    "accounts", "network", NULL },
	{ "type", "spender", "amount", "humanAmount", "token", "network",
	    NULL },
};

int
batch_ix_type(json_t *ix, const char **name, const char **why)
{
	json_t		*t;
	const char	*s;
	int		 i;

	*name = NULL;
	if (!json_is_object(ix)) {
		*why = "an object: the fields of a TRANSFER, TOKEN_TRANSFER, "
		    "CONTRACT_CALL or APPROVE";
		return -1;
	}
	if ((t = json_object_get(ix, "type")) != NULL) {
		s = json_string_value(t);
		for (i = 1; s != NULL && i <= BIX_APPROVE; i++)
			if (strcmp(s, names[i]) == 0) {
				*name = names[i];
				return i;
			}
		*why = "one of TRANSFER, TOKEN_TRANSFER, CONTRACT_CALL, "
		    "APPROVE (a batch holds no batch)";
		return -1;
	}
	if (json_object_get(ix, "spender") != NULL)
		i = BIX_APPROVE;
	else if (json_object_get(ix, "token") != NULL)
		i = BIX_TOKEN;
	else if (json_object_get(ix, "calldata") != NULL ||
	    json_object_get(ix, "value") != NULL ||
	    json_object_get(ix, "programId") != NULL ||
	    json_object_get(ix, "instructionData") != NULL ||
	    json_object_get(ix, "accounts") != NULL)
		i = BIX_CALL;
	else if (json_object_get(ix, "to") != NULL &&
	    (json_object_get(ix, "amount") != NULL ||
	    json_object_get(ix, "humanAmount") != NULL))
		i = BIX_TRANSFER;
	else {
		*why = "cannot tell which kind of instruction this is: give "
		    "its type, or to and amount (TRANSFER), token "
		    "(TOKEN_TRANSFER), calldata or programId (CONTRACT_CALL), "
		    "spender (APPROVE)";
		return -1;
	}
	*name = names[i];
	return i;
}

/* A string of 1 to max bytes; digits only if digits. */
static int
text_ok(json_t *v, size_t max, int digits)
{
	size_t	n = json_string_length(v);

	if (!json_is_string(v) || n == 0 || n > max)
		return 0;
	return !digits || strspn(json_string_value(v), "0123456789") == n;
}

struct want {
	const char	*key;
	size_t		 max;
	int		 digits;
	const char	*why;
};

static const struct want strings[] = {
	{ "to", 64, 0, "a string of 1 to 64 characters" },
	{ "spender", 64, 0, "a string of 1 to 64 characters" },
	{ "amount", 78, 1, "an integer string in the smallest unit" },
	{ "humanAmount", 96, 0, "a decimal string of 1 to 96 characters" },
	{ "calldata", 2 + 2 * 128 * 1024, 0, "0x and hex digits, at most "
	    "128 KiB" },
	{ "value", 78, 1, "an integer string in the smallest unit" },
	{ "programId", 64, 0, "a string of 1 to 64 characters" },
	{ "instructionData", 4 * 1024 * 4 / 3 + 4, 0, "base64 of at most "
	    "1232 bytes" },
	{ "network", 64, 0, "a string of 1 to 64 characters" },
};

static int
token_ok(json_t *t, int string_ok, const char **why)
{
	const char	*k;
	json_t		*v;

	if (string_ok && text_ok(t, 64, 0))
		return 1;
	*why = string_ok ? "an address, or an object {address, decimals, "
	    "symbol}" : "an object {address, decimals, symbol}";
	if (!json_is_object(t))
		return 0;
	json_object_foreach(t, k, v) {
		if (strcmp(k, "address") == 0 || strcmp(k, "symbol") == 0) {
			if (!text_ok(v, strcmp(k, "symbol") == 0 ? 32 : 64,
			    0)) {
				*why = "token.address and token.symbol: "
				    "strings of 1 to 64 and 1 to 32 "
				    "characters";
				return 0;
			}
		} else if (strcmp(k, "assetId") == 0) {
			if (!text_ok(v, 179, 0)) {
				*why = "token.assetId: a CAIP-19 id of 1 to "
				    "179 characters";
				return 0;
			}
		} else if (strcmp(k, "decimals") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > 36) {
				*why = "token.decimals: an integer from 0 to "
				    "36";
				return 0;
			}
		} else {
			*why = "token: only address, decimals, symbol, "
			    "assetId";
			return 0;
		}
	}
	if (json_object_get(t, "address") == NULL &&
	    json_object_get(t, "assetId") == NULL) {
		*why = "token: address (or assetId) is required";
		return 0;
	}
	return 1;
}

static int
accounts_ok(json_t *a)
{
	json_t	*e;
	size_t	 i;

	if (!json_is_array(a) || json_array_size(a) > 32)
		return 0;
	json_array_foreach(a, i, e)
		if (!json_is_object(e) || json_object_size(e) != 3 ||
		    !text_ok(json_object_get(e, "pubkey"), 64, 0) ||
		    !json_is_boolean(json_object_get(e, "isSigner")) ||
		    !json_is_boolean(json_object_get(e, "isWritable")))
			return 0;
	return 1;
}

/* One instruction; 0, or -1 with *field and *why. */
static int
check_one(json_t *ix, const char **field, const char **why)
{
	const char	*k, *name;
	json_t		*v;
	size_t		 i;
	int		 type;

	*field = NULL;
	if ((type = batch_ix_type(ix, &name, why)) == -1) {
		if (json_is_object(ix) && json_object_get(ix, "type") != NULL)
			*field = "type";
		return -1;
	}
	json_object_foreach(ix, k, v) {
		for (i = 0; fields[type][i] != NULL; i++)
			if (strcmp(k, fields[type][i]) == 0)
				break;
		*field = k;
		if (fields[type][i] == NULL) {
			*why = strcmp(k, "gasCondition") == 0 ? "give "
			    "gasCondition on the batch, not on an instruction" :
			    strcmp(k, "walletId") == 0 ? "give walletId on "
			    "the batch, not on an instruction" :
			    "not a field of this kind of instruction";
			return -1;
		}
		for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
			if (strcmp(k, strings[i].key) == 0 &&
			    !text_ok(v, strings[i].max, strings[i].digits)) {
				*why = strings[i].why;
				return -1;
			}
		if (strcmp(k, "memo") == 0 && (!json_is_string(v) ||
		    json_string_length(v) > 256)) {
			*why = "a string of at most 256 bytes of UTF-8";
			return -1;
		}
		if (strcmp(k, "token") == 0 && !token_ok(v,
		    type == BIX_APPROVE, why))
			return -1;
		if (strcmp(k, "accounts") == 0 && !accounts_ok(v)) {
			*why = "an array of up to 32 {pubkey, isSigner, "
			    "isWritable}";
			return -1;
		}
	}
	if (type != BIX_CALL) {
		*field = "amount";
		if (json_object_get(ix, "amount") != NULL &&
		    json_object_get(ix, "humanAmount") != NULL) {
			*why = "give amount or humanAmount, not both";
			return -1;
		}
		if (json_object_get(ix, "amount") == NULL &&
		    json_object_get(ix, "humanAmount") == NULL) {
			*why = "required (or humanAmount)";
			return -1;
		}
	}
	*field = type == BIX_APPROVE ? "spender" : type == BIX_CALL &&
	    json_object_get(ix, "programId") != NULL ? "programId" : "to";
	if (json_object_get(ix, *field) == NULL) {
		*why = "required";
		return -1;
	}
	if ((type == BIX_TOKEN || type == BIX_APPROVE) &&
	    json_object_get(ix, "token") == NULL) {
		*field = "token";
		*why = "required";
		return -1;
	}
	*field = NULL;
	return 0;
}

int
batch_check(json_t *ins, int *index, const char **field, const char **why)
{
	json_t	*e;
	size_t	 i;

	*index = -1;
	*field = NULL;
	if (!json_is_array(ins) || json_array_size(ins) < BATCH_MIN ||
	    json_array_size(ins) > BATCH_MAX) {
		*why = "an array of 2 to 20 instructions";
		return -1;
	}
	json_array_foreach(ins, i, e) {
		if (check_one(e, field, why) == -1) {
			*index = (int)i;
			return -1;
		}
	}
	return 0;
}
