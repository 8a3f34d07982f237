/* The reclaim engine: keeps the managed cgroups' readings and carries out rounds through a backend. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "policy.h"

struct backend;
struct config;

/* One memory.reclaim write, as it happened. */
struct engine_step {
        const char *path;
        uint64_t soft_limit_bytes;
        uint64_t requested_bytes;
        uint64_t reclaimed_bytes;    /* measured: memory.current before minus after */
        uint64_t current_before;
        uint64_t current_after;
        int priority;
        int result;                  /* the write's: 0, -EAGAIN (freed less than asked), -errno */
        bool dry_run;                /* nothing was written; reclaimed assumes the ask was met */
};

/* Hooks through which the daemon hears what the engine did; the library does not log. */
struct engine_observer {
        void (*step)(void *userdata, const struct engine_step *step);
        /* A managed cgroup disappeared (or is not there yet: err -ENOENT at refresh). */
        void (*cgroup_gone)(void *userdata, const char *path, int err);
        void *userdata;
};

struct engine {
        struct backend *be;
        struct cgroup *cgroups;      /* one per [cgroup] section */
        size_t n_cgroups;
        struct excess_tree tree;     /* those over their soft limit, by excess */
        bool dry_run;                /* decide and report, write nothing */
        struct engine_observer obs;
};

/* Sets up the managed cgroups of cfg. Returns 0 or -ENOMEM. */
int engine_init(struct engine *e, struct backend *be, const struct config *cfg, bool dry_run,
                const struct engine_observer *obs);
void engine_done(struct engine *e);

/*
 * Reads memory.current of every managed cgroup (opening those that appeared,
 * dropping those that vanished) and rebuilds the excess tree. Returns the
 * number of cgroups over their soft limit, or -ENOMEM.
 */
int engine_refresh(struct engine *e);

/*
 * Runs one round: refresh, then the policy's steps until it is done. *sc is
 * initialised from cfg and holds the round's progress afterwards. Returns
 * the policy's final verdict, or a negative errno (-ENOMEM).
 */
int engine_round(struct engine *e, const struct config *cfg, struct scan_control *sc);
