/*
 * The SQLite store, owned by policyd alone: WAL mode, foreign keys on,
 * versioned migrations applied at start.  A database newer than this
 * binary is refused rather than guessed at.
 *
 * Group commit: once the event loop runs, the writes of one turn of it
 * share one SQLite transaction and one sync.  store_begin() opens that
 * transaction at the turn's first write (and asks for the commit at the
 * end of the turn), then a savepoint for the caller's unit of work;
 * store_commit() releases the savepoint, store_rollback() undoes that
 * unit alone.  Until the commit is on disk, the channels hold what
 * policyd sends (the hold callback): no answer, broadcast or
 * notification leaves before the rows that make it true are durable,
 * and the sync stays PRAGMA synchronous = FULL.  A commit that fails
 * is fatal: nothing held has left, so the restart finds the database
 * and the world agreeing, as after a crash before the commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "jsonw.h"
#include "log.h"
#include "policyd.h"
#include "util.h"

/*
 * A migration that adds types to transactions.type's CHECK: this, then
 * the quoted names, done in C (tx_type_add()).
 */
#define MIG_TX_TYPE	"-- transactions.type += "

static const char *const migrations[] = {
	/* 1: wallets */
	"CREATE TABLE wallets ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  chain TEXT NOT NULL CHECK (chain IN ('solana', 'ethereum')),"
	"  environment TEXT NOT NULL"
	"    CHECK (environment IN ('testnet', 'mainnet')),"
	"  network TEXT NOT NULL,"
	"  public_key TEXT NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'ACTIVE',"
	"  owner_address TEXT,"
	"  owner_state TEXT NOT NULL DEFAULT 'NONE',"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (chain, public_key)"
	");",
	/* 2: sessions, the audit trail, policyd's own secrets */
	"CREATE TABLE sessions ("
	"  id TEXT PRIMARY KEY,"
	"  token_hash BLOB NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  ttl INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  absolute_expires_at INTEGER NOT NULL,"
	"  max_renewals INTEGER NOT NULL,"
	"  renewal_count INTEGER NOT NULL DEFAULT 0,"
	"  revoked_at INTEGER"
	");"
	"CREATE TABLE session_wallets ("
	"  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
	"  wallet_id TEXT NOT NULL REFERENCES wallets(id),"
	"  PRIMARY KEY (session_id, wallet_id)"
	");"
	"CREATE INDEX session_wallets_wallet ON session_wallets(wallet_id);"
	"CREATE TABLE audit_log ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  ts INTEGER NOT NULL,"
	"  event TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  target TEXT,"
	"  details TEXT NOT NULL,"
	"  prev_hash TEXT NOT NULL,"
	"  hash TEXT NOT NULL"
	");"
	"CREATE TABLE secrets ("
	"  name TEXT PRIMARY KEY,"
	"  value BLOB NOT NULL"
	");",
	/* 3: ownerAuth nonces, policies */
	"CREATE TABLE nonces ("
	"  nonce TEXT PRIMARY KEY,"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  action TEXT,"			/* bound at issue, or NULL */
	"  used_at INTEGER"
	");"
	"CREATE TABLE policies ("
	"  id TEXT PRIMARY KEY,"
	"  wallet_id TEXT REFERENCES wallets(id),"	/* NULL: global */
	"  type TEXT NOT NULL,"
	"  rules TEXT NOT NULL,"			/* canonical JSON */
	"  priority INTEGER NOT NULL DEFAULT 0,"
	"  enabled INTEGER NOT NULL DEFAULT 1,"
	"  network TEXT,"				/* NULL: any */
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");"
	"CREATE INDEX policies_wallet ON policies(wallet_id);",
	/* 4: transactions and the notification outbox */
	"CREATE TABLE transactions ("
	"  id TEXT PRIMARY KEY,"
	"  wallet_id TEXT NOT NULL REFERENCES wallets(id),"
	"  session_id TEXT REFERENCES sessions(id),"
	"  type TEXT NOT NULL CHECK (type IN ('TRANSFER', 'TOKEN_TRANSFER',"
	"    'CONTRACT_CALL', 'APPROVE', 'SIGN_MESSAGE')),"
	"  status TEXT NOT NULL CHECK (status IN ('PENDING', 'QUEUED',"
	"    'EXECUTING', 'SUBMITTED', 'CONFIRMED', 'FAILED', 'CANCELLED',"
	"    'EXPIRED', 'SIGNED')),"
	"  tier TEXT CHECK (tier IN ('INSTANT', 'NOTIFY', 'DELAY',"
	"    'APPROVAL')),"
	"  chain TEXT NOT NULL,"
	"  network TEXT NOT NULL,"
	"  to_address TEXT,"
	"  amount TEXT,"				/* smallest unit */
	"  token TEXT,"				/* JSON, or NULL */
	"  request TEXT NOT NULL,"		/* canonical JSON */
	"  reserved_usd REAL,"			/* counted in limits */
	"  tx_hash TEXT,"
	"  error TEXT,"
	"  execute_after INTEGER,"		/* DELAY */
	"  expires_at INTEGER,"		/* APPROVAL */
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");"
	"CREATE INDEX transactions_wallet ON transactions(wallet_id, "
	"  created_at);"
	"CREATE INDEX transactions_status ON transactions(status);"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  event_id TEXT NOT NULL UNIQUE,"	/* receivers deduplicate */
	"  type TEXT NOT NULL,"
	"  payload TEXT NOT NULL,"		/* JSON */
	"  created_at INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL,"
	"  delivered_at INTEGER"
	");"
	"CREATE INDEX outbox_due ON outbox(delivered_at, next_attempt_at);",
	/* 5: what execution needs to resume after a restart */
	"ALTER TABLE transactions ADD COLUMN nonce INTEGER;"	/* EVM */
	"ALTER TABLE transactions ADD COLUMN raw BLOB;"	/* signed tx */
	"ALTER TABLE transactions ADD COLUMN sig_hash TEXT;"	/* its hash */
	"ALTER TABLE transactions ADD COLUMN last_valid_height INTEGER;"
	"ALTER TABLE transactions ADD COLUMN attempts INTEGER NOT NULL "
	"  DEFAULT 0;"
	"ALTER TABLE transactions ADD COLUMN error_code TEXT;"
	"ALTER TABLE transactions ADD COLUMN retryable INTEGER NOT NULL "
	"  DEFAULT 0;"
	"CREATE INDEX transactions_nonce ON transactions(wallet_id, network, "
	"  nonce) WHERE nonce IS NOT NULL;",
	/* 6: the kill switch, one row */
	"CREATE TABLE kill_switch ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  active INTEGER NOT NULL,"
	"  actor TEXT,"
	"  changed_at INTEGER"
	");"
	"INSERT INTO kill_switch (id, active) VALUES (1, 0);",
	/* 7: the tiers: what an approval binds, what a message signed */
	"ALTER TABLE transactions ADD COLUMN fee_cap INTEGER;"	/* gwei */
	"ALTER TABLE transactions ADD COLUMN signature TEXT;"	/* message */
	"ALTER TABLE transactions ADD COLUMN decided_by TEXT;"	/* owner */
	"CREATE INDEX transactions_spend ON transactions(wallet_id, "
	"  created_at, status, reserved_usd);",
	/*
	 * 8: per wallet and hour, the transactions requested and the USD
	 * they count (micro-dollars, so sums are exact), kept by triggers
	 * in the commit of every row and every status change: a 30-day
	 * window reads 720 rows, not every transaction of a busy wallet.
	 * Rows of transactions are never deleted and never change wallet
	 * or created_at; if that changes, these triggers must follow.
	 */
	"CREATE TABLE spend_hours ("
	"  wallet_id TEXT NOT NULL,"
	"  hour INTEGER NOT NULL,"		/* created_at / 3600 */
	"  requests INTEGER NOT NULL,"
	"  usd_micro INTEGER NOT NULL,"
	"  PRIMARY KEY (wallet_id, hour)"
	") WITHOUT ROWID;"
	"INSERT INTO spend_hours SELECT wallet_id, created_at / 3600, "
	"  count(*), sum(" SPEND_MICRO("") ") FROM transactions "
	"  GROUP BY 1, 2;"
	"CREATE TRIGGER spend_hours_insert AFTER INSERT ON transactions "
	"BEGIN"
	"  INSERT INTO spend_hours VALUES (NEW.wallet_id, NEW.created_at / "
	"    3600, 1, " SPEND_MICRO("NEW.") ")"
	"  ON CONFLICT (wallet_id, hour) DO UPDATE SET requests = "
	"    requests + 1, usd_micro = usd_micro + excluded.usd_micro;"
	"END;"
	"CREATE TRIGGER spend_hours_update AFTER UPDATE OF status, "
	"  reserved_usd ON transactions WHEN " SPEND_MICRO("OLD.")
	"  IS NOT " SPEND_MICRO("NEW.") " "
	"BEGIN"
	"  UPDATE spend_hours SET usd_micro = usd_micro - "
	"    " SPEND_MICRO("OLD.") " + " SPEND_MICRO("NEW.")
	"    WHERE wallet_id = NEW.wallet_id AND hour = NEW.created_at / "
	"    3600;"
	"END;",
	/*
	 * 9: the outbox per channel: one row per event and configured
	 * channel, written with the event; next_attempt_at in ms.
	 */
	"CREATE TABLE deliveries ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  outbox_id INTEGER NOT NULL REFERENCES outbox(id),"
	"  channel TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"	/* the event's, s */
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL,"	/* ms */
	"  delivered_at INTEGER,"
	"  failed_at INTEGER,"			/* given up */
	"  last_error TEXT,"
	"  UNIQUE (outbox_id, channel)"
	");"
	"CREATE INDEX deliveries_due ON deliveries(channel, next_attempt_at) "
	"  WHERE delivered_at IS NULL AND failed_at IS NULL;"
	/* the outbox's own delivery state of schema 4: now per channel */
	"DROP INDEX outbox_due;"
	"ALTER TABLE outbox DROP COLUMN attempts;"
	"ALTER TABLE outbox DROP COLUMN next_attempt_at;"
	"ALTER TABLE outbox DROP COLUMN delivered_at;",
	/*
	 * ownerAuth nonces are no longer stored when issued (they are
	 * MAC'd, policyd_owner.c); only a spent one is, until it expires,
	 * under the first 16 bytes of the nonce and its owner's wallet.
	 */
	"DROP TABLE nonces;"
	"CREATE TABLE spent_nonces ("
	"  nonce BLOB PRIMARY KEY,"
	"  wallet_id TEXT NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  used_at INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX spent_nonces_wallet ON spent_nonces(wallet_id, "
	"  expires_at);"
	"CREATE INDEX spent_nonces_expiry ON spent_nonces(expires_at);",
	/*
	 * masterAuth's lockout, so a restart forgets nothing: the lock's
	 * end and the failures of the current window (a JSON array of
	 * times), one row written with the failure's audit entry.
	 */
	"CREATE TABLE master_lock ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  locked_until INTEGER NOT NULL,"
	"  failures TEXT NOT NULL"
	");",
	/*
	 * Idempotency-Key: per credential ("master" or a session id) and
	 * key (its sha256), the request (sha256 of its canonical body),
	 * what it created and its answer (no token in it); 24 h.
	 */
	"CREATE TABLE idempotency ("
	"  cred TEXT NOT NULL,"
	"  key_hash BLOB NOT NULL,"
	"  route INTEGER NOT NULL,"
	"  body_hash BLOB NOT NULL,"
	"  ref TEXT NOT NULL,"
	"  status INTEGER NOT NULL,"
	"  answer TEXT,"			/* NULL: not known yet */
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (cred, key_hash)"
	");"
	"CREATE INDEX idempotency_age ON idempotency(created_at);"
	"CREATE INDEX idempotency_cred ON idempotency(cred, created_at);",
	/*
	 * What the reference's wallet and session bodies carry: when a
	 * wallet last changed (NULL for one migrated: not known), how its
	 * owner approves, when a session was last renewed and through
	 * what it was made (every session so far: the REST API).
	 */
	"ALTER TABLE wallets ADD COLUMN updated_at INTEGER;"
	"ALTER TABLE wallets ADD COLUMN approval_method TEXT"
	"  CHECK (approval_method IN ('rest'));"
	"ALTER TABLE sessions ADD COLUMN last_renewed_at INTEGER;"
	"ALTER TABLE sessions ADD COLUMN source TEXT NOT NULL DEFAULT 'api'"
	"  CHECK (source IN ('api', 'mcp'));",
	/*
	 * The operator's tokens (GET/POST/DELETE /v1/tokens), beside the
	 * built-in ones of common/tokens.c: one per network and address,
	 * the address canonical (EIP-55, or the mint's base58).
	 */
	"CREATE TABLE tokens ("
	"  id TEXT PRIMARY KEY,"
	"  network TEXT NOT NULL,"
	"  address TEXT NOT NULL,"
	"  symbol TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  decimals INTEGER NOT NULL CHECK (decimals BETWEEN 0 AND 18),"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (network, address)"
	");",
	/*
	 * Sign-only transactions (POST /v1/transactions/sign): signed and
	 * answered, never broadcast, never resumed.
	 */
	"ALTER TABLE transactions ADD COLUMN sign_only INTEGER NOT NULL "
	"  DEFAULT 0;",
	/*
	 * The operator's run-time settings (PUT /v1/admin/settings): the
	 * value set, and what the configuration (config.toml and the
	 * environment) said when it was set.  At start an override applies
	 * only while the configuration still says base: a value the
	 * operator edits later wins, and the row goes (policyd_settings.c).
	 */
	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL,"
	"  base TEXT NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");",
	/*
	 * PATCH /v1/wallets/{id}: whether incoming transfers to the
	 * wallet are to be watched (the reference's monitorIncoming).
	 */
	"ALTER TABLE wallets ADD COLUMN monitor_incoming INTEGER NOT NULL "
	"  DEFAULT 0 CHECK (monitor_incoming IN (0, 1));",
	/* POST /v1/wallets/{id}/suspend: since when, and why. */
	"ALTER TABLE wallets ADD COLUMN suspended_at INTEGER;"
	"ALTER TABLE wallets ADD COLUMN suspension_reason TEXT;",
	/*
	 * POST /v1/sessions/{id}/rotate: tokens issued by rotation (with
	 * the renewals, every token's generation differs); when a wallet
	 * was linked to a session (NULL: with the session, before this).
	 */
	"ALTER TABLE sessions ADD COLUMN rotation_count INTEGER NOT NULL "
	"  DEFAULT 0;"
	"ALTER TABLE session_wallets ADD COLUMN created_at INTEGER;",
	/*
	 * The operator's webhooks (POST /v1/webhooks): the secret is the
	 * HMAC key relay signs each delivery with (policyd_webhooks.c says
	 * why it is kept here); deliveries due, and the bounded log of
	 * attempts GET /v1/webhooks/{id}/logs shows.
	 */
	"CREATE TABLE webhooks ("
	"  id TEXT PRIMARY KEY,"
	"  url TEXT NOT NULL,"
	"  events TEXT NOT NULL,"
	"  description TEXT,"
	"  secret TEXT NOT NULL,"
	"  enabled INTEGER NOT NULL DEFAULT 1,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");"
	"CREATE TABLE webhook_deliveries ("
	"  id INTEGER PRIMARY KEY,"
	"  webhook_id TEXT NOT NULL,"
	"  outbox_id INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL"
	");"
	"CREATE INDEX webhook_deliveries_due ON webhook_deliveries "
	"  (next_attempt_at);"
	"CREATE TABLE webhook_logs ("
	"  id TEXT PRIMARY KEY,"
	"  webhook_id TEXT NOT NULL,"
	"  event_type TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('success', 'failed')),"
	"  http_status INTEGER,"
	"  attempt INTEGER NOT NULL,"
	"  error TEXT,"
	"  request_duration INTEGER,"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE INDEX webhook_logs_hook ON webhook_logs (webhook_id, "
	"  created_at);",
	/*
	 * Incoming transfers (policyd_incoming.c): one row per transfer
	 * into a monitored wallet, keyed by the transaction and the log
	 * entry (-1: the transaction's own value), so an answer recorded
	 * twice adds nothing; and per wallet and network the first block
	 * not yet looked at, moved in the transaction that records what
	 * the blocks before it held.
	 */
	"CREATE TABLE incoming_tx ("
	"  id TEXT PRIMARY KEY,"
	"  wallet_id TEXT NOT NULL REFERENCES wallets(id),"
	"  chain TEXT NOT NULL,"
	"  network TEXT NOT NULL,"
	"  tx_hash TEXT NOT NULL,"
	"  log_index INTEGER NOT NULL,"
	"  from_address TEXT NOT NULL,"
	"  token_address TEXT,"
	"  amount TEXT NOT NULL,"
	"  block_number INTEGER,"
	"  status TEXT NOT NULL DEFAULT 'CONFIRMED'"
	"    CHECK (status IN ('DETECTED', 'CONFIRMED')),"
	"  detected_at INTEGER NOT NULL,"
	"  confirmed_at INTEGER,"
	"  suspicious INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (wallet_id, network, tx_hash, log_index)"
	");"
	"CREATE INDEX incoming_tx_detected ON incoming_tx(detected_at);"
	"CREATE TABLE incoming_cursors ("
	"  wallet_id TEXT NOT NULL REFERENCES wallets(id),"
	"  network TEXT NOT NULL,"
	"  next_block INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  PRIMARY KEY (wallet_id, network)"
	");",
	/* 22: x402 payments (policyd_x402.c) */
	MIG_TX_TYPE "'X402_PAYMENT'",
	/* 23: NFT transfers and contract deployments (tx_nft.c) */
	MIG_TX_TYPE "'NFT_TRANSFER', 'CONTRACT_DEPLOY'",
	/* 24: type BATCH (tx_batch.c) */
	MIG_TX_TYPE "'BATCH'",
	/*
	 * 25: an EVM BATCH (tx_batch.c) runs its instructions one after the
	 * other, each a transaction of its own: what each became (status,
	 * txHash, nonce), in order, as a JSON array.
	 */
	"ALTER TABLE transactions ADD COLUMN batch_done TEXT;",
	/*
	 * 26: a wallet's transactions newest first straight from an index
	 * (GET /v1/transactions): without it the list read every one of the
	 * wallet's transactions and sorted them to return twenty.
	 */
	"CREATE INDEX transactions_wallet_id ON transactions(wallet_id, id);",
	/*
	 * 27: the master's wallet list, a page at a time in creation order,
	 * walks this instead of sorting every wallet on each request.
	 */
	"CREATE INDEX wallets_created ON wallets(created_at, id);",
};
#define SCHEMA_VERSION	((int)(sizeof(migrations) / sizeof(migrations[0])))

