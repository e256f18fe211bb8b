/*
 * Prices: the configuration's two tables, the simple-price answer, the
 * plausibility rules and the USD value of an amount.  See price.h.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "base58.h"
#include "evm.h"
#include "keystore.h"
#include "price.h"
#include "util.h"

#define ENTRY_QUOTE	100	/* bytes of a bad entry quoted back */
#define USD_TEXT_MAX	32
#define AMOUNT_DIGITS	78	/* 2^256 - 1 */

static void
setwhy(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
setwhy(char *why, size_t whylen, const char *fmt, ...)
{
	va_list	ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static int
valid_symbol(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > NET_SYMBOL_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]))
			return 0;
	return 1;
}

static const struct network *
find_net(const struct network *nets, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(nets[i].name, name) == 0)
			return &nets[i];
	return NULL;
}

/* "<address>@<decimals>" of a token on net. */
static int
token_parse(const struct network *net, const char *s, struct price_key *k,
    char *why, size_t whylen)
{
	const char	*at = strrchr(s, '@');
	uint8_t		 b[32];
	char		 addr[PRICE_ADDR_MAX + 1];
	size_t		 alen, dlen;

	if (at == NULL) {
		setwhy(why, whylen, "a token is <network>:<address>@"
		    "<decimals>");
		return -1;
	}
	alen = (size_t)(at - s);
	dlen = strlen(at + 1);
	if (dlen == 0 || dlen > 2 || strspn(at + 1, "0123456789") != dlen ||
	    (dlen == 2 && at[1] == '0') ||
	    atoi(at + 1) > PRICE_DECIMALS_MAX) {
		setwhy(why, whylen, "decimals must be 0 to %d",
		    PRICE_DECIMALS_MAX);
		return -1;
	}
	k->decimals = atoi(at + 1);
	if (alen == 0 || alen > PRICE_ADDR_MAX) {
		setwhy(why, whylen, "not an address of %s", net->name);
		return -1;
	}
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (net->chain == KS_CHAIN_ETHEREUM) {
		if (evm_address_parse(addr, alen, b) == -1) {
			setwhy(why, whylen, "not an EVM address (0x and 40 "
			    "hex digits; mixed case must be EIP-55)");
			return -1;
		}
		evm_address_checksum(b, k->address);
	} else {
		if (base58_decode(addr, alen, b, sizeof(b)) != 32) {
			setwhy(why, whylen, "not a Solana address (base58 of "
			    "32 bytes)");
			return -1;
		}
		strlcpy(k->address, addr, sizeof(k->address));
	}
	k->chain = net->chain;
	strlcpy(k->network, net->name, sizeof(k->network));
	snprintf(k->text, sizeof(k->text), "%s:%s@%d", k->network,
	    k->address, k->decimals);
	return 0;
}

