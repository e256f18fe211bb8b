/*
 * What the operator watches (the routes behind /admin): the daemon's
 * status and counts, every wallet's transactions, the notification
 * channels and their log.  All of it read from policyd's own database
 * in one go per request; nothing here writes (the operator's cancel and
 * reject are the queue's own code, policyd_queue.c; the backup list is
 * the parent's and policyd_admin.c's).
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "policyd.h"
#include "routes.h"
#include "tx.h"
#include "version.h"

/*
 * How long the admin page keeps the master password in an idle tab
 * before asking again, in seconds: the reference's default.  The
 * daemon keeps no admin session; the page reads this.
 */
#define ADMIN_TIMEOUT		900
#define RECENT_SECONDS		86400	/* "recent": the last 24 hours */
#define STATUS_RECENT_ROWS	5

/* One integer an SQL statement answers, its ?1 bound to a if not -1. */
static long long
count1(const char *sql, long long a)
{
	sqlite3_stmt	*st;
	long long	 n = 0;

	st = store_prepare(sql);
	if (a != -1)
		sqlite3_bind_int64(st, 1, a);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	return n;
}

static json_t *
coltext(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null() :
	    json_string((const char *)sqlite3_column_text(st, i));
}

static json_t *
colreal(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null() :
	    json_real(sqlite3_column_double(st, i));
}

/* Stored as PENDING while the pipeline has it: shown as EXECUTING, as
 * GET /v1/transactions/{id} shows it. */
static const char *
shown_status(const char *id, const char *status)
{
	if (strcmp(status, "PENDING") == 0 && job_find(id) != NULL)
		return "EXECUTING";
	return status;
}

/*
 * The columns of an admin row, the wallet's name beside them: what
 * GET /v1/admin/status and GET /v1/admin/transactions show.
 */
#define ADMIN_TX_COLS	"t.id, t.wallet_id, w.name, t.type, t.status, " \
	"t.tier, t.to_address, t.amount, t.reserved_usd, t.network, " \
	"t.tx_hash, t.chain, t.created_at"
#define ADMIN_TX_FROM	" FROM transactions t LEFT JOIN wallets w ON " \
	"w.id = t.wallet_id"

static json_t *
admin_tx_row(sqlite3_stmt *st)
{
	const char	*id = (const char *)sqlite3_column_text(st, 0);
	json_t		*j;

	j = json_pack("{s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:s, s:I, s:n, s:n}",
	    "id", id,
	    "walletId", sqlite3_column_text(st, 1),
	    "walletName", coltext(st, 2),
	    "type", sqlite3_column_text(st, 3),
	    "status", shown_status(id, (const char *)sqlite3_column_text(st,
	    4)),
	    "tier", coltext(st, 5),
	    "toAddress", coltext(st, 6),
	    "amount", coltext(st, 7),
	    "amountUsd", colreal(st, 8),
	    "network", coltext(st, 9),
	    "txHash", coltext(st, 10),
	    "chain", sqlite3_column_text(st, 11),
	    "createdAt", (json_int_t)sqlite3_column_int64(st, 12),
	    "contractName", "contractNameSource");
	if (j == NULL)
		fatalx("json_pack admin transaction");
	return j;
}

