/*
 * Broadcasting a signed Solana transaction and watching its signature
 * to a final state.  A send reaches a final state only from what the
 * chain says (confirmed or failed at "confirmed", or its blockhash
 * expired without it landing); a transient error while watching means
 * polling again later, with back-off, and sending the same bytes again
 * when the node has not seen them for a while.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>
#include <sodium.h>

#include "chain_sol.h"
#include "log.h"
#include "util.h"

#define SOL_SIG58_MAX		90	/* base58 of 64 bytes, NUL */
#define SOL_BACKOFF_MAX		30000	/* ms, between failing polls */
#define SOL_LOGS_KEPT		3	/* log lines quoted in a message */

struct sol_watch {
	struct chain_net	*n;
	char			 txid[UUID_STR_LEN];
	char			 sig[SOL_SIG58_MAX];
	char			*raw64;		/* NULL: nothing to resend */
	uint64_t		 last_valid;	/* 0: unknown, never expire */
	struct event		*ev;
	int64_t			 sent_at;	/* ms, last (re)send */
	long			 backoff;	/* ms, 0 after a good answer */
	int			 yielded;	/* polls put off in a row */
	int			 last_look;	/* expired: one more status */
};

static void	watch_poll(struct sol_watch *);

static long
poll_ms(void)
{
	return chain_timing.poll_ms > 0 ? chain_timing.poll_ms : 1000;
}

static void __attribute__((format(printf, 4, 5)))
watch_end(struct sol_watch *w, int state, int retryable, const char *f, ...)
{
	char	msg[CHAIN_MSG_MAX];
	va_list	ap;

	va_start(ap, f);
	chain_vfmt(msg, sizeof(msg), f, ap);
	va_end(ap);
	log_debug("sol send %s: %s", w->txid, msg);
	chain_status_done(w->txid, state, retryable, "%s", msg);
	if (w->ev != NULL)
		event_free(w->ev);
	free(w->raw64);
	free(w);
}

static void
watch_later(struct sol_watch *w, long ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (evtimer_add(w->ev, &tv) == -1)
		log_warnx("sol send %s: evtimer_add failed", w->txid);
}

/* Something went wrong while watching: never final, poll again later. */
static void __attribute__((format(printf, 2, 3)))
watch_retry(struct sol_watch *w, const char *f, ...)
{
	char	msg[CHAIN_MSG_MAX];
	va_list	ap;

	va_start(ap, f);
	chain_vfmt(msg, sizeof(msg), f, ap);
	va_end(ap);
	w->backoff = w->backoff == 0 ? poll_ms() : w->backoff * 2;
	if (w->backoff > SOL_BACKOFF_MAX)
		w->backoff = SOL_BACKOFF_MAX;
	log_info("sol send %s: %s; polling again in %ld ms", w->txid, msg,
	    w->backoff);
	watch_later(w, w->backoff);
}

static void
watch_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	watch_poll(arg);
}

static json_t *
send_params(const struct sol_watch *w)
{
	return json_pack("[s,{s:s,s:s}]", w->raw64, "encoding", "base64",
	    "preflightCommitment", "confirmed");
}

static void
resend_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_watch	*w = arg;

	(void)result;
	/* Whatever the node says, the next status poll decides. */
	if (e != NULL)
		log_debug("sol send %s: resend: %s", w->txid, e->message);
	w->sent_at = chain_now_ms();
	watch_later(w, poll_ms());
}

static void
height_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_watch	*w = arg;
	json_t			*params;
	uint64_t		 h;

	if (e != NULL) {
		watch_retry(w, "getBlockHeight: %s", e->message);
		return;
	}
	if (sol_json_u64(result, &h) == -1) {
		watch_retry(w, "getBlockHeight: malformed answer");
		return;
	}
	w->backoff = 0;
	if (w->last_valid != 0 && h > w->last_valid) {
		/* Past its last valid height: one more look, then expired. */
		w->last_look = 1;
		watch_poll(w);
		return;
	}
	if (w->raw64 != NULL && chain_timing.resend_ms > 0 &&
	    chain_now_ms() - w->sent_at >= chain_timing.resend_ms) {
		if ((params = send_params(w)) == NULL) {
			watch_retry(w, "resend: out of memory");
			return;
		}
		log_debug("sol send %s: unseen, sending again", w->txid);
		rpc_call(sol_endpoint(w->n), "sendTransaction", params,
		    RPC_NORETRY, resend_cb, w);
		return;
	}
	watch_later(w, poll_ms());
}

