/*
 * policy_eval() over a table: every policy type, allowed, denied and the
 * edges (the exact limit, one above, another network, another token, an
 * address in another case, scope and priority).  Each row's policies go
 * through policy_rules_check() first, so they are what policyd stores.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "policy_eval.h"
#include "policy_rules.h"

#define TOK	"0x1111111111111111111111111111111111111111"
#define TOKM	"0x1111111111111111111111111111111111111111"
#define TO	"0xAbCdEf0000000000000000000000000000000001"
#define TO_LC	"0xabcdef0000000000000000000000000000000001"
#define OTHER	"0x2222222222222222222222222222222222222222"
#define MINT	"EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
#define MINT_LC	"epjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
#define MAXU	"11579208923731619542357098500868790785326998466564056403945" \
		"7584007913129639935"
/* 2026-11-23 (a Monday) 10:00 UTC, and the same day at other hours. */
#define MON10	1795428000LL
#define H(x)	(MON10 + ((x) - 10) * 3600LL)
#define SUN10	(MON10 - 86400LL)

struct row {
	const char	*name;
	const char	*policies;	/* [{type, rules, wallet?, network?,
					   priority?}] */
	int		 type;
	int		 evm;
	const char	*network;
	const char	*to;
	const char	*token;
	const char	*spender;
	const char	*amount;
	const char	*selector;
	double		 usd;
	long long	 now;
	long long	 requests;
	double		 spent;
	int		 unpriced_deny;
	const char	*want;		/* a tier name or a denial code */
	long long	 delay;		/* want delay_seconds (0: any) */
};

#define SL(r)	"{\"type\":\"SPENDING_LIMIT\",\"rules\":" r "}"
#define SL3	SL("{\"instant_max\":\"100\",\"notify_max\":\"200\"," \
		    "\"delay_max\":\"300\"}")
#define USD10	SL("{\"instant_max_usd\":10}")