/* GET /v1/admin/status */
void
admin_status(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	json_t		*recent, *t;
	long long	 since = c->now - RECENT_SECONDS;

	if ((recent = json_array()) == NULL)
		fatalx("json_array");
	st = store_prepare("SELECT " ADMIN_TX_COLS ADMIN_TX_FROM " ORDER BY "
	    "t.id DESC LIMIT ?1");
	sqlite3_bind_int(st, 1, STATUS_RECENT_ROWS);
	while (sqlite3_step(st) == SQLITE_ROW) {
		t = admin_tx_row(st);
		/* the reference's shape here: no tier or chain, and the
		 * amount not formatted (its decimals are the token's) */
		json_object_del(t, "tier");
		json_object_del(t, "chain");
		json_object_del(t, "contractName");
		json_object_del(t, "contractNameSource");
		json_object_set_new(t, "formattedAmount", json_null());
		json_array_append_new(recent, t);
	}
	sqlite3_finalize(st);
	t = json_pack("{s:s, s:s, s:n, s:b, s:I, s:I, s:I, s:s, s:i, s:I, "
	    "s:I, s:I, s:I, s:b, s:o}",
	    "status", "running",
	    "version", WAIAAS_VERSION,
	    /* policyd opens no socket: no release feed is asked */
	    "latestVersion",
	    "updateAvailable", 0,
	    "uptime", (json_int_t)(c->now - pd.p->cfg.start_time),
	    "walletCount", (json_int_t)count1("SELECT count(*) FROM wallets "
	    "WHERE status != 'TERMINATED'", -1),
	    "activeSessionCount", (json_int_t)count1("SELECT count(*) FROM "
	    "sessions WHERE revoked_at IS NULL AND expires_at > ?1 AND "
	    "absolute_expires_at > ?1", c->now),
	    "killSwitchState", pd.killed ? "SUSPENDED" : "ACTIVE",
	    "adminTimeout", ADMIN_TIMEOUT,
	    "timestamp", (json_int_t)c->now,
	    "policyCount", (json_int_t)count1("SELECT count(*) FROM "
	    "policies", -1),
	    "recentTxCount", (json_int_t)count1("SELECT count(*) FROM "
	    "transactions WHERE created_at > ?1", since),
	    "failedTxCount", (json_int_t)count1("SELECT count(*) FROM "
	    "transactions WHERE created_at > ?1 AND status = 'FAILED'", since),
	    "autoProvisioned", (pd.p->cfg.flags & CTL_F_AUTOPROV) != 0,
	    "recentTransactions", recent);
	if (t == NULL)
		fatalx("json_pack admin status");
	pd_reply_json(c->peerid, 200, t);
}

/*
 * {name: count} from a "SELECT name, count(*) ... GROUP BY 1" (its ?1
 * bound to a if not -1), every name of the '|'-separated known set
 * present, at 0 when no row has it.  A NULL name is not counted.
 */
static json_t *
count_by(const char *sql, long long a, const char *known)
{
	sqlite3_stmt	*st;
	json_t		*o;
	const char	*e;
	char		 name[32];

	if ((o = json_object()) == NULL)
		fatalx("json_object");
	for (; *known != '\0'; known = *e != '\0' ? e + 1 : e) {
		if ((e = strchr(known, '|')) == NULL)
			e = known + strlen(known);
		if ((size_t)(e - known) >= sizeof(name))
			fatalx("count_by: name too long");
		memcpy(name, known, (size_t)(e - known));
		name[e - known] = '\0';
		json_object_set_new(o, name, json_integer(0));
	}
	st = store_prepare(sql);
	if (a != -1)
		sqlite3_bind_int64(st, 1, a);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			json_object_set_new(o, (const char *)
			    sqlite3_column_text(st, 0), json_integer(
			    sqlite3_column_int64(st, 1)));
	sqlite3_finalize(st);
	return o;
}

/* Per channel: deliveries delivered, given up (failed), still pending. */
static json_t *
admin_channel_counts(void)
{
	sqlite3_stmt	*st;
	json_t		*o;

	if ((o = json_object()) == NULL)
		fatalx("json_object");
	st = store_prepare("SELECT channel, count(delivered_at), "
	    "count(failed_at), sum(delivered_at IS NULL AND failed_at IS "
	    "NULL) FROM deliveries GROUP BY 1");
	while (sqlite3_step(st) == SQLITE_ROW)
		json_object_set_new(o, (const char *)sqlite3_column_text(st, 0),
		    json_pack("{s:I, s:I, s:I}", "delivered", (json_int_t)
		    sqlite3_column_int64(st, 1), "failed", (json_int_t)
		    sqlite3_column_int64(st, 2), "pending", (json_int_t)
		    sqlite3_column_int64(st, 3)));
	sqlite3_finalize(st);
	return o;
}

