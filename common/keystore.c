#include <stddef.h>

#include "keystore.h"

/* A lowercase UUID: only such names are keystore files. */
int
ks_valid_id(const char *s, size_t len)
{
	size_t	i;

	if (len != KS_ID_LEN)
		return 0;
	for (i = 0; i < len; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}
