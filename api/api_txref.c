/*
 * The reference's send fields of features this daemon does not have,
 * refused by name with the reason, before the shape check of api_tx.c.
 * (humanAmount, token.assetId and gasCondition are this daemon's own:
 * checked in api_tx.c, converted and enforced in policyd.)
 */
#include <stddef.h>

#include "api.h"

/* Fields of features this daemon does not have, and why. */
static const struct {
	const char	*key;
	const char	*why;
} absent[] = {
	{ "abi", "ABI encoding; give calldata, already encoded" },
	{ "preInstructions", "extra Solana instructions; a contract call "
	    "here is one instruction" },
	{ "postInstructions", "extra Solana instructions; a contract call "
	    "here is one instruction" },
	{ "addressLookupTableAddresses", "Solana address lookup tables "
	    "(v0 messages)" },
	{ "actionProvider", "action providers; give the call itself "
	    "(CONTRACT_CALL)" },
	{ "actionName", "action providers; give the call itself "
	    "(CONTRACT_CALL)" },
	{ "nft", "NFT approvals; APPROVE here is for fungible tokens" },
};

/* Before the shape check of a send or simulate body (api_tx_send). */
void
api_tx_reference_fields(json_t *b, struct api_issues *is)
{
	size_t		 i;

	for (i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		api_unsupported(b, is, absent[i].key, absent[i].why);
}
