/*
 * The strict RLP decoder and the unsigned-transaction decoder behind
 * POST /v1/transactions/sign, against independent vectors: the signing
 * data of EIP-155's own example, and unsigned transactions serialized by
 * ethers 6.17.0 (tests/node), whose command is next to each.  Every
 * vector that decodes must re-encode (chain/evm.c) to the same bytes;
 * every malformed variant must be refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "evm.h"

/* EIP-155's example: nonce 9, 20 gwei, 21000 gas, 1 ether, chain 1. */
#define V155 "ec098504a817c80082520894353535353535353535353535353535" \
	"3535353535880de0b6b3a764000080018080"
/*
 * Transaction.from({type: 2, chainId: 31337, nonce: 5,
 *   maxPriorityFeePerGas: 1000000000n, maxFeePerGas: 30000000000n,
 *   gasLimit: 60000, to: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
 *   value: 0, data: transfer(0x70997970...79C8, 1000000)})
 *   .unsignedSerialized
 */
#define V1559 "02f86f827a6905843b9aca008506fc23ac0082ea60945fbdb2315678afecb3" \
	"67f032d93f642f64180aa380b844a9059cbb00000000000000000000000070997970" \
	"c51812dc3a010c7d01b50e0d17dc79c800000000000000000000000000000000000" \
	"000000000000000000000000f4240c0"
/*
 * Transaction.from({type: 0, chainId: 11155111, nonce: 0, gasPrice: 1,
 *   gasLimit: 21000, to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
 *   value: 1n}).unsignedSerialized
 */
#define VSEP "e280018252089470997970c51812dc3a010c7d01b50e0d17dc79c8" \
	"018083aa36a78080"

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t	n = strlen(s), i;
	int	hi, lo;

	assert_int_equal(n % 2, 0);
	assert_true(n / 2 <= cap);
	for (i = 0; i < n / 2; i++) {
		hi = s[2 * i];
		lo = s[2 * i + 1];
		hi = hi <= '9' ? hi - '0' : (hi | 0x20) - 'a' + 10;
		lo = lo <= '9' ? lo - '0' : (lo | 0x20) - 'a' + 10;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return n / 2;
}

/* Decodes, and re-encodes to the very same bytes. */
static void
round_trip(const uint8_t *b, size_t n, struct evm_tx *tx)
{
	static uint8_t	 out[EVM_TX_MAX];
	struct rlp	 r = { out, 0, sizeof(out) };
	const char	*why = NULL;

	assert_int_equal(evm_tx_decode(b, n, tx, &why), 0);
	assert_int_equal(evm_tx_encode(&r, tx, NULL, 0), 0);
	assert_int_equal(r.len, n);
	assert_memory_equal(out, b, n);
}

/* Refused, for the reason expected (a part of its text). */
static void
refused(const char *hex, const char *want)
{
	uint8_t		 b[512];
	struct evm_tx	 tx;
	const char	*why = NULL;
	size_t		 n = unhex(hex, b, sizeof(b));

	assert_int_equal(evm_tx_decode(b, n, &tx, &why), -1);
	assert_non_null(why);
	if (strstr(why, want) == NULL)
		fail_msg("%s: \"%s\", not \"%s\"", hex, why, want);
}

static void
test_legacy_155(void **state)
{
	uint8_t		b[256], v[32];
	struct evm_tx	tx;
	size_t		n = unhex(V155, b, sizeof(b));

	(void)state;
	round_trip(b, n, &tx);
	assert_int_equal(tx.type, EVM_TX_LEGACY);
	assert_int_equal(tx.chain_id, 1);
	assert_int_equal(tx.nonce, 9);
	assert_int_equal(tx.gas_limit, 21000);
	memset(v, 0, sizeof(v));
	unhex("04a817c800", v + 27, 5);
	assert_memory_equal(tx.gas_price, v, 32);
	memset(v, 0, sizeof(v));
	unhex("0de0b6b3a7640000", v + 24, 8);
	assert_memory_equal(tx.value, v, 32);
	memset(v, 0x35, 20);
	assert_memory_equal(tx.to, v, 20);
	assert_int_equal(tx.datalen, 0);
	assert_null(tx.data);

	n = unhex(VSEP, b, sizeof(b));
	round_trip(b, n, &tx);
	assert_int_equal(tx.chain_id, 11155111);
	assert_int_equal(tx.nonce, 0);
	assert_int_equal(tx.value[31], 1);
}

static void
test_1559(void **state)
{
	uint8_t		b[256], v[32];
	struct evm_tx	tx;
	size_t		n = unhex(V1559, b, sizeof(b));

	(void)state;
	round_trip(b, n, &tx);
	assert_int_equal(tx.type, EVM_TX_1559);
	assert_int_equal(tx.chain_id, 31337);
	assert_int_equal(tx.nonce, 5);
	assert_int_equal(tx.gas_limit, 60000);
	memset(v, 0, sizeof(v));
	unhex("3b9aca00", v + 28, 4);
	assert_memory_equal(tx.max_priority_fee, v, 32);
	memset(v, 0, sizeof(v));
	unhex("06fc23ac00", v + 27, 5);
	assert_memory_equal(tx.max_fee, v, 32);
	assert_int_equal(tx.datalen, 68);
	assert_ptr_equal(tx.data, b + n - 1 - 68);
	assert_int_equal(tx.data[0], 0xa9);
	assert_true(tx.value[31] == 0);
}

