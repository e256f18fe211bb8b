/*
 * jsonw_compact(): the text json_dumps(j, JSON_COMPACT) makes, byte for
 * byte, written straight into the caller's buffer.
 *
 * Every answer policyd gives is a jansson document turned into text, and
 * on a list that turning was a third of policyd's time: json_dumps()
 * builds a table of the containers it is inside (keyed by their address
 * printed with snprintf), grows its output by doubling, and prints every
 * integer with snprintf.  Documents here are trees we built, so a depth
 * bound stands in for the loop check.
 *
 * The rules it keeps, so that the bytes are the same (test_jsonw compares
 * them over many documents): keys in the object's own order; '"', '\\'
 * and controls escaped, \b \f \n \r \t by name and the rest as \u00XX in
 * capitals; nothing else escaped; a string that is not UTF-8 (overlong,
 * a surrogate, past U+10FFFF, cut short) refused; reals with 17
 * significant digits, always with a '.' or an exponent, the exponent
 * without '+' or leading zeros; a document that is not an object or an
 * array refused.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jsonw.h"
#include "utf8.h"


static void
put(struct jsonw_buf *o, const char *s, size_t n)
{
	if (o->len < o->size)
		memcpy(o->buf + o->len, s, o->size - o->len < n ?
		    o->size - o->len : n);
	o->len += n;
}

static void
put_c(struct jsonw_buf *o, char c)
{
	if (o->len < o->size)
		o->buf[o->len] = c;
	o->len++;
}

/* ASCII that goes out as it is: not a control, '"' or '\\'. */
static const uint8_t plain[256] = {
	[0x20] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/*
 * Eight bytes at once: 1 when none is a control, '"', '\\' or past 0x7f
 * (the tests have no false negatives; a false positive only sends the
 * bytes to the loop one at a time).
 */
static int
plain8(const uint8_t *p)
{
	const uint64_t	ones = 0x0101010101010101ULL;
	const uint64_t	high = 0x8080808080808080ULL;
	uint64_t	x, q, b;

	memcpy(&x, p, sizeof(x));
	q = x ^ (ones * '"');
	b = x ^ (ones * '\\');
	return (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) |
	    ((b - ones) & ~b) | x) & high ? 0 : 1;
}

/*
 * The usual string: room for all of it, and only bytes that go out as
 * they are.  Checked and copied in one pass, eight bytes at a time; 0
 * when it is not that string (nothing written that counts).
 */
static int
put_plain(struct jsonw_buf *o, const char *str, size_t n)
{
	const uint8_t	*s = (const uint8_t *)str;
	char		*d;
	size_t		 i;

	if (o->len > o->size || o->size - o->len < n + 2)
		return 0;
	d = o->buf + o->len + 1;
	for (i = 0; n - i >= 8 && plain8(s + i); i += 8)
		memcpy(d + i, s + i, 8);
	for (; i < n && plain[s[i]]; i++)
		d[i] = str[i];
	if (i < n)
		return 0;
	d[-1] = '"';
	d[n] = '"';
	o->len += n + 2;
	return 1;
}

static int
put_string(struct jsonw_buf *o, const char *str, size_t n)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const uint8_t		*s = (const uint8_t *)str;
	char			 esc[6];
	size_t			 i = 0, run, k;

	if (put_plain(o, str, n))
		return 0;
	put_c(o, '"');
	while (i < n) {
		/* The longest stretch that goes out as it is. */
		run = i;
		while (n - run >= 8 && plain8(s + run))
			run += 8;
		for (; run < n; run += k) {
			if (plain[s[run]]) {
				k = 1;
				continue;
			}
			if (s[run] < 0x80)
				break;		/* to be escaped */
			if ((k = utf8_seq(s + run, n - run, NULL)) == 0)
				return -1;
		}
		put(o, str + i, run - i);
		if ((i = run) == n)
			break;
		esc[0] = '\\';
		switch (s[i]) {
		case '"':  esc[1] = '"'; k = 2; break;
		case '\\': esc[1] = '\\'; k = 2; break;
		case '\b': esc[1] = 'b'; k = 2; break;
		case '\f': esc[1] = 'f'; k = 2; break;
		case '\n': esc[1] = 'n'; k = 2; break;
		case '\r': esc[1] = 'r'; k = 2; break;
		case '\t': esc[1] = 't'; k = 2; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[s[i] >> 4];
			esc[5] = hex[s[i] & 0xf];
			k = 6;
			break;
		}
		put(o, esc, k);
		i++;
	}
	put_c(o, '"');
	return 0;
}

