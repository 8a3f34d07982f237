/* The reclaim engine: keeps the managed cgroups' readings and carries out rounds through a backend. */
#include "autoconfig.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "config.h"
#include "engine.h"
#include "log.h"
#include "util.h"

int engine_init(struct engine *e, struct backend *be, const struct config *cfg, bool dry_run,
                const struct engine_observer *obs)
{
        *e = (struct engine){ .be = be, .dry_run = dry_run };
        RB_INIT(&e->tree);
        if (obs)
                e->obs = *obs;
        e->cgroups = calloc(cfg->n_cgroups ?: 1, sizeof(*e->cgroups));
        if (!e->cgroups)
                return -ENOMEM;
        for (size_t i = 0; i < cfg->n_cgroups; i++) {
                struct cgroup *cg = &e->cgroups[i];

                cg->path = strdup(cfg->cgroups[i].path);
                if (!cg->path) {
                        engine_done(e);
                        return -ENOMEM;
                }
                cg->soft_limit_bytes = cfg->cgroups[i].soft_limit_bytes;
                e->n_cgroups++;
        }
        return 0;
}

void engine_done(struct engine *e)
{
        for (size_t i = 0; i < e->n_cgroups; i++) {
                e->be->ops->close_cgroup(e->be, e->cgroups[i].be);
                free(e->cgroups[i].path);
        }
        free(e->cgroups);
        *e = (struct engine){};
}

static bool is_gone(int r)
{
        return r == -ENOENT || r == -ENODEV;
}

/* The cgroup was removed: close it, unrank it, and tell the daemon once. */
static void forget(struct engine *e, struct cgroup *cg, int err)
{
        excess_tree_remove(&e->tree, cg);
        e->be->ops->close_cgroup(e->be, cg->be);
        cg->be = NULL;
        cg->current_bytes = cg->excess_bytes = 0;
        if (e->obs.cgroup_gone)
                e->obs.cgroup_gone(e->obs.userdata, cg->path, err);
}

static int refresh_one(struct engine *e, struct cgroup *cg)
{
        uint64_t current;
        int r;

        if (!cg->be) {
                r = e->be->ops->open_cgroup(e->be, cg->path, &cg->be);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        log_debug("cgroup %s not available: %s", cg->path, strerror(-r));
                        return 0;
                }
        }
        r = backend_read_u64(e->be, cg->be, CG_MEMORY_CURRENT, &current);
        if (r < 0) {
                forget(e, cg, r);
                return r == -ENOMEM ? r : 0;
        }
        cg->visited_pass = 0;
        excess_tree_update(&e->tree, cg, current);
        return cg->in_tree;
}

int engine_refresh(struct engine *e)
{
        int over = 0;

        for (size_t i = 0; i < e->n_cgroups; i++) {
                int r = refresh_one(e, &e->cgroups[i]);

                if (r < 0)
                        return r;
                over += r;
        }
        return over;
}

/* Writes memory.reclaim and measures what it freed. Returns the write's result. */
static int do_step(struct engine *e, struct scan_control *sc, struct cgroup *cg, uint64_t bytes)
{
        struct engine_step step = {
                .path = cg->path,
                .soft_limit_bytes = cg->soft_limit_bytes,
                .requested_bytes = bytes,
                .current_before = cg->current_bytes,
                .priority = sc->priority,
                .dry_run = e->dry_run,
        };
        uint64_t after;
        char val[32];
        int r = 0, rr;

        if (e->dry_run) {
                after = cg->current_bytes - bytes;
        } else {
                snprintf(val, sizeof(val), "%" PRIu64, bytes);
                r = e->be->ops->write(e->be, cg->be, CG_MEMORY_RECLAIM, val);
                rr = is_gone(r) ? r : backend_read_u64(e->be, cg->be, CG_MEMORY_CURRENT, &after);
                if (rr < 0) {
                        step.result = rr;
                        if (e->obs.step)
                                e->obs.step(e->obs.userdata, &step);
                        forget(e, cg, rr);
                        return rr;
                }
        }
        step.result = r;
        step.current_after = after;
        step.reclaimed_bytes = policy_account(sc, &e->tree, cg, bytes, after);
        if (e->obs.step)
                e->obs.step(e->obs.userdata, &step);
        return r;
}

int engine_round(struct engine *e, const struct config *cfg, struct scan_control *sc)
{
        enum policy_verdict v;
        struct cgroup *cg;
        uint64_t bytes;
        int r;

        scan_control_init(sc, cfg);
        r = engine_refresh(e);
        if (r < 0)
                return r;
        while ((v = policy_next(sc, &e->tree, &cg, &bytes)) == POLICY_STEP) {
                r = do_step(e, sc, cg, bytes);
                if (r == -ENOMEM)
                        return r;
        }
        return (int)v;
}
