/*
 * Solana formats against @solana/web3.js@1 (tests/vectors/solana_vectors.h,
 * made by tests/vectors/solana_vectors.js) and against the vectors in
 * solana-sdk's own off-chain message tests.
 */
#include <string.h>

#include <sodium.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base58.h"
#include "solana.h"

#include "../vectors/solana_vectors.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* base58 of len bytes, checked against the expected text. */
static void
assert_b58(const uint8_t *bin, size_t len, const char *text)
{
	char	buf[256];
	size_t	n;

	n = base58_encode(bin, len, buf, sizeof(buf));
	assert_int_equal(n, strlen(text));
	assert_string_equal(buf, text);
}

static void
test_base58_vectors(void **state)
{
	uint8_t	bin[128];
	size_t	i;
	int	n;

	for (i = 0; i < NELEM(b58_vecs); i++) {
		const struct b58_vec	*v = &b58_vecs[i];

		assert_b58(v->bin, v->len, v->text);
		n = base58_decode(v->text, strlen(v->text), bin, sizeof(bin));
		if (v->len == 0) {
			/* The empty string is refused, not zero bytes. */
			assert_int_equal(n, -1);
			continue;
		}
		assert_int_equal(n, (int)v->len);
		assert_memory_equal(bin, v->bin, v->len);
		/* Exactly enough room is enough; one byte less is not. */
		assert_int_equal(base58_decode(v->text, strlen(v->text), bin,
		    v->len), (int)v->len);
		assert_int_equal(base58_decode(v->text, strlen(v->text), bin,
		    v->len - 1), -1);
	}
}

