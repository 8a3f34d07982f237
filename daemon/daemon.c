/* The daemon object: configuration, backend, engine, worker and event-loop watchers. */
#include "autoconfig.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <sys/utsname.h>

#include "backend.h"
#include "cgpath.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "psi.h"
#include "state.h"
#include "units.h"

static const char *scope_name(const struct scope *s)
{
        return s->path ?: "system";
}

static const char *result_name(int r)
{
        if (r == 0)
                return "ok";
        if (r == -EEXIST)
                return "already_lower";   /* memory.high is already at or below the clamp */
        if (r == -EAGAIN)
                return "partial";   /* memory.reclaim freed less than asked: normal */
        return strerrorname_np(-r) ?: "error";
}

/* ---- what the engine reports (called on the worker thread) ---- */

static void on_step(void *userdata, const struct engine_step *s)
{
        char req[FORMAT_SIZE_MAX], got[FORMAT_SIZE_MAX];
        bool ok = s->result == 0 || s->result == -EAGAIN || s->result == -EEXIST;
        /* An error is said once at warning level; its repeats on the same cgroup at debug. */
        int level_fail = s->repeated ? LOG_DEBUG : LOG_WARNING;

        format_size(req, sizeof(req), s->requested_bytes);
        format_size(got, sizeof(got), s->reclaimed_bytes);
        if (s->action == ACTION_CLAMP) {
                log_event(ok ? LOG_NOTICE : level_fail, LOG_EV_CLAMP,
                          LOG_FIELDS(LOG_STR(CGROUP, s->path),
                                     LOG_U64(HIGH, s->requested_bytes),
                                     LOG_U64(RECLAIMED, s->reclaimed_bytes),
                                     LOG_U64(PRIORITY, (uint64_t)s->priority),
                                     LOG_U64(SOFT_LIMIT, s->soft_limit_bytes),
                                     LOG_U64(CURRENT, s->current_after),
                                     LOG_STR(RESULT, result_name(s->result)),
                                     LOG_U64(DRY_RUN, s->dry_run)),
                          "%s memory.high of %s to %s at priority %d, freed %s",
                          s->dry_run ? "Would lower" : "Lowered", s->path, req, s->priority, got);
                return;
        }
        log_event(ok ? LOG_INFO : level_fail, LOG_EV_RECLAIM,
                  LOG_FIELDS(LOG_STR(CGROUP, s->path),
                             LOG_U64(REQUESTED, s->requested_bytes),
                             LOG_U64(RECLAIMED, s->reclaimed_bytes),
                             LOG_U64(PRIORITY, (uint64_t)s->priority),
                             LOG_U64(SOFT_LIMIT, s->soft_limit_bytes),
                             LOG_U64(CURRENT, s->current_after),
                             LOG_U64(SWAP, s->swap),
                             LOG_STR(RESULT, result_name(s->result)),
                             LOG_U64(DRY_RUN, s->dry_run)),
                  "%s %s from %s at priority %d, freed %s%s%s",
                  s->dry_run ? "Would reclaim" : "Asked", req, s->path, s->priority, got,
                  ok ? "" : ": ", ok ? "" : strerror(-s->result));
}

static void on_cgroup_gone(void *userdata, const char *path, int err)
{
        log_event(LOG_NOTICE, LOG_EV_CGROUP_GONE,
                  LOG_FIELDS(LOG_STR(CGROUP, path), LOG_STR(RESULT, result_name(err))),
                  "Cgroup %s disappeared; managed again if it comes back", path);
}

static void on_cgroup_error(void *userdata, const char *path, enum cg_file f, int err)
{
        log_event(LOG_WARNING, LOG_EV_CGROUP_ERROR,
                  LOG_FIELDS(LOG_STR(CGROUP, path), LOG_STR(FILE, cg_file_name(f)),
                             LOG_STR(RESULT, result_name(err))),
                  "Cannot use %s of %s: %s; leaving it out until it reads well, ignoring",
                  cg_file_name(f), path, strerror(-err));
}

