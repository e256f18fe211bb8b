/*
 * The parent's share of the keystore: read the meta and sealed blobs at
 * start, and write what the signer seals, atomically.  It never sees a
 * decrypted key.  The master password is found by common/secret.c.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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
	size_t		 n = 0, cap = 0, nlen;
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
		/* Doubled, not one more a file: 10 k wallets, 10 MB. */
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			if ((files = reallocarray(files, cap,
			    sizeof(*files))) == NULL)
				fatal("keystore");
		}
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

/*
 * set-master on disk.  The new keystore (meta and every blob, sealed
 * under the new password) is written whole into keystore.next/ and
 * synced; then two renames in the data directory switch it in:
 *
 *	keystore      -> keystore.prev	(the commit point)
 *	keystore.next -> keystore
 *
 * and keystore.prev is removed.  At start keystore_recover() reads what
 * a crash left: keystore.next beside keystore is an unfinished new set
 * (discarded: the old password stays); keystore.next without keystore
 * was complete before the first rename (finished: the new password);
 * keystore.prev beside keystore is the old set, replaced (removed).  At
 * every instant one complete keystore opens with one of the passwords.
 */
#define KS_NEXT		"keystore.next"
#define KS_PREV		"keystore.prev"

static struct {
	int		 active;
	int		 failed;
	int		 nfd;		/* keystore.next/ */
	uint32_t	 expect;
	uint32_t	 got;
	char		(*ids)[KS_ID_LEN + 1];
} RK = { 0, 0, -1, 0, 0, NULL };

/*
 * Test builds only: WAIAASD_TEST_CRASH=<step> kills the parent with
 * SIGKILL at that step of a master password change, as a power cut
 * would (tests/integration/t_set_master.sh).
 */
void
keystore_test_crash(const char *step)
{
#ifdef WAIAAS_TEST_HOOKS
	const char	*v = getenv("WAIAASD_TEST_CRASH");

	if (v != NULL && strcmp(v, step) == 0) {
		log_warnx("test hook: SIGKILL at %s", step);
		raise(SIGKILL);
	}
#else
	(void)step;
#endif
}

static int
exists(int dfd, const char *name)
{
	struct stat	st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return 0;
		fatal("%s", name);
	}
	if (!S_ISDIR(st.st_mode))
		fatalx("%s: not a directory", name);
	return 1;
}

/* Remove a keystore-like directory: its plain files, then itself. */
static int
rmdir_flat(int dfd, const char *name)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd, r = 0;

	if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, de->d_name, 0) == -1)
			r = -1;
	}
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) == -1)
		r = -1;
	return r;
}

/* At start, before keystore/ is opened: finish or undo a switch. */
void
keystore_recover(int dfd)
{
	int	ks, next, prev;

	ks = exists(dfd, "keystore");
	next = exists(dfd, KS_NEXT);
	prev = exists(dfd, KS_PREV);
	if (!ks && next) {
		if (!prev)
			fatalx("keystore.next exists but neither keystore nor "
			    "keystore.prev: not left by waiaasd; move it "
			    "aside by hand");
		if (renameat(dfd, KS_NEXT, dfd, "keystore") == -1 ||
		    fsync(dfd) == -1)
			fatal("rename keystore.next");
		log_warnx("finished an interrupted master password change: "
		    "the NEW password opens the keystore");
	} else if (!ks && prev) {
		/* Not a state a switch passes through; be safe anyway. */
		if (renameat(dfd, KS_PREV, dfd, "keystore") == -1 ||
		    fsync(dfd) == -1)
			fatal("rename keystore.prev");
		log_warnx("keystore.prev restored as keystore");
		return;
	} else if (next) {
		if (rmdir_flat(dfd, KS_NEXT) == -1)
			fatal("remove keystore.next");
		(void)fsync(dfd);
		log_warnx("discarded an unfinished master password change: "
		    "the OLD password still opens the keystore");
	}
	if (exists(dfd, KS_PREV)) {
		if (rmdir_flat(dfd, KS_PREV) == -1)
			fatal("remove keystore.prev");
		(void)fsync(dfd);
	}
}

static void
rekey_reset(int dfd)
{
	if (RK.nfd != -1)
		close(RK.nfd);
	RK.nfd = -1;
	if (dfd != -1 && RK.failed)
		(void)rmdir_flat(dfd, KS_NEXT);
	free(RK.ids);
	RK.ids = NULL;
	RK.active = RK.failed = 0;
	RK.expect = RK.got = 0;
}

int
rekey_active(void)
{
	return RK.active;
}

