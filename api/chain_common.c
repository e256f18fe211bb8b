/*
 * What the two chain clients (chain_evm_*.c, chain_sol_*.c) share:
 * messages that stay one printable, bounded line whatever a node said,
 * a node's trouble in words, 256-bit big-endian numbers, the monotonic
 * clock, and a prepare's answer when memory runs out.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "chain.h"
#include "util.h"

/* Copy as printable ASCII ('?' for anything else), bounded. */
void
chain_clean(char *dst, size_t sz, const char *src)
{
	size_t	i;

	if (sz == 0)
		return;
	for (i = 0; i + 1 < sz && src[i] != '\0'; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

void
chain_vfmt(char *buf, size_t len, const char *f, va_list ap)
{
	if (len == 0)
		return;
	if (vsnprintf(buf, len, f, ap) < 0)
		strlcpy(buf, "(message lost)", len);
	chain_clean(buf, len, buf);
}

void
chain_fmt(char *buf, size_t len, const char *f, ...)
{
	va_list	ap;

	va_start(ap, f);
	chain_vfmt(buf, len, f, ap);
	va_end(ap);
}

/* Does the node's message say any of the phrases (any case)? */
int
chain_says(const char *m, const char *const phrases[])
{
	for (; *phrases != NULL; phrases++)
		if (strcasestr(m, *phrases) != NULL)
			return 1;
	return 0;
}

/*
 * A failed call in words: a node's JSON-RPC error as it said it, else
 * (no answer, HTTP trouble) what to check about the network's RPC URL.
 */
void
chain_rpc_msg(const struct chain_net *n, const char *method,
    const struct rpc_error *e, char *out, size_t sz)
{
	char	why[300];

	if (e->kind == RPC_E_RPC) {
		chain_fmt(out, sz, "%s: %s", method, e->message);
		return;
	}
	snprintf(why, sizeof(why), "%s: %s", method, e->message);
	net_rpc_advice(&n->net, (n->flags & NETF_DEFAULT) != 0, why, out,
	    sz);
	chain_clean(out, sz, out);
}

/* A prepare that could not even start: out of memory, retryable. */
void
chain_prep_oom(const struct chain_prep *in)
{
	struct chain_ctx	c;

	memset(&c, 0, sizeof(c));
	memcpy(c.txid, in->txid, sizeof(c.txid));
	c.txid[sizeof(c.txid) - 1] = '\0';
	c.status = CHAIN_ERROR;
	c.retryable = 1;
	strlcpy(c.message, "out of memory", sizeof(c.message));
	chain_prep_done(&c);
}

int64_t
chain_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
u256_fits_u64(const uint8_t v[32])
{
	size_t	i;

	for (i = 0; i < 24; i++)
		if (v[i] != 0)
			return 0;
	return 1;
}

uint64_t
u256_low64(const uint8_t v[32])
{
	uint64_t	x = 0;
	size_t		i;

	for (i = 24; i < 32; i++)
		x = x << 8 | v[i];
	return x;
}

void
u256_from_u64(uint64_t x, uint8_t v[32])
{
	size_t	i;

	memset(v, 0, 32);
	for (i = 0; i < 8; i++)
		v[31 - i] = (uint8_t)(x >> (8 * i));
}

/*
 * Big-endian 256-bit unsigned to decimal (at most 78 digits): the number
 * as eight 32-bit limbs, divided by 10^9 until nothing is left, nine
 * digits a pass.
 */
void
u256_dec(const uint8_t v[32], char out[80])
{
	uint32_t	limb[8];
	uint32_t	chunk[9];	/* 9 x 9 digits >= 78 */
	char		tmp[9 * 9];
	uint64_t	rem;
	size_t		i, nchunk = 0, top = 0, k = 0;
	int		d;

	for (i = 0; i < 8; i++)
		limb[i] = (uint32_t)v[4 * i] << 24 | (uint32_t)v[4 * i + 1] <<
		    16 | (uint32_t)v[4 * i + 2] << 8 | v[4 * i + 3];
	while (top < 8 && limb[top] == 0)
		top++;
	do {
		rem = 0;
		for (i = top; i < 8; i++) {
			rem = rem << 32 | limb[i];
			limb[i] = (uint32_t)(rem / 1000000000);
			rem %= 1000000000;
		}
		chunk[nchunk++] = (uint32_t)rem;
		while (top < 8 && limb[top] == 0)
			top++;
	} while (top < 8 && nchunk < nitems(chunk));
	/* The most significant chunk without leading zeros, then nine
	 * digits each. */
	for (i = nchunk; i-- > 0; ) {
		for (d = 8; d >= 0; d--) {
			tmp[k + (size_t)d] = (char)('0' + chunk[i] % 10);
			chunk[i] /= 10;
		}
		k += 9;
	}
	for (i = 0; i + 1 < k && tmp[i] == '0'; i++)
		;
	memcpy(out, tmp + i, k - i);
	out[k - i] = '\0';
}
