/*
 * libFuzzer target for the unsigned-transaction decoder behind POST
 * /v1/transactions/sign (evm_tx_decode, over rlp_next and rlp_items).
 * Any bytes: nothing is read past them, and what decodes is a
 * transaction the signer would take whose re-encoding is exactly the
 * input (what is judged is what is signed).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evm.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t	out[EVM_TX_MAX];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rlp_item	 it[16];
	struct rlp	 r = { out, 0, sizeof(out) };
	struct evm_tx	 tx;
	const char	*why = NULL;
	uint8_t		*b;
	int		 k, i;

	/* An exact-size copy, so ASan sees any overread. */
	if ((b = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(b, data, size);
	if (evm_tx_decode(size ? b : NULL, size, &tx, &why) == 0) {
		if (evm_tx_check(&tx) == -1)
			abort();
		if (tx.datalen > 0 && (tx.data < b || tx.data + tx.datalen >
		    b + size))
			abort();
		if (evm_tx_encode(&r, &tx, NULL, 0) == -1 || r.len != size ||
		    memcmp(out, b, size) != 0)
			abort();
	} else if (why == NULL)
		abort();
	/* The list splitter alone, on the same bytes. */
	if ((k = rlp_items(b, size, it, 16)) > 16)
		abort();
	for (i = 0; i < k; i++)
		if (it[i].p < b || it[i].p + it[i].len > b + size)
			abort();
	free(b);
	return 0;
}
