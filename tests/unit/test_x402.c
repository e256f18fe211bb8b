/*
 * common/x402.c: a resource server's 402 answer read (what is usable,
 * what is malformed), the networks' chain ids, the typed data of a
 * TransferWithAuthorization (its EIP-712 digest against one ethers.js
 * computed), the X-PAYMENT header, the settlement header and the
 * agent's request headers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "eip712.h"
#include "evm.h"
#include "x402.h"

#define ASSET	"0x036CbD53842c5426634e7929541eC2318f3dCF7e"
#define PAYTO	"0x209693Bc6afc0C5328bA36FaF03C514EF312287C"

static const char *
body(const char *scheme, const char *network, const char *amount,
    const char *extra)
{
	static char	b[2048];

	snprintf(b, sizeof(b), "{\"x402Version\":1,\"error\":\"X-PAYMENT "
	    "header is required\",\"accepts\":[{\"scheme\":\"%s\","
	    "\"network\":\"%s\",\"maxAmountRequired\":\"%s\",\"resource\":"
	    "\"http://127.0.0.1:4021/paid\",\"description\":\"\",\"mimeType\":"
	    "\"\",\"payTo\":\"" PAYTO "\",\"maxTimeoutSeconds\":60,\"asset\":"
	    "\"" ASSET "\",\"outputSchema\":{},\"extra\":%s}]}", scheme,
	    network, amount, extra);
	return b;
}

#define EXTRA	"{\"name\":\"USDC\",\"version\":\"2\"}"

static void
test_challenge(void **state)
{
	struct x402_challenge	 c;
	const char		*why = NULL, *b;

	(void)state;
	b = body("exact", "base-sepolia", "10000", EXTRA);
	assert_int_equal(x402_challenge_parse(b, strlen(b), &c, &why), 0);
	assert_int_equal(c.version, 1);
	assert_int_equal(c.naccepts, 1);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.error, "X-PAYMENT header is required");
	assert_string_equal(c.req[0].network, "base-sepolia");
	assert_true(c.req[0].chain_id == 84532);
	assert_string_equal(c.req[0].amount, "10000");
	/* addresses kept lowercase */
	assert_string_equal(c.req[0].asset,
	    "0x036cbd53842c5426634e7929541ec2318f3dcf7e");
	assert_string_equal(c.req[0].pay_to,
	    "0x209693bc6afc0c5328ba36faf03c514ef312287c");
	assert_string_equal(c.req[0].name, "USDC");
	assert_string_equal(c.req[0].version, "2");
	assert_int_equal(c.req[0].max_timeout, 60);
	assert_string_equal(c.req[0].resource, "http://127.0.0.1:4021/paid");

	/* another scheme or an unknown network: not usable, named */
	b = body("upto", "base-sepolia", "10000", EXTRA);
	assert_int_equal(x402_challenge_parse(b, strlen(b), &c, &why), 0);
	assert_int_equal(c.n, 0);
	assert_string_equal(c.other, "upto on base-sepolia");
	b = body("exact", "solana-devnet", "10000", EXTRA);
	assert_int_equal(x402_challenge_parse(b, strlen(b), &c, &why), 0);
	assert_int_equal(c.n, 0);
	b = body("exact", "eip155:84532", "10000", EXTRA);
	assert_int_equal(x402_challenge_parse(b, strlen(b), &c, &why), 0);
	assert_int_equal(c.n, 1);
}

static void
test_challenge_bad(void **state)
{
	struct x402_challenge	 c;
	const char		*why = NULL, *b;
	static const char *const bad[] = {
		"", "[]", "{}", "{\"x402Version\":2,\"accepts\":[]}",
		"{\"x402Version\":1,\"accepts\":[]}",
		"{\"x402Version\":1,\"accepts\":{}}",
		"{\"x402Version\":\"1\",\"accepts\":[{}]}",
		"{\"x402Version\":1,\"x402Version\":1,\"accepts\":[{}]}",
	};
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(x402_challenge_parse(bad[i], strlen(bad[i]),
		    &c, &why), -1);
		assert_non_null(why);
	}
	/* a usable scheme whose fields are wrong is malformed */
	b = body("exact", "base-sepolia", "0", EXTRA);
	assert_int_equal(x402_challenge_parse(b, strlen(b), &c, &why), -1);
	b = body("exact", "base-sepolia", "-1", EXTRA);
	assert_int_equal(x402_challenge_parse(b, strlen(b), &c, &why), -1);
	b = body("exact", "base-sepolia", "01", EXTRA);
	assert_int_equal(x402_challenge_parse(b, strlen(b), &c, &why), -1);
	b = body("exact", "base-sepolia", "1157920892373161954235709850086879"
	    "078532699846656405640394575840079131296399351", EXTRA);
	assert_int_equal(x402_challenge_parse(b, strlen(b), &c, &why), -1);
	b = body("exact", "base-sepolia", "1", "{}");
	assert_int_equal(x402_challenge_parse(b, strlen(b), &c, &why), -1);
	b = body("exact", "base-sepolia", "1", "null");
	assert_int_equal(x402_challenge_parse(b, strlen(b), &c, &why), -1);
	b = body("exact", "base-sepolia", "1",
	    "{\"name\":\"U\\nSDC\",\"version\":\"2\"}");
	assert_int_equal(x402_challenge_parse(b, strlen(b), &c, &why), -1);
}

