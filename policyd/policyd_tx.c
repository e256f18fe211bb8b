/*
 * Transactions: the send route, the decision, and the pipeline that takes
 * an allowed transaction to the chain.  policyd records every step before
 * it asks the next process for anything, so a restart resumes where the
 * database says it was:
 *
 *   PENDING -> EXECUTING: api asked for chain context (nonce, fees, gas,
 *	blockhash); on its answer policyd checks the fee and gas caps,
 *	picks the nonce and asks the signer for typed fields.
 *   -> SIGNED: the raw transaction and its hash are stored; api
 *	broadcasts it (the same bytes every time) and watches.
 *   -> SUBMITTED -> CONFIRMED or FAILED, as api reports.
 *
 * An EVM nonce is max(the node's pending count, the highest nonce of
 * this wallet's transactions in flight + 1), chosen inside one SQLite
 * transaction, so concurrent sends get consecutive nonces.  "Nonce too
 * low" at broadcast re-prepares and re-signs (twice at most); an expired
 * Solana blockhash rebuilds and re-signs once.
 */
#include <sys/queue.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <sodium.h>

#include "base58.h"
#include "eip712.h"
#include "policy_eval.h"
#include "evm.h"
#include "log.h"
#include "network.h"
#include "policy_rules.h"
#include "policyd.h"
#include "routes.h"
#include "solana.h"
#include "txinput.h"
#include "util.h"
#include "wipe.h"

#define T_TRANSFER	1
#define T_TOKEN		2
#define T_CALL		3
#define T_APPROVE	4

#define NONCE_RETRIES	2	/* "nonce too low": re-sign this often */
#define SOL_ATA_RENT	2039280	/* lamports: a token account, rent-exempt */
#define EXPIRE_RETRIES	1	/* Solana blockhash expired: rebuild once */
#define JOBS_MAX	4096	/* transactions executing at once */
#define GAS_TIMEOUT_DEFAULT 3600 /* gasCondition without a timeout: s */
#define GAS_POLL_MS	3000	/* gasCondition: how often to look again */

/* A transaction as the chain sees it, from its stored request. */
struct txspec {
	int			 type;
	int			 chain;
	uint32_t		 net;
	char			 from[CHAIN_ADDR_MAX + 1];
	/* EVM: the transaction's to, value and calldata */
	char			 to[CHAIN_ADDR_MAX + 1];
	uint8_t			 to20[20];
	/* who the policies judge: recipient, spender, contract or program */
	char			 rcpt[CHAIN_ADDR_MAX + 1];
	uint8_t			 value[32];
	uint8_t			*data;
	size_t			 datalen;
	/* Solana */
	int			 sol_kind;	/* SIGN_SOL_* */
	/* a message to sign (SIGN_MESSAGE): its bytes are data */
	int			 msg;
	int			 msg_kind;	/* SIGN_EVM_PERSONAL, _TYPED */
	uint8_t			 sol_to[32];	/* recipient or program */
	uint8_t			 mint[32];
	char			 mint_text[CHAIN_ADDR_MAX + 1];
	uint64_t		 amount;
	int			 decimals;	/* -1: not given */
	uint32_t		 naccts;
	struct sign_sol_acct	 accts[SIGN_SOL_MAX_ACCTS];
	/* EVM gasCondition: wait for the gas price (wei), up to timeout s */
	int			 gas_cond;
	int			 has_gas_max, has_prio_max;
	uint8_t			 gas_max[32], prio_max[32];
	long long		 gas_timeout;
};

#define J_PREPARE	1
#define J_SIGN		2
#define J_SEND		3
#define J_SIM		4	/* a dry run waiting for its fee estimate */

struct job {
	TAILQ_ENTRY(job)	 entry;
	char			 id[UUID_STR_LEN];
	char			 wallet[KS_ID_LEN + 1];
	int			 state;
	uint32_t		 sign_id;
	int			 has_nonce;	/* EVM: chosen, not stored */
	int			 filler;	/* EVM: fills a nonce gap */
	int			 dry;		/* a dry run (J_SIM) */
	uint64_t		 nonce;
	struct txspec		 s;
	uint64_t		 last_valid_height;
	uint64_t		 fee_cap;	/* EVM gwei/gas; 0: config */
	/* a dry run: who asked, and the decision */
	uint32_t		 peerid;
	struct pe_result	 r;
	double			 usd;
	double			 t0;		/* mono_ms() at the request */
	struct event		*gas_ev;	/* gasCondition: next look */
	json_t			*req;		/* the request */
	char			*amount;	/* base units, as judged */
};

static TAILQ_HEAD(, job)	jobs = TAILQ_HEAD_INITIALIZER(jobs);
static size_t			njobs;
static uint32_t			next_sign_id;

static const char *const type_names[] = {
	NULL, "TRANSFER", "TOKEN_TRANSFER", "CONTRACT_CALL", "APPROVE"
};

/* ---- numbers and addresses ---- */

/* A decimal string into 32 big-endian bytes; -1 if not one or too big. */
static int
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

static void
u256_u64(uint8_t out[32], uint64_t v)
{
	int	i;

	memset(out, 0, 32);
	for (i = 31; i >= 24; i--, v >>= 8)
		out[i] = (uint8_t)(v & 0xff);
}

/* out = a + b; -1 on overflow. */
static int
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

static int
u256_cmp(const uint8_t a[32], const uint8_t b[32])
{
	return memcmp(a, b, 32);
}

static int	is_zero(const uint8_t *, size_t);
#define is_zero_bytes(b)	is_zero((b), 32)

/* out = a * m; -1 on overflow. */
static int
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
static void
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

