/*
 * The backup archive: made here (by the daemon's parent, for POST
 * /v1/admin/backup and so for `waiaas backup create`), its metadata
 * parsed and bounded here, shared by the waiaas command and
 * tests/fuzz/fuzz_backup.c.  See backup.h.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "backup.h"
#include "keystore.h"
#include "util.h"
#include "version.h"
#include "wipe.h"

int
bk_name_kind(const char *n)
{
	if (strcmp(n, "config.toml") == 0)
		return BK_NAME_CONFIG;
	if (strcmp(n, "data/waiaas.db") == 0)
		return BK_NAME_DB;
	if (strcmp(n, "keystore/keystore.meta") == 0)
		return BK_NAME_META;
	if (strlen(n) == 9 + KS_ID_LEN + 4 && strncmp(n, "keystore/", 9) == 0 &&
	    ks_valid_id(n + 9, KS_ID_LEN) && strcmp(n + 9 + KS_ID_LEN,
	    ".enc") == 0)
		return BK_NAME_KEY;
	return -1;
}

static int
hex_field(json_t *o, const char *key, uint8_t *out, size_t len)
{
	const char	*s = json_string_value(json_object_get(o, key));
	size_t		 n;

	return s != NULL && strlen(s) == len * 2 && sodium_hex2bin(out, len,
	    s, len * 2, NULL, &n, NULL) == 0 && n == len ? 0 : -1;
}

#define FAIL(...) do {							\
	snprintf(err, errlen, __VA_ARGS__);				\
	bk_meta_free(m);						\
	return -1;							\
} while (0)

int
bk_parse_meta(const uint8_t *buf, size_t len, struct bk_meta *m, char *err,
    size_t errlen)
{
	json_error_t	 je;
	json_t		*kdf, *files, *f;
	json_int_t	 v;
	uint32_t	 mlen;
	size_t		 i, j;
	const char	*name;

	memset(m, 0, sizeof(*m));
	if (len < 12 || memcmp(buf, BK_MAGIC, 8) != 0)
		FAIL("not a waiaas backup archive");
	mlen = (uint32_t)buf[8] << 24 | (uint32_t)buf[9] << 16 |
	    (uint32_t)buf[10] << 8 | buf[11];
	if (mlen == 0 || mlen > BK_META_MAX || mlen > len - 12)
		FAIL("metadata length out of bounds (truncated?)");
	if ((m->json = json_loadb((const char *)buf + 12, mlen,
	    JSON_REJECT_DUPLICATES, &je)) == NULL || !json_is_object(m->json))
		FAIL("metadata is not a JSON object");
	if (json_integer_value(json_object_get(m->json, "format")) !=
	    BK_FORMAT)
		FAIL("unknown archive format");
	kdf = json_object_get(m->json, "kdf");
	if (!json_is_object(kdf) || json_string_value(json_object_get(kdf,
	    "alg")) == NULL || strcmp(json_string_value(json_object_get(kdf,
	    "alg")), "argon2id13") != 0 || hex_field(kdf, "salt", m->salt,
	    BK_SALT_LEN) == -1)
		FAIL("metadata: bad kdf");
	v = json_integer_value(json_object_get(kdf, "memKib"));
	if (v < KS_KDF_MEM_MIN || v > KS_KDF_MEM_MAX)
		FAIL("metadata: kdf memory out of bounds");
	m->mem_kib = (uint32_t)v;
	v = json_integer_value(json_object_get(kdf, "passes"));
	if (v < 1 || v > KS_KDF_PASSES_MAX)
		FAIL("metadata: kdf passes out of bounds");
	m->passes = (uint32_t)v;
	files = json_object_get(m->json, "files");
	if (!json_is_array(files) || json_array_size(files) > BK_FILES_MAX)
		FAIL("metadata: bad file list");
	m->nfiles = json_array_size(files);
	if (m->nfiles > 0 && (m->files = calloc(m->nfiles,
	    sizeof(*m->files))) == NULL)
		FAIL("out of memory");
	json_array_foreach(files, i, f) {
		name = json_string_value(json_object_get(f, "name"));
		if (name == NULL || strlen(name) >= sizeof(m->files[i].name) ||
		    (m->files[i].kind = bk_name_kind(name)) == -1)
			FAIL("metadata: a file name outside the fixed set");
		strlcpy(m->files[i].name, name, sizeof(m->files[i].name));
		for (j = 0; j < i; j++)
			if (strcmp(m->files[j].name, name) == 0)
				FAIL("metadata: %s twice", name);
		v = json_integer_value(json_object_get(f, "size"));
		if (!json_is_integer(json_object_get(f, "size")) || v < 0 ||
		    v > BK_FILE_MAX)
			FAIL("metadata: %s: bad size", name);
		m->files[i].size = v;
		if (hex_field(f, "sha256", m->files[i].sha256, 32) == -1)
			FAIL("metadata: %s: bad sha256", name);
	}
	return 0;
}

void
bk_meta_free(struct bk_meta *m)
{
	json_decref(m->json);
	free(m->files);
	memset(m, 0, sizeof(*m));
}

int
bk_derive(const char *pw, size_t pwlen, const struct bk_meta *m,
    uint8_t keys[2][32])
{
	uint8_t	*root;
	int	 r = -1;

	if ((root = sodium_malloc(32)) == NULL)
		return -1;
	if (crypto_pwhash(root, 32, pw, pwlen, m->salt, m->passes,
	    (size_t)m->mem_kib * 1024, crypto_pwhash_ALG_ARGON2ID13) == 0 &&
	    crypto_kdf_derive_from_key(keys[0], 32, 1, "WAIABKUP", root) ==
	    0 && crypto_kdf_derive_from_key(keys[1], 32, 2, "WAIABKUP",
	    root) == 0)
		r = 0;
	sodium_free(root);
	return r;
}

#define SS_HEADER	crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define SS_ABYTES	crypto_secretstream_xchacha20poly1305_ABYTES

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint8_t *
slurp_fd(int fd, long long max, size_t *len)
{
	struct stat	 st;
	uint8_t		*buf;
	size_t		 off = 0;
	ssize_t		 n;

	if (fstat(fd, &st) == -1)
		return NULL;
	if (!S_ISREG(st.st_mode) || st.st_size > max) {
		errno = EINVAL;
		return NULL;
	}
	if ((buf = wipe_malloc((size_t)st.st_size + 1)) == NULL)
		return NULL;
	while (off < (size_t)st.st_size && (n = pread(fd, buf + off,
	    (size_t)st.st_size - off, (off_t)off)) > 0)
		off += (size_t)n;
	if (off != (size_t)st.st_size) {
		wipe_free(buf);
		errno = EIO;
		return NULL;
	}
	*len = off;
	return buf;
}

uint8_t *
bk_slurp(int dfd, const char *name, long long max, size_t *len)
{
	uint8_t	*buf;
	int	 fd, e;

	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return NULL;
	buf = slurp_fd(fd, max, len);
	e = errno;
	close(fd);
	errno = e;
	return buf;
}

struct item {
	char	 name[64];
	uint8_t	*data;
	size_t	 len;
};

struct items {
	struct item	*v;
	size_t		 n;
};

/* len is read here, after the call's other argument filled it. */
static int
add_item(struct items *it, const char *name, uint8_t *data,
    const size_t *len)
{
	struct item	*v;

	if (data == NULL)
		return -1;
	if (it->n >= BK_FILES_MAX || (v = reallocarray(it->v, it->n + 1,
	    sizeof(*v))) == NULL) {
		wipe_free(data);
		errno = ENOMEM;
		return -1;
	}
	it->v = v;
	memset(&v[it->n], 0, sizeof(v[it->n]));
	strlcpy(v[it->n].name, name, sizeof(v[it->n].name));
	v[it->n].data = data;
	v[it->n].len = *len;
	it->n++;
	return 0;
}

