/*
 * x402 payments (POST /v1/x402/fetch): an agent asks for a URL; the
 * fetch process gets it; when the server answers 402 with x402 version
 * 1 requirements, the payment is a transaction like any other, judged
 * here and signed by the signer, and the request is made again with the
 * X-PAYMENT header.
 *
 *   - Nothing is fetched from a host no X402_ALLOWED_DOMAINS policy of
 *     the wallet lists (default deny), and nothing is paid to a URL whose
 *     host is not listed for the payment's network.
 *   - The payment is an EIP-3009 TransferWithAuthorization ("exact" on
 *     an EVM network this daemon has, of the wallet's environment),
 *     judged as a TOKEN_TRANSFER of the asset to payTo: ALLOWED_TOKENS,
 *     WHITELIST, SPENDING_LIMIT (token units or USD), RATE_LIMIT and the
 *     rest apply, and the row (type X402_PAYMENT) is audited and listed
 *     with the other transactions.
 *   - INSTANT and NOTIFY pay now.  DELAY and APPROVAL wait like any
 *     transaction: the call answers X402_DELAY_TIMEOUT or
 *     X402_APPROVAL_REQUIRED naming the transaction; once it may run,
 *     the authorization is signed (valid an hour past its deadline) and
 *     kept; the agent's next fetch of the same URL for the same terms
 *     spends it.
 *   - One fetch pays at most once, and a signed authorization is spent
 *     by one request: a server that answers 402 again to a paid request
 *     gets X402_PAYMENT_REJECTED, never a second signature.
 *
 * The agent's headers and body are checked here (x402_header_ok) and
 * again by the fetch process.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "eip712.h"
#include "errcodes.h"
#include "evm.h"
#include "log.h"
#include "policy_rules.h"
#include "policyd.h"
#include "tx.h"
#include "url.h"
#include "utf8.h"
#include "util.h"
#include "wipe.h"
#include "x402.h"

#define XF_MAX		64	/* fetches in flight */
#define X402_SKEW	600	/* validAfter: this long before now */
#define X402_KEEP	3600	/* a waiting payment's authorization: s */
#define X402_MARGIN	10	/* s of validity a kept one must have left */

struct xf {
	TAILQ_ENTRY(xf)		 entry;
	uint64_t		 id;
	struct pd_ctx		 c;	/* peerid, session, now */
	struct wref		 w;
	int			 method;
	int			 paid;
	char			 url[FETCH_URL_MAX];	/* asked */
	char			 payurl[FETCH_URL_MAX];	/* that asked to pay */
	char			 txid[UUID_STR_LEN];
	char			*hdrs;
	size_t			 hdrlen;
	char			*body;
	size_t			 bodylen;
	struct x402_req		 req;	/* paid: what */
};

static TAILQ_HEAD(, xf)	 xfs = TAILQ_HEAD_INITIALIZER(xfs);
static size_t		 nxf;
static uint64_t		 next_id;

static const char *const methods[FETCH_METHOD_MAX] = {
	"GET", "POST", "PUT", "DELETE", "PATCH"
};

static void
xf_free(struct xf *x)
{
	TAILQ_REMOVE(&xfs, x, entry);
	nxf--;
	if (x->hdrs != NULL)
		explicit_bzero(x->hdrs, x->hdrlen);
	free(x->hdrs);
	if (x->body != NULL)
		explicit_bzero(x->body, x->bodylen);
	free(x->body);
	free(x);
}

/* An error the reference names, with its status from the table. */
static void
xfail(uint32_t peerid, const char *code, const char *msg)
{
	const struct errcode	*e = errcode_find(code);

	pd_fail(peerid, e != NULL ? e->status : 500, code, msg,
	    e != NULL ? e->retryable : 0);
}

/* The host of a URL as policies name it: lowercase, no port. */
static int
url_host(const char *url, char *host, size_t len)
{
	struct url	 u;
	const char	*why;
	size_t		 i, n;

	if (url_parse(url, &u, &why) == -1)
		return -1;
	n = strlen(u.host);
	if (u.ipv6 && n >= 2)
		snprintf(host, len, "%.*s", (int)(n - 2), u.host + 1);
	else
		strlcpy(host, u.host, len);
	for (i = 0; host[i] != '\0'; i++)
		if (host[i] >= 'A' && host[i] <= 'Z')
			host[i] = (char)(host[i] - 'A' + 'a');
	return 0;
}

/*
 * Whether the X402_ALLOWED_DOMAINS policy that applies to the wallet on
 * the network (the wallet's beats a global one, one for the network one
 * for any, then priority) lists the URL's host.  No policy: no.
 */
