/*
 * The audit trail: every security event, appended in the same SQLite
 * transaction as the change it records, each entry carrying the hash of
 * the one before, so an edited or deleted row breaks the chain at a
 * place the verifier names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "policyd.h"
#include "wipe.h"

#define GENESIS	"00000000000000000000000000000000" \
		"00000000000000000000000000000000"

/* sha256 over the fields, length-prefixed so no two rows collide. */
static void
entry_hash(const char *prev, long long ts, const char *event,
    const char *actor, const char *target, const char *details,
    char out[65])
{
	crypto_hash_sha256_state	st;
	uint8_t				h[32];
	const char			*f[5];
	char				num[32];
	uint32_t			len;
	size_t				i;

	snprintf(num, sizeof(num), "%lld", ts);
	f[0] = num;
	f[1] = event;
	f[2] = actor;
	f[3] = target != NULL ? target : "";
	f[4] = details;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)prev, 64);
	for (i = 0; i < 5; i++) {
		len = (uint32_t)strlen(f[i]);
		crypto_hash_sha256_update(&st, (const uint8_t *)&len,
		    sizeof(len));
		crypto_hash_sha256_update(&st, (const uint8_t *)f[i], len);
	}
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/*
 * Append one entry (inside the caller's transaction).  details is
 * consumed.  Returns -1 on failure: the caller's change must fail too.
 */
int
audit_append(long long ts, const char *event, const char *actor,
    const char *target, json_t *details)
{
	sqlite3_stmt	*st;
	char		 prev[65] = GENESIS, hash[65], *d;
	int		 r = -1;

	if (details == NULL)
		details = json_object();
	d = json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(details);
	if (d == NULL)
		return -1;
	if (sqlite3_prepare_v2(pd.db, "SELECT hash FROM audit_log ORDER BY "
	    "id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == 64)
		memcpy(prev, sqlite3_column_text(st, 0), 64);
	sqlite3_finalize(st);
	entry_hash(prev, ts, event, actor, target, d, hash);
	if (sqlite3_prepare_v2(pd.db, "INSERT INTO audit_log (ts, event, "
	    "actor, target, details, prev_hash, hash) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, ts);
	sqlite3_bind_text(st, 2, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	if (target != NULL)
		sqlite3_bind_text(st, 4, target, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, d, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, prev, 64, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, hash, 64, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		r = 0;
	sqlite3_finalize(st);
out:
	if (r == -1)
		log_warnx("audit append %s: %s", event,
		    sqlite3_errmsg(pd.db));
	wipe_free(d);
	return r;
}

/* An event with no change attached (an auth failure): its own commit. */
void
audit_event(long long ts, const char *event, const char *actor,
    const char *target, json_t *details)
{
	if (store_begin() == -1) {
		json_decref(details);
		log_warnx("audit %s: cannot begin", event);
		return;
	}
	if (audit_append(ts, event, actor, target, details) == -1 ||
	    store_commit() == -1)
		store_rollback();
}

/* GET /v1/audit-logs?limit&offset: newest first. */
void
audit_list(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	json_t		*data, *e;
	long long	 limit, offset, total = 0;

	limit = pd_query_int(c->req->query, "limit", 50, 1, 500);
	offset = pd_query_int(c->req->query, "offset", 0, 0, 1LL << 40);
	if (sqlite3_prepare_v2(pd.db, "SELECT count(*) FROM audit_log", -1,
	    &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	data = json_array();
	if (sqlite3_prepare_v2(pd.db, "SELECT id, ts, event, actor, target, "
	    "details, hash FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?",
	    -1, &st, NULL) != SQLITE_OK)
		fatalx("audit list: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_int64(st, 1, limit);
	sqlite3_bind_int64(st, 2, offset);
	while (sqlite3_step(st) == SQLITE_ROW) {
		e = json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:s}",
		    "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "timestamp", (json_int_t)sqlite3_column_int64(st, 1),
		    "event", sqlite3_column_text(st, 2),
		    "actor", sqlite3_column_text(st, 3),
		    "target", sqlite3_column_type(st, 4) == SQLITE_NULL ?
		    json_null() : json_string((const char *)
		    sqlite3_column_text(st, 4)),
		    "details", json_loads((const char *)
		    sqlite3_column_text(st, 5), 0, NULL) ?: json_object(),
		    "hash", sqlite3_column_text(st, 6));
		if (e != NULL)
			json_array_append_new(data, e);
	}
	sqlite3_finalize(st);
	pd_reply_json(c->peerid, 200, json_pack("{s:o, s:I, s:I, s:I}",
	    "data", data, "total", (json_int_t)total, "limit",
	    (json_int_t)limit, "offset", (json_int_t)offset));
}

/* Walk the chain from the start; report the first entry that breaks. */
void
audit_verify(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	char		 prev[65] = GENESIS, hash[65];
	long long	 n = 0, bad = 0;
	const char	*why = NULL, *h, *ph;

	if (sqlite3_prepare_v2(pd.db, "SELECT id, ts, event, actor, target, "
	    "details, prev_hash, hash FROM audit_log ORDER BY id", -1, &st,
	    NULL) != SQLITE_OK)
		fatalx("audit verify: %s", sqlite3_errmsg(pd.db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		n++;
		ph = (const char *)sqlite3_column_text(st, 6);
		h = (const char *)sqlite3_column_text(st, 7);
		entry_hash(prev, sqlite3_column_int64(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3),
		    (const char *)sqlite3_column_text(st, 4),
		    (const char *)sqlite3_column_text(st, 5), hash);
		if (ph == NULL || strcmp(ph, prev) != 0)
			why = "its previous hash is not the hash of the entry "
			    "before it (an entry was removed or reordered)";
		else if (h == NULL || strcmp(h, hash) != 0)
			why = "its content does not match its hash (it was "
			    "edited)";
		if (why != NULL) {
			bad = sqlite3_column_int64(st, 0);
			break;
		}
		memcpy(prev, h, 64);
	}
	sqlite3_finalize(st);
	if (why != NULL)
		pd_reply_json(c->peerid, 200, json_pack("{s:b, s:I, s:I, s:s}",
		    "valid", 0, "entries", (json_int_t)n, "firstBrokenId",
		    (json_int_t)bad, "reason", why));
	else
		pd_reply_json(c->peerid, 200, json_pack("{s:b, s:I}",
		    "valid", 1, "entries", (json_int_t)n));
}
