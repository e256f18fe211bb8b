/*
 * The network table.  Built-in entries follow the [rpc] keys one to one
 * (RPC_* in config.h); custom EVM chains come after them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keystore.h"
#include "msg.h"
#include "network.h"
#include "util.h"

#define EVM(n, e, id, sym)	\
	{ n, KS_CHAIN_ETHEREUM, ENV_##e, id, sym, 18, 0 }
#define SOL(n, e)		\
	{ n, KS_CHAIN_SOLANA, ENV_##e, 0, "SOL", 9, 0 }

const struct network net_builtin[] = {
	SOL("mainnet", MAINNET),
	SOL("devnet", TESTNET),
	SOL("testnet", TESTNET),
	EVM("ethereum-mainnet", MAINNET, 1, "ETH"),
	EVM("ethereum-sepolia", TESTNET, 11155111, "ETH"),
	EVM("polygon-mainnet", MAINNET, 137, "POL"),
	EVM("polygon-amoy", TESTNET, 80002, "POL"),
	EVM("arbitrum-mainnet", MAINNET, 42161, "ETH"),
	EVM("arbitrum-sepolia", TESTNET, 421614, "ETH"),
	EVM("optimism-mainnet", MAINNET, 10, "ETH"),
	EVM("optimism-sepolia", TESTNET, 11155420, "ETH"),
	EVM("base-mainnet", MAINNET, 8453, "ETH"),
	EVM("base-sepolia", TESTNET, 84532, "ETH"),
	EVM("hyperevm-mainnet", MAINNET, 999, "HYPE"),
	EVM("hyperevm-testnet", TESTNET, 998, "HYPE"),
};
const size_t	net_nbuiltin = nitems(net_builtin);

static struct network	table[NET_MAX];
static size_t		ntable;

int
net_add(const struct network *n)
{
	if (ntable >= NET_MAX || memchr(n->name, '\0', sizeof(n->name)) ==
	    NULL || memchr(n->symbol, '\0', sizeof(n->symbol)) == NULL ||
	    n->name[0] == '\0' || net_find(n->name) != NULL ||
	    (n->chain != KS_CHAIN_ETHEREUM && n->chain != KS_CHAIN_SOLANA) ||
	    (n->env != ENV_TESTNET && n->env != ENV_MAINNET) ||
	    n->decimals > 36)
		return -1;
	table[ntable++] = *n;
	return 0;
}

const struct network *
net_get(uint32_t i)
{
	return i < ntable ? &table[i] : NULL;
}

const struct network *
net_find(const char *name)
{
	size_t	i;

	for (i = 0; i < ntable; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

/* The first 32 characters of each cluster's genesis hash (CAIP-30). */
static const struct {
	const char	*network;
	const char	*ref;
} sol_refs[] = {
	{ "mainnet", "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp" },
	{ "devnet", "EtWTRABZaYq6iMfeYKouRu166VU2xqa1" },
	{ "testnet", "4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z" },
};

const char *
caip_solana_ref(const char *network)
{
	size_t	i;

	for (i = 0; i < nitems(sol_refs); i++)
		if (strcmp(network, sol_refs[i].network) == 0)
			return sol_refs[i].ref;
	return NULL;
}