#define ST_NAMES	"PENDING|QUEUED|EXECUTING|SUBMITTED|CONFIRMED|FAILED|" \
	"CANCELLED|EXPIRED|SIGNED"
#define PT_NAME(t)	#t "|"

/*
 * GET /v1/admin/stats: counts in seven groups (the reference documents
 * no shape; ours is in /doc).  Statuses as stored: a transaction the
 * pipeline is preparing counts as PENDING here.
 */
void
admin_stats(struct pd_ctx *c)
{
	json_t	*j;

	j = json_pack("{s:{s:I, s:o, s:o, s:o, s:I, s:I, s:{s:I, s:I}}, "
	    "s:{s:I, s:o, s:o, s:I}, s:{s:I, s:I, s:I, s:I}, "
	    "s:{s:I, s:I, s:o}, s:{s:I, s:o}, s:{s:s}, "
	    "s:{s:s, s:I, s:i, s:I}}",
	    "transactions",
	    "total", (json_int_t)count1("SELECT count(*) FROM transactions",
	    -1),
	    "byStatus", count_by("SELECT status, count(*) FROM transactions "
	    "GROUP BY 1", -1, ST_NAMES),
	    "byTier", count_by("SELECT tier, count(*) FROM transactions "
	    "GROUP BY 1", -1, "INSTANT|NOTIFY|DELAY|APPROVAL"),
	    "byType", count_by("SELECT type, count(*) FROM transactions "
	    "GROUP BY 1", -1, "TRANSFER|TOKEN_TRANSFER|CONTRACT_CALL|"
	    "APPROVE|NFT_TRANSFER|CONTRACT_DEPLOY|SIGN_MESSAGE"),
	    "last24h", (json_int_t)count1("SELECT count(*) FROM transactions "
	    "WHERE created_at > ?1", c->now - RECENT_SECONDS),
	    "last7d", (json_int_t)count1("SELECT count(*) FROM transactions "
	    "WHERE created_at > ?1", c->now - 7 * RECENT_SECONDS),
	    "waiting",
	    "delay", (json_int_t)count1("SELECT count(*) FROM transactions "
	    "WHERE status = 'QUEUED' AND tier = 'DELAY'", -1),
	    "approval", (json_int_t)count1("SELECT count(*) FROM "
	    "transactions WHERE status = 'QUEUED' AND tier = 'APPROVAL'", -1),

	    "wallets",
	    "total", (json_int_t)count1("SELECT count(*) FROM wallets", -1),
	    "byStatus", count_by("SELECT status, count(*) FROM wallets GROUP "
	    "BY 1", -1, "ACTIVE|SUSPENDED|TERMINATED"),
	    "byChain", count_by("SELECT chain, count(*) FROM wallets WHERE "
	    "status != 'TERMINATED' GROUP BY 1", -1, "ethereum|solana"),
	    "withOwner", (json_int_t)count1("SELECT count(*) FROM wallets "
	    "WHERE status != 'TERMINATED' AND owner_address IS NOT NULL", -1),

	    "sessions",
	    "total", (json_int_t)count1("SELECT count(*) FROM sessions", -1),
	    "active", (json_int_t)count1("SELECT count(*) FROM sessions WHERE "
	    "revoked_at IS NULL AND expires_at > ?1 AND absolute_expires_at > "
	    "?1", c->now),
	    "revoked", (json_int_t)count1("SELECT count(*) FROM sessions "
	    "WHERE revoked_at IS NOT NULL", -1),
	    "expired", (json_int_t)count1("SELECT count(*) FROM sessions WHERE "
	    "revoked_at IS NULL AND (expires_at <= ?1 OR absolute_expires_at "
	    "<= ?1)", c->now),

	    "notifications",
	    "events", (json_int_t)count1("SELECT count(*) FROM outbox", -1),
	    "undelivered", (json_int_t)count1("SELECT count(*) FROM "
	    "deliveries WHERE delivered_at IS NULL AND failed_at IS NULL", -1),
	    "byChannel", admin_channel_counts(),

	    "policies",
	    "total", (json_int_t)count1("SELECT count(*) FROM policies", -1),
	    "byType", count_by("SELECT type, count(*) FROM policies GROUP BY "
	    "1", -1, POLICY_TYPES(PT_NAME)),

	    "killSwitch",
	    "state", pd.killed ? "SUSPENDED" : "ACTIVE",

	    "system",
	    "version", WAIAAS_VERSION,
	    "uptime", (json_int_t)(c->now - pd.p->cfg.start_time),
	    "schemaVersion", store_schema_version(),
	    "timestamp", (json_int_t)c->now);
	if (j == NULL)
		fatalx("json_pack admin stats");
	pd_reply_json(c->peerid, 200, j);
}

