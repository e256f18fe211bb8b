/*
 * Shape checks for the ownerAuth routes: the nonce's query, the owner
 * address body, and the owner's proof in a dual-auth recovery body.
 * Which action a nonce may name, what an address means for a wallet's
 * chain and whether a signature holds are policyd's to decide.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "log.h"
#include "util.h"

#define ACTION_CHARS	"abcdefghijklmnopqrstuvwxyz0123456789.-"
#define TARGET_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789-"
#define OWNER_ADDR_MAX	64
#define OWNER_MSG_MAX	8192	/* 4096 bytes, or their base64 */
#define OWNER_SIG_MAX	256

/* One key=value of the query, checked; issues for what is wrong. */
static void
nonce_param(const char *kv, size_t len, struct api_issues *is, int *seen)
{
	static const struct {
		const char	*key;
		const char	*chars;
		size_t		 max;
		const char	*expect;
	} keys[] = {
		{ "action", ACTION_CHARS, 32, "1 to 32 of a-z 0-9 . -" },
		{ "target", TARGET_CHARS, 64, "1 to 64 of A-Z a-z 0-9 -" },
	};
	const char	*eq = memchr(kv, '=', len);
	size_t		 i, kl = eq != NULL ? (size_t)(eq - kv) : len, vl, n;
	char		 key[16];

	snprintf(key, sizeof(key), "%.*s", (int)(kl < 15 ? kl : 15), kv);
	for (i = 0; i < nitems(keys); i++) {
		if (kl != strlen(keys[i].key) ||
		    memcmp(kv, keys[i].key, kl) != 0)
			continue;
		if (seen[i]++) {
			api_issue(is, keys[i].key, "given twice");
			return;
		}
		vl = eq != NULL ? len - kl - 1 : 0;
		for (n = 0; n < vl && strchr(keys[i].chars, eq[1 + n]) !=
		    NULL && eq[1 + n] != '\0'; n++)
			;
		if (vl == 0 || vl > keys[i].max || n != vl)
			api_issue(is, keys[i].key, keys[i].expect);
		return;
	}
	api_issue(is, key, "unknown parameter (action, target)");
}

/* GET /v1/nonce[?action=...&target=...] */
void
api_nonce(struct http_req *req, const struct route *rt, const char *param,
    size_t plen)
{
	const char		*q = req->head.query, *end, *amp;
	struct api_issues	 is;
	int			 seen[2] = { 0, 0 };

	if ((is.list = json_array()) == NULL)
		fatalx("json_array");
	end = q != NULL ? q + req->head.querylen : NULL;
	while (q != NULL && q < end) {
		if ((amp = memchr(q, '&', (size_t)(end - q))) == NULL)
			amp = end;
		if (amp > q)
			nonce_param(q, (size_t)(amp - q), &is, seen);
		q = amp + 1;
	}
	if (seen[1] && !seen[0])
		api_issue(&is, "target", "needs action");
	if (api_issues_reply(req, &is))
		return;
	api_forward(req, rt, param, plen, NULL);
}

/* 1 if s is 1 to max letters and digits (an address's characters). */
static int
alnum(const char *s, size_t len, size_t max)
{
	size_t	i;

	if (len == 0 || len > max || strlen(s) != len)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z')))
			return 0;
	return 1;
}

/* PUT /v1/wallets/{id}/owner {owner_address} */
void
api_owner_set(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*body, *v;

	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	api_only_fields(body, &is, "owner_address", NULL);
	if ((v = json_object_get(body, "owner_address")) == NULL)
		api_issue(&is, "owner_address", "required");
	else if (!json_is_string(v) || !alnum(json_string_value(v),
	    json_string_length(v), OWNER_ADDR_MAX))
		api_issue(&is, "owner_address", "an address: 0x and 40 hex "
		    "digits (EVM) or a base58 public key (Solana)");
	if (api_issues_reply(req, &is)) {
		json_decref(body);
		return;
	}
	if ((v = json_pack("{s:O}", "owner_address", v)) == NULL)
		fatalx("json_pack");
	json_decref(body);
	api_forward(req, rt, param, plen, v);
}

/* A string field of 1 to max bytes without NUL, copied into out. */
static void
proof_field(json_t *body, json_t *out, struct api_issues *is,
    const char *key, size_t max, const char *expect)
{
	json_t	*v = json_object_get(body, key);

	if (v == NULL)
		api_issue(is, key, "required with the owner's signature");
	else if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > max || strlen(json_string_value(v)) !=
	    json_string_length(v))
		api_issue(is, key, expect);
	else
		json_object_set(out, key, v);
}

/*
 * POST /v1/admin/recover, body optional: none (or {}) is the master
 * alone; otherwise the owner's half of a dual-auth recovery,
 * {ownerAddress, message, ownerSignature, chain?}.  The message is the
 * signed text, or its base64 as X-Owner-Message carries it.
 */
void
api_recover(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*body, *out, *v;
	const char		*s;

	if (req->bodylen == 0) {
		api_forward(req, rt, param, plen, NULL);
		return;
	}
	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	if ((out = json_object()) == NULL)
		fatalx("json_object");
	api_only_fields(body, &is, "ownerAddress", "message",
	    "ownerSignature", "chain", NULL);
	if (json_object_size(body) > 0) {
		if ((v = json_object_get(body, "ownerAddress")) != NULL &&
		    (!json_is_string(v) || !alnum(json_string_value(v),
		    json_string_length(v), OWNER_ADDR_MAX)))
			api_issue(&is, "ownerAddress", "an address: 0x and 40 "
			    "hex digits (EVM) or a base58 public key "
			    "(Solana)");
		else
			proof_field(body, out, &is, "ownerAddress",
			    OWNER_ADDR_MAX, "");
		proof_field(body, out, &is, "message", OWNER_MSG_MAX,
		    "the signed message, or its base64, at most 8192 bytes");
		proof_field(body, out, &is, "ownerSignature", OWNER_SIG_MAX,
		    "a signature: 0x and 130 hex digits (EVM) or base64 or "
		    "base58 of 64 bytes (Solana)");
		if ((v = json_object_get(body, "chain")) != NULL) {
			s = json_string_value(v);
			if (s == NULL || (strcmp(s, "ethereum") != 0 &&
			    strcmp(s, "solana") != 0))
				api_issue(&is, "chain", "ethereum or solana");
			else
				json_object_set(out, "chain", v);
		}
	}
	json_decref(body);
	if (api_issues_reply(req, &is)) {
		json_decref(out);
		return;
	}
	if (json_object_size(out) == 0) {
		json_decref(out);
		out = NULL;
	}
	api_forward(req, rt, param, plen, out);
}
