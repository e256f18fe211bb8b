/*
 * quickset, wallet, session, policy: thin clients of the REST API with
 * masterAuth.  Readable output by default, the daemon's JSON with --json.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "policy_rules.h"
#include "util.h"
#include "wipe.h"

#define NAME_MAX_LEN	64

static const char	*o_name, *o_chain, *o_wallet, *o_type, *o_rules;
static const char	*o_network, *o_mode = "testnet", *o_output;
static long		 o_ttl, o_priority = -1;
static int		 o_session, o_force;

/*
 * SPENDING_LIMIT by flags, as the write-ups use it: amounts in US dollars
 * and the delay in seconds, each one key of the rules.
 */
enum { OPT_INSTANT = 2000, OPT_NOTIFY, OPT_DELAY, OPT_DAILY, OPT_MONTHLY,
	OPT_DELAY_S };
static const struct {
	int		 opt;
	const char	*flag;
	const char	*key;
} limit_flags[] = {
	{ OPT_INSTANT, "--instant-max", "instant_max_usd" },
	{ OPT_NOTIFY, "--notify-max", "notify_max_usd" },
	{ OPT_DELAY, "--delay-max", "delay_max_usd" },
	{ OPT_DAILY, "--daily-limit", "daily_limit_usd" },
	{ OPT_MONTHLY, "--monthly-limit", "monthly_limit_usd" },
	{ OPT_DELAY_S, "--delay-seconds", "delay_seconds" },
};
static json_t		*o_limits;	/* the flags given, as rules */

static const char *const wallet_cols[] = { "id", "name", "chain",
	"environment", "status", "publicKey" };
static const char *const session_cols[] = { "id", "walletId", "status" };

static long
num_arg(const char *name, const char *arg, long lo, long hi)
{
	char	*end;
	long	 v;

	v = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || v < lo || v > hi)
		cli_usage_error("%s: a number from %ld to %ld", name, lo, hi);
	return v;
}

/* An id in a path: the daemon's UUIDs, nothing that could escape. */
static const char *
id_arg(const char *what, const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F') || s[i] == '-'))
			break;
	if (s[i] != '\0' || i == 0 || i > 64)
		cli_usage_error("%s: not an id", what);
	return s;
}

/*
 * A dollar amount: digits with at most one point and 6 decimals, up to
 * POLICY_USD_MAX.  Stricter than strtod, which would take "nan", "1e3"
 * or "0x10".
 */
