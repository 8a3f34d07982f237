/* The daemon object: its configuration, backend, engine and event-loop watchers. */
#include "autoconfig.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "psi.h"
#include "units.h"

static const char *result_name(int r)
{
        if (r == 0)
                return "ok";
        if (r == -EAGAIN)
                return "partial";   /* memory.reclaim freed less than asked: normal */
        return strerrorname_np(-r) ?: "error";
}

static void on_step(void *userdata, const struct engine_step *s)
{
        char req[FORMAT_SIZE_MAX], got[FORMAT_SIZE_MAX];

        log_event(s->result == 0 || s->result == -EAGAIN ? LOG_INFO : LOG_WARNING, LOG_EV_RECLAIM,
                  LOG_FIELDS(LOG_STR(CGROUP, s->path),
                             LOG_U64(REQUESTED, s->requested_bytes),
                             LOG_U64(RECLAIMED, s->reclaimed_bytes),
                             LOG_U64(PRIORITY, (uint64_t)s->priority),
                             LOG_U64(SOFT_LIMIT, s->soft_limit_bytes),
                             LOG_U64(CURRENT, s->current_after),
                             LOG_STR(RESULT, result_name(s->result)),
                             LOG_U64(DRY_RUN, s->dry_run)),
                  "%s %s from %s at priority %d, freed %s",
                  s->dry_run ? "Would reclaim" : "Reclaimed",
                  format_size(req, sizeof(req), s->requested_bytes), s->path, s->priority,
                  format_size(got, sizeof(got), s->reclaimed_bytes));
}

static void on_cgroup_gone(void *userdata, const char *path, int err)
{
        log_event(LOG_NOTICE, LOG_EV_CGROUP_GONE,
                  LOG_FIELDS(LOG_STR(CGROUP, path), LOG_STR(RESULT, result_name(err))),
                  "Cgroup %s disappeared, dropped from the round", path);
}

static const char *verdict_name(int v)
{
        switch (v) {
        case POLICY_DONE_TARGET:
                return "target_met";
        case POLICY_DONE_NONE_OVER:
                return "none_over";
        case POLICY_DONE_EXHAUSTED:
                return "exhausted";
        default:
                return "error";
        }
}

static void log_round_end(struct daemon *d, const struct scan_control *sc, int verdict)
{
        char got[FORMAT_SIZE_MAX], want[FORMAT_SIZE_MAX];

        format_size(got, sizeof(got), sc->nr_reclaimed);
        format_size(want, sizeof(want), sc->nr_to_reclaim);
        log_event(LOG_INFO, LOG_EV_ROUND_END,
                  LOG_FIELDS(LOG_STR(SCOPE, "system"),
                             LOG_U64(ROUND, d->rounds),
                             LOG_U64(TARGET, sc->nr_to_reclaim),
                             LOG_U64(REQUESTED, sc->nr_requested),
                             LOG_U64(RECLAIMED, sc->nr_reclaimed),
                             LOG_U64(PRIORITY, (uint64_t)sc->priority),
                             LOG_U64(STEPS, sc->nr_steps),
                             LOG_STR(RESULT, verdict_name(verdict))),
                  "Round done: freed %s of %s in %u steps, priority %d", got, want,
                  sc->nr_steps, sc->priority);
        if (verdict == POLICY_DONE_EXHAUSTED)
                /* do_try_to_free_pages() would return 0 and the kernel would OOM: we never kill. */
                log_event(LOG_CRIT, LOG_EV_EXHAUSTED,
                          LOG_FIELDS(LOG_STR(SCOPE, "system"),
                                     LOG_U64(RECLAIMED, sc->nr_reclaimed),
                                     LOG_U64(TARGET, sc->nr_to_reclaim)),
                          "reclaim exhausted: priority 0 passed with %s of %s freed; "
                          "leaving any kill to the kernel or systemd-oomd", got, want);
}

