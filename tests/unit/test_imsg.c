/*
 * imsg: framing, split reads, bad headers, descriptor passing, write
 * queue limits and the dispatch table, over real unix socketpairs.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "log.h"
#include "imsg.h"
#include "msg.h"

#define T_MAXMSG	1024
#define T_WMAX		(4 * T_MAXMSG)
#define T_MAXPAYLOAD	(T_MAXMSG - IMSG_HDR_SIZE)

/* Writer on sv[0], reader on sv[1]. */
struct pair {
	int		sv[2];
	struct imsgchan	wr;
	struct imsgchan	rd;
};

static int
count_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	d = opendir("/proc/self/fd");
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
xsocketpair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
}

static void
xwrite(int fd, const void *buf, size_t len)
{
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
}

static int
fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

static void
pair_open(struct pair *p, int passfd, size_t maxmsg, size_t wmax)
{
	xsocketpair(p->sv);
	assert_int_equal(imsgchan_init(&p->wr, p->sv[0], "wr", maxmsg, wmax,
	    passfd), 0);
	assert_int_equal(imsgchan_init(&p->rd, p->sv[1], "rd", maxmsg, wmax,
	    passfd), 0);
}

static void
pair_close(struct pair *p)
{
	imsgchan_clear(&p->wr);
	imsgchan_clear(&p->rd);
	close(p->sv[0]);
	close(p->sv[1]);
}

static void
hdr_put(uint8_t *buf, uint32_t type, uint32_t len, uint32_t peerid,
    uint32_t flags)
{
	struct imsg_hdr	hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = len;
	hdr.peerid = peerid;
	hdr.pid = (uint32_t)getpid();
	hdr.flags = flags;
	memcpy(buf, &hdr, sizeof(hdr));
}

/* The bytes imsgchan_compose() puts on the wire for one message. */
static size_t
raw_compose(uint32_t type, uint32_t peerid, const void *data, size_t len,
    uint8_t *out, size_t outsz)
{
	struct pair	p;
	ssize_t		n;

	pair_open(&p, 0, T_MAXMSG, T_WMAX);
	assert_int_equal(imsgchan_compose(&p.wr, type, peerid, -1, data,
	    len), 0);
	assert_int_equal(imsgchan_flush(&p.wr), 0);
	assert_int_equal(imsgchan_queued(&p.wr), 0);
	n = read(p.sv[1], out, outsz);
	assert_int_equal(n, (ssize_t)(IMSG_HDR_SIZE + len));
	pair_close(&p);
	return (size_t)n;
}

/* sendmsg(2) with nfd descriptors in one SCM_RIGHTS message. */
static void
send_with_fds(int sock, const void *buf, size_t len, const int *fds,
    int nfd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * 8)];
	} cbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cm;

	assert_true(nfd > 0 && nfd <= 8);
	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfd);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfd);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfd);
	assert_int_equal(sendmsg(sock, &msg, MSG_NOSIGNAL), (ssize_t)len);
}

static void
send_with_fd(int sock, const void *buf, size_t len, int fd)
{
	send_with_fds(sock, buf, len, &fd, 1);
}

/* A header written raw must be refused with EBADMSG. */
static void
expect_bad_header(uint32_t len, uint32_t flags, int passfd)
{
	uint8_t		buf[IMSG_HDR_SIZE];
	struct pair	p;
	struct imsg	imsg;

	pair_open(&p, passfd, T_MAXMSG, T_WMAX);
	hdr_put(buf, IMSG_HEALTH_PING, len, 1, flags);
	xwrite(p.sv[0], buf, sizeof(buf));
	assert_int_equal(imsgchan_read(&p.rd), (ssize_t)sizeof(buf));
	errno = 0;
	assert_int_equal(imsgchan_get(&p.rd, &imsg), -1);
	assert_int_equal(errno, EBADMSG);
	assert_non_null(p.rd.err);
	pair_close(&p);
}