static json_t *
usd_arg(const char *flag, const char *arg)
{
	const char	*dot;
	double		 v;
	size_t		 i, n = strlen(arg);

	dot = strchr(arg, '.');
	for (i = 0; i < n; i++)
		if (!(arg[i] >= '0' && arg[i] <= '9') && arg + i != dot)
			break;
	if (n == 0 || n > 24 || i != n || dot == arg || dot == arg + n - 1 ||
	    (dot != NULL && (size_t)(arg + n - dot - 1) > 6) ||
	    (v = strtod(arg, NULL)) > POLICY_USD_MAX)
		cli_usage_error("%s: US dollars, a number from 0 to 1e15 with "
		    "at most 6 decimals (e.g. 10 or 0.5), not '%.32s'", flag,
		    arg);
	if (dot == NULL)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static void
limit_opt(int ch, const char *arg)
{
	json_t	*v;
	size_t	 i;

	for (i = 0; i < nitems(limit_flags); i++)
		if (limit_flags[i].opt == ch)
			break;
	if (i == nitems(limit_flags))
		cli_usage_error("unexpected option");
	if (ch == OPT_DELAY_S)
		v = json_integer(num_arg("--delay-seconds", arg, 60,
		    2592000));
	else
		v = usd_arg(limit_flags[i].flag, arg);
	if (o_limits == NULL && (o_limits = json_object()) == NULL)
		cli_fail("out of memory");
	if (json_object_get(o_limits, limit_flags[i].key) != NULL) {
		json_decref(v);
		cli_usage_error("%s given twice", limit_flags[i].flag);
	}
	if (v == NULL || json_object_set_new(o_limits, limit_flags[i].key,
	    v) == -1)
		cli_fail("out of memory");
}

static void
rest_opt(int ch, const char *arg)
{
	switch (ch) {
	case 'n':
		if (strlen(arg) == 0 || strlen(arg) > NAME_MAX_LEN)
			cli_usage_error("--name: 1 to %d bytes",
			    NAME_MAX_LEN);
		o_name = arg;
		break;
	case 'c':
		if (strcmp(arg, "solana") != 0 && strcmp(arg, "ethereum") != 0)
			cli_usage_error("--chain: solana or ethereum");
		o_chain = arg;
		break;
	case 'm':
		if (strcmp(arg, "testnet") != 0 && strcmp(arg, "mainnet") != 0)
			cli_usage_error("--mode: testnet or mainnet");
		o_mode = arg;
		break;
	case 'w':
		o_wallet = id_arg("--wallet", arg);
		break;
	case 's':
		o_session = 1;
		break;
	case 'T':
		o_ttl = num_arg("--ttl", arg, 300, 31536000);
		break;
	case 't':
		o_type = arg;
		break;
	case 'r':
		o_rules = arg;
		break;
	case 'N':
		o_network = arg;
		break;
	case 'p':
		o_priority = num_arg("--priority", arg, 0, 1000000);
		break;
	case 'o':
		if (*arg == '\0' || strlen(arg) >= PATH_MAX - 16)
			cli_usage_error("--output: a file name");
		o_output = arg;
		break;
	case 'f':
		o_force = 1;
		break;
	default:
		limit_opt(ch, arg);
	}
}

static void
out_field(const char *label, const char *v)
{
	printf("%-12s ", label);
	cli_print_safe(stdout, v);
	putchar('\n');
}

static void
out_time(const char *label, json_t *v)
{
	char		buf[64];
	time_t		t;
	struct tm	tm;

	if (!json_is_integer(v) || json_integer_value(v) == 0) {
		out_field(label, "-");
		return;
	}
	t = (time_t)json_integer_value(v);
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%SZ", &tm);
	out_field(label, buf);
}

/*
 * "VERB SUB [options] [operands]": the sub-command, then the options
 * parsed; argc and argv left at the operands.
 */
static const char *
sub_args(int *argc, char ***argv, const struct option *opts,
    const char *help, const char *which)
{
	const char	*sub;

	if (*argc < 2 || (*argv)[1][0] == '-') {
		cli_getopt(*argc, *argv, "", opts, rest_opt, help);
		cli_usage_error("%s?", which);
	}
	sub = (*argv)[1];
	cli_getopt(*argc - 1, *argv + 1, "", opts, rest_opt, help);
	*argc -= optind + 1;
	*argv += optind + 1;
	return sub;
}

/* One line of a list: the fields, space separated. */
static void
out_row(json_t *j, const char *const *f, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		cli_print_safe(stdout, cli_str(j, f[i]));
		putchar(i + 1 < n ? ' ' : '\n');
	}
}

/* ---- quickset ---- */

/*
 * The default SPENDING_LIMIT, per wallet and in the chain's own unit so
 * that it works without any price source: up to 0.01 ETH / 0.1 SOL runs
 * at once, up to 0.1 ETH / 1 SOL runs and notifies, up to 1 ETH / 10 SOL
 * waits 15 minutes (cancellable), anything above waits for the owner.
 */
static json_t *
default_limit(const char *wallet, int evm)
{
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:i}}",
	    "walletId", wallet, "type", "SPENDING_LIMIT", "rules",
	    "instant_max", evm ? "10000000000000000" : "100000000",
	    "notify_max", evm ? "100000000000000000" : "1000000000",
	    "delay_max", evm ? "1000000000000000000" : "10000000000",
	    "delay_seconds", 900);
}

