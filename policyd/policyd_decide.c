/*
 * The decision on a transaction: the policies that apply to its wallet
 * and network, read from the database, and the wallet's history (request
 * count, USD spent or reserved) through policy_eval()'s callbacks.  The
 * caller holds the SQLite transaction the decision is written in, so the
 * totals it reads cannot change before its row is stored.
 *
 * It runs for every request and dry run in policyd's one loop, so it
 * must not grow with the history: a window's whole hours come from
 * spend_hours (kept by triggers, policyd_store.c), only its first,
 * partial hour from the transactions themselves.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "policy_eval.h"
#include "policy_rules.h"
#include "policyd.h"
#include "util.h"

/*
 * A wallet's history since ?2: the window's whole hours from
 * spend_hours, its first, partial hour from the rows (bench/ times and
 * checks these very statements).
 */
const char decide_sql_requests[] = "SELECT (SELECT coalesce(sum(requests), "
    "0) FROM spend_hours WHERE wallet_id = ?1 AND hour > ?2 / 3600) + "
    "(SELECT count(*) FROM transactions WHERE wallet_id = ?1 AND "
    "created_at >= ?2 AND created_at < (?2 / 3600 + 1) * 3600)";
const char decide_sql_usd[] = "SELECT (SELECT coalesce(sum(usd_micro), 0) "
    "FROM spend_hours WHERE wallet_id = ?1 AND hour > ?2 / 3600) + (SELECT "
    "coalesce(sum(" SPEND_MICRO("") "), 0) FROM transactions WHERE "
    "wallet_id = ?1 AND created_at >= ?2 AND created_at < (?2 / 3600 + "
    "1) * 3600)";

/* Statements prepared once and kept: policyd has one thread. */
enum { Q_POLICIES, Q_REQUESTS, Q_USD, Q_MAX };

static const char *const queries[Q_MAX] = {
	/*
	 * Of each type, the one that applies: the wallet's beats a global
	 * one, one for this network beats one for any, then priority.  At
	 * most one row per type, however many policies exist.
	 */
	[Q_POLICIES] = "SELECT type, rules, w, nw, priority, id FROM (SELECT "
	    "type, rules, wallet_id IS NOT NULL AS w, network IS NOT NULL AS "
	    "nw, priority, id, row_number() OVER (PARTITION BY type ORDER BY "
	    "wallet_id IS NULL, network IS NULL, priority DESC, created_at) "
	    "AS rn FROM policies WHERE enabled = 1 AND (wallet_id = ?1 OR "
	    "wallet_id IS NULL) AND (network IS NULL OR network = ?2)) WHERE "
	    "rn = 1",
	[Q_REQUESTS] = decide_sql_requests,
	[Q_USD] = decide_sql_usd,
};
static sqlite3_stmt	*stmts[Q_MAX];

static sqlite3_stmt *
stmt(int q)
{
	if (stmts[q] == NULL && sqlite3_prepare_v3(pd.db, queries[q], -1,
	    SQLITE_PREPARE_PERSISTENT, &stmts[q], NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	return stmts[q];
}

static void
stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* One figure of a wallet's history since t. */
static long long
since(int q, const char *wallet, long long t)
{
	sqlite3_stmt	*st = stmt(q);
	long long	 n;

	sqlite3_bind_text(st, 1, wallet, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t < 0 ? 0 : t);
	if (sqlite3_step(st) != SQLITE_ROW)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	n = sqlite3_column_int64(st, 0);
	stmt_done(st);
	return n;
}

/* Transactions this wallet requested since t (RATE_LIMIT). */
static long long
requests_since(void *wallet, long long t)
{
	return since(Q_REQUESTS, wallet, t);
}

/*
 * USD this wallet spent or holds reserved since t: every transaction
 * that is not over without moving value (failed before or on the chain,
 * cancelled, expired).  Waiting ones count: a reservation is a spend
 * until it is released.  Summed in micro-dollars, exactly.
 */
static double
usd_since(void *wallet, long long t)
{
	return since(Q_USD, wallet, t) / 1e6;
}

/*
 * Parsed rules by policy id: a direct-mapped cache whose entry is used
 * only while the stored text is the same, so an update is seen at once
 * and nothing needs invalidating.  Bounded: RULES_CACHE slots.
 */
#define RULES_CACHE	256

static struct rules_slot {
	char	 id[UUID_STR_LEN];
	char	*text;
	json_t	*rules;
} rules_cache[RULES_CACHE];

static json_t *
rules_of(const char *id, const char *text)
{
	struct rules_slot	*s;
	uint32_t		 h = 2166136261u;	/* FNV-1a */
	const char		*c;

	for (c = id; *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	s = &rules_cache[h % RULES_CACHE];
	if (s->rules != NULL && strcmp(s->id, id) == 0 &&
	    strcmp(s->text, text) == 0)
		return json_incref(s->rules);
	json_decref(s->rules);
	free(s->text);
	memset(s, 0, sizeof(*s));
	if (strlcpy(s->id, id, sizeof(s->id)) < sizeof(s->id) &&
	    (s->text = strdup(text)) != NULL &&
	    (s->rules = json_loads(text, 0, NULL)) != NULL)
		return json_incref(s->rules);
	free(s->text);
	memset(s, 0, sizeof(*s));
	return json_loads(text, 0, NULL);
}

/*
 * The policies that apply to a wallet on a network, one per type at
 * most (Q_POLICIES says which wins): the only place the precedence rule
 * is written.  Each p[i].rules is a reference for the caller to drop.
 */
size_t
decide_policies(const char *wallet, const char *network,
    struct pe_policy p[POLICY_TYPE_MAX])
{
	sqlite3_stmt	*st;
	size_t		 n = 0;

	st = stmt(Q_POLICIES);
	sqlite3_bind_text(st, 1, wallet, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, network, -1, SQLITE_STATIC);
	while (n < POLICY_TYPE_MAX && sqlite3_step(st) == SQLITE_ROW) {
		p[n].type = policy_type((const char *)
		    sqlite3_column_text(st, 0));
		if (p[n].type < 0)
			continue;
		if ((p[n].rules = rules_of((const char *)
		    sqlite3_column_text(st, 5), (const char *)
		    sqlite3_column_text(st, 1))) == NULL)
			fatalx("policy rules stored unparsable");
		p[n].wallet = sqlite3_column_int(st, 2);
		p[n].network = sqlite3_column_int(st, 3);
		p[n].priority = sqlite3_column_int(st, 4);
		n++;
	}
	stmt_done(st);
	return n;
}

uint64_t	decide_counts[TIER_APPROVAL + 1];

int
decide_eval(const char *wallet, const char *network, const struct pe_tx *tx,
    long long now, struct pe_result *r)
{
	struct pe_policy	 p[POLICY_TYPE_MAX];
	struct pe_env		 env;
	size_t			 n, i;
	int			 ok;

	n = decide_policies(wallet, network, p);
	memset(&env, 0, sizeof(env));
	env.now = now;
	env.requests_since = requests_since;
	env.usd_since = usd_since;
	env.arg = (void *)(uintptr_t)wallet;
	env.unpriced_deny = price_unpriced_deny();
	ok = policy_eval(tx, p, n, &env, r);
	if (!ok || !r->allowed)
		decide_counts[0]++;
	else if (r->tier >= TIER_INSTANT && r->tier <= TIER_APPROVAL)
		decide_counts[r->tier]++;
	for (i = 0; i < n; i++)
		json_decref(p[i].rules);
	return ok;
}
