/*
 * ownerAuth: the fund owner's signature over a single-use nonce.
 *
 * GET /v1/nonce issues a nonce (optionally bound to one action and
 * target) and stores nothing: the nonce is 12 random bytes, its expiry
 * and a MAC over both and the binding, under a key only policyd holds,
 * so an anonymous flood of requests costs no write and cannot use up a
 * table the owner needs.  The owner signs an EIP-4361 message carrying
 * it, addressed to this daemon, short-lived, with a resource naming the
 * action ("urn:waiaas:action:<action>:<target>").  owner_check()
 * verifies all of it and records the nonce as spent inside a
 * transaction it leaves open; the route's handler commits that
 * transaction with its change (so a replay fails even if it raced the
 * first use) or rolls it back.  Only a valid owner signature writes a
 * spent nonce; the rows go when the nonce would have expired.
 *
 * The MAC key lives in the database's secrets table, like the session
 * key: a nonce issued before a restart still works after it, and the
 * spent ones are remembered across it.
 *
 * Owner states: NONE (no owner), GRACE (set by the operator, not yet
 * proven), LOCKED (the owner proved the key; only the owner may change
 * it from here).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <secp256k1.h>
#include <sodium.h>

#include "base58.h"
#include "evm.h"
#include "log.h"
#include "policyd.h"
#include "routes.h"
#include "siwe.h"
#include "util.h"

#define NONCE_TTL		300	/* seconds a nonce lives */
#define NONCE_SPENT_MAX		1000	/* a wallet's spent, unexpired */
#define NONCE_RAND		12	/* random bytes of a nonce */
#define NONCE_HEAD		16	/* random and expiry: its identity */
#define NONCE_MAC		16
#define NONCE_BYTES		(NONCE_HEAD + NONCE_MAC)
#define OWNER_SKEW		60	/* clock skew allowed for Issued At */
#define OWNER_LIFETIME		600	/* Expiration - Issued At, at most */
#define OWNER_ADDR_MAX		64
#define ACTION_MAX		32

/*
 * The action each ownerAuth route performs, as the nonce binding and the
 * message's resource name it.  Its target is the route's path parameter
 * (for the owner routes so far, the wallet id).
 */
static const struct {
	int		 route;
	const char	*action;
} owner_actions[] = {
	{ R_OWNER_VERIFY,	"owner.verify" },
	{ R_OWNER_KILL,		"owner.kill-switch" },
	{ R_TX_APPROVE,		"tx.approve" },
	{ R_TX_REJECT,		"tx.reject" },
	/* the owner's half of a dual-auth recovery (policyd_kill.c) */
	{ R_ADMIN_RECOVER,	"owner.recover" },
};

static uint8_t	*nonce_key;	/* crypto_generichash_KEYBYTES */

_Static_assert(OWNER_NONCE_HEX == 2 * NONCE_BYTES + 1, "OWNER_NONCE_HEX");

/* Routes whose target is a transaction: the owner is its wallet's. */
static int
tx_route(int route)
{
	return route == R_TX_APPROVE || route == R_TX_REJECT;
}

#define INTENT_URN	"urn:waiaas:intent:"

static const char *
route_action(int route)
{
	size_t	i;

	for (i = 0; i < nitems(owner_actions); i++)
		if (owner_actions[i].route == route)
			return owner_actions[i].action;
	return NULL;
}

static int
known_action(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(owner_actions); i++)
		if (strcmp(owner_actions[i].action, name) == 0)
			return 1;
	return 0;
}

/*
 * The domains a message may be addressed to: daemon.hostname:port as
 * configured, localhost:port, and the host of daemon.public_url (where
 * the approval page is opened through a proxy).  Not the request's Host
 * header, which whoever replays a captured signature chooses freely.
 */
const char *const *
owner_domains(void)
{
	static char		 d[2][96];
	static const char	*list[4];
	const struct ctl_config	*cf = &pd.p->cfg;
	size_t			 n = 0;

	if (list[0] != NULL)
		return list;
	snprintf(d[0], sizeof(d[0]), strchr(cf->hostname, ':') != NULL ?
	    "[%s]:%u" : "%s:%u", cf->hostname, cf->port);
	snprintf(d[1], sizeof(d[1]), "localhost:%u", cf->port);
	list[n++] = d[0];
	list[n++] = d[1];
	if (cf->public_domain[0] != '\0' &&
	    strcmp(cf->public_domain, d[0]) != 0 &&
	    strcmp(cf->public_domain, d[1]) != 0)
		list[n++] = cf->public_domain;
	list[n] = NULL;
	return list;
}

