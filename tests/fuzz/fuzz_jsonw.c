/*
 * libFuzzer target for common/jsonw.c: any JSON jansson reads (and the
 * same document with its strings cut mid-sequence, as a reply built from
 * raw bytes could hold) is written by jsonw_compact() exactly as
 * json_dumps(JSON_COMPACT) writes it, refused where json_dumps refuses,
 * and a buffer too small for it is left holding a true prefix.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonw.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define TEXT_MAX	(1 << 20)

static char	buf[TEXT_MAX];

static void
same(const json_t *j)
{
	char	*want;
	size_t	 n, m;

	want = json_dumps(j, JSON_COMPACT);
	n = jsonw_compact(j, buf, sizeof(buf));
	if (want == NULL) {
		/* Refused by both, or too deep for us (json_dumps decides). */
		if (n != 0 && json_is_object(j) + json_is_array(j) != 0)
			abort();
		return;
	}
	if (n == 0) {
		free(want);
		return;		/* deeper than JSONW_DEPTH_MAX */
	}
	if (n != strlen(want) || n > sizeof(buf) || memcmp(buf, want, n) != 0)
		abort();
	/* A short buffer: the same length asked for, a true prefix held. */
	m = n / 2;
	memset(buf, 0, sizeof(buf));
	if (jsonw_compact(j, buf, m) != n || memcmp(buf, want, m) != 0)
		abort();
	free(want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t		*j, *s;
	const char	*k;
	size_t		 len;

	j = json_loadb((const char *)data, size, JSON_DECODE_ANY |
	    JSON_ALLOW_NUL, NULL);
	if (j == NULL)
		return 0;
	same(j);
	/* Each top-level string cut one byte short, unchecked. */
	if (json_is_object(j)) {
		json_object_foreach(j, k, s) {
			if (!json_is_string(s) || (len =
			    json_string_length(s)) == 0)
				continue;
			json_object_set_new(j, k, json_stringn_nocheck(
			    json_string_value(s), len - 1));
		}
		same(j);
	}
	json_decref(j);
	return 0;
}
