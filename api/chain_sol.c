/*
 * The api's Solana client: what policyd needs to build a transaction
 * (a recent blockhash, the mint's decimals, whether the recipient's
 * associated token account exists), broadcasting a signed transaction
 * and watching its signature to a final state, and the balance and
 * assets reads of the REST API.
 *
 * Everything a node answers is untrusted: every field used is checked
 * for type, length and range, and an answer that does not fit is a
 * CHAIN_ERROR (or, while watching, one more poll), never a guess.  A
 * send reaches a final state only from what the chain says: a transient
 * error while watching means polling again later, with back-off.
 */
#include <sys/types.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>
#include <sodium.h>

#include "base58.h"
#include "chain.h"
#include "log.h"
#include "solana.h"
#include "util.h"

#define SOL_FEE_PER_SIG		5000	/* lamports; every tx: one signer */
#define SOL_DECIMALS		9
#define SOL_MINT_LEN		82	/* SPL Token Mint */
#define SOL_TOKACCT_LEN		165	/* SPL Token Account */
#define SOL_DATA_MAX		(64 * 1024)	/* account data we decode */
#define SOL_SIG58_MAX		90	/* base58 of 64 bytes, NUL */
#define SOL_KEY58_MAX		46	/* base58 of 32 bytes, NUL */
#define SOL_ACCTS_MAX		1024	/* token accounts in one answer */
#define SOL_MINTS_MAX		256	/* distinct mints in assets */
#define SOL_BACKOFF_MAX		30000	/* ms, between failing polls */
#define SOL_LOGS_KEPT		3	/* log lines quoted in a message */

static const char	tok_classic[] =
	    "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
static const char	tok_2022[] =
	    "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb";

/* Mints whose symbol is known, per network. */
static const struct {
	const char	*network;
	const char	*mint;
	const char	*symbol;
} known_mints[] = {
	{ "mainnet", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "USDC" },
	{ "mainnet", "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB", "USDT" },
	{ "mainnet", "So11111111111111111111111111111111111111112", "wSOL" },
	{ "devnet", "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU", "USDC" },
	{ "devnet", "So11111111111111111111111111111111111111112", "wSOL" },
	{ "testnet", "So11111111111111111111111111111111111111112", "wSOL" },
};

/* ---- small helpers ---- */

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Printable ASCII only: whatever a node said, a message stays a line. */
static void
sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e)
			*s = '?';
}

static void
vfmt(char *buf, size_t len, const char *f, va_list ap)
{
	if (vsnprintf(buf, len, f, ap) < 0)
		strlcpy(buf, "(message lost)", len);
	sanitize(buf);
}

static void __attribute__((format(printf, 3, 4)))
fmt(char *buf, size_t len, const char *f, ...)
{
	va_list	ap;

	va_start(ap, f);
	vfmt(buf, len, f, ap);
	va_end(ap);
}

/* A string of exactly 32 bytes in base58. */
static int
key58(const char *s, uint8_t out[SOL_KEY_LEN])
{
	size_t	len;

	if (s == NULL || (len = strlen(s)) < 32 || len > 44)
		return -1;
	if (base58_decode(s, len, out, SOL_KEY_LEN) != SOL_KEY_LEN)
		return -1;
	return 0;
}

static int
json_key(const json_t *v, uint8_t out[SOL_KEY_LEN])
{
	return json_is_string(v) ? key58(json_string_value(v), out) : -1;
}

/* Is the base58 string v (a JSON string) the key named by s? */
static int
json_is_key(const json_t *v, const char *s)
{
	uint8_t	a[SOL_KEY_LEN], b[SOL_KEY_LEN];

	if (json_key(v, a) == -1 || key58(s, b) == -1)
		return 0;
	return memcmp(a, b, sizeof(a)) == 0;
}

static void
enc58(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	size_t	n;

	n = base58_encode(in, len, out, outlen);
	if (n >= outlen)
		n = 0;
	out[n] = '\0';
}

/*
 * A JSON number that is a u64.  Integers as jansson has them (signed 64
 * bits); a real only if integral and exact (a client decoding big
 * integers as reals).
 */
static int
json_u64(const json_t *v, uint64_t *out)
{
	double	d;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return -1;
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		d = json_real_value(v);
		if (!(d >= 0 && d <= 9007199254740992.0) ||
		    d != (double)(uint64_t)d)
			return -1;
		*out = (uint64_t)d;
		return 0;
	}
	return -1;
}

