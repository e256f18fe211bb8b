/*
 * What an event looks like on each channel, and what each channel's
 * answer means.  One table says how each event type is titled; a type
 * not in it (a newer producer) gets its own name as the title and every
 * plain member of its payload as the text, so nothing is ever dropped
 * for being unknown.
 *
 * Everything from policyd is checked again here (ids, type names), and
 * everything from a channel's server is untrusted: bounded, printable,
 * never allowed to echo a credential into an error text.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "relay.h"
#include "util.h"
#include "wipe.h"

struct evfmt {
	const char	*type;		/* exact, or a prefix ending in '_' */
	const char	*title;
	int		 priority;	/* ntfy: 1 (min) .. 5 (urgent) */
	const char	*tags;		/* ntfy: emoji short codes */
};

static const struct evfmt fmts[] = {
	{ "TX_APPROVAL_REQUIRED", "Approval required", 5, "warning,lock" },
	{ "TX_DELAYED", "Transaction delayed", 4, "hourglass" },
	{ "TX_NOTIFY", "Transaction sent", 3, "outbox_tray" },
	{ "TX_CONFIRMED", "Transaction confirmed", 3, "white_check_mark" },
	{ "TX_FAILED", "Transaction failed", 4, "x" },
	{ "TX_INCOMING", "Incoming transfer", 3, "inbox_tray" },
	{ "TX_CANCELLED", "Transaction cancelled", 3, "no_entry_sign" },
	{ "TX_EXPIRED", "Approval expired", 3, "alarm_clock" },
	{ "KILL_SWITCH_", "Kill switch", 5, "rotating_light" },
	{ "AUTH_FAILURES", "Authentication failures", 4, "warning" },
	{ "SESSION_", "Session", 3, "key" },
	{ "TEST", "Test notification", 3, "test_tube" },
};

/* Payload members not shown as text lines (shown otherwise, or long). */
static const char *const hidden[] = {
	"event", "timestamp", "intent", "approvalUrl", "ownerLink",
};

static const struct evfmt *
evfmt(const char *type)
{
	static struct evfmt	 other = { NULL, NULL, 3, "bell" };
	size_t			 i, n;

	for (i = 0; i < nitems(fmts); i++) {
		n = strlen(fmts[i].type);
		if (fmts[i].type[n - 1] == '_' ? strncmp(type, fmts[i].type,
		    n) == 0 : strcmp(type, fmts[i].type) == 0)
			return &fmts[i];
	}
	other.type = other.title = type;
	return &other;
}

/* A UUID as policyd writes them: 8-4-4-4-12 lower-case hex. */
int
relay_id_ok(const char *s)
{
	size_t	i;

	if (strlen(s) != UUID_STR_LEN - 1)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* An event type: it goes into headers, so letters, digits, '_', '.'. */
int
relay_type_ok(const char *s)
{
	size_t	i;

	if (s[0] == '\0' || strlen(s) >= NOTIFY_TYPE_MAX)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '.')
			return 0;
	return 1;
}

static int
is_hidden(const char *key)
{
	size_t	i;

	for (i = 0; i < nitems(hidden); i++)
		if (strcmp(key, hidden[i]) == 0)
			return 1;
	return 0;
}

/*
 * Append at most max bytes of s, control characters as spaces, cut at a
 * UTF-8 character boundary (the input is valid UTF-8: jansson's).
 */
static void
text_add(char *out, size_t outlen, size_t *off, const char *s, size_t max)
{
	size_t	n = strlen(s), i;

	if (n > max)
		n = max;
	if (n > outlen - 1 - *off)
		n = outlen - 1 - *off;
	while (n > 0 && n < strlen(s) && ((unsigned char)s[n] & 0xc0) ==
	    0x80)
		n--;
	for (i = 0; i < n; i++)
		out[*off + i] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
	*off += n;
	out[*off] = '\0';
}

/* A link that fits in url[] fits in a text, with room for the title. */
_Static_assert(RELAY_LINK_MAX + 320 < RELAY_TEXT_MAX, "RELAY_LINK_MAX");

