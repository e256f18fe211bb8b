/*
 * libFuzzer target for abi_text_decode: any answer, any bound.  What
 * decodes is valid UTF-8 (jansson takes it), fits the room and the
 * character bound, and has no control character.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "abi_text.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 out[401];
	uint8_t		*d;
	json_t		*s;
	size_t		 max, i;

	if (size < 1)
		return 0;
	max = data[0] % 101;
	if ((d = malloc(size - 1 ? size - 1 : 1)) == NULL)
		return 0;
	memcpy(d, data + 1, size - 1);
	if (abi_text_decode(d, size - 1, out, sizeof(out), max) ==
	    ABI_TEXT_OK) {
		if (strlen(out) >= sizeof(out) || (s = json_string(out)) ==
		    NULL)
			abort();
		json_decref(s);
		for (i = 0; out[i] != '\0'; i++)
			if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
				abort();
	} else if (out[0] != '\0')
		abort();
	free(d);
	return 0;
}
