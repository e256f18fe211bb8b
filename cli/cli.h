/*
 * waiaas: the operator's command.  It talks to waiaasd over its public
 * REST API (libcurl, jansson) and manages the daemon process through the
 * locked waiaasd.pid in the data directory.  The master password is found
 * where the daemon finds it (common/secret.c), never taken from argv,
 * kept in guarded memory and wiped after use; every allocation libcurl
 * and jansson make is wiped when freed (common/wipe.c), so the header and
 * the tokens in answers do not linger either.
 */
#ifndef WAIAAS_CLI_H
#define WAIAAS_CLI_H

#include <limits.h>
#include <stdio.h>
#include <stddef.h>

#include <jansson.h>

#define CLI_ANSWER_MAX	(1024 * 1024)	/* bytes of one REST answer */
#define CLI_URL_MAX	512
#define CLI_TIMEOUT	60		/* s for one request */
#define CLI_CREATE_TRIES	3	/* a create, with its Idempotency-Key */

/* Exit codes. */
#define EX_FAIL		1	/* the request or the operation failed */
#define EX_USAGE_ERR	2	/* bad command line */
#define EX_NOTRUNNING	3	/* status: no daemon (LSB) */

struct cli {
	char		 datadir[PATH_MAX];
	char		 url[CLI_URL_MAX];	/* base, no trailing slash */
	int		 url_given;
	int		 json;
	const char	*verb;			/* for messages */
	char		*pw;			/* guarded; NULL until needed */
	size_t		 pwlen;
	char		*token;			/* auth 2: session Bearer */
};
extern struct cli cli;

/* Options every verb takes: --url, --json, --help. */
enum { OPT_URL = 1000, OPT_JSON, OPT_HELP };
#define CLI_COMMON_OPTS						\
	{ "url", required_argument, NULL, OPT_URL },		\
	{ "json", no_argument, NULL, OPT_JSON },		\
	{ "help", no_argument, NULL, OPT_HELP }

struct option;
/* getopt_long over argv; calls back for the verb's own options. */
void	cli_getopt(int, char **, const char *, const struct option *,
	    void (*)(int, const char *), const char *);
void	cli_no_opt(int, const char *);
void	cli_usage_error(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	cli_fail(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* cli_http.c */
void	cli_datadir(void);
void	cli_address(void);
void	cli_password(void);
void	cli_password_free(void);
/* 0 with *status and *answer (may be NULL: not JSON), -1 unreachable. */
int	cli_http(const char *, const char *, json_t *, int, long, long *,
	    json_t **, char *, size_t);
/* A masterAuth (or plain, auth 0) call that must succeed: the answer. */
json_t	*cli_call(const char *, const char *, json_t *, int, long);
void	cli_fail_answer(json_t *, long, const char *)
	    __attribute__((noreturn));
void	cli_print_safe(FILE *, const char *);
const char *cli_str(json_t *, const char *);
void	cli_dump(json_t *);

/* cli_daemon.c */
int	cmd_init(int, char **);
int	cmd_start(int, char **);
int	cmd_stop(int, char **);
int	cmd_status(int, char **);

/* cli_rest.c */
int	cmd_quickset(int, char **);
int	cmd_wallet(int, char **);
int	cmd_session(int, char **);
int	cmd_policy(int, char **);

/* cli_mcp.c */
int	cmd_mcp(int, char **);

/* cli_mcp_token.c: the stdio server's token, token files */
#define CLI_TOKEN_MAX	((size_t)4096)	/* bytes of a session token */
#define MCP_SID_MAX	64		/* a session id and its NUL */
struct stat;
int	mcp_token_claims(const char *, char *, size_t, long long *,
	    long long *);
char	*mcp_token_read(int, const char *, struct stat *, char *, size_t);
int	mcp_token_write(int, const char *, const char *);
char	*mcp_token_file(const char *);
void	mcp_token_init(const char *);
const char *mcp_token_fresh(void);
void	mcp_token_revoked(void);
void	mcp_log(const char *, ...)
	    __attribute__((format(printf, 1, 2)));

/* cli_mcp_setup.c: waiaas mcp setup; quickset's MCP entries */
int	cmd_mcp_setup(int, char **);
json_t	*mcp_setup_wallet(const char *, const char *);

/* cli_admin.c */
int	cmd_set_master(int, char **);
int	cmd_update(int, char **);

/* cli_backup.c */
int	cmd_backup(int, char **);
int	cmd_restore(int, char **);

#endif
