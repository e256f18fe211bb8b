/*
 * The EVM chain client: chain context for a transaction (nonce, fees, gas
 * limit), broadcasting a signed transaction and watching it to a final
 * state, balances.  All I/O goes through rpc.h; every answer of a node is
 * untrusted: quantities, hashes, addresses and ABI data are parsed with
 * bounds, and anything that does not fit is an error, never a guess.
 * Messages passed up are printable ASCII and bounded.
 *
 * Each network's node is asked its eth_chainId before first use and again
 * when the answer is 300 s old (30 s when it was wrong); requests that
 * arrive while the check is in flight wait for it.
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "chain.h"
#include "evm.h"
#include "log.h"
#include "util.h"

#define NC_RECHECK_OK		300	/* s: re-ask eth_chainId */
#define NC_RECHECK_WRONG	30	/* s: re-ask a wrong node */
#define NC_WAITERS_MAX		1024

#define GAS_MIN			21000
#define GAS_DEFAULT_CAP		30000000ULL	/* block without gasLimit */
#define GAS_ABS_CAP		100000000ULL	/* whatever the block says */
#define PRIO_DEFAULT		1000000000ULL	/* 1 gwei */
#define FEEHIST_BLOCKS		5
#define FEEHIST_BLOCKS_HEX	"0x5"

#define ABI_MAX			(64 * 1024)	/* bytes of call/revert data */
#define REASON_MAX		160		/* chars of a revert reason */
#define SYMBOL_MAX		32
#define BACKOFF_MAX_MS		30000
#define LOOKUP_TRIES		3		/* ambiguous broadcast */

#define SEL_ERROR		0x08c379a0	/* Error(string) */
#define SEL_PANIC		0x4e487b71	/* Panic(uint256) */
#define SEL_BALANCEOF		"70a08231"
#define SEL_DECIMALS		"0x313ce567"
#define SEL_SYMBOL		"0x95d89b41"

/* ------------------------------------------------------------------ */
/* Small helpers: messages, hex, 256-bit numbers. */

