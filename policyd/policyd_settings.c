/*
 * GET and PUT /v1/admin/settings.  The parent sends every key of the
 * configuration at start as an operator may see it (IMSG_CTL_SETTING,
 * config_show(): a credential only as set or not); GET groups them in
 * the reference's categories.  PUT changes only the keys of the table
 * below: each is used by policyd alone, so changing it here reaches
 * every process that uses it, and each is read at the moment of use, so
 * the change takes effect with the next request.  Anything else (the
 * listen address, the data directory, the keystore, RPC and price URLs,
 * what the api or the relay was started with) is refused, naming the
 * key.  A request is all or nothing; each change is audited with its
 * old and new value (none of these keys is a secret).
 *
 * Overrides persist in the settings table with the configuration's
 * value of the time (base).  At start an override applies only while
 * the configuration still says base: when the operator has since edited
 * config.toml (or the environment) for that key, the file wins and the
 * override is dropped, logged and audited.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "policyd.h"
#include "tx.h"
#include "util.h"

#define RK_INT		1
#define RK_UNPRICED	2	/* approval | deny */

struct rkey {
	const char	*name;		/* category.key, as GET shows it */
	const char	*section;	/* config.toml's [section] key */
	const char	*key;
	int		 kind;
	long long	(*get)(void);
	void		(*set)(long long);
};

/* A field of the configuration policyd was started with, read and set. */
#define CFG_FIELD(f)							\
static long long							\
get_##f(void)								\
{									\
	return pd.p->cfg.f;						\
}									\
static void								\
set_##f(long long v)							\
{									\
	pd.p->cfg.f = (uint32_t)v;					\
}
CFG_FIELD(max_sessions)
CFG_FIELD(lock_seconds)
CFG_FIELD(kill_hold)
CFG_FIELD(max_fee_gwei)
CFG_FIELD(max_gas)

static long long
get_unpriced(void)
{
	return price_unpriced_deny();
}

static void
set_unpriced(long long v)
{
	price_set_unpriced_deny(v != 0);
}

/*
 * The keys that may change at run time, and why each is safe to.
 */
static const struct rkey rkeys[] = {
	/* Checked when a session is created; existing ones stay. */
	{ "security.max_sessions_per_wallet", "security",
	    "max_sessions_per_wallet", RK_INT, get_max_sessions,
	    set_max_sessions },
	/* The length of the next lockout; one under way keeps its end.
	 * (master_lock_failures is not here: the failure window is an
	 * array sized at start.) */
	{ "security.master_lock_seconds", "security", "master_lock_seconds",
	    RK_INT, get_lock_seconds, set_lock_seconds },
	/* Read when the master tries to recover an owner's kill switch. */
	{ "security.owner_kill_recover_delay", "security",
	    "owner_kill_recover_delay", RK_INT, get_kill_hold, set_kill_hold },
	/* policyd's age limit on the prices it holds; the api's fetching
	 * (price_refresh) does not use it. */
	{ "oracle.price_max_age", "security", "price_max_age", RK_INT,
	    price_max_age, price_set_max_age },
	/* What the policy engine does with a send it cannot value. */
	{ "oracle.price_unpriced", "security", "price_unpriced",
	    RK_UNPRICED, get_unpriced, set_unpriced },
	/* policyd's caps on what the api reports of the chain's fees and
	 * gas, checked at each send's preparation. */
	{ "gas_condition.max_fee_per_gas_gwei", "security",
	    "max_fee_per_gas_gwei", RK_INT, get_max_fee_gwei,
	    set_max_fee_gwei },
	{ "gas_condition.max_gas_limit", "security", "max_gas_limit",
	    RK_INT, get_max_gas, set_max_gas },
	/* How long policyd's outbox retries a delivery; the relay only
	 * delivers what it is given. */
	{ "notifications.max_age", "notifications", "max_age", RK_INT,
	    notify_max_age, notify_set_max_age },
};
#define NRKEYS	(sizeof(rkeys) / sizeof(rkeys[0]))

