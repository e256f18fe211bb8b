/*
 * The seccomp allowlists, tested the way the kernel's own selftests do:
 * fork, load the role's filter in the child, make one call and look at
 * how the child ended.  A forbidden call must kill it with SIGSYS; the
 * work every role does must still go through.
 *
 * A sandboxed child may call almost nothing, so it never uses cmocka:
 * it reports by its exit status and leaves with _exit(2), which also
 * keeps the sanitizers' exit-time machinery (the leak checker) out of it.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/futex.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "msg.h"
#include "sandbox.h"
#include "util.h"

/* Exit statuses of a child that did not die. */
#define EX_NOSANDBOX	90	/* sandbox_enter() failed */
#define EX_SURVIVED	91	/* the forbidden call returned */
#define EX_DENIED	92	/* it failed with the sanitizer build's errno */

/* x86_64 marks x32-ABI calls with this bit in the system call number. */
#define X32_SYSCALL_BIT	0x40000000L

#define R_API		(1U << PROC_API)
#define R_POLICYD	(1U << PROC_POLICYD)
#define R_SIGNER	(1U << PROC_SIGNER)
#define R_RELAY		(1U << PROC_RELAY)
#define R_FETCH		(1U << PROC_FETCH)
#define R_ALL		(R_API | R_POLICYD | R_SIGNER | R_RELAY | R_FETCH)

static const int roles[] = { PROC_API, PROC_POLICYD, PROC_SIGNER,
    PROC_RELAY, PROC_FETCH };

static pid_t	 self;		/* the child's pid, taken before the filter */
static void	*rw_page;	/* mapped read-write before any fork */
static struct sockaddr_in api_peer;	/* a loopback listener for the api */

/*
 * Forbidden calls.  Each is made with syscall(2) so that libc cannot
 * take another path; the arguments are harmless should one be let
 * through.
 */
static long
call_open(void)
{
	return syscall(SYS_open, "/dev/null", O_RDONLY);
}

static long
call_openat(void)
{
	return syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
}

static long
call_socket_inet(void)
{
	return syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
}

/* The api's internet sockets are TCP: no UDP, no raw sockets. */
static long
call_socket_inet_dgram(void)
{
	return syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
}

static long
call_socket_inet6_raw(void)
{
	return syscall(SYS_socket, AF_INET6, SOCK_RAW, IPPROTO_RAW);
}

/* The relay may open internet sockets only: not netlink, packet, vsock. */
static long
call_socket_netlink(void)
{
	return syscall(SYS_socket, AF_NETLINK, SOCK_RAW, 0);
}

static long
call_socket_packet(void)
{
	return syscall(SYS_socket, AF_PACKET, SOCK_RAW, 0);
}

static long
call_socket_unix(void)
{
	return syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
}

static long
call_socketpair(void)
{
	int	sv[2];

	return syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv);
}

static long
call_connect(void)
{
	return syscall(SYS_connect, -1, NULL, 0);
}

static long
call_accept(void)
{
	return syscall(SYS_accept, -1, NULL, NULL);
}

static long
call_bind(void)
{
	return syscall(SYS_bind, -1, NULL, 0);
}

static long
call_listen(void)
{
	return syscall(SYS_listen, -1, 1);
}

static long
call_execve(void)
{
	char	*argv[] = { "/bin/true", NULL };
	char	*envp[] = { NULL };

	return syscall(SYS_execve, argv[0], argv, envp);
}

static long
call_execveat(void)
{
	char	*argv[] = { "/bin/true", NULL };
	char	*envp[] = { NULL };

	return syscall(SYS_execveat, AT_FDCWD, argv[0], argv, envp, 0);
}

static long
call_ptrace(void)
{
	return syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
}

static long
call_fork(void)
{
	long	r;

	if ((r = syscall(SYS_fork)) == 0)
		_exit(EX_SURVIVED);
	return r;
}

