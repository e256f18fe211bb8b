/*
 * Look-ups for the fetch process (x402): it has no resolver, so it asks
 * the parent for a host's addresses before each hop, and judges them
 * itself.  The parent must never wait on DNS: each look-up runs in
 * glibc's getaddrinfo_a(3) thread and a timer collects the answers.  At
 * most LOOKUPS_MAX run at once; a look-up that outlives LOOKUP_MS is
 * answered as failed and its slot stays taken until glibc lets it go,
 * so a slow resolver fills the table and further asks fail at once
 * instead of queueing.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "log.h"
#include "parent.h"
#include "util.h"

#define LOOKUPS_MAX	8
#define LOOKUP_MS	5000
#define LOOKUP_POLL_MS	5

static struct lookup {
	struct gaicb	 cb;
	struct addrinfo	 hints;
	char		 host[FETCH_HOST_MAX + 1];
	uint32_t	 id;
	long long	 deadline;	/* monotonic ms */
	int		 used;
	int		 answered;	/* failed for the time: only collect */
} lk[LOOKUPS_MAX];

static struct event	*poll_ev;

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
answer(const struct fetch_addrs *a)
{
	if (imsgev_compose(&P.child[PROC_FETCH].iev, IMSG_CTL_FETCH_ADDRS, 0,
	    -1, a, sizeof(*a)) == -1)
		fatal("IMSG_CTL_FETCH_ADDRS");
}

static void
answer_fail(uint32_t id, int status)
{
	struct fetch_addrs	a;

	memset(&a, 0, sizeof(a));
	a.id = id;
	a.status = status;
	answer(&a);
}

/* The distinct addresses of a finished look-up, as text. */
static void
answer_result(struct lookup *l, int gai)
{
	struct fetch_addrs	 a;
	struct addrinfo		*ai;
	char			 t[FETCH_ADDR_LEN];
	const void		*p;
	uint32_t		 i;

	memset(&a, 0, sizeof(a));
	a.id = l->id;
	a.status = gai;
	for (ai = gai == 0 ? l->cb.ar_result : NULL; ai != NULL &&
	    a.n < FETCH_ADDRS_MAX; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			p = &((struct sockaddr_in *)(void *)
			    ai->ai_addr)->sin_addr;
		else if (ai->ai_family == AF_INET6)
			p = &((struct sockaddr_in6 *)(void *)
			    ai->ai_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(ai->ai_family, p, t, sizeof(t)) == NULL)
			continue;
		for (i = 0; i < a.n && strcmp(a.addr[i], t) != 0; i++)
			;
		if (i == a.n)
			strlcpy(a.addr[a.n++], t, sizeof(a.addr[0]));
	}
	if (gai == 0 && a.n == 0)
		a.status = EAI_NODATA;
	answer(&a);
}

static void
poll_arm(void)
{
	struct timeval	tv = { 0, LOOKUP_POLL_MS * 1000 };

	if (!evtimer_pending(poll_ev, NULL))
		evtimer_add(poll_ev, &tv);
}

static void
poll_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct lookup	*l;
	long long	 now = now_ms();
	size_t		 i;
	int		 gai, busy = 0;

	(void)fd;
	(void)ev;
	(void)arg;
	for (i = 0; i < LOOKUPS_MAX; i++) {
		l = &lk[i];
		if (!l->used)
			continue;
		if ((gai = gai_error(&l->cb)) == EAI_INPROGRESS) {
			if (!l->answered && now >= l->deadline) {
				answer_fail(l->id, EAI_AGAIN);
				l->answered = 1;
				(void)gai_cancel(&l->cb);
			}
			busy = 1;
			continue;
		}
		if (!l->answered)
			answer_result(l, gai);
		if (l->cb.ar_result != NULL)
			freeaddrinfo(l->cb.ar_result);
		memset(l, 0, sizeof(*l));
	}
	if (busy)
		poll_arm();
}

/* A host name as url.c accepts one, or an address literal: no spaces,
 * nothing a resolver would read as a search or a service. */
static int
host_ok(const char *h)
{
	size_t	n = strlen(h);

	if (n == 0 || n > FETCH_HOST_MAX)
		return 0;
	for (; *h != '\0'; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') ||
		    (*h >= '0' && *h <= '9') || *h == '-' || *h == '.' ||
		    *h == '_' || *h == ':'))
			return 0;
	return 1;
}

void
ctl_fetch_resolve(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	struct fetch_resolve	 r;
	struct gaicb		*list[1];
	struct lookup		*l = NULL;
	size_t			 i;

	(void)ch;
	(void)arg;
	memcpy(&r, imsg->data, sizeof(r));
	if (memchr(r.host, '\0', sizeof(r.host)) == NULL || !host_ok(r.host))
		fatalx("IMSG_CTL_FETCH_RESOLVE: malformed");
	if (poll_ev == NULL && (poll_ev = evtimer_new(P.base, poll_cb,
	    NULL)) == NULL)
		fatalx("evtimer_new");
	for (i = 0; i < LOOKUPS_MAX && l == NULL; i++)
		if (!lk[i].used)
			l = &lk[i];
	if (l == NULL) {
		answer_fail(r.id, EAI_AGAIN);
		return;
	}
	memset(l, 0, sizeof(*l));
	strlcpy(l->host, r.host, sizeof(l->host));
	l->id = r.id;
	l->hints.ai_family = AF_UNSPEC;
	l->hints.ai_socktype = SOCK_STREAM;
	l->cb.ar_name = l->host;
	l->cb.ar_request = &l->hints;
	list[0] = &l->cb;
	if (getaddrinfo_a(GAI_NOWAIT, list, 1, NULL) != 0) {
		memset(l, 0, sizeof(*l));
		answer_fail(r.id, EAI_AGAIN);
		return;
	}
	l->used = 1;
	l->deadline = now_ms() + LOOKUP_MS;
	poll_arm();
}
