/* Reclaim decisions: the kernel's priority loop and soft-limit stealing, as pure functions. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"

struct config;

/*
 * MEM_CGROUP_MAX_SOFT_LIMIT_RECLAIM_LOOPS (mm/memcontrol.c): the soft-limit
 * loop gives up after this many iterations that freed nothing.
 */
#define SOFT_LIMIT_MAX_FRUITLESS_LOOPS 2

/*
 * One round of reclaim: the analogue of struct scan_control (mm/vmscan.c).
 * The policy reads and updates only this, the excess tree and the readings it
 * is given; it reads no clock and no file, so a test can drive it with
 * literals.
 */
struct scan_control {
        /* What the round must do, fixed when it starts. */
        uint64_t nr_to_reclaim;     /* bytes to free: the kernel's nr_to_reclaim */
        uint64_t min_chunk;         /* floor of one request, so high priorities are not a trickle */
        int initial_priority;       /* where the priority loop starts: DEF_PRIORITY */

        /* Where the round is. */
        int priority;               /* this pass asks a cgroup for excess >> priority */
        unsigned pass;              /* passes begun; tags cgroups tried fruitlessly in this pass */
        unsigned fruitless_loops;   /* soft-limit loop iterations in this pass that freed nothing */
        bool pass_done;             /* this pass's soft-limit loop freed something, or gave up */

        /* Progress, measured from the kernel's files, not assumed. */
        uint64_t nr_requested;      /* bytes asked of memory.reclaim */
        uint64_t nr_reclaimed;      /* bytes freed: memory.current before minus after */
        unsigned nr_steps;          /* memory.reclaim writes */
};

enum policy_verdict {
        POLICY_STEP,             /* write memory.reclaim of *ret_cg, *ret_bytes */
        POLICY_DONE_TARGET,      /* the round freed nr_to_reclaim */
        POLICY_DONE_NONE_OVER,   /* no managed cgroup is over its soft limit (any more) */
        POLICY_DONE_EXHAUSTED,   /* priority 0 passed and the target was not met */
};

/* Starts a round from the configuration; the caller clears cgroups' visited_pass. */
void scan_control_init(struct scan_control *sc, const struct config *cfg);

/*
 * How much one step asks of a cgroup over its soft limit: excess >> priority,
 * as shrink_lruvec() scans lru_size >> priority, with a floor of min_chunk,
 * and never more than the excess: reclaim stops at the soft limit.
 */
uint64_t policy_soft_request(uint64_t excess, int priority, uint64_t min_chunk);

/*
 * Decides the next step of the round: do_try_to_free_pages()'s priority loop
 * around mem_cgroup_soft_limit_reclaim(). A pass takes the cgroup furthest
 * over its soft limit; when it frees something the pass is over, when it
 * frees nothing the pass moves on to the next largest, and after
 * SOFT_LIMIT_MAX_FRUITLESS_LOOPS more fruitless tries it gives up. Then the
 * priority drops, until the target is met or priority 0 has passed.
 */
enum policy_verdict policy_next(struct scan_control *sc, struct excess_tree *tree,
                                struct cgroup **ret_cg, uint64_t *ret_bytes);

/*
 * Feeds back a step: memory.current after the write. Re-inserts the cgroup
 * at its new excess (re-ranking) and returns the bytes it freed.
 */
uint64_t policy_account(struct scan_control *sc, struct excess_tree *tree, struct cgroup *cg,
                        uint64_t requested, uint64_t current_after);
