/*
 * The daemon's side of chain.h: policyd's chain work arrives here over
 * imsg and goes to the EVM or Solana client; their results go back to
 * policyd, or answer the REST request policyd passed on.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <sodium.h>

#include "api.h"
#include "chain.h"
#include "config.h"
#include "keystore.h"
#include "log.h"
#include "metrics.h"
#include "network.h"
#include "txinput.h"
#include "url.h"
#include "util.h"
#include "wipe.h"

struct chain_timing	chain_timing = { 2000, 30000 };
struct event_base	*chain_base;

static struct chain_net	nets[NET_MAX];
static size_t		nnets;

/* Before the sandbox: the network table, the CA bundle, libcurl. */
void
api_chain_init(struct proc *p)
{
	const struct ctl_network	*cn;
	struct rpc_limits		 lim;
	struct chain_net		*n;
	char				*ca;
	size_t				 calen;
	uint32_t			 i;

	chain_base = api.base;
	for (i = 0; (cn = proc_network(i)) != NULL; i++) {
		n = &nets[i];
		n->index = i;
		n->net = cn->net;
		strlcpy(n->url, cn->url, sizeof(n->url));
		strlcpy(n->resolve, cn->resolve, sizeof(n->resolve));
		n->ep.url = n->url;
		n->ep.resolve = n->resolve;
		n->ep.health = &n->health;
		n->flags = cn->flags;
		n->state = NETSTATE_UNCHECKED;
		nnets = i + 1;
	}
	lim.timeout_ms = p->cfg.rpc_timeout_ms;
	lim.max_response = p->cfg.rpc_max_response;
	lim.retries = (int)p->cfg.rpc_retries;
	chain_timing.poll_ms = p->cfg.poll_ms;
	chain_timing.resend_ms = p->cfg.resend_ms;
	if (rpc_load_ca(&ca, &calen) == -1)
		fatalx("cannot read the CA bundle");
	if (rpc_init(api.base, &lim, ca, calen) == -1)
		fatalx("rpc_init");
	free(ca);
}

static const char	*net_state(const struct chain_net *);

/*
 * A network's RPC as /health shows it: where the URL came from and what
 * the last call found.  Never the URL (it may hold an API key).
 */
json_t *
api_chain_health(void)
{
	json_t			*o, *e;
	const struct chain_net	*n;
	const char		*src, *st;
	size_t			 i;

	if ((o = json_object()) == NULL)
		return NULL;
	for (i = 0; i < nnets; i++) {
		n = &nets[i];
		src = n->url[0] == '\0' ? "none" : (n->flags & NETF_DEFAULT) ?
		    "default" : "config";
		st = net_state(n);
		if ((e = json_pack("{s:s, s:s}", "source", src, "state",
		    st)) == NULL)
			break;
		if (strcmp(st, "unreachable") == 0)
			json_object_set_new(e, "error",
			    json_string(n->health.err));
		json_object_set_new(o, n->net.name, e);
	}
	return o;
}

/* A network's state as /health names it. */
static const char *
net_state(const struct chain_net *n)
{
	if (n->url[0] == '\0')
		return "off";
	if (n->resolve[0] == '\0')
		return "unresolved";
	if (n->state == NETSTATE_WRONG)
		return "wrong_chain";
	if (n->health.err_at > n->health.ok_at)
		return "unreachable";
	if (n->health.ok_at > 0)
		return "ok";
	return "unchecked";
}

/* A unix time, or null before the first. */
static json_t *
when(int64_t t)
{
	return t > 0 ? json_integer((json_int_t)t) : json_null();
}

/*
 * GET /v1/admin/rpc-status: the reference's RpcStatusResponse.  This
 * daemon has one endpoint per network, not a pool, and never holds one
 * back: every call tries it (with rpc.c's retries).  So "status" is
 * "cooldown" while the last call to it failed (failureCount: the calls
 * failed since the last answer) and "available" otherwise, and
 * cooldownRemainingMs is always 0.  Beside those, what rpc.c counted:
 * the last answer and failure (unix s), the last call's latency, all
 * calls and failures, and the last failure's reason.  The URL is
 * masked (url_mask): a provider's key or a password never leaves.
 * builtinUrls: the public endpoint each built-in network would use
 * without an [rpc] key (config_rpc_default), whether in use or not.
 */
