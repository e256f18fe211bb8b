/*
 * libFuzzer target for the strict decoder of unsigned Solana wire
 * transactions (sol_tx_decode, for sign-only).  Any bytes: nothing is
 * read past them, every index it returns is in range, and what decodes
 * re-encodes to exactly the input (what is judged is what is signed).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "solana.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t		out[SOL_TX_MAX];
static struct sol_tx	tx;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*why = NULL;
	uint8_t		*b;
	size_t		 i, j;
	int		 n;

	/* An exact-size copy, so ASan sees any overread. */
	if ((b = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(b, data, size);
	if (sol_tx_decode(size ? b : NULL, size, &tx, &why) == 0) {
		if (tx.nreq == 0 || tx.nreq != tx.nsigs ||
		    tx.nreq + tx.nro_unsigned > tx.nkeys ||
		    !sol_tx_is_writable(&tx, 0) || tx.msg < b ||
		    tx.msg + tx.msglen != b + size)
			abort();
		for (i = 0; i < tx.nix; i++) {
			if (tx.ix[i].program == 0 ||
			    tx.ix[i].program >= tx.nkeys)
				abort();
			for (j = 0; j < tx.ix[i].naccts; j++)
				if (tx.ix[i].accts[j] >= tx.nkeys)
					abort();
			if (tx.ix[i].datalen > 0 && (tx.ix[i].data < b ||
			    tx.ix[i].data + tx.ix[i].datalen > b + size))
				abort();
		}
		if (sol_tx_signer_index(&tx, tx.keys[0]) != 0)
			abort();
		n = sol_tx_encode(&tx, out, sizeof(out));
		if (n < 0 || (size_t)n != size || memcmp(out, b, size) != 0)
			abort();
	} else if (why == NULL)
		abort();
	free(b);
	return 0;
}
