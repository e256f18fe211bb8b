/*
 * Solidity ABI: a function call's calldata from a JSON ABI (the array
 * solc and every wallet library emit), the function's name and its
 * arguments as JSON.  The 4-byte selector is the Keccak-256 of the
 * canonical signature; the arguments follow in the head/tail encoding
 * of the ABI specification.  Pure functions over a jansson tree: no I/O,
 * no globals; every walk is bounded by the limits below.
 *
 * Argument values: address "0x" + 40 hex (a mixed-case one must pass
 * EIP-55); bool true or false; uintN and intN a JSON integer or a string,
 * decimal (with '-' for intN) or 0x hex, range-checked for N; bytesN
 * "0x" + exactly 2N hex digits; bytes "0x" + hex; string a JSON string;
 * T[] an array, T[k] an array of k; a tuple an array in component order
 * or an object with exactly the components' names.
 */
#ifndef WAIAAS_ABI_H
#define WAIAAS_ABI_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define ABI_DEPTH_MAX	8			/* nested arrays and tuples */
#define ABI_ARRAY_MAX	1024			/* elements of one array */
#define ABI_TYPES_MAX	256			/* type nodes of a function */
#define ABI_ARGS_MAX	64			/* inputs of a function */
#define ABI_ITEMS_MAX	1024			/* entries of an ABI */
#define ABI_NAME_MAX	256			/* bytes of a name */
#define ABI_OUT_MAX	((size_t)128 * 1024)	/* bytes of calldata */
#define ABI_SIG_MAX	1024			/* canonical signature, NUL */
#define ABI_ERR_MAX	256			/* error text, NUL */

struct abi_call {
	uint8_t	*data;		/* selector and arguments; abi_call_free */
	size_t	 len;
	char	 sig[ABI_SIG_MAX];	/* e.g. transfer(address,uint256) */
	char	 err[ABI_ERR_MAX];	/* why, on failure */
};

/*
 * The calldata of calling fn (a name, or a canonical signature to pick
 * one of several overloads) with args (a JSON array) as the ABI abi
 * declares it.  Of overloads with as many inputs as args, the first
 * that takes the arguments is used.  0, or -1 and out->err (which names
 * the argument at fault by its path, e.g. args[1].amount).
 */
int	abi_encode_call(const json_t *, const char *, const json_t *,
	    struct abi_call *);
void	abi_call_free(struct abi_call *);

/* The selector of a canonical signature: keccak256(sig)[0..4). */
void	abi_selector(const char *, uint8_t [4]);

/* One head word: a left-padded address. */
void	abi_word_address(uint8_t [32], const uint8_t [20]);

/*
 * The elementary types' values, shared with EIP-712 (chain/eip712.c).
 * abi_atom_parse: a canonical elementary type name (no "uint" alias),
 * 0 and its kind and width (bits of uintN/intN, bytes of bytesN), or -1.
 */
#define ABI_ADDRESS	1
#define ABI_BOOL	2
#define ABI_STRING	3
#define ABI_BYTES	4
#define ABI_BYTESN	5
#define ABI_UINT	6
#define ABI_INT		7
int	abi_atom_parse(const char *, size_t, int *, unsigned int *);
/* A Solidity identifier ([A-Za-z_$][A-Za-z0-9_$]*) of 1 to max bytes. */
int	abi_ident(const char *, size_t, size_t);
/*
 * An integer value of uintN (signed 0) or intN: a JSON integer, or a
 * string, decimal (with '-' for intN) or 0x hex of at most
 * ABI_INT_TEXT_MAX characters; the word, two's complement if negative.
 * 0, or one of the ABI_INT_* refusals.
 */
#define ABI_INT_TEXT_MAX	100
#define ABI_INT_BAD		-1	/* not an integer, or above 2^256-1 */
#define ABI_INT_NEGATIVE	-2	/* negative for uintN */
#define ABI_INT_RANGE		-3	/* out of range for N bits */
int	abi_int_word(const json_t *, int, unsigned int, uint8_t [32]);
/* "0x" and an even number of hex digits: the byte count, or -1. */
long	abi_hex_len(const json_t *);
/* n bytes from byte off of a string abi_hex_len() accepted. */
void	abi_hex_get(const json_t *, size_t, size_t, uint8_t *);

#endif