/* A decimal u64 as a string: digits only, no leading zero, no overflow. */
static int
dec_u64(const json_t *v, uint64_t *out)
{
	const char	*s;
	uint64_t	 n = 0;
	size_t		 len, i;

	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	len = strlen(s);
	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (n > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	*out = n;
	return 0;
}

/* The "value" member of an RpcResponse ({context, value}). */
static json_t *
rpc_value(json_t *result)
{
	if (!json_is_object(result) ||
	    !json_is_object(json_object_get(result, "context")))
		return NULL;
	return json_object_get(result, "value");
}

/*
 * An account of getAccountInfo with base64 data: owner and data checked,
 * data decoded (malloc'd, at most SOL_DATA_MAX bytes).
 */
static int
acct_data(json_t *acct, uint8_t owner[SOL_KEY_LEN], uint8_t **data,
    size_t *len)
{
	json_t		*d;
	const char	*b64, *end;
	size_t		 b64len, max;
	uint64_t	 lamports;

	*data = NULL;
	if (!json_is_object(acct) ||
	    json_key(json_object_get(acct, "owner"), owner) == -1 ||
	    json_u64(json_object_get(acct, "lamports"), &lamports) == -1)
		return -1;
	d = json_object_get(acct, "data");
	if (!json_is_array(d) || json_array_size(d) != 2 ||
	    !json_is_string(json_array_get(d, 0)) ||
	    !json_is_string(json_array_get(d, 1)) ||
	    strcmp(json_string_value(json_array_get(d, 1)), "base64") != 0)
		return -1;
	b64 = json_string_value(json_array_get(d, 0));
	b64len = strlen(b64);
	max = b64len / 4 * 3;
	if (b64len % 4 != 0 || max > SOL_DATA_MAX)
		return -1;
	if ((*data = malloc(max + 1)) == NULL)
		return -1;
	if (sodium_base642bin(*data, max + 1, b64, b64len, NULL, len, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || end != b64 + b64len) {
		free(*data);
		*data = NULL;
		return -1;
	}
	return 0;
}

static const char *
known_symbol(const struct chain_net *n, const char *mint)
{
	size_t	i;

	for (i = 0; i < nitems(known_mints); i++)
		if (strcmp(known_mints[i].network, n->net.name) == 0 &&
		    strcmp(known_mints[i].mint, mint) == 0)
			return known_mints[i].symbol;
	return "";
}

static const struct rpc_endpoint *
endpoint(struct chain_net *n)
{
	if (n->ep.url == NULL) {
		n->ep.url = n->url;
		n->ep.resolve = n->resolve;
	}
	return &n->ep;
}

/*
 * A transaction error as the node encodes it, in words:
 * "InsufficientFundsForFee", {"InstructionError":[0,{"Custom":1}]} ...
 */
static void
tx_err_text(const json_t *err, char *buf, size_t len)
{
	const json_t	*ie, *v;
	char		*s;

	if (json_is_string(err)) {
		fmt(buf, len, "%s", json_string_value(err));
		return;
	}
	ie = json_object_get(err, "InstructionError");
	if (json_is_array(ie) && json_array_size(ie) == 2 &&
	    json_is_integer(json_array_get(ie, 0))) {
		v = json_array_get(ie, 1);
		if (json_is_string(v)) {
			fmt(buf, len, "instruction %" JSON_INTEGER_FORMAT
			    ": %s", json_integer_value(json_array_get(ie, 0)),
			    json_string_value(v));
			return;
		}
		if (json_is_integer(json_object_get(v, "Custom"))) {
			fmt(buf, len, "instruction %" JSON_INTEGER_FORMAT
			    ": custom program error 0x%" JSON_INTEGER_FORMAT
			    "x", json_integer_value(json_array_get(ie, 0)),
			    json_integer_value(json_object_get(v, "Custom")));
			return;
		}
	}
	if ((s = json_dumps(err, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL) {
		strlcpy(buf, "unknown error", len);
		return;
	}
	fmt(buf, len, "%s", s);
	free(s);
}

/* A log line that says something (not invoke/success/consumed). */
static int
log_telling(const char *s)
{
	if (strncmp(s, "Program ", 8) != 0)
		return 1;
	if (strstr(s, " invoke [") != NULL ||
	    strstr(s, " success") != NULL ||
	    strstr(s, " consumed ") != NULL ||
	    strncmp(s, "Program log: Instruction:", 25) == 0)
		return 0;
	return 1;
}

/*
 * A preflight failure in a line: the node's message, then the last log
 * lines that say why (or the error object when there are none).
 */
static void
preflight_text(const struct rpc_error *e, char *buf, size_t len)
{
	const json_t	*logs, *l;
	const char	*keep[SOL_LOGS_KEPT];
	char		 part[CHAIN_MSG_MAX];
	size_t		 i, n = 0;

	fmt(buf, len, "%s", e->message);
	logs = json_object_get(e->data, "logs");
	if (json_is_array(logs)) {
		for (i = 0; i < json_array_size(logs) && i < 256; i++) {
			l = json_array_get(logs, i);
			if (!json_is_string(l) ||
			    !log_telling(json_string_value(l)))
				continue;
			if (n == SOL_LOGS_KEPT) {
				memmove(keep, keep + 1,
				    sizeof(keep[0]) * (n - 1));
				n--;
			}
			keep[n++] = json_string_value(l);
		}
	}
	if (n == 0 && e->data != NULL &&
	    json_object_get(e->data, "err") != NULL &&
	    !json_is_null(json_object_get(e->data, "err")) &&
	    strstr(e->message, "Error processing") == NULL) {
		tx_err_text(json_object_get(e->data, "err"), part,
		    sizeof(part));
		strlcat(buf, " (", len);
		strlcat(buf, part, len);
		strlcat(buf, ")", len);
	}
	for (i = 0; i < n; i++) {
		strlcat(buf, i == 0 ? "; logs: " : " | ", len);
		fmt(part, sizeof(part), "%.100s", keep[i]);
		strlcat(buf, part, len);
	}
	sanitize(buf);
}

/* ---- prepare ---- */

struct sol_prep {
	struct chain_net	*n;
	struct chain_ctx	 c;
	uint32_t		 op;		/* CHOP_SOL_* */
	char			 from58[CHAIN_ADDR_MAX + 1];
	uint8_t			 to[SOL_KEY_LEN];
	uint8_t			 mint[SOL_KEY_LEN];
	uint8_t			 ata[SOL_KEY_LEN];
	char			 mint58[SOL_KEY58_MAX];
	char			 ata58[SOL_KEY58_MAX];
	int			 token_bal;	/* CHPREP_TOKEN_BAL asked */
	/* CHPREP_SIMULATE: what the transaction carries */
	int			 simulate;
	uint64_t		 amount;
	uint32_t		 naccts;
	struct sign_sol_acct	 accts[SIGN_SOL_MAX_ACCTS];
	uint8_t			*data;		/* CALL: instruction data;
						   TRANSFER, TOKEN: memo */
	size_t			 datalen;
};

static void	prep_blockhash(struct sol_prep *);
static void	prep_simulate(struct sol_prep *);

static void
prep_done(struct sol_prep *p)
{
	chain_prep_done(&p->c);
	free(p->data);
	free(p);
}

static void __attribute__((format(printf, 4, 5)))
prep_fail(struct sol_prep *p, int status, int retryable, const char *f, ...)
{
	va_list	ap;

	p->c.status = status;
	p->c.retryable = retryable != 0;
	va_start(ap, f);
	vfmt(p->c.message, sizeof(p->c.message), f, ap);
	va_end(ap);
	log_debug("sol prepare %s: %s", p->c.txid, p->c.message);
	prep_done(p);
}

static void
prep_rpc_fail(struct sol_prep *p, const char *method,
    const struct rpc_error *e)
{
	char	why[300], msg[CHAIN_MSG_MAX];

	if (e->kind == RPC_E_RPC) {
		prep_fail(p, CHAIN_ERROR, e->retryable, "%s: %s", method,
		    e->message);
		return;
	}
	snprintf(why, sizeof(why), "%s: %s", method, e->message);
	net_rpc_advice(&p->n->net, (p->n->flags & NETF_DEFAULT) != 0, why,
	    msg, sizeof(msg));
	prep_fail(p, CHAIN_ERROR, e->retryable, "%s", msg);
}

static void
prep_call(struct sol_prep *p, const char *method, json_t *params, rpc_cb cb)
{
	if (params == NULL) {
		prep_fail(p, CHAIN_ERROR, 1, "%s: out of memory", method);
		return;
	}
	rpc_call(endpoint(p->n), method, params, 0, cb, p);
}

static void
prep_blockhash_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_prep	*p = arg;
	json_t		*v;
	uint64_t	 h;

	if (e != NULL) {
		prep_rpc_fail(p, "getLatestBlockhash", e);
		return;
	}
	v = rpc_value(result);
	if (!json_is_object(v) ||
	    json_key(json_object_get(v, "blockhash"), p->c.blockhash) == -1 ||
	    json_u64(json_object_get(v, "lastValidBlockHeight"), &h) == -1 ||
	    h == 0) {
		prep_fail(p, CHAIN_ERROR, 1,
		    "getLatestBlockhash: malformed answer");
		return;
	}
	p->c.last_valid_height = h;
	p->c.fee = SOL_FEE_PER_SIG;
	p->c.status = CHAIN_OK;
	if (p->simulate)
		prep_simulate(p);
	else
		prep_done(p);
}

static void
prep_blockhash(struct sol_prep *p)
{
	prep_call(p, "getLatestBlockhash",
	    json_pack("[{s:s}]", "commitment", "confirmed"),
	    prep_blockhash_cb);
}

/* getAccountInfo(key, base64) at "confirmed". */
static json_t *
account_params(const char *key58s)
{
	return json_pack("[s,{s:s,s:s}]", key58s, "encoding", "base64",
	    "commitment", "confirmed");
}

static void
prep_ata_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_prep	*p = arg;
	json_t		*v;
	uint8_t		 owner[SOL_KEY_LEN], *d, state;
	size_t		 len;

	if (e != NULL) {
		prep_rpc_fail(p, "getAccountInfo", e);
		return;
	}
	if (!json_is_object(result) ||
	    (v = json_object_get(result, "value")) == NULL) {
		prep_fail(p, CHAIN_ERROR, 1,
		    "getAccountInfo: malformed answer");
		return;
	}
	if (json_is_null(v)) {
		p->c.ata_exists = 0;
		prep_blockhash(p);
		return;
	}
	if (acct_data(v, owner, &d, &len) == -1) {
		prep_fail(p, CHAIN_ERROR, 1, "getAccountInfo %s: malformed "
		    "account", p->ata58);
		return;
	}
	/*
	 * Lamports sent to the address before the account was created
	 * leave a system account without data: CreateIdempotent still
	 * creates the token account over it.
	 */
	if (len == 0 && memcmp(owner, sol_system_program, SOL_KEY_LEN) == 0) {
		free(d);
		p->c.ata_exists = 0;
		prep_blockhash(p);
		return;
	}
	if (memcmp(owner, sol_token_program, SOL_KEY_LEN) != 0 ||
	    len != SOL_TOKACCT_LEN || memcmp(d, p->mint, SOL_KEY_LEN) != 0 ||
	    memcmp(d + 32, p->to, SOL_KEY_LEN) != 0) {
		free(d);
		prep_fail(p, CHAIN_REFUSED, 0, "the recipient's associated "
		    "token account %s is not an SPL Token account of mint %s",
		    p->ata58, p->mint58);
		return;
	}
	/* state: 0 uninitialized, 1 initialized, 2 frozen */
	state = d[108];
	free(d);
	if (state != 1) {
		prep_fail(p, CHAIN_REFUSED, 0, "the recipient's token account "
		    "%s is %s", p->ata58, state == 2 ? "frozen" :
		    "not initialized");
		return;
	}
	p->c.ata_exists = 1;
	prep_blockhash(p);
}

static void
prep_mint_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_prep	*p = arg;
	json_t		*v;
	uint8_t		 owner[SOL_KEY_LEN], tok22[SOL_KEY_LEN], *d;
	size_t		 len;

	if (e != NULL) {
		prep_rpc_fail(p, "getAccountInfo", e);
		return;
	}
	if (!json_is_object(result) ||
	    (v = json_object_get(result, "value")) == NULL) {
		prep_fail(p, CHAIN_ERROR, 1,
		    "getAccountInfo: malformed answer");
		return;
	}
	if (json_is_null(v)) {
		prep_fail(p, CHAIN_REFUSED, 0, "mint %s does not exist on %s",
		    p->mint58, p->n->net.name);
		return;
	}
	if (acct_data(v, owner, &d, &len) == -1) {
		prep_fail(p, CHAIN_ERROR, 1, "getAccountInfo %s: malformed "
		    "account", p->mint58);
		return;
	}
	if (key58(tok_2022, tok22) == 0 &&
	    memcmp(owner, tok22, SOL_KEY_LEN) == 0) {
		free(d);
		prep_fail(p, CHAIN_REFUSED, 0, "mint %s is a Token-2022 mint; "
		    "only SPL Token mints are supported", p->mint58);
		return;
	}
	if (memcmp(owner, sol_token_program, SOL_KEY_LEN) != 0 ||
	    len != SOL_MINT_LEN) {
		free(d);
		prep_fail(p, CHAIN_REFUSED, 0, "%s is not an SPL Token mint",
		    p->mint58);
		return;
	}
	/* is_initialized at 45, after the authority, supply, decimals */
	if (d[45] != 1) {
		free(d);
		prep_fail(p, CHAIN_REFUSED, 0, "mint %s is not initialized",
		    p->mint58);
		return;
	}
	p->c.decimals = d[44];
	free(d);
	if (sol_ata(p->to, p->mint, sol_token_program, p->ata) == -1) {
		prep_fail(p, CHAIN_REFUSED, 0, "no associated token account "
		    "address for this recipient and mint");
		return;
	}
	enc58(p->ata, SOL_KEY_LEN, p->ata58, sizeof(p->ata58));
	prep_call(p, "getAccountInfo", account_params(p->ata58), prep_ata_cb);
}

/*
 * A dry run: the node's own verdict on the transaction, unsigned (a zero
 * signature, sigVerify off), built as the signer would build it.  Its
 * answer is the simulation, never a failure of the prepare.
 */
static void
prep_sim_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_prep	*p = arg;
	json_t		*v, *logs, *l;
	size_t		 i, used = 0, n;
	uint64_t	 units;

	v = e == NULL ? rpc_value(result) : NULL;
	if (!json_is_object(v)) {
		fmt(p->c.sim_error, sizeof(p->c.sim_error),
		    "simulateTransaction: %s", e != NULL ? e->message :
		    "malformed answer");
		prep_done(p);
		return;
	}
	p->c.sim_ran = 1;
	p->c.sim_ok = json_is_null(json_object_get(v, "err"));
	if (!p->c.sim_ok)
		tx_err_text(json_object_get(v, "err"), p->c.sim_error,
		    sizeof(p->c.sim_error));
	if (json_u64(json_object_get(v, "unitsConsumed"), &units) == 0)
		p->c.gas_used = units;
	logs = json_object_get(v, "logs");
	json_array_foreach(logs, i, l) {
		if (!json_is_string(l))
			continue;
		n = json_string_length(l);
		if (used + n + 2 > sizeof(p->c.sim_logs))
			break;
		memcpy(p->c.sim_logs + used, json_string_value(l), n);
		used += n;
		p->c.sim_logs[used++] = '\n';
	}
	p->c.sim_logs[used] = '\0';
	/* A log line is the node's text: printable, no newline inside. */
	for (i = 0; i < used; i++)
		if (p->c.sim_logs[i] != '\n' &&
		    ((unsigned char)p->c.sim_logs[i] < 0x20 ||
		    p->c.sim_logs[i] == 0x7f))
			p->c.sim_logs[i] = '?';
	prep_done(p);
}

