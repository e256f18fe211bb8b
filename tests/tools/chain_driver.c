/*
 * chain_driver: runs the api's chain clients (rpc.c, chain_evm.c,
 * chain_sol.c) alone against a node, JSON in, JSON lines out, for the
 * integration tests.  It plays api_chain.c: the chain_*_done() hooks
 * print one line each.
 *
 * usage: chain_driver rpc URL METHOD [PARAMS_JSON]
 *	  chain_driver get URL
 *	  chain_driver prepare NETWORK URL JSON
 *	  chain_driver send NETWORK URL JSON
 *	  chain_driver query NETWORK URL JSON
 *	  chain_driver resolve URL [TIMEOUT_MS]
 *
 * Environment (milliseconds): CHAIN_DRIVER_TIMEOUT_MS (5000),
 * CHAIN_DRIVER_RETRIES (1), CHAIN_DRIVER_MAX_RESPONSE (bytes, 1048576),
 * CHAIN_DRIVER_POLL_MS (200), CHAIN_DRIVER_RESEND_MS (2000),
 * CHAIN_DRIVER_DEADLINE_MS (60000: no final result by then, exit 3).
 * CHAIN_DRIVER_SANDBOX=1 enters the api's seccomp filter after
 * rpc_init(), as the daemon's api does; CHAIN_DRIVER_CA_FILE is a CA
 * bundle instead of the system's; CHAIN_DRIVER_RESOLVE replaces the
 * resolve entry looked up from the URL ("" for none);
 * CHAIN_DRIVER_DEBUG=1 logs to stderr; CHAIN_DRIVER_REPEAT=N makes the rpc
 * command N calls at once (one line each, in the order they end);
 * CHAIN_DRIVER_SHARED=1 makes them with rpc_call_shared() (a read that
 * may share an identical call started since the command began), and a
 * last line {"joined": N} says how many shared another's answer.
 * get (rpc_get(), a price endpoint's plain GET) prints {"body": text},
 * the body's bytes outside printable ASCII as '?', or {"error": ...}.
 * resolve is the parent's look-up (resolve_entry_bounded(), as for
 * the built-in endpoints, with TIMEOUT_MS): {"resolve": entry} or
 * {"error": why, "stalled": bool}, and "ms" it took.
 *
 * Exit: 0 after a result (an error result too), 2 usage or bad input,
 * 3 no result within the deadline.
 */
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "base58.h"
#include "chain.h"
#include "keystore.h"
#include "log.h"
#include "msg.h"
#include "network.h"
#include "resolve.h"
#include "rpc.h"
#include "sandbox.h"
#include "util.h"
#include "wipe.h"

#define EX_USAGE	2
#define EX_DEADLINE	3
#define DATA_MAX	(128 * 1024)	/* calldata, raw transaction */
#define DRAIN_MS	10

struct chain_timing	chain_timing = { 200, 2000 };
struct event_base	*chain_base;

static struct event_base	*base;
static struct event		*deadline_ev, *drain_ev;
static long			 deadline_ms = 60000;
static int			 finished, exit_code;
static long			 repeat = 1, rpc_left;
static int			 shared;	/* CHAIN_DRIVER_SHARED */
static uint64_t			 since_us;	/* the command's start */
static int			 query_req;	/* the dummy request */
static char			 outbuf[64 * 1024];

static const char *const prep_status[] = {
	"OK", "ERROR", "REVERT", "REFUSED"
};
static const char *const send_state[] = {
	"?", "SUBMITTED", "CONFIRMED", "FAILED", "NOT_SENT", "NONCE_LOW",
	"EXPIRED"
};

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_err(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "chain_driver: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(EX_USAGE);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: chain_driver rpc URL METHOD [PARAMS_JSON]\n"
	    "       chain_driver resolve URL [TIMEOUT_MS]\n"
	    "       chain_driver get URL\n"
	    "       chain_driver prepare|send|query NETWORK URL JSON\n");
	exit(EX_USAGE);
}

