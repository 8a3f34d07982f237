/* Runs reclaim jobs on a thread, so that slow cgroup writes never block the event loop. */
#pragma once

#include <ev.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "policy.h"

struct config;
struct engine;

enum job_kind {
        JOB_ROUND,         /* engine_round() for scope */
        JOB_RELEASE,       /* engine_release(): raise clamped memory.high a step */
        JOB_BALANCE,       /* engine_balance(): the balancer's read, hold and trim */
};

struct job {
        enum job_kind kind;
        const char *scope;         /* JOB_ROUND: NULL for the system trigger */
        bool trim;                 /* JOB_BALANCE: may trim (not backing off) */
        /* Results. */
        struct scan_control sc;
        int result;                /* the verdict, or -errno */
        int still_clamped;         /* cgroups whose memory.high is still lowered */
        int still_protected;       /* cgroups whose memory.low is held raised */
};

struct worker;
typedef void (*worker_done_cb)(struct worker *w, struct job *job);

struct worker {
        pthread_t thread;
        bool started;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        struct job job;            /* the job in flight; the loop reads it only once done */
        bool queued;               /* handed to the thread, not yet taken */
        bool quit;
        bool busy;                 /* loop thread's view: a job is queued or running */
        ev_async done;             /* the thread tells the loop that the job finished */
        ev_timer step_watch;       /* while busy: cuts a step past step_timeout (engine_cut_step()) */
        struct ev_loop *loop;
        struct engine *engine;     /* used only by the thread while busy */
        const struct config *cfg;  /* likewise */
        atomic_bool stop;          /* end the job between steps (the engine checks it) */
        worker_done_cb on_done;
};

/* Starts the thread. Returns 0 or negative errno. */
int worker_start(struct worker *w, struct ev_loop *loop, struct engine *e, const struct config *cfg,
                 worker_done_cb on_done);

/* Hands a job to the thread. -EBUSY if one is in flight. */
int worker_submit(struct worker *w, const struct job *job);

/*
 * Stops the thread: sets the stop flag, interrupts a write in progress with
 * a signal (memory.reclaim and memory.high check signal_pending() and give
 * up), and joins. Safe to call twice.
 */
void worker_stop(struct worker *w);