json_t *
api_chain_rpc_status(void)
{
	json_t			*o, *nets_o, *bi, *e, *a;
	const struct chain_net	*n;
	const char		*d;
	char			 shown[NET_URL_MAX];
	size_t			 i, j;

	if ((o = json_object()) == NULL || (nets_o = json_object()) == NULL ||
	    (bi = json_object()) == NULL)
		fatalx("json_object");
	json_object_set_new(o, "networks", nets_o);
	json_object_set_new(o, "builtinUrls", bi);
	for (i = 0; i < nnets; i++) {
		n = &nets[i];
		if ((a = json_array()) == NULL)
			fatalx("json_array");
		json_object_set_new(nets_o, n->net.name, a);
		/* net_builtin is in the order of the [rpc] keys */
		for (j = 0; j < net_nbuiltin && (n->net.custom ||
		    strcmp(net_builtin[j].name, n->net.name) != 0); j++)
			;
		if (j < net_nbuiltin &&
		    (d = config_rpc_default((int)j)) != NULL) {
			if (url_mask(d, shown, sizeof(shown)) == -1)
				fatalx("built-in URL %zu does not parse", j);
			json_object_set_new(bi, n->net.name,
			    json_pack("[s]", shown));
		}
		if (n->url[0] == '\0')
			continue;
		if (url_mask(n->url, shown, sizeof(shown)) == -1)
			strlcpy(shown, URL_MASKED, sizeof(shown));
		e = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:o, s:o, "
		    "s:o, s:I, s:I}",
		    "url", shown,
		    "status", n->health.consecutive > 0 ? "cooldown" :
		    "available",
		    "failureCount", (json_int_t)n->health.consecutive,
		    "cooldownRemainingMs", (json_int_t)0,
		    "source", (n->flags & NETF_DEFAULT) ? "default" : "config",
		    "state", net_state(n),
		    "lastSuccessAt", when(n->health.ok_at),
		    "lastFailureAt", when(n->health.err_at),
		    "lastLatencyMs", n->health.calls > 0 ?
		    json_integer((json_int_t)n->health.latency_ms) :
		    json_null(),
		    "calls", (json_int_t)n->health.calls,
		    "failures", (json_int_t)n->health.failures);
		if (e == NULL)
			fatalx("json_pack");
		if (n->health.err_at > 0)
			json_object_set_new(e, "lastError",
			    json_string(n->health.err));
		if (n->state == NETSTATE_WRONG)
			json_object_set_new(e, "chainIdSeen",
			    json_integer((json_int_t)n->seen_chain_id));
		json_array_append_new(a, e);
	}
	return o;
}

/* parent -> api: new addresses for a network's host. */
void
api_chain_resolve(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ctl_resolve	r;

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	if (r.index >= nnets || nets[r.index].url[0] == '\0' ||
	    memchr(r.resolve, '\0', sizeof(r.resolve)) == NULL)
		fatalx("IMSG_CTL_RESOLVE: malformed");
	/* Requests in flight keep their own copy (rpc_call copies it). */
	strlcpy(nets[r.index].resolve, r.resolve,
	    sizeof(nets[r.index].resolve));
	log_info("network %s: new addresses", nets[r.index].net.name);
}

static struct chain_net *
net_of(uint32_t i, const char *what)
{
	if (i >= nnets)
		fatalx("%s: no network %u", what, i);
	return &nets[i];
}

/*
 * When the request a chain read serves arrived, on rpc.c's clock (both
 * CLOCK_MONOTONIC microseconds): its reads may share the answer of an
 * identical call started since.  Not known (an internal request, a
 * send answered already): now, so only calls not yet started are.
 */
static uint64_t
since_of(const struct http_req *req)
{
	uint64_t	now = rpc_now_us();

	if (req == NULL || req->t0_us == 0 || req->t0_us > now)
		return now;
	return req->t0_us;
}

