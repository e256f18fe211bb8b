/*
 * Shape check for POST /v1/webhooks {url, events?, description?}.  What
 * the URL may point at (an IP address, not a private one unless the
 * operator allows it) is policyd's to decide: it has the switch.
 */
#include <string.h>

#include "api.h"
#include "log.h"
#include "msg.h"

#define HOOK_EVENTS_MAX		64	/* entries of a filter */
#define HOOK_DESC_MAX		256

/* The reference's event names, and those this daemon's outbox sends. */
static const char *const hook_events[] = {
	"WALLET_CREATED", "WALLET_SUSPENDED", "WALLET_PURGED",
	"SESSION_CREATED", "SESSION_REVOKED", "SESSION_ISSUED_VIA_TELEGRAM",
	"TX_SUBMITTED", "TX_CONFIRMED", "TX_FAILED",
	"TX_APPROVED_VIA_TELEGRAM", "TX_REJECTED_VIA_TELEGRAM",
	"TX_CANCELLED_VIA_TELEGRAM", "UNLISTED_TOKEN_TRANSFER",
	"POLICY_DENIED", "KILL_SWITCH_ACTIVATED", "KILL_SWITCH_ESCALATED",
	"KILL_SWITCH_RECOVERED", "AUTO_STOP_TRIGGERED", "MASTER_AUTH_FAILED",
	"OWNER_REGISTERED", "PROVIDER_UPDATED", "NOTIFICATION_TOTAL_FAILURE",
	"USEROP_BUILD", "USEROP_SIGNED", "ACTION_SIGNED",
	"ACTION_HTTP_SIGNED",
	/* this daemon's own (policyd_audit.c, the transaction paths) */
	"TX_APPROVAL_REQUIRED", "TX_DELAYED", "TX_NOTIFY", "TX_CANCELLED",
	"TX_EXPIRED", "KILL_SWITCH_RECOVERY_HELD", "SESSION_RENEWED",
	"OWNER_SET", "OWNER_VERIFIED", "MASTER_PASSWORD_LOCKED",
	"AUTH_FAILURES",
};

static int
hook_event_known(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof(hook_events) / sizeof(hook_events[0]); i++)
		if (strcmp(hook_events[i], s) == 0)
			return 1;
	return 0;
}

void
api_webhooks_create(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*body, *out, *v, *e;
	size_t			 i;

	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	api_only_fields(body, &is, "url", "events", "description", NULL);
	if ((out = json_object()) == NULL)
		fatalx("json_object");
	if ((v = json_object_get(body, "url")) == NULL)
		api_issue(&is, "url", "required");
	else if (api_check_text(v, &is, "url", NET_URL_MAX - 1))
		json_object_set(out, "url", v);
	if ((v = json_object_get(body, "description")) != NULL &&
	    !json_is_null(v) && api_check_text(v, &is, "description",
	    HOOK_DESC_MAX))
		json_object_set(out, "description", v);
	if ((v = json_object_get(body, "events")) != NULL) {
		if (!json_is_array(v) || json_array_size(v) >
		    HOOK_EVENTS_MAX)
			api_issue(&is, "events", "an array of at most 64 "
			    "event names");
		else {
			json_array_foreach(v, i, e)
				if (!json_is_string(e) ||
				    !hook_event_known(json_string_value(e))) {
					api_issue(&is, "events", "an unknown "
					    "event name");
					break;
				}
			json_object_set(out, "events", v);
		}
	}
	json_decref(body);
	api_submit(req, rt, param, plen, &is, out);
}
