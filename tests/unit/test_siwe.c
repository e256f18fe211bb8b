/*
 * SIWE parsing and owner signatures against the vectors made by the siwe
 * package and ethers (EVM) and @solana/wallet-standard-util and
 * node:crypto (Solana): tests/vectors/siwe_vectors.js.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <secp256k1.h>
#include <sodium.h>

#include "base58.h"
#include "evm.h"
#include "siwe.h"
#include "../vectors/siwe_vectors.h"

#define NVALID		(sizeof(siwe_valid) / sizeof(siwe_valid[0]))
#define NINVALID	(sizeof(siwe_invalid) / sizeof(siwe_invalid[0]))
#define NDATES		(sizeof(rfc3339_vecs) / sizeof(rfc3339_vecs[0]))

static secp256k1_context	*ctx;
static const char *const	 domains[] = {
	VEC_DOMAIN, "localhost:3100", NULL
};

static void
rules(struct siwe_rules *r)
{
	r->domains = domains;
	r->action = VEC_ACTION;
	r->now = VEC_NOW;
	r->skew = 60;
	r->max_lifetime = 600;
}

static int
span_is(struct siwe_span s, const char *want)
{
	if (want == NULL)
		return s.p == NULL;
	return s.p != NULL && s.len == strlen(want) &&
	    memcmp(s.p, want, s.len) == 0;
}

/* 0 if sig is the address's signature over msg. */
static int
sig_ok(int chain, const char *msg, size_t len, const char *sig,
    const char *address, const char **why)
{
	uint8_t	want[32], got[20];

	if (chain == SIWE_ETHEREUM) {
		assert_int_equal(evm_address_parse(address, strlen(address),
		    want), 0);
		if (siwe_recover_evm(ctx, msg, len, sig, strlen(sig), got,
		    why) == -1)
			return -1;
		if (memcmp(got, want, 20) != 0) {
			*why = "recovered another address";
			return -1;
		}
		return 0;
	}
	assert_int_equal(base58_decode(address, strlen(address), want, 32),
	    32);
	return siwe_verify_solana(msg, len, sig, strlen(sig), want, why);
}

static void
test_valid(void **state)
{
	const struct siwe_valid	*v;
	struct siwe_msg		 m;
	struct siwe_rules	 r;
	const char		*why = NULL;
	size_t			 i, k;

	(void)state;
	rules(&r);
	for (i = 0; i < NVALID; i++) {
		v = &siwe_valid[i];
		if (siwe_parse(v->msg, v->len, v->chain, &m, &why) != 0)
			fail_msg("%s: parse: %s", v->name, why);
		assert_true(span_is(m.scheme, v->scheme));
		assert_true(span_is(m.domain, v->domain));
		assert_true(span_is(m.address, v->address));
		assert_true(span_is(m.statement, v->statement));
		assert_true(span_is(m.uri, v->uri));
		assert_true(span_is(m.version, "1"));
		assert_true(span_is(m.chain_id, v->chain_id));
		assert_true(span_is(m.nonce, v->nonce));
		assert_int_equal(m.issued_at, v->issued_at);
		assert_true(m.has_expiration);
		assert_int_equal(m.expiration, v->expiration);
		assert_int_equal(m.has_not_before, v->not_before != -1);
		if (v->not_before != -1)
			assert_int_equal(m.not_before, v->not_before);
		assert_true(span_is(m.request_id, v->request_id));
		assert_int_equal(m.nresources, v->nresources);
		for (k = 0; k < v->nresources; k++)
			assert_true(span_is(m.resources[k], v->resources[k]));
		if (siwe_check(&m, &r, &why) != 0)
			fail_msg("%s: check: %s", v->name, why);
		if (sig_ok(v->chain, v->msg, v->len, v->sig, v->address,
		    &why) != 0)
			fail_msg("%s: signature: %s", v->name, why);
		/* The reference parser accepts every valid EVM one. */
		if (v->chain == SIWE_ETHEREUM)
			assert_int_equal(v->ref_ok, 1);
	}
}

static void
test_invalid(void **state)
{
	const struct siwe_invalid	*v;
	struct siwe_msg			 m;
	struct siwe_rules		 r;
	const char			*why;
	size_t				 i;
	int				 p, c, s;

	(void)state;
	rules(&r);
	for (i = 0; i < NINVALID; i++) {
		v = &siwe_invalid[i];
		why = NULL;
		p = siwe_parse(v->msg, v->len, v->chain, &m, &why);
		c = p == 0 ? siwe_check(&m, &r, &why) : -1;
		s = c == 0 ? sig_ok(v->chain, v->msg, v->len, v->sig,
		    v->address, &why) : -1;
		print_message("%-26s %s\n", v->name, why ? why : "accepted");
		switch (v->stage) {
		case STAGE_PARSE:
			if (p != -1)
				fail_msg("%s: parsed", v->name);
			break;
		case STAGE_CHECK:
			if (p != 0 || c != -1)
				fail_msg("%s: parse %d check %d", v->name, p,
				    c);
			break;
		case STAGE_SIG:
			if (p != 0 || c != 0 || s != -1)
				fail_msg("%s: parse %d check %d sig %d",
				    v->name, p, c, s);
			break;
		}
		assert_non_null(why);
		/* Never looser than the siwe package's parser. */
		if (v->ref_ok == 0 && p == 0)
			fail_msg("%s: the reference refuses it", v->name);
	}
}

