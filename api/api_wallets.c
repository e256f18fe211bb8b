/*
 * Shape checks for the wallet and session routes.  The api checks what
 * it is sent and forwards a canonical body with the credential; policyd
 * decides.  Imported keys and passwords are wiped once forwarded.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api.h"
#include "errcodes.h"
#include "log.h"
#include "util.h"

static size_t
utf8_chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static int
is_hex_key(const char *s, size_t len)
{
	size_t	i;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		len -= 2;
	}
	if (len != 64)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')))
			return 0;
	return 1;
}

static int
is_base58(const char *s, size_t len)
{
	size_t	i;

	if (len < 64 || len > 90)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] == '\0' || strchr("123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
		    "abcdefghijkmnopqrstuvwxyz", s[i]) == NULL)
			return 0;
	return 1;
}

/* A name: 1 to 100 characters, no control characters. */
int
api_check_name(json_t *v, struct api_issues *is, const char *path)
{
	return api_check_text(v, is, path, 100);
}

/* A string of 1 to maxchars characters (4 bytes each at most), no
 * control characters. */
int
api_check_text(json_t *v, struct api_issues *is, const char *path,
    size_t maxchars)
{
	const char	*s;
	char		 msg[64];
	size_t		 i;

	if (!json_is_string(v) || (s = json_string_value(v))[0] == '\0' ||
	    utf8_chars(s) > maxchars || strlen(s) > maxchars * 4 ||
	    json_string_length(v) != strlen(s)) {
		snprintf(msg, sizeof(msg), "a string of 1 to %zu characters",
		    maxchars);
		api_issue(is, path, msg);
		return 0;
	}
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			api_issue(is, path, "control characters are not "
			    "allowed");
			return 0;
		}
	return 1;
}

/* An enumerated string member with a default; sets *out to its index. */
static void
enum_field(json_t *body, const char *key, const char *const *vals,
    int dflt, json_t *out, struct api_issues *is, const char *expect)
{
	json_t	*v = json_object_get(body, key);
	int	 i;

	if (v == NULL) {
		json_object_set_new(out, key, json_string(vals[dflt]));
		return;
	}
	for (i = 0; vals[i] != NULL; i++)
		if (json_is_string(v) && strcmp(json_string_value(v),
		    vals[i]) == 0) {
			json_object_set_new(out, key, json_string(vals[i]));
			return;
		}
	api_issue(is, key, expect);
}

/*
 * The reference's smart accounts (ERC-4337): not here, every wallet is
 * a plain key; accountType "eoa" says just that and is taken.  A
 * provider API key given is named, never echoed.
 */
static void
smart_account(json_t *body, struct api_issues *is)
{
	static const char *const	 aa[] = { "aaProvider",
		"aaProviderApiKey", "aaBundlerUrl", "aaPaymasterUrl",
		"aaPaymasterPolicyId" };
	json_t				*v;
	size_t				 i;

	for (i = 0; i < sizeof(aa) / sizeof(aa[0]); i++)
		api_unsupported(body, is, aa[i], "smart accounts (ERC-4337); "
		    "every wallet here is a plain key (accountType eoa)");
	if ((v = json_object_get(body, "accountType")) == NULL)
		return;
	if (json_is_string(v) && strcmp(json_string_value(v), "eoa") == 0)
		json_object_del(body, "accountType");
	else if (json_is_string(v) && strcmp(json_string_value(v), "smart") ==
	    0)
		api_unsupported(body, is, "accountType", "smart accounts "
		    "(ERC-4337); every wallet here is a plain key (eoa)");
	else
		api_issue(is, "accountType", "one of eoa, smart");
}

