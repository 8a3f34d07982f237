/* What the daemon shows of itself: the snapshot it keeps between jobs, and the metrics file. */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "metrics.h"
#include "observe.h"
#include "report.h"
#include "worker.h"

static int64_t realtime_offset_usec(void)
{
        struct timespec rt, mono;

        clock_gettime(CLOCK_REALTIME, &rt);
        clock_gettime(CLOCK_MONOTONIC, &mono);
        return ((int64_t)rt.tv_sec - (int64_t)mono.tv_sec) * 1000000 + (rt.tv_nsec - mono.tv_nsec) / 1000;
}

static int take_triggers(struct daemon *d, struct snapshot *s)
{
        s->triggers = calloc(d->n_scopes ?: 1, sizeof(*s->triggers));
        if (!s->triggers)
                return -ENOMEM;
        for (size_t i = 0; i < d->n_scopes; i++) {
                const struct scope *sc = &d->scopes[i];
                struct snapshot_trigger *t = &s->triggers[i];
                struct psi_trigger armed = *sc->trigger;

                s->n_triggers = i + 1;
                if (sc->window_rounded)
                        armed.window_usec = (armed.window_usec + 1999999) / 2000000 * 2000000;
                psi_trigger_to_string(&armed, t->trigger, sizeof(t->trigger));
                t->armed = sc->psi.epoll_fd >= 0;
                t->fires = sc->fires;
                t->rounds = sc->rounds;
                t->coalesced = sc->coalesced;
                t->backoff_until_usec = policy_backoff_allows(&sc->backoff, s->now_usec) ? 0 : sc->backoff.until_usec;
                t->last = sc->last;
                if (sc->path && !(t->scope = strdup(sc->path)))
                        return -ENOMEM;
        }
        return 0;
}

static uint64_t repeats_suppressed(const struct daemon *d)
{
        uint64_t n = d->balance_repeat.suppressed_total + d->repeats_gone_total;

        for (size_t i = 0; i < d->n_scopes; i++)
                n += d->scopes[i].repeat.suppressed_total;
        return n;
}

/* A new snapshot replaces the old one; the old stays when one cannot be taken. */
static void take(struct daemon *d, const struct snapshot_round *round, bool read_files)
{
        struct observe *o = &d->observe;
        struct snapshot s = {
                .now_usec = d->engine.now_usec(),
                .realtime_offset_usec = realtime_offset_usec(),
                .counters = o->counters,
                .dry_run = d->dry_run,
        };
        int r;

        s.psi_valid = engine_pressure(&d->engine, NULL, &s.psi) == 0;
        s.mem_valid = engine_sysmem(&d->engine, &s.mem) == 0;
        if (s.mem_valid)
                s.reserve_bytes = config_reserve_bytes(d->cfg, s.mem.total_bytes);
        s.counters.repeats_suppressed = repeats_suppressed(d);
        r = take_triggers(d, &s);
        if (r >= 0)
                r = snapshot_take_cgroups(&s, &d->engine, &o->snap, round, read_files);
        if (r >= 0)
                r = snapshot_round_copy(&s.last_round, round && round->ran ? round : &o->snap.last_round);
        if (r < 0) {
                log_debug_errno(r, "Failed to take a snapshot: %m, keeping the last one");
                snapshot_clear(&s);
                return;
        }
        snapshot_clear(&o->snap);
        o->snap = s;
}

/*
 * Removes the metrics file written last: node_exporter would go on
 * exporting its figures, frozen, after a reload moved or turned off the
 * metrics, or after reclaimd stopped.
 */
static void remove_written(struct observe *o)
{
        if (o->written && unlink(o->written) < 0 && errno != ENOENT)
                log_debug_errno(-errno, "Failed to remove the old metrics file %s: %m, ignoring", o->written);
        free(o->written);
        o->written = NULL;
}

/* Writes the metrics file when one is configured; an error is said once, until it changes. */
static void write_metrics(struct daemon *d)
{
        struct observe *o = &d->observe;
        int r;

        if (o->written && !streq_ptr(o->written, d->cfg->metrics_textfile))
                remove_written(o);
        /* A dry run writes nothing: the file may be the running daemon's, which it would replace. */
        if (!d->cfg->metrics_textfile || d->dry_run)
                return;
        o->snap.busy = d->worker.busy;
        r = metrics_write_file(d->cfg->metrics_textfile, &o->snap, d->cfg->metrics_max_cgroups);
        if (r < 0 && r != o->metrics_err) {
                o->counters.metrics_write_errors++;
                log_warning_errno(r, "Failed to write the metrics file %s ([metrics] textfile): %m; "
                                  "retrying every %s, ignoring", d->cfg->metrics_textfile, "interval");
        } else if (r < 0) {
                o->counters.metrics_write_errors++;
        } else {
                o->writes++;
                if (!o->written)
                        o->written = strdup(d->cfg->metrics_textfile);
        }
        o->metrics_err = r;
}

