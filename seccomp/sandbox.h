#ifndef WAIAAS_SANDBOX_H
#define WAIAAS_SANDBOX_H

/*
 * One seccomp allowlist per role.  Loading it sets no_new_privs; every
 * call not listed kills the whole process (SIGSYS), or, in a build with
 * -DSANDBOX_DEBUG, is trapped and logged by name before the process exits.
 */
int	sandbox_enter(int role);

#endif