static int
domain_allowed(const char *wallet, const char *network, const char *url)
{
	sqlite3_stmt	*st;
	json_t		*rules;
	char		 host[URL_HOST_MAX + 1];
	int		 ok = 0;

	if (url_host(url, host, sizeof(host)) == -1)
		return 0;
	st = store_prepare("SELECT rules FROM policies WHERE enabled = 1 AND "
	    "type = 'X402_ALLOWED_DOMAINS' AND (wallet_id = ?1 OR wallet_id IS "
	    "NULL) AND (network IS NULL OR network = ?2) ORDER BY wallet_id "
	    "IS NULL, network IS NULL, priority DESC, created_at LIMIT 1");
	sqlite3_bind_text(st, 1, wallet, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, network, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && (rules = json_loads((const char *)
	    sqlite3_column_text(st, 0), 0, NULL)) != NULL) {
		ok = policy_domain_allowed(rules, host);
		json_decref(rules);
	}
	sqlite3_finalize(st);
	return ok;
}

/* Ask the fetch process; pay: the X-PAYMENT value, or NULL. */
static void
send_fetch(struct xf *x, const char *url, const char *pay)
{
	struct fetch_req	 r;
	struct iovec		 iov[6];
	size_t			 n = 0;
	static const char	 name[] = "X-PAYMENT: ", nl[] = "\n";

	memset(&r, 0, sizeof(r));
	r.id = x->id;
	r.method = (uint32_t)x->method;
	r.timeout_ms = pd.p->cfg.x402_timeout_ms > 0 ?
	    pd.p->cfg.x402_timeout_ms : 30000;
	strlcpy(r.url, url, sizeof(r.url));
	r.hdrlen = (uint32_t)x->hdrlen;
	if (pay != NULL)
		r.hdrlen += (uint32_t)(sizeof(name) - 1 + strlen(pay) + 1);
	r.bodylen = (uint32_t)x->bodylen;
	iov[n].iov_base = &r;
	iov[n++].iov_len = sizeof(r);
	iov[n].iov_base = x->hdrs;
	iov[n++].iov_len = x->hdrlen;
	if (pay != NULL) {
		iov[n].iov_base = (void *)(uintptr_t)name;
		iov[n++].iov_len = sizeof(name) - 1;
		iov[n].iov_base = (void *)(uintptr_t)pay;
		iov[n++].iov_len = strlen(pay);
		iov[n].iov_base = (void *)(uintptr_t)nl;
		iov[n++].iov_len = 1;
	}
	iov[n].iov_base = x->body;
	iov[n++].iov_len = x->bodylen;
	if (imsgev_composev(&pd.fetch, IMSG_FETCH_REQUEST, 0, -1, iov,
	    (int)n) == -1)
		fatal("IMSG_FETCH_REQUEST");
}

/* The answer's header lines as an object; duplicates joined by ", ". */
static json_t *
headers_json(const char *h, size_t len)
{
	json_t		*o, *prev;
	const char	*p, *nl, *colon;
	char		 name[X402_HNAME_MAX + 1], *v;
	size_t		 n;

	if ((o = json_object()) == NULL)
		fatalx("json_object");
	for (p = h; p < h + len; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(h + len - p))) == NULL)
			break;
		if ((colon = memchr(p, ':', (size_t)(nl - p))) == NULL ||
		    (n = (size_t)(colon - p)) == 0 || n > X402_HNAME_MAX)
			continue;
		memcpy(name, p, n);
		name[n] = '\0';
		colon += colon + 1 < nl && colon[1] == ' ' ? 2 : 1;
		if ((prev = json_object_get(o, name)) != NULL) {
			if (asprintf(&v, "%s, %.*s", json_string_value(prev),
			    (int)(nl - colon), colon) == -1)
				fatal("asprintf");
			json_object_set_new(o, name, json_string(v));
			free(v);
		} else
			json_object_set_new(o, name, json_stringn(colon,
			    (size_t)(nl - colon)));
	}
	return o;
}

/* A header's value in the answer's lines (name lowercase), or NULL. */
static const char *
header_get(const char *h, size_t len, const char *name, size_t *vlen)
{
	const char	*p, *nl;
	size_t		 n = strlen(name);

	for (p = h; p < h + len; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(h + len - p))) == NULL)
			return NULL;
		if ((size_t)(nl - p) >= n + 2 && memcmp(p, name, n) == 0 &&
		    p[n] == ':' && p[n + 1] == ' ') {
			*vlen = (size_t)(nl - p) - n - 2;
			return p + n + 2;
		}
	}
	return NULL;
}