static long
call_clone(void)
{
	long	r;

	if ((r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0)) == 0)
		_exit(EX_SURVIVED);
	return r;
}

static long
call_kill(void)
{
	return syscall(SYS_kill, self, 0);
}

static long
call_setuid(void)
{
	return syscall(SYS_setuid, getuid());
}

/* ioctl is allowed to api and relay for FIONREAD alone. */
static long
call_ioctl_tiocsti(void)
{
	return syscall(SYS_ioctl, -1, TIOCSTI, "x");
}

static long
call_mmap_exec(void)
{
	return syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static long
call_mmap_wx(void)
{
	return syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE |
	    PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static long
call_mprotect_rx(void)
{
	return syscall(SYS_mprotect, rw_page, 4096, PROT_READ | PROT_EXEC);
}

static long
call_mprotect_x(void)
{
	return syscall(SYS_mprotect, rw_page, 4096, PROT_EXEC);
}

static long
call_pkey_mprotect(void)
{
	return syscall(SYS_pkey_mprotect, rw_page, 4096, PROT_READ, -1);
}

/* write(2) is allowed, but not through the x32 ABI: a foreign ABI. */
static long
call_x32_write(void)
{
	return syscall(X32_SYSCALL_BIT | SYS_write, STDERR_FILENO, "", 0);
}

#ifndef SANITIZER_BUILD
/* The sanitizer runtimes need these, so only plain builds forbid them. */
static long
call_close(void)
{
	return syscall(SYS_close, -1);
}

/* The api may wake (pthread_once), never wait: the value differs anyway. */
static long
call_futex_wait(void)
{
	static int	word;

	return syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 1, NULL, NULL,
	    0);
}

static long
call_prctl(void)
{
	return syscall(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0);
}
#endif

static const struct forbidden {
	const char	*name;
	long		(*call)(void);
	unsigned int	 roles;
} forbidden[] = {
	{ "open",			call_open,		R_ALL },
	{ "openat",			call_openat,
	    R_API | R_SIGNER | R_RELAY | R_FETCH },
	{ "socket(AF_INET)",		call_socket_inet,
	    R_POLICYD | R_SIGNER },
	{ "socket(AF_INET, SOCK_DGRAM)",	call_socket_inet_dgram,	R_ALL },
	{ "socket(AF_INET6, SOCK_RAW)",	call_socket_inet6_raw,	R_ALL },
	{ "socket(AF_UNIX)",		call_socket_unix,	R_ALL },
	{ "socket(AF_NETLINK)",		call_socket_netlink,	R_ALL },
	{ "socket(AF_PACKET)",		call_socket_packet,	R_ALL },
	{ "socketpair",			call_socketpair,	R_ALL },
	{ "connect",			call_connect,
	    R_POLICYD | R_SIGNER },
	{ "accept",			call_accept,
	    R_POLICYD | R_SIGNER | R_RELAY | R_FETCH },
	{ "bind",			call_bind,		R_ALL },
	{ "listen",			call_listen,		R_ALL },
	{ "execve",			call_execve,		R_ALL },
	{ "execveat",			call_execveat,		R_ALL },
	{ "ptrace",			call_ptrace,		R_ALL },
	{ "fork",			call_fork,		R_ALL },
	{ "clone",			call_clone,		R_ALL },
	{ "kill",			call_kill,		R_ALL },
	{ "setuid",			call_setuid,		R_ALL },
	{ "ioctl(TIOCSTI)",		call_ioctl_tiocsti,	R_ALL },
	{ "mmap(PROT_READ|PROT_EXEC)",	call_mmap_exec,		R_ALL },
	{ "mmap(PROT_READ|PROT_WRITE|PROT_EXEC)", call_mmap_wx,	R_ALL },
	{ "mprotect(PROT_READ|PROT_EXEC)", call_mprotect_rx,	R_ALL },
	{ "mprotect(PROT_EXEC)",	call_mprotect_x,	R_ALL },
	{ "pkey_mprotect",		call_pkey_mprotect,	R_ALL },
	{ "x32 write",			call_x32_write,		R_ALL },
#ifndef SANITIZER_BUILD
	{ "close",			call_close,		R_SIGNER },
	{ "prctl",			call_prctl,		R_ALL },
	{ "futex(FUTEX_WAIT_PRIVATE)",	call_futex_wait,	R_ALL },
#endif
};

static const char *
status_str(int st, char *buf, size_t len)
{
	if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(st),
		    strsignal(WTERMSIG(st)));
	else if (WIFEXITED(st))
		snprintf(buf, len, "exited with %d%s", WEXITSTATUS(st),
		    WEXITSTATUS(st) == EX_NOSANDBOX ? " (no sandbox)" :
		    WEXITSTATUS(st) == EX_SURVIVED ? " (call returned)" : "");
	else
		snprintf(buf, len, "status %#x", st);
	return buf;
}

