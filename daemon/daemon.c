/* The daemon's event loop: signals, the tick, the watchdog, and rounds handed to the worker. */
#include "autoconfig.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "backend.h"
#include "cgpath.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "reload.h"
#include "report.h"
#include "scopes.h"
#include "state.h"
#include "units.h"

/* ---- rounds ---- */

/*
 * Whether a round for running also does what a round for s would: the system
 * round covers every scope, a cgroup's round only its subtree. A system
 * trigger during a cgroup's round is not covered: it waits its turn.
 */
static bool round_covers(const struct scope *running, const struct scope *s)
{
        return !running->path || (s->path && cgroup_in_scope(s->path, running->path));
}

static void start_round(struct daemon *d, struct scope *s)
{
        struct job job = { .kind = JOB_ROUND, .scope = s->path };
        struct psi_stats st = {};
        char some[16] = "", full[16] = "";

        if (d->worker.busy) {
                s->pending = true;
                return;
        }
        /* Read while the worker is idle: the pressure that started the round, for the record. */
        if (engine_pressure(&d->engine, s->path, &st) == 0) {
                snprintf(some, sizeof(some), "%u.%02u", st.line[PSI_SOME].avg10_cpct / 100,
                         st.line[PSI_SOME].avg10_cpct % 100);
                snprintf(full, sizeof(full), "%u.%02u", st.line[PSI_FULL].avg10_cpct / 100,
                         st.line[PSI_FULL].avg10_cpct % 100);
        }
        if (worker_submit(&d->worker, &job) < 0) {
                s->pending = true;
                return;
        }
        s->pending = false;
        s->rounds++;
        d->running = s;
        log_event(LOG_INFO, LOG_EV_TRIGGER,
                  LOG_FIELDS(LOG_STR(SCOPE, scope_name(s)), LOG_U64(ROUND, s->rounds),
                             LOG_STR(PSI_SOME_AVG10, some), LOG_STR(PSI_FULL_AVG10, full)),
                  "Memory pressure in %s (some avg10 %s%%), starting round %u", scope_name(s),
                  *some ? some : "?", s->rounds);
}

void daemon_trigger(struct daemon *d, struct scope *s)
{
        if (!policy_backoff_allows(&s->backoff, d->engine.now_usec())) {
                log_debug("Trigger for %s during its backoff, ignoring", scope_name(s));
                return;
        }
        if (d->worker.busy) {
                /* throttle_direct_reclaim(): one round at a time for a part of the tree. */
                if (d->running && round_covers(d->running, s)) {
                        s->coalesced++;
                        log_debug("Trigger for %s while a round for %s runs: coalesced", scope_name(s),
                                  scope_name(d->running));
                } else
                        s->pending = true;   /* after the job in flight */
                return;
        }
        start_round(d, s);
}

static void on_job_done(struct worker *w, struct job *job)
{
        struct daemon *d = container_of(w, struct daemon, worker);
        struct scope *s = (struct scope *)d->running;

        d->running = NULL;
        d->clamped = job->still_clamped;
        if (job->kind == JOB_ROUND && s) {
                if (job->result < 0 && job->result != -ECANCELED)
                        log_error_errno(job->result, "Reclaim round for %s failed: %m", scope_name(s));
                else {
                        d->reclaimed_total_bytes += job->sc.nr_reclaimed;
                        d->level = policy_pressure_level(job->sc.priority);
                        report_round(s, &job->sc, job->result);
                        report_backoff(d, s, &job->sc);
                }
        }
        report_status(d);
        if (d->reload_pending) {
                d->reload_pending = false;
                daemon_reload(d);
        }
        /* Under steady pressure the worker is rarely idle at a tick: follow new cgroups here too. */
        reload_follow_globs(d);
        for (size_t i = 0; i < d->n_scopes && !d->running && !d->worker.busy; i++)
                if (d->scopes[i].pending)
                        start_round(d, &d->scopes[i]);
}

/* ---- the periodic tick: release clamps, follow globs, re-arm triggers ---- */