static void
prep_simulate(struct sol_prep *p)
{
	struct sol_ix	 ix[3];
	uint8_t		 from[SOL_KEY_LEN], src[SOL_KEY_LEN], d1[12], d2[10];
	uint8_t		 msg[SOL_TX_MAX], tx[SOL_TX_MAX];
	uint8_t		 sig[1][64];
	char		 b64[sodium_base64_ENCODED_LEN(SOL_TX_MAX,
			    sodium_base64_VARIANT_ORIGINAL)];
	size_t		 nix = 1;
	uint32_t	 i;
	int		 mlen, tlen;

	memset(ix, 0, sizeof(ix));
	memset(sig, 0, sizeof(sig));
	if (key58(p->from58, from) == -1)
		goto nobuild;
	switch (p->op) {
	case CHOP_SOL_TRANSFER:
		sol_ix_transfer(&ix[0], from, p->to, p->amount, d1);
		break;
	case CHOP_SOL_TOKEN:
		if (sol_ata(from, p->mint, sol_token_program, src) == -1)
			goto nobuild;
		if (!p->c.ata_exists) {
			sol_ix_create_ata(&ix[0], from, p->ata, p->to, p->mint,
			    d2);
			nix = 2;
		}
		sol_ix_transfer_checked(&ix[nix - 1], src, p->mint, p->ata,
		    from, p->amount, p->c.decimals, d1);
		break;
	case CHOP_SOL_CALL:
		memcpy(ix[0].program, p->to, SOL_KEY_LEN);
		for (i = 0; i < p->naccts; i++) {
			memcpy(ix[0].accts[i].pubkey, p->accts[i].pubkey,
			    SOL_KEY_LEN);
			ix[0].accts[i].is_signer = p->accts[i].is_signer != 0;
			ix[0].accts[i].is_writable =
			    p->accts[i].is_writable != 0;
		}
		ix[0].naccts = p->naccts;
		ix[0].data = p->data;
		ix[0].datalen = p->datalen;
		break;
	default:
		goto nobuild;
	}
	/* a transfer's memo, after it, as the signer builds it */
	if (p->op != CHOP_SOL_CALL && p->datalen > 0)
		sol_ix_memo(&ix[nix++], p->data, p->datalen);
	if ((mlen = sol_message(from, ix, nix, p->c.blockhash, msg,
	    sizeof(msg))) == -1 || (tlen = sol_transaction(
	    (const uint8_t (*)[64])sig, 1, msg, (size_t)mlen, tx,
	    sizeof(tx))) == -1)
		goto nobuild;
	sodium_bin2base64(b64, sizeof(b64), tx, (size_t)tlen,
	    sodium_base64_VARIANT_ORIGINAL);
	prep_call(p, "simulateTransaction", json_pack("[s,{s:s,s:b,s:b,s:s}]",
	    b64, "encoding", "base64", "sigVerify", 0,
	    "replaceRecentBlockhash", 1, "commitment", "confirmed"),
	    prep_sim_cb);
	return;
nobuild:
	/* Not the node's verdict, but as final: the signer would refuse. */
	p->c.sim_ran = 1;
	p->c.sim_ok = 0;
	strlcpy(p->c.sim_error, "the transaction cannot be built (too large "
	    "or malformed)", sizeof(p->c.sim_error));
	prep_done(p);
}

