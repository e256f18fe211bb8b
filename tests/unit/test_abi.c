/*
 * The ABI encoder (chain/abi.c) against Foundry's cast: every case of
 * tests/vectors/abi_vectors.h is a JSON ABI, arguments as JSON, and the
 * canonical signature and calldata cast computed from it.  Then the
 * refusals, each with the words its error must say, the limits, the
 * overloads and the one-word helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "abi.h"
#include "abi_vectors.h"

static json_t *
load(const char *s)
{
	json_t	*j;

	j = json_loads(s, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
	if (j == NULL)
		fail_msg("bad JSON in the test: %s", s);
	return j;
}

static void
to_hex(const uint8_t *p, size_t n, char *out)
{
	static const char	hx[] = "0123456789abcdef";
	size_t			i;

	out[0] = '0';
	out[1] = 'x';
	for (i = 0; i < n; i++) {
		out[2 + 2 * i] = hx[p[i] >> 4];
		out[3 + 2 * i] = hx[p[i] & 15];
	}
	out[2 + 2 * n] = '\0';
}

/* Encode; the calldata as hex (caller frees), or NULL and c->err. */
static char *
encode(const char *abi, const char *fn, const char *args,
    struct abi_call *c)
{
	json_t	*a = load(abi), *g = args != NULL ? load(args) : NULL;
	char	*hex = NULL;

	if (abi_encode_call(a, fn, g, c) == 0) {
		assert_non_null(c->data);
		hex = malloc(2 * c->len + 3);
		assert_non_null(hex);
		to_hex(c->data, c->len, hex);
		abi_call_free(c);
	} else
		assert_null(c->data);
	json_decref(a);
	json_decref(g);
	return hex;
}

static void
test_vectors(void **state)
{
	struct abi_call	 c;
	size_t		 i;
	char		*hex;

	(void)state;
	for (i = 0; i < sizeof(abi_vectors) / sizeof(abi_vectors[0]); i++) {
		const struct abi_vector *v = &abi_vectors[i];

		hex = encode(v->abi, v->fn, v->args, &c);
		if (hex == NULL)
			fail_msg("%s: %s", v->name, c.err);
		if (strcmp(c.sig, v->sig) != 0)
			fail_msg("%s: signature %s, cast's %s", v->name, c.sig,
			    v->sig);
		if (strcmp(hex, v->calldata) != 0)
			fail_msg("%s:\n ours %s\n cast %s", v->name, hex,
			    v->calldata);
		free(hex);
	}
}

#define F1(type)	"[{'type':'function','name':'f','inputs':" \
			"[{'name':'x','type':'" type "'}]}]"

