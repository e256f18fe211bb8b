#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsgev.h"
#include "log.h"

static void
imsgev_closed(struct imsgev *iev)
{
	if (iev->closed != NULL) {
		iev->closed(iev);
		return;
	}
	/* A child: the parent stopping, or a peer gone; the parent logs why. */
	log_info("channel to %s closed, exiting", iev->ch.name);
	exit(0);
}

/* Throttled (imsgev_throttle): the write queue is past half its room. */
static int
imsgev_full(const struct imsgev *iev)
{
	return iev->throttle && imsgchan_room(&iev->ch) < iev->ch.wmax / 2;
}

/* The messages read so far, unless the channel is throttled. */
static void
imsgev_dispatch(struct imsgev *iev)
{
	struct imsg	imsg;
	int		r;

	while (!imsgev_full(iev) && (r = imsgchan_get(&iev->ch, &imsg)) != 0) {
		if (r == -1)
			fatalx("channel from %s: %s", iev->ch.name,
			    iev->ch.err);
		imsg_dispatch(&iev->ch, &imsg, iev->rules, iev->nrules,
		    iev->arg);
	}
	if (iev->drained != NULL)
		iev->drained(iev);
}

/*
 * fn runs after each run of the channel's handlers over what it had
 * read, before any other event's callback: what those handlers shared
 * ends there (policyd's read transaction).
 */
void
imsgev_on_drained(struct imsgev *iev, void (*fn)(struct imsgev *))
{
	iev->drained = fn;
}

static void
imsgev_cb(evutil_socket_t fd, short what, void *arg)
{
	struct imsgev	*iev = arg;
	ssize_t		 n;

	(void)fd;
	if (what & EV_WRITE) {
		if (imsgchan_flush(&iev->ch) == -1) {
			if (errno == EPIPE || errno == ECONNRESET) {
				imsgev_closed(iev);
				return;
			}
			fatal("write to %s", iev->ch.name);
		}
	}
	if (what & EV_READ) {
		n = imsgchan_read(&iev->ch);
		if (n == 0 || (n == -1 && errno == ECONNRESET)) {
			imsgev_closed(iev);
			return;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR) {
			if (errno == EBADMSG)
				fatalx("channel from %s: %s", iev->ch.name,
				    iev->ch.err);
			fatal("read from %s", iev->ch.name);
		}
	}
	/* After a write too: what a throttled channel kept waits no more. */
	imsgev_dispatch(iev);
	imsgev_update(iev);
}

int
imsgev_init(struct imsgev *iev, struct event_base *base, int fd,
    const char *name, size_t max, size_t wmax, int passfd,
    const struct imsg_rule *rules, size_t nrules, void *arg,
    void (*closed)(struct imsgev *))
{
	memset(iev, 0, sizeof(*iev));
	if (imsgchan_init(&iev->ch, fd, name, max, wmax, passfd) == -1)
		return -1;
	iev->rules = rules;
	iev->nrules = nrules;
	iev->arg = arg;
	iev->closed = closed;
	iev->events = EV_READ;
	if ((iev->ev = event_new(base, fd, EV_READ | EV_PERSIST, imsgev_cb,
	    iev)) == NULL)
		return -1;
	return event_add(iev->ev, NULL);
}

void
imsgev_free(struct imsgev *iev)
{
	if (iev->flush != NULL) {
		event_free(iev->flush);
		iev->flush = NULL;
	}
	if (iev->ev != NULL) {
		event_free(iev->ev);
		iev->ev = NULL;
	}
	if (iev->ch.rbuf != NULL) {
		close(iev->ch.fd);
		imsgchan_clear(&iev->ch);
	}
}

void
imsgev_update(struct imsgev *iev)
{
	/* Throttled, it reads no more: what it read waits in the buffer. */
	short	want = imsgev_full(iev) ? 0 : EV_READ;

	if (iev->ev == NULL)
		return;
	/* A flush to come in this turn needs no write event; nor does a
	 * queue whose first message is held. */
	if (imsgchan_writable(&iev->ch) && !iev->flushing)
		want |= EV_WRITE;
	if (want == iev->events)
		return;
	iev->events = want;
	event_del(iev->ev);
	if (want == 0)
		return;		/* the flush to come sets it again */
	event_assign(iev->ev, event_get_base(iev->ev), iev->ch.fd,
	    want | EV_PERSIST, imsgev_cb, iev);
	event_add(iev->ev, NULL);
}