/*
 * The text of a push or a chat message: the title, one "key: value"
 * line per plain member (sorted, as policyd stores them), the approval
 * link, and the event id for a reader to match duplicates.
 */
static void
event_text(const struct relay_event *ev, const char *title, const char *url,
    char *out, size_t outlen)
{
	const char	*key, *val;
	json_t		*v;
	char		 num[64];
	size_t		 off = 0, room, tail;
	void		*it;

	/* The link and the event id are never cut: the lines above them
	 * get what they leave. */
	tail = sizeof("Approve or reject: \n") + strlen(url) +
	    sizeof("Event: ") + UUID_STR_LEN;
	room = tail + 256 < outlen ? outlen - tail : 256;
	out[0] = '\0';
	text_add(out, room, &off, title, RELAY_VALUE_MAX);
	text_add(out, room, &off, "\n", 1);
	for (it = json_object_iter(ev->payload); it != NULL;
	    it = json_object_iter_next(ev->payload, it)) {
		key = json_object_iter_key(it);
		v = json_object_iter_value(it);
		if (is_hidden(key))
			continue;
		val = num;
		if (json_is_string(v))
			val = json_string_value(v);
		else if (json_is_integer(v))
			snprintf(num, sizeof(num), "%lld",
			    (long long)json_integer_value(v));
		else if (json_is_real(v))
			snprintf(num, sizeof(num), "%.6g", json_real_value(v));
		else if (json_is_boolean(v))
			snprintf(num, sizeof(num), "%s", json_is_true(v) ?
			    "true" : "false");
		else
			continue;	/* null, objects, arrays: webhook */
		text_add(out, room, &off, key, 64);
		text_add(out, room, &off, ": ", 2);
		text_add(out, room, &off, val, RELAY_VALUE_MAX);
		text_add(out, room, &off, "\n", 1);
	}
	if (url[0] != '\0') {
		text_add(out, outlen, &off, "Approve or reject: ", 32);
		text_add(out, outlen, &off, url, outlen);
		text_add(out, outlen, &off, "\n", 1);
	}
	text_add(out, outlen, &off, "Event: ", 8);
	text_add(out, outlen, &off, ev->event_id, UUID_STR_LEN);
}

/* "name: value" and a suffix, as one header line. */
static int
hdr_add(struct relay_msg *m, const char *name, const char *value,
    const char *suffix)
{
	int	n;

	if (m->nhdrs >= RELAY_HDRS_MAX)
		return -1;
	n = snprintf(m->hdr[m->nhdrs], sizeof(m->hdr[0]), "%s: %s%s", name,
	    value, suffix);
	if (n < 0 || (size_t)n >= sizeof(m->hdr[0]))
		return -1;
	m->hdrs[m->nhdrs] = m->hdr[m->nhdrs];
	m->nhdrs++;
	m->hdrs[m->nhdrs] = NULL;
	return 0;
}

/* base without its trailing slashes, then the rest: into m->url. */
static int
url_join(struct relay_msg *m, const char *base, const char *a,
    const char *b, const char *c)
{
	size_t	n = strlen(base);
	int	r;

	while (n > 0 && base[n - 1] == '/')
		n--;
	r = snprintf(m->url, sizeof(m->url), "%.*s%s%s%s", (int)n, base, a,
	    b, c);
	return r < 0 || (size_t)r >= sizeof(m->url) ? -1 : 0;
}

static int
body_json(struct relay_msg *m, json_t *j)
{
	if (j == NULL)
		return -1;
	m->body = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	if (m->body == NULL)
		return -1;
	m->len = strlen(m->body);
	return 0;
}

/*
 * Webhook: the JSON the HMAC signs, raw body exactly as sent.  The
 * timestamp in it is this attempt's, the same as X-WAIaaS-Timestamp, so
 * a receiver that checks freshness checks a signed value; occurredAt is
 * when the event happened; id is stable across attempts.
 */
