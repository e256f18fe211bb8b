/*
 * Privileges given up for good (priv.c), by the parent and each child.
 */
#ifndef WAIAAS_PRIV_H
#define WAIAAS_PRIV_H

#include <sys/types.h>

void	priv_drop(uid_t, gid_t, const char *);
void	priv_fsid(uid_t, gid_t);
void	priv_clear_bounding(void);
int	priv_caps_zero(void);
void	priv_harden(void);

#endif
