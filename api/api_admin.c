/*
 * Operator maintenance routes: the shape of a set-master body.  The new
 * password lives here for one request: jansson's allocations are wiped
 * when freed (common/wipe.c), as is the body policyd gets.
 */
#include <string.h>

#include "api.h"
#include "keystore.h"

/*
 * PUT /v1/admin/master-password {newPassword} (the reference's), and
 * POST with {password} as this daemon took it first (waiaas set-master
 * of earlier releases and scripts send that): either name on either
 * method, exactly one; policyd gets it as password.
 */
void
api_master_password(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*body, *out, *v;
	const char		*key = "newPassword";

	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	out = json_object();
	api_only_fields(body, &is, "newPassword", "password", NULL);
	if (json_object_get(body, "newPassword") != NULL &&
	    json_object_get(body, "password") != NULL)
		api_issue(&is, "password", "give newPassword or password, "
		    "not both");
	else if ((v = json_object_get(body, "newPassword")) == NULL &&
	    (v = json_object_get(body, key = "password")) == NULL)
		api_issue(&is, "newPassword", "required");
	else if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > KS_PASSWORD_MAX ||
	    memchr(json_string_value(v), '\0', json_string_length(v)) !=
	    NULL)
		api_issue(&is, key, "a string of 1 to 1024 bytes without NUL");
	else
		json_object_set(out, "password", v);
	json_decref(body);
	api_submit(req, rt, param, plen, &is, out);
}