static const secp256k1_context *
secp_ctx(void)
{
	static secp256k1_context	*ctx;

	if (ctx == NULL && (ctx = secp256k1_context_create(
	    SECP256K1_CONTEXT_NONE)) == NULL)
		fatalx("secp256k1_context_create");
	return ctx;
}

/*
 * Refuse: roll back what owner_check began, audit the reason (never the
 * message or the signature), answer (with Retry-After if retry > 0).
 * Returns 0 for authenticate().
 */
static int
owner_refuse(struct pd_ctx *c, int status, const char *code,
    const char *why, const char *addr, int retry)
{
	const char	*p = c->req->param;
	json_t		*d;

	if (store_in_unit())
		store_rollback();
	/* From the reply topic: counted there, not audited (junk is free
	 * to send, and must not fill the log). */
	if (c->peerid == PD_PEER_TOPIC) {
		pd_fail(c->peerid, status, code, why, 0);
		return 0;
	}
	d = json_pack("{s:s, s:s}", "reason", why, "route",
	    routes[c->route].name);
	if (d != NULL && addr != NULL)
		json_object_set_new(d, "address", json_string(addr));
	audit_event(c->now, "auth.owner_failed", "owner",
	    ks_valid_id(p, strlen(p)) ? p : NULL, d);
	if (retry > 0)
		pd_fail_retry(c->peerid, status, code, why, retry);
	else
		pd_fail(c->peerid, status, code, why, 0);
	return 0;
}

static int
owner_fail(struct pd_ctx *c, int status, const char *code, const char *why,
    const char *addr)
{
	return owner_refuse(c, status, code, why, addr, 0);
}

