/*
 * JSON-RPC 2.0 client of the api (and plain GETs of a price endpoint over
 * the same transport): libcurl's multi interface driven by the
 * api's libevent loop through its socket and timer callbacks.  Nothing
 * blocks and nothing starts a thread: the api is chrooted without a
 * resolver and its seccomp filter has no clone, so libcurl must find
 * every host name in the request's CURLOPT_RESOLVE entry, which the
 * parent computed at start (common/resolve.c).
 *
 * The URL may carry an API key: it never appears in a log line or an
 * error message.  Messages from the node are untrusted: printable ASCII
 * only, truncated.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>
#include <sodium.h>

#include "jsonrpc.h"
#include "log.h"
#include "rpc.h"
#include "util.h"

#define RPC_INFLIGHT_MAX	256
#define RPC_CONNS_MAX		64	/* open to nodes; the rest wait */
#define RPC_RETRIES_MAX		10
#define RPC_BACKOFF_MS		250	/* first back-off, doubling */
#define RPC_BACKOFF_MAX_MS	5000
#define RPC_HEADERS_MAX		(64 * 1024)	/* all header lines */
#define RPC_BUF_MIN		4096
#define RPC_CA_PATH		"/etc/ssl/certs/ca-certificates.crt"
#define RPC_CA_MAX		(4 * 1024 * 1024)
#define RPC_HOST_MAX		253
#define RPC_SEEN_MAX		16	/* endpoints checked, remembered */
#define RPC_KEY_MAX		2048	/* a shared call's method and params */
#define RPC_WAITERS_MAX		1024	/* on one shared call */
#define TOOBIG_BODY		1
#define TOOBIG_HEADERS		2

/*
 * An endpoint (URL and resolve entry) found good by endpoint_check(),
 * with what it found: parsing a URL costs more than the rest of a
 * call's set-up, and the same few endpoints come again and again.
 */
struct ep_seen {
	char		*url;
	char		*resolve;
	int		 literal6;	/* an IPv6 literal host */
	int		 tls;		/* https */
};

/* One socket libcurl asked us to watch. */
struct rpc_sock {
	LIST_ENTRY(rpc_sock)	 entry;
	struct event		*ev;
};

/* A caller waiting for another call's answer (rpc_call_shared). */
struct rpc_waiter {
	TAILQ_ENTRY(rpc_waiter)	 entry;
	rpc_cb			 cb;
	void			*arg;
};
TAILQ_HEAD(rpc_waiters, rpc_waiter);

struct rpc_req {
	TAILQ_ENTRY(rpc_req)	 entry;
	TAILQ_ENTRY(rpc_req)	 sentry;	/* in shared: joinable */
	char			*key;		/* shared: what it asks */
	uint64_t		 hash;		/* of key */
	int			 listed;	/* in shared */
	struct rpc_waiters	 waiters;
	size_t			 nwaiters;
	CURL			*easy;
	struct curl_slist	*resolve;
	struct event		*ev;		/* back-off, deferred failure */
	char			*body;
	json_int_t		 id;
	char			 method[JSONRPC_METHOD_MAX + 1];
	rpc_cb			 cb;
	rpc_get_cb		 gcb;		/* a plain GET: the body */
	rpc_post_cb		 pcb;		/* a POST: any answer */
	struct curl_slist	*hdrs;		/* its extra headers */
	char			*pbody;		/* its body, wiped at free */
	size_t			 pbodylen;
	char			 pmethod[8];	/* "" : POST */
	long			 ptimeout;	/* ms, 0: the limits' */
	char			*hbuf;		/* keep_headers: the lines */
	size_t			 hbuflen;
	int			 keephdr;
	char			 retry_after[RPC_RETRY_AFTER_MAX + 1];
	void			*arg;
	size_t			 max;		/* bytes of body */
	int			 flags;
	int			 attempts;
	int			 running;	/* in the multi handle */
	int			 counted;	/* in ninflight */
	int			 failed;	/* err: a deferred failure */
	int			 toobig;	/* TOOBIG_* */
	int			 badstatus;	/* status not 200: aborted */
	int			 statusok;
	char			*buf;
	size_t			 len;
	size_t			 cap;
	size_t			 hdrlen;
	struct rpc_error	 err;
	struct rpc_health	*health;	/* the endpoint's, or NULL */
	uint64_t		 t0_us;		/* made: monotonic */
	uint64_t		 sent_us;	/* request about to go out
						   (debug log only) */
	int			 tls;		/* https: the CA bundle */
};

static struct event_base	*base;
static CURLM			*multi;
static struct event		*timer;
static struct rpc_limits	 limits;
static struct curl_slist	*headers;
static struct curl_slist	*get_headers;
static struct curl_blob		 ca_blob;
static char			*ca_pem;
static json_int_t		 next_id = 1;
static size_t			 ninflight;
static uint64_t			 nshared;	/* calls that joined another */
static int			 global_init;

static TAILQ_HEAD(, rpc_req)	 reqs = TAILQ_HEAD_INITIALIZER(reqs);
static TAILQ_HEAD(, rpc_req)	 shared = TAILQ_HEAD_INITIALIZER(shared);
static struct ep_seen		 seen[RPC_SEEN_MAX];
static size_t			 seen_next;
static LIST_HEAD(, rpc_sock)	 socks = LIST_HEAD_INITIALIZER(socks);

static void	check_done(void);
static int	req_start(struct rpc_req *);

const char *
rpc_errkind(int kind)
{
	switch (kind) {
	case RPC_E_TRANSPORT:
		return "transport";
	case RPC_E_TIMEOUT:
		return "timeout";
	case RPC_E_HTTP:
		return "http";
	case RPC_E_TOOBIG:
		return "toobig";
	case RPC_E_GARBAGE:
		return "garbage";
	case RPC_E_RPC:
		return "rpc";
	}
	return "unknown";
}

