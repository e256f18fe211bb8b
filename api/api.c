/*
 * api: the unprivileged front end.  It parses and bounds HTTP, answers
 * from its route table, and forwards typed requests to policyd.  It holds
 * no secret beyond one request's lifetime and has no channel to the
 * signer.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdint.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "api.h"
#include "routes.h"
#include "log.h"
#include "util.h"
#include "wipe.h"

struct api_state	api;

/* Requests waiting for policyd, by the id they were sent under. */
struct pending {
	TAILQ_ENTRY(pending)	 entry;
	uint32_t		 id;
	struct http_req		*req;
};
static TAILQ_HEAD(, pending)	pending = TAILQ_HEAD_INITIALIZER(pending);
static uint32_t			next_id;
static size_t			npending;
/*
 * The envelope of every forwarded request, credential included: one
 * locked page with guards, taken once and wiped after each use.  A
 * sodium_malloc() per request cost about ten system calls (mmap, guard
 * mprotects, mlock, munmap) and a TLB flush each time.
 */
static struct api_request	*envelope;
#define PENDING_MAX		4096

/* Copy a header into a credential; 0 if absent or out of bounds. */
static int
cred_header(struct http_req *req, const char *name, const char *prefix,
    uint32_t kind, struct api_cred *cred)
{
	const char	*v;
	size_t		 len, pl = prefix ? strlen(prefix) : 0;

	if ((v = http_header(&req->head, name, &len)) == NULL || len <= pl ||
	    (pl > 0 && strncasecmp(v, prefix, pl) != 0))
		return 0;
	v += pl;
	len -= pl;
	if (len > CRED_VALUE_MAX)
		return 0;
	cred->kind = kind;
	cred->len = (uint32_t)len;
	memcpy(cred->value, v, len);
	return 1;
}

/* The owner's three headers as "address\nmessage\nsignature". */
static int
cred_owner(struct http_req *req, struct api_cred *cred)
{
	static const char *const names[] = {
		"x-owner-address", "x-owner-message", "x-owner-signature"
	};
	const char	*v;
	size_t		 len, off = 0, i;

	for (i = 0; i < nitems(names); i++) {
		if ((v = http_header(&req->head, names[i], &len)) == NULL ||
		    len == 0 || off + len + 1 > CRED_VALUE_MAX) {
			/* Two headers of three are no credential at all. */
			sodium_memzero(cred->value, off);
			return 0;
		}
		memcpy(cred->value + off, v, len);
		off += len;
		if (i + 1 < nitems(names))
			cred->value[off++] = '\n';
	}
	cred->kind = CRED_OWNER;
	cred->len = (uint32_t)off;
	return 1;
}

/*
 * The credential the route asks for, as sent; missing is CRED_NONE and
 * policyd answers 401.  The api never judges a credential itself.
 */
static void
take_cred(struct http_req *req, int auth, struct api_cred *cred)
{
	/* The value is zeros already (envelope_wipe()). */
	cred->kind = CRED_NONE;
	cred->len = 0;
	switch (auth) {
	case AUTH_MASTER:
		cred_header(req, "x-master-password", NULL, CRED_MASTER, cred);
		break;
	case AUTH_SESSION:
		cred_header(req, "authorization", "Bearer ", CRED_SESSION,
		    cred);
		break;
	case AUTH_MASTER_OR_SESSION:
		if (!cred_header(req, "authorization", "Bearer ",
		    CRED_SESSION, cred))
			cred_header(req, "x-master-password", NULL,
			    CRED_MASTER, cred);
		break;
	case AUTH_OWNER:
		cred_owner(req, cred);
		break;
	case AUTH_MASTER_OR_SCRAPE:
		if (!cred_header(req, "authorization", "Bearer ", CRED_SCRAPE,
		    cred))
			cred_header(req, "x-master-password", NULL,
			    CRED_MASTER, cred);
		break;
	}
}

/*
 * Forward a request to policyd with its credential and (if any) the body
 * as validated; the reply answers req.  Consumes body.
 */
static void	forward(struct http_req *, const struct route *, const char *,
		    size_t, json_t *, uint32_t);

void
api_forward(struct http_req *req, const struct route *rt, const char *param,
    size_t paramlen, json_t *body)
{
	forward(req, rt, param, paramlen, body, 0);
}

/*
 * Refuse a request whose query or body is not valid: on a route with
 * auth, policyd authenticates first and only then returns this answer.
 * Consumes answer.
 */