static int
build_webhook(const struct ctl_notify *cn, const struct relay_event *ev,
    json_t *data, struct relay_msg *m)
{
	const struct notify_chan	*ch = &cn->chan[NOTIFY_WEBHOOK];
	crypto_auth_hmacsha256_state	 st;
	unsigned char			 mac[crypto_auth_hmacsha256_BYTES];
	char				 hex[2 * sizeof(mac) + 1], ts[24];
	int				 r;

	if (body_json(m, json_pack("{s:s, s:s, s:I, s:I, s:O}", "id",
	    ev->event_id, "event", ev->type, "timestamp", (json_int_t)ev->now,
	    "occurredAt", (json_int_t)ev->created_at, "data", data)) == -1)
		return -1;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)ch->secret,
	    strlen(ch->secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)m->body,
	    m->len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	snprintf(ts, sizeof(ts), "%lld", ev->now);
	r = strlcpy(m->url, ch->url, sizeof(m->url)) >= sizeof(m->url) ||
	    hdr_add(m, "Content-Type", "application/json", "") == -1 ||
	    hdr_add(m, "X-WAIaaS-Signature", "sha256=", hex) == -1 ||
	    hdr_add(m, "X-WAIaaS-Timestamp", ts, "") == -1 ||
	    hdr_add(m, "X-WAIaaS-Event", ev->type, "") == -1 ||
	    hdr_add(m, "X-WAIaaS-Delivery", ev->event_id, "") == -1;
	return r ? -1 : 0;
}

/* ntfy: the text as the message, the rest in its headers. */
static int
build_ntfy(const struct ctl_notify *cn, const struct relay_event *ev,
    const struct evfmt *f, const char *url, const char *text,
    struct relay_msg *m)
{
	const struct notify_chan	*ch = &cn->chan[NOTIFY_NTFY];
	char				 prio[4];

	snprintf(prio, sizeof(prio), "%d", f->priority);
	if (url_join(m, ch->url, "/", ch->target, "") == -1 ||
	    hdr_add(m, "Content-Type", "text/plain; charset=utf-8", "") == -1 ||
	    hdr_add(m, "Title", f->title, "") == -1 ||
	    hdr_add(m, "Priority", prio, "") == -1 ||
	    hdr_add(m, "Tags", f->tags, "") == -1 ||
	    hdr_add(m, "X-WAIaaS-Event", ev->type, "") == -1 ||
	    hdr_add(m, "X-WAIaaS-Delivery", ev->event_id, "") == -1)
		return -1;
	if (ch->secret[0] != '\0' && hdr_add(m, "Authorization",
	    "Bearer ", ch->secret) == -1)
		return -1;
	if (url[0] != '\0' && (hdr_add(m, "Click", url, "") == -1 ||
	    hdr_add(m, "Actions", "view, Review and approve, ",
	    url) == -1))
		return -1;
	if ((m->body = wipe_malloc(strlen(text) + 1)) == NULL)
		return -1;
	memcpy(m->body, text, strlen(text) + 1);
	m->len = strlen(text);
	return 0;
}

/*
 * Telegram: sendMessage with the text; the approval page as an inline
 * button when it is https (Telegram refuses buttons to plain http hosts
 * such as 127.0.0.1; the link is in the text either way).
 */
static int
build_telegram(const struct ctl_notify *cn, const char *url, const char *text,
    struct relay_msg *m)
{
	const struct notify_chan	*ch = &cn->chan[NOTIFY_TELEGRAM];
	json_t				*j;

	if (url_join(m, ch->url, "/bot", ch->secret, "/sendMessage") == -1 ||
	    hdr_add(m, "Content-Type", "application/json", "") == -1)
		return -1;
	j = json_pack("{s:s, s:s, s:b}", "chat_id", ch->target, "text", text,
	    "disable_web_page_preview", 1);
	if (j != NULL && strncmp(url, "https://", 8) == 0)
		json_object_set_new(j, "reply_markup", json_pack("{s:[[{s:s, "
		    "s:s}]]}", "inline_keyboard", "text", "Review and approve",
		    "url", url));
	return body_json(m, j);
}

