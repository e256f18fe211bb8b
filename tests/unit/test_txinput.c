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

#include "keystore.h"
#include "msg.h"
#include "network.h"
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

static const char *
fmt(const char *units, unsigned dec)
{
	static char	out[BASE_AMOUNT_MAX + 3];

	return units_format(units, dec, out, sizeof(out)) == 0 ? out : "ERR";
}

/* base units shown with their decimals */
static void
test_units_format(void **state)
{
	char	max[BASE_AMOUNT_MAX + 2], small[BASE_AMOUNT_MAX + 2];

	(void)state;
	assert_string_equal(fmt("1500000000000000000", 18), "1.5");
	assert_string_equal(fmt("0", 18), "0");
	assert_string_equal(fmt("0", 0), "0");
	assert_string_equal(fmt("100", 0), "100");
	assert_string_equal(fmt("100", 2), "1");
	assert_string_equal(fmt("1", 9), "0.000000001");
	assert_string_equal(fmt("1234567", 3), "1234.567");
	assert_string_equal(fmt("1000000010", 9), "1.00000001");
	assert_string_equal(fmt("007", 1), "0.7");
	assert_string_equal(fmt("", 1), "ERR");
	assert_string_equal(fmt("1.5", 1), "ERR");
	assert_string_equal(fmt("-1", 1), "ERR");
	assert_string_equal(fmt("1", BASE_AMOUNT_MAX + 1), "ERR");
	memset(max, '9', BASE_AMOUNT_MAX);
	max[BASE_AMOUNT_MAX] = '\0';
	assert_int_equal(strlen(fmt(max, 0)), BASE_AMOUNT_MAX);
	assert_int_equal(strlen(fmt("1", BASE_AMOUNT_MAX)),
	    BASE_AMOUNT_MAX + 2);
	memset(max, '9', BASE_AMOUNT_MAX + 1);
	max[BASE_AMOUNT_MAX + 1] = '\0';
	assert_string_equal(fmt(max, 0), "ERR");
	assert_int_equal(units_format("1", 0, small, BASE_AMOUNT_MAX + 2), -1);
}

/* CAIP-2 and CAIP-19 ids of the networks, and finding one by either. */
static void
test_caip_ids(void **state)
{
	struct network	 custom = { "anvil-local", KS_CHAIN_ETHEREUM,
			    ENV_TESTNET, 31337, "GO", 18, 1 };
	char		 id[NET_ASSET_ID_MAX + 1], tiny[12];
	size_t		 i;

	(void)state;
	for (i = 0; i < net_nbuiltin; i++)
		assert_int_equal(net_add(&net_builtin[i]), 0);
	assert_int_equal(net_add(&custom), 0);
	assert_int_equal(net_caip2(net_find("ethereum-sepolia"), id,
	    sizeof(id)), 0);
	assert_string_equal(id, "eip155:11155111");
	assert_int_equal(net_caip2(net_find("devnet"), id, sizeof(id)), 0);
	assert_string_equal(id, "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1");
	assert_int_equal(net_asset_id(net_find("polygon-amoy"), NULL, id,
	    sizeof(id)), 0);
	assert_string_equal(id, "eip155:80002/slip44:966");
	assert_int_equal(net_asset_id(net_find("mainnet"), NULL, id,
	    sizeof(id)), 0);
	assert_string_equal(id,
	    "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp/slip44:501");
	assert_int_equal(net_asset_id(net_find("ethereum-mainnet"),
	    "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", id, sizeof(id)), 0);
	assert_string_equal(id,
	    "eip155:1/erc20:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48");
	assert_int_equal(net_asset_id(net_find("devnet"),
	    "Gh9ZwEmdLJ8DscKNTkTqPbNwLNNBjuSzaG9Vp2KGtKJr", id, sizeof(id)), 0);
	assert_string_equal(id, "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1/"
	    "token:Gh9ZwEmdLJ8DscKNTkTqPbNwLNNBjuSzaG9Vp2KGtKJr");
	/* a native coin with no SLIP-44 type has no id; nor a short buffer */
	assert_int_equal(net_asset_id(net_find("anvil-local"), NULL, id,
	    sizeof(id)), -1);
	assert_string_equal(id, "");
	assert_int_equal(net_caip2(net_find("anvil-local"), id, sizeof(id)),
	    0);
	assert_string_equal(id, "eip155:31337");
	assert_int_equal(net_caip2(net_find("ethereum-sepolia"), tiny,
	    sizeof(tiny)), -1);
	assert_string_equal(tiny, "");
	/* lookups: name or CAIP-2, nothing else */
	assert_ptr_equal(net_lookup("eip155:84532"), net_find("base-sepolia"));
	assert_ptr_equal(net_lookup("solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z"),
	    net_find("testnet"));
	assert_ptr_equal(net_lookup("devnet"), net_find("devnet"));
	assert_null(net_lookup("eip155:5"));
	assert_null(net_lookup("eip155:84532 "));
	assert_null(net_lookup("solana:devnet"));
	assert_null(net_lookup("eip155:"));
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_human),
		cmocka_unit_test(test_caip19),
		cmocka_unit_test(test_caip_ids),
		cmocka_unit_test(test_units_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