static const struct row rows[] = {
	{ "no policy: default deny", "[]", PE_TRANSFER, 1, "ethereum-sepolia",
	  TO, NULL, NULL, "1", NULL, -1, MON10, 0, 0, 0, "POLICY_DENIED", 0 },
	{ "exact instant_max", "[" SL("{\"instant_max\":\"100\"}") "]",
	  PE_TRANSFER, 1, "n", TO, NULL, NULL, "100", NULL, -1, MON10, 0, 0,
	  0, "INSTANT", 0 },
	{ "one above instant_max, no higher tier", "["
	  SL("{\"instant_max\":\"100\"}") "]", PE_TRANSFER, 1, "n", TO, NULL,
	  NULL, "101", NULL, -1, MON10, 0, 0, 0, "APPROVAL", 0 },
	{ "notify", "[" SL3 "]", PE_TRANSFER, 1, "n", TO, NULL, NULL, "150",
	  NULL, -1, MON10, 0, 0, 0, "NOTIFY", 0 },
	{ "exact notify_max", "[" SL3 "]", PE_TRANSFER, 1, "n", TO, NULL,
	  NULL, "200", NULL, -1, MON10, 0, 0, 0, "NOTIFY", 0 },
	{ "delay, with the stored default delay", "[" SL3 "]", PE_TRANSFER, 1,
	  "n", TO, NULL, NULL, "201", NULL, -1, MON10, 0, 0, 0, "DELAY",
	  900 },
	{ "exact delay_max", "[" SL3 "]", PE_TRANSFER, 1, "n", TO, NULL, NULL,
	  "300", NULL, -1, MON10, 0, 0, 0, "DELAY", 0 },
	{ "above delay_max: approval", "[" SL3 "]", PE_TRANSFER, 1, "n", TO,
	  NULL, NULL, "301", NULL, -1, MON10, 0, 0, 0, "APPROVAL", 0 },
	{ "a 78-digit amount", "[" SL3 "]", PE_TRANSFER, 1, "n", TO, NULL,
	  NULL, MAXU, NULL, -1, MON10, 0, 0, 0, "APPROVAL", 0 },
	{ "USD: under", "[" USD10 "]", PE_TRANSFER, 1, "n", TO, NULL, NULL,
	  "1", NULL, 5, MON10, 0, 0, 0, "INSTANT", 0 },
	{ "USD: exact", "[" USD10 "]", PE_TRANSFER, 1, "n", TO, NULL, NULL,
	  "1", NULL, 10, MON10, 0, 0, 0, "INSTANT", 0 },
	{ "USD: one cent above", "[" USD10 "]", PE_TRANSFER, 1, "n", TO, NULL,
	  NULL, "1", NULL, 10.01, MON10, 0, 0, 0, "APPROVAL", 0 },
	{ "USD: no price escalates", "[" USD10 "]", PE_TRANSFER, 1, "n", TO,
	  NULL, NULL, "1", NULL, -1, MON10, 0, 0, 0, "APPROVAL", 0 },
	{ "USD: no price, configured to deny", "[" USD10 "]", PE_TRANSFER, 1,
	  "n", TO, NULL, NULL, "1", NULL, -1, MON10, 0, 0, 1, "POLICY_DENIED",
	  0 },
	{ "the stricter of native and USD wins", "["
	  SL("{\"instant_max\":\"100\",\"instant_max_usd\":1,"
	  "\"notify_max_usd\":50}") "]", PE_TRANSFER, 1, "n", TO, NULL, NULL,
	  "10", NULL, 20, MON10, 0, 0, 0, "NOTIFY", 0 },
	{ "daily limit: exactly reached", "["
	  SL("{\"instant_max_usd\":100,\"daily_limit_usd\":100}") "]",
	  PE_TRANSFER, 1, "n", TO, NULL, NULL, "1", NULL, 5, MON10, 0, 95, 0,
	  "INSTANT", 0 },
	{ "daily limit: one above", "["
	  SL("{\"instant_max_usd\":100,\"daily_limit_usd\":100}") "]",
	  PE_TRANSFER, 1, "n", TO, NULL, NULL, "1", NULL, 6, MON10, 0, 95, 0,
	  "APPROVAL", 0 },
	{ "monthly limit: above", "["
	  SL("{\"instant_max_usd\":100,\"monthly_limit_usd\":50}") "]",
	  PE_TRANSFER, 1, "n", TO, NULL, NULL, "1", NULL, 6, MON10, 0, 45, 0,
	  "APPROVAL", 0 },
	{ "token not listed", "[" SL3 "]", PE_TOKEN, 1, "n", TO, TOK, NULL,
	  "1", NULL, -1, MON10, 0, 0, 0, "TOKEN_NOT_ALLOWED", 0 },
	{ "another token", "[" SL3 ",{\"type\":\"ALLOWED_TOKENS\",\"rules\":"
	  "{\"tokens\":[{\"address\":\"" TOK "\"}]}}]", PE_TOKEN, 1, "n", TO,
	  OTHER, NULL, "1", NULL, 1, MON10, 0, 0, 0, "TOKEN_NOT_ALLOWED", 0 },
	{ "listed token, no USD value: approval", "[" SL3 ",{\"type\":"
	  "\"ALLOWED_TOKENS\",\"rules\":{\"tokens\":[{\"address\":\"" TOK
	  "\"}]}}]", PE_TOKEN, 1, "n", TO, TOKM, NULL, "1", NULL, -1, MON10, 0,
	  0, 0, "APPROVAL", 0 },
	{ "listed token valued in USD", "[" USD10 ",{\"type\":"
	  "\"ALLOWED_TOKENS\",\"rules\":{\"tokens\":[{\"address\":\"" TOK
	  "\"}]}}]", PE_TOKEN, 1, "n", TO, TOKM, NULL, "1000000", NULL, 3,
	  MON10, 0, 0, 0, "INSTANT", 0 },
	{ "Solana mint in another case is another mint", "[" USD10
	  ",{\"type\":\"ALLOWED_TOKENS\",\"rules\":{\"tokens\":[{\"address\":"
	  "\"" MINT "\"}]}}]", PE_TOKEN, 0, "devnet", MINT, MINT_LC, NULL, "1",
	  NULL, 3, MON10, 0, 0, 0, "TOKEN_NOT_ALLOWED", 0 },
	{ "whitelisted recipient, other case", "[" SL3 ",{\"type\":"
	  "\"WHITELIST\",\"rules\":{\"allowed_addresses\":[\"" TO_LC "\"]}}]",
	  PE_TRANSFER, 1, "n", TO, NULL, NULL, "1", NULL, -1, MON10, 0, 0, 0,
	  "INSTANT", 0 },
	{ "recipient not whitelisted", "[" SL3 ",{\"type\":\"WHITELIST\","
	  "\"rules\":{\"allowed_addresses\":[\"" OTHER "\"]}}]", PE_TRANSFER,
	  1, "n", TO, NULL, NULL, "1", NULL, -1, MON10, 0, 0, 0,
	  "WHITELIST_DENIED", 0 },
	{ "allowed network", "[" SL3 ",{\"type\":\"ALLOWED_NETWORKS\","
	  "\"rules\":{\"networks\":[{\"network\":\"ethereum-sepolia\"}]}}]",
	  PE_TRANSFER, 1, "ethereum-sepolia", TO, NULL, NULL, "1", NULL, -1,
	  MON10, 0, 0, 0, "INSTANT", 0 },
	{ "another network", "[" SL3 ",{\"type\":\"ALLOWED_NETWORKS\","
	  "\"rules\":{\"networks\":[{\"network\":\"ethereum-sepolia\"}]}}]",
	  PE_TRANSFER, 1, "base-sepolia", TO, NULL, NULL, "1", NULL, -1,
	  MON10, 0, 0, 0, "POLICY_DENIED", 0 },
	{ "the wallet's limit beats the global one", "["
	  SL("{\"instant_max\":\"1000\"}") ",{\"type\":\"SPENDING_LIMIT\","
	  "\"wallet\":1,\"rules\":{\"instant_max\":\"10\"}}]", PE_TRANSFER, 1,
	  "n", TO, NULL, NULL, "100", NULL, -1, MON10, 0, 0, 0, "APPROVAL",
	  0 },
	{ "a network's limit beats one for any network", "["
	  "{\"type\":\"SPENDING_LIMIT\",\"wallet\":1,\"network\":1,\"rules\":"
	  "{\"instant_max\":\"1000\"}},{\"type\":\"SPENDING_LIMIT\","
	  "\"wallet\":1,\"rules\":{\"instant_max\":\"10\"}}]", PE_TRANSFER, 1,
	  "n", TO, NULL, NULL, "100", NULL, -1, MON10, 0, 0, 0, "INSTANT", 0 },
	{ "then priority", "[{\"type\":\"SPENDING_LIMIT\",\"priority\":1,"
	  "\"rules\":{\"instant_max\":\"1000\"}},{\"type\":\"SPENDING_LIMIT\","
	  "\"priority\":5,\"rules\":{\"instant_max\":\"10\"}}]", PE_TRANSFER,
	  1, "n", TO, NULL, NULL, "100", NULL, -1, MON10, 0, 0, 0, "APPROVAL",
	  0 },
	{ "call to a contract not listed", "[" SL3 "]", PE_CALL, 1, "n", TO,
	  NULL, NULL, "0", "0xa9059cbb", -1, MON10, 0, 0, 0,
	  "CONTRACT_NOT_WHITELISTED", 0 },
	{ "call to a listed contract", "[" SL3 ",{\"type\":"
	  "\"CONTRACT_WHITELIST\",\"rules\":{\"contracts\":[{\"address\":\""
	  TO_LC "\"}]}}]", PE_CALL, 1, "n", TO, NULL, NULL, "0", "0xa9059cbb",
	  -1, MON10, 0, 0, 0, "INSTANT", 0 },
	{ "listed method", "[" SL3 ",{\"type\":\"CONTRACT_WHITELIST\","
	  "\"rules\":{\"contracts\":[{\"address\":\"" TO "\"}]}},{\"type\":"
	  "\"METHOD_WHITELIST\",\"rules\":{\"methods\":[{\"contractAddress\":"
	  "\"" TO "\",\"selectors\":[\"0xa9059cbb\"]}]}}]", PE_CALL, 1, "n", TO,
	  NULL, NULL, "0", "0xA9059CBB", -1, MON10, 0, 0, 0, "INSTANT", 0 },
	{ "method not listed", "[" SL3 ",{\"type\":\"CONTRACT_WHITELIST\","
	  "\"rules\":{\"contracts\":[{\"address\":\"" TO "\"}]}},{\"type\":"
	  "\"METHOD_WHITELIST\",\"rules\":{\"methods\":[{\"contractAddress\":"
	  "\"" TO "\",\"selectors\":[\"0xa9059cbb\"]}]}}]", PE_CALL, 1, "n", TO,
	  NULL, NULL, "0", "0x095ea7b3", -1, MON10, 0, 0, 0,
	  "METHOD_NOT_WHITELISTED", 0 },
	{ "a call's value above the native limit", "[" SL3 ",{\"type\":"
	  "\"CONTRACT_WHITELIST\",\"rules\":{\"contracts\":[{\"address\":\""
	  TO "\"}]}}]", PE_CALL, 1, "n", TO, NULL, NULL, "250", NULL, -1,
	  MON10, 0, 0, 0, "DELAY", 0 },
	{ "spender not approved", "[" SL3 "]", PE_APPROVE, 1, "n", TOK, TOK,
	  OTHER, "1", NULL, -1, MON10, 0, 0, 0, "SPENDER_NOT_APPROVED", 0 },
	{ "approved spender, exact maxAmount, tier overridden", "[" SL3
	  ",{\"type\":\"APPROVED_SPENDERS\",\"rules\":{\"spenders\":[{"
	  "\"address\":\"" TO_LC "\",\"maxAmount\":\"1000\"}]}},{\"type\":"
	  "\"APPROVE_TIER_OVERRIDE\",\"rules\":{\"tier\":\"NOTIFY\"}}]",
	  PE_APPROVE, 1, "n", TOK, TOK, TO, "1000", NULL, -1, MON10, 0, 0, 0,
	  "NOTIFY", 0 },
	{ "approved spender, one above maxAmount", "[" SL3
	  ",{\"type\":\"APPROVED_SPENDERS\",\"rules\":{\"spenders\":[{"
	  "\"address\":\"" TO "\",\"maxAmount\":\"1000\"}]}}]", PE_APPROVE, 1,
	  "n", TOK, TOK, TO, "1001", NULL, -1, MON10, 0, 0, 0,
	  "POLICY_DENIED", 0 },
	{ "approved spender, no value: approval", "[" SL3
	  ",{\"type\":\"APPROVED_SPENDERS\",\"rules\":{\"spenders\":[{"
	  "\"address\":\"" TO "\"}]}}]", PE_APPROVE, 1, "n", TOK, TOK, TO, "5",
	  NULL, -1, MON10, 0, 0, 0, "APPROVAL", 0 },
	{ "unlimited approval blocked", "[" SL3
	  ",{\"type\":\"APPROVED_SPENDERS\",\"rules\":{\"spenders\":[{"
	  "\"address\":\"" TO "\"}]}},{\"type\":\"APPROVE_AMOUNT_LIMIT\","
	  "\"rules\":{\"blockUnlimited\":true}}]", PE_APPROVE, 1, "n", TOK,
	  TOK, TO, MAXU, NULL, -1, MON10, 0, 0, 0, "POLICY_DENIED", 0 },
	{ "within allowed hours", "[" SL3 ",{\"type\":\"TIME_RESTRICTION\","
	  "\"rules\":{\"allowed_hours\":{\"start\":9,\"end\":17},"
	  "\"allowed_days\":[0,1,2,3,4,5,6]}}]",
	  PE_TRANSFER, 1, "n", TO, NULL, NULL, "1", NULL, -1, MON10, 0, 0, 0,
	  "INSTANT", 0 },
	{ "at the end hour", "[" SL3 ",{\"type\":\"TIME_RESTRICTION\","
	  "\"rules\":{\"allowed_hours\":{\"start\":9,\"end\":17},"
	  "\"allowed_days\":[0,1,2,3,4,5,6]}}]",
	  PE_TRANSFER, 1, "n", TO, NULL, NULL, "1", NULL, -1, H(17), 0, 0, 0,
	  "POLICY_DENIED", 0 },
	{ "hours wrapping midnight, inside", "[" SL3 ",{\"type\":"
	  "\"TIME_RESTRICTION\",\"rules\":{\"allowed_hours\":{\"start\":22,"
	  "\"end\":6},\"allowed_days\":[0,1,2,3,4,5,6]}}]", PE_TRANSFER, 1,
	  "n", TO, NULL, NULL, "1", NULL, -1,
	  H(23), 0, 0, 0, "INSTANT", 0 },
	{ "hours wrapping midnight, outside", "[" SL3 ",{\"type\":"
	  "\"TIME_RESTRICTION\",\"rules\":{\"allowed_hours\":{\"start\":22,"
	  "\"end\":6},\"allowed_days\":[0,1,2,3,4,5,6]}}]", PE_TRANSFER, 1,
	  "n", TO, NULL, NULL, "1", NULL, -1,
	  MON10, 0, 0, 0, "POLICY_DENIED", 0 },
	{ "weekdays only, on a Sunday", "[" SL3 ",{\"type\":"
	  "\"TIME_RESTRICTION\",\"rules\":{\"allowed_hours\":{\"start\":0,"
	  "\"end\":24},\"allowed_days\":[1,2,3,4,5]}}]",
	  PE_TRANSFER, 1, "n", TO, NULL, NULL, "1", NULL, -1, SUN10, 0, 0, 0,
	  "POLICY_DENIED", 0 },
	{ "weekdays only, on a Monday", "[" SL3 ",{\"type\":"
	  "\"TIME_RESTRICTION\",\"rules\":{\"allowed_hours\":{\"start\":0,"
	  "\"end\":24},\"allowed_days\":[1,2,3,4,5]}}]",
	  PE_TRANSFER, 1, "n", TO, NULL, NULL, "1", NULL, -1, MON10, 0, 0, 0,
	  "INSTANT", 0 },
	{ "rate limit: the last one allowed", "[" SL3 ",{\"type\":"
	  "\"RATE_LIMIT\",\"rules\":{\"max_requests\":3,\"window_seconds\":60"
	  "}}]", PE_TRANSFER, 1, "n", TO, NULL, NULL, "1", NULL, -1, MON10, 2,
	  0, 0, "INSTANT", 0 },
	{ "rate limit: one more", "[" SL3 ",{\"type\":\"RATE_LIMIT\","
	  "\"rules\":{\"max_requests\":3,\"window_seconds\":60}}]",
	  PE_TRANSFER, 1, "n", TO, NULL, NULL, "1", NULL, -1, MON10, 3, 0, 0,
	  "RATE_LIMIT_EXCEEDED", 0 },
	/* NFT_TRANSFER: the collection (token) as a call's contract */
	{ "NFT: no CONTRACT_WHITELIST", "[" SL3 "]", PE_NFT, 1, "n", TO, TOK,
	  NULL, "1", "0x42842e0e", 0, MON10, 0, 0, 0,
	  "CONTRACT_NOT_WHITELISTED", 0 },
	{ "NFT: another collection listed", "[" SL3 ",{\"type\":"
	  "\"CONTRACT_WHITELIST\",\"rules\":{\"contracts\":[{\"address\":"
	  "\"" OTHER "\"}]}}]", PE_NFT, 1, "n", TO, TOK, NULL, "1",
	  "0x42842e0e", 0, MON10, 0, 0, 0, "CONTRACT_NOT_WHITELISTED", 0 },
	{ "NFT: its collection listed; a count is no native value", "[" SL3
	  ",{\"type\":\"CONTRACT_WHITELIST\",\"rules\":{\"contracts\":"
	  "[{\"address\":\"" TOKM "\"}]}}]", PE_NFT, 1, "n", TO, TOK, NULL,
	  "1000", "0x42842e0e", 0, MON10, 0, 0, 0, "INSTANT", 0 },
	{ "NFT: recipient outside the WHITELIST", "[" SL3 ",{\"type\":"
	  "\"CONTRACT_WHITELIST\",\"rules\":{\"contracts\":[{\"address\":"
	  "\"" TOKM "\"}]}},{\"type\":\"WHITELIST\",\"rules\":"
	  "{\"allowed_addresses\":[\"" OTHER "\"]}}]", PE_NFT, 1, "n", TO,
	  TOK, NULL, "1", "0x42842e0e", 0, MON10, 0, 0, 0,
	  "WHITELIST_DENIED", 0 },
	{ "NFT: its selector not in METHOD_WHITELIST", "[" SL3 ",{\"type\":"
	  "\"CONTRACT_WHITELIST\",\"rules\":{\"contracts\":[{\"address\":"
	  "\"" TOKM "\"}]}},{\"type\":\"METHOD_WHITELIST\",\"rules\":"
	  "{\"methods\":[{\"contractAddress\":\"" TOK "\",\"selectors\":"
	  "[\"0xf242432a\"]}]}}]", PE_NFT, 1, "n", TO, TOK, NULL, "1",
	  "0x42842e0e", 0, MON10, 0, 0, 0, "METHOD_NOT_WHITELISTED", 0 },
	/* CONTRACT_DEPLOY: only with allowDeploy */
	{ "deploy: no policy but a spending limit", "[" SL3 "]", PE_DEPLOY, 1,
	  "n", "", NULL, NULL, "0", NULL, 0, MON10, 0, 0, 0, "POLICY_DENIED",
	  0 },
	{ "deploy: a CONTRACT_WHITELIST without allowDeploy", "[" SL3
	  ",{\"type\":\"CONTRACT_WHITELIST\",\"rules\":{\"contracts\":"
	  "[{\"address\":\"" TOKM "\"}]}}]", PE_DEPLOY, 1, "n", "", NULL,
	  NULL, "0", NULL, 0, MON10, 0, 0, 0, "POLICY_DENIED", 0 },
	{ "deploy: allowDeploy false", "[" SL3 ",{\"type\":"
	  "\"CONTRACT_WHITELIST\",\"rules\":{\"allowDeploy\":false,"
	  "\"contracts\":[{\"address\":\"" TOKM "\"}]}}]", PE_DEPLOY, 1,
	  "n", "", NULL, NULL, "0", NULL, 0, MON10, 0, 0, 0, "POLICY_DENIED",
	  0 },
	{ "deploy: allowDeploy, no contract listed", "[" SL3 ",{\"type\":"
	  "\"CONTRACT_WHITELIST\",\"rules\":{\"allowDeploy\":true}}]",
	  PE_DEPLOY, 1, "n", "", NULL, NULL, "0", NULL, 0, MON10, 0, 0, 0,
	  "INSTANT", 0 },
	{ "deploy: its value judged as native", "[" SL3 ",{\"type\":"
	  "\"CONTRACT_WHITELIST\",\"rules\":{\"allowDeploy\":true}}]",
	  PE_DEPLOY, 1, "n", "", NULL, NULL, "301", NULL, 0, MON10, 0, 0, 0,
	  "APPROVAL", 0 },
	{ "deploy: allowDeploy allows no calls", "[" SL3 ",{\"type\":"
	  "\"CONTRACT_WHITELIST\",\"rules\":{\"allowDeploy\":true}}]",
	  PE_CALL, 1, "n", TO, NULL, NULL, "0", NULL, 0, MON10, 0, 0, 0,
	  "CONTRACT_NOT_WHITELISTED", 0 },
};

