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

/*
 * Group root (gid 0) has no member but root.  A data directory of group
 * root may be searchable by its group (mode 0710, or 2710 so that new
 * files take the group), and a secret file of group root readable by
 * its group (0640): so root without CAP_DAC_OVERRIDE (a `docker exec`
 * into the container with cap_drop ALL) reads recovery.key, and no other
 * uid or gid can.  SECRET_GROUP_OK(st, bits): the mode bits group and
 * others may hold for that file.
 */
#define SECRET_GROUP_OK(st, bits)	((st)->st_gid == 0 ? (bits) : 0)
void	secret_share_root(int, int);

#endif
