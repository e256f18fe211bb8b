/*
 * Where the daemon is, the master password, and one REST call: bounded
 * answer, bounded time, the daemon's {code, message} on failure.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "cli.h"
#include "config.h"
#include "keystore.h"
#include "secret.h"
#include "util.h"
#include "wipe.h"

/* Same rule as waiaasd: $WAIAAS_DATA_DIR, else ~/.waiaas; absolute. */
void
cli_datadir(void)
{
	const char	*d = getenv("WAIAAS_DATA_DIR"), *home;
	int		 n;

	if (cli.datadir[0] != '\0')
		return;
	if (d != NULL && d[0] != '\0')
		n = snprintf(cli.datadir, sizeof(cli.datadir), "%s", d);
	else {
		if ((home = getenv("HOME")) == NULL || home[0] != '/')
			cli_fail("set WAIAAS_DATA_DIR or HOME");
		n = snprintf(cli.datadir, sizeof(cli.datadir), "%s/.waiaas",
		    home);
	}
	if (n < 0 || (size_t)n >= sizeof(cli.datadir) - 32)
		cli_fail("WAIAAS_DATA_DIR: path too long");
	if (cli.datadir[0] != '/')
		cli_fail("WAIAAS_DATA_DIR must be an absolute path");
}

/*
 * The daemon's address as the daemon itself reads it: config.toml's
 * [daemon] through the daemon's loader, then WAIAAS_DAEMON_HOSTNAME and
 * WAIAAS_DAEMON_PORT (only those: other WAIAAS_* variables, such as an
 * agent's WAIAAS_SESSION_TOKEN, are none of our business here).
 */
void
cli_address(void)
{
	static struct config	 cf;	/* large */
	char			 path[PATH_MAX + 16], err[512];
	char			*env[3];
	const char		*host;
	size_t			 n = 0;

	if (cli.url_given)
		return;
	cli_datadir();
	config_defaults(&cf);
	snprintf(path, sizeof(path), "%s/config.toml", cli.datadir);
	/* getenv points past "NAME=" in environ's "NAME=value". */
	if ((env[n] = getenv("WAIAAS_DAEMON_HOSTNAME")) != NULL)
		env[n++] -= strlen("WAIAAS_DAEMON_HOSTNAME=");
	if ((env[n] = getenv("WAIAAS_DAEMON_PORT")) != NULL)
		env[n++] -= strlen("WAIAAS_DAEMON_PORT=");
	env[n] = NULL;
	if (config_load_file(&cf, path, err, sizeof(err)) == -1 ||
	    config_apply_env(&cf, env, err, sizeof(err)) == -1)
		cli_fail("configuration: %s (or give --url)", err);
	host = cf.hostname;
	/* A wildcard listener is reached on loopback. */
	if (strcmp(host, "localhost") == 0 || strcmp(host, "0.0.0.0") == 0)
		host = "127.0.0.1";
	else if (strcmp(host, "::") == 0)
		host = "::1";
	snprintf(cli.url, sizeof(cli.url), strchr(host, ':') != NULL ?
	    "http://[%s]:%d" : "http://%s:%d", host, cf.port);
}

/*
 * The master password from the daemon's own sources and in its order;
 * the data directory may be absent (a daemon elsewhere, --url).
 */
void
cli_password(void)
{
	int	dfd;

	if (cli.pw != NULL)
		return;
	cli_datadir();
	if ((cli.pw = sodium_malloc(KS_PASSWORD_MAX + 1)) == NULL)
		cli_fail("out of memory");
	dfd = open(cli.datadir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	master_password(dfd, cli.datadir, 0, 0, cli.pw, &cli.pwlen);
	if (dfd != -1)
		close(dfd);
}

void
cli_password_free(void)
{
	if (cli.pw == NULL)
		return;
	sodium_free(cli.pw);
	cli.pw = NULL;
	cli.pwlen = 0;
}

/* The Idempotency-Key of the create being sent, or "". */
static char	idem_key[48];

struct answer {
	char	*buf;
	size_t	 len;
	int	 toolong;
};

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct answer	*a = arg;
	size_t		 n = size * nmemb;
	char		*nb;

	if (a->len + n > CLI_ANSWER_MAX) {
		a->toolong = 1;
		return 0;	/* aborts the transfer */
	}
	if ((nb = wipe_realloc(a->buf, a->len + n + 1)) == NULL)
		return 0;
	a->buf = nb;
	memcpy(a->buf + a->len, ptr, n);
	a->len += n;
	a->buf[a->len] = '\0';
	return n;
}

/*
 * One request.  auth: 1 sends X-Master-Password, 2 the session token
 * (cli.token) as a Bearer.  Returns 0 with the
 * HTTP status and the answer parsed (NULL if it was not JSON), or -1
 * with why in err when no answer came.
 */