/* The reference's categories, every one present in an answer. */
static const char *const categories[] = {
	"notifications", "rpc", "security", "daemon", "walletconnect",
	"oracle", "display", "autostop", "monitoring", "telegram",
	"signing_sdk", "gas_condition"
};
#define NCATEGORIES	(sizeof(categories) / sizeof(categories[0]))

/* A configuration key's category: its section's, or a closer one. */
static const char *
category_of(const char *section, const char *key)
{
	if (strcmp(section, "security") == 0) {
		if (strncmp(key, "price_", 6) == 0)
			return "oracle";
		if (strcmp(key, "max_fee_per_gas_gwei") == 0 ||
		    strcmp(key, "max_gas_limit") == 0)
			return "gas_condition";
		return "security";
	}
	/* the keystore's, and x402's fetches (what may be reached) */
	if (strcmp(section, "keystore") == 0 || strcmp(section, "x402") == 0)
		return "security";
	/* the incoming transfers' watcher: the reference's monitoring */
	if (strcmp(section, "incoming") == 0)
		return "monitoring";
	if (strcmp(section, "notifications") == 0 &&
	    strncmp(key, "telegram_", 9) == 0)
		return "telegram";
	return section;
}

static const struct rkey *
rkey_by_name(const char *name)
{
	size_t	i;

	for (i = 0; i < NRKEYS; i++)
		if (strcmp(rkeys[i].name, name) == 0)
			return &rkeys[i];
	return NULL;
}

/* The configuration's value of a key as the parent sent it, or NULL. */
static const char *
config_value(const char *section, const char *key)
{
	const struct proc_setting	*ps;
	size_t				 n, i;

	ps = proc_settings(&n);
	for (i = 0; i < n; i++)
		if (strcmp(ps[i].section, section) == 0 &&
		    strcmp(ps[i].key, key) == 0)
			return ps[i].value;
	return NULL;
}

/* A value as text, the way the configuration writes it. */
static void
rk_text(const struct rkey *k, long long v, char *out, size_t len)
{
	if (k->kind == RK_UNPRICED)
		strlcpy(out, v ? "deny" : "approval", len);
	else
		snprintf(out, len, "%lld", v);
}

/* Parse a value for k: 0, or -1 with why set. */
static int
rk_parse(const struct rkey *k, const char *s, long long *v, char *why,
    size_t whylen)
{
	long	lo, hi;
	size_t	i;

	if (k->kind == RK_UNPRICED) {
		if (strcmp(s, "approval") == 0 || strcmp(s, "deny") == 0) {
			*v = strcmp(s, "deny") == 0;
			return 0;
		}
		snprintf(why, whylen, "approval or deny");
		return -1;
	}
	if (config_int_bounds(k->section, k->key, &lo, &hi) == -1)
		fatalx("setting %s is not an integer key", k->name);
	*v = 0;
	for (i = 0; s[i] >= '0' && s[i] <= '9' && i < 12; i++)
		*v = *v * 10 + (s[i] - '0');
	if (i > 0 && s[i] == '\0' && (s[0] != '0' || i == 1) &&
	    *v >= lo && *v <= hi)
		return 0;
	snprintf(why, whylen, "an integer from %ld to %ld", lo, hi);
	return -1;
}

/* Every setting, grouped; a key that changes at run time as it is now. */
static json_t *
settings_view(void)
{
	const struct proc_setting	*ps;
	const struct rkey		*k;
	json_t				*o, *cat, *v;
	char				 name[SETTING_NAME_MAX + 1];
	char				 text[32];
	size_t				 n, i;

	if ((o = json_object()) == NULL)
		fatalx("json_object");
	for (i = 0; i < NCATEGORIES; i++)
		json_object_set_new(o, categories[i], json_object());
	ps = proc_settings(&n);
	for (i = 0; i < n; i++) {
		cat = json_object_get(o, category_of(ps[i].section,
		    ps[i].key));
		if (cat == NULL) {
			cat = json_object();
			json_object_set_new(o, category_of(ps[i].section,
			    ps[i].key), cat);
		}
		snprintf(name, sizeof(name), "%s.%s", category_of(
		    ps[i].section, ps[i].key), ps[i].key);
		if ((k = rkey_by_name(name)) != NULL) {
			rk_text(k, k->get(), text, sizeof(text));
			v = json_string(text);
		} else if (ps[i].flags & (CONFIG_SHOW_SECRET |
		    CONFIG_SHOW_BOOL))
			v = json_boolean(strcmp(ps[i].value, "true") == 0);
		else
			v = json_string(ps[i].value);
		if (v == NULL || json_object_set_new(cat, ps[i].key, v) == -1)
			fatalx("settings: json");
	}
	return o;
}

