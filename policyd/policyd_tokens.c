/*
 * The token registry: GET /v1/tokens lists a network's tokens, the
 * built-in ones (common/tokens.c) and the operator's (the tokens table);
 * POST and DELETE add and remove the operator's, audited; GET
 * /v1/tokens/resolve checks what it is asked and lets the api read the
 * token on chain (CQ_RESOLVE), with what the registry knows of it.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "policy_rules.h"
#include "policyd.h"
#include "routes.h"
#include "tokens.h"
#include "tx.h"
#include "util.h"

#define TOKEN_COLS	"address, symbol, name, decimals"

/* The network named in a query or a body, or NULL after answering. */
static const struct network *
token_net(struct pd_ctx *c, const char *name)
{
	const struct network	*n;

	if (name == NULL || name[0] == '\0') {
		pd_fail_issue(c->peerid, "network", "required: a network name "
		    "or a CAIP-2 id");
		return NULL;
	}
	if ((n = net_lookup(name)) == NULL)
		pd_fail_issue(c->peerid, "network", "not a network of this "
		    "daemon");
	return n;
}

/* The address in canonical form, or -1 after answering. */
static int
token_addr(struct pd_ctx *c, const struct network *n, const char *path,
    const char *s, char out[CHAIN_ADDR_MAX + 1])
{
	uint8_t	b[32];

	if (s != NULL && parse_addr((int)n->chain, s, out, b) == 0)
		return 0;
	pd_fail_issue(c->peerid, path, n->chain == KS_CHAIN_ETHEREUM ?
	    "an EVM contract address (0x and 40 hex digits, EIP-55 or one "
	    "case)" : "a Solana mint address (base58 of 32 bytes)");
	return -1;
}

static json_t *
token_item(const struct network *n, const char *addr, const char *symbol,
    const char *name, int decimals, const char *source)
{
	json_t	*o;
	char	 id[NET_ASSET_ID_MAX + 1], chain[NET_CAIP2_MAX + 1];

	o = json_pack("{s:s,s:s,s:s,s:i,s:s}", "address", addr, "symbol",
	    symbol, "name", name, "decimals", decimals, "source", source);
	if (o == NULL)
		fatalx("json_pack");
	json_object_set_new(o, "assetId", net_asset_id(n, addr, id,
	    sizeof(id)) == 0 ? json_string(id) : json_null());
	if (net_caip2(n, chain, sizeof(chain)) == 0)
		json_object_set_new(o, "chainId", json_string(chain));
	return o;
}

