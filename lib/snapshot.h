/* A copy of what reclaimd knows, taken between jobs, from which reclaimctl and the metrics are answered. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "psi.h"
#include "sysmem.h"

struct engine;
struct engine_step;

/* Round verdicts counted, by the index verdict_index() gives (enum policy_verdict, then stopped, error). */
#define SNAPSHOT_VERDICTS 11

/* Round durations: the histogram's upper bounds, in seconds (Prometheus' le). */
#define SNAPSHOT_DURATION_BUCKETS 9
extern const double snapshot_duration_bounds[SNAPSHOT_DURATION_BUCKETS];

/* A round, as the daemon saw it start and end. */
struct snapshot_round {
        bool ran;
        char *scope;                 /* NULL: the whole machine */
        bool proactive;              /* the balancer's */
        int verdict;                 /* enum policy_verdict, or -errno */
        int priority;                /* the lowest reached */
        uint64_t target, requested, reclaimed;
        unsigned steps;
        char *largest_over;          /* in scope and furthest over its soft limit when it began; NULL: none */
        uint64_t at_usec;            /* when it ended */
};

/* One managed cgroup. */
struct snapshot_cgroup {
        char *path;
        char *section;               /* the [cgroup ...] section that applies */
        char *section_file;
        unsigned section_line;
        bool exists;
        uint64_t soft_limit;         /* UINT64_MAX: none */
        uint64_t current, excess;
        bool over;                   /* beyond the margin (policy_over_soft_limit()) */
        bool held_over;              /* the floors hold the others for it (policy_note_over()) */
        unsigned rank;               /* 1: furthest over its soft limit; 0: not over */
        bool files_read;             /* min, low, high below were read (not only as a round saw them) */
        unsigned files_writes;       /* the cgroup's adjust_writes when they were */
        uint64_t min, low, high;     /* as the kernel holds them; UINT64_MAX: max */
        struct adjust high_adj, low_adj, min_adj;   /* what reclaimd holds ([balance] protect, clamps) */
        uint64_t high_since_usec, low_since_usec, min_since_usec;   /* 0: not held */
        struct contest contests[3];  /* someone writing over those holds, in adjust_files' order */
        bool refault_known;
        uint32_t refault_permille;
        uint64_t yield_until_usec;   /* the floors give way to it until then (past: they do not) */
        uint32_t taken_permille;     /* what came back of what reclaim took, when they gave way */
        struct cg_counters counters;
        struct cg_decision decision;
        struct snapshot_round round; /* the last round that could reach it */
};

/* One PSI trigger and its scope. */
struct snapshot_trigger {
        char *scope;                 /* NULL: the system's, on /proc/pressure/memory */
        char trigger[64];            /* "some 150ms 1s", as armed (the window maybe rounded up) */
        bool armed;
        uint64_t fires, rounds, coalesced;
        uint64_t backoff_until_usec; /* 0: none */
        struct snapshot_round last;  /* its last round, for "backing off after ..." */
};

/* What the daemon counted since it started. */
struct snapshot_counters {
        uint64_t rounds[2][SNAPSHOT_VERDICTS];   /* [proactive][verdict_index()] */
        uint64_t duration_buckets[SNAPSHOT_DURATION_BUCKETS];   /* cumulative counts, as Prometheus */
        uint64_t duration_count;
        double duration_sum_seconds;
        uint64_t reclaimed_bytes;
        uint64_t repeats_suppressed;
        uint64_t metrics_write_errors;
};

/* A value reclaimd holds in a cgroup it does not manage: an ancestor's floor, or a restore to retry. */
struct snapshot_held {
        char *path;
        enum cg_file file;
        uint64_t value;              /* what reclaimd wrote */
        uint64_t original;           /* what it goes back to */
        bool for_floors;             /* memory.low or memory.min raised for the floors beneath it
                                      * (hierarchy_below()); else a value whose restore failed */
};

/*
 * Someone writing over a hold of reclaimd's in a cgroup it does not manage
 * (an ancestor's floor, lib/contest.c): counted there as for a managed one,
 * for status, explain and the metric.
 */
