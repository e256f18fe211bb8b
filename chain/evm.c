/*
 * EVM formats: EIP-155 legacy and EIP-1559 transactions as RLP, the
 * EIP-191 personal message and EIP-712 digests, addresses of public keys
 * with the EIP-55 checksum.  Encodings only: signing is the signer's
 * (signer/evm_sign.c), which hashes and signs what these build.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <secp256k1.h>

#include "evm.h"

/*
 * EIP-155 puts chain_id * 2 + 36 in a uint64 v; EIP-2294 bounds chain
 * ids to what keeps that from overflowing.
 */
#define EVM_CHAIN_ID_MAX	((UINT64_MAX - 36) / 2)

static const char hexdig[] = "0123456789abcdef";

/* gas, to, value, data: the same run of fields in both types. */
static int
put_common(struct rlp *r, const struct evm_tx *tx)
{
	if (rlp_u64(r, tx->gas_limit) == -1 ||
	    rlp_bytes(r, tx->to, tx->create ? 0 : sizeof(tx->to)) == -1 ||
	    rlp_uint(r, tx->value) == -1 ||
	    rlp_bytes(r, tx->data, tx->datalen) == -1)
		return -1;
	return 0;
}

/*
 * EIP-155: rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0])
 * is what gets hashed; the signed form puts v, r, s in the last three.
 */
static int
put_legacy(struct rlp *r, const struct evm_tx *tx, const uint8_t *sig64,
    int recid)
{
	r->len = 0;
	if (rlp_u64(r, tx->nonce) == -1 ||
	    rlp_uint(r, tx->gas_price) == -1 ||
	    put_common(r, tx) == -1)
		return -1;
	if (sig64 == NULL) {
		if (rlp_u64(r, tx->chain_id) == -1 ||
		    rlp_u64(r, 0) == -1 ||
		    rlp_u64(r, 0) == -1)
			return -1;
	} else {
		if (rlp_u64(r, tx->chain_id * 2 + 35 + (uint64_t)recid) == -1 ||
		    rlp_uint(r, sig64) == -1 ||
		    rlp_uint(r, sig64 + 32) == -1)
			return -1;
	}
	return rlp_list(r, 0);
}

/*
 * EIP-1559: 0x02 || rlp([chainId, nonce, tip, maxFee, gas, to, value,
 * data, accessList]) is hashed; the signed form appends yParity, r, s.
 */
static int
put_1559(struct rlp *r, const struct evm_tx *tx, const uint8_t *sig64,
    int recid)
{
	if (r->cap < 1)
		return -1;
	r->p[0] = EVM_TX_1559;
	r->len = 1;
	if (rlp_u64(r, tx->chain_id) == -1 ||
	    rlp_u64(r, tx->nonce) == -1 ||
	    rlp_uint(r, tx->max_priority_fee) == -1 ||
	    rlp_uint(r, tx->max_fee) == -1 ||
	    put_common(r, tx) == -1)
		return -1;
	/* No access list support: always the empty list. */
	if (rlp_list(r, r->len) == -1)
		return -1;
	if (sig64 != NULL) {
		if (rlp_u64(r, (uint64_t)recid) == -1 ||
		    rlp_uint(r, sig64) == -1 ||
		    rlp_uint(r, sig64 + 32) == -1)
			return -1;
	}
	return rlp_list(r, 1);
}

int
evm_tx_check(const struct evm_tx *tx)
{
	if (tx->type != EVM_TX_LEGACY && tx->type != EVM_TX_1559)
		return -1;
	/* chain id 0 would sign a replayable transaction. */
	if (tx->chain_id == 0 ||
	    (tx->type == EVM_TX_LEGACY && tx->chain_id > EVM_CHAIN_ID_MAX))
		return -1;
	if (tx->datalen > EVM_DATA_MAX ||
	    (tx->data == NULL && tx->datalen > 0))
		return -1;
	/* A creation without init code would create an empty account. */
	if (tx->create && tx->datalen == 0)
		return -1;
	return 0;
}

void
evm_create_address(const uint8_t from[20], uint64_t nonce, uint8_t out[20])
{
	uint8_t		buf[64], h[32];
	struct rlp	r = { buf, 0, sizeof(buf) };

	/* 20 + 9 + headers fit in 64 bytes: neither call can fail */
	if (rlp_bytes(&r, from, 20) == -1 || rlp_u64(&r, nonce) == -1 ||
	    rlp_list(&r, 0) == -1) {
		memset(out, 0, 20);
		return;
	}
	keccak256(r.p, r.len, h);
	memcpy(out, h + 12, 20);
}

