/*
 * The parent's look-ups for the sandboxed processes: the api and relay
 * have no resolver (chrooted, no DNS, no thread), so libcurl there must
 * find every host name in the request's CURLOPT_RESOLVE entry, which the
 * parent computes here at start and again every resolve_interval.  The
 * URL is split by common/url.c: the parent links no HTTP client.
 *
 * The URL may carry an API key: it never appears in an error message.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "resolve.h"
#include "url.h"
#include "util.h"

#define ADDRS_MAX		32	/* distinct addresses looked at */

/* Append s to out at *off; -1 if it does not fit. */
static int
append(char *out, size_t outlen, size_t *off, const char *s)
{
	size_t	len = strlen(s);

	if (len >= outlen - *off)
		return -1;
	memcpy(out + *off, s, len + 1);
	*off += len;
	return 0;
}

/*
 * A look-up that may be given up on: getaddrinfo_a(3) in glibc's own
 * thread, waited for at most timeout_ms.  A look-up given up on keeps
 * running (it cannot always be cancelled), so its control block is
 * static and the next call waits for nothing while it still runs.
 */
static struct {
	struct gaicb	cb;
	struct addrinfo	hints;
	char		name[URL_HOST_MAX + 1];
	char		port[8];
	int		busy;
} slow;

static int
lookup_bounded(const char *name, const char *port, int timeout_ms,
    struct addrinfo **res, int *stalled)
{
	struct gaicb	*list[1] = { &slow.cb };
	struct timespec	 ts, start, now;
	long		 left;
	int		 gai;

	*res = NULL;
	if (slow.busy) {
		if (gai_error(&slow.cb) == EAI_INPROGRESS) {
			*stalled = 1;
			return EAI_AGAIN;
		}
		if (slow.cb.ar_result != NULL)
			freeaddrinfo(slow.cb.ar_result);
		slow.busy = 0;
	}
	memset(&slow.cb, 0, sizeof(slow.cb));
	memset(&slow.hints, 0, sizeof(slow.hints));
	slow.hints.ai_family = AF_UNSPEC;
	slow.hints.ai_socktype = SOCK_STREAM;
	slow.hints.ai_flags = AI_NUMERICSERV;
	strlcpy(slow.name, name, sizeof(slow.name));
	strlcpy(slow.port, port, sizeof(slow.port));
	slow.cb.ar_name = slow.name;
	slow.cb.ar_service = slow.port;
	slow.cb.ar_request = &slow.hints;
	if ((gai = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL)) != 0)
		return gai;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while ((gai = gai_error(&slow.cb)) == EAI_INPROGRESS) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout_ms - ((now.tv_sec - start.tv_sec) * 1000L +
		    (now.tv_nsec - start.tv_nsec) / 1000000L);
		if (left <= 0)
			break;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000L;
		(void)gai_suspend((const struct gaicb *const *)list, 1, &ts);
	}
	if (gai == EAI_INPROGRESS) {
		if (gai_cancel(&slow.cb) != EAI_CANCELED)
			slow.busy = 1;	/* collected by a later call */
		*stalled = 1;
		return EAI_AGAIN;
	}
	*res = slow.cb.ar_result;
	slow.cb.ar_result = NULL;
	return gai;
}

int
resolve_entry(const char *url, char *out, size_t outlen, char *err,
    size_t errlen)
{
	return resolve_entry_bounded(url, 0, NULL, out, outlen, err, errlen);
}

int
resolve_entry_bounded(const char *url, int timeout_ms, int *stalled,
    char *out, size_t outlen, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 addr[INET6_ADDRSTRLEN + 2], name[URL_HOST_MAX + 1];
	char		 seen[ADDRS_MAX][INET6_ADDRSTRLEN + 2];
	char		 port[8];
	struct url	 u;
	const char	*why;
	size_t		 off = 0, hlen, nseen = 0, i, mark;
	int		 r = -1, gai, n = 0;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	if (url_parse(url, &u, &why) == -1) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	snprintf(port, sizeof(port), "%u", (unsigned)u.port);
	/* getaddrinfo() wants an IPv6 literal without its brackets. */
	hlen = strlen(u.host);
	if (u.ipv6) {
		memcpy(name, u.host + 1, hlen - 2);
		name[hlen - 2] = '\0';
	} else
		strlcpy(name, u.host, sizeof(name));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (stalled != NULL)
		*stalled = 0;
	if (timeout_ms > 0 && stalled != NULL)
		gai = lookup_bounded(name, port, timeout_ms, &res, stalled);
	else
		gai = getaddrinfo(name, port, &hints, &res);
	if (stalled != NULL && *stalled) {
		snprintf(err, errlen, "DNS did not answer within %d ms",
		    timeout_ms);
		goto out;
	}
	if (gai != 0) {
		snprintf(err, errlen, "cannot resolve the RPC host: %s",
		    gai_strerror(gai));
		goto out;
	}
	if (append(out, outlen, &off, u.host) == -1 ||
	    append(out, outlen, &off, ":") == -1 ||
	    append(out, outlen, &off, port) == -1 ||
	    append(out, outlen, &off, ":") == -1) {
		snprintf(err, errlen, "resolve entry too long");
		goto out;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			if (inet_ntop(AF_INET, &((struct sockaddr_in *)
			    (void *)ai->ai_addr)->sin_addr, addr,
			    sizeof(addr)) == NULL)
				continue;
		} else if (ai->ai_family == AF_INET6) {
			addr[0] = '[';
			if (inet_ntop(AF_INET6, &((struct sockaddr_in6 *)
			    (void *)ai->ai_addr)->sin6_addr, addr + 1,
			    sizeof(addr) - 2) == NULL)
				continue;
			strlcat(addr, "]", sizeof(addr));
		} else
			continue;
		for (i = 0; i < nseen; i++)
			if (strcmp(seen[i], addr) == 0)
				break;
		if (i < nseen)
			continue;
		if (nseen < ADDRS_MAX)
			strlcpy(seen[nseen++], addr, sizeof(seen[0]));
		/* What does not fit is left out; one address is enough. */
		mark = off;
		if ((n > 0 && append(out, outlen, &off, ",") == -1) ||
		    append(out, outlen, &off, addr) == -1) {
			out[mark] = '\0';
			off = mark;
			break;
		}
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "the RPC host has no usable address");
		goto out;
	}
	r = 0;
out:
	if (r == -1)
		out[0] = '\0';
	if (res != NULL)
		freeaddrinfo(res);
	return r;
}
