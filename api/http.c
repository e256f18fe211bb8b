/*
 * Connections: accept up to max_conn, read one request at a time (a
 * pipelined next request waits in the buffer), hand it to the handler,
 * which answers now or later, then write and go on or close.
 *
 * One client must not be able to hold every slot (slowloris): a slot
 * costs a descriptor and a few KiB, so the limit is high; a request's
 * head must arrive within header_timeout and the whole request within
 * request_timeout, both counted from accept or from the previous
 * answer; and when the table is full a new connection takes the slot of
 * the oldest one that has not delivered a complete request, so a
 * flood of half-open connections evicts itself while a request that is
 * complete (at policyd, or its answer going out) is never cut.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <sodium.h>

#include "errcodes.h"
#include "http.h"
#include "log.h"

/*
 * Closing a socket with unread input makes the kernel send RST, which
 * can destroy the answer we just wrote before the client reads it (a
 * 413 to a client still uploading its body).  So a connection we close
 * first shuts down its sending side, then reads and discards what is
 * still coming until the client closes, for at most LINGER_SECS and
 * LINGER_MAX bytes: enough for curl to see the answer and stop sending
 * a 10 MiB body, too little to hold a slot or cost real CPU.  A
 * lingering connection can be evicted like an unfinished one.
 */
#define LINGER_SECS	2
#define LINGER_MAX	(16 * 1024 * 1024)

/*
 * libevent accepts until the backlog is empty, and each accept past the
 * limit evicts the oldest unfinished connection.  A flood that connects
 * as fast as it is evicted could then push a new client's connection
 * out before its request, already in the socket, is ever read.  So at
 * most ACCEPT_BATCH are accepted per turn of the loop, and the reads of
 * the ones accepted run before the next batch: a connection is safe
 * from eviction until it has been read if max_connections is at least
 * twice this.
 */
#define ACCEPT_BATCH	64

enum conn_state {
	CONN_READ,		/* waiting for a whole request */
	CONN_PENDING,		/* the handler has it */
	CONN_WRITE,		/* answer going out */
	CONN_LINGER		/* answer out, our side shut: discarding */
};

struct http_conn {
	TAILQ_ENTRY(http_conn)	 entry;		/* S.open, when listed */
	int			 listed;
	struct bufferevent	*bev;
	struct event		*timer;
	enum conn_state		 state;
	int			 close_after;
	int			 head_done;	/* head in: next deadline */
	int			 sent_continue;
	uint64_t		 since;		/* ms: accept, last answer */
	size_t			 consumed;	/* head + body of req */
	size_t			 drained;	/* bytes discarded lingering */
	struct http_req		 req;
};

/*
 * S.open lists the connections that may be evicted (CONN_READ and
 * CONN_LINGER), oldest first: appended when they start waiting, so the
 * head is the one that has waited longest without a complete request.
 */
TAILQ_HEAD(conn_list, http_conn);

static struct {
	struct event_base	*base;
	struct evconnlistener	*lev;
	struct event		*ev_retry;
	struct event		*ev_batch;	/* after an accept batch */
	struct http_limits	 lim;
	struct conn_list	 open;
	unsigned int		 nconn;
	int			 listening;
	int			 paused;	/* every slot busy */
	int			 err_wait;	/* accept failed; retry soon */
	int			 batch;		/* accepted this turn */
	uint64_t		 activity;	/* http_activity() */
	void			(*handler)(struct http_req *);
	void			(*observe)(const struct http_req *, int,
				    uint64_t);
} S;

static void	conn_read(struct bufferevent *, void *);

