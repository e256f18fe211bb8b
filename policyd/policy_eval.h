/*
 * The decision on one transaction, from the policies that apply to it.
 * Pure: the caller gathers the enabled policies of the wallet and the
 * global ones (for the transaction's network or for any), and supplies
 * the clock, the request count and the USD totals through callbacks; this
 * file reads no database and keeps no state.  Default deny: every refusal
 * names the policy that would allow the transaction.
 */
#ifndef WAIAAS_POLICY_EVAL_H
#define WAIAAS_POLICY_EVAL_H

#include <jansson.h>

/* Transaction types, as policyd/tx.h numbers them. */
#define PE_TRANSFER	1
#define PE_TOKEN	2
#define PE_CALL		3
#define PE_APPROVE	4
#define PE_MESSAGE	5	/* a message to sign: value 0 */
#define PE_NFT		6	/* an NFT moved: a call to its contract */
#define PE_DEPLOY	7	/* a contract created */

#define TIER_INSTANT	1
#define TIER_NOTIFY	2
#define TIER_DELAY	3
#define TIER_APPROVAL	4

struct pe_policy {
	int		 type;		/* POLICY_* */
	json_t		*rules;		/* canonical, as stored */
	int		 wallet;	/* for the wallet (else global) */
	int		 network;	/* for one network (else any) */
	int		 priority;
};

struct pe_tx {
	int		 type;		/* PE_* */
	int		 evm;		/* addresses compare without case */
	const char	*network;
	const char	*to;		/* recipient, or the contract called */
	const char	*contract;	/* PE_NFT: the collection's contract */
	const char	*token;		/* PE_TOKEN, PE_APPROVE */
	const char	*spender;	/* PE_APPROVE */
	const char	*amount;	/* smallest unit: native (TRANSFER,
					   CALL value) or token */
	const char	*selector;	/* EVM call: "0x" and 8 hex digits */
	double		 usd;		/* its value in USD; < 0: unknown */
};

struct pe_env {
	long long	  now;		/* unix seconds; the rules are UTC */
	/* This wallet's transactions requested since a time. */
	long long	(*requests_since)(void *, long long);
	/* USD this wallet spent or reserved since a time. */
	double		(*usd_since)(void *, long long);
	void		 *arg;
	int		  unpriced_deny; /* no USD value: deny, not APPROVAL */
};

struct pe_result {
	int		 allowed;
	int		 tier;		/* TIER_* when allowed */
	const char	*code;		/* error code when denied */
	char		 reason[320];	/* why denied, or what set the tier */
	long long	 delay_seconds;	/* TIER_DELAY */
	long long	 approval_timeout; /* TIER_APPROVAL */
	long long	 retry_after;	/* RATE_LIMIT_EXCEEDED: seconds */
};

/* 1: allowed, r->tier set; 0: denied, r->code and r->reason set. */
int		 policy_eval(const struct pe_tx *, const struct pe_policy *,
		    size_t, const struct pe_env *, struct pe_result *);
const char	*tier_name(int);

#endif
