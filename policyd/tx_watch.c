/*
 * After the signer: the signed transaction broadcast, its status as api
 * watches it (nonce too low, expired blockhash, gaps), and the resume of
 * every unfinished transaction at start.
 */

#include <string.h>

#include <sodium.h>

#include "base58.h"
#include "evm.h"
#include "log.h"
#include "policy_rules.h"
#include "policyd.h"
#include "wipe.h"
#include "tx.h"

/*
 * A contract creation's address follows from the wallet and the nonce
 * it is signed with: recorded as the transaction's toAddress with the
 * signed bytes (and again if a re-sign takes another nonce).
 */
static void
created_at(struct job *j)
{
	sqlite3_stmt	*st;
	uint8_t		 from[20], a[20];
	char		 text[43];

	if (evm_address_parse(j->s.from, strlen(j->s.from), from) == -1)
		fatalx("transaction %s: the wallet's address", j->id);
	evm_create_address(from, j->nonce, a);
	evm_address_checksum(a, text);
	st = store_prepare("UPDATE transactions SET to_address = ? WHERE "
	    "id = ?");
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, j->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
}

/* signer -> policyd: the signed transaction. */
void
tx_signed(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	static const char	 q_signed[] = "UPDATE transactions SET status "
	    "= 'SIGNED', raw = ?, sig_hash = ?, last_valid_height = ?, "
	    "nonce = ?, updated_at = ? WHERE id = ?";
	struct sign_reply	 r;
	struct job		*j;
	const uint8_t		*raw = (const uint8_t *)imsg->data + sizeof(r);
	sqlite3_stmt		*st;
	uint8_t			 hash[64];
	char			 text[100];
	size_t			 hlen;
	uint64_t		 nonce = 0;

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	if (imsg->len != sizeof(r) + r.len)
		fatalx("IMSG_SIGNER_SIGNED: malformed");
	TAILQ_FOREACH(j, &jobs, entry)
		if (j->state == J_SIGN && j->sign_id == imsg->hdr.peerid)
			break;
	if (j == NULL)
		fatalx("IMSG_SIGNER_SIGNED for no transaction");
	log_tx_step(j->id, "pd_signed", 0);
	/* Ended while the signer worked: the bytes are dropped, unsent. */
	if (ended(j))
		return;
	/* Signed as the switch went on: the bytes are dropped, unsent. */
	if ((j->s.msg || j->sign_only) && pd.killed && j->peerid != 0)
		pd_fail(j->peerid, 503, "KILL_SWITCH_ACTIVE", "the kill switch "
		    "is active", 0);
	if (killed(j))
		return;
	if (j->x402) {
		x402_signed(j, &r, raw);
		return;
	}
	if (j->s.msg) {
		msg_signed(j, &r, raw);
		return;
	}
	if (j->sign_only) {
		tx_sign_signed(j, &r, raw);
		return;
	}
	if (r.status == SIGN_INVALID && j->s.type == T_BATCH &&
	    j->s.chain == KS_CHAIN_SOLANA) {
		tx_fail(j, "VALIDATION_FAILED", 0, "the signer refused the "
		    "batch: its instructions do not fit one Solana "
		    "transaction (1232 bytes, 64 accounts) or one of them "
		    "is not the signer's to sign");
		return;
	}
	/*
	 * After a stop, a transaction resumed at once may reach the signer
	 * before the parent has handed it the keys (the unlock and the
	 * node's first answer race): for a wallet still ACTIVE, the chain
	 * context is asked again a little later, KEY_WAITS times at most.
	 */
	if ((r.status == SIGN_UNKNOWN_WALLET || r.status == SIGN_LOCKED) &&
	    j->key_waits < KEY_WAITS && store_wallet_active(j->wallet, text,
	    sizeof(text))) {
		j->key_waits++;
		log_info("transaction %s: the signer has no key for its wallet "
		    "yet; asking again", j->id);
		prepare_later(j, KEY_WAIT_MS);
		return;
	}
	if (r.status != SIGN_OK || r.len == 0) {
		tx_fail(j, r.status == SIGN_LOCKED ? "KEYSTORE_LOCKED" :
		    "INTERNAL_ERROR", 0, r.status == SIGN_UNKNOWN_WALLET ?
		    "the signer has no key for this wallet" :
		    r.status == SIGN_INVALID ? "the signer refused the "
		    "transaction's fields" : "the signer could not sign");
		return;
	}
	if (j->s.chain == KS_CHAIN_ETHEREUM) {
		memcpy(hash, r.txhash, 32);
		hlen = 32;
	} else {
		/* compact-u16 signature count (1), then the first one */
		if (r.len < 65 || raw[0] != 1)
			fatalx("IMSG_SIGNER_SIGNED: not a Solana transaction");
		memcpy(hash, raw + 1, 64);
		hlen = 64;
	}
	hash_text(j->s.chain, hash, text, sizeof(text));
	if (store_begin() == -1)
		fatalx("database busy");
	st = store_cached(q_signed);
	sqlite3_bind_blob(st, 1, raw, (int)r.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (long long)j->last_valid_height);
	if (j->has_nonce)
		sqlite3_bind_int64(st, 4, (long long)j->nonce);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int64(st, 5, (long long)time(NULL));
	sqlite3_bind_text(st, 6, j->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	store_release(st);
	if (j->s.create && j->has_nonce)
		created_at(j);
	if (store_commit() == -1)
		fatalx("database: cannot record a signed transaction");
	nonce = j->nonce;
	j->has_nonce = 0;
	broadcast(j, raw, r.len, hash, hlen, nonce, 0);
}

/* Back to the start after "nonce too low" or an expired blockhash. */
static void
reprepare(struct job *j)
{
	if (killed(j))
		return;
	j->has_nonce = 0;
	tx_update("UPDATE transactions SET status = 'EXECUTING', raw = NULL, "
	    "sig_hash = NULL, nonce = NULL, attempts = attempts + 1, "
	    "updated_at = ?1 WHERE id = ?2", j->id);
	prepare(j);
}

static int
attempts_of(const char *id)
{
	sqlite3_stmt	*st;
	int		 n = 0;

	if (sqlite3_prepare_v2(pd.db, "SELECT attempts FROM transactions "
	    "WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static long long
stored_nonce(const char *id)
{
	sqlite3_stmt	*st;
	long long	 n = -1;

	if (sqlite3_prepare_v2(pd.db, "SELECT nonce FROM transactions WHERE "
	    "id = ? AND nonce IS NOT NULL", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/*
 * An EVM transaction the node refused leaves its nonce unused; if later
 * ones of the wallet were signed above it, they wait behind the gap for
 * ever.  Re-signing them lower would be wrong (the originals could still
 * land: a double spend).  The gap is filled instead: a transaction of
 * nothing from the wallet to itself, at exactly that nonce.
 */
static void
fill_gap(const char *wallet, uint32_t net, long long nonce)
{
	sqlite3_stmt		*st;
	const struct network	*n = net_get(net);
	json_t			*req;
	char			 id[UUID_STR_LEN], addr[CHAIN_ADDR_MAX + 1];
	char			*text;
	long long		 now = (long long)time(NULL);
	int			 behind = 0;

	if (sqlite3_prepare_v2(pd.db, "SELECT count(*), (SELECT public_key "
	    "FROM wallets WHERE id = ?1) FROM transactions WHERE wallet_id = "
	    "?1 AND network = ?2 AND nonce > ?3 AND status IN ('SIGNED', "
	    "'SUBMITTED')", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, wallet, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, nonce);
	if (sqlite3_step(st) == SQLITE_ROW) {
		behind = sqlite3_column_int(st, 0);
		strlcpy(addr, (const char *)sqlite3_column_text(st, 1),
		    sizeof(addr));
	}
	sqlite3_finalize(st);
	if (behind == 0)
		return;
	if ((req = json_pack("{s:s, s:s, s:s, s:s}", "type", "CONTRACT_CALL",
	    "to", addr, "walletId", wallet, "network", n->name)) == NULL)
		fatalx("json_pack");
	text = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(req);
	uuidv7(id);
	if (text == NULL || store_begin() == -1)
		fatalx("cannot record a nonce filler");
	if (sqlite3_prepare_v2(pd.db, "INSERT INTO transactions (id, "
	    "wallet_id, type, status, tier, chain, network, to_address, "
	    "amount, request, nonce, created_at, updated_at) VALUES (?, ?, "
	    "'CONTRACT_CALL', 'PENDING', 'INSTANT', 'ethereum', ?, ?, '0', ?, "
	    "?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, wallet, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, n->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, addr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, nonce);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_int64(st, 8, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	wipe_free(text);
	if (audit_append(now, "TX_NONCE_FILLER", "system", id, json_pack(
	    "{s:s, s:s, s:I}", "walletId", wallet, "network", n->name,
	    "nonce", (json_int_t)nonce)) == -1 || store_commit() == -1)
		fatalx("database: cannot record a nonce filler");
	log_info("wallet %s: nonce %lld unused on %s, %d waiting behind it; "
	    "filling it with %s", wallet, nonce, n->name, behind, id);
	tx_execute(id);
}

/* api -> policyd: a state change of a transaction sent. */
void
tx_status(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct chain_status	 s;
	struct job		*j;
	long long		 now = (long long)time(NULL), nonce = -1;
	char			 wallet[KS_ID_LEN + 1];
	uint32_t		 net = 0;
	int			 gap_wallet;

	(void)ch;
	(void)arg;
	memcpy(&s, imsg->data, sizeof(s));
	if (memchr(s.txid, '\0', sizeof(s.txid)) == NULL ||
	    memchr(s.message, '\0', sizeof(s.message)) == NULL)
		fatalx("IMSG_CHAIN_STATUS: malformed");
	if ((j = job_find(s.txid)) == NULL || j->state != J_SEND) {
		log_warnx("chain status for %s, which is not being sent",
		    s.txid);
		return;
	}
	switch (s.state) {
	case CHST_SUBMITTED:
		tx_update("UPDATE transactions SET status = 'SUBMITTED', "
		    "tx_hash = sig_hash, updated_at = ?1 WHERE id = ?2 AND "
		    "status = 'SIGNED'", j->id);
		return;
	case CHST_CONFIRMED:
		if (batch_next(j))
			return;
		if (store_begin() == -1)
			fatalx("database busy");
		if (batch_evm(j))
			batch_record(j, "CONFIRMED");
		tx_update("UPDATE transactions SET status = 'CONFIRMED', "
		    "tx_hash = sig_hash, updated_at = ?1 WHERE id = ?2",
		    j->id);
		if (audit_append(now, "TX_CONFIRMED", "system", j->id,
		    json_object()) == -1 || store_commit() == -1)
			fatalx("database: cannot record a confirmation");
		log_info("transaction %s confirmed", j->id);
		job_end(j);
		return;
	case CHST_FAILED:
		/* On chain: the hash is the proof. */
		tx_update("UPDATE transactions SET tx_hash = sig_hash, "
		    "updated_at = ?1 WHERE id = ?2", j->id);
		tx_fail(j, "CHAIN_ERROR", 0, s.message);
		return;
	case CHST_NOT_SENT:
		gap_wallet = j->s.chain == KS_CHAIN_ETHEREUM;
		if (gap_wallet) {
			strlcpy(wallet, j->wallet, sizeof(wallet));
			net = j->s.net;
			nonce = stored_nonce(j->id);
		}
		tx_fail(j, "CHAIN_ERROR", s.retryable != 0, s.message);
		if (gap_wallet && nonce != -1)
			fill_gap(wallet, net, nonce);
		return;
	case CHST_NONCE_LOW:
		if (j->filler) {
			/* Another transaction took the nonce: no gap left. */
			tx_fail(j, "CHAIN_ERROR", 0, "the nonce gap was filled "
			    "by another transaction");
			return;
		}
		if (attempts_of(j->id) >= NONCE_RETRIES) {
			tx_fail(j, "CHAIN_ERROR", 1, "nonce too low, again "
			    "after re-signing");
			return;
		}
		log_info("transaction %s: nonce too low; re-signing", j->id);
		reprepare(j);
		return;
	case CHST_EXPIRED:
		if (attempts_of(j->id) >= EXPIRE_RETRIES) {
			tx_fail(j, "CHAIN_ERROR", 1, "the blockhash expired "
			    "again after re-signing");
			return;
		}
		log_info("transaction %s: blockhash expired; re-signing",
		    j->id);
		reprepare(j);
		return;
	default:
		fatalx("IMSG_CHAIN_STATUS: state %d", s.state);
	}
}

/*
 * At start: a sign-only transaction that was not signed before the stop
 * had a caller waiting for the signature, who is gone; it is never
 * signed later (nor is one that was signed ever sent): FAILED, audited.
 */
static void
sign_only_lost(void)
{
	sqlite3_stmt	*st;
	long long	 now = (long long)time(NULL);
	int		 n = 0;

	if (store_begin() == -1)
		fatalx("database busy");
	st = store_prepare("SELECT id FROM transactions WHERE sign_only = 1 "
	    "AND status = 'PENDING'");
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (audit_append(now, "TX_FAILED", "system", (const char *)
		    sqlite3_column_text(st, 0), json_pack("{s:s, s:s}",
		    "code", "INTERNAL_ERROR", "error", "restarted before "
		    "signing")) == -1)
			fatalx("database: cannot audit a sign-only failure");
		n++;
	}
	sqlite3_finalize(st);
	st = store_prepare("UPDATE transactions SET status = 'FAILED', error "
	    "= 'restarted before signing', error_code = 'INTERNAL_ERROR', "
	    "updated_at = ? WHERE sign_only = 1 AND status = 'PENDING'");
	sqlite3_bind_int64(st, 1, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	if (store_commit() == -1)
		fatalx("database: cannot end sign-only transactions");
	if (n > 0)
		log_info("%d sign-only transactions not signed before the "
		    "stop: failed", n);
}

/*
 * At start: every transaction the database says is under way goes on.
 * Not yet signed: from the start.  Signed: the same bytes again (a
 * duplicate broadcast of one signed transaction cannot spend twice).
 * Submitted: watched.  With the kill switch on, nothing is sent: a
 * signed transaction is only watched for (it may have left before the
 * stop), and an unsigned one ends CANCELLED.
 */
void
tx_resume(void)
{
	sqlite3_stmt	*st;
	struct job	*j;
	const char	*h;
	char		 id[UUID_STR_LEN];
	uint8_t		 hash[64];
	size_t		 n = 0, hlen;
	int		 submitted;

	sign_only_lost();
	if (sqlite3_prepare_v2(pd.db, "SELECT id, status, raw, sig_hash, "
	    "nonce, last_valid_height FROM transactions WHERE status IN "
	    "('PENDING', 'EXECUTING', 'SIGNED', 'SUBMITTED') AND (type NOT IN "
	    "('SIGN_MESSAGE', 'X402_PAYMENT') OR status = 'PENDING') AND "
	    "sign_only = 0 ORDER BY created_at", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		strlcpy(id, (const char *)sqlite3_column_text(st, 0),
		    sizeof(id));
		submitted = strcmp((const char *)sqlite3_column_text(st, 1),
		    "SUBMITTED") == 0;
		n++;
		if (sqlite3_column_type(st, 2) == SQLITE_NULL) {
			tx_execute(id);
			continue;
		}
		if ((j = job_load(id)) == NULL)
			continue;
		j->last_valid_height = (uint64_t)sqlite3_column_int64(st, 5);
		h = (const char *)sqlite3_column_text(st, 3);
		hlen = 0;
		if (h != NULL && j->s.chain == KS_CHAIN_ETHEREUM &&
		    strlen(h) == 66 && sodium_hex2bin(hash, 32, h + 2, 64,
		    NULL, NULL, NULL) == 0)
			hlen = 32;
		else if (h != NULL && j->s.chain == KS_CHAIN_SOLANA &&
		    base58_decode(h, strlen(h), hash, 64) == 64)
			hlen = 64;
		if (hlen == 0)
			fatalx("transaction %s: stored hash malformed", id);
		broadcast(j, sqlite3_column_blob(st, 2),
		    (size_t)sqlite3_column_bytes(st, 2), hash, hlen,
		    (uint64_t)sqlite3_column_int64(st, 4),
		    submitted || pd.killed ? CHSEND_WATCH_ONLY : 0);
	}
	sqlite3_finalize(st);
	if (n > 0)
		log_info("resuming %zu transactions", n);
	queue_arm();
}
