/* Arms the PSI triggers of the system and of the cgroups that have one, and keeps them armed. */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "psi.h"
#include "report.h"
#include "scopes.h"
#include "units.h"
#include "util.h"

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
                log_debug("The trigger on %s reports its cgroup removed, or its PSI turned off; closing it",
                          scope_name(s));
                psi_watch_stop(w, d->loop);
                scopes_arm(d);
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
static int trigger_cgroup(struct daemon *d, const struct scope *s, struct cgroup **ret)
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
        *ret = c;
        return 0;
}

/*
 * Arms a scope's trigger. Unprivileged writers may only use windows that are
 * multiples of 2s (psi_trigger_create() since 6.5): on EINVAL such a window
 * is rounded up and tried once more, and from then on for this scope.
 */
int scope_arm(struct daemon *d, struct scope *s)
{
        struct psi_trigger t = *s->trigger;
        struct backend_cgroup *cg = NULL;
        struct cgroup *c = NULL;
        char text[64];
        int fd, r;

        if (s->path) {
                r = trigger_cgroup(d, s, &c);
                if (r < 0)
                        return r;
                cg = c->be;
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
        /*
         * The cgroup is there (trigger_cgroup()) but not its memory.pressure:
         * PSI is off for it (cgroup.pressure = 0), not a cgroup yet to come;
         * unless it was removed in between, which a read of its
         * cgroup.events tells.
         */
        if (fd == -ENOENT && c && !is_gone(engine_cgroup_populated(&d->engine, c)))
                fd = -ENODATA;
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

const char *scope_arm_hint(int err)
{
        /* psi_open() and cgroup_pressure_open() before 6.5: no trigger at all without it. */
        if (err == -EPERM)
                return " (before 6.5 the kernel arms a PSI trigger only for a writer with "
                       "CAP_SYS_RESOURCE: the unit's CapabilityBoundingSet= must keep it)";
        /* cgroup_pressure_write(): 0 in cgroup.pressure hides the cgroup's pressure files. */
        return err == -ENODATA ? " (the cgroup has no memory.pressure: its cgroup.pressure is 0, which turns "
                                 "PSI off for it)" : "";
}

/*
 * Arms the triggers not armed yet: a cgroup may have appeared, a refusal may
 * have passed. A trigger the kernel refuses is retried every tick, and its
 * error told once (until it changes or the trigger is armed). A cgroup that
 * does not exist (yet), has just appeared or is empty is not an error: its
 * trigger waits (trigger_cgroup()). The cgroups' triggers also wait while a
 * round runs, the engine being the worker's then, until the job ends: under
 * steady pressure rounds run back to back, and one left for the next tick
 * would find the worker busy again, a restarted service's trigger lost for
 * as long as the pressure lasts.
 */
void scopes_arm(struct daemon *d)
{
        d->arm_deferred = false;
        for (size_t i = 0; i < d->n_scopes; i++) {
                struct scope *s = &d->scopes[i];
                int r;

                if (s->psi.epoll_fd >= 0)
                        continue;
                if (s->path && d->worker.busy) {
                        d->arm_deferred = true;   /* at the job's end (on_job_done()) */
                        continue;
                }
                r = scope_arm(d, s);
                if ((r == -ENOENT || r == -EAGAIN) && s->path)
                        r = 0;   /* not there (yet), or just appeared */
                if (r < 0)
                        log_full_errno(r == s->arm_error ? LOG_DEBUG : s->path ? LOG_WARNING : LOG_ERR, r,
                                       "Failed to arm the PSI trigger on %s: %m%s, retrying every "
                                       "release_interval", s->path ? s->path : "/proc/pressure/memory",
                                       scope_arm_hint(r));
                s->arm_error = r;
        }
}

/* The system scope, then one per managed cgroup whose section has a trigger. */
int scopes_setup(struct daemon *d)
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

void scopes_stop(struct daemon *d)
{
        for (size_t i = 0; i < d->n_scopes; i++)
                psi_watch_stop(&d->scopes[i].psi, d->loop);
        free(d->scopes);
        d->scopes = NULL;
        d->n_scopes = 0;
}

static bool same_trigger(const struct psi_trigger *a, const struct psi_trigger *b)
{
        return a->kind == b->kind && a->stall_usec == b->stall_usec && a->window_usec == b->window_usec;
}

/*
 * Hands the old scopes over to the new scopes that watch the same place:
 * their counters, backoff and held-back repeats always (the metrics'
 * counters must not go back to 0 because a trigger's stall was tuned, nor a
 * reload skip a cooldown), and the armed trigger when it is the same one.
 * Arming again is work for the kernel (psi_trigger_create() starts a psimon
 * thread for a privileged trigger's group) and a chance to race a removal
 * (see trigger_cgroup()); and the glob sections rebuild the scopes whenever
 * a matching cgroup comes or goes. A scope with no successor says its
 * held-back rounds before it goes.
 */
void scopes_takeover(struct daemon *d, struct scope *old, size_t n_old)
{
        for (size_t i = 0; i < n_old; i++) {
                struct scope *o = &old[i], *s = NULL;

                for (size_t k = 0; k < d->n_scopes && !s; k++)
                        if (streq_ptr(d->scopes[k].path, o->path))
                                s = &d->scopes[k];
                if (s) {
                        s->backoff = o->backoff;
                        s->pending = o->pending;
                        s->rounds = o->rounds;
                        s->coalesced = o->coalesced;
                        s->repeat = o->repeat;
                        s->fires = o->fires;
                        s->last = o->last;
                } else {
                        report_flush_scope(d, o);
                        d->repeats_gone_total += o->repeat.suppressed_total;
                }
                if (s && o->psi.epoll_fd >= 0 && same_trigger(s->trigger, o->trigger)) {
                        psi_watch_move(&s->psi, &o->psi, d->loop);
                        s->window_rounded = o->window_rounded;
                }
                psi_watch_stop(&o->psi, d->loop);
        }
        free(old);
}