/*
 * A body as a JSON string: UTF-8 as it came, each byte that is not part
 * of a valid sequence replaced by U+FFFD (as a browser decodes text).
 */
static json_t *
body_json(const char *b, size_t len)
{
	const unsigned char	*u = (const unsigned char *)b;
	json_t			*s;
	char			*o;
	size_t			 i, k = 0, n;

	if ((o = malloc(len * 3 + 1)) == NULL)
		fatal("malloc");
	for (i = 0; i < len; i += n ? n : 1) {
		if ((n = utf8_seq(u + i, len - i, NULL)) > 0) {
			memcpy(o + k, b + i, n);
			k += n;
		} else {
			memcpy(o + k, "\xef\xbf\xbd", 3);
			k += 3;
		}
	}
	if ((s = json_stringn(o, k)) == NULL)
		fatalx("body_json");
	free(o);
	return s;
}

/* The transaction's end: status, hash or error, and its audit record. */
static void
tx_end(const char *id, int ok, const char *hash, const char *code,
    const char *msg)
{
	sqlite3_stmt	*st;
	long long	 now = (long long)time(NULL);

	if (store_begin() == -1)
		fatalx("database busy");
	st = store_prepare("UPDATE transactions SET status = ?, tx_hash = ?, "
	    "error_code = ?, error = ?, updated_at = ? WHERE id = ?");
	sqlite3_bind_text(st, 1, ok ? "CONFIRMED" : "FAILED", -1,
	    SQLITE_STATIC);
	if (hash != NULL)
		sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	if (!ok) {
		sqlite3_bind_text(st, 3, code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, msg, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_text(st, 6, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	if (audit_append(now, ok ? "TX_CONFIRMED" : "TX_FAILED", "system", id,
	    ok ? json_pack("{s:s, s:s?}", "type", "X402_PAYMENT",
	    "txHash", hash) : json_pack("{s:s, s:s, s:s}", "type",
	    "X402_PAYMENT", "code", code, "reason", msg)) == -1 ||
	    store_commit() == -1)
		fatalx("database: cannot record a payment's end");
}

/* A kept authorization spent now: SIGNED -> SUBMITTED, or 0. */
static int
tx_spend(const char *id)
{
	sqlite3_stmt	*st;
	int		 n;

	if (store_begin() == -1)
		fatalx("database busy");
	st = store_prepare("UPDATE transactions SET status = 'SUBMITTED', "
	    "updated_at = ? WHERE id = ? AND status = 'SIGNED'");
	sqlite3_bind_int64(st, 1, (long long)time(NULL));
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	n = sqlite3_changes(pd.db);
	if (store_commit() == -1)
		fatalx("database: cannot record a payment");
	return n;
}

/* Authorizations kept past their validity: expired, spend released. */
static void
expire_kept(long long now)
{
	sqlite3_stmt	*st;

	if (store_begin() == -1)
		return;
	st = store_prepare("UPDATE transactions SET status = 'EXPIRED', "
	    "updated_at = ?1 WHERE type = 'X402_PAYMENT' AND status = "
	    "'SIGNED' AND CAST(json_extract(request, "
	    "'$.typedData.message.validBefore') AS INTEGER) < ?1 + ?2");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, X402_MARGIN);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	if (store_commit() == -1)
		store_rollback();
}

/* The X-PAYMENT value of a stored payment: its typed data and signature. */
static int
stored_header(const char *id, struct x402_req *r, char *out, size_t len)
{
	sqlite3_stmt	*st;
	json_t		*req, *typed;
	const char	*sig;
	int		 rc = -1;

	st = store_prepare("SELECT request, signature FROM transactions WHERE "
	    "id = ?");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && (sig = (const char *)
	    sqlite3_column_text(st, 1)) != NULL && (req = json_loads(
	    (const char *)sqlite3_column_text(st, 0), 0, NULL)) != NULL) {
		typed = json_object_get(req, "typedData");
		rc = x402_payment_header(r, typed, sig, out, len);
		json_decref(req);
	}
	sqlite3_finalize(st);
	return rc;
}

/* The paid request, with a stored, signed authorization. */
static void
pay_with(struct xf *x, const char *id)
{
	char	hdr[X402_HEADER_MAX];

	if (stored_header(id, &x->req, hdr, sizeof(hdr)) == -1) {
		tx_end(id, 0, NULL, "INTERNAL_ERROR", "the stored "
		    "authorization does not make a payment header");
		xfail(x->c.peerid, "INTERNAL_ERROR", "the payment could not "
		    "be made");
		xf_free(x);
		return;
	}
	strlcpy(x->txid, id, sizeof(x->txid));
	x->paid = 1;
	send_fetch(x, x->payurl, hdr);
	explicit_bzero(hdr, sizeof(hdr));
}

/*
 * A payment for the same URL and terms: kept (SIGNED, valid a while
 * yet), or still waiting (QUEUED, *tier set).  1 and its id, or 0.
 */
static int
same_terms(const struct xf *x, const struct network *net, int queued,
    char id[UUID_STR_LEN], int *tier)
{
	sqlite3_stmt	*st;
	const char	*t;
	int		 found = 0;

	st = store_prepare("SELECT id, tier FROM transactions WHERE type = "
	    "'X402_PAYMENT' AND status = ?8 AND wallet_id = ?1 AND "
	    "network = ?2 AND to_address = ?3 AND token = ?4 AND amount = ?5 "
	    "AND json_extract(request, '$.url') = ?6 AND "
	    "CAST(json_extract(request, '$.typedData.message.validBefore') AS "
	    "INTEGER) >= ?7 ORDER BY created_at LIMIT 1");
	sqlite3_bind_text(st, 8, queued ? "QUEUED" : "SIGNED", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 1, x->w.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, net->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, x->req.pay_to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, x->req.asset, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, x->req.amount, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, x->payurl, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (long long)time(NULL) + X402_MARGIN);
	if (sqlite3_step(st) == SQLITE_ROW) {
		strlcpy(id, (const char *)sqlite3_column_text(st, 0),
		    UUID_STR_LEN);
		t = (const char *)sqlite3_column_text(st, 1);
		*tier = t != NULL && strcmp(t, "DELAY") == 0 ? TIER_DELAY :
		    TIER_APPROVAL;
		found = 1;
	}
	sqlite3_finalize(st);
	return found;
}

/* The answer for a payment that waits: its tier's code, naming it. */
static void
waits(const struct xf *x, const char *id, int tier)
{
	char	msg[320];

	snprintf(msg, sizeof(msg), "the payment of %s of %s to %s waits in "
	    "the %s tier as transaction %s: fetch again once it %s",
	    x->req.amount, x->req.asset, x->req.pay_to, tier_name(tier), id,
	    tier == TIER_DELAY ? "has run its delay" : "is approved");
	xfail(x->c.peerid, tier == TIER_DELAY ? "X402_DELAY_TIMEOUT" :
	    "X402_APPROVAL_REQUIRED", msg);
}

/* The row of a payment just decided (inside the caller's transaction). */
static int
insert_payment(const struct xf *x, const char *id, const struct wref *w,
    const struct x402_req *r, const struct pe_result *res, double usd,
    const char *request, long long now)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = store_prepare("INSERT INTO transactions (id, wallet_id, "
	    "session_id, type, status, tier, chain, network, request, "
	    "execute_after, expires_at, created_at, updated_at, amount, "
	    "to_address, token, reserved_usd) VALUES (?, ?, ?, "
	    "'X402_PAYMENT', ?, ?, 'ethereum', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, x->c.session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, res->tier >= TIER_DELAY ? "QUEUED" :
	    "PENDING", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, tier_name(res->tier), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, w->net->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, request, -1, SQLITE_STATIC);
	if (res->tier == TIER_DELAY)
		sqlite3_bind_int64(st, 8, now + res->delay_seconds);
	if (res->tier == TIER_APPROVAL)
		sqlite3_bind_int64(st, 9, now + res->approval_timeout);
	sqlite3_bind_int64(st, 10, now);
	sqlite3_bind_int64(st, 11, now);
	sqlite3_bind_text(st, 12, r->amount, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, r->pay_to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, r->asset, -1, SQLITE_STATIC);
	if (usd > 0)
		sqlite3_bind_double(st, 15, usd);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The EVM network of a chain id (by its CAIP-2 id), of this wallet's
 * environment, or NULL. */
static const struct network *
net_of(uint64_t chain_id, int env)
{
	const struct network	*n;
	char			 caip2[32];

	snprintf(caip2, sizeof(caip2), "eip155:%llu",
	    (unsigned long long)chain_id);
	if ((n = net_lookup(caip2)) == NULL || n->chain != KS_CHAIN_ETHEREUM ||
	    n->env != (uint32_t)env)
		return NULL;
	return n;
}

/*
 * A 402 answer with x402 requirements: judged, recorded, and paid now
 * (INSTANT, NOTIFY) or queued (DELAY, APPROVAL).
 */
static void
pay(struct xf *x, const struct fetch_answer *a, const char *body,
    size_t blen)
{
	struct x402_challenge	*ch;
	const struct network	*net = NULL;
	struct x402_req		*r = NULL;
	struct pe_tx		 t;
	struct pe_result	 res;
	struct txspec		 s;
	struct job		*j;
	struct wref		 w;
	json_t			*typed = NULL, *req = NULL;
	const char		*why;
	char			 id[UUID_STR_LEN], actor[64], msg[320];
	char			 from[43], *text;
	uint8_t			 nonce[32], addr[20];
	long long		 now = (long long)time(NULL), vb;
	size_t			 i;
	int			 queued, rc, tier;

	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		fatal("calloc");
	if (x402_challenge_parse(body, blen, ch, &why) == -1) {
		snprintf(msg, sizeof(msg), "the server asked for payment, but "
		    "not as x402 version 1 does: %s", why);
		xfail(x->c.peerid, "X402_UNSUPPORTED_SCHEME", msg);
		goto done;
	}
	if (x->w.chain != KS_CHAIN_ETHEREUM) {
		xfail(x->c.peerid, "X402_UNSUPPORTED_SCHEME", "this daemon "
		    "pays x402 with EVM wallets (the exact scheme, EIP-3009); "
		    "this wallet is a Solana one");
		goto done;
	}
	for (i = 0; i < ch->n && net == NULL; i++)
		if ((net = net_of(ch->req[i].chain_id, x->w.env)) != NULL)
			r = &ch->req[i];
	if (net == NULL) {
		snprintf(msg, sizeof(msg), "no requirement this wallet can pay "
		    "(exact on an EVM %s network this daemon has)%s%s",
		    x->w.env == ENV_TESTNET ? "testnet" : "mainnet",
		    ch->other[0] != '\0' ? "; offered: " : "", ch->other);
		xfail(x->c.peerid, "X402_UNSUPPORTED_SCHEME", msg);
		goto done;
	}
	x->req = *r;
	strlcpy(x->payurl, a->url, sizeof(x->payurl));
	if (!domain_allowed(x->w.id, net->name, x->payurl)) {
		xfail(x->c.peerid, "X402_DOMAIN_NOT_ALLOWED", "the host that "
		    "asks for payment is not in an X402_ALLOWED_DOMAINS policy "
		    "of this wallet for this network");
		goto done;
	}
	if (same_terms(x, net, 0, id, &tier) && tx_spend(id) == 1) {
		pay_with(x, id);
		x = NULL;
		goto done;
	}
	/* Asked again while it waits: the same answer, no second one. */
	if (same_terms(x, net, 1, id, &tier)) {
		waits(x, id, tier);
		goto done;
	}
	w = x->w;
	w.net = net;
	x->c.now = now;
	if (busy(&x->c) || !pd_begin(&x->c))
		goto done;
	memset(&t, 0, sizeof(t));
	t.type = PE_TOKEN;
	t.evm = 1;
	t.network = net->name;
	t.to = r->pay_to;
	t.token = r->asset;
	t.amount = r->amount;
	t.usd = price_value(net, r->asset, r->amount, now, NULL, 0);
	if (!decide_eval(w.id, net->name, &t, now, &res)) {
		denied(&x->c, &w, "X402_PAYMENT", &res);
		goto done;
	}
	queued = res.tier >= TIER_DELAY;
	/* From the wallet's address; valid now, for the server's time or,
	 * waiting, an hour past the wait's end. */
	if (evm_address_parse(w.address, strlen(w.address), addr) == -1)
		fatalx("wallet %s: address malformed", w.id);
	evm_address_checksum(addr, from);
	randombytes_buf(nonce, sizeof(nonce));
	vb = now + (res.tier == TIER_DELAY ? res.delay_seconds + X402_KEEP :
	    res.tier == TIER_APPROVAL ? res.approval_timeout + X402_KEEP :
	    (long long)r->max_timeout);
	typed = x402_typed_data(r, from, now - X402_SKEW, vb, nonce);
	req = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, "
	    "s:s, s:s, s:i}, s:s, s:O}", "walletId", w.id, "network",
	    net->name, "url", x->payurl, "method", methods[x->method],
	    "accepted", "network", r->network, "maxAmountRequired",
	    r->amount, "payTo", r->pay_to, "asset", r->asset, "resource",
	    r->resource, "name", r->name, "version", r->version,
	    "maxTimeoutSeconds", (int)r->max_timeout, "signType",
	    "typedData", "typedData", typed);
	if (typed == NULL || req == NULL)
		fatalx("json_pack x402");
	memset(&s, 0, sizeof(s));
	s.chain = w.chain;
	s.net = net_index(net);
	s.msg = 1;
	if (msg_parse(req, w.chain, &s, &why) == -1)
		fatalx("x402: typed data does not hash: %s", why);
	if ((text = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatalx("json_dumps");
	uuidv7(id);
	snprintf(actor, sizeof(actor), "session:%s", x->c.session);
	rc = insert_payment(x, id, &w, r, &res, t.usd, text, now);
	wipe_free(text);
	if (rc == -1)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	if (audit_append(now, "TX_REQUESTED", actor, id, json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s}", "walletId", w.id, "type",
	    "X402_PAYMENT", "network", net->name, "tier", tier_name(res.tier),
	    "reason", res.reason, "url", x->payurl)) == -1 ||
	    (res.tier > TIER_INSTANT && outbox_add(now, res.tier ==
	    TIER_NOTIFY ? "TX_NOTIFY" : res.tier == TIER_DELAY ? "TX_DELAYED" :
	    "TX_APPROVAL_REQUIRED", json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:s, s:s}", "txId", id, "walletId", w.id, "network", net->name,
	    "type", "X402_PAYMENT", "tier", tier_name(res.tier), "to",
	    r->pay_to, "amount", r->amount, "token", r->asset)) == -1) ||
	    store_commit() == -1) {
		store_rollback();
		spec_free(&s);
		pd_fail(x->c.peerid, 503, "SERVICE_UNAVAILABLE", "cannot "
		    "record the payment", 1);
		goto done;
	}
	if (queued) {
		spec_free(&s);
		queue_arm();
		waits(x, id, res.tier);
		goto done;
	}
	/* Now: signed, then the paid request (x402_signed()). */
	strlcpy(x->txid, id, sizeof(x->txid));
	j = job_new(id, w.id, 0);
	j->s = s;
	j->x402 = 1;
	j->peerid = x->c.peerid;
	if (!killed(j))
		msg_sign(j);
	x = NULL;
 done:
	json_decref(typed);
	json_decref(req);
	free(ch);
	if (x != NULL)
		xf_free(x);
}

