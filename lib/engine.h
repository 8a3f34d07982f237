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
#include "sysmem.h"

struct backend;
struct config;
struct engine;
struct state;
struct state_record;

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

/* What the kernel can do, found once at start-up (engine_probe()), carried across reloads. */
struct engine_caps {
        bool probed;                 /* engine_probe() ran */
        bool reclaim_swappiness;     /* memory.reclaim takes "swappiness=" (probed by a 0-byte write) */
        bool reclaim_swappiness_known; /* that write was answered: at start, or on the first managed
                                      * cgroup to appear after it (none existed); never in a dry run */
        bool high_nonblock;          /* memory.high honours O_NONBLOCK (6.16+, from the release) */
        bool mglru;                  /* the multi-gen LRU is on (/sys/kernel/mm/lru_gen/enabled) */
        bool low_defers;             /* and its global reclaim only defers a cgroup under memory.low:
                                      * shrink_one() and the memcg LRU came in 6.3 (e4dde56cd208);
                                      * 6.1 and 6.2 reach the multi-gen LRU through
                                      * shrink_node_memcgs(), which honours memory.low */
};

/*
 * Whether a kernel release string ("6.1.0-56-amd64") is at least
 * major.minor. Unparsable releases count as older.
 */
bool kernel_release_at_least(const char *release, unsigned major, unsigned minor);

/* How a value a previous run left in a cgroup file came out at start-up (engine_restore()). */
enum restore_outcome {
        RESTORE_DONE,            /* put back to its original value */
        RESTORE_ALREADY,         /* the file holds its original value already */
        RESTORE_CHANGED,         /* it holds neither what reclaimd wrote nor what it overwrote:
                                  * someone changed it since, and it is left alone */
        RESTORE_GONE,            /* the cgroup is not there any more (err 0), or another cgroup
                                  * stands at its path (err -ESTALE: it was removed and made again,
                                  * its id differs) */
        RESTORE_FAILED,          /* the write (or the read before it) failed (err): the record is
                                  * kept, and put back at the next chance */
};

/* Hooks through which the daemon hears what the engine did; the library does not log. */
struct engine_observer {
        /* A round is about to take its first step (a trigger or the balancer found work). */
        void (*round_start)(void *userdata, const struct scan_control *sc, uint64_t shortfall_bytes);
        void (*step)(void *userdata, const struct engine_step *step);
        /* A managed cgroup disappeared. */
        void (*cgroup_gone)(void *userdata, const char *path, int err);
        /*
         * A file of a managed cgroup (path NULL: of the system: /proc/zoneinfo,
         * or _CG_FILE_MAX for its free memory) could not be read or made no
         * sense; told once per error.
         */
        void (*cgroup_error)(void *userdata, const char *path, enum cg_file f, int err);
        /* The state file could not be written: the change it was to record is not made. */
        void (*state_error)(void *userdata, const char *file, int err);
        /*
         * memory.low or memory.min (f) of cg was raised to value because some
         * managed cgroup is over its soft limit; or memory.high (f) lowered to
         * value again, the clamp someone else had written over since; err < 0
         * when the write failed.
         */
        void (*protected)(void *userdata, const struct cgroup *cg, enum cg_file f, uint64_t value, int err);
        /*
         * What reclaim (the kernel's, or reclaimd's own) took from offender
         * cg came back (cg->taken: how much, and what share), and clamping
         * is off: it is left to the kernel's LRU order until
         * cg->yield_until_usec, and the floors go once every offender is
         * (policy_watch_taken()).
         */
        void (*floors_yield)(void *userdata, const struct cgroup *cg);
        /*
         * Likewise for the whole machine (t: what the kernel took while the
         * floors held, and what share came back): every floor goes until
         * until_usec (MACHINE_YIELD_MIN_STEAL_SHIFT).
         */
        void (*machine_yield)(void *userdata, const struct taken_watch *t, uint64_t until_usec);
        /*
         * The same finding with clamping allowed: cg, the offender furthest
         * over its soft limit, is marked thrashing instead, and the next
         * stalling round holds it with memory.high
         * (MACHINE_YIELD_MIN_STEAL_SHIFT).
         */
        void (*machine_hold)(void *userdata, const struct taken_watch *t, const struct cgroup *cg);
        /*
         * A file reclaimd had changed was set back toward its original value
         * (restored: to it). left_alone: it no longer held what reclaimd wrote,
         * so it was not written (someone changed it since).
         */
        void (*released)(void *userdata, const struct cgroup *cg, enum cg_file f, uint64_t value,
                         bool restored, bool left_alone, int err);
        /*
         * cg's file f, which someone had written over again and again (a
         * fight: lib/contest.c), is held and has not been written over for
         * CONTEST_WINDOW_USEC: the fight is over.
         */
        void (*contest_settled)(void *userdata, const struct cgroup *cg, enum cg_file f);
        /*
         * The soft limit declared on cg itself (attribute name, as text):
         * honoured (err 0: its value is in force where the section lets it),
         * or not: -EPERM (user.* on a cgroup root does not own), -EINVAL
         * (not a size), another -errno (unreadable). Told once per change.
         */
        void (*xattr)(void *userdata, const struct cgroup *cg, const char *name, const char *text, int err);
        /* At start: a value from the state file, and what became of it. */
        void (*restored)(void *userdata, const struct state_record *rec, enum restore_outcome o, int err);
        /* After start: the swappiness= probe was answered on cg, the first managed cgroup to appear. */
        void (*probed)(void *userdata, const struct engine_caps *caps, const char *path);
        void *userdata;
};