/* What each operation needs from the chain, after the balance if asked. */
static void
prep_start(struct sol_prep *p)
{
	switch (p->op) {
	case CHOP_SOL_TRANSFER:
	case CHOP_SOL_CALL:
		prep_blockhash(p);
		return;
	case CHOP_SOL_TOKEN:
		prep_call(p, "getAccountInfo", account_params(p->mint58),
		    prep_mint_cb);
		return;
	default:
		prep_fail(p, CHAIN_REFUSED, 0, "operation %u is not a Solana "
		    "operation", p->op);
		return;
	}
}

/*
 * A dry run's token balance: the amount in the wallet's associated token
 * account (0 if it has none); unknown is not an error, only not said.
 */
static void
prep_token_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_prep	*p = arg;
	json_t		*v;
	uint8_t		 owner[SOL_KEY_LEN], *d;
	size_t		 len;
	int		 i;

	v = e == NULL && json_is_object(result) ?
	    json_object_get(result, "value") : NULL;
	if (json_is_null(v))
		p->c.have_token_balance = 1;
	else if (v != NULL && acct_data(v, owner, &d, &len) == 0) {
		/* amount: 8 bytes little-endian after the mint and owner */
		if (memcmp(owner, sol_token_program, SOL_KEY_LEN) == 0 &&
		    len == SOL_TOKACCT_LEN && memcmp(d, p->mint,
		    SOL_KEY_LEN) == 0) {
			for (i = 0; i < 8; i++)
				p->c.token_balance[31 - i] = d[64 + i];
			p->c.have_token_balance = 1;
		}
		free(d);
	}
	prep_start(p);
}

static void
prep_token(struct sol_prep *p)
{
	uint8_t	from[SOL_KEY_LEN], ata[SOL_KEY_LEN];
	char	ata58[SOL_KEY58_MAX];

	if (!p->token_bal || key58(p->from58, from) == -1 ||
	    sol_ata(from, p->mint, sol_token_program, ata) == -1) {
		prep_start(p);
		return;
	}
	enc58(ata, SOL_KEY_LEN, ata58, sizeof(ata58));
	prep_call(p, "getAccountInfo", account_params(ata58), prep_token_cb);
}

/* A dry run's balance: unknown is not an error, only not said. */
static void
prep_balance_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_prep	*p = arg;
	uint64_t	 lamports;
	int		 i;

	if (e == NULL && json_u64(rpc_value(result), &lamports) == 0) {
		for (i = 0; i < 8; i++)
			p->c.balance[31 - i] = (uint8_t)(lamports >> (8 * i));
		p->c.have_balance = 1;
	}
	prep_token(p);
}

void
sol_prepare(struct chain_net *n, const struct chain_prep *req,
    const uint8_t *data)
{
	struct sol_prep		*p;
	struct chain_ctx	 c;
	uint8_t			 from[SOL_KEY_LEN];
	char			 to[CHAIN_ADDR_MAX + 1];
	char			 mint[CHAIN_ADDR_MAX + 1];
	char			 msg[CHAIN_MSG_MAX];
	int			 i;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		memset(&c, 0, sizeof(c));
		memcpy(c.txid, req->txid, sizeof(c.txid));
		c.txid[sizeof(c.txid) - 1] = '\0';
		c.status = CHAIN_ERROR;
		c.retryable = 1;
		strlcpy(c.message, "out of memory", sizeof(c.message));
		chain_prep_done(&c);
		return;
	}
	p->n = n;
	memcpy(p->c.txid, req->txid, sizeof(p->c.txid));
	p->c.txid[sizeof(p->c.txid) - 1] = '\0';
	memcpy(p->from58, req->from, sizeof(p->from58));
	p->from58[sizeof(p->from58) - 1] = '\0';
	memcpy(to, req->to, sizeof(to));
	to[sizeof(to) - 1] = '\0';
	memcpy(mint, req->mint, sizeof(mint));
	mint[sizeof(mint) - 1] = '\0';

	if (n->url[0] == '\0') {
		net_rpc_advice(&n->net, 0, NULL, msg, sizeof(msg));
		prep_fail(p, CHAIN_REFUSED, 0, "%s", msg);
		return;
	}
	if (key58(p->from58, from) == -1) {
		prep_fail(p, CHAIN_REFUSED, 0, "invalid wallet address");
		return;
	}
	if (key58(to, p->to) == -1) {
		prep_fail(p, CHAIN_REFUSED, 0, "invalid %s address",
		    req->op == CHOP_SOL_CALL ? "program" : "recipient");
		return;
	}
	if (req->op == CHOP_SOL_TOKEN) {
		if (key58(mint, p->mint) == -1) {
			prep_fail(p, CHAIN_REFUSED, 0, "invalid mint address");
			return;
		}
		enc58(p->mint, SOL_KEY_LEN, p->mint58, sizeof(p->mint58));
	}
	p->op = req->op;
	if (req->flags & CHPREP_SIMULATE) {
		p->simulate = 1;
		for (i = 0; i < 24; i++)
			if (req->value[i] != 0)
				fatalx("IMSG_CHAIN_PREPARE: amount too big");
		for (i = 24; i < 32; i++)
			p->amount = p->amount << 8 | req->value[i];
	}
	if (req->datalen > 0 && req->op != CHOP_SOL_CALL) {
		/* CHPREP_SIMULATE of a transfer: its memo */
		if (req->naccts != 0 || req->datalen > MEMO_MAX)
			fatalx("IMSG_CHAIN_PREPARE: malformed memo");
		if ((p->data = malloc(req->datalen)) == NULL) {
			prep_fail(p, CHAIN_ERROR, 1, "out of memory");
			return;
		}
		memcpy(p->data, data, req->datalen);
		p->datalen = req->datalen;
	} else if (req->datalen > 0) {
		/* CHPREP_SIMULATE of a CALL (api_chain.c checked) */
		if (req->naccts > SIGN_SOL_MAX_ACCTS || req->datalen <
		    req->naccts * sizeof(struct sign_sol_acct) ||
		    req->datalen - req->naccts * sizeof(struct sign_sol_acct) >
		    SOL_MAX_IX_DATA)
			fatalx("IMSG_CHAIN_PREPARE: malformed accounts");
		p->naccts = req->naccts;
		memcpy(p->accts, data, p->naccts *
		    sizeof(struct sign_sol_acct));
		p->datalen = req->datalen - p->naccts *
		    sizeof(struct sign_sol_acct);
		if (p->datalen > 0) {
			if ((p->data = malloc(p->datalen)) == NULL) {
				prep_fail(p, CHAIN_ERROR, 1, "out of memory");
				return;
			}
			memcpy(p->data, data + p->naccts *
			    sizeof(struct sign_sol_acct), p->datalen);
		}
	}
	p->token_bal = req->op == CHOP_SOL_TOKEN &&
	    (req->flags & CHPREP_TOKEN_BAL) != 0;
	if (req->flags & CHPREP_BALANCE) {
		prep_call(p, "getBalance", json_pack("[s,{s:s}]", p->from58,
		    "commitment", "confirmed"), prep_balance_cb);
		return;
	}
	prep_start(p);
}

