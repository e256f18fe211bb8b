/*
 * Solana wire formats the signer builds itself.  Pure functions over
 * caller buffers: no allocation, no I/O, every length checked against
 * the fixed limits in solana.h before anything is written.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "base58.h"
#include "solana.h"
#include "utf8.h"

/* 11111111111111111111111111111111 */
const uint8_t sol_system_program[SOL_KEY_LEN] = { 0 };

/* TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA */
const uint8_t sol_token_program[SOL_KEY_LEN] = {
	0x06, 0xdd, 0xf6, 0xe1, 0xd7, 0x65, 0xa1, 0x93,
	0xd9, 0xcb, 0xe1, 0x46, 0xce, 0xeb, 0x79, 0xac,
	0x1c, 0xb4, 0x85, 0xed, 0x5f, 0x5b, 0x37, 0x91,
	0x3a, 0x8c, 0xf5, 0x85, 0x7e, 0xff, 0x00, 0xa9,
};

/* ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL */
const uint8_t sol_ata_program[SOL_KEY_LEN] = {
	0x8c, 0x97, 0x25, 0x8f, 0x4e, 0x24, 0x89, 0xf1,
	0xbb, 0x3d, 0x10, 0x29, 0x14, 0x8e, 0x0d, 0x83,
	0x0b, 0x5a, 0x13, 0x99, 0xda, 0xff, 0x10, 0x84,
	0x04, 0x8e, 0x7b, 0xd8, 0xdb, 0xe9, 0xf8, 0x59,
};

/* MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr: SPL Memo v2 and later */
const uint8_t sol_memo_program[SOL_KEY_LEN] = {
	0x05, 0x4a, 0x53, 0x5a, 0x99, 0x29, 0x21, 0x06,
	0x4d, 0x24, 0xe8, 0x71, 0x60, 0xda, 0x38, 0x7c,
	0x7c, 0x35, 0xb5, 0xdd, 0xbc, 0x92, 0xbb, 0x81,
	0xe4, 0x1f, 0xa8, 0x40, 0x41, 0x05, 0x44, 0x8d,
};

#define SOL_SIG_LEN		64
/* The room base58_encode asks for to encode a key (46 bytes). */
#define SOL_B58_KEY		(SOL_KEY_LEN * 138 / 100 + 2)
/* The runtime's MAX_SEEDS counts the bump, so callers get one less. */
#define SOL_MAX_SEEDS		16
#define SOL_MAX_SEED_LEN	32
/* solana-sdk offchain_message v0: PACKET_DATA_SIZE - 17 - 3. */
#define SOL_OFFCHAIN_MAX	1212

static const char sol_pda_marker[] = "ProgramDerivedAddress";
static const uint8_t sol_offchain_domain[16] = {
	0xff, 's', 'o', 'l', 'a', 'n', 'a', ' ',
	'o', 'f', 'f', 'c', 'h', 'a', 'i', 'n',
};

size_t
sol_compact_u16(uint16_t v, uint8_t out[3])
{
	size_t	n = 0;

	for (;;) {
		if (v < 0x80) {
			out[n++] = (uint8_t)v;
			return n;
		}
		out[n++] = (uint8_t)((v & 0x7f) | 0x80);
		v >>= 7;
	}
}

static size_t
cu16_len(size_t v)
{
	return v < 0x80 ? 1 : v < 0x4000 ? 2 : 3;
}

static uint8_t *
put_cu16(uint8_t *p, size_t v)
{
	return p + sol_compact_u16((uint16_t)v, p);
}

/* One account of the message being compiled. */
struct sol_key {
	uint8_t	pk[SOL_KEY_LEN];
	int	signer;
	int	writable;
	char	b58[SOL_B58_KEY];
};

/* Collation weight of a base58 digit: digits, then letters caselessly. */
static int
b58_primary(char c)
{
	if (c >= '1' && c <= '9')
		return c - '1';
	if (c >= 'a' && c <= 'z')
		return 9 + (c - 'a');
	return 9 + (c - 'A');
}

