#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "imsg.h"
#include "msg.h"

#define IMSG_IOV_MAX	32

static uint32_t	my_pid;

static void
rfds_close(struct imsgchan *ch)
{
	int	i;

	for (i = 0; i < ch->nrfds; i++)
		close(ch->rfds[i].fd);
	ch->nrfds = 0;
}

static int
proto_error(struct imsgchan *ch, const char *why)
{
	ch->err = why;
	errno = EBADMSG;
	return -1;
}

int
imsgchan_init(struct imsgchan *ch, int fd, const char *name, size_t maxmsg,
    size_t wmax, int passfd)
{
	memset(ch, 0, sizeof(*ch));
	if (maxmsg < IMSG_HDR_SIZE || maxmsg > UINT32_MAX || wmax < maxmsg) {
		errno = EINVAL;
		return -1;
	}
	ch->fd = fd;
	ch->name = name;
	ch->maxmsg = maxmsg;
	ch->wmax = wmax;
	ch->passfd = passfd;
	/* Cached: a sandboxed process may not call getpid(2). */
	if (my_pid == 0)
		my_pid = (uint32_t)getpid();
	ch->pid = my_pid;
	/* Room for one maximal message plus the start of the next. */
	ch->rsize = maxmsg + 4096;
	if ((ch->rbuf = malloc(ch->rsize)) == NULL)
		return -1;
	TAILQ_INIT(&ch->wq);
	return 0;
}

void
imsgchan_clear(struct imsgchan *ch)
{
	struct imsg_wbuf	*wb;

	while ((wb = TAILQ_FIRST(&ch->wq)) != NULL) {
		TAILQ_REMOVE(&ch->wq, wb, entry);
		if (wb->fd != -1)
			close(wb->fd);
		explicit_bzero(wb->data, wb->len);
		free(wb);
	}
	rfds_close(ch);
	if (ch->rbuf != NULL)
		explicit_bzero(ch->rbuf, ch->rsize);
	free(ch->rbuf);
	ch->rbuf = NULL;
	ch->wqueued = 0;
	ch->holding = 0;
	ch->held = NULL;
}

/*
 * Read what the socket has.  Returns the byte count, 0 at end of file, or
 * -1 with errno (EAGAIN is not an error for the caller, EBADMSG is).
 */
ssize_t
imsgchan_read(struct imsgchan *ch)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * IMSG_MAXFDS)];
	} cbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cm;
	ssize_t		 n;
	int		*fdp, nfd, i, bad = 0;

	if (ch->rpos > 0) {
		memmove(ch->rbuf, ch->rbuf + ch->rpos, ch->rlen - ch->rpos);
		/* Consumed messages may have carried secrets: wipe them. */
		explicit_bzero(ch->rbuf + ch->rlen - ch->rpos, ch->rpos);
		ch->wipe_len = 0;
		ch->rlen -= ch->rpos;
		ch->roff += ch->rpos;
		ch->rpos = 0;
	}
	if (ch->rlen == ch->rsize) {
		ch->err = "read buffer full";
		errno = ENOBUFS;
		return -1;
	}
	iov.iov_base = ch->rbuf + ch->rlen;
	iov.iov_len = ch->rsize - ch->rlen;

	if (!ch->passfd) {
		/*
		 * read(2) on a unix socket discards (closes) any descriptor
		 * a peer tries to pass, which is what this channel wants.
		 */
		do {
			n = read(ch->fd, iov.iov_base, iov.iov_len);
		} while (n == -1 && errno == EINTR);
		if (n > 0)
			ch->rlen += (size_t)n;
		return n;
	}

	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	do {
		n = recvmsg(ch->fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;

	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
	    cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS) {
			bad = 1;
			continue;
		}
		nfd = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		fdp = (int *)CMSG_DATA(cm);
		for (i = 0; i < nfd; i++) {
			if (ch->nrfds == IMSG_MAXFDS) {
				close(fdp[i]);
				bad = 1;
				continue;
			}
			ch->rfds[ch->nrfds].fd = fdp[i];
			ch->rfds[ch->nrfds].lo = ch->roff + ch->rlen;
			ch->rfds[ch->nrfds].hi = ch->roff + ch->rlen +
			    (uint64_t)n;
			ch->nrfds++;
		}
	}
	if (n > 0)
		ch->rlen += (size_t)n;
	if (msg.msg_flags & MSG_CTRUNC)
		return proto_error(ch, "descriptors truncated");
	if (bad)
		return proto_error(ch, "unexpected control message");
	return n;
}

/*
 * Take the next whole message from the read buffer.  Returns 1 and fills
 * imsg, 0 when more bytes are needed, -1 on a protocol error (ch->err).
 */
