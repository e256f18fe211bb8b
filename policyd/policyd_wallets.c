/*
 * Wallets: created or imported on the operator's word (masterAuth).  The
 * key is made (or decoded) inside the signer, sealed there, stored by the
 * parent; only then does the wallet row exist.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base58.h"
#include "evm.h"
#include "log.h"
#include "policyd.h"
#include "util.h"
#include "wipe.h"

struct pending {
	TAILQ_ENTRY(pending)	 entry;
	uint32_t		 id;		/* our id to the signer */
	uint32_t		 api_peerid;
	char			 wallet[KS_ID_LEN + 1];
	char			 name[WALLET_NAME_MAX + 1];
	int			 chain;
	int			 env;
};

static TAILQ_HEAD(, pending)	pending = TAILQ_HEAD_INITIALIZER(pending);
static uint32_t			next_id;
static size_t			npending;

#define PENDING_MAX	256

const char *
chain_name(int chain)
{
	return chain == KS_CHAIN_ETHEREUM ? "ethereum" : "solana";
}

const char *
env_name(int env)
{
	return env == ENV_MAINNET ? "mainnet" : "testnet";
}

/* A wallet's default network, from its chain and environment. */
const char *
default_network(int chain, int env)
{
	if (chain == KS_CHAIN_ETHEREUM)
		return env == ENV_MAINNET ? "ethereum-mainnet" :
		    "ethereum-sepolia";
	return env == ENV_MAINNET ? "mainnet" : "devnet";
}

/* The one reply type to the api: status, error code, then the body. */
static void
reply(uint32_t peerid, int status, int retryable, const char *code,
    const char *body, size_t len)
{
	struct api_reply	r;
	struct iovec		iov[2];

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.retryable = (uint32_t)retryable;
	if (code != NULL)
		strlcpy(r.code, code, sizeof(r.code));
	iov[0].iov_base = &r;
	iov[0].iov_len = sizeof(r);
	iov[1].iov_base = (void *)(uintptr_t)body;
	iov[1].iov_len = len;
	if (imsgev_composev(&pd.api, IMSG_API_REPLY, peerid, -1, iov, 2) == -1)
		fatal("IMSG_API_REPLY");
}

void
pd_reply(uint32_t peerid, int status, const char *code, const char *body,
    size_t len)
{
	reply(peerid, status, 0, code, body, len);
}

/* Answer with a JSON document, which this consumes (jansson allocates
 * with the wiping allocator, hence wipe_free). */
void
pd_reply_json(uint32_t peerid, int status, json_t *j)
{
	char	*body;

	if (j == NULL || (body = json_dumps(j, JSON_COMPACT)) == NULL)
		fatalx("json_dumps");
	pd_reply(peerid, status, NULL, body, strlen(body));
	wipe_free(body);
	json_decref(j);
}

void
pd_fail(uint32_t peerid, int status, const char *code, const char *msg,
    int retryable)
{
	reply(peerid, status, retryable, code, msg, strlen(msg));
}

static int
master_or_fail(uint32_t peerid, const struct api_cred *cred)
{
	if (auth_master(cred))
		return 1;
	log_warnx("masterAuth failed");
	pd_fail(peerid, 401, "INVALID_MASTER_PASSWORD", cred->kind ==
	    CRED_NONE ? "X-Master-Password is required" :
	    "invalid master password", 0);
	return 0;
}

void
wallets_create(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct api_wallet_create	*req;
	struct signer_import		*imp;
	struct signer_keygen		 kg;
	struct pending			*pe;
	uint32_t			 peerid = imsg->hdr.peerid;

	(void)ch;
	(void)arg;
	/* In place: the read buffer is wiped once this returns. */
	req = (struct api_wallet_create *)(uintptr_t)imsg->data;
	if (memchr(req->name, '\0', sizeof(req->name)) == NULL ||
	    memchr(req->cred.value, '\0', sizeof(req->cred.value)) == NULL ||
	    (req->chain != KS_CHAIN_ETHEREUM &&
	    req->chain != KS_CHAIN_SOLANA) ||
	    (req->env != ENV_TESTNET && req->env != ENV_MAINNET) ||
	    req->keylen > KEYTEXT_MAX || req->name[0] == '\0')
		fatalx("IMSG_API_WALLET_CREATE: malformed");
	if (!master_or_fail(peerid, &req->cred))
		goto out;
	if (npending >= PENDING_MAX) {
		pd_fail(peerid, 503, "SERVICE_UNAVAILABLE", "too many "
		    "wallets being created", 1);
		goto out;
	}
	if ((pe = calloc(1, sizeof(*pe))) == NULL)
		fatal("calloc");
	pe->id = ++next_id;
	pe->api_peerid = peerid;
	pe->chain = (int)req->chain;
	pe->env = (int)req->env;
	uuidv7(pe->wallet);
	strlcpy(pe->name, req->name, sizeof(pe->name));
	TAILQ_INSERT_TAIL(&pending, pe, entry);
	npending++;

	if (req->import) {
		if ((imp = sodium_malloc(sizeof(*imp))) == NULL)
			fatal("sodium_malloc");
		memset(imp, 0, sizeof(*imp));
		memcpy(imp->id, pe->wallet, sizeof(imp->id));
		imp->chain = req->chain;
		imp->keylen = req->keylen;
		memcpy(imp->key, req->key, req->keylen);
		if (imsgev_compose(&pd.signer, IMSG_SIGNER_IMPORT, pe->id, -1,
		    imp, sizeof(*imp)) == -1)
			fatal("IMSG_SIGNER_IMPORT");
		sodium_free(imp);
	} else {
		memset(&kg, 0, sizeof(kg));
		memcpy(kg.id, pe->wallet, sizeof(kg.id));
		kg.chain = req->chain;
		if (imsgev_compose(&pd.signer, IMSG_SIGNER_KEYGEN, pe->id, -1,
		    &kg, sizeof(kg)) == -1)
			fatal("IMSG_SIGNER_KEYGEN");
	}
out:
	sodium_memzero(req->cred.value, sizeof(req->cred.value));
	sodium_memzero(req->key, sizeof(req->key));
}