void
api_chain_prepare(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct chain_prep	 p;
	struct chain_net	*n;
	const uint8_t		*data = (const uint8_t *)imsg->data + sizeof(p);
	uint64_t		 since;

	(void)ch;
	(void)arg;
	memcpy(&p, imsg->data, sizeof(p));
	if (imsg->len != sizeof(p) + p.datalen ||
	    memchr(p.txid, '\0', sizeof(p.txid)) == NULL ||
	    memchr(p.from, '\0', sizeof(p.from)) == NULL ||
	    memchr(p.to, '\0', sizeof(p.to)) == NULL ||
	    memchr(p.mint, '\0', sizeof(p.mint)) == NULL)
		fatalx("IMSG_CHAIN_PREPARE: malformed");
	log_tx_step(p.txid, "api_prep", 0);
	n = net_of(p.net, "IMSG_CHAIN_PREPARE");
	/* A send answered already: policyd says when it arrived. */
	since = since_of(api_peek_pending(imsg->hdr.peerid));
	if (p.since_us != 0 && p.since_us < since)
		since = p.since_us;
	if (p.op == CHOP_EVM_TX && n->net.chain == KS_CHAIN_ETHEREUM)
		evm_prepare(n, &p, data, since);
	else if (p.op >= CHOP_SOL_TRANSFER && p.op <= CHOP_SOL_CALL &&
	    n->net.chain == KS_CHAIN_SOLANA && (p.datalen == 0 ||
	    (p.flags & CHPREP_SIMULATE)))
		sol_prepare(n, &p, data);
	else
		fatalx("IMSG_CHAIN_PREPARE: op %u on %s", p.op, n->net.name);
}

void
api_chain_send(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct chain_send	 s;
	struct chain_net	*n;
	const uint8_t		*raw = (const uint8_t *)imsg->data + sizeof(s);

	(void)ch;
	(void)arg;
	memcpy(&s, imsg->data, sizeof(s));
	if (imsg->len != sizeof(s) + s.rawlen || s.rawlen == 0 ||
	    memchr(s.txid, '\0', sizeof(s.txid)) == NULL ||
	    memchr(s.from, '\0', sizeof(s.from)) == NULL ||
	    (s.flags & ~CHSEND_WATCH_ONLY) != 0)
		fatalx("IMSG_CHAIN_SEND: malformed");
	log_tx_step(s.txid, "api_send", 0);
	n = net_of(s.net, "IMSG_CHAIN_SEND");
	if (n->net.chain == KS_CHAIN_ETHEREUM && s.hashlen == 32)
		evm_send(n, &s, raw);
	else if (n->net.chain == KS_CHAIN_SOLANA && s.hashlen == 64)
		sol_send(n, &s, raw);
	else
		fatalx("IMSG_CHAIN_SEND: hash of %u bytes on %s", s.hashlen,
		    n->net.name);
}

/*
 * A REST read in flight.  One network: a struct cq alone.  network=all:
 * one struct cq per network, all pointing at a struct cq_all that holds
 * the request and collects each network's result in its slot.
 */
struct cq_all {
	TAILQ_ENTRY(cq_all)	 entry;
	uint32_t		 peerid;
	struct http_req		*req;
	uint32_t		 kind;
	json_t			*parts;		/* one slot per network */
	uint32_t		 nparts, nasked, ndone;
	uint32_t		 admin;		/* the admin shape */
	json_t			*head;		/* walletId, chain, ... */
};
static TAILQ_HEAD(, cq_all)	cq_alls = TAILQ_HEAD_INITIALIZER(cq_alls);

struct cq {
	struct http_req		*req;		/* one network */
	struct cq_all		*all;		/* or a part of these */
	uint32_t		 slot;
	uint32_t		 kind;
	const struct network	*net;
	char			 token[CHAIN_ADDR_MAX + 1];
};

