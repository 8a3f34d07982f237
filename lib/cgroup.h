/* A managed cgroup and the tree that orders managed cgroups by excess over their soft limit. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/tree.h>

#include "contest.h"

struct backend_cgroup;
struct cgroup_config;

/*
 * A cgroup file reclaimd holds at another value than the one it found. The
 * value is recorded (the state file) before each write, so that whatever
 * ends reclaimd, the next start finds what to put back; and it is put back
 * exactly, unless the file no longer holds what reclaimd wrote (an operator
 * changed it since).
 */
struct adjust {
        bool active;                 /* reclaimd holds the file at value */
        uint64_t original;           /* what it was before reclaimd touched it (UINT64_MAX: max) */
        uint64_t value;              /* what reclaimd writes, or last wrote */
        uint64_t previous;           /* what the kernel held before that write: the original,
                                      * or an earlier value (a crash between recording and
                                      * writing leaves this in place) */
        uint64_t cgroup_id;          /* the cgroup the record was taken on (backend_ops.cgroup_id; 0:
                                      * not known): saved, so that a start tells it from one made
                                      * again at its path */
        bool staged;                 /* value is recorded-to-be but not yet written (adjust_stage()) */
        struct {
                bool active;         /* what active was before the staging, */
                uint64_t value;      /* and value: put back if the records cannot be saved */
        } unstaged;
        int release_err;             /* the last failed write back toward the original, told once:
                                      * an unmanaged cgroup's is retried at every balance check */
};

/*
 * What the last round that reached a cgroup decided about it, set where the
 * policy decides (lib/policy.c) and worded by lib/explain.c for reclaimctl
 * explain. REASON_NONE: the policy never got to it (the round ended first,
 * or it was not a candidate: explain.c tells which from the round).
 */
enum cg_reason {
        REASON_NONE,
        REASON_RECLAIMED,            /* asked memory.reclaim: value freed of value2 asked */
        REASON_CLAMPED,              /* memory.high lowered to value (from value2, its original) */
        REASON_THRASHING,            /* left out: refaulted value permille of what was asked */
        REASON_BELOW_LOW,            /* nothing above memory.low (value), and no retry for it */
        REASON_AT_MIN,               /* nothing above memory.min (value) */
};

struct cg_decision {
        enum cg_reason reason;
        bool proportional;           /* in the proportional pass, not the soft-limit loop */
        int priority;
        uint64_t value, value2;
};

/* What reclaimd did to a cgroup since it started managing it: for the metrics and reclaimctl. */
struct cg_counters {
        uint64_t reclaimed_bytes;    /* measured falls of memory.current its steps caused */
        uint64_t requests[3];        /* memory.reclaim writes: ok, partial (EAGAIN), failed */
        uint64_t clamps[3];          /* memory.high writes: ok, already lower, failed */
        /* Its last step. */
        bool stepped;
        bool last_clamp;
        int last_result;
        int last_priority;
        uint64_t last_requested, last_reclaimed;
        uint64_t last_at_usec;
};

/*
 * What reclaim took from a cgroup, or from the whole machine, and what of it
 * came back: the window began at at_usec with these counters (policy_watch()).
 */
struct taken_watch {
        bool known;              /* the bases hold a reading */
        uint64_t steal_base;     /* pgsteal (memory.stat's, or /proc/vmstat's sum), bytes */
        uint64_t refault_base;   /* workingset_refault_anon + _file, bytes */
        uint64_t at_usec;
        uint64_t stolen;         /* bytes taken in the last window judged */
        uint32_t permille;       /* of which came back, per 1000 */
};

struct cgroup {
        char *path;                  /* relative to the cgroup root */
        const struct cgroup_config *conf; /* the section that applies (the most specific match) */
        uint64_t soft_limit_bytes;   /* in force: the section's, or the cgroup's own (xattr); UINT64_MAX: none */
        int xattr_mode;              /* enum xattr_mode: whether the cgroup's own soft limit is read */
        struct backend_cgroup *be;   /* NULL while the cgroup does not exist */
        unsigned opens;              /* times be was opened: a new cgroup at the path counts anew */
        int open_err;                /* why the last open failed (-ENOENT: no such cgroup), while be is NULL */

        /* Readings. memory.current every refresh; the others when a round needs them. */
        uint64_t current_bytes;      /* memory.current */
        uint64_t min_bytes;          /* memory.min: never reclaimed below, whatever the priority */
        uint64_t min_at_usec;        /* when it was read: the balancer re-reads it every FLOOR_REFRESH_USEC */
        uint64_t low_bytes;          /* memory.low: skipped unless the round retries for it */
        uint64_t excess_bytes;       /* current above the soft limit: the tree's key */
        uint64_t file_lru_bytes;     /* memory.stat inactive_file + active_file, read before a step
                                      * that would ask for file pages only */
        uint64_t unevictable_bytes;  /* memory.stat unevictable (mlocked), for reclaimable_excess() */
        uint64_t unevictable_at_usec; /* when it was read: again after FLOOR_REFRESH_USEC */

