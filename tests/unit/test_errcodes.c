/*
 * common/errcodes.c against the reference's error table
 * (tests/vectors/error_codes.h, made from @waiaas/core by
 * tests/vectors/error_codes.js): every code of this daemon's table is
 * the reference's, with its HTTP status and retryable; the table has
 * no code twice; a hint is plain text a JSON string can hold as it is
 * (the api writes it without escaping).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "errcodes.h"
#include "../vectors/error_codes.h"

#define NREF	(sizeof(ref_errors) / sizeof(ref_errors[0]))

static void
every_code_is_the_references(void **state)
{
	size_t	i, j;

	(void)state;
	assert_true(errcodes_len > 30);
	assert_true(NREF > 100);
	for (i = 0; i < errcodes_len; i++) {
		for (j = 0; j < NREF; j++)
			if (strcmp(errcodes[i].code, ref_errors[j].code) == 0)
				break;
		if (j == NREF)
			fail_msg("%s is not in the reference's table",
			    errcodes[i].code);
		if (errcodes[i].status != ref_errors[j].status ||
		    errcodes[i].retryable != ref_errors[j].retryable)
			fail_msg("%s: %d retryable %d; the reference: %d, %d",
			    errcodes[i].code, errcodes[i].status,
			    errcodes[i].retryable, ref_errors[j].status,
			    ref_errors[j].retryable);
	}
}

static void
no_code_twice_and_found(void **state)
{
	size_t	i, j;

	(void)state;
	for (i = 0; i < errcodes_len; i++) {
		for (j = i + 1; j < errcodes_len; j++)
			assert_string_not_equal(errcodes[i].code,
			    errcodes[j].code);
		assert_ptr_equal(errcode_find(errcodes[i].code), &errcodes[i]);
	}
	assert_null(errcode_find("NO_SUCH_CODE"));
	assert_null(errcode_find(""));
}

static void
hints_are_plain(void **state)
{
	const char	*h;
	size_t		 i, n = 0;

	(void)state;
	for (i = 0; i < errcodes_len; i++) {
		if ((h = errcodes[i].hint) == NULL)
			continue;
		n++;
		assert_true(strlen(h) > 0 && strlen(h) < 300);
		for (; *h != '\0'; h++)
			assert_true(*h >= 0x20 && *h < 0x7f && *h != '"' &&
			    *h != '\\');
	}
	assert_true(n >= 1);	/* the single-use owner signature */
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(every_code_is_the_references),
		cmocka_unit_test(no_code_twice_and_found),
		cmocka_unit_test(hints_are_plain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
