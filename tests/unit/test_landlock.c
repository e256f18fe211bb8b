/*
 * Landlock as the children use it: confined to one directory, a process
 * can create, read, write and remove files there and open nothing else;
 * confined to nothing, it opens no file at all.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sandbox.h"

static char	dir[] = "/tmp/test_landlock.XXXXXX";
static char	outside[] = "/tmp/test_landlock_out.XXXXXX";

/* Run fn in a child; its exit status (0: every expectation held). */
static int
in_child(int (*fn)(void))
{
	pid_t	pid;
	int	st;

	if ((pid = fork()) == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int
confined_to_dir(void)
{
	char	path[128];
	int	fd;

	if (landlock_confine(dir) != 0)
		return 10;
	snprintf(path, sizeof(path), "%s/db", dir);
	if ((fd = open(path, O_RDWR | O_CREAT, 0600)) == -1)
		return 11;
	if (write(fd, "x", 1) != 1 || ftruncate(fd, 0) == -1)
		return 12;
	close(fd);
	if (unlink(path) == -1)
		return 13;
	/* Outside the directory: nothing, not even reading. */
	if (open(outside, O_RDONLY) != -1 || errno != EACCES)
		return 14;
	if (open("/etc/passwd", O_RDONLY) != -1 || errno != EACCES)
		return 15;
	snprintf(path, sizeof(path), "%s/new", outside);
	if (open(path, O_WRONLY | O_CREAT, 0600) != -1 || errno != EACCES)
		return 16;
	/* No directories, no links, no executables inside either. */
	snprintf(path, sizeof(path), "%s/sub", dir);
	if (mkdir(path, 0700) != -1 || errno != EACCES)
		return 17;
	return 0;
}

static int
confined_to_nothing(void)
{
	char	path[128];

	if (landlock_confine(NULL) != 0)
		return 10;
	snprintf(path, sizeof(path), "%s/db", dir);
	if (open(path, O_RDWR | O_CREAT, 0600) != -1 || errno != EACCES)
		return 11;
	if (open("/etc/passwd", O_RDONLY) != -1 || errno != EACCES)
		return 12;
	return 0;
}

static void
test_dir(void **state)
{
	(void)state;
	assert_int_equal(in_child(confined_to_dir), 0);
}

static void
test_nothing(void **state)
{
	(void)state;
	assert_int_equal(in_child(confined_to_nothing), 0);
}

static int
setup(void **state)
{
	char	path[128];
	int	fd;

	(void)state;
	if (mkdtemp(dir) == NULL || mkdtemp(outside) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/secret", outside);
	if ((fd = open(path, O_WRONLY | O_CREAT, 0600)) == -1)
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	char	path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/secret", outside);
	unlink(path);
	rmdir(outside);
	rmdir(dir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dir),
		cmocka_unit_test(test_nothing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
