/*
 * The instructions of a BATCH send (POST /v1/transactions/send with
 * type BATCH): 2 to 20 objects, each the fields of a TRANSFER,
 * TOKEN_TRANSFER, CONTRACT_CALL or APPROVE without the batch's own
 * fields (walletId, network, gasCondition, dryRun).  An instruction
 * names its type or is known by its fields, as the reference's anyOf
 * tells them apart.  Pure functions over parsed JSON, fuzzed by
 * tests/fuzz/fuzz_txbatch.c; the api checks shapes with them and policyd
 * types each instruction with them before decoding it.
 */
#ifndef WAIAAS_TXBATCH_H
#define WAIAAS_TXBATCH_H

#include <jansson.h>

#define BATCH_MIN	2
#define BATCH_MAX	20

/* The type numbers of policyd/tx.h. */
#define BIX_TRANSFER	1
#define BIX_TOKEN	2
#define BIX_CALL	3
#define BIX_APPROVE	4

/*
 * An instruction's type: its "type" if it has one (one of the four),
 * else by its fields: spender is an APPROVE; token a TOKEN_TRANSFER;
 * calldata, value, programId, instructionData or accounts a
 * CONTRACT_CALL; to with amount or humanAmount a TRANSFER.  The name
 * ("TRANSFER" ...) into *name; -1 with *why when it is none of them.
 */
int	batch_ix_type(json_t *ix, const char **name, const char **why);

/*
 * The shape of the instructions array: how many, and each instruction's
 * fields (which it may have, their types and sizes, the amount given
 * once).  0, or -1 with *index (-1: the array itself), *field (NULL: the
 * instruction itself) and *why, all static text, at the first problem.
 */
int	batch_check(json_t *ins, int *index, const char **field,
	    const char **why);

#endif