void
api_refuse(struct http_req *req, json_t *answer)
{
	const struct route	*rt = req->route;
	char			*body;

	if (rt != NULL && rt->auth != AUTH_NONE) {
		forward(req, rt, req->param, req->paramlen, answer,
		    APIREQ_INVALID);
		return;
	}
	if ((body = json_dumps(answer, JSON_COMPACT)) == NULL)
		fatalx("json_dumps");
	json_decref(answer);
	http_reply(req, 400, NULL, body, strlen(body));
	wipe_free(body);
}

/*
 * What a request wrote in the envelope, wiped: all but the credential
 * value's bytes past its length and NUL, which the credential takers
 * never write (cred_owner() wipes a partial value itself).  Wiping the
 * whole 5 KB page each time cost more than the rest of forward().
 */
static void
envelope_wipe(struct api_request *r)
{
	size_t	n = r->cred.len <= CRED_VALUE_MAX ? r->cred.len + 1 :
	    sizeof(r->cred.value);

	sodium_memzero(r, APIREQ_HEAD);
	sodium_memzero(r->cred.value, n);
	sodium_memzero(r->param, APIREQ_TAIL);
}

static void
forward(struct http_req *req, const struct route *rt, const char *param,
    size_t paramlen, json_t *body, uint32_t flags)
{
	struct api_request	*r;
	struct pending		*pe;
	struct iovec		 iov[3];
	char			*text = NULL, idem[IDEM_KEY_MAX + 1];
	size_t			 tlen = 0;

	if (npending >= PENDING_MAX) {
		json_decref(body);
		http_error(req, 503, "SERVICE_UNAVAILABLE", "too many "
		    "requests in progress", 1, NULL);
		return;
	}
	if (paramlen > API_PARAM_MAX || req->head.querylen > API_QUERY_MAX) {
		json_decref(body);
		http_error(req, 404, "NOT_FOUND", "no such resource", 0,
		    NULL);
		return;
	}
	/* api_dispatch() refused a malformed key: "" here, as if absent. */
	(void)api_idem_key(req, idem);
	if (body != NULL) {
		if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
			fatalx("json_dumps");
		json_decref(body);
		tlen = strlen(text);
		if (tlen > API_BODY_MAX) {
			wipe_free(text);
			http_error(req, 413, "PAYLOAD_TOO_LARGE", "request "
			    "body too large", 0, NULL);
			return;
		}
	}
	/*
	 * The envelope is all zeros between requests (envelope_wipe()):
	 * only what this one writes is wiped after it.
	 */
	r = envelope;
	r->route = (uint32_t)rt->id;
	r->flags = flags;
	take_cred(req, rt->auth, &r->cred);
	if (param != NULL)
		memcpy(r->param, param, paramlen);
	if (req->head.query != NULL)
		memcpy(r->query, req->head.query, req->head.querylen);
	memcpy(r->idem, idem, sizeof(r->idem));
	r->bodylen = (uint32_t)tlen;
	/* On the wire: the value's used bytes only (APIREQ_WIRE). */
	iov[0].iov_base = r;
	iov[0].iov_len = APIREQ_HEAD + r->cred.len + 1;
	iov[1].iov_base = r->param;
	iov[1].iov_len = APIREQ_TAIL;
	iov[2].iov_base = text;
	iov[2].iov_len = tlen;
	if ((pe = calloc(1, sizeof(*pe))) == NULL)
		fatal("calloc");
	pe->id = ++next_id;
	pe->req = req;
	if (imsgev_composev(&api.policyd, IMSG_API_REQUEST, pe->id, -1, iov,
	    tlen > 0 ? 3 : 2) == -1) {
		free(pe);
		if (errno != ENOBUFS)
			fatal("IMSG_API_REQUEST");
		http_error(req, 503, "SERVICE_UNAVAILABLE", "internal "
		    "channel busy", 1, NULL);
	} else {
		TAILQ_INSERT_TAIL(&pending, pe, entry);
		npending++;
	}
	envelope_wipe(r);
	if (text != NULL)
		wipe_free(text);
}

/*
 * A validation answer only policyd can give (an update's rules against
 * the policy's stored type): the issues come as a JSON array and are
 * answered in the documented shape.
 */
static void
policyd_issues(struct http_req *req, const char *text, size_t len)
{
	json_t	*issues, *j;
	char	*body;

	if ((issues = json_loadb(text, len, 0, NULL)) == NULL ||
	    !json_is_array(issues) || json_array_size(issues) == 0)
		fatalx("IMSG_API_REPLY: malformed issues");
	j = json_pack("{s:s, s:s, s:{s:o}, s:s, s:b}", "code",
	    "VALIDATION_FAILED", "message", "the request is not valid",
	    "details", "issues", issues, "requestId", req->id,
	    "retryable", 0);
	if (j == NULL || (body = json_dumps(j, JSON_COMPACT)) == NULL)
		fatalx("json_pack");
	http_reply(req, 400, NULL, body, strlen(body));
	wipe_free(body);
	json_decref(j);
}

