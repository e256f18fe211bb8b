/*
 * What policyd needs to build a Solana transaction: a recent blockhash
 * and its last valid height; for a token transfer the mint's decimals
 * and whether the recipient's associated token account exists (and is
 * one); for a dry run the wallet's balances, then the simulation
 * (chain_sol_simulate.c).  An answer that does not fit is a CHAIN_ERROR.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chain_sol.h"
#include "log.h"
#include "util.h"

#define SOL_FEE_PER_SIG		5000	/* lamports; every tx: one signer */

static void	prep_blockhash(struct sol_prep *);

void
sol_prep_done(struct sol_prep *p)
{
	chain_prep_done(&p->c);
	free(p->data);
	free(p);
}

static void __attribute__((format(printf, 4, 5)))
prep_fail(struct sol_prep *p, int status, int retryable, const char *f, ...)
{
	va_list	ap;

	p->c.status = status;
	p->c.retryable = retryable != 0;
	va_start(ap, f);
	chain_vfmt(p->c.message, sizeof(p->c.message), f, ap);
	va_end(ap);
	log_debug("sol prepare %s: %s", p->c.txid, p->c.message);
	sol_prep_done(p);
}

static void
prep_rpc_fail(struct sol_prep *p, const char *method,
    const struct rpc_error *e)
{
	char	msg[CHAIN_MSG_MAX];

	chain_rpc_msg(p->n, method, e, msg, sizeof(msg));
	prep_fail(p, CHAIN_ERROR, e->retryable, "%s", msg);
}

void
sol_prep_call(struct sol_prep *p, const char *method, json_t *params,
    rpc_cb cb)
{
	if (params == NULL) {
		prep_fail(p, CHAIN_ERROR, 1, "%s: out of memory", method);
		return;
	}
	rpc_call(sol_endpoint(p->n), method, params, 0, cb, p);
}

static void
prep_blockhash_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_prep	*p = arg;
	json_t		*v;
	uint64_t	 h;

	if (e != NULL) {
		prep_rpc_fail(p, "getLatestBlockhash", e);
		return;
	}
	v = sol_rpc_value(result);
	if (!json_is_object(v) || sol_json_key(json_object_get(v,
	    "blockhash"), p->c.blockhash) == -1 || sol_json_u64(
	    json_object_get(v, "lastValidBlockHeight"), &h) == -1 || h == 0) {
		prep_fail(p, CHAIN_ERROR, 1,
		    "getLatestBlockhash: malformed answer");
		return;
	}
	p->c.last_valid_height = h;
	p->c.fee = SOL_FEE_PER_SIG;
	p->c.status = CHAIN_OK;
	if (p->simulate)
		sol_prep_simulate(p);
	else
		sol_prep_done(p);
}

static void
prep_blockhash(struct sol_prep *p)
{
	sol_prep_call(p, "getLatestBlockhash",
	    json_pack("[{s:s}]", "commitment", "confirmed"),
	    prep_blockhash_cb);
}

/*
 * A getAccountInfo answer about key58: 0 with the account's owner and
 * data (malloc'd), 1 when there is no account, -1 after failing p.
 */
static int
prep_account(struct sol_prep *p, json_t *result, const struct rpc_error *e,
    const char *key58, uint8_t owner[SOL_KEY_LEN], uint8_t **d, size_t *len)
{
	json_t	*v;

	if (e != NULL) {
		prep_rpc_fail(p, "getAccountInfo", e);
		return -1;
	}
	if (!json_is_object(result) ||
	    (v = json_object_get(result, "value")) == NULL) {
		prep_fail(p, CHAIN_ERROR, 1,
		    "getAccountInfo: malformed answer");
		return -1;
	}
	if (json_is_null(v))
		return 1;
	if (sol_acct_data(v, owner, d, len) == -1) {
		prep_fail(p, CHAIN_ERROR, 1, "getAccountInfo %s: malformed "
		    "account", key58);
		return -1;
	}
	return 0;
}

