/*
 * Shape checks for the token registry's changes: POST /v1/tokens (add a
 * custom token) and DELETE /v1/tokens (remove one).  Whether the network
 * exists and the address is one of its chain is policyd's to decide.
 */
#include <string.h>

#include "api.h"
#include "log.h"
#include "tokens.h"

#define ADDR_TEXT_MAX	64

/*
 * A required string member of 1 to maxchars characters, copied to out;
 * alnum 1: letters and digits only, 2: those, '-' and ':'.
 */
static void
want(json_t *body, json_t *out, struct api_issues *is, const char *key,
    size_t maxchars, int alnum)
{
	json_t		*v = json_object_get(body, key);
	const char	*s;
	size_t		 i;

	if (v == NULL) {
		api_issue(is, key, "required");
		return;
	}
	if (!api_check_text(v, is, key, maxchars))
		return;
	s = json_string_value(v);
	for (i = 0; alnum && s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (alnum == 2 && (s[i] == '-' || s[i] == ':')))) {
			api_issue(is, key, alnum == 2 ? "a network name or a "
			    "CAIP-2 id" : "letters and digits only (a token "
			    "contract or mint address)");
			return;
		}
	json_object_set(out, key, v);
}

/* network and address: both bodies have them. */
static json_t *
token_ref(json_t *body, struct api_issues *is)
{
	json_t	*out;

	if ((out = json_object()) == NULL)
		fatalx("json_object");
	want(body, out, is, "network", NET_QUERY_MAX, 2);
	want(body, out, is, "address", ADDR_TEXT_MAX, 1);
	return out;
}

/* POST /v1/tokens {network, address, symbol, name, decimals} */
void
api_tokens_add(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*body, *out, *v;

	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	api_only_fields(body, &is, "network", "address", "symbol", "name",
	    "decimals", NULL);
	out = token_ref(body, &is);
	want(body, out, &is, "symbol", TOKEN_SYMBOL_MAX, 0);
	want(body, out, &is, "name", TOKEN_NAME_MAX, 0);
	if ((v = json_object_get(body, "decimals")) == NULL)
		api_issue(&is, "decimals", "required");
	else if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > TOKEN_DECIMALS_MAX)
		api_issue(&is, "decimals", "an integer from 0 to 18");
	else
		json_object_set(out, "decimals", v);
	json_decref(body);
	api_submit(req, rt, param, plen, &is, out);
}

/* DELETE /v1/tokens {network, address} */
void
api_tokens_remove(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*body, *out;

	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	api_only_fields(body, &is, "network", "address", NULL);
	out = token_ref(body, &is);
	json_decref(body);
	api_submit(req, rt, param, plen, &is, out);
}
