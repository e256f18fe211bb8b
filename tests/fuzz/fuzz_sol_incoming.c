/*
 * libFuzzer target for the Solana half of the incoming watcher's readers
 * of what a node answers (api/chain_sol_incoming.c, included whole):
 * getSignaturesForAddress's answer (first byte even) for slots 5 to 8,
 * or getTransaction's (odd) for the signature and wallet below in slot
 * 5; whatever they accept then goes through the answer's sorting, whose
 * result is checked: never more than INCOMING_XFERS_MAX, every transfer
 * before the next slot, every amount a decimal without a leading zero,
 * every signature kept once and inside the range.
 */
#include <stdlib.h>

#include "../../api/chain_sol_decode.c"
#include "../../api/chain_sol_incoming.c"

#include "chain_stubs.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ADDR	"9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"
#define SIG	"5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQ" \
		"pjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW"

void
rpc_call(const struct rpc_endpoint *ep, const char *method, json_t *params,
    int flags, rpc_cb cb, void *arg)
{
	(void)ep; (void)method; (void)flags; (void)cb; (void)arg;
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
		    x[i].amount[0] == '\0' || x[i].txhash[0] == '\0' ||
		    memchr(x[i].amount, '\0', sizeof(x[i].amount)) == NULL)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sinc	*q;
	json_t		*v;
	json_error_t	 err;
	char		 last[SINC_SIG58_MAX];
	size_t		 i, j;
	int		 r, reached;

	if (size < 1)
		return 0;
	v = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY,
	    &err);
	if (v == NULL)
		return 0;
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->x = calloc(INCOMING_XFERS_MAX, sizeof(*q->x))) == NULL ||
	    (q->sigs = calloc(SINC_SIGS, sizeof(*q->sigs))) == NULL)
		abort();
	q->cap = INCOMING_XFERS_MAX;
	q->from = 5;
	q->to = 8;
	strlcpy(q->addr, ADDR, sizeof(q->addr));
	if (data[0] % 2 == 0) {
		/* twice: the second page repeats, nothing is kept twice */
		r = sol_incoming_sigs(v, q->from, q->to, q->sigs, &q->nsigs,
		    SINC_SIGS, &reached, last);
		if (r == 0)
			r = sol_incoming_sigs(v, q->from, q->to, q->sigs,
			    &q->nsigs, SINC_SIGS, &reached, last);
		for (i = 0; i < q->nsigs; i++) {
			if (q->sigs[i].slot < 5 || q->sigs[i].slot > 8)
				abort();
			for (j = 0; j < i; j++)
				if (strcmp(q->sigs[i].sig, q->sigs[j].sig) ==
				    0)
					abort();
		}
	} else {
		for (i = 0, r = 0; r == 0 && i <= data[0] / 2 % 4; i++)
			r = sol_incoming_tx(v, q->addr, SIG, 5, q->x, &q->nx,
			    q->cap, &q->overflow);
	}
	json_decref(v);
	if (q->nx > q->cap || q->nsigs > SINC_SIGS)
		abort();
	if (r != 0)
		q->failed = 1;
	sinc_finish(q);			/* frees q */
	return 0;
}
