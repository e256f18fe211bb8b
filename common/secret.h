#ifndef WAIAAS_SECRET_H
#define WAIAAS_SECRET_H

#include <stddef.h>

/*
 * dfd: the data directory (recovery.key); dir: its name, for messages.
 * pw holds KS_PASSWORD_MAX + 1 bytes (guarded memory); it ends NUL
 * terminated.  first: no keystore yet; provision: then make one up.
 */
void	master_password(int, const char *, int, int, char *, size_t *);
void	secret_provision(int, const char *, char *, size_t *);
int	secret_new_password(char *, size_t *);

#endif