/*
 * The signature of an x402 payment's authorization: kept (SIGNED); for
 * a fetch waiting on it, spent at once on the paid request.
 */
void
x402_signed(struct job *j, const struct sign_reply *r, const uint8_t *sig)
{
	sqlite3_stmt	*st;
	struct xf	*x;
	char		 text[133];
	long long	 now = (long long)time(NULL);

	if (r->status != SIGN_OK || r->len != 65) {
		if (j->peerid != 0)
			pd_fail(j->peerid, r->status == SIGN_LOCKED ? 503 :
			    500, r->status == SIGN_LOCKED ? "KEYSTORE_LOCKED" :
			    "INTERNAL_ERROR", "the signer could not sign", 0);
		TAILQ_FOREACH(x, &xfs, entry)
			if (strcmp(x->txid, j->id) == 0) {
				xf_free(x);
				break;
			}
		tx_fail(j, r->status == SIGN_LOCKED ? "KEYSTORE_LOCKED" :
		    "INTERNAL_ERROR", 0, "the signer could not sign");
		return;
	}
	strlcpy(text, "0x", sizeof(text));
	sodium_bin2hex(text + 2, sizeof(text) - 2, sig, 65);
	if (store_begin() == -1)
		fatalx("database busy");
	st = store_prepare("UPDATE transactions SET status = 'SIGNED', "
	    "signature = ?, updated_at = ? WHERE id = ?");
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, j->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	if (audit_append(now, "TX_SIGNED", "system", j->id, json_pack(
	    "{s:s}", "type", "X402_PAYMENT")) == -1 || store_commit() == -1)
		fatalx("database: cannot record a signature");
	TAILQ_FOREACH(x, &xfs, entry)
		if (strcmp(x->txid, j->id) == 0)
			break;
	job_end(j);
	if (x == NULL)
		return;		/* kept for the agent's next fetch */
	if (tx_spend(x->txid) != 1) {
		xfail(x->c.peerid, "INTERNAL_ERROR", "the payment could not "
		    "be made");
		xf_free(x);
		return;
	}
	pay_with(x, x->txid);
}

