/*
 * Wallet routes.  The api checks the shape of what it is sent and
 * forwards a typed request with the credential to policyd, which decides;
 * the request (a master password, an imported key) is wiped once sent.
 */
#include <string.h>

#include <sodium.h>

#include "api.h"
#include "log.h"
#include "util.h"

/* Copy X-Master-Password into a credential; 0 if absent. */
static void
master_cred(struct http_req *req, struct api_cred *cred)
{
	const char	*v;
	size_t		 len;

	memset(cred, 0, sizeof(*cred));
	if ((v = http_header(&req->head, "x-master-password", &len)) ==
	    NULL || len == 0 || len > KS_PASSWORD_MAX)
		return;
	cred->kind = CRED_MASTER;
	cred->len = (uint32_t)len;
	memcpy(cred->value, v, len);
}

static size_t
utf8_chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static int
is_hex_key(const char *s, size_t len)
{
	size_t	i;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		len -= 2;
	}
	if (len != 64)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')))
			return 0;
	return 1;
}

static int
is_base58(const char *s, size_t len)
{
	size_t	i;

	if (len < 64 || len > 90)
		return 0;
	for (i = 0; i < len; i++)
		if (strchr("123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
		    "abcdefghijkmnopqrstuvwxyz", s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}

static void
wallet_create(struct http_req *req, int import)
{
	struct api_wallet_create	*w;
	struct api_issues		 is;
	json_t				*body, *v;
	const char			*key, *s;
	size_t				 klen;

	if ((body = api_parse_body(req, &is)) == NULL)
		return;
	if ((w = sodium_malloc(sizeof(*w))) == NULL)
		fatal("sodium_malloc");
	memset(w, 0, sizeof(*w));
	w->chain = KS_CHAIN_SOLANA;
	w->env = ENV_TESTNET;
	w->create_session = 1;
	w->import = (uint32_t)import;

	api_only_fields(body, &is, "name", "chain", "environment",
	    "createSession", import ? "privateKey" : NULL, NULL);
	if ((v = json_object_get(body, "name")) == NULL)
		api_issue(&is, "name", "required");
	else if (!json_is_string(v) || (s = json_string_value(v))[0] == '\0'
	    || utf8_chars(s) > 100 || strlen(s) > WALLET_NAME_MAX)
		api_issue(&is, "name", "a string of 1 to 100 characters");
	else if (strpbrk(s, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b"
	    "\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a"
	    "\x1b\x1c\x1d\x1e\x1f\x7f") != NULL ||
	    json_string_length(v) != strlen(s))
		api_issue(&is, "name", "control characters are not allowed");
	else
		strlcpy(w->name, s, sizeof(w->name));
	if ((v = json_object_get(body, "chain")) != NULL) {
		if (json_is_string(v) && strcmp(json_string_value(v),
		    "ethereum") == 0)
			w->chain = KS_CHAIN_ETHEREUM;
		else if (!json_is_string(v) || strcmp(json_string_value(v),
		    "solana") != 0)
			api_issue(&is, "chain", "one of solana, ethereum");
	}
	if ((v = json_object_get(body, "environment")) != NULL) {
		if (json_is_string(v) && strcmp(json_string_value(v),
		    "mainnet") == 0)
			w->env = ENV_MAINNET;
		else if (!json_is_string(v) || strcmp(json_string_value(v),
		    "testnet") != 0)
			api_issue(&is, "environment", "one of testnet, "
			    "mainnet");
	}
	if ((v = json_object_get(body, "createSession")) != NULL) {
		if (!json_is_boolean(v))
			api_issue(&is, "createSession", "a boolean");
		else
			w->create_session = json_is_true(v);
	}
	if (import) {
		if ((v = json_object_get(body, "privateKey")) == NULL)
			api_issue(&is, "privateKey", "required");
		else if (!json_is_string(v))
			api_issue(&is, "privateKey", "a string");
		else {
			key = json_string_value(v);
			klen = json_string_length(v);
			if (w->chain == KS_CHAIN_ETHEREUM ?
			    !is_hex_key(key, klen) : !is_base58(key, klen))
				api_issue(&is, "privateKey", w->chain ==
				    KS_CHAIN_ETHEREUM ? "32 bytes of hex, "
				    "with or without 0x" : "base58 of the "
				    "64-byte secret key");
			else {
				memcpy(w->key, key, klen);
				w->keylen = (uint32_t)klen;
			}
		}
	}
	json_decref(body);
	if (api_issues_reply(req, &is)) {
		sodium_free(w);
		return;
	}
	master_cred(req, &w->cred);
	api_forward(req, IMSG_API_WALLET_CREATE, w, sizeof(*w));
	sodium_free(w);
}

void
api_wallets_create(struct http_req *req)
{
	wallet_create(req, 0);
}

void
api_wallets_import(struct http_req *req)
{
	wallet_create(req, 1);
}

void
api_wallets_list(struct http_req *req)
{
	struct api_cred	cred;

	master_cred(req, &cred);
	api_forward(req, IMSG_API_WALLET_LIST, &cred, sizeof(cred));
	sodium_memzero(&cred, sizeof(cred));
}

void
api_wallets_get(struct http_req *req)
{
	struct api_wallet_get	g;
	const char		*id = req->head.path + strlen("/v1/wallets/");
	size_t			 len;

	len = req->head.pathlen - strlen("/v1/wallets/");
	if (!ks_valid_id(id, len)) {
		http_error(req, 404, "WALLET_NOT_FOUND", "no such wallet", 0,
		    NULL);
		return;
	}
	memset(&g, 0, sizeof(g));
	master_cred(req, &g.cred);
	memcpy(g.id, id, len);
	api_forward(req, IMSG_API_WALLET_GET, &g, sizeof(g));
	sodium_memzero(&g, sizeof(g));
}
