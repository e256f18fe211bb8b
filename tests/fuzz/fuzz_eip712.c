/*
 * libFuzzer target for EIP-712 typed data: the input is JSON text,
 * decoded as policyd decodes a request (duplicate keys refused).  Any
 * input: no sanitizer report, every refusal has a reason, hashing is
 * deterministic, a permit is only found in typed data that hashes, and
 * what it grants is well-formed text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "eip712.h"
#include "evm.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_address(const char *s)
{
	uint8_t	a[20];
	char	again[43];

	if (strlen(s) != 42 || evm_address_parse(s, 42, a) == -1)
		abort();
	evm_address_checksum(a, again);
	if (strcmp(s, again) != 0)
		abort();
}

static void
check_amount(const char *s)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > 78 || (n > 1 && s[0] == '0'))
		abort();
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eip712_permit	 p;
	json_error_t		 err;
	json_t			*j;
	const char		*why;
	uint8_t			 d1[32], s1[32], d2[32], s2[32];
	char			 vc[43];
	uint64_t		 id;
	size_t			 i;
	int			 rv, rv2;

	if ((j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    &err)) == NULL)
		return 0;
	why = NULL;
	rv = eip712_hash(j, d1, s1, &why);
	if (rv == -1 && why == NULL)
		abort();
	why = NULL;
	if (eip712_hash(j, d2, s2, &why) != rv)
		abort();
	if (rv == 0 && (memcmp(d1, d2, 32) != 0 || memcmp(s1, s2, 32) != 0))
		abort();
	why = NULL;
	memset(&p, 0, sizeof(p));
	rv2 = eip712_permit(j, &p, &why);
	if (rv2 == -1 && why == NULL)
		abort();
	if (rv == -1 && rv2 != -1)
		abort();
	if (rv2 == 1) {
		if (p.kind < PERMIT_EIP2612 || p.kind > PERMIT2_TRANSFER ||
		    p.n > PERMIT_MAX)
			abort();
		for (i = 0; i < p.n; i++) {
			check_address(p.grant[i].token);
			check_address(p.grant[i].spender);
			check_amount(p.grant[i].amount);
		}
	}
	if (eip712_verifying_contract(j, vc) == 0)
		check_address(vc);
	(void)eip712_chain_id(j, &id);
	json_decref(j);
	return 0;
}