static void
test_chain_id(void **state)
{
	(void)state;
	assert_true(x402_chain_id("base") == 8453);
	assert_true(x402_chain_id("polygon-amoy") == 80002);
	assert_true(x402_chain_id("eip155:1") == 1);
	assert_true(x402_chain_id("eip155:0") == 0);
	assert_true(x402_chain_id("eip155:01") == 0);
	assert_true(x402_chain_id("eip155:1x") == 0);
	assert_true(x402_chain_id("eip155:99999999999999999999") == 0);
	assert_true(x402_chain_id("BASE") == 0);
	assert_true(x402_chain_id("") == 0);
}

/* The digest the signer signs, as ethers' TypedDataEncoder.hash. */
static void
test_typed_data(void **state)
{
	struct x402_challenge	 c;
	json_t			*t, *p;
	const char		*why = NULL, *b;
	uint8_t			 nonce[32], d[32], h[32], digest[32];
	char			 hex[65], hdr[X402_HEADER_MAX], sig[133];
	unsigned char		 raw[X402_HEADER_MAX];
	size_t			 n;

	(void)state;
	b = body("exact", "base-sepolia", "10000", EXTRA);
	assert_int_equal(x402_challenge_parse(b, strlen(b), &c, &why), 0);
	memset(nonce, 0xab, sizeof(nonce));
	t = x402_typed_data(&c.req[0],
	    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", 1700000000,
	    1700000060, nonce);
	assert_non_null(t);
	assert_int_equal(eip712_hash(t, d, h, &why), 0);
	evm_typed_hash(d, h, digest);
	sodium_bin2hex(hex, sizeof(hex), digest, 32);
	assert_string_equal(hex, "3e6e91082b47bb407cb1e04f457434ea934d910a"
	    "853714fe9d4f59af0035f197");

	memset(sig, 'a', sizeof(sig) - 1);
	sig[0] = '0';
	sig[1] = 'x';
	sig[sizeof(sig) - 1] = '\0';
	assert_int_equal(x402_payment_header(&c.req[0], t, sig, hdr,
	    sizeof(hdr)), 0);
	assert_int_equal(sodium_base642bin(raw, sizeof(raw), hdr, strlen(hdr),
	    NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	p = json_loadb((const char *)raw, n, 0, NULL);
	assert_non_null(p);
	assert_int_equal(json_integer_value(json_object_get(p,
	    "x402Version")), 1);
	assert_string_equal(json_string_value(json_object_get(p, "scheme")),
	    "exact");
	assert_string_equal(json_string_value(json_object_get(p, "network")),
	    "base-sepolia");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    p, "payload"), "signature")), sig);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(p, "payload"), "authorization"), "validBefore")),
	    "1700000060");
	/* too small a buffer: refused, not cut */
	assert_int_equal(x402_payment_header(&c.req[0], t, sig, hdr, 64), -1);
	json_decref(p);
	json_decref(t);
}

static void
test_settlement(void **state)
{
	json_t		*o;
	char		 b64[512];
	const char	*j = "{\"success\":true,\"transaction\":\"0x1234\","
	    "\"network\":\"base-sepolia\",\"payer\":\"0xab\\u0001\","
	    "\"extra\":1}";

	(void)state;
	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)j,
	    strlen(j), sodium_base64_VARIANT_ORIGINAL);
	assert_int_equal(x402_settlement_parse(b64, strlen(b64), &o), 0);
	assert_true(json_is_true(json_object_get(o, "success")));
	assert_string_equal(json_string_value(json_object_get(o,
	    "transaction")), "0x1234");
	/* not printable: dropped; unknown: dropped */
	assert_null(json_object_get(o, "payer"));
	assert_null(json_object_get(o, "extra"));
	json_decref(o);
	assert_int_equal(x402_settlement_parse("!!!", 3, &o), -1);
	assert_null(o);
	assert_int_equal(x402_settlement_parse("W10=", 4, &o), -1);
	assert_int_equal(x402_settlement_parse("", 0, &o), -1);
}

static void
test_headers(void **state)
{
	(void)state;
	assert_int_equal(x402_header_ok("Accept", 6, "*/*", 3, 0), 1);
	assert_int_equal(x402_header_ok("X-Api-Key", 9, "", 0, 0), 1);
	assert_int_equal(x402_header_ok("Host", 4, "a", 1, 0), 0);
	assert_int_equal(x402_header_ok("content-length", 14, "1", 1, 0), 0);
	assert_int_equal(x402_header_ok("Transfer-Encoding", 17, "x", 1, 0),
	    0);
	assert_int_equal(x402_header_ok("X-PAYMENT", 9, "x", 1, 0), 0);
	assert_int_equal(x402_header_ok("X-PAYMENT", 9, "x", 1, 1), 1);
	assert_int_equal(x402_header_ok("Bad Name", 8, "x", 1, 0), 0);
	assert_int_equal(x402_header_ok("", 0, "x", 1, 0), 0);
	assert_int_equal(x402_header_ok("X", 1, "a\r\nb", 4, 0), 0);
	assert_int_equal(x402_header_ok("X", 1, "\xc3\xa9", 2, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_challenge_bad),
		cmocka_unit_test(test_chain_id),
		cmocka_unit_test(test_typed_data),
		cmocka_unit_test(test_settlement),
		cmocka_unit_test(test_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