void
api_chain_query(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct chain_query	 q;
	struct chain_net	*n;
	struct cq		*c;
	struct cq_all		*a;
	uint32_t		 i;

	(void)ch;
	(void)arg;
	memcpy(&q, imsg->data, sizeof(q));
	if (memchr(q.wallet_id, '\0', sizeof(q.wallet_id)) == NULL ||
	    memchr(q.address, '\0', sizeof(q.address)) == NULL ||
	    memchr(q.token, '\0', sizeof(q.token)) == NULL ||
	    memchr(q.symbol, '\0', sizeof(q.symbol)) == NULL ||
	    memchr(q.name, '\0', sizeof(q.name)) == NULL ||
	    memchr(q.token_id, '\0', sizeof(q.token_id)) == NULL ||
	    q.ntokens > CQ_TOKENS_MAX || (q.kind != CQ_BALANCE &&
	    q.kind != CQ_ASSETS && q.kind != CQ_RESOLVE && q.kind != CQ_NFT) ||
	    (q.kind == CQ_NFT && (q.nparts != 0 || q.token[0] == '\0' ||
	    q.token_id[0] == '\0' || strspn(q.token_id, "0123456789") !=
	    strlen(q.token_id))) ||
	    (q.kind == CQ_RESOLVE && (q.nparts != 0 || q.token[0] == '\0')) ||
	    q.nparts > NET_MAX || (q.nparts == 0 && q.part != 0) ||
	    (q.nparts > 0 && (q.part >= q.nparts || q.token[0] != '\0')) ||
	    q.admin > 1 || (q.admin && (q.kind != CQ_BALANCE ||
	    q.nparts == 0)))
		fatalx("IMSG_API_CHAINQ: malformed");
	for (i = 0; i < q.ntokens; i++)
		if (memchr(q.tokens[i], '\0', sizeof(q.tokens[i])) == NULL)
			fatalx("IMSG_API_CHAINQ: malformed");
	n = net_of(q.net, "IMSG_API_CHAINQ");
	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("calloc");
	c->kind = q.kind;
	c->net = &n->net;
	strlcpy(c->token, q.token, sizeof(c->token));
	if (q.nparts == 0) {
		if ((c->req = api_take_pending(imsg->hdr.peerid)) == NULL)
			fatalx("IMSG_API_CHAINQ for no request");
	} else if (q.part == 0) {
		if ((a = calloc(1, sizeof(*a))) == NULL ||
		    (a->parts = json_array()) == NULL)
			fatal("cq_all");
		if ((a->req = api_take_pending(imsg->hdr.peerid)) == NULL)
			fatalx("IMSG_API_CHAINQ for no request");
		a->peerid = imsg->hdr.peerid;
		a->kind = q.kind;
		a->nparts = q.nparts;
		a->admin = q.admin;
		for (i = 0; i < q.nparts; i++)
			if (json_array_append_new(a->parts, json_null()) == -1)
				fatalx("json_array_append");
		/* The whole answer's head: the wallet, as the one-network
		 * answer names it, and the environment every part shares. */
		a->head = json_pack("{s:s,s:s,s:s,s:s}", "walletId",
		    q.wallet_id, "chain", net_chain_name(n->net.chain),
		    "environment", n->net.env == ENV_MAINNET ? "mainnet" :
		    "testnet", "address", q.address);
		if (a->head == NULL)
			fatalx("json_pack");
		TAILQ_INSERT_TAIL(&cq_alls, a, entry);
		c->all = a;
	} else {
		TAILQ_FOREACH(a, &cq_alls, entry)
			if (a->peerid == imsg->hdr.peerid)
				break;
		if (a == NULL || a->nasked != q.part || a->nparts != q.nparts ||
		    a->kind != q.kind || a->admin != q.admin)
			fatalx("IMSG_API_CHAINQ: part %u out of order", q.part);
		c->all = a;
	}
	if (c->all != NULL) {
		c->slot = q.part;
		if (++c->all->nasked == c->all->nparts)
			TAILQ_REMOVE(&cq_alls, c->all, entry);
	}
	if (q.kind == CQ_RESOLVE)
		token_resolve(c, n, &q);
	else if (q.kind == CQ_NFT) {
		if (n->net.chain != KS_CHAIN_ETHEREUM)
			fatalx("IMSG_API_CHAINQ: CQ_NFT on a Solana network");
		nft_read(c, n, &q);
	}
	else if (n->net.chain == KS_CHAIN_ETHEREUM)
		evm_query(c, n, &q, since_of(c->req != NULL ? c->req :
		    c->all->req));
	else
		sol_query(c, n, &q);
}

