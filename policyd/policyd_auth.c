/*
 * masterAuth.  policyd never holds the master password, only its Argon2id
 * hash, handed over by the parent at start.  Verifying costs a full
 * Argon2id, so a password once verified is recognised afterwards through
 * a keyed BLAKE2b of it, kept in guarded memory with a random key.
 */
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "policyd.h"

static struct {
	char		 hash[MASTER_HASH_MAX];
	int		 have_hash;
	uint8_t		*cache;		/* guarded: key[32] || mac[32] */
	int		 cached;
} A;

void
auth_master_hash(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	(void)ch;
	(void)arg;
	if (A.have_hash)
		fatalx("IMSG_CTL_MASTER_HASH twice");
	memcpy(A.hash, imsg->data, sizeof(A.hash));
	if (memchr(A.hash, '\0', sizeof(A.hash)) == NULL ||
	    strncmp(A.hash, "$argon2id$", 10) != 0)
		fatalx("IMSG_CTL_MASTER_HASH: not an Argon2id hash");
	if ((A.cache = sodium_malloc(64)) == NULL)
		fatal("sodium_malloc");
	randombytes_buf(A.cache, 32);
	A.have_hash = 1;
}

/* 1 if cred is the master password; 0 if not, or not yet known. */
int
auth_master(const struct api_cred *cred)
{
	uint8_t	mac[32];
	int	ok;

	if (!A.have_hash || cred->kind != CRED_MASTER || cred->len == 0 ||
	    cred->len > KS_PASSWORD_MAX)
		return 0;
	crypto_generichash(mac, sizeof(mac), (const uint8_t *)cred->value,
	    cred->len, A.cache, 32);
	if (A.cached && sodium_memcmp(mac, A.cache + 32, 32) == 0) {
		sodium_memzero(mac, sizeof(mac));
		return 1;
	}
	ok = crypto_pwhash_str_verify(A.hash, cred->value, cred->len) == 0;
	if (ok) {
		memcpy(A.cache + 32, mac, 32);
		A.cached = 1;
	}
	sodium_memzero(mac, sizeof(mac));
	return ok;
}
