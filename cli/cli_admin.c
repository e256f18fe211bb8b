/*
 * set-master: change the master password.  The daemon does the work
 * (policyd, the signer and the parent; see policyd/policyd_admin.c and
 * parent/parent_keystore.c); this command finds the current password
 * where the daemon does, the new one in WAIAAS_NEW_MASTER_PASSWORD_FILE,
 * WAIAAS_NEW_MASTER_PASSWORD or a prompt, never in argv, and keeps
 * recovery.key in step when that is where the password lives.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "keystore.h"
#include "secret.h"
#include "util.h"
#include "version.h"

#define NEW_MIN		8

static int	o_generate;

static void
sm_opt(int ch, const char *arg)
{
	(void)arg;
	if (ch == 'g')
		o_generate = 1;
}

/*
 * recovery.key.new with the new password, synced, before the daemon is
 * asked: if this command dies after the daemon switched, the new
 * password is on disk beside the old one rather than lost.
 */
static void
write_new_key(int dfd, const char *pw, size_t len)
{
	int	fd;

	(void)unlinkat(dfd, "recovery.key.new", 0);
	if ((fd = openat(dfd, "recovery.key.new", O_WRONLY | O_CREAT |
	    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1)
		cli_fail("%s/recovery.key.new: %s", cli.datadir,
		    strerror(errno));
	secret_share_root(dfd, fd);
	if (write(fd, pw, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd) == -1 || close(fd) == -1 || fsync(dfd) == -1)
		cli_fail("%s/recovery.key.new: %s", cli.datadir,
		    strerror(errno));
}

int
cmd_set_master(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "generate", no_argument, NULL, 'g' },
		CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	static const char help[] =
	    "usage: waiaas set-master [--generate] [--url URL]\n"
	    "Change the master password: every wallet key is sealed again\n"
	    "under the new one and the old one stops working.  The current\n"
	    "password comes from the usual sources; the new one from\n"
	    "WAIAAS_NEW_MASTER_PASSWORD_FILE, WAIAAS_NEW_MASTER_PASSWORD or\n"
	    "a prompt (twice), never from the command line.  When the\n"
	    "current one is recovery.key's, the file gets the new one.\n"
	    "  --generate  a random new password, into recovery.key (only\n"
	    "              when recovery.key holds the current one)\n";
	char		*npw, err[256];
	json_t		*ans = NULL;
	size_t		 nlen = 0;
	long		 st;
	int		 dfd, from_key, r;
	unsigned char	 raw[32];

	cli_getopt(argc, argv, "", opts, sm_opt, help);
	if (optind != argc)
		cli_usage_error("no operands");
	cli_datadir();
	dfd = open(cli.datadir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	/* Where master_password() will look: recovery.key comes third. */
	from_key = dfd != -1 &&
	    (getenv("WAIAAS_MASTER_PASSWORD_FILE") == NULL ||
	    getenv("WAIAAS_MASTER_PASSWORD_FILE")[0] == '\0') &&
	    getenv("WAIAAS_MASTER_PASSWORD") == NULL &&
	    faccessat(dfd, "recovery.key", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	cli_password();
	if ((npw = sodium_malloc(KS_PASSWORD_MAX + 1)) == NULL)
		cli_fail("out of memory");
	if (o_generate) {
		if (!from_key)
			cli_usage_error("--generate: only when recovery.key "
			    "holds the current password");
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2base64(npw, KS_PASSWORD_MAX + 1, raw, sizeof(raw),
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		sodium_memzero(raw, sizeof(raw));
		nlen = strlen(npw);
	} else if (secret_new_password(npw, &nlen) == -1)
		cli_fail("no new password: set WAIAAS_NEW_MASTER_PASSWORD_FILE "
		    "or WAIAAS_NEW_MASTER_PASSWORD, run on a terminal, or use "
		    "--generate");
	if (nlen < NEW_MIN)
		cli_fail("the new password is shorter than %d bytes",
		    NEW_MIN);
	if (nlen == cli.pwlen && sodium_memcmp(npw, cli.pw, nlen) == 0)
		cli_fail("the new password is the current one");
	if (from_key)
		write_new_key(dfd, npw, nlen);

	cli_address();
	r = cli_http("PUT", "/v1/admin/master-password",
	    json_pack("{s:s%}", "newPassword", npw, nlen), 1, CLI_TIMEOUT, &st,
	    &ans, err, sizeof(err));
	sodium_free(npw);
	if (r == -1 || (st >= 500 && ans == NULL)) {
		/* It may or may not have happened: keep both files. */
		if (from_key)
			cli_fail("no answer from waiaasd (%s): the change may "
			    "or may not have happened; recovery.key has the "
			    "old password, recovery.key.new the new one; "
			    "waiaas start tells which opens (see README)",
			    r == -1 ? err : "no JSON");
		cli_fail("no answer from waiaasd (%s): the change may or may "
		    "not have happened", r == -1 ? err : "no JSON");
	}
	if (st != 200) {
		if (from_key)
			(void)unlinkat(dfd, "recovery.key.new", 0);
		cli_fail_answer(ans, st, "/v1/admin/master-password");
	}
	json_decref(ans);
	if (from_key) {
		if (renameat(dfd, "recovery.key.new", dfd, "recovery.key") ==
		    -1 || fsync(dfd) == -1)
			cli_fail("the password changed, but recovery.key.new "
			    "could not replace recovery.key: %s (rename it by "
			    "hand)", strerror(errno));
		printf("master password changed; recovery.key holds the new "
		    "one\n");
	} else
		printf("master password changed\n");
	if (dfd != -1)
		close(dfd);
	return 0;
}

/* ---- update ---- */

/*
 * How this install is updated.  No network call: there is no release
 * registry to ask, so the newest version this command can name is its
 * own, and it says so rather than guess.
 */
int
cmd_update(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTS, { NULL, 0, NULL, 0 }
	};
	static const char help[] =
	    "usage: waiaas update\n"
	    "Prints this build's version and how an install like this one\n"
	    "is updated (a clone with make install, or a Docker image).  It\n"
	    "changes nothing and makes no network call.\n";
	char	exe[PATH_MAX];
	ssize_t	n;
	int	container;

	cli_getopt(argc, argv, "", opts, cli_no_opt, help);
	if (optind != argc)
		cli_usage_error("no operands");
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) < 0)
		strlcpy(exe, "waiaas", sizeof(exe));
	else
		exe[n] = '\0';
	container = access("/.dockerenv", F_OK) == 0 ||
	    access("/run/.containerenv", F_OK) == 0;
	printf("waiaas %s (%s%s)\n", WAIAAS_VERSION, exe, container ?
	    ", in a container" : "");
	printf("The newest version known to this build is %s, its own: "
	    "waiaas asks no\nserver for releases (there is none to ask).  "
	    "Updates come from the\nsource repository this was built from.\n"
	    "\n", WAIAAS_VERSION);
	printf("Installed from a clone with make install:\n"
	    "  cd CLONE && git pull && make && make install\n"
	    "  waiaas stop && waiaas start\n"
	    "Run as a Docker image built from the clone:\n"
	    "  cd CLONE && git pull && docker compose build && "
	    "docker compose up -d\n"
	    "  (or docker build -t IMAGE . and run the container again on "
	    "the same volume)\n"
	    "Either way the data directory (wallets, keys, database) stays "
	    "as it is;\ntake a backup first: waiaas backup create\n");
	return 0;
}
