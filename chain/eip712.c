/*
 * EIP-712 hashing to the letter of the specification, the way
 * eth_signTypedData_v4 wallets do it: encodeType with the referenced
 * structs sorted by name, arrays (fixed ones too) hashed as the
 * concatenation of their elements' encodings, strings and bytes by their
 * Keccak-256.  Strict where wallets are loose: every object has exactly
 * its type's fields, every value its exact JSON form, integers are in
 * range for their width, no type refers to itself.
 *
 * The types table is read once into a fixed-size registry; dependencies
 * are 32-bit masks (EIP712_TYPES_MAX is 32), so closure, cycles and
 * depth are computed by iteration, and the only recursion, over values,
 * is bounded by the struct depth and the array dimensions.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "abi.h"
#include "eip712.h"
#include "evm.h"
#include "util.h"

#define FAIL(s)		do { *why = (s); return -1; } while (0)

/* A field's type: a name and its dimensions, "[256]" the longest. */
#define TYPE_TEXT_MAX	(EIP712_NAME_MAX + 5 * EIP712_DIMS_MAX)

/* The elementary types are chain/abi.c's. */
enum atom {
	A_STRUCT = 0, A_ADDRESS = ABI_ADDRESS, A_BOOL = ABI_BOOL,
	A_STRING = ABI_STRING, A_BYTES = ABI_BYTES, A_BYTESN = ABI_BYTESN,
	A_UINT = ABI_UINT, A_INT = ABI_INT
};

/* Small: a registry holds EIP712_TYPES_MAX * EIP712_FIELDS_MAX. */
struct field {
	const char	*name;
	const char	*type;		/* as declared, for encodeType */
	uint16_t	 typelen;
	uint16_t	 width;		/* bytesN: N; (u)intN: N */
	uint16_t	 dims[EIP712_DIMS_MAX];	/* as written; 0 is T[] */
	uint8_t		 atom;		/* enum atom */
	uint8_t		 ref;		/* A_STRUCT: index into the registry */
	uint8_t		 ndims;
};

struct type {
	const char	*name;
	size_t		 nfields;
	struct field	 f[EIP712_FIELDS_MAX];
	uint32_t	 direct;	/* structs its fields name */
	uint32_t	 deps;		/* the same, transitively */
	int		 depth;		/* longest struct chain from it */
	uint8_t		 typehash[32];
};

struct reg {
	size_t		 n;
	struct type	 t[EIP712_TYPES_MAX];
	size_t		 order[EIP712_TYPES_MAX];	/* by name */
	size_t		 domain;
	size_t		 primary;
	size_t		 values;			/* encoded so far */
};

static int
eq(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

/* A struct may not take a name that is, or reads like, an atomic one. */
static int
atomic_like(const char *s, size_t len)
{
	size_t	skip;

	if (eq(s, len, "address") || eq(s, len, "bool") ||
	    eq(s, len, "string") || eq(s, len, "bytes"))
		return 1;
	if (len > 5 && memcmp(s, "bytes", 5) == 0)
		skip = 5;
	else if (len > 4 && memcmp(s, "uint", 4) == 0)
		skip = 4;
	else if (len > 3 && memcmp(s, "int", 3) == 0)
		skip = 3;
	else
		return 0;
	for (; skip < len; skip++)
		if (s[skip] < '0' || s[skip] > '9')
			return 0;
	return 1;
}

static int
find_type(const struct reg *r, const char *s, size_t len, size_t *out)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		if (eq(s, len, r->t[i].name)) {
			*out = i;
			return 0;
		}
	return -1;
}