static const char *
status_text(int st)
{
	switch (st) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default:  return "Unknown";
	}
}

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
now_us(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t
http_activity(void)
{
	return S.activity;
}

void
http_set_observer(void (*fn)(const struct http_req *, int, uint64_t))
{
	S.observe = fn;
}

static void
listen_sync(void)
{
	int	on = !S.paused && !S.err_wait && S.batch < ACCEPT_BATCH;

	if (on == S.listening)
		return;
	S.listening = on;
	if (on)
		evconnlistener_enable(S.lev);
	else
		evconnlistener_disable(S.lev);
}

/*
 * Accept while a slot is free or can be freed by eviction.  Only when
 * every connection has a complete request (at the handler, or its
 * answer going out) does accepting pause; those end by themselves.
 */
static void
accept_update(void)
{
	static time_t	last;
	int		pause = S.nconn >= S.lim.max_conn &&
			    TAILQ_EMPTY(&S.open);

	if (pause && !S.paused) {
		if (time(NULL) != last)
			log_warnx("connection limit reached (%u) with every "
			    "request complete; not accepting until one ends",
			    S.lim.max_conn);
		last = time(NULL);
	}
	S.paused = pause;
	listen_sync();
}

static void
conn_unlist(struct http_conn *c)
{
	if (c->listed) {
		TAILQ_REMOVE(&S.open, c, entry);
		c->listed = 0;
	}
}

/* Start waiting in state st (CONN_READ or CONN_LINGER), from now. */
static void
conn_list(struct http_conn *c, enum conn_state st)
{
	conn_unlist(c);
	c->state = st;
	c->since = now_ms();
	TAILQ_INSERT_TAIL(&S.open, c, entry);
	c->listed = 1;
	accept_update();
}

/*
 * The descriptor is closed here, not by bufferevent_free(): libevent
 * finalizes a freed bufferevent later in the loop, and an accept batch
 * that evicts hundreds of connections would run out of descriptors
 * before any of theirs was closed.  Its events are gone from epoll once
 * bufferevent_free() returns (or once the callback it was called from
 * returns; no descriptor is opened in between).
 */
static void
conn_free(struct http_conn *c)
{
	evutil_socket_t	fd = bufferevent_getfd(c->bev);

	conn_unlist(c);
	bufferevent_free(c->bev);
	evutil_closesocket(fd);
	event_free(c->timer);
	free(c);
	S.nconn--;
	accept_update();
}

static void
timer_ms(struct http_conn *c, uint64_t ms)
{
	struct timeval	tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(c->timer, &tv);
}

/*
 * The deadline of a request still arriving: its head within
 * header_timeout, the whole of it within request_timeout, both from
 * c->since.  A short head deadline is what frees a slot from a client
 * that trickles bytes; the longer one leaves time for a body.
 */
static void
timer_arm(struct http_conn *c)
{
	uint64_t	limit, spent = now_ms() - c->since;
	int		s;

	s = c->head_done || S.lim.header_timeout > S.lim.timeout ?
	    S.lim.timeout : S.lim.header_timeout;
	limit = (uint64_t)s * 1000;
	timer_ms(c, limit > spent ? limit - spent : 0);
}

/* Waiting for the next request from now on (after accept or answer). */
static void
conn_wait(struct http_conn *c)
{
	conn_list(c, CONN_READ);
	c->head_done = 0;
	c->sent_continue = 0;
	bufferevent_enable(c->bev, EV_READ);
	timer_arm(c);
}

/*
 * Write an answer; with close_after the connection ends once it is out.
 * Every answer is no-store and nosniff, whatever its type.
 */
/* hb_put(): one piece of an answer's head, while it fits. */
struct head_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 full;
};