/* The wallet named so on this chain and environment, if it exists. */
static json_t *
find_wallet(json_t *list, const char *name, const char *chain,
    const char *env)
{
	json_t	*w;
	size_t	 i;

	json_array_foreach(json_object_get(list, "items"), i, w) {
		if (json_is_string(json_object_get(w, "name")) &&
		    strcmp(cli_str(w, "name"), name) == 0 &&
		    cli_str(w, "chain") != NULL &&
		    strcmp(cli_str(w, "chain"), chain) == 0 &&
		    cli_str(w, "environment") != NULL &&
		    strcmp(cli_str(w, "environment"), env) == 0 &&
		    cli_str(w, "status") != NULL &&
		    strcmp(cli_str(w, "status"), "ACTIVE") == 0)
			return w;
	}
	return NULL;
}

static int
has_limit(json_t *policies, const char *wallet)
{
	json_t	*p;
	size_t	 i;

	json_array_foreach(json_object_get(policies, "data"), i, p) {
		if (cli_str(p, "walletId") != NULL &&
		    strcmp(cli_str(p, "walletId"), wallet) == 0 &&
		    cli_str(p, "type") != NULL &&
		    strcmp(cli_str(p, "type"), "SPENDING_LIMIT") == 0)
			return 1;
	}
	return 0;
}

/* The directory of --output, for the temporary file and its fsync. */
static void
qs_dir(char *dir, size_t len)
{
	char	*slash;

	strlcpy(dir, o_output, len);
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		strlcpy(dir, ".", len);
}

/*
 * Where the MCP configuration goes; it holds session tokens, so whatever
 * file receives it is mode 0600.  Checked before any request: --output
 * must not exist unless --force; a regular file on stdout (quickset >
 * mcp.json) is made 0600 before a token is written into it.
 */