/* GET /v1/tokens?network= */
void
tokens_list(struct pd_ctx *c)
{
	const struct network	*n;
	sqlite3_stmt		*st;
	json_t			*list;
	char			 net[NET_QUERY_MAX + 1];
	size_t			 i;

	if ((n = token_net(c, pd_query_str(c->req->query, "network", net,
	    sizeof(net)))) == NULL)
		return;
	if ((list = json_array()) == NULL)
		fatalx("json_array");
	for (i = 0; i < token_nbuiltin; i++)
		if (strcmp(token_builtin[i].network, n->name) == 0)
			json_array_append_new(list, token_item(n,
			    token_builtin[i].address, token_builtin[i].symbol,
			    token_builtin[i].name,
			    (int)token_builtin[i].decimals, "builtin"));
	st = store_prepare("SELECT " TOKEN_COLS " FROM tokens WHERE "
	    "network = ? ORDER BY created_at, id");
	sqlite3_bind_text(st, 1, n->name, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(list, token_item(n,
		    (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    sqlite3_column_int(st, 3), "custom"));
	sqlite3_finalize(st);
	pd_reply_json(c->peerid, 200, json_pack("{s:s,s:o}", "network",
	    n->name, "tokens", list));
}

static void
token_fail(struct pd_ctx *c, const char *what)
{
	log_warnx("token %s: %s", what, sqlite3_errmsg(pd.db));
	store_rollback();
	pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the token registry could "
	    "not be changed", 1);
}

/* Network and address of a change's body: 0, or -1 after answering. */
static int
token_body(struct pd_ctx *c, const struct network **n,
    char addr[CHAIN_ADDR_MAX + 1])
{
	if (c->body == NULL)
		fatalx("token change without a body");
	if ((*n = token_net(c, str(c->body, "network"))) == NULL ||
	    token_addr(c, *n, "address", str(c->body, "address"), addr) == -1)
		return -1;
	if (token_builtin_find((*n)->name, addr) != NULL) {
		pd_fail_issue(c->peerid, "address", "a built-in token of "
		    "this network: it is always listed, and cannot be added "
		    "or removed");
		return -1;
	}
	return 0;
}

/* POST /v1/tokens {network, address, symbol, name, decimals} */
void
tokens_add(struct pd_ctx *c)
{
	const struct network	*n;
	sqlite3_stmt		*st;
	const char		*sym = str(c->body, "symbol");
	const char		*name = str(c->body, "name");
	char			 addr[CHAIN_ADDR_MAX + 1], id[UUID_STR_LEN];
	json_int_t		 dec;
	int			 r;

	if (token_body(c, &n, addr) == -1)
		return;
	dec = json_integer_value(json_object_get(c->body, "decimals"));
	if (sym == NULL || name == NULL || dec < 0 ||
	    dec > TOKEN_DECIMALS_MAX)
		fatalx("token add: a body the api did not check");
	if (!pd_begin(c))
		return;
	uuidv7(id);
	st = store_prepare("INSERT INTO tokens (id, network, address, "
	    "symbol, name, decimals, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, addr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, sym, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, dec);
	sqlite3_bind_int64(st, 7, c->now);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if ((r & 0xff) == SQLITE_CONSTRAINT) {	/* extended codes */
		store_rollback();
		pd_fail_issue(c->peerid, "address", "already in the registry "
		    "of this network (remove it first to change it)");
		return;
	}
	if (r != SQLITE_DONE || audit_append(c->now, "token.added",
	    "operator", id, json_pack("{s:s,s:s,s:s,s:s,s:I}", "network",
	    n->name, "address", addr, "symbol", sym, "name", name,
	    "decimals", dec)) == -1 || store_commit() == -1) {
		token_fail(c, "add");
		return;
	}
	log_info("token %s %s added on %s", addr, sym, n->name);
	pd_reply_json(c->peerid, 201, json_pack("{s:s,s:s,s:s,s:s,s:s,s:I}",
	    "id", id, "network", n->name, "address", addr, "symbol", sym,
	    "name", name, "decimals", dec));
}

/* DELETE /v1/tokens {network, address}: removed false if not there. */
void
tokens_remove(struct pd_ctx *c)
{
	const struct network	*n;
	sqlite3_stmt		*st;
	char			 addr[CHAIN_ADDR_MAX + 1], id[UUID_STR_LEN];
	int			 found = 0, r;

	if (token_body(c, &n, addr) == -1 || !pd_begin(c))
		return;
	st = store_prepare("DELETE FROM tokens WHERE network = ? AND "
	    "address = ? RETURNING id");
	sqlite3_bind_text(st, 1, n->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, addr, -1, SQLITE_STATIC);
	/* one row at most (UNIQUE): its id, then the end */
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		found = 1;
		strlcpy(id, (const char *)sqlite3_column_text(st, 0),
		    sizeof(id));
		r = sqlite3_step(st);
	}
	if (r != SQLITE_DONE) {
		sqlite3_finalize(st);
		token_fail(c, "remove");
		return;
	}
	sqlite3_finalize(st);
	if ((found && audit_append(c->now, "token.removed", "operator", id,
	    json_pack("{s:s,s:s}", "network", n->name, "address", addr)) ==
	    -1) || store_commit() == -1) {
		token_fail(c, "remove");
		return;
	}
	if (found)
		log_info("token %s removed from %s", addr, n->name);
	pd_reply_json(c->peerid, 200, json_pack("{s:b,s:s,s:s}", "removed",
	    found, "network", n->name, "address", addr));
}

/*
 * A CAIP-19 asset id: its network and the token's address in addr, or
 * "" for the network's native coin (slip44).  -1 after answering.
 */
static int
asset_ref(struct pd_ctx *c, const char *id, const struct network **n,
    char addr[CHAIN_ADDR_MAX + 1])
{
	char		 chain[NET_CAIP2_MAX + 1], want[NET_ASSET_ID_MAX + 1];
	const char	*slash, *ref;
	size_t		 len;
	int		 evm;

	addr[0] = '\0';
	if ((slash = strchr(id, '/')) == NULL ||
	    (len = (size_t)(slash - id)) >= sizeof(chain))
		goto bad;
	memcpy(chain, id, len);
	chain[len] = '\0';
	if (strchr(chain, ':') == NULL || (*n = net_lookup(chain)) == NULL) {
		pd_fail_issue(c->peerid, "assetId", "its chain is not a "
		    "network of this daemon");
		return -1;
	}
	evm = (*n)->chain == KS_CHAIN_ETHEREUM;
	ref = slash + 1;
	if (strncmp(ref, "slip44:", 7) == 0) {
		if (net_asset_id(*n, NULL, want, sizeof(want)) == 0 &&
		    strcmp(want, id) == 0)
			return 0;
		goto bad;
	}
	if (evm && strncmp(ref, "erc20:", 6) == 0)
		ref += 6;
	else if (!evm && strncmp(ref, "token:", 6) == 0)
		ref += 6;
	else if (!evm && strncmp(ref, "spl:", 4) == 0)
		ref += 4;
	else
		goto bad;
	return token_addr(c, *n, "assetId", ref, addr);
 bad:
	pd_fail_issue(c->peerid, "assetId", "a CAIP-19 asset id of a known "
	    "network: <chain>/erc20:<address>, <chain>/token:<mint> or the "
	    "network's <chain>/slip44:<coin>");
	return -1;
}

/* What the registry knows of a token, for the answer's symbol and name. */
static void
registry_of(const struct network *n, struct chain_query *q)
{
	const struct token_info	*t;
	sqlite3_stmt		*st;

	if ((t = token_builtin_find(n->name, q->token)) != NULL) {
		strlcpy(q->symbol, t->symbol, sizeof(q->symbol));
		strlcpy(q->name, t->name, sizeof(q->name));
		return;
	}
	st = store_prepare("SELECT symbol, name FROM tokens WHERE "
	    "network = ? AND address = ?");
	sqlite3_bind_text(st, 1, n->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->token, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		strlcpy(q->symbol, (const char *)sqlite3_column_text(st, 0),
		    sizeof(q->symbol));
		strlcpy(q->name, (const char *)sqlite3_column_text(st, 1),
		    sizeof(q->name));
	}
	sqlite3_finalize(st);
}

/*
 * GET /v1/tokens/resolve?network=&address= or ?assetId=: the api reads
 * the token on chain and answers.  A native coin's asset id is answered
 * here: the network's own symbol and decimals.
 */
void
tokens_resolve(struct pd_ctx *c)
{
	const struct network	*n = NULL;
	struct chain_query	 q;
	const char		*net, *addr, *asset;
	char			 nb[NET_QUERY_MAX + 1], ab[CHAIN_ADDR_MAX + 1];
	char			 idb[NET_ASSET_ID_MAX + 33];
	char			 id[NET_ASSET_ID_MAX + 1];

	memset(&q, 0, sizeof(q));
	net = pd_query_str(c->req->query, "network", nb, sizeof(nb));
	addr = pd_query_str(c->req->query, "address", ab, sizeof(ab));
	asset = pd_query_str(c->req->query, "assetId", idb, sizeof(idb));
	if (asset != NULL && (net != NULL || addr != NULL)) {
		pd_fail_issue(c->peerid, "assetId", "either assetId, or "
		    "network and address");
		return;
	}
	if (asset != NULL) {
		if (asset_ref(c, asset, &n, q.token) == -1)
			return;
	} else if ((n = token_net(c, net)) == NULL ||
	    token_addr(c, n, "address", addr, q.token) == -1)
		return;
	if (q.token[0] == '\0') {
		if (net_asset_id(n, NULL, id, sizeof(id)) == -1)
			fatalx("a native asset id that is not the network's");
		pd_reply_json(c->peerid, 200, json_pack("{s:s,s:s,s:i,s:s,"
		    "s:s,s:s}", "symbol", n->symbol, "name", n->symbol,
		    "decimals", (int)n->decimals, "address", "native",
		    "network", n->name, "assetId", id));
		return;
	}
	q.kind = CQ_RESOLVE;
	q.net = net_index(n);
	registry_of(n, &q);
	if (imsgev_compose(&pd.api, IMSG_API_CHAINQ, c->peerid, -1, &q,
	    sizeof(q)) == -1)
		fatal("IMSG_API_CHAINQ");
}
