/*
 * Transactions, private to policyd's tx_*.c: the send route, the
 * decision, and the pipeline that takes an allowed transaction to the
 * chain.  policyd records every step before it asks the next process
 * for anything, so a restart resumes where the database says it was:
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
 *
 * The stages, one file each: tx_spec.c (the request decoded),
 * tx_decide.c (policies, wallet and network, the owner's intent),
 * tx_prepare.c (jobs, chain context asked, typed fields to the signer),
 * tx_gas.c (the context's answer, gasCondition, broadcast), tx_watch.c
 * (signed, status, resume), tx_sim.c (dry runs), tx_message.c (message
 * signing), tx_sign.c (sign-only: a dApp's transaction signed, never
 * sent) and tx_routes.c (the REST routes).
 */
#ifndef POLICYD_TX_H
#define POLICYD_TX_H

#include <sys/queue.h>

#include <stdint.h>

#include <event2/event.h>

#include "policy_eval.h"
#include "policy_rules.h"
#include "policyd.h"

#define T_TRANSFER	1
#define T_TOKEN		2
#define T_CALL		3
#define T_APPROVE	4
/* 5 is PE_MESSAGE: a message to sign, not a send */
#define T_NFT		6	/* NFT_TRANSFER: ERC-721 or ERC-1155 */
#define T_DEPLOY	7	/* CONTRACT_DEPLOY: no to, init code */
#define T_BATCH		8	/* instructions: items (tx_batch.c) */
#define T_MAX		T_BATCH

#define NFT_ERC721	1
#define NFT_ERC1155	2
#define INITCODE_MAX	49152	/* EIP-3860: bytes of init code */

#define NONCE_RETRIES	2	/* "nonce too low": re-sign this often */
#define SOL_ATA_RENT	2039280	/* lamports: a token account, rent-exempt */
#define EXPIRE_RETRIES	1	/* Solana blockhash expired: rebuild once */
#define JOBS_MAX	4096	/* transactions executing at once */
#define GAS_TIMEOUT_DEFAULT 3600 /* gasCondition without a timeout: s */
#define GAS_POLL_MS	3000	/* gasCondition: how often to look again */
#define KEY_WAITS	50	/* the signer has no key yet: ask again */
#define KEY_WAIT_MS	200	/* so often, this long apart */

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
	int			 create;	/* T_DEPLOY: no to */
	int			 nft;		/* T_NFT: NFT_ERC721 or 1155 */
	/* Solana */
	int			 sol_kind;	/* SIGN_SOL_* */
	/* a message to sign (SIGN_MESSAGE): its bytes are data */
	int			 msg;
	int			 msg_kind;	/* SIGN_EVM_PERSONAL, _TYPED */
	uint8_t			 sol_to[32];	/* recipient or program */
	int			 sol_to_account; /* sol_to: a token account */
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
	/* T_BATCH: the instructions decoded, and their total native value
	 * in the smallest unit (what the batch is recorded and judged as) */
	struct txspec		*items;
	size_t			 nitems;
	char			 total[80];
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
	int			 sign_only;	/* signed, answered, not sent */
	int			 x402;		/* an x402 payment's message */
	int			 key_waits;	/* asked again for a key */
	uint64_t		 nonce;
	struct txspec		 s;
	uint64_t		 last_valid_height;
	uint64_t		 fee_cap;	/* EVM gwei/gas; 0: config */
	/* a dry run: who asked, and the decision */
	uint32_t		 peerid;
	struct pe_result	 r;
	double			 usd;
	double			 t0;		/* mono_ms() at the request */
	uint64_t		 since_us;	/* the first prepare's reads:
						 * calls started since, as
						 * CLOCK_MONOTONIC us; 0: now */
	struct event		*gas_ev;	/* gasCondition: next look */
	json_t			*req;		/* the request */
	size_t			 k;		/* EVM BATCH: the instruction
						 * being executed */
	char			*amount;	/* base units, as judged */
};

TAILQ_HEAD(jobq, job);
extern struct jobq	 jobs;
extern size_t		 njobs;
extern uint32_t		 next_sign_id;

extern const char *const type_names[T_MAX + 1];

#define is_zero_bytes(b)	is_zero((b), 32)

struct wref {
	char			 id[KS_ID_LEN + 1];
	int			 chain;
	int			 env;
	char			 address[CHAIN_ADDR_MAX + 1];
	char			 status[16];
	const struct network	*net;
};

/* tx_spec.c */
int	dec_u256(const char *s, uint8_t out[32]);
void	u256_u64(uint8_t out[32], uint64_t v);
int	u256_add(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]);
int	u256_cmp(const uint8_t a[32], const uint8_t b[32]);
int	u256_mul64(uint8_t out[32], const uint8_t a[32], uint64_t m);
void	u256_dec(const uint8_t a[32], char out[80]);
int	is_zero(const uint8_t *b, size_t n);
int	parse_addr(int chain, const char *s, char out[CHAIN_ADDR_MAX + 1],
    uint8_t *bytes);