int
net_caip2(const struct network *n, char *out, size_t outlen)
{
	const char	*ref;
	int		 r;

	if (n->chain == KS_CHAIN_ETHEREUM)
		r = snprintf(out, outlen, "eip155:%llu",
		    (unsigned long long)n->chain_id);
	else if ((ref = caip_solana_ref(n->name)) != NULL)
		r = snprintf(out, outlen, "solana:%s", ref);
	else
		r = -1;
	if (r < 0 || (size_t)r >= outlen) {
		if (outlen > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

/* SLIP-44 coin types of the native coins the built-in networks carry
 * (HYPE has none registered: its chain id stands in, as WAIaaS does). */
static const struct {
	const char	*symbol;
	unsigned	 slip44;
} slip44s[] = {
	{ "ETH", 60 }, { "SOL", 501 }, { "POL", 966 }, { "BNB", 714 },
	{ "AVAX", 9000 }, { "HYPE", 999 },
};

int
net_asset_id(const struct network *n, const char *token, char *out,
    size_t outlen)
{
	char	 chain[NET_CAIP2_MAX + 1], low[CHAIN_ADDR_MAX + 1];
	size_t	 i;
	int	 r = -1;

	if (net_caip2(n, chain, sizeof(chain)) == -1)
		goto fail;
	if (token != NULL && n->chain == KS_CHAIN_ETHEREUM) {
		/* EIP-55 case is presentation: CAIP-19 keeps it lowercase */
		for (i = 0; token[i] != '\0' && i < sizeof(low) - 1; i++)
			low[i] = (char)tolower((unsigned char)token[i]);
		low[i] = '\0';
		r = snprintf(out, outlen, "%s/erc20:%s", chain, low);
	} else if (token != NULL)
		r = snprintf(out, outlen, "%s/token:%s", chain, token);
	else
		for (i = 0; i < nitems(slip44s); i++)
			if (strcmp(n->symbol, slip44s[i].symbol) == 0) {
				r = snprintf(out, outlen, "%s/slip44:%u", chain,
				    slip44s[i].slip44);
				break;
			}
	if (r >= 0 && (size_t)r < outlen)
		return 0;
 fail:
	if (outlen > 0)
		out[0] = '\0';
	return -1;
}

const struct network *
net_lookup(const char *s)
{
	char	 id[NET_CAIP2_MAX + 1];
	size_t	 i;

	if (strchr(s, ':') == NULL)
		return net_find(s);
	for (i = 0; i < ntable; i++)
		if (net_caip2(&table[i], id, sizeof(id)) == 0 &&
		    strcmp(id, s) == 0)
			return &table[i];
	return NULL;
}

uint32_t
net_index(const struct network *n)
{
	return (uint32_t)(n - table);
}

size_t
net_count(void)
{
	return ntable;
}

const char *
net_chain_name(uint32_t chain)
{
	return chain == KS_CHAIN_SOLANA ? "solana" : "ethereum";
}

void
net_rpc_setting(const struct network *n, char *key, size_t keylen,
    char *env, size_t envlen)
{
	size_t	i;

	if (n->custom)
		strlcpy(key, "evm_custom", keylen);
	else
		snprintf(key, keylen, "%s_%s", n->chain == KS_CHAIN_SOLANA ?
		    "solana" : "evm", n->name);
	for (i = 0; key[i] != '\0'; i++)
		if (key[i] == '-')
			key[i] = '_';
	snprintf(env, envlen, "WAIAAS_RPC_%s", key);
	for (i = 11; env[i] != '\0'; i++)
		env[i] = (char)toupper((unsigned char)env[i]);
}

void
net_rpc_advice(const struct network *n, int isdefault, const char *why,
    char *out, size_t outlen)
{
	char	key[NET_NAME_MAX + 16], env[NET_NAME_MAX + 32];

	net_rpc_setting(n, key, sizeof(key), env, sizeof(env));
	if (why == NULL)
		snprintf(out, outlen, "no RPC for %s: set %s or [rpc] %s",
		    n->name, env, key);
	else if (isdefault)	/* why last: a cut message keeps the rest */
		snprintf(out, outlen, "%s: the public default RPC did not "
		    "answer: set %s or [rpc] %s to another endpoint (%s)",
		    n->name, env, key, why);
	else
		snprintf(out, outlen, "%s: the RPC did not answer: check %s "
		    "or [rpc] %s (%s)", n->name, env, key, why);
}

static int
valid_name(const char *s)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > NET_NAME_MAX || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) || s[i] == '-'))
			return 0;
	return 1;
}

static int
valid_symbol(const char *s)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > NET_SYMBOL_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			return 0;
	return 1;
}

