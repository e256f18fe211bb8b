/*
 * libFuzzer target for what a chain node answers: the JSON-RPC answer
 * check (common/jsonrpc.c, big-integer quoting included) and the EVM
 * client's decoders of quantities, hex data, revert reasons and token
 * symbols (chain_evm_decode.c, included whole: some of the functions
 * under test are static).  The first byte picks the decoder.
 */
#include "../../api/chain_evm_decode.c"
#include "jsonrpc.h"

#include "chain_stubs.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_error	 e;
	json_t			*root, *res, *v;
	uint8_t			 q[32], *d = NULL;
	char			 out[300], sym[SYMBOL_MAX + 1];
	size_t			 dlen;

	if (size < 1)
		return 0;
	memset(&e, 0, sizeof(e));
	switch (data[0] % 3) {
	case 0:
		/* A whole answer to request id 1. */
		if ((root = jsonrpc_answer((const char *)data + 1, size - 1,
		    1, &res, &e)) != NULL) {
			if (res != NULL) {
				(void)evm_qty_parse(res, q);
				if (evm_data_parse(res, 4096, &d, &dlen) == 0)
					free(d);
			} else
				evm_revert_message(&e, out, sizeof(out));
			json_decref(root);
		}
		break;
	case 1:
		revert_data_reason(data + 1, size - 1, out, sizeof(out));
		break;
	default:
		evm_symbol_decode(data + 1, size - 1, sym);
		v = json_stringn((const char *)data + 1, size - 1);
		if (v != NULL) {
			(void)evm_qty_parse(v, q);
			if (evm_data_parse(v, 4096, &d, &dlen) == 0)
				free(d);
			json_decref(v);
		}
		break;
	}
	return 0;
}
