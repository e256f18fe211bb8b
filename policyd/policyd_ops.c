/*
 * GET /v1/admin/rpc-status and /oracle-status: the operator is
 * authenticated here (masterAuth, from policyd's route table), and the
 * answer is the api's to give, since the api makes the RPC and price
 * calls and holds the URLs.  policyd adds only what it alone knows: its
 * price table's counters.
 */
#include <string.h>

#include "log.h"
#include "policyd.h"

static void
ask_api(struct pd_ctx *c, struct admin_query *q)
{
	if (imsgev_compose(&pd.api, IMSG_API_ADMINQ, c->peerid, -1, q,
	    sizeof(*q)) == -1)
		fatal("IMSG_API_ADMINQ");
}

void
admin_rpc_status(struct pd_ctx *c)
{
	struct admin_query	q;

	memset(&q, 0, sizeof(q));
	q.kind = AQ_RPC_STATUS;
	ask_api(c, &q);
}

void
admin_oracle_status(struct pd_ctx *c)
{
	struct admin_query	q;

	memset(&q, 0, sizeof(q));
	q.kind = AQ_ORACLE_STATUS;
	price_counters(&q);
	ask_api(c, &q);
}
