/*
 * The keys: unlocked once with Argon2id, kept in guarded, locked memory,
 * generated or imported here, sealed here and handed to the parent only
 * as sealed blobs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <sodium.h>

#include "base58.h"
#include "log.h"
#include "msg.h"
#include "signer.h"
#include "util.h"

static const char verifier_ad[] = "waiaas-keystore-verifier-v1";
static const uint8_t verifier_pt[KS_VERIFIER_LEN] =
    "waiaas keystore verifier, v1....";
static const char blob_ad_tag[] = "waiaas-key-v1";

secp256k1_context	*signer_secp;
struct imsgchan		*signer_parent;
struct imsgchan		*signer_policyd;

static struct {
	uint8_t		*kek;		/* guarded; NULL while locked */
	struct key_slot	*slots;		/* guarded array */
	size_t		 nslots;
	size_t		 cap;
	uint32_t	 freehead;	/* a SLOT_FREE below nslots, + 1 */
	struct keytab	 tab;		/* the slots not free, by wallet id */
	struct ks_meta	 meta;		/* the keystore's, since unlock */
	/* set-master under way: the new key until the parent has it all */
	uint8_t		*newkek;	/* guarded */
	struct ks_meta	 newmeta;
	int		 rekeying;
	uint32_t	 rekey_peerid;
	uint32_t	 rekey_count;	/* keys sealed under the new key */
	int		 rekey_sending;	/* blobs still to go to the parent */
	size_t		 rekey_next;	/* the next slot to seal */
	/* a purge under way: the wallet, and who asked */
	int		 forgetting;
	char		 forget_id[KS_ID_LEN + 1];
	uint32_t	 forget_peerid;
} K;

void
keys_init(void)
{
	unsigned char	seed[32];

	if ((signer_secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE))
	    == NULL)
		fatalx("secp256k1_context_create");
	randombytes_buf(seed, sizeof(seed));
	if (!secp256k1_context_randomize(signer_secp, seed))
		fatalx("secp256k1_context_randomize");
	sodium_memzero(seed, sizeof(seed));
	if ((K.kek = sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES))
	    == NULL || (K.newkek = sodium_malloc(
	    crypto_aead_xchacha20poly1305_ietf_KEYBYTES)) == NULL)
		fatal("sodium_malloc");
	K.cap = 64;
	if ((K.slots = sodium_allocarray(K.cap, sizeof(*K.slots))) == NULL)
		fatal("sodium_allocarray");
	memset(K.slots, 0, K.cap * sizeof(*K.slots));
	if (keytab_init(&K.tab, 2 * K.cap) == -1)
		fatal("key index");
}

static int	unlocked;

/*
 * A free slot, not in the index yet: one freed before (the list of
 * them runs through their nextfree), else the next of the array.
 */
static struct key_slot *
slot_new(void)
{
	struct key_slot	*n;

	if (K.freehead != 0) {
		n = &K.slots[K.freehead - 1];
		K.freehead = n->nextfree;
		n->nextfree = 0;
		return n;
	}
	if (K.nslots == K.cap) {
		/* Grow into a new guarded array; the old one is wiped. */
		if ((n = sodium_allocarray(K.cap * 2, sizeof(*n))) == NULL)
			return NULL;
		memset(n, 0, K.cap * 2 * sizeof(*n));
		memcpy(n, K.slots, K.cap * sizeof(*n));
		sodium_free(K.slots);
		K.slots = n;
		K.cap *= 2;
	}
	return &K.slots[K.nslots++];
}

/* Out of the index (if it was in), wiped, on the free list. */
static void
slot_free(struct key_slot *s)
{
	size_t	idx = (size_t)(s - K.slots);

	if (s->state != SLOT_FREE)
		keytab_del(&K.tab, K.slots, idx);
	sodium_memzero(s, sizeof(*s));
	s->nextfree = K.freehead;
	K.freehead = (uint32_t)idx + 1;
}

/*
 * A slot just filled (its id set) into the index, in this state: 0, or
 * 1 if another slot has that wallet id (this one stays free and out of
 * the index).  A slot is in the index exactly while not SLOT_FREE.
 */
