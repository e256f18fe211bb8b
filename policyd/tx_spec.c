/*
 * A transaction request decoded: 256-bit amounts, addresses, and the
 * typed txspec the rest of the pipeline works from (tx.h).
 */

#include <ctype.h>
#include <string.h>

#include <sodium.h>

#include "abi.h"
#include "base58.h"
#include "evm.h"
#include "log.h"
#include "policy_rules.h"
#include "policyd.h"
#include "solana.h"
#include "txbatch.h"
#include "txinput.h"
#include "tx.h"

const char *const type_names[] = {
	NULL, "TRANSFER", "TOKEN_TRANSFER", "CONTRACT_CALL", "APPROVE",
	NULL /* PE_MESSAGE */, "NFT_TRANSFER", "CONTRACT_DEPLOY", "BATCH"
};

/* ---- numbers and addresses ---- */

/* A decimal string into 32 big-endian bytes; -1 if not one or too big. */
int
dec_u256(const char *s, uint8_t out[32])
{
	size_t	i, n = strlen(s);
	int	j, carry;

	memset(out, 0, 32);
	if (n == 0 || n > 78 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		carry = s[i] - '0';
		for (j = 31; j >= 0; j--) {
			carry += out[j] * 10;
			out[j] = (uint8_t)(carry & 0xff);
			carry >>= 8;
		}
		if (carry != 0)
			return -1;
	}
	return 0;
}

static int
dec_u64(const char *s, uint64_t *v)
{
	uint8_t	b[32];
	int	i;

	if (dec_u256(s, b) == -1)
		return -1;
	for (i = 0; i < 24; i++)
		if (b[i] != 0)
			return -1;
	*v = 0;
	for (i = 24; i < 32; i++)
		*v = (*v << 8) | b[i];
	return 0;
}

void
u256_u64(uint8_t out[32], uint64_t v)
{
	int	i;

	memset(out, 0, 32);
	for (i = 31; i >= 24; i--, v >>= 8)
		out[i] = (uint8_t)(v & 0xff);
}

/* out = a + b; -1 on overflow. */
int
u256_add(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
	int	i, c = 0;

	for (i = 31; i >= 0; i--) {
		c += a[i] + b[i];
		out[i] = (uint8_t)(c & 0xff);
		c >>= 8;
	}
	return c ? -1 : 0;
}

int
u256_cmp(const uint8_t a[32], const uint8_t b[32])
{
	return memcmp(a, b, 32);
}

/* out = a * m; -1 on overflow. */
int
u256_mul64(uint8_t out[32], const uint8_t a[32], uint64_t m)
{
	unsigned __int128	c = 0;
	int			i;

	for (i = 31; i >= 0; i--) {
		c += (unsigned __int128)a[i] * m;
		out[i] = (uint8_t)(c & 0xff);
		c >>= 8;
	}
	return c ? -1 : 0;
}

/* 32 big-endian bytes as a decimal string (at most 78 digits). */
void
u256_dec(const uint8_t a[32], char out[80])
{
	uint8_t	b[32];
	char	d[80];
	int	i, n = 0, r;

	memcpy(b, a, 32);
	do {
		for (r = 0, i = 0; i < 32; i++) {
			r = r * 256 + b[i];
			b[i] = (uint8_t)(r / 10);
			r %= 10;
		}
		d[n++] = (char)('0' + r);
	} while (!is_zero_bytes(b));
	for (i = 0; i < n; i++)
		out[i] = d[n - 1 - i];
	out[n] = '\0';
}

