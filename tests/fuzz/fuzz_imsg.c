/*
 * libFuzzer target for the imsg reader.  The first input byte picks how
 * the rest is cut into writes, so headers and payloads arrive split; the
 * rest is the byte stream a peer sends.  No descriptors are sent, so runs
 * are deterministic, but the reading channel accepts them (recvmsg path).
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

#define FUZZ_MAXMSG	4096
#define FUZZ_WMAX	(4 * FUZZ_MAXMSG)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static volatile uint32_t	sink;

/* 0: everything at once; high bit: varying sizes; else a fixed size. */
static size_t
chunk_size(uint8_t seed, size_t i)
{
	if (seed == 0)
		return SIZE_MAX;
	if (seed & 0x80)
		return 1 + (i * 31 + seed) % ((size_t)(seed & 0x7f) + 1);
	return seed;
}

/*
 * Take everything readable and every whole message.  Returns -1 once the
 * channel is in error or at end of file, else 0.
 */
static int
drain(struct imsgchan *ch)
{
	struct imsg	imsg;
	ssize_t		n;
	size_t		i;
	uint32_t	sum;
	int		r;

	for (;;) {
		n = imsgchan_read(ch);
		if (n == 0)
			return -1;
		if (n == -1)
			return errno == EAGAIN ? 0 : -1;
		while ((r = imsgchan_get(ch, &imsg)) == 1) {
			/* Touch every payload byte: the sanitizers check. */
			sum = imsg.hdr.type ^ imsg.hdr.peerid;
			for (i = 0; i < imsg.len; i++)
				sum = sum * 31 + imsg.data[i];
			sink = sum;
			if (imsg.fd != -1)
				close(imsg.fd);
		}
		if (r == -1)
			return -1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imsgchan	 ch;
	const uint8_t	*p;
	size_t		 left, len, i;
	ssize_t		 n;
	int		 sv[2], done = 0, stalled = 0;

	if (size < 1)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) == -1)
		abort();
	if (imsgchan_init(&ch, sv[1], "fuzz", FUZZ_MAXMSG, FUZZ_WMAX,
	    1) == -1)
		abort();

	p = data + 1;
	left = size - 1;
	for (i = 0; left > 0 && !done; i++) {
		len = chunk_size(data[0], i);
		if (len > left)
			len = left;
		n = write(sv[0], p, len);
		if (n == -1) {
			if (errno != EAGAIN)
				abort();
			n = 0;
		}
		p += n;
		left -= (size_t)n;
		/* A full socket twice in a row: the reader takes nothing. */
		stalled = n == 0 ? stalled + 1 : 0;
		if (drain(&ch) == -1 || stalled > 1)
			done = 1;
	}
	if (!done) {
		/* The peer goes away: whatever is left is a short message. */
		close(sv[0]);
		sv[0] = -1;
		(void)drain(&ch);
	}

	imsgchan_clear(&ch);
	if (sv[0] != -1)
		close(sv[0]);
	close(sv[1]);
	return 0;
}
