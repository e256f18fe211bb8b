/*
 * Strict validation of policy rules, one checker per type.  Everything a
 * checker does not name is an issue; so is every wrong type, empty list,
 * overlong list or string, duplicate and out-of-range number, each with
 * the JSON path of the value at fault.  What passes is rebuilt from the
 * checked values alone, so the canonical form holds nothing unchecked.
 *
 * Choices (the reference leaves them open):
 *  - amounts are decimal digit strings without sign or leading zeros,
 *    at most 2^256 - 1; USD values are numbers from 0 to 1e15;
 *  - SPENDING_LIMIT stores delay_seconds (900) and approval_timeout
 *    (3600) explicitly when absent, so a stored policy says what it does;
 *  - TIME_RESTRICTION is in UTC (there is no timezone field):
 *    allowed_hours {start 0..23, end 1..24}, the hours h with
 *    start <= h < end, wrapping past midnight when end < start;
 *    allowed_days are integers 0 (Sunday) to 6 (Saturday), as the
 *    reference has them;
 *  - addresses: EVM is 0x and 40 hex digits in any case (duplicates are
 *    found case-insensitively), Solana is base58 of exactly 32 bytes.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base58.h"
#include "msg.h"
#include "network.h"
#include "policy_rules.h"

static const char *const type_names[POLICY_TYPE_MAX] = {
#define POLICY_TYPE_NAME(t)	#t,
	POLICY_TYPES(POLICY_TYPE_NAME)
#undef POLICY_TYPE_NAME
};

static const struct policy_network networks[] = {
	{ "mainnet",		"solana",	"mainnet" },
	{ "devnet",		"solana",	"testnet" },
	{ "testnet",		"solana",	"testnet" },
	{ "ethereum-mainnet",	"ethereum",	"mainnet" },
	{ "ethereum-sepolia",	"ethereum",	"testnet" },
	{ "polygon-mainnet",	"ethereum",	"mainnet" },
	{ "polygon-amoy",	"ethereum",	"testnet" },
	{ "arbitrum-mainnet",	"ethereum",	"mainnet" },
	{ "arbitrum-sepolia",	"ethereum",	"testnet" },
	{ "optimism-mainnet",	"ethereum",	"mainnet" },
	{ "optimism-sepolia",	"ethereum",	"testnet" },
	{ "base-mainnet",	"ethereum",	"mainnet" },
	{ "base-sepolia",	"ethereum",	"testnet" },
	{ "hyperevm-mainnet",	"ethereum",	"mainnet" },
	{ "hyperevm-testnet",	"ethereum",	"testnet" },
};
#define NNETWORKS	(sizeof(networks) / sizeof(networks[0]))

static const char *const chains[] = { "solana", "ethereum", NULL };
static const char *const tiers[] = {
	"INSTANT", "NOTIFY", "DELAY", "APPROVAL", NULL
};

/* 2^256 - 1: no EVM or Solana amount is larger. */
static const char amount_max[] = "1157920892373161954235709850086879078532"
    "69984665640564039457584007913129639935";

/* A check in progress: where it is, and what it found. */
struct ck {
	json_t	*issues;	/* or NULL: count only */
	json_t	*path;		/* of the value being checked */
	size_t	 n;		/* issues found, reported or not */
};

typedef void	(*checker)(struct ck *, json_t *, json_t *);

static json_t *
must(json_t *j)
{
	/* Out of memory: a validator has no better answer. */
	if (j == NULL)
		abort();
	return j;
}

int
policy_type(const char *s)
{
	int	i;

	for (i = 0; s != NULL && i < POLICY_TYPE_MAX; i++)
		if (strcmp(s, type_names[i]) == 0)
			return i;
	return -1;
}

const char *
policy_type_name(int t)
{
	return t >= 0 && t < POLICY_TYPE_MAX ? type_names[t] : NULL;
}

static void
join(char *buf, size_t len, const char *s)
{
	size_t	n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s", n > 0 ? ", " : "", s);
}