/* Append s percent-encoded (all but ALPHA DIGIT - . _ ~): 0 or -1. */
static int
frag_add(char *out, size_t len, size_t *off, const char *name,
    const char *s)
{
	static const char	 hx[] = "0123456789ABCDEF";
	const unsigned char	*p;
	size_t			 o = *off;
	int			 n;

	n = snprintf(out + o, len - o, "%s%s=", o == 0 || out[o - 1] ==
	    '#' ? "" : "&", name);
	if (n < 0 || (size_t)n >= len - o)
		return -1;
	o += (size_t)n;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (o + 4 > len)
			return -1;
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' ||
		    *p == '~')
			out[o++] = (char)*p;
		else {
			out[o++] = '%';
			out[o++] = hx[*p >> 4];
			out[o++] = hx[*p & 15];
		}
	}
	out[o] = '\0';
	*off = o;
	return 0;
}

/* A member of ownerLink: a string of 1 to max bytes of chars. */
static const char *
link_str(json_t *l, const char *key, size_t max, const char *chars)
{
	const char	*v = json_string_value(json_object_get(l, key));
	size_t		 i;

	if (v == NULL || v[0] == '\0' || strlen(v) > max)
		return NULL;
	for (i = 0; v[i] != '\0'; i++)
		if (!isalnum((unsigned char)v[i]) && strchr(chars, v[i]) ==
		    NULL)
			return NULL;
	return v;
}

/*
 * The owner's approval link (issue 20): the page (approval_page_url, or
 * public_url/approve/<txId>), and in its fragment, which a browser never
 * sends to any server, what the page shows and what it needs to have
 * the owner sign without reaching the daemon: the transaction's id and,
 * all from ownerLink (policyd_link.c), its intent (the text whose
 * SHA-256 the signature binds; a transfer's or a message's), expiry, the
 * owner's address and chain, the message's Chain ID and domain, the two
 * nonces policyd made for this transaction, the coin and its decimals
 * to show the amount in; then where to post the signed reply (the ntfy
 * reply topic).  Without ownerLink (no owner, or no longer waiting; the
 * webhook never has it) or if it does not fit: the daemon's own page,
 * public_url/approve/<txId>.
 * Nothing in it can approve: a tampered link makes, at worst, a
 * signature policyd refuses.
 */
static void
approval_link(const struct ctl_notify *cn, const struct relay_event *ev,
    const char *id, char *url, size_t len)
{
	const struct notify_chan	*nc = &cn->chan[NOTIFY_NTFY];
	json_t				*l, *intent, *exp;
	json_t				*dec;
	const char			*o, *c, *n, *d, *a, *r, *sym;
	char				 num[24], reply[NET_URL_MAX + 160];
	size_t				 off, k;

	/* The daemon's own page: what a link without a fragment opens. */
	snprintf(url, len, "%s/approve/%s", cn->public_url, id);
	l = json_object_get(ev->payload, "ownerLink");
	intent = json_object_get(l, "intent");
	exp = json_object_get(l, "expiresAt");
	if (!json_is_object(l) || !json_is_string(intent) ||
	    json_string_length(intent) > 1024 || !json_is_integer(exp) ||
	    (o = link_str(l, "owner", 64, "")) == NULL ||
	    (c = link_str(l, "chain", 16, "")) == NULL ||
	    (n = link_str(l, "chainId", 24, "-")) == NULL ||
	    (d = link_str(l, "domain", 127, ".-:[]")) == NULL ||
	    (a = link_str(l, "approveNonce", 64, "")) == NULL ||
	    (r = link_str(l, "rejectNonce", 64, "")) == NULL ||
	    strlen(url) + 2 > len)
		return;
	if (cn->page_url[0] != '\0') {
		k = strcspn(cn->page_url, "#");
		if (k + 2 > len)
			goto nolink;
		snprintf(url, len, "%.*s", (int)k, cn->page_url);
	}
	off = strlen(url);
	url[off++] = '#';
	url[off] = '\0';
	snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(exp));
	if (frag_add(url, len, &off, "v", "1") == -1 ||
	    frag_add(url, len, &off, "id", id) == -1 ||
	    frag_add(url, len, &off, "t", "APPROVAL") == -1 ||
	    frag_add(url, len, &off, "e", num) == -1 ||
	    frag_add(url, len, &off, "o", o) == -1 ||
	    frag_add(url, len, &off, "c", c) == -1 ||
	    frag_add(url, len, &off, "n", n) == -1 ||
	    frag_add(url, len, &off, "d", d) == -1 ||
	    frag_add(url, len, &off, "a", a) == -1 ||
	    frag_add(url, len, &off, "r", r) == -1 ||
	    frag_add(url, len, &off, "i", json_string_value(intent)) == -1)
		goto nolink;
	/* How to show the amount (the coin, its decimals): shown only. */
	sym = link_str(l, "symbol", NET_SYMBOL_MAX, "");
	dec = json_object_get(l, "decimals");
	if (sym != NULL && json_is_integer(dec) && json_integer_value(dec) >=
	    0 && json_integer_value(dec) <= 36) {
		snprintf(num, sizeof(num), "%lld",
		    (long long)json_integer_value(dec));
		if (frag_add(url, len, &off, "s", sym) == -1 ||
		    frag_add(url, len, &off, "u", num) == -1)
			goto nolink;
	}
	if (cn->reply_topic[0] != '\0') {
		k = strlen(nc->url);
		while (k > 0 && nc->url[k - 1] == '/')
			k--;
		if ((size_t)snprintf(reply, sizeof(reply), "%.*s/%s", (int)k,
		    nc->url, cn->reply_topic) >= sizeof(reply) ||
		    frag_add(url, len, &off, "p", reply) == -1)
			goto nolink;
	}
	return;
