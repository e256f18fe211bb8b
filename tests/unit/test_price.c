/*
 * common/price.c: the two config tables (every valid form, every
 * refusal), the cross-checks at config load, the request URL, the
 * simple-price answer, the plausibility rules, the value of an amount
 * (18, 9, 6 and 0 decimals, 78 digits, zero) and the table policyd
 * looks up (static over fetched, staleness, EVM case, Solana case).
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "keystore.h"
#include "network.h"
#include "price.h"
#include "util.h"

#define NITEMS(a)	nitems(a)

#define USDC_BASE	"0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
#define USDC_BASE_LC	"0x833589fcd6edb6e08f4c7c32d4f71b54bda02913"
#define USDC_BASE_BAD	"0x833589FCD6eDb6E08f4c7C32D4f71b54bdA02913"
#define USDC_SOL	"EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
#define USDC_SOL_LC	"epjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
#define MAXU	"11579208923731619542357098500868790785326998466564056403945" \
		"7584007913129639935"
#define T0	1800000000LL

/* The built-in networks and one operator chain (LETH on localdev). */
static struct network	nets[NET_MAX];
static size_t		nnets;

static const struct network *
net(const char *name)
{
	size_t	i;

	for (i = 0; i < nnets; i++)
		if (strcmp(nets[i].name, name) == 0)
			return &nets[i];
	fail_msg("no network %s", name);
	return NULL;
}

static int
setup(void **state)
{
	(void)state;
	memcpy(nets, net_builtin, net_nbuiltin * sizeof(nets[0]));
	nnets = net_nbuiltin;
	memset(&nets[nnets], 0, sizeof(nets[nnets]));
	strlcpy(nets[nnets].name, "localdev", sizeof(nets[nnets].name));
	strlcpy(nets[nnets].symbol, "LETH", sizeof(nets[nnets].symbol));
	nets[nnets].chain = KS_CHAIN_ETHEREUM;
	nets[nnets].decimals = 18;
	nets[nnets].custom = 1;
	nnets++;
	return 0;
}

static void
want_in(const char *what, const char *err, const char *want)
{
	if (want != NULL && strstr(err, want) == NULL)
		fail_msg("%s: error '%s' does not mention '%s'", what, err,
		    want);
}