int
price_key_parse(const char *s, size_t len, const struct network *nets,
    size_t nnets, struct price_key *k, char *why, size_t whylen)
{
	const struct network	*net;
	const char		*colon;
	char			 buf[PRICE_KEY_MAX], name[NET_NAME_MAX + 1];
	size_t			 i, nlen;

	memset(k, 0, sizeof(*k));
	k->decimals = -1;
	if (len == 0) {
		setwhy(why, whylen, "empty key");
		return -1;
	}
	if (len >= sizeof(buf) || memchr(s, '\0', len) != NULL) {
		setwhy(why, whylen, "key longer than %zu bytes",
		    sizeof(buf) - 1);
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	if ((colon = strchr(buf, ':')) == NULL) {
		if (!valid_symbol(buf, len)) {
			setwhy(why, whylen, "a native coin's symbol is 1 to "
			    "%d letters or digits", NET_SYMBOL_MAX);
			return -1;
		}
		for (i = 0; i < nnets; i++)
			if (strcmp(nets[i].symbol, buf) == 0)
				break;
		if (i == nnets) {
			setwhy(why, whylen, "no network has the native coin "
			    "'%s'", buf);
			return -1;
		}
		strlcpy(k->symbol, buf, sizeof(k->symbol));
		strlcpy(k->text, buf, sizeof(k->text));
		return 0;
	}
	nlen = (size_t)(colon - buf);
	if (nlen == 0 || nlen > NET_NAME_MAX) {
		setwhy(why, whylen, "unknown network '%.*s'", (int)(nlen >
		    NET_NAME_MAX ? NET_NAME_MAX : nlen), buf);
		return -1;
	}
	memcpy(name, buf, nlen);
	name[nlen] = '\0';
	if ((net = find_net(nets, nnets, name)) == NULL) {
		setwhy(why, whylen, "unknown network '%s'", name);
		return -1;
	}
	return token_parse(net, colon + 1, k, why, whylen);
}

int
price_key_same(const struct price_key *a, const struct price_key *b)
{
	if (a->symbol[0] != '\0' || b->symbol[0] != '\0')
		return strcmp(a->symbol, b->symbol) == 0;
	if (strcmp(a->network, b->network) != 0)
		return 0;
	if (a->chain == KS_CHAIN_ETHEREUM)
		return strcasecmp(a->address, b->address) == 0;
	return strcmp(a->address, b->address) == 0;
}

/* The next ';'-separated entry, blanks trimmed; 0 at the end. */
static int
next_entry(const char **pp, const char **s, size_t *len)
{
	const char	*p = *pp, *e;

	while (*p == ' ' || *p == '\t' || *p == ';')
		p++;
	if (*p == '\0') {
		*pp = p;
		return 0;
	}
	if ((e = strchr(p, ';')) == NULL)
		e = p + strlen(p);
	*pp = e;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*s = p;
	*len = (size_t)(e - p);
	return 1;
}

/* Split "KEY = VALUE" at its first '='; both sides trimmed. */
static int
split_entry(const char *s, size_t len, const char **k, size_t *klen,
    const char **v, size_t *vlen)
{
	const char	*eq = memchr(s, '=', len);

	if (eq == NULL)
		return -1;
	*k = s;
	*klen = (size_t)(eq - s);
	while (*klen > 0 && (s[*klen - 1] == ' ' || s[*klen - 1] == '\t'))
		(*klen)--;
	*v = eq + 1;
	*vlen = len - (size_t)(eq + 1 - s);
	while (*vlen > 0 && (**v == ' ' || **v == '\t')) {
		(*v)++;
		(*vlen)--;
	}
	return 0;
}

/* A positive decimal, digits[.digits], within (0, PRICE_USD_MAX]. */
static int
usd_parse(const char *s, size_t len, double *out)
{
	char	buf[USD_TEXT_MAX + 1], *end;
	size_t	i, dots = 0;
	double	v;

	if (len == 0 || len > USD_TEXT_MAX || s[0] == '.' || s[len - 1] == '.')
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '.')
			dots++;
		else if (s[i] < '0' || s[i] > '9')
			return -1;
	}
	if (dots > 1)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtod(buf, &end);
	if (*end != '\0' || !isfinite(v) || v <= 0 || v > PRICE_USD_MAX)
		return -1;
	*out = v;
	return 0;
}

static int
valid_id(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > PRICE_ID_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_' || s[i] == '.'))
			return 0;
	return 1;
}

#define BAD(what)	do {						\
	snprintf(err, errlen, "security.%s: '%.*s': %s", (what),	\
	    (int)(len > ENTRY_QUOTE ? ENTRY_QUOTE : len), s, why);	\
	return -1;							\
} while (0)

