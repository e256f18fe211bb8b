/*
 * The EVM chain context that policyd signs with: the nonce, the fees and
 * the gas limit of a transaction, and for a dry run what the wallet
 * holds (balance, token balance and decimals) and whether a memo's
 * recipient has code.  All calls go out at once; the first error
 * speaks, and every answer is checked before it is used.  All are reads:
 * an identical one started after the request arrived may answer for
 * them (evm_read()).
 *
 * The fee side of a send's context (the latest block's gas limit and
 * base fee, the priority fee) is the same for every sender: the newest
 * answer of each is kept per network with a time at or before its call
 * started, and a prepare whose request arrived before that time takes
 * it instead of asking again, as it could have joined that call while
 * it was in flight.  Under load most sends take them; one send at a
 * time, none does.  Nonces and gas estimates are the sender's own and
 * always asked.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chain_evm.h"
#include "evm.h"
#include "util.h"

#define GAS_MIN			21000
#define GAS_DEFAULT_CAP		30000000ULL	/* block without gasLimit */
#define GAS_ABS_CAP		100000000ULL	/* whatever the block says */
#define PRIO_DEFAULT		1000000000ULL	/* 1 gwei */
#define FEEHIST_BLOCKS		5
#define FEEHIST_BLOCKS_HEX	"0x5"

/* A network's newest fee answers; 0 in *_us: none. */
struct fee_seen {
	uint64_t		 node;		/* fee_node(): whose answers */
	uint64_t		 block_us;	/* its call started since */
	uint64_t		 block_gas;
	uint8_t			 base_fee[32];
	uint64_t		 prio_us;	/* priority fee's, the same */
	uint8_t			 prio[32];
};

static struct fee_seen	fee_seen[NET_MAX];

struct prep {
	struct chain_net	*net;
	uint64_t		 since;		/* the request's arrival */
	uint64_t		 block_us;	/* its block call: fee_read() */
	uint64_t		 prio_us;	/* its priority fee's */
	struct chain_ctx	 ctx;
	char			 from[43];
	char			 to[43];
	char			 value[67];
	char			*data;		/* "0x..." or NULL if none */
	int			 pending;
	int			 balance;	/* CHPREP_BALANCE asked */
	int			 no_code;	/* CHPREP_NO_CODE asked */
	int			 has_code;	/* to has code: it wins */
	int			 legacy;	/* no baseFeePerGas */
	uint64_t		 block_gas;	/* 0: not said */
	uint64_t		 estimate;
	char			 token[43];	/* CHPREP_TOKEN_BAL, or "" */
	int			 token_bal;	/* CHPREP_TOKEN_BAL asked */
	int			 decimals;	/* CHPREP_DECIMALS asked */
	int			 create;	/* CHPREP_CREATE: no to */
};

/* Which node a network's answers come from: its URL and addresses. */
static uint64_t
fee_node(const struct chain_net *n)
{
	uint64_t	 h = 14695981039346656037ULL;
	const char	*s;
	int		 i;

	for (i = 0; i < 2; i++)
		for (s = i == 0 ? n->url : n->resolve; ; s++) {
			h ^= (unsigned char)*s;
			h *= 1099511628211ULL;
			if (*s == '\0')
				break;
		}
	return h;
}

static struct fee_seen *
fee_of(const struct chain_net *n)
{
	struct fee_seen	*f;
	uint64_t	 node;

	if (n->index >= NET_MAX)
		return NULL;
	f = &fee_seen[n->index];
	if ((node = fee_node(n)) != f->node) {
		memset(f, 0, sizeof(*f));
		f->node = node;
	}
	return f;
}

/*
 * A fee read for p, and in *us a time at or before its call started:
 * now if it starts one, since if it joins one (rpc_call_shared() lets
 * it join only calls started since).
 */
static void
fee_read(struct prep *p, const char *method, json_t *params, rpc_cb cb,
    uint64_t *us)
{
	uint64_t	joined = rpc_joined(), now = rpc_now_us();

	evm_read(p->net, method, params, p->since, cb, p);
	*us = rpc_joined() != joined ? p->since : now;
}

