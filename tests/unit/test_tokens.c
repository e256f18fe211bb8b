/*
 * The built-in token table (common/tokens.c): every EVM address is "0x"
 * and 40 hex digits with a valid EIP-55 checksum (or in one case), every
 * Solana mint is base58 of exactly 32 bytes in its canonical spelling;
 * each entry's network is a built-in network of its chain, its symbol,
 * name and decimals are within what POST /v1/tokens accepts, no token is
 * listed twice, and token_builtin_find finds each (EVM addresses in any
 * case, mints exactly).  And abi_text_decode, which reads a token's
 * name() and symbol(): ABI strings and bytes32 answers, cleaned and
 * bounded, malformed ones refused.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "abi_text.h"
#include "base58.h"
#include "evm.h"
#include "keystore.h"
#include "network.h"
#include "tokens.h"

static const struct network *
builtin_net(const char *name)
{
	size_t	i;

	for (i = 0; i < net_nbuiltin; i++)
		if (strcmp(net_builtin[i].name, name) == 0)
			return &net_builtin[i];
	return NULL;
}

static int
one_case(const char *hex)
{
	int	lower = 0, upper = 0;

	for (; *hex != '\0'; hex++) {
		lower |= islower((unsigned char)*hex) != 0;
		upper |= isupper((unsigned char)*hex) != 0;
	}
	return !(lower && upper);
}

/* The first letter of the address's hex digits in the other case. */
static void
flip_one(const char *in, char *out, size_t outlen)
{
	size_t	i;

	snprintf(out, outlen, "%s", in);
	for (i = 2; out[i] != '\0'; i++)
		if (isalpha((unsigned char)out[i])) {
			out[i] = (char)(isupper((unsigned char)out[i]) ?
			    tolower((unsigned char)out[i]) :
			    toupper((unsigned char)out[i]));
			return;
		}
}

static void
test_evm_checksums(void **state)
{
	const struct token_info	*t;
	const struct network	*n;
	uint8_t			 b[20];
	char			 sum[43], bad[43];
	size_t			 i, nevm = 0;

	(void)state;
	for (i = 0; i < token_nbuiltin; i++) {
		t = &token_builtin[i];
		if ((n = builtin_net(t->network)) == NULL ||
		    n->chain != KS_CHAIN_ETHEREUM)
			continue;
		nevm++;
		assert_int_equal(strlen(t->address), 42);
		assert_int_equal(evm_address_parse(t->address,
		    strlen(t->address), b), 0);
		evm_address_checksum(b, sum);
		if (!one_case(t->address + 2)) {
			/* mixed case: exactly the EIP-55 spelling, and one
			 * letter in the other case no longer parses */
			if (strcmp(sum, t->address) != 0)
				fail_msg("%s %s: EIP-55 is %s", t->network,
				    t->symbol, sum);
			flip_one(t->address, bad, sizeof(bad));
			assert_int_equal(evm_address_parse(bad, strlen(bad),
			    b), -1);
		}
	}
	assert_true(nevm > 0);
}

static void
test_spl_mints(void **state)
{
	const struct token_info	*t;
	const struct network	*n;
	uint8_t			 b[33];
	char			 again[64];
	size_t			 i, nsol = 0;

	(void)state;
	for (i = 0; i < token_nbuiltin; i++) {
		t = &token_builtin[i];
		if ((n = builtin_net(t->network)) == NULL ||
		    n->chain != KS_CHAIN_SOLANA)
			continue;
		nsol++;
		/* a 33-byte buffer: a longer decoding is not 32 either */
		if (base58_decode(t->address, strlen(t->address), b,
		    sizeof(b)) != 32)
			fail_msg("%s %s: %s is not base58 of 32 bytes",
			    t->network, t->symbol, t->address);
		base58_encode(b, 32, again, sizeof(again));
		assert_string_equal(again, t->address);
	}
	assert_true(nsol > 0);
}

