/*
 * libFuzzer target for the HTTP request-head parser: any bytes, any
 * limit; the result must be consistent with the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_head	 h;
	const char		*why, *v;
	char			*buf;
	size_t			 maxhead, vlen;
	int			 r, i;

	if (size < 1)
		return 0;
	/* First byte picks the head limit; the rest is the stream. */
	maxhead = 64 + (size_t)data[0] * 32;
	data++;
	size--;
	/* A copy of exactly size bytes, so ASan sees any overread. */
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	r = http_parse_head(buf, size, maxhead, &h, &why);
	if (r > 0) {
		if ((size_t)r > size || (size_t)r > maxhead)
			abort();
		if (memcmp(buf + r - 4, "\r\n\r\n", 4) != 0)
			abort();
		if (h.path < buf || h.path + h.pathlen > buf + r)
			abort();
		for (i = 0; i < h.nhdr; i++)
			if (h.hdr[i].value + h.hdr[i].valuelen > buf + r)
				abort();
		v = http_header(&h, "content-type", &vlen);
		if (v != NULL && v + vlen > buf + r)
			abort();
		/* HTTP/1.1 has its Host; every LF ends a CRLF. */
		if (h.minor == 1 && http_header(&h, "host", &vlen) == NULL)
			abort();
		for (i = 0; i < r; i++)
			if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r'))
				abort();
	} else if (r < 0 && why == NULL)
		abort();
	free(buf);
	return 0;
}
