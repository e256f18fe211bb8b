/*
 * A strict decoder of Solana wire transactions as a dApp hands them over
 * unsigned (web3.js serialize({requireAllSignatures: false}): a
 * compact-u16 signature count, that many 64-byte slots, the legacy
 * message), for sign-only.  Strict: canonical compact-u16 only, the
 * header's counts consistent with the keys, each key once, every index
 * in range, no program at index 0 (the fee payer), nothing after the
 * message, a signature count that is the header's.  A versioned (v0)
 * message is refused by name.  sol_tx_encode() writes what was decoded
 * back; the two agree byte for byte (the fuzz target checks it), so
 * what a policy judges is what is signed.  Pure: no I/O.
 */
#include <string.h>

#include "solana.h"

/* A canonical compact-u16 at *off: its value, or -1. */
static int
cu16(const uint8_t *b, size_t len, size_t *off)
{
	unsigned int	v = 0;
	int		i;

	for (i = 0; i < 3; i++) {
		if (*off >= len)
			return -1;
		v |= (unsigned int)(b[*off] & 0x7f) << (7 * i);
		if ((b[(*off)++] & 0x80) == 0) {
			/* no zero last byte after the first: overlong */
			if (i > 0 && b[*off - 1] == 0)
				return -1;
			return v > 0xffff ? -1 : (int)v;
		}
	}
	return -1;
}

int
sol_tx_decode(const uint8_t *b, size_t len, struct sol_tx *tx,
    const char **why)
{
	size_t	off = 0, i, j;
	int	n;

	memset(tx, 0, sizeof(*tx));
	*why = "malformed transaction";
	if (len > SOL_TX_MAX) {
		*why = "longer than a packet (1232 bytes)";
		return -1;
	}
	if ((n = cu16(b, len, &off)) < 1 || n > SOL_MAX_SIGS)
		return -1;
	tx->nsigs = (size_t)n;
	if (len - off < tx->nsigs * 64)
		return -1;
	tx->sigs = b + off;
	off += tx->nsigs * 64;
	tx->msg = b + off;
	if (off + 3 > len)
		return -1;
	if (b[off] & 0x80) {
		*why = "a versioned (v0) message: only legacy messages";
		return -1;
	}
	tx->nreq = b[off];
	tx->nro_signed = b[off + 1];
	tx->nro_unsigned = b[off + 2];
	off += 3;
	if ((n = cu16(b, len, &off)) < 1 || n > SOL_MAX_KEYS)
		return -1;
	tx->nkeys = (size_t)n;
	if (tx->nreq == 0 || tx->nreq != tx->nsigs ||
	    tx->nro_signed >= tx->nreq ||
	    (size_t)tx->nreq + tx->nro_unsigned > tx->nkeys) {
		*why = "message header does not match its keys or signatures";
		return -1;
	}
	if (len - off < tx->nkeys * SOL_KEY_LEN + 32)
		return -1;
	for (i = 0; i < tx->nkeys; i++) {
		memcpy(tx->keys[i], b + off, SOL_KEY_LEN);
		off += SOL_KEY_LEN;
		for (j = 0; j < i; j++)
			if (memcmp(tx->keys[i], tx->keys[j], SOL_KEY_LEN) ==
			    0) {
				*why = "an account key appears twice";
				return -1;
			}
	}
	memcpy(tx->blockhash, b + off, 32);
	off += 32;
	if ((n = cu16(b, len, &off)) < 0 || n > SOL_MAX_INSTR)
		return -1;
	tx->nix = (size_t)n;
	for (i = 0; i < tx->nix; i++) {
		struct sol_tx_ix	*ix = &tx->ix[i];

		if (off >= len)
			return -1;
		ix->program = b[off++];
		if (ix->program == 0 || ix->program >= tx->nkeys) {
			*why = "an instruction's program index is out of range";
			return -1;
		}
		if ((n = cu16(b, len, &off)) < 0 || n > SOL_MAX_IX_ACCTS ||
		    len - off < (size_t)n)
			return -1;
		ix->naccts = (size_t)n;
		for (j = 0; j < ix->naccts; j++) {
			ix->accts[j] = b[off++];
			if (ix->accts[j] >= tx->nkeys) {
				*why = "an instruction's account index is out "
				    "of range";
				return -1;
			}
		}
		if ((n = cu16(b, len, &off)) < 0 || n > SOL_MAX_IX_DATA ||
		    len - off < (size_t)n)
			return -1;
		ix->datalen = (size_t)n;
		ix->data = b + off;
		off += ix->datalen;
	}
	if (off != len) {
		*why = "bytes after the message";
		return -1;
	}
	tx->msglen = (size_t)(b + len - tx->msg);
	return 0;
}

int
sol_tx_is_signer(const struct sol_tx *tx, size_t k)
{
	return k < tx->nreq;
}

int
sol_tx_is_writable(const struct sol_tx *tx, size_t k)
{
	if (k < tx->nreq)
		return k < (size_t)(tx->nreq - tx->nro_signed);
	return k < tx->nkeys - tx->nro_unsigned;
}

/* The index of key among the required signers, or -1. */
int
sol_tx_signer_index(const struct sol_tx *tx, const uint8_t key[SOL_KEY_LEN])
{
	size_t	i;

	for (i = 0; i < tx->nreq && i < tx->nkeys; i++)
		if (memcmp(tx->keys[i], key, SOL_KEY_LEN) == 0)
			return (int)i;
	return -1;
}

static int
put(uint8_t *out, size_t max, size_t *off, const void *p, size_t n)
{
	if (max - *off < n)
		return -1;
	memcpy(out + *off, p, n);
	*off += n;
	return 0;
}

static int
put_cu16(uint8_t *out, size_t max, size_t *off, size_t v)
{
	uint8_t	c[3];

	if (v > 0xffff)
		return -1;
	return put(out, max, off, c, sol_compact_u16((uint16_t)v, c));
}

int
sol_tx_encode(const struct sol_tx *tx, uint8_t *out, size_t max)
{
	size_t	off = 0, i, j;
	uint8_t	h[3] = { tx->nreq, tx->nro_signed, tx->nro_unsigned };

	if (put_cu16(out, max, &off, tx->nsigs) == -1 ||
	    put(out, max, &off, tx->sigs, tx->nsigs * 64) == -1 ||
	    put(out, max, &off, h, 3) == -1 ||
	    put_cu16(out, max, &off, tx->nkeys) == -1)
		return -1;
	for (i = 0; i < tx->nkeys; i++)
		if (put(out, max, &off, tx->keys[i], SOL_KEY_LEN) == -1)
			return -1;
	if (put(out, max, &off, tx->blockhash, 32) == -1 ||
	    put_cu16(out, max, &off, tx->nix) == -1)
		return -1;
	for (i = 0; i < tx->nix; i++) {
		const struct sol_tx_ix	*ix = &tx->ix[i];

		if (put(out, max, &off, &ix->program, 1) == -1 ||
		    put_cu16(out, max, &off, ix->naccts) == -1)
			return -1;
		for (j = 0; j < ix->naccts; j++)
			if (put(out, max, &off, &ix->accts[j], 1) == -1)
				return -1;
		if (put_cu16(out, max, &off, ix->datalen) == -1 ||
		    (ix->datalen > 0 && put(out, max, &off, ix->data,
		    ix->datalen) == -1))
			return -1;
	}
	return (int)off;
}