static void
prep_ata_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_prep	*p = arg;
	uint8_t		 owner[SOL_KEY_LEN], *d, state;
	size_t		 len;
	int		 r;

	if ((r = prep_account(p, result, e, p->ata58, owner, &d, &len)) == -1)
		return;
	if (r == 1) {
		p->c.ata_exists = 0;
		prep_blockhash(p);
		return;
	}
	/*
	 * Lamports sent to the address before the account was created
	 * leave a system account without data: CreateIdempotent still
	 * creates the token account over it.
	 */
	if (len == 0 && memcmp(owner, sol_system_program, SOL_KEY_LEN) == 0) {
		free(d);
		p->c.ata_exists = 0;
		prep_blockhash(p);
		return;
	}
	if (memcmp(owner, sol_token_program, SOL_KEY_LEN) != 0 ||
	    len != SOL_TOKACCT_LEN || memcmp(d, p->mint, SOL_KEY_LEN) != 0 ||
	    memcmp(d + 32, p->to, SOL_KEY_LEN) != 0) {
		free(d);
		prep_fail(p, CHAIN_REFUSED, 0, "the recipient's associated "
		    "token account %s is not an SPL Token account of mint %s",
		    p->ata58, p->mint58);
		return;
	}
	/* state: 0 uninitialized, 1 initialized, 2 frozen */
	state = d[108];
	free(d);
	if (state != 1) {
		prep_fail(p, CHAIN_REFUSED, 0, "the recipient's token account "
		    "%s is %s", p->ata58, state == 2 ? "frozen" :
		    "not initialized");
		return;
	}
	p->c.ata_exists = 1;
	prep_blockhash(p);
}

static void
prep_mint_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_prep	*p = arg;
	uint8_t		 owner[SOL_KEY_LEN], tok22[SOL_KEY_LEN], *d;
	size_t		 len;
	int		 r;

	if ((r = prep_account(p, result, e, p->mint58, owner, &d,
	    &len)) == -1)
		return;
	if (r == 1) {
		prep_fail(p, CHAIN_REFUSED, 0, "mint %s does not exist on %s",
		    p->mint58, p->n->net.name);
		return;
	}
	if (sol_key58(sol_tok58_2022, tok22) == 0 &&
	    memcmp(owner, tok22, SOL_KEY_LEN) == 0) {
		free(d);
		prep_fail(p, CHAIN_REFUSED, 0, "mint %s is a Token-2022 mint; "
		    "only SPL Token mints are supported", p->mint58);
		return;
	}
	if (memcmp(owner, sol_token_program, SOL_KEY_LEN) != 0 ||
	    len != SOL_MINT_LEN) {
		free(d);
		prep_fail(p, CHAIN_REFUSED, 0, "%s is not an SPL Token mint",
		    p->mint58);
		return;
	}
	/* is_initialized at 45, after the authority, supply, decimals */
	if (d[45] != 1) {
		free(d);
		prep_fail(p, CHAIN_REFUSED, 0, "mint %s is not initialized",
		    p->mint58);
		return;
	}
	p->c.decimals = d[44];
	free(d);
	if (sol_ata(p->to, p->mint, sol_token_program, p->ata) == -1) {
		prep_fail(p, CHAIN_REFUSED, 0, "no associated token account "
		    "address for this recipient and mint");
		return;
	}
	sol_enc58(p->ata, SOL_KEY_LEN, p->ata58, sizeof(p->ata58));
	sol_prep_call(p, "getAccountInfo", sol_account_params(p->ata58),
	    prep_ata_cb);
}

/* What each operation needs from the chain, after the balance if asked. */
static void
prep_start(struct sol_prep *p)
{
	switch (p->op) {
	case CHOP_SOL_TRANSFER:
	case CHOP_SOL_CALL:
		prep_blockhash(p);
		return;
	case CHOP_SOL_TOKEN:
		sol_prep_call(p, "getAccountInfo",
		    sol_account_params(p->mint58), prep_mint_cb);
		return;
	default:
		prep_fail(p, CHAIN_REFUSED, 0, "operation %u is not a Solana "
		    "operation", p->op);
		return;
	}
}

/*
 * A dry run's token balance: the amount in the wallet's associated token
 * account (0 if it has none); unknown is not an error, only not said.
 */
static void
prep_token_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_prep	*p = arg;
	json_t		*v;
	uint8_t		 owner[SOL_KEY_LEN], *d;
	size_t		 len;
	int		 i;

	v = e == NULL && json_is_object(result) ?
	    json_object_get(result, "value") : NULL;
	if (json_is_null(v))
		p->c.have_token_balance = 1;
	else if (v != NULL && sol_acct_data(v, owner, &d, &len) == 0) {
		/* amount: 8 bytes little-endian after the mint and owner */
		if (memcmp(owner, sol_token_program, SOL_KEY_LEN) == 0 &&
		    len == SOL_TOKACCT_LEN && memcmp(d, p->mint,
		    SOL_KEY_LEN) == 0) {
			for (i = 0; i < 8; i++)
				p->c.token_balance[31 - i] = d[64 + i];
			p->c.have_token_balance = 1;
		}
		free(d);
	}
	prep_start(p);
}

static void
prep_token(struct sol_prep *p)
{
	uint8_t	from[SOL_KEY_LEN], ata[SOL_KEY_LEN];
	char	ata58[SOL_KEY58_MAX];

	if (!p->token_bal || sol_key58(p->from58, from) == -1 ||
	    sol_ata(from, p->mint, sol_token_program, ata) == -1) {
		prep_start(p);
		return;
	}
	sol_enc58(ata, SOL_KEY_LEN, ata58, sizeof(ata58));
	sol_prep_call(p, "getAccountInfo", sol_account_params(ata58),
	    prep_token_cb);
}

