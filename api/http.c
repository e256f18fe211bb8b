/*
 * Connections: accept up to max_conn, read one request at a time (a
 * pipelined next request waits in the buffer), hand it to the handler,
 * which answers now or later, then write and go on or close.  Each
 * request must arrive whole within the timeout, counted from the end of
 * the previous answer, so a slow sender cannot hold a connection.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <sodium.h>

#include "http.h"
#include "log.h"

enum conn_state {
	CONN_READ,		/* waiting for a whole request */
	CONN_PENDING,		/* the handler has it */
	CONN_WRITE		/* answer going out */
};

struct http_conn {
	struct bufferevent	*bev;
	struct event		*timer;
	enum conn_state		 state;
	int			 close_after;
	size_t			 consumed;	/* head + body of req */
	struct http_req		 req;
};

static struct {
	struct event_base	*base;
	struct evconnlistener	*lev;
	struct event		*ev_retry;
	struct http_limits	 lim;
	unsigned int		 nconn;
	int			 paused;
	void			(*handler)(struct http_req *);
} S;

static void	conn_read(struct bufferevent *, void *);

static const char *
status_text(int st)
{
	switch (st) {
	case 200: return "OK";
	case 201: return "Created";
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
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default:  return "Unknown";
	}
}

static void
conn_free(struct http_conn *c)
{
	bufferevent_free(c->bev);
	event_free(c->timer);
	free(c);
	S.nconn--;
	if (S.paused && S.nconn < S.lim.max_conn) {
		S.paused = 0;
		evconnlistener_enable(S.lev);
	}
}

static void
timer_arm(struct http_conn *c)
{
	struct timeval	tv = { S.lim.timeout, 0 };

	evtimer_add(c->timer, &tv);
}

/*
 * Write an answer; with close_after the connection ends once it is out.
 * Every answer is no-store and nosniff, whatever its type.
 */
static void
conn_send(struct http_conn *c, int status, const char *ctype,
    const char *headers, const char *body, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	evtimer_del(c->timer);
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "%s%s\r\n", status, status_text(status), ctype, len,
	    headers != NULL ? headers : "",
	    c->close_after ? "Connection: close\r\n" : "");
	evbuffer_add(out, body, len);
	c->state = CONN_WRITE;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_enable(c->bev, EV_WRITE);
}

size_t
http_error_body(char *buf, size_t size, const char *code, const char *msg,
    int retryable, const char *id)
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
	r = snprintf(buf, size, "{\"code\":\"%s\",\"message\":\"%s\","
	    "\"requestId\":\"%s\",\"retryable\":%s}", code, esc, id,
	    retryable ? "true" : "false");
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
	len = http_error_body(body, sizeof(body), code, msg, 0, id);
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
	if (c->req.head.content_length > S.lim.max_body) {
		snprintf(msg, sizeof(msg), "request body larger than %zu "
		    "bytes", S.lim.max_body);
		conn_fail(c, 413, "PAYLOAD_TOO_LARGE", msg);
		return;
	}
	total = (size_t)r + c->req.head.content_length;
	if (n < total)
		return;
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
	c->state = CONN_PENDING;
	bufferevent_disable(c->bev, EV_READ);
	evtimer_del(c->timer);
	uuidv7(c->req.id);
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

	if (c->state != CONN_PENDING)
		fatalx("http: answer to a request not pending");
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
	char	body[768];
	size_t	len;

	len = http_error_body(body, sizeof(body), code, msg, retryable,
	    req->id);
	http_reply(req, status, headers, body, len);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_try(arg);
}

static void
conn_written(struct bufferevent *bev, void *arg)
{
	struct http_conn	*c = arg;

	(void)bev;
	if (c->state != CONN_WRITE)
		return;
	if (c->close_after) {
		conn_free(c);
		return;
	}
	c->state = CONN_READ;
	bufferevent_enable(c->bev, EV_READ);
	timer_arm(c);
	conn_try(c);		/* a pipelined request may be waiting */
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct http_conn	*c = arg;

	(void)bev;
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
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warnx("http: out of memory for a connection");
		evutil_closesocket(fd);
		return;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->bev = bufferevent_socket_new(S.base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->timer = evtimer_new(S.base, conn_timeout, c);
	if (c->bev == NULL || c->timer == NULL)
		fatalx("http: bufferevent");
	/* Never buffer more input than one whole request can be. */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    S.lim.max_head + S.lim.max_body + 1);
	bufferevent_setcb(c->bev, conn_read, conn_written, conn_event, c);
	bufferevent_enable(c->bev, EV_READ);
	c->state = CONN_READ;
	timer_arm(c);
	if (++S.nconn >= S.lim.max_conn) {
		static time_t	last;

		if (time(NULL) != last)
			log_warnx("connection limit reached (%u); not "
			    "accepting until one closes", S.lim.max_conn);
		last = time(NULL);
		S.paused = 1;
		evconnlistener_disable(S.lev);
	}
}

static void
accept_retry(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	if (!S.paused)
		evconnlistener_enable(S.lev);
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
	evconnlistener_disable(lev);
	evtimer_add(S.ev_retry, &tv);
}

int
http_server_start(struct event_base *base, int fd,
    const struct http_limits *lim, void (*handler)(struct http_req *))
{
	S.base = base;
	S.lim = *lim;
	S.handler = handler;
	if ((S.lev = evconnlistener_new(base, on_accept, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd)) == NULL)
		return -1;
	evconnlistener_set_error_cb(S.lev, accept_error);
	if ((S.ev_retry = evtimer_new(base, accept_retry, NULL)) == NULL)
		return -1;
	return 0;
}