/* Every proper prefix, and every extension by one byte, is refused. */
static void
test_truncated_trailing(void **state)
{
	static const char *const	 vs[] = { V155, V1559, VSEP };
	uint8_t				 b[257], *c;
	struct evm_tx			 tx;
	const char			*why;
	size_t				 n, k, i;

	(void)state;
	for (i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
		n = unhex(vs[i], b, sizeof(b) - 1);
		for (k = 0; k < n; k++) {
			/* exact-size copies, so ASan sees an overread */
			c = malloc(k > 0 ? k : 1);
			assert_non_null(c);
			memcpy(c, b, k);
			assert_int_equal(evm_tx_decode(k > 0 ? c : NULL, k, &tx,
			    &why), -1);
			free(c);
		}
		b[n] = 0x00;
		assert_int_equal(evm_tx_decode(b, n + 1, &tx, &why), -1);
		b[n] = 0x80;
		assert_int_equal(evm_tx_decode(b, n + 1, &tx, &why), -1);
	}
}

static void
test_reject(void **state)
{
	(void)state;
	/* nonce 5 as 0x81 0x05: a byte below 0x80 is its own encoding */
	refused("e3" "8105" "01825208"
	    "9470997970c51812dc3a010c7d01b50e0d17dc79c8"
	    "018083aa36a78080", "not RLP");
	/* gasPrice 1 with a leading zero byte */
	refused("e480" "820001" "825208"
	    "9470997970c51812dc3a010c7d01b50e0d17dc79c8"
	    "018083aa36a78080", "canonical");
	/* the list's length in the long form although it is below 56 */
	refused("f822" "80018252089470997970c51812dc3a010c7d01b50e0d17dc79c8"
	    "018083aa36a78080", "not RLP");
	/* pre-EIP-155: six fields */
	refused("dc" "80018252089470997970c51812dc3a010c7d01b50e0d17dc79c8"
	    "0180", "EIP-155");
	/* signed legacy: v, r, s in place of chainId, 0, 0 */
	refused("e2" "80018252089470997970c51812dc3a010c7d01b50e0d17dc79c8"
	    "0180" "83aa36a7" "0102", "signed transaction");
	/* a contract creation: empty to */
	refused("ce" "800182520880" "0180" "83aa36a7" "8080",
	    "contract creation");
	/* to of 19 bytes */
	refused("e1" "8001825208" "93997970c51812dc3a010c7d01b50e0d17dc79c8"
	    "018083aa36a78080", "20-byte");
	/* chain id 0 */
	refused("df" "80018252089470997970c51812dc3a010c7d01b50e0d17dc79c8"
	    "0180" "80" "8080", "chain id 0");
	/* a list where the nonce goes */
	refused("e2" "c0" "018252089470997970c51812dc3a010c7d01b50e0d17dc79c8"
	    "018083aa36a78080", "canonical");
	/* EIP-2930 (type 1) and EIP-4844 (type 3) */
	refused("01c0", "unsupported transaction type");
	refused("03c0", "unsupported transaction type");
	/* 1559 with a non-empty access list */
	refused("02e4" "827a69" "05" "01" "02" "825208"
	    "9470997970c51812dc3a010c7d01b50e0d17dc79c8" "01" "80" "c3c20101",
	    "access list");
	/* 1559 signed: twelve fields */
	refused("02e4" "827a69" "05" "01" "02" "825208"
	    "9470997970c51812dc3a010c7d01b50e0d17dc79c8" "01" "80" "c0"
	    "01" "01" "01", "9 fields");
	/* 1559 with an access list that is a string */
	refused("02e1" "827a69" "05" "01" "02" "825208"
	    "9470997970c51812dc3a010c7d01b50e0d17dc79c8" "01" "80" "80",
	    "access list");
	/* a nonce of nine bytes */
	refused("eb" "89010000000000000000"
	    "018252089470997970c51812dc3a010c7d01b50e0d17dc79c8"
	    "018083aa36a78080", "canonical");
	refused("", "not RLP");
	refused("80", "unsupported transaction type");
}

static void
test_rlp_next(void **state)
{
	struct rlp_item	it, items[4];
	uint8_t		b[80];
	size_t		used;

	(void)state;
	/* 56 bytes: the shortest long form */
	b[0] = 0xb8;
	b[1] = 56;
	memset(b + 2, 'a', 56);
	assert_int_equal(rlp_next(b, 58, &it, &used), 0);
	assert_int_equal(it.len, 56);
	assert_int_equal(used, 58);
	assert_int_equal(rlp_next(b, 57, &it, &used), -1);
	/* a length with a leading zero byte */
	b[0] = 0xb9;
	b[1] = 0;
	b[2] = 56;
	assert_int_equal(rlp_next(b, 59, &it, &used), -1);
	/* eight length bytes of 0xff: no overflow, refused */
	b[0] = 0xbf;
	memset(b + 1, 0xff, 8);
	assert_int_equal(rlp_next(b, 9, &it, &used), -1);
	assert_int_equal(rlp_next(b, 1, &it, &used), -1);
	/* 0x00 is itself, 0x81 0x80 is the byte 0x80 */
	b[0] = 0x00;
	assert_int_equal(rlp_next(b, 1, &it, &used), 0);
	assert_int_equal(it.len, 1);
	b[0] = 0x81;
	b[1] = 0x80;
	assert_int_equal(rlp_next(b, 2, &it, &used), 0);
	assert_int_equal(it.p[0], 0x80);
	/* a list of three, and more items than room */
	b[0] = 0x01;
	b[1] = 0x02;
	b[2] = 0xc0;
	assert_int_equal(rlp_items(b, 3, items, 4), 3);
	assert_int_equal(items[2].list, 1);
	assert_int_equal(rlp_items(b, 3, items, 2), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_155),
		cmocka_unit_test(test_1559),
		cmocka_unit_test(test_truncated_trailing),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_rlp_next),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