static int
slot_index(struct key_slot *s, int state)
{
	int	r;

	if ((r = keytab_add(&K.tab, K.slots, (size_t)(s - K.slots))) == -1)
		fatal("key index");
	if (r == 0)
		s->state = state;
	return r;
}

/* Any slot of this wallet, whatever its state. */
static struct key_slot *
slot_by_id(const char *id)
{
	long	i;

	if ((i = keytab_find(&K.tab, K.slots, id)) == -1)
		return NULL;
	return &K.slots[i];
}

static int
pub_exists(uint8_t chain, const uint8_t *pub, size_t len)
{
	size_t	i;

	for (i = 0; i < K.nslots; i++)
		if (K.slots[i].state != SLOT_FREE &&
		    K.slots[i].chain == chain && K.slots[i].publen == len &&
		    memcmp(K.slots[i].pub, pub, len) == 0)
			return 1;
	return 0;
}

/* Public key (and the Ed25519 expanded key) from the secret. */
static int
slot_derive(struct key_slot *s)
{
	secp256k1_pubkey	pk;
	size_t			len = 33;
	uint8_t			edpk[32];

	if (s->chain == KS_CHAIN_ETHEREUM) {
		if (!secp256k1_ec_seckey_verify(signer_secp, s->secret) ||
		    !secp256k1_ec_pubkey_create(signer_secp, &pk, s->secret) ||
		    !secp256k1_ec_pubkey_serialize(signer_secp, s->pub, &len,
		    &pk, SECP256K1_EC_COMPRESSED))
			return -1;
		s->publen = 33;
		s->derived = 1;
		return 0;
	}
	if (s->chain == KS_CHAIN_SOLANA) {
		if (crypto_sign_seed_keypair(edpk, s->edsk, s->secret) != 0)
			return -1;
		memcpy(s->pub, edpk, 32);
		s->publen = 32;
		s->derived = 1;
		return 0;
	}
	return -1;
}

/*
 * A key loaded at start is checked against the public key of its blob
 * on its first use rather than at load: that derivation (an elliptic
 * curve multiplication, some 25 us) was most of the start with many
 * wallets.  Until then the blob's public key is the one sealed with
 * this secret (blob_ad authenticates it), so the check catches a key
 * sealed wrong, never a damaged file, which does not open at all.  A
 * key that fails it is dropped, as a blob that did not open was.
 */
static int
slot_check(struct key_slot *s)
{
	uint8_t	pub[KS_PUB_MAX];
	size_t	publen = s->publen;
	int	r = 0;

	if (s->derived)
		return 0;
	memcpy(pub, s->pub, publen);
	if (slot_derive(s) == -1 || s->publen != publen ||
	    memcmp(s->pub, pub, publen) != 0) {
		log_warnx("wallet %s: its key does not give the public key "
		    "sealed with it; the wallet is unusable", s->id);
		slot_free(s);
		r = -1;
	}
	return r;
}

/* The usable key of a wallet (id: KS_ID_LEN bytes), or NULL. */
struct key_slot *
keys_find(const char *id)
{
	struct key_slot	*s;

	if ((s = slot_by_id(id)) == NULL || s->state != SLOT_ACTIVE ||
	    slot_check(s) == -1)
		return NULL;
	return s;
}

static size_t
blob_ad(const struct ks_blob *b, uint8_t *ad)
{
	size_t	n = 0;

	memcpy(ad + n, blob_ad_tag, sizeof(blob_ad_tag) - 1);
	n += sizeof(blob_ad_tag) - 1;
	memcpy(ad + n, b->id, KS_ID_LEN);
	n += KS_ID_LEN;
	ad[n++] = b->chain;
	ad[n++] = b->publen;
	memcpy(ad + n, b->pub, b->publen);
	return n + b->publen;
}

static void
seal(const struct key_slot *s, struct ks_blob *b, const uint8_t *kek)
{
	uint8_t			ad[128];
	unsigned long long	clen;
	size_t			adlen;

	memset(b, 0, sizeof(*b));
	memcpy(b->magic, KS_BLOB_MAGIC, 8);
	b->chain = s->chain;
	b->publen = s->publen;
	memcpy(b->id, s->id, KS_ID_LEN);
	memcpy(b->pub, s->pub, s->publen);
	randombytes_buf(b->nonce, sizeof(b->nonce));
	adlen = blob_ad(b, ad);
	crypto_aead_xchacha20poly1305_ietf_encrypt(b->box, &clen, s->secret,
	    KS_SECRET_LEN, ad, adlen, NULL, b->nonce, kek);
}

