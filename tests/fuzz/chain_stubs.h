/*
 * The result hooks of api/chain.h, for fuzz targets that include a chain
 * client whole: results go nowhere.
 */
struct chain_timing	 chain_timing = { 100, 1000 };
struct event_base	*chain_base;

struct chain_ctx	 last_ctx;	/* the last prepare's result */

void
chain_prep_done(const struct chain_ctx *c)
{
	last_ctx = *c;
}

void
chain_status_done(const char *txid, int state, int retryable,
    const char *fmt, ...)
{
	(void)txid; (void)state; (void)retryable; (void)fmt;
}

void
chain_query_done(void *req, int status, const char *code, const char *msg,
    json_t *body)
{
	(void)req; (void)status; (void)code; (void)msg;
	json_decref(body);
}

/* The JSON way (chain_query_done()) for every balance. */
int
chain_balance_done(void *req, const struct chain_balance *b)
{
	(void)req; (void)b;
	return -1;
}
