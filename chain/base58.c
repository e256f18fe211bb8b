/*
 * Bitcoin-alphabet base58 (the one Solana uses for keys, signatures and
 * blockhashes).  Schoolbook base conversion, quadratic in the input: fine
 * for keys and signatures, and decode refuses anything long enough to
 * make that matter.  Not constant-time; nothing secret is encoded here.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base58.h"

/* Longest text decode accepts: keys are 32-44 digits, signatures 88. */
#define B58_MAX_IN	256
/* Work area for B58_MAX_IN digits; log(58) / log(256) < 0.733. */
#define B58_MAX_BIN	(B58_MAX_IN * 733 / 1000 + 1)

static const char b58_alphabet[] =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Digit value of c, or -1 for anything outside the alphabet. */
static int
b58_digit(unsigned char c)
{
	const char	*p;

	if (c == '\0')
		return -1;
	if ((p = memchr(b58_alphabet, c, sizeof(b58_alphabet) - 1)) == NULL)
		return -1;
	return (int)(p - b58_alphabet);
}

size_t
base58_encode(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	size_t	 zeros, size, length, i, j, k, start;
	uint8_t	*b;

	if (out == NULL || outlen == 0)
		return 0;
	out[0] = '\0';
	/* The documented room: len * log(256) / log(58) digits plus NUL. */
	if (len > (SIZE_MAX - 2) / 138 || outlen < len * 138 / 100 + 2)
		return 0;
	if (len > 0 && in == NULL)
		return 0;

	for (zeros = 0; zeros < len && in[zeros] == 0; zeros++)
		;
	/*
	 * Work in place: the digits of the non-zero part, big-endian, in
	 * out[zeros .. zeros + size).  zeros + size + 1 <= outlen because
	 * (len - zeros) * 138 / 100 + zeros <= len * 138 / 100.
	 */
	size = (len - zeros) * 138 / 100 + 1;
	b = (uint8_t *)out + zeros;
	memset(b, 0, size);
	length = 0;
	for (i = zeros; i < len; i++) {
		unsigned int	carry = in[i];

		for (k = 0, j = size; (carry != 0 || k < length) && j > 0;
		    k++) {
			j--;
			carry += 256 * (unsigned int)b[j];
			b[j] = (uint8_t)(carry % 58);
			carry /= 58;
		}
		length = k;
	}
	/* Digits sit at the end of the work area; move them down. */
	start = size - length;
	memmove(b, b + start, length);
	for (i = 0; i < length; i++)
		b[i] = (uint8_t)b58_alphabet[b[i]];
	memset(out, '1', zeros);
	out[zeros + length] = '\0';
	return zeros + length;
}

int
base58_decode(const char *in, size_t inlen, uint8_t *out, size_t outlen)
{
	uint8_t	 b[B58_MAX_BIN];
	size_t	 zeros, size, length, i, j, k;
	int	 d;

	if (in == NULL || inlen == 0 || inlen > B58_MAX_IN)
		return -1;

	for (zeros = 0; zeros < inlen && in[zeros] == '1'; zeros++)
		;
	/* Room for the value, big-endian, at most B58_MAX_BIN bytes. */
	size = (inlen - zeros) * 733 / 1000 + 1;
	memset(b, 0, size);
	length = 0;
	for (i = zeros; i < inlen; i++) {
		unsigned int	carry;

		if ((d = b58_digit((unsigned char)in[i])) < 0)
			return -1;
		carry = (unsigned int)d;
		for (k = 0, j = size; (carry != 0 || k < length) && j > 0;
		    k++) {
			j--;
			carry += 58 * (unsigned int)b[j];
			b[j] = (uint8_t)(carry & 0xff);
			carry >>= 8;
		}
		length = k;
	}
	if (zeros + length > outlen || (zeros + length > 0 && out == NULL))
		return -1;
	memset(out, 0, zeros);
	memcpy(out + zeros, b + size - length, length);
	return (int)(zeros + length);
}
