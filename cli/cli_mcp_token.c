/*
 * The session token of `waiaas mcp`: its claims, its renewal, and the
 * token files under $WAIAAS_DATA_DIR/tokens/ that `waiaas mcp setup`
 * and quickset write and the server reads.
 *
 * Renewal.  The daemon renews a session with its own token (PUT
 * /v1/sessions/{id}/renew): a new token of the same session expiring a
 * ttl later, never after the session's absolute lifetime, at most
 * maxRenewals times; the old token stops working at once.  The server
 * renews before a tool call once half of its token's time has passed
 * (what connect-info tells agents to do), and when the token came from
 * a file writes the new one back there (atomically, 0600), so that a
 * restarted server, or a second one reading the same file, has it: a
 * changed file is read again before every call.  A revoked session is
 * said once on stderr and in every tool result after.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "util.h"
#include "wipe.h"

static struct {
	char		 dir[PATH_MAX];		/* "": from the environment */
	char		 name[80];
	struct stat	 st;			/* the file as last read */
	char		 sid[MCP_SID_MAX];
	long long	 iat;
	long long	 exp;
	int		 norenew;		/* limit reached, or failed */
	int		 revoked;
} T;

/* A line on stderr, the server's log; never a token. */
void
mcp_log(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "waiaas mcp: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * The claims of a session token: "wai_sess_" + a JWT whose payload has
 * sub (the session id), iat and exp.  Read without its signature, which
 * only the daemon can check: a client uses them for timing, never for
 * trust.  0, or -1 if it is not such a token.
 */
int
mcp_token_claims(const char *tok, char *sid, size_t sidlen, long long *iat,
    long long *exp)
{
	const char	*p, *e;
	unsigned char	 buf[512];
	size_t		 len;
	json_t		*j, *s, *i, *x;
	int		 r = -1;

	if (strncmp(tok, "wai_sess_", 9) != 0 ||
	    (p = strchr(tok + 9, '.')) == NULL ||
	    (e = strchr(p + 1, '.')) == NULL || e - p - 1 > 700)
		return -1;
	p++;
	if (sodium_base642bin(buf, sizeof(buf) - 1, p, (size_t)(e - p), NULL,
	    &len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -1;
	if ((j = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL)
		return -1;
	s = json_object_get(j, "sub");
	i = json_object_get(j, "iat");
	x = json_object_get(j, "exp");
	if (json_is_string(s) && json_string_length(s) > 0 &&
	    json_string_length(s) < sidlen &&
	    strspn(json_string_value(s), "0123456789abcdef-") ==
	    json_string_length(s) && json_is_integer(i) &&
	    json_is_integer(x) && json_integer_value(i) >= 0 &&
	    json_integer_value(x) > json_integer_value(i)) {
		strlcpy(sid, json_string_value(s), sidlen);
		*iat = (long long)json_integer_value(i);
		*exp = (long long)json_integer_value(x);
		r = 0;
	}
	json_decref(j);
	return r;
}

/*
 * A token file in tokens/ (dfd): one line, a regular file of mode 0600
 * or stricter, owned by this user or by the data directory's owner (the
 * daemon's user, which writes it for POST /v1/mcp/tokens, and holds the
 * database anyway).  The token (wiped memory) or NULL with why in err.
 */
char *
mcp_token_read(int dfd, const char *name, struct stat *st, char *err,
    size_t errlen)
{
	struct stat	 dst;
	char		 buf[CLI_TOKEN_MAX + 2], *t = NULL;
	ssize_t		 n;
	size_t		 len;
	int		 fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	if (fstatat(dfd, "..", &dst, 0) == -1)
		dst.st_uid = geteuid();
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode) ||
	    (st->st_uid != geteuid() && st->st_uid != dst.st_uid) ||
	    (st->st_mode & 077) != 0) {
		snprintf(err, errlen, "refused: not a regular file of this "
		    "user (or the data directory's) with mode 0600");
		close(fd);
		return NULL;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || (size_t)n > CLI_TOKEN_MAX + 1) {
		snprintf(err, errlen, "empty or too long");
		explicit_bzero(buf, sizeof(buf));
		return NULL;
	}
	buf[n] = '\0';
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	if (len > 0 && (t = wipe_malloc(len + 1)) != NULL)
		memcpy(t, buf, len + 1);
	else
		snprintf(err, errlen, "empty");
	explicit_bzero(buf, sizeof(buf));
	return t;
}

/*
 * Write a token file: a temporary file in the same directory, mode
 * 0600, synced, renamed over name, the directory synced.  0 or -1 with
 * errno.
 */
int
mcp_token_write(int dfd, const char *name, const char *tok)
{
	char	tmp[128];
	size_t	len = strlen(tok);
	int	fd, e;

	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >=
	    sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	(void)unlinkat(dfd, tmp, 0);	/* left by a crash */
	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		return -1;
	if (fchmod(fd, 0600) == -1 || write(fd, tok, len) != (ssize_t)len ||
	    write(fd, "\n", 1) != 1 || fsync(fd) == -1) {
		e = errno;
		close(fd);
		(void)unlinkat(dfd, tmp, 0);
		errno = e;
		return -1;
	}
	close(fd);
	if (renameat(dfd, tmp, dfd, name) == -1) {
		e = errno;
		(void)unlinkat(dfd, tmp, 0);
		errno = e;
		return -1;
	}
	return fsync(dfd);
}

/*
 * The server's token file: $WAIAAS_DATA_DIR/tokens/<wallet or
 * "default">; the token, or NULL (logged).
 */
char *
mcp_token_file(const char *wallet)
{
	const char	*dir = getenv("WAIAAS_DATA_DIR");
	const char	*name = wallet != NULL ? wallet : "default";
	char		 path[PATH_MAX], err[128], *t;
	struct stat	 st;
	int		 dfd;

	if (dir == NULL || *dir == '\0') {
		mcp_log("no WAIAAS_SESSION_TOKEN and no WAIAAS_DATA_DIR");
		return NULL;
	}
	if (strchr(name, '/') != NULL || name[0] == '.' ||
	    (size_t)snprintf(path, sizeof(path), "%s/tokens", dir) >=
	    sizeof(path)) {
		mcp_log("bad token file name");
		return NULL;
	}
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		mcp_log("%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((t = mcp_token_read(dfd, name, &st, err, sizeof(err))) == NULL)
		mcp_log("%s/%s: %s", path, name, err);
	close(dfd);
	return t;
}

/* The token in cli.token is now tok (taken). */
static void
token_set(char *tok)
{
	if (cli.token != NULL)
		wipe_free(cli.token);
	cli.token = tok;
	if (mcp_token_claims(tok, T.sid, sizeof(T.sid), &T.iat, &T.exp) ==
	    -1) {
		/* Not ours to time: used as it is, never renewed. */
		T.sid[0] = '\0';
		T.exp = 0;
	}
}

/*
 * Called once cli.token is loaded: where it came from (the same rule as
 * the server's loader: the environment, else tokens/<wallet or
 * "default">) and its claims.
 */
void
mcp_token_init(const char *wallet)
{
	const char	*env = getenv("WAIAAS_SESSION_TOKEN");
	const char	*dir = getenv("WAIAAS_DATA_DIR");
	int		 dfd;

	memset(&T, 0, sizeof(T));
	if (cli.token != NULL && mcp_token_claims(cli.token, T.sid,
	    sizeof(T.sid), &T.iat, &T.exp) == -1) {
		T.sid[0] = '\0';
		T.exp = 0;
	}
	if ((env != NULL && *env != '\0') || dir == NULL || *dir == '\0')
		return;
	if ((size_t)snprintf(T.dir, sizeof(T.dir), "%s/tokens", dir) >=
	    sizeof(T.dir)) {
		T.dir[0] = '\0';
		return;
	}
	strlcpy(T.name, wallet != NULL ? wallet : "default", sizeof(T.name));
	if ((dfd = open(T.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstatat(dfd, T.name, &T.st, AT_SYMLINK_NOFOLLOW) == -1)
		memset(&T.st, 0, sizeof(T.st));
	if (dfd != -1)
		close(dfd);
}

/* The file changed (a renewal by another server, a new setup): read it. */
static void
reload(void)
{
	struct stat	 st;
	char		 err[128], *t;
	int		 dfd;

	if (T.dir[0] == '\0' ||
	    (dfd = open(T.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	if (fstatat(dfd, T.name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (st.st_ino != T.st.st_ino ||
	    st.st_mtim.tv_sec != T.st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != T.st.st_mtim.tv_nsec)) {
		if ((t = mcp_token_read(dfd, T.name, &st, err, sizeof(err))) ==
		    NULL)
			mcp_log("tokens/%s: %s; keeping the token in use",
			    T.name, err);
		else if (strcmp(t, cli.token) == 0)
			wipe_free(t);
		else {
			mcp_log("tokens/%s changed: using its token", T.name);
			token_set(t);
			T.norenew = 0;
			T.revoked = 0;
		}
		T.st = st;
	}
	close(dfd);
}

static void
store(void)
{
	int	dfd;

	if (T.dir[0] == '\0')
		return;
	if ((dfd = open(T.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    mcp_token_write(dfd, T.name, cli.token) == -1 ||
	    fstatat(dfd, T.name, &T.st, AT_SYMLINK_NOFOLLOW) == -1)
		mcp_log("tokens/%s: the renewed token could not be written "
		    "(%s); a restarted server will read the old, dead one",
		    T.name, strerror(errno));
	if (dfd != -1)
		close(dfd);
}

static void
renew(void)
{
	char		 path[128], err[256], *t;
	const char	*code, *nt;
	json_t		*ans;
	long		 st;

	snprintf(path, sizeof(path), "/v1/sessions/%s/renew", T.sid);
	if (cli_http("PUT", path, NULL, 2, 30, &st, &ans, err,
	    sizeof(err)) == -1) {
		mcp_log("session renewal: %s; trying again at the next call",
		    err);
		return;
	}
	code = cli_str(ans, "code");
	nt = cli_str(ans, "token");
	if (st == 200 && nt != NULL && strlen(nt) <= CLI_TOKEN_MAX &&
	    (t = wipe_malloc(strlen(nt) + 1)) != NULL) {
		memcpy(t, nt, strlen(nt) + 1);
		token_set(t);
		store();
		mcp_log("session %s renewed; the token now expires at %lld",
		    T.sid, T.exp);
	} else if (st == 401 && code != NULL &&
	    strcmp(code, "SESSION_REVOKED") == 0)
		mcp_token_revoked();
	else if (st == 403 && code != NULL &&
	    strcmp(code, "RENEWAL_LIMIT_REACHED") == 0) {
		T.norenew = 1;
		mcp_log("session %s may not be renewed again: it ends at %lld; "
		    "run `waiaas mcp setup` for a new one", T.sid, T.exp);
	} else if (st == 401 || st == 403 || st == 404) {
		T.norenew = 1;
		mcp_log("session renewal refused (HTTP %ld %s): the token is "
		    "no longer valid; run `waiaas mcp setup` for a new one", st,
		    code != NULL ? code : "");
	} else
		mcp_log("session renewal: HTTP %ld %s; trying again at the "
		    "next call", st, code != NULL ? code : "");
	json_decref(ans);
}

/* The session was revoked: said once on stderr, then in every result. */
void
mcp_token_revoked(void)
{
	if (T.revoked)
		return;
	T.revoked = 1;
	mcp_log("REVOKED: the session%s%s was revoked by the wallet's "
	    "operator; every tool call fails until this server is given a "
	    "new token (waiaas mcp setup)", T.sid[0] != '\0' ? " " : "",
	    T.sid);
}

/*
 * Before a tool call: the token file read again if it changed, the token
 * renewed once half its time has passed.  NULL to go on, or the tool
 * error to answer instead (a revoked session).
 */
const char *
mcp_token_fresh(void)
{
	long long	now = (long long)time(NULL);

	reload();
	if (T.revoked)
		return "Error SESSION_REVOKED: this session was revoked by "
		    "the wallet's operator: no tool will work until the "
		    "human gives this agent a new session token (waiaas mcp "
		    "setup).";
	if (!T.norenew && T.sid[0] != '\0' && T.exp > 0 &&
	    now >= T.iat + (T.exp - T.iat) / 2)
		renew();
	return NULL;
}
