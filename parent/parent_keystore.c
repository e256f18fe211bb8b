/*
 * The parent's share of the keystore: read the meta and sealed blobs at
 * start, and write what the signer seals, atomically.  It never sees a
 * decrypted key.  The master password is found by common/secret.c.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "keystore.h"
#include "log.h"
#include "parent.h"
#include "util.h"

#define BLOB_MAX	1024	/* a sealed key file is ~170 bytes */

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