static const struct refusal {
	const char	*abi, *fn, *args, *says;
} refusals[] = {
	/* values */
	{ F1("uint8"), "f", "[256]", "args[0]: uint8: out of range" },
	{ F1("uint8"), "f", "['0x100']", "uint8: out of range" },
	{ F1("uint8"), "f", "[-1]", "uint8: negative" },
	{ F1("uint256"), "f", "['-0x1']", "uint256: not an integer" },
	{ F1("uint256"), "f", "['1.5']", "uint256: not an integer" },
	{ F1("uint256"), "f", "[1.5]", "pass a number with a fraction" },
	{ F1("uint256"), "f", "['']", "not an integer" },
	{ F1("uint256"), "f", "[null]", "not an integer" },
	/* 2^256 */
	{ F1("uint256"), "f", "['115792089237316195423570985008687907853269"
	    "984665640564039457584007913129639936']", "not an integer" },
	{ F1("int8"), "f", "[128]", "int8: out of range" },
	{ F1("int8"), "f", "['-129']", "int8: out of range" },
	{ F1("int256"), "f", "['-57896044618658097711785492504343953926634"
	    "992332820282019728792003956564819969']", "int256: out of range" },
	{ F1("address"), "f", "['0x1234']", "address: not 0x and 40 hex" },
	/* the EIP-55 of 0x70997970C51812dc3A010C7d01b50e0d17dc79C8, one
	 * letter's case changed */
	{ F1("address"), "f", "['0x70997970c51812dc3A010C7d01b50e0d17dc79C8']",
	    "EIP-55" },
	{ F1("bool"), "f", "['true']", "bool: not true or false" },
	{ F1("bytes4"), "f", "['0xdeadbe']", "bytes4: not 0x and 8 hex" },
	{ F1("bytes4"), "f", "['0xdeadbeef00']", "bytes4: not 0x and 8 hex" },
	{ F1("bytes"), "f", "['0xabc']", "bytes: not 0x and an even" },
	{ F1("bytes"), "f", "['abcd']", "bytes: not 0x" },
	{ F1("string"), "f", "[5]", "string: not a string" },
	{ F1("uint8[]"), "f", "[5]", "args[0]: not an array" },
	{ F1("uint8[2]"), "f", "[[1]]", "not an array of 2" },
	{ F1("uint8[2]"), "f", "[[1,256]]", "args[0][1]: uint8: out of range" },
	{ F1("string[2]"), "f", "[['a',1]]", "args[0][1]: string" },
	{ "[{'type':'function','name':'f','inputs':[{'name':'p','type':"
	    "'tuple','components':[{'name':'a','type':'uint8'},{'name':'b',"
	    "'type':'bool'}]}]}]", "f", "[{'a':1,'b':2}]",
	    "args[0].b: bool" },
	{ "[{'type':'function','name':'f','inputs':[{'name':'p','type':"
	    "'tuple','components':[{'name':'a','type':'uint8'},{'name':'b',"
	    "'type':'bool'}]}]}]", "f", "[{'a':1}]", "1 keys for 2 comp" },
	{ "[{'type':'function','name':'f','inputs':[{'name':'p','type':"
	    "'tuple','components':[{'name':'a','type':'uint8'},{'name':'b',"
	    "'type':'bool'}]}]}]", "f", "[{'a':1,'c':true}]",
	    "no value for component b" },
	{ "[{'type':'function','name':'f','inputs':[{'name':'p','type':"
	    "'tuple','components':[{'type':'uint8'}]}]}]", "f", "[{'a':1}]",
	    "have no names, so pass an array" },
	{ "[{'type':'function','name':'f','inputs':[{'name':'p','type':"
	    "'tuple','components':[{'type':'uint8'}]}]}]", "f", "[[1,2]]",
	    "2 values for 1 components" },
	/* the function and its arguments */
	{ F1("uint8"), "g", "[1]", "no function g in the ABI" },
	{ F1("uint8"), "f", "[1,2]", "f takes 1 arguments, not 2" },
	{ F1("uint8"), "f", "5", "args: not an array" },
	{ F1("uint8"), "f(uint16)", "[1]", "no overload f(uint16)" },
	{ F1("uint8"), "f x", "[1]", "functionName: not a function name" },
	{ F1("uint8"), "", "[1]", "functionName: not a function name" },
	{ "{}", "f", "[]", "abi: not an array" },
	{ "[{'type':'event','name':'f','inputs':[]}]", "f", "[]",
	    "no function f" },
	/* types */
	{ F1("uint7"), "f", "[1]", "unknown type \"uint7\"" },
	{ F1("uint264"), "f", "[1]", "unknown type" },
	{ F1("bytes33"), "f", "['0x00']", "unknown type" },
	{ F1("bytes0"), "f", "['0x']", "unknown type" },
	{ F1("uint8[0]"), "f", "[[]]", "length must be 1 to 1024" },
	{ F1("uint8[01]"), "f", "[[1]]", "length must be 1 to 1024" },
	{ F1("uint8[1025]"), "f", "[[]]", "length must be 1 to 1024" },
	{ F1("uint8[2"), "f", "[[1,2]]", "bad array suffix" },
	{ F1("uint8]"), "f", "[[1,2]]", "unknown type" },
	{ F1("uint8[2]x"), "f", "[[1,2]]", "bad array suffix" },
	{ F1("tuple"), "f", "[[1]]", "at least one component" },
	{ F1("uint8[][][][][][][][][]"), "f", "[[]]", "nests deeper than 8" },
	{ F1("uint256[1024][1024]"), "f", "[[]]", "larger than 131072" },
	{ "[{'type':'function','name':'f','inputs':[{'type':5}]}]", "f",
	    "[1]", "has no type" },
	{ "[{'type':'function','name':'f','inputs':[{'name':'a b','type':"
	    "'bool'}]}]", "f", "[true]", "is not an identifier" },
};