nolink:
	snprintf(url, len, "%s/approve/%s", cn->public_url, id);
}

int
relay_build(const struct ctl_notify *cn, const struct relay_event *ev,
    struct relay_msg *m, const char **why)
{
	const struct evfmt	*f;
	json_t			*data, *tx;
	char			 url[RELAY_LINK_MAX], *text = NULL;
	int			 r = -1;

	memset(m, 0, sizeof(*m));
	*why = "malformed event";
	if (ev->channel < 0 || ev->channel >= NOTIFY_MAX ||
	    !json_is_object(ev->payload) || !relay_id_ok(ev->event_id) ||
	    !relay_type_ok(ev->type))
		return -1;
	f = evfmt(ev->type);
	url[0] = '\0';
	tx = json_object_get(ev->payload, "txId");
	if (strcmp(ev->type, "TX_APPROVAL_REQUIRED") == 0 &&
	    json_is_string(tx) && relay_id_ok(json_string_value(tx)))
		approval_link(cn, ev, json_string_value(tx), url, sizeof(url));
	/* The payload without what the envelope says, plus the link (to
	 * the webhook: the page alone, it never has ownerLink). */
	*why = "out of memory";
	if ((data = json_deep_copy(ev->payload)) == NULL)
		return -1;
	json_object_del(data, "event");
	json_object_del(data, "timestamp");
	json_object_del(data, "ownerLink");
	if (url[0] != '\0')
		json_object_set_new(data, "approvalUrl", json_string(url));
	if ((text = wipe_malloc(RELAY_TEXT_MAX + 1)) == NULL)
		goto out;
	event_text(ev, f->title, url, text, RELAY_TEXT_MAX + 1);
	*why = "request too large";
	switch (ev->channel) {
	case NOTIFY_WEBHOOK:
		r = build_webhook(cn, ev, data, m);
		break;
	case NOTIFY_NTFY:
		r = build_ntfy(cn, ev, f, url, text, m);
		break;
	case NOTIFY_TELEGRAM:
		r = build_telegram(cn, url, text, m);
		break;
	}
out:
	json_decref(data);
	wipe_free(text);
	sodium_memzero(url, sizeof(url));	/* the link's nonces */
	if (r == -1)
		relay_msg_clear(m);
	return r;
}

void
relay_msg_clear(struct relay_msg *m)
{
	wipe_free(m->body);
	sodium_memzero(m, sizeof(*m));
}

