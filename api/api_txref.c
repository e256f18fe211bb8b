/*
 * The reference's send fields that this daemon takes in its own terms,
 * and those of features it does not have, refused by name with the
 * reason.  Runs before the shape check of api_tx.c, which then sees
 * only this daemon's fields:
 *   humanAmount ("1.5")     -> amount in the smallest unit, with the
 *                              decimals of the network's coin or of
 *                              token.decimals;
 *   token.assetId (CAIP-19) -> token.address, the chain checked
 *                              against network when it is given.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "keystore.h"
#include "log.h"
#include "network.h"
#include "util.h"

#define HUMAN_MAX	100	/* characters of a humanAmount */
#define AMOUNT_DIGITS	78	/* the shape check's bound on amount */
#define ASSET_MAX	200	/* characters of a CAIP-19 asset id */

/* Fields of features this daemon does not have, and why. */
static const struct {
	const char	*key;
	const char	*why;
} absent[] = {
	{ "gasCondition", "gas-price conditions; a transaction is sent at "
	    "once, at the current fee within this daemon's fee cap" },
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
	{ "instructions", "BATCH transactions; send them one by one" },
};

/*
 * "12.5" with d decimals into the integer of the smallest unit in out:
 * 0, or -1 with why set.
 */
static int
human_to_amount(const char *s, size_t len, unsigned int d, char *out,
    size_t outlen, const char **why)
{
	const char	*dot;
	size_t		 ilen, flen, i, n = 0;

	*why = "a decimal number such as \"1.5\" (digits, one optional "
	    "point)";
	if (len == 0 || len > HUMAN_MAX || strlen(s) != len)
		return -1;
	dot = strchr(s, '.');
	ilen = dot != NULL ? (size_t)(dot - s) : len;
	flen = dot != NULL ? len - ilen - 1 : 0;
	if (ilen == 0 || (dot != NULL && flen == 0))
		return -1;
	for (i = 0; i < len; i++)
		if (i != ilen && (s[i] < '0' || s[i] > '9'))
			return -1;
	while (flen > 0 && dot[flen] == '0')	/* "1.50" is "1.5" */
		flen--;
	if (flen > d) {
		*why = "more decimal places than the coin or token has";
		return -1;
	}
	/* Integer part without leading zeros, the fraction padded to d. */
	for (i = 0; i + 1 < ilen && s[i] == '0'; i++)
		;
	for (; i < ilen && n + 1 < outlen; i++)
		out[n++] = s[i];
	for (i = 0; i < d && n + 1 < outlen; i++)
		out[n++] = i < flen ? dot[1 + i] : '0';
	out[n] = '\0';
	/* "0.05" with 2 decimals gives "005": drop the zeros it leads with. */
	for (i = 0; i + 1 < n && out[i] == '0'; i++)
		;
	memmove(out, out + i, n - i + 1);
	if (n - i > AMOUNT_DIGITS || n + 1 >= outlen) {
		*why = "too large";
		return -1;
	}
	return 0;
}

/* The decimals humanAmount is in: 0 and *d, or -1 after an issue. */
static int
human_decimals(json_t *b, const char *type, unsigned int *d,
    struct api_issues *is)
{
	const struct network	*n;
	json_t			*t, *v;
	const char		*net;

	if (strcmp(type, "TRANSFER") == 0) {
		net = json_string_value(json_object_get(b, "network"));
		if (net == NULL) {
			api_issue(is, "humanAmount", "give network with it "
			    "(its coin's decimals convert it), or amount in "
			    "the smallest unit");
			return -1;
		}
		if ((n = net_find(net)) == NULL) {
			api_issue(is, "humanAmount", "the network is not one "
			    "this daemon has, so its decimals are not known; "
			    "give amount in the smallest unit");
			return -1;
		}
		*d = n->decimals;
		return 0;
	}
	t = json_object_get(b, "token");
	v = json_is_object(t) ? json_object_get(t, "decimals") : NULL;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 36) {
		api_issue(is, "humanAmount", "give token.decimals with it, or "
		    "amount in the smallest unit");
		return -1;
	}
	*d = (unsigned int)json_integer_value(v);
	return 0;
}