static void
qs_target(void)
{
	struct stat	sb;
	char		link[32], path[PATH_MAX];
	ssize_t		n;

	if (o_output != NULL) {
		if (!o_force && lstat(o_output, &sb) == 0)
			cli_usage_error("%.200s exists; --force to replace it",
			    o_output);
		qs_dir(path, sizeof(path));
		if (access(path, W_OK | X_OK) == -1)
			cli_fail("--output: cannot write in %.200s: %s; "
			    "nothing was done", path, strerror(errno));
		return;
	}
	if (o_force)
		cli_usage_error("--force: only with --output");
	if (fstat(STDOUT_FILENO, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		fprintf(stderr, "the MCP configuration (with session tokens) "
		    "goes to stdout; --output FILE writes it mode 0600\n");
		return;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", STDOUT_FILENO);
	if ((n = readlink(link, path, sizeof(path) - 1)) < 0)
		strlcpy(path, "stdout", sizeof(path));
	else
		path[n] = '\0';
	if (fchmod(STDOUT_FILENO, 0600) == -1)
		cli_fail("stdout is %.200s; cannot make it mode 0600 for the "
		    "session tokens (%s); nothing was done", path,
		    strerror(errno));
	fprintf(stderr, "MCP configuration goes to %.200s (stdout), made "
	    "mode 0600: it holds session tokens\n", path);
}

/*
 * --output: a temporary file in the same directory, mode 0600, synced,
 * then renamed over FILE (--force) or linked to it (refused if it
 * appeared meanwhile): a reader sees the old file or the whole new one.
 */
static void
qs_write(const char *text)
{
	char	 tmp[PATH_MAX], dir[PATH_MAX];
	size_t	 len = strlen(text);
	int	 fd, dfd, r;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", o_output) >=
	    sizeof(tmp))
		cli_fail("--output: name too long");
	if ((fd = mkstemp(tmp)) == -1)
		cli_fail("%s: %s", tmp, strerror(errno));
	if (fchmod(fd, 0600) == -1 || write(fd, text, len) != (ssize_t)len ||
	    write(fd, "\n", 1) != 1 || fsync(fd) == -1 || close(fd) == -1) {
		r = errno;
		(void)unlink(tmp);
		cli_fail("%s: %s", tmp, strerror(r));
	}
	if (o_force)
		r = rename(tmp, o_output);
	else if ((r = link(tmp, o_output)) == 0)
		(void)unlink(tmp);
	if (r == -1) {
		r = errno;
		(void)unlink(tmp);
		cli_fail("%s: %s%s", o_output, strerror(r), r == EEXIST ?
		    " (--force to replace it)" : "");
	}
	qs_dir(dir, sizeof(dir));
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	fprintf(stderr, "MCP configuration written to %s, mode 0600: it "
	    "holds session tokens\n", o_output);
}

int
cmd_quickset(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		CLI_COMMON_OPTS, { NULL, 0, NULL, 0 }
	};
	static const struct {
		const char	*chain;
		const char	*prefix;
	} chains[] = { { "solana", "solana" }, { "ethereum", "evm" } };
	json_t		*list, *pols, *w, *p, *servers, *snippet;
	char		 name[32], key[48], *text;
	const char	*wid;
	size_t		 i;

	cli_getopt(argc, argv, "", opts, rest_opt,
	    "usage: waiaas quickset [--mode testnet|mainnet] [--url URL]\n"
	    "                       [--output FILE [--force]]\n"
	    "Through the REST API with the master password: a Solana and an\n"
	    "EVM wallet named solana-MODE and evm-MODE (reused when they\n"
	    "exist), a session for each (30 days), and for each wallet a\n"
	    "SPENDING_LIMIT policy unless it has one.  Prints the MCP client\n"
	    "configuration as JSON on stdout (the summary goes to stderr),\n"
	    "or writes it to --output FILE.  It holds the session tokens:\n"
	    "FILE is written mode 0600, whole or not at all, and an\n"
	    "existing one is kept unless --force; when stdout is a file\n"
	    "(quickset > mcp.json) that file is made mode 0600 first.\n"
	    "\n"
	    "The default SPENDING_LIMIT is conservative and in the chain's\n"
	    "own unit, so it works without a price source:\n"
	    "  up to 0.01 ETH / 0.1 SOL  INSTANT (runs at once)\n"
	    "  up to 0.1 ETH  / 1 SOL    NOTIFY  (runs, the owner is told)\n"
	    "  up to 1 ETH    / 10 SOL   DELAY   (waits 15 minutes, can be\n"
	    "                                     cancelled)\n"
	    "  above                     APPROVAL (waits for the owner)\n"
	    "An agent holding a token can move little at once, and every\n"
	    "large amount gives a human time to react.  Change it with\n"
	    "waiaas policy create; without any policy the daemon denies.\n"
	    "  --mode M       testnet (default) or mainnet wallets\n"
	    "  --output FILE  write the MCP configuration there (0600)\n"
	    "  --force        replace an existing --output FILE\n");
	if (optind != argc)
		cli_usage_error("unexpected argument '%.64s'", argv[optind]);
	qs_target();
	cli_address();
	if ((servers = json_object()) == NULL)
		cli_fail("out of memory");
	list = cli_call("GET", "/v1/wallets", NULL, 1, 200);
	pols = cli_call("GET", "/v1/policies?limit=500", NULL, 1, 200);
	for (i = 0; i < nitems(chains); i++) {
		snprintf(name, sizeof(name), "%s-%s", chains[i].prefix,
		    o_mode);
		if ((w = find_wallet(list, name, chains[i].chain, o_mode)) !=
		    NULL) {
			json_incref(w);
			fprintf(stderr, "reusing wallet %s\n", name);
		} else
			w = cli_call("POST", "/v1/wallets", json_pack("{s:s, "
			    "s:s, s:s, s:b}", "name", name, "chain",
			    chains[i].chain, "environment", o_mode,
			    "createSession", 0), 1, 201);
		if ((wid = cli_str(w, "id")) == NULL ||
		    cli_str(w, "publicKey") == NULL)
			cli_fail("the daemon's wallet has no id or address");
		if (!has_limit(pols, wid)) {
			p = cli_call("POST", "/v1/policies", default_limit(wid,
			    i == 1), 1, 201);
			json_decref(p);
		}
		fprintf(stderr, "%-7s wallet %s  %s  address ",
		    i == 0 ? "Solana" : "EVM", name, wid);
		cli_print_safe(stderr, cli_str(w, "publicKey"));
		fputc('\n', stderr);
		/* `waiaas mcp setup`'s entry: session, token file. */
		snprintf(key, sizeof(key), "waiaas-%s", name);
		json_object_set_new(servers, key, mcp_setup_wallet(wid, name));
		json_decref(w);
	}
	json_decref(list);
	json_decref(pols);
	cli_password_free();
	fprintf(stderr, "spending limit per wallet: see waiaas quickset "
	    "--help; MCP configuration: claude_desktop_config.json's "
	    "mcpServers\n");
	if ((snippet = json_pack("{s:o}", "mcpServers", servers)) == NULL ||
	    (text = json_dumps(snippet, JSON_INDENT(2))) == NULL)
		cli_fail("out of memory");
	if (o_output != NULL)
		qs_write(text);
	else
		puts(text);
	wipe_free(text);
	json_decref(snippet);
	return 0;
}

