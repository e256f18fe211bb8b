/*
 * Sign-only for Solana: a dApp's unsigned transaction (base64 of the
 * wire form, web3.js serialize({requireAllSignatures: false})) decoded
 * strictly (chain/sol_decode.c), judged as the send it amounts to,
 * signed and answered; recorded SIGNED, never broadcast.
 *
 * Only transactions whose one signer is the wallet, as fee payer, are
 * signed; what they may do:
 *   - a system transfer from the wallet (a TRANSFER), then a Memo;
 *   - an SPL TransferChecked from the wallet's associated token account,
 *     after an idempotent creation of the recipient's associated account
 *     (a TOKEN_TRANSFER to its owner) or without one (a TOKEN_TRANSFER
 *     to the destination token account itself: its owner is not in the
 *     transaction, so WHITELIST names that account), then a Memo;
 *   - one instruction of any other program (the Memo program too),
 *     alone (a CONTRACT_CALL: CONTRACT_WHITELIST decides, as for a
 *     send).
 * Other system or token program instructions, several calls, other
 * signers, a versioned message: 400 INVALID_TRANSACTION, nothing signed.
 *
 * What is judged is what is signed: the typed fields the request yields
 * are compiled here exactly as the signer will compile them
 * (sol_typed_ixs, sol_message), and the message must come out as the
 * bytes given, else nothing is signed; the signer then builds the same
 * message from the same fields and signs it.
 *
 * The blockhash is the dApp's: the signed transaction lands only while
 * it is valid (about 150 blocks), and nothing of the daemon's own sends
 * depends on it (Solana has no nonce to reserve).
 */
#include <string.h>

#include <sodium.h>

#include "base58.h"
#include "log.h"
#include "policyd.h"
#include "solana.h"
#include "tx.h"

/* base64 of SOL_TX_MAX bytes, with padding */
#define SOL_TX_B64_MAX	(4 * ((SOL_TX_MAX + 2) / 3))

/* What the signer is asked for besides the spec. */
struct sol_ask {
	uint8_t		blockhash[32];
	uint8_t		decimals;
	int		create_ata;
};

static int
key_is(const struct sol_tx *tx, uint8_t k, const uint8_t *pk)
{
	return memcmp(tx->keys[k], pk, SOL_KEY_LEN) == 0;
}

