/*
 * Shape checks for the ownerAuth routes: the nonce's query and the
 * owner address body.  Which action a nonce may name, and what an
 * address means for a wallet's chain, are policyd's to decide.
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

/* PUT /v1/wallets/{id}/owner {owner_address} */
void
api_owner_set(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*body, *v;
	const char		*s;
	size_t			 i, len;

	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	api_only_fields(body, &is, "owner_address", NULL);
	if ((v = json_object_get(body, "owner_address")) == NULL)
		api_issue(&is, "owner_address", "required");
	else if (!json_is_string(v) || (len = json_string_length(v)) == 0 ||
	    len > OWNER_ADDR_MAX || strlen(s = json_string_value(v)) != len)
		api_issue(&is, "owner_address", "an address: 0x and 40 hex "
		    "digits (EVM) or a base58 public key (Solana)");
	else
		for (i = 0; i < len; i++)
			if (!((s[i] >= '0' && s[i] <= '9') ||
			    (s[i] >= 'a' && s[i] <= 'z') ||
			    (s[i] >= 'A' && s[i] <= 'Z'))) {
				api_issue(&is, "owner_address", "letters and "
				    "digits only");
				break;
			}
	if (api_issues_reply(req, &is)) {
		json_decref(body);
		return;
	}
	if ((v = json_pack("{s:O}", "owner_address", v)) == NULL)
		fatalx("json_pack");
	json_decref(body);
	api_forward(req, rt, param, plen, v);
}
