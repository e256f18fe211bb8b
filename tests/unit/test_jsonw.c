/*
 * common/jsonw.c against jansson's own json_dumps(JSON_COMPACT): the same
 * bytes for the documents policyd answers with (escapes, controls,
 * UTF-8, the extreme integers, reals of every form), the same refusals
 * (a string that is not UTF-8, a bare value), a short buffer holding a
 * true prefix, and then thousands of random trees from a fixed seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "jsonw.h"

static char	buf[1 << 16];

static void
same(const json_t *j)
{
	char	*want = json_dumps(j, JSON_COMPACT);
	size_t	 n;

	assert_non_null(want);
	n = jsonw_compact(j, buf, sizeof(buf));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
	free(want);
}

static void
same_text(const char *text)
{
	json_t	*j = json_loads(text, JSON_ALLOW_NUL, NULL);

	assert_non_null(j);
	same(j);
	json_decref(j);
}

static void
test_documents(void **state)
{
	(void)state;
	same_text("{}");
	same_text("[]");
	same_text("{\"items\":[{\"id\":\"01a2\",\"name\":\"b\\u00e9 "
	    "\\ud83d\\ude00 \\u4e2d\",\"ok\":true,\"no\":false,\"x\":null}],"
	    "\"cursor\":null,\"hasMore\":false}");
	same_text("[\"\\u0000\\u0001\\u001f\\u007f\\b\\f\\n\\r\\t\\\"\\\\/\"]");
	same_text("{\"\\n key \\\"q\\\"\":1}");
	same_text("[9223372036854775807,-9223372036854775808,0,-1,10]");
	same_text("[0.1,100.0,1.5e-7,1e300,-0.0,2.5,1e22,123456.789,"
	    "5e-324,1.7976931348623157e308,-1e-10,3.0e5]");
	same_text("[[[[[[[[[[{\"a\":[{\"b\":[]}]}]]]]]]]]]]");
}

/* Each byte that needs care, at each place in a long string. */
static void
test_every_place(void **state)
{
	static const char	 odd[] = { '"', '\\', '\n', 0x01, 0x1f,
	    (char)0xc3 };
	char			 s[40];
	json_t			*j;
	size_t			 i, k;

	(void)state;
	for (k = 0; k < sizeof(odd); k++)
		for (i = 0; i + 1 < sizeof(s); i++) {
			memset(s, 'a', sizeof(s));
			s[i] = odd[k];
			if (odd[k] == (char)0xc3)	/* a whole e-acute */
				s[i + 1] = (char)0xa9;
			j = json_pack("[s#]", s, sizeof(s));
			assert_non_null(j);
			same(j);
			json_decref(j);
		}
}

static void
test_refusals(void **state)
{
	json_t	*j;

	(void)state;
	/* Not UTF-8: cut short, overlong, a surrogate, past U+10FFFF. */
	static const char *const bad[] = { "\xc3", "\xc0\xaf", "\xed\xa0\x80",
	    "\xf4\x90\x80\x80", "a\xff" };
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json_pack("{s:o}", "k", json_stringn_nocheck(bad[i],
		    strlen(bad[i])));
		assert_null(json_dumps(j, JSON_COMPACT));
		assert_int_equal(jsonw_compact(j, buf, sizeof(buf)), 0);
		json_decref(j);
	}
	/* A bare value is not a document. */
	j = json_string("x");
	assert_null(json_dumps(j, JSON_COMPACT));
	assert_int_equal(jsonw_compact(j, buf, sizeof(buf)), 0);
	json_decref(j);
	assert_int_equal(jsonw_compact(NULL, buf, sizeof(buf)), 0);
	/* Deeper than the bound: refused, for json_dumps to decide. */
	j = json_array();
	for (i = 0; i < JSONW_DEPTH_MAX; i++)
		j = json_pack("[o]", j);
	assert_int_equal(jsonw_compact(j, buf, sizeof(buf)), 0);
	json_decref(j);
}

static void
test_short_buffer(void **state)
{
	json_t	*j = json_pack("{s:s, s:I}", "name", "a \"quoted\" name",
	    "n", (json_int_t)-42);
	char	*want = json_dumps(j, JSON_COMPACT), small[8];
	size_t	 n = strlen(want);

	(void)state;
	memset(small, '#', sizeof(small));
	assert_int_equal(jsonw_compact(j, small, 5), n);
	assert_memory_equal(small, want, 5);
	assert_int_equal(small[5], '#');
	assert_int_equal(jsonw_compact(j, NULL, 0), n);
	free(want);
	json_decref(j);
}

