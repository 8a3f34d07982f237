/* The reclaim engine: keeps the managed cgroups' readings and carries out rounds through a backend. */
#include "autoconfig.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "cgpath.h"
#include "config.h"
#include "engine.h"
#include "log.h"
#include "memstat.h"
#include "psi.h"
#include "util.h"

/*
 * A stall share measured over less than this is noise: a pass can take a few
 * milliseconds, in which no task happens to stall.
 */
#define RESOLVE_MIN_INTERVAL_USEC 100000

#define MEMORY_STAT_MAX 8192
#define RECLAIM_BATCH_PAGES 32   /* SWAP_CLUSTER_MAX: try_to_free_mem_cgroup_pages() frees no less */

uint64_t engine_clock_monotonic(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the paths of one section: itself, or what its glob matches now. */
static int expand_section(struct engine *e, const char *path, char ***v, size_t *n, size_t *cap)
{
        char **matches = NULL;
        int r = 0, k;

        if (cgpath_is_glob(path)) {
                k = e->be->ops->glob(e->be, path, &matches);
                if (k < 0)
                        return k == -ENOMEM ? k : 0;   /* a pattern that cannot be read matches nothing */
        } else {
                k = 1;
        }
        for (int i = 0; i < k && r == 0; i++) {
                const char *p = matches ? matches[i] : path;

                if (*n == *cap) {
                        char **nv = reallocarray(*v, *cap * 2 + 16, sizeof(**v));

                        if (!nv) {
                                r = -ENOMEM;
                                break;
                        }
                        *v = nv;
                        *cap = *cap * 2 + 16;
                }
                if (!((*v)[*n] = strdup(p)))
                        r = -ENOMEM;
                else
                        (*n)++;
        }
        backend_strv_free(matches);
        return r;
}

/* Every cgroup cfg manages now: its exact paths and its globs' matches, sorted, unique. */
static int expand(struct engine *e, const struct config *cfg, char ***ret, size_t *ret_n)
{
        char **v = NULL;
        size_t n = 0, cap = 0, u = 0;
        int r = 0;

        for (size_t i = 0; i < cfg->n_cgroups && r == 0; i++)
                r = expand_section(e, cfg->cgroups[i].path, &v, &n, &cap);
        if (r < 0) {
                while (n > 0)
                        free(v[--n]);
                free(v);
                return r;
        }
        if (n)
                qsort(v, n, sizeof(*v), cmp_str);
        for (size_t i = 0; i < n; i++) {
                if (u > 0 && streq(v[u - 1], v[i]))
                        free(v[i]);
                else
                        v[u++] = v[i];
        }
        *ret = v;
        *ret_n = u;
        return 0;
}

int engine_init(struct engine *e, struct backend *be, const struct config *cfg, bool dry_run,
                const struct engine_observer *obs, uint64_t (*now_usec)(void))
{
        char **paths = NULL;
        size_t n = 0;
        int r;

        *e = (struct engine){ .be = be, .dry_run = dry_run, .now_usec = now_usec ?: engine_clock_monotonic };
        RB_INIT(&e->tree);
        if (obs)
                e->obs = *obs;
        r = expand(e, cfg, &paths, &n);
        if (r < 0)
                return r;
        e->cgroups = calloc(n ?: 1, sizeof(*e->cgroups));
        e->prop = calloc(n ?: 1, sizeof(*e->prop));
        if (!e->cgroups || !e->prop) {
                for (size_t i = 0; i < n; i++)
                        free(paths[i]);
                free(paths);
                engine_done(e);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                struct cgroup *cg = &e->cgroups[i];

                cg->path = paths[i];   /* ownership moves */
                cg->conf = config_match(cfg, cg->path);
                cg->soft_limit_bytes = cg->conf ? cg->conf->soft_limit_bytes : UINT64_MAX;
        }
        e->n_cgroups = n;
        free(paths);
        return 0;
}

bool engine_set_changed(struct engine *e, const struct config *cfg)
{
        char **paths = NULL;
        size_t n = 0;
        bool changed;

        if (expand(e, cfg, &paths, &n) < 0)
                return false;
        changed = n != e->n_cgroups;
        for (size_t i = 0; i < n; i++) {
                changed |= !changed && !streq(paths[i], e->cgroups[i].path);
                free(paths[i]);
        }
        free(paths);
        return changed;
}

void engine_done(struct engine *e)
{
        for (size_t i = 0; i < e->n_cgroups; i++) {
                e->be->ops->close_cgroup(e->be, e->cgroups[i].be);
                free(e->cgroups[i].path);
        }
        free(e->cgroups);
        free(e->prop);
        *e = (struct engine){};
}

int engine_count_clamped(const struct engine *e)
{
        int n = 0;

        for (size_t i = 0; i < e->n_cgroups; i++)
                n += e->cgroups[i].clamped;
        return n;
}

static int cmp_path(const void *key, const void *elem)
{
        return strcmp(key, ((const struct cgroup *)elem)->path);
}

struct cgroup *engine_find(struct engine *e, const char *path)
{
        /* The cgroups are sorted by path (engine_init()). */
        return e->n_cgroups ? bsearch(path, e->cgroups, e->n_cgroups, sizeof(*e->cgroups), cmp_path) : NULL;
}

bool kernel_release_at_least(const char *release, unsigned major, unsigned minor)
{
        unsigned a, b;

        if (!release || sscanf(release, "%u.%u", &a, &b) != 2)
                return false;
        return a > major || (a == major && b >= minor);
}

void engine_probe(struct engine *e, const char *release)
{
        /* The O_NONBLOCK memory.high write cannot be told apart by trying it: it always succeeds. */
        e->caps.high_nonblock = kernel_release_at_least(release, 6, 16);
        /*
         * memory.reclaim parses "swappiness=" only on newer kernels; older ones
         * refuse the whole write with EINVAL. Asking for 0 bytes frees nothing
         * either way. The root has no memory.current, so a managed cgroup that
         * exists is asked.
         */
        for (size_t i = 0; i < e->n_cgroups && !e->dry_run; i++)
                if (e->cgroups[i].be) {
                        e->caps.reclaim_swappiness = e->be->ops->write(e->be, e->cgroups[i].be,
                                                                       CG_MEMORY_RECLAIM, "0 swappiness=0") == 0;
                        return;
                }
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
        cg->clamped = false;   /* a new cgroup at that path starts with its own memory.high */
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
                cg->opens++;
        }
        r = backend_read_u64(e->be, cg->be, CG_MEMORY_CURRENT, &current);
        if (r == 0 && current == UINT64_MAX)
                r = -ERANGE;   /* "max" is a limit, never a usage */
        if (r < 0 && is_gone(r)) {
                forget(e, cg, r);
                return 0;
        }
        if (r < 0) {
                /* Kept, but out of this round: no decision on a reading that makes no sense. */
                excess_tree_remove(&e->tree, cg);
                if (r != cg->last_read_err && e->obs.cgroup_error)
                        e->obs.cgroup_error(e->obs.userdata, cg->path, CG_MEMORY_CURRENT, r);
                cg->last_read_err = r;
                return r == -ENOMEM ? r : 0;
        }
        cg->last_read_err = 0;
        cg->visited_pass = 0;
        cg->acted = false;
        cg->prop_fruitless = false;
        excess_tree_update(&e->tree, cg, current);
        return cg->in_tree;
}

