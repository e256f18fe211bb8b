/*
 * Request fields of a send that need more than a shape check:
 * humanAmount ("1.5" of a coin with 18 decimals) into base units, and a
 * CAIP-19 asset id ("eip155:1/erc20:0x...") into its four parts.  Pure
 * functions over bounded text, fuzzed by tests/fuzz/fuzz_txinput.c.
 */
#ifndef WAIAAS_TXINPUT_H
#define WAIAAS_TXINPUT_H

#include <stddef.h>

#define HUMAN_AMOUNT_MAX	96	/* characters of a humanAmount */
#define BASE_AMOUNT_MAX		78	/* digits of 2^256-1 */

/*
 * s (len bytes, no NUL needed): digits, optionally '.' and at least one
 * more digit; no sign, exponent, space or leading '.', no leading zero
 * before another digit, at most decimals digits after the '.' (zeros
 * past them carry nothing and are allowed: "1.50" with 1 decimal).  out
 * (at least BASE_AMOUNT_MAX + 1) gets the amount in base units as a
 * decimal string without leading zeros ("0" for zero).  0, or -1 with
 * *why saying what is wrong (static text).  The size against 2^256 is
 * the caller's to check, as for any amount.
 */
int	human_amount(const char *s, size_t len, unsigned decimals, char *out,
	    size_t outlen, const char **why);

/*
 * The other way: base units (digits only, 1 to BASE_AMOUNT_MAX of them)
 * shown with decimals places, trailing zeros dropped ("1500000000000000000"
 * with 18 -> "1.5", "0" -> "0").  out needs BASE_AMOUNT_MAX + 3 bytes
 * (decimals at most BASE_AMOUNT_MAX).  0, or -1 when units is not such
 * a string.
 */
int	units_format(const char *units, unsigned decimals, char *out,
	    size_t outlen);

#define CAIP_NS_MAX		8
#define CAIP_ID_MAX		179	/* 8 + 1 + 32 + 1 + 8 + 1 + 128 */
#define CAIP_REF_MAX		32
#define CAIP_ASSET_REF_MAX	128

struct caip19 {
	char	ns[CAIP_NS_MAX + 1];		/* "eip155", "solana" */
	char	ref[CAIP_REF_MAX + 1];		/* chain id, genesis prefix */
	char	asset_ns[CAIP_NS_MAX + 1];	/* "erc20", "token" */
	char	asset_ref[CAIP_ASSET_REF_MAX + 1]; /* address, mint */
};

/*
 * namespace:reference/asset_namespace:asset_reference, each part from
 * its alphabet and within its length (the reference's pattern for
 * token.assetId).  0, or -1 with *why.
 */
int	caip19_parse(const char *s, size_t len, struct caip19 *,
	    const char **why);

#endif