/*
 * While the worker runs, the engine is its own: only what the loop keeps
 * (triggers, counters) is brought up to date; the cgroups' readings stay
 * those of the job's start.
 */
static void take_loop_side(struct daemon *d)
{
        struct snapshot *s = &d->observe.snap;
        struct snapshot t = { .now_usec = d->engine.now_usec() };

        if (take_triggers(d, &t) < 0) {
                snapshot_clear(&t);
                return;
        }
        for (size_t i = 0; i < s->n_triggers; i++) {
                free(s->triggers[i].scope);
                snapshot_round_clear(&s->triggers[i].last);
        }
        free(s->triggers);
        s->triggers = t.triggers;
        s->n_triggers = t.n_triggers;
        s->counters = d->observe.counters;
        s->counters.repeats_suppressed = repeats_suppressed(d);
}

void observe_refresh(struct daemon *d)
{
        if (d->worker.busy)
                take_loop_side(d);
        else
                take(d, NULL, true);
}

/*
 * A status is rare, and says what the files hold now: an operator's change
 * since the timer's last reading shows at once (three reads a cgroup).
 */
void observe_for_reader(struct daemon *d)
{
        observe_refresh(d);
}

static void on_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
        struct daemon *d = container_of(t, struct daemon, observe.timer);

        observe_refresh(d);
        write_metrics(d);
}

/* Only the metrics file needs the snapshot renewed between events: without one, no timer wakes the loop. */
static void start_timer(struct daemon *d)
{
        if (!d->cfg->metrics_textfile) {
                ev_timer_stop(d->loop, &d->observe.timer);
                return;
        }
        ev_timer_set(&d->observe.timer, 0., (double)d->cfg->metrics_interval_usec / 1e6);
        ev_timer_again(d->loop, &d->observe.timer);
}

void observe_init(struct daemon *d)
{
        d->observe = (struct observe){};
        ev_init(&d->observe.timer, on_timer);
}

void observe_start(struct daemon *d)
{
        if (d->dry_run && d->cfg->metrics_textfile)
                log_notice("Dry run: the metrics file %s ([metrics] textfile) is not written; reclaimctl "
                           "status shows the same figures", d->cfg->metrics_textfile);
        d->observe.started = true;
        take(d, NULL, true);
        write_metrics(d);
        start_timer(d);
}

void observe_reloaded(struct daemon *d)
{
        if (!d->observe.started)
                return;   /* not started yet: observe_start() takes the first */
        d->observe.metrics_err = 0;   /* a new path is told anew */
        take(d, NULL, true);
        write_metrics(d);
        start_timer(d);
}

void observe_round_begin(struct daemon *d, const char *scope, bool proactive)
{
        struct observe *o = &d->observe;
        struct cgroup *cg;

        snapshot_round_clear(&o->round);
        o->round = (struct snapshot_round){ .proactive = proactive };
        o->round_started_usec = d->engine.now_usec();
        for (size_t i = 0; i < d->engine.n_cgroups; i++)
                if (cgroup_in_scope(d->engine.cgroups[i].path, scope))
                        d->engine.cgroups[i].decision = (struct cg_decision){};
        RB_FOREACH_REVERSE(cg, excess_tree, &d->engine.tree)
                if (cgroup_in_scope(cg->path, scope) && policy_over_soft_limit(cg)) {
                        o->round.largest_over = strdup(cg->path);
                        break;
                }
        if (scope)
                o->round.scope = strdup(scope);
}

void observe_job_done(struct daemon *d, const struct job *job)
{
        struct observe *o = &d->observe;
        uint64_t now = d->engine.now_usec();
        bool ran = job->kind != JOB_RELEASE && job->result != POLICY_IDLE;

        if (ran) {
                o->round.ran = true;
                o->round.verdict = job->result;
                o->round.priority = job->sc.priority;
                o->round.target = job->sc.nr_to_reclaim;
                o->round.requested = job->sc.nr_requested;
                o->round.reclaimed = daemon_job_freed(d, job);
                o->round.steps = job->sc.nr_steps;
                o->round.at_usec = now;
                snapshot_count_round(&o->counters, job->sc.proactive || job->kind == JOB_BALANCE, job->result,
                                     daemon_job_freed(d, job), now - o->round_started_usec);
        }
        take(d, ran ? &o->round : NULL, false);
        snapshot_round_clear(&o->round);
        write_metrics(d);
}

void observe_done(struct daemon *d)
{
        remove_written(&d->observe);
        if (d->loop)
                ev_timer_stop(d->loop, &d->observe.timer);
        snapshot_round_clear(&d->observe.round);
        snapshot_clear(&d->observe.snap);
}
