/*
 * Incoming transfers into an EVM address, in a bounded range of blocks,
 * for policyd's watcher (policyd_incoming.c): the coin by the blocks'
 * transactions to the address (eth_getBlockByNumber with the full
 * transactions, one call per block), ERC-20 tokens by their Transfer
 * logs whose third topic is the address (one eth_getLogs over the
 * range).  Coin moved by a contract's internal call leaves no trace a
 * node shows without tracing, so it is not seen.  The range is at most
 * max_blocks long and ends at the node's latest block; an answer holds
 * at most INCOMING_XFERS_MAX transfers, and ends early (at a block
 * boundary) when there are more.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "chain_evm.h"
#include "log.h"
#include "util.h"

/* keccak256("Transfer(address,address,uint256)") */
#define TRANSFER_TOPIC	"0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a" \
			"11628f55a4df523b3ef"

#define INC_FOUND_MAX	(8 * INCOMING_XFERS_MAX)	/* in one range */

struct inc {
	struct chain_net	*net;
	struct incoming_head	 h;
	char			 addr[43];	/* checksummed */
	char			 topic[67];	/* the address as a word */
	uint64_t		 from, to;
	int			 pending;
	int			 failed;
	struct incoming_xfer	*x;
	size_t			 nx, cap;
	int			 overflow;	/* more than cap were found */
};

static void __attribute__((format(printf, 2, 3)))
inc_fail(struct inc *q, const char *fmt, ...)
{
	va_list	ap;

	if (q->failed)
		return;
	q->failed = 1;
	q->h.status = CHAIN_ERROR;
	va_start(ap, fmt);
	chain_vfmt(q->h.message, sizeof(q->h.message), fmt, ap);
	va_end(ap);
}

static int
xfer_cmp(const void *a, const void *b)
{
	const struct incoming_xfer	*x = a, *y = b;

	if (x->block != y->block)
		return x->block < y->block ? -1 : 1;
	/* the coin first, then by log index */
	if (x->log_index != y->log_index)
		return x->log_index == INCOMING_NATIVE ? -1 :
		    y->log_index == INCOMING_NATIVE ? 1 :
		    x->log_index < y->log_index ? -1 : 1;
	return strcmp(x->txhash, y->txhash);
}

static int
hash_json(const json_t *v, char out[INCOMING_HASH_MAX + 1])
{
	const char	*s;
	size_t		 i;

	if (!json_is_string(v) || json_string_length(v) != 66)
		return -1;
	s = json_string_value(v);
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -1;
	out[0] = '0';
	out[1] = 'x';
	for (i = 2; i < 66; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			out[i] = s[i];
		else if (s[i] >= 'a' && s[i] <= 'f')
			out[i] = s[i];
		else if (s[i] >= 'A' && s[i] <= 'F')
			out[i] = (char)(s[i] - 'A' + 'a');
		else
			return -1;
	}
	out[66] = '\0';
	return 0;
}

static int
nonzero(const uint8_t v[32])
{
	size_t	i;

	for (i = 0; i < 32; i++)
		if (v[i] != 0)
			return 1;
	return 0;
}

/* A word holding an address: its first 12 bytes zero. */
static int
word_is_addr(const uint8_t w[32])
{
	size_t	i;

	for (i = 0; i < 12; i++)
		if (w[i] != 0)
			return 0;
	return 1;
}

/* Room for one more; NULL (and overflow set) when the answer is full. */
static struct incoming_xfer *
xfer_new(struct incoming_xfer *xs, size_t *n, size_t cap, int *overflow)
{
	if (*n >= cap) {
		*overflow = 1;
		return NULL;
	}
	memset(&xs[*n], 0, sizeof(xs[*n]));
	return &xs[(*n)++];
}

/*
 * A block with its full transactions (eth_getBlockByNumber, true): the
 * ones to addr (checksummed) with a value.  0, or -1 if the block is not
 * a block of number want.
 */
int
evm_incoming_block(const json_t *b, const char *addr, uint64_t want,
    struct incoming_xfer *xs, size_t *n, size_t cap, int *overflow)
{
	const json_t		*txs, *tx, *to;
	struct incoming_xfer	*x;
	uint8_t			 v[32];
	uint64_t		 num;
	char			 a[43], from[43], hash[INCOMING_HASH_MAX + 1];
	size_t			 i;

	if (!json_is_object(b) || evm_qty_u64(json_object_get(b, "number"),
	    &num) == -1 || num != want ||
	    !json_is_array(txs = json_object_get(b, "transactions")))
		return -1;
	json_array_foreach(txs, i, tx) {
		if (!json_is_object(tx))
			return -1;	/* hashes only: not what was asked */
		to = json_object_get(tx, "to");
		if (to == NULL || json_is_null(to))
			continue;	/* a contract creation */
		if (evm_addr_json(to, a) == -1)
			return -1;
		if (strcmp(a, addr) != 0)
			continue;
		if (evm_qty_parse(json_object_get(tx, "value"), v) == -1 ||
		    evm_addr_json(json_object_get(tx, "from"), from) == -1 ||
		    hash_json(json_object_get(tx, "hash"), hash) == -1)
			return -1;
		if (!nonzero(v))
			continue;
		if ((x = xfer_new(xs, n, cap, overflow)) == NULL)
			return 0;
		strlcpy(x->txhash, hash, sizeof(x->txhash));
		strlcpy(x->from, from, sizeof(x->from));
		u256_dec(v, x->amount);
		x->block = num;
		x->log_index = INCOMING_NATIVE;
	}
	return 0;
}

