/*
 * policy_bench: policy evaluation against a large history, with the
 * daemon's own code.
 *
 * "build" creates the database through policyd's store_open() (the
 * daemon's schema, migrations and pragmas) and fills it: wallets, then
 * policies whose rules went through the daemon's validator and are
 * stored in its canonical form (as POST /v1/policies stores them), then
 * a history of transactions over 60 days with a skewed spread: one hot
 * wallet (40% of the last 30 days, 10% of the 30 before) and the rest
 * on a Zipf curve (s = 0.8) over the other wallets.
 *
 * "run" opens it again with store_open() and times decide_eval(), each
 * call inside BEGIN IMMEDIATE ... ROLLBACK as policyd makes it: HOT% of
 * the calls (5 by default) for the hot wallet, the rest for the others
 * (half uniformly, half in proportion to their history).  It prints
 * percentiles, then where the time goes (a second, traced pass) and the
 * query plans and prepare times of what decide_eval() ran.
 *
 * "design" times the same queries alone: the history queries as they
 * were before schema 8 (every row of the window) and as they are now
 * (spend_hours, checked against the rows), what the triggers cost a
 * write, and policy queries that might replace the daemon's; all inside
 * one transaction that is rolled back.
 *
 * usage: policy_bench build DB [TXS [POLICIES [WALLETS]]]
 *        policy_bench run DB [EVALS [HOT%]]
 *        policy_bench design DB
 * Deterministic: a fixed seed.  Prints figures; asserts nothing.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "base58.h"
#include "log.h"
#include "policy_eval.h"
#include "policy_rules.h"
#include "policyd.h"
#include "util.h"

#define DAY		86400LL
#define HISTORY_DAYS	60
#define BATCH		100000	/* rows per commit while building */
#define ZIPF_S		0.8
#define HOT_SHARE_NEW	0.4	/* of the last 30 days */
#define HOT_SHARE_OLD	0.1	/* of the 30 days before */
#define WARMUP		200	/* evaluations not counted */
#define PROFILE_MAX	2000	/* evaluations in the profile pass */
#define SLOTS		8	/* statements per evaluation */
#define SQL_KEY		48

/* What policyd links and decide_eval() and store_open() need. */
struct policyd	pd;

int
price_unpriced_deny(void)
{
	return 0;
}

const char *
chain_name(int chain)
{
	return chain == 0 ? "solana" : "ethereum";
}

const char *
env_name(int env)
{
	return env == 0 ? "testnet" : "mainnet";
}

static const char *const evm_nets[] = {
	"ethereum-mainnet", "ethereum-mainnet", "base-mainnet",
	"arbitrum-mainnet", "polygon-mainnet", "optimism-mainnet"
};

struct wallet {
	char		 id[UUID_STR_LEN];
	int		 evm;
	const char	*net;		/* build: its network */
	char		 netbuf[32];	/* run */
	char		 to[48];	/* run: a whitelisted recipient */
	long long	 n60, n30;	/* run: rows in 60 and 30 days */
	double		 cum;		/* cumulative weight */
};

static struct wallet	*wallets;
static size_t		 nwallets;

/* xorshift64*: a fixed sequence, so every run builds the same data. */
static uint64_t	rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static double
rnd01(void)
{
	return (double)(rnd() >> 11) * 0x1.0p-53;
}

static size_t
rndn(size_t n)
{
	return (size_t)(rnd() % n);
}

static double
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* This thread's CPU time: what a call costs, however loaded the box. */
static double
cpu_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* A UUIDv7 of time t (seconds), as uuidv7() makes them. */
static void
mkid(char out[UUID_STR_LEN], long long t)
{
	uint64_t	ms = (uint64_t)t * 1000 + rndn(1000), r = rnd();
	uint64_t	r2 = rnd();

	snprintf(out, UUID_STR_LEN, "%08llx-%04llx-7%03llx-%04llx-%012llx",
	    (unsigned long long)((ms >> 16) & 0xffffffffULL),
	    (unsigned long long)(ms & 0xffff),
	    (unsigned long long)(r & 0xfff),
	    (unsigned long long)(0x8000 | ((r >> 12) & 0x3fff)),
	    (unsigned long long)(r2 & 0xffffffffffffULL));
}

static void
hex(char *out, size_t len, size_t digits)
{
	static const char	d[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < digits && i + 1 < len; i++)
		out[i] = d[rnd() & 15];
	out[i] = '\0';
}

static void
evm_addr(char out[43])
{
	out[0] = '0';
	out[1] = 'x';
	hex(out + 2, 41, 40);
}

static void
sol_bytes(char *out, size_t len, size_t nbytes)
{
	uint8_t	b[64];
	size_t	i;

	for (i = 0; i < nbytes && i < sizeof(b); i++)
		b[i] = (uint8_t)rnd();
	if (base58_encode(b, i, out, len) == 0)
		fatalx("base58");
}

static void
addr(char out[48], int evm)
{
	if (evm)
		evm_addr(out);
	else
		sol_bytes(out, 48, 32);
}

static void
exec(const char *sql)
{
	char	*err = NULL;

	if (sqlite3_exec(pd.db, sql, NULL, NULL, &err) != SQLITE_OK)
		fatalx("%s: %s", sql, err != NULL ? err : "?");
}

static sqlite3_stmt *
prep(const char *sql)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(pd.db, sql, -1, &st, NULL) != SQLITE_OK)
		fatalx("%s: %s", sql, sqlite3_errmsg(pd.db));
	return st;
}

