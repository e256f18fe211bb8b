/*
 * libFuzzer target for the incoming watcher's readers of what a node
 * answers (api/chain_evm_incoming.c, included whole): a block with its
 * transactions (first byte even) or eth_getLogs' answer (odd), for the
 * address below and blocks 5 to 8; whatever they accept then goes
 * through the answer's sorting and cut, whose result is checked: never
 * more than INCOMING_XFERS_MAX, every transfer before the next block,
 * every amount a decimal without a leading zero.
 */
#include <stdlib.h>

#include "../../api/chain_evm_decode.c"
#include "../../api/chain_evm_incoming.c"

#include "chain_stubs.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ADDR	"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
#define TOPIC	"0x000000000000000000000000" \
		"70997970c51812dc3a010c7d01b50e0d17dc79c8"

void
evm_net_ready(struct chain_net *n, nc_cb cb, void *arg)
{
	(void)n;
	cb(arg, NC_NOURL, 0, "fuzz");
}

void
evm_call(struct chain_net *n, const char *method, json_t *params,
    int flags, rpc_cb cb, void *arg)
{
	(void)n; (void)method; (void)flags; (void)cb; (void)arg;
	json_decref(params);
}

void
chain_incoming_done(const struct incoming_head *h,
    const struct incoming_xfer *x)
{
	uint32_t	i;

	if (h->count > INCOMING_XFERS_MAX || (h->count > 0 && x == NULL))
		abort();
	for (i = 0; i < h->count; i++)
		if (x[i].block >= h->next || x[i].amount[0] == '0' ||
		    x[i].amount[0] == '\0' || x[i].txhash[0] == '\0')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inc	*q;
	json_t		*v;
	json_error_t	 err;
	size_t		 i;
	int		 r;

	if (size < 1)
		return 0;
	v = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY,
	    &err);
	if (v == NULL)
		return 0;
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->x = calloc(INC_FOUND_MAX, sizeof(*q->x))) == NULL)
		abort();
	q->cap = INC_FOUND_MAX;
	q->from = 5;
	q->to = 8;
	strlcpy(q->addr, ADDR, sizeof(q->addr));
	strlcpy(q->topic, TOPIC, sizeof(q->topic));
	if (data[0] % 2 == 0) {
		/* the same block several times: overflow and cut paths */
		for (i = 0, r = 0; r == 0 && i <= data[0] / 2 % 4; i++)
			r = evm_incoming_block(v, q->addr, 5 + i % 2, q->x,
			    &q->nx, q->cap, &q->overflow);
	} else
		r = evm_incoming_logs(v, q->topic, q->from, q->to, q->x,
		    &q->nx, q->cap, &q->overflow);
	json_decref(v);
	if (q->nx > q->cap)
		abort();
	if (r == -1)
		q->failed = 1;
	inc_finish(q);			/* frees q */
	return 0;
}
