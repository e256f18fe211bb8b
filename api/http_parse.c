/*
 * The request-head parser: pure, no I/O, fuzzed by
 * tests/fuzz/fuzz_http.c.  Strict on purpose: what a JSON API client
 * sends is simple, and ambiguity in HTTP framing is where request
 * smuggling lives.
 */
#include <string.h>
#include <strings.h>

#include "http.h"

static int
tchar(int c)
{
	if (c >= '0' && c <= '9')
		return 1;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

#define FAIL(st, msg)	do { *why = (msg); return -(st); } while (0)

/*
 * Bytes that can never be part of a head we accept: a NUL, and a CR or
 * LF that is not half of a CRLF.  Checked before the head is complete,
 * so a client using bare LF line endings gets its 400 at once instead
 * of waiting for a blank line we would never see.  A CR in the last
 * byte may still be followed by its LF.
 */
static const char *
head_bytes_bad(const char *buf, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (buf[i] == '\0')
			return "NUL byte in request head";
		if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r'))
			return "bare LF in request head; lines end in CRLF";
		if (buf[i] == '\r' && i + 1 < len && buf[i + 1] != '\n')
			return "bare CR in request head";
	}
	return NULL;
}

/*
 * The first CRLF CRLF: each LF found is checked for the three bytes
 * before it (memmem() with a four-byte needle cost more than the rest
 * of the parse).
 */
static const char *
head_end(const char *buf, size_t len)
{
	const char	*p = buf, *e = buf + len, *nl;

	while ((nl = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		if (nl - buf >= 3 && nl[-1] == '\r' && nl[-2] == '\n' &&
		    nl[-3] == '\r')
			return nl - 3;
		p = nl + 1;
	}
	return NULL;
}

/* RFC 3986 host[:port]: reg-name, IP literal, IPv4; no userinfo. */
static int
host_ok(const char *v, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (!((v[i] >= '0' && v[i] <= '9') ||
		    ((v[i] | 0x20) >= 'a' && (v[i] | 0x20) <= 'z') ||
		    (v[i] != '\0' && strchr("-._~!$&'()*+,;=:[]%", v[i]) !=
		    NULL)))
			return 0;
	return 1;
}

static int
has_token(const char *v, size_t len, const char *tok)
{
	size_t	tl = strlen(tok), i = 0, s;

	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < len && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (i - s == tl && strncasecmp(v + s, tok, tl) == 0)
			return 1;
	}
	return 0;
}

int
http_parse_head(const char *buf, size_t len, size_t maxhead,
    struct http_head *h, const char **why)
{
	const char	*end, *p, *eol, *sp, *colon, *v, *ve, *bad;
	size_t		 headlen;
	int		 have_cl = 0, nhost = 0, conn_close = 0, conn_keep = 0;

	*why = NULL;
	if (len > maxhead)
		len = maxhead;
	if ((end = head_end(buf, len)) == NULL) {
		/* Refuse early what can never become a request. */
		if ((bad = head_bytes_bad(buf, len)) != NULL)
			FAIL(400, bad);
		if (len >= maxhead)
			FAIL(431, "request headers too large");
		return 0;
	}
	headlen = (size_t)(end - buf) + 4;
	if ((bad = head_bytes_bad(buf, headlen)) != NULL)
		FAIL(400, bad);
	memset(h, 0, sizeof(*h));

	/*
	 * Past head_bytes_bad(), every CR in the head starts a CRLF: a
	 * line ends at its first CR.
	 */
	/* Request line: METHOD SP origin-form SP HTTP/1.x CRLF */
	eol = memchr(buf, '\r', headlen);
	if ((sp = memchr(buf, ' ', (size_t)(eol - buf))) == NULL)
		FAIL(400, "malformed request line");
	for (p = buf; p < sp; p++)
		if (!tchar((unsigned char)*p))
			FAIL(400, "malformed method");
	if (sp - buf == 3 && memcmp(buf, "GET", 3) == 0)
		h->method = HTTP_GET;
	else if (sp - buf == 4 && memcmp(buf, "POST", 4) == 0)
		h->method = HTTP_POST;
	else if (sp - buf == 3 && memcmp(buf, "PUT", 3) == 0)
		h->method = HTTP_PUT;
	else if (sp - buf == 6 && memcmp(buf, "DELETE", 6) == 0)
		h->method = HTTP_DELETE;
	else if (sp - buf == 5 && memcmp(buf, "PATCH", 5) == 0)
		h->method = HTTP_PATCH;
	else if (sp == buf)
		FAIL(400, "malformed request line");
	else
		FAIL(501, "method not implemented");

