/* Cgroup paths as the configuration names them: validated and kept beneath the root. */
#pragma once

#include <stdbool.h>

/*
 * Normalises a cgroup path relative to the cgroup root: leading and trailing
 * '/' are dropped ("/batch.slice/" -> "batch.slice"). Refused with -EINVAL,
 * *ret_why set to a static explanation: the root itself (it has no
 * memory.current or memory.high), "." and ".." components (they could climb
 * out of the root), empty components, control characters, and paths longer
 * than PATH_MAX. Returns 0 and a newly allocated *ret, -EINVAL, or -ENOMEM.
 */
int cgpath_normalize(const char *path, char **ret, const char **ret_why);

/*
 * Whether path could name a cgroup beneath the root, as the kernel allows
 * names (any byte but '/' and NUL): relative, no empty, "." or ".."
 * components. Unlike cgpath_normalize(), control characters pass: a glob
 * matches whatever names a cgroup's owner chose.
 */
bool cgpath_is_cgroup(const char *path);

/*
 * Why the glob pattern cannot be what its writer meant, or NULL: a '[' whose
 * bracket class does not end with ']' within its path component (fnmatch()
 * would match the '[' literally, or nothing), an unknown [:class:], or a
 * trailing backslash.
 */
const char *cgpath_check_glob(const char *pattern);

/* Whether a (normalised) path is a glob: it has *, ? or [ in it. */
bool cgpath_is_glob(const char *path);

/*
 * How specific a configuration path is for a cgroup it matches: an exact path
 * beats any glob; among globs, the one with more literal characters wins
 * (in system.slice, "db-*.service" over "*.service"), a bracket class
 * counting as none (its members are one character's choices), an escaped
 * character as one. Higher is more specific.
 */
unsigned cgpath_specificity(const char *pattern);

/*
 * Whether path matches the configuration path pattern: a glob through
 * fnmatch() ('/' matched literally, backslash escapes), an exact path as it is.
 */
bool cgpath_matches(const char *pattern, const char *path);