/* The files back to back, cut into chunks, the last one FINAL. */
static int
write_body(FILE *out, const struct items *it, const uint8_t key[32],
    const uint8_t *mac)
{
	crypto_secretstream_xchacha20poly1305_state ss;
	uint8_t		 sh[SS_HEADER], lenb[4], *chunk, *cbuf;
	unsigned long long clen;
	size_t		 total = 0, done = 0, i = 0, off = 0, k, take;

	if ((chunk = wipe_malloc(BK_CHUNK)) == NULL)
		return -1;
	if ((cbuf = malloc(BK_CHUNK + SS_ABYTES)) == NULL) {
		wipe_free(chunk);
		return -1;
	}
	crypto_secretstream_xchacha20poly1305_init_push(&ss, sh, key);
	fwrite(sh, 1, sizeof(sh), out);
	for (i = 0; i < it->n; i++)
		total += it->v[i].len;
	i = 0;
	do {
		for (k = 0; k < BK_CHUNK && i < it->n; ) {
			take = it->v[i].len - off;
			if (take > BK_CHUNK - k)
				take = BK_CHUNK - k;
			memcpy(chunk + k, it->v[i].data + off, take);
			k += take;
			off += take;
			if (off == it->v[i].len) {
				i++;
				off = 0;
			}
		}
		done += k;
		crypto_secretstream_xchacha20poly1305_push(&ss, cbuf, &clen,
		    chunk, k, mac, BK_MAC_LEN, done == total ?
		    crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
		put32(lenb, (uint32_t)clen);
		fwrite(lenb, 1, 4, out);
		fwrite(cbuf, 1, clen, out);
	} while (done < total);
	sodium_memzero(&ss, sizeof(ss));
	wipe_free(chunk);
	free(cbuf);
	return 0;
}

#undef FAIL
#define FAIL(...) do {							\
	snprintf(err, errlen, __VA_ARGS__);				\
	goto out;							\
} while (0)