/* policyd -> api: the transfers into a wallet in a range of blocks. */
void
api_chain_incoming(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct incoming_ask	 a;
	struct chain_net	*n;

	(void)ch;
	(void)arg;
	memcpy(&a, imsg->data, sizeof(a));
	if (memchr(a.wallet, '\0', sizeof(a.wallet)) == NULL ||
	    memchr(a.address, '\0', sizeof(a.address)) == NULL ||
	    a.max_blocks == 0 || a.max_blocks > INCOMING_MAX_BLOCKS ||
	    a.have_from > 1)
		fatalx("IMSG_CHAIN_INCOMING_ASK: malformed");
	n = net_of(a.net, "IMSG_CHAIN_INCOMING_ASK");
	if (n->net.chain == KS_CHAIN_ETHEREUM)
		evm_incoming(n, &a);
	else
		sol_incoming(n, &a);
}

void
chain_incoming_done(const struct incoming_head *h,
    const struct incoming_xfer *x)
{
	struct iovec	iov[2];

	iov[0].iov_base = (void *)(uintptr_t)h;
	iov[0].iov_len = sizeof(*h);
	iov[1].iov_base = (void *)(uintptr_t)x;
	iov[1].iov_len = (size_t)h->count * sizeof(*x);
	if (imsgev_composev(&api.policyd, IMSG_CHAIN_INCOMING, 0, -1, iov,
	    h->count > 0 ? 2 : 1) == -1)
		fatal("IMSG_CHAIN_INCOMING");
}

void
chain_prep_done(const struct chain_ctx *c)
{
	log_tx_step(c->txid, "api_ctx", 0);
	if (imsgev_compose(&api.policyd, IMSG_CHAIN_CONTEXT, 0, -1, c,
	    sizeof(*c)) == -1)
		fatal("IMSG_CHAIN_CONTEXT");
}

void
chain_status_done(const char *txid, int state, int retryable,
    const char *fmt, ...)
{
	struct chain_status	s;
	va_list			ap;

	memset(&s, 0, sizeof(s));
	strlcpy(s.txid, txid, sizeof(s.txid));
	s.state = state;
	s.retryable = retryable != 0;
	va_start(ap, fmt);
	vsnprintf(s.message, sizeof(s.message), fmt, ap);
	va_end(ap);
	if (imsgev_compose(&api.policyd, IMSG_CHAIN_STATUS, 0, -1, &s,
	    sizeof(s)) == -1)
		fatal("IMSG_CHAIN_STATUS");
}

/*
 * What WAIaaS's answers add to the chain's: the CAIP-2 id of the network,
 * the CAIP-19 id of each asset and the amounts shown with their decimals.
 * Each is left out when this network has none (a custom chain's coin).
 */
static void
formatted(json_t *o)
{
	json_t	*dec = json_object_get(o, "decimals");
	char	 shown[BASE_AMOUNT_MAX + 3];

	if (json_is_integer(dec) && json_integer_value(dec) >= 0 &&
	    json_string_value(json_object_get(o, "balance")) != NULL &&
	    units_format(json_string_value(json_object_get(o, "balance")),
	    (unsigned)json_integer_value(dec), shown, sizeof(shown)) == 0)
		json_object_set_new(o, "balanceFormatted", json_string(shown));
}

static void
asset_id(json_t *o, const struct network *net, const char *token)
{
	char	id[NET_ASSET_ID_MAX + 1];

	if (net_asset_id(net, token, id, sizeof(id)) == 0)
		json_object_set_new(o, "assetId", json_string(id));
}

static void
enrich(json_t *body, const struct cq *c)
{
	json_t		*e;
	const char	*mint;
	char		 id[NET_CAIP2_MAX + 1];
	size_t		 i;

	if (net_caip2(c->net, id, sizeof(id)) == 0)
		json_object_set_new(body, "chainId", json_string(id));
	if (c->kind == CQ_BALANCE) {
		formatted(body);
		asset_id(body, c->net, c->token[0] != '\0' ? c->token : NULL);
		return;
	}
	json_array_foreach(json_object_get(body, "assets"), i, e) {
		formatted(e);
		mint = json_string_value(json_object_get(e, "mint"));
		if (mint != NULL)
			asset_id(e, c->net, json_is_true(json_object_get(e,
			    "isNative")) ? NULL : mint);
	}
}