/* The paid request's answer: the payment's end, and the agent's. */
static void
paid(struct xf *x, const struct fetch_answer *a, const char *hdrs,
    const char *body)
{
	json_t		*settle = NULL, *out, *v;
	const char	*h, *hash = NULL, *why;
	char		 msg[320];
	size_t		 hl = 0;
	int		 ok;

	if ((h = header_get(hdrs, a->hdrlen, "x-payment-response", &hl)) !=
	    NULL)
		(void)x402_settlement_parse(h, hl, &settle);
	if (settle != NULL && (v = json_object_get(settle, "transaction")) !=
	    NULL && json_string_length(v) == 66)
		hash = json_string_value(v);
	if (a->status == 402) {
		why = "";
		if (json_is_object(settle) && json_object_get(settle,
		    "errorReason") != NULL)
			why = json_string_value(json_object_get(settle,
			    "errorReason"));
		snprintf(msg, sizeof(msg), "the server refused the payment "
		    "(402 again)%s%s; nothing more was signed", why[0] ? ": " :
		    "", why);
		tx_end(x->txid, 0, NULL, "X402_PAYMENT_REJECTED", msg);
		xfail(x->c.peerid, "X402_PAYMENT_REJECTED", msg);
		goto done;
	}
	ok = (settle != NULL && json_is_true(json_object_get(settle,
	    "success"))) || (a->status >= 200 && a->status < 300);
	if (ok)
		tx_end(x->txid, 1, hash, NULL, NULL);
	else
		tx_end(x->txid, 0, NULL, "X402_SERVER_ERROR", "the server "
		    "failed after the payment was sent, without a settlement");
	if (a->status >= 500) {
		snprintf(msg, sizeof(msg), "the server answered %d after the "
		    "payment (transaction %s, %s)", (int)a->status, x->txid,
		    ok ? "settled" : "not settled as far as it says");
		xfail(x->c.peerid, "X402_SERVER_ERROR", msg);
		goto done;
	}
	out = json_pack("{s:i, s:o, s:o, s:{s:s, s:s, s:s, s:s, s:s}}",
	    "status", (int)a->status, "headers", headers_json(hdrs,
	    a->hdrlen), "body", body_json(body, a->bodylen), "payment",
	    "amount", x->req.amount, "asset", x->req.asset, "network",
	    x->req.network, "payTo", x->req.pay_to, "txId", x->txid);
	if (out == NULL)
		fatalx("json_pack x402 answer");
	if (settle != NULL)
		json_object_set(out, "settlement", settle);
	pd_reply_json(x->c.peerid, 200, out);
 done:
	json_decref(settle);
	xf_free(x);
}