/* ---- send and watch ---- */

struct sol_watch {
	struct chain_net	*n;
	char			 txid[UUID_STR_LEN];
	char			 sig[SOL_SIG58_MAX];
	char			*raw64;		/* NULL: nothing to resend */
	uint64_t		 last_valid;	/* 0: unknown, never expire */
	struct event		*ev;
	int64_t			 sent_at;	/* ms, last (re)send */
	long			 backoff;	/* ms, 0 after a good answer */
	int			 last_look;	/* expired: one more status */
};

static void	watch_poll(struct sol_watch *);

static long
poll_ms(void)
{
	return chain_timing.poll_ms > 0 ? chain_timing.poll_ms : 1000;
}

static void __attribute__((format(printf, 4, 5)))
watch_end(struct sol_watch *w, int state, int retryable, const char *f, ...)
{
	char	msg[CHAIN_MSG_MAX];
	va_list	ap;

	va_start(ap, f);
	vfmt(msg, sizeof(msg), f, ap);
	va_end(ap);
	log_debug("sol send %s: %s", w->txid, msg);
	chain_status_done(w->txid, state, retryable, "%s", msg);
	if (w->ev != NULL)
		event_free(w->ev);
	free(w->raw64);
	free(w);
}

static void
watch_later(struct sol_watch *w, long ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (evtimer_add(w->ev, &tv) == -1)
		log_warnx("sol send %s: evtimer_add failed", w->txid);
}

/* Something went wrong while watching: never final, poll again later. */
static void __attribute__((format(printf, 2, 3)))
watch_retry(struct sol_watch *w, const char *f, ...)
{
	char	msg[CHAIN_MSG_MAX];
	va_list	ap;

	va_start(ap, f);
	vfmt(msg, sizeof(msg), f, ap);
	va_end(ap);
	w->backoff = w->backoff == 0 ? poll_ms() : w->backoff * 2;
	if (w->backoff > SOL_BACKOFF_MAX)
		w->backoff = SOL_BACKOFF_MAX;
	log_info("sol send %s: %s; polling again in %ld ms", w->txid, msg,
	    w->backoff);
	watch_later(w, w->backoff);
}

static void
watch_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	watch_poll(arg);
}

static json_t *
send_params(const struct sol_watch *w)
{
	return json_pack("[s,{s:s,s:s}]", w->raw64, "encoding", "base64",
	    "preflightCommitment", "confirmed");
}

static void
resend_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_watch	*w = arg;

	(void)result;
	/* Whatever the node says, the next status poll decides. */
	if (e != NULL)
		log_debug("sol send %s: resend: %s", w->txid, e->message);
	w->sent_at = now_ms();
	watch_later(w, poll_ms());
}

static void
height_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_watch	*w = arg;
	json_t			*params;
	uint64_t		 h;

	if (e != NULL) {
		watch_retry(w, "getBlockHeight: %s", e->message);
		return;
	}
	if (json_u64(result, &h) == -1) {
		watch_retry(w, "getBlockHeight: malformed answer");
		return;
	}
	w->backoff = 0;
	if (w->last_valid != 0 && h > w->last_valid) {
		/* Past its last valid height: one more look, then expired. */
		w->last_look = 1;
		watch_poll(w);
		return;
	}
	if (w->raw64 != NULL && chain_timing.resend_ms > 0 &&
	    now_ms() - w->sent_at >= chain_timing.resend_ms) {
		if ((params = send_params(w)) == NULL) {
			watch_retry(w, "resend: out of memory");
			return;
		}
		log_debug("sol send %s: unseen, sending again", w->txid);
		rpc_call(endpoint(w->n), "sendTransaction", params,
		    RPC_NORETRY, resend_cb, w);
		return;
	}
	watch_later(w, poll_ms());
}

static void
status_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_watch	*w = arg;
	json_t			*v, *st, *cs, *err, *params;
	uint64_t		 slot;
	const char		*level;
	char			 why[CHAIN_MSG_MAX];

	if (e != NULL) {
		watch_retry(w, "getSignatureStatuses: %s", e->message);
		return;
	}
	v = rpc_value(result);
	if (!json_is_array(v) || json_array_size(v) != 1) {
		watch_retry(w, "getSignatureStatuses: malformed answer");
		return;
	}
	st = json_array_get(v, 0);
	if (json_is_null(st)) {
		w->backoff = 0;
		if (w->last_look) {
			watch_end(w, CHST_EXPIRED, 1, "blockhash expired "
			    "(block height past %" PRIu64 ") and the "
			    "transaction did not land", w->last_valid);
			return;
		}
		params = json_pack("[{s:s}]", "commitment", "confirmed");
		if (params == NULL) {
			watch_retry(w, "getBlockHeight: out of memory");
			return;
		}
		rpc_call(endpoint(w->n), "getBlockHeight", params, 0,
		    height_cb, w);
		return;
	}
	cs = json_object_get(st, "confirmationStatus");
	err = json_object_get(st, "err");
	if (!json_is_object(st) || err == NULL ||
	    json_u64(json_object_get(st, "slot"), &slot) == -1 ||
	    (cs != NULL && !json_is_null(cs) && !json_is_string(cs))) {
		watch_retry(w, "getSignatureStatuses: malformed status");
		return;
	}
	w->backoff = 0;
	/* Without confirmationStatus (old nodes), no confirmations = rooted. */
	if (json_is_string(cs))
		level = json_string_value(cs);
	else if (json_is_null(json_object_get(st, "confirmations")))
		level = "finalized";
	else
		level = "processed";
	if (strcmp(level, "confirmed") != 0 &&
	    strcmp(level, "finalized") != 0) {
		/* Processed only: it may still be dropped with its fork. */
		watch_later(w, poll_ms());
		return;
	}
	if (!json_is_null(err)) {
		tx_err_text(err, why, sizeof(why));
		watch_end(w, CHST_FAILED, 0, "transaction failed in slot %"
		    PRIu64 ": %s", slot, why);
		return;
	}
	watch_end(w, CHST_CONFIRMED, 0, "%s in slot %" PRIu64, level, slot);
}