const char *
policy_type_list(void)
{
	static char	buf[320];
	int		i;

	if (buf[0] == '\0')
		for (i = 0; i < POLICY_TYPE_MAX; i++)
			join(buf, sizeof(buf), type_names[i]);
	return buf;
}

/* A built-in network, or one the operator added ([rpc] evm_custom). */
const struct policy_network *
policy_network(const char *s)
{
	static struct policy_network	 custom[NET_MAX];
	const struct network		*n;
	size_t				 i;

	for (i = 0; s != NULL && i < NNETWORKS; i++)
		if (strcmp(s, networks[i].name) == 0)
			return &networks[i];
	if (s == NULL || (n = net_find(s)) == NULL || !n->custom)
		return NULL;
	i = net_index(n);
	custom[i].name = n->name;
	custom[i].chain = "ethereum";
	custom[i].environment = n->env == ENV_MAINNET ? "mainnet" : "testnet";
	return &custom[i];
}

const char *
policy_network_list(void)
{
	static char	buf[320];
	size_t		i;

	if (buf[0] == '\0')
		for (i = 0; i < NNETWORKS; i++)
			join(buf, sizeof(buf), networks[i].name);
	return buf;
}

static int
is_hex(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')))
			return 0;
	return 1;
}

int
policy_address_kind(const char *s, size_t len)
{
	uint8_t	bin[32];

	if (len == 42 && s[0] == '0' && s[1] == 'x' && is_hex(s + 2, 40))
		return POLICY_ADDR_EVM;
	if (len >= 32 && len <= 44 && base58_decode(s, len, bin,
	    sizeof(bin)) == (int)sizeof(bin))
		return POLICY_ADDR_SOLANA;
	return POLICY_ADDR_NONE;
}

/* Decimal digits, no sign, no leading zero, at most 2^256 - 1. */
int
policy_amount_valid(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > POLICY_AMOUNT_DIGITS || (s[0] == '0' && len > 1))
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return len < POLICY_AMOUNT_DIGITS || memcmp(s, amount_max, len) <= 0;
}

/* Compare two valid amounts: <0, 0, >0. */
int
policy_amount_cmp(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b);

	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

static void
push_key(struct ck *ck, const char *key)
{
	if (json_array_append_new(ck->path, must(json_string(key))) == -1)
		abort();
}

static void
push_index(struct ck *ck, size_t i)
{
	if (json_array_append_new(ck->path, must(json_integer(
	    (json_int_t)i))) == -1)
		abort();
}

static void
pop(struct ck *ck)
{
	json_array_remove(ck->path, json_array_size(ck->path) - 1);
}

/* A path segment for a key the client made up: at most 64 bytes. */
static json_t *
key_segment(const char *key)
{
	json_t	*j;
	char	 buf[72];
	size_t	 n = strlen(key);

	if (n <= 64)
		j = json_string(key);
	else {
		/* Cut on a character boundary. */
		n = 61;
		while (n > 0 && ((unsigned char)key[n] & 0xc0) == 0x80)
			n--;
		memcpy(buf, key, n);
		memcpy(buf + n, "...", 4);
		j = json_string(buf);
	}
	/* A query string's key need not be UTF-8. */
	return j != NULL ? j : must(json_string("(not UTF-8)"));
}

void
policy_issue(json_t *issues, const char *key, const char *msg)
{
	json_t	*p;

	if (issues == NULL || json_array_size(issues) >= POLICY_ISSUES_MAX)
		return;
	p = must(json_array());
	if (key != NULL && json_array_append_new(p, key_segment(key)) == -1)
		abort();
	if (json_array_append_new(issues, must(json_pack("{s:o, s:s}",
	    "path", p, "message", msg))) == -1)
		abort();
}

