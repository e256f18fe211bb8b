/*
 * Incoming transfers into monitored wallets (monitorIncoming), policyd's
 * half: the cursors, the records, the owner's notification and the
 * routes that read them.
 *
 * policyd has no socket and the api has no store (DESIGN.md 1), so the
 * watcher is split the way a send is: a timer here asks the api, one
 * wallet and network at a time, for the transfers into the wallet's
 * address in the blocks from its cursor on (at most incoming.max_blocks
 * of them); the api asks the node and answers with the transfers parsed
 * and where the next ask starts.  The answer is checked here again
 * (every transfer inside the range asked, the range no longer than
 * allowed), then the new rows, their notifications and the moved cursor
 * are written in one transaction: after a crash at any point either all
 * of an answer is recorded or none of it, and the next ask starts where
 * the last recorded answer ended (no gap).  A row is keyed by wallet,
 * network, transaction and log entry, so an answer seen twice adds
 * nothing (no duplicate).  Nothing here signs or sends anything.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"
#include "policyd.h"
#include "routes.h"
#include "util.h"

#define INC_INFLIGHT_MAX	16	/* asks outstanding at once */
#define INC_WALLETS_MAX		256	/* asked per round */
#define INC_BACKOFF_MAX		32	/* rounds a failing one waits */

struct inc_ask {
	TAILQ_ENTRY(inc_ask)	 entry;
	char			 wallet[UUID_STR_LEN];
	uint32_t		 net;
	uint64_t		 from;
	int			 have_from;
	uint32_t		 max_blocks;
	int			 inflight;
	unsigned int		 fails;		/* in a row */
	unsigned int		 skip;		/* rounds left to wait */
	int			 seen;		/* still monitored this round */
};
static TAILQ_HEAD(, inc_ask)	asks = TAILQ_HEAD_INITIALIZER(asks);
static struct event		*inc_timer;
static int			 ninflight;

static struct inc_ask *
ask_find(const char *wallet, uint32_t net)
{
	struct inc_ask	*a;

	TAILQ_FOREACH(a, &asks, entry)
		if (a->net == net && strcmp(a->wallet, wallet) == 0)
			return a;
	return NULL;
}