/*
 * GET /v1/admin/wallets/{id}/balance: a network's balance in the
 * reference's admin shape, the native coin's amount in base units as
 * /v1/wallet/balance gives it (with its decimals and the amount shown
 * with them); usd: no price is looked up here.  A network that failed:
 * native null and its error.
 */
static json_t *
admin_slot(const struct cq *c, int status, const char *msg, json_t *body)
{
	json_t	*slot;

	if (status != 200) {
		json_decref(body);
		return json_pack("{s:s,s:n,s:[],s:s}", "network",
		    c->net->name, "native", "tokens", "error", msg != NULL ?
		    msg : "chain error");
	}
	slot = json_pack("{s:s,s:{s:O,s:O,s:O,s:n},s:[]}", "network",
	    c->net->name, "native", "balance", json_object_get(body,
	    "balance"), "symbol", json_object_get(body, "symbol"), "decimals",
	    json_object_get(body, "decimals"), "usd", "tokens");
	if (slot != NULL && json_object_get(body, "balanceFormatted") != NULL)
		json_object_set(json_object_get(slot, "native"),
		    "balanceFormatted", json_object_get(body,
		    "balanceFormatted"));
	json_decref(body);
	return slot;
}

/* network=all: this network's slot; the answer once all are in. */
static void
cq_part_done(struct cq *c, int status, const char *msg, json_t *body)
{
	struct cq_all	*a = c->all;
	json_t		*slot, *v;
	const char	*k;

	if (a->admin)
		slot = admin_slot(c, status, msg, body);
	else if (status == 200) {
		/* the wallet's fields are the head's; the rest is this
		 * network's */
		json_object_del(body, "walletId");
		json_object_del(body, "chain");
		json_object_del(body, "address");
		slot = body;
	} else {
		json_decref(body);
		slot = json_pack("{s:s,s:s}", "network", c->net->name, "error",
		    msg != NULL ? msg : "chain error");
	}
	if (slot == NULL || json_array_set_new(a->parts, c->slot, slot) == -1)
		fatalx("cq_part_done: out of memory");
	if (++a->ndone < a->nparts)
		return;
	v = a->head;
	if (a->admin)
		json_object_clear(v);
	k = a->kind == CQ_BALANCE ? "balances" : "networkAssets";
	if (json_object_set_new(v, k, a->parts) == -1)
		fatalx("cq_part_done: out of memory");
	api_reply_json(a->req, 200, v);
	free(a);
}

void
chain_query_done(void *arg, int status, const char *code, const char *msg,
    json_t *body)
{
	struct cq	*c = arg;
	struct http_req	*req = c->req;

	if (status == 200 && body == NULL) {
		status = 502;
		msg = "out of memory";
	}
	if (status == 200)
		enrich(body, c);
	if (c->all != NULL)
		cq_part_done(c, status, msg, body);
	else if (status == 200)
		api_reply_json(req, 200, body);
	else {
		json_decref(body);
		http_error(req, status, code != NULL ? code : "CHAIN_ERROR",
		    msg != NULL ? msg : "chain error", status == 502 ||
		    status == 504, NULL);
	}
	free(c);
}

/*
 * Plain text for a JSON string: printable ASCII without a quote or a
 * backslash, so nothing to escape and nothing jansson would refuse.
 */
static int
balance_plain(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
			return 0;
	return 1;
}

/* bal_add(): one member, a string (quoted) or a number, in b. */
struct bal_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 bad;
};

