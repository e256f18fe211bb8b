/*
 * This daemon's share of the reference's error table (errcodes.h).
 */
#include <string.h>

#include "errcodes.h"

#define HINT_NONCE	"stricter than the reference: an owner signature " \
	"is single-use here (its nonce is spent by the first request that " \
	"carries it, and bound to one action); get a fresh nonce from " \
	"GET /v1/nonce and sign again"

const struct errcode errcodes[] = {
	{ "ABI_ENCODING_FAILED",	400, 0, NULL },
	{ "ACTION_VALIDATION_FAILED",	400, 0, NULL },
	{ "ADAPTER_NOT_AVAILABLE",	503, 1, NULL },
	{ "APPROVAL_TIMEOUT",		410, 0, NULL },
	{ "BATCH_NOT_SUPPORTED",	400, 0, NULL },
	{ "CHAIN_ERROR",		502, 1, NULL },
	{ "CONTRACT_NOT_WHITELISTED",	403, 0, NULL },
	{ "ENVIRONMENT_NETWORK_MISMATCH", 400, 0, NULL },
	{ "INDEXER_NOT_CONFIGURED",	400, 0, NULL },
	{ "INSUFFICIENT_BALANCE",	400, 0, NULL },
	{ "INSUFFICIENT_TOKEN_BALANCE", 400, 0, NULL },
	{ "INTERNAL_ERROR",		500, 0, NULL },
	{ "INVALID_ADDRESS",		400, 0, NULL },
	{ "INVALID_MASTER_PASSWORD",	401, 0, NULL },
	{ "INVALID_NONCE",		401, 0, HINT_NONCE },
	{ "INVALID_STATE_TRANSITION",	409, 0, NULL },
	{ "INVALID_SIGNATURE",		401, 0, NULL },
	{ "INVALID_TOKEN",		401, 0, NULL },
	{ "INVALID_TRANSACTION",	400, 0, NULL },
	{ "KEYSTORE_LOCKED",		503, 1, NULL },
	{ "KILL_SWITCH_ACTIVE",		409, 0, NULL },
	{ "KILL_SWITCH_NOT_ACTIVE",	409, 0, NULL },
	{ "MASTER_PASSWORD_LOCKED",	429, 0, NULL },
	{ "METHOD_NOT_WHITELISTED",	403, 0, NULL },
	{ "NETWORK_REQUIRED",		400, 0, NULL },
	{ "NFT_NOT_FOUND",		404, 0, NULL },
	{ "OWNER_ALREADY_CONNECTED",	409, 0, NULL },
	{ "OWNER_NOT_CONNECTED",	404, 0, NULL },
	{ "POLICY_DENIED",		403, 0, NULL },
	{ "POLICY_NOT_FOUND",		404, 0, NULL },
	{ "RATE_LIMIT_EXCEEDED",	429, 1, NULL },
	{ "RENEWAL_LIMIT_REACHED",	403, 0, NULL },
	{ "SESSION_LIMIT_EXCEEDED",	403, 0, NULL },
	{ "SESSION_NOT_FOUND",		404, 0, NULL },
	{ "SESSION_RENEWAL_MISMATCH",	403, 0, NULL },
	{ "SESSION_REQUIRES_WALLET",	400, 0, NULL },
	{ "SESSION_REVOKED",		401, 0, NULL },
	{ "SIMULATION_FAILED",		422, 0, NULL },
	{ "SKILL_NOT_FOUND",		404, 0, NULL },
	{ "SPENDER_NOT_APPROVED",	403, 0, NULL },
	{ "TOKEN_EXPIRED",		401, 0, NULL },
	{ "TOKEN_NOT_ALLOWED",		403, 0, NULL },
	{ "TX_ALREADY_PROCESSED",	409, 0, NULL },
	{ "TX_EXPIRED",			410, 0, NULL },
	{ "TX_NOT_FOUND",		404, 0, NULL },
	{ "UNSUPPORTED_NFT_STANDARD",	400, 0, NULL },
	{ "VALIDATION_FAILED",		400, 0, NULL },
	{ "WALLET_ACCESS_DENIED",	403, 0, NULL },
	{ "WALLET_ALREADY_LINKED",	409, 0, NULL },
	{ "WALLET_NOT_FOUND",		404, 0, NULL },
	{ "WALLET_NOT_SIGNER",		400, 0, NULL },
	{ "WALLET_NOT_TERMINATED",	409, 0, NULL },
	{ "WALLET_SUSPENDED",		409, 0, NULL },
	{ "WALLET_TERMINATED",		410, 0, NULL },
	{ "WEBHOOK_NOT_FOUND",		404, 0, NULL },
	{ "WHITELIST_DENIED",		403, 0, NULL },
	{ "X402_APPROVAL_REQUIRED",	403, 0, NULL },
	{ "X402_DELAY_TIMEOUT",		408, 1, NULL },
	{ "X402_DISABLED",		403, 0, NULL },
	{ "X402_DOMAIN_NOT_ALLOWED",	403, 0, NULL },
	{ "X402_PAYMENT_REJECTED",	402, 0, NULL },
	{ "X402_SERVER_ERROR",		502, 1, NULL },
	{ "X402_SSRF_BLOCKED",		403, 0, NULL },
	{ "X402_UNSUPPORTED_SCHEME",	400, 0, NULL },
};
const size_t	errcodes_len = sizeof(errcodes) / sizeof(errcodes[0]);

const struct errcode *
errcode_find(const char *code)
{
	size_t	i;

	for (i = 0; i < errcodes_len; i++)
		if (strcmp(errcodes[i].code, code) == 0)
			return &errcodes[i];
	return NULL;
}
