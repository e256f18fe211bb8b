#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <linux/futex.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "log.h"
#include "msg.h"
#include "sandbox.h"
#include "util.h"

#define A(name)	SCMP_SYS(name)

/* The kernel's mask of the type in socket(2)'s flags-and-type argument. */
#define SOCK_TYPE_MASK	0xf

/* Every role: its channels, memory, randomness, clocks and exit. */
static const int sys_base[] = {
	A(read), A(write), A(readv), A(writev), A(poll), A(ppoll),
	A(brk), A(munmap), A(mremap), A(madvise),
	A(getrandom), A(clock_gettime), A(gettimeofday),
	A(exit), A(exit_group), A(rt_sigreturn), A(restart_syscall),
};

/* The signer adds locked, guarded memory (sodium_malloc) and no more. */
static const int sys_signer[] = {
	A(mlock), A(munlock),
};

/* libevent loop and descriptor housekeeping. */
static const int sys_evloop[] = {
	A(epoll_wait), A(epoll_pwait), A(epoll_ctl), A(close),
	A(fcntl), A(getpid),
};

/* policyd: its SQLite files, inside the chroot of the data directory. */
static const int sys_policyd[] = {
	A(openat), A(fstat), A(newfstatat), A(lstat), A(stat), A(statx),
	A(lseek), A(pread64), A(pwrite64), A(fsync), A(fdatasync),
	A(ftruncate), A(unlink), A(unlinkat), A(getcwd), A(access),
	A(faccessat), A(faccessat2), A(fchown), A(fchmod), A(geteuid),
	A(readlink), A(nanosleep), A(clock_nanosleep), A(mlock), A(munlock),
};

/*
 * api: accept and serve HTTP on the descriptor the parent bound; chain
 * RPC out through libcurl and OpenSSL: connect, and below, socket() for
 * TCP over AF_INET and AF_INET6 only, and futex(FUTEX_WAKE_PRIVATE)
 * alone, which pthread_once(3) makes the first time OpenSSL runs one of
 * its lazy initialisations (a wake-up without waiters in a one-thread
 * process).
 */
static const int sys_api[] = {
	A(accept), A(accept4), A(setsockopt), A(getsockopt),
	A(getsockname), A(getpeername), A(shutdown), A(recvfrom),
	A(sendto), A(sendmsg), A(recvmsg), A(mlock), A(munlock),
	A(connect),
};

/*
 * relay and fetch: outbound connections only (allow_tcp_out() below).
 * No open, no accept, no file call of any kind.
 */
static const int sys_relay[] = {
	A(connect), A(setsockopt), A(getsockopt), A(getsockname),
	A(getpeername), A(shutdown), A(recvfrom), A(sendto),
	A(sendmsg), A(recvmsg),
};

#ifdef SANITIZER_BUILD
/* What the ASan/UBSan runtimes call when reporting or growing. */
static const int sys_sanitizer[] = {
	A(sigaltstack), A(rt_sigaction), A(rt_sigprocmask), A(getpid),
	A(gettid), A(tgkill), A(sched_yield), A(futex), A(prctl),
	A(close), A(mlock), A(munlock),
};
#endif

#ifdef SANDBOX_DEBUG
#define NAMES_MAX	512
static char	*names[NAMES_MAX];
static const char *role_name;

static void
sigsys_handler(int sig, siginfo_t *info, void *ctx)
{
	char		 buf[160];
	const char	*n = "?";
	int		 len, nr = info->si_syscall;

	(void)sig;
	(void)ctx;
	if (nr >= 0 && nr < NAMES_MAX && names[nr] != NULL)
		n = names[nr];
	len = snprintf(buf, sizeof(buf), "%s: sandbox: forbidden system call "
	    "%s (%d)\n", role_name, n, nr);
	if (len > 0)
		(void)!write(STDERR_FILENO, buf, (size_t)len);
	_exit(128 + SIGSYS);
}

static void
debug_setup(int role)
{
	struct sigaction	sa;
	int			i;

	role_name = proc_name(role);
	for (i = 0; i < NAMES_MAX; i++)
		names[i] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
		    i);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigsys_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		fatal("sigaction SIGSYS");
}
#endif

static int
allow(scmp_filter_ctx ctx, const int *calls, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0) < 0)
			return -1;
	return 0;
}

#define ALLOW(ctx, list)	allow(ctx, list, nitems(list))

