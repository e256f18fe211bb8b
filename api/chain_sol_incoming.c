/*
 * Incoming transfers into a Solana address, in a bounded range of slots,
 * for policyd's watcher (policyd_incoming.c): slots are its "blocks".
 * The wallet and its SPL token accounts (getTokenAccountsByOwner, classic
 * token program, at most SINC_TOKACCTS) are each asked for their
 * signatures (getSignaturesForAddress, newest first, paged with `before'
 * until a slot below the range, at most SINC_PAGES pages), the ones that
 * succeeded inside the range are fetched (getTransaction), and each is
 * read by its balances: the wallet's lamports that grew, when the wallet
 * did not sign (native SOL, from the fee payer), and each token account
 * the wallet owns whose amount grew (an SPL transfer, from the owner
 * whose account of that mint shrank, else the fee payer).  Balances say
 * what moved whatever the instructions were (a transfer, a program's
 * inner call), and a transaction can only be counted once: it is keyed
 * by its signature and the account index.
 *
 * Bounds: the range is at most max_blocks slots and ends at the node's
 * confirmed slot; at most SINC_TXS transactions per answer (the answer
 * ends early at a slot boundary when there are more), SINC_SIGS
 * signatures per range, else an error naming the cure (a smaller
 * incoming.max_blocks).  Token-2022 accounts are not watched.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base58.h"
#include "chain_sol.h"
#include "log.h"
#include "util.h"

#define SINC_TOKACCTS	8	/* token accounts watched per wallet */
#define SINC_PAGE	1000	/* getSignaturesForAddress's limit */
#define SINC_PAGES	4	/* pages per address per ask */
#define SINC_SIGS	1024	/* signatures in range, per ask */
#define SINC_TXS	64	/* transactions fetched per answer */
#define SINC_KEYS_MAX	256	/* account keys of one transaction */

struct sinc {
	struct chain_net	*n;
	struct incoming_head	 h;
	char			 addr[SOL_KEY58_MAX];
	uint64_t		 from, to;
	int			 pending;
	int			 failed;
	char			 accts[SINC_TOKACCTS + 1][SOL_KEY58_MAX];
	size_t			 naccts;
	struct sinc_sig		*sigs;
	size_t			 nsigs;
	struct incoming_xfer	*x;
	size_t			 nx, cap;
	int			 overflow;
};

struct sinc_page {
	struct sinc	*q;
	size_t		 acct;
	int		 page;
};

struct sinc_tx {
	struct sinc	*q;
	size_t		 i;
};

static void __attribute__((format(printf, 2, 3)))
sinc_fail(struct sinc *q, const char *fmt, ...)
{
	va_list	ap;

	if (q->failed)
		return;
	q->failed = 1;
	q->h.status = CHAIN_ERROR;
	va_start(ap, fmt);
	chain_vfmt(q->h.message, sizeof(q->h.message), fmt, ap);
	va_end(ap);
}

/* A decimal u64 string: digits, no leading zero, no overflow. */
static int
dec_u64s(const json_t *v, uint64_t *out)
{
	const char	*s;
	uint64_t	 n = 0;
	size_t		 len, i;

	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	len = strlen(s);
	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    n > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	*out = n;
	return 0;
}

/* A base58 transaction signature (64 bytes), copied canonical. */
static int
sig_json(const json_t *v, char out[SINC_SIG58_MAX])
{
	uint8_t		b[64];
	const char	*s;
	size_t		len;

	if (!json_is_string(v) || (len = json_string_length(v)) < 64 ||
	    len >= SINC_SIG58_MAX)
		return -1;
	s = json_string_value(v);
	if (base58_decode(s, len, b, sizeof(b)) != 64)
		return -1;
	sol_enc58(b, sizeof(b), out, SINC_SIG58_MAX);
	return strcmp(out, s) == 0 ? 0 : -1;
}