static uint64_t
le64(const uint8_t *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
b58(const uint8_t *pk, char out[CHAIN_ADDR_MAX + 1])
{
	if (base58_encode(pk, SOL_KEY_LEN, out, CHAIN_ADDR_MAX + 1) == 0)
		fatalx("base58_encode");
}

static json_t *
amount_json(uint64_t v)
{
	char	buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return json_string(buf);
}

/* A system transfer from the wallet: TRANSFER. */
static json_t *
as_transfer(const struct sol_tx *tx, const struct sol_tx_ix *ix,
    const char **why)
{
	char	to[CHAIN_ADDR_MAX + 1];

	if (ix->naccts != 2 || ix->datalen != 12 || ix->data[0] != 2 ||
	    ix->data[1] != 0 || ix->data[2] != 0 || ix->data[3] != 0 ||
	    ix->accts[0] != 0) {
		*why = "a system program instruction other than a transfer "
		    "from the wallet";
		return NULL;
	}
	b58(tx->keys[ix->accts[1]], to);
	return json_pack("{s:s, s:s, s:o}", "type", "TRANSFER", "to", to,
	    "amount", amount_json(le64(ix->data + 4)));
}

/* [CreateIdempotent] TransferChecked: TOKEN_TRANSFER. */
static json_t *
as_token(const struct sol_tx *tx, const struct sol_tx_ix *ix, size_t nix,
    struct sol_ask *g, int *to_account, const char **why)
{
	const struct sol_tx_ix	*cr = NULL;
	char			 to[CHAIN_ADDR_MAX + 1];
	char			 mint[CHAIN_ADDR_MAX + 1];
	uint8_t			 dst;

	*why = "token instructions other than a TransferChecked signed by "
	    "the wallet (after an idempotent creation of the recipient's "
	    "associated token account)";
	if (key_is(tx, ix->program, sol_ata_program)) {
		cr = ix++;
		if (nix != 2 || cr->naccts != 6 || cr->datalen != 1 ||
		    cr->data[0] != 1 || cr->accts[0] != 0)
			return NULL;
	} else if (nix != 1)
		return NULL;
	if (!key_is(tx, ix->program, sol_token_program) || ix->naccts != 4 ||
	    ix->datalen != 10 || ix->data[0] != 12 || ix->accts[3] != 0)
		return NULL;
	dst = ix->accts[2];
	if (cr != NULL) {
		/* the created account is the destination, of the mint */
		if (cr->accts[1] != dst || cr->accts[3] != ix->accts[1])
			return NULL;
		b58(tx->keys[cr->accts[2]], to);
	} else
		b58(tx->keys[dst], to);
	*to_account = cr == NULL;
	g->create_ata = cr != NULL;
	g->decimals = ix->data[9];
	b58(tx->keys[ix->accts[1]], mint);
	return json_pack("{s:s, s:s, s:o, s:{s:s, s:i}}", "type",
	    "TOKEN_TRANSFER", "to", to, "amount", amount_json(le64(ix->data +
	    1)), "token", "address", mint, "decimals", (int)g->decimals);
}

/* One instruction of another program: CONTRACT_CALL. */
static json_t *
as_call(const struct sol_tx *tx, const struct sol_tx_ix *ix)
{
	json_t	*req, *accts;
	char	 prog[CHAIN_ADDR_MAX + 1], pk[CHAIN_ADDR_MAX + 1];
	char	 data[SOL_TX_B64_MAX + 1];
	size_t	 i;

	if ((accts = json_array()) == NULL)
		fatalx("json_array");
	for (i = 0; i < ix->naccts; i++) {
		b58(tx->keys[ix->accts[i]], pk);
		json_array_append_new(accts, json_pack("{s:s, s:b, s:b}",
		    "pubkey", pk, "isSigner", sol_tx_is_signer(tx,
		    ix->accts[i]), "isWritable", sol_tx_is_writable(tx,
		    ix->accts[i])));
	}
	b58(tx->keys[ix->program], prog);
	sodium_bin2base64(data, sizeof(data), ix->data, ix->datalen,
	    sodium_base64_VARIANT_ORIGINAL);
	req = json_pack("{s:s, s:s, s:o}", "type", "CONTRACT_CALL",
	    "programId", prog, "accounts", accts);
	if (req != NULL && ix->datalen > 0)
		json_object_set_new(req, "instructionData", json_string(data));
	return req;
}

/*
 * The send request a decoded transaction amounts to, and what the
 * signer needs besides; NULL and *why if it is none this daemon signs.
 */
static json_t *
as_request(const struct sol_tx *tx, struct sol_ask *g, int *to_account,
    const char **why)
{
	const struct sol_tx_ix	*memo = NULL, *ix = &tx->ix[0];
	size_t			 nix = tx->nix;
	json_t			*req, *m;

	*to_account = 0;
	if (nix == 0) {
		*why = "a transaction without instructions";
		return NULL;
	}
	/* A Memo after something else (alone, it is a call). */
	if (nix > 1 && key_is(tx, tx->ix[nix - 1].program,
	    sol_memo_program)) {
		memo = &tx->ix[--nix];
		if (memo->naccts != 0 || memo->datalen > MEMO_MAX) {
			*why = "a Memo this daemon does not sign (after a "
			    "transfer: no accounts, at most 256 bytes)";
			return NULL;
		}
	}
	if (key_is(tx, ix->program, sol_system_program)) {
		if (nix != 1) {
			*why = "several instructions: a transfer, a token "
			    "transfer or one program call is signed";
			return NULL;
		}
		req = as_transfer(tx, ix, why);
	} else if (key_is(tx, ix->program, sol_token_program) ||
	    key_is(tx, ix->program, sol_ata_program))
		req = as_token(tx, ix, nix, g, to_account, why);
	else if (nix != 1 || memo != NULL) {
		*why = "several instructions: a transfer, a token transfer or "
		    "one program call is signed";
		return NULL;
	} else
		req = as_call(tx, ix);
	if (req == NULL || memo == NULL)
		return req;
	if ((m = json_stringn((const char *)memo->data, memo->datalen)) ==
	    NULL || memchr(memo->data, '\0', memo->datalen) != NULL) {
		json_decref(req);
		*why = "the Memo is not UTF-8 text";
		return NULL;
	}
	json_object_set_new(req, "memo", m);
	return req;
}

/*
 * The message the signer will compile from the spec: the length, or -1.
 * The same functions as the signer's (signer_sign.c sign_sol_tx).
 */
static int
compile(const struct txspec *s, const struct sol_ask *g,
    const uint8_t pub[SOL_KEY_LEN], uint8_t *out, size_t max)
{
	static struct sol_typed	 t;
	static struct sol_ix	 ix[3];
	uint32_t		 i;
	int			 n;

	if (s->sol_kind == SIGN_SOL_CALL) {
		memset(&ix[0], 0, sizeof(ix[0]));
		memcpy(ix[0].program, s->sol_to, SOL_KEY_LEN);
		for (i = 0; i < s->naccts; i++) {
			memcpy(ix[0].accts[i].pubkey, s->accts[i].pubkey,
			    SOL_KEY_LEN);
			ix[0].accts[i].is_signer = s->accts[i].is_signer != 0;
			ix[0].accts[i].is_writable =
			    s->accts[i].is_writable != 0;
		}
		ix[0].naccts = s->naccts;
		ix[0].data = s->data;
		ix[0].datalen = s->datalen;
		return sol_message(pub, ix, 1, g->blockhash, out, max);
	}
	memset(&t, 0, sizeof(t));
	t.kind = s->sol_kind == SIGN_SOL_TRANSFER ? SOL_TYPED_TRANSFER :
	    SOL_TYPED_TOKEN;
	memcpy(t.to, s->sol_to, SOL_KEY_LEN);
	memcpy(t.mint, s->mint, SOL_KEY_LEN);
	t.amount = s->amount;
	t.decimals = g->decimals;
	t.create_ata = g->create_ata;
	t.to_account = s->sol_to_account;
	t.memo = s->data;
	t.memolen = s->datalen;
	if ((n = sol_typed_ixs(&t, pub, ix)) == -1)
		return -1;
	return sol_message(pub, ix, (size_t)n, g->blockhash, out, max);
}

/* Ask the signer, as a send would (sign_sol), with the dApp's blockhash. */
static void
ask_signer(struct job *j, const void *arg)
{
	const struct sol_ask	*g = arg;
	struct chain_ctx	 x;

	memset(&x, 0, sizeof(x));
	memcpy(x.blockhash, g->blockhash, 32);
	x.decimals = g->decimals;
	x.ata_exists = !g->create_ata;
	sign_sol(j, &x);
}

void
tx_sign_sol(struct pd_ctx *c, const struct wref *w, const char *text)
{
	static struct sol_tx	 tx;
	static uint8_t		 b[SOL_TX_MAX + 1], msg[SOL_TX_MAX];
	struct sol_ask		 g;
	struct txspec		 s;
	json_t			*req = NULL, *issues, *e;
	const char		*why = NULL;
	uint8_t			 pub[SOL_KEY_LEN];
	size_t			 n = 0, i;
	char			 m[200];
	int			 to_account = 0, mlen;

	if (text == NULL || strlen(text) > SOL_TX_B64_MAX ||
	    sodium_base642bin(b, sizeof(b), text, strlen(text), NULL, &n,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || n == 0) {
		sign_only_invalid(c, "transaction: base64 of an unsigned "
		    "Solana transaction (at most 1232 bytes)");
		return;
	}
	if (sol_tx_decode(b, n, &tx, &why) == -1) {
		sign_only_invalid(c, why);
		return;
	}
	if (base58_decode(w->address, strlen(w->address), pub, sizeof(pub)) !=
	    SOL_KEY_LEN)
		fatalx("wallet %s: its address is not base58", w->id);
	if (sol_tx_signer_index(&tx, pub) == -1) {
		pd_fail(c->peerid, 400, "WALLET_NOT_SIGNER", "the wallet is "
		    "not a signer of this transaction", 0);
		return;
	}
	if (sol_tx_signer_index(&tx, pub) != 0 || tx.nreq != 1) {
		sign_only_invalid(c, "the wallet must be the fee payer and "
		    "the only signer");
		return;
	}
	for (i = 0; i < 64; i++)
		if (tx.sigs[i] != 0) {
			sign_only_invalid(c, "the transaction is already "
			    "signed");
			return;
		}
	memset(&g, 0, sizeof(g));
	memcpy(g.blockhash, tx.blockhash, 32);
	if ((req = as_request(&tx, &g, &to_account, &why)) == NULL) {
		sign_only_invalid(c, why);
		return;
	}
	json_object_set_new(req, "network", json_string(w->net->name));
	json_object_set_new(req, "walletId", json_string(w->id));
	if ((issues = json_array()) == NULL)
		fatalx("json_array");
	memset(&s, 0, sizeof(s));
	if (spec_parse(req, w->chain, net_index(w->net), w->address, &s,
	    issues) > 0) {
		e = json_array_get(issues, 0);
		snprintf(m, sizeof(m), "as %s: %s", str(req, "type"),
		    str(e, "message"));
		json_decref(issues);
		spec_free(&s);
		json_decref(req);
		sign_only_invalid(c, m);
		return;
	}
	json_decref(issues);
	s.sol_to_account = to_account;
	/* What the policies see is what the signer signs. */
	if ((mlen = compile(&s, &g, pub, msg, sizeof(msg))) == -1 ||
	    (size_t)mlen != tx.msglen || memcmp(msg, tx.msg, tx.msglen) != 0) {
		spec_free(&s);
		json_decref(req);
		sign_only_invalid(c, "the message is not the one this daemon "
		    "compiles from what it does (accounts in web3.js's "
		    "order, each instruction as the programs define it)");
		return;
	}
	sign_only_decide(c, w, req, &s, ask_signer, &g);
	json_decref(req);
}
