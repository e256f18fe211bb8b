/*
 * masterAuth.  policyd never holds the master password, only its Argon2id
 * hash, handed over by the parent at start.  Verifying costs a full
 * Argon2id, so a password once verified is recognised afterwards through
 * a keyed BLAKE2b of it, kept in guarded memory with a random key.
 * Wrong passwords are counted: lock_failures of them within a minute lock
 * masterAuth for lock_seconds, during which nothing is even hashed.  The
 * count and the lock are kept in the store (master_lock), written in the
 * commit that audits the failure, and read back at start: a restart
 * neither lifts a lock nor forgets the failures of the window.  That
 * costs no commit the audit did not already make, and a spray cannot
 * make more than lock_failures of them a minute: past that it is locked
 * out and nothing is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "log.h"
#include "policyd.h"
#include "wipe.h"

#define FAIL_WINDOW	60

static struct {
	char		 hash[MASTER_HASH_MAX];
	int		 have_hash;
	uint8_t		*cache;		/* guarded: key[32] || mac[32] */
	int		 cached;
	time_t		*fails;		/* ring of failure times */
	unsigned int	 nfails;
	unsigned int	 head;
	time_t		 locked_until;
} A;

static void	lock_load(time_t);

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
	if ((A.fails = calloc(pd.p->cfg.lock_failures,
	    sizeof(*A.fails))) == NULL)
		fatal("calloc");
	A.have_hash = 1;
	lock_load(time(NULL));
	policyd_pings_release();
}

/* Operators can authenticate: the parent's hash is in. */
int
auth_ready(void)
{
	return A.have_hash;
}

/* The failures of the window and the lock, as the store kept them. */
static void
lock_load(time_t now)
{
	sqlite3_stmt	*st;
	json_t		*f, *v;
	size_t		 i;
	time_t		 t;

	st = store_prepare("SELECT locked_until, failures FROM master_lock "
	    "WHERE id = 1");
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return;
	}
	A.locked_until = (time_t)sqlite3_column_int64(st, 0);
	f = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
	sqlite3_finalize(st);
	/* Oldest first: the ring keeps the newest lock_failures. */
	json_array_foreach(f, i, v) {
		t = (time_t)json_integer_value(v);
		if (!json_is_integer(v) || now - t >= FAIL_WINDOW)
			continue;
		A.fails[A.head] = t;
		A.head = (A.head + 1) % pd.p->cfg.lock_failures;
		if (A.nfails < pd.p->cfg.lock_failures)
			A.nfails++;
	}
	json_decref(f);
	/* A shorter lock_seconds (or a clock set back) shortens it. */
	if (A.locked_until > now + (time_t)pd.p->cfg.lock_seconds)
		A.locked_until = now + (time_t)pd.p->cfg.lock_seconds;
	if (A.locked_until > now)
		log_warnx("masterAuth locked for %lld s more (kept across "
		    "the restart)", (long long)(A.locked_until - now));
	else if (A.nfails > 0)
		log_info("masterAuth: %u wrong passwords in the last %d s "
		    "(kept across the restart)", A.nfails, FAIL_WINDOW);
}

/* Write the window's failures and the lock (inside a transaction). */
static int
lock_save(void)
{
	sqlite3_stmt	*st;
	json_t		*f;
	unsigned int	 n = pd.p->cfg.lock_failures, i, k;
	char		*text;
	int		 r;

	if ((f = json_array()) == NULL)
		return -1;
	/* From the oldest slot of the ring to the newest. */
	for (i = 0; i < n; i++) {
		k = (A.head + i) % n;
		if (A.fails[k] != 0)
			json_array_append_new(f, json_integer(A.fails[k]));
	}
	text = json_dumps(f, JSON_COMPACT);
	json_decref(f);
	if (text == NULL)
		return -1;
	st = store_prepare("INSERT OR REPLACE INTO master_lock (id, "
	    "locked_until, failures) VALUES (1, ?, ?)");
	sqlite3_bind_int64(st, 1, (long long)A.locked_until);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	wipe_free(text);
	return r;
}

