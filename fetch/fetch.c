/*
 * fetch: the x402 process.  An agent names a URL (POST /v1/x402/fetch);
 * policyd decides whether it may be asked and asks this process, which
 * makes the request and answers with the status, the header lines and
 * the body.  Fetching a URL someone else chose is a server-side request
 * forgery surface, so this process holds nothing at all (no key, no
 * token, no RPC URL, no channel credential, no database), runs on its
 * own uid with the relay's seccomp filter (outbound TCP only), and:
 *
 *   - has no resolver: the parent looks each host up (parent_fetch.c)
 *     and this process pins libcurl to the addresses it was given
 *     (CURLOPT_RESOLVE), so what was checked is what is connected to;
 *   - refuses a host any of whose addresses is private, loopback,
 *     link-local, multicast or reserved, unless the operator allowed
 *     them ([x402] allow_private: tests on loopback need it);
 *   - follows redirects itself, at most FETCH_HOPS_MAX, each new URL
 *     parsed strictly, looked up and checked again; credentials (the
 *     agent's Authorization and Cookie headers, and a payment) are not
 *     carried to another origin;
 *   - bounds what it reads (FETCH_ANSWER_MAX of body, the transport's
 *     bound on headers) and the time of the whole fetch.
 *
 * It keeps no state beyond the fetches in flight: policyd records what
 * a payment was, and a fetch lost with this process is lost.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "imsgev.h"
#include "log.h"
#include "metrics.h"
#include "proc.h"
#include "rpc.h"
#include "url.h"
#include "util.h"
#include "x402.h"

#define FETCH_INFLIGHT_MAX	32
#define FETCH_HOPS_MAX		5
#define FETCH_RESOLVE_MAX	(FETCH_HOST_MAX + 8 + \
	    FETCH_ADDRS_MAX * (FETCH_ADDR_LEN + 3))

static const char *const methods[FETCH_METHOD_MAX] = {
	"GET", "POST", "PUT", "DELETE", "PATCH"
};

struct job {
	TAILQ_ENTRY(job)	 entry;
	uint64_t		 id;		/* policyd's */
	uint32_t		 lookup;	/* the parent's look-up, or 0 */
	int			 method;
	int			 hops;
	long long		 deadline;	/* monotonic ms */
	char			 url[FETCH_URL_MAX];
	char			 origin[FETCH_URL_MAX];	/* of the first URL */
	char			 resolve[FETCH_RESOLVE_MAX];
	char			*hdrs;		/* "Name: value\n" lines */
	size_t			 hdrlen;
	char			*body;
	size_t			 bodylen;
};

static struct {
	struct proc		*p;
	struct event_base	*base;
	struct imsgev		 parent;
	struct imsgev		 policyd;
	TAILQ_HEAD(, job)	 jobs;
	size_t			 njobs;
	uint32_t		 next_lookup;
	int			 allow_private;
} F;

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
job_free(struct job *j)
{
	TAILQ_REMOVE(&F.jobs, j, entry);
	F.njobs--;
	if (j->hdrs != NULL)
		explicit_bzero(j->hdrs, j->hdrlen);
	free(j->hdrs);
	if (j->body != NULL)
		explicit_bzero(j->body, j->bodylen);
	free(j->body);
	explicit_bzero(j, sizeof(*j));
	free(j);
}

/* The one answer of a fetch: policyd's envelope, headers, body. */
static void
answer(uint64_t id, const char *url, int hops, long status,
    const char *code, const char *msg, const char *hdrs, size_t hlen,
    const char *body, size_t blen)
{
	struct fetch_answer	a;
	struct iovec		iov[3];

	memset(&a, 0, sizeof(a));
	a.id = id;
	a.status = (int32_t)status;
	a.hops = (uint32_t)hops;
	strlcpy(a.code, code != NULL ? code : "", sizeof(a.code));
	strlcpy(a.message, msg != NULL ? msg : "", sizeof(a.message));
	strlcpy(a.url, url != NULL ? url : "", sizeof(a.url));
	if (hlen > FETCH_HDRS_MAX)
		hlen = 0;	/* the transport bounds them lower */
	a.hdrlen = (uint32_t)hlen;
	a.bodylen = (uint32_t)blen;
	iov[0].iov_base = &a;
	iov[0].iov_len = sizeof(a);
	iov[1].iov_base = (void *)(uintptr_t)hdrs;
	iov[1].iov_len = hlen;
	iov[2].iov_base = (void *)(uintptr_t)body;
	iov[2].iov_len = blen;
	if (imsgev_composev(&F.policyd, IMSG_FETCH_ANSWER, 0, -1, iov, 3) ==
	    -1)
		fatal("IMSG_FETCH_ANSWER");
}

