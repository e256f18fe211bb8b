/*
 * The http(s) URLs of the settings (RPC endpoints, the price source,
 * notification channels, the public address): a strict parser of our
 * own, so that the parent, which only needs a URL's host and port, links
 * no HTTP client.  It accepts a subset of what libcurl accepts and, for
 * what it accepts, finds the same host and port (tests/fuzz/fuzz_url.c
 * checks both against libcurl), so the api's libcurl connects where the
 * parent looked.
 *
 *   scheme    "http" or "https", lowercase
 *   userinfo  optional "user[:password]@" (some providers authenticate
 *             so): unreserved, sub-delims, ':' and %HH only
 *   host      a name (labels of letters, digits, '-' and '_', 1-63
 *             bytes each, no empty one, no trailing dot, at most 253
 *             bytes), a dotted-quad IPv4 address without leading zeros,
 *             or an IPv6 address in brackets written as inet_ntop(3)
 *             writes it (lowercase, "::" where it goes), no zone
 *   port      optional ":" and 1-65535 in decimal, no leading zero
 *   path      optional, from '/' or '?': RFC 3986 path and query
 *             characters and %HH (an API key in the path or the query
 *             is common); no fragment, no space, nothing outside ASCII
 *
 * A host that ends in a label starting with a digit must be an IPv4
 * address: libcurl reads "127.1" or "0x7f.1" as numbers, getaddrinfo(3)
 * too, and a name is never so.
 */
#ifndef WAIAAS_URL_H
#define WAIAAS_URL_H

#include <stddef.h>
#include <stdint.h>

#define URL_MAX		2048	/* bytes with the NUL (= NET_URL_MAX) */
#define URL_HOST_MAX	253	/* a name; an IPv6 address is shorter */

struct url {
	int		 https;
	int		 ipv6;		/* host is "[addr]" */
	int		 port_given;	/* the URL says ":port" */
	uint16_t	 port;		/* the scheme's if not given */
	char		 host[URL_HOST_MAX + 1];	/* as written */
	const char	*path;		/* into the URL: "/...", "?..." or "" */
};

/*
 * 0, or -1 with *why set (a fixed text that never quotes the URL, which
 * may hold a credential).
 */
int	url_parse(const char *, struct url *, const char **);
/*
 * The domain of an http(s) URL as a browser's location.host shows it:
 * host, lowercase, and ":port" unless it is the scheme's default.
 */
int	url_domain(const char *, char *, size_t);
/*
 * A URL as an operator may see it: "user:password@" becomes "***@", a
 * path segment that looks like a key (16 or more of A-Z a-z 0-9 - _, as
 * Infura's, Alchemy's and QuickNode's are) "***", and every query value
 * "***" (the names stay).  The scheme, host, port and the rest of the
 * path stay, so that the endpoint can be recognised.  Returns 1 when
 * something was masked, 0 when nothing was, -1 when the URL does not
 * parse or the result does not fit (out is then "").
 */
#define URL_MASKED	"***"
int	url_mask(const char *, char *, size_t);
/*
 * A URL as a process that must not hold it may see it: scheme, host and
 * port as written, the path and query as "/" and URL_MASKED (a key may be
 * anywhere in them, of any length), no userinfo.  Returns 1 when a path
 * was hidden, 0 when there was none ("" or "/"), -1 when the URL does
 * not parse or the result does not fit (out is then "").
 */
int	url_origin(const char *, char *, size_t);

/*
 * A webhook's URL (POST /v1/webhooks, and relay again before each
 * delivery): an http(s) URL whose host is an IP address literal, not a
 * private, loopback, link-local, multicast or documentation one unless
 * allow_private.  Its CURLOPT_RESOLVE entry ("host:port:addr") in
 * resolve.  0, or -1 with *why (never quoting the URL).
 */
int	url_hook_target(const char *, int, char *, size_t, const char **);
/*
 * An address as inet_ntop(3) writes it: 1 if it is private, loopback,
 * link-local, multicast, reserved or for documentation (not one of the
 * Internet), 0 if it is, -1 if it is not an IPv4 or IPv6 address.
 */
int	url_addr_private(const char *);

#endif
