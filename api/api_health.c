/*
 * GET /health answers only after a round trip api -> policyd -> signer
 * that started after the request arrived.  Requests that arrive while a
 * ping is out wait for the next one, so under load one ping answers many
 * requests and the proof still holds for each.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "api.h"
#include "routes.h"
#include "log.h"
#include "version.h"
#include "wipe.h"

#define HEALTH_WAIT_MAX		4096
#define HEALTH_TIMEOUT_MS	2000

static struct {
	struct http_req	*cur[HEALTH_WAIT_MAX];	/* ping is out */
	size_t			 ncur;
	struct http_req	*next[HEALTH_WAIT_MAX];	/* wait for next */
	size_t			 nnext;
	uint32_t		 seq;
	int			 inflight;
	struct event		*ev_timeout;
} H;

static void
fail_current(const char *why)
{
	size_t	i;

	for (i = 0; i < H.ncur; i++)
		http_error(H.cur[i], 503, "SERVICE_UNAVAILABLE", why, 1, NULL);
	H.ncur = 0;
	H.inflight = 0;
}

static void
health_ping(void)
{
	struct timeval	tv = { HEALTH_TIMEOUT_MS / 1000,
			    (HEALTH_TIMEOUT_MS % 1000) * 1000 };

	memcpy(H.cur, H.next, H.nnext * sizeof(H.next[0]));
	H.ncur = H.nnext;
	H.nnext = 0;
	H.seq++;
	H.inflight = 1;
	if (imsgev_compose(&api.policyd, IMSG_HEALTH_PING, H.seq, -1, NULL,
	    0) == -1) {
		if (errno != ENOBUFS)
			fatal("IMSG_HEALTH_PING");
		fail_current("internal channel busy");
		return;
	}
	evtimer_add(H.ev_timeout, &tv);
}

static void
health_timeout(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	log_warnx("health: no answer from policyd/signer in %d ms",
	    HEALTH_TIMEOUT_MS);
	fail_current("policyd or signer did not answer");
	if (H.nnext > 0)
		health_ping();
}

void
api_health_init(void)
{
	if ((H.ev_timeout = evtimer_new(api.base, health_timeout,
	    NULL)) == NULL)
		fatalx("evtimer_new");
}

void
api_health(struct http_req *req, const struct route *rt, const char *param,
    size_t plen)
{
	(void)rt;
	(void)param;
	(void)plen;
	if (H.nnext == HEALTH_WAIT_MAX) {
		http_error(req, 503, "SERVICE_UNAVAILABLE", "too many health "
		    "checks waiting", 1, NULL);
		return;
	}
	H.next[H.nnext++] = req;
	if (!H.inflight)
		health_ping();
}

/*
 * The reference's fields (this daemon does not look for releases:
 * latestVersion null), then ours: privilege separation, processes, and
 * each network's RPC and the price source as the api last found them.
 */
static json_t *
health_body(const struct health_pong *pong)
{
	json_t	*b;
	int	 full = (api.p->cfg.flags & CTL_F_PRIVSEP) != 0;

	b = json_pack("{s:s, s:s, s:n, s:b, s:i, s:I, s:I,"
	    " s:{s:s, s:b, s:b, s:b}, s:{s:s, s:s, s:s}}",
	    "status", "ok", "version", WAIAAS_VERSION, "latestVersion",
	    "updateAvailable", 0, "schemaVersion", (int)pong->schema_version,
	    "uptime", (json_int_t)(time(NULL) - api.p->cfg.start_time),
	    "timestamp", (json_int_t)time(NULL),
	    "privsep", "mode", full ? "full" : "degraded", "uidSeparation",
	    full, "chroot", full, "seccomp", 1,
	    "processes", "api", "ok", "policyd", "ok", "signer", "ok");
	if (b == NULL)
		fatalx("health body");
	if (!full)
		json_object_set_new(json_object_get(b, "privsep"), "warning",
		    json_string("not started as root: all processes share "
		    "one uid and none is chrooted"));
	json_object_set_new(b, "rpc", api_chain_health());
	json_object_set_new(b, "price", api_price_health());
	return b;
}

void
api_health_pong(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct health_pong	 pong;
	json_t			*body;
	char			*s;
	size_t			 i, len;

	(void)ch;
	(void)arg;
	memcpy(&pong, imsg->data, sizeof(pong));
	if (!H.inflight || imsg->hdr.peerid != H.seq) {
		log_debug("health: stale pong %u", imsg->hdr.peerid);
		return;
	}
	evtimer_del(H.ev_timeout);
	/* One answer for every request this pong proves. */
	body = health_body(&pong);
	if ((s = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("health body");
	json_decref(body);
	len = strlen(s);
	for (i = 0; i < H.ncur; i++)
		http_reply(H.cur[i], 200, NULL, s, len);
	wipe_free(s);
	H.ncur = 0;
	H.inflight = 0;
	if (H.nnext > 0)
		health_ping();
}