/*
 * Open a blob into a slot.  The public key it claims is checked at the
 * key's first use (slot_check); an EVM key is checked to be one now,
 * which costs nothing.
 */
static int
unseal(const struct ks_blob *b, struct key_slot *s)
{
	uint8_t			ad[128];
	unsigned long long	mlen;
	size_t			adlen;

	if (memcmp(b->magic, KS_BLOB_MAGIC, 8) != 0 ||
	    (b->chain != KS_CHAIN_ETHEREUM && b->chain != KS_CHAIN_SOLANA) ||
	    b->publen != (b->chain == KS_CHAIN_ETHEREUM ? 33 : 32) ||
	    !ks_valid_id(b->id, KS_ID_LEN))
		return -1;
	adlen = blob_ad(b, ad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(s->secret, &mlen, NULL,
	    b->box, sizeof(b->box), ad, adlen, b->nonce, K.kek) != 0 ||
	    mlen != KS_SECRET_LEN)
		return -1;
	s->chain = b->chain;
	if (s->chain == KS_CHAIN_ETHEREUM &&
	    !secp256k1_ec_seckey_verify(signer_secp, s->secret))
		return -1;
	memcpy(s->pub, b->pub, b->publen);
	s->publen = b->publen;
	s->derived = 0;
	memcpy(s->id, b->id, KS_ID_LEN);
	s->id[KS_ID_LEN] = '\0';
	return 0;
}

static int
kdf_params_ok(const struct ks_meta *m)
{
	return m->kdf_mem_kib >= KS_KDF_MEM_MIN &&
	    m->kdf_mem_kib <= KS_KDF_MEM_MAX && m->kdf_passes >= 1 &&
	    m->kdf_passes <= KS_KDF_PASSES_MAX && m->kdf_lanes >= 1 &&
	    m->kdf_lanes <= KS_KDF_LANES_MAX &&
	    m->kdf_mem_kib >= 8 * m->kdf_lanes;
}

/*
 * Derive the key-encryption key: Argon2id over all lanes computed in this
 * one thread (the filter allows no thread), the same result as a
 * parallel computation.
 */
static int
derive_kek(uint8_t *kek, const struct ks_meta *m, char *pw, size_t pwlen)
{
	argon2_context	ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.out = kek;
	ctx.outlen = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
	ctx.pwd = (uint8_t *)pw;
	ctx.pwdlen = (uint32_t)pwlen;
	ctx.salt = (uint8_t *)(uintptr_t)m->salt;
	ctx.saltlen = KS_SALT_LEN;
	ctx.t_cost = m->kdf_passes;
	ctx.m_cost = m->kdf_mem_kib;
	ctx.lanes = m->kdf_lanes;
	ctx.threads = 1;
	ctx.version = ARGON2_VERSION_13;
	ctx.flags = ARGON2_FLAG_CLEAR_PASSWORD;
	return argon2_ctx(&ctx, Argon2_id) == ARGON2_OK ? 0 : -1;
}

/* The verifier box: the fixed plaintext under kek, a fresh nonce. */
static void
make_verifier(struct ks_meta *m, const uint8_t *kek)
{
	unsigned long long	len;

	randombytes_buf(m->vnonce, sizeof(m->vnonce));
	crypto_aead_xchacha20poly1305_ietf_encrypt(m->vbox, &len,
	    verifier_pt, sizeof(verifier_pt), (const uint8_t *)verifier_ad,
	    sizeof(verifier_ad) - 1, NULL, m->vnonce, kek);
}