static void
test_rfc3339(void **state)
{
	int64_t	t;
	size_t	i;
	int	r;

	(void)state;
	for (i = 0; i < NDATES; i++) {
		t = -42;
		r = siwe_rfc3339(rfc3339_vecs[i].text,
		    strlen(rfc3339_vecs[i].text), &t);
		if (r != (rfc3339_vecs[i].ok ? 0 : -1))
			fail_msg("%s: %d", rfc3339_vecs[i].text, r);
		if (rfc3339_vecs[i].ok)
			assert_int_equal(t, rfc3339_vecs[i].unix);
	}
	assert_int_equal(siwe_rfc3339(NULL, 0, &t), -1);
}

/*
 * Every proper prefix fails to parse or to pass the checks, but for a cut
 * that drops a last resource other than the action, or cuts it (still a
 * URI).
 */
static void
test_prefixes(void **state)
{
	const struct siwe_valid	*v;
	struct siwe_msg		 m;
	struct siwe_rules	 r;
	const char		*why, *last;
	size_t			 i, n, end;

	(void)state;
	rules(&r);
	for (i = 0; i < NVALID; i++) {
		v = &siwe_valid[i];
		end = v->len;
		last = v->resources[v->nresources - 1];
		if (strcmp(last, VEC_ACTION) != 0)
			end -= strlen(last) + 3;	/* "\n- " */
		for (n = 0; n < end; n++)
			if (siwe_parse(v->msg, n, v->chain, &m, &why) == 0 &&
			    siwe_check(&m, &r, &why) == 0)
				fail_msg("%s: prefix of %zu accepted", v->name,
				    n);
	}
}

/* Every one-bit change of a signed message is refused somewhere. */
static void
test_mutations(void **state)
{
	static const uint8_t	 flips[] = { 0x01, 0x20, 0x80 };
	const struct siwe_valid	*v;
	struct siwe_msg		 m;
	struct siwe_rules	 r;
	const char		*why;
	char			 buf[SIWE_MSG_MAX];
	size_t			 i, k, f;

	(void)state;
	rules(&r);
	for (i = 0; i < NVALID; i++) {
		v = &siwe_valid[i];
		for (k = 0; k < v->len; k++)
			for (f = 0; f < sizeof(flips); f++) {
				memcpy(buf, v->msg, v->len);
				buf[k] ^= (char)flips[f];
				if (siwe_parse(buf, v->len, v->chain, &m,
				    &why) == 0 && siwe_check(&m, &r,
				    &why) == 0 && sig_ok(v->chain, buf,
				    v->len, v->sig, v->address, &why) == 0)
					fail_msg("%s: byte %zu ^ %02x accepted",
					    v->name, k, flips[f]);
			}
	}
}

/* SIWE_MSG_MAX bytes parse; one more does not. */
static void
test_size_limit(void **state)
{
	const struct siwe_valid	*v = &siwe_valid[1];	/* a statement */
	struct siwe_msg		 m;
	const char		*why, *st, *rest;
	static char		 buf[SIWE_MSG_MAX + 2];
	size_t			 head, tail, fill;

	(void)state;
	assert_non_null(v->statement);
	st = strstr(v->msg, v->statement);
	assert_non_null(st);
	head = (size_t)(st - v->msg);
	rest = st + strlen(v->statement);
	tail = v->len - (size_t)(rest - v->msg);
	for (fill = SIWE_MSG_MAX - head - tail; fill <= SIWE_MSG_MAX - head -
	    tail + 1; fill++) {
		memcpy(buf, v->msg, head);
		memset(buf + head, 'x', fill);
		memcpy(buf + head + fill, rest, tail);
		if (head + fill + tail <= SIWE_MSG_MAX)
			assert_int_equal(siwe_parse(buf, head + fill + tail,
			    v->chain, &m, &why), 0);
		else {
			assert_int_equal(siwe_parse(buf, head + fill + tail,
			    v->chain, &m, &why), -1);
			assert_string_equal(why, "message too long");
		}
	}
}