static int
xfer_cmp(const void *a, const void *b)
{
	const struct incoming_xfer	*x = a, *y = b;
	int				 c;

	if (x->block != y->block)
		return x->block < y->block ? -1 : 1;
	if ((c = strcmp(x->txhash, y->txhash)) != 0)
		return c;
	if (x->log_index != y->log_index)
		return x->log_index == INCOMING_NATIVE ? -1 :
		    y->log_index == INCOMING_NATIVE ? 1 :
		    x->log_index < y->log_index ? -1 : 1;
	return 0;
}

static int
sig_cmp(const void *a, const void *b)
{
	const struct sinc_sig	*x = a, *y = b;

	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	return strcmp(x->sig, y->sig);
}

static struct incoming_xfer *
xfer_new(struct incoming_xfer *xs, size_t *n, size_t cap, int *overflow)
{
	if (*n >= cap) {
		*overflow = 1;
		return NULL;
	}
	memset(&xs[*n], 0, sizeof(xs[*n]));
	return &xs[(*n)++];
}

/* A token balance entry: its account index, mint, owner and amount. */
static int
tok_entry(const json_t *e, size_t nkeys, uint64_t *idx, const char **mint,
    const char **owner, uint64_t *amount)
{
	uint8_t	k[SOL_KEY_LEN];

	if (!json_is_object(e) ||
	    sol_json_u64(json_object_get(e, "accountIndex"), idx) == -1 ||
	    *idx >= nkeys ||
	    sol_json_key(json_object_get(e, "mint"), k) == -1 ||
	    dec_u64s(json_object_get(json_object_get(e, "uiTokenAmount"),
	    "amount"), amount) == -1)
		return -1;
	*mint = json_string_value(json_object_get(e, "mint"));
	/* an owner the node does not say cannot be the wallet */
	*owner = json_string_value(json_object_get(e, "owner"));
	if (*owner != NULL && sol_key58(*owner, k) == -1)
		return -1;
	return 0;
}

/*
 * getTransaction's answer (encoding json) for signature sig in slot
 * slot: the transfers into addr it holds, appended to xs.  0, or -1 if
 * it is not a well-formed answer for that transaction.
 */
