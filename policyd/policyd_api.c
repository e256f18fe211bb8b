/*
 * Every REST request arrives here in one envelope.  policyd checks it,
 * authenticates the credential against what the route table (its own
 * copy) says the route needs, then calls the route's handler.  The api's
 * opinion of auth counts for nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <sodium.h>

#include "log.h"
#include "policyd.h"
#include "routes.h"
#include "util.h"
#include "wipe.h"

static const pd_handler handlers[R_MAX] = {
	[R_WALLET_CREATE] = wallets_create,
	[R_WALLET_IMPORT] = wallets_create,
	[R_WALLET_LIST] = wallets_list,
	[R_WALLET_GET] = wallets_get,
	[R_WALLET_RENAME] = wallets_rename,
	[R_WALLET_TERMINATE] = wallets_terminate,
	[R_WALLET_PATCH] = wallets_patch,
	[R_WALLET_NETWORKS] = wallets_networks,
	[R_WALLET_SUSPEND] = wallets_suspend,
	[R_WALLET_RESUME] = wallets_resume,
	[R_WALLET_PURGE] = wallets_purge,
	[R_SESSION_CREATE] = sessions_create,
	[R_SESSION_LIST] = sessions_list,
	[R_SESSION_REVOKE] = sessions_revoke,
	[R_SESSION_RENEW] = sessions_renew,
	[R_SESSION_ROTATE] = sessions_rotate,
	[R_SESSION_WALLETS] = sessions_wallets,
	[R_SESSION_LINK] = sessions_link,
	[R_SESSION_UNLINK] = sessions_unlink,
	[R_AUDIT_LIST] = audit_list,
	[R_AUDIT_VERIFY] = audit_verify,
	[R_POLICY_CREATE] = policies_create,
	[R_POLICY_LIST] = policies_list,
	[R_POLICY_GET] = policies_get,
	[R_POLICY_UPDATE] = policies_update,
	[R_POLICY_DELETE] = policies_delete,
	[R_NONCE] = owner_nonce,
	[R_OWNER_SET] = owner_set,
	[R_OWNER_VERIFY] = owner_verify,
	[R_TX_SEND] = tx_send,
	[R_TX_GET] = tx_get,
	[R_TX_APPROVAL] = tx_approval,
	[R_TX_LIST] = tx_list,
	[R_TX_PENDING] = tx_list,
	[R_TX_SIMULATE] = tx_send,
	[R_TX_SIGN_MESSAGE] = tx_sign_message,
	[R_TX_SIGN] = tx_sign_tx,
	[R_TX_APPROVE] = tx_approve,
	[R_TX_REJECT] = tx_reject,
	[R_TX_CANCEL] = tx_cancel,
	[R_WALLET_ADDRESS] = tx_wallet_address,
	[R_WALLET_BALANCE] = tx_wallet_chain,
	[R_WALLET_ASSETS] = tx_wallet_chain,
	[R_NFT_LIST] = nft_list,
	[R_NFT_GET] = nft_get,
	[R_ADMIN_NFT_LIST] = nft_list,
	[R_ADMIN_NFT_GET] = nft_get,
	[R_ADMIN_KILL] = kill_activate,
	[R_ADMIN_KILL_STATE] = kill_state,
	[R_ADMIN_RECOVER] = kill_recover,
	[R_OWNER_KILL] = kill_owner,
	[R_ADMIN_NOTIFY_TEST] = notify_test,
	[R_ADMIN_MASTER_PASSWORD] = admin_master_password,
	[R_ADMIN_MASTER_PASSWORD_PUT] = admin_master_password,
	[R_ADMIN_BACKUP] = admin_backup_create,
	[R_ADMIN_STATUS] = admin_status,
	[R_ADMIN_STATS] = admin_stats,
	[R_ADMIN_TX_LIST] = admin_tx_list,
	[R_ADMIN_TX_CANCEL] = tx_cancel,
	[R_ADMIN_TX_REJECT] = tx_admin_reject,
	[R_ADMIN_WALLET_BALANCE] = admin_wallet_balance,
	[R_ADMIN_WALLET_TX] = admin_tx_list,
	[R_INCOMING_LIST] = incoming_list,
	[R_INCOMING_SUMMARY] = incoming_summary,
	[R_ADMIN_INCOMING] = incoming_admin_list,
	[R_ADMIN_BACKUPS] = admin_backups,
	[R_ADMIN_NOTIFY_STATUS] = admin_notify_status,
	[R_ADMIN_NOTIFY_LOG] = admin_notify_log,
	[R_ADMIN_RPC_STATUS] = admin_rpc_status,
	[R_ADMIN_ORACLE_STATUS] = admin_oracle_status,
	[R_ADMIN_SETTINGS] = settings_get,
	[R_ADMIN_SETTINGS_PUT] = settings_put,
	[R_ADMIN_SETTINGS_SCHEMA] = settings_schema,
	[R_CONNECT_INFO] = connect_info,
	[R_MCP] = mcp_auth,
	[R_MCP_TOKEN] = mcp_token_create,
	[R_TOKEN_LIST] = tokens_list,
	[R_TOKEN_ADD] = tokens_add,
	[R_TOKEN_REMOVE] = tokens_remove,
	[R_TOKEN_RESOLVE] = tokens_resolve,
	[R_WEBHOOK_CREATE] = webhooks_create,
	[R_WEBHOOK_LIST] = webhooks_list,
	[R_WEBHOOK_DELETE] = webhooks_delete,
	[R_WEBHOOK_LOGS] = webhooks_logs,
	[R_UTILS_ENCODE_CALLDATA] = utils_encode_calldata,
	[R_X402_FETCH] = x402_fetch,
	[R_METRICS] = metrics_scrape,
};

static void
fail_later_cb(evutil_socket_t fd, short ev, void *arg)
{
	uint32_t	*peerid = arg;

	(void)fd;
	(void)ev;
	pd_fail(*peerid, 401, "INVALID_MASTER_PASSWORD", "invalid master "
	    "password", 0);
	free(peerid);
}

/* A wrong password is answered after the back-off; others go on. */
static void
fail_later(uint32_t peerid, int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	uint32_t	*p;

	if ((p = malloc(sizeof(*p))) == NULL)
		fatal("malloc");
	*p = peerid;
	if (event_base_once(pd.base, -1, EV_TIMEOUT, fail_later_cb, p,
	    &tv) == -1)
		fatalx("event_base_once");
}

