/*
 * The jobs in flight and their rows, and the first stages of the
 * pipeline: chain context asked from api, then typed fields to the
 * signer (tx.h has the whole picture).
 */

#include <string.h>

#include "evm.h"
#include "log.h"
#include "policy_rules.h"
#include "policyd.h"
#include "tx.h"

struct jobq		jobs = TAILQ_HEAD_INITIALIZER(jobs);
size_t			njobs;
uint32_t		next_sign_id;

/* ---- storage ---- */

/*
 * One UPDATE of a transaction: ?1 is now, ?2 its id.  Outside a unit of
 * work, a unit of its own, so that it shares the turn's commit.
 */
void
tx_update(const char *sql, const char *id)
{
	sqlite3_stmt	*st;
	int		 own = !store_in_unit();

	if (own && store_begin() == -1)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	st = store_cached(sql);
	sqlite3_bind_int64(st, 1, (long long)time(NULL));
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	store_release(st);
	if (own && store_commit() == -1)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
}

struct job *
job_find(const char *id)
{
	struct job	*j;

	TAILQ_FOREACH(j, &jobs, entry)
		if (strcmp(j->id, id) == 0)
			return j;
	return NULL;
}

void
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
	char		 bmsg[512];

	/* An EVM batch: which instruction, and what became of the rest. */
	if (batch_evm(j)) {
		snprintf(bmsg, sizeof(bmsg), "instructions.%zu of %zu: %s "
		    "(the %zu before it were confirmed and stay; none after "
		    "it was signed)", j->k, j->s.nitems, msg, j->k);
		msg = bmsg;
	}
	log_info("transaction %s %s: %s", j->id, cancelled ? "cancelled" :
	    "failed", msg);
	if (store_begin() == -1)
		fatalx("database busy");
	if (batch_evm(j))
		batch_record(j, cancelled ? "CANCELLED" : "FAILED");
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

