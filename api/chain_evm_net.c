/*
 * The EVM client's calls to a node.  Each network's node is asked its
 * eth_chainId before first use and again when the answer is 300 s old
 * (30 s when it was wrong); requests that arrive while the check is in
 * flight wait for it.
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "chain_evm.h"
#include "log.h"
#include "util.h"

#define NC_RECHECK_OK		300	/* s: re-ask eth_chainId */
#define NC_RECHECK_WRONG	30	/* s: re-ask a wrong node */
#define NC_WAITERS_MAX		1024

/* Params that could not be built: out of memory, through cb. */
static void
call_oom(rpc_cb cb, void *arg)
{
	struct rpc_error	e;

	memset(&e, 0, sizeof(e));
	e.kind = RPC_E_TRANSPORT;
	e.retryable = 1;
	strlcpy(e.message, "out of memory", sizeof(e.message));
	cb(NULL, &e, arg);
}

/*
 * rpc_call, except that params that could not be built (NULL from
 * json_pack: out of memory) fail through the callback instead of turning
 * into an empty array.
 */
void
evm_call(struct chain_net *n, const char *method, json_t *params,
    int flags, rpc_cb cb, void *arg)
{
	if (params == NULL) {
		call_oom(cb, arg);
		return;
	}
	rpc_call(&n->ep, method, params, flags, cb, arg);
}

/*
 * evm_call() for a read (no flags): the answer of an identical call
 * started at or after since_us, if one is in flight, rather than a call
 * of its own (rpc_call_shared()).
 */
void
evm_read(struct chain_net *n, const char *method, json_t *params,
    uint64_t since_us, rpc_cb cb, void *arg)
{
	if (params == NULL) {
		call_oom(cb, arg);
		return;
	}
	rpc_call_shared(&n->ep, method, params, 0, since_us, cb, arg);
}

/* ------------------------------------------------------------------ */
/* The network check. */

struct nc_waiter {
	TAILQ_ENTRY(nc_waiter)	 entry;
	nc_cb			 cb;
	void			*arg;
};
TAILQ_HEAD(nc_waiters, nc_waiter);

struct netcheck {
	struct chain_net	*net;
	int			 inflight;
	size_t			 nwait;
	struct nc_waiters	 waiters;
};

static struct netcheck	checks[NET_MAX];

static struct netcheck *
nc_get(struct chain_net *n)
{
	size_t	i;

	for (i = 0; i < nitems(checks); i++)
		if (checks[i].net == n)
			return &checks[i];
	for (i = 0; i < nitems(checks); i++)
		if (checks[i].net == NULL) {
			checks[i].net = n;
			TAILQ_INIT(&checks[i].waiters);
			return &checks[i];
		}
	return NULL;
}

static void
nc_wrong_msg(const struct chain_net *n, char *out, size_t sz)
{
	chain_fmt(out, sz, "network %s: node reports chain id %" PRIu64
	    ", configured %" PRIu64, n->net.name, n->seen_chain_id,
	    n->net.chain_id);
}

static void
nc_done(json_t *res, const struct rpc_error *err, void *arg)
{
	struct netcheck		*nc = arg;
	struct chain_net	*n = nc->net;
	struct nc_waiters	 list;
	struct nc_waiter	*w;
	char			 msg[CHAIN_MSG_MAX];
	uint64_t		 id;
	int			 st, retry = 0;

	nc->inflight = 0;
	if (err != NULL && err->kind != RPC_E_RPC) {
		st = NC_ERROR;
		retry = err->retryable;
		chain_rpc_msg(n, "eth_chainId", err, msg, sizeof(msg));
	} else if (err != NULL) {
		st = NC_ERROR;
		retry = err->retryable;
		chain_fmt(msg, sizeof(msg), "network %s: eth_chainId: %s",
		    n->net.name, err->message);
	} else if (evm_qty_u64(res, &id) == -1) {
		st = NC_ERROR;
		chain_fmt(msg, sizeof(msg), "network %s: eth_chainId: "
		    "invalid answer", n->net.name);
	} else {
		n->seen_chain_id = id;
		n->checked_at = time(NULL);
		if (id == n->net.chain_id) {
			st = NC_OK;
			n->state = NETSTATE_OK;
			msg[0] = '\0';
		} else {
			st = NC_WRONG;
			n->state = NETSTATE_WRONG;
			nc_wrong_msg(n, msg, sizeof(msg));
			log_warnx("%s", msg);
		}
	}
	/* Callbacks may queue anew and start another check. */
	TAILQ_INIT(&list);
	TAILQ_CONCAT(&list, &nc->waiters, entry);
	nc->nwait = 0;
	while ((w = TAILQ_FIRST(&list)) != NULL) {
		TAILQ_REMOVE(&list, w, entry);
		w->cb(w->arg, st, retry, msg);
		free(w);
	}
}

/*
 * Call cb once the network is known to be the configured chain (NC_OK),
 * or with why not.  cb may run before this returns.
 */
void
evm_net_ready(struct chain_net *n, nc_cb cb, void *arg)
{
	struct netcheck		*nc;
	struct nc_waiter	*w;
	char			 msg[CHAIN_MSG_MAX];
	int64_t			 now = time(NULL), age;

	if (n->url[0] == '\0') {
		net_rpc_advice(&n->net, 0, NULL, msg, sizeof(msg));
		cb(arg, NC_NOURL, 0, msg);
		return;
	}
	age = now - n->checked_at;
	if (n->state == NETSTATE_OK && age >= 0 && age < NC_RECHECK_OK) {
		cb(arg, NC_OK, 0, "");
		return;
	}
	if (n->state == NETSTATE_WRONG && age >= 0 &&
	    age < NC_RECHECK_WRONG) {
		nc_wrong_msg(n, msg, sizeof(msg));
		cb(arg, NC_WRONG, 0, msg);
		return;
	}
	if ((nc = nc_get(n)) == NULL || nc->nwait >= NC_WAITERS_MAX ||
	    (w = calloc(1, sizeof(*w))) == NULL) {
		chain_fmt(msg, sizeof(msg), "network %s: too many requests "
		    "waiting for the node", n->net.name);
		cb(arg, NC_ERROR, 1, msg);
		return;
	}
	w->cb = cb;
	w->arg = arg;
	TAILQ_INSERT_TAIL(&nc->waiters, w, entry);
	nc->nwait++;
	if (!nc->inflight) {
		nc->inflight = 1;
		evm_call(n, "eth_chainId", json_array(), 0, nc_done, nc);
	}
}