static void
wallet_create(struct http_req *req, const struct route *rt, int import)
{
	static const char *const chains[] = { "solana", "ethereum", NULL };
	static const char *const envs[] = { "testnet", "mainnet", NULL };
	struct api_issues	 is;
	json_t			*body, *out, *v;
	const char		*key;
	size_t			 klen;

	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	if ((out = json_object()) == NULL)
		fatalx("json_object");
	smart_account(body, &is);
	if (json_is_string(v = json_object_get(body, "chain")) &&
	    strcmp(json_string_value(v), "ripple") == 0)
		api_unsupported(body, &is, "chain", "ripple: this daemon "
		    "serves solana and ethereum wallets only");
	api_only_fields(body, &is, "name", "chain", "environment",
	    "createSession", import ? "privateKey" : NULL, NULL);
	if ((v = json_object_get(body, "name")) == NULL)
		api_issue(&is, "name", "required");
	else if (api_check_name(v, &is, "name"))
		json_object_set(out, "name", v);
	enum_field(body, "chain", chains, 0, out, &is, "one of solana, "
	    "ethereum");
	enum_field(body, "environment", envs, 0, out, &is, "one of testnet, "
	    "mainnet");
	if ((v = json_object_get(body, "createSession")) == NULL)
		json_object_set_new(out, "createSession", json_true());
	else if (!json_is_boolean(v))
		api_issue(&is, "createSession", "a boolean");
	else
		json_object_set(out, "createSession", v);
	if (import) {
		v = json_object_get(body, "privateKey");
		key = json_string_value(v);
		klen = json_string_length(v);
		if (v == NULL)
			api_issue(&is, "privateKey", "required");
		else if (!json_is_string(v))
			api_issue(&is, "privateKey", "a string");
		else if (json_object_get(out, "chain") != NULL && strcmp(
		    json_string_value(json_object_get(out, "chain")),
		    "ethereum") == 0 ? !is_hex_key(key, klen) :
		    !is_base58(key, klen))
			api_issue(&is, "privateKey", "32 bytes of hex (with "
			    "or without 0x) for ethereum, base58 of the "
			    "64-byte secret key for solana");
		else
			json_object_set(out, "privateKey", v);
	}
	json_decref(body);
	api_submit(req, rt, NULL, 0, &is, out);
}

void
api_wallets_create(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	(void)param;
	(void)plen;
	wallet_create(req, rt, 0);
}

void
api_wallets_import(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	(void)param;
	(void)plen;
	wallet_create(req, rt, 1);
}

/* PUT /v1/wallets/{id}: {name} */
void
api_wallets_rename(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*body, *out, *v;

	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	out = json_object();
	api_only_fields(body, &is, "name", NULL);
	if ((v = json_object_get(body, "name")) == NULL)
		api_issue(&is, "name", "required");
	else if (api_check_name(v, &is, "name"))
		json_object_set(out, "name", v);
	json_decref(body);
	api_submit(req, rt, param, plen, &is, out);
}

long long	api_ttl_min = 300;

/* An integer member within [lo, hi], copied to out when present. */
static void
int_field(json_t *body, const char *key, json_int_t lo, json_int_t hi,
    json_t *out, struct api_issues *is)
{
	json_t	*v = json_object_get(body, key);
	char	 msg[96];

	if (v == NULL)
		return;
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi) {
		snprintf(msg, sizeof(msg), "an integer from %lld to %lld",
		    (long long)lo, (long long)hi);
		api_issue(is, key, msg);
		return;
	}
	json_object_set(out, key, v);
}

/* POST /v1/mcp/tokens: {walletId, expiresIn?}, forwarded as
 * {walletId, ttl?}. */
void
api_mcp_token(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*body, *out, *v;

	(void)param;
	(void)plen;
	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	out = json_object();
	api_only_fields(body, &is, "walletId", "expiresIn", NULL);
	if ((v = json_object_get(body, "walletId")) == NULL)
		api_issue(&is, "walletId", "required");
	else if (!json_is_string(v) || !ks_valid_id(json_string_value(v),
	    json_string_length(v)))
		api_issue(&is, "walletId", "a wallet id");
	else
		json_object_set(out, "walletId", v);
	if ((v = json_object_get(body, "expiresIn")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) <
		    api_ttl_min || json_integer_value(v) > 31536000)
			api_issue(&is, "expiresIn", "an integer of seconds "
			    "from security.session_ttl_min (300) to 31536000");
		else
			json_object_set(out, "ttl", v);
	}
	json_decref(body);
	api_submit(req, rt, NULL, 0, &is, out);
}

/* POST /v1/sessions: {walletId | walletIds[], ttl?, maxRenewals?,
 * absoluteLifetime?} */
