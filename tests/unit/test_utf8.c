/*
 * common/utf8.h, the decoder behind jsonw, siwe, abi_text, the Solana
 * off-chain message and x402's body text: every scalar value encodes
 * and decodes back; every sequence of one to four bytes whose first
 * two bytes vary over all values is taken exactly when it is the
 * shortest encoding of a scalar value (a second, independent encoder
 * says which); truncated input is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

/* The shortest encoding of cp into out; its length (0: not a scalar). */
static size_t
encode(uint32_t cp, uint8_t out[4])
{
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xc0 | cp >> 6);
		out[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xe0 | cp >> 12);
		out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp <= 0x10ffff) {
		out[0] = (uint8_t)(0xf0 | cp >> 18);
		out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
		out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		out[3] = (uint8_t)(0x80 | (cp & 0x3f));
		return 4;
	}
	return 0;
}

static void
every_scalar_round_trips(void **state)
{
	uint8_t		b[4];
	uint32_t	cp, got;
	size_t		n, k;

	(void)state;
	for (cp = 0; cp <= 0x10ffff; cp++) {
		if ((n = encode(cp, b)) == 0) {
			/* a surrogate, encoded as if it were one */
			b[0] = (uint8_t)(0xe0 | cp >> 12);
			b[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
			b[2] = (uint8_t)(0x80 | (cp & 0x3f));
			assert_int_equal(utf8_seq(b, 3, NULL), 0);
			continue;
		}
		got = 0xffffffff;
		assert_int_equal(utf8_seq(b, n, &got), n);
		assert_int_equal(got, cp);
		assert_true(utf8_valid(b, n));
		/* one byte short is refused */
		for (k = 1; k < n; k++)
			assert_int_equal(utf8_seq(b, k, NULL), 0);
	}
}

/*
 * Independently: the lead byte's pattern gives a length, the bits give
 * a code point, and the bytes are good when they are its encoding.
 */
static int
naive_ok(const uint8_t b[4])
{
	uint8_t		e[4];
	uint32_t	cp;
	size_t		len, i;

	if (b[0] >> 7 == 0)
		return 1;
	if (b[0] >> 5 == 6)
		len = 2;
	else if (b[0] >> 4 == 14)
		len = 3;
	else if (b[0] >> 3 == 30)
		len = 4;
	else
		return 0;
	cp = b[0] & (0xffu >> (len + 1));
	for (i = 1; i < len; i++) {
		if (b[i] >> 6 != 2)
			return 0;
		cp = cp << 6 | (b[i] & 0x3f);
	}
	return encode(cp, e) == len && memcmp(b, e, len) == 0;
}

/*
 * All first two bytes, each followed by continuation bytes that span
 * the interesting values: accepted iff the bytes are the encoding of
 * the code point they decode to.
 */
static void
only_shortest_forms(void **state)
{
	static const uint8_t	tail[] = { 0x00, 0x41, 0x7f, 0x80, 0x8f,
	    0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff };
	uint8_t			b[4], e[4];
	uint32_t		cp;
	unsigned		b0, b1;
	size_t			t2, t3, len;

	(void)state;
	for (b0 = 0; b0 < 256; b0++)
		for (b1 = 0; b1 < 256; b1++)
			for (t2 = 0; t2 < sizeof(tail); t2++)
				for (t3 = 0; t3 < sizeof(tail); t3++) {
					b[0] = (uint8_t)b0;
					b[1] = (uint8_t)b1;
					b[2] = tail[t2];
					b[3] = tail[t3];
					len = utf8_seq(b, 4, &cp);
					if (len == 0) {
						assert_false(naive_ok(b));
						continue;
					}
					assert_int_equal(encode(cp, e), len);
					assert_memory_equal(b, e, len);
				}
}

/* Known bad ones, each named. */
static void
refused(void **state)
{
	static const struct {
		const char	*why;
		const char	*s;
		size_t		 n;
	} bad[] = {
		{ "lone continuation", "\x80", 1 },
		{ "overlong NUL", "\xc0\x80", 2 },
		{ "overlong slash", "\xc1\xaf", 2 },
		{ "overlong 3", "\xe0\x9f\xbf", 3 },
		{ "overlong 4", "\xf0\x8f\xbf\xbf", 4 },
		{ "surrogate", "\xed\xa0\x80", 3 },
		{ "past U+10FFFF", "\xf4\x90\x80\x80", 4 },
		{ "F5 lead", "\xf5\x80\x80\x80", 4 },
		{ "FF", "\xff", 1 },
		{ "missing continuation", "\xe2\x82", 2 },
		{ "ASCII in a sequence", "\xe2\x41\x80", 3 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (utf8_valid((const uint8_t *)bad[i].s, bad[i].n))
			fail_msg("taken: %s", bad[i].why);
	}
	assert_true(utf8_valid((const uint8_t *)"", 0));
	assert_true(utf8_valid((const uint8_t *)"caf\xc3\xa9 \xe2\x82\xac "
	    "\xf0\x9f\x98\x80", 14));
	assert_false(utf8_valid((const uint8_t *)"ok\xc3", 3));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_scalar_round_trips),
		cmocka_unit_test(only_shortest_forms),
		cmocka_unit_test(refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
