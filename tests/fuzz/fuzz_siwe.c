/*
 * libFuzzer target for the SIWE parser: the first byte picks the chain
 * (even: Ethereum, odd: Solana), the rest is the message.  What parses
 * must have every field inside the message, and must survive the checks
 * and a signature recovery without a sanitizer report.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <secp256k1.h>
#include <sodium.h>

#include "siwe.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
inside(struct siwe_span s, const char *buf, size_t len)
{
	if (s.p == NULL)
		return s.len == 0;
	return s.p >= buf && s.len <= len && (size_t)(s.p - buf) <= len -
	    s.len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static secp256k1_context	*ctx;
	static const char *const	 domains[] = {
		"127.0.0.1:3100", "localhost:3100", NULL
	};
	struct siwe_msg			 m;
	struct siwe_rules		 r;
	const char			*why = NULL;
	char				*msg;
	uint8_t				 addr[20];
	int64_t				 t;
	size_t				 i;
	int				 chain;

	if (ctx == NULL) {
		if (sodium_init() == -1 || (ctx = secp256k1_context_create(
		    SECP256K1_CONTEXT_NONE)) == NULL)
			abort();
	}
	if (size < 1)
		return 0;
	chain = data[0] & 1 ? SIWE_SOLANA : SIWE_ETHEREUM;
	data++;
	size--;
	/* An exact-size copy, so ASan sees any overread. */
	if ((msg = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(msg, data, size);
	(void)siwe_rfc3339(msg, size, &t);
	if (siwe_parse(msg, size, chain, &m, &why) == -1) {
		if (why == NULL)
			abort();
		free(msg);
		return 0;
	}
	if (size > SIWE_MSG_MAX || m.chain != chain ||
	    m.nresources > SIWE_RESOURCES_MAX ||
	    m.domain.p == NULL || m.address.p == NULL || m.uri.p == NULL ||
	    m.nonce.len < SIWE_NONCE_MIN || m.nonce.len > SIWE_NONCE_MAX ||
	    !inside(m.scheme, msg, size) || !inside(m.domain, msg, size) ||
	    !inside(m.address, msg, size) ||
	    !inside(m.statement, msg, size) || !inside(m.uri, msg, size) ||
	    !inside(m.chain_id, msg, size) || !inside(m.nonce, msg, size) ||
	    !inside(m.request_id, msg, size))
		abort();
	for (i = 0; i < m.nresources; i++)
		if (!inside(m.resources[i], msg, size) ||
		    memchr(m.resources[i].p, '\n', m.resources[i].len) != NULL)
			abort();
	r.domains = domains;
	r.action = SIWE_ACTION_URN "owner.verify:x";
	r.now = m.issued_at;
	r.skew = 60;
	r.max_lifetime = 600;
	why = NULL;
	if (siwe_check(&m, &r, &why) == -1 && why == NULL)
		abort();
	/* The message's own bytes as a would-be signature. */
	if (size >= 132)
		(void)siwe_recover_evm(ctx, msg, size, msg, 132, addr, &why);
	free(msg);
	return 0;
}
