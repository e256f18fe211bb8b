#ifndef WAIAAS_SANDBOX_H
#define WAIAAS_SANDBOX_H

/*
 * One seccomp allowlist per role.  Loading it sets no_new_privs; every
 * call not listed kills the whole process (SIGSYS), or, in a build with
 * -DSANDBOX_DEBUG, is trapped and logged by name before the process exits.
 */
int	sandbox_enter(int role);
/*
 * Before sandbox_enter(): allow pread(2) on this descriptor (a
 * /proc/.../statm opened before the drop); -1 is ignored.  At most two.
 */
void	sandbox_pread_fd(int);
int	landlock_confine(const char *);

/*
 * Sanitizer builds (the test build) also allow the calls the ASan and
 * UBSan runtimes make when they report; tests that expect such a call to
 * be forbidden check SANITIZER_BUILD.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_BUILD	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || \
    __has_feature(undefined_behavior_sanitizer)
#define SANITIZER_BUILD	1
#endif
#endif

#endif
