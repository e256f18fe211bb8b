#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX	1024

static enum log_sink	 sink = LOG_TO_STDERR;
static int		 level = LOGL_INFO;
static const char	*procname = "waiaasd";
static pid_t		 log_pid;

static const char *const level_names[] = {
	"error", "warn", "info", "debug", "trace"
};

static const int syslog_pri[] = {
	LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG, LOG_DEBUG
};

void
log_init(enum log_sink s, int lvl, const char *name)
{
	sink = s;
	level = lvl;
	log_pid = getpid();
	if (name != NULL)
		procname = name;
	if (sink == LOG_TO_SYSLOG)
		openlog("waiaasd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setlevel(int lvl)
{
	level = lvl;
}

int
log_getlevel(void)
{
	return level;
}

void
log_procname(const char *name)
{
	procname = name;
}

const char *
log_getproc(void)
{
	return procname;
}

int
log_level_parse(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
log_level_name(int lvl)
{
	if (lvl < 0 || lvl > LOGL_TRACE)
		return "?";
	return level_names[lvl];
}

/*
 * UTC date from a unix time without gmtime(3), which loads time zone files
 * on first use: a sandboxed process may not open them.
 */
static void
utc_civil(time_t t, int *y, int *mo, int *d, int *h, int *mi, int *sec)
{
	long long	days = t / 86400, rem = t % 86400;
	long long	era, doe, yoe, doy, mp;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	*h = (int)(rem / 3600);
	*mi = (int)(rem % 3600 / 60);
	*sec = (int)(rem % 60);
	/* Howard Hinnant's days-to-civil. */
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*mo = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*mo <= 2));
}

/*
 * Format one line and emit it with a single write(2), so lines from
 * several processes sharing a terminal or pipe never interleave.
 */
static void
vlog(int lvl, const char *fmt, va_list ap, const char *errstr)
{
	char		 line[LOG_LINE_MAX], msg[LOG_LINE_MAX];
	struct timespec	 ts;
	int		 n, y, mo, d, h, mi, sec;
	ssize_t		 w;

	if (lvl > level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errstr != NULL) {
		size_t used = strlen(msg);
		snprintf(msg + used, sizeof(msg) - used, ": %s", errstr);
	}

	switch (sink) {
	case LOG_TO_SYSLOG:
		syslog(syslog_pri[lvl], "%s: %s", procname, msg);
		return;
	case LOG_TO_PIPE:
		n = snprintf(line, sizeof(line), "<%d>%s: %s\n", lvl,
		    procname, msg);
		break;
	case LOG_TO_TERM:
		n = snprintf(line, sizeof(line), "%s: %s\n", procname, msg);
		break;
	case LOG_TO_STDERR:
	default:
		clock_gettime(CLOCK_REALTIME, &ts);
		utc_civil(ts.tv_sec, &y, &mo, &d, &h, &mi, &sec);
		n = snprintf(line, sizeof(line),
		    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%d]: %s: %s\n",
		    y, mo, d, h, mi, sec, ts.tv_nsec / 1000000, procname,
		    (int)log_pid, level_names[lvl], msg);
		break;
	}
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	do {
		w = write(STDERR_FILENO, line, (size_t)n);
	} while (w == -1 && errno == EINTR);
}

#define LOGFN(name, lvl)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list	ap;						\
	va_start(ap, fmt);					\
	vlog(lvl, fmt, ap, NULL);				\
	va_end(ap);						\
}

LOGFN(log_warnx, LOGL_WARN)
LOGFN(log_info, LOGL_INFO)
LOGFN(log_debug, LOGL_DEBUG)
LOGFN(log_trace, LOGL_TRACE)

/*
 * A transaction's step at debug level: its id, the step's name and when,
 * in microseconds of CLOCK_MONOTONIC (us, or now if 0), the one clock of
 * every process here and of bench/rpc_timer.js, by which
 * bench/send_bulk.sh shows where a send's time went.
 */
void
log_tx_step(const char *id, const char *step, long long us)
{
	struct timespec	ts;

	if (level < LOGL_DEBUG)
		return;
	if (us == 0 && clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
		us = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	log_debug("step %s %s %lld", id, step, us);
}

void
log_at(int lvl, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(lvl, fmt, ap, NULL);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog(LOGL_WARN, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog(LOGL_ERROR, fmt, ap, saved ? strerror(saved) : NULL);
	va_end(ap);
	_exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOGL_ERROR, fmt, ap, NULL);
	va_end(ap);
	_exit(1);
}