/*
 * The filters of GET /v1/admin/transactions, each ?n NULL when not
 * given.  search: part of the id, the recipient, the hash or the
 * wallet's name, any case (instr, so no character is a wildcard).
 */
#define ADMIN_TX_WHERE	" WHERE (?1 IS NULL OR t.wallet_id = ?1) AND " \
	"(?2 IS NULL OR t.type = ?2) AND (?3 IS NULL OR t.status = ?3) AND " \
	"(?4 IS NULL OR t.network = ?4) AND (?5 IS NULL OR t.created_at >= " \
	"?5) AND (?6 IS NULL OR t.created_at <= ?6) AND (?7 IS NULL OR " \
	"instr(lower(t.id), lower(?7)) > 0 OR instr(lower(coalesce(" \
	"t.to_address, '')), lower(?7)) > 0 OR instr(lower(coalesce(" \
	"t.tx_hash, '')), lower(?7)) > 0 OR instr(lower(coalesce(w.name, " \
	"'')), lower(?7)) > 0)"

struct admin_tx_filter {
	char		 wallet[KS_ID_LEN + 1];
	char		 type[16];
	char		 status[16];
	char		 network[NET_QUERY_MAX + 1];
	char		 search[101];
	const char	*w, *ty, *st, *net, *q;
	long long	 since, until;
};

static void
filter_bind(sqlite3_stmt *st, const struct admin_tx_filter *f)
{
	sqlite3_bind_text(st, 1, f->w, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->ty, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->st, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->net, -1, SQLITE_STATIC);
	if (f->since >= 0)
		sqlite3_bind_int64(st, 5, f->since);
	if (f->until >= 0)
		sqlite3_bind_int64(st, 6, f->until);
	sqlite3_bind_text(st, 7, f->q, -1, SQLITE_STATIC);
}

/*
 * GET /v1/admin/transactions: every wallet's, newest first, a page.
 * GET /v1/admin/wallets/{id}/transactions: one wallet's, the same way.
 */
