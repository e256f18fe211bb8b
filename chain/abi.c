/*
 * Solidity ABI encoding of a function call (abi.h).  A function's
 * inputs are parsed into a small tree of types (bounded in nodes and
 * depth), its canonical signature written from that tree, and the
 * arguments encoded into one buffer of the maximum size: a static value
 * is written in place in its head, a dynamic one's head is the offset of
 * its tail, appended after the heads of its sequence.  Every value of a
 * static type or head is at least one 32-byte word (empty tuples are
 * refused), so the output bound also bounds the work.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "abi.h"
#include "evm.h"
#include "util.h"

enum kind {
	K_ADDRESS = ABI_ADDRESS, K_BOOL = ABI_BOOL, K_STRING = ABI_STRING,
	K_BYTES = ABI_BYTES, K_BYTESN = ABI_BYTESN, K_UINT = ABI_UINT,
	K_INT = ABI_INT,
	K_ARRAY,	/* T[] */
	K_FARRAY,	/* T[k] */
	K_TUPLE
};

struct type {
	enum kind	 kind;
	unsigned int	 width;	/* bits of uintN/intN, bytes of bytesN */
	size_t		 len;	/* T[k]: k; a tuple: its components */
	struct type	*elem;	/* arrays: the element; tuple: 1st component */
	struct type	*next;	/* the next component or input */
	const char	*name;	/* a component's, or NULL */
	int		 dynamic;
	size_t		 size;	/* a static type's encoding; dynamic: 0 */
};

#define TYPE_TEXT_MAX	128
#define PATH_MAX_ABI	160

struct enc {
	struct type	 t[ABI_TYPES_MAX];
	size_t		 nt;
	uint8_t		*out;	/* after the selector */
	size_t		 len, cap;
	char		 path[PATH_MAX_ABI];
	char		*err;
};

static int
fail(struct enc *e, const char *fmt, ...)
{
	va_list	ap;
	size_t	n;

	if (e->path[0] != '\0')
		n = (size_t)snprintf(e->err, ABI_ERR_MAX, "%s: ", e->path);
	else
		n = 0;
	if (n >= ABI_ERR_MAX)
		n = ABI_ERR_MAX - 1;
	va_start(ap, fmt);
	vsnprintf(e->err + n, ABI_ERR_MAX - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Append a step to the path; the old length, to pop back to. */
static size_t
push(struct enc *e, const char *fmt, ...)
{
	size_t	old = strlen(e->path);
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(e->path + old, sizeof(e->path) - old, fmt, ap);
	va_end(ap);
	return old;
}

static void
pop(struct enc *e, size_t old)
{
	e->path[old] = '\0';
}

/* ---- types ---- */

/* A Solidity identifier of 1 to max bytes. */
int
abi_ident(const char *s, size_t len, size_t max)
{
	size_t	i;
	char	c;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++) {
		c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || c == '$')
			continue;
		if (i > 0 && c >= '0' && c <= '9')
			continue;
		return 0;
	}
	return 1;
}

