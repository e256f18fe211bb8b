/*
 * Keccak-256, RLP and EVM signing against known vectors: the Ethereum
 * RLP spec, EIP-155, EIP-55 and EIP-712's own examples, and the output
 * of foundry's `cast` 1.7.1 (npm @foundry-rs/cast-linux-amd64@1.7.1).
 * The cast command that made each vector is next to it; every signature
 * made here is also checked by recovering its signer.
 *
 * Keys used below:
 *   K0 anvil dev key 0 -> 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
 *   K1 anvil dev key 1 -> 0x70997970C51812dc3A010C7d01b50e0d17dc79C8
 *   K2 web3.js docs key -> 0x2c7536E3605D9C16a7a3D7b1898e529396a65c23
 *   K46 EIP-155's example key -> 0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F
 *   KCOW keccak256("cow"), EIP-712's example key
 *        -> 0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826
 * (`cast wallet address --private-key KEY` for each.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "evm_sign.h"

#define K0	"ac0974bec39a17e36ba4a6b4d238ff94" \
		"4bacb478cbed5efcae784d7bf4f2ff80"
#define K1	"59c6995e998f97a5a0044966f0945389" \
		"dc9e86dae88c7a8412f4603b6b78690d"
#define K2	"4c0883a69102937d6231471b5dbb6204" \
		"fe5129617082792ae468d01a3f362318"
#define K46	"46464646464646464646464646464646" \
		"46464646464646464646464646464646"
#define KCOW	"c85ef7d79691fe79573b1a7064c19c1a" \
		"9819ebdbd1faaab1a8ec92344438aaf4"

#define A0	"f39fd6e51aad88f6f4ce6ab8827279cfffb92266"
#define A1	"70997970c51812dc3a010c7d01b50e0d17dc79c8"
#define A2	"2c7536e3605d9c16a7a3d7b1898e529396a65c23"
#define A46	"9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f"
#define ACOW	"cd2a3d9f938e13cd947ec05abc7fe734df8dd826"

/*
 * 0x70997970...e79d17dc79C below is only a recipient, not anvil's dev
 * account 1 (...e0d17dc79C8); cast takes its mis-cased spelling as is.
 * cast calldata "transfer(address,uint256)" \
 *     0x70997970C51812dc3A010C7d01b50e79d17dc79C 1000000
 */
#define TRANSFER_CD \
	"a9059cbb00000000000000000000000070997970c51812dc3a010c7d01b50e79" \
	"d17dc79c00000000000000000000000000000000000000000000000000000000" \
	"000f4240"

static secp256k1_context *ctx;

/* Hex (optional 0x) to bytes; a malformed vector fails the test. */
static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t	n, i;
	int	hi, lo;

	if (s[0] == '0' && s[1] == 'x')
		s += 2;
	n = strlen(s);
	assert_int_equal(n % 2, 0);
	assert_true(n / 2 <= cap);
	for (i = 0; i < n / 2; i++) {
		hi = s[2 * i];
		lo = s[2 * i + 1];
		hi = hi <= '9' ? hi - '0' : (hi | 0x20) - 'a' + 10;
		lo = lo <= '9' ? lo - '0' : (lo | 0x20) - 'a' + 10;
		assert_true(hi >= 0 && hi < 16 && lo >= 0 && lo < 16);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return n / 2;
}

/* A big-endian uint256 from up to 64 hex digits. */
static void
u256(uint8_t out[32], const char *hex)
{
	uint8_t	b[32];
	size_t	n;

	n = unhex(hex, b, sizeof(b));
	memset(out, 0, 32);
	memcpy(out + 32 - n, b, n);
}

/* Compare as lower-case hex so a failure prints both sides. */
static void
assert_hex(const uint8_t *b, size_t n, const char *want)
{
	char	*got;
	size_t	 i;

	if (want[0] == '0' && want[1] == 'x')
		want += 2;
	got = malloc(2 * n + 1);
	assert_non_null(got);
	for (i = 0; i < n; i++)
		snprintf(got + 2 * i, 3, "%02x", b[i]);
	got[2 * n] = '\0';
	assert_string_equal(got, want);
	free(got);
}

static void
pattern(uint8_t *b, size_t n, unsigned mul, unsigned add)
{
	size_t	i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(i * mul + add);
}

/* Recover the signer of digest from r || s and recid; check low s. */
static void
recover_addr(const uint8_t digest[32], const uint8_t sig64[64], int recid,
    uint8_t addr[20])
{
	/* secp256k1's n / 2: a low-s signature has s at most this. */
	static const char	 half_n[] = "7fffffffffffffffffffffffffffffff"
				    "5d576e7357a4501ddfe92f46681b20a0";
	secp256k1_ecdsa_recoverable_signature	sig;
	secp256k1_pubkey			pk;
	uint8_t					ser[65], half[32];
	size_t					sl = sizeof(ser);

	u256(half, half_n);
	assert_true(memcmp(sig64 + 32, half, 32) <= 0);
	assert_int_equal(secp256k1_ecdsa_recoverable_signature_parse_compact(
	    ctx, &sig, sig64, recid), 1);
	assert_int_equal(secp256k1_ecdsa_recover(ctx, &pk, &sig, digest), 1);
	assert_int_equal(secp256k1_ec_pubkey_serialize(ctx, ser, &sl, &pk,
	    SECP256K1_EC_UNCOMPRESSED), 1);
	assert_int_equal(evm_address_of_pubkey(ctx, ser, sl, addr), 0);
}

/* r || s || v with v = 27 + recid over digest, signed by want. */
static void
check_rsv_signer(const uint8_t digest[32], const uint8_t sig[65],
    const char *want)
{
	uint8_t	addr[20];

	assert_true(sig[64] == 27 || sig[64] == 28);
	recover_addr(digest, sig, sig[64] - 27, addr);
	assert_hex(addr, 20, want);
}

/*
 * Keccak-256
 */