/* fetch -> policyd: the answer to one request. */
void
x402_answer(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct fetch_answer	 a;
	struct xf		*x;
	const char		*hdrs, *body;
	json_t			*out;

	(void)ch;
	(void)arg;
	memcpy(&a, imsg->data, sizeof(a));
	if (memchr(a.code, '\0', sizeof(a.code)) == NULL ||
	    memchr(a.message, '\0', sizeof(a.message)) == NULL ||
	    memchr(a.url, '\0', sizeof(a.url)) == NULL ||
	    a.hdrlen > FETCH_HDRS_MAX || a.bodylen > FETCH_ANSWER_MAX ||
	    imsg->len != sizeof(a) + a.hdrlen + a.bodylen)
		fatalx("IMSG_FETCH_ANSWER: malformed");
	TAILQ_FOREACH(x, &xfs, entry)
		if (x->id == a.id)
			break;
	if (x == NULL)
		fatalx("IMSG_FETCH_ANSWER for no fetch");
	hdrs = (const char *)imsg->data + sizeof(a);
	body = hdrs + a.hdrlen;
	if (a.code[0] != '\0') {
		if (x->paid)
			tx_end(x->txid, 0, NULL, a.code, "no answer to the "
			    "paid request; the payment may have been settled "
			    "(see the wallet's token balance)");
		xfail(x->c.peerid, a.code, a.message);
		xf_free(x);
		return;
	}
	if (x->paid) {
		paid(x, &a, hdrs, body);
		return;
	}
	if (a.status == 402) {
		pay(x, &a, body, a.bodylen);
		return;
	}
	out = json_pack("{s:i, s:o, s:o}", "status", (int)a.status,
	    "headers", headers_json(hdrs, a.hdrlen), "body", body_json(body,
	    a.bodylen));
	if (out == NULL)
		fatalx("json_pack x402 answer");
	pd_reply_json(x->c.peerid, 200, out);
	xf_free(x);
}

