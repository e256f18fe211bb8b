/*
 * libFuzzer target for common/txinput.c: humanAmount, its inverse
 * units_format, and CAIP-19 ids.
 * The first byte picks the decimals (0..80); the rest is the text, in
 * an exact-size copy.  An accepted amount is digits only, without a
 * leading zero, and converts back: its integer part and fraction are the
 * input's (zeros past the decimals aside).  An accepted id holds only
 * its alphabets and, joined again, is the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txinput.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Base units shown with decimals read back as the same units. */
static void
check_format(const char *units, unsigned dec)
{
	char		 shown[BASE_AMOUNT_MAX + 3], back[BASE_AMOUNT_MAX + 1];
	const char	*why = NULL;

	if (units_format(units, dec, shown, sizeof(shown)) == -1) {
		if (dec <= BASE_AMOUNT_MAX)
			abort();
		return;
	}
	if (human_amount(shown, strlen(shown), dec, back, sizeof(back),
	    &why) == -1 || strcmp(back, units) != 0)
		abort();
}

static void
check_amount(const char *s, size_t len, unsigned dec)
{
	char		 out[BASE_AMOUNT_MAX + 1];
	const char	*why = NULL, *dot;
	size_t		 n, i, ilen, flen;

	if (human_amount(s, len, dec, out, sizeof(out), &why) == -1) {
		if (why == NULL)
			abort();
		return;
	}
	n = strlen(out);
	if (n == 0 || n > BASE_AMOUNT_MAX || (n > 1 && out[0] == '0'))
		abort();
	for (i = 0; i < n; i++)
		if (out[i] < '0' || out[i] > '9')
			abort();
	/* out is int * 10^dec + frac * 10^(dec - flen): compare digits. */
	dot = memchr(s, '.', len);
	ilen = dot != NULL ? (size_t)(dot - s) : len;
	flen = dot != NULL ? len - ilen - 1 : 0;
	while (flen > dec && dot[flen] == '0')	/* zeros past dec */
		flen--;
	if (flen > dec)
		abort();
	if (strcmp(out, "0") != 0) {
		char	full[2 * BASE_AMOUNT_MAX + 2];
		size_t	k = 0, z;

		for (i = 0; i < ilen; i++)
			full[k++] = s[i];
		for (i = 0; i < flen; i++)
			full[k++] = dot[1 + i];
		for (i = flen; i < dec; i++)
			full[k++] = '0';
		full[k] = '\0';
		for (z = 0; full[z] == '0'; z++)
			;
		if (strcmp(full + z, out) != 0)
			abort();
	}
	check_format(out, dec);
}

static void
check_caip(const char *s, size_t len)
{
	struct caip19	 c;
	const char	*why = NULL;
	char		 again[400];

	if (caip19_parse(s, len, &c, &why) == -1) {
		if (why == NULL)
			abort();
		return;
	}
	snprintf(again, sizeof(again), "%s:%s/%s:%s", c.ns, c.ref,
	    c.asset_ns, c.asset_ref);
	if (strlen(again) != len || memcmp(again, s, len) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	if (size < 1 || size > 512)
		return 0;
	if ((s = malloc(size - 1 ? size - 1 : 1)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	check_amount(s, size - 1, data[0] % 81);
	check_caip(s, size - 1);
	free(s);
	return 0;
}