/*
 * A host libcurl will look up exactly as written: a bracketed IPv6
 * literal or plain letters, digits, '-', '_' and dots.  An IDN would be
 * converted before the look-up and a trailing dot stripped, so neither
 * would match its resolve entry.
 */
static int
host_ok(const char *h)
{
	size_t	i, len = strlen(h);

	if (len == 0 || len > RPC_HOST_MAX)
		return 0;
	if (h[0] == '[') {
		if (len < 3 || h[len - 1] != ']')
			return 0;
		for (i = 1; i < len - 1; i++)
			if (strchr("0123456789abcdefABCDEF:.", h[i]) == NULL)
				return 0;
		return 1;
	}
	if (h[len - 1] == '.' || h[0] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') ||
		    (h[i] >= 'A' && h[i] <= 'Z') ||
		    (h[i] >= '0' && h[i] <= '9') ||
		    h[i] == '-' || h[i] == '_' || h[i] == '.'))
			return 0;
	return 1;
}

/*
 * Split an http(s) URL into the host and port libcurl will connect to
 * (and whether it speaks TLS):
 * libcurl's own reading, checked against the parent's (common/url.c)
 * in endpoint_check().  Returns 0, or -1 with *why set; the URL itself
 * is never quoted.
 */
static int
url_hostport(const char *url, char **host, char **port, int *tls,
    const char **why)
{
	CURLU	*u;
	char	*scheme = NULL;
	int	 r = -1;

	*host = *port = NULL;
	if ((u = curl_url()) == NULL) {
		*why = "out of memory";
		return -1;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		*why = "RPC URL does not parse";
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		*why = "RPC URL is not http or https";
		goto out;
	}
	*tls = strcmp(scheme, "https") == 0;
	if (curl_url_get(u, CURLUPART_HOST, host, 0) != CURLUE_OK ||
	    !host_ok(*host)) {
		*why = "RPC URL has no usable host";
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PORT, port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		*why = "RPC URL has no port";
		goto out;
	}
	r = 0;
out:
	if (r == -1) {
		curl_free(*host);
		curl_free(*port);
		*host = *port = NULL;
	}
	curl_free(scheme);
	curl_url_cleanup(u);
	return r;
}

/*
 * libcurl must find the endpoint's host in its resolve entry: a look-up
 * of its own would start a resolver thread, which kills the sandboxed
 * api.  So the entry must name the URL's very host and port.  Returns 0,
 * or 1 for an IPv6 literal host: libcurl 7.88 cannot take one in
 * CURLOPT_RESOLVE (a host with colons) and never looks one up.
 */
static int
endpoint_parse(const struct rpc_endpoint *ep, int *tls, const char **why)
{
	const char	*e = ep->resolve, *p;
	char		*host, *port;
	size_t		 hlen, plen;
	int		 r = -1;

	if (url_hostport(ep->url, &host, &port, tls, why) == -1)
		return -1;
	*why = "resolve entry does not match the RPC URL's host and port";
	if (e[0] == '[')
		p = strchr(e, ']') != NULL ? strchr(e, ']') + 1 : NULL;
	else
		p = strchr(e, ':');
	if (p == NULL || *p != ':')
		goto out;
	hlen = (size_t)(p - e);
	p++;
	plen = strcspn(p, ":");
	if (p[plen] != ':' || p[plen + 1] == '\0')
		goto out;
	if (hlen != strlen(host) || strncasecmp(e, host, hlen) != 0 ||
	    plen != strlen(port) || strncmp(p, port, plen) != 0)
		goto out;
	r = host[0] == '[' ? 1 : 0;
out:
	curl_free(host);
	curl_free(port);
	return r;
}

/*
 * endpoint_parse(), remembered for the endpoints found good (the last
 * RPC_SEEN_MAX of them): the same URL and resolve entry give the same
 * answer.  A new resolve entry for a host is a new endpoint.
 */
static int
endpoint_check(const struct rpc_endpoint *ep, int *tls, const char **why)
{
	struct ep_seen	*e;
	size_t		 i;
	int		 r;

	for (i = 0; i < nitems(seen); i++) {
		e = &seen[i];
		if (e->url != NULL && strcmp(e->url, ep->url) == 0 &&
		    strcmp(e->resolve, ep->resolve) == 0) {
			*tls = e->tls;
			return e->literal6;
		}
	}
	if ((r = endpoint_parse(ep, tls, why)) == -1)
		return -1;
	e = &seen[seen_next];
	seen_next = (seen_next + 1) % nitems(seen);
	free(e->url);
	free(e->resolve);
	e->url = strdup(ep->url);
	e->resolve = strdup(ep->resolve);
	if (e->url == NULL || e->resolve == NULL) {
		free(e->url);
		free(e->resolve);
		e->url = e->resolve = NULL;
		return r;
	}
	e->literal6 = r;
	e->tls = *tls;
	return r;
}

static void
seen_clear(void)
{
	size_t	i;

	for (i = 0; i < nitems(seen); i++) {
		free(seen[i].url);
		free(seen[i].resolve);
		seen[i].url = seen[i].resolve = NULL;
	}
	seen_next = 0;
}

static void
sock_free(struct rpc_sock *s)
{
	LIST_REMOVE(s, entry);
	event_free(s->ev);
	free(s);
}

static void
sock_ev(evutil_socket_t fd, short what, void *arg)
{
	int	action = 0, running;

	(void)arg;
	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	/* This may free the rpc_sock behind arg. */
	(void)curl_multi_socket_action(multi, fd, action, &running);
	check_done();
}

static int
sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *sockp)
{
	struct rpc_sock	*s = sockp;
	short		 kind = EV_PERSIST;

	(void)easy;
	(void)userp;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL)
			sock_free(s);
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			fatal("%s: calloc", __func__);
		if ((s->ev = event_new(base, fd, kind, sock_ev, s)) == NULL)
			fatalx("%s: event_new", __func__);
		LIST_INSERT_HEAD(&socks, s, entry);
		if (curl_multi_assign(multi, fd, s) != CURLM_OK)
			fatalx("%s: curl_multi_assign", __func__);
	} else {
		event_del(s->ev);
		if (event_assign(s->ev, base, fd, kind, sock_ev, s) == -1)
			fatalx("%s: event_assign", __func__);
	}
	if (event_add(s->ev, NULL) == -1)
		fatalx("%s: event_add", __func__);
	return 0;
}

