/*
 * Keccak-256 as Ethereum uses it: the original Keccak padding (0x01 ...
 * 0x80), not FIPS 202's 0x06.  nettle exports the Keccak-f[1600]
 * permutation but only the FIPS padding, so the sponge is done here.
 */
#include <stdint.h>
#include <string.h>

#include "evm.h"

#define KECCAK256_RATE	136	/* 1600 - 2 * 256 bits, in bytes */

/*
 * nettle keeps the state as 25 native uint64 lanes and reads input
 * little-endian into them; doing the same byte by byte keeps this
 * correct on a big-endian host too.
 */
static void
keccak_absorb(struct sha3_state *st, const uint8_t *block)
{
	uint64_t	lane;
	size_t		i, j;

	for (i = 0; i < KECCAK256_RATE / 8; i++) {
		lane = 0;
		for (j = 0; j < 8; j++)
			lane |= (uint64_t)block[8 * i + j] << (8 * j);
		st->a[i] ^= lane;
	}
	sha3_permute(st);
}

void
keccak256_init(struct keccak_ctx *c)
{
	memset(c, 0, sizeof(*c));
}

void
keccak256_update(struct keccak_ctx *c, const void *data, size_t len)
{
	const uint8_t	*p = data;
	size_t		 take;

	if (len == 0)
		return;		/* data may be NULL then */
	if (c->n > 0) {
		take = KECCAK256_RATE - c->n;
		if (take > len)
			take = len;
		memcpy(c->buf + c->n, p, take);
		c->n += take;
		p += take;
		len -= take;
		if (c->n < KECCAK256_RATE)
			return;
		keccak_absorb(&c->st, c->buf);
		c->n = 0;
	}
	/* Whole blocks straight from the caller's memory. */
	while (len >= KECCAK256_RATE) {
		keccak_absorb(&c->st, p);
		p += KECCAK256_RATE;
		len -= KECCAK256_RATE;
	}
	if (len > 0) {
		memcpy(c->buf, p, len);
		c->n = len;
	}
}

void
keccak256_final(struct keccak_ctx *c, uint8_t out[32])
{
	size_t	i;

	/* pad10*1: both bits land in one byte when n == rate - 1. */
	memset(c->buf + c->n, 0, KECCAK256_RATE - c->n);
	c->buf[c->n] = 0x01;
	c->buf[KECCAK256_RATE - 1] |= 0x80;
	keccak_absorb(&c->st, c->buf);

	/* 32 bytes fit in the first rate block: one squeeze, no permute. */
	for (i = 0; i < 32; i++)
		out[i] = (uint8_t)(c->st.a[i / 8] >> (8 * (i % 8)));
	keccak256_init(c);
}

void
keccak256(const void *data, size_t len, uint8_t out[32])
{
	struct keccak_ctx	c;

	keccak256_init(&c);
	keccak256_update(&c, data, len);
	keccak256_final(&c, out);
}
