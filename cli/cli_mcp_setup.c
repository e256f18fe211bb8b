/*
 * waiaas mcp setup: for each wallet chosen, a session (the one in its
 * token file reused while it is valid), its token in
 * $WAIAAS_DATA_DIR/tokens/<wallet id> (0600), and an entry running this
 * program's `waiaas mcp` merged into Claude Desktop's configuration.
 * The entry names the token file's directory and the wallet, never the
 * token, so the configuration holds no secret and a renewal (which
 * rewrites the token file) needs no change to it.  quickset makes its
 * entries here too.
 *
 * The configuration is changed in place of nothing else: its other keys
 * and other servers stay as they were; the old file is kept as
 * PATH.bak; the new one is written whole or not at all (a temporary
 * file in the same directory, synced, renamed).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"
#include "wipe.h"

#define CONFIG_MAX	((size_t)1024 * 1024)	/* bytes of the config */
#define REUSE_MIN	86400	/* s a reused token must have left, at most */

static int		 o_all, o_print;
static const char	*o_wallet, *o_config;

static void
setup_opt(int ch, const char *arg)
{
	size_t	i;

	switch (ch) {
	case 'a':
		o_all = 1;
		break;
	case 'p':
		o_print = 1;
		break;
	case 'c':
		if (*arg == '\0' || strlen(arg) >= PATH_MAX - 16)
			cli_usage_error("--config: a file name");
		o_config = arg;
		break;
	case 'w':
		for (i = 0; arg[i] != '\0'; i++)
			if (strchr("0123456789abcdefABCDEF-", arg[i]) == NULL)
				break;
		if (arg[i] != '\0' || i == 0 || i > 64)
			cli_usage_error("--wallet: not a wallet id");
		o_wallet = arg;
		break;
	default:
		cli_usage_error("unknown option");
	}
}

/* $WAIAAS_DATA_DIR/tokens, made 0700 if missing; its descriptor. */
static int
tokens_dir(void)
{
	char	path[PATH_MAX];
	int	dfd;

	cli_datadir();
	if ((size_t)snprintf(path, sizeof(path), "%s/tokens", cli.datadir) >=
	    sizeof(path))
		cli_fail("WAIAAS_DATA_DIR: path too long");
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		cli_fail("%s: %s", path, strerror(errno));
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		cli_fail("%s: %s", path, strerror(errno));
	return dfd;
}

/*
 * The session in tokens/<wid>, if the daemon still takes it for this
 * wallet and it has a day (or half its life) left; 1 if reused.
 */
static int
reuse(int dfd, const char *wid, char *sid, size_t sidlen)
{
	struct stat	 st;
	char		 err[128], path[128], *tok, *saved = cli.token;
	long long	 iat, exp, left, now = (long long)time(NULL);
	json_t		*ans;
	long		 code;
	int		 r;

	if ((tok = mcp_token_read(dfd, wid, &st, err, sizeof(err))) == NULL)
		return 0;
	if (mcp_token_claims(tok, sid, sidlen, &iat, &exp) == -1) {
		wipe_free(tok);
		return 0;
	}
	left = (exp - iat) / 2 < REUSE_MIN ? (exp - iat) / 2 : REUSE_MIN;
	if (exp - now < left) {
		wipe_free(tok);
		return 0;
	}
	snprintf(path, sizeof(path), "/v1/wallets/%s", wid);
	cli.token = tok;
	r = cli_http("GET", path, NULL, 2, CLI_TIMEOUT, &code, &ans, err,
	    sizeof(err));
	cli.token = saved;
	wipe_free(tok);
	json_decref(ans);
	return r == 0 && code == 200;
}

/* The absolute name of this program, for the entry's command. */
static void
self_path(char *out, size_t len)
{
	char	buf[PATH_MAX];
	ssize_t	n;

	if ((n = readlink("/proc/self/exe", buf, sizeof(buf) - 1)) <= 0 ||
	    buf[0] != '/' || (size_t)n >= len) {
		strlcpy(out, "waiaas", len);
		return;
	}
	buf[n] = '\0';
	strlcpy(out, buf, len);
}

/*
 * Wallet wid (named name): its session and token file, and its MCP
 * server entry {command, args, env}.
 */