static void
timer_ev(evutil_socket_t fd, short what, void *arg)
{
	int	running;

	(void)fd;
	(void)what;
	(void)arg;
	(void)curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0,
	    &running);
	check_done();
}

/* libcurl's single timeout: never act from inside, only schedule. */
static int
timer_cb(CURLM *m, long ms, void *userp)
{
	struct timeval	tv;

	(void)m;
	(void)userp;
	if (ms < 0) {
		evtimer_del(timer);
		return 0;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (evtimer_add(timer, &tv) == -1)
		return -1;
	return 0;
}

/* json_dumps() allocates with jansson's allocator (the api's wipes). */
static void
json_str_free(char *s)
{
	json_malloc_t	m;
	json_free_t	f;

	if (s == NULL)
		return;
	json_get_alloc_funcs(&m, &f);
	f(s);
}

/* A POST's headers and body may carry a token: wiped, then freed. */
static void
slist_wipe_free(struct curl_slist *l)
{
	struct curl_slist	*n;

	for (n = l; n != NULL; n = n->next)
		explicit_bzero(n->data, strlen(n->data));
	curl_slist_free_all(l);
}

static uint64_t
mono_us(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
req_free(struct rpc_req *r)
{
	struct rpc_waiter	*w;

	if (r->listed)
		TAILQ_REMOVE(&shared, r, sentry);
	while ((w = TAILQ_FIRST(&r->waiters)) != NULL) {
		TAILQ_REMOVE(&r->waiters, w, entry);
		free(w);
	}
	free(r->key);
	if (r->running)
		(void)curl_multi_remove_handle(multi, r->easy);
	if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->resolve);
	slist_wipe_free(r->hdrs);
	if (r->pbody != NULL) {
		explicit_bzero(r->pbody, r->pbodylen);
		free(r->pbody);
	}
	if (r->buf != NULL)
		explicit_bzero(r->buf, r->cap);
	if (r->hbuf != NULL)
		explicit_bzero(r->hbuf, r->hbuflen);
	free(r->hbuf);
	if (r->ev != NULL)
		event_free(r->ev);
	json_str_free(r->body);
	free(r->buf);
	free(r);
}

/* A POST's callback: whatever the status, the answer as it came. */
static void
post_answer(struct rpc_req *r, const struct rpc_error *e)
{
	struct rpc_answer	a;
	long			code = 0;

	if (e != NULL) {
		r->pcb(NULL, e, r->arg);
		return;
	}
	(void)curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
	memset(&a, 0, sizeof(a));
	a.status = code;
	a.retry_after = r->retry_after;
	a.body = r->buf != NULL ? r->buf : "";
	a.len = r->len;
	a.truncated = r->toobig == TOOBIG_BODY;
	a.headers = r->hbuf != NULL ? r->hbuf : "";
	a.hlen = r->hbuf != NULL ? r->hbuflen : 0;
	r->pcb(&a, NULL, r->arg);
}

/* The endpoint's counters, as a call ends (after its retries). */
static void
health_note(struct rpc_req *r, const struct rpc_error *e)
{
	struct rpc_health	*h = r->health;
	uint64_t		 us = mono_us() - r->t0_us;

	h->latency_ms = us / 1000 > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)(us / 1000);
	metrics_hist_add(&h->latency, us);
	h->calls++;
	if (e == NULL)
		h->answered++;
	else
		h->failed[e->kind > 0 && e->kind < RPC_E_MAX ? e->kind : 0]++;
	/* A JSON-RPC error is an answer: the node is there. */
	if (e == NULL || e->kind == RPC_E_RPC) {
		h->ok_at = (int64_t)time(NULL);
		h->consecutive = 0;
		return;
	}
	h->err_at = (int64_t)time(NULL);
	h->failures++;
	if (h->consecutive < UINT32_MAX)
		h->consecutive++;
	strlcpy(h->err, e->message, sizeof(h->err));
}

/*
 * The one exit of a request: its callback and those of the calls that
 * joined it, then nothing of it left.  It is no longer joinable by then:
 * a callback that asks again starts a call of its own.
 */
static void
req_finish(struct rpc_req *r, json_t *result, const struct rpc_error *e)
{
	struct rpc_waiters	 ws;
	struct rpc_waiter	*w;

	TAILQ_REMOVE(&reqs, r, entry);
	if (r->listed) {
		TAILQ_REMOVE(&shared, r, sentry);
		r->listed = 0;
	}
	TAILQ_INIT(&ws);
	TAILQ_CONCAT(&ws, &r->waiters, entry);
	r->nwaiters = 0;
	if (r->counted)
		ninflight--;
	if (r->health != NULL)
		health_note(r, e);
	if (r->pcb != NULL)
		post_answer(r, e);
	else if (r->gcb != NULL)
		r->gcb(e == NULL ? (r->buf != NULL ? r->buf : "") : NULL,
		    e == NULL ? r->len : 0, e, r->arg);
	else
		r->cb(result, e, r->arg);
	while ((w = TAILQ_FIRST(&ws)) != NULL) {
		TAILQ_REMOVE(&ws, w, entry);
		w->cb(result, e, w->arg);
		free(w);
	}
	req_free(r);
}

static void
set_err(struct rpc_error *e, int kind, int retryable, long code,
    const char *msg)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->retryable = retryable;
	e->code = code;
	strlcpy(e->message, msg, sizeof(e->message));
}