static int on_persist(void *userdata, const struct engine *e)
{
        struct daemon *d = userdata;
        int r;

        if (d->dry_run)
                return 0;
        r = state_save(d->opt.state_file, e);
        if (r < 0)
                return log_error_errno(r, "Failed to record memory.high originals in %s: %m; "
                                       "not lowering memory.high", d->opt.state_file);
        return 0;
}

static void on_released(void *userdata, const struct cgroup *cg, uint64_t high, bool restored, int err)
{
        char h[FORMAT_SIZE_MAX];

        format_size(h, sizeof(h), high);
        if (err < 0)
                log_event(LOG_WARNING, LOG_EV_RELEASE,
                          LOG_FIELDS(LOG_STR(CGROUP, cg->path), LOG_U64(HIGH, high),
                                     LOG_STR(RESULT, result_name(err))),
                          "Failed to raise memory.high of %s to %s: %s", cg->path, h, strerror(-err));
        else
                log_event(LOG_NOTICE, LOG_EV_RELEASE,
                          LOG_FIELDS(LOG_STR(CGROUP, cg->path), LOG_U64(HIGH, high),
                                     LOG_STR(RESULT, restored ? "restored" : "raised")),
                          "%s memory.high of %s to %s", restored ? "Restored" : "Raised", cg->path, h);
}

/* ---- rounds ---- */

static void update_status(struct daemon *d)
{
        char status[256], total[FORMAT_SIZE_MAX];
        int over = 0;

        for (size_t i = 0; i < d->engine.n_cgroups; i++)
                over += d->engine.cgroups[i].in_tree;
        snprintf(status, sizeof(status), "pressure %s, %zu cgroups managed, %d over soft limit, "
                 "%d clamped, %s reclaimed", pressure_level_name(d->level), d->engine.n_cgroups, over,
                 d->clamped, format_size(total, sizeof(total), d->reclaimed_total_bytes));
        notify_status(status);
}

static const char *verdict_name(int v)
{
        switch (v) {
        case POLICY_DONE_TARGET:    return "target_met";
        case POLICY_DONE_RESOLVED:  return "resolved";
        case POLICY_DONE_NOTHING:   return "nothing_eligible";
        case POLICY_DONE_SHORT:     return "short";
        case POLICY_DONE_EXHAUSTED: return "exhausted";
        case -ECANCELED:            return "stopped";
        default:                    return "error";
        }
}

static void log_round_end(struct daemon *d, struct scope *s, const struct scan_control *sc, int v)
{
        char got[FORMAT_SIZE_MAX], want[FORMAT_SIZE_MAX];
        enum pressure_level level = policy_pressure_level(sc->priority);

        format_size(got, sizeof(got), sc->nr_reclaimed);
        format_size(want, sizeof(want), sc->nr_to_reclaim);
        log_event(level == PRESSURE_CRITICAL ? LOG_WARNING : LOG_INFO, LOG_EV_ROUND_END,
                  LOG_FIELDS(LOG_STR(SCOPE, scope_name(s)),
                             LOG_U64(ROUND, s->rounds),
                             LOG_U64(TARGET, sc->nr_to_reclaim),
                             LOG_U64(REQUESTED, sc->nr_requested),
                             LOG_U64(RECLAIMED, sc->nr_reclaimed),
                             LOG_U64(PRIORITY, (uint64_t)sc->priority),
                             LOG_STR(LEVEL, pressure_level_name(level)),
                             LOG_U64(STEPS, sc->nr_steps),
                             LOG_STR(RESULT, verdict_name(v))),
                  "Round for %s done: freed %s of %s in %u steps, priority %d, pressure %s",
                  scope_name(s), got, want, sc->nr_steps, sc->priority, pressure_level_name(level));
        if (v == POLICY_DONE_EXHAUSTED)
                /* do_try_to_free_pages() would return 0 and the kernel would OOM: we never kill. */
                log_event(LOG_CRIT, LOG_EV_EXHAUSTED,
                          LOG_FIELDS(LOG_STR(SCOPE, scope_name(s)),
                                     LOG_U64(RECLAIMED, sc->nr_reclaimed),
                                     LOG_U64(TARGET, sc->nr_to_reclaim)),
                          "reclaim exhausted in %s: priority 0 passed with %s of %s freed; "
                          "leaving any kill to the kernel or systemd-oomd", scope_name(s), got, want);
}