/* The wallet of a transaction; 0 if there is no such transaction. */
static int
tx_wallet(const char *id, char wallet[KS_ID_LEN + 1])
{
	sqlite3_stmt	*st;
	int		 r = 0;

	if (sqlite3_prepare_v2(pd.db, "SELECT wallet_id FROM transactions "
	    "WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		fatalx("transaction: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		strlcpy(wallet, (const char *)sqlite3_column_text(st, 0),
		    KS_ID_LEN + 1);
		r = 1;
	}
	sqlite3_finalize(st);
	return r;
}

/* The wallet's chain, status and owner state; 0 if not found. */
static int
wallet_row(const char *id, char *chain, char *status, char *state,
    char *owner, size_t len)
{
	sqlite3_stmt	*st;
	const char	*o;
	int		 r = 0;

	if (sqlite3_prepare_v2(pd.db, "SELECT chain, status, owner_state, "
	    "owner_address FROM wallets WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		fatalx("wallet: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		strlcpy(chain, (const char *)sqlite3_column_text(st, 0), len);
		strlcpy(status, (const char *)sqlite3_column_text(st, 1), len);
		strlcpy(state, (const char *)sqlite3_column_text(st, 2), len);
		o = (const char *)sqlite3_column_text(st, 3);
		strlcpy(owner, o != NULL ? o : "", OWNER_ADDR_MAX + 1);
		r = 1;
	}
	sqlite3_finalize(st);
	return r;
}

/* The MAC of a nonce's head for one binding ("", action, action:target). */
static void
nonce_mac(const uint8_t head[NONCE_HEAD], const char *bound,
    uint8_t out[NONCE_MAC])
{
	static const char		 tag[] = "waiaas ownerAuth nonce v1";
	crypto_generichash_state	 st;

	if (nonce_key == NULL)
		fatalx("nonce: no key");
	if (crypto_generichash_init(&st, nonce_key,
	    crypto_generichash_KEYBYTES, NONCE_MAC) != 0 ||
	    crypto_generichash_update(&st, (const uint8_t *)tag,
	    sizeof(tag)) != 0 ||
	    crypto_generichash_update(&st, head, NONCE_HEAD) != 0 ||
	    crypto_generichash_update(&st, (const uint8_t *)bound,
	    strlen(bound)) != 0 ||
	    crypto_generichash_final(&st, out, NONCE_MAC) != 0)
		fatalx("nonce: generichash");
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/*
 * Spend the message's nonce inside the open transaction: made here (its
 * MAC), unexpired, bound to nothing, to this action or to this action
 * and target, and not spent before.  The spend is a row of the owner's
 * wallet, kept until the nonce would have expired; a wallet has at most
 * NONCE_SPENT_MAX of them (so only its own owner can fill its share).
 * 0; -1 and *why; -2 and *retry (seconds) when the wallet's share is
 * full; -3 when the database failed.
 */
static int
nonce_spend(struct pd_ctx *c, struct siwe_span n, const char *action,
    const char *target, const char *wallet, const char **why, int *retry)
{
	sqlite3_stmt	*st;
	uint8_t		 b[NONCE_BYTES], mac[NONCE_MAC];
	char		 full[ACTION_MAX + API_PARAM_MAX + 2];
	const char	*bound[3];
	long long	 exp, live = 0, oldest = 0;
	size_t		 blen, i;
	int		 ok = 0, rc;

	snprintf(full, sizeof(full), "%s:%s", action, target);
	bound[0] = "";
	bound[1] = action;
	bound[2] = full;
	if (n.len != 2 * NONCE_BYTES || sodium_hex2bin(b, sizeof(b), n.p,
	    n.len, NULL, &blen, NULL) != 0 || blen != sizeof(b)) {
		*why = "the nonce was not issued by GET /v1/nonce";
		return -1;
	}
	for (i = 0; i < nitems(bound); i++) {
		nonce_mac(b, bound[i], mac);
		ok |= sodium_memcmp(mac, b + NONCE_HEAD, NONCE_MAC) == 0;
	}
	if (!ok) {
		*why = "the nonce was not issued by GET /v1/nonce, or was "
		    "issued for another action or target";
		return -1;
	}
	if ((exp = (long long)be32(b + NONCE_RAND)) <= c->now) {
		*why = "the nonce has expired";
		return -1;
	}
	st = store_prepare("DELETE FROM spent_nonces WHERE expires_at <= ?");
	sqlite3_bind_int64(st, 1, c->now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto dberr;
	st = store_prepare("SELECT count(*), coalesce(min(expires_at), 0) "
	    "FROM spent_nonces WHERE wallet_id = ?");
	sqlite3_bind_text(st, 1, wallet, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		live = sqlite3_column_int64(st, 0);
		oldest = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (live >= NONCE_SPENT_MAX) {
		*retry = (int)(oldest > c->now ? oldest - c->now : 1);
		*why = "this wallet's owner has spent too many nonces in the "
		    "last 5 minutes; try again later";
		return -2;
	}
	st = store_prepare("INSERT INTO spent_nonces (nonce, wallet_id, "
	    "expires_at, used_at) VALUES (?, ?, ?, ?)");
	sqlite3_bind_blob(st, 1, b, NONCE_HEAD, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, wallet, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, exp);
	sqlite3_bind_int64(st, 4, c->now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		*why = "the nonce was already used";
		return -1;
	}
	if (rc == SQLITE_DONE)
		return 0;
dberr:
	log_warnx("nonce: %s", sqlite3_errmsg(pd.db));
	*why = "the nonce could not be recorded";
	return -3;
}

/* X-Owner-Address: its bytes and the chain its form names. */
static int
claimed_address(const char *a, size_t len, uint8_t out[32], int *chain)
{
	if (len == 42 && a[0] == '0' && a[1] == 'x') {
		*chain = SIWE_ETHEREUM;
		return evm_address_parse(a, len, out);
	}
	*chain = SIWE_SOLANA;
	return base58_decode(a, len, out, 32) == 32 ? 0 : -1;
}

/*
 * The intent a message binds (resource urn:waiaas:intent:<64 hex>), or ""
 * without one; -1 if malformed or given twice.
 */
static size_t
strspn_n(const char *p, size_t n, const char *set)
{
	size_t	i;

	for (i = 0; i < n && p[i] != '\0' && strchr(set, p[i]) != NULL; i++)
		;
	return i;
}

static int
intent_of(const struct siwe_msg *m, char out[65], const char **why)
{
	size_t	i, pl = strlen(INTENT_URN);

	out[0] = '\0';
	for (i = 0; i < m->nresources; i++) {
		if (m->resources[i].len < pl || memcmp(m->resources[i].p,
		    INTENT_URN, pl) != 0)
			continue;
		if (out[0] != '\0') {
			*why = "more than one intent resource";
			return -1;
		}
		if (m->resources[i].len != pl + 64 ||
		    strspn_n(m->resources[i].p + pl, 64,
		    "0123456789abcdef") != 64) {
			*why = "the intent resource is not 64 lowercase hex "
			    "digits";
			return -1;
		}
		memcpy(out, m->resources[i].p + pl, 64);
		out[64] = '\0';
	}
	return 0;
}

/*
 * What the owner sent, from ownerAuth's headers or a request body: the
 * claimed address, the message (its base64, as X-Owner-Message carries
 * it, or the text itself) and the signature.
 */
struct owner_proof {
	const char	*addr;
	size_t		 alen;
	const char	*msg;
	size_t		 mlen;
	int		 b64;
	const char	*sig;
	size_t		 slen;
	int		 chain;		/* SIWE_*, or -1: whatever addr says */
};

/* The message and signature, with no database: 0, or -1 and *why. */
static int
check_message(const struct owner_proof *p, int chain,
    const uint8_t claimed[32], const char *urn, struct pd_ctx *c,
    struct siwe_span *nonce, const char **why)
{
	static char		 msg[SIWE_MSG_MAX];
	struct siwe_msg		 m;
	struct siwe_rules	 r;
	uint8_t			 rec[20];
	size_t			 mlen;

	if (!p->b64 && p->mlen <= sizeof(msg)) {
		memcpy(msg, p->msg, p->mlen);
		mlen = p->mlen;
	} else if (!p->b64 || sodium_base642bin((uint8_t *)msg, sizeof(msg),
	    p->msg, p->mlen, NULL, &mlen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0) {
		*why = "the message is not a message (or its base64) of at "
		    "most 4096 bytes";
		return -1;
	}
	/*
	 * The signature first, over the raw bytes: nothing unsigned is
	 * parsed (the same rule as session tokens).
	 */
	if (chain == SIWE_ETHEREUM) {
		if (siwe_recover_evm(secp_ctx(), msg, mlen, p->sig, p->slen,
		    rec, why) == -1)
			return -1;
		if (memcmp(rec, claimed, 20) != 0) {
			*why = "the signature was not made by the owner "
			    "address given";
			return -1;
		}
	} else if (siwe_verify_solana(msg, mlen, p->sig, p->slen, claimed,
	    why) == -1)
		return -1;
	if (siwe_parse(msg, mlen, chain, &m, why) == -1)
		return -1;
	if (memcmp(m.addr, claimed, chain == SIWE_ETHEREUM ? 20 : 32) != 0) {
		*why = "the message's address is not the owner address given";
		return -1;
	}
	r.domains = owner_domains();
	r.action = urn;
	r.now = c->now;
	r.skew = OWNER_SKEW;
	r.max_lifetime = OWNER_LIFETIME;
	if (siwe_check(&m, &r, why) == -1)
		return -1;
	if (intent_of(&m, c->intent, why) == -1)
		return -1;
	/* The nonce points into msg, which lives until the next call. */
	*nonce = m.nonce;
	return 0;
}

/*
 * The one owner verifier, for ownerAuth's headers and for a body that
 * carries the same proof: the signature over a message for this action
 * and target, by the owner of the wallet (the target's, for a
 * transaction route), over an unspent nonce.  1 with the transaction
 * open and the nonce spent in it (the caller commits it with its
 * change); 0 after answering.
 */
static int
owner_prove(struct pd_ctx *c, const char *action, const char *target,
    const struct owner_proof *p)
{
	const char	*wallet = target, *why;
	char		 claimed[OWNER_ADDR_MAX + 1], urn[128];
	char		 txwallet[KS_ID_LEN + 1];
	char		 owner[OWNER_ADDR_MAX + 1], wchain[16];
	char		 status[16], state[16];
	uint8_t		 bin[32], obin[32];
	struct siwe_span nonce;
	int		 chain, ochain, retry = 0;

	if (p->alen == 0 || p->alen > OWNER_ADDR_MAX ||
	    memchr(p->addr, '\0', p->alen) != NULL)
		return owner_fail(c, 401, "INVALID_SIGNATURE", "malformed "
		    "owner address", NULL);
	memcpy(claimed, p->addr, p->alen);
	claimed[p->alen] = '\0';
	if (claimed_address(claimed, p->alen, bin, &chain) == -1)
		return owner_fail(c, 401, "INVALID_SIGNATURE", "the owner "
		    "address is not an EVM address or a base58 Solana public "
		    "key", NULL);
	if (p->chain != -1 && p->chain != chain)
		return owner_fail(c, 401, "INVALID_SIGNATURE", "chain does "
		    "not match the owner address", NULL);
	if ((size_t)snprintf(urn, sizeof(urn), SIWE_ACTION_URN "%s:%s",
	    action, target) >= sizeof(urn))
		fatalx("owner action urn too long");
	if (check_message(p, chain, bin, urn, c, &nonce, &why) == -1)
		return owner_fail(c, 401, "INVALID_SIGNATURE", why, claimed);

	/* Only a valid signature learns whether the wallet exists. */
	if (!pd_begin(c))
		return 0;
	if (tx_route(c->route)) {
		if (!tx_wallet(target, txwallet))
			return owner_fail(c, 404, "TX_NOT_FOUND", "no such "
			    "transaction", claimed);
		wallet = txwallet;
	}
	if (!ks_valid_id(wallet, strlen(wallet)) || !wallet_row(wallet,
	    wchain, status, state, owner, sizeof(wchain)))
		return owner_fail(c, 404, "WALLET_NOT_FOUND", "no such wallet",
		    claimed);
	/* A suspended wallet's owner still rejects and verifies; an
	 * approval finds the wallet suspended and cancels (queue). */
	if (strcmp(status, "TERMINATED") == 0)
		return owner_fail(c, 410, "WALLET_TERMINATED", "the wallet is "
		    "not active", claimed);
	if (owner[0] == '\0' || strcmp(state, "NONE") == 0)
		return owner_fail(c, 404, "OWNER_NOT_CONNECTED", "the wallet "
		    "has no owner", claimed);
	/* EVM: the same 20 bytes in any case; Solana: the same text. */
	if (claimed_address(owner, strlen(owner), obin, &ochain) == -1 ||
	    ochain != chain || (chain == SIWE_ETHEREUM) !=
	    (strcmp(wchain, "ethereum") == 0) || memcmp(obin, bin, chain ==
	    SIWE_ETHEREUM ? 20 : 32) != 0 || (chain == SIWE_SOLANA &&
	    strcmp(owner, claimed) != 0))
		return owner_fail(c, 401, "INVALID_SIGNATURE", "the owner "
		    "address is not this wallet's owner", claimed);
	switch (nonce_spend(c, nonce, action, target, wallet, &why, &retry)) {
	case 0:
		return 1;
	case -2:
		return owner_refuse(c, 429, "RATE_LIMIT_EXCEEDED", why,
		    claimed, retry);
	case -3:
		store_rollback();
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", why, 1);
		return 0;
	default:
		return owner_fail(c, 401, "INVALID_NONCE", why, claimed);
	}
}

int
owner_check(struct pd_ctx *c)
{
	const struct api_cred	*cred = &c->req->cred;
	const char		*v = cred->value, *nl1, *nl2, *action;
	const char		*target = c->req->param;
	char			 qwallet[KS_ID_LEN + 1];
	struct owner_proof	 p;

	if ((action = route_action(c->route)) == NULL)
		fatalx("route %s needs ownerAuth but has no owner action",
		    routes[c->route].name);
	/*
	 * A route without a wallet in its path names it in the query; a
	 * transaction route names the transaction (its wallet follows).
	 */
	if (target[0] == '\0' && (target = pd_query_str(c->req->query,
	    "walletId", qwallet, sizeof(qwallet))) == NULL)
		target = "";
	if (cred->kind != CRED_OWNER)
		return owner_fail(c, 401, "INVALID_SIGNATURE", "X-Owner-"
		    "Address, X-Owner-Message and X-Owner-Signature are "
		    "required", NULL);
	/* "address\nmessage\nsignature", none of them empty */
	if (memchr(v, '\0', cred->len) != NULL ||
	    (nl1 = memchr(v, '\n', cred->len)) == NULL ||
	    (nl2 = memchr(nl1 + 1, '\n', cred->len - (size_t)(nl1 + 1 - v)))
	    == NULL || strchr(nl2 + 1, '\n') != NULL || nl1 == v ||
	    nl2 == nl1 + 1 || nl2[1] == '\0')
		return owner_fail(c, 401, "INVALID_SIGNATURE", "malformed "
		    "owner headers", NULL);
	p.addr = v;
	p.alen = (size_t)(nl1 - v);
	p.msg = nl1 + 1;
	p.mlen = (size_t)(nl2 - nl1 - 1);
	p.b64 = 1;
	p.sig = nl2 + 1;
	p.slen = strlen(nl2 + 1);
	p.chain = -1;
	if (!owner_prove(c, action, target, &p))
		return 0;
	c->auth = CRED_OWNER;
	return 1;
}

/*
 * The owner's half of a dual-auth request whose body carries the proof
 * (ownerAddress, message, ownerSignature, chain?; the api checked their
 * shape): the route's owner action on this wallet.  1 with the
 * transaction open and the nonce spent in it; 0 after answering.
 */
int
owner_check_body(struct pd_ctx *c, const char *wallet)
{
	const char		*action, *chain;
	struct owner_proof	 p;
	json_t			*a, *m, *s;

	if ((action = route_action(c->route)) == NULL)
		fatalx("route %s has no owner action", routes[c->route].name);
	a = json_object_get(c->body, "ownerAddress");
	m = json_object_get(c->body, "message");
	s = json_object_get(c->body, "ownerSignature");
	if (!json_is_string(a) || !json_is_string(m) || !json_is_string(s))
		fatalx("owner proof: malformed body from the api");
	chain = json_string_value(json_object_get(c->body, "chain"));
	p.addr = json_string_value(a);
	p.alen = json_string_length(a);
	p.msg = json_string_value(m);
	p.mlen = json_string_length(m);
	/* A message has lines; its base64 has none. */
	p.b64 = memchr(p.msg, '\n', p.mlen) == NULL;
	p.sig = json_string_value(s);
	p.slen = json_string_length(s);
	p.chain = chain == NULL ? -1 : strcmp(chain, "ethereum") == 0 ?
	    SIWE_ETHEREUM : SIWE_SOLANA;
	return owner_prove(c, action, wallet, &p);
}

/* A query value of allowed characters, 1 to max long; "" if absent. */
static int
query_value(const char *q, const char *key, const char *allowed,
    char *out, size_t max)
{
	char	buf[API_QUERY_MAX + 1];
	size_t	len;

	out[0] = '\0';
	if (pd_query_str(q, key, buf, sizeof(buf)) == NULL)
		return 0;
	len = strlen(buf);
	if (len == 0 || len > max || strspn(buf, allowed) != len)
		return -1;
	strlcpy(out, buf, max + 1);
	return 0;
}

#define ACTION_CHARS	"abcdefghijklmnopqrstuvwxyz0123456789.-"
#define TARGET_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789-"

/* The nonce MAC key, from the store (made on the first start). */
void
owner_init(void)
{
	if ((nonce_key = sodium_malloc(crypto_generichash_KEYBYTES)) == NULL)
		fatal("sodium_malloc");
	if (store_meta_secret("nonce_mac", nonce_key,
	    crypto_generichash_KEYBYTES) == -1)
		fatalx("nonce key: %s", sqlite3_errmsg(pd.db));
}

/*
 * A nonce for one binding ("", action or action:target) that expires at
 * exp: 12 random bytes, exp (4 bytes big-endian), their MAC; in hex.
 */
static void
nonce_mint(const char *bound, uint32_t exp, char out[2 * NONCE_BYTES + 1])
{
	uint8_t	b[NONCE_BYTES];

	randombytes_buf(b, NONCE_RAND);
	b[NONCE_RAND] = (uint8_t)(exp >> 24);
	b[NONCE_RAND + 1] = (uint8_t)(exp >> 16);
	b[NONCE_RAND + 2] = (uint8_t)(exp >> 8);
	b[NONCE_RAND + 3] = (uint8_t)exp;
	nonce_mac(b, bound, b + NONCE_HEAD);
	sodium_bin2hex(out, 2 * NONCE_BYTES + 1, b, sizeof(b));
	sodium_memzero(b, sizeof(b));
}

/*
 * What the approval link of a transaction waiting for its owner carries
 * (policyd_link.c): a nonce bound to action:txid that lives as long as
 * the approval does, so the owner never has to reach GET /v1/nonce.  It
 * is as single use as any other (nonce_spend records it when spent).
 */
void
owner_link_nonce(const char *action, const char *txid, uint32_t exp,
    char out[OWNER_NONCE_HEX])
{
	char	bound[ACTION_MAX + API_PARAM_MAX + 2];

	if (!known_action(action) || (size_t)snprintf(bound, sizeof(bound),
	    "%s:%s", action, txid) >= sizeof(bound))
		fatalx("owner_link_nonce: %s", action);
	nonce_mint(bound, exp, out);
}

/*
 * GET /v1/nonce?action&target: 12 random bytes, the expiry (NONCE_TTL
 * seconds from now, 4 bytes big-endian) and the MAC over both and the
 * binding (the action, and target, if given), in hex.  Nothing is
 * written: issuing costs no commit and has no table to fill.
 */
void
owner_nonce(struct pd_ctx *c)
{
	uint32_t	 exp = (uint32_t)(c->now + NONCE_TTL);
	char		 nonce[2 * NONCE_BYTES + 1], action[ACTION_MAX + 1];
	char		 target[API_PARAM_MAX + 1];
	char		 bound[ACTION_MAX + API_PARAM_MAX + 2];

	if (query_value(c->req->query, "action", ACTION_CHARS, action,
	    ACTION_MAX) == -1 || (action[0] != '\0' &&
	    !known_action(action))) {
		pd_fail(c->peerid, 400, "VALIDATION_FAILED", "action: not an "
		    "action that takes ownerAuth (owner.verify, "
		    "owner.kill-switch, owner.recover, tx.approve, tx.reject)",
		    0);
		return;
	}
	if (query_value(c->req->query, "target", TARGET_CHARS, target,
	    API_PARAM_MAX) == -1 || (target[0] != '\0' &&
	    action[0] == '\0')) {
		pd_fail(c->peerid, 400, "VALIDATION_FAILED", "target: 1 to 64 "
		    "letters, digits or '-', and only with action", 0);
		return;
	}
	snprintf(bound, sizeof(bound), "%s%s%s", action, target[0] != '\0' ?
	    ":" : "", target);
	nonce_mint(bound, exp, nonce);
	pd_reply_json(c->peerid, 200, json_pack("{s:s, s:I}", "nonce", nonce,
	    "expiresAt", (json_int_t)exp));
}

/* An owner address for a wallet of chain into out (EIP-55 for EVM). */
static int
owner_address(const char *chain, const char *in, char *out, size_t len)
{
	uint8_t	a[32];

	if (strcmp(chain, "ethereum") == 0) {
		if (evm_address_parse(in, strlen(in), a) == -1 || len < 43)
			return -1;
		evm_address_checksum(a, out);
		return 0;
	}
	/* A Solana owner signs with its key: it must be a curve point. */
	if (base58_decode(in, strlen(in), a, sizeof(a)) != 32 ||
	    crypto_core_ed25519_is_valid_point(a) != 1)
		return -1;
	return base58_encode(a, 32, out, len) == strlen(in) ? 0 : -1;
}

/* Set owner_state (and owner_address if addr) where the state is from. */
static int
set_owner(const char *id, const char *addr, const char *to,
    const char *from1, const char *from2)
{
	sqlite3_stmt	*st;
	int		 r;

	if (sqlite3_prepare_v2(pd.db, "UPDATE wallets SET owner_address = "
	    "coalesce(?1, owner_address), owner_state = ?2 WHERE id = ?3 AND "
	    "owner_state IN (?4, ?5)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (addr != NULL)
		sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, from1, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, from2, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(pd.db) : -1;
	sqlite3_finalize(st);
	return r;
}

/*
 * How the owner approves, when the body says (null: this daemon's
 * default, which is the same REST approval); the api let through only
 * the methods this daemon has.
 */
static int
owner_method(const char *id, json_t *body)
{
	sqlite3_stmt	*st;
	json_t		*m;
	int		 r;

	if ((m = json_object_get(body, "approval_method")) == NULL)
		return 0;
	if (!json_is_null(m) && (!json_is_string(m) ||
	    strcmp(json_string_value(m), "rest") != 0))
		fatalx("owner set: approval_method from the api is not one");
	st = store_prepare("UPDATE wallets SET approval_method = ? WHERE "
	    "id = ?");
	if (json_is_string(m))
		sqlite3_bind_text(st, 1, json_string_value(m), -1,
		    SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return r;
}

/* PUT /v1/wallets/{id}/owner {owner_address}: NONE or GRACE -> GRACE. */
void
owner_set(struct pd_ctx *c)
{
	const char	*id = c->req->param, *in;
	char		 chain[16], status[16], state[16];
	char		 prev[OWNER_ADDR_MAX + 1], addr[OWNER_ADDR_MAX + 1];
	int		 n;

	in = json_string_value(json_object_get(c->body, "owner_address"));
	if (in == NULL || strlen(in) > OWNER_ADDR_MAX)
		fatalx("owner set: malformed body from the api");
	if (!ks_valid_id(id, strlen(id)) || !wallet_row(id, chain, status,
	    state, prev, sizeof(chain))) {
		pd_fail(c->peerid, 404, "WALLET_NOT_FOUND", "no such wallet",
		    0);
		return;
	}
	if (strcmp(status, "TERMINATED") == 0) {
		pd_fail(c->peerid, 410, "WALLET_TERMINATED", "the wallet is "
		    "not active", 0);
		return;
	}
	if (owner_address(chain, in, addr, sizeof(addr)) == -1) {
		pd_fail(c->peerid, 400, "INVALID_ADDRESS", strcmp(chain,
		    "ethereum") == 0 ? "owner_address: not an EVM address "
		    "(0x and 40 hex digits; mixed case must be EIP-55)" :
		    "owner_address: not a base58 Ed25519 public key", 0);
		return;
	}
	if (!pd_begin(c))
		return;
	if (kill_held_by(id)) {
		store_rollback();
		pd_fail(c->peerid, 409, "KILL_SWITCH_OWNER_HOLD", "this "
		    "wallet's owner holds the kill switch: the owner cannot be "
		    "changed until it is recovered", 0);
		return;
	}
	if ((n = set_owner(id, addr, "GRACE", "NONE", "GRACE")) == 0) {
		store_rollback();
		pd_fail(c->peerid, 409, "OWNER_ALREADY_CONNECTED", "the owner "
		    "is verified (LOCKED); only the owner can change it", 0);
		return;
	}
	if (n == -1 || owner_method(id, c->body) == -1 ||
	    wallet_touch(id, c->now) == -1 ||
	    audit_append(c->now, "wallet.owner_set", "operator", id,
	    json_pack("{s:s, s:s, s:s?, s:O?}", "ownerAddress", addr,
	    "previousState", state, "previousAddress", prev[0] != '\0' ?
	    prev : NULL, "approvalMethod", json_object_get(c->body,
	    "approval_method"))) == -1 || store_commit() == -1) {
		store_rollback();
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the owner could not "
		    "be set", 1);
		return;
	}
	log_info("wallet %s: owner %s (GRACE)", id, addr);
	pd_reply_json(c->peerid, 200, store_wallet(id));
}

/*
 * POST /v1/wallets/{id}/owner/verify (ownerAuth): GRACE -> LOCKED, in
 * the transaction owner_check opened and spent the nonce in.
 */
void
owner_verify(struct pd_ctx *c)
{
	const char	*id = c->req->param;
	char		 chain[16], status[16], state[16];
	char		 owner[OWNER_ADDR_MAX + 1];
	int		 n;

	if (c->auth != CRED_OWNER || !store_in_unit())
		fatalx("owner verify without ownerAuth's transaction");
	if (!wallet_row(id, chain, status, state, owner, sizeof(chain)))
		fatalx("owner verify: the wallet vanished");
	if ((n = set_owner(id, NULL, "LOCKED", "GRACE", "GRACE")) == 0) {
		store_rollback();
		pd_fail(c->peerid, 409, "OWNER_ALREADY_CONNECTED", "the owner "
		    "is already verified", 0);
		return;
	}
	if (n == -1 || wallet_touch(id, c->now) == -1 ||
	    audit_append(c->now, "wallet.owner_verified", "owner",
	    id, json_pack("{s:s}", "ownerAddress", owner)) == -1 ||
	    store_commit() == -1) {
		store_rollback();
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the owner could not "
		    "be verified", 1);
		return;
	}
	log_info("wallet %s: owner %s verified (LOCKED)", id, owner);
	pd_reply_json(c->peerid, 200, store_wallet(id));
}
