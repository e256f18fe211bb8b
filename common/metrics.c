/*
 * The text of GET /metrics and the resident sets it reports (metrics.h).
 * libc only: the signer links this too.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"

const char *
signer_op_name(int op)
{
	static const char *const names[] = {
#define SOP_NAME(e, n)	n,
		SIGNER_OPS(SOP_NAME)
#undef SOP_NAME
	};

	return op >= 0 && op < SOP_MAX ? names[op] : "?";
}

void
mbuf_init(struct mbuf *b, char *p, size_t cap)
{
	b->p = p;
	b->cap = cap;
	b->len = 0;
	b->full = 0;
	if (cap > 0)
		p[0] = '\0';
}

void
mbuf_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (b->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		/* Cut at the last whole line: a parser sees no half one. */
		b->p[b->len] = '\0';
		b->full = 1;
		return;
	}
	b->len += (size_t)n;
}

const char *
metrics_label(char *out, size_t len, const char *in)
{
	size_t	o = 0;

	for (; *in != '\0' && o + 3 < len; in++) {
		if (*in == '\\' || *in == '"' || *in == '\n') {
			out[o++] = '\\';
			out[o++] = *in == '\n' ? 'n' : *in;
		} else
			out[o++] = *in;
	}
	out[o] = '\0';
	return out;
}

void
metrics_head(struct mbuf *b, const char *name, const char *type,
    const char *help)
{
	mbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

void
metrics_hist_print(struct mbuf *b, const char *name, const char *labels,
    const struct metrics_hist *h)
{
	static const uint64_t	le[METRICS_BUCKETS] = METRICS_BUCKETS_US;
	const char		*sep = labels[0] != '\0' ? "," : "";
	uint64_t		 cum = 0;
	int			 i;

	for (i = 0; i < METRICS_BUCKETS; i++) {
		cum += h->bucket[i];
		mbuf_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name,
		    labels, sep, (double)le[i] / 1e6,
		    (unsigned long long)cum);
	}
	mbuf_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels,
	    sep, (unsigned long long)h->count);
	mbuf_printf(b, "%s_sum%s%s%s %.6f\n", name, labels[0] ? "{" : "",
	    labels, labels[0] ? "}" : "", (double)h->sum_us / 1e6);
	mbuf_printf(b, "%s_count%s%s%s %llu\n", name, labels[0] ? "{" : "",
	    labels, labels[0] ? "}" : "", (unsigned long long)h->count);
}

int
metrics_statm_open(int pid)
{
	char	path[64];

	if (pid == 0)
		return open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	return open(path, O_RDONLY | O_CLOEXEC);
}

long long
metrics_rss(int fd)
{
	char		 buf[128], *e;
	ssize_t		 n;
	unsigned long	 pages;
	const char	*p;
	long		 psz;

	if (fd < 0 || (n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return -1;
	buf[n] = '\0';
	/* "size resident shared ...", in pages */
	if ((p = strchr(buf, ' ')) == NULL)
		return -1;
	pages = strtoul(p + 1, &e, 10);
	if (e == p + 1 || (psz = sysconf(_SC_PAGESIZE)) <= 0)
		return -1;
	return (long long)pages * psz;
}
