/*
 * Framed messages over SOCK_STREAM socketpairs.
 *
 * Each message is a fixed header followed by exactly hdr.len - header
 * bytes of payload.  A channel has a maximum message size, a bounded write
 * queue (a full queue is backpressure: compose fails with ENOBUFS and the
 * caller decides, e.g. the api answers 503) and a flag that says whether
 * descriptors may cross it.  A channel may hold what is queued from a
 * moment on (imsgchan_hold) until the sender says it may go
 * (imsgchan_release): policyd holds its answers until the commit that
 * makes them true is on disk.  A message queued "ahead" passes the held
 * ones: one that changes nothing, which the peer may act on at once.
 * A message carrying a descriptor is marked with IMSGF_FD; a descriptor
 * that arrives without a marked message, or a marked message without a
 * descriptor, is a protocol error.
 */
#ifndef WAIAAS_IMSG_H
#define WAIAAS_IMSG_H

#include <sys/queue.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <stddef.h>
#include <stdint.h>

struct imsg_hdr {
	uint32_t	type;
	uint32_t	len;		/* header + payload */
	uint32_t	peerid;		/* request id */
	uint32_t	pid;		/* sender */
	uint32_t	flags;
};

#define IMSG_HDR_SIZE	sizeof(struct imsg_hdr)
#define IMSGF_FD	0x00000001u
#define IMSGF_MASK	IMSGF_FD

#define IMSG_MAXFDS	4	/* descriptors in flight on one channel */

struct imsg {
	struct imsg_hdr	 hdr;
	int		 fd;	/* -1 unless IMSGF_FD; the caller owns it */
	const uint8_t	*data;	/* valid until the next read or get */
	size_t		 len;
};

struct imsg_wbuf {
	TAILQ_ENTRY(imsg_wbuf)	 entry;
	size_t			 len;
	size_t			 off;
	int			 fd;
	uint8_t			 data[];
};

struct imsg_rfd {
	int		fd;
	uint64_t	lo;	/* stream range of the read that brought it */
	uint64_t	hi;
};

struct imsgchan {
	int			 fd;
	const char		*name;	/* the peer, for logs */
	size_t			 maxmsg;
	size_t			 wmax;
	int			 passfd;
	uint32_t		 pid;
	/* reading */
	uint8_t			*rbuf;
	size_t			 rsize;
	size_t			 rlen;	/* valid bytes in rbuf */
	size_t			 rpos;	/* first unparsed byte */
	uint64_t		 roff;	/* stream offset of rbuf[0] */
	size_t			 wipe_off;	/* last message handed out */
	size_t			 wipe_len;
	struct imsg_rfd		 rfds[IMSG_MAXFDS];
	int			 nrfds;
	/* writing */
	TAILQ_HEAD(, imsg_wbuf)	 wq;
	size_t			 wqueued;
	int			 holding;	/* new messages are held */
	struct imsg_wbuf	*held;	/* the first held one, or NULL */
	const char		*err;	/* what went wrong, for logs */
};

int	imsgchan_init(struct imsgchan *, int, const char *, size_t, size_t,
	    int);
void	imsgchan_clear(struct imsgchan *);
ssize_t	imsgchan_read(struct imsgchan *);
int	imsgchan_get(struct imsgchan *, struct imsg *);
int	imsgchan_compose(struct imsgchan *, uint32_t, uint32_t, int,
	    const void *, size_t);
int	imsgchan_composev(struct imsgchan *, uint32_t, uint32_t, int,
	    const struct iovec *, int);
int	imsgchan_composev_ahead(struct imsgchan *, uint32_t, uint32_t,
	    const struct iovec *, int);
int	imsgchan_flush(struct imsgchan *);
int	imsgchan_flush_all(struct imsgchan *);
size_t	imsgchan_queued(const struct imsgchan *);
size_t	imsgchan_room(const struct imsgchan *);
int	imsgchan_writable(const struct imsgchan *);
void	imsgchan_hold(struct imsgchan *);
void	imsgchan_release(struct imsgchan *);

/*
 * A table of the types a process accepts on one channel, with the payload
 * length allowed.  imsg_dispatch() calls the handler or dies naming the
 * type, the length and the peer.
 */
struct imsg_rule {
	uint32_t	  type;
	size_t		  minlen;
	size_t		  maxlen;
	int		  withfd;	/* 1: must carry a descriptor */
	void		(*fn)(struct imsgchan *, struct imsg *, void *);
};

void	imsg_dispatch(struct imsgchan *, struct imsg *,
	    const struct imsg_rule *, size_t, void *);

#define IMSG_RULE_EXACT(t, type_, fn)	\
	{ (t), sizeof(type_), sizeof(type_), 0, (fn) }
#define IMSG_RULE_EMPTY(t, fn)		{ (t), 0, 0, 0, (fn) }
#define IMSG_RULE_RANGE(t, lo, hi, fn)	{ (t), (lo), (hi), 0, (fn) }
#define IMSG_RULE_FD(t, type_, fn)	\
	{ (t), sizeof(type_), sizeof(type_), 1, (fn) }

#endif
