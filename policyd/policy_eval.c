/*
 * Policy evaluation: which policy of each type applies, whether the
 * transaction is allowed at all, then its tier.  See policy_eval.h.
 *
 * Precedence: of each type, the wallet's policy beats a global one, one
 * for this network beats one for any network, then the higher priority.
 *
 * Refusals, in this order: ALLOWED_NETWORKS, TIME_RESTRICTION (UTC),
 * RATE_LIMIT, WHITELIST (transfers), ALLOWED_TOKENS (token transfers,
 * which are refused unless listed), CONTRACT_WHITELIST and
 * METHOD_WHITELIST (calls, refused unless listed), APPROVED_SPENDERS and
 * APPROVE_AMOUNT_LIMIT (approvals, refused unless listed), and no
 * SPENDING_LIMIT at all (every transaction needs one: it sets the tier).
 * An NFT transfer is judged as the call that carries it (its contract in
 * CONTRACT_WHITELIST, its selector against METHOD_WHITELIST, no native
 * value) and its recipient as a transfer's (WHITELIST).  A contract
 * creation is refused unless a CONTRACT_WHITELIST policy that applies
 * says allowDeploy: true.
 *
 * Tier: native thresholds (instant_max, notify_max, delay_max) judge a
 * native amount; USD thresholds judge the USD value; the stricter tier
 * wins.  Where nothing can judge the value (a token amount without a USD
 * value, or USD thresholds and no price), the tier is APPROVAL: a missing
 * price never lowers a tier.  The rolling 24 h and 30 d USD totals,
 * pending reservations included, push a transaction over them to
 * APPROVAL.  APPROVE_TIER_OVERRIDE sets an approval's tier outright.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy_eval.h"
#include "policy_rules.h"

static const char *const tiers[] = {
	NULL, "INSTANT", "NOTIFY", "DELAY", "APPROVAL"
};

const char *
tier_name(int t)
{
	return t >= TIER_INSTANT && t <= TIER_APPROVAL ? tiers[t] : "?";
}

static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int
addr_eq(const char *a, const char *b, int evm)
{
	if (a == NULL || b == NULL)
		return 0;
	return evm ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

/* The entry of list whose key (or itself, key NULL) is addr, or NULL. */
static json_t *
find(const json_t *list, const char *key, const char *addr, int evm)
{
	json_t	*e;
	size_t	 i;

	json_array_foreach(list, i, e)
		if (addr_eq(key == NULL ? json_string_value(e) : str(e, key),
		    addr, evm))
			return e;
	return NULL;
}

/* Of each type, the policy that applies. */
static void
pick(const struct pe_policy *p, size_t n,
    const struct pe_policy *best[POLICY_TYPE_MAX])
{
	const struct pe_policy	*b;
	size_t			 i;

	memset(best, 0, sizeof(best[0]) * POLICY_TYPE_MAX);
	for (i = 0; i < n; i++) {
		if (p[i].type < 0 || p[i].type >= POLICY_TYPE_MAX)
			continue;
		b = best[p[i].type];
		if (b == NULL || p[i].wallet > b->wallet ||
		    (p[i].wallet == b->wallet && (p[i].network > b->network ||
		    (p[i].network == b->network &&
		    p[i].priority > b->priority))))
			best[p[i].type] = &p[i];
	}
}

static int __attribute__((format(printf, 3, 4)))
deny(struct pe_result *r, const char *code, const char *fmt, ...)
{
	va_list	ap;

	r->allowed = 0;
	r->code = code;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	return 0;
}

static int
in_hours(const json_t *rules, long long now)
{
	const json_t	*h = json_object_get(rules, "allowed_hours");
	const json_t	*days = json_object_get(rules, "allowed_days"), *d;
	long long	 hour = (now % 86400) / 3600, start, end;
	long long	 day = (now / 86400 + 4) % 7;	/* 1970-01-01: Thu */
	size_t		 i;
	int		 ok = 0;

	if (h != NULL) {
		start = json_integer_value(json_object_get(h, "start"));
		end = json_integer_value(json_object_get(h, "end"));
		if (start < end ? !(hour >= start && hour < end) :
		    !(hour >= start || hour < end))
			return 0;
	}
	if (days == NULL)
		return 1;
	json_array_foreach(days, i, d)
		if (json_integer_value(d) == day)
			ok = 1;
	return ok;
}

/* The tier of a value against three thresholds (absent ones skipped). */
static int
tier_native(const json_t *rules, const char *amount, int *have)
{
	static const char *const k[] = {
		"instant_max", "notify_max", "delay_max"
	};
	const char	*v;
	int		 i;

	*have = 0;
	for (i = 0; i < 3; i++) {
		if ((v = str(rules, k[i])) == NULL)
			continue;
		*have = 1;
		if (policy_amount_cmp(amount, v) <= 0)
			return TIER_INSTANT + i;
	}
	return TIER_APPROVAL;
}