int
sol_incoming_tx(const json_t *r, const char *addr, const char *sig,
    uint64_t slot, struct incoming_xfer *xs, size_t *n, size_t cap,
    int *overflow)
{
	const json_t		*meta, *msg, *keys, *la, *pre, *post, *ptb,
				*qtb, *e, *kv, *sigs;
	const char		*k[SINC_KEYS_MAX], *mint, *owner, *m2, *o2;
	struct incoming_xfer	*x;
	uint64_t		 s, nreq, a, b, idx, i2, v;
	uint8_t			 key[SOL_KEY_LEN];
	size_t			 nk = 0, i, j, w = SIZE_MAX;
	const char		*from;

	if (!json_is_object(r) ||
	    sol_json_u64(json_object_get(r, "slot"), &s) == -1 || s != slot ||
	    !json_is_object(meta = json_object_get(r, "meta")) ||
	    !json_is_object(msg = json_object_get(json_object_get(r,
	    "transaction"), "message")) ||
	    !json_is_array(sigs = json_object_get(json_object_get(r,
	    "transaction"), "signatures")) ||
	    !json_is_string(json_array_get(sigs, 0)) ||
	    strcmp(json_string_value(json_array_get(sigs, 0)), sig) != 0 ||
	    !json_is_array(keys = json_object_get(msg, "accountKeys")) ||
	    sol_json_u64(json_object_get(json_object_get(msg, "header"),
	    "numRequiredSignatures"), &nreq) == -1)
		return -1;
	/* a failed transaction moved nothing but its fee */
	if (!json_is_null(json_object_get(meta, "err")))
		return 0;
	json_array_foreach(keys, i, e) {
		if (nk >= SINC_KEYS_MAX || sol_json_key(e, key) == -1)
			return -1;
		k[nk++] = json_string_value(e);
	}
	/* a v0 transaction's looked-up keys follow, writable first */
	if ((la = json_object_get(meta, "loadedAddresses")) != NULL &&
	    !json_is_null(la)) {
		const char	*part[2] = { "writable", "readonly" };

		for (j = 0; j < 2; j++) {
			e = json_object_get(la, part[j]);
			if (e != NULL && !json_is_array(e))
				return -1;
			json_array_foreach(e, i, kv) {
				if (nk >= SINC_KEYS_MAX ||
				    sol_json_key(kv, key) == -1)
					return -1;
				k[nk++] = json_string_value(kv);
			}
		}
	}
	if (nk == 0 || nreq == 0 || nreq > nk)
		return -1;
	pre = json_object_get(meta, "preBalances");
	post = json_object_get(meta, "postBalances");
	if (!json_is_array(pre) || !json_is_array(post) ||
	    json_array_size(pre) != nk || json_array_size(post) != nk)
		return -1;
	for (i = 0; i < nk; i++) {
		if (sol_json_u64(json_array_get(pre, i), &a) == -1 ||
		    sol_json_u64(json_array_get(post, i), &b) == -1)
			return -1;
		if (w == SIZE_MAX && strcmp(k[i], addr) == 0)
			w = i;
		if (i != w || b <= a || i < nreq)
			continue;
		/* lamports into the wallet, which did not sign */
		if ((x = xfer_new(xs, n, cap, overflow)) == NULL)
			return 0;
		strlcpy(x->txhash, sig, sizeof(x->txhash));
		strlcpy(x->from, k[0], sizeof(x->from));
		snprintf(x->amount, sizeof(x->amount), "%llu",
		    (unsigned long long)(b - a));
		x->block = slot;
		x->log_index = INCOMING_NATIVE;
	}
	ptb = json_object_get(meta, "preTokenBalances");
	qtb = json_object_get(meta, "postTokenBalances");
	if (ptb == NULL && qtb == NULL)
		return 0;
	if (!json_is_array(ptb) || !json_is_array(qtb) ||
	    json_array_size(ptb) > nk || json_array_size(qtb) > nk)
		return -1;
	json_array_foreach(ptb, i, e)
		if (tok_entry(e, nk, &idx, &mint, &owner, &a) == -1)
			return -1;
	json_array_foreach(qtb, i, e) {
		if (tok_entry(e, nk, &idx, &mint, &owner, &b) == -1)
			return -1;
		if (owner == NULL || strcmp(owner, addr) != 0)
			continue;
		/* its amount before (0: created here), and who sent */
		a = 0;
		from = k[0];
		for (j = 0; j < json_array_size(ptb); j++) {
			if (tok_entry(json_array_get(ptb, j), nk, &i2, &m2,
			    &o2, &v) == -1)
				return -1;
			if (i2 == idx) {
				if (strcmp(m2, mint) != 0)
					return -1;
				a = v;
			}
		}
		if (b <= a)
			continue;
		for (j = 0; j < json_array_size(ptb); j++) {
			uint64_t	after = 0, i3, v3;
			size_t		 l;
			const char	*m3, *o3;

			(void)tok_entry(json_array_get(ptb, j), nk, &i2, &m2,
			    &o2, &v);
			if (o2 == NULL || strcmp(m2, mint) != 0 ||
			    strcmp(o2, addr) == 0)
				continue;
			for (l = 0; l < json_array_size(qtb); l++)
				if (tok_entry(json_array_get(qtb, l), nk, &i3,
				    &m3, &o3, &v3) == 0 && i3 == i2)
					after = v3;
			if (after < v) {
				from = o2;
				break;
			}
		}
		if ((x = xfer_new(xs, n, cap, overflow)) == NULL)
			return 0;
		strlcpy(x->txhash, sig, sizeof(x->txhash));
		strlcpy(x->from, from, sizeof(x->from));
		strlcpy(x->token, mint, sizeof(x->token));
		snprintf(x->amount, sizeof(x->amount), "%llu",
		    (unsigned long long)(b - a));
		x->block = slot;
		x->log_index = (uint32_t)idx;
	}
	return 0;
}