/* Fail from the loop, never from inside rpc_call(). */
static void
req_defer(struct rpc_req *r, int kind, int retryable, const char *msg)
{
	struct timeval	tv = { 0, 0 };

	set_err(&r->err, kind, retryable, 0, msg);
	r->failed = 1;
	log_debug("rpc %s: %s", r->method, msg);
	if (evtimer_add(r->ev, &tv) == -1)
		fatalx("%s: evtimer_add", __func__);
}

/* Back-off before attempt n + 1: doubling, capped, half of it jitter. */
static long
backoff_ms(int n)
{
	long	d = RPC_BACKOFF_MS;

	while (--n > 0 && d < RPC_BACKOFF_MAX_MS)
		d *= 2;
	if (d > RPC_BACKOFF_MAX_MS)
		d = RPC_BACKOFF_MAX_MS;
	return d / 2 + (long)randombytes_uniform((uint32_t)(d / 2 + 1));
}

static void
req_failed(struct rpc_req *r, struct rpc_error *e)
{
	struct timeval	tv;
	size_t		used;
	long		ms;

	if (e->retryable && !(r->flags & RPC_NORETRY) &&
	    r->attempts <= limits.retries) {
		ms = backoff_ms(r->attempts);
		log_debug("rpc %s #%lld: attempt %d: %s: %s; again in %ld ms",
		    r->method, (long long)r->id, r->attempts,
		    rpc_errkind(e->kind), e->message, ms);
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		if (evtimer_add(r->ev, &tv) == -1)
			fatalx("%s: evtimer_add", __func__);
		return;
	}
	if (r->attempts > 1 && e->kind != RPC_E_RPC) {
		used = strlen(e->message);
		snprintf(e->message + used, sizeof(e->message) - used,
		    " (%d attempts)", r->attempts);
	}
	log_debug("rpc %s #%lld: %s: %s", r->method, (long long)r->id,
	    rpc_errkind(e->kind), e->message);
	req_finish(r, NULL, e);
}

static void
req_timer(evutil_socket_t fd, short what, void *arg)
{
	struct rpc_req		*r = arg;
	struct rpc_error	 e;

	(void)fd;
	(void)what;
	if (r->failed)
		req_finish(r, NULL, &r->err);
	else if (req_start(r) == -1) {
		set_err(&e, RPC_E_TRANSPORT, 1, 0,
		    "transport: cannot start a transfer");
		req_finish(r, NULL, &e);
	}
}

static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct rpc_req	*r = arg;
	size_t		 len = size * n, ncap;
	long		 code = 0;
	char		*nb;

	/* An error page is not read: the status says all (a POST's is). */
	if (!r->statusok && r->pcb == NULL) {
		if (curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE,
		    &code) != CURLE_OK || code != 200) {
			r->badstatus = 1;
			return 0;
		}
		r->statusok = 1;
	}
	if (len == 0)
		return 0;
	if (len > r->max - r->len) {
		r->toobig = TOOBIG_BODY;
		return 0;
	}
	if (r->len + len > r->cap) {
		ncap = r->cap > 0 ? r->cap : RPC_BUF_MIN;
		while (ncap < r->len + len && ncap < r->max)
			ncap *= 2;
		if (ncap > r->max)
			ncap = r->max;
		if ((nb = realloc(r->buf, ncap)) == NULL)
			return 0;
		r->buf = nb;
		r->cap = ncap;
	}
	memcpy(r->buf + r->len, p, len);
	r->len += len;
	return len;
}

/*
 * A POST's answer: keep the last response's Retry-After value, printable
 * and bounded, for the caller to judge.
 */
static void
header_retry_after(struct rpc_req *r, const char *p, size_t len)
{
	static const char	 name[] = "retry-after:";
	size_t			 i, n = 0;

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		r->retry_after[0] = '\0';
		return;
	}
	if (len < sizeof(name) - 1 || strncasecmp(p, name,
	    sizeof(name) - 1) != 0)
		return;
	for (i = sizeof(name) - 1; i < len && (p[i] == ' ' || p[i] == '\t');
	    i++)
		;
	for (; i < len && n < RPC_RETRY_AFTER_MAX && p[i] >= 0x20 &&
	    p[i] < 0x7f; i++)
		r->retry_after[n++] = p[i];
	while (n > 0 && r->retry_after[n - 1] == ' ')
		n--;
	r->retry_after[n] = '\0';
}

/*
 * keep_headers: the header lines of the last response (a status line
 * starts them again: 100 Continue, and the like), each as "name: value"
 * with the name lowercase and the value's bytes outside printable ASCII
 * dropped; a line without a colon (the status line, the blank end) is
 * not kept.  Bounded by RPC_HEADERS_MAX with the rest.
 */
static int
header_keep(struct rpc_req *r, const char *p, size_t len)
{
	const char	*colon;
	char		*nb;
	size_t		 i, o;

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		r->hbuflen = 0;
		if (r->hbuf != NULL)
			r->hbuf[0] = '\0';
		return 0;
	}
	if ((colon = memchr(p, ':', len)) == NULL || colon == p)
		return 0;
	if ((nb = realloc(r->hbuf, r->hbuflen + len + 2)) == NULL)
		return -1;
	r->hbuf = nb;
	o = r->hbuflen;
	for (i = 0; p + i < colon; i++)
		nb[o++] = (char)tolower((unsigned char)p[i]);
	nb[o++] = ':';
	nb[o++] = ' ';
	for (i = (size_t)(colon - p) + 1; i < len && (p[i] == ' ' ||
	    p[i] == '\t'); i++)
		;
	for (; i < len; i++)
		if ((unsigned char)p[i] >= 0x20 && (unsigned char)p[i] < 0x7f)
			nb[o++] = p[i];
	while (o > r->hbuflen && nb[o - 1] == ' ')
		o--;
	nb[o++] = '\n';
	nb[o] = '\0';
	r->hbuflen = o;
	return 0;
}

