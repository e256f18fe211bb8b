/*
 * The ABI text decoder of abi_text.h.  Every length and offset in the
 * answer is the node's (and the contract's) to choose: each is checked
 * against what was received before it is used, and the output is
 * bounded by the caller, never by the answer.
 */
#include <string.h>

#include "abi_text.h"
#include "utf8.h"

/* A 32-byte big-endian word as a size, if it is at most max. */
static int
word_size(const uint8_t *w, size_t max, size_t *out)
{
	size_t		i;
	uint64_t	x = 0;

	for (i = 0; i < 24; i++)
		if (w[i] != 0)
			return -1;
	for (i = 24; i < 32; i++)
		x = x << 8 | w[i];
	if (x > max)
		return -1;
	*out = (size_t)x;
	return 0;
}

/*
 * The length of a valid UTF-8 sequence at p (n bytes left) that is not
 * a C1 control (U+0080..U+009F, two bytes), or 0.
 */
static size_t
text_seq(const uint8_t *p, size_t n)
{
	uint32_t	cp;
	size_t		len;

	if ((len = utf8_seq(p, n, &cp)) == 2 && cp < 0xa0)
		return 0;
	return len;
}

/* n bytes of text at p into out, cleaned; ABI_TEXT_* */
static int
text_copy(const uint8_t *p, size_t n, char *out, size_t outsz,
    size_t maxchars)
{
	size_t	i, k, s, chars = 0;
	int	ok;

	while (n > 0 && p[n - 1] == 0)
		n--;
	for (i = k = 0; i < n; i += s) {
		s = text_seq(p + i, n - i);
		ok = s > 1 || (s == 1 && p[i] >= 0x20 && p[i] != 0x7f);
		if (!ok)
			s = 1;
		if (++chars > maxchars || k + s + 1 > outsz)
			return ABI_TEXT_LONG;
		if (ok)
			memcpy(out + k, p + i, s);
		else
			out[k] = '?';
		k += ok ? s : 1;
	}
	out[k] = '\0';
	return ABI_TEXT_OK;
}

int
abi_text_decode(const uint8_t *d, size_t len, char *out, size_t outsz,
    size_t maxchars)
{
	size_t	off, n;
	int	r;

	if (outsz == 0)
		return ABI_TEXT_BAD;
	out[0] = '\0';
	if (len == 32)
		r = text_copy(d, 32, out, outsz, maxchars);
	else if (len < 64 || word_size(d, len - 32, &off) == -1 ||
	    off < 32 || word_size(d + off, len - off - 32, &n) == -1)
		return ABI_TEXT_BAD;
	else
		r = text_copy(d + off + 32, n, out, outsz, maxchars);
	if (r != ABI_TEXT_OK)
		out[0] = '\0';
	return r;
}
