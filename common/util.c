#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "util.h"

#if !defined(__GLIBC__) || !__GLIBC_PREREQ(2, 38)
size_t
strlcpy(char *dst, const char *src, size_t size)
{
	size_t	len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

size_t
strlcat(char *dst, const char *src, size_t size)
{
	size_t	dlen = strnlen(dst, size);

	if (dlen == size)
		return size + strlen(src);
	return dlen + strlcpy(dst + dlen, src, size - dlen);
}
#endif

/*
 * RFC 9562 UUIDv7: 48-bit unix milliseconds, a 12-bit counter (its
 * "Method 1"), then random bits.  Within one process the ids only grow:
 * two made in one millisecond count up (the counter starts at a random
 * value below 2048), a full counter or a clock that went back takes the
 * last millisecond and goes on from there, so "newest first" by id is
 * the order they were made in.
 */
/*
 * Random bytes for ids, from the kernel a block at a time: one getrandom
 * call per request was a syscall of its own on every answer.  A forked
 * child starts with an empty pool, so two processes never hand out the
 * same bytes.
 */
static uint8_t	id_pool[512];
static size_t	id_left;

static void
id_pool_forked(void)
{
	id_left = 0;
}

static void
id_random(uint8_t *out, size_t n)
{
	static int	registered;

	if (!registered) {
		if (pthread_atfork(NULL, NULL, id_pool_forked) != 0)
			abort();
		registered = 1;
	}
	if (id_left < n) {
		randombytes_buf(id_pool, sizeof(id_pool));
		id_left = sizeof(id_pool);
	}
	memcpy(out, id_pool + sizeof(id_pool) - id_left, n);
	id_left -= n;
}

void
uuidv7(char out[UUID_STR_LEN])
{
	static const char	hex[] = "0123456789abcdef";
	static uint64_t	last_ms;
	static uint16_t	seq;
	struct timespec	ts;
	uint8_t		b[16];
	uint64_t	ms;
	int		i, j;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	id_random(b + 6, sizeof(b) - 6);
	if (ms <= last_ms) {
		ms = last_ms;
		if (++seq > 0x0fff) {
			ms++;
			seq = (uint16_t)(((b[6] << 8) | b[7]) & 0x07ff);
		}
	} else
		seq = (uint16_t)(((b[6] << 8) | b[7]) & 0x07ff);
	last_ms = ms;
	for (i = 0; i < 6; i++)
		b[i] = (uint8_t)(ms >> (40 - 8 * i));
	b[6] = (uint8_t)(0x70 | (seq >> 8));
	b[7] = (uint8_t)(seq & 0xff);
	b[8] = (uint8_t)(0x80 | (b[8] & 0x3f));
	/* 8-4-4-4-12 hex digits */
	for (i = 0, j = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[j++] = '-';
		out[j++] = hex[b[i] >> 4];
		out[j++] = hex[b[i] & 0xf];
	}
	out[j] = '\0';
}

int
set_nonblock(int fd)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
