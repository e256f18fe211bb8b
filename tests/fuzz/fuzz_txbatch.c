/*
 * libFuzzer target for common/txbatch.c: a BATCH's instructions as a
 * client sends them.  The input is JSON (an array of instructions, or a
 * body with "instructions").  An accepted array holds 2 to 20
 * instructions, each typed by batch_ix_type with a name of its type; a
 * refusal says why, and names an instruction within the array (or the
 * array) and, if a field, one the instruction has or must have.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "txbatch.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define BODY_MAX	65536

static void
one(json_t *ins)
{
	const char	*field, *why = NULL, *name;
	json_t		*e;
	size_t		 i;
	int		 index, t;

	if (batch_check(ins, &index, &field, &why) == 0) {
		if (!json_is_array(ins) || json_array_size(ins) < BATCH_MIN ||
		    json_array_size(ins) > BATCH_MAX)
			abort();
		json_array_foreach(ins, i, e) {
			why = NULL;
			t = batch_ix_type(e, &name, &why);
			if (t < BIX_TRANSFER || t > BIX_APPROVE ||
			    name == NULL)
				abort();
		}
		return;
	}
	if (why == NULL || index < -1 || (index >= 0 &&
	    (size_t)index >= json_array_size(ins)))
		abort();
	if (index == -1 && field != NULL)
		abort();
	/* a field named: one the instruction has, or a required one */
	if (field != NULL && json_object_get(json_array_get(ins,
	    (size_t)index), field) == NULL && strcmp(field, "amount") != 0 &&
	    strcmp(field, "to") != 0 && strcmp(field, "spender") != 0 &&
	    strcmp(field, "token") != 0 && strcmp(field, "programId") != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t		*j;

	if (size > BODY_MAX)
		return 0;
	j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (j == NULL)
		return 0;
	if (json_is_object(j) && json_object_get(j, "instructions") != NULL)
		one(json_object_get(j, "instructions"));
	else
		one(j);
	json_decref(j);
	return 0;
}