/* The request policyd works on as peerid, left pending; NULL if none. */
struct http_req *
api_peek_pending(uint32_t id)
{
	struct pending	*pe;

	if (id == 0)
		return NULL;
	TAILQ_FOREACH(pe, &pending, entry)
		if (pe->id == id)
			return pe->req;
	return NULL;
}

/* The request policyd answered with peerid; NULL if none. */
struct http_req *
api_take_pending(uint32_t id)
{
	struct pending	*pe;
	struct http_req	*req;

	TAILQ_FOREACH(pe, &pending, entry)
		if (pe->id == id)
			break;
	if (pe == NULL)
		return NULL;
	TAILQ_REMOVE(&pending, pe, entry);
	npending--;
	req = pe->req;
	free(pe);
	return req;
}

void
api_policyd_reply(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct api_reply	 r;
	struct pending		*pe;
	char			 msg[512], hdr[64] = "";
	size_t			 blen = imsg->len - sizeof(r);

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	TAILQ_FOREACH(pe, &pending, entry)
		if (pe->id == imsg->hdr.peerid)
			break;
	if (pe == NULL)
		fatalx("IMSG_API_REPLY for no request");
	TAILQ_REMOVE(&pending, pe, entry);
	npending--;
	if (r.status < 200 || r.status > 599 ||
	    memchr(r.code, '\0', sizeof(r.code)) == NULL)
		fatalx("IMSG_API_REPLY: malformed");
	if (r.retry_after > 0)
		snprintf(hdr, sizeof(hdr), "Retry-After: %u\r\n",
		    r.retry_after);
	if (r.code[0] == '\0' && r.status == 200 && pe->req->route != NULL &&
	    ((const struct route *)pe->req->route)->id == R_METRICS)
		api_metrics_reply(pe->req, (const char *)imsg->data +
		    sizeof(r), blen);
	else if (strcmp(r.code, "VALIDATION_FAILED") == 0 && blen > 0 &&
	    ((const char *)imsg->data)[sizeof(r)] == '[')
		policyd_issues(pe->req, (const char *)imsg->data + sizeof(r),
		    blen);
	else if (r.code[0] != '\0') {
		snprintf(msg, sizeof(msg), "%.*s", (int)(blen > 500 ? 500 :
		    blen), (const char *)imsg->data + sizeof(r));
		http_error(pe->req, r.status, r.code, msg, r.retryable != 0,
		    hdr[0] ? hdr : NULL);
	} else
		http_reply(pe->req, r.status, hdr[0] ? hdr : NULL,
		    (const char *)imsg->data + sizeof(r), blen);
	free(pe);
}

/*
 * An answer's JSON text as jansson writes it: on the stack while it
 * fits, else on the wiped heap.  json_dumps() grew a buffer from 16
 * bytes by doubling and then copied the text out once more.
 */
#define REPLY_STACK	8192

struct reply_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	char	 stack[REPLY_STACK];
};

