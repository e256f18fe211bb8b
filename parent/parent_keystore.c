/*
 * The parent's share of the keystore: find the master password, read the
 * meta and sealed blobs at start, and write what the signer seals,
 * atomically.  It never sees a decrypted key.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "keystore.h"
#include "log.h"
#include "parent.h"
#include "util.h"

#define BLOB_MAX	1024	/* a sealed key file is ~170 bytes */

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
	if (strict && (st.st_mode & 077))
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
prompt_tty(char *pw, size_t *len)
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
	(void)!write(fd, "Master password: ", 17);
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

/* A random password, as URL-safe base64 of 32 bytes, into recovery.key. */
static void
auto_provision(int dfd, char *pw, size_t *len)
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
	if (write(fd, pw, *len) != (ssize_t)*len || write(fd, "\n", 1) != 1 ||
	    fsync(fd) == -1)
		fatal("recovery.key");
	close(fd);
	if (fsync(dfd) == -1)
		fatal("fsync data directory");
	log_warnx("auto-provisioned a master password into %s/recovery.key: "
	    "back it up and delete the file to harden", parent_datadir());
}

/*
 * The master password from the first source present: a file named by
 * WAIAAS_MASTER_PASSWORD_FILE, WAIAAS_MASTER_PASSWORD (scrubbed from the
 * environment), recovery.key, a prompt on the terminal; or, on a first
 * start with auto-provisioning, a new random one.  pw must hold
 * KS_PASSWORD_MAX + 1 bytes (guarded memory).
 */
void
master_password(int dfd, int first, int provision, char *pw, size_t *len)
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
	} else if (read_secret_file(dfd, "recovery.key", 1, pw, len) == 0) {
		log_info("master password from recovery.key");
	} else if (errno != ENOENT) {
		fatal("recovery.key");
	} else if (first && provision) {
		auto_provision(dfd, pw, len);
	} else if (isatty(STDIN_FILENO) && prompt_tty(pw, len) == 0) {
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

/* Read keystore.meta; 0 if absent (first start), 1 if read. */
int
keystore_read_meta(int kfd, struct ks_meta *meta)
{
	struct stat	st;
	ssize_t		n;
	int		fd;

	if ((fd = openat(kfd, "keystore.meta", O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return 0;
		fatal("keystore/keystore.meta");
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size != (off_t)sizeof(*meta))
		fatalx("keystore/keystore.meta: not a keystore meta file");
	n = read(fd, meta, sizeof(*meta));
	close(fd);
	if (n != (ssize_t)sizeof(*meta) ||
	    memcmp(meta->magic, KS_META_MAGIC, 8) != 0)
		fatalx("keystore/keystore.meta: not a keystore meta file");
	return 1;
}

/*
 * Every keystore/<uuid>.enc, read whole.  Malformed ones are reported and
 * left alone: a key file is never deleted.
 */
size_t
keystore_scan(int kfd, struct ks_file **out)
{
	struct ks_file	*files = NULL, *f;
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	size_t		 n = 0, nlen;
	ssize_t		 r;
	int		 dup, fd;

	if ((dup = openat(kfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (d = fdopendir(dup)) == NULL)
		fatal("keystore");
	while ((de = readdir(d)) != NULL) {
		nlen = strlen(de->d_name);
		if (nlen != KS_ID_LEN + 4 ||
		    strcmp(de->d_name + KS_ID_LEN, ".enc") != 0 ||
		    !ks_valid_id(de->d_name, KS_ID_LEN))
			continue;
		if ((fd = openat(kfd, de->d_name, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC | O_NONBLOCK)) == -1) {
			log_warn("keystore/%s", de->d_name);
			continue;
		}
		if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
		    st.st_size <= 0 || st.st_size > BLOB_MAX) {
			log_warnx("keystore/%s: not a sealed key file; wallet "
			    "%.36s unusable (file left as is)", de->d_name,
			    de->d_name);
			close(fd);
			continue;
		}
		if ((files = reallocarray(files, n + 1, sizeof(*files))) ==
		    NULL)
			fatal("keystore");
		f = &files[n];
		memcpy(f->id, de->d_name, KS_ID_LEN);
		f->id[KS_ID_LEN] = '\0';
		r = read(fd, f->data, sizeof(f->data));
		close(fd);
		if (r != st.st_size) {
			log_warnx("keystore/%s: short read", de->d_name);
			continue;
		}
		f->len = (size_t)r;
		n++;
	}
	closedir(d);
	*out = files;
	return n;
}

/* Write name in the keystore atomically: temp, fsync, rename, fsync dir. */
int
keystore_write(int kfd, const char *name, const void *data, size_t len,
    int noreplace)
{
	char	tmp[64];
	int	fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >=
	    sizeof(tmp))
		return -1;
	(void)unlinkat(kfd, tmp, 0);	/* left by a crash */
	if ((fd = openat(kfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		return -1;
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) == -1) {
		close(fd);
		(void)unlinkat(kfd, tmp, 0);
		return -1;
	}
	close(fd);
	/* A new key never replaces a file: an id collision is an error. */
	if (renameat2(kfd, tmp, kfd, name, noreplace ? RENAME_NOREPLACE :
	    0) == -1) {
		(void)unlinkat(kfd, tmp, 0);
		return -1;
	}
	return fsync(kfd);
}