static void
status_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_watch	*w = arg;
	json_t			*v, *st, *cs, *err, *params;
	uint64_t		 slot;
	const char		*level;
	char			 why[CHAIN_MSG_MAX];

	if (e != NULL) {
		watch_retry(w, "getSignatureStatuses: %s", e->message);
		return;
	}
	v = sol_rpc_value(result);
	if (!json_is_array(v) || json_array_size(v) != 1) {
		watch_retry(w, "getSignatureStatuses: malformed answer");
		return;
	}
	st = json_array_get(v, 0);
	if (json_is_null(st)) {
		w->backoff = 0;
		if (w->last_look) {
			watch_end(w, CHST_EXPIRED, 1, "blockhash expired "
			    "(block height past %" PRIu64 ") and the "
			    "transaction did not land", w->last_valid);
			return;
		}
		params = json_pack("[{s:s}]", "commitment", "confirmed");
		if (params == NULL) {
			watch_retry(w, "getBlockHeight: out of memory");
			return;
		}
		rpc_call(sol_endpoint(w->n), "getBlockHeight", params, 0,
		    height_cb, w);
		return;
	}
	cs = json_object_get(st, "confirmationStatus");
	err = json_object_get(st, "err");
	if (!json_is_object(st) || err == NULL ||
	    sol_json_u64(json_object_get(st, "slot"), &slot) == -1 ||
	    (cs != NULL && !json_is_null(cs) && !json_is_string(cs))) {
		watch_retry(w, "getSignatureStatuses: malformed status");
		return;
	}
	w->backoff = 0;
	/* Without confirmationStatus (old nodes), no confirmations = rooted. */
	if (json_is_string(cs))
		level = json_string_value(cs);
	else if (json_is_null(json_object_get(st, "confirmations")))
		level = "finalized";
	else
		level = "processed";
	if (strcmp(level, "confirmed") != 0 &&
	    strcmp(level, "finalized") != 0) {
		/* Processed only: it may still be dropped with its fork. */
		watch_later(w, poll_ms());
		return;
	}
	if (!json_is_null(err)) {
		sol_tx_err_text(err, why, sizeof(why));
		watch_end(w, CHST_FAILED, 0, "transaction failed in slot %"
		    PRIu64 ": %s", slot, why);
		return;
	}
	watch_end(w, CHST_CONFIRMED, 0, "%s in slot %" PRIu64, level, slot);
}

static void
watch_poll(struct sol_watch *w)
{
	json_t	*params;

	/* Put off while calls are crowded, a few times at most. */
	if (rpc_crowded() && w->yielded < WATCH_YIELD_MAX) {
		w->yielded++;
		watch_later(w, poll_ms());
		return;
	}
	w->yielded = 0;
	params = json_pack("[[s],{s:b}]", w->sig, "searchTransactionHistory",
	    1);
	if (params == NULL) {
		watch_retry(w, "getSignatureStatuses: out of memory");
		return;
	}
	rpc_call(sol_endpoint(w->n), "getSignatureStatuses", params, 0,
	    status_cb, w);
}

/* A log line that says something (not invoke/success/consumed). */
static int
log_telling(const char *s)
{
	if (strncmp(s, "Program ", 8) != 0)
		return 1;
	if (strstr(s, " invoke [") != NULL ||
	    strstr(s, " success") != NULL ||
	    strstr(s, " consumed ") != NULL ||
	    strncmp(s, "Program log: Instruction:", 25) == 0)
		return 0;
	return 1;
}

