/*
 * libFuzzer target for common/x402.c: what a resource server sends
 * back.  The first byte picks the reader: a 402 body, an
 * X-PAYMENT-RESPONSE value, or an agent's header ("name:value").  Every
 * requirement read as usable must make typed data that hashes as
 * EIP-712 and a payment header that fits, and say a chain id; every
 * settlement read is an object with a boolean success.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eip712.h"
#include "policy_rules.h"
#include "x402.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
challenge(const char *b, size_t n)
{
	static struct x402_challenge	 c;
	const char			*why = NULL;
	uint8_t				 nonce[32] = { 1 }, d[32], h[32];
	char				 hdr[X402_HEADER_MAX], sig[133];
	json_t				*t;
	size_t				 i;

	if (x402_challenge_parse(b, n, &c, &why) == -1) {
		if (why == NULL)
			abort();
		return;
	}
	if (c.version != 1 || c.n > c.naccepts || c.n > X402_ACCEPTS_MAX)
		abort();
	memset(sig, 'b', sizeof(sig) - 1);
	sig[0] = '0';
	sig[1] = 'x';
	sig[sizeof(sig) - 1] = '\0';
	for (i = 0; i < c.n; i++) {
		if (c.req[i].chain_id == 0 || c.req[i].max_timeout == 0 ||
		    !policy_amount_valid(c.req[i].amount,
		    strlen(c.req[i].amount)))
			abort();
		t = x402_typed_data(&c.req[i],
		    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", 1, 2, nonce);
		if (t == NULL || eip712_hash(t, d, h, &why) == -1 ||
		    x402_payment_header(&c.req[i], t, sig, hdr,
		    sizeof(hdr)) == -1)
			abort();
		json_decref(t);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t		*o = NULL;
	const char	*b = (const char *)data + 1, *colon;
	size_t		 n = size - 1;

	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		challenge(b, n);
		break;
	case 1:
		if (x402_settlement_parse(b, n, &o) == 0 &&
		    !json_is_boolean(json_object_get(o, "success")))
			abort();
		json_decref(o);
		break;
	default:
		if ((colon = memchr(b, ':', n)) != NULL)
			(void)x402_header_ok(b, (size_t)(colon - b),
			    colon + 1, n - (size_t)(colon - b) - 1, 0);
		break;
	}
	return 0;
}
