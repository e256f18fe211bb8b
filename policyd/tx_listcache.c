/*
 * The last few transaction lists' text, given again while the store
 * has not changed.
 *
 * An agent polls its list; between two polls nothing has usually
 * changed, and writing twenty rows again was most of policyd's time on
 * that read.  An entry is the answer to one question (route, who asks,
 * the query string as sent) at one state of the store: the number of
 * rows this connection has changed (sqlite3_total_changes64, which
 * counts writes inside an open transaction too) and SQLite's data
 * version, which moves with every commit of another connection once a
 * read has seen it.  Either moved, and the entry is stale.  Only the
 * store makes a list (a PENDING row's shown status also depends on
 * the jobs in flight, so a list with one is never kept), and the
 * caller has been authenticated before it gets here: a revoked token
 * fails on its next request as before.
 */
#include <stdint.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "log.h"
#include "policyd.h"
#include "util.h"
#include "wipe.h"

#define TXLIST_CACHE_N		8	/* lists kept */
#define TXLIST_CACHE_MAX	65536	/* bytes of one list kept, at most */

static struct txlist_entry {
	int		 route;
	int		 auth;
	char		 session[KS_ID_LEN + 1];
	char		 query[API_QUERY_MAX + 1];
	struct txlist_gen gen;
	char		*text;		/* NULL: slot unused */
	size_t		 len;
	unsigned long long used;	/* when last given, for eviction */
} txlist_cache[TXLIST_CACHE_N];
static unsigned long long	txlist_clock;

/*
 * The store's state as this request's reads see it; -1 outside a
 * transaction, where the data version may not yet count a commit of
 * another connection.
 */
static int
txlist_gen_now(struct txlist_gen *g)
{
	unsigned int	dv = 0;

	if (sqlite3_txn_state(pd.db, "main") == SQLITE_TXN_NONE ||
	    sqlite3_file_control(pd.db, "main", SQLITE_FCNTL_DATA_VERSION,
	    &dv) != SQLITE_OK)
		return -1;
	g->changes = sqlite3_total_changes64(pd.db);
	g->dv = dv;
	return 0;
}

static int
txlist_same_question(const struct txlist_entry *e, const struct pd_ctx *c)
{
	return e->text != NULL && e->route == c->route &&
	    e->auth == c->auth && strcmp(e->session, c->session) == 0 &&
	    strcmp(e->query, c->req->query) == 0;
}

/*
 * The kept answer to c's question at the store's present state, its
 * length in *len; or NULL, with the state in *g for txlist_cache_put()
 * (g->ok 0: nothing may be kept for this request).
 */
const char *
txlist_cache_get(const struct pd_ctx *c, struct txlist_gen *g, size_t *len)
{
	struct txlist_entry	*e;
	size_t			 i;

	g->ok = txlist_gen_now(g) == 0;
	if (!g->ok)
		return NULL;
	for (i = 0; i < TXLIST_CACHE_N; i++) {
		e = &txlist_cache[i];
		if (!txlist_same_question(e, c) || e->gen.changes !=
		    g->changes || e->gen.dv != g->dv)
			continue;
		e->used = ++txlist_clock;
		*len = e->len;
		return e->text;
	}
	return NULL;
}

static void
txlist_drop(struct txlist_entry *e)
{
	if (e->text != NULL) {
		sodium_memzero(e->text, e->len);
		wipe_free(e->text);
	}
	memset(e, 0, sizeof(*e));
}

/* The answer to c's question, made at state g, kept. */
void
txlist_cache_put(const struct pd_ctx *c, const struct txlist_gen *g,
    const char *text, size_t len)
{
	struct txlist_entry	*e = NULL, *old = &txlist_cache[0];
	size_t			 i;

	if (!g->ok || len == 0 || len > TXLIST_CACHE_MAX ||
	    strlen(c->req->query) > API_QUERY_MAX)
		return;
	/* The same question's slot, else a free one, else the oldest. */
	for (i = 0; i < TXLIST_CACHE_N && e == NULL; i++)
		if (txlist_same_question(&txlist_cache[i], c))
			e = &txlist_cache[i];
	for (i = 0; i < TXLIST_CACHE_N && e == NULL; i++)
		if (txlist_cache[i].text == NULL)
			e = &txlist_cache[i];
	for (i = 1; i < TXLIST_CACHE_N && e == NULL; i++)
		if (txlist_cache[i].used < old->used)
			old = &txlist_cache[i];
	if (e == NULL)
		e = old;
	txlist_drop(e);
	if ((e->text = wipe_malloc(len)) == NULL) {
		log_warn("transaction list cache");
		return;
	}
	memcpy(e->text, text, len);
	e->len = len;
	e->route = c->route;
	e->auth = c->auth;
	strlcpy(e->session, c->session, sizeof(e->session));
	strlcpy(e->query, c->req->query, sizeof(e->query));
	e->gen = *g;
	e->used = ++txlist_clock;
}