static void
step_done(sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("insert: %s", sqlite3_errmsg(pd.db));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static long long
one_int(const char *sql)
{
	sqlite3_stmt	*st = prep(sql);
	long long	 v = 0;

	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* ---- build ---- */

/* A list of n addresses of a kind, as a JSON array. */
static json_t *
addr_list(size_t n, int evm)
{
	json_t	*a = json_array();
	char	 s[48];
	size_t	 i;

	for (i = 0; i < n; i++) {
		addr(s, evm);
		json_array_append_new(a, json_string(s));
	}
	return a;
}

/* {address, <label>, chain} entries: tokens, contracts, spenders. */
static json_t *
entries(size_t n, int evm, const char *label, int chain)
{
	json_t	*a = json_array(), *e;
	char	 s[48], name[16];
	size_t	 i;

	for (i = 0; i < n; i++) {
		addr(s, evm);
		snprintf(name, sizeof(name), "n%zu", i);
		e = json_pack("{s:s, s:s}", "address", s, label, name);
		if (chain)
			json_object_set_new(e, "chain", json_string(evm ?
			    "ethereum" : "solana"));
		json_array_append_new(a, e);
	}
	return a;
}

static json_t *
spending_limit(int hot)
{
	double	i = 10 + rndn(90), d = hot ? 1e9 : 1000 + rndn(9000);

	if (hot || rndn(10) < 8)
		return json_pack("{s:s, s:s, s:f, s:f, s:f, s:f, s:f, s:i}",
		    "instant_max", "1000000000000000000",
		    "notify_max", "5000000000000000000",
		    "instant_max_usd", i, "notify_max_usd", i * 10,
		    "delay_max_usd", i * 100, "daily_limit_usd", d,
		    "monthly_limit_usd", d * 20, "delay_seconds", 600);
	return json_pack("{s:s, s:s, s:s}", "instant_max", "100000000000000000",
	    "notify_max", "1000000000000000000", "delay_max",
	    "10000000000000000000");
}

static json_t *
rate_limit(int hot)
{
	static const int	windows[] = { 60, 3600, 86400 };

	if (hot)
		return json_pack("{s:i, s:i}", "max_requests", 1000000,
		    "window_seconds", 86400);
	return json_pack("{s:i, s:i}", "max_requests", 10 + (int)rndn(5000),
	    "window_seconds", windows[rndn(3)]);
}

static json_t *
methods(size_t n)
{
	json_t	*a = json_array(), *sel;
	char	 s[43], h[11];
	size_t	 i, j;

	for (i = 0; i < n; i++) {
		evm_addr(s);
		sel = json_array();
		for (j = 0; j < 3; j++) {
			h[0] = '0';
			h[1] = 'x';
			hex(h + 2, sizeof(h) - 2, 8);
			json_array_append_new(sel, json_string(h));
		}
		json_array_append_new(a, json_pack("{s:s, s:o}",
		    "contractAddress", s, "selectors", sel));
	}
	return a;
}

/* All networks of a wallet's chain (mainnet). */
static json_t *
networks(int evm)
{
	json_t	*a = json_array();
	size_t	 i;

	if (!evm)
		return json_pack("[{s:s}]", "network", "mainnet");
	for (i = 1; i < nitems(evm_nets); i++)
		json_array_append_new(a, json_pack("{s:s}", "network",
		    evm_nets[i]));
	return a;
}

struct pol {
	const char	*type;
	json_t		*rules;
	const char	*net;		/* NULL: any */
	int		 prio, enabled;
};

/*
 * The p-th policy of wallet w: a SPENDING_LIMIT for any network first,
 * then a WHITELIST, a RATE_LIMIT, an ALLOWED_TOKENS, a SPENDING_LIMIT
 * for its network, then one of the others in turn.
 */
static void
wallet_policy(size_t w, size_t round, struct pol *p)
{
	struct wallet	*x = &wallets[w];
	int		 hot = w == 0, k;

	p->net = NULL;
	p->prio = (int)rndn(10);
	p->enabled = 1;
	switch (round) {
	case 0:
		p->type = "SPENDING_LIMIT";
		p->rules = spending_limit(hot);
		return;
	case 1:
		p->type = "WHITELIST";
		p->rules = json_pack("{s:o}", "allowed_addresses",
		    addr_list(hot ? 100 : 3 + rndn(40), x->evm));
		return;
	case 2:
		p->type = "RATE_LIMIT";
		p->rules = rate_limit(hot);
		return;
	case 3:
		p->type = "ALLOWED_TOKENS";
		p->rules = json_pack("{s:o}", "tokens", entries(1 + rndn(20),
		    x->evm, "symbol", 1));
		return;
	case 4:
		p->type = "SPENDING_LIMIT";
		p->rules = spending_limit(hot);
		p->net = x->net;
		return;
	}
	k = (int)((w + round) % 7);
	if (hot && k == 1)
		k = 0;		/* hours that would stop it early */
	switch (k) {
	case 0:
		p->type = "CONTRACT_WHITELIST";
		p->rules = json_pack("{s:o}", "contracts", entries(1 +
		    rndn(10), x->evm, "name", 0));
		break;
	case 1:
		p->type = "TIME_RESTRICTION";
		p->rules = json_pack("{s:{s:i, s:i}, s:[i, i, i, i, i]}",
		    "allowed_hours", "start", 8, "end", 20, "allowed_days",
		    1, 2, 3, 4, 5);
		break;
	case 2:
		p->type = x->evm ? "METHOD_WHITELIST" : "CONTRACT_WHITELIST";
		p->rules = x->evm ? json_pack("{s:o}", "methods",
		    methods(1 + rndn(5))) : json_pack("{s:o}", "contracts",
		    entries(2, 0, "name", 1));
		break;
	case 3:
		p->type = "APPROVED_SPENDERS";
		p->rules = json_pack("{s:o}", "spenders", entries(1 + rndn(5),
		    x->evm, "name", 0));
		break;
	case 4:
		p->type = "APPROVE_AMOUNT_LIMIT";
		p->rules = json_pack("{s:s, s:b}", "maxAmount", "1000000000",
		    "blockUnlimited", 1);
		break;
	case 5:
		p->type = "ALLOWED_NETWORKS";
		p->rules = json_pack("{s:o}", "networks", networks(x->evm));
		break;
	default:
		/* An old limit, switched off. */
		p->type = "SPENDING_LIMIT";
		p->rules = spending_limit(0);
		p->enabled = 0;
		p->prio = 100;
		break;
	}
}

/* The g-th global policy: a few of each, some for one network. */
static void
global_policy(size_t g, struct pol *p)
{
	static const char *const nets[] = {
		NULL, "ethereum-mainnet", "base-mainnet", "mainnet",
		"polygon-mainnet", NULL, "arbitrum-mainnet", NULL
	};

	p->net = nets[g % nitems(nets)];
	p->prio = (int)(g % 20) - 10;
	p->enabled = g % 9 != 8;
	switch (g % 6) {
	case 0:
	case 1:
		p->type = "SPENDING_LIMIT";
		p->rules = spending_limit(0);
		break;
	case 2:
		p->type = "RATE_LIMIT";
		p->rules = json_pack("{s:i, s:i}", "max_requests", 100000,
		    "window_seconds", 3600);
		break;
	case 3:
		p->type = "ALLOWED_NETWORKS";
		p->rules = json_pack("{s:o}", "networks", networks(1));
		json_array_extend(json_object_get(p->rules, "networks"),
		    networks(0));
		p->net = NULL;
		break;
	case 4:
		p->type = "APPROVE_AMOUNT_LIMIT";
		p->rules = json_pack("{s:b}", "blockUnlimited", 1);
		break;
	default:
		p->type = "TIME_RESTRICTION";
		p->rules = json_pack("{s:{s:i, s:i}, s:[i, i, i, i, i, i, "
		    "i]}", "allowed_hours", "start", 0, "end", 24,
		    "allowed_days", 0, 1, 2, 3, 4, 5, 6);
		break;
	}
}

static void
insert_policy(sqlite3_stmt *st, const char *wallet, struct pol *p,
    long long t, size_t *bytes)
{
	json_t	*issues = json_array(), *c;
	char	 id[UUID_STR_LEN], *text, *why;

	if ((c = policy_rules_check(p->type, p->rules, issues)) == NULL) {
		why = json_dumps(issues, JSON_COMPACT);
		fatalx("%s rules do not validate: %s", p->type, why);
	}
	json_decref(issues);
	if ((text = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatalx("json_dumps");
	*bytes += strlen(text);
	mkid(id, t);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	if (wallet != NULL)
		sqlite3_bind_text(st, 2, wallet, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, p->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 5, p->prio);
	sqlite3_bind_int(st, 6, p->enabled);
	if (p->net != NULL)
		sqlite3_bind_text(st, 7, p->net, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, t);
	sqlite3_bind_int64(st, 9, t);
	step_done(st);
	free(text);
	json_decref(c);
	json_decref(p->rules);
}

static void
build_wallets(long long now)
{
	sqlite3_stmt	*st;
	char		 name[32], pk[48];
	double		 total = 0;
	size_t		 w;

	st = prep("INSERT INTO wallets (id, name, chain, environment, "
	    "network, public_key, created_at) VALUES (?, ?, ?, 'mainnet', ?, "
	    "?, ?)");
	for (w = 0; w < nwallets; w++) {
		wallets[w].evm = w % 10 < 7;
		wallets[w].net = wallets[w].evm ?
		    evm_nets[rndn(nitems(evm_nets))] : "mainnet";
		if (w == 0)
			wallets[w].net = "ethereum-mainnet";
		mkid(wallets[w].id, now - 90 * DAY + (long long)w);
		if (w == 0)
			snprintf(name, sizeof(name), "hot");
		else
			snprintf(name, sizeof(name), "w%zu", w);
		addr(pk, wallets[w].evm);
		sqlite3_bind_text(st, 1, wallets[w].id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, chain_name(wallets[w].evm), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 4, wallets[w].net, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, pk, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 6, now - 90 * DAY + (long long)w);
		step_done(st);
		if (w > 0)
			total += pow((double)w, -ZIPF_S);
		wallets[w].cum = total;
	}
	sqlite3_finalize(st);
}

static void
build_policies(size_t npol, long long now)
{
	sqlite3_stmt	*st;
	struct pol	 p;
	size_t		 nglob = npol / 200, i, bytes = 0;

	st = prep("INSERT INTO policies (id, wallet_id, type, rules, "
	    "priority, enabled, network, created_at, updated_at) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?)");
	for (i = 0; i < nglob; i++) {
		global_policy(i, &p);
		insert_policy(st, NULL, &p, now - 80 * DAY, &bytes);
	}
	for (i = 0; i < npol - nglob; i++) {
		wallet_policy(i % nwallets, i / nwallets, &p);
		insert_policy(st, wallets[i % nwallets].id, &p, now - 80 *
		    DAY + (long long)i, &bytes);
	}
	sqlite3_finalize(st);
	printf("policies: %zu (%zu global), %zu bytes of canonical rules\n",
	    npol, nglob, bytes);
}

/* Zipf over wallets 1 .. n-1 (0 is the hot one). */
static size_t
pick_cold(void)
{
	double	x = rnd01() * wallets[nwallets - 1].cum;
	size_t	lo = 1, hi = nwallets - 1, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (wallets[mid].cum < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const char *
pick_status(int type, long long age)
{
	double	r = rnd01();

	if (age < 3600)
		return r < .05 ? "PENDING" : r < .15 ? "QUEUED" : r < .20 ?
		    "EXECUTING" : r < .50 ? "SUBMITTED" : r < .95 ?
		    "CONFIRMED" : "FAILED";
	if (type == 4)
		return r < .97 ? "SIGNED" : "FAILED";
	return r < .86 ? "CONFIRMED" : r < .93 ? "FAILED" : r < .97 ?
	    "CANCELLED" : "EXPIRED";
}

static void
build_transactions(size_t ntx, long long now)
{
	static const char *const types[] = {
		"TRANSFER", "TOKEN_TRANSFER", "CONTRACT_CALL", "APPROVE",
		"SIGN_MESSAGE"
	};
	static const char *const tiers[] = {
		"INSTANT", "NOTIFY", "DELAY", "APPROVAL"
	};
	sqlite3_stmt	*st;
	struct wallet	*x;
	long long	 start = now - HISTORY_DAYS * DAY, t, *nonce;
	char		 id[UUID_STR_LEN], to[48], tok[48], amt[24];
	char		 req[512], token[160], txh[100];
	const char	*status;
	double		 r, usd;
	size_t		 i, w;
	int		 type, tier, onchain;

	if ((nonce = calloc(nwallets, sizeof(*nonce))) == NULL)
		fatal("calloc");
	st = prep("INSERT INTO transactions (id, wallet_id, type, status, "
	    "tier, chain, network, to_address, amount, token, request, "
	    "reserved_usd, tx_hash, error, error_code, execute_after, "
	    "expires_at, created_at, updated_at, nonce, attempts, fee_cap) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?)");
	exec("BEGIN");
	for (i = 0; i < ntx; i++) {
		t = start + (long long)((double)i * (double)(HISTORY_DAYS *
		    DAY) / (double)ntx);
		w = rnd01() < (t >= now - 30 * DAY ? HOT_SHARE_NEW :
		    HOT_SHARE_OLD) ? 0 : pick_cold();
		x = &wallets[w];
		r = rnd01();
		type = r < .60 ? 0 : r < .85 ? 1 : r < .92 ? 2 : r < .96 ? 3 :
		    4;
		status = pick_status(type, now - t);
		r = rnd01();
		tier = r < .80 ? 0 : r < .92 ? 1 : r < .97 ? 2 : 3;
		if (strcmp(status, "QUEUED") == 0 && tier < 2)
			tier = 2;
		addr(to, x->evm);
		snprintf(amt, sizeof(amt), "%llu",
		    (unsigned long long)(rnd() % 100000000000000000ULL));
		token[0] = '\0';
		if (type == 1) {
			addr(tok, x->evm);
			snprintf(token, sizeof(token), "{\"address\":\"%s\","
			    "\"decimals\":6,\"symbol\":\"USDC\"}", tok);
		}
		snprintf(req, sizeof(req), "{\"amount\":\"%s\",\"network\":"
		    "\"%s\",\"to\":\"%s\",%s%s%s\"type\":\"%s\",\"walletId\":"
		    "\"%s\"}", amt, x->net, to, token[0] ? "\"token\":" : "",
		    token, token[0] ? "," : "", types[type], x->id);
		mkid(id, t);
		onchain = strcmp(status, "SUBMITTED") == 0 ||
		    strcmp(status, "CONFIRMED") == 0;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, x->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, types[type], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, status, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, tiers[tier], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, chain_name(x->evm), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 7, x->net, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, to, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, type == 4 ? "0" : amt, -1,
		    SQLITE_STATIC);
		if (token[0] != '\0')
			sqlite3_bind_text(st, 10, token, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 11, req, -1, SQLITE_STATIC);
		usd = type == 4 ? 0 : round(pow(10, rnd01() * 3.5) * 100) /
		    100;
		if (rnd01() >= .03)
			sqlite3_bind_double(st, 12, usd);
		if (onchain && x->evm) {
			txh[0] = '0';
			txh[1] = 'x';
			hex(txh + 2, sizeof(txh) - 2, 64);
			sqlite3_bind_text(st, 13, txh, -1, SQLITE_STATIC);
		} else if (onchain) {
			sol_bytes(txh, sizeof(txh), 64);
			sqlite3_bind_text(st, 13, txh, -1, SQLITE_STATIC);
		}
		if (strcmp(status, "FAILED") == 0) {
			sqlite3_bind_text(st, 14, "execution reverted", -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(st, 15, "CHAIN_ERROR", -1,
			    SQLITE_STATIC);
		}
		if (tier == 2)
			sqlite3_bind_int64(st, 16, t + 600);
		if (tier == 3)
			sqlite3_bind_int64(st, 17, t + 3600);
		sqlite3_bind_int64(st, 18, t);
		sqlite3_bind_int64(st, 19, t + 12);
		if (onchain && x->evm)
			sqlite3_bind_int64(st, 20, nonce[w]++);
		sqlite3_bind_int(st, 21, onchain);
		if (x->evm)
			sqlite3_bind_int(st, 22, 200);
		step_done(st);
		if ((i + 1) % BATCH == 0) {
			exec("COMMIT");
			exec("BEGIN");
		}
	}
	exec("COMMIT");
	sqlite3_finalize(st);
	free(nonce);
}

static void
build(const char *path, size_t ntx, size_t npol)
{
	long long	now = (long long)time(NULL);
	double		t0 = now_us(), t1, t2;

	store_open(path);
	/* A bigger cache while building only; the run uses the daemon's. */
	exec("PRAGMA cache_size = -262144");
	if ((wallets = calloc(nwallets, sizeof(*wallets))) == NULL)
		fatal("calloc");
	exec("BEGIN");
	build_wallets(now);
	build_policies(npol, now);
	exec("COMMIT");
	t1 = now_us();
	build_transactions(ntx, now);
	exec("PRAGMA wal_checkpoint(TRUNCATE)");
	t2 = now_us();
	printf("wallets: %zu (wallet 0, \"hot\", on ethereum-mainnet)\n",
	    nwallets);
	printf("transactions: %zu over %d days, built in %.1f s "
	    "(policies and wallets %.1f s)\n", ntx, HISTORY_DAYS,
	    (t2 - t0) / 1e6, (t1 - t0) / 1e6);
	sqlite3_close(pd.db);
	free(wallets);
}

/* ---- run ---- */

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank. */
static double
pct(const double *v, size_t n, double p)
{
	size_t	k = (size_t)ceil(p * (double)n);

	return n == 0 ? 0 : v[k > 0 ? k - 1 : 0];
}

static void
print_group(const char *name, double *v, size_t n)
{
	double	sum = 0;
	size_t	i;

	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	for (i = 0; i < n; i++)
		sum += v[i];
	printf("  %-22s n=%-6zu mean %8.1f  p50 %8.1f  p90 %8.1f  "
	    "p99 %8.1f  max %8.1f\n", name, n, sum / (double)n,
	    pct(v, n, .5), pct(v, n, .9), pct(v, n, .99), v[n - 1]);
}

static void
load_wallets(long long now)
{
	sqlite3_stmt	*st, *wl;
	json_t		*rules;
	double		 total = 0;
	size_t		 w;

	nwallets = (size_t)one_int("SELECT count(*) FROM wallets");
	if (nwallets == 0)
		fatalx("no wallets: build first");
	if ((wallets = calloc(nwallets, sizeof(*wallets))) == NULL)
		fatal("calloc");
	st = prep("SELECT id, chain, network, (SELECT count(*) FROM "
	    "transactions t WHERE t.wallet_id = w.id), (SELECT count(*) FROM "
	    "transactions t WHERE t.wallet_id = w.id AND t.created_at >= ?) "
	    "FROM wallets w ORDER BY name != 'hot', created_at");
	sqlite3_bind_int64(st, 1, now - 30 * DAY);
	wl = prep("SELECT rules FROM policies WHERE wallet_id = ? AND type = "
	    "'WHITELIST' AND enabled = 1 LIMIT 1");
	for (w = 0; w < nwallets && sqlite3_step(st) == SQLITE_ROW; w++) {
		strlcpy(wallets[w].id, (const char *)sqlite3_column_text(st,
		    0), sizeof(wallets[w].id));
		wallets[w].evm = strcmp((const char *)sqlite3_column_text(st,
		    1), "ethereum") == 0;
		strlcpy(wallets[w].netbuf, (const char *)
		    sqlite3_column_text(st, 2), sizeof(wallets[w].netbuf));
		wallets[w].net = wallets[w].netbuf;
		wallets[w].n60 = sqlite3_column_int64(st, 3);
		wallets[w].n30 = sqlite3_column_int64(st, 4);
		if (w > 0)
			total += (double)wallets[w].n60;
		wallets[w].cum = total;
		sqlite3_bind_text(wl, 1, wallets[w].id, -1, SQLITE_STATIC);
		if (sqlite3_step(wl) == SQLITE_ROW && (rules = json_loads(
		    (const char *)sqlite3_column_text(wl, 0), 0, NULL)) !=
		    NULL) {
			strlcpy(wallets[w].to, json_string_value(json_array_get(
			    json_object_get(rules, "allowed_addresses"), 0)),
			    sizeof(wallets[w].to));
			json_decref(rules);
		}
		sqlite3_reset(wl);
	}
	sqlite3_finalize(wl);
	sqlite3_finalize(st);
}

static int	hot_pct = 5;

/* hot_pct% hot; of the rest, half uniform, half by history. */
static size_t
pick_wallet(void)
{
	double	x;
	size_t	lo = 1, hi = nwallets - 1, mid;

	if ((int)rndn(100) < hot_pct || nwallets == 1)
		return 0;
	if (rndn(2) == 0)
		return 1 + rndn(nwallets - 1);
	x = rnd01() * wallets[nwallets - 1].cum;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (wallets[mid].cum < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A transfer worth a few dollars, mostly to a whitelisted recipient. */
static void
make_tx(struct wallet *x, struct pe_tx *t, char to[48])
{
	memset(t, 0, sizeof(*t));
	t->type = PE_TRANSFER;
	t->evm = x->evm;
	t->network = x->net;
	if (x->to[0] != '\0' && rndn(20) != 0)
		strlcpy(to, x->to, 48);
	else
		addr(to, x->evm);
	t->to = to;
	t->amount = "1000000000000";
	t->usd = 1 + (double)rndn(2000) / 100;
}

/*
 * The profile pass: the time of each statement decide_eval() ran, from
 * its first step to its reset or finalize (SQLite's own profile figure
 * is in whole milliseconds here, so the clock is read at both ends).
 * The policies query's time includes parsing the rules of its rows,
 * which happens between its steps.
 */
struct slot {
	char		 sql[SQL_KEY];
	const char	*full;		/* as prepared, for the query plan */
	double		*v[2];		/* hot, others */
	size_t		 n[2];
};

static struct slot	 slots[SLOTS];
static size_t		 nslots;
static int		 profiling = -1;	/* the group, or -1 */
static int		 call_no;
static double		 stmt_t0, stmt_sum;

static int
profile_cb(unsigned type, void *arg, void *p, void *x)
{
	const char	*sql = sqlite3_sql(p);
	char		 key[SQL_KEY];
	double		 d;
	size_t		 i;

	(void)arg;
	(void)x;
	if (type == SQLITE_TRACE_STMT) {
		stmt_t0 = now_us();
		return 0;
	}
	d = now_us() - stmt_t0;
	if (type != SQLITE_TRACE_PROFILE || profiling < 0 || sql == NULL)
		return 0;
	stmt_sum += d;
	/* The same text twice in one call: 24 h, then 30 d. */
	snprintf(key, sizeof(key), "%d:%.40s", call_no++, sql);
	for (i = 0; i < nslots && strcmp(slots[i].sql, key) != 0; i++)
		;
	if (i == nslots) {
		if (nslots == SLOTS)
			return 0;
		strlcpy(slots[i].sql, key, sizeof(slots[i].sql));
		if ((slots[i].full = strdup(sql)) == NULL ||
		    (slots[i].v[0] = calloc(PROFILE_MAX, sizeof(double))) ==
		    NULL || (slots[i].v[1] = calloc(PROFILE_MAX,
		    sizeof(double))) == NULL)
			fatal("profile");
		nslots++;
	}
	if (slots[i].n[profiling] < PROFILE_MAX)
		slots[i].v[profiling][slots[i].n[profiling]++] = d;
	return 0;
}

static void
plans(void)
{
	sqlite3_stmt	*st;
	char		 q[2048];
	double		 t0;
	size_t		 i, j, k;

	printf("query plans (EXPLAIN QUERY PLAN, no ANALYZE, as the daemon "
	    "runs):\n");
	for (i = 0; i < nslots; i++) {
		for (j = 0; j < i && strcmp(slots[j].full, slots[i].full) != 0;
		    j++)
			;
		if (j < i)
			continue;
		t0 = now_us();
		for (k = 0; k < 1000; k++)
			sqlite3_finalize(prep(slots[i].full));
		printf("  %s\n    (prepare and finalize: %.1f us)\n",
		    slots[i].full, (now_us() - t0) / 1000);
		snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", slots[i].full);
		st = prep(q);
		while (sqlite3_step(st) == SQLITE_ROW)
			printf("    %s\n", sqlite3_column_text(st, 3));
		sqlite3_finalize(st);
	}
}

static void
sizes(const char *path)
{
	sqlite3_stmt	*st;
	struct stat	 sb;

	if (stat(path, &sb) == 0)
		printf("database: %.1f MB (%lld pages of %lld bytes)\n",
		    (double)sb.st_size / 1048576, one_int("PRAGMA page_count"),
		    one_int("PRAGMA page_size"));
	if (sqlite3_prepare_v2(pd.db, "SELECT name, sum(pgsize) FROM dbstat "
	    "WHERE name LIKE 'transactions%' OR name LIKE 'policies%' OR "
	    "name LIKE 'sqlite_autoindex_transactions%' GROUP BY name ORDER "
	    "BY 2 DESC", -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("  %-40s %7.1f MB\n", sqlite3_column_text(st, 0),
		    (double)sqlite3_column_int64(st, 1) / 1048576);
	sqlite3_finalize(st);
}

static const char *const bucket_names[] = {
	"< 100 rows in 30 d", "100-999", "1k-9.9k", "10k-99k", ">= 100k"
};

static int
bucket(long long n)
{
	return n < 100 ? 0 : n < 1000 ? 1 : n < 10000 ? 2 : n < 100000 ? 3 :
	    4;
}

static void
run(const char *path, size_t n)
{
	struct pe_tx		 t;
	struct pe_result	 r;
	struct wallet		*x;
	double			*all, *grp[2], *bk[5], *cpu[2], *cpu_all;
	double			 tot, d, t0, c0;
	size_t			 ng[2] = { 0, 0 }, nb[5] = { 0 }, i, k, w;
	size_t			 np, denied = 0, approval = 0, inv = 0, vol = 0;
	struct rusage		 ru0, ru1;
	long long		 now;
	char			 to[48];
	int			 g;

	store_open(path);
	sizes(path);
	now = one_int("SELECT max(created_at) FROM transactions") + 1;
	load_wallets(now);
	printf("hot wallet: %lld transactions in 60 days, %lld in the last "
	    "30; the busiest other: %lld in 30 days\n", wallets[0].n60,
	    wallets[0].n30, nwallets > 1 ? wallets[1].n30 : 0);
	printf("policies: %lld (%lld enabled), %lld apply to the hot "
	    "wallet\n", one_int("SELECT count(*) FROM policies"),
	    one_int("SELECT count(*) FROM policies WHERE enabled = 1"),
	    one_int("SELECT count(*) FROM policies p, wallets w WHERE "
	    "w.name = 'hot' AND (p.wallet_id = w.id OR p.wallet_id IS "
	    "NULL)"));
	if ((all = calloc(n, sizeof(*all))) == NULL ||
	    (grp[0] = calloc(n, sizeof(double))) == NULL ||
	    (grp[1] = calloc(n, sizeof(double))) == NULL ||
	    (cpu[0] = calloc(n, sizeof(double))) == NULL ||
	    (cpu[1] = calloc(n, sizeof(double))) == NULL ||
	    (cpu_all = calloc(n, sizeof(double))) == NULL)
		fatal("calloc");
	for (i = 0; i < 5; i++)
		if ((bk[i] = calloc(n, sizeof(double))) == NULL)
			fatal("calloc");

	/* Timed: decide_eval() alone, inside the transaction. */
	tot = now_us();
	for (i = 0; i < n + WARMUP; i++) {
		w = pick_wallet();
		x = &wallets[w];
		make_tx(x, &t, to);
		if (store_begin() == -1)
			fatalx("BEGIN: %s", sqlite3_errmsg(pd.db));
		getrusage(RUSAGE_THREAD, &ru0);
		t0 = now_us();
		c0 = cpu_us();
		decide_eval(x->id, x->net, &t, now, &r);
		d = now_us() - t0;
		c0 = cpu_us() - c0;
		getrusage(RUSAGE_THREAD, &ru1);
		store_rollback();
		if (i < WARMUP)
			continue;
		k = i - WARMUP;
		all[k] = d;
		cpu_all[k] = c0;
		/* taken off the CPU by the scheduler, or waiting on I/O */
		inv += ru1.ru_nivcsw != ru0.ru_nivcsw;
		vol += ru1.ru_nvcsw != ru0.ru_nvcsw;
		g = w != 0;
		cpu[g][ng[g]] = c0;
		grp[g][ng[g]++] = d;
		bk[bucket(x->n30)][nb[bucket(x->n30)]++] = d;
		if (!r.allowed)
			denied++;
		else if (r.tier == TIER_APPROVAL)
			approval++;
	}
	tot = now_us() - tot;
	printf("decide_eval x %zu (after %d not counted), microseconds, "
	    "each in BEGIN IMMEDIATE ... ROLLBACK:\n", n, WARMUP);
	print_group("hot wallet", grp[0], ng[0]);
	print_group("other wallets", grp[1], ng[1]);
	print_group("all", all, n);
	printf("  the same calls in CPU time (what preemption on a busy box "
	    "does not inflate):\n");
	print_group("hot wallet, CPU", cpu[0], ng[0]);
	print_group("other wallets, CPU", cpu[1], ng[1]);
	print_group("all, CPU", cpu_all, n);
	printf("  calls preempted (involuntary switch): %zu of %zu; that "
	    "waited (voluntary switch, I/O): %zu\n", inv, n, vol);
	printf("  by the wallet's history:\n");
	for (i = 0; i < 5; i++)
		print_group(bucket_names[i], bk[i], nb[i]);
	printf("  outcomes: %zu allowed below APPROVAL, %zu APPROVAL, "
	    "%zu denied; %.0f evaluations/s with BEGIN and ROLLBACK\n",
	    n - denied - approval, approval, denied,
	    (double)(n + WARMUP) / (tot / 1e6));

	/* Profiled: where the time goes, per statement. */
	np = n < PROFILE_MAX ? n : PROFILE_MAX;
	sqlite3_trace_v2(pd.db, SQLITE_TRACE_STMT | SQLITE_TRACE_PROFILE,
	    profile_cb, NULL);
	ng[0] = ng[1] = 0;
	for (i = 0; i < np; i++) {
		w = i % 8 == 0 ? 0 : pick_wallet();
		if (i % 8 != 0 && w == 0)
			w = 1 + rndn(nwallets - 1);
		x = &wallets[w];
		make_tx(x, &t, to);
		if (store_begin() == -1)
			fatalx("BEGIN: %s", sqlite3_errmsg(pd.db));
		profiling = g = w != 0;
		call_no = 0;
		stmt_sum = 0;
		t0 = now_us();
		decide_eval(x->id, x->net, &t, now, &r);
		d = now_us() - t0;
		profiling = -1;
		store_rollback();
		grp[g][ng[g]++] = d - stmt_sum;
	}
	sqlite3_trace_v2(pd.db, 0, NULL, NULL);
	printf("per statement (a second pass of %zu, traced; \"k:\" is the "
	    "k-th statement of a call):\n", np);
	for (i = 0; i < nslots; i++) {
		printf("  %s...\n", slots[i].sql);
		print_group("  hot wallet", slots[i].v[0], slots[i].n[0]);
		print_group("  other wallets", slots[i].v[1], slots[i].n[1]);
	}
	printf("  outside the statements (prepare, policy_eval, JSON "
	    "decref):\n");
	print_group("  hot wallet", grp[0], ng[0]);
	print_group("  other wallets", grp[1], ng[1]);
	plans();
	sqlite3_close(pd.db);
}

/* ---- design: the queries alone, then and now ---- */

#define COUNTED	"status NOT IN ('FAILED', 'CANCELLED', 'EXPIRED')"

/* The history queries before schema 8: every row of the window. */
static const char q_usd[] = "SELECT total(reserved_usd) FROM transactions "
    "WHERE wallet_id = ?1 AND created_at >= ?2 AND " COUNTED;
static const char q_count[] = "SELECT count(*) FROM transactions WHERE "
    "wallet_id = ?1 AND created_at >= ?2";

/*
 * policyd_decide.c's queries since schema 8 (the daemon's own strings),
 * and the sum they must equal, in micro-dollars, read from the rows.
 */
static const char q_usd_micro[] = "SELECT coalesce(sum(" SPEND_MICRO("")
    "), 0) FROM transactions WHERE wallet_id = ?1 AND created_at >= ?2";
#define q_usd_hours	decide_sql_usd
#define q_count_hours	decide_sql_requests

/* policyd_decide.c's policy query, and one that sorts rowids only. */
#define PICK	"row_number() OVER (PARTITION BY type ORDER BY wallet_id " \
		"IS NULL, network IS NULL, priority DESC, created_at) AS rn " \
		"FROM policies WHERE enabled = 1 AND (wallet_id = ?1 OR " \
		"wallet_id IS NULL) AND (network IS NULL OR network = ?2)"
static const char q_pol[] = "SELECT type, rules, w, nw, priority FROM "
    "(SELECT type, rules, wallet_id IS NOT NULL AS w, network IS NOT NULL "
    "AS nw, priority, " PICK ") WHERE rn = 1";
static const char q_pol_rowid[] = "SELECT p.type, p.rules, s.w, s.nw, "
    "p.priority FROM (SELECT rowid AS r, wallet_id IS NOT NULL AS w, "
    "network IS NOT NULL AS nw, " PICK ") s, policies p WHERE s.rn = 1 AND "
    "p.rowid = s.r";

/*
 * The policy query for the hot wallet and the first n others: every
 * row stepped and its rules read, parsed as decide_eval() does when
 * parse is set; with prepare when prep_each is set.
 */
static void
time_pol(const char *label, const char *sql, size_t n, int parse,
    int prep_each)
{
	sqlite3_stmt	*st = NULL;
	json_t		*j;
	double		*v, t0;
	size_t		 i, rows = 0;

	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		fatal("calloc");
	for (i = 0; i <= n; i++) {
		t0 = now_us();
		if (st == NULL)
			st = prep(sql);
		sqlite3_bind_text(st, 1, wallets[i % nwallets].id, -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 2, wallets[i % nwallets].net, -1,
		    SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			rows++;
			if (!parse)
				continue;
			if ((j = json_loads((const char *)
			    sqlite3_column_text(st, 1), 0, NULL)) == NULL)
				fatalx("rules");
			json_decref(j);
		}
		sqlite3_reset(st);
		if (prep_each) {
			sqlite3_finalize(st);
			st = NULL;
		}
		v[i] = now_us() - t0;
	}
	if (st != NULL)
		sqlite3_finalize(st);
	qsort(v + 1, n, sizeof(*v), cmp_double);
	printf("  %-34s hot %6.1f; others: median %6.1f p99 %6.1f "
	    "(%.1f rows)\n", label, v[0], pct(v + 1, n, .5),
	    pct(v + 1, n, .99), (double)rows / (double)(n + 1));
	free(v);
}

/* FNV-1a over the rows, summed: the same set in any order. */
static uint64_t
pol_sum(sqlite3_stmt *st, const struct wallet *x)
{
	const unsigned char	*c;
	uint64_t		 sum = 0, h;
	int			 i;

	sqlite3_bind_text(st, 1, x->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, x->net, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		h = 0xcbf29ce484222325ULL;
		for (i = 0; i < 5; i++) {
			for (c = sqlite3_column_text(st, i); c != NULL &&
			    *c != '\0'; c++)
				h = (h ^ *c) * 0x100000001b3ULL;
			h = (h ^ '|') * 0x100000001b3ULL;
		}
		sum += h;
	}
	sqlite3_reset(st);
	return sum;
}

static void
agree_pol(void)
{
	sqlite3_stmt	*a = prep(q_pol), *b = prep(q_pol_rowid);
	size_t		 w, bad = 0;

	for (w = 0; w < nwallets; w++)
		if (pol_sum(a, &wallets[w]) != pol_sum(b, &wallets[w]))
			bad++;
	printf("  the two policy queries differ for %zu of %zu wallets\n",
	    bad, nwallets);
	sqlite3_finalize(a);
	sqlite3_finalize(b);
}

static double
query(sqlite3_stmt *st, const char *wallet, long long t, double *us)
{
	double	t0 = now_us(), v;

	sqlite3_bind_text(st, 1, wallet, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t);
	if (sqlite3_step(st) != SQLITE_ROW)
		fatalx("query: %s", sqlite3_errmsg(pd.db));
	v = sqlite3_column_double(st, 0);
	sqlite3_reset(st);
	*us = now_us() - t0;
	return v;
}

static void
plan_of(const char *label, const char *sql)
{
	sqlite3_stmt	*st;
	char		 q[1024];

	printf("    plan, %s:\n", label);
	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	st = prep(q);
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("      %s\n", sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
}

/*
 * One line per window: the query's median and max over reps calls for
 * the hot wallet, and its median and p99 over the first n others.
 */
static void
time_sql(const char *label, const char *sql, long long now, size_t n)
{
	static const long long	 windows[] = { 30 * DAY, DAY, 3600 };
	static const char *const names[] = { "30 d", "24 h", "1 h" };
	sqlite3_stmt		*st = prep(sql);
	double			 hot[15], *o;
	size_t			 i, w;

	if ((o = calloc(n, sizeof(*o))) == NULL)
		fatal("calloc");
	for (w = 0; w < nitems(windows); w++) {
		for (i = 0; i < nitems(hot); i++)
			query(st, wallets[0].id, now - windows[w], &hot[i]);
		for (i = 0; i < n; i++)
			query(st, wallets[1 + i % (nwallets - 1)].id,
			    now - windows[w], &o[i]);
		qsort(hot, nitems(hot), sizeof(hot[0]), cmp_double);
		qsort(o, n, sizeof(*o), cmp_double);
		printf("  %-26s %-4s hot: median %9.1f max %9.1f; others: "
		    "median %6.1f p99 %7.1f\n", label, names[w],
		    pct(hot, nitems(hot), .5), hot[nitems(hot) - 1],
		    pct(o, n, .5), pct(o, n, .99));
	}
	sqlite3_finalize(st);
	free(o);
}

/*
 * spend_hours, kept by the triggers, gives exactly what the rows say,
 * for every wallet and window.
 */
static void
agree(long long now)
{
	sqlite3_stmt	*a = prep(q_usd_micro), *b = prep(q_usd_hours);
	sqlite3_stmt	*c = prep(q_count), *d = prep(q_count_hours);
	double		 us;
	long long	 t;
	size_t		 i, bad = 0;

	for (i = 0; i < 3000; i++) {
		t = now - 1 - (long long)rndn(31 * DAY);
		if (query(a, wallets[i % nwallets].id, t, &us) !=
		    query(b, wallets[i % nwallets].id, t, &us))
			bad++;
		if (query(c, wallets[i % nwallets].id, t, &us) !=
		    query(d, wallets[i % nwallets].id, t, &us))
			bad++;
	}
	printf("  spend_hours against the rows, 3000 (wallet, window) "
	    "pairs: %zu differences\n", bad);
	sqlite3_finalize(a);
	sqlite3_finalize(b);
	sqlite3_finalize(c);
	sqlite3_finalize(d);
}

/* What a row costs to store and to fail, with the triggers or not. */
#define WRITES	2000
static void
write_cost(const char *label, long long now)
{
	static char	 ids[WRITES][UUID_STR_LEN];
	sqlite3_stmt	*ins, *upd;
	double		 t0, t1, t2;
	int		 i;

	ins = prep("INSERT INTO transactions (id, wallet_id, type, status, "
	    "tier, chain, network, to_address, amount, request, reserved_usd, "
	    "created_at, updated_at) VALUES (?1, ?2, 'TRANSFER', 'PENDING', "
	    "'INSTANT', 'ethereum', 'ethereum-mainnet', '0x5000000000000000000"
	    "000000000000000000001', '500', '{}', 12.5, ?3, ?3)");
	upd = prep("UPDATE transactions SET status = 'FAILED', updated_at = "
	    "?2 WHERE id = ?1");
	t0 = now_us();
	for (i = 0; i < WRITES; i++) {
		mkid(ids[i], now);
		sqlite3_bind_text(ins, 1, ids[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, wallets[0].id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 3, now);
		step_done(ins);
	}
	t1 = now_us();
	for (i = 0; i < WRITES; i++) {
		sqlite3_bind_text(upd, 1, ids[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(upd, 2, now);
		step_done(upd);
	}
	t2 = now_us();
	printf("  %-26s insert %.1f us, status to FAILED %.1f us per row\n",
	    label, (t1 - t0) / WRITES, (t2 - t1) / WRITES);
	sqlite3_finalize(ins);
	sqlite3_finalize(upd);
}

static void
design(const char *path, size_t n)
{
	long long	now;

	store_open(path);
	now = one_int("SELECT max(created_at) FROM transactions") + 1;
	load_wallets(now);
	printf("the two history queries, microseconds (hot: %lld rows in "
	    "30 d; others: %zu wallets):\n", wallets[0].n30, n);
	time_sql("every row (before 8)", q_usd, now, n);
	time_sql("count, every row", q_count, now, n);
	printf("the policy query, microseconds:\n");
	time_pol("as now (prepare, parse rules)", q_pol, n, 1, 1);
	time_pol("as now, prepared once", q_pol, n, 1, 0);
	time_pol("as now, prepared once, no parse", q_pol, n, 0, 0);
	time_pol("rowids sorted, prepared once", q_pol_rowid, n, 1, 0);
	agree_pol();

	/* Everything below is rolled back: the file keeps its schema. */
	exec("BEGIN IMMEDIATE");
	exec("CREATE INDEX policies_pick ON policies(wallet_id, enabled, "
	    "type, network, priority, created_at)");
	time_pol("rowids, covering index, once", q_pol_rowid, n, 1, 0);
	plan_of("rowids, covering index", q_pol_rowid);
	time_pol("as now, covering index", q_pol, n, 1, 1);
	exec("DROP INDEX policies_pick");
	printf("the history queries since schema 8, microseconds:\n");
	printf("  spend_hours: %lld rows (%.1f MB)\n",
	    one_int("SELECT count(*) FROM spend_hours"),
	    (double)one_int("SELECT sum(pgsize) FROM dbstat WHERE name = "
	    "'spend_hours'") / 1048576);
	agree(now);
	time_sql("hourly totals (the daemon)", q_usd_hours, now, n);
	plan_of("hourly totals", q_usd_hours);
	time_sql("count, hourly totals", q_count_hours, now, n);
	write_cost("with the triggers:", now);
	agree(now);
	exec("DROP TRIGGER spend_hours_insert");
	exec("DROP TRIGGER spend_hours_update");
	write_cost("without them:", now);
	exec("ROLLBACK");
	sqlite3_close(pd.db);
}

int
main(int argc, char *argv[])
{
	log_init(LOG_TO_STDERR, LOGL_WARN, "policy_bench");
	if (argc >= 3 && strcmp(argv[1], "build") == 0) {
		nwallets = argc > 5 ? strtoul(argv[5], NULL, 10) : 2000;
		if (nwallets < 2)
			fatalx("at least 2 wallets");
		build(argv[2], argc > 3 ? strtoul(argv[3], NULL, 10) : 1000000,
		    argc > 4 ? strtoul(argv[4], NULL, 10) : 10000);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "run") == 0) {
		if (argc > 4)
			hot_pct = atoi(argv[4]);
		run(argv[2], argc > 3 ? strtoul(argv[3], NULL, 10) : 20000);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "design") == 0) {
		design(argv[2], 500);
		return 0;
	}
	fprintf(stderr, "usage: policy_bench build DB [TXS [POLICIES "
	    "[WALLETS]]]\n       policy_bench run DB [EVALS [HOT%%]]\n"
	    "       policy_bench design DB\n");
	return 1;
}