/* "Base", then up to EIP712_DIMS_MAX of "[]" or "[n]". */
static int
parse_ftype(struct reg *r, struct type *t, struct field *f,
    const char **why)
{
	const char	*s = f->type;
	size_t		 len = f->typelen, blen, i, start, n, ref;
	unsigned int	 width;
	int		 atom;

	for (blen = 0; blen < len && s[blen] != '['; blen++)
		;
	if (!abi_ident(s, blen, EIP712_NAME_MAX))
		FAIL("bad field type");
	for (i = blen, f->ndims = 0; i < len; i++) {
		if (s[i] != '[')
			FAIL("bad array type");
		if (f->ndims == EIP712_DIMS_MAX)
			FAIL("too many array dimensions");
		for (start = ++i, n = 0; i < len && s[i] >= '0' &&
		    s[i] <= '9'; i++)
			if ((n = n * 10 + (size_t)(s[i] - '0')) >
			    EIP712_ARRAY_MAX)
				FAIL("fixed array too long");
		if (i == len || s[i] != ']')
			FAIL("bad array type");
		if (i > start && (n == 0 || s[start] == '0'))
			FAIL("bad fixed array length");
		f->dims[f->ndims++] = (uint16_t)n;
	}
	if (abi_atom_parse(s, blen, &atom, &width) == 0) {
		f->atom = (uint8_t)atom;
		f->width = (uint16_t)width;
		return 0;
	}
	if (find_type(r, s, blen, &ref) == -1)
		FAIL("unknown type");
	f->atom = A_STRUCT;
	f->ref = (uint8_t)ref;
	t->direct |= (uint32_t)1 << ref;
	return 0;
}

static int
load_fields(struct type *t, const json_t *arr, const char **why)
{
	const json_t	*fo, *nm, *ty;
	struct field	*f;
	size_t		 i, j;

	if (!json_is_array(arr))
		FAIL("a type is not an array of fields");
	if ((t->nfields = json_array_size(arr)) > EIP712_FIELDS_MAX)
		FAIL("too many fields in a type");
	for (i = 0; i < t->nfields; i++) {
		f = &t->f[i];
		fo = json_array_get(arr, i);
		if (!json_is_object(fo) || json_object_size(fo) != 2 ||
		    !json_is_string(nm = json_object_get(fo, "name")) ||
		    !json_is_string(ty = json_object_get(fo, "type")))
			FAIL("a field is not {name, type}");
		f->name = json_string_value(nm);
		if (!abi_ident(f->name, json_string_length(nm),
		    EIP712_NAME_MAX))
			FAIL("bad field name");
		f->type = json_string_value(ty);
		if (json_string_length(ty) > TYPE_TEXT_MAX)
			FAIL("bad field type");
		f->typelen = (uint16_t)json_string_length(ty);
		for (j = 0; j < i; j++)
			if (strcmp(t->f[j].name, f->name) == 0)
				FAIL("duplicate field name");
	}
	return 0;
}

static void
put_type(struct keccak_ctx *k, const struct type *t)
{
	size_t	i;

	keccak256_update(k, t->name, strlen(t->name));
	keccak256_update(k, "(", 1);
	for (i = 0; i < t->nfields; i++) {
		if (i > 0)
			keccak256_update(k, ",", 1);
		keccak256_update(k, t->f[i].type, t->f[i].typelen);
		keccak256_update(k, " ", 1);
		keccak256_update(k, t->f[i].name, strlen(t->f[i].name));
	}
	keccak256_update(k, ")", 1);
}

/* Closure of the references, cycles, depth, name order, type hashes. */
static int
link_types(struct reg *r, const char **why)
{
	struct keccak_ctx	 k;
	struct type		*t;
	size_t			 round, i, j, tmp;

	for (i = 0; i < r->n; i++) {
		r->t[i].deps = r->t[i].direct;
		r->t[i].depth = 1;
		r->order[i] = i;
	}
	for (round = 0; round < r->n; round++)
		for (i = 0; i < r->n; i++)
			for (j = 0; j < r->n; j++)
				if (r->t[i].deps & ((uint32_t)1 << j))
					r->t[i].deps |= r->t[j].deps;
	for (i = 0; i < r->n; i++)
		if (r->t[i].deps & ((uint32_t)1 << i))
			FAIL("a type refers to itself");
	/* Acyclic: n rounds of relaxation reach the longest chains. */
	for (round = 0; round < r->n; round++)
		for (i = 0; i < r->n; i++)
			for (j = 0; j < r->n; j++)
				if ((r->t[i].direct & ((uint32_t)1 << j)) &&
				    r->t[j].depth + 1 > r->t[i].depth)
					r->t[i].depth = r->t[j].depth + 1;
	for (i = 1; i < r->n; i++)
		for (j = i; j > 0 && strcmp(r->t[r->order[j - 1]].name,
		    r->t[r->order[j]].name) > 0; j--) {
			tmp = r->order[j];
			r->order[j] = r->order[j - 1];
			r->order[j - 1] = tmp;
		}
	for (i = 0; i < r->n; i++) {
		t = &r->t[i];
		keccak256_init(&k);
		put_type(&k, t);
		for (j = 0; j < r->n; j++)
			if (t->deps & ((uint32_t)1 << r->order[j]))
				put_type(&k, &r->t[r->order[j]]);
		keccak256_final(&k, t->typehash);
	}
	return 0;
}