/* The agent's headers as the lines fetch takes; -1 and *why if bad. */
static int
agent_headers(json_t *h, char **out, size_t *len, const char **why)
{
	const char	*k;
	json_t		*v;
	char		*buf, *p;
	size_t		 n = 0, cap = 0;

	*out = NULL;
	*len = 0;
	if (h == NULL || json_is_null(h))
		return 0;
	if (!json_is_object(h) || json_object_size(h) > X402_HEADERS_MAX) {
		*why = "headers: an object of at most 32 strings";
		return -1;
	}
	json_object_foreach(h, k, v) {
		if (!json_is_string(v) || !x402_header_ok(k, strlen(k),
		    json_string_value(v), json_string_length(v), 0)) {
			*why = "headers: a name or value this daemon does not "
			    "send (a token name, a printable value of at most "
			    "1024 bytes, not Host, Content-Length, Connection, "
			    "Transfer-Encoding or a payment header)";
			return -1;
		}
		cap += strlen(k) + 2 + json_string_length(v) + 1;
	}
	if (cap == 0)
		return 0;
	if ((buf = malloc(cap + 1)) == NULL)	/* snprintf's NUL */
		fatal("malloc");
	p = buf;
	json_object_foreach(h, k, v) {
		n = (size_t)snprintf(p, cap + 1 - (size_t)(p - buf),
		    "%s: %s\n", k, json_string_value(v));
		p += n;
	}
	*out = buf;
	*len = (size_t)(p - buf);
	return 0;
}