	p = sp + 1;
	if ((sp = memchr(p, ' ', (size_t)(eol - p))) == NULL)
		FAIL(400, "malformed request line");
	if (*p != '/')
		FAIL(400, "request target must be an absolute path");
	if ((size_t)(sp - p) > HTTP_TARGET_MAX)
		FAIL(414, "request target too long");
	h->path = p;
	for (; p < sp; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			FAIL(400, "invalid character in request target");
		if (*p == '?' && h->query == NULL) {
			h->pathlen = (size_t)(p - h->path);
			h->query = p + 1;
		}
	}
	if (h->query == NULL)
		h->pathlen = (size_t)(sp - h->path);
	else
		h->querylen = (size_t)(sp - h->query);
	p = sp + 1;
	if (eol - p != 8 || memcmp(p, "HTTP/1.", 7) != 0) {
		if (eol - p >= 5 && memcmp(p, "HTTP/", 5) == 0)
			FAIL(505, "only HTTP/1.0 and HTTP/1.1 are supported");
		FAIL(400, "malformed request line");
	}
	if (p[7] != '0' && p[7] != '1')
		FAIL(505, "only HTTP/1.0 and HTTP/1.1 are supported");
	h->minor = p[7] - '0';

	/* Header fields, up to the blank line. */
	for (p = eol + 2; p < end + 2; p = eol + 2) {
		eol = memchr(p, '\r', (size_t)(end + 2 - p));
		if (h->nhdr == HTTP_MAX_HEADERS)
			FAIL(431, "too many header fields");
		if ((colon = memchr(p, ':', (size_t)(eol - p))) == NULL ||
		    colon == p)
			FAIL(400, "malformed header field");
		for (v = p; v < colon; v++)
			if (!tchar((unsigned char)*v))
				FAIL(400, "malformed header name");
		v = colon + 1;
		ve = eol;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		for (sp = v; sp < ve; sp++)
			if (((unsigned char)*sp < 0x20 && *sp != '\t') ||
			    *sp == 0x7f)
				FAIL(400, "control character in header value");
		h->hdr[h->nhdr].name = p;
		h->hdr[h->nhdr].namelen = (size_t)(colon - p);
		h->hdr[h->nhdr].value = v;
		h->hdr[h->nhdr].valuelen = (size_t)(ve - v);
		h->nhdr++;

		if (colon - p == 14 &&
		    strncasecmp(p, "content-length", 14) == 0) {
			if (have_cl++)
				FAIL(400, "repeated Content-Length");
			if (v == ve || ve - v > 9)
				FAIL(400, "bad Content-Length");
			for (sp = v; sp < ve; sp++) {
				if (*sp < '0' || *sp > '9')
					FAIL(400, "bad Content-Length");
				h->content_length = h->content_length * 10 +
				    (size_t)(*sp - '0');
			}
		} else if (colon - p == 17 &&
		    strncasecmp(p, "transfer-encoding", 17) == 0)
			FAIL(501, "Transfer-Encoding is not supported; send "
			    "Content-Length");
		else if (colon - p == 4 && strncasecmp(p, "host", 4) == 0) {
			/* Two Hosts could route one request two ways. */
			if (nhost++)
				FAIL(400, "repeated Host");
			if (!host_ok(v, (size_t)(ve - v)))
				FAIL(400, "bad Host");
		} else if (colon - p == 6 &&
		    strncasecmp(p, "expect", 6) == 0)
			h->expect_continue = ve - v == 12 &&
			    strncasecmp(v, "100-continue", 12) == 0;
		else if (colon - p == 10 &&
		    strncasecmp(p, "connection", 10) == 0) {
			conn_close |= has_token(v, (size_t)(ve - v), "close");
			conn_keep |= has_token(v, (size_t)(ve - v),
			    "keep-alive");
		}
	}
	/* RFC 9112 3.2: required in 1.1; a 1.0 client may leave it out. */
	if (h->minor == 1 && nhost == 0)
		FAIL(400, "HTTP/1.1 request without Host");
	h->keepalive = h->minor == 1 ? !conn_close : conn_keep && !conn_close;
	/* A 1.0 client cannot be waiting for a 100 (RFC 9110 10.1.1). */
	if (h->minor == 0)
		h->expect_continue = 0;
	return (int)headlen;
}

const char *
http_header(const struct http_head *h, const char *name, size_t *len)
{
	size_t	n = strlen(name);
	int	i;

	for (i = 0; i < h->nhdr; i++)
		if (h->hdr[i].namelen == n &&
		    strncasecmp(h->hdr[i].name, name, n) == 0) {
			*len = h->hdr[i].valuelen;
			return h->hdr[i].value;
		}
	return NULL;
}

const char *
http_method_name(int m)
{
	switch (m) {
	case HTTP_GET:		return "GET";
	case HTTP_POST:		return "POST";
	case HTTP_PUT:		return "PUT";
	case HTTP_DELETE:	return "DELETE";
	case HTTP_PATCH:	return "PATCH";
	default:		return "?";
	}
}
