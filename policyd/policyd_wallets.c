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
#include "jsonw.h"
#include "log.h"
#include "policyd.h"
#include "routes.h"
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
	int			 create_session;
	int			 imported;
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

	/* A reply from the ntfy topic: nobody waits for the answer. */
	if (peerid == PD_PEER_TOPIC) {
		pd.topic_status = status;
		return;
	}
	memset(&r, 0, sizeof(r));
	r.status = status;
	r.retryable = (uint32_t)retryable;
	if (code != NULL)
		strlcpy(r.code, code, sizeof(r.code));
	/*
	 * An answer the channel cannot carry (a session's connect-info
	 * with many wallets and large global policies, say) becomes an
	 * error the caller can read; it must not take the daemon down.
	 */
	if (IMSG_HDR_SIZE + sizeof(r) + len > pd.api.ch.maxmsg) {
		log_warnx("answer of %zu bytes to request %u is over the "
		    "channel's limit of %zu", len, peerid, pd.api.ch.maxmsg);
		reply(peerid, 500, 0, "INTERNAL_ERROR", PD_TOO_LARGE,
		    strlen(PD_TOO_LARGE));
		return;
	}
	iov[0].iov_base = &r;
	iov[0].iov_len = sizeof(r);
	iov[1].iov_base = (void *)(uintptr_t)body;
	iov[1].iov_len = len;
	if (imsgev_composev(&pd.api, IMSG_API_REPLY, peerid, -1, iov, 2) == -1)
		fatal("IMSG_API_REPLY");
	idem_done(peerid);
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
	/*
	 * Most answers fit one buffer kept for them, wiped after each use,
	 * and are written by jsonw_compact() (common/jsonw.c says why);
	 * the rest by json_dumps().
	 */
	static char	 buf[32768];
	char		*body;
	size_t		 n;

	if (j == NULL)
		fatalx("pd_reply_json: no document");
	if ((n = jsonw_compact(j, buf, sizeof(buf))) > 0 &&
	    n <= sizeof(buf))
		pd_reply(peerid, status, NULL, buf, n);
	else {
		if ((body = json_dumps(j, JSON_COMPACT)) == NULL)
			fatalx("json_dumps");
		pd_reply(peerid, status, NULL, body, strlen(body));
		wipe_free(body);
	}
	/* What was written, whole or the part that fitted. */
	sodium_memzero(buf, n < sizeof(buf) ? n : sizeof(buf));
	json_decref(j);
}

void
pd_fail(uint32_t peerid, int status, const char *code, const char *msg,
    int retryable)
{
	reply(peerid, status, retryable, code, msg, strlen(msg));
}

/* Begin a transaction: 1, or 0 after answering 503. */
int
pd_begin(struct pd_ctx *c)
{
	if (store_begin() == 0)
		return 1;
	pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "database busy", 1);
	return 0;
}

void
pd_fail_retry(uint32_t peerid, int status, const char *code,
    const char *msg, int seconds)
{
	struct api_reply	r;
	struct iovec		iov[2];

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.retryable = 1;
	r.retry_after = (uint32_t)seconds;
	strlcpy(r.code, code, sizeof(r.code));
	iov[0].iov_base = &r;
	iov[0].iov_len = sizeof(r);
	iov[1].iov_base = (void *)(uintptr_t)msg;
	iov[1].iov_len = strlen(msg);
	if (imsgev_composev(&pd.api, IMSG_API_REPLY, peerid, -1, iov, 2) == -1)
		fatal("IMSG_API_REPLY");
	idem_done(peerid);
}

static int
chain_of(const char *s)
{
	return strcmp(s, "ethereum") == 0 ? KS_CHAIN_ETHEREUM :
	    KS_CHAIN_SOLANA;
}

