/*
 * The two send types that are calls of a known shape: NFT_TRANSFER (an
 * ERC-721 or ERC-1155 safeTransferFrom on the collection's contract,
 * from the wallet) and CONTRACT_DEPLOY (a creation: no to, the init code
 * and the constructor's arguments as data).  Called from spec_parse
 * (tx_spec.c) with the request as the api shaped it; everything is
 * checked again here, for the wallet's chain.
 */

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "abi.h"
#include "evm.h"
#include "log.h"
#include "policyd.h"
#include "tx.h"

#define EVM_ADDR_WANT	"an EVM address (0x and 40 hex digits, EIP-55 if " \
	"mixed case)"

/*
 * safeTransferFrom(from, to, id) of ERC-721 or
 * safeTransferFrom(from, to, id, amount, "") of ERC-1155: 100 or 196
 * bytes of calldata.
 */
static void
nft_call(struct txspec *s, const uint8_t from[20], const uint8_t to[20],
    const uint8_t id[32], const uint8_t amount[32])
{
	size_t	n = s->nft == NFT_ERC721 ? 4 + 3 * 32 : 4 + 6 * 32;

	if ((s->data = calloc(1, n)) == NULL)
		fatal("calloc");
	s->datalen = n;
	abi_selector(s->nft == NFT_ERC721 ?
	    "safeTransferFrom(address,address,uint256)" :
	    "safeTransferFrom(address,address,uint256,uint256,bytes)",
	    s->data);
	abi_word_address(s->data + 4, from);
	abi_word_address(s->data + 36, to);
	memcpy(s->data + 68, id, 32);
	if (s->nft == NFT_ERC721)
		return;
	memcpy(s->data + 100, amount, 32);
	s->data[132 + 31] = 5 * 32;	/* the bytes' offset; length 0 */
}

/* NFT_TRANSFER {to, token: {address, tokenId, standard}, amount?} */
void
spec_nft(json_t *req, struct txspec *s, json_t *issues)
{
	json_t		*tok = json_object_get(req, "token");
	const char	*v, *std = str(tok, "standard");
	uint8_t		 from[20], to[20], id[32], amount[32];
	int		 bad = 0;

	if (s->chain != KS_CHAIN_ETHEREUM) {
		issue(issues, "token.standard", std != NULL &&
		    strcmp(std, "METAPLEX") == 0 ? "METAPLEX transfers are "
		    "not supported here: only ERC-721 and ERC-1155 on EVM "
		    "networks" : "NFT transfers are for EVM wallets "
		    "(ERC-721, ERC-1155)");
		return;
	}
	if (std != NULL && strcmp(std, "ERC-721") == 0)
		s->nft = NFT_ERC721;
	else if (std != NULL && strcmp(std, "ERC-1155") == 0)
		s->nft = NFT_ERC1155;
	else {
		issue(issues, "token.standard", "ERC-721 or ERC-1155 on an EVM "
		    "network");
		bad = 1;
	}
	if ((v = str(tok, "address")) == NULL || parse_addr(s->chain, v,
	    s->mint_text, s->mint) == -1) {
		issue(issues, "token.address", EVM_ADDR_WANT);
		bad = 1;
	}
	if ((v = str(tok, "tokenId")) == NULL || dec_u256(v, id) == -1) {
		issue(issues, "token.tokenId", "a decimal integer string, at "
		    "most 2^256-1, without leading zeros");
		bad = 1;
	}
	if ((v = str(req, "to")) == NULL || parse_addr(s->chain, v, s->rcpt,
	    to) == -1) {
		issue(issues, "to", EVM_ADDR_WANT);
		bad = 1;
	}
	v = str(req, "amount");
	if (v == NULL)
		u256_u64(amount, 1);
	else if (dec_u256(v, amount) == -1 || is_zero(amount, 32)) {
		issue(issues, "amount", "an integer string of at least 1 "
		    "(how many of the token id)");
		bad = 1;
	}
	if (!bad && s->nft == NFT_ERC721 && (!is_zero(amount, 31) ||
	    amount[31] != 1)) {
		issue(issues, "amount", "an ERC-721 token is one of a kind: 1, "
		    "or leave it out");
		bad = 1;
	}
	if (evm_address_parse(s->from, strlen(s->from), from) == -1) {
		issue(issues, "walletId", "the wallet's address is not an "
		    "EVM address");
		bad = 1;
	}
	if (bad)
		return;
	/* the transaction goes to the collection's contract, value 0 */
	strlcpy(s->to, s->mint_text, sizeof(s->to));
	memcpy(s->to20, s->mint, 20);
	nft_call(s, from, to, id, amount);
}

