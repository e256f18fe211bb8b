/*
 * config.toml parsing, WAIAAS_* overrides and loading the file from disk.
 * Links only common/config.c and what it needs; the environment is passed
 * as our own arrays, never the process's.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "config.h"
#include "log.h"
#include "msg.h"
#include "network.h"
#include "util.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define FNAME		"test.toml"

/* want1 and want2 (if not NULL) must both appear in the error. */
struct errcase {
	const char	*name;
	const char	*text;
	const char	*want1;
	const char	*want2;
};

struct envcase {
	const char	*name;
	const char	*env[4];
	const char	*want;		/* NULL: must succeed */
};

static void
want_in(const char *what, const char *err, const char *want)
{
	if (want != NULL && strstr(err, want) == NULL)
		fail_msg("%s: error '%s' does not mention '%s'", what, err,
		    want);
}

static int
parse(struct config *cf, const char *text, char *err, size_t errlen)
{
	config_defaults(cf);
	err[0] = '\0';
	return config_parse(cf, text, strlen(text), FNAME, err, errlen);
}

/* Parse text that must fail, naming want1 and want2 in the error. */
static void
check_err(const char *what, const char *text, const char *want1,
    const char *want2)
{
	struct config	cf;
	char		err[512];

	if (parse(&cf, text, err, sizeof(err)) != -1)
		fail_msg("%s: parsed, but should have failed", what);
	if (err[0] == '\0')
		fail_msg("%s: failed with an empty error", what);
	want_in(what, err, want1);
	want_in(what, err, want2);
}

static void
check_ok(const char *what, const char *text, struct config *cf)
{
	char	err[512];

	if (parse(cf, text, err, sizeof(err)) != 0)
		fail_msg("%s: unexpected error '%s'", what, err);
}

static void
test_defaults(void **state)
{
	struct config	cf;

	memset(&cf, 0xa5, sizeof(cf));
	config_defaults(&cf);
	assert_int_equal(cf.port, 3100);
	assert_string_equal(cf.hostname, "127.0.0.1");
	assert_int_equal(cf.log_level, LOGL_INFO);
	assert_int_equal(cf.max_connections, 4096);
	assert_int_equal(cf.request_timeout, 30);
	assert_int_equal(cf.header_timeout, 10);
	assert_int_equal(cf.max_body_size, 256 * 1024);
	assert_int_equal(cf.max_header_size, 16 * 1024);
	assert_string_equal(cf.user[PROC_PARENT], "waiaas");
	assert_string_equal(cf.user[PROC_API], "waiaas-api");
	assert_string_equal(cf.user[PROC_POLICYD], "waiaas-policyd");
	assert_string_equal(cf.user[PROC_SIGNER], "waiaas-signer");
	assert_string_equal(cf.user[PROC_RELAY], "waiaas-relay");
	assert_string_equal(cf.user[PROC_FETCH], "waiaas-fetch");
	assert_int_equal(cf.x402_enabled, 1);
	assert_int_equal(cf.x402_allow_private, 0);
	assert_int_equal(cf.x402_timeout_ms, 30000);
	assert_string_equal(cf.datadir, "");
	assert_string_equal(cf.rpc[RPC_solana_mainnet], "");
	assert_string_equal(cf.rpc[RPC_evm_hyperevm_testnet], "");
}

/* Nothing to parse leaves the defaults alone. */
static void
test_empty(void **state)
{
	static const char *const texts[] = {
		"", "\n", "\r\n", "# only a comment", "   \t\n\n# x\n",
		"[daemon]\n", "[daemon]\n[rpc]\n[security]\n[notifications]\n"
		    "[keystore]\n[database]\n",
		"[daemon] # trailing comment\n",
	};
	struct config	cf;
	size_t		i;

	for (i = 0; i < NITEMS(texts); i++) {
		check_ok(texts[i], texts[i], &cf);
		assert_int_equal(cf.port, 3100);
		assert_string_equal(cf.hostname, "127.0.0.1");
		assert_int_equal(cf.log_level, LOGL_INFO);
	}
}

static const char valid_toml[] =
    "# waiaas configuration\n"
    "\n"
    "[daemon]\n"
    "port = 3200   # not the default\n"
    "hostname = \"::1\"\n"
    "\tlog_level = 'debug'\n"
    "max_connections = 1024\n"
    "request_timeout=+45\n"
    "max_body_size = 1048576\n"
    "   # indented comment\n"
    "\n"
    "[security]\n"
    "daemon_user = \"_waiaas\"\n"
    "api_user = 'waiaas-api2'\n"
    "policyd_user = \"1234\"\n"
    "signer_user = \"w\\u0073igner\"\n"
    "relay_user = \"relay_1\"   # comment after a string\n"
    "\n"
    "[rpc]\n"
    "solana_mainnet = \"https://sol.example/rpc\"\n"
    "evm_ethereum_sepolia = 'https://x.example/a\\b'\n"
    "evm_base_mainnet = \"https://b.example/\\\"q\\\"\\\\z\"\n"
    "evm_polygon_amoy = \"http://127.0.0.1:8545/\"\n"
    "evm_hyperevm_testnet = 'https://h.example/#frag'\n"
    "[notifications]\n"
    "[keystore]\n"
    "[database]";		/* no final newline */

static void
check_valid(const struct config *cf)
{
	assert_int_equal(cf->port, 3200);
	assert_string_equal(cf->hostname, "::1");
	assert_int_equal(cf->log_level, LOGL_DEBUG);
	assert_int_equal(cf->max_connections, 1024);
	assert_int_equal(cf->request_timeout, 45);
	assert_int_equal(cf->max_body_size, 1048576);
	assert_int_equal(cf->max_header_size, 16 * 1024);	/* default */
	assert_string_equal(cf->user[PROC_PARENT], "_waiaas");
	assert_string_equal(cf->user[PROC_API], "waiaas-api2");
	assert_string_equal(cf->user[PROC_POLICYD], "1234");
	assert_string_equal(cf->user[PROC_SIGNER], "wsigner");
	assert_string_equal(cf->user[PROC_RELAY], "relay_1");
	assert_string_equal(cf->rpc[RPC_solana_mainnet],
	    "https://sol.example/rpc");
	/* A literal string keeps its backslash. */
	assert_string_equal(cf->rpc[RPC_evm_ethereum_sepolia],
	    "https://x.example/a\\b");
	assert_string_equal(cf->rpc[RPC_evm_base_mainnet],
	    "https://b.example/\"q\"\\z");
	assert_string_equal(cf->rpc[RPC_evm_polygon_amoy],
	    "http://127.0.0.1:8545/");
	/* '#' inside a string is not a comment. */
	assert_string_equal(cf->rpc[RPC_evm_hyperevm_testnet],
	    "https://h.example/#frag");
	assert_string_equal(cf->rpc[RPC_solana_devnet], "");
}

