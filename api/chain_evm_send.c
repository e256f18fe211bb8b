/*
 * Broadcasting a signed EVM transaction and watching it to a final
 * state.  Only what the chain says ends a watch: a receipt (confirmed,
 * or failed with the reason its replay gives), the nonce used by another
 * transaction, or a broadcast the node refused outright.  No answer is
 * never a verdict: the watch polls again, backing off, and sends the
 * same bytes again when the node has forgotten them.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "chain_evm.h"
#include "evm.h"
#include "log.h"
#include "util.h"

#define BACKOFF_MAX_MS		30000
#define LOOKUP_TRIES		3		/* ambiguous broadcast */

#define LK_AMBIG	1	/* broadcast outcome unknown */
#define LK_NONCE	2	/* node said nonce too low */

struct watch {
	struct chain_net	*net;
	char			 txid[UUID_STR_LEN];
	uint8_t			 hash[32];
	char			 hashhex[67];
	char			 from[43];
	uint64_t		 nonce;
	uint8_t			*raw;
	size_t			 rawlen;
	int			 watch_only;
	struct event		*ev;
	void			(*next)(struct watch *);	/* on timer */
	long			 interval;	/* ms, grows on errors */
	int64_t			 seen_ms;	/* node last knew the tx */
	int			 lookup;	/* LK_* */
	int			 tries;
	int			 warned;
	int			 yielded;	/* polls put off in a row */
	char			 senderr[CHAIN_MSG_MAX];
	/* receipt of a failed transaction: replay for the reason */
	uint64_t		 block;
	char			 gasused[67];
};

static void	watch_poll(struct watch *);
static void	watch_receipt(struct watch *, json_t *);

static long
poll_ms(void)
{
	return chain_timing.poll_ms >= 10 ? chain_timing.poll_ms : 1000;
}

static long
resend_ms(void)
{
	return chain_timing.resend_ms >= 10 ? chain_timing.resend_ms : 30000;
}

static void
watch_free(struct watch *w)
{
	if (w->ev != NULL)
		event_free(w->ev);
	free(w->raw);
	free(w);
}