/* POST /v1/wallets and /v1/wallets/import (the api checked the shape). */
void
wallets_create(struct pd_ctx *c)
{
	struct signer_import	*imp;
	struct signer_keygen	 kg;
	struct pending		*pe;
	json_t			*key;
	const char		*name, *chain, *env;

	if (kill_refuse(c))
		return;
	name = json_string_value(json_object_get(c->body, "name"));
	chain = json_string_value(json_object_get(c->body, "chain"));
	env = json_string_value(json_object_get(c->body, "environment"));
	key = json_object_get(c->body, "privateKey");
	if (name == NULL || chain == NULL || env == NULL ||
	    strlen(name) > WALLET_NAME_MAX ||
	    (key != NULL) != (c->route == R_WALLET_IMPORT) ||
	    (key != NULL && (!json_is_string(key) ||
	    json_string_length(key) > KEYTEXT_MAX)))
		fatalx("wallet create: malformed body from the api");
	if (npending >= PENDING_MAX) {
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "too many "
		    "wallets being created", 1);
		return;
	}
	if ((pe = calloc(1, sizeof(*pe))) == NULL)
		fatal("calloc");
	pe->id = ++next_id;
	pe->api_peerid = c->peerid;
	pe->chain = chain_of(chain);
	pe->env = strcmp(env, "mainnet") == 0 ? ENV_MAINNET : ENV_TESTNET;
	pe->create_session = json_is_true(json_object_get(c->body,
	    "createSession"));
	pe->imported = key != NULL;
	uuidv7(pe->wallet);
	strlcpy(pe->name, name, sizeof(pe->name));
	TAILQ_INSERT_TAIL(&pending, pe, entry);
	npending++;

	if (key != NULL) {
		if ((imp = sodium_malloc(sizeof(*imp))) == NULL)
			fatal("sodium_malloc");
		memset(imp, 0, sizeof(*imp));
		memcpy(imp->id, pe->wallet, sizeof(imp->id));
		imp->chain = (uint32_t)pe->chain;
		imp->keylen = (uint32_t)json_string_length(key);
		memcpy(imp->key, json_string_value(key), imp->keylen);
		if (imsgev_compose(&pd.signer, IMSG_SIGNER_IMPORT, pe->id, -1,
		    imp, sizeof(*imp)) == -1)
			fatal("IMSG_SIGNER_IMPORT");
		sodium_free(imp);
	} else {
		memset(&kg, 0, sizeof(kg));
		memcpy(kg.id, pe->wallet, sizeof(kg.id));
		kg.chain = (uint32_t)pe->chain;
		if (imsgev_compose(&pd.signer, IMSG_SIGNER_KEYGEN, pe->id, -1,
		    &kg, sizeof(kg)) == -1)
			fatal("IMSG_SIGNER_KEYGEN");
	}
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
	struct pd_ctx		 c;
	const char		*net, *code;
	char			 pub[64];
	json_t			*j, *ids, *sess = NULL;
	long long		 now = (long long)time(NULL);
	int			 status;

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
	case KS_BUSY:
		pd_fail(pe->api_peerid, 503, "SERVICE_UNAVAILABLE", "the "
		    "master password is being changed; try again", 1);
		goto done;
	default:
		pd_fail(pe->api_peerid, 500, "INTERNAL_ERROR", "the key "
		    "could not be stored", 1);
		goto done;
	}
	net = default_network(pe->chain, pe->env);
	memset(&c, 0, sizeof(c));
	c.peerid = pe->api_peerid;
	c.auth = CRED_MASTER;
	c.now = now;
	/* The wallet, its audit entry and its first session: all or none. */
	if (public_key_text(&k, pub, sizeof(pub)) == -1 ||
	    store_begin() == -1)
		goto fail;
	if (store_wallet_insert(pe->wallet, pe->name, pe->chain, pe->env,
	    net, pub, now) == -1 || audit_append(now, pe->imported ?
	    "wallet.imported" : "wallet.created", "operator", pe->wallet,
	    json_pack("{s:s, s:s, s:s}", "chain", chain_name(pe->chain),
	    "network", net, "publicKey", pub)) == -1) {
		store_rollback();
		goto fail;
	}
	if (pe->create_session) {
		ids = json_pack("[s]", pe->wallet);
		sess = session_new(&c, ids, 2592000, 12, 31536000, &status,
		    &code);
		json_decref(ids);
		if (sess == NULL) {
			store_rollback();
			goto fail;
		}
		json_object_del(sess, "walletId");
		json_object_del(sess, "wallets");
	}
	/* The answer, and its Idempotency-Key with it. */
	if ((j = store_wallet(pe->wallet)) == NULL)
		fatalx("wallet %s vanished", pe->wallet);
	json_object_set_new(j, "session", sess != NULL ? sess : json_null());
	if (idem_record(pe->api_peerid, pe->wallet, pe->imported ?
	    R_WALLET_IMPORT : R_WALLET_CREATE, 201, j) == -1 ||
	    store_commit() == -1) {
		store_rollback();
		json_decref(j);
		goto fail;
	}
	log_info("wallet %s %s (%s, %s)", pe->wallet, pe->imported ?
	    "imported" : "created", chain_name(pe->chain), net);
	pd_reply_json(pe->api_peerid, 201, j);
	goto done;