void
keys_unlock(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ctl_unlock	*u;
	struct ctl_unlocked	 r;
	uint8_t			 pt[KS_VERIFIER_LEN];
	unsigned long long	 len;

	(void)arg;
	if (unlocked)
		fatalx("IMSG_CTL_UNLOCK twice");
	/* In place in the read buffer, which is wiped once we return. */
	u = (struct ctl_unlock *)(uintptr_t)imsg->data;
	memset(&r, 0, sizeof(r));
	r.status = UNLOCK_ERROR;
	if (u->pwlen == 0 || u->pwlen > KS_PASSWORD_MAX ||
	    !kdf_params_ok(&u->meta))
		goto out;
	r.meta = u->meta;
	if (!u->have_meta) {
		memcpy(r.meta.magic, KS_META_MAGIC, 8);
		randombytes_buf(r.meta.salt, sizeof(r.meta.salt));
	}
	/* With "keystore unlocked", the derivation's time (bench/start.sh). */
	log_debug("deriving the key-encryption key");
	if (derive_kek(K.kek, &r.meta, u->pw, u->pwlen) == -1)
		goto out;
	if (u->have_meta) {
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &len, NULL,
		    r.meta.vbox, sizeof(r.meta.vbox),
		    (const uint8_t *)verifier_ad, sizeof(verifier_ad) - 1,
		    r.meta.vnonce, K.kek) != 0 || len != sizeof(pt) ||
		    sodium_memcmp(pt, verifier_pt, sizeof(pt)) != 0) {
			sodium_memzero(K.kek, 32);
			r.status = UNLOCK_WRONG;
			goto out;
		}
	} else
		make_verifier(&r.meta, K.kek);
	K.meta = r.meta;
	unlocked = 1;
	r.status = UNLOCK_OK;
	log_info("keystore unlocked (Argon2id %u KiB, %u passes, %u lanes)",
	    r.meta.kdf_mem_kib, r.meta.kdf_passes, r.meta.kdf_lanes);
out:
	sodium_memzero(u->pw, sizeof(u->pw));
	if (imsgchan_compose(ch, IMSG_CTL_UNLOCKED, 0, -1, &r,
	    sizeof(r)) == -1)
		fatal("IMSG_CTL_UNLOCKED");
}

static void
reply_status(struct imsgchan *ch, uint32_t type, uint32_t peerid, int st,
    const char *id)
{
	struct ks_status	r;

	memset(&r, 0, sizeof(r));
	r.status = st;
	memcpy(r.id, id, KS_ID_LEN);
	if (imsgchan_compose(ch, type, peerid, -1, &r, sizeof(r)) == -1)
		fatal("%s", imsg_type_name(type));
}

/* The parent hands over a sealed key read from disk at start. */
void
keys_load(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ks_blob	 b;
	struct key_slot	*s;
	char		 id[KS_ID_LEN + 1];

	(void)arg;
	memcpy(&b, imsg->data, sizeof(b));
	memcpy(id, b.id, KS_ID_LEN);
	id[KS_ID_LEN] = '\0';
	if (!unlocked)
		fatalx("IMSG_KS_LOAD while locked");
	if (!ks_valid_id(id, KS_ID_LEN))
		memset(id, '?', KS_ID_LEN);
	if ((s = slot_new()) == NULL)
		fatal("key slots");
	if (unseal(&b, s) == -1 || slot_index(s, SLOT_ACTIVE) != 0) {
		slot_free(s);
		reply_status(ch, IMSG_KS_LOADED, 0, KS_BAD, id);
		return;
	}
	reply_status(ch, IMSG_KS_LOADED, 0, KS_OK, id);
}

static void
reply_key(uint32_t peerid, int st, const char *id, const struct key_slot *s)
{
	struct signer_key	r;

	memset(&r, 0, sizeof(r));
	r.status = st;
	memcpy(r.id, id, KS_ID_LEN);
	signer_count(SOP_KEY, st == KS_OK);
	if (s != NULL) {
		r.chain = s->chain;
		r.publen = s->publen;
		memcpy(r.pub, s->pub, s->publen);
	}
	if (imsgchan_compose(signer_policyd, IMSG_SIGNER_KEY, peerid, -1, &r,
	    sizeof(r)) == -1)
		fatal("IMSG_SIGNER_KEY");
}

/* A new or imported key: seal it and ask the parent to store it. */
static void
store(struct key_slot *s, uint32_t peerid)
{
	struct ks_blob	b;

	seal(s, &b, K.kek);
	s->state = SLOT_PENDING;
	s->peerid = peerid;
	if (imsgchan_compose(signer_parent, IMSG_KS_STORE, 0, -1, &b,
	    sizeof(b)) == -1)
		fatal("IMSG_KS_STORE");
}