static void __attribute__((format(printf, 4, 5)))
watch_final(struct watch *w, int state, int retryable, const char *fmt, ...)
{
	char	msg[CHAIN_MSG_MAX];
	va_list	ap;

	va_start(ap, fmt);
	chain_vfmt(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_debug("tx %s %s: final state %d: %s", w->txid, w->hashhex, state,
	    msg);
	chain_status_done(w->txid, state, retryable, "%s", msg);
	watch_free(w);
}

static void
watch_timer(int fd, short ev, void *arg)
{
	struct watch	*w = arg;

	w->next(w);
}

static void
watch_at(struct watch *w, long ms, void (*next)(struct watch *))
{
	struct timeval	tv;

	w->next = next;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (evtimer_add(w->ev, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
}

/* The node answered: poll again at the normal pace. */
static void
watch_again(struct watch *w)
{
	w->interval = poll_ms();
	watch_at(w, w->interval, watch_poll);
}

/* Something failed: never a final state from that; poll later. */
static void
watch_backoff(struct watch *w, const char *what, const char *why)
{
	long	max = BACKOFF_MAX_MS > poll_ms() ? BACKOFF_MAX_MS : poll_ms();

	w->interval = w->interval * 2 < max ? w->interval * 2 : max;
	log_debug("tx %s: %s: %s; next poll in %ld ms", w->txid, what, why,
	    w->interval);
	watch_at(w, w->interval, watch_poll);
}

static void
watch_start(struct watch *w)
{
	w->seen_ms = chain_now_ms();
	watch_again(w);
}

static void
watch_submitted(struct watch *w)
{
	chain_status_done(w->txid, CHST_SUBMITTED, 0, "%s", w->hashhex);
	watch_start(w);
}

/* Replaying a failed transaction: the revert reason. */
static void
reason_call(json_t *res, const struct rpc_error *err, void *arg)
{
	struct watch	*w = arg;
	char		 msg[CHAIN_MSG_MAX];

	if (err != NULL && evm_is_revert(err)) {
		evm_revert_message(err, msg, sizeof(msg));
		watch_final(w, CHST_FAILED, 0, "%s", msg);
	} else if (err != NULL && strcasestr(err->message, "out of gas"))
		watch_final(w, CHST_FAILED, 0,
		    "execution reverted: out of gas");
	else
		watch_final(w, CHST_FAILED, 0, "execution reverted");
}

static void
reason_tx(json_t *res, const struct rpc_error *err, void *arg)
{
	struct watch	*w = arg;
	char		 from[43], to[43], value[67], gas[67], block[67];
	char		*input = NULL;
	uint8_t		 v[32], *d;
	size_t		 dlen;
	uint64_t	 g;
	json_t		*tx;

	if (err != NULL || !json_is_object(res) ||
	    !evm_hash_eq(json_object_get(res, "hash"), w->hash) ||
	    evm_addr_json(json_object_get(res, "from"), from) == -1 ||
	    evm_addr_json(json_object_get(res, "to"), to) == -1 ||
	    evm_qty_parse(json_object_get(res, "value"), v) == -1 ||
	    evm_qty_u64(json_object_get(res, "gas"), &g) == -1 ||
	    evm_data_parse(json_object_get(res, "input"), EVM_TX_MAX, &d,
	    &dlen) == -1) {
		watch_final(w, CHST_FAILED, 0, "execution reverted");
		return;
	}
	input = evm_hex_data(d, dlen);
	free(d);
	evm_qty_hex(v, value);
	evm_u64_hex(g, gas);
	evm_u64_hex(w->block, block);
	tx = input == NULL ? NULL : json_pack("{s:s,s:s,s:s,s:s,s:s}",
	    "from", from, "to", to, "data", input, "value", value,
	    "gas", gas);
	free(input);
	if (tx == NULL) {
		watch_final(w, CHST_FAILED, 0, "execution reverted");
		return;
	}
	evm_call(w->net, "eth_call", json_pack("[o,s]", tx, block),
	    RPC_NORETRY, reason_call, w);
}

static void
watch_receipt(struct watch *w, json_t *r)
{
	json_t		*bn;
	uint8_t		 st[32];

	if (!evm_hash_eq(json_object_get(r, "transactionHash"), w->hash)) {
		watch_backoff(w, "eth_getTransactionReceipt",
		    "receipt of another transaction");
		return;
	}
	bn = json_object_get(r, "blockNumber");
	if (bn == NULL || json_is_null(bn)) {
		/* Some nodes give receipts of pending transactions. */
		w->seen_ms = chain_now_ms();
		watch_again(w);
		return;
	}
	if (evm_qty_u64(bn, &w->block) == -1 ||
	    evm_qty_parse(json_object_get(r, "status"), st) == -1 ||
	    !u256_fits_u64(st) || u256_low64(st) > 1) {
		watch_backoff(w, "eth_getTransactionReceipt",
		    "invalid receipt");
		return;
	}
	if (u256_low64(st) == 1) {
		watch_final(w, CHST_CONFIRMED, 0, "confirmed in block %" PRIu64,
		    w->block);
		return;
	}
	evm_call(w->net, "eth_getTransactionByHash",
	    json_pack("[s]", w->hashhex), 0, reason_tx, w);
}

/* After a nonce was seen used: is it ours after all? */
static void
watch_receipt2(json_t *res, const struct rpc_error *err, void *arg)
{
	struct watch	*w = arg;

	if (err != NULL)
		watch_backoff(w, "eth_getTransactionReceipt", err->message);
	else if (json_is_object(res))
		watch_receipt(w, res);
	else if (json_is_null(res))
		watch_final(w, CHST_FAILED, 0, "dropped: nonce %" PRIu64
		    " used by another transaction", w->nonce);
	else
		watch_backoff(w, "eth_getTransactionReceipt",
		    "invalid answer");
}

static void
watch_resent(json_t *res, const struct rpc_error *err, void *arg)
{
	struct watch	*w = arg;

	/* Whatever the node says, the next polls tell. */
	if (err != NULL)
		log_debug("tx %s: re-broadcast: %s", w->txid, err->message);
	else
		log_info("tx %s %s: re-broadcast", w->txid, w->hashhex);
	w->seen_ms = chain_now_ms();
	watch_again(w);
}

static void
watch_count(json_t *res, const struct rpc_error *err, void *arg)
{
	struct watch	*w = arg;
	char		*hex;
	uint64_t	 count;

	if (err != NULL) {
		watch_backoff(w, "eth_getTransactionCount", err->message);
		return;
	}
	if (evm_qty_u64(res, &count) == -1) {
		watch_backoff(w, "eth_getTransactionCount", "invalid answer");
		return;
	}
	if (count > w->nonce) {
		evm_call(w->net, "eth_getTransactionReceipt",
		    json_pack("[s]", w->hashhex), 0, watch_receipt2, w);
		return;
	}
	if (w->rawlen == 0 || (hex = evm_hex_data(w->raw, w->rawlen)) == NULL) {
		w->seen_ms = chain_now_ms();
		watch_again(w);
		return;
	}
	/* Unseen for too long: the same bytes again, nothing else. */
	evm_call(w->net, "eth_sendRawTransaction", json_pack("[s]", hex),
	    RPC_NORETRY, watch_resent, w);
	free(hex);
}

static void
watch_seen(json_t *res, const struct rpc_error *err, void *arg)
{
	struct watch	*w = arg;

	if (err != NULL) {
		watch_backoff(w, "eth_getTransactionByHash", err->message);
		return;
	}
	if (json_is_object(res) && evm_hash_eq(json_object_get(res, "hash"),
	    w->hash)) {
		w->seen_ms = chain_now_ms();
		watch_again(w);
		return;
	}
	if (!json_is_null(res)) {
		watch_backoff(w, "eth_getTransactionByHash", "invalid answer");
		return;
	}
	if (chain_now_ms() - w->seen_ms < resend_ms()) {
		watch_again(w);
		return;
	}
	evm_call(w->net, "eth_getTransactionCount",
	    json_pack("[s,s]", w->from, "latest"), 0, watch_count, w);
}

static void
watch_rcpt(json_t *res, const struct rpc_error *err, void *arg)
{
	struct watch	*w = arg;

	if (err != NULL)
		watch_backoff(w, "eth_getTransactionReceipt", err->message);
	else if (json_is_object(res))
		watch_receipt(w, res);
	else if (json_is_null(res)) {
		/*
		 * Whether the node still knows it matters only once it has
		 * gone unseen for resend_ms(): within half of that since it
		 * was last seen, the next receipt poll, not a second call.
		 * (A resend may come up to half that early: the same bytes.)
		 */
		if (chain_now_ms() - w->seen_ms < resend_ms() / 2)
			watch_again(w);
		else
			evm_call(w->net, "eth_getTransactionByHash",
			    json_pack("[s]", w->hashhex), 0, watch_seen, w);
	} else
		watch_backoff(w, "eth_getTransactionReceipt",
		    "invalid answer");
}

static void
watch_ready(void *arg, int st, int retryable, const char *msg)
{
	struct watch	*w = arg;

	if (st != NC_OK) {
		if (st != NC_ERROR && !w->warned) {
			log_warnx("tx %s: cannot watch: %s", w->txid, msg);
			w->warned = 1;
		}
		watch_backoff(w, "network", msg);
		return;
	}
	w->warned = 0;
	evm_call(w->net, "eth_getTransactionReceipt",
	    json_pack("[s]", w->hashhex), 0, watch_rcpt, w);
}

static void
watch_poll(struct watch *w)
{
	/* Put off while calls are crowded, a few times at most. */
	if (rpc_crowded() && w->yielded < WATCH_YIELD_MAX) {
		w->yielded++;
		watch_again(w);
		return;
	}
	w->yielded = 0;
	evm_net_ready(w->net, watch_ready, w);
}

/* After an ambiguous broadcast or "nonce too low": does the node know
 * our transaction? */
static void	lookup(struct watch *);

static void
lookup_done(json_t *res, const struct rpc_error *err, void *arg)
{
	struct watch	*w = arg;

	if (err == NULL && json_is_object(res) &&
	    evm_hash_eq(json_object_get(res, "hash"), w->hash)) {
		watch_submitted(w);
		return;
	}
	if (err == NULL && json_is_null(res)) {
		if (w->lookup == LK_NONCE)
			watch_final(w, CHST_NONCE_LOW, 0, "nonce %" PRIu64
			    " already used: %s", w->nonce, w->senderr);
		else
			watch_final(w, CHST_NOT_SENT, 1, "%s", w->senderr);
		return;
	}
	/*
	 * No answer, or nonsense.  After "nonce too low" the tx may well
	 * be ours and mined: keep asking, never guess.  After an ambiguous
	 * broadcast, a few tries, then not sent (retryable: the same bytes
	 * may be sent again).
	 */
	if (w->lookup == LK_AMBIG && ++w->tries >= LOOKUP_TRIES) {
		watch_final(w, CHST_NOT_SENT, 1, "%s", w->senderr);
		return;
	}
	w->interval = w->interval * 2 < BACKOFF_MAX_MS ? w->interval * 2 :
	    BACKOFF_MAX_MS;
	log_debug("tx %s: lookup: %s", w->txid, err != NULL ? err->message :
	    "invalid answer");
	watch_at(w, w->interval, lookup);
}

static void
lookup(struct watch *w)
{
	evm_call(w->net, "eth_getTransactionByHash",
	    json_pack("[s]", w->hashhex), 0, lookup_done, w);
}

/* The node has the transaction already. */
static const char *const	send_known[] = { "already known",
	"known transaction", "already imported", "alreadyknown",
	"already in the mempool", NULL };

/*
 * The nonce is taken by a transaction that is not ours: mined ("nonce
 * too low") or still in the node's pool ("replacement transaction
 * underpriced": another holder of the key got there first and its
 * transaction is not mined yet).  Both mean: re-sign with the next one.
 */
static const char *const	send_nonce_low[] = { "nonce too low",
	"nonce is too low", "already been used",
	"replacement transaction underpriced",
	"could not replace existing tx", NULL };

static void
send_done(json_t *res, const struct rpc_error *err, void *arg)
{
	struct watch	*w = arg;

	if (err == NULL) {
		if (evm_hash_eq(res, w->hash)) {
			watch_submitted(w);
			return;
		}
		w->lookup = LK_AMBIG;
		chain_fmt(w->senderr, sizeof(w->senderr),
		    "eth_sendRawTransaction: node answered another hash");
		lookup(w);
		return;
	}
	chain_fmt(w->senderr, sizeof(w->senderr), "%s", err->message);
	if (err->kind == RPC_E_RPC && chain_says(err->message, send_known))
		watch_submitted(w);
	else if (err->kind == RPC_E_RPC &&
	    chain_says(err->message, send_nonce_low)) {
		w->lookup = LK_NONCE;
		lookup(w);
	} else if (err->kind == RPC_E_RPC)
		/* A definite no: insufficient funds, fee too low ... */
		watch_final(w, CHST_NOT_SENT, err->retryable, "%s",
		    err->message);
	else {
		/* No answer: the node may have it. */
		w->lookup = LK_AMBIG;
		lookup(w);
	}
}

static void
send_ready(void *arg, int st, int retryable, const char *msg)
{
	struct watch	*w = arg;
	char		*hex;

	if (w->watch_only) {
		/* Already sent: watch whatever the node says now. */
		if (st == NC_OK)
			watch_start(w);
		else {
			w->seen_ms = chain_now_ms();
			watch_ready(w, st, retryable, msg);
		}
		return;
	}
	if (st != NC_OK) {
		watch_final(w, CHST_NOT_SENT, st == NC_ERROR ? retryable : 0,
		    "%s", msg);
		return;
	}
	if ((hex = evm_hex_data(w->raw, w->rawlen)) == NULL) {
		watch_final(w, CHST_NOT_SENT, 1, "out of memory");
		return;
	}
	evm_call(w->net, "eth_sendRawTransaction", json_pack("[s]", hex), 0,
	    send_done, w);
	free(hex);
}

void
evm_send(struct chain_net *n, const struct chain_send *s, const uint8_t *raw)
{
	struct watch	*w;
	char		 txid[UUID_STR_LEN];
	uint8_t		 h[32];

	memcpy(txid, s->txid, sizeof(txid));
	txid[sizeof(txid) - 1] = '\0';
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->ev = evtimer_new(chain_base, watch_timer, w)) == NULL ||
	    (s->rawlen > 0 && (w->raw = malloc(s->rawlen)) == NULL)) {
		if (w != NULL)
			watch_free(w);
		chain_status_done(txid, CHST_NOT_SENT, 1, "out of memory");
		return;
	}
	w->net = n;
	memcpy(w->txid, txid, sizeof(w->txid));
	w->watch_only = (s->flags & CHSEND_WATCH_ONLY) != 0;
	w->nonce = s->nonce;
	w->interval = poll_ms();
	if (s->hashlen != 32) {
		watch_final(w, CHST_NOT_SENT, 0, "invalid transaction hash");
		return;
	}
	memcpy(w->hash, s->hash, 32);
	evm_hash_hex(w->hash, w->hashhex);
	if (evm_addr_arg(s->from, CHAIN_ADDR_MAX, w->from, NULL) == -1) {
		watch_final(w, CHST_NOT_SENT, 0, "invalid from address");
		return;
	}
	if (s->rawlen > EVM_TX_MAX || (s->rawlen > 0 && raw == NULL) ||
	    (s->rawlen == 0 && !w->watch_only)) {
		watch_final(w, CHST_NOT_SENT, 0, "invalid raw transaction");
		return;
	}
	if (s->rawlen > 0) {
		/* The bytes we may (re-)broadcast must be this tx. */
		keccak256(raw, s->rawlen, h);
		if (memcmp(h, w->hash, 32) != 0) {
			watch_final(w, CHST_NOT_SENT, 0,
			    "raw transaction does not match its hash");
			return;
		}
		memcpy(w->raw, raw, s->rawlen);
		w->rawlen = s->rawlen;
	}
	evm_net_ready(n, send_ready, w);
}