static int
load_types(struct reg *r, const json_t *types, const char **why)
{
	void		*it;
	const char	*key;
	struct type	*t;
	size_t		 i, j;

	if (!json_is_object(types))
		FAIL("types is not an object");
	if (json_object_size(types) > EIP712_TYPES_MAX)
		FAIL("too many types");
	for (it = json_object_iter((json_t *)types); it != NULL;
	    it = json_object_iter_next((json_t *)types, it)) {
		key = json_object_iter_key(it);
		if (!abi_ident(key, json_object_iter_key_len(it),
		    EIP712_NAME_MAX))
			FAIL("bad type name");
		if (atomic_like(key, strlen(key)))
			FAIL("a struct takes an atomic type's name");
		t = &r->t[r->n++];
		t->name = key;
		if (load_fields(t, json_object_iter_value(it), why) == -1)
			return -1;
	}
	for (i = 0; i < r->n; i++)
		for (j = 0; j < r->t[i].nfields; j++)
			if (parse_ftype(r, &r->t[i], &r->t[i].f[j], why) == -1)
				return -1;
	return link_types(r, why);
}

/* The domain's fields: a subset of the specification's five. */
static int
check_domain_type(const struct type *t, const char **why)
{
	static const char *const	 known[][2] = {
		{ "name", "string" },
		{ "version", "string" },
		{ "chainId", "uint256" },
		{ "verifyingContract", "address" },
		{ "salt", "bytes32" },
	};
	const struct field		*f;
	size_t				 i, j;

	for (i = 0; i < t->nfields; i++) {
		f = &t->f[i];
		for (j = 0; j < sizeof(known) / sizeof(known[0]); j++)
			if (strcmp(f->name, known[j][0]) == 0)
				break;
		if (j == sizeof(known) / sizeof(known[0]) ||
		    !eq(f->type, f->typelen, known[j][1]))
			FAIL("EIP712Domain has a non-standard field");
	}
	return 0;
}

static int
enc_int(const json_t *v, int sgn, unsigned int bits, uint8_t out[32],
    const char **why)
{
	switch (abi_int_word(v, sgn, bits, out)) {
	case 0:
		return 0;
	case ABI_INT_NEGATIVE:
		FAIL("negative unsigned integer");
	case ABI_INT_RANGE:
		FAIL("integer out of range for its type");
	default:
		FAIL("bad integer");
	}
}

static int
enc_atom(const struct field *f, const json_t *v, uint8_t out[32],
    const char **why)
{
	struct keccak_ctx	k;
	uint8_t			buf[64];
	long			n;
	size_t			off, chunk;

	memset(out, 0, 32);
	switch (f->atom) {
	case A_ADDRESS:
		if (!json_is_string(v) || evm_address_parse(
		    json_string_value(v), json_string_length(v),
		    out + 12) == -1)
			FAIL("bad address");
		return 0;
	case A_BOOL:
		if (!json_is_boolean(v))
			FAIL("bool is not true or false");
		out[31] = json_is_true(v);
		return 0;
	case A_STRING:
		if (!json_is_string(v))
			FAIL("string value is not a string");
		keccak256(json_string_value(v), json_string_length(v), out);
		return 0;
	case A_BYTES:
		if ((n = abi_hex_len(v)) == -1)
			FAIL("bytes is not 0x hex");
		keccak256_init(&k);
		for (off = 0; off < (size_t)n; off += chunk) {
			chunk = (size_t)n - off;
			if (chunk > sizeof(buf))
				chunk = sizeof(buf);
			abi_hex_get(v, off, chunk, buf);
			keccak256_update(&k, buf, chunk);
		}
		keccak256_final(&k, out);
		return 0;
	case A_BYTESN:
		if ((n = abi_hex_len(v)) == -1)
			FAIL("bytesN is not 0x hex");
		if ((size_t)n != f->width)
			FAIL("wrong length for bytesN");
		abi_hex_get(v, 0, f->width, out);
		return 0;
	case A_UINT:
	case A_INT:
		return enc_int(v, f->atom == A_INT, f->width, out, why);
	default:
		FAIL("internal: not an atomic type");
	}
}

