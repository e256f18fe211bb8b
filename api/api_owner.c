/*
 * Shape checks for the ownerAuth routes: the owner address body and
 * the owner's proof in a dual-auth recovery body (the nonce's query is
 * checked with every route's, common/routes.c).  What an address means
 * for a wallet's chain and whether a signature holds are policyd's to
 * decide.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "log.h"
#include "util.h"

#define OWNER_ADDR_MAX	64
#define OWNER_MSG_MAX	8192	/* 4096 bytes, or their base64 */
#define OWNER_SIG_MAX	256

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

/*
 * The reference's approval methods: only its REST approval (the owner
 * signs and calls POST /v1/transactions/{id}/approve, which the
 * approval page does too) exists here; null means the default, which
 * is the same.
 */
static void
approval_method(json_t *body, json_t *out, struct api_issues *is)
{
	static const char *const	 absent[] = { "sdk_push",
		"sdk_telegram", "walletconnect", "telegram_bot" };
	json_t				*v;
	size_t				 i;

	if ((v = json_object_get(body, "approval_method")) == NULL)
		return;
	if (json_is_null(v) || (json_is_string(v) &&
	    strcmp(json_string_value(v), "rest") == 0)) {
		json_object_set(out, "approval_method", v);
		return;
	}
	for (i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		if (json_is_string(v) && strcmp(json_string_value(v),
		    absent[i]) == 0) {
			api_issue(is, "approval_method", "not supported by "
			    "this daemon: it has no wallet SDK, Telegram or "
			    "WalletConnect approval channel; use \"rest\" (the "
			    "owner signs POST /v1/transactions/{id}/approve) "
			    "or null");
			return;
		}
	api_issue(is, "approval_method", "one of sdk_push, sdk_telegram, "
	    "walletconnect, telegram_bot, rest, or null");
}

/* PUT /v1/wallets/{id}/owner {owner_address, approval_method?} */
void
api_owner_set(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*body, *v, *out;

	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	api_unsupported(body, &is, "wallet_type", "wallet-app presets "
	    "(dcent) need a wallet SDK approval channel, which this daemon "
	    "does not have");
	api_only_fields(body, &is, "owner_address", "approval_method", NULL);
	if ((v = json_object_get(body, "owner_address")) == NULL)
		api_issue(&is, "owner_address", "required");
	else if (!json_is_string(v) || !alnum(json_string_value(v),
	    json_string_length(v), OWNER_ADDR_MAX))
		api_issue(&is, "owner_address", "an address: 0x and 40 hex "
		    "digits (EVM) or a base58 public key (Solana)");
	if ((out = json_object()) == NULL)
		fatalx("json_object");
	approval_method(body, out, &is);
	if (api_issues_reply(req, &is)) {
		json_decref(out);
		json_decref(body);
		return;
	}
	if (json_object_set(out, "owner_address", v) == -1)
		fatalx("json_object_set");
	json_decref(body);
	api_forward(req, rt, param, plen, out);
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