/* An issue at the current path, or at its member key. */
static void __attribute__((format(printf, 3, 4)))
issue(struct ck *ck, const char *key, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;
	json_t	*p;

	ck->n++;
	if (ck->issues == NULL ||
	    json_array_size(ck->issues) >= POLICY_ISSUES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p = must(json_copy(ck->path));
	if (key != NULL && json_array_append_new(p, key_segment(key)) == -1)
		abort();
	if (json_array_append_new(ck->issues, must(json_pack("{s:o, s:s}",
	    "path", p, "message", msg))) == -1)
		abort();
}

/* Every member of obj must be one of names (NULL-terminated). */
static void
only(struct ck *ck, json_t *obj, const char *const *names)
{
	const char	*key;
	json_t		*v;
	size_t		 i;

	json_object_foreach(obj, key, v) {
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(names[i], key) == 0)
				break;
		if (names[i] == NULL)
			issue(ck, key, "unknown field");
	}
}

static json_t *
field(struct ck *ck, json_t *obj, const char *key, int required)
{
	json_t	*v = json_object_get(obj, key);

	if (v == NULL && required)
		issue(ck, key, "required");
	return v;
}

static void
put(json_t *out, const char *key, json_t *v)
{
	if (json_object_set(out, key, v) == -1)
		abort();
}

static void
put_new(json_t *out, const char *key, json_t *v)
{
	if (json_object_set_new(out, key, must(v)) == -1)
		abort();
}

/* An amount in the smallest unit; its text, or NULL. */
static const char *
amount(struct ck *ck, json_t *obj, const char *key, int required,
    json_t *out)
{
	json_t	*v;

	if ((v = field(ck, obj, key, required)) == NULL)
		return NULL;
	if (!json_is_string(v) || !policy_amount_valid(json_string_value(v),
	    json_string_length(v))) {
		issue(ck, key, "an integer string in the smallest unit: "
		    "decimal digits, no sign or leading zeros, at most "
		    "2^256 - 1");
		return NULL;
	}
	put(out, key, v);
	return json_string_value(v);
}

/* A USD value: 1 and its value in *d, or 0. */
static int
usd(struct ck *ck, json_t *obj, const char *key, json_t *out, double *d)
{
	json_t	*v;

	if ((v = field(ck, obj, key, 0)) == NULL)
		return 0;
	if (!json_is_number(v) || !(json_number_value(v) >= 0) ||
	    json_number_value(v) > POLICY_USD_MAX) {
		issue(ck, key, "a number of US dollars from 0 to 1e15");
		return 0;
	}
	*d = json_number_value(v);
	if (json_is_integer(v))
		put(out, key, v);
	else
		put_new(out, key, json_real(*d + 0.0));	/* no -0 */
	return 1;
}

/* An integer in [lo, hi]; dflt is stored when absent unless NO_DEFAULT. */
#define NO_DEFAULT	INT64_MIN
static int
integer(struct ck *ck, json_t *obj, const char *key, long long lo,
    long long hi, long long dflt, int required, json_t *out, long long *val)
{
	json_t		*v;
	json_int_t	 i;

	if ((v = field(ck, obj, key, required)) == NULL) {
		if (dflt != NO_DEFAULT && out != NULL)
			put_new(out, key, json_integer(dflt));
		return 0;
	}
	if (!json_is_integer(v) || (i = json_integer_value(v)) < lo ||
	    i > hi) {
		issue(ck, key, "an integer from %lld to %lld", lo, hi);
		return 0;
	}
	if (out != NULL)
		put(out, key, v);
	if (val != NULL)
		*val = i;
	return 1;
}

static void
boolean(struct ck *ck, json_t *obj, const char *key, int required,
    json_t *out)
{
	json_t	*v;

	if ((v = field(ck, obj, key, required)) == NULL)
		return;
	if (!json_is_boolean(v)) {
		issue(ck, key, "true or false");
		return;
	}
	put(out, key, v);
}

