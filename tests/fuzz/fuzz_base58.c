/*
 * libFuzzer target for base58_decode: any bytes, any output room.  What
 * decodes must encode back to the same text, and what is refused must be
 * refused for a reason the header gives.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base58.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAX_IN	256

static int
in_alphabet(unsigned char c)
{
	static const char	a[] =
	    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

	return c != '\0' && memchr(a, c, sizeof(a) - 1) != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	 bin[MAX_IN], bin2[MAX_IN];
	char	*text, enc[MAX_IN * 138 / 100 + 2];
	size_t	 outlen, i, n;
	int	 r, r2, valid;

	if (size < 1)
		return 0;
	/* First byte picks the output room; the rest is the text. */
	outlen = data[0];
	data++;
	size--;
	/* An exact-size copy, so ASan sees any overread. */
	if ((text = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(text, data, size);

	r = base58_decode(text, size, bin, outlen);
	valid = size > 0 && size <= MAX_IN;
	for (i = 0; valid && i < size; i++)
		valid = in_alphabet((unsigned char)text[i]);
	if (!valid && r != -1)
		abort();
	if (r >= 0) {
		if ((size_t)r > outlen || r == 0)
			abort();
		/* Round trip: the text is the canonical encoding. */
		n = base58_encode(bin, (size_t)r, enc, sizeof(enc));
		if (n != size || memcmp(enc, text, size) != 0 ||
		    enc[n] != '\0')
			abort();
		r2 = base58_decode(enc, n, bin2, sizeof(bin2));
		if (r2 != r || memcmp(bin, bin2, (size_t)r) != 0)
			abort();
	} else if (valid) {
		/* Valid text is refused only when it does not fit. */
		r2 = base58_decode(text, size, bin2, sizeof(bin2));
		if (r2 <= (int)outlen)
			abort();
	}
	/* Any bytes encode, and decode back to themselves. */
	if (size > 0 && size <= 180) {
		n = base58_encode(data, size, enc, sizeof(enc));
		if (n == 0 || strlen(enc) != n)
			abort();
		r2 = base58_decode(enc, n, bin2, sizeof(bin2));
		if (r2 != (int)size || memcmp(bin2, data, size) != 0)
			abort();
	}
	free(text);
	return 0;
}