void
settings_get(struct pd_ctx *c)
{
	pd_reply_json(c->peerid, 200, settings_view());
}

/* Drop an override the configuration no longer agrees with. */
static void
drop_override(const char *name, const char *value, const char *base,
    const char *now, long long ts)
{
	sqlite3_stmt	*st;
	int		 r;

	log_info("setting %s: the configuration now says %s (it said %s "
	    "when %s was set at run time): it wins, the override is "
	    "dropped", name, now != NULL ? now : "nothing", base, value);
	if (store_begin() == -1)
		fatalx("settings: database busy at start");
	st = store_prepare("DELETE FROM settings WHERE key = ?");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE || audit_append(ts, "settings.dropped", "system",
	    name, json_pack("{s:s, s:s, s:s?}", "override", value, "base",
	    base, "configuration", now)) == -1 || store_commit() == -1)
		fatalx("settings: cannot drop %s: %s", name,
		    sqlite3_errmsg(pd.db));
}

/* At start: the overrides the configuration still agrees with apply. */
void
settings_init(void)
{
	sqlite3_stmt		*st;
	const struct rkey	*k;
	const char		*name, *value, *base, *now;
	char			 why[64], drop[16][3][SETTING_NAME_MAX + 1];
	long long		 v, ts = (long long)time(NULL);
	size_t			 ndrop = 0, i;

	st = store_prepare("SELECT key, value, base FROM settings");
	while (sqlite3_step(st) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 0);
		value = (const char *)sqlite3_column_text(st, 1);
		base = (const char *)sqlite3_column_text(st, 2);
		if (name == NULL || value == NULL || base == NULL)
			fatalx("settings: a row with NULL");
		k = rkey_by_name(name);
		now = k != NULL ? config_value(k->section, k->key) : NULL;
		if (k != NULL && now != NULL && strcmp(now, base) == 0 &&
		    rk_parse(k, value, &v, why, sizeof(why)) == 0) {
			k->set(v);
			log_info("setting %s = %s (set at run time; the "
			    "configuration says %s)", name, value, now);
			continue;
		}
		if (ndrop == sizeof(drop) / sizeof(drop[0]))
			continue;
		strlcpy(drop[ndrop][0], name, sizeof(drop[0][0]));
		strlcpy(drop[ndrop][1], value, sizeof(drop[0][1]));
		strlcpy(drop[ndrop][2], base, sizeof(drop[0][2]));
		ndrop++;
	}
	sqlite3_finalize(st);
	for (i = 0; i < ndrop; i++) {
		k = rkey_by_name(drop[i][0]);
		drop_override(drop[i][0], drop[i][1], drop[i][2], k != NULL ?
		    config_value(k->section, k->key) : NULL, ts);
	}
}

static void
refuse(struct pd_ctx *c, const char *msg)
{
	pd_fail(c->peerid, 400, "ACTION_VALIDATION_FAILED", msg, 0);
}

/* Is name one GET shows (a key of the configuration)? */
static int
known_name(const char *name)
{
	const struct proc_setting	*ps;
	char				 full[SETTING_NAME_MAX + 1];
	size_t				 n, i;

	ps = proc_settings(&n);
	for (i = 0; i < n; i++) {
		snprintf(full, sizeof(full), "%s.%s",
		    category_of(ps[i].section, ps[i].key), ps[i].key);
		if (strcmp(full, name) == 0)
			return 1;
	}
	return 0;
}