static int	hash_struct(struct reg *, size_t, const json_t *, int,
		    uint8_t [32], const char **);

/* encodeData of one value; `level' array dimensions are left. */
static int
enc_value(struct reg *r, const struct field *f, size_t level,
    const json_t *v, int depth, uint8_t out[32], const char **why)
{
	struct keccak_ctx	k;
	uint8_t			e[32];
	size_t			want, n, i;

	if (++r->values > EIP712_VALUES_MAX)
		FAIL("too many values");
	if (level == 0) {
		if (f->atom == A_STRUCT)
			return hash_struct(r, f->ref, v, depth + 1, out, why);
		return enc_atom(f, v, out, why);
	}
	if (!json_is_array(v))
		FAIL("array value is not an array");
	n = json_array_size(v);
	if ((want = f->dims[level - 1]) != 0 && n != want)
		FAIL("wrong length for a fixed array");
	if (n > EIP712_ARRAY_MAX)
		FAIL("array too long");
	keccak256_init(&k);
	for (i = 0; i < n; i++) {
		if (enc_value(r, f, level - 1, json_array_get(v, i), depth, e,
		    why) == -1)
			return -1;
		keccak256_update(&k, e, sizeof(e));
	}
	keccak256_final(&k, out);
	return 0;
}

static int
hash_struct(struct reg *r, size_t ti, const json_t *v, int depth,
    uint8_t out[32], const char **why)
{
	const struct type	*t = &r->t[ti];
	const json_t		*fv;
	struct keccak_ctx	 k;
	uint8_t			 e[32];
	size_t			 i;

	if (depth > EIP712_DEPTH_MAX)
		FAIL("structs nested too deep");
	if (!json_is_object(v))
		FAIL("struct value is not an object");
	if (json_object_size(v) > t->nfields)
		FAIL("extra field in a struct value");
	keccak256_init(&k);
	keccak256_update(&k, t->typehash, sizeof(t->typehash));
	for (i = 0; i < t->nfields; i++) {
		if ((fv = json_object_get(v, t->f[i].name)) == NULL)
			FAIL("missing field in a struct value");
		if (enc_value(r, &t->f[i], t->f[i].ndims, fv, depth, e,
		    why) == -1)
			return -1;
		keccak256_update(&k, e, sizeof(e));
	}
	keccak256_final(&k, out);
	return 0;
}

/* Read, check and hash the whole of typed into r. */
static int
load(struct reg *r, const json_t *typed, uint8_t dsep[32],
    uint8_t shash[32], const char **why)
{
	const json_t	*types, *pt, *domain, *msg;

	if (!json_is_object(typed))
		FAIL("typed data is not an object");
	if (json_object_size(typed) != 4 ||
	    (types = json_object_get(typed, "types")) == NULL ||
	    (pt = json_object_get(typed, "primaryType")) == NULL ||
	    (domain = json_object_get(typed, "domain")) == NULL ||
	    (msg = json_object_get(typed, "message")) == NULL)
		FAIL("typed data is not {types, primaryType, domain, message}");
	if (load_types(r, types, why) == -1)
		return -1;
	if (find_type(r, "EIP712Domain", strlen("EIP712Domain"),
	    &r->domain) == -1)
		FAIL("types lack EIP712Domain");
	if (check_domain_type(&r->t[r->domain], why) == -1)
		return -1;
	if (!json_is_string(pt) || find_type(r, json_string_value(pt),
	    json_string_length(pt), &r->primary) == -1)
		FAIL("primaryType is not a declared type");
	if (r->primary == r->domain)
		FAIL("primaryType is EIP712Domain");
	if (r->t[r->domain].depth > EIP712_DEPTH_MAX ||
	    r->t[r->primary].depth > EIP712_DEPTH_MAX)
		FAIL("structs nested too deep");
	if (hash_struct(r, r->domain, domain, 1, dsep, why) == -1 ||
	    hash_struct(r, r->primary, msg, 1, shash, why) == -1)
		return -1;
	return 0;
}

int
eip712_hash(const json_t *typed, uint8_t dsep[32], uint8_t shash[32],
    const char **why)
{
	struct reg	*r;
	uint8_t		 d[32], s[32];
	int		 rv;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		FAIL("out of memory");
	if ((rv = load(r, typed, d, s, why)) == 0) {
		memcpy(dsep, d, sizeof(d));
		memcpy(shash, s, sizeof(s));
	}
	free(r);
	return rv;
}

