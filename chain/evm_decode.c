/*
 * Decoding what a dApp hands over to be signed: strict, bounded RLP
 * (the inverse of chain/rlp.c) and unsigned EVM transactions (the
 * inverse of evm_tx_encode).  Pure functions over the caller's bytes; not
 * linked into the signer, which only encodes.
 */
#include <stdint.h>
#include <string.h>

#include "evm.h"

#define nitems_dec(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- RLP ---- */

/*
 * The first item of (b, n): its payload, whether it is a list, and the
 * bytes it takes.  Strict: only the shortest encoding of a length is
 * accepted (a single byte below 0x80 as itself, the long form only above
 * 55 bytes, no leading zero in a length), so one value has one encoding
 * and what is decoded re-encodes to the same bytes.  Nothing is read
 * past b + n.
 */
int
rlp_next(const uint8_t *b, size_t n, struct rlp_item *it, size_t *used)
{
	size_t	hl, len, k, i;
	uint8_t	c;

	if (b == NULL || n == 0)
		return -1;
	c = b[0];
	if (c < 0x80) {
		it->p = b;
		it->len = 1;
		it->list = 0;
		*used = 1;
		return 0;
	}
	it->list = c >= 0xc0;
	c = (uint8_t)(c - (it->list ? 0xc0 : 0x80));
	if (c <= 55) {
		hl = 1;
		len = c;
	} else {
		k = c - 55;		/* 1..8 length bytes */
		if (k > sizeof(size_t) || n - 1 < k || b[1] == 0)
			return -1;
		for (len = 0, i = 0; i < k; i++)
			len = len << 8 | b[1 + i];
		if (len <= 55)
			return -1;
		hl = 1 + k;
	}
	if (len > n - hl)
		return -1;
	/* 0x81 0x00 .. 0x81 0x7f: a byte that is its own encoding. */
	if (!it->list && len == 1 && b[hl] < 0x80)
		return -1;
	it->p = b + hl;
	it->len = len;
	*used = hl + len;
	return 0;
}

/*
 * The items of a list's payload, at most max of them: their number, or
 * -1 if one is malformed, there are more than max, or bytes are left.
 */
int
rlp_items(const uint8_t *p, size_t n, struct rlp_item *it, size_t max)
{
	size_t	k = 0, used;

	while (n > 0) {
		if (k == max || rlp_next(p, n, &it[k], &used) == -1)
			return -1;
		p += used;
		n -= used;
		k++;
	}
	return (int)k;
}

/* ---- decoding an unsigned transaction ---- */

/* A canonical integer of at most max bytes, into 32 big-endian bytes. */
static int
get_uint(const struct rlp_item *it, size_t max, uint8_t out[32])
{
	if (it->list || it->len > max || (it->len > 0 && it->p[0] == 0))
		return -1;
	memset(out, 0, 32);
	if (it->len > 0)
		memcpy(out + 32 - it->len, it->p, it->len);
	return 0;
}

static int
get_u64(const struct rlp_item *it, uint64_t *v)
{
	uint8_t	b[32];
	size_t	i;

	if (get_uint(it, 8, b) == -1)
		return -1;
	for (*v = 0, i = 24; i < 32; i++)
		*v = *v << 8 | b[i];
	return 0;
}

/* gas, to, value, data from it[0..3]: the same run in both types. */
static int
get_common(const struct rlp_item *it, struct evm_tx *tx, const char **why)
{
	*why = "gas, value or data is not a canonical RLP integer or string";
	if (get_u64(&it[0], &tx->gas_limit) == -1 || it[1].list ||
	    get_uint(&it[2], 32, tx->value) == -1 || it[3].list)
		return -1;
	if (it[1].len == 0) {
		*why = "a contract creation (no to): not signed here; "
		    "deploy with a send of type CONTRACT_DEPLOY";
		return -1;
	}
	if (it[1].len != 20) {
		*why = "to is not a 20-byte address";
		return -1;
	}
	memcpy(tx->to, it[1].p, 20);
	if (it[3].len > EVM_DATA_MAX) {
		*why = "data is longer than 128 KiB";
		return -1;
	}
	tx->data = it[3].len > 0 ? it[3].p : NULL;
	tx->datalen = it[3].len;
	return 0;
}

int
evm_tx_decode(const uint8_t *b, size_t n, struct evm_tx *tx,
    const char **why)
{
	struct rlp_item	 top, it[16];
	const uint8_t	*p = b;
	size_t		 used;
	int		 k;

	memset(tx, 0, sizeof(*tx));
	*why = "not RLP: a list, or 0x02 and a list, with nothing after it";
	if (b == NULL || n == 0 || n > EVM_TX_MAX)
		return -1;
	if (b[0] == EVM_TX_1559) {
		tx->type = EVM_TX_1559;
		p++;
		n--;
	} else if (b[0] < 0xc0) {
		*why = "an unsupported transaction type (legacy EIP-155 or "
		    "EIP-1559 type 2 only)";
		return -1;
	}
	if (rlp_next(p, n, &top, &used) == -1 || !top.list || used != n)
		return -1;
	if ((k = rlp_items(top.p, top.len, it, nitems_dec(it))) == -1)
		return -1;
	if (tx->type == EVM_TX_LEGACY) {
		if (k != 9) {
			*why = k == 6 ? "a legacy transaction without an "
			    "EIP-155 chain id (replayable on any chain)" :
			    "a legacy transaction is 9 fields, unsigned "
			    "(chainId, 0, 0 last)";
			return -1;
		}
		if (get_u64(&it[0], &tx->nonce) == -1 ||
		    get_uint(&it[1], 32, tx->gas_price) == -1 ||
		    get_u64(&it[6], &tx->chain_id) == -1) {
			*why = "nonce, gasPrice or chainId is not a canonical "
			    "RLP integer";
			return -1;
		}
		if (get_common(&it[2], tx, why) == -1)
			return -1;
		if (it[7].list || it[7].len != 0 || it[8].list ||
		    it[8].len != 0) {
			*why = "a signed transaction: give it unsigned "
			    "(chainId, 0, 0 in place of v, r, s)";
			return -1;
		}
	} else {
		if (k != 9) {
			*why = "an EIP-1559 transaction is 9 fields, unsigned "
			    "(no yParity, r, s)";
			return -1;
		}
		if (get_u64(&it[0], &tx->chain_id) == -1 ||
		    get_u64(&it[1], &tx->nonce) == -1 ||
		    get_uint(&it[2], 32, tx->max_priority_fee) == -1 ||
		    get_uint(&it[3], 32, tx->max_fee) == -1) {
			*why = "chainId, nonce or a fee is not a canonical RLP "
			    "integer";
			return -1;
		}
		if (get_common(&it[4], tx, why) == -1)
			return -1;
		if (!it[8].list || it[8].len != 0) {
			*why = "an access list: not supported (give an empty "
			    "one)";
			return -1;
		}
	}
	if (evm_tx_check(tx) == -1) {
		*why = "chain id 0 or out of range";
		return -1;
	}
	return 0;
}