json_t *
mcp_setup_wallet(const char *wid, const char *name)
{
	char		 sid[MCP_SID_MAX], exe[PATH_MAX];
	const char	*tok, *s;
	json_t		*ses, *e;
	int		 dfd;

	if (strlen(wid) > 64 || strchr(wid, '/') != NULL || wid[0] == '.' ||
	    wid[0] == '\0')
		cli_fail("the daemon's wallet id is not one");
	cli_address();
	dfd = tokens_dir();
	if (reuse(dfd, wid, sid, sizeof(sid)))
		fprintf(stderr, "wallet %s (%s): session %s reused, token in "
		    "%s/tokens/%s\n", wid, name, sid, cli.datadir, wid);
	else {
		ses = cli_call("POST", "/v1/sessions", json_pack("{s:s}",
		    "walletId", wid), 1, 201);
		if ((tok = cli_str(ses, "token")) == NULL ||
		    strlen(tok) > CLI_TOKEN_MAX)
			cli_fail("the daemon's session has no token");
		if (mcp_token_write(dfd, wid, tok) == -1)
			cli_fail("%s/tokens/%s: %s (the session %s was made; "
			    "revoke it with waiaas session revoke)",
			    cli.datadir, wid, strerror(errno),
			    (s = cli_str(ses, "id")) != NULL ? s : "?");
		fprintf(stderr, "wallet %s (%s): new session %s, token in "
		    "%s/tokens/%s (0600)\n", wid, name, cli_str(ses, "id") ?
		    cli_str(ses, "id") : "?", cli.datadir, wid);
		json_decref(ses);
	}
	close(dfd);
	self_path(exe, sizeof(exe));
	if ((e = json_pack("{s:s, s:[s], s:{s:s, s:s, s:s}}", "command", exe,
	    "args", "mcp", "env", "WAIAAS_BASE_URL", cli.url,
	    "WAIAAS_DATA_DIR", cli.datadir, "WAIAAS_WALLET_ID", wid)) == NULL)
		cli_fail("out of memory");
	return e;
}

/* ~/.config/Claude/claude_desktop_config.json, or $XDG_CONFIG_HOME's. */
static void
default_config(char *out, size_t len)
{
	const char	*x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	int		 n;

	if (x != NULL && x[0] == '/')
		n = snprintf(out, len, "%s/Claude/claude_desktop_config.json",
		    x);
	else if (h != NULL && h[0] == '/')
		n = snprintf(out, len, "%s/.config/Claude/"
		    "claude_desktop_config.json", h);
	else
		cli_usage_error("no HOME: give --config PATH");
	if (n < 0 || (size_t)n >= len)
		cli_usage_error("the configuration's name is too long");
}

/* The existing configuration (an object), or {} with *mode 0600. */
static json_t *
config_read(const char *path, char **old, size_t *oldlen, mode_t *mode)
{
	struct stat	 st;
	json_error_t	 je;
	json_t		*j;
	char		*buf;
	ssize_t		 n;
	int		 fd;

	*old = NULL;
	*oldlen = 0;
	*mode = 0600;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			cli_fail("%s: %s", path, strerror(errno));
		return json_object();
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > CONFIG_MAX)
		cli_fail("%s: not a regular file of at most %zu bytes", path,
		    CONFIG_MAX);
	*mode = st.st_mode & 0666;
	if ((buf = wipe_malloc((size_t)st.st_size + 1)) == NULL)
		cli_fail("out of memory");
	if ((n = read(fd, buf, (size_t)st.st_size)) != st.st_size)
		cli_fail("%s: short read", path);
	close(fd);
	buf[n] = '\0';
	*old = buf;
	*oldlen = (size_t)n;
	if (n == 0 || strspn(buf, " \t\r\n") == (size_t)n)
		return json_object();
	if ((j = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL || !json_is_object(j))
		cli_fail("%s: not a JSON object (line %d: %.100s); nothing "
		    "was changed", path, je.line, j == NULL ? je.text :
		    "not an object");
	if (json_object_get(j, "mcpServers") != NULL &&
	    !json_is_object(json_object_get(j, "mcpServers")))
		cli_fail("%s: mcpServers is not an object; nothing was "
		    "changed", path);
	return j;
}

/* path written whole: temporary file beside it, synced, renamed. */
static void
write_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	char	tmp[PATH_MAX], dir[PATH_MAX], *slash;
	int	fd, dfd, e;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp))
		cli_fail("%s: name too long", path);
	if ((fd = mkstemp(tmp)) == -1)
		cli_fail("%s: %s", tmp, strerror(errno));
	if (fchmod(fd, mode) == -1 || write(fd, data, len) != (ssize_t)len ||
	    fsync(fd) == -1 || close(fd) == -1) {
		e = errno;
		(void)unlink(tmp);
		cli_fail("%s: %s; nothing was changed", tmp, strerror(e));
	}
	if (rename(tmp, path) == -1) {
		e = errno;
		(void)unlink(tmp);
		cli_fail("%s: %s; nothing was changed", path, strerror(e));
	}
	strlcpy(dir, path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		strlcpy(dir, ".", sizeof(dir));
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
}

