/*
 * signer_driver: plays the parent and policyd to a real signer process
 * (argv[0] "waiaasd: signer", -d, no privilege drop) over the real protocol, so
 * tests and the bench can have it sign before policyd asks for signatures
 * itself.  A test tool: blocking poll(2) loops, every wait bounded.
 *
 * usage: signer_driver PROGRAM COMMAND DATADIR ARGS...
 *   PROGRAM is waiaasd-signer; for pd-abuse-sign, waiaasd-policyd.
 *   evm-tx WALLETID CHAINID NONCE GAS MAXPRIO MAXFEE TO VALUE [DATAHEX]
 *   evm-legacy WALLETID CHAINID NONCE GAS GASPRICE TO VALUE [DATAHEX]
 *	raw transaction, then its hash (0x-hex)
 *   evm-personal WALLETID TEXT, evm-typed WALLETID DOMAINHEX STRUCTHEX
 *   sol-transfer WALLETID BLOCKHASH TO LAMPORTS [MEMO]	base64 transaction
 *   sol-token WALLETID BLOCKHASH MINT TO_OWNER AMOUNT DECIMALS CREATE
 *	[MEMO]
 *   sol-msg WALLETID TEXT				base58 signature
 *   bench EVM_WALLETID SOL_WALLETID N, unlock-time
 *   seal N [wrong]	N new EVM keys sealed into DATADIR/keystore as the
 *	signer seals them (no signer started); their ids, one a line.
 *	"wrong": each claims the public key of another secret.
 *   abuse-unknown, abuse-badlen WALLETID, abuse-parent WALLETID,
 *   abuse-type: exit 0 when the signer behaved as it must
 * Numbers are decimal.  The keystore password is WAIAAS_MASTER_PASSWORD.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <argon2.h>
#include <secp256k1.h>
#include <sodium.h>

#include "base58.h"
#include "evm_sign.h"
#include "imsg.h"
#include "keystore.h"
#include "log.h"
#include "msg.h"
#include "proc.h"
#include "solana.h"
#include "util.h"

#define TIMEOUT_MS	10000
#define INFLIGHT	64
#define UNKNOWN_ID	"00000000-0000-7000-8000-000000000000"
#define DEAD_ADDR	"0x000000000000000000000000000000000000dead"

struct chan {
	struct imsgchan	ch;
	int		eof;
};

static struct {
	pid_t		pid;
	struct chan	ctl;		/* we are the parent */
	struct chan	pd;		/* we are policyd */
	int		nwallets;
	uint32_t	reqid;
} D;

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
spawn(const char *bin, const char *role)
{
	static const char *const pass[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS",
	    "LSAN_OPTIONS" };
	static char	 envbuf[3][1024], title[32];
	char		*env[4], *argv[] = { title, "-d", NULL };
	const char	*v;
	size_t		 i, n = 0;
	int		 ctl[2], null;

	for (i = 0; i < nitems(pass); i++)
		if ((v = getenv(pass[i])) != NULL) {
			snprintf(envbuf[n], sizeof(envbuf[n]), "%s=%s",
			    pass[i], v);
			env[n] = envbuf[n];
			n++;
		}
	env[n] = NULL;
	/* As the parent starts a child: the role is argv[0]. */
	snprintf(title, sizeof(title), "waiaasd: %s", role);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) == -1)
		fatal("socketpair");
	if ((D.pid = fork()) == -1)
		fatal("fork");
	if (D.pid == 0) {
		/* fd 3 is the parent channel; 0 and 1 /dev/null; 2 ours. */
		if ((null = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(null, 0) == -1 || dup2(null, 1) == -1)
			_exit(127);
		if (ctl[1] == 3 ? fcntl(3, F_SETFD, 0) == -1 :
		    dup2(ctl[1], 3) == -1)
			_exit(127);
		close_range(4, ~0U, 0);
		execve(bin, argv, env);
		_exit(127);
	}
	close(ctl[1]);
	if (set_nonblock(ctl[0]) == -1 ||
	    imsgchan_init(&D.ctl.ch, ctl[0], "signer (parent channel)",
	    CHAN_CTL_MAX, CHAN_CTL_WMAX, 1) == -1)
		fatal("parent channel");
}

static void
flush(struct chan *c)
{
	if (c->eof || imsgchan_flush(&c->ch) == 0)
		return;
	if (errno != EPIPE && errno != ECONNRESET)
		fatal("write to %s", c->ch.name);
	c->eof = 1;
}

static void
input(struct chan *c)
{
	ssize_t	n;

	if ((n = imsgchan_read(&c->ch)) > 0)
		return;
	if (n == 0 || errno == ECONNRESET)
		c->eof = 1;
	else if (errno == EBADMSG || errno == ENOBUFS)
		fatalx("%s: protocol error: %s", c->ch.name, c->ch.err);
	else if (errno != EAGAIN && errno != EINTR)
		fatal("read from %s", c->ch.name);
}

