/*
 * The policy rules validator, table-driven: valid rules of every type
 * come back canonical (and stay the same when checked again); invalid
 * ones come back NULL with an issue at the exact path of the fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "policy_rules.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#define EVM	"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
#define EVM_LC	"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
#define EVM2	"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
#define SOL	"EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
#define SOL2	"So11111111111111111111111111111111111111112"
#define SOL0	"11111111111111111111111111111111"
#define U256	"1157920892373161954235709850086879078532699846656405640394" \
		"57584007913129639935"
#define U256P1	"1157920892373161954235709850086879078532699846656405640394" \
		"57584007913129639936"

struct vcase {
	const char	*type;
	const char	*rules;
	const char	*path;		/* JSON; the issue's, if invalid */
};

static const struct vcase valid[] = {
	{ "SPENDING_LIMIT", "{\"instant_max\":\"1000\",\"notify_max\":\"2000\","
	    "\"delay_max\":\"3000\"}", NULL },
	{ "SPENDING_LIMIT", "{\"instant_max_usd\":10,\"notify_max_usd\":50.5,"
	    "\"delay_max_usd\":100,\"daily_limit_usd\":0,"
	    "\"monthly_limit_usd\":1000,\"delay_seconds\":60,"
	    "\"approval_timeout\":604800}", NULL },
	{ "SPENDING_LIMIT", "{\"instant_max\":\"0\",\"delay_max\":\"" U256
	    "\"}", NULL },
	{ "SPENDING_LIMIT", "{\"notify_max\":\"5\",\"notify_max_usd\":1e3}",
	    NULL },
	{ "SPENDING_LIMIT", "{\"instant_max\":\"7\",\"notify_max\":\"7\","
	    "\"delay_max\":\"7\"}", NULL },
	{ "WHITELIST", "{\"allowed_addresses\":[\"" EVM "\",\"" SOL "\",\""
	    SOL0 "\",\"" EVM2 "\"]}", NULL },
	{ "ALLOWED_NETWORKS", "{\"networks\":[{\"network\":\"ethereum-sepolia\""
	    "},{\"network\":\"devnet\",\"name\":\"dev\"}]}", NULL },
	{ "ALLOWED_TOKENS", "{\"tokens\":[{\"address\":\"" SOL "\",\"symbol\":"
	    "\"USDC\",\"chain\":\"solana\"},{\"address\":\"" EVM "\"},"
	    "{\"address\":\"" EVM2 "\",\"symbol\":\"USD\\u20ae\","
	    "\"chain\":\"ethereum\"}]}", NULL },
	{ "CONTRACT_WHITELIST", "{\"contracts\":[{\"address\":\"" EVM "\","
	    "\"name\":\"Uniswap V3 router\",\"chain\":\"ethereum\"},"
	    "{\"address\":\"" SOL2 "\"}]}", NULL },
	{ "METHOD_WHITELIST", "{\"methods\":[{\"contractAddress\":\"" EVM "\","
	    "\"selectors\":[\"0xa9059cbb\",\"0x095EA7B3\"]},{\"contractAddress"
	    "\":\"" EVM2 "\",\"selectors\":[\"0xa9059cbb\"]}]}", NULL },
	{ "APPROVED_SPENDERS", "{\"spenders\":[{\"address\":\"" EVM "\","
	    "\"maxAmount\":\"1000000\",\"name\":\"router\"},{\"address\":\""
	    SOL "\"}]}", NULL },
	{ "APPROVE_AMOUNT_LIMIT", "{\"maxAmount\":\"0\",\"blockUnlimited\":"
	    "true}", NULL },
	{ "APPROVE_AMOUNT_LIMIT", "{\"blockUnlimited\":false}", NULL },
	{ "APPROVE_TIER_OVERRIDE", "{\"tier\":\"APPROVAL\"}", NULL },
	{ "APPROVE_TIER_OVERRIDE", "{\"tier\":\"INSTANT\"}", NULL },
	{ "TIME_RESTRICTION", "{\"allowed_hours\":{\"start\":9,\"end\":17},"
	    "\"allowed_days\":[1,2,3,4,5]}", NULL },
	{ "TIME_RESTRICTION", "{\"allowed_hours\":{\"start\":22,\"end\":6},"
	    "\"allowed_days\":[0,6]}", NULL },
	{ "TIME_RESTRICTION", "{\"allowed_hours\":{\"start\":0,\"end\":24},"
	    "\"allowed_days\":[0,1,2,3,4,5,6]}", NULL },
	{ "RATE_LIMIT", "{\"max_requests\":10,\"window_seconds\":3600}", NULL },
	{ "RATE_LIMIT", "{\"max_requests\":1000000,\"window_seconds\":"
	    "2592000}", NULL },
};