static size_t
header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct rpc_req	*r = arg;
	size_t		 len = size * n;

	if (len > RPC_HEADERS_MAX - r->hdrlen) {
		r->toobig = TOOBIG_HEADERS;
		return 0;
	}
	r->hdrlen += len;
	if (r->pcb != NULL)
		header_retry_after(r, p, len);
	if (r->keephdr && header_keep(r, p, len) == -1)
		return 0;
	return len;
}

/* What a failed transfer means, and whether it is worth another try. */
static void
transfer_error(struct rpc_req *r, CURLcode cc, struct rpc_error *e)
{
	char	msg[sizeof(e->message)];
	int	retryable = 1;

	if (r->toobig || cc == CURLE_FILESIZE_EXCEEDED) {
		if (r->toobig == TOOBIG_HEADERS)
			snprintf(msg, sizeof(msg), "answer headers over %d "
			    "bytes", RPC_HEADERS_MAX);
		else
			snprintf(msg, sizeof(msg), "answer over %zu bytes",
			    r->max);
		set_err(e, RPC_E_TOOBIG, 0, 0, msg);
		return;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(msg, sizeof(msg), "no answer within %ld ms",
		    limits.timeout_ms);
		set_err(e, RPC_E_TIMEOUT, 1, 0, msg);
		return;
	}
	if (cc == CURLE_WEIRD_SERVER_REPLY) {
		set_err(e, RPC_E_GARBAGE, 0, 0, "answer is not HTTP");
		return;
	}
	switch (cc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_UNKNOWN_OPTION:
	case CURLE_SETOPT_OPTION_SYNTAX:
	case CURLE_LOGIN_DENIED:
		retryable = 0;
		break;
	default:
		break;
	}
	/* curl_easy_strerror() is fixed text: no host, no URL. */
	snprintf(msg, sizeof(msg), "transport: %s", curl_easy_strerror(cc));
	set_err(e, RPC_E_TRANSPORT, retryable, 0, msg);
}

/*
 * At debug level, when a call's request went out and when its answer was
 * in, on CLOCK_MONOTONIC (us): bench/send_steps.py tells by them the api's
 * own time on a call from the time the node's side took to read it.
 */
static void
req_log_times(struct rpc_req *r)
{
	if (r->sent_us == 0)
		return;
	log_debug("rpc %s #%lld: asked %llu, sent %llu, answered %llu",
	    r->method, (long long)r->id, (unsigned long long)r->t0_us,
	    (unsigned long long)r->sent_us, (unsigned long long)mono_us());
}

static void
req_done(struct rpc_req *r, CURLcode cc)
{
	struct rpc_error	 e;
	json_t			*root, *result;
	long			 code = 0;
	char			 msg[32];

	r->running = 0;
	(void)curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
	if (log_getlevel() >= LOGL_DEBUG)
		req_log_times(r);
	if (r->pcb != NULL) {
		/* Any status is an answer; a long body is cut, not lost. */
		if (cc == CURLE_OK || (code >= 100 &&
		    r->toobig == TOOBIG_BODY))
			req_finish(r, NULL, NULL);
		else {
			transfer_error(r, cc, &e);
			req_finish(r, NULL, &e);
		}
		return;
	}
	if (r->gcb != NULL && (r->flags & RPC_CUTOK) && code == 200 &&
	    r->toobig == TOOBIG_BODY) {
		req_finish(r, NULL, NULL);
		return;
	}
	if (code >= 200 && code != 200) {
		snprintf(msg, sizeof(msg), "HTTP %ld", code);
		set_err(&e, RPC_E_HTTP, code == 429 || (code >= 500 &&
		    code <= 599), code, msg);
		req_failed(r, &e);
		return;
	}
	if (cc != CURLE_OK) {
		transfer_error(r, cc, &e);
		req_failed(r, &e);
		return;
	}
	if (r->gcb != NULL) {
		/* A plain GET: the body is the caller's to judge. */
		req_finish(r, NULL, NULL);
		return;
	}
	if ((root = jsonrpc_answer(r->buf, r->len, r->id, &result, &e)) ==
	    NULL) {
		req_failed(r, &e);
		return;
	}
	if (result == NULL) {
		/* A JSON-RPC error: the node answered, no retry here. */
		log_debug("rpc %s #%lld: error %ld: %s", r->method,
		    (long long)r->id, e.code, e.message);
		req_finish(r, NULL, &e);
	} else
		req_finish(r, result, NULL);
	json_decref(root);
}

static void
check_done(void)
{
	struct rpc_req	*r;
	CURLMsg		*m;
	CURL		*easy;
	CURLcode	 cc;
	char		*priv;
	int		 left;

	while ((m = curl_multi_info_read(multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		easy = m->easy_handle;
		cc = m->data.result;
		if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv) !=
		    CURLE_OK || priv == NULL)
			fatalx("%s: transfer without request", __func__);
		r = (struct rpc_req *)(void *)priv;
		(void)curl_multi_remove_handle(multi, easy);
		req_done(r, cc);
	}
}

static int
req_start(struct rpc_req *r)
{
	r->len = 0;
	r->hdrlen = 0;
	r->hbuflen = 0;
	r->retry_after[0] = '\0';
	r->toobig = 0;
	r->badstatus = 0;
	r->statusok = 0;
	r->attempts++;
	if (curl_multi_add_handle(multi, r->easy) != CURLM_OK)
		return -1;
	r->running = 1;
	return 0;
}

#define SETOPT(h, o, v)	do {						\
	if (curl_easy_setopt((h), (o), (v)) != CURLE_OK)		\
		goto fail;						\
} while (0)

/* A connection is there and the request about to be written. */
static int
prereq_cb(void *arg, char *rip, char *lip, int rport, int lport)
{
	struct rpc_req	*r = arg;

	(void)rip; (void)lip; (void)rport; (void)lport;
	r->sent_us = mono_us();
	return CURL_PREREQFUNC_OK;
}

