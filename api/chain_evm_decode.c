/*
 * What an EVM node answers, decoded with bounds: JSON-RPC quantities,
 * hex data, hashes and addresses, revert data and token symbols (ABI
 * strings); and the hex we send back.  Anything that does not fit is an
 * error, never a guess; text passed up is printable ASCII and bounded.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chain_evm.h"
#include "evm.h"
#include "util.h"

#define REASON_MAX		160		/* chars of a revert reason */

#define SEL_ERROR		0x08c379a0	/* Error(string) */
#define SEL_PANIC		0x4e487b71	/* Panic(uint256) */

/* ------------------------------------------------------------------ */
/* Quantities, hex data, hashes, addresses. */

static const char	hexdig[] = "0123456789abcdef";

/* "0x" or "0X" first. */
static int
is_0x(const char *s, size_t n)
{
	return n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

/* The byte that two hex digits spell (either case), or -1. */
static int
hex_byte(const char *s)
{
	int	hi, lo;

	if ((hi = hex_digit((unsigned char)s[0])) < 0 ||
	    (lo = hex_digit((unsigned char)s[1])) < 0)
		return -1;
	return hi << 4 | lo;
}

/* "0x" + lowercase hex of len bytes into out (2 * len + 3 chars). */
static void
hex_put(const uint8_t *p, size_t len, char *out)
{
	size_t	i;

	out[0] = '0';
	out[1] = 'x';
	for (i = 0; i < len; i++) {
		out[2 + 2 * i] = hexdig[p[i] >> 4];
		out[3 + 2 * i] = hexdig[p[i] & 0xf];
	}
	out[2 + 2 * len] = '\0';
}

/* A JSON-RPC quantity: "0x" and 1 to 64 hex digits, into 32 bytes. */
int
evm_qty_parse(const json_t *v, uint8_t out[32])
{
	const char	*s;
	size_t		 n, i;
	int		 d;

	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	n = json_string_length(v);
	if (n < 3 || n > 66 || !is_0x(s, n))
		return -1;
	memset(out, 0, 32);
	for (i = 0; i < n - 2; i++) {
		/* digit i from the right */
		if ((d = hex_digit((unsigned char)s[n - 1 - i])) < 0)
			return -1;
		out[31 - i / 2] |= (uint8_t)(i % 2 ? d << 4 : d);
	}
	return 0;
}

int
evm_qty_u64(const json_t *v, uint64_t *out)
{
	uint8_t	b[32];

	if (evm_qty_parse(v, b) == -1 || !u256_fits_u64(b))
		return -1;
	*out = u256_low64(b);
	return 0;
}

/* "0x" and the minimal hex digits of a 256-bit number ("0x0" for 0). */
void
evm_qty_hex(const uint8_t v[32], char out[67])
{
	size_t	i, o = 2;
	int	lead = 1;

	out[0] = '0';
	out[1] = 'x';
	for (i = 0; i < 64; i++) {
		int d = (v[i / 2] >> (i % 2 ? 0 : 4)) & 0xf;

		if (lead && d == 0 && i != 63)
			continue;
		lead = 0;
		out[o++] = hexdig[d];
	}
	out[o] = '\0';
}

void
evm_u64_hex(uint64_t x, char out[67])
{
	uint8_t	b[32];

	u256_from_u64(x, b);
	evm_qty_hex(b, out);
}

/* Hex data: "0x" and an even number of hex digits, at most max bytes. */
int
evm_data_parse(const json_t *v, size_t max, uint8_t **out, size_t *outlen)
{
	const char	*s;
	size_t		 n, i;
	uint8_t		*b;
	int		 x;

	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	n = json_string_length(v);
	if (!is_0x(s, n) || n % 2 != 0 || (n - 2) / 2 > max)
		return -1;
	if ((b = malloc((n - 2) / 2 + 1)) == NULL)
		return -1;
	for (i = 0; i < (n - 2) / 2; i++) {
		if ((x = hex_byte(s + 2 + 2 * i)) < 0) {
			free(b);
			return -1;
		}
		b[i] = (uint8_t)x;
	}
	*out = b;
	*outlen = (n - 2) / 2;
	return 0;
}

/* "0x" + lowercase hex of len bytes; NULL when out of memory. */
char *
evm_hex_data(const uint8_t *p, size_t len)
{
	char	*s;

	if (len > (SIZE_MAX - 3) / 2 || (s = malloc(2 * len + 3)) == NULL)
		return NULL;
	hex_put(p, len, s);
	return s;
}

void
evm_hash_hex(const uint8_t h[32], char out[67])
{
	hex_put(h, 32, out);
}

/* v is "0x" and the 64 hex digits of h, in any case. */
int
evm_hash_eq(const json_t *v, const uint8_t h[32])
{
	const char	*s;
	size_t		 i;

	if (!json_is_string(v) || json_string_length(v) != 66)
		return 0;
	s = json_string_value(v);
	if (!is_0x(s, 66))
		return 0;
	for (i = 0; i < 32; i++)
		if (hex_byte(s + 2 + 2 * i) != h[i])
			return 0;
	return 1;
}

/* A well-formed address from a node (any case), checksummed into out. */
int
evm_addr_json(const json_t *v, char out[43])
{
	uint8_t	a[20];
	char	low[43];
	size_t	i;

	if (!json_is_string(v) || json_string_length(v) != 42)
		return -1;
	/* Lowercase first: a node's mixed case need not be EIP-55. */
	chain_clean(low, sizeof(low), json_string_value(v));
	for (i = 0; i < 42; i++)
		if (low[i] >= 'A' && low[i] <= 'F')
			low[i] = (char)(low[i] - 'A' + 'a');
	if (evm_address_parse(low, 42, a) == -1)
		return -1;
	evm_address_checksum(a, out);
	return 0;
}

/* Both cases among an address's hex letters: an EIP-55 checksum. */
static int
evm_mixed_case(const char *s)
{
	int	lower = 0, upper = 0;
	size_t	i;

	for (i = 2; i < 42; i++) {
		lower |= s[i] >= 'a' && s[i] <= 'f';
		upper |= s[i] >= 'A' && s[i] <= 'F';
	}
	return lower && upper;
}

/*
 * An address from policyd: EIP-55 or one case, "0x" + 40.  A mixed-case
 * one passed evm_address_parse() only as its very checksum: it is out
 * as it came, without hashing it a second time.
 */
int
evm_addr_arg(const char *s, size_t max, char out[43], uint8_t raw[20])
{
	uint8_t	a[20];
	size_t	n;

	if ((n = strnlen(s, max + 1)) > max ||
	    evm_address_parse(s, n, a) == -1)
		return -1;
	if (evm_mixed_case(s)) {
		memcpy(out, s, 42);
		out[42] = '\0';
	} else
		evm_address_checksum(a, out);
	if (raw != NULL)
		memcpy(raw, a, 20);
	return 0;
}

/* ------------------------------------------------------------------ */
/* ABI: revert data, strings. */

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* A 32-byte ABI word as a size, if it is a small one. */
static int
abi_size(const uint8_t *w, size_t *out)
{
	uint64_t	x;

	if (!u256_fits_u64(w) || (x = u256_low64(w)) > ABI_MAX)
		return -1;
	*out = (size_t)x;
	return 0;
}

/*
 * Decode an ABI-encoded string (head: offset; tail: length, bytes) into
 * out as printable ASCII, truncated to outsz - 1.
 */
static int
abi_string(const uint8_t *p, size_t len, char *out, size_t outsz)
{
	size_t	off, n, i, k;

	if (len < 64 || abi_size(p, &off) == -1 || off > len - 32 ||
	    abi_size(p + off, &n) == -1 || n > len - off - 32)
		return -1;
	p += off + 32;
	for (i = k = 0; i < n && k + 1 < outsz; i++)
		out[k++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	out[k] = '\0';
	return 0;
}

static const char *
panic_name(uint64_t code)
{
	switch (code) {
	case 0x01:
		return "assertion failed";
	case 0x11:
		return "arithmetic overflow or underflow";
	case 0x12:
		return "division or modulo by zero";
	case 0x21:
		return "invalid enum value";
	case 0x22:
		return "invalid storage byte array";
	case 0x31:
		return "pop on an empty array";
	case 0x32:
		return "array index out of bounds";
	case 0x41:
		return "out of memory";
	case 0x51:
		return "call to an invalid function";
	default:
		return "unknown panic code";
	}
}

/* The reason in revert data, if it says one. */
static int
revert_data_reason(const uint8_t *d, size_t len, char *out, size_t outsz)
{
	char	r[REASON_MAX + 1];

	if (len < 4)
		return -1;
	switch (be32(d)) {
	case SEL_ERROR:
		if (abi_string(d + 4, len - 4, r, sizeof(r)) == -1)
			return -1;
		snprintf(out, outsz, "%s", r);
		return 0;
	case SEL_PANIC:
		if (len != 36)
			return -1;
		if (!u256_fits_u64(d + 4))
			snprintf(out, outsz, "panic (%s)", panic_name(~0ULL));
		else
			snprintf(out, outsz, "panic 0x%" PRIx64 " (%s)",
			    u256_low64(d + 4), panic_name(u256_low64(d + 4)));
		return 0;
	default:
		snprintf(out, outsz, "custom error 0x%08" PRIx32, be32(d));
		return 0;
	}
}

/* A JSON-RPC error that says the call reverts. */
int
evm_is_revert(const struct rpc_error *e)
{
	return e->kind == RPC_E_RPC &&
	    (e->code == 3 || strcasestr(e->message, "revert") != NULL);
}

/*
 * "execution reverted" and the reason: from error.data (a hex string, or
 * an object with one in "data"), else from the node's message when it
 * says one, else nothing more.
 */
void
evm_revert_message(const struct rpc_error *e, char *out, size_t outsz)
{
	const json_t	*d = e->data;
	uint8_t		*b;
	size_t		 blen;
	char		 r[REASON_MAX + 32];
	const char	*m;
	int		 got = -1;

	if (json_is_object(d))
		d = json_object_get(d, "data");
	if (d != NULL && evm_data_parse(d, ABI_MAX, &b, &blen) == 0) {
		if (blen > 0)
			got = revert_data_reason(b, blen, r, sizeof(r));
		free(b);
	}
	if (got == 0) {
		chain_fmt(out, outsz, "execution reverted: %s", r);
		return;
	}
	/* "execution reverted: reason" as the node spelled it. */
	m = strcasestr(e->message, "reverted: ");
	if (m != NULL && m[10] != '\0') {
		chain_fmt(out, outsz, "execution reverted: %.*s", REASON_MAX,
		    m + 10);
		return;
	}
	chain_fmt(out, outsz, "execution reverted");
}

/* A symbol: an ABI string, or bytes32 for old tokens; "" if neither. */
void
evm_symbol_decode(const uint8_t *d, size_t len, char out[SYMBOL_MAX + 1])
{
	size_t	i;

	out[0] = '\0';
	if (abi_string(d, len, out, SYMBOL_MAX + 1) == 0)
		return;
	if (len != 32)
		return;
	for (i = 0; i < 32 && i < SYMBOL_MAX && d[i] != '\0'; i++)
		out[i] = (d[i] >= 0x20 && d[i] < 0x7f) ? (char)d[i] : '?';
	out[i] = '\0';
}