static void
ask_send(struct inc_ask *a, const char *address, const char *netname)
{
	struct incoming_ask	 q;
	sqlite3_stmt		*st;

	memset(&q, 0, sizeof(q));
	strlcpy(q.wallet, a->wallet, sizeof(q.wallet));
	strlcpy(q.address, address, sizeof(q.address));
	q.net = a->net;
	q.max_blocks = pd.p->cfg.incoming_max_blocks;
	if (q.max_blocks == 0 || q.max_blocks > INCOMING_MAX_BLOCKS)
		q.max_blocks = 100;
	st = store_prepare("SELECT next_block FROM incoming_cursors WHERE "
	    "wallet_id = ?1 AND network = ?2");
	sqlite3_bind_text(st, 1, a->wallet, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, netname, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		q.have_from = 1;
		q.from = (uint64_t)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	a->from = q.from;
	a->have_from = (int)q.have_from;
	a->max_blocks = q.max_blocks;
	a->inflight = 1;
	ninflight++;
	if (imsgev_compose(&pd.api, IMSG_CHAIN_INCOMING_ASK, 0, -1, &q,
	    sizeof(q)) == -1)
		fatal("IMSG_CHAIN_INCOMING_ASK");
}

/*
 * One round: every monitored wallet that is not terminated, on its
 * default network.  A wallet no longer monitored is forgotten; one whose
 * last asks failed waits a few rounds (doubling, capped).
 */
static void
inc_round(int fd, short ev, void *arg)
{
	struct inc_ask		*a, *next;
	const struct network	*n;
	sqlite3_stmt		*st;
	struct timeval		 tv;
	const char		*id, *addr, *net;
	long			 ms = pd.p->cfg.incoming_poll_ms;
	int			 rows = 0;

	(void)fd;
	(void)ev;
	(void)arg;
	TAILQ_FOREACH(a, &asks, entry)
		a->seen = 0;
	st = store_prepare("SELECT id, public_key, network FROM wallets "
	    "WHERE monitor_incoming = 1 AND status != 'TERMINATED' "
	    "ORDER BY id LIMIT ?1");
	sqlite3_bind_int(st, 1, INC_WALLETS_MAX);
	while (sqlite3_step(st) == SQLITE_ROW) {
		rows++;
		id = (const char *)sqlite3_column_text(st, 0);
		addr = (const char *)sqlite3_column_text(st, 1);
		net = (const char *)sqlite3_column_text(st, 2);
		if (id == NULL || addr == NULL || net == NULL ||
		    strlen(id) >= UUID_STR_LEN ||
		    strlen(addr) > CHAIN_ADDR_MAX ||
		    (n = net_find(net)) == NULL)
			continue;
		if ((a = ask_find(id, net_index(n))) == NULL) {
			if ((a = calloc(1, sizeof(*a))) == NULL)
				fatal("calloc");
			strlcpy(a->wallet, id, sizeof(a->wallet));
			a->net = net_index(n);
			TAILQ_INSERT_TAIL(&asks, a, entry);
		}
		a->seen = 1;
		if (a->inflight || ninflight >= INC_INFLIGHT_MAX)
			continue;
		if (a->skip > 0) {
			a->skip--;
			continue;
		}
		ask_send(a, addr, n->name);
	}
	sqlite3_finalize(st);
	for (a = TAILQ_FIRST(&asks); a != NULL; a = next) {
		next = TAILQ_NEXT(a, entry);
		if (!a->seen && !a->inflight) {
			TAILQ_REMOVE(&asks, a, entry);
			free(a);
		}
	}
	if (ms < 200)
		ms = 30000;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(inc_timer, &tv);
}

void
incoming_init(void)
{
	struct timeval	tv = { 1, 0 };

	if ((inc_timer = evtimer_new(pd.base, inc_round, NULL)) == NULL)
		fatalx("evtimer_new");
	evtimer_add(inc_timer, &tv);
}

/* The owner's notification of one transfer, in the caller's transaction. */
static int
notify_one(long long now, const char *wallet, const struct network *n,
    const struct incoming_xfer *x, const char *id)
{
	json_t	*p;

	p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I}",
	    "incomingTxId", id, "walletId", wallet, "network", n->name,
	    "txHash", x->txhash, "fromAddress", x->from, "amount", x->amount,
	    "tokenAddress", x->token[0] != '\0' ? json_string(x->token) :
	    json_null(), "blockNumber", (json_int_t)x->block);
	if (p != NULL && x->token[0] == '\0')
		json_object_set_new(p, "symbol", json_string(n->symbol));
	return outbox_add(now, "TX_INCOMING", p);
}

static int
decimal_ok(const char *s)
{
	size_t	i;

	if (s[0] == '\0' || s[0] == '0')
		return 0;		/* no zero, no leading zero */
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return i <= 78;
}

/* Record an answer's transfers and move the cursor; 0 or -1. */
static int
record(const struct incoming_head *h, const struct incoming_xfer *xs,
    const struct network *n, long long now, uint32_t *added)
{
	sqlite3_stmt	*st;
	char		 id[UUID_STR_LEN];
	uint32_t	 i;
	int		 rc;

	*added = 0;
	if (store_begin() == -1)
		return -1;
	for (i = 0; i < h->count; i++) {
		uuidv7(id);
		st = store_prepare("INSERT OR IGNORE INTO incoming_tx (id, "
		    "wallet_id, chain, network, tx_hash, log_index, "
		    "from_address, token_address, amount, block_number, "
		    "status, detected_at, confirmed_at) VALUES (?1, ?2, ?3, "
		    "?4, ?5, ?6, ?7, ?8, ?9, ?10, 'CONFIRMED', ?11, ?11) ");
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, h->wallet, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, chain_name((int)n->chain), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 4, n->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, xs[i].txhash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, xs[i].log_index == INCOMING_NATIVE ?
		    -1 : (long long)xs[i].log_index);
		sqlite3_bind_text(st, 7, xs[i].from, -1, SQLITE_STATIC);
		if (xs[i].token[0] != '\0')
			sqlite3_bind_text(st, 8, xs[i].token, -1,
			    SQLITE_STATIC);
		sqlite3_bind_text(st, 9, xs[i].amount, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 10, (long long)xs[i].block);
		sqlite3_bind_int64(st, 11, now);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			goto fail;
		if (sqlite3_changes(pd.db) == 0)
			continue;	/* recorded before */
		(*added)++;
		if (notify_one(now, h->wallet, n, &xs[i], id) == -1)
			goto fail;
	}
	st = store_prepare("INSERT INTO incoming_cursors (wallet_id, "
	    "network, next_block, updated_at) VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT (wallet_id, network) DO UPDATE SET next_block = "
	    "excluded.next_block, updated_at = excluded.updated_at");
	sqlite3_bind_text(st, 1, h->wallet, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (long long)h->next);
	sqlite3_bind_int64(st, 4, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || store_commit() == -1)
		goto fail;
	return 0;
 fail:
	store_rollback();
	return -1;
}