int
price_parse_static(const char *text, const struct network *nets,
    size_t nnets, struct price_entry *out, size_t max, char *err,
    size_t errlen)
{
	const char	*p = text, *s, *k, *v;
	char		 why[160];
	size_t		 len, klen, vlen, n = 0, i;

	while (next_entry(&p, &s, &len)) {
		if (split_entry(s, len, &k, &klen, &v, &vlen) == -1) {
			strlcpy(why, "want KEY=USD", sizeof(why));
			BAD("price_static");
		}
		if (n >= max) {
			snprintf(why, sizeof(why), "more than %zu entries",
			    max);
			BAD("price_static");
		}
		memset(&out[n], 0, sizeof(out[n]));
		if (price_key_parse(k, klen, nets, nnets, &out[n].key, why,
		    sizeof(why)) == -1)
			BAD("price_static");
		if (usd_parse(v, vlen, &out[n].usd) == -1) {
			snprintf(why, sizeof(why), "the USD price must be a "
			    "decimal number above 0 and at most 1e12");
			BAD("price_static");
		}
		for (i = 0; i < n; i++)
			if (price_key_same(&out[i].key, &out[n].key))
				break;
		if (i < n) {
			snprintf(why, sizeof(why), "%s is listed twice",
			    out[n].key.text);
			BAD("price_static");
		}
		n++;
	}
	return (int)n;
}

int
price_parse_ids(const char *text, const struct network *nets, size_t nnets,
    struct price_id *out, size_t max, char *err, size_t errlen)
{
	const char	*p = text, *s, *k, *v;
	char		 why[160];
	size_t		 len, klen, vlen, n = 0, i;

	while (next_entry(&p, &s, &len)) {
		if (split_entry(s, len, &k, &klen, &v, &vlen) == -1) {
			strlcpy(why, "want KEY=coin-id", sizeof(why));
			BAD("price_ids");
		}
		if (n >= max) {
			snprintf(why, sizeof(why), "more than %zu entries",
			    max);
			BAD("price_ids");
		}
		memset(&out[n], 0, sizeof(out[n]));
		if (price_key_parse(k, klen, nets, nnets, &out[n].key, why,
		    sizeof(why)) == -1)
			BAD("price_ids");
		if (!valid_id(v, vlen)) {
			snprintf(why, sizeof(why), "a coin id is 1 to %d of "
			    "a-z, 0-9, '-', '_' and '.'", PRICE_ID_MAX);
			BAD("price_ids");
		}
		memcpy(out[n].id, v, vlen);
		out[n].id[vlen] = '\0';
		for (i = 0; i < n; i++)
			if (price_key_same(&out[i].key, &out[n].key))
				break;
		if (i < n) {
			snprintf(why, sizeof(why), "%s is listed twice",
			    out[n].key.text);
			BAD("price_ids");
		}
		n++;
	}
	return (int)n;
}

#undef BAD

int
price_config_check(const char *statics, const char *ids, const char *url,
    const struct network *nets, size_t nnets, char *err, size_t errlen)
{
	static struct price_entry	st[PRICE_ENTRIES_MAX];
	static struct price_id		id[PRICE_ENTRIES_MAX];
	int				nst, nid, i, j;

	if (strlen(statics) > PRICE_CONF_MAX || strlen(ids) >
	    PRICE_CONF_MAX) {
		snprintf(err, errlen, "security.price_%s: longer than %d "
		    "bytes", strlen(ids) > PRICE_CONF_MAX ? "ids" : "static",
		    PRICE_CONF_MAX);
		return -1;
	}
	if ((nst = price_parse_static(statics, nets, nnets, st,
	    PRICE_ENTRIES_MAX, err, errlen)) == -1 ||
	    (nid = price_parse_ids(ids, nets, nnets, id, PRICE_ENTRIES_MAX,
	    err, errlen)) == -1)
		return -1;
	if (nid > 0 && url[0] == '\0') {
		snprintf(err, errlen, "security.price_ids is set but "
		    "security.price_url is not");
		return -1;
	}
	if (nid == 0 && url[0] != '\0') {
		snprintf(err, errlen, "security.price_url is set but "
		    "security.price_ids names no coin to fetch");
		return -1;
	}
	if (strchr(url, '#') != NULL) {
		snprintf(err, errlen, "security.price_url: no fragment "
		    "('#') allowed");
		return -1;
	}
	for (i = 0; i < nid; i++)
		for (j = 0; j < nst; j++)
			if (price_key_same(&id[i].key, &st[j].key) &&
			    id[i].key.decimals != st[j].key.decimals) {
				snprintf(err, errlen, "security.price_ids: %s: "
				    "security.price_static has it as %s",
				    id[i].key.text, st[j].key.text);
				return -1;
			}
	return 0;
}