static void __attribute__((format(printf, 4, 5)))
prep_fail(struct prep *p, int status, int retryable, const char *fmt, ...)
{
	va_list	ap;

	/*
	 * The first error speaks, but a revert beats any other, and a
	 * recipient with code beats a revert (the memo made the call).
	 */
	if (p->has_code)
		return;
	if (p->ctx.status == CHAIN_OK ||
	    (status == CHAIN_REVERT && p->ctx.status != CHAIN_REVERT)) {
		va_start(ap, fmt);
		chain_vfmt(p->ctx.message, sizeof(p->ctx.message), fmt, ap);
		va_end(ap);
		p->ctx.status = status;
		p->ctx.retryable = status == CHAIN_REVERT ? 0 : retryable;
	} else if (p->ctx.status == CHAIN_ERROR && !retryable)
		p->ctx.retryable = 0;
}

static void
prep_unref(struct prep *p)
{
	uint64_t	cap, limit;

	if (--p->pending > 0)
		return;
	if (p->ctx.status == CHAIN_OK) {
		cap = p->block_gas >= GAS_MIN ? p->block_gas : GAS_DEFAULT_CAP;
		if (cap > GAS_ABS_CAP)
			cap = GAS_ABS_CAP;
		if (p->estimate < GAS_MIN)
			prep_fail(p, CHAIN_ERROR, 0, "eth_estimateGas: "
			    "implausible estimate %" PRIu64, p->estimate);
		else if (p->estimate > cap)
			prep_fail(p, CHAIN_ERROR, 0, "eth_estimateGas: "
			    "estimate %" PRIu64 " above the gas cap %" PRIu64,
			    p->estimate, cap);
		else {
			p->ctx.gas_used = p->estimate;
			limit = p->estimate + p->estimate / 5;
			p->ctx.gas_limit = limit < cap ? limit : cap;
		}
		if (p->legacy)
			memset(p->ctx.priority_fee, 0, 32);
	}
	if (p->ctx.status != CHAIN_OK) {
		p->ctx.nonce = p->ctx.gas_limit = 0;
		memset(p->ctx.base_fee, 0, 32);
		memset(p->ctx.priority_fee, 0, 32);
	} else
		p->ctx.message[0] = '\0';
	chain_prep_done(&p->ctx);
	free(p->data);
	free(p);
}

static void
prep_nonce(json_t *res, const struct rpc_error *err, void *arg)
{
	struct prep	*p = arg;

	if (err != NULL)
		prep_fail(p, CHAIN_ERROR, err->retryable,
		    "eth_getTransactionCount: %s", err->message);
	else if (evm_qty_u64(res, &p->ctx.nonce) == -1 ||
	    p->ctx.nonce == UINT64_MAX)
		prep_fail(p, CHAIN_ERROR, 0,
		    "eth_getTransactionCount: invalid answer");
	prep_unref(p);
}

static void
prep_gasprice(json_t *res, const struct rpc_error *err, void *arg)
{
	struct prep	*p = arg;

	if (err != NULL)
		prep_fail(p, CHAIN_ERROR, err->retryable, "eth_gasPrice: %s",
		    err->message);
	else if (evm_qty_parse(res, p->ctx.base_fee) == -1)
		prep_fail(p, CHAIN_ERROR, 0, "eth_gasPrice: invalid answer");
	prep_unref(p);
}

/* The block's fees p was given: the newest kept, if they are newer. */
static void
fee_keep_block(const struct prep *p)
{
	struct fee_seen	*f = fee_of(p->net);

	if (f == NULL || p->block_us == 0 || p->block_us <= f->block_us)
		return;
	f->block_us = p->block_us;
	f->block_gas = p->block_gas;
	memcpy(f->base_fee, p->ctx.base_fee, 32);
}

static void
fee_keep_prio(const struct prep *p)
{
	struct fee_seen	*f = fee_of(p->net);

	if (f == NULL || p->prio_us == 0 || p->prio_us <= f->prio_us)
		return;
	f->prio_us = p->prio_us;
	memcpy(f->prio, p->ctx.priority_fee, 32);
}

