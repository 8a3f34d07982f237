/* What the engine's parts (engine.c, floors.c, restore.c) share with each other and no one else. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

/* A buffer for memory.stat, a few KiB on the kernels so far; a longer one reads as -EFBIG (backend.h). */
#define MEMORY_STAT_MAX 8192

/* The cgroup was removed: close it, unrank it, drop its records, and tell the daemon once. */
void engine_forget(struct engine *e, struct cgroup *cg, int err);

/*
 * A pass over many cgroups (a refresh, a release, the floors) saves the state
 * file once at its end for all the cgroups it finds gone (engine_forget()).
 */
void engine_batch_begin(struct engine *e);
void engine_batch_end(struct engine *e, bool save);

/* How old memory.min or an offender's mlocked memory may be (FLOOR_REFRESH_USEC, or longer when idle). */
uint64_t engine_floor_age(const struct engine *e);

/* How old a reading may be: usec, or in a balancer's check on a machine far from short, IDLE_REFRESH_USEC. */
uint64_t engine_refresh_age(const struct engine *e, uint64_t usec);

/* Reads a /proc file whole, growing the buffer up to max. Returns its text (to free) or NULL, *ret_err. */
char *engine_read_proc(struct engine *e, enum cg_file f, size_t size, size_t max, int *ret_err);

/* Says a system file's error once, until it reads well again. Returns err. */
int engine_sysfile_error(struct engine *e, enum cg_file f, int err, int *last);
