/*
 * GET /v1/wallet/nfts/{contract}:{tokenId}, the chain's part: what a node
 * can say of one NFT without an indexer.  Six eth_calls at once on the
 * collection's contract: supportsInterface (ERC-165) for ERC-721 and
 * ERC-1155, ownerOf(id), balanceOf(wallet, id), tokenURI(id) and uri(id).
 * The standard decides which answers count; the wallet must hold the
 * token (NFT_NOT_FOUND otherwise).  The metadata the URI points to is not
 * fetched: that would be a request to a URL a contract chose.  Every
 * answer is bounded (the URI by abi_text_decode).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "abi_text.h"
#include "chain.h"
#include "chain_evm.h"
#include "evm.h"
#include "log.h"
#include "util.h"

#define NFT_URI_MAX	2048		/* characters of a token URI */
#define NFT_ABI_MAX	(16 * 1024)	/* bytes of a URI's answer */

#define NC_IS721	0
#define NC_IS1155	1
#define NC_OWNER	2
#define NC_BALANCE	3
#define NC_TOKENURI	4
#define NC_URI		5
#define NC_N		6

struct nft;

struct ncall {
	struct nft	*r;
	int		 what;		/* NC_* */
	int		 done;		/* answered without error */
	int		 reverted;	/* the call reverted */
	uint8_t		*d;
	size_t		 len;
};

struct nft {
	void			*req;
	struct chain_net	*n;
	char			 contract[43];
	char			 wallet[43];
	uint8_t			 wallet20[20];
	uint8_t			 id[32];
	char			 id_dec[CQ_TOKEN_ID_MAX + 1];
	int			 pending;
	int			 status;	/* 0, or the HTTP error */
	const char		*code;
	char			 msg[CHAIN_MSG_MAX];
	struct ncall		 c[NC_N];
};