/*
 * eth_getLogs' answer for Transfer(address,address,uint256) with topic2
 * = the address: each log an ERC-20 transfer (three topics, one word of
 * data; an ERC-721's has four and no data, and is left out) in blocks
 * lo to hi.  Removed logs (a reorganisation) are left out.  0 or -1.
 */
int
evm_incoming_logs(const json_t *logs, const char *topic, uint64_t lo,
    uint64_t hi, struct incoming_xfer *xs, size_t *n, size_t cap,
    int *overflow)
{
	const json_t		*l, *topics, *t;
	struct incoming_xfer	*x;
	uint8_t			*d = NULL, w[32];
	uint64_t		 num, idx;
	char			 tok[43], from[43], hash[INCOMING_HASH_MAX + 1];
	size_t			 i, len;

	if (!json_is_array(logs))
		return -1;
	json_array_foreach(logs, i, l) {
		if (!json_is_object(l) ||
		    !json_is_array(topics = json_object_get(l, "topics")))
			return -1;
		if (json_is_true(json_object_get(l, "removed")) ||
		    json_array_size(topics) != 3)
			continue;
		t = json_array_get(topics, 0);
		if (!json_is_string(t) ||
		    strcasecmp(json_string_value(t), TRANSFER_TOPIC) != 0)
			return -1;	/* not what was asked for */
		t = json_array_get(topics, 2);
		if (!json_is_string(t) ||
		    strcasecmp(json_string_value(t), topic) != 0)
			return -1;
		if (evm_qty_u64(json_object_get(l, "blockNumber"), &num) ==
		    -1 || num < lo || num > hi ||
		    evm_qty_u64(json_object_get(l, "logIndex"), &idx) == -1 ||
		    idx >= INCOMING_NATIVE ||
		    evm_addr_json(json_object_get(l, "address"), tok) == -1 ||
		    hash_json(json_object_get(l, "transactionHash"), hash) ==
		    -1)
			return -1;
		/* the sender: topic 1, an address as a word */
		t = json_array_get(topics, 1);
		if (!json_is_string(t) || json_string_length(t) != 66 ||
		    evm_qty_parse(t, w) == -1 || !word_is_addr(w))
			return -1;
		snprintf(from, sizeof(from), "0x%s", json_string_value(t) + 26);
		if (evm_addr_arg(from, 42, from, NULL) == -1)
			return -1;
		if (evm_data_parse(json_object_get(l, "data"), 64, &d,
		    &len) == -1)
			return -1;
		if (len != 32) {
			free(d);
			continue;
		}
		memcpy(w, d, 32);
		free(d);
		if (!nonzero(w))
			continue;
		if ((x = xfer_new(xs, n, cap, overflow)) == NULL)
			return 0;
		strlcpy(x->txhash, hash, sizeof(x->txhash));
		strlcpy(x->from, from, sizeof(x->from));
		strlcpy(x->token, tok, sizeof(x->token));
		u256_dec(w, x->amount);
		x->block = num;
		x->log_index = (uint32_t)idx;
	}
	return 0;
}

/*
 * All answers in: sorted by block.  More than INCOMING_XFERS_MAX: the
 * answer ends before the block of the first left out, so the next ask
 * takes that block whole (a single block holding more: its first
 * INCOMING_XFERS_MAX, logged).  More than INC_FOUND_MAX in the range:
 * an error naming the cure (a smaller incoming.max_blocks).
 */
static void
inc_finish(struct inc *q)
{
	size_t		 n = q->nx;
	uint64_t	 cut;

	if (!q->failed && q->overflow)
		inc_fail(q, "more than %d transfers in blocks %llu to %llu; "
		    "lower incoming.max_blocks", INC_FOUND_MAX,
		    (unsigned long long)q->from, (unsigned long long)q->to);
	if (q->failed) {
		q->h.count = 0;
		chain_incoming_done(&q->h, NULL);
		goto out;
	}
	qsort(q->x, q->nx, sizeof(*q->x), xfer_cmp);
	if (q->h.next == 0)
		q->h.next = q->to + 1;
	if (n > INCOMING_XFERS_MAX) {
		cut = q->x[INCOMING_XFERS_MAX].block;
		for (n = 0; n < INCOMING_XFERS_MAX && q->x[n].block < cut; n++)
			;
		if (n == 0) {
			n = INCOMING_XFERS_MAX;
			q->h.next = cut + 1;
			log_warnx("incoming: block %llu holds more than %d "
			    "transfers to %s; the first recorded",
			    (unsigned long long)cut, INCOMING_XFERS_MAX,
			    q->addr);
		} else
			q->h.next = cut;
	}
	q->h.count = (uint32_t)n;
	q->h.status = CHAIN_OK;
	chain_incoming_done(&q->h, q->x);
 out:
	free(q->x);
	free(q);
}