/*
 * getSignaturesForAddress's answer: those in [lo, hi] that succeeded,
 * added to sigs once each.  *reached: one below lo was seen (no older
 * page needed); *last: the oldest signature of the page, for `before'.
 * 0, or -1 if malformed (or slots not newest first); -2 if full.
 */
int
sol_incoming_sigs(const json_t *a, uint64_t lo, uint64_t hi,
    struct sinc_sig *sigs, size_t *n, size_t cap, int *reached,
    char last[SINC_SIG58_MAX])
{
	const json_t	*e;
	char		 s[SINC_SIG58_MAX];
	uint64_t	 slot, prev = UINT64_MAX;
	size_t		 i, j;

	*reached = 0;
	if (!json_is_array(a) || json_array_size(a) > SINC_PAGE)
		return -1;
	json_array_foreach(a, i, e) {
		if (!json_is_object(e) ||
		    sig_json(json_object_get(e, "signature"), s) == -1 ||
		    sol_json_u64(json_object_get(e, "slot"), &slot) == -1 ||
		    slot > prev)
			return -1;
		prev = slot;
		strlcpy(last, s, SINC_SIG58_MAX);
		if (slot < lo) {
			*reached = 1;
			return 0;
		}
		if (slot > hi || !json_is_null(json_object_get(e, "err")))
			continue;
		for (j = 0; j < *n; j++)
			if (strcmp(sigs[j].sig, s) == 0)
				break;
		if (j < *n)
			continue;
		if (*n >= cap)
			return -2;
		strlcpy(sigs[*n].sig, s, sizeof(sigs[*n].sig));
		sigs[(*n)++].slot = slot;
	}
	return 0;
}

/*
 * All answers in: the transfers sorted, the answer sent, q freed.  The
 * transactions fetched were the first SINC_TXS by slot, cut at a slot
 * boundary (sinc_txs), so next is where the first left out begins.
 */
static void
sinc_finish(struct sinc *q)
{
	if (!q->failed && q->overflow)
		sinc_fail(q, "more than %zu transfers in slots %llu to %llu; "
		    "lower incoming.max_blocks", q->cap,
		    (unsigned long long)q->from, (unsigned long long)q->to);
	if (q->failed) {
		q->h.count = 0;
		chain_incoming_done(&q->h, NULL);
	} else {
		qsort(q->x, q->nx, sizeof(*q->x), xfer_cmp);
		if (q->h.next == 0)
			q->h.next = q->to + 1;
		q->h.count = (uint32_t)q->nx;
		q->h.status = CHAIN_OK;
		chain_incoming_done(&q->h, q->x);
	}
	free(q->sigs);
	free(q->x);
	free(q);
}

static void
sinc_unref(struct sinc *q)
{
	if (--q->pending == 0)
		sinc_finish(q);
}

/* 0, or -1 (q failed: arg is the caller's to free). */
static int
sinc_call(struct sinc *q, const char *method, json_t *params, rpc_cb cb,
    void *arg)
{
	if (params == NULL) {
		sinc_fail(q, "out of memory");
		return -1;
	}
	q->pending++;
	rpc_call(sol_endpoint(q->n), method, params, 0, cb, arg);
	return 0;
}

static void
sinc_tx_done(json_t *res, const struct rpc_error *err, void *arg)
{
	struct sinc_tx	*t = arg;
	struct sinc	*q = t->q;

	if (err != NULL)
		sinc_fail(q, "getTransaction: %s", err->message);
	else if (!q->failed && (json_is_null(res) || sol_incoming_tx(res,
	    q->addr, q->sigs[t->i].sig, q->sigs[t->i].slot, q->x, &q->nx,
	    q->cap, &q->overflow) == -1))
		sinc_fail(q, "getTransaction %s: invalid answer",
		    q->sigs[t->i].sig);
	free(t);
	sinc_unref(q);
}

