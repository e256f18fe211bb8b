/* Compact JSON text of a jansson document, without json_dumps()' costs. */
#ifndef WAIAAS_JSONW_H
#define WAIAAS_JSONW_H

#include <stddef.h>

#include <jansson.h>

/* Containers nested deeper than this are left to json_dumps(). */
#define JSONW_DEPTH_MAX	64

size_t	jsonw_compact(const json_t *, char *, size_t);

/*
 * The same text written as it is made, with no document in between: for
 * answers made of many rows.  A key is NULL inside an array.  The text
 * is good when jsonw_end() returns a length of at most the buffer's
 * size; 0 means a string was not UTF-8 or the nesting too deep.
 */
struct jsonw_buf {
	char	*buf;
	size_t	 size;
	size_t	 len;		/* needed so far; may pass size */
};

struct jsonw {
	struct jsonw_buf o;
	int	 err;
	int	 depth;
	int	 first[JSONW_DEPTH_MAX];
};

void	jsonw_init(struct jsonw *, char *, size_t);
void	jsonw_open(struct jsonw *, const char *, char);
void	jsonw_close(struct jsonw *, char);
void	jsonw_str(struct jsonw *, const char *, const char *);
void	jsonw_int(struct jsonw *, const char *, long long);
void	jsonw_bool(struct jsonw *, const char *, int);
void	jsonw_null(struct jsonw *, const char *);
size_t	jsonw_end(struct jsonw *);

/*
 * A member of an object whose key is quoted with its ':' already, as
 * JSONW_QKEY("id") makes it (two arguments: the text and its length);
 * a string value's length is given.  The same text as jsonw_str() and
 * the others write.
 */
#define JSONW_QKEY(k)	"\"" k "\":", sizeof(k) + 2
void	jsonw_qstr(struct jsonw *, const char *, size_t, const char *,
	    size_t);
void	jsonw_qint(struct jsonw *, const char *, size_t, long long);
void	jsonw_qbool(struct jsonw *, const char *, size_t, int);
void	jsonw_qnull(struct jsonw *, const char *, size_t);

#endif
