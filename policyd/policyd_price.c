/*
 * Prices in policyd: the operator's static table, from the parent at
 * start, and the prices the api fetched and accepted last
 * (IMSG_PRICE_UPDATE, which replaces the previous set).  policyd has no
 * network: it only looks up, and a fetched price older than
 * price_max_age is no price (price.h, price_find()).  A static entry
 * wins over a fetched one and never goes stale.
 */
#include <math.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "policyd.h"
#include "price.h"
#include "util.h"

static struct price_table	tab;
static struct price_id		ids[PRICE_ENTRIES_MAX];
static size_t			nids;
static int			unpriced_deny;
/* GET /v1/admin/oracle-status: what the lookups found since start */
static uint64_t			n_hits, n_misses, n_stale, n_evicted;

void
price_init(void)
{
	const struct ctl_price	*cp = proc_price();
	char			 err[256];
	int			 n;

	if (cp == NULL)
		fatalx("no price configuration");
	memset(&tab, 0, sizeof(tab));
	if ((n = price_parse_static(cp->statics, net_get(0), net_count(),
	    tab.st, PRICE_ENTRIES_MAX, err, sizeof(err))) == -1)
		fatalx("IMSG_CTL_PRICE: %s", err);
	tab.nst = (size_t)n;
	if ((n = price_parse_ids(cp->ids, net_get(0), net_count(), ids,
	    PRICE_ENTRIES_MAX, err, sizeof(err))) == -1)
		fatalx("IMSG_CTL_PRICE: %s", err);
	nids = (size_t)n;
	if (cp->max_age == 0 || cp->max_age > 86400)
		fatalx("IMSG_CTL_PRICE: max_age %u", cp->max_age);
	tab.max_age = cp->max_age;
	unpriced_deny = cp->unpriced_deny != 0;
	log_debug("prices: %zu static, %zu fetched by the api", tab.nst,
	    nids);
}

/* api -> policyd: the prices the api holds as accepted now. */
void
price_update(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct price_entry	fx[PRICE_ENTRIES_MAX];
	struct price_update	u;
	unsigned char		seen[PRICE_ENTRIES_MAX];
	long long		now = (long long)time(NULL);
	size_t			n = imsg->len / sizeof(u), i, j;

	(void)ch;
	(void)arg;
	if (imsg->len % sizeof(u) != 0 || n > PRICE_ENTRIES_MAX)
		fatalx("IMSG_PRICE_UPDATE: malformed");
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++) {
		memcpy(&u, imsg->data + i * sizeof(u), sizeof(u));
		if (memchr(u.key, '\0', sizeof(u.key)) == NULL)
			fatalx("IMSG_PRICE_UPDATE: malformed");
		/* Only what price_ids lists, each once. */
		for (j = 0; j < nids; j++)
			if (strcmp(ids[j].key.text, u.key) == 0)
				break;
		if (j == nids || seen[j]++)
			fatalx("IMSG_PRICE_UPDATE: %.*s not expected",
			    PRICE_KEY_MAX, u.key);
		if (!isfinite(u.usd) || u.usd <= 0 || u.usd > PRICE_USD_MAX ||
		    u.fetched_at <= 0)
			fatalx("IMSG_PRICE_UPDATE: %s: implausible", u.key);
		memset(&fx[i], 0, sizeof(fx[i]));
		fx[i].key = ids[j].key;
		fx[i].usd = u.usd;
		/*
		 * A time ahead of ours (the clock stepped back) counts as
		 * now: no price lives past price_max_age from here.
		 */
		fx[i].fetched_at = u.fetched_at < now ? u.fetched_at : now;
	}
	/* A fetched price the new set lacks is evicted. */
	for (i = 0; i < tab.nfx; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(tab.fx[i].key.text, fx[j].key.text) == 0)
				break;
		if (j == n)
			n_evicted++;
	}
	memcpy(tab.fx, fx, n * sizeof(fx[0]));
	tab.nfx = n;
	log_debug("prices: %zu fetched prices from the api", n);
}

double
price_value(const struct network *net, const char *token,
    const char *amount, long long now, char *why, size_t whylen)
{
	switch (price_look(&tab, net, token, now)) {
	case PRICE_LOOK_HIT:
		n_hits++;
		break;
	case PRICE_LOOK_STALE:
		n_stale++;
		break;
	default:
		n_misses++;
		break;
	}
	return price_table_value(&tab, net, token, amount, now, why, whylen);
}

/*
 * The table's counters for GET /v1/admin/oracle-status.  staleHits are
 * lookups that found a fetched price past price_max_age, which counts
 * as no price here (it is not used); misses found none at all.
 */
void
price_counters(struct admin_query *q)
{
	q->hits = n_hits;
	q->misses = n_misses;
	q->stale = n_stale;
	q->size = tab.nst + tab.nfx;
	q->evictions = n_evicted;
}

int
price_unpriced_deny(void)
{
	return unpriced_deny;
}

/* price_max_age and price_unpriced: PUT /v1/admin/settings sets them. */
long long
price_max_age(void)
{
	return tab.max_age;
}

void
price_set_max_age(long long s)
{
	tab.max_age = s;
}

void
price_set_unpriced_deny(int deny)
{
	unpriced_deny = deny != 0;
}