/* One field of an entry, up to ',' or the end; NUL-terminated in buf. */
static const char *
field(const char *p, const char *end, char *buf, size_t len, int last)
{
	const char	*q = last ? end : memchr(p, ',', (size_t)(end - p));

	if (q == NULL || (size_t)(q - p) >= len)
		return NULL;
	memcpy(buf, p, (size_t)(q - p));
	buf[q - p] = '\0';
	return last ? q : q + 1;
}

int
net_parse_custom(const char *s, struct network *nets,
    char (*urls)[NET_URL_MAX], size_t max, char *err, size_t errlen)
{
	const char		*p = s, *end;
	char			 name[64], id[32], env[16], sym[32], *ep;
	size_t			 n = 0, i;
	unsigned long long	 cid;

	while (*p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		if (*p == '\0')
			break;
		if ((end = strchr(p, ';')) == NULL)
			end = p + strlen(p);
		while (end > p && end[-1] == ' ')
			end--;
		if (n >= max) {
			snprintf(err, errlen, "rpc.evm_custom: more than %zu "
			    "chains", max);
			return -1;
		}
		memset(&nets[n], 0, sizeof(nets[n]));
		if ((p = field(p, end, name, sizeof(name), 0)) == NULL ||
		    (p = field(p, end, id, sizeof(id), 0)) == NULL ||
		    (p = field(p, end, env, sizeof(env), 0)) == NULL ||
		    (p = field(p, end, sym, sizeof(sym), 0)) == NULL ||
		    field(p, end, urls[n], NET_URL_MAX, 1) == NULL) {
			snprintf(err, errlen, "rpc.evm_custom: entry %zu: want "
			    "name,chainId,testnet|mainnet,SYMBOL,url", n + 1);
			return -1;
		}
		p = end;
		errno = 0;
		cid = strtoull(id, &ep, 10);
		if (!valid_name(name)) {
			snprintf(err, errlen, "rpc.evm_custom: entry %zu: name "
			    "must be 1-32 of a-z, 0-9 and '-'", n + 1);
			return -1;
		}
		for (i = 0; i < net_nbuiltin; i++)
			if (strcmp(net_builtin[i].name, name) == 0)
				break;
		if (i < net_nbuiltin) {
			snprintf(err, errlen, "rpc.evm_custom: %s is a "
			    "built-in network", name);
			return -1;
		}
		for (i = 0; i < n; i++)
			if (strcmp(nets[i].name, name) == 0)
				break;
		if (i < n) {
			snprintf(err, errlen, "rpc.evm_custom: %s twice", name);
			return -1;
		}
		if (errno != 0 || *ep != '\0' || id[0] < '1' || id[0] > '9' ||
		    cid > 0xffffffffffffULL) {
			snprintf(err, errlen, "rpc.evm_custom: %s: chainId "
			    "must be a decimal from 1 to 2^48-1", name);
			return -1;
		}
		if (strcmp(env, "testnet") != 0 && strcmp(env, "mainnet") !=
		    0) {
			snprintf(err, errlen, "rpc.evm_custom: %s: environment "
			    "must be testnet or mainnet", name);
			return -1;
		}
		if (!valid_symbol(sym)) {
			snprintf(err, errlen, "rpc.evm_custom: %s: symbol must "
			    "be 1-11 letters or digits", name);
			return -1;
		}
		if (strncmp(urls[n], "http://", 7) != 0 &&
		    strncmp(urls[n], "https://", 8) != 0) {
			snprintf(err, errlen, "rpc.evm_custom: %s: url must be "
			    "http:// or https://", name);
			return -1;
		}
		strlcpy(nets[n].name, name, sizeof(nets[n].name));
		strlcpy(nets[n].symbol, sym, sizeof(nets[n].symbol));
		nets[n].chain = KS_CHAIN_ETHEREUM;
		nets[n].env = env[0] == 't' ? ENV_TESTNET : ENV_MAINNET;
		nets[n].chain_id = cid;
		nets[n].decimals = 18;
		nets[n].custom = 1;
		n++;
	}
	return (int)n;
}