static int
tier_usd(const json_t *rules, double usd, int *have)
{
	static const char *const k[] = {
		"instant_max_usd", "notify_max_usd", "delay_max_usd"
	};
	const json_t	*v;
	int		 i;

	*have = 0;
	for (i = 0; i < 3; i++) {
		if ((v = json_object_get(rules, k[i])) == NULL)
			continue;
		*have = 1;
		if (usd >= 0 && usd <= json_number_value(v))
			return TIER_INSTANT + i;
	}
	return TIER_APPROVAL;
}

static const char *const max_amount = "115792089237316195423570985008687907"
    "853269984665640564039457584007913129639935";

int
policy_eval(const struct pe_tx *tx, const struct pe_policy *p, size_t n,
    const struct pe_env *env, struct pe_result *r)
{
	const struct pe_policy	*best[POLICY_TYPE_MAX];
	const json_t		*rl, *e, *sl;
	const char		*v, *why = "";
	char			 num[32];
	long long		 max, window;
	double			 lim;
	int			 tier, t, have_n = 0, have_u = 0, unpriced = 0;

	memset(r, 0, sizeof(*r));
	r->allowed = 1;
	pick(p, n, best);

	if (best[POLICY_ALLOWED_NETWORKS] != NULL &&
	    find(json_object_get(best[POLICY_ALLOWED_NETWORKS]->rules,
	    "networks"), "network", tx->network, 0) == NULL)
		return deny(r, "POLICY_DENIED", "network %s is not in the "
		    "ALLOWED_NETWORKS policy", tx->network);
	if (best[POLICY_TIME_RESTRICTION] != NULL &&
	    !in_hours(best[POLICY_TIME_RESTRICTION]->rules, env->now))
		return deny(r, "POLICY_DENIED", "outside the hours and days "
		    "the TIME_RESTRICTION policy allows (UTC)");
	if ((rl = best[POLICY_RATE_LIMIT] != NULL ?
	    best[POLICY_RATE_LIMIT]->rules : NULL) != NULL) {
		max = json_integer_value(json_object_get(rl, "max_requests"));
		window = json_integer_value(json_object_get(rl,
		    "window_seconds"));
		if (env->requests_since != NULL &&
		    env->requests_since(env->arg, env->now - window) >= max) {
			snprintf(num, sizeof(num), "%lld in %lld s", max,
			    window);
			r->retry_after = window;
			return deny(r, "RATE_LIMIT_EXCEEDED", "more than the "
			    "RATE_LIMIT policy allows (%s)", num);
		}
	}
	if ((tx->type == PE_TRANSFER || tx->type == PE_TOKEN ||
	    tx->type == PE_NFT) && best[POLICY_WHITELIST] != NULL &&
	    find(json_object_get(best[POLICY_WHITELIST]->rules,
	    "allowed_addresses"), NULL, tx->to, tx->evm) == NULL)
		return deny(r, "WHITELIST_DENIED", "recipient %s is not in the "
		    "WHITELIST policy", tx->to);
	if (tx->type == PE_TOKEN && (best[POLICY_ALLOWED_TOKENS] == NULL ||
	    find(json_object_get(best[POLICY_ALLOWED_TOKENS]->rules,
	    "tokens"), "address", tx->token, tx->evm) == NULL))
		return deny(r, "TOKEN_NOT_ALLOWED", "token %s is not allowed; "
		    "hint: list it in an ALLOWED_TOKENS policy", tx->token);
	if (tx->type == PE_CALL || tx->type == PE_NFT) {
		v = tx->type == PE_NFT ? tx->contract : tx->to;
		if (best[POLICY_CONTRACT_WHITELIST] == NULL ||
		    find(json_object_get(best[POLICY_CONTRACT_WHITELIST]->rules,
		    "contracts"), "address", v, tx->evm) == NULL)
			return deny(r, "CONTRACT_NOT_WHITELISTED", "contract "
			    "%s is not whitelisted; hint: list it in a "
			    "CONTRACT_WHITELIST policy%s", v != NULL ? v : "?",
			    tx->type == PE_NFT ? " (an NFT transfer is a call "
			    "to its collection's contract)" : "");
		if (best[POLICY_METHOD_WHITELIST] != NULL && (e = find(
		    json_object_get(best[POLICY_METHOD_WHITELIST]->rules,
		    "methods"), "contractAddress", v, tx->evm)) != NULL &&
		    find(json_object_get(e, "selectors"), NULL, tx->selector,
		    1) == NULL)
			return deny(r, "METHOD_NOT_WHITELISTED", "method %s of "
			    "%s is not in the METHOD_WHITELIST policy",
			    tx->selector != NULL ? tx->selector : "(none)", v);
	}
	if (tx->type == PE_DEPLOY && (best[POLICY_CONTRACT_WHITELIST] ==
	    NULL || !json_is_true(json_object_get(
	    best[POLICY_CONTRACT_WHITELIST]->rules, "allowDeploy"))))
		return deny(r, "POLICY_DENIED", "contract deployment is not "
		    "allowed (default deny); hint: a CONTRACT_WHITELIST "
		    "policy with allowDeploy: true");
	if (tx->type == PE_APPROVE) {
		if (best[POLICY_APPROVED_SPENDERS] == NULL || (e = find(
		    json_object_get(best[POLICY_APPROVED_SPENDERS]->rules,
		    "spenders"), "address", tx->spender, tx->evm)) == NULL)
			return deny(r, "SPENDER_NOT_APPROVED", "spender %s is "
			    "not approved; hint: list it in an "
			    "APPROVED_SPENDERS policy", tx->spender);
		if ((v = str(e, "maxAmount")) != NULL &&
		    policy_amount_cmp(tx->amount, v) > 0)
			return deny(r, "POLICY_DENIED", "approval above the "
			    "spender's maxAmount %s", v);
		rl = best[POLICY_APPROVE_AMOUNT_LIMIT] != NULL ?
		    best[POLICY_APPROVE_AMOUNT_LIMIT]->rules : NULL;
		if (rl != NULL && json_is_true(json_object_get(rl,
		    "blockUnlimited")) && strcmp(tx->amount, max_amount) == 0)
			return deny(r, "POLICY_DENIED", "unlimited approvals "
			    "are blocked by the APPROVE_AMOUNT_LIMIT policy");
		if (rl != NULL && (v = str(rl, "maxAmount")) != NULL &&
		    policy_amount_cmp(tx->amount, v) > 0)
			return deny(r, "POLICY_DENIED", "approval above the "
			    "APPROVE_AMOUNT_LIMIT maxAmount %s", v);
	}
	if (best[POLICY_SPENDING_LIMIT] == NULL)
		return deny(r, "POLICY_DENIED", "no policy allows this "
		    "transaction (default deny); hint: add a SPENDING_LIMIT "
		    "policy for the wallet or a global one");

	sl = best[POLICY_SPENDING_LIMIT]->rules;
	r->delay_seconds = json_integer_value(json_object_get(sl,
	    "delay_seconds"));
	r->approval_timeout = json_integer_value(json_object_get(sl,
	    "approval_timeout"));
	tier = 0;
	/* Native thresholds judge native amounts only. */
	if (tx->type == PE_TRANSFER || tx->type == PE_CALL ||
	    tx->type == PE_MESSAGE || tx->type == PE_NFT ||
	    tx->type == PE_DEPLOY) {
		/* an NFT transfer moves no native value: its call's is 0 */
		t = tier_native(sl, tx->amount != NULL && tx->type != PE_NFT ?
		    tx->amount : "0", &have_n);
		if (have_n) {
			tier = t;
			why = "native amount";
		}
	}
	t = tier_usd(sl, tx->usd, &have_u);
	if (have_u && t > tier) {
		tier = t;
		why = tx->usd < 0 ? "no USD value (a missing price escalates)" :
		    "USD value";
		unpriced = tx->usd < 0;
	}
	if (!have_n && !have_u) {
		tier = TIER_APPROVAL;
		why = "nothing in the SPENDING_LIMIT can value it";
		unpriced = 1;
	}
	/* Rolling totals, pending reservations included. */
	if (tier < TIER_APPROVAL) {
		if ((e = json_object_get(sl, "daily_limit_usd")) != NULL) {
			lim = json_number_value(e);
			if (tx->usd < 0 || env->usd_since == NULL ||
			    env->usd_since(env->arg, env->now - 86400) +
			    tx->usd > lim) {
				tier = TIER_APPROVAL;
				why = "over the 24 h limit (daily_limit_usd)";
				unpriced = tx->usd < 0;
			}
		}
		if ((e = json_object_get(sl, "monthly_limit_usd")) != NULL &&
		    tier < TIER_APPROVAL) {
			lim = json_number_value(e);
			if (tx->usd < 0 || env->usd_since == NULL ||
			    env->usd_since(env->arg, env->now - 30 * 86400) +
			    tx->usd > lim) {
				tier = TIER_APPROVAL;
				why = "over the 30 d limit (monthly_limit_usd)";
				unpriced = tx->usd < 0;
			}
		}
	}
	if (tx->type == PE_APPROVE && best[POLICY_APPROVE_TIER_OVERRIDE] !=
	    NULL) {
		v = str(best[POLICY_APPROVE_TIER_OVERRIDE]->rules, "tier");
		for (t = TIER_INSTANT; t <= TIER_APPROVAL; t++)
			if (v != NULL && strcmp(v, tiers[t]) == 0) {
				tier = t;
				why = "APPROVE_TIER_OVERRIDE";
				unpriced = 0;
			}
	}
	if (unpriced && tier == TIER_APPROVAL && env->unpriced_deny)
		return deny(r, "POLICY_DENIED", "the transaction has no USD "
		    "value and unpriced transactions are refused");
	r->tier = tier;
	snprintf(r->reason, sizeof(r->reason), "%s: %s", tier_name(tier),
	    why);
	return 1;
}
