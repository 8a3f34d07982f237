/* The reclaim engine: keeps the managed cgroups' readings and carries out rounds through a backend. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "cgroup.h"
#include "policy.h"
#include "psi.h"

struct backend;
struct config;
struct engine;

/* One write, as it happened. */
struct engine_step {
        const char *path;
        enum policy_action action;   /* memory.reclaim, or memory.high */
        uint64_t soft_limit_bytes;
        uint64_t requested_bytes;    /* reclaim: bytes asked; clamp: the new memory.high */
        uint64_t reclaimed_bytes;    /* measured: memory.current before minus after */
        uint64_t current_before;
        uint64_t current_after;
        int priority;
        bool swap;                   /* anonymous memory could go to swap */
        int result;                  /* the write's: 0, -EAGAIN (freed less than asked), -errno */
        bool repeated;               /* the same error as this cgroup's previous write: said already */
        bool dry_run;                /* nothing was written; reclaimed assumes the ask was met */
};

/* What the kernel can do, found once at start-up (engine_probe()). */
struct engine_caps {
        bool reclaim_swappiness;     /* memory.reclaim takes "swappiness=" (probed by a 0-byte write) */
        bool high_nonblock;          /* memory.high honours O_NONBLOCK (6.16+, from the release) */
};

/*
 * Whether a kernel release string ("6.1.0-56-amd64") is at least
 * major.minor. Unparsable releases count as older.
 */
bool kernel_release_at_least(const char *release, unsigned major, unsigned minor);

/* Hooks through which the daemon hears what the engine did; the library does not log. */
struct engine_observer {
        void (*step)(void *userdata, const struct engine_step *step);
        /* A managed cgroup disappeared. */
        void (*cgroup_gone)(void *userdata, const char *path, int err);
        /* A file of a managed cgroup could not be read or made no sense; told once per error. */
        void (*cgroup_error)(void *userdata, const char *path, enum cg_file f, int err);
        /*
         * memory.high of cg is about to change, or just went back: persist
         * every clamped cgroup's original value (the state file). A clamp
         * happens only when this returns 0.
         */
        int (*persist)(void *userdata, const struct engine *e);
        /* A clamped memory.high was raised (restored: back at its original value). */
        void (*released)(void *userdata, const struct cgroup *cg, uint64_t high, bool restored, int err);
        void *userdata;
};

struct engine {
        struct backend *be;
        struct cgroup *cgroups;      /* one per [cgroup] section */
        size_t n_cgroups;
        struct excess_tree tree;     /* those over their soft limit, by excess */
        struct cgroup **prop;        /* room for the proportional pass's candidates */
        bool dry_run;                /* decide and report, write nothing */
        struct engine_caps caps;
        struct engine_observer obs;
        uint64_t (*now_usec)(void);  /* the clock: CLOCK_MONOTONIC, or a test's */
        atomic_bool *stop;           /* set by the daemon: end the round between steps */
};

/*
 * Sets up the managed cgroups of cfg: its exact paths and what its globs
 * match now (through the backend), each with the most specific section that
 * applies (config_match()). Returns 0 or -ENOMEM.
 */
int engine_init(struct engine *e, struct backend *be, const struct config *cfg, bool dry_run,
                const struct engine_observer *obs, uint64_t (*now_usec)(void));
void engine_done(struct engine *e);

/*
 * Finds what the kernel supports, through a managed cgroup that exists
 * (after a refresh); release is the kernel's uname release. Harmless writes
 * only.
 */
void engine_probe(struct engine *e, const char *release);

/*
 * Reads memory.current of every managed cgroup (opening those that appeared,
 * dropping those that vanished) and rebuilds the excess tree: one pread per
 * cgroup. Returns the number of cgroups over their soft limit, or -ENOMEM.
 */
int engine_refresh(struct engine *e);

/*
 * Re-reads one cgroup outside a round: a handle on a removed cgroup is
 * forgotten (told through obs.cgroup_gone) and the path opened again, as a
 * cgroup of the same name may have been created since (a restarted service).
 * Returns 0 when cg is open, -ENOENT when nothing is there, or -ENOMEM.
 */
int engine_refresh_cgroup(struct engine *e, struct cgroup *cg);

/* Whether any task is in cg's subtree (cgroup.events). Returns 1, 0, or -errno. */
int engine_cgroup_populated(struct engine *e, struct cgroup *cg);

/*
 * Runs one round for scope (NULL: every managed cgroup): refresh, then the
 * policy's steps until it is done, then snapshot_refaults. *sc holds the
 * round's progress afterwards. Returns the policy's final verdict,
 * -ECANCELED when *stop was set, or -ENOMEM.
 */
int engine_round(struct engine *e, const struct config *cfg, const char *scope, struct scan_control *sc);

/*
 * Raises every clamped memory.high a step (policy_release_high()), or back
 * to its original value when restore_all is set (stopping, reloading).
 * Returns the number of cgroups still clamped.
 */
int engine_release(struct engine *e, const struct config *cfg, bool restore_all);

/*
 * Takes over the readings and carried state (open files, clamps, refault
 * snapshots) of old's cgroups that e manages too, after a reload. Those e
 * does not manage any more get their lowered memory.high restored. old is
 * freed. Returns the number of cgroups restored that way.
 */
int engine_takeover(struct engine *e, struct engine *old, const struct config *old_cfg);

/* Reads scope's pressure file (NULL: /proc/pressure/memory). Returns 0 or -errno. */
int engine_pressure(struct engine *e, const char *scope, struct psi_stats *ret);

/*
 * The "some" stall total (usec) of scope's pressure file (NULL: the
 * system's), less that of the clamped cgroups in it: the pressure that is not
 * reclaimd's own throttling. Returns 0 or -errno, also when a clamped
 * cgroup's own pressure file cannot be read (its throttling cannot be told
 * apart then).
 */
int engine_stall_usec(struct engine *e, const char *scope, uint64_t *ret_usec);

/* The number of managed cgroups whose memory.high reclaimd holds lowered. */
int engine_count_clamped(const struct engine *e);

/* Whether cfg's globs now match another set of cgroups than e manages (they come and go). */
bool engine_set_changed(struct engine *e, const struct config *cfg);

/* Returns the managed cgroup at path, or NULL. O(log n). */
struct cgroup *engine_find(struct engine *e, const char *path);

/* uint64_t (*)(void) reading CLOCK_MONOTONIC in microseconds. */
uint64_t engine_clock_monotonic(void);
