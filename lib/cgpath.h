/* Cgroup paths as the configuration names them: validated and kept beneath the root. */
#pragma once

/*
 * Normalises a cgroup path relative to the cgroup root: leading and trailing
 * '/' are dropped ("/batch.slice/" -> "batch.slice"). Refused with -EINVAL,
 * *ret_why set to a static explanation: the root itself (it has no
 * memory.current or memory.high), "." and ".." components (they could climb
 * out of the root), empty components, control characters, and paths longer
 * than PATH_MAX. Returns 0 and a newly allocated *ret, -EINVAL, or -ENOMEM.
 */
int cgpath_normalize(const char *path, char **ret, const char **ret_why);