fail:
	/* The sealed file stays; the wallet is not listed. */
	log_warnx("wallet %s: key stored but the wallet could not be "
	    "recorded: %s", pe->wallet, sqlite3_errmsg(pd.db));
	pd_fail(pe->api_peerid, 500, "INTERNAL_ERROR", "the wallet could "
	    "not be recorded", 1);
done:
	sodium_memzero(pe, sizeof(*pe));
	free(pe);
}

/*
 * GET /v1/wallets: all for the operator, its own for a session, a page
 * at a time (limit, offset: the reference has neither and answers every
 * wallet, which the default page does up to 1000).
 */
void
wallets_list(struct pd_ctx *c)
{
	static char	 buf[65536];
	const char	*sid = c->auth == CRED_SESSION ? c->session : NULL;
	char		*big;
	long long	 limit, offset;
	size_t		 len, again;

	if (pd_query_int(c, "limit", &limit) == -1 ||
	    pd_query_int(c, "offset", &offset) == -1)
		return;
	/* A page too long for the kept buffer is written again (tx_list). */
	if ((len = store_wallet_list_write(sid, limit, offset, buf,
	    sizeof(buf))) <= sizeof(buf))
		pd_reply(c->peerid, 200, NULL, buf, len);
	else {
		if ((big = wipe_malloc(len)) == NULL)
			fatal("wallet list");
		/* Only a writer outside the daemon could change it between. */
		if ((again = store_wallet_list_write(sid, limit, offset, big,
		    len)) <= len)
			pd_reply(c->peerid, 200, NULL, big, again);
		else
			pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE",
			    "the list changed while it was read", 1);
		sodium_memzero(big, len);
		wipe_free(big);
	}
	sodium_memzero(buf, len < sizeof(buf) ? len : sizeof(buf));
}

void
wallets_get(struct pd_ctx *c)
{
	json_t	*j;

	if ((j = pd_path_wallet(c)) == NULL)
		return;
	pd_reply_json(c->peerid, 200, j);
}

/*
 * The wallet named by the path, for a change: NULL after answering 404,
 * or 410 when it is already terminated.
 */
static json_t *
wallet_for_change(struct pd_ctx *c)
{
	json_t	*j;

	if ((j = pd_path_wallet(c)) == NULL)
		return NULL;
	if (strcmp(json_string_value(json_object_get(j, "status")),
	    "TERMINATED") == 0) {
		json_decref(j);
		pd_fail(c->peerid, 410, "WALLET_TERMINATED", "the wallet is "
		    "terminated", 0);
		return NULL;
	}
	return j;
}

static int
exec_bind(const char *sql, const char *a, const char *b, long long n)
{
	sqlite3_stmt	*st;
	int		 r;

	if (sqlite3_prepare_v2(pd.db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b != NULL)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 2, n);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return r;
}

/* The wallet changed now (its updatedAt), in the caller's transaction. */
int
wallet_touch(const char *id, long long now)
{
	return exec_bind("UPDATE wallets SET updated_at = ?2 WHERE id = ?1",
	    id, NULL, now);
}