/* One of vals; its index, or -1. */
static int
choice(struct ck *ck, json_t *obj, const char *key, const char *const *vals,
    int required, json_t *out)
{
	char	 msg[160] = "";
	json_t	*v;
	int	 i;

	if ((v = field(ck, obj, key, required)) == NULL)
		return -1;
	for (i = 0; vals[i] != NULL; i++)
		if (json_is_string(v) && strcmp(json_string_value(v),
		    vals[i]) == 0) {
			put(out, key, v);
			return i;
		}
	for (i = 0; vals[i] != NULL; i++)
		join(msg, sizeof(msg), vals[i]);
	issue(ck, key, "one of %s", msg);
	return -1;
}

/* Text for people: 1 to max characters, no control characters. */
static void
text(struct ck *ck, json_t *obj, const char *key, size_t max, json_t *out)
{
	const unsigned char	*s;
	json_t			*v;
	size_t			 chars = 0, i;

	if ((v = field(ck, obj, key, 0)) == NULL)
		return;
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > max * 4) {
		issue(ck, key, "a string of 1 to %zu characters", max);
		return;
	}
	s = (const unsigned char *)json_string_value(v);
	for (i = 0; i < json_string_length(v); i++) {
		if (s[i] < 0x20 || s[i] == 0x7f) {
			issue(ck, key, "control characters are not allowed");
			return;
		}
		if ((s[i] & 0xc0) != 0x80)
			chars++;
	}
	if (chars > max) {
		issue(ck, key, "a string of 1 to %zu characters", max);
		return;
	}
	put(out, key, v);
}

/* A non-empty array of at most max entries, or NULL. */
static json_t *
list(struct ck *ck, json_t *obj, const char *key, size_t max)
{
	json_t	*v;

	if ((v = field(ck, obj, key, 1)) == NULL)
		return NULL;
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > max) {
		issue(ck, key, "a non-empty array of at most %zu entries", max);
		return NULL;
	}
	return v;
}

/*
 * Remember a value of a list; 0 and an issue at the current path if an
 * earlier entry had it.  EVM addresses and selectors compare in any case.
 */
static int
unique(struct ck *ck, json_t *seen, const char *s, int fold, size_t i)
{
	char	 buf[128];
	json_t	*prev;
	size_t	 k;

	snprintf(buf, sizeof(buf), "%s", s);
	for (k = 0; fold && buf[k] != '\0'; k++)
		if (buf[k] >= 'A' && buf[k] <= 'Z')
			buf[k] |= 0x20;
	if ((prev = json_object_get(seen, buf)) != NULL) {
		issue(ck, NULL, "a duplicate of entry %lld",
		    (long long)json_integer_value(prev));
		return 0;
	}
	put_new(seen, buf, json_integer((json_int_t)i));
	return 1;
}

/*
 * The address at key of obj (or obj itself when key is NULL), of the
 * kind want (or either); entry i of a list deduplicated through seen.
 */
static int
address(struct ck *ck, json_t *obj, const char *key, int want,
    json_t *seen, size_t i)
{
	json_t	*v = key != NULL ? field(ck, obj, key, 1) : obj;
	int	 kind, fresh;

	if (v == NULL)
		return 0;
	kind = json_is_string(v) ? policy_address_kind(json_string_value(v),
	    json_string_length(v)) : POLICY_ADDR_NONE;
	if (kind == POLICY_ADDR_NONE || (want != POLICY_ADDR_NONE &&
	    kind != want)) {
		issue(ck, key, "%s", want == POLICY_ADDR_EVM ? "an EVM address "
		    "(0x and 40 hex digits)" : want == POLICY_ADDR_SOLANA ?
		    "a Solana address (base58 of 32 bytes)" : "an address: "
		    "EVM (0x and 40 hex digits) or Solana (base58 of 32 "
		    "bytes)");
		return 0;
	}
	if (seen == NULL)
		return 1;
	if (key != NULL)
		push_key(ck, key);
	fresh = unique(ck, seen, json_string_value(v), kind == POLICY_ADDR_EVM,
	    i);
	if (key != NULL)
		pop(ck);
	return fresh;
}

