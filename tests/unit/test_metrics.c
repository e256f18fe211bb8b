/*
 * common/metrics.c: histogram buckets (upper bounds inclusive, printed
 * cumulative, +Inf the count), the text buffer that never holds half a
 * line, label escaping, and the resident set read with pread(2) from a
 * statm descriptor opened once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "metrics.h"

static void
hist_buckets(void **state)
{
	struct metrics_hist	h;
	struct mbuf		b;
	char			buf[4096];

	(void)state;
	memset(&h, 0, sizeof(h));
	metrics_hist_add(&h, 0);		/* le 0.001 */
	metrics_hist_add(&h, 1000);		/* le 0.001: bound included */
	metrics_hist_add(&h, 1001);		/* le 0.005 */
	metrics_hist_add(&h, 10000000);		/* le 10 */
	metrics_hist_add(&h, 10000001);		/* +Inf only */
	assert_int_equal(h.count, 5);
	assert_int_equal(h.bucket[0], 2);
	assert_int_equal(h.bucket[1], 1);
	assert_int_equal(h.bucket[METRICS_BUCKETS - 1], 1);
	assert_int_equal(h.bucket[METRICS_BUCKETS], 1);
	mbuf_init(&b, buf, sizeof(buf));
	metrics_hist_print(&b, "x_seconds", "net=\"a\"", &h);
	assert_false(b.full);
	assert_non_null(strstr(buf, "x_seconds_bucket{net=\"a\",le=\"0.001\"}"
	    " 2\n"));
	assert_non_null(strstr(buf, "x_seconds_bucket{net=\"a\",le=\"0.005\"}"
	    " 3\n"));
	assert_non_null(strstr(buf, "x_seconds_bucket{net=\"a\",le=\"2.5\"}"
	    " 3\n"));
	assert_non_null(strstr(buf, "x_seconds_bucket{net=\"a\",le=\"10\"}"
	    " 4\n"));
	assert_non_null(strstr(buf, "x_seconds_bucket{net=\"a\",le=\"+Inf\"}"
	    " 5\n"));
	assert_non_null(strstr(buf, "x_seconds_sum{net=\"a\"} 20.002002\n"));
	assert_non_null(strstr(buf, "x_seconds_count{net=\"a\"} 5\n"));
	/* Without labels: no empty braces on sum and count. */
	mbuf_init(&b, buf, sizeof(buf));
	metrics_hist_print(&b, "y", "", &h);
	assert_non_null(strstr(buf, "y_bucket{le=\"+Inf\"} 5\n"));
	assert_non_null(strstr(buf, "\ny_sum 20.002002\ny_count 5\n"));
}

static void
buffer_whole_lines(void **state)
{
	struct mbuf	b;
	char		buf[16];

	(void)state;
	mbuf_init(&b, buf, sizeof(buf));
	mbuf_printf(&b, "a 1\n");
	mbuf_printf(&b, "bbbbbbbb 2\n");	/* 15 bytes, the NUL: full */
	assert_false(b.full);
	assert_int_equal(b.len, 15);
	mbuf_printf(&b, "c 3\n");
	assert_true(b.full);
	assert_int_equal(b.len, 15);
	assert_string_equal(buf, "a 1\nbbbbbbbb 2\n");
	mbuf_printf(&b, "\n");			/* nothing once full */
	assert_int_equal(b.len, 15);
	mbuf_init(&b, buf, sizeof(buf));
	mbuf_printf(&b, "a 1\n");
	mbuf_printf(&b, "this line is far too long\n");
	assert_true(b.full);
	assert_string_equal(buf, "a 1\n");
}

static void
label_escape(void **state)
{
	char	out[32];

	(void)state;
	assert_string_equal(metrics_label(out, sizeof(out), "eth-sep"),
	    "eth-sep");
	assert_string_equal(metrics_label(out, sizeof(out), "a\"b\\c\nd"),
	    "a\\\"b\\\\c\\nd");
	/* Cut, never half an escape. */
	assert_string_equal(metrics_label(out, 6, "\"\"\"\""),
	    "\\\"\\\"");
}

static void
rss_by_pread(void **state)
{
	int		fd;
	long long	a, b;

	(void)state;
	assert_int_equal(metrics_rss(-1), -1);
	fd = metrics_statm_open(0);
	assert_true(fd >= 0);
	a = metrics_rss(fd);
	b = metrics_rss(fd);		/* again: pread, no seek needed */
	assert_true(a > 1 << 20);
	assert_true(b > 1 << 20);
	assert_true(a < 1LL << 32);
	close(fd);
	fd = metrics_statm_open((int)getppid());
	assert_true(fd >= 0);
	assert_true(metrics_rss(fd) > 0);
	close(fd);
	assert_string_equal(signer_op_name(SOP_EVM_TX), "sign_evm_tx");
	assert_string_equal(signer_op_name(SOP_MAX), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hist_buckets),
		cmocka_unit_test(buffer_whole_lines),
		cmocka_unit_test(label_escape),
		cmocka_unit_test(rss_by_pread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