/*
 * memory.min changes when an operator or systemd sets it: the balancer, which
 * needs it every interval to tell who is over its soft limit, re-reads it
 * this often; a round reads it afresh. Likewise an offender's mlocked memory
 * (reclaimable_excess()).
 */
#define FLOOR_REFRESH_USEC (10ULL * 1000000)

/*
 * While free memory is far above the high watermarks (policy_far_from_mark()),
 * the kernel does not reclaim, and what changes rarely (memory.min, mlocked
 * memory, the watermarks themselves) changes nothing it does until free
 * memory comes near: the balancer's checks re-read them this seldom then. An
 * idle machine is not made to print /proc/zoneinfo and flush memory.stat
 * every few seconds.
 */
#define IDLE_REFRESH_USEC (60ULL * 1000000)

/*
 * What kswapd took counts toward a shortfall only over a window this short
 * since the last look (the balancer looks every interval near the mark): an
 * older difference says what it did then, not what the machine lacks now.
 */
#define KSWAPD_WINDOW_USEC (10ULL * 1000000)

/*
 * The tick and the balancer's check come together on an idle machine (the
 * daemon aligns them), and both want the system's stall: a reading this
 * recent serves both (engine_system_stall()).
 */
#define STALL_SHARED_USEC (100ULL * 1000)

/*
 * The step in flight, for the daemon's loop to bound (engine_cut_step()). A
 * memory.reclaim write on a thrashing machine can block for a minute (in
 * the VM on 6.12 a 6.9 MiB write took 67 s and most of that minute's CPU),
 * and while it does the engine is the worker's: no floor is renewed, no
 * memory.high raised back. memory_reclaim() and memory_high_write() check
 * signal_pending() between their batches, so a signal ends the write.
 */
#define STEP_CUT UINT64_MAX
struct step_clock {
        _Atomic uint64_t since_usec; /* when the step in flight began; 0: none; STEP_CUT: cut short,
                                      * not yet noticed by the engine */
        uint64_t limit_usec;         /* step_timeout of the round in flight, checked between batches */
};

/*
 * A round cut short, which its scope's next round takes up at the priority
 * it had reached, if it comes within ROUND_RESUME_USEC. Without it, on a
 * machine where every step outlasts step_timeout, every round would be cut
 * at its first step at initial_priority and never reach harder_priority or
 * clamp_priority; the kernel's own priority loop is not bounded in time
 * (do_try_to_free_pages() goes on until it is done).
 */
