/*
 * The networks a wallet can use: the 15 of the public surface and any EVM
 * chain the operator adds in config.toml ([rpc] evm_custom).  The parent
 * builds the table and sends it, entry by entry, to api (with RPC URLs)
 * and policyd (without); both then index networks the same way.
 */
#ifndef WAIAAS_NETWORK_H
#define WAIAAS_NETWORK_H

#include <stddef.h>
#include <stdint.h>

#define NET_NAME_MAX		32
#define NET_SYMBOL_MAX		11
#define NET_MAX			32	/* 15 built in, 17 custom */
#define NET_CUSTOM_MAX		(NET_MAX - 15)
#define NET_RESOLVE_MAX		512
#define NET_URL_MAX		2048	/* = CONFIG_URL_MAX */

struct network {
	char		name[NET_NAME_MAX + 1];	/* "ethereum-sepolia" */
	uint32_t	chain;		/* KS_CHAIN_ETHEREUM or _SOLANA */
	uint32_t	env;		/* ENV_TESTNET or ENV_MAINNET */
	uint64_t	chain_id;	/* EVM: what eth_chainId must say */
	char		symbol[NET_SYMBOL_MAX + 1];
	uint32_t	decimals;
	uint32_t	custom;		/* from [rpc] evm_custom */
};

/* The built-in networks, in the order of the [rpc] keys (RPC_*). */
extern const struct network	net_builtin[];
extern const size_t		net_nbuiltin;

/* A process's table, as the parent sent it. */
int			 net_add(const struct network *);
const struct network	*net_get(uint32_t);
const struct network	*net_find(const char *);
uint32_t		 net_index(const struct network *);
size_t			 net_count(void);
const char		*net_chain_name(uint32_t);

/*
 * CAIP ids.  net_caip2: "eip155:11155111", "solana:<genesis prefix>".
 * net_asset_id: CAIP-19 of the native coin (token NULL; slip44) or of a
 * token ("eip155:1/erc20:0x..." lowercase, "solana:.../token:<mint>").
 * Both 0, or -1 and "" when the network has none.  net_lookup: a
 * network by name or by CAIP-2 id.  caip_solana_ref: the CAIP-2
 * reference of a Solana network, or NULL.
 */
#define NET_CAIP2_MAX	48
#define NET_ASSET_ID_MAX	128	/* caip2 + "/erc20:" + an address */
int			 net_caip2(const struct network *, char *, size_t);
int			 net_asset_id(const struct network *, const char *,
			    char *, size_t);
const struct network	*net_lookup(const char *);
const char		*caip_solana_ref(const char *);

/*
 * The setting that gives a network its RPC URL: the [rpc] key
 * ("evm_ethereum_sepolia", "solana_devnet"; "evm_custom" for the
 * operator's chains) and its variable ("WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA").
 */
void	net_rpc_setting(const struct network *, char *, size_t, char *,
	    size_t);
/*
 * What a client is told when a network's RPC fails: with why NULL, that
 * none is set; else that the endpoint (the built-in public one when
 * isdefault) did not answer, and why.  Both name the setting.
 */
void	net_rpc_advice(const struct network *, int, const char *, char *,
	    size_t);

/*
 * Parse [rpc] evm_custom: entries separated by ';', each
 * "name,chainId,testnet|mainnet,SYMBOL,url".  Fills nets and urls; returns
 * the number of entries or -1 with err set.
 */
int	net_parse_custom(const char *, struct network *, char (*)[NET_URL_MAX],
	    size_t, char *, size_t);

#endif
