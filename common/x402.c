/*
 * x402 version 1 on the wire: the 402 answer read, the payment header
 * written, the settlement header read (x402.h).  The server is
 * untrusted: every member is checked for type, form and length, and
 * what is kept is printable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "evm.h"
#include "policy_rules.h"
#include "util.h"
#include "x402.h"

/* x402's version 1 network names and their chain ids. */
static const struct {
	const char	*name;
	uint64_t	 id;
} nets[] = {
	{ "base", 8453 }, { "base-sepolia", 84532 },
	{ "avalanche", 43114 }, { "avalanche-fuji", 43113 },
	{ "polygon", 137 }, { "polygon-amoy", 80002 },
	{ "sei", 1329 }, { "sei-testnet", 1328 },
	{ "iotex", 4689 }, { "peaq", 3338 }, { "story", 1514 },
	{ "educhain", 41923 }, { "skale-base-sepolia", 324705682 },
	{ "ethereum", 1 }, { "sepolia", 11155111 },
	{ "optimism", 10 }, { "optimism-sepolia", 11155420 },
	{ "arbitrum", 42161 }, { "arbitrum-sepolia", 421614 },
};

uint64_t
x402_chain_id(const char *name)
{
	const char	*p;
	char		*end;
	unsigned long long v;
	size_t		 i;

	for (i = 0; i < sizeof(nets) / sizeof(nets[0]); i++)
		if (strcmp(name, nets[i].name) == 0)
			return nets[i].id;
	/* CAIP-2, as x402 version 2 writes a network */
	if (strncmp(name, "eip155:", 7) != 0)
		return 0;
	p = name + 7;
	if (*p < '1' || *p > '9' || strlen(p) > 19)
		return 0;
	v = strtoull(p, &end, 10);
	return *end == '\0' ? (uint64_t)v : 0;
}

static int
printable(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* A string member of at most max bytes, printable; NULL if not so. */
static const char *
text(json_t *o, const char *k, size_t max)
{
	json_t	*v = json_object_get(o, k);

	if (!json_is_string(v) || json_string_length(v) > max ||
	    !printable(json_string_value(v), json_string_length(v)))
		return NULL;
	return json_string_value(v);
}

/* "0x" and 40 hex digits, into lowercase. */
static int
address(json_t *o, const char *k, char out[43])
{
	const char	*s = text(o, k, 42);
	uint8_t		 a[20];
	size_t		 i;

	if (s == NULL || strlen(s) != 42 || evm_address_parse(s, 42, a) == -1)
		return -1;
	for (i = 0; i < 42; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] + 32 : s[i]);
	out[42] = '\0';
	return 0;
}

/* One entry of accepts: 1 usable, 0 not ours (noted), -1 malformed. */
static int
requirement(json_t *a, struct x402_req *r, struct x402_challenge *c)
{
	const char	*scheme, *network, *amount, *res, *name, *ver;
	json_t		*extra, *to;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(a) || (scheme = text(a, "scheme", 32)) == NULL ||
	    (network = text(a, "network", X402_NETWORK_MAX)) == NULL)
		return -1;
	if (strcmp(scheme, "exact") != 0 || x402_chain_id(network) == 0) {
		if (c->other[0] == '\0')
			snprintf(c->other, sizeof(c->other), "%s on %s",
			    scheme, network);
		return 0;
	}
	strlcpy(r->network, network, sizeof(r->network));
	r->chain_id = x402_chain_id(network);
	if ((amount = text(a, "maxAmountRequired", X402_AMOUNT_MAX)) ==
	    NULL || !policy_amount_valid(amount, strlen(amount)) ||
	    strcmp(amount, "0") == 0)
		return -1;
	strlcpy(r->amount, amount, sizeof(r->amount));
	if (address(a, "payTo", r->pay_to) == -1 ||
	    address(a, "asset", r->asset) == -1)
		return -1;
	if (json_object_get(a, "resource") != NULL) {
		if ((res = text(a, "resource", X402_RESOURCE_MAX)) == NULL)
			return -1;
		strlcpy(r->resource, res, sizeof(r->resource));
	}
	/* The token's EIP-712 domain: required, nothing guessed. */
	extra = json_object_get(a, "extra");
	if (!json_is_object(extra) || (name = text(extra, "name",
	    X402_NAME_MAX)) == NULL || (ver = text(extra, "version",
	    X402_NAME_MAX)) == NULL || name[0] == '\0' || ver[0] == '\0')
		return -1;
	strlcpy(r->name, name, sizeof(r->name));
	strlcpy(r->version, ver, sizeof(r->version));
	to = json_object_get(a, "maxTimeoutSeconds");
	if (!json_is_integer(to) || json_integer_value(to) < 1 ||
	    json_integer_value(to) > X402_TIMEOUT_MAX)
		return -1;
	r->max_timeout = (uint32_t)json_integer_value(to);
	return 1;
}

int
x402_challenge_parse(const char *body, size_t len, struct x402_challenge *c,
    const char **why)
{
	json_t		*root, *acc, *v;
	const char	*e;
	size_t		 i;
	int		 k;

	memset(c, 0, sizeof(c[0]));
	if ((root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL)) ==
	    NULL || !json_is_object(root)) {
		*why = "the 402 answer is not a JSON object";
		json_decref(root);
		return -1;
	}
	v = json_object_get(root, "x402Version");
	if (!json_is_integer(v)) {
		*why = "the 402 answer has no x402Version";
		json_decref(root);
		return -1;
	}
	c->version = (int)(json_integer_value(v) > 0 && json_integer_value(v) <
	    1000 ? json_integer_value(v) : 0);
	if (c->version != 1) {
		*why = "an x402 version other than 1";
		json_decref(root);
		return -1;
	}
	if ((e = text(root, "error", X402_ERROR_MAX)) != NULL)
		strlcpy(c->error, e, sizeof(c->error));
	acc = json_object_get(root, "accepts");
	if (!json_is_array(acc) || json_array_size(acc) == 0) {
		*why = "the 402 answer accepts nothing";
		json_decref(root);
		return -1;
	}
	c->naccepts = json_array_size(acc);
	for (i = 0; i < json_array_size(acc) && i < X402_ACCEPTS_MAX; i++) {
		if ((k = requirement(json_array_get(acc, i), &c->req[c->n],
		    c)) == -1) {
			*why = "a payment requirement is malformed";
			json_decref(root);
			return -1;
		}
		c->n += (size_t)k;
	}
	json_decref(root);
	return 0;
}

