/* Finds the cgroup hierarchy that carries the memory controller and checks it is cgroup v2. */
#pragma once

/*
 * Asks libcgroup where the memory controller is mounted. Returns 0 and a
 * newly allocated *ret_path, -ENOMEDIUM when it is mounted nowhere, or
 * another negative errno (libcgroup's codes translated here, once).
 */
int discover_memory_mount(char **ret_path);

/*
 * Checks that path is a cgroup2 mount point whose root offers the memory
 * controller. Returns 0; -EMEDIUMTYPE when it is not cgroup2 (on a hybrid
 * host the memory controller is bound to a v1 hierarchy); -ENOMEDIUM when
 * memory is not in its cgroup.controllers; or another negative errno.
 */
int discover_check_v2_memory(const char *path);