struct snapshot_contest {
        char *path;
        enum cg_file file;
        struct contest contest;
};

struct snapshot {
        uint64_t now_usec;           /* CLOCK_MONOTONIC when taken */
        int64_t realtime_offset_usec;/* CLOCK_REALTIME minus CLOCK_MONOTONIC, for wall-clock times */
        bool psi_valid;
        struct psi_stats psi;
        bool mem_valid;
        struct sysmem mem;
        uint64_t reserve_bytes;
        struct snapshot_trigger *triggers;
        size_t n_triggers;
        struct snapshot_cgroup *cgroups;   /* sorted by path */
        size_t n_cgroups;
        size_t n_over;
        size_t n_held_over;                /* those the floors hold the others for */
        int clamped, protected;
        int unmanaged_held;                /* unmanaged cgroups holding a value of reclaimd's (hierarchy_held()) */
        struct snapshot_held *held;        /* and each of those values, by path, for explain */
        size_t n_held;
        struct snapshot_contest *unmanaged_contests;   /* files ever written over there, by path */
        size_t n_unmanaged_contests;
        uint64_t floors_yield_until_usec;  /* every floor gives way to the machine until then (past: not) */
        uint64_t machine_taken_bytes;      /* what the machine's last judged window found taken */
        uint32_t machine_taken_permille;   /* and the share of it that came back */
        struct snapshot_counters counters;
        struct snapshot_round last_round;
        bool busy;                   /* a job was in flight when taken (the readings are its start's) */
        bool dry_run;
        char *own_path;              /* reclaimd's own cgroup, which no glob manages (engine.own_path), or NULL */
};

/* The index of a verdict in snapshot_counters.rounds, and its name (as result= in the log). */
unsigned snapshot_verdict_index(int verdict);
const char *snapshot_verdict_name(int verdict);

/*
 * Fills s->cgroups from e (whose worker must be idle): readings, held values,
 * decisions and counters. A cgroup round covered (round ran, its scope
 * holds the cgroup) gets that round as its last; the others keep the one
 * prev had for them. With read_files, memory.min, memory.low and memory.high
 * are read through the backend (three reads a cgroup); otherwise prev's
 * reading stands, and only a cgroup reclaimd wrote one of them in since is
 * read again. A held one never read (or in a dry run) shows the value
 * reclaimd holds it at. Returns 0 or -ENOMEM.
 */
int snapshot_take_cgroups(struct snapshot *s, struct engine *e, const struct snapshot *prev,
                          const struct snapshot_round *round, bool read_files);

/* Copies a round (its strings too). Returns 0 or -ENOMEM. */
int snapshot_round_copy(struct snapshot_round *to, const struct snapshot_round *from);
void snapshot_round_clear(struct snapshot_round *r);

/*
 * reclaimd's record of c's file f (memory.high, memory.low or memory.min)
 * while it holds the file: NULL when it holds none, or when the file as
 * last read holds another value, someone's set since (the record ends at
 * reclaimd's next read of it).
 */
const struct adjust *snapshot_held(const struct snapshot_cgroup *c, enum cg_file f);

/* The managed cgroup at path, or NULL. */
const struct snapshot_cgroup *snapshot_find(const struct snapshot *s, const char *path);

/*
 * The trigger whose backoff keeps rounds from path longest: of those whose
 * scope covers it, the one backing off until the latest. NULL: none is.
 */
const struct snapshot_trigger *snapshot_backoff(const struct snapshot *s, const char *path);

/* Counts a step in cg's counters (called as the engine reports it). */
void snapshot_count_step(struct cgroup *cg, const struct engine_step *step, uint64_t now_usec);

/*
 * Counts a round that took duration_usec; one that found the machine not
 * short (POLICY_DONE_NO_SHORTAGE) only by its verdict: none ran.
 */
void snapshot_count_round(struct snapshot_counters *c, bool proactive, int verdict, uint64_t reclaimed,
                          uint64_t duration_usec);

/* Frees what s holds (not s). */
void snapshot_clear(struct snapshot *s);