/* Write what is queued and read what arrives, for at most ms. */
static void
pump(int ms)
{
	struct pollfd	 pfd[2];
	struct chan	*c[2] = { &D.ctl, &D.pd };
	int		 i, n = 0;

	for (i = 0; i < 2; i++) {
		flush(c[i]);
		pfd[i].fd = c[i]->eof || c[i]->ch.rbuf == NULL ? -1 :
		    c[i]->ch.fd;
		pfd[i].events = POLLIN |
		    (imsgchan_queued(&c[i]->ch) ? POLLOUT : 0);
		pfd[i].revents = 0;
		n += pfd[i].fd != -1;
	}
	/* Nothing open: just wait (for the child's exit). */
	if (poll(n > 0 ? pfd : NULL, n > 0 ? 2 : 0, ms) == -1 &&
	    errno != EINTR)
		fatal("poll");
	for (i = 0; i < 2; i++) {
		if (pfd[i].revents & POLLOUT)
			flush(c[i]);
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			input(c[i]);
	}
}

static void
send_msg(struct chan *c, uint32_t type, uint32_t peerid, int fd,
    const struct iovec *iov, int iovcnt)
{
	double	end = now_ms() + TIMEOUT_MS;

	while (imsgchan_composev(&c->ch, type, peerid, fd, iov, iovcnt) ==
	    -1) {
		if (errno != ENOBUFS)
			fatal("compose %s", imsg_type_name(type));
		if (now_ms() > end)
			fatalx("%s: write queue full for 10 s", c->ch.name);
		pump(100);		/* backpressure: let it drain */
	}
}

static void
send1(struct chan *c, uint32_t type, uint32_t peerid, int fd,
    const void *p, size_t len)
{
	struct iovec	iov = { (void *)(uintptr_t)p, len };

	send_msg(c, type, peerid, fd, &iov, len > 0);
}

static int
get(struct chan *c, struct imsg *imsg)
{
	int	r;

	if ((r = imsgchan_get(&c->ch, imsg)) == -1)
		fatalx("%s: protocol error: %s", c->ch.name, c->ch.err);
	return r;
}

/* A sealed key the signer made: we keep no files, so say it failed. */
static void
ks_store(struct imsg *imsg)
{
	struct ks_status	r;

	if (imsg->len != sizeof(struct ks_blob))
		fatalx("IMSG_KS_STORE: wrong length %zu", imsg->len);
	memset(&r, 0, sizeof(r));
	r.status = KS_ERROR;
	memcpy(r.id, ((const struct ks_blob *)imsg->data)->id, KS_ID_LEN);
	send1(&D.ctl, IMSG_KS_STORED, 0, -1, &r, sizeof(r));
}

/*
 * The next message on c within ms.  Returns 1, 0 when the signer closed
 * the channel, -1 on timeout.  IMSG_KS_STORE is answered on the way; any
 * other message on the parent channel while we wait on policyd's is a
 * protocol error.
 */
static int
next_msg(struct chan *c, struct imsg *imsg, int ms)
{
	double	end = now_ms() + ms;
	int	left;

	for (;;) {
		while (get(&D.ctl, imsg)) {
			if (imsg->hdr.type == IMSG_KS_STORE) {
				ks_store(imsg);
				continue;
			}
			if (c == &D.ctl)
				return 1;
			fatalx("unexpected %s on the parent channel",
			    imsg_type_name(imsg->hdr.type));
		}
		if (c != &D.ctl && get(c, imsg))
			return 1;
		if (c->eof)
			return 0;
		if ((left = (int)(end - now_ms())) <= 0)
			return -1;
		pump(left);
	}
}

static void
expect(struct chan *c, struct imsg *imsg, uint32_t type, size_t len)
{
	int	r;

	if ((r = next_msg(c, imsg, TIMEOUT_MS)) != 1)
		fatalx("waiting for %s: %s", imsg_type_name(type),
		    r == 0 ? "the signer closed the channel" : "timeout");
	if (imsg->hdr.type != type || imsg->len != len || imsg->fd != -1)
		fatalx("expected %s, got %s (type %u) len %zu",
		    imsg_type_name(type), imsg_type_name(imsg->hdr.type),
		    imsg->hdr.type, imsg->len);
}

static void
read_exact(int dfd, const char *name, void *buf, size_t len)
{
	struct stat	st;
	int		fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC)) == -1)
		fatal("keystore/%s", name);
	if (fstat(fd, &st) == -1 || st.st_size != (off_t)len ||
	    read(fd, buf, len) != (ssize_t)len)
		fatalx("keystore/%s: not %zu bytes", name, len);
	close(fd);
}

/* Keys sent ahead of their answers, and one answer: 1 if it failed. */
#define LOAD_WINDOW	256

static int
load_answer(int *nloaded)
{
	struct ks_status	ks;
	struct imsg		imsg;

	expect(&D.ctl, &imsg, IMSG_KS_LOADED, sizeof(ks));
	memcpy(&ks, imsg.data, sizeof(ks));
	ks.id[KS_ID_LEN] = '\0';
	(*nloaded)++;
	if (ks.status == KS_OK)
		return 0;
	fprintf(stderr, "driver: wallet %s: status %d\n", ks.id, ks.status);
	return 1;
}

/*
 * Start-up as the parent does it, then unlock and load every sealed key.
 * Returns the milliseconds from IMSG_CTL_UNLOCK to the last
 * IMSG_KS_LOADED.
 */