static void
watch_poll(struct sol_watch *w)
{
	json_t	*params;

	params = json_pack("[[s],{s:b}]", w->sig, "searchTransactionHistory",
	    1);
	if (params == NULL) {
		watch_retry(w, "getSignatureStatuses: out of memory");
		return;
	}
	rpc_call(endpoint(w->n), "getSignatureStatuses", params, 0,
	    status_cb, w);
}

static int
is_already_processed(const struct rpc_error *e)
{
	const json_t	*err;

	err = json_object_get(e->data, "err");
	if (json_is_string(err) &&
	    strcmp(json_string_value(err), "AlreadyProcessed") == 0)
		return 1;
	return strcasestr(e->message, "already been processed") != NULL ||
	    strcasestr(e->message, "already processed") != NULL ||
	    strstr(e->message, "AlreadyProcessed") != NULL;
}

static int
is_blockhash_not_found(const struct rpc_error *e)
{
	const json_t	*err;

	err = json_object_get(e->data, "err");
	if (json_is_string(err) &&
	    strcmp(json_string_value(err), "BlockhashNotFound") == 0)
		return 1;
	return strcasestr(e->message, "blockhash not found") != NULL ||
	    strstr(e->message, "BlockhashNotFound") != NULL;
}

/*
 * JSON-RPC errors of sendTransaction that mean the node refused the
 * transaction before forwarding it: preflight (simulation) failure,
 * signature verification, a transaction it cannot decode.
 */
static int
is_refusal(const struct rpc_error *e)
{
	switch (e->code) {
	case -32002:	/* simulation failed */
	case -32003:	/* signature verification failure */
	case -32013:	/* signature length mismatch */
	case -32015:	/* transaction version unsupported */
	case -32600:	/* invalid request */
	case -32602:	/* invalid params: cannot decode it */
		return 1;
	default:
		return 0;
	}
}

static void
send_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_watch	*w = arg;
	char			 msg[CHAIN_MSG_MAX];

	w->sent_at = now_ms();
	if (e == NULL) {
		if (json_is_string(result) &&
		    strcmp(json_string_value(result), w->sig) == 0)
			chain_status_done(w->txid, CHST_SUBMITTED, 0,
			    "accepted by the node");
		else
			/* The node answered nonsense: it may have sent it. */
			log_warnx("sol send %s: sendTransaction answered "
			    "another signature; watching", w->txid);
		watch_later(w, poll_ms());
		return;
	}
	if (e->kind == RPC_E_RPC && is_already_processed(e)) {
		chain_status_done(w->txid, CHST_SUBMITTED, 0,
		    "already processed");
		watch_later(w, poll_ms());
		return;
	}
	if (e->kind == RPC_E_RPC && is_blockhash_not_found(e)) {
		watch_end(w, CHST_EXPIRED, 1, "blockhash not found: expired "
		    "before the transaction was sent");
		return;
	}
	if (e->kind == RPC_E_RPC && is_refusal(e)) {
		preflight_text(e, msg, sizeof(msg));
		watch_end(w, CHST_NOT_SENT, 0, "%s", msg);
		return;
	}
	if (e->kind == RPC_E_HTTP && e->code >= 400 && e->code < 500 &&
	    e->code != 408 && e->code != 429) {
		watch_end(w, CHST_NOT_SENT, 1, "sendTransaction: %s",
		    e->message);
		return;
	}
	/* Transport, timeout, 5xx, other errors: it may have gone out. */
	log_info("sol send %s: sendTransaction: %s; watching", w->txid,
	    e->message);
	watch_later(w, poll_ms());
}

void
sol_send(struct chain_net *n, const struct chain_send *s, const uint8_t *raw)
{
	struct sol_watch	*w;
	char			 txid[UUID_STR_LEN], msg[CHAIN_MSG_MAX];
	size_t			 b64len;
	json_t			*params;

	memcpy(txid, s->txid, sizeof(txid));
	txid[sizeof(txid) - 1] = '\0';
	if (n->url[0] == '\0') {
		net_rpc_advice(&n->net, 0, NULL, msg, sizeof(msg));
		chain_status_done(txid, CHST_NOT_SENT, 0, "%s", msg);
		return;
	}
	if (s->hashlen != 64) {
		chain_status_done(txid, CHST_NOT_SENT, 0,
		    "a Solana signature is 64 bytes");
		return;
	}
	if (s->rawlen > SOL_TX_MAX || (s->rawlen == 0 &&
	    !(s->flags & CHSEND_WATCH_ONLY))) {
		chain_status_done(txid, CHST_NOT_SENT, 0,
		    "bad transaction length %u", s->rawlen);
		return;
	}
	/* The watched signature must be the first one of the bytes sent. */
	if (s->rawlen != 0 && (s->rawlen < 65 || raw[0] == 0 ||
	    raw[0] > 127 || memcmp(raw + 1, s->hash, 64) != 0)) {
		chain_status_done(txid, CHST_NOT_SENT, 0,
		    "the transaction does not carry its signature");
		return;
	}
	if (chain_base == NULL || (w = calloc(1, sizeof(*w))) == NULL) {
		chain_status_done(txid, CHST_NOT_SENT, 1, "out of memory");
		return;
	}
	w->n = n;
	memcpy(w->txid, txid, sizeof(w->txid));
	w->last_valid = s->last_valid_height;
	enc58(s->hash, 64, w->sig, sizeof(w->sig));
	if (s->rawlen != 0) {
		b64len = sodium_base64_ENCODED_LEN(s->rawlen,
		    sodium_base64_VARIANT_ORIGINAL);
		if ((w->raw64 = malloc(b64len)) == NULL) {
			free(w);
			chain_status_done(txid, CHST_NOT_SENT, 1,
			    "out of memory");
			return;
		}
		sodium_bin2base64(w->raw64, b64len, raw, s->rawlen,
		    sodium_base64_VARIANT_ORIGINAL);
	}
	if ((w->ev = evtimer_new(chain_base, watch_tick, w)) == NULL) {
		free(w->raw64);
		free(w);
		chain_status_done(txid, CHST_NOT_SENT, 1, "out of memory");
		return;
	}
	if (w->last_valid == 0)
		log_warnx("sol send %s: no last valid height: the watch "
		    "cannot expire", w->txid);
	w->sent_at = now_ms();
	if (s->flags & CHSEND_WATCH_ONLY) {
		watch_later(w, 0);
		return;
	}
	if ((params = send_params(w)) == NULL) {
		watch_end(w, CHST_NOT_SENT, 1, "out of memory");
		return;
	}
	rpc_call(endpoint(n), "sendTransaction", params, RPC_NORETRY,
	    send_cb, w);
}

/* ---- queries ---- */

struct sol_asset {
	char		mint[SOL_KEY58_MAX];
	uint64_t	amount;
	int		decimals;
};

struct sol_query {
	void			*req;
	struct chain_net	*n;
	uint32_t		 kind;
	char			 wallet_id[UUID_STR_LEN];
	char			 address[SOL_KEY58_MAX];
	char			 token[SOL_KEY58_MAX];	/* "" = SOL */
	uint64_t		 lamports;
	int			 decimals;	/* the mint's, CQ_BALANCE */
	struct sol_asset	*assets;
	size_t			 nassets;
};