static void
test_signature_forms(void **state)
{
	const struct siwe_valid	*e = &siwe_valid[0], *s = NULL;
	char			 sig[200];
	uint8_t			 addr[20], pub[32];
	const char		*why;
	size_t			 i;

	(void)state;
	for (i = 0; i < NVALID; i++)
		if (siwe_valid[i].chain == SIWE_SOLANA && s == NULL)
			s = &siwe_valid[i];
	assert_non_null(s);
	assert_int_equal(e->chain, SIWE_ETHEREUM);
	/* EVM: 0x and exactly 130 hex digits */
	assert_int_equal(siwe_recover_evm(ctx, e->msg, e->len, e->sig + 2,
	    strlen(e->sig) - 2, addr, &why), -1);
	snprintf(sig, sizeof(sig), "0X%s", e->sig + 2);
	assert_int_equal(siwe_recover_evm(ctx, e->msg, e->len, sig,
	    strlen(sig), addr, &why), -1);
	assert_int_equal(siwe_recover_evm(ctx, e->msg, e->len, e->sig,
	    strlen(e->sig) - 2, addr, &why), -1);
	snprintf(sig, sizeof(sig), "%s00", e->sig);
	assert_int_equal(siwe_recover_evm(ctx, e->msg, e->len, sig,
	    strlen(sig), addr, &why), -1);
	snprintf(sig, sizeof(sig), "%s", e->sig);
	sig[10] = 'g';
	assert_int_equal(siwe_recover_evm(ctx, e->msg, e->len, sig,
	    strlen(sig), addr, &why), -1);
	/* r = 0 recovers nothing */
	snprintf(sig, sizeof(sig), "0x%064d%s", 0, e->sig + 66);
	assert_int_equal(siwe_recover_evm(ctx, e->msg, e->len, sig,
	    strlen(sig), addr, &why), -1);
	/* uppercase hex is hex */
	snprintf(sig, sizeof(sig), "%s", e->sig);
	for (i = 2; sig[i] != '\0'; i++)
		if (sig[i] >= 'a' && sig[i] <= 'f')
			sig[i] = (char)(sig[i] - 32);
	assert_int_equal(siwe_recover_evm(ctx, e->msg, e->len, sig,
	    strlen(sig), addr, &why), 0);

	/* Solana: base64 with padding of exactly 64 bytes */
	assert_int_equal(base58_decode(s->address, strlen(s->address), pub,
	    32), 32);
	assert_int_equal(siwe_verify_solana(s->msg, s->len, s->sig,
	    strlen(s->sig), pub, &why), 0);
	assert_int_equal(siwe_verify_solana(s->msg, s->len, s->sig,
	    strlen(s->sig) - 2, pub, &why), -1);
	snprintf(sig, sizeof(sig), "%s", s->sig);
	sig[0] = '*';
	assert_int_equal(siwe_verify_solana(s->msg, s->len, sig, strlen(sig),
	    pub, &why), -1);
	memset(sig, 'A', 88);
	sig[86] = sig[87] = '=';
	sig[88] = '\0';
	assert_int_equal(siwe_verify_solana(s->msg, s->len, sig, strlen(sig),
	    pub, &why), -1);
}

/* Rules on a valid message: domains are compared without case. */
static void
test_rules(void **state)
{
	const struct siwe_valid	*v = &siwe_valid[0];
	static const char *const other[] = { "localhost:3100", NULL };
	static const char *const upper[] = { "127.0.0.1:3100", NULL };
	struct siwe_msg		 m;
	struct siwe_rules	 r;
	const char		*why;

	(void)state;
	assert_int_equal(siwe_parse(v->msg, v->len, v->chain, &m, &why), 0);
	rules(&r);
	assert_int_equal(siwe_check(&m, &r, &why), 0);
	r.domains = other;
	assert_int_equal(siwe_check(&m, &r, &why), -1);
	r.domains = upper;
	assert_int_equal(siwe_check(&m, &r, &why), 0);
	r.domains = NULL;
	assert_int_equal(siwe_check(&m, &r, &why), -1);
	/* at the edges of the window */
	rules(&r);
	r.now = v->expiration;
	assert_int_equal(siwe_check(&m, &r, &why), -1);
	r.now = v->expiration - 1;
	assert_int_equal(siwe_check(&m, &r, &why), 0);
	r.now = v->issued_at - 60;
	assert_int_equal(siwe_check(&m, &r, &why), 0);
	r.now = v->issued_at - 61;
	assert_int_equal(siwe_check(&m, &r, &why), -1);
	rules(&r);
	r.max_lifetime = v->expiration - v->issued_at - 1;
	assert_int_equal(siwe_check(&m, &r, &why), -1);
	rules(&r);
	r.action = VEC_ACTION "0";
	assert_int_equal(siwe_check(&m, &r, &why), -1);
	/* a message for one chain is not one for the other */
	assert_int_equal(siwe_parse(v->msg, v->len, SIWE_SOLANA, &m, &why),
	    -1);
	assert_int_equal(siwe_parse(v->msg, v->len, 3, &m, &why), -1);
	assert_int_equal(siwe_parse(NULL, 0, SIWE_ETHEREUM, &m, &why), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_signature_forms),
		cmocka_unit_test(test_rules),
	};

	if (sodium_init() == -1)
		return 1;
	if ((ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE)) == NULL)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