static double
start_signer(const char *bin, const char *datadir)
{
	static struct ctl_unlock u;
	struct ctl_config	 cfg;
	struct ctl_peer		 peer = { PROC_POLICYD };
	struct ctl_unlocked	 ur;
	struct ks_blob		 b;
	struct imsg		 imsg;
	struct dirent		*de;
	DIR			*d;
	char			 path[PATH_MAX];
	const char		*pw;
	double			 t0;
	int			 pd[2], dfd, bad = 0, nloaded = 0;

	if ((pw = getenv("WAIAAS_MASTER_PASSWORD")) == NULL ||
	    strlen(pw) == 0 || strlen(pw) > KS_PASSWORD_MAX)
		fatalx("set WAIAAS_MASTER_PASSWORD");
	snprintf(path, sizeof(path), "%s/keystore", datadir);
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		fatal("%s", path);
	spawn(bin, "signer");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pd) == -1 ||
	    set_nonblock(pd[0]) == -1)
		fatal("socketpair");
	if (imsgchan_init(&D.pd.ch, pd[0], "signer (policyd channel)",
	    CHAN_SIGNER_MAX, CHAN_SIGNER_WMAX, 0) == -1)
		fatal("policyd channel");

	memset(&cfg, 0, sizeof(cfg));
	cfg.role = PROC_SIGNER;
	cfg.flags = CTL_F_FOREGROUND;	/* no CTL_F_PRIVSEP: no chroot */
	cfg.uid = getuid();
	cfg.gid = getgid();
	cfg.log_level = LOGL_INFO;
	cfg.nofile = 64;
	cfg.start_time = time(NULL);
	send1(&D.ctl, IMSG_CTL_CONFIG, 0, -1, &cfg, sizeof(cfg));
	send1(&D.ctl, IMSG_CTL_PEER, 0, pd[1], &peer, sizeof(peer));
	send1(&D.ctl, IMSG_CTL_START, 0, -1, NULL, 0);
	expect(&D.ctl, &imsg, IMSG_CTL_READY, 0);

	u.have_meta = 1;
	read_exact(dfd, "keystore.meta", &u.meta, sizeof(u.meta));
	u.pwlen = (uint32_t)strlen(pw);
	memcpy(u.pw, pw, u.pwlen);
	t0 = now_ms();
	send1(&D.ctl, IMSG_CTL_UNLOCK, 0, -1, &u, sizeof(u));
	explicit_bzero(&u, sizeof(u));
	expect(&D.ctl, &imsg, IMSG_CTL_UNLOCKED, sizeof(ur));
	memcpy(&ur, imsg.data, sizeof(ur));
	if (ur.status != UNLOCK_OK) {
		printf("unlock failed: status %d (%s)\n", ur.status,
		    ur.status == UNLOCK_WRONG ? "wrong password" : "error");
		exit(1);
	}

	if ((d = fdopendir(dfd)) == NULL)
		fatal("keystore");
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != KS_ID_LEN + 4 ||
		    strcmp(de->d_name + KS_ID_LEN, ".enc") != 0)
			continue;
		read_exact(dirfd(d), de->d_name, &b, sizeof(b));
		send1(&D.ctl, IMSG_KS_LOAD, 0, -1, &b, sizeof(b));
		D.nwallets++;
		/* At most LOAD_WINDOW unanswered, as the parent does. */
		if (D.nwallets - nloaded >= LOAD_WINDOW)
			bad += load_answer(&nloaded);
	}
	closedir(d);
	while (nloaded < D.nwallets)
		bad += load_answer(&nloaded);
	if (bad > 0)
		fatalx("%d sealed keys did not load", bad);
	return now_ms() - t0;
}

/* Wait for the signer's end; its exit status, or -1 after a signal. */
static int
wait_exit(void)
{
	double	end = now_ms() + TIMEOUT_MS;
	int	st;
	pid_t	r;

	while ((r = waitpid(D.pid, &st, WNOHANG)) == 0) {
		if (now_ms() > end)
			fatalx("the signer did not exit within 10 s");
		pump(20);
	}
	if (r == -1)
		fatal("waitpid");
	if (WIFSIGNALED(st)) {
		printf("signer killed by signal %d\n", WTERMSIG(st));
		return -1;
	}
	return WEXITSTATUS(st);
}

/* Close both channels: the signer must exit cleanly (status 0). */
static int
finish(int rc)
{
	int	st;

	close(D.ctl.ch.fd);
	close(D.pd.ch.fd);
	D.ctl.eof = D.pd.eof = 1;
	if ((st = wait_exit()) != 0) {
		printf("signer exited with status %d\n", st);
		return 1;
	}
	return rc;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: signer_driver PROGRAM COMMAND DATADIR ARGS "
	    "(see the comment in tests/tools/signer_driver.c)\n");
	exit(2);
}

/* Decimal to a 256-bit big-endian integer. */
static void
dec256(const char *s, uint8_t out[32])
{
	unsigned int	c;
	int		i;

	memset(out, 0, 32);
	if (*s == '\0')
		fatalx("empty number");
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			fatalx("not a decimal number: %s", s);
		c = (unsigned int)(*s - '0');
		for (i = 31; i >= 0; i--) {
			c += out[i] * 10u;
			out[i] = c & 0xff;
			c >>= 8;
		}
		if (c != 0)
			fatalx("number above 2^256");
	}
}