/*
 * web3.js@1 orders keys of one kind by
 * a.localeCompare(b, 'en', { sensitivity: 'variant', caseFirst: 'lower' })
 * of their base58 text, not by bytes.  Over the base58 alphabet that ICU
 * collation is: compare digit-then-letter order ignoring case, shorter
 * first on a common prefix, and only then the first case difference,
 * lower case first.  Matching it keeps our messages byte-identical to
 * what web3.js builds; the runtime accepts any order inside a group.
 */
static int
b58_collate(const char *x, const char *y)
{
	size_t	i, lx = strlen(x), ly = strlen(y), n = lx < ly ? lx : ly;
	int	a, b;

	for (i = 0; i < n; i++) {
		a = b58_primary(x[i]);
		b = b58_primary(y[i]);
		if (a != b)
			return a < b ? -1 : 1;
	}
	if (lx != ly)
		return lx < ly ? -1 : 1;
	for (i = 0; i < n; i++) {
		a = x[i] >= 'A' && x[i] <= 'Z';
		b = y[i] >= 'A' && y[i] <= 'Z';
		if (a != b)
			return a < b ? -1 : 1;
	}
	return 0;
}

/* Signers first, writable first within each, then the collation above. */
static int
key_cmp(const struct sol_key *x, const struct sol_key *y)
{
	if (x->signer != y->signer)
		return x->signer ? -1 : 1;
	if (x->writable != y->writable)
		return x->writable ? -1 : 1;
	return b58_collate(x->b58, y->b58);
}

/* Add a key or OR its flags into the one already there; -1 when full. */
static int
keys_add(struct sol_key *keys, size_t *nkeys, const uint8_t *pk, int signer,
    int writable)
{
	size_t	i;

	for (i = 0; i < *nkeys; i++)
		if (memcmp(keys[i].pk, pk, SOL_KEY_LEN) == 0) {
			keys[i].signer |= signer != 0;
			keys[i].writable |= writable != 0;
			return 0;
		}
	if (*nkeys >= SOL_MAX_KEYS)
		return -1;
	memcpy(keys[i].pk, pk, SOL_KEY_LEN);
	keys[i].signer = signer != 0;
	keys[i].writable = writable != 0;
	(*nkeys)++;
	return 0;
}

static size_t
keys_index(const struct sol_key *keys, size_t nkeys, const uint8_t *pk)
{
	size_t	i;

	for (i = 0; i < nkeys; i++)
		if (memcmp(keys[i].pk, pk, SOL_KEY_LEN) == 0)
			break;
	return i;
}

