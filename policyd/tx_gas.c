/*
 * The chain context's answer: gasCondition waits, then on to the signer;
 * and the hand-over of a signed transaction to api for broadcast.
 */

#include <string.h>

#include <sodium.h>

#include "base58.h"
#include "log.h"
#include "policy_rules.h"
#include "policyd.h"
#include "tx.h"

/* ---- gasCondition ---- */

/*
 * Is the node's gas price within the gasCondition?  The price a
 * transaction pays per gas is the base fee and the priority fee; the
 * priority fee is also held to its own maximum.  prices gets both in
 * decimal, for messages.
 */
int
gas_met(const struct txspec *s, const struct chain_ctx *x, char price[80],
    char prio[80])
{
	uint8_t	per_gas[32];

	if (u256_add(per_gas, x->base_fee, x->priority_fee) == -1)
		memset(per_gas, 0xff, sizeof(per_gas));
	u256_dec(per_gas, price);
	u256_dec(x->priority_fee, prio);
	return (!s->has_gas_max || u256_cmp(per_gas, s->gas_max) <= 0) &&
	    (!s->has_prio_max || u256_cmp(x->priority_fee, s->prio_max) <= 0);
}

static void
gas_again(evutil_socket_t fd, short what, void *arg)
{
	struct job	*j = arg;

	(void)fd;
	(void)what;
	if (!ended(j) && !killed(j))
		prepare(j);
}

/* When a transaction could first run: its request, or its DELAY's end. */
static long long
runnable_at(const char *id)
{
	sqlite3_stmt	*st;
	long long	 t = 0;

	if (sqlite3_prepare_v2(pd.db, "SELECT max(created_at, "
	    "coalesce(execute_after, 0)) FROM transactions WHERE id = ?", -1,
	    &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		t = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return t;
}

/*
 * A send with a gasCondition the node's prices do not meet waits: its
 * row says so (error, status EXECUTING) and the prices are asked again
 * every few seconds, until they do or its timeout from the request (or
 * its DELAY's end) has passed (then FAILED, GAS_CONDITION_TIMEOUT).  A restart
 * resumes the wait with the same deadline.  1 when it waits or failed.
 */
static int
gas_wait(struct job *j, const struct chain_ctx *x)
{
	sqlite3_stmt	*st;
	long long	 now = (long long)time(NULL), until;
	char		 price[80], prio[80], msg[400];
	long		 ms;

	if (!j->s.gas_cond)
		return 0;
	if (gas_met(&j->s, x, price, prio)) {
		tx_update("UPDATE transactions SET error = NULL, updated_at = "
		    "?1 WHERE id = ?2 AND error LIKE 'waiting for gas%'",
		    j->id);
		return 0;
	}
	until = runnable_at(j->id) + j->s.gas_timeout;
	if (now >= until) {
		snprintf(msg, sizeof(msg), "gasCondition not met within %llds:"
		    " the node's gas price is %s wei (priority fee %s)",
		    j->s.gas_timeout, price, prio);
		tx_fail(j, "GAS_CONDITION_TIMEOUT", 0, msg);
		return 1;
	}
	snprintf(msg, sizeof(msg), "waiting for gas: the node's gas price is "
	    "%s wei (priority fee %s), above the gasCondition; gives up at "
	    "%lld", price, prio, until);
	if (sqlite3_prepare_v2(pd.db, "UPDATE transactions SET error = ?1, "
	    "updated_at = ?2 WHERE id = ?3", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, msg, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, j->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	ms = (long)pd.p->cfg.poll_ms * 3L;
	ms = ms < 300 ? 300 : ms > GAS_POLL_MS ? GAS_POLL_MS : ms;
	prepare_later(j, ms);
	return 1;
}

/* The job's chain context asked again in ms milliseconds. */
void
prepare_later(struct job *j, long ms)
{
	struct timeval	tv;

	if (j->gas_ev == NULL &&
	    (j->gas_ev = evtimer_new(pd.base, gas_again, j)) == NULL)
		fatalx("evtimer_new");
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(j->gas_ev, &tv);
	j->has_nonce = 0;
	j->state = J_PREPARE;
}

/* api -> policyd: the chain context of a transaction. */
void
tx_context(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct chain_ctx	 x;
	struct job		*j;
	char			 msg[120];

	(void)ch;
	(void)arg;
	memcpy(&x, imsg->data, sizeof(x));
	if (memchr(x.txid, '\0', sizeof(x.txid)) == NULL ||
	    memchr(x.message, '\0', sizeof(x.message)) == NULL ||
	    memchr(x.sim_error, '\0', sizeof(x.sim_error)) == NULL ||
	    memchr(x.sim_logs, '\0', sizeof(x.sim_logs)) == NULL)
		fatalx("IMSG_CHAIN_CONTEXT: malformed");
	log_tx_step(x.txid, "pd_ctx", 0);
	if ((j = job_find(x.txid)) != NULL && j->state == J_SIM) {
		sim_done(j, &x);
		return;
	}
	if (j == NULL || j->state != J_PREPARE) {
		log_warnx("chain context for %s, which is not preparing",
		    x.txid);
		return;
	}
	if (ended(j) || killed(j))
		return;
	if (x.status != CHAIN_OK) {
		tx_fail(j, "CHAIN_ERROR", x.status == CHAIN_ERROR &&
		    x.retryable, x.message[0] != '\0' ? x.message :
		    "chain error");
		return;
	}
	if (gas_wait(j, &x))
		return;
	if (j->s.chain == KS_CHAIN_ETHEREUM && x.have_decimals &&
	    job_spec(j)->decimals >= 0 && job_spec(j)->decimals !=
	    x.decimals) {
		snprintf(msg, sizeof(msg), "token.decimals is %d but the "
		    "token's decimals() says %u", job_spec(j)->decimals,
		    x.decimals);
		tx_fail(j, "VALIDATION_FAILED", 0, msg);
	} else if (j->s.chain == KS_CHAIN_ETHEREUM)
		sign_evm(j, &x);
	else
		sign_sol(j, &x);
}

void
broadcast(struct job *j, const uint8_t *raw, size_t rawlen,
    const uint8_t *hash, size_t hashlen, uint64_t nonce, int flags)
{
	struct chain_send	s;
	struct iovec		iov[2];

	memset(&s, 0, sizeof(s));
	strlcpy(s.txid, j->id, sizeof(s.txid));
	s.net = j->s.net;
	s.flags = (uint32_t)flags;
	strlcpy(s.from, j->s.from, sizeof(s.from));
	s.hashlen = (uint32_t)hashlen;
	memcpy(s.hash, hash, hashlen);
	s.nonce = nonce;
	s.last_valid_height = j->last_valid_height;
	s.rawlen = (uint32_t)rawlen;
	iov[0].iov_base = &s;
	iov[0].iov_len = sizeof(s);
	iov[1].iov_base = (void *)(uintptr_t)raw;
	iov[1].iov_len = rawlen;
	j->state = J_SEND;
	if (imsgev_composev(&pd.api, IMSG_CHAIN_SEND, 0, -1, iov, 2) == -1)
		fatal("IMSG_CHAIN_SEND");
}

void
hash_text(int chain, const uint8_t *h, char *out, size_t len)
{
	if (chain == KS_CHAIN_ETHEREUM) {
		strlcpy(out, "0x", len);
		sodium_bin2hex(out + 2, len - 2, h, 32);
	} else
		base58_encode(h, 64, out, len);
}