/* Master password: 1 ok; 0 after answering the failure. */
static int
check_master(struct pd_ctx *c)
{
	const struct api_cred	*cred = &c->req->cred;
	int			 wait;

	if (cred->kind != CRED_MASTER) {
		pd_fail(c->peerid, 401, "INVALID_MASTER_PASSWORD",
		    "X-Master-Password is required", 0);
		return 0;
	}
	switch (auth_master(cred, &wait)) {
	case AUTH_OK:
		c->auth = CRED_MASTER;
		return 1;
	case AUTH_LOCKED:
		pd_fail_retry(c->peerid, 429, "MASTER_PASSWORD_LOCKED", "too "
		    "many wrong master passwords; try again later", wait);
		return 0;
	default:
		fail_later(c->peerid, wait);
		return 0;
	}
}

/*
 * GET /metrics's bearer token against [security] metrics_token, in
 * constant time (both hashed first, so not even the length shows); with
 * no token configured, none is right.  1 ok; 0 after answering.
 */
static int
check_scrape(struct pd_ctx *c)
{
	const struct api_cred	*cred = &c->req->cred;
	const char		*tok = pd.p->cfg.metrics_token;
	unsigned char		 a[crypto_generichash_BYTES];
	unsigned char		 b[crypto_generichash_BYTES];
	int			 ok;

	crypto_generichash(a, sizeof(a), (const unsigned char *)cred->value,
	    cred->len, NULL, 0);
	crypto_generichash(b, sizeof(b), (const unsigned char *)tok,
	    strlen(tok), NULL, 0);
	ok = tok[0] != '\0' && sodium_memcmp(a, b, sizeof(a)) == 0;
	sodium_memzero(a, sizeof(a));
	sodium_memzero(b, sizeof(b));
	if (!ok) {
		pd_fail(c->peerid, 401, "INVALID_TOKEN", "invalid metrics "
		    "token", 0);
		return 0;
	}
	c->auth = CRED_SCRAPE;
	return 1;
}

static int
authenticate(struct pd_ctx *c, int need)
{
	int	kind = (int)c->req->cred.kind;

	switch (need) {
	case AUTH_NONE:
		return 1;
	case AUTH_MASTER:
		return check_master(c);
	case AUTH_SESSION:
		return session_check(c);
	case AUTH_MASTER_OR_SESSION:
		if (kind == CRED_SESSION)
			return session_check(c);
		if (kind == CRED_MASTER)
			return check_master(c);
		pd_fail(c->peerid, 401, "INVALID_TOKEN", "a session token "
		    "(Authorization: Bearer wai_sess_...) or "
		    "X-Master-Password is required", 0);
		return 0;
	case AUTH_OWNER:
		return owner_check(c);
	case AUTH_MASTER_OR_SCRAPE:
		if (kind == CRED_SCRAPE)
			return check_scrape(c);
		if (kind == CRED_MASTER)
			return check_master(c);
		pd_fail(c->peerid, 401, "INVALID_MASTER_PASSWORD",
		    "X-Master-Password or Authorization: Bearer <metrics "
		    "token> is required", 0);
		return 0;
	default:
		fatalx("route with unknown auth %d", need);
	}
}

