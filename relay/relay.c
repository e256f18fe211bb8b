/*
 * relay: forwards notifications from policyd's outbox to the configured
 * channels.  It holds channel credentials and nothing else: no keys, no
 * tokens, no master password, no files after start-up.
 */
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "imsgev.h"
#include "log.h"
#include "proc.h"
#include "util.h"

static struct {
	struct proc		*p;
	struct event_base	*base;
	struct imsgev		 parent;
	struct imsgev		 policyd;
} rl;

void
relay_main(struct proc *p)
{
	size_t	max, wmax;

	rl.p = p;
	if ((rl.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	proc_chan_sizes(PROC_RELAY, PROC_POLICYD, &max, &wmax);
	if (imsgev_init(&rl.policyd, rl.base, p->peerfd[PROC_POLICYD],
	    "policyd", max, wmax, 0, NULL, 0, NULL, NULL) == -1)
		fatal("imsgev_init");

	proc_sandbox(p);
	if (imsgev_init(&rl.parent, rl.base, 3, "parent", CHAN_CTL_MAX,
	    CHAN_CTL_WMAX, 0, NULL, 0, NULL, NULL) == -1)
		fatal("imsgev_init");
	event_base_dispatch(rl.base);
	fatalx("event loop ended");
}