/*
 * Walk list key of r, each entry through one(ck, entry, index, seen,
 * out) with the path at the entry; the canonical list goes to out.
 */
typedef json_t	*(*entry_fn)(struct ck *, json_t *, size_t, json_t *);

static void
each(struct ck *ck, json_t *r, const char *key, size_t max, entry_fn one,
    json_t *out)
{
	json_t	*a, *v, *seen, *o, *res;
	size_t	 i;

	if ((a = list(ck, r, key, max)) == NULL)
		return;
	res = must(json_array());
	seen = must(json_object());
	push_key(ck, key);
	json_array_foreach(a, i, v) {
		push_index(ck, i);
		if ((o = one(ck, v, i, seen)) != NULL &&
		    json_array_append_new(res, o) == -1)
			abort();
		pop(ck);
	}
	pop(ck);
	json_decref(seen);
	put_new(out, key, res);
}

static json_t *
any_address(struct ck *ck, json_t *v, size_t i, json_t *seen)
{
	return address(ck, v, NULL, POLICY_ADDR_NONE, seen, i) ?
	    json_incref(v) : NULL;
}

/* An entry that must be an object of the named fields; NULL if not. */
static json_t *
entry(struct ck *ck, json_t *v, const char *const *names, const char *what)
{
	if (!json_is_object(v)) {
		issue(ck, NULL, "an object %s", what);
		return NULL;
	}
	only(ck, v, names);
	return must(json_object());
}

static json_t *
network_entry(struct ck *ck, json_t *v, size_t i, json_t *seen)
{
	static const char *const names[] = { "network", "name", NULL };
	json_t	*o, *n;

	if ((o = entry(ck, v, names, "{network, name?}")) == NULL)
		return NULL;
	if ((n = field(ck, v, "network", 1)) != NULL) {
		if (!json_is_string(n) ||
		    policy_network(json_string_value(n)) == NULL)
			issue(ck, "network", "one of %s",
			    policy_network_list());
		else {
			push_key(ck, "network");
			if (unique(ck, seen, json_string_value(n), 0, i))
				put(o, "network", n);
			pop(ck);
		}
	}
	text(ck, v, "name", POLICY_NAME_CHARS, o);
	return o;
}

/* {address, <label>?, chain?}: tokens and contracts. */
static json_t *
chain_entry(struct ck *ck, json_t *v, size_t i, json_t *seen,
    const char *label, size_t labelmax)
{
	const char *const	 names[] = { "address", label, "chain", NULL };
	char			 what[48];
	json_t			*o;
	int			 c;

	snprintf(what, sizeof(what), "{address, %s?, chain?}", label);
	if ((o = entry(ck, v, names, what)) == NULL)
		return NULL;
	c = choice(ck, v, "chain", chains, 0, o);
	if (address(ck, v, "address", c == 0 ? POLICY_ADDR_SOLANA : c == 1 ?
	    POLICY_ADDR_EVM : POLICY_ADDR_NONE, seen, i))
		put(o, "address", json_object_get(v, "address"));
	text(ck, v, label, labelmax, o);
	return o;
}

static json_t *
token_entry(struct ck *ck, json_t *v, size_t i, json_t *seen)
{
	return chain_entry(ck, v, i, seen, "symbol", POLICY_SYMBOL_CHARS);
}

static json_t *
contract_entry(struct ck *ck, json_t *v, size_t i, json_t *seen)
{
	return chain_entry(ck, v, i, seen, "name", POLICY_NAME_CHARS);
}

static json_t *
selector(struct ck *ck, json_t *v, size_t i, json_t *seen)
{
	const char	*s = json_string_value(v);

	if (s == NULL || json_string_length(v) != 10 || s[0] != '0' ||
	    s[1] != 'x' || !is_hex(s + 2, 8)) {
		issue(ck, NULL, "a 4-byte selector: 0x and 8 hex digits");
		return NULL;
	}
	return unique(ck, seen, s, 1, i) ? json_incref(v) : NULL;
}

