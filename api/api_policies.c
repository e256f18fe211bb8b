/*
 * Shape checks for the policy routes.  A new policy's rules go through
 * the validator policyd runs again (common/policy_rules.c) and are
 * forwarded in canonical form.  An update's rules can only be checked
 * against the policy's stored type, which policyd holds: here they must
 * be an object, and policyd answers their issues.  Every answer is the
 * documented 400 with details.issues, bounded to POLICY_ISSUES_MAX.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "log.h"
#include "policy_rules.h"
#include "util.h"

static const char *const create_keys[] = {
	"walletId", "type", "rules", "priority", "enabled", "network", NULL
};
static const char *const update_keys[] = {
	"rules", "priority", "enabled", "network", NULL
};

static int
one_of(const char *s, size_t len, const char *const *names)
{
	size_t	i;

	for (i = 0; names[i] != NULL; i++)
		if (strlen(names[i]) == len && memcmp(s, names[i], len) == 0)
			return 1;
	return 0;
}

/*
 * A policy type of the reference for a feature this daemon does not
 * have (lending, perpetuals, reputation, venues, action
 * categories, ERC-8128 signing).
 */
static int
ref_type(json_t *v)
{
	static const char *const	 types[] = {
		"LENDING_LTV_LIMIT", "LENDING_ASSET_WHITELIST",
		"PERP_MAX_LEVERAGE", "PERP_MAX_POSITION_USD",
		"PERP_ALLOWED_MARKETS", "REPUTATION_THRESHOLD",
		"ERC8128_ALLOWED_DOMAINS", "VENUE_WHITELIST",
		"ACTION_CATEGORY_LIMIT" };
	size_t				 i;

	for (i = 0; json_is_string(v) && i < sizeof(types) /
	    sizeof(types[0]); i++)
		if (strcmp(json_string_value(v), types[i]) == 0)
			return 1;
	return 0;
}

static void
unknown_fields(json_t *body, json_t *issues, const char *const *names)
{
	const char	*key;
	json_t		*v;

	json_object_foreach(body, key, v) {
		if (one_of(key, strlen(key), names))
			continue;
		if (strcmp(key, "type") == 0 || strcmp(key, "walletId") == 0)
			policy_issue(issues, key, "a policy's type and wallet "
			    "do not change: delete it and create another");
		else
			policy_issue(issues, key, "unknown field");
	}
}

/* priority, enabled and network, copied to out when valid. */
static void
common_fields(json_t *body, json_t *issues, json_t *out, int create)
{
	json_t	*v;
	char	 msg[400];

	if ((v = json_object_get(body, "priority")) != NULL) {
		if (!json_is_integer(v) ||
		    json_integer_value(v) < POLICY_PRIORITY_MIN ||
		    json_integer_value(v) > POLICY_PRIORITY_MAX)
			policy_issue(issues, "priority", "an integer from "
			    "-1000 to 1000");
		else
			json_object_set(out, "priority", v);
	} else if (create)
		json_object_set_new(out, "priority", json_integer(0));
	if ((v = json_object_get(body, "enabled")) != NULL) {
		if (!json_is_boolean(v))
			policy_issue(issues, "enabled", "true or false");
		else
			json_object_set(out, "enabled", v);
	} else if (create)
		json_object_set_new(out, "enabled", json_true());
	/* null is "any network": absent on create, cleared on update. */
	if ((v = json_object_get(body, "network")) == NULL ||
	    (json_is_null(v) && create))
		return;
	if (json_is_null(v) || (json_is_string(v) &&
	    policy_network(json_string_value(v)) != NULL))
		json_object_set(out, "network", v);
	else {
		snprintf(msg, sizeof(msg), "one of %s, or null for any",
		    policy_network_list());
		policy_issue(issues, "network", msg);
	}
}

/* POST /v1/policies: {walletId?, type, rules, priority?, enabled?,
 * network?} */
void
api_policies_create(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*body, *out, *v, *rules;
	const char		*type = NULL;
	char			 msg[400];

	(void)param;
	(void)plen;
	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	if ((out = json_object()) == NULL)
		fatalx("json_object");
	unknown_fields(body, is.list, create_keys);
	if ((v = json_object_get(body, "walletId")) != NULL &&
	    !json_is_null(v)) {
		if (!json_is_string(v) || !ks_valid_id(json_string_value(v),
		    json_string_length(v)))
			policy_issue(is.list, "walletId", "a wallet id, or "
			    "absent (or null) for a global policy");
		else
			json_object_set(out, "walletId", v);
	}
	if ((v = json_object_get(body, "type")) == NULL)
		policy_issue(is.list, "type", "required");
	else if (!json_is_string(v) ||
	    policy_type(json_string_value(v)) == -1) {
		snprintf(msg, sizeof(msg), "%sone of %s", ref_type(v) ?
		    "not supported by this daemon (its feature is not here); "
		    : "", policy_type_list());
		policy_issue(is.list, "type", msg);
	} else {
		type = json_string_value(v);
		json_object_set(out, "type", v);
	}
	v = json_object_get(body, "rules");
	if (type != NULL) {
		if ((rules = policy_rules_check(type, v, is.list)) != NULL)
			json_object_set_new(out, "rules", rules);
	} else if (v == NULL)
		policy_issue(is.list, "rules", "required");
	else if (!json_is_object(v))
		policy_issue(is.list, "rules", "an object");
	common_fields(body, is.list, out, 1);
	json_decref(body);
	api_submit(req, rt, NULL, 0, &is, out);
}

/* PUT /v1/policies/{id}: any of {rules, priority, enabled, network}. */
void
api_policies_update(struct http_req *req, const struct route *rt,
    const char *param, size_t plen)
{
	struct api_issues	 is;
	json_t			*body, *out, *v;

	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	if ((out = json_object()) == NULL)
		fatalx("json_object");
	unknown_fields(body, is.list, update_keys);
	if ((v = json_object_get(body, "rules")) != NULL) {
		if (!json_is_object(v))
			policy_issue(is.list, "rules", "an object");
		else
			json_object_set(out, "rules", v);
	}
	common_fields(body, is.list, out, 0);
	if (json_object_size(body) == 0)
		policy_issue(is.list, NULL, "nothing to update: give rules, "
		    "priority, enabled or network");
	json_decref(body);
	api_submit(req, rt, param, plen, &is, out);
}
