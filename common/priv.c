/*
 * Privileges, given up for good: core dumps and ptrace off, the
 * capability bounding set emptied, file access as another user, the
 * chroot and the drop to one user with proof that it holds.  The parent
 * uses these on itself too, so they are apart from the children's
 * start-up (proc.c), which brings the sandbox: the parent links no
 * seccomp or Landlock code.
 */
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "priv.h"
#include "util.h"

/* Core files, ptrace attach and /proc/PID/mem of this process: off. */
void
priv_harden(void)
{
	struct rlimit	rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		fatal("setrlimit RLIMIT_CORE");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("PR_SET_DUMPABLE");
}

void
priv_clear_bounding(void)
{
	int	cap, r;

	/*
	 * Only what the set still holds: a container starts with a few
	 * (SETUID, SETGID, SYS_CHROOT, SETPCAP), and dropping one from the
	 * bounding set takes CAP_SETPCAP.
	 */
	for (cap = 0; cap <= 63; cap++) {
		if ((r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0)) == -1) {
			if (errno == EINVAL)
				break;	/* past the kernel's last cap */
			fatal("PR_CAPBSET_READ %d", cap);
		}
		if (r == 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1) {
			if (errno == EPERM)
				fatalx("cannot empty the capability bounding "
				    "set without CAP_SETPCAP: start with it "
				    "(docker: cap_add SETPCAP)");
			fatal("PR_CAPBSET_DROP %d", cap);
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		fatal("PR_CAP_AMBIENT_CLEAR_ALL");
}

/* 1 when the effective, permitted and inheritable sets are all empty. */
int
priv_caps_zero(void)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[2];

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &hdr, data) == -1)
		return 0;
	return (data[0].effective | data[1].effective | data[0].permitted |
	    data[1].permitted | data[0].inheritable |
	    data[1].inheritable) == 0;
}

/*
 * File access as uid:gid (the file-system ids), while the effective ids
 * stay root for the setresuid() to come.  Root without CAP_DAC_OVERRIDE
 * (a container with only SETUID, SETGID and SYS_CHROOT) cannot enter
 * a directory that belongs to one of our users; that user can.  Moving
 * away from fsuid 0 also lowers every file capability, so this only
 * ever narrows what the process may touch.
 */
void
priv_fsid(uid_t uid, gid_t gid)
{
	setfsgid(gid);
	setfsuid(uid);
	if ((uid_t)setfsuid((uid_t)-1) != uid ||
	    (gid_t)setfsgid((gid_t)-1) != gid)
		fatalx("cannot access files as %u:%u", (unsigned)uid,
		    (unsigned)gid);
}

/*
 * Open the directory a child is chrooted to.  Its path runs through the
 * data directory, which only the parent's user may enter, and ends in a
 * directory of the child's user (policyd) or of root.  The data
 * directory is found as root (the way there may pass a directory only
 * root may enter, such as /root; O_PATH needs no access to the last
 * part), its entry looked up as its owner, and then changed to as the
 * child's own user.  Leaves the cwd there.
 */
static void
priv_chdir_root(const char *root, uid_t uid, gid_t gid)
{
	struct stat	 st;
	char		 up[CTL_PATH_MAX], *slash;
	int		 fd, dfd;

	if (strlcpy(up, root, sizeof(up)) >= sizeof(up))
		fatalx("chroot path too long");
	if ((slash = strrchr(up, '/')) == NULL || slash == up ||
	    slash[1] == '\0')
		fatalx("chroot %s: not a directory below another", root);
	*slash = '\0';
	if ((dfd = open(up, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(dfd, &st) == -1)
		fatal("%s", up);
	priv_fsid(st.st_uid, st.st_gid);
	if ((fd = openat(dfd, slash + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		fatal("open %s", root);
	close(dfd);
	priv_fsid(uid, gid);
	if (fchdir(fd) == -1)
		fatal("chdir %s", root);
	close(fd);
}

/*
 * Chroot (if asked), then become uid/gid for good, in the order of
 * OpenSSH's permanently_set_uid(), and prove there is no way back.
 */
void
priv_drop(uid_t uid, gid_t gid, const char *root)
{
	uid_t	ru, eu, su;
	gid_t	rg, eg, sg;

	if (uid == 0 || gid == 0)
		fatalx("refusing to run as uid or gid 0");
	if (root != NULL && root[0] != '\0') {
		priv_chdir_root(root, uid, gid);
		if (chroot(".") == -1)
			fatal("chroot %s", root);
		if (chdir("/") == -1)
			fatal("chdir /");
	}
	if (setgroups(1, &gid) == -1)
		fatal("setgroups");
	if (setresgid(gid, gid, gid) == -1)
		fatal("setresgid %u", (unsigned)gid);
	if (setresuid(uid, uid, uid) == -1)
		fatal("setresuid %u", (unsigned)uid);

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		fatal("getresuid");
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid ||
	    sg != gid)
		fatalx("uid/gid not dropped");
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1 ||
	    setegid(0) != -1)
		fatalx("could regain root after dropping privileges");
	if (!priv_caps_zero())
		fatalx("capabilities remain after dropping privileges");
}
