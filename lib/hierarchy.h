/* memory.low up the hierarchy: the ancestors protecting what reclaimd protects, and values left to put back. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"

struct cgroup;
struct engine;

/*
 * Finds the ancestors of the managed cgroups, up to (not including) the root,
 * that are not managed themselves: e->parents, sorted by path. Returns 0 or
 * -ENOMEM.
 */
int hierarchy_init(struct engine *e);

/* Returns the unmanaged ancestor at path, or NULL. */
struct cgroup *hierarchy_find(struct engine *e, const char *path);

/*
 * The protection a managed cgroup adds to its parent's claim by what
 * reclaimd holds in f (memory.low or memory.min): min(usage, held) -
 * min(usage, original), 0 when nothing is held. effective_protection()
 * (mm/memcontrol.c) counts a child's claim as min(usage, memory.low), and
 * likewise for memory.min.
 */
uint64_t hierarchy_claim_delta(struct cgroup *cg, enum cg_file f);

/*
 * The claim deltas in f of every managed cgroup below path (each ancestor
 * between is raised by the same deltas). O(log n + k) for k beneath.
 */
uint64_t hierarchy_below(struct engine *e, const char *path, enum cg_file f);

/*
 * The memory.low a cgroup needs for what reclaimd holds beneath it (below,
 * from hierarchy_below()) to take effect: original + below; 0 when nothing
 * beneath it is held. A child's effective protection is bounded by its
 * parent's (effective_protection(): a cgroup just beneath the root takes its
 * memory.low as it is; deeper ones share their parent's among the siblings
 * that claim it), so without this a memory.low held on
 * system.slice/web.service protects nothing while system.slice has none.
 */
uint64_t hierarchy_needed(uint64_t original, uint64_t below);

/*
 * Holds memory.low and memory.min of the unmanaged ancestors at what the
 * managed cgroups' held values need (hierarchy_needed()), and puts back those that need
 * nothing any more. Raised at once; lowered only when it falls by more than a
 * sixteenth (at least a MiB), so that usage moving a little does not write
 * every interval. A memory.high kept on an unmanaged cgroup (hierarchy_adopt())
 * goes back here too, and the records of a cgroup removed meanwhile end. Sets
 * *released when a cgroup's last record ended (the caller saves the records).
 * Returns the number of ancestors held.
 */
int hierarchy_protect(struct engine *e, bool *released);

/* Puts back every value held on an ancestor (stopping, reloading). */
void hierarchy_restore(struct engine *e);

/*
 * Makes room in e's unmanaged cgroups for n more, so that n calls of
 * hierarchy_adopt() that follow cannot fail. Returns 0 or -ENOMEM.
 */
int hierarchy_reserve(struct engine *e, size_t n);

/*
 * Keeps what reclaimd holds in cg, a cgroup e does not manage, whose values
 * could not be put back (a write failed): the records move to e's managed
 * cgroup at that path, or to one of its unmanaged cgroups (an ancestor, or a
 * new entry), with cg's path and handle. There they are saved with the
 * others and put back at the next chance: hierarchy_protect() at every
 * interval, hierarchy_restore() at stop. Returns 0 or -ENOMEM (nothing moved;
 * never after hierarchy_reserve() made the room).
 */
int hierarchy_adopt(struct engine *e, struct cgroup *cg);

/* How many unmanaged cgroups (ancestors, or restores to retry) hold a value reclaimd changed. */
int hierarchy_held(const struct engine *e);
