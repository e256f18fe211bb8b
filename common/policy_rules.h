/*
 * Policy rules: one strict validator per policy type, shared by the api
 * (which answers 400 with the path of every issue) and policyd (which
 * checks again what the api forwards).  Pure: jansson in, jansson out,
 * no I/O.  Evaluation of the rules lives elsewhere.
 */
#ifndef WAIAAS_POLICY_RULES_H
#define WAIAAS_POLICY_RULES_H

#include <jansson.h>

#define POLICY_TYPES(X)							\
	X(SPENDING_LIMIT) X(WHITELIST) X(ALLOWED_NETWORKS)		\
	X(ALLOWED_TOKENS) X(CONTRACT_WHITELIST) X(METHOD_WHITELIST)	\
	X(APPROVED_SPENDERS) X(APPROVE_AMOUNT_LIMIT)			\
	X(APPROVE_TIER_OVERRIDE) X(TIME_RESTRICTION) X(RATE_LIMIT)	\
	X(X402_ALLOWED_DOMAINS)

enum policy_type {
#define POLICY_TYPE_ENUM(t)	POLICY_##t,
	POLICY_TYPES(POLICY_TYPE_ENUM)
#undef POLICY_TYPE_ENUM
	POLICY_TYPE_MAX
};

#define POLICY_PRIORITY_MIN	(-1000)
#define POLICY_PRIORITY_MAX	1000
#define POLICY_LIST_MAX		1000	/* entries of any list in rules */
#define POLICY_SELECTORS_MAX	256	/* selectors per contract */
#define POLICY_AMOUNT_DIGITS	78	/* 2^256 - 1 has 78 digits */
#define POLICY_USD_MAX		1e15
#define POLICY_NAME_CHARS	100
#define POLICY_SYMBOL_CHARS	32
#define POLICY_RULES_TEXT_MAX	(512 * 1024)	/* canonical JSON */
#define POLICY_ISSUES_MAX	50	/* issues reported per call */
/* Defaults a SPENDING_LIMIT stores explicitly when they are absent. */
#define POLICY_DELAY_SECONDS	900
#define POLICY_APPROVAL_TIMEOUT	3600

/* The networks of the public surface, with the wallets they belong to. */
struct policy_network {
	const char	*name;
	const char	*chain;		/* "solana" or "ethereum" */
	const char	*environment;	/* "mainnet" or "testnet" */
};

int		 policy_type(const char *);
const char	*policy_type_name(int);
const char	*policy_type_list(void);
const struct policy_network *policy_network(const char *);
const char	*policy_network_list(void);

/* Address kinds. */
#define POLICY_ADDR_NONE	0
#define POLICY_ADDR_EVM		1	/* 0x and 40 hex digits, any case */
#define POLICY_ADDR_SOLANA	2	/* base58 of 32 bytes */
int	policy_address_kind(const char *, size_t);
int	policy_amount_valid(const char *, size_t);
int	policy_amount_cmp(const char *, const char *);

/*
 * Check rules for a policy type.  Returns a new object, the canonical
 * form to store (only known fields, defaults filled in), or NULL when
 * the rules are not valid; then each issue, up to POLICY_ISSUES_MAX in
 * all, is appended to issues (when not NULL) as {path, message} with a
 * path that starts with "rules", e.g. ["rules", "allowed_addresses", 2].
 */
json_t	*policy_rules_check(const char *, json_t *, json_t *);

/*
 * Append {path: [key], message} (path [] when key is NULL) unless issues
 * holds POLICY_ISSUES_MAX already; a long key is cut to 64 bytes.
 */
void	 policy_issue(json_t *, const char *, const char *);

/*
 * X402_ALLOWED_DOMAINS: 1 if canonical rules {domains: [...]} allow a
 * host (lowercase, no port): an entry equal to it, or "*.example.com"
 * for any name below example.com (not example.com itself).
 */
int	 policy_domain_allowed(const json_t *, const char *);

#endif
