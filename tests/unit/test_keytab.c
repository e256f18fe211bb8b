/*
 * signer/signer_keytab.c, the signer's key slots by wallet id: every id
 * added is found at its slot and only there, a second slot with an id
 * already in is refused, the table grows past its first size, and
 * removals (which move the rest of a probe run back) leave every other
 * id findable: long runs of random adds and removals against a plain
 * list that says what must be in, on a table small enough that runs
 * wrap around its end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "signer.h"

#define MANY	20000

static struct key_slot	*slots;

static void
make_id(struct key_slot *s, uint32_t n)
{
	char	id[KS_ID_LEN + 1];

	snprintf(id, sizeof(id), "%08x-0000-7000-8000-%012x", n,
	    n * 2654435761u);
	memcpy(s->id, id, sizeof(s->id));
}

static int
setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	if ((slots = calloc(MANY, sizeof(*slots))) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(slots);
	return 0;
}

static void
many_ids_each_at_its_slot(void **state)
{
	struct keytab	t;
	struct key_slot	other;
	size_t		i;

	(void)state;
	assert_int_equal(keytab_init(&t, 1), 0);
	for (i = 0; i < MANY; i++) {
		make_id(&slots[i], (uint32_t)i);
		assert_int_equal(keytab_add(&t, slots, i), 0);
	}
	assert_int_equal(t.n, MANY);
	/* Grown, and never more than half full. */
	assert_true(t.mask + 1 >= 2 * MANY);
	for (i = 0; i < MANY; i++)
		assert_int_equal(keytab_find(&t, slots, slots[i].id), (long)i);
	make_id(&other, MANY + 7);
	assert_int_equal(keytab_find(&t, slots, other.id), -1);
	/* The same id in another slot: refused, the first one kept. */
	memcpy(slots[1].id, slots[0].id, sizeof(slots[0].id));
	assert_int_equal(keytab_add(&t, slots, 1), 1);
	assert_int_equal(keytab_find(&t, slots, slots[0].id), 0);
	make_id(&slots[1], 1);
	for (i = 0; i < MANY; i += 2)
		keytab_del(&t, slots, i);
	assert_int_equal(t.n, MANY / 2);
	for (i = 0; i < MANY; i++)
		assert_int_equal(keytab_find(&t, slots, slots[i].id),
		    i % 2 ? (long)i : -1);
	/* Removing what is not in changes nothing. */
	keytab_del(&t, slots, 0);
	assert_int_equal(t.n, MANY / 2);
	for (i = 1; i < MANY; i += 2)
		keytab_del(&t, slots, i);
	assert_int_equal(t.n, 0);
	for (i = 0; i <= t.mask; i++)
		assert_int_equal(t.cell[i], 0);
	keytab_free(&t);
}

/*
 * Random adds and removals among nslot slots whose ids come from a
 * pool of nid (so an id goes away and comes back, at another slot),
 * each step checked against the list of what is in.
 */
static void
random_against_a_list(size_t nslot, uint32_t nid, size_t steps)
{
	struct keytab	t;
	uint8_t		in[64];
	size_t		i, k, n = 0;
	long		f;

	assert_true(nslot <= sizeof(in));
	memset(in, 0, sizeof(in));
	assert_int_equal(keytab_init(&t, 16), 0);
	for (k = 0; k < steps; k++) {
		i = randombytes_uniform((uint32_t)nslot);
		if (in[i]) {
			keytab_del(&t, slots, i);
			in[i] = 0;
			n--;
		} else {
			make_id(&slots[i], randombytes_uniform(nid));
			f = keytab_find(&t, slots, slots[i].id);
			if (f == -1) {
				assert_int_equal(keytab_add(&t, slots, i), 0);
				in[i] = 1;
				n++;
			} else {
				assert_true(in[f]);
				assert_int_equal(keytab_add(&t, slots, i), 1);
			}
		}
		assert_int_equal(t.n, n);
		for (i = 0; i < nslot; i++)
			if (in[i])
				assert_int_equal(keytab_find(&t, slots,
				    slots[i].id), (long)i);
	}
	if (nslot <= 8)
		assert_int_equal(t.mask, 15);
	keytab_free(&t);
}

static void
removals_in_a_small_table(void **state)
{
	(void)state;
	/* Eight at most in sixteen cells: runs wrap, no growth. */
	random_against_a_list(8, 12, 200000);
}

static void
removals_while_growing(void **state)
{
	(void)state;
	random_against_a_list(64, 96, 100000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(many_ids_each_at_its_slot),
		cmocka_unit_test(removals_in_a_small_table),
		cmocka_unit_test(removals_while_growing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
