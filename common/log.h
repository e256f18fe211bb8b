/*
 * Logging shared by every process.  The parent logs to stderr (-d) or
 * syslog; children always write to fd 2, which the parent points either
 * at its own stderr or at a pipe it reads and forwards to syslog, so a
 * sandboxed child needs nothing but write(2) to log.
 */
#ifndef WAIAAS_LOG_H
#define WAIAAS_LOG_H

#include <stdarg.h>

enum log_level {
	LOGL_ERROR = 0,
	LOGL_WARN,
	LOGL_INFO,
	LOGL_DEBUG,
	LOGL_TRACE
};

enum log_sink {
	LOG_TO_STDERR,		/* human-readable lines on fd 2 */
	LOG_TO_SYSLOG,		/* the parent in daemon mode */
	LOG_TO_PIPE,		/* a child in daemon mode: "<level>text\n" */
	LOG_TO_TERM		/* a command (waiaas): "name: text\n" */
};

void	log_init(enum log_sink, int, const char *);
void	log_setlevel(int);
int	log_getlevel(void);
void	log_procname(const char *);
const char *log_getproc(void);
int	log_level_parse(const char *);
const char *log_level_name(int);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_trace(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_tx_step(const char *, const char *, long long);
void	log_at(int, const char *, ...) __attribute__((format(printf, 2, 3)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