void
pd_serve(struct pd_ctx *c)
{
	if (handlers[c->route] == NULL)
		fatalx("route %s, which policyd does not serve",
		    routes[c->route].name);
	if (authenticate(c, routes[c->route].auth) && idem_start(c))
		handlers[c->route](c);
	/*
	 * ownerAuth's transaction is the handler's to end; one left open
	 * is a bug, not something to commit by default.
	 */
	if (store_in_unit()) {
		store_rollback();
		fatalx("route %s left a transaction open",
		    routes[c->route].name);
	}
}

void
policyd_api_request(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	static struct api_request	 req;
	struct api_request		*r = &req;
	struct pd_ctx			 c;
	json_error_t			 err;
	const uint8_t			*d = imsg->data;
	size_t				 wire;

	(void)ch;
	(void)arg;
	/*
	 * Copied for alignment (messages follow each other in the read
	 * buffer at any offset), in its three parts (APIREQ_WIRE); this
	 * copy is wiped below, the read buffer once this returns.
	 */
	memcpy(r, d, APIREQ_HEAD);
	if (r->cred.len > CRED_VALUE_MAX ||
	    imsg->len < APIREQ_WIRE(r->cred.len))
		fatalx("IMSG_API_REQUEST: malformed");
	memcpy(r->cred.value, d + APIREQ_HEAD, (size_t)r->cred.len + 1);
	memcpy(r->param, d + APIREQ_HEAD + r->cred.len + 1, APIREQ_TAIL);
	wire = APIREQ_WIRE(r->cred.len);
	if (imsg->len != wire + r->bodylen ||
	    r->bodylen > API_BODY_MAX || r->route >= R_MAX ||
	    r->cred.value[r->cred.len] != '\0' ||
	    memchr(r->param, '\0', sizeof(r->param)) == NULL ||
	    memchr(r->query, '\0', sizeof(r->query)) == NULL ||
	    memchr(r->idem, '\0', sizeof(r->idem)) == NULL)
		fatalx("IMSG_API_REQUEST: malformed");
	if (handlers[r->route] == NULL)
		fatalx("IMSG_API_REQUEST for route %s, which policyd does not "
		    "serve", routes[r->route].name);
	memset(&c, 0, sizeof(c));
	c.peerid = imsg->hdr.peerid;
	c.route = (int)r->route;
	c.req = r;
	c.now = (long long)time(NULL);
	if (r->flags & ~APIREQ_INVALID)
		fatalx("IMSG_API_REQUEST: unknown flags");
	/*
	 * A read's statements share one transaction with the reads after
	 * it in the same batch from the api (store_read_begin, ended by
	 * api_drained); any other request runs outside it, as before.
	 */
	if (routes[r->route].method == HTTP_GET && r->flags == 0)
		store_read_begin();
	else
		store_read_end();
	if (r->flags & APIREQ_INVALID) {
		/* The api refused the body: after auth, say so. */
		if (authenticate(&c, routes[r->route].auth)) {
			/* ownerAuth's nonce stays unspent. */
			if (store_in_unit())
				store_rollback();
			pd_reply(c.peerid, 400, NULL, (const char *)d + wire,
			    r->bodylen);
		}
		sodium_memzero(r->cred.value, (size_t)r->cred.len + 1);
		return;
	}
	if (r->bodylen > 0) {
		/* The api made this body; anything but an object is fatal. */
		c.body = json_loadb((const char *)d + wire, r->bodylen,
		    JSON_REJECT_DUPLICATES, &err);
		if (c.body == NULL || !json_is_object(c.body))
			fatalx("IMSG_API_REQUEST: body is not a JSON object");
	}
	pd_serve(&c);
	json_decref(c.body);
	/* Only cred.len + 1 bytes of the value are ever written here. */
	sodium_memzero(r->cred.value, (size_t)r->cred.len + 1);
	/* Answers held for the turn's commit stay bounded: past a quarter
	 * of the channel's queue, the commit comes now. */
	if (imsgchan_queued(&pd.api.ch) > CHAN_API_WMAX / 4)
		store_sync();
}

