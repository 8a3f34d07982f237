/* The daemon object: configuration, backend, engine, worker and event-loop watchers. */
#pragma once

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "engine.h"
#include "observe.h"
#include "policy.h"
#include "psi-watch.h"
#include "repeat.h"
#include "worker.h"

struct backend;
struct config;

/* A place PSI triggers fire for: the whole machine, or one cgroup's subtree. */
struct scope {
        struct daemon *daemon;
        const char *path;              /* NULL: the system trigger on /proc/pressure/memory */
        const struct psi_trigger *trigger;
        struct psi_watch psi;          /* armed when the cgroup exists */
        struct backoff backoff;        /* consider_reclaim_throttle()'s analogue */
        bool window_rounded;           /* the kernel takes only multiples of 2s (unprivileged) */
        int arm_error;                 /* the last refusal of the trigger, told once; 0 when armed */
        bool pending;                  /* fired while a non-overlapping round ran */
        unsigned rounds;
        unsigned coalesced;            /* fired while an overlapping round ran */
        struct repeat_filter repeat;   /* its rounds that freed nothing, said once (report_round()) */
        uint64_t fires;                /* trigger events, counted for the metrics */
        struct snapshot_round last;    /* its last round's figures (no strings), for reclaimctl */
};

/* Where the daemon's files are, and how it runs. */
struct daemon_options {
        const char *config_file;       /* re-read on SIGHUP */
        const char *dropin_dir;        /* its drop-ins (*.conf), or NULL */
        const char *state_file;        /* memory.high originals, for a restart */
        const char *cgroup_root;       /* recorded with them: the root their paths are under, or NULL */
        bool dry_run;
};

struct daemon {
        struct ev_loop *loop;
        ev_signal sigterm;
        ev_signal sigint;
        ev_signal sighup;              /* reload the configuration */
        ev_timer watchdog;             /* WATCHDOG=1 at half of $WATCHDOG_USEC */
        struct config *reload_cfg;     /* a reload read while a job ran, valid: applied when it ends */
        ev_timer tick;                 /* release_interval: release clamps, re-arm triggers */
        ev_timer balance;              /* balance interval: kswapd's analogue (engine_balance()) */
        struct config *cfg;            /* owned */
        struct backend *be;            /* owned */
        struct engine engine;
        struct worker worker;
        struct scope *scopes;          /* [0] is the system; then cgroups with a trigger */
        size_t n_scopes;
        const struct scope *running;   /* the scope of the round in flight, if any */
        bool arm_deferred;             /* a cgroup's trigger waited for the job in flight (scopes_arm()) */
        struct daemon_options opt;
        int state_lock_fd;             /* the state file's lock, held for the run (-1: none) */
        bool dry_run;
        bool restore_only;             /* daemon_restore_only(): nothing saves, so nothing is kept aside */
        bool has_globs;                /* the cgroups managed change as cgroups come and go */
        bool nofile_short;             /* said: the managed cgroups may need more descriptors than allowed */
        bool glob_err_said;            /* said: a glob cannot be listed (reload_follow_globs()) */
        unsigned floors_said;          /* floor lines of this pass said at info (report_floors()) */
        unsigned floors_quiet;         /* and those past FLOORS_SAID_MAX, said at debug only */
        unsigned gone_said, gone_quiet;/* the same for the cgroups a pass finds gone */
        unsigned changed_said, changed_quiet; /* and for the held files it finds someone wrote over */
        unsigned contested_said, contested_quiet; /* those found in a fight (lib/contest.c) */
        unsigned settled_said, settled_quiet; /* and the fights found over */
        int state_err;                 /* the state file's last failure said, and when: once a minute */
        uint64_t state_err_at_usec;
        int clamped;                   /* cgroups whose memory.high is lowered */
        int protected;                 /* cgroups whose memory.low is raised */
        unsigned balance_rounds;       /* the balancer's rounds that took a step */
        struct backoff balance_backoff; /* its trimming, as kswapd_failures stops kswapd */
        struct balance_pace pace;      /* its checks' pace: interval, or idle_interval while free memory
                                        * is far above its mark, as kswapd sleeps once balanced */
        struct repeat_filter balance_repeat; /* its rounds that freed nothing, said once */
        uint64_t repeats_gone_total;   /* repeats held back by scopes a reload dropped: the metric's
                                        * total must not go backwards with them */
        uint64_t repeat_interval_usec; /* how often repeated round lines are summarized */
        uint64_t tick_stall_usec;      /* system stall total at the last tick */
        uint64_t tick_at_usec;
        uint64_t xattrs_at_usec;       /* when the cgroups' declared soft limits were last read */
        int stall_err;                 /* why the stall could not be read at the last tick, told once */
        uint64_t reclaimed_total_bytes;
        enum pressure_level level;
        struct observe observe;        /* the snapshot reclaimctl and the metrics read */
        struct bus bus;                /* reclaimctl's way in */
};