static void backoff_after(struct daemon *d, struct scope *s, const struct scan_control *sc)
{
        uint64_t cooldown;
        char c[FORMAT_DURATION_MAX];

        cooldown = policy_backoff_update(&s->backoff, sc->nr_requested, sc->nr_reclaimed,
                                         d->engine.now_usec(), d->cfg->backoff_usec,
                                         d->cfg->backoff_max_usec);
        if (cooldown)
                log_event(LOG_NOTICE, LOG_EV_BACKOFF,
                          LOG_FIELDS(LOG_STR(SCOPE, scope_name(s)),
                                     LOG_U64(REQUESTED, sc->nr_requested),
                                     LOG_U64(RECLAIMED, sc->nr_reclaimed),
                                     LOG_U64(COOLDOWN, cooldown)),
                          "Round for %s freed under 1/8 of what it asked: backing off for %s",
                          scope_name(s), format_duration(c, sizeof(c), cooldown));
}

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

static void follow_globs(struct daemon *d);

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
                        log_round_end(d, s, &job->sc, job->result);
                        backoff_after(d, s, &job->sc);
                }
        }
        update_status(d);
        if (d->reload_pending) {
                d->reload_pending = false;
                daemon_reload(d);
        }
        /* Under steady pressure the worker is rarely idle at a tick: follow new cgroups here too. */
        follow_globs(d);
        for (size_t i = 0; i < d->n_scopes && !d->running && !d->worker.busy; i++)
                if (d->scopes[i].pending)
                        start_round(d, &d->scopes[i]);
}

/* ---- triggers ---- */

static void arm_scopes(struct daemon *d);

static void on_pressure(struct psi_watch *w, bool gone)
{
        struct scope *s = container_of(w, struct scope, psi);
        struct daemon *d = s->daemon;

        if (gone) {
                /*
                 * A removed cgroup's trigger reports POLLERR|POLLPRI until
                 * closed. The engine tells the removal (once) when it
                 * forgets the cgroup: now, or in the round that holds it.
                 */
                log_debug("The trigger on %s reports its cgroup removed; closing it", scope_name(s));
                psi_watch_stop(w, d->loop);
                arm_scopes(d);
                return;
        }
        daemon_trigger(d, s);
}

static uint64_t round_up_2s(uint64_t usec)
{
        return (usec + 2 * USEC_PER_SEC - 1) / (2 * USEC_PER_SEC) * 2 * USEC_PER_SEC;
}

static int open_trigger(struct daemon *d, struct backend_cgroup *cg, const struct psi_trigger *t)
{
        char kernel[64];
        int r = psi_trigger_format(t, kernel, sizeof(kernel));

        return r < 0 ? r : d->be->ops->open_trigger(d->be, cg, kernel);
}

/*
 * The cgroup a scope's trigger goes on, when it is to be armed now. Its
 * handle may be on a removed cgroup and the path on a new one: re-read. A
 * cgroup that has just appeared waits for the next tick, and an empty one
 * (nothing in it can stall) for a task: a trigger armed on a cgroup while it
 * is being removed leaks in 6.1 (pressure_write() seems to let go of the
 * cgroup too early; psi_cgroup_free() then warns "psi: trigger leak", seen in
 * the VM with cgroups coming and going under a glob), and rmdir needs the
 * cgroup empty, so both keep the arming away from removals. Returns 0,
 * -ENOENT (not there), -EAGAIN (not yet), or another negative errno.
 */
static int trigger_cgroup(struct daemon *d, const struct scope *s, struct backend_cgroup **ret)
{
        struct cgroup *c = engine_find(&d->engine, s->path);
        unsigned opens;
        int r;

        if (!c)
                return -ENOENT;
        opens = c->opens;
        r = engine_refresh_cgroup(&d->engine, c);
        if (r < 0)
                return r;
        if (c->opens != opens)
                return -EAGAIN;
        r = engine_cgroup_populated(&d->engine, c);
        if (r <= 0)
                return r == 0 ? -EAGAIN : r;
        *ret = c->be;
        return 0;
}