/* The directories of path, made (0700) where missing, as mkdir -p. */
static void
config_dir(const char *path)
{
	char	dir[PATH_MAX], *slash, c;
	size_t	i, len;

	strlcpy(dir, path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return;
	*slash = '\0';
	len = strlen(dir);
	for (i = 1; i <= len; i++) {
		if (dir[i] != '/' && dir[i] != '\0')
			continue;
		c = dir[i];
		dir[i] = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			cli_fail("%s: %s", dir, strerror(errno));
		dir[i] = c;
	}
}

/* The servers merged into the configuration at path; a backup kept. */
static void
config_merge(const char *path, json_t *servers)
{
	json_t		*conf, *ms, *v;
	const char	*k;
	char		 bak[PATH_MAX], *old, *text;
	size_t		 oldlen;
	mode_t		 mode;

	conf = config_read(path, &old, &oldlen, &mode);
	if ((ms = json_object_get(conf, "mcpServers")) == NULL) {
		ms = json_object();
		json_object_set_new(conf, "mcpServers", ms);
	}
	json_object_foreach(servers, k, v)
		json_object_set(ms, k, v);
	if ((text = json_dumps(conf, JSON_INDENT(2))) == NULL)
		cli_fail("out of memory");
	config_dir(path);
	if (old != NULL) {
		if ((size_t)snprintf(bak, sizeof(bak), "%s.bak", path) >=
		    sizeof(bak))
			cli_fail("%s: name too long", path);
		write_atomic(bak, old, oldlen, mode);
		fprintf(stderr, "the old configuration kept as %s\n", bak);
		wipe_free(old);
	}
	write_atomic(path, text, strlen(text), mode);
	fprintf(stderr, "%zu MCP server%s written to %s\n",
	    json_object_size(servers), json_object_size(servers) == 1 ? "" :
	    "s", path);
	wipe_free(text);
	json_decref(conf);
}

int
cmd_mcp_setup(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "wallet", required_argument, NULL, 'w' },
		{ "config", required_argument, NULL, 'c' },
		{ "print", no_argument, NULL, 'p' },
		CLI_COMMON_OPTS, { NULL, 0, NULL, 0 }
	};
	json_t		*list, *w, *servers, *items, *snip;
	char		 path[PATH_MAX], key[160], *text;
	const char	*wid, *name;
	size_t		 i, n = 0;

	cli_getopt(argc, argv, "", opts, setup_opt,
	    "usage: waiaas mcp setup [--all | --wallet ID] [--config PATH]\n"
	    "                        [--print] [--url URL]\n"
	    "For each wallet (--all: every active one; --wallet: that one;\n"
	    "neither: the only one there is), a session, reused while the\n"
	    "one in its token file is valid, its token in\n"
	    "$WAIAAS_DATA_DIR/tokens/<wallet id> (mode 0600), and an MCP\n"
	    "server entry running `waiaas mcp` for it, merged into Claude\n"
	    "Desktop's configuration; other entries are kept, and the old\n"
	    "file is kept as PATH.bak.  The entry holds no token: the\n"
	    "server reads, renews and rewrites the token file.\n"
	    "  --config PATH  the configuration (default\n"
	    "                 ~/.config/Claude/claude_desktop_config.json)\n"
	    "  --print        print the entries as JSON; write no file\n"
	    "                 but the token files\n"
	    "The master password comes from WAIAAS_MASTER_PASSWORD_FILE,\n"
	    "recovery.key, a prompt, or WAIAAS_MASTER_PASSWORD.\n");
	if (optind != argc)
		cli_usage_error("unexpected argument '%.64s'", argv[optind]);
	if (o_all && o_wallet != NULL)
		cli_usage_error("--all or --wallet, not both");
	if (o_config != NULL)
		strlcpy(path, o_config, sizeof(path));
	else if (!o_print)
		default_config(path, sizeof(path));
	cli_address();
	list = cli_call("GET", "/v1/wallets", NULL, 1, 200);
	items = json_object_get(list, "items");
	if ((servers = json_object()) == NULL)
		cli_fail("out of memory");
	json_array_foreach(items, i, w) {
		if ((wid = cli_str(w, "id")) == NULL || cli_str(w, "status") ==
		    NULL || strcmp(cli_str(w, "status"), "ACTIVE") != 0)
			continue;
		if (o_wallet != NULL && strcasecmp(wid, o_wallet) != 0)
			continue;
		n++;
	}
	if (n == 0)
		cli_fail("no active wallet%s%s", o_wallet != NULL ? " " : "",
		    o_wallet != NULL ? o_wallet : "");
	if (n > 1 && !o_all && o_wallet == NULL)
		cli_usage_error("%zu wallets: --all, or --wallet ID", n);
	json_array_foreach(items, i, w) {
		if ((wid = cli_str(w, "id")) == NULL || cli_str(w, "status") ==
		    NULL || strcmp(cli_str(w, "status"), "ACTIVE") != 0 ||
		    (o_wallet != NULL && strcasecmp(wid, o_wallet) != 0))
			continue;
		if ((name = cli_str(w, "name")) == NULL)
			name = wid;
		snprintf(key, sizeof(key), "waiaas-%s", name);
		if (json_object_get(servers, key) != NULL)
			snprintf(key, sizeof(key), "waiaas-%s-%.8s", name,
			    wid);
		json_object_set_new(servers, key, mcp_setup_wallet(wid,
		    name));
	}
	json_decref(list);
	cli_password_free();
	if (o_print) {
		if ((snip = json_pack("{s:O}", "mcpServers", servers)) ==
		    NULL || (text = json_dumps(snip, JSON_INDENT(2))) == NULL)
			cli_fail("out of memory");
		puts(text);
		wipe_free(text);
		json_decref(snip);
	} else
		config_merge(path, servers);
	json_decref(servers);
	return 0;
}