/* A dry run's balance: unknown is not an error, only not said. */
static void
prep_balance_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_prep	*p = arg;
	uint64_t	 lamports;

	if (e == NULL && sol_json_u64(sol_rpc_value(result), &lamports) == 0) {
		u256_from_u64(lamports, p->c.balance);
		p->c.have_balance = 1;
	}
	prep_token(p);
}

void
sol_prepare(struct chain_net *n, const struct chain_prep *req,
    const uint8_t *data)
{
	struct sol_prep		*p;
	uint8_t			 from[SOL_KEY_LEN];
	char			 to[CHAIN_ADDR_MAX + 1];
	char			 mint[CHAIN_ADDR_MAX + 1];
	char			 msg[CHAIN_MSG_MAX];

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		chain_prep_oom(req);
		return;
	}
	p->n = n;
	memcpy(p->c.txid, req->txid, sizeof(p->c.txid));
	p->c.txid[sizeof(p->c.txid) - 1] = '\0';
	memcpy(p->from58, req->from, sizeof(p->from58));
	p->from58[sizeof(p->from58) - 1] = '\0';
	memcpy(to, req->to, sizeof(to));
	to[sizeof(to) - 1] = '\0';
	memcpy(mint, req->mint, sizeof(mint));
	mint[sizeof(mint) - 1] = '\0';

	if (n->url[0] == '\0') {
		net_rpc_advice(&n->net, 0, NULL, msg, sizeof(msg));
		prep_fail(p, CHAIN_REFUSED, 0, "%s", msg);
		return;
	}
	if (sol_key58(p->from58, from) == -1) {
		prep_fail(p, CHAIN_REFUSED, 0, "invalid wallet address");
		return;
	}
	if (sol_key58(to, p->to) == -1) {
		prep_fail(p, CHAIN_REFUSED, 0, "invalid %s address",
		    req->op == CHOP_SOL_CALL ? "program" : "recipient");
		return;
	}
	if (req->op == CHOP_SOL_TOKEN) {
		if (sol_key58(mint, p->mint) == -1) {
			prep_fail(p, CHAIN_REFUSED, 0, "invalid mint address");
			return;
		}
		sol_enc58(p->mint, SOL_KEY_LEN, p->mint58, sizeof(p->mint58));
	}
	p->op = req->op;
	if (req->flags & CHPREP_SIMULATE) {
		p->simulate = 1;
		if (!u256_fits_u64(req->value))
			fatalx("IMSG_CHAIN_PREPARE: amount too big");
		p->amount = u256_low64(req->value);
	}
	if (req->datalen > 0 && req->op != CHOP_SOL_CALL) {
		/* CHPREP_SIMULATE of a transfer: its memo */
		if (req->naccts != 0 || req->datalen > MEMO_MAX)
			fatalx("IMSG_CHAIN_PREPARE: malformed memo");
		if ((p->data = malloc(req->datalen)) == NULL) {
			prep_fail(p, CHAIN_ERROR, 1, "out of memory");
			return;
		}
		memcpy(p->data, data, req->datalen);
		p->datalen = req->datalen;
	} else if (req->datalen > 0) {
		/* CHPREP_SIMULATE of a CALL (api_chain.c checked) */
		if (req->naccts > SIGN_SOL_MAX_ACCTS || req->datalen <
		    req->naccts * sizeof(struct sign_sol_acct) ||
		    req->datalen - req->naccts * sizeof(struct sign_sol_acct) >
		    SOL_MAX_IX_DATA)
			fatalx("IMSG_CHAIN_PREPARE: malformed accounts");
		p->naccts = req->naccts;
		memcpy(p->accts, data, p->naccts *
		    sizeof(struct sign_sol_acct));
		p->datalen = req->datalen - p->naccts *
		    sizeof(struct sign_sol_acct);
		if (p->datalen > 0) {
			if ((p->data = malloc(p->datalen)) == NULL) {
				prep_fail(p, CHAIN_ERROR, 1, "out of memory");
				return;
			}
			memcpy(p->data, data + p->naccts *
			    sizeof(struct sign_sol_acct), p->datalen);
		}
	}
	p->token_bal = req->op == CHOP_SOL_TOKEN &&
	    (req->flags & CHPREP_TOKEN_BAL) != 0;
	if (req->flags & CHPREP_BALANCE) {
		sol_prep_call(p, "getBalance", json_pack("[s,{s:s}]", p->from58,
		    "commitment", "confirmed"), prep_balance_cb);
		return;
	}
	prep_start(p);
}