/* ---- wallet ---- */

static void
wallet_info(json_t *w)
{
	out_field("id", cli_str(w, "id"));
	out_field("name", cli_str(w, "name"));
	out_field("chain", cli_str(w, "chain"));
	out_field("network", cli_str(w, "network"));
	out_field("environment", cli_str(w, "environment"));
	out_field("address", cli_str(w, "publicKey"));
	out_field("status", cli_str(w, "status"));
	out_field("owner", cli_str(w, "ownerAddress"));
	out_field("ownerState", cli_str(w, "ownerState"));
	out_time("created", json_object_get(w, "createdAt"));
}

int
cmd_wallet(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "chain", required_argument, NULL, 'c' },
		{ "mode", required_argument, NULL, 'm' },
		{ "session", no_argument, NULL, 's' },
		CLI_COMMON_OPTS, { NULL, 0, NULL, 0 }
	};
	static const char help[] =
	    "usage: waiaas wallet create --name NAME --chain solana|ethereum\n"
	    "                            [--mode testnet|mainnet] [--session]\n"
	    "       waiaas wallet list\n"
	    "       waiaas wallet info ID\n"
	    "  --mode     the wallet's environment (default testnet)\n"
	    "  --session  also create a session; print its token\n"
	    "  --json     the daemon's JSON answer\n"
	    "  --url URL  the daemon (default from config.toml)\n";
	const char	*sub;
	json_t		*j, *w;
	char		 path[128];
	size_t		 i;

	sub = sub_args(&argc, &argv, opts, help, "create, list or info");
	if (strcmp(sub, "create") == 0) {
		if (argc != 0 || o_name == NULL || o_chain == NULL)
			cli_usage_error("create needs --name and --chain");
		j = cli_call("POST", "/v1/wallets", json_pack("{s:s, s:s, "
		    "s:s, s:b}", "name", o_name, "chain", o_chain,
		    "environment", o_mode, "createSession", o_session), 1,
		    201);
		if (cli.json)
			cli_dump(j);
		else {
			wallet_info(j);
			if ((w = json_object_get(j, "session")) != NULL &&
			    json_is_object(w)) {
				out_field("session", cli_str(w, "id"));
				out_field("token", cli_str(w, "token"));
			}
		}
	} else if (strcmp(sub, "list") == 0) {
		if (argc != 0)
			cli_usage_error("list takes no argument");
		j = cli_call("GET", "/v1/wallets", NULL, 1, 200);
		if (cli.json)
			cli_dump(j);
		else
			json_array_foreach(json_object_get(j, "items"), i, w)
				out_row(w, wallet_cols, nitems(wallet_cols));
	} else if (strcmp(sub, "info") == 0) {
		if (argc != 1)
			cli_usage_error("info needs a wallet id");
		snprintf(path, sizeof(path), "/v1/wallets/%s",
		    id_arg("wallet id", argv[0]));
		j = cli_call("GET", path, NULL, 1, 200);
		if (cli.json)
			cli_dump(j);
		else
			wallet_info(j);
	} else
		cli_usage_error("unknown wallet command '%.32s'", sub);
	json_decref(j);
	return 0;
}

