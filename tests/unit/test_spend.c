/*
 * A wallet's history as decide_eval() reads it, from a real store
 * (policyd_store.c's schema and migrations on a temporary file):
 * spend_hours, kept by triggers, must say exactly what the rows say
 * after any mix of inserts and status changes, also when migration 8
 * fills it from an existing history; and the windows decide_eval()
 * builds from whole hours plus a partial first hour must put every row
 * on the right side of their start.  And the migration that widens
 * transactions.type's CHECK by rewriting its schema text: a store of
 * the schema before it keeps every row, passes integrity_check, and
 * then takes the new types (and still refuses others).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "util.h"
#include <sqlite3.h>

#include "log.h"
#include "policy_eval.h"
#include "policy_rules.h"
#include "policyd.h"

/* What policyd_decide.o needs from the rest of policyd. */
struct policyd	pd;

int
price_unpriced_deny(void)
{
	return 0;
}

const char *
chain_name(int chain)
{
	return chain ? "ethereum" : "solana";
}

const char *
env_name(int env)
{
	return env ? "mainnet" : "testnet";
}

#define NOW	1795428000LL	/* 10:00:00 UTC: an hour boundary */
#define DAY	86400LL
#define W1	"01900000-0000-7000-8000-000000000001"
#define W2	"01900000-0000-7000-8000-000000000002"
#define TO	"0x5000000000000000000000000000000000000001"