static int
request_ok(uint32_t peerid, const char *id, uint32_t chain)
{
	if (memchr(id, '\0', KS_ID_LEN + 1) != id + KS_ID_LEN ||
	    !ks_valid_id(id, KS_ID_LEN))
		fatalx("key request with a malformed wallet id");
	if (chain != KS_CHAIN_ETHEREUM && chain != KS_CHAIN_SOLANA)
		fatalx("key request for unknown chain %u", chain);
	if (!unlocked) {
		reply_key(peerid, KS_LOCKED, id, NULL);
		return 0;
	}
	/* A key made now would miss the new keystore being written. */
	if (K.rekeying) {
		reply_key(peerid, KS_BUSY, id, NULL);
		return 0;
	}
	return 1;
}

void
keys_keygen(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct signer_keygen	 req;
	struct key_slot		*s;

	(void)ch;
	(void)arg;
	memcpy(&req, imsg->data, sizeof(req));
	if (!request_ok(imsg->hdr.peerid, req.id, req.chain))
		return;
	if ((s = slot_new()) == NULL)
		fatal("key slots");
	s->chain = (uint8_t)req.chain;
	memcpy(s->id, req.id, sizeof(s->id));
	/* One key per wallet: a second is refused, not stored over it. */
	if (slot_index(s, SLOT_PENDING) != 0) {
		slot_free(s);
		reply_key(imsg->hdr.peerid, KS_EXISTS, req.id, NULL);
		return;
	}
	do {
		randombytes_buf(s->secret, sizeof(s->secret));
	} while (slot_derive(s) == -1);
	store(s, imsg->hdr.peerid);
}

/* Hex (EVM, 32 bytes) or base58 (Solana, seed || public key). */
static int
decode_import(struct key_slot *s, const char *text, size_t len)
{
	uint8_t	raw[64], pub[32];
	size_t	n;
	int	r = -1;

	if (s->chain == KS_CHAIN_ETHEREUM) {
		if (len >= 2 && text[0] == '0' && (text[1] == 'x' ||
		    text[1] == 'X')) {
			text += 2;
			len -= 2;
		}
		if (len == 64 && sodium_hex2bin(s->secret, 32, text, len,
		    NULL, &n, NULL) == 0 && n == 32)
			r = slot_derive(s);
	} else if (base58_decode(text, len, raw, sizeof(raw)) == 64) {
		memcpy(s->secret, raw, 32);
		memcpy(pub, raw + 32, 32);
		if (slot_derive(s) == 0 && memcmp(s->pub, pub, 32) == 0)
			r = 0;
	}
	sodium_memzero(raw, sizeof(raw));
	return r;
}

void
keys_import(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	static struct signer_import	 copy;
	struct signer_import		*req = &copy;
	struct key_slot			*s;
	char				 id[KS_ID_LEN + 1];
	uint32_t			 peerid = imsg->hdr.peerid;

	(void)ch;
	(void)arg;
	/*
	 * Copied for alignment (a message may start at any offset of the
	 * read buffer); the key text is wiped from this copy below and from
	 * the read buffer when we return.
	 */
	memcpy(req, imsg->data, sizeof(*req));
	memcpy(id, req->id, sizeof(id));
	if (req->keylen > KEYTEXT_MAX)
		fatalx("IMSG_SIGNER_IMPORT: key text too long");
	if (!request_ok(peerid, id, req->chain))
		goto out;
	if ((s = slot_new()) == NULL)
		fatal("key slots");
	s->chain = (uint8_t)req->chain;
	memcpy(s->id, id, sizeof(s->id));
	if (decode_import(s, req->key, req->keylen) == -1) {
		slot_free(s);
		reply_key(peerid, KS_INVALID, id, NULL);
		goto out;
	}
	if (pub_exists(s->chain, s->pub, s->publen) ||
	    slot_index(s, SLOT_PENDING) != 0) {
		slot_free(s);
		reply_key(peerid, KS_EXISTS, id, NULL);
		goto out;
	}
	store(s, peerid);
out:
	sodium_memzero(req, sizeof(*req));
}

