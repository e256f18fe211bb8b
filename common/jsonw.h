/* Compact JSON text of a jansson document, without json_dumps()' costs. */
#ifndef WAIAAS_JSONW_H
#define WAIAAS_JSONW_H

#include <stddef.h>

#include <jansson.h>

/* Containers nested deeper than this are left to json_dumps(). */
#define JSONW_DEPTH_MAX	64

size_t	jsonw_compact(const json_t *, char *, size_t);

#endif