static void
fail(struct job *j, const char *code, const char *msg)
{
	answer(j->id, j->url, j->hops, 0, code, msg, NULL, 0, NULL, 0);
	job_free(j);
}

/* scheme://host:port of a parsed URL, as origins compare. */
static void
origin_of(const char *url, char *out, size_t len)
{
	struct url	u;
	const char	*why;

	if (url_parse(url, &u, &why) == -1) {
		out[0] = '\0';
		return;
	}
	snprintf(out, len, "%s://%s:%u", u.https ? "https" : "http", u.host,
	    u.port);
	for (; *out != '\0'; out++)
		if (*out >= 'A' && *out <= 'Z')
			*out = (char)(*out - 'A' + 'a');
}

/* Drop the lines whose name is one of names (a NULL-ended list). */
static void
hdrs_drop(struct job *j, const char *const *names)
{
	size_t	 i, o = 0, n, k;
	char	*line, *nl;

	for (i = 0; i < j->hdrlen; i += n) {
		line = j->hdrs + i;
		nl = memchr(line, '\n', j->hdrlen - i);
		n = nl != NULL ? (size_t)(nl - line) + 1 : j->hdrlen - i;
		for (k = 0; names[k] != NULL; k++)
			if (n > strlen(names[k]) && line[strlen(names[k])] ==
			    ':' && strncasecmp(line, names[k],
			    strlen(names[k])) == 0)
				break;
		if (names[k] == NULL) {
			memmove(j->hdrs + o, line, n);
			o += n;
		}
	}
	if (j->hdrs != NULL)
		explicit_bzero(j->hdrs + o, j->hdrlen - o);
	j->hdrlen = o;
}

static void	hop(struct job *);
static void	lookup_done(struct job *, const struct fetch_addrs *);

/* libcurl's answer to one hop: a redirect is followed, the rest told. */
static void
hop_done(const struct rpc_answer *a, const struct rpc_error *e, void *arg)
{
	static const char *const secrets[] = { "authorization", "cookie",
	    "x-payment", "payment-signature", NULL };
	static const char *const bodyhdrs[] = { "content-type",
	    "content-length", NULL };
	struct job	*j = arg;
	CURLU		*u = NULL;
	char		*next = NULL, origin[FETCH_URL_MAX];
	char		 rel[FETCH_URL_MAX];
	const char	*loc, *end;
	size_t		 llen;

	if (e != NULL) {
		fail(j, "X402_SERVER_ERROR", e->message);
		return;
	}
	if (a->truncated) {
		fail(j, "X402_SERVER_ERROR", "the answer's body is over "
		    "131072 bytes");
		return;
	}
	if (a->status != 301 && a->status != 302 && a->status != 303 &&
	    a->status != 307 && a->status != 308) {
		answer(j->id, j->url, j->hops, a->status, NULL, NULL,
		    a->headers, a->hlen, a->body, a->len);
		job_free(j);
		return;
	}
	/* A redirect: the Location line of the answer's headers. */
	loc = NULL;
	if (a->hlen >= 10 && strncmp(a->headers, "location: ", 10) == 0)
		loc = a->headers + 10;
	else if ((loc = strstr(a->headers, "\nlocation: ")) != NULL)
		loc += 11;
	if (loc == NULL || (end = strchr(loc, '\n')) == NULL ||
	    (llen = (size_t)(end - loc)) == 0 || llen >= FETCH_URL_MAX) {
		answer(j->id, j->url, j->hops, a->status, NULL, NULL,
		    a->headers, a->hlen, a->body, a->len);
		job_free(j);
		return;
	}
	if (++j->hops > FETCH_HOPS_MAX) {
		fail(j, "X402_SERVER_ERROR", "more than 5 redirects");
		return;
	}
	/* Relative to the URL that answered, as libcurl resolves it. */
	if ((u = curl_url()) == NULL)
		fatalx("curl_url");
	memcpy(rel, loc, llen);
	rel[llen] = '\0';
	if (curl_url_set(u, CURLUPART_URL, j->url, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, rel, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &next, 0) != CURLUE_OK ||
	    strlen(next) >= sizeof(j->url)) {
		curl_free(next);
		curl_url_cleanup(u);
		fail(j, "X402_SERVER_ERROR", "a redirect to a URL that does "
		    "not parse");
		return;
	}
	strlcpy(j->url, next, sizeof(j->url));
	curl_free(next);
	curl_url_cleanup(u);
	/* 303, and 301/302 after anything but GET: a GET without body. */
	if (a->status == 303 || ((a->status == 301 || a->status == 302) &&
	    j->method != FETCH_GET)) {
		j->method = FETCH_GET;
		if (j->body != NULL)
			explicit_bzero(j->body, j->bodylen);
		j->bodylen = 0;
		hdrs_drop(j, bodyhdrs);
	}
	origin_of(j->url, origin, sizeof(origin));
	if (strcmp(origin, j->origin) != 0)
		hdrs_drop(j, secrets);
	hop(j);
}