static uint64_t
dec64(const char *s)
{
	unsigned long long	v;
	char			*end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0)
		fatalx("not a 64-bit decimal number: %s", s);
	return v;
}

static size_t
hex(const char *s, uint8_t *out, size_t max)
{
	size_t	n;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (sodium_hex2bin(out, max, s, strlen(s), NULL, &n, NULL) != 0 ||
	    n * 2 != strlen(s))
		fatalx("bad hex (or over %zu bytes): %.40s", max, s);
	return n;
}

static void
b58(const char *s, uint8_t out[32])
{
	if (base58_decode(s, strlen(s), out, 32) != 32)
		fatalx("not a 32-byte base58 key: %s", s);
}

static void
print_hex(const uint8_t *p, size_t len)
{
	size_t	i;

	printf("0x");
	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static uint8_t	outbuf[EVM_TX_MAX], databuf[SIGN_DATA_MAX];

/*
 * Send one sign request as policyd and wait for its reply; the output
 * lands in outbuf.  Anything but SIGN_OK ends the driver with status 1.
 */
static size_t
sign(uint32_t type, const void *req, size_t reqlen, size_t datalen,
    struct sign_reply *r)
{
	struct iovec	iov[2] = { { (void *)(uintptr_t)req, reqlen },
			    { databuf, datalen } };
	struct imsg	imsg;
	uint32_t	id = ++D.reqid;
	int		n;

	send_msg(&D.pd, type, id, -1, iov, datalen > 0 ? 2 : 1);
	if ((n = next_msg(&D.pd, &imsg, TIMEOUT_MS)) != 1)
		fatalx("no reply: %s", n == 0 ? "the signer closed the "
		    "channel" : "timeout");
	if (imsg.hdr.type != IMSG_SIGNER_SIGNED || imsg.hdr.peerid != id ||
	    imsg.len < sizeof(*r))
		fatalx("expected IMSG_SIGNER_SIGNED #%u, got %s #%u len %zu",
		    id, imsg_type_name(imsg.hdr.type), imsg.hdr.peerid,
		    imsg.len);
	memcpy(r, imsg.data, sizeof(*r));
	if (imsg.len != sizeof(*r) + r->len || r->len > sizeof(outbuf))
		fatalx("IMSG_SIGNER_SIGNED: length %zu, output %u", imsg.len,
		    r->len);
	memcpy(outbuf, imsg.data + sizeof(*r), r->len);
	if (r->status != SIGN_OK) {
		printf("sign: status %d\n", r->status);
		exit(finish(1));
	}
	return r->len;
}

/* WALLETID CHAINID NONCE GAS (GASPRICE | MAXPRIO MAXFEE) TO VALUE */
static void
evm_req(struct sign_evm_tx *q, int legacy, char **av)
{
	memset(q, 0, sizeof(*q));
	strlcpy(q->id, av[0], sizeof(q->id));
	q->type = legacy ? EVM_TX_LEGACY : EVM_TX_1559;
	q->chain_id = dec64(av[1]);
	q->nonce = dec64(av[2]);
	q->gas_limit = dec64(av[3]);
	if (legacy)
		dec256(av[4], q->gas_price);
	else {
		dec256(av[4], q->max_priority_fee);
		dec256(av[5], q->max_fee);
	}
	av += legacy ? 5 : 6;
	if (hex(av[0], q->to, 20) != 20)
		fatalx("TO is not 20 bytes");
	dec256(av[1], q->value);
}

/* The signing commands: print what the signer returned. */
static int
cmd_sign(const char *cmd, int ac, char **av)
{
	static struct sign_sol_tx	q;
	struct sign_evm_tx		e;
	struct sign_evm_msg		m;
	struct sign_sol_msg		sm;
	struct sign_reply		r;
	char				txt[SOL_TX_MAX * 2];
	size_t				n, dlen = 0;
	int				lg = strcmp(cmd, "evm-legacy") == 0;

	memset(&q, 0, sizeof(q));
	strlcpy(q.id, av[0], sizeof(q.id));
	if ((lg || strcmp(cmd, "evm-tx") == 0) && (ac == 8 - lg ||
	    ac == 9 - lg)) {
		evm_req(&e, lg, av);
		if (ac == 9 - lg)
			dlen = hex(av[8 - lg], databuf, sizeof(databuf));
		e.datalen = (uint32_t)dlen;
		n = sign(IMSG_SIGNER_SIGN_EVM_TX, &e, sizeof(e), dlen, &r);
		print_hex(outbuf, n);
		print_hex(r.txhash, 32);
		return 0;
	}
	if (strncmp(cmd, "evm-", 4) == 0 && ac == 2 + (cmd[4] == 't')) {
		memset(&m, 0, sizeof(m));
		strlcpy(m.id, av[0], sizeof(m.id));
		m.kind = SIGN_EVM_PERSONAL;
		if (strcmp(cmd, "evm-typed") == 0) {
			m.kind = SIGN_EVM_TYPED;
			if (hex(av[1], databuf, 32) != 32 ||
			    hex(av[2], databuf + 32, 32) != 32)
				fatalx("DOMAINHEX, STRUCTHEX: 32 bytes each");
			dlen = 64;
		} else if ((dlen = strlen(av[1])) <= SIGN_MSG_MAX)
			memcpy(databuf, av[1], dlen);
		m.datalen = (uint32_t)dlen;
		print_hex(outbuf, sign(IMSG_SIGNER_SIGN_EVM_MSG, &m, sizeof(m),
		    dlen, &r));
		return 0;
	}
	if (strcmp(cmd, "sol-msg") == 0 && ac == 2) {
		memset(&sm, 0, sizeof(sm));
		strlcpy(sm.id, av[0], sizeof(sm.id));
		if ((dlen = strlen(av[1])) > SIGN_MSG_MAX)
			fatalx("message too long");
		memcpy(databuf, av[1], dlen);
		sm.datalen = (uint32_t)dlen;
		if ((n = sign(IMSG_SIGNER_SIGN_SOL_MSG, &sm, sizeof(sm), dlen,
		    &r)) != 64)
			fatalx("signature of %zu bytes", n);
		base58_encode(outbuf, n, txt, sizeof(txt));
		printf("%s\n", txt);
		return 0;
	}
	if (strcmp(cmd, "sol-transfer") == 0 && (ac == 4 || ac == 5)) {
		q.kind = SIGN_SOL_TRANSFER;
		b58(av[1], q.blockhash);
		b58(av[2], q.to);
		q.amount = dec64(av[3]);
	} else if (strcmp(cmd, "sol-token") == 0 && (ac == 7 || ac == 8)) {
		q.kind = SIGN_SOL_TOKEN;
		b58(av[1], q.blockhash);
		b58(av[2], q.mint);
		b58(av[3], q.to);
		q.amount = dec64(av[4]);
		q.decimals = (uint8_t)dec64(av[5]);
		q.create_ata = (uint8_t)dec64(av[6]);
	} else
		usage();
	/* A memo: sent as is, even over the bound (the signer refuses). */
	if (ac == (q.kind == SIGN_SOL_TRANSFER ? 5 : 8)) {
		if ((dlen = strlen(av[ac - 1])) > SOL_TX_MAX)
			fatalx("memo too long");
		memcpy(databuf, av[ac - 1], dlen);
		q.datalen = (uint32_t)dlen;
	}
	n = sign(IMSG_SIGNER_SIGN_SOL_TX, &q, sizeof(q), dlen, &r);
	sodium_bin2base64(txt, sizeof(txt), outbuf, n,
	    sodium_base64_VARIANT_ORIGINAL);
	printf("%s\n", txt);
	return 0;
}

/* N requests of one kind, INFLIGHT at a time; returns signatures/s. */
static double
bench_signer(uint32_t type, void *req, size_t len, uint64_t *counter,
    long n)
{
	struct imsg		imsg;
	struct sign_reply	r;
	long			sent = 0, done = 0;
	double			t0 = now_ms();

	while (done < n) {
		while (sent < n && sent - done < INFLIGHT &&
		    imsgchan_room(&D.pd.ch) >= len + IMSG_HDR_SIZE) {
			(*counter)++;	/* each request differs */
			send1(&D.pd, type, (uint32_t)++sent, -1, req, len);
		}
		if (next_msg(&D.pd, &imsg, TIMEOUT_MS) != 1)
			fatalx("bench: no reply");
		if (imsg.hdr.type != IMSG_SIGNER_SIGNED ||
		    imsg.len < sizeof(r))
			fatalx("bench: unexpected %s",
			    imsg_type_name(imsg.hdr.type));
		memcpy(&r, imsg.data, sizeof(r));
		if (r.status != SIGN_OK || r.len == 0 ||
		    imsg.len != sizeof(r) + r.len)
			fatalx("bench: reply status %d len %u", r.status,
			    r.len);
		done++;
	}
	return n / ((now_ms() - t0) / 1e3);
}

/* The same signatures without the process boundary. */
static double
raw_evm(const struct sign_evm_tx *q, long n, size_t *len)
{
	struct evm_tx		 tx;
	secp256k1_context	*ctx;
	uint8_t			 key[32], hash[32];
	double			 t0;
	long			 i;

	memset(&tx, 0, sizeof(tx));
	tx.type = EVM_TX_1559;
	tx.chain_id = q->chain_id;
	tx.gas_limit = q->gas_limit;
	memcpy(tx.max_priority_fee, q->max_priority_fee, 32);
	memcpy(tx.max_fee, q->max_fee, 32);
	memcpy(tx.to, q->to, 20);
	memcpy(tx.value, q->value, 32);
	memset(key, 0x42, sizeof(key));
	if ((ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE)) == NULL)
		fatalx("secp256k1_context_create");
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		tx.nonce = (uint64_t)i;
		if (evm_tx_sign(ctx, &tx, key, outbuf, sizeof(outbuf), len,
		    hash) == -1)
			fatalx("evm_tx_sign");
	}
	secp256k1_context_destroy(ctx);
	return n / ((now_ms() - t0) / 1e3);
}

