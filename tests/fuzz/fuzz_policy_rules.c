/*
 * libFuzzer target for policy_rules_check: "TYPE\n" then JSON, any
 * bytes.  Besides the sanitizers, it aborts when the answer and the
 * issues disagree, when an issue is malformed or beyond the bound, and
 * when a canonical form is not itself valid and fixed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "policy_rules.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_issues(json_t *issues)
{
	json_t		*i, *path;
	const char	*first;
	size_t		 k;

	if (json_array_size(issues) > POLICY_ISSUES_MAX)
		abort();
	json_array_foreach(issues, k, i) {
		path = json_object_get(i, "path");
		first = json_string_value(json_array_get(path, 0));
		if (json_object_size(i) != 2 || !json_is_array(path) ||
		    first == NULL || (strcmp(first, "rules") != 0 &&
		    strcmp(first, "type") != 0) ||
		    json_string_length(json_object_get(i, "message")) == 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 seeded;
	const uint8_t	*nl;
	char		 type[64], *a, *b;
	json_t		*rules, *issues, *out, *again;
	size_t		 tlen;

	if (!seeded) {
		json_object_seed(1);
		seeded = 1;
	}
	if ((nl = memchr(data, '\n', size)) == NULL)
		return 0;
	tlen = (size_t)(nl - data);
	if (tlen >= sizeof(type))
		return 0;
	memcpy(type, data, tlen);
	type[tlen] = '\0';
	rules = json_loadb((const char *)nl + 1, size - tlen - 1,
	    JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
	if (rules == NULL)
		return 0;

	issues = json_array();
	out = policy_rules_check(type, rules, issues);
	check_issues(issues);
	if ((out == NULL) != (json_array_size(issues) > 0))
		abort();
	/* The issues must be JSON the api can send. */
	if ((a = json_dumps(issues, JSON_COMPACT)) == NULL)
		abort();
	free(a);
	/* Counting alone gives the same answer. */
	again = policy_rules_check(type, rules, NULL);
	if ((again == NULL) != (out == NULL))
		abort();
	json_decref(again);
	if (out != NULL) {
		/* Canonical: valid again, and the same. */
		json_array_clear(issues);
		if ((again = policy_rules_check(type, out, issues)) == NULL ||
		    !json_equal(out, again))
			abort();
		a = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
		b = json_dumps(again, JSON_COMPACT | JSON_SORT_KEYS);
		if (a == NULL || b == NULL || strcmp(a, b) != 0 ||
		    strlen(a) > POLICY_RULES_TEXT_MAX)
			abort();
		free(a);
		free(b);
		json_decref(again);
		json_decref(out);
	}
	json_decref(issues);
	json_decref(rules);
	return 0;
}