int
price_request_url(const char *url, const struct price_id *ids, size_t nids,
    char *out, size_t outlen)
{
	const char	*sep = "?";
	size_t		 i, j, ulen = strlen(url);
	int		 first = 1;

	if (strchr(url, '?') != NULL)
		sep = ulen > 0 && (url[ulen - 1] == '?' ||
		    url[ulen - 1] == '&') ? "" : "&";
	if (outlen == 0 || (size_t)snprintf(out, outlen, "%s%sids=", url,
	    sep) >= outlen)
		return -1;
	for (i = 0; i < nids; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(ids[j].id, ids[i].id) == 0)
				break;
		if (j < i)
			continue;
		if ((!first && strlcat(out, ",", outlen) >= outlen) ||
		    strlcat(out, ids[i].id, outlen) >= outlen)
			return -1;
		first = 0;
	}
	if (strlcat(out, "&vs_currencies=usd", outlen) >= outlen)
		return -1;
	return 0;
}

int
price_answer_parse(const char *buf, size_t len, const struct price_id *ids,
    size_t nids, double *vals, char *why, size_t whylen)
{
	json_error_t	 jerr;
	json_t		*root, *o, *u;
	const char	*k;
	size_t		 i;
	double		 v;
	int		 r = -1;

	for (i = 0; i < nids; i++)
		vals[i] = NAN;
	if (len > PRICE_ANSWER_MAX) {
		setwhy(why, whylen, "answer over %d bytes", PRICE_ANSWER_MAX);
		return -1;
	}
	/* Every number as a double: a huge integer is not a parse error. */
	if ((root = json_loadb(buf != NULL ? buf : "", len,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr)) ==
	    NULL || !json_is_object(root)) {
		setwhy(why, whylen, "answer is not a JSON object");
		goto out;
	}
	json_object_foreach(root, k, o) {
		if (!json_is_object(o)) {
			setwhy(why, whylen, "answer is not an object of "
			    "objects");
			goto out;
		}
	}
	for (i = 0; i < nids; i++) {
		if ((o = json_object_get(root, ids[i].id)) == NULL)
			continue;
		u = json_object_get(o, "usd");
		if (!json_is_number(u) || !isfinite(v = json_number_value(u))) {
			setwhy(why, whylen, "%s: usd is not a finite number",
			    ids[i].id);
			goto out;
		}
		vals[i] = v;
	}
	r = 0;
out:
	if (r == -1)
		for (i = 0; i < nids; i++)
			vals[i] = NAN;
	json_decref(root);
	return r;
}

static int
within(double v, double ref, double pct)
{
	return fabs(v - ref) <= ref * pct / 100.0;
}

int
price_track(struct price_track *t, double v, int max_change_pct,
    int64_t now)
{
	if (!isfinite(v) || v <= 0 || v > PRICE_USD_MAX)
		return PRICE_REFUSED;
	if (t->usd <= 0 || within(v, t->usd, max_change_pct)) {
		t->usd = v;
		t->at = now;
		t->held = 0;
		return PRICE_ACCEPTED;
	}
	if (t->held > 0 && within(v, t->held, PRICE_CONFIRM_PCT)) {
		t->usd = v;
		t->at = now;
		t->held = 0;
		return PRICE_CONFIRMED;
	}
	t->held = v;
	return PRICE_HELD;
}

int
price_track_usable(const struct price_track *t)
{
	return t->usd > 0 && t->held == 0;
}

static const struct price_entry *
match(const struct price_entry *e, size_t n, const struct network *net,
    const char *token)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (token == NULL) {
			if (e[i].key.symbol[0] != '\0' &&
			    strcmp(e[i].key.symbol, net->symbol) == 0)
				return &e[i];
			continue;
		}
		if (e[i].key.symbol[0] != '\0' ||
		    strcmp(e[i].key.network, net->name) != 0)
			continue;
		if (net->chain == KS_CHAIN_ETHEREUM ?
		    strcasecmp(e[i].key.address, token) == 0 :
		    strcmp(e[i].key.address, token) == 0)
			return &e[i];
	}
	return NULL;
}