/* PUT /v1/wallets/{id}: rename. */
void
wallets_rename(struct pd_ctx *c)
{
	const char	*name = json_string_value(json_object_get(c->body,
			    "name"));
	json_t		*j;

	if (name == NULL || strlen(name) > WALLET_NAME_MAX)
		fatalx("wallet rename: malformed body from the api");
	if ((j = wallet_for_change(c)) == NULL)
		return;
	json_decref(j);
	if (!pd_begin(c))
		return;
	if (wallet_touch(c->req->param, c->now) == -1 ||
	    exec_bind("UPDATE wallets SET name = ?2 WHERE id = ?1",
	    c->req->param, name, 0) == -1 || audit_append(c->now,
	    "wallet.renamed", "operator", c->req->param, json_pack("{s:s}",
	    "name", name)) == -1 || store_commit() == -1) {
		store_rollback();
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the wallet could "
		    "not be renamed", 1);
		return;
	}
	pd_reply_json(c->peerid, 200, store_wallet(c->req->param));
}

/*
 * DELETE /v1/wallets/{id}: terminate.  Every session that includes the
 * wallet is revoked with it, and every transaction of it not yet signed
 * (waiting for its delay or its owner, or on its way to the signer) is
 * CANCELLED in the same commit; the sealed key file is kept (it is never
 * deleted), but no request for this wallet is served again.
 */
void
wallets_terminate(struct pd_ctx *c)
{
	json_t		*j;
	long long	 ntx = 0;

	if ((j = wallet_for_change(c)) == NULL)
		return;
	json_decref(j);
	if (!pd_begin(c))
		return;
	if (exec_bind("UPDATE wallets SET status = 'TERMINATED' WHERE id = ?1",
	    c->req->param, NULL, 0) == -1 ||
	    wallet_touch(c->req->param, c->now) == -1 ||
	    exec_bind("UPDATE sessions SET revoked_at = coalesce(revoked_at, "
	    "?2) WHERE id IN (SELECT session_id FROM session_wallets WHERE "
	    "wallet_id = ?1)", c->req->param, NULL, c->now) == -1 ||
	    queue_stop(c->req->param, 1, c->now, "WALLET_TERMINATED", "the "
	    "wallet was terminated before this transaction was signed",
	    "operator", &ntx) == -1 ||
	    audit_append(c->now, "wallet.terminated", "operator",
	    c->req->param, json_pack("{s:I}", "transactionsCancelled",
	    (json_int_t)ntx)) == -1 || store_commit() == -1) {
		store_rollback();
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the wallet could "
		    "not be terminated", 1);
		return;
	}
	queue_arm();
	log_info("wallet %s terminated, %lld unsigned transactions cancelled",
	    c->req->param, ntx);
	pd_reply_json(c->peerid, 200, store_wallet(c->req->param));
}

/*
 * PATCH /v1/wallets/{id}: monitorIncoming, the one setting the
 * reference's PATCH changes.  A terminated wallet is not changed (410).
 */
void
wallets_patch(struct pd_ctx *c)
{
	json_t	*v = json_object_get(c->body, "monitorIncoming"), *j;
	int	 on;

	if (!json_is_boolean(v) || json_object_size(c->body) != 1)
		fatalx("wallet patch: malformed body from the api");
	on = json_is_true(v);
	if ((j = wallet_for_change(c)) == NULL)
		return;
	json_decref(j);
	if (!pd_begin(c))
		return;
	if (exec_bind("UPDATE wallets SET monitor_incoming = ?2 WHERE id = ?1",
	    c->req->param, NULL, on) == -1 ||
	    wallet_touch(c->req->param, c->now) == -1 ||
	    audit_append(c->now, "wallet.updated", "operator", c->req->param,
	    json_pack("{s:b}", "monitorIncoming", on)) == -1 ||
	    store_commit() == -1) {
		store_rollback();
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the wallet could "
		    "not be changed", 1);
		return;
	}
	pd_reply_json(c->peerid, 200, json_pack("{s:s, s:b}", "id",
	    c->req->param, "monitorIncoming", on));
}

/*
 * GET /v1/wallets/{id}/networks: every network this daemon knows (built
 * in, and the operator's custom EVM ones) of the wallet's chain and
 * environment, the wallet's default first.
 */
