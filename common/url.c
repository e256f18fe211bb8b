/*
 * A strict http(s) URL parser (url.h says what it takes): byte by byte,
 * bounded, no allocation, no locale.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>

#include "url.h"
#include "util.h"

#define LABEL_MAX	63

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    is_digit(c);
}

/*
 * s[0..len) holds only RFC 3986 unreserved characters, sub-delims, the
 * characters in extra and %HH.
 */
static int
chars_ok(const char *s, size_t len, const char *extra)
{
	size_t	i;
	int	c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (len - i < 3 || hex_digit(s[i + 1]) == -1 ||
			    hex_digit(s[i + 2]) == -1)
				return 0;
			i += 2;
			continue;
		}
		if (c == '\0' || !(is_alnum(c) ||
		    strchr("-._~!$&'()*+,;=", c) != NULL ||
		    strchr(extra, c) != NULL))
			return 0;
	}
	return 1;
}

/* Four decimal parts of 0-255, none with a leading zero. */
static int
ipv4_ok(const char *h, size_t len)
{
	size_t		i, parts = 0, digits = 0;
	unsigned	v = 0;

	for (i = 0; i <= len; i++) {
		if (i == len || h[i] == '.') {
			if (digits == 0 || v > 255)
				return 0;
			parts++;
			digits = 0;
			v = 0;
			continue;
		}
		if (!is_digit(h[i]) || digits == 3 || (digits == 1 && v == 0))
			return 0;
		v = v * 10 + (unsigned)(h[i] - '0');
		digits++;
	}
	return parts == 4;
}

