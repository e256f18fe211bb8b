/*
 * bk_parse_meta() on arbitrary bytes: the header and metadata of a
 * backup archive, which `waiaas backup inspect/list` and `restore` read
 * from a file anyone may have altered.  Besides the sanitizers: a parse
 * that succeeds must give only names of the fixed set (never a path
 * to follow), each once, with bounded sizes and KDF cost.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "keystore.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bk_meta	m;
	char		err[256];
	size_t		i, j;

	err[0] = '\0';
	if (bk_parse_meta(data, size, &m, err, sizeof(err)) == -1) {
		if (err[0] == '\0' || m.json != NULL || m.files != NULL)
			abort();
		return 0;
	}
	if (m.mem_kib < KS_KDF_MEM_MIN || m.mem_kib > KS_KDF_MEM_MAX ||
	    m.passes < 1 || m.passes > KS_KDF_PASSES_MAX)
		abort();
	for (i = 0; i < m.nfiles; i++) {
		if (bk_name_kind(m.files[i].name) != m.files[i].kind ||
		    strstr(m.files[i].name, "..") != NULL ||
		    m.files[i].name[0] == '/' || m.files[i].size < 0 ||
		    m.files[i].size > BK_FILE_MAX)
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(m.files[i].name, m.files[j].name) == 0)
				abort();
	}
	bk_meta_free(&m);
	return 0;
}
