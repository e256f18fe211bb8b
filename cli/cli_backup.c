/*
 * backup create|list|inspect, restore.  The archive format is in
 * common/backup.h.  create asks the running daemon to make the archive
 * (POST /v1/admin/backup with the master password).  restore runs with
 * the daemon stopped (it holds the pid file's lock meanwhile),
 * authenticates and decrypts the whole
 * archive into a new directory beside the data directory, and only then
 * swaps: the current data moves to <datadir>.before-restore-<time>.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "backup.h"
#include "cli.h"
#include "keystore.h"
#include "util.h"
#include "wipe.h"

#define ARCHIVE_SUFFIX	".wbk"
#define SS_HEADER	crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define SS_ABYTES	crypto_secretstream_xchacha20poly1305_ABYTES

static int	o_noverify, o_encrypt;

static void
bk_opt(int ch, const char *arg)
{
	(void)arg;
	if (ch == 'n')
		o_noverify = 1;
	else if (ch == 'e')
		o_encrypt = 1;
}

/* ---- create ---- */

/*
 * The daemon makes the archive (POST /v1/admin/backup; parent_backup.c
 * with common/backup.c): one implementation, and the command needs no
 * access to the data directory for it.
 */
static void
backup_create(void)
{
	json_t	*r;

	cli_password();
	r = cli_call("POST", "/v1/admin/backup", NULL, 1, 200);
	if (json_string_value(json_object_get(r, "path")) == NULL)
		cli_fail("the daemon's answer names no archive");
	printf("%s\n", json_string_value(json_object_get(r, "path")));
	json_decref(r);
}

/* ---- reading an archive ---- */

struct archive {
	uint8_t		*buf;
	size_t		 len;
	size_t		 body;		/* offset of the secretstream header */
	size_t		 mlen;
	struct bk_meta	 meta;
	uint8_t		 keys[2][32];
};

/* A name (in backups/) or a path. */
static void
archive_read(const char *arg, struct archive *a)
{
	char	path[PATH_MAX + 16], err[256];
	int	dfd = AT_FDCWD;

	memset(a, 0, sizeof(*a));
	if (strchr(arg, '/') == NULL) {
		cli_datadir();
		snprintf(path, sizeof(path), "%s/backups/%s", cli.datadir,
		    arg);
	} else
		strlcpy(path, arg, sizeof(path));
	if ((a->buf = bk_slurp(dfd, path, 8LL * 1024 * 1024 * 1024, &a->len)) ==
	    NULL)
		cli_fail("%s: %s", path, strerror(errno));
	if (bk_parse_meta(a->buf, a->len, &a->meta, err, sizeof(err)) == -1)
		cli_fail("%s: %s", path, err);
	a->mlen = (size_t)a->buf[8] << 24 | (size_t)a->buf[9] << 16 |
	    (size_t)a->buf[10] << 8 | a->buf[11];
	a->body = 12 + a->mlen + BK_MAC_LEN;
	if (a->len < a->body + SS_HEADER)
		cli_fail("%s: truncated", path);
}

/* The metadata's MAC under the password: 0, or -1 (wrong or tampered). */
static int
archive_verify(struct archive *a)
{
	uint8_t	mac[BK_MAC_LEN];

	cli_password();
	if (bk_derive(cli.pw, cli.pwlen, &a->meta, a->keys) == -1)
		cli_fail("key derivation failed (out of memory?)");
	crypto_generichash(mac, sizeof(mac), a->buf, 12 + a->mlen, a->keys[0],
	    32);
	return sodium_memcmp(mac, a->buf + 12 + a->mlen, sizeof(mac)) == 0 ?
	    0 : -1;
}

static void
archive_free(struct archive *a)
{
	sodium_memzero(a->keys, sizeof(a->keys));
	bk_meta_free(&a->meta);
	wipe_free(a->buf);
}

static void
backup_inspect(const char *arg)
{
	struct archive	a;
	int		ok = -1;

	archive_read(arg, &a);
	if (!o_noverify && (ok = archive_verify(&a)) == -1)
		cli_fail("%s: the metadata does not authenticate: a wrong "
		    "master password, or the archive was altered", arg);
	json_object_set_new(a.meta.json, "authenticated", json_boolean(ok ==
	    0));
	json_object_set_new(a.meta.json, "archiveSize", json_integer(
	    (json_int_t)a.len));
	cli_dump(a.meta.json);
	archive_free(&a);
}

