/*
 * EIP-4361 (Sign-In with Ethereum) messages, parsed to the letter of the
 * specification's ABNF, and the owner signatures over them: EIP-191
 * personal signatures recovered with libsecp256k1, Ed25519 with
 * libsodium.  A Solana owner signs the same layout with "Solana account"
 * in the header and a base58 address; a statement-less Solana message
 * may also have the one blank line that Sign-In with Solana writers use.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include "base58.h"
#include "evm.h"
#include "siwe.h"
#include "utf8.h"
#include "util.h"

#define FAIL(s)		do { *why = (s); return -1; } while (0)

#define HDR_ETH		" wants you to sign in with your Ethereum account:"
#define HDR_SOL		" wants you to sign in with your Solana account:"

/* Lines of the message; pos > len once the last one was taken. */
struct cursor {
	const char	*buf;
	size_t		 len;
	size_t		 pos;
};

static int
next_line(struct cursor *c, struct siwe_span *l)
{
	const char	*nl;

	if (c->pos > c->len)
		return 0;
	l->p = c->buf + c->pos;
	if ((nl = memchr(l->p, '\n', c->len - c->pos)) == NULL) {
		l->len = c->len - c->pos;
		c->pos = c->len + 1;
	} else {
		l->len = (size_t)(nl - l->p);
		c->pos += l->len + 1;
	}
	return 1;
}

/* The next line if it starts with name; its value in v. */
static int
field(struct cursor *c, const char *name, struct siwe_span *v)
{
	struct siwe_span	l;
	size_t			save = c->pos, n = strlen(name);

	if (!next_line(c, &l) || l.len < n || memcmp(l.p, name, n) != 0) {
		c->pos = save;
		return 0;
	}
	v->p = l.p + n;
	v->len = l.len - n;
	return 1;
}

static int
is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/*
 * RFC 3986 characters: every character of s is in set, or unreserved,
 * or a %XX escape.
 */
static int
uri_chars(struct siwe_span s, const char *set)
{
	size_t	i;
	int	ch;

	for (i = 0; i < s.len; i++) {
		ch = (unsigned char)s.p[i];
		if (is_alpha(ch) || is_digit(ch) || strchr("-._~", ch) != NULL)
			continue;
		if (ch == '%') {
			if (i + 2 >= s.len || hex_digit(s.p[i + 1]) == -1 ||
			    hex_digit(s.p[i + 2]) == -1)
				return 0;
			i += 2;
			continue;
		}
		if (ch == '\0' || strchr(set, ch) == NULL)
			return 0;
	}
	return 1;
}

#define SUB_DELIMS	"!$&'()*+,;="
#define GEN_DELIMS	":/?#[]@"

/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
static int
scheme_ok(const char *p, size_t len)
{
	size_t	i;

	if (len == 0 || !is_alpha(p[0]))
		return 0;
	for (i = 1; i < len; i++)
		if (!is_alpha(p[i]) && !is_digit(p[i]) && p[i] != '+' &&
		    p[i] != '-' && p[i] != '.')
			return 0;
	return 1;
}

/* An absolute URI: a scheme, ':', then URI characters, no spaces. */
static int
uri_ok(struct siwe_span s)
{
	const char	*colon;

	if (s.len < 2 || s.len > 1024 ||
	    (colon = memchr(s.p, ':', s.len)) == NULL ||
	    !scheme_ok(s.p, (size_t)(colon - s.p)))
		return 0;
	return uri_chars(s, SUB_DELIMS GEN_DELIMS);
}

