/*
 * Policies: created, listed, read, updated and deleted on the operator's
 * word; a session may read the global ones and those of its wallets.
 * The api checked every body with the shared validator; what it forwards
 * is checked again here and a disagreement is fatal.  The one exception
 * is the rules of an update: their type is stored here, so they are
 * validated here and the issues go back for the api to answer with.
 * Every change is audited in its own transaction.  Evaluating policies
 * is the pipeline's business, not this file's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "policy_rules.h"
#include "policyd.h"
#include "util.h"
#include "wipe.h"

#define POLICY_COLS	"id, wallet_id, type, rules, priority, enabled, " \
			"network, created_at, updated_at"

#define LIST_ITEM_EXTRA	512	/* an item's fields besides its rules */

static const char *const create_keys[] = {
	"walletId", "type", "rules", "priority", "enabled", "network", NULL
};
static const char *const update_keys[] = {
	"rules", "priority", "enabled", "network", NULL
};

static int
one_of(const char *s, const char *const *names)
{
	size_t	i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(s, names[i]) == 0)
			return 1;
	return 0;
}

static json_t *
policy_row(sqlite3_stmt *st)
{
	json_t	*j, *rules;

	rules = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
	j = json_pack("{s:s, s:o, s:s, s:o, s:I, s:b, s:o, s:I, s:I}",
	    "id", sqlite3_column_text(st, 0),
	    "walletId", sqlite3_column_type(st, 1) == SQLITE_NULL ?
	    json_null() : json_string((const char *)
	    sqlite3_column_text(st, 1)),
	    "type", sqlite3_column_text(st, 2),
	    "rules", rules != NULL ? rules : json_null(),
	    "priority", (json_int_t)sqlite3_column_int64(st, 4),
	    "enabled", sqlite3_column_int(st, 5) != 0,
	    "network", sqlite3_column_type(st, 6) == SQLITE_NULL ?
	    json_null() : json_string((const char *)
	    sqlite3_column_text(st, 6)),
	    "createdAt", (json_int_t)sqlite3_column_int64(st, 7),
	    "updatedAt", (json_int_t)sqlite3_column_int64(st, 8));
	if (j == NULL)
		fatalx("json_pack policy");
	return j;
}

/* One policy, or NULL. */
static json_t *
policy_load(const char *id)
{
	return store_one("SELECT " POLICY_COLS " FROM policies WHERE id = ?",
	    id, policy_row);
}

/* The rules' sha256 in hex, for the audit trail (the rules may be big). */
static void
rules_hash(const char *text, char out[65])
{
	uint8_t	h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const uint8_t *)text, strlen(text));
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/* A validation answer with issues [{path, message}]; consumes issues. */
static void
fail_issues(uint32_t peerid, json_t *issues)
{
	char	*text;

	if ((text = json_dumps(issues, JSON_COMPACT)) == NULL)
		fatalx("json_dumps");
	pd_fail(peerid, 400, "VALIDATION_FAILED", text, 0);
	wipe_free(text);
	json_decref(issues);
}

static int
net_fits(const char *net, const char *chain, const char *env)
{
	const struct policy_network	*n = policy_network(net);

	return n != NULL && strcmp(n->chain, chain) == 0 &&
	    strcmp(n->environment, env) == 0;
}

/*
 * A wallet policy's network, and the networks an ALLOWED_NETWORKS
 * policy names, must be the wallet's chain and environment.  1 if so;
 * 0 after answering.  On create the wallet must also be live.
 */
static int
wallet_scope(struct pd_ctx *c, const char *wallet, const char *net,
    const char *type, json_t *rules, int create)
{
	json_t		*w, *e;
	const char	*chain, *env, *n;
	char		 msg[200];
	size_t		 i;
	int		 ok = 1;

	if ((w = store_wallet(wallet)) == NULL) {
		pd_fail(c->peerid, 404, "WALLET_NOT_FOUND", "no such wallet",
		    0);
		return 0;
	}
	chain = json_string_value(json_object_get(w, "chain"));
	env = json_string_value(json_object_get(w, "environment"));
	if (create && strcmp(json_string_value(json_object_get(w, "status")),
	    "TERMINATED") == 0) {
		pd_fail(c->peerid, 410, "WALLET_TERMINATED", "the wallet has "
		    "been terminated", 0);
		ok = 0;
	} else if (net != NULL && !net_fits(net, chain, env)) {
		snprintf(msg, sizeof(msg), "network %s is not a %s %s "
		    "network, as this wallet is", net, chain, env);
		pd_fail(c->peerid, 400, "ENVIRONMENT_NETWORK_MISMATCH", msg, 0);
		ok = 0;
	} else if (rules != NULL && policy_type(type) ==
	    POLICY_ALLOWED_NETWORKS) {
		json_array_foreach(json_object_get(rules, "networks"), i, e) {
			n = json_string_value(json_object_get(e, "network"));
			if (n == NULL || net_fits(n, chain, env))
				continue;
			snprintf(msg, sizeof(msg), "rules.networks[%zu]: "
			    "network %s is not a %s %s network, as this "
			    "wallet is", i, n, chain, env);
			pd_fail(c->peerid, 400, "ENVIRONMENT_NETWORK_MISMATCH",
			    msg, 0);
			ok = 0;
			break;
		}
	}
	json_decref(w);
	return ok;
}

