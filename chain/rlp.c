/*
 * Recursive Length Prefix encoding (Ethereum yellow paper, appendix B)
 * into a caller's fixed buffer.  Nothing grows: whatever does not fit in
 * cap fails with -1 and leaves len as it was.
 */
#include <stdint.h>
#include <string.h>

#include "evm.h"

/* Bytes needed for n big-endian with no leading zeros (n > 0). */
static size_t
be_len(uint64_t n)
{
	size_t	k = 0;

	while (n > 0) {
		k++;
		n >>= 8;
	}
	return k;
}

static void
be_put(uint8_t *p, uint64_t n, size_t k)
{
	while (k > 0) {
		p[--k] = (uint8_t)n;
		n >>= 8;
	}
}

/* Size of the prefix for a payload of n bytes. */
static size_t
prefix_len(size_t n)
{
	return n <= 55 ? 1 : 1 + be_len(n);
}

/* short is 0x80 (string) or 0xc0 (list); the long form is short + 55. */
static void
prefix_put(uint8_t *p, uint8_t base, size_t n)
{
	size_t	k;

	if (n <= 55) {
		p[0] = (uint8_t)(base + n);
		return;
	}
	k = be_len(n);
	p[0] = (uint8_t)(base + 55 + k);
	be_put(p + 1, n, k);
}

static int
room(const struct rlp *r, size_t need)
{
	return r->len <= r->cap && need <= r->cap - r->len;
}

int
rlp_bytes(struct rlp *r, const uint8_t *b, size_t n)
{
	size_t	hl;

	if (n > 0 && b == NULL)
		return -1;
	/* A single byte below 0x80 is its own encoding. */
	if (n == 1 && b[0] < 0x80) {
		if (!room(r, 1))
			return -1;
		r->p[r->len++] = b[0];
		return 0;
	}
	hl = prefix_len(n);
	if (n > SIZE_MAX - hl || !room(r, hl + n))
		return -1;
	prefix_put(r->p + r->len, 0x80, n);
	/* memmove: a caller may re-encode bytes that sit in the buffer. */
	if (n > 0)
		memmove(r->p + r->len + hl, b, n);
	r->len += hl + n;
	return 0;
}

/* Integers are minimal big-endian byte strings; zero is the empty one. */
int
rlp_uint(struct rlp *r, const uint8_t be[32])
{
	size_t	i = 0;

	while (i < 32 && be[i] == 0)
		i++;
	return rlp_bytes(r, be + i, 32 - i);
}

int
rlp_u64(struct rlp *r, uint64_t v)
{
	uint8_t	b[8];
	size_t	k = be_len(v);

	be_put(b, v, k);
	return rlp_bytes(r, b, k);
}

int
rlp_list(struct rlp *r, size_t start)
{
	size_t	n, hl;

	if (start > r->len || r->len > r->cap)
		return -1;
	n = r->len - start;
	hl = prefix_len(n);
	if (!room(r, hl))
		return -1;
	/* The items are already written: slide them right past the prefix. */
	memmove(r->p + start + hl, r->p + start, n);
	prefix_put(r->p + start, 0xc0, n);
	r->len += hl;
	return 0;
}
