/*
 * The api's own pages, compiled in by scripts/embed.sh and served by the
 * api itself, without auth, the same bytes for every request (nothing of
 * the request is written into them):
 *
 * GET /approve/<txId>: the page the owner opens from a notification to
 * approve or reject a transaction with their own wallet (approve.html).
 * Served here it reads what it shows from GET
 * /v1/transactions/<id>/approval; the same file served anywhere else
 * reads it from its link's fragment and posts to the reply topic (see
 * the file).  The link grants nothing; only the owner's signature,
 * checked by policyd, approves.
 *
 * GET /reference: the API reference (reference.html), rendered in the
 * browser from GET /doc.
 *
 * A page's headers allow its own one <style> and one <script>, by their
 * SHA-256, and requests to this origin only; no framing (no
 * clickjacking of the Approve button), no referrer.
 *
 * GET /admin, /admin/admin.js, /admin/admin.css: the operator's page
 * (admin.html, admin.js, admin.css), static and public: everything it
 * shows it reads from the masterAuth routes with the password the
 * operator types, which the script keeps in memory only.  Its script
 * and style are files of this origin ('self'), so the policy has no
 * hash to keep in step and no inline script or style at all.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api.h"
#include "keystore.h"
#include "log.h"

#include "approve_html.h"
#include "reference_html.h"
#include "admin_html.h"
#include "admin_js.h"
#include "admin_css.h"

#define CSP_MAX		640

static char	approve_headers[CSP_MAX + 256];
static char	reference_headers[CSP_MAX + 256];

/*
 * The 'sha256-<base64>' source of the one element of that name in the
 * page: the bytes between its open and close tags, as the browser hashes
 * them.  A page without exactly one is a build mistake.
 */
static void
element_hash(const char *name, const char *html, const char *open,
    const char *close, char *out, size_t len)
{
	const char	*b, *e;
	uint8_t		 h[crypto_hash_sha256_BYTES];
	char		 b64[sodium_base64_ENCODED_LEN(sizeof(h),
			    sodium_base64_VARIANT_ORIGINAL)];

	if ((b = strstr(html, open)) == NULL ||
	    strstr(b + 1, open) != NULL ||
	    (e = strstr(b, close)) == NULL)
		fatalx("%s: not exactly one %s ... %s", name, open, close);
	b += strlen(open);
	crypto_hash_sha256(h, (const uint8_t *)b, (size_t)(e - b));
	sodium_bin2base64(b64, sizeof(b64), h, sizeof(h),
	    sodium_base64_VARIANT_ORIGINAL);
	if ((size_t)snprintf(out, len, "'sha256-%s'", b64) >= len)
		fatalx("%s: hash source too long", name);
}

/*
 * A page that also works away from this daemon (approve.html) carries
 * its own policy in a meta element, with the same two hashes
 * (scripts/page_csp.py writes them): a stale one is a build mistake.
 */
static void
meta_check(const char *name, const char *html, const char *script,
    const char *style)
{
	static const char	 meta[] =
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"";
	const char		*b, *e;
	char			 policy[CSP_MAX];

	if ((b = strstr(html, meta)) == NULL || strstr(b + 1, meta) != NULL)
		fatalx("%s: not exactly one meta Content-Security-Policy",
		    name);
	b += sizeof(meta) - 1;
	if ((e = strchr(b, '"')) == NULL || (size_t)(e - b) >= sizeof(policy))
		fatalx("%s: meta Content-Security-Policy malformed", name);
	memcpy(policy, b, (size_t)(e - b));
	policy[e - b] = '\0';
	if (strstr(policy, script) == NULL || strstr(policy, style) == NULL)
		fatalx("%s: its meta Content-Security-Policy does not carry "
		    "the hashes of its script and style (run "
		    "scripts/page_csp.py)", name);
}

static void
page_headers(const char *name, const char *html, char *out, size_t len)
{
	char	script[64], style[64];
	int	n;

	element_hash(name, html, "<script>", "</script>", script,
	    sizeof(script));
	element_hash(name, html, "<style>", "</style>", style, sizeof(style));
	if (strcmp(name, "approve.html") == 0)
		meta_check(name, html, script, style);
	n = snprintf(out, len,
	    "Content-Security-Policy: default-src 'none'; script-src %s; "
	    "style-src %s; connect-src 'self'; img-src 'none'; "
	    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "Cross-Origin-Opener-Policy: same-origin\r\n"
	    "Cross-Origin-Resource-Policy: same-origin\r\n",
	    script, style);
	if (n < 0 || (size_t)n >= len)
		fatalx("%s: headers too long", name);
}

void
api_page_init(void)
{
	page_headers("approve.html", approve_html, approve_headers,
	    sizeof(approve_headers));
	page_headers("reference.html", reference_html, reference_headers,
	    sizeof(reference_headers));
}

/*
 * The admin page's three files carry the same headers: its policy lets
 * in script and style from this origin only (the two files below),
 * fetches to this origin, no plugin, frame or form target.  img-src
 * allows 'self' and data: for the browser's own icons; the page itself
 * makes no image.
 */
static const char admin_headers[] =
    "Content-Security-Policy: default-src 'none'; script-src 'self'; "
    "style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: no-referrer\r\n"
    "Cross-Origin-Opener-Policy: same-origin\r\n"
    "Cross-Origin-Resource-Policy: same-origin\r\n";

void
api_admin_page(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	(void)param;
	(void)plen;
	switch (rt->id) {
	case R_ADMIN_PAGE:
		http_reply_type(req, 200, "text/html; charset=utf-8",
		    admin_headers, admin_html, sizeof(admin_html) - 1);
		break;
	case R_ADMIN_JS:
		http_reply_type(req, 200, "text/javascript; charset=utf-8",
		    admin_headers, admin_js, sizeof(admin_js) - 1);
		break;
	case R_ADMIN_CSS:
		http_reply_type(req, 200, "text/css; charset=utf-8",
		    admin_headers, admin_css, sizeof(admin_css) - 1);
		break;
	default:
		fatalx("api_admin_page: route %s", rt->name);
	}
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
	http_reply_type(req, 200, "text/html; charset=utf-8", approve_headers,
	    approve_html, sizeof(approve_html) - 1);
}

void
api_reference_page(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	(void)rt;
	(void)param;
	(void)plen;
	http_reply_type(req, 200, "text/html; charset=utf-8",
	    reference_headers, reference_html, sizeof(reference_html) - 1);
}