/* Reap pid, giving up after 10 s so that a stuck child fails the test. */
static int
wait_child(pid_t pid)
{
	struct timespec	ts = { 0, 10 * 1000 * 1000 };
	pid_t		r;
	int		i, st;

	for (i = 0; i < 1000; i++) {
		if ((r = waitpid(pid, &st, WNOHANG)) == pid)
			return st;
		if (r == -1 && errno != EINTR)
			fail_msg("waitpid: %s", strerror(errno));
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	fail_msg("child %d still running after 10 s", (int)pid);
	return -1;
}

/* What priv_harden() does in the daemon: a killed child leaves no core. */
static void
child_harden(void)
{
	struct rlimit	rl = { 0, 0 };

	self = getpid();
	(void)setrlimit(RLIMIT_CORE, &rl);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* In a fresh child, enter role's sandbox and make one forbidden call. */
static int
run_forbidden(int role, long (*call)(void))
{
	pid_t	pid;

	if ((pid = fork()) == -1)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		child_harden();
		if (sandbox_enter(role) == -1)
			_exit(EX_NOSANDBOX);
		/*
		 * Sanitizer builds answer open, readlink and ioctl with an
		 * errno, so that a report can be printed (sandbox.c).
		 */
		if (call() == -1 && (errno == EACCES || errno == ENOTTY))
			_exit(EX_DENIED);
		_exit(EX_SURVIVED);
	}
	return wait_child(pid);
}

static void
test_forbidden(void **state)
{
	const struct forbidden	*f;
	char			 buf[80];
	size_t			 i;
	int			 role = *(const int *)*state;
	int			 st, bad = 0, n = 0;

	for (i = 0; i < nitems(forbidden); i++) {
		f = &forbidden[i];
		if (!(f->roles & (1U << role)))
			continue;
		n++;
		st = run_forbidden(role, f->call);
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
			continue;
#ifdef SANITIZER_BUILD
		if (WIFEXITED(st) && WEXITSTATUS(st) == EX_DENIED)
			continue;
#endif
		print_error("%s: %s: %s, not killed by SIGSYS\n",
		    proc_name(role), f->name, status_str(st, buf,
		    sizeof(buf)));
		bad++;
	}
	assert_true(n > 0);
	assert_int_equal(bad, 0);
}

/*
 * The work every role does, then what its own process needs.  Each step
 * that fails has its own exit status.
 */
static int
allowed_work(int role, int in_r, int out_w)
{
	struct pollfd	 pfd;
	struct timespec	 ts;
	unsigned char	 rnd[32], zero[32];
	char		 buf[4];
	void		*p;
	socklen_t	 len;
	long		 r;
	int		 fd, avail, one = 1;

	pfd.fd = in_r;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 5000) != 1 || !(pfd.revents & POLLIN))
		return 1;
	if (read(in_r, buf, sizeof(buf)) != 4 || memcmp(buf, "ping", 4) != 0)
		return 2;
	if ((p = malloc(1024 * 1024)) == NULL)
		return 3;
	memset(p, 0xa5, 1024 * 1024);
	free(p);
	memset(zero, 0, sizeof(zero));
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd) ||
	    memcmp(rnd, zero, sizeof(rnd)) == 0)
		return 4;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1 ||
	    syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts) == -1)
		return 5;
	/* The mmap/mprotect rules look at PROT_EXEC only. */
	r = syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if ((void *)r == MAP_FAILED)
		return 6;
	if (syscall(SYS_mprotect, (void *)r, 4096, PROT_READ) == -1 ||
	    syscall(SYS_mprotect, (void *)r, 4096, PROT_NONE) == -1 ||
	    syscall(SYS_munmap, (void *)r, 4096) == -1)
		return 7;

	switch (role) {
	case PROC_SIGNER:
		/* sodium_malloc: locked memory. */
		if (mlock(rw_page, 4096) == -1 || munlock(rw_page, 4096) == -1)
			return 10;
		break;
	case PROC_POLICYD:
		if ((fd = openat(AT_FDCWD, "/dev/null", O_RDWR)) == -1)
			return 20;
		if (fcntl(fd, F_GETFL) == -1 || close(fd) == -1)
			return 21;
		if (getpid() != self)
			return 22;
		break;
	case PROC_API:
		if (ioctl(in_r, FIONREAD, &avail) == -1 || avail != 0)
			return 30;
		if (fcntl(in_r, F_GETFL) == -1 || close(in_r) == -1)
			return 31;
		/* libcurl: a TCP connection out, as it makes one. */
		if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, IPPROTO_TCP)) == -1)
			return 32;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one)) == -1)
			return 33;
		if (connect(fd, (struct sockaddr *)&api_peer,
		    sizeof(api_peer)) == -1 && errno != EINPROGRESS)
			return 34;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		len = sizeof(avail);
		if (poll(&pfd, 1, 5000) != 1 || getsockopt(fd, SOL_SOCKET,
		    SO_ERROR, &avail, &len) == -1 || avail != 0)
			return 35;
		if (send(fd, "x", 1, MSG_NOSIGNAL) != 1 || close(fd) == -1)
			return 36;
		/* IPv6 may be off in this kernel: then EAFNOSUPPORT. */
		if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) == -1) {
			if (errno != EAFNOSUPPORT)
				return 37;
		} else if (close(fd) == -1)
			return 37;
		/* pthread_once(3) wakes waiters once it has run. */
		if (syscall(SYS_futex, &avail, FUTEX_WAKE_PRIVATE, INT_MAX,
		    NULL, NULL, 0) == -1)
			return 38;
		break;
	case PROC_RELAY:
	case PROC_FETCH:
		if (ioctl(in_r, FIONREAD, &avail) == -1 || avail != 0)
			return 40;
		/* Outbound TCP sockets, as libcurl opens them. */
		if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1)
			return 41;
		if (close(fd) == -1)
			return 42;
		if (syscall(SYS_futex, &avail, FUTEX_WAKE_PRIVATE, INT_MAX,
		    NULL, NULL, 0) == -1)
			return 43;
		break;
	}
	if (write(out_w, "pong", 4) != 4)
		return 8;
	return 0;
}