/* The new meta: a fresh keystore.next/ with it. */
void
rekey_begin(int dfd, const struct ks_meta *meta, uint32_t count)
{
	if (RK.active)
		fatalx("IMSG_KS_REKEY_BEGIN twice");
	if (memcmp(meta->magic, KS_META_MAGIC, 8) != 0 || count > 1000000)
		fatalx("IMSG_KS_REKEY_BEGIN: malformed");
	RK.active = 1;
	RK.expect = count;
	if ((RK.ids = calloc(count + 1, sizeof(*RK.ids))) == NULL)
		fatal("calloc");
	if (rmdir_flat(dfd, KS_NEXT) == -1 || (mkdirat(dfd, KS_NEXT, 0700) ==
	    -1) || (RK.nfd = openat(dfd, KS_NEXT, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1 || keystore_write(RK.nfd,
	    "keystore.meta", meta, sizeof(*meta), 1) == -1) {
		log_warn("keystore.next");
		RK.failed = 1;
		return;
	}
	keystore_test_crash("rekey-begin");
}

void
rekey_blob(const struct ks_blob *b)
{
	char	name[KS_ID_LEN + 8];

	if (!RK.active || RK.got >= RK.expect)
		fatalx("IMSG_KS_REKEY_BLOB out of order");
	if (memcmp(b->magic, KS_BLOB_MAGIC, 8) != 0 ||
	    !ks_valid_id(b->id, KS_ID_LEN))
		fatalx("IMSG_KS_REKEY_BLOB: not a sealed key");
	memcpy(RK.ids[RK.got++], b->id, KS_ID_LEN);
	if (RK.failed)
		return;
	snprintf(name, sizeof(name), "%.36s.enc", b->id);
	if (keystore_write(RK.nfd, name, b, sizeof(*b), 1) == -1) {
		log_warn("keystore.next/%s", name);
		RK.failed = 1;
	}
	if (RK.got == 1)
		keystore_test_crash("rekey-blob");
}

static int
rekey_id_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * Files of the old keystore no key was sealed from (blobs that did not
 * open at start): carried over as they are.  A key file is never lost.
 * The ids sealed are sorted and searched: each file against each id
 * was 10^8 comparisons with 10 k wallets.
 */
static int
rekey_carry(int kfd)
{
	struct ks_file	*files;
	size_t		 n, i;
	char		 name[KS_ID_LEN + 8];
	int		 r = 0;

	n = keystore_scan(kfd, &files);
	qsort(RK.ids, RK.got, sizeof(*RK.ids), rekey_id_cmp);
	for (i = 0; i < n && r == 0; i++) {
		if (bsearch(files[i].id, RK.ids, RK.got, sizeof(*RK.ids),
		    rekey_id_cmp) != NULL)
			continue;
		snprintf(name, sizeof(name), "%s.enc", files[i].id);
		log_warnx("keystore/%s: does not open; carried over as it is",
		    name);
		r = keystore_write(RK.nfd, name, files[i].data, files[i].len,
		    1);
	}
	explicit_bzero(files, n * sizeof(*files));
	free(files);
	return r;
}

/*
 * Everything is written: switch.  0 and *kfd the new keystore/; -1 and
 * nothing changed.  After the commit point a failure is fatal: the next
 * start finishes the switch.
 */
int
rekey_commit(int dfd, int *kfd)
{
	int	fd;

	if (!RK.active || RK.got != RK.expect)
		fatalx("IMSG_KS_REKEY_COMMIT out of order");
	if (RK.failed || rekey_carry(*kfd) == -1 || fsync(RK.nfd) == -1) {
		RK.failed = 1;
		rekey_reset(dfd);
		return -1;
	}
	keystore_test_crash("rekey-written");
	if (renameat(dfd, "keystore", dfd, KS_PREV) == -1) {
		log_warn("rename keystore");
		RK.failed = 1;
		rekey_reset(dfd);
		return -1;
	}
	if (fsync(dfd) == -1)
		fatal("fsync data directory");
	keystore_test_crash("rekey-moved");
	if (renameat(dfd, KS_NEXT, dfd, "keystore") == -1 || fsync(dfd) == -1)
		fatal("rename keystore.next (the next start finishes it)");
	keystore_test_crash("rekey-switched");
	if ((fd = openat(dfd, "keystore", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		fatal("keystore");
	close(*kfd);
	*kfd = fd;
	if (rmdir_flat(dfd, KS_PREV) == -1)
		log_warn("remove keystore.prev (removed at the next start)");
	(void)fsync(dfd);
	rekey_reset(-1);
	keystore_test_crash("rekey-done");
	return 0;
}