void
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
int
ended(struct job *j)
{
	static const char	 q_live[] = "SELECT status IN ('PENDING', "
	    "'EXECUTING'), error_code, error FROM transactions WHERE id = ?";
	sqlite3_stmt	*st;
	char		 code[API_CODE_MAX] = "TX_CANCELLED";
	char		 why[160] = "the transaction was cancelled";
	int		 live = 0;

	st = store_cached(q_live);
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
	store_release(st);
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
int
killed(struct job *j)
{
	if (!pd.killed)
		return 0;
	tx_end(j, 1, "KILL_SWITCH_ACTIVE", 0, "the kill switch is active: "
	    "nothing is signed until the operator recovers");
	return 1;
}

/* ---- the pipeline ---- */

void
prepare(struct job *j)
{
	const struct txspec	*s = job_spec(j);	/* EVM batch: one */
	struct chain_prep	p;
	struct iovec		iov[3];
	int			niov;

	memset(&p, 0, sizeof(p));
	strlcpy(p.txid, j->id, sizeof(p.txid));
	p.net = j->s.net;
	/*
	 * The fees may come from calls started after the job was made
	 * (kept answers, api side); a later prepare (gasCondition, a
	 * re-sign, a key not there yet) asks for answers from now on.
	 */
	p.since_us = j->since_us;
	j->since_us = 0;
	strlcpy(p.from, j->s.from, sizeof(p.from));
	strlcpy(p.to, s->to, sizeof(p.to));
	if (j->dry)
		p.flags = CHPREP_BALANCE;
	if (j->dry && j->s.type == T_TOKEN)
		p.flags |= CHPREP_TOKEN_BAL;
	if (j->s.chain == KS_CHAIN_ETHEREUM) {
		p.op = CHOP_EVM_TX;
		memcpy(p.value, s->value, 32);
		p.datalen = (uint32_t)s->datalen;
		/* a memo: calldata only to an account without code */
		if (s->type == T_TRANSFER && s->datalen > 0)
			p.flags |= CHPREP_NO_CODE;
		if (j->s.create)
			p.flags |= CHPREP_CREATE;
	} else {
		/* a BATCH (sol_kind 0): the blockhash, as for a call */
		p.op = j->s.sol_kind == SIGN_SOL_TRANSFER ? CHOP_SOL_TRANSFER :
		    j->s.sol_kind == SIGN_SOL_TOKEN ? CHOP_SOL_TOKEN :
		    CHOP_SOL_CALL;
		strlcpy(p.mint, j->s.mint_text, sizeof(p.mint));
	}
	/* an EVM token's decimals as the request says: the chain's too */
	if (j->s.chain == KS_CHAIN_ETHEREUM && (s->type == T_TOKEN ||
	    s->type == T_APPROVE) && s->decimals >= 0)
		p.flags |= CHPREP_DECIMALS;
	if (j->s.chain == KS_CHAIN_ETHEREUM &&
	    (p.flags & (CHPREP_TOKEN_BAL | CHPREP_DECIMALS)))
		strlcpy(p.mint, s->mint_text, sizeof(p.mint));
	iov[0].iov_base = &p;
	iov[0].iov_len = sizeof(p);
	iov[1].iov_base = s->data;
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
	/*
	 * A question that changes nothing: it need not wait for a commit.
	 * The api's request, if one waits: its reads may be shared with
	 * calls started after it arrived (api_chain.c).
	 */
	if (imsgev_composev_ahead(&pd.api, IMSG_CHAIN_PREPARE, j->peerid, iov,
	    niov) == -1)
		fatal("IMSG_CHAIN_PREPARE");
}

/* A new job, listed: its decoded request (if any) is then the caller's
 * to fill in, owned by the job from then on. */
struct job *
job_new(const char *id, const char *wallet, uint64_t fee_cap)
{
	struct job	*j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		fatal("calloc");
	strlcpy(j->id, id, sizeof(j->id));
	strlcpy(j->wallet, wallet, sizeof(j->wallet));
	j->fee_cap = fee_cap;
	j->since_us = (uint64_t)(mono_ms() * 1000);
	TAILQ_INSERT_TAIL(&jobs, j, entry);
	njobs++;
	return j;
}

/* A job for a stored transaction, or NULL after failing it. */
struct job *
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
	    "t.fee_cap, t.type IN ('SIGN_MESSAGE', 'X402_PAYMENT'), t.type = "
	    "'X402_PAYMENT' FROM transactions t JOIN wallets w ON w.id = "
	    "t.wallet_id WHERE t.id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		fatalx("database: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		fatalx("transaction %s vanished", id);
	j = job_new(id, (const char *)sqlite3_column_text(st, 0),
	    (uint64_t)sqlite3_column_int64(st, 7));
	/* Unsigned with a nonce: a gap filler, bound to that nonce. */
	if (sqlite3_column_type(st, 5) != SQLITE_NULL &&
	    sqlite3_column_int(st, 6)) {
		j->filler = 1;
		j->nonce = (uint64_t)sqlite3_column_int64(st, 5);
	}
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
		j->x402 = sqlite3_column_int(st, 9);
		bad = net == NULL || req == NULL || msg_parse(req, chain, &j->s,
		    &why) == -1;
	} else
		bad = net == NULL || req == NULL || spec_parse(req, chain,
		    net_index(net), (const char *)sqlite3_column_text(st, 3),
		    &j->s, issues) != 0;
	sqlite3_finalize(st);
	json_decref(req);
	json_decref(issues);
	if (!bad)
		batch_load(j);
	if (bad) {
		tx_fail(j, "INTERNAL_ERROR", 0, net == NULL ? "the network is "
		    "no longer configured" : "the stored request no longer "
		    "parses");
		return NULL;
	}
	return j;
}

static void
execute(struct job *j)
{
	/* PENDING until signed: no write (and no sync) on the way. */
	if (killed(j))
		return;
	if (j->s.msg)
		msg_sign(j);
	else
		prepare(j);
}

/*
 * Start the execution of an allowed transaction: from its stored request
 * (a queued one, or after a restart), the one durable form.
 */
void
tx_execute(const char *id)
{
	struct job	*j;

	if (job_find(id) == NULL && (j = job_load(id)) != NULL)
		execute(j);
}

