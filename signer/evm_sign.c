/*
 * EVM signing: transactions, EIP-191 personal messages and EIP-712
 * digests, each hashed from what chain/evm.c encodes.
 */
#include <stdint.h>
#include <string.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "evm_sign.h"

/* Sign a 32-byte digest: r || s in sig64, the recovery id in *recid. */
static int
sign_digest(const secp256k1_context *ctx, const uint8_t seckey[32],
    const uint8_t digest[32], uint8_t sig64[64], int *recid)
{
	secp256k1_ecdsa_recoverable_signature	sig;

	if (secp256k1_ecdsa_sign_recoverable(ctx, &sig, digest, seckey,
	    NULL, NULL) != 1)
		return -1;
	if (secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx,
	    sig64, recid, &sig) != 1)
		return -1;
	if (*recid < 0 || *recid > 3)
		return -1;
	return 0;
}

/* The 65-byte r || s || v form of EIP-191 and EIP-712, v = 27 + recid. */
static int
sign_rsv(const secp256k1_context *ctx, const uint8_t seckey[32],
    const uint8_t digest[32], uint8_t out[65])
{
	int	recid;

	if (sign_digest(ctx, seckey, digest, out, &recid) == -1) {
		memset(out, 0, 65);
		return -1;
	}
	out[64] = (uint8_t)(27 + recid);
	return 0;
}

int
evm_tx_sign(const secp256k1_context *ctx, const struct evm_tx *tx,
    const uint8_t seckey[32], uint8_t *out, size_t outcap, size_t *outlen,
    uint8_t txhash[32])
{
	struct rlp	r = { out, 0, outcap };
	uint8_t		digest[32], sig[64];
	size_t		used = 0;
	int		recid;

	*outlen = 0;
	if (evm_tx_check(tx) == -1)
		return -1;
	/* out holds the signing preimage first, then the signed form. */
	if (evm_tx_encode(&r, tx, NULL, 0) == -1)
		goto fail;
	used = r.len;
	keccak256(r.p, r.len, digest);
	if (sign_digest(ctx, seckey, digest, sig, &recid) == -1)
		goto fail;
	if (evm_tx_encode(&r, tx, sig, recid) == -1)
		goto fail;
	keccak256(r.p, r.len, txhash);
	*outlen = r.len;
	return 0;
 fail:
	/* Never leave a half-built transaction that looks sendable. */
	if (r.len > used)
		used = r.len;
	if (used > 0)
		memset(out, 0, used);
	return -1;
}

int
evm_sign_personal(const secp256k1_context *ctx, const uint8_t seckey[32],
    const uint8_t *msg, size_t msglen, uint8_t sig[65])
{
	uint8_t	digest[32];

	if (evm_personal_hash(msg, msglen, digest) == -1)
		return -1;
	return sign_rsv(ctx, seckey, digest, sig);
}

int
evm_sign_typed(const secp256k1_context *ctx, const uint8_t seckey[32],
    const uint8_t domain[32], const uint8_t structhash[32], uint8_t sig[65])
{
	uint8_t	digest[32];

	evm_typed_hash(domain, structhash, digest);
	return sign_rsv(ctx, seckey, digest, sig);
}
