/*
 * The debug build of the sandbox (-DSANDBOX_DEBUG) traps a forbidden call
 * and names it on stderr before the process exits, instead of a silent
 * SIGSYS; every role, the call it is forbidden, the name printed.
 */
#include <sys/syscall.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "msg.h"
#include "sandbox.h"

static void
expect_named(int role, long nr, const char *want)
{
	char	buf[512] = "";
	ssize_t	n;
	size_t	off = 0;
	pid_t	pid;
	int	fds[2], st;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		if (sandbox_enter(role) == -1)
			_exit(3);
		syscall(nr, AT_FDCWD, "/etc/hostname", O_RDONLY, 0);
		_exit(0);	/* not reached: the call is trapped */
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + off, sizeof(buf) - 1 - off)) > 0)
		off += (size_t)n;
	buf[off] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 128 + 31);	/* 128 + SIGSYS */
	assert_non_null(strstr(buf, proc_name(role)));
	assert_non_null(strstr(buf, want));
}

static void
test_debug_names_call(void **state)
{
	(void)state;
	expect_named(PROC_SIGNER, SYS_openat,
	    "forbidden system call openat");
	expect_named(PROC_API, SYS_openat, "forbidden system call openat");
	expect_named(PROC_RELAY, SYS_execve, "forbidden system call execve");
	expect_named(PROC_POLICYD, SYS_execve,
	    "forbidden system call execve");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debug_names_call),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