static int
reply_buf_add(const char *s, size_t n, void *arg)
{
	struct reply_buf	*b = arg;
	size_t			 ncap;
	char			*np;

	if (n > b->cap - b->len) {
		if (b->len + n > SIZE_MAX / 2)
			return -1;
		for (ncap = b->cap * 2; ncap < b->len + n; ncap *= 2)
			;
		if ((np = wipe_malloc(ncap)) == NULL)
			return -1;
		memcpy(np, b->p, b->len);
		if (b->p == b->stack)
			sodium_memzero(b->stack, b->len);
		else
			wipe_free(b->p);
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

void
api_reply_json(struct http_req *req, int status, json_t *j)
{
	struct reply_buf	b;

	b.p = b.stack;
	b.len = 0;
	b.cap = sizeof(b.stack);
	if (json_dump_callback(j, reply_buf_add, &b, JSON_COMPACT) == -1)
		fatalx("json_dump_callback");
	http_reply(req, status, NULL, b.p, b.len);
	if (b.p == b.stack)
		sodium_memzero(b.stack, b.len);
	else
		wipe_free(b.p);
	json_decref(j);
}

static void
api_request(struct http_req *req)
{
	const struct http_head	*h = &req->head;
	const struct route	*rt;
	const char		*param;
	char			 msg[160], allow[64] = "", hdr[96];
	size_t			 plen;
	int			 allowed, m;

	if ((rt = route_match(h->method, h->path, h->pathlen, &param, &plen,
	    &allowed)) != NULL) {
		req->route = rt;
		req->param = param;
		req->paramlen = plen;
		api_dispatch(req, rt, param, plen);
		return;
	}
	if (allowed != 0) {
		for (m = HTTP_GET; m <= HTTP_PATCH; m <<= 1) {
			if (!(allowed & m))
				continue;
			if (allow[0] != '\0')
				strlcat(allow, ", ", sizeof(allow));
			strlcat(allow, http_method_name(m), sizeof(allow));
		}
		snprintf(hdr, sizeof(hdr), "Allow: %s\r\n", allow);
		snprintf(msg, sizeof(msg), "method %s not allowed here",
		    http_method_name(h->method));
		http_error(req, 405, "METHOD_NOT_ALLOWED", msg, 0, hdr);
		return;
	}
	snprintf(msg, sizeof(msg), "no route %s %.*s",
	    http_method_name(h->method), (int)(h->pathlen > 96 ? 96 :
	    h->pathlen), h->path);
	http_error(req, 404, "NOT_FOUND", msg, 0, NULL);
}

static const struct imsg_rule policyd_rules[] = {
	IMSG_RULE_EXACT(IMSG_HEALTH_PONG, struct health_pong,
	    api_health_pong),
	IMSG_RULE_RANGE(IMSG_API_REPLY, sizeof(struct api_reply),
	    CHAN_API_MAX - IMSG_HDR_SIZE, api_policyd_reply),
	IMSG_RULE_RANGE(IMSG_CHAIN_PREPARE, sizeof(struct chain_prep),
	    sizeof(struct chain_prep) + SIGN_DATA_MAX, api_chain_prepare),
	IMSG_RULE_RANGE(IMSG_CHAIN_SEND, sizeof(struct chain_send) + 1,
	    sizeof(struct chain_send) + SIGN_DATA_MAX + 4096,
	    api_chain_send),
	IMSG_RULE_EXACT(IMSG_API_CHAINQ, struct chain_query,
	    api_chain_query),
	IMSG_RULE_EXACT(IMSG_API_ADMINQ, struct admin_query,
	    api_admin_query),
	IMSG_RULE_EXACT(IMSG_CHAIN_INCOMING_ASK, struct incoming_ask,
	    api_chain_incoming),
};

static const struct imsg_rule parent_rules[] = {
	IMSG_RULE_EXACT(IMSG_CTL_RESOLVE, struct ctl_resolve,
	    api_chain_resolve),
	IMSG_RULE_EXACT(IMSG_CTL_PRICE_RESOLVE, struct ctl_resolve,
	    api_price_resolve),
};

void
api_main(struct proc *p)
{
	struct http_limits	lim;
	size_t			max, wmax;

	api.p = p;
	/* Requests may carry secrets: every freed block is wiped. */
	wipe_install();
	/* jansson would seed its hash from /dev/urandom on first use. */
	json_object_seed(randombytes_random());
	if ((envelope = sodium_malloc(sizeof(*envelope))) == NULL)
		fatal("sodium_malloc");
	/* all zeros between requests: see envelope_wipe() */
	sodium_memzero(envelope, sizeof(*envelope));
	if ((api.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	api_heap_init(p->listenfd, p->cfg.nofile);
	api_ttl_min = p->cfg.ttl_min;
	lim.max_head = p->cfg.max_headers;
	lim.max_body = p->cfg.max_body;
	lim.max_conn = p->cfg.max_conn;
	lim.timeout = (int)p->cfg.timeout;
	lim.header_timeout = (int)p->cfg.header_timeout;
	if (http_server_start(api.base, p->listenfd, &lim, api_request) == -1)
		fatalx("http_server_start");
	http_set_observer(api_metrics_observe);

	proc_chan_sizes(PROC_API, PROC_POLICYD, &max, &wmax);
	if (imsgev_init(&api.policyd, api.base, p->peerfd[PROC_POLICYD],
	    "policyd", max, wmax, 0, policyd_rules, nitems(policyd_rules),
	    NULL, NULL) == -1)
		fatal("imsgev_init");
	imsgev_batch(&api.policyd);
	api_health_init();
	api_page_init();
	api_chain_init(p);
	api_price_init();
	api_heap_watch();

	proc_sandbox(p);
	if (imsgev_init(&api.parent, api.base, 3, "parent", CHAN_CTL_MAX,
	    CHAN_CTL_WMAX, 0, parent_rules, nitems(parent_rules), NULL,
	    NULL) == -1)
		fatal("imsgev_init");
	log_debug("serving");
	event_base_dispatch(api.base);
	fatalx("event loop ended");
}

/* waiaasd-api: its own executable, mapping only what it links. */
int
main(int argc, char *argv[])
{
	return proc_exec_main(argc, argv, PROC_API, api_main);
}
