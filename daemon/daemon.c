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
#include "hierarchy.h"
#include "log.h"
#include "notify.h"
#include "observe.h"
#include "reload.h"
#include "report.h"
#include "scopes.h"
#include "state.h"
#include "units.h"
#include "xattr.h"

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

/* Hands a round for s to the worker; the engine says when it takes its first step. */
static void start_round(struct daemon *d, struct scope *s)
{
        struct job job = { .kind = JOB_ROUND, .scope = s->path };

        /*
         * Set before the job is handed over: the thread may take its first
         * step, and the observer read d->running and s->rounds, before
         * worker_submit() returns here.
         */
        d->running = s;
        s->rounds++;
        observe_round_begin(d, s->path, false);
        if (worker_submit(&d->worker, &job) < 0) {
                d->running = NULL;
                s->rounds--;
                s->pending = true;
                return;
        }
        s->pending = false;
}

void daemon_trigger(struct daemon *d, struct scope *s)
{
        s->fires++;
        daemon_wake_balancer(d, "a pressure trigger");
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

/* A round ended: count it, say so, and back its scope off when it did not pay. */
static void round_done(struct daemon *d, struct scope *s, const struct job *job)
{
        if (job->result < 0 && job->result != -ECANCELED) {
                log_error_errno(job->result, "Reclaim round for %s failed: %m", scope_name(s));
                return;
        }
        if (job->result == POLICY_DONE_NO_SHORTAGE || job->result == POLICY_IDLE) {
                /* A stall without a shortage: most likely some cgroup at its own limit, for its own trigger. */
                if (job->kind == JOB_ROUND) {
                        s->rounds--;   /* none ran */
                        log_debug("Memory pressure in %s, but free memory is above the high watermark "
                                  "and reserve: no round", scope_name(s));
                }
                return;
        }
        d->reclaimed_total_bytes += daemon_job_freed(d, job);
        d->level = policy_pressure_level(job->sc.priority, policy_round_asked(&job->sc), job->sc.nr_reclaimed);
        if (job->kind == JOB_BALANCE) {
                report_round(d, s, &d->balance_repeat, ++d->balance_rounds, &job->sc, job->result);
                /*
                 * kswapd gives up after MAX_RECLAIM_RETRIES runs that freed
                 * nothing (kswapd_failures) instead of spinning on memory it
                 * cannot take; the balancer backs its trimming off the same
                 * way as a trigger's scope does, while it goes on holding
                 * memory.low.
                 */
                if (policy_backoff_update(&d->balance_backoff, job->sc.nr_requested, job->sc.nr_reclaimed,
                                          d->engine.now_usec(), d->cfg->backoff_usec, d->cfg->backoff_max_usec))
                        log_debug("The balancer's trimming freed under 1/8 of what it asked: backing off");
                return;
        }
        report_backoff(d, s, &job->sc, report_round(d, s, &s->repeat, s->rounds, &job->sc, job->result));
}

static void follow_xattrs(struct daemon *d, bool at_tick);

static void on_job_done(struct worker *w, struct job *job)
{
        struct daemon *d = container_of(w, struct daemon, worker);
        struct scope *s = (struct scope *)d->running;

        d->running = NULL;
        d->clamped = job->still_clamped;
        d->protected = job->still_protected;
        report_floors(d);
        if (job->kind == JOB_ROUND && s)
                round_done(d, s, job);
        else if (job->kind == JOB_BALANCE)
                round_done(d, &d->scopes[0], job);
        if (job->kind == JOB_ROUND && s && job->result >= 0)
                s->last = (struct snapshot_round){ .ran = true, .verdict = job->result, .priority = job->sc.priority,
                                                   .target = job->sc.nr_to_reclaim,
                                                   .requested = job->sc.nr_requested,
                                                   .reclaimed = daemon_job_freed(d, job),
                                                   .steps = job->sc.nr_steps,
                                                   .at_usec = d->engine.now_usec() };
        observe_job_done(d, job);
        report_status(d);
        daemon_reload_queued(d);
        /* Under steady pressure the worker is rarely idle at a tick: follow new cgroups here too. */
        reload_follow_globs(d);
        follow_xattrs(d, false);
        if (d->arm_deferred)
                scopes_arm(d);
        for (size_t i = 0; i < d->n_scopes && !d->running && !d->worker.busy; i++)
                if (d->scopes[i].pending)
                        start_round(d, &d->scopes[i]);
}

/* ---- the balancer: kswapd's analogue ---- */

/*
 * The balancer's timer, every usec from now. Asleep, its first check comes
 * with the last tick within usec, if one comes that soon: an idle loop then
 * wakes once a tick, not twice, and with the default periods (5 s both) the
 * two stay together.
 */
static void balance_every(struct daemon *d, uint64_t usec)
{
        double repeat = (double)usec / 1e6;
        uint64_t first = usec;

        if (d->balance.repeat == repeat)
                return;
        if (d->pace.asleep && ev_is_active(&d->tick) && d->tick.repeat > 0.) {
                uint64_t rem = (uint64_t)(ev_timer_remaining(d->loop, &d->tick) * 1e6),
                         tick = (uint64_t)(d->tick.repeat * 1e6);

                if (rem == 0)
                        rem = tick;   /* expiring now: the one after */
                if (rem <= usec)
                        first = rem + (usec - rem) / tick * tick;
        }
        ev_timer_stop(d->loop, &d->balance);
        ev_timer_set(&d->balance, (double)first / 1e6, repeat);
        ev_timer_start(d->loop, &d->balance);
}

/*
 * The next check's time, from the one just made (policy_balance_pace()):
 * sooner while free memory is near the mark or could not be read.
 */
static void balance_pace(struct daemon *d)
{
        uint64_t next = d->cfg->balance_interval_usec;
        bool asleep = d->pace.asleep;
        struct sysmem m;

        if (engine_checked_sysmem(&d->engine, &m) == 0)
                next = policy_balance_pace(&d->pace, m.free_bytes, m.total_bytes,
                                           m.wmark.high_bytes + config_reserve_bytes(d->cfg, m.total_bytes),
                                           d->engine.now_usec(), d->cfg->balance_interval_usec,
                                           d->cfg->balance_idle_usec);
        else
                d->pace = (struct balance_pace){};
        if (d->pace.asleep != asleep)
                log_debug("Balancer: free memory %s its mark, next check in %s", d->pace.asleep ? "far above" : "near",
                          d->pace.asleep ? "idle_interval" : "interval");
        balance_every(d, next);
}

void daemon_wake_balancer(struct daemon *d, const char *why)
{
        if (!d->pace.asleep)
                return;
        d->pace.asleep = false;
        log_debug("Balancer woken by %s", why);
        balance_every(d, d->cfg->balance_interval_usec);
}

/*
 * Every balance interval, with the worker idle: re-read the cgroups' usage
 * and free memory, hold memory.low while a cgroup is over its soft limit,
 * and trim the cgroups over their soft limits when the machine is short
 * (engine_balance()). A trigger's round, when one is waiting, goes first.
 */
static void on_balance(struct ev_loop *loop, ev_timer *t, int revents)
{
        struct daemon *d = container_of(t, struct daemon, balance);
        struct job job = { .kind = JOB_BALANCE,
                           .trim = policy_backoff_allows(&d->balance_backoff, d->engine.now_usec()) };
        int r;

        if (d->worker.busy)
                return;
        for (size_t i = 0; i < d->n_scopes; i++)
                if (d->scopes[i].pending)
                        return;
        /*
         * Read and hold on the loop, while the worker is idle: an idle machine
         * costs a read per cgroup and one sysinfo() an interval, and no
         * thread wakes. The worker gets a job only to trim.
         */
        r = engine_balance_check(&d->engine, d->cfg, job.trim, NULL, NULL);
        report_floors(d);
        balance_pace(d);
        /* The check may also have found holds someone wrote over (verify_holds()). */
        if (d->protected != engine_count_protected(&d->engine) || d->clamped != engine_count_clamped(&d->engine)) {
                d->protected = engine_count_protected(&d->engine);
                d->clamped = engine_count_clamped(&d->engine);
                report_status(d);
        }
        if (r < 0)
                log_error_errno(r, "Failed to read the managed cgroups: %m");
        if (r <= 0)
                return;
        observe_round_begin(d, NULL, true);
        worker_submit(&d->worker, &job);
}

/* ---- the periodic tick: release clamps, follow globs, re-arm triggers ---- */

/*
 * The soft limits declared on the cgroups themselves, re-read with the
 * worker idle: at each tick, and after a round when the last reading is a
 * release_interval old, for under steady pressure the worker is rarely idle
 * at a tick. A clamp held below one raised since is raised to it.
 */
static void follow_xattrs(struct daemon *d, bool at_tick)
{
        uint64_t now = d->engine.now_usec();

        if (!at_tick && d->xattrs_at_usec && now - d->xattrs_at_usec < d->cfg->release_interval_usec)
                return;
        d->xattrs_at_usec = now;
        if (engine_read_xattrs(&d->engine) < 0) {
                log_error_errno(-ENOMEM, "Failed to read the cgroups' own soft limits: %m");
        } else if (engine_fit_clamps(&d->engine, d->cfg) > 0) {
                d->clamped = engine_count_clamped(&d->engine);
                report_status(d);
        }
}

static void on_tick(struct ev_loop *loop, ev_timer *t, int revents)
{
        struct daemon *d = container_of(t, struct daemon, tick);
        struct job job = { .kind = JOB_RELEASE };
        uint64_t now, stall, prev = d->tick_stall_usec, since = d->tick_at_usec;
        bool clear;
        int r;

        scopes_arm(d);
        reload_follow_globs(d);
        if (d->worker.busy)
                return;
        follow_xattrs(d, true);
        /* The balancer's check, when it came with this tick, has just read it. */
        r = engine_system_stall(&d->engine, STALL_SHARED_USEC, &stall, &now);
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
        if (clear && r >= 0 && d->level != PRESSURE_LOW) {
                /* STATUS= says the last round's level: no round comes to say the pressure went. */
                d->level = PRESSURE_LOW;
                report_status(d);
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
 * What becomes of a state file that was not used whole (engine_restore()
 * keeps it aside, state_reject()): said after what was wrong with it.
 */
static const char *kept_as(const struct daemon *d, char *buf, size_t size)
{
        _cleanup_free_ char *next = NULL;

        if (d->dry_run)
                return "";
        if (d->engine.rejected_as)
                snprintf(buf, size, "; kept as %s", d->engine.rejected_as);
        else if (d->restore_only)
                snprintf(buf, size, "; left as it is");
        else if (state_reject_path(d->opt.state_file, &next) == 0)
                snprintf(buf, size, "; kept as %s before anything replaces it", next);
        else
                snprintf(buf, size, "; kept aside before anything replaces it");
        return buf;
}

/* The -EXDEV of restore_from_state(): a file of another cgroup root, or of a root not known. */
static void say_other_root(const struct daemon *d, const struct state *st)
{
        char kept[4096 + 64];

        if (!st->root)
                log_error("%s:%u: a #cgroup-root line reclaimd never writes: the root its paths are relative "
                          "to is not known, and nothing in it is applied%s", d->opt.state_file,
                          st->first_bad_line, kept_as(d, kept, sizeof(kept)));
        else if (d->dry_run)
                log_error("The state file %s records values changed under the cgroup root %s, not %s: its "
                          "paths name other cgroups here, and nothing in it is applied (a run that is not "
                          "dry puts them back under %s first)", d->opt.state_file, st->root,
                          d->opt.cgroup_root, st->root);
        else
                log_error("The state file %s records values changed under the cgroup root %s, not %s: its "
                          "paths name other cgroups here, and nothing in it is applied%s; reclaimd --restore "
                          "--state-file on that file puts them back under %s", d->opt.state_file, st->root,
                          d->opt.cgroup_root, kept_as(d, kept, sizeof(kept)), st->root);
}

/*
 * Puts back the values a previous run changed and did not restore (it was
 * killed). Returns 0, or why something on record could not be used: the
 * file's error, or -EBADMSG for lines or a header it does not know (said).
 */
static int restore_from_state(struct daemon *d)
{
        char kept[4096 + 64];   /* a path of PATH_MAX, and the words */
        struct state st;
        int r;

        r = engine_restore(&d->engine, &st);
        if (r == -ENOENT && st.n == 0 && !st.bad_lines && !st.no_header)
                return 0;
        if (r == -EPERM && st.untrusted)
                log_error("Refusing the state file %s: it belongs to uid %u, not to uid %u that reclaimd runs "
                          "as; whoever writes it chooses what reclaimd writes to any cgroup: nothing in it is "
                          "applied%s", d->opt.state_file, (unsigned)st.owner, (unsigned)geteuid(),
                          kept_as(d, kept, sizeof(kept)));
        else if (r == -EACCES && st.untrusted)
                log_error("Refusing the state file %s: its group or others may write it (mode %04o); whoever "
                          "writes it chooses what reclaimd writes to any cgroup: nothing in it is applied%s",
                          d->opt.state_file, (unsigned)(st.mode & 07777), kept_as(d, kept, sizeof(kept)));
        else if (r == -EXDEV)
                say_other_root(d, &st);
        else if (r < 0 && r != -ENOENT)
                log_error_errno(r, "Cannot read the state file %s: %s; values a previous run changed "
                                "cannot be restored, ignoring%s", d->opt.state_file,
                                r == -EBADMSG ? "not a regular text file of at most 64 MiB" :
                                r == -ELOOP ? "a symbolic link, not followed" : strerror(-r),
                                r == -EBADMSG && S_ISREG(st.mode) ? kept_as(d, kept, sizeof(kept)) : "");
        else if (st.no_header)
                log_warning("%s is not a reclaimd state file (empty, or another format): nothing in it "
                            "is applied%s", d->opt.state_file, kept_as(d, kept, sizeof(kept)));
        else if (st.bad_lines)
                log_warning("%s:%u: %u malformed line(s) in the state file%s, not applied%s",
                            d->opt.state_file, st.first_bad_line, st.bad_lines,
                            st.truncated ? " (the last one cut short)" : "", kept_as(d, kept, sizeof(kept)));
        else if (r == 0 && (d->engine.reject_pending || d->engine.rejected_as))
                /* keep_record() out of memory: the record lives on in the file kept aside. */
                log_error("Out of memory keeping a value of %s that could not be put back%s; reclaimd "
                          "--restore --state-file on it puts back what it holds", d->opt.state_file,
                          kept_as(d, kept, sizeof(kept)));
        if (r == 0 && (st.no_header || st.bad_lines))
                r = -EBADMSG;
        state_clear(&st);
        /* A memory.high kept on a managed cgroup goes back as a clamp does, once the pressure clears. */
        d->clamped = engine_count_clamped(&d->engine);
        return r;
}

/*
 * One run per state file (state_lock()). A dry run writes none and leaves
 * the one it finds, so it runs beside a real one; what that one holds is its
 * own, not left by a crash, so the dry run does not read the file then. A
 * lock that cannot be taken for another reason than a holder costs only
 * that protection.
 */
static int lock_state(struct daemon *d)
{
        int r;

        if (d->dry_run && d->opt.state_file && state_locked(d->opt.state_file) > 0) {
                log_notice("Another reclaimd runs with the state file %s: what it holds is its own, and this dry "
                           "run does not read it", d->opt.state_file);
                d->opt.state_file = NULL;
        }
        if (d->dry_run || !d->opt.state_file)
                return 0;
        r = state_lock(d->opt.state_file);
        if (r == -EBUSY)
                return log_error_errno(r, "Another reclaimd runs with the state file %s (its lock %s.lock is "
                                       "held): a second would undo what it holds; not starting",
                                       d->opt.state_file, d->opt.state_file);
        if (r < 0) {
                log_warning_errno(r, "Cannot lock the state file %s.lock: %m; a second reclaimd on it would "
                                  "not be stopped, ignoring", d->opt.state_file);
                return 0;
        }
        d->state_lock_fd = r;
        return 0;
}

int daemon_init(struct daemon *d, struct config *cfg, struct backend *be,
                const struct daemon_options *opt)
{
        struct engine_observer obs;
        int r;

        *d = (struct daemon){ .cfg = cfg, .be = be, .dry_run = opt->dry_run, .opt = *opt,
                              .state_lock_fd = -1, .repeat_interval_usec = REPEAT_INTERVAL_USEC };
        /*
         * A log written to a pipe whose reader went (reclaimd 2>&1 | head, or a
         * tee ended with ^C) must not end the process before it puts back what
         * it holds: EPIPE is the log's to ignore. systemd ignores SIGPIPE for
         * its services already (IgnoreSIGPIPE=yes); a run by hand has no one to.
         */
        signal(SIGPIPE, SIG_IGN);
        r = lock_state(d);
        if (r < 0)
                return r;
        report_observer(d, &obs);
        observe_init(d);
        d->loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
        if (!d->loop)
                return log_error_errno(-ENOMEM, "Failed to create the event loop");
        r = engine_init(&d->engine, be, cfg, d->dry_run, &obs, NULL);
        d->engine.state_file = d->opt.state_file;
        d->engine.root = d->opt.cgroup_root;
        if (r < 0)
                return log_error_errno(r, "Failed to set up the reclaim engine: %m");
        /*
         * The signals are caught before the restore: one that comes during it
         * waits for the loop, which then stops at once, rather than ending the
         * process with the values half put back.
         */
        ev_signal_init(&d->sigterm, on_stop_signal, SIGTERM);
        ev_signal_init(&d->sigint, on_stop_signal, SIGINT);
        ev_signal_init(&d->sighup, on_reload_signal, SIGHUP);
        ev_signal_start(d->loop, &d->sigterm);
        ev_signal_start(d->loop, &d->sigint);
        ev_signal_start(d->loop, &d->sighup);
        /* Before anything else that can fail: a start that fails still puts back what a killed run held. */
        (void) restore_from_state(d);   /* said; the run goes on, keeping what it could not use */
        report_floors(d);
        for (size_t i = 0; i < cfg->n_cgroups; i++)
                d->has_globs |= cgpath_is_glob(cfg->cgroups[i].path);
        r = scopes_setup(d);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the reclaim engine: %m");
        report_nofile(d);
        ev_init(&d->tick, on_tick);
        ev_init(&d->balance, on_balance);
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
        char absent_text[64] = "";
        size_t absent;
        int r, over;

        over = engine_refresh(&d->engine);
        report_floors(d);
        if (over < 0)
                return log_error_errno(over, "Failed to read the managed cgroups: %m");
        absent = report_absent(d);
        report_own(d);
        if (absent)
                snprintf(absent_text, sizeof(absent_text), " (%zu not there yet)", absent);
        if (uname(&uts) < 0)
                snprintf(uts.release, sizeof(uts.release), "unknown");
        engine_probe(&d->engine, uts.release);
        report_capabilities(d, uts.release);
        r = scope_arm(d, &d->scopes[0]);
        if (r < 0)
                return log_error_errno(r, "Failed to arm the PSI trigger on /proc/pressure/memory: %m%s",
                                       scope_arm_hint(r));
        scopes_arm(d);
        ev_timer_set(&d->tick, 0., (double)d->cfg->release_interval_usec / 1e6);
        ev_timer_again(d->loop, &d->tick);
        ev_timer_set(&d->balance, 0., (double)d->cfg->balance_interval_usec / 1e6);
        ev_timer_again(d->loop, &d->balance);
        start_watchdog(d);
        observe_start(d);
        bus_start(d);
        log_event(LOG_INFO, LOG_EV_STARTED,
                  LOG_FIELDS(LOG_U64(CGROUPS, d->engine.n_cgroups), LOG_U64(DRY_RUN, d->dry_run)),
                  "Started: %zu cgroup%s managed%s, %zu trigger%s%s", d->engine.n_cgroups,
                  d->engine.n_cgroups == 1 ? "" : "s", absent_text, d->n_scopes, d->n_scopes == 1 ? "" : "s",
                  d->dry_run ? ", dry run: nothing will be written" : "");
        snprintf(status, sizeof(status), "Watching %zu cgroups, %d over their soft limit",
                 d->engine.n_cgroups, over);
        notify_ready(status);
        ev_run(d->loop, 0);
        return 0;
}

/* What reclaimd still holds: managed cgroups' values, and the ancestors' and kept records'. */
static size_t count_held(struct engine *e)
{
        return engine_count_clamped(e) + engine_count_protected(e) + hierarchy_held(e);
}

int daemon_done(struct daemon *d)
{
        size_t still = 0;

        /* reclaimctl hears at once that reclaimd is stopping, not after a write in flight ends. */
        if (d->loop)
                bus_stop(d);
        worker_stop(&d->worker);
        if (d->loop) {
                report_flush(d);
                observe_done(d);
                scopes_stop(d);
                ev_timer_stop(d->loop, &d->tick);
                ev_timer_stop(d->loop, &d->balance);
                ev_timer_stop(d->loop, &d->watchdog);
        }
        if (d->engine.be) {
                /* Nothing stays as reclaimd set it: memory.high and memory.low go back. */
                if (count_held(&d->engine) > 0)
                        engine_release(&d->engine, d->cfg, true);
                report_floors(d);
                still = count_held(&d->engine);
                if (still > 0)
                        log_error("%zu cgroup%s still hold%s a value reclaimd set and could not put back; "
                                  "it stays on record in %s for the next start", still, still == 1 ? "" : "s",
                                  still == 1 ? "s" : "", d->opt.state_file ?: "(no state file)");
                engine_done(&d->engine);
        }
        /*
         * The signals' watchers go last: libev puts a signal back to its
         * default action when its last watcher stops, and a second SIGTERM
         * (^C twice, a repeated kill) would then have ended the process with
         * the values above still held.
         */
        if (d->loop) {
                ev_signal_stop(d->loop, &d->sigterm);
                ev_signal_stop(d->loop, &d->sigint);
                ev_signal_stop(d->loop, &d->sighup);
        }
        backend_free(d->be);
        config_free(d->cfg);
        config_free(d->reload_cfg);
        if (d->state_lock_fd >= 0)
                close(d->state_lock_fd);   /* after the restore: the next run may start */
        *d = (struct daemon){ .state_lock_fd = -1 };
        return still > 0 ? -EBUSY : 0;
}

int daemon_restore_only(struct backend *be, const struct daemon_options *opt, const char *why)
{
        struct config_errors errs = {};
        struct engine_observer obs;
        struct config *cfg = NULL;
        struct daemon d;
        int r, k;

        r = config_load_string("", "(none)", &cfg, &errs);   /* the defaults: no cgroup managed */
        config_errors_clear(&errs);
        d = (struct daemon){ .cfg = cfg, .be = be, .opt = *opt, .state_lock_fd = -1, .restore_only = true };
        signal(SIGPIPE, SIG_IGN);
        if (r >= 0 && (r = lock_state(&d)) < 0) {
                (void) daemon_done(&d);   /* lock_state() said why */
                return r;
        }
        if (r >= 0) {
                /* Said once the file is known to be no running reclaimd's. */
                log_notice("%sPutting back what a previous run left on record in %s%s%s", why, opt->state_file,
                           opt->cgroup_root ? " under " : "", opt->cgroup_root ?: "");
                report_observer(&d, &obs);
                r = engine_init(&d.engine, be, cfg, false, &obs, NULL);
                d.engine.state_file = opt->state_file;
                d.engine.root = opt->cgroup_root;
                if (r < 0)
                        log_error_errno(r, "Cannot put back what a previous run left in %s: %m", opt->state_file);
        }
        if (r >= 0)
                r = restore_from_state(&d);   /* what it could not use, said, fails the restore */
        k = daemon_done(&d);
        return r < 0 ? r : k;
}
