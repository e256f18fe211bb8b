#include <string.h>
#include <strings.h>

#include "tokens.h"
#include "util.h"

#define USDC	"USD Coin"
#define WSOL	"So11111111111111111111111111111111111111112"

const struct token_info	token_builtin[] = {
	{ "ethereum-mainnet", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
	    "USDC", USDC, 6 },
	{ "ethereum-mainnet", "0xdAC17F958D2ee523a2206206994597C13D831ec7",
	    "USDT", "Tether USD", 6 },
	{ "ethereum-mainnet", "0x6B175474E89094C44Da98b954EedeAC495271d0F",
	    "DAI", "Dai Stablecoin", 18 },
	{ "ethereum-mainnet", "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
	    "WETH", "Wrapped Ether", 18 },
	{ "ethereum-mainnet", "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599",
	    "WBTC", "Wrapped BTC", 8 },
	{ "ethereum-mainnet", "0x514910771AF9Ca656af840dff83E8264EcF986CA",
	    "LINK", "ChainLink Token", 18 },
	{ "ethereum-sepolia", "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238",
	    "USDC", USDC, 6 },
	{ "polygon-mainnet", "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359",
	    "USDC", USDC, 6 },
	{ "arbitrum-mainnet", "0xaf88d065e77c8cC2239327C5EDb3A432268e5831",
	    "USDC", USDC, 6 },
	{ "optimism-mainnet", "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85",
	    "USDC", USDC, 6 },
	{ "base-mainnet", "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
	    "USDC", USDC, 6 },
	{ "base-sepolia", "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
	    "USDC", USDC, 6 },
	{ "mainnet", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
	    "USDC", USDC, 6 },
	{ "mainnet", "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB",
	    "USDT", "USDT", 6 },
	{ "mainnet", WSOL, "wSOL", "Wrapped SOL", 9 },
	{ "devnet", "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU",
	    "USDC", USDC, 6 },
	{ "devnet", WSOL, "wSOL", "Wrapped SOL", 9 },
	{ "testnet", WSOL, "wSOL", "Wrapped SOL", 9 },
};
const size_t	token_nbuiltin = nitems(token_builtin);

const struct token_info *
token_builtin_find(const char *network, const char *address)
{
	const struct token_info	*t;
	size_t			 i;

	for (i = 0; i < token_nbuiltin; i++) {
		t = &token_builtin[i];
		if (strcmp(t->network, network) != 0)
			continue;
		/* EVM addresses compare in any case, mints exactly */
		if (strncmp(t->address, "0x", 2) == 0 ?
		    strcasecmp(t->address, address) == 0 :
		    strcmp(t->address, address) == 0)
			return t;
	}
	return NULL;
}