/*
 * A preflight failure in a line: the node's message, then the last log
 * lines that say why (or the error object when there are none).
 */
static void
preflight_text(const struct rpc_error *e, char *buf, size_t len)
{
	const json_t	*logs, *l;
	const char	*keep[SOL_LOGS_KEPT];
	char		 part[CHAIN_MSG_MAX];
	size_t		 i, n = 0;

	chain_fmt(buf, len, "%s", e->message);
	logs = json_object_get(e->data, "logs");
	if (json_is_array(logs)) {
		for (i = 0; i < json_array_size(logs) && i < 256; i++) {
			l = json_array_get(logs, i);
			if (!json_is_string(l) ||
			    !log_telling(json_string_value(l)))
				continue;
			if (n == SOL_LOGS_KEPT) {
				memmove(keep, keep + 1,
				    sizeof(keep[0]) * (n - 1));
				n--;
			}
			keep[n++] = json_string_value(l);
		}
	}
	if (n == 0 && e->data != NULL &&
	    json_object_get(e->data, "err") != NULL &&
	    !json_is_null(json_object_get(e->data, "err")) &&
	    strstr(e->message, "Error processing") == NULL) {
		sol_tx_err_text(json_object_get(e->data, "err"), part,
		    sizeof(part));
		strlcat(buf, " (", len);
		strlcat(buf, part, len);
		strlcat(buf, ")", len);
	}
	for (i = 0; i < n; i++) {
		strlcat(buf, i == 0 ? "; logs: " : " | ", len);
		chain_fmt(part, sizeof(part), "%.100s", keep[i]);
		strlcat(buf, part, len);
	}
	chain_clean(buf, len, buf);
}

/* The node names this error: in the error's data, or its message. */
static int
err_is(const struct rpc_error *e, const char *name)
{
	const json_t	*err;

	err = json_object_get(e->data, "err");
	return (json_is_string(err) &&
	    strcmp(json_string_value(err), name) == 0) ||
	    strstr(e->message, name) != NULL;
}

static int
is_already_processed(const struct rpc_error *e)
{
	static const char *const	says[] = { "already been processed",
	    "already processed", NULL };

	return err_is(e, "AlreadyProcessed") || chain_says(e->message, says);
}

static int
is_blockhash_not_found(const struct rpc_error *e)
{
	static const char *const	says[] = { "blockhash not found",
	    NULL };

	return err_is(e, "BlockhashNotFound") || chain_says(e->message, says);
}

/*
 * JSON-RPC errors of sendTransaction that mean the node refused the
 * transaction before forwarding it: preflight (simulation) failure,
 * signature verification, a transaction it cannot decode.
 */
static int
is_refusal(const struct rpc_error *e)
{
	switch (e->code) {
	case -32002:	/* simulation failed */
	case -32003:	/* signature verification failure */
	case -32013:	/* signature length mismatch */
	case -32015:	/* transaction version unsupported */
	case -32600:	/* invalid request */
	case -32602:	/* invalid params: cannot decode it */
		return 1;
	default:
		return 0;
	}
}

static void
send_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_watch	*w = arg;
	char			 msg[CHAIN_MSG_MAX];

	w->sent_at = chain_now_ms();
	if (e == NULL) {
		if (json_is_string(result) &&
		    strcmp(json_string_value(result), w->sig) == 0)
			chain_status_done(w->txid, CHST_SUBMITTED, 0,
			    "accepted by the node");
		else
			/* The node answered nonsense: it may have sent it. */
			log_warnx("sol send %s: sendTransaction answered "
			    "another signature; watching", w->txid);
		watch_later(w, poll_ms());
		return;
	}
	if (e->kind == RPC_E_RPC && is_already_processed(e)) {
		chain_status_done(w->txid, CHST_SUBMITTED, 0,
		    "already processed");
		watch_later(w, poll_ms());
		return;
	}
	if (e->kind == RPC_E_RPC && is_blockhash_not_found(e)) {
		watch_end(w, CHST_EXPIRED, 1, "blockhash not found: expired "
		    "before the transaction was sent");
		return;
	}
	if (e->kind == RPC_E_RPC && is_refusal(e)) {
		preflight_text(e, msg, sizeof(msg));
		watch_end(w, CHST_NOT_SENT, 0, "%s", msg);
		return;
	}
	if (e->kind == RPC_E_HTTP && e->code >= 400 && e->code < 500 &&
	    e->code != 408 && e->code != 429) {
		watch_end(w, CHST_NOT_SENT, 1, "sendTransaction: %s",
		    e->message);
		return;
	}
	/* Transport, timeout, 5xx, other errors: it may have gone out. */
	log_info("sol send %s: sendTransaction: %s; watching", w->txid,
	    e->message);
	watch_later(w, poll_ms());
}