/*
 * Takes ownership of cfg and be. Sets up the engine, the worker and the
 * signal watchers, and restores memory.high values a previous run left
 * lowered (state_file). Returns 0 or negative errno (logged).
 */
int daemon_init(struct daemon *d, struct config *cfg, struct backend *be,
                const struct daemon_options *opt);

/*
 * Re-reads the configuration into a fresh object and swaps it in only when
 * all of it is valid; a bad file keeps the old one running (logged). Triggers
 * are re-armed; what reclaimd held in cgroups no longer managed (memory.high,
 * memory.low, memory.min) is put back. While a job runs (the engine is the
 * worker's) a valid file waits for it to end, and 1 is returned.
 * Returns 0, 1, or the error that kept the old configuration.
 */
int daemon_reload(struct daemon *d);

/* Applies the reload that waited for the job in flight (daemon_reload() returned 1), if one did. */
void daemon_reload_queued(struct daemon *d);

/* daemon_reload(), with the configuration's errors in *ret_errors (to free; NULL when none): for reclaimctl. */
int daemon_reload_explained(struct daemon *d, char **ret_errors);

/*
 * Loads the configuration file and its drop-ins, logging each error with its
 * file, line and key; ret_errors, when not NULL, gets the first of them as
 * lines (to free; NULL when none). Returns as config_load().
 */
int daemon_load_config(const char *file, const char *dropin_dir, struct config **ret, char **ret_errors);

/* Arms the PSI triggers, tells systemd it is ready, and runs until SIGTERM/SIGINT. */
int daemon_run(struct daemon *d);

/*
 * Asks for a round for scope as if its trigger had fired (coalescing and
 * backoff apply); wakes the balancer (daemon_wake_balancer()).
 */
void daemon_trigger(struct daemon *d, struct scope *s);

/*
 * Brings the balancer back to [balance] interval if it sleeps: as an
 * allocation under the low watermark wakes kswapd (wakeup_kswapd()). why
 * says what woke it, at debug level.
 */
void daemon_wake_balancer(struct daemon *d, const char *why);

/*
 * What job's round freed, for the totals and the last round's figures: none
 * in a dry run, whose steps are only taken as freeing what they ask (so that
 * the round plays on as a real one would).
 */
static inline uint64_t daemon_job_freed(const struct daemon *d, const struct job *job)
{
        return d->dry_run ? 0 : job->sc.nr_reclaimed;
}

/*
 * Stops the worker, puts back every value reclaimd changed, frees
 * everything. Returns 0, or -EBUSY when some value could not be put back
 * (said, and kept in the state file for the next start).
 */
int daemon_done(struct daemon *d);

/*
 * For --restore, and a start that will not run (its configuration has
 * errors): puts back what a previous run left on record in
 * opt->state_file, which needs no configuration, then frees be. Takes the
 * state file's lock as a start does: never while another run holds it; once
 * it has it, says so, after why ("Not starting. ", or ""). be must be
 * the root the file records (opt->cgroup_root), if it records one. Returns 0,
 * -EBUSY when a value could not be put back, or the error that kept it from
 * using the file (refused, unreadable, lines it does not know: said).
 */
int daemon_restore_only(struct backend *be, const struct daemon_options *opt, const char *why);