static double
raw_ed25519(long n)
{
	uint8_t	seed[32], pk[32], sk[64], msg[200];
	double	t0;
	long	i;

	memset(seed, 0x42, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	memset(msg, 0x5a, sizeof(msg));
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		memcpy(msg, &i, sizeof(i));
		crypto_sign_detached(outbuf, NULL, msg, sizeof(msg), sk);
	}
	return n / ((now_ms() - t0) / 1e3);
}

static double
best(double a, double b)
{
	return a > b ? a : b;
}

/* Best of three rounds of each: the machine may be busy elsewhere. */
static int
cmd_bench(int ac, char **av)
{
	static struct sign_sol_tx s;
	struct sign_evm_tx	 q;
	char			*evm[] = { av[0], "1", "0", "21000",
				    "1000000000", "30000000000", DEAD_ADDR,
				    "1000000000000000" };
	double			 es = 0, er = 0, ss = 0, sr = 0;
	size_t			 len = 0;
	long			 n;
	int			 round;

	if (ac != 3 || (n = (long)dec64(av[2])) <= 0)
		fatalx("bench EVM_WALLETID SOL_WALLETID N");
	evm_req(&q, 0, evm);
	memset(&s, 0, sizeof(s));
	strlcpy(s.id, av[1], sizeof(s.id));
	s.kind = SIGN_SOL_TRANSFER;
	randombytes_buf(s.blockhash, 32);
	randombytes_buf(s.to, 32);
	for (round = 0; round < 3; round++) {
		es = best(es, bench_signer(IMSG_SIGNER_SIGN_EVM_TX, &q,
		    sizeof(q), &q.nonce, n));
		ss = best(ss, bench_signer(IMSG_SIGNER_SIGN_SOL_TX, &s,
		    sizeof(s), &s.amount, n));
		er = best(er, raw_evm(&q, n, &len));
		sr = best(sr, raw_ed25519(n));
	}
	printf("EVM EIP-1559 via signer:    %8.0f sig/s (N=%ld, %d in "
	    "flight, best of 3)\n", es, n, INFLIGHT);
	printf("EVM raw evm_tx_sign:        %8.0f sig/s (%zu-byte tx)\n", er,
	    len);
	printf("Solana transfer via signer: %8.0f sig/s\n", ss);
	printf("Ed25519 raw (200 bytes):    %8.0f sig/s\n", sr);
	printf("ratio EVM signer/raw:       %8.2f\n", es / er);
	printf("ratio Solana signer/raw:    %8.2f\n", ss / sr);
	return 0;
}

