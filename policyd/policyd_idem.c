/*
 * Idempotency-Key on the routes that create something.  A key is scoped
 * to the credential that sent it (the session, or "master"), lives 24 h,
 * and names one request: the hash of its canonical body.  The first
 * request's answer is written in the same SQLite transaction as what it
 * created, so after a crash either both exist or neither; a retry gets
 * that answer again and creates nothing.  No secret is kept: the key and
 * the body only as hashes, an answer's session token left out and made
 * again (the same one: see token_make) when it is replayed.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "log.h"
#include "policyd.h"
#include "routes.h"
#include "util.h"
#include "wipe.h"

#define IDEM_WINDOW	86400	/* s a key is remembered */
#define IDEM_PER_CRED	10000	/* keys per credential in the window */
#define IDEM_PURGE	60	/* s between purges of expired keys */

/* Requests with a key that are being served: their answer is not known. */
struct inflight {
	TAILQ_ENTRY(inflight)	 entry;
	uint32_t		 peerid;
	char			 cred[KS_ID_LEN + 1];
	uint8_t			 key[32];
	uint8_t			 body[32];
};
static TAILQ_HEAD(, inflight)	inflight = TAILQ_HEAD_INITIALIZER(inflight);
static long long		last_purge;

static int
idem_route(int route)
{
	switch (route) {
	case R_TX_SEND:
	case R_TX_SIGN_MESSAGE:
	case R_TX_SIGN:
	case R_SESSION_CREATE:
	case R_WALLET_CREATE:
	case R_WALLET_IMPORT:
	case R_POLICY_CREATE:
		return 1;
	}
	return 0;
}

/*
 * What the request asks, hashed: the route, the path parameter, the
 * query and the body as policyd parsed it, keys sorted.  The text may
 * hold a private key (an import): it is hashed and wiped, never kept.
 */
static void
body_hash(const struct pd_ctx *c, uint8_t out[32])
{
	crypto_hash_sha256_state	 st;
	const char			*name = routes[c->route].name;
	char				*text = NULL;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name,
	    strlen(name) + 1);
	crypto_hash_sha256_update(&st, (const uint8_t *)c->req->param,
	    strlen(c->req->param) + 1);
	crypto_hash_sha256_update(&st, (const uint8_t *)c->req->query,
	    strlen(c->req->query) + 1);
	if (c->body != NULL && (text = json_dumps(c->body, JSON_COMPACT |
	    JSON_SORT_KEYS)) == NULL)
		fatalx("json_dumps");
	if (text != NULL)
		crypto_hash_sha256_update(&st, (const uint8_t *)text,
		    strlen(text));
	crypto_hash_sha256_final(&st, out);
	wipe_free(text);
}

static struct inflight *
inflight_find(const char *cred, const uint8_t key[32])
{
	struct inflight	*f;

	TAILQ_FOREACH(f, &inflight, entry)
		if (strcmp(f->cred, cred) == 0 &&
		    memcmp(f->key, key, 32) == 0)
			return f;
	return NULL;
}

static struct inflight *
inflight_of(uint32_t peerid)
{
	struct inflight	*f;

	TAILQ_FOREACH(f, &inflight, entry)
		if (f->peerid == peerid)
			return f;
	return NULL;
}

/* The token of a session answer, left out at rest; NULL: keep as is. */
static json_t *
token_slot(json_t *answer, int route)
{
	json_t	*s;

	if (route == R_SESSION_CREATE)
		return answer;
	if ((route == R_WALLET_CREATE || route == R_WALLET_IMPORT) &&
	    json_is_object(s = json_object_get(answer, "session")))
		return s;
	return NULL;
}

/* Answer again with what the first request was answered. */
static void
replay(struct pd_ctx *c, int route, int status, const char *text,
    const char *ref)
{
	json_t		*a, *s;
	char		 token[SESSION_TOKEN_MAX];

	if (text == NULL) {
		/*
		 * Recorded without its answer (a message signed after the
		 * commit that created it) and no longer in progress: the
		 * daemon stopped before the answer.  What exists is the
		 * transaction: answer with it as GET shows it.
		 */
		if ((a = tx_json(ref)) == NULL) {
			pd_fail(c->peerid, 409, "IDEMPOTENCY_KEY_REUSED",
			    "this Idempotency-Key was used by a request "
			    "whose result is gone", 0);
			return;
		}
		pd_reply_json(c->peerid, 200, a);
		return;
	}
	if ((a = json_loads(text, 0, NULL)) == NULL)
		fatalx("idempotency: a stored answer is not JSON");
	if ((s = token_slot(a, route)) != NULL &&
	    json_object_get(s, "token") != NULL) {
		if (session_token_again(json_string_value(json_object_get(s,
		    "id")), json_integer_value(json_object_get(s,
		    "expiresAt")), token) == -1) {
			json_decref(a);
			pd_fail(c->peerid, 409, "IDEMPOTENCY_KEY_REUSED",
			    "this Idempotency-Key created a session that is "
			    "gone", 0);
			return;
		}
		json_object_set_new(s, "token", json_string(token));
		sodium_memzero(token, sizeof(token));
	}
	log_debug("idempotency: %s answered again", routes[route].name);
	pd_reply_json(c->peerid, status, a);
}

/*
 * Before a route's handler: 1 to go on (the request is new, or carries
 * no key, or its route creates nothing), 0 once answered (the first
 * answer again, or a refusal).
 */
