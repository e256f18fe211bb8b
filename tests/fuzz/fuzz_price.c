/*
 * libFuzzer target for common/price.c: the config tables (price_static,
 * price_ids, and both with a URL through price_config_check) and the
 * simple-price answer with the plausibility rules after it.  The first
 * byte picks the parser; the rest is its input.  Besides the
 * sanitizers, it aborts when a result breaks what price.h promises: a
 * count beyond the bound, a key that does not parse again to itself,
 * a static price outside (0, 1e12], an answer value that is neither
 * missing nor finite, a usable price that is not plausible.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "keystore.h"
#include "network.h"
#include "price.h"
#include "util.h"

#define MAXU	"11579208923731619542357098500868790785326998466564056403945" \
		"7584007913129639935"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct network	nets[NET_MAX];
static size_t		nnets;
static struct price_id	answer_ids[8];
static size_t		nanswer_ids;

static void
init(void)
{
	char	err[256];
	int	n;

	json_object_seed(1);
	memcpy(nets, net_builtin, net_nbuiltin * sizeof(nets[0]));
	nnets = net_nbuiltin;
	strlcpy(nets[nnets].name, "localdev", sizeof(nets[nnets].name));
	strlcpy(nets[nnets].symbol, "LETH", sizeof(nets[nnets].symbol));
	nets[nnets].chain = KS_CHAIN_ETHEREUM;
	nets[nnets].decimals = 18;
	nnets++;
	n = price_parse_ids("ETH=ethereum;SOL=solana;POL=ethereum;"
	    "base-mainnet:0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913@6="
	    "usd-coin;mainnet:EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v@6="
	    "usd-coin;HYPE=a", nets, nnets, answer_ids, nitems(answer_ids),
	    err, sizeof(err));
	if (n != 6)
		abort();
	nanswer_ids = (size_t)n;
}

/* Every key parsed must parse again, from its text, to itself. */
static void
check_key(const struct price_key *k)
{
	struct price_key	again;
	char			why[160];

	if (memchr(k->text, '\0', sizeof(k->text)) == NULL ||
	    price_key_parse(k->text, strlen(k->text), nets, nnets, &again,
	    why, sizeof(why)) == -1 ||
	    memcmp(&again, k, sizeof(again)) != 0 ||
	    !price_key_same(&again, k) ||
	    (k->symbol[0] == '\0' && (k->decimals < 0 ||
	    k->decimals > PRICE_DECIMALS_MAX)))
		abort();
}

static void
fuzz_static(const char *s)
{
	static struct price_entry	e[PRICE_ENTRIES_MAX];
	struct price_table		t;
	char				err[256];
	double				v;
	int				n, i;

	if ((n = price_parse_static(s, nets, nnets, e, PRICE_ENTRIES_MAX,
	    err, sizeof(err))) == -1) {
		if (strncmp(err, "security.price_static: ", 23) != 0)
			abort();
		return;
	}
	if (n > PRICE_ENTRIES_MAX)
		abort();
	memset(&t, 0, sizeof(t));
	for (i = 0; i < n; i++) {
		check_key(&e[i].key);
		if (!(e[i].usd > 0 && e[i].usd <= PRICE_USD_MAX))
			abort();
		t.st[t.nst++] = e[i];
	}
	/* Whatever was accepted values the largest amount finitely. */
	for (i = 0; i < (int)nnets; i++) {
		v = price_table_value(&t, &nets[i], NULL, MAXU, 0, err,
		    sizeof(err));
		if (v != -1 && !(isfinite(v) && v >= 0))
			abort();
	}
}

static void
fuzz_ids(const char *s)
{
	static struct price_id	id[PRICE_ENTRIES_MAX];
	static char		url[PRICE_REQ_URL_MAX];
	char			err[256];
	int			n, i;

	if ((n = price_parse_ids(s, nets, nnets, id, PRICE_ENTRIES_MAX, err,
	    sizeof(err))) == -1) {
		if (strncmp(err, "security.price_ids: ", 20) != 0)
			abort();
		return;
	}
	for (i = 0; i < n; i++) {
		check_key(&id[i].key);
		if (id[i].id[0] == '\0' || strpbrk(id[i].id, "&?#=/, ") != NULL)
			abort();
	}
	if (n > 0 && price_request_url("https://p.example/simple/price", id,
	    (size_t)n, url, sizeof(url)) == -1)
		abort();
}

/* "static\nids\nurl" through the whole check. */
static void
fuzz_config(char *s)
{
	char	*ids, *url, err[256];

	if ((ids = strchr(s, '\n')) == NULL)
		return;
	*ids++ = '\0';
	if ((url = strchr(ids, '\n')) == NULL)
		return;
	*url++ = '\0';
	if (strlen(s) > PRICE_CONF_MAX || strlen(ids) > PRICE_CONF_MAX)
		return;
	(void)price_config_check(s, ids, url, nets, nnets, err, sizeof(err));
}

static void
fuzz_answer(const uint8_t *data, size_t size)
{
	struct price_track	t[8];
	double			v[8];
	char			why[160];
	size_t			i;
	int			r, k;

	r = price_answer_parse((const char *)data, size, answer_ids,
	    nanswer_ids, v, why, sizeof(why));
	memset(t, 0, sizeof(t));
	for (i = 0; i < nanswer_ids; i++) {
		if (r == -1 && !isnan(v[i]))
			abort();
		if (!isnan(v[i]) && !isfinite(v[i]))
			abort();
		/* Twice, then once more at a tenth: the rules hold. */
		for (k = 0; k < 3; k++) {
			(void)price_track(&t[i], k < 2 ? v[i] : v[i] / 10, 50,
			    1800000000 + k);
			if (price_track_usable(&t[i]) && !(t[i].usd > 0 &&
			    t[i].usd <= PRICE_USD_MAX))
				abort();
		}
	}
}

static void
fuzz_amount(const uint8_t *data, size_t size)
{
	char	buf[100];
	double	v;
	int	decimals;

	if (size < 1 || size > sizeof(buf))
		return;
	decimals = data[0] % 40;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	v = price_amount_usd(buf, decimals, 1e12);
	if (v != -1 && !(isfinite(v) && v >= 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 ready;
	char		*s;

	if (!ready) {
		init();
		ready = 1;
	}
	if (size < 1 || size > 3 * PRICE_CONF_MAX)
		return 0;
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 5) {
	case 0:
		fuzz_static(s);
		break;
	case 1:
		fuzz_ids(s);
		break;
	case 2:
		fuzz_config(s);
		break;
	case 3:
		fuzz_answer(data + 1, size - 1);
		break;
	default:
		fuzz_amount(data + 1, size - 1);
		break;
	}
	free(s);
	return 0;
}