static void
human_amount(json_t *b, const char *type, struct api_issues *is)
{
	json_t		*v = json_object_get(b, "humanAmount");
	char		 amount[AMOUNT_DIGITS + 40];
	const char	*why;
	unsigned int	 d;

	if (v == NULL)
		return;
	if (json_object_get(b, "amount") != NULL)
		api_issue(is, "humanAmount", "give amount or humanAmount, "
		    "not both");
	else if (strcmp(type, "TRANSFER") != 0 &&
	    strcmp(type, "TOKEN_TRANSFER") != 0)
		api_issue(is, "humanAmount", "only with TRANSFER and "
		    "TOKEN_TRANSFER");
	else if (!json_is_string(v))
		api_issue(is, "humanAmount", "a string such as \"1.5\"");
	else if (human_decimals(b, type, &d, is) == 0) {
		if (human_to_amount(json_string_value(v), json_string_length(v),
		    d, amount, sizeof(amount), &why) == -1)
			api_issue(is, "humanAmount", why);
		else if (json_object_set_new(b, "amount",
		    json_string(amount)) == -1)
			fatalx("json_object_set_new");
	}
	json_object_del(b, "humanAmount");
}

/* 1 if s is 1 to max letters and digits. */
static int
alnum(const char *s, size_t len, size_t max)
{
	size_t	i;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z')))
			return 0;
	return 1;
}

/*
 * A CAIP-19 fungible token: "eip155:<chain id>/erc20:<address>" or
 * "solana:<genesis hash prefix>/token:<mint>".  The address in addr,
 * its chain in *chain (KS_CHAIN_*), the EVM chain id in *chain_id.
 */
static const char *
asset_parse(const char *s, char *addr, size_t alen, uint32_t *chain,
    unsigned long long *chain_id)
{
	const char	*ref, *asset, *a;
	char		*end;
	size_t		 len = strlen(s);

	if (len > ASSET_MAX || (ref = strchr(s, ':')) == NULL ||
	    (asset = strchr(ref, '/')) == NULL ||
	    (a = strchr(asset, ':')) == NULL)
		return "a CAIP-19 asset id: eip155:<chain id>/erc20:<address> "
		    "or solana:<chain>/token:<mint>";
	a++;
	if (strncmp(s, "eip155:", 7) == 0 &&
	    strncmp(asset, "/erc20:", 7) == 0) {
		*chain = KS_CHAIN_ETHEREUM;
		*chain_id = strtoull(ref + 1, &end, 10);
		if (end != asset || end == ref + 1 || ref[1] == '0')
			return "eip155: the chain id is a decimal number";
		if (strlen(a) != 42 || a[0] != '0' || a[1] != 'x' ||
		    !alnum(a + 2, 40, 40))
			return "erc20: the address is 0x and 40 hex digits";
	} else if (strncmp(s, "solana:", 7) == 0 &&
	    strncmp(asset, "/token:", 7) == 0) {
		*chain = KS_CHAIN_SOLANA;
		*chain_id = 0;
		if (!alnum(ref + 1, (size_t)(asset - ref - 1), 32) ||
		    !alnum(a, strlen(a), 44))
			return "token: the mint is a base58 address";
	} else
		return "only eip155 erc20 and solana token assets are "
		    "supported";
	if (strlcpy(addr, a, alen) >= alen)
		return "the address is too long";
	return NULL;
}

static void
asset_id(json_t *b, struct api_issues *is)
{
	const struct network	*n;
	unsigned long long	 chain_id;
	json_t			*t = json_object_get(b, "token"), *v, *have;
	const char		*why, *net;
	char			 addr[64];
	uint32_t		 chain;

	if (!json_is_object(t) || (v = json_object_get(t, "assetId")) ==
	    NULL)
		return;
	if (!json_is_string(v) || json_string_length(v) !=
	    strlen(json_string_value(v)))
		why = "a string";
	else
		why = asset_parse(json_string_value(v), addr, sizeof(addr),
		    &chain, &chain_id);
	net = json_string_value(json_object_get(b, "network"));
	if (why == NULL && net != NULL && (n = net_find(net)) != NULL &&
	    (n->chain != chain || (chain == KS_CHAIN_ETHEREUM &&
	    n->chain_id != chain_id)))
		why = "its chain is not the network's";
	have = json_object_get(t, "address");
	if (why == NULL && have != NULL && (!json_is_string(have) ||
	    strcasecmp(json_string_value(have), addr) != 0))
		why = "names another address than token.address";
	if (why != NULL)
		api_issue(is, "token.assetId", why);
	else if (have == NULL && json_object_set_new(t, "address",
	    json_string(addr)) == -1)
		fatalx("json_object_set_new");
	json_object_del(t, "assetId");
}

/* Before the shape check of a send or simulate body (api_tx_send). */
void
api_tx_reference_fields(json_t *b, struct api_issues *is)
{
	json_t		*t = json_object_get(b, "type");
	const char	*type = json_is_string(t) ? json_string_value(t) :
			    "TRANSFER";
	size_t		 i;

	for (i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		api_unsupported(b, is, absent[i].key, absent[i].why);
	human_amount(b, type, is);
	asset_id(b, is);
}