/* api -> policyd: the answer to an ask. */
void
incoming_result(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct incoming_head		 h;
	struct incoming_xfer		*xs = NULL;
	const struct network		*n;
	struct inc_ask			*a;
	uint64_t			 lo;
	uint32_t			 i, added;
	long long			 now = (long long)time(NULL);
	int				 bad = 0;

	(void)ch;
	(void)arg;
	memcpy(&h, imsg->data, sizeof(h));
	if (h.count > INCOMING_XFERS_MAX || imsg->len != sizeof(h) +
	    (size_t)h.count * sizeof(*xs) ||
	    memchr(h.wallet, '\0', sizeof(h.wallet)) == NULL ||
	    memchr(h.message, '\0', sizeof(h.message)) == NULL)
		fatalx("IMSG_CHAIN_INCOMING: malformed");
	if ((a = ask_find(h.wallet, h.net)) == NULL || !a->inflight)
		fatalx("IMSG_CHAIN_INCOMING for no ask");
	a->inflight = 0;
	ninflight--;
	n = net_get(h.net);
	/* copied out: the transfers follow the header unaligned */
	if (h.count > 0) {
		if ((xs = calloc(h.count, sizeof(*xs))) == NULL)
			fatal("calloc");
		memcpy(xs, (const uint8_t *)imsg->data + sizeof(h),
		    (size_t)h.count * sizeof(*xs));
	}
	if (h.status != CHAIN_OK) {
		a->fails++;
		a->skip = a->fails >= 5 ? INC_BACKOFF_MAX : 1U << a->fails;
		if (a->fails == 1 || a->fails % 100 == 0)
			log_warnx("incoming %s on %s: %s", h.wallet,
			    n != NULL ? n->name : "?", h.message);
		free(xs);
		return;
	}
	/* The api's answer, checked: inside what was asked, moving on. */
	lo = a->from;
	if (n == NULL || h.next > h.head + 1 || (a->have_from &&
	    (h.next < lo || h.next - lo > a->max_blocks)))
		bad = 1;
	for (i = 0; !bad && i < h.count; i++)
		if (memchr(xs[i].txhash, '\0', sizeof(xs[i].txhash)) ==
		    NULL || memchr(xs[i].from, '\0', sizeof(xs[i].from)) ==
		    NULL || memchr(xs[i].token, '\0', sizeof(xs[i].token)) ==
		    NULL || memchr(xs[i].amount, '\0',
		    sizeof(xs[i].amount)) == NULL ||
		    !decimal_ok(xs[i].amount) || xs[i].txhash[0] == '\0' ||
		    xs[i].block >= h.next || (a->have_from &&
		    xs[i].block < lo))
			bad = 1;
	if (bad) {
		log_warnx("incoming %s: the api's answer is out of bounds; "
		    "not recorded", h.wallet);
		a->fails++;
		a->skip = INC_BACKOFF_MAX;
		free(xs);
		return;
	}
	if (record(&h, xs, n, now, &added) == -1) {
		log_warnx("incoming %s: not recorded: %s", h.wallet,
		    sqlite3_errmsg(pd.db));
		free(xs);
		return;
	}
	free(xs);
	a->fails = 0;
	if (added > 0)
		log_info("incoming %s on %s: %u transfer%s recorded",
		    h.wallet, n->name, added, added == 1 ? "" : "s");
}

/* ---- the routes ---- */

#define INC_COLS	"i.id, i.tx_hash, i.wallet_id, i.from_address, " \
	"i.amount, i.token_address, i.chain, i.network, i.status, " \
	"i.block_number, i.detected_at, i.confirmed_at, i.suspicious, " \
	"w.name"