/* The same file with LF and with CRLF line endings. */
static void
test_valid_file(void **state)
{
	struct config	 cf;
	char		*crlf;
	size_t		 i, n = 0;

	check_ok("LF", valid_toml, &cf);
	check_valid(&cf);

	crlf = malloc(2 * sizeof(valid_toml));
	assert_non_null(crlf);
	for (i = 0; valid_toml[i] != '\0'; i++) {
		if (valid_toml[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = valid_toml[i];
	}
	crlf[n] = '\0';
	check_ok("CRLF", crlf, &cf);
	check_valid(&cf);
	free(crlf);
}

/* Values that must be accepted, each alone in its section. */
static void
test_valid_values(void **state)
{
	static const struct {
		const char	*text;
		size_t		 off;
		int		 ival;
		const char	*sval;
	} cases[] = {
#define I(t, f, v)	{ t, offsetof(struct config, f), v, NULL }
#define S(t, f, v)	{ t, offsetof(struct config, f), 0, v }
		I("[daemon]\nport = 1\n", port, 1),
		I("[daemon]\nport = 65535\n", port, 65535),
		I("[daemon]\nport = 08080\n", port, 8080),
		I("[daemon]\nmax_connections = 4\n", max_connections, 4),
		I("[daemon]\nmax_header_size = 65536\n", max_header_size,
		    65536),
		I("[daemon]\nlog_level = \"trace\"\n", log_level, LOGL_TRACE),
		I("[daemon]\nlog_level = \"error\"\n", log_level, LOGL_ERROR),
		I("[daemon]\nlog_level = \"warn\"\n", log_level, LOGL_WARN),
		I("[daemon]\nlog_level = \"info\"\n", log_level, LOGL_INFO),
		S("[daemon]\nhostname = \"0.0.0.0\"\n", hostname, "0.0.0.0"),
		S("[daemon]\nhostname = \"localhost\"\n", hostname,
		    "localhost"),
		S("[daemon]\nhostname = 'fe80::1'\n", hostname, "fe80::1"),
		S("[daemon]\nhostname = \"\\u0031\\u0030.0.0.1\"\n", hostname,
		    "10.0.0.1"),
		S("[security]\napi_user = \"nobody\"\n", user[PROC_API],
		    "nobody"),
		S("[security]\nsigner_user = \"4294967294\"\n",
		    user[PROC_SIGNER], "4294967294"),
		S("[security]\nrelay_user = \"w-relay9\"\n", user[PROC_RELAY],
		    "w-relay9"),
		S("[rpc]\nsolana_testnet = \"http://ab\"\n",
		    rpc[RPC_solana_testnet], "http://ab"),
		S("[rpc]\nevm_arbitrum_sepolia = \"https://a.example:8443/"
		    "v1?key=abc&x=1\"\n", rpc[RPC_evm_arbitrum_sepolia],
		    "https://a.example:8443/v1?key=abc&x=1"),
#undef I
#undef S
	};
	struct config	 cf;
	const char	*p;
	size_t		 i;

	for (i = 0; i < NITEMS(cases); i++) {
		check_ok(cases[i].text, cases[i].text, &cf);
		p = (const char *)&cf + cases[i].off;
		if (cases[i].sval == NULL) {
			if (*(const int *)(const void *)p != cases[i].ival)
				fail_msg("%s: got %d, want %d", cases[i].text,
				    *(const int *)(const void *)p,
				    cases[i].ival);
		} else if (strcmp(p, cases[i].sval) != 0)
			fail_msg("%s: got '%s', want '%s'", cases[i].text, p,
			    cases[i].sval);
	}
}

/* Every error names the key (or, for a bad line, file and line number). */
static const struct errcase errcases[] = {
	/* structure */
	{ "unknown section", "[daemon]\n[daemons]\n", "daemons", FNAME ":2" },
	{ "bad section header", "[daemon\n", FNAME ":1", NULL },
	{ "empty section header", "[]\n", FNAME ":1", NULL },
	{ "dotted section", "[daemon.x]\n", FNAME ":1", NULL },
	{ "unknown key", "[daemon]\nprot = 1\n", "daemon.prot", FNAME ":2" },
	{ "key of another section", "[rpc]\nport = 1\n", "rpc.port", NULL },
	{ "key in a keyless section", "[keystore]\nfoo = 1\n",
	    "keystore.foo", NULL },
	{ "key outside a section", "# c\nport = 3100\n[daemon]\n", "'port'",
	    FNAME ":2" },
	{ "duplicate key", "[daemon]\nport = 1\nhostname = \"::1\"\n"
	    "port = 2\n", "daemon.port", FNAME ":4" },
	{ "duplicate section", "[daemon]\n[rpc]\n[daemon]\n", "daemon",
	    FNAME ":3" },
	{ "missing =", "[daemon]\nport 3100\n", "port", FNAME ":2" },
	{ "missing value", "[daemon]\nport =\n", "daemon.port", NULL },
	{ "only a comment as value", "[daemon]\nport = # x\n", "daemon.port",
	    NULL },
	{ "dotted key", "[daemon]\ndaemon.port = 1\n", "daemon", NULL },
	/* types */
	{ "port as string", "[daemon]\nport = \"3100\"\n", "daemon.port",
	    "integer" },
	{ "port as literal string", "[daemon]\nport = '3100'\n",
	    "daemon.port", NULL },
	{ "hostname as integer", "[daemon]\nhostname = 12\n",
	    "daemon.hostname", "string" },
	{ "hostname bare", "[daemon]\nhostname = localhost\n",
	    "daemon.hostname", NULL },
	{ "log_level bare", "[daemon]\nlog_level = debug\n",
	    "daemon.log_level", NULL },
	{ "user as integer", "[security]\napi_user = 1001\n",
	    "security.api_user", NULL },
	{ "url bare", "[rpc]\nsolana_mainnet = true\n", "rpc.solana_mainnet",
	    NULL },
	{ "port is a boolean", "[daemon]\nport = true\n", "daemon.port",
	    NULL },
	{ "port is a float", "[daemon]\nport = 31.5\n", "daemon.port", NULL },
	{ "port hex", "[daemon]\nport = 0x10\n", "daemon.port", NULL },
	{ "port with suffix", "[daemon]\nport = 3100x\n", "daemon.port",
	    NULL },
	{ "port sign only", "[daemon]\nport = -\n", "daemon.port", NULL },
	/* ranges */
	{ "port 0", "[daemon]\nport = 0\n", "daemon.port", "range" },
	{ "port 65536", "[daemon]\nport = 65536\n", "daemon.port", "range" },
	{ "port negative", "[daemon]\nport = -1\n", "daemon.port", "range" },
	{ "port overflows long", "[daemon]\nport = 99999999999999999999999\n",
	    "daemon.port", NULL },
	{ "port 2^32+3100", "[daemon]\nport = 4294970396\n", "daemon.port",
	    "range" },
	{ "max_connections 3", "[daemon]\nmax_connections = 3\n",
	    "daemon.max_connections", "range" },
	{ "request_timeout 601", "[daemon]\nrequest_timeout = 601\n",
	    "daemon.request_timeout", "range" },
	{ "max_body_size 1023", "[daemon]\nmax_body_size = 1023\n",
	    "daemon.max_body_size", "range" },
	{ "max_header_size 65537", "[daemon]\nmax_header_size = 65537\n",
	    "daemon.max_header_size", "range" },
	/* log level */
	{ "log level unknown", "[daemon]\nlog_level = \"verbose\"\n",
	    "daemon.log_level", "verbose" },
	{ "log level upper case", "[daemon]\nlog_level = \"DEBUG\"\n",
	    "daemon.log_level", NULL },
	{ "log level empty", "[daemon]\nlog_level = \"\"\n",
	    "daemon.log_level", NULL },
	{ "log level number", "[daemon]\nlog_level = \"3\"\n",
	    "daemon.log_level", NULL },
	/* hostname */
	{ "hostname name", "[daemon]\nhostname = \"example.com\"\n",
	    "daemon.hostname", "example.com" },
	{ "hostname octet", "[daemon]\nhostname = \"256.1.1.1\"\n",
	    "daemon.hostname", NULL },
	{ "hostname empty", "[daemon]\nhostname = \"\"\n", "daemon.hostname",
	    NULL },
	{ "hostname space", "[daemon]\nhostname = \"127.0.0.1 \"\n",
	    "daemon.hostname", NULL },
	{ "hostname with port", "[daemon]\nhostname = \"127.0.0.1:80\"\n",
	    "daemon.hostname", NULL },
	{ "hostname upper localhost", "[daemon]\nhostname = \"LOCALHOST\"\n",
	    "daemon.hostname", NULL },
	/* urls */
	{ "url ftp", "[rpc]\nsolana_mainnet = \"ftp://x.example/\"\n",
	    "rpc.solana_mainnet", NULL },
	{ "url space", "[rpc]\nevm_base_sepolia = \"https://x.example/a b\"\n",
	    "rpc.evm_base_sepolia", NULL },
	{ "url tab", "[rpc]\nevm_base_sepolia = \"https://x.example/a\\tb\"\n",
	    "rpc.evm_base_sepolia", NULL },
	{ "url newline", "[rpc]\nsolana_devnet = \"https://x.example/\\n\"\n",
	    "rpc.solana_devnet", NULL },
	{ "url control", "[rpc]\nsolana_devnet = \"https://x.ex/\\u0001\"\n",
	    "rpc.solana_devnet", NULL },
	{ "url del", "[rpc]\nsolana_devnet = \"https://x.ex/\\u007f\"\n",
	    "rpc.solana_devnet", NULL },
	{ "url non-ascii", "[rpc]\nsolana_devnet = \"https://\xc3\xa9.example/"
	    "\"\n", "rpc.solana_devnet", NULL },
	{ "url scheme only", "[rpc]\nsolana_devnet = \"https://\"\n",
	    "rpc.solana_devnet", NULL },
	{ "url no scheme", "[rpc]\nsolana_devnet = \"x.example/rpc\"\n",
	    "rpc.solana_devnet", NULL },
	{ "url blank", "[rpc]\nevm_optimism_mainnet = \" \"\n",
	    "rpc.evm_optimism_mainnet", NULL },
	{ "price url blank", "[security]\nprice_url = \" \"\n",
	    "security.price_url", NULL },
	/* public_defaults */
	{ "bool quoted", "[rpc]\npublic_defaults = \"false\"\n",
	    "rpc.public_defaults", "true or false" },
	{ "bool number", "[rpc]\npublic_defaults = 0\n",
	    "rpc.public_defaults", "true or false" },
	{ "bool word", "[rpc]\npublic_defaults = no\n",
	    "rpc.public_defaults", "true or false" },
	{ "bool other section", "[security]\npublic_defaults = false\n",
	    "security.public_defaults", NULL },
	/* users */
	{ "user upper case", "[security]\ndaemon_user = \"Root\"\n",
	    "security.daemon_user", "Root" },
	{ "user uid 0", "[security]\napi_user = \"0\"\n", "security.api_user",
	    NULL },
	{ "user uid 00", "[security]\napi_user = \"00\"\n",
	    "security.api_user", NULL },
	{ "user uid 000", "[security]\nsigner_user = \"000\"\n",
	    "security.signer_user", NULL },
	{ "user space", "[security]\npolicyd_user = \"a b\"\n",
	    "security.policyd_user", NULL },
	{ "user empty", "[security]\nsigner_user = \"\"\n",
	    "security.signer_user", NULL },
	{ "user digit then letter", "[security]\nrelay_user = \"1abc\"\n",
	    "security.relay_user", NULL },
	{ "user dot", "[security]\nrelay_user = \"a.b\"\n",
	    "security.relay_user", NULL },
	/* strings */
	{ "unterminated string", "[daemon]\nhostname = \"127.0.0.1\n",
	    "daemon.hostname", FNAME ":2" },
	{ "unterminated literal", "[daemon]\nhostname = '127.0.0.1\n",
	    "daemon.hostname", "string" },
	{ "unterminated at eof", "[daemon]\nhostname = \"127.0.0.1",
	    "daemon.hostname", "string" },
	{ "string ends in backslash", "[daemon]\nhostname = \"::1\\\n",
	    "daemon.hostname", "string" },
	{ "multi-line basic", "[daemon]\nhostname = \"\"\"127.0.0.1\"\"\"\n",
	    "daemon.hostname", "string" },
	{ "multi-line literal", "[daemon]\nhostname = '''127.0.0.1'''\n",
	    "daemon.hostname", "string" },
	{ "multi-line over lines", "[daemon]\nhostname = \"\"\"\n::1\n\"\"\"\n",
	    "daemon.hostname", "string" },
	{ "unknown escape", "[daemon]\nhostname = \"\\x31.0.0.1\"\n",
	    "daemon.hostname", "string" },
	{ "short \\u escape", "[daemon]\nhostname = \"\\u31\"\n",
	    "daemon.hostname", "string" },
	{ "\\u0000 escape", "[daemon]\nhostname = \"::1\\u0000\"\n",
	    "daemon.hostname", "string" },
	{ "non-ascii \\u escape", "[daemon]\nhostname = \"\\u00e9\"\n",
	    "daemon.hostname", "string" },
	{ "raw control char", "[daemon]\nhostname = \"::1\x01\"\n",
	    "daemon.hostname", "string" },
	{ "raw CR inside string", "[daemon]\nhostname = \"::1\r\"\n",
	    "daemon.hostname", "string" },
	/* trailing garbage */
	{ "garbage after integer", "[daemon]\nport = 3100 x\n", FNAME ":2",
	    NULL },
	{ "garbage after string", "[daemon]\nhostname = \"::1\" x\n",
	    FNAME ":2", NULL },
	{ "two strings", "[daemon]\nhostname = \"::1\"\"::2\"\n", FNAME ":2",
	    NULL },
	{ "garbage after section", "[daemon] port = 1\n", FNAME ":1", NULL },
	{ "CR in the middle of a line", "[daemon]\nport = 1\r2\n",
	    "daemon.port", NULL },
};

static void
test_errors(void **state)
{
	size_t	i;

	for (i = 0; i < NITEMS(errcases); i++)
		check_err(errcases[i].name, errcases[i].text,
		    errcases[i].want1, errcases[i].want2);
}

/* A line of CONFIG_LINE_MAX - 1 bytes fits; CONFIG_LINE_MAX does not. */
static void
test_line_length(void **state)
{
	struct config	 cf;
	char		 err[256], *text;
	size_t		 hdr = strlen("[daemon]\n"), max = CONFIG_LINE_MAX;

	text = malloc(hdr + max + 2);
	assert_non_null(text);
	memcpy(text, "[daemon]\n", hdr);
	memset(text + hdr, '#', max - 1);
	text[hdr + max - 1] = '\n';
	config_defaults(&cf);
	assert_int_equal(config_parse(&cf, text, hdr + max, FNAME, err,
	    sizeof(err)), 0);
	memset(text + hdr, '#', max);
	text[hdr + max] = '\n';
	assert_int_equal(config_parse(&cf, text, hdr + max + 1, FNAME, err,
	    sizeof(err)), -1);
	want_in("long line", err, FNAME ":2");
	free(text);
}

/*
 * "[section]\nkey = \"<pre><n - strlen(pre) times c>\"\n": strings at and
 * just past each limit.
 */
static void
test_string_lengths(void **state)
{
	static const struct {
		const char	*sect;
		const char	*key;
		const char	*pre;
		char		 c;
		size_t		 n;
		int		 ok;
		const char	*want;
	} cases[] = {
		{ "security", "api_user", "", 'a', 32, 1, NULL },
		{ "security", "api_user", "", 'a', 33, 0, "security.api_user" },
		{ "security", "api_user", "", '7', 32, 1, NULL },
		{ "security", "api_user", "", '7', 33, 0, "security.api_user" },
		{ "daemon", "hostname", "", '1', 255, 0, "daemon.hostname" },
		{ "daemon", "hostname", "", '1', 256, 0, "too long" },
		{ "rpc", "solana_mainnet", "https://x.example/", 'a',
		    CONFIG_URL_MAX - 1, 1, NULL },
		{ "rpc", "solana_mainnet", "https://x.example/", 'a',
		    CONFIG_URL_MAX, 0, "rpc.solana_mainnet" },
		{ "rpc", "solana_mainnet", "https://x.example/", 'a',
		    CONFIG_URL_MAX + 1, 0, "rpc.solana_mainnet" },
		{ "rpc", "solana_mainnet", "https://x.example/", 'a',
		    3000, 0, "rpc.solana_mainnet" },
	};
	struct config	 cf;
	char		*text, err[256];
	size_t		 i, off, pl;
	int		 r;

	for (i = 0; i < NITEMS(cases); i++) {
		pl = strlen(cases[i].pre);
		text = malloc(cases[i].n + 128);
		assert_non_null(text);
		off = (size_t)snprintf(text, 128, "[%s]\n%s = \"%s",
		    cases[i].sect, cases[i].key, cases[i].pre);
		memset(text + off, cases[i].c, cases[i].n - pl);
		off += cases[i].n - pl;
		memcpy(text + off, "\"\n", 3);
		r = parse(&cf, text, err, sizeof(err));
		if (cases[i].ok && r != 0)
			fail_msg("%s.%s of %zu bytes: unexpected error '%s'",
			    cases[i].sect, cases[i].key, cases[i].n, err);
		if (!cases[i].ok) {
			if (r != -1)
				fail_msg("%s.%s of %zu bytes: accepted",
				    cases[i].sect, cases[i].key, cases[i].n);
			want_in(cases[i].key, err, cases[i].want);
			want_in(cases[i].key, err, cases[i].key);
		}
		free(text);
	}
}

/* The buffer is taken by length: a NUL inside it is an error. */
static void
test_nul_byte(void **state)
{
	static const char	 bufs[][24] = {
		"[daemon]\nport = 1\0\n",
		"\0[daemon]\n",
		"[daemon]\n# x\0y\n",
		"[daemon]\nport = 1\n\0",
	};
	static const size_t	 lens[] = { 19, 10, 15, 19 };
	struct config		 cf;
	char			 err[256];
	size_t			 i;

	for (i = 0; i < NITEMS(bufs); i++) {
		config_defaults(&cf);
		err[0] = '\0';
		assert_int_equal(config_parse(&cf, bufs[i], lens[i], FNAME,
		    err, sizeof(err)), -1);
		want_in("NUL byte", err, "NUL");
		want_in("NUL byte", err, FNAME);
		assert_int_equal(cf.port, 3100);
	}
	/* Without the NUL the same text parses. */
	config_defaults(&cf);
	assert_int_equal(config_parse(&cf, bufs[0], 17, FNAME, err,
	    sizeof(err)), 0);
	assert_int_equal(cf.port, 1);
}

/* Fill n bytes with 64-byte comment lines (n a multiple of 64). */
static void
fill_comments(char *buf, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i += 64) {
		buf[i] = '#';
		memset(buf + i + 1, 'c', 62);
		buf[i + 63] = '\n';
	}
}

/* A FIFO in place of config.toml is refused, not waited on. */
static void
test_load_fifo(void **state)
{
	struct config	cf;
	char		dir[] = "/tmp/test_config_fifo.XXXXXX", path[64];
	char		err[256] = "";

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.toml", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	config_defaults(&cf);
	alarm(5);	/* a hang fails the test by SIGALRM */
	assert_int_equal(config_load_file(&cf, path, err, sizeof(err)), -1);
	alarm(0);
	assert_non_null(strstr(err, "not a regular file"));
	unlink(path);
	rmdir(dir);
}

static void
test_size_limit(void **state)
{
	struct config	 cf;
	char		 err[256], *buf;

	buf = malloc(CONFIG_FILE_MAX + 1);
	assert_non_null(buf);
	fill_comments(buf, CONFIG_FILE_MAX);
	config_defaults(&cf);
	assert_int_equal(config_parse(&cf, buf, CONFIG_FILE_MAX, FNAME, err,
	    sizeof(err)), 0);
	buf[CONFIG_FILE_MAX] = '\n';
	err[0] = '\0';
	assert_int_equal(config_parse(&cf, buf, CONFIG_FILE_MAX + 1, FNAME,
	    err, sizeof(err)), -1);
	want_in("too large", err, "larger");
	want_in("too large", err, FNAME);
	free(buf);
}

/* A short error buffer is truncated, never overrun. */
static void
test_small_errbuf(void **state)
{
	struct config	cf;
	char		err[8];

	memset(err, 'Z', sizeof(err));
	config_defaults(&cf);
	assert_int_equal(config_parse(&cf, "[daemon]\nprot = 1\n", 18, FNAME,
	    err, 6), -1);
	assert_int_equal(err[5], '\0');
	assert_int_equal(err[6], 'Z');
	assert_int_equal(err[7], 'Z');
}

static int
apply_env(struct config *cf, const char *const *env, char *err,
    size_t errlen)
{
	char	*envp[8];
	size_t	 i;

	for (i = 0; env[i] != NULL; i++) {
		assert_true(i + 1 < NITEMS(envp));
		envp[i] = (char *)(uintptr_t)env[i];
	}
	envp[i] = NULL;
	err[0] = '\0';
	return config_apply_env(cf, envp, err, errlen);
}

/* The environment wins over the file. */
static void
test_env_overrides(void **state)
{
	static const char *const env[] = {
		"HOME=/root",
		"WAIAAS_DAEMON_PORT=3200",
		"WAIAAS_DAEMON_LOG_LEVEL=debug",
		"WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=https://x.example/rpc",
		"WAIAAS_DAEMON_HOSTNAME=::1",
		"WAIAAS_SECURITY_API_USER=nobody",
		"WAIAAS_DAEMON_MAX_CONNECTIONS=512",
		NULL
	};
	struct config	cf;
	char		err[256];

	check_ok("file", "[daemon]\nport = 4000\nlog_level = \"warn\"\n"
	    "hostname = \"0.0.0.0\"\n[rpc]\nevm_ethereum_sepolia = "
	    "\"https://file.example/rpc\"\nsolana_mainnet = "
	    "\"https://sol.example/\"\n", &cf);
	assert_int_equal(cf.port, 4000);
	assert_int_equal(cf.log_level, LOGL_WARN);

	if (apply_env(&cf, env, err, sizeof(err)) != 0)
		fail_msg("env: unexpected error '%s'", err);
	assert_int_equal(cf.port, 3200);
	assert_int_equal(cf.log_level, LOGL_DEBUG);
	assert_string_equal(cf.hostname, "::1");
	assert_string_equal(cf.rpc[RPC_evm_ethereum_sepolia],
	    "https://x.example/rpc");
	assert_string_equal(cf.user[PROC_API], "nobody");
	assert_int_equal(cf.max_connections, 512);
	/* Keys the environment does not name keep the file's value. */
	assert_string_equal(cf.rpc[RPC_solana_mainnet],
	    "https://sol.example/");
	assert_string_equal(cf.user[PROC_SIGNER], "waiaas-signer");
}

/* Every rpc key has its WAIAAS_RPC_<NETWORK> variable. */
static void
test_env_rpc_all(void **state)
{
	static const char *const nets[RPC_MAX] = {
#define RPC_NAME(n)	#n,
		RPC_NETWORKS(RPC_NAME)
#undef RPC_NAME
	};
	struct config	 cf;
	const char	*env[2];
	char		 up[64], url[64], var[160], err[256];
	size_t		 i, j;

	for (i = 0; i < RPC_MAX; i++) {
		for (j = 0; nets[i][j] != '\0'; j++) {
			assert_true(j + 1 < sizeof(up));
			up[j] = (char)toupper((unsigned char)nets[i][j]);
		}
		up[j] = '\0';
		snprintf(url, sizeof(url), "https://%zu.example/rpc", i);
		snprintf(var, sizeof(var), "WAIAAS_RPC_%s=%s", up, url);
		env[0] = var;
		env[1] = NULL;
		config_defaults(&cf);
		if (apply_env(&cf, env, err, sizeof(err)) != 0)
			fail_msg("%s: unexpected error '%s'", var, err);
		assert_string_equal(cf.rpc[i], url);
		for (j = 0; j < RPC_MAX; j++)
			if (j != i)
				assert_string_equal(cf.rpc[j], "");
	}
}

/* Not config keys, not ours, or not assignments: all ignored. */
static void
test_env_ignored(void **state)
{
	static const char *const env[] = {
		"WAIAAS_DATA_DIR=/nonexistent/waiaas",
		"WAIAAS_MASTER_PASSWORD=hunter2",
		"WAIAAS_MASTER_PASSWORD_FILE=/nonexistent/pw",
		"WAIAAS_AUTO_PROVISION=true",
		"PATH=/usr/bin:/bin",
		"DAEMON_PORT=1",
		"XWAIAAS_DAEMON_PORT=1",
		"waiaas_daemon_port=1",
		"WAIAAS_DAEMON_PROT",
		"WAIAAS_DAEMON_PORT",
		"",
		/* Not ours: skipped here, warned about by the daemon. */
		"WAIAAS_DAEMON_PROT=1",
		"WAIAAS_DAEMONS_PORT=1",
		"WAIAAS_PORT=1",
		"WAIAAS_=1",
		"WAIAAS_DAEMON_=1",
		"WAIAAS_KEYSTORE_PATH=/x",
		"WAIAAS_DIR=/x",
		"WAIAAS_BASE_URL=http://127.0.0.1:3100",
		"WAIAAS_SESSION_TOKEN=wai_sess_secret",
		"WAIAAS_WALLET_ID=x",
		"WAIAAS_WALLET_NAME=x",
		"WAIAAS_NOTIFICATIONS_NTFY_URL_FILE=/etc/hostname",
		/* Longer than any name of ours. */
		"WAIAAS_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
		    "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
		    "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX=1",
		NULL
	};
	struct config	 cf, def;
	char		*envp[NITEMS(env)], err[256];
	size_t		 i;

	for (i = 0; i < NITEMS(env); i++)
		envp[i] = (char *)(uintptr_t)env[i];
	config_defaults(&def);
	config_defaults(&cf);
	snprintf(err, sizeof(err), "untouched");
	if (config_apply_env(&cf, envp, err, sizeof(err)) != 0)
		fail_msg("unexpected error '%s'", err);
	assert_string_equal(err, "untouched");
	assert_memory_equal(&cf, &def, sizeof(cf));

	assert_true(config_is_env_special("WAIAAS_DATA_DIR"));
	assert_true(config_is_env_special("WAIAAS_MASTER_PASSWORD"));
	assert_true(config_is_env_special("WAIAAS_MASTER_PASSWORD_FILE"));
	assert_true(config_is_env_special("WAIAAS_AUTO_PROVISION"));
	assert_false(config_is_env_special("WAIAAS_DAEMON_PORT"));
	assert_false(config_is_env_special("WAIAAS_DATA_DIRX"));
	assert_false(config_is_env_special("WAIAAS_MASTER"));

	/* An empty environment is fine too. */
	envp[0] = NULL;
	assert_int_equal(config_apply_env(&cf, envp, err, sizeof(err)), 0);
}

/* Ours and the clients' are known; anything else is named. */
static void
test_env_unknown(void **state)
{
	static const char *const known[] = {
		"WAIAAS_DATA_DIR", "WAIAAS_MASTER_PASSWORD_FILE",
		"WAIAAS_AUTO_PROVISION", "WAIAAS_DAEMON_PORT",
		"WAIAAS_daemon_port", "WAIAAS_SECURITY_MASTER_LOCK_SECONDS",
		"WAIAAS_NOTIFICATIONS_WEBHOOK_SECRET_FILE",
		"WAIAAS_BASE_URL", "WAIAAS_SESSION_TOKEN", "WAIAAS_WALLET_ID",
		"WAIAAS_WALLET_NAME", "WAIAAS_NEW_MASTER_PASSWORD",
		"WAIAAS_NEW_MASTER_PASSWORD_FILE", "PATH", "XWAIAAS_DIR",
	};
	static const char *const unknown[] = {
		"WAIAAS_DIR", "WAIAAS_", "WAIAAS_DAEMON_", "WAIAAS_PORT",
		"WAIAAS_SESSION_TOKENS", "WAIAAS_DAEMON_PORT_FILE",
	};
	size_t	i;

	for (i = 0; i < NITEMS(known); i++)
		if (config_env_unknown(known[i]))
			fail_msg("%s: unknown", known[i]);
	for (i = 0; i < NITEMS(unknown); i++)
		if (!config_env_unknown(unknown[i]))
			fail_msg("%s: known", unknown[i]);
}

static void
test_env_closest(void **state)
{
	static const struct {
		const char	*name, *want;
	} cases[] = {
		{ "WAIAAS_DIR", "WAIAAS_DATA_DIR" },
		{ "WAIAAS_DATADIR", "WAIAAS_DATA_DIR" },
		{ "WAIAAS_SECURITY_MASTER_LOCK_SECOND",
		    "WAIAAS_SECURITY_MASTER_LOCK_SECONDS" },
		{ "WAIAAS_DAEMON_PROT", "WAIAAS_DAEMON_PORT" },
		{ "WAIAAS_DEAMON_PORT", "WAIAAS_DAEMON_PORT" },
		{ "WAIAAS_MASTER_PASSWD_FILE", "WAIAAS_MASTER_PASSWORD_FILE" },
		{ "WAIAAS_NOTIFICATIONS_NTFY_TOKEN_FIL",
		    "WAIAAS_NOTIFICATIONS_NTFY_TOKEN_FILE" },
		{ "WAIAAS_RPC_EVM_ETHEREUM_SEPOLA",
		    "WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA" },
		{ "WAIAAS_AUTOPROVISION", "WAIAAS_AUTO_PROVISION" },
		{ "WAIAAS_SESION_TOKEN", "WAIAAS_SESSION_TOKEN" },
	};
	char	out[128], tiny[8];
	size_t	i;

	for (i = 0; i < NITEMS(cases); i++) {
		config_env_closest(cases[i].name, out, sizeof(out));
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("%s: '%s', not '%s'", cases[i].name, out,
			    cases[i].want);
	}
	/* A name longer than the distance table still gets an answer. */
	memset(out, 'X', sizeof(out));
	memcpy(out, "WAIAAS_DAEMON_PORT", 18);
	out[sizeof(out) - 1] = '\0';
	config_env_closest(out, tiny, sizeof(tiny));
	assert_int_equal(strncmp(tiny, "WAIAAS_", 7), 0);
	/* A short buffer gets a terminated prefix. */
	config_env_closest("WAIAAS_DIR", tiny, sizeof(tiny));
	assert_string_equal(tiny, "WAIAAS_");
}

static const struct envcase envcases[] = {
	{ "port not a number", { "WAIAAS_DAEMON_PORT=abc" },
	    "WAIAAS_DAEMON_PORT" },
	{ "port empty", { "WAIAAS_DAEMON_PORT=" }, "WAIAAS_DAEMON_PORT" },
	{ "port suffix", { "WAIAAS_DAEMON_PORT=3200 " },
	    "WAIAAS_DAEMON_PORT" },
	{ "port prefix space", { "WAIAAS_DAEMON_PORT= 3200" },
	    "WAIAAS_DAEMON_PORT" },
	{ "user starting with a dash", { "WAIAAS_SECURITY_API_USER=-foo" },
	    "WAIAAS_SECURITY_API_USER" },
	{ "port 0", { "WAIAAS_DAEMON_PORT=0" }, "WAIAAS_DAEMON_PORT" },
	{ "port 65536", { "WAIAAS_DAEMON_PORT=65536" }, "WAIAAS_DAEMON_PORT" },
	{ "bad log level", { "WAIAAS_DAEMON_LOG_LEVEL=loud" },
	    "WAIAAS_DAEMON_LOG_LEVEL" },
	{ "hostname not an IP", { "WAIAAS_DAEMON_HOSTNAME=example.com" },
	    "WAIAAS_DAEMON_HOSTNAME" },
	{ "bad url", { "WAIAAS_RPC_SOLANA_MAINNET=ftp://x.example/" },
	    "WAIAAS_RPC_SOLANA_MAINNET" },
	{ "bad user", { "WAIAAS_SECURITY_RELAY_USER=Root" },
	    "WAIAAS_SECURITY_RELAY_USER" },
	{ "root id", { "WAIAAS_SECURITY_RELAY_USER=0" },
	    "WAIAAS_SECURITY_RELAY_USER" },
	/* An error after good settings still fails, naming the bad one. */
	{ "error after good", { "WAIAAS_DAEMON_PORT=3200",
	    "WAIAAS_DAEMON_HOSTNAME=nope" }, "WAIAAS_DAEMON_HOSTNAME" },
	{ "good", { "WAIAAS_DAEMON_PORT=3200" }, NULL },
};

static void
test_env_errors(void **state)
{
	struct config	cf;
	char		err[256];
	size_t		i;
	int		r;

	for (i = 0; i < NITEMS(envcases); i++) {
		config_defaults(&cf);
		r = apply_env(&cf, envcases[i].env, err, sizeof(err));
		if (envcases[i].want == NULL) {
			if (r != 0)
				fail_msg("%s: unexpected error '%s'",
				    envcases[i].name, err);
			continue;
		}
		if (r != -1)
			fail_msg("%s: accepted", envcases[i].name);
		want_in(envcases[i].name, err, envcases[i].want);
	}
}

/* URLs of CONFIG_URL_MAX - 1 bytes fit, longer ones do not. */
static void
test_env_url_length(void **state)
{
	static const char	pfx[] = "WAIAAS_RPC_SOLANA_DEVNET=";
	static const char	scheme[] = "https://x.example/";
	const size_t		lens[] = { CONFIG_URL_MAX - 1,
				    CONFIG_URL_MAX, CONFIG_URL_MAX + 1,
				    3 * CONFIG_URL_MAX };
	const size_t		p = sizeof(pfx) - 1, s = sizeof(scheme) - 1;
	struct config		cf;
	const char		*env[2];
	char			*var, err[256];
	size_t			i;
	int			r;

	var = malloc(p + 3 * CONFIG_URL_MAX + 1);
	assert_non_null(var);
	for (i = 0; i < NITEMS(lens); i++) {
		memcpy(var, pfx, p);
		memcpy(var + p, scheme, s);
		memset(var + p + s, 'a', lens[i] - s);
		var[p + lens[i]] = '\0';
		env[0] = var;
		env[1] = NULL;
		config_defaults(&cf);
		r = apply_env(&cf, env, err, sizeof(err));
		if (lens[i] < CONFIG_URL_MAX) {
			assert_int_equal(r, 0);
			assert_int_equal(strlen(cf.rpc[RPC_solana_devnet]),
			    lens[i]);
		} else {
			assert_int_equal(r, -1);
			want_in("long url", err, "WAIAAS_RPC_SOLANA_DEVNET");
			assert_string_equal(cf.rpc[RPC_solana_devnet], "");
		}
	}
	free(var);
}

/*
 * [security] price_*: the keys, their defaults and bounds, and
 * config_check(), which judges the tables once every key is set (an
 * [rpc] evm_custom network may come after them, or from the
 * environment).
 */
#define USDC	"0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"

static void
test_price_keys(void **state)
{
	static const struct {
		const char	*text;
		const char	*env;
		const char	*want;		/* NULL: accepted */
	} rows[] = {
		{ "", NULL, NULL },
		{ "[security]\nprice_static = \"ETH=2000;SOL=150\"\n", NULL,
		  NULL },
		{ "[security]\nprice_url = \"https://p.example/simple/price\"\n"
		  "price_ids = 'ETH=ethereum;base-mainnet:" USDC
		  "@6=usd-coin'\n"
		  "price_refresh = 5\nprice_max_age = 10\n"
		  "price_max_change_pct = 1000\nprice_unpriced = \"deny\"\n",
		  NULL, NULL },
		/* a network of [rpc] evm_custom, defined after its price */
		{ "[security]\nprice_static = \"LETH=3;localdev:" USDC "@18="
		  "1\"\n[rpc]\nevm_custom = \"localdev,31337,testnet,LETH,"
		  "http://127.0.0.1:8545\"\n", NULL, NULL },
		{ "[security]\nprice_static = \"LETH=3\"\n",
		  "WAIAAS_RPC_EVM_CUSTOM=localdev,31337,testnet,LETH,"
		  "http://127.0.0.1:8545", NULL },
		{ "[security]\nprice_static = \"LETH=3\"\n", NULL,
		  "no network has the native coin 'LETH'" },
		{ "[security]\nprice_static = \"foo:" USDC "@6=1\"\n", NULL,
		  "security.price_static: 'foo:" USDC "@6=1': unknown network "
		  "'foo'" },
		{ "[security]\nprice_static = \"ETH=0\"\n", NULL,
		  "security.price_static: 'ETH=0'" },
		{ "", "WAIAAS_SECURITY_PRICE_STATIC=ETH=1;ETH=2",
		  "ETH is listed twice" },
		{ "[security]\nprice_ids = \"ETH=ethereum\"\n", NULL,
		  "security.price_url is not" },
		{ "", "WAIAAS_SECURITY_PRICE_URL=https://p.example/x",
		  "security.price_ids names no coin" },
		{ "[security]\nprice_url = \"https://p.example/x\"\n"
		  "price_ids = \"ETH=ethereum\"\nprice_refresh = 120\n"
		  "price_max_age = 60\n", NULL,
		  "security.price_max_age (60 s) is shorter" },
		/* without a URL the ages do not matter */
		{ "[security]\nprice_refresh = 120\nprice_max_age = 60\n",
		  NULL, NULL },
	};
	struct config	cf;
	const char	*env[2];
	char		err[512];
	size_t		i;
	int		r;

	(void)state;
	config_defaults(&cf);
	assert_int_equal(cf.price_refresh, 60);
	assert_int_equal(cf.price_max_age, 600);
	assert_int_equal(cf.price_max_change_pct, 50);
	assert_int_equal(cf.price_unpriced_deny, 0);
	assert_string_equal(cf.price_static, "");
	assert_string_equal(cf.price_url, "");
	assert_string_equal(cf.price_ids, "");
	for (i = 0; i < NITEMS(rows); i++) {
		err[0] = '\0';
		r = parse(&cf, rows[i].text, err, sizeof(err));
		if (r == 0 && rows[i].env != NULL) {
			env[0] = rows[i].env;
			env[1] = NULL;
			r = apply_env(&cf, env, err, sizeof(err));
		}
		if (r == 0)
			r = config_check(&cf, err, sizeof(err));
		if (rows[i].want == NULL && r != 0)
			fail_msg("row %zu: refused: %s", i, err);
		if (rows[i].want != NULL) {
			if (r != -1)
				fail_msg("row %zu: accepted", i);
			want_in("price", err, rows[i].want);
		}
	}
	check_ok("price", rows[2].text, &cf);
	assert_string_equal(cf.price_url, "https://p.example/simple/price");
	assert_int_equal(cf.price_refresh, 5);
	assert_int_equal(cf.price_max_age, 10);
	assert_int_equal(cf.price_max_change_pct, 1000);
	assert_int_equal(cf.price_unpriced_deny, 1);
	check_ok("approval", "[security]\nprice_unpriced = 'approval'\n", &cf);
	assert_int_equal(cf.price_unpriced_deny, 0);

	/* What a single key says. */
	check_err("unpriced", "[security]\nprice_unpriced = \"maybe\"\n",
	    "security.price_unpriced", "approval or deny");
	check_err("unpriced bare", "[security]\nprice_unpriced = deny\n",
	    "security.price_unpriced", "string");
	check_err("refresh", "[security]\nprice_refresh = 4\n",
	    "security.price_refresh", "5..86400");
	check_err("max_age", "[security]\nprice_max_age = 9\n",
	    "security.price_max_age", "10..86400");
	check_err("max_age", "[security]\nprice_max_age = 86401\n",
	    "security.price_max_age", NULL);
	check_err("change", "[security]\nprice_max_change_pct = 0\n",
	    "security.price_max_change_pct", "1..1000");
	check_err("change", "[security]\nprice_max_change_pct = 1001\n",
	    "security.price_max_change_pct", NULL);
	check_err("url", "[security]\nprice_url = \"ftp://x/y\"\n",
	    "security.price_url", "http");
	check_err("control", "[security]\nprice_static = \"ETH=1\\tX\"\n",
	    "security.price_static", "printable");
}

/* price_static of 4096 bytes fits (in a file and the environment). */
static void
test_price_lengths(void **state)
{
	static const size_t	lens[] = { 4095, 4096, 4097, 8000 };
	struct config		cf;
	const char		*env[2];
	char			*text, err[512];
	size_t			i, off, hdr;
	int			r;

	(void)state;
	text = malloc(16384);
	assert_non_null(text);
	for (i = 0; i < NITEMS(lens); i++) {
		/* "ETH=1;" then blanks and ';' up to the length */
		hdr = (size_t)snprintf(text, 64, "[security]\nprice_static = "
		    "\"");
		off = hdr;
		memcpy(text + off, "ETH=1", 5);
		memset(text + off + 5, ';', lens[i] - 5);
		off += lens[i];
		memcpy(text + off, "\"\n", 3);
		r = parse(&cf, text, err, sizeof(err));
		if (lens[i] <= PRICE_CONF_MAX) {
			if (r != 0 || config_check(&cf, err, sizeof(err)) != 0)
				fail_msg("%zu bytes: %s", lens[i], err);
			assert_int_equal(strlen(cf.price_static), lens[i]);
		} else {
			assert_int_equal(r, -1);
			want_in("long price_static", err,
			    "security.price_static");
		}
		/* The same through the environment. */
		memcpy(text, "WAIAAS_SECURITY_PRICE_STATIC=", 29);
		memcpy(text + 29, "ETH=1", 5);
		memset(text + 34, ';', lens[i] - 5);
		text[29 + lens[i]] = '\0';
		env[0] = text;
		env[1] = NULL;
		config_defaults(&cf);
		r = apply_env(&cf, env, err, sizeof(err));
		if (lens[i] <= PRICE_CONF_MAX)
			assert_int_equal(r, 0);
		else {
			assert_int_equal(r, -1);
			want_in("long env", err,
			    "WAIAAS_SECURITY_PRICE_STATIC");
		}
	}
	free(text);
}

/* Files on disk: each test gets its own scratch directory. */
static int
dir_setup(void **state)
{
	char	*dir;

	if ((dir = strdup("/tmp/test_config.XXXXXX")) == NULL)
		return -1;
	if (mkdtemp(dir) == NULL) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int
dir_teardown(void **state)
{
	char		*dir = *state;
	DIR		*d;
	struct dirent	*de;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if (unlinkat(dirfd(d), de->d_name, 0) == -1)
				unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
	return 0;
}

static void
write_file(const char *dir, const char *name, const char *buf, size_t len,
    mode_t mode, char *path, size_t pathlen)
{
	int	fd;

	snprintf(path, pathlen, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void
test_load_missing(void **state)
{
	struct config	cf, def;
	char		path[PATH_MAX], err[256];

	snprintf(path, sizeof(path), "%s/config.toml", (char *)*state);
	config_defaults(&def);
	config_defaults(&cf);
	err[0] = '\0';
	assert_int_equal(config_load_file(&cf, path, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_memory_equal(&cf, &def, sizeof(cf));
}

static void
test_load_valid(void **state)
{
	struct config	cf;
	char		path[PATH_MAX], err[256];

	write_file(*state, "config.toml", valid_toml, sizeof(valid_toml) - 1,
	    0600, path, sizeof(path));
	config_defaults(&cf);
	if (config_load_file(&cf, path, err, sizeof(err)) != 0)
		fail_msg("load: unexpected error '%s'", err);
	check_valid(&cf);
}

/* Errors in the file name config.toml and the line. */
static void
test_load_parse_error(void **state)
{
	static const char	text[] = "[daemon]\n\nprot = 1\n";
	struct config		cf;
	char			path[PATH_MAX], err[256];

	write_file(*state, "config.toml", text, sizeof(text) - 1, 0600, path,
	    sizeof(path));
	config_defaults(&cf);
	assert_int_equal(config_load_file(&cf, path, err, sizeof(err)), -1);
	want_in("load", err, "config.toml:3");
	want_in("load", err, "daemon.prot");
}

/* Only the owner may write the file; reading by others is fine. */
static void
test_load_modes(void **state)
{
	static const struct {
		mode_t	mode;
		int	ok;
	} modes[] = {
		{ 0600, 1 }, { 0400, 1 }, { 0644, 1 }, { 0444, 1 },
		{ 0620, 0 }, { 0602, 0 }, { 0660, 0 }, { 0666, 0 },
		{ 0622, 0 },
	};
	static const char	text[] = "[daemon]\nport = 4000\n";
	struct config		cf;
	char			path[PATH_MAX], err[256], name[32];
	size_t			i;
	int			r;

	for (i = 0; i < NITEMS(modes); i++) {
		snprintf(name, sizeof(name), "mode%04o.toml",
		    (unsigned)modes[i].mode);
		write_file(*state, name, text, sizeof(text) - 1,
		    modes[i].mode, path, sizeof(path));
		config_defaults(&cf);
		err[0] = '\0';
		r = config_load_file(&cf, path, err, sizeof(err));
		if (modes[i].ok) {
			if (r != 0)
				fail_msg("mode %04o: unexpected error '%s'",
				    (unsigned)modes[i].mode, err);
			assert_int_equal(cf.port, 4000);
		} else {
			if (r != -1)
				fail_msg("mode %04o: accepted",
				    (unsigned)modes[i].mode);
			want_in(name, err, "writable");
			want_in(name, err, path);
			assert_int_equal(cf.port, 3100);
		}
	}
}

/* A symlink is refused even when its target would be fine. */
static void
test_load_symlink(void **state)
{
	static const char	text[] = "[daemon]\nport = 4000\n";
	struct config		cf;
	char			target[PATH_MAX], lpath[PATH_MAX], err[256];

	write_file(*state, "real.toml", text, sizeof(text) - 1, 0600, target,
	    sizeof(target));
	snprintf(lpath, sizeof(lpath), "%s/config.toml", (char *)*state);
	assert_int_equal(symlink(target, lpath), 0);
	config_defaults(&cf);
	assert_int_equal(config_load_file(&cf, lpath, err, sizeof(err)), -1);
	want_in("symlink", err, lpath);
	assert_int_equal(cf.port, 3100);

	/* A dangling symlink is not a missing file either. */
	assert_int_equal(unlink(target), 0);
	config_defaults(&cf);
	assert_int_equal(config_load_file(&cf, lpath, err, sizeof(err)), -1);
	want_in("dangling symlink", err, lpath);
}

static void
test_load_directory(void **state)
{
	struct config	cf;
	char		path[PATH_MAX], err[256];

	snprintf(path, sizeof(path), "%s/config.toml", (char *)*state);
	assert_int_equal(mkdir(path, 0700), 0);
	config_defaults(&cf);
	assert_int_equal(config_load_file(&cf, path, err, sizeof(err)), -1);
	want_in("directory", err, path);
	want_in("directory", err, "regular file");
}

static void
test_load_size(void **state)
{
	struct config	 cf;
	char		 path[PATH_MAX], err[256], *buf;

	buf = malloc(CONFIG_FILE_MAX + 1);
	assert_non_null(buf);
	fill_comments(buf, CONFIG_FILE_MAX);
	buf[CONFIG_FILE_MAX] = '\n';

	write_file(*state, "max.toml", buf, CONFIG_FILE_MAX, 0600, path,
	    sizeof(path));
	config_defaults(&cf);
	if (config_load_file(&cf, path, err, sizeof(err)) != 0)
		fail_msg("%d bytes: unexpected error '%s'", CONFIG_FILE_MAX,
		    err);

	write_file(*state, "big.toml", buf, CONFIG_FILE_MAX + 1, 0600, path,
	    sizeof(path));
	config_defaults(&cf);
	assert_int_equal(config_load_file(&cf, path, err, sizeof(err)), -1);
	want_in("big file", err, "larger");
	free(buf);
}

/*
 * [notifications]: credentials from *_FILE (one newline dropped), never
 * both ways, never quoted in an error; the checks across keys.
 */
static void
test_notify_keys(void **state)
{
	const char	*dir = *state;
	struct config	 cf;
	char		 err[256], path[PATH_MAX], var[PATH_MAX + 64];
	const char	*env[4] = { NULL };
	static const struct {
		const char	*toml;
		const char	*want;		/* NULL: accepted */
	} checks[] = {
		{ "webhook_url = \"http://h/x\"", "webhook_secret" },
		{ "webhook_secret = \"k\"",
		    "without notifications.webhook_url" },
		{ "ntfy_url = \"http://h/\"", "ntfy_topic" },
		{ "ntfy_url = \"http://h/\"\nntfy_topic = \"a/b\"",
		    "ntfy_topic: at most" },
		{ "ntfy_token = \"t\"", "without notifications.ntfy_url" },
		/* the reply topic: long, its own, with a server */
		{ "ntfy_url = \"http://h/\"\nntfy_topic = \"a\"\n"
		    "ntfy_reply_topic = \"0123456789abcdefghij_-XY\"", NULL },
		{ "ntfy_url = \"http://h/\"\nntfy_topic = \"a\"\n"
		    "ntfy_reply_topic = \"0123456789abcdefghij_-X\"",
		    "ntfy_reply_topic: 24 to 64" },
		{ "ntfy_url = \"http://h/\"\n"
		    "ntfy_topic = \"0123456789abcdefghij_-XY\"\n"
		    "ntfy_reply_topic = \"0123456789abcdefghij_-XY\"",
		    "not the ntfy_topic" },
		{ "ntfy_reply_topic = \"0123456789abcdefghij_-XY\"",
		    "with notifications.ntfy_url" },
		{ "ntfy_url = \"http://h/\"\nntfy_topic = \"a\"\n"
		    "ntfy_reply_topic = \"0123456789abcdefghij/-XY\"",
		    "ntfy_reply_topic: 24 to 64" },
		/* the approval page: a URL, its fragment is the link's */
		{ "approval_page_url = \"https://p.example/approve.html\"",
		    NULL },
		{ "approval_page_url = \"https://p.example/a.html#x\"",
		    "no fragment" },
		{ "approval_page_url = \"ftp://p.example/a.html\"",
		    "not an http(s) URL" },
		{ "telegram_bot_token = \"1:A\"", "telegram_chat_id" },
		{ "telegram_bot_token = \"1:A\"\ntelegram_chat_id = \"abc\"",
		    "a number or @channelname" },
		{ "telegram_bot_token = \"1/A\"\ntelegram_chat_id = \"1\"",
		    "not a bot token" },
		{ "telegram_bot_token = \"1:A\"\ntelegram_chat_id = \"-100\"",
		    NULL },
		{ "telegram_bot_token = \"1:A\"\ntelegram_chat_id = \"@ch_1\"",
		    NULL },
		{ "webhook_secret = \"two words\"", "without spaces" },
		/* [security] metrics_token, below in the same table */
		{ "#metrics_token = \"0123456789abcdef\"", NULL },
		{ "#metrics_token = \"0123456789abcde\"", "16 to 128" },
		{ "#metrics_token = \"0123456789abcdef$\"", "16 to 128" },
		{ "#metrics_token = \"A-_.~+/=0123456789\"", NULL },
	};
	char		 text[256];
	size_t		 i;
	int		 r;

	for (i = 0; i < NITEMS(checks); i++) {
		/* "#key": a [security] key */
		if (checks[i].toml[0] == '#')
			snprintf(text, sizeof(text), "[security]\n%s\n",
			    checks[i].toml + 1);
		else
			snprintf(text, sizeof(text), "[notifications]\n%s\n",
			    checks[i].toml);
		r = parse(&cf, text, err, sizeof(err));
		if (r == 0)
			r = config_check(&cf, err, sizeof(err));
		if (checks[i].want == NULL) {
			if (r != 0)
				fail_msg("%s: %s", checks[i].toml, err);
			continue;
		}
		if (r != -1)
			fail_msg("%s: accepted", checks[i].toml);
		want_in(checks[i].toml, err, checks[i].want);
		assert_null(strstr(err, "two words"));
	}

	write_file(dir, "secret", "s3cret-value\n", 13, 0600, path,
	    sizeof(path));
	snprintf(var, sizeof(var), "WAIAAS_NOTIFICATIONS_WEBHOOK_SECRET_FILE="
	    "%s", path);
	env[0] = "WAIAAS_NOTIFICATIONS_WEBHOOK_URL=http://h/x";
	env[1] = var;
	config_defaults(&cf);
	assert_int_equal(apply_env(&cf, env, err, sizeof(err)), 0);
	assert_string_equal(cf.webhook_secret, "s3cret-value");
	assert_int_equal(config_check(&cf, err, sizeof(err)), 0);
	assert_int_equal(config_notify_channels(&cf), 1U << NOTIFY_WEBHOOK);

	env[2] = "WAIAAS_NOTIFICATIONS_WEBHOOK_SECRET=other";
	config_defaults(&cf);
	assert_int_equal(apply_env(&cf, env, err, sizeof(err)), -1);
	want_in("both", err, "both set");
	assert_null(strstr(err, "s3cret"));
	env[2] = NULL;

	snprintf(var, sizeof(var), "WAIAAS_NOTIFICATIONS_NTFY_TOKEN_FILE="
	    "%s/none", dir);
	env[1] = var;
	config_defaults(&cf);
	assert_int_equal(apply_env(&cf, env, err, sizeof(err)), -1);
	want_in("missing file", err, "WAIAAS_NOTIFICATIONS_NTFY_TOKEN_FILE");

	/* Only credentials come from files: another _FILE is unknown. */
	assert_true(config_env_unknown("WAIAAS_NOTIFICATIONS_NTFY_URL_FILE"));
	assert_false(config_env_unknown(
	    "WAIAAS_NOTIFICATIONS_NTFY_TOKEN_FILE"));

	assert_true(config_env_is_secret("WAIAAS_NOTIFICATIONS_NTFY_TOKEN"));
	assert_true(config_env_is_secret(
	    "WAIAAS_NOTIFICATIONS_TELEGRAM_BOT_TOKEN_FILE"));
	assert_false(config_env_is_secret("WAIAAS_NOTIFICATIONS_NTFY_URL"));
	assert_false(config_env_is_secret("WAIAAS_DAEMON_PORT"));
}

/*
 * The built-in public endpoints: every network gets one unless its key
 * is given (even as ""), or public_defaults is false; the price source
 * likewise, with its coin ids unless price_ids says otherwise.
 */
static void
test_public_defaults(void **state)
{
	struct config	 cf, one;
	char		 text[512], err[512];
	int		 i;

	(void)state;
	config_defaults(&cf);
	assert_int_equal(cf.rpc_public_defaults, 1);
	config_apply_defaults(&cf);
	for (i = 0; i < RPC_MAX; i++) {
		assert_non_null(config_rpc_default(i));
		assert_string_equal(cf.rpc[i], config_rpc_default(i));
		assert_true(cf.rpc_default[i]);
		assert_true(strncmp(cf.rpc[i], "https://", 8) == 0);
		/* Each is a URL the key itself would take. */
		snprintf(text, sizeof(text), "[rpc]\n%s = \"%s\"\n",
		    config_rpc_key(i), config_rpc_default(i));
		check_ok(config_rpc_key(i), text, &one);
	}
	assert_null(config_rpc_default(RPC_MAX));
	assert_null(config_rpc_key(-1));
	assert_string_equal(config_rpc_key(RPC_evm_ethereum_sepolia),
	    "evm_ethereum_sepolia");
	assert_string_equal(config_rpc_default(RPC_evm_ethereum_sepolia),
	    "https://ethereum-sepolia-rpc.publicnode.com");
	assert_string_equal(config_rpc_default(RPC_solana_devnet),
	    "https://api.devnet.solana.com");
	assert_string_equal(config_rpc_default(RPC_evm_base_sepolia),
	    "https://sepolia.base.org");

	config_defaults(&cf);
	config_apply_defaults(&cf);
	assert_string_equal(cf.price_url, CONFIG_PRICE_DEFAULT_URL);
	assert_string_equal(cf.price_ids, CONFIG_PRICE_DEFAULT_IDS);
	assert_true(cf.price_default);
	if (config_check(&cf, err, sizeof(err)) != 0)
		fail_msg("the defaults do not pass config_check: %s", err);

	/* A key given: that network is the operator's; "" turns it off. */
	check_ok("one set, one off", "[rpc]\nevm_ethereum_sepolia = "
	    "\"http://127.0.0.1:8545\"\nsolana_devnet = \"\"\n", &cf);
	config_apply_defaults(&cf);
	assert_string_equal(cf.rpc[RPC_evm_ethereum_sepolia],
	    "http://127.0.0.1:8545");
	assert_false(cf.rpc_default[RPC_evm_ethereum_sepolia]);
	assert_string_equal(cf.rpc[RPC_solana_devnet], "");
	assert_false(cf.rpc_default[RPC_solana_devnet]);
	assert_true(cf.rpc_default[RPC_solana_mainnet]);
	assert_true(cf.price_default);

	/* All off. */
	check_ok("off", "[rpc]\npublic_defaults = false\n", &cf);
	config_apply_defaults(&cf);
	for (i = 0; i < RPC_MAX; i++) {
		assert_string_equal(cf.rpc[i], "");
		assert_false(cf.rpc_default[i]);
	}
	assert_string_equal(cf.price_url, "");
	assert_string_equal(cf.price_ids, "");
	assert_false(cf.price_default);
	check_ok("on", "[rpc]\npublic_defaults = true\n", &cf);
	assert_int_equal(cf.rpc_public_defaults, 1);

	/* The price source: "" turns it off; own ids with the default. */
	check_ok("price off", "[security]\nprice_url = \"\"\n", &cf);
	config_apply_defaults(&cf);
	assert_string_equal(cf.price_url, "");
	assert_false(cf.price_default);
	assert_true(cf.rpc_default[RPC_solana_mainnet]);
	if (config_check(&cf, err, sizeof(err)) != 0)
		fail_msg("price_url \"\": %s", err);
	check_ok("own ids", "[security]\nprice_ids = \"ETH=ethereum\"\n",
	    &cf);
	config_apply_defaults(&cf);
	assert_string_equal(cf.price_url, CONFIG_PRICE_DEFAULT_URL);
	assert_string_equal(cf.price_ids, "ETH=ethereum");
	check_ok("own url", "[security]\nprice_url = \"https://p.example/"
	    "simple/price\"\nprice_ids = \"SOL=solana\"\n", &cf);
	config_apply_defaults(&cf);
	assert_string_equal(cf.price_url, "https://p.example/simple/price");
	assert_string_equal(cf.price_ids, "SOL=solana");
	assert_false(cf.price_default);
}

/* What a client is told names the variable and the key of the network. */
static void
test_rpc_advice(void **state)
{
	struct network	n;
	char		key[64], env[96], msg[256];
	size_t		i;

	(void)state;
	for (i = 0; i < net_nbuiltin; i++) {
		net_rpc_setting(&net_builtin[i], key, sizeof(key), env,
		    sizeof(env));
		assert_string_equal(key, config_rpc_key((int)i));
	}
	net_rpc_setting(&net_builtin[RPC_evm_ethereum_sepolia], key,
	    sizeof(key), env, sizeof(env));
	assert_string_equal(env, "WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA");
	net_rpc_advice(&net_builtin[RPC_evm_polygon_amoy], 0, NULL, msg,
	    sizeof(msg));
	assert_string_equal(msg, "no RPC for polygon-amoy: set "
	    "WAIAAS_RPC_EVM_POLYGON_AMOY or [rpc] evm_polygon_amoy");
	net_rpc_advice(&net_builtin[RPC_solana_devnet], 1, "getBalance: "
	    "transport: refused", msg, sizeof(msg));
	assert_string_equal(msg, "devnet: the public default RPC did not "
	    "answer: set WAIAAS_RPC_SOLANA_DEVNET or [rpc] solana_devnet to "
	    "another endpoint (getBalance: transport: refused)");
	net_rpc_advice(&net_builtin[RPC_solana_devnet], 0, "x", msg,
	    sizeof(msg));
	assert_string_equal(msg, "devnet: the RPC did not answer: check "
	    "WAIAAS_RPC_SOLANA_DEVNET or [rpc] solana_devnet (x)");
	n = net_builtin[RPC_evm_base_mainnet];
	strlcpy(n.name, "localdev", sizeof(n.name));
	n.custom = 1;
	net_rpc_advice(&n, 0, NULL, msg, sizeof(msg));
	assert_string_equal(msg, "no RPC for localdev: set "
	    "WAIAAS_RPC_EVM_CUSTOM or [rpc] evm_custom");
}

static void
test_env_public_defaults(void **state)
{
	static const struct envcase cases[] = {
		{ "false", { "WAIAAS_RPC_PUBLIC_DEFAULTS=false", NULL },
		    NULL },
		{ "0", { "WAIAAS_RPC_PUBLIC_DEFAULTS=0", NULL }, NULL },
		{ "true", { "WAIAAS_RPC_PUBLIC_DEFAULTS=true", NULL }, NULL },
		{ "1", { "WAIAAS_RPC_PUBLIC_DEFAULTS=1", NULL }, NULL },
		{ "empty", { "WAIAAS_RPC_PUBLIC_DEFAULTS=", NULL },
		    "rpc.public_defaults" },
		{ "yes", { "WAIAAS_RPC_PUBLIC_DEFAULTS=yes", NULL },
		    "rpc.public_defaults" },
		{ "FALSE", { "WAIAAS_RPC_PUBLIC_DEFAULTS=FALSE", NULL },
		    "rpc.public_defaults" },
	};
	struct config	 cf;
	const char	*off[] = { "WAIAAS_RPC_EVM_BASE_SEPOLIA=",
			    "WAIAAS_SECURITY_PRICE_URL=", NULL };
	char		 err[256];
	size_t		 i;
	int		 r;

	(void)state;
	for (i = 0; i < NITEMS(cases); i++) {
		config_defaults(&cf);
		r = apply_env(&cf, cases[i].env, err, sizeof(err));
		if (cases[i].want == NULL && r != 0)
			fail_msg("%s: unexpected error '%s'", cases[i].name,
			    err);
		if (cases[i].want != NULL && r == 0)
			fail_msg("%s: accepted", cases[i].name);
		if (cases[i].want != NULL)
			want_in(cases[i].name, err, cases[i].want);
		else
			assert_int_equal(cf.rpc_public_defaults,
			    cases[i].name[0] == 't' || cases[i].name[0] == '1');
	}
	/* The environment wins over the file, both ways. */
	check_ok("file off", "[rpc]\npublic_defaults = false\n", &cf);
	assert_int_equal(apply_env(&cf, cases[2].env, err, sizeof(err)), 0);
	assert_int_equal(cf.rpc_public_defaults, 1);
	/* An empty variable turns one network (or the price source) off. */
	config_defaults(&cf);
	assert_int_equal(apply_env(&cf, off, err, sizeof(err)), 0);
	config_apply_defaults(&cf);
	assert_string_equal(cf.rpc[RPC_evm_base_sepolia], "");
	assert_false(cf.rpc_default[RPC_evm_base_sepolia]);
	assert_true(cf.rpc_default[RPC_evm_base_mainnet]);
	assert_string_equal(cf.price_url, "");
	assert_false(cf.price_default);
}

/* key's value as config_show() shows it, and its flags. */
static const char *
shown(const struct config *cf, const char *section, const char *key,
    int *flags)
{
	static char	 val[CONFIG_VAL_MAX + 1];
	const char	*s, *k;
	size_t		 i;

	for (i = 0; config_show(cf, i, &s, &k, flags, val, sizeof(val)) ==
	    0; i++)
		if (strcmp(s, section) == 0 && strcmp(k, key) == 0)
			return val;
	fail_msg("config_show has no %s.%s", section, key);
	return NULL;
}

/* GET /v1/admin/settings: every key, no credential. */
static void
test_show(void **state)
{
	struct config	 cf;
	int		 fl;
	long		 lo, hi;

	(void)state;
	config_defaults(&cf);
	assert_int_equal(config_nkeys(), 75);
	assert_int_equal(config_show(&cf, config_nkeys(), NULL, NULL, &fl,
	    NULL, 0), -1);
	strlcpy(cf.webhook_secret, "s3cr3t-value", sizeof(cf.webhook_secret));
	strlcpy(cf.ntfy_topic, "private-topic", sizeof(cf.ntfy_topic));
	strlcpy(cf.rpc[RPC_evm_base_sepolia], "https://u:pw@h.example/",
	    sizeof(cf.rpc[0]));
	strlcpy(cf.rpc[RPC_evm_ethereum_sepolia], "http://127.0.0.1:8545",
	    sizeof(cf.rpc[0]));
	strlcpy(cf.evm_custom, "a,1,testnet,AA,https://h.example/v3/"
	    "0123456789abcdef0123;b,2,mainnet,BB,http://10.0.0.1:8545",
	    sizeof(cf.evm_custom));
	assert_string_equal(shown(&cf, "notifications", "webhook_secret",
	    &fl), "true");
	assert_int_equal(fl, CONFIG_SHOW_SECRET);
	assert_string_equal(shown(&cf, "notifications", "ntfy_token", &fl),
	    "false");
	strlcpy(cf.metrics_token, "scrape-token-0123456789",
	    sizeof(cf.metrics_token));
	assert_string_equal(shown(&cf, "security", "metrics_token", &fl),
	    "true");
	assert_int_equal(fl, CONFIG_SHOW_SECRET);
	/* wiped once noted: still shown as set */
	config_note_secrets(&cf);
	memset(cf.webhook_secret, 0, sizeof(cf.webhook_secret));
	assert_string_equal(shown(&cf, "notifications", "webhook_secret",
	    &fl), "true");
	assert_string_equal(shown(&cf, "notifications", "ntfy_token", &fl),
	    "false");
	assert_int_equal(fl, CONFIG_SHOW_SECRET);
	assert_string_equal(shown(&cf, "notifications", "ntfy_topic", &fl),
	    "true");
	assert_int_equal(fl, CONFIG_SHOW_SECRET);
	/* the reply topic guards the owner's replies' way in: a secret */
	assert_string_equal(shown(&cf, "notifications", "ntfy_reply_topic",
	    &fl), "false");
	assert_int_equal(fl, CONFIG_SHOW_SECRET);
	assert_string_equal(shown(&cf, "rpc", "evm_base_sepolia", &fl),
	    "true");
	assert_int_equal(fl, CONFIG_SHOW_SECRET);
	assert_string_equal(shown(&cf, "rpc", "evm_ethereum_sepolia", &fl),
	    "http://127.0.0.1:8545");
	assert_int_equal(fl, 0);
	assert_string_equal(shown(&cf, "rpc", "evm_custom", &fl),
	    "a,1,testnet,AA,https://h.example/***;"
	    "b,2,mainnet,BB,http://10.0.0.1:8545");
	/* a key the mask does not know (short, in a path) never shows */
	strlcpy(cf.rpc[RPC_evm_polygon_amoy], "https://rpc.example:8443/k/"
	    "shortkey1", sizeof(cf.rpc[0]));
	assert_string_equal(shown(&cf, "rpc", "evm_polygon_amoy", &fl),
	    "https://rpc.example:8443/***");
	assert_int_equal(fl, 0);
	strlcpy(cf.rpc[RPC_evm_polygon_amoy], "https://rpc.example/",
	    sizeof(cf.rpc[0]));
	assert_string_equal(shown(&cf, "rpc", "evm_polygon_amoy", &fl),
	    "https://rpc.example/");
	assert_string_equal(shown(&cf, "rpc", "public_defaults", &fl),
	    "true");
	assert_int_equal(fl, CONFIG_SHOW_BOOL);
	assert_string_equal(shown(&cf, "daemon", "port", &fl), "3100");
	assert_string_equal(shown(&cf, "daemon", "log_level", &fl), "info");
	assert_string_equal(shown(&cf, "security", "price_unpriced", &fl),
	    "approval");
	assert_int_equal(config_int_bounds("security",
	    "max_sessions_per_wallet", &lo, &hi), 0);
	assert_true(lo == 1 && hi == 1000);
	assert_int_equal(config_int_bounds("daemon", "hostname", &lo, &hi),
	    -1);
	assert_int_equal(config_int_bounds("daemon", "nope", &lo, &hi), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_show),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_valid_file),
		cmocka_unit_test(test_valid_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_string_lengths),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_load_fifo),
		cmocka_unit_test(test_small_errbuf),
		cmocka_unit_test(test_env_overrides),
		cmocka_unit_test(test_env_rpc_all),
		cmocka_unit_test(test_public_defaults),
		cmocka_unit_test(test_env_public_defaults),
		cmocka_unit_test(test_rpc_advice),
		cmocka_unit_test(test_env_ignored),
		cmocka_unit_test(test_env_errors),
		cmocka_unit_test(test_env_unknown),
		cmocka_unit_test(test_env_closest),
		cmocka_unit_test(test_env_url_length),
		cmocka_unit_test(test_price_keys),
		cmocka_unit_test(test_price_lengths),
		cmocka_unit_test_setup_teardown(test_load_missing, dir_setup,
		    dir_teardown),
		cmocka_unit_test_setup_teardown(test_load_valid, dir_setup,
		    dir_teardown),
		cmocka_unit_test_setup_teardown(test_load_parse_error,
		    dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_load_modes, dir_setup,
		    dir_teardown),
		cmocka_unit_test_setup_teardown(test_load_symlink, dir_setup,
		    dir_teardown),
		cmocka_unit_test_setup_teardown(test_load_directory,
		    dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_load_size, dir_setup,
		    dir_teardown),
		cmocka_unit_test_setup_teardown(test_notify_keys, dir_setup,
		    dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
