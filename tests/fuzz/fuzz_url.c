/*
 * libFuzzer target for common/url.c, the settings' URL parser, checked
 * against libcurl: the parent splits a URL with url_parse() and looks up
 * its host; the api's libcurl connects to its own reading of the same
 * URL and refuses a resolve entry for another host or port.  So every
 * URL url_parse() accepts must be one libcurl accepts, with the same
 * scheme, the very same host text and the same port; and url_domain()
 * must say what libcurl's reading says (the parent's code before
 * common/url.c).  Rejections need a reason.  The input is the URL, in
 * an exact-size NUL-terminated copy.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "url.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The domain as libcurl reads it: host lowercase, port if not default. */
static int
curl_domain(CURLU *u, char *out, size_t len)
{
	char	*host = NULL, *port = NULL, *c;
	int	 n, r = -1;

	if (curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		(void)curl_url_get(u, CURLUPART_PORT, &port,
		    CURLU_NO_DEFAULT_PORT);
		for (c = host; *c != '\0'; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		n = snprintf(out, len, port != NULL ? "%s:%s" : "%s", host,
		    port);
		r = n > 0 && (size_t)n < len ? 0 : -1;
	}
	curl_free(host);
	curl_free(port);
	return r;
}

static void
check_curl(const char *s, const struct url *u)
{
	CURLU		*cu;
	char		*scheme = NULL, *host = NULL, *port = NULL;
	char		 ours[URL_HOST_MAX + 8], theirs[URL_HOST_MAX + 8];
	char		 num[8];

	if ((cu = curl_url()) == NULL)
		abort();
	if (curl_url_set(cu, CURLUPART_URL, s, 0) != CURLUE_OK ||
	    curl_url_get(cu, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(cu, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(cu, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK)
		abort();
	snprintf(num, sizeof(num), "%u", (unsigned)u->port);
	if (strcmp(scheme, u->https ? "https" : "http") != 0 ||
	    strcmp(host, u->host) != 0 || strcmp(port, num) != 0)
		abort();
	if (url_domain(s, ours, sizeof(ours)) == -1 ||
	    curl_domain(cu, theirs, sizeof(theirs)) == -1 ||
	    strcmp(ours, theirs) != 0)
		abort();
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(cu);
}

/*
 * A webhook's target: what is taken parses, its resolve entry fits and
 * names an address; a private one is taken only when allowed.
 */
static void
hook_check(const char *s)
{
	struct url	 u;
	char		 r[512];	/* NET_RESOLVE_MAX */
	const char	*why = NULL;
	int		 pub, priv;

	pub = url_hook_target(s, 0, r, sizeof(r), &why);
	if (pub == -1 && why == NULL)
		abort();
	why = NULL;
	priv = url_hook_target(s, 1, r, sizeof(r), &why);
	if ((priv == -1 && why == NULL) || (pub == 0 && priv != 0))
		abort();
	if (priv == 0 && (url_parse(s, &u, &why) == -1 ||
	    strncmp(r, u.host, strlen(u.host)) != 0 ||
	    memchr(r, '\0', sizeof(r)) == NULL))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct url	 u;
	const char	*why = NULL;
	char		*s, out[URL_HOST_MAX + 8];
	size_t		 len, hlen;

	if (size > URL_MAX + 16)
		return 0;
	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	len = strlen(s);
	hook_check(s);
	if (url_parse(s, &u, &why) == -1) {
		if (why == NULL || url_domain(s, out, sizeof(out)) != -1)
			abort();
		free(s);
		return 0;
	}
	hlen = strlen(u.host);
	/* What was taken is in the URL, the path is its tail. */
	if (hlen == 0 || hlen > URL_HOST_MAX || strstr(s, u.host) == NULL ||
	    u.path < s || u.path > s + len || strlen(u.path) !=
	    len - (size_t)(u.path - s) || u.port == 0 ||
	    (!u.port_given && u.port != (u.https ? 443 : 80)) ||
	    (u.path[0] != '\0' && u.path[0] != '/' && u.path[0] != '?') ||
	    strchr(u.path, '#') != NULL || strchr(u.path, ' ') != NULL ||
	    (u.ipv6 != (u.host[0] == '[')))
		abort();
	check_curl(s, &u);
	free(s);
	return 0;
}