void
sol_send(struct chain_net *n, const struct chain_send *s, const uint8_t *raw)
{
	struct sol_watch	*w;
	char			 txid[UUID_STR_LEN], msg[CHAIN_MSG_MAX];
	size_t			 b64len;
	json_t			*params;

	memcpy(txid, s->txid, sizeof(txid));
	txid[sizeof(txid) - 1] = '\0';
	if (n->url[0] == '\0') {
		net_rpc_advice(&n->net, 0, NULL, msg, sizeof(msg));
		chain_status_done(txid, CHST_NOT_SENT, 0, "%s", msg);
		return;
	}
	if (s->hashlen != 64) {
		chain_status_done(txid, CHST_NOT_SENT, 0,
		    "a Solana signature is 64 bytes");
		return;
	}
	if (s->rawlen > SOL_TX_MAX || (s->rawlen == 0 &&
	    !(s->flags & CHSEND_WATCH_ONLY))) {
		chain_status_done(txid, CHST_NOT_SENT, 0,
		    "bad transaction length %u", s->rawlen);
		return;
	}
	/* The watched signature must be the first one of the bytes sent. */
	if (s->rawlen != 0 && (s->rawlen < 65 || raw[0] == 0 ||
	    raw[0] > 127 || memcmp(raw + 1, s->hash, 64) != 0)) {
		chain_status_done(txid, CHST_NOT_SENT, 0,
		    "the transaction does not carry its signature");
		return;
	}
	if (chain_base == NULL || (w = calloc(1, sizeof(*w))) == NULL) {
		chain_status_done(txid, CHST_NOT_SENT, 1, "out of memory");
		return;
	}
	w->n = n;
	memcpy(w->txid, txid, sizeof(w->txid));
	w->last_valid = s->last_valid_height;
	sol_enc58(s->hash, 64, w->sig, sizeof(w->sig));
	if (s->rawlen != 0) {
		b64len = sodium_base64_ENCODED_LEN(s->rawlen,
		    sodium_base64_VARIANT_ORIGINAL);
		if ((w->raw64 = malloc(b64len)) == NULL) {
			free(w);
			chain_status_done(txid, CHST_NOT_SENT, 1,
			    "out of memory");
			return;
		}
		sodium_bin2base64(w->raw64, b64len, raw, s->rawlen,
		    sodium_base64_VARIANT_ORIGINAL);
	}
	if ((w->ev = evtimer_new(chain_base, watch_tick, w)) == NULL) {
		free(w->raw64);
		free(w);
		chain_status_done(txid, CHST_NOT_SENT, 1, "out of memory");
		return;
	}
	if (w->last_valid == 0)
		log_warnx("sol send %s: no last valid height: the watch "
		    "cannot expire", w->txid);
	w->sent_at = chain_now_ms();
	if (s->flags & CHSEND_WATCH_ONLY) {
		watch_later(w, 0);
		return;
	}
	if ((params = send_params(w)) == NULL) {
		watch_end(w, CHST_NOT_SENT, 1, "out of memory");
		return;
	}
	rpc_call(sol_endpoint(n), "sendTransaction", params, RPC_NORETRY,
	    send_cb, w);
}