/* Hex digits, with or without 0x: their byte count, or -1. */
static long
hex_len(const char *v)
{
	size_t	n;

	if (v == NULL)
		return -1;
	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
		v += 2;
	n = strlen(v);
	if (n % 2 != 0 || strspn(v, "0123456789abcdefABCDEF") != n)
		return -1;
	return (long)(n / 2);
}

static void
hex_put(const char *v, uint8_t *out, size_t n)
{
	size_t	got = 0;

	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
		v += 2;
	if (sodium_hex2bin(out, n, v, 2 * n, NULL, &got, NULL) != 0 ||
	    got != n)
		fatalx("hex_put");
}

/* CONTRACT_DEPLOY {bytecode, constructorArgs?, value?} */
void
spec_deploy(json_t *req, struct txspec *s, json_t *issues)
{
	const char	*code = str(req, "bytecode");
	const char	*args = str(req, "constructorArgs"), *v;
	long		 nc, na = 0;
	char		 msg[120];

	if (s->chain != KS_CHAIN_ETHEREUM) {
		issue(issues, "type", "CONTRACT_DEPLOY is for EVM wallets");
		return;
	}
	if ((v = str(req, "value")) != NULL && dec_u256(v, s->value) == -1)
		issue(issues, "value", "an integer string in wei, at most "
		    "2^256-1");
	if ((nc = hex_len(code)) <= 0) {
		issue(issues, "bytecode", "the contract's creation code: hex "
		    "digits (0x optional), an even number of them, not none");
		return;
	}
	if (args != NULL && (na = hex_len(args)) < 0) {
		issue(issues, "constructorArgs", "the ABI-encoded constructor "
		    "arguments: hex digits (0x optional), an even number");
		return;
	}
	if (nc + na > INITCODE_MAX) {
		snprintf(msg, sizeof(msg), "bytecode and constructorArgs are "
		    "%ld bytes; a creation takes at most %d (EIP-3860)",
		    nc + na, INITCODE_MAX);
		issue(issues, "bytecode", msg);
		return;
	}
	if (json_array_size(issues) > 0)
		return;
	s->create = 1;
	s->datalen = (size_t)(nc + na);
	if ((s->data = malloc(s->datalen)) == NULL)
		fatal("malloc");
	hex_put(code, s->data, (size_t)nc);
	if (na > 0)
		hex_put(args, s->data + nc, (size_t)na);
	/* to and rcpt stay "": the address is known once the nonce is */
}

/*
 * "{contract}:{tokenId}", the ':' as it is or as %3A: the contract's
 * checksummed address and the id as a decimal without leading zeros.
 * 0, or -1 with why.
 */
int
nft_ident_parse(int chain, const char *s, char contract[CHAIN_ADDR_MAX + 1],
    char id[CQ_TOKEN_ID_MAX + 1], const char **why)
{
	char		 buf[API_PARAM_MAX + 1], *sep;
	uint8_t		 b[32];
	size_t		 i, o = 0;

	*why = "contractAddress:tokenId, e.g. 0xBC4C...f13D:42 (tokenId a "
	    "decimal integer)";
	for (i = 0; s[i] != '\0' && o + 1 < sizeof(buf); i++) {
		if (s[i] == '%' && s[i + 1] == '3' && (s[i + 2] == 'A' ||
		    s[i + 2] == 'a')) {
			buf[o++] = ':';
			i += 2;
		} else
			buf[o++] = s[i];
	}
	buf[o] = '\0';
	if ((sep = strrchr(buf, ':')) == NULL)
		return -1;
	*sep++ = '\0';
	if (parse_addr(chain, buf, contract, b) == -1)
		return -1;
	if (strlen(sep) > CQ_TOKEN_ID_MAX || dec_u256(sep, b) == -1)
		return -1;
	strlcpy(id, sep, CQ_TOKEN_ID_MAX + 1);
	return 0;
}