#define ROUND_RESUME_USEC (60ULL * 1000000)
#define ROUND_RESUME_SLOTS 8         /* scopes remembered at once; the oldest gives way */
struct round_resume {
        bool valid;
        bool proactive;              /* the balancer's round */
        char *scope;                 /* NULL: the machine's */
        int priority;                /* policy_cut_priority() */
        uint64_t at_usec;
};

/*
 * The zones' watermarks, read from /proc/zoneinfo at most every
 * WMARK_REFRESH_USEC (IDLE_REFRESH_USEC while free memory is far above them).
 */
struct wmark_cache {
        struct watermarks wmark;
        bool valid;
        uint64_t at_usec;
        int err;                     /* why the last read failed, told once */
};

struct engine {
        struct backend *be;
        struct cgroup *cgroups;      /* the cgroups the configuration manages now, sorted by path */
        size_t n_cgroups;
        struct excess_tree tree;     /* those over their soft limit, by excess */
        struct cgroup **prop;        /* room for the proportional pass's candidates */
        bool dry_run;                /* decide and report, write nothing */
        struct engine_caps caps;
        struct engine_observer obs;
        uint64_t (*now_usec)(void);  /* the clock: CLOCK_MONOTONIC, or a test's */
        atomic_bool *stop;           /* set by the daemon: end the round between steps */
        struct step_clock step;      /* the step in flight, which the daemon's loop may cut */
        struct round_resume resume[ROUND_RESUME_SLOTS]; /* rounds cut short, for their scopes' next ones */
        struct cgroup *parents;      /* the unmanaged ancestors (but the root) of managed cgroups, by
                                      * path: memory.low is hierarchical (lib/hierarchy.c); and
                                      * unmanaged cgroups holding a value whose restore failed
                                      * (hierarchy_adopt()), until it goes back */
        size_t n_parents;
        size_t parents_cap;          /* room in parents: made ahead (hierarchy_reserve()) where
                                      * records move and a failed allocation would lose one */
        const char *state_file;      /* where changed values are recorded first; NULL: nowhere */
        const char *root;            /* the cgroup root's path, recorded with them: a state file
                                      * of another root is not applied here; NULL: not known */
        char *own_path;              /* reclaimd's own cgroup (backend's own_cgroup()), which no glob
                                      * manages: its memory is locked, so a hold or a clamp there
                                      * would throttle reclaimd itself; NULL when not beneath the root */
        const char *own_glob;        /* the glob section that matched it, for the daemon to say; or NULL */
        bool reject_pending;         /* the state file found at start was not used whole: it is kept
                                      * (state_reject()) before any save replaces it, or nothing saves */
        char *rejected_as;           /* where it was kept, once it was; NULL before */
        unsigned batching;           /* in a pass (batch_begin()): a cgroup found gone is saved off
                                      * the state file with the others, once, at its end */
        bool forgot_recorded;        /* one of those held a value: the save is due */
        uint64_t state_saves;        /* state-file rewrites (adjust_persist()), each of every record */
        struct wmark_cache wmark;
        int meminfo_err;             /* why free memory could not be read, told once */
        struct sysmem checked;       /* the machine as the balancer's last check read it */
        int checked_err;             /* 0 when checked holds that reading, else why it does not */
        bool pinned;                 /* a check runs: engine_sysmem() answers checked, one reading for
                                      * all its questions (a syscall each costs an idle machine) */
        bool protecting;             /* memory.low/min is raised: some cgroup is over its soft limit */
        enum cg_file protect_file;   /* which holds the cgroups under their soft limits; _CG_FILE_MAX: none */
        uint64_t verified_usec;      /* when the held files were last read again (verify_holds()) */
        uint64_t sys_stall_usec;     /* engine_stall_usec() of the system at its last reading */
        uint64_t sys_stall_at_usec;  /* when */
        bool sys_stall_known;        /* sys_stall_usec holds a reading */
        uint64_t kswapd_pages;       /* /proc/vmstat's pgsteal_kswapd at the last look (read_shortfall()) */
        uint64_t kswapd_at_usec;     /* when */
        bool kswapd_known;           /* kswapd_pages holds a reading; false while free memory is far
                                      * from the mark, where none is made */
        uint64_t watch_stall_usec;   /* the system's some total when the floors' watch last looked */
        bool watch_stall_known;      /* watch_stall_usec holds a reading */
        struct machine_watch machine; /* what the kernel took machine-wide while the floors held */
        uint64_t machine_yield_until_usec; /* every floor gives way until then (MACHINE_YIELD_MIN_STEAL_SHIFT) */
        int vmstat_err;              /* why /proc/vmstat could not be read, told once */
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
 * policy's steps until it is done, then snapshot_refaults. A round for the
 * whole machine is the analogue of try_to_free_pages(): it runs only when
 * the machine is short (free memory under the zones' high watermark plus
 * the configured reserve; when that cannot be read, as if it were), and
 * aims to free the shortfall; a cgroup's round is try_to_free_mem_cgroup_pages()
 * and aims at round_target. *sc holds the round's progress afterwards.
 * Returns the policy's final verdict (POLICY_DONE_NO_SHORTAGE when the
 * machine was not short, POLICY_DONE_TIMEOUT when a step was cut short),
 * -ECANCELED when *stop was set, or -ENOMEM.
 */