/* May the caller see (or act on) this wallet? Master sees all. */
int
pd_can_see(const struct pd_ctx *c, const char *wallet)
{
	if (c->auth == CRED_MASTER)
		return 1;
	if (c->auth == CRED_SESSION)
		return session_has_wallet(c->session, wallet);
	return 0;
}

/*
 * The wallet the path names, one the caller may see: NULL after
 * answering 404 (no such wallet, or a malformed id) or 403.
 */
json_t *
pd_path_wallet(struct pd_ctx *c)
{
	json_t	*j;

	if (!ks_valid_id(c->req->param, strlen(c->req->param)) ||
	    (j = store_wallet(c->req->param)) == NULL) {
		pd_fail(c->peerid, 404, "WALLET_NOT_FOUND", "no such wallet",
		    0);
		return NULL;
	}
	if (!pd_can_see(c, c->req->param)) {
		json_decref(j);
		pd_fail(c->peerid, 403, "WALLET_ACCESS_DENIED", "this session "
		    "has no access to that wallet", 0);
		return NULL;
	}
	return j;
}

/* A query value's %XX escapes decoded (the api let through only what its
 * table allows); NULL when it does not fit or an escape is malformed. */
static char *
pct_decode(const char *v, size_t n, char *out, size_t len)
{
	size_t	i, o = 0;
	int	hi, lo;

	for (i = 0; i < n; i++) {
		if (o + 1 >= len)
			return NULL;
		if (v[i] != '%') {
			out[o++] = v[i];
			continue;
		}
		if (n - i < 3 || (hi = hex_digit(v[i + 1])) < 0 ||
		    (lo = hex_digit(v[i + 2])) < 0 || (hi == 0 && lo == 0))
			return NULL;
		out[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[o] = '\0';
	return out;
}

/*
 * A parameter of the query string, its %XX escapes decoded, into out; or
 * NULL when absent.  One too long for out or badly escaped (the api lets
 * neither through) is "", so that it names nothing rather than nothing
 * being asked.
 */
const char *
pd_query_str(const char *q, const char *key, char *out, size_t len)
{
	const char	*p = q, *v, *e;
	size_t		 kl = strlen(key);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			v = p + kl + 1;
			if ((e = strchr(v, '&')) == NULL)
				e = v + strlen(v);
			/* present but bad: "", which names nothing */
			if (pct_decode(v, (size_t)(e - v), out, len) == NULL)
				out[0] = '\0';
			return out;
		}
		if ((p = strchr(p, '&')) != NULL)
			p++;
	}
	return NULL;
}

/*
 * An integer parameter of the route's row in the query table: its
 * default when absent.  The api refused anything else already; should it
 * come anyway, it is a 400 here too, never the default.  0, or -1 after
 * answering.
 */
int
pd_query_int(struct pd_ctx *c, const char *key, long long *out)
{
	const struct route_query	*q;
	char				 buf[API_QUERY_MAX + 1], msg[96];
	const char			*v;
	long long			 n = 0;
	size_t				 i, len;

	q = route_query(c->route, key, strlen(key));
	if (q == NULL || q->kind != QK_INT)
		fatalx("route %s reads %s, which its query table has not as "
		    "an integer", routes[c->route].name, key);
	*out = q->dflt;
	if ((v = pd_query_str(c->req->query, key, buf, sizeof(buf))) == NULL)
		return 0;
	len = strlen(v);
	for (i = 0; i < len && i < 16 && v[i] >= '0' && v[i] <= '9'; i++)
		n = n * 10 + (v[i] - '0');
	if (len > 0 && i == len && n >= q->lo && n <= q->hi) {
		*out = n;
		return 0;
	}
	snprintf(msg, sizeof(msg), "an integer from %lld to %lld", q->lo,
	    q->hi);
	pd_fail_issue(c->peerid, key, msg);
	return -1;
}

/* The documented 400 with one issue at [path]. */
void
pd_fail_issue(uint32_t peerid, const char *path, const char *msg)
{
	json_t	*issues;
	char	*text;

	if ((issues = json_pack("[{s:[s], s:s}]", "path", path, "message",
	    msg)) == NULL || (text = json_dumps(issues, JSON_COMPACT)) == NULL)
		fatalx("json_pack");
	pd_reply(peerid, 400, "VALIDATION_FAILED", text, strlen(text));
	wipe_free(text);
	json_decref(issues);
}
