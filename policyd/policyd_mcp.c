/*
 * POST /v1/mcp/tokens: a session for one wallet (source "mcp"), its
 * token written to $WAIAAS_DATA_DIR/tokens/<wallet id>, and the entry
 * for Claude Desktop's configuration that runs `waiaas mcp` on it.
 *
 * The data directory is the parent's: policyd, in the chroot of its
 * database directory, cannot reach tokens/, and the api must never
 * write anything.  So policyd commits the session, hands the token to
 * the parent (IMSG_CTL_TOKEN_WRITE, never a path or argv), and answers
 * once the parent says the file is on disk.  If it could not be
 * written the session is revoked again and the request fails, so no
 * live session is left that nobody holds.  The answer carries no token.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "log.h"
#include "policyd.h"
#include "util.h"
#include "wipe.h"

#define MCP_TTL		2592000		/* 30 days, as POST /v1/sessions */
#define MCP_PENDING_MAX	64

struct mcp_pending {
	TAILQ_ENTRY(mcp_pending) entry;
	uint32_t		 id;		/* ours, to the parent */
	uint32_t		 api_peerid;
	char			 wallet[KS_ID_LEN + 1];
	char			 name[WALLET_NAME_MAX + 1];
	char			 sid[KS_ID_LEN + 1];
	long long		 exp;
};

static TAILQ_HEAD(, mcp_pending) mcp_pending =
    TAILQ_HEAD_INITIALIZER(mcp_pending);
static uint32_t			 mcp_next;
static size_t			 mcp_npending;

_Static_assert(CTL_TOKEN_MAX >= SESSION_TOKEN_MAX, "token size");

/* The session, made and committed; NULL when refused (answered). */
static json_t *
mcp_session(struct pd_ctx *c, const char *wid, long long ttl)
{
	sqlite3_stmt	*st;
	json_t		*ids, *r;
	const char	*code;
	int		 status;

	if (!pd_begin(c))
		return NULL;
	ids = json_pack("[s]", wid);
	r = session_new(c, ids, ttl, 12, 31536000, &status, &code);
	json_decref(ids);
	if (r != NULL) {
		st = store_prepare("UPDATE sessions SET source = 'mcp' WHERE "
		    "id = ?");
		sqlite3_bind_text(st, 1, json_string_value(json_object_get(r,
		    "id")), -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			json_decref(r);
			r = NULL;
			status = 500;
			code = "INTERNAL_ERROR";
		}
		sqlite3_finalize(st);
	}
	if (r == NULL || store_commit() == -1) {
		store_rollback();
		json_decref(r);
		session_refused(c, status, code);
		return NULL;
	}
	return r;
}

void
mcp_token_create(struct pd_ctx *c)
{
	struct ctl_token_write	*w;
	struct mcp_pending	*pe;
	json_t			*r, *v;
	const char		*wid, *tok, *name;
	long long		 ttl = MCP_TTL;

	wid = json_string_value(json_object_get(c->body, "walletId"));
	v = json_object_get(c->body, "ttl");
	if (wid == NULL || !ks_valid_id(wid, strlen(wid)) ||
	    json_object_size(c->body) != (v != NULL ? 2u : 1u) ||
	    (v != NULL && (!json_is_integer(v) || json_integer_value(v) <
	    pd.p->cfg.ttl_min || json_integer_value(v) > 31536000)))
		fatalx("mcp token: malformed body from the api");
	if (v != NULL)
		ttl = (long long)json_integer_value(v);
	if (mcp_npending >= MCP_PENDING_MAX) {
		pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "too many "
		    "token files being written", 1);
		return;
	}
	if ((r = mcp_session(c, wid, ttl)) == NULL)
		return;
	tok = json_string_value(json_object_get(r, "token"));
	name = json_string_value(json_object_get(json_array_get(
	    json_object_get(r, "wallets"), 0), "name"));
	if (tok == NULL || strlen(tok) >= CTL_TOKEN_MAX)
		fatalx("mcp token: a session without a token");
	if ((pe = calloc(1, sizeof(*pe))) == NULL)
		fatal("calloc");
	pe->id = ++mcp_next;
	pe->api_peerid = c->peerid;
	strlcpy(pe->wallet, wid, sizeof(pe->wallet));
	strlcpy(pe->name, name != NULL ? name : "", sizeof(pe->name));
	strlcpy(pe->sid, json_string_value(json_object_get(r, "id")),
	    sizeof(pe->sid));
	pe->exp = (long long)json_integer_value(json_object_get(r,
	    "expiresAt"));
	if ((w = sodium_malloc(sizeof(*w))) == NULL)
		fatal("sodium_malloc");
	memset(w, 0, sizeof(*w));
	strlcpy(w->wallet, wid, sizeof(w->wallet));
	strlcpy(w->token, tok, sizeof(w->token));
	json_decref(r);		/* freed wiped: the token goes with it */
	if (imsgev_compose(&pd.parent, IMSG_CTL_TOKEN_WRITE, pe->id, -1, w,
	    sizeof(*w)) == -1)
		fatal("IMSG_CTL_TOKEN_WRITE");
	sodium_free(w);
	TAILQ_INSERT_TAIL(&mcp_pending, pe, entry);
	mcp_npending++;
}