/*
 * Backpressure for a channel whose answers are large (policyd's to the
 * api, a list up to a MiB each): once its write queue is past half its
 * room, it reads and dispatches nothing more until the peer has taken
 * enough, so that an answer never finds the queue full.  A request
 * answers at most one message, far less than half the room, so a
 * request dispatched below the mark always fits.  Only for a peer that
 * reads whatever it is sent (the api), or the two would wait on each
 * other.
 */
void
imsgev_throttle(struct imsgev *iev)
{
	iev->throttle = 1;
}

/*
 * Write at once what the socket takes: a message waits for the next
 * turn of the loop only when the peer is behind.  A write error is left
 * for the callback, which sees it again and handles it.
 */
static void
imsgev_write_through(struct imsgev *iev)
{
	int	save = errno;

	(void)imsgchan_flush(&iev->ch);
	errno = save;
	imsgev_update(iev);
}

static void
imsgev_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct imsgev	*iev = arg;

	(void)fd;
	(void)what;
	iev->flushing = 0;
	imsgev_write_through(iev);
	/* Room made: what a throttled channel kept, then its events. */
	if (iev->throttle) {
		imsgev_dispatch(iev);
		imsgev_update(iev);
	}
}

/*
 * Messages composed in one turn of the loop go out in one write at its
 * end, when every callback that was ready has run: a busy channel (the
 * api's requests, policyd's answers) makes one system call for many
 * messages, where it made one each.  The flush is an event made active,
 * not a timer: it runs in the same turn, so nothing waits longer.
 */
void
imsgev_batch(struct imsgev *iev)
{
	if (iev->flush == NULL && (iev->flush = event_new(
	    event_get_base(iev->ev), -1, 0, imsgev_flush_cb, iev)) == NULL)
		fatalx("imsgev_batch: event_new");
}

static void
imsgev_queued(struct imsgev *iev)
{
	if (iev->flush == NULL) {
		imsgev_write_through(iev);
		return;
	}
	if (!iev->flushing) {
		iev->flushing = 1;
		event_active(iev->flush, 0, 0);
	}
}

int
imsgev_composev(struct imsgev *iev, uint32_t type, uint32_t peerid, int fd,
    const struct iovec *iov, int iovcnt)
{
	if (imsgchan_composev(&iev->ch, type, peerid, fd, iov, iovcnt) == -1)
		return -1;
	imsgev_queued(iev);
	return 0;
}

int
imsgev_compose(struct imsgev *iev, uint32_t type, uint32_t peerid, int fd,
    const void *data, size_t len)
{
	if (imsgchan_compose(&iev->ch, type, peerid, fd, data, len) == -1)
		return -1;
	imsgev_queued(iev);
	return 0;
}

/*
 * A message that may pass held ones (imsgchan_composev_ahead), written
 * at once even on a batched channel: such a message is a question that
 * changes nothing, and at the end of the turn policyd's group commit,
 * made active before it, would sync the disk first.
 */
int
imsgev_composev_ahead(struct imsgev *iev, uint32_t type, uint32_t peerid,
    const struct iovec *iov, int iovcnt)
{
	if (imsgchan_composev_ahead(&iev->ch, type, peerid, iov, iovcnt) ==
	    -1)
		return -1;
	imsgev_write_through(iev);
	return 0;
}

/* Messages queued from now on wait for imsgev_release(). */
void
imsgev_hold(struct imsgev *iev)
{
	imsgchan_hold(&iev->ch);
}

/* The held messages go now, as far as the socket takes them. */
void
imsgev_release(struct imsgev *iev)
{
	imsgchan_release(&iev->ch);
	imsgev_write_through(iev);
}