static long
env_long(const char *name, long def, long min, long max)
{
	const char	*s = getenv(name);
	char		*end;
	long		 v;

	if (s == NULL || *s == '\0')
		return def;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		usage_err("%s: not a number in [%ld, %ld]", name, min, max);
	return v;
}

/* One line on stdout, written at once; o is stolen. */
static void
emit(json_t *o)
{
	json_malloc_t	 m;
	json_free_t	 f;
	char		*s;

	if (o == NULL || (s = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("emit: json");
	fputs(s, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	json_get_alloc_funcs(&m, &f);
	f(s);
	json_decref(o);
}

static json_t *
ju64(uint64_t v)
{
	char	buf[32];

	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return json_string(buf);
}

/* A 256-bit big-endian number in decimal. */
static void
be32_dec(const uint8_t in[32], char *out, size_t outlen)
{
	uint8_t	n[32];
	char	rev[80];
	size_t	i, len = 0;
	int	nz, rem;

	memcpy(n, in, sizeof(n));
	do {
		rem = 0;
		nz = 0;
		for (i = 0; i < sizeof(n); i++) {
			int v = rem * 256 + n[i];

			n[i] = (uint8_t)(v / 10);
			rem = v % 10;
			nz |= n[i];
		}
		rev[len++] = (char)('0' + rem);
	} while (nz && len < sizeof(rev));
	for (i = 0; i < len && i + 1 < outlen; i++)
		out[i] = rev[len - 1 - i];
	out[i] = '\0';
}

/* A decimal string up to 2^256-1 into 32 bytes, big-endian. */
static int
dec_be32(const char *s, uint8_t out[32])
{
	size_t	i;
	int	j, v;

	memset(out, 0, 32);
	if (*s == '\0' || strlen(s) > 78)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = s[i] - '0';
		for (j = 31; j >= 0; j--) {
			v += out[j] * 10;
			out[j] = (uint8_t)v;
			v >>= 8;
		}
		if (v != 0)
			return -1;
	}
	return 0;
}

/* Hex, with or without 0x, into a new buffer; -1 if malformed. */
static int
hex_decode(const char *s, uint8_t **out, size_t *outlen, size_t max)
{
	size_t	i, len;
	int	hi, lo;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	len = strlen(s);
	if (len % 2 != 0 || len / 2 > max)
		return -1;
	if ((*out = malloc(len / 2 + 1)) == NULL)
		fatal("malloc");
	for (i = 0; i < len / 2; i++) {
		if ((hi = hex_digit(s[2 * i])) < 0 ||
		    (lo = hex_digit(s[2 * i + 1])) < 0) {
			free(*out);
			*out = NULL;
			return -1;
		}
		(*out)[i] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = len / 2;
	return 0;
}

/* Optional string member into a fixed buffer; absent leaves it. */
static void
get_str(json_t *o, const char *key, char *dst, size_t dstlen, int required)
{
	json_t	*v = json_object_get(o, key);

	if (v == NULL && !required)
		return;
	if (!json_is_string(v))
		usage_err("\"%s\": a string is required", key);
	if (strlcpy(dst, json_string_value(v), dstlen) >= dstlen)
		usage_err("\"%s\": too long", key);
}

static uint64_t
get_u64(json_t *o, const char *key)
{
	json_t			*v = json_object_get(o, key);
	char			*end;
	unsigned long long	 u;

	if (v == NULL)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		return (uint64_t)json_integer_value(v);
	if (json_is_string(v) && json_string_value(v)[0] >= '0' &&
	    json_string_value(v)[0] <= '9') {
		errno = 0;
		u = strtoull(json_string_value(v), &end, 10);
		if (errno == 0 && *end == '\0')
			return u;
	}
	usage_err("\"%s\": not an unsigned integer", key);
}

static json_t *
parse_arg(const char *s, const char *what)
{
	json_error_t	 err;
	json_t		*o;

	if ((o = json_loads(s, 0, &err)) == NULL)
		usage_err("%s: %s", what, err.text);
	return o;
}

static void
txid_of(json_t *o, char txid[UUID_STR_LEN])
{
	if (json_object_get(o, "txid") != NULL)
		get_str(o, "txid", txid, UUID_STR_LEN, 1);
	else
		uuidv7(txid);
}

/*
 * The network as the api has it: the table of built-in networks, one
 * entry with its URL and the resolve entry the parent would have made.
 */
static void
net_setup(const char *name, const char *url, struct chain_net *cn)
{
	const struct network	*n;
	const char		*env;
	char			 err[256];
	size_t			 i;

	for (i = 0; i < net_nbuiltin; i++)
		if (net_add(&net_builtin[i]) == -1)
			usage_err("net_add %s", net_builtin[i].name);
	if ((n = net_find(name)) == NULL)
		usage_err("%s: unknown network", name);
	memset(cn, 0, sizeof(*cn));
	cn->index = net_index(n);
	cn->net = *n;
	if (strlcpy(cn->url, url, sizeof(cn->url)) >= sizeof(cn->url))
		usage_err("URL too long");
	if ((env = getenv("CHAIN_DRIVER_RESOLVE")) != NULL) {
		if (strlcpy(cn->resolve, env, sizeof(cn->resolve)) >=
		    sizeof(cn->resolve))
			usage_err("CHAIN_DRIVER_RESOLVE too long");
	} else if (resolve_entry(url, cn->resolve, sizeof(cn->resolve),
	    err, sizeof(err)) == -1)
		usage_err("%s", err);
	cn->ep.url = cn->url;
	cn->ep.resolve = cn->resolve;
	cn->state = NETSTATE_UNCHECKED;
}

static void
drain(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	tv = { 0, DRAIN_MS * 1000 };

	(void)fd;
	(void)what;
	(void)arg;
	/* Let the client's own loose ends (parallel calls) come back. */
	if (rpc_inflight() == 0)
		event_base_loopbreak(base);
	else
		evtimer_add(drain_ev, &tv);
}

static void
finish(void)
{
	struct timeval	tv = { 0, 0 };

	if (finished)
		return;
	finished = 1;
	evtimer_add(drain_ev, &tv);
}

static void
deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (!finished) {
		fprintf(stderr, "chain_driver: no result within %ld ms\n",
		    deadline_ms);
		exit_code = EX_DEADLINE;
	}
	event_base_loopbreak(base);
}

void
chain_prep_done(const struct chain_ctx *c)
{
	json_t	*o;
	char	 base_fee[80], prio[80], bh[64];

	be32_dec(c->base_fee, base_fee, sizeof(base_fee));
	be32_dec(c->priority_fee, prio, sizeof(prio));
	base58_encode(c->blockhash, sizeof(c->blockhash), bh, sizeof(bh));
	o = json_pack("{s:s%, s:s, s:b, s:s%}", "txid", c->txid,
	    strnlen(c->txid, sizeof(c->txid)), "status",
	    c->status >= 0 && (size_t)c->status < nitems(prep_status) ?
	    prep_status[c->status] : "?", "retryable", c->retryable != 0,
	    "message", c->message, strnlen(c->message, sizeof(c->message)));
	if (o == NULL ||
	    json_object_set_new(o, "nonce", ju64(c->nonce)) == -1 ||
	    json_object_set_new(o, "gasLimit", ju64(c->gas_limit)) == -1 ||
	    json_object_set_new(o, "baseFee", json_string(base_fee)) == -1 ||
	    json_object_set_new(o, "priorityFee", json_string(prio)) == -1 ||
	    json_object_set_new(o, "blockhash", json_string(bh)) == -1 ||
	    json_object_set_new(o, "lastValidHeight",
	    ju64(c->last_valid_height)) == -1 ||
	    json_object_set_new(o, "ataExists",
	    json_boolean(c->ata_exists)) == -1 ||
	    json_object_set_new(o, "decimals",
	    json_integer(c->decimals)) == -1 ||
	    json_object_set_new(o, "fee", ju64(c->fee)) == -1)
		fatalx("chain_prep_done: json");
	emit(o);
	finish();
}

void
chain_status_done(const char *txid, int state, int retryable,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[CHAIN_MSG_MAX];
	json_t	*o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = json_pack("{s:s, s:s, s:b, s:s}", "txid", txid, "state",
	    state > 0 && (size_t)state < nitems(send_state) ?
	    send_state[state] : "?", "retryable", retryable != 0,
	    "message", msg);
	emit(o);
	if (state != CHST_SUBMITTED)
		finish();
}

void
chain_query_done(void *req, int status, const char *code, const char *msg,
    json_t *body)
{
	json_t	*o;

	if (req != &query_req)
		fprintf(stderr, "chain_driver: query done for an unknown "
		    "request\n");
	if (status == 200)
		o = json_pack("{s:i, s:o}", "status", status, "body",
		    body != NULL ? body : json_null());
	else {
		json_decref(body);
		o = json_pack("{s:i, s:s, s:s}", "status", status, "code",
		    code != NULL ? code : "", "message",
		    msg != NULL ? msg : "");
	}
	emit(o);
	finish();
}

/*
 * A balance goes the JSON way too (chain_query_done()): the driver
 * prints what the chain client found, not the api's answer text.
 */
int
chain_balance_done(void *req, const struct chain_balance *b)
{
	(void)req;
	(void)b;
	return -1;
}

static void
rpc_done(json_t *result, const struct rpc_error *e, void *arg)
{
	json_t	*o;

	(void)arg;
	if (e == NULL)
		o = json_pack("{s:O}", "result", result);
	else
		o = json_pack("{s:{s:s, s:I, s:s, s:b, s:O?}}", "error",
		    "kind", rpc_errkind(e->kind), "code", (json_int_t)e->code,
		    "message", e->message, "retryable", e->retryable != 0,
		    "data", e->data);
	emit(o);
	if (--rpc_left > 0)
		return;
	if (shared)
		emit(json_pack("{s:I}", "joined", (json_int_t)rpc_joined()));
	finish();
}

static void
get_done(const char *body, size_t len, const struct rpc_error *e, void *arg)
{
	json_t	*o;
	char	*text;
	size_t	 i;

	(void)arg;
	if (e != NULL) {
		rpc_done(NULL, e, arg);
		return;
	}
	if ((text = malloc(len + 1)) == NULL)
		fatal("malloc");
	for (i = 0; i < len; i++)
		text[i] = body[i] >= 0x20 && body[i] < 0x7f ? body[i] : '?';
	text[len] = '\0';
	o = json_pack("{s:s}", "body", text);
	free(text);
	emit(o);
	if (--rpc_left == 0)
		finish();
}

/* What one command does once the loop runs. */
struct work {
	int			 cmd;
	struct rpc_endpoint	 ep;
	char			 resolve[NET_RESOLVE_MAX];
	const char		*method;
	json_t			*params;
	struct chain_net	 cn;
	struct chain_prep	 prep;
	struct chain_send	 send;
	struct chain_query	 query;
	uint8_t			*data;
};

#define CMD_RPC		1
#define CMD_PREPARE	2
#define CMD_SEND	3
#define CMD_QUERY	4
#define CMD_GET		5

static void
setup_rpc(struct work *w, int argc, char *argv[])
{
	const char	*env;
	char		 err[256];

	if (w->cmd == CMD_RPC ? argc < 4 || argc > 5 : argc != 3)
		usage();
	w->ep.url = argv[2];
	w->method = w->cmd == CMD_RPC ? argv[3] : "get";
	if ((env = getenv("CHAIN_DRIVER_RESOLVE")) != NULL) {
		if (strlcpy(w->resolve, env, sizeof(w->resolve)) >=
		    sizeof(w->resolve))
			usage_err("CHAIN_DRIVER_RESOLVE too long");
	} else if (resolve_entry(argv[2], w->resolve, sizeof(w->resolve),
	    err, sizeof(err)) == -1)
		usage_err("%s", err);
	w->ep.resolve = w->resolve;
	if (w->cmd == CMD_RPC && argc == 5)
		w->params = parse_arg(argv[4], "PARAMS_JSON");
}

static void
setup_prepare(struct work *w, json_t *o)
{
	struct chain_prep	*p = &w->prep;
	const char		*op;
	char			 value[80] = "0", data[2 * DATA_MAX + 3] = "";
	size_t			 len = 0;

	txid_of(o, p->txid);
	p->net = w->cn.index;
	if (!json_is_string(json_object_get(o, "op")))
		usage_err("\"op\": a string is required");
	op = json_string_value(json_object_get(o, "op"));
	if (strcmp(op, "evm_tx") == 0)
		p->op = CHOP_EVM_TX;
	else if (strcmp(op, "sol_transfer") == 0)
		p->op = CHOP_SOL_TRANSFER;
	else if (strcmp(op, "sol_token") == 0)
		p->op = CHOP_SOL_TOKEN;
	else if (strcmp(op, "sol_call") == 0)
		p->op = CHOP_SOL_CALL;
	else
		usage_err("\"op\": %s: unknown", op);
	get_str(o, "from", p->from, sizeof(p->from), 0);
	get_str(o, "to", p->to, sizeof(p->to), 0);
	get_str(o, "mint", p->mint, sizeof(p->mint), 0);
	if (json_is_integer(json_object_get(o, "value")))
		snprintf(value, sizeof(value), "%lld", (long long)
		    json_integer_value(json_object_get(o, "value")));
	else
		get_str(o, "value", value, sizeof(value), 0);
	if (dec_be32(value, p->value) == -1)
		usage_err("\"value\": not a decimal number below 2^256");
	get_str(o, "data", data, sizeof(data), 0);
	if (hex_decode(data, &w->data, &len, DATA_MAX) == -1)
		usage_err("\"data\": not hex");
	p->datalen = (uint32_t)len;
}

static void
setup_send(struct work *w, json_t *o)
{
	struct chain_send	*s = &w->send;
	char			 hash[160] = "", raw[2 * DATA_MAX + 3] = "";
	uint8_t			*h = NULL;
	size_t			 len = 0;
	int			 n;

	txid_of(o, s->txid);
	s->net = w->cn.index;
	get_str(o, "from", s->from, sizeof(s->from), 0);
	get_str(o, "hash", hash, sizeof(hash), 1);
	if (w->cn.net.chain == KS_CHAIN_ETHEREUM) {
		if (hex_decode(hash, &h, &len, 32) == -1 || len != 32)
			usage_err("\"hash\": not 32 bytes of hex");
		memcpy(s->hash, h, 32);
		s->hashlen = 32;
		free(h);
	} else {
		n = base58_decode(hash, strlen(hash), s->hash,
		    sizeof(s->hash));
		if (n != 64)
			usage_err("\"hash\": not a base58 signature");
		s->hashlen = 64;
	}
	get_str(o, "raw", raw, sizeof(raw), 0);
	if (hex_decode(raw, &w->data, &len, DATA_MAX) == -1)
		usage_err("\"raw\": not hex");
	s->rawlen = (uint32_t)len;
	s->nonce = get_u64(o, "nonce");
	s->last_valid_height = get_u64(o, "lastValidHeight");
	if (json_is_true(json_object_get(o, "watchOnly")))
		s->flags |= CHSEND_WATCH_ONLY;
}

static void
setup_query(struct work *w, json_t *o)
{
	struct chain_query	*q = &w->query;
	const char		*kind;
	json_t			*t, *v;
	size_t			 i;

	if (!json_is_string(json_object_get(o, "kind")))
		usage_err("\"kind\": a string is required");
	kind = json_string_value(json_object_get(o, "kind"));
	if (strcmp(kind, "balance") == 0)
		q->kind = CQ_BALANCE;
	else if (strcmp(kind, "assets") == 0)
		q->kind = CQ_ASSETS;
	else
		usage_err("\"kind\": %s: unknown", kind);
	q->net = w->cn.index;
	if (json_object_get(o, "walletId") != NULL)
		get_str(o, "walletId", q->wallet_id, sizeof(q->wallet_id), 1);
	else
		uuidv7(q->wallet_id);
	get_str(o, "address", q->address, sizeof(q->address), 1);
	get_str(o, "token", q->token, sizeof(q->token), 0);
	if ((t = json_object_get(o, "tokens")) != NULL) {
		if (!json_is_array(t) || json_array_size(t) > CQ_TOKENS_MAX)
			usage_err("\"tokens\": an array of at most %d",
			    CQ_TOKENS_MAX);
		json_array_foreach(t, i, v) {
			if (!json_is_string(v) ||
			    strlcpy(q->tokens[i], json_string_value(v),
			    sizeof(q->tokens[i])) >= sizeof(q->tokens[i]))
				usage_err("\"tokens\": bad entry");
		}
		q->ntokens = (uint32_t)json_array_size(t);
	}
}

static void
setup(struct work *w, int argc, char *argv[])
{
	json_t	*o;

	if (argc < 2)
		usage();
	if (strcmp(argv[1], "rpc") == 0 || strcmp(argv[1], "get") == 0) {
		w->cmd = argv[1][0] == 'r' ? CMD_RPC : CMD_GET;
		setup_rpc(w, argc, argv);
		return;
	}
	if (argc != 5)
		usage();
	if (strcmp(argv[1], "prepare") == 0)
		w->cmd = CMD_PREPARE;
	else if (strcmp(argv[1], "send") == 0)
		w->cmd = CMD_SEND;
	else if (strcmp(argv[1], "query") == 0)
		w->cmd = CMD_QUERY;
	else
		usage();
	net_setup(argv[2], argv[3], &w->cn);
	o = parse_arg(argv[4], "JSON");
	if (!json_is_object(o))
		usage_err("JSON: an object is required");
	switch (w->cmd) {
	case CMD_PREPARE:
		setup_prepare(w, o);
		break;
	case CMD_SEND:
		setup_send(w, o);
		break;
	case CMD_QUERY:
		setup_query(w, o);
		break;
	}
	json_decref(o);
}

static void
start(struct work *w)
{
	json_t	*p;
	long	 i;
	int	evm = w->cmd != CMD_RPC && w->cmd != CMD_GET &&
		    w->cn.net.chain == KS_CHAIN_ETHEREUM;

	switch (w->cmd) {
	case CMD_RPC:
		for (rpc_left = repeat, i = 0; i < repeat; i++) {
			p = i + 1 < repeat && w->params != NULL ?
			    json_deep_copy(w->params) : w->params;
			if (shared)
				rpc_call_shared(&w->ep, w->method, p, 0,
				    since_us, rpc_done, NULL);
			else
				rpc_call(&w->ep, w->method, p, 0, rpc_done,
				    NULL);
		}
		w->params = NULL;
		break;
	case CMD_GET:
		for (rpc_left = repeat, i = 0; i < repeat; i++)
			rpc_get(&w->ep, w->method, 0, get_done, NULL);
		break;
	case CMD_PREPARE:
		if (evm)
			evm_prepare(&w->cn, &w->prep, w->data, since_us);
		else
			sol_prepare(&w->cn, &w->prep, w->data);
		break;
	case CMD_SEND:
		if (evm)
			evm_send(&w->cn, &w->send, w->data);
		else
			sol_send(&w->cn, &w->send, w->data);
		break;
	case CMD_QUERY:
		if (evm)
			evm_query(&query_req, &w->cn, &w->query, since_us);
		else
			sol_query(&query_req, &w->cn, &w->query);
		break;
	}
}

/* The parent's look-up of a URL's host, timed. */
static int
cmd_resolve(int argc, char *argv[])
{
	struct timespec	 t0, t1;
	char		 out[NET_RESOLVE_MAX], err[256];
	long		 tmo = 0, ms;
	int		 stalled = 0, r;
	json_t		*j;
	char		*s;

	if (argc < 3 || argc > 4)
		usage();
	if (argc == 4)
		tmo = strtol(argv[3], NULL, 10);
	if (tmo < 0 || tmo > 60000)
		usage_err("TIMEOUT_MS: 0 to 60000");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = resolve_entry_bounded(argv[2], (int)tmo, &stalled, out,
	    sizeof(out), err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000L + (t1.tv_nsec - t0.tv_nsec) /
	    1000000L;
	if (r == 0)
		j = json_pack("{s:s, s:I}", "resolve", out, "ms",
		    (json_int_t)ms);
	else
		j = json_pack("{s:s, s:b, s:I}", "error", err, "stalled",
		    stalled, "ms", (json_int_t)ms);
	if (j == NULL || (s = json_dumps(j, JSON_SORT_KEYS)) == NULL)
		fatalx("json");
	printf("%s\n", s);
	wipe_free(s);
	json_decref(j);
	fflush(stdout);
	/* A look-up given up on may still run in glibc's thread. */
	_exit(0);
}

int
main(int argc, char *argv[])
{
	struct rpc_limits	 lim;
	struct timeval		 tv;
	struct work		*w;
	const char		*cafile;
	char			*ca = NULL;
	size_t			 calen = 0;
	int			 sandbox, r;

	/* Buffered here, so stdio never asks fstat(2) in the sandbox. */
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	/* The api's allocator for jansson and libevent, as in the daemon. */
	wipe_install();
	log_init(LOG_TO_STDERR, getenv("CHAIN_DRIVER_DEBUG") != NULL ?
	    LOGL_TRACE : LOGL_WARN, "chain_driver");
	lim.timeout_ms = env_long("CHAIN_DRIVER_TIMEOUT_MS", 5000, 1,
	    3600000);
	lim.retries = (int)env_long("CHAIN_DRIVER_RETRIES", 1, 0, 10);
	lim.max_response = (size_t)env_long("CHAIN_DRIVER_MAX_RESPONSE",
	    1048576, 1, 1L << 30);
	chain_timing.poll_ms = env_long("CHAIN_DRIVER_POLL_MS", 200, 1,
	    3600000);
	chain_timing.resend_ms = env_long("CHAIN_DRIVER_RESEND_MS", 2000, 1,
	    3600000);
	deadline_ms = env_long("CHAIN_DRIVER_DEADLINE_MS", 60000, 1,
	    86400000);
	sandbox = env_long("CHAIN_DRIVER_SANDBOX", 0, 0, 1) == 1;
	repeat = env_long("CHAIN_DRIVER_REPEAT", 1, 1, 100000);
	shared = env_long("CHAIN_DRIVER_SHARED", 0, 0, 1) == 1;
	if (argc >= 2 && strcmp(argv[1], "resolve") == 0)
		return cmd_resolve(argc, argv);

	if ((w = calloc(1, sizeof(*w))) == NULL)
		fatal("calloc");
	setup(w, argc, argv);

	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	chain_base = base;
	if ((cafile = getenv("CHAIN_DRIVER_CA_FILE")) != NULL)
		r = rpc_load_ca_file(cafile, &ca, &calen);
	else
		r = rpc_load_ca(&ca, &calen);
	if (r == -1)
		fatal("CA bundle");
	if (rpc_init(base, &lim, ca, calen) == -1)
		fatal("rpc_init");
	free(ca);
	if ((deadline_ev = evtimer_new(base, deadline, NULL)) == NULL ||
	    (drain_ev = evtimer_new(base, drain, NULL)) == NULL)
		fatalx("evtimer_new");
	tv.tv_sec = deadline_ms / 1000;
	tv.tv_usec = (deadline_ms % 1000) * 1000;
	evtimer_add(deadline_ev, &tv);

	/* As the api: everything opened, then the filter, then work. */
	if (sandbox && sandbox_enter(PROC_API) == -1)
		fatal("sandbox_enter");
	since_us = rpc_now_us();
	start(w);
	event_base_dispatch(base);

	rpc_shutdown();
	event_free(deadline_ev);
	event_free(drain_ev);
	event_base_free(base);
	json_decref(w->params);
	free(w->data);
	free(w);
	fflush(stdout);
	/* Sandboxed: no exit-time machinery (the leak checker clones). */
	if (sandbox)
		_exit(exit_code);
	return exit_code;
}
