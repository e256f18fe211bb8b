/*
 * sessionAuth.  A session token is "wai_sess_" + an HS256 JWT whose key
 * lives in policyd's database; the hash of the current token is stored,
 * so a renewed or revoked token stops working at once.  The signature is
 * checked before anything in the token is parsed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "policyd.h"
#include "util.h"
#include "wipe.h"

#define TOKEN_PREFIX	"wai_sess_"
#define TOKEN_MAX	SESSION_TOKEN_MAX
#define JWT_HEADER	"{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

#define DEFAULT_TTL		2592000		/* 30 days */
#define DEFAULT_RENEWALS	12
#define DEFAULT_LIFETIME	31536000	/* a year */

static uint8_t	*jwt_key;	/* guarded */

/*
 * Tokens already verified, by their SHA-256: a token seen again skips
 * the signature check and the parse of its claims, and goes straight to
 * the database row, which is checked in full every time (revoked,
 * expired, replaced by a renewal or a rotation).  Equal hashes mean the
 * same token bytes, so a hit proves what the signature check proved.
 * Direct-mapped: a collision only evicts.
 */
#define SEEN_SLOTS	1024
static struct seen {
	uint8_t		hash[32];
	char		sid[UUID_STR_LEN];
} seen[SEEN_SLOTS];

static struct seen *
seen_slot(const uint8_t hash[32])
{
	return &seen[(hash[0] | (size_t)hash[1] << 8) % SEEN_SLOTS];
}

void
sessions_init(void)
{
	if ((jwt_key = sodium_malloc(crypto_auth_hmacsha256_KEYBYTES)) ==
	    NULL)
		fatal("sodium_malloc");
	if (store_meta_secret("jwt_hs256", jwt_key,
	    crypto_auth_hmacsha256_KEYBYTES) == -1)
		fatalx("session signing key: %s", sqlite3_errmsg(pd.db));
}

