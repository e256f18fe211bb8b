/*
 * Operator maintenance routes: the shape of a set-master body.  The new
 * password lives here for one request: jansson's allocations are wiped
 * when freed (common/wipe.c), as is the body policyd gets.
 */
#include <string.h>

#include "api.h"
#include "keystore.h"

/* POST /v1/admin/master-password: {password} */
void
api_master_password(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*body, *out, *v;

	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	out = json_object();
	api_only_fields(body, &is, "password", NULL);
	if ((v = json_object_get(body, "password")) == NULL)
		api_issue(&is, "password", "required");
	else if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > KS_PASSWORD_MAX ||
	    memchr(json_string_value(v), '\0', json_string_length(v)) !=
	    NULL)
		api_issue(&is, "password", "a string of 1 to 1024 bytes "
		    "without NUL");
	else
		json_object_set(out, "password", v);
	json_decref(body);
	api_submit(req, rt, param, plen, &is, out);
}