static void __attribute__((format(printf, 4, 5)))
nft_fail(struct nft *r, int status, const char *code, const char *fmt, ...)
{
	va_list	ap;
	size_t	i;

	if (r->status != 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	for (i = 0; r->msg[i] != '\0'; i++)
		if (r->msg[i] < 0x20 || r->msg[i] > 0x7e)
			r->msg[i] = '?';
	r->status = status;
	r->code = code;
}

static void
nft_free(struct nft *r)
{
	int	k;

	for (k = 0; k < NC_N; k++)
		free(r->c[k].d);
	free(r);
}

static int
zeros(const uint8_t *b, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* supportsInterface answered true: one word, 1. */
static int
says_yes(const struct ncall *c)
{
	return c->done && c->len == 32 && zeros(c->d, 31) &&
	    c->d[31] == 1;
}

/*
 * ERC-1155's URI may hold "{id}": the id as 64 lowercase hex digits.
 * The URI as decoded, with every "{id}" replaced, into out.
 */
static void
uri_id(const char *in, const uint8_t id[32], char *out, size_t outsz)
{
	static const char	hex[] = "0123456789abcdef";
	char			idhex[65];
	size_t			i, o = 0;

	for (i = 0; i < 32; i++) {
		idhex[2 * i] = hex[id[i] >> 4];
		idhex[2 * i + 1] = hex[id[i] & 0xf];
	}
	idhex[64] = '\0';
	for (i = 0; in[i] != '\0' && o + 1 < outsz; ) {
		if (strncmp(in + i, "{id}", 4) == 0 && o + 64 < outsz) {
			memcpy(out + o, idhex, 64);
			o += 64;
			i += 4;
		} else
			out[o++] = in[i++];
	}
	out[o] = '\0';
}

/* The answer once every call is back, or NULL after nft_fail. */
static json_t *
nft_body(struct nft *r)
{
	struct ncall	*u;
	json_t		*body;
	uint8_t		 owner[20];
	char		 amount[80], uri[NFT_URI_MAX * 4 + 1];
	char		 full[NFT_URI_MAX * 4 + 1], asset[200], owner_text[43];
	int		 erc721;

	if (says_yes(&r->c[NC_IS721]))
		erc721 = 1;
	else if (says_yes(&r->c[NC_IS1155]))
		erc721 = 0;
	else {
		nft_fail(r, 400, "UNSUPPORTED_NFT_STANDARD", "%s on %s does "
		    "not say ERC-721 or ERC-1155 (supportsInterface, "
		    "ERC-165): not an NFT contract this daemon reads",
		    r->contract, r->n->net.name);
		return NULL;
	}
	if (erc721) {
		u = &r->c[NC_OWNER];
		if (!u->done || u->len != 32 || !zeros(u->d, 12)) {
			nft_fail(r, 404, "NFT_NOT_FOUND", "token %s of %s: "
			    "ownerOf has no owner for it (no such token)",
			    r->id_dec, r->contract);
			return NULL;
		}
		memcpy(owner, u->d + 12, 20);
		if (memcmp(owner, r->wallet20, 20) != 0) {
			evm_address_checksum(owner, owner_text);
			nft_fail(r, 404, "NFT_NOT_FOUND", "token %s of %s is "
			    "held by %s, not by this wallet", r->id_dec,
			    r->contract, owner_text);
			return NULL;
		}
		strlcpy(amount, "1", sizeof(amount));
		u = &r->c[NC_TOKENURI];
	} else {
		u = &r->c[NC_BALANCE];
		if (!u->done || u->len != 32) {
			nft_fail(r, 502, "CHAIN_ERROR", "balanceOf(wallet, %s) "
			    "of %s gave no answer", r->id_dec, r->contract);
			return NULL;
		}
		if (zeros(u->d, 32)) {
			nft_fail(r, 404, "NFT_NOT_FOUND", "this wallet holds "
			    "none of token %s of %s", r->id_dec, r->contract);
			return NULL;
		}
		u256_dec(u->d, amount);
		u = &r->c[NC_URI];
	}
	uri[0] = full[0] = '\0';
	if (u->done && abi_text_decode(u->d, u->len, uri, sizeof(uri),
	    NFT_URI_MAX) == ABI_TEXT_OK) {
		if (erc721)
			strlcpy(full, uri, sizeof(full));
		else
			uri_id(uri, r->id, full, sizeof(full));
	}
	snprintf(asset, sizeof(asset), "eip155:%llu/%s:%s",
	    (unsigned long long)r->n->net.chain_id, erc721 ? "erc721" :
	    "erc1155", r->contract);
	body = json_pack("{s:s,s:s,s:s,s:s,s:[],s:s,s:n}", "tokenId",
	    r->id_dec, "contractAddress", r->contract, "standard", erc721 ?
	    "ERC-721" : "ERC-1155", "amount", amount, "attributes",
	    "assetId", asset, "rawMetadata");
	if (body != NULL && full[0] != '\0')
		json_object_set_new(body, "tokenUri", json_string(full));
	return body;
}

static void
nft_unref(struct nft *r)
{
	json_t	*body = NULL;

	if (--r->pending > 0)
		return;
	if (r->status == 0)
		body = nft_body(r);
	if (r->status == 0)
		chain_query_done(r->req, 200, NULL, NULL, body);
	else
		chain_query_done(r->req, r->status, r->code, r->msg, NULL);
	nft_free(r);
}

static void
nft_cb(json_t *res, const struct rpc_error *e, void *arg)
{
	struct ncall	*c = arg;
	struct nft	*r = c->r;

	if (e != NULL && evm_is_revert(e))
		c->reverted = 1;	/* not this standard, or no such id */
	else if (e != NULL)
		nft_fail(r, 502, "CHAIN_ERROR", "eth_call on %s: %s",
		    r->n->net.name, e->message);
	else if (e == NULL && evm_data_parse(res, NFT_ABI_MAX, &c->d,
	    &c->len) == 0)
		c->done = 1;
	nft_unref(r);
}

/* eth_call data: a selector and up to two words, as "0x" hex. */
static json_t *
call_params(const char *contract, const char *sel, const uint8_t *w1,
    const uint8_t *w2)
{
	uint8_t	d[4 + 64];
	size_t	n = 4;
	char	*hex;
	json_t	*p;
	int	 i;

	for (i = 0; i < 4; i++)
		d[i] = (uint8_t)(hex_digit(sel[2 + 2 * i]) << 4 |
		    hex_digit(sel[3 + 2 * i]));
	if (w1 != NULL) {
		memcpy(d + n, w1, 32);
		n += 32;
	}
	if (w2 != NULL) {
		memcpy(d + n, w2, 32);
		n += 32;
	}
	if ((hex = evm_hex_data(d, n)) == NULL)
		return NULL;
	p = json_pack("[{s:s,s:s},s]", "to", contract, "data", hex, "latest");
	free(hex);
	return p;
}

static void
nft_ready(void *arg, int st, int retryable, const char *msg)
{
	struct nft	*r = arg;
	uint8_t		 i721[32], i1155[32], who[32];
	int		 k;

	(void)retryable;
	if (st != NC_OK) {
		nft_fail(r, st == NC_NOURL ? 503 : 502, "CHAIN_ERROR", "%s",
		    msg);
		nft_unref(r);
		return;
	}
	/* an interface id is the word's first 4 bytes */
	memset(i721, 0, 32);
	memcpy(i721, "\x80\xac\x58\xcd", 4);
	memset(i1155, 0, 32);
	memcpy(i1155, "\xd9\xb6\x7a\x26", 4);
	memset(who, 0, 12);
	memcpy(who + 12, r->wallet20, 20);
	r->pending = NC_N + 1;
	for (k = 0; k < NC_N; k++) {
		r->c[k].r = r;
		r->c[k].what = k;
	}
	evm_call(r->n, "eth_call", call_params(r->contract, "0x01ffc9a7",
	    i721, NULL), 0, nft_cb, &r->c[NC_IS721]);
	evm_call(r->n, "eth_call", call_params(r->contract, "0x01ffc9a7",
	    i1155, NULL), 0, nft_cb, &r->c[NC_IS1155]);
	evm_call(r->n, "eth_call", call_params(r->contract, "0x6352211e",
	    r->id, NULL), 0, nft_cb, &r->c[NC_OWNER]);
	evm_call(r->n, "eth_call", call_params(r->contract, "0x00fdd58e",
	    who, r->id), 0, nft_cb, &r->c[NC_BALANCE]);
	evm_call(r->n, "eth_call", call_params(r->contract, "0xc87b56dd",
	    r->id, NULL), 0, nft_cb, &r->c[NC_TOKENURI]);
	evm_call(r->n, "eth_call", call_params(r->contract, "0x0e89341c",
	    r->id, NULL), 0, nft_cb, &r->c[NC_URI]);
	nft_unref(r);
}

void
nft_read(void *req, struct chain_net *n, const struct chain_query *q)
{
	struct nft	*r;
	uint8_t		 b[20];
	size_t		 i, len;
	int		 carry, j;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		chain_query_done(req, 503, "CHAIN_ERROR", "out of memory",
		    NULL);
		return;
	}
	r->req = req;
	r->n = n;
	r->pending = 1;
	/* policyd checked both addresses and the id; bad ones are its bug */
	len = strnlen(q->token, sizeof(q->token));
	if (evm_address_parse(q->token, len, b) == -1)
		fatalx("CQ_NFT: not an EVM contract address");
	evm_address_checksum(b, r->contract);
	len = strnlen(q->address, sizeof(q->address));
	if (evm_address_parse(q->address, len, r->wallet20) == -1)
		fatalx("CQ_NFT: not an EVM wallet address");
	evm_address_checksum(r->wallet20, r->wallet);
	strlcpy(r->id_dec, q->token_id, sizeof(r->id_dec));
	for (i = 0; r->id_dec[i] != '\0'; i++) {
		carry = r->id_dec[i] - '0';
		for (j = 31; j >= 0; j--) {
			carry += r->id[j] * 10;
			r->id[j] = (uint8_t)(carry & 0xff);
			carry >>= 8;
		}
		if (carry != 0)
			fatalx("CQ_NFT: token id above 2^256 - 1");
	}
	evm_net_ready(n, nft_ready, r);
}
