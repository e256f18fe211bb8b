/*
 * EVM signing, the signer's alone: the secret key stays in the caller's
 * buffer and goes straight to libsecp256k1, whose RFC 6979 nonces make
 * every signature here deterministic and low-s.  What is signed is built
 * by the chain formats (evm.h) from typed fields, never taken as bytes.
 */
#ifndef WAIAAS_EVM_SIGN_H
#define WAIAAS_EVM_SIGN_H

#include "evm.h"

/*
 * Serialize, hash and sign with a low-s recoverable signature.  out gets
 * the raw signed transaction (for eth_sendRawTransaction), txhash its
 * hash.  Returns 0, or -1 (bad fields, buffer too small, signing failed).
 */
int	evm_tx_sign(const secp256k1_context *, const struct evm_tx *,
	    const uint8_t [32], uint8_t *, size_t, size_t *, uint8_t [32]);

/* 65-byte r || s || v signatures with v = 27 + recovery id. */
int	evm_sign_personal(const secp256k1_context *, const uint8_t [32],
	    const uint8_t *, size_t, uint8_t [65]);
int	evm_sign_typed(const secp256k1_context *, const uint8_t [32],
	    const uint8_t [32], const uint8_t [32], uint8_t [65]);

#endif
