/*
 * The backup archive's metadata: parsed and bounded here, shared by the
 * waiaas command and tests/fuzz/fuzz_backup.c.  See backup.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "backup.h"
#include "keystore.h"
#include "util.h"

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