static CURL *
easy_new(struct rpc_req *r, const char *url)
{
	CURL	*h;

	if ((h = curl_easy_init()) == NULL)
		return NULL;
	SETOPT(h, CURLOPT_URL, url);
	SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
	/* No proxy from the environment. */
	SETOPT(h, CURLOPT_PROXY, "");
	SETOPT(h, CURLOPT_NOSIGNAL, 1L);
	if (r->resolve != NULL)
		SETOPT(h, CURLOPT_RESOLVE, r->resolve);
	SETOPT(h, CURLOPT_USERAGENT, "waiaasd");
	if (r->pcb != NULL && r->pmethod[0] != '\0' && r->pbodylen == 0 &&
	    (strcmp(r->pmethod, "GET") == 0 || strcmp(r->pmethod,
	    "DELETE") == 0)) {
		SETOPT(h, CURLOPT_HTTPHEADER, r->hdrs);
		SETOPT(h, CURLOPT_HTTPGET, 1L);
		if (strcmp(r->pmethod, "DELETE") == 0)
			SETOPT(h, CURLOPT_CUSTOMREQUEST, "DELETE");
	} else if (r->pcb != NULL) {
		SETOPT(h, CURLOPT_HTTPHEADER, r->hdrs);
		SETOPT(h, CURLOPT_POSTFIELDS, r->pbody);
		SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)r->pbodylen);
		if (r->pmethod[0] != '\0' && strcmp(r->pmethod, "POST") != 0)
			SETOPT(h, CURLOPT_CUSTOMREQUEST, r->pmethod);
	} else if (r->body != NULL) {
		SETOPT(h, CURLOPT_HTTPHEADER, headers);
		SETOPT(h, CURLOPT_POSTFIELDS, r->body);
		SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)strlen(r->body));
	} else {
		SETOPT(h, CURLOPT_HTTPHEADER, get_headers);
		SETOPT(h, CURLOPT_HTTPGET, 1L);
	}
	SETOPT(h, CURLOPT_TIMEOUT_MS, r->ptimeout > 0 ? r->ptimeout :
	    limits.timeout_ms);
	SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, r->ptimeout > 0 ? r->ptimeout :
	    limits.timeout_ms);
	/* A body that may be cut is read up to max, whatever its length. */
	if (!(r->flags & RPC_CUTOK))
		SETOPT(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max);
	SETOPT(h, CURLOPT_WRITEFUNCTION, write_cb);
	SETOPT(h, CURLOPT_WRITEDATA, r);
	SETOPT(h, CURLOPT_HEADERFUNCTION, header_cb);
	SETOPT(h, CURLOPT_HEADERDATA, r);
	SETOPT(h, CURLOPT_PRIVATE, r);
	if (log_getlevel() >= LOGL_DEBUG) {
		SETOPT(h, CURLOPT_PREREQFUNCTION, prereq_cb);
		SETOPT(h, CURLOPT_PREREQDATA, r);
	}
	SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
	SETOPT(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	/*
	 * The CA bundle from memory only: a CA directory would be searched
	 * lazily, with open(2), in a process that may not open files.
	 */
	SETOPT(h, CURLOPT_CAINFO, NULL);
	SETOPT(h, CURLOPT_CAPATH, NULL);
	/*
	 * Only where TLS is spoken: libcurl 7.88 copies the blob into every
	 * transfer's connection settings (some 220 KB each time), https
	 * or not.
	 */
	if (ca_pem != NULL && r->tls)
		SETOPT(h, CURLOPT_CAINFO_BLOB, &ca_blob);
	return h;
fail:
	curl_easy_cleanup(h);
	return NULL;
}