/* Copy as printable ASCII ('?' for anything else), bounded. */
static void
msg_clean(char *dst, size_t sz, const char *src)
{
	size_t	i;

	if (sz == 0)
		return;
	for (i = 0; i + 1 < sz && src[i] != '\0'; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

static void __attribute__((format(printf, 3, 4)))
msg_fmt(char *dst, size_t sz, const char *fmt, ...)
{
	char	tmp[CHAIN_MSG_MAX * 2];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	msg_clean(dst, sz, tmp);
}

static const char	hexdig[] = "0123456789abcdef";

/* A JSON-RPC quantity: "0x" and 1 to 64 hex digits, into 32 bytes. */
static int
qty_parse(const json_t *v, uint8_t out[32])
{
	const char	*s;
	size_t		 n, i;
	int		 d;

	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	n = json_string_length(v);
	if (n < 3 || n > 66 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -1;
	memset(out, 0, 32);
	for (i = 0; i < n - 2; i++) {
		/* digit i from the right */
		if ((d = hex_digit((unsigned char)s[n - 1 - i])) < 0)
			return -1;
		out[31 - i / 2] |= (uint8_t)(i % 2 ? d << 4 : d);
	}
	return 0;
}

static int
u256_fits_u64(const uint8_t v[32])
{
	size_t	i;

	for (i = 0; i < 24; i++)
		if (v[i] != 0)
			return 0;
	return 1;
}

static uint64_t
u256_low64(const uint8_t v[32])
{
	uint64_t	x = 0;
	size_t		i;

	for (i = 24; i < 32; i++)
		x = x << 8 | v[i];
	return x;
}

static void
u256_from_u64(uint64_t x, uint8_t v[32])
{
	size_t	i;

	memset(v, 0, 32);
	for (i = 0; i < 8; i++)
		v[31 - i] = (uint8_t)(x >> (8 * i));
}

static int
qty_u64(const json_t *v, uint64_t *out)
{
	uint8_t	b[32];

	if (qty_parse(v, b) == -1 || !u256_fits_u64(b))
		return -1;
	*out = u256_low64(b);
	return 0;
}

/* "0x" and the minimal hex digits of a 256-bit number ("0x0" for 0). */
static void
qty_hex(const uint8_t v[32], char out[67])
{
	size_t	i, o = 2;
	int	lead = 1;

	out[0] = '0';
	out[1] = 'x';
	for (i = 0; i < 64; i++) {
		int d = (v[i / 2] >> (i % 2 ? 0 : 4)) & 0xf;

		if (lead && d == 0 && i != 63)
			continue;
		lead = 0;
		out[o++] = hexdig[d];
	}
	out[o] = '\0';
}

static void
u64_hex(uint64_t x, char out[67])
{
	uint8_t	b[32];

	u256_from_u64(x, b);
	qty_hex(b, out);
}

/* Big-endian 256-bit unsigned to decimal (at most 78 digits). */
static void
u256_dec(const uint8_t v[32], char out[80])
{
	uint8_t	n[32];
	char	tmp[80];
	size_t	i, k = 0;
	int	zero;

	memcpy(n, v, 32);
	do {
		unsigned rem = 0;

		zero = 1;
		for (i = 0; i < 32; i++) {
			unsigned cur = rem << 8 | n[i];

			n[i] = (uint8_t)(cur / 10);
			rem = cur % 10;
			if (n[i] != 0)
				zero = 0;
		}
		tmp[k++] = (char)('0' + rem);
	} while (!zero && k < sizeof(tmp) - 1);
	for (i = 0; i < k; i++)
		out[i] = tmp[k - 1 - i];
	out[k] = '\0';
}

/* Hex data: "0x" and an even number of hex digits, at most max bytes. */
static int
data_parse(const json_t *v, size_t max, uint8_t **out, size_t *outlen)
{
	const char	*s;
	size_t		 n, i;
	uint8_t		*b;
	int		 hi, lo;

	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	n = json_string_length(v);
	if (n < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') ||
	    n % 2 != 0 || (n - 2) / 2 > max)
		return -1;
	if ((b = malloc((n - 2) / 2 + 1)) == NULL)
		return -1;
	for (i = 0; i < (n - 2) / 2; i++) {
		hi = hex_digit((unsigned char)s[2 + 2 * i]);
		lo = hex_digit((unsigned char)s[3 + 2 * i]);
		if (hi < 0 || lo < 0) {
			free(b);
			return -1;
		}
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = b;
	*outlen = (n - 2) / 2;
	return 0;
}

/* "0x" + lowercase hex of len bytes; NULL when out of memory. */
static char *
hex_data(const uint8_t *p, size_t len)
{
	char	*s;
	size_t	 i;

	if (len > (SIZE_MAX - 3) / 2 || (s = malloc(2 * len + 3)) == NULL)
		return NULL;
	s[0] = '0';
	s[1] = 'x';
	for (i = 0; i < len; i++) {
		s[2 + 2 * i] = hexdig[p[i] >> 4];
		s[3 + 2 * i] = hexdig[p[i] & 0xf];
	}
	s[2 + 2 * len] = '\0';
	return s;
}

static void
hash_hex(const uint8_t h[32], char out[67])
{
	size_t	i;

	out[0] = '0';
	out[1] = 'x';
	for (i = 0; i < 32; i++) {
		out[2 + 2 * i] = hexdig[h[i] >> 4];
		out[3 + 2 * i] = hexdig[h[i] & 0xf];
	}
	out[66] = '\0';
}

/* v is "0x" and the 64 hex digits of h, in any case. */
static int
hash_eq(const json_t *v, const uint8_t h[32])
{
	const char	*s;
	size_t		 i;
	int		 hi, lo;

	if (!json_is_string(v) || json_string_length(v) != 66)
		return 0;
	s = json_string_value(v);
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return 0;
	for (i = 0; i < 32; i++) {
		hi = hex_digit((unsigned char)s[2 + 2 * i]);
		lo = hex_digit((unsigned char)s[3 + 2 * i]);
		if (hi < 0 || lo < 0 || (uint8_t)(hi << 4 | lo) != h[i])
			return 0;
	}
	return 1;
}

/* A well-formed address from a node (any case), checksummed into out. */
static int
addr_json(const json_t *v, char out[43])
{
	uint8_t	a[20];
	char	low[43];
	size_t	i;

	if (!json_is_string(v) || json_string_length(v) != 42)
		return -1;
	/* Lowercase first: a node's mixed case need not be EIP-55. */
	msg_clean(low, sizeof(low), json_string_value(v));
	for (i = 0; i < 42; i++)
		if (low[i] >= 'A' && low[i] <= 'F')
			low[i] = (char)(low[i] - 'A' + 'a');
	if (evm_address_parse(low, 42, a) == -1)
		return -1;
	evm_address_checksum(a, out);
	return 0;
}

/* An address from policyd: EIP-55 or one case, "0x" + 40. */
static int
addr_arg(const char *s, size_t max, char out[43], uint8_t raw[20])
{
	uint8_t	a[20];
	size_t	n;

	if ((n = strnlen(s, max + 1)) > max ||
	    evm_address_parse(s, n, a) == -1)
		return -1;
	evm_address_checksum(a, out);
	if (raw != NULL)
		memcpy(raw, a, 20);
	return 0;
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long
poll_ms(void)
{
	return chain_timing.poll_ms >= 10 ? chain_timing.poll_ms : 1000;
}

static long
resend_ms(void)
{
	return chain_timing.resend_ms >= 10 ? chain_timing.resend_ms : 30000;
}

/*
 * rpc_call, except that params that could not be built (NULL from
 * json_pack: out of memory) fail through the callback instead of turning
 * into an empty array.
 */
static void
call(struct chain_net *n, const char *method, json_t *params, int flags,
    rpc_cb cb, void *arg)
{
	struct rpc_error	e;

	if (params == NULL) {
		memset(&e, 0, sizeof(e));
		e.kind = RPC_E_TRANSPORT;
		e.retryable = 1;
		strlcpy(e.message, "out of memory", sizeof(e.message));
		cb(NULL, &e, arg);
		return;
	}
	rpc_call(&n->ep, method, params, flags, cb, arg);
}

/* ------------------------------------------------------------------ */
/* ABI: revert data, strings. */

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* A 32-byte ABI word as a size, if it is a small one. */
static int
abi_size(const uint8_t *w, size_t *out)
{
	uint64_t	x;

	if (!u256_fits_u64(w) || (x = u256_low64(w)) > ABI_MAX)
		return -1;
	*out = (size_t)x;
	return 0;
}

/*
 * Decode an ABI-encoded string (head: offset; tail: length, bytes) into
 * out as printable ASCII, truncated to outsz - 1.
 */
static int
abi_string(const uint8_t *p, size_t len, char *out, size_t outsz)
{
	size_t	off, n, i, k;

	if (len < 64 || abi_size(p, &off) == -1 || off > len - 32 ||
	    abi_size(p + off, &n) == -1 || n > len - off - 32)
		return -1;
	p += off + 32;
	for (i = k = 0; i < n && k + 1 < outsz; i++)
		out[k++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	out[k] = '\0';
	return 0;
}

static const char *
panic_name(uint64_t code)
{
	switch (code) {
	case 0x01:
		return "assertion failed";
	case 0x11:
		return "arithmetic overflow or underflow";
	case 0x12:
		return "division or modulo by zero";
	case 0x21:
		return "invalid enum value";
	case 0x22:
		return "invalid storage byte array";
	case 0x31:
		return "pop on an empty array";
	case 0x32:
		return "array index out of bounds";
	case 0x41:
		return "out of memory";
	case 0x51:
		return "call to an invalid function";
	default:
		return "unknown panic code";
	}
}

/* The reason in revert data, if it says one. */
static int
revert_data_reason(const uint8_t *d, size_t len, char *out, size_t outsz)
{
	char	r[REASON_MAX + 1];

	if (len < 4)
		return -1;
	switch (be32(d)) {
	case SEL_ERROR:
		if (abi_string(d + 4, len - 4, r, sizeof(r)) == -1)
			return -1;
		snprintf(out, outsz, "%s", r);
		return 0;
	case SEL_PANIC:
		if (len != 36)
			return -1;
		if (!u256_fits_u64(d + 4))
			snprintf(out, outsz, "panic (%s)", panic_name(~0ULL));
		else
			snprintf(out, outsz, "panic 0x%" PRIx64 " (%s)",
			    u256_low64(d + 4), panic_name(u256_low64(d + 4)));
		return 0;
	default:
		snprintf(out, outsz, "custom error 0x%08" PRIx32, be32(d));
		return 0;
	}
}

/* A JSON-RPC error that says the call reverts. */
static int
is_revert(const struct rpc_error *e)
{
	return e->kind == RPC_E_RPC &&
	    (e->code == 3 || strcasestr(e->message, "revert") != NULL);
}

/*
 * "execution reverted" and the reason: from error.data (a hex string, or
 * an object with one in "data"), else from the node's message when it
 * says one, else nothing more.
 */
static void
revert_message(const struct rpc_error *e, char *out, size_t outsz)
{
	const json_t	*d = e->data;
	uint8_t		*b;
	size_t		 blen;
	char		 r[REASON_MAX + 32];
	const char	*m;
	int		 got = -1;

	if (json_is_object(d))
		d = json_object_get(d, "data");
	if (d != NULL && data_parse(d, ABI_MAX, &b, &blen) == 0) {
		if (blen > 0)
			got = revert_data_reason(b, blen, r, sizeof(r));
		free(b);
	}
	if (got == 0) {
		msg_fmt(out, outsz, "execution reverted: %s", r);
		return;
	}
	/* "execution reverted: reason" as the node spelled it. */
	m = strcasestr(e->message, "reverted: ");
	if (m != NULL && m[10] != '\0') {
		msg_fmt(out, outsz, "execution reverted: %.*s", REASON_MAX,
		    m + 10);
		return;
	}
	msg_fmt(out, outsz, "execution reverted");
}

/* ------------------------------------------------------------------ */
/* The network check. */

#define NC_OK		0
#define NC_NOURL	1	/* no RPC URL configured */
#define NC_WRONG	2	/* the node is another chain */
#define NC_ERROR	3	/* could not ask */

typedef void	(*nc_cb)(void *, int, int, const char *);

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
	msg_fmt(out, sz, "network %s: node reports chain id %" PRIu64
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
	char			 msg[CHAIN_MSG_MAX], why[300];
	char			 advice[CHAIN_MSG_MAX];
	uint64_t		 id;
	int			 st, retry = 0;

	nc->inflight = 0;
	if (err != NULL && err->kind != RPC_E_RPC) {
		st = NC_ERROR;
		retry = err->retryable;
		snprintf(why, sizeof(why), "eth_chainId: %s", err->message);
		net_rpc_advice(&n->net, (n->flags & NETF_DEFAULT) != 0, why,
		    advice, sizeof(advice));
		msg_fmt(msg, sizeof(msg), "%s", advice);
	} else if (err != NULL) {
		st = NC_ERROR;
		retry = err->retryable;
		msg_fmt(msg, sizeof(msg), "network %s: eth_chainId: %s",
		    n->net.name, err->message);
	} else if (qty_u64(res, &id) == -1) {
		st = NC_ERROR;
		msg_fmt(msg, sizeof(msg), "network %s: eth_chainId: "
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
static void
net_ready(struct chain_net *n, nc_cb cb, void *arg)
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
		msg_fmt(msg, sizeof(msg), "network %s: too many requests "
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
		call(n, "eth_chainId", json_array(), 0, nc_done, nc);
	}
}

/* ------------------------------------------------------------------ */
/* Prepare: nonce, fees, gas limit. */

struct prep {
	struct chain_net	*net;
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
};

static void __attribute__((format(printf, 4, 5)))
prep_fail(struct prep *p, int status, int retryable, const char *fmt, ...)
{
	char	tmp[CHAIN_MSG_MAX * 2];
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
		(void)vsnprintf(tmp, sizeof(tmp), fmt, ap);
		va_end(ap);
		msg_clean(p->ctx.message, sizeof(p->ctx.message), tmp);
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
	else if (qty_u64(res, &p->ctx.nonce) == -1 ||
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
	else if (qty_parse(res, p->ctx.base_fee) == -1)
		prep_fail(p, CHAIN_ERROR, 0, "eth_gasPrice: invalid answer");
	prep_unref(p);
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
	if (v != NULL && qty_u64(v, &p->block_gas) == -1) {
		prep_fail(p, CHAIN_ERROR, 0,
		    "eth_getBlockByNumber: invalid gasLimit");
		prep_unref(p);
		return;
	}
	v = json_object_get(res, "baseFeePerGas");
	if (v == NULL || json_is_null(v)) {
		/* A chain before London: the gas price is the fee. */
		p->legacy = 1;
		call(p->net, "eth_gasPrice", json_array(), 0, prep_gasprice,
		    p);
		return;
	}
	if (qty_parse(v, p->ctx.base_fee) == -1)
		prep_fail(p, CHAIN_ERROR, 0,
		    "eth_getBlockByNumber: invalid baseFeePerGas");
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
			    qty_parse(json_array_get(v, 0), r[n]) == -1) {
				n = 0;	/* malformed: ignore it all */
				break;
			}
			n++;
		}
	}
	if (n > 0) {
		qsort(r, n, 32, cmp_u256);
		memcpy(p->ctx.priority_fee, r[n / 2], 32);
	} else
		u256_from_u64(PRIO_DEFAULT, p->ctx.priority_fee);
	prep_unref(p);
}

static int
method_missing(const struct rpc_error *e)
{
	return e->kind == RPC_E_RPC && (e->code == -32601 ||
	    strcasestr(e->message, "not found") != NULL ||
	    strcasestr(e->message, "not supported") != NULL ||
	    strcasestr(e->message, "unsupported") != NULL ||
	    strcasestr(e->message, "does not exist") != NULL ||
	    strcasestr(e->message, "not available") != NULL);
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
		call(p->net, "eth_feeHistory", json_pack("[s,s,[i]]",
		    FEEHIST_BLOCKS_HEX, "latest", 50), 0, prep_feehist, p);
		return;
	}
	if (err != NULL)
		prep_fail(p, CHAIN_ERROR, err->retryable,
		    "eth_maxPriorityFeePerGas: %s", err->message);
	else if (qty_parse(res, p->ctx.priority_fee) == -1)
		prep_fail(p, CHAIN_ERROR, 0,
		    "eth_maxPriorityFeePerGas: invalid answer");
	prep_unref(p);
}

/* A dry run's balance: unknown is not an error, only not said. */
static void
prep_balance(json_t *res, const struct rpc_error *err, void *arg)
{
	struct prep	*p = arg;

	if (err == NULL && qty_parse(res, p->ctx.balance) == 0)
		p->ctx.have_balance = 1;
	else
		memset(p->ctx.balance, 0, sizeof(p->ctx.balance));
	prep_unref(p);
}

static int
is_zero_prefix(const uint8_t *d, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (d[i] != 0)
			return 0;
	return 1;
}

/* A dry run's token balance: balanceOf(wallet), 32 bytes, or not said. */
static void
prep_token_balance(json_t *res, const struct rpc_error *err, void *arg)
{
	struct prep	*p = arg;
	uint8_t		*d = NULL;
	size_t		 len = 0;

	if (err == NULL && data_parse(res, 32, &d, &len) == 0 && len == 32) {
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

	if (err == NULL && data_parse(res, 32, &d, &len) == 0 && len == 32 &&
	    is_zero_prefix(d, 31)) {
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

	if (err != NULL && is_revert(err)) {
		revert_message(err, msg, sizeof(msg));
		prep_fail(p, CHAIN_REVERT, 0, "%s", msg);
	} else if (err != NULL)
		prep_fail(p, CHAIN_ERROR, err->retryable,
		    "eth_estimateGas: %s", err->message);
	else if (qty_u64(res, &p->estimate) == -1)
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

static void
prep_ready(void *arg, int st, int retryable, const char *msg)
{
	struct prep	*p = arg;
	json_t		*tx;
	char		 bal[80];

	if (st != NC_OK) {
		prep_fail(p, st == NC_ERROR ? CHAIN_ERROR : CHAIN_REFUSED,
		    st == NC_ERROR ? retryable : 0, "%s", msg);
		prep_unref(p);
		return;
	}
	if ((tx = json_pack("{s:s,s:s,s:s}", "from", p->from, "to", p->to,
	    "value", p->value)) != NULL && p->data != NULL &&
	    json_object_set_new(tx, "data", json_string(p->data)) == -1) {
		json_decref(tx);
		tx = NULL;
	}
	/* pending: one for each call, one held until all are made. */
	p->pending = 5;
	if (p->decimals) {
		p->pending++;
		call(p->net, "eth_call", json_pack("[{s:s,s:s},s]", "to",
		    p->token, "data", SEL_DECIMALS, "latest"), 0,
		    prep_decimals, p);
	}
	if (p->token_bal) {
		/* balanceOf(address): selector, the wallet in one word */
		snprintf(bal, sizeof(bal), "0x70a08231%024d%s", 0, p->from + 2);
		p->pending++;
		call(p->net, "eth_call", json_pack("[{s:s,s:s},s]", "to",
		    p->token, "data", bal, "pending"), 0, prep_token_balance,
		    p);
	}
	call(p->net, "eth_getTransactionCount",
	    json_pack("[s,s]", p->from, "pending"), 0, prep_nonce, p);
	call(p->net, "eth_getBlockByNumber", json_pack("[s,b]", "latest", 0),
	    0, prep_block, p);
	call(p->net, "eth_maxPriorityFeePerGas", json_array(), 0, prep_prio,
	    p);
	call(p->net, "eth_estimateGas", tx != NULL ? json_pack("[o]", tx) :
	    NULL, 0, prep_estimate, p);
	if (p->balance) {
		p->pending++;
		call(p->net, "eth_getBalance", json_pack("[s,s]", p->from,
		    "pending"), 0, prep_balance, p);
	}
	if (p->no_code) {
		p->pending++;
		call(p->net, "eth_getCode", json_pack("[s,s]", p->to,
		    "latest"), 0, prep_code, p);
	}
	prep_unref(p);
}

void
evm_prepare(struct chain_net *n, const struct chain_prep *in,
    const uint8_t *data)
{
	struct prep	*p;
	struct chain_ctx c;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		memset(&c, 0, sizeof(c));
		memcpy(c.txid, in->txid, sizeof(c.txid));
		c.txid[sizeof(c.txid) - 1] = '\0';
		c.status = CHAIN_ERROR;
		c.retryable = 1;
		strlcpy(c.message, "out of memory", sizeof(c.message));
		chain_prep_done(&c);
		return;
	}
	p->net = n;
	p->pending = 1;
	p->balance = (in->flags & CHPREP_BALANCE) != 0;
	p->no_code = (in->flags & CHPREP_NO_CODE) != 0;
	memcpy(p->ctx.txid, in->txid, sizeof(p->ctx.txid));
	p->ctx.txid[sizeof(p->ctx.txid) - 1] = '\0';
	p->ctx.status = CHAIN_OK;
	p->token_bal = (in->flags & CHPREP_TOKEN_BAL) != 0;
	p->decimals = (in->flags & CHPREP_DECIMALS) != 0;
	qty_hex(in->value, p->value);
	if (in->op != CHOP_EVM_TX)
		prep_fail(p, CHAIN_REFUSED, 0, "not an EVM operation");
	else if (addr_arg(in->from, CHAIN_ADDR_MAX, p->from, NULL) == -1)
		prep_fail(p, CHAIN_REFUSED, 0, "invalid from address");
	else if (addr_arg(in->to, CHAIN_ADDR_MAX, p->to, NULL) == -1)
		prep_fail(p, CHAIN_REFUSED, 0, "invalid to address");
	else if ((in->flags & (CHPREP_TOKEN_BAL | CHPREP_DECIMALS)) &&
	    addr_arg(in->mint, CHAIN_ADDR_MAX, p->token, NULL) == -1)
		prep_fail(p, CHAIN_REFUSED, 0, "invalid token address");
	else if (in->datalen > EVM_TX_MAX ||
	    (in->datalen > 0 && data == NULL))
		prep_fail(p, CHAIN_REFUSED, 0, "invalid calldata");
	else if (in->datalen > 0 &&
	    (p->data = hex_data(data, in->datalen)) == NULL)
		prep_fail(p, CHAIN_ERROR, 1, "out of memory");
	if (p->ctx.status != CHAIN_OK) {
		prep_unref(p);
		return;
	}
	net_ready(n, prep_ready, p);
}

/* ------------------------------------------------------------------ */
/* Send and watch. */

#define LK_AMBIG	1	/* broadcast outcome unknown */
#define LK_NONCE	2	/* node said nonce too low */

struct watch {
	struct chain_net	*net;
	char			 txid[UUID_STR_LEN];
	uint8_t			 hash[32];
	char			 hashhex[67];
	char			 from[43];
	uint64_t		 nonce;
	uint8_t			*raw;
	size_t			 rawlen;
	int			 watch_only;
	struct event		*ev;
	void			(*next)(struct watch *);	/* on timer */
	long			 interval;	/* ms, grows on errors */
	int64_t			 seen_ms;	/* node last knew the tx */
	int			 lookup;	/* LK_* */
	int			 tries;
	int			 warned;
	char			 senderr[CHAIN_MSG_MAX];
	/* receipt of a failed transaction: replay for the reason */
	uint64_t		 block;
	char			 gasused[67];
};

static void	watch_poll(struct watch *);
static void	watch_receipt(struct watch *, json_t *);

static void
watch_free(struct watch *w)
{
	if (w->ev != NULL)
		event_free(w->ev);
	free(w->raw);
	free(w);
}

static void __attribute__((format(printf, 4, 5)))
watch_final(struct watch *w, int state, int retryable, const char *fmt, ...)
{
	char	tmp[CHAIN_MSG_MAX * 2], msg[CHAIN_MSG_MAX];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	msg_clean(msg, sizeof(msg), tmp);
	log_debug("tx %s %s: final state %d: %s", w->txid, w->hashhex, state,
	    msg);
	chain_status_done(w->txid, state, retryable, "%s", msg);
	watch_free(w);
}

static void
watch_timer(int fd, short ev, void *arg)
{
	struct watch	*w = arg;

	w->next(w);
}

static void
watch_at(struct watch *w, long ms, void (*next)(struct watch *))
{
	struct timeval	tv;

	w->next = next;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (evtimer_add(w->ev, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
}

/* The node answered: poll again at the normal pace. */
static void
watch_again(struct watch *w)
{
	w->interval = poll_ms();
	watch_at(w, w->interval, watch_poll);
}

/* Something failed: never a final state from that; poll later. */
static void
watch_backoff(struct watch *w, const char *what, const char *why)
{
	long	max = BACKOFF_MAX_MS > poll_ms() ? BACKOFF_MAX_MS : poll_ms();

	w->interval = w->interval * 2 < max ? w->interval * 2 : max;
	log_debug("tx %s: %s: %s; next poll in %ld ms", w->txid, what, why,
	    w->interval);
	watch_at(w, w->interval, watch_poll);
}

static void
watch_start(struct watch *w)
{
	w->seen_ms = now_ms();
	watch_again(w);
}

static void
watch_submitted(struct watch *w)
{
	chain_status_done(w->txid, CHST_SUBMITTED, 0, "%s", w->hashhex);
	watch_start(w);
}

/* Replaying a failed transaction: the revert reason. */
static void
reason_call(json_t *res, const struct rpc_error *err, void *arg)
{
	struct watch	*w = arg;
	char		 msg[CHAIN_MSG_MAX];

	if (err != NULL && is_revert(err)) {
		revert_message(err, msg, sizeof(msg));
		watch_final(w, CHST_FAILED, 0, "%s", msg);
	} else if (err != NULL && strcasestr(err->message, "out of gas"))
		watch_final(w, CHST_FAILED, 0,
		    "execution reverted: out of gas");
	else
		watch_final(w, CHST_FAILED, 0, "execution reverted");
}

static void
reason_tx(json_t *res, const struct rpc_error *err, void *arg)
{
	struct watch	*w = arg;
	char		 from[43], to[43], value[67], gas[67], block[67];
	char		*input = NULL;
	uint8_t		 v[32], *d;
	size_t		 dlen;
	uint64_t	 g;
	json_t		*tx;

	if (err != NULL || !json_is_object(res) ||
	    !hash_eq(json_object_get(res, "hash"), w->hash) ||
	    addr_json(json_object_get(res, "from"), from) == -1 ||
	    addr_json(json_object_get(res, "to"), to) == -1 ||
	    qty_parse(json_object_get(res, "value"), v) == -1 ||
	    qty_u64(json_object_get(res, "gas"), &g) == -1 ||
	    data_parse(json_object_get(res, "input"), EVM_TX_MAX, &d,
	    &dlen) == -1) {
		watch_final(w, CHST_FAILED, 0, "execution reverted");
		return;
	}
	input = hex_data(d, dlen);
	free(d);
	qty_hex(v, value);
	u64_hex(g, gas);
	u64_hex(w->block, block);
	tx = input == NULL ? NULL : json_pack("{s:s,s:s,s:s,s:s,s:s}",
	    "from", from, "to", to, "data", input, "value", value,
	    "gas", gas);
	free(input);
	if (tx == NULL) {
		watch_final(w, CHST_FAILED, 0, "execution reverted");
		return;
	}
	call(w->net, "eth_call", json_pack("[o,s]", tx, block),
	    RPC_NORETRY, reason_call, w);
}

static void
watch_receipt(struct watch *w, json_t *r)
{
	json_t		*bn;
	uint8_t		 st[32];

	if (!hash_eq(json_object_get(r, "transactionHash"), w->hash)) {
		watch_backoff(w, "eth_getTransactionReceipt",
		    "receipt of another transaction");
		return;
	}
	bn = json_object_get(r, "blockNumber");
	if (bn == NULL || json_is_null(bn)) {
		/* Some nodes give receipts of pending transactions. */
		w->seen_ms = now_ms();
		watch_again(w);
		return;
	}
	if (qty_u64(bn, &w->block) == -1 ||
	    qty_parse(json_object_get(r, "status"), st) == -1 ||
	    !u256_fits_u64(st) || u256_low64(st) > 1) {
		watch_backoff(w, "eth_getTransactionReceipt",
		    "invalid receipt");
		return;
	}
	if (u256_low64(st) == 1) {
		watch_final(w, CHST_CONFIRMED, 0, "confirmed in block %" PRIu64,
		    w->block);
		return;
	}
	call(w->net, "eth_getTransactionByHash", json_pack("[s]", w->hashhex),
	    0, reason_tx, w);
}

/* After a nonce was seen used: is it ours after all? */
static void
watch_receipt2(json_t *res, const struct rpc_error *err, void *arg)
{
	struct watch	*w = arg;

	if (err != NULL)
		watch_backoff(w, "eth_getTransactionReceipt", err->message);
	else if (json_is_object(res))
		watch_receipt(w, res);
	else if (json_is_null(res))
		watch_final(w, CHST_FAILED, 0, "dropped: nonce %" PRIu64
		    " used by another transaction", w->nonce);
	else
		watch_backoff(w, "eth_getTransactionReceipt",
		    "invalid answer");
}

static void
watch_resent(json_t *res, const struct rpc_error *err, void *arg)
{
	struct watch	*w = arg;

	/* Whatever the node says, the next polls tell. */
	if (err != NULL)
		log_debug("tx %s: re-broadcast: %s", w->txid, err->message);
	else
		log_info("tx %s %s: re-broadcast", w->txid, w->hashhex);
	w->seen_ms = now_ms();
	watch_again(w);
}

static void
watch_count(json_t *res, const struct rpc_error *err, void *arg)
{
	struct watch	*w = arg;
	char		*hex;
	uint64_t	 count;

	if (err != NULL) {
		watch_backoff(w, "eth_getTransactionCount", err->message);
		return;
	}
	if (qty_u64(res, &count) == -1) {
		watch_backoff(w, "eth_getTransactionCount", "invalid answer");
		return;
	}
	if (count > w->nonce) {
		call(w->net, "eth_getTransactionReceipt",
		    json_pack("[s]", w->hashhex), 0, watch_receipt2, w);
		return;
	}
	if (w->rawlen == 0 || (hex = hex_data(w->raw, w->rawlen)) == NULL) {
		w->seen_ms = now_ms();
		watch_again(w);
		return;
	}
	/* Unseen for too long: the same bytes again, nothing else. */
	call(w->net, "eth_sendRawTransaction", json_pack("[s]", hex),
	    RPC_NORETRY, watch_resent, w);
	free(hex);
}

static void
watch_seen(json_t *res, const struct rpc_error *err, void *arg)
{
	struct watch	*w = arg;

	if (err != NULL) {
		watch_backoff(w, "eth_getTransactionByHash", err->message);
		return;
	}
	if (json_is_object(res) && hash_eq(json_object_get(res, "hash"),
	    w->hash)) {
		w->seen_ms = now_ms();
		watch_again(w);
		return;
	}
	if (!json_is_null(res)) {
		watch_backoff(w, "eth_getTransactionByHash", "invalid answer");
		return;
	}
	if (now_ms() - w->seen_ms < resend_ms()) {
		watch_again(w);
		return;
	}
	call(w->net, "eth_getTransactionCount",
	    json_pack("[s,s]", w->from, "latest"), 0, watch_count, w);
}

static void
watch_rcpt(json_t *res, const struct rpc_error *err, void *arg)
{
	struct watch	*w = arg;

	if (err != NULL)
		watch_backoff(w, "eth_getTransactionReceipt", err->message);
	else if (json_is_object(res))
		watch_receipt(w, res);
	else if (json_is_null(res))
		call(w->net, "eth_getTransactionByHash",
		    json_pack("[s]", w->hashhex), 0, watch_seen, w);
	else
		watch_backoff(w, "eth_getTransactionReceipt",
		    "invalid answer");
}

static void
watch_ready(void *arg, int st, int retryable, const char *msg)
{
	struct watch	*w = arg;

	if (st != NC_OK) {
		if (st != NC_ERROR && !w->warned) {
			log_warnx("tx %s: cannot watch: %s", w->txid, msg);
			w->warned = 1;
		}
		watch_backoff(w, "network", msg);
		return;
	}
	w->warned = 0;
	call(w->net, "eth_getTransactionReceipt", json_pack("[s]", w->hashhex),
	    0, watch_rcpt, w);
}

static void
watch_poll(struct watch *w)
{
	net_ready(w->net, watch_ready, w);
}

/* After an ambiguous broadcast or "nonce too low": does the node know
 * our transaction? */
static void	lookup(struct watch *);

static void
lookup_done(json_t *res, const struct rpc_error *err, void *arg)
{
	struct watch	*w = arg;

	if (err == NULL && json_is_object(res) &&
	    hash_eq(json_object_get(res, "hash"), w->hash)) {
		watch_submitted(w);
		return;
	}
	if (err == NULL && json_is_null(res)) {
		if (w->lookup == LK_NONCE)
			watch_final(w, CHST_NONCE_LOW, 0, "nonce %" PRIu64
			    " already used: %s", w->nonce, w->senderr);
		else
			watch_final(w, CHST_NOT_SENT, 1, "%s", w->senderr);
		return;
	}
	/*
	 * No answer, or nonsense.  After "nonce too low" the tx may well
	 * be ours and mined: keep asking, never guess.  After an ambiguous
	 * broadcast, a few tries, then not sent (retryable: the same bytes
	 * may be sent again).
	 */
	if (w->lookup == LK_AMBIG && ++w->tries >= LOOKUP_TRIES) {
		watch_final(w, CHST_NOT_SENT, 1, "%s", w->senderr);
		return;
	}
	w->interval = w->interval * 2 < BACKOFF_MAX_MS ? w->interval * 2 :
	    BACKOFF_MAX_MS;
	log_debug("tx %s: lookup: %s", w->txid, err != NULL ? err->message :
	    "invalid answer");
	watch_at(w, w->interval, lookup);
}

static void
lookup(struct watch *w)
{
	call(w->net, "eth_getTransactionByHash", json_pack("[s]", w->hashhex),
	    0, lookup_done, w);
}

static int
send_known(const char *m)
{
	return strcasestr(m, "already known") != NULL ||
	    strcasestr(m, "known transaction") != NULL ||
	    strcasestr(m, "already imported") != NULL ||
	    strcasestr(m, "alreadyknown") != NULL ||
	    strcasestr(m, "already in the mempool") != NULL;
}

/*
 * The nonce is taken by a transaction that is not ours: mined ("nonce
 * too low") or still in the node's pool ("replacement transaction
 * underpriced": another holder of the key got there first and its
 * transaction is not mined yet).  Both mean: re-sign with the next one.
 */
static int
send_nonce_low(const char *m)
{
	return strcasestr(m, "nonce too low") != NULL ||
	    strcasestr(m, "nonce is too low") != NULL ||
	    strcasestr(m, "already been used") != NULL ||
	    strcasestr(m, "replacement transaction underpriced") != NULL ||
	    strcasestr(m, "could not replace existing tx") != NULL;
}

static void
send_done(json_t *res, const struct rpc_error *err, void *arg)
{
	struct watch	*w = arg;

	if (err == NULL) {
		if (hash_eq(res, w->hash)) {
			watch_submitted(w);
			return;
		}
		w->lookup = LK_AMBIG;
		msg_fmt(w->senderr, sizeof(w->senderr),
		    "eth_sendRawTransaction: node answered another hash");
		lookup(w);
		return;
	}
	msg_fmt(w->senderr, sizeof(w->senderr), "%s", err->message);
	if (err->kind == RPC_E_RPC && send_known(err->message))
		watch_submitted(w);
	else if (err->kind == RPC_E_RPC && send_nonce_low(err->message)) {
		w->lookup = LK_NONCE;
		lookup(w);
	} else if (err->kind == RPC_E_RPC)
		/* A definite no: insufficient funds, fee too low ... */
		watch_final(w, CHST_NOT_SENT, err->retryable, "%s",
		    err->message);
	else {
		/* No answer: the node may have it. */
		w->lookup = LK_AMBIG;
		lookup(w);
	}
}

static void
send_ready(void *arg, int st, int retryable, const char *msg)
{
	struct watch	*w = arg;
	char		*hex;

	if (w->watch_only) {
		/* Already sent: watch whatever the node says now. */
		if (st == NC_OK)
			watch_start(w);
		else {
			w->seen_ms = now_ms();
			watch_ready(w, st, retryable, msg);
		}
		return;
	}
	if (st != NC_OK) {
		watch_final(w, CHST_NOT_SENT, st == NC_ERROR ? retryable : 0,
		    "%s", msg);
		return;
	}
	if ((hex = hex_data(w->raw, w->rawlen)) == NULL) {
		watch_final(w, CHST_NOT_SENT, 1, "out of memory");
		return;
	}
	call(w->net, "eth_sendRawTransaction", json_pack("[s]", hex), 0,
	    send_done, w);
	free(hex);
}

void
evm_send(struct chain_net *n, const struct chain_send *s, const uint8_t *raw)
{
	struct watch	*w;
	char		 txid[UUID_STR_LEN];
	uint8_t		 h[32];

	memcpy(txid, s->txid, sizeof(txid));
	txid[sizeof(txid) - 1] = '\0';
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->ev = evtimer_new(chain_base, watch_timer, w)) == NULL ||
	    (s->rawlen > 0 && (w->raw = malloc(s->rawlen)) == NULL)) {
		if (w != NULL)
			watch_free(w);
		chain_status_done(txid, CHST_NOT_SENT, 1, "out of memory");
		return;
	}
	w->net = n;
	memcpy(w->txid, txid, sizeof(w->txid));
	w->watch_only = (s->flags & CHSEND_WATCH_ONLY) != 0;
	w->nonce = s->nonce;
	w->interval = poll_ms();
	if (s->hashlen != 32) {
		watch_final(w, CHST_NOT_SENT, 0, "invalid transaction hash");
		return;
	}
	memcpy(w->hash, s->hash, 32);
	hash_hex(w->hash, w->hashhex);
	if (addr_arg(s->from, CHAIN_ADDR_MAX, w->from, NULL) == -1) {
		watch_final(w, CHST_NOT_SENT, 0, "invalid from address");
		return;
	}
	if (s->rawlen > EVM_TX_MAX || (s->rawlen > 0 && raw == NULL) ||
	    (s->rawlen == 0 && !w->watch_only)) {
		watch_final(w, CHST_NOT_SENT, 0, "invalid raw transaction");
		return;
	}
	if (s->rawlen > 0) {
		/* The bytes we may (re-)broadcast must be this tx. */
		keccak256(raw, s->rawlen, h);
		if (memcmp(h, w->hash, 32) != 0) {
			watch_final(w, CHST_NOT_SENT, 0,
			    "raw transaction does not match its hash");
			return;
		}
		memcpy(w->raw, raw, s->rawlen);
		w->rawlen = s->rawlen;
	}
	net_ready(n, send_ready, w);
}

/* ------------------------------------------------------------------ */
/* Queries: balances. */

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
	char	tmp[CHAIN_MSG_MAX * 2];
	va_list	ap;

	if (q->status != 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	msg_clean(q->msg, sizeof(q->msg), tmp);
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

static void
query_unref(struct query *q)
{
	json_t	*body;

	if (--q->pending > 0)
		return;
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

/* A symbol: an ABI string, or bytes32 for old tokens; "" if neither. */
static void
symbol_decode(const uint8_t *d, size_t len, char out[SYMBOL_MAX + 1])
{
	size_t	i;

	out[0] = '\0';
	if (abi_string(d, len, out, SYMBOL_MAX + 1) == 0)
		return;
	if (len != 32)
		return;
	for (i = 0; i < 32 && i < SYMBOL_MAX && d[i] != '\0'; i++)
		out[i] = (d[i] >= 0x20 && d[i] < 0x7f) ? (char)d[i] : '?';
	out[i] = '\0';
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

	if (err == NULL && data_parse(res, ABI_MAX, &d, &len) == -1)
		bad = 1;
	if (c->what == QT_SYM) {
		/* Nice to have: "" when the token will not say. */
		if (err == NULL && !bad)
			symbol_decode(d, len, t->symbol);
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
	else if (qty_parse(res, q->native) == -1)
		query_fail(q, 502, "eth_getBalance: invalid answer");
	query_unref(q);
}

static void
query_ready(void *arg, int st, int retryable, const char *msg)
{
	struct query	*q = arg;
	struct qtoken	*t;
	char		 bal[2 + 8 + 64 + 1], low[43];
	size_t		 i;
	int		 k;

	if (st != NC_OK) {
		query_fail(q, st == NC_NOURL ? 503 : 502, "%s", msg);
		query_unref(q);
		return;
	}
	/* "0x" selector, the address left-padded to 32 bytes. */
	for (i = 0; i < sizeof(low); i++)
		low[i] = (q->addr[i] >= 'A' && q->addr[i] <= 'F') ?
		    (char)(q->addr[i] - 'A' + 'a') : q->addr[i];
	snprintf(bal, sizeof(bal), "0x%s%024d%s", SEL_BALANCEOF, 0, low + 2);
	q->pending += (int)(3 * q->ntok);
	if (q->kind == CQ_ASSETS || q->ntok == 0) {
		q->pending++;
		q->nc.q = q;
		q->nc.tok = -1;
		call(q->net, "eth_getBalance", json_pack("[s,s]", q->addr,
		    "latest"), 0, query_native, &q->nc);
	}
	for (i = 0; i < q->ntok; i++) {
		t = &q->tok[i];
		for (k = 0; k < 3; k++) {
			t->c[k].q = q;
			t->c[k].tok = (int)i;
			t->c[k].what = k;
			call(q->net, "eth_call", json_pack("[{s:s,s:s},s]",
			    "to", t->addr, "data", k == QT_BAL ? bal :
			    k == QT_DEC ? SEL_DECIMALS : SEL_SYMBOL,
			    "latest"), 0, query_tok_done, &t->c[k]);
		}
	}
	query_unref(q);
}

void
evm_query(void *req, struct chain_net *n, const struct chain_query *in)
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
	q->kind = in->kind;
	q->pending = 1;
	msg_clean(q->wallet, sizeof(q->wallet), in->wallet_id);
	if (in->kind != CQ_BALANCE && in->kind != CQ_ASSETS)
		query_fail(q, 502, "unsupported query");
	else if (addr_arg(in->address, CHAIN_ADDR_MAX, q->addr, NULL) == -1)
		query_fail(q, 502, "invalid address");
	else if (in->kind == CQ_BALANCE &&
	    strnlen(in->token, sizeof(in->token)) > 0) {
		if (addr_arg(in->token, CHAIN_ADDR_MAX, q->tok[0].addr,
		    NULL) == -1)
			query_fail(q, 502, "invalid token address");
		q->ntok = 1;
	} else if (in->kind == CQ_ASSETS) {
		if (in->ntokens > CQ_TOKENS_MAX)
			query_fail(q, 502, "too many tokens");
		for (i = 0; q->status == 0 && i < in->ntokens; i++) {
			if (addr_arg(in->tokens[i], CHAIN_ADDR_MAX,
			    q->tok[i].addr, NULL) == -1)
				query_fail(q, 502, "invalid token address");
			q->ntok++;
		}
	}
	if (q->status != 0) {
		query_unref(q);
		return;
	}
	net_ready(n, query_ready, q);
}