/* Every page in: the transactions, oldest first, at most SINC_TXS. */
static void
sinc_txs(struct sinc *q)
{
	struct sinc_tx	*t;
	size_t		 n = q->nsigs, i;
	uint64_t	 cut;

	qsort(q->sigs, q->nsigs, sizeof(*q->sigs), sig_cmp);
	if (n > SINC_TXS) {
		cut = q->sigs[SINC_TXS].slot;
		for (n = 0; n < SINC_TXS && q->sigs[n].slot < cut; n++)
			;
		if (n == 0) {
			n = SINC_TXS;
			q->h.next = cut + 1;
			log_warnx("incoming: slot %llu holds more than %d "
			    "transactions of %s; the first read",
			    (unsigned long long)cut, SINC_TXS, q->addr);
		} else
			q->h.next = cut;
	}
	for (i = 0; i < n && !q->failed; i++) {
		if ((t = calloc(1, sizeof(*t))) == NULL) {
			sinc_fail(q, "out of memory");
			break;
		}
		t->q = q;
		t->i = i;
		if (sinc_call(q, "getTransaction", json_pack("[s,{s:s,s:s,"
		    "s:i}]", q->sigs[i].sig, "encoding", "json", "commitment",
		    "confirmed", "maxSupportedTransactionVersion", 0),
		    sinc_tx_done, t) == -1)
			free(t);
	}
}

static void	sinc_page(struct sinc *, size_t, int, const char *);

static void
sinc_page_done(json_t *res, const struct rpc_error *err, void *arg)
{
	struct sinc_page	*p = arg;
	struct sinc		*q = p->q;
	char			 last[SINC_SIG58_MAX] = "";
	int			 reached = 0, r;

	if (err != NULL)
		sinc_fail(q, "getSignaturesForAddress: %s", err->message);
	else if (!q->failed) {
		r = sol_incoming_sigs(res, q->from, q->to, q->sigs, &q->nsigs,
		    SINC_SIGS, &reached, last);
		if (r == -1)
			sinc_fail(q, "getSignaturesForAddress: invalid answer");
		else if (r == -2)
			sinc_fail(q, "more than %d transactions in slots %llu "
			    "to %llu; lower incoming.max_blocks", SINC_SIGS,
			    (unsigned long long)q->from,
			    (unsigned long long)q->to);
		else if (!reached && json_array_size(res) == SINC_PAGE) {
			/* pages run from the node's newest signature,
			   whatever the range: max_blocks does not help */
			if (p->page + 1 >= SINC_PAGES)
				sinc_fail(q, "more than %d signatures of %s "
				    "since slot %llu (listed from the newest): "
				    "too far behind to catch up",
				    SINC_PAGE * SINC_PAGES, q->accts[p->acct],
				    (unsigned long long)q->from);
			else
				sinc_page(q, p->acct, p->page + 1, last);
		}
	}
	free(p);
	/* the last page in: the transactions */
	if (q->pending == 1 && !q->failed)
		sinc_txs(q);
	sinc_unref(q);
}

static void
sinc_page(struct sinc *q, size_t acct, int page, const char *before)
{
	struct sinc_page	*p;
	json_t			*o;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (o = json_pack("{s:i,s:s}", "limit", SINC_PAGE, "commitment",
	    "confirmed")) == NULL) {
		free(p);
		sinc_fail(q, "out of memory");
		return;
	}
	p->q = q;
	p->acct = acct;
	p->page = page;
	if (before != NULL)
		json_object_set_new(o, "before", json_string(before));
	if (sinc_call(q, "getSignaturesForAddress", json_pack("[s,o]",
	    q->accts[acct], o), sinc_page_done, p) == -1)
		free(p);
}