json_t *
x402_typed_data(const struct x402_req *r, const char *from,
    int64_t valid_after, int64_t valid_before, const uint8_t nonce[32])
{
	char	 n[67], va[24], vb[24];

	n[0] = '0';
	n[1] = 'x';
	sodium_bin2hex(n + 2, sizeof(n) - 2, nonce, 32);
	snprintf(va, sizeof(va), "%lld", (long long)valid_after);
	snprintf(vb, sizeof(vb), "%lld", (long long)valid_before);
	return json_pack("{s:{s:[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}],"
	    "s:[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]},"
	    "s:s, s:{s:s,s:s,s:I,s:s}, s:{s:s,s:s,s:s,s:s,s:s,s:s}}",
	    "types",
	    "EIP712Domain",
	    "name", "name", "type", "string",
	    "name", "version", "type", "string",
	    "name", "chainId", "type", "uint256",
	    "name", "verifyingContract", "type", "address",
	    "TransferWithAuthorization",
	    "name", "from", "type", "address",
	    "name", "to", "type", "address",
	    "name", "value", "type", "uint256",
	    "name", "validAfter", "type", "uint256",
	    "name", "validBefore", "type", "uint256",
	    "name", "nonce", "type", "bytes32",
	    "primaryType", "TransferWithAuthorization",
	    "domain", "name", r->name, "version", r->version, "chainId",
	    (json_int_t)r->chain_id, "verifyingContract", r->asset,
	    "message", "from", from, "to", r->pay_to, "value", r->amount,
	    "validAfter", va, "validBefore", vb, "nonce", n);
}

int
x402_payment_header(const struct x402_req *r, const json_t *typed,
    const char *sig, char *out, size_t len)
{
	json_t	*m, *p;
	char	 buf[X402_HEADER_MAX];
	size_t	 n;
	int	 rc = -1;

	m = json_object_get(typed, "message");
	if (!json_is_object(m))
		return -1;
	p = json_pack("{s:i, s:s, s:s, s:{s:s, s:O}}", "x402Version", 1,
	    "scheme", "exact", "network", r->network, "payload", "signature",
	    sig, "authorization", m);
	/* Into a buffer of ours: jansson's allocator may be the caller's. */
	if (p != NULL && (n = json_dumpb(p, buf, sizeof(buf), JSON_COMPACT)) >
	    0 && n < sizeof(buf) && sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_ORIGINAL) <= len) {
		sodium_bin2base64(out, len, (const unsigned char *)buf, n,
		    sodium_base64_VARIANT_ORIGINAL);
		rc = 0;
	}
	explicit_bzero(buf, sizeof(buf));
	json_decref(p);
	return rc;
}

int
x402_settlement_parse(const char *b64, size_t len, json_t **out)
{
	static const char *const keys[] = { "transaction", "network",
	    "payer", "errorReason" };
	unsigned char	 buf[X402_HEADER_MAX];
	json_t		*root, *o, *v;
	const char	*s;
	size_t		 n, i;

	*out = NULL;
	if (len == 0 || len > X402_HEADER_MAX ||
	    (sodium_base642bin(buf, sizeof(buf), b64, len, NULL, &n, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 &&
	    sodium_base642bin(buf, sizeof(buf), b64, len, NULL, &n, NULL,
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0))
		return -1;
	if ((root = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL || !json_is_object(root)) {
		json_decref(root);
		return -1;
	}
	if ((o = json_object()) == NULL)
		abort();
	v = json_object_get(root, "success");
	json_object_set_new(o, "success", json_boolean(json_is_true(v)));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((s = text(root, keys[i], 128)) != NULL)
			json_object_set_new(o, keys[i], json_string(s));
	json_decref(root);
	*out = o;
	return 0;
}

int
x402_header_ok(const char *name, size_t nlen, const char *value,
    size_t vlen, int payment)
{
	static const char *const own[] = { "host", "content-length",
	    "transfer-encoding", "connection", "expect", "te", "upgrade",
	    "proxy-authorization", "proxy-connection", "keep-alive",
	    "trailer", NULL };
	static const char *const pay[] = { "x-payment", "payment-signature",
	    NULL };
	size_t	i;

	if (nlen == 0 || nlen > X402_HNAME_MAX || vlen > X402_HVALUE_MAX +
	    (payment ? X402_HEADER_MAX : 0))
		return 0;
	for (i = 0; i < nlen; i++)
		if (strchr("!#$%&'*+-.^_`|~", name[i]) == NULL &&
		    !((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' &&
		    name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9')))
			return 0;
	if (!printable(value, vlen))
		return 0;
	for (i = 0; own[i] != NULL; i++)
		if (strlen(own[i]) == nlen && strncasecmp(name, own[i], nlen) ==
		    0)
			return 0;
	for (i = 0; !payment && pay[i] != NULL; i++)
		if (strlen(pay[i]) == nlen && strncasecmp(name, pay[i], nlen) ==
		    0)
			return 0;
	return 1;
}