/* Read both channels to their end: 1 if a signature came on either. */
static int
drain_for_signatures(void)
{
	struct imsg	imsg;
	double		end = now_ms() + TIMEOUT_MS;
	int		seen = 0;

	while (!(D.ctl.eof && D.pd.eof) && now_ms() < end) {
		pump(50);
		while (get(&D.ctl, &imsg) || get(&D.pd, &imsg))
			if (imsg.hdr.type == IMSG_SIGNER_SIGNED) {
				printf("a signature came back (#%u)\n",
				    imsg.hdr.peerid);
				seen = 1;
			}
	}
	return seen;
}

/* A request that must make the signer exit 1 and sign nothing. */
static int
abuse_fatal(const char *what, struct chan *c, uint32_t type,
    const void *req, size_t len)
{
	int	sig, st;

	send1(c, type, ++D.reqid, -1, req, len);
	sig = drain_for_signatures();
	st = wait_exit();
	printf("%s: signer exited with status %d, %s\n", what, st,
	    sig ? "A SIGNATURE WAS SENT" : "no signature");
	return st == 1 && !sig ? 0 : 1;
}

static int
cmd_abuse(const char *cmd, int ac, char **av)
{
	struct sign_evm_tx	q;
	struct sign_reply	r;
	struct health_pong	pong;
	struct imsg		imsg;
	uint8_t			buf[sizeof(q) + 5];
	char			*f[] = { UNKNOWN_ID, "1", "0", "21000", "1",
				    "2", DEAD_ADDR, "1" };

	if (ac > 0)
		f[0] = av[0];
	evm_req(&q, 0, f);
	if (strcmp(cmd, "abuse-unknown") == 0) {
		send1(&D.pd, IMSG_SIGNER_SIGN_EVM_TX, 7, -1, &q, sizeof(q));
		expect(&D.pd, &imsg, IMSG_SIGNER_SIGNED, sizeof(r));
		memcpy(&r, imsg.data, sizeof(r));
		printf("unknown wallet: reply status %d len %u\n", r.status,
		    r.len);
		send1(&D.pd, IMSG_HEALTH_PING, 8, -1, NULL, 0);
		expect(&D.pd, &imsg, IMSG_HEALTH_PONG, sizeof(pong));
		memcpy(&pong, imsg.data, sizeof(pong));
		printf("then a health ping: pong from signer pid %u\n",
		    pong.signer_pid);
		return finish(r.status == SIGN_UNKNOWN_WALLET && r.len == 0 &&
		    imsg.hdr.peerid == 8 && pong.signer_pid ==
		    (uint32_t)D.pid ? 0 : 1);
	}
	if (ac != 1 && strcmp(cmd, "abuse-type") != 0)
		fatalx("%s DATADIR WALLETID", cmd);
	if (strcmp(cmd, "abuse-badlen") == 0) {
		/* The header claims 10 bytes of calldata; 5 follow. */
		q.datalen = 10;
		memcpy(buf, &q, sizeof(q));
		memset(buf + sizeof(q), 0xab, 5);
		return abuse_fatal(cmd, &D.pd, IMSG_SIGNER_SIGN_EVM_TX, buf,
		    sizeof(buf));
	}
	if (strcmp(cmd, "abuse-parent") == 0)
		return abuse_fatal(cmd, &D.ctl, IMSG_SIGNER_SIGN_EVM_TX, &q,
		    sizeof(q));
	return abuse_fatal(cmd, &D.pd, 9999, NULL, 0);
}