/* The parent wrote (or failed to write) a sealed key. */
void
keys_stored(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ks_status	 r;
	struct key_slot		*s;

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	if ((s = slot_by_id(r.id)) == NULL || s->state != SLOT_PENDING)
		fatalx("IMSG_KS_STORED for no pending key");
	if (r.status != KS_OK) {
		reply_key(s->peerid, KS_ERROR, s->id, NULL);
		slot_free(s);
		return;
	}
	s->state = SLOT_ACTIVE;
	reply_key(s->peerid, KS_OK, s->id, s);
}

static void
reply_rekeyed(uint32_t peerid, int st, uint32_t count)
{
	struct ks_status	r;

	memset(&r, 0, sizeof(r));
	r.status = st;
	r.count = count;
	signer_count(SOP_REKEY, st == KS_OK);
	if (imsgchan_compose(signer_policyd, IMSG_SIGNER_REKEYED, peerid, -1,
	    &r, sizeof(r)) == -1)
		fatal("IMSG_SIGNER_REKEYED");
}

/*
 * set-master: a new salt, a new key-encryption key from the new
 * password, every key sealed again under it and handed to the parent,
 * which writes the whole new keystore beside the old one and switches
 * in one step.  The old key stays in use until the parent says the new
 * keystore is the one on disk: a failure anywhere leaves the old one.
 * Signing goes on meanwhile; new keys wait (KS_BUSY).
 */
void
keys_rekey(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	static struct signer_rekey	 copy;
	struct signer_rekey		*req = &copy;
	struct ks_rekey_begin		 begin;
	size_t				 i, n = 0;
	uint32_t			 peerid = imsg->hdr.peerid;

	(void)ch;
	(void)arg;
	/* Copied for alignment; wiped below, the read buffer on return. */
	memcpy(req, imsg->data, sizeof(*req));
	if (req->pwlen == 0 || req->pwlen > KS_PASSWORD_MAX)
		fatalx("IMSG_SIGNER_REKEY: bad password length");
	if (!unlocked) {
		reply_rekeyed(peerid, KS_LOCKED, 0);
		goto out;
	}
	for (i = 0; i < K.nslots; i++)
		if (K.slots[i].state == SLOT_PENDING)
			break;
	if (K.rekeying || K.forgetting || i < K.nslots) {
		reply_rekeyed(peerid, KS_BUSY, 0);
		goto out;
	}
	K.newmeta = K.meta;
	randombytes_buf(K.newmeta.salt, sizeof(K.newmeta.salt));
	if (derive_kek(K.newkek, &K.newmeta, req->pw, req->pwlen) == -1) {
		sodium_memzero(K.newkek, 32);
		reply_rekeyed(peerid, KS_ERROR, 0);
		goto out;
	}
	make_verifier(&K.newmeta, K.newkek);
	/*
	 * Keys not used since the start are checked now: one that fails
	 * is dropped and not sealed again (the parent carries its file
	 * over, as one that did not open), and none can drop out while
	 * the blobs go, which the count below must match.
	 */
	for (i = 0; i < K.nslots; i++)
		if (K.slots[i].state == SLOT_ACTIVE &&
		    slot_check(&K.slots[i]) == 0)
			n++;
	memset(&begin, 0, sizeof(begin));
	begin.meta = K.newmeta;
	begin.count = (uint32_t)n;
	if (imsgchan_compose(signer_parent, IMSG_KS_REKEY_BEGIN, 0, -1,
	    &begin, sizeof(begin)) == -1)
		fatal("IMSG_KS_REKEY_BEGIN");
	K.rekeying = 1;
	K.rekey_peerid = peerid;
	K.rekey_count = (uint32_t)n;
	K.rekey_sending = 1;
	K.rekey_next = 0;
	keys_rekey_more();
	log_info("master password change: %zu keys being sealed under a "
	    "new key-encryption key", n);
out:
	sodium_memzero(req, sizeof(*req));
}

/*
 * The keys of a master password change, sealed and sent as the parent
 * takes them (it writes and syncs each): all at once, 10 k wallets'
 * blobs overran the channel's write queue and the signer died.  The
 * queue is kept under half full; when the socket will take no more,
 * the main loop's POLLOUT brings us back.  Nothing else changes the
 * slots meanwhile: new keys and purges wait (KS_BUSY) and every key
 * was checked first.
 */
