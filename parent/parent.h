#ifndef WAIAAS_PARENT_H
#define WAIAAS_PARENT_H

#include <stddef.h>

#include "keystore.h"

struct ks_file {
	char		id[KS_ID_LEN + 1];
	size_t		len;
	unsigned char	data[1024];
};

/* parent_keystore.c */
int	keystore_read_meta(int, struct ks_meta *);
size_t	keystore_scan(int, struct ks_file **);
int	keystore_write(int, const char *, const void *, size_t, int);
void	keystore_recover(int);
void	keystore_test_crash(const char *);
int	rekey_active(void);
void	rekey_begin(int, const struct ks_meta *, uint32_t);
void	rekey_blob(const struct ks_blob *);
int	rekey_commit(int, int *);

#endif