/* One request to j->url, whose host has been looked up and checked. */
static void
hop_start(struct job *j)
{
	struct rpc_endpoint	 ep;
	struct rpc_post		 post;
	const char		*hv[66];
	char			*p, *nl;
	size_t			 n = 0, i;
	long long		 left = j->deadline - now_ms();

	if (left <= 0) {
		fail(j, "X402_SERVER_ERROR", "no answer within the x402 "
		    "timeout");
		return;
	}
	/* The lines as a NULL-ended list; rpc_post() copies them. */
	for (i = 0, p = j->hdrs; i < j->hdrlen && n < 64; p = nl + 1) {
		if ((nl = memchr(p, '\n', j->hdrlen - i)) == NULL)
			break;
		*nl = '\0';
		hv[n++] = p;
		i += (size_t)(nl - p) + 1;
	}
	hv[n] = NULL;
	memset(&ep, 0, sizeof(ep));
	ep.url = j->url;
	ep.resolve = j->resolve;
	memset(&post, 0, sizeof(post));
	post.headers = hv;
	post.body = j->body != NULL ? j->body : "";
	post.len = j->bodylen;
	post.max = FETCH_ANSWER_MAX;
	post.method = methods[j->method];
	post.keep_headers = 1;
	post.timeout_ms = (long)left;
	rpc_post(&ep, "x402-fetch", &post, hop_done, j);
	/* Back to lines for a later hop. */
	for (i = 0; i < j->hdrlen; i++)
		if (j->hdrs[i] == '\0')
			j->hdrs[i] = '\n';
}

/* Parse the hop's URL; an address literal is judged here, a name by
 * the parent's look-up. */
static void
hop(struct job *j)
{
	struct fetch_resolve	 r;
	struct url		 u;
	const char		*why;
	char			 inner[FETCH_ADDR_LEN];
	size_t			 len;
	int			 priv;

	if (url_parse(j->url, &u, &why) == -1) {
		fail(j, j->hops > 0 ? "X402_SERVER_ERROR" : "INVALID_REQUEST",
		    j->hops > 0 ? "a redirect to a URL this daemon does not "
		    "fetch" : why);
		return;
	}
	if (u.ipv6) {
		len = strlen(u.host);
		if (len < 3 || len - 2 >= sizeof(inner)) {
			fail(j, "INVALID_REQUEST", "a bad IPv6 address");
			return;
		}
		memcpy(inner, u.host + 1, len - 2);
		inner[len - 2] = '\0';
	} else
		strlcpy(inner, u.host, sizeof(inner));
	if ((priv = url_addr_private(inner)) != -1) {
		if (priv && !F.allow_private) {
			fail(j, "X402_SSRF_BLOCKED", "the URL's address is "
			    "private, loopback, link-local or reserved");
			return;
		}
		snprintf(j->resolve, sizeof(j->resolve), "%s:%u:%s", u.host,
		    u.port, inner);
		hop_start(j);
		return;
	}
	memset(&r, 0, sizeof(r));
	if (++F.next_lookup == 0)
		F.next_lookup = 1;
	r.id = j->lookup = F.next_lookup;
	strlcpy(r.host, u.host, sizeof(r.host));
	if (imsgev_compose(&F.parent, IMSG_CTL_FETCH_RESOLVE, 0, -1, &r,
	    sizeof(r)) == -1)
		fatal("IMSG_CTL_FETCH_RESOLVE");
}