static const struct row	*cur;

static long long
requests_since(void *arg, long long t)
{
	(void)arg;
	(void)t;
	return cur->requests;
}

static double
usd_since(void *arg, long long t)
{
	(void)arg;
	(void)t;
	return cur->spent;
}

static void
test_rows(void **state)
{
	struct pe_policy	 p[8];
	struct pe_tx		 tx;
	struct pe_env		 env;
	struct pe_result	 r;
	json_t			*list, *e, *issues, *canon[8];
	const char		*got;
	size_t			 i, k, n;
	int			 bad = 0;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		cur = &rows[i];
		list = json_loads(cur->policies, 0, NULL);
		assert_non_null(list);
		n = json_array_size(list);
		assert_true(n <= 8);
		json_array_foreach(list, k, e) {
			issues = json_array();
			canon[k] = policy_rules_check(json_string_value(
			    json_object_get(e, "type")), json_object_get(e,
			    "rules"), issues);
			if (json_array_size(issues) != 0)
				fail_msg("%s: policy %zu does not validate: %s",
				    cur->name, k, json_dumps(issues, 0));
			json_decref(issues);
			p[k].type = policy_type(json_string_value(
			    json_object_get(e, "type")));
			p[k].rules = canon[k];
			p[k].wallet = json_is_integer(json_object_get(e,
			    "wallet"));
			p[k].network = json_is_integer(json_object_get(e,
			    "network"));
			p[k].priority = (int)json_integer_value(
			    json_object_get(e, "priority"));
		}
		memset(&tx, 0, sizeof(tx));
		tx.type = cur->type;
		tx.evm = cur->evm;
		tx.network = cur->network;
		tx.to = cur->to;
		tx.token = cur->token;
		tx.spender = cur->spender;
		tx.amount = cur->amount;
		tx.selector = cur->selector;
		if (cur->type == PE_NFT)
			tx.contract = cur->token;
		tx.usd = cur->usd;
		memset(&env, 0, sizeof(env));
		env.now = cur->now;
		env.requests_since = requests_since;
		env.usd_since = usd_since;
		env.unpriced_deny = cur->unpriced_deny;
		policy_eval(&tx, p, n, &env, &r);
		got = r.allowed ? tier_name(r.tier) : r.code;
		if (strcmp(got, cur->want) != 0 || (cur->delay != 0 &&
		    r.delay_seconds != cur->delay)) {
			print_error("%s: want %s, got %s (%s)\n", cur->name,
			    cur->want, got, r.reason);
			bad++;
		}
		if (!r.allowed && strstr(r.reason, "%") != NULL)
			bad++;
		for (k = 0; k < n; k++)
			json_decref(canon[k]);
		json_decref(list);
	}
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