static json_t *
col_text(sqlite3_stmt *st, int i)
{
	const char	*s = (const char *)sqlite3_column_text(st, i);

	return s != NULL ? json_string(s) : json_null();
}

static json_t *
col_int(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null() :
	    json_integer((json_int_t)sqlite3_column_int64(st, i));
}

/* An item of the reference's IncomingTxItem (admin: its admin shape). */
static json_t *
inc_row(sqlite3_stmt *st, int admin)
{
	const struct network	*n;
	const char		*tok;
	char			 caip[NET_CAIP2_MAX], asset[NET_ASSET_ID_MAX];
	json_t			*o;

	o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:o, s:b}", "id", col_text(st, 0), "txHash",
	    col_text(st, 1), "walletId", col_text(st, 2), "fromAddress",
	    col_text(st, 3), "amount", col_text(st, 4), "tokenAddress",
	    col_text(st, 5), "chain", col_text(st, 6), "network",
	    col_text(st, 7), "status", col_text(st, 8), "blockNumber",
	    col_int(st, 9), "detectedAt", col_int(st, 10), "confirmedAt",
	    col_int(st, 11), "suspicious", sqlite3_column_int(st, 12));
	if (o == NULL)
		fatalx("json_pack");
	if (admin) {
		json_object_set_new(o, "walletName", col_text(st, 13));
		return o;
	}
	n = net_find((const char *)sqlite3_column_text(st, 7));
	tok = (const char *)sqlite3_column_text(st, 5);
	if (n != NULL && net_caip2(n, caip, sizeof(caip)) == 0)
		json_object_set_new(o, "chainId", json_string(caip));
	if (n != NULL && net_asset_id(n, tok, asset, sizeof(asset)) == 0)
		json_object_set_new(o, "assetId", json_string(asset));
	return o;
}

/* The filters the three routes share; 0, or -1 after answering. */
struct inc_filter {
	char		 wallet[KS_ID_LEN + 1];
	char		 chain[16];
	char		 net[NET_QUERY_MAX + 1];
	const char	*netname;
	char		 status[16];
	char		 token[CHAIN_ADDR_MAX + 1];
	char		 from[CHAIN_ADDR_MAX + 1];
	char		 susp[8];
	long long	 since, until;
	int		 has_wallet, has_chain, has_status, has_token,
			 has_from, has_susp;
};

static int
inc_filter(struct pd_ctx *c, struct inc_filter *f)
{
	const char		*q = c->req->query;
	const struct network	*n;

	memset(f, 0, sizeof(*f));
	f->since = f->until = -1;
	f->has_wallet = pd_query_str(q, "wallet_id", f->wallet,
	    sizeof(f->wallet)) != NULL;
	f->has_chain = pd_query_str(q, "chain", f->chain,
	    sizeof(f->chain)) != NULL;
	f->has_status = pd_query_str(q, "status", f->status,
	    sizeof(f->status)) != NULL;
	if (c->route != R_ADMIN_INCOMING) {
		f->has_token = pd_query_str(q, "token", f->token,
		    sizeof(f->token)) != NULL;
		f->has_from = pd_query_str(q, "from_address", f->from,
		    sizeof(f->from)) != NULL;
		if (pd_query_str(q, "network", f->net, sizeof(f->net)) !=
		    NULL) {
			if ((n = net_lookup(f->net)) == NULL) {
				pd_fail_issue(c->peerid, "network",
				    "a network this daemon knows");
				return -1;
			}
			f->netname = n->name;
		}
		if (pd_query_int(c, "since", &f->since) == -1 ||
		    pd_query_int(c, "until", &f->until) == -1)
			return -1;
	} else
		f->has_susp = pd_query_str(q, "suspicious", f->susp,
		    sizeof(f->susp)) != NULL;
	if (f->has_wallet && !pd_can_see(c, f->wallet)) {
		pd_fail(c->peerid, 403, "WALLET_ACCESS_DENIED", "this session "
		    "has no access to that wallet", 0);
		return -1;
	}
	/* The reference lists confirmed ones unless asked otherwise. */
	if (!f->has_status && c->route == R_INCOMING_LIST) {
		strlcpy(f->status, "CONFIRMED", sizeof(f->status));
		f->has_status = 1;
	}
	return 0;
}

