/*
 * GET /v1/skills/{name}: the skill files in skills/, written for this
 * daemon and compiled in (the api has no files in its chroot).  No
 * credential: they describe how to use the API, nothing of a wallet.
 * The reference's actions and x402 skills describe features this daemon
 * does not have; asking for one says so.
 */
#include <string.h>

#include <jansson.h>

#include "api.h"
#include "log.h"

#include "skills_md.h"

static const struct {
	const char	*name;
	const char	*text;
} skills[] = {
	{ "quickstart", skill_quickstart },
	{ "wallet", skill_wallet },
	{ "transactions", skill_transactions },
	{ "policies", skill_policies },
	{ "approvals", skill_approvals },
	{ "admin", skill_admin },
};

void
api_skill(struct http_req *req, const struct route *rt, const char *param,
    size_t plen)
{
	json_t	*j;
	size_t	 i;

	(void)rt;
	for (i = 0; i < sizeof(skills) / sizeof(skills[0]); i++) {
		if (strlen(skills[i].name) != plen ||
		    memcmp(skills[i].name, param, plen) != 0)
			continue;
		if ((j = json_pack("{s:s, s:s}", "name", skills[i].name,
		    "content", skills[i].text)) == NULL)
			fatalx("json_pack skill");
		api_reply_json(req, 200, j);
		return;
	}
	if ((plen == 7 && memcmp(param, "actions", 7) == 0) ||
	    (plen == 4 && memcmp(param, "x402", 4) == 0))
		http_error(req, 404, "SKILL_NOT_FOUND", "this daemon has no "
		    "action providers or x402 payments, so no skill for them; "
		    "it has quickstart, wallet, transactions, policies, "
		    "approvals and admin", 0, NULL);
	else
		http_error(req, 404, "SKILL_NOT_FOUND", "no such skill; this "
		    "daemon has quickstart, wallet, transactions, policies, "
		    "approvals and admin", 0, NULL);
}
