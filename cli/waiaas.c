/*
 * waiaas: verbs named as in the reference WAIaaS CLI.  Each verb parses
 * its own options (unknown ones are errors) and prints its --help on
 * stdout; errors are one line on stderr and a non-zero exit.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "cli.h"
#include "log.h"
#include "util.h"
#include "version.h"
#include "wipe.h"

struct cli	cli;

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*what;
} verbs[] = {
	{ "init", cmd_init, "create the data directory and config.toml" },
	{ "start", cmd_start, "start waiaasd and wait until it serves" },
	{ "stop", cmd_stop, "stop waiaasd and wait until it is gone" },
	{ "status", cmd_status, "one line: running or not (exit 0 / 1 / 3)" },
	{ "quickset", cmd_quickset, "wallets, sessions, spending limits and "
	    "the MCP configuration" },
	{ "wallet", cmd_wallet, "create, list, info" },
	{ "session", cmd_session, "create, list, revoke" },
	{ "policy", cmd_policy, "create, list" },
	{ "set-master", cmd_set_master, "change the master password" },
	{ "backup", cmd_backup, "create, list, inspect encrypted backups" },
	{ "restore", cmd_restore, "restore a backup (daemon stopped)" },
	{ "mcp", cmd_mcp, "MCP server on stdin/stdout (session token)" },
	{ "update", cmd_update, "how this install is updated; its version" },
};

static void
usage(FILE *f)
{
	size_t	i;

	fprintf(f, "usage: waiaas VERB [options]   (waiaas VERB --help)\n\n");
	for (i = 0; i < nitems(verbs); i++)
		fprintf(f, "  %-10s %s\n", verbs[i].name, verbs[i].what);
	fprintf(f, "\nwaiaas --version prints the version.\n");
	fprintf(f, "\nenvironment: WAIAAS_DATA_DIR (default ~/.waiaas), "
	    "WAIAAS_DAEMON_HOSTNAME,\nWAIAAS_DAEMON_PORT (else config.toml's "
	    "[daemon], else 127.0.0.1:3100),\nWAIAAS_MASTER_PASSWORD_FILE, "
	    "WAIAAS_MASTER_PASSWORD (else recovery.key in the\ndata directory, "
	    "else a prompt on the terminal; never on the command line)\n");
}

void
cli_usage_error(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "waiaas %s: ", cli.verb != NULL ? cli.verb : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see waiaas %s --help)\n",
	    cli.verb != NULL ? cli.verb : "");
	exit(EX_USAGE_ERR);
}

void
cli_fail(const char *fmt, ...)
{
	va_list	ap;

	cli_password_free();
	fprintf(stderr, "waiaas %s: ", cli.verb != NULL ? cli.verb : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EX_FAIL);
}

/*
 * getopt_long with the common options; options may follow operands
 * ("wallet info ID --json"), which end up last, at optind.  opterr is
 * off: an unknown option is reported here, once, in our words.
 */
void
cli_getopt(int argc, char **argv, const char *shortopts,
    const struct option *longopts, void (*own)(int, const char *),
    const char *help)
{
	char	spec[64];
	int	ch;

	if (snprintf(spec, sizeof(spec), ":%s", shortopts) >=
	    (int)sizeof(spec))
		abort();
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, spec, longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_URL:
			if (strlen(optarg) >= sizeof(cli.url) - 1 ||
			    (strncmp(optarg, "http://", 7) != 0 &&
			    strncmp(optarg, "https://", 8) != 0))
				cli_usage_error("--url: an http:// or https:// "
				    "URL of under %zu bytes", sizeof(cli.url));
			strlcpy(cli.url, optarg, sizeof(cli.url));
			while (cli.url[0] != '\0' &&
			    cli.url[strlen(cli.url) - 1] == '/')
				cli.url[strlen(cli.url) - 1] = '\0';
			cli.url_given = 1;
			break;
		case OPT_JSON:
			cli.json = 1;
			break;
		case OPT_HELP:
			fputs(help, stdout);
			exit(0);
		case ':':
			cli_usage_error("%s needs a value", argv[optind - 1]);
		case '?':
			if (optopt != 0)
				cli_usage_error("unknown option -%c", optopt);
			cli_usage_error("unknown option %s", argv[optind - 1]);
		default:
			own(ch, optarg);
		}
	}
}

static void *
wipe_calloc(size_t n, size_t size)
{
	void	*p;

	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	if ((p = wipe_malloc(n * size)) != NULL)
		memset(p, 0, n * size);
	return p;
}

static char *
wipe_strdup(const char *s)
{
	size_t	 n = strlen(s) + 1;
	char	*p;

	if ((p = wipe_malloc(n)) != NULL)
		memcpy(p, s, n);
	return p;
}

int
main(int argc, char *argv[])
{
	size_t	i;
	int	r;

	log_init(LOG_TO_TERM, LOGL_WARN, "waiaas");
	if (sodium_init() < 0) {
		fprintf(stderr, "waiaas: sodium_init failed\n");
		return EX_FAIL;
	}
	/* What libcurl and jansson free is wiped first: headers, tokens. */
	wipe_install();
	if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, wipe_malloc, wipe_free,
	    wipe_realloc, wipe_strdup, wipe_calloc) != CURLE_OK) {
		fprintf(stderr, "waiaas: curl_global_init failed\n");
		return EX_FAIL;
	}
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE_ERR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("waiaas %s\n", WAIAAS_VERSION);
		return 0;
	}
	for (i = 0; i < nitems(verbs); i++) {
		if (strcmp(argv[1], verbs[i].name) != 0)
			continue;
		cli.verb = verbs[i].name;
		r = verbs[i].fn(argc - 1, argv + 1);
		cli_password_free();
		curl_global_cleanup();
		return r;
	}
	fprintf(stderr, "waiaas: unknown verb '%.64s' (see waiaas --help)\n",
	    argv[1]);
	return EX_USAGE_ERR;
}