static void
query_free(struct sol_query *q)
{
	free(q->assets);
	free(q);
}

static void __attribute__((format(printf, 4, 5)))
query_fail(struct sol_query *q, int status, const char *code,
    const char *f, ...)
{
	char	msg[CHAIN_MSG_MAX];
	va_list	ap;

	va_start(ap, f);
	vfmt(msg, sizeof(msg), f, ap);
	va_end(ap);
	log_debug("sol query: %s", msg);
	chain_query_done(q->req, status, code, msg, NULL);
	query_free(q);
}

static void
query_rpc_fail(struct sol_query *q, const char *method,
    const struct rpc_error *e)
{
	char	why[300], msg[CHAIN_MSG_MAX];

	if (e->kind == RPC_E_RPC) {
		query_fail(q, 502, "CHAIN_ERROR", "%s: %s", method,
		    e->message);
		return;
	}
	snprintf(why, sizeof(why), "%s: %s", method, e->message);
	net_rpc_advice(&q->n->net, (q->n->flags & NETF_DEFAULT) != 0, why,
	    msg, sizeof(msg));
	query_fail(q, 502, "CHAIN_ERROR", "%s", msg);
}

static void
query_call(struct sol_query *q, const char *method, json_t *params,
    rpc_cb cb)
{
	if (params == NULL) {
		query_fail(q, 502, "CHAIN_ERROR", "%s: out of memory", method);
		return;
	}
	rpc_call(endpoint(q->n), method, params, 0, cb, q);
}

static void
query_reply(struct sol_query *q, json_t *body)
{
	if (body == NULL) {
		query_fail(q, 502, "CHAIN_ERROR", "out of memory");
		return;
	}
	chain_query_done(q->req, 200, NULL, NULL, body);
	query_free(q);
}

static json_t *
amount_json(uint64_t v)
{
	char	buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return json_string(buf);
}

/*
 * One getTokenAccountsByOwner answer (jsonParsed) into q->assets,
 * grouped by mint: every account checked to belong to the address, to
 * be a token account of a token program (and of mint, when set), with a
 * decimal u64 amount; sums must not overflow.
 */
static int
add_token_accounts(struct sol_query *q, json_t *result, const char *mint,
    char *why, size_t whylen)
{
	json_t		*v, *a, *acct, *parsed, *info, *ta, *owner, *type;
	struct sol_asset *as;
	const char	*m;
	uint8_t		 key[SOL_KEY_LEN];
	uint64_t	 amount, dec;
	size_t		 i, j;

	v = rpc_value(result);
	if (!json_is_array(v)) {
		fmt(why, whylen, "malformed answer");
		return -1;
	}
	if (json_array_size(v) > SOL_ACCTS_MAX) {
		fmt(why, whylen, "more than %d token accounts", SOL_ACCTS_MAX);
		return -1;
	}
	json_array_foreach(v, i, a) {
		acct = json_object_get(a, "account");
		owner = json_object_get(acct, "owner");
		parsed = json_object_get(json_object_get(acct, "data"),
		    "parsed");
		type = json_object_get(parsed, "type");
		info = json_object_get(parsed, "info");
		ta = json_object_get(info, "tokenAmount");
		if (json_key(json_object_get(a, "pubkey"), key) == -1 ||
		    !(json_is_key(owner, tok_classic) ||
		    json_is_key(owner, tok_2022)) ||
		    !json_is_string(type) ||
		    strcmp(json_string_value(type), "account") != 0 ||
		    json_key(json_object_get(info, "mint"), key) == -1 ||
		    !json_is_key(json_object_get(info, "owner"), q->address) ||
		    dec_u64(json_object_get(ta, "amount"), &amount) == -1 ||
		    json_u64(json_object_get(ta, "decimals"), &dec) == -1 ||
		    dec > 255) {
			fmt(why, whylen, "malformed token account %zu", i);
			return -1;
		}
		m = json_string_value(json_object_get(info, "mint"));
		if (mint != NULL && !json_is_key(json_object_get(info,
		    "mint"), mint)) {
			fmt(why, whylen, "token account %zu of another mint",
			    i);
			return -1;
		}
		for (j = 0; j < q->nassets; j++)
			if (strcmp(q->assets[j].mint, m) == 0)
				break;
		if (j == q->nassets) {
			if (q->nassets == SOL_MINTS_MAX) {
				fmt(why, whylen, "more than %d mints",
				    SOL_MINTS_MAX);
				return -1;
			}
			if (q->assets == NULL && (q->assets = calloc(
			    SOL_MINTS_MAX, sizeof(*q->assets))) == NULL) {
				fmt(why, whylen, "out of memory");
				return -1;
			}
			as = &q->assets[q->nassets++];
			enc58(key, SOL_KEY_LEN, as->mint, sizeof(as->mint));
			as->decimals = (int)dec;
			as->amount = 0;
		}
		as = &q->assets[j];
		if (as->decimals != (int)dec) {
			fmt(why, whylen, "token accounts of %s disagree on "
			    "decimals", as->mint);
			return -1;
		}
		if (as->amount > UINT64_MAX - amount) {
			fmt(why, whylen, "token balance of %s overflows",
			    as->mint);
			return -1;
		}
		as->amount += amount;
	}
	return 0;
}

static json_t *
query_body(struct sol_query *q)
{
	return json_pack("{s:s,s:s,s:s,s:s}", "walletId", q->wallet_id,
	    "chain", "solana", "network", q->n->net.name,
	    "address", q->address);
}

static void
balance_token_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_query	*q = arg;
	json_t			*body;
	char			 why[CHAIN_MSG_MAX];
	uint64_t		 sum = 0;

	if (e != NULL) {
		query_rpc_fail(q, "getTokenAccountsByOwner", e);
		return;
	}
	if (add_token_accounts(q, result, q->token, why, sizeof(why)) == -1) {
		query_fail(q, 502, "CHAIN_ERROR",
		    "getTokenAccountsByOwner: %s", why);
		return;
	}
	if (q->nassets > 1) {
		query_fail(q, 502, "CHAIN_ERROR",
		    "getTokenAccountsByOwner: accounts of another mint");
		return;
	}
	if (q->nassets == 1) {
		if (q->assets[0].decimals != q->decimals) {
			query_fail(q, 502, "CHAIN_ERROR", "token accounts "
			    "and mint %s disagree on decimals", q->token);
			return;
		}
		sum = q->assets[0].amount;
	}
	if ((body = query_body(q)) == NULL ||
	    json_object_set_new(body, "balance", amount_json(sum)) == -1 ||
	    json_object_set_new(body, "decimals",
	    json_integer(q->decimals)) == -1 ||
	    json_object_set_new(body, "symbol",
	    json_string(known_symbol(q->n, q->token))) == -1 ||
	    json_object_set_new(body, "token", json_string(q->token)) == -1) {
		json_decref(body);
		body = NULL;
	}
	query_reply(q, body);
}