static void
hb_put(struct head_buf *b, const char *s)
{
	size_t	n = strlen(s);

	if (b->full || n >= b->cap - b->len) {
		b->full = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/*
 * The head of an answer with a body, what conn_send()'s printf format
 * gives, copied piece by piece into out (the format's conversions cost
 * more than the rest of the head).  -1 if it would not fit: the
 * caller prints it then.
 */
static int
conn_head(struct evbuffer *out, int status, const char *ctype,
    const char *headers, size_t len, int close_after)
{
	struct head_buf	 b;
	char		 buf[1024], num[24];
	char		*p = num + sizeof(num);

	if (status < 100 || status > 999)
		return -1;
	b.p = buf;
	b.len = 0;
	b.cap = sizeof(buf);
	b.full = 0;
	*--p = '\0';
	do {
		*--p = (char)('0' + len % 10);
		len /= 10;
	} while (len > 0);
	memcpy(buf, "HTTP/1.1 ", 9);
	buf[9] = (char)('0' + status / 100);
	buf[10] = (char)('0' + status / 10 % 10);
	buf[11] = (char)('0' + status % 10);
	buf[12] = ' ';
	b.len = 13;
	hb_put(&b, status_text(status));
	hb_put(&b, "\r\nContent-Type: ");
	hb_put(&b, ctype);
	hb_put(&b, "\r\nContent-Length: ");
	hb_put(&b, p);
	hb_put(&b, "\r\nCache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n");
	if (headers != NULL)
		hb_put(&b, headers);
	if (close_after)
		hb_put(&b, "Connection: close\r\n");
	hb_put(&b, "\r\n");
	if (b.full)
		return -1;
	return evbuffer_add(out, buf, b.len);
}

static void
conn_send(struct http_conn *c, int status, const char *ctype,
    const char *headers, const char *body, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	conn_unlist(c);
	accept_update();
	/* Adding output must not arm the write event (see below). */
	bufferevent_disable(c->bev, EV_WRITE);
	/* 204 has no body, hence neither type nor length (RFC 9110). */
	if (status == 204)
		evbuffer_add_printf(out, "HTTP/1.1 204 %s\r\n"
		    "Cache-Control: no-store\r\n"
		    "X-Content-Type-Options: nosniff\r\n"
		    "%s%s\r\n", status_text(status),
		    headers != NULL ? headers : "",
		    c->close_after ? "Connection: close\r\n" : "");
	else if (conn_head(out, status, ctype, headers, len,
	    c->close_after) == -1)
		evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n"
		    "Content-Type: %s\r\n"
		    "Content-Length: %zu\r\n"
		    "Cache-Control: no-store\r\n"
		    "X-Content-Type-Options: nosniff\r\n"
		    "%s%s\r\n", status, status_text(status), ctype, len,
		    headers != NULL ? headers : "",
		    c->close_after ? "Connection: close\r\n" : "");
	if (status != 204)
		evbuffer_add(out, body, len);
	c->state = CONN_WRITE;
	/* A client that does not read its answer does not keep the slot. */
	timer_ms(c, (uint64_t)S.lim.timeout * 1000);
	/*
	 * Straight to the socket: an answer it takes whole needs no write
	 * event, and conn_written runs from the loop as if one had fired.
	 * Arming and disarming the events for every answer (and reading
	 * off and on around it) was four epoll_ctl calls a request, a
	 * fifth of the api's time.  What the socket does not take waits for
	 * the write event, as before.  A socket bufferevent keeps its
	 * output's start frozen against draining from outside; its own
	 * write callback thaws it around the write, and so does this.
	 */
	evbuffer_unfreeze(out, 1);
	(void)evbuffer_write(out, bufferevent_getfd(c->bev));
	evbuffer_freeze(out, 1);
	if (evbuffer_get_length(out) == 0)
		bufferevent_trigger(c->bev, EV_WRITE,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	else
		bufferevent_enable(c->bev, EV_WRITE);
}

size_t
http_error_body(char *buf, size_t size, const char *code, const char *msg,
    int retryable, const char *id, const char *hint)
{
	char		 esc[512];
	size_t		 i, n = 0;
	int		 r;

	/* The messages are ours, but escape anyway: they may quote input. */
	for (i = 0; msg[i] != '\0' && n + 7 < sizeof(esc); i++) {
		unsigned char ch = (unsigned char)msg[i];

		if (ch == '"' || ch == '\\') {
			esc[n++] = '\\';
			esc[n++] = (char)ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			r = snprintf(esc + n, sizeof(esc) - n, "\\u%04x", ch);
			n += (size_t)r;
		} else
			esc[n++] = (char)ch;
	}
	esc[n] = '\0';
	/* A hint is ours and plain ASCII without quotes (errcodes.c). */
	r = snprintf(buf, size, "{\"code\":\"%s\",\"message\":\"%s\","
	    "\"requestId\":\"%s\",\"retryable\":%s%s%s%s}", code, esc, id,
	    retryable ? "true" : "false", hint != NULL ? ",\"hint\":\"" : "",
	    hint != NULL ? hint : "", hint != NULL ? "\"" : "");
	if (r < 0 || (size_t)r >= size)
		fatalx("error body too long");
	return (size_t)r;
}

/* An error the connection layer itself gives: always closes. */
static void
conn_fail(struct http_conn *c, int status, const char *code, const char *msg)
{
	char	body[768], id[UUID_STR_LEN];
	size_t	len;

	uuidv7(id);
	len = http_error_body(body, sizeof(body), code, msg, 0, id, NULL);
	c->close_after = 1;
	conn_send(c, status, "application/json", NULL, body, len);
}

static const char *
status_code_name(int st)
{
	switch (st) {
	case 413: return "PAYLOAD_TOO_LARGE";
	case 414: return "URI_TOO_LONG";
	case 431: return "HEADERS_TOO_LARGE";
	case 501: return "NOT_IMPLEMENTED";
	case 505: return "HTTP_VERSION_NOT_SUPPORTED";
	default:  return "BAD_REQUEST";
	}
}

static void
conn_try(struct http_conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	size_t		 n = evbuffer_get_length(in), look, total;
	const char	*why, *p;
	char		 msg[96];
	int		 r;

	if (c->state != CONN_READ || n == 0)
		return;
	look = n < S.lim.max_head ? n : S.lim.max_head;
	p = (const char *)evbuffer_pullup(in, (ev_ssize_t)look);
	r = http_parse_head(p, look, S.lim.max_head, &c->req.head, &why);
	if (r == 0)
		return;
	if (r < 0) {
		conn_fail(c, -r, status_code_name(-r), why);
		return;
	}
	/*
	 * Refused from its headers: the answer goes out now, and the
	 * lingering close lets the client read it.  A client that sent
	 * Expect: 100-continue has not sent the body and will not.
	 */
	if (c->req.head.content_length > S.lim.max_body) {
		snprintf(msg, sizeof(msg), "request body larger than %zu "
		    "bytes", S.lim.max_body);
		conn_fail(c, 413, "PAYLOAD_TOO_LARGE", msg);
		return;
	}
	total = (size_t)r + c->req.head.content_length;
	if (n < total) {
		if (!c->head_done) {
			c->head_done = 1;
			timer_arm(c);
		}
		/* Asked to confirm before the body is sent: do. */
		if (c->req.head.expect_continue && !c->sent_continue &&
		    n == (size_t)r) {
			c->sent_continue = 1;
			evbuffer_add(bufferevent_get_output(c->bev),
			    "HTTP/1.1 100 Continue\r\n\r\n", 25);
			bufferevent_enable(c->bev, EV_WRITE);
		}
		return;
	}
	/* Whole: make it contiguous and parse again for stable pointers. */
	p = (const char *)evbuffer_pullup(in, (ev_ssize_t)total);
	if (http_parse_head(p, total, S.lim.max_head, &c->req.head,
	    &why) != r)
		fatalx("http: request head changed under us");
	c->req.conn = c;
	c->req.body = p + r;
	c->req.bodylen = c->req.head.content_length;
	c->consumed = total;
	c->close_after = !c->req.head.keepalive;
	conn_unlist(c);
	accept_update();
	c->state = CONN_PENDING;
	/*
	 * Reading goes on while the request is at the handler: what comes
	 * meanwhile (a pipelined request, at most the read watermark) waits
	 * in the buffer, conn_try takes nothing but in CONN_READ, and an
	 * end of input only marks the connection to close (conn_event).
	 */
	evtimer_del(c->timer);
	uuidv7(c->req.id);
	/* Nothing of the previous request on this connection. */
	c->req.route = NULL;
	c->req.param = NULL;
	c->req.paramlen = 0;
	c->req.t0_us = now_us();
	S.activity++;
	S.handler(&c->req);
}

void
http_reply(struct http_req *req, int status, const char *headers,
    const char *body, size_t len)
{
	http_reply_type(req, status, "application/json", headers, body, len);
}

void
http_reply_type(struct http_req *req, int status, const char *ctype,
    const char *headers, const char *body, size_t len)
{
	struct http_conn	*c = req->conn;

	if (req->sink != NULL) {
		req->sink(req, status, body, len);
		return;
	}
	if (c->state != CONN_PENDING)
		fatalx("http: answer to a request not pending");
	if (S.observe != NULL)
		S.observe(req, status, now_us() - req->t0_us);
	/* The request may have carried a password or a key: wipe it. */
	sodium_memzero(evbuffer_pullup(bufferevent_get_input(c->bev),
	    (ev_ssize_t)c->consumed), c->consumed);
	evbuffer_drain(bufferevent_get_input(c->bev), c->consumed);
	c->consumed = 0;
	conn_send(c, status, ctype, headers, body, len);
}

void
http_error(struct http_req *req, int status, const char *code,
    const char *msg, int retryable, const char *headers)
{
	const struct errcode	*e;
	char			 body[1024];
	size_t			 len;

	/*
	 * The chain clients' CHAIN_ERROR at 503 means no node to ask (no
	 * RPC set for the network) rather than a node's failure: the
	 * reference calls that ADAPTER_NOT_AVAILABLE.
	 */
	if (status == 503 && strcmp(code, "CHAIN_ERROR") == 0)
		code = "ADAPTER_NOT_AVAILABLE";
	/*
	 * A code the reference has goes out with the reference's status
	 * and retryable, whatever the caller said: one table, no drift.
	 */
	if ((e = errcode_find(code)) != NULL) {
		if (e->status != status)
			log_debug("%s: status %d, not %d (errcodes.c)", code,
			    e->status, status);
		status = e->status;
		retryable = e->retryable;
	}
	len = http_error_body(body, sizeof(body), code, msg, retryable,
	    req->id, e != NULL ? e->hint : NULL);
	http_reply(req, status, headers, body, len);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct http_conn	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	size_t			 n;

	if (c->state != CONN_LINGER) {
		conn_try(c);
		return;
	}
	n = evbuffer_get_length(in);
	evbuffer_drain(in, n);
	if ((c->drained += n) > LINGER_MAX)
		conn_free(c);
}

/* The answer is out and the connection ends: see LINGER_SECS. */
static void
conn_linger(struct http_conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);

	if (shutdown(bufferevent_getfd(c->bev), SHUT_WR) == -1) {
		conn_free(c);
		return;
	}
	c->drained = evbuffer_get_length(in);
	evbuffer_drain(in, c->drained);
	conn_list(c, CONN_LINGER);
	bufferevent_enable(c->bev, EV_READ);
	timer_ms(c, LINGER_SECS * 1000);
}

static void
conn_written(struct bufferevent *bev, void *arg)
{
	struct http_conn	*c = arg;

	(void)bev;
	if (c->state != CONN_WRITE)
		return;
	if (c->close_after) {
		conn_linger(c);
		return;
	}
	conn_wait(c);
	conn_try(c);		/* a pipelined request may be waiting */
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct http_conn	*c = arg;

	(void)bev;
	if (c->state == CONN_LINGER) {
		conn_free(c);	/* the client has closed: done */
		return;
	}
	/*
	 * End of input with a request at the handler or an answer going
	 * out (a client that shut down its sending side): finish that, then
	 * close.  Anything else ends the connection now.
	 */
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
	    c->state != CONN_READ) {
		c->close_after = 1;
		bufferevent_disable(c->bev, EV_READ);
		return;
	}
	if (c->state == CONN_PENDING) {
		/* The handler still holds req: drop the answer later. */
		c->close_after = 1;
		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
		return;
	}
	conn_free(c);
}

