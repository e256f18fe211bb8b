/*
 * The key slots by wallet id, so that a signature and each key loaded at
 * start cost the same with one wallet or a hundred thousand.
 *
 * An open-addressed table of slot numbers, linear probing, never more
 * than half full: a lookup is one SipHash of the id and, on average, a
 * little more than one comparison.  A hash table rather than a sorted
 * array: keys arrive at start in directory order and at run time in any
 * order, and a sorted array pays a move of half the array for each one
 * (the start quadratic again); a removal here moves a few cells, not
 * half of them.
 *
 * The table holds slot numbers only.  The ids it compares are those of
 * the slots themselves, in their guarded array, and its own cells live
 * in guarded memory too (sodium_allocarray, like the slots), so it needs
 * no call the signer's filter does not already allow.  SipHash is keyed
 * at random at each start: no choice of wallet ids can make the probe
 * runs long.  A removal shifts the rest of its run back (no tombstones),
 * so a table that has seen many removals is as fast as a new one.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "signer.h"

#define KEYTAB_MIN	16

_Static_assert(sizeof(((struct keytab *)0)->hkey) ==
    crypto_shorthash_KEYBYTES, "keytab: SipHash key");

static size_t
keytab_home(const struct keytab *t, const char *id)
{
	uint8_t		out[crypto_shorthash_BYTES];
	uint64_t	h;

	crypto_shorthash(out, (const uint8_t *)id, KS_ID_LEN, t->hkey);
	memcpy(&h, out, sizeof(h));
	return (size_t)h & t->mask;
}

/* Cells of n (a power of two), all empty; the old ones are kept. */
static uint32_t *
keytab_cells(size_t n)
{
	uint32_t	*c;

	if ((c = sodium_allocarray(n, sizeof(*c))) == NULL)
		return NULL;
	memset(c, 0, n * sizeof(*c));
	return c;
}

int
keytab_init(struct keytab *t, size_t ncells)
{
	size_t	n = KEYTAB_MIN;

	while (n < ncells)
		n *= 2;
	memset(t, 0, sizeof(*t));
	if ((t->cell = keytab_cells(n)) == NULL)
		return -1;
	t->mask = n - 1;
	randombytes_buf(t->hkey, sizeof(t->hkey));
	return 0;
}

void
keytab_free(struct keytab *t)
{
	sodium_free(t->cell);
	sodium_memzero(t, sizeof(*t));
}

/* The cell of the slot with this id, or the empty one it would take. */
static size_t
keytab_place(const struct keytab *t, const struct key_slot *slots,
    const char *id)
{
	size_t		i = keytab_home(t, id);
	uint32_t	c;

	while ((c = t->cell[i]) != 0 &&
	    memcmp(slots[c - 1].id, id, KS_ID_LEN) != 0)
		i = (i + 1) & t->mask;
	return i;
}

long
keytab_find(const struct keytab *t, const struct key_slot *slots,
    const char *id)
{
	uint32_t	c;

	c = t->cell[keytab_place(t, slots, id)];
	return c == 0 ? -1 : (long)c - 1;
}

/* Twice the cells, every entry placed again. */
static int
keytab_grow(struct keytab *t, const struct key_slot *slots)
{
	uint32_t	*old = t->cell, c;
	size_t		 i, n = (t->mask + 1) * 2, oldn = t->mask + 1;

	if (n > UINT32_MAX)
		return -1;
	if ((t->cell = keytab_cells(n)) == NULL) {
		t->cell = old;
		return -1;
	}
	t->mask = n - 1;
	for (i = 0; i < oldn; i++)
		if ((c = old[i]) != 0)
			t->cell[keytab_place(t, slots, slots[c - 1].id)] = c;
	sodium_free(old);
	return 0;
}

int
keytab_add(struct keytab *t, const struct key_slot *slots, size_t idx)
{
	size_t	i;

	if (idx >= UINT32_MAX - 1) {
		errno = ENOMEM;
		return -1;
	}
	i = keytab_place(t, slots, slots[idx].id);
	if (t->cell[i] != 0)
		return 1;
	/* At most half full: the probe runs stay short. */
	if ((t->n + 1) * 2 > t->mask + 1) {
		if (keytab_grow(t, slots) == -1) {
			errno = ENOMEM;
			return -1;
		}
		i = keytab_place(t, slots, slots[idx].id);
	}
	t->cell[i] = (uint32_t)idx + 1;
	t->n++;
	return 0;
}

void
keytab_del(struct keytab *t, const struct key_slot *slots, size_t idx)
{
	size_t		i, j, home;
	uint32_t	c;

	i = keytab_place(t, slots, slots[idx].id);
	if (t->cell[i] != idx + 1)
		return;
	t->cell[i] = 0;
	t->n--;
	/*
	 * Close the hole: each later entry of the run whose home is not
	 * between the hole and itself moves into the hole, which moves on
	 * to where it was.
	 */
	for (j = (i + 1) & t->mask; (c = t->cell[j]) != 0;
	    j = (j + 1) & t->mask) {
		home = keytab_home(t, slots[c - 1].id);
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->cell[i] = c;
			t->cell[j] = 0;
			i = j;
		}
	}
}