void
settings_put(struct pd_ctx *c)
{
	const struct rkey	*ks[SETTINGS_PUT_MAX];
	long long		 vs[SETTINGS_PUT_MAX];
	json_t			*list, *e;
	sqlite3_stmt		*st;
	const char		*name, *value, *base;
	char			 why[64], old[32], new[32], msg[200];
	size_t			 n, i, j;
	int			 r;

	list = json_object_get(c->body, "settings");
	n = json_array_size(list);
	if (n == 0 || n > SETTINGS_PUT_MAX)
		fatalx("settings: a body the api did not check");
	/* Everything checked before anything changes. */
	json_array_foreach(list, i, e) {
		name = str(e, "key");
		value = str(e, "value");
		if (name == NULL || value == NULL)
			fatalx("settings: a body the api did not check");
		if ((ks[i] = rkey_by_name(name)) == NULL) {
			if (known_name(name))
				snprintf(msg, sizeof(msg), "%s cannot be "
				    "changed at run time: edit config.toml and "
				    "restart", name);
			else
				snprintf(msg, sizeof(msg), "%s is not a "
				    "setting of this daemon", name);
			refuse(c, msg);
			return;
		}
		for (j = 0; j < i; j++)
			if (ks[j] == ks[i]) {
				snprintf(msg, sizeof(msg), "%s is given twice",
				    name);
				refuse(c, msg);
				return;
			}
		if (rk_parse(ks[i], value, &vs[i], why, sizeof(why)) == -1) {
			snprintf(msg, sizeof(msg), "%s: the value must be %s",
			    name, why);
			refuse(c, msg);
			return;
		}
		if (config_value(ks[i]->section, ks[i]->key) == NULL)
			fatalx("settings: %s not in the configuration",
			    ks[i]->name);
	}
	if (!pd_begin(c))
		return;
	for (i = 0; i < n; i++) {
		base = config_value(ks[i]->section, ks[i]->key);
		rk_text(ks[i], ks[i]->get(), old, sizeof(old));
		rk_text(ks[i], vs[i], new, sizeof(new));
		/* The configuration's own value needs no override. */
		if (strcmp(new, base) == 0) {
			st = store_prepare("DELETE FROM settings WHERE "
			    "key = ?");
			sqlite3_bind_text(st, 1, ks[i]->name, -1,
			    SQLITE_STATIC);
		} else {
			st = store_prepare("INSERT INTO settings (key, value, "
			    "base, updated_at) VALUES (?, ?, ?, ?) ON "
			    "CONFLICT (key) DO UPDATE SET value = "
			    "excluded.value, base = excluded.base, "
			    "updated_at = excluded.updated_at");
			sqlite3_bind_text(st, 1, ks[i]->name, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(st, 2, new, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 3, base, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 4, c->now);
		}
		r = sqlite3_step(st);
		sqlite3_finalize(st);
		if (r != SQLITE_DONE || audit_append(c->now,
		    "settings.updated", "operator", ks[i]->name,
		    json_pack("{s:s, s:s, s:s, s:s}", "key", ks[i]->name,
		    "oldValue", old, "newValue", new, "configValue",
		    base)) == -1) {
			log_warnx("settings: %s", sqlite3_errmsg(pd.db));
			store_rollback();
			pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the "
			    "settings could not be stored", 1);
			return;
		}
	}
	if (store_commit() == -1) {
		store_rollback();
		pd_fail(c->peerid, 500, "INTERNAL_ERROR", "the settings could "
		    "not be stored", 1);
		return;
	}
	/* Stored and audited: now they apply. */
	for (i = 0; i < n; i++) {
		rk_text(ks[i], vs[i], new, sizeof(new));
		log_info("setting %s = %s (at run time)", ks[i]->name, new);
		ks[i]->set(vs[i]);
	}
	pd_reply_json(c->peerid, 200, json_pack("{s:I, s:o}", "updated",
	    (json_int_t)n, "settings", settings_view()));
}

/* "max_sessions_per_wallet" -> "Max sessions per wallet" */
static void
label_of(const char *key, char *out, size_t len)
{
	size_t	i;

	for (i = 0; key[i] != '\0' && i + 1 < len; i++)
		out[i] = key[i] == '_' ? ' ' : i == 0 ?
		    (char)toupper((unsigned char)key[i]) : key[i];
	out[i] = '\0';
}