static const struct vcase invalid[] = {
	/* Any type */
	{ "NO_SUCH_TYPE", "{}", "[\"type\"]" },
	{ "SPENDING_LIMIT", "[]", "[\"rules\"]" },
	{ "WHITELIST", "\"x\"", "[\"rules\"]" },
	/* SPENDING_LIMIT */
	{ "SPENDING_LIMIT", "{}", "[\"rules\"]" },
	{ "SPENDING_LIMIT", "{\"delay_seconds\":900}", "[\"rules\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max\":1000}",
	    "[\"rules\",\"instant_max\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max\":\"-1\"}",
	    "[\"rules\",\"instant_max\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max\":\"+1\"}",
	    "[\"rules\",\"instant_max\"]" },
	{ "SPENDING_LIMIT", "{\"notify_max\":\"01\"}",
	    "[\"rules\",\"notify_max\"]" },
	{ "SPENDING_LIMIT", "{\"delay_max\":\"1e3\"}",
	    "[\"rules\",\"delay_max\"]" },
	{ "SPENDING_LIMIT", "{\"delay_max\":\"\"}",
	    "[\"rules\",\"delay_max\"]" },
	{ "SPENDING_LIMIT", "{\"delay_max\":\"1.5\"}",
	    "[\"rules\",\"delay_max\"]" },
	{ "SPENDING_LIMIT", "{\"delay_max\":\"" U256P1 "\"}",
	    "[\"rules\",\"delay_max\"]" },
	{ "SPENDING_LIMIT", "{\"delay_max\":\"1" U256 "\"}",
	    "[\"rules\",\"delay_max\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max\":\"10\",\"notify_max\":\"9\"}",
	    "[\"rules\",\"instant_max\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max\":\"10\",\"delay_max\":\"9\"}",
	    "[\"rules\",\"instant_max\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max\":\"1\",\"notify_max\":\"100\","
	    "\"delay_max\":\"99\"}", "[\"rules\",\"notify_max\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max\":\"100\",\"notify_max\":\"99\","
	    "\"delay_max\":\"1000\"}", "[\"rules\",\"instant_max\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max_usd\":-1}",
	    "[\"rules\",\"instant_max_usd\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max_usd\":\"5\"}",
	    "[\"rules\",\"instant_max_usd\"]" },
	{ "SPENDING_LIMIT", "{\"delay_max_usd\":1e16}",
	    "[\"rules\",\"delay_max_usd\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max_usd\":5,\"notify_max_usd\":4.99}",
	    "[\"rules\",\"instant_max_usd\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max\":\"1\",\"delay_seconds\":59}",
	    "[\"rules\",\"delay_seconds\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max\":\"1\",\"delay_seconds\":900.5}",
	    "[\"rules\",\"delay_seconds\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max\":\"1\",\"delay_seconds\":\"900\"}",
	    "[\"rules\",\"delay_seconds\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max\":\"1\",\"approval_timeout\":"
	    "604801}", "[\"rules\",\"approval_timeout\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max\":\"1\",\"approval_timeout\":59}",
	    "[\"rules\",\"approval_timeout\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max\":\"1\",\"daily_limit_usd\":-0.01}",
	    "[\"rules\",\"daily_limit_usd\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max\":\"1\",\"monthly_limit_usd\":"
	    "null}", "[\"rules\",\"monthly_limit_usd\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max\":\"1\",\"extra\":1}",
	    "[\"rules\",\"extra\"]" },
	{ "SPENDING_LIMIT", "{\"instant_max\":\"1\",\"token_limits\":{}}",
	    "[\"rules\",\"token_limits\"]" },
	/* WHITELIST */
	{ "WHITELIST", "{}", "[\"rules\",\"allowed_addresses\"]" },
	{ "WHITELIST", "{\"allowed_addresses\":[]}",
	    "[\"rules\",\"allowed_addresses\"]" },
	{ "WHITELIST", "{\"allowed_addresses\":\"" EVM "\"}",
	    "[\"rules\",\"allowed_addresses\"]" },
	{ "WHITELIST", "{\"allowed_addresses\":[\"" EVM "\",\"" SOL "\","
	    "\"0x123\"]}", "[\"rules\",\"allowed_addresses\",2]" },
	{ "WHITELIST", "{\"allowed_addresses\":[\"" EVM "\",\"" EVM_LC "\"]}",
	    "[\"rules\",\"allowed_addresses\",1]" },
	{ "WHITELIST", "{\"allowed_addresses\":[\"" SOL "\",\"" SOL "\"]}",
	    "[\"rules\",\"allowed_addresses\",1]" },
	{ "WHITELIST", "{\"allowed_addresses\":[1]}",
	    "[\"rules\",\"allowed_addresses\",0]" },
	{ "WHITELIST", "{\"allowed_addresses\":[[\"" EVM "\"]]}",
	    "[\"rules\",\"allowed_addresses\",0]" },
	{ "WHITELIST", "{\"allowed_addresses\":[\"0X" EVM_LC "\"]}",
	    "[\"rules\",\"allowed_addresses\",0]" },
	{ "WHITELIST", "{\"allowed_addresses\":[\"1111111111111111111111111111"
	    "111\"]}", "[\"rules\",\"allowed_addresses\",0]" },
	{ "WHITELIST", "{\"allowed_addresses\":[\"0xf39Fd6e51aad88F6F4ce6aB88"
	    "27279cffFb9226g\"]}", "[\"rules\",\"allowed_addresses\",0]" },
	{ "WHITELIST", "{\"allowed_addresses\":[\"" SOL "0\"]}",
	    "[\"rules\",\"allowed_addresses\",0]" },
	{ "WHITELIST", "{\"allowed_addresses\":[\"" EVM "\"],\"x\":1}",
	    "[\"rules\",\"x\"]" },
	/* ALLOWED_NETWORKS */
	{ "ALLOWED_NETWORKS", "{\"networks\":[]}", "[\"rules\",\"networks\"]" },
	{ "ALLOWED_NETWORKS", "{\"networks\":[{\"network\":\"bitcoin\"}]}",
	    "[\"rules\",\"networks\",0,\"network\"]" },
	{ "ALLOWED_NETWORKS", "{\"networks\":[\"devnet\"]}",
	    "[\"rules\",\"networks\",0]" },
	{ "ALLOWED_NETWORKS", "{\"networks\":[{\"network\":\"devnet\"},"
	    "{\"network\":\"devnet\"}]}",
	    "[\"rules\",\"networks\",1,\"network\"]" },
	{ "ALLOWED_NETWORKS", "{\"networks\":[{\"network\":\"devnet\","
	    "\"chainId\":1}]}", "[\"rules\",\"networks\",0,\"chainId\"]" },
	{ "ALLOWED_NETWORKS", "{\"networks\":[{\"name\":\"x\"}]}",
	    "[\"rules\",\"networks\",0,\"network\"]" },
	{ "ALLOWED_NETWORKS", "{\"networks\":[{\"network\":\"Devnet\"}]}",
	    "[\"rules\",\"networks\",0,\"network\"]" },
	/* ALLOWED_TOKENS */
	{ "ALLOWED_TOKENS", "{\"tokens\":[]}", "[\"rules\",\"tokens\"]" },
	{ "ALLOWED_TOKENS", "{\"tokens\":[{\"symbol\":\"X\"}]}",
	    "[\"rules\",\"tokens\",0,\"address\"]" },
	{ "ALLOWED_TOKENS", "{\"tokens\":[{\"address\":\"" EVM "\",\"chain\":"
	    "\"solana\"}]}", "[\"rules\",\"tokens\",0,\"address\"]" },
	{ "ALLOWED_TOKENS", "{\"tokens\":[{\"address\":\"" SOL "\",\"chain\":"
	    "\"ethereum\"}]}", "[\"rules\",\"tokens\",0,\"address\"]" },
	{ "ALLOWED_TOKENS", "{\"tokens\":[{\"address\":\"" EVM "\",\"chain\":"
	    "\"bitcoin\"}]}", "[\"rules\",\"tokens\",0,\"chain\"]" },
	{ "ALLOWED_TOKENS", "{\"tokens\":[{\"address\":\"" EVM "\",\"symbol\":"
	    "\"ABCDEFGHIJKLMNOPQRSTUVWXYZ1234567\"}]}",
	    "[\"rules\",\"tokens\",0,\"symbol\"]" },
	{ "ALLOWED_TOKENS", "{\"tokens\":[{\"address\":\"" EVM "\",\"symbol\":"
	    "\"A\\u0001\"}]}", "[\"rules\",\"tokens\",0,\"symbol\"]" },
	{ "ALLOWED_TOKENS", "{\"tokens\":[{\"address\":\"" EVM "\",\"symbol\":"
	    "\"\"}]}", "[\"rules\",\"tokens\",0,\"symbol\"]" },
	{ "ALLOWED_TOKENS", "{\"tokens\":[{\"address\":\"" EVM "\"},{\"address"
	    "\":\"" EVM2 "\",\"decimals\":6}]}",
	    "[\"rules\",\"tokens\",1,\"decimals\"]" },
	/* CONTRACT_WHITELIST */
	{ "CONTRACT_WHITELIST", "{\"contracts\":{}}",
	    "[\"rules\",\"contracts\"]" },
	{ "CONTRACT_WHITELIST", "{\"contracts\":[{\"address\":\"" EVM "\"},"
	    "{\"address\":\"" EVM "\"}]}",
	    "[\"rules\",\"contracts\",1,\"address\"]" },
	{ "CONTRACT_WHITELIST", "{\"contracts\":[{\"address\":\"" EVM "\","
	    "\"name\":\"0123456789012345678901234567890123456789012345678901"
	    "234567890123456789012345678901234567890123456789X\"}]}",
	    "[\"rules\",\"contracts\",0,\"name\"]" },
	{ "CONTRACT_WHITELIST", "{\"contracts\":[{\"address\":\"" EVM "\","
	    "\"name\":7}]}", "[\"rules\",\"contracts\",0,\"name\"]" },
	{ "CONTRACT_WHITELIST", "{\"contracts\":[null]}",
	    "[\"rules\",\"contracts\",0]" },
	/* METHOD_WHITELIST */
	{ "METHOD_WHITELIST", "{\"methods\":[{\"contractAddress\":\"" EVM "\","
	    "\"selectors\":[]}]}", "[\"rules\",\"methods\",0,\"selectors\"]" },
	{ "METHOD_WHITELIST", "{\"methods\":[{\"contractAddress\":\"" EVM "\"}"
	    "]}", "[\"rules\",\"methods\",0,\"selectors\"]" },
	{ "METHOD_WHITELIST", "{\"methods\":[{\"contractAddress\":\"" EVM "\","
	    "\"selectors\":[\"0xa9059cbb\",\"0xa9059cb\"]}]}",
	    "[\"rules\",\"methods\",0,\"selectors\",1]" },
	{ "METHOD_WHITELIST", "{\"methods\":[{\"contractAddress\":\"" EVM "\","
	    "\"selectors\":[\"a9059cbb00\"]}]}",
	    "[\"rules\",\"methods\",0,\"selectors\",0]" },
	{ "METHOD_WHITELIST", "{\"methods\":[{\"contractAddress\":\"" EVM "\","
	    "\"selectors\":[\"0xa9059cbb\",\"0xA9059CBB\"]}]}",
	    "[\"rules\",\"methods\",0,\"selectors\",1]" },
	{ "METHOD_WHITELIST", "{\"methods\":[{\"contractAddress\":\"" SOL "\","
	    "\"selectors\":[\"0xa9059cbb\"]}]}",
	    "[\"rules\",\"methods\",0,\"contractAddress\"]" },
	{ "METHOD_WHITELIST", "{\"methods\":[{\"contractAddress\":\"" EVM "\","
	    "\"selectors\":[\"0xa9059cbb\"]},{\"contractAddress\":\"" EVM_LC
	    "\",\"selectors\":[\"0xa9059cbb\"]}]}",
	    "[\"rules\",\"methods\",1,\"contractAddress\"]" },
	/* APPROVED_SPENDERS */
	{ "APPROVED_SPENDERS", "{\"spenders\":[{\"address\":\"" EVM "\","
	    "\"maxAmount\":5}]}", "[\"rules\",\"spenders\",0,\"maxAmount\"]" },
	{ "APPROVED_SPENDERS", "{\"spenders\":[{\"name\":\"x\"}]}",
	    "[\"rules\",\"spenders\",0,\"address\"]" },
	{ "APPROVED_SPENDERS", "{\"spenders\":[]}",
	    "[\"rules\",\"spenders\"]" },
	/* APPROVE_AMOUNT_LIMIT */
	{ "APPROVE_AMOUNT_LIMIT", "{}", "[\"rules\",\"blockUnlimited\"]" },
	{ "APPROVE_AMOUNT_LIMIT", "{\"blockUnlimited\":\"true\"}",
	    "[\"rules\",\"blockUnlimited\"]" },
	{ "APPROVE_AMOUNT_LIMIT", "{\"blockUnlimited\":true,\"maxAmount\":"
	    "\"-5\"}", "[\"rules\",\"maxAmount\"]" },
	{ "APPROVE_AMOUNT_LIMIT", "{\"blockUnlimited\":1}",
	    "[\"rules\",\"blockUnlimited\"]" },
	/* APPROVE_TIER_OVERRIDE */
	{ "APPROVE_TIER_OVERRIDE", "{\"tier\":\"instant\"}",
	    "[\"rules\",\"tier\"]" },
	{ "APPROVE_TIER_OVERRIDE", "{}", "[\"rules\",\"tier\"]" },
	{ "APPROVE_TIER_OVERRIDE", "{\"tier\":\"APPROVAL\",\"reason\":\"x\"}",
	    "[\"rules\",\"reason\"]" },
	/* TIME_RESTRICTION */
	{ "TIME_RESTRICTION", "{\"allowed_hours\":{\"start\":24,\"end\":1},"
	    "\"allowed_days\":[1]}",
	    "[\"rules\",\"allowed_hours\",\"start\"]" },
	{ "TIME_RESTRICTION", "{\"allowed_hours\":{\"start\":1,\"end\":0},"
	    "\"allowed_days\":[1]}", "[\"rules\",\"allowed_hours\",\"end\"]" },
	{ "TIME_RESTRICTION", "{\"allowed_hours\":{\"start\":5,\"end\":5},"
	    "\"allowed_days\":[1]}", "[\"rules\",\"allowed_hours\",\"end\"]" },
	{ "TIME_RESTRICTION", "{\"allowed_hours\":{\"start\":5},"
	    "\"allowed_days\":[1]}", "[\"rules\",\"allowed_hours\",\"end\"]" },
	{ "TIME_RESTRICTION", "{\"allowed_hours\":[9,17],\"allowed_days\":[1]}",
	    "[\"rules\",\"allowed_hours\"]" },
	{ "TIME_RESTRICTION", "{\"allowed_hours\":{\"start\":9,\"end\":17,"
	    "\"tz\":\"UTC\"},\"allowed_days\":[1]}",
	    "[\"rules\",\"allowed_hours\",\"tz\"]" },
	{ "TIME_RESTRICTION", "{\"allowed_hours\":{\"start\":9,\"end\":17},"
	    "\"allowed_days\":[]}", "[\"rules\",\"allowed_days\"]" },
	{ "TIME_RESTRICTION", "{\"allowed_hours\":{\"start\":9,\"end\":17},"
	    "\"allowed_days\":[1,1]}", "[\"rules\",\"allowed_days\",1]" },
	{ "TIME_RESTRICTION", "{\"allowed_hours\":{\"start\":9,\"end\":17},"
	    "\"allowed_days\":[7]}", "[\"rules\",\"allowed_days\",0]" },
	{ "TIME_RESTRICTION", "{\"allowed_hours\":{\"start\":9,\"end\":17},"
	    "\"allowed_days\":[\"monday\"]}",
	    "[\"rules\",\"allowed_days\",0]" },
	{ "TIME_RESTRICTION", "{\"allowed_hours\":{\"start\":9,\"end\":17},"
	    "\"allowed_days\":[0,1,2,3,4,5,6,0]}",
	    "[\"rules\",\"allowed_days\"]" },
	{ "TIME_RESTRICTION", "{\"allowed_hours\":{\"start\":9,\"end\":17},"
	    "\"allowed_days\":[1],\"timezone\":\"Europe/Paris\"}",
	    "[\"rules\",\"timezone\"]" },
	{ "TIME_RESTRICTION", "{\"allowed_days\":[1]}",
	    "[\"rules\",\"allowed_hours\"]" },
	/* RATE_LIMIT */
	{ "RATE_LIMIT", "{\"max_requests\":0,\"window_seconds\":60}",
	    "[\"rules\",\"max_requests\"]" },
	{ "RATE_LIMIT", "{\"max_requests\":1000001,\"window_seconds\":60}",
	    "[\"rules\",\"max_requests\"]" },
	{ "RATE_LIMIT", "{\"max_requests\":1,\"window_seconds\":2592001}",
	    "[\"rules\",\"window_seconds\"]" },
	{ "RATE_LIMIT", "{\"max_requests\":1,\"window_seconds\":\"60\"}",
	    "[\"rules\",\"window_seconds\"]" },
	{ "RATE_LIMIT", "{\"max_requests\":1}",
	    "[\"rules\",\"window_seconds\"]" },
	{ "RATE_LIMIT", "{\"max_requests\":1.5,\"window_seconds\":60}",
	    "[\"rules\",\"max_requests\"]" },
};