static void on_tick(struct ev_loop *loop, ev_timer *t, int revents)
{
        struct daemon *d = container_of(t, struct daemon, tick);
        struct job job = { .kind = JOB_RELEASE };
        uint64_t now = d->engine.now_usec(), stall, prev = d->tick_stall_usec, since = d->tick_at_usec;
        bool clear;
        int r;

        scopes_arm(d);
        reload_follow_globs(d);
        if (d->worker.busy)
                return;
        r = engine_stall_usec(&d->engine, NULL, &stall);
        if (r < 0) {
                /*
                 * Whether the pressure is gone cannot be told: a lowered
                 * memory.high must not outlive what justified it, so the
                 * clamps are released as if it were (fail open).
                 */
                if (r != d->stall_err)
                        log_warning_errno(r, "Cannot read memory pressure: %m; raising lowered memory.high "
                                          "back as if the pressure were gone");
                d->stall_err = r;
                d->tick_at_usec = 0;
                clear = true;
        } else {
                d->stall_err = 0;
                d->tick_stall_usec = stall;
                d->tick_at_usec = now;
                clear = since && stall >= prev &&
                        policy_pressure_resolved(stall - prev, now - since, d->cfg->resolve_permyriad);
        }
        if (d->clamped > 0 && clear)
                worker_submit(&d->worker, &job);
}

/* ---- signals ---- */

static void on_stop_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
        log_event(LOG_INFO, LOG_EV_STOPPING, LOG_FIELDS(LOG_STR(SIGNAL, sigabbrev_np(w->signum))),
                  "Received SIG%s, stopping", sigabbrev_np(w->signum));
        notify_stopping();
        ev_break(loop, EVBREAK_ALL);
}

/* ---- reload ---- */

static void on_reload_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
        daemon_reload(container_of(w, struct daemon, sighup));
}

/* ---- watchdog ---- */

static void on_watchdog(struct ev_loop *loop, ev_timer *t, int revents)
{
        notify_watchdog();
}

/* With WatchdogSec=, ping at half the interval from the loop: a stuck loop stops the pings. */
static void start_watchdog(struct daemon *d)
{
        uint64_t usec = 0;

        if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
                return;
        ev_timer_init(&d->watchdog, on_watchdog, 0., (double)usec / 2e6);
        ev_timer_again(d->loop, &d->watchdog);
        log_debug("Watchdog every %.3fs", (double)usec / 2e6);
}

/* ---- start-up and shutdown ---- */

/*
 * Whether the kernel's memory.high holds a value the state file recorded. The
 * kernel keeps memory.high in pages (rounded down); reclaimd writes page
 * multiples, but a state file from before that recorded the bytes it wrote.
 */
static bool high_holds(uint64_t kernel, uint64_t recorded)
{
        uint64_t p = page_bytes();

        return kernel == recorded || (recorded != UINT64_MAX && kernel == recorded / p * p);
}

/* Puts back memory.high values a previous run lowered and did not restore (it was killed). */
static void restore_from_state(struct daemon *d)
{
        struct state st = {};
        int r;

        r = state_load(d->opt.state_file, &st);
        if (r == -ENOENT)
                return;
        if (r < 0) {
                log_error_errno(r, "Cannot read the state file %s: %s; memory.high values a previous "
                                "run lowered cannot be restored, ignoring", d->opt.state_file,
                                r == -EBADMSG ? "not a regular text file of at most 4 MiB" :
                                r == -ELOOP ? "a symbolic link, not followed" : strerror(-r));
                return;
        }
        if (st.no_header)
                log_warning("%s is not a reclaimd-state 2 file (empty, or another format): nothing in it "
                            "is applied, ignoring", d->opt.state_file);
        else if (st.bad_lines)
                log_warning("%s:%u: %u malformed line(s) in the state file%s, not applied",
                            d->opt.state_file, st.first_bad_line, st.bad_lines,
                            st.truncated ? " (the last one cut short)" : "");
        for (size_t i = 0; i < st.n; i++) {
                struct cgroup *cg = engine_find(&d->engine, st.v[i].path);
                struct backend_cgroup *bc = NULL;
                uint64_t high;
                char val[32];

                if (d->be->ops->open_cgroup(d->be, st.v[i].path, &bc) < 0 ||
                    backend_read_u64(d->be, bc, CG_MEMORY_HIGH, &high) < 0) {
                        log_notice("Cgroup %s from the state file is gone; nothing to restore",
                                   st.v[i].path);
                } else if (high_holds(high, st.v[i].original)) {
                        log_debug("memory.high of %s is back at its original value already", st.v[i].path);
                } else if (!high_holds(high, st.v[i].clamped_to) && !high_holds(high, st.v[i].previous)) {
                        /* Neither what reclaimd wrote nor what it was about to overwrite. */
                        log_notice("memory.high of %s changed since reclaimd lowered it; leaving it",
                                   st.v[i].path);
                } else {
                        format_size_exact(val, sizeof(val), st.v[i].original);
                        r = d->dry_run ? 0 : d->be->ops->write(d->be, bc, CG_MEMORY_HIGH,
                                                               st.v[i].original == UINT64_MAX ? "max" : val);
                        if (r < 0)
                                log_error_errno(r, "Failed to restore memory.high of %s: %m", st.v[i].path);
                        else
                                log_event(LOG_NOTICE, LOG_EV_RELEASE,
                                          LOG_FIELDS(LOG_STR(CGROUP, st.v[i].path),
                                                     LOG_U64(HIGH, st.v[i].original),
                                                     LOG_STR(RESULT, "restored")),
                                          "Restored memory.high of %s to %s, left lowered by a "
                                          "previous run", st.v[i].path, val);
                }
                if (cg)
                        cg->clamped = false;
                d->be->ops->close_cgroup(d->be, bc);
        }
        state_clear(&st);
        if (!d->dry_run && unlink(d->opt.state_file) < 0 && errno != ENOENT)
                log_warning_errno(-errno, "Failed to remove %s: %m, ignoring", d->opt.state_file);
}

