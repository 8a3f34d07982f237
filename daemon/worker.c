/* Runs reclaim jobs on a thread, so that slow cgroup writes never block the event loop. */
#include "autoconfig.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "engine.h"
#include "log.h"
#include "util.h"
#include "worker.h"

/*
 * The signal that interrupts the thread's write. Its handler does nothing:
 * the kernel's reclaim loops check signal_pending() between batches, and
 * memory_reclaim() then returns -EINTR itself, which is never restarted
 * (SA_RESTART, left out all the same, matters only for -ERESTARTSYS);
 * memory_high_write() stops reclaiming and returns success.
 */
#define WORKER_INTERRUPT_SIGNAL SIGUSR2
/* Tries of 50 ms at the stop before the wait is said: a second, long for a write reclaimd can interrupt. */
#define WORKER_WAIT_SAID 20

static void on_interrupt(int sig)
{
}

static void run_job(struct worker *w, struct job *job)
{
        switch (job->kind) {
        case JOB_ROUND:
                job->result = engine_round(w->engine, w->cfg, job->scope, &job->sc);
                break;
        case JOB_RELEASE:
                engine_release(w->engine, w->cfg, false);
                job->result = 0;
                break;
        case JOB_BALANCE:
                job->result = engine_balance(w->engine, w->cfg, job->trim, &job->sc);
                break;
        }
        job->still_clamped = engine_count_clamped(w->engine);
        job->still_protected = engine_count_protected(w->engine);
}

static void *thread_main(void *userdata)
{
        struct worker *w = userdata;

        pthread_mutex_lock(&w->lock);
        for (;;) {
                while (!w->queued && !w->quit)
                        pthread_cond_wait(&w->cond, &w->lock);
                if (w->quit)
                        break;
                w->queued = false;
                pthread_mutex_unlock(&w->lock);
                run_job(w, &w->job);
                ev_async_send(w->loop, &w->done);
                pthread_mutex_lock(&w->lock);
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

static void on_done(struct ev_loop *loop, ev_async *a, int revents)
{
        struct worker *w = container_of(a, struct worker, done);

        w->busy = false;
        ev_timer_stop(loop, &w->step_watch);
        w->on_done(w, &w->job);
}

/*
 * Looks at the step in flight a few times per step_timeout, so a cut
 * comes at most a quarter late (10 ms late below a 40 ms step_timeout); the
 * watch runs only while a job does.
 */
static ev_tstamp step_watch_interval(const struct config *cfg)
{
        uint64_t usec = cfg->step_timeout_usec / 4;

        usec = usec < 10000 ? 10000 : usec > 1000000 ? 1000000 : usec;
        return (ev_tstamp)usec / 1e6;
}

static void on_step_watch(struct ev_loop *loop, ev_timer *t, int revents)
{
        struct worker *w = container_of(t, struct worker, step_watch);

        if (engine_cut_step(w->engine, w->cfg->step_timeout_usec))
                pthread_kill(w->thread, WORKER_INTERRUPT_SIGNAL);
}

int worker_start(struct worker *w, struct ev_loop *loop, struct engine *e, const struct config *cfg,
                 worker_done_cb on_done_cb)
{
        struct sigaction sa = { .sa_handler = on_interrupt };
        sigset_t all, old;
        int r;

        *w = (struct worker){ .loop = loop, .engine = e, .cfg = cfg, .on_done = on_done_cb };
        atomic_init(&w->stop, false);
        e->stop = &w->stop;
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->cond, NULL);
        ev_async_init(&w->done, on_done);
        ev_async_start(loop, &w->done);
        ev_init(&w->step_watch, on_step_watch);
        sigemptyset(&sa.sa_mask);
        if (sigaction(WORKER_INTERRUPT_SIGNAL, &sa, NULL) < 0)
                return negative_errno();

        /* The thread takes no signal but its interrupt: SIGTERM and friends go to the loop. */
        sigfillset(&all);
        sigdelset(&all, WORKER_INTERRUPT_SIGNAL);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        r = -pthread_create(&w->thread, NULL, thread_main, w);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r < 0)
                return r;
        w->started = true;
        return 0;
}

int worker_submit(struct worker *w, const struct job *job)
{
        if (w->busy)
                return -EBUSY;
        pthread_mutex_lock(&w->lock);
        w->job = *job;
        w->queued = true;
        w->busy = true;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock);
        if (w->cfg->step_timeout_usec) {
                w->step_watch.repeat = step_watch_interval(w->cfg);
                ev_timer_again(w->loop, &w->step_watch);
        }
        return 0;
}

void worker_stop(struct worker *w)
{
        if (!w->started)
                return;
        atomic_store(&w->stop, true);
        pthread_mutex_lock(&w->lock);
        w->quit = true;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock);
        /*
         * The signal may land just before the thread enters its write, which
         * would then block: interrupt again until the thread has ended.
         */
        for (unsigned tries = 1;; tries++) {
                struct timespec ts;

                /* A write that no signal ends (6.1's memory.reclaim finishes its batch): said once. */
                if (tries == WORKER_WAIT_SAID)
                        log_notice("Waiting for the write in flight to end before putting values back");
                pthread_kill(w->thread, WORKER_INTERRUPT_SIGNAL);
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += 50 * 1000 * 1000;
                if (ts.tv_nsec >= 1000000000) {
                        ts.tv_sec++;
                        ts.tv_nsec -= 1000000000;
                }
                if (pthread_timedjoin_np(w->thread, NULL, &ts) == 0)
                        break;
        }
        ev_async_stop(w->loop, &w->done);
        ev_timer_stop(w->loop, &w->step_watch);
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        w->engine->stop = NULL;
        w->started = false;
        w->busy = false;
}
