/*
 * The owner's approval link (issue 20): what a TX_APPROVAL_REQUIRED push
 * (ntfy, Telegram) carries so that the owner can approve or reject from
 * a static page without ever reaching the daemon.  Made when the pump
 * hands the event to relay, never stored: a nonce bound to tx.approve
 * and one bound to tx.reject of this transaction, both expiring with the
 * approval (policyd_owner.c mints them; each is single use like any
 * other), and what the page needs to write the message policyd accepts:
 * the owner's address and chain, the Chain ID line and the domain, the
 * intent and when the approval expires; and to show the amount, the
 * network's coin and its decimals.
 *
 * None of it approves anything: only the owner's signature over a
 * message with one of these nonces, this transaction's id and its
 * intent does, verified by the REST route's own code.  The nonces still
 * stay out of logs and out of the webhook channel (only the owner's push
 * channels get them), as the reply topic does.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "log.h"
#include "network.h"
#include "policyd.h"
#include "util.h"

/*
 * The event's payload with "ownerLink" added, as new text (wipe_free()
 * it), or NULL when there is nothing to add: not a transaction that
 * still waits for its owner's approval, or no owner.
 */
char *
link_payload(const char *payload, size_t len)
{
	sqlite3_stmt		*st;
	const struct network	*net;
	const char		*id, *owner, *dom;
	char			 a[OWNER_NONCE_HEX], r[OWNER_NONCE_HEX];
	char			 cid[24], intent[1024], hex[65], *text = NULL;
	json_t			*p, *l;
	long long		 exp, now = (long long)time(NULL);

	if ((p = json_loadb(payload, len, 0, NULL)) == NULL)
		return NULL;
	id = json_string_value(json_object_get(p, "txId"));
	/* The intent the owner's signature must bind, as policyd checks
	 * it: from the stored transaction, a transfer's or a message's
	 * (whose event has none of its own). */
	if (id == NULL || !ks_valid_id(id, strlen(id)) ||
	    tx_intent(id, intent, sizeof(intent), hex) == -1) {
		json_decref(p);
		return NULL;
	}
	st = store_prepare("SELECT t.expires_at, t.network, w.owner_address, "
	    "w.chain FROM transactions t JOIN wallets w ON w.id = t.wallet_id "
	    "WHERE t.id = ? AND t.status = 'QUEUED' AND t.tier = 'APPROVAL' "
	    "AND t.expires_at > ? AND w.owner_state != 'NONE' AND "
	    "coalesce(w.owner_address, '') != ''");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now);
	if (sqlite3_step(st) != SQLITE_ROW || (net = net_find((const char *)
	    sqlite3_column_text(st, 1))) == NULL) {
		sqlite3_finalize(st);
		json_decref(p);
		return NULL;
	}
	exp = sqlite3_column_int64(st, 0);
	owner = (const char *)sqlite3_column_text(st, 2);
	if (net->chain == KS_CHAIN_ETHEREUM)
		snprintf(cid, sizeof(cid), "%llu",
		    (unsigned long long)net->chain_id);
	else
		strlcpy(cid, net->name, sizeof(cid));
	/* The domain the owner's message names: where the daemon is
	 * published, or else its own address. */
	dom = pd.p->cfg.public_domain[0] != '\0' ? pd.p->cfg.public_domain :
	    owner_domains()[0];
	owner_link_nonce("tx.approve", id, (uint32_t)exp, a);
	owner_link_nonce("tx.reject", id, (uint32_t)exp, r);
	l = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:I}",
	    "owner", owner, "chain", (const char *)sqlite3_column_text(st, 3),
	    "chainId", cid, "domain", dom, "approveNonce", a, "rejectNonce", r,
	    "symbol", net->symbol, "decimals", (int)net->decimals,
	    "intent", intent, "expiresAt", (json_int_t)exp);
	sqlite3_finalize(st);
	sodium_memzero(a, sizeof(a));
	sodium_memzero(r, sizeof(r));
	if (l != NULL && json_object_set_new(p, "ownerLink", l) == 0)
		text = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(p);
	return text;
}
