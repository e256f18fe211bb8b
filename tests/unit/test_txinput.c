/*
 * common/txinput.c: humanAmount into base units (18, 9, 6 and 0
 * decimals, the largest, every refusal) and CAIP-19 asset ids (the
 * reference's examples, each part's bounds and alphabet).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "txinput.h"

static const char *
conv(const char *s, unsigned dec)
{
	static char	out[BASE_AMOUNT_MAX + 1];
	const char	*why = NULL;

	if (human_amount(s, strlen(s), dec, out, sizeof(out), &why) == -1) {
		assert_non_null(why);
		return NULL;
	}
	return out;
}

static void
test_human(void **state)
{
	(void)state;
	assert_string_equal(conv("1.5", 18), "1500000000000000000");
	assert_string_equal(conv("0.000000001", 9), "1");
	assert_string_equal(conv("1", 9), "1000000000");
	assert_string_equal(conv("100", 6), "100000000");
	assert_string_equal(conv("0.10", 6), "100000");
	assert_string_equal(conv("0", 18), "0");
	assert_string_equal(conv("0.0", 18), "0");
	assert_string_equal(conv("42", 0), "42");
	assert_string_equal(conv("123456789.123456", 6), "123456789123456");
	/* 60 integer digits and 18 decimals: 78 digits */
	assert_non_null(conv("123456789012345678901234567890123456789012345678"
	    "901234567890", 18));
	assert_null(conv("1234567890123456789012345678901234567890123456789"
	    "0123456789012", 18));
	/* refusals: never a rounding, never a guess */
	assert_null(conv("0.0000000001", 9));
	assert_null(conv("1.5", 0));
	assert_string_equal(conv("1.0", 0), "1");
	assert_string_equal(conv("1.500", 1), "15");
	assert_string_equal(conv("0.00000123456789012300", 18),
	    "1234567890123");
	assert_null(conv("1.01", 1));
	assert_null(conv("", 18));
	assert_null(conv(".5", 18));
	assert_null(conv("1.", 18));
	assert_null(conv("-1", 18));
	assert_null(conv("+1", 18));
	assert_null(conv("1e18", 18));
	assert_null(conv("1E3", 18));
	assert_null(conv(" 1", 18));
	assert_null(conv("1 ", 18));
	assert_null(conv("1,5", 18));
	assert_null(conv("1.2.3", 18));
	assert_null(conv("01", 18));
	assert_null(conv("00.5", 18));
	assert_null(conv("0x10", 18));
	assert_null(conv("1.5", 79));
	assert_null(conv("1111111111111111111111111111111111111111111111111"
	    "11111111111111111111111111111111111111111111111111", 0));
	/* not NUL-terminated: only len counts */
	{
		char		 out[BASE_AMOUNT_MAX + 1];
		const char	*why;

		assert_int_equal(human_amount("2.5xyz", 3, 1, out,
		    sizeof(out), &why), 0);
		assert_string_equal(out, "25");
	}
}

static int
caip(const char *s, struct caip19 *c)
{
	const char	*why;

	return caip19_parse(s, strlen(s), c, &why);
}

static void
test_caip19(void **state)
{
	struct caip19	c;

	(void)state;
	assert_int_equal(caip("eip155:1/erc20:0xA0b86991c6218b36c1d19D4a2e9"
	    "Eb0cE3606eB48", &c), 0);
	assert_string_equal(c.ns, "eip155");
	assert_string_equal(c.ref, "1");
	assert_string_equal(c.asset_ns, "erc20");
	assert_string_equal(c.asset_ref,
	    "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48");
	assert_int_equal(caip("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp/token:"
	    "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", &c), 0);
	assert_string_equal(c.ns, "solana");
	assert_string_equal(c.ref, "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp");
	assert_string_equal(c.asset_ns, "token");
	assert_string_equal(c.asset_ref,
	    "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
	/* each part's length and alphabet */
	assert_int_equal(caip("ab:1/erc20:x", &c), -1);
	assert_int_equal(caip("abcdefghi:1/erc20:x", &c), -1);
	assert_int_equal(caip("Eip155:1/erc20:x", &c), -1);
	assert_int_equal(caip("eip155:/erc20:x", &c), -1);
	assert_int_equal(caip("eip155:123456789012345678901234567890123/"
	    "erc20:x", &c), -1);
	assert_int_equal(caip("eip155:1/er:x", &c), -1);
	assert_int_equal(caip("eip155:1/erc20:", &c), -1);
	assert_int_equal(caip("eip155:1/erc20:a:b", &c), -1);
	assert_int_equal(caip("eip155:1/erc20:a/b", &c), -1);
	assert_int_equal(caip("eip155:1:erc20:x", &c), -1);
	assert_int_equal(caip("eip155:1/erc20:a b", &c), -1);
	assert_int_equal(caip("eip155:1", &c), -1);
	assert_int_equal(caip("", &c), -1);
	assert_int_equal(caip("eip155:1/erc20:0x%20.-", &c), 0);
	assert_string_equal(caip_solana_ref("devnet"),
	    "EtWTRABZaYq6iMfeYKouRu166VU2xqa1");
	assert_null(caip_solana_ref("ethereum-mainnet"));
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_human),
		cmocka_unit_test(test_caip19),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
