/*
 * USD prices: placeholder until the price source lands (no price is
 * known, so USD limits escalate to APPROVAL).
 */
#include "policyd.h"
#include "util.h"

double
price_value(const struct network *n, const char *token, const char *amount,
    long long now, char *why, size_t whylen)
{
	(void)n;
	(void)token;
	(void)amount;
	(void)now;
	if (why != NULL && whylen > 0)
		strlcpy(why, "no price source configured", whylen);
	return -1;
}

int
price_unpriced_deny(void)
{
	return 0;
}