static void
conn_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct http_conn	*c = arg;

	(void)fd;
	(void)ev;
	if (c->state == CONN_WRITE || c->state == CONN_LINGER) {
		conn_free(c);
		return;
	}
	if (c->state != CONN_READ)
		return;
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) == 0) {
		conn_free(c);	/* idle keep-alive connection */
		return;
	}
	conn_fail(c, 408, "REQUEST_TIMEOUT", "the request did not arrive "
	    "in time");
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct http_conn	*c;
	int			 one = 1;

	(void)lev;
	(void)sa;
	(void)salen;
	(void)arg;
	if (S.batch++ == 0)
		event_active(S.ev_batch, EV_TIMEOUT, 1);
	else if (S.batch == ACCEPT_BATCH)
		listen_sync();
	/*
	 * Full: the oldest connection without a complete request gives up
	 * its slot.  Under a flood of idle or trickling connections that
	 * is one of the flood's own, and a client whose request arrives
	 * promptly is served before max_conn newer connections pass it.
	 */
	if (S.nconn >= S.lim.max_conn) {
		static time_t	last;

		if ((c = TAILQ_FIRST(&S.open)) == NULL) {
			evutil_closesocket(fd);	/* accept_update lagged */
			return;
		}
		if (time(NULL) != last)
			log_warnx("connection limit reached (%u); closing the "
			    "oldest connection without a complete request",
			    S.lim.max_conn);
		last = time(NULL);
		conn_free(c);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warnx("http: out of memory for a connection");
		evutil_closesocket(fd);
		return;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->bev = bufferevent_socket_new(S.base, fd, 0);	/* conn_free */
	c->timer = evtimer_new(S.base, conn_timeout, c);
	if (c->bev == NULL || c->timer == NULL)
		fatalx("http: bufferevent");
	/* Never buffer more input than one whole request can be. */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    S.lim.max_head + S.lim.max_body + 1);
	bufferevent_setcb(c->bev, conn_read, conn_written, conn_event, c);
	S.nconn++;
	S.activity++;
	conn_wait(c);
}

