/*
 * relay's pure parts, apart from its loop so that a test or a fuzzer can
 * drive them: what one event looks like on each channel (URL, headers,
 * body), and what a channel's answer means (delivered, retry when, or
 * never).  Nothing here logs, and nothing returned quotes a credential.
 */
#ifndef WAIAAS_RELAY_H
#define WAIAAS_RELAY_H

#include <time.h>

#include <jansson.h>

#include "msg.h"
#include "rpc.h"

#define RELAY_URL_MAX		(NET_URL_MAX + NOTIFY_SECRET_MAX + 64)
#define RELAY_HDRS_MAX		10
#define RELAY_HDR_MAX		(2 * NET_URL_MAX + 128)
#define RELAY_TEXT_MAX		3000	/* Telegram allows 4096 */
/* the approval link, with its fragment: it fits in a text */
#define RELAY_LINK_MAX		(NET_URL_MAX + 64)
#define RELAY_VALUE_MAX		200	/* bytes of one value shown */
#define RELAY_RETRY_MAX		86400	/* s: a longer Retry-After is cut */

/* One event for one channel, as policyd sent it. */
struct relay_event {
	int		 channel;	/* NOTIFY_* */
	const char	*event_id;
	const char	*type;
	long long	 created_at;
	long long	 now;		/* this attempt */
	json_t		*payload;	/* an object; borrowed */
};

/* One request: everything may hold a credential; relay_msg_clear(). */
struct relay_msg {
	char		 url[RELAY_URL_MAX];
	char		 hdr[RELAY_HDRS_MAX][RELAY_HDR_MAX];
	const char	*hdrs[RELAY_HDRS_MAX + 1];	/* NULL-ended */
	int		 nhdrs;
	char		*body;		/* wipe_free()d by relay_msg_clear */
	size_t		 len;
};

/* 0, or -1 with why (no credential in it). */
int	relay_build(const struct ctl_notify *, const struct relay_event *,
	    struct relay_msg *, const char **);
void	relay_msg_clear(struct relay_msg *);
/*
 * What an answer (or err, no answer at all) means: r's status,
 * retry_after, http_status and error.  secret: the channel's, which the
 * error text must not repeat.
 */
void	relay_judge(int, const struct rpc_answer *, const struct rpc_error *,
	    const char *, time_t, struct relay_result *);
/* Retry-After (seconds or an HTTP date): s from now, 0 if none. */
long	relay_retry_after(const char *, time_t);
int	relay_id_ok(const char *);
int	relay_type_ok(const char *);

#endif
