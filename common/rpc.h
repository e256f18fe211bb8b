/*
 * JSON-RPC 2.0 over HTTP(S) for the api: libcurl's multi interface driven
 * by the api's libevent loop (no blocking call, no thread).  Every answer
 * is untrusted: bounded in size and time, checked for shape (jsonrpc
 * "2.0", our id, exactly one of result and error) before a callback sees
 * it.  Transient failures (connection refused or reset, timeout, HTTP 429
 * and 5xx) are retried with exponential back-off and jitter; the rest are
 * not.
 */
#ifndef WAIAAS_RPC_H
#define WAIAAS_RPC_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <jansson.h>

#include "metrics.h"

/* RPC_E_* below, and one past the last. */
#define RPC_E_MAX	7

/*
 * What the calls to one endpoint found, kept by rpc.c as each call ends
 * (after its retries): /health and GET /v1/admin/rpc-status show it.
 */
struct rpc_health {
	int64_t		ok_at;		/* unix s: last answer (any) */
	int64_t		err_at;		/* unix s: last call with none */
	char		err[128];	/* why, printable, never the URL */
	uint64_t	calls;		/* calls ended, answered or not */
	uint64_t	failures;	/* of these, with no answer */
	uint32_t	consecutive;	/* failures since the last answer */
	uint32_t	latency_ms;	/* the last call's, retries included */
	/* GET /metrics: calls answered with a result, calls that failed
	 * by RPC_E_* (a JSON-RPC error object too), and the time of each
	 * call from its first attempt to its end */
	uint64_t	answered;
	uint64_t	failed[RPC_E_MAX];
	struct metrics_hist latency;
};

struct rpc_endpoint {
	const char	*url;
	const char	*resolve;	/* CURLOPT_RESOLVE entry, or "" */
	struct rpc_health *health;	/* updated per call, or NULL */
};

struct rpc_limits {
	long		timeout_ms;	/* whole exchange, per attempt */
	size_t		max_response;	/* bytes of body */
	int		retries;	/* extra attempts on transient errors */
};

#define RPC_E_TRANSPORT	1	/* connect, reset, TLS: no answer */
#define RPC_E_TIMEOUT	2
#define RPC_E_HTTP	3	/* HTTP status not 200: code */
#define RPC_E_TOOBIG	4	/* body over max_response */
#define RPC_E_GARBAGE	5	/* not a JSON-RPC answer to our request */
#define RPC_E_RPC	6	/* a JSON-RPC error object: code, data */

struct rpc_error {
	int		 kind;		/* RPC_E_* */
	int		 retryable;	/* worth trying later */
	long		 code;		/* HTTP status or JSON-RPC code */
	char		 message[256];	/* printable ASCII, never a secret */
	json_t		*data;		/* RPC_E_RPC: error.data, or NULL;
					   borrowed for the callback */
};

/*
 * result is the "result" member (borrowed; may be JSON null) when err is
 * NULL; otherwise result is NULL and err says why.
 */
typedef void (*rpc_cb)(json_t *result, const struct rpc_error *err,
	    void *arg);

#define RPC_NORETRY	0x01	/* one attempt only */
#define RPC_CUTOK	0x02	/* rpc_get_cut: a long body is cut */

/*
 * ca/calen: the CA bundle's PEM text, read before the chroot (may be
 * NULL: then https URLs fail verification).  Call before proc_sandbox().
 */
int	rpc_init(struct event_base *, const struct rpc_limits *,
	    const char *, size_t);
/*
 * Steals params (an array, or NULL for []).  cb runs exactly once, from
 * the event loop, never from inside rpc_call().  The endpoint's resolve
 * entry must name the URL's host and port, or the call fails (transport,
 * not retryable) without a connection: libcurl never resolves a name.
 */
void	rpc_call(const struct rpc_endpoint *, const char *, json_t *, int,
	    rpc_cb, void *);