static json_t *
method_entry(struct ck *ck, json_t *v, size_t i, json_t *seen)
{
	static const char *const names[] = {
		"contractAddress", "selectors", NULL
	};
	json_t	*o;

	if ((o = entry(ck, v, names, "{contractAddress, selectors}")) ==
	    NULL)
		return NULL;
	if (address(ck, v, "contractAddress", POLICY_ADDR_EVM, seen, i))
		put(o, "contractAddress", json_object_get(v,
		    "contractAddress"));
	each(ck, v, "selectors", POLICY_SELECTORS_MAX, selector, o);
	return o;
}

static json_t *
spender_entry(struct ck *ck, json_t *v, size_t i, json_t *seen)
{
	static const char *const names[] = {
		"address", "name", "maxAmount", NULL
	};
	json_t	*o;

	if ((o = entry(ck, v, names, "{address, name?, maxAmount?}")) == NULL)
		return NULL;
	if (address(ck, v, "address", POLICY_ADDR_NONE, seen, i))
		put(o, "address", json_object_get(v, "address"));
	text(ck, v, "name", POLICY_NAME_CHARS, o);
	amount(ck, v, "maxAmount", 0, o);
	return o;
}

static json_t *
day_entry(struct ck *ck, json_t *v, size_t i, json_t *seen)
{
	char	buf[4];

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 6) {
		issue(ck, NULL, "an integer from 0 (Sunday) to 6 (Saturday)");
		return NULL;
	}
	snprintf(buf, sizeof(buf), "%d", (int)json_integer_value(v));
	return unique(ck, seen, buf, 0, i) ? json_incref(v) : NULL;
}

static void
rules_spending_limit(struct ck *ck, json_t *r, json_t *out)
{
	static const char *const names[] = {
		"instant_max", "notify_max", "delay_max", "instant_max_usd",
		"notify_max_usd", "delay_max_usd", "delay_seconds",
		"daily_limit_usd", "monthly_limit_usd", "approval_timeout",
		NULL
	};
	const char	*amt[3];
	double		 u[3];
	int		 have[3], any = 0;
	size_t		 i, j;

	only(ck, r, names);
	for (i = 0; i < 6; i++)
		if (json_object_get(r, names[i]) != NULL)
			any = 1;
	if (!any)
		issue(ck, NULL, "at least one tier is required: instant_max, "
		    "notify_max, delay_max (smallest unit) or "
		    "instant_max_usd, notify_max_usd, delay_max_usd");
	for (i = 0; i < 3; i++) {
		amt[i] = amount(ck, r, names[i], 0, out);
		have[i] = usd(ck, r, names[i + 3], out, &u[i]);
	}
	/* Each tier present is at most the next one present. */
	for (i = 0; i < 2; i++) {
		for (j = i + 1; j < 3 && amt[i] != NULL && amt[j] == NULL; j++)
			;
		if (amt[i] != NULL && j < 3 &&
		    policy_amount_cmp(amt[i], amt[j]) > 0)
			issue(ck, names[i], "must not exceed %s", names[j]);
		for (j = i + 1; j < 3 && have[i] && !have[j]; j++)
			;
		if (have[i] && j < 3 && u[i] > u[j])
			issue(ck, names[i + 3], "must not exceed %s",
			    names[j + 3]);
	}
	integer(ck, r, "delay_seconds", 60, 2592000, POLICY_DELAY_SECONDS, 0,
	    out, NULL);
	usd(ck, r, "daily_limit_usd", out, &u[0]);
	usd(ck, r, "monthly_limit_usd", out, &u[0]);
	integer(ck, r, "approval_timeout", 60, 604800,
	    POLICY_APPROVAL_TIMEOUT, 0, out, NULL);
}

static void
rules_whitelist(struct ck *ck, json_t *r, json_t *out)
{
	static const char *const names[] = { "allowed_addresses", NULL };

	only(ck, r, names);
	each(ck, r, "allowed_addresses", POLICY_LIST_MAX, any_address, out);
}