void	issue(json_t *issues, const char *path, const char *msg);
const char	*str(json_t *o, const char *k);
int	spec_parse(json_t *req, int chain, uint32_t net, const char *from,
    struct txspec *s, json_t *issues);
void	req_forms(json_t *req, int chain, const struct network *net,
    json_t *issues);
void	spec_free(struct txspec *s);

/* tx_nft.c */
void	spec_nft(json_t *req, struct txspec *s, json_t *issues);
void	spec_deploy(json_t *req, struct txspec *s, json_t *issues);
int	nft_ident_parse(int chain, const char *s,
    char contract[CHAIN_ADDR_MAX + 1], char id[CQ_TOKEN_ID_MAX + 1],
    const char **why);

/* tx_decide.c */
void	spec_pe(const struct txspec *s, json_t *req, const char *network,
    struct pe_tx *t, char sel[11]);
double	spec_usd(const struct txspec *s, const char *amount, long long now,
    char *why, size_t whylen);
int	wallet_ref(struct pd_ctx *c, const char *wid, const char *network,
    int read, struct wref *w);
int	wallet_ref_admin(struct pd_ctx *c, const char *wid, struct wref *w);
int	send_ref(struct pd_ctx *c, struct wref *w);
int	send_ref_net(struct pd_ctx *c, struct wref *w, const char *network);
int	busy(struct pd_ctx *c);
void	denied(struct pd_ctx *c, const struct wref *w, const char *type,
    const struct pe_result *r);
void	intent_make(const char *id, const char *wallet, const struct txspec *s,
    const char *amount, uint64_t fee_cap, char *text, size_t len, char hex[65]);

/* tx_prepare.c */
void	tx_update(const char *sql, const char *id);
struct job	*job_find(const char *id);
void	job_end(struct job *j);
void	tx_fail(struct job *j, const char *code, int retryable,
    const char *msg);
int	ended(struct job *j);
int	killed(struct job *j);
void	prepare(struct job *j);
struct job	*job_new(const char *id, const char *wallet, uint64_t fee_cap);
struct job	*job_load(const char *id);
void	tx_execute_spec(const char *id, const char *wallet, uint64_t fee_cap,
    struct txspec *s);
void	sign_evm(struct job *j, const struct chain_ctx *x);
void	sign_evm_ask(struct job *, struct sign_evm_tx *);
void	sign_sol(struct job *j, const struct chain_ctx *x);

/* tx_sim.c */
double	mono_ms(void);
json_t	*sim_logs(const struct chain_ctx *x);
void	sim_done(struct job *j, const struct chain_ctx *x);
void	sim_start(struct pd_ctx *c, const struct wref *w, struct txspec *s,
    const struct pe_tx *t, double t0);

/* tx_gas.c */
int	gas_met(const struct txspec *s, const struct chain_ctx *x,
    char price[80], char prio[80]);
void	prepare_later(struct job *j, long ms);
void	broadcast(struct job *j, const uint8_t *raw, size_t rawlen,
    const uint8_t *hash, size_t hashlen, uint64_t nonce, int flags);
void	hash_text(int chain, const uint8_t *h, char *out, size_t len);

/* tx_message.c */
int	msg_parse(json_t *req, int chain, struct txspec *s, const char **why);
void	msg_sign(struct job *j);
void	msg_signed(struct job *j, const struct sign_reply *r,
    const uint8_t *sig);

/* tx_routes.c */
void	fail_issues(uint32_t peerid, json_t *issues);
int	tx_insert(struct pd_ctx *c, const struct wref *w,
    const struct txspec *s, const struct pe_tx *t, const struct pe_result *r,
    const char *id, json_t *request, int sign_only);

/* policyd_x402.c */
void	x402_signed(struct job *, const struct sign_reply *, const uint8_t *);

/* tx_batch.c */
int	batch_parse(json_t *req, int chain, uint32_t net, const char *from,
    struct txspec *s, json_t *issues);
void	batch_forms(json_t *req, int chain, const struct network *net,
    json_t *issues);
int	batch_decide(const struct wref *w, struct txspec *s, json_t *req,
    long long now, struct pe_tx *t, struct pe_result *r);
void	batch_intent(const struct txspec *s, char hex[65]);
void	sign_sol_items(struct job *j, const struct chain_ctx *x);
const struct txspec	*job_spec(const struct job *j);
int	batch_evm(const struct job *j);
void	batch_load(struct job *j);
void	batch_record(const struct job *j, const char *status);
int	batch_next(struct job *j);

/* tx_sign.c */
void	tx_sign_signed(struct job *j, const struct sign_reply *r,
    const uint8_t *raw);
void	sign_only_invalid(struct pd_ctx *c, const char *why);
void	sign_only_decide(struct pd_ctx *c, const struct wref *w, json_t *req,
    struct txspec *s, void (*ask)(struct job *, const void *),
    const void *arg);

/* tx_sign_sol.c */
void	tx_sign_sol(struct pd_ctx *c, const struct wref *w, const char *text);

#endif
