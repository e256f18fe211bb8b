/*
 * EIP-712 typed data as eth_signTypedData_v4 sends it: the two hashes the
 * signer's 0x1901 digest is made of, and the token permits policy must
 * judge like approvals.  Pure functions over a jansson tree: no I/O, no
 * globals; every walk is bounded by the limits below.
 */
#ifndef WAIAAS_EIP712_H
#define WAIAAS_EIP712_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define EIP712_DEPTH_MAX	8	/* struct nesting, primary is 1 */
#define EIP712_DIMS_MAX		4	/* array dimensions of one field */
#define EIP712_TYPES_MAX	32
#define EIP712_FIELDS_MAX	64	/* per type */
#define EIP712_ARRAY_MAX	256	/* elements per array */
#define EIP712_VALUES_MAX	65536	/* values encoded in one call */
#define EIP712_NAME_MAX		64	/* bytes of a type or field name */

/*
 * typed = {types, primaryType, domain, message} and nothing else.  types
 * must declare EIP712Domain, with fields among name (string), version
 * (string), chainId (uint256), verifyingContract (address) and salt
 * (bytes32); the domain object is hashed as that struct.  Every object
 * must have exactly its type's fields.  Decode the JSON with
 * JSON_REJECT_DUPLICATES, or a repeated key is silently its last value.
 * 0 and the domain separator and hashStruct(message), or -1 and *why (a
 * short static reason that never quotes the input).
 */
int	eip712_hash(const json_t *, uint8_t [32], uint8_t [32],
	    const char **);

/* The token permits recognized, by primaryType and exact layout. */
#define PERMIT_EIP2612		1	/* Permit(owner,spender,value,...) */
#define PERMIT_DAI		2	/* Permit(holder,spender,...,allowed) */
#define PERMIT2_ALLOWANCE	3	/* PermitSingle, PermitBatch */
#define PERMIT2_TRANSFER	4	/* Permit[Batch][Witness]TransferFrom */

#define PERMIT_MAX		8	/* grants in one permit */

struct eip712_grant {
	char	token[43];	/* EIP-55 */
	char	spender[43];	/* EIP-55 */
	char	amount[79];	/* decimal, up to 2^256 - 1 */
};

struct eip712_permit {
	int			kind;
	size_t			n;
	struct eip712_grant	grant[PERMIT_MAX];
};

/*
 * Whether valid typed data (as eip712_hash checks it) is a token permit.
 * 1 and *out (EIP-2612 and DAI: the token is domain.verifyingContract;
 * DAI's allowed=true is the maximum uint256, false 0), 0 when the
 * primaryType is no permit's, or -1 and *why: the typed data is invalid,
 * or its primaryType is a permit's but not with that permit's exact
 * layout (an ERC-721 Permit lands here), or it has no verifyingContract,
 * or more than PERMIT_MAX grants.
 */
int	eip712_permit(const json_t *, struct eip712_permit *, const char **);

/* domain.verifyingContract as EIP-55 text; 0, or -1 if absent or bad. */
int	eip712_verifying_contract(const json_t *, char [43]);

/*
 * domain.chainId: a JSON integer, a decimal string or a 0x hex string
 * that fits 64 bits; 0, or -1 if absent or bad.
 */
int	eip712_chain_id(const json_t *, uint64_t *);

#endif