static struct rpc_req *
req_new(const char *label, int flags, void *arg)
{
	struct rpc_req	*r;

	if (base == NULL)
		fatalx("%s: rpc_init() not called", __func__);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatal("%s: calloc", __func__);
	r->arg = arg;
	r->flags = flags;
	TAILQ_INIT(&r->waiters);
	r->id = next_id++;
	r->t0_us = mono_us();
	r->max = limits.max_response;
	if (jsonrpc_method_ok(label))
		strlcpy(r->method, label, sizeof(r->method));
	else
		strlcpy(r->method, "(bad method)", sizeof(r->method));
	if ((r->ev = evtimer_new(base, req_timer, r)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	TAILQ_INSERT_TAIL(&reqs, r, entry);
	return r;
}

/* Check the endpoint and start the transfer, or fail from the loop. */
static void
req_launch(struct rpc_req *r, const struct rpc_endpoint *ep)
{
	const char	*why = "RPC URL not usable";
	int		 literal6, tls = 0;

	if (ep != NULL)
		r->health = ep->health;
	if (ep == NULL || ep->url == NULL || ep->url[0] == '\0') {
		req_defer(r, RPC_E_TRANSPORT, 0, "no RPC URL for this network");
		return;
	}
	if (ep->resolve == NULL || ep->resolve[0] == '\0') {
		req_defer(r, RPC_E_TRANSPORT, 0, "its host name is not "
		    "resolved (yet)");
		return;
	}
	if ((literal6 = endpoint_check(ep, &tls, &why)) == -1) {
		req_defer(r, RPC_E_TRANSPORT, 0, why);
		return;
	}
	r->tls = tls;
	if (ninflight >= RPC_INFLIGHT_MAX) {
		req_defer(r, RPC_E_TRANSPORT, 1, "too many requests in flight");
		return;
	}
	if ((!literal6 && (r->resolve = curl_slist_append(NULL,
	    ep->resolve)) == NULL) ||
	    (r->easy = easy_new(r, ep->url)) == NULL) {
		req_defer(r, RPC_E_TRANSPORT, 1, "cannot set up a transfer");
		return;
	}
	if (req_start(r) == -1) {
		req_defer(r, RPC_E_TRANSPORT, 1, "cannot start a transfer");
		return;
	}
	r->counted = 1;
	ninflight++;
	log_trace("rpc %s #%lld: started", r->method, (long long)r->id);
}

static struct rpc_req *
call_new(const struct rpc_endpoint *ep, const char *method, json_t *params,
    int flags, rpc_cb cb, void *arg)
{
	struct rpc_req	*r;

	r = req_new(method, flags, arg);
	r->cb = cb;
	if (!jsonrpc_method_ok(method)) {
		json_decref(params);
		req_defer(r, RPC_E_TRANSPORT, 0, "bad JSON-RPC method name");
		return r;
	}
	if ((r->body = jsonrpc_request(r->id, method, params)) == NULL) {
		req_defer(r, RPC_E_TRANSPORT, 0, "cannot encode the request");
		return r;
	}
	req_launch(r, ep);
	return r;
}

void
rpc_call(const struct rpc_endpoint *ep, const char *method, json_t *params,
    int flags, rpc_cb cb, void *arg)
{
	(void)call_new(ep, method, params, flags, cb, arg);
}

/* FNV-1a: which listed call a key may be, before strcmp() says. */
static uint64_t
key_hash(const char *k)
{
	uint64_t	h = 14695981039346656037ULL;

	for (; *k != '\0'; k++) {
		h ^= (unsigned char)*k;
		h *= 1099511628211ULL;
	}
	return h;
}

/*
 * What makes two calls the same: the endpoint (URL and resolve entry),
 * the flags, the method and the params as JSON text.  NULL when the
 * params are long (a contract's code in an eth_estimateGas): such a
 * call is not shared.
 */
static char *
share_key(const struct rpc_endpoint *ep, const char *method,
    json_t *params, int flags)
{
	char	 p[RPC_KEY_MAX], f[16], *k;
	size_t	 n = 2, lu, lr, lf, lm, o = 0;
	int	 r;

	if (ep == NULL || ep->url == NULL || ep->resolve == NULL)
		return NULL;
	if (params == NULL)
		memcpy(p, "[]", 2);
	else if ((n = json_dumpb(params, p, sizeof(p), JSON_COMPACT)) == 0 ||
	    n >= sizeof(p))
		return NULL;
	if ((r = snprintf(f, sizeof(f), "%d", flags)) < 0 ||
	    (size_t)r >= sizeof(f))
		return NULL;
	/* "url\nresolve\nflags\nmethod\nparams", copied part by part */
	lu = strlen(ep->url);
	lr = strlen(ep->resolve);
	lf = (size_t)r;
	lm = strlen(method);
	if ((k = malloc(lu + lr + lf + lm + n + 5)) == NULL)
		return NULL;
	memcpy(k + o, ep->url, lu);
	o += lu;
	k[o++] = '\n';
	memcpy(k + o, ep->resolve, lr);
	o += lr;
	k[o++] = '\n';
	memcpy(k + o, f, lf);
	o += lf;
	k[o++] = '\n';
	memcpy(k + o, method, lm);
	o += lm;
	k[o++] = '\n';
	memcpy(k + o, p, n);
	o += n;
	k[o] = '\0';
	return k;
}

void
rpc_call_shared(const struct rpc_endpoint *ep, const char *method,
    json_t *params, int flags, uint64_t since_us, rpc_cb cb, void *arg)
{
	struct rpc_req		*r;
	struct rpc_waiter	*w;
	char			*key;
	uint64_t		 h;

	if (!jsonrpc_method_ok(method) ||
	    (key = share_key(ep, method, params, flags)) == NULL) {
		rpc_call(ep, method, params, flags, cb, arg);
		return;
	}
	h = key_hash(key);
	TAILQ_FOREACH(r, &shared, sentry)
		if (r->hash == h && r->t0_us >= since_us &&
		    r->nwaiters < RPC_WAITERS_MAX && strcmp(r->key, key) == 0)
			break;
	if (r != NULL) {
		if ((w = calloc(1, sizeof(*w))) == NULL)
			fatal("%s: calloc", __func__);
		w->cb = cb;
		w->arg = arg;
		TAILQ_INSERT_TAIL(&r->waiters, w, entry);
		r->nwaiters++;
		nshared++;
		free(key);
		json_decref(params);
		log_trace("rpc %s: joins #%lld", r->method, (long long)r->id);
		return;
	}
	r = call_new(ep, method, params, flags, cb, arg);
	if (!r->counted) {
		/* Not started (it fails from the loop): none may join. */
		free(key);
		return;
	}
	r->key = key;
	r->hash = h;
	r->listed = 1;
	TAILQ_INSERT_TAIL(&shared, r, sentry);
}

uint64_t
rpc_now_us(void)
{
	return mono_us();
}

uint64_t
rpc_joined(void)
{
	return nshared;
}

void
rpc_get(const struct rpc_endpoint *ep, const char *label, size_t max,
    rpc_get_cb cb, void *arg)
{
	struct rpc_req	*r;

	r = req_new(label, 0, arg);
	r->gcb = cb;
	if (max > 0 && max < r->max)
		r->max = max;
	if (!jsonrpc_method_ok(label)) {
		req_defer(r, RPC_E_TRANSPORT, 0, "bad request label");
		return;
	}
	req_launch(r, ep);
}

void
rpc_get_cut(const struct rpc_endpoint *ep, const char *label, size_t max,
    rpc_get_cb cb, void *arg)
{
	struct rpc_req	*r;

	r = req_new(label, RPC_NORETRY | RPC_CUTOK, arg);
	r->gcb = cb;
	if (max > 0 && max < r->max)
		r->max = max;
	if (!jsonrpc_method_ok(label)) {
		req_defer(r, RPC_E_TRANSPORT, 0, "bad request label");
		return;
	}
	req_launch(r, ep);
}

void
rpc_post(const struct rpc_endpoint *ep, const char *label,
    const struct rpc_post *p, rpc_post_cb cb, void *arg)
{
	struct rpc_req		*r;
	struct curl_slist	*l;
	size_t			 i;

	r = req_new(label, RPC_NORETRY, arg);
	r->pcb = cb;
	if (p->max > 0 && p->max < r->max)
		r->max = p->max;
	r->keephdr = p->keep_headers;
	r->ptimeout = p->timeout_ms;
	if (p->method != NULL && strcmp(p->method, "GET") != 0 &&
	    strcmp(p->method, "POST") != 0 && strcmp(p->method, "PUT") != 0 &&
	    strcmp(p->method, "DELETE") != 0 && strcmp(p->method,
	    "PATCH") != 0) {
		req_defer(r, RPC_E_TRANSPORT, 0, "bad request method");
		return;
	}
	if (p->method != NULL)
		strlcpy(r->pmethod, p->method, sizeof(r->pmethod));
	if (!jsonrpc_method_ok(label)) {
		req_defer(r, RPC_E_TRANSPORT, 0, "bad request label");
		return;
	}
	/* No Expect: 100-continue round trip. */
	if ((r->hdrs = curl_slist_append(NULL, "Expect:")) == NULL)
		goto fail;
	for (i = 0; p->headers != NULL && p->headers[i] != NULL; i++) {
		if ((l = curl_slist_append(r->hdrs, p->headers[i])) == NULL)
			goto fail;
		r->hdrs = l;
	}
	if ((r->pbody = malloc(p->len + 1)) == NULL)
		goto fail;
	memcpy(r->pbody, p->body, p->len);
	r->pbody[p->len] = '\0';
	r->pbodylen = p->len;
	req_launch(r, ep);
	return;
fail:
	req_defer(r, RPC_E_TRANSPORT, 1, "cannot set up a transfer");
}

size_t
rpc_inflight(void)
{
	return ninflight;
}

/*
 * As many calls in flight as there are connections to nodes: more wait
 * for one.  Background polls (a sent transaction's watch) then wait a
 * turn, so that what an agent asks for now gets the connections first
 * and never meets "too many requests in flight" behind them.
 */
int
rpc_crowded(void)
{
	return ninflight >= RPC_CONNS_MAX;
}

int
rpc_init(struct event_base *evb, const struct rpc_limits *lim,
    const char *ca, size_t calen)
{
	if (base != NULL || evb == NULL || lim == NULL ||
	    lim->timeout_ms <= 0 || lim->max_response == 0 ||
	    lim->retries < 0 || lim->retries > RPC_RETRIES_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (sodium_init() == -1)
		return -1;
	/*
	 * jansson seeds its hash function from /dev/urandom on the first
	 * object it makes: let that be now, before the sandbox.
	 */
	json_object_seed(0);
	/*
	 * OpenSSL checks certificate times with gmtime_r(3), which loads the
	 * time zone file on first use: load it now.
	 */
	tzset();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	global_init = 1;
	limits = *lim;
	if (ca != NULL && calen > 0) {
		if ((ca_pem = malloc(calen)) == NULL)
			goto fail;
		memcpy(ca_pem, ca, calen);
		ca_blob.data = ca_pem;
		ca_blob.len = calen;
		/* One copy for every transfer: ours, kept until the end. */
		ca_blob.flags = CURL_BLOB_NOCOPY;
	}
	/* No Expect: 100-continue round trip; no Accept-Encoding at all. */
	if ((headers = curl_slist_append(NULL,
	    "Content-Type: application/json")) == NULL ||
	    curl_slist_append(headers, "Accept: application/json") == NULL ||
	    curl_slist_append(headers, "Expect:") == NULL)
		goto fail;
	if ((get_headers = curl_slist_append(NULL,
	    "Accept: application/json")) == NULL)
		goto fail;
	if ((timer = evtimer_new(evb, timer_ev, NULL)) == NULL)
		goto fail;
	if ((multi = curl_multi_init()) == NULL)
		goto fail;
	if (curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, sock_cb) !=
	    CURLM_OK ||
	    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb) !=
	    CURLM_OK ||
	    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)RPC_CONNS_MAX) != CURLM_OK ||
	    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS,
	    (long)RPC_CONNS_MAX) != CURLM_OK)
		goto fail;
	base = evb;
	return 0;