static void run_round(struct daemon *d)
{
        struct scan_control sc;
        int r;

        d->rounds++;
        log_event(LOG_INFO, LOG_EV_TRIGGER,
                  LOG_FIELDS(LOG_STR(SCOPE, "system"), LOG_U64(ROUND, d->rounds)),
                  "Memory pressure trigger fired, starting round %u", d->rounds);
        r = engine_round(&d->engine, d->cfg, &sc);
        if (r < 0) {
                log_error_errno(r, "Reclaim round failed: %m");
                return;
        }
        d->reclaimed_total_bytes += sc.nr_reclaimed;
        log_round_end(d, &sc, r);
}

static void on_system_pressure(struct psi_watch *w, bool gone)
{
        struct daemon *d = container_of(w, struct daemon, system_psi);

        if (gone) {
                /* /proc/pressure/memory does not go away; this is not expected. */
                log_error("The system PSI trigger reported an error; rearming on the next start");
                psi_watch_stop(w, d->loop);
                return;
        }
        run_round(d);
}

static void on_stop_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
        log_event(LOG_INFO, LOG_EV_STOPPING, LOG_FIELDS(LOG_STR(SIGNAL, sigabbrev_np(w->signum))),
                  "Received %s, stopping", strsignal(w->signum));
        notify_stopping();
        ev_break(loop, EVBREAK_ALL);
}

int daemon_init(struct daemon *d, struct config *cfg, struct backend *be, bool dry_run)
{
        static const struct engine_observer obs = {
                .step = on_step,
                .cgroup_gone = on_cgroup_gone,
        };
        int r;

        *d = (struct daemon){ .cfg = cfg, .be = be, .dry_run = dry_run };
        psi_watch_init(&d->system_psi);
        d->loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
        if (!d->loop)
                return log_error_errno(-ENOMEM, "Failed to create the event loop");
        r = engine_init(&d->engine, be, cfg, dry_run, &obs);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the reclaim engine: %m");
        d->engine.obs.userdata = d;
        ev_signal_init(&d->sigterm, on_stop_signal, SIGTERM);
        ev_signal_init(&d->sigint, on_stop_signal, SIGINT);
        ev_signal_start(d->loop, &d->sigterm);
        ev_signal_start(d->loop, &d->sigint);
        return 0;
}

static int arm_system_trigger(struct daemon *d)
{
        char kernel[64], text[64];
        int fd, r;

        r = psi_trigger_format(&d->cfg->trigger, kernel, sizeof(kernel));
        if (r < 0)
                return log_error_errno(r, "Failed to format the PSI trigger: %m");
        psi_trigger_to_string(&d->cfg->trigger, text, sizeof(text));
        fd = d->be->ops->open_trigger(d->be, NULL, kernel);
        if (fd < 0)
                return log_error_errno(fd, "Failed to arm the PSI trigger \"%s\" on "
                                       "/proc/pressure/memory: %m", text);
        r = psi_watch_start(&d->system_psi, d->loop, fd, on_system_pressure);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the PSI trigger: %m");
        log_event(LOG_INFO, LOG_EV_STARTED,
                  LOG_FIELDS(LOG_STR(TRIGGER, text), LOG_U64(CGROUPS, d->engine.n_cgroups),
                             LOG_U64(DRY_RUN, d->dry_run)),
                  "Watching memory pressure (%s) for %zu cgroups%s", text, d->engine.n_cgroups,
                  d->dry_run ? ", dry run: nothing will be written" : "");
        return 0;
}

int daemon_run(struct daemon *d)
{
        char status[128];
        int r;

        r = arm_system_trigger(d);
        if (r < 0)
                return r;
        r = engine_refresh(&d->engine);
        if (r < 0)
                return log_error_errno(r, "Failed to read the managed cgroups: %m");
        snprintf(status, sizeof(status), "Watching %zu cgroups, %d over their soft limit",
                 d->engine.n_cgroups, r);
        notify_ready(status);
        ev_run(d->loop, 0);
        return 0;
}

void daemon_done(struct daemon *d)
{
        if (d->loop) {
                psi_watch_stop(&d->system_psi, d->loop);
                ev_signal_stop(d->loop, &d->sigterm);
                ev_signal_stop(d->loop, &d->sigint);
        }
        if (d->engine.be)
                engine_done(&d->engine);
        backend_free(d->be);
        config_free(d->cfg);
        *d = (struct daemon){};
}
