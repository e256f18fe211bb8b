/*
 * Dry runs: a decision and the chain's estimate without storing or
 * signing anything.
 */

#include <string.h>

#include "log.h"
#include "policy_rules.h"
#include "policyd.h"
#include "tx.h"

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
double
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
json_t *
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
void
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
void
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