static int
name_ok(const char *h, size_t len)
{
	size_t	i, label = 0, last = 0;

	if (len == 0 || len > URL_HOST_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (h[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
			last = i + 1;
			continue;
		}
		if (!is_alnum((unsigned char)h[i]) && h[i] != '-' &&
		    h[i] != '_')
			return 0;
		if (++label > LABEL_MAX)
			return 0;
	}
	if (label == 0)
		return 0;
	/* A last label that starts with a digit is read as a number. */
	if (is_digit(h[last]))
		return ipv4_ok(h, len);
	return 1;
}

/* The text between the brackets, exactly as inet_ntop(3) writes it. */
static int
ipv6_ok(const char *h, size_t len)
{
	struct in6_addr	a;
	char		in[INET6_ADDRSTRLEN], out[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(in))
		return 0;
	memcpy(in, h, len);
	in[len] = '\0';
	if (inet_pton(AF_INET6, in, &a) != 1 ||
	    inet_ntop(AF_INET6, &a, out, sizeof(out)) == NULL)
		return 0;
	return strcmp(in, out) == 0;
}

/* 1-65535, decimal, no leading zero. */
static int
port_parse(const char *p, size_t len, uint16_t *port)
{
	unsigned long	v = 0;
	size_t		i;

	if (len == 0 || len > 5 || p[0] == '0')
		return 0;
	for (i = 0; i < len; i++) {
		if (!is_digit(p[i]))
			return 0;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v > 65535)
		return 0;
	*port = (uint16_t)v;
	return 1;
}

int
url_parse(const char *s, struct url *u, const char **why)
{
	const char	*auth, *end, *at, *hs, *he;
	size_t		 len;

	memset(u, 0, sizeof(*u));
	u->path = "";
	if ((len = strnlen(s, URL_MAX)) >= URL_MAX) {
		*why = "URL too long";
		return -1;
	}
	if (strncmp(s, "https://", 8) == 0) {
		u->https = 1;
		auth = s + 8;
	} else if (strncmp(s, "http://", 7) == 0)
		auth = s + 7;
	else {
		*why = "URL is not http or https";
		return -1;
	}
	/* As libcurl: the authority ends at the first '/', '?' or '#'. */
	end = auth + strcspn(auth, "/?#");
	hs = auth;
	if ((at = memchr(auth, '@', (size_t)(end - auth))) != NULL) {
		if (at == auth || !chars_ok(auth, (size_t)(at - auth), ":")) {
			*why = "URL has a bad user name or password";
			return -1;
		}
		hs = at + 1;
	}
	if (*hs == '[') {
		if ((he = memchr(hs, ']', (size_t)(end - hs))) == NULL ||
		    !ipv6_ok(hs + 1, (size_t)(he - hs - 1))) {
			*why = "URL has no usable host";
			return -1;
		}
		he++;
		u->ipv6 = 1;
	} else {
		if ((he = memchr(hs, ':', (size_t)(end - hs))) == NULL)
			he = end;
		if (!name_ok(hs, (size_t)(he - hs))) {
			*why = "URL has no usable host";
			return -1;
		}
	}
	/* Both kinds are at most URL_HOST_MAX bytes (name_ok, ipv6_ok). */
	memcpy(u->host, hs, (size_t)(he - hs));
	u->host[he - hs] = '\0';
	if (he < end) {
		if (*he != ':' || !port_parse(he + 1, (size_t)(end - he - 1),
		    &u->port)) {
			*why = "URL has a bad port (1-65535)";
			return -1;
		}
		u->port_given = 1;
	} else
		u->port = u->https ? 443 : 80;
	/* Path and query; a fragment ('#') never reaches the server. */
	if (!chars_ok(end, len - (size_t)(end - s), "/?:@")) {
		*why = "URL has a character it may not have (a space, a "
		    "fragment, a bad %-escape)";
		return -1;
	}
	u->path = end;
	return 0;
}

int
url_domain(const char *s, char *out, size_t len)
{
	struct url	 u;
	const char	*why;
	char		*c;
	int		 n;

	if (url_parse(s, &u, &why) == -1)
		return -1;
	for (c = u.host; *c != '\0'; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	if (u.port_given && u.port != (u.https ? 443 : 80))
		n = snprintf(out, len, "%s:%u", u.host, (unsigned)u.port);
	else
		n = snprintf(out, len, "%s", u.host);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

int
url_origin(const char *s, char *out, size_t len)
{
	struct url	 u;
	const char	*why;
	int		 n, rest;

	if (url_parse(s, &u, &why) == -1)
		return -1;
	rest = u.path[0] != '\0' && strcmp(u.path, "/") != 0;
	if (u.port_given)
		n = snprintf(out, len, "%s://%s:%u%s", u.https ? "https" :
		    "http", u.host, (unsigned)u.port, rest ? "/" URL_MASKED :
		    u.path);
	else
		n = snprintf(out, len, "%s://%s%s", u.https ? "https" : "http",
		    u.host, rest ? "/" URL_MASKED : u.path);
	if (n < 0 || (size_t)n >= len) {
		if (len > 0)
			out[0] = '\0';
		return -1;
	}
	return rest;
}

/* Append n bytes of s; -1 when they do not fit. */
static int
put(char *out, size_t len, size_t *o, const char *s, size_t n)
{
	if (*o + n >= len)
		return -1;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
	return 0;
}

/* A path segment an operator would not want shown: a provider's key. */
static int
key_like(const char *s, size_t n)
{
	size_t	i;

	if (n < 16)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

int
url_mask(const char *s, char *out, size_t len)
{
	struct url	 u;
	const char	*why, *p, *e, *at, *hs;
	size_t		 o = 0, n;
	int		 masked = 0, first;

	if (len == 0)
		return -1;
	out[0] = '\0';
	if (url_parse(s, &u, &why) == -1)
		return -1;
	hs = strstr(s, "://") + 3;
	/* userinfo: what comes before an '@' ahead of the path */
	at = memchr(hs, '@', (size_t)(u.path - hs));
	if (put(out, len, &o, s, (size_t)(hs - s)) == -1)
		goto full;
	if (at != NULL) {
		if (put(out, len, &o, URL_MASKED "@", 4) == -1)
			goto full;
		masked = 1;
		hs = at + 1;
	}
	if (put(out, len, &o, hs, (size_t)(u.path - hs)) == -1)
		goto full;
	/* the path, segment by segment, up to the query */
	for (p = u.path; *p != '\0' && *p != '?'; p = e) {
		if (*p == '/' && put(out, len, &o, "/", 1) == -1)
			goto full;
		if (*p == '/')
			p++;
		for (e = p; *e != '\0' && *e != '/' && *e != '?'; e++)
			;
		n = (size_t)(e - p);
		if (key_like(p, n)) {
			masked = 1;
			if (put(out, len, &o, URL_MASKED, 3) == -1)
				goto full;
		} else if (put(out, len, &o, p, n) == -1)
			goto full;
	}
	if (*p != '?')
		return masked;
	/* the query: each name kept, each value masked */
	for (p++, first = 1; ; p = e + 1, first = 0) {
		if (put(out, len, &o, first ? "?" : "&", 1) == -1)
			goto full;
		for (e = p; *e != '\0' && *e != '&'; e++)
			;
		at = memchr(p, '=', (size_t)(e - p));
		n = at != NULL ? (size_t)(at - p) : (size_t)(e - p);
		if (put(out, len, &o, p, n) == -1)
			goto full;
		if (at != NULL && at + 1 < e) {
			masked = 1;
			if (put(out, len, &o, "=" URL_MASKED, 4) == -1)
				goto full;
		} else if (at != NULL && put(out, len, &o, "=", 1) == -1)
			goto full;
		if (*e == '\0')
			break;
	}
	return masked;
full:
	out[0] = '\0';
	return -1;
}

/* 1 if a v4 address (network order bytes) is not one of the Internet. */
static int
v4_private(const unsigned char a[4])
{
	return a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224 ||
	    (a[0] == 100 && (a[1] & 0xc0) == 64) ||
	    (a[0] == 169 && a[1] == 254) ||
	    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	    (a[0] == 192 && a[1] == 168) ||
	    (a[0] == 192 && a[1] == 0 && (a[2] == 0 || a[2] == 2)) ||
	    (a[0] == 198 && (a[1] & 0xfe) == 18) ||
	    (a[0] == 198 && a[1] == 51 && a[2] == 100) ||
	    (a[0] == 203 && a[1] == 0 && a[2] == 113);
}

int
url_addr_private(const char *text)
{
	static const unsigned char	 mapped[12] = { 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0xff, 0xff };
	unsigned char			 a[16];

	if (inet_pton(AF_INET, text, a) == 1)
		return v4_private(a);
	if (inet_pton(AF_INET6, text, a) != 1)
		return -1;
	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		return v4_private(a + 12);
	/* ULA, multicast, link-local, unspecified and loopback,
	 * documentation, NAT64 */
	return (a[0] & 0xfe) == 0xfc || a[0] == 0xff ||
	    (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
	    memcmp(a, in6addr_any.s6_addr, 15) == 0 ||
	    (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) ||
	    (a[0] == 0 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b);
}

int
url_hook_target(const char *s, int allow_private, char *resolve,
    size_t rlen, const char **why)
{
	struct url			 u;
	char				 inner[URL_HOST_MAX + 1];
	size_t				 len;
	int				 priv, n;

	if (url_parse(s, &u, why) == -1)
		return -1;
	if (u.ipv6) {
		len = strlen(u.host);
		if (len < 3 || len - 2 >= sizeof(inner))
			goto name;
		memcpy(inner, u.host + 1, len - 2);
		inner[len - 2] = '\0';
		if ((priv = url_addr_private(inner)) == -1)
			goto name;
	} else if ((priv = url_addr_private(u.host)) == -1)
		goto name;
	if (priv && !allow_private) {
		*why = "a private, loopback, link-local or reserved address "
		    "(notifications.webhooks_allow_private allows them)";
		return -1;
	}
	n = snprintf(resolve, rlen, "%s:%u:%s", u.host, u.port, u.ipv6 ?
	    inner : u.host);
	if (n < 0 || (size_t)n >= rlen) {
		*why = "URL too long";
		return -1;
	}
	return 0;
name:
	*why = "the host must be an IP address (relay has no resolver)";
	return -1;
}