/* POST /v1/x402/fetch */
void
x402_fetch(struct pd_ctx *c)
{
	struct xf	*x;
	const char	*url = str(c->body, "url"), *m = str(c->body, "method");
	const char	*b = str(c->body, "body"), *why;
	struct url	 u;
	int		 i, method = FETCH_GET;

	if (!(pd.p->cfg.x402 & CTL_X402_ENABLED)) {
		xfail(c->peerid, "X402_DISABLED", "x402 payments are off "
		    "([x402] enabled = false)");
		return;
	}
	if (kill_refuse(c))
		return;
	if (url == NULL || url_parse(url, &u, &why) == -1) {
		pd_fail_issue(c->peerid, "url", url == NULL ? "required" :
		    why);
		return;
	}
	for (i = 0; m != NULL && i < FETCH_METHOD_MAX; i++)
		if (strcmp(m, methods[i]) == 0)
			method = i;
	if (m != NULL && strcmp(m, methods[method]) != 0) {
		pd_fail_issue(c->peerid, "method", "one of GET, POST, PUT, "
		    "DELETE, PATCH");
		return;
	}
	if (b != NULL && strlen(b) > FETCH_BODY_MAX) {
		pd_fail_issue(c->peerid, "body", "at most 65536 bytes");
		return;
	}
	if (nxf >= XF_MAX) {
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "too many x402 "
		    "fetches in flight; try again", 1);
		return;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL)
		fatal("calloc");
	TAILQ_INSERT_TAIL(&xfs, x, entry);
	nxf++;
	if (agent_headers(json_object_get(c->body, "headers"), &x->hdrs,
	    &x->hdrlen, &why) == -1) {
		pd_fail_issue(c->peerid, "headers", why);
		xf_free(x);
		return;
	}
	if (!wallet_ref(c, str(c->body, "walletId"), NULL, 1, &x->w)) {
		xf_free(x);
		return;
	}
	if (strcmp(x->w.status, "ACTIVE") != 0) {
		pd_fail(c->peerid, 409, strcmp(x->w.status, "SUSPENDED") ==
		    0 ? "WALLET_SUSPENDED" : "WALLET_TERMINATED", "the wallet "
		    "is not active", 0);
		xf_free(x);
		return;
	}
	/* Not even fetched unless the wallet may pay that host. */
	if (!domain_allowed(x->w.id, x->w.net->name, url)) {
		xfail(c->peerid, "X402_DOMAIN_NOT_ALLOWED", "the URL's host is "
		    "not in an X402_ALLOWED_DOMAINS policy of this wallet");
		xf_free(x);
		return;
	}
	expire_kept(c->now);
	x->c = *c;
	x->c.req = NULL;
	x->c.body = NULL;
	x->method = method;
	x->id = ++next_id;
	strlcpy(x->url, url, sizeof(x->url));
	if (b != NULL && (x->bodylen = strlen(b)) > 0) {
		if ((x->body = malloc(x->bodylen)) == NULL)
			fatal("malloc");
		memcpy(x->body, b, x->bodylen);
	}
	send_fetch(x, x->url, NULL);
}

/*
 * At start: a paid request in flight when policyd stopped has an
 * unknown outcome; it is failed, and says so.
 */
void
x402_resume(void)
{
	sqlite3_stmt	*st;

	st = store_prepare("UPDATE transactions SET status = 'FAILED', "
	    "error_code = 'X402_SERVER_ERROR', error = 'the daemon stopped "
	    "while the paid request was in flight; the payment may have been "
	    "settled (see the wallet''s token balance)', updated_at = ? WHERE "
	    "type = 'X402_PAYMENT' AND status = 'SUBMITTED'");
	sqlite3_bind_int64(st, 1, (long long)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
}
