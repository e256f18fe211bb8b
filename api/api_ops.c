/*
 * The admin answers the api gives itself once policyd has authenticated
 * the operator (IMSG_API_ADMINQ): what the api's own calls to the RPC
 * nodes and the price source found.  policyd never sees a URL; the api
 * never checks a credential.
 */
#include <string.h>

#include "api.h"
#include "log.h"
#include "msg.h"

void
api_admin_query(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct admin_query	 q;
	struct http_req		*req;
	json_t			*o;

	(void)ch;
	(void)arg;
	memcpy(&q, imsg->data, sizeof(q));
	if (q.pad != 0 || (q.kind != AQ_RPC_STATUS &&
	    q.kind != AQ_ORACLE_STATUS) || (q.kind == AQ_RPC_STATUS &&
	    (q.hits | q.misses | q.stale | q.size | q.evictions) != 0))
		fatalx("IMSG_API_ADMINQ: malformed");
	if ((req = api_take_pending(imsg->hdr.peerid)) == NULL)
		fatalx("IMSG_API_ADMINQ for no request");
	if (q.kind == AQ_RPC_STATUS)
		o = api_chain_rpc_status();
	else
		o = api_price_oracle(&q);
	api_reply_json(req, 200, o);
}