int engine_refresh_cgroup(struct engine *e, struct cgroup *cg)
{
        int r = refresh_one(e, cg);

        /* A stale handle was just forgotten: the path may hold a new cgroup already. */
        if (r >= 0 && !cg->be)
                r = refresh_one(e, cg);
        if (r < 0)
                return r;
        return cg->be ? 0 : -ENOENT;
}

int engine_cgroup_populated(struct engine *e, struct cgroup *cg)
{
        char buf[256];
        uint64_t populated;
        ssize_t n;
        int r;

        if (!cg->be)
                return -ENOENT;
        n = e->be->ops->read(e->be, cg->be, CG_CGROUP_EVENTS, buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        r = memstat_get(buf, "populated", &populated);   /* the same "key value" lines */
        if (r < 0)
                return r;
        return populated != 0;
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

/* memory.min and memory.low of a cgroup the round may take from. A failed read protects. */
static void read_protection(struct engine *e, struct cgroup *cg, bool low)
{
        if (backend_read_u64(e->be, cg->be, CG_MEMORY_MIN, &cg->min_bytes) < 0)
                cg->min_bytes = UINT64_MAX;
        if (low && backend_read_u64(e->be, cg->be, CG_MEMORY_LOW, &cg->low_bytes) < 0)
                cg->low_bytes = UINT64_MAX;
}

/*
 * Reads what the round needs beyond memory.current: memory.min of the
 * cgroups over their soft limit; and, when none in scope is, memory.min and
 * memory.low of every cgroup in scope for the proportional pass, in its
 * visiting order.
 */
static void prepare_round(struct engine *e, struct scan_control *sc)
{
        bool any_over = false;
        struct cgroup *cg;
        size_t n = 0;

        RB_FOREACH(cg, excess_tree, &e->tree)
                if (cgroup_in_scope(cg->path, sc->scope)) {
                        read_protection(e, cg, false);
                        any_over = true;
                }
        if (any_over)
                return;
        for (size_t i = 0; i < e->n_cgroups; i++) {
                cg = &e->cgroups[i];
                if (!cg->be || !cgroup_in_scope(cg->path, sc->scope))
                        continue;
                read_protection(e, cg, true);
                e->prop[n++] = cg;
        }
        qsort(e->prop, n, sizeof(*e->prop), policy_prop_cmp);
        sc->prop = e->prop;
        sc->n_prop = n;
}

static int read_pressure(struct engine *e, struct backend_cgroup *cg, struct psi_stats *ret)
{
        char buf[512];
        ssize_t n;

        n = e->be->ops->read(e->be, cg, CG_MEMORY_PRESSURE, buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        return psi_parse(buf, ret);
}

int engine_pressure(struct engine *e, const char *scope, struct psi_stats *ret)
{
        struct cgroup *cg = scope ? engine_find(e, scope) : NULL;

        if (scope && (!cg || !cg->be))
                return -ENOENT;
        return read_pressure(e, cg ? cg->be : NULL, ret);
}

/* The "some" stall total of a pressure file (cg NULL: the system's), or -errno. */
static int read_some_total(struct engine *e, struct backend_cgroup *cg, uint64_t *ret_usec)
{
        struct psi_stats st;
        int r;

        r = read_pressure(e, cg, &st);
        if (r < 0)
                return r;
        *ret_usec = st.line[PSI_SOME].total_usec;
        return 0;
}

int engine_stall_usec(struct engine *e, const char *scope, uint64_t *ret_usec)
{
        struct cgroup *root = scope ? engine_find(e, scope) : NULL;
        uint64_t total, own;
        int r;

        if (scope && (!root || !root->be))
                return -ENOENT;
        r = read_some_total(e, root ? root->be : NULL, &total);
        if (r < 0)
                return r;
        /*
         * A cgroup held under a lowered memory.high stalls on it (its tasks are
         * throttled in mem_cgroup_handle_over_high()), and that stall is in the
         * scope's total too: left in, the clamp would keep the pressure it
         * answers alive forever. Cumulative totals subtract cleanly while the
         * set of clamped cgroups stays the same; when it changes, the result
         * moves backwards or jumps, and callers skip that interval.
         */
        for (size_t i = 0; i < e->n_cgroups; i++) {
                struct cgroup *cg = &e->cgroups[i];

                if (!cg->clamped || !cg->be || !cgroup_in_scope(cg->path, scope) || cg == root)
                        continue;
                r = read_some_total(e, cg->be, &own);
                if (r < 0 && !is_gone(r))
                        return r;   /* its throttling cannot be told from the pressure */
                if (r == 0)
                        total = total > own ? total - own : 0;
        }
        *ret_usec = total;
        return 0;
}

struct stall_clock {
        bool valid;
        uint64_t stall_usec, at_usec;
};

/* compaction_ready's analogue: has the stall share since the last reading fallen under resolve? */
static void check_resolved(struct engine *e, const struct config *cfg, struct scan_control *sc,
                           struct stall_clock *sclk)
{
        uint64_t stall, now = e->now_usec();

        if (!sclk->valid || now - sclk->at_usec < RESOLVE_MIN_INTERVAL_USEC)
                return;
        if (engine_stall_usec(e, sc->scope, &stall) < 0 || stall < sclk->stall_usec)
                return;
        sc->pressure_resolved = policy_pressure_resolved(stall - sclk->stall_usec, now - sclk->at_usec,
                                                         cfg->resolve_permyriad);
        sclk->stall_usec = stall;
        sclk->at_usec = now;
}

static void report(struct engine *e, const struct engine_step *step)
{
        if (e->obs.step)
                e->obs.step(e->obs.userdata, step);
}

/*
 * memory.high in pages, as the kernel keeps it: memory_high_write() stores
 * bytes / PAGE_SIZE, and a read gives back that many pages in bytes. A value
 * reclaimd writes is rounded up to a page (a clamp never goes below the soft
 * limit), so that what it records is what the kernel holds: a restart
 * compares the two before restoring.
 */
static uint64_t high_in_pages(uint64_t bytes)
{
        uint64_t p = page_bytes();

        if (bytes == UINT64_MAX || bytes > UINT64_MAX - p)
                return bytes;
        return (bytes + p - 1) / p * p;
}

static int persist(struct engine *e)
{
        return e->obs.persist ? e->obs.persist(e->obs.userdata, e) : 0;
}

/* Records memory.high's original value durably, then lowers it. Returns the write's result. */
static int clamp(struct engine *e, struct cgroup *cg, uint64_t high)
{
        char val[32];
        int r;

        high = high_in_pages(high);
        if (!cg->clamped) {
                r = backend_read_u64(e->be, cg->be, CG_MEMORY_HIGH, &cg->high_original);
                if (r < 0)
                        return r;
                if (cg->high_original <= high)
                        return -EEXIST;   /* already at or below where we would put it */
                cg->high_written = cg->high_original;
        }
        cg->clamped = true;
        cg->high_clamped_to = high;
        r = persist(e);
        if (r < 0) {
                cg->clamped = cg->high_written != cg->high_original;   /* no durable record, no clamp */
                cg->high_clamped_to = cg->high_written;
                return r;
        }
        snprintf(val, sizeof(val), "%" PRIu64, high);
        r = e->be->ops->write(e->be, cg->be, CG_MEMORY_HIGH, val);
        if (r == 0)
                cg->high_written = high;
        return r;
}

static int write_reclaim(struct engine *e, const struct scan_control *sc, struct cgroup *cg, uint64_t bytes)
{
        char val[64];

        /* swappiness=0: file pages only, until the priority allows swapping (may_writepage). */
        snprintf(val, sizeof(val), "%" PRIu64 "%s", bytes,
                 e->caps.reclaim_swappiness && !sc->may_swap ? " swappiness=0" : "");
        return e->be->ops->write(e->be, cg->be, CG_MEMORY_RECLAIM, val);
}

/*
 * memory.reclaim in batches of a quarter of what is left (at least
 * SWAP_CLUSTER_MAX pages), each sized from a fresh memory.current. 6.1's
 * memory_reclaim() hands the whole request to try_to_free_mem_cgroup_pages(),
 * which can free about twice a large one (in the VM: 13.4 MiB for 7.2 MiB
 * asked, through memory.min and soft limits); later kernels batch the same
 * way (0388536ac291, "mm:vmscan: fix inaccurate reclaim during proactive
 * reclaim"). A batch overshoots by at most its own size, a quarter of what
 * is left, so the whole stops near its end, never far past it. Never more is
 * asked in all than the request, so a workload refilling as fast as it is
 * reclaimed ends the step too. before is a fresh memory.current.
 */
static int reclaim_in_batches(struct engine *e, const struct scan_control *sc, struct cgroup *cg,
                              uint64_t bytes, uint64_t before)
{
        uint64_t min_batch = RECLAIM_BATCH_PAGES * page_bytes();
        uint64_t end = before > bytes ? before - bytes : 0, now = before, asked = 0;
        int r = 0;

        while (now > end && asked < bytes && !(e->stop && atomic_load(e->stop))) {
                uint64_t left = now - end < bytes - asked ? now - end : bytes - asked;
                uint64_t batch = left / 4 > min_batch ? left / 4 : left < min_batch ? left : min_batch;

                r = write_reclaim(e, sc, cg, batch);
                if (r < 0)
                        return r;   /* EAGAIN: it could not free a batch, nor would it the rest */
                asked += batch;
                r = backend_read_u64(e->be, cg->be, CG_MEMORY_CURRENT, &now);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int do_write(struct engine *e, const struct scan_control *sc, struct cgroup *cg,
                    enum policy_action action, uint64_t bytes, int fresh, uint64_t current)
{
        if (action == ACTION_CLAMP)
                return clamp(e, cg, bytes);
        if (fresh < 0 || current == UINT64_MAX)
                return write_reclaim(e, sc, cg, bytes);   /* no reading to batch from */
        return reclaim_in_batches(e, sc, cg, bytes, current);
}

/* Carries out one step and measures what it freed. Returns the write's result. */
static int do_step(struct engine *e, struct scan_control *sc, struct cgroup *cg,
                   enum policy_action action, uint64_t bytes)
{
        struct engine_step step = {
                .path = cg->path,
                .action = action,
                .soft_limit_bytes = cg->soft_limit_bytes,
                .requested_bytes = bytes,
                .current_before = cg->current_bytes,
                .priority = sc->priority,
                .swap = sc->may_swap || !e->caps.reclaim_swappiness,
                .dry_run = e->dry_run,
        };
        uint64_t after = cg->current_bytes, asked;
        int r = 0, rr = 0;

        if (e->dry_run) {
                after = action == ACTION_CLAMP ? bytes : cg->current_bytes - bytes;
        } else {
                /* The ranking's reading may be seconds old: ask only what a fresh one allows. */
                rr = backend_read_u64(e->be, cg->be, CG_MEMORY_CURRENT, &after);
                if (rr == 0 && after != UINT64_MAX) {
                        excess_tree_update(&e->tree, cg, after);
                        step.current_before = after;
                        step.requested_bytes = bytes = policy_refit(sc, cg, action, bytes);
                }
                r = bytes || action == ACTION_CLAMP ? do_write(e, sc, cg, action, bytes, rr, after) : -EAGAIN;
                rr = is_gone(r) ? r : backend_read_u64(e->be, cg->be, CG_MEMORY_CURRENT, &after);
        }
        step.result = rr < 0 ? rr : r;
        step.repeated = step.result < 0 && step.result == cg->last_write_err;
        cg->last_write_err = step.result < 0 && step.result != -EAGAIN ? step.result : 0;
        if (rr < 0) {
                report(e, &step);
                forget(e, cg, rr);
                return rr;
        }
        step.current_after = after;
        asked = action == ACTION_CLAMP ? (cg->current_bytes > bytes ? cg->current_bytes - bytes : 0) : bytes;
        step.reclaimed_bytes = policy_account(sc, &e->tree, cg, action, asked, after, e->now_usec());
        report(e, &step);
        return r;
}

/* snapshot_refaults(): remember what came back, for the cgroups this round acted on. */
static void snapshot_refaults(struct engine *e)
{
        char buf[MEMORY_STAT_MAX];
        uint64_t pages;
        int r;

        for (size_t i = 0; i < e->n_cgroups; i++) {
                struct cgroup *cg = &e->cgroups[i];

                if (!cg->acted || !cg->be || e->dry_run)
                        continue;
                cg->acted = false;
                r = (int)e->be->ops->read(e->be, cg->be, CG_MEMORY_STAT, buf, sizeof(buf));
                if (r >= 0) {
                        r = memstat_refaults(buf, &pages);
                        if (r == -ENOENT)
                                r = -ENODATA;   /* the keys are missing, not the cgroup */
                }
                if (r >= 0 && pages > UINT64_MAX / 65536)
                        r = -ERANGE;   /* more pages than a 64-bit machine has bytes */
                if (r < 0) {
                        policy_forget_refaults(cg);
                        if (r != cg->last_stat_err && !is_gone(r) && e->obs.cgroup_error)
                                e->obs.cgroup_error(e->obs.userdata, cg->path, CG_MEMORY_STAT, r);
                        cg->last_stat_err = r;
                        continue;
                }
                cg->last_stat_err = 0;
                policy_snapshot_refaults(cg, pages * page_bytes());
        }
}

int engine_round(struct engine *e, const struct config *cfg, const char *scope, struct scan_control *sc)
{
        struct stall_clock sclk = {};
        enum policy_action action;
        enum policy_verdict v;
        unsigned pass = 0;
        struct cgroup *cg;
        uint64_t bytes;
        int r;

        scan_control_init(sc, cfg, scope);
        r = engine_refresh(e);
        if (r < 0)
                return r;
        prepare_round(e, sc);
        sclk.valid = engine_stall_usec(e, scope, &sclk.stall_usec) == 0;
        sclk.at_usec = e->now_usec();
        while ((v = policy_next(sc, &e->tree, &cg, &action, &bytes)) == POLICY_STEP) {
                /* throttle_direct_reclaim(): no reclaim once the task is being killed. */
                if (e->stop && atomic_load(e->stop)) {
                        snapshot_refaults(e);
                        return -ECANCELED;
                }
                r = do_step(e, sc, cg, action, bytes);
                if (r == -ENOMEM)
                        return r;
                if (sc->pass != pass) {
                        pass = sc->pass;
                        check_resolved(e, cfg, sc, &sclk);
                }
        }
        snapshot_refaults(e);
        return (int)v;
}

static int release_one(struct engine *e, const struct config *cfg, struct cgroup *cg, bool restore)
{
        uint64_t high = cg->high_original;
        char val[32];
        bool back = true;
        int r;

        if (!restore && backend_read_u64(e->be, cg->be, CG_MEMORY_CURRENT, &cg->current_bytes) == 0)
                back = policy_release_high(cg, cfg->min_chunk_bytes, &high);
        if (!back)
                high = high_in_pages(high);
        if (!back) {
                /* Recorded before written, as for a clamp: a crash between leaves a value the
                 * next start recognises (high_written) and restores. */
                cg->high_clamped_to = high;
                persist(e);
        }
        if (high == UINT64_MAX)
                snprintf(val, sizeof(val), "max");
        else
                snprintf(val, sizeof(val), "%" PRIu64, high);
        r = e->dry_run ? 0 : e->be->ops->write(e->be, cg->be, CG_MEMORY_HIGH, val);
        if (r == 0) {
                cg->high_written = high;
                cg->clamped = !back;
        } else if (!back) {
                cg->high_clamped_to = cg->high_written;
        }
        if (e->obs.released)
                e->obs.released(e->obs.userdata, cg, high, back && r == 0, r);
        if (is_gone(r))
                forget(e, cg, r);
        return r;
}

int engine_release(struct engine *e, const struct config *cfg, bool restore_all)
{
        int still = 0;
        bool changed = false;

        for (size_t i = 0; i < e->n_cgroups; i++) {
                struct cgroup *cg = &e->cgroups[i];

                if (!cg->clamped || !cg->be)
                        continue;
                release_one(e, cfg, cg, restore_all);
                changed = true;
                still += cg->clamped;
        }
        if (changed)
                persist(e);
        return still;
}

/* Moves what a cgroup carries between rounds; the configuration's part (soft limit) stays. */
static void move_state(struct cgroup *to, struct cgroup *from)
{
        to->be = from->be;
        to->opens = from->opens;
        from->be = NULL;
        to->current_bytes = from->current_bytes;
        to->min_bytes = from->min_bytes;
        to->low_bytes = from->low_bytes;
        to->last_reclaim_usec = from->last_reclaim_usec;
        to->refault_base = from->refault_base;
        to->asked_since_snapshot = from->asked_since_snapshot;
        to->asked_window = from->asked_window;
        to->refault_permille = from->refault_permille;
        to->refault_known = from->refault_known;
        to->clamped = from->clamped;
        to->high_original = from->high_original;
        to->high_clamped_to = from->high_clamped_to;
        to->high_written = from->high_written;
}

int engine_takeover(struct engine *e, struct engine *old, const struct config *old_cfg)
{
        int restored = 0;

        for (size_t i = 0; i < old->n_cgroups; i++) {
                struct cgroup *from = &old->cgroups[i], *to = engine_find(e, from->path);

                if (to) {
                        move_state(to, from);
                        if (to->be)
                                excess_tree_update(&e->tree, to, to->current_bytes);
                } else if (from->clamped && from->be) {
                        release_one(old, old_cfg, from, true);
                        restored++;
                }
        }
        e->caps = old->caps;
        engine_done(old);
        persist(e);
        return restored;
}