fail:
	base = evb;
	rpc_shutdown();
	return -1;
}

void
rpc_shutdown(void)
{
	struct rpc_req	*r;
	struct rpc_sock	*s;

	while ((r = TAILQ_FIRST(&reqs)) != NULL) {
		TAILQ_REMOVE(&reqs, r, entry);
		req_free(r);
	}
	ninflight = 0;
	if (multi != NULL)
		(void)curl_multi_cleanup(multi);
	multi = NULL;
	while ((s = LIST_FIRST(&socks)) != NULL)
		sock_free(s);
	if (timer != NULL)
		event_free(timer);
	timer = NULL;
	curl_slist_free_all(headers);
	headers = NULL;
	curl_slist_free_all(get_headers);
	get_headers = NULL;
	seen_clear();
	free(ca_pem);
	ca_pem = NULL;
	memset(&ca_blob, 0, sizeof(ca_blob));
	if (global_init)
		curl_global_cleanup();
	global_init = 0;
	base = NULL;
}

int
rpc_load_ca_file(const char *path, char **pem, size_t *len)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd, saved;

	*pem = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_size > RPC_CA_MAX) {
		errno = EFBIG;
		goto fail;
	}
	/* Read to the end, whatever the size said, within the bound. */
	if ((buf = malloc(RPC_CA_MAX + 1)) == NULL)
		goto fail;
	for (;;) {
		n = read(fd, buf + off, RPC_CA_MAX + 1 - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0)
			break;
		off += (size_t)n;
		if (off > RPC_CA_MAX) {
			errno = EFBIG;
			goto fail;
		}
	}
	close(fd);
	if (off == 0) {
		free(buf);
		return 0;
	}
	buf[off] = '\0';
	/* Shrink to fit: the bundle stays for the life of the process. */
	if ((*pem = realloc(buf, off + 1)) == NULL)
		*pem = buf;
	*len = off;
	return 0;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return -1;
}

int
rpc_load_ca(char **pem, size_t *len)
{
	return rpc_load_ca_file(RPC_CA_PATH, pem, len);
}