#define INC_WHERE	"WHERE (?1 IS NULL OR i.wallet_id IN (SELECT " \
	"wallet_id FROM session_wallets WHERE session_id = ?1)) AND " \
	"(?2 IS NULL OR i.wallet_id = ?2) AND (?3 IS NULL OR i.chain = ?3) " \
	"AND (?4 IS NULL OR i.network = ?4) AND (?5 IS NULL OR i.status = " \
	"?5) AND (?6 IS NULL OR (CASE WHEN ?6 = 'native' THEN " \
	"i.token_address IS NULL ELSE i.token_address = ?6 OR (i.chain = " \
	"'ethereum' AND lower(i.token_address) = lower(?6)) END)) AND " \
	"(?7 IS NULL OR i.from_address = ?7 OR (i.chain = 'ethereum' AND " \
	"lower(i.from_address) = lower(?7))) AND (?8 < 0 OR " \
	"i.detected_at >= ?8) AND (?9 < 0 OR i.detected_at <= ?9) AND " \
	"(?10 IS NULL OR i.suspicious = (?10 = 'true')) "

static void
inc_bind(sqlite3_stmt *st, const struct pd_ctx *c,
    const struct inc_filter *f)
{
#define BT(i, cond, v) \
	if (cond) sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC)
	BT(1, c->auth == CRED_SESSION, c->session);
	BT(2, f->has_wallet, f->wallet);
	BT(3, f->has_chain, f->chain);
	BT(4, f->netname != NULL, f->netname);
	BT(5, f->has_status, f->status);
	BT(6, f->has_token, f->token);
	BT(7, f->has_from, f->from);
	sqlite3_bind_int64(st, 8, f->since);
	sqlite3_bind_int64(st, 9, f->until);
	BT(10, f->has_susp, f->susp);
#undef BT
}

/* GET /v1/wallet/incoming: newest first, a cursor (the last id). */
void
incoming_list(struct pd_ctx *c)
{
	struct inc_filter	 f;
	sqlite3_stmt		*st;
	json_t			*items;
	char			 cursor[UUID_STR_LEN];
	long long		 limit, n = 0;
	int			 more = 0;

	if (inc_filter(c, &f) == -1 || pd_query_int(c, "limit", &limit) == -1)
		return;
	st = store_prepare("SELECT " INC_COLS " FROM incoming_tx i JOIN "
	    "wallets w ON w.id = i.wallet_id " INC_WHERE "AND (?11 IS NULL "
	    "OR i.id < ?11) ORDER BY i.id DESC LIMIT ?12");
	inc_bind(st, c, &f);
	sqlite3_bind_text(st, 11, pd_query_str(c->req->query, "cursor",
	    cursor, sizeof(cursor)), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 12, limit + 1);
	if ((items = json_array()) == NULL)
		fatalx("json_array");
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n++ == limit) {
			more = 1;
			break;
		}
		json_array_append_new(items, inc_row(st, 0));
	}
	sqlite3_finalize(st);
	pd_reply_json(c->peerid, 200, json_pack("{s:o, s:o, s:b}", "data",
	    items, "nextCursor", more ? json_copy(json_object_get(
	    json_array_get(items, json_array_size(items) - 1), "id")) :
	    json_null(), "hasMore", more));
}