static void
test_entries(void **state)
{
	const struct token_info	*t, *u;
	const struct network	*n;
	char			 lower[43];
	size_t			 i, j, k;

	(void)state;
	for (i = 0; i < token_nbuiltin; i++) {
		t = &token_builtin[i];
		if ((n = builtin_net(t->network)) == NULL)
			fail_msg("%s: not a built-in network", t->network);
		assert_int_equal(strncmp(t->address, "0x", 2) == 0,
		    n->chain == KS_CHAIN_ETHEREUM);
		assert_true(strlen(t->symbol) >= 1 &&
		    strlen(t->symbol) <= TOKEN_SYMBOL_MAX);
		assert_true(strlen(t->name) >= 1 &&
		    strlen(t->name) <= TOKEN_NAME_MAX);
		for (k = 0; t->symbol[k] != '\0'; k++)
			assert_true(isgraph((unsigned char)t->symbol[k]));
		assert_true(t->decimals <= TOKEN_DECIMALS_MAX);
		for (j = i + 1; j < token_nbuiltin; j++) {
			u = &token_builtin[j];
			if (strcmp(t->network, u->network) == 0 &&
			    strcasecmp(t->address, u->address) == 0)
				fail_msg("%s %s listed twice", t->network,
				    t->address);
		}
		assert_ptr_equal(token_builtin_find(t->network, t->address),
		    t);
		if (n->chain == KS_CHAIN_ETHEREUM) {
			for (k = 0; t->address[k] != '\0'; k++)
				lower[k] = (char)tolower(
				    (unsigned char)t->address[k]);
			lower[k] = '\0';
			assert_ptr_equal(token_builtin_find(t->network,
			    lower), t);
		} else {
			snprintf(lower, sizeof(lower), "%s", t->address);
			for (k = 0; lower[k] != '\0'; k++)
				if (isupper((unsigned char)lower[k]))
					break;
			if (lower[k] != '\0') {
				lower[k] = (char)tolower(
				    (unsigned char)lower[k]);
				assert_null(token_builtin_find(t->network,
				    lower));
			}
		}
	}
	assert_null(token_builtin_find("ethereum-mainnet",
	    "0x0000000000000000000000000000000000000000"));
	assert_null(token_builtin_find("no-such-net",
	    token_builtin[0].address));
}

/* An ABI-encoded string answer: offset 32, length, bytes padded to 32. */
static size_t
abi_string(const char *text, size_t n, uint8_t *out)
{
	size_t	padded = (n + 31) / 32 * 32;

	memset(out, 0, 64 + padded);
	out[31] = 32;
	out[62] = (uint8_t)(n >> 8);
	out[63] = (uint8_t)n;
	memcpy(out + 64, text, n);
	return 64 + padded;
}

static void
test_abi_text(void **state)
{
	uint8_t	d[256], w[32];
	char	out[TOKEN_NAME_MAX * 4 + 1];
	size_t	len;

	(void)state;
	/* cast abi-encode 'f(string)' 'USD Coin' */
	len = abi_string("USD Coin", 8, d);
	assert_int_equal(len, 96);
	assert_int_equal(abi_text_decode(d, len, out, sizeof(out), 100),
	    ABI_TEXT_OK);
	assert_string_equal(out, "USD Coin");
	/* MKR's symbol(): a bytes32, NUL-padded */
	memset(w, 0, sizeof(w));
	memcpy(w, "MKR", 3);
	assert_int_equal(abi_text_decode(w, 32, out, sizeof(out), 20),
	    ABI_TEXT_OK);
	assert_string_equal(out, "MKR");
	/* UTF-8 kept; a stray byte and a control character become '?' */
	len = abi_string("\xe2\x82\xacuro", 6, d);
	assert_int_equal(abi_text_decode(d, len, out, sizeof(out), 100),
	    ABI_TEXT_OK);
	assert_string_equal(out, "\xe2\x82\xacuro");
	len = abi_string("a\xff" "b\nc\x7f", 6, d);
	assert_int_equal(abi_text_decode(d, len, out, sizeof(out), 100),
	    ABI_TEXT_OK);
	assert_string_equal(out, "a?b?c?");
	/* an overlong '/' and a UTF-16 surrogate are not UTF-8 */
	len = abi_string("\xc0\xaf\xed\xa0\x80", 5, d);
	assert_int_equal(abi_text_decode(d, len, out, sizeof(out), 100),
	    ABI_TEXT_OK);
	assert_null(strstr(out, "\xc0"));
	assert_null(strstr(out, "\xed"));
	/* empty */
	len = abi_string("", 0, d);
	assert_int_equal(abi_text_decode(d, len, out, sizeof(out), 100),
	    ABI_TEXT_OK);
	assert_string_equal(out, "");
	/* 21 characters for a 20-character symbol: too long, out empty */
	len = abi_string("ABCDEFGHIJKLMNOPQRSTU", 21, d);
	assert_int_equal(abi_text_decode(d, len, out, sizeof(out),
	    TOKEN_SYMBOL_MAX), ABI_TEXT_LONG);
	assert_string_equal(out, "");
	/* a length past the answer's end, an offset past it, a huge
	 * offset word, an odd size: refused */
	len = abi_string("USD Coin", 8, d);
	d[63] = 33;
	assert_int_equal(abi_text_decode(d, len, out, sizeof(out), 100),
	    ABI_TEXT_BAD);
	len = abi_string("USD Coin", 8, d);
	d[31] = 96;
	assert_int_equal(abi_text_decode(d, len, out, sizeof(out), 100),
	    ABI_TEXT_BAD);
	len = abi_string("USD Coin", 8, d);
	d[0] = 1;
	assert_int_equal(abi_text_decode(d, len, out, sizeof(out), 100),
	    ABI_TEXT_BAD);
	assert_int_equal(abi_text_decode(d, 33, out, sizeof(out), 100),
	    ABI_TEXT_BAD);
	assert_int_equal(abi_text_decode(d, 0, out, sizeof(out), 100),
	    ABI_TEXT_BAD);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_evm_checksums),
		cmocka_unit_test(test_spl_mints),
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_abi_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
