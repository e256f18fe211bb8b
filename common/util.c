#include <fcntl.h>
#include <stdio.h>
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
void
uuidv7(char out[UUID_STR_LEN])
{
	static uint64_t	last_ms;
	static uint16_t	seq;
	struct timespec	ts;
	uint8_t		b[16];
	uint64_t	ms;
	int		i;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	randombytes_buf(b + 6, sizeof(b) - 6);
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
	snprintf(out, UUID_STR_LEN, "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
	    b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
	    b[14], b[15]);
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
