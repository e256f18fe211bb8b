/*
 * The keystore's on-disk formats, shared by the parent (which stores
 * them) and the signer (which alone can open them).
 *
 * keystore/keystore.meta: the Argon2id salt and parameters and a verifier
 * (an AEAD box of a fixed plaintext under the key-encryption key), so a
 * wrong master password is recognised before anything is touched.
 *
 * keystore/<walletId>.enc: one sealed private key, XChaCha20-Poly1305
 * under the key-encryption key, the associated data binding the wallet
 * id, the chain and the public key, so a blob cannot be swapped onto
 * another wallet.
 */
#ifndef WAIAAS_KEYSTORE_H
#define WAIAAS_KEYSTORE_H

#include <stdint.h>

#define KS_META_MAGIC		"WAIAKS01"
#define KS_BLOB_MAGIC		"WAIAKEY1"
#define KS_SALT_LEN		16
#define KS_NONCE_LEN		24	/* XChaCha20-Poly1305 */
#define KS_TAG_LEN		16
#define KS_VERIFIER_LEN		32
#define KS_ID_LEN		36	/* UUID text */
#define KS_SECRET_LEN		32	/* secp256k1 key or Ed25519 seed */
#define KS_PUB_MAX		33
#define KS_PASSWORD_MAX		1024

#define KS_CHAIN_ETHEREUM	1	/* secp256k1, 33-byte compressed */
#define KS_CHAIN_SOLANA		2	/* Ed25519, 32 bytes */

/* KDF bounds a meta file may ask for: refuse absurd or weak values. */
#define KS_KDF_MEM_MIN		8192		/* KiB */
#define KS_KDF_MEM_MAX		(4 * 1024 * 1024)
#define KS_KDF_PASSES_MAX	16
#define KS_KDF_LANES_MAX	16

struct ks_meta {
	char		magic[8];
	uint32_t	kdf_mem_kib;
	uint32_t	kdf_passes;
	uint32_t	kdf_lanes;
	uint8_t		salt[KS_SALT_LEN];
	uint8_t		vnonce[KS_NONCE_LEN];
	uint8_t		vbox[KS_VERIFIER_LEN + KS_TAG_LEN];
} __attribute__((packed));

struct ks_blob {
	char		magic[8];
	uint8_t		chain;
	uint8_t		publen;
	char		id[KS_ID_LEN];
	uint8_t		pub[KS_PUB_MAX];
	uint8_t		nonce[KS_NONCE_LEN];
	uint8_t		box[KS_SECRET_LEN + KS_TAG_LEN];
} __attribute__((packed));

int	ks_valid_id(const char *, size_t);

#endif