static void
test_base58_known(void **state)
{
	static const uint8_t	zeros[3] = { 0, 0, 0 };
	static const uint8_t	lz[4] = { 0, 0, 0x01, 0x02 };
	uint8_t			bin[64];

	assert_b58(sol_system_program, SOL_KEY_LEN,
	    "11111111111111111111111111111111");
	assert_b58(sol_token_program, SOL_KEY_LEN,
	    "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
	assert_b58(sol_ata_program, SOL_KEY_LEN,
	    "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");
	assert_b58(zeros, 3, "111");
	/* 0x0102 = 258 = 4 * 58 + 26: "5T" after two '1's. */
	assert_b58(lz, 4, "115T");
	assert_b58((const uint8_t *)"hello world", 11, "StV1DL6CwTryKyV");

	assert_int_equal(base58_decode("115T", 4, bin, sizeof(bin)), 4);
	assert_memory_equal(bin, lz, 4);
	assert_int_equal(base58_decode(
	    "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", 43, bin,
	    sizeof(bin)), 32);
	assert_memory_equal(bin, sol_token_program, 32);
	assert_int_equal(base58_decode(
	    "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL", 44, bin,
	    sizeof(bin)), 32);
	assert_memory_equal(bin, sol_ata_program, 32);
	memset(bin, 0xaa, sizeof(bin));
	assert_int_equal(base58_decode("11111111111111111111111111111111",
	    32, bin, sizeof(bin)), 32);
	assert_memory_equal(bin, sol_system_program, 32);
}

static void
test_base58_invalid(void **state)
{
	static const char	*bad[] = {
		"0", "O", "I", "l", "1110", "abcO", "Iabc", "xyzl",
		"11 1", "+", "abc\xc3\xa9", "-1",
	};
	char			 big[300], enc[8];
	uint8_t			 bin[300];
	size_t			 i;

	for (i = 0; i < NELEM(bad); i++)
		assert_int_equal(base58_decode(bad[i], strlen(bad[i]), bin,
		    sizeof(bin)), -1);
	/* An embedded NUL is outside the alphabet too. */
	assert_int_equal(base58_decode("2\0" "2", 3, bin, sizeof(bin)), -1);
	assert_int_equal(base58_decode("", 0, bin, sizeof(bin)), -1);
	assert_int_equal(base58_decode(NULL, 3, bin, sizeof(bin)), -1);

	/* 256 characters are accepted, 257 refused. */
	memset(big, '1', sizeof(big));
	assert_int_equal(base58_decode(big, 256, bin, sizeof(bin)), 256);
	assert_int_equal(base58_decode(big, 257, bin, sizeof(bin)), -1);
	memset(big, 'z', sizeof(big));
	assert_true(base58_decode(big, 256, bin, sizeof(bin)) > 0);
	assert_int_equal(base58_decode(big, 257, bin, sizeof(bin)), -1);

	/* A 32-byte key does not fit 31 bytes. */
	assert_int_equal(base58_decode(
	    "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", 43, bin, 31), -1);

	/* Encode wants the documented room: len * 138 / 100 + 2 = 7. */
	assert_int_equal(base58_encode(sol_token_program, 4, enc, 6), 0);
	assert_string_equal(enc, "");
	assert_int_equal(base58_encode(sol_token_program, 4, enc, 7), 5);
	assert_string_equal(enc, "BBUuW");
	assert_int_equal(base58_encode(sol_token_program, 4, enc, 0), 0);
}

/* Random round trips, and decode of every 1-3 character string. */
static void
test_base58_roundtrip(void **state)
{
	static const char	a[] =
	    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	uint8_t			bin[100], back[100];
	char			text[160], re[160];
	size_t			i, len, n;
	int			r;

	for (i = 0; i < 2000; i++) {
		len = i % 97;
		randombytes_buf(bin, len);
		if (len > 2 && i % 3 == 0)
			memset(bin, 0, len / 3);
		n = base58_encode(bin, len, text, sizeof(text));
		assert_int_equal(n, strlen(text));
		if (len == 0)
			continue;
		r = base58_decode(text, n, back, sizeof(back));
		assert_int_equal(r, (int)len);
		assert_memory_equal(back, bin, len);
	}
	for (i = 0; i < 58 * 58 * 58; i++) {
		text[0] = a[i % 58];
		text[1] = a[i / 58 % 58];
		text[2] = a[i / 58 / 58];
		text[3] = '\0';
		r = base58_decode(text, 3, back, sizeof(back));
		assert_true(r > 0);
		n = base58_encode(back, (size_t)r, re, sizeof(re));
		assert_string_equal(re, text);
	}
}

static void
test_compact_u16(void **state)
{
	static const struct {
		uint16_t	v;
		size_t		len;
		uint8_t		b[3];
	} vecs[] = {
		{ 0, 1, { 0x00 } },
		{ 1, 1, { 0x01 } },
		{ 127, 1, { 0x7f } },
		{ 128, 2, { 0x80, 0x01 } },
		{ 255, 2, { 0xff, 0x01 } },
		{ 256, 2, { 0x80, 0x02 } },
		{ 16383, 2, { 0xff, 0x7f } },
		{ 16384, 3, { 0x80, 0x80, 0x01 } },
		{ 65535, 3, { 0xff, 0xff, 0x03 } },
	};
	uint8_t	out[3];
	size_t	i;

	for (i = 0; i < NELEM(vecs); i++) {
		memset(out, 0xee, sizeof(out));
		assert_int_equal(sol_compact_u16(vecs[i].v, out), vecs[i].len);
		assert_memory_equal(out, vecs[i].b, vecs[i].len);
	}
}

static void
test_on_curve_vectors(void **state)
{
	size_t	i, on = 0, sodium_valid = 0;

	for (i = 0; i < NELEM(curve_vecs); i++) {
		int	c = sol_is_on_curve(curve_vecs[i].key);

		if (c != curve_vecs[i].on_curve)
			fail_msg("curve vector %zu: got %d", i, c);
		on += c;
		if (c && crypto_core_ed25519_is_valid_point(curve_vecs[i].key))
			sodium_valid++;
	}
	assert_int_equal(on, CURVE_VECS_ON);
	assert_true(on > 50 && on < NELEM(curve_vecs) - 50);
	/*
	 * libsodium's check wants the prime-order subgroup as well: it must
	 * refuse most of the random on-curve points, which is why it is not
	 * the test the runtime uses.
	 */
	assert_true(sodium_valid < on / 2);
}

static void
test_on_curve_keys(void **state)
{
	uint8_t	pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	size_t	i;

	for (i = 0; i < 64; i++) {
		assert_int_equal(crypto_sign_keypair(pk, sk), 0);
		assert_int_equal(sol_is_on_curve(pk), 1);
	}
	/* Every derived address is off the curve. */
	for (i = 0; i < NELEM(ata_vecs); i++)
		assert_int_equal(sol_is_on_curve(ata_vecs[i].ata), 0);
	for (i = 0; i < NELEM(pda_vecs); i++)
		assert_int_equal(sol_is_on_curve(pda_vecs[i].pda), 0);
}

/*
 * Where dalek (the runtime) and web3.js part: dalek ignores the sign bit
 * when x = 0 and reduces y >= p; noble, under web3.js, refuses both.  We
 * follow dalek, since it decides what create_program_address accepts.
 */
static void
test_on_curve_dalek_edges(void **state)
{
	/* p = 2^255 - 19, little-endian. */
	uint8_t	k[32], nc[32];
	int	i, j;

	memset(k, 0, sizeof(k));
	k[0] = 1;
	assert_int_equal(sol_is_on_curve(k), 1);	/* identity */
	k[31] = 0x80;
	assert_int_equal(sol_is_on_curve(k), 1);	/* x = 0, sign set */
	memset(k, 0, sizeof(k));
	k[0] = 2;
	assert_int_equal(sol_is_on_curve(k), 0);

	/* y + p for y = 0 .. 18 decodes as y itself, sign bit or not. */
	for (i = 0; i < 19; i++) {
		memset(k, 0, sizeof(k));
		k[0] = (uint8_t)i;
		memset(nc, 0xff, sizeof(nc));
		nc[0] = (uint8_t)(0xed + i);
		nc[31] = 0x7f;
		for (j = 0; j < (int)NELEM(curve_vecs); j++)
			if (memcmp(curve_vecs[j].key, k, 32) == 0)
				break;
		assert_true(j < (int)NELEM(curve_vecs));
		assert_int_equal(sol_is_on_curve(nc),
		    curve_vecs[j].on_curve);
		nc[31] = 0xff;
		assert_int_equal(sol_is_on_curve(nc),
		    curve_vecs[j].on_curve);
	}
}

static void
test_ata_vectors(void **state)
{
	const uint8_t	*seeds[3];
	const size_t	 lens[3] = { 32, 32, 32 };
	uint8_t		 out[32], bump;
	size_t		 i;

	assert_true(NELEM(ata_vecs) >= 20);
	for (i = 0; i < NELEM(ata_vecs); i++) {
		const struct ata_vec	*v = &ata_vecs[i];

		memset(out, 0, sizeof(out));
		assert_int_equal(sol_ata(v->owner, v->mint, sol_token_program,
		    out), 0);
		assert_memory_equal(out, v->ata, 32);

		seeds[0] = v->owner;
		seeds[1] = sol_token_program;
		seeds[2] = v->mint;
		bump = 0;
		assert_int_equal(sol_find_pda(seeds, lens, 3, sol_ata_program,
		    out, &bump), 0);
		assert_memory_equal(out, v->ata, 32);
		assert_int_equal(bump, v->bump);
	}
}

static void
test_pda_vectors(void **state)
{
	const uint8_t	*seeds[16];
	uint8_t		 out[32], bump, seed[33];
	size_t		 i, j, off, lens[16];

	for (i = 0; i < NELEM(pda_vecs); i++) {
		const struct pda_vec	*v = &pda_vecs[i];

		for (off = 0, j = 0; j < v->nseeds; j++) {
			seeds[j] = v->seeds + off;
			off += v->lens[j];
		}
		assert_int_equal(sol_find_pda(seeds, v->lens, v->nseeds,
		    v->program, out, &bump), 0);
		assert_memory_equal(out, v->pda, 32);
		assert_int_equal(bump, v->bump);
	}

	/* 15 seeds and the bump make the runtime's 16; one more is not. */
	memset(seed, 7, sizeof(seed));
	for (j = 0; j < 16; j++) {
		seeds[j] = seed;
		lens[j] = 1;
	}
	assert_int_equal(sol_find_pda(seeds, lens, 15, sol_ata_program, out,
	    &bump), 0);
	assert_int_equal(sol_find_pda(seeds, lens, 16, sol_ata_program, out,
	    &bump), -1);
	/* A seed holds at most 32 bytes. */
	lens[0] = 32;
	assert_int_equal(sol_find_pda(seeds, lens, 1, sol_ata_program, out,
	    &bump), 0);
	lens[0] = 33;
	assert_int_equal(sol_find_pda(seeds, lens, 1, sol_ata_program, out,
	    &bump), -1);
}

static void
assert_message(const struct sol_ix *ix, size_t nix, const uint8_t *want,
    size_t wantlen)
{
	uint8_t	out[SOL_TX_MAX];
	int	n;

	n = sol_message(msg_payer, ix, nix, msg_blockhash, out, sizeof(out));
	assert_int_equal(n, (int)wantlen);
	assert_memory_equal(out, want, wantlen);
	/* The exact size fits; one byte less is refused. */
	assert_int_equal(sol_message(msg_payer, ix, nix, msg_blockhash, out,
	    wantlen), (int)wantlen);
	assert_int_equal(sol_message(msg_payer, ix, nix, msg_blockhash, out,
	    wantlen - 1), -1);
}

static void
test_message_transfer(void **state)
{
	struct sol_ix	ix;
	uint8_t		data[12];

	sol_ix_transfer(&ix, msg_payer, msg_dest, MSG_LAMPORTS, data);
	assert_int_equal(ix.datalen, 12);
	assert_int_equal(data[0], 2);
	assert_int_equal(data[4], 0xef);
	assert_int_equal(data[11], 0x01);
	assert_message(&ix, 1, msg_transfer, sizeof(msg_transfer));
}

static void
test_message_transfer_checked(void **state)
{
	struct sol_ix	ix;
	uint8_t		data[10];

	sol_ix_transfer_checked(&ix, msg_src_ata, msg_mint, msg_dst_ata,
	    msg_payer, MSG_AMOUNT, MSG_DECIMALS, data);
	assert_int_equal(ix.naccts, 4);
	assert_int_equal(data[0], 12);
	assert_int_equal(data[9], MSG_DECIMALS);
	assert_message(&ix, 1, msg_transfer_checked,
	    sizeof(msg_transfer_checked));
}

static void
test_message_ata_transfer(void **state)
{
	struct sol_ix	ix[2];
	uint8_t		cdata[1], tdata[10], ata[32];

	/* The destination account is the one sol_ata derives. */
	assert_int_equal(sol_ata(msg_dest, msg_mint, sol_token_program, ata),
	    0);
	assert_memory_equal(ata, msg_dst_ata, 32);
	sol_ix_create_ata(&ix[0], msg_payer, ata, msg_dest, msg_mint, cdata);
	assert_int_equal(ix[0].naccts, 6);
	assert_int_equal(cdata[0], 1);
	sol_ix_transfer_checked(&ix[1], msg_src_ata, msg_mint, ata, msg_payer,
	    MSG_AMOUNT, MSG_DECIMALS, tdata);
	assert_message(ix, 2, msg_ata_transfer, sizeof(msg_ata_transfer));
}

/* A memo after a transfer, and after an SPL transfer to a new account. */
static void
test_message_memo(void **state)
{
	struct sol_ix	ix[3];
	uint8_t		d1[12], cdata[1], tdata[10];

	assert_memory_equal(sol_memo_program, msg_memo_program, 32);
	sol_ix_transfer(&ix[0], msg_payer, msg_dest, MSG_LAMPORTS, d1);
	sol_ix_memo(&ix[1], msg_memo_text, sizeof(msg_memo_text));
	assert_int_equal(ix[1].naccts, 0);
	assert_message(ix, 2, msg_transfer_memo, sizeof(msg_transfer_memo));
	sol_ix_create_ata(&ix[0], msg_payer, msg_dst_ata, msg_dest, msg_mint,
	    cdata);
	sol_ix_transfer_checked(&ix[1], msg_src_ata, msg_mint, msg_dst_ata,
	    msg_payer, MSG_AMOUNT, MSG_DECIMALS, tdata);
	sol_ix_memo(&ix[2], msg_memo_text, sizeof(msg_memo_text));
	assert_message(ix, 3, msg_ata_transfer_memo,
	    sizeof(msg_ata_transfer_memo));
}

/*
 * sol_typed_ixs, which the signer signs and sign-only compiles to compare:
 * each kind gives the web3.js message of the same transfer, and what it
 * cannot mean is refused.
 */
static void
typed_message(struct sol_typed *t, const uint8_t *want, size_t wantlen)
{
	struct sol_ix	ix[3];
	int		n;

	n = sol_typed_ixs(t, msg_payer, ix);
	assert_true(n > 0);
	assert_message(ix, (size_t)n, want, wantlen);
}

static void
test_typed_ixs(void **state)
{
	static struct sol_typed	t;
	struct sol_ix		ix[3];

	(void)state;
	memset(&t, 0, sizeof(t));
	t.kind = SOL_TYPED_TRANSFER;
	memcpy(t.to, msg_dest, 32);
	t.amount = MSG_LAMPORTS;
	typed_message(&t, msg_transfer, sizeof(msg_transfer));
	t.memo = msg_memo_text;
	t.memolen = sizeof(msg_memo_text);
	typed_message(&t, msg_transfer_memo, sizeof(msg_transfer_memo));
	t.create_ata = 1;		/* a transfer creates nothing */
	assert_int_equal(sol_typed_ixs(&t, msg_payer, ix), -1);

	memset(&t, 0, sizeof(t));
	t.kind = SOL_TYPED_TOKEN;
	memcpy(t.to, msg_dest, 32);
	memcpy(t.mint, msg_mint, 32);
	t.amount = MSG_AMOUNT;
	t.decimals = MSG_DECIMALS;
	t.create_ata = 1;
	typed_message(&t, msg_ata_transfer, sizeof(msg_ata_transfer));
	assert_memory_equal(t.src, msg_src_ata, 32);
	assert_memory_equal(t.dst, msg_dst_ata, 32);
	t.memo = msg_memo_text;
	t.memolen = sizeof(msg_memo_text);
	typed_message(&t, msg_ata_transfer_memo,
	    sizeof(msg_ata_transfer_memo));
	/* to the owner's existing account, or to the token account named */
	t.memo = NULL;
	t.memolen = 0;
	t.create_ata = 0;
	typed_message(&t, msg_transfer_checked, sizeof(msg_transfer_checked));
	memcpy(t.to, msg_dst_ata, 32);
	t.to_account = 1;
	typed_message(&t, msg_transfer_checked, sizeof(msg_transfer_checked));
	t.create_ata = 1;		/* creating the named account: no */
	assert_int_equal(sol_typed_ixs(&t, msg_payer, ix), -1);
	t.create_ata = 0;
	t.memolen = 3;			/* a length without the bytes */
	assert_int_equal(sol_typed_ixs(&t, msg_payer, ix), -1);
	t.memolen = 0;
	t.kind = 0;
	assert_int_equal(sol_typed_ixs(&t, msg_payer, ix), -1);
}

/* Random messages: merged flags, repeated keys, the locale ordering. */
static void
test_message_random(void **state)
{
	static struct sol_ix	ix[SOL_MAX_INSTR];
	uint8_t			out[SOL_TX_MAX];
	size_t			m, i, j;
	int			n;

	for (m = 0; m < NELEM(rmsg_vecs); m++) {
		const struct rmsg_vec	*v = &rmsg_vecs[m];

		memset(ix, 0, sizeof(ix));
		for (i = 0; i < v->nix; i++) {
			memcpy(ix[i].program, v->ix[i].program, 32);
			ix[i].naccts = v->ix[i].naccts;
			for (j = 0; j < v->ix[i].naccts; j++) {
				memcpy(ix[i].accts[j].pubkey,
				    v->ix[i].accts[j].pk, 32);
				ix[i].accts[j].is_signer =
				    v->ix[i].accts[j].signer;
				ix[i].accts[j].is_writable =
				    v->ix[i].accts[j].writable;
			}
			ix[i].data = v->ix[i].data;
			ix[i].datalen = v->ix[i].datalen;
		}
		n = sol_message(v->payer, ix, v->nix, v->blockhash, out,
		    sizeof(out));
		if (n != (int)v->len || memcmp(out, v->msg, v->len) != 0)
			fail_msg("random message %zu differs", m);
	}
}

static void
test_message_limits(void **state)
{
	static struct sol_ix	ix[SOL_MAX_INSTR + 1];
	static uint8_t		big[SOL_TX_MAX];
	uint8_t			out[SOL_TX_MAX], data[12];
	uint8_t			sig[1][64];
	size_t			i, len;
	int			n, last;

	/*
	 * Instruction count: 0 and SOL_MAX_INSTR + 1 are refused.  Each an
	 * instruction of no account and no data (3 bytes), so that
	 * SOL_MAX_INSTR of them fit a packet.
	 */
	for (i = 0; i <= SOL_MAX_INSTR; i++) {
		memset(&ix[i], 0, sizeof(ix[i]));
		memcpy(ix[i].program, msg_dest, SOL_KEY_LEN);
	}
	assert_int_equal(sol_message(msg_payer, ix, 0, msg_blockhash, out,
	    sizeof(out)), -1);
	assert_true(sol_message(msg_payer, ix, SOL_MAX_INSTR, msg_blockhash,
	    out, sizeof(out)) > 0);
	assert_int_equal(sol_message(msg_payer, ix, SOL_MAX_INSTR + 1,
	    msg_blockhash, out, sizeof(out)), -1);
	/* 20 transfers to 20 recipients: a full BATCH fits a packet. */
	for (i = 0; i < 20; i++) {
		uint8_t	to[SOL_KEY_LEN];

		memcpy(to, msg_dest, sizeof(to));
		to[0] = (uint8_t)i;
		sol_ix_transfer(&ix[i], msg_payer, to, 1, data);
	}
	assert_true(sol_message(msg_payer, ix, 20, msg_blockhash, out,
	    sizeof(out)) > 0);

	/*
	 * Keys: 30 accounts fit a packet; 62 (64 keys with the payer and
	 * the program) are within SOL_MAX_KEYS but not within SOL_TX_MAX;
	 * two instructions of 64 distinct accounts pass SOL_MAX_KEYS.
	 */
	memset(&ix[0], 0, sizeof(ix[0]));
	for (i = 0; i < SOL_MAX_IX_ACCTS; i++) {
		memset(ix[0].accts[i].pubkey, 0, 32);
		ix[0].accts[i].pubkey[0] = (uint8_t)(i + 1);
		ix[0].accts[i].pubkey[1] = 0x5a;
	}
	memcpy(ix[0].program, sol_system_program, 32);
	ix[0].naccts = 30;
	assert_true(sol_message(msg_payer, ix, 1, msg_blockhash, out,
	    sizeof(out)) > 0);
	ix[0].naccts = SOL_MAX_KEYS - 2;
	assert_int_equal(sol_message(msg_payer, ix, 1, msg_blockhash, out,
	    sizeof(out)), -1);
	ix[1] = ix[0];
	ix[0].naccts = ix[1].naccts = SOL_MAX_IX_ACCTS;
	for (i = 0; i < SOL_MAX_IX_ACCTS; i++)
		ix[1].accts[i].pubkey[1] = 0xa5;
	assert_int_equal(sol_message(msg_payer, ix, 2, msg_blockhash, out,
	    sizeof(out)), -1);
	ix[0].naccts = SOL_MAX_IX_ACCTS + 1;
	assert_int_equal(sol_message(msg_payer, ix, 1, msg_blockhash, out,
	    sizeof(out)), -1);

	/* The signed transaction must fit SOL_TX_MAX: find the edge. */
	sol_ix_transfer(&ix[0], msg_payer, msg_dest, 1, data);
	ix[0].data = big;
	last = -1;
	for (len = 900; len < SOL_TX_MAX; len++) {
		ix[0].datalen = len;
		n = sol_message(msg_payer, ix, 1, msg_blockhash, out,
		    sizeof(out));
		if (n < 0)
			break;
		last = n;
	}
	assert_true(last > 0 && len < SOL_TX_MAX);
	ix[0].datalen = len - 1;
	n = sol_message(msg_payer, ix, 1, msg_blockhash, out, sizeof(out));
	assert_int_equal(n, last);
	memset(sig, 0, sizeof(sig));
	assert_int_equal(sol_transaction((const uint8_t (*)[64])sig, 1, out,
	    (size_t)n, big, sizeof(big)), SOL_TX_MAX);
	ix[0].datalen = SOL_MAX_IX_DATA + 1;
	assert_int_equal(sol_message(msg_payer, ix, 1, msg_blockhash, out,
	    sizeof(out)), -1);
}

/* Merged flags: a key named read-only and then writable is writable. */
static void
test_message_merge(void **state)
{
	struct sol_ix	ix;
	uint8_t		out[SOL_TX_MAX], a[32], b[32];
	int		n;

	memset(a, 0x11, sizeof(a));
	memset(b, 0x22, sizeof(b));
	memset(&ix, 0, sizeof(ix));
	memcpy(ix.program, sol_token_program, 32);
	memcpy(ix.accts[0].pubkey, a, 32);
	memcpy(ix.accts[1].pubkey, a, 32);
	ix.accts[1].is_writable = 1;
	memcpy(ix.accts[2].pubkey, b, 32);
	ix.accts[2].is_signer = 1;
	memcpy(ix.accts[3].pubkey, msg_payer, 32);	/* no flags */
	ix.naccts = 4;
	n = sol_message(msg_payer, &ix, 1, msg_blockhash, out, sizeof(out));
	assert_true(n > 0);
	/* payer, b (signer, read-only), a (writable), token program. */
	assert_int_equal(out[0], 2);
	assert_int_equal(out[1], 1);
	assert_int_equal(out[2], 1);
	assert_int_equal(out[3], 4);
	assert_memory_equal(out + 4, msg_payer, 32);
	assert_memory_equal(out + 4 + 32, b, 32);
	assert_memory_equal(out + 4 + 64, a, 32);
	assert_memory_equal(out + 4 + 96, sol_token_program, 32);
	/* Instruction: program 3, four accounts 2 2 1 0, no data. */
	assert_int_equal(out[4 + 128 + 32], 1);
	assert_int_equal(out[4 + 128 + 33], 3);
	assert_int_equal(out[4 + 128 + 34], 4);
	assert_int_equal(out[4 + 128 + 35], 2);
	assert_int_equal(out[4 + 128 + 36], 2);
	assert_int_equal(out[4 + 128 + 37], 1);
	assert_int_equal(out[4 + 128 + 38], 0);
	assert_int_equal(out[4 + 128 + 39], 0);
	assert_int_equal(n, 4 + 128 + 40);
}

static void
test_signed_transaction(void **state)
{
	uint8_t			pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t			sk[crypto_sign_SECRETKEYBYTES];
	uint8_t			msg[SOL_TX_MAX], tx[SOL_TX_MAX], data[12];
	uint8_t			sigs[2][64];
	struct sol_ix		ix;
	int			mlen, n;

	memset(sigs, 0, sizeof(sigs));
	/* Keypair.fromSeed(seed) and libsodium's seed keypair agree. */
	assert_int_equal(crypto_sign_seed_keypair(pk, sk, msg_seed), 0);
	assert_memory_equal(pk, msg_payer, 32);

	sol_ix_transfer(&ix, pk, msg_dest, MSG_LAMPORTS, data);
	mlen = sol_message(pk, &ix, 1, msg_blockhash, msg, sizeof(msg));
	assert_int_equal(mlen, (int)sizeof(msg_transfer));
	assert_int_equal(crypto_sign_detached(sigs[0], NULL, msg,
	    (size_t)mlen, sk), 0);
	n = sol_transaction((const uint8_t (*)[64])sigs, 1, msg,
	    (size_t)mlen, tx, sizeof(tx));
	assert_int_equal(n, (int)sizeof(tx_transfer));
	assert_memory_equal(tx, tx_transfer, sizeof(tx_transfer));
	assert_int_equal(crypto_sign_verify_detached(tx + 1, tx + 65,
	    (size_t)mlen, pk), 0);

	/* The count must match the header; the output must fit. */
	assert_int_equal(sol_transaction((const uint8_t (*)[64])sigs, 2,
	    msg, (size_t)mlen, tx, sizeof(tx)), -1);
	assert_int_equal(sol_transaction((const uint8_t (*)[64])sigs, 0,
	    msg, (size_t)mlen, tx, sizeof(tx)), -1);
	assert_int_equal(sol_transaction((const uint8_t (*)[64])sigs, 1,
	    msg, (size_t)mlen, tx, (size_t)n - 1), -1);
	sodium_memzero(sk, sizeof(sk));
}

/* tx_transfer, decoded strictly, its refusals one byte away. */
static void
refused(const uint8_t *b, size_t len, const char *part)
{
	static struct sol_tx	t;
	const char		*why = NULL;

	assert_int_equal(sol_tx_decode(b, len, &t, &why), -1);
	assert_non_null(why);
	if (part != NULL)
		assert_non_null(strstr(why, part));
}

static void
test_tx_decode(void **state)
{
	static struct sol_tx	t;
	uint8_t			b[SOL_TX_MAX + 1], out[SOL_TX_MAX];
	const char		*why = NULL;
	size_t			len = sizeof(tx_transfer), m = 65;

	(void)state;
	assert_int_equal(sol_tx_decode(tx_transfer, len, &t, &why), 0);
	assert_int_equal(t.nsigs, 1);
	assert_int_equal(t.nreq, 1);
	assert_int_equal(t.nkeys, 3);
	assert_memory_equal(t.keys[0], msg_payer, 32);
	assert_memory_equal(t.keys[1], msg_dest, 32);
	assert_memory_equal(t.keys[2], sol_system_program, 32);
	assert_memory_equal(t.blockhash, msg_blockhash, 32);
	assert_int_equal(t.nix, 1);
	assert_int_equal(t.ix[0].program, 2);
	assert_int_equal(t.ix[0].naccts, 2);
	assert_int_equal(t.ix[0].accts[0], 0);
	assert_int_equal(t.ix[0].accts[1], 1);
	assert_int_equal(t.ix[0].datalen, 12);
	assert_true(t.msg == tx_transfer + m);
	assert_int_equal(t.msglen, len - m);
	assert_int_equal(sol_tx_signer_index(&t, msg_payer), 0);
	assert_int_equal(sol_tx_signer_index(&t, msg_dest), -1);
	assert_true(sol_tx_is_signer(&t, 0) && !sol_tx_is_signer(&t, 1));
	assert_true(sol_tx_is_writable(&t, 0) && sol_tx_is_writable(&t, 1));
	assert_false(sol_tx_is_writable(&t, 2));
	assert_int_equal(sol_tx_encode(&t, out, sizeof(out)), (int)len);
	assert_memory_equal(out, tx_transfer, len);
	assert_int_equal(sol_tx_encode(&t, out, len - 1), -1);

	refused(NULL, 0, NULL);
	refused(tx_transfer, len - 1, NULL);
	memcpy(b, tx_transfer, len);
	b[len] = 0;
	refused(b, len + 1, "after");
	/* 1 as the overlong compact-u16 81 00 */
	b[0] = 0x81;
	memcpy(b + 1, "\0", 1);
	memcpy(b + 2, tx_transfer + 1, len - 1);
	refused(b, len + 1, NULL);
	memcpy(b, tx_transfer, len);
	b[m] |= 0x80;
	refused(b, len, "v0");
	memcpy(b, tx_transfer, len);
	b[m] = 2;			/* two signers, one slot */
	refused(b, len, "header");
	memcpy(b, tx_transfer, len);
	b[m + 1] = 1;			/* the fee payer read-only */
	refused(b, len, "header");
	memcpy(b, tx_transfer, len);
	memcpy(b + m + 4 + 32, b + m + 4, 32);	/* the payer twice */
	refused(b, len, "twice");
	memcpy(b, tx_transfer, len);
	b[m + 4 + 96 + 32 + 1] = 0;	/* the program: the fee payer */
	refused(b, len, "program");
	memcpy(b, tx_transfer, len);
	b[m + 4 + 96 + 32 + 3] = 3;	/* an account past the keys */
	refused(b, len, "account index");
}

/* solana-sdk sdk/src/offchain_message.rs tests: bytes and sha256. */
static void
test_offchain_sdk(void **state)
{
	static const uint8_t	ascii[] = {
		255, 115, 111, 108, 97, 110, 97, 32, 111, 102, 102, 99, 104,
		97, 105, 110, 0, 0, 12, 0, 84, 101, 115, 116, 32, 77, 101,
		115, 115, 97, 103, 101,
	};
	static const uint8_t	utf8[] = {
		255, 115, 111, 108, 97, 110, 97, 32, 111, 102, 102, 99, 104,
		97, 105, 110, 0, 1, 35, 0, 208, 162, 208, 181, 209, 129, 209,
		130, 208, 190, 208, 178, 208, 190, 208, 181, 32, 209, 129,
		208, 190, 208, 190, 208, 177, 209, 137, 208, 181, 208, 189,
		208, 184, 208, 181,
	};
	/* "Тестовое сообщение" */
	static const char	ru[] = "\xd0\xa2\xd0\xb5\xd1\x81\xd1\x82"
	    "\xd0\xbe\xd0\xb2\xd0\xbe\xd0\xb5 \xd1\x81\xd0\xbe\xd0\xbe"
	    "\xd0\xb1\xd1\x89\xd0\xb5\xd0\xbd\xd0\xb8\xd0\xb5";
	uint8_t			out[64], h[32];
	int			n;

	n = sol_offchain_message((const uint8_t *)"Test Message", 12, out,
	    sizeof(out));
	assert_int_equal(n, (int)sizeof(ascii));
	assert_memory_equal(out, ascii, sizeof(ascii));
	assert_int_equal(out[0], 0xff);
	crypto_hash_sha256(h, out, (size_t)n);
	assert_b58(h, 32, "HG5JydBGjtjTfD3sSn21ys5NTWPpXzmqifiGC2BVUjkD");

	n = sol_offchain_message((const uint8_t *)ru, sizeof(ru) - 1, out,
	    sizeof(out));
	assert_int_equal(n, (int)sizeof(utf8));
	assert_memory_equal(out, utf8, sizeof(utf8));
	assert_int_equal(out[0], 0xff);
	crypto_hash_sha256(h, out, (size_t)n);
	assert_b58(h, 32, "6GXTveatZQLexkX4WeTpJ3E7uk1UojRXpKp43c4ArSun");

	/* Exactly the room needed, and one byte less. */
	assert_int_equal(sol_offchain_message((const uint8_t *)"Test Message",
	    12, out, sizeof(ascii)), (int)sizeof(ascii));
	assert_int_equal(sol_offchain_message((const uint8_t *)"Test Message",
	    12, out, sizeof(ascii) - 1), -1);
}

static void
test_offchain_rules(void **state)
{
	static const char	*bad[] = {
		"\xff", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
		"\xe2\x82", "a\x80", "\xf0\x8f\xbf\xbf", "abc\xe2\x82\xac\xe2",
	};
	static uint8_t		body[1300], out[1400];
	size_t			i;
	int			n;

	for (i = 0; i < NELEM(bad); i++)
		assert_int_equal(sol_offchain_message((const uint8_t *)bad[i],
		    strlen(bad[i]), out, sizeof(out)), -1);
	assert_int_equal(sol_offchain_message(body, 0, out, sizeof(out)), -1);

	/* Control characters are valid UTF-8, not restricted ASCII. */
	n = sol_offchain_message((const uint8_t *)"a\nb", 3, out,
	    sizeof(out));
	assert_int_equal(n, 20 + 3);
	assert_int_equal(out[16], 0);
	assert_int_equal(out[17], 1);
	/* Euro sign, four-byte emoji: format 1. */
	n = sol_offchain_message((const uint8_t *)"\xe2\x82\xac"
	    "\xf0\x9f\x98\x80", 7, out, sizeof(out));
	assert_int_equal(n, 27);
	assert_int_equal(out[17], 1);
	assert_int_equal(out[18], 7);
	assert_int_equal(out[19], 0);

	/* 1212 bytes is the most formats 0 and 1 hold. */
	memset(body, 'x', sizeof(body));
	n = sol_offchain_message(body, 1212, out, sizeof(out));
	assert_int_equal(n, 20 + 1212);
	assert_int_equal(out[17], 0);
	assert_int_equal(out[18], 1212 & 0xff);
	assert_int_equal(out[19], 1212 >> 8);
	assert_int_equal(sol_offchain_message(body, 1213, out, sizeof(out)),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_base58_vectors),
		cmocka_unit_test(test_base58_known),
		cmocka_unit_test(test_base58_invalid),
		cmocka_unit_test(test_base58_roundtrip),
		cmocka_unit_test(test_compact_u16),
		cmocka_unit_test(test_on_curve_vectors),
		cmocka_unit_test(test_on_curve_keys),
		cmocka_unit_test(test_on_curve_dalek_edges),
		cmocka_unit_test(test_ata_vectors),
		cmocka_unit_test(test_pda_vectors),
		cmocka_unit_test(test_typed_ixs),
		cmocka_unit_test(test_message_transfer),
		cmocka_unit_test(test_message_transfer_checked),
		cmocka_unit_test(test_message_ata_transfer),
		cmocka_unit_test(test_message_memo),
		cmocka_unit_test(test_message_random),
		cmocka_unit_test(test_message_limits),
		cmocka_unit_test(test_message_merge),
		cmocka_unit_test(test_signed_transaction),
		cmocka_unit_test(test_tx_decode),
		cmocka_unit_test(test_offchain_sdk),
		cmocka_unit_test(test_offchain_rules),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