static void
test_refusals(void **state)
{
	struct abi_call	 c;
	char		 abi[1024], *p;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct refusal *r = &refusals[i];
		char args[512];

		/* ' for " in the table */
		snprintf(abi, sizeof(abi), "%s", r->abi);
		for (p = abi; *p != '\0'; p++)
			if (*p == '\'')
				*p = '"';
		snprintf(args, sizeof(args), "%s", r->args);
		for (p = args; *p != '\0'; p++)
			if (*p == '\'')
				*p = '"';
		if ((p = encode(abi, r->fn, args, &c)) != NULL)
			fail_msg("row %zu (%s): encoded %s", i, r->args, p);
		if (strstr(c.err, r->says) == NULL)
			fail_msg("row %zu: said \"%s\", not \"%s\"", i, c.err,
			    r->says);
	}
}

/* Bounds on what is given rather than declared. */
static void
test_limits(void **state)
{
	struct abi_call	 c;
	json_t		*abi, *args, *a;
	size_t		 i;
	char		*s;

	(void)state;
	abi = load("[{\"type\":\"function\",\"name\":\"f\",\"inputs\":"
	    "[{\"type\":\"uint8[]\"}]}]");
	/* 1024 elements: fine; 1025: refused */
	a = json_array();
	for (i = 0; i < ABI_ARRAY_MAX; i++)
		json_array_append_new(a, json_integer(1));
	args = json_pack("[O]", a);
	assert_int_equal(abi_encode_call(abi, "f", args, &c), 0);
	assert_int_equal(c.len, 4 + 64 + 32 * ABI_ARRAY_MAX);
	abi_call_free(&c);
	json_decref(args);
	json_array_append_new(a, json_integer(1));
	args = json_pack("[O]", a);
	assert_int_equal(abi_encode_call(abi, "f", args, &c), -1);
	assert_non_null(strstr(c.err, "more than 1024 elements"));
	json_decref(args);
	json_decref(a);
	json_decref(abi);

	/* output: a string of ABI_OUT_MAX bytes cannot fit */
	abi = load("[{\"type\":\"function\",\"name\":\"f\",\"inputs\":"
	    "[{\"type\":\"string\"}]}]");
	s = malloc(ABI_OUT_MAX + 1);
	assert_non_null(s);
	memset(s, 'a', ABI_OUT_MAX);
	s[ABI_OUT_MAX] = '\0';
	args = json_pack("[s]", s);
	assert_int_equal(abi_encode_call(abi, "f", args, &c), -1);
	assert_non_null(strstr(c.err, "larger than 131072 bytes"));
	json_decref(args);
	/*
	 * The largest that fits: selector, offset, length and the data
	 * padded to words, all within ABI_OUT_MAX: 4 + 4095 words.
	 */
	s[ABI_OUT_MAX - 96] = '\0';
	args = json_pack("[s]", s);
	assert_int_equal(abi_encode_call(abi, "f", args, &c), 0);
	assert_int_equal(c.len, 4 + 4095 * 32);
	abi_call_free(&c);
	json_decref(args);
	s[ABI_OUT_MAX - 96] = 'a';
	s[ABI_OUT_MAX - 95] = '\0';
	args = json_pack("[s]", s);
	assert_int_equal(abi_encode_call(abi, "f", args, &c), -1);
	json_decref(args);
	free(s);
	json_decref(abi);

	/* tuples nested 8 deep (the limit) encode; 9 do not */
	for (i = 8; i <= 9; i++) {
		json_t	*v, *prm;
		size_t	 k;

		prm = json_pack("{s:s}", "type", "uint8");
		for (k = 0; k < i; k++)
			prm = json_pack("{s:s, s:[o]}", "type", "tuple",
			    "components", prm);
		abi = json_pack("[{s:s, s:s, s:[o]}]", "type", "function",
		    "name", "f", "inputs", prm);
		assert_non_null(abi);
		v = json_integer(7);
		for (k = 0; k < i; k++)
			v = json_pack("[o]", v);
		args = json_pack("[o]", v);
		if (i == 8) {
			assert_int_equal(abi_encode_call(abi, "f", args, &c),
			    0);
			assert_int_equal(c.len, 36);
			assert_int_equal(c.data[35], 7);
			abi_call_free(&c);
		} else {
			assert_int_equal(abi_encode_call(abi, "f", args, &c),
			    -1);
			assert_non_null(strstr(c.err, "nests deeper"));
		}
		json_decref(args);
		json_decref(abi);
	}
}