void
wallets_networks(struct pd_ctx *c)
{
	const struct network	*n;
	json_t			*j, *a;
	const char		*chain, *env, *def;
	size_t			 i;
	uint32_t		 kc, ke;

	if ((j = pd_path_wallet(c)) == NULL)
		return;
	chain = json_string_value(json_object_get(j, "chain"));
	env = json_string_value(json_object_get(j, "environment"));
	def = json_string_value(json_object_get(j, "network"));
	kc = (uint32_t)chain_of(chain);
	ke = strcmp(env, "mainnet") == 0 ? ENV_MAINNET : ENV_TESTNET;
	if ((a = json_array()) == NULL)
		fatalx("json_array");
	json_array_append_new(a, json_pack("{s:s, s:b}", "network", def,
	    "isDefault", 1));
	for (i = 0; i < net_count(); i++) {
		n = net_get((uint32_t)i);
		if (n->chain == kc && n->env == ke && strcmp(n->name, def) != 0)
			json_array_append_new(a, json_pack("{s:s, s:b}",
			    "network", n->name, "isDefault", 0));
	}
	pd_reply_json(c->peerid, 200, json_pack("{s:O, s:s, s:s, s:o}", "id",
	    json_object_get(j, "id"), "chain", chain, "environment", env,
	    "availableNetworks", a));
	json_decref(j);
}

/*
 * POST /v1/wallets/{id}/suspend: the wallet signs nothing until it is
 * resumed.  New sends, dry runs and signatures (sign-message, EIP-712
 * typed data) are refused with 409 WALLET_SUSPENDED (send_ref); one on
 * its way to the signer (PENDING, EXECUTING, nothing signed yet) is
 * CANCELLED in this commit, so the job finds it ended and asks for no
 * signature.  One waiting (QUEUED for its DELAY or its owner) is left
 * waiting: the operator or the agent may still cancel it, and the owner
 * reject it; if the wallet is resumed before its deadline it runs as
 * decided, but if its delay ends (or its owner approves) while the
 * wallet is still suspended, it is CANCELLED with WALLET_SUSPENDED
 * (reentry() in policyd_queue.c): never held to run at a resume that
 * may come days later.  A signed or broadcast one cannot be called
 * back and goes on.  Sessions stay: reads work, signing does not.
 */
void
wallets_suspend(struct pd_ctx *c)
{
	const char	*reason = NULL;
	json_t		*j;
	long long	 ntx = 0;
	int		 suspended;

	if (c->body != NULL && ((reason = json_string_value(json_object_get(
	    c->body, "reason"))) == NULL ? json_object_size(c->body) != 0 :
	    json_object_size(c->body) != 1 || strlen(reason) > 800))
		fatalx("wallet suspend: malformed body from the api");
	if (reason == NULL)
		reason = "suspended by the operator";
	if ((j = wallet_for_change(c)) == NULL)
		return;
	suspended = strcmp(json_string_value(json_object_get(j, "status")),
	    "SUSPENDED") == 0;
	json_decref(j);
	if (suspended) {
		pd_fail(c->peerid, 409, "INVALID_STATE_TRANSITION", "the "
		    "wallet is suspended already", 0);
		return;
	}
	if (!pd_begin(c))
		return;
	if (exec_bind("UPDATE wallets SET status = 'SUSPENDED', "
	    "suspension_reason = ?2 WHERE id = ?1", c->req->param, reason,
	    0) == -1 || exec_bind("UPDATE wallets SET suspended_at = ?2 WHERE "
	    "id = ?1", c->req->param, NULL, c->now) == -1 ||
	    wallet_touch(c->req->param, c->now) == -1 ||
	    queue_stop(c->req->param, 0, c->now, "WALLET_SUSPENDED", "the "
	    "wallet was suspended before this transaction was signed",
	    "operator", &ntx) == -1 ||
	    audit_append(c->now, "wallet.suspended", "operator",
	    c->req->param, json_pack("{s:s, s:I}", "reason", reason,
	    "transactionsCancelled", (json_int_t)ntx)) == -1 ||
	    store_commit() == -1) {
		store_rollback();
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the wallet could "
		    "not be suspended", 1);
		return;
	}
	log_info("wallet %s suspended, %lld unsigned transactions cancelled",
	    c->req->param, ntx);
	pd_reply_json(c->peerid, 200, json_pack("{s:s, s:s, s:I, s:s}", "id",
	    c->req->param, "status", "SUSPENDED", "suspendedAt",
	    (json_int_t)c->now, "suspensionReason", reason));
}

