/*
 * EVM formats: Keccak-256, RLP, EIP-155 legacy and EIP-1559
 * transactions, EIP-191 personal message and EIP-712 digests, addresses
 * with the EIP-55 checksum.  Pure functions: no I/O, no allocation beyond
 * the caller's buffers.  The signer signs what these build
 * (signer/evm_sign.h); every other process only encodes and checks.
 */
#ifndef WAIAAS_EVM_H
#define WAIAAS_EVM_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha3.h>
#include <secp256k1.h>

/* Keccak-256 as Ethereum uses it (padding 0x01, not SHA3's 0x06). */
struct keccak_ctx {
	struct sha3_state	st;	/* nettle's Keccak-f[1600] state */
	uint8_t			buf[136];
	size_t			n;
};
void	keccak256_init(struct keccak_ctx *);
void	keccak256_update(struct keccak_ctx *, const void *, size_t);
void	keccak256_final(struct keccak_ctx *, uint8_t [32]);
void	keccak256(const void *, size_t, uint8_t [32]);

/* RLP into a caller's bounded buffer; -1 when it does not fit. */
struct rlp {
	uint8_t	*p;
	size_t	 len;
	size_t	 cap;
};
int	rlp_bytes(struct rlp *, const uint8_t *, size_t);
int	rlp_uint(struct rlp *, const uint8_t [32]);	/* big-endian */
int	rlp_u64(struct rlp *, uint64_t);
/* Wrap everything from byte `start' to the end as one list. */
int	rlp_list(struct rlp *, size_t start);

/* RLP decoding, strict and bounded by the input (evm_decode.c). */
struct rlp_item {
	const uint8_t	*p;		/* the payload, inside the input */
	size_t		 len;
	int		 list;
};
int	rlp_next(const uint8_t *, size_t, struct rlp_item *, size_t *);
int	rlp_items(const uint8_t *, size_t, struct rlp_item *, size_t);

#define EVM_TX_LEGACY	0	/* EIP-155 replay-protected */
#define EVM_TX_1559	2

struct evm_tx {
	int		 type;
	uint64_t	 chain_id;
	uint64_t	 nonce;
	uint8_t		 gas_price[32];		/* legacy; big-endian */
	uint8_t		 max_priority_fee[32];	/* 1559 */
	uint8_t		 max_fee[32];		/* 1559 */
	uint64_t	 gas_limit;
	uint8_t		 to[20];		/* unless create */
	int		 create;		/* a contract creation: no to,
						   data is the init code */
	uint8_t		 value[32];
	const uint8_t	*data;
	size_t		 datalen;
};

#define EVM_DATA_MAX	(128 * 1024)	/* calldata */
#define EVM_TX_MAX	(128 * 1024 + 512)

/* 0 if a transaction may be signed: known type, chain id, data bound. */
int	evm_tx_check(const struct evm_tx *);
/*
 * The RLP of a transaction from r->p on (r->len reset): the signing
 * preimage when the signature is NULL, else the signed form with r || s
 * and the recovery id.  -1 when it does not fit.
 */
int	evm_tx_encode(struct rlp *, const struct evm_tx *, const uint8_t *,
	    int);

/*
 * An unsigned transaction as a dApp gives it to be signed: the EIP-155
 * preimage rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0])
 * or 0x02 || rlp([chainId, nonce, tip, maxFee, gas, to, value, data,
 * []]), canonical, nothing after it.  tx->data points into the input.
 * What decodes re-encodes (evm_tx_encode) to the same bytes.  -1 and
 * *why when it is not one; a contract creation (empty to) is refused.
 */
int	evm_tx_decode(const uint8_t *, size_t, struct evm_tx *,
	    const char **);

/*
 * The address a contract created by from with this nonce gets:
 * keccak256(rlp([from, nonce]))[12..32].
 */
void	evm_create_address(const uint8_t [20], uint64_t, uint8_t [20]);

/* The digests EIP-191 (personal message) and EIP-712 sign. */
int	evm_personal_hash(const uint8_t *, size_t, uint8_t [32]);
void	evm_typed_hash(const uint8_t [32], const uint8_t [32], uint8_t [32]);

/* Address of a secret key / of a 33- or 65-byte public key. */
int	evm_address_of_seckey(const secp256k1_context *, const uint8_t [32],
	    uint8_t [20]);
int	evm_address_of_pubkey(const secp256k1_context *, const uint8_t *,
	    size_t, uint8_t [20]);
/* "0x" + 40 hex digits with the EIP-55 mixed-case checksum, NUL. */
void	evm_address_checksum(const uint8_t [20], char [43]);
/* Parse "0x" + 40 hex (any case; a mixed-case one must checksum). */
int	evm_address_parse(const char *, size_t, uint8_t [20]);

#endif
