/*
 * The api's heap after a burst.  What the api holds per request in
 * flight (the connection and its buffers, the request queued for
 * policyd) is freed when the answer is out, but glibc keeps freed
 * memory inside the heap: it returns only the free top, and only past
 * a threshold that it raises by itself each time a large block is
 * freed.  So the api's resident set followed the most requests it ever
 * had in flight (bounded by max_connections), not the requests it had:
 * 800 reads at once on 800 connections left 4.5 MiB more resident for
 * good.  Under a steady load it stays flat (no leak: the bytes in use
 * were the same after 858 k requests).
 *
 * Worse, libevent keeps a small record (48 bytes here) for every
 * descriptor number it has watched, made the first time the number is
 * seen and kept for good.  Made during a burst, each lands between the
 * blocks of two connections, and once these are freed the heap is a
 * row of 3.5 KiB holes pinned by live records: nothing there can be
 * given back, even by malloc_trim(3) (which alone left 2.7 MiB of the
 * 4.5).  So the records for every number the api may open (its
 * descriptor limit, max_connections plus a margin) are made first
 * thing at start-up, side by side: about 200 KiB, and four system calls
 * per number (9 ms for 4,224 on a busy machine).
 *
 * Then two things keep the rest small.  The thresholds are fixed (glibc
 * raises its own as it goes): a block of 1 MiB or more is mapped on its
 * own and unmapped when freed, and a free top of more than 1 MiB is
 * given back.  Not lower: libcurl copies the CA bundle (some 220 KB)
 * several times into every https transfer, and at glibc's default of
 * 128 KiB each copy was an mmap, its page faults and an munmap, which
 * doubled the api's CPU per dry run against an https node (h23-rpc's
 * measure).  And every HEAP_CHECK_SECS a
 * timer gives the whole free pages inside the heap back with
 * malloc_trim(3) (see heap_check), once after start-up too (the route
 * table, the documents and the pages leave about 2 MiB free).  Pages
 * used again come back zeroed; a check is a walk of malloc's bins, a
 * trim one madvise(2) per free block that holds whole pages.  After the
 * same burst the api is back within 0.3 MiB of idle.
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
#define HEAP_THRESHOLD		(1024 * 1024)

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

static void
fdmap_nop(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
}

/* Watch a copy of fd under number d for a moment; -1 if d is taken. */
static int
fdmap_one(struct event *ev, int fd, int d)
{
	int	c;

	if ((c = fcntl(fd, F_DUPFD_CLOEXEC, d)) == -1)
		return -1;
	if (event_assign(ev, api.base, c, EV_READ, fdmap_nop, NULL) == -1 ||
	    event_add(ev, NULL) == -1 || event_del(ev) == -1)
		fatalx("heap_fdmap: descriptor %d", c);
	close(c);
	return c;
}

/*
 * libevent's record for each descriptor number below max, the limit
 * the sandbox will set.  The highest first, so that its table of them
 * is sized once.
 */
static void
heap_fdmap(int fd, int max)
{
	struct event	*ev;
	int		 d, n = 0;

	if ((ev = event_new(api.base, -1, 0, fdmap_nop, NULL)) == NULL)
		fatalx("heap_fdmap: event_new");
	(void)fdmap_one(ev, fd, max - 1);
	for (d = 0; d < max; d++) {
		if ((d = fdmap_one(ev, fd, d)) == -1) {
			if (errno != EMFILE && errno != EINVAL)
				fatal("heap_fdmap: fcntl");
			break;
		}
		n++;
	}
	event_free(ev);
	log_debug("heap: libevent's records for %d descriptors", n);
}

/*
 * Right after the event base, before the start-up's own blocks: glibc's
 * thresholds, and the descriptor records at the bottom of the heap,
 * where nothing freed later sits between them.  fd is any descriptor
 * libevent can watch (the listening socket), nofile the descriptor
 * limit the api will run with.
 */
void
api_heap_init(int fd, unsigned int nofile)
{
	if (mallopt(M_MMAP_THRESHOLD, HEAP_THRESHOLD) != 1 ||
	    mallopt(M_TRIM_THRESHOLD, HEAP_THRESHOLD) != 1)
		log_debug("mallopt: heap thresholds not set");	/* ASan */
	heap_fdmap(fd, nofile > 65536 ? 65536 : (int)nofile);
}

/* Start-up done, before the sandbox: its leftovers back, and the timer. */
void
api_heap_watch(void)
{
	struct timeval	tv = { HEAP_CHECK_SECS, 0 };

	if ((HP.ev = event_new(api.base, -1, EV_PERSIST, heap_check,
	    NULL)) == NULL || event_add(HP.ev, &tv) == -1)
		fatalx("api_heap_watch");
	heap_trim();
}
