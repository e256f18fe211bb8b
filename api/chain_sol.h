/*
 * The Solana client's parts (chain_sol_*.c), for each other: the
 * readers of what a node answers (chain_sol_decode.c) and a prepare in
 * flight, which a dry run finishes (chain_sol_prepare.c,
 * chain_sol_simulate.c).
 */
#ifndef WAIAAS_CHAIN_SOL_H
#define WAIAAS_CHAIN_SOL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "chain.h"
#include "solana.h"

#define SOL_MINT_LEN		82	/* SPL Token Mint */
#define SOL_TOKACCT_LEN		165	/* SPL Token Account */
#define SOL_KEY58_MAX		46	/* base58 of 32 bytes, NUL */

/* The token programs, in base58 (chain_sol_decode.c). */
extern const char	sol_tok58_classic[];
extern const char	sol_tok58_2022[];

/* A node's answers, checked (chain_sol_decode.c): -1 if they do not fit. */
int	sol_key58(const char *, uint8_t [SOL_KEY_LEN]);
int	sol_json_key(const json_t *, uint8_t [SOL_KEY_LEN]);
void	sol_enc58(const uint8_t *, size_t, char *, size_t);
int	sol_json_u64(const json_t *, uint64_t *);
json_t	*sol_rpc_value(json_t *);
int	sol_acct_data(json_t *, uint8_t [SOL_KEY_LEN], uint8_t **, size_t *);
void	sol_tx_err_text(const json_t *, char *, size_t);
const struct rpc_endpoint *sol_endpoint(struct chain_net *);
/* getAccountInfo's params: key, base64 data, "confirmed". */
json_t	*sol_account_params(const char *);

/* Incoming transfers (chain_sol_incoming.c): the node's answers read. */
#define SINC_SIG58_MAX		90	/* base58_encode's room for 64 bytes */

struct sinc_sig {
	char		sig[SINC_SIG58_MAX];
	uint64_t	slot;
};

int	sol_incoming_sigs(const json_t *, uint64_t, uint64_t,
	    struct sinc_sig *, size_t *, size_t, int *, char [SINC_SIG58_MAX]);
int	sol_incoming_tx(const json_t *, const char *, const char *, uint64_t,
	    struct incoming_xfer *, size_t *, size_t, int *);

/* A prepare in flight (chain_sol_prepare.c). */
struct sol_prep {
	struct chain_net	*n;
	struct chain_ctx	 c;
	uint32_t		 op;		/* CHOP_SOL_* */
	char			 from58[CHAIN_ADDR_MAX + 1];
	uint8_t			 to[SOL_KEY_LEN];
	uint8_t			 mint[SOL_KEY_LEN];
	uint8_t			 ata[SOL_KEY_LEN];
	char			 mint58[SOL_KEY58_MAX];
	char			 ata58[SOL_KEY58_MAX];
	int			 token_bal;	/* CHPREP_TOKEN_BAL asked */
	/* CHPREP_SIMULATE: what the transaction carries */
	int			 simulate;
	uint64_t		 amount;
	uint32_t		 naccts;
	struct sign_sol_acct	 accts[SIGN_SOL_MAX_ACCTS];
	uint8_t			*data;		/* CALL: instruction data;
						   TRANSFER, TOKEN: memo */
	size_t			 datalen;
};

/* The answer goes up and p is freed. */
void	sol_prep_done(struct sol_prep *);
/* rpc_call for p; params NULL (out of memory) fails p. */
void	sol_prep_call(struct sol_prep *, const char *, json_t *, rpc_cb);
/* The dry run, once the blockhash is known (chain_sol_simulate.c). */
void	sol_prep_simulate(struct sol_prep *);

#endif
