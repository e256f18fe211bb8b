/*
 * backup create|list|inspect, restore.  The archive format is in
 * common/backup.h.  create asks the running daemon for a consistent
 * database snapshot (policyd's VACUUM INTO), then reads it, the sealed
 * key files and config.toml from the data directory, so it runs as the
 * daemon's user or root.  restore runs with the daemon stopped (it holds
 * the pid file's lock meanwhile), authenticates and decrypts the whole
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
#include "config.h"
#include "keystore.h"
#include "util.h"
#include "version.h"
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

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* A whole regular file under dfd, at most max bytes; NULL and errno. */
static uint8_t *
slurp(int dfd, const char *name, long long max, size_t *len)
{
	struct stat	 st;
	uint8_t		*buf;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size > max) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	if ((buf = wipe_malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	while (off < (size_t)st.st_size && (n = read(fd, buf + off,
	    (size_t)st.st_size - off)) > 0)
		off += (size_t)n;
	close(fd);
	if (off != (size_t)st.st_size) {
		wipe_free(buf);
		errno = EIO;
		return NULL;
	}
	*len = off;
	return buf;
}

/* ---- create ---- */

struct item {
	char	 name[64];
	char	 path[64];	/* under the data directory */
	uint8_t	*data;
	size_t	 len;
};

static void
add_item(struct item **items, size_t *n, int dfd, const char *name,
    const char *path)
{
	struct item	*it;

	if ((*items = reallocarray(*items, *n + 1, sizeof(**items))) == NULL)
		cli_fail("out of memory");
	it = &(*items)[*n];
	memset(it, 0, sizeof(*it));
	strlcpy(it->name, name, sizeof(it->name));
	strlcpy(it->path, path, sizeof(it->path));
	if ((it->data = slurp(dfd, path, BK_FILE_MAX, &it->len)) == NULL)
		cli_fail("%s/%s: %s", cli.datadir, path, strerror(errno));
	(*n)++;
}

static void
backup_create(void)
{
	static struct config	 cf;
	struct item		*items = NULL;
	struct dirent		*de;
	DIR			*d;
	json_t			*snap, *meta, *files;
	crypto_secretstream_xchacha20poly1305_state ss;
	struct bk_meta		 bm;
	struct stat		 bst;
	uint8_t			 keys[2][32], mac[BK_MAC_LEN], hdr[12];
	uint8_t			 sh[SS_HEADER];
	uint8_t			 salt[BK_SALT_LEN], h[32];
	uint8_t			*cbuf, lenb[4];
	char			 hex[65], shex[BK_SALT_LEN * 2 + 1], err[256];
	char			 name[96], tmp[128], path[PATH_MAX + 16];
	char			 when[32], *mtext;
	crypto_generichash_state gs;
	unsigned long long	 clen;
	size_t			 n = 0, i, off, total, done, mlen;
	time_t			 now = time(NULL);
	int			 dfd, bfd, fd, kfd;
	FILE			*out;

	cli_datadir();
	if ((dfd = open(cli.datadir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		cli_fail("%s: %s", cli.datadir, strerror(errno));
	/* The archive's KDF cost: the keystore's, as configured. */
	config_defaults(&cf);
	snprintf(path, sizeof(path), "%s/config.toml", cli.datadir);
	if (config_load_file(&cf, path, err, sizeof(err)) == -1)
		cli_fail("configuration: %s", err);
	if (getenv("WAIAAS_KEYSTORE_KDF_MEMORY_KIB") != NULL)
		cf.kdf_memory_kib = atoi(getenv(
		    "WAIAAS_KEYSTORE_KDF_MEMORY_KIB"));
	if (getenv("WAIAAS_KEYSTORE_KDF_PASSES") != NULL)
		cf.kdf_passes = atoi(getenv("WAIAAS_KEYSTORE_KDF_PASSES"));
	if (cf.kdf_memory_kib < KS_KDF_MEM_MIN ||
	    cf.kdf_memory_kib > KS_KDF_MEM_MAX || cf.kdf_passes < 1 ||
	    cf.kdf_passes > KS_KDF_PASSES_MAX)
		cli_fail("keystore KDF settings out of bounds");
	if (faccessat(dfd, "keystore.next", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		cli_fail("a master password change is under way; try again");

	cli_password();
	snap = cli_call("POST", "/v1/admin/backup", NULL, 1, 200);
	/* The snapshot first, then the keys: every wallet has its key. */
	add_item(&items, &n, dfd, "data/waiaas.db",
	    "data/backup-snapshot.db");
	(void)unlinkat(dfd, "data/backup-snapshot.db", 0);
	add_item(&items, &n, dfd, "keystore/keystore.meta",
	    "keystore/keystore.meta");
	if ((kfd = openat(dfd, "keystore", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1 || (d = fdopendir(kfd)) == NULL)
		cli_fail("%s/keystore: %s", cli.datadir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != KS_ID_LEN + 4)
			continue;
		snprintf(name, sizeof(name), "keystore/%.40s", de->d_name);
		if (bk_name_kind(name) == BK_NAME_KEY)
			add_item(&items, &n, dfd, name, name);
	}
	closedir(d);
	if (faccessat(dfd, "config.toml", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		add_item(&items, &n, dfd, "config.toml", "config.toml");

	randombytes_buf(salt, sizeof(salt));
	sodium_bin2hex(shex, sizeof(shex), salt, sizeof(salt));
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	files = json_array();
	for (i = 0; i < n; i++) {
		crypto_hash_sha256(h, items[i].data, items[i].len);
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		json_array_append_new(files, json_pack("{s:s, s:I, s:s}",
		    "name", items[i].name, "size", (json_int_t)items[i].len,
		    "sha256", hex));
	}
	meta = json_pack("{s:i, s:s, s:s, s:O, s:O, s:{s:s, s:i, s:i, s:s}, "
	    "s:o}", "format", BK_FORMAT, "created", when, "version",
	    WAIAAS_VERSION, "schemaVersion", json_object_get(snap,
	    "schemaVersion"), "walletCount", json_object_get(snap,
	    "walletCount"), "kdf", "alg", "argon2id13", "memKib",
	    cf.kdf_memory_kib, "passes", cf.kdf_passes, "salt", shex,
	    "files", files);
	json_decref(snap);
	if (meta == NULL || (mtext = json_dumps(meta, JSON_COMPACT |
	    JSON_SORT_KEYS)) == NULL)
		cli_fail("out of memory");
	json_decref(meta);
	mlen = strlen(mtext);
	memcpy(hdr, BK_MAGIC, 8);
	put32(hdr + 8, (uint32_t)mlen);
	/* The same parser inspect and restore use: what we write reads. */
	if ((cbuf = malloc(12 + mlen)) == NULL)
		cli_fail("out of memory");
	memcpy(cbuf, hdr, 12);
	memcpy(cbuf + 12, mtext, mlen);
	if (bk_parse_meta(cbuf, 12 + mlen, &bm, err, sizeof(err)) == -1)
		cli_fail("internal: %s", err);
	free(cbuf);
	if (bk_derive(cli.pw, cli.pwlen, &bm, keys) == -1)
		cli_fail("key derivation failed (out of memory?)");
	bk_meta_free(&bm);
	crypto_generichash_init(&gs, keys[0], 32, sizeof(mac));
	crypto_generichash_update(&gs, hdr, 12);
	crypto_generichash_update(&gs, (uint8_t *)mtext, mlen);
	crypto_generichash_final(&gs, mac, sizeof(mac));

	snprintf(name, sizeof(name), "waiaas-backup-%.4s%.2s%.2sT%.2s%.2s%.2sZ"
	    ARCHIVE_SUFFIX, when, when + 5, when + 8, when + 11, when + 14,
	    when + 17);
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	if ((bfd = openat(dfd, "backups", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		cli_fail("%s/backups: %s", cli.datadir, strerror(errno));
	(void)unlinkat(bfd, tmp, 0);
	if ((fd = openat(bfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1 || (out = fdopen(fd, "w")) == NULL)
		cli_fail("%s/backups/%s: %s", cli.datadir, tmp,
		    strerror(errno));
	/*
	 * backups/ is the daemon's parent's, which lists the archives for
	 * GET /v1/admin/backups: one made by root is given to the
	 * directory's owner (still 0600), as everything else in it is.
	 */
	if (geteuid() == 0 && fstat(bfd, &bst) == 0 && bst.st_uid != 0 &&
	    fchown(fd, bst.st_uid, bst.st_gid) == -1)
		cli_fail("chown %s: %s", tmp, strerror(errno));
	crypto_secretstream_xchacha20poly1305_init_push(&ss, sh, keys[1]);
	fwrite(hdr, 1, 12, out);
	fwrite(mtext, 1, mlen, out);
	fwrite(mac, 1, sizeof(mac), out);
	fwrite(sh, 1, sizeof(sh), out);
	wipe_free(mtext);
	if ((cbuf = malloc(BK_CHUNK + SS_ABYTES)) == NULL)
		cli_fail("out of memory");
	/* The files back to back, cut into chunks; the last one FINAL. */
	for (total = 0, i = 0; i < n; i++)
		total += items[i].len;
	done = 0;
	i = 0;
	off = 0;
	do {
		uint8_t	chunk[BK_CHUNK];
		size_t	k = 0, take;

		while (k < BK_CHUNK && i < n) {
			take = items[i].len - off;
			if (take > BK_CHUNK - k)
				take = BK_CHUNK - k;
			memcpy(chunk + k, items[i].data + off, take);
			k += take;
			off += take;
			if (off == items[i].len) {
				i++;
				off = 0;
			}
		}
		done += k;
		crypto_secretstream_xchacha20poly1305_push(&ss, cbuf, &clen,
		    chunk, k, mac, sizeof(mac), done == total ?
		    crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
		sodium_memzero(chunk, sizeof(chunk));
		put32(lenb, (uint32_t)clen);
		fwrite(lenb, 1, 4, out);
		fwrite(cbuf, 1, clen, out);
	} while (done < total);
	free(cbuf);
	sodium_memzero(keys, sizeof(keys));
	if (fflush(out) == EOF || ferror(out) || fsync(fd) == -1 ||
	    fclose(out) == EOF || renameat(bfd, tmp, bfd, name) == -1 ||
	    fsync(bfd) == -1) {
		(void)unlinkat(bfd, tmp, 0);
		cli_fail("%s/backups/%s: %s", cli.datadir, name,
		    strerror(errno));
	}
	for (i = 0; i < n; i++)
		wipe_free(items[i].data);
	free(items);
	close(bfd);
	close(dfd);
	printf("%s/backups/%s\n", cli.datadir, name);
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
	if ((a->buf = slurp(dfd, path, 8LL * 1024 * 1024 * 1024, &a->len)) ==
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
		if ((buf = slurp(AT_FDCWD, path, 8LL * 1024 * 1024 * 1024,
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
