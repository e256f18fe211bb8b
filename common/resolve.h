/*
 * For the parent, which still has DNS: the CURLOPT_RESOLVE entry
 * "host:port:addr[,addr...]" of an http(s) URL (common/url.h says which
 * it takes), so that libcurl never resolves a name in the api or relay
 * (no resolver there, no thread).  The error never quotes the URL, which
 * may hold an API key.
 */
#ifndef WAIAAS_RESOLVE_H
#define WAIAAS_RESOLVE_H

#include <stddef.h>

int	resolve_entry(const char *, char *, size_t, char *, size_t);
/*
 * The same, waiting at most timeout_ms for DNS (0: as long as the
 * resolver takes); *stalled says the time ran out.  While a look-up
 * given up on still runs, the next call reports a stall at once.
 */
int	resolve_entry_bounded(const char *, int, int *, char *, size_t,
	    char *, size_t);

#endif