/* One row, written with keys as they are and with keys quoted already. */
static size_t
row_plain(char *out, size_t size, const char *s)
{
	struct jsonw	w;

	jsonw_init(&w, out, size);
	jsonw_open(&w, NULL, '[');
	jsonw_open(&w, NULL, '{');
	jsonw_str(&w, "id", s);
	jsonw_str(&w, "none", NULL);
	jsonw_int(&w, "n", -9223372036854775807LL - 1);
	jsonw_bool(&w, "t", 1);
	jsonw_bool(&w, "f", 0);
	jsonw_null(&w, "x");
	jsonw_close(&w, '}');
	jsonw_close(&w, ']');
	return jsonw_end(&w);
}

static size_t
row_quoted(char *out, size_t size, const char *s)
{
	struct jsonw	w;

	jsonw_init(&w, out, size);
	jsonw_open(&w, NULL, '[');
	jsonw_open(&w, NULL, '{');
	jsonw_qstr(&w, JSONW_QKEY("id"), s, strlen(s));
	jsonw_qstr(&w, JSONW_QKEY("none"), NULL, 0);
	jsonw_qint(&w, JSONW_QKEY("n"), -9223372036854775807LL - 1);
	jsonw_qbool(&w, JSONW_QKEY("t"), 1);
	jsonw_qbool(&w, JSONW_QKEY("f"), 0);
	jsonw_qnull(&w, JSONW_QKEY("x"));
	jsonw_close(&w, '}');
	jsonw_close(&w, ']');
	return jsonw_end(&w);
}

/*
 * The quoted keys' text is the other writer's, for strings plain and
 * not, in a buffer of every size around theirs (the one-pass copy of a
 * plain string must never run past the end).
 */
static void
test_quoted_keys(void **state)
{
	static const char *const vals[] = { "", "abcdefg",
	    "01a24dd9-6308-7152-9195-2a0f97cf263d", "tab\there \"q\"",
	    "b\xc3\xa9 \xf0\x9f\x98\x80 0123456789abcdef", "\x7f\x01" };
	char		 a[256], b[256];
	size_t		 i, n, m, size;

	(void)state;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		n = row_plain(a, sizeof(a), vals[i]);
		assert_true(n > 0 && n < sizeof(a));
		for (size = 0; size <= n + 1; size++) {
			memset(b, '#', sizeof(b));
			m = row_quoted(b, size, vals[i]);
			assert_int_equal(m, n);
			assert_memory_equal(b, a, size < n ? size : n);
			assert_int_equal(b[size < n ? size : n], '#');
		}
	}
	/* Not UTF-8: refused as jsonw_str refuses it. */
	assert_int_equal(row_quoted(b, sizeof(b), "a\xff"), 0);
	assert_int_equal(row_plain(b, sizeof(b), "a\xff"), 0);
}

/* Every integer length, both signs and the ends: as jansson prints them. */
static void
test_integers(void **state)
{
	struct jsonw	 w;
	json_int_t	 v[96];
	json_t		*j;
	char		 want[32], got[64];
	size_t		 i, k, n = 0;
	long long	 p = 1;

	(void)state;
	v[n++] = 0;
	v[n++] = INT64_MAX;
	v[n++] = INT64_MIN;
	v[n++] = INT64_MIN + 1;
	v[n++] = INT64_MAX - 1;
	/* 10^k and 10^k - 1 for k = 0 to 18: one digit more, one less. */
	for (k = 0; k < 19; k++) {
		v[n++] = p;
		v[n++] = -p;
		v[n++] = p - 1;
		v[n++] = 1 - p;
		if (k < 18)
			p *= 10;
	}
	for (i = 0; i < n; i++) {
		j = json_pack("[I]", v[i]);
		same(j);
		json_decref(j);
		/* The quoted-key writer, and it cut short at every size. */
		snprintf(want, sizeof(want), "{\"n\":%lld}", (long long)v[i]);
		for (k = 0; k <= strlen(want); k++) {
			memset(got, '#', sizeof(got));
			jsonw_init(&w, got, k);
			jsonw_open(&w, NULL, '{');
			jsonw_qint(&w, JSONW_QKEY("n"), (long long)v[i]);
			jsonw_close(&w, '}');
			assert_int_equal(jsonw_end(&w), strlen(want));
			assert_memory_equal(got, want, k);
			assert_int_equal(got[k], '#');
		}
	}
}