void
admin_tx_list(struct pd_ctx *c)
{
	struct admin_tx_filter		 f;
	const struct network		*n;
	sqlite3_stmt			*st;
	json_t				*items, *t, *w;
	const char			*q = c->req->query;
	long long			 offset, limit, total;

	memset(&f, 0, sizeof(f));
	f.since = f.until = -1;
	if (pd_query_int(c, "offset", &offset) == -1 ||
	    pd_query_int(c, "limit", &limit) == -1 ||
	    (c->route == R_ADMIN_TX_LIST &&
	    (pd_query_int(c, "since", &f.since) == -1 ||
	    pd_query_int(c, "until", &f.until) == -1)))
		return;
	if (c->route == R_ADMIN_WALLET_TX) {
		/* one wallet's, any status: the path names it */
		if ((w = pd_path_wallet(c)) == NULL)
			return;
		json_decref(w);
		f.w = c->req->param;
	} else
		f.w = pd_query_str(q, "wallet_id", f.wallet,
		    sizeof(f.wallet));
	f.ty = pd_query_str(q, "type", f.type, sizeof(f.type));
	f.st = pd_query_str(q, "status", f.status, sizeof(f.status));
	f.q = pd_query_str(q, "search", f.search, sizeof(f.search));
	/* A name or a CAIP-2 id; one this daemon does not know (any more)
	 * is matched as written. */
	if ((f.net = pd_query_str(q, "network", f.network,
	    sizeof(f.network))) != NULL && (n = net_lookup(f.net)) != NULL)
		f.net = n->name;
	st = store_prepare("SELECT count(*)" ADMIN_TX_FROM ADMIN_TX_WHERE);
	filter_bind(st, &f);
	if (sqlite3_step(st) != SQLITE_ROW)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if ((items = json_array()) == NULL)
		fatalx("json_array");
	st = store_prepare("SELECT " ADMIN_TX_COLS ADMIN_TX_FROM
	    ADMIN_TX_WHERE " ORDER BY t.created_at DESC, t.id DESC LIMIT ?8 "
	    "OFFSET ?9");
	filter_bind(st, &f);
	sqlite3_bind_int64(st, 8, limit);
	sqlite3_bind_int64(st, 9, offset);
	while (sqlite3_step(st) == SQLITE_ROW) {
		t = admin_tx_row(st);
		/* the amount in base units: formatted needs the token's
		 * decimals, which the row does not keep */
		if (c->route == R_ADMIN_WALLET_TX)
			json_object_set_new(t, "formattedAmount", json_null());
		json_array_append_new(items, t);
	}
	sqlite3_finalize(st);
	pd_reply_json(c->peerid, 200, json_pack("{s:o, s:I, s:I, s:I}",
	    "items", items, "total", (json_int_t)total, "offset",
	    (json_int_t)offset, "limit", (json_int_t)limit));
}

/*
 * GET /v1/admin/notifications/status: every channel this daemon has,
 * whether it is configured (its credentials stay with relay and the
 * parent: none is here to show), and its deliveries so far.
 */
void
admin_notify_status(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	json_t		*chans, *o;
	unsigned int	 on = notify_channels();
	int		 ch;

	if ((chans = json_array()) == NULL)
		fatalx("json_array");
	for (ch = 0; ch < NOTIFY_MAX; ch++) {
		o = json_pack("{s:s, s:b, s:i, s:i, s:i}", "name",
		    notify_channel_name(ch), "enabled", (on & (1U << ch)) != 0,
		    "delivered", 0, "failed", 0, "pending", 0);
		st = store_prepare("SELECT count(delivered_at), "
		    "count(failed_at), coalesce(sum(delivered_at IS NULL AND "
		    "failed_at IS NULL), 0) FROM deliveries WHERE channel = ?");
		sqlite3_bind_text(st, 1, notify_channel_name(ch), -1,
		    SQLITE_STATIC);
		if (o == NULL || sqlite3_step(st) != SQLITE_ROW)
			fatalx("notification status: %s", sqlite3_errmsg(
			    pd.db));
		json_object_set_new(o, "delivered", json_integer(
		    sqlite3_column_int64(st, 0)));
		json_object_set_new(o, "failed", json_integer(
		    sqlite3_column_int64(st, 1)));
		json_object_set_new(o, "pending", json_integer(
		    sqlite3_column_int64(st, 2)));
		sqlite3_finalize(st);
		json_array_append_new(chans, o);
	}
	pd_reply_json(c->peerid, 200, json_pack("{s:b, s:o}", "enabled",
	    on != 0, "channels", chans));
}

/*
 * The notification log: one row per event and channel (the outbox's
 * deliveries), newest first.  status: sent (delivered), failed (given
 * up), pending (not yet, or being retried: error says why).
 */
#define NLOG_STATUS	"(CASE WHEN d.delivered_at IS NOT NULL THEN 'sent' " \
	"WHEN d.failed_at IS NOT NULL THEN 'failed' ELSE 'pending' END)"
