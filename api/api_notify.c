/*
 * POST /v1/admin/notifications/test: {"channel": "webhook" | "ntfy" |
 * "telegram"}, or no body (every configured channel).  The api checks
 * the shape; policyd asks relay and answers with each one's outcome.
 */
#include <string.h>

#include <jansson.h>

#include "api.h"
#include "msg.h"
#include "routes.h"

void
api_notify_test(struct http_req *req, const struct route *rt,
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
	api_only_fields(body, &is, "channel", NULL);
	if ((v = json_object_get(body, "channel")) != NULL) {
		if (!json_is_string(v) ||
		    notify_channel_parse(json_string_value(v)) < 0)
			api_issue(&is, "channel", "one of webhook, ntfy, "
			    "telegram");
		else
			json_object_set(out, "channel", v);
	}
	json_decref(body);
	api_submit(req, rt, param, plen, &is, out);
}