        /* Carried between rounds. */
        uint64_t last_reclaim_usec;  /* when reclaimd last freed memory from it (0: never) */
        uint64_t refault_base;       /* workingset_refault_anon + _file at the last snapshot */
        uint64_t refault_at_usec;    /* when that snapshot was taken */
        /*
         * Bytes reclaimd asked memory.reclaim for since that snapshot, and in
         * the window before it. Asked, not the fall of memory.current: a hot
         * cgroup's pages are reclaimed and refault at once, so its usage does
         * not fall, and that is exactly the case to catch.
         */
        uint64_t asked_since_snapshot;
        uint64_t asked_window;
        uint32_t refault_permille;   /* refaulted bytes per 1000 asked, at the last snapshot */
        bool refault_known;          /* refault_base holds a snapshot */
        /*
         * What any reclaim took from it while it was over its soft limit and
         * the floors held the others, and what came back (policy_watch_taken()).
         */
        struct taken_watch taken;
        uint64_t yield_until_usec;   /* the floors give way to it until then (policy_floors_yield()) */
        uint64_t thrash_at_usec;     /* when that watch, or the machine's, last found it thrashing,
                                      * clamps allowed: a stalling round holds it with memory.high
                                      * (policy_thrashing()) */
        uint32_t thrash_at_permille; /* what came back per 1000 taken, by that finding */
        bool held_over;              /* the floors hold the others for it: it went past its soft
                                      * limit's margin, and is not back at the limit (policy_note_over()) */

        int last_write_err;          /* the last write's error (not EAGAIN), to say a repeat once */
        int last_read_err;           /* likewise for reading memory.current */
        int last_stat_err;           /* likewise for memory.stat (refaults) */
        int last_low_err;            /* likewise for raising memory.low */

        /* The soft limit declared on the cgroup itself (lib/xattr.c). */
        bool xattr_set;              /* an attribute was read and honoured */
        uint64_t xattr_soft_limit;   /* its value */
        int xattr_err;               /* why the last one was not honoured, told once; 0: none */

        /* Files reclaimd holds at other values than it found, recorded in the state file first. */
        struct adjust high;          /* memory.high, lowered: a clamp on the top offender */
        struct adjust low;           /* memory.low, raised while another cgroup is over its soft limit */
        struct adjust min;           /* memory.min, raised instead where the kernel's memory.low only
                                      * defers reclaim (MGLRU): see policy_protection_file() */
        unsigned adjust_writes;      /* reclaimd's writes to those three files: a reading of them
                                      * taken before the last one is stale (lib/snapshot.c) */
        struct contest contests[3];  /* someone writing over those holds, file by file in
                                      * adjust_files' order (adjust_index()) */

        struct cg_decision decision; /* the last round's, for reclaimctl explain */
        struct cg_counters counters; /* kept by the daemon's observer (snapshot_count_step()) */

        /* Within a round. */
        bool in_tree;                /* linked in the excess tree (excess > 0) */
        bool acted;                  /* reclaimd wrote to it in this round */
        bool prop_fruitless;         /* gave nothing to the proportional pass in this round */
        unsigned visited_pass;       /* last pass that tried it (fruitlessly, or proportionally) */
        RB_ENTRY(cgroup) excess_node;
};

/*
 * The analogue of mem_cgroup_tree_per_node (mm/memcontrol.c): cgroups over
 * their soft limit, ordered by excess, the largest last (RB_MAX), ties broken
 * by path so the order never depends on insertion. Cgroups at or under their
 * soft limit are not in it, as __mem_cgroup_insert_exceeded() skips excess 0.
 */
RB_HEAD(excess_tree, cgroup);
RB_PROTOTYPE(excess_tree, cgroup, excess_node, cgroup_excess_cmp)

int cgroup_excess_cmp(const struct cgroup *a, const struct cgroup *b);

/* usage - soft_limit, or 0: soft_limit_excess() in mm/memcontrol.c. */
static inline uint64_t soft_limit_excess(uint64_t current, uint64_t soft_limit)
{
        return current > soft_limit ? current - soft_limit : 0;
}

/* Whether path is scope or beneath it; a NULL scope holds every cgroup. */
bool cgroup_in_scope(const char *path, const char *scope);

/* Records a new memory.current reading and moves the cgroup to its place in the tree. O(log n). */
void excess_tree_update(struct excess_tree *t, struct cgroup *cg, uint64_t current);

/* Unlinks the cgroup (it vanished, or is no longer managed). */
void excess_tree_remove(struct excess_tree *t, struct cgroup *cg);

/* The cgroup furthest over its soft limit, or NULL: mem_cgroup_largest_soft_limit_node(). */
struct cgroup *excess_tree_largest(struct excess_tree *t);
