/*
 * libFuzzer target for mcp_token_claims (cli/cli_mcp_token.c), which
 * reads a session token's claims from a token file or a renewal answer
 * without its signature, for timing only.  The first byte picks how the
 * rest is used: as the whole token, or as the payload of a JWT made
 * around it (so that most inputs reach the JSON).  What is taken must
 * have a session id of hex digits and dashes that fits, and an expiry
 * after its issue time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* What cli_mcp_token.c links against beside the unit. */
struct cli	cli;

int
cli_http(const char *m, const char *p, json_t *b, int a, long t, long *st,
    json_t **ans, char *err, size_t errlen)
{
	(void)m; (void)p; (void)b; (void)a; (void)t; (void)err; (void)errlen;
	*st = 0;
	*ans = NULL;
	return -1;
}

const char *
cli_str(json_t *j, const char *k)
{
	return json_string_value(json_object_get(j, k));
}

#define MAX_IN	1024

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 tok[2 * MAX_IN + 64], sid[MCP_SID_MAX];
	long long	 iat = -1, exp = -1;
	size_t		 n;

	if (size == 0 || size > MAX_IN)
		return 0;
	if (data[0] & 1) {
		memcpy(tok, data + 1, size - 1);
		tok[size - 1] = '\0';
	} else {
		memcpy(tok, "wai_sess_e30.", 13);
		sodium_bin2base64(tok + 13, sizeof(tok) - 13 - 8, data + 1,
		    size - 1, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		n = strlen(tok);
		memcpy(tok + n, ".sig", 5);
	}
	if (mcp_token_claims(tok, sid, sizeof(sid), &iat, &exp) == 0) {
		n = strlen(sid);
		if (n == 0 || n >= sizeof(sid) ||
		    strspn(sid, "0123456789abcdef-") != n || iat < 0 ||
		    exp <= iat)
			abort();
	}
	return 0;
}