/* The address clients know a wallet by. */
static int
public_key_text(const struct signer_key *k, char *out, size_t len)
{
	static secp256k1_context	*ctx;
	uint8_t				 addr[20];

	if (k->chain == KS_CHAIN_SOLANA && k->publen == 32)
		return base58_encode(k->pub, 32, out, len) > 0 ? 0 : -1;
	if (k->chain != KS_CHAIN_ETHEREUM || k->publen != 33 || len < 43)
		return -1;
	if (ctx == NULL && (ctx = secp256k1_context_create(
	    SECP256K1_CONTEXT_NONE)) == NULL)
		fatalx("secp256k1_context_create");
	if (evm_address_of_pubkey(ctx, k->pub, 33, addr) == -1)
		return -1;
	evm_address_checksum(addr, out);
	return 0;
}

void
wallets_signer_key(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct signer_key	 k;
	struct pending		*pe;
	const char		*net;
	char			 pub[64];
	json_t			*j;
	long long		 now = (long long)time(NULL);

	(void)ch;
	(void)arg;
	memcpy(&k, imsg->data, sizeof(k));
	TAILQ_FOREACH(pe, &pending, entry)
		if (pe->id == imsg->hdr.peerid)
			break;
	if (pe == NULL || memcmp(k.id, pe->wallet, KS_ID_LEN) != 0)
		fatalx("IMSG_SIGNER_KEY for no pending wallet");
	TAILQ_REMOVE(&pending, pe, entry);
	npending--;

	switch (k.status) {
	case KS_OK:
		break;
	case KS_INVALID:
		pd_fail(pe->api_peerid, 400, "INVALID_PRIVATE_KEY", pe->chain
		    == KS_CHAIN_ETHEREUM ? "privateKey is not a valid "
		    "secp256k1 key (32 bytes of hex)" : "privateKey is not a "
		    "valid Solana secret key (base58 of 64 bytes: seed and "
		    "its public key)", 0);
		goto done;
	case KS_EXISTS:
		pd_fail(pe->api_peerid, 409, "WALLET_ALREADY_EXISTS", "a "
		    "wallet with this key already exists", 0);
		goto done;
	case KS_LOCKED:
		pd_fail(pe->api_peerid, 503, "KEYSTORE_LOCKED", "the "
		    "keystore is not unlocked yet", 1);
		goto done;
	default:
		pd_fail(pe->api_peerid, 500, "INTERNAL_ERROR", "the key "
		    "could not be stored", 1);
		goto done;
	}
	net = default_network(pe->chain, pe->env);
	if (public_key_text(&k, pub, sizeof(pub)) == -1 ||
	    store_wallet_insert(pe->wallet, pe->name, pe->chain, pe->env,
	    net, pub, now) == -1) {
		/* The sealed file stays; the wallet is not listed. */
		log_warnx("wallet %s: key stored but the wallet row could "
		    "not be written", pe->wallet);
		pd_fail(pe->api_peerid, 500, "INTERNAL_ERROR", "the wallet "
		    "could not be recorded", 1);
		goto done;
	}
	log_info("wallet %s created (%s, %s)", pe->wallet,
	    chain_name(pe->chain), net);
	if ((j = store_wallet(pe->wallet)) == NULL)
		fatalx("wallet %s vanished", pe->wallet);
	/* Sessions arrive with the session store; none is made yet. */
	json_object_set_new(j, "session", json_null());
	pd_reply_json(pe->api_peerid, 201, j);
done:
	sodium_memzero(pe, sizeof(*pe));
	free(pe);
}

void
wallets_list(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct api_cred	*cred;

	(void)ch;
	(void)arg;
	cred = (struct api_cred *)(uintptr_t)imsg->data;
	if (memchr(cred->value, '\0', sizeof(cred->value)) == NULL)
		fatalx("IMSG_API_WALLET_LIST: malformed");
	if (master_or_fail(imsg->hdr.peerid, cred))
		pd_reply_json(imsg->hdr.peerid, 200, store_wallet_list());
	sodium_memzero(cred->value, sizeof(cred->value));
}

void
wallets_get(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct api_wallet_get	*req;
	json_t			*j;

	(void)ch;
	(void)arg;
	req = (struct api_wallet_get *)(uintptr_t)imsg->data;
	if (memchr(req->cred.value, '\0', sizeof(req->cred.value)) == NULL ||
	    memchr(req->id, '\0', sizeof(req->id)) == NULL)
		fatalx("IMSG_API_WALLET_GET: malformed");
	if (master_or_fail(imsg->hdr.peerid, &req->cred)) {
		if ((j = store_wallet(req->id)) == NULL)
			pd_fail(imsg->hdr.peerid, 404, "WALLET_NOT_FOUND",
			    "no such wallet", 0);
		else
			pd_reply_json(imsg->hdr.peerid, 200, j);
	}
	sodium_memzero(req->cred.value, sizeof(req->cred.value));
}