static void
test_keccak_vectors(void **state)
{
	/* cast keccak $(python3 -c \
	 *     "print('0x'+bytes(i&255 for i in range(N)).hex())") */
	static const struct {
		size_t		 n;
		const char	*hash;
	} v[] = {
	    { 1, "bc36789e7a1e281436464229828f817d"
		"6612f7b477d66591ff96a9e064bcc98a" },
	    { 55, "797f92d5e159d80a886c0a7802a255b4"
		"75a1e8e473e8cf4345144824a2aee79c" },
	    { 56, "0d0bf4902a749dee22eae5f1b6e2b867"
		"ba696ce9be7632eba14315ac09bd1856" },
	    { 135, "cbdfd9dee5faad3818d6b06f95a219fd"
		"290b0e1706f6a82e5a595b9ce9faca62" },
	    { 136, "7ce759f1ab7f9ce437719970c26b0a66"
		"ff11fe3e38e17df89cf5d29c7d7f807e" },
	    { 137, "ac73d4fae68b8453f764007c1a20ce95"
		"994187861f0c3227a3a8e99a73a3b1db" },
	    { 272, "fdf2ec49e749960d3c8521a0219af8d0"
		"3e30e2b3bf19bd16150ee0eaf133d66e" },
	    { 1000, "aca79e4146e30eb1c733f6d6060d7247"
		"1c36ea4e01ebf45d7f4916249c2bbd82" },
	};
	uint8_t	buf[1000], h[32];
	size_t	i;

	(void)state;
	/* The two vectors every Keccak-256 (not SHA3-256) must give. */
	keccak256("", 0, h);
	assert_hex(h, 32, "c5d2460186f7233c927e7db2dcc703c0"
	    "e500b653ca82273b7bfad8045d85a470");
	keccak256(NULL, 0, h);
	assert_hex(h, 32, "c5d2460186f7233c927e7db2dcc703c0"
	    "e500b653ca82273b7bfad8045d85a470");
	keccak256("abc", 3, h);
	assert_hex(h, 32, "4e03657aea45a94fc7d47ba826c8d667"
	    "c0d1e6e33a64a036ec44f58fa12d6c45");

	pattern(buf, sizeof(buf), 1, 0);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		keccak256(buf, v[i].n, h);
		assert_hex(h, 32, v[i].hash);
	}
}

static void
test_keccak_split(void **state)
{
	static const size_t	chunks[] = { 1, 3, 64, 135, 136, 137, 200 };
	struct keccak_ctx	k;
	uint8_t			buf[1000], one[32], inc[32];
	size_t			i, n, off, take;

	(void)state;
	pattern(buf, sizeof(buf), 1, 0);
	/* Chunked updates give the known 1000-byte hash. */
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		keccak256_init(&k);
		for (off = 0; off < sizeof(buf); off += take) {
			take = sizeof(buf) - off;
			if (take > chunks[i])
				take = chunks[i];
			keccak256_update(&k, buf + off, take);
			keccak256_update(&k, buf + off, 0);
		}
		keccak256_final(&k, inc);
		assert_hex(inc, 32, "aca79e4146e30eb1c733f6d6060d7247"
		    "1c36ea4e01ebf45d7f4916249c2bbd82");
	}
	/* Byte by byte equals one shot for every length across 2 blocks. */
	for (n = 0; n <= 300; n++) {
		keccak256(buf, n, one);
		keccak256_init(&k);
		for (off = 0; off < n; off++)
			keccak256_update(&k, buf + off, 1);
		keccak256_final(&k, inc);
		assert_memory_equal(one, inc, 32);
	}
}

/*
 * RLP: the vectors of the Ethereum wiki's RLP page and ethereum/tests.
 */

#define LOREM	"Lorem ipsum dolor sit amet, consectetur adipisicing elit"

