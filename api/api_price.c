/*
 * The price fetcher: every price_refresh seconds (the first right after
 * start) one GET of the operator's simple-price endpoint over rpc.c's
 * transport, the answer parsed strictly and each value put through the
 * plausibility rules (price.h); then policyd gets every price accepted
 * (IMSG_PRICE_UPDATE).  A fetch that fails changes nothing: policyd lets
 * the prices it has go stale.  The URL may carry an API key: it is never
 * logged, and neither is the answer.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "log.h"
#include "price.h"
#include "rpc.h"
#include "url.h"
#include "util.h"

static struct {
	struct price_id		 ids[PRICE_ENTRIES_MAX];
	struct price_track	 track[PRICE_ENTRIES_MAX];
	int			 missing[PRICE_ENTRIES_MAX];
	size_t			 nids;
	char			 url[PRICE_REQ_URL_MAX];
	char			 base[NET_URL_MAX];	/* price_url */
	char			 resolve[NET_RESOLVE_MAX];
	struct rpc_endpoint	 ep;
	struct rpc_health	 health;
	int			 is_default;
	int64_t			 parsed_at;	/* the last answer taken */
	char			 refused[160];	/* why the last was not */
	struct event		*timer;
	struct timeval		 every;
	int			 max_change;
	int			 inflight;
} pr;

static void	price_fetched(const char *, size_t, const struct rpc_error *,
		    void *);

/* Every accepted price, to policyd. */
static void
price_send(void)
{
	struct price_update	u[PRICE_ENTRIES_MAX];
	size_t			i, n = 0;

	memset(u, 0, sizeof(u));
	for (i = 0; i < pr.nids; i++) {
		if (!price_track_usable(&pr.track[i]))
			continue;
		strlcpy(u[n].key, pr.ids[i].key.text, sizeof(u[n].key));
		u[n].usd = pr.track[i].usd;
		u[n].fetched_at = pr.track[i].at;
		n++;
	}
	if (imsgev_compose(&api.policyd, IMSG_PRICE_UPDATE, 0, -1,
	    n > 0 ? u : NULL, n * sizeof(u[0])) == -1)
		fatal("IMSG_PRICE_UPDATE");
	log_debug("price: %zu of %zu prices to policyd", n, pr.nids);
}

static void
price_tick(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	evtimer_add(pr.timer, &pr.every);
	if (pr.inflight) {
		log_debug("price: the last fetch is still under way");
		return;
	}
	if (pr.resolve[0] == '\0') {
		/* The public default before its name is looked up. */
		log_debug("price: the source's host is not resolved yet");
		return;
	}
	pr.inflight = 1;
	rpc_get(&pr.ep, "price", PRICE_ANSWER_MAX, price_fetched, NULL);
}

static void
price_apply(size_t i, double v, int64_t now)
{
	struct price_track	*t = &pr.track[i];
	const char		*key = pr.ids[i].key.text;
	double			 before = t->usd;

	if (isnan(v)) {
		if (!pr.missing[i])
			log_warnx("price: %s: the answer has no %s; the last "
			    "price stands until it is stale", key,
			    pr.ids[i].id);
		pr.missing[i] = 1;
		return;
	}
	pr.missing[i] = 0;
	switch (price_track(t, v, pr.max_change, now)) {
	case PRICE_ACCEPTED:
		break;
	case PRICE_CONFIRMED:
		log_info("price: %s: %.8g USD confirmed by a second fetch",
		    key, v);
		break;
	case PRICE_HELD:
		log_warnx("price: %s: %.8g USD moved more than %d%% from "
		    "%.8g; held (no price) until a fetch confirms it", key,
		    v, pr.max_change, before);
		break;
	case PRICE_REFUSED:
		log_warnx("price: %s: %.8g USD is not plausible; ignored",
		    key, v);
		break;
	}
}

static void
price_fetched(const char *body, size_t len, const struct rpc_error *err,
    void *arg)
{
	double		 vals[PRICE_ENTRIES_MAX];
	char		 why[160];
	const char	*kind;
	int64_t		 now = (int64_t)time(NULL);
	size_t		 i;

	(void)arg;
	pr.inflight = 0;
	if (err != NULL) {
		/* rpc.c's messages never quote the URL. */
		kind = rpc_errkind(err->kind);
		if (strncmp(err->message, kind, strlen(kind)) == 0)
			kind = "";
		log_warnx("price: fetch failed: %s%s%s", kind, kind[0] != '\0' ?
		    ": " : "", err->message);
		return;
	}
	if (price_answer_parse(body, len, pr.ids, pr.nids, vals, why,
	    sizeof(why)) == -1) {
		log_warnx("price: answer refused: %s", why);
		strlcpy(pr.refused, why, sizeof(pr.refused));
		return;
	}
	pr.refused[0] = '\0';
	pr.parsed_at = now;
	for (i = 0; i < pr.nids; i++)
		price_apply(i, vals[i], now);
	price_send();
}