static void
b64url(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	sodium_bin2base64(out, outlen, in, len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void
token_hash(const char *token, uint8_t out[32])
{
	crypto_hash_sha256(out, (const uint8_t *)token, strlen(token));
}

/*
 * The token of session sid's generation gen (0 at creation, then its
 * renewal count); out holds TOKEN_MAX bytes.  Its jti is derived, not
 * drawn, under the signing key: the same claims make the same token, so
 * an answer replayed for an Idempotency-Key gives the token again
 * without the database ever holding it.
 */
static void
token_make(const char *sid, long long iat, long long exp, long long gen,
    char *out)
{
	crypto_generichash_state	st;
	uint8_t				jti[16], mac[32];
	char				payload[256], h64[64], p64[400];
	char				s64[64], jti64[32], g[24];
	int				n;

	snprintf(g, sizeof(g), "%lld", gen);
	crypto_generichash_init(&st, jwt_key, crypto_auth_hmacsha256_KEYBYTES,
	    sizeof(jti));
	crypto_generichash_update(&st, (const uint8_t *)"jti", 4);
	crypto_generichash_update(&st, (const uint8_t *)sid, strlen(sid) + 1);
	crypto_generichash_update(&st, (const uint8_t *)g, strlen(g));
	crypto_generichash_final(&st, jti, sizeof(jti));
	b64url(jti, sizeof(jti), jti64, sizeof(jti64));
	n = snprintf(payload, sizeof(payload), "{\"sub\":\"%s\",\"iat\":%lld,"
	    "\"exp\":%lld,\"jti\":\"%s\"}", sid, iat, exp, jti64);
	if (n < 0 || (size_t)n >= sizeof(payload))
		fatalx("token payload");
	b64url((const uint8_t *)JWT_HEADER, strlen(JWT_HEADER), h64,
	    sizeof(h64));
	b64url((const uint8_t *)payload, (size_t)n, p64, sizeof(p64));
	n = snprintf(out, TOKEN_MAX, TOKEN_PREFIX "%s.%s", h64, p64);
	crypto_auth_hmacsha256(mac, (const uint8_t *)out +
	    strlen(TOKEN_PREFIX), (size_t)n - strlen(TOKEN_PREFIX), jwt_key);
	b64url(mac, sizeof(mac), s64, sizeof(s64));
	if ((size_t)snprintf(out + n, TOKEN_MAX - (size_t)n, ".%s", s64) >=
	    TOKEN_MAX - (size_t)n)
		fatalx("token too long");
}

/*
 * The token session sid was created with, expiring at exp, made again;
 * -1 if there is no such session.  (A renewed or revoked session's
 * first token no longer works, as its holder would expect.)
 */
int
session_token_again(const char *sid, long long exp, char *out)
{
	sqlite3_stmt	*st;
	long long	 iat;

	if (sid == NULL)
		return -1;
	st = store_prepare("SELECT created_at FROM sessions WHERE id = ?");
	sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return -1;
	}
	iat = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	token_make(sid, iat, exp, 0, out);
	return 0;
}

static int
session_fail(struct pd_ctx *c, const char *code, const char *msg)
{
	audit_event(c->now, "auth.session_failed", "agent", NULL,
	    json_pack("{s:s}", "reason", code));
	pd_fail(c->peerid, 401, code, msg, 0);
	return 0;
}

int
session_check(struct pd_ctx *c)
{
	static const char	 q_session[] = "SELECT token_hash, expires_at, "
	    "absolute_expires_at, revoked_at FROM sessions WHERE id = ?";
	const struct api_cred	*cred = &c->req->cred;
	const char		*tok = cred->value, *dot1, *dot2;
	uint8_t			 mac[32], hash[32], dec[512];
	char			 s64[64];
	size_t			 dlen;
	sqlite3_stmt		*st;
	struct seen		*sl;
	json_t			*j;
	json_error_t		 err;
	const char		*sub;
	long long		 exp, absexp;
	int			 ok = 0;

	if (cred->kind != CRED_SESSION)
		return session_fail(c, "INVALID_TOKEN", "a session token "
		    "(Authorization: Bearer wai_sess_...) is required");
	if (cred->len > TOKEN_MAX)
		return session_fail(c, "INVALID_TOKEN", "not a session token");
	token_hash(tok, hash);
	sl = seen_slot(hash);
	if (sl->sid[0] != '\0' && sodium_memcmp(sl->hash, hash, 32) == 0) {
		strlcpy(c->session, sl->sid, sizeof(c->session));
		goto row;
	}
	if (cred->len > TOKEN_MAX || strncmp(tok, TOKEN_PREFIX,
	    strlen(TOKEN_PREFIX)) != 0 ||
	    (dot1 = strchr(tok, '.')) == NULL ||
	    (dot2 = strchr(dot1 + 1, '.')) == NULL ||
	    strchr(dot2 + 1, '.') != NULL)
		return session_fail(c, "INVALID_TOKEN", "not a session token");
	/* The signature first: nothing unsigned is parsed. */
	crypto_auth_hmacsha256(mac, (const uint8_t *)tok +
	    strlen(TOKEN_PREFIX), (size_t)(dot2 - tok) - strlen(TOKEN_PREFIX),
	    jwt_key);
	b64url(mac, sizeof(mac), s64, sizeof(s64));
	if (strlen(dot2 + 1) != strlen(s64) ||
	    sodium_memcmp(dot2 + 1, s64, strlen(s64)) != 0)
		return session_fail(c, "INVALID_TOKEN", "invalid token "
		    "signature");
	if (sodium_base642bin(dec, sizeof(dec), tok + strlen(TOKEN_PREFIX),
	    (size_t)(dot1 - tok) - strlen(TOKEN_PREFIX), NULL, &dlen, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    dlen != strlen(JWT_HEADER) || memcmp(dec, JWT_HEADER, dlen) != 0)
		return session_fail(c, "INVALID_TOKEN", "unexpected token "
		    "header");
	if (sodium_base642bin(dec, sizeof(dec), dot1 + 1,
	    (size_t)(dot2 - dot1 - 1), NULL, &dlen, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    (j = json_loadb((const char *)dec, dlen, 0, &err)) == NULL)
		return session_fail(c, "INVALID_TOKEN", "malformed token");
	sub = json_string_value(json_object_get(j, "sub"));
	if (sub == NULL || !ks_valid_id(sub, strlen(sub))) {
		json_decref(j);
		return session_fail(c, "INVALID_TOKEN", "malformed token");
	}
	strlcpy(c->session, sub, sizeof(c->session));
	json_decref(j);
	memcpy(sl->hash, hash, 32);
	strlcpy(sl->sid, c->session, sizeof(sl->sid));

row:
	st = store_cached(q_session);
	sqlite3_bind_text(st, 1, c->session, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		session_fail(c, "INVALID_TOKEN", "no such session");
	else if (sqlite3_column_type(st, 3) != SQLITE_NULL)
		session_fail(c, "SESSION_REVOKED", "the session was revoked");
	else if (sqlite3_column_bytes(st, 0) != 32 || sodium_memcmp(
	    sqlite3_column_blob(st, 0), hash, 32) != 0)
		session_fail(c, "INVALID_TOKEN", "the token was replaced by a "
		    "renewal");
	else if (exp = sqlite3_column_int64(st, 1), absexp =
	    sqlite3_column_int64(st, 2), c->now >= exp || c->now >= absexp)
		session_fail(c, "TOKEN_EXPIRED", "the session token has "
		    "expired");
	else {
		c->auth = CRED_SESSION;
		ok = 1;
	}
	store_release(st);
	return ok;
}

int
session_has_wallet(const char *sid, const char *wallet)
{
	static const char	 q_has[] = "SELECT 1 FROM session_wallets "
	    "WHERE session_id = ? AND wallet_id = ?";
	sqlite3_stmt	*st;
	int		 r;

	st = store_cached(q_has);
	sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, wallet, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_ROW;
	store_release(st);
	return r;
}

static long long
live_sessions(const char *wallet, long long now)
{
	sqlite3_stmt	*st;
	long long	 n = 0;

	if (sqlite3_prepare_v2(pd.db, "SELECT count(*) FROM sessions s JOIN "
	    "session_wallets w ON w.session_id = s.id WHERE w.wallet_id = ? "
	    "AND s.revoked_at IS NULL AND s.expires_at > ? AND "
	    "s.absolute_expires_at > ?", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, wallet, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, now);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/*
 * Make a session for the wallets (a JSON array of ids) inside the
 * caller's transaction.  Returns the response object, or NULL with the
 * HTTP status and code of the refusal.
 */
json_t *
session_new(struct pd_ctx *c, json_t *ids, long long ttl, long long maxren,
    long long lifetime, int *status, const char **code)
{
	sqlite3_stmt	*st;
	json_t		*wallets, *e, *r;
	char		 sid[UUID_STR_LEN], name[WALLET_NAME_MAX + 1];
	char		 token[TOKEN_MAX];
	uint8_t		 hash[32];
	long long	 exp, absexp = c->now + lifetime;
	size_t		 i;

	*status = 500;
	*code = "INTERNAL_ERROR";
	if (pd.killed) {
		*status = 409;
		*code = "KILL_SWITCH_ACTIVE";
		return NULL;
	}
	exp = c->now + ttl < absexp ? c->now + ttl : absexp;
	uuidv7(sid);
	wallets = json_array();
	json_array_foreach(ids, i, e) {
		if (!store_wallet_active(json_string_value(e), name,
		    sizeof(name))) {
			*status = 404;
			*code = "WALLET_NOT_FOUND";
			json_decref(wallets);
			return NULL;
		}
		if (live_sessions(json_string_value(e), c->now) >=
		    pd.p->cfg.max_sessions) {
			*status = 403;
			*code = "SESSION_LIMIT_EXCEEDED";
			json_decref(wallets);
			return NULL;
		}
		json_array_append_new(wallets, json_pack("{s:s, s:s}", "id",
		    json_string_value(e), "name", name));
	}
	token_make(sid, c->now, exp, 0, token);
	token_hash(token, hash);
	/* Made through the REST API: no other way to make one exists. */
	if (sqlite3_prepare_v2(pd.db, "INSERT INTO sessions (id, token_hash, "
	    "created_at, ttl, expires_at, absolute_expires_at, max_renewals, "
	    "source) VALUES (?, ?, ?, ?, ?, ?, ?, 'api')", -1, &st, NULL) !=
	    SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c->now);
	sqlite3_bind_int64(st, 4, ttl);
	sqlite3_bind_int64(st, 5, exp);
	sqlite3_bind_int64(st, 6, absexp);
	sqlite3_bind_int64(st, 7, maxren);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	json_array_foreach(ids, i, e) {
		if (sqlite3_prepare_v2(pd.db, "INSERT OR IGNORE INTO "
		    "session_wallets (session_id, wallet_id, created_at) "
		    "VALUES (?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, json_string_value(e), -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, c->now);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			goto fail;
		}
		sqlite3_finalize(st);
	}
	if (audit_append(c->now, "session.created", c->auth == CRED_MASTER ?
	    "operator" : "agent", sid, json_pack("{s:O, s:I}", "wallets",
	    ids, "expiresAt", (json_int_t)exp)) == -1)
		goto fail;
	r = json_pack("{s:s, s:s, s:I, s:s, s:o}", "id", sid, "token", token,
	    "expiresAt", (json_int_t)exp, "walletId",
	    json_string_value(json_array_get(ids, 0)), "wallets", wallets);
	sodium_memzero(token, sizeof(token));
	return r;
fail:
	log_warnx("session insert: %s", sqlite3_errmsg(pd.db));
	json_decref(wallets);
	sodium_memzero(token, sizeof(token));
	return NULL;
}

/*
 * An integer the api already bounded; outside [lo, hi] the api is not
 * doing its job, which is fatal (and keeps now + ttl from overflowing).
 */
static long long
body_int(json_t *body, const char *key, long long dflt, long long lo,
    long long hi)
{
	json_t		*v = json_object_get(body, key);
	long long	 n;

	if (v == NULL)
		return dflt;
	if (!json_is_integer(v) || (n = (long long)json_integer_value(v)) <
	    lo || n > hi)
		fatalx("session create: %s out of bounds from the api", key);
	return n;
}

/* session_new() said no (status, code): the answer. */
void
session_refused(struct pd_ctx *c, int status, const char *code)
{
	pd_fail(c->peerid, status, code, status == 404 ? "no such active "
	    "wallet" : status == 403 ? "this wallet has the most sessions "
	    "allowed (security.max_sessions_per_wallet)" : pd.killed ? "the "
	    "kill switch is active; the operator must recover first" : "the "
	    "session could not be created", status >= 500 && !pd.killed);
}

void
sessions_create(struct pd_ctx *c)
{
	json_t		*ids = json_object_get(c->body, "walletIds"), *r, *e;
	const char	*code, *key;
	size_t		 i;
	int		 status;

	if (!json_is_array(ids) || json_array_size(ids) == 0 ||
	    json_array_size(ids) > 64)
		fatalx("session create without wallet ids");
	json_array_foreach(ids, i, e)
		if (!json_is_string(e) || !ks_valid_id(json_string_value(e),
		    json_string_length(e)))
			fatalx("session create: a wallet id that is not one");
	json_object_foreach(c->body, key, e)
		if (strcmp(key, "walletIds") != 0 && strcmp(key, "ttl") != 0 &&
		    strcmp(key, "maxRenewals") != 0 &&
		    strcmp(key, "absoluteLifetime") != 0)
			fatalx("session create: unknown field from the api");
	if (!pd_begin(c))
		return;
	r = session_new(c, ids, body_int(c->body, "ttl", DEFAULT_TTL,
	    pd.p->cfg.ttl_min, 31536000), body_int(c->body, "maxRenewals",
	    DEFAULT_RENEWALS, 0, 1000000), body_int(c->body,
	    "absoluteLifetime", DEFAULT_LIFETIME, 1, 10 * 31536000LL),
	    &status, &code);
	if (r == NULL || idem_record(c->peerid, json_string_value(
	    json_object_get(r, "id")), c->route, 201, r) == -1 ||
	    store_commit() == -1) {
		store_rollback();
		json_decref(r);
		session_refused(c, status, code);
		return;
	}
	pd_reply_json(c->peerid, 201, r);
}

static const char *
session_status(sqlite3_stmt *st, long long now)
{
	if (sqlite3_column_type(st, 6) != SQLITE_NULL)
		return "REVOKED";
	if (now >= sqlite3_column_int64(st, 2) ||
	    now >= sqlite3_column_int64(st, 3))
		return "EXPIRED";
	return "ACTIVE";
}

static json_t *
session_wallets(const char *sid)
{
	sqlite3_stmt	*st;
	json_t		*a = json_array();

	if (sqlite3_prepare_v2(pd.db, "SELECT w.id, w.name FROM "
	    "session_wallets s JOIN wallets w ON w.id = s.wallet_id WHERE "
	    "s.session_id = ? ORDER BY w.created_at", -1, &st, NULL) !=
	    SQLITE_OK)
		return a;
	sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:s, s:s}", "id",
		    sqlite3_column_text(st, 0), "name",
		    sqlite3_column_text(st, 1)));
	sqlite3_finalize(st);
	return a;
}

/*
 * GET /v1/sessions?limit&offset&walletId.  The operator sees every
 * session; a session sees only itself (what list_sessions shows an
 * agent: its own expiry, renewals and wallets, never another token
 * holder's sessions).
 */
#define SESSION_WHERE	"WHERE (?3 IS NULL OR id IN (SELECT session_id " \
	"FROM session_wallets WHERE wallet_id = ?3)) AND (?4 IS NULL OR " \
	"id = ?4) "
#define SESSION_COLS	"SELECT id, created_at, expires_at, " \
	"absolute_expires_at, renewal_count, max_renewals, revoked_at, " \
	"last_renewed_at, source FROM sessions " SESSION_WHERE

static void
list_bind(sqlite3_stmt *st, const char *filter, const char *self)
{
	if (filter != NULL)
		sqlite3_bind_text(st, 3, filter, -1, SQLITE_STATIC);
	if (self != NULL)
		sqlite3_bind_text(st, 4, self, -1, SQLITE_STATIC);
}

void
sessions_list(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	json_t		*data, *w, *first;
	char		 wid[KS_ID_LEN + 2];
	const char	*filter, *self;
	long long	 limit, offset, total = 0;

	if (pd_query_int(c, "limit", &limit) == -1 ||
	    pd_query_int(c, "offset", &offset) == -1)
		return;
	if ((data = json_array()) == NULL)
		fatalx("json_array");
	filter = pd_query_str(c->req->query, "walletId", wid, sizeof(wid));
	self = c->auth == CRED_SESSION ? c->session : NULL;
	if (sqlite3_prepare_v2(pd.db, "SELECT count(*), ?1, ?2 FROM "
	    "sessions " SESSION_WHERE, -1, &st, NULL) == SQLITE_OK) {
		list_bind(st, filter, self);
		if (sqlite3_step(st) == SQLITE_ROW)
			total = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(pd.db, SESSION_COLS "ORDER BY created_at DESC, "
	    "id DESC LIMIT ?1 OFFSET ?2", -1, &st, NULL) != SQLITE_OK)
		fatalx("sessions: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_int64(st, 1, limit);
	sqlite3_bind_int64(st, 2, offset);
	list_bind(st, filter, self);
	while (sqlite3_step(st) == SQLITE_ROW) {
		w = session_wallets((const char *)sqlite3_column_text(st, 0));
		first = json_array_get(w, 0);
		json_array_append_new(data, json_pack("{s:s, s:O, s:O, s:o, "
		    "s:I, s:I, s:I, s:I, s:I, s:s, s:o, s:s}",
		    "id", sqlite3_column_text(st, 0),
		    "walletId", json_object_get(first, "id") ?: json_null(),
		    "walletName", json_object_get(first, "name") ?:
		    json_null(), "wallets", w,
		    "createdAt", (json_int_t)sqlite3_column_int64(st, 1),
		    "expiresAt", (json_int_t)sqlite3_column_int64(st, 2),
		    "absoluteExpiresAt", (json_int_t)sqlite3_column_int64(st,
		    3), "renewalCount", (json_int_t)sqlite3_column_int64(st,
		    4), "maxRenewals", (json_int_t)sqlite3_column_int64(st, 5),
		    "status", session_status(st, c->now),
		    "lastRenewedAt", sqlite3_column_type(st, 7) ==
		    SQLITE_NULL ? json_null() : json_integer((json_int_t)
		    sqlite3_column_int64(st, 7)),
		    "source", sqlite3_column_text(st, 8)));
	}
	sqlite3_finalize(st);
	pd_reply_json(c->peerid, 200, json_pack("{s:o, s:I, s:I, s:I}",
	    "data", data, "total", (json_int_t)total, "limit",
	    (json_int_t)limit, "offset", (json_int_t)offset));
}

/* DELETE /v1/sessions/{id} */
void
sessions_revoke(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	int		 changed;

	if (!ks_valid_id(c->req->param, strlen(c->req->param))) {
		pd_fail(c->peerid, 404, "SESSION_NOT_FOUND", "no such "
		    "session", 0);
		return;
	}
	if (!pd_begin(c))
		return;
	if (sqlite3_prepare_v2(pd.db, "UPDATE sessions SET revoked_at = "
	    "coalesce(revoked_at, ?) WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		fatalx("revoke: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_int64(st, 1, c->now);
	sqlite3_bind_text(st, 2, c->req->param, -1, SQLITE_STATIC);
	changed = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(pd.db);
	sqlite3_finalize(st);
	if (!changed) {
		store_rollback();
		pd_fail(c->peerid, 404, "SESSION_NOT_FOUND", "no such "
		    "session", 0);
		return;
	}
	if (audit_append(c->now, "session.revoked", "operator",
	    c->req->param, NULL) == -1 || store_commit() == -1) {
		store_rollback();
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the session could "
		    "not be revoked", 1);
		return;
	}
	pd_reply_json(c->peerid, 200, json_pack("{s:s, s:s}", "id",
	    c->req->param, "status", "REVOKED"));
}

/* PUT /v1/sessions/{id}/renew: the session's own token only. */
void
sessions_renew(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	char		 token[TOKEN_MAX];
	uint8_t		 hash[32];
	long long	 ttl, absexp, count, maxren, exp, rot;

	if (strcmp(c->req->param, c->session) != 0) {
		pd_fail(c->peerid, 403, "SESSION_RENEWAL_MISMATCH", "a session "
		    "can renew only itself", 0);
		return;
	}
	if (!pd_begin(c))
		return;
	if (sqlite3_prepare_v2(pd.db, "SELECT ttl, absolute_expires_at, "
	    "renewal_count, max_renewals, rotation_count FROM sessions WHERE "
	    "id = ?", -1, &st, NULL) != SQLITE_OK)
		fatalx("renew: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, c->session, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		fatalx("renew: authenticated session vanished");
	ttl = sqlite3_column_int64(st, 0);
	absexp = sqlite3_column_int64(st, 1);
	count = sqlite3_column_int64(st, 2);
	maxren = sqlite3_column_int64(st, 3);
	rot = sqlite3_column_int64(st, 4);
	sqlite3_finalize(st);
	if (count >= maxren) {
		store_rollback();
		pd_fail(c->peerid, 403, "RENEWAL_LIMIT_REACHED", "this "
		    "session may not be renewed again", 0);
		return;
	}
	exp = c->now + ttl < absexp ? c->now + ttl : absexp;
	/* Generation: every token issued so far (renewed or rotated). */
	token_make(c->session, c->now, exp, count + rot + 1, token);
	token_hash(token, hash);
	if (sqlite3_prepare_v2(pd.db, "UPDATE sessions SET token_hash = ?, "
	    "expires_at = ?, renewal_count = renewal_count + 1, "
	    "last_renewed_at = ? WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		fatalx("renew: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, exp);
	sqlite3_bind_int64(st, 3, c->now);
	sqlite3_bind_text(st, 4, c->session, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE || audit_append(c->now,
	    "session.renewed", "agent", c->session, json_pack("{s:I}",
	    "expiresAt", (json_int_t)exp)) == -1 || store_commit() == -1) {
		sqlite3_finalize(st);
		store_rollback();
		sodium_memzero(token, sizeof(token));
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the session could "
		    "not be renewed", 1);
		return;
	}
	sqlite3_finalize(st);
	pd_reply_json(c->peerid, 200, json_pack("{s:s, s:s, s:I, s:I}", "id",
	    c->session, "token", token, "expiresAt", (json_int_t)exp,
	    "renewalCount", (json_int_t)(count + 1)));
	sodium_memzero(token, sizeof(token));
}

/*
 * The session a route names (its path's first id): 1 and its row's
 * state, or 0 after answering 404.  *live: neither revoked nor expired.
 */
static int
session_row(struct pd_ctx *c, const char *sid, int *revoked, int *live)
{
	sqlite3_stmt	*st;
	int		 found = 0;

	if (ks_valid_id(sid, strlen(sid))) {
		st = store_prepare("SELECT revoked_at IS NOT NULL, expires_at "
		    "> ?2 AND absolute_expires_at > ?2 FROM sessions WHERE id "
		    "= ?1");
		sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, c->now);
		if (sqlite3_step(st) == SQLITE_ROW) {
			found = 1;
			*revoked = sqlite3_column_int(st, 0);
			*live = !*revoked && sqlite3_column_int(st, 1);
		}
		sqlite3_finalize(st);
	}
	if (!found)
		pd_fail(c->peerid, 404, "SESSION_NOT_FOUND", "no such "
		    "session", 0);
	return found;
}

/*
 * POST /v1/sessions/{id}/rotate (masterAuth): a new token for the same
 * session (its wallets, expiry and renewals kept); the old token's hash
 * is replaced in this commit, so it fails on the very next request.  A
 * revoked session is 401 SESSION_REVOKED, an expired one 401
 * TOKEN_EXPIRED: rotation does not bring a session back.
 */
void
sessions_rotate(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	char		 token[TOKEN_MAX];
	uint8_t		 hash[32];
	long long	 exp, issued;
	int		 revoked = 0, live = 0;

	if (!session_row(c, c->req->param, &revoked, &live))
		return;
	if (!live) {
		pd_fail(c->peerid, 401, revoked ? "SESSION_REVOKED" :
		    "TOKEN_EXPIRED", revoked ? "the session was revoked" :
		    "the session has expired", 0);
		return;
	}
	if (!pd_begin(c))
		return;
	st = store_prepare("SELECT expires_at, renewal_count + rotation_count "
	    "+ 1 FROM sessions WHERE id = ?");
	sqlite3_bind_text(st, 1, c->req->param, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		fatalx("rotate: session vanished");
	exp = sqlite3_column_int64(st, 0);
	issued = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	token_make(c->req->param, c->now, exp, issued, token);
	token_hash(token, hash);
	st = store_prepare("UPDATE sessions SET token_hash = ?, "
	    "rotation_count = rotation_count + 1 WHERE id = ?");
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->req->param, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE || audit_append(c->now,
	    "session.rotated", "operator", c->req->param, json_pack("{s:I}",
	    "tokenIssuedCount", (json_int_t)(issued + 1))) == -1 ||
	    store_commit() == -1) {
		sqlite3_finalize(st);
		store_rollback();
		sodium_memzero(token, sizeof(token));
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the session token "
		    "could not be rotated", 1);
		return;
	}
	sqlite3_finalize(st);
	pd_reply_json(c->peerid, 200, json_pack("{s:s, s:s, s:I, s:I}", "id",
	    c->req->param, "token", token, "expiresAt", (json_int_t)exp,
	    "tokenIssuedCount", (json_int_t)(issued + 1)));
	sodium_memzero(token, sizeof(token));
}

/* GET /v1/sessions/{id}/wallets: the wallets a session reaches. */
void
sessions_wallets(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	json_t		*a;
	int		 revoked, live;

	if (!session_row(c, c->req->param, &revoked, &live))
		return;
	if ((a = json_array()) == NULL)
		fatalx("json_array");
	st = store_prepare("SELECT w.id, w.name, w.chain, "
	    "coalesce(l.created_at, s.created_at) FROM session_wallets l "
	    "JOIN wallets w ON w.id = "
	    "l.wallet_id JOIN sessions s ON s.id = l.session_id WHERE "
	    "l.session_id = ? ORDER BY 4, w.created_at, w.id");
	sqlite3_bind_text(st, 1, c->req->param, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I}",
		    "id", sqlite3_column_text(st, 0), "name",
		    sqlite3_column_text(st, 1), "chain",
		    sqlite3_column_text(st, 2), "createdAt",
		    (json_int_t)sqlite3_column_int64(st, 3)));
	sqlite3_finalize(st);
	pd_reply_json(c->peerid, 200, json_pack("{s:o}", "wallets", a));
}

/*
 * POST /v1/sessions/{id}/wallets {walletId}: the session reaches one
 * more wallet (not terminated), within security.max_sessions_per_wallet;
 * a revoked or expired session is not extended (409).
 */
void
sessions_link(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	const char	*w = json_string_value(json_object_get(c->body,
			    "walletId"));
	json_t		*j;
	int		 revoked, live, gone;

	if (w == NULL || !ks_valid_id(w, strlen(w)) ||
	    json_object_size(c->body) != 1)
		fatalx("session link: malformed body from the api");
	if (!session_row(c, c->req->param, &revoked, &live))
		return;
	if (!live) {
		pd_fail(c->peerid, 409, "INVALID_STATE_TRANSITION", "the "
		    "session is revoked or expired", 0);
		return;
	}
	if ((j = store_wallet(w)) == NULL) {
		pd_fail(c->peerid, 404, "WALLET_NOT_FOUND", "no such wallet",
		    0);
		return;
	}
	gone = strcmp(json_string_value(json_object_get(j, "status")),
	    "TERMINATED") == 0;
	json_decref(j);
	if (gone) {
		pd_fail(c->peerid, 404, "WALLET_NOT_FOUND", "the wallet is "
		    "terminated", 0);
		return;
	}
	if (session_has_wallet(c->req->param, w)) {
		pd_fail(c->peerid, 409, "WALLET_ALREADY_LINKED", "the session "
		    "reaches this wallet already", 0);
		return;
	}
	if (live_sessions(w, c->now) >= pd.p->cfg.max_sessions) {
		pd_fail(c->peerid, 403, "SESSION_LIMIT_EXCEEDED", "this wallet "
		    "has the most sessions allowed "
		    "(security.max_sessions_per_wallet)", 0);
		return;
	}
	if (!pd_begin(c))
		return;
	st = store_prepare("INSERT INTO session_wallets (session_id, "
	    "wallet_id, created_at) VALUES (?, ?, ?)");
	sqlite3_bind_text(st, 1, c->req->param, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c->now);
	if (sqlite3_step(st) != SQLITE_DONE || audit_append(c->now,
	    "session.wallet_linked", "operator", c->req->param,
	    json_pack("{s:s}", "walletId", w)) == -1 ||
	    store_commit() == -1) {
		sqlite3_finalize(st);
		store_rollback();
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the wallet could "
		    "not be linked", 1);
		return;
	}
	sqlite3_finalize(st);
	pd_reply_json(c->peerid, 201, json_pack("{s:s, s:s, s:I}",
	    "sessionId", c->req->param, "walletId", w, "createdAt",
	    (json_int_t)c->now));
}

/*
 * DELETE /v1/sessions/{id}/wallets/{walletId}: the session no longer
 * reaches the wallet, from its next request on.  Its last wallet stays
 * (400 SESSION_REQUIRES_WALLET: revoke the session instead).  What the
 * session already asked for the wallet goes on as decided.
 */
void
sessions_unlink(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	char		 sid[KS_ID_LEN + 1];
	const char	*w, *p = c->req->param;
	long long	 n;
	int		 revoked, live;

	/* "<session>/wallets/<wallet>", as the route table matched it */
	if (strlen(p) != 2 * KS_ID_LEN + 9 || strncmp(p + KS_ID_LEN,
	    "/wallets/", 9) != 0) {
		pd_fail(c->peerid, 404, "SESSION_NOT_FOUND", "no such "
		    "session", 0);
		return;
	}
	memcpy(sid, p, KS_ID_LEN);
	sid[KS_ID_LEN] = '\0';
	w = p + KS_ID_LEN + 9;
	if (!session_row(c, sid, &revoked, &live))
		return;
	if (!ks_valid_id(w, strlen(w)) || !session_has_wallet(sid, w)) {
		pd_fail(c->peerid, 404, "WALLET_NOT_FOUND", "the session does "
		    "not reach that wallet", 0);
		return;
	}
	st = store_prepare("SELECT count(*) FROM session_wallets WHERE "
	    "session_id = ?");
	sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
	n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (n <= 1) {
		pd_fail(c->peerid, 400, "SESSION_REQUIRES_WALLET", "a session "
		    "keeps at least one wallet; revoke it instead", 0);
		return;
	}
	if (!pd_begin(c))
		return;
	st = store_prepare("DELETE FROM session_wallets WHERE session_id = ? "
	    "AND wallet_id = ?");
	sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE || audit_append(c->now,
	    "session.wallet_unlinked", "operator", sid, json_pack("{s:s}",
	    "walletId", w)) == -1 || store_commit() == -1) {
		sqlite3_finalize(st);
		store_rollback();
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the wallet could "
		    "not be unlinked", 1);
		return;
	}
	sqlite3_finalize(st);
	pd_reply(c->peerid, 204, NULL, "", 0);
}
