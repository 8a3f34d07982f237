/* Reports what the engine did as structured log records and as systemd's STATUS= line. */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "report.h"
#include "state.h"
#include "units.h"

const char *scope_name(const struct scope *s)
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

/* What the engine reports, called on the worker thread. */

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

void report_status(struct daemon *d)
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

void report_round(const struct scope *s, const struct scan_control *sc, int v)
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

void report_backoff(struct daemon *d, struct scope *s, const struct scan_control *sc)
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

void report_capabilities(const struct daemon *d, const char *release)
{
        log_info("Kernel %s: memory.reclaim swappiness= argument %s; memory.high O_NONBLOCK %s",
                 release, d->engine.caps.reclaim_swappiness ? "supported" :
                 "not supported (anonymous memory may go to swap at every priority)",
                 d->engine.caps.high_nonblock ? "honoured" :
                 "not honoured (a lowered memory.high reclaims in the writer: on the reclaim thread)");
}

void report_observer(struct daemon *d, struct engine_observer *ret)
{
        *ret = (struct engine_observer){
                .step = on_step,
                .cgroup_gone = on_cgroup_gone,
                .cgroup_error = on_cgroup_error,
                .persist = on_persist,
                .released = on_released,
                .userdata = d,
        };
}