static void
prep_block(json_t *res, const struct rpc_error *err, void *arg)
{
	struct prep	*p = arg;
	json_t		*v;

	if (err != NULL) {
		prep_fail(p, CHAIN_ERROR, err->retryable,
		    "eth_getBlockByNumber: %s", err->message);
		prep_unref(p);
		return;
	}
	if (!json_is_object(res)) {
		prep_fail(p, CHAIN_ERROR, 0,
		    "eth_getBlockByNumber: invalid answer");
		prep_unref(p);
		return;
	}
	v = json_object_get(res, "gasLimit");
	if (v != NULL && evm_qty_u64(v, &p->block_gas) == -1) {
		prep_fail(p, CHAIN_ERROR, 0,
		    "eth_getBlockByNumber: invalid gasLimit");
		prep_unref(p);
		return;
	}
	v = json_object_get(res, "baseFeePerGas");
	if (v == NULL || json_is_null(v)) {
		/* A chain before London: the gas price is the fee. */
		p->legacy = 1;
		evm_read(p->net, "eth_gasPrice", json_array(), p->since,
		    prep_gasprice, p);
		return;
	}
	if (evm_qty_parse(v, p->ctx.base_fee) == -1)
		prep_fail(p, CHAIN_ERROR, 0,
		    "eth_getBlockByNumber: invalid baseFeePerGas");
	else
		fee_keep_block(p);
	prep_unref(p);
}