/* The wallet's token accounts (classic program), then their pages. */
static void
sinc_accts_done(json_t *res, const struct rpc_error *err, void *arg)
{
	struct sinc	*q = arg;
	const json_t	*v, *a;
	uint8_t		 key[SOL_KEY_LEN];
	size_t		 i;

	v = err == NULL ? sol_rpc_value(res) : NULL;
	if (err != NULL)
		sinc_fail(q, "getTokenAccountsByOwner: %s", err->message);
	else if (!json_is_array(v))
		sinc_fail(q, "getTokenAccountsByOwner: invalid answer");
	else if (json_array_size(v) > SINC_TOKACCTS)
		sinc_fail(q, "more than %d token accounts: only SOL and the "
		    "first are watched", SINC_TOKACCTS);
	else
		json_array_foreach(v, i, a) {
			if (sol_json_key(json_object_get(a, "pubkey"),
			    key) == -1) {
				sinc_fail(q, "getTokenAccountsByOwner: "
				    "invalid answer");
				break;
			}
			sol_enc58(key, SOL_KEY_LEN, q->accts[q->naccts],
			    SOL_KEY58_MAX);
			q->naccts++;
		}
	for (i = 0; !q->failed && i < q->naccts; i++)
		sinc_page(q, i, 0, NULL);
	sinc_unref(q);
}

static void
sinc_head(json_t *res, const struct rpc_error *err, void *arg)
{
	struct sinc	*q = arg;
	uint64_t	 head;

	if (err != NULL || sol_json_u64(res, &head) == -1) {
		sinc_fail(q, "getSlot: %s", err != NULL ? err->message :
		    "invalid answer");
		sinc_unref(q);
		return;
	}
	q->h.head = head;
	if (q->from == UINT64_MAX)	/* no cursor yet: look back */
		q->from = head + 1 > q->to ? head + 1 - q->to : 0;
	if (q->from > head) {		/* nothing new */
		q->h.next = q->from;
		sinc_unref(q);
		return;
	}
	q->to = q->from + q->to - 1 < head ? q->from + q->to - 1 : head;
	(void)sinc_call(q, "getTokenAccountsByOwner", json_pack("[s,{s:s},"
	    "{s:s,s:s}]", q->addr, "programId", sol_tok58_classic,
	    "encoding", "jsonParsed", "commitment", "confirmed"),
	    sinc_accts_done, q);
	sinc_unref(q);
}

void
sol_incoming(struct chain_net *n, const struct incoming_ask *a)
{
	struct sinc	*q;
	uint8_t		 key[SOL_KEY_LEN];

	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->x = calloc(INCOMING_XFERS_MAX, sizeof(*q->x))) == NULL ||
	    (q->sigs = calloc(SINC_SIGS, sizeof(*q->sigs))) == NULL)
		fatal("calloc");
	q->n = n;
	q->cap = INCOMING_XFERS_MAX;
	q->pending = 1;
	memcpy(q->h.wallet, a->wallet, sizeof(q->h.wallet));
	q->h.net = a->net;
	q->from = a->have_from ? a->from : UINT64_MAX;
	q->to = a->max_blocks;
	if (n->url[0] == '\0' || sol_key58(a->address, key) == -1) {
		sinc_fail(q, n->url[0] == '\0' ? "no RPC URL for this "
		    "network" : "invalid address");
		sinc_unref(q);
		return;
	}
	sol_enc58(key, SOL_KEY_LEN, q->addr, sizeof(q->addr));
	/* the wallet itself is the first address asked */
	strlcpy(q->accts[0], q->addr, SOL_KEY58_MAX);
	q->naccts = 1;
	q->pending++;
	rpc_call(sol_endpoint(n), "getSlot", json_pack("[{s:s}]",
	    "commitment", "confirmed"), 0, sinc_head, q);
	sinc_unref(q);
}
