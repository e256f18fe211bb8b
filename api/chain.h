/*
 * The api's chain work: what policyd asks about a transaction (prepare),
 * broadcasting and watching a signed one (send), and the chain answers
 * of REST reads (query).  One client per chain family (chain_evm_*.c,
 * chain_sol_*.c, each with a private header) over rpc.h; results leave
 * through the chain_*_done() functions, which api_chain.c implements for
 * the daemon (imsg to policyd, HTTP answers) and tests/tools/
 * chain_driver.c for tests (JSON lines on stdout).
 */
#ifndef WAIAAS_CHAIN_H
#define WAIAAS_CHAIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "msg.h"
#include "network.h"
#include "rpc.h"

/* What the api knows of one network. */
#define NETSTATE_UNCHECKED	0	/* EVM: eth_chainId not asked yet */
#define NETSTATE_OK		1
#define NETSTATE_WRONG		2	/* the node is another chain */

struct chain_net {
	uint32_t		index;
	struct network		net;
	char			url[NET_URL_MAX];	/* "" = not set */
	char			resolve[NET_RESOLVE_MAX];
	struct rpc_endpoint	ep;
	struct rpc_health	health;		/* ep.health points here */
	uint32_t		flags;		/* NETF_* */
	int			state;		/* NETSTATE_* */
	uint64_t		seen_chain_id;	/* what the node said */
	int64_t			checked_at;	/* unix seconds */
};

/* Timing for watches, from the config. */
struct chain_timing {
	long		poll_ms;	/* receipt / status poll interval */
	long		resend_ms;	/* EVM: unseen this long -> resend */
};
extern struct chain_timing	chain_timing;
/* How many polls in a row a sent transaction's watch puts off while
 * the calls in flight are crowded (rpc_crowded()). */
#define WATCH_YIELD_MAX	4

/* The api's event loop, for the watches' timers. */
extern struct event_base	*chain_base;

/* Results: exactly one *_done per prepare and per query; a send gives
 * any number of chain_status_done and ends with a final state
 * (CONFIRMED, FAILED, NOT_SENT, NONCE_LOW, EXPIRED). */
void	chain_prep_done(const struct chain_ctx *);
void	chain_status_done(const char *, int, int, const char *, ...)
	    __attribute__((format(printf, 4, 5)));
/* incoming: one answer per ask, count transfers (NULL if none). */
void	chain_incoming_done(const struct incoming_head *,
	    const struct incoming_xfer *);
/* query: status 200 with body (stolen), or an error code and message. */
void	chain_query_done(void *, int, const char *, const char *, json_t *);
/*
 * query, one balance (CQ_BALANCE) found: its answer written out without
 * jansson when it can be (chain_balance_done() says 0 and the query is
 * answered); -1: the caller answers with chain_query_done().
 */
struct chain_balance {
	const char	*wallet;
	const char	*chain;		/* "ethereum" */
	const char	*address;
	const char	*balance;	/* base units, decimal */
	unsigned	 decimals;
	const char	*symbol;
	const char	*token;		/* NULL: the native coin */
};
int	chain_balance_done(void *, const struct chain_balance *);

/*
 * EVM (chain_evm_*.c).  A prepare's and a query's last argument: when
 * the request they serve arrived (rpc_now_us()); their reads may share
 * the answer of an identical call started since (rpc_call_shared()).
 */
void	evm_prepare(struct chain_net *, const struct chain_prep *,
	    const uint8_t *, uint64_t);
void	evm_send(struct chain_net *, const struct chain_send *,
	    const uint8_t *);
void	evm_query(void *, struct chain_net *, const struct chain_query *,
	    uint64_t);
void	evm_incoming(struct chain_net *, const struct incoming_ask *);
void	sol_incoming(struct chain_net *, const struct incoming_ask *);

/* Solana (chain_sol_*.c). */
void	sol_prepare(struct chain_net *, const struct chain_prep *,
	    const uint8_t *);
void	sol_send(struct chain_net *, const struct chain_send *,
	    const uint8_t *);
void	sol_query(void *, struct chain_net *, const struct chain_query *);

/* What both clients share (chain_common.c). */
void	chain_clean(char *, size_t, const char *);
void	chain_vfmt(char *, size_t, const char *, va_list)
	    __attribute__((format(printf, 3, 0)));
void	chain_fmt(char *, size_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	chain_says(const char *, const char *const []);
void	chain_rpc_msg(const struct chain_net *, const char *,
	    const struct rpc_error *, char *, size_t);
void	chain_prep_oom(const struct chain_prep *);
int64_t	chain_now_ms(void);
/* 256-bit big-endian unsigned numbers, as the chain messages carry them. */
int	u256_fits_u64(const uint8_t [32]);
uint64_t u256_low64(const uint8_t [32]);
void	u256_from_u64(uint64_t, uint8_t [32]);
void	u256_dec(const uint8_t [32], char [80]);
/* GET /v1/tokens/resolve: a token's metadata (chain_tokens.c). */
void	token_resolve(void *, struct chain_net *, const struct chain_query *);
/* chain_nft.c: CQ_NFT, one NFT as a wallet holds it (EVM) */
void	nft_read(void *, struct chain_net *, const struct chain_query *);

#endif
