/*
 * GET /metrics (Prometheus text format 0.0.4).  Every process keeps its
 * counters as plain integers in fixed arrays, bumped where the work is
 * done; nothing is allocated per request.  A scrape turns them into text
 * in a buffer made with its maximum: what does not fit is cut at a line
 * and counted, never grown.
 */
#ifndef WAIAAS_METRICS_H
#define WAIAAS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

/* Latency buckets, upper bounds in microseconds (then +Inf). */
#define METRICS_BUCKETS		11
#define METRICS_BUCKETS_US						\
	{ 1000, 5000, 10000, 25000, 50000, 100000, 250000, 500000,	\
	  1000000, 2500000, 10000000 }

struct metrics_hist {
	uint64_t	bucket[METRICS_BUCKETS + 1];	/* not cumulative */
	uint64_t	count;
	uint64_t	sum_us;
};

static inline void
metrics_hist_add(struct metrics_hist *h, uint64_t us)
{
	static const uint64_t	le[METRICS_BUCKETS] = METRICS_BUCKETS_US;
	int			i;

	for (i = 0; i < METRICS_BUCKETS && us > le[i]; i++)
		;
	h->bucket[i]++;
	h->count++;
	h->sum_us += us;
}

/* Text being made: a fixed buffer; full once a line did not fit. */
struct mbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 full;
};

void	mbuf_init(struct mbuf *, char *, size_t);
void	mbuf_printf(struct mbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* "# HELP name help\n# TYPE name type\n" */
void	metrics_head(struct mbuf *, const char *, const char *,
	    const char *);
/* A label value escaped as the text format wants (\\, \", \n). */
const char *metrics_label(char *, size_t, const char *);
/* name_bucket{labels,le=..} ... name_sum, name_count; labels may be "". */
void	metrics_hist_print(struct mbuf *, const char *, const char *,
	    const struct metrics_hist *);

/*
 * A process's resident set from /proc/<pid>/statm: opened before the
 * chroot and the uid drop (pid 0: self), read later with pread(2), which
 * each role's seccomp filter allows on that descriptor only.  Bytes, or
 * -1 when it cannot be read.
 */
int		 metrics_statm_open(int);
long long	 metrics_rss(int);

/* One process's resident set, as one role reports it to policyd. */
struct metrics_proc {
	int64_t		rss;		/* bytes, or -1 */
};

/* signer: operations by kind and result. */
#define SIGNER_OPS(X)							\
	X(SOP_KEY, "key")	/* a key generated or imported */	\
	X(SOP_EVM_TX, "sign_evm_tx") X(SOP_EVM_MSG, "sign_evm_message")	\
	X(SOP_SOL_TX, "sign_solana_tx")					\
	X(SOP_SOL_MSG, "sign_solana_message") X(SOP_REKEY, "rekey")
enum signer_op {
#define SOP_ENUM(e, n)	e,
	SIGNER_OPS(SOP_ENUM)
#undef SOP_ENUM
	SOP_MAX
};
const char	*signer_op_name(int);

struct metrics_signer {
	int64_t		rss;
	uint64_t	ops[SOP_MAX][2];	/* [op][0 ok, 1 error] */
};

struct metrics_relay {
	int64_t		rss;
};

/*
 * policyd's answer to the api, ahead of its text: each process's
 * resident set, and which did not answer in time (their series are
 * missing; waiaas_scrape_error says so).  The api fills in its own and
 * the parent's.
 */
struct metrics_head {
	int64_t		rss[PROC_MAX];		/* bytes, or -1 */
	uint32_t	missing[PROC_MAX];	/* 1: no answer in time */
};

#endif
