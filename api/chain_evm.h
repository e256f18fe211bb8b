/*
 * The EVM client's parts (chain_evm_*.c), for each other: the decoders
 * of what a node answers (chain_evm_decode.c) and the calls to a node
 * once it is known to be the configured chain (chain_evm_net.c).
 */
#ifndef WAIAAS_CHAIN_EVM_H
#define WAIAAS_CHAIN_EVM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "chain.h"

#define ABI_MAX			(64 * 1024)	/* bytes of call/revert data */
#define SYMBOL_MAX		32
#define SEL_DECIMALS		"0x313ce567"
#define SEL_BALANCEOF		"0x70a08231"	/* balanceOf(address) */

/* A node's answers, checked (chain_evm_decode.c); -1 or 0 if not said. */
int	evm_qty_parse(const json_t *, uint8_t [32]);
int	evm_qty_u64(const json_t *, uint64_t *);
void	evm_qty_hex(const uint8_t [32], char [67]);
void	evm_u64_hex(uint64_t, char [67]);
int	evm_data_parse(const json_t *, size_t, uint8_t **, size_t *);
char	*evm_hex_data(const uint8_t *, size_t);
void	evm_hash_hex(const uint8_t [32], char [67]);
int	evm_hash_eq(const json_t *, const uint8_t [32]);
int	evm_addr_json(const json_t *, char [43]);
int	evm_addr_arg(const char *, size_t, char [43], uint8_t [20]);
int	evm_is_revert(const struct rpc_error *);
void	evm_revert_message(const struct rpc_error *, char *, size_t);
void	evm_symbol_decode(const uint8_t *, size_t, char [SYMBOL_MAX + 1]);
/* eth_call data of balanceOf(address) for a checked "0x" address. */
#define BALANCEOF_HEX_LEN	(2 + 8 + 64 + 1)
void	evm_balanceof_data(const char *, char [BALANCEOF_HEX_LEN]);

/* Incoming transfers' parsers (chain_evm_incoming.c): 0 or -1. */
int	evm_incoming_block(const json_t *, const char *, uint64_t,
	    struct incoming_xfer *, size_t *, size_t, int *);
int	evm_incoming_logs(const json_t *, const char *, uint64_t, uint64_t,
	    struct incoming_xfer *, size_t *, size_t, int *);

/* The network check (chain_evm_net.c): the callback's status. */
#define NC_OK		0
#define NC_NOURL	1	/* no RPC URL configured */
#define NC_WRONG	2	/* the node is another chain */
#define NC_ERROR	3	/* could not ask */

typedef void	(*nc_cb)(void *, int, int, const char *);

void	evm_net_ready(struct chain_net *, nc_cb, void *);
void	evm_call(struct chain_net *, const char *, json_t *, int, rpc_cb,
	    void *);
void	evm_read(struct chain_net *, const char *, json_t *, uint64_t,
	    rpc_cb, void *);

#endif