static void
backup_list(void)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[PATH_MAX + 16], err[256];
	uint8_t		*buf;
	size_t		 len, nl;
	struct bk_meta	 m;

	cli_datadir();
	snprintf(path, sizeof(path), "%s/backups", cli.datadir);
	if ((d = opendir(path)) == NULL)
		cli_fail("%s: %s", path, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		nl = strlen(de->d_name);
		if (nl <= 4 || de->d_name[0] == '.' ||
		    strcmp(de->d_name + nl - 4, ARCHIVE_SUFFIX) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/backups/%s", cli.datadir,
		    de->d_name);
		/* The header alone; nothing here is authenticated. */
		if ((buf = bk_slurp(AT_FDCWD, path, 8LL * 1024 * 1024 * 1024,
		    &len)) == NULL || bk_parse_meta(buf, len, &m, err,
		    sizeof(err)) == -1) {
			printf("%s\t(unreadable)\n", de->d_name);
			wipe_free(buf);
			continue;
		}
		printf("%s\t%zu bytes\t%s\t%lld wallets\n", de->d_name, len,
		    json_string_value(json_object_get(m.json, "created")),
		    (long long)json_integer_value(json_object_get(m.json,
		    "walletCount")));
		bk_meta_free(&m);
		wipe_free(buf);
	}
	closedir(d);
}

int
cmd_backup(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-verify", no_argument, NULL, 'n' },
		{ "encrypt", no_argument, NULL, 'e' },
		CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	static const char help[] =
	    "usage: waiaas backup create [--encrypt]\n"
	    "       waiaas backup list\n"
	    "       waiaas backup inspect [--no-verify] NAME|PATH\n"
	    "Every backup is encrypted (XChaCha20-Poly1305); --encrypt is\n"
	    "accepted for scripts that say so and changes nothing.\n"
	    "create: one encrypted archive in <datadir>/backups/ with a\n"
	    "consistent database snapshot (the daemon must run), the sealed\n"
	    "keys and config.toml, under a key derived from the master\n"
	    "password.  inspect prints the metadata (time, version, schema,\n"
	    "wallets, files with sizes and SHA-256) after checking its MAC\n"
	    "with the master password; --no-verify prints it without the\n"
	    "password, unauthenticated.  list reads the headers only.\n";

	cli_getopt(argc, argv, "", opts, bk_opt, help);
	if (optind >= argc)
		cli_usage_error("create, list or inspect");
	if (o_encrypt && strcmp(argv[optind], "create") != 0)
		cli_usage_error("--encrypt: only with create");
	if (strcmp(argv[optind], "create") == 0 && optind + 1 == argc)
		backup_create();
	else if (strcmp(argv[optind], "list") == 0 && optind + 1 == argc)
		backup_list();
	else if (strcmp(argv[optind], "inspect") == 0 && optind + 2 == argc)
		backup_inspect(argv[optind + 1]);
	else
		cli_usage_error("create, list or inspect NAME");
	return 0;
}

/* ---- restore ---- */

static int
mkdir_at(int dfd, const char *name)
{
	if (mkdirat(dfd, name, 0700) == -1)
		return -1;
	return openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
}

/* Give a restored file the owner its directory had in the old data. */
static void
owner_like(int olddfd, const char *dir, int fd)
{
	struct stat	st;

	if (olddfd == -1 || geteuid() != 0 || fstatat(olddfd, dir, &st,
	    AT_SYMLINK_NOFOLLOW) == -1)
		return;
	if (fchown(fd, st.st_uid, st.st_gid) == -1)
		cli_fail("chown: %s", strerror(errno));
}

/* A restored file is complete: its hash, then synced and closed. */
static int
file_done(int fd, crypto_hash_sha256_state *hs, const struct bk_file *f,
    char *err, size_t errlen)
{
	uint8_t	h[32];

	crypto_hash_sha256_final(hs, h);
	if (sodium_memcmp(h, f->sha256, 32) != 0 || fsync(fd) == -1 ||
	    close(fd) == -1) {
		snprintf(err, errlen, "%s: does not match its hash", f->name);
		return -1;
	}
	return 0;
}

/*
 * Decrypt everything into the staging directory sfd; any failure is
 * fatal before anything is swapped (the caller removes the staging).
 */