static void
put_integer(struct jsonw_buf *o, json_int_t v)
{
	char			 d[24];
	size_t			 i = sizeof(d);
	unsigned long long	 u;

	/* Through unsigned, so that the most negative value is no trap. */
	u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		d[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		d[--i] = '-';
	put(o, d + i, sizeof(d) - i);
}

static int
put_real(struct jsonw_buf *o, double v)
{
	char	 d[40], *e, *from;
	int	 n;

	n = snprintf(d, sizeof(d), "%.17g", v);
	if (n < 0 || (size_t)n + 3 > sizeof(d))
		return -1;
	/* A real keeps a '.' or an exponent, or it reads back as integer. */
	if (strchr(d, '.') == NULL && strchr(d, 'e') == NULL) {
		memcpy(d + n, ".0", 3);
		n += 2;
	}
	/* e+07 is e7, e-07 is e-7. */
	if ((e = strchr(d, 'e')) != NULL) {
		e++;
		from = e + 1;
		if (*e == '-')
			e++;
		while (*from == '0')
			from++;
		if (from != e) {
			memmove(e, from, strlen(from) + 1);
			n = (int)strlen(d);
		}
	}
	put(o, d, (size_t)n);
	return 0;
}

static int
put_value(struct jsonw_buf *o, const json_t *j, int depth)
{
	const char	*key;
	json_t		*v;
	size_t		 i;
	int		 first = 1;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		if (depth >= JSONW_DEPTH_MAX)
			return -1;
		put_c(o, '{');
		json_object_foreach((json_t *)j, key, v) {
			if (!first)
				put_c(o, ',');
			first = 0;
			if (put_string(o, key, strlen(key)) == -1)
				return -1;
			put_c(o, ':');
			if (put_value(o, v, depth + 1) == -1)
				return -1;
		}
		put_c(o, '}');
		return 0;
	case JSON_ARRAY:
		if (depth >= JSONW_DEPTH_MAX)
			return -1;
		put_c(o, '[');
		json_array_foreach(j, i, v) {
			if (i > 0)
				put_c(o, ',');
			if (put_value(o, v, depth + 1) == -1)
				return -1;
		}
		put_c(o, ']');
		return 0;
	case JSON_STRING:
		return put_string(o, json_string_value(j),
		    json_string_length(j));
	case JSON_INTEGER:
		put_integer(o, json_integer_value(j));
		return 0;
	case JSON_REAL:
		return put_real(o, json_real_value(j));
	case JSON_TRUE:
		put(o, "true", 4);
		return 0;
	case JSON_FALSE:
		put(o, "false", 5);
		return 0;
	case JSON_NULL:
		put(o, "null", 4);
		return 0;
	}
	return -1;
}

/*
 * The text's length; it is in buf (not terminated) when that is at most
 * size, else the caller wants a larger buffer.  0 when the document
 * cannot be written (not a container, not UTF-8, too deep), as
 * json_dumps() would refuse it or the caller should let it decide.
 */
size_t
jsonw_compact(const json_t *j, char *buf, size_t size)
{
	struct jsonw_buf	o = { buf, size, 0 };

	if (j == NULL || (!json_is_object(j) && !json_is_array(j)))
		return 0;
	if (put_value(&o, j, 0) == -1)
		return 0;
	return o.len;
}


void
jsonw_init(struct jsonw *w, char *buf, size_t size)
{
	memset(w, 0, sizeof(*w));
	w->o.buf = buf;
	w->o.size = size;
	w->depth = -1;
}

/* The comma before a member, then its key if in an object. */
static void
w_member(struct jsonw *w, const char *key)
{
	if (w->depth < 0)
		return;
	if (!w->first[w->depth])
		put_c(&w->o, ',');
	w->first[w->depth] = 0;
	if (key != NULL) {
		if (put_string(&w->o, key, strlen(key)) == -1)
			w->err = 1;
		put_c(&w->o, ':');
	}
}

void
jsonw_open(struct jsonw *w, const char *key, char brace)
{
	w_member(w, key);
	if (w->depth + 1 >= JSONW_DEPTH_MAX) {
		w->err = 1;
		return;
	}
	w->first[++w->depth] = 1;
	put_c(&w->o, brace);
}

void
jsonw_close(struct jsonw *w, char brace)
{
	if (w->depth < 0) {
		w->err = 1;
		return;
	}
	w->depth--;
	put_c(&w->o, brace);
}

/* A string value of n bytes, or null. */
static void
w_str(struct jsonw *w, const char *s, size_t n)
{
	if (s == NULL)
		put(&w->o, "null", 4);
	else if (put_string(&w->o, s, n) == -1)
		w->err = 1;
}

static void
w_bool(struct jsonw *w, int v)
{
	if (v)
		put(&w->o, "true", 4);
	else
		put(&w->o, "false", 5);
}

void
jsonw_str(struct jsonw *w, const char *key, const char *s)
{
	w_member(w, key);
	w_str(w, s, s != NULL ? strlen(s) : 0);
}

void
jsonw_int(struct jsonw *w, const char *key, long long v)
{
	w_member(w, key);
	put_integer(&w->o, (json_int_t)v);
}

void
jsonw_bool(struct jsonw *w, const char *key, int v)
{
	w_member(w, key);
	w_bool(w, v);
}

void
jsonw_null(struct jsonw *w, const char *key)
{
	w_member(w, key);
	put(&w->o, "null", 4);
}

/*
 * Members whose key was quoted when compiled (JSONW_QKEY), and string
 * values of a known length: a list's rows without a strlen() and an
 * escape check of every key.
 */
static void
w_qmember(struct jsonw *w, const char *qkey, size_t qlen)
{
	if (w->depth < 0) {
		w->err = 1;
		return;
	}
	if (!w->first[w->depth])
		put_c(&w->o, ',');
	w->first[w->depth] = 0;
	put(&w->o, qkey, qlen);
}

void
jsonw_qstr(struct jsonw *w, const char *qkey, size_t qlen, const char *s,
    size_t n)
{
	w_qmember(w, qkey, qlen);
	w_str(w, s, n);
}

void
jsonw_qint(struct jsonw *w, const char *qkey, size_t qlen, long long v)
{
	w_qmember(w, qkey, qlen);
	put_integer(&w->o, (json_int_t)v);
}

void
jsonw_qbool(struct jsonw *w, const char *qkey, size_t qlen, int v)
{
	w_qmember(w, qkey, qlen);
	w_bool(w, v);
}

void
jsonw_qnull(struct jsonw *w, const char *qkey, size_t qlen)
{
	w_qmember(w, qkey, qlen);
	put(&w->o, "null", 4);
}

size_t
jsonw_end(struct jsonw *w)
{
	return w->err || w->depth != -1 ? 0 : w->o.len;
}
