/*
 * Landlock: file access narrowed to one directory (policyd's database)
 * or to nothing at all, on top of chroot and seccomp.  It matters most
 * when started as a normal user: no chroot, and policyd must be allowed
 * openat(2) for SQLite, so without Landlock it could read every file its
 * user can, the keystore and recovery.key among them.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/landlock.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"

/* Rights newer than Debian's headers (they stop at ABI 2). */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)
#endif
#define ACCESS_FS_TRUNCATE		(1ULL << 14)	/* ABI 3 */
#define ACCESS_FS_IOCTL_DEV		(1ULL << 15)	/* ABI 5 */

#define ACCESS_FS_ABI1	((1ULL << 13) - 1)	/* EXECUTE .. MAKE_SYM */

static int
ll_abi(void)
{
	long	r;

	r = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	return r < 0 ? 0 : (int)r;
}

/*
 * Confine this process: no file access at all, or only what SQLite needs
 * below dir.  Returns 0 when applied, 1 when the kernel has no Landlock
 * (chroot and seccomp still hold), -1 on error.
 */
int
landlock_confine(const char *dir)
{
	struct landlock_ruleset_attr	 attr;
	struct landlock_path_beneath_attr pb;
	uint64_t			 handled = ACCESS_FS_ABI1, allow;
	int				 abi, rfd, dfd, r = -1;

	if ((abi = ll_abi()) < 1)
		return 1;
	if (abi >= 2)
		handled |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		handled |= ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		handled |= ACCESS_FS_IOCTL_DEV;
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = handled;
	if ((rfd = (int)syscall(SYS_landlock_create_ruleset, &attr,
	    sizeof(attr), 0)) < 0)
		return -1;
	if (dir != NULL) {
		allow = LANDLOCK_ACCESS_FS_READ_FILE |
		    LANDLOCK_ACCESS_FS_WRITE_FILE |
		    LANDLOCK_ACCESS_FS_READ_DIR |
		    LANDLOCK_ACCESS_FS_REMOVE_FILE |
		    LANDLOCK_ACCESS_FS_MAKE_REG;
		if (abi >= 3)
			allow |= ACCESS_FS_TRUNCATE;
		if ((dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
			goto out;
		memset(&pb, 0, sizeof(pb));
		pb.allowed_access = allow;
		pb.parent_fd = dfd;
		r = (int)syscall(SYS_landlock_add_rule, rfd,
		    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
		close(dfd);
		if (r < 0)
			goto out;
	}
	/* Required to restrict oneself without CAP_SYS_ADMIN. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    syscall(SYS_landlock_restrict_self, rfd, 0) < 0)
		goto out;
	r = 0;
out:
	close(rfd);
	return r;
}