static json_t *
load(const char *s)
{
	json_error_t	 err;
	json_t		*j;

	j = json_loads(s, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
	if (j == NULL)
		fail_msg("bad test JSON %s: %s", s, err.text);
	return j;
}

static char *
dump(json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
}

/* Is there an issue at exactly path? */
static int
has_path(json_t *issues, json_t *path)
{
	json_t	*i;
	size_t	 k;

	json_array_foreach(issues, k, i)
		if (json_equal(json_object_get(i, "path"), path))
			return 1;
	return 0;
}

static void
test_valid(void **state)
{
	const struct vcase	*c;
	json_t			*rules, *issues, *out, *again;
	char			*s, *t;
	size_t			 i;

	for (i = 0; i < NELEM(valid); i++) {
		c = &valid[i];
		rules = load(c->rules);
		issues = json_array();
		out = policy_rules_check(c->type, rules, issues);
		if (out == NULL) {
			s = json_dumps(issues, 0);
			fail_msg("%s %s: %s", c->type, c->rules, s);
		}
		assert_int_equal(json_array_size(issues), 0);
		/* The canonical form is itself valid, and fixed. */
		again = policy_rules_check(c->type, out, issues);
		assert_non_null(again);
		s = dump(out);
		t = dump(again);
		assert_string_equal(s, t);
		free(s);
		free(t);
		json_decref(again);
		json_decref(out);
		json_decref(issues);
		json_decref(rules);
	}
}

static void
test_invalid(void **state)
{
	const struct vcase	*c;
	json_t			*rules, *issues, *path, *out;
	char			*s;
	size_t			 i;

	for (i = 0; i < NELEM(invalid); i++) {
		c = &invalid[i];
		rules = load(c->rules);
		path = load(c->path);
		issues = json_array();
		out = policy_rules_check(c->type, rules, issues);
		if (out != NULL)
			fail_msg("accepted: %s %s", c->type, c->rules);
		/* Exactly one issue, at exactly that path. */
		if (json_array_size(issues) != 1 || !has_path(issues, path)) {
			s = json_dumps(issues, 0);
			fail_msg("%s %s: want %s, got %s", c->type, c->rules,
			    c->path, s);
		}
		/* Without a list to fill, the answer is the same. */
		assert_null(policy_rules_check(c->type, rules, NULL));
		json_decref(issues);
		json_decref(path);
		json_decref(rules);
	}
}

/* Defaults are stored explicitly; nothing else is added. */
static void
test_defaults(void **state)
{
	json_t	*rules, *out;
	char	*s;

	rules = load("{\"notify_max\":\"5\"}");
	out = policy_rules_check("SPENDING_LIMIT", rules, NULL);
	assert_non_null(out);
	s = dump(out);
	assert_string_equal(s, "{\"approval_timeout\":3600,\"delay_seconds\":"
	    "900,\"notify_max\":\"5\"}");
	free(s);
	json_decref(out);
	json_decref(rules);

	/* -0 is stored as 0. */
	rules = load("{\"instant_max_usd\":-0.0}");
	out = policy_rules_check("SPENDING_LIMIT", rules, NULL);
	assert_non_null(out);
	s = json_dumps(json_object_get(out, "instant_max_usd"),
	    JSON_ENCODE_ANY);
	assert_string_equal(s, "0.0");
	free(s);
	json_decref(out);
	json_decref(rules);
}

/* Every fault is reported, each at its path, in one answer. */
static void
test_many_issues(void **state)
{
	json_t	*rules, *issues, *p;

	rules = load("{\"instant_max\":\"x\",\"notify_max_usd\":-1,"
	    "\"delay_seconds\":1,\"bogus\":true}");
	issues = json_array();
	assert_null(policy_rules_check("SPENDING_LIMIT", rules, issues));
	assert_int_equal(json_array_size(issues), 4);
	p = load("[\"rules\",\"bogus\"]");
	assert_true(has_path(issues, p));
	json_decref(p);
	p = load("[\"rules\",\"notify_max_usd\"]");
	assert_true(has_path(issues, p));
	json_decref(p);
	json_decref(issues);
	json_decref(rules);
}

/* Lists: 1,000 entries at most; the issue count is bounded. */
static void
test_bounds(void **state)
{
	json_t	*rules, *a, *issues, *p, *out;
	char	 buf[64];
	size_t	 i;

	a = json_array();
	for (i = 0; i < POLICY_LIST_MAX; i++) {
		snprintf(buf, sizeof(buf), "0x%040zx", i + 1);
		json_array_append_new(a, json_string(buf));
	}
	rules = json_pack("{s:o}", "allowed_addresses", a);
	out = policy_rules_check("WHITELIST", rules, NULL);
	assert_non_null(out);
	json_decref(out);
	json_array_append_new(a, json_string(EVM));
	issues = json_array();
	assert_null(policy_rules_check("WHITELIST", rules, issues));
	assert_int_equal(json_array_size(issues), 1);
	p = load("[\"rules\",\"allowed_addresses\"]");
	assert_true(has_path(issues, p));
	json_decref(p);
	json_decref(issues);
	json_decref(rules);

	/* 1,000 bad entries: POLICY_ISSUES_MAX issues, not 1,000. */
	a = json_array();
	for (i = 0; i < POLICY_LIST_MAX; i++)
		json_array_append_new(a, json_integer((json_int_t)i));
	rules = json_pack("{s:o}", "allowed_addresses", a);
	issues = json_array();
	assert_null(policy_rules_check("WHITELIST", rules, issues));
	assert_int_equal(json_array_size(issues), POLICY_ISSUES_MAX);
	json_decref(issues);
	json_decref(rules);
}

/* Rules whose canonical text is over POLICY_RULES_TEXT_MAX. */
static void
test_text_max(void **state)
{
	json_t	*rules, *methods, *m, *sel, *issues, *p;
	char	 buf[64];
	size_t	 i, k;

	methods = json_array();
	for (i = 0; i < 200; i++) {
		sel = json_array();
		for (k = 0; k < POLICY_SELECTORS_MAX; k++) {
			snprintf(buf, sizeof(buf), "0x%08zx", k);
			json_array_append_new(sel, json_string(buf));
		}
		snprintf(buf, sizeof(buf), "0x%040zx", i + 1);
		m = json_pack("{s:s, s:o}", "contractAddress", buf,
		    "selectors", sel);
		json_array_append_new(methods, m);
	}
	rules = json_pack("{s:o}", "methods", methods);
	issues = json_array();
	assert_null(policy_rules_check("METHOD_WHITELIST", rules, issues));
	assert_int_equal(json_array_size(issues), 1);
	p = load("[\"rules\"]");
	assert_true(has_path(issues, p));
	json_decref(p);
	json_decref(issues);
	json_decref(rules);
}

/* A made-up key is echoed in the path, cut to 64 bytes. */
static void
test_long_key(void **state)
{
	json_t		*rules, *issues;
	const char	*seg;
	char		 key[300];

	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	rules = json_pack("{s:i, s:i, s:i}", key, 1, "max_requests", 1,
	    "window_seconds", 1);
	issues = json_array();
	assert_null(policy_rules_check("RATE_LIMIT", rules, issues));
	seg = json_string_value(json_array_get(json_object_get(
	    json_array_get(issues, 0), "path"), 1));
	assert_non_null(seg);
	assert_true(strlen(seg) <= 64);
	assert_int_equal(strncmp(seg + strlen(seg) - 3, "...", 3), 0);
	json_decref(issues);
	json_decref(rules);
}

static void
test_helpers(void **state)
{
	int	i;

	for (i = 0; i < POLICY_TYPE_MAX; i++)
		assert_int_equal(policy_type(policy_type_name(i)), i);
	assert_int_equal(policy_type("whitelist"), -1);
	assert_int_equal(policy_type(NULL), -1);
	assert_null(policy_type_name(POLICY_TYPE_MAX));
	assert_non_null(strstr(policy_type_list(), "RATE_LIMIT"));
	assert_string_equal(policy_network("devnet")->environment, "testnet");
	assert_string_equal(policy_network("mainnet")->chain, "solana");
	assert_string_equal(policy_network("polygon-amoy")->chain,
	    "ethereum");
	assert_string_equal(policy_network("base-mainnet")->environment,
	    "mainnet");
	assert_null(policy_network("sepolia"));
	assert_null(policy_network(""));
	assert_int_equal(policy_address_kind(EVM, strlen(EVM)),
	    POLICY_ADDR_EVM);
	assert_int_equal(policy_address_kind(SOL0, strlen(SOL0)),
	    POLICY_ADDR_SOLANA);
	/* 58^44 - 1 needs 33 bytes. */
	assert_int_equal(policy_address_kind("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
	    "zzzzzzzzzzzzzz", 44), POLICY_ADDR_NONE);
	assert_int_equal(policy_address_kind("0x", 2), POLICY_ADDR_NONE);
	assert_true(policy_amount_valid(U256, strlen(U256)));
	assert_false(policy_amount_valid(U256P1, strlen(U256P1)));
	assert_true(policy_amount_valid("0", 1));
	assert_false(policy_amount_valid("00", 2));
	assert_true(policy_amount_cmp("9", "10") < 0);
	assert_true(policy_amount_cmp("11", "10") > 0);
	assert_int_equal(policy_amount_cmp(U256, U256), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_many_issues),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_text_max),
		cmocka_unit_test(test_long_key),
		cmocka_unit_test(test_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
