/* An imsg channel driven by a libevent loop. */
#ifndef WAIAAS_IMSGEV_H
#define WAIAAS_IMSGEV_H

#include <event2/event.h>

#include "imsg.h"

struct imsgev {
	struct imsgchan		 ch;
	struct event		*ev;
	short			 events;
	const struct imsg_rule	*rules;
	size_t			 nrules;
	void			*arg;
	void			(*closed)(struct imsgev *);
	struct event		*flush;		/* imsgev_batch() */
	int			 flushing;
	int			 throttle;	/* imsgev_throttle() */
	void			(*drained)(struct imsgev *);
};

int	imsgev_init(struct imsgev *, struct event_base *, int, const char *,
	    size_t, size_t, int, const struct imsg_rule *, size_t, void *,
	    void (*)(struct imsgev *));
void	imsgev_free(struct imsgev *);
void	imsgev_update(struct imsgev *);
void	imsgev_batch(struct imsgev *);
void	imsgev_throttle(struct imsgev *);
void	imsgev_on_drained(struct imsgev *, void (*)(struct imsgev *));
int	imsgev_compose(struct imsgev *, uint32_t, uint32_t, int, const void *,
	    size_t);
int	imsgev_composev(struct imsgev *, uint32_t, uint32_t, int,
	    const struct iovec *, int);
int	imsgev_composev_ahead(struct imsgev *, uint32_t, uint32_t,
	    const struct iovec *, int);
void	imsgev_hold(struct imsgev *);
void	imsgev_release(struct imsgev *);

#endif