static void
rules_allowed_networks(struct ck *ck, json_t *r, json_t *out)
{
	static const char *const names[] = { "networks", NULL };

	only(ck, r, names);
	each(ck, r, "networks", NNETWORKS, network_entry, out);
}

static void
rules_allowed_tokens(struct ck *ck, json_t *r, json_t *out)
{
	static const char *const names[] = { "tokens", NULL };

	only(ck, r, names);
	each(ck, r, "tokens", POLICY_LIST_MAX, token_entry, out);
}

/*
 * allowDeploy: true also allows contract creations (CONTRACT_DEPLOY);
 * such a policy may list no contract.
 */
static void
rules_contract_whitelist(struct ck *ck, json_t *r, json_t *out)
{
	static const char *const names[] = { "contracts", "allowDeploy",
	    NULL };

	only(ck, r, names);
	boolean(ck, r, "allowDeploy", 0, out);
	if (json_object_get(r, "contracts") != NULL ||
	    !json_is_true(json_object_get(r, "allowDeploy")))
		each(ck, r, "contracts", POLICY_LIST_MAX, contract_entry, out);
}

static void
rules_method_whitelist(struct ck *ck, json_t *r, json_t *out)
{
	static const char *const names[] = { "methods", NULL };

	only(ck, r, names);
	each(ck, r, "methods", POLICY_LIST_MAX, method_entry, out);
}

static void
rules_approved_spenders(struct ck *ck, json_t *r, json_t *out)
{
	static const char *const names[] = { "spenders", NULL };

	only(ck, r, names);
	each(ck, r, "spenders", POLICY_LIST_MAX, spender_entry, out);
}

static void
rules_approve_amount_limit(struct ck *ck, json_t *r, json_t *out)
{
	static const char *const names[] = {
		"maxAmount", "blockUnlimited", NULL
	};

	only(ck, r, names);
	amount(ck, r, "maxAmount", 0, out);
	boolean(ck, r, "blockUnlimited", 1, out);
}

static void
rules_approve_tier_override(struct ck *ck, json_t *r, json_t *out)
{
	static const char *const names[] = { "tier", NULL };

	only(ck, r, names);
	choice(ck, r, "tier", tiers, 1, out);
}

static void
rules_time_restriction(struct ck *ck, json_t *r, json_t *out)
{
	static const char *const names[] = {
		"allowed_hours", "allowed_days", NULL
	};
	static const char *const hnames[] = { "start", "end", NULL };
	json_t		*h, *o;
	long long	 start = 0, end = 0;
	int		 hs, he;

	only(ck, r, names);
	if ((h = field(ck, r, "allowed_hours", 1)) != NULL) {
		if (!json_is_object(h))
			issue(ck, "allowed_hours", "an object {start, end} "
			    "of UTC hours");
		else {
			o = must(json_object());
			push_key(ck, "allowed_hours");
			only(ck, h, hnames);
			hs = integer(ck, h, "start", 0, 23, NO_DEFAULT, 1, o,
			    &start);
			he = integer(ck, h, "end", 1, 24, NO_DEFAULT, 1, o,
			    &end);
			if (hs && he && start == end)
				issue(ck, "end", "must differ from start (the "
				    "hours from start up to end, UTC; an end "
				    "before start wraps past midnight)");
			pop(ck);
			put_new(out, "allowed_hours", o);
		}
	}
	each(ck, r, "allowed_days", 7, day_entry, out);
}

static void
rules_rate_limit(struct ck *ck, json_t *r, json_t *out)
{
	static const char *const names[] = {
		"max_requests", "window_seconds", NULL
	};

	only(ck, r, names);
	integer(ck, r, "max_requests", 1, 1000000, NO_DEFAULT, 1, out, NULL);
	integer(ck, r, "window_seconds", 1, 2592000, NO_DEFAULT, 1, out,
	    NULL);
}

/*
 * A host an x402 payment may go to: a DNS name or an IPv4 address,
 * lowercase, or "*." and a name; no scheme, port or path.
 */