void
keys_rekey_more(void)
{
	struct ks_blob	 b;
	struct key_slot	*s;
	size_t		 half = signer_parent->wmax / 2;

	while (K.rekey_sending) {
		if (imsgchan_room(signer_parent) < half) {
			if (imsgchan_flush(signer_parent) == -1)
				fatal("write to parent");
			if (imsgchan_room(signer_parent) < half)
				return;
		}
		if (K.rekey_next == K.nslots) {
			if (imsgchan_compose(signer_parent,
			    IMSG_KS_REKEY_COMMIT, 0, -1, NULL, 0) == -1)
				fatal("IMSG_KS_REKEY_COMMIT");
			K.rekey_sending = 0;
			break;
		}
		s = &K.slots[K.rekey_next++];
		if (s->state != SLOT_ACTIVE)
			continue;
		seal(s, &b, K.newkek);
		if (imsgchan_compose(signer_parent, IMSG_KS_REKEY_BLOB, 0, -1,
		    &b, sizeof(b)) == -1)
			fatal("IMSG_KS_REKEY_BLOB");
	}
}

/* The parent switched to the new keystore (or failed and kept the old). */
void
keys_rekeyed(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ks_status	r;

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	if (!K.rekeying)
		fatalx("IMSG_KS_REKEYED without a change under way");
	K.rekeying = 0;
	if (r.status == KS_OK) {
		memcpy(K.kek, K.newkek, 32);
		K.meta = K.newmeta;
		log_info("master password changed");
	} else
		log_warnx("master password change failed; the old one "
		    "stays");
	sodium_memzero(K.newkek, 32);
	reply_rekeyed(K.rekey_peerid, r.status == KS_OK ? KS_OK : KS_ERROR,
	    r.status == KS_OK ? K.rekey_count : 0);
}

/*
 * A purged wallet's key: no longer used from now on, its file removed by
 * the parent, then wiped (keys_removed).  A wallet whose key is not
 * here (its file did not open at start, or a purge that failed after
 * the key went) still has the parent remove a file it may have.
 */
void
keys_forget(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ks_status	 r;
	struct key_slot		*s;

	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	if (memchr(r.id, '\0', sizeof(r.id)) != r.id + KS_ID_LEN ||
	    !ks_valid_id(r.id, KS_ID_LEN))
		fatalx("IMSG_SIGNER_FORGET: a malformed wallet id");
	if (!unlocked) {
		reply_status(ch, IMSG_SIGNER_FORGOTTEN, imsg->hdr.peerid,
		    KS_LOCKED, r.id);
		return;
	}
	if (K.rekeying || K.forgetting) {
		reply_status(ch, IMSG_SIGNER_FORGOTTEN, imsg->hdr.peerid,
		    KS_BUSY, r.id);
		return;
	}
	if ((s = keys_find(r.id)) != NULL)
		s->state = SLOT_FORGET;
	K.forgetting = 1;
	K.forget_peerid = imsg->hdr.peerid;
	memcpy(K.forget_id, r.id, sizeof(K.forget_id));
	memset(&r, 0, sizeof(r));
	memcpy(r.id, K.forget_id, KS_ID_LEN);
	if (imsgchan_compose(signer_parent, IMSG_KS_REMOVE, 0, -1, &r,
	    sizeof(r)) == -1)
		fatal("IMSG_KS_REMOVE");
}

/* The parent removed (or failed to remove) the purged key's file. */
void
keys_removed(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ks_status	 r;
	struct key_slot		*s;

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	if (!K.forgetting || memcmp(r.id, K.forget_id, KS_ID_LEN) != 0)
		fatalx("IMSG_KS_REMOVED for no key being forgotten");
	/* No slot in SLOT_FORGET: the wallet had no key here. */
	if ((s = slot_by_id(K.forget_id)) != NULL &&
	    s->state == SLOT_FORGET) {
		/* The file is still there: the key stays usable. */
		if (r.status != KS_OK)
			s->state = SLOT_ACTIVE;
		else
			slot_free(s);
	}
	K.forgetting = 0;
	if (r.status == KS_OK)
		log_info("key of wallet %s forgotten", K.forget_id);
	reply_status(signer_policyd, IMSG_SIGNER_FORGOTTEN, K.forget_peerid,
	    r.status == KS_OK ? KS_OK : KS_ERROR, K.forget_id);
}