/* GET /v1/admin/incoming: every wallet's, offset and limit, a total. */
void
incoming_admin_list(struct pd_ctx *c)
{
	struct inc_filter	 f;
	sqlite3_stmt		*st;
	json_t			*items;
	long long		 limit, offset, total = 0;

	if (inc_filter(c, &f) == -1 || pd_query_int(c, "limit", &limit) ==
	    -1 || pd_query_int(c, "offset", &offset) == -1)
		return;
	st = store_prepare("SELECT count(*) FROM incoming_tx i " INC_WHERE);
	inc_bind(st, c, &f);
	if (sqlite3_step(st) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = store_prepare("SELECT " INC_COLS " FROM incoming_tx i JOIN "
	    "wallets w ON w.id = i.wallet_id " INC_WHERE "ORDER BY i.id DESC "
	    "LIMIT ?11 OFFSET ?12");
	inc_bind(st, c, &f);
	sqlite3_bind_int64(st, 11, limit);
	sqlite3_bind_int64(st, 12, offset);
	if ((items = json_array()) == NULL)
		fatalx("json_array");
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(items, inc_row(st, 1));
	sqlite3_finalize(st);
	pd_reply_json(c->peerid, 200, json_pack("{s:o, s:I, s:I, s:I}",
	    "items", items, "total", (json_int_t)total, "offset",
	    (json_int_t)offset, "limit", (json_int_t)limit));
}

/* acc += s, both decimal strings of at most 79 digits; -1 on overflow. */
static int
dec_add(char acc[INCOMING_AMOUNT_MAX + 2], const char *s)
{
	char	 out[INCOMING_AMOUNT_MAX + 2];
	size_t	 la = strlen(acc), ls = strlen(s), i, n;
	int	 carry = 0, d;

	n = (la > ls ? la : ls) + 1;
	if (n >= sizeof(out))
		return -1;
	out[n] = '\0';
	for (i = 0; i < n; i++) {
		d = carry;
		if (i < la)
			d += acc[la - 1 - i] - '0';
		if (i < ls)
			d += s[ls - 1 - i] - '0';
		out[n - 1 - i] = (char)('0' + d % 10);
		carry = d / 10;
	}
	for (i = 0; out[i] == '0' && out[i + 1] != '\0'; i++)
		;
	strlcpy(acc, out + i, INCOMING_AMOUNT_MAX + 2);
	return 0;
}

/*
 * GET /v1/wallet/incoming/summary: per day (UTC), week (from Monday) or
 * month, newest first: how many transfers, the sum of the native coin's
 * amounts (smallest unit; tokens are counted, not summed: their units
 * differ), how many were marked suspicious.  No USD figure (null).
 */
void
incoming_summary(struct pd_ctx *c)
{
	struct inc_filter	 f;
	sqlite3_stmt		*st;
	json_t			*entries, *e = NULL;
	char			 period[16], cur[16] = "";
	char			 sum[INCOMING_AMOUNT_MAX + 2] = "0";
	const char		*key, *amt, *expr;
	long long		 count = 0, susp = 0;
	char			 sql[1536];

	if (inc_filter(c, &f) == -1)
		return;
	if (pd_query_str(c->req->query, "period", period, sizeof(period)) ==
	    NULL)
		strlcpy(period, "daily", sizeof(period));
	expr = strcmp(period, "monthly") == 0 ?
	    "strftime('%Y-%m', i.detected_at, 'unixepoch')" :
	    strcmp(period, "weekly") == 0 ? "date(i.detected_at, "
	    "'unixepoch', 'weekday 0', '-6 days')" :
	    "date(i.detected_at, 'unixepoch')";
	snprintf(sql, sizeof(sql), "SELECT %s AS k, i.amount, "
	    "i.token_address IS NULL, i.suspicious FROM incoming_tx i "
	    INC_WHERE "ORDER BY k DESC", expr);
	st = store_prepare(sql);
	inc_bind(st, c, &f);
	if ((entries = json_array()) == NULL)
		fatalx("json_array");
	for (;;) {
		int	row = sqlite3_step(st) == SQLITE_ROW;

		key = row ? (const char *)sqlite3_column_text(st, 0) : NULL;
		if (count > 0 && (!row || key == NULL ||
		    strcmp(key, cur) != 0)) {
			e = json_pack("{s:s, s:I, s:s, s:n, s:I}", "date", cur,
			    "totalCount", (json_int_t)count,
			    "totalAmountNative", sum, "totalAmountUsd",
			    "suspiciousCount", (json_int_t)susp);
			if (e == NULL)
				fatalx("json_pack");
			json_array_append_new(entries, e);
			count = susp = 0;
			strlcpy(sum, "0", sizeof(sum));
		}
		if (!row)
			break;
		if (key == NULL)
			continue;
		strlcpy(cur, key, sizeof(cur));
		count++;
		susp += sqlite3_column_int(st, 3);
		amt = (const char *)sqlite3_column_text(st, 1);
		if (sqlite3_column_int(st, 2) && amt != NULL &&
		    dec_add(sum, amt) == -1)
			log_warnx("incoming summary: a sum overflows");
	}
	sqlite3_finalize(st);
	pd_reply_json(c->peerid, 200, json_pack("{s:s, s:o}", "period",
	    period, "entries", entries));
}