static void
lookup_done(struct job *j, const struct fetch_addrs *a)
{
	struct url	 u;
	const char	*why;
	size_t		 off, i;
	int		 n;

	j->lookup = 0;
	if (a->status != 0 || a->n == 0) {
		fail(j, "X402_SERVER_ERROR", "the host name has no address");
		return;
	}
	if (url_parse(j->url, &u, &why) == -1)
		fatalx("%s: the URL changed", __func__);
	n = snprintf(j->resolve, sizeof(j->resolve), "%s:%u:", u.host,
	    u.port);
	off = (size_t)n;
	for (i = 0; i < a->n; i++) {
		/* One private address is enough to refuse the host. */
		switch (url_addr_private(a->addr[i])) {
		case -1:
			fatalx("IMSG_CTL_FETCH_ADDRS: not an address");
		case 1:
			if (!F.allow_private) {
				fail(j, "X402_SSRF_BLOCKED", "the host "
				    "resolves to a private, loopback, "
				    "link-local or reserved address");
				return;
			}
			break;
		default:
			break;
		}
		n = snprintf(j->resolve + off, sizeof(j->resolve) - off,
		    strchr(a->addr[i], ':') != NULL ? "%s[%s]" : "%s%s",
		    i > 0 ? "," : "", a->addr[i]);
		if (n < 0 || (size_t)n >= sizeof(j->resolve) - off)
			fatalx("%s: resolve entry too long", __func__);
		off += (size_t)n;
	}
	hop_start(j);
}

static void
fetch_dispatch_parent_addrs(struct imsgchan *ch, struct imsg *imsg,
    void *arg)
{
	struct fetch_addrs	 a;
	struct job		*j;
	uint32_t		 i;

	(void)ch;
	(void)arg;
	memcpy(&a, imsg->data, sizeof(a));
	if (a.n > FETCH_ADDRS_MAX)
		fatalx("IMSG_CTL_FETCH_ADDRS: malformed");
	for (i = 0; i < a.n; i++)
		if (memchr(a.addr[i], '\0', sizeof(a.addr[i])) == NULL)
			fatalx("IMSG_CTL_FETCH_ADDRS: malformed");
	TAILQ_FOREACH(j, &F.jobs, entry)
		if (j->lookup == a.id && a.id != 0) {
			lookup_done(j, &a);
			return;
		}
	/* Its fetch is gone (timed out): nothing to do. */
}

/*
 * One request line, checked again here though policyd checked it:
 * "Name: value" as x402_header_ok() allows it (the payment header
 * policyd adds included).
 */
static int
line_ok(const char *p, size_t n)
{
	const char	*colon, *v;

	if ((colon = memchr(p, ':', n)) == NULL || colon == p ||
	    colon + 1 == p + n || colon[1] != ' ')
		return 0;
	v = colon + 2;
	return x402_header_ok(p, (size_t)(colon - p), v, (size_t)(p + n - v),
	    1);
}