static void
near(const char *what, double got, double want)
{
	double	tol = fabs(want) * 1e-15;

	if (fabs(got - want) > tol)
		fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

/* ---- price_static ---- */

struct okrow {
	const char	*text;
	int		 n;
	const char	*key0;		/* canonical text of the first key */
	double		 usd0;
};

static void
test_static_valid(void **state)
{
	static const struct okrow rows[] = {
		{ "", 0, NULL, 0 },
		{ " ; ;", 0, NULL, 0 },
		{ "ETH=2000", 1, "ETH", 2000 },
		{ " ETH = 2000.50 ; SOL=150;POL=0.5;", 3, "ETH", 2000.5 },
		{ "HYPE=0.000001", 1, "HYPE", 0.000001 },
		{ "LETH=3", 1, "LETH", 3 },
		{ "ETH=1000000000000", 1, "ETH", 1e12 },
		{ "base-mainnet:" USDC_BASE_LC "@6=1.00", 1,
		  "base-mainnet:" USDC_BASE "@6", 1 },
		{ "base-mainnet:" USDC_BASE "@6=1", 1,
		  "base-mainnet:" USDC_BASE "@6", 1 },
		{ "base-mainnet:0X833589FCD6EDB6E08F4C7C32D4F71B54BDA02913@6=1",
		  -1, NULL, 0 },
		{ "mainnet:" USDC_SOL "@6=0.9999", 1,
		  "mainnet:" USDC_SOL "@6", 0.9999 },
		{ "localdev:" USDC_BASE "@0=5", 1, "localdev:" USDC_BASE "@0",
		  5 },
		{ "ethereum-sepolia:" USDC_BASE "@36=5", 1,
		  "ethereum-sepolia:" USDC_BASE "@36", 5 },
		/* the same token on two networks: two keys */
		{ "base-mainnet:" USDC_BASE "@6=1;ethereum-mainnet:" USDC_BASE
		  "@6=1", 2, "base-mainnet:" USDC_BASE "@6", 1 },
	};
	struct price_entry	e[PRICE_ENTRIES_MAX];
	char			err[256];
	size_t			i;
	int			n;

	(void)state;
	for (i = 0; i < NITEMS(rows); i++) {
		err[0] = '\0';
		n = price_parse_static(rows[i].text, nets, nnets, e,
		    PRICE_ENTRIES_MAX, err, sizeof(err));
		if (n != rows[i].n)
			fail_msg("'%s': %d entries, want %d (%s)",
			    rows[i].text, n, rows[i].n, err);
		if (n > 0) {
			assert_string_equal(e[0].key.text, rows[i].key0);
			near(rows[i].text, e[0].usd, rows[i].usd0);
			assert_int_equal(e[0].fetched_at, 0);
		}
	}
	/* The token fields. */
	assert_int_equal(price_parse_static("base-mainnet:" USDC_BASE_LC
	    "@6=1", nets, nnets, e, 1, err, sizeof(err)), 1);
	assert_string_equal(e[0].key.network, "base-mainnet");
	assert_string_equal(e[0].key.address, USDC_BASE);
	assert_string_equal(e[0].key.symbol, "");
	assert_int_equal(e[0].key.decimals, 6);
	assert_int_equal(e[0].key.chain, KS_CHAIN_ETHEREUM);
	assert_int_equal(price_parse_static("SOL=1", nets, nnets, e, 1, err,
	    sizeof(err)), 1);
	assert_string_equal(e[0].key.symbol, "SOL");
	assert_int_equal(e[0].key.decimals, -1);
}

struct badrow {
	const char	*text;
	const char	*want1;
	const char	*want2;
};

static void
test_static_refused(void **state)
{
	static const struct badrow rows[] = {
		{ "ETH", "want KEY=USD", "'ETH'" },
		{ "ETH=", "USD price", "security.price_static" },
		{ "ETH=0", "USD price", "'ETH=0'" },
		{ "ETH=0.0", "USD price", NULL },
		{ "ETH=-1", "USD price", NULL },
		{ "ETH=+1", "USD price", NULL },
		{ "ETH=1e3", "USD price", NULL },
		{ "ETH=inf", "USD price", NULL },
		{ "ETH=nan", "USD price", NULL },
		{ "ETH=0x10", "USD price", NULL },
		{ "ETH=1.", "USD price", NULL },
		{ "ETH=.5", "USD price", NULL },
		{ "ETH=1..2", "USD price", NULL },
		{ "ETH=1.2.3", "USD price", NULL },
		{ "ETH=1 000", "USD price", NULL },
		{ "ETH=1000000000000.01", "USD price", NULL },
		{ "ETH=0000000000000000000000000000000001", "USD price", NULL },
		{ "ETH=2000;SOL=abc", "USD price", "'SOL=abc'" },
		{ "=5", "empty key", NULL },
		{ "XYZ=1", "no network has the native coin 'XYZ'", NULL },
		{ "eth=1", "no network has the native coin 'eth'", NULL },
		{ "ETH!=1", "symbol", NULL },
		{ "TOOLONGSYMBOL=1", "symbol", NULL },
		{ "nosuch-net:" USDC_BASE "@6=1",
		  "unknown network 'nosuch-net'", NULL },
		{ ":" USDC_BASE "@6=1", "unknown network", NULL },
		{ "base-mainnet:" USDC_BASE "=1", "<network>:<address>@",
		  NULL },
		{ "base-mainnet:" USDC_BASE "@=1", "decimals", NULL },
		{ "base-mainnet:" USDC_BASE "@37=1", "decimals", NULL },
		{ "base-mainnet:" USDC_BASE "@06=1", "decimals", NULL },
		{ "base-mainnet:" USDC_BASE "@-1=1", "decimals", NULL },
		{ "base-mainnet:" USDC_BASE "@100=1", "decimals", NULL },
		{ "base-mainnet:" USDC_BASE "@6x=1", "decimals", NULL },
		{ "base-mainnet:" USDC_BASE_BAD "@6=1", "not an EVM address",
		  NULL },
		{ "base-mainnet:0x833589fcd6edb6e08f4c7c32d4f71b54bda0291@6=1",
		  "not an EVM address", NULL },
		{ "base-mainnet:" USDC_SOL "@6=1", "not an EVM address", NULL },
		{ "base-mainnet:@6=1", "not an address", NULL },
		{ "mainnet:" USDC_BASE "@6=1", "not a Solana address", NULL },
		{ "mainnet:" USDC_SOL "0@6=1", "not a Solana address", NULL },
		{ "mainnet:" USDC_SOL "l@6=1", "not a Solana address", NULL },
		{ "ETH=1;ETH=2", "ETH is listed twice", NULL },
		{ "base-mainnet:" USDC_BASE "@6=1;base-mainnet:" USDC_BASE_LC
		  "@18=1", "listed twice", NULL },
	};
	struct price_entry	e[PRICE_ENTRIES_MAX];
	char			err[256];
	size_t			i;

	(void)state;
	for (i = 0; i < NITEMS(rows); i++) {
		err[0] = '\0';
		if (price_parse_static(rows[i].text, nets, nnets, e,
		    PRICE_ENTRIES_MAX, err, sizeof(err)) != -1)
			fail_msg("'%s': accepted", rows[i].text);
		want_in(rows[i].text, err, "security.price_static: ");
		want_in(rows[i].text, err, rows[i].want1);
		want_in(rows[i].text, err, rows[i].want2);
	}
}

/* 64 entries fit, 65 do not. */
static void
test_static_count(void **state)
{
	struct price_entry	e[PRICE_ENTRIES_MAX];
	char			text[PRICE_ENTRIES_MAX * 80], one[80], err[256];
	int			i;

	(void)state;
	text[0] = '\0';
	for (i = 0; i < PRICE_ENTRIES_MAX; i++) {
		snprintf(one, sizeof(one), "base-mainnet:0x%040x@6=1;", i + 1);
		strlcat(text, one, sizeof(text));
	}
	assert_int_equal(price_parse_static(text, nets, nnets, e,
	    PRICE_ENTRIES_MAX, err, sizeof(err)), PRICE_ENTRIES_MAX);
	strlcat(text, "ETH=1", sizeof(text));
	assert_int_equal(price_parse_static(text, nets, nnets, e,
	    PRICE_ENTRIES_MAX, err, sizeof(err)), -1);
	want_in("65 entries", err, "more than 64 entries");
}

/* ---- price_ids ---- */

static void
test_ids(void **state)
{
	static const struct badrow bad[] = {
		{ "ETH", "want KEY=coin-id", NULL },
		{ "ETH=", "coin id", "'ETH='" },
		{ "ETH=Ethereum", "coin id", NULL },
		{ "ETH=ether eum", "coin id", NULL },
		{ "ETH=ether&x=1", "coin id", NULL },
		{ "ETH=ether/../x", "coin id", NULL },
		{ "ETH=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaa", "coin id", NULL },
		{ "ETH=ethereum;ETH=ethereum", "listed twice", NULL },
		{ "FOO=foo", "no network has the native coin 'FOO'", NULL },
		{ "base-sepolia:" USDC_SOL "@6=usd-coin", "not an EVM address",
		  NULL },
	};
	struct price_id	id[PRICE_ENTRIES_MAX];
	char		err[256];
	size_t		i;

	(void)state;
	assert_int_equal(price_parse_ids("ETH=ethereum; SOL = solana ;"
	    "base-mainnet:" USDC_BASE_LC "@6=usd-coin;POL=polygon-ecosystem"
	    "-token;mainnet:" USDC_SOL "@6=usd-coin;HYPE=hyperliquid;"
	    "LETH=a_b.c-9", nets, nnets, id, PRICE_ENTRIES_MAX, err,
	    sizeof(err)), 7);
	assert_string_equal(id[0].key.text, "ETH");
	assert_string_equal(id[0].id, "ethereum");
	assert_string_equal(id[1].id, "solana");
	assert_string_equal(id[2].key.text, "base-mainnet:" USDC_BASE "@6");
	assert_string_equal(id[2].id, "usd-coin");
	assert_string_equal(id[6].id, "a_b.c-9");
	/* A coin id of 64 bytes fits (65 is refused below). */
	assert_int_equal(price_parse_ids("ETH=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", nets, nnets, id, 1, err,
	    sizeof(err)), 1);
	assert_int_equal(strlen(id[0].id), PRICE_ID_MAX);
	for (i = 0; i < NITEMS(bad); i++) {
		err[0] = '\0';
		if (price_parse_ids(bad[i].text, nets, nnets, id,
		    PRICE_ENTRIES_MAX, err, sizeof(err)) != -1)
			fail_msg("'%s': accepted", bad[i].text);
		want_in(bad[i].text, err, "security.price_ids: ");
		want_in(bad[i].text, err, bad[i].want1);
		want_in(bad[i].text, err, bad[i].want2);
	}
}

/* ---- both tables and the URL, at config load ---- */

static void
test_config_check(void **state)
{
	static const struct {
		const char	*statics, *ids, *url, *want;
	} rows[] = {
		{ "", "", "", NULL },
		{ "ETH=2000", "", "", NULL },
		{ "", "ETH=ethereum", "https://x.example/price", NULL },
		{ "ETH=2000", "ETH=ethereum", "https://x.example/p?k=1", NULL },
		{ "base-mainnet:" USDC_BASE "@6=1", "base-mainnet:"
		  USDC_BASE_LC "@6=usd-coin", "http://x/p", NULL },
		{ "", "ETH=ethereum", "", "security.price_url is not" },
		{ "", "", "https://x.example/price",
		  "security.price_ids names no coin" },
		{ "", "ETH=ethereum", "https://x.example/p#frag", "fragment" },
		{ "base-mainnet:" USDC_BASE "@6=1", "base-mainnet:"
		  USDC_BASE_LC "@18=usd-coin", "http://x/p",
		  "security.price_static has it as base-mainnet:" USDC_BASE
		  "@6" },
		{ "ETH=x", "", "", "security.price_static: 'ETH=x'" },
		{ "", "ETH=", "http://x/p", "security.price_ids: 'ETH='" },
	};
	char	err[256];
	size_t	i;
	int	r;

	(void)state;
	for (i = 0; i < NITEMS(rows); i++) {
		err[0] = '\0';
		r = price_config_check(rows[i].statics, rows[i].ids,
		    rows[i].url, nets, nnets, err, sizeof(err));
		if (rows[i].want == NULL && r != 0)
			fail_msg("row %zu: refused: %s", i, err);
		if (rows[i].want != NULL) {
			if (r != -1)
				fail_msg("row %zu: accepted", i);
			want_in("config check", err, rows[i].want);
		}
	}
}

/* ---- the request ---- */

static void
test_request_url(void **state)
{
	struct price_id	id[PRICE_ENTRIES_MAX];
	char		err[256], out[PRICE_REQ_URL_MAX], small[40];

	(void)state;
	assert_int_equal(price_parse_ids("ETH=ethereum;SOL=solana;"
	    "base-mainnet:" USDC_BASE "@6=usd-coin;mainnet:" USDC_SOL
	    "@6=usd-coin;POL=ethereum", nets, nnets, id, PRICE_ENTRIES_MAX,
	    err, sizeof(err)), 5);
	assert_int_equal(price_request_url("https://api.example/simple/price",
	    id, 5, out, sizeof(out)), 0);
	assert_string_equal(out, "https://api.example/simple/price?ids="
	    "ethereum,solana,usd-coin&vs_currencies=usd");
	assert_int_equal(price_request_url("https://a/p?x_cg_demo_api_key=K",
	    id, 1, out, sizeof(out)), 0);
	assert_string_equal(out, "https://a/p?x_cg_demo_api_key=K&ids="
	    "ethereum&vs_currencies=usd");
	assert_int_equal(price_request_url("https://a/p?", id, 1, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "https://a/p?ids=ethereum&vs_currencies=usd");
	assert_int_equal(price_request_url("https://a/p?k=1&", id, 1, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "https://a/p?k=1&ids=ethereum&"
	    "vs_currencies=usd");
	assert_int_equal(price_request_url("https://a/p", id, 5, small,
	    sizeof(small)), -1);
	assert_int_equal(price_request_url("https://a/p", id, 5, out, 0), -1);
}

/* ---- the answer ---- */

static void
test_answer(void **state)
{
	static const struct {
		const char	*text;
		int		 ok;
		double		 eth, sol;	/* NAN: missing */
	} rows[] = {
		{ "{\"ethereum\":{\"usd\":2000},\"solana\":{\"usd\":150.5}}",
		  1, 2000, 150.5 },
		{ "{\"solana\":{\"usd\":150.5,\"eur\":140}}", 1, NAN, 150.5 },
		{ "{}", 1, NAN, NAN },
		{ " {\"ethereum\":{\"usd\":1e3}} ", 1, 1000, NAN },
		{ "{\"ethereum\":{\"usd\":100000000000000000000000}}", 1, 1e23,
		  NAN },
		{ "{\"ethereum\":{\"usd\":-5}}", 1, -5, NAN },
		{ "{\"ethereum\":{\"usd\":0}}", 1, 0, NAN },
		{ "{\"other\":{\"usd\":\"x\"},\"ethereum\":{\"usd\":2}}", 1, 2,
		  NAN },
		{ "{\"ethereum\":{\"usd\":\"2000\"}}", 0, NAN, NAN },
		{ "{\"ethereum\":{\"usd\":null}}", 0, NAN, NAN },
		{ "{\"ethereum\":{}}", 0, NAN, NAN },
		{ "{\"ethereum\":{\"eur\":1}}", 0, NAN, NAN },
		{ "{\"ethereum\":2000}", 0, NAN, NAN },
		{ "{\"other\":1,\"ethereum\":{\"usd\":2}}", 0, NAN, NAN },
		{ "{\"ethereum\":{\"usd\":1e400}}", 0, NAN, NAN },
		{ "{\"ethereum\":{\"usd\":1},\"ethereum\":{\"usd\":2}}", 0, NAN,
		  NAN },
		{ "[{\"ethereum\":{\"usd\":1}}]", 0, NAN, NAN },
		{ "\"ethereum\"", 0, NAN, NAN },
		{ "<html>502 Bad Gateway</html>", 0, NAN, NAN },
		{ "", 0, NAN, NAN },
		{ "{\"ethereum\":{\"usd\":2000}", 0, NAN, NAN },
		{ "{\"ethereum\":{\"usd\":2000}} x", 0, NAN, NAN },
	};
	struct price_id	id[4];
	double		v[4];
	char		err[256], why[160], *big;
	size_t		i;
	int		r;

	(void)state;
	assert_int_equal(price_parse_ids("ETH=ethereum;SOL=solana;"
	    "POL=ethereum", nets, nnets, id, 4, err, sizeof(err)), 3);
	for (i = 0; i < NITEMS(rows); i++) {
		why[0] = '\0';
		r = price_answer_parse(rows[i].text, strlen(rows[i].text), id,
		    3, v, why, sizeof(why));
		if (r != (rows[i].ok ? 0 : -1))
			fail_msg("'%s': %d (%s)", rows[i].text, r, why);
		if (!rows[i].ok) {
			assert_true(why[0] != '\0');
			assert_true(isnan(v[0]) && isnan(v[1]) && isnan(v[2]));
			continue;
		}
		if (isnan(rows[i].eth))
			assert_true(isnan(v[0]) && isnan(v[2]));
		else {
			near(rows[i].text, v[0], rows[i].eth);
			/* POL has the same id: the same value. */
			near(rows[i].text, v[2], rows[i].eth);
		}
		if (isnan(rows[i].sol))
			assert_true(isnan(v[1]));
		else
			near(rows[i].text, v[1], rows[i].sol);
	}
	/* Over the bound: refused without parsing. */
	big = malloc(PRICE_ANSWER_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', PRICE_ANSWER_MAX + 1);
	memcpy(big, "{}", 2);
	assert_int_equal(price_answer_parse(big, PRICE_ANSWER_MAX + 1, id, 3,
	    v, why, sizeof(why)), -1);
	want_in("big", why, "over");
	assert_int_equal(price_answer_parse(big, PRICE_ANSWER_MAX, id, 3, v,
	    why, sizeof(why)), 0);
	free(big);
	/* A NUL inside is not JSON. */
	assert_int_equal(price_answer_parse("{}\0{}", 5, id, 3, v, why,
	    sizeof(why)), -1);
}

/* ---- plausibility ---- */

static void
test_track(void **state)
{
	struct price_track	t;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_false(price_track_usable(&t));
	/* Refused: nothing changes. */
	assert_int_equal(price_track(&t, 0, 50, T0), PRICE_REFUSED);
	assert_int_equal(price_track(&t, -1, 50, T0), PRICE_REFUSED);
	assert_int_equal(price_track(&t, NAN, 50, T0), PRICE_REFUSED);
	assert_int_equal(price_track(&t, INFINITY, 50, T0), PRICE_REFUSED);
	assert_int_equal(price_track(&t, 1e12 * 1.0000001, 50, T0),
	    PRICE_REFUSED);
	assert_false(price_track_usable(&t));
	/* The first value is taken. */
	assert_int_equal(price_track(&t, 2000, 50, T0), PRICE_ACCEPTED);
	assert_true(price_track_usable(&t));
	assert_int_equal(t.at, T0);
	/* Within 50%, both ways, the edge included. */
	assert_int_equal(price_track(&t, 3000, 50, T0 + 1), PRICE_ACCEPTED);
	assert_int_equal(price_track(&t, 1500, 50, T0 + 2), PRICE_ACCEPTED);
	near("edge", t.usd, 1500);
	assert_int_equal(t.at, T0 + 2);
	/* 1500 -> 20: held, no price; the accepted one stays for later. */
	assert_int_equal(price_track(&t, 20, 50, T0 + 3), PRICE_HELD);
	assert_false(price_track_usable(&t));
	near("held", t.usd, 1500);
	assert_int_equal(t.at, T0 + 2);
	/* Refused while held: still held. */
	assert_int_equal(price_track(&t, 0, 50, T0 + 4), PRICE_REFUSED);
	assert_false(price_track_usable(&t));
	/* Another far value: held instead. */
	assert_int_equal(price_track(&t, 200, 50, T0 + 5), PRICE_HELD);
	near("held", t.held, 200);
	/* Confirmed within 5% of the held value. */
	assert_int_equal(price_track(&t, 209, 50, T0 + 6), PRICE_CONFIRMED);
	assert_true(price_track_usable(&t));
	near("confirmed", t.usd, 209);
	assert_int_equal(t.at, T0 + 6);
	/* A glitch and back: the old price returns, the hold is gone. */
	assert_int_equal(price_track(&t, 1, 50, T0 + 7), PRICE_HELD);
	assert_int_equal(price_track(&t, 210, 50, T0 + 8), PRICE_ACCEPTED);
	assert_true(price_track_usable(&t));
	assert_true(t.held == 0);
	/* Confirmation wants within 5%, not 50%. */
	assert_int_equal(price_track(&t, 1000, 50, T0 + 9), PRICE_HELD);
	assert_int_equal(price_track(&t, 1060, 50, T0 + 10), PRICE_HELD);
	assert_int_equal(price_track(&t, 1070, 50, T0 + 11), PRICE_CONFIRMED);
	/* max_change_pct 1000: ten times more is still a change allowed. */
	memset(&t, 0, sizeof(t));
	assert_int_equal(price_track(&t, 10, 1000, T0), PRICE_ACCEPTED);
	assert_int_equal(price_track(&t, 110, 1000, T0), PRICE_ACCEPTED);
	assert_int_equal(price_track(&t, 1211, 1000, T0), PRICE_HELD);
	/* max_change_pct 1: a 2% move is held. */
	memset(&t, 0, sizeof(t));
	assert_int_equal(price_track(&t, 100, 1, T0), PRICE_ACCEPTED);
	assert_int_equal(price_track(&t, 101, 1, T0), PRICE_ACCEPTED);
	assert_int_equal(price_track(&t, 103.1, 1, T0), PRICE_HELD);
	/* The largest plausible price. */
	memset(&t, 0, sizeof(t));
	assert_int_equal(price_track(&t, 1e12, 50, T0), PRICE_ACCEPTED);
}

/* ---- the value of an amount ---- */

static void
test_amount(void **state)
{
	static const struct {
		const char	*amount;
		int		 decimals;
		double		 usd;
		double		 want;		/* -1: refused */
	} rows[] = {
		/* 18 decimals: ETH */
		{ "1000000000000000000", 18, 2000, 2000 },
		{ "1000000000000000", 18, 2000, 2 },
		{ "10000000000000000", 18, 2000, 20 },
		{ "100000000000000000", 18, 2000, 200 },
		{ "1", 18, 2000, 2e-15 },
		{ "1234567890123", 18, 2000, 0.002469135780246 },
		/* 9: SOL */
		{ "1500000000", 9, 150, 225 },
		{ "1", 9, 150, 1.5e-7 },
		/* 6: USDC */
		{ "1234567", 6, 1, 1.234567 },
		{ "1000000", 6, 0.9999, 0.9999 },
		/* 0 and 36 */
		{ "7", 0, 3, 21 },
		{ "1000000000000000000000000000000000000", 36, 5, 5 },
		/* zero */
		{ "0", 18, 2000, 0 },
		{ "0", 0, 1e12, 0 },
		/* 78 digits: no overflow, and precise */
		{ MAXU, 18, 2000, 2.3158417847463239e62 },
		{ MAXU, 0, 1e12, 1.1579208923731620e89 },
		{ MAXU, 36, 1e-6, 1.1579208923731620e35 },
		{ "123456789012345678901234567890", 18, 1,
		  123456789012.34567890123456789 },
		{ "999999999999999999999999999999999999999999999999999999999999"
		  "999999999999999999", 18, 1, 1e60 },
		/* refused */
		{ "", 18, 1, -1 },
		{ "01", 18, 1, -1 },
		{ "-1", 18, 1, -1 },
		{ "+1", 18, 1, -1 },
		{ "1.5", 18, 1, -1 },
		{ "1e3", 18, 1, -1 },
		{ " 1", 18, 1, -1 },
		{ "0x10", 18, 1, -1 },
		{ MAXU "0", 18, 1, -1 },
		{ "1", 37, 1, -1 },
		{ "1", -1, 1, -1 },
		{ "1", 18, -1, -1 },
		{ "1", 18, NAN, -1 },
		{ "1", 18, INFINITY, -1 },
	};
	size_t	i;
	double	v;

	(void)state;
	for (i = 0; i < NITEMS(rows); i++) {
		v = price_amount_usd(rows[i].amount, rows[i].decimals,
		    rows[i].usd);
		if (rows[i].want < 0) {
			if (v != -1)
				fail_msg("'%s' @%d: %.17g, want -1",
				    rows[i].amount, rows[i].decimals, v);
			continue;
		}
		assert_true(isfinite(v));
		near(rows[i].amount, v, rows[i].want);
	}
	assert_true(price_amount_usd(NULL, 18, 1) == -1);
}

/* ---- the table policyd looks up ---- */

static void
fx_set(struct price_table *t, const char *key, double usd, long long at)
{
	struct price_entry	*e = &t->fx[t->nfx++];
	char			 why[160];

	memset(e, 0, sizeof(*e));
	if (price_key_parse(key, strlen(key), nets, nnets, &e->key, why,
	    sizeof(why)) == -1)
		fail_msg("%s: %s", key, why);
	e->usd = usd;
	e->fetched_at = at;
}

static void
test_table(void **state)
{
	struct price_table	t;
	char			err[256], why[160];
	const char		*eth1 = "1000000000000000000";
	double			v;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.max_age = 600;
	/* Nothing known. */
	v = price_table_value(&t, net("ethereum-mainnet"), NULL, eth1, T0,
	    why, sizeof(why));
	assert_true(v == -1);
	want_in("empty", why, "no price for ETH");

	/* Fetched: fresh up to max_age, stale after. */
	fx_set(&t, "ETH", 2000, T0);
	near("fresh", price_table_value(&t, net("ethereum-mainnet"), NULL,
	    eth1, T0, why, sizeof(why)), 2000);
	near("at max_age", price_table_value(&t, net("ethereum-mainnet"),
	    NULL, eth1, T0 + 600, why, sizeof(why)), 2000);
	v = price_table_value(&t, net("ethereum-mainnet"), NULL, eth1,
	    T0 + 601, why, sizeof(why));
	assert_true(v == -1);
	want_in("stale", why, "stale");
	want_in("stale", why, "601 s");
	/* A time ahead of the clock is not stale. */
	near("ahead", price_table_value(&t, net("ethereum-mainnet"), NULL,
	    eth1, T0 - 100, why, sizeof(why)), 2000);
	/* A symbol prices every network whose native coin it is. */
	near("arbitrum", price_table_value(&t, net("arbitrum-sepolia"), NULL,
	    "500000000000000000", T0, why, sizeof(why)), 1000);
	assert_true(price_table_value(&t, net("polygon-mainnet"), NULL, eth1,
	    T0, why, sizeof(why)) == -1);
	want_in("polygon", why, "no price for POL");
	assert_true(price_table_value(&t, net("mainnet"), NULL, eth1, T0,
	    why, sizeof(why)) == -1);
	want_in("solana", why, "no price for SOL");
	/* A native price is not a token's. */
	assert_true(price_table_value(&t, net("ethereum-mainnet"), USDC_BASE,
	    "1", T0, why, sizeof(why)) == -1);
	want_in("token", why, "no price for token");
	assert_true(price_table_value(&t, net("ethereum-mainnet"), "", "1",
	    T0, why, sizeof(why)) == -1);
	assert_true(price_table_value(&t, NULL, NULL, "1", T0, why,
	    sizeof(why)) == -1);

	/* Static wins over fetched and never goes stale. */
	assert_int_equal(price_parse_static("ETH=2500;mainnet:" USDC_SOL
	    "@6=1.01", nets, nnets, t.st, PRICE_ENTRIES_MAX, err,
	    sizeof(err)), 2);
	t.nst = 2;
	near("static", price_table_value(&t, net("ethereum-mainnet"), NULL,
	    eth1, T0, why, sizeof(why)), 2500);
	near("static, later", price_table_value(&t, net("ethereum-mainnet"),
	    NULL, eth1, T0 + 86400 * 365, why, sizeof(why)), 2500);
	/* Solana 9 decimals, fetched. */
	fx_set(&t, "SOL", 150, T0);
	near("sol", price_table_value(&t, net("devnet"), NULL, "2000000000",
	    T0, why, sizeof(why)), 300);

	/* Tokens: decimals from the key; EVM address in any case. */
	fx_set(&t, "base-mainnet:" USDC_BASE "@6", 0.999, T0);
	near("usdc", price_table_value(&t, net("base-mainnet"), USDC_BASE_LC,
	    "2000000", T0, why, sizeof(why)), 1.998);
	near("usdc", price_table_value(&t, net("base-mainnet"), USDC_BASE,
	    "2000000", T0, why, sizeof(why)), 1.998);
	assert_true(price_table_value(&t, net("base-sepolia"), USDC_BASE,
	    "2000000", T0, why, sizeof(why)) == -1);
	assert_true(price_table_value(&t, net("base-mainnet"), USDC_BASE,
	    "2000000", T0 + 601, why, sizeof(why)) == -1);
	want_in("token stale", why, "stale");
	/* Solana mints compare exactly; the static one wins. */
	fx_set(&t, "mainnet:" USDC_SOL "@6", 0.5, T0);
	near("spl", price_table_value(&t, net("mainnet"), USDC_SOL, "1000000",
	    T0, why, sizeof(why)), 1.01);
	assert_true(price_table_value(&t, net("mainnet"), USDC_SOL_LC,
	    "1000000", T0, why, sizeof(why)) == -1);
	/* A bad amount. */
	assert_true(price_table_value(&t, net("mainnet"), USDC_SOL, "1.5", T0,
	    why, sizeof(why)) == -1);
	want_in("amount", why, "amount");
	/* why may be NULL. */
	assert_true(price_table_value(&t, net("polygon-amoy"), NULL, "1", T0,
	    NULL, 0) == -1);
	/* An operator chain's own coin. */
	assert_int_equal(price_parse_static("LETH=3", nets, nnets, t.st,
	    PRICE_ENTRIES_MAX, err, sizeof(err)), 1);
	t.nst = 1;
	near("custom", price_table_value(&t, net("localdev"), NULL, eth1, T0,
	    why, sizeof(why)), 3);
	/* ETH is fetched only now: 2000, no longer the static 2500. */
	near("fetched again", price_table_value(&t, net("ethereum-mainnet"),
	    NULL, eth1, T0, why, sizeof(why)), 2000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_valid),
		cmocka_unit_test(test_static_refused),
		cmocka_unit_test(test_static_count),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_config_check),
		cmocka_unit_test(test_request_url),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_track),
		cmocka_unit_test(test_amount),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