static int
is_zero(const uint8_t *b, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* An address of the wallet's chain: canonical text and bytes, or -1. */
static int
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

static void
issue(json_t *issues, const char *path, const char *msg)
{
	if (json_array_append_new(issues, json_pack("{s:[s], s:s}", "path",
	    path, "message", msg)) == -1)
		fatalx("json issue");
}

/* ERC-20 call data: selector, then two 32-byte words. */
static uint8_t *
erc20_call(uint32_t selector, const uint8_t addr[20], const uint8_t v[32])
{
	uint8_t	*d;

	if ((d = calloc(1, 68)) == NULL)
		fatal("calloc");
	d[0] = (uint8_t)(selector >> 24);
	d[1] = (uint8_t)(selector >> 16);
	d[2] = (uint8_t)(selector >> 8);
	d[3] = (uint8_t)selector;
	memcpy(d + 4 + 12, addr, 20);
	memcpy(d + 36, v, 32);
	return d;
}

static const char *
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
static int
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
		if (type != NULL && strcmp(type, type_names[i]) == 0)
			s->type = (int)i;
	if (s->type == 0) {
		issue(issues, "type", "one of TRANSFER, TOKEN_TRANSFER, "
		    "CONTRACT_CALL, APPROVE");
		return 1;
	}
	/* The amount: TRANSFER, TOKEN_TRANSFER, APPROVE. */
	memset(amount, 0, sizeof(amount));
	if (s->type != T_CALL) {
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

	switch (s->type) {
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
			s->data = erc20_call(0xa9059cbb, addr, amount);
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
		s->data = erc20_call(0x095ea7b3, addr, amount);
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
		json_array_foreach(a, i, tok) {
			if (i >= SIGN_SOL_MAX_ACCTS)
				break;
			if (base58_decode(str(tok, "pubkey"),
			    strlen(str(tok, "pubkey")), s->accts[i].pubkey,
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
static void
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
		else if (strcmp(id.asset_ns, evm ? "erc20" : "token") != 0)
			issue(issues, "token.assetId", evm ? "an erc20 asset "
			    "on an EVM network" : "a token asset on Solana");
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

static void
spec_free(struct txspec *s)
{
	free(s->data);
	s->data = NULL;
}

/* ---- the decision ---- */

/*
 * The applicable policy of each type: a wallet's beats a global one, one
 * for this network beats one for any, then priority.  rules[t] is NULL
 * for a type with none.
 */
static void
policies_for(const char *wallet, const char *network,
    json_t *rules[POLICY_TYPE_MAX])
{
	sqlite3_stmt	*st;
	int		 t;

	memset(rules, 0, sizeof(json_t *) * POLICY_TYPE_MAX);
	if (sqlite3_prepare_v2(pd.db, "SELECT type, rules FROM policies "
	    "WHERE enabled = 1 AND (wallet_id = ? OR wallet_id IS NULL) AND "
	    "(network IS NULL OR network = ?) ORDER BY wallet_id IS NULL, "
	    "network IS NULL, priority DESC, created_at", -1, &st, NULL) !=
	    SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, wallet, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, network, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		t = policy_type((const char *)sqlite3_column_text(st, 0));
		if (t < 0 || rules[t] != NULL)
			continue;
		rules[t] = json_loads((const char *)sqlite3_column_text(st, 1),
		    0, NULL);
	}
	sqlite3_finalize(st);
}

/* What the policies see of a transaction. */
static void
spec_pe(const struct txspec *s, json_t *req, const char *network,
    struct pe_tx *t, char sel[11])
{
	const char	*v;

	memset(t, 0, sizeof(*t));
	t->type = s->type;		/* PE_* and T_* are the same numbers */
	t->evm = s->chain == KS_CHAIN_ETHEREUM;
	t->network = network;
	t->to = s->rcpt;
	if (s->type == T_TOKEN || s->type == T_APPROVE)
		t->token = s->mint_text;
	if (s->type == T_APPROVE)
		t->spender = s->rcpt;
	v = s->type == T_CALL ? str(req, "value") : str(req, "amount");
	t->amount = v != NULL ? v : "0";
	if (s->type == T_CALL && t->evm && s->datalen >= 4) {
		snprintf(sel, 11, "0x%02x%02x%02x%02x", s->data[0],
		    s->data[1], s->data[2], s->data[3]);
		t->selector = sel;
	}
}

/* The transaction's value in USD, or -1 without a usable price. */
static double
spec_usd(const struct txspec *s, const char *amount, long long now,
    char *why, size_t whylen)
{
	if (strcmp(amount, "0") == 0)
		return 0;
	return price_value(net_get(s->net), s->type == T_TOKEN ||
	    s->type == T_APPROVE ? s->mint_text : NULL, amount, now, why,
	    whylen);
}

/* ---- wallet and network of a request ---- */

struct wref {
	char			 id[KS_ID_LEN + 1];
	int			 chain;
	int			 env;
	char			 address[CHAIN_ADDR_MAX + 1];
	char			 status[16];
	const struct network	*net;
};

/*
 * The wallet a session request means (walletId, or its only wallet) and
 * the network (given, or the wallet's own).  A read without a network
 * reads the network the wallet was created with and is shown with; a
 * send without one on an EVM testnet is refused (NETWORK_REQUIRED):
 * the same address exists on every EVM testnet, and value moves only on
 * a chain the caller named.  1, or 0 after answering.
 */
static int
wallet_ref(struct pd_ctx *c, const char *wid, const char *network,
    int read, struct wref *w)
{
	sqlite3_stmt	*st;
	char		 msg[200], own[NET_NAME_MAX + 1];
	int		 n = 0;

	memset(w, 0, sizeof(*w));
	if (sqlite3_prepare_v2(pd.db, "SELECT w.id, w.chain, w.environment, "
	    "w.public_key, w.status, w.network FROM wallets w JOIN "
	    "session_wallets s ON s.wallet_id = w.id WHERE s.session_id = ? "
	    "AND (? IS NULL OR w.id = ?) LIMIT 2", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, c->session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, wid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, wid, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && ++n == 1) {
		strlcpy(w->id, (const char *)sqlite3_column_text(st, 0),
		    sizeof(w->id));
		w->chain = strcmp((const char *)sqlite3_column_text(st, 1),
		    "ethereum") == 0 ? KS_CHAIN_ETHEREUM : KS_CHAIN_SOLANA;
		w->env = strcmp((const char *)sqlite3_column_text(st, 2),
		    "mainnet") == 0 ? ENV_MAINNET : ENV_TESTNET;
		strlcpy(w->address, (const char *)sqlite3_column_text(st, 3),
		    sizeof(w->address));
		strlcpy(w->status, (const char *)sqlite3_column_text(st, 4),
		    sizeof(w->status));
		strlcpy(own, (const char *)sqlite3_column_text(st, 5),
		    sizeof(own));
	}
	sqlite3_finalize(st);
	if (n == 0) {
		if (wid != NULL)
			pd_fail(c->peerid, 403, "WALLET_ACCESS_DENIED", "this "
			    "session has no such wallet", 0);
		else
			pd_fail(c->peerid, 404, "WALLET_NOT_FOUND", "this "
			    "session has no wallet", 0);
		return 0;
	}
	if (n > 1) {
		pd_fail_issue(c->peerid, "walletId", "required: this session "
		    "has several wallets");
		return 0;
	}
	if (network == NULL) {
		if (!read && w->chain == KS_CHAIN_ETHEREUM &&
		    w->env == ENV_TESTNET) {
			pd_fail(c->peerid, 400, "NETWORK_REQUIRED", "an EVM "
			    "testnet send must name the network (e.g. "
			    "ethereum-sepolia)", 0);
			return 0;
		}
		network = own;
	}
	if ((w->net = net_lookup(network)) == NULL) {
		snprintf(msg, sizeof(msg), "unknown network %.40s", network);
		pd_fail_issue(c->peerid, "network", msg);
		return 0;
	}
	if (w->net->chain != (uint32_t)w->chain ||
	    w->net->env != (uint32_t)w->env) {
		snprintf(msg, sizeof(msg), "network %s is not a %s %s network",
		    w->net->name, chain_name(w->chain), env_name(w->env));
		pd_fail(c->peerid, 400, "ENVIRONMENT_NETWORK_MISMATCH", msg,
		    0);
		return 0;
	}
	return 1;
}

/*
 * The wallet and network a send or a signature acts for: no kill switch,
 * an active wallet.  1, or 0 after answering.
 */
static int
send_ref(struct pd_ctx *c, struct wref *w)
{
	if (kill_refuse(c) || !wallet_ref(c, str(c->body, "walletId"),
	    str(c->body, "network"), 0, w))
		return 0;
	if (strcmp(w->status, "ACTIVE") != 0) {
		pd_fail(c->peerid, 410, "WALLET_TERMINATED", "the wallet is "
		    "terminated", 0);
		return 0;
	}
	return 1;
}

/* Too many transactions executing: 1 after answering 503. */
static int
busy(struct pd_ctx *c)
{
	if (njobs < JOBS_MAX)
		return 0;
	pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "too many transactions "
	    "executing; try again", 1);
	return 1;
}

/*
 * A refusal by policy, inside the transaction the decision began: rolled
 * back, audited on its own, answered (RATE_LIMIT with Retry-After).
 */
static void
denied(struct pd_ctx *c, const struct wref *w, const char *type,
    const struct pe_result *r)
{
	char	actor[64];

	store_rollback();
	snprintf(actor, sizeof(actor), "session:%s", c->session);
	audit_event(c->now, "TX_DENIED", actor, NULL, json_pack(
	    "{s:s, s:s, s:s, s:s, s:s}", "walletId", w->id, "type", type,
	    "network", w->net->name, "code", r->code, "reason", r->reason));
	if (r->retry_after > 0)
		pd_fail_retry(c->peerid, 429, r->code, r->reason,
		    (int)r->retry_after);
	else
		pd_fail(c->peerid, 403, r->code, r->reason, 0);
}

/* ---- storage ---- */

/* One UPDATE of a transaction: ?1 is now, ?2 its id. */
static void
tx_update(const char *sql, const char *id)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(pd.db, sql, -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_int64(st, 1, (long long)time(NULL));
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
}

static struct job *
job_find(const char *id)
{
	struct job	*j;

	TAILQ_FOREACH(j, &jobs, entry)
		if (strcmp(j->id, id) == 0)
			return j;
	return NULL;
}

static void
job_end(struct job *j)
{
	TAILQ_REMOVE(&jobs, j, entry);
	njobs--;
	spec_free(&j->s);
	if (j->gas_ev != NULL)
		event_free(j->gas_ev);
	json_decref(j->req);
	free(j->amount);
	free(j);
}

/* The end of a transaction: FAILED (or CANCELLED) with why, audited. */
static void
tx_end(struct job *j, int cancelled, const char *code, int retryable,
    const char *msg)
{
	sqlite3_stmt	*st;
	long long	 now = (long long)time(NULL);

	log_info("transaction %s %s: %s", j->id, cancelled ? "cancelled" :
	    "failed", msg);
	if (store_begin() == -1)
		fatalx("database busy");
	if (sqlite3_prepare_v2(pd.db, "UPDATE transactions SET status = ?, "
	    "error = ?, error_code = ?, retryable = ?, updated_at = ? WHERE "
	    "id = ?", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, cancelled ? "CANCELLED" : "FAILED", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 2, msg, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, code, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, retryable != 0);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_text(st, 6, j->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	if (audit_append(now, cancelled ? "TX_CANCELLED" : "TX_FAILED",
	    "system", j->id, json_pack("{s:s, s:s}", "code", code, "error",
	    msg)) == -1 || store_commit() == -1)
		fatalx("database: cannot record the end of a transaction");
	job_end(j);
}

static void
tx_fail(struct job *j, const char *code, int retryable, const char *msg)
{
	tx_end(j, 0, code, retryable, msg);
}

/*
 * Something ended the job's transaction while it waited on the api or
 * the signer (the kill switch, the wallet's termination, both in their
 * own commit): it is over in the database already, so the job stops
 * here, asks for no signature, stores none and writes nothing.  1 if
 * so (the job is gone).
 */
static int
ended(struct job *j)
{
	sqlite3_stmt	*st;
	char		 code[API_CODE_MAX] = "TX_CANCELLED";
	char		 why[160] = "the transaction was cancelled";
	int		 live = 0;

	st = store_prepare("SELECT status IN ('PENDING', 'EXECUTING'), "
	    "error_code, error FROM transactions WHERE id = ?");
	sqlite3_bind_text(st, 1, j->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		live = sqlite3_column_int(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			strlcpy(code, (const char *)sqlite3_column_text(st, 1),
			    sizeof(code));
		if (sqlite3_column_type(st, 2) != SQLITE_NULL)
			strlcpy(why, (const char *)sqlite3_column_text(st, 2),
			    sizeof(why));
	}
	sqlite3_finalize(st);
	if (live)
		return 0;
	log_info("transaction %s ended while in flight (%s): nothing signed",
	    j->id, code);
	if (j->peerid != 0)
		pd_fail(j->peerid, strcmp(code, "KILL_SWITCH_ACTIVE") == 0 ?
		    503 : strcmp(code, "WALLET_TERMINATED") == 0 ? 410 : 409,
		    code, why, 0);
	job_end(j);
	return 1;
}

/* The kill switch stops a transaction before anything is signed. */
static int
killed(struct job *j)
{
	if (!pd.killed)
		return 0;
	tx_end(j, 1, "KILL_SWITCH_ACTIVE", 0, "the kill switch is active: "
	    "nothing is signed until the operator recovers");
	return 1;
}

/* ---- the pipeline ---- */

static void
prepare(struct job *j)
{
	struct chain_prep	p;
	struct iovec		iov[3];
	int			niov;

	memset(&p, 0, sizeof(p));
	strlcpy(p.txid, j->id, sizeof(p.txid));
	p.net = j->s.net;
	strlcpy(p.from, j->s.from, sizeof(p.from));
	strlcpy(p.to, j->s.to, sizeof(p.to));
	if (j->dry)
		p.flags = CHPREP_BALANCE;
	if (j->dry && j->s.type == T_TOKEN)
		p.flags |= CHPREP_TOKEN_BAL;
	if (j->s.chain == KS_CHAIN_ETHEREUM) {
		p.op = CHOP_EVM_TX;
		memcpy(p.value, j->s.value, 32);
		p.datalen = (uint32_t)j->s.datalen;
		/* a memo: calldata only to an account without code */
		if (j->s.type == T_TRANSFER && j->s.datalen > 0)
			p.flags |= CHPREP_NO_CODE;
	} else {
		p.op = j->s.sol_kind == SIGN_SOL_TRANSFER ? CHOP_SOL_TRANSFER :
		    j->s.sol_kind == SIGN_SOL_TOKEN ? CHOP_SOL_TOKEN :
		    CHOP_SOL_CALL;
		strlcpy(p.mint, j->s.mint_text, sizeof(p.mint));
	}
	/* an EVM token's decimals as the request says: the chain's too */
	if (j->s.chain == KS_CHAIN_ETHEREUM && (j->s.type == T_TOKEN ||
	    j->s.type == T_APPROVE) && j->s.decimals >= 0)
		p.flags |= CHPREP_DECIMALS;
	if (j->s.chain == KS_CHAIN_ETHEREUM &&
	    (p.flags & (CHPREP_TOKEN_BAL | CHPREP_DECIMALS)))
		strlcpy(p.mint, j->s.mint_text, sizeof(p.mint));
	iov[0].iov_base = &p;
	iov[0].iov_len = sizeof(p);
	iov[1].iov_base = j->s.data;
	iov[1].iov_len = p.datalen;
	niov = p.datalen > 0 ? 2 : 1;
	if (j->dry && j->s.chain == KS_CHAIN_SOLANA) {
		/* The node simulates it: what the signer would build. */
		p.flags |= CHPREP_SIMULATE;
		u256_u64(p.value, j->s.amount);
		if (j->s.sol_kind == SIGN_SOL_CALL) {
			p.naccts = j->s.naccts;
			iov[1].iov_base = j->s.accts;
			iov[1].iov_len = j->s.naccts * sizeof(j->s.accts[0]);
			iov[2].iov_base = j->s.data;
			iov[2].iov_len = j->s.datalen;
			p.datalen = (uint32_t)(iov[1].iov_len +
			    iov[2].iov_len);
			niov = 3;
		} else if (j->s.datalen > 0) {
			/* a transfer's memo: simulated as it will be sent */
			p.datalen = (uint32_t)j->s.datalen;
			iov[1].iov_len = p.datalen;
			niov = 2;
		}
	}
	j->state = J_PREPARE;
	if (imsgev_composev(&pd.api, IMSG_CHAIN_PREPARE, 0, -1, iov,
	    niov) == -1)
		fatal("IMSG_CHAIN_PREPARE");
}

static int	msg_parse(json_t *, int, struct txspec *, const char **);
static void	msg_sign(struct job *);

/* A job for a stored transaction, or NULL after failing it. */
static struct job *
job_load(const char *id)
{
	sqlite3_stmt		*st;
	struct job		*j;
	json_t			*req, *issues;
	const struct network	*net;
	const char		*why;
	int			 chain, bad;

	if (sqlite3_prepare_v2(pd.db, "SELECT t.wallet_id, t.network, "
	    "t.request, w.public_key, w.chain, t.nonce, t.raw IS NULL, "
	    "t.fee_cap, t.type = 'SIGN_MESSAGE' FROM transactions t JOIN "
	    "wallets w ON w.id = t.wallet_id WHERE t.id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		fatalx("transaction %s vanished", id);
	if ((j = calloc(1, sizeof(*j))) == NULL)
		fatal("calloc");
	/* Unsigned with a nonce: a gap filler, bound to that nonce. */
	if (sqlite3_column_type(st, 5) != SQLITE_NULL &&
	    sqlite3_column_int(st, 6)) {
		j->filler = 1;
		j->nonce = (uint64_t)sqlite3_column_int64(st, 5);
	}
	strlcpy(j->id, id, sizeof(j->id));
	strlcpy(j->wallet, (const char *)sqlite3_column_text(st, 0),
	    sizeof(j->wallet));
	j->fee_cap = (uint64_t)sqlite3_column_int64(st, 7);
	TAILQ_INSERT_TAIL(&jobs, j, entry);
	njobs++;
	net = net_find((const char *)sqlite3_column_text(st, 1));
	chain = strcmp((const char *)sqlite3_column_text(st, 4), "ethereum") ==
	    0 ? KS_CHAIN_ETHEREUM : KS_CHAIN_SOLANA;
	req = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);
	if ((issues = json_array()) == NULL)
		fatalx("json_array");
	if (sqlite3_column_int(st, 8)) {
		j->s.chain = chain;
		j->s.net = net != NULL ? net_index(net) : 0;
		j->s.msg = 1;
		bad = net == NULL || req == NULL || msg_parse(req, chain, &j->s,
		    &why) == -1;
	} else
		bad = net == NULL || req == NULL || spec_parse(req, chain,
		    net_index(net), (const char *)sqlite3_column_text(st, 3),
		    &j->s, issues) != 0;
	sqlite3_finalize(st);
	json_decref(req);
	json_decref(issues);
	if (bad) {
		tx_fail(j, "INTERNAL_ERROR", 0, net == NULL ? "the network is "
		    "no longer configured" : "the stored request no longer "
		    "parses");
		return NULL;
	}
	return j;
}

/* Start the execution of an allowed transaction. */
void
tx_execute(const char *id)
{
	struct job	*j;

	if (job_find(id) != NULL || (j = job_load(id)) == NULL)
		return;
	/* PENDING until signed: no write (and no sync) on the way. */
	if (killed(j))
		return;
	if (j->s.msg)
		msg_sign(j);
	else
		prepare(j);
}

/* EVM: caps, the nonce, then the signer. */
static void
sign_evm(struct job *j, const struct chain_ctx *x)
{
	struct sign_evm_tx	 t;
	struct iovec		 iov[2];
	struct job		*o;
	sqlite3_stmt		*st;
	uint8_t			 cap[32], max_fee[32];
	uint64_t		 nonce, gwei;
	char			 msg[160];

	/* maxFeePerGas = 2 * base fee + tip, never above the cap. */
	gwei = pd.p->cfg.max_fee_gwei;
	if (j->fee_cap > 0 && j->fee_cap < gwei)
		gwei = j->fee_cap;
	u256_u64(cap, gwei * 1000000000ULL);
	if (u256_add(max_fee, x->base_fee, x->base_fee) == -1 ||
	    u256_add(max_fee, max_fee, x->priority_fee) == -1 ||
	    u256_cmp(max_fee, cap) > 0) {
		snprintf(msg, sizeof(msg), "the node's fees exceed the cap of "
		    "%llu gwei per gas (security.max_fee_per_gas_gwei, or the "
		    "cap the transaction was decided with)",
		    (unsigned long long)gwei);
		tx_fail(j, "CHAIN_ERROR", 1, msg);
		return;
	}
	if (x->gas_limit < 21000 || x->gas_limit > pd.p->cfg.max_gas) {
		snprintf(msg, sizeof(msg), "gas estimate %llu outside 21000.."
		    "%u (security.max_gas_limit)",
		    (unsigned long long)x->gas_limit, pd.p->cfg.max_gas);
		tx_fail(j, "CHAIN_ERROR", 0, msg);
		return;
	}
	/*
	 * The next nonce: above every one this wallet has in flight, stored
	 * or being signed.  It is stored with the signed transaction, in
	 * one commit: a crash before that leaves nothing signed on record
	 * and nothing sent, and the transaction starts over.  A gap filler
	 * has its nonce already.
	 */
	if (j->filler) {
		nonce = j->nonce;
		goto sign;
	}
	if (sqlite3_prepare_v2(pd.db, "SELECT max(nonce) FROM transactions "
	    "WHERE wallet_id = ? AND network = ? AND nonce IS NOT NULL AND "
	    "status IN ('PENDING', 'EXECUTING', 'SIGNED', 'SUBMITTED') AND "
	    "id != ?", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, j->wallet, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, net_get(j->s.net)->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, j->id, -1, SQLITE_STATIC);
	nonce = x->nonce;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) !=
	    SQLITE_NULL && (uint64_t)sqlite3_column_int64(st, 0) >= nonce)
		nonce = (uint64_t)sqlite3_column_int64(st, 0) + 1;
	sqlite3_finalize(st);
	TAILQ_FOREACH(o, &jobs, entry)
		if (o != j && o->has_nonce && o->s.net == j->s.net &&
		    strcmp(o->wallet, j->wallet) == 0 && o->nonce >= nonce)
			nonce = o->nonce + 1;
sign:
	j->has_nonce = 1;
	j->nonce = nonce;

	memset(&t, 0, sizeof(t));
	strlcpy(t.id, j->wallet, sizeof(t.id));
	t.type = EVM_TX_1559;
	t.chain_id = net_get(j->s.net)->chain_id;
	t.nonce = nonce;
	t.gas_limit = x->gas_limit;
	memcpy(t.max_priority_fee, x->priority_fee, 32);
	memcpy(t.max_fee, max_fee, 32);
	memcpy(t.to, j->s.to20, 20);
	memcpy(t.value, j->s.value, 32);
	t.datalen = (uint32_t)j->s.datalen;
	iov[0].iov_base = &t;
	iov[0].iov_len = sizeof(t);
	iov[1].iov_base = j->s.data;
	iov[1].iov_len = j->s.datalen;
	j->state = J_SIGN;
	j->sign_id = ++next_sign_id;
	if (imsgev_composev(&pd.signer, IMSG_SIGNER_SIGN_EVM_TX, j->sign_id,
	    -1, iov, t.datalen > 0 ? 2 : 1) == -1)
		fatal("IMSG_SIGNER_SIGN_EVM_TX");
}

static void
sign_sol(struct job *j, const struct chain_ctx *x)
{
	struct sign_sol_tx	t;
	struct iovec		iov[2];
	char			msg[160];

	if (j->s.sol_kind == SIGN_SOL_TOKEN && j->s.decimals >= 0 &&
	    j->s.decimals != x->decimals) {
		snprintf(msg, sizeof(msg), "token.decimals is %d but the mint "
		    "has %u", j->s.decimals, x->decimals);
		tx_fail(j, "VALIDATION_FAILED", 0, msg);
		return;
	}
	memset(&t, 0, sizeof(t));
	strlcpy(t.id, j->wallet, sizeof(t.id));
	t.kind = (uint32_t)j->s.sol_kind;
	memcpy(t.blockhash, x->blockhash, 32);
	j->last_valid_height = x->last_valid_height;
	if (j->s.sol_kind == SIGN_SOL_CALL) {
		memcpy(t.program, j->s.sol_to, 32);
		t.naccts = j->s.naccts;
		memcpy(t.accts, j->s.accts, sizeof(t.accts));
	} else {
		memcpy(t.to, j->s.sol_to, 32);
		t.amount = j->s.amount;
		memcpy(t.mint, j->s.mint, 32);
		t.decimals = x->decimals;
		t.create_ata = !x->ata_exists;
	}
	/* a call's instruction data, or a transfer's memo */
	t.datalen = (uint32_t)j->s.datalen;
	iov[0].iov_base = &t;
	iov[0].iov_len = sizeof(t);
	iov[1].iov_base = j->s.data;
	iov[1].iov_len = t.datalen;
	j->state = J_SIGN;
	j->sign_id = ++next_sign_id;
	if (imsgev_composev(&pd.signer, IMSG_SIGNER_SIGN_SOL_TX, j->sign_id,
	    -1, iov, t.datalen > 0 ? 2 : 1) == -1)
		fatal("IMSG_SIGNER_SIGN_SOL_TX");
}

/* ---- dry runs ---- */

/*
 * The answer of a dry run (the reference's DryRunSimulationResult): the
 * decision, the chain's fee and its USD value, what the wallet's balances
 * would change by, the node's own verdict on the transaction, warnings
 * with a code, and how long it took.
 */
struct simout {
	json_t		*fee;		/* NULL: no estimate */
	json_t		*changes;
	json_t		*warnings;
	json_t		*sim;		/* NULL: not run */
	json_t		*gas;		/* gasCondition: NULL if none */
	int		 ok;
};

/* Milliseconds on the monotonic clock, for durationMs. */
static double
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void
sim_init(struct simout *o)
{
	memset(o, 0, sizeof(*o));
	if ((o->changes = json_array()) == NULL ||
	    (o->warnings = json_array()) == NULL)
		fatalx("json_array");
	o->ok = 1;
}

static void
warn(struct simout *o, const char *code, const char *severity,
    const char *msg)
{
	if (json_array_append_new(o->warnings, json_pack("{s:s, s:s, s:s}",
	    "code", code, "message", msg, "severity", severity)) == -1)
		fatalx("json warning");
	if (strcmp(severity, "error") == 0)
		o->ok = 0;
}

/* The node's verdict: success, its logs, units (gas) used, its error. */
static void
sim_verdict(struct simout *o, int success, json_t *logs, uint64_t units,
    const char *error)
{
	char	u[24];

	snprintf(u, sizeof(u), "%llu", (unsigned long long)units);
	o->sim = json_pack("{s:b, s:o, s:o, s:o}", "success", success,
	    "logs", logs != NULL ? logs : json_array(), "unitsConsumed",
	    success ? json_string(u) : json_null(), "error",
	    error != NULL ? json_string(error) : json_null());
	if (o->sim == NULL)
		fatalx("json simulation");
}

static void
sim_reply(uint32_t peerid, const struct pe_result *r, double usd,
    const char *wallet, const struct txspec *s, struct simout *o, double t0)
{
	const struct network	*n = net_get(s->net);
	json_t			*pol, *a;

	if (r->allowed) {
		pol = json_pack("{s:b, s:s, s:s}", "allowed", 1, "tier",
		    tier_name(r->tier), "reason", r->reason);
		if (pol != NULL && r->tier == TIER_DELAY)
			json_object_set_new(pol, "delaySeconds",
			    json_integer(r->delay_seconds));
		if (pol != NULL && r->tier == TIER_APPROVAL)
			json_object_set_new(pol, "approvalTimeout",
			    json_integer(r->approval_timeout));
	} else {
		/* No tier applies: the request stops at the policy. */
		pol = json_pack("{s:b, s:s, s:s, s:s}", "allowed", 0, "tier",
		    "DENIED", "reason", r->reason, "code", r->code);
		o->ok = 0;
	}
	if (o->sim == NULL)
		sim_verdict(o, 0, NULL, 0, r->allowed ? "not simulated" :
		    "not simulated: the policy denies it");
	a = json_pack("{s:b, s:o, s:o, s:o, s:o, s:o, s:{s:s, s:s, s:s, "
	    "s:s, s:s, s:o, s:f}}", "success", r->allowed && o->ok, "policy",
	    pol, "fee", o->fee != NULL ? o->fee : json_null(),
	    "balanceChanges", o->changes, "warnings", o->warnings,
	    "simulation", o->sim, "meta", "walletId", wallet, "chain",
	    chain_name((int)n->chain), "network", n->name, "type",
	    type_names[s->type], "transactionType", type_names[s->type],
	    "usdValue", usd >= 0 ? json_real(usd) : json_null(),
	    "durationMs", mono_ms() - t0);
	if (a == NULL)
		fatalx("json_pack simulation");
	if (o->gas != NULL)
		json_object_set_new(a, "gasCondition", o->gas);
	pd_reply_json(peerid, 200, a);
}

/* A decimal string of a, or of -a: "-123". */
static void
signed_dec(const uint8_t a[32], int neg, char out[82])
{
	char	d[80];

	u256_dec(a, d);
	snprintf(out, 82, "%s%s", neg && !is_zero_bytes(a) ? "-" : "", d);
}

/* out = a - b; -1 (and b - a in out) when b is more. */
static int
u256_sub(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
	const uint8_t	*x = a, *y = b;
	int		 i, c = 0, neg = u256_cmp(a, b) < 0;

	if (neg) {
		x = b;
		y = a;
	}
	for (i = 31; i >= 0; i--) {
		c = x[i] - y[i] - c;
		out[i] = (uint8_t)(c & 0xff);
		c = c < 0 ? 1 : 0;
	}
	return neg ? -1 : 0;
}

/*
 * One entry of balanceChanges: the wallet holds have, the transaction
 * takes out.  Nothing when the balance could not be read.
 */
static void
sim_change(struct simout *o, const char *asset, const char *symbol,
    int decimals, const uint8_t have[32], const uint8_t out[32])
{
	uint8_t	after[32];
	char	cur[82], chg[82], aft[82];
	int	neg;

	neg = u256_sub(after, have, out) == -1;
	signed_dec(have, 0, cur);
	signed_dec(out, 1, chg);
	signed_dec(after, neg, aft);
	if (json_array_append_new(o->changes, json_pack("{s:s, s:s, s:i, "
	    "s:s, s:s, s:s}", "asset", asset, "symbol", symbol, "decimals",
	    decimals, "currentBalance", cur, "changeAmount", chg,
	    "afterBalance", aft)) == -1)
		fatalx("json balance change");
}

/*
 * Does the wallet hold what the transaction can take (value and the
 * highest fee, in the native coin)?
 */
static void
sim_funded(struct simout *o, const struct chain_ctx *x,
    const uint8_t need[32], const char *symbol)
{
	char	have[80], want[80], msg[320];

	if (!x->have_balance) {
		warn(o, "BALANCE_UNKNOWN", "warning", "the wallet's balance "
		    "could not be read: the dry run does not know whether it "
		    "can pay");
		return;
	}
	if (u256_cmp(x->balance, need) >= 0)
		return;
	u256_dec(x->balance, have);
	u256_dec(need, want);
	snprintf(msg, sizeof(msg), "the wallet holds %s and this can take "
	    "up to %s (smallest unit of %s: value and the highest fee)", have,
	    want, symbol);
	warn(o, "INSUFFICIENT_BALANCE", "error", msg);
}

/* A token's entry in balanceChanges, and whether it holds the amount. */
static void
sim_token(struct simout *o, const struct txspec *s, json_t *req,
    const struct chain_ctx *x, const uint8_t amount[32])
{
	json_t		*tok = json_object_get(req, "token");
	const char	*sym = str(tok, "symbol");
	int		 dec = s->decimals;
	char		 have[80], want[80], msg[320];

	if (s->type != T_TOKEN)
		return;
	if (dec < 0 && s->chain == KS_CHAIN_SOLANA)
		dec = x->decimals;
	if (!x->have_token_balance || dec < 0) {
		warn(o, "BALANCE_UNKNOWN", "warning", !x->have_token_balance ?
		    "the wallet's token balance could not be read" :
		    "token.decimals not given: the token's balance change "
		    "is not shown");
		return;
	}
	sim_change(o, s->mint_text, sym != NULL ? sym : "", dec,
	    x->token_balance, amount);
	if (u256_cmp(x->token_balance, amount) >= 0)
		return;
	u256_dec(x->token_balance, have);
	u256_dec(amount, want);
	snprintf(msg, sizeof(msg), "the wallet holds %s of token %s and "
	    "this sends %s", have, s->mint_text, want);
	warn(o, "INSUFFICIENT_TOKEN_BALANCE", "error", msg);
}

/* The node's log lines (sim_logs: each ends in a newline). */
static json_t *
sim_logs(const struct chain_ctx *x)
{
	json_t		*a = json_array();
	const char	*p, *nl;

	if (a == NULL)
		fatalx("json_array");
	for (p = x->sim_logs; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		if (json_array_append_new(a, json_stringn(p,
		    (size_t)(nl - p))) == -1)
			fatalx("json log");
	return a;
}

/* The fee's value in USD (fee.feeUsd): null without a usable price. */
static json_t *
fee_usd(const struct txspec *s, const char *fee)
{
	double	v;

	v = price_value(net_get(s->net), NULL, fee, (long long)time(NULL),
	    NULL, 0);
	return v >= 0 ? json_real(v) : json_null();
}

static int	gas_met(const struct txspec *, const struct chain_ctx *,
		    char [80], char [80]);

/* A dry run's gasCondition: met now or not (a send would wait). */
static void
sim_gas(struct simout *o, const struct txspec *s, const struct chain_ctx *x)
{
	char	price[80], prio[80], d[80];
	int	met = gas_met(s, x, price, prio);

	o->gas = json_pack("{s:b, s:s, s:s}", "met", met, "currentGasPrice",
	    price, "currentPriorityFee", prio);
	if (o->gas == NULL)
		fatalx("json gasCondition");
	if (s->has_gas_max) {
		u256_dec(s->gas_max, d);
		json_object_set_new(o->gas, "maxGasPrice", json_string(d));
	}
	if (s->has_prio_max) {
		u256_dec(s->prio_max, d);
		json_object_set_new(o->gas, "maxPriorityFee", json_string(d));
	}
	if (!met)
		warn(o, "GAS_CONDITION_NOT_MET", "warning", "the node's gas "
		    "price is above the gasCondition now: a send would wait "
		    "for it, up to its timeout");
}

/* The chain's answer for a dry run: its fee, and what would fail. */
static void
sim_done(struct job *j, const struct chain_ctx *x)
{
	const struct network	*n = net_get(j->s.net);
	struct simout		 o;
	uint8_t			 per_gas[32], max_gas[32], est[32], max[32];
	uint8_t			 cap[32], need[32], out[32], amount[32];
	uint64_t		 lamports;
	char			 d1[80], d2[80], msg[CHAIN_MSG_MAX + 40];

	sim_init(&o);
	memset(amount, 0, sizeof(amount));
	if (j->amount != NULL)
		(void)dec_u256(j->amount, amount);
	if (j->usd < 0 && j->r.allowed)
		warn(&o, "PRICE_UNAVAILABLE", "warning", "no usable USD price "
		    "for this asset: its value counts as unknown, which never "
		    "lowers a tier");
	if (x->status != CHAIN_OK) {
		snprintf(msg, sizeof(msg), "the chain cannot run it: %s",
		    x->message[0] != '\0' ? x->message : "chain error");
		warn(&o, x->status == CHAIN_REVERT ? "SIMULATION_FAILED" :
		    "CHAIN_ERROR", "error", msg);
		if (x->status == CHAIN_REVERT || j->s.chain ==
		    KS_CHAIN_ETHEREUM)
			sim_verdict(&o, 0, NULL, 0, x->message);
	} else if (j->s.chain == KS_CHAIN_ETHEREUM) {
		sim_verdict(&o, 1, NULL, x->gas_used, NULL);
		u256_u64(cap, (uint64_t)pd.p->cfg.max_fee_gwei * 1000000000ULL);
		if (u256_add(per_gas, x->base_fee, x->priority_fee) == -1 ||
		    u256_add(max_gas, per_gas, x->base_fee) == -1 ||
		    u256_mul64(est, per_gas, x->gas_limit) == -1 ||
		    u256_mul64(max, max_gas, x->gas_limit) == -1) {
			warn(&o, "CHAIN_ERROR", "error", "the node's fees are "
			    "out of range");
			goto reply;
		}
		u256_dec(est, d1);
		u256_dec(max, d2);
		o.fee = json_pack("{s:s, s:s, s:s, s:i, s:I, s:o}",
		    "estimatedFee", d1, "maxFee", d2, "feeSymbol", n->symbol,
		    "feeDecimals", (int)n->decimals, "gasLimit",
		    (json_int_t)x->gas_limit, "feeUsd", fee_usd(&j->s, d1));
		if (u256_cmp(max_gas, cap) > 0) {
			snprintf(msg, sizeof(msg), "the node's fees exceed "
			    "the cap of %u gwei per gas",
			    pd.p->cfg.max_fee_gwei);
			warn(&o, "FEE_CAP_EXCEEDED", "error", msg);
		}
		if (x->gas_limit > pd.p->cfg.max_gas)
			warn(&o, "GAS_LIMIT_EXCEEDED", "error", "the gas "
			    "estimate exceeds security.max_gas_limit");
		if (x->have_decimals && j->s.decimals >= 0 &&
		    j->s.decimals != x->decimals) {
			snprintf(msg, sizeof(msg), "token.decimals is %d but "
			    "the token's decimals() says %u", j->s.decimals,
			    x->decimals);
			warn(&o, "DECIMALS_MISMATCH", "error", msg);
		}
		if (j->s.gas_cond)
			sim_gas(&o, &j->s, x);
		/* What leaves: the value and the expected fee. */
		if (x->have_balance && u256_add(out, j->s.value, est) == 0)
			sim_change(&o, "native", n->symbol, (int)n->decimals,
			    x->balance, out);
		if (u256_add(need, j->s.value, max) == -1)
			warn(&o, "INSUFFICIENT_BALANCE", "error", "value and "
			    "fee are out of range");
		else
			sim_funded(&o, x, need, n->symbol);
		sim_token(&o, &j->s, j->req, x, amount);
	} else {
		/* The node's verdict (simulateTransaction), if it ran. */
		if (x->sim_ran)
			sim_verdict(&o, x->sim_ok, sim_logs(x), x->gas_used,
			    x->sim_ok ? NULL : x->sim_error);
		else {
			sim_verdict(&o, 0, NULL, 0, x->sim_error);
			warn(&o, "SIMULATION_UNAVAILABLE", "warning",
			    x->sim_error);
		}
		if (x->sim_ran && !x->sim_ok) {
			snprintf(msg, sizeof(msg), "the node's simulation "
			    "fails: %s", x->sim_error);
			warn(&o, "SIMULATION_FAILED", "error", msg);
		}
		snprintf(d1, sizeof(d1), "%llu", (unsigned long long)x->fee);
		o.fee = json_pack("{s:s, s:s, s:i, s:o}", "estimatedFee", d1,
		    "feeSymbol", n->symbol, "feeDecimals", (int)n->decimals,
		    "feeUsd", fee_usd(&j->s, d1));
		if (j->s.sol_kind == SIGN_SOL_TOKEN) {
			json_object_set_new(o.fee, "needsAtaCreation",
			    json_boolean(!x->ata_exists));
			if (!x->ata_exists) {
				snprintf(d2, sizeof(d2), "%d", SOL_ATA_RENT);
				json_object_set_new(o.fee, "ataRentCost",
				    json_string(d2));
				warn(&o, "ATA_CREATION", "info", "the "
				    "recipient has no token account for this "
				    "mint: the transaction creates it and pays "
				    "its rent");
			}
		}
		if (j->s.sol_kind == SIGN_SOL_TOKEN && j->s.decimals >= 0 &&
		    j->s.decimals != x->decimals) {
			snprintf(msg, sizeof(msg), "token.decimals is %d but "
			    "the mint has %u", j->s.decimals, x->decimals);
			warn(&o, "DECIMALS_MISMATCH", "error", msg);
		}
		/* Lamports out: the transfer, the fee, a new account's rent. */
		lamports = (j->s.sol_kind == SIGN_SOL_TRANSFER ?
		    j->s.amount : 0) + x->fee + (j->s.sol_kind ==
		    SIGN_SOL_TOKEN && !x->ata_exists ? SOL_ATA_RENT : 0);
		u256_u64(need, lamports);
		if (x->have_balance)
			sim_change(&o, "native", n->symbol, (int)n->decimals,
			    x->balance, need);
		sim_funded(&o, x, need, n->symbol);
		sim_token(&o, &j->s, j->req, x, amount);
	}
reply:
	sim_reply(j->peerid, &j->r, j->usd, j->wallet, &j->s, &o, j->t0);
	job_end(j);
}

/*
 * A dry run: the decision without a write, then (if allowed) the chain's
 * estimate.  Nothing is stored, reserved or signed.  Consumes s.
 */
static void
sim_start(struct pd_ctx *c, const struct wref *w, struct txspec *s,
    const struct pe_tx *t, double t0)
{
	struct pe_result	 r;
	struct simout		 o;
	struct job		*j;

	decide_eval(w->id, w->net->name, t, c->now, &r);
	if (!r.allowed) {
		sim_init(&o);
		sim_reply(c->peerid, &r, t->usd, w->id, s, &o, t0);
		spec_free(s);
		return;
	}
	if (busy(c)) {
		spec_free(s);
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		fatal("calloc");
	uuidv7(j->id);
	strlcpy(j->wallet, w->id, sizeof(j->wallet));
	j->s = *s;			/* the job owns the call data now */
	j->peerid = c->peerid;
	j->r = r;
	j->usd = t->usd;
	j->dry = 1;
	j->t0 = t0;
	j->req = json_incref(c->body);
	if ((j->amount = strdup(t->amount)) == NULL)
		fatal("strdup");
	TAILQ_INSERT_TAIL(&jobs, j, entry);
	njobs++;
	prepare(j);
	j->state = J_SIM;
}

/* ---- what an owner approves ---- */

/*
 * The intent of a transaction as text, and its SHA-256 in hex: what the
 * owner's signature binds (resource urn:waiaas:intent:<hex>).  Everything
 * the chain will see that moves value: wallet, network, type, recipient
 * (or spender, contract, program), amount, token, the hash of the call
 * data (Solana: accounts and data), and the fee cap.
 */
static void
intent_make(const char *id, const char *wallet, const struct txspec *s,
    const char *amount, uint64_t fee_cap, char *text, size_t len,
    char hex[65])
{
	crypto_hash_sha256_state	st;
	uint8_t				h[32];
	char				data[65], cap[64];
	uint32_t			i;

	strlcpy(data, "none", sizeof(data));
	if (s->datalen > 0 || s->naccts > 0) {
		crypto_hash_sha256_init(&st);
		for (i = 0; i < s->naccts; i++) {
			crypto_hash_sha256_update(&st, s->accts[i].pubkey, 32);
			crypto_hash_sha256_update(&st,
			    &s->accts[i].is_signer, 1);
			crypto_hash_sha256_update(&st,
			    &s->accts[i].is_writable, 1);
		}
		if (s->datalen > 0)
			crypto_hash_sha256_update(&st, s->data, s->datalen);
		crypto_hash_sha256_final(&st, h);
		sodium_bin2hex(data, sizeof(data), h, 32);
	}
	if (s->chain == KS_CHAIN_ETHEREUM)
		snprintf(cap, sizeof(cap), "%llu gwei per gas",
		    (unsigned long long)fee_cap);
	else
		strlcpy(cap, "5000 lamports (one signature, no priority fee)",
		    sizeof(cap));
	snprintf(text, len, "WAIaaS transaction\nid: %s\nwallet: %s\n"
	    "network: %s\ntype: %s\nto: %s\namount: %s\ntoken: %s\n"
	    "calldata: %s\nfee cap: %s\n", id, wallet, net_get(s->net)->name,
	    type_names[s->type], s->rcpt, amount, s->type == T_TOKEN ||
	    s->type == T_APPROVE ? s->mint_text : "none", data, cap);
	crypto_hash_sha256(h, (const uint8_t *)text, strlen(text));
	sodium_bin2hex(hex, 65, h, 32);
}

/* The intent of a stored transaction; -1 if it has none. */
int
tx_intent(const char *id, char *text, size_t len, char hex[65])
{
	sqlite3_stmt		*st;
	struct txspec		 s;
	const struct network	*net;
	json_t			*req, *issues;
	const char		*why;
	uint8_t			 h[32];
	char			 mh[65];
	int			 r = -1, chain;

	memset(&s, 0, sizeof(s));
	if (sqlite3_prepare_v2(pd.db, "SELECT t.wallet_id, t.network, "
	    "t.request, w.public_key, w.chain, t.amount, t.fee_cap, t.type = "
	    "'SIGN_MESSAGE' FROM transactions t JOIN wallets w ON w.id = "
	    "t.wallet_id WHERE t.id = ?", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return -1;
	}
	net = net_find((const char *)sqlite3_column_text(st, 1));
	chain = strcmp((const char *)sqlite3_column_text(st, 4), "ethereum") ==
	    0 ? KS_CHAIN_ETHEREUM : KS_CHAIN_SOLANA;
	req = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);
	if ((issues = json_array()) == NULL)
		fatalx("json_array");
	if (sqlite3_column_int(st, 7)) {
		s.chain = chain;
		s.net = net != NULL ? net_index(net) : 0;
		if (net != NULL && req != NULL && msg_parse(req, chain, &s,
		    &why) == 0) {
			crypto_hash_sha256(h, s.data, s.datalen);
			sodium_bin2hex(mh, sizeof(mh), h, 32);
			snprintf(text, len, "WAIaaS message signature\nid: %s\n"
			    "wallet: %s\nnetwork: %s\nsignType: %s\n"
			    "message sha256: %s\n", id, (const char *)
			    sqlite3_column_text(st, 0), net->name, s.msg_kind ==
			    SIGN_EVM_TYPED ? "typedData" : "personal", mh);
			crypto_hash_sha256(h, (const uint8_t *)text,
			    strlen(text));
			sodium_bin2hex(hex, 65, h, 32);
			r = 0;
		}
	} else if (net != NULL && req != NULL && spec_parse(req, chain,
	    net_index(net), (const char *)sqlite3_column_text(st, 3), &s,
	    issues) == 0) {
		intent_make(id, (const char *)sqlite3_column_text(st, 0), &s,
		    (const char *)sqlite3_column_text(st, 5),
		    (uint64_t)sqlite3_column_int64(st, 6), text, len, hex);
		r = 0;
	}
	spec_free(&s);
	json_decref(req);
	json_decref(issues);
	sqlite3_finalize(st);
	return r;
}

/* ---- gasCondition ---- */

/*
 * Is the node's gas price within the gasCondition?  The price a
 * transaction pays per gas is the base fee and the priority fee; the
 * priority fee is also held to its own maximum.  prices gets both in
 * decimal, for messages.
 */
static int
gas_met(const struct txspec *s, const struct chain_ctx *x, char price[80],
    char prio[80])
{
	uint8_t	per_gas[32];

	if (u256_add(per_gas, x->base_fee, x->priority_fee) == -1)
		memset(per_gas, 0xff, sizeof(per_gas));
	u256_dec(per_gas, price);
	u256_dec(x->priority_fee, prio);
	return (!s->has_gas_max || u256_cmp(per_gas, s->gas_max) <= 0) &&
	    (!s->has_prio_max || u256_cmp(x->priority_fee, s->prio_max) <= 0);
}

static void
gas_again(evutil_socket_t fd, short what, void *arg)
{
	struct job	*j = arg;

	(void)fd;
	(void)what;
	if (!ended(j) && !killed(j))
		prepare(j);
}

/* When a transaction could first run: its request, or its DELAY's end. */
static long long
runnable_at(const char *id)
{
	sqlite3_stmt	*st;
	long long	 t = 0;

	if (sqlite3_prepare_v2(pd.db, "SELECT max(created_at, "
	    "coalesce(execute_after, 0)) FROM transactions WHERE id = ?", -1,
	    &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		t = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return t;
}

/*
 * A send with a gasCondition the node's prices do not meet waits: its
 * row says so (error, status EXECUTING) and the prices are asked again
 * every few seconds, until they do or its timeout from the request (or
 * its DELAY's end) has passed (then FAILED, GAS_CONDITION_TIMEOUT).  A restart
 * resumes the wait with the same deadline.  1 when it waits or failed.
 */
static int
gas_wait(struct job *j, const struct chain_ctx *x)
{
	sqlite3_stmt	*st;
	struct timeval	 tv;
	long long	 now = (long long)time(NULL), until;
	char		 price[80], prio[80], msg[400];
	long		 ms;

	if (!j->s.gas_cond)
		return 0;
	if (gas_met(&j->s, x, price, prio)) {
		tx_update("UPDATE transactions SET error = NULL, updated_at = "
		    "?1 WHERE id = ?2 AND error LIKE 'waiting for gas%'",
		    j->id);
		return 0;
	}
	until = runnable_at(j->id) + j->s.gas_timeout;
	if (now >= until) {
		snprintf(msg, sizeof(msg), "gasCondition not met within %llds:"
		    " the node's gas price is %s wei (priority fee %s)",
		    j->s.gas_timeout, price, prio);
		tx_fail(j, "GAS_CONDITION_TIMEOUT", 0, msg);
		return 1;
	}
	snprintf(msg, sizeof(msg), "waiting for gas: the node's gas price is "
	    "%s wei (priority fee %s), above the gasCondition; gives up at "
	    "%lld", price, prio, until);
	if (sqlite3_prepare_v2(pd.db, "UPDATE transactions SET error = ?1, "
	    "updated_at = ?2 WHERE id = ?3", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, msg, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, j->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	if (j->gas_ev == NULL &&
	    (j->gas_ev = evtimer_new(pd.base, gas_again, j)) == NULL)
		fatalx("evtimer_new");
	ms = (long)pd.p->cfg.poll_ms * 3L;
	ms = ms < 300 ? 300 : ms > GAS_POLL_MS ? GAS_POLL_MS : ms;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(j->gas_ev, &tv);
	j->state = J_PREPARE;
	return 1;
}

/* api -> policyd: the chain context of a transaction. */
void
tx_context(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct chain_ctx	 x;
	struct job		*j;
	char			 msg[120];

	(void)ch;
	(void)arg;
	memcpy(&x, imsg->data, sizeof(x));
	if (memchr(x.txid, '\0', sizeof(x.txid)) == NULL ||
	    memchr(x.message, '\0', sizeof(x.message)) == NULL ||
	    memchr(x.sim_error, '\0', sizeof(x.sim_error)) == NULL ||
	    memchr(x.sim_logs, '\0', sizeof(x.sim_logs)) == NULL)
		fatalx("IMSG_CHAIN_CONTEXT: malformed");
	if ((j = job_find(x.txid)) != NULL && j->state == J_SIM) {
		sim_done(j, &x);
		return;
	}
	if (j == NULL || j->state != J_PREPARE) {
		log_warnx("chain context for %s, which is not preparing",
		    x.txid);
		return;
	}
	if (ended(j) || killed(j))
		return;
	if (x.status != CHAIN_OK) {
		tx_fail(j, "CHAIN_ERROR", x.status == CHAIN_ERROR &&
		    x.retryable, x.message[0] != '\0' ? x.message :
		    "chain error");
		return;
	}
	if (gas_wait(j, &x))
		return;
	if (j->s.chain == KS_CHAIN_ETHEREUM && x.have_decimals &&
	    j->s.decimals >= 0 && j->s.decimals != x.decimals) {
		snprintf(msg, sizeof(msg), "token.decimals is %d but the "
		    "token's decimals() says %u", j->s.decimals, x.decimals);
		tx_fail(j, "VALIDATION_FAILED", 0, msg);
	} else if (j->s.chain == KS_CHAIN_ETHEREUM)
		sign_evm(j, &x);
	else
		sign_sol(j, &x);
}

static void
broadcast(struct job *j, const uint8_t *raw, size_t rawlen,
    const uint8_t *hash, size_t hashlen, uint64_t nonce, int flags)
{
	struct chain_send	s;
	struct iovec		iov[2];

	memset(&s, 0, sizeof(s));
	strlcpy(s.txid, j->id, sizeof(s.txid));
	s.net = j->s.net;
	s.flags = (uint32_t)flags;
	strlcpy(s.from, j->s.from, sizeof(s.from));
	s.hashlen = (uint32_t)hashlen;
	memcpy(s.hash, hash, hashlen);
	s.nonce = nonce;
	s.last_valid_height = j->last_valid_height;
	s.rawlen = (uint32_t)rawlen;
	iov[0].iov_base = &s;
	iov[0].iov_len = sizeof(s);
	iov[1].iov_base = (void *)(uintptr_t)raw;
	iov[1].iov_len = rawlen;
	j->state = J_SEND;
	if (imsgev_composev(&pd.api, IMSG_CHAIN_SEND, 0, -1, iov, 2) == -1)
		fatal("IMSG_CHAIN_SEND");
}

static void
hash_text(int chain, const uint8_t *h, char *out, size_t len)
{
	if (chain == KS_CHAIN_ETHEREUM) {
		strlcpy(out, "0x", len);
		sodium_bin2hex(out + 2, len - 2, h, 32);
	} else
		base58_encode(h, 64, out, len);
}

/* ---- message signing ---- */

/*
 * The bytes a message request signs: personal (EVM: the signer adds the
 * EIP-191 prefix; Solana: the off-chain message header) or typed data
 * (EVM: the domain separator and the struct hash).  0, or -1 and *why.
 */
static int
msg_parse(json_t *req, int chain, struct txspec *s, const char **why)
{
	const char	*type = str(req, "signType"), *m;
	json_t		*typed;
	uint8_t		 d[32], h[32];
	uint64_t	 cid;

	s->msg_kind = type == NULL || strcmp(type, "personal") == 0 ?
	    SIGN_EVM_PERSONAL : SIGN_EVM_TYPED;
	if (s->msg_kind == SIGN_EVM_PERSONAL) {
		if ((m = str(req, "message")) == NULL || strlen(m) == 0 ||
		    strlen(m) > SIGN_MSG_MAX) {
			*why = "message: 1 to 16384 bytes of text";
			return -1;
		}
		s->datalen = strlen(m);
		if ((s->data = malloc(s->datalen)) == NULL)
			fatal("malloc");
		memcpy(s->data, m, s->datalen);
		return 0;
	}
	if (chain != KS_CHAIN_ETHEREUM) {
		*why = "typed data (EIP-712) is for EVM wallets";
		return -1;
	}
	typed = json_object_get(req, "typedData");
	if (eip712_hash(typed, d, h, why) == -1)
		return -1;
	/* Signed for another chain, it could be replayed there. */
	if (eip712_chain_id(typed, &cid) == 0 &&
	    cid != net_get(s->net)->chain_id) {
		*why = "typedData.domain.chainId is not the network's chain id";
		return -1;
	}
	if ((s->data = malloc(64)) == NULL)
		fatal("malloc");
	memcpy(s->data, d, 32);
	memcpy(s->data + 32, h, 32);
	s->datalen = 64;
	return 0;
}

/*
 * The policies' view of a message: a token permit is an approval of
 * each token it grants (APPROVED_SPENDERS, APPROVE_AMOUNT_LIMIT, the
 * tiers of its value); other typed data for a contract is a call to it
 * (CONTRACT_WHITELIST); anything else a message of no value.  The
 * strictest tier wins; one refusal refuses.  Inside the caller's
 * transaction.  1 allowed, 0 denied; *usd the value (-1 unknown).
 */
static int
msg_decide(struct pd_ctx *c, const struct wref *w, struct pe_result *r,
    double *usd, char *to, char *token, char *amount)
{
	struct eip712_permit	 pm;
	struct pe_tx		 t;
	struct pe_result	 one;
	json_t			*typed = json_object_get(c->body, "typedData");
	const char		*why;
	size_t			 i;

	memset(&t, 0, sizeof(t));
	t.evm = w->chain == KS_CHAIN_ETHEREUM;
	t.network = w->net->name;
	t.amount = "0";
	*usd = 0;
	if (typed != NULL && eip712_permit(typed, &pm, &why) == 1 &&
	    pm.n > 0) {
		for (i = 0; i < pm.n; i++) {
			t.type = PE_APPROVE;
			t.token = pm.grant[i].token;
			t.to = t.spender = pm.grant[i].spender;
			t.amount = pm.grant[i].amount;
			t.usd = strcmp(t.amount, "0") == 0 ? 0 :
			    price_value(w->net, t.token, t.amount, c->now,
			    NULL, 0);
			*usd = t.usd < 0 || *usd < 0 ? -1 : *usd + t.usd;
			if (!decide_eval(w->id, w->net->name, &t, c->now,
			    i == 0 ? r : &one)) {
				if (i > 0)
					*r = one;
				return 0;
			}
			if (i > 0 && one.tier > r->tier)
				*r = one;
		}
		strlcpy(to, pm.grant[0].spender, CHAIN_ADDR_MAX + 1);
		strlcpy(token, pm.grant[0].token, CHAIN_ADDR_MAX + 1);
		strlcpy(amount, pm.grant[0].amount, 80);
		return 1;
	}
	if (typed != NULL && eip712_verifying_contract(typed, to) == 0) {
		t.type = PE_CALL;
		t.to = to;
	} else
		t.type = PE_MESSAGE;
	return decide_eval(w->id, w->net->name, &t, c->now, r);
}

/* Ask the signer to sign a message job's bytes. */
static void
msg_sign(struct job *j)
{
	struct sign_evm_msg	e;
	struct sign_sol_msg	m;
	struct iovec		iov[2];

	iov[1].iov_base = j->s.data;
	iov[1].iov_len = j->s.datalen;
	j->state = J_SIGN;
	j->sign_id = ++next_sign_id;
	if (j->s.chain == KS_CHAIN_ETHEREUM) {
		memset(&e, 0, sizeof(e));
		strlcpy(e.id, j->wallet, sizeof(e.id));
		e.kind = (uint32_t)j->s.msg_kind;
		e.datalen = (uint32_t)j->s.datalen;
		iov[0].iov_base = &e;
		iov[0].iov_len = sizeof(e);
		if (imsgev_composev(&pd.signer, IMSG_SIGNER_SIGN_EVM_MSG,
		    j->sign_id, -1, iov, 2) == -1)
			fatal("IMSG_SIGNER_SIGN_EVM_MSG");
	} else {
		memset(&m, 0, sizeof(m));
		strlcpy(m.id, j->wallet, sizeof(m.id));
		m.datalen = (uint32_t)j->s.datalen;
		iov[0].iov_base = &m;
		iov[0].iov_len = sizeof(m);
		if (imsgev_composev(&pd.signer, IMSG_SIGNER_SIGN_SOL_MSG,
		    j->sign_id, -1, iov, 2) == -1)
			fatal("IMSG_SIGNER_SIGN_SOL_MSG");
	}
}

/* The signature of a message job: stored, audited, answered. */
static void
msg_signed(struct job *j, const struct sign_reply *r, const uint8_t *sig)
{
	sqlite3_stmt	*st;
	json_t		*a;
	char		 text[200];
	long long	 now = (long long)time(NULL);

	if (r->status != SIGN_OK || r->len != (j->s.chain == KS_CHAIN_ETHEREUM ?
	    65U : 64U)) {
		if (j->peerid != 0)
			pd_fail(j->peerid, r->status == SIGN_LOCKED ? 503 :
			    500, r->status == SIGN_LOCKED ? "KEYSTORE_LOCKED" :
			    "INTERNAL_ERROR", "the signer could not sign", 0);
		tx_fail(j, r->status == SIGN_LOCKED ? "KEYSTORE_LOCKED" :
		    "INTERNAL_ERROR", 0, "the signer could not sign");
		return;
	}
	if (j->s.chain == KS_CHAIN_ETHEREUM) {
		strlcpy(text, "0x", sizeof(text));
		sodium_bin2hex(text + 2, sizeof(text) - 2, sig, 65);
	} else
		base58_encode(sig, 64, text, sizeof(text));
	if (store_begin() == -1)
		fatalx("database busy");
	if (sqlite3_prepare_v2(pd.db, "UPDATE transactions SET status = "
	    "'SIGNED', signature = ?, updated_at = ? WHERE id = ?", -1, &st,
	    NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, j->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	a = json_pack("{s:s, s:s, s:s, s:s}", "id", j->id, "status", "SIGNED",
	    "signType", j->s.msg_kind == SIGN_EVM_TYPED ? "typedData" :
	    "personal", "signature", text);
	if (a == NULL || audit_append(now, "TX_MESSAGE_SIGNED", "system",
	    j->id, json_object()) == -1 || (j->peerid != 0 &&
	    idem_answer(j->peerid, 200, a) == -1) || store_commit() == -1)
		fatalx("database: cannot record a signature");
	if (j->peerid != 0)
		pd_reply_json(j->peerid, 200, a);
	else
		json_decref(a);
	job_end(j);
}


/* signer -> policyd: the signed transaction. */
void
tx_signed(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct sign_reply	 r;
	struct job		*j;
	const uint8_t		*raw = (const uint8_t *)imsg->data + sizeof(r);
	sqlite3_stmt		*st;
	uint8_t			 hash[64];
	char			 text[100];
	size_t			 hlen;
	uint64_t		 nonce = 0;

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	if (imsg->len != sizeof(r) + r.len)
		fatalx("IMSG_SIGNER_SIGNED: malformed");
	TAILQ_FOREACH(j, &jobs, entry)
		if (j->state == J_SIGN && j->sign_id == imsg->hdr.peerid)
			break;
	if (j == NULL)
		fatalx("IMSG_SIGNER_SIGNED for no transaction");
	/* Ended while the signer worked: the bytes are dropped, unsent. */
	if (ended(j))
		return;
	/* Signed as the switch went on: the bytes are dropped, unsent. */
	if (j->s.msg && pd.killed && j->peerid != 0)
		pd_fail(j->peerid, 503, "KILL_SWITCH_ACTIVE", "the kill switch "
		    "is active", 0);
	if (killed(j))
		return;
	if (j->s.msg) {
		msg_signed(j, &r, raw);
		return;
	}
	if (r.status != SIGN_OK || r.len == 0) {
		tx_fail(j, r.status == SIGN_LOCKED ? "KEYSTORE_LOCKED" :
		    "INTERNAL_ERROR", 0, r.status == SIGN_UNKNOWN_WALLET ?
		    "the signer has no key for this wallet" :
		    r.status == SIGN_INVALID ? "the signer refused the "
		    "transaction's fields" : "the signer could not sign");
		return;
	}
	if (j->s.chain == KS_CHAIN_ETHEREUM) {
		memcpy(hash, r.txhash, 32);
		hlen = 32;
	} else {
		/* compact-u16 signature count (1), then the first one */
		if (r.len < 65 || raw[0] != 1)
			fatalx("IMSG_SIGNER_SIGNED: not a Solana transaction");
		memcpy(hash, raw + 1, 64);
		hlen = 64;
	}
	hash_text(j->s.chain, hash, text, sizeof(text));
	if (store_begin() == -1)
		fatalx("database busy");
	if (sqlite3_prepare_v2(pd.db, "UPDATE transactions SET status = "
	    "'SIGNED', raw = ?, sig_hash = ?, last_valid_height = ?, nonce = "
	    "?, updated_at = ? WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_blob(st, 1, raw, (int)r.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (long long)j->last_valid_height);
	if (j->has_nonce)
		sqlite3_bind_int64(st, 4, (long long)j->nonce);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int64(st, 5, (long long)time(NULL));
	sqlite3_bind_text(st, 6, j->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	if (store_commit() == -1)
		fatalx("database: cannot record a signed transaction");
	nonce = j->nonce;
	j->has_nonce = 0;
	broadcast(j, raw, r.len, hash, hlen, nonce, 0);
}

/* Back to the start after "nonce too low" or an expired blockhash. */
static void
reprepare(struct job *j)
{
	if (killed(j))
		return;
	j->has_nonce = 0;
	tx_update("UPDATE transactions SET status = 'EXECUTING', raw = NULL, "
	    "sig_hash = NULL, nonce = NULL, attempts = attempts + 1, "
	    "updated_at = ?1 WHERE id = ?2", j->id);
	prepare(j);
}

static int
attempts_of(const char *id)
{
	sqlite3_stmt	*st;
	int		 n = 0;

	if (sqlite3_prepare_v2(pd.db, "SELECT attempts FROM transactions "
	    "WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static long long
stored_nonce(const char *id)
{
	sqlite3_stmt	*st;
	long long	 n = -1;

	if (sqlite3_prepare_v2(pd.db, "SELECT nonce FROM transactions WHERE "
	    "id = ? AND nonce IS NOT NULL", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/*
 * An EVM transaction the node refused leaves its nonce unused; if later
 * ones of the wallet were signed above it, they wait behind the gap for
 * ever.  Re-signing them lower would be wrong (the originals could still
 * land: a double spend).  The gap is filled instead: a transaction of
 * nothing from the wallet to itself, at exactly that nonce.
 */
static void
fill_gap(const char *wallet, uint32_t net, long long nonce)
{
	sqlite3_stmt		*st;
	const struct network	*n = net_get(net);
	json_t			*req;
	char			 id[UUID_STR_LEN], addr[CHAIN_ADDR_MAX + 1];
	char			*text;
	long long		 now = (long long)time(NULL);
	int			 behind = 0;

	if (sqlite3_prepare_v2(pd.db, "SELECT count(*), (SELECT public_key "
	    "FROM wallets WHERE id = ?1) FROM transactions WHERE wallet_id = "
	    "?1 AND network = ?2 AND nonce > ?3 AND status IN ('SIGNED', "
	    "'SUBMITTED')", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, wallet, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, nonce);
	if (sqlite3_step(st) == SQLITE_ROW) {
		behind = sqlite3_column_int(st, 0);
		strlcpy(addr, (const char *)sqlite3_column_text(st, 1),
		    sizeof(addr));
	}
	sqlite3_finalize(st);
	if (behind == 0)
		return;
	if ((req = json_pack("{s:s, s:s, s:s, s:s}", "type", "CONTRACT_CALL",
	    "to", addr, "walletId", wallet, "network", n->name)) == NULL)
		fatalx("json_pack");
	text = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(req);
	uuidv7(id);
	if (text == NULL || store_begin() == -1)
		fatalx("cannot record a nonce filler");
	if (sqlite3_prepare_v2(pd.db, "INSERT INTO transactions (id, "
	    "wallet_id, type, status, tier, chain, network, to_address, "
	    "amount, request, nonce, created_at, updated_at) VALUES (?, ?, "
	    "'CONTRACT_CALL', 'PENDING', 'INSTANT', 'ethereum', ?, ?, '0', ?, "
	    "?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, wallet, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, n->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, addr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, nonce);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_int64(st, 8, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_finalize(st);
	wipe_free(text);
	if (audit_append(now, "TX_NONCE_FILLER", "system", id, json_pack(
	    "{s:s, s:s, s:I}", "walletId", wallet, "network", n->name,
	    "nonce", (json_int_t)nonce)) == -1 || store_commit() == -1)
		fatalx("database: cannot record a nonce filler");
	log_info("wallet %s: nonce %lld unused on %s, %d waiting behind it; "
	    "filling it with %s", wallet, nonce, n->name, behind, id);
	tx_execute(id);
}

/* api -> policyd: a state change of a transaction sent. */
void
tx_status(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct chain_status	 s;
	struct job		*j;
	long long		 now = (long long)time(NULL), nonce = -1;
	char			 wallet[KS_ID_LEN + 1];
	uint32_t		 net = 0;
	int			 gap_wallet;

	(void)ch;
	(void)arg;
	memcpy(&s, imsg->data, sizeof(s));
	if (memchr(s.txid, '\0', sizeof(s.txid)) == NULL ||
	    memchr(s.message, '\0', sizeof(s.message)) == NULL)
		fatalx("IMSG_CHAIN_STATUS: malformed");
	if ((j = job_find(s.txid)) == NULL || j->state != J_SEND) {
		log_warnx("chain status for %s, which is not being sent",
		    s.txid);
		return;
	}
	switch (s.state) {
	case CHST_SUBMITTED:
		tx_update("UPDATE transactions SET status = 'SUBMITTED', "
		    "tx_hash = sig_hash, updated_at = ?1 WHERE id = ?2 AND "
		    "status = 'SIGNED'", j->id);
		return;
	case CHST_CONFIRMED:
		if (store_begin() == -1)
			fatalx("database busy");
		tx_update("UPDATE transactions SET status = 'CONFIRMED', "
		    "tx_hash = sig_hash, updated_at = ?1 WHERE id = ?2",
		    j->id);
		if (audit_append(now, "TX_CONFIRMED", "system", j->id,
		    json_object()) == -1 || store_commit() == -1)
			fatalx("database: cannot record a confirmation");
		log_info("transaction %s confirmed", j->id);
		job_end(j);
		return;
	case CHST_FAILED:
		/* On chain: the hash is the proof. */
		tx_update("UPDATE transactions SET tx_hash = sig_hash, "
		    "updated_at = ?1 WHERE id = ?2", j->id);
		tx_fail(j, "CHAIN_ERROR", 0, s.message);
		return;
	case CHST_NOT_SENT:
		gap_wallet = j->s.chain == KS_CHAIN_ETHEREUM;
		if (gap_wallet) {
			strlcpy(wallet, j->wallet, sizeof(wallet));
			net = j->s.net;
			nonce = stored_nonce(j->id);
		}
		tx_fail(j, "CHAIN_ERROR", s.retryable != 0, s.message);
		if (gap_wallet && nonce != -1)
			fill_gap(wallet, net, nonce);
		return;
	case CHST_NONCE_LOW:
		if (j->filler) {
			/* Another transaction took the nonce: no gap left. */
			tx_fail(j, "CHAIN_ERROR", 0, "the nonce gap was filled "
			    "by another transaction");
			return;
		}
		if (attempts_of(j->id) >= NONCE_RETRIES) {
			tx_fail(j, "CHAIN_ERROR", 1, "nonce too low, again "
			    "after re-signing");
			return;
		}
		log_info("transaction %s: nonce too low; re-signing", j->id);
		reprepare(j);
		return;
	case CHST_EXPIRED:
		if (attempts_of(j->id) >= EXPIRE_RETRIES) {
			tx_fail(j, "CHAIN_ERROR", 1, "the blockhash expired "
			    "again after re-signing");
			return;
		}
		log_info("transaction %s: blockhash expired; re-signing",
		    j->id);
		reprepare(j);
		return;
	default:
		fatalx("IMSG_CHAIN_STATUS: state %d", s.state);
	}
}

/*
 * At start: every transaction the database says is under way goes on.
 * Not yet signed: from the start.  Signed: the same bytes again (a
 * duplicate broadcast of one signed transaction cannot spend twice).
 * Submitted: watched.  With the kill switch on, nothing is sent: a
 * signed transaction is only watched for (it may have left before the
 * stop), and an unsigned one ends CANCELLED.
 */
void
tx_resume(void)
{
	sqlite3_stmt	*st;
	struct job	*j;
	const char	*h;
	char		 id[UUID_STR_LEN];
	uint8_t		 hash[64];
	size_t		 n = 0, hlen;
	int		 submitted;

	if (sqlite3_prepare_v2(pd.db, "SELECT id, status, raw, sig_hash, "
	    "nonce, last_valid_height FROM transactions WHERE status IN "
	    "('PENDING', 'EXECUTING', 'SIGNED', 'SUBMITTED') AND (type != "
	    "'SIGN_MESSAGE' OR status = 'PENDING') ORDER BY created_at", -1,
	    &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		strlcpy(id, (const char *)sqlite3_column_text(st, 0),
		    sizeof(id));
		submitted = strcmp((const char *)sqlite3_column_text(st, 1),
		    "SUBMITTED") == 0;
		n++;
		if (sqlite3_column_type(st, 2) == SQLITE_NULL) {
			tx_execute(id);
			continue;
		}
		if ((j = job_load(id)) == NULL)
			continue;
		j->last_valid_height = (uint64_t)sqlite3_column_int64(st, 5);
		h = (const char *)sqlite3_column_text(st, 3);
		hlen = 0;
		if (h != NULL && j->s.chain == KS_CHAIN_ETHEREUM &&
		    strlen(h) == 66 && sodium_hex2bin(hash, 32, h + 2, 64,
		    NULL, NULL, NULL) == 0)
			hlen = 32;
		else if (h != NULL && j->s.chain == KS_CHAIN_SOLANA &&
		    base58_decode(h, strlen(h), hash, 64) == 64)
			hlen = 64;
		if (hlen == 0)
			fatalx("transaction %s: stored hash malformed", id);
		broadcast(j, sqlite3_column_blob(st, 2),
		    (size_t)sqlite3_column_bytes(st, 2), hash, hlen,
		    (uint64_t)sqlite3_column_int64(st, 4),
		    submitted || pd.killed ? CHSEND_WATCH_ONLY : 0);
	}
	sqlite3_finalize(st);
	if (n > 0)
		log_info("resuming %zu transactions", n);
	queue_arm();
}

/* ---- routes ---- */

static void
fail_issues(uint32_t peerid, json_t *issues)
{
	char	*text;

	if ((text = json_dumps(issues, JSON_COMPACT)) == NULL)
		fatalx("json_dumps");
	pd_reply(peerid, 400, "VALIDATION_FAILED", text, strlen(text));
	wipe_free(text);
	json_decref(issues);
}

/*
 * The row of an allowed transaction, its audit record and the owner's
 * notification, inside the caller's SQLite transaction: the decision,
 * the reservation (reserved_usd) and the row are one commit, so
 * concurrent requests see each other's reservations.
 */
static int
tx_insert(struct pd_ctx *c, const struct wref *w, const struct txspec *s,
    const struct pe_tx *t, const struct pe_result *r, const char *id)
{
	sqlite3_stmt	*st;
	json_t		*req, *ev;
	char		*text, actor[64], intent[1024], hex[65];
	uint64_t	 cap = 0;
	int		 queued = r->tier >= TIER_DELAY, rc;

	/* The request as it will execute: its network named. */
	req = json_deep_copy(c->body);
	json_object_del(req, "dryRun");
	json_object_set_new(req, "network", json_string(w->net->name));
	json_object_set_new(req, "walletId", json_string(w->id));
	if ((text = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatalx("json_dumps");
	json_decref(req);
	if (s->chain == KS_CHAIN_ETHEREUM)
		cap = pd.p->cfg.max_fee_gwei;
	if (sqlite3_prepare_v2(pd.db, "INSERT INTO transactions (id, "
	    "wallet_id, session_id, type, status, tier, chain, network, "
	    "to_address, amount, token, request, reserved_usd, execute_after, "
	    "expires_at, fee_cap, created_at, updated_at) VALUES (?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) !=
	    SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, type_names[s->type], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, queued ? "QUEUED" : "PENDING", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 6, tier_name(r->tier), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, chain_name(w->chain), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, w->net->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, s->rcpt, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, t->amount, -1, SQLITE_STATIC);
	if (t->token != NULL)
		sqlite3_bind_text(st, 11, t->token, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, text, -1, SQLITE_STATIC);
	if (t->usd >= 0)
		sqlite3_bind_double(st, 13, t->usd);
	if (r->tier == TIER_DELAY)
		sqlite3_bind_int64(st, 14, c->now + r->delay_seconds);
	if (r->tier == TIER_APPROVAL)
		sqlite3_bind_int64(st, 15, c->now + r->approval_timeout);
	if (cap > 0)
		sqlite3_bind_int64(st, 16, (long long)cap);
	sqlite3_bind_int64(st, 17, c->now);
	sqlite3_bind_int64(st, 18, c->now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	wipe_free(text);
	if (rc != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	snprintf(actor, sizeof(actor), "session:%s", c->session);
	if (audit_append(c->now, "TX_REQUESTED", actor, id, json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:o}", "walletId", w->id, "type",
	    type_names[s->type], "network", w->net->name, "tier",
	    tier_name(r->tier), "reason", r->reason, "usdValue", t->usd >= 0 ?
	    json_real(t->usd) : json_null())) == -1)
		return -1;
	if (r->tier == TIER_INSTANT)
		return 0;
	/* The owner hears of everything above INSTANT. */
	ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:s}",
	    "txId", id, "walletId", w->id, "network", w->net->name, "type",
	    type_names[s->type], "to", s->rcpt, "amount", t->amount, "token",
	    t->token != NULL ? json_string(t->token) : json_null(), "tier",
	    tier_name(r->tier), "usdValue", t->usd >= 0 ? json_real(t->usd) :
	    json_null(), "reason", r->reason);
	if (ev == NULL)
		fatalx("json_pack event");
	if (r->tier == TIER_DELAY)
		json_object_set_new(ev, "executeAfter",
		    json_integer(c->now + r->delay_seconds));
	if (r->tier == TIER_APPROVAL) {
		intent_make(id, w->id, s, t->amount, cap, intent,
		    sizeof(intent), hex);
		json_object_set_new(ev, "expiresAt",
		    json_integer(c->now + r->approval_timeout));
		json_object_set_new(ev, "intent", json_string(intent));
		json_object_set_new(ev, "intentHash", json_string(hex));
	}
	return outbox_add(c->now, r->tier == TIER_NOTIFY ? "TX_NOTIFY" :
	    r->tier == TIER_DELAY ? "TX_DELAYED" : "TX_APPROVAL_REQUIRED", ev);
}

/* POST /v1/transactions/send (dryRun too), /v1/transactions/simulate */
void
tx_send(struct pd_ctx *c)
{
	struct wref		 w;
	struct txspec		 s;
	struct pe_tx		 t;
	struct pe_result	 r;
	struct job		*j;
	json_t			*issues, *a;
	char			 id[UUID_STR_LEN], sel[11];
	int			 queued;
	double			 t0 = mono_ms();

	if (!send_ref(c, &w))
		return;
	if ((issues = json_array()) == NULL)
		fatalx("json_array");
	memset(&s, 0, sizeof(s));
	req_forms(c->body, w.chain, w.net, issues);
	if (json_array_size(issues) > 0 || spec_parse(c->body, w.chain,
	    net_index(w.net), w.address, &s, issues) > 0) {
		spec_free(&s);
		fail_issues(c->peerid, issues);
		return;
	}
	json_decref(issues);
	spec_pe(&s, c->body, w.net->name, &t, sel);
	t.usd = spec_usd(&s, t.amount, c->now, NULL, 0);
	if (c->route == R_TX_SIMULATE ||
	    json_is_true(json_object_get(c->body, "dryRun"))) {
		sim_start(c, &w, &s, &t, t0);
		return;
	}
	if (busy(c)) {
		spec_free(&s);
		return;
	}
	if (!pd_begin(c)) {
		spec_free(&s);
		return;
	}
	if (!decide_eval(w.id, w.net->name, &t, c->now, &r)) {
		spec_free(&s);
		denied(c, &w, type_names[s.type], &r);
		return;
	}
	uuidv7(id);
	queued = r.tier >= TIER_DELAY;
	if (tx_insert(c, &w, &s, &t, &r, id) == -1) {
		spec_free(&s);
		store_rollback();
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "cannot record "
		    "the transaction", 1);
		return;
	}
	spec_free(&s);
	/*
	 * Asking the chain for context changes nothing, so it starts now,
	 * while the commit waits for the disk.  Nothing is signed unless
	 * the commit succeeds: without it there is no job for the context.
	 */
	if (!queued)
		tx_execute(id);
	/* The answer, and its Idempotency-Key with the transaction. */
	a = json_pack("{s:s, s:s, s:s}", "id", id, "status", queued ?
	    "QUEUED" : "PENDING", "tier", tier_name(r.tier));
	if (a == NULL || idem_record(c->peerid, id, c->route, 201, a) == -1 ||
	    store_commit() == -1) {
		json_decref(a);
		store_rollback();
		if ((j = job_find(id)) != NULL)
			job_end(j);
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "cannot record "
		    "the transaction", 1);
		return;
	}
	if (queued)
		queue_arm();
	pd_reply_json(c->peerid, 201, a);
}

#define TX_COLS	"id, wallet_id, type, status, tier, chain, network, " \
		"to_address, amount, token, tx_hash, error, error_code, " \
		"retryable, nonce, created_at, updated_at, execute_after, " \
		"expires_at, signature"

static json_t *
coltext(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null() :
	    json_string((const char *)sqlite3_column_text(st, i));
}

static json_t *
tx_row(sqlite3_stmt *st)
{
	json_t	*j;

	j = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:o, "
	    "s:o, s:o, s:o, s:b, s:o, s:I, s:I}",
	    "id", sqlite3_column_text(st, 0),
	    "walletId", sqlite3_column_text(st, 1),
	    "type", sqlite3_column_text(st, 2),
	    "status", sqlite3_column_text(st, 3),
	    "tier", coltext(st, 4),
	    "chain", sqlite3_column_text(st, 5),
	    "network", sqlite3_column_text(st, 6),
	    "toAddress", coltext(st, 7),
	    "amount", coltext(st, 8),
	    "token", coltext(st, 9),
	    "txHash", coltext(st, 10),
	    "error", coltext(st, 11),
	    "errorCode", coltext(st, 12),
	    "retryable", sqlite3_column_int(st, 13) != 0,
	    "nonce", sqlite3_column_type(st, 14) == SQLITE_NULL ?
	    json_null() : json_integer(sqlite3_column_int64(st, 14)),
	    "createdAt", (json_int_t)sqlite3_column_int64(st, 15),
	    "updatedAt", (json_int_t)sqlite3_column_int64(st, 16));
	if (j == NULL)
		fatalx("json_pack transaction");
	if (sqlite3_column_type(st, 17) != SQLITE_NULL)
		json_object_set_new(j, "executeAfter",
		    json_integer(sqlite3_column_int64(st, 17)));
	if (sqlite3_column_type(st, 18) != SQLITE_NULL)
		json_object_set_new(j, "expiresAt",
		    json_integer(sqlite3_column_int64(st, 18)));
	if (sqlite3_column_type(st, 19) != SQLITE_NULL)
		json_object_set_new(j, "signature", coltext(st, 19));
	/* Being prepared or signed: recorded as PENDING, shown as it is. */
	if (strcmp(str(j, "status"), "PENDING") == 0 &&
	    job_find(str(j, "id")) != NULL)
		json_object_set_new(j, "status", json_string("EXECUTING"));
	return j;
}

/* A transaction as GET shows it (no approval intent), or NULL. */
json_t *
tx_json(const char *id)
{
	return store_one("SELECT " TX_COLS " FROM transactions WHERE id = ?",
	    id, tx_row);
}

/* GET /v1/transactions/{id}: the session's own wallets only. */
void
tx_get(struct pd_ctx *c)
{
	json_t	*t;
	char	 text[1024], hex[65], urn[96];

	t = store_one("SELECT " TX_COLS " FROM transactions WHERE id = ?",
	    c->req->param, tx_row);
	if (t == NULL || !pd_can_see(c, str(t, "walletId"))) {
		json_decref(t);
		pd_fail(c->peerid, 404, "TX_NOT_FOUND", "no such transaction",
		    0);
		return;
	}
	/* What the owner signs to approve it. */
	if (strcmp(str(t, "status"), "QUEUED") == 0 &&
	    strcmp(str(t, "tier"), "APPROVAL") == 0 &&
	    tx_intent(c->req->param, text, sizeof(text), hex) == 0)
		json_object_set_new(t, "approval", json_pack("{s:s, s:s, s:s}",
		    "intent", text, "intentHash", hex, "resource",
		    (snprintf(urn, sizeof(urn), "urn:waiaas:intent:%s", hex),
		    urn)));
	pd_reply_json(c->peerid, 200, t);
}

/*
 * GET /v1/transactions/{id}/approval, without auth: what the approval
 * page (/approve/{id}) shows the owner, who has no session token.  Safe
 * to answer to anyone holding the id: ids are UUIDv7, whose 74 random
 * bits cannot be guessed or enumerated, and the link carrying one goes
 * only to the owner's channels; the answer grants nothing, since only
 * the owner's signature over a fresh nonce approves or rejects; and it
 * holds only what the owner must see before signing (the recipient and
 * amount the chain would show anyway), nothing about the session, the
 * agent or other transactions.  Only APPROVAL-tier transactions, in any
 * status, so the page can say what became of one; every other id is
 * TX_NOT_FOUND, as is an id that does not exist.
 */
void
tx_approval(struct pd_ctx *c)
{
	sqlite3_stmt		*st;
	const struct network	*net;
	const char *const	*d;
	json_t			*t, *dom, *tok = NULL, *req;
	const char		*status;
	char			 text[1024], hex[65], urn[96], cid[24];

	if (sqlite3_prepare_v2(pd.db, "SELECT t.id, t.status, t.wallet_id, "
	    "t.chain, t.network, w.owner_address, t.type, t.to_address, "
	    "t.amount, t.token, t.expires_at, t.error_code, t.tx_hash, "
	    "t.request FROM transactions t JOIN wallets w ON w.id = "
	    "t.wallet_id WHERE t.id = ? AND t.tier = 'APPROVAL'", -1, &st,
	    NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, c->req->param, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW || tx_intent(c->req->param, text,
	    sizeof(text), hex) == -1 || (net = net_find((const char *)
	    sqlite3_column_text(st, 4))) == NULL) {
		sqlite3_finalize(st);
		pd_fail(c->peerid, 404, "TX_NOT_FOUND", "no such transaction "
		    "waiting for an owner's approval", 0);
		return;
	}
	if (sqlite3_column_type(st, 9) != SQLITE_NULL)
		tok = json_loads((const char *)sqlite3_column_text(st, 9), 0,
		    NULL);
	status = (const char *)sqlite3_column_text(st, 1);
	/* Approved and being prepared or signed: as tx_row shows it. */
	if (strcmp(status, "PENDING") == 0 && job_find(c->req->param) != NULL)
		status = "EXECUTING";
	/* The message's domain and Chain ID, and the clock to date it by. */
	if ((dom = json_array()) == NULL)
		fatalx("json_array");
	for (d = owner_domains(); *d != NULL; d++)
		json_array_append_new(dom, json_string(*d));
	if (net->chain == KS_CHAIN_ETHEREUM)
		snprintf(cid, sizeof(cid), "%llu",
		    (unsigned long long)net->chain_id);
	else
		strlcpy(cid, net->name, sizeof(cid));
	snprintf(urn, sizeof(urn), "urn:waiaas:intent:%s", hex);
	t = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o, "
	    "s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:i, s:o, s:s, s:I}",
	    "id", sqlite3_column_text(st, 0),
	    "status", status,
	    "walletId", sqlite3_column_text(st, 2),
	    "chain", sqlite3_column_text(st, 3),
	    "network", net->name,
	    "ownerAddress", coltext(st, 5),
	    "type", sqlite3_column_text(st, 6),
	    "toAddress", coltext(st, 7),
	    "amount", coltext(st, 8),
	    "token", tok != NULL ? tok : json_null(),
	    "intent", text,
	    "intentHash", hex,
	    "resource", urn,
	    "expiresAt", sqlite3_column_type(st, 10) == SQLITE_NULL ?
	    json_null() : json_integer(sqlite3_column_int64(st, 10)),
	    "errorCode", coltext(st, 11),
	    "txHash", coltext(st, 12),
	    "symbol", net->symbol,
	    "decimals", (int)net->decimals,
	    "domains", dom,
	    "chainId", cid,
	    "serverTime", (json_int_t)c->now);
	/* The memo the transaction carries: the owner reads what is sent. */
	if (t != NULL && (req = json_loads((const char *)sqlite3_column_text(
	    st, 13), 0, NULL)) != NULL) {
		if (json_string_length(json_object_get(req, "memo")) > 0)
			json_object_set(t, "memo", json_object_get(req,
			    "memo"));
		json_decref(req);
	}
	sqlite3_finalize(st);
	if (t == NULL)
		fatalx("json_pack approval");
	pd_reply_json(c->peerid, 200, t);
}

/* GET /v1/transactions?walletId&status&limit&cursor: newest first. */
void
tx_list(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	json_t		*items;
	char		 wid[KS_ID_LEN + 1], cursor[UUID_STR_LEN], status[16];
	long long	 limit, n = 0;
	int		 more = 0;

	if (pd_query_int(c, "limit", &limit) == -1)
		return;
	if (sqlite3_prepare_v2(pd.db, "SELECT " TX_COLS " FROM transactions "
	    "WHERE wallet_id IN (SELECT wallet_id FROM session_wallets WHERE "
	    "session_id = ?1) AND (?2 IS NULL OR wallet_id = ?2) AND (?3 IS "
	    "NULL OR id < ?3) AND (?4 IS NULL OR status = ?4) ORDER BY id "
	    "DESC LIMIT ?5", -1, &st, NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, c->session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pd_query_str(c->req->query, "walletId", wid,
	    sizeof(wid)), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pd_query_str(c->req->query, "cursor",
	    cursor, sizeof(cursor)), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->route == R_TX_PENDING ? "QUEUED" :
	    pd_query_str(c->req->query, "status", status, sizeof(status)), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, limit + 1);
	if ((items = json_array()) == NULL)
		fatalx("json_array");
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n++ == limit) {
			more = 1;
			break;
		}
		json_array_append_new(items, tx_row(st));
	}
	sqlite3_finalize(st);
	pd_reply_json(c->peerid, 200, json_pack("{s:o, s:o, s:b}", "items",
	    items, "cursor", more ? json_copy(json_object_get(
	    json_array_get(items, json_array_size(items) - 1), "id")) :
	    json_null(), "hasMore", more));
}

/* The wallet and network of a read: walletId and network from the query. */
static int
read_ref(struct pd_ctx *c, struct wref *w)
{
	char	wid[KS_ID_LEN + 1], net[NET_QUERY_MAX + 1];

	return wallet_ref(c, pd_query_str(c->req->query, "walletId", wid,
	    sizeof(wid)), pd_query_str(c->req->query, "network", net,
	    sizeof(net)), 1, w);
}

/* GET /v1/wallet/address */
void
tx_wallet_address(struct pd_ctx *c)
{
	struct wref	w;

	if (!read_ref(c, &w))
		return;
	pd_reply_json(c->peerid, 200, json_pack("{s:s, s:s, s:s, s:s}",
	    "walletId", w.id, "chain", chain_name(w.chain), "network",
	    w.net->name, "address", w.address));
}

static void
chain_ask(struct pd_ctx *c, const struct chain_query *q)
{
	if (imsgev_compose(&pd.api, IMSG_API_CHAINQ, c->peerid, -1, q,
	    sizeof(*q)) == -1)
		fatal("IMSG_API_CHAINQ");
}

/* Tokens an EVM wallet's assets list: allowed by policy or used. */
static void
known_tokens(const struct wref *w, struct chain_query *q)
{
	sqlite3_stmt	*st;
	json_t		*rules[POLICY_TYPE_MAX], *e;
	const char	*a;
	char		 canon[CHAIN_ADDR_MAX + 1];
	uint8_t		 b[32];
	size_t		 i, k;

	policies_for(w->id, w->net->name, rules);
	json_array_foreach(json_object_get(rules[POLICY_ALLOWED_TOKENS],
	    "tokens"), i, e) {
		a = str(e, "address");
		if (q->ntokens < CQ_TOKENS_MAX && a != NULL &&
		    parse_addr(w->chain, a, canon, b) == 0)
			strlcpy(q->tokens[q->ntokens++], canon, sizeof(canon));
	}
	for (i = 0; i < POLICY_TYPE_MAX; i++)
		json_decref(rules[i]);
	if (sqlite3_prepare_v2(pd.db, "SELECT DISTINCT token FROM "
	    "transactions WHERE wallet_id = ? AND network = ? AND token IS "
	    "NOT NULL AND type = 'TOKEN_TRANSFER' LIMIT 64", -1, &st, NULL) !=
	    SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, w->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->net->name, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && q->ntokens < CQ_TOKENS_MAX) {
		a = (const char *)sqlite3_column_text(st, 0);
		for (k = 0; k < q->ntokens; k++)
			if (strcasecmp(q->tokens[k], a) == 0)
				break;
		if (k == q->ntokens)
			strlcpy(q->tokens[q->ntokens++], a,
			    sizeof(q->tokens[0]));
	}
	sqlite3_finalize(st);
}

/*
 * GET /v1/wallet/balance, /v1/wallet/assets: the api asks the chain.
 * network=all: every network of the wallet's chain and environment, one
 * message each (msg.h says how the api puts them together).
 */
void
tx_wallet_chain(struct pd_ctx *c)
{
	struct wref		 w;
	struct chain_query	 q;
	const struct network	*n;
	char			 token[CHAIN_ADDR_MAX + 1];
	char			 wid[KS_ID_LEN + 1], net[NET_QUERY_MAX + 1];
	uint8_t			 b[32];
	uint32_t		 i, all = 0;

	if (pd_query_str(c->req->query, "network", net, sizeof(net)) !=
	    NULL && strcmp(net, "all") == 0) {
		if (!wallet_ref(c, pd_query_str(c->req->query, "walletId", wid,
		    sizeof(wid)), NULL, 1, &w))
			return;
		for (i = 0; (n = net_get(i)) != NULL; i++)
			all += n->chain == (uint32_t)w.chain &&
			    n->env == (uint32_t)w.env;
	} else if (!read_ref(c, &w))
		return;
	memset(&q, 0, sizeof(q));
	q.kind = c->route == R_WALLET_ASSETS ? CQ_ASSETS : CQ_BALANCE;
	q.net = net_index(w.net);
	strlcpy(q.wallet_id, w.id, sizeof(q.wallet_id));
	strlcpy(q.address, w.address, sizeof(q.address));
	if (q.kind == CQ_BALANCE && pd_query_str(c->req->query, "token",
	    token, sizeof(token)) != NULL) {
		if (all) {
			pd_fail_issue(c->peerid, "token", "one network's: not "
			    "with network=all");
			return;
		}
		if (parse_addr(w.chain, token, q.token, b) == -1) {
			pd_fail_issue(c->peerid, "token", w.chain ==
			    KS_CHAIN_ETHEREUM ? "an ERC-20 contract address" :
			    "an SPL mint address");
			return;
		}
	}
	if (!all) {
		if (q.kind == CQ_ASSETS && w.chain == KS_CHAIN_ETHEREUM)
			known_tokens(&w, &q);
		chain_ask(c, &q);
		return;
	}
	q.nparts = all;
	for (i = 0; (n = net_get(i)) != NULL; i++) {
		if (n->chain != (uint32_t)w.chain || n->env != (uint32_t)w.env)
			continue;
		w.net = n;
		q.net = i;
		q.ntokens = 0;
		memset(q.tokens, 0, sizeof(q.tokens));
		if (q.kind == CQ_ASSETS && w.chain == KS_CHAIN_ETHEREUM)
			known_tokens(&w, &q);
		chain_ask(c, &q);
		q.part++;
	}
}

/* POST /v1/transactions/sign-message */
void
tx_sign_message(struct pd_ctx *c)
{
	struct wref		 w;
	struct txspec		 s;
	struct eip712_permit	 pm;
	struct pe_result	 r;
	struct job		*j;
	json_t			*issues, *req, *a = NULL;
	const char		*why;
	char			 id[UUID_STR_LEN], actor[64], *text;
	char			 to[CHAIN_ADDR_MAX + 1];
	char			 token[CHAIN_ADDR_MAX + 1];
	char			 amount[80];
	double			 usd;
	int			 queued, rc;
	sqlite3_stmt		*st;

	if (!send_ref(c, &w))
		return;
	memset(&s, 0, sizeof(s));
	s.chain = w.chain;
	s.net = net_index(w.net);
	s.msg = 1;
	if (msg_parse(c->body, w.chain, &s, &why) == -1) {
		spec_free(&s);
		if ((issues = json_array()) == NULL)
			fatalx("json_array");
		issue(issues, "message", why);
		fail_issues(c->peerid, issues);
		return;
	}
	/* Permit-like typed data of another layout is refused, not guessed. */
	if (s.msg_kind == SIGN_EVM_TYPED && eip712_permit(json_object_get(
	    c->body, "typedData"), &pm, &why) == -1) {
		spec_free(&s);
		if ((issues = json_array()) == NULL)
			fatalx("json_array");
		issue(issues, "typedData", why);
		fail_issues(c->peerid, issues);
		return;
	}
	if (busy(c)) {
		spec_free(&s);
		return;
	}
	if (!pd_begin(c)) {
		spec_free(&s);
		return;
	}
	snprintf(actor, sizeof(actor), "session:%s", c->session);
	to[0] = token[0] = '\0';
	strlcpy(amount, "0", sizeof(amount));
	if (!msg_decide(c, &w, &r, &usd, to, token, amount)) {
		spec_free(&s);
		denied(c, &w, "SIGN_MESSAGE", &r);
		return;
	}
	queued = r.tier >= TIER_DELAY;
	req = json_deep_copy(c->body);
	json_object_set_new(req, "network", json_string(w.net->name));
	json_object_set_new(req, "walletId", json_string(w.id));
	if ((text = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatalx("json_dumps");
	json_decref(req);
	uuidv7(id);
	if (sqlite3_prepare_v2(pd.db, "INSERT INTO transactions (id, "
	    "wallet_id, session_id, type, status, tier, chain, network, "
	    "request, execute_after, expires_at, created_at, updated_at, "
	    "amount, to_address, token, reserved_usd) VALUES (?, ?, ?, "
	    "'SIGN_MESSAGE', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st,
	    NULL) != SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, queued ? "QUEUED" : "PENDING", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 5, tier_name(r.tier), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, chain_name(w.chain), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, w.net->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, text, -1, SQLITE_STATIC);
	if (r.tier == TIER_DELAY)
		sqlite3_bind_int64(st, 9, c->now + r.delay_seconds);
	if (r.tier == TIER_APPROVAL)
		sqlite3_bind_int64(st, 10, c->now + r.approval_timeout);
	sqlite3_bind_int64(st, 11, c->now);
	sqlite3_bind_int64(st, 12, c->now);
	sqlite3_bind_text(st, 13, amount, -1, SQLITE_STATIC);
	if (to[0] != '\0')
		sqlite3_bind_text(st, 14, to, -1, SQLITE_STATIC);
	if (token[0] != '\0')
		sqlite3_bind_text(st, 15, token, -1, SQLITE_STATIC);
	if (usd > 0)
		sqlite3_bind_double(st, 16, usd);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	wipe_free(text);
	if (rc != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	if (audit_append(c->now, "TX_REQUESTED", actor, id, json_pack(
	    "{s:s, s:s, s:s, s:s, s:s}", "walletId", w.id, "type",
	    "SIGN_MESSAGE", "network", w.net->name, "tier", tier_name(r.tier),
	    "reason", r.reason)) == -1 || (r.tier > TIER_INSTANT &&
	    outbox_add(c->now, r.tier == TIER_NOTIFY ? "TX_NOTIFY" :
	    r.tier == TIER_DELAY ? "TX_DELAYED" : "TX_APPROVAL_REQUIRED",
	    json_pack("{s:s, s:s, s:s, s:s, s:s}", "txId", id, "walletId",
	    w.id, "network", w.net->name, "type", "SIGN_MESSAGE", "tier",
	    tier_name(r.tier))) == -1) ||
	    /* Queued, the answer is known now; signed, once signed. */
	    (queued && (a = json_pack("{s:s, s:s, s:s}", "id", id, "status",
	    "QUEUED", "tier", tier_name(r.tier))) == NULL) ||
	    idem_record(c->peerid, id, c->route, 201, a) == -1 ||
	    store_commit() == -1) {
		json_decref(a);
		store_rollback();
		spec_free(&s);
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "cannot record "
		    "the request", 1);
		return;
	}
	if (queued) {
		spec_free(&s);
		queue_arm();
		pd_reply_json(c->peerid, 201, a);
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		fatal("calloc");
	strlcpy(j->id, id, sizeof(j->id));
	strlcpy(j->wallet, w.id, sizeof(j->wallet));
	j->s = s;
	j->peerid = c->peerid;
	TAILQ_INSERT_TAIL(&jobs, j, entry);
	njobs++;
	if (!killed(j))
		msg_sign(j);
}