int
bk_create(struct bk_create *a, char *err, size_t errlen)
{
	struct items	 it = { NULL, 0 };
	struct bk_meta	 bm;
	struct dirent	*de;
	struct stat	 st;
	struct tm	 tm;
	struct timespec	 t0, t1;
	DIR		*d = NULL;
	FILE		*out = NULL;
	json_t		*meta, *files;
	crypto_generichash_state gs;
	uint8_t		 keys[2][32], mac[BK_MAC_LEN], hdr[12], h[32];
	char		 hex[65], shex[BK_SALT_LEN * 2 + 1], name[96];
	char		 tmp[128], *mtext = NULL;
	time_t		 now = (time_t)a->now;
	size_t		 i, mlen, len = 0;
	int		 bfd = -1, kfd, fd = -1, r = -1;

	memset(&bm, 0, sizeof(bm));
	memset(keys, 0, sizeof(keys));
	if (a->mem_kib < KS_KDF_MEM_MIN || a->mem_kib > KS_KDF_MEM_MAX ||
	    a->passes < 1 || a->passes > KS_KDF_PASSES_MAX)
		FAIL("keystore KDF settings out of bounds");
	if (faccessat(a->dfd, "keystore.next", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		FAIL("a master password change is under way; try again");
	/* The snapshot first, then the keys: every wallet has its key. */
	if (add_item(&it, "data/waiaas.db", slurp_fd(a->snapfd, BK_FILE_MAX,
	    &len), &len) == -1)
		FAIL("database snapshot: %s", strerror(errno));
	if (add_item(&it, "keystore/keystore.meta", bk_slurp(a->dfd,
	    "keystore/keystore.meta", BK_FILE_MAX, &len), &len) == -1)
		FAIL("keystore/keystore.meta: %s", strerror(errno));
	if ((kfd = openat(a->dfd, "keystore", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1 || (d = fdopendir(kfd)) == NULL)
		FAIL("keystore: %s", strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != KS_ID_LEN + 4)
			continue;
		snprintf(name, sizeof(name), "keystore/%.40s", de->d_name);
		if (bk_name_kind(name) == BK_NAME_KEY && add_item(&it, name,
		    bk_slurp(a->dfd, name, BK_FILE_MAX, &len), &len) == -1)
			FAIL("%s: %s", name, strerror(errno));
	}
	if (faccessat(a->dfd, "config.toml", F_OK, AT_SYMLINK_NOFOLLOW) == 0 &&
	    add_item(&it, "config.toml", bk_slurp(a->dfd, "config.toml",
	    BK_FILE_MAX, &len), &len) == -1)
		FAIL("config.toml: %s", strerror(errno));

	randombytes_buf(bm.salt, sizeof(bm.salt));
	bm.mem_kib = a->mem_kib;
	bm.passes = a->passes;
	sodium_bin2hex(shex, sizeof(shex), bm.salt, sizeof(bm.salt));
	if (gmtime_r(&now, &tm) == NULL || strftime(a->created,
	    sizeof(a->created), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		FAIL("time");
	if ((files = json_array()) == NULL)
		FAIL("out of memory");
	for (i = 0; i < it.n; i++) {
		crypto_hash_sha256(h, it.v[i].data, it.v[i].len);
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		json_array_append_new(files, json_pack("{s:s, s:I, s:s}",
		    "name", it.v[i].name, "size", (json_int_t)it.v[i].len,
		    "sha256", hex));
	}
	meta = json_pack("{s:i, s:s, s:s, s:I, s:I, s:{s:s, s:i, s:i, s:s}, "
	    "s:o}", "format", BK_FORMAT, "created", a->created, "version",
	    WAIAAS_VERSION, "schemaVersion", (json_int_t)a->schema,
	    "walletCount", (json_int_t)a->wallets, "kdf", "alg", "argon2id13",
	    "memKib", (int)a->mem_kib, "passes", (int)a->passes, "salt", shex,
	    "files", files);
	if (meta == NULL || (mtext = json_dumps(meta, JSON_COMPACT |
	    JSON_SORT_KEYS)) == NULL) {
		json_decref(meta);
		FAIL("out of memory");
	}
	json_decref(meta);
	if ((mlen = strlen(mtext)) > BK_META_MAX)
		FAIL("too many files for the metadata");
	memcpy(hdr, BK_MAGIC, 8);
	put32(hdr + 8, (uint32_t)mlen);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (bk_derive(a->pw, a->pwlen, &bm, keys) == -1)
		FAIL("key derivation failed (out of memory?)");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	a->kdf_ms = (long long)(t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	crypto_generichash_init(&gs, keys[0], 32, sizeof(mac));
	crypto_generichash_update(&gs, hdr, 12);
	crypto_generichash_update(&gs, (uint8_t *)mtext, mlen);
	crypto_generichash_final(&gs, mac, sizeof(mac));

	snprintf(a->name, sizeof(a->name), "waiaas-backup-%.4s%.2s%.2sT%.2s"
	    "%.2s%.2sZ.wbk", a->created, a->created + 5, a->created + 8,
	    a->created + 11, a->created + 14, a->created + 17);
	snprintf(tmp, sizeof(tmp), ".%s.tmp", a->name);
	if ((bfd = openat(a->dfd, "backups", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		FAIL("backups: %s", strerror(errno));
	(void)unlinkat(bfd, tmp, 0);
	if ((fd = openat(bfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1 || (out = fdopen(fd, "w")) == NULL)
		FAIL("backups/%s: %s", tmp, strerror(errno));
	fwrite(hdr, 1, 12, out);
	fwrite(mtext, 1, mlen, out);
	fwrite(mac, 1, sizeof(mac), out);
	if (write_body(out, &it, keys[1], mac) == -1)
		FAIL("out of memory");
	if (fflush(out) == EOF || ferror(out) || fsync(fd) == -1 ||
	    fstat(fd, &st) == -1)
		FAIL("backups/%s: %s", tmp, strerror(errno));
	/* Never over an archive of the same second: -2, -3, ... then. */
	for (i = 2; linkat(bfd, tmp, bfd, a->name, 0) == -1; i++) {
		if (errno != EEXIST || i > 100)
			FAIL("backups/%s: %s", a->name, strerror(errno));
		snprintf(a->name + 30, sizeof(a->name) - 30, "-%zu.wbk", i);
	}
	(void)unlinkat(bfd, tmp, 0);
	if (fsync(bfd) == -1)
		FAIL("backups: %s", strerror(errno));
	a->size = (long long)st.st_size;
	a->nfiles = (int)it.n;
	r = 0;
out:
	if (out != NULL)
		fclose(out);
	else if (fd != -1)
		close(fd);
	if (r == -1 && bfd != -1)
		(void)unlinkat(bfd, tmp, 0);
	if (bfd != -1)
		close(bfd);
	if (d != NULL)
		closedir(d);
	sodium_memzero(keys, sizeof(keys));
	sodium_memzero(&gs, sizeof(gs));
	if (mtext != NULL)
		wipe_free(mtext);
	for (i = 0; i < it.n; i++)
		wipe_free(it.v[i].data);
	free(it.v);
	return r;
}
