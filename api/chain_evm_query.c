/*
 * The REST reads of an EVM wallet: its native balance, one token's
 * balance, or the assets it holds among the tokens the daemon knows
 * (each an ERC-20 asked for balanceOf, decimals and symbol).  A token
 * that answers nonsense is left out of the assets, and fails a balance.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "abi.h"
#include "chain_evm.h"
#include "util.h"

#define SEL_SYMBOL		"0x95d89b41"

#define QT_BAL		0
#define QT_DEC		1
#define QT_SYM		2

struct query;

struct qcall {
	struct query	*q;
	int		 tok;		/* -1: native */
	int		 what;		/* QT_* */
};

struct qtoken {
	char		 addr[43];
	uint8_t		 bal[32];
	unsigned	 dec;
	char		 symbol[SYMBOL_MAX + 1];
	int		 broken;	/* a definite failure: leave out */
	struct qcall	 c[3];
};

struct query {
	void			*req;
	struct chain_net	*net;
	uint64_t		 since;		/* the request's arrival */
	uint32_t		 kind;
	char			 wallet[UUID_STR_LEN];
	char			 addr[43];
	uint8_t			 native[32];
	int			 pending;
	int			 status;	/* 0 or HTTP error */
	char			 msg[CHAIN_MSG_MAX];
	size_t			 ntok;
	struct qtoken		 tok[CQ_TOKENS_MAX];
	struct qcall		 nc;
};

static void __attribute__((format(printf, 3, 4)))
query_fail(struct query *q, int status, const char *fmt, ...)
{
	va_list	ap;

	if (q->status != 0)
		return;
	va_start(ap, fmt);
	chain_vfmt(q->msg, sizeof(q->msg), fmt, ap);
	va_end(ap);
	q->status = status;
}

static json_t *
query_body(struct query *q)
{
	const struct network	*net = &q->net->net;
	struct qtoken		*t;
	json_t			*body, *assets, *a;
	char			 dec[80];
	size_t			 i;

	u256_dec(q->native, dec);
	if (q->kind == CQ_BALANCE && q->ntok == 1) {
		t = &q->tok[0];
		u256_dec(t->bal, dec);
		return json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:s}",
		    "walletId", q->wallet, "chain", "ethereum",
		    "network", net->name, "address", q->addr,
		    "balance", dec, "decimals", (json_int_t)t->dec,
		    "symbol", t->symbol, "token", t->addr);
	}
	if (q->kind == CQ_BALANCE)
		return json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:s}",
		    "walletId", q->wallet, "chain", "ethereum",
		    "network", net->name, "address", q->addr,
		    "balance", dec, "decimals", (json_int_t)net->decimals,
		    "symbol", net->symbol);
	/* name: the coin's name for ETH, else its symbol (a token's own
	 * name() is not read; the symbol is what the daemon knows). */
	if ((assets = json_array()) == NULL ||
	    (a = json_pack("{s:s,s:s,s:s,s:I,s:s,s:b}", "mint", "native",
	    "symbol", net->symbol, "name", strcmp(net->symbol, "ETH") == 0 ?
	    "Ether" : net->symbol, "decimals", (json_int_t)net->decimals,
	    "balance", dec, "isNative", 1)) == NULL ||
	    json_array_append_new(assets, a) == -1)
		goto fail;
	for (i = 0; i < q->ntok; i++) {
		t = &q->tok[i];
		if (t->broken)
			continue;
		u256_dec(t->bal, dec);
		if ((a = json_pack("{s:s,s:s,s:s,s:I,s:s,s:b}", "mint",
		    t->addr, "symbol", t->symbol, "name", t->symbol,
		    "decimals", (json_int_t)t->dec,
		    "balance", dec, "isNative", 0)) == NULL ||
		    json_array_append_new(assets, a) == -1)
			goto fail;
	}
	body = json_pack("{s:s,s:s,s:s,s:s,s:o}", "walletId", q->wallet,
	    "chain", "ethereum", "network", net->name, "address", q->addr,
	    "assets", assets);
	return body;
 fail:
	json_decref(assets);
	return NULL;
}

/* A balance answered without jansson (chain_balance_done()): 0. */
static int
query_balance_text(struct query *q)
{
	struct chain_balance	 b;
	struct qtoken		*t = &q->tok[0];
	char			 dec[80];

	if (q->kind != CQ_BALANCE)
		return -1;
	memset(&b, 0, sizeof(b));
	b.wallet = q->wallet;
	b.chain = "ethereum";
	b.address = q->addr;
	b.balance = dec;
	if (q->ntok == 1) {
		u256_dec(t->bal, dec);
		b.decimals = t->dec;
		b.symbol = t->symbol;
		b.token = t->addr;
	} else {
		u256_dec(q->native, dec);
		b.decimals = q->net->net.decimals;
		b.symbol = q->net->net.symbol;
	}
	return chain_balance_done(q->req, &b);
}

static void
query_unref(struct query *q)
{
	json_t	*body;

	if (--q->pending > 0)
		return;
	if (q->status == 0 && query_balance_text(q) == 0) {
		free(q);
		return;
	}
	if (q->status == 0 && (body = query_body(q)) != NULL)
		chain_query_done(q->req, 200, NULL, NULL, body);
	else {
		if (q->status == 0)
			query_fail(q, 502, "out of memory");
		chain_query_done(q->req, q->status, "CHAIN_ERROR", q->msg,
		    NULL);
	}
	free(q);
}

static const char *
qt_name(int what)
{
	return what == QT_BAL ? "balanceOf" : what == QT_DEC ? "decimals" :
	    "symbol";
}


