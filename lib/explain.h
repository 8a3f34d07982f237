/* reclaimctl explain: why a cgroup was or was not reclaimed, one sentence per reason, each naming its rule. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

struct config;
struct snapshot;

/*
 * Writes why the last round that could reach path did what it did with it,
 * and what reclaimd holds on it now, from the snapshot s. For a cgroup s
 * does not hold: whether a section of cfg matches it, given whether it
 * exists. Returns 0, or -ENOENT when path is neither managed nor exists.
 */
int explain_write(FILE *f, const struct snapshot *s, const struct config *cfg, const char *path, bool exists);