static void
bal_put(struct bal_buf *b, const char *s, size_t n)
{
	if (b->bad || n >= b->cap - b->len) {
		b->bad = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
bal_add(struct bal_buf *b, const char *key, const char *val, int quote)
{
	if (quote && !balance_plain(val))
		b->bad = 1;
	if (b->len > 1)
		bal_put(b, ",", 1);
	bal_put(b, "\"", 1);
	bal_put(b, key, strlen(key));
	bal_put(b, quote ? "\":\"" : "\":", quote ? 3 : 2);
	bal_put(b, val, strlen(val));
	if (quote)
		bal_put(b, "\"", 1);
}

/*
 * One network's balance, the answer query_body() (chain_evm_query.c)
 * and enrich() give through jansson, member for member and in the same
 * order, written out directly: building, then dumping a JSON object
 * was a fifth of the api's time per balance.  Anything that would need
 * escaping, or a part of network=all or an admin's question, goes the
 * jansson way (-1).
 */
int
chain_balance_done(void *arg, const struct chain_balance *in)
{
	struct cq	*c = arg;
	struct bal_buf	 b;
	char		 body[1024], num[16], shown[BASE_AMOUNT_MAX + 3];
	char		 id[NET_ASSET_ID_MAX + 1];

	if (c->all != NULL || c->kind != CQ_BALANCE)
		return -1;
	b.p = body;
	b.cap = sizeof(body);
	b.bad = 0;
	body[0] = '{';
	b.len = 1;
	bal_add(&b, "walletId", in->wallet, 1);
	bal_add(&b, "chain", in->chain, 1);
	bal_add(&b, "network", c->net->name, 1);
	bal_add(&b, "address", in->address, 1);
	bal_add(&b, "balance", in->balance, 1);
	snprintf(num, sizeof(num), "%u", in->decimals);
	bal_add(&b, "decimals", num, 0);
	bal_add(&b, "symbol", in->symbol, 1);
	if (in->token != NULL)
		bal_add(&b, "token", in->token, 1);
	if (net_caip2(c->net, id, sizeof(id)) == 0)
		bal_add(&b, "chainId", id, 1);
	if (units_format(in->balance, in->decimals, shown,
	    sizeof(shown)) == 0)
		bal_add(&b, "balanceFormatted", shown, 1);
	if (net_asset_id(c->net, c->token[0] != '\0' ? c->token : NULL, id,
	    sizeof(id)) == 0)
		bal_add(&b, "assetId", id, 1);
	if (b.bad || b.len + 1 >= b.cap)
		return -1;
	body[b.len++] = '}';
	http_reply(c->req, 200, NULL, body, b.len);
	free(c);
	return 0;
}

/* GET /metrics: each network with an endpoint, its calls and their time. */
void
api_chain_metrics(struct mbuf *b)
{
	const struct chain_net	*n;
	char			 net[2 * NET_NAME_MAX + 2];
	char			 lab[2 * NET_NAME_MAX + 16];
	size_t			 i;
	int			 k;

	metrics_head(b, "waiaas_rpc_requests_total", "counter",
	    "Chain RPC calls that got a result, by network.");
	for (i = 0; i < nnets; i++)
		if (nets[i].url[0] != '\0')
			mbuf_printf(b, "waiaas_rpc_requests_total{network="
			    "\"%s\"} %llu\n", metrics_label(net, sizeof(net),
			    nets[i].net.name),
			    (unsigned long long)nets[i].health.answered);
	metrics_head(b, "waiaas_rpc_errors_total", "counter",
	    "Chain RPC calls that failed, by network and kind.");
	for (i = 0; i < nnets; i++) {
		n = &nets[i];
		if (n->url[0] == '\0')
			continue;
		metrics_label(net, sizeof(net), n->net.name);
		for (k = 1; k < RPC_E_MAX; k++)
			mbuf_printf(b, "waiaas_rpc_errors_total{network="
			    "\"%s\",kind=\"%s\"} %llu\n", net,
			    rpc_errkind(k),
			    (unsigned long long)n->health.failed[k]);
	}
	metrics_head(b, "waiaas_rpc_request_duration_seconds", "histogram",
	    "Chain RPC call time, retries included, by network.");
	for (i = 0; i < nnets; i++) {
		n = &nets[i];
		if (n->url[0] == '\0')
			continue;
		snprintf(lab, sizeof(lab), "network=\"%s\"",
		    metrics_label(net, sizeof(net), n->net.name));
		metrics_hist_print(b, "waiaas_rpc_request_duration_seconds",
		    lab, &n->health.latency);
	}
}