/* ---- session ---- */

int
cmd_session(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "wallet", required_argument, NULL, 'w' },
		{ "ttl", required_argument, NULL, 'T' },
		CLI_COMMON_OPTS, { NULL, 0, NULL, 0 }
	};
	static const char help[] =
	    "usage: waiaas session create --wallet ID [--ttl SECONDS]\n"
	    "       waiaas session list [--wallet ID]\n"
	    "       waiaas session revoke ID\n"
	    "create prints the token (wai_sess_...) an agent sends as\n"
	    "Authorization: Bearer; --ttl 300 to 31536000 (default: the\n"
	    "daemon's).  Revoking makes the token invalid at once.\n"
	    "  --json     the daemon's JSON answer\n"
	    "  --url URL  the daemon (default from config.toml)\n";
	const char	*sub;
	json_t		*j, *s, *body;
	char		 path[160];
	size_t		 i;

	sub = sub_args(&argc, &argv, opts, help, "create, list or revoke");
	if (strcmp(sub, "create") == 0) {
		if (argc != 0 || o_wallet == NULL)
			cli_usage_error("create needs --wallet");
		body = json_pack("{s:s}", "walletId", o_wallet);
		if (o_ttl > 0)
			json_object_set_new(body, "ttl", json_integer(o_ttl));
		j = cli_call("POST", "/v1/sessions", body, 1, 201);
		if (cli.json)
			cli_dump(j);
		else {
			out_field("session", cli_str(j, "id"));
			out_field("wallet", cli_str(j, "walletId"));
			out_time("expires", json_object_get(j, "expiresAt"));
			out_field("token", cli_str(j, "token"));
		}
	} else if (strcmp(sub, "list") == 0) {
		if (argc != 0)
			cli_usage_error("list takes no argument");
		if (o_wallet != NULL)
			snprintf(path, sizeof(path),
			    "/v1/sessions?walletId=%s&limit=100", o_wallet);
		else
			snprintf(path, sizeof(path), "/v1/sessions?limit=100");
		j = cli_call("GET", path, NULL, 1, 200);
		if (cli.json)
			cli_dump(j);
		else
			json_array_foreach(json_object_get(j, "data"), i, s)
				out_row(s, session_cols, nitems(session_cols));
	} else if (strcmp(sub, "revoke") == 0) {
		if (argc != 1)
			cli_usage_error("revoke needs a session id");
		snprintf(path, sizeof(path), "/v1/sessions/%s",
		    id_arg("session id", argv[0]));
		j = cli_call("DELETE", path, NULL, 1, 0);
		if (cli.json && j != NULL)
			cli_dump(j);
		else if (!cli.json)
			printf("revoked session %s\n", argv[0]);
	} else
		cli_usage_error("unknown session command '%.32s'", sub);
	json_decref(j);
	return 0;
}

/* ---- policy ---- */

/* The flag a rules key comes from, for messages. */
static const char *
limit_flag(const char *key)
{
	size_t	i;

	for (i = 0; i < nitems(limit_flags); i++)
		if (strcmp(limit_flags[i].key, key) == 0)
			return limit_flags[i].flag;
	return NULL;
}

/*
 * The rules of policy create: --rules, with the SPENDING_LIMIT flags
 * merged in, checked here with the daemon's own validator so that a bad
 * value is refused (exit 2) before any request.
 */