/*
 * The same for a transaction just decided (INSTANT, NOTIFY): the request
 * as decoded for the decision, never read back and decoded again.  The
 * job takes *s.
 */
void
tx_execute_spec(const char *id, const char *wallet, uint64_t fee_cap,
    struct txspec *s)
{
	struct job	*j;

	j = job_new(id, wallet, fee_cap);
	j->s = *s;
	memset(s, 0, sizeof(*s));
	execute(j);
}

/* EVM: caps, the nonce, then the signer. */
void
sign_evm(struct job *j, const struct chain_ctx *x)
{
	static const char	 q_nonce[] = "SELECT max(nonce) FROM "
	    "transactions WHERE wallet_id = ? AND network = ? AND nonce IS "
	    "NOT NULL AND status IN ('PENDING', 'EXECUTING', 'SIGNED', "
	    "'SUBMITTED', 'CONFIRMED') AND id != ?";
	struct sign_evm_tx	 t;
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
	 * or being signed, and above every confirmed one: the node's pending
	 * count may be older than a confirmation seen since (the agent's
	 * next send asked the node while its previous transaction was
	 * arriving there), and that nonce is taken for sure.  It is stored
	 * with the signed transaction, in one commit: a crash before that
	 * leaves nothing signed on record and nothing sent, and the
	 * transaction starts over.  A gap filler has its nonce already.
	 */
	if (j->filler) {
		nonce = j->nonce;
		goto sign;
	}
	st = store_cached(q_nonce);
	sqlite3_bind_text(st, 1, j->wallet, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, net_get(j->s.net)->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, j->id, -1, SQLITE_STATIC);
	nonce = x->nonce;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) !=
	    SQLITE_NULL && (uint64_t)sqlite3_column_int64(st, 0) >= nonce)
		nonce = (uint64_t)sqlite3_column_int64(st, 0) + 1;
	store_release(st);
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
	memcpy(t.to, job_spec(j)->to20, 20);
	t.create = job_spec(j)->create != 0;
	memcpy(t.value, job_spec(j)->value, 32);
	sign_evm_ask(j, &t);
}

/* Ask the signer for t with the spec's calldata (a send, a sign-only). */
void
sign_evm_ask(struct job *j, struct sign_evm_tx *t)
{
	const struct txspec	*s = job_spec(j);
	struct iovec		 iov[2];

	t->datalen = (uint32_t)s->datalen;
	iov[0].iov_base = t;
	iov[0].iov_len = sizeof(*t);
	iov[1].iov_base = s->data;
	iov[1].iov_len = s->datalen;
	j->state = J_SIGN;
	j->sign_id = ++next_sign_id;
	log_tx_step(j->id, "pd_sign", 0);
	/* Nothing leaves the signer but to policyd: no commit to wait for. */
	if (imsgev_composev_ahead(&pd.signer, IMSG_SIGNER_SIGN_EVM_TX,
	    j->sign_id, iov, t->datalen > 0 ? 2 : 1) == -1)
		fatal("IMSG_SIGNER_SIGN_EVM_TX");
}

void
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
	if (j->s.type == T_BATCH) {
		sign_sol_items(j, x);
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
		/* a token's: the signer refuses them on a SOL transfer */
		if (j->s.sol_kind == SIGN_SOL_TOKEN) {
			t.create_ata = !x->ata_exists;
			t.to_account = j->s.sol_to_account != 0;
		}
	}
	/* a call's instruction data, or a transfer's memo */
	t.datalen = (uint32_t)j->s.datalen;
	iov[0].iov_base = &t;
	iov[0].iov_len = sizeof(t);
	iov[1].iov_base = j->s.data;
	iov[1].iov_len = t.datalen;
	j->state = J_SIGN;
	j->sign_id = ++next_sign_id;
	if (imsgev_composev_ahead(&pd.signer, IMSG_SIGNER_SIGN_SOL_TX,
	    j->sign_id, iov, t.datalen > 0 ? 2 : 1) == -1)
		fatal("IMSG_SIGNER_SIGN_SOL_TX");
}
