/*
 * libFuzzer target for policyd's request decoder (policyd/tx_spec.c):
 * the JSON body of a send, as a compromised api could hand it to policyd,
 * through req_forms() and spec_parse() for an EVM and a Solana wallet;
 * and a "tokenIdentifier" string through nft_ident_parse() (tx_nft.c).
 * Either it is refused with issues, or the decoded spec holds to its
 * bounds: a known type, calldata within its length (an NFT transfer's
 * exactly a safeTransferFrom's, a creation's init code within EIP-3860's
 * bound and no to), Solana accounts within SIGN_SOL_MAX_ACCTS, a
 * recipient that is a string of its size; a BATCH holds 2 to 20 decoded
 * instructions.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "network.h"
#include "txbatch.h"
#include "policyd.h"
#include "tx.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define BODY_MAX	65536	/* the api's API_BODY_MAX order */

static void
one(json_t *body, int chain, const char *network, const char *from)
{
	const struct network	*net = net_find(network);
	struct txspec		 s;
	json_t			*req, *issues;

	if (net == NULL)
		abort();
	if ((req = json_deep_copy(body)) == NULL ||
	    (issues = json_array()) == NULL)
		abort();
	memset(&s, 0, sizeof(s));
	req_forms(req, chain, net, issues);
	if (json_array_size(issues) == 0 && spec_parse(req, chain,
	    net_index(net), from, &s, issues) == 0) {
		if (s.type < T_TRANSFER || s.type > T_MAX ||
		    s.type == PE_MESSAGE ||
		    (s.type == T_BATCH) != (s.nitems >= BATCH_MIN) ||
		    s.nitems > BATCH_MAX ||
		    (s.type == T_NFT && s.datalen != 100 &&
		    s.datalen != 196) ||
		    (s.create && (s.type != T_DEPLOY || s.datalen == 0 ||
		    s.datalen > INITCODE_MAX || s.to[0] != '\0')) ||
		    s.naccts > SIGN_SOL_MAX_ACCTS ||
		    (s.datalen > 0 && s.data == NULL) ||
		    memchr(s.rcpt, '\0', sizeof(s.rcpt)) == NULL ||
		    memchr(s.to, '\0', sizeof(s.to)) == NULL)
			abort();
	} else if (json_array_size(issues) == 0)
		abort();		/* refused, but said nothing */
	spec_free(&s);
	json_decref(issues);
	json_decref(req);
}

/*
 * An NFT read's path parameter (policyd_nft.c): bounded as the api bounds
 * it; parsed, it is an address and a decimal of at most 78 digits.
 */
static void
ident(const char *s)
{
	char		 c[CHAIN_ADDR_MAX + 1], id[CQ_TOKEN_ID_MAX + 1];
	const char	*why;

	if (s == NULL || strlen(s) > API_PARAM_MAX)
		return;
	memset(c, 'x', sizeof(c));
	memset(id, 'x', sizeof(id));
	if (nft_ident_parse(KS_CHAIN_ETHEREUM, s, c, id, &why) == 0 &&
	    (memchr(c, '\0', sizeof(c)) == NULL || strlen(c) != 42 ||
	    memchr(id, '\0', sizeof(id)) == NULL || id[0] == '\0' ||
	    strspn(id, "0123456789") != strlen(id)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 init;
	json_t		*body;
	size_t		 i;

	if (!init) {
		for (i = 0; i < net_nbuiltin; i++)
			if (net_add(&net_builtin[i]) == -1)
				abort();
		init = 1;
	}
	if (size > BODY_MAX)
		return 0;
	body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    NULL);
	if (body == NULL || !json_is_object(body)) {
		json_decref(body);
		return 0;
	}
	ident(json_string_value(json_object_get(body, "tokenIdentifier")));
	one(body, KS_CHAIN_ETHEREUM, "ethereum-sepolia",
	    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
	one(body, KS_CHAIN_SOLANA, "devnet",
	    "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM");
	json_decref(body);
	return 0;
}
