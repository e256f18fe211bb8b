/*
 * An allocator that zeroes every block when it is freed or moved, for
 * the libraries (jansson, libevent) that carry request bytes: a master
 * password or an imported key must not outlive its request in freed heap.
 */
#ifndef WAIAAS_WIPE_H
#define WAIAAS_WIPE_H

#include <stddef.h>

void	*wipe_malloc(size_t);
void	*wipe_realloc(void *, size_t);
void	 wipe_free(void *);
void	 wipe_install(void);	/* jansson and libevent use it */

#endif