static int
restore_files(struct archive *a, int sfd, int olddfd, char *err,
    size_t errlen)
{
	crypto_secretstream_xchacha20poly1305_state ss;
	crypto_hash_sha256_state hs;
	uint8_t		 chunk[BK_CHUNK], tag = 0;
	unsigned long long mlen;
	size_t		 p, clen, fi = 0, coff = 0, take, k = 0;
	long long	 left = 0;
	int		 fd = -1, dirs[2], final = 0;
	const char	*base;

	if ((dirs[0] = mkdir_at(sfd, "data")) == -1 ||
	    (dirs[1] = mkdir_at(sfd, "keystore")) == -1 ||
	    mkdirat(sfd, "backups", 0700) == -1) {
		snprintf(err, errlen, "staging: %s", strerror(errno));
		return -1;
	}
	owner_like(olddfd, "data", dirs[0]);
	owner_like(olddfd, "keystore", dirs[1]);
	p = a->body;
	if (crypto_secretstream_xchacha20poly1305_init_pull(&ss, a->buf + p,
	    a->keys[1]) != 0)
		goto bad;
	p += SS_HEADER;
	for (;;) {
		/* Open the next file when the last one is complete. */
		while (fd == -1 && fi < a->meta.nfiles) {
			struct bk_file	*f = &a->meta.files[fi];
			int		 dir = f->kind == BK_NAME_CONFIG ? sfd :
			    f->kind == BK_NAME_DB ? dirs[0] : dirs[1];

			base = strrchr(f->name, '/');
			base = base != NULL ? base + 1 : f->name;
			if ((fd = openat(dir, base, O_WRONLY | O_CREAT |
			    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
				snprintf(err, errlen, "%s: %s", f->name,
				    strerror(errno));
				return -1;
			}
			owner_like(olddfd, dir == sfd ? "." : dir == dirs[0] ?
			    "data" : "keystore", fd);
			left = f->size;
			crypto_hash_sha256_init(&hs);
			if (left == 0)
				goto close_file;
			break;
		close_file:
			if (file_done(fd, &hs, f, err, errlen) == -1)
				return -1;
			fd = -1;
			fi++;
		}
		if (coff == 0) {
			if (final)
				break;
			if (a->len - p < 4)
				goto bad;
			clen = (size_t)a->buf[p] << 24 |
			    (size_t)a->buf[p + 1] << 16 |
			    (size_t)a->buf[p + 2] << 8 | a->buf[p + 3];
			p += 4;
			if (clen < SS_ABYTES || clen > BK_CHUNK + SS_ABYTES ||
			    clen > a->len - p)
				goto bad;
			if (crypto_secretstream_xchacha20poly1305_pull(&ss,
			    chunk, &mlen, &tag, a->buf + p, clen,
			    a->buf + 12 + a->mlen, BK_MAC_LEN) != 0)
				goto bad;
			p += clen;
			final = tag ==
			    crypto_secretstream_xchacha20poly1305_TAG_FINAL;
			k = (size_t)mlen;
			if (k == 0 && !final)
				goto bad;
			if (k == 0)
				continue;
		}
		if (fd == -1) {
			snprintf(err, errlen, "more data than the file list "
			    "says");
			return -1;
		}
		take = k - coff;
		if ((long long)take > left)
			take = (size_t)left;
		if (write(fd, chunk + coff, take) != (ssize_t)take) {
			snprintf(err, errlen, "write: %s", strerror(errno));
			return -1;
		}
		crypto_hash_sha256_update(&hs, chunk + coff, take);
		coff += take;
		left -= (long long)take;
		if (coff == k)
			coff = 0;
		if (left == 0) {
			if (file_done(fd, &hs, &a->meta.files[fi], err,
			    errlen) == -1)
				return -1;
			fd = -1;
			fi++;
		}
	}
	sodium_memzero(chunk, sizeof(chunk));
	if (fi != a->meta.nfiles || p != a->len) {
		snprintf(err, errlen, "the archive's content does not match "
		    "its file list");
		return -1;
	}
	if (fsync(dirs[0]) == -1 || fsync(dirs[1]) == -1 || fsync(sfd) == -1) {
		snprintf(err, errlen, "fsync: %s", strerror(errno));
		return -1;
	}
	close(dirs[0]);
	close(dirs[1]);
	return 0;
bad:
	sodium_memzero(chunk, sizeof(chunk));
	snprintf(err, errlen, "the archive is corrupted or truncated "
	    "(authentication failed)");
	return -1;
}

/* Remove a staging directory (two levels: it holds nothing deeper). */
static void
rm_staging(const char *path)
{
	static const char *const subs[] = { "data", "keystore", "backups" };
	char		 p[PATH_MAX + 160];
	struct dirent	*de;
	DIR		*d;
	size_t		 i;

	for (i = 0; i < nitems(subs); i++) {
		snprintf(p, sizeof(p), "%s/%s", path, subs[i]);
		if ((d = opendir(p)) != NULL) {
			while ((de = readdir(d)) != NULL)
				if (de->d_name[0] != '.' || (strcmp(de->d_name,
				    ".") != 0 && strcmp(de->d_name, "..") != 0))
					(void)unlinkat(dirfd(d), de->d_name, 0);
			closedir(d);
		}
		(void)rmdir(p);
	}
	snprintf(p, sizeof(p), "%s/config.toml", path);
	(void)unlink(p);
	(void)rmdir(path);
}

int
cmd_restore(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	static const char help[] =
	    "usage: waiaas restore NAME|PATH\n"
	    "Replace the data directory with a backup's content.  The daemon\n"
	    "must be stopped.  The archive is authenticated with the master\n"
	    "password (of when it was made) and decrypted whole into a new\n"
	    "directory first; a corrupted or truncated archive changes\n"
	    "nothing.  The current data moves to\n"
	    "<datadir>.before-restore-<time>; backups/ and recovery.key come\n"
	    "along into the restored directory.\n";
	struct archive	 a;
	char		 stage[PATH_MAX + 64], aside[PATH_MAX + 64];
	char		 pidpath[PATH_MAX + 16], err[256], when[32], *slash;
	char		 parent[PATH_MAX];
	struct stat	 st;
	time_t		 now = time(NULL);
	int		 pfd = -1, sfd, olddfd, pdfd, have_old, need;
	size_t		 i;

	cli_getopt(argc, argv, "", opts, bk_opt, help);
	if (optind + 1 != argc)
		cli_usage_error("one archive: a name in backups/ or a path");
	cli_datadir();
	/* The daemon must not run, and must not start meanwhile. */
	snprintf(pidpath, sizeof(pidpath), "%s/waiaasd.pid", cli.datadir);
	if ((pfd = open(pidpath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) != -1 &&
	    flock(pfd, LOCK_EX | LOCK_NB) == -1)
		cli_fail("waiaasd runs with %s: stop it first (waiaas stop)",
		    cli.datadir);
	archive_read(argv[optind], &a);
	if (archive_verify(&a) == -1)
		cli_fail("%s: the metadata does not authenticate: a wrong "
		    "master password, or the archive was altered; nothing "
		    "changed", argv[optind]);

	for (i = 0, need = 0; i < a.meta.nfiles; i++)
		if (a.meta.files[i].kind == BK_NAME_DB ||
		    a.meta.files[i].kind == BK_NAME_META)
			need++;
	if (need != 2)
		cli_fail("%s: no database or no keystore meta in the archive",
		    argv[optind]);
	have_old = stat(cli.datadir, &st) == 0;
	olddfd = have_old ? open(cli.datadir, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC) : -1;
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", gmtime(&now));
	snprintf(stage, sizeof(stage), "%s.restore-%d", cli.datadir,
	    (int)getpid());
	snprintf(aside, sizeof(aside), "%s.before-restore-%s", cli.datadir,
	    when);
	strlcpy(parent, cli.datadir, sizeof(parent));
	if ((slash = strrchr(parent, '/')) == NULL)
		cli_fail("bad data directory");
	slash[slash == parent ? 1 : 0] = '\0';
	if ((pdfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		cli_fail("%s: %s", parent, strerror(errno));
	if (mkdir(stage, 0700) == -1 || (sfd = open(stage, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		cli_fail("%s: %s", stage, strerror(errno));
	if (olddfd != -1 && geteuid() == 0 && fstat(olddfd, &st) == 0 &&
	    fchown(sfd, st.st_uid, st.st_gid) == -1)
		cli_fail("chown %s: %s", stage, strerror(errno));
	if (restore_files(&a, sfd, olddfd, err, sizeof(err)) == -1) {
		rm_staging(stage);
		cli_fail("%s: %s; nothing changed", argv[optind], err);
	}
	archive_free(&a);
	/* Everything is on disk: carry over backups/ and recovery.key. */
	if (olddfd != -1) {
		if (unlinkat(sfd, "backups", AT_REMOVEDIR) == -1 ||
		    renameat(olddfd, "backups", sfd, "backups") == -1)
			(void)mkdirat(sfd, "backups", 0700);
		(void)renameat(olddfd, "recovery.key", sfd, "recovery.key");
		(void)fsync(olddfd);
	}
	(void)fsync(sfd);
	if (have_old && rename(cli.datadir, aside) == -1)
		cli_fail("rename %s: %s (the restored data is in %s)",
		    cli.datadir, strerror(errno), stage);
	if (rename(stage, cli.datadir) == -1 || fsync(pdfd) == -1)
		cli_fail("rename %s: %s (the old data is in %s)", stage,
		    strerror(errno), aside);
	printf("restored %s into %s", argv[optind], cli.datadir);
	if (have_old)
		printf("; the previous data is in %s", aside);
	printf("\n");
	if (pfd != -1)
		close(pfd);
	return 0;
}