void
api_sessions_create(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*body, *out, *v, *ids, *e;
	size_t			 i;

	(void)param;
	(void)plen;
	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	out = json_object();
	ids = json_array();
	/* No constraints (null or {}) is what every session here has. */
	if ((v = json_object_get(body, "constraints")) != NULL &&
	    (json_is_null(v) || (json_is_object(v) &&
	    json_object_size(v) == 0)))
		json_object_del(body, "constraints");
	api_unsupported(body, &is, "constraints", "per-session constraints; "
	    "policies (POST /v1/policies) bound what a session's wallets "
	    "may do");
	api_only_fields(body, &is, "walletId", "walletIds", "ttl",
	    "maxRenewals", "absoluteLifetime", NULL);
	if ((v = json_object_get(body, "walletId")) != NULL) {
		if (!json_is_string(v) || !ks_valid_id(json_string_value(v),
		    json_string_length(v)))
			api_issue(&is, "walletId", "a wallet id");
		else
			json_array_append(ids, v);
	}
	if ((v = json_object_get(body, "walletIds")) != NULL) {
		if (!json_is_array(v) || json_array_size(v) == 0 ||
		    json_array_size(v) > 64)
			api_issue(&is, "walletIds", "an array of 1 to 64 "
			    "wallet ids");
		else
			json_array_foreach(v, i, e) {
				if (!json_is_string(e) || !ks_valid_id(
				    json_string_value(e),
				    json_string_length(e))) {
					api_issue(&is, "walletIds", "an array "
					    "of wallet ids");
					break;
				}
				json_array_append(ids, e);
			}
	}
	if (json_object_get(body, "walletId") == NULL &&
	    json_object_get(body, "walletIds") == NULL)
		api_issue(&is, "walletId", "walletId or walletIds is "
		    "required");
	int_field(body, "ttl", api_ttl_min, 31536000, out, &is);
	int_field(body, "maxRenewals", 0, 1000000, out, &is);
	/* Any lifetime: shorter than ttl caps the token's expiry too.  The
	 * reference's 0 (no lifetime) is not one this daemon gives. */
	int_field(body, "absoluteLifetime", 1, 10 * 31536000LL, out, &is);
	if (json_is_integer(json_object_get(body, "absoluteLifetime")) &&
	    json_integer_value(json_object_get(body, "absoluteLifetime")) == 0)
		is.hint = ERRHINT_LIFETIME;
	json_object_set_new(out, "walletIds", ids);
	json_decref(body);
	api_submit(req, rt, NULL, 0, &is, out);
}

/* PATCH /v1/wallets/{id}: {monitorIncoming}, the reference's one field. */
void
api_wallets_patch(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*body, *out, *v;

	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	out = json_object();
	api_only_fields(body, &is, "monitorIncoming", NULL);
	if ((v = json_object_get(body, "monitorIncoming")) == NULL)
		api_issue(&is, "monitorIncoming", "required (the one field "
		    "PATCH changes; PUT renames)");
	else if (!json_is_boolean(v))
		api_issue(&is, "monitorIncoming", "a boolean");
	else
		json_object_set(out, "monitorIncoming", v);
	json_decref(body);
	api_submit(req, rt, param, plen, &is, out);
}

/* POST /v1/wallets/{id}/suspend: an optional {reason}, 1 to 200 chars. */
void
api_wallets_suspend(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*body, *out, *v;

	if (req->bodylen == 0) {
		api_forward(req, rt, param, plen, NULL);
		return;
	}
	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	out = json_object();
	api_only_fields(body, &is, "reason", NULL);
	if ((v = json_object_get(body, "reason")) != NULL &&
	    api_check_text(v, &is, "reason", 200))
		json_object_set(out, "reason", v);
	json_decref(body);
	api_submit(req, rt, param, plen, &is, out);
}

/* POST /v1/sessions/{id}/wallets: {walletId}, a wallet's id. */
void
api_sessions_link(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*body, *out, *v;

	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	out = json_object();
	api_only_fields(body, &is, "walletId", NULL);
	if ((v = json_object_get(body, "walletId")) == NULL)
		api_issue(&is, "walletId", "required");
	else if (!json_is_string(v) || !ks_valid_id(json_string_value(v),
	    json_string_length(v)))
		api_issue(&is, "walletId", "a wallet id (a lowercase UUID)");
	else
		json_object_set(out, "walletId", v);
	json_decref(body);
	api_submit(req, rt, param, plen, &is, out);
}
