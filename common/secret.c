/*
 * The master password, from wherever the operator keeps it: shared by
 * the daemon's parent and the waiaas command, so both look in the same
 * places in the same order.  Errors are fatal (log.h) and name the
 * source, never the secret.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "keystore.h"
#include "log.h"
#include "secret.h"

/*
 * Read a small secret file: a regular file, not readable by others when
 * it is ours, at most KS_PASSWORD_MAX bytes; one trailing newline (LF or
 * CRLF) is not part of the password.
 */
static int
read_secret_file(int dfd, const char *path, int strict, char *pw,
    size_t *len)
{
	struct stat	st;
	ssize_t		n;
	size_t		off = 0;
	int		fd;

	if ((fd = openat(dfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		fatalx("%s: not a regular file", path);
	}
	if (strict && (st.st_mode & 077 & ~SECRET_GROUP_OK(&st, S_IRGRP)))
		fatalx("%s: readable by group or others (chmod 600)", path);
	while ((n = read(fd, pw + off, KS_PASSWORD_MAX + 1 - off)) > 0)
		off += (size_t)n;
	close(fd);
	if (n == -1)
		fatal("%s", path);
	if (off > KS_PASSWORD_MAX)
		fatalx("%s: longer than %d bytes", path, KS_PASSWORD_MAX);
	if (off > 0 && pw[off - 1] == '\n')
		off--;
	if (off > 0 && pw[off - 1] == '\r')
		off--;
	*len = off;
	return 0;
}

static int
prompt_tty(const char *prompt, char *pw, size_t *len)
{
	struct termios	old, noecho;
	ssize_t		n;
	size_t		off = 0;
	char		c;
	int		fd;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1)
		return -1;
	if (tcgetattr(fd, &old) == -1) {
		close(fd);
		return -1;
	}
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	noecho.c_lflag |= ICANON;
	(void)!write(fd, prompt, strlen(prompt));
	tcsetattr(fd, TCSAFLUSH, &noecho);
	while ((n = read(fd, &c, 1)) == 1 && c != '\n') {
		if (off < KS_PASSWORD_MAX + 1)
			pw[off++] = c;
	}
	tcsetattr(fd, TCSAFLUSH, &old);
	(void)!write(fd, "\n", 1);
	close(fd);
	c = 0;
	if (off > KS_PASSWORD_MAX)
		fatalx("master password longer than %d bytes",
		    KS_PASSWORD_MAX);
	*len = off;
	return 0;
}

/*
 * fd, a secret file just made (mode 0600) in the directory dfd: when the
 * operator made that directory group root, searchable by it and
 * set-group-ID (2710, the image's /data), the file took the group root
 * and is made readable by it (secret.h), for root without
 * CAP_DAC_OVERRIDE.  Anywhere else it keeps 0600, whoever made it.
 */
void
secret_share_root(int dfd, int fd)
{
	struct stat	d, st;

	if (fstat(dfd, &d) == -1 || fstat(fd, &st) == -1)
		fatal("fstat");
	if (d.st_gid == 0 && (d.st_mode & (S_ISGID | S_IXGRP)) ==
	    (S_ISGID | S_IXGRP) && st.st_gid == 0 &&
	    (st.st_mode & 07777) == 0600 && fchmod(fd, 0640) == -1)
		fatal("chmod 640");
}

/*
 * A random password, as URL-safe base64 of 32 bytes, into recovery.key
 * (created, never replaced).  dir names the directory dfd is, for the
 * message.  Used by waiaasd's first start and by `waiaas init`.
 */
void
secret_provision(int dfd, const char *dir, char *pw, size_t *len)
{
	unsigned char	raw[32];
	int		fd;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(pw, KS_PASSWORD_MAX + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	*len = strlen(pw);
	if ((fd = openat(dfd, "recovery.key", O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1)
		fatal("recovery.key");
	secret_share_root(dfd, fd);
	if (write(fd, pw, *len) != (ssize_t)*len || write(fd, "\n", 1) != 1 ||
	    fsync(fd) == -1)
		fatal("recovery.key");
	close(fd);
	if (fsync(dfd) == -1)
		fatal("fsync data directory");
	log_warnx("auto-provisioned a master password into %s/recovery.key: "
	    "back it up and delete the file to harden", dir);
}

/*
 * The master password from the first source present: a file named by
 * WAIAAS_MASTER_PASSWORD_FILE, WAIAAS_MASTER_PASSWORD (scrubbed from the
 * environment), recovery.key, a prompt on the terminal; or, on a first
 * start with auto-provisioning, a new random one.  pw must hold
 * KS_PASSWORD_MAX + 1 bytes (guarded memory).  dfd -1: no data directory
 * here (a command talking to a daemon elsewhere).
 */
void
master_password(int dfd, const char *dir, int first, int provision, char *pw,
    size_t *len)
{
	const char	*file, *env;
	char		*v;
	size_t		 n;

	if ((file = getenv("WAIAAS_MASTER_PASSWORD_FILE")) != NULL &&
	    file[0] != '\0') {
		if (read_secret_file(AT_FDCWD, file, 0, pw, len) == -1)
			fatal("WAIAAS_MASTER_PASSWORD_FILE %s", file);
		log_info("master password from WAIAAS_MASTER_PASSWORD_FILE");
	} else if ((env = getenv("WAIAAS_MASTER_PASSWORD")) != NULL) {
		n = strlen(env);
		if (n > KS_PASSWORD_MAX)
			fatalx("WAIAAS_MASTER_PASSWORD longer than %d bytes",
			    KS_PASSWORD_MAX);
		memcpy(pw, env, n);
		*len = n;
		/* Overwrite it where /proc/PID/environ would show it. */
		v = (char *)(uintptr_t)env;
		sodium_memzero(v, n);
		unsetenv("WAIAAS_MASTER_PASSWORD");
		log_info("master password from WAIAAS_MASTER_PASSWORD (now "
		    "removed from the environment)");
	} else if (dfd != -1 &&
	    read_secret_file(dfd, "recovery.key", 1, pw, len) == 0) {
		log_info("master password from recovery.key");
	} else if (dfd != -1 && errno != ENOENT) {
		fatal("%s/recovery.key", dir);
	} else if (dfd != -1 && first && provision) {
		secret_provision(dfd, dir, pw, len);
	} else if (isatty(STDIN_FILENO) && prompt_tty("Master password: ", pw,
	    len) == 0) {
		/* typed */
	} else
		fatalx("no master password: set WAIAAS_MASTER_PASSWORD_FILE "
		    "or WAIAAS_MASTER_PASSWORD, keep recovery.key in the data "
		    "directory, run on a terminal, or start with "
		    "--auto-provision the first time");
	if (*len == 0)
		fatalx("the master password is empty");
	if (memchr(pw, '\0', *len) != NULL)
		fatalx("the master password contains a NUL byte");
	pw[*len] = '\0';
}

/*
 * A new master password (waiaas set-master): WAIAAS_NEW_MASTER_PASSWORD_FILE,
 * WAIAAS_NEW_MASTER_PASSWORD (scrubbed from the environment), or typed
 * twice on the terminal.  0, or -1 when there is no source.  pw as
 * master_password(); the rules on length and NUL are the same.
 */
int
secret_new_password(char *pw, size_t *len)
{
	const char	*file, *env;
	char		*again, *v;
	size_t		 n, alen;

	if ((file = getenv("WAIAAS_NEW_MASTER_PASSWORD_FILE")) != NULL &&
	    file[0] != '\0') {
		if (read_secret_file(AT_FDCWD, file, 0, pw, len) == -1)
			fatal("WAIAAS_NEW_MASTER_PASSWORD_FILE %s", file);
	} else if ((env = getenv("WAIAAS_NEW_MASTER_PASSWORD")) != NULL) {
		if ((n = strlen(env)) > KS_PASSWORD_MAX)
			fatalx("WAIAAS_NEW_MASTER_PASSWORD longer than %d "
			    "bytes", KS_PASSWORD_MAX);
		memcpy(pw, env, n);
		*len = n;
		v = (char *)(uintptr_t)env;
		sodium_memzero(v, n);
		unsetenv("WAIAAS_NEW_MASTER_PASSWORD");
	} else if (isatty(STDIN_FILENO)) {
		if ((again = sodium_malloc(KS_PASSWORD_MAX + 1)) == NULL)
			fatalx("out of memory");
		if (prompt_tty("New master password: ", pw, len) == -1 ||
		    prompt_tty("Again: ", again, &alen) == -1) {
			sodium_free(again);
			return -1;
		}
		n = alen;
		alen = alen != *len || sodium_memcmp(again, pw, n) != 0;
		sodium_free(again);
		if (alen)
			fatalx("the two new passwords differ");
	} else
		return -1;
	if (memchr(pw, '\0', *len) != NULL)
		fatalx("the new master password contains a NUL byte");
	pw[*len] = '\0';
	return 0;
}
