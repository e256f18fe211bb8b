/*
 * The Model Context Protocol server's protocol and tools, without a
 * transport: JSON-RPC 2.0 (initialize, ping, tools/list, tools/call,
 * notifications), protocol version negotiation, and the tool table.
 * Each tool is one REST call of this daemon's, made by the transport
 * with the session's token: mcp_message() turns a message into an
 * answer or into the call to make, and mcp_result() turns the call's
 * REST answer into the tool's result.  The stdio server (cli/cli_mcp.c)
 * makes the call with libcurl, the api's /mcp (api/api_mcp.c) as an
 * internal request through the REST route's own path.
 */
#ifndef WAIAAS_MCP_H
#define WAIAAS_MCP_H

#include <stddef.h>

#include <jansson.h>

#define MCP_MSG_MAX	((size_t)256 * 1024)	/* bytes of one message */
#define MCP_DEPTH_MAX	16			/* its nesting */
#define MCP_ARG_MAX	((size_t)64 * 1024)	/* a tool's arguments */
#define MCP_TARGET_MAX	2048			/* a call's path and query */

/* What mcp_message() made of a message. */
enum mcp_kind {
	MCP_NOTHING,	/* a notification or a response: nothing to say */
	MCP_ANSWER,	/* *answer: the JSON-RPC response */
	MCP_INVALID,	/* *answer: an error without id (not parsed) */
	MCP_CALL	/* *call: make the REST call, then mcp_result() */
};

struct mcp_call {
	const char	*method;	/* "GET" or "POST" */
	char		 target[MCP_TARGET_MAX];	/* path?query */
	json_t		*body;		/* POST: a JSON object */
	json_t		*id;		/* the request's */
	const char	*tool;
};

/*
 * One message, len bytes of JSON.  wallet is the default wallet of
 * tools called without wallet_id (NULL: the REST routes' own default).
 */
enum mcp_kind	mcp_message(const char *, size_t, const char *, json_t **,
		    struct mcp_call *);
/*
 * The response to a call from its REST answer: status and the body
 * parsed (NULL when not JSON); or, with status 0, the call could not be
 * made and text says why.  Releases the call.
 */
json_t	*mcp_result(struct mcp_call *, long, json_t *, const char *);
void	 mcp_call_free(struct mcp_call *);
/* A JSON-RPC error response (id NULL: null). */
json_t	*mcp_error(json_t *, int, const char *);
/* Is this an MCP-Protocol-Version this server speaks? */
int	 mcp_version_ok(const char *, size_t);

#endif