/*
 * Arms a scope's trigger. Unprivileged writers may only use windows that are
 * multiples of 2s (psi_trigger_create() since 6.5): on EINVAL such a window
 * is rounded up and tried once more, and from then on for this scope.
 */
static int arm(struct daemon *d, struct scope *s)
{
        struct psi_trigger t = *s->trigger;
        struct backend_cgroup *cg = NULL;
        char text[64];
        int fd, r;

        if (s->path) {
                r = trigger_cgroup(d, s, &cg);
                if (r < 0)
                        return r;
        }
        if (s->window_rounded)
                t.window_usec = round_up_2s(t.window_usec);
        fd = open_trigger(d, cg, &t);
        if (fd == -EINVAL && !s->window_rounded && t.window_usec != round_up_2s(t.window_usec)) {
                s->window_rounded = true;
                t.window_usec = round_up_2s(t.window_usec);
                log_notice("The kernel refused the trigger window for %s; trying the next multiple "
                           "of 2s, as unprivileged triggers need", scope_name(s));
                fd = open_trigger(d, cg, &t);
        }
        if (fd < 0)
                return fd;
        r = psi_watch_start(&s->psi, d->loop, fd, on_pressure);
        if (r < 0)
                return r;
        log_event(LOG_INFO, LOG_EV_ARMED,
                  LOG_FIELDS(LOG_STR(SCOPE, scope_name(s)),
                             LOG_STR(TRIGGER, psi_trigger_to_string(&t, text, sizeof(text)))),
                  "Watching memory pressure of %s (%s)", scope_name(s), text);
        return 0;
}

/*
 * Arms the triggers not armed yet: a cgroup may have appeared, a refusal may
 * have passed. A trigger the kernel refuses is retried every tick, and its
 * error told once (until it changes or the trigger is armed). A cgroup that
 * does not exist (yet), has just appeared or is empty is not an error: its
 * trigger waits (trigger_cgroup()). The cgroups' triggers also wait while a
 * round runs: the engine is the worker's then.
 */
static void arm_scopes(struct daemon *d)
{
        for (size_t i = 0; i < d->n_scopes; i++) {
                struct scope *s = &d->scopes[i];
                int r;

                if (s->psi.epoll_fd >= 0 || (s->path && d->worker.busy))
                        continue;
                r = arm(d, s);
                if ((r == -ENOENT || r == -EAGAIN) && s->path)
                        r = 0;   /* not there (yet), or just appeared */
                if (r < 0)
                        log_full_errno(r == s->arm_error ? LOG_DEBUG : s->path ? LOG_WARNING : LOG_ERR, r,
                                       "Failed to arm the PSI trigger on %s: %m, retrying every "
                                       "release_interval", s->path ? s->path : "/proc/pressure/memory");
                s->arm_error = r;
        }
}

static int apply(struct daemon *d, struct config *cfg);

/* Rebuilds the engine when the configuration's globs match other cgroups now (worker idle). */
static void follow_globs(struct daemon *d)
{
        int r;

        if (d->worker.busy || !d->has_globs || !engine_set_changed(&d->engine, d->cfg))
                return;
        r = apply(d, d->cfg);
        if (r < 0)
                log_error_errno(r, "Failed to follow the cgroups the configuration's globs match: %m");
        else
                log_info("The cgroups matching the configuration changed: %zu managed", d->engine.n_cgroups);
}

/* ---- the periodic tick: release clamps, follow globs, re-arm triggers ---- */