/*
 * pd-abuse-sign DBDIR: play parent, api, signer, relay and fetch to a real
 * policyd, send a well-formed sign request on the API channel, and
 * expect policyd to exit 1 with nothing sent towards the signer.
 */
static int
cmd_pd_abuse_sign(const char *bin, const char *dbdir)
{
	static const int	 peers[] = { PROC_API, PROC_SIGNER,
				    PROC_RELAY, PROC_FETCH };
	struct chan		 ch[4];
	struct ctl_config	 cfg;
	static struct ctl_price	 cp;
	static struct ctl_notify cn;
	struct ctl_setting	 cs;
	char			 setbuf[sizeof(struct ctl_setting) + 8];
	struct ctl_peer		 peer;
	struct sign_evm_tx	 q;
	struct imsg		 imsg;
	char			 buf[64];
	char			*f[] = { UNKNOWN_ID, "1", "0", "21000", "1",
				    "2", DEAD_ADDR, "1" };
	ssize_t			 n;
	size_t			 i;
	int			 sp[2], st, leaked = 0;

	spawn(bin, "policyd");
	memset(&cfg, 0, sizeof(cfg));
	cfg.role = PROC_POLICYD;
	cfg.flags = CTL_F_FOREGROUND;
	cfg.uid = getuid();
	cfg.gid = getgid();
	cfg.log_level = LOGL_INFO;
	cfg.nofile = 64;
	cfg.lock_failures = 10;
	cfg.lock_seconds = 60;
	cfg.max_sessions = 10;
	cfg.start_time = time(NULL);
	if (strlen(dbdir) >= sizeof(cfg.workdir))
		fatalx("path too long");
	memcpy(cfg.workdir, dbdir, strlen(dbdir));
	send1(&D.ctl, IMSG_CTL_CONFIG, 0, -1, &cfg, sizeof(cfg));
	for (i = 0; i < nitems(peers); i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) ==
		    -1 || set_nonblock(sp[0]) == -1)
			fatal("socketpair");
		memset(&ch[i], 0, sizeof(ch[i]));
		if (imsgchan_init(&ch[i].ch, sp[0], proc_name(peers[i]),
		    CHAN_API_MAX, CHAN_API_WMAX, 0) == -1)
			fatal("imsgchan_init");
		peer.peer = (uint32_t)peers[i];
		send1(&D.ctl, IMSG_CTL_PEER, 0, sp[1], &peer, sizeof(peer));
	}
	/* No prices: the one IMSG_CTL_PRICE policyd needs before start. */
	memset(&cp, 0, sizeof(cp));
	cp.max_age = 600;
	send1(&D.ctl, IMSG_CTL_PRICE, 0, -1, &cp, sizeof(cp));
	/* No notification channels, as IMSG_CTL_NOTIFY says. */
	memset(&cn, 0, sizeof(cn));
	cn.max_age = 86400;
	send1(&D.ctl, IMSG_CTL_NOTIFY, 0, -1, &cn, sizeof(cn));
	/* One configuration key, as GET /v1/admin/settings shows it. */
	memset(&cs, 0, sizeof(cs));
	strlcpy(cs.section, "daemon", sizeof(cs.section));
	strlcpy(cs.key, "log_level", sizeof(cs.key));
	cs.len = sizeof("info");
	memcpy(setbuf, &cs, sizeof(cs));
	memcpy(setbuf + sizeof(cs), "info", sizeof("info"));
	send1(&D.ctl, IMSG_CTL_SETTING, 0, -1, setbuf,
	    sizeof(cs) + sizeof("info"));
	send1(&D.ctl, IMSG_CTL_START, 0, -1, NULL, 0);
	expect(&D.ctl, &imsg, IMSG_CTL_READY, 0);
	evm_req(&q, 0, f);
	if (imsgchan_compose(&ch[0].ch, IMSG_SIGNER_SIGN_EVM_TX, 1, -1, &q,
	    sizeof(q)) == -1 || imsgchan_flush_all(&ch[0].ch) == -1)
		fatal("api channel");
	st = wait_exit();
	/* The signer's end must see the close and nothing else. */
	while ((n = read(ch[1].ch.fd, buf, sizeof(buf))) > 0)
		leaked += (int)n;
	printf("sign request on the api channel: policyd exited with status "
	    "%d, %d bytes went to the signer\n", st, leaked);
	return st == 1 && leaked == 0 ? 0 : 1;
}