/*
 * Strings of every length up to 48 with one byte that is not plain at
 * every place, through both writers: the block checks (eight and
 * sixteen bytes, the last block overlapping) must never let one by.
 */
static void
test_plain_blocks(void **state)
{
	static const char *const odd[] = { "\"", "\\", "\n", "\x01",
	    "\x1f", "\x7f", "\xc3\xa9", "\xf0\x9f\x98\x80", "\x80",
	    "\xff" };
	struct jsonw	 w;
	json_t		*j;
	char		 s[64], *want, got[512];
	size_t		 n, at, o, k, len;

	(void)state;
	for (n = 0; n <= 48; n++)
		for (o = 0; o < sizeof(odd) / sizeof(odd[0]); o++)
			for (at = 0; at <= n; at++) {
				k = strlen(odd[o]);
				memset(s, 'a', n);
				memcpy(s + at, odd[o], k);
				len = n + k;
				/* As a document's string and as a row's. */
				j = json_pack("{s:s%}", "id", s, len);
				want = json_dumps(j, JSON_COMPACT);
				memset(got, '#', sizeof(got));
				assert_int_equal(jsonw_compact(j, got,
				    sizeof(got)), want ? strlen(want) : 0);
				jsonw_init(&w, got, sizeof(got));
				jsonw_open(&w, NULL, '{');
				jsonw_qstr(&w, JSONW_QKEY("id"), s, len);
				jsonw_close(&w, '}');
				if (want == NULL)
					assert_int_equal(jsonw_end(&w), 0);
				else {
					assert_int_equal(jsonw_end(&w),
					    strlen(want));
					assert_memory_equal(got, want,
					    strlen(want));
				}
				free(want);
				json_decref(j);
			}
}

static uint64_t	rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static json_t *
random_string(void)
{
	static const char *const bits[] = { "a", "Z", " ", "\"", "\\", "/",
	    "\n", "\t", "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe4\xb8\xad",
	    "\xf0\x9f\x98\x80", "\xdf\xbf", "\xef\xbf\xbf", "0" };
	const char	*b;
	char		 s[64];
	size_t		 n = 0, k, len = next() % 8;

	while (len-- > 0) {
		b = bits[next() % (sizeof(bits) / sizeof(bits[0]))];
		if (n + (k = strlen(b)) >= sizeof(s))
			break;
		memcpy(s + n, b, k);
		n += k;
	}
	/* Sometimes a whole sequence, sometimes a NUL inside. */
	if (next() % 3 == 0 && n + 4 < sizeof(s)) {
		memcpy(s + n, "\xf0\x9f\x98\x80", 4);
		n += 4;
	}
	if (next() % 7 == 0 && n + 1 < sizeof(s))
		s[n++] = '\0';
	return json_stringn(s, n);
}

static json_t *
random_value(int depth)
{
	json_t	*j;
	size_t	 i, n;
	char	 key[16];
	double	 reals[] = { 0.0, -0.0, 0.5, 1e-7, 1e21, 1e22, 123.456,
	    -2.5e-300, 1.0 / 3.0, 42.0 };

	switch (depth > 4 ? next() % 5 : next() % 7) {
	case 0:
		return json_integer((json_int_t)((uint64_t)next() << 32 |
		    next()));
	case 1:
		return json_real(reals[next() % 10] * (next() % 1000));
	case 2:
		j = random_string();
		return j != NULL ? j : json_null();
	case 3:
		return json_boolean(next() % 2);
	case 4:
		return json_null();
	case 5:
		j = json_array();
		for (i = 0, n = next() % 5; i < n; i++)
			json_array_append_new(j, random_value(depth + 1));
		return j;
	default:
		j = json_object();
		for (i = 0, n = next() % 5; i < n; i++) {
			snprintf(key, sizeof(key), "k%u\t\"%u", next() % 9,
			    (unsigned)i);
			json_object_set_new(j, key, random_value(depth + 1));
		}
		return j;
	}
}

static void
test_random(void **state)
{
	json_t	*j;
	int	 i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		j = json_pack("[o]", random_value(0));
		same(j);
		json_decref(j);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documents),
		cmocka_unit_test(test_every_place),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_short_buffer),
		cmocka_unit_test(test_quoted_keys),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_plain_blocks),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
