/*
 * humanAmount and CAIP-19 asset ids: see txinput.h.  Both refuse rather
 * than guess: an amount is never rounded, an id never trimmed.
 */
#include <string.h>

#include "txinput.h"
#include "util.h"

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
human_amount(const char *s, size_t len, unsigned decimals, char *out,
    size_t outlen, const char **why)
{
	size_t	i, ilen, flen = 0, n = 0;
	const char *frac = NULL;

	if (len == 0 || len > HUMAN_AMOUNT_MAX) {
		*why = "a decimal string of 1 to 96 characters";
		return -1;
	}
	for (ilen = 0; ilen < len && is_digit(s[ilen]); ilen++)
		;
	if (ilen == 0) {
		*why = "must start with a digit (no sign, no leading '.')";
		return -1;
	}
	if (ilen > 1 && s[0] == '0') {
		*why = "no leading zeros";
		return -1;
	}
	if (ilen < len) {
		if (s[ilen] != '.') {
			*why = "digits and one '.' only (no exponent, no "
			    "spaces, no separators)";
			return -1;
		}
		frac = s + ilen + 1;
		flen = len - ilen - 1;
		if (flen == 0) {
			*why = "a '.' must be followed by digits";
			return -1;
		}
		for (i = 0; i < flen; i++)
			if (!is_digit(frac[i])) {
				*why = "digits and one '.' only (no exponent, "
				    "no spaces, no separators)";
				return -1;
			}
		/* zeros past the decimals carry nothing: "1.50" is 1.5 */
		while (flen > decimals && frac[flen - 1] == '0')
			flen--;
		if (flen > decimals) {
			*why = "more fractional digits than the asset's "
			    "decimals allow (it is never rounded)";
			return -1;
		}
	}
	if (decimals > BASE_AMOUNT_MAX || ilen + decimals > BASE_AMOUNT_MAX ||
	    outlen < BASE_AMOUNT_MAX + 1) {
		*why = "too large: more than 78 digits in base units";
		return -1;
	}
	/* integer digits, fraction digits, zeros: without leading zeros */
	for (i = 0; i < ilen + decimals; i++) {
		char c = i < ilen ? s[i] : i - ilen < flen ? frac[i - ilen] :
		    '0';

		if (n == 0 && c == '0')
			continue;
		out[n++] = c;
	}
	if (n == 0)
		out[n++] = '0';
	out[n] = '\0';
	return 0;
}

int
units_format(const char *units, unsigned decimals, char *out, size_t outlen)
{
	size_t	n = strlen(units), i, o = 0, whole, lead;

	if (n == 0 || n > BASE_AMOUNT_MAX || decimals > BASE_AMOUNT_MAX ||
	    outlen < BASE_AMOUNT_MAX + 3)
		return -1;
	for (i = 0; i < n; i++)
		if (!is_digit(units[i]))
			return -1;
	while (n > 1 && units[0] == '0') {	/* "007" is 7 */
		units++;
		n--;
	}
	whole = n > decimals ? n - decimals : 0;
	if (whole == 0)
		out[o++] = '0';
	memcpy(out + o, units, whole);
	o += whole;
	out[o++] = '.';
	for (lead = whole == 0 ? decimals - n : 0; lead > 0; lead--)
		out[o++] = '0';
	memcpy(out + o, units + whole, n - whole);
	o += n - whole;
	while (out[o - 1] == '0')
		o--;
	if (out[o - 1] == '.')
		o--;
	out[o] = '\0';
	return 0;
}

/* One part: 1..max characters of the alphabet (ranges "a-z" etc.). */
static int
part(const char *s, size_t len, size_t min, size_t max, const char *extra,
    int upper, char *out)
{
	size_t	i;
	char	c;

	if (len < min || len > max)
		return -1;
	for (i = 0; i < len; i++) {
		c = s[i];
		if (!((c >= 'a' && c <= 'z') || is_digit(c) ||
		    (upper && c >= 'A' && c <= 'Z') ||
		    (c != '\0' && strchr(extra, c) != NULL)))
			return -1;
		out[i] = c;
	}
	out[len] = '\0';
	return 0;
}

int
caip19_parse(const char *s, size_t len, struct caip19 *c,
    const char **why)
{
	const char	*colon1, *slash, *colon2, *end = s + len;

	memset(c, 0, sizeof(*c));
	*why = "a CAIP-19 asset id: namespace:reference/"
	    "asset_namespace:asset_reference";
	if (len > CAIP_NS_MAX + CAIP_REF_MAX + CAIP_NS_MAX +
	    CAIP_ASSET_REF_MAX + 3)
		return -1;
	if ((colon1 = memchr(s, ':', len)) == NULL ||
	    (slash = memchr(colon1, '/', (size_t)(end - colon1))) == NULL ||
	    (colon2 = memchr(slash, ':', (size_t)(end - slash))) == NULL)
		return -1;
	if (part(s, (size_t)(colon1 - s), 3, CAIP_NS_MAX, "-", 0,
	    c->ns) == -1 ||
	    part(colon1 + 1, (size_t)(slash - colon1 - 1), 1, CAIP_REF_MAX,
	    "-_", 1, c->ref) == -1 ||
	    part(slash + 1, (size_t)(colon2 - slash - 1), 3, CAIP_NS_MAX, "-",
	    0, c->asset_ns) == -1 ||
	    part(colon2 + 1, (size_t)(end - colon2 - 1), 1,
	    CAIP_ASSET_REF_MAX, "-.%", 1, c->asset_ref) == -1) {
		memset(c, 0, sizeof(*c));
		return -1;
	}
	return 0;
}