int
sol_message(const uint8_t payer[SOL_KEY_LEN], const struct sol_ix *ix,
    size_t nix, const uint8_t blockhash[32], uint8_t *out, size_t outlen)
{
	struct sol_key	 keys[SOL_MAX_KEYS], tmp;
	size_t		 nkeys = 0, nsig = 0, rosig = 0, rounsig = 0;
	size_t		 i, j, len, txlen;
	uint8_t		*p;

	/* A message without instructions would only burn the fee. */
	if (payer == NULL || ix == NULL || blockhash == NULL || out == NULL ||
	    nix == 0 || nix > SOL_MAX_INSTR)
		return -1;
	for (i = 0; i < nix; i++)
		if (ix[i].naccts > SOL_MAX_IX_ACCTS ||
		    ix[i].datalen > SOL_MAX_IX_DATA ||
		    (ix[i].datalen > 0 && ix[i].data == NULL))
			return -1;

	/*
	 * The fee payer leads as a writable signer whatever the instructions
	 * say of it; the rest is sorted, as web3.js's compileMessage does.
	 */
	if (keys_add(keys, &nkeys, payer, 1, 1) == -1)
		return -1;
	for (i = 0; i < nix; i++)
		for (j = 0; j < ix[i].naccts; j++)
			if (keys_add(keys, &nkeys, ix[i].accts[j].pubkey,
			    ix[i].accts[j].is_signer,
			    ix[i].accts[j].is_writable) == -1)
				return -1;
	for (i = 0; i < nix; i++)
		if (keys_add(keys, &nkeys, ix[i].program, 0, 0) == -1)
			return -1;
	keys[0].signer = keys[0].writable = 1;
	for (i = 1; i < nkeys; i++)
		if (base58_encode(keys[i].pk, SOL_KEY_LEN, keys[i].b58,
		    sizeof(keys[i].b58)) == 0)
			return -1;
	/* Insertion sort: at most SOL_MAX_KEYS entries. */
	for (i = 2; i < nkeys; i++) {
		tmp = keys[i];
		for (j = i; j > 1 && key_cmp(&tmp, &keys[j - 1]) < 0; j--)
			keys[j] = keys[j - 1];
		keys[j] = tmp;
	}
	for (i = 0; i < nkeys; i++) {
		if (keys[i].signer) {
			nsig++;
			rosig += !keys[i].writable;
		} else
			rounsig += !keys[i].writable;
	}

	len = 3 + cu16_len(nkeys) + nkeys * SOL_KEY_LEN + 32 + cu16_len(nix);
	for (i = 0; i < nix; i++)
		len += 1 + cu16_len(ix[i].naccts) + ix[i].naccts +
		    cu16_len(ix[i].datalen) + ix[i].datalen;
	/* Refuse what could not be sent once signed. */
	txlen = cu16_len(nsig) + nsig * SOL_SIG_LEN + len;
	if (txlen > SOL_TX_MAX || len > outlen)
		return -1;

	p = out;
	*p++ = (uint8_t)nsig;
	*p++ = (uint8_t)rosig;
	*p++ = (uint8_t)rounsig;
	p = put_cu16(p, nkeys);
	for (i = 0; i < nkeys; i++) {
		memcpy(p, keys[i].pk, SOL_KEY_LEN);
		p += SOL_KEY_LEN;
	}
	memcpy(p, blockhash, 32);
	p += 32;
	p = put_cu16(p, nix);
	for (i = 0; i < nix; i++) {
		*p++ = (uint8_t)keys_index(keys, nkeys, ix[i].program);
		p = put_cu16(p, ix[i].naccts);
		for (j = 0; j < ix[i].naccts; j++)
			*p++ = (uint8_t)keys_index(keys, nkeys,
			    ix[i].accts[j].pubkey);
		p = put_cu16(p, ix[i].datalen);
		if (ix[i].datalen > 0)
			memcpy(p, ix[i].data, ix[i].datalen);
		p += ix[i].datalen;
	}
	if ((size_t)(p - out) != len)
		return -1;
	return (int)len;
}

int
sol_transaction(const uint8_t (*sigs)[64], size_t nsig, const uint8_t *msg,
    size_t msglen, uint8_t *out, size_t outlen)
{
	size_t	 need, i;
	uint8_t	*p;

	if (sigs == NULL || msg == NULL || out == NULL || nsig == 0 ||
	    nsig > SOL_MAX_KEYS || msglen < 3)
		return -1;
	/*
	 * The count must be the one the message header asks for (byte 0 of
	 * a legacy message, byte 1 after a version prefix), or the runtime
	 * rejects the transaction.
	 */
	if ((msg[0] & 0x80) ? msg[1] != nsig : msg[0] != nsig)
		return -1;
	need = cu16_len(nsig) + nsig * SOL_SIG_LEN + msglen;
	if (need > SOL_TX_MAX || need > outlen)
		return -1;
	p = put_cu16(out, nsig);
	for (i = 0; i < nsig; i++) {
		memcpy(p, sigs[i], SOL_SIG_LEN);
		p += SOL_SIG_LEN;
	}
	memcpy(p, msg, msglen);
	return (int)need;
}