static void
test_rlp_spec(void **state)
{
	uint8_t		buf[2048], big[1024], n[32];
	struct rlp	r = { buf, 0, sizeof(buf) };
	size_t		s0, s1, i;

	(void)state;
	assert_int_equal(rlp_bytes(&r, (const uint8_t *)"dog", 3), 0);
	assert_hex(buf, r.len, "83646f67");

	r.len = 0;
	assert_int_equal(rlp_bytes(&r, (const uint8_t *)"cat", 3), 0);
	assert_int_equal(rlp_bytes(&r, (const uint8_t *)"dog", 3), 0);
	assert_int_equal(rlp_list(&r, 0), 0);
	assert_hex(buf, r.len, "c88363617483646f67");

	r.len = 0;
	assert_int_equal(rlp_bytes(&r, NULL, 0), 0);
	assert_hex(buf, r.len, "80");

	r.len = 0;
	assert_int_equal(rlp_list(&r, 0), 0);
	assert_hex(buf, r.len, "c0");

	/* Integers: 0 is the empty string, 15 a single byte. */
	r.len = 0;
	assert_int_equal(rlp_u64(&r, 0), 0);
	assert_int_equal(rlp_u64(&r, 15), 0);
	assert_int_equal(rlp_u64(&r, 1024), 0);
	assert_int_equal(rlp_u64(&r, 0x7f), 0);
	assert_int_equal(rlp_u64(&r, 0x80), 0);
	assert_int_equal(rlp_u64(&r, UINT64_MAX), 0);
	assert_hex(buf, r.len, "800f8204007f818088ffffffffffffffff");

	r.len = 0;
	u256(n, "00");
	assert_int_equal(rlp_uint(&r, n), 0);
	u256(n, "0f");
	assert_int_equal(rlp_uint(&r, n), 0);
	u256(n, "0400");
	assert_int_equal(rlp_uint(&r, n), 0);
	memset(n, 0xff, sizeof(n));
	assert_int_equal(rlp_uint(&r, n), 0);
	assert_hex(buf, r.len, "800f820400a0"
	    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");

	/* The byte 0x00 is itself; as an integer it would be 0x80. */
	r.len = 0;
	assert_int_equal(rlp_bytes(&r, (const uint8_t *)"\0", 1), 0);
	assert_int_equal(rlp_bytes(&r, (const uint8_t *)"\x80", 1), 0);
	assert_hex(buf, r.len, "008180");

	/* A 56-byte string takes the long form. */
	r.len = 0;
	assert_int_equal(rlp_bytes(&r, (const uint8_t *)LOREM,
	    strlen(LOREM)), 0);
	assert_int_equal(r.len, 58);
	assert_hex(buf, 2, "b838");
	assert_memory_equal(buf + 2, LOREM, 56);

	/* A 1024-byte string: two length bytes. */
	r.len = 0;
	memset(big, 'a', sizeof(big));
	assert_int_equal(rlp_bytes(&r, big, sizeof(big)), 0);
	assert_int_equal(r.len, 3 + 1024);
	assert_hex(buf, 3, "b90400");

	/* Set theoretic [ [], [[]], [ [], [[]] ] ]. */
	r.len = 0;
	assert_int_equal(rlp_list(&r, 0), 0);
	s0 = r.len;
	assert_int_equal(rlp_list(&r, r.len), 0);
	assert_int_equal(rlp_list(&r, s0), 0);
	s0 = r.len;
	assert_int_equal(rlp_list(&r, r.len), 0);
	s1 = r.len;
	assert_int_equal(rlp_list(&r, r.len), 0);
	assert_int_equal(rlp_list(&r, s1), 0);
	assert_int_equal(rlp_list(&r, s0), 0);
	assert_int_equal(rlp_list(&r, 0), 0);
	assert_hex(buf, r.len, "c7c0c1c0c3c0c1c0");

	/* ethereum/tests longList1: [["asdf","qwer","zxcv"] x 4]. */
	r.len = 0;
	for (i = 0; i < 4; i++) {
		s0 = r.len;
		assert_int_equal(rlp_bytes(&r, (const uint8_t *)"asdf", 4), 0);
		assert_int_equal(rlp_bytes(&r, (const uint8_t *)"qwer", 4), 0);
		assert_int_equal(rlp_bytes(&r, (const uint8_t *)"zxcv", 4), 0);
		assert_int_equal(rlp_list(&r, s0), 0);
	}
	assert_int_equal(rlp_list(&r, 0), 0);
	assert_hex(buf, r.len, "f840"
	    "cf84617364668471776572847a786376cf84617364668471776572847a786376"
	    "cf84617364668471776572847a786376cf84617364668471776572847a786376");

	/* [LOREM]: a list whose payload is over 55 bytes. */
	r.len = 0;
	assert_int_equal(rlp_bytes(&r, (const uint8_t *)LOREM,
	    strlen(LOREM)), 0);
	assert_int_equal(rlp_list(&r, 0), 0);
	assert_int_equal(r.len, 60);
	assert_hex(buf, 4, "f83ab838");
	assert_memory_equal(buf + 4, LOREM, 56);

	/* A list payload of 1027 bytes: two length bytes. */
	r.len = 0;
	assert_int_equal(rlp_bytes(&r, big, sizeof(big)), 0);
	assert_int_equal(rlp_list(&r, 0), 0);
	assert_hex(buf, 6, "f90403b90400");
}

static void
test_rlp_bounds(void **state)
{
	uint8_t		buf[64], zeros[55] = { 0 };
	struct rlp	r = { buf, 0, 3 };
	uint8_t		n[32];

	(void)state;
	/* "dog" needs 4 bytes: 3 is too few and changes nothing. */
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(rlp_bytes(&r, (const uint8_t *)"dog", 3), -1);
	assert_int_equal(r.len, 0);
	assert_int_equal(buf[0], 0xee);
	r.cap = 4;
	assert_int_equal(rlp_bytes(&r, (const uint8_t *)"dog", 3), 0);
	assert_int_equal(r.len, 4);
	/* Full: neither a byte nor a list prefix fits. */
	assert_int_equal(rlp_u64(&r, 1), -1);
	assert_int_equal(rlp_list(&r, 0), -1);
	assert_int_equal(r.len, 4);
	assert_hex(buf, 5, "83646f67ee");
	r.cap = 5;
	assert_int_equal(rlp_list(&r, 0), 0);
	assert_hex(buf, r.len, "c483646f67");

	/* start past the end. */
	assert_int_equal(rlp_list(&r, r.len + 1), -1);
	/* A broken struct (len beyond cap) is refused, not trusted. */
	r.len = 10;
	r.cap = 5;
	assert_int_equal(rlp_list(&r, 0), -1);
	assert_int_equal(rlp_u64(&r, 0), -1);

	/* A 56-byte list payload needs a 2-byte prefix. */
	memset(buf, 0, sizeof(buf));
	r.len = 0;
	r.cap = 57;
	assert_int_equal(rlp_bytes(&r, zeros, sizeof(zeros)), 0);
	assert_int_equal(r.len, 56);
	assert_int_equal(rlp_list(&r, 0), -1);
	r.cap = 58;
	assert_int_equal(rlp_list(&r, 0), 0);
	assert_hex(buf, 3, "f838b7");

	/* A 32-byte integer needs 33 bytes. */
	r.len = 0;
	r.cap = 32;
	memset(n, 0x01, sizeof(n));
	assert_int_equal(rlp_uint(&r, n), -1);
	r.cap = 33;
	assert_int_equal(rlp_uint(&r, n), 0);

	/* Bytes with no pointer but a length. */
	r.len = 0;
	assert_int_equal(rlp_bytes(&r, NULL, 1), -1);
}

/*
 * Transactions
 */

struct tx_vec {
	const char	*key;
	const char	*addr;
	int		 type;
	uint64_t	 chain_id;
	uint64_t	 nonce;
	const char	*gas_price;	/* legacy; hex */
	const char	*tip;		/* 1559 max priority fee; hex */
	const char	*max_fee;	/* 1559; hex */
	uint64_t	 gas;
	const char	*to;
	const char	*value;		/* hex */
	const char	*data;		/* hex */
	const char	*raw;		/* cast mktx */
	const char	*hash;		/* cast keccak <raw> */
};

static const struct tx_vec tx_vecs[] = {
	/*
	 * cast mktx --private-key $K0 --chain 1 --nonce 0 --gas-limit 21000 \
	 *     --gas-price 20000000000 --priority-gas-price 1000000000 \
	 *     0x70997970C51812dc3A010C7d01b50e79d17dc79C \
	 *     --value 1000000000000000000
	 */
	{ K0, A0, EVM_TX_1559, 1, 0, NULL, "3b9aca00", "04a817c800", 21000,
	  "70997970c51812dc3a010c7d01b50e79d17dc79c", "0de0b6b3a7640000", "",
	    "02f8730180843b9aca008504a817c8008252089470997970c51812dc3a010c7d"
	    "01b50e79d17dc79c880de0b6b3a764000080c001a01e97871ef27c3bed2159da"
	    "674b08b4714037676b162f454ad9f3b6d2fe340b4da0158da002d0b8206fd6af"
	    "2b925c0d183b63f3bb8362862686111c3bcb2797ad29",
	    "37ccd0c7f37f4487b28ac364a59144d4"
	    "2ea3b76ce1423ba68dc8c5cdeefa4f7d" },
	/*
	 * Calldata, value 0, Base's chain id:
	 * cast mktx --private-key $K1 --chain 8453 --nonce 7 \
	 *     --gas-limit 60000 --gas-price 1500000000 \
	 *     --priority-gas-price 1000000 \
	 *     0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913 --value 0 $TRANSFER_CD
	 */
	{ K1, A1, EVM_TX_1559, 8453, 7, NULL, "0f4240", "59682f00", 60000,
	  "833589fcd6edb6e08f4c7c32d4f71b54bda02913", "00", TRANSFER_CD,
	    "02f8b082210507830f42408459682f0082ea6094833589fcd6edb6e08f4c7c32"
	    "d4f71b54bda0291380b844a9059cbb00000000000000000000000070997970c5"
	    "1812dc3a010c7d01b50e79d17dc79c0000000000000000000000000000000000"
	    "0000000000000000000000000f4240c001a0e60e81e02889720521fdc11062e1"
	    "a9f5a2c6987933c790263b523d1b63618569a0658f7879a366c2d7ead5dd3312"
	    "9a034efbb2c22ad7f48c1d7512e1be6a0e0d64",
	    "a55be79c41558dc853aba94df3b82725"
	    "da4340ef9949ef7cc2222d9ed0afd8ac" },
	/*
	 * Large values, nonce and chain id (Arbitrum Sepolia); yParity 0:
	 * cast mktx --private-key $K2 --chain 421614 --nonce 1234567890123 \
	 *     --gas-limit 30000000 --gas-price 1000000000000000000000 \
	 *     --priority-gas-price 340282366920938463463374607431768211455 \
	 *     0xdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef \
	 *     --value 115792089237316195423570985008687907853269984665640564\
	 *     039457584007913129639935
	 */
	{ K2, A2, EVM_TX_1559, 421614, 1234567890123ULL, NULL,
	  "ffffffffffffffffffffffffffffffff", "3635c9adc5dea00000", 30000000,
	  "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef",
	  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	  "",
	    "02f8a683066eee86011f71fb04cb90ffffffffffffffffffffffffffffffff89"
	    "3635c9adc5dea000008401c9c38094deadbeefdeadbeefdeadbeefdeadbeefde"
	    "adbeefa0ffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
	    "ffffffff80c080a0e673566ea396bb415418dda7368b51762f623c8e3727e5c9"
	    "7cf720eb7c1a91b4a00666cb86cdd6af1fc3c4a57a69b714e3ca2434bd17b256"
	    "9bc2505accf0a5a9b6",
	    "e2595a4bfeef5d0d519454e2449250ad"
	    "c8e990618739fd522e888e4c641d0817" },
	/*
	 * Local anvil (chain 31337), the transaction sent to a real anvil:
	 * cast mktx --private-key $K0 --chain 31337 --nonce 0 \
	 *     --gas-limit 21000 --gas-price 2000000000 \
	 *     --priority-gas-price 1000000000 \
	 *     0x70997970C51812dc3A010C7d01b50e79d17dc79C \
	 *     --value 1000000000000000
	 */
	{ K0, A0, EVM_TX_1559, 31337, 0, NULL, "3b9aca00", "77359400", 21000,
	  "70997970c51812dc3a010c7d01b50e79d17dc79c", "038d7ea4c68000", "",
	    "02f873827a6980843b9aca0084773594008252089470997970c51812dc3a010c"
	    "7d01b50e79d17dc79c87038d7ea4c6800080c001a0464884fae528ea3f5150b4"
	    "4a57a0d0b43645ae7e02acb46474a61172eb80d9e9a04ff39a98f42c86af50e2"
	    "e7b92000adfc5c8add821997d9e8793baede2a54a6d9",
	    "399b80f203a4c1605aeda139e4f29c83"
	    "7d104c42e91f0fd3918553c6c08fce33" },
	/*
	 * EIP-155's own example (its signed form and hash are in the EIP):
	 * cast mktx --private-key $K46 --chain 1 --nonce 9 --gas-limit 21000 \
	 *     --gas-price 20000000000 --legacy \
	 *     0x3535353535353535353535353535353535353535 \
	 *     --value 1000000000000000000
	 */
	{ K46, A46, EVM_TX_LEGACY, 1, 9, "04a817c800", NULL, NULL, 21000,
	  "3535353535353535353535353535353535353535", "0de0b6b3a7640000", "",
	    "f86c098504a817c8008252089435353535353535353535353535353535353535"
	    "35880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a1"
	    "5d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555"
	    "c9f3dc64214b297fb1966a3b6d83",
	    "33469b22e9f636356c4160a87eb19df5"
	    "2b7412e8eac32a4a55ffe88ea8350788" },
	/*
	 * Calldata, value 0, Polygon (v = 0x0136, two bytes):
	 * cast mktx --private-key $K1 --chain 137 --nonce 0 --gas-limit 65000 \
	 *     --gas-price 30000000000 --legacy \
	 *     0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913 --value 0 $TRANSFER_CD
	 */
	{ K1, A1, EVM_TX_LEGACY, 137, 0, "06fc23ac00", NULL, NULL, 65000,
	  "833589fcd6edb6e08f4c7c32d4f71b54bda02913", "00", TRANSFER_CD,
	    "f8ab808506fc23ac0082fde894833589fcd6edb6e08f4c7c32d4f71b54bda029"
	    "1380b844a9059cbb00000000000000000000000070997970c51812dc3a010c7d"
	    "01b50e79d17dc79c000000000000000000000000000000000000000000000000"
	    "00000000000f4240820136a0f26e90b7c679568a8c800a015c9035b7c7e2574b"
	    "7bcdb11eb3fb3a14c9631f71a04499f7e7a64754bdb108bdb50acce0c20bcb7b"
	    "540feca7f355d72200906baa2f",
	    "cdf8c6078b876ab5378b6c48e9d90041"
	    "8adb5806b4b9225dc711e6d43a9101b4" },
	/*
	 * Extremes: nonce 2^64-2, gas 2^64-1, gas price 2^128-1 (cast's
	 * limit), value 2^128, chain 421614 (v = 0x0cddff, three bytes):
	 * cast mktx --private-key $K2 --chain 421614 \
	 *     --nonce 18446744073709551614 --gas-limit 18446744073709551615 \
	 *     --gas-price 340282366920938463463374607431768211455 --legacy \
	 *     0x0000000000000000000000000000000000000001 \
	 *     --value 340282366920938463463374607431768211456
	 */
	{ K2, A2, EVM_TX_LEGACY, 421614, UINT64_MAX - 1,
	  "ffffffffffffffffffffffffffffffff", NULL, NULL, UINT64_MAX,
	  "0000000000000000000000000000000000000001",
	  "0100000000000000000000000000000000", "",
	    "f89188fffffffffffffffe90ffffffffffffffffffffffffffffffff88ffffff"
	    "ffffffffff940000000000000000000000000000000000000001910100000000"
	    "00000000000000000000000080830cddffa0e5b899d1a82316244863cdd27bbd"
	    "c0699c1d60ca940dee2f485e510d885ff907a05bd2c901cd836c926cad11dba8"
	    "a02ecd16e034121d678deb471801fbad8fc018",
	    "306dcdcdff7e3ddef74a07f67f2a4377"
	    "ac0fc55c16e8d1080cf29a9dc4b1a3da" },
	/*
	 * Smallest values, to the zero address, Base:
	 * cast mktx --private-key $K0 --chain 8453 --nonce 1 \
	 *     --gas-limit 21000 --gas-price 1 --legacy \
	 *     0x0000000000000000000000000000000000000000 --value 1
	 */
	{ K0, A0, EVM_TX_LEGACY, 8453, 1, "01", NULL, NULL, 21000,
	  "0000000000000000000000000000000000000000", "01", "",
	    "f861010182520894000000000000000000000000000000000000000001808242"
	    "2da0ceb25887c11a6e3ee3d5c31f4c9458a704702fe781b589920db76e25e542"
	    "5a1fa03543e749138361af51feaede1ad5eb0a7484f7b7b57d5f20e88bf02376"
	    "89e171",
	    "95fe7bef8a5b4733eb21a3d8b3bc9863"
	    "7c2adbef46544caaefd9a9e073e7f46d" },
};

/* One RLP item at p: where its payload starts and how long it is. */
static void
rlp_item(const uint8_t *p, size_t n, size_t *off, size_t *len, int *list)
{
	size_t	ll, i;

	assert_true(n > 0);
	*list = p[0] >= 0xc0;
	if (p[0] < 0x80) {
		*off = 0;
		*len = 1;
	} else if (p[0] <= 0xb7 || (p[0] >= 0xc0 && p[0] <= 0xf7)) {
		*off = 1;
		*len = p[0] - (*list ? 0xc0 : 0x80);
	} else {
		ll = p[0] - (*list ? 0xf7 : 0xb7);
		assert_true(ll <= 4 && 1 + ll <= n);
		*len = 0;
		for (i = 0; i < ll; i++)
			*len = *len << 8 | p[1 + i];
		*off = 1 + ll;
	}
	assert_true(*off + *len <= n);
}

/*
 * Take a signed transaction apart with a decoder of its own, rebuild
 * the preimage the EIP says was signed, and recover the signer.
 */
static void
check_tx_signer(const struct evm_tx *tx, const uint8_t *raw, size_t rawlen,
    const char *want)
{
	const uint8_t	*p = raw, *body;
	uint8_t		*pre, sig[64], digest[32], addr[20];
	size_t		 n = rawlen, off, len, pos, o, l, k = 0, nitems;
	size_t		 start[12], ioff[12], ilen[12];
	uint64_t	 v = 0;
	struct rlp	 r;
	int		 list, recid;

	if (tx->type == EVM_TX_1559) {
		assert_int_equal(p[0], EVM_TX_1559);
		p++;
		n--;
	}
	rlp_item(p, n, &off, &len, &list);
	assert_true(list);
	assert_int_equal(off + len, n);
	body = p + off;
	for (pos = 0; pos < len; pos += o + l) {
		assert_true(k < 12);
		rlp_item(body + pos, len - pos, &o, &l, &list);
		assert_false(list && k != 8);	/* only accessList is one */
		start[k] = pos;
		ioff[k] = pos + o;
		ilen[k] = l;
		k++;
	}
	nitems = tx->type == EVM_TX_1559 ? 12 : 9;
	assert_int_equal(k, nitems);

	for (o = 0; o < ilen[k - 3]; o++)
		v = v << 8 | body[ioff[k - 3] + o];
	memset(sig, 0, sizeof(sig));
	assert_true(ilen[k - 2] <= 32 && ilen[k - 1] <= 32);
	memcpy(sig + 32 - ilen[k - 2], body + ioff[k - 2], ilen[k - 2]);
	memcpy(sig + 64 - ilen[k - 1], body + ioff[k - 1], ilen[k - 1]);

	pre = malloc(rawlen + 16);
	assert_non_null(pre);
	r.p = pre;
	r.len = 0;
	r.cap = rawlen + 16;
	if (tx->type == EVM_TX_1559) {
		assert_true(v <= 1);
		recid = (int)v;
		pre[r.len++] = EVM_TX_1559;
	} else {
		assert_true(v == tx->chain_id * 2 + 35 ||
		    v == tx->chain_id * 2 + 36);
		recid = (int)(v - tx->chain_id * 2 - 35);
	}
	off = r.len;
	memcpy(pre + r.len, body, start[k - 3]);
	r.len += start[k - 3];
	if (tx->type == EVM_TX_LEGACY) {
		assert_int_equal(rlp_u64(&r, tx->chain_id), 0);
		assert_int_equal(rlp_u64(&r, 0), 0);
		assert_int_equal(rlp_u64(&r, 0), 0);
	}
	assert_int_equal(rlp_list(&r, off), 0);
	keccak256(pre, r.len, digest);
	free(pre);

	recover_addr(digest, sig, recid, addr);
	assert_hex(addr, 20, want);
}

static void
tx_from_vec(struct evm_tx *tx, const struct tx_vec *v, uint8_t *data,
    size_t cap)
{
	memset(tx, 0, sizeof(*tx));
	tx->type = v->type;
	tx->chain_id = v->chain_id;
	tx->nonce = v->nonce;
	if (v->gas_price != NULL)
		u256(tx->gas_price, v->gas_price);
	if (v->tip != NULL)
		u256(tx->max_priority_fee, v->tip);
	if (v->max_fee != NULL)
		u256(tx->max_fee, v->max_fee);
	tx->gas_limit = v->gas;
	assert_int_equal(unhex(v->to, tx->to, sizeof(tx->to)), 20);
	u256(tx->value, v->value);
	tx->datalen = unhex(v->data, data, cap);
	tx->data = tx->datalen > 0 ? data : NULL;
}

static void
test_tx_vectors(void **state)
{
	struct evm_tx	tx;
	uint8_t		key[32], data[256], out[1024], want[1024], h[32];
	size_t		i, outlen, wantlen;

	(void)state;
	for (i = 0; i < sizeof(tx_vecs) / sizeof(tx_vecs[0]); i++) {
		print_message("tx vector %zu\n", i);
		tx_from_vec(&tx, &tx_vecs[i], data, sizeof(data));
		unhex(tx_vecs[i].key, key, sizeof(key));
		assert_int_equal(evm_tx_sign(ctx, &tx, key, out, sizeof(out),
		    &outlen, h), 0);
		assert_hex(out, outlen, tx_vecs[i].raw);
		assert_hex(h, 32, tx_vecs[i].hash);

		/* Exactly the room needed is enough; one byte less is not. */
		wantlen = unhex(tx_vecs[i].raw, want, sizeof(want));
		assert_int_equal(evm_tx_sign(ctx, &tx, key, out, wantlen,
		    &outlen, h), 0);
		assert_int_equal(outlen, wantlen);
		assert_int_equal(evm_tx_sign(ctx, &tx, key, out, wantlen - 1,
		    &outlen, h), -1);
		assert_int_equal(outlen, 0);

		assert_int_equal(evm_tx_sign(ctx, &tx, key, out, sizeof(out),
		    &outlen, h), 0);
		check_tx_signer(&tx, out, outlen, tx_vecs[i].addr);
	}
}

/*
 * 65500 bytes of calldata (i * 7 + 3) & 255: 3-byte list lengths.  cast
 * can take no more in one argument (Linux's 128 KiB MAX_ARG_STRLEN),
 * so its output is compared by length, head and hash:
 * D=$(python3 -c \
 *     'print("0x"+bytes((i*7+3)&255 for i in range(65500)).hex())')
 * TX=$(cast mktx --private-key $K0 --chain 10 --nonce 3 \
 *     --gas-limit 30000000 --gas-price 2000000000 \
 *     --priority-gas-price 100 \
 *     0x4200000000000000000000000000000000000006 --value 5 $D)
 * printf '%s' $TX | cast keccak
 * and the same with --legacy in place of --priority-gas-price 100.
 */
static uint8_t	big_data[EVM_TX_MAX], big_out[EVM_TX_MAX];

static void
test_tx_big_data(void **state)
{
	struct evm_tx	 tx;
	uint8_t		 key[32], h[32], *data = big_data, *out = big_out;
	size_t		 outlen;

	(void)state;
	pattern(data, 65500, 7, 3);
	unhex(K0, key, sizeof(key));

	memset(&tx, 0, sizeof(tx));
	tx.type = EVM_TX_1559;
	tx.chain_id = 10;
	tx.nonce = 3;
	u256(tx.max_priority_fee, "64");
	u256(tx.max_fee, "77359400");
	tx.gas_limit = 30000000;
	unhex("4200000000000000000000000000000000000006", tx.to, 20);
	u256(tx.value, "05");
	tx.data = data;
	tx.datalen = 65500;
	assert_int_equal(evm_tx_sign(ctx, &tx, key, out, EVM_TX_MAX, &outlen,
	    h), 0);
	assert_int_equal(outlen, 65611);
	assert_hex(out, 19, "02fa0100460a036484773594008401c9c38094");
	assert_hex(h, 32,
	    "e549b06515afe3efe30bcc67a4d7c931946e5819c01f269807a284e21c8e4bcd");
	check_tx_signer(&tx, out, outlen, A0);

	tx.type = EVM_TX_LEGACY;
	u256(tx.gas_price, "77359400");
	assert_int_equal(evm_tx_sign(ctx, &tx, key, out, EVM_TX_MAX, &outlen,
	    h), 0);
	assert_int_equal(outlen, 65607);
	assert_hex(out, 19, "fa0100430384773594008401c9c38094420000");
	assert_hex(h, 32,
	    "622d23c9795dfaf694160fa87735287bb01581136a2031f91c6055ea4789cc27");
	check_tx_signer(&tx, out, outlen, A0);

	/* 128 KiB of data is the most; EVM_TX_MAX holds it signed. */
	tx.datalen = 128 * 1024;
	pattern(data, tx.datalen, 13, 1);
	assert_int_equal(evm_tx_sign(ctx, &tx, key, out, EVM_TX_MAX, &outlen,
	    h), 0);
	check_tx_signer(&tx, out, outlen, A0);
	tx.type = EVM_TX_1559;
	assert_int_equal(evm_tx_sign(ctx, &tx, key, out, EVM_TX_MAX, &outlen,
	    h), 0);
	check_tx_signer(&tx, out, outlen, A0);
	tx.datalen++;
	assert_int_equal(evm_tx_sign(ctx, &tx, key, out, EVM_TX_MAX, &outlen,
	    h), -1);
	assert_int_equal(outlen, 0);
}

static void
test_tx_reject(void **state)
{
	struct evm_tx	tx, base;
	uint8_t		key[32], data[256], out[1024], h[32];
	size_t		outlen;
	uint8_t		zero[32] = { 0 };

	(void)state;
	tx_from_vec(&base, &tx_vecs[0], data, sizeof(data));
	unhex(K0, key, sizeof(key));

	tx = base;
	tx.chain_id = 0;
	assert_int_equal(evm_tx_sign(ctx, &tx, key, out, sizeof(out),
	    &outlen, h), -1);
	tx.type = EVM_TX_LEGACY;
	assert_int_equal(evm_tx_sign(ctx, &tx, key, out, sizeof(out),
	    &outlen, h), -1);

	/* Types 1 (EIP-2930), 3 (blobs), 4 (EIP-7702) are not signed. */
	tx = base;
	tx.type = 1;
	assert_int_equal(evm_tx_sign(ctx, &tx, key, out, sizeof(out),
	    &outlen, h), -1);
	tx.type = 3;
	assert_int_equal(evm_tx_sign(ctx, &tx, key, out, sizeof(out),
	    &outlen, h), -1);
	tx.type = 4;
	assert_int_equal(evm_tx_sign(ctx, &tx, key, out, sizeof(out),
	    &outlen, h), -1);
	tx.type = -1;
	assert_int_equal(evm_tx_sign(ctx, &tx, key, out, sizeof(out),
	    &outlen, h), -1);

	/* A length without data. */
	tx = base;
	tx.data = NULL;
	tx.datalen = 4;
	assert_int_equal(evm_tx_sign(ctx, &tx, key, out, sizeof(out),
	    &outlen, h), -1);

	/* A legacy chain id whose v would not fit in 64 bits. */
	tx = base;
	tx.type = EVM_TX_LEGACY;
	tx.chain_id = UINT64_MAX / 2;
	assert_int_equal(evm_tx_sign(ctx, &tx, key, out, sizeof(out),
	    &outlen, h), -1);
	tx.chain_id = (UINT64_MAX - 36) / 2;
	assert_int_equal(evm_tx_sign(ctx, &tx, key, out, sizeof(out),
	    &outlen, h), 0);

	/* A key that is no key: zero. */
	tx = base;
	memset(out, 0x55, sizeof(out));
	assert_int_equal(evm_tx_sign(ctx, &tx, zero, out, sizeof(out),
	    &outlen, h), -1);
	assert_int_equal(outlen, 0);
	assert_int_equal(out[0], 0);	/* no half-built transaction left */
}

/*
 * EIP-191 personal messages
 */

static const struct {
	const char	*key;
	const char	*addr;
	const char	*msg;		/* hex of the message bytes */
	const char	*sig;
} personal_vecs[] = {
	/* cast wallet sign --private-key $K0 "hello world" */
	{ K0, A0, "68656c6c6f20776f726c64",
	    "a461f509887bd19e312c0c58467ce8ff8e300d3c1a90b608a760c5b80318eaf1"
	    "5fe57c96f9175d6cd4daad4663763baa7e78836e067d0163e9a2ccf2ff753f5b"
	    "1b" },
	/* cast wallet sign --private-key $K0 "" */
	{ K0, A0, "",
	    "c1977b761f1dd36c29795783460d241885c8e7f9d962dbe7bba2753fd94e89b4"
	    "44a1cd9ed855dd09afa3b73f7c2bd097ec9abc2d2775d737505a02d3f0cafa59"
	    "1b" },
	/* UTF-8, 24 bytes:
	 * cast wallet sign --private-key $K1 "héllo wörld ✓ 日本" */
	{ K1, A1, "68c3a96c6c6f2077c3b6726c6420e29c9320e697a5e69cac",
	    "2028c900b6cc46b86a966123c0354f4b7fb6861491e09f8fe10e02a119983ccd"
	    "3919f7848b78255a3a8dcb86bb113e5dc3bc9a5c99c603a49e6deb68ffa7eb05"
	    "1b" },
	/* Raw bytes, cast decodes a 0x message:
	 * cast wallet sign --private-key $K1 0xdeadbeef00ff */
	{ K1, A1, "deadbeef00ff",
	    "494250f116531f0e833dc74c2a1d37935e566bd69c8e81d909625d81d6031a37"
	    "5c830561a3fcb6147c6ca7da9e2d272756fae219060e97a190b61b76ebaad318"
	    "1c" },
	/* 200 'x': a 3-digit length, preimage over one Keccak block:
	 * cast wallet sign --private-key $K0 "$(printf 'x%.0s' $(seq 200))" */
	{ K0, A0, NULL,
	    "6ad018ea5bb251dd4d879d6e5c7d8569618caaad2fb045aa7bf4d2179fb6856b"
	    "46135f276cd2a9c4403d18b9640d0d2a0a00a4abc215b9e5952e41f14a48666a"
	    "1c" },
};

static void
personal_digest(const uint8_t *msg, size_t len, uint8_t digest[32])
{
	struct keccak_ctx	k;
	char			num[24];

	snprintf(num, sizeof(num), "%zu", len);
	keccak256_init(&k);
	keccak256_update(&k, "\x19" "Ethereum Signed Message:\n", 26);
	keccak256_update(&k, num, strlen(num));
	keccak256_update(&k, msg, len);
	keccak256_final(&k, digest);
}

static void
test_personal(void **state)
{
	uint8_t	key[32], msg[256], sig[65], digest[32];
	size_t	i, n;

	(void)state;
	/* The prefixing itself: cast hash-message "hello world" / "". */
	personal_digest((const uint8_t *)"hello world", 11, digest);
	assert_hex(digest, 32,
	    "d9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68");
	personal_digest(NULL, 0, digest);
	assert_hex(digest, 32,
	    "5f35dce98ba4fba25530a026ed80b2cecdaa31091ba4958b99b52ea1d068adad");

	for (i = 0; i < sizeof(personal_vecs) / sizeof(personal_vecs[0]);
	    i++) {
		print_message("personal vector %zu\n", i);
		unhex(personal_vecs[i].key, key, sizeof(key));
		if (personal_vecs[i].msg == NULL) {
			n = 200;
			memset(msg, 'x', n);
		} else
			n = unhex(personal_vecs[i].msg, msg, sizeof(msg));
		assert_int_equal(evm_sign_personal(ctx, key,
		    n > 0 ? msg : NULL, n, sig), 0);
		assert_hex(sig, 65, personal_vecs[i].sig);
		personal_digest(msg, n, digest);
		check_rsv_signer(digest, sig, personal_vecs[i].addr);
	}

	assert_int_equal(evm_sign_personal(ctx, key, NULL, 1, sig), -1);
	memset(key, 0, sizeof(key));
	assert_int_equal(evm_sign_personal(ctx, key, msg, 1, sig), -1);
}

/*
 * EIP-712: the EIP's "Mail" example.  Its domain separator, struct hash,
 * digest and signature (key keccak256("cow")) are published in the EIP;
 * cast gives the same.  With T = the typed data JSON of the EIP's
 * example (types EIP712Domain, Person, Mail; primaryType Mail; domain
 * "Ether Mail", "1", 1, 0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC;
 * from Cow 0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826, to Bob
 * 0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB, contents "Hello, Bob!"):
 *
 * domainSeparator:
 *   DTH=$(cast keccak "EIP712Domain(string name,string version,\
 *   uint256 chainId,address verifyingContract)")
 *   cast keccak $(cast abi-encode "f(bytes32,bytes32,bytes32,uint256,\
 *   address)" $DTH $(cast keccak "Ether Mail") $(cast keccak "1") 1 \
 *   0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC)
 * structHash:
 *   PTH=$(cast keccak "Person(string name,address wallet)")
 *   MTH=$(cast keccak "Mail(Person from,Person to,string contents)\
 *   Person(string name,address wallet)")
 *   FROM=$(cast keccak $(cast abi-encode "f(bytes32,bytes32,address)" \
 *   $PTH $(cast keccak Cow) 0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826))
 *   TO=$(cast keccak $(cast abi-encode "f(bytes32,bytes32,address)" \
 *   $PTH $(cast keccak Bob) 0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB))
 *   cast keccak $(cast abi-encode "f(bytes32,bytes32,bytes32,bytes32)" \
 *   $MTH $FROM $TO $(cast keccak "Hello, Bob!"))
 * digest: cast keccak 0x1901${DS#0x}${SH#0x}
 * signatures: cast wallet sign --data --private-key $KCOW "$T"
 *             cast wallet sign --data --private-key $K0 "$T"
 */
#define MAIL_DS	"f2cee375fa42b42143804025fc449dea" \
		"fd50cc031ca257e0b194a650a912090f"
#define MAIL_SH	"c52c0ee5d84264471806290a3f2c4cec" \
		"fc5490626bf912d01f240d7a274b371e"
#define MAIL_D	"be609aee343fb3c4b28e1df9e632fca6" \
		"4fcfaede20f02e86244efddf30957bd2"

static void
test_typed(void **state)
{
	uint8_t	key[32], ds[32], sh[32], buf[66], digest[32], sig[65];

	(void)state;
	unhex(MAIL_DS, ds, sizeof(ds));
	unhex(MAIL_SH, sh, sizeof(sh));
	buf[0] = 0x19;
	buf[1] = 0x01;
	memcpy(buf + 2, ds, 32);
	memcpy(buf + 34, sh, 32);
	keccak256(buf, sizeof(buf), digest);
	assert_hex(digest, 32, MAIL_D);

	unhex(KCOW, key, sizeof(key));
	assert_int_equal(evm_sign_typed(ctx, key, ds, sh, sig), 0);
	/* The EIP: v 28, r 0x4355c47d..., s 0x07299936... */
	assert_hex(sig, 65,
	    "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
	    "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562"
	    "1c");
	check_rsv_signer(digest, sig, ACOW);

	unhex(K0, key, sizeof(key));
	assert_int_equal(evm_sign_typed(ctx, key, ds, sh, sig), 0);
	assert_hex(sig, 65,
	    "6ea8bb309a3401225701f3565e32519f94a0ea91a5910ce9229fe488e773584c"
	    "0390416a2190d9560219dab757ecca2029e63fa9d1c2aebf676cc25b9f03126a"
	    "1b");
	check_rsv_signer(digest, sig, A0);

	memset(key, 0xff, sizeof(key));	/* above the group order */
	assert_int_equal(evm_sign_typed(ctx, key, ds, sh, sig), -1);
}

/*
 * Addresses
 */

static void
test_address(void **state)
{
	/* cast wallet public-key --private-key $K0 */
	static const char	pub0[] =
	    "8318535b54105d4a7aae60c08fc45f9687181b4fdfc625bd1a753fa7397fed75"
	    "3547f11ca8696646f2f3acb08e31016afac23e630c5d11f59f61fef57b0d2aa5";
	uint8_t	key[32], pub[65], addr[20];
	char	s[43];

	(void)state;
	unhex(K0, key, sizeof(key));
	assert_int_equal(evm_address_of_seckey(ctx, key, addr), 0);
	assert_hex(addr, 20, A0);
	evm_address_checksum(addr, s);
	assert_string_equal(s, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

	pub[0] = 0x04;
	unhex(pub0, pub + 1, 64);
	memset(addr, 0, sizeof(addr));
	assert_int_equal(evm_address_of_pubkey(ctx, pub, 65, addr), 0);
	assert_hex(addr, 20, A0);
	/* Compressed: Y ends in 0xa5, odd, so the prefix is 03. */
	pub[0] = 0x03;
	memset(addr, 0, sizeof(addr));
	assert_int_equal(evm_address_of_pubkey(ctx, pub, 33, addr), 0);
	assert_hex(addr, 20, A0);

	assert_int_equal(evm_address_of_pubkey(ctx, pub, 64, addr), -1);
	assert_int_equal(evm_address_of_pubkey(ctx, pub + 1, 64, addr), -1);
	assert_int_equal(evm_address_of_pubkey(ctx, NULL, 65, addr), -1);
	pub[0] = 0x04;
	memset(pub + 1, 0, 64);		/* not on the curve */
	assert_int_equal(evm_address_of_pubkey(ctx, pub, 65, addr), -1);

	memset(key, 0, sizeof(key));
	assert_int_equal(evm_address_of_seckey(ctx, key, addr), -1);
	/* The group order n itself is not a key. */
	unhex("fffffffffffffffffffffffffffffffe"
	    "baaedce6af48a03bbfd25e8cd0364141", key, sizeof(key));
	assert_int_equal(evm_address_of_seckey(ctx, key, addr), -1);
}

/* EIP-55's own examples (mixed, all upper, all lower). */
static const char *eip55[] = {
	"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
	"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
	"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
	"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
	"0x52908400098527886E0F7030069857D2E4169EE7",
	"0x8617E340B3D01FA5F11F306F4090FD50E238070D",
	"0xde709f2102306220921060314715629080e2fb77",
	"0x27b1fdb04752bbc536007a920d24acb045561c26",
};

static void
test_checksum(void **state)
{
	uint8_t	addr[20], want[20];
	char	s[43], lower[43], upper[43];
	size_t	i, j;

	(void)state;
	for (i = 0; i < sizeof(eip55) / sizeof(eip55[0]); i++) {
		assert_int_equal(evm_address_parse(eip55[i], 42, addr), 0);
		unhex(eip55[i], want, sizeof(want));
		assert_memory_equal(addr, want, 20);
		evm_address_checksum(addr, s);
		assert_string_equal(s, eip55[i]);

		/* One case throughout is taken as is. */
		for (j = 0; j < 43; j++) {
			lower[j] = eip55[i][j];
			upper[j] = eip55[i][j];
			if (j >= 2 && lower[j] >= 'A' && lower[j] <= 'F')
				lower[j] = (char)(lower[j] - 'A' + 'a');
			if (j >= 2 && upper[j] >= 'a' && upper[j] <= 'f')
				upper[j] = (char)(upper[j] - 'a' + 'A');
		}
		memset(addr, 0, sizeof(addr));
		assert_int_equal(evm_address_parse(lower, 42, addr), 0);
		assert_memory_equal(addr, want, 20);
		memset(addr, 0, sizeof(addr));
		assert_int_equal(evm_address_parse(upper, 42, addr), 0);
		assert_memory_equal(addr, want, 20);
	}
}

static void
test_parse_reject(void **state)
{
	static const char	*bad[] = {
		/* last letter's case flipped: a broken checksum */
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BEAed",
		"0XfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"00fB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"0xgB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"0x fB6916095ca1df60bB79Ce92cE3Ea74c37c5d35",
		"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae",
	};
	uint8_t			 addr[20], ff[20];
	size_t			 i;

	(void)state;
	memset(ff, 0xff, sizeof(ff));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(addr, 0xff, sizeof(addr));
		assert_int_equal(evm_address_parse(bad[i], strlen(bad[i]),
		    addr), -1);
		assert_memory_equal(addr, ff, 20);	/* untouched */
	}
	/* Lengths: 40 hex without 0x, 42 + 2, and an embedded NUL. */
	assert_int_equal(evm_address_parse(
	    "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", 40, addr), -1);
	assert_int_equal(evm_address_parse(
	    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00", 44, addr), -1);
	assert_int_equal(evm_address_parse(
	    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", 41, addr), -1);
	assert_int_equal(evm_address_parse(
	    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1\0eAed", 42, addr), -1);
	assert_int_equal(evm_address_parse(NULL, 42, addr), -1);
	assert_int_equal(evm_address_parse("", 0, addr), -1);
}

static int
setup(void **state)
{
	(void)state;
	ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	return ctx == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	secp256k1_context_destroy(ctx);
	return 0;
}

/*
 * A contract creation: to is the empty string.  cast mktx --private-key
 * $K0 --chain 11155111 --nonce 7 --gas-limit 100000 --gas-price
 * 2000000000 --priority-gas-price 1000000000 --value 5 --create
 * 0x6080604052; the addresses from cast compute-address --nonce N $A0.
 */
static void
test_create(void **state)
{
	static const uint8_t	init[] = { 0x60, 0x80, 0x60, 0x40, 0x52 };
	struct evm_tx		tx;
	uint8_t			key[32], out[512], h[32], from[20], a[20];
	size_t			outlen;
	char			s[43];

	(void)state;
	memset(&tx, 0, sizeof(tx));
	tx.type = EVM_TX_1559;
	tx.chain_id = 11155111;
	tx.nonce = 7;
	tx.gas_limit = 100000;
	u256(tx.max_fee, "77359400");		/* 2 gwei */
	u256(tx.max_priority_fee, "3b9aca00");	/* 1 gwei */
	u256(tx.value, "05");
	tx.create = 1;
	tx.data = init;
	tx.datalen = sizeof(init);
	unhex(K0, key, sizeof(key));
	assert_int_equal(evm_tx_sign(ctx, &tx, key, out, sizeof(out),
	    &outlen, h), 0);
	assert_hex(out, outlen, "02f85f83aa36a707843b9aca008477359400830186"
	    "a08005856080604052c001a001fcdf62a601abf09f0ece96dde848cd732151"
	    "7404b742d20aeac3cc0b655625a0738d03f7a8e8c97749c2276901be8d59f1"
	    "b02ed317ea4e2467f48c606ac683e4");
	assert_hex(h, 32, "d5d180001773e2e610c7cd149466f10358d4ce82435923c1"
	    "efef8dd463457aed");
	/* a creation without init code is refused */
	tx.datalen = 0;
	tx.data = NULL;
	assert_int_equal(evm_tx_sign(ctx, &tx, key, out, sizeof(out),
	    &outlen, h), -1);

	unhex(A0, from, sizeof(from));
	evm_create_address(from, 0, a);
	evm_address_checksum(a, s);
	assert_string_equal(s, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
	evm_create_address(from, 1, a);
	evm_address_checksum(a, s);
	assert_string_equal(s, "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512");
	evm_create_address(from, 300, a);
	evm_address_checksum(a, s);
	assert_string_equal(s, "0x9338CA7d556248055f5751d85cDA7aD6eF254433");
	evm_create_address(from, 18446744073709551614ULL, a);
	evm_address_checksum(a, s);
	assert_string_equal(s, "0x91d657e4bB26C1bF384bB8CCCF4987730c38048d");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keccak_vectors),
		cmocka_unit_test(test_keccak_split),
		cmocka_unit_test(test_rlp_spec),
		cmocka_unit_test(test_rlp_bounds),
		cmocka_unit_test(test_tx_vectors),
		cmocka_unit_test(test_tx_big_data),
		cmocka_unit_test(test_tx_reject),
		cmocka_unit_test(test_personal),
		cmocka_unit_test(test_typed),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_parse_reject),
		cmocka_unit_test(test_create),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