static void on_tick(struct ev_loop *loop, ev_timer *t, int revents)
{
        struct daemon *d = container_of(t, struct daemon, tick);
        struct job job = { .kind = JOB_RELEASE };
        uint64_t now = d->engine.now_usec(), stall, prev = d->tick_stall_usec, since = d->tick_at_usec;
        bool clear;
        int r;

        arm_scopes(d);
        follow_globs(d);
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

static void stop_scopes(struct daemon *d)
{
        for (size_t i = 0; i < d->n_scopes; i++)
                psi_watch_stop(&d->scopes[i].psi, d->loop);
        free(d->scopes);
        d->scopes = NULL;
        d->n_scopes = 0;
}

static int setup_scopes(struct daemon *d);

int daemon_load_config(const char *file, const char *dropin_dir, struct config **ret)
{
        struct config_errors errs = {};
        char line[1024];
        int r;

        r = config_load(file, dropin_dir, ret, &errs);
        for (size_t i = 0; i < errs.n; i++)
                log_error("%s", config_error_format(&errs, &errs.v[i], line, sizeof(line)));
        if (r == -EINVAL)
                log_error("%zu error%s, configuration not accepted", errs.n, errs.n == 1 ? "" : "s");
        else if (r < 0 && errs.n == 0)
                log_error_errno(r, "Failed to read the configuration: %m");
        config_errors_clear(&errs);
        return r;
}

/*
 * Swaps in cfg (or rebuilds from the running one, when its globs match other
 * cgroups now): a new engine that takes over the old one's state, new triggers.
 */
static bool same_trigger(const struct psi_trigger *a, const struct psi_trigger *b)
{
        return a->kind == b->kind && a->stall_usec == b->stall_usec && a->window_usec == b->window_usec;
}

/*
 * Hands the armed triggers of the old scopes over to the new scopes that
 * watch the same place with the same trigger, and stops the others. Arming
 * again is work for the kernel (psi_trigger_create() starts a psimon thread
 * per cgroup) and a chance to race a removal (see trigger_cgroup()); and the glob
 * sections rebuild the scopes whenever a matching cgroup comes or goes.
 */
static void takeover_scopes(struct daemon *d, struct scope *old, size_t n_old)
{
        for (size_t i = 0; i < n_old; i++) {
                struct scope *o = &old[i];

                for (size_t k = 0; k < d->n_scopes && o->psi.epoll_fd >= 0; k++) {
                        struct scope *s = &d->scopes[k];

                        if (!streq_ptr(s->path, o->path) || !same_trigger(s->trigger, o->trigger))
                                continue;
                        psi_watch_move(&s->psi, &o->psi, d->loop);
                        s->window_rounded = o->window_rounded;
                        s->backoff = o->backoff;
                        s->pending = o->pending;
                        s->rounds = o->rounds;
                        s->coalesced = o->coalesced;
                }
                psi_watch_stop(&o->psi, d->loop);
        }
        free(old);
}

/*
 * Swaps in cfg (or rebuilds from the running one, when its globs match other
 * cgroups now): a new engine that takes over the old one's state, new scopes
 * that take over the old ones' triggers. Nothing changes when it fails.
 */
static int apply(struct daemon *d, struct config *cfg)
{
        const struct engine_observer obs = d->engine.obs;
        struct config *old_cfg = d->cfg;
        struct engine old = d->engine;
        struct scope *old_scopes = d->scopes;
        size_t old_n = d->n_scopes;
        int r, restored;

        r = engine_init(&d->engine, d->be, cfg, d->dry_run, &obs, old.now_usec);
        if (r < 0) {
                d->engine = old;
                return r;
        }
        d->engine.stop = old.stop;
        d->cfg = cfg;
        r = setup_scopes(d);
        if (r < 0) {
                engine_done(&d->engine);
                d->engine = old;
                d->cfg = old_cfg;
                d->scopes = old_scopes;
                d->n_scopes = old_n;
                return r;
        }
        takeover_scopes(d, old_scopes, old_n);   /* before the old paths and triggers are freed */
        restored = engine_takeover(&d->engine, &old, old_cfg);
        d->worker.engine = &d->engine;
        d->worker.cfg = cfg;
        d->has_globs = false;
        for (size_t i = 0; i < cfg->n_cgroups; i++)
                d->has_globs |= cgpath_is_glob(cfg->cgroups[i].path);
        if (old_cfg != cfg)
                config_free(old_cfg);
        arm_scopes(d);
        ev_timer_set(&d->tick, 0., (double)cfg->release_interval_usec / 1e6);
        ev_timer_again(d->loop, &d->tick);
        if (restored)
                log_notice("Restored memory.high of %d cgroup(s) no longer managed", restored);
        return 0;
}

int daemon_reload(struct daemon *d)
{
        struct config *cfg = NULL;
        int r;

        if (d->worker.busy) {
                d->reload_pending = true;   /* the engine is the worker's until its job ends */
                return 0;
        }
        notify_reloading();
        r = daemon_load_config(d->opt.config_file, d->opt.dropin_dir, &cfg);
        if (r < 0) {
                log_event(LOG_ERR, LOG_EV_RELOAD,
                          LOG_FIELDS(LOG_STR(PATH, d->opt.config_file), LOG_STR(RESULT, "refused")),
                          "Reloading %s failed; keeping the configuration that was running",
                          d->opt.config_file);
                notify_ready("Reload failed; running on the previous configuration");
                return r;
        }
        r = apply(d, cfg);
        if (r < 0)
                log_error_errno(r, "Failed to apply the new configuration: %m");
        else
                log_event(LOG_NOTICE, LOG_EV_RELOAD,
                          LOG_FIELDS(LOG_STR(PATH, d->opt.config_file), LOG_STR(RESULT, "applied"),
                                     LOG_U64(CGROUPS, d->engine.n_cgroups)),
                          "Reloaded %s: %zu cgroups managed, %zu triggers", d->opt.config_file,
                          d->engine.n_cgroups, d->n_scopes);
        notify_ready(NULL);
        update_status(d);
        return r;
}

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

/* The system scope, then one per managed cgroup whose section has a trigger. */
static int setup_scopes(struct daemon *d)
{
        size_t n = 1;

        for (size_t i = 0; i < d->engine.n_cgroups; i++)
                n += d->engine.cgroups[i].conf && d->engine.cgroups[i].conf->trigger.window_usec != 0;
        d->scopes = calloc(n, sizeof(*d->scopes));
        if (!d->scopes)
                return -ENOMEM;
        d->scopes[0] = (struct scope){ .daemon = d, .trigger = &d->cfg->trigger };
        d->n_scopes = 1;
        for (size_t i = 0; i < d->engine.n_cgroups; i++) {
                const struct cgroup *cg = &d->engine.cgroups[i];

                if (cg->conf && cg->conf->trigger.window_usec)
                        d->scopes[d->n_scopes++] = (struct scope){
                                .daemon = d, .path = cg->path, .trigger = &cg->conf->trigger };
        }
        for (size_t i = 0; i < d->n_scopes; i++)
                psi_watch_init(&d->scopes[i].psi);
        return 0;
}

int daemon_init(struct daemon *d, struct config *cfg, struct backend *be,
                const struct daemon_options *opt)
{
        const struct engine_observer obs = {
                .step = on_step,
                .cgroup_gone = on_cgroup_gone,
                .cgroup_error = on_cgroup_error,
                .persist = on_persist,
                .released = on_released,
                .userdata = d,
        };
        int r;

        *d = (struct daemon){ .cfg = cfg, .be = be, .dry_run = opt->dry_run, .opt = *opt };
        d->loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
        if (!d->loop)
                return log_error_errno(-ENOMEM, "Failed to create the event loop");
        r = engine_init(&d->engine, be, cfg, d->dry_run, &obs, NULL);
        for (size_t i = 0; i < cfg->n_cgroups; i++)
                d->has_globs |= cgpath_is_glob(cfg->cgroups[i].path);
        if (r >= 0)
                r = setup_scopes(d);
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

static void log_capabilities(struct daemon *d, const char *release)
{
        log_info("Kernel %s: memory.reclaim swappiness= argument %s; memory.high O_NONBLOCK %s",
                 release, d->engine.caps.reclaim_swappiness ? "supported" :
                 "not supported (anonymous memory may go to swap at every priority)",
                 d->engine.caps.high_nonblock ? "honoured" :
                 "not honoured (a lowered memory.high reclaims in the writer: on the reclaim thread)");
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
        log_capabilities(d, uts.release);
        r = arm(d, &d->scopes[0]);
        if (r < 0)
                return log_error_errno(r, "Failed to arm the PSI trigger on /proc/pressure/memory: %m");
        arm_scopes(d);
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
                stop_scopes(d);
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
