/*
 * The owner's replies through the notification channel (issue 20): relay
 * polls the ntfy reply topic and hands over each message line as the
 * server sent it (IMSG_RELAY_REPLY).  Whoever knows the topic, or runs
 * the ntfy server, or relay itself, may put anything there, so nothing in
 * it is trusted: the line is parsed here, within RELAY_REPLY_MAX bytes,
 * and a reply is made into the same request the REST route would get
 * (POST /v1/transactions/{id}/approve or reject, POST
 * /v1/owner/kill-switch?walletId=) with its ownerAuth credential, and
 * served by the same code (pd_serve: owner_check, then the route's
 * handler).  The owner's signature over the single-use, action-bound
 * nonce is what approves; nothing relay or the server adds counts.
 *
 * The message (ntfy's "message", what the approval page posted):
 *   {"waiaas": "owner-reply/1", "action": "tx.approve" | "tx.reject" |
 *    "owner.kill-switch", "target": <transaction or wallet id>,
 *    "address": <owner address>, "message": <the signed EIP-4361 text>,
 *    "signature": <its signature>}
 *
 * The answer goes nowhere (peerid PD_PEER_TOPIC: reply() drops it); the
 * outcome is counted, and a refusal from the topic is not audited (a
 * flood of junk must not fill the audit log): an approval is, by its
 * handler, as from the REST route.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "log.h"
#include "policyd.h"
#include "routes.h"
#include "util.h"

struct reply_stats	reply_stats;

static const struct {
	const char	*action;
	int		 route;
	int		 in_query;	/* target as ?walletId= */
} reply_actions[] = {
	{ "tx.approve",		R_TX_APPROVE,	0 },
	{ "tx.reject",		R_TX_REJECT,	0 },
	{ "owner.kill-switch",	R_OWNER_KILL,	1 },
};

static const char *
str(json_t *o, const char *k, size_t max)
{
	json_t	*v = json_object_get(o, k);

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

/* The request a reply stands for, in r: 0, or -1 if it is junk. */
static int
reply_request(json_t *m, struct api_request *r)
{
	const char	*action, *target, *addr, *msg, *sig;
	size_t		 i, alen, blen, slen;
	int		 route = -1, in_query = 0;

	if (!json_is_object(m) || (action = str(m, "waiaas", 32)) == NULL ||
	    strcmp(action, "owner-reply/1") != 0 ||
	    (action = str(m, "action", 32)) == NULL ||
	    (target = str(m, "target", API_PARAM_MAX)) == NULL ||
	    (addr = str(m, "address", 64)) == NULL ||
	    (msg = str(m, "message", RELAY_REPLY_MAX)) == NULL ||
	    (sig = str(m, "signature", 256)) == NULL)
		return -1;
	for (i = 0; i < nitems(reply_actions); i++)
		if (strcmp(reply_actions[i].action, action) == 0) {
			route = reply_actions[i].route;
			in_query = reply_actions[i].in_query;
		}
	if (route == -1 || !ks_valid_id(target, strlen(target)) ||
	    strpbrk(addr, "\n") != NULL || strpbrk(sig, "\n") != NULL)
		return -1;
	memset(r, 0, sizeof(*r));
	r->route = (uint32_t)route;
	if (in_query)
		snprintf(r->query, sizeof(r->query), "walletId=%s", target);
	else
		strlcpy(r->param, target, sizeof(r->param));
	/* ownerAuth's headers, as the api passes them: address, the
	 * message's base64, the signature. */
	alen = strlen(addr);
	slen = strlen(sig);
	blen = sodium_base64_ENCODED_LEN(strlen(msg),
	    sodium_base64_VARIANT_ORIGINAL);
	if (alen + 1 + blen + 1 + slen > CRED_VALUE_MAX)
		return -1;
	memcpy(r->cred.value, addr, alen);
	r->cred.value[alen] = '\n';
	sodium_bin2base64(r->cred.value + alen + 1, blen,
	    (const uint8_t *)msg, strlen(msg), sodium_base64_VARIANT_ORIGINAL);
	blen = strlen(r->cred.value + alen + 1);
	r->cred.value[alen + 1 + blen] = '\n';
	memcpy(r->cred.value + alen + 1 + blen + 1, sig, slen);
	r->cred.len = (uint32_t)(alen + 1 + blen + 1 + slen);
	r->cred.value[r->cred.len] = '\0';
	r->cred.kind = CRED_OWNER;
	return 0;
}

void
reply_topic(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	static struct api_request	 req;
	struct pd_ctx			 c;
	json_t				*line, *m = NULL;
	const char			*ev, *text;

	(void)ch;
	(void)arg;
	reply_stats.received++;
	line = json_loadb((const char *)imsg->data, imsg->len,
	    JSON_REJECT_DUPLICATES, NULL);
	if (line == NULL || (ev = str(line, "event", 16)) == NULL ||
	    strcmp(ev, "message") != 0 ||
	    (text = str(line, "message", RELAY_REPLY_MAX)) == NULL ||
	    (m = json_loads(text, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    reply_request(m, &req) == -1) {
		reply_stats.junk++;
		json_decref(m);
		json_decref(line);
		return;
	}
	json_decref(m);
	json_decref(line);
	memset(&c, 0, sizeof(c));
	c.peerid = PD_PEER_TOPIC;
	c.route = (int)req.route;
	c.req = &req;
	c.now = (long long)time(NULL);
	pd.topic_status = 0;
	pd_serve(&c);
	sodium_memzero(req.cred.value, sizeof(req.cred.value));
	if (pd.topic_status >= 200 && pd.topic_status <= 299) {
		reply_stats.accepted++;
		log_info("reply topic: %s %s by the owner",
		    routes[c.route].name, req.param[0] != '\0' ? req.param :
		    req.query);
	} else {
		reply_stats.refused++;
		log_debug("reply topic: %s refused (%d)", routes[c.route].name,
		    pd.topic_status);
	}
}
