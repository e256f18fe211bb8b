/*
 * Tokens the daemon knows without being told: the well-known stablecoins
 * and wrapped coins of the built-in networks.  GET /v1/tokens lists them
 * as "builtin" beside the operator's own ("custom", in policyd's
 * database); an operator cannot add one of these again or remove it.
 */
#ifndef WAIAAS_TOKENS_H
#define WAIAAS_TOKENS_H

#include <stddef.h>

#define TOKEN_SYMBOL_MAX	20	/* characters (the reference's) */
#define TOKEN_NAME_MAX		100
#define TOKEN_DECIMALS_MAX	18

struct token_info {
	const char	*network;	/* a built-in network's name */
	const char	*address;	/* EIP-55, or a base58 mint */
	const char	*symbol;
	const char	*name;
	unsigned	 decimals;
};

extern const struct token_info	token_builtin[];
extern const size_t		token_nbuiltin;

/* The built-in token at address (EVM: any case) on network, or NULL. */
const struct token_info	*token_builtin_find(const char *, const char *);

#endif
