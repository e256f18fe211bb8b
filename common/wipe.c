#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>
#include <sodium.h>

#include "wipe.h"

/* The size lives in a header before the block; 16 keeps alignment. */
#define WIPE_HDR	16

void *
wipe_malloc(size_t n)
{
	uint8_t	*p;

	if (n > SIZE_MAX - WIPE_HDR || (p = malloc(n + WIPE_HDR)) == NULL)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + WIPE_HDR;
}

void
wipe_free(void *ptr)
{
	uint8_t	*p;
	size_t	 n;

	if (ptr == NULL)
		return;
	p = (uint8_t *)ptr - WIPE_HDR;
	memcpy(&n, p, sizeof(n));
	sodium_memzero(p, n + WIPE_HDR);
	free(p);
}

void *
wipe_realloc(void *ptr, size_t n)
{
	void	*q;
	size_t	 old;

	if (ptr == NULL)
		return wipe_malloc(n);
	if (n == 0) {
		wipe_free(ptr);
		return NULL;
	}
	/* Never realloc in place: the old block must be wiped, not moved. */
	if ((q = wipe_malloc(n)) == NULL)
		return NULL;
	memcpy(&old, (uint8_t *)ptr - WIPE_HDR, sizeof(old));
	memcpy(q, ptr, old < n ? old : n);
	wipe_free(ptr);
	return q;
}

void
wipe_install(void)
{
	json_set_alloc_funcs(wipe_malloc, wipe_free);
	event_set_mem_functions(wipe_malloc, wipe_realloc, wipe_free);
}