static void
test_roundtrip(void **state)
{
	static const char	 small[] = "hello, policyd";
	static const char	 a[] = "abc", b[] = "", c[] = "defgh";
	struct iovec		 iov[3];
	uint8_t			*big;
	struct pair		 p;
	struct imsg		 imsg;
	size_t			 i;

	big = malloc(T_MAXPAYLOAD);
	assert_non_null(big);
	for (i = 0; i < T_MAXPAYLOAD; i++)
		big[i] = (uint8_t)(i * 7 + 3);
	pair_open(&p, 0, T_MAXMSG, T_WMAX);

	assert_int_equal(imsgchan_compose(&p.wr, IMSG_HEALTH_PING, 11, -1,
	    NULL, 0), 0);
	assert_int_equal(imsgchan_compose(&p.wr, IMSG_CTL_CONFIG, 22, -1,
	    small, sizeof(small)), 0);
	assert_int_equal(imsgchan_compose(&p.wr, IMSG_HEALTH_PONG, 33, -1,
	    big, T_MAXPAYLOAD), 0);
	iov[0].iov_base = (void *)(uintptr_t)a;
	iov[0].iov_len = 3;
	iov[1].iov_base = (void *)(uintptr_t)b;
	iov[1].iov_len = 0;
	iov[2].iov_base = (void *)(uintptr_t)c;
	iov[2].iov_len = 5;
	assert_int_equal(imsgchan_composev(&p.wr, IMSG_CTL_PEER, 44, -1,
	    iov, 3), 0);
	assert_int_equal(imsgchan_queued(&p.wr),
	    4 * IMSG_HDR_SIZE + sizeof(small) + T_MAXPAYLOAD + 8);
	assert_int_equal(imsgchan_flush(&p.wr), 0);
	assert_int_equal(imsgchan_queued(&p.wr), 0);
	assert_int_equal(imsgchan_room(&p.wr), T_WMAX);

	assert_true(imsgchan_read(&p.rd) > 0);
	/* The maximal message may need a second read. */
	while (imsgchan_read(&p.rd) > 0)
		;

	assert_int_equal(imsgchan_get(&p.rd, &imsg), 1);
	assert_int_equal(imsg.hdr.type, IMSG_HEALTH_PING);
	assert_int_equal(imsg.hdr.peerid, 11);
	assert_int_equal(imsg.hdr.len, IMSG_HDR_SIZE);
	assert_int_equal(imsg.hdr.pid, (uint32_t)getpid());
	assert_int_equal(imsg.hdr.flags, 0);
	assert_int_equal(imsg.fd, -1);
	assert_int_equal(imsg.len, 0);

	assert_int_equal(imsgchan_get(&p.rd, &imsg), 1);
	assert_int_equal(imsg.hdr.type, IMSG_CTL_CONFIG);
	assert_int_equal(imsg.hdr.peerid, 22);
	assert_int_equal(imsg.len, sizeof(small));
	assert_int_equal(imsg.hdr.len, IMSG_HDR_SIZE + sizeof(small));
	assert_memory_equal(imsg.data, small, sizeof(small));
	assert_int_equal(imsg.fd, -1);

	assert_int_equal(imsgchan_get(&p.rd, &imsg), 1);
	assert_int_equal(imsg.hdr.type, IMSG_HEALTH_PONG);
	assert_int_equal(imsg.hdr.peerid, 33);
	assert_int_equal(imsg.hdr.len, T_MAXMSG);
	assert_int_equal(imsg.len, T_MAXPAYLOAD);
	assert_memory_equal(imsg.data, big, T_MAXPAYLOAD);

	assert_int_equal(imsgchan_get(&p.rd, &imsg), 1);
	assert_int_equal(imsg.hdr.type, IMSG_CTL_PEER);
	assert_int_equal(imsg.hdr.peerid, 44);
	assert_int_equal(imsg.len, 8);
	assert_memory_equal(imsg.data, "abcdefgh", 8);

	assert_int_equal(imsgchan_get(&p.rd, &imsg), 0);

	/* Nothing more: EAGAIN; the peer gone: end of file. */
	errno = 0;
	assert_int_equal(imsgchan_read(&p.rd), -1);
	assert_int_equal(errno, EAGAIN);
	close(p.sv[0]);
	p.sv[0] = -1;
	assert_int_equal(imsgchan_read(&p.rd), 0);
	assert_int_equal(imsgchan_get(&p.rd, &imsg), 0);

	pair_close(&p);
	free(big);
}

/* Two messages one byte at a time: complete exactly at their last byte. */
static void
split_bytes(int passfd)
{
	static const char	 pa[] = "first payload";
	uint8_t			 stream[2 * IMSG_HDR_SIZE + sizeof(pa)];
	size_t			 la, lb, i;
	struct pair		 p;
	struct imsg		 imsg;
	int			 r;

	la = raw_compose(IMSG_CTL_START, 7, pa, sizeof(pa), stream,
	    sizeof(stream));
	lb = raw_compose(IMSG_CTL_READY, 8, NULL, 0, stream + la,
	    sizeof(stream) - la);
	assert_int_equal(la + lb, sizeof(stream));

	pair_open(&p, passfd, T_MAXMSG, T_WMAX);
	for (i = 0; i < sizeof(stream); i++) {
		xwrite(p.sv[0], stream + i, 1);
		assert_int_equal(imsgchan_read(&p.rd), 1);
		r = imsgchan_get(&p.rd, &imsg);
		if (i == la - 1) {
			assert_int_equal(r, 1);
			assert_int_equal(imsg.hdr.type, IMSG_CTL_START);
			assert_int_equal(imsg.hdr.peerid, 7);
			assert_int_equal(imsg.len, sizeof(pa));
			assert_memory_equal(imsg.data, pa, sizeof(pa));
			assert_int_equal(imsgchan_get(&p.rd, &imsg), 0);
		} else if (i == sizeof(stream) - 1) {
			assert_int_equal(r, 1);
			assert_int_equal(imsg.hdr.type, IMSG_CTL_READY);
			assert_int_equal(imsg.hdr.peerid, 8);
			assert_int_equal(imsg.len, 0);
		} else
			assert_int_equal(r, 0);
	}
	assert_int_equal(imsgchan_get(&p.rd, &imsg), 0);
	pair_close(&p);
}

static void
test_split_bytes(void **state)
{
	split_bytes(0);
	split_bytes(1);
}