static void
accept_retry(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	S.err_wait = 0;
	listen_sync();
}

/* The loop has run the accept callbacks of this turn: next batch. */
static void
accept_batch_done(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	S.batch = 0;
	listen_sync();
}

/*
 * accept(2) failed, e.g. at the descriptor limit: pause briefly rather
 * than spin on a listening socket that stays readable.
 */
static void
accept_error(struct evconnlistener *lev, void *arg)
{
	static time_t	last;
	struct timeval	tv = { 0, 100 * 1000 };
	time_t		now = time(NULL);

	(void)arg;
	if (now != last)
		log_warn("http: accept");
	last = now;
	(void)lev;
	S.err_wait = 1;
	listen_sync();
	evtimer_add(S.ev_retry, &tv);
}

int
http_server_start(struct event_base *base, int fd,
    const struct http_limits *lim, void (*handler)(struct http_req *))
{
	S.base = base;
	S.lim = *lim;
	S.handler = handler;
	TAILQ_INIT(&S.open);
	if ((S.lev = evconnlistener_new(base, on_accept, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd)) == NULL)
		return -1;
	evconnlistener_set_error_cb(S.lev, accept_error);
	if ((S.ev_retry = evtimer_new(base, accept_retry, NULL)) == NULL ||
	    (S.ev_batch = event_new(base, -1, 0, accept_batch_done,
	    NULL)) == NULL)
		return -1;
	S.listening = 1;
	return 0;
}