int
is_zero(const uint8_t *b, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* An address of the wallet's chain: canonical text and bytes, or -1. */
int
parse_addr(int chain, const char *s, char out[CHAIN_ADDR_MAX + 1],
    uint8_t *bytes)
{
	uint8_t	b[32];

	if (chain == KS_CHAIN_ETHEREUM) {
		if (evm_address_parse(s, strlen(s), b) == -1)
			return -1;
		evm_address_checksum(b, out);
		memcpy(bytes, b, 20);
		return 0;
	}
	if (base58_decode(s, strlen(s), b, sizeof(b)) != 32)
		return -1;
	strlcpy(out, s, CHAIN_ADDR_MAX + 1);
	memcpy(bytes, b, 32);
	return 0;
}

void
issue(json_t *issues, const char *path, const char *msg)
{
	if (json_array_append_new(issues, json_pack("{s:[s], s:s}", "path",
	    path, "message", msg)) == -1)
		fatalx("json issue");
}

/*
 * ERC-20 call data of sig(address,uint256): the selector of the
 * canonical signature, then the two words (chain/abi.h).
 */
static uint8_t *
erc20_call(const char *sig, const uint8_t addr[20], const uint8_t v[32])
{
	uint8_t	*d;

	if ((d = calloc(1, 68)) == NULL)
		fatal("calloc");
	abi_selector(sig, d);
	abi_word_address(d + 4, addr);
	memcpy(d + 36, v, 32);
	return d;
}

const char *
str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/*
 * A transfer's memo, as the bytes the chain will carry: a native EVM
 * transfer's calldata, or a Solana Memo instruction's data (the signer
 * adds the instruction).  Either way it is part of what is signed, of the
 * gas estimate and of the intent an owner approves (its calldata hash).
 * An ERC-20 transfer has no place for one: its calldata is the token's
 * transfer(to, amount), and bytes after it are either ignored (and then
 * no memo anyone reads) or refused by tokens that check the length.
 * Empty means none.
 */
static void
spec_memo(json_t *req, struct txspec *s, json_t *issues)
{
	json_t		*m = json_object_get(req, "memo");
	size_t		 n;
	char		 msg[80];

	if (m == NULL)
		return;
	snprintf(msg, sizeof(msg), "a string of at most %d bytes of UTF-8",
	    MEMO_MAX);
	if (!json_is_string(m) || (n = json_string_length(m)) > MEMO_MAX) {
		issue(issues, "memo", msg);
		return;
	}
	if (n == 0)
		return;
	if (s->type != T_TRANSFER && s->type != T_TOKEN) {
		issue(issues, "memo", "only a TRANSFER or TOKEN_TRANSFER "
		    "carries a memo");
		return;
	}
	if (s->type == T_TOKEN && s->chain == KS_CHAIN_ETHEREUM) {
		issue(issues, "memo", "an ERC-20 transfer cannot carry a "
		    "memo: its calldata is the token's transfer call; send "
		    "without memo");
		return;
	}
	if ((s->data = malloc(n)) == NULL)
		fatal("malloc");
	memcpy(s->data, json_string_value(m), n);
	s->datalen = n;
}

/*
 * The request (as the api shaped it) into a spec for the wallet's chain.
 * Issues go to issues; the return is the number of them.
 */
int
spec_parse(json_t *req, int chain, uint32_t net, const char *from,
    struct txspec *s, json_t *issues)
{
	const char	*type = str(req, "type"), *v;
	json_t		*tok, *a;
	uint8_t		 amount[32], addr[32], mint[32];
	char		 canon[CHAIN_ADDR_MAX + 1];
	size_t		 i, n;
	int		 evm = chain == KS_CHAIN_ETHEREUM;

	memset(s, 0, sizeof(*s));
	s->chain = chain;
	s->net = net;
	s->decimals = -1;
	strlcpy(s->from, from, sizeof(s->from));
	for (i = 1; i < nitems(type_names); i++)
		if (type != NULL && type_names[i] != NULL &&
		    strcmp(type, type_names[i]) == 0)
			s->type = (int)i;
	if (s->type == 0) {
		issue(issues, "type", "one of TRANSFER, TOKEN_TRANSFER, "
		    "CONTRACT_CALL, APPROVE, NFT_TRANSFER, CONTRACT_DEPLOY, "
		    "BATCH");
		return 1;
	}
	/* The amount: TRANSFER, TOKEN_TRANSFER, APPROVE. */
	memset(amount, 0, sizeof(amount));
	if (s->type == T_TRANSFER || s->type == T_TOKEN ||
	    s->type == T_APPROVE) {
		v = str(req, "amount");
		if (v == NULL || dec_u256(v, amount) == -1)
			issue(issues, "amount", "an integer string in the "
			    "smallest unit, at most 2^256-1");
		else if (is_zero(amount, 32) && s->type != T_APPROVE)
			issue(issues, "amount", "must be more than 0");
		else if (!evm && !is_zero(amount, 24))
			issue(issues, "amount", "at most 2^64-1 on Solana");
		else if (!evm)
			(void)dec_u64(v, &s->amount);
	}
	/* The token: an object with an address, or an address. */
	if (s->type == T_TOKEN || s->type == T_APPROVE) {
		tok = json_object_get(req, "token");
		v = json_is_string(tok) ? json_string_value(tok) :
		    str(tok, "address");
		if (v == NULL || parse_addr(chain, v, s->mint_text, mint) ==
		    -1)
			issue(issues, "token.address", evm ? "an EVM address "
			    "(0x and 40 hex digits, EIP-55 if mixed case)" :
			    "a base58 Solana mint address");
		else
			memcpy(s->mint, mint, 32);
		if (json_is_object(tok) && json_object_get(tok, "decimals") !=
		    NULL)
			s->decimals = (int)json_integer_value(
			    json_object_get(tok, "decimals"));
	}
	if ((tok = json_object_get(req, "gasCondition")) != NULL) {
		/* the api checked its shape */
		if (!evm)
			issue(issues, "gasCondition", "for EVM networks only: "
			    "a Solana fee does not follow a gas price");
		s->gas_cond = 1;
		s->gas_timeout = json_is_integer(json_object_get(tok,
		    "timeout")) ? json_integer_value(json_object_get(tok,
		    "timeout")) : GAS_TIMEOUT_DEFAULT;
		if ((v = str(tok, "maxGasPrice")) != NULL) {
			s->has_gas_max = 1;
			if (dec_u256(v, s->gas_max) == -1)
				issue(issues, "gasCondition.maxGasPrice", "an "
				    "integer string in wei, at most 2^256-1");
		}
		if ((v = str(tok, "maxPriorityFee")) != NULL) {
			s->has_prio_max = 1;
			if (dec_u256(v, s->prio_max) == -1)
				issue(issues, "gasCondition.maxPriorityFee",
				    "an integer string in wei, at most "
				    "2^256-1");
		}
	}
	/* a BATCH's gasCondition holds for each of its instructions */
	if (s->type == T_BATCH)
		return batch_parse(req, chain, net, from, s, issues);

	switch (s->type) {
	case T_NFT:
		spec_nft(req, s, issues);
		break;
	case T_DEPLOY:
		spec_deploy(req, s, issues);
		break;
	case T_TRANSFER:
	case T_TOKEN:
		if ((v = str(req, "to")) == NULL || parse_addr(chain, v, canon,
		    addr) == -1) {
			issue(issues, "to", evm ? "an EVM address (0x and 40 "
			    "hex digits, EIP-55 if mixed case)" :
			    "a base58 Solana address");
			break;
		}
		strlcpy(s->rcpt, canon, sizeof(s->rcpt));
		if (evm && s->type == T_TRANSFER) {
			strlcpy(s->to, canon, sizeof(s->to));
			memcpy(s->to20, addr, 20);
			memcpy(s->value, amount, 32);
		} else if (evm) {
			/* transfer(address,uint256) on the token */
			strlcpy(s->to, s->mint_text, sizeof(s->to));
			memcpy(s->to20, s->mint, 20);
			s->data = erc20_call("transfer(address,uint256)", addr,
			    amount);
			s->datalen = 68;
		} else {
			strlcpy(s->to, canon, sizeof(s->to));
			memcpy(s->sol_to, addr, 32);
			s->sol_kind = s->type == T_TRANSFER ?
			    SIGN_SOL_TRANSFER : SIGN_SOL_TOKEN;
		}
		break;
	case T_APPROVE:
		if (!evm) {
			issue(issues, "type", "APPROVE is for EVM wallets; "
			    "SPL delegation is not supported");
			break;
		}
		if ((v = str(req, "spender")) == NULL || parse_addr(chain, v,
		    canon, addr) == -1) {
			issue(issues, "spender", "an EVM address (0x and 40 "
			    "hex digits, EIP-55 if mixed case)");
			break;
		}
		/* approve(address,uint256) on the token */
		strlcpy(s->rcpt, canon, sizeof(s->rcpt));
		strlcpy(s->to, s->mint_text, sizeof(s->to));
		memcpy(s->to20, s->mint, 20);
		s->data = erc20_call("approve(address,uint256)", addr, amount);
		s->datalen = 68;
		break;
	case T_CALL:
		if (evm) {
			if (json_object_get(req, "programId") != NULL ||
			    json_object_get(req, "accounts") != NULL ||
			    json_object_get(req, "instructionData") != NULL)
				issue(issues, "programId", "Solana fields on "
				    "an EVM wallet");
			if ((v = str(req, "to")) == NULL || parse_addr(chain,
			    v, s->to, s->to20) == -1)
				issue(issues, "to", "an EVM address (0x and 40 "
				    "hex digits, EIP-55 if mixed case)");
			if ((v = str(req, "value")) != NULL &&
			    dec_u256(v, s->value) == -1)
				issue(issues, "value", "an integer string in "
				    "wei, at most 2^256-1");
			v = str(req, "calldata");
			if (v != NULL && (strncmp(v, "0x", 2) != 0 ||
			    strlen(v) % 2 != 0 || strlen(v) - 2 >
			    2 * SIGN_DATA_MAX)) {
				issue(issues, "calldata", "0x and an even "
				    "number of hex digits, at most 128 KiB");
				break;
			}
			if (v != NULL && strlen(v) > 2) {
				n = (strlen(v) - 2) / 2;
				if ((s->data = malloc(n)) == NULL)
					fatal("malloc");
				if (sodium_hex2bin(s->data, n, v + 2,
				    strlen(v) - 2, NULL, &s->datalen, NULL) !=
				    0 || s->datalen != n)
					issue(issues, "calldata", "hex digits "
					    "only");
			}
			break;
		}
		if (json_object_get(req, "to") != NULL ||
		    json_object_get(req, "calldata") != NULL ||
		    json_object_get(req, "value") != NULL)
			issue(issues, "to", "EVM fields on a Solana wallet");
		s->sol_kind = SIGN_SOL_CALL;
		if ((v = str(req, "programId")) == NULL ||
		    parse_addr(chain, v, s->to, s->sol_to) == -1)
			issue(issues, "programId", "a base58 Solana program "
			    "id");
		if ((v = str(req, "instructionData")) != NULL) {
			if ((s->data = malloc(SOL_MAX_IX_DATA)) == NULL)
				fatal("malloc");
			if (sodium_base642bin(s->data, SOL_MAX_IX_DATA, v,
			    strlen(v), NULL, &s->datalen, NULL,
			    sodium_base64_VARIANT_ORIGINAL) != 0)
				issue(issues, "instructionData", "base64 of at "
				    "most 1232 bytes");
		}
		a = json_object_get(req, "accounts");
		if (json_array_size(a) > SIGN_SOL_MAX_ACCTS)
			issue(issues, "accounts", "at most 32 accounts");
		json_array_foreach(a, i, tok) {
			if (i >= SIGN_SOL_MAX_ACCTS)
				break;
			if ((v = str(tok, "pubkey")) == NULL ||
			    base58_decode(v, strlen(v), s->accts[i].pubkey,
			    32) != 32) {
				issue(issues, "accounts", "pubkey: a base58 "
				    "Solana address");
				break;
			}
			s->accts[i].is_signer = json_is_true(
			    json_object_get(tok, "isSigner"));
			s->accts[i].is_writable = json_is_true(
			    json_object_get(tok, "isWritable"));
			if (s->accts[i].is_signer && strcmp(str(tok,
			    "pubkey"), from) != 0) {
				issue(issues, "accounts", "only the wallet "
				    "itself can sign");
				break;
			}
			s->naccts = (uint32_t)i + 1;
		}
		break;
	}
	if (s->type == T_CALL)
		strlcpy(s->rcpt, s->to, sizeof(s->rcpt));
	spec_memo(req, s, issues);
	return (int)json_array_size(issues);
}

/*
 * The reference's other ways to say an amount and a token, into the
 * fields spec_parse reads: humanAmount into amount (base units, with the
 * network's decimals for the native coin, token.decimals for a token),
 * token.assetId (CAIP-19) checked against the network and token.address
 * (or giving it).  Done once, before the request is stored: what the
 * policies judge and what is stored is the base-unit amount.  Issues go
 * to issues.
 */
void
req_forms(json_t *req, int chain, const struct network *net, json_t *issues)
{
	json_t		*tok = json_object_get(req, "token"), *d;
	const char	*type = str(req, "type"), *v, *why, *want;
	struct caip19	 id;
	char		 out[BASE_AMOUNT_MAX + 1], ref[24];
	char		 a[CHAIN_ADDR_MAX + 1], b[CHAIN_ADDR_MAX + 1];
	uint8_t		 ab[32], bb[32];
	int		 evm = chain == KS_CHAIN_ETHEREUM, dec;

	if (type == NULL || strcmp(type, "CONTRACT_CALL") == 0)
		return;
	if (strcmp(type, "BATCH") == 0) {
		batch_forms(req, chain, net, issues);
		return;
	}
	if ((v = str(tok, "assetId")) != NULL) {
		if (evm)
			snprintf(ref, sizeof(ref), "%llu",
			    (unsigned long long)net->chain_id);
		want = evm ? ref : caip_solana_ref(net->name);
		if (caip19_parse(v, strlen(v), &id, &why) == -1)
			issue(issues, "token.assetId", why);
		else if (want == NULL)
			issue(issues, "token.assetId", "this network has no "
			    "CAIP-2 reference here: give token.address");
		else if (strcmp(id.ns, evm ? "eip155" : "solana") != 0 ||
		    strcmp(id.ref, want) != 0)
			issue(issues, "token.assetId", "names another chain "
			    "than the wallet's network");
		else if (strcmp(type, "NFT_TRANSFER") == 0 ? !evm ||
		    (strcmp(id.asset_ns, "erc721") != 0 &&
		    strcmp(id.asset_ns, "erc1155") != 0) :
		    strcmp(id.asset_ns, evm ? "erc20" : "token") != 0)
			issue(issues, "token.assetId", strcmp(type,
			    "NFT_TRANSFER") == 0 ? "an erc721 or erc1155 asset "
			    "on an EVM network" : evm ? "an erc20 asset on an "
			    "EVM network" : "a token asset on Solana");
		else if (strcmp(type, "NFT_TRANSFER") == 0 &&
		    (v = str(tok, "standard")) != NULL && strcmp(v,
		    strcmp(id.asset_ns, "erc721") == 0 ? "ERC-721" :
		    "ERC-1155") != 0)
			issue(issues, "token.assetId", "names another NFT "
			    "standard than token.standard");
		else if (parse_addr(chain, id.asset_ref, a, ab) == -1)
			issue(issues, "token.assetId", "its asset reference "
			    "is not an address of this chain");
		else if ((v = str(tok, "address")) == NULL) {
			if (json_object_set_new(tok, "address",
			    json_string(a)) == -1)
				fatalx("json token address");
		} else if (parse_addr(chain, v, b, bb) == 0 &&
		    memcmp(ab, bb, evm ? 20 : 32) != 0)
			issue(issues, "token.assetId", "names another token "
			    "than token.address");
	}
	if ((v = str(req, "humanAmount")) == NULL)
		return;
	if (strcmp(type, "TRANSFER") == 0)
		dec = (int)net->decimals;
	else if (json_is_integer(d = json_object_get(tok, "decimals")))
		dec = (int)json_integer_value(d);
	else {
		issue(issues, "humanAmount", "give token.decimals with it "
		    "(the amount is converted with it), or amount in the "
		    "smallest unit");
		return;
	}
	if (human_amount(v, strlen(v), (unsigned)dec, out, sizeof(out),
	    &why) == -1) {
		issue(issues, "humanAmount", why);
		return;
	}
	if (json_object_set_new(req, "amount", json_string(out)) == -1 ||
	    json_object_del(req, "humanAmount") == -1)
		fatalx("json humanAmount");
}

void
spec_free(struct txspec *s)
{
	size_t	i;

	free(s->data);
	s->data = NULL;
	for (i = 0; i < s->nitems; i++)
		spec_free(&s->items[i]);
	free(s->items);
	s->items = NULL;
	s->nitems = 0;
}

/* ---- BATCH ---- */

/* An issue of instruction index (< 0: of the array) at its path. */
static void
batch_issue(json_t *issues, int index, const char *field, const char *why)
{
	char	path[96];

	if (index < 0)
		strlcpy(path, "instructions", sizeof(path));
	else if (field == NULL)
		snprintf(path, sizeof(path), "instructions.%d", index);
	else
		snprintf(path, sizeof(path), "instructions.%d.%.60s", index,
		    field);
	issue(issues, path, why);
}

/* sub's issues as instruction index's, into issues. */
static void
batch_repath(json_t *issues, size_t index, json_t *sub)
{
	json_t	*v;
	size_t	 k;

	json_array_foreach(sub, k, v)
		batch_issue(issues, (int)index, json_string_value(
		    json_array_get(json_object_get(v, "path"), 0)),
		    json_string_value(json_object_get(v, "message")));
}

/*
 * req_forms of each instruction, in place: what is stored is what
 * executes, each instruction with its type named and its amount in base
 * units.  Shapes the api did not check (a compromised api) are left to
 * batch_parse to refuse.
 */
void
batch_forms(json_t *req, int chain, const struct network *net,
    json_t *issues)
{
	json_t		*ins = json_object_get(req, "instructions"), *e, *sub;
	const char	*name, *why;
	size_t		 i;

	if (!json_is_array(ins) || json_array_size(ins) > BATCH_MAX)
		return;
	json_array_foreach(ins, i, e) {
		if (batch_ix_type(e, &name, &why) == -1)
			continue;
		if (json_object_set_new(e, "type", json_string(name)) == -1 ||
		    (sub = json_array()) == NULL)
			fatalx("json batch");
		req_forms(e, chain, net, sub);
		batch_repath(issues, i, sub);
		json_decref(sub);
	}
}

/*
 * A BATCH: each instruction decoded as the send it would be on its own
 * (spec_parse), into s->items, and the total of native value they move
 * into s->total.  One network for all: an instruction may name the
 * batch's, no other.  On Solana all of them go in one transaction, so
 * a token instruction names its decimals (TransferChecked carries them;
 * the mint refuses wrong ones).
 */
int
batch_parse(json_t *req, int chain, uint32_t net, const char *from,
    struct txspec *s, json_t *issues)
{
	const struct network	*n = net_get(net);
	json_t			*ins = json_object_get(req, "instructions");
	json_t			*e, *ix, *sub;
	const char		*name, *why, *field, *v;
	uint8_t			 total[32], one[32];
	size_t			 i;
	int			 index;

	if (batch_check(ins, &index, &field, &why) == -1) {
		batch_issue(issues, index, field, why);
		return (int)json_array_size(issues);
	}
	s->nitems = json_array_size(ins);
	if ((s->items = calloc(s->nitems, sizeof(*s->items))) == NULL)
		fatal("calloc");
	memset(total, 0, sizeof(total));
	json_array_foreach(ins, i, e) {
		if ((ix = json_deep_copy(e)) == NULL ||
		    (sub = json_array()) == NULL)
			fatalx("json batch");
		(void)batch_ix_type(ix, &name, &why);	/* checked */
		if (json_object_set_new(ix, "type", json_string(name)) == -1)
			fatalx("json batch");
		if ((v = str(ix, "network")) != NULL && net_lookup(v) != n)
			issue(sub, "network", "the batch's network or none: "
			    "one batch, one network");
		json_object_del(ix, "network");
		if (spec_parse(ix, chain, net, from, &s->items[i], sub) == 0 &&
		    chain == KS_CHAIN_SOLANA && s->items[i].type == T_TOKEN &&
		    s->items[i].decimals < 0)
			issue(sub, "token.decimals", "required in a Solana "
			    "batch: the transfer carries the mint's decimals");
		/* native value: a transfer's amount, a call's value */
		memset(one, 0, sizeof(one));
		if (chain == KS_CHAIN_SOLANA && s->items[i].type ==
		    T_TRANSFER)
			u256_u64(one, s->items[i].amount);
		else if (chain == KS_CHAIN_ETHEREUM)
			memcpy(one, s->items[i].value, 32);
		if (u256_add(total, total, one) == -1 ||
		    (chain == KS_CHAIN_SOLANA && !is_zero(total, 24)))
			issue(sub, "amount", "the batch's total is too large");
		batch_repath(issues, i, sub);
		json_decref(sub);
		json_decref(ix);
	}
	u256_dec(total, s->total);
	/* It is the wallet's: chain context is asked for it. */
	strlcpy(s->to, from, sizeof(s->to));
	return (int)json_array_size(issues);
}