/* The file was not written: the session nobody holds is revoked. */
static void
mcp_undo(const struct mcp_pending *pe, int err)
{
	sqlite3_stmt	*st;
	long long	 now = (long long)time(NULL);

	if (store_begin() == -1) {
		log_warnx("session %s: not revoked (database busy)", pe->sid);
		return;
	}
	st = store_prepare("UPDATE sessions SET revoked_at = coalesce("
	    "revoked_at, ?) WHERE id = ?");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, pe->sid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE || audit_append(now,
	    "session.revoked", "operator", pe->sid, json_pack("{s:s, s:s}",
	    "reason", "token file not written", "error", strerror(err))) ==
	    -1 || store_commit() == -1) {
		store_rollback();
		log_warnx("session %s: not revoked", pe->sid);
	}
	sqlite3_finalize(st);
}

void
mcp_token_written(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ctl_token_written	 r;
	struct mcp_pending		*pe;
	char				 base[128], path[CTL_PATH_MAX + 80];
	char				 key[WALLET_NAME_MAX + 16];

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	TAILQ_FOREACH(pe, &mcp_pending, entry)
		if (pe->id == imsg->hdr.peerid)
			break;
	if (pe == NULL || memchr(r.datadir, '\0', sizeof(r.datadir)) ==
	    NULL || strncmp(r.wallet, pe->wallet, sizeof(r.wallet)) != 0)
		fatalx("IMSG_CTL_TOKEN_WRITTEN for no pending token");
	TAILQ_REMOVE(&mcp_pending, pe, entry);
	mcp_npending--;
	if (r.status != 0) {
		mcp_undo(pe, r.status);
		pd_fail(pe->api_peerid, 500, "INTERNAL_ERROR", "the token "
		    "file could not be written in the data directory; the "
		    "session was revoked", 1);
		free(pe);
		return;
	}
	pd_base_url(base, sizeof(base));
	snprintf(path, sizeof(path), "%s/tokens/%s", r.datadir, pe->wallet);
	snprintf(key, sizeof(key), "waiaas-%s", pe->name[0] != '\0' ?
	    pe->name : pe->wallet);
	pd_reply_json(pe->api_peerid, 201, json_pack("{s:s, s:s?, s:s, s:I, "
	    "s:{s:{s:{s:s, s:[s], s:{s:s, s:s, s:s}}}}}",
	    "walletId", pe->wallet,
	    "walletName", pe->name[0] != '\0' ? pe->name : NULL,
	    "tokenPath", path, "expiresAt", (json_int_t)pe->exp,
	    "claudeDesktopConfig", "mcpServers", key, "command", "waiaas",
	    "args", "mcp", "env", "WAIAAS_BASE_URL", base,
	    "WAIAAS_DATA_DIR", r.datadir, "WAIAAS_WALLET_ID", pe->wallet));
	free(pe);
}
