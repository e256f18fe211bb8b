/*
 * USD prices for the policy engine.  The operator configures them in
 * [security]: a static table (price_static) and the coin ids of a
 * CoinGecko-style simple-price endpoint (price_url, price_ids) that the
 * api fetches.  Keys are a native coin's symbol ("ETH": every network
 * whose native coin it is) or a token, "<network>:<address>@<decimals>".
 *
 * Pure: no I/O, no clock (callers pass `now'), no state but what the
 * caller hands in.  The parent validates the configuration with it, the
 * api parses the endpoint's answers and applies the plausibility rules,
 * policyd looks prices up and values amounts.
 */
#ifndef WAIAAS_PRICE_H
#define WAIAAS_PRICE_H

#include <stddef.h>
#include <stdint.h>

#include "network.h"

#define PRICE_CONF_MAX		4096	/* price_static, price_ids: bytes */
#define PRICE_ENTRIES_MAX	64	/* entries of each */
#define PRICE_KEY_MAX		96	/* canonical key text, NUL included */
#define PRICE_ADDR_MAX		48	/* base58 of 32 bytes: 44 */
#define PRICE_ID_MAX		64	/* a coin id */
#define PRICE_USD_MAX		1e12
#define PRICE_DECIMALS_MAX	36
#define PRICE_CONFIRM_PCT	5	/* a held value confirmed within */
#define PRICE_ANSWER_MAX	(64 * 1024)	/* bytes of an answer */
/* "<url>?ids=<ids>&vs_currencies=usd" */
#define PRICE_QUERY_MAX		(PRICE_ENTRIES_MAX * (PRICE_ID_MAX + 1) + 32)
#define PRICE_REQ_URL_MAX	(NET_URL_MAX + PRICE_QUERY_MAX)

struct price_key {
	char		text[PRICE_KEY_MAX];	/* canonical */
	char		symbol[NET_SYMBOL_MAX + 1];	/* native, else "" */
	char		network[NET_NAME_MAX + 1];	/* token */
	char		address[PRICE_ADDR_MAX + 1];	/* token: EIP-55 or
							   base58 as given */
	uint32_t	chain;			/* token: KS_CHAIN_* */
	int		decimals;		/* token: 0..36; native: -1 */
};

/* A price: static (fetched_at 0, never stale) or fetched. */
struct price_entry {
	struct price_key key;
	double		 usd;
	int64_t		 fetched_at;	/* unix seconds */
};

/* price_ids: which coin id prices a key. */
struct price_id {
	struct price_key key;
	char		 id[PRICE_ID_MAX + 1];
};

/*
 * Parse one key against the networks.  Returns 0, or -1 with why set
 * (unknown network or symbol, bad address for the chain, decimals).
 */
int	price_key_parse(const char *, size_t, const struct network *, size_t,
	    struct price_key *, char *, size_t);
/* 1 when both keys price the same thing (decimals aside). */
int	price_key_same(const struct price_key *, const struct price_key *);

/*
 * "KEY=USD;KEY=USD..." and "KEY=coin-id;...": the number of entries
 * (at most max), or -1 with err naming the key (security.price_static
 * or security.price_ids) and the bad entry.
 */
int	price_parse_static(const char *, const struct network *, size_t,
	    struct price_entry *, size_t, char *, size_t);
int	price_parse_ids(const char *, const struct network *, size_t,
	    struct price_id *, size_t, char *, size_t);
/*
 * Both tables together, and the URL: a token both list must have the
 * same decimals.  0, or -1 with err set.
 */
int	price_config_check(const char *, const char *, const char *,
	    const struct network *, size_t, char *, size_t);

/*
 * The request: url, then '?' (or '&' when url has a query already),
 * "ids=<each distinct id, comma-separated>&vs_currencies=usd".  0, or
 * -1 if it does not fit.
 */
int	price_request_url(const char *, const struct price_id *, size_t,
	    char *, size_t);
/*
 * A simple-price answer, {"<id>": {"usd": <number>}, ...}: an object of
 * objects, with a finite number "usd" for each id asked; other ids are
 * not looked at beyond being objects.  vals[i] gets the value for
 * ids[i], or NAN when the answer does not have it.  0, or -1 with why
 * set for an answer refused as a whole (never quoting it).
 */
int	price_answer_parse(const char *, size_t, const struct price_id *,
	    size_t, double *, char *, size_t);

/*
 * The plausibility rules for one fetched key.  A value outside
 * (0, 1e12] is refused.  The first value is accepted; after that a value
 * that moved more than max_change_pct from the last accepted one is held
 * (the key has no usable price) until a later fetch agrees with it
 * within PRICE_CONFIRM_PCT.
 */
struct price_track {
	double		usd;		/* last accepted; 0: none */
	int64_t		at;		/* when accepted */
	double		held;		/* unconfirmed; 0: none */
};

#define PRICE_ACCEPTED	0
#define PRICE_CONFIRMED	1	/* a held value, confirmed */
#define PRICE_HELD	2	/* moved too far: no price until confirmed */
#define PRICE_REFUSED	3	/* not in (0, 1e12]: nothing changes */

int	price_track(struct price_track *, double, int, int64_t);
/* The accepted value is usable (accepted, and nothing held). */
int	price_track_usable(const struct price_track *);

/* What policyd knows: the static table and the last fetched prices. */
struct price_table {
	struct price_entry	st[PRICE_ENTRIES_MAX];
	size_t			nst;
	struct price_entry	fx[PRICE_ENTRIES_MAX];
	size_t			nfx;
	long long		max_age;	/* s: older fetched = missing */
};

/*
 * The price of a network's native coin (token NULL) or of a token on it:
 * the static entry if there is one, else a fetched one no older than
 * max_age.  NULL with why set when there is none.  EVM token addresses
 * compare without case.
 */
const struct price_entry *price_find(const struct price_table *,
	    const struct network *, const char *, long long, char *, size_t);
/*
 * What price_find() would find, for counting: a usable price
 * (PRICE_LOOK_HIT), a fetched one older than max_age (PRICE_LOOK_STALE,
 * which is no price), or none (PRICE_LOOK_MISS).
 */
#define PRICE_LOOK_HIT		0
#define PRICE_LOOK_STALE	1
#define PRICE_LOOK_MISS		2
int	price_look(const struct price_table *, const struct network *,
	    const char *, long long);
/*
 * amount, a decimal string in the smallest unit (up to 78 digits, no
 * sign, no leading zero), times usd / 10^decimals.  -1 if amount is not
 * such a string.  See price.c for the precision.
 */
double	price_amount_usd(const char *, int, double);
/* price_find() and price_amount_usd(): the value, or -1 with why. */
double	price_table_value(const struct price_table *, const struct network *,
	    const char *, const char *, long long, char *, size_t);

#endif