/* POST /v1/wallets/{id}/resume: a suspended wallet signs again. */
void
wallets_resume(struct pd_ctx *c)
{
	json_t	*j;
	int	 suspended;

	if ((j = wallet_for_change(c)) == NULL)
		return;
	suspended = strcmp(json_string_value(json_object_get(j, "status")),
	    "SUSPENDED") == 0;
	json_decref(j);
	if (!suspended) {
		pd_fail(c->peerid, 409, "INVALID_STATE_TRANSITION", "the "
		    "wallet is not suspended", 0);
		return;
	}
	if (!pd_begin(c))
		return;
	if (exec_bind("UPDATE wallets SET status = 'ACTIVE', suspended_at = "
	    "NULL, suspension_reason = NULL WHERE id = ?1",
	    c->req->param, NULL, 0) == -1 ||
	    wallet_touch(c->req->param, c->now) == -1 ||
	    audit_append(c->now, "wallet.resumed", "operator", c->req->param,
	    NULL) == -1 || store_commit() == -1) {
		store_rollback();
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the wallet could "
		    "not be resumed", 1);
		return;
	}
	log_info("wallet %s resumed", c->req->param);
	pd_reply_json(c->peerid, 200, json_pack("{s:s, s:s}", "id",
	    c->req->param, "status", "ACTIVE"));
}

/* DELETE /v1/wallets/{id}/purge waiting for the signer. */
struct purge {
	TAILQ_ENTRY(purge)	 entry;
	uint32_t		 id;		/* our id to the signer */
	uint32_t		 api_peerid;
	char			 wallet[KS_ID_LEN + 1];
};
static TAILQ_HEAD(, purge)	purges = TAILQ_HEAD_INITIALIZER(purges);
static uint32_t			next_purge;

/* Transactions of the wallet not over: waiting, running or on chain. */
static long long
in_flight(const char *wallet)
{
	sqlite3_stmt	*st;
	long long	 n;

	st = store_prepare("SELECT count(*) FROM transactions WHERE "
	    "wallet_id = ? AND (status IN ('QUEUED', 'PENDING', 'EXECUTING', "
	    "'SUBMITTED') OR (status = 'SIGNED' AND type != "
	    "'SIGN_MESSAGE' AND sign_only = 0))");
	sqlite3_bind_text(st, 1, wallet, -1, SQLITE_STATIC);
	n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return n;
}

/*
 * DELETE /v1/wallets/{id}/purge: a TERMINATED wallet removed for good.
 * Its key first (the signer forgets it, the parent unlinks its sealed
 * file and syncs the directory), then, once the signer says so, its
 * rows (wallets_forgotten).  Refused for a wallet not terminated (409
 * WALLET_NOT_TERMINATED) and while any transaction of it is not over
 * (409 INVALID_STATE_TRANSITION): a broadcast one must confirm or fail
 * first (a sign-only one is over once signed: the daemon never sends
 * it).  The audit log keeps every entry (its hash chain stays
 * verifiable) and gains wallet.purged.  Backups made before keep what
 * they hold.
 */
void
wallets_purge(struct pd_ctx *c)
{
	struct ks_status	 r;
	struct purge		*pu;
	json_t			*j;
	const char		*status;

	if ((j = pd_path_wallet(c)) == NULL)
		return;
	status = json_string_value(json_object_get(j, "status"));
	if (strcmp(status, "TERMINATED") != 0) {
		json_decref(j);
		pd_fail(c->peerid, 409, "WALLET_NOT_TERMINATED", "only a "
		    "terminated wallet is purged (DELETE /v1/wallets/{id} "
		    "first)", 0);
		return;
	}
	json_decref(j);
	if (in_flight(c->req->param) != 0) {
		pd_fail(c->peerid, 409, "INVALID_STATE_TRANSITION", "a "
		    "transaction of this wallet is still in flight; purge it "
		    "once it is over", 0);
		return;
	}
	TAILQ_FOREACH(pu, &purges, entry)
		if (strcmp(pu->wallet, c->req->param) == 0) {
			pd_fail(c->peerid, 409, "INVALID_STATE_TRANSITION",
			    "this wallet is being purged", 0);
			return;
		}
	if ((pu = calloc(1, sizeof(*pu))) == NULL)
		fatal("calloc");
	pu->id = ++next_purge;
	pu->api_peerid = c->peerid;
	strlcpy(pu->wallet, c->req->param, sizeof(pu->wallet));
	TAILQ_INSERT_TAIL(&purges, pu, entry);
	memset(&r, 0, sizeof(r));
	memcpy(r.id, pu->wallet, KS_ID_LEN);
	if (imsgev_compose(&pd.signer, IMSG_SIGNER_FORGET, pu->id, -1, &r,
	    sizeof(r)) == -1)
		fatal("IMSG_SIGNER_FORGET");
}

