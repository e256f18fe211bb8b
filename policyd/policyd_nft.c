/*
 * The NFT reads: GET /v1/wallet/nfts/{contract}:{tokenId} (and its admin
 * form under /v1/wallets/{id}) asks the chain about one token, which a
 * node can answer (api/chain_nft.c).  Listing a wallet's NFTs
 * (GET /v1/wallet/nfts, /v1/wallets/{id}/nfts) needs an indexer: a node
 * cannot say which tokens an address holds without scanning every
 * contract's history.  This daemon has none, so those routes answer
 * INDEXER_NOT_CONFIGURED, as the reference does without one.
 */

#include <string.h>

#include "log.h"
#include "policyd.h"
#include "routes.h"
#include "tx.h"

#define NO_INDEXER	"listing a wallet's NFTs needs an NFT indexer, and " \
	"this daemon has none (a node cannot say which tokens an address " \
	"holds); read one token with GET /v1/wallet/nfts/{contract}:{tokenId}"

/*
 * The wallet of an NFT read: a session's (walletId and network from the
 * query), or the one an admin route names in its path, on the network
 * the query names (else its own).  1, or 0 after answering.
 */
static int
nft_wallet(struct pd_ctx *c, const char *wid, struct wref *w)
{
	const struct network	*n;
	char			 q[KS_ID_LEN + 1], net[NET_QUERY_MAX + 1];
	char			 msg[160];
	const char		*name;

	name = pd_query_str(c->req->query, "network", net, sizeof(net));
	if (wid == NULL)
		return wallet_ref(c, pd_query_str(c->req->query, "walletId", q,
		    sizeof(q)), name, 1, w);
	if (!wallet_ref_admin(c, wid, w))
		return 0;
	if (name == NULL)
		return 1;
	if ((n = net_lookup(name)) == NULL) {
		snprintf(msg, sizeof(msg), "unknown network %.40s", name);
		pd_fail_issue(c->peerid, "network", msg);
		return 0;
	}
	if (n->chain != (uint32_t)w->chain || n->env != (uint32_t)w->env) {
		snprintf(msg, sizeof(msg), "network %s is not a %s %s network",
		    n->name, chain_name(w->chain), env_name(w->env));
		pd_fail(c->peerid, 400, "ENVIRONMENT_NETWORK_MISMATCH", msg, 0);
		return 0;
	}
	w->net = n;
	return 1;
}

/* The admin routes' path: "{id}/nfts" or "{id}/nfts/{ident}". */
static const char *
admin_split(char *param, char **ident)
{
	char	*p;

	*ident = NULL;
	if ((p = strstr(param, "/nfts")) == NULL)
		return param;
	*p = '\0';
	if (p[5] == '/')
		*ident = p + 6;
	return param;
}

/* GET /v1/wallet/nfts, GET /v1/wallets/{id}/nfts */
void
nft_list(struct pd_ctx *c)
{
	struct wref	 w;
	char		 param[API_PARAM_MAX + 1], *ident = NULL;
	const char	*wid = NULL;

	if (c->route == R_ADMIN_NFT_LIST) {
		strlcpy(param, c->req->param, sizeof(param));
		wid = admin_split(param, &ident);
		if (ident != NULL) {
			pd_fail(c->peerid, 404, "NOT_FOUND", "no such "
			    "resource", 0);
			return;
		}
	}
	if (!nft_wallet(c, wid, &w))
		return;
	pd_fail(c->peerid, 400, "INDEXER_NOT_CONFIGURED", NO_INDEXER, 0);
}

/* GET /v1/wallet/nfts/{ident}, GET /v1/wallets/{id}/nfts/{ident} */
void
nft_get(struct pd_ctx *c)
{
	struct wref		 w;
	struct chain_query	 q;
	char			 param[API_PARAM_MAX + 1], *ident;
	const char		*wid = NULL;
	const char		*why = "contractAddress:tokenId";

	strlcpy(param, c->req->param, sizeof(param));
	ident = param;
	if (c->route == R_ADMIN_NFT_GET)
		wid = admin_split(param, &ident);
	if (!nft_wallet(c, wid, &w))
		return;
	if (w.chain != KS_CHAIN_ETHEREUM) {
		pd_fail(c->peerid, 400, "INDEXER_NOT_CONFIGURED", "Solana NFTs "
		    "(Metaplex) are read through an indexer, which this daemon "
		    "does not have; only ERC-721 and ERC-1155 tokens on EVM "
		    "networks are read, from the node", 0);
		return;
	}
	memset(&q, 0, sizeof(q));
	if (ident == NULL || nft_ident_parse(w.chain, ident, q.token,
	    q.token_id, &why) == -1) {
		pd_fail_issue(c->peerid, "tokenIdentifier", why);
		return;
	}
	q.kind = CQ_NFT;
	q.net = net_index(w.net);
	strlcpy(q.wallet_id, w.id, sizeof(q.wallet_id));
	strlcpy(q.address, w.address, sizeof(q.address));
	if (imsgev_compose(&pd.api, IMSG_API_CHAINQ, c->peerid, -1, &q,
	    sizeof(q)) == -1)
		fatal("IMSG_API_CHAINQ");
}
