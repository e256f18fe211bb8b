/*
 * GET /approve/<txId>: the page the owner opens from a notification to
 * approve or reject a transaction with their own wallet (api/approve.html,
 * compiled in by scripts/embed.sh).  The api serves it by itself, without
 * auth: the page is the same for every transaction and reads what it
 * shows from GET /v1/transactions/<id>/approval, so nothing of the
 * request is written into it.  The link grants nothing; only the owner's
 * signature, checked by policyd, approves.
 *
 * Its headers allow the page's own one <style> and one <script>, by
 * their SHA-256, and requests to this origin only; no framing (no
 * clickjacking of the Approve button), no referrer, no caching.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api.h"
#include "keystore.h"
#include "log.h"

#include "approve_html.h"

#define CSP_MAX		640

static char	headers[CSP_MAX + 256];

/*
 * The 'sha256-<base64>' source of the one element of that name in the
 * page: the bytes between its open and close tags, as the browser hashes
 * them.  A page without exactly one is a build mistake.
 */
static void
element_hash(const char *open, const char *close, char *out, size_t len)
{
	const char	*b, *e;
	uint8_t		 h[crypto_hash_sha256_BYTES];
	char		 b64[sodium_base64_ENCODED_LEN(sizeof(h),
			    sodium_base64_VARIANT_ORIGINAL)];

	if ((b = strstr(approve_html, open)) == NULL ||
	    strstr(b + 1, open) != NULL ||
	    (e = strstr(b, close)) == NULL)
		fatalx("approve.html: not exactly one %s ... %s", open, close);
	b += strlen(open);
	crypto_hash_sha256(h, (const uint8_t *)b, (size_t)(e - b));
	sodium_bin2base64(b64, sizeof(b64), h, sizeof(h),
	    sodium_base64_VARIANT_ORIGINAL);
	if ((size_t)snprintf(out, len, "'sha256-%s'", b64) >= len)
		fatalx("approve.html: hash source too long");
}

void
api_approve_init(void)
{
	char	script[64], style[64];
	int	n;

	element_hash("<script>", "</script>", script, sizeof(script));
	element_hash("<style>", "</style>", style, sizeof(style));
	n = snprintf(headers, sizeof(headers),
	    "Content-Security-Policy: default-src 'none'; script-src %s; "
	    "style-src %s; connect-src 'self'; img-src 'none'; "
	    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "Cross-Origin-Opener-Policy: same-origin\r\n"
	    "Cross-Origin-Resource-Policy: same-origin\r\n",
	    script, style);
	if (n < 0 || (size_t)n >= sizeof(headers))
		fatalx("approve page headers too long");
}

void
api_approve_page(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	(void)rt;
	/*
	 * Only a transaction id (a lowercase UUID) gets the page; anything
	 * else is the documented JSON error, which never quotes it.
	 */
	if (!ks_valid_id(param, plen)) {
		http_error(req, 404, "TX_NOT_FOUND", "not a transaction id",
		    0, NULL);
		return;
	}
	http_reply_type(req, 200, "text/html; charset=utf-8", headers,
	    approve_html, sizeof(approve_html) - 1);
}