static void
test_allowed(void **state)
{
	char	buf[80], got[8];
	pid_t	pid;
	int	role = *(const int *)*state;
	int	in[2], out[2], st;

	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(write(in[1], "ping", 4), 4);
	if ((pid = fork()) == -1)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		child_harden();
		if (sandbox_enter(role) == -1)
			_exit(EX_NOSANDBOX);
		_exit(allowed_work(role, in[0], out[1]));
	}
	close(in[0]);
	close(in[1]);
	close(out[1]);
	st = wait_child(pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("%s: allowed work: %s", proc_name(role),
		    status_str(st, buf, sizeof(buf)));
	memset(got, 0, sizeof(got));
	assert_int_equal(read(out[0], got, sizeof(got)), 4);
	assert_memory_equal(got, "pong", 4);
	close(out[0]);
}

/* Does the status file hold this line? */
static int
status_has(const char *status, const char *line)
{
	const char	*s = status;
	size_t		 len = strlen(line);

	while ((s = strstr(s, line)) != NULL) {
		if ((s == status || s[-1] == '\n') && s[len] == '\n')
			return 1;
		s += len;
	}
	return 0;
}

/*
 * The child cannot look at itself once sandboxed, so the parent reads
 * /proc/<pid>/status while the child waits in read(2).
 */
