/*
 * Strict UTF-8 (RFC 3629), the one decoder every checker uses: no
 * overlong forms, no UTF-16 surrogates, nothing past U+10FFFF.  Inline,
 * for jsonw's text writer calls it per character outside ASCII.
 */
#ifndef WAIAAS_UTF8_H
#define WAIAAS_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * The length of the valid sequence at p (n > 0 bytes left), or 0; its
 * code point in *cp when cp is not NULL.
 */
static inline size_t
utf8_seq(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint32_t	c;
	size_t		len, i;

	if (p[0] < 0x80) {
		if (cp != NULL)
			*cp = p[0];
		return 1;
	}
	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;	/* a continuation, overlong, past U+10FFFF */
	len = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (n < len)
		return 0;
	c = p[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	if (cp != NULL)
		*cp = c;
	return len;
}

/* 1 when all n bytes at p are UTF-8 as utf8_seq() takes it. */
static inline int
utf8_valid(const uint8_t *p, size_t n)
{
	size_t	i, k;

	for (i = 0; i < n; i += k)
		if ((k = utf8_seq(p + i, n - i, NULL)) == 0)
			return 0;
	return 1;
}

#endif
