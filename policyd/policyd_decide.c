/*
 * The decision on a transaction: the policies that apply to its wallet
 * and network, read from the database, and the wallet's history (request
 * count, USD spent or reserved) through policy_eval()'s callbacks.  The
 * caller holds the SQLite transaction the decision is written in, so the
 * totals it reads cannot change before its row is stored.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "policy_eval.h"
#include "policy_rules.h"
#include "policyd.h"

struct history {
	const char	*wallet;
};

static sqlite3_stmt *
prepare(const char *sql)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(pd.db, sql, -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	return st;
}

/* Transactions this wallet requested since t (RATE_LIMIT). */
static long long
requests_since(void *arg, long long t)
{
	struct history	*h = arg;
	sqlite3_stmt	*st;
	long long	 n = 0;

	st = prepare("SELECT count(*) FROM transactions WHERE wallet_id = ? "
	    "AND created_at >= ?");
	sqlite3_bind_text(st, 1, h->wallet, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/*
 * USD this wallet spent or holds reserved since t: every transaction
 * that is not over without moving value (failed before or on the chain,
 * cancelled, expired).  Waiting ones count: a reservation is a spend
 * until it is released.
 */
static double
usd_since(void *arg, long long t)
{
	struct history	*h = arg;
	sqlite3_stmt	*st;
	double		 usd = 0;

	st = prepare("SELECT total(reserved_usd) FROM transactions WHERE "
	    "wallet_id = ? AND created_at >= ? AND status NOT IN ('FAILED', "
	    "'CANCELLED', 'EXPIRED')");
	sqlite3_bind_text(st, 1, h->wallet, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t);
	if (sqlite3_step(st) == SQLITE_ROW)
		usd = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return usd;
}

int
decide_eval(const char *wallet, const char *network, const struct pe_tx *tx,
    long long now, struct pe_result *r)
{
	struct pe_policy	 p[POLICY_TYPE_MAX];
	struct history		 h;
	struct pe_env		 env;
	sqlite3_stmt		*st;
	size_t			 n = 0, i;
	int			 ok;

	/*
	 * Of each type, the one that applies: the wallet's beats a global
	 * one, one for this network beats one for any, then priority.  At
	 * most one row per type, however many policies exist.
	 */
	st = prepare("SELECT type, rules, w, nw, priority FROM (SELECT type, "
	    "rules, wallet_id IS NOT NULL AS w, network IS NOT NULL AS nw, "
	    "priority, row_number() OVER (PARTITION BY type ORDER BY "
	    "wallet_id IS NULL, network IS NULL, priority DESC, created_at) "
	    "AS rn FROM policies WHERE enabled = 1 AND (wallet_id = ? OR "
	    "wallet_id IS NULL) AND (network IS NULL OR network = ?)) WHERE "
	    "rn = 1");
	sqlite3_bind_text(st, 1, wallet, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, network, -1, SQLITE_STATIC);
	while (n < POLICY_TYPE_MAX && sqlite3_step(st) == SQLITE_ROW) {
		p[n].type = policy_type((const char *)
		    sqlite3_column_text(st, 0));
		if (p[n].type < 0)
			continue;
		if ((p[n].rules = json_loads((const char *)
		    sqlite3_column_text(st, 1), 0, NULL)) == NULL)
			fatalx("policy rules stored unparsable");
		p[n].wallet = sqlite3_column_int(st, 2);
		p[n].network = sqlite3_column_int(st, 3);
		p[n].priority = sqlite3_column_int(st, 4);
		n++;
	}
	sqlite3_finalize(st);

	h.wallet = wallet;
	memset(&env, 0, sizeof(env));
	env.now = now;
	env.requests_since = requests_since;
	env.usd_since = usd_since;
	env.arg = &h;
	env.unpriced_deny = price_unpriced_deny();
	ok = policy_eval(tx, p, n, &env, r);
	for (i = 0; i < n; i++)
		json_decref(p[i].rules);
	return ok;
}