static void
test_split_header(void **state)
{
	static const size_t	 cuts[] = { 1, 7, IMSG_HDR_SIZE - 1 };
	static const uint8_t	 pl[] = { 1, 2, 3, 4, 5, 6 };
	uint8_t			 msg[IMSG_HDR_SIZE + sizeof(pl)];
	struct pair		 p;
	struct imsg		 imsg;
	size_t			 i, len, cut;

	len = raw_compose(IMSG_HEALTH_PONG, 99, pl, sizeof(pl), msg,
	    sizeof(msg));
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		cut = cuts[i];
		pair_open(&p, 1, T_MAXMSG, T_WMAX);
		xwrite(p.sv[0], msg, cut);
		assert_int_equal(imsgchan_read(&p.rd), (ssize_t)cut);
		assert_int_equal(imsgchan_get(&p.rd, &imsg), 0);
		xwrite(p.sv[0], msg + cut, len - cut);
		assert_int_equal(imsgchan_read(&p.rd), (ssize_t)(len - cut));
		assert_int_equal(imsgchan_get(&p.rd, &imsg), 1);
		assert_int_equal(imsg.hdr.type, IMSG_HEALTH_PONG);
		assert_int_equal(imsg.hdr.peerid, 99);
		assert_int_equal(imsg.len, sizeof(pl));
		assert_memory_equal(imsg.data, pl, sizeof(pl));
		assert_int_equal(imsgchan_get(&p.rd, &imsg), 0);
		pair_close(&p);
	}
}

static void
test_bad_len_short(void **state)
{
	expect_bad_header(0, 0, 0);
	expect_bad_header(IMSG_HDR_SIZE - 1, 0, 0);
	expect_bad_header(IMSG_HDR_SIZE - 1, 0, 1);
}

static void
test_bad_len_long(void **state)
{
	struct pair	p;
	struct imsg	imsg;
	uint8_t		buf[IMSG_HDR_SIZE];

	expect_bad_header(T_MAXMSG + 1, 0, 0);
	expect_bad_header(UINT32_MAX, 0, 1);

	/* Exactly the maximum is fine: the header alone waits for more. */
	pair_open(&p, 0, T_MAXMSG, T_WMAX);
	hdr_put(buf, IMSG_HEALTH_PING, T_MAXMSG, 1, 0);
	xwrite(p.sv[0], buf, sizeof(buf));
	assert_int_equal(imsgchan_read(&p.rd), (ssize_t)sizeof(buf));
	assert_int_equal(imsgchan_get(&p.rd, &imsg), 0);
	pair_close(&p);
}

static void
test_bad_flags(void **state)
{
	expect_bad_header(IMSG_HDR_SIZE, 0x2, 0);
	expect_bad_header(IMSG_HDR_SIZE, 0x2, 1);
	expect_bad_header(IMSG_HDR_SIZE, 0x80000000u, 1);
	expect_bad_header(IMSG_HDR_SIZE, IMSGF_FD | 0x100, 1);
	/* Refused from the header alone, before the payload arrives. */
	expect_bad_header(IMSG_HDR_SIZE + 10, IMSGF_FD, 0);
}