int engine_round(struct engine *e, const struct config *cfg, const char *scope, struct scan_control *sc);

/*
 * Whether the step in flight has run for limit_usec or more (0: no limit),
 * in which case it is marked cut. The engine asks between two batches of a
 * step and after its last; the daemon's loop asks from its own thread, and
 * then interrupts the thread running the step (again, if the engine has not
 * noticed yet: the signal may have come just before its write began). Once
 * cut, the engine ends the step at once and the round after it
 * (POLICY_DONE_TIMEOUT), keeping what the step freed.
 */
bool engine_cut_step(struct engine *e, uint64_t limit_usec);

/*
 * kswapd's analogue, run every balance interval: refresh the readings, hold
 * memory.low of the managed cgroups while any is over its soft limit
 * (engine_protect()), and, when free memory is under the zones' high
 * watermark plus the reserve, take the shortfall from the cgroups over their
 * soft limits only (balance_pgdat() called mem_cgroup_soft_limit_reclaim()
 * too), never from those under; only with trim set (the caller backs it off).
 * Returns the round's verdict, POLICY_IDLE when there was nothing to do,
 * -ECANCELED, or -ENOMEM.
 */
int engine_balance(struct engine *e, const struct config *cfg, bool trim, struct scan_control *sc);

/*
 * engine_balance() up to the decision: refresh, hold memory.low, read the
 * machine. Returns 1 when the cgroups over their soft limits are to be
 * trimmed (*ret_shortfall, *ret_reserve set; either may be NULL), 0 when
 * not, or -ENOMEM. No memory.reclaim write: cheap enough for the loop to
 * run every interval itself, and hand the worker a job only to trim.
 */
int engine_balance_check(struct engine *e, const struct config *cfg, bool trim, uint64_t *ret_shortfall,
                         uint64_t *ret_reserve);

/* The machine as the last engine_balance_check() read it. Returns 0, or why it could not. */
int engine_checked_sysmem(const struct engine *e, struct sysmem *ret);

/*
 * While some managed cgroup is over its soft limit, raises memory.low of the
 * managed cgroups to their soft limits (never lowering what is set), so
 * that the kernel's own reclaim, kswapd and direct, takes from the cgroups
 * over their soft limits and from unmanaged memory first; puts every value
 * back once none is over. Each change is recorded before it is written.
 * Uses the readings of the last refresh. Returns the number of cgroups held.
 */
int engine_protect(struct engine *e, const struct config *cfg);

/*
 * Raises every clamped memory.high a step (policy_release_high()), or puts
 * every changed value back (memory.high and memory.low) when restore_all is
 * set (stopping, reloading). A file that no longer holds what reclaimd wrote
 * is left as it is. Returns the number of cgroups still clamped.
 */
int engine_release(struct engine *e, const struct config *cfg, bool restore_all);

