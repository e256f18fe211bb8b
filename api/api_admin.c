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

/*
 * PUT /v1/admin/settings {settings: [{key, value}, ...]}, the
 * reference's shape, bounded: 1 to SETTINGS_PUT_MAX entries, a key of
 * 1 to SETTING_NAME_MAX characters of a-z 0-9 _ . (a category and a
 * name), a value of at most SETTING_PUT_VALUE_MAX printable ASCII
 * characters.  Which keys may change, and to what, is policyd's.
 */
void
api_settings_put(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*body, *list, *e, *k, *v;
	const char		*s;
	char			 path[48];
	size_t			 i, n, j;

	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	api_only_fields(body, &is, "settings", NULL);
	list = json_object_get(body, "settings");
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > SETTINGS_PUT_MAX)
		api_issue(&is, "settings", "required: an array of 1 to 32 "
		    "{key, value}");
	else
		json_array_foreach(list, i, e) {
			snprintf(path, sizeof(path), "settings.%zu", i);
			if (!json_is_object(e)) {
				api_issue(&is, path, "an object {key, value}");
				continue;
			}
			api_only_fields(e, &is, "key", "value", NULL);
			k = json_object_get(e, "key");
			v = json_object_get(e, "value");
			snprintf(path, sizeof(path), "settings.%zu.key", i);
			n = json_string_length(k);
			s = json_string_value(k);
			for (j = 0; s != NULL && j < n && ((s[j] >= 'a' &&
			    s[j] <= 'z') || (s[j] >= '0' && s[j] <= '9') ||
			    s[j] == '_' || s[j] == '.'); j++)
				;
			if (s == NULL || n == 0 || n > SETTING_NAME_MAX ||
			    j != n)
				api_issue(&is, path, "a setting's name: 1 to "
				    "64 of a-z 0-9 _ . (category.name)");
			snprintf(path, sizeof(path), "settings.%zu.value", i);
			n = json_string_length(v);
			s = json_string_value(v);
			for (j = 0; s != NULL && j < n && s[j] >= 0x20 &&
			    s[j] < 0x7f; j++)
				;
			if (s == NULL || n > SETTING_PUT_VALUE_MAX || j != n)
				api_issue(&is, path, "a string of at most 256 "
				    "printable ASCII characters");
		}
	api_submit(req, rt, param, plen, &is, body);
}