static void
put_le64(uint8_t *p, uint64_t v)
{
	int	i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
ix_acct(struct sol_ix *ix, const uint8_t pk[SOL_KEY_LEN], int signer,
    int writable)
{
	struct sol_meta	*m = &ix->accts[ix->naccts++];

	memcpy(m->pubkey, pk, SOL_KEY_LEN);
	m->is_signer = signer;
	m->is_writable = writable;
}

void
sol_ix_transfer(struct sol_ix *ix, const uint8_t from[SOL_KEY_LEN],
    const uint8_t to[SOL_KEY_LEN], uint64_t lamports, uint8_t data[12])
{
	memset(ix, 0, sizeof(*ix));
	memcpy(ix->program, sol_system_program, SOL_KEY_LEN);
	ix_acct(ix, from, 1, 1);
	ix_acct(ix, to, 0, 1);
	/* SystemInstruction::Transfer: u32 index 2, u64 lamports. */
	data[0] = 2;
	data[1] = data[2] = data[3] = 0;
	put_le64(data + 4, lamports);
	ix->data = data;
	ix->datalen = 12;
}

void
sol_ix_transfer_checked(struct sol_ix *ix, const uint8_t src[SOL_KEY_LEN],
    const uint8_t mint[SOL_KEY_LEN], const uint8_t dst[SOL_KEY_LEN],
    const uint8_t owner[SOL_KEY_LEN], uint64_t amount, uint8_t decimals,
    uint8_t data[10])
{
	memset(ix, 0, sizeof(*ix));
	memcpy(ix->program, sol_token_program, SOL_KEY_LEN);
	ix_acct(ix, src, 0, 1);
	ix_acct(ix, mint, 0, 0);
	ix_acct(ix, dst, 0, 1);
	ix_acct(ix, owner, 1, 0);
	/* TokenInstruction::TransferChecked: tag 12, u64 amount, decimals. */
	data[0] = 12;
	put_le64(data + 1, amount);
	data[9] = decimals;
	ix->data = data;
	ix->datalen = 10;
}

void
sol_ix_create_ata(struct sol_ix *ix, const uint8_t payer[SOL_KEY_LEN],
    const uint8_t ata[SOL_KEY_LEN], const uint8_t owner[SOL_KEY_LEN],
    const uint8_t mint[SOL_KEY_LEN], uint8_t data[1])
{
	memset(ix, 0, sizeof(*ix));
	memcpy(ix->program, sol_ata_program, SOL_KEY_LEN);
	ix_acct(ix, payer, 1, 1);
	ix_acct(ix, ata, 0, 1);
	ix_acct(ix, owner, 0, 0);
	ix_acct(ix, mint, 0, 0);
	ix_acct(ix, sol_system_program, 0, 0);
	ix_acct(ix, sol_token_program, 0, 0);
	/* CreateIdempotent: succeeds when the account already exists. */
	data[0] = 1;
	ix->data = data;
	ix->datalen = 1;
}

/*
 * Memo program: the data is the memo (UTF-8, which the program checks)
 * and no accounts, so it signs nothing but the transaction it is in.
 */
void
sol_ix_memo(struct sol_ix *ix, const uint8_t *memo, size_t len)
{
	memset(ix, 0, sizeof(*ix));
	memcpy(ix->program, sol_memo_program, SOL_KEY_LEN);
	ix->data = memo;
	ix->datalen = len;
}

int
sol_typed_ixs(struct sol_typed *t, const uint8_t payer[SOL_KEY_LEN],
    struct sol_ix ix[3])
{
	int	n = 0;

	if (t->memolen > 0 && t->memo == NULL)
		return -1;
	switch (t->kind) {
	case SOL_TYPED_TRANSFER:
		if (t->create_ata || t->to_account)
			return -1;
		sol_ix_transfer(&ix[n++], payer, t->to, t->amount, t->d_main);
		break;
	case SOL_TYPED_TOKEN:
		if ((t->create_ata && t->to_account) ||
		    sol_ata(payer, t->mint, sol_token_program, t->src) == -1)
			return -1;
		if (t->to_account)
			memcpy(t->dst, t->to, SOL_KEY_LEN);
		else if (sol_ata(t->to, t->mint, sol_token_program, t->dst) ==
		    -1)
			return -1;
		if (t->create_ata)
			sol_ix_create_ata(&ix[n++], payer, t->dst, t->to,
			    t->mint, t->d_create);
		sol_ix_transfer_checked(&ix[n++], t->src, t->mint, t->dst,
		    payer, t->amount, t->decimals, t->d_main);
		break;
	default:
		return -1;
	}
	if (t->memolen > 0)
		sol_ix_memo(&ix[n++], t->memo, t->memolen);
	return n;
}

/*
 * Arithmetic mod p = 2^255 - 19 in five 51-bit limbs, just enough for the
 * curve test.  Nothing here handles secrets, so none of it tries to be
 * constant-time.
 */
struct fe {
	uint64_t	v[5];
};

typedef unsigned __int128	u128;

#define FE_MASK		((UINT64_C(1) << 51) - 1)

static uint64_t
load64(const uint8_t *p)
{
	uint64_t	r = 0;
	int		i;

	for (i = 7; i >= 0; i--)
		r = (r << 8) | p[i];
	return r;
}

/* Like dalek's from_bytes: bit 255 ignored, values >= p accepted. */
static void
fe_frombytes(struct fe *h, const uint8_t s[32])
{
	h->v[0] = load64(s) & FE_MASK;
	h->v[1] = (load64(s + 6) >> 3) & FE_MASK;
	h->v[2] = (load64(s + 12) >> 6) & FE_MASK;
	h->v[3] = (load64(s + 19) >> 1) & FE_MASK;
	h->v[4] = (load64(s + 24) >> 12) & FE_MASK;
}

/* Bring every limb below 2^51 (plus a little in limb 0). */
static void
fe_carry(struct fe *h)
{
	uint64_t	c;
	int		i;

	for (i = 0; i < 4; i++) {
		c = h->v[i] >> 51;
		h->v[i] &= FE_MASK;
		h->v[i + 1] += c;
	}
	c = h->v[4] >> 51;
	h->v[4] &= FE_MASK;
	h->v[0] += c * 19;
	c = h->v[0] >> 51;
	h->v[0] &= FE_MASK;
	h->v[1] += c;
}

static void
fe_add(struct fe *h, const struct fe *a, const struct fe *b)
{
	int	i;

	for (i = 0; i < 5; i++)
		h->v[i] = a->v[i] + b->v[i];
	fe_carry(h);
}

/* a - b as a + 2p - b; both inputs carried, so no limb goes negative. */
static void
fe_sub(struct fe *h, const struct fe *a, const struct fe *b)
{
	h->v[0] = a->v[0] + UINT64_C(0xfffffffffffda) - b->v[0];
	h->v[1] = a->v[1] + UINT64_C(0xffffffffffffe) - b->v[1];
	h->v[2] = a->v[2] + UINT64_C(0xffffffffffffe) - b->v[2];
	h->v[3] = a->v[3] + UINT64_C(0xffffffffffffe) - b->v[3];
	h->v[4] = a->v[4] + UINT64_C(0xffffffffffffe) - b->v[4];
	fe_carry(h);
}

static void
fe_mul(struct fe *h, const struct fe *f, const struct fe *g)
{
	const uint64_t	*a = f->v, *b = g->v;
	u128		 r[5];
	uint64_t	 c;
	int		 i;

	r[0] = (u128)a[0] * b[0] + (u128)19 * ((u128)a[1] * b[4] +
	    (u128)a[2] * b[3] + (u128)a[3] * b[2] + (u128)a[4] * b[1]);
	r[1] = (u128)a[0] * b[1] + (u128)a[1] * b[0] + (u128)19 *
	    ((u128)a[2] * b[4] + (u128)a[3] * b[3] + (u128)a[4] * b[2]);
	r[2] = (u128)a[0] * b[2] + (u128)a[1] * b[1] + (u128)a[2] * b[0] +
	    (u128)19 * ((u128)a[3] * b[4] + (u128)a[4] * b[3]);
	r[3] = (u128)a[0] * b[3] + (u128)a[1] * b[2] + (u128)a[2] * b[1] +
	    (u128)a[3] * b[0] + (u128)19 * ((u128)a[4] * b[4]);
	r[4] = (u128)a[0] * b[4] + (u128)a[1] * b[3] + (u128)a[2] * b[2] +
	    (u128)a[3] * b[1] + (u128)a[4] * b[0];
	for (i = 0; i < 4; i++) {
		r[i + 1] += r[i] >> 51;
		h->v[i] = (uint64_t)r[i] & FE_MASK;
	}
	c = (uint64_t)(r[4] >> 51);
	h->v[4] = (uint64_t)r[4] & FE_MASK;
	h->v[0] += c * 19;
	c = h->v[0] >> 51;
	h->v[0] &= FE_MASK;
	h->v[1] += c;
}

/* The unique representative in [0, p), in limbs. */
static void
fe_canon(struct fe *h)
{
	uint64_t	q;
	int		i;

	fe_carry(h);
	fe_carry(h);
	/* q = 1 iff h >= p, i.e. iff h + 19 reaches 2^255. */
	q = (h->v[0] + 19) >> 51;
	for (i = 1; i < 5; i++)
		q = (h->v[i] + q) >> 51;
	h->v[0] += 19 * q;
	for (i = 0; i < 4; i++) {
		h->v[i + 1] += h->v[i] >> 51;
		h->v[i] &= FE_MASK;
	}
	h->v[4] &= FE_MASK;
}

/* Legendre symbol by Euler: z^((p-1)/2), exponent 2^254 - 10. */
static void
fe_legendre(struct fe *r, const struct fe *z)
{
	/* (p - 1) / 2, little-endian. */
	static const uint8_t	e[32] = {
		0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f,
	};
	struct fe		acc = { { 1, 0, 0, 0, 0 } };
	int			bit;

	for (bit = 253; bit >= 0; bit--) {
		fe_mul(&acc, &acc, &acc);
		if ((e[bit / 8] >> (bit % 8)) & 1)
			fe_mul(&acc, &acc, z);
	}
	*r = acc;
}

/*
 * curve25519-dalek's CompressedEdwardsY::decompress, which the runtime
 * uses for create_program_address: y from the low 255 bits (reduced mod
 * p), then x^2 = (y^2 - 1) / (d y^2 + 1) must be a square (0 counts).
 * The sign bit plays no part, so neither x = 0 with the sign set nor a
 * non-canonical y is refused.  d y^2 + 1 is never 0 (-1/d is not a
 * square), so u / v is a square exactly when u v is.
 * Not libsodium's crypto_core_ed25519_is_valid_point, which also wants
 * the prime-order subgroup and would call most on-curve keys invalid.
 */
int
sol_is_on_curve(const uint8_t b[SOL_KEY_LEN])
{
	static const uint8_t	d_bytes[32] = {
		0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75,
		0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
		0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c,
		0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52,
	};
	const struct fe		one = { { 1, 0, 0, 0, 0 } };
	struct fe		y, d, yy, u, v, uv, chi;
	int			i, rest;

	fe_frombytes(&y, b);
	fe_frombytes(&d, d_bytes);
	fe_mul(&yy, &y, &y);
	fe_sub(&u, &yy, &one);
	fe_mul(&v, &d, &yy);
	fe_add(&v, &v, &one);
	fe_mul(&uv, &u, &v);
	fe_legendre(&chi, &uv);
	fe_canon(&chi);
	for (rest = 0, i = 1; i < 5; i++)
		rest |= chi.v[i] != 0;
	return !rest && (chi.v[0] == 0 || chi.v[0] == 1);
}

int
sol_find_pda(const uint8_t *const *seeds, const size_t *seedlens,
    size_t nseeds, const uint8_t program[SOL_KEY_LEN],
    uint8_t out[SOL_KEY_LEN], uint8_t *bump)
{
	crypto_hash_sha256_state	st;
	uint8_t				h[crypto_hash_sha256_BYTES], b;
	size_t				i;
	int				n;

	if (program == NULL || out == NULL || bump == NULL ||
	    nseeds > SOL_MAX_SEEDS - 1 ||
	    (nseeds > 0 && (seeds == NULL || seedlens == NULL)))
		return -1;
	for (i = 0; i < nseeds; i++)
		if (seedlens[i] > SOL_MAX_SEED_LEN ||
		    (seedlens[i] > 0 && seeds[i] == NULL))
			return -1;
	/* Bumps 255 down to 1, as find_program_address tries them. */
	for (n = 255; n > 0; n--) {
		b = (uint8_t)n;
		crypto_hash_sha256_init(&st);
		for (i = 0; i < nseeds; i++)
			crypto_hash_sha256_update(&st, seeds[i], seedlens[i]);
		crypto_hash_sha256_update(&st, &b, 1);
		crypto_hash_sha256_update(&st, program, SOL_KEY_LEN);
		crypto_hash_sha256_update(&st, (const uint8_t *)sol_pda_marker,
		    sizeof(sol_pda_marker) - 1);
		crypto_hash_sha256_final(&st, h);
		/* An address on the curve could have a private key. */
		if (!sol_is_on_curve(h)) {
			memcpy(out, h, SOL_KEY_LEN);
			*bump = b;
			return 0;
		}
	}
	return -1;
}

/*
 * Arguments: owner, mint, token program (Token or Token-2022), result.
 * The seeds are in the ATA program's order: owner, token program, mint.
 */
int
sol_ata(const uint8_t owner[SOL_KEY_LEN], const uint8_t mint[SOL_KEY_LEN],
    const uint8_t token_program[SOL_KEY_LEN], uint8_t out[SOL_KEY_LEN])
{
	const uint8_t	*seeds[3];
	const size_t	 lens[3] = { SOL_KEY_LEN, SOL_KEY_LEN, SOL_KEY_LEN };
	uint8_t		 bump;

	if (owner == NULL || mint == NULL || token_program == NULL)
		return -1;
	seeds[0] = owner;
	seeds[1] = token_program;
	seeds[2] = mint;
	return sol_find_pda(seeds, lens, 3, sol_ata_program, out, &bump);
}

/*
 * The solana-sdk OffchainMessage version 0 layout (solana-sdk up to 2.x,
 * the one `solana sign-offchain-message` and Ledger's app sign):
 * "\xffsolana offchain", version 0, format, u16 LE length, body.  Format
 * 0 is restricted ASCII (every byte 0x20-0x7e), 1 limited UTF-8; both
 * hold at most 1212 bytes so the whole fits a packet.  Format 2 (longer
 * UTF-8) is refused: hardware wallets cannot show it.
 */
int
sol_offchain_message(const uint8_t *msg, size_t len, uint8_t *out,
    size_t outlen)
{
	size_t	i, need;
	int	ascii = 1;

	if (msg == NULL || out == NULL || len == 0 || len > SOL_OFFCHAIN_MAX)
		return -1;
	for (i = 0; i < len; i++)
		if (msg[i] < 0x20 || msg[i] > 0x7e) {
			ascii = 0;
			break;
		}
	if (!ascii && !utf8_valid(msg, len))
		return -1;
	need = sizeof(sol_offchain_domain) + 1 + 1 + 2 + len;
	if (need > outlen)
		return -1;
	memcpy(out, sol_offchain_domain, sizeof(sol_offchain_domain));
	i = sizeof(sol_offchain_domain);
	out[i++] = 0;			/* version */
	out[i++] = ascii ? 0 : 1;	/* format */
	out[i++] = (uint8_t)(len & 0xff);
	out[i++] = (uint8_t)(len >> 8);
	memcpy(out + i, msg, len);
	return (int)need;
}