int
evm_tx_encode(struct rlp *r, const struct evm_tx *tx, const uint8_t *sig64,
    int recid)
{
	if (tx->type == EVM_TX_LEGACY)
		return put_legacy(r, tx, sig64, recid);
	return put_1559(r, tx, sig64, recid);
}

int
evm_personal_hash(const uint8_t *msg, size_t msglen, uint8_t digest[32])
{
	/* Split so the hex escape does not swallow the 'E'. */
	static const char	 prefix[] = "\x19" "Ethereum Signed Message:\n";
	struct keccak_ctx	 k;
	char			 num[24];
	int			 n;

	if (msg == NULL && msglen > 0)
		return -1;
	n = snprintf(num, sizeof(num), "%zu", msglen);
	if (n < 0 || (size_t)n >= sizeof(num))
		return -1;
	keccak256_init(&k);
	keccak256_update(&k, prefix, sizeof(prefix) - 1);
	keccak256_update(&k, num, (size_t)n);
	keccak256_update(&k, msg, msglen);
	keccak256_final(&k, digest);
	return 0;
}

void
evm_typed_hash(const uint8_t domain[32], const uint8_t structhash[32],
    uint8_t digest[32])
{
	uint8_t	buf[2 + 32 + 32];

	buf[0] = 0x19;
	buf[1] = 0x01;
	memcpy(buf + 2, domain, 32);
	memcpy(buf + 34, structhash, 32);
	keccak256(buf, sizeof(buf), digest);
}

/* Last 20 bytes of keccak256(X || Y), the point without its 0x04. */
static int
address_of(const secp256k1_context *ctx, const secp256k1_pubkey *pk,
    uint8_t addr[20])
{
	uint8_t	ser[65], h[32];
	size_t	len = sizeof(ser);

	if (secp256k1_ec_pubkey_serialize(ctx, ser, &len, pk,
	    SECP256K1_EC_UNCOMPRESSED) != 1 || len != sizeof(ser))
		return -1;
	keccak256(ser + 1, 64, h);
	memcpy(addr, h + 12, 20);
	return 0;
}

int
evm_address_of_seckey(const secp256k1_context *ctx,
    const uint8_t seckey[32], uint8_t addr[20])
{
	secp256k1_pubkey	pk;

	if (secp256k1_ec_pubkey_create(ctx, &pk, seckey) != 1)
		return -1;
	return address_of(ctx, &pk, addr);
}

int
evm_address_of_pubkey(const secp256k1_context *ctx, const uint8_t *pub,
    size_t len, uint8_t addr[20])
{
	secp256k1_pubkey	pk;

	if (pub == NULL || (len != 33 && len != 65))
		return -1;
	if (secp256k1_ec_pubkey_parse(ctx, &pk, pub, len) != 1)
		return -1;
	return address_of(ctx, &pk, addr);
}

/*
 * EIP-55: a hex letter is upper case where the matching nibble of
 * keccak256(lower-case hex, without "0x") is 8 or more.
 */
void
evm_address_checksum(const uint8_t addr[20], char out[43])
{
	char	*hex = out + 2;
	uint8_t	 h[32], nib;
	size_t	 i;

	out[0] = '0';
	out[1] = 'x';
	for (i = 0; i < 20; i++) {
		hex[2 * i] = hexdig[addr[i] >> 4];
		hex[2 * i + 1] = hexdig[addr[i] & 0x0f];
	}
	keccak256(hex, 40, h);
	for (i = 0; i < 40; i++) {
		nib = i % 2 == 0 ? h[i / 2] >> 4 : h[i / 2] & 0x0f;
		if (hex[i] >= 'a' && nib >= 8)
			hex[i] = (char)(hex[i] - 'a' + 'A');
	}
	out[42] = '\0';
}

int
evm_address_parse(const char *s, size_t len, uint8_t addr[20])
{
	uint8_t	a[20];
	char	want[43];
	int	lower = 0, upper = 0, v;
	size_t	i;
	char	c;

	if (s == NULL || len != 42 || s[0] != '0' || s[1] != 'x')
		return -1;
	for (i = 0; i < 40; i++) {
		c = s[2 + i];
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f') {
			v = c - 'a' + 10;
			lower = 1;
		} else if (c >= 'A' && c <= 'F') {
			v = c - 'A' + 10;
			upper = 1;
		} else
			return -1;
		if (i % 2 == 0)
			a[i / 2] = (uint8_t)(v << 4);
		else
			a[i / 2] |= (uint8_t)v;
	}
	/* One case throughout carries no checksum; mixed case must match. */
	if (lower && upper) {
		evm_address_checksum(a, want);
		if (memcmp(want, s, 42) != 0)
			return -1;
	}
	memcpy(addr, a, 20);
	return 0;
}
