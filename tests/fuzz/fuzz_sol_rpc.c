/*
 * libFuzzer target for what a Solana node answers, as the api's Solana
 * client reads it (chain_sol_*.c, included whole: some readers are
 * static):
 * account data and owner, RpcResponse values, token account lists with
 * their sums, transaction errors and preflight logs, a dry run's
 * simulateTransaction answer (logs kept whole and printable).  The input
 * is a JSON document; the first byte picks the reader.
 */
#include "../../api/chain_sol_decode.c"
#include "../../api/chain_sol_prepare.c"
#include "../../api/chain_sol_simulate.c"
#include "../../api/chain_sol_send.c"
#include "../../api/chain_sol_query.c"

#include "chain_stubs.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A simulateTransaction answer as prep_sim_cb reads it. */
static void
sim_answer(json_t *j)
{
	struct sol_prep	*p;
	size_t		 n;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return;
	p->c.sim_logs[0] = '\0';
	/* prep_done frees p: check what it filled through a copy hook */
	prep_sim_cb(j, NULL, p);
	n = strnlen(last_ctx.sim_logs, sizeof(last_ctx.sim_logs));
	if (n == sizeof(last_ctx.sim_logs) ||
	    strnlen(last_ctx.sim_error, sizeof(last_ctx.sim_error)) ==
	    sizeof(last_ctx.sim_error) || (n > 0 &&
	    last_ctx.sim_logs[n - 1] != '\n'))
		abort();
	while (n-- > 0)
		if ((unsigned char)last_ctx.sim_logs[n] < 0x20 &&
		    last_ctx.sim_logs[n] != '\n')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sol_query	 q;
	struct rpc_error	 e;
	json_t			*j, *v;
	uint8_t			 owner[SOL_KEY_LEN], *d = NULL;
	size_t			 len;
	char			 buf[CHAIN_MSG_MAX], why[CHAIN_MSG_MAX];

	if (size < 1)
		return 0;
	j = json_loadb((const char *)data + 1, size - 1,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
	if (j == NULL)
		return 0;
	switch (data[0] % 5) {
	case 0:
		if ((v = sol_rpc_value(j)) != NULL &&
		    sol_acct_data(v, owner, &d, &len) == 0)
			free(d);
		break;
	case 1:
		memset(&q, 0, sizeof(q));
		(void)add_token_accounts(&q, j, data[0] & 4 ?
		    "So11111111111111111111111111111111111111112" : NULL,
		    why, sizeof(why));
		free(q.assets);
		break;
	case 2:
		sol_tx_err_text(j, buf, sizeof(buf));
		break;
	case 3:
		sim_answer(j);
		break;
	default:
		memset(&e, 0, sizeof(e));
		e.kind = RPC_E_RPC;
		e.code = -32002;
		e.data = j;
		preflight_text(&e, buf, sizeof(buf));
		break;
	}
	json_decref(j);
	return 0;
}
