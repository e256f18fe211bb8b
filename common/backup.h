/*
 * The backup archive (waiaas backup create / inspect / restore):
 *
 *	"WAIABK01"			magic, 8 bytes
 *	u32 big-endian			length of the metadata, <= BK_META_MAX
 *	metadata			JSON, in the clear (inspect reads it)
 *	32 bytes			BLAKE2b-256 of the three fields above,
 *					keyed with the metadata key
 *	24 bytes			secretstream header
 *	messages, each u32 big-endian length and an XChaCha20-Poly1305
 *	secretstream message (<= BK_CHUNK bytes of plaintext, the MAC as
 *	associated data); the plaintext is the files of the metadata's
 *	list, in its order, back to back; the last message carries
 *	TAG_FINAL and nothing may follow it.
 *
 * Keys: Argon2id(master password, the metadata's salt and cost) gives a
 * root key; crypto_kdf derives the metadata key (id 1) and the stream
 * key (id 2) from it.  Only a holder of the password can make or check
 * the MAC, so a tampered metadata (or a wrong password) is recognised
 * before anything is decrypted or written.
 *
 * File names in the metadata are checked against a fixed set and are
 * never used as paths: restore maps each to its place itself.
 */
#ifndef WAIAAS_BACKUP_H
#define WAIAAS_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define BK_MAGIC		"WAIABK01"
#define BK_META_MAX		(256 * 1024)
#define BK_MAC_LEN		32
#define BK_SALT_LEN		16
#define BK_CHUNK		(64 * 1024)
#define BK_FILES_MAX		100000
#define BK_FILE_MAX		(4LL * 1024 * 1024 * 1024)
#define BK_FORMAT		1

#define BK_NAME_CONFIG		0	/* config.toml */
#define BK_NAME_DB		1	/* data/waiaas.db */
#define BK_NAME_META		2	/* keystore/keystore.meta */
#define BK_NAME_KEY		3	/* keystore/<uuid>.enc */

struct bk_file {
	char		name[64];
	int		kind;		/* BK_NAME_* */
	long long	size;
	uint8_t		sha256[32];
};

struct bk_meta {
	json_t		*json;		/* the whole metadata */
	uint32_t	 mem_kib;
	uint32_t	 passes;
	uint8_t		 salt[BK_SALT_LEN];
	struct bk_file	*files;
	size_t		 nfiles;
};

int	bk_name_kind(const char *);
/* The header (magic, length, metadata) of buf; 0, or -1 and err. */
int	bk_parse_meta(const uint8_t *, size_t, struct bk_meta *, char *,
	    size_t);
void	bk_meta_free(struct bk_meta *);
/* A whole regular file (at dfd), at most max bytes, in wiped memory;
 * NULL and errno. */
uint8_t	*bk_slurp(int, const char *, long long, size_t *);

/*
 * Make an archive in <dfd>/backups: the database snapshot read from
 * snapfd (given as data/waiaas.db), keystore/keystore.meta, the sealed
 * keys and config.toml of the data directory dfd, sealed under
 * Argon2id(pw, a new salt, mem_kib, passes).  Written as a temporary
 * file, mode 0600, synced, then linked under its name (never over an
 * existing one).  0, or -1 with err.
 */
struct bk_create {
	int		 dfd;
	int		 snapfd;
	const char	*pw;
	size_t		 pwlen;
	uint32_t	 mem_kib;
	uint32_t	 passes;
	long long	 schema;
	long long	 wallets;
	long long	 now;
	/* out */
	char		 name[96];
	char		 created[32];
	long long	 size;
	int		 nfiles;
	long long	 kdf_ms;	/* the Argon2id derivation took */
};
int	bk_create(struct bk_create *, char *, size_t);
/* keys[0] the metadata key, keys[1] the stream key; 0 or -1. */
int	bk_derive(const char *, size_t, const struct bk_meta *,
	    uint8_t keys[2][32]);

#endif