static json_t *
policy_rules(const char *type)
{
	json_t		*rules, *issues, *is, *checked, *path, *e;
	json_error_t	 err;
	const char	*key, *flag;
	size_t		 i, k;

	if (policy_type(type) < 0)
		cli_usage_error("unknown policy type '%.40s'", type);
	if (o_limits != NULL && strcmp(type, "SPENDING_LIMIT") != 0)
		cli_usage_error("--instant-max, --notify-max, --delay-max, "
		    "--daily-limit, --monthly-limit and --delay-seconds are "
		    "SPENDING_LIMIT's");
	if (strcmp(type, "SPENDING_LIMIT") != 0 && o_rules == NULL)
		cli_usage_error("%s needs --rules", type);
	if (o_rules == NULL)
		rules = json_object();
	else if ((rules = json_loads(o_rules, JSON_REJECT_DUPLICATES,
	    &err)) == NULL || !json_is_object(rules)) {
		json_decref(rules);
		cli_usage_error("--rules: not a JSON object");
	}
	if (rules == NULL)
		cli_fail("out of memory");
	json_object_foreach(o_limits, key, e) {
		if (json_object_get(rules, key) != NULL) {
			json_decref(rules);
			cli_usage_error("%s and --rules' %s: one of them",
			    limit_flag(key), key);
		}
		json_object_set(rules, key, e);
	}
	if (strcmp(type, "SPENDING_LIMIT") != 0)
		return rules;
	if ((issues = json_array()) == NULL)
		cli_fail("out of memory");
	if ((checked = policy_rules_check(type, rules, issues)) != NULL) {
		json_decref(checked);
		json_decref(issues);
		return rules;
	}
	json_array_foreach(issues, i, is) {
		fprintf(stderr, "waiaas policy: ");
		path = json_object_get(is, "path");
		flag = NULL;
		json_array_foreach(path, k, e) {
			if (json_is_string(e)) {
				fprintf(stderr, "%s", k > 0 ? "." : "");
				cli_print_safe(stderr, json_string_value(e));
				if (k == 1)
					flag = limit_flag(json_string_value(e));
			} else if (json_is_integer(e))
				fprintf(stderr, "[%lld]", (long long)
				    json_integer_value(e));
		}
		if (flag != NULL)
			fprintf(stderr, " (%s)", flag);
		fprintf(stderr, ": ");
		cli_print_safe(stderr, cli_str(is, "message"));
		fputc('\n', stderr);
	}
	json_decref(issues);
	json_decref(rules);
	json_decref(o_limits);
	cli_usage_error("the rules are not valid; nothing was sent");
}

