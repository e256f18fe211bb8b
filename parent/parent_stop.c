/*
 * Signals, a child's death and the shutdown: closing the channels asks
 * every child to exit; any child's death ends the daemon.
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdlib.h>

#include <event2/event.h>

#include "log.h"
#include "parent.h"
#include "proc.h"

static const char *
signame(int sig)
{
	switch (sig) {
	case SIGKILL:	return "SIGKILL";
	case SIGTERM:	return "SIGTERM";
	case SIGSEGV:	return "SIGSEGV";
	case SIGABRT:	return "SIGABRT";
	case SIGSYS:	return "SIGSYS";
	case SIGBUS:	return "SIGBUS";
	case SIGINT:	return "SIGINT";
	case SIGILL:	return "SIGILL";
	default:	return "a signal";
	}
}

static void
reap(void)
{
	struct child	*c;
	pid_t		 pid;
	int		 status, i, lvl;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		c = NULL;
		for (i = 1; i < PROC_MAX; i++)
			if (P.child[i].pid == pid)
				c = &P.child[i];
		if (c == NULL)
			continue;
		c->exited = 1;
		/*
		 * A death by signal or a failure is always an error, even
		 * when reaped after a sibling that merely saw its channel
		 * close: the log must name the child that died first.
		 */
		lvl = (WIFSIGNALED(status) || WEXITSTATUS(status) != 0) ?
		    LOGL_ERROR : P.stopping ? LOGL_DEBUG : LOGL_WARN;
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
			log_at(LOGL_ERROR, "%s (pid %d) killed by SIGSYS: it "
			    "made a system call its sandbox forbids; treat "
			    "as a possible compromise", proc_name(c->role),
			    (int)pid);
		else if (WIFSIGNALED(status))
			log_at(lvl, "%s (pid %d) terminated by %s (%d)",
			    proc_name(c->role), (int)pid,
			    signame(WTERMSIG(status)), WTERMSIG(status));
		else
			log_at(lvl, "%s (pid %d) exited with status %d",
			    proc_name(c->role), (int)pid,
			    WEXITSTATUS(status));
		if (!P.stopping)
			parent_stop(1, CRASH_GRACE_MS);
	}
	for (i = 1; i < PROC_MAX; i++)
		if (!P.child[i].exited)
			return;
	if (P.stopping) {
		log_info("stopped");
		pidfile_remove();
		exit(P.exitcode);
	}
}

static void
stop_timeout(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	/* Children left behind die of their parent-death signal. */
	log_warnx("children did not stop in time; exiting");
	pidfile_remove();
	exit(P.exitcode);
}

/*
 * Closing the channels is the stop request: every child exits when its
 * parent channel reaches end of file.
 */
static void
stop_close(evutil_socket_t fd, short ev, void *arg)
{
	int	i;

	(void)fd;
	(void)ev;
	(void)arg;
	for (i = 1; i < PROC_MAX; i++)
		if (P.child[i].iev.ev != NULL)
			imsgev_free(&P.child[i].iev);
}

/*
 * The channels close from the loop, not here: parent_stop() may be called
 * from a handler of one of them, which must not be freed under it.
 */
void
parent_stop(int code, int grace_ms)
{
	struct timeval	tv, now = { 0, 0 };

	if (P.stopping)
		return;
	P.stopping = 1;
	P.exitcode = code;
	if (event_base_once(P.base, -1, EV_TIMEOUT, stop_close, NULL,
	    &now) == -1)
		fatalx("event_base_once");
	tv.tv_sec = grace_ms / 1000;
	tv.tv_usec = (grace_ms % 1000) * 1000;
	if ((P.ev_stop = evtimer_new(P.base, stop_timeout, NULL)) == NULL)
		fatal("evtimer_new");
	evtimer_add(P.ev_stop, &tv);
}

void
on_signal(evutil_socket_t sig, short ev, void *arg)
{
	(void)ev;
	(void)arg;
	switch (sig) {
	case SIGCHLD:
		reap();
		break;
	case SIGTERM:
	case SIGINT:
		log_info("received %s, stopping", sig == SIGTERM ? "SIGTERM" :
		    "SIGINT");
		parent_stop(0, STOP_GRACE_MS);
		reap();
		break;
	case SIGHUP:
		log_info("SIGHUP ignored: restart to reload the "
		    "configuration");
		break;
	}
}