static void
inc_unref(struct inc *q)
{
	if (--q->pending == 0)
		inc_finish(q);
}

struct inc_block {
	struct inc	*q;
	uint64_t	 num;
};

static void
inc_block_done(json_t *res, const struct rpc_error *err, void *arg)
{
	struct inc_block	*b = arg;
	struct inc		*q = b->q;

	if (err != NULL)
		inc_fail(q, "eth_getBlockByNumber: %s", err->message);
	else if (!q->failed && evm_incoming_block(res, q->addr, b->num, q->x,
	    &q->nx, q->cap, &q->overflow) == -1)
		inc_fail(q, "eth_getBlockByNumber %llu: invalid answer",
		    (unsigned long long)b->num);
	free(b);
	inc_unref(q);
}

static void
inc_logs_done(json_t *res, const struct rpc_error *err, void *arg)
{
	struct inc	*q = arg;

	if (err != NULL)
		inc_fail(q, "eth_getLogs: %s", err->message);
	else if (!q->failed && evm_incoming_logs(res, q->topic, q->from,
	    q->to, q->x, &q->nx, q->cap, &q->overflow) == -1)
		inc_fail(q, "eth_getLogs: invalid answer");
	inc_unref(q);
}

static void
inc_head(json_t *res, const struct rpc_error *err, void *arg)
{
	struct inc		*q = arg;
	struct inc_block	*b;
	char			 lo[67], hi[67], num[67];
	uint64_t		 head, i;

	if (err != NULL || evm_qty_u64(res, &head) == -1) {
		inc_fail(q, "eth_blockNumber: %s", err != NULL ?
		    err->message : "invalid answer");
		inc_unref(q);
		return;
	}
	q->h.head = head;
	if (q->from == UINT64_MAX)	/* no cursor yet: look back */
		q->from = head + 1 > q->to ? head + 1 - q->to : 0;
	if (q->from > head) {		/* nothing new */
		q->h.next = q->from;
		inc_unref(q);
		return;
	}
	q->to = q->from + q->to - 1 < head ? q->from + q->to - 1 : head;
	evm_u64_hex(q->from, lo);
	evm_u64_hex(q->to, hi);
	q->pending++;
	evm_call(q->net, "eth_getLogs", json_pack("[{s:s,s:s,s:[s,n,s]}]",
	    "fromBlock", lo, "toBlock", hi, "topics", TRANSFER_TOPIC,
	    q->topic), 0, inc_logs_done, q);
	for (i = q->from; i <= q->to; i++) {
		if ((b = calloc(1, sizeof(*b))) == NULL) {
			inc_fail(q, "out of memory");
			break;
		}
		b->q = q;
		b->num = i;
		evm_u64_hex(i, num);
		q->pending++;
		evm_call(q->net, "eth_getBlockByNumber", json_pack("[s,b]",
		    num, 1), 0, inc_block_done, b);
	}
	inc_unref(q);
}

static void
inc_ready(void *arg, int st, int retryable, const char *msg)
{
	struct inc	*q = arg;

	(void)retryable;
	if (st != NC_OK) {
		inc_fail(q, "%s", msg);
		inc_unref(q);
		return;
	}
	evm_call(q->net, "eth_blockNumber", json_pack("[]"), 0, inc_head, q);
}

void
evm_incoming(struct chain_net *n, const struct incoming_ask *a)
{
	struct inc	*q;
	size_t		 i;

	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->x = calloc(INC_FOUND_MAX, sizeof(*q->x))) == NULL)
		fatal("calloc");
	q->net = n;
	q->cap = INC_FOUND_MAX;
	q->pending = 1;
	memcpy(q->h.wallet, a->wallet, sizeof(q->h.wallet));
	q->h.net = a->net;
	/* from: UINT64_MAX until the head is known; to: the range's length
	 * until then */
	q->from = a->have_from ? a->from : UINT64_MAX;
	q->to = a->max_blocks;
	if (evm_addr_arg(a->address, CHAIN_ADDR_MAX, q->addr, NULL) == -1) {
		inc_fail(q, "invalid address");
		inc_unref(q);
		return;
	}
	snprintf(q->topic, sizeof(q->topic), "0x%024d%s", 0, q->addr + 2);
	for (i = 2; q->topic[i] != '\0'; i++)
		if (q->topic[i] >= 'A' && q->topic[i] <= 'F')
			q->topic[i] = (char)(q->topic[i] - 'A' + 'a');
	evm_net_ready(n, inc_ready, q);
}
