/* What the daemon shows of itself: the snapshot it keeps between jobs, and the metrics file. */
#pragma once

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "snapshot.h"

struct daemon;
struct job;

struct observe {
        struct snapshot snap;          /* answered from: never waits for the worker */
        struct snapshot_counters counters;
        ev_timer timer;                /* [metrics] interval: refresh when idle, write the file; runs
                                        * only while a file is configured (an idle machine's wake-ups) */
        bool started;                  /* observe_start() took the first snapshot */
        /* The round in flight, as it began. */
        struct snapshot_round round;
        uint64_t round_started_usec;
        int metrics_err;               /* the last error writing the metrics file, said once */
        char *written;                 /* the metrics file last written, removed when it changes */
        unsigned writes;               /* metrics files written */
};

void observe_init(struct daemon *d);

/* Takes the first snapshot and starts the timer (at the loop's start, after a refresh). */
void observe_start(struct daemon *d);

/*
 * A round for scope (NULL: the machine; proactive: the balancer's) is about
 * to be handed to the worker: the decisions about the cgroups it covers are
 * cleared, and the cgroup furthest over its soft limit in it noted.
 */
void observe_round_begin(struct daemon *d, const char *scope, bool proactive);

/* The worker finished job: counts the round, takes a snapshot, writes the metrics. */
void observe_job_done(struct daemon *d, const struct job *job);

/* The configuration changed (reload, globs followed): a new snapshot and timer. */
void observe_reloaded(struct daemon *d);

/* A snapshot now if the worker is idle, reading memory.min/low/high. */
void observe_refresh(struct daemon *d);

/* A reader (reclaimctl) is about to read the snapshot: observe_refresh(). */
void observe_for_reader(struct daemon *d);

void observe_done(struct daemon *d);