int
eip712_verifying_contract(const json_t *typed, char out[43])
{
	const json_t	*d, *v;
	uint8_t		 a[20];

	if (!json_is_object(d = json_object_get(typed, "domain")) ||
	    !json_is_string(v = json_object_get(d, "verifyingContract")) ||
	    evm_address_parse(json_string_value(v), json_string_length(v),
	    a) == -1)
		return -1;
	evm_address_checksum(a, out);
	return 0;
}

int
eip712_chain_id(const json_t *typed, uint64_t *out)
{
	const json_t	*d, *v;
	uint8_t		 m[32];
	uint64_t	 u = 0;
	size_t		 i;

	if (!json_is_object(d = json_object_get(typed, "domain")) ||
	    (v = json_object_get(d, "chainId")) == NULL ||
	    abi_int_word(v, 0, 64, m) != 0)
		return -1;
	for (i = 24; i < 32; i++)
		u = u << 8 | m[i];
	*out = u;
	return 0;
}

/* Permits: the exact layouts, as their contracts hash them. */
struct fdesc {
	const char	*name;
	const char	*type;
};

static const struct fdesc l_2612[] = {
	{ "owner", "address" }, { "spender", "address" },
	{ "value", "uint256" }, { "nonce", "uint256" },
	{ "deadline", "uint256" }, { NULL, NULL }
};
static const struct fdesc l_dai[] = {
	{ "holder", "address" }, { "spender", "address" },
	{ "nonce", "uint256" }, { "expiry", "uint256" },
	{ "allowed", "bool" }, { NULL, NULL }
};
static const struct fdesc l_details[] = {
	{ "token", "address" }, { "amount", "uint160" },
	{ "expiration", "uint48" }, { "nonce", "uint48" }, { NULL, NULL }
};
static const struct fdesc l_single[] = {
	{ "details", "PermitDetails" }, { "spender", "address" },
	{ "sigDeadline", "uint256" }, { NULL, NULL }
};
static const struct fdesc l_batch[] = {
	{ "details", "PermitDetails[]" }, { "spender", "address" },
	{ "sigDeadline", "uint256" }, { NULL, NULL }
};
static const struct fdesc l_tokperm[] = {
	{ "token", "address" }, { "amount", "uint256" }, { NULL, NULL }
};
static const struct fdesc l_transfer[] = {
	{ "permitted", "TokenPermissions" }, { "spender", "address" },
	{ "nonce", "uint256" }, { "deadline", "uint256" }, { NULL, NULL }
};
static const struct fdesc l_btransfer[] = {
	{ "permitted", "TokenPermissions[]" }, { "spender", "address" },
	{ "nonce", "uint256" }, { "deadline", "uint256" }, { NULL, NULL }
};

static const struct playout {
	const char		*primary;
	int			 kind;
	const struct fdesc	*fields;
	int			 witness;	/* one more field, any */
	const char		*sub;		/* struct of each grant */
	const struct fdesc	*subf;
} playouts[] = {
	{ "Permit", PERMIT_EIP2612, l_2612, 0, NULL, NULL },
	{ "Permit", PERMIT_DAI, l_dai, 0, NULL, NULL },
	{ "PermitSingle", PERMIT2_ALLOWANCE, l_single, 0,
	    "PermitDetails", l_details },
	{ "PermitBatch", PERMIT2_ALLOWANCE, l_batch, 0,
	    "PermitDetails", l_details },
	{ "PermitTransferFrom", PERMIT2_TRANSFER, l_transfer, 0,
	    "TokenPermissions", l_tokperm },
	{ "PermitBatchTransferFrom", PERMIT2_TRANSFER, l_btransfer, 0,
	    "TokenPermissions", l_tokperm },
	{ "PermitWitnessTransferFrom", PERMIT2_TRANSFER, l_transfer, 1,
	    "TokenPermissions", l_tokperm },
	{ "PermitBatchWitnessTransferFrom", PERMIT2_TRANSFER, l_btransfer,
	    1, "TokenPermissions", l_tokperm },
};

