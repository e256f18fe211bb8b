/*
 * The shape of the owner address body.  What an address means for a
 * wallet's chain is policyd's to decide; the nonce's query is checked
 * with every route's (common/routes.c).
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "log.h"
#include "util.h"

#define OWNER_ADDR_MAX	64

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