/* Descriptors pread(2) may read (GET /metrics: statm files). */
static int	pread_fds[2] = { -1, -1 };

void
sandbox_pread_fd(int fd)
{
	size_t	i;

	if (fd < 0)
		return;
	for (i = 0; i < nitems(pread_fds); i++)
		if (pread_fds[i] == -1) {
			pread_fds[i] = fd;
			return;
		}
	fatalx("sandbox_pread_fd: more than %zu", nitems(pread_fds));
}

/*
 * pread(2) on the descriptors named, no other: they were opened before
 * the drop, and the filter allows no open, so this reaches no new file.
 */
static int
allow_pread(scmp_filter_ctx ctx)
{
	size_t	i;

	for (i = 0; i < nitems(pread_fds); i++)
		if (pread_fds[i] >= 0 && seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
		    A(pread64), 1, SCMP_A0(SCMP_CMP_EQ,
		    (scmp_datum_t)pread_fds[i])) < 0)
			return -1;
	return 0;
}

/*
 * Outbound TCP through libcurl and OpenSSL (api, relay, fetch): FIONREAD,
 * socket() for TCP over AF_INET and AF_INET6 only, and
 * futex(FUTEX_WAKE_PRIVATE) alone, which pthread_once(3) makes the
 * first time OpenSSL runs one of its lazy initialisations.
 */
static int
allow_tcp_out(scmp_filter_ctx ctx)
{
	static const int	fam[] = { AF_INET, AF_INET6 };
	size_t			i;

	for (i = 0; i < nitems(fam); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, A(socket), 2,
		    SCMP_A0(SCMP_CMP_EQ, fam[i]),
		    SCMP_A1(SCMP_CMP_MASKED_EQ, SOCK_TYPE_MASK,
		    SOCK_STREAM)) < 0)
			return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, A(ioctl), 1,
	    SCMP_A1(SCMP_CMP_EQ, FIONREAD)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, A(futex), 1,
	    SCMP_A1(SCMP_CMP_EQ, FUTEX_WAKE_PRIVATE)) < 0)
		return -1;
	return 0;
}

int
sandbox_enter(int role)
{
	scmp_filter_ctx	ctx;
	uint32_t	deflt = SCMP_ACT_KILL_PROCESS;
	int		r = -1;

#ifdef SANDBOX_DEBUG
	debug_setup(role);
	deflt = SCMP_ACT_TRAP;
#endif
	if ((ctx = seccomp_init(deflt)) == NULL)
		return -1;
	/* A foreign architecture (e.g. int 0x80 on x86_64) is an attack. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) < 0)
		goto out;
	if (ALLOW(ctx, sys_base) == -1)
		goto out;
	/* Never executable memory, at mapping or later. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, A(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, A(mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) < 0)
		goto out;
#ifdef SANITIZER_BUILD
	/*
	 * A report wants /proc/self/maps and the executable's name: let
	 * those fail instead of killing the process before it says why.
	 */
	if (ALLOW(ctx, sys_sanitizer) == -1 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), A(open), 0) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), A(readlink), 0) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTTY), A(ioctl), 1,
	    SCMP_A1(SCMP_CMP_NE, FIONREAD)) < 0)
		goto out;
#endif

	/* policyd has pread64 for its database already (sys_policyd). */
	if (role != PROC_POLICYD && allow_pread(ctx) == -1)
		goto out;
	switch (role) {
	case PROC_SIGNER:
		if (ALLOW(ctx, sys_signer) == -1)
			goto out;
		break;
	case PROC_POLICYD:
		if (ALLOW(ctx, sys_evloop) == -1 ||
		    ALLOW(ctx, sys_policyd) == -1)
			goto out;
		break;
	case PROC_API:
		if (ALLOW(ctx, sys_evloop) == -1 ||
		    ALLOW(ctx, sys_api) == -1 || allow_tcp_out(ctx) == -1)
			goto out;
		break;
	case PROC_RELAY:
	case PROC_FETCH:
		if (ALLOW(ctx, sys_evloop) == -1 ||
		    ALLOW(ctx, sys_relay) == -1 || allow_tcp_out(ctx) == -1)
			goto out;
		break;
	default:
		errno = EINVAL;
		goto out;
	}
	if (seccomp_load(ctx) < 0)
		goto out;
	r = 0;
out:
	seccomp_release(ctx);
	return r;
}