static void
query_tok_done(json_t *res, const struct rpc_error *err, void *arg)
{
	struct qcall	*c = arg;
	struct query	*q = c->q;
	struct qtoken	*t = &q->tok[c->tok];
	uint8_t		*d = NULL;
	size_t		 len = 0;
	int		 bad = 0;

	if (err == NULL && evm_data_parse(res, ABI_MAX, &d, &len) == -1)
		bad = 1;
	if (c->what == QT_SYM) {
		/* Nice to have: "" when the token will not say. */
		if (err == NULL && !bad)
			evm_symbol_decode(d, len, t->symbol);
	} else if (err != NULL && (err->retryable ||
	    q->kind == CQ_BALANCE)) {
		query_fail(q, 502, "token %s: %s(): %s", t->addr,
		    qt_name(c->what), err->message);
	} else if (err != NULL || bad || len < 32 || (c->what == QT_DEC &&
	    (!u256_fits_u64(d) || u256_low64(d) > 255))) {
		/* Not an ERC-20 there: an error for one balance; left out
		 * of the assets. */
		if (q->kind == CQ_BALANCE)
			query_fail(q, 502, "token %s: %s(): invalid answer",
			    t->addr, qt_name(c->what));
		t->broken = 1;
	} else if (c->what == QT_BAL)
		memcpy(t->bal, d, 32);
	else
		t->dec = (unsigned)u256_low64(d);
	free(d);
	query_unref(q);
}

static void
query_native(json_t *res, const struct rpc_error *err, void *arg)
{
	struct query	*q = ((struct qcall *)arg)->q;

	if (err != NULL)
		query_fail(q, 502, "eth_getBalance: %s", err->message);
	else if (evm_qty_parse(res, q->native) == -1)
		query_fail(q, 502, "eth_getBalance: invalid answer");
	query_unref(q);
}

/*
 * "0x", the selector of balanceOf(address) and the address left-padded
 * to a word (chain/abi.h), in lower case: addr is "0x" and 40 hex
 * digits, checked already.  The selector is written out (SEL_BALANCEOF):
 * hashing its signature on every read cost a keccak each time.
 */
void
evm_balanceof_data(const char *addr, char out[BALANCEOF_HEX_LEN])
{
	size_t	o, i;
	char	c;

	memcpy(out, SEL_BALANCEOF, sizeof(SEL_BALANCEOF) - 1);
	o = sizeof(SEL_BALANCEOF) - 1;
	memset(out + o, '0', 24);
	o += 24;
	for (i = 2; i < 42; i++) {
		c = addr[i];
		out[o++] = c >= 'A' && c <= 'F' ? (char)(c - 'A' + 'a') : c;
	}
	out[o] = '\0';
}

static void
query_ready(void *arg, int st, int retryable, const char *msg)
{
	struct query	*q = arg;
	struct qtoken	*t;
	char		 bal[BALANCEOF_HEX_LEN];
	size_t		 i;
	int		 k;

	if (st != NC_OK) {
		query_fail(q, st == NC_NOURL ? 503 : 502, "%s", msg);
		query_unref(q);
		return;
	}
	if (q->ntok > 0)
		evm_balanceof_data(q->addr, bal);
	q->pending += (int)(3 * q->ntok);
	if (q->kind == CQ_ASSETS || q->ntok == 0) {
		q->pending++;
		q->nc.q = q;
		q->nc.tok = -1;
		evm_read(q->net, "eth_getBalance", json_pack("[s,s]", q->addr,
		    "latest"), q->since, query_native, &q->nc);
	}
	for (i = 0; i < q->ntok; i++) {
		t = &q->tok[i];
		for (k = 0; k < 3; k++) {
			t->c[k].q = q;
			t->c[k].tok = (int)i;
			t->c[k].what = k;
			evm_read(q->net, "eth_call", json_pack("[{s:s,s:s},s]",
			    "to", t->addr, "data", k == QT_BAL ? bal :
			    k == QT_DEC ? SEL_DECIMALS : SEL_SYMBOL,
			    "latest"), q->since, query_tok_done, &t->c[k]);
		}
	}
	query_unref(q);
}

void
evm_query(void *req, struct chain_net *n, const struct chain_query *in,
    uint64_t since)
{
	struct query	*q;
	size_t		 i;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		chain_query_done(req, 503, "CHAIN_ERROR", "out of memory",
		    NULL);
		return;
	}
	q->req = req;
	q->net = n;
	q->since = since;
	q->kind = in->kind;
	q->pending = 1;
	chain_clean(q->wallet, sizeof(q->wallet), in->wallet_id);
	if (in->kind != CQ_BALANCE && in->kind != CQ_ASSETS)
		query_fail(q, 502, "unsupported query");
	else if (evm_addr_arg(in->address, CHAIN_ADDR_MAX, q->addr, NULL) == -1)
		query_fail(q, 502, "invalid address");
	else if (in->kind == CQ_BALANCE &&
	    strnlen(in->token, sizeof(in->token)) > 0) {
		if (evm_addr_arg(in->token, CHAIN_ADDR_MAX, q->tok[0].addr,
		    NULL) == -1)
			query_fail(q, 502, "invalid token address");
		q->ntok = 1;
	} else if (in->kind == CQ_ASSETS) {
		if (in->ntokens > CQ_TOKENS_MAX)
			query_fail(q, 502, "too many tokens");
		for (i = 0; q->status == 0 && i < in->ntokens; i++) {
			if (evm_addr_arg(in->tokens[i], CHAIN_ADDR_MAX,
			    q->tok[i].addr, NULL) == -1)
				query_fail(q, 502, "invalid token address");
			q->ntok++;
		}
	}
	if (q->status != 0) {
		query_unref(q);
		return;
	}
	evm_net_ready(n, query_ready, q);
}