const struct price_entry *
price_find(const struct price_table *t, const struct network *net,
    const char *token, long long now, char *why, size_t whylen)
{
	const struct price_entry	*e;
	long long			 age;

	if (net == NULL) {
		setwhy(why, whylen, "no network");
		return NULL;
	}
	if (token != NULL && token[0] == '\0') {
		setwhy(why, whylen, "no token address");
		return NULL;
	}
	if ((e = match(t->st, t->nst, net, token)) != NULL)
		return e;
	if ((e = match(t->fx, t->nfx, net, token)) != NULL) {
		age = now - e->fetched_at;
		if (age <= t->max_age)
			return e;
		setwhy(why, whylen, "the price of %s is stale (%lld s old, "
		    "price_max_age %lld s)", e->key.text, age, t->max_age);
		return NULL;
	}
	if (token == NULL)
		setwhy(why, whylen, "no price for %s", net->symbol);
	else
		setwhy(why, whylen, "no price for token %.64s on %s", token,
		    net->name);
	return NULL;
}

int
price_look(const struct price_table *t, const struct network *net,
    const char *token, long long now)
{
	const struct price_entry	*e;

	if (net == NULL || (token != NULL && token[0] == '\0'))
		return PRICE_LOOK_MISS;
	if (match(t->st, t->nst, net, token) != NULL)
		return PRICE_LOOK_HIT;
	if ((e = match(t->fx, t->nfx, net, token)) == NULL)
		return PRICE_LOOK_MISS;
	return now - e->fetched_at <= t->max_age ? PRICE_LOOK_HIT :
	    PRICE_LOOK_STALE;
}

/*
 * Precision: the digits accumulate in a long double (x86-64: a 64-bit
 * mantissa, about 19 significant digits, exponent up to 10^4932, so 78
 * digits cannot overflow).  The first 19 digits are exact; each later
 * one, the scaling by 10^decimals (exact up to 10^27) and the product
 * with the price round once each, by at most 2^-64 relative: under
 * 10^-17 in all, far below the 2^-53 of the double returned.  The result
 * is the exact value to within about one unit in the last place of a
 * double.  The largest possible value, (2^256 - 1) * 10^12, is about
 * 10^89: finite.
 */
double
price_amount_usd(const char *amount, int decimals, double usd)
{
	long double	v = 0, scale = 1;
	size_t		i, n;
	int		d;

	if (amount == NULL || decimals < 0 || decimals > PRICE_DECIMALS_MAX ||
	    !isfinite(usd) || usd < 0)
		return -1;
	n = strnlen(amount, AMOUNT_DIGITS + 1);
	if (n == 0 || n > AMOUNT_DIGITS || (n > 1 && amount[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (amount[i] < '0' || amount[i] > '9')
			return -1;
		v = v * 10 + (amount[i] - '0');
	}
	for (d = 0; d < decimals; d++)
		scale *= 10;
	return (double)(v / scale * (long double)usd);
}

double
price_table_value(const struct price_table *t, const struct network *net,
    const char *token, const char *amount, long long now, char *why,
    size_t whylen)
{
	const struct price_entry	*e;
	double				 v;
	int				 decimals;

	if ((e = price_find(t, net, token, now, why, whylen)) == NULL)
		return -1;
	decimals = token == NULL ? (int)net->decimals : e->key.decimals;
	if (decimals < 0 || decimals > PRICE_DECIMALS_MAX) {
		setwhy(why, whylen, "no decimals for %s", e->key.text);
		return -1;
	}
	if ((v = price_amount_usd(amount, decimals, e->usd)) < 0) {
		setwhy(why, whylen, "the amount is not a decimal string");
		return -1;
	}
	return v;
}