/* The wallet's rows, children first; in the caller's transaction. */
static int
purge_rows(const char *w)
{
	static const char *const sql[] = {
		"DELETE FROM transactions WHERE wallet_id = ?1",
		/* its sessions that reach no other wallet and that no
		 * transaction left names */
		"DELETE FROM sessions WHERE id IN (SELECT session_id FROM "
		"session_wallets WHERE wallet_id = ?1) AND id NOT IN (SELECT "
		"session_id FROM session_wallets WHERE wallet_id != ?1) AND "
		"id NOT IN (SELECT session_id FROM transactions WHERE "
		"session_id IS NOT NULL)",
		"DELETE FROM session_wallets WHERE wallet_id = ?1",
		"DELETE FROM incoming_tx WHERE wallet_id = ?1",
		"DELETE FROM incoming_cursors WHERE wallet_id = ?1",
		"DELETE FROM policies WHERE wallet_id = ?1",
		"DELETE FROM spend_hours WHERE wallet_id = ?1",
		"DELETE FROM spent_nonces WHERE wallet_id = ?1",
		"DELETE FROM idempotency WHERE ref = ?1",
		"DELETE FROM wallets WHERE id = ?1",
	};
	size_t	i;

	for (i = 0; i < nitems(sql); i++)
		if (exec_bind(sql[i], w, NULL, 0) == -1)
			return -1;
	return 0;
}

void
wallets_forgotten(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ks_status	 r;
	struct purge		*pu;
	long long		 now = (long long)time(NULL);

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	TAILQ_FOREACH(pu, &purges, entry)
		if (pu->id == imsg->hdr.peerid)
			break;
	if (pu == NULL || memcmp(r.id, pu->wallet, KS_ID_LEN) != 0)
		fatalx("IMSG_SIGNER_FORGOTTEN for no purge");
	TAILQ_REMOVE(&purges, pu, entry);
	if (r.status == KS_LOCKED || r.status == KS_BUSY) {
		pd_fail(pu->api_peerid, 503, r.status == KS_LOCKED ?
		    "KEYSTORE_LOCKED" : "SERVICE_UNAVAILABLE", r.status ==
		    KS_LOCKED ? "the keystore is not unlocked yet" : "the "
		    "keystore is busy (a master password change or another "
		    "purge); try again", 1);
		goto done;
	}
	if (r.status != KS_OK) {
		pd_fail(pu->api_peerid, 500, "INTERNAL_ERROR", "the key file "
		    "could not be removed; nothing was purged", 1);
		goto done;
	}
	/* The key is gone; a failure here leaves rows a retry removes. */
	if (store_begin() == -1 || in_flight(pu->wallet) != 0 ||
	    purge_rows(pu->wallet) == -1 || audit_append(now, "wallet.purged",
	    "operator", pu->wallet, json_pack("{s:b}", "keyRemoved", 1)) ==
	    -1 || store_commit() == -1) {
		log_warnx("wallet %s: key removed, rows not: %s", pu->wallet,
		    sqlite3_errmsg(pd.db));
		if (store_in_unit())
			store_rollback();
		pd_fail(pu->api_peerid, 500, "INTERNAL_ERROR", "the key was "
		    "removed but the rows were not; purge again", 1);
		goto done;
	}
	log_info("wallet %s purged: key and rows removed", pu->wallet);
	pd_reply_json(pu->api_peerid, 200, json_pack("{s:s, s:s}", "id",
	    pu->wallet, "status", "PURGED"));
done:
	free(pu);
}