static void
test_emsgsize(void **state)
{
	uint8_t		*big;
	struct iovec	 iov[2];
	struct pair	 p;
	int		 pfd[2], before;

	before = count_fds();
	big = calloc(1, T_MAXMSG + 1);
	assert_non_null(big);
	pair_open(&p, 1, T_MAXMSG, T_WMAX);

	errno = 0;
	assert_int_equal(imsgchan_compose(&p.wr, IMSG_HEALTH_PING, 1, -1,
	    big, T_MAXPAYLOAD + 1), -1);
	assert_int_equal(errno, EMSGSIZE);
	errno = 0;
	assert_int_equal(imsgchan_compose(&p.wr, IMSG_HEALTH_PING, 1, -1,
	    big, T_MAXMSG + 1), -1);
	assert_int_equal(errno, EMSGSIZE);
	iov[0].iov_base = big;
	iov[0].iov_len = T_MAXPAYLOAD / 2 + 1;
	iov[1].iov_base = big;
	iov[1].iov_len = T_MAXPAYLOAD / 2 + 1;
	errno = 0;
	assert_int_equal(imsgchan_composev(&p.wr, IMSG_HEALTH_PING, 1, -1,
	    iov, 2), -1);
	assert_int_equal(errno, EMSGSIZE);

	/* Refused: the caller keeps its descriptor. */
	assert_int_equal(pipe2(pfd, O_CLOEXEC | O_NONBLOCK), 0);
	errno = 0;
	assert_int_equal(imsgchan_compose(&p.wr, IMSG_HEALTH_PING, 1, pfd[1],
	    big, T_MAXPAYLOAD + 1), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_true(fd_is_open(pfd[1]));
	assert_int_equal(imsgchan_queued(&p.wr), 0);

	assert_int_equal(imsgchan_compose(&p.wr, IMSG_HEALTH_PING, 1, -1,
	    big, T_MAXPAYLOAD), 0);
	assert_int_equal(imsgchan_queued(&p.wr), T_MAXMSG);

	close(pfd[0]);
	close(pfd[1]);
	pair_close(&p);
	free(big);
	assert_int_equal(count_fds(), before);
}

static int	handler_calls;

static void
handler(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	handler_calls++;
	*(uint32_t *)arg = imsg->hdr.peerid;
}

static void
handler_exit(struct imsgchan *ch, struct imsg *imsg, void *arg)
{
	_exit(3);
}

static const struct imsg_rule rules_ok[] = {
	IMSG_RULE_EMPTY(IMSG_HEALTH_PING, handler),
	IMSG_RULE_EXACT(IMSG_CTL_PEER, struct ctl_peer, handler),
	IMSG_RULE_RANGE(IMSG_CTL_CONFIG, 1, 16, handler),
};

static const struct imsg_rule rules_exit[] = {
	IMSG_RULE_EMPTY(IMSG_HEALTH_PING, handler_exit),
	IMSG_RULE_EXACT(IMSG_CTL_PEER, struct ctl_peer, handler_exit),
	IMSG_RULE_FD(IMSG_CTL_LISTEN, struct ctl_peer, handler_exit),
};

/* Send one message across a pair and take it out on the reading side. */
static void
pair_one(struct pair *p, uint32_t type, uint32_t peerid, const void *data,
    size_t len, struct imsg *imsg)
{
	assert_int_equal(imsgchan_compose(&p->wr, type, peerid, -1, data,
	    len), 0);
	assert_int_equal(imsgchan_flush(&p->wr), 0);
	assert_true(imsgchan_read(&p->rd) > 0);
	assert_int_equal(imsgchan_get(&p->rd, imsg), 1);
}

static void
test_dispatch_ok(void **state)
{
	struct ctl_peer	cp = { PROC_SIGNER };
	struct pair	p;
	struct imsg	imsg;
	uint32_t	got = 0;

	pair_open(&p, 0, T_MAXMSG, T_WMAX);
	handler_calls = 0;
	pair_one(&p, IMSG_HEALTH_PING, 5, NULL, 0, &imsg);
	imsg_dispatch(&p.rd, &imsg, rules_ok, 3, &got);
	assert_int_equal(handler_calls, 1);
	assert_int_equal(got, 5);
	pair_one(&p, IMSG_CTL_PEER, 6, &cp, sizeof(cp), &imsg);
	imsg_dispatch(&p.rd, &imsg, rules_ok, 3, &got);
	assert_int_equal(handler_calls, 2);
	assert_int_equal(got, 6);
	pair_one(&p, IMSG_CTL_CONFIG, 7, "0123456789abcdef", 16, &imsg);
	imsg_dispatch(&p.rd, &imsg, rules_ok, 3, &got);
	assert_int_equal(handler_calls, 3);
	assert_int_equal(got, 7);
	pair_close(&p);
}

/*
 * Dispatch one message in a child against rules_exit: fatalx() exits 1,
 * a handler call exits 3, a return from imsg_dispatch() exits 2.  The
 * child's log line is captured and must contain want.
 */
static void
dispatch_dies(uint32_t type, const void *data, size_t len, const char *want)
{
	char		 out[1024];
	struct pair	 p;
	struct imsg	 imsg;
	ssize_t		 n;
	size_t		 got = 0;
	pid_t		 pid;
	int		 lp[2], status;

	pair_open(&p, 0, T_MAXMSG, T_WMAX);
	pair_one(&p, type, 1, data, len, &imsg);
	assert_int_equal(pipe2(lp, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		if (dup2(lp[1], STDERR_FILENO) == -1)
			_exit(4);
		imsg_dispatch(&p.rd, &imsg, rules_exit, 3, NULL);
		_exit(2);
	}
	close(lp[1]);
	while (got < sizeof(out) - 1 &&
	    (n = read(lp[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(lp[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	assert_non_null(strstr(out, want));
	pair_close(&p);
}

static void
test_dispatch_wrong_len(void **state)
{
	uint8_t	buf[8];

	memset(buf, 0, sizeof(buf));
	dispatch_dies(IMSG_CTL_PEER, buf, sizeof(buf),
	    "IMSG_CTL_PEER from rd: wrong length 8");
	dispatch_dies(IMSG_CTL_PEER, NULL, 0,
	    "IMSG_CTL_PEER from rd: wrong length 0");
	dispatch_dies(IMSG_HEALTH_PING, buf, 1,
	    "IMSG_HEALTH_PING from rd: wrong length 1");
	/* Right length, but the rule wants a descriptor. */
	dispatch_dies(IMSG_CTL_LISTEN, buf, sizeof(struct ctl_peer),
	    "descriptor missing");
}

static void
test_dispatch_unknown_type(void **state)
{
	dispatch_dies(IMSG_HEALTH_PONG, NULL, 0,
	    "unexpected IMSG_HEALTH_PONG");
	dispatch_dies(9999, NULL, 0,
	    "unexpected IMSG_UNKNOWN (type 9999, len 0) from rd");
}

/* Prove fd is the write end of the pipe whose read end is rfd. */
static void
assert_pipe_pair(int fd, int rfd, char c)
{
	char	got = 0;

	assert_int_equal(write(fd, &c, 1), 1);
	assert_int_equal(read(rfd, &got, 1), 1);
	assert_int_equal(got, c);
}

static void
test_fd_pass(void **state)
{
	struct pair	p;
	struct imsg	imsg;
	int		a[2], b[2], afd, bfd, before;
	char		c;

	before = count_fds();
	assert_int_equal(pipe2(a, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(pipe2(b, O_CLOEXEC | O_NONBLOCK), 0);
	pair_open(&p, 1, T_MAXMSG, T_WMAX);

	/* marked, plain, marked: each descriptor with its own message */
	assert_int_equal(imsgchan_compose(&p.wr, IMSG_CTL_LISTEN, 1, a[1],
	    "A", 1), 0);
	assert_int_equal(imsgchan_compose(&p.wr, IMSG_HEALTH_PING, 2, -1,
	    NULL, 0), 0);
	assert_int_equal(imsgchan_compose(&p.wr, IMSG_CTL_LISTEN, 3, b[1],
	    "B", 1), 0);
	assert_int_equal(imsgchan_flush(&p.wr), 0);
	assert_int_equal(imsgchan_queued(&p.wr), 0);
	/* Sent descriptors are the channel's to close. */
	assert_false(fd_is_open(a[1]));
	assert_false(fd_is_open(b[1]));

	while (imsgchan_read(&p.rd) > 0)
		;
	assert_int_equal(imsgchan_get(&p.rd, &imsg), 1);
	assert_int_equal(imsg.hdr.peerid, 1);
	assert_int_equal(imsg.hdr.flags, IMSGF_FD);
	assert_memory_equal(imsg.data, "A", 1);
	afd = imsg.fd;
	assert_true(afd >= 0);
	assert_int_equal(imsgchan_get(&p.rd, &imsg), 1);
	assert_int_equal(imsg.hdr.peerid, 2);
	assert_int_equal(imsg.hdr.flags, 0);
	assert_int_equal(imsg.fd, -1);
	assert_int_equal(imsgchan_get(&p.rd, &imsg), 1);
	assert_int_equal(imsg.hdr.peerid, 3);
	assert_int_equal(imsg.hdr.flags, IMSGF_FD);
	assert_memory_equal(imsg.data, "B", 1);
	bfd = imsg.fd;
	assert_true(bfd >= 0 && bfd != afd);
	assert_int_equal(imsgchan_get(&p.rd, &imsg), 0);
	assert_int_equal(p.rd.nrfds, 0);

	assert_pipe_pair(afd, a[0], 'a');
	assert_pipe_pair(bfd, b[0], 'b');
	/* The received copies are the only write ends left: EOF after. */
	close(afd);
	close(bfd);
	assert_int_equal(read(a[0], &c, 1), 0);
	assert_int_equal(read(b[0], &c, 1), 0);
	close(a[0]);
	close(b[0]);
	pair_close(&p);
	assert_int_equal(count_fds(), before);
}

/* The descriptor arrives with the first part of a split header. */
static void
test_fd_split_header(void **state)
{
	uint8_t		msg[IMSG_HDR_SIZE + 4];
	struct pair	p;
	struct imsg	imsg;
	int		pfd[2], before;

	before = count_fds();
	assert_int_equal(pipe2(pfd, O_CLOEXEC | O_NONBLOCK), 0);
	pair_open(&p, 1, T_MAXMSG, T_WMAX);
	hdr_put(msg, IMSG_CTL_LISTEN, sizeof(msg), 9, IMSGF_FD);
	memcpy(msg + IMSG_HDR_SIZE, "wxyz", 4);
	send_with_fd(p.sv[0], msg, 5, pfd[1]);
	close(pfd[1]);
	assert_int_equal(imsgchan_read(&p.rd), 5);
	assert_int_equal(imsgchan_get(&p.rd, &imsg), 0);
	xwrite(p.sv[0], msg + 5, sizeof(msg) - 5);
	assert_int_equal(imsgchan_read(&p.rd), (ssize_t)(sizeof(msg) - 5));
	assert_int_equal(imsgchan_get(&p.rd, &imsg), 1);
	assert_int_equal(imsg.hdr.peerid, 9);
	assert_memory_equal(imsg.data, "wxyz", 4);
	assert_true(imsg.fd >= 0);
	assert_pipe_pair(imsg.fd, pfd[0], 'z');
	close(imsg.fd);
	close(pfd[0]);
	pair_close(&p);
	assert_int_equal(count_fds(), before);
}

static void
test_fd_nopassfd(void **state)
{
	struct pair	p, q;
	struct imsg	imsg;
	int		pfd[2], before;
	char		c;

	before = count_fds();
	assert_int_equal(pipe2(pfd, O_CLOEXEC | O_NONBLOCK), 0);

	/* Composing: refused, and the caller keeps the descriptor. */
	pair_open(&p, 0, T_MAXMSG, T_WMAX);
	errno = 0;
	assert_int_equal(imsgchan_compose(&p.wr, IMSG_CTL_LISTEN, 1, pfd[1],
	    NULL, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_true(fd_is_open(pfd[1]));
	assert_int_equal(imsgchan_queued(&p.wr), 0);
	pair_close(&p);

	/* Reading: a marked message on a channel without descriptors. */
	xsocketpair(q.sv);
	assert_int_equal(imsgchan_init(&q.wr, q.sv[0], "wr", T_MAXMSG,
	    T_WMAX, 1), 0);
	assert_int_equal(imsgchan_init(&q.rd, q.sv[1], "rd", T_MAXMSG,
	    T_WMAX, 0), 0);
	assert_int_equal(imsgchan_compose(&q.wr, IMSG_CTL_LISTEN, 1, pfd[1],
	    NULL, 0), 0);
	assert_int_equal(imsgchan_flush(&q.wr), 0);
	assert_true(imsgchan_read(&q.rd) > 0);
	errno = 0;
	assert_int_equal(imsgchan_get(&q.rd, &imsg), -1);
	assert_int_equal(errno, EBADMSG);
	pair_close(&q);
	/* The descriptor in flight was discarded, not kept anywhere. */
	assert_int_equal(read(pfd[0], &c, 1), 0);
	close(pfd[0]);
	assert_int_equal(count_fds(), before);
}

/*
 * A descriptor sent with a message whose header does not mark it.  With
 * reread set, more bytes arrive (and the read buffer is compacted) before
 * the stray descriptor is noticed.
 */
static void
fd_unmarked(int reread)
{
	uint8_t		msg[IMSG_HDR_SIZE + 3], next[IMSG_HDR_SIZE];
	struct pair	p;
	struct imsg	imsg;
	int		pfd[2], before, r, i;
	char		c;

	before = count_fds();
	assert_int_equal(pipe2(pfd, O_CLOEXEC | O_NONBLOCK), 0);
	pair_open(&p, 1, T_MAXMSG, T_WMAX);
	hdr_put(msg, IMSG_HEALTH_PING, sizeof(msg), 4, 0);
	memcpy(msg + IMSG_HDR_SIZE, "xyz", 3);
	send_with_fd(p.sv[0], msg, sizeof(msg), pfd[1]);
	close(pfd[1]);
	assert_int_equal(imsgchan_read(&p.rd), (ssize_t)sizeof(msg));

	errno = 0;
	for (i = 0; i < 4; i++) {
		r = imsgchan_get(&p.rd, &imsg);
		if (r != 1)
			break;
		/* Whatever is handed out must not carry the stray fd. */
		assert_int_equal(imsg.fd, -1);
		if (reread) {
			hdr_put(next, IMSG_HEALTH_PING, sizeof(next), 5, 0);
			xwrite(p.sv[0], next, sizeof(next));
			assert_int_equal(imsgchan_read(&p.rd),
			    (ssize_t)sizeof(next));
		}
	}
	assert_int_equal(r, -1);
	assert_int_equal(errno, EBADMSG);
	pair_close(&p);
	assert_int_equal(read(pfd[0], &c, 1), 0);
	close(pfd[0]);
	assert_int_equal(count_fds(), before);
}

static void
test_fd_unmarked(void **state)
{
	fd_unmarked(0);
	fd_unmarked(1);
}

/* A marked message whose descriptor only comes with a later read. */
static void
test_fd_late(void **state)
{
	uint8_t		msg[IMSG_HDR_SIZE + 4];
	struct pair	p;
	struct imsg	imsg;
	int		pfd[2], before;
	char		c;

	before = count_fds();
	assert_int_equal(pipe2(pfd, O_CLOEXEC | O_NONBLOCK), 0);
	pair_open(&p, 1, T_MAXMSG, T_WMAX);
	hdr_put(msg, IMSG_CTL_LISTEN, sizeof(msg), 9, IMSGF_FD);
	memcpy(msg + IMSG_HDR_SIZE, "late", 4);
	xwrite(p.sv[0], msg, IMSG_HDR_SIZE);
	assert_int_equal(imsgchan_read(&p.rd), (ssize_t)IMSG_HDR_SIZE);
	assert_int_equal(imsgchan_get(&p.rd, &imsg), 0);
	send_with_fd(p.sv[0], msg + IMSG_HDR_SIZE, 4, pfd[1]);
	close(pfd[1]);
	assert_int_equal(imsgchan_read(&p.rd), 4);
	errno = 0;
	assert_int_equal(imsgchan_get(&p.rd, &imsg), -1);
	assert_int_equal(errno, EBADMSG);
	pair_close(&p);
	assert_int_equal(read(pfd[0], &c, 1), 0);
	close(pfd[0]);
	assert_int_equal(count_fds(), before);
}

/*
 * More descriptors than a channel holds: in one control message (cut
 * short by the kernel) or one per read before any message claims them.
 */
static void
test_fd_too_many(void **state)
{
	uint8_t		msg[IMSG_HDR_SIZE];
	struct pair	p;
	struct imsg	imsg;
	int		pfd[2], fds[IMSG_MAXFDS + 1], before, i;
	char		c;

	before = count_fds();
	assert_int_equal(pipe2(pfd, O_CLOEXEC | O_NONBLOCK), 0);
	for (i = 0; i < IMSG_MAXFDS + 1; i++)
		fds[i] = pfd[1];
	hdr_put(msg, IMSG_CTL_LISTEN, sizeof(msg), 1, IMSGF_FD);

	pair_open(&p, 1, T_MAXMSG, T_WMAX);
	send_with_fds(p.sv[0], msg, sizeof(msg), fds, IMSG_MAXFDS + 1);
	errno = 0;
	assert_int_equal(imsgchan_read(&p.rd), -1);
	assert_int_equal(errno, EBADMSG);
	assert_true(p.rd.nrfds <= IMSG_MAXFDS);
	pair_close(&p);

	pair_open(&p, 1, T_MAXMSG, T_WMAX);
	for (i = 0; i < IMSG_MAXFDS; i++) {
		send_with_fd(p.sv[0], msg + i, 1, pfd[1]);
		assert_int_equal(imsgchan_read(&p.rd), 1);
		assert_int_equal(imsgchan_get(&p.rd, &imsg), 0);
	}
	send_with_fd(p.sv[0], msg + i, 1, pfd[1]);
	errno = 0;
	assert_int_equal(imsgchan_read(&p.rd), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(p.rd.nrfds, IMSG_MAXFDS);
	pair_close(&p);

	close(pfd[1]);
	assert_int_equal(read(pfd[0], &c, 1), 0);
	close(pfd[0]);
	assert_int_equal(count_fds(), before);
}

/* Marked, but no descriptor came with it. */
static void
test_fd_marked_without(void **state)
{
	uint8_t		msg[IMSG_HDR_SIZE];
	struct pair	p;
	struct imsg	imsg;
	int		before;

	before = count_fds();
	pair_open(&p, 1, T_MAXMSG, T_WMAX);
	hdr_put(msg, IMSG_CTL_LISTEN, sizeof(msg), 4, IMSGF_FD);
	xwrite(p.sv[0], msg, sizeof(msg));
	assert_int_equal(imsgchan_read(&p.rd), (ssize_t)sizeof(msg));
	errno = 0;
	assert_int_equal(imsgchan_get(&p.rd, &imsg), -1);
	assert_int_equal(errno, EBADMSG);
	pair_close(&p);
	assert_int_equal(count_fds(), before);
}

/* imsgchan_clear() closes a descriptor still waiting in the queue. */
static void
test_fd_clear_queued(void **state)
{
	struct pair	p;
	int		pfd[2], before;
	char		c;

	before = count_fds();
	assert_int_equal(pipe2(pfd, O_CLOEXEC | O_NONBLOCK), 0);
	pair_open(&p, 1, T_MAXMSG, T_WMAX);
	assert_int_equal(imsgchan_compose(&p.wr, IMSG_CTL_LISTEN, 1, pfd[1],
	    "q", 1), 0);
	assert_int_equal(imsgchan_queued(&p.wr), IMSG_HDR_SIZE + 1);
	pair_close(&p);
	assert_false(fd_is_open(pfd[1]));
	assert_int_equal(read(pfd[0], &c, 1), 0);
	close(pfd[0]);
	assert_int_equal(count_fds(), before);
}

/* Read and check everything available; returns the messages taken. */
static size_t
drain(struct imsgchan *rd, uint32_t *next, size_t plen)
{
	struct imsg	 imsg;
	size_t		 got = 0, j;
	ssize_t		 n;
	int		 r;

	while ((n = imsgchan_read(rd)) > 0) {
		while ((r = imsgchan_get(rd, &imsg)) == 1) {
			assert_int_equal(imsg.hdr.peerid, *next);
			assert_int_equal(imsg.len, plen);
			for (j = 0; j < plen; j++)
				if (imsg.data[j] != (uint8_t)(*next + j))
					fail_msg("payload %u byte %zu",
					    *next, j);
			(*next)++;
			got++;
		}
		assert_int_equal(r, 0);
	}
	assert_int_equal(n, -1);
	assert_int_equal(errno, EAGAIN);
	return got;
}

static void
test_backpressure(void **state)
{
	uint8_t		 pl[1000];
	const size_t	 mlen = IMSG_HDR_SIZE + sizeof(pl);
	struct pair	 p;
	uint32_t	 sent = 0, next = 0;
	size_t		 got = 0, j, spins;
	int		 r;

	pair_open(&p, 0, T_MAXMSG, T_WMAX);
	/* Nobody reads: the socket fills, then the queue. */
	for (;;) {
		for (j = 0; j < sizeof(pl); j++)
			pl[j] = (uint8_t)(sent + j);
		r = imsgchan_compose(&p.wr, IMSG_HEALTH_PONG, sent, -1, pl,
		    sizeof(pl));
		assert_true(imsgchan_queued(&p.wr) <= T_WMAX);
		if (r == -1)
			break;
		sent++;
		assert_int_equal(imsgchan_flush(&p.wr), 0);
		assert_true(imsgchan_queued(&p.wr) <= T_WMAX);
		assert_true(sent < 100000);
	}
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(imsgchan_queued(&p.wr), (T_WMAX / mlen) * mlen);
	assert_true(imsgchan_room(&p.wr) < mlen);
	assert_int_equal(imsgchan_room(&p.wr) + imsgchan_queued(&p.wr),
	    T_WMAX);
	/* Even an empty message does not fit in what is left. */
	errno = 0;
	assert_int_equal(imsgchan_compose(&p.wr, IMSG_HEALTH_PING, 0, -1,
	    NULL, 0), -1);
	assert_int_equal(errno, ENOBUFS);

	/* The reader drains, the writer flushes, until all arrived. */
	for (spins = 0; got < sent; spins++) {
		assert_true(spins < 100000);
		got += drain(&p.rd, &next, sizeof(pl));
		assert_int_equal(imsgchan_flush(&p.wr), 0);
		assert_true(imsgchan_queued(&p.wr) <= T_WMAX);
	}
	assert_int_equal(got, sent);
	assert_int_equal(imsgchan_queued(&p.wr), 0);

	for (j = 0; j < sizeof(pl); j++)
		pl[j] = (uint8_t)(sent + j);
	assert_int_equal(imsgchan_compose(&p.wr, IMSG_HEALTH_PONG, sent, -1,
	    pl, sizeof(pl)), 0);
	assert_int_equal(imsgchan_flush(&p.wr), 0);
	assert_int_equal(drain(&p.rd, &next, sizeof(pl)), 1);
	assert_int_equal(next, sent + 1);
	pair_close(&p);
}

static void
test_init_limits(void **state)
{
	struct imsgchan	ch;

	errno = 0;
	assert_int_equal(imsgchan_init(&ch, -1, "x", IMSG_HDR_SIZE - 1,
	    T_WMAX, 0), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(imsgchan_init(&ch, -1, "x", T_MAXMSG, T_MAXMSG - 1,
	    0), -1);
	assert_int_equal(errno, EINVAL);
	imsgchan_clear(&ch);
}

/* The peerids of the messages the reader has, in order; how many. */
static size_t
read_peerids(struct pair *p, uint32_t *ids, size_t max)
{
	struct imsg	imsg;
	size_t		n = 0;
	int		r;

	while (imsgchan_read(&p->rd) > 0)
		;
	while ((r = imsgchan_get(&p->rd, &imsg)) == 1) {
		assert_true(n < max);
		ids[n++] = imsg.hdr.peerid;
	}
	assert_int_equal(r, 0);
	return n;
}

/*
 * Held messages: what is queued after imsgchan_hold() is not written
 * until imsgchan_release(); a message queued "ahead" passes them, after
 * the ones queued before the hold; nothing held means nothing writable.
 */
static void
test_hold(void **state)
{
	static const char	 x[] = "x";
	struct iovec		 iov;
	struct pair		 p;
	uint32_t		 ids[8];

	(void)state;
	iov.iov_base = (void *)(uintptr_t)x;
	iov.iov_len = sizeof(x);
	pair_open(&p, 0, T_MAXMSG, T_WMAX);
	assert_false(imsgchan_writable(&p.wr));
	assert_int_equal(imsgchan_compose(&p.wr, IMSG_HEALTH_PING, 1, -1,
	    NULL, 0), 0);
	imsgchan_hold(&p.wr);
	assert_int_equal(imsgchan_composev(&p.wr, IMSG_HEALTH_PING, 2, -1,
	    &iov, 1), 0);
	assert_int_equal(imsgchan_composev_ahead(&p.wr, IMSG_HEALTH_PING, 3,
	    &iov, 1), 0);
	assert_int_equal(imsgchan_compose(&p.wr, IMSG_HEALTH_PING, 4, -1,
	    NULL, 0), 0);
	assert_int_equal(imsgchan_composev_ahead(&p.wr, IMSG_HEALTH_PING, 5,
	    &iov, 1), 0);
	assert_true(imsgchan_writable(&p.wr));
	assert_int_equal(imsgchan_flush(&p.wr), 0);
	/* 2 and 4 wait; 1, then the two ahead in their order */
	assert_false(imsgchan_writable(&p.wr));
	assert_int_equal(imsgchan_queued(&p.wr), 2 * IMSG_HDR_SIZE +
	    sizeof(x));
	assert_int_equal(read_peerids(&p, ids, 8), 3);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 3);
	assert_int_equal(ids[2], 5);
	/* still holding: flushing again writes nothing */
	assert_int_equal(imsgchan_flush(&p.wr), 0);
	assert_int_equal(read_peerids(&p, ids, 8), 0);
	imsgchan_release(&p.wr);
	assert_true(imsgchan_writable(&p.wr));
	assert_int_equal(imsgchan_flush(&p.wr), 0);
	assert_int_equal(imsgchan_queued(&p.wr), 0);
	assert_int_equal(read_peerids(&p, ids, 8), 2);
	assert_int_equal(ids[0], 2);
	assert_int_equal(ids[1], 4);
	/* released: messages go as before, and "ahead" is plain */
	assert_int_equal(imsgchan_composev_ahead(&p.wr, IMSG_HEALTH_PING, 6,
	    &iov, 1), 0);
	assert_int_equal(imsgchan_compose(&p.wr, IMSG_HEALTH_PING, 7, -1,
	    NULL, 0), 0);
	assert_int_equal(imsgchan_flush(&p.wr), 0);
	assert_int_equal(read_peerids(&p, ids, 8), 2);
	assert_int_equal(ids[0], 6);
	assert_int_equal(ids[1], 7);
	/* held messages count toward the queue's limit */
	imsgchan_hold(&p.wr);
	while (imsgchan_compose(&p.wr, IMSG_HEALTH_PING, 8, -1, NULL, 0) ==
	    0)
		;
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(imsgchan_flush(&p.wr), 0);
	assert_int_equal(read_peerids(&p, ids, 8), 0);
	pair_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_split_bytes),
		cmocka_unit_test(test_split_header),
		cmocka_unit_test(test_bad_len_short),
		cmocka_unit_test(test_bad_len_long),
		cmocka_unit_test(test_bad_flags),
		cmocka_unit_test(test_emsgsize),
		cmocka_unit_test(test_dispatch_ok),
		cmocka_unit_test(test_dispatch_wrong_len),
		cmocka_unit_test(test_dispatch_unknown_type),
		cmocka_unit_test(test_fd_pass),
		cmocka_unit_test(test_fd_split_header),
		cmocka_unit_test(test_fd_nopassfd),
		cmocka_unit_test(test_fd_unmarked),
		cmocka_unit_test(test_fd_late),
		cmocka_unit_test(test_fd_too_many),
		cmocka_unit_test(test_fd_marked_without),
		cmocka_unit_test(test_fd_clear_queued),
		cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_init_limits),
		cmocka_unit_test(test_hold),
	};

	log_init(LOG_TO_STDERR, LOGL_WARN, "test_imsg");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