static json_t *
domain_entry(struct ck *ck, json_t *v, size_t i, json_t *seen)
{
	const char	*s, *p;
	size_t		 len, label = 0;

	(void)i;
	(void)seen;
	if (!json_is_string(v) || (len = json_string_length(v)) == 0 ||
	    len > 253) {
		issue(ck, NULL, "a host name such as api.example.com or "
		    "*.example.com");
		return NULL;
	}
	s = json_string_value(v);
	p = strncmp(s, "*.", 2) == 0 ? s + 2 : s;
	if (*p == '\0' || *p == '.' || s[len - 1] == '.')
		goto bad;
	for (; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0)
				goto bad;
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_') || ++label > 63)
			goto bad;
	}
	return json_incref(v);
bad:
	issue(ck, NULL, "a lowercase host name (letters, digits, '-', '_', "
	    "dots) or *. and one; no scheme, port or path");
	return NULL;
}

static void
rules_x402_allowed_domains(struct ck *ck, json_t *r, json_t *out)
{
	static const char *const names[] = { "domains", NULL };

	only(ck, r, names);
	each(ck, r, "domains", POLICY_LIST_MAX, domain_entry, out);
}

int
policy_domain_allowed(const json_t *rules, const char *host)
{
	json_t		*a, *v;
	const char	*d;
	size_t		 i, hl = strlen(host), dl;

	a = json_object_get(rules, "domains");
	json_array_foreach(a, i, v) {
		if ((d = json_string_value(v)) == NULL)
			continue;
		if (strcmp(d, host) == 0)
			return 1;
		if (strncmp(d, "*.", 2) == 0 && (dl = strlen(d + 1)) < hl &&
		    strcmp(host + hl - dl, d + 1) == 0)
			return 1;
	}
	return 0;
}

static const checker checkers[POLICY_TYPE_MAX] = {
	[POLICY_SPENDING_LIMIT] = rules_spending_limit,
	[POLICY_WHITELIST] = rules_whitelist,
	[POLICY_ALLOWED_NETWORKS] = rules_allowed_networks,
	[POLICY_ALLOWED_TOKENS] = rules_allowed_tokens,
	[POLICY_CONTRACT_WHITELIST] = rules_contract_whitelist,
	[POLICY_METHOD_WHITELIST] = rules_method_whitelist,
	[POLICY_APPROVED_SPENDERS] = rules_approved_spenders,
	[POLICY_APPROVE_AMOUNT_LIMIT] = rules_approve_amount_limit,
	[POLICY_APPROVE_TIER_OVERRIDE] = rules_approve_tier_override,
	[POLICY_TIME_RESTRICTION] = rules_time_restriction,
	[POLICY_RATE_LIMIT] = rules_rate_limit,
	[POLICY_X402_ALLOWED_DOMAINS] = rules_x402_allowed_domains,
};

json_t *
policy_rules_check(const char *type, json_t *rules, json_t *issues)
{
	struct ck	 ck;
	json_t		*out;
	int		 t;

	ck.issues = issues;
	ck.n = 0;
	ck.path = must(json_array());
	out = must(json_object());
	if ((t = policy_type(type)) == -1)
		issue(&ck, "type", "one of %s", policy_type_list());
	push_key(&ck, "rules");
	if (rules == NULL)
		issue(&ck, NULL, "required");
	else if (!json_is_object(rules))
		issue(&ck, NULL, "an object");
	else if (t != -1)
		checkers[t](&ck, rules, out);
	/* Bounded when stored: the canonical text, not the input's. */
	if (ck.n == 0 && json_dumpb(out, NULL, 0, JSON_COMPACT |
	    JSON_SORT_KEYS) > POLICY_RULES_TEXT_MAX)
		issue(&ck, NULL, "at most %d bytes as compact JSON",
		    POLICY_RULES_TEXT_MAX);
	json_decref(ck.path);
	if (ck.n > 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}