/* One key's definition, in the reference's shape. */
static json_t *
schema_item(const struct proc_setting *ps, const struct config *def)
{
	const struct rkey	*k;
	const char		*s, *key, *cat;
	char			 name[SETTING_NAME_MAX + 1], label[64];
	char			 var[96], desc[400], dflt[256], kind[64];
	long			 lo, hi;
	size_t			 i, j;
	int			 fl = 0;

	cat = category_of(ps->section, ps->key);
	snprintf(name, sizeof(name), "%s.%s", cat, ps->key);
	label_of(ps->key, label, sizeof(label));
	snprintf(var, sizeof(var), "WAIAAS_%s_%s", ps->section, ps->key);
	for (j = 0; var[j] != '\0'; j++)
		var[j] = (char)toupper((unsigned char)var[j]);
	/* the built-in default: what config_show() says of it */
	dflt[0] = '\0';
	for (i = 0; config_show(def, i, &s, &key, &fl, dflt, sizeof(dflt)) ==
	    0; i++)
		if (strcmp(s, ps->section) == 0 && strcmp(key, ps->key) == 0)
			break;
	if (config_int_bounds(ps->section, ps->key, &lo, &hi) == 0)
		snprintf(kind, sizeof(kind), "an integer from %ld to %ld; ",
		    lo, hi);
	else
		kind[0] = '\0';
	k = rkey_by_name(name);
	snprintf(desc, sizeof(desc), "[%s] %s in config.toml, or %s; %s%s",
	    ps->section, ps->key, var, kind, k != NULL ? "changes at run "
	    "time (PUT /v1/admin/settings)" : "read at start: edit "
	    "config.toml and restart");
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "key", name,
	    "category", cat, "label", label, "description", desc,
	    "defaultValue", (fl & CONFIG_SHOW_SECRET) ? "" : dflt,
	    "isCredential", (ps->flags & CONFIG_SHOW_SECRET) != 0,
	    "isEditable", k != NULL);
}

/*
 * GET /v1/admin/settings/schema[?grouped=true]: every key GET shows,
 * with a label, where it is set, its bounds, whether it changes at run
 * time (isEditable: PUT takes it), its built-in default and whether it
 * is a credential (shown only as set or not).  An [rpc] network's
 * default is "" here: the public endpoint applies only with
 * public_defaults (see rpc-status' builtinUrls).
 */
void
settings_schema(struct pd_ctx *c)
{
	const struct proc_setting	*ps;
	struct config			*def;
	json_t				*list, *cats, *cat, *item, *o;
	char				 q[8], label[32];
	const char			*g;
	size_t				 n, i, j;
	int				 grouped;

	g = pd_query_str(c->req->query, "grouped", q, sizeof(q));
	grouped = g != NULL && strcmp(g, "true") == 0;
	if ((def = malloc(sizeof(*def))) == NULL)
		fatal("malloc");
	config_defaults(def);
	ps = proc_settings(&n);
	if ((list = json_array()) == NULL || (cats = json_array()) == NULL)
		fatalx("json_array");
	for (i = 0; i < n; i++)
		if ((item = schema_item(&ps[i], def)) == NULL ||
		    json_array_append_new(list, item) == -1)
			fatalx("settings schema: json");
	free(def);
	if (!grouped) {
		json_decref(cats);
		pd_reply_json(c->peerid, 200, json_pack("{s:o}", "settings",
		    list));
		return;
	}
	for (j = 0; j < NCATEGORIES; j++) {
		label_of(categories[j], label, sizeof(label));
		if ((cat = json_pack("{s:s, s:s, s:[]}", "name",
		    categories[j], "label", label, "settings")) == NULL)
			fatalx("json_pack");
		json_array_foreach(list, i, item)
			if (strcmp(json_string_value(json_object_get(item,
			    "category")), categories[j]) == 0)
				json_array_append(json_object_get(cat,
				    "settings"), item);
		json_array_append_new(cats, cat);
	}
	json_decref(list);
	o = json_pack("{s:o}", "categories", cats);
	pd_reply_json(c->peerid, 200, o);
}
