/*
 * waiaas mcp: a Model Context Protocol server on stdin/stdout.  JSON-RPC
 * 2.0, one message a line; the protocol and the tools are common/mcp.c's
 * (as the daemon's /mcp), each tool a REST call made here with libcurl
 * and the session token as a Bearer, so policy, tiers and audit stay the
 * daemon's.  Logs go to stderr and never carry the token.
 *
 * Configuration, as the reference's server: WAIAAS_BASE_URL (default
 * http://127.0.0.1:3100), WAIAAS_SESSION_TOKEN, or else the token file
 * $WAIAAS_DATA_DIR/tokens/<WAIAAS_WALLET_ID or "default"> (see
 * cli_mcp_token.c, which also renews the token), and WAIAAS_WALLET_ID,
 * the wallet of tools called without wallet_id.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "mcp.h"
#include "util.h"
#include "wipe.h"

#define MCP_TOKEN_MAX	((size_t)4096)

static const char	*default_wallet;

static char *
wdup(const char *s)
{
	size_t	 n = strlen(s) + 1;
	char	*d;

	if ((d = wipe_malloc(n)) != NULL)
		memcpy(d, s, n);
	return d;
}

#define logmsg	mcp_log		/* cli_mcp_token.c */

/* Token from the environment or the token file; NULL (logged) if none. */
static char *
load_token(void)
{
	const char	*env;

	if ((env = getenv("WAIAAS_SESSION_TOKEN")) != NULL && *env != '\0') {
		if (strlen(env) > MCP_TOKEN_MAX)
			return NULL;
		return wdup(env);
	}
	return mcp_token_file(default_wallet);
}

static void
send_msg(json_t *m)
{
	char	*s;

	/* JSON_COMPACT never puts a newline inside: one message a line. */
	if ((s = json_dumps(m, JSON_COMPACT)) == NULL) {
		logmsg("out of memory");
		exit(EX_FAIL);
	}
	fputs(s, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	wipe_free(s);
	json_decref(m);
}

/* Make the REST call of a tool and answer with its result. */
static void
call_tool(struct mcp_call *c)
{
	json_t		*ans = NULL;
	const char	*why, *code;
	long		 st;
	char		 err[256];

	if ((why = mcp_token_fresh()) != NULL) {
		send_msg(mcp_result(c, 0, NULL, why));
		return;
	}
	if (cli_http(c->method, c->target, c->body, 2, CLI_TIMEOUT, &st,
	    &ans, err, sizeof(err)) == -1) {
		logmsg("%s: %s", c->tool, err);
		send_msg(mcp_result(c, 0, NULL, "Error: the wallet daemon did "
		    "not answer; is waiaasd running at WAIAAS_BASE_URL?"));
		return;
	}
	if (st == 401 && (code = cli_str(ans, "code")) != NULL &&
	    strcmp(code, "SESSION_REVOKED") == 0)
		mcp_token_revoked();
	send_msg(mcp_result(c, st, ans, NULL));
	json_decref(ans);
}

static void
handle(const char *line, size_t len)
{
	struct mcp_call	 c;
	json_t		*out;

	switch (mcp_message(line, len, default_wallet, &out, &c)) {
	case MCP_NOTHING:
		break;
	case MCP_ANSWER:
	case MCP_INVALID:
		send_msg(out);
		break;
	case MCP_CALL:
		call_tool(&c);
		break;
	}
}

int
cmd_mcp(int argc, char **argv)
{
	const char	*base;
	char		*line;
	size_t		 len;
	int		 c, skip = 0;

	if (argc > 1 && strcmp(argv[1], "setup") == 0)
		return cmd_mcp_setup(argc - 1, argv + 1);
	if (argc > 1) {
		if (strcmp(argv[1], "--help") == 0) {
			printf("usage: waiaas mcp\n  An MCP server on stdin/"
			    "stdout; environment: WAIAAS_BASE_URL, "
			    "WAIAAS_SESSION_TOKEN or WAIAAS_DATA_DIR (token "
			    "file tokens/<wallet id or default>), "
			    "WAIAAS_WALLET_ID.\n");
			return 0;
		}
		if (argv[1][0] == '-')
			cli_usage_error("unknown option '%.64s'", argv[1]);
		cli_usage_error("mcp takes no arguments");
	}
	base = getenv("WAIAAS_BASE_URL");
	if (base == NULL || *base == '\0')
		base = "http://127.0.0.1:3100";
	if (strlen(base) >= sizeof(cli.url) ||
	    (strncmp(base, "http://", 7) != 0 &&
	    strncmp(base, "https://", 8) != 0))
		cli_usage_error("WAIAAS_BASE_URL must be an http(s) URL");
	snprintf(cli.url, sizeof(cli.url), "%s", base);
	len = strlen(cli.url);
	while (len > 0 && cli.url[len - 1] == '/')
		cli.url[--len] = '\0';
	default_wallet = getenv("WAIAAS_WALLET_ID");
	if (default_wallet != NULL && (*default_wallet == '\0' ||
	    strlen(default_wallet) > 64))
		default_wallet = NULL;
	if ((cli.token = load_token()) == NULL)
		cli_fail("no session token (WAIAAS_SESSION_TOKEN or the token "
		    "file)");
	mcp_token_init(default_wallet);
	if ((line = malloc(MCP_MSG_MAX + 1)) == NULL)
		cli_fail("out of memory");
	len = 0;
	while ((c = getchar()) != EOF) {
		if (c != '\n') {
			if (len < MCP_MSG_MAX)
				line[len++] = (char)c;
			else
				skip = 1;
			continue;
		}
		if (skip) {
			logmsg("a message longer than %zu bytes: refused",
			    MCP_MSG_MAX);
			send_msg(mcp_error(NULL, -32700,
			    "Parse error: message too long"));
		} else if (len > 0)
			handle(line, len);
		explicit_bzero(line, len);
		len = 0;
		skip = 0;
	}
	free(line);
	wipe_free(cli.token);
	cli.token = NULL;
	return 0;
}
