/*
 * GET /metrics, the api's part.  Every answer is counted by route (the
 * route table's template, never the path asked, so the label set is
 * bounded) and status, and timed into a histogram per route; chain RPC
 * calls are counted per network (api_chain.c).  policyd authenticates
 * the scrape like any request and answers with each process's resident
 * set and its own text (policyd_metrics.c); the api puts its series in
 * front.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "log.h"
#include "metrics.h"
#include "routes.h"
#include "util.h"

/* The statuses counted one by one; any other is "other". */
static const int	statuses[] = {
	200, 201, 202, 204, 400, 401, 403, 404, 405, 409, 410, 413, 414,
	415, 422, 429, 431, 500, 501, 502, 503, 504, 505
};
#define NSTATUS		(nitems(statuses) + 1)

#define METRICS_OUT_MAX	(512 * 1024)

static struct {
	/* [R_MAX]: requests that matched no route */
	uint64_t		count[R_MAX + 1][NSTATUS];
	struct metrics_hist	lat[R_MAX + 1];
	char			out[METRICS_OUT_MAX];
} AM;

void
api_metrics_observe(const struct http_req *req, int status, uint64_t us)
{
	const struct route	*rt = req->route;
	size_t			 r = rt != NULL ? (size_t)rt->id : R_MAX, s;

	for (s = 0; s < nitems(statuses) && statuses[s] != status; s++)
		;
	AM.count[r][s]++;
	metrics_hist_add(&AM.lat[r], us);
}

/* method="GET",route="/v1/wallets/{id}" */
static void
route_labels(size_t r, char *out, size_t len)
{
	char	tpl[128];
	size_t	n = 0;
	const char *p;

	if (r == R_MAX) {
		snprintf(out, len, "method=\"\",route=\"none\"");
		return;
	}
	for (p = routes[r].path; *p != '\0' && n + 5 < sizeof(tpl); p++) {
		if (p[0] == '{' && p[1] == '}') {
			memcpy(tpl + n, "{id}", 4);
			n += 4;
			p++;
		} else
			tpl[n++] = *p;
	}
	tpl[n] = '\0';
	snprintf(out, len, "method=\"%s\",route=\"%s\"",
	    http_method_name(routes[r].method), tpl);
}

static void
text_requests(struct mbuf *b)
{
	char	lab[192];
	size_t	r, s;

	metrics_head(b, "waiaas_http_requests_total", "counter",
	    "HTTP requests answered, by route template and status.");
	for (r = 0; r <= R_MAX; r++) {
		if (AM.lat[r].count == 0)
			continue;
		route_labels(r, lab, sizeof(lab));
		for (s = 0; s < NSTATUS; s++) {
			if (AM.count[r][s] == 0)
				continue;
			if (s < nitems(statuses))
				mbuf_printf(b, "waiaas_http_requests_total{%s,"
				    "status=\"%d\"} %llu\n", lab, statuses[s],
				    (unsigned long long)AM.count[r][s]);
			else
				mbuf_printf(b, "waiaas_http_requests_total{%s,"
				    "status=\"other\"} %llu\n", lab,
				    (unsigned long long)AM.count[r][s]);
		}
	}
	metrics_head(b, "waiaas_http_request_duration_seconds", "histogram",
	    "Time from a whole request to its answer, by route template.");
	for (r = 0; r <= R_MAX; r++) {
		if (AM.lat[r].count == 0)
			continue;
		route_labels(r, lab, sizeof(lab));
		metrics_hist_print(b, "waiaas_http_request_duration_seconds",
		    lab, &AM.lat[r]);
	}
}

static void
text_procs(struct mbuf *b, struct metrics_head *h)
{
	int	i;

	h->rss[PROC_API] = metrics_rss(api.p->statmfd);
	h->rss[PROC_PARENT] = metrics_rss(api.p->pstatmfd);
	h->missing[PROC_API] = 0;
	/* The parent's is read from here: "missing" if it cannot be. */
	h->missing[PROC_PARENT] = h->rss[PROC_PARENT] < 0;
	metrics_head(b, "waiaas_process_resident_memory_bytes", "gauge",
	    "Resident set of each process.");
	for (i = 0; i < PROC_MAX; i++)
		if (h->rss[i] >= 0)
			mbuf_printf(b, "waiaas_process_resident_memory_bytes{"
			    "process=\"%s\"} %lld\n", proc_name(i),
			    (long long)h->rss[i]);
	metrics_head(b, "waiaas_scrape_error", "gauge",
	    "1 if a process did not answer this scrape in time (its series "
	    "are missing).");
	for (i = 0; i < PROC_MAX; i++)
		mbuf_printf(b, "waiaas_scrape_error{process=\"%s\"} %d\n",
		    proc_name(i), h->missing[i] ? 1 : 0);
}

void
api_metrics_reply(struct http_req *req, const char *data, size_t len)
{
	struct metrics_head	h;
	struct mbuf		b;
	size_t			i;

	if (len < sizeof(h))
		fatalx("IMSG_API_REPLY: /metrics answer too short");
	memcpy(&h, data, sizeof(h));
	for (i = 0; i < PROC_MAX; i++)
		if (h.missing[i] > 1)
			fatalx("IMSG_API_REPLY: /metrics answer malformed");
	data += sizeof(h);
	len -= sizeof(h);
	mbuf_init(&b, AM.out, sizeof(AM.out));
	text_requests(&b);
	api_chain_metrics(&b);
	text_procs(&b, &h);
	if (b.len + len >= sizeof(AM.out))
		b.full = 1;
	else {
		memcpy(AM.out + b.len, data, len);
		b.len += len;
	}
	if (b.full)
		log_warnx("metrics: answer cut at %zu bytes", b.len);
	http_reply_type(req, 200, "text/plain; version=0.0.4; charset=utf-8",
	    NULL, AM.out, b.len);
}