int
cmd_policy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "wallet", required_argument, NULL, 'w' },
		{ "type", required_argument, NULL, 't' },
		{ "rules", required_argument, NULL, 'r' },
		{ "network", required_argument, NULL, 'N' },
		{ "priority", required_argument, NULL, 'p' },
		{ "instant-max", required_argument, NULL, OPT_INSTANT },
		{ "notify-max", required_argument, NULL, OPT_NOTIFY },
		{ "delay-max", required_argument, NULL, OPT_DELAY },
		{ "daily-limit", required_argument, NULL, OPT_DAILY },
		{ "monthly-limit", required_argument, NULL, OPT_MONTHLY },
		{ "delay-seconds", required_argument, NULL, OPT_DELAY_S },
		CLI_COMMON_OPTS, { NULL, 0, NULL, 0 }
	};
	static const char help[] =
	    "usage: waiaas policy create TYPE|--type TYPE [--rules JSON]\n"
	    "                     [--wallet ID] [--network NET]\n"
	    "                     [--priority N]\n"
	    "       waiaas policy create SPENDING_LIMIT [--instant-max USD]\n"
	    "                     [--notify-max USD] [--delay-max USD]\n"
	    "                     [--daily-limit USD] [--monthly-limit USD]\n"
	    "                     [--delay-seconds N] [--rules JSON] ...\n"
	    "       waiaas policy list [--wallet ID]\n"
	    "TYPE: SPENDING_LIMIT, WHITELIST, ALLOWED_NETWORKS,\n"
	    "ALLOWED_TOKENS, "
	    "CONTRACT_WHITELIST, METHOD_WHITELIST, APPROVED_SPENDERS,\n"
	    "APPROVE_AMOUNT_LIMIT, APPROVE_TIER_OVERRIDE, TIME_RESTRICTION,\n"
	    "RATE_LIMIT; rules as in the API, e.g.\n"
	    "  --rules '{\"instant_max\":\"10000000000000000\"}'\n"
	    "(native amounts, in the chain's smallest unit, go in --rules:\n"
	    "instant_max, notify_max, delay_max).\n"
	    "SPENDING_LIMIT in US dollars (a price source must value the\n"
	    "transaction, else it waits for the owner):\n"
	    "  --instant-max USD    up to this runs at once (instant_max_usd)\n"
	    "  --notify-max USD     up to this runs and the owner is told\n"
	    "                       (notify_max_usd)\n"
	    "  --delay-max USD      up to this waits --delay-seconds, then\n"
	    "                       runs (delay_max_usd); above: the owner\n"
	    "                       approves\n"
	    "  --daily-limit USD    at most this in 24 h (daily_limit_usd)\n"
	    "  --monthly-limit USD  at most this in 30 days\n"
	    "                       (monthly_limit_usd)\n"
	    "  --delay-seconds N    60 to 2592000 (default 900)\n"
	    "e.g. waiaas policy create SPENDING_LIMIT --instant-max 10 "
	    "--daily-limit 500\n"
	    "The rules are checked before anything is sent (exit 2).\n"
	    "Without --wallet the policy is global.\n"
	    "  --json     the daemon's JSON answer\n"
	    "  --url URL  the daemon (default from config.toml)\n";
	const char	*sub;
	json_t		*j, *p, *body, *rules;
	char		 path[160];
	size_t		 i;

	sub = sub_args(&argc, &argv, opts, help, "create or list");
	if (strcmp(sub, "create") == 0) {
		if (argc == 1 && o_type != NULL && strcmp(o_type, argv[0]) != 0)
			cli_usage_error("two types: %.40s and --type %.40s",
			    argv[0], o_type);
		if (argc == 1)
			o_type = argv[0];
		if (argc > 1 || o_type == NULL)
			cli_usage_error("create needs a type (e.g. "
			    "SPENDING_LIMIT) and its rules");
		rules = policy_rules(o_type);
		body = json_pack("{s:s, s:o}", "type", o_type, "rules", rules);
		if (o_wallet != NULL)
			json_object_set_new(body, "walletId",
			    json_string(o_wallet));
		if (o_network != NULL)
			json_object_set_new(body, "network",
			    json_string(o_network));
		if (o_priority >= 0)
			json_object_set_new(body, "priority",
			    json_integer(o_priority));
		j = cli_call("POST", "/v1/policies", body, 1, 201);
		if (cli.json)
			cli_dump(j);
		else
			printf("created policy %s\n", cli_str(j, "id") ?
			    cli_str(j, "id") : "?");
	} else if (strcmp(sub, "list") == 0) {
		if (argc != 0)
			cli_usage_error("list takes no argument");
		if (o_wallet != NULL)
			snprintf(path, sizeof(path),
			    "/v1/policies?walletId=%s&limit=500", o_wallet);
		else
			snprintf(path, sizeof(path), "/v1/policies?limit=500");
		j = cli_call("GET", path, NULL, 1, 200);
		if (cli.json)
			cli_dump(j);
		else
			json_array_foreach(json_object_get(j, "data"), i, p) {
				char	*r;

				cli_print_safe(stdout, cli_str(p, "id"));
				putchar(' ');
				cli_print_safe(stdout, cli_str(p, "type"));
				putchar(' ');
				cli_print_safe(stdout, cli_str(p, "walletId") ?
				    cli_str(p, "walletId") : "global");
				putchar(' ');
				r = json_dumps(json_object_get(p, "rules"),
				    JSON_COMPACT | JSON_ENCODE_ANY);
				cli_print_safe(stdout, r);
				putchar('\n');
				wipe_free(r);
			}
	} else
		cli_usage_error("unknown policy command '%.32s'", sub);
	json_decref(j);
	return 0;
}