/*
 * At start-up: puts back the values a previous run recorded in the state
 * file and did not restore (it was killed), where the file still holds what
 * that run wrote or was about to overwrite. A record that could not be put
 * back (RESTORE_FAILED) is kept in e, saved, and put back at the next chance
 * (out of memory: the file is kept as FILE.rejected, as below, and the error
 * told through obs.state_error); the state file is removed when none is. A
 * file with lines that could not be used, or refused whole, is kept as
 * FILE.rejected first (state_reject():
 * at once, or at the first save for a file refused): until that succeeds,
 * e->reject_pending stays set and no save replaces it. Each record is told through
 * obs.restored. Returns 0, or the error reading the
 * state file (-ENOENT when there is none; -EBADMSG, -ELOOP, and -EPERM or
 * -EACCES for a file another user could have written: see state_load();
 * -EXDEV for one taken under another cgroup root than e->root, whose paths
 * name other cgroups here, or with a root line it does not know (bad_root);
 * the file is then left as it is), with *ret_state describing malformed
 * lines (and the root of an -EXDEV file).
 */
int engine_restore(struct engine *e, struct state *ret_state);

/*
 * Free memory and the zones' watermarks now: free memory every call,
 * /proc/zoneinfo at most every WMARK_REFRESH_USEC (IDLE_REFRESH_USEC while free
 * memory is far above the watermarks). Returns 0 or -errno (told
 * once through obs.cgroup_error with a NULL path).
 */
int engine_sysmem(struct engine *e, struct sysmem *ret);

/*
 * Makes the room engine_takeover(e, old) may need, before anything is moved:
 * a value of old's that cannot be put back is kept in e, and an allocation
 * failing then would lose its record. Returns 0 or -ENOMEM (e unchanged but
 * for the room).
 */
int engine_takeover_reserve(struct engine *e, const struct engine *old);

/*
 * Takes over the readings and carried state (open files, changed values,
 * refault snapshots) of old's cgroups that e manages too, after a reload.
 * Those e does not manage any more get every changed value put back. old is
 * freed. Returns the number of cgroups restored that way.
 */
int engine_takeover(struct engine *e, struct engine *old, const struct config *old_cfg);

/*
 * Fits the clamps held to the configuration in force: a memory.high held
 * below a soft limit raised since (a reload, or the cgroup's own attribute)
 * is raised to it, and one of a cgroup with no soft limit any more, or with
 * clamp_high = no, is put back. A clamp is never set below its soft limit,
 * and the tick raises one only once the pressure is gone: an operator who
 * raised a soft limit mid-incident would have the cgroup throttled under it
 * for the rest of the incident. Returns how many clamps it changed.
 */
int engine_fit_clamps(struct engine *e, const struct config *cfg);

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

/*
 * engine_stall_usec() of the system from a reading at most max_age_usec old
 * (*ret_at_usec: when it was made), reading again only when the last is
 * older: callers that come together share one read.
 */
int engine_system_stall(struct engine *e, uint64_t max_age_usec, uint64_t *ret_usec, uint64_t *ret_at_usec);

/* The number of managed cgroups whose memory.high reclaimd holds lowered. */
int engine_count_clamped(const struct engine *e);

/* The number of managed cgroups whose memory.low reclaimd holds raised. */
int engine_count_protected(const struct engine *e);

/* The number of managed cgroups over their soft limits, beyond the margin (policy_over_soft_limit()). */
int engine_count_over(const struct engine *e);

/*
 * Whether cfg's globs now match another set of cgroups than e manages (they
 * come and go): 1 or 0; or the error listing one (-EMFILE: out of
 * descriptors), when the set is not known, and e keeps the one it has.
 */
int engine_set_changed(struct engine *e, const struct config *cfg);

/* Returns the managed cgroup at path, or NULL. O(log n). */
struct cgroup *engine_find(struct engine *e, const char *path);

/* uint64_t (*)(void) reading CLOCK_MONOTONIC in microseconds. */
uint64_t engine_clock_monotonic(void);