#define NLOG_FROM	" FROM deliveries d JOIN outbox o ON o.id = " \
	"d.outbox_id WHERE (?1 IS NULL OR d.channel = ?1) AND (?2 IS NULL " \
	"OR " NLOG_STATUS " = ?2) AND (?3 IS NULL OR o.type = ?3) AND (?4 " \
	"IS NULL OR d.created_at >= ?4) AND (?5 IS NULL OR d.created_at <= " \
	"?5)"

struct nlog_filter {
	char		 channel[16], status[16], type[65];
	const char	*ch, *st, *ty;
	long long	 since, until;
};

static void
nlog_bind(sqlite3_stmt *st, const struct nlog_filter *f)
{
	sqlite3_bind_text(st, 1, f->ch, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->st, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->ty, -1, SQLITE_STATIC);
	if (f->since >= 0)
		sqlite3_bind_int64(st, 4, f->since);
	if (f->until >= 0)
		sqlite3_bind_int64(st, 5, f->until);
}

/* GET /v1/admin/notifications/log */
void
admin_notify_log(struct pd_ctx *c)
{
	struct nlog_filter	 f;
	sqlite3_stmt		*st;
	json_t			*logs, *e;
	const char		*q = c->req->query;
	long long		 page, size, total;

	memset(&f, 0, sizeof(f));
	if (pd_query_int(c, "page", &page) == -1 ||
	    pd_query_int(c, "pageSize", &size) == -1 ||
	    pd_query_int(c, "since", &f.since) == -1 ||
	    pd_query_int(c, "until", &f.until) == -1)
		return;
	f.ch = pd_query_str(q, "channel", f.channel, sizeof(f.channel));
	f.st = pd_query_str(q, "status", f.status, sizeof(f.status));
	f.ty = pd_query_str(q, "eventType", f.type, sizeof(f.type));
	st = store_prepare("SELECT count(*)" NLOG_FROM);
	nlog_bind(st, &f);
	if (sqlite3_step(st) != SQLITE_ROW)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if ((logs = json_array()) == NULL)
		fatalx("json_array");
	/* page * size fits: page < 2^40, size <= 100 */
	st = store_prepare("SELECT d.id, o.type, json_extract(o.payload, "
	    "'$.walletId'), d.channel, " NLOG_STATUS ", d.last_error, "
	    "d.created_at, o.event_id, d.attempts, d.delivered_at"
	    NLOG_FROM " ORDER BY d.id DESC LIMIT ?6 OFFSET ?7");
	nlog_bind(st, &f);
	sqlite3_bind_int64(st, 6, size);
	sqlite3_bind_int64(st, 7, (page - 1) * size);
	while (sqlite3_step(st) == SQLITE_ROW) {
		e = json_pack("{s:s, s:s, s:o, s:s, s:s, s:o, s:n, s:I, s:s, "
		    "s:I, s:o}",
		    "id", sqlite3_column_text(st, 0),
		    "eventType", sqlite3_column_text(st, 1),
		    "walletId", coltext(st, 2),
		    "channel", sqlite3_column_text(st, 3),
		    "status", sqlite3_column_text(st, 4),
		    "error", coltext(st, 5),
		    "message",
		    "createdAt", (json_int_t)sqlite3_column_int64(st, 6),
		    "eventId", sqlite3_column_text(st, 7),
		    "attempts", (json_int_t)sqlite3_column_int64(st, 8),
		    "deliveredAt", sqlite3_column_type(st, 9) == SQLITE_NULL ?
		    json_null() : json_integer(sqlite3_column_int64(st, 9)));
		if (e == NULL)
			fatalx("json_pack notification log");
		json_array_append_new(logs, e);
	}
	sqlite3_finalize(st);
	pd_reply_json(c->peerid, 200, json_pack("{s:o, s:I, s:I, s:I}",
	    "logs", logs, "total", (json_int_t)total, "page",
	    (json_int_t)page, "pageSize", (json_int_t)size));
}
