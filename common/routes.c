#include <stddef.h>
#include <string.h>

#include "http.h"
#include "routes.h"

const struct route routes[R_MAX] = {
#define ROUTE_ROW(id, m, p, a)	{ id, HTTP_##m, p, AUTH_##a, #id },
	ROUTES(ROUTE_ROW)
#undef ROUTE_ROW
};

/*
 * Match a path against a pattern; the one "{}" segment, if any, is
 * returned in param.
 */
static int
path_match(const char *pat, const char *path, size_t plen,
    const char **param, size_t *paramlen)
{
	const char	*p = path, *end = path + plen, *s;

	*param = NULL;
	*paramlen = 0;
	while (*pat != '\0' && p < end) {
		if (pat[0] == '{' && pat[1] == '}') {
			s = p;
			while (p < end && *p != '/')
				p++;
			if (p == s)
				return 0;
			*param = s;
			*paramlen = (size_t)(p - s);
			pat += 2;
			continue;
		}
		if (*pat++ != *p++)
			return 0;
	}
	return *pat == '\0' && p == end;
}

/*
 * The route for method and path, or NULL; *allow gets the methods the
 * path does take (for 405).  A literal segment beats "{}".
 */
const struct route *
route_match(int method, const char *path, size_t plen, const char **param,
    size_t *paramlen, int *allow)
{
	const struct route	*best = NULL;
	const char		*pp;
	size_t			 i, pl;

	*allow = 0;
	*param = NULL;
	*paramlen = 0;
	for (i = 0; i < R_MAX; i++) {
		if (!path_match(routes[i].path, path, plen, &pp, &pl))
			continue;
		if (routes[i].method != method) {
			*allow |= routes[i].method;
			continue;
		}
		if (best == NULL || (pp == NULL && *param != NULL)) {
			best = &routes[i];
			*param = pp;
			*paramlen = pl;
		}
	}
	return best;
}

const char *
route_auth_name(int auth)
{
	switch (auth) {
	case AUTH_NONE:			return "none";
	case AUTH_MASTER:		return "masterAuth";
	case AUTH_SESSION:		return "sessionAuth";
	case AUTH_MASTER_OR_SESSION:	return "masterAuth or sessionAuth";
	case AUTH_OWNER:		return "ownerAuth";
	default:			return "?";
	}
}