int daemon_init(struct daemon *d, struct config *cfg, struct backend *be,
                const struct daemon_options *opt)
{
        struct engine_observer obs;
        int r;

        *d = (struct daemon){ .cfg = cfg, .be = be, .dry_run = opt->dry_run, .opt = *opt };
        report_observer(d, &obs);
        d->loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
        if (!d->loop)
                return log_error_errno(-ENOMEM, "Failed to create the event loop");
        r = engine_init(&d->engine, be, cfg, d->dry_run, &obs, NULL);
        for (size_t i = 0; i < cfg->n_cgroups; i++)
                d->has_globs |= cgpath_is_glob(cfg->cgroups[i].path);
        if (r >= 0)
                r = scopes_setup(d);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the reclaim engine: %m");
        restore_from_state(d);
        ev_signal_init(&d->sigterm, on_stop_signal, SIGTERM);
        ev_signal_init(&d->sigint, on_stop_signal, SIGINT);
        ev_signal_init(&d->sighup, on_reload_signal, SIGHUP);
        ev_signal_start(d->loop, &d->sigterm);
        ev_signal_start(d->loop, &d->sigint);
        ev_signal_start(d->loop, &d->sighup);
        ev_init(&d->tick, on_tick);
        ev_init(&d->watchdog, on_watchdog);
        r = worker_start(&d->worker, d->loop, &d->engine, cfg, on_job_done);
        if (r < 0)
                return log_error_errno(r, "Failed to start the reclaim thread: %m");
        return 0;
}

int daemon_run(struct daemon *d)
{
        struct utsname uts;
        char status[128];
        int r, over;

        over = engine_refresh(&d->engine);
        if (over < 0)
                return log_error_errno(over, "Failed to read the managed cgroups: %m");
        if (uname(&uts) < 0)
                snprintf(uts.release, sizeof(uts.release), "unknown");
        engine_probe(&d->engine, uts.release);
        report_capabilities(d, uts.release);
        r = scope_arm(d, &d->scopes[0]);
        if (r < 0)
                return log_error_errno(r, "Failed to arm the PSI trigger on /proc/pressure/memory: %m");
        scopes_arm(d);
        ev_timer_set(&d->tick, 0., (double)d->cfg->release_interval_usec / 1e6);
        ev_timer_again(d->loop, &d->tick);
        start_watchdog(d);
        log_event(LOG_INFO, LOG_EV_STARTED,
                  LOG_FIELDS(LOG_U64(CGROUPS, d->engine.n_cgroups), LOG_U64(DRY_RUN, d->dry_run)),
                  "Started: %zu cgroups managed, %zu triggers%s", d->engine.n_cgroups, d->n_scopes,
                  d->dry_run ? ", dry run: nothing will be written" : "");
        snprintf(status, sizeof(status), "Watching %zu cgroups, %d over their soft limit",
                 d->engine.n_cgroups, over);
        notify_ready(status);
        ev_run(d->loop, 0);
        return 0;
}

void daemon_done(struct daemon *d)
{
        worker_stop(&d->worker);
        if (d->loop) {
                scopes_stop(d);
                ev_timer_stop(d->loop, &d->tick);
                ev_timer_stop(d->loop, &d->watchdog);
                ev_signal_stop(d->loop, &d->sigterm);
                ev_signal_stop(d->loop, &d->sigint);
                ev_signal_stop(d->loop, &d->sighup);
        }
        if (d->engine.be) {
                /* Nothing stays throttled after reclaimd: every lowered memory.high goes back. */
                if (engine_count_clamped(&d->engine) > 0)
                        engine_release(&d->engine, d->cfg, true);
                engine_done(&d->engine);
        }
        backend_free(d->be);
        config_free(d->cfg);
        *d = (struct daemon){};
}
