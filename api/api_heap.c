/*
 * The api's heap after a burst.  What the api holds per request in
 * flight (the connection and its buffers, the request queued for
 * policyd) is freed when the answer is out, but glibc keeps freed
 * memory inside the heap: it returns only the free top, and only past
 * a threshold that it raises by itself each time a large block is
 * freed.  So the api's resident set follows the most requests it ever
 * had in flight (bounded by max_connections), not the requests it has
 * now: a burst of a thousand connections left 4 MiB more resident for
 * good, and under a steady load the figure stays flat.
 *
 * Worse, libevent keeps a small record (48 bytes here) for every
 * descriptor number it has watched, made the first time the number is
 * seen and kept for good.  Made during a burst, each lands between the
 * blocks of two connections, and once these are freed the heap is a
 * row of 3.5 KiB holes pinned by live records: nothing there can be
 * given back, not even by malloc_trim(3).  So the records for every
 * number the api may open (its descriptor limit, max_connections plus
 * a margin) are made at start-up, side by side, about 200 KiB.
 *
 * Then two things keep the rest small.  The thresholds are fixed at
 * glibc's defaults, so a block of 128 KiB or more (a large request body) is
 * mapped on its own and unmapped when freed, and a free top of more
 * than 128 KiB is given back.  And every HEAP_CHECK_SECS a timer gives
 * the whole free pages inside the heap back with malloc_trim(3) (see
 * heap_check), once after start-up too (the route table, the documents
 * and the pages leave about 2 MiB free).  Pages used again come back
 * zeroed; a check is a walk of malloc's bins, a trim one madvise(2) per
 * free block that holds whole pages.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <event2/event.h>

#include "api.h"
#include "log.h"

#define HEAP_CHECK_SECS		5
#define HEAP_SLACK		(1024 * 1024)
#define HEAP_THRESHOLD		(128 * 1024)

static struct {
	struct event		*ev;
	struct mallinfo2	 last;		/* after the last trim */
	uint64_t		 activity;	/* http_activity() then */
} HP;

static void
heap_trim(void)
{
	(void)malloc_trim(0);
	HP.last = mallinfo2();
	HP.activity = http_activity();
}

/*
 * Freed pages that were used again are resident again, and glibc's
 * counts cannot tell them from the pages given back: so the trim runs
 * whenever more than HEAP_SLACK is free and the api has done anything
 * since the last one (a connection, a request, or any change in the
 * heap's counts); an idle api is left alone.
 */
static void
heap_check(evutil_socket_t fd, short ev, void *arg)
{
	struct mallinfo2	mi = mallinfo2();

	(void)fd;
	(void)ev;
	(void)arg;
	if (mi.fordblks > HEAP_SLACK && (http_activity() != HP.activity ||
	    mi.arena != HP.last.arena || mi.uordblks != HP.last.uordblks ||
	    mi.fordblks != HP.last.fordblks))
		heap_trim();
}

/* First thing in api_main(): before the start-up's own blocks. */
void
api_heap_thresholds(void)
{
	if (mallopt(M_MMAP_THRESHOLD, HEAP_THRESHOLD) != 1 ||
	    mallopt(M_TRIM_THRESHOLD, HEAP_THRESHOLD) != 1)
		log_debug("mallopt: heap thresholds not set");	/* ASan */
}

static void
fdmap_nop(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
}

/*
 * libevent's record for each descriptor number below the limit, made
 * by watching a copy of fd under that number for a moment.
 */
static void
heap_fdmap(int fd)
{
	struct event	*ev;
	int		 d, n = 0;

	if ((ev = event_new(api.base, -1, 0, fdmap_nop, NULL)) == NULL)
		fatalx("heap_fdmap: event_new");
	for (d = 0; (d = fcntl(fd, F_DUPFD_CLOEXEC, d)) != -1; d++, n++) {
		if (event_assign(ev, api.base, d, EV_READ, fdmap_nop,
		    NULL) == -1 || event_add(ev, NULL) == -1 ||
		    event_del(ev) == -1)
			fatalx("heap_fdmap: descriptor %d", d);
		close(d);
	}
	if (errno != EMFILE && errno != EINVAL)
		fatal("heap_fdmap: fcntl");
	event_free(ev);
	log_debug("heap: libevent's records for %d descriptors", n);
}

/*
 * Once start-up is done, before the sandbox: the descriptor records,
 * the start-up's leftovers given back, and the timer.  fd is any
 * descriptor libevent can watch (the listening socket).
 */
void
api_heap_init(int fd)
{
	struct timeval	tv = { HEAP_CHECK_SECS, 0 };

	if ((HP.ev = event_new(api.base, -1, EV_PERSIST, heap_check,
	    NULL)) == NULL || event_add(HP.ev, &tv) == -1)
		fatalx("api_heap_init");
	heap_fdmap(fd);
	heap_trim();
}
