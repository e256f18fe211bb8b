/*
 * x402, version 1 (the protocol of the x402 npm packages): what a
 * resource server's HTTP 402 answer asks for, and the X-PAYMENT header
 * that pays it with an EIP-3009 transferWithAuthorization ("exact" on
 * EVM networks).  Pure: jansson and bytes in, structs and text out, no
 * I/O; every input is the untrusted server's and bounded here.
 *
 *   402 body     {"x402Version": 1, "error"?: text, "accepts": [
 *                  {"scheme", "network", "maxAmountRequired",
 *                   "resource", "description"?, "mimeType"?, "payTo",
 *                   "maxTimeoutSeconds", "asset", "extra"?: {"name",
 *                   "version"}, "outputSchema"?}, ...]}
 *   X-PAYMENT    base64(JSON {"x402Version": 1, "scheme": "exact",
 *                  "network", "payload": {"signature": "0x" + 130 hex,
 *                  "authorization": {"from", "to", "value", "validAfter",
 *                  "validBefore", "nonce"}}})
 *   X-PAYMENT-RESPONSE  base64(JSON {"success", "transaction",
 *                  "network", "payer", "errorReason"?})
 */
#ifndef WAIAAS_X402_H
#define WAIAAS_X402_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define X402_ACCEPTS_MAX	16	/* requirements looked at */
#define X402_NETWORK_MAX	48
#define X402_AMOUNT_MAX		79	/* 2^256 - 1 has 78 digits */
#define X402_RESOURCE_MAX	2048
#define X402_NAME_MAX		64	/* extra.name, extra.version */
#define X402_TIMEOUT_MAX	86400	/* maxTimeoutSeconds accepted */
#define X402_HEADER_MAX		4096	/* X-PAYMENT as sent */
#define X402_ERROR_MAX		200	/* the server's error text, kept */

/* One "exact" EVM requirement, checked. */
struct x402_req {
	char		network[X402_NETWORK_MAX + 1];	/* as written */
	uint64_t	chain_id;		/* of that network */
	char		amount[X402_AMOUNT_MAX + 1];	/* decimal, > 0 */
	char		pay_to[43];		/* 0x + 40 hex, lowercase */
	char		asset[43];		/* the token, lowercase */
	char		resource[X402_RESOURCE_MAX + 1];	/* "" if none */
	char		name[X402_NAME_MAX + 1];	/* EIP-712 domain */
	char		version[X402_NAME_MAX + 1];
	uint32_t	max_timeout;		/* s */
};

/* What a 402 answer offered. */
struct x402_challenge {
	int		version;		/* x402Version */
	char		error[X402_ERROR_MAX + 1];	/* printable */
	size_t		naccepts;		/* offered, all schemes */
	size_t		n;			/* usable: exact on EVM */
	struct x402_req	req[X402_ACCEPTS_MAX];
	char		other[X402_NETWORK_MAX + 24];	/* the first
				   unusable one, "scheme on network" */
};

/*
 * The 402 body: 0 and *c (c->n may be 0: nothing this daemon pays), or
 * -1 and *why (not an x402 version 1 answer).
 */
int	x402_challenge_parse(const char *, size_t, struct x402_challenge *,
	    const char **);

/* The chain id of an x402 network name ("base-sepolia", "eip155:84532"),
 * or 0. */
uint64_t x402_chain_id(const char *);

/*
 * The EIP-712 typed data of a TransferWithAuthorization paying r from
 * from (0x + 40 hex), valid from valid_after to valid_before (unix s),
 * with a 32-byte nonce: a new object, as eip712_hash() reads it.
 */
json_t	*x402_typed_data(const struct x402_req *, const char *, int64_t,
	    int64_t, const uint8_t [32]);

/*
 * The X-PAYMENT value (base64 of the payload) for typed data made by
 * x402_typed_data() and its 65-byte signature as "0x" + 130 hex: 0,
 * or -1 if it does not fit out.
 */
int	x402_payment_header(const struct x402_req *, const json_t *,
	    const char *, char *, size_t);

/*
 * An X-PAYMENT-RESPONSE value: 0 and *out, a new object {success,
 * transaction?, network?, payer?, errorReason?} with only well-formed,
 * printable members, or -1 (not base64 of a JSON object).
 */
int	x402_settlement_parse(const char *, size_t, json_t **);

/*
 * An agent's request header for the fetched URL: a token name, a
 * printable value, and not one this daemon sets or that changes the
 * framing (Host, Content-Length, Transfer-Encoding, Connection, ...) or
 * a payment header (allowed when the last argument is 1: the one policyd
 * adds).  1 if it may be sent.
 */
#define X402_HEADERS_MAX	32	/* per request */
#define X402_HNAME_MAX		64
#define X402_HVALUE_MAX		1024
int	x402_header_ok(const char *, size_t, const char *, size_t, int);

#endif