/*
 * rpc_call() for a read that changes nothing at the node, whose answer
 * may be shared: if an identical call (endpoint, method, params, flags)
 * is in flight and was started at or after since_us (rpc_now_us()'s
 * clock: when the request being served arrived), cb gets that call's
 * answer when it comes instead of a call of its own.  The node answers
 * such a call after the request arrived, so the answer is as fresh as
 * one to a call of its own: nothing the asker could know had happened
 * before it asked is missing from it.  A call already under way before
 * then is never joined.  The result is shared by every callback: read
 * it, never change it.  cb runs exactly once, from the event loop.
 */
void	rpc_call_shared(const struct rpc_endpoint *, const char *, json_t *,
	    int, uint64_t, rpc_cb, void *);
/* The monotonic clock of since_us, in microseconds. */
uint64_t rpc_now_us(void);
/* Calls that joined another so far (tests and bench). */
uint64_t rpc_joined(void);
/*
 * A plain GET of the endpoint's URL (a price endpoint) over the same
 * transport as rpc_call(): the resolve entry, the CA bundle, the timeout
 * and the retries on transient errors.  cb runs exactly once, from the
 * event loop, with the body of a 200 answer (len bytes, not
 * NUL-terminated, borrowed for the callback) and err NULL, or with body
 * NULL and err set.  max bounds the body below the limits'
 * max_response (0: that bound).  label names the request in debug
 * logs, like a JSON-RPC method; the URL is never logged.
 */
typedef void (*rpc_get_cb)(const char *body, size_t len,
	    const struct rpc_error *err, void *arg);
void	rpc_get(const struct rpc_endpoint *, const char *, size_t,
	    rpc_get_cb, void *);
/*
 * The same, but a body longer than max is no error: cb gets what came
 * before the write that overflowed (at most max bytes, cut anywhere), for
 * a caller that reads whole lines and asks again for the rest.
 */
void	rpc_get_cut(const struct rpc_endpoint *, const char *, size_t,
	    rpc_get_cb, void *);
/*
 * A POST (or another method) with the caller's headers ("Name: value"
 * lines, a NULL-ended list) and body, over the same transport, one
 * attempt (the caller keeps its own retries); a redirect is an answer,
 * never followed.  Every HTTP status is an answer, not an
 * error: cb gets the status, the last Retry-After value ("" if none),
 * and at most max bytes of body (truncated set if there was more); err
 * only for a transfer without an answer (connect, TLS, timeout).
 * Headers and body are copied, and wiped when the request ends: they
 * may hold a token.  The URL (a token in its path) is never logged.
 */
#define RPC_RETRY_AFTER_MAX	64

struct rpc_post {
	const char *const	*headers;
	const char		*body;
	size_t			 len;
	size_t			 max;	/* 0: the limits' max_response */
	/* NULL: POST; else GET, PUT, DELETE or PATCH (a GET or a DELETE
	 * without a body sends none) */
	const char		*method;
	int			 keep_headers;	/* answer.headers wanted */
	long			 timeout_ms;	/* 0: the limits' */
};

struct rpc_answer {
	long		 status;
	const char	*retry_after;
	const char	*body;		/* len bytes, not NUL-terminated */
	size_t		 len;
	int		 truncated;
	/* keep_headers: the last response's header lines, "name: value"
	 * each ended by '\n', names lowercase, values printable ASCII;
	 * hlen bytes, NUL-terminated */
	const char	*headers;
	size_t		 hlen;
};

typedef void (*rpc_post_cb)(const struct rpc_answer *,
	    const struct rpc_error *, void *);
void	rpc_post(const struct rpc_endpoint *, const char *,
	    const struct rpc_post *, rpc_post_cb, void *);

/* Requests in flight (bench and tests). */
size_t	rpc_inflight(void);
int	rpc_crowded(void);

/*
 * Free every request, without calling its callback, and the client
 * itself (tests, and an orderly exit).
 */
void	rpc_shutdown(void);
/* "transport", "timeout", "http", "toobig", "garbage", "rpc". */
const char *rpc_errkind(int);

/*
 * The system CA bundle (rpc_load_ca) or a given one, read whole and
 * NUL-terminated (the length excludes the NUL), at most 4 MiB.  An
 * absent file is not an error: *pem is then NULL.
 */
int	rpc_load_ca(char **, size_t *);
int	rpc_load_ca_file(const char *, char **, size_t *);

#endif