/* Migrate no further than this (0: all); tests build old stores. */
int	store_schema_max;

static void
exec_or_die(const char *sql)
{
	char	*err = NULL;

	if (sqlite3_exec(pd.db, sql, NULL, NULL, &err) != SQLITE_OK)
		fatalx("database: %s: %s", sql, err ? err : "?");
}

static int
user_version(void)
{
	sqlite3_stmt	*st;
	int		 v;

	if (sqlite3_prepare_v2(pd.db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int
pragma_int(const char *sql)
{
	sqlite3_stmt	*st;
	int		 v;

	if (sqlite3_prepare_v2(pd.db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * Types added to transactions.type's CHECK, the way SQLite documents
 * for a change that leaves every stored row valid and the file format
 * as it is: the table's text in sqlite_master rewritten, schema_version
 * raised so that the new text is read, then an integrity check, all in
 * the migration's transaction.  types: "'A', 'B'".
 */
static void
tx_type_add(const char *types)
{
	static const char	 list[] = "type TEXT NOT NULL CHECK (type IN (";
	sqlite3_stmt		*st;
	const char		*sql, *at, *close;
	char			*nsql, pragma[64];
	int			 ver, defensive = 0;

	if (sqlite3_prepare_v2(pd.db, "SELECT sql FROM sqlite_master WHERE "
	    "type = 'table' AND name = 'transactions'", -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_step(st) != SQLITE_ROW ||
	    (sql = (const char *)sqlite3_column_text(st, 0)) == NULL)
		fatalx("database: no transactions table");
	if ((at = strstr(sql, list)) == NULL || strstr(at + 1, list) != NULL ||
	    (close = strchr(at + sizeof(list) - 1, ')')) == NULL)
		fatalx("database: transactions.type is not as written");
	if (asprintf(&nsql, "%.*s, %s%s", (int)(close - sql), sql, types,
	    close) == -1)
		fatal("asprintf");
	sqlite3_finalize(st);
	/* A library built defensive refuses writable_schema: off for this */
	if (sqlite3_db_config(pd.db, SQLITE_DBCONFIG_DEFENSIVE, -1,
	    &defensive) != SQLITE_OK || (defensive &&
	    sqlite3_db_config(pd.db, SQLITE_DBCONFIG_DEFENSIVE, 0, NULL) !=
	    SQLITE_OK))
		fatalx("database: cannot leave defensive mode");
	ver = pragma_int("PRAGMA schema_version");
	exec_or_die("PRAGMA writable_schema = ON");
	st = store_prepare("UPDATE sqlite_master SET sql = ? WHERE type = "
	    "'table' AND name = 'transactions'");
	sqlite3_bind_text(st, 1, nsql, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	free(nsql);
	snprintf(pragma, sizeof(pragma), "PRAGMA schema_version = %d",
	    ver + 1);
	exec_or_die(pragma);
	exec_or_die("PRAGMA writable_schema = OFF");
	if (defensive && sqlite3_db_config(pd.db, SQLITE_DBCONFIG_DEFENSIVE,
	    1, NULL) != SQLITE_OK)
		fatalx("database: cannot return to defensive mode");
	/* every row checked again, the widened CHECK included */
	if (sqlite3_prepare_v2(pd.db, "PRAGMA integrity_check", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
		fatalx("database: integrity check after widening "
		    "transactions.type failed");
	sqlite3_finalize(st);
}

int
store_schema_version(void)
{
	return SCHEMA_VERSION;
}

void
store_open(const char *path)
{
	char	sql[64];
	int	v, from, to;

	/*
	 * One thread uses the store: no mutexes in SQLite (NOMUTEX), no
	 * memory statistics it would keep under one (before the library
	 * is first used; later it is refused, harmlessly).
	 */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(path, &pd.db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK)
		fatalx("database %s: %s", path, pd.db ?
		    sqlite3_errmsg(pd.db) : "out of memory");
	sqlite3_extended_result_codes(pd.db, 1);
	exec_or_die("PRAGMA journal_mode = WAL");
	exec_or_die("PRAGMA synchronous = FULL");
	exec_or_die("PRAGMA foreign_keys = ON");
	exec_or_die("PRAGMA secure_delete = ON");
	sqlite3_busy_timeout(pd.db, 2000);

	if ((v = user_version()) > SCHEMA_VERSION)
		fatalx("database schema version %d is newer than this "
		    "waiaasd knows (%d): refusing to start", v,
		    SCHEMA_VERSION);
	to = store_schema_max > 0 && store_schema_max < SCHEMA_VERSION ?
	    store_schema_max : SCHEMA_VERSION;
	if (v >= to)
		return;
	/*
	 * Every pending migration in one transaction: the store goes from
	 * its version to this one's or stays as it was, and a new store
	 * costs one sync rather than one per migration.
	 */
	exec_or_die("BEGIN IMMEDIATE");
	for (from = v; v < to; v++) {
		if (strncmp(migrations[v], MIG_TX_TYPE,
		    sizeof(MIG_TX_TYPE) - 1) == 0)
			tx_type_add(migrations[v] + sizeof(MIG_TX_TYPE) - 1);
		else
			exec_or_die(migrations[v]);
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", to);
	exec_or_die(sql);
	exec_or_die("COMMIT");
	for (v = from; v < to; v++)
		log_info("database migrated to schema version %d", v + 1);
}

static struct {
	struct event	*ev;		/* the commit at the end of the turn */
	void		(*hold)(int);	/* 1: hold what is sent; 0: let go */
	int		 open;		/* the group's transaction is open */
	int		 unit;		/* a caller's unit is open */
	unsigned	 units;		/* units in the open group */
	struct timeval	 delay;		/* test builds: commit this late */
} grp;

struct store_group_stats	store_group_stats;

/* A request's read transaction is open (store_read_begin). */
static int	read_open;

/* One statement of the group's, kept prepared (store_cached). */
static int
exec_ok(const char *sql)
{
	sqlite3_stmt	*st = store_cached(sql);
	int		 rc;

	rc = sqlite3_step(st);
	store_release(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void
group_commit(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	store_sync();
}

/*
 * From here on, writes are committed in groups (see the top of the
 * file); hold(1) and hold(0) hold and let go what policyd sends.
 * Before this (start-up), each unit is a transaction of its own.
 */
void
store_group_init(struct event_base *base, void (*hold)(int))
{
#ifdef WAIAAS_TEST_HOOKS
	const char	*v = getenv("WAIAASD_TEST_COMMIT_MS");
	long		 ms;

	/*
	 * Test builds: WAIAASD_TEST_COMMIT_MS=<ms> commits each group that
	 * long after its first write, so that a test's concurrent requests
	 * surely share commits and a SIGKILL finds one held
	 * (tests/integration/t_send_bulk.sh).
	 */
	if (v != NULL && (ms = strtol(v, NULL, 10)) > 0 && ms <= 10000) {
		grp.delay.tv_sec = ms / 1000;
		grp.delay.tv_usec = (ms % 1000) * 1000;
		log_warnx("test hook: group commits %ld ms late", ms);
	}
#endif
	if ((grp.ev = event_new(base, -1, 0, group_commit, NULL)) == NULL)
		fatalx("event_new");
	grp.hold = hold;
}

/*
 * The open group committed now, and what it held let go.  Called at the
 * end of the turn, and by whoever needs the database at rest (VACUUM)
 * or the held messages gone; never inside a unit.
 */
void
store_sync(void)
{
	store_read_end();
	if (!grp.open)
		return;
	if (grp.unit)
		fatalx("database: commit asked for inside a unit of work");
	if (sqlite3_get_autocommit(pd.db))
		fatalx("database: the group's transaction was rolled back");
	log_tx_step("group", "commit", 0);
	if (exec_ok("COMMIT") == -1)
		fatalx("database: group commit: %s", sqlite3_errmsg(pd.db));
	log_tx_step("group", "committed", 0);
	grp.open = 0;
	store_group_stats.commits++;
	store_group_stats.units += grp.units;
	grp.units = 0;
	event_del(grp.ev);
	grp.hold(0);
}

/*
 * Read requests' statements in one read transaction: those of the GET
 * requests in one batch from the api (policyd_api_request; the batch's
 * end, or any other message, ends it).  In WAL mode each transaction
 * takes and drops a read lock (fcntl calls), and a read outside one is
 * a transaction of its own: a session's list made three.  Nothing
 * here when the turn's group is open, whose transaction the reads
 * share already.  A write ends this first (store_begin), so units and
 * group commit stay as they were.
 */
void
store_read_begin(void)
{
	if (read_open || grp.open || grp.unit)
		return;
	if (exec_ok("BEGIN") == -1)
		fatalx("database: begin a read: %s", sqlite3_errmsg(pd.db));
	read_open = 1;
}

/*
 * The read transaction ended.  One that wrote (a statement outside any
 * unit of work) is a bug: nothing is committed by default.
 */
void
store_read_end(void)
{
	if (!read_open)
		return;
	read_open = 0;
	if (sqlite3_txn_state(pd.db, NULL) == SQLITE_TXN_WRITE)
		fatalx("database: a write outside a unit of work");
	if (exec_ok("COMMIT") == -1)
		fatalx("database: end a read: %s", sqlite3_errmsg(pd.db));
}

int
store_begin(void)
{
	if (grp.unit)
		return -1;
	store_read_end();
	if (grp.ev == NULL) {
		if (exec_ok("BEGIN IMMEDIATE") == -1)
			return -1;
		grp.unit = 1;
		return 0;
	}
	if (!grp.open) {
		if (exec_ok("BEGIN IMMEDIATE") == -1)
			return -1;
		grp.open = 1;
		grp.hold(1);
		/* after every callback already due in this turn */
		if (grp.delay.tv_sec == 0 && grp.delay.tv_usec == 0)
			event_active(grp.ev, EV_TIMEOUT, 1);
		else if (event_add(grp.ev, &grp.delay) == -1)
			fatalx("event_add");
	} else if (sqlite3_get_autocommit(pd.db))
		fatalx("database: the group's transaction was rolled back");
	if (exec_ok("SAVEPOINT unit") == -1)
		return -1;
	grp.unit = 1;
	grp.units++;
	return 0;
}

int
store_commit(void)
{
	if (!grp.unit)
		return -1;
	if (exec_ok(grp.ev == NULL ? "COMMIT" : "RELEASE unit") == -1)
		return -1;
	grp.unit = 0;
	return 0;
}

void
store_rollback(void)
{
	if (!grp.unit)
		return;
	if (grp.ev == NULL)
		(void)exec_ok("ROLLBACK");
	else if (exec_ok("ROLLBACK TO unit") == -1 ||
	    exec_ok("RELEASE unit") == -1)
		fatalx("database: rollback of a unit: %s",
		    sqlite3_errmsg(pd.db));
	grp.unit = 0;
}

/* 1 inside a unit of work (store_begin() .. store_commit/rollback). */
int
store_in_unit(void)
{
	return grp.unit;
}

/*
 * A named secret of len random bytes, made on first use; it lives in the
 * database, which only policyd can open.
 */
int
store_meta_secret(const char *name, uint8_t *out, size_t len)
{
	sqlite3_stmt	*st;
	int		 r = -1;

	if (sqlite3_prepare_v2(pd.db, "SELECT value FROM secrets WHERE "
	    "name = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (size_t)sqlite3_column_bytes(st, 0) == len) {
		memcpy(out, sqlite3_column_blob(st, 0), len);
		r = 0;
	}
	sqlite3_finalize(st);
	if (r == 0)
		return 0;
	randombytes_buf(out, len);
	if (sqlite3_prepare_v2(pd.db, "INSERT INTO secrets (name, value) "
	    "VALUES (?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, out, (int)len, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return r;
}

/* 1 if the wallet exists and is ACTIVE; its name into name. */
int
store_wallet_active(const char *id, char *name, size_t len)
{
	sqlite3_stmt	*st;
	int		 r = 0;

	if (sqlite3_prepare_v2(pd.db, "SELECT name FROM wallets WHERE id = ? "
	    "AND status = 'ACTIVE'", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(name, len, "%s", sqlite3_column_text(st, 0));
		r = 1;
	}
	sqlite3_finalize(st);
	return r;
}

int
store_wallet_insert(const char *id, const char *name, int chain, int env,
    const char *network, const char *pubkey, long long now)
{
	sqlite3_stmt	*st;
	int		 r;

	if (sqlite3_prepare_v2(pd.db, "INSERT INTO wallets (id, name, chain, "
	    "environment, network, public_key, created_at, updated_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?7, ?7)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, chain_name(chain), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, env_name(env), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, network, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, pubkey, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		log_warnx("wallet insert: %s", sqlite3_errmsg(pd.db));
		return -1;
	}
	return 0;
}

#define WALLET_COLS	"id, name, chain, network, environment, public_key, " \
			"status, owner_address, owner_state, created_at, " \
			"updated_at, approval_method, monitor_incoming, " \
			"suspended_at, suspension_reason"

/*
 * A wallet row goes either into a document (one wallet, GET or a
 * create's answer) or straight into a list's text, with no document in
 * between; wallet_put() says once what both show.
 */
struct wput {
	json_t		*j;
	struct jsonw	*w;
};

/* A text, or null for NULL. */
static void
put_text(struct wput *o, const char *key, const char *v)
{
	if (o->w != NULL)
		jsonw_str(o->w, key, v);
	else if (json_object_set_new(o->j, key, v != NULL ? json_string(v) :
	    json_null()) == -1)
		fatalx("wallet %s", key);
}

/* An integer column, or null. */
static void
put_int(struct wput *o, const char *key, sqlite3_stmt *st, int i)
{
	int	null = sqlite3_column_type(st, i) == SQLITE_NULL;

	if (o->w != NULL && null)
		jsonw_null(o->w, key);
	else if (o->w != NULL)
		jsonw_int(o->w, key, sqlite3_column_int64(st, i));
	else if (json_object_set_new(o->j, key, null ? json_null() :
	    json_integer((json_int_t)sqlite3_column_int64(st, i))) == -1)
		fatalx("wallet %s", key);
}

/* true, false, or null for -1. */
static void
put_bool(struct wput *o, const char *key, int b)
{
	if (o->w != NULL && b == -1)
		jsonw_null(o->w, key);
	else if (o->w != NULL)
		jsonw_bool(o->w, key, b);
	else if (json_object_set_new(o->j, key, b == -1 ? json_null() :
	    json_boolean(b)) == -1)
		fatalx("wallet %s", key);
}

/*
 * A wallet as the reference's bodies have it.  Every wallet here is a
 * plain key (accountType eoa, no wallet-app preset), monitorIncoming is
 * what PATCH last set (false at first), and an owner is verified
 * once it has signed (LOCKED); with no owner there is nothing to verify.
 * suspendedAt and suspensionReason are null unless suspended, as the
 * reference's detail has them.
 */
static void
wallet_put(struct wput *o, sqlite3_stmt *st)
{
	/* the first columns of WALLET_COLS, as they are */
	static const char *const text[] = { "id", "name", "chain",
	    "network", "environment", "publicKey", "status", "ownerAddress",
	    "ownerState" };
	const char	*state = (const char *)sqlite3_column_text(st, 8);
	size_t		 i;

	for (i = 0; i < nitems(text); i++)
		put_text(o, text[i], (const char *)sqlite3_column_text(st,
		    (int)i));
	put_int(o, "createdAt", st, 9);
	put_int(o, "updatedAt", st, 10);
	put_text(o, "approvalMethod", (const char *)sqlite3_column_text(st,
	    11));
	put_bool(o, "ownerVerified", sqlite3_column_type(st, 7) ==
	    SQLITE_NULL ? -1 : state != NULL && strcmp(state, "LOCKED") == 0);
	put_bool(o, "monitorIncoming", sqlite3_column_int(st, 12) != 0);
	put_text(o, "accountType", "eoa");
	put_text(o, "walletType", NULL);
	put_int(o, "suspendedAt", st, 13);
	put_text(o, "suspensionReason", (const char *)sqlite3_column_text(st,
	    14));
}

static json_t *
wallet_row(sqlite3_stmt *st)
{
	struct wput	o = { NULL, NULL };

	if ((o.j = json_object()) == NULL)
		fatalx("json_object");
	wallet_put(&o, st);
	return o.j;
}

/* The one row sql (a string constant, with one "?" for id) finds, as
 * JSON, or NULL. */
json_t *
store_one(const char *sql, const char *id, json_t *(*row)(sqlite3_stmt *))
{
	sqlite3_stmt	*st;
	json_t		*j = NULL;

	st = store_cached(sql);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		j = row(st);
	store_release(st);
	return j;
}

/* One wallet, or NULL. */
json_t *
store_wallet(const char *id)
{
	return store_one("SELECT " WALLET_COLS " FROM wallets WHERE id = ?",
	    id, wallet_row);
}

/*
 * A page of the wallets the caller sees (all, or a session's only),
 * oldest first: at most limit from offset, and no more than one reply
 * to the api holds.  A page ends early rather than overflow it; its
 * limit then says how many it holds, so that offset + limit is still
 * the next page.  With many wallets this walks the index on created_at
 * (schema 27) for the master; a session's own come from its rows.
 */
static const char	q_wallets_all[] = "SELECT " WALLET_COLS " FROM "
    "wallets ORDER BY created_at, id LIMIT ?2 OFFSET ?3";
/*
 * A session's few wallets are sorted whole and paged by wallet_step():
 * LIMIT and OFFSET here made SQLite keep the top rows in a temporary
 * b-tree opened and closed on every request (with its heap grown and
 * given back each time), half of policyd's time on a session's list.
 */
static const char	q_wallets_session[] = "SELECT " WALLET_COLS " FROM "
    "wallets WHERE id IN (SELECT wallet_id FROM session_wallets WHERE "
    "session_id = ?1) AND ?2 IS NOT NULL AND ?3 IS NOT NULL ORDER BY "
    "created_at, id";
static const char	n_wallets_all[] = "SELECT count(*) FROM wallets";
static const char	n_wallets_session[] = "SELECT count(*) FROM "
    "session_wallets WHERE session_id = ?";

/*
 * The next row of a page: the session's form (whole, sorted) skips the
 * rows before offset and stops after limit here.
 */
static int
wallet_step(sqlite3_stmt *st, long long *skip, long long *left)
{
	while (*left > 0 && sqlite3_step(st) == SQLITE_ROW) {
		if (*skip > 0) {
			(*skip)--;
			continue;
		}
		(*left)--;
		return 1;
	}
	return 0;
}

/*
 * How many the caller sees in all, and the statement of the page, with
 * the rows wallet_step() is to skip and take.
 */
static sqlite3_stmt *
wallet_page(const char *session, long long limit, long long offset,
    long long *total, long long *skip, long long *left)
{
	sqlite3_stmt	*st;

	*total = 0;
	*skip = session != NULL ? offset : 0;
	*left = limit;
	st = store_cached(session == NULL ? n_wallets_all : n_wallets_session);
	if (session != NULL)
		sqlite3_bind_text(st, 1, session, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*total = sqlite3_column_int64(st, 0);
	store_release(st);
	st = store_cached(session == NULL ? q_wallets_all : q_wallets_session);
	sqlite3_bind_text(st, 1, session, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit);
	sqlite3_bind_int64(st, 3, offset);
	return st;
}

/* The page as a document (for connect-info, which adds to each). */
json_t *
store_wallet_list(const char *session, long long limit, long long offset)
{
	sqlite3_stmt	*st;
	json_t		*items, *w;
	long long	 total, n = 0, skip, left;
	size_t		 used = 0, size;

	if ((items = json_array()) == NULL)
		fatalx("json_array");
	st = wallet_page(session, limit, offset, &total, &skip, &left);
	while (wallet_step(st, &skip, &left)) {
		w = wallet_row(st);
		/* its exact size in the reply, and a comma */
		if ((size = jsonw_compact(w, NULL, 0)) == 0)
			size = json_dumpb(w, NULL, 0, JSON_COMPACT);
		size++;
		if (n > 0 && used + size > LIST_REPLY_MAX) {
			json_decref(w);
			limit = n;
			break;
		}
		used += size;
		json_array_append_new(items, w);
		n++;
	}
	store_release(st);
	return json_pack("{s:o, s:I, s:I, s:I}", "items", items, "total",
	    (json_int_t)total, "limit", (json_int_t)limit, "offset",
	    (json_int_t)offset);
}

/*
 * The page as GET /v1/wallets answers it, written straight from the
 * rows into buf (a page of 1000 built as a document first, then turned
 * into text, cost policyd three times as much): the text's length,
 * which when more than size says how large a buffer it needs.
 */
size_t
store_wallet_list_write(const char *session, long long limit,
    long long offset, char *buf, size_t size)
{
	sqlite3_stmt	*st;
	struct jsonw	 w, before;
	struct wput	 o = { NULL, &w };
	long long	 total, n = 0, skip, left;
	size_t		 len;

	st = wallet_page(session, limit, offset, &total, &skip, &left);
	jsonw_init(&w, buf, size);
	jsonw_open(&w, NULL, '{');
	jsonw_open(&w, "items", '[');
	while (wallet_step(st, &skip, &left)) {
		before = w;
		jsonw_open(&w, NULL, '{');
		wallet_put(&o, st);
		jsonw_close(&w, '}');
		/* past the reply's room: this row undone, the page ends */
		if (n > 0 && w.o.len > LIST_REPLY_MAX) {
			w = before;
			limit = n;
			break;
		}
		n++;
	}
	store_release(st);
	jsonw_close(&w, ']');
	jsonw_int(&w, "total", total);
	jsonw_int(&w, "limit", limit);
	jsonw_int(&w, "offset", offset);
	jsonw_close(&w, '}');
	if ((len = jsonw_end(&w)) == 0)
		fatalx("wallet list: a stored text is not UTF-8");
	return len;
}

/*
 * The statements every request runs (authentication, the reads agents
 * make most), prepared once and kept (SQLITE_PREPARE_PERSISTENT), by
 * the address of their SQL text, a string constant: parsing and
 * planning them again on each request was a fifth of policyd's time on
 * an authenticated read.  A statement asked for while it is in use
 * (nested) is prepared afresh; store_release() tells them apart.
 */
#define STMT_CACHE	64

static struct {
	const char	*sql;
	sqlite3_stmt	*st;
	int		 busy;
} cache[STMT_CACHE];
static sqlite3	*cache_db;	/* the connection they belong to */

sqlite3_stmt *
store_cached(const char *sql)
{
	size_t	i;

	/* Another connection (tests and benches open the store again):
	 * the old one's statements go (its close failed while they
	 * lived). */
	if (cache_db != pd.db) {
		for (i = 0; i < STMT_CACHE && cache[i].sql != NULL; i++)
			sqlite3_finalize(cache[i].st);
		memset(cache, 0, sizeof(cache));
		cache_db = pd.db;
	}
	for (i = 0; i < STMT_CACHE && cache[i].sql != NULL; i++)
		if (cache[i].sql == sql) {
			if (cache[i].busy)
				return store_prepare(sql);
			cache[i].busy = 1;
			return cache[i].st;
		}
	if (i == STMT_CACHE)
		return store_prepare(sql);
	if (sqlite3_prepare_v3(pd.db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &cache[i].st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	cache[i].sql = sql;
	cache[i].busy = 1;
	return cache[i].st;
}

/* Done with a statement of store_cached(): reset, or finalized. */
void
store_release(sqlite3_stmt *st)
{
	size_t	i;

	for (i = 0; i < STMT_CACHE && cache[i].sql != NULL; i++)
		if (cache[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			cache[i].busy = 0;
			return;
		}
	sqlite3_finalize(st);
}

/* A statement of the store; a bad one is a bug, so fatal. */
sqlite3_stmt *
store_prepare(const char *sql)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(pd.db, sql, -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	return st;
}