static void
balance_mint_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_query	*q = arg;
	json_t			*v;
	uint8_t			 owner[SOL_KEY_LEN], t1[SOL_KEY_LEN];
	uint8_t			 t2[SOL_KEY_LEN], *d;
	size_t			 len;

	if (e != NULL) {
		query_rpc_fail(q, "getAccountInfo", e);
		return;
	}
	if (!json_is_object(result) ||
	    (v = json_object_get(result, "value")) == NULL) {
		query_fail(q, 502, "CHAIN_ERROR",
		    "getAccountInfo: malformed answer");
		return;
	}
	if (json_is_null(v)) {
		query_fail(q, 400, "INVALID_ADDRESS", "token %s does not "
		    "exist on %s", q->token, q->n->net.name);
		return;
	}
	if (acct_data(v, owner, &d, &len) == -1) {
		query_fail(q, 502, "CHAIN_ERROR",
		    "getAccountInfo %s: malformed account", q->token);
		return;
	}
	/* Token-2022 mints may carry extensions after the 82 bytes. */
	if (key58(tok_classic, t1) == -1 || key58(tok_2022, t2) == -1 ||
	    !((memcmp(owner, t1, SOL_KEY_LEN) == 0 && len == SOL_MINT_LEN) ||
	    (memcmp(owner, t2, SOL_KEY_LEN) == 0 && (len == SOL_MINT_LEN ||
	    (len > SOL_TOKACCT_LEN && d[SOL_TOKACCT_LEN] == 1)))) ||
	    d[45] != 1) {
		free(d);
		query_fail(q, 400, "INVALID_ADDRESS", "%s is not a token mint",
		    q->token);
		return;
	}
	q->decimals = d[44];
	free(d);
	query_call(q, "getTokenAccountsByOwner", json_pack(
	    "[s,{s:s},{s:s,s:s}]", q->address, "mint", q->token,
	    "encoding", "jsonParsed", "commitment", "confirmed"),
	    balance_token_cb);
}

static int
asset_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sol_asset *)a)->mint,
	    ((const struct sol_asset *)b)->mint);
}

static void
assets_done(struct sol_query *q)
{
	json_t	*body, *list, *a;
	size_t	 i;

	if (q->nassets > 1)
		qsort(q->assets, q->nassets, sizeof(*q->assets), asset_cmp);
	if ((body = query_body(q)) == NULL ||
	    (list = json_array()) == NULL ||
	    json_object_set_new(body, "assets", list) == -1) {
		json_decref(body);
		query_reply(q, NULL);
		return;
	}
	/* name: a token's is its symbol (its metadata is not read). */
	a = json_pack("{s:s,s:s,s:s,s:i,s:o,s:b}", "mint", "native",
	    "symbol", "SOL", "name", "Solana", "decimals", SOL_DECIMALS,
	    "balance", amount_json(q->lamports), "isNative", 1);
	if (json_array_append_new(list, a) == -1)
		goto oom;
	for (i = 0; i < q->nassets; i++) {
		a = json_pack("{s:s,s:s,s:s,s:i,s:o,s:b}", "mint",
		    q->assets[i].mint, "symbol",
		    known_symbol(q->n, q->assets[i].mint), "name",
		    known_symbol(q->n, q->assets[i].mint), "decimals",
		    q->assets[i].decimals, "balance",
		    amount_json(q->assets[i].amount), "isNative", 0);
		if (json_array_append_new(list, a) == -1)
			goto oom;
	}
	query_reply(q, body);
	return;
oom:
	json_decref(body);
	query_reply(q, NULL);
}

/* One program's token accounts into q: 0, or -1 after failing q. */
static int
assets_add(struct sol_query *q, json_t *result, const struct rpc_error *e)
{
	char	why[CHAIN_MSG_MAX];

	if (e != NULL) {
		query_rpc_fail(q, "getTokenAccountsByOwner", e);
		return -1;
	}
	if (add_token_accounts(q, result, NULL, why, sizeof(why)) == -1) {
		query_fail(q, 502, "CHAIN_ERROR",
		    "getTokenAccountsByOwner: %s", why);
		return -1;
	}
	return 0;
}

static void
assets_2022_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_query	*q = arg;

	if (assets_add(q, result, e) == 0)
		assets_done(q);
}

static json_t *
by_program(const struct sol_query *q, const char *program)
{
	return json_pack("[s,{s:s},{s:s,s:s}]", q->address, "programId",
	    program, "encoding", "jsonParsed", "commitment", "confirmed");
}

static void
assets_token_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_query	*q = arg;

	if (assets_add(q, result, e) == 0)
		query_call(q, "getTokenAccountsByOwner", by_program(q,
		    tok_2022), assets_2022_cb);
}

static void
lamports_cb(json_t *result, const struct rpc_error *e, void *arg)
{
	struct sol_query	*q = arg;
	json_t			*body;

	if (e != NULL) {
		query_rpc_fail(q, "getBalance", e);
		return;
	}
	if (json_u64(rpc_value(result), &q->lamports) == -1) {
		query_fail(q, 502, "CHAIN_ERROR",
		    "getBalance: malformed answer");
		return;
	}
	if (q->kind == CQ_ASSETS) {
		query_call(q, "getTokenAccountsByOwner",
		    by_program(q, tok_classic), assets_token_cb);
		return;
	}
	if ((body = query_body(q)) == NULL ||
	    json_object_set_new(body, "balance",
	    amount_json(q->lamports)) == -1 ||
	    json_object_set_new(body, "decimals",
	    json_integer(SOL_DECIMALS)) == -1 ||
	    json_object_set_new(body, "symbol", json_string("SOL")) == -1) {
		json_decref(body);
		body = NULL;
	}
	query_reply(q, body);
}

void
sol_query(void *req, struct chain_net *n, const struct chain_query *cq)
{
	struct sol_query	*q;
	uint8_t			 key[SOL_KEY_LEN];
	char			 addr[CHAIN_ADDR_MAX + 1];
	char			 msg[CHAIN_MSG_MAX];

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		chain_query_done(req, 502, "CHAIN_ERROR", "out of memory",
		    NULL);
		return;
	}
	q->req = req;
	q->n = n;
	q->kind = cq->kind;
	memcpy(q->wallet_id, cq->wallet_id, sizeof(q->wallet_id));
	q->wallet_id[sizeof(q->wallet_id) - 1] = '\0';
	sanitize(q->wallet_id);
	if (n->url[0] == '\0') {
		net_rpc_advice(&n->net, 0, NULL, msg, sizeof(msg));
		query_fail(q, 503, "CHAIN_ERROR", "%s", msg);
		return;
	}
	memcpy(addr, cq->address, sizeof(addr));
	addr[sizeof(addr) - 1] = '\0';
	if (key58(addr, key) == -1) {
		query_fail(q, 400, "INVALID_ADDRESS",
		    "not a Solana address");
		return;
	}
	enc58(key, SOL_KEY_LEN, q->address, sizeof(q->address));
	memcpy(addr, cq->token, sizeof(addr));
	addr[sizeof(addr) - 1] = '\0';
	if (cq->kind == CQ_BALANCE && addr[0] != '\0') {
		if (key58(addr, key) == -1) {
			query_fail(q, 400, "INVALID_ADDRESS",
			    "token is not a Solana address");
			return;
		}
		enc58(key, SOL_KEY_LEN, q->token, sizeof(q->token));
		query_call(q, "getAccountInfo", account_params(q->token),
		    balance_mint_cb);
		return;
	}
	if (cq->kind != CQ_BALANCE && cq->kind != CQ_ASSETS) {
		query_fail(q, 400, "VALIDATION_FAILED",
		    "unknown query kind %u", cq->kind);
		return;
	}
	query_call(q, "getBalance", json_pack("[s,{s:s}]", q->address,
	    "commitment", "confirmed"), lamports_cb);
}