/* The forwarded priority, enabled and network: anything odd is fatal. */
static void
check_common(json_t *b, const char *what)
{
	json_t	*v;

	if ((v = json_object_get(b, "priority")) != NULL &&
	    (!json_is_integer(v) ||
	    json_integer_value(v) < POLICY_PRIORITY_MIN ||
	    json_integer_value(v) > POLICY_PRIORITY_MAX))
		fatalx("%s: priority from the api out of range", what);
	if ((v = json_object_get(b, "enabled")) != NULL &&
	    !json_is_boolean(v))
		fatalx("%s: enabled from the api not a boolean", what);
	if ((v = json_object_get(b, "network")) != NULL && !json_is_null(v) &&
	    policy_network(json_string_value(v)) == NULL)
		fatalx("%s: unknown network from the api", what);
}

static int
begin(struct pd_ctx *c)
{
	if (store_begin() == 0)
		return 1;
	pd_fail(c->peerid, 503, "SERVICE_UNAVAILABLE", "database busy", 1);
	return 0;
}

static void
fail_internal(struct pd_ctx *c, const char *what)
{
	log_warnx("policy %s: %s", what, sqlite3_errmsg(pd.db));
	store_rollback();
	pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the policy change could "
	    "not be recorded", 1);
}

/* POST /v1/policies */
void
policies_create(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	json_t		*b = c->body, *rules, *v;
	const char	*wallet = NULL, *type, *net = NULL, *key;
	char		 id[UUID_STR_LEN], *text, hash[65];
	json_int_t	 prio;
	int		 enabled, r;

	if (b == NULL)
		fatalx("policy create without a body");
	json_object_foreach(b, key, v)
		if (!one_of(key, create_keys))
			fatalx("policy create: field %s from the api", key);
	check_common(b, "policy create");
	if ((v = json_object_get(b, "walletId")) != NULL &&
	    (!json_is_string(v) || !ks_valid_id(json_string_value(v),
	    json_string_length(v))))
		fatalx("policy create: malformed walletId from the api");
	wallet = json_string_value(v);
	net = json_string_value(json_object_get(b, "network"));
	prio = json_integer_value(json_object_get(b, "priority"));
	enabled = json_object_get(b, "enabled") == NULL ||
	    json_is_true(json_object_get(b, "enabled"));
	type = json_string_value(json_object_get(b, "type"));
	/* The api sent the canonical rules: they check, and stay the same. */
	if ((rules = policy_rules_check(type, json_object_get(b, "rules"),
	    NULL)) == NULL || !json_equal(rules, json_object_get(b, "rules")))
		fatalx("policy create: rules from the api do not validate");
	if ((text = json_dumps(rules, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatalx("json_dumps");
	rules_hash(text, hash);

	if (!begin(c))
		goto done;
	if (wallet != NULL && !wallet_scope(c, wallet, net, type, rules, 1)) {
		store_rollback();
		goto done;
	}
	uuidv7(id);
	if (sqlite3_prepare_v2(pd.db, "INSERT INTO policies (id, wallet_id, "
	    "type, rules, priority, enabled, network, created_at, updated_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK) {
		fail_internal(c, "insert");
		goto done;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (wallet != NULL)
		sqlite3_bind_text(st, 2, wallet, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, prio);
	sqlite3_bind_int(st, 6, enabled);
	if (net != NULL)
		sqlite3_bind_text(st, 7, net, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, c->now);
	sqlite3_bind_int64(st, 9, c->now);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE || audit_append(c->now, "policy.created",
	    "operator", id, json_pack("{s:s, s:s, s:s?, s:s?, s:I, s:b, s:s}",
	    "id", id, "type", type, "walletId", wallet, "network", net,
	    "priority", prio, "enabled", enabled, "rulesSha256", hash)) ==
	    -1) {
		fail_internal(c, "create");
		goto done;
	}
	/* The answer, and its Idempotency-Key with it. */
	if ((v = policy_load(id)) == NULL)
		fatalx("policy %s vanished", id);
	if (idem_record(c->peerid, id, c->route, 201, v) == -1 ||
	    store_commit() == -1) {
		json_decref(v);
		fail_internal(c, "create");
		goto done;
	}
	log_info("policy %s created (%s, %s)", id, type, wallet != NULL ?
	    wallet : "global");
	pd_reply_json(c->peerid, 201, v);
done:
	wipe_free(text);
	json_decref(rules);
}

/*
 * GET /v1/policies?walletId&type&limit&offset.  A wallet's policies are
 * its own and the global ones (the set that applies to it, as in the
 * reference); a session sees the global ones and its wallets' only.
 */
void
policies_list(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	json_t		*data;
	const char	*q = c->req->query, *wallet, *type, *sess;
	char		 wid[KS_ID_LEN + 2], tbuf[32];
	long long	 limit, offset, total = 0, n = 0;
	size_t		 used = 0, size;
	json_t		*w;

	wallet = pd_query_str(q, "walletId", wid, sizeof(wid));
	type = pd_query_str(q, "type", tbuf, sizeof(tbuf));
	if (pd_query_int(c, "limit", &limit) == -1 ||
	    pd_query_int(c, "offset", &offset) == -1)
		return;
	sess = c->auth == CRED_SESSION ? c->session : NULL;
	if ((wallet != NULL && !ks_valid_id(wallet, strlen(wallet))) ||
	    (type != NULL && policy_type(type) == -1)) {
		pd_fail(c->peerid, 400, "VALIDATION_FAILED", "walletId or "
		    "type is not valid", 0);
		return;
	}
	if (wallet != NULL && sess != NULL &&
	    !session_has_wallet(sess, wallet)) {
		pd_fail(c->peerid, 403, "WALLET_ACCESS_DENIED", "this session "
		    "has no access to that wallet", 0);
		return;
	}
	if (wallet != NULL && sess == NULL) {
		if ((w = store_wallet(wallet)) == NULL) {
			pd_fail(c->peerid, 404, "WALLET_NOT_FOUND", "no such "
			    "wallet", 0);
			return;
		}
		json_decref(w);
	}
#define LIST_WHERE	" FROM policies WHERE (?1 IS NULL OR wallet_id = ?1 " \
			"OR wallet_id IS NULL) AND (?2 IS NULL OR type = ?2) " \
			"AND (?3 IS NULL OR wallet_id IS NULL OR wallet_id " \
			"IN (SELECT wallet_id FROM session_wallets WHERE " \
			"session_id = ?3))"
	if (sqlite3_prepare_v2(pd.db, "SELECT count(*)" LIST_WHERE, -1, &st,
	    NULL) != SQLITE_OK)
		fatalx("policies: %s", sqlite3_errmsg(pd.db));
	sqlite3_bind_text(st, 1, wallet, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sess, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(pd.db, "SELECT " POLICY_COLS LIST_WHERE
	    " ORDER BY priority DESC, created_at, id LIMIT ?4 OFFSET ?5", -1,
	    &st, NULL) != SQLITE_OK)
		fatalx("policies: %s", sqlite3_errmsg(pd.db));
#undef LIST_WHERE
	sqlite3_bind_text(st, 1, wallet, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sess, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, limit);
	sqlite3_bind_int64(st, 5, offset);
	data = json_array();
	while (sqlite3_step(st) == SQLITE_ROW) {
		/*
		 * A page ends early rather than overflow the reply; limit
		 * then says how many it holds, so offset + limit is still
		 * the next page.
		 */
		size = (size_t)sqlite3_column_bytes(st, 3) + LIST_ITEM_EXTRA;
		if (n > 0 && used + size > LIST_REPLY_MAX) {
			limit = n;
			break;
		}
		used += size;
		json_array_append_new(data, policy_row(st));
		n++;
	}
	sqlite3_finalize(st);
	pd_reply_json(c->peerid, 200, json_pack("{s:o, s:I, s:I, s:I}",
	    "data", data, "total", (json_int_t)total, "limit",
	    (json_int_t)limit, "offset", (json_int_t)offset));
}

/* The policy named by the path, if the caller may see it; else NULL. */
static json_t *
visible_policy(struct pd_ctx *c)
{
	json_t		*j;
	const char	*wallet;

	if (!ks_valid_id(c->req->param, strlen(c->req->param)) ||
	    (j = policy_load(c->req->param)) == NULL) {
		pd_fail(c->peerid, 404, "POLICY_NOT_FOUND", "no such policy",
		    0);
		return NULL;
	}
	wallet = json_string_value(json_object_get(j, "walletId"));
	if (wallet != NULL && !pd_can_see(c, wallet)) {
		json_decref(j);
		pd_fail(c->peerid, 403, "WALLET_ACCESS_DENIED", "this session "
		    "has no access to that policy's wallet", 0);
		return NULL;
	}
	return j;
}

/* GET /v1/policies/{id} */
void
policies_get(struct pd_ctx *c)
{
	json_t	*j;

	if ((j = visible_policy(c)) != NULL)
		pd_reply_json(c->peerid, 200, j);
}

/*
 * PUT /v1/policies/{id}: a partial update, as in the reference: any of
 * rules (replaced whole, checked against the policy's type), priority,
 * enabled and network (null: any).  Type and wallet do not change.
 */
void
policies_update(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	json_t		*b = c->body, *cur, *v, *rules = NULL, *issues, *fields;
	const char	*key, *type, *wallet, *net;
	char		*text = NULL, hash[65];
	json_int_t	 prio;
	int		 enabled, r;

	if (b == NULL || json_object_size(b) == 0)
		fatalx("policy update without a body");
	json_object_foreach(b, key, v)
		if (!one_of(key, update_keys))
			fatalx("policy update: field %s from the api", key);
	check_common(b, "policy update");
	if ((v = json_object_get(b, "rules")) != NULL && !json_is_object(v))
		fatalx("policy update: rules from the api not an object");
	if (!begin(c))
		return;
	/* Read inside the transaction: what is checked is what changes. */
	if ((cur = visible_policy(c)) == NULL) {
		store_rollback();
		return;
	}
	type = json_string_value(json_object_get(cur, "type"));
	wallet = json_string_value(json_object_get(cur, "walletId"));
	if ((v = json_object_get(b, "rules")) != NULL) {
		issues = json_array();
		if ((rules = policy_rules_check(type, v, issues)) == NULL) {
			store_rollback();
			fail_issues(c->peerid, issues);
			goto done;
		}
		json_decref(issues);
	} else
		rules = json_incref(json_object_get(cur, "rules"));
	net = json_object_get(b, "network") != NULL ? json_string_value(
	    json_object_get(b, "network")) : json_string_value(
	    json_object_get(cur, "network"));
	prio = json_integer_value(json_object_get(json_object_get(b,
	    "priority") != NULL ? b : cur, "priority"));
	enabled = json_is_true(json_object_get(json_object_get(b,
	    "enabled") != NULL ? b : cur, "enabled"));
	if (wallet != NULL && !wallet_scope(c, wallet, net, type, rules, 0)) {
		store_rollback();
		goto done;
	}
	if ((text = json_dumps(rules, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatalx("json_dumps");
	rules_hash(text, hash);
	if (sqlite3_prepare_v2(pd.db, "UPDATE policies SET rules = ?, "
	    "priority = ?, enabled = ?, network = ?, updated_at = ? WHERE "
	    "id = ?", -1, &st, NULL) != SQLITE_OK) {
		fail_internal(c, "update");
		goto done;
	}
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, prio);
	sqlite3_bind_int(st, 3, enabled);
	if (net != NULL)
		sqlite3_bind_text(st, 4, net, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, c->now);
	sqlite3_bind_text(st, 6, c->req->param, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	fields = json_array();
	json_object_foreach(b, key, v)
		json_array_append_new(fields, json_string(key));
	if (r != SQLITE_DONE || sqlite3_changes(pd.db) != 1 ||
	    audit_append(c->now, "policy.updated", "operator", c->req->param,
	    json_pack("{s:s, s:s, s:s?, s:o, s:s}", "id", c->req->param,
	    "type", type, "walletId", wallet, "fields", fields,
	    "rulesSha256", hash)) == -1 || store_commit() == -1) {
		fail_internal(c, "update");
		goto done;
	}
	if ((v = policy_load(c->req->param)) == NULL)
		fatalx("policy %s vanished", c->req->param);
	pd_reply_json(c->peerid, 200, v);
done:
	if (text != NULL)
		wipe_free(text);
	json_decref(rules);
	json_decref(cur);
}

/* DELETE /v1/policies/{id}: {id, deleted: true}, as the reference. */
void
policies_delete(struct pd_ctx *c)
{
	sqlite3_stmt	*st;
	json_t		*cur;
	int		 r;

	if (!begin(c))
		return;
	if ((cur = visible_policy(c)) == NULL) {
		store_rollback();
		return;
	}
	if (sqlite3_prepare_v2(pd.db, "DELETE FROM policies WHERE id = ?", -1,
	    &st, NULL) != SQLITE_OK) {
		fail_internal(c, "delete");
		json_decref(cur);
		return;
	}
	sqlite3_bind_text(st, 1, c->req->param, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE || sqlite3_changes(pd.db) != 1 ||
	    audit_append(c->now, "policy.deleted", "operator", c->req->param,
	    json_pack("{s:s, s:O, s:O}", "id", c->req->param, "type",
	    json_object_get(cur, "type"), "walletId", json_object_get(cur,
	    "walletId"))) == -1 || store_commit() == -1) {
		fail_internal(c, "delete");
		json_decref(cur);
		return;
	}
	json_decref(cur);
	log_info("policy %s deleted", c->req->param);
	pd_reply_json(c->peerid, 200, json_pack("{s:s, s:b}", "id",
	    c->req->param, "deleted", 1));
}