static int
cmp_u256(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* eth_feeHistory: the median of the blocks' 50th percentile rewards. */
static void
prep_feehist(json_t *res, const struct rpc_error *err, void *arg)
{
	struct prep	*p = arg;
	uint8_t		 r[FEEHIST_BLOCKS][32];
	json_t		*rw, *v;
	size_t		 i, n = 0;

	rw = err == NULL && json_is_object(res) ?
	    json_object_get(res, "reward") : NULL;
	if (json_is_array(rw)) {
		json_array_foreach(rw, i, v) {
			if (n == FEEHIST_BLOCKS)
				break;
			if (!json_is_array(v) ||
			    evm_qty_parse(json_array_get(v, 0), r[n]) == -1) {
				n = 0;	/* malformed: ignore it all */
				break;
			}
			n++;
		}
	}
	if (n > 0) {
		qsort(r, n, 32, cmp_u256);
		memcpy(p->ctx.priority_fee, r[n / 2], 32);
		fee_keep_prio(p);
	} else
		u256_from_u64(PRIO_DEFAULT, p->ctx.priority_fee);
	prep_unref(p);
}

static int
method_missing(const struct rpc_error *e)
{
	static const char *const	says[] = { "not found",
	    "not supported", "unsupported", "does not exist",
	    "not available", NULL };

	return e->kind == RPC_E_RPC && (e->code == -32601 ||
	    chain_says(e->message, says));
}

static void
prep_prio(json_t *res, const struct rpc_error *err, void *arg)
{
	struct prep	*p = arg;

	if (err != NULL && method_missing(err)) {
		/*
		 * A node without eth_maxPriorityFeePerGas: what recent
		 * blocks paid (median of their medians), else 1 gwei.
		 */
		evm_read(p->net, "eth_feeHistory", json_pack("[s,s,[i]]",
		    FEEHIST_BLOCKS_HEX, "latest", 50), p->since,
		    prep_feehist, p);
		return;
	}
	if (err != NULL)
		prep_fail(p, CHAIN_ERROR, err->retryable,
		    "eth_maxPriorityFeePerGas: %s", err->message);
	else if (evm_qty_parse(res, p->ctx.priority_fee) == -1)
		prep_fail(p, CHAIN_ERROR, 0,
		    "eth_maxPriorityFeePerGas: invalid answer");
	else
		fee_keep_prio(p);
	prep_unref(p);
}

/* A dry run's balance: unknown is not an error, only not said. */
static void
prep_balance(json_t *res, const struct rpc_error *err, void *arg)
{
	struct prep	*p = arg;

	if (err == NULL && evm_qty_parse(res, p->ctx.balance) == 0)
		p->ctx.have_balance = 1;
	else
		memset(p->ctx.balance, 0, sizeof(p->ctx.balance));
	prep_unref(p);
}

/* A dry run's token balance: balanceOf(wallet), 32 bytes, or not said. */
static void
prep_token_balance(json_t *res, const struct rpc_error *err, void *arg)
{
	struct prep	*p = arg;
	uint8_t		*d = NULL;
	size_t		 len = 0;

	if (err == NULL && evm_data_parse(res, 32, &d, &len) == 0 &&
	    len == 32) {
		memcpy(p->ctx.token_balance, d, 32);
		p->ctx.have_token_balance = 1;
	}
	free(d);
	prep_unref(p);
}

/* The token's decimals(): one word, at most 255; or not said. */
static void
prep_decimals(json_t *res, const struct rpc_error *err, void *arg)
{
	struct prep	*p = arg;
	uint8_t		*d = NULL;
	size_t		 len = 0;

	if (err == NULL && evm_data_parse(res, 32, &d, &len) == 0 &&
	    len == 32 && u256_fits_u64(d) && u256_low64(d) <= 255) {
		p->ctx.decimals = d[31];
		p->ctx.have_decimals = 1;
	}
	free(d);
	prep_unref(p);
}

static void
prep_estimate(json_t *res, const struct rpc_error *err, void *arg)
{
	struct prep	*p = arg;
	char		 msg[CHAIN_MSG_MAX];

	if (err != NULL && evm_is_revert(err)) {
		evm_revert_message(err, msg, sizeof(msg));
		prep_fail(p, CHAIN_REVERT, 0, "%s", msg);
	} else if (err != NULL)
		prep_fail(p, CHAIN_ERROR, err->retryable,
		    "eth_estimateGas: %s", err->message);
	else if (evm_qty_u64(res, &p->estimate) == -1)
		prep_fail(p, CHAIN_ERROR, 0,
		    "eth_estimateGas: invalid answer");
	prep_unref(p);
}

/*
 * A native transfer with a memo must go to an account without code:
 * to a contract (or a delegated account) the memo would be call data,
 * a call that CONTRACT_WHITELIST never judged.
 */
static void
prep_code(json_t *res, const struct rpc_error *err, void *arg)
{
	struct prep	*p = arg;
	const char	*c = json_string_value(res);

	if (err != NULL)
		prep_fail(p, CHAIN_ERROR, err->retryable, "eth_getCode: %s",
		    err->message);
	else if (c == NULL || strncmp(c, "0x", 2) != 0)
		prep_fail(p, CHAIN_ERROR, 0, "eth_getCode: invalid answer");
	else if (c[2] != '\0') {
		p->ctx.status = CHAIN_OK;	/* this one speaks */
		prep_fail(p, CHAIN_REFUSED, 0, "the recipient %s has code: a "
		    "memo would be call data to it; send without memo, or as "
		    "a CONTRACT_CALL", p->to);
		p->has_code = 1;
	}
	prep_unref(p);
}

/*
 * The block's fees and the priority fee: kept answers to calls started
 * since the request arrived, or calls of p's own.
 */
static void
fee_context(struct prep *p)
{
	struct fee_seen	*f = fee_of(p->net);

	if (f != NULL && f->block_us != 0 && f->block_us >= p->since) {
		p->block_gas = f->block_gas;
		memcpy(p->ctx.base_fee, f->base_fee, 32);
	} else {
		p->pending++;
		fee_read(p, "eth_getBlockByNumber", json_pack("[s,b]",
		    "latest", 0), prep_block, &p->block_us);
	}
	if (f != NULL && f->prio_us != 0 && f->prio_us >= p->since)
		memcpy(p->ctx.priority_fee, f->prio, 32);
	else {
		p->pending++;
		fee_read(p, "eth_maxPriorityFeePerGas", json_array(),
		    prep_prio, &p->prio_us);
	}
}

static void
prep_ready(void *arg, int st, int retryable, const char *msg)
{
	struct prep	*p = arg;
	json_t		*tx;
	char		 bal[BALANCEOF_HEX_LEN];

	if (st != NC_OK) {
		prep_fail(p, st == NC_ERROR ? CHAIN_ERROR : CHAIN_REFUSED,
		    st == NC_ERROR ? retryable : 0, "%s", msg);
		prep_unref(p);
		return;
	}
	if (p->create)
		tx = json_pack("{s:s,s:s}", "from", p->from, "value",
		    p->value);
	else
		tx = json_pack("{s:s,s:s,s:s}", "from", p->from, "to", p->to,
		    "value", p->value);
	if (tx != NULL && p->data != NULL &&
	    json_object_set_new(tx, "data", json_string(p->data)) == -1) {
		json_decref(tx);
		tx = NULL;
	}
	/* pending: one for each call, one held until all are made. */
	p->pending = 3;
	if (p->decimals) {
		p->pending++;
		evm_read(p->net, "eth_call", json_pack("[{s:s,s:s},s]", "to",
		    p->token, "data", SEL_DECIMALS, "latest"), p->since,
		    prep_decimals, p);
	}
	if (p->token_bal) {
		evm_balanceof_data(p->from, bal);
		p->pending++;
		evm_read(p->net, "eth_call", json_pack("[{s:s,s:s},s]", "to",
		    p->token, "data", bal, "pending"), p->since,
		    prep_token_balance, p);
	}
	evm_read(p->net, "eth_getTransactionCount",
	    json_pack("[s,s]", p->from, "pending"), p->since, prep_nonce, p);
	fee_context(p);
	evm_read(p->net, "eth_estimateGas", tx != NULL ? json_pack("[o]", tx) :
	    NULL, p->since, prep_estimate, p);
	if (p->balance) {
		p->pending++;
		evm_read(p->net, "eth_getBalance", json_pack("[s,s]", p->from,
		    "pending"), p->since, prep_balance, p);
	}
	if (p->no_code) {
		p->pending++;
		evm_read(p->net, "eth_getCode", json_pack("[s,s]", p->to,
		    "latest"), p->since, prep_code, p);
	}
	prep_unref(p);
}

void
evm_prepare(struct chain_net *n, const struct chain_prep *in,
    const uint8_t *data, uint64_t since)
{
	struct prep	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		chain_prep_oom(in);
		return;
	}
	p->net = n;
	p->since = since;
	p->pending = 1;
	p->balance = (in->flags & CHPREP_BALANCE) != 0;
	p->no_code = (in->flags & CHPREP_NO_CODE) != 0;
	memcpy(p->ctx.txid, in->txid, sizeof(p->ctx.txid));
	p->ctx.txid[sizeof(p->ctx.txid) - 1] = '\0';
	p->ctx.status = CHAIN_OK;
	p->token_bal = (in->flags & CHPREP_TOKEN_BAL) != 0;
	p->decimals = (in->flags & CHPREP_DECIMALS) != 0;
	p->create = (in->flags & CHPREP_CREATE) != 0;
	evm_qty_hex(in->value, p->value);
	if (in->op != CHOP_EVM_TX)
		prep_fail(p, CHAIN_REFUSED, 0, "not an EVM operation");
	else if (evm_addr_arg(in->from, CHAIN_ADDR_MAX, p->from, NULL) == -1)
		prep_fail(p, CHAIN_REFUSED, 0, "invalid from address");
	else if (p->create && (in->to[0] != '\0' || in->datalen == 0 ||
	    p->no_code))
		prep_fail(p, CHAIN_REFUSED, 0, "a contract creation has init "
		    "code and no to address");
	else if (!p->create && evm_addr_arg(in->to, CHAIN_ADDR_MAX, p->to,
	    NULL) == -1)
		prep_fail(p, CHAIN_REFUSED, 0, "invalid to address");
	else if ((in->flags & (CHPREP_TOKEN_BAL | CHPREP_DECIMALS)) &&
	    evm_addr_arg(in->mint, CHAIN_ADDR_MAX, p->token, NULL) == -1)
		prep_fail(p, CHAIN_REFUSED, 0, "invalid token address");
	else if (in->datalen > EVM_TX_MAX ||
	    (in->datalen > 0 && data == NULL))
		prep_fail(p, CHAIN_REFUSED, 0, "invalid calldata");
	else if (in->datalen > 0 &&
	    (p->data = evm_hex_data(data, in->datalen)) == NULL)
		prep_fail(p, CHAIN_ERROR, 1, "out of memory");
	if (p->ctx.status != CHAIN_OK) {
		prep_unref(p);
		return;
	}
	evm_net_ready(n, prep_ready, p);
}