int
imsgchan_get(struct imsgchan *ch, struct imsg *imsg)
{
	struct imsg_hdr	hdr;
	size_t		avail = ch->rlen - ch->rpos;
	uint64_t	start = ch->roff + ch->rpos;

	/* The message handed out last is done with: wipe it. */
	if (ch->wipe_len > 0) {
		explicit_bzero(ch->rbuf + ch->wipe_off, ch->wipe_len);
		ch->wipe_len = 0;
	}
	/*
	 * A descriptor belongs to a marked message that starts within the
	 * bytes of the read that delivered it; once parsing has moved past
	 * that range unclaimed, it came without its mark.
	 */
	if (ch->nrfds > 0 && ch->rfds[0].hi <= start)
		return proto_error(ch, "descriptor without a marked message");
	if (avail < IMSG_HDR_SIZE)
		return 0;
	memcpy(&hdr, ch->rbuf + ch->rpos, sizeof(hdr));
	if (hdr.len < IMSG_HDR_SIZE)
		return proto_error(ch, "length below header size");
	if (hdr.len > ch->maxmsg)
		return proto_error(ch, "length above channel maximum");
	if (hdr.flags & ~IMSGF_MASK)
		return proto_error(ch, "unknown flags");
	if ((hdr.flags & IMSGF_FD) && !ch->passfd)
		return proto_error(ch, "descriptor on a channel without them");
	if (avail < hdr.len)
		return 0;

	imsg->fd = -1;
	if (hdr.flags & IMSGF_FD) {
		if (ch->nrfds == 0 || ch->rfds[0].lo > start)
			return proto_error(ch, "marked message without "
			    "descriptor");
		imsg->fd = ch->rfds[0].fd;
		ch->nrfds--;
		memmove(&ch->rfds[0], &ch->rfds[1],
		    sizeof(ch->rfds[0]) * (size_t)ch->nrfds);
	}
	imsg->hdr = hdr;
	imsg->data = ch->rbuf + ch->rpos + IMSG_HDR_SIZE;
	imsg->len = hdr.len - IMSG_HDR_SIZE;
	ch->wipe_off = ch->rpos;
	ch->wipe_len = hdr.len;
	ch->rpos += hdr.len;
	return 1;
}

/* A message made into a write buffer, not yet queued; NULL with errno. */
static struct imsg_wbuf *
wbuf_make(struct imsgchan *ch, uint32_t type, uint32_t peerid, int fd,
    const struct iovec *iov, int iovcnt)
{
	struct imsg_wbuf	*wb;
	struct imsg_hdr		 hdr;
	size_t			 len = IMSG_HDR_SIZE, off;
	int			 i;

	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > ch->maxmsg) {
			errno = EMSGSIZE;
			return NULL;
		}
		len += iov[i].iov_len;
	}
	if (len > ch->maxmsg) {
		errno = EMSGSIZE;
		return NULL;
	}
	if (fd != -1 && !ch->passfd) {
		errno = EINVAL;
		return NULL;
	}
	if (ch->wqueued + len > ch->wmax) {
		errno = ENOBUFS;
		return NULL;
	}
	if ((wb = malloc(sizeof(*wb) + len)) == NULL)
		return NULL;
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = (uint32_t)len;
	hdr.peerid = peerid;
	hdr.pid = ch->pid;
	hdr.flags = fd != -1 ? IMSGF_FD : 0;
	memcpy(wb->data, &hdr, sizeof(hdr));
	off = IMSG_HDR_SIZE;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > 0)
			memcpy(wb->data + off, iov[i].iov_base,
			    iov[i].iov_len);
		off += iov[i].iov_len;
	}
	wb->len = len;
	wb->off = 0;
	wb->fd = fd;
	return wb;
}

/*
 * Queue a message.  The channel takes fd (closed once sent) only when it
 * returns 0.  ENOBUFS means the write queue is full: backpressure.
 */
int
imsgchan_composev(struct imsgchan *ch, uint32_t type, uint32_t peerid,
    int fd, const struct iovec *iov, int iovcnt)
{
	struct imsg_wbuf	*wb;

	if ((wb = wbuf_make(ch, type, peerid, fd, iov, iovcnt)) == NULL)
		return -1;
	TAILQ_INSERT_TAIL(&ch->wq, wb, entry);
	if (ch->holding && ch->held == NULL)
		ch->held = wb;
	ch->wqueued += wb->len;
	return 0;
}

/*
 * The same for a message that may pass the held ones (no descriptor):
 * it goes after every message not held, before the first held one.
 */
int
imsgchan_composev_ahead(struct imsgchan *ch, uint32_t type, uint32_t peerid,
    const struct iovec *iov, int iovcnt)
{
	struct imsg_wbuf	*wb;

	if ((wb = wbuf_make(ch, type, peerid, -1, iov, iovcnt)) == NULL)
		return -1;
	if (ch->held != NULL)
		TAILQ_INSERT_BEFORE(ch->held, wb, entry);
	else
		TAILQ_INSERT_TAIL(&ch->wq, wb, entry);
	ch->wqueued += wb->len;
	return 0;
}

/* What is queued from now on waits for imsgchan_release(). */
void
imsgchan_hold(struct imsgchan *ch)
{
	ch->holding = 1;
}