/* Before the sandbox: the coin ids, the request and its timer. */
void
api_price_init(void)
{
	const struct ctl_price	*cp = proc_price();
	struct timeval		 first = { 0, 0 };
	char			 err[256];
	int			 n;

	if (cp == NULL)
		fatalx("no price configuration");
	if (cp->url[0] == '\0')
		return;
	if ((n = price_parse_ids(cp->ids, net_get(0), net_count(), pr.ids,
	    PRICE_ENTRIES_MAX, err, sizeof(err))) <= 0)
		fatalx("IMSG_CTL_PRICE: %s", n == 0 ? "no coin ids" : err);
	pr.nids = (size_t)n;
	if (price_request_url(cp->url, pr.ids, pr.nids, pr.url,
	    sizeof(pr.url)) == -1)
		fatalx("price: the request URL is too long");
	strlcpy(pr.resolve, cp->resolve, sizeof(pr.resolve));
	strlcpy(pr.base, cp->url, sizeof(pr.base));
	pr.ep.url = pr.url;
	pr.ep.resolve = pr.resolve;
	pr.ep.health = &pr.health;
	pr.is_default = cp->is_default != 0;
	pr.max_change = (int)cp->max_change_pct;
	pr.every.tv_sec = cp->refresh;
	pr.every.tv_usec = 0;
	if ((pr.timer = evtimer_new(api.base, price_tick, NULL)) == NULL)
		fatalx("evtimer_new");
	/* The first fetch as soon as the loop runs. */
	evtimer_add(pr.timer, &first);
	log_debug("price: %zu coin ids, every %u s", pr.nids, cp->refresh);
}

/* parent -> api: new addresses for the price endpoint's host. */
void
api_price_resolve(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct ctl_resolve	r;
	struct timeval		now = { 0, 0 };
	int			first;

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	if (pr.url[0] == '\0' || r.index != 0 ||
	    memchr(r.resolve, '\0', sizeof(r.resolve)) == NULL)
		fatalx("IMSG_CTL_PRICE_RESOLVE: malformed");
	first = pr.resolve[0] == '\0';
	strlcpy(pr.resolve, r.resolve, sizeof(pr.resolve));
	log_info("price endpoint: new addresses");
	/* The first addresses: fetch now rather than at the next tick. */
	if (first) {
		evtimer_del(pr.timer);
		evtimer_add(pr.timer, &now);
	}
}

/*
 * GET /v1/admin/oracle-status: the reference's OracleStatusResponse.
 * The cache is policyd's price table (policyd values transactions; the
 * api only fetches): its counters come in the query.  This daemon's one
 * fetched source is a CoinGecko-style simple-price endpoint
 * ([security] price_url, the public CoinGecko API by default), shown as
 * "coingecko": available while its last fetch gave an answer that
 * parsed, apiKeyConfigured when its URL carries a key (url_mask finds
 * one in the query, the path or the userinfo), with the URL masked and
 * its state as /health says it.  "pyth" is the reference's on-chain
 * Pyth oracle (Hermes): this daemon has none, so it is never available
 * and has no baseUrl.  crossValidation is the plausibility rule between
 * fetches (price.h): a price that moved more than price_max_change_pct
 * from the last accepted one is held until a later fetch confirms it;
 * enabled whenever prices are fetched.
 */
json_t *
api_price_oracle(const struct admin_query *q)
{
	const struct ctl_price	*cp = proc_price();
	json_t			*o, *h;
	char			 shown[NET_URL_MAX];
	int			 key;

	if (pr.base[0] == '\0') {
		shown[0] = '\0';
		key = 0;
	} else if ((key = url_mask(pr.base, shown, sizeof(shown))) == -1) {
		strlcpy(shown, URL_MASKED, sizeof(shown));
		key = 0;
	}
	h = api_price_health();
	o = json_pack("{s:{s:I, s:I, s:I, s:I, s:I}, "
	    "s:{s:{s:b, s:s}, s:{s:b, s:b, s:s, s:o}}, s:{s:b, s:I}}",
	    "cache", "hits", (json_int_t)q->hits, "misses",
	    (json_int_t)q->misses, "staleHits", (json_int_t)q->stale,
	    "size", (json_int_t)q->size, "evictions",
	    (json_int_t)q->evictions,
	    "sources", "pyth", "available", 0, "baseUrl", "",
	    "coingecko", "available", h != NULL && strcmp(json_string_value(
	    json_object_get(h, "state")), "ok") == 0, "apiKeyConfigured", key,
	    "baseUrl", shown, "health", h != NULL ? h : json_null(),
	    "crossValidation", "enabled", pr.base[0] != '\0', "threshold",
	    (json_int_t)(cp != NULL ? cp->max_change_pct : 0));
	if (o == NULL)
		fatalx("json_pack");
	return o;
}

/*
 * The price source as /health shows it.  "ok": the last fetch gave an
 * answer that parsed; prices is how many keys have a usable price now
 * (policyd still lets each go stale after max_age).
 */
json_t *
api_price_health(void)
{
	json_t		*o;
	const char	*st;
	size_t		 i, n = 0;

	for (i = 0; i < pr.nids; i++)
		if (price_track_usable(&pr.track[i]))
			n++;
	if (pr.url[0] == '\0')
		st = "off";
	else if (pr.resolve[0] == '\0')
		st = "unresolved";
	else if (pr.health.err_at > pr.health.ok_at)
		st = "unreachable";
	else if (pr.refused[0] != '\0')
		st = "refused";
	else if (pr.parsed_at > 0)
		st = "ok";
	else
		st = "waiting";
	if ((o = json_pack("{s:s, s:s, s:I}", "source", pr.url[0] == '\0' ?
	    "none" : pr.is_default ? "default" : "config", "state", st,
	    "prices", (json_int_t)n)) == NULL)
		return NULL;
	if (pr.parsed_at > 0)
		json_object_set_new(o, "fetchedAt",
		    json_integer((json_int_t)pr.parsed_at));
	if (strcmp(st, "unreachable") == 0)
		json_object_set_new(o, "error", json_string(pr.health.err));
	else if (strcmp(st, "refused") == 0)
		json_object_set_new(o, "error", json_string(pr.refused));
	return o;
}