int
cli_http(const char *method, const char *path, json_t *body, int auth,
    long timeout, long *status, json_t **answer, char *err, size_t errlen)
{
	CURL			*c;
	CURLcode		 rc;
	struct curl_slist	*h = NULL, *nh;
	struct answer		 a = { NULL, 0, 0 };
	char			 url[CLI_URL_MAX + 512], *hdr = NULL;
	char			*data = NULL, ih[80];
	size_t			 hlen;
	int			 r = -1;

	*answer = NULL;
	*status = 0;
	if (snprintf(url, sizeof(url), "%s%s", cli.url, path) >=
	    (int)sizeof(url)) {
		snprintf(err, errlen, "URL too long");
		return -1;
	}
	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		return -1;
	}
	if (auth == 2) {
		hlen = strlen("Authorization: Bearer ") + strlen(cli.token) + 1;
		if ((hdr = wipe_malloc(hlen)) == NULL)
			cli_fail("out of memory");
		snprintf(hdr, hlen, "Authorization: Bearer %s", cli.token);
		if ((nh = curl_slist_append(h, hdr)) == NULL)
			cli_fail("out of memory");
		h = nh;
	} else if (auth) {
		cli_password();
		hlen = strlen("X-Master-Password: ") + cli.pwlen + 1;
		if ((hdr = wipe_malloc(hlen)) == NULL)
			cli_fail("out of memory");
		snprintf(hdr, hlen, "X-Master-Password: %s", cli.pw);
		if ((nh = curl_slist_append(h, hdr)) == NULL)
			cli_fail("out of memory");
		h = nh;
	}
	if (idem_key[0] != '\0') {
		snprintf(ih, sizeof(ih), "Idempotency-Key: %s", idem_key);
		if ((nh = curl_slist_append(h, ih)) == NULL)
			cli_fail("out of memory");
		h = nh;
	}
	if (body != NULL) {
		if ((data = json_dumps(body, JSON_COMPACT)) == NULL)
			cli_fail("out of memory");
		if ((nh = curl_slist_append(h,
		    "Content-Type: application/json")) == NULL)
			cli_fail("out of memory");
		h = nh;
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
		if (a.len > 0)
			*answer = json_loadb(a.buf, a.len,
			    JSON_REJECT_DUPLICATES, NULL);
		r = 0;
	} else if (a.toolong)
		snprintf(err, errlen, "the answer from %s is longer than %d "
		    "bytes", cli.url, CLI_ANSWER_MAX);
	else
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	wipe_free(hdr);
	wipe_free(a.buf);
	if (data != NULL)
		wipe_free(data);
	return r;
}

/*
 * A call that must succeed: any failure is the one line of cli_fail(),
 * with the daemon's code and message when it answered.  Takes the body's
 * reference.
 */
json_t *
cli_call(const char *method, const char *path, json_t *body, int auth,
    long ok)
{
	json_t		*ans;
	uint8_t		 raw[16];
	char		 err[256];
	const char	*code;
	long		 st;
	int		 r, tries = 0;

	cli_address();
	/*
	 * A create carries a fresh Idempotency-Key, and a retry of it the
	 * same key: an answer lost on the way (a reset, a timeout) or one
	 * still being made is asked for again, and nothing is made twice.
	 */
	idem_key[0] = '\0';
	if (strcmp(method, "POST") == 0 && strncmp(path, "/v1/admin/", 10)
	    != 0) {
		randombytes_buf(raw, sizeof(raw));
		memcpy(idem_key, "cli-", 4);
		sodium_bin2hex(idem_key + 4, sizeof(idem_key) - 4, raw,
		    sizeof(raw));
	}
	for (;;) {
		r = cli_http(method, path, body, auth, CLI_TIMEOUT, &st, &ans,
		    err, sizeof(err));
		code = r == 0 ? cli_str(ans, "code") : NULL;
		if (idem_key[0] == '\0' || ++tries >= CLI_CREATE_TRIES ||
		    (r == 0 && !(st == 409 && code != NULL && strcmp(code,
		    "IDEMPOTENCY_KEY_IN_PROGRESS") == 0)))
			break;
		json_decref(ans);
		sleep(1);
	}
	idem_key[0] = '\0';
	json_decref(body);
	if (r == -1)
		cli_fail("cannot reach waiaasd at %s: %s (is it running? "
		    "waiaas status)", cli.url, err);
	if (st == ok || (ok == 0 && st >= 200 && st < 300)) {
		if (ans == NULL && st != 204)
			cli_fail("the daemon's answer (HTTP %ld) is not JSON",
			    st);
		return ans;
	}
	cli_fail_answer(ans, st, path);
}

/* The daemon refused: one line, its words, control characters replaced. */
void
cli_fail_answer(json_t *ans, long st, const char *path)
{
	const char	*code, *msg;

	code = cli_str(ans, "code");
	msg = cli_str(ans, "message");
	if (code == NULL) {
		json_decref(ans);
		cli_fail("HTTP %ld from %s%s", st, cli.url, path);
	}
	cli_password_free();
	fprintf(stderr, "waiaas %s: ", cli.verb);
	cli_print_safe(stderr, code);
	if (msg != NULL) {
		fputs(": ", stderr);
		cli_print_safe(stderr, msg);
	}
	fputc('\n', stderr);
	json_decref(ans);
	exit(EX_FAIL);
}

/* The daemon's text on a terminal: no control characters. */
void
cli_print_safe(FILE *f, const char *s)
{
	if (s == NULL)
		s = "-";
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

const char *
cli_str(json_t *j, const char *key)
{
	json_t	*v;

	if (j == NULL || (v = json_object_get(j, key)) == NULL)
		return NULL;
	return json_string_value(v);
}

void
cli_dump(json_t *j)
{
	char	*s;

	if ((s = json_dumps(j, JSON_INDENT(2))) == NULL)
		cli_fail("out of memory");
	puts(s);
	wipe_free(s);
}