int
idem_start(struct pd_ctx *c)
{
	struct inflight	*f;
	sqlite3_stmt	*st;
	const char	*cred;
	uint8_t		 key[32], body[32];
	long long	 n;
	int		 r;

	if (c->req->idem[0] == '\0' || !idem_route(c->route))
		return 1;
	cred = c->auth == CRED_MASTER ? "master" : c->session;
	if (c->auth != CRED_MASTER && c->auth != CRED_SESSION)
		fatalx("idempotency on route %s without a credential",
		    routes[c->route].name);
	crypto_hash_sha256(key, (const uint8_t *)c->req->idem,
	    strlen(c->req->idem));
	body_hash(c, body);
	if ((f = inflight_find(cred, key)) != NULL) {
		if (memcmp(f->body, body, 32) != 0)
			goto reused;
		pd_fail_retry(c->peerid, 409, "IDEMPOTENCY_KEY_IN_PROGRESS",
		    "a request with this Idempotency-Key is still being "
		    "served; retry to get its answer", 1);
		return 0;
	}
	st = store_prepare("SELECT body_hash, status, answer, ref, route "
	    "FROM idempotency WHERE cred = ? AND key_hash = ? AND "
	    "created_at > ?");
	sqlite3_bind_text(st, 1, cred, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, key, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c->now - IDEM_WINDOW);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != 32 ||
		    memcmp(sqlite3_column_blob(st, 0), body, 32) != 0) {
			sqlite3_finalize(st);
			goto reused;
		}
		replay(c, sqlite3_column_int(st, 4), sqlite3_column_int(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3));
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "database busy",
		    1);
		return 0;
	}
	st = store_prepare("SELECT count(*) FROM idempotency WHERE cred = ? "
	    "AND created_at > ?");
	sqlite3_bind_text(st, 1, cred, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, c->now - IDEM_WINDOW);
	n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (n >= IDEM_PER_CRED) {
		pd_fail_retry(c->peerid, 429, "IDEMPOTENCY_KEYS_EXHAUSTED",
		    "this credential has used 10000 Idempotency-Keys in 24 h; "
		    "send the request without one or wait", 3600);
		return 0;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		fatal("calloc");
	f->peerid = c->peerid;
	strlcpy(f->cred, cred, sizeof(f->cred));
	memcpy(f->key, key, 32);
	memcpy(f->body, body, 32);
	TAILQ_INSERT_TAIL(&inflight, f, entry);
	return 1;
reused:
	pd_fail(c->peerid, 409, "IDEMPOTENCY_KEY_REUSED", "this "
	    "Idempotency-Key was used for a different request", 0);
	return 0;
}

/*
 * Inside the transaction that creates ref: remember the request's key
 * with its answer (NULL: not known yet, see idem_answer).  0 also when
 * the request has no key; -1 on failure, and the caller rolls back.
 */
int
idem_record(uint32_t peerid, const char *ref, int route, int status,
    const json_t *answer)
{
	struct inflight	*f;
	sqlite3_stmt	*st;
	json_t		*a = NULL, *s;
	char		*text = NULL;
	long long	 now = (long long)time(NULL);
	int		 r;

	if ((f = inflight_of(peerid)) == NULL)
		return 0;
	if (now - last_purge >= IDEM_PURGE) {
		st = store_prepare("DELETE FROM idempotency WHERE "
		    "created_at <= ?");
		sqlite3_bind_int64(st, 1, now - IDEM_WINDOW);
		r = sqlite3_step(st);
		sqlite3_finalize(st);
		if (r != SQLITE_DONE)
			return -1;
		last_purge = now;
	}
	if (answer != NULL) {
		if ((a = json_deep_copy(answer)) == NULL)
			return -1;
		/* In its place, so the replayed text is the same. */
		if ((s = token_slot(a, route)) != NULL &&
		    json_object_get(s, "token") != NULL)
			json_object_set_new(s, "token", json_null());
		text = json_dumps(a, JSON_COMPACT);
		json_decref(a);
		if (text == NULL)
			return -1;
	}
	st = store_prepare("INSERT OR REPLACE INTO idempotency (cred, "
	    "key_hash, route, body_hash, ref, status, answer, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	sqlite3_bind_text(st, 1, f->cred, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, f->key, 32, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, route);
	sqlite3_bind_blob(st, 4, f->body, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ref, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, status);
	if (text != NULL)
		sqlite3_bind_text(st, 7, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, now);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	wipe_free(text);
	return r;
}

/* Inside a later transaction: the answer of a request recorded without. */
int
idem_answer(uint32_t peerid, int status, const json_t *answer)
{
	struct inflight	*f;
	sqlite3_stmt	*st;
	char		*text;
	int		 r;

	if ((f = inflight_of(peerid)) == NULL)
		return 0;
	if ((text = json_dumps(answer, JSON_COMPACT)) == NULL)
		return -1;
	st = store_prepare("UPDATE idempotency SET status = ?, answer = ? "
	    "WHERE cred = ? AND key_hash = ?");
	sqlite3_bind_int(st, 1, status);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->cred, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, f->key, 32, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	wipe_free(text);
	return r;
}

/* The request was answered: its key is no longer in progress. */
void
idem_done(uint32_t peerid)
{
	struct inflight	*f;

	if ((f = inflight_of(peerid)) == NULL)
		return;
	TAILQ_REMOVE(&inflight, f, entry);
	free(f);
}
