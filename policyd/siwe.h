/*
 * Sign-In with Ethereum (EIP-4361) messages, and the same layout for
 * Solana owners, parsed strictly: the exact line structure of the
 * specification, every field checked for its character set, nothing
 * after the last field.  Pure functions over the caller's bytes: no I/O,
 * no allocation; the parsed fields point into the message.
 */
#ifndef WAIAAS_SIWE_H
#define WAIAAS_SIWE_H

#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#define SIWE_MSG_MAX		4096	/* bytes of message */
#define SIWE_RESOURCES_MAX	16
#define SIWE_NONCE_MIN		8	/* EIP-4361: 8 alphanumerics */
#define SIWE_NONCE_MAX		128

#define SIWE_ETHEREUM		1
#define SIWE_SOLANA		2

/* The prefix of the resource that names the action a message is for. */
#define SIWE_ACTION_URN		"urn:waiaas:action:"

struct siwe_span {
	const char	*p;		/* NULL: the field is absent */
	size_t		 len;
};

struct siwe_msg {
	int			chain;		/* SIWE_ETHEREUM, SIWE_SOLANA */
	struct siwe_span	scheme;
	struct siwe_span	domain;
	struct siwe_span	address;
	uint8_t			addr[32];	/* 20 bytes EVM, 32 Solana */
	struct siwe_span	statement;
	struct siwe_span	uri;
	struct siwe_span	version;
	struct siwe_span	chain_id;
	struct siwe_span	nonce;
	int64_t			issued_at;	/* unix seconds */
	int			has_expiration;
	int64_t			expiration;
	int			has_not_before;
	int64_t			not_before;
	struct siwe_span	request_id;
	int			has_resources;
	size_t			nresources;
	struct siwe_span	resources[SIWE_RESOURCES_MAX];
};

/*
 * Parse a message for a chain.  0, or -1 with *why set to a short static
 * reason (for logs and audit; it never quotes the message).
 */
int	siwe_parse(const char *, size_t, int, struct siwe_msg *,
	    const char **);

/* An RFC 3339 date-time to unix seconds; 0 or -1. */
int	siwe_rfc3339(const char *, size_t, int64_t *);

/* What this daemon requires of a parsed message beyond its syntax. */
struct siwe_rules {
	const char *const	*domains;	/* NULL-terminated, any case */
	const char		*action;	/* the whole urn:waiaas:... */
	int64_t			 now;
	int64_t			 skew;		/* allowed for Issued At */
	int64_t			 max_lifetime;	/* Expiration - Issued At */
};

/*
 * The domain is one of ours; Issued At is not in the future (beyond the
 * skew); an Expiration Time is present, not passed and at most
 * max_lifetime after Issued At; Not Before has come; exactly one
 * resource names an action and it is rules->action.  0, or -1 and *why.
 */
int	siwe_check(const struct siwe_msg *, const struct siwe_rules *,
	    const char **);

/*
 * The address that made an EIP-191 personal signature ("0x" and 130 hex
 * digits: r, s, v with v 27/28 or 0/1; a high s is refused) over the
 * message bytes.  0, or -1 and *why.
 */
int	siwe_recover_evm(const secp256k1_context *, const char *, size_t,
	    const char *, size_t, uint8_t [20], const char **);

/*
 * Verify an Ed25519 signature (base64 of 64 bytes) over the message
 * bytes with a 32-byte public key.  0, or -1 and *why.
 */
int	siwe_verify_solana(const char *, size_t, const char *, size_t,
	    const uint8_t [32], const char **);

#endif