static char	 path[64];
static uint64_t	 rng = 0x9e3779b97f4a7c15ULL;
static int	 ntx;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
exec(const char *sql)
{
	char	*err = NULL;

	if (sqlite3_exec(pd.db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
}

static long long
one(const char *sql)
{
	sqlite3_stmt	*st;
	long long	 v;

	assert_int_equal(sqlite3_prepare_v2(pd.db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
open_store(void)
{
	int	fd;

	snprintf(path, sizeof(path), "/tmp/test_spend.XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		fail_msg("mkstemp");
	close(fd);
	unlink(path);
	store_open(path);
	exec("INSERT INTO wallets (id, name, chain, environment, network, "
	    "public_key, created_at) VALUES ('" W1 "', 'a', 'ethereum', "
	    "'mainnet', 'ethereum-mainnet', '0x01', 0), ('" W2 "', 'b', "
	    "'ethereum', 'mainnet', 'ethereum-mainnet', '0x02', 0)");
}

/* A row of wallet w at time t, with status and reserved USD (< 0: NULL). */
static void
tx(const char *w, long long t, const char *status, double usd)
{
	char	sql[512], u[32];

	if (usd < 0)
		snprintf(u, sizeof(u), "NULL");
	else
		snprintf(u, sizeof(u), "%.6f", usd);
	snprintf(sql, sizeof(sql), "INSERT INTO transactions (id, wallet_id, "
	    "type, status, tier, chain, network, to_address, amount, request, "
	    "reserved_usd, created_at, updated_at) VALUES ('tx%d', '%s', "
	    "'TRANSFER', '%s', 'INSTANT', 'ethereum', 'ethereum-mainnet', '"
	    TO "', '1', '{}', %s, %lld, %lld)", ntx++, w, status, u, t, t);
	exec(sql);
}

/* Rows of spend_hours that differ from a GROUP BY over the rows. */
static long long
differences(void)
{
	return one("SELECT count(*) FROM (SELECT wallet_id, created_at / "
	    "3600 AS hour, count(*) AS requests, sum(" SPEND_MICRO("") ") AS "
	    "usd_micro FROM transactions GROUP BY 1, 2 EXCEPT SELECT * FROM "
	    "spend_hours UNION ALL SELECT * FROM (SELECT * FROM spend_hours "
	    "EXCEPT SELECT wallet_id, created_at / 3600, count(*), sum("
	    SPEND_MICRO("") ") FROM transactions GROUP BY 1, 2))");
}

static const char *const statuses[] = {
	"PENDING", "QUEUED", "EXECUTING", "SUBMITTED", "CONFIRMED", "FAILED",
	"CANCELLED", "EXPIRED", "SIGNED"
};

static void
random_history(int n)
{
	char	sql[256];
	int	i;

	for (i = 0; i < n; i++)
		tx(rnd() % 3 ? W1 : W2, NOW - (long long)(rnd() % (40 * DAY)),
		    statuses[rnd() % 9], rnd() % 5 == 0 ? -1 :
		    (double)(rnd() % 100000) / 1000);
	/* Status and reservation changes, as the pipeline makes them. */
	for (i = 0; i < n; i++) {
		snprintf(sql, sizeof(sql), "UPDATE transactions SET status = "
		    "'%s'%s WHERE id = 'tx%d'", statuses[rnd() % 9],
		    rnd() % 4 == 0 ? ", reserved_usd = 0.1" : "",
		    (int)(rnd() % (uint64_t)ntx));
		exec(sql);
	}
}

static void
test_triggers(void **state)
{
	(void)state;
	open_store();
	random_history(3000);
	assert_true(one("SELECT count(*) FROM spend_hours") > 500);
	assert_int_equal(differences(), 0);
	/* A status changed to itself, and one that counts the same. */
	exec("UPDATE transactions SET status = status");
	exec("UPDATE transactions SET status = 'CONFIRMED' WHERE status = "
	    "'SUBMITTED'");
	assert_int_equal(differences(), 0);
	sqlite3_close(pd.db);
	unlink(path);
}

/* Migration 8 on a store of schema 7 that already has a history. */
static void
test_migration(void **state)
{
	(void)state;
	store_schema_max = 7;
	open_store();
	store_schema_max = 0;
	assert_int_equal(one("SELECT count(*) FROM sqlite_master WHERE name "
	    "= 'spend_hours'"), 0);
	random_history(2500);
	sqlite3_close(pd.db);
	store_open(path);
	assert_true(one("PRAGMA user_version") >= 8);
	assert_int_equal(differences(), 0);
	random_history(500);
	assert_int_equal(differences(), 0);
	sqlite3_close(pd.db);
	unlink(path);
}

/*
 * Every row of every table (sqlite_master's rows included: tables,
 * indexes, triggers), as text, in a fixed order; a malloc'd string.
 * sqlite_master's own row for transactions is left out: the migration
 * changes it.
 */
static char *
dump(void)
{
	sqlite3_stmt	*tabs, *st;
	char		 sql[256], *out = NULL;
	size_t		 len = 0, n;
	const char	*v;
	int		 i;
	FILE		*f;

	if ((f = open_memstream(&out, &len)) == NULL)
		fail_msg("open_memstream");
	assert_int_equal(sqlite3_prepare_v2(pd.db, "SELECT name FROM "
	    "sqlite_master WHERE type = 'table' ORDER BY name", -1, &tabs,
	    NULL), SQLITE_OK);
	while (sqlite3_step(tabs) == SQLITE_ROW) {
		snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\" ORDER BY 1, "
		    "2", (const char *)sqlite3_column_text(tabs, 0));
		assert_int_equal(sqlite3_prepare_v2(pd.db, sql, -1, &st, NULL),
		    SQLITE_OK);
		fprintf(f, "== %s\n", sqlite3_column_text(tabs, 0));
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (i = 0; i < sqlite3_column_count(st); i++) {
				v = (const char *)sqlite3_column_text(st, i);
				n = (size_t)sqlite3_column_bytes(st, i);
				fprintf(f, "%d:", sqlite3_column_type(st, i));
				fwrite(v != NULL ? v : "", 1, v != NULL ? n : 0,
				    f);
				fputc('|', f);
			}
			fputc('\n', f);
		}
		sqlite3_finalize(st);
	}
	sqlite3_finalize(tabs);
	assert_int_equal(sqlite3_prepare_v2(pd.db, "SELECT type, name, "
	    "tbl_name, sql FROM sqlite_master WHERE name != 'transactions' "
	    "ORDER BY 1, 2", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		fprintf(f, "%s %s %s %s\n", sqlite3_column_text(st, 0),
		    sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
		    sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	fclose(f);
	return out;
}

static const char *
text1(const char *sql)
{
	static char	 buf[4096];
	sqlite3_stmt	*st;

	assert_int_equal(sqlite3_prepare_v2(pd.db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(buf, sizeof(buf), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static int
insert_type(const char *id, const char *type)
{
	char	sql[512];

	snprintf(sql, sizeof(sql), "INSERT INTO transactions (id, wallet_id, "
	    "type, status, tier, chain, network, to_address, amount, request, "
	    "reserved_usd, created_at, updated_at) VALUES ('%s', '" W1 "', "
	    "'%s', 'PENDING', 'INSTANT', 'ethereum', 'ethereum-mainnet', '"
	    TO "', '1', '{}', 1.5, %lld, %lld)", id, type, NOW, NOW);
	return sqlite3_exec(pd.db, sql, NULL, NULL, NULL);
}

/*
 * The store as the daemon before the widenings made it (schema 21, the
 * last one without X402_PAYMENT, NFT_TRANSFER, CONTRACT_DEPLOY and
 * BATCH; 22 to 24 add them, 25 adds a column), with rows of every
 * older type and status, a session, an audit entry; extra, if set, a
 * column added first (as another migration may add one, before or
 * after this).
 */
#define SCHEMA_BEFORE_NFT	21
#define SCHEMA_TYPES_DONE	24	/* the last widening */

static void
types_widened(const char *extra)
{
	static const char *const types[] = { "TRANSFER", "TOKEN_TRANSFER",
	    "CONTRACT_CALL", "APPROVE", "SIGN_MESSAGE" };
	char		*before, *after, id[32];
	size_t		 i;

	store_schema_max = SCHEMA_BEFORE_NFT;
	open_store();
	store_schema_max = 0;
	assert_int_equal(one("PRAGMA user_version"), SCHEMA_BEFORE_NFT);
	assert_null(strstr(text1("SELECT sql FROM sqlite_master WHERE name "
	    "= 'transactions'"), "NFT_TRANSFER"));
	if (extra != NULL)
		exec(extra);
	random_history(300);
	for (i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "old-%zu", i);
		assert_int_equal(insert_type(id, types[i]), SQLITE_OK);
	}
	exec("UPDATE transactions SET nonce = 7, raw = x'02f8', sig_hash = "
	    "'0xab', fee_cap = 30, error = 'e', sign_only = 1 WHERE id = "
	    "'old-2'");
	exec("INSERT INTO sessions (id, token_hash, created_at, ttl, "
	    "expires_at, absolute_expires_at, max_renewals) VALUES ('s1', "
	    "x'0102', 1, 2, 3, 4, 5)");
	exec("INSERT INTO audit_log (ts, event, actor, details, prev_hash, "
	    "hash) VALUES (1, 'TX_REQUESTED', 'session:s1', '{}', 'p', 'h')");
	/* before the new types are known, they are refused */
	assert_int_not_equal(insert_type("nft-early", "NFT_TRANSFER"),
	    SQLITE_OK);
	before = dump();
	sqlite3_close(pd.db);

	/* the widenings change no row (a later migration adds a column) */
	store_schema_max = SCHEMA_TYPES_DONE;
	store_open(path);
	store_schema_max = 0;
	assert_int_equal(one("PRAGMA user_version"), SCHEMA_TYPES_DONE);
	after = dump();
	assert_string_equal(before, after);
	sqlite3_close(pd.db);
	store_open(path);
	assert_int_equal(one("PRAGMA user_version"), store_schema_version());
	assert_string_equal(text1("PRAGMA integrity_check"), "ok");
	assert_int_equal(one("SELECT count(*) FROM pragma_foreign_key_check"),
	    0);
	assert_non_null(strstr(text1("SELECT sql FROM sqlite_master WHERE "
	    "name = 'transactions'"), "'SIGN_MESSAGE', 'X402_PAYMENT', "
	    "'NFT_TRANSFER', 'CONTRACT_DEPLOY', 'BATCH')"));
	/* the new types go in, the triggers still count them, others not */
	assert_int_equal(insert_type("nft-1", "NFT_TRANSFER"), SQLITE_OK);
	assert_int_equal(insert_type("dep-1", "CONTRACT_DEPLOY"), SQLITE_OK);
	assert_int_equal(insert_type("x402-1", "X402_PAYMENT"), SQLITE_OK);
	assert_int_equal(insert_type("batch-1", "BATCH"), SQLITE_OK);
	assert_int_not_equal(insert_type("bad-1", "BOGUS"), SQLITE_OK);
	assert_int_equal(one("SELECT count(*) FROM transactions WHERE type IN "
	    "('NFT_TRANSFER', 'CONTRACT_DEPLOY')"), 2);
	assert_int_equal(differences(), 0);
	exec("UPDATE transactions SET status = 'CONFIRMED' WHERE id = "
	    "'nft-1'");
	assert_int_equal(differences(), 0);
	assert_string_equal(text1("PRAGMA integrity_check"), "ok");
	sqlite3_close(pd.db);
	/* and it opens again as it is: nothing left to migrate */
	store_open(path);
	assert_int_equal(one("SELECT count(*) FROM transactions WHERE id = "
	    "'nft-1'"), 1);
	assert_string_equal(text1("PRAGMA integrity_check"), "ok");
	sqlite3_close(pd.db);
	unlink(path);
	free(before);
	free(after);
}

static void
test_types_migration(void **state)
{
	(void)state;
	types_widened(NULL);
	types_widened("ALTER TABLE transactions ADD COLUMN other_helper "
	    "INTEGER NOT NULL DEFAULT 0");
}

static void
policy(const char *type, const char *rules)
{
	json_t	*in, *issues = json_array(), *canon;
	char	*text, sql[1024];

	in = json_loads(rules, 0, NULL);
	canon = policy_rules_check(type, in, issues);
	if (canon == NULL || json_array_size(issues) != 0)
		fail_msg("%s does not validate", rules);
	text = json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS);
	snprintf(sql, sizeof(sql), "INSERT INTO policies (id, wallet_id, "
	    "type, rules, created_at, updated_at) VALUES ('p-%s', '" W1 "', "
	    "'%s', '%s', 0, 0)", type, type, text);
	exec(sql);
	free(text);
	json_decref(in);
	json_decref(canon);
	json_decref(issues);
}

static void
policy_update(const char *type, const char *rules)
{
	char	sql[256];

	snprintf(sql, sizeof(sql), "DELETE FROM policies WHERE id = 'p-%s'",
	    type);
	exec(sql);
	policy(type, rules);
}

static struct pe_result
decide(double usd)
{
	struct pe_tx		t;
	struct pe_result	r;

	memset(&t, 0, sizeof(t));
	t.type = PE_TRANSFER;
	t.evm = 1;
	t.network = "ethereum-mainnet";
	t.to = TO;
	t.amount = "1";
	t.usd = usd;
	memset(&r, 0, sizeof(r));
	decide_eval(W1, "ethereum-mainnet", &t, NOW, &r);
	return r;
}

/*
 * The edges of a window whose start falls inside an hour (the partial
 * hour comes from the rows) and of one that starts on an hour boundary.
 */
static void
test_windows(void **state)
{
	struct pe_result	r;
	int			i;

	(void)state;
	open_store();
	/* 2 h 30 min: starts at 07:30, mid-hour. */
	policy("RATE_LIMIT", "{\"max_requests\":5,\"window_seconds\":9000}");
	policy("SPENDING_LIMIT", "{\"instant_max_usd\":1000}");
	tx(W1, NOW - 9001, "CANCELLED", 0);	/* 07:29:59, outside */
	tx(W2, NOW - 60, "CONFIRMED", 50);	/* another wallet */
	tx(W1, NOW - 9000, "CANCELLED", 7);	/* 07:30:00, partial hour */
	tx(W1, NOW - 7201, "FAILED", 7);	/* 07:59:59, partial hour */
	tx(W1, NOW - 7200, "CANCELLED", 7);	/* 08:00:00, whole hour */
	tx(W1, NOW - 1, "EXPIRED", 7);
	r = decide(0);
	assert_true(r.allowed);
	assert_int_equal(r.tier, TIER_INSTANT);
	tx(W1, NOW, "CANCELLED", 7);		/* the fifth in the window */
	r = decide(0);
	assert_false(r.allowed);
	assert_string_equal(r.code, "RATE_LIMIT_EXCEEDED");
	exec("DELETE FROM policies WHERE type = 'RATE_LIMIT'");
	/* Rules changed in place: the parsed-rules cache must see it. */
	policy_update("SPENDING_LIMIT", "{\"instant_max_usd\":1000,"
	    "\"daily_limit_usd\":1}");

	/*
	 * 24 h from 10:00 the day before: on a boundary.  Ten rows of
	 * $0.10 make exactly $1.00 (micro-dollars: no 0.9999...); one at
	 * the window's first second counts, one a second before does not.
	 */
	tx(W1, NOW - DAY - 1, "CONFIRMED", 5);
	tx(W1, NOW - DAY, "CONFIRMED", 0.1);
	for (i = 1; i < 10; i++)
		tx(W1, NOW - DAY + 1800 * i, i % 2 ? "QUEUED" : "SUBMITTED",
		    0.1);
	r = decide(0);
	assert_int_equal(r.tier, TIER_INSTANT);	/* $1.00 + $0 */
	r = decide(0.000001);
	assert_int_equal(r.tier, TIER_APPROVAL);	/* a millionth over */
	/* A waiting one cancelled: its reservation is released. */
	exec("UPDATE transactions SET status = 'CANCELLED' WHERE status = "
	    "'QUEUED' AND rowid = (SELECT max(rowid) FROM transactions WHERE "
	    "status = 'QUEUED')");
	r = decide(0.1);
	assert_int_equal(r.tier, TIER_INSTANT);
	assert_int_equal(differences(), 0);
	unlink(path);
}

/*
 * The ids rows are listed by, newest first: made in one millisecond
 * they still grow (UUIDv7 with a counter), and stay version 7.
 */
static void
test_uuid_order(void **state)
{
	char	prev[UUID_STR_LEN], id[UUID_STR_LEN];
	int	i;

	(void)state;
	uuidv7(prev);
	for (i = 0; i < 20000; i++) {
		uuidv7(id);
		assert_true(strcmp(prev, id) < 0);
		assert_int_equal(id[14], '7');
		assert_non_null(strchr("89ab", id[19]));
		memcpy(prev, id, sizeof(id));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_triggers),
		cmocka_unit_test(test_migration),
		cmocka_unit_test(test_types_migration),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_uuid_order),
	};

	log_init(LOG_TO_STDERR, LOGL_WARN, "test_spend");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