static int
eq(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

/* Digits only, no leading zero, at most 4 of them; the value, or -1. */
static long
small_num(const char *s, size_t len)
{
	long	n = 0;
	size_t	i;

	if (len == 0 || len > 4 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	return n;
}

int
abi_atom_parse(const char *s, size_t len, int *kind, unsigned int *width)
{
	long	n;

	*width = 0;
	if (eq(s, len, "address"))
		*kind = ABI_ADDRESS;
	else if (eq(s, len, "bool"))
		*kind = ABI_BOOL;
	else if (eq(s, len, "string"))
		*kind = ABI_STRING;
	else if (eq(s, len, "bytes"))
		*kind = ABI_BYTES;
	else if (len > 5 && memcmp(s, "bytes", 5) == 0) {
		if ((n = small_num(s + 5, len - 5)) < 1 || n > 32)
			return -1;
		*kind = ABI_BYTESN;
		*width = (unsigned int)n;
	} else if (len > 4 && memcmp(s, "uint", 4) == 0) {
		if ((n = small_num(s + 4, len - 4)) < 8 || n > 256 || n % 8)
			return -1;
		*kind = ABI_UINT;
		*width = (unsigned int)n;
	} else if (len > 3 && memcmp(s, "int", 3) == 0) {
		if ((n = small_num(s + 3, len - 3)) < 8 || n > 256 || n % 8)
			return -1;
		*kind = ABI_INT;
		*width = (unsigned int)n;
	} else
		return -1;
	return 0;
}

/* An elementary type's name into t (uint, int: the 256-bit ones). */
static int
parse_atom(const char *s, size_t len, struct type *t)
{
	int	kind;

	if (eq(s, len, "uint") || eq(s, len, "int")) {
		kind = s[0] == 'u' ? ABI_UINT : ABI_INT;
		t->width = 256;
	} else if (abi_atom_parse(s, len, &kind, &t->width) == -1)
		return -1;
	t->kind = (enum kind)kind;
	t->dynamic = kind == ABI_STRING || kind == ABI_BYTES;
	t->size = t->dynamic ? 0 : 32;
	return 0;
}

static struct type *
new_type(struct enc *e)
{
	struct type	*t;

	if (e->nt == ABI_TYPES_MAX) {
		fail(e, "the function's types have more than %d parts",
		    ABI_TYPES_MAX);
		return NULL;
	}
	t = &e->t[e->nt++];
	memset(t, 0, sizeof(*t));
	return t;
}

static int	parse_params(struct enc *, const json_t *, int, struct type **,
		    size_t *);

/*
 * One parameter object {type, components?, name?} inside `depth'
 * tuples and array dimensions (an input is inside none).
 */
static struct type *
parse_param(struct enc *e, const json_t *p, int depth)
{
	struct type	*t, *a;
	const char	*s, *c, *name, *br, *end;
	const json_t	*jn;
	size_t		 len, blen, dims = 0;
	long		 k;

	if (!json_is_object(p))
		return fail(e, "a parameter is not an object"), NULL;
	jn = json_object_get(p, "type");
	if (!json_is_string(jn) || (len = json_string_length(jn)) == 0 ||
	    len > TYPE_TEXT_MAX)
		return fail(e, "a parameter has no type (a string of 1 to %d "
		    "characters)", TYPE_TEXT_MAX), NULL;
	s = json_string_value(jn);
	name = json_string_value(json_object_get(p, "name"));
	if (name != NULL && name[0] != '\0' &&
	    !abi_ident(name, strlen(name), ABI_NAME_MAX))
		return fail(e, "parameter name \"%.64s\" is not an "
		    "identifier", name), NULL;
	end = s + len;
	if ((br = memchr(s, '[', len)) == NULL)
		br = end;
	blen = (size_t)(br - s);
	/* the dimensions first, to bound the depth before recursing */
	for (s = br; s < end; dims++) {
		if (*s != '[' || (c = memchr(s, ']', (size_t)(end - s))) ==
		    NULL)
			return fail(e, "type \"%s\": bad array suffix",
			    json_string_value(jn)), NULL;
		s = c + 1;
	}
	if (depth + (int)dims > ABI_DEPTH_MAX)
		return fail(e, "type \"%s\" nests deeper than %d",
		    json_string_value(jn), ABI_DEPTH_MAX), NULL;
	s = json_string_value(jn);
	if ((t = new_type(e)) == NULL)
		return NULL;
	if (eq(s, blen, "tuple")) {
		t->kind = K_TUPLE;
		if (parse_params(e, json_object_get(p, "components"),
		    depth + (int)dims + 1, &t->elem, &t->len) == -1)
			return NULL;
		if (t->len == 0)
			return fail(e, "a tuple needs at least one "
			    "component"), NULL;
		for (a = t->elem; a != NULL; a = a->next) {
			if (a->dynamic)
				t->dynamic = 1;
			t->size += a->size;
		}
		if (t->dynamic)
			t->size = 0;
	} else if (parse_atom(s, blen, t) == -1)
		return fail(e, "unknown type \"%.*s\"", (int)blen, s), NULL;
	t->name = name != NULL && name[0] != '\0' ? name : NULL;
	/* each dimension wraps what is to its left */
	for (s = br; s < end; s = br + 1) {
		br = memchr(s, ']', (size_t)(end - s));
		if ((a = new_type(e)) == NULL)
			return NULL;
		a->elem = t;
		a->name = t->name;
		t->name = NULL;
		if (br == s + 1) {
			a->kind = K_ARRAY;
			a->dynamic = 1;
		} else {
			k = small_num(s + 1, (size_t)(br - s - 1));
			if (k < 1 || k > ABI_ARRAY_MAX)
				return fail(e, "type \"%s\": a fixed array's "
				    "length must be 1 to %d",
				    json_string_value(jn), ABI_ARRAY_MAX),
				    NULL;
			a->kind = K_FARRAY;
			a->len = (size_t)k;
			a->dynamic = t->dynamic;
			if (!a->dynamic) {
				if (t->size > ABI_OUT_MAX / a->len)
					return fail(e, "type \"%s\" is larger "
					    "than %zu bytes",
					    json_string_value(jn),
					    ABI_OUT_MAX), NULL;
				a->size = t->size * a->len;
			}
		}
		t = a;
	}
	if (!t->dynamic && t->size > ABI_OUT_MAX)
		return fail(e, "type \"%s\" is larger than %zu bytes",
		    json_string_value(jn), ABI_OUT_MAX), NULL;
	return t;
}

/* An inputs or components array (absent: none) into a linked list. */
static int
parse_params(struct enc *e, const json_t *arr, int depth,
    struct type **first, size_t *n)
{
	struct type	*t, *last = NULL;
	const json_t	*p;
	size_t		 i;

	*first = NULL;
	*n = 0;
	if (arr == NULL)
		return 0;
	if (!json_is_array(arr))
		return fail(e, "inputs and components must be arrays");
	if (json_array_size(arr) > ABI_ARGS_MAX)
		return fail(e, "more than %d inputs or components",
		    ABI_ARGS_MAX);
	json_array_foreach(arr, i, p) {
		if ((t = parse_param(e, p, depth)) == NULL)
			return -1;
		if (last == NULL)
			*first = t;
		else
			last->next = t;
		last = t;
		(*n)++;
	}
	return 0;
}

/* ---- the canonical signature ---- */

struct sig {
	char	*p;
	size_t	 len, cap;
	int	 over;
};

static void
sig_add(struct sig *s, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (s->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(s->p + s->len, s->cap - s->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= s->cap - s->len)
		s->over = 1;
	else
		s->len += (size_t)n;
}

static void
sig_type(struct sig *s, const struct type *t)
{
	const struct type	*c;

	switch (t->kind) {
	case K_ADDRESS:
		sig_add(s, "address");
		break;
	case K_BOOL:
		sig_add(s, "bool");
		break;
	case K_UINT:
		sig_add(s, "uint%u", t->width);
		break;
	case K_INT:
		sig_add(s, "int%u", t->width);
		break;
	case K_BYTESN:
		sig_add(s, "bytes%u", t->width);
		break;
	case K_BYTES:
		sig_add(s, "bytes");
		break;
	case K_STRING:
		sig_add(s, "string");
		break;
	case K_ARRAY:
		sig_type(s, t->elem);
		sig_add(s, "[]");
		break;
	case K_FARRAY:
		sig_type(s, t->elem);
		sig_add(s, "[%zu]", t->len);
		break;
	case K_TUPLE:
		sig_add(s, "(");
		for (c = t->elem; c != NULL; c = c->next) {
			sig_type(s, c);
			sig_add(s, c->next != NULL ? "," : "");
		}
		sig_add(s, ")");
		break;
	}
}

/* ---- values ---- */

long
abi_hex_len(const json_t *v)
{
	const char	*s;
	size_t		 len, i;

	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	len = json_string_length(v);
	if (len < 2 || s[0] != '0' || s[1] != 'x' || len % 2 != 0)
		return -1;
	for (i = 2; i < len; i++)
		if (hex_digit((unsigned char)s[i]) == -1)
			return -1;
	return (long)((len - 2) / 2);
}

void
abi_hex_get(const json_t *v, size_t off, size_t n, uint8_t *out)
{
	const char	*s = json_string_value(v) + 2 + 2 * off;
	size_t		 i;

	for (i = 0; i < n; i++)
		out[i] = (uint8_t)(hex_digit((unsigned char)s[2 * i]) << 4 |
		    hex_digit((unsigned char)s[2 * i + 1]));
}

/*
 * A JSON integer, or a string: decimal with an optional '-', or 0x hex
 * (no "-0x").  The magnitude big-endian in m and the sign; -1 if none
 * or above 2^256 - 1.
 */
static int
parse_int(const json_t *v, uint8_t m[32], int *neg)
{
	const char	*s;
	size_t		 len, i, j;
	json_int_t	 x;
	uint64_t	 u;
	unsigned int	 c;
	int		 d, hex;

	memset(m, 0, 32);
	*neg = 0;
	if (json_is_integer(v)) {
		x = json_integer_value(v);
		*neg = x < 0;
		u = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
		for (i = 0; i < 8; i++)
			m[31 - i] = (uint8_t)(u >> (8 * i));
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if ((len = json_string_length(v)) > ABI_INT_TEXT_MAX)
		return -1;
	if (len > 0 && s[0] == '-') {
		*neg = 1;
		s++;
		len--;
	}
	if ((hex = len > 2 && s[0] == '0' && s[1] == 'x')) {
		if (*neg)
			return -1;
		s += 2;
		len -= 2;
	}
	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if ((d = hex_digit((unsigned char)s[i])) == -1 ||
		    (!hex && d > 9))
			return -1;
		if (hex) {
			if (m[0] >> 4)
				return -1;
			for (j = 0; j < 31; j++)
				m[j] = (uint8_t)(m[j] << 4 | m[j + 1] >> 4);
			m[31] = (uint8_t)(m[31] << 4 | d);
			continue;
		}
		for (j = 32, c = (unsigned int)d; j-- > 0;) {
			c += m[j] * 10u;
			m[j] = (uint8_t)c;
			c >>= 8;
		}
		if (c != 0)
			return -1;
	}
	return 0;
}

static unsigned int
bitlen(const uint8_t m[32])
{
	unsigned int	i, b;

	for (i = 0; i < 32; i++)
		if (m[i] != 0) {
			for (b = 8; !(m[i] & (1u << (b - 1))); b--)
				;
			return (31 - i) * 8 + b;
		}
	return 0;
}

/* m is exactly 2^(bits - 1). */
static int
is_top(const uint8_t m[32], unsigned int bits)
{
	unsigned int	i, ones = 0;

	for (i = 0; i < 32; i++)
		ones += (unsigned int)__builtin_popcount(m[i]);
	return ones == 1 && bitlen(m) == bits;
}

int
abi_int_word(const json_t *v, int sgn, unsigned int bits, uint8_t out[32])
{
	unsigned int	b, c, i;
	int		neg;

	if (parse_int(v, out, &neg) == -1)
		return ABI_INT_BAD;
	b = bitlen(out);
	if (!sgn && neg && b != 0)
		return ABI_INT_NEGATIVE;
	if (sgn ? b > bits - 1 && !(neg && is_top(out, bits)) : b > bits)
		return ABI_INT_RANGE;
	if (neg && b != 0)
		for (i = 32, c = 1; i-- > 0;) {
			c += (uint8_t)~out[i];
			out[i] = (uint8_t)c;
			c >>= 8;
		}
	return 0;
}

static int
enc_int(struct enc *e, const struct type *t, const json_t *v,
    uint8_t out[32])
{
	const char	*u = t->kind == K_INT ? "" : "u";

	if (json_is_real(v))
		return fail(e, "%sint%u: pass a number with a fraction or "
		    "exponent as a string (no precision is lost that way)",
		    u, t->width);
	switch (abi_int_word(v, t->kind == K_INT, t->width, out)) {
	case 0:
		return 0;
	case ABI_INT_NEGATIVE:
		return fail(e, "uint%u: negative", t->width);
	case ABI_INT_RANGE:
		return fail(e, "%sint%u: out of range", u, t->width);
	default:
		return fail(e, "%sint%u: not an integer (a JSON integer, or "
		    "a string: decimal%s or 0x hex, at most 2^256 - 1)", u,
		    t->width, *u ? "" : " with an optional '-'");
	}
}

/* A word-sized value into out[32]. */
static int
enc_atom(struct enc *e, const struct type *t, const json_t *v,
    uint8_t out[32])
{
	long	n;

	memset(out, 0, 32);
	switch (t->kind) {
	case K_ADDRESS:
		if (!json_is_string(v) || evm_address_parse(
		    json_string_value(v), json_string_length(v),
		    out + 12) == -1)
			return fail(e, "address: not 0x and 40 hex digits "
			    "(EIP-55 checksummed if mixed case)");
		return 0;
	case K_BOOL:
		if (!json_is_boolean(v))
			return fail(e, "bool: not true or false");
		out[31] = json_is_true(v);
		return 0;
	case K_BYTESN:
		if ((n = abi_hex_len(v)) == -1 || (size_t)n != t->width)
			return fail(e, "bytes%u: not 0x and %u hex digits",
			    t->width, 2 * t->width);
		abi_hex_get(v, 0, t->width, out);
		return 0;
	case K_UINT:
	case K_INT:
		return enc_int(e, t, v, out);
	default:
		return fail(e, "internal: not an elementary type");
	}
}

static void
put_len(uint8_t w[32], size_t v)
{
	int	i;

	memset(w, 0, 32);
	for (i = 31; i >= 24; i--, v >>= 8)
		w[i] = (uint8_t)(v & 0xff);
}

/* n zero bytes at the end; their offset, or -1. */
static long
reserve(struct enc *e, size_t n)
{
	size_t	at = e->len;

	if (n > e->cap - e->len)
		return fail(e, "the calldata would be larger than %zu bytes",
		    ABI_OUT_MAX);
	memset(e->out + at, 0, n);
	e->len += n;
	return (long)at;
}

/*
 * A tuple's values in component order (a new reference): from an array
 * of as many, or an object with exactly the components' names.
 */
static json_t *
tuple_values(struct enc *e, const struct type *t, const json_t *v)
{
	const struct type	*c;
	json_t			*a, *x;

	if (json_is_array(v)) {
		if (json_array_size(v) != t->len)
			return fail(e, "tuple: %zu values for %zu components",
			    json_array_size(v), t->len), NULL;
		return json_incref((json_t *)v);
	}
	if (!json_is_object(v))
		return fail(e, "tuple: not an array or an object"), NULL;
	for (c = t->elem; c != NULL; c = c->next)
		if (c->name == NULL)
			return fail(e, "tuple: its components have no names, "
			    "so pass an array"), NULL;
	if (json_object_size(v) != t->len)
		return fail(e, "tuple: %zu keys for %zu components",
		    json_object_size(v), t->len), NULL;
	if ((a = json_array()) == NULL)
		return fail(e, "out of memory"), NULL;
	for (c = t->elem; c != NULL; c = c->next) {
		if ((x = json_object_get(v, c->name)) == NULL) {
			json_decref(a);
			return fail(e, "tuple: no value for component %s",
			    c->name), NULL;
		}
		if (json_array_append(a, x) == -1) {
			json_decref(a);
			return fail(e, "out of memory"), NULL;
		}
	}
	return a;
}

static int	enc_seq(struct enc *, const struct type *, size_t, int,
		    int, const json_t *);

/* A static type's value at out + at (its head, reserved already). */
static int
enc_static(struct enc *e, const struct type *t, const json_t *v, size_t at)
{
	const struct type	*c;
	json_t			*vals;
	size_t			 i, old;
	int			 r = 0;

	switch (t->kind) {
	case K_FARRAY:
		if (!json_is_array(v) || json_array_size(v) != t->len)
			return fail(e, "not an array of %zu", t->len);
		for (i = 0; i < t->len && r == 0; i++) {
			old = push(e, "[%zu]", i);
			r = enc_static(e, t->elem, json_array_get(v, i),
			    at + i * t->elem->size);
			if (r == 0)
				pop(e, old);
		}
		return r;
	case K_TUPLE:
		if ((vals = tuple_values(e, t, v)) == NULL)
			return -1;
		for (i = 0, c = t->elem; c != NULL && r == 0; c = c->next,
		    i++) {
			old = c->name ? push(e, ".%s", c->name) :
			    push(e, "[%zu]", i);
			r = enc_static(e, c, json_array_get(vals, i), at);
			at += c->size;
			if (r == 0)
				pop(e, old);
		}
		json_decref(vals);
		return r;
	default:
		return enc_atom(e, t, v, e->out + at);
	}
}

/* A dynamic type's value appended at the end (its tail). */
static int
enc_dynamic(struct enc *e, const struct type *t, const json_t *v)
{
	json_t	*vals;
	long	 at, n;
	size_t	 len;
	int	 r;

	switch (t->kind) {
	case K_BYTES:
	case K_STRING:
		if (t->kind == K_STRING) {
			if (!json_is_string(v))
				return fail(e, "string: not a string");
			len = json_string_length(v);
		} else {
			if ((n = abi_hex_len(v)) == -1)
				return fail(e, "bytes: not 0x and an even "
				    "number of hex digits");
			len = (size_t)n;
		}
		if (len > e->cap)
			return fail(e, "the calldata would be larger than %zu "
			    "bytes", ABI_OUT_MAX);
		if ((at = reserve(e, 32 + (len + 31) / 32 * 32)) == -1)
			return -1;
		put_len(e->out + at, len);
		if (t->kind == K_STRING)
			memcpy(e->out + at + 32, json_string_value(v), len);
		else
			abi_hex_get(v, 0, len, e->out + at + 32);
		return 0;
	case K_ARRAY:
		if (!json_is_array(v))
			return fail(e, "not an array");
		if ((len = json_array_size(v)) > ABI_ARRAY_MAX)
			return fail(e, "more than %d elements", ABI_ARRAY_MAX);
		if ((at = reserve(e, 32)) == -1)
			return -1;
		put_len(e->out + at, len);
		return enc_seq(e, t->elem, len, 1, 0, v);
	case K_FARRAY:
		if (!json_is_array(v) || json_array_size(v) != t->len)
			return fail(e, "not an array of %zu", t->len);
		return enc_seq(e, t->elem, t->len, 1, 0, v);
	case K_TUPLE:
		if ((vals = tuple_values(e, t, v)) == NULL)
			return -1;
		r = enc_seq(e, t->elem, t->len, 0, 1, vals);
		json_decref(vals);
		return r;
	default:
		return fail(e, "internal: not a dynamic type");
	}
}

/*
 * n values of arr: of type t each (same), or of t and its next ones (a
 * tuple's components, named in the path by their names when `names',
 * else by index).  Heads first, then each dynamic value's tail, its
 * head the tail's offset from the start of the heads.
 */
static int
enc_seq(struct enc *e, const struct type *t, size_t n, int same, int names,
    const json_t *arr)
{
	const struct type	*c;
	size_t			 i, heads = 0, start, pos, old;
	long			 at;

	for (i = 0, c = t; i < n; i++, c = same ? c : c->next)
		heads += c->dynamic ? 32 : c->size;
	if ((at = reserve(e, heads)) == -1)
		return -1;
	start = pos = (size_t)at;
	for (i = 0, c = t; i < n; i++, c = same ? c : c->next) {
		old = names && c->name ? push(e, ".%s", c->name) :
		    push(e, "[%zu]", i);
		if (c->dynamic) {
			put_len(e->out + pos, e->len - start);
			if (enc_dynamic(e, c, json_array_get(arr, i)) == -1)
				return -1;
		} else if (enc_static(e, c, json_array_get(arr, i), pos) ==
		    -1)
			return -1;
		pop(e, old);
		pos += c->dynamic ? 32 : c->size;
	}
	return 0;
}

/* ---- the call ---- */

/*
 * One candidate: its inputs parsed, its signature written (and, when fn
 * is a signature, compared: 1 when it is another overload's), its
 * arguments encoded.  0, 1, or -1 and e->err.
 */
static int
try_function(struct enc *e, const char *name, const json_t *inputs,
    const char *want, const json_t *args, struct abi_call *out)
{
	struct type	*first;
	struct sig	 s = { out->sig, 0, ABI_SIG_MAX, 0 };
	size_t		 n;
	struct type	*c;

	e->nt = 0;
	e->len = 0;
	snprintf(e->path, sizeof(e->path), "abi: %s", name);
	if (parse_params(e, inputs, 0, &first, &n) == -1)
		return -1;
	sig_add(&s, "%s(", name);
	for (c = first; c != NULL; c = c->next) {
		sig_type(&s, c);
		sig_add(&s, c->next != NULL ? "," : "");
	}
	sig_add(&s, ")");
	if (s.over)
		return fail(e, "the signature is longer than %d bytes",
		    ABI_SIG_MAX - 1);
	if (want != NULL && strcmp(want, out->sig) != 0)
		return 1;
	if (json_array_size(args) != n) {
		e->path[0] = '\0';
		return fail(e, "%s takes %zu arguments, not %zu", out->sig, n,
		    json_array_size(args));
	}
	snprintf(e->path, sizeof(e->path), "args");
	return enc_seq(e, first, n, 0, 0, args);
}

int
abi_encode_call(const json_t *abi, const char *fn, const json_t *args,
    struct abi_call *out)
{
	struct enc	*e;
	const json_t	*item, *ty, *nm, *inputs;
	const char	*want = NULL, *paren;
	char		 first[ABI_ERR_MAX];
	size_t		 i, fnlen, named = 0, arity = 0, ninputs = 0;
	int		 r;

	memset(out, 0, sizeof(*out));
	fnlen = fn != NULL ? strlen(fn) : 0;
	if ((paren = fn != NULL ? strchr(fn, '(') : NULL) != NULL) {
		want = fn;
		fnlen = (size_t)(paren - fn);
	}
	if (fn == NULL || !abi_ident(fn, fnlen, ABI_NAME_MAX) ||
	    (want != NULL && (strlen(want) >= ABI_SIG_MAX ||
	    fn[strlen(fn) - 1] != ')'))) {
		snprintf(out->err, sizeof(out->err), "functionName: not a "
		    "function name (or a canonical signature name(types))");
		return -1;
	}
	if (!json_is_array(abi) || json_array_size(abi) > ABI_ITEMS_MAX) {
		snprintf(out->err, sizeof(out->err), "abi: not an array of "
		    "at most %d entries", ABI_ITEMS_MAX);
		return -1;
	}
	/* absent: none (the reference's default) */
	if (args == NULL)
		args = json_array();
	else
		json_incref((json_t *)args);
	if (args == NULL || !json_is_array(args)) {
		json_decref((json_t *)args);
		snprintf(out->err, sizeof(out->err), "args: not an array");
		return -1;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (out->data = malloc(ABI_OUT_MAX)) == NULL) {
		free(e);
		json_decref((json_t *)args);
		snprintf(out->err, sizeof(out->err), "out of memory");
		return -1;
	}
	e->out = out->data + 4;
	e->cap = ABI_OUT_MAX - 4;
	e->err = first;
	first[0] = '\0';
	r = -1;
	json_array_foreach(abi, i, item) {
		if (!json_is_object(item))
			continue;
		ty = json_object_get(item, "type");
		nm = json_object_get(item, "name");
		/* an entry without a type is a function (the spec) */
		if ((ty != NULL && (!json_is_string(ty) ||
		    strcmp(json_string_value(ty), "function") != 0)) ||
		    !json_is_string(nm) || json_string_length(nm) != fnlen ||
		    memcmp(json_string_value(nm), fn, fnlen) != 0)
			continue;
		named++;
		inputs = json_object_get(item, "inputs");
		if (want == NULL && json_array_size(inputs) !=
		    json_array_size(args)) {
			ninputs = json_array_size(inputs);
			continue;	/* another overload may fit */
		}
		/* the first candidate's error is the one to tell */
		e->err = first[0] == '\0' ? first : out->err;
		if ((r = try_function(e, json_string_value(nm), inputs, want,
		    args, out)) == 0)
			break;
		if (r == -1)
			arity++;
	}
	if (r == 0) {
		/* a failed overload before it may have said why */
		out->err[0] = '\0';
		abi_selector(out->sig, out->data);
		out->len = 4 + e->len;
	} else {
		if (named == 0)
			snprintf(out->err, sizeof(out->err), "functionName: "
			    "no function %.*s in the ABI", (int)fnlen, fn);
		else if (arity == 0 && want != NULL)
			snprintf(out->err, sizeof(out->err), "functionName: "
			    "no overload %.200s in the ABI", want);
		else if (arity == 0 && named == 1)
			snprintf(out->err, sizeof(out->err), "args: %.*s "
			    "takes %zu arguments, not %zu", (int)fnlen, fn,
			    ninputs, json_array_size(args));
		else if (arity == 0)
			snprintf(out->err, sizeof(out->err), "args: no "
			    "overload of %.*s takes %zu arguments",
			    (int)fnlen, fn, json_array_size(args));
		else
			memcpy(out->err, first, sizeof(out->err));
		free(out->data);
		out->data = NULL;
		out->sig[0] = '\0';
		r = -1;
	}
	json_decref((json_t *)args);
	free(e);
	return r;
}

void
abi_call_free(struct abi_call *c)
{
	free(c->data);
	c->data = NULL;
	c->len = 0;
}

void
abi_selector(const char *sig, uint8_t sel[4])
{
	uint8_t	h[32];

	keccak256(sig, strlen(sig), h);
	memcpy(sel, h, 4);
}

void
abi_word_address(uint8_t w[32], const uint8_t addr[20])
{
	memset(w, 0, 32);
	memcpy(w + 12, addr, 20);
}