/* Well-formed UTF-8 without control characters (C0, DEL, C1). */
static int
utf8_text(struct siwe_span s)
{
	const uint8_t	*p = (const uint8_t *)s.p;
	size_t		 i, n;
	uint32_t	 cp;

	for (i = 0; i < s.len; i += n)
		if ((n = utf8_seq(p + i, s.len - i, &cp)) == 0 ||
		    cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			return 0;
	return 1;
}

/* n decimal digits exactly. */
static int
digits(const char *s, int n, int *out)
{
	int	i, v = 0;

	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
month_days(int y, int m)
{
	static const int	days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/*
 * date-time = full-date "T" full-time (RFC 3339 section 5.6): seconds
 * required, up to nine digits of fraction (dropped), "Z" or an offset.
 */
int
siwe_rfc3339(const char *s, size_t len, int64_t *out)
{
	int	y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	size_t	i, start;

	if (s == NULL || len < 20 || len > 35)
		return -1;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return -1;
	i = 19;
	if (s[i] == '.') {
		start = ++i;
		while (i < len && is_digit(s[i]))
			i++;
		if (i == start || i - start > 9)
			return -1;
	}
	if (i >= len)
		return -1;
	if (s[i] == 'Z' || s[i] == 'z')
		i++;
	else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '+' ? 1 : -1;
		if (len - i != 6 || !digits(s + i + 1, 2, &oh) ||
		    s[i + 3] != ':' || !digits(s + i + 4, 2, &om))
			return -1;
		i += 6;
	} else
		return -1;
	if (i != len || mo < 1 || mo > 12 || d < 1 ||
	    d > month_days(y, mo) || h > 23 || mi > 59 || sec > 60 ||
	    oh > 23 || om > 59)
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    sign * (oh * 3600 + om * 60);
	return 0;
}

static int
time_field(struct siwe_span v, int64_t *out)
{
	return siwe_rfc3339(v.p, v.len, out);
}

/* First line: [ scheme "://" ] domain " wants you to sign in ...:" */
static int
parse_header(struct siwe_span l, struct siwe_msg *m, const char **why)
{
	const char	*hdr = m->chain == SIWE_ETHEREUM ? HDR_ETH : HDR_SOL;
	size_t		 hl = strlen(hdr), i, alen;

	if (l.len <= hl || memcmp(l.p + l.len - hl, hdr, hl) != 0)
		FAIL(m->chain == SIWE_ETHEREUM ? "the first line is not \"... "
		    "wants you to sign in with your Ethereum account:\"" :
		    "the first line is not \"... wants you to sign in with "
		    "your Solana account:\"");
	alen = l.len - hl;
	m->domain.p = l.p;
	m->domain.len = alen;
	for (i = 0; i + 3 <= alen; i++)
		if (memcmp(l.p + i, "://", 3) == 0) {
			if (!scheme_ok(l.p, i))
				FAIL("malformed scheme");
			m->scheme.p = l.p;
			m->scheme.len = i;
			m->domain.p = l.p + i + 3;
			m->domain.len = alen - i - 3;
			break;
		}
	if (m->domain.len == 0 || m->domain.len > 262 ||
	    !uri_chars(m->domain, SUB_DELIMS ":@[]"))
		FAIL("malformed domain");
	return 0;
}

static int
parse_address(struct siwe_span l, struct siwe_msg *m, const char **why)
{
	char	enc[64];

	m->address = l;
	if (m->chain == SIWE_ETHEREUM) {
		/* EIP-4361: the address in its EIP-55 mixed-case form. */
		if (evm_address_parse(l.p, l.len, m->addr) == -1)
			FAIL("the address is not an EIP-55 Ethereum address");
		evm_address_checksum(m->addr, enc);
		if (memcmp(enc, l.p, 42) != 0)
			FAIL("the address is not EIP-55 checksummed");
		return 0;
	}
	if (l.len < 32 || l.len > 44 ||
	    base58_decode(l.p, l.len, m->addr, 32) != 32 ||
	    base58_encode(m->addr, 32, enc, sizeof(enc)) != l.len ||
	    memcmp(enc, l.p, l.len) != 0)
		FAIL("the address is not a base58 Solana public key");
	return 0;
}

/*
 * After the address: a blank line, then either a blank line (no
 * statement) or the statement and a blank line.  Solana alone may
 * have a URI line right after the first blank line.
 */
static int
parse_statement(struct cursor *c, struct siwe_msg *m, const char **why)
{
	struct siwe_span	l, b;
	size_t			save;

	if (!next_line(c, &l) || l.len != 0)
		FAIL("no blank line after the address");
	save = c->pos;
	if (!next_line(c, &l))
		FAIL("the message ends after the address");
	if (l.len == 0)
		return 0;
	if (next_line(c, &b) && b.len == 0) {
		/* EIP-4361: *( reserved / unreserved / " " ); SIWS: text */
		if (m->chain == SIWE_ETHEREUM ? !uri_chars(l, SUB_DELIMS
		    GEN_DELIMS " ") || memchr(l.p, '%', l.len) != NULL :
		    !utf8_text(l))
			FAIL("the statement has characters it may not have");
		m->statement = l;
		return 0;
	}
	if (m->chain == SIWE_SOLANA && l.len >= 5 &&
	    memcmp(l.p, "URI: ", 5) == 0) {
		c->pos = save;
		return 0;
	}
	FAIL("the statement is not followed by a blank line");
}

static int
parse_chain_id(struct siwe_span v, int chain)
{
	size_t	i;

	if (v.len == 0 || v.len > 64)
		return -1;
	if (chain == SIWE_ETHEREUM) {
		/* chain-id = 1*DIGIT; an EIP-155 id, so no leading zero */
		if (v.len > 19 || v.p[0] == '0')
			return -1;
		for (i = 0; i < v.len; i++)
			if (!is_digit(v.p[i]))
				return -1;
		return 0;
	}
	/* Solana: a name such as mainnet or solana:devnet */
	for (i = 0; i < v.len; i++)
		if (!is_alpha(v.p[i]) && !is_digit(v.p[i]) &&
		    strchr(":-_", v.p[i]) == NULL)
			return -1;
	return 0;
}

static int
parse_nonce(struct siwe_span v)
{
	size_t	i;

	if (v.len < SIWE_NONCE_MIN || v.len > SIWE_NONCE_MAX)
		return -1;
	for (i = 0; i < v.len; i++)
		if (!is_alpha(v.p[i]) && !is_digit(v.p[i]))
			return -1;
	return 0;
}

/* The fields after the statement, each in its place, then the end. */
static int
parse_fields(struct cursor *c, struct siwe_msg *m, const char **why)
{
	struct siwe_span	v, l;

	if (!field(c, "URI: ", &m->uri) || !uri_ok(m->uri))
		FAIL("missing or malformed URI");
	if (!field(c, "Version: ", &m->version) || m->version.len != 1 ||
	    m->version.p[0] != '1')
		FAIL("missing Version or not version 1");
	if (!field(c, "Chain ID: ", &m->chain_id) ||
	    parse_chain_id(m->chain_id, m->chain) == -1)
		FAIL("missing or malformed Chain ID");
	if (!field(c, "Nonce: ", &m->nonce) || parse_nonce(m->nonce) == -1)
		FAIL("missing nonce or not 8 to 128 letters and digits");
	if (!field(c, "Issued At: ", &v) || time_field(v, &m->issued_at) == -1)
		FAIL("missing Issued At or not an RFC 3339 date-time");
	if (field(c, "Expiration Time: ", &v)) {
		if (time_field(v, &m->expiration) == -1)
			FAIL("Expiration Time is not an RFC 3339 date-time");
		m->has_expiration = 1;
	}
	if (field(c, "Not Before: ", &v)) {
		if (time_field(v, &m->not_before) == -1)
			FAIL("Not Before is not an RFC 3339 date-time");
		m->has_not_before = 1;
	}
	if (field(c, "Request ID: ", &m->request_id) &&
	    (m->request_id.len > 256 ||
	    !uri_chars(m->request_id, SUB_DELIMS ":@")))
		FAIL("malformed Request ID");
	if (field(c, "Resources:", &v)) {
		if (v.len != 0)
			FAIL("text after \"Resources:\"");
		m->has_resources = 1;
		while (field(c, "- ", &v)) {
			if (m->nresources == SIWE_RESOURCES_MAX)
				FAIL("too many resources");
			if (!uri_ok(v))
				FAIL("a resource is not a URI");
			m->resources[m->nresources++] = v;
		}
	}
	if (next_line(c, &l))
		FAIL(l.len == 0 ? "a blank line or newline after the last "
		    "field" : "an unexpected line after the last field");
	return 0;
}

int
siwe_parse(const char *msg, size_t len, int chain, struct siwe_msg *m,
    const char **why)
{
	struct cursor		c;
	struct siwe_span	l;
	size_t			i;

	memset(m, 0, sizeof(*m));
	m->chain = chain;
	if (chain != SIWE_ETHEREUM && chain != SIWE_SOLANA)
		FAIL("unknown chain");
	if (msg == NULL || len == 0)
		FAIL("empty message");
	if (len > SIWE_MSG_MAX)
		FAIL("message too long");
	/* LF alone ends a line: a CR or any other control is refused. */
	for (i = 0; i < len; i++)
		if (((unsigned char)msg[i] < 0x20 && msg[i] != '\n') ||
		    msg[i] == 0x7f)
			FAIL(msg[i] == '\r' ? "carriage return in the message" :
			    "control character in the message");
	c.buf = msg;
	c.len = len;
	c.pos = 0;
	if (!next_line(&c, &l) || parse_header(l, m, why) == -1)
		return -1;
	if (!next_line(&c, &l))
		FAIL("no address line");
	if (parse_address(l, m, why) == -1 ||
	    parse_statement(&c, m, why) == -1 ||
	    parse_fields(&c, m, why) == -1)
		return -1;
	return 0;
}

static int
span_ieq(struct siwe_span s, const char *t)
{
	return strlen(t) == s.len && strncasecmp(s.p, t, s.len) == 0;
}

int
siwe_check(const struct siwe_msg *m, const struct siwe_rules *r,
    const char **why)
{
	const char *const	*d;
	size_t			 i, plen = strlen(SIWE_ACTION_URN);
	size_t			 nact = 0;
	int			 ours = 0, match = 0;

	if (m->scheme.p != NULL && !span_ieq(m->scheme, "http") &&
	    !span_ieq(m->scheme, "https"))
		FAIL("the scheme is not http or https");
	for (d = r->domains; d != NULL && *d != NULL; d++)
		if (span_ieq(m->domain, *d))
			ours = 1;
	if (!ours)
		FAIL("the domain is not this daemon's");
	if (m->issued_at > r->now + r->skew)
		FAIL("Issued At is in the future");
	if (!m->has_expiration)
		FAIL("no Expiration Time");
	if (m->expiration <= m->issued_at ||
	    m->expiration - m->issued_at > r->max_lifetime)
		FAIL("Expiration Time is not within the allowed lifetime "
		    "after Issued At");
	if (r->now >= m->expiration)
		FAIL("the message has expired");
	if (m->has_not_before && r->now < m->not_before)
		FAIL("the message is not valid yet (Not Before)");
	for (i = 0; i < m->nresources; i++) {
		if (m->resources[i].len < plen ||
		    memcmp(m->resources[i].p, SIWE_ACTION_URN, plen) != 0)
			continue;
		nact++;
		if (m->resources[i].len == strlen(r->action) &&
		    memcmp(m->resources[i].p, r->action,
		    m->resources[i].len) == 0)
			match = 1;
	}
	if (nact == 0)
		FAIL("no " SIWE_ACTION_URN " resource names the action");
	if (nact > 1)
		FAIL("more than one action resource");
	if (!match)
		FAIL("the action resource names another action or target");
	return 0;
}

int
siwe_recover_evm(const secp256k1_context *ctx, const char *msg, size_t len,
    const char *sig, size_t siglen, uint8_t addr[20], const char **why)
{
	secp256k1_ecdsa_recoverable_signature	 rsig;
	secp256k1_ecdsa_signature		 plain;
	secp256k1_pubkey			 pub;
	uint8_t					 raw[65], digest[32];
	uint8_t					 pub65[65];
	size_t					 i, publen = sizeof(pub65);
	int					 v;

	if (siglen != 132 || sig[0] != '0' || sig[1] != 'x')
		FAIL("the signature is not 0x and 65 bytes of hex");
	for (i = 0; i < 65; i++) {
		if (hex_digit(sig[2 + 2 * i]) == -1 ||
		    hex_digit(sig[3 + 2 * i]) == -1)
			FAIL("the signature is not 0x and 65 bytes of hex");
		raw[i] = (uint8_t)(hex_digit(sig[2 + 2 * i]) << 4 |
		    hex_digit(sig[3 + 2 * i]));
	}
	v = raw[64] >= 27 ? raw[64] - 27 : raw[64];
	if (v != 0 && v != 1)
		FAIL("the signature's v is not 27, 28, 0 or 1");
	if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rsig,
	    raw, v))
		FAIL("the signature's r or s is out of range");
	secp256k1_ecdsa_recoverable_signature_convert(ctx, &plain, &rsig);
	if (secp256k1_ecdsa_signature_normalize(ctx, NULL, &plain))
		FAIL("the signature has a high s");
	if (evm_personal_hash((const uint8_t *)msg, len, digest) == -1)
		FAIL("message too long");
	if (!secp256k1_ecdsa_recover(ctx, &pub, &rsig, digest) ||
	    !secp256k1_ec_pubkey_serialize(ctx, pub65, &publen, &pub,
	    SECP256K1_EC_UNCOMPRESSED) ||
	    evm_address_of_pubkey(ctx, pub65, publen, addr) == -1)
		FAIL("no public key recovers from the signature");
	return 0;
}

int
siwe_verify_solana(const char *msg, size_t len, const char *sig,
    size_t siglen, const uint8_t pub[32], const char **why)
{
	uint8_t	raw[crypto_sign_BYTES];
	size_t	n;

	if (siglen != 88 || sodium_base642bin(raw, sizeof(raw), sig, siglen,
	    NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n != sizeof(raw))
		FAIL("the signature is not base64 of 64 bytes");
	if (crypto_sign_verify_detached(raw, (const uint8_t *)msg, len,
	    pub) != 0)
		FAIL("the signature does not verify");
	return 0;
}