/* A random id of the form ks_valid_id() takes. */
static void
random_id(char *id)
{
	uint8_t		r[16];
	size_t		i, k = 0;

	randombytes_buf(r, sizeof(r));
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			id[k++] = '-';
		snprintf(id + k, 3, "%02x", r[i]);
		k += 2;
	}
	id[KS_ID_LEN] = '\0';
}

/* A valid secp256k1 key and its compressed public key. */
static void
evm_keypair(secp256k1_context *ctx, uint8_t *sk, uint8_t *pub)
{
	secp256k1_pubkey	pk;
	size_t			len = 33;

	do {
		randombytes_buf(sk, 32);
	} while (!secp256k1_ec_seckey_verify(ctx, sk));
	if (!secp256k1_ec_pubkey_create(ctx, &pk, sk) ||
	    !secp256k1_ec_pubkey_serialize(ctx, pub, &len, &pk,
	    SECP256K1_EC_COMPRESSED))
		fatalx("secp256k1");
}

/*
 * seal N [wrong]: the key-encryption key from the password and the
 * keystore's meta (Argon2id, as the signer derives it), then N blobs
 * made as signer_keys.c's seal() makes them, each in its own file.
 */
static int
cmd_seal(const char *datadir, int ac, char **av)
{
	secp256k1_context	*ctx;
	struct ks_meta		 meta;
	struct ks_blob		 b;
	uint8_t			 kek[32], sk[32], other[32], ad[128];
	char			 path[PATH_MAX], name[KS_ID_LEN + 8];
	const char		*pw = getenv("WAIAAS_MASTER_PASSWORD");
	unsigned long long	 clen;
	size_t			 adlen;
	long			 i, n;
	int			 dfd, fd, wrong;

	if (ac < 1 || (n = strtol(av[0], NULL, 10)) < 1 || n > 1000000)
		usage();
	wrong = ac > 1 && strcmp(av[1], "wrong") == 0;
	if (pw == NULL || *pw == '\0')
		fatalx("set WAIAAS_MASTER_PASSWORD");
	snprintf(path, sizeof(path), "%s/keystore", datadir);
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		fatal("%s", path);
	read_exact(dfd, "keystore.meta", &meta, sizeof(meta));
	if (argon2id_hash_raw(meta.kdf_passes, meta.kdf_mem_kib,
	    meta.kdf_lanes, pw, strlen(pw), meta.salt, KS_SALT_LEN, kek,
	    sizeof(kek)) != ARGON2_OK)
		fatalx("argon2id");
	if ((ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE)) == NULL)
		fatalx("secp256k1_context_create");
	for (i = 0; i < n; i++) {
		memset(&b, 0, sizeof(b));
		memcpy(b.magic, KS_BLOB_MAGIC, 8);
		b.chain = KS_CHAIN_ETHEREUM;
		b.publen = 33;
		random_id(name);
		memcpy(b.id, name, KS_ID_LEN);
		evm_keypair(ctx, sk, b.pub);
		if (wrong)
			evm_keypair(ctx, other, b.pub);
		randombytes_buf(b.nonce, sizeof(b.nonce));
		adlen = 0;
		memcpy(ad, "waiaas-key-v1", 13);
		adlen += 13;
		memcpy(ad + adlen, b.id, KS_ID_LEN);
		adlen += KS_ID_LEN;
		ad[adlen++] = b.chain;
		ad[adlen++] = b.publen;
		memcpy(ad + adlen, b.pub, b.publen);
		adlen += b.publen;
		crypto_aead_xchacha20poly1305_ietf_encrypt(b.box, &clen, sk,
		    sizeof(sk), ad, adlen, NULL, b.nonce, kek);
		memcpy(name + KS_ID_LEN, ".enc", 5);
		if ((fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0600)) == -1 ||
		    write(fd, &b, sizeof(b)) != (ssize_t)sizeof(b) ||
		    close(fd) == -1)
			fatal("keystore/%s", name);
		printf("%.36s\n", name);
	}
	sodium_memzero(kek, sizeof(kek));
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(other, sizeof(other));
	secp256k1_context_destroy(ctx);
	close(dfd);
	return 0;
}

int
main(int argc, char *argv[])
{
	const char	*cmd;
	double		 ms;
	char		**av;
	int		 ac;

	if (argc < 4)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	log_init(LOG_TO_STDERR, LOGL_INFO, "driver");
	if (sodium_init() < 0)
		fatalx("sodium_init");
	cmd = argv[2];
	av = argv + 4;
	ac = argc - 4;
	if (strcmp(cmd, "pd-abuse-sign") == 0)
		return cmd_pd_abuse_sign(argv[1], argv[3]);
	if (strcmp(cmd, "seal") == 0)
		return cmd_seal(argv[3], ac, av);
	ms = start_signer(argv[1], argv[3]);
	if (strcmp(cmd, "unlock-time") == 0) {
		printf("unlock: %.1f ms for %d wallets\n", ms, D.nwallets);
		return finish(0);
	}
	if (strncmp(cmd, "abuse-", 6) == 0)
		return cmd_abuse(cmd, ac, av);
	if (strcmp(cmd, "bench") == 0)
		return finish(cmd_bench(ac, av));
	if (ac < 2)
		usage();
	return finish(cmd_sign(cmd, ac, av));
}
