/*
 * libFuzzer target for the ABI encoder (chain/abi.c): the input is a
 * JSON body as POST /v1/utils/encode-calldata takes it, {abi,
 * functionName, args}, decoded as policyd decodes one.  Any input: no
 * sanitizer report; a refusal has a reason and no data; calldata is
 * the selector and whole words, within ABI_OUT_MAX, its selector the
 * Keccak of its canonical signature; and asking again by that signature
 * gives the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "abi.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct abi_call	 c, again;
	json_t		*j;
	const char	*fn;
	uint8_t		 sel[4];
	size_t		 n;

	if ((j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL)
		return 0;
	fn = json_string_value(json_object_get(j, "functionName"));
	if (abi_encode_call(json_object_get(j, "abi"), fn,
	    json_object_get(j, "args"), &c) == -1) {
		if (c.err[0] == '\0' || c.data != NULL || c.len != 0 ||
		    memchr(c.err, '\0', sizeof(c.err)) == NULL)
			abort();
		json_decref(j);
		return 0;
	}
	if (c.data == NULL || c.len < 4 || (c.len - 4) % 32 != 0 ||
	    c.len > ABI_OUT_MAX || c.err[0] != '\0')
		abort();
	abi_selector(c.sig, sel);
	if (memcmp(sel, c.data, 4) != 0)
		abort();
	n = strlen(c.sig);
	if (n < 3 || c.sig[n - 1] != ')' || strncmp(c.sig, fn,
	    strcspn(fn, "(")) != 0 || c.sig[strcspn(fn, "(")] != '(')
		abort();
	if (abi_encode_call(json_object_get(j, "abi"), c.sig,
	    json_object_get(j, "args"), &again) == -1 || again.len != c.len ||
	    memcmp(again.data, c.data, c.len) != 0 ||
	    strcmp(again.sig, c.sig) != 0)
		abort();
	abi_call_free(&again);
	abi_call_free(&c);
	json_decref(j);
	return 0;
}