long
relay_retry_after(const char *v, time_t now)
{
	time_t	t;
	long	s = 0;
	size_t	i;

	if (v == NULL || v[0] == '\0')
		return 0;
	if (strspn(v, "0123456789") == strlen(v)) {
		for (i = 0; v[i] != '\0' && s <= RELAY_RETRY_MAX; i++)
			s = s * 10 + (v[i] - '0');
	} else if ((t = curl_getdate(v, NULL)) != -1 && t > now)
		s = t - now > RELAY_RETRY_MAX ? RELAY_RETRY_MAX + 1 :
		    (long)(t - now);
	return s > RELAY_RETRY_MAX ? RELAY_RETRY_MAX : s;
}

/* Worth another try later: timeouts, throttling, server trouble. */
static int
status_transient(long code)
{
	return code == 408 || code == 425 || code == 429 ||
	    (code >= 500 && code <= 599);
}

/*
 * Telegram's answer: {"ok": false, "error_code": N, "description": ...,
 * "parameters": {"retry_after": S}}.  Returns 1 if the body says ok is
 * false (with its code, description and retry_after), 0 otherwise.
 */
static int
telegram_refused(const struct rpc_answer *a, long *code, long *retry,
    char *desc, size_t desclen)
{
	json_t	*j, *v, *p;
	size_t	 i, n = 0;
	int	 r = 0;

	if (a->truncated || (j = json_loadb(a->body, a->len,
	    JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return 0;
	if (json_is_object(j) && json_is_false(json_object_get(j, "ok"))) {
		r = 1;
		v = json_object_get(j, "error_code");
		if (json_is_integer(v) && json_integer_value(v) >= 100 &&
		    json_integer_value(v) <= 599)
			*code = (long)json_integer_value(v);
		p = json_object_get(j, "parameters");
		v = json_object_get(p, "retry_after");
		if (json_is_integer(v) && json_integer_value(v) > 0)
			*retry = json_integer_value(v) > RELAY_RETRY_MAX ?
			    RELAY_RETRY_MAX : (long)json_integer_value(v);
		v = json_object_get(j, "description");
		if (json_is_string(v))
			for (i = 0; json_string_value(v)[i] != '\0' &&
			    n + 1 < desclen && n < 100; i++)
				desc[n++] = json_string_value(v)[i] >= 0x20 &&
				    json_string_value(v)[i] < 0x7f ?
				    json_string_value(v)[i] : '?';
	}
	desc[n] = '\0';
	json_decref(j);
	return r;
}

void
relay_judge(int channel, const struct rpc_answer *a,
    const struct rpc_error *err, const char *secret, time_t now,
    struct relay_result *r)
{
	char	desc[128] = "";
	long	code, retry = 0;

	r->retry_after = 0;
	r->http_status = 0;
	r->error[0] = '\0';
	if (a == NULL) {
		/* No answer: the network, the server, later. */
		r->status = RELAY_RETRY;
		strlcpy(r->error, err != NULL ? err->message : "no answer",
		    sizeof(r->error));
		return;
	}
	code = a->status;
	r->http_status = (int32_t)code;
	retry = relay_retry_after(a->retry_after, now);
	if (channel == NOTIFY_TELEGRAM && telegram_refused(a, &code, &retry,
	    desc, sizeof(desc)) && code >= 200 && code <= 299)
		code = 400;	/* ok: false is a refusal whatever the status */
	if (code >= 200 && code <= 299) {
		r->status = RELAY_OK;
		return;
	}
	r->status = status_transient(code) ? RELAY_RETRY : RELAY_FAIL;
	r->retry_after = r->status == RELAY_RETRY ? (uint32_t)retry : 0;
	/* A server may echo what it got; never let it echo a credential. */
	if (desc[0] != '\0' && secret != NULL && secret[0] != '\0' &&
	    strstr(desc, secret) != NULL)
		strlcpy(desc, "(description withheld)", sizeof(desc));
	snprintf(r->error, sizeof(r->error), "HTTP %ld%s%s", code,
	    desc[0] != '\0' ? ": " : "", desc);
}
