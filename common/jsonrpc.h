#ifndef WAIAAS_JSONRPC_H
#define WAIAAS_JSONRPC_H

#include <jansson.h>

#include "rpc.h"

#define JSONRPC_METHOD_MAX	64

char	*jsonrpc_request(json_int_t, const char *, json_t *);
int	 jsonrpc_method_ok(const char *);
json_t	*jsonrpc_answer(const char *, size_t, json_int_t, json_t **,
	    struct rpc_error *);

#endif