static void
test_status(void **state)
{
	char	path[64], status[8192], buf[80], c;
	ssize_t	n;
	pid_t	pid;
	int	role = *(const int *)*state;
	int	ready[2], release[2], fd, st;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(release), 0);
	if ((pid = fork()) == -1)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		child_harden();
		close(ready[0]);
		close(release[1]);
		if (sandbox_enter(role) == -1)
			_exit(EX_NOSANDBOX);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		if (read(release[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	n = read(ready[0], &c, 1);
	close(ready[0]);
	if (n == 1) {
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
		if ((fd = open(path, O_RDONLY)) == -1)
			n = -1;
		else {
			n = read(fd, status, sizeof(status) - 1);
			close(fd);
		}
	} else
		n = 0;
	/* Release the child before any assertion can leave this test. */
	(void)!write(release[1], "g", 1);
	close(release[1]);
	st = wait_child(pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("%s: sandboxed child: %s", proc_name(role),
		    status_str(st, buf, sizeof(buf)));
	assert_true(n > 0);
	status[n] = '\0';
	if (!status_has(status, "Seccomp:\t2") ||
	    !status_has(status, "NoNewPrivs:\t1"))
		fail_msg("%s: %s has no \"Seccomp:\t2\" and \"NoNewPrivs:\t1\""
		    ":\n%s", proc_name(role), path, status);
}

/* No role, no filter: -1 and EINVAL, and the child is not sandboxed. */
static void
test_unknown_role(void **state)
{
	static const int	 bad[] = { PROC_PARENT, PROC_MAX, -1, 1000 };
	char			 buf[80];
	size_t			 i;
	pid_t			 pid;
	int			 st, r;

	(void)state;
	for (i = 0; i < nitems(bad); i++) {
		if ((pid = fork()) == -1)
			fail_msg("fork: %s", strerror(errno));
		if (pid == 0) {
			child_harden();
			errno = 0;
			r = sandbox_enter(bad[i]);
			if (r != -1)
				_exit(1);
			if (errno != EINVAL)
				_exit(2);
			if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0)
				_exit(3);
			if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
				_exit(4);
			/* In no role's list: would die if a filter were on. */
			if (syscall(SYS_getppid) == -1)
				_exit(5);
			_exit(0);
		}
		st = wait_child(pid);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail_msg("sandbox_enter(%d): %s", bad[i],
			    status_str(st, buf, sizeof(buf)));
	}
}

/* A listener for the api's outbound connection; never accepted. */
static int
listen_loopback(struct sockaddr_in *sin)
{
	socklen_t	len = sizeof(*sin);
	int		fd;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)sin, sizeof(*sin)) == -1 ||
	    listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)sin, &len) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

#define ROLE_TESTS(name, i)						\
	{ "forbidden_" name, test_forbidden, NULL, NULL,		\
	    (void *)&roles[i] },					\
	{ "allowed_" name, test_allowed, NULL, NULL,			\
	    (void *)&roles[i] },					\
	{ "status_" name, test_status, NULL, NULL, (void *)&roles[i] }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		ROLE_TESTS("api", 0),
		ROLE_TESTS("policyd", 1),
		ROLE_TESTS("signer", 2),
		ROLE_TESTS("relay", 3),
		cmocka_unit_test(test_unknown_role),
	};

	rw_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (rw_page == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (listen_loopback(&api_peer) == -1) {
		perror("listen on 127.0.0.1");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