static void
test_overloads(void **state)
{
	struct abi_call	 c;
	char		*hex;
	const char	*abi = "[{\"type\":\"function\",\"name\":\"f\","
	    "\"inputs\":[{\"type\":\"uint8\"}]},{\"type\":\"function\","
	    "\"name\":\"f\",\"inputs\":[{\"type\":\"address\"}]},"
	    "{\"name\":\"f\",\"inputs\":[{\"type\":\"uint8\"},"
	    "{\"type\":\"uint8\"}]}]";

	(void)state;
	/* the first that takes the arguments */
	hex = encode(abi, "f", "[1]", &c);
	assert_non_null(hex);
	assert_string_equal(c.sig, "f(uint8)");
	free(hex);
	hex = encode(abi, "f", "[\"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\""
	    "]", &c);
	assert_non_null(hex);
	assert_string_equal(c.sig, "f(address)");
	free(hex);
	/* by arity; an entry without "type" is a function */
	hex = encode(abi, "f", "[1,2]", &c);
	assert_non_null(hex);
	assert_string_equal(c.sig, "f(uint8,uint8)");
	free(hex);
	/* by signature */
	hex = encode(abi, "f(address)", "[1]", &c);
	assert_null(hex);
	assert_non_null(strstr(c.err, "address: not 0x"));
	/* none fits: the first candidate's reason */
	hex = encode(abi, "f", "[true]", &c);
	assert_null(hex);
	assert_non_null(strstr(c.err, "uint8: not an integer"));
	hex = encode(abi, "f", "[1,2,3]", &c);
	assert_null(hex);
	assert_non_null(strstr(c.err, "no overload of f takes 3"));
	/* a failed overload's reason is not left behind on success */
	hex = encode("[{\"name\":\"f\",\"inputs\":[{\"type\":\"uint7\"}]},"
	    "{\"name\":\"f\",\"inputs\":[{\"type\":\"bool\"}]},"
	    "{\"name\":\"f\",\"inputs\":[{\"type\":\"uint8\"}]}]", "f",
	    "[1]", &c);
	assert_non_null(hex);
	assert_string_equal(c.sig, "f(uint8)");
	assert_string_equal(c.err, "");
	free(hex);
	/* args absent: none */
	hex = encode("[{\"type\":\"function\",\"name\":\"pause\"}]", "pause",
	    NULL, &c);
	assert_non_null(hex);
	assert_string_equal(hex, "0x8456cb59");
	free(hex);
}

static void
test_helpers(void **state)
{
	uint8_t	sel[4], w[32], a[20];

	(void)state;
	abi_selector("transfer(address,uint256)", sel);
	assert_memory_equal(sel, "\xa9\x05\x9c\xbb", 4);
	abi_selector("approve(address,uint256)", sel);
	assert_memory_equal(sel, "\x09\x5e\xa7\xb3", 4);
	abi_selector("balanceOf(address)", sel);
	assert_memory_equal(sel, "\x70\xa0\x82\x31", 4);
	memset(a, 0xee, sizeof(a));
	memset(w, 0x55, sizeof(w));
	abi_word_address(w, a);
	assert_memory_equal(w, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	assert_memory_equal(w + 12, a, 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_overloads),
		cmocka_unit_test(test_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
