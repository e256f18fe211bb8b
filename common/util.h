#ifndef WAIAAS_UTIL_H
#define WAIAAS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#if !defined(__GLIBC__) || !__GLIBC_PREREQ(2, 38)
size_t	strlcpy(char *, const char *, size_t);
size_t	strlcat(char *, const char *, size_t);
#endif

#define UUID_STR_LEN	37

void	uuidv7(char [UUID_STR_LEN]);
int	set_nonblock(int);
/* A hex digit's value (either case), or -1. */
int	hex_digit(int);

#endif
