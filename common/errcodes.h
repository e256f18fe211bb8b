/*
 * The error codes this daemon answers with that the reference also
 * has, each with the reference's HTTP status and retryable (checked
 * against tests/vectors/error_codes.h by tests/unit/test_errcodes.c),
 * and, where this daemon is deliberately stricter than the reference,
 * a hint that says so.  The api writes every error body through this
 * table, so a code's status and retryable cannot drift by call site.
 * Codes of this daemon's own (SERVICE_UNAVAILABLE, IDEMPOTENCY_*, the
 * HTTP layer's) are not here: their callers give status and retryable.
 */
#ifndef WAIAAS_ERRCODES_H
#define WAIAAS_ERRCODES_H

#include <stddef.h>

struct errcode {
	const char	*code;
	int		 status;
	int		 retryable;
	const char	*hint;		/* NULL: none */
};

extern const struct errcode	errcodes[];
extern const size_t		errcodes_len;

const struct errcode	*errcode_find(const char *);

/* The hint of a VALIDATION_FAILED that refused a field it does not know. */
#define ERRHINT_UNKNOWN_FIELD	"this daemon refuses fields it does not " \
	"know rather than ignoring them; a documented field of a feature it " \
	"lacks is named with the reason"

/* The hint of a send whose query and body disagree on dryRun. */
#define ERRHINT_DRY_RUN	"stricter than the reference: a request that " \
	"might be a dry run is never broadcast on a guess, so dryRun given " \
	"two ways must agree"

/* The hint of a session asked for with absoluteLifetime 0. */
#define ERRHINT_LIFETIME	"stricter than the reference: every session " \
	"here ends, at the latest after its absoluteLifetime (up to ten " \
	"years); 0, a session that never ends, is not given"

#endif
