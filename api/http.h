/*
 * A small, strict HTTP/1.1 server on libevent bufferevents.  It knows
 * exactly what it accepts: origin-form targets, CRLF line endings,
 * Content-Length bodies (no chunked uploads), a Host in HTTP/1.1, a
 * bounded number and size of headers, a bounded body, deadlines for a
 * request's head and for all of it, and a fixed number of connections.
 * Every refusal is the documented JSON error.
 */
#ifndef WAIAAS_HTTP_H
#define WAIAAS_HTTP_H

#include <stddef.h>

#include <event2/event.h>

#include "routes.h"
#include "util.h"

#define HTTP_MAX_HEADERS	64
#define HTTP_TARGET_MAX		2048

struct http_header {
	const char	*name;
	size_t		 namelen;
	const char	*value;
	size_t		 valuelen;
};

struct http_head {
	int			 method;
	const char		*path;		/* target up to '?' */
	size_t			 pathlen;
	const char		*query;		/* after '?', or NULL */
	size_t			 querylen;
	int			 minor;		/* HTTP/1.minor */
	struct http_header	 hdr[HTTP_MAX_HEADERS];
	int			 nhdr;
	size_t			 content_length;
	int			 keepalive;
	int			 expect_continue;	/* waits for a 100 */
};

/*
 * Parse a request head.  Returns its length (through the blank line), 0
 * when more bytes are needed, or minus an HTTP status with *why set.
 */
int	http_parse_head(const char *, size_t, size_t, struct http_head *,
	    const char **);
const char *http_header(const struct http_head *, const char *, size_t *);
const char *http_method_name(int);

struct http_conn;

struct http_req {
	struct http_conn	*conn;
	struct http_head	 head;
	const char		*body;
	size_t			 bodylen;
	char			 id[UUID_STR_LEN];	/* requestId */
	const void		*route;		/* the api's, once matched */
	const char		*param;
	size_t			 paramlen;
	/*
	 * An internal request (api_mcp.c) has no connection: its answer
	 * (status, body) goes to sink instead, headers dropped.
	 */
	void			(*sink)(struct http_req *, int, const char *,
				    size_t);
	void			*sink_arg;
	uint64_t		 t0_us;		/* complete: monotonic */
};

struct http_limits {
	size_t		max_head;
	size_t		max_body;
	unsigned int	max_conn;
	int		timeout;	/* seconds for a request to arrive */
	int		header_timeout;	/* seconds for its head */
};

int	http_server_start(struct event_base *, int, const struct http_limits *,
	    void (*)(struct http_req *));
void	http_reply(struct http_req *, int, const char *, const char *,
	    size_t);
/*
 * Called with every answer the handler gives on a connection (not the
 * connection layer's own refusals, not internal requests): the request,
 * its status and the microseconds from its arrival.
 */
void	http_set_observer(void (*)(const struct http_req *, int, uint64_t));
/* Connections accepted plus requests handled, since the start. */
uint64_t http_activity(void);
void	http_reply_type(struct http_req *, int, const char *, const char *,
	    const char *, size_t);
void	http_error(struct http_req *, int, const char *, const char *, int,
	    const char *);
size_t	http_error_body(char *, size_t, const char *, const char *, int,
	    const char *, const char *);

#endif