/*
 * Record a failure; 1 if it locks.  *recent gets the failures within the
 * window, for the back-off.
 */
static int
failed(time_t now, unsigned int *recentp)
{
	unsigned int	n = pd.p->cfg.lock_failures, i, recent = 0;

	A.fails[A.head] = now;
	A.head = (A.head + 1) % n;
	if (A.nfails < n)
		A.nfails++;
	for (i = 0; i < A.nfails; i++)
		if (now - A.fails[i] < FAIL_WINDOW)
			recent++;
	*recentp = recent;
	if (recent < n)
		return 0;
	A.locked_until = now + pd.p->cfg.lock_seconds;
	/* A lock starts the count afresh. */
	A.nfails = 0;
	A.head = 0;
	memset(A.fails, 0, n * sizeof(*A.fails));
	log_warnx("masterAuth locked for %u s after %u wrong passwords in "
	    "%d s", pd.p->cfg.lock_seconds, n, FAIL_WINDOW);
	return 1;
}

/*
 * AUTH_OK if cred is the master password; AUTH_WRONG with the back-off in
 * milliseconds in *wait (the answer is delayed by that much: 50 ms,
 * doubling with each recent failure, at most 500 ms); or AUTH_LOCKED with
 * the seconds left in *wait.  Every failure is audited.
 */
int
auth_master(const struct api_cred *cred, int *wait)
{
	uint8_t		mac[32];
	time_t		now = time(NULL);
	unsigned int	recent = 0;
	int		ok, locked;

	*wait = 0;
	if (!A.have_hash)
		return AUTH_WRONG;
	if (now < A.locked_until) {
		*wait = (int)(A.locked_until - now);
		return AUTH_LOCKED;
	}
	if (cred->len == 0 || cred->len > KS_PASSWORD_MAX)
		ok = 0;
	else {
		crypto_generichash(mac, sizeof(mac),
		    (const uint8_t *)cred->value, cred->len, A.cache, 32);
		if (A.cached && sodium_memcmp(mac, A.cache + 32, 32) == 0) {
			sodium_memzero(mac, sizeof(mac));
			return AUTH_OK;
		}
		ok = crypto_pwhash_str_verify(A.hash, cred->value,
		    cred->len) == 0;
		if (ok) {
			memcpy(A.cache + 32, mac, 32);
			A.cached = 1;
		}
		sodium_memzero(mac, sizeof(mac));
	}
	if (ok)
		return AUTH_OK;
	locked = failed(now, &recent);
	audit_event_with(now, "auth.master_failed", "operator", NULL, NULL,
	    lock_save);
	if (locked) {
		audit_event(now, "auth.master_locked", "policyd", NULL,
		    json_pack("{s:i}", "seconds", pd.p->cfg.lock_seconds));
		*wait = (int)pd.p->cfg.lock_seconds;
		return AUTH_LOCKED;
	}
	*wait = recent >= 5 ? 500 : 50 << (recent > 0 ? recent - 1 : 0);
	return AUTH_WRONG;
}

/*
 * The hash of a new master password, with the cost of the current one
 * (the keystore's Argon2id parameters, which the parent used).
 */
int
auth_master_newhash(const char *pw, size_t len, char *out)
{
	unsigned int	m, t, p;

	if (!A.have_hash || sscanf(A.hash, "$argon2id$v=19$m=%u,t=%u,p=%u$",
	    &m, &t, &p) != 3 || m < 8 || t < 1)
		return -1;
	return crypto_pwhash_str(out, pw, len, t, (size_t)m * 1024) == 0 ?
	    0 : -1;
}

/* set-master done: the new hash; the old password's cache is gone. */
void
auth_master_replace(const char *hash)
{
	if (memchr(hash, '\0', MASTER_HASH_MAX) == NULL ||
	    strncmp(hash, "$argon2id$", 10) != 0)
		fatalx("new master hash is not an Argon2id hash");
	memcpy(A.hash, hash, MASTER_HASH_MAX);
	sodium_memzero(A.cache + 32, 32);
	randombytes_buf(A.cache, 32);
	A.cached = 0;
}