/* The held messages may go (the caller flushes). */
void
imsgchan_release(struct imsgchan *ch)
{
	ch->holding = 0;
	ch->held = NULL;
}

int
imsgchan_compose(struct imsgchan *ch, uint32_t type, uint32_t peerid,
    int fd, const void *data, size_t len)
{
	struct iovec	iov;

	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = len;
	return imsgchan_composev(ch, type, peerid, fd, &iov, len > 0 ? 1 : 0);
}

/*
 * Write as much as the socket takes, up to the first held message.
 * Returns 0 (the queue may still hold data; wait for POLLOUT) or -1 on a
 * write error.  A descriptor goes out with the first byte of its
 * message, and never two in one sendmsg(2).
 */
int
imsgchan_flush(struct imsgchan *ch)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct iovec		 iov[IMSG_IOV_MAX];
	struct msghdr		 msg;
	struct cmsghdr		*cm;
	struct imsg_wbuf	*wb, *first;
	ssize_t			 n;
	size_t			 done;
	int			 cnt, sendfd;

	while ((first = TAILQ_FIRST(&ch->wq)) != NULL && first != ch->held) {
		cnt = 0;
		sendfd = first->fd != -1 && first->off == 0 ? first->fd : -1;
		TAILQ_FOREACH(wb, &ch->wq, entry) {
			if (cnt == IMSG_IOV_MAX || wb == ch->held ||
			    (wb != first && wb->fd != -1))
				break;
			iov[cnt].iov_base = wb->data + wb->off;
			iov[cnt].iov_len = wb->len - wb->off;
			cnt++;
		}
		if (ch->passfd) {
			memset(&msg, 0, sizeof(msg));
			msg.msg_iov = iov;
			msg.msg_iovlen = (size_t)cnt;
			if (sendfd != -1) {
				memset(&cbuf, 0, sizeof(cbuf));
				msg.msg_control = cbuf.buf;
				msg.msg_controllen = sizeof(cbuf.buf);
				cm = CMSG_FIRSTHDR(&msg);
				cm->cmsg_len = CMSG_LEN(sizeof(int));
				cm->cmsg_level = SOL_SOCKET;
				cm->cmsg_type = SCM_RIGHTS;
				memcpy(CMSG_DATA(cm), &sendfd, sizeof(int));
			}
			n = sendmsg(ch->fd, &msg, MSG_NOSIGNAL);
		} else
			n = writev(ch->fd, iov, cnt);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		if (sendfd != -1) {
			close(first->fd);
			first->fd = -1;
		}
		done = (size_t)n;
		while (done > 0 && (wb = TAILQ_FIRST(&ch->wq)) != NULL) {
			size_t left = wb->len - wb->off;

			if (done < left) {
				wb->off += done;
				break;
			}
			done -= left;
			ch->wqueued -= wb->len;
			TAILQ_REMOVE(&ch->wq, wb, entry);
			explicit_bzero(wb->data, wb->len);
			free(wb);
		}
	}
	return 0;
}

/* Flush until nothing writable is left, waiting for the socket: start-up
 * only. */
int
imsgchan_flush_all(struct imsgchan *ch)
{
	struct pollfd	pfd;

	while (imsgchan_writable(ch)) {
		if (imsgchan_flush(ch) == -1)
			return -1;
		if (!imsgchan_writable(ch))
			break;
		pfd.fd = ch->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return -1;
	}
	return 0;
}

size_t
imsgchan_queued(const struct imsgchan *ch)
{
	return ch->wqueued;
}

/* 1 if something queued may be written now (nothing held before it). */
int
imsgchan_writable(const struct imsgchan *ch)
{
	return !TAILQ_EMPTY(&ch->wq) && TAILQ_FIRST(&ch->wq) != ch->held;
}

size_t
imsgchan_room(const struct imsgchan *ch)
{
	return ch->wmax - ch->wqueued;
}

void
imsg_dispatch(struct imsgchan *ch, struct imsg *imsg,
    const struct imsg_rule *rules, size_t nrules, void *arg)
{
	size_t	i;

	for (i = 0; i < nrules; i++) {
		if (rules[i].type != imsg->hdr.type)
			continue;
		if (imsg->len < rules[i].minlen || imsg->len > rules[i].maxlen)
			fatalx("%s from %s: wrong length %zu",
			    imsg_type_name(imsg->hdr.type), ch->name,
			    imsg->len);
		if ((imsg->fd != -1) != rules[i].withfd)
			fatalx("%s from %s: descriptor %s",
			    imsg_type_name(imsg->hdr.type), ch->name,
			    rules[i].withfd ? "missing" : "unexpected");
		rules[i].fn(ch, imsg, arg);
		return;
	}
	fatalx("unexpected %s (type %u, len %zu) from %s",
	    imsg_type_name(imsg->hdr.type), imsg->hdr.type, imsg->len,
	    ch->name);
}
