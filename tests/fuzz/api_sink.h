/*
 * What the api would have done with one request (tests/fuzz/api_sink.c):
 * how many times each end was reached and what it was given.
 */
#ifndef WAIAAS_API_SINK_H
#define WAIAAS_API_SINK_H

#include <string.h>

#include <jansson.h>

struct api_sink {
	int			 forwarded;
	int			 refused;
	int			 answered;
	int			 status;	/* of the last answer */
	const struct route	*route;		/* of the last forward */
	const char		*param;
	size_t			 plen;
	json_t			*body;		/* forwarded, or NULL */
	json_t			*answer;	/* refused with */
};

extern struct api_sink	api_sink;

void	api_sink_reset(void);

#endif