static int
same_fields(const struct type *t, const struct fdesc *d, int witness)
{
	size_t	i;

	for (i = 0; d[i].name != NULL; i++)
		if (i >= t->nfields || strcmp(t->f[i].name, d[i].name) != 0 ||
		    !eq(t->f[i].type, t->f[i].typelen, d[i].type))
			return 0;
	return t->nfields == i + (witness ? 1 : 0);
}

static int
matches(const struct reg *r, const struct playout *p)
{
	size_t	sub;

	if (!same_fields(&r->t[r->primary], p->fields, p->witness))
		return 0;
	if (p->sub == NULL)
		return 1;
	return find_type(r, p->sub, strlen(p->sub), &sub) == 0 &&
	    same_fields(&r->t[sub], p->subf, 0);
}

/* A 256-bit big-endian value as decimal text; m is consumed. */
static void
decimal(uint8_t m[32], char out[79])
{
	char		rev[79];
	size_t		n = 0, i;
	unsigned int	rem, any;

	do {
		for (i = 0, rem = 0; i < 32; i++) {
			rem = rem << 8 | m[i];
			m[i] = (uint8_t)(rem / 10);
			rem %= 10;
		}
		rev[n++] = (char)('0' + rem);
		for (i = 0, any = 0; i < 32; i++)
			any |= m[i];
	} while (any != 0 && n < sizeof(rev) - 1);
	for (i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	out[n] = '\0';
}

/* A checked unsigned value. */
static void
amount(const json_t *v, char out[79])
{
	uint8_t	m[32];

	if (abi_int_word(v, 0, 256, m) != 0)
		memset(m, 0, sizeof(m));
	decimal(m, out);
}

static void
address(const json_t *v, char out[43])
{
	uint8_t	a[20];

	if (!json_is_string(v) || evm_address_parse(json_string_value(v),
	    json_string_length(v), a) == -1)
		memset(a, 0, sizeof(a));
	evm_address_checksum(a, out);
}

static int
extract(const struct playout *p, const json_t *typed,
    struct eip712_permit *out, const char **why)
{
	const json_t		*msg = json_object_get(typed, "message");
	const json_t		*g, *list;
	const char		*key;
	uint8_t			 m[32];
	size_t			 i;

	memset(out, 0, sizeof(*out));
	out->kind = p->kind;
	if (p->sub == NULL) {
		out->n = 1;
		if (eip712_verifying_contract(typed, out->grant[0].token) ==
		    -1)
			FAIL("token permit without verifyingContract");
		address(json_object_get(msg, "spender"),
		    out->grant[0].spender);
		if (p->kind == PERMIT_DAI) {
			/* allowed: unlimited, or a revocation */
			memset(m, json_is_true(json_object_get(msg,
			    "allowed")) ? 0xff : 0, sizeof(m));
			decimal(m, out->grant[0].amount);
		} else
			amount(json_object_get(msg, "value"),
			    out->grant[0].amount);
		return 1;
	}
	key = p->kind == PERMIT2_ALLOWANCE ? "details" : "permitted";
	list = json_object_get(msg, key);
	if (json_is_object(list))
		out->n = 1;
	else if ((out->n = json_array_size(list)) > PERMIT_MAX)
		FAIL("too many grants in a permit");
	for (i = 0; i < out->n; i++) {
		g = json_is_object(list) ? list : json_array_get(list, i);
		address(json_object_get(g, "token"), out->grant[i].token);
		address(json_object_get(msg, "spender"),
		    out->grant[i].spender);
		amount(json_object_get(g, "amount"), out->grant[i].amount);
	}
	return 1;
}

int
eip712_permit(const json_t *typed, struct eip712_permit *out,
    const char **why)
{
	const struct playout	*p;
	struct reg		*r;
	uint8_t			 d[32], s[32];
	size_t			 i;
	int			 named = 0, rv = 0;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		FAIL("out of memory");
	if (load(r, typed, d, s, why) == -1) {
		free(r);
		return -1;
	}
	for (i = 0; i < sizeof(playouts) / sizeof(playouts[0]); i++) {
		p = &playouts[i];
		if (strcmp(r->t[r->primary].name, p->primary) != 0)
			continue;
		named = 1;
		if (matches(r, p)) {
			rv = extract(p, typed, out, why);
			break;
		}
	}
	if (named && rv == 0) {
		*why = "a permit's type with an unknown layout";
		rv = -1;
	}
	free(r);
	return rv;
}