static void
fetch_dispatch_policyd_request(struct imsgchan *ch, struct imsg *imsg,
    void *arg)
{
	struct fetch_req	 r;
	struct job		*j;
	const char		*h, *p, *nl;
	size_t			 left;

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	if (memchr(r.url, '\0', sizeof(r.url)) == NULL ||
	    r.method >= FETCH_METHOD_MAX || r.hdrlen > FETCH_HDRS_MAX ||
	    r.bodylen > FETCH_BODY_MAX || r.timeout_ms == 0 ||
	    imsg->len != sizeof(r) + r.hdrlen + r.bodylen)
		fatalx("IMSG_FETCH_REQUEST: malformed");
	h = (const char *)imsg->data + sizeof(r);
	for (p = h, left = r.hdrlen; left > 0; left -= (size_t)(nl - p) + 1,
	    p = nl + 1)
		if ((nl = memchr(p, '\n', left)) == NULL ||
		    !line_ok(p, (size_t)(nl - p)))
			fatalx("IMSG_FETCH_REQUEST: a bad header line");
	if (F.njobs >= FETCH_INFLIGHT_MAX) {
		answer(r.id, r.url, 0, 0, "SERVICE_UNAVAILABLE", "too many "
		    "fetches in flight", NULL, 0, NULL, 0);
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		fatal("calloc");
	j->id = r.id;
	j->method = (int)r.method;
	j->deadline = now_ms() + r.timeout_ms;
	strlcpy(j->url, r.url, sizeof(j->url));
	origin_of(j->url, j->origin, sizeof(j->origin));
	if (r.hdrlen > 0) {
		if ((j->hdrs = malloc(r.hdrlen)) == NULL)
			fatal("malloc");
		memcpy(j->hdrs, h, r.hdrlen);
		j->hdrlen = r.hdrlen;
	}
	if (r.bodylen > 0) {
		if ((j->body = malloc(r.bodylen)) == NULL)
			fatal("malloc");
		memcpy(j->body, h + r.hdrlen, r.bodylen);
		j->bodylen = r.bodylen;
	}
	TAILQ_INSERT_TAIL(&F.jobs, j, entry);
	F.njobs++;
	hop(j);
}

/* GET /metrics: policyd asks; the resident set back. */
static void
fetch_dispatch_policyd_metrics(struct imsgchan *ch, struct imsg *imsg,
    void *arg)
{
	struct metrics_relay	m;

	(void)ch;
	(void)arg;
	memset(&m, 0, sizeof(m));
	m.rss = metrics_rss(F.p->statmfd);
	if (imsgev_compose(&F.policyd, IMSG_METRICS_FETCH, imsg->hdr.peerid,
	    -1, &m, sizeof(m)) == -1) {
		if (errno != ENOBUFS)
			fatal("IMSG_METRICS_FETCH");
		log_warnx("policyd channel full; metrics dropped");
	}
}

static const struct imsg_rule policyd_rules[] = {
	IMSG_RULE_EMPTY(IMSG_METRICS_ASK, fetch_dispatch_policyd_metrics),
	IMSG_RULE_RANGE(IMSG_FETCH_REQUEST, sizeof(struct fetch_req),
	    sizeof(struct fetch_req) + FETCH_HDRS_MAX + FETCH_BODY_MAX,
	    fetch_dispatch_policyd_request),
};

static const struct imsg_rule parent_rules[] = {
	IMSG_RULE_EXACT(IMSG_CTL_FETCH_ADDRS, struct fetch_addrs,
	    fetch_dispatch_parent_addrs),
};

void
fetch_main(struct proc *p)
{
	struct rpc_limits	 lim;
	size_t			 max, wmax, calen = 0;
	char			*ca = NULL;

	F.p = p;
	TAILQ_INIT(&F.jobs);
	F.allow_private = (p->cfg.x402 & CTL_X402_PRIVATE) != 0;
	if ((F.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	proc_chan_sizes(PROC_FETCH, PROC_POLICYD, &max, &wmax);
	if (imsgev_init(&F.policyd, F.base, p->peerfd[PROC_POLICYD],
	    "policyd", max, wmax, 0, policyd_rules, nitems(policyd_rules),
	    NULL, NULL) == -1)
		fatal("imsgev_init");
	/* Files now, before the sandbox: the CA bundle, read whole. */
	if (rpc_load_ca(&ca, &calen) == -1) {
		log_warnx("no CA bundle: https fetches will fail");
		ca = NULL;
		calen = 0;
	}
	memset(&lim, 0, sizeof(lim));
	lim.timeout_ms = p->cfg.x402_timeout_ms > 0 ?
	    (long)p->cfg.x402_timeout_ms : 30000;
	lim.max_response = FETCH_ANSWER_MAX;
	lim.retries = 0;
	if (rpc_init(F.base, &lim, ca, calen) == -1)
		fatalx("rpc_init");
	free(ca);

	proc_sandbox(p);
	if (imsgev_init(&F.parent, F.base, 3, "parent", CHAN_CTL_MAX,
	    CHAN_CTL_WMAX, 0, parent_rules, nitems(parent_rules), NULL,
	    NULL) == -1)
		fatal("imsgev_init");
	if (F.allow_private)
		log_warnx("x402: private, loopback and link-local addresses "
		    "may be fetched ([x402] allow_private)");
	event_base_dispatch(F.base);
	fatalx("event loop ended");
}

/* waiaasd-fetch: its own executable, mapping only what it links. */
int
main(int argc, char *argv[])
{
	return proc_exec_main(argc, argv, PROC_FETCH, fetch_main);
}
