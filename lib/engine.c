/* The reclaim engine: keeps the managed cgroups' readings and carries out rounds through a backend. */
#include "autoconfig.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adjust.h"
#include "backend.h"
#include "cgpath.h"
#include "config.h"
#include "engine.h"
#include "engine-internal.h"
#include "hierarchy.h"
#include "log.h"
#include "memstat.h"
#include "psi.h"
#include "sysmem.h"
#include "util.h"
#include "xattr.h"

/*
 * A stall share measured over less than this is noise: a pass can take a few
 * milliseconds, in which no task happens to stall, and a round that ended on
 * such a dip left the cgroup as short as it found it (seen in the VM).
 */
#define RESOLVE_MIN_INTERVAL_USEC 1000000

#define ZONEINFO_MAX (16 << 20)   /* per-CPU lines make it grow with the machine; read rarely */
#define RECLAIM_BATCH_PAGES 32   /* SWAP_CLUSTER_MAX: try_to_free_mem_cgroup_pages() asks no less */

/*
 * The watermarks change only when min_free_kbytes, watermark_scale_factor or
 * the memory itself change, or with a zone's watermark_boost (after
 * fragmenting allocations, decaying as kswapd works): re-read this often.
 */
#define WMARK_REFRESH_USEC (10ULL * 1000000)

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
                /*
                 * A listing that failed (out of descriptors) is not one that
                 * matched nothing: the set is not known, and the caller keeps the
                 * one it has (engine_set_changed()) rather than let go of it all.
                 */
                k = e->be->ops->glob(e->be, path, &matches);
                if (k < 0)
                        return k;
        } else {
                k = 1;
        }
        for (int i = 0; i < k && r == 0; i++) {
                const char *p = matches ? matches[i] : path;

                /*
                 * glob(3) gives "." and ".." to a pattern whose component begins with
                 * a dot ("a/.*"): other cgroups' aliases, or the root's parent, which
                 * no state file line could name for a restore.
                 */
                if (!cgpath_is_cgroup(p))
                        continue;
                if (matches && e->own_path && streq(p, e->own_path)) {
                        e->own_glob = path;   /* points into the configuration, as cg->conf does */
                        continue;
                }
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

        *e = (struct engine){ .be = be, .dry_run = dry_run, .now_usec = now_usec ?: engine_clock_monotonic,
                              .checked_err = -ENODATA };
        RB_INIT(&e->tree);
        if (obs)
                e->obs = *obs;
        /*
         * A dry run and --check-config run from an operator's shell: their
         * cgroup is the operator's session, which the daemon would manage.
         */
        if (dry_run || e->be->ops->own_cgroup(e->be, &e->own_path) < 0)
                e->own_path = NULL;   /* not beneath the root, or unknown: nothing to leave out */
        r = expand(e, cfg, &paths, &n);
        if (r < 0) {
                engine_done(e);
                return r;
        }
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
                cg->xattr_mode = (int)config_xattr_mode(cfg, cg->conf);
        }
        e->n_cgroups = n;
        free(paths);
        r = hierarchy_init(e);
        if (r < 0)
                engine_done(e);
        return r;
}

int engine_set_changed(struct engine *e, const struct config *cfg)
{
        char **paths = NULL;
        size_t n = 0;
        bool changed;
        int r;

        r = expand(e, cfg, &paths, &n);
        if (r < 0)
                return r;
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
        for (size_t i = 0; i < e->n_parents; i++) {
                e->be->ops->close_cgroup(e->be, e->parents[i].be);
                free(e->parents[i].path);
        }
        free(e->parents);
        free(e->cgroups);
        free(e->prop);
        for (size_t i = 0; i < ROUND_RESUME_SLOTS; i++)
                free(e->resume[i].scope);
        free(e->own_path);
        free(e->rejected_as);
        *e = (struct engine){};
}

int engine_count_clamped(const struct engine *e)
{
        int n = 0;

        for (size_t i = 0; i < e->n_cgroups; i++)
                n += e->cgroups[i].high.active;
        return n;
}

int engine_count_protected(const struct engine *e)
{
        int n = 0;

        for (size_t i = 0; i < e->n_cgroups; i++)
                n += e->cgroups[i].low.active || e->cgroups[i].min.active;
        return n;
}

int engine_count_over(const struct engine *e)
{
        int n = 0;

        for (size_t i = 0; i < e->n_cgroups; i++)
                n += e->cgroups[i].be && policy_over_soft_limit(&e->cgroups[i]);
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

/*
 * Whether the multi-gen LRU is on: lru_gen/enabled holds the mask of
 * lru_gen_caps[], absent without CONFIG_LRU_GEN; lru_gen_enabled() tests
 * only the LRU_GEN_CORE bit (0x0001), the others are optimisations.
 */
static bool probe_mglru(struct engine *e)
{
        char buf[64];
        unsigned long mask;

        if (e->be->ops->read(e->be, NULL, CG_SYS_LRU_GEN, buf, sizeof(buf)) < 0)
                return false;
        return sscanf(buf, "%lx", &mask) == 1 && (mask & 1);
}

/*
 * memory.reclaim parses "swappiness=" only on newer kernels; older ones
 * refuse the whole write with EINVAL. Asking for 0 bytes frees nothing
 * either way. The root has no memory.current, so a managed cgroup that
 * exists is asked; any other answer (the cgroup just removed) leaves it
 * unknown, to ask the next one. Returns whether it became known.
 */
static bool probe_swappiness(struct engine *e, struct cgroup *cg)
{
        int r;

        if (e->caps.reclaim_swappiness_known || e->dry_run || !cg->be)
                return false;
        r = e->be->ops->write(e->be, cg->be, CG_MEMORY_RECLAIM, "0 swappiness=0");
        if (r != 0 && r != -EINVAL)
                return false;
        e->caps.reclaim_swappiness = r == 0;
        e->caps.reclaim_swappiness_known = true;
        return true;
}

void engine_probe(struct engine *e, const char *release)
{
        e->caps.probed = true;
        e->caps.mglru = probe_mglru(e);
        /*
         * From the release: the memcg LRU leaves no trace in sysfs. Present
         * in 6.3 to 7.3 at least (lru_gen_rotate_memcg in each /proc/kallsyms).
         */
        e->caps.low_defers = e->caps.mglru && kernel_release_at_least(release, 6, 3);
        /* The O_NONBLOCK memory.high write cannot be told apart by trying it: it always succeeds. */
        e->caps.high_nonblock = kernel_release_at_least(release, 6, 16);
        /* Else on the first managed cgroup to appear (refresh_one()). */
        for (size_t i = 0; i < e->n_cgroups && !e->caps.reclaim_swappiness_known; i++)
                probe_swappiness(e, &e->cgroups[i]);
}

/* The cgroup was removed: close it, unrank it, drop its records, and tell the daemon once. */
void engine_forget(struct engine *e, struct cgroup *cg, int err)
{
        bool recorded = adjust_count(cg) > 0;

        excess_tree_remove(&e->tree, cg);
        e->be->ops->close_cgroup(e->be, cg->be);
        cg->be = NULL;
        cg->current_bytes = cg->excess_bytes = 0;
        /* A new cgroup at that path starts with its own memory.high, memory.low and memory.min. */
        cg->high = cg->low = cg->min = (struct adjust){};
        memset(cg->contests, 0, sizeof(cg->contests));   /* nor a fight over them */
        /* Nor does it inherit a judgement of what came back, or a hold for the others. */
        cg->taken = (struct taken_watch){};
        cg->held_over = false;
        cg->yield_until_usec = cg->thrash_at_usec = 0;
        cg->thrash_at_permille = 0;
        cg->unevictable_at_usec = 0;
        /*
         * Nor what came back of what was asked of the old one, which
         * policy_thrashing() reads, nor its memory.min as last read, which the
         * balancer's check reads again only a while on (engine_floor_age()).
         */
        policy_forget_refaults(cg);
        cg->min_bytes = cg->low_bytes = 0;
        cg->min_at_usec = 0;
        /*
         * Off the state file at once: a record left there would be put back at
         * the next start on whatever cgroup is at that path then, over its
         * owner's value if that happens to be the one reclaimd wrote.
         */
        if (recorded && e->batching)
                e->forgot_recorded = true;   /* engine_batch_end() saves once for all the pass finds gone */
        else if (recorded)
                (void) adjust_persist(e);
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
                cg->open_err = r;
                if (r < 0) {
                        log_debug("cgroup %s not available: %s", cg->path, strerror(-r));
                        /* A record kept from the state file (keep_record()): nothing left to put back. */
                        if (is_gone(r) && adjust_count(cg) > 0)
                                engine_forget(e, cg, r);
                        return 0;
                }
                /*
                 * Such a record was taken on the cgroup at this path then: one
                 * made there since holds values of its own, never to be "put
                 * back" to the old one's. Opened again, as new, at the next refresh.
                 */
                if (adjust_count(cg) > 0 && adjust_stale(e, cg)) {
                        engine_forget(e, cg, -ESTALE);
                        return 0;
                }
                cg->opens++;
                /* None existed when engine_probe() ran: a start before the services it manages. */
                if (e->caps.probed && probe_swappiness(e, cg) && e->obs.probed)
                        e->obs.probed(e->obs.userdata, &e->caps, cg->path);
                r = xattr_refresh(e, cg);   /* discovered: its own soft limit, if it declares one */
                if (r < 0)
                        return r;
        }
        r = backend_read_u64(e->be, cg->be, CG_MEMORY_CURRENT, &current);
        if (r == 0 && current == UINT64_MAX)
                r = -ERANGE;   /* "max" is a limit, never a usage */
        if (r < 0 && is_gone(r)) {
                engine_forget(e, cg, r);
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

/*
 * A slice stopped, a node drained: thousands of held cgroups go in one pass
 * (a refresh, a release, the floors, the stop). A save each rewrites every
 * record still held, and the loop waits for them all; one save after the
 * last is the same record. Passes nest; the outermost saves.
 */
void engine_batch_begin(struct engine *e)
{
        e->batching++;
}

/* Ends a pass: saves when one of its cgroups went with a value on record, or when save asks anyway. */
void engine_batch_end(struct engine *e, bool save)
{
        if (--e->batching > 0) {
                e->forgot_recorded |= save;
                return;
        }
        if (save || e->forgot_recorded) {
                e->forgot_recorded = false;
                (void) adjust_persist(e);
        }
}

int engine_refresh(struct engine *e)
{
        int over = 0, r = 0;

        engine_batch_begin(e);
        for (size_t i = 0; i < e->n_cgroups && r >= 0; i++) {
                r = refresh_one(e, &e->cgroups[i]);
                over += r > 0 ? r : 0;
        }
        engine_batch_end(e, false);
        return r < 0 ? r : over;
}

/*
 * memory.min and memory.low of a cgroup the round may take from: the
 * operator's, so a value reclaimd holds counts as the one it replaced. A
 * failed read protects.
 */
static void read_protection(struct engine *e, struct cgroup *cg, bool low)
{
        if (cg->min.active)
                cg->min_bytes = cg->min.original;
        else if (backend_read_u64(e->be, cg->be, CG_MEMORY_MIN, &cg->min_bytes) < 0)
                cg->min_bytes = UINT64_MAX;
        if (!low)
                return;
        if (cg->low.active)
                cg->low_bytes = cg->low.original;
        else if (backend_read_u64(e->be, cg->be, CG_MEMORY_LOW, &cg->low_bytes) < 0)
                cg->low_bytes = UINT64_MAX;
}

/*
 * How old a reading of what changes rarely may grow, by free memory in m
 * against the high watermarks: usec, or IDLE_REFRESH_USEC far above them.
 */
static uint64_t refresh_age(const struct sysmem *m, uint64_t usec)
{
        return policy_far_from_mark(m->free_bytes, m->total_bytes, m->wmark.high_bytes) && usec < IDLE_REFRESH_USEC
                       ? IDLE_REFRESH_USEC
                       : usec;
}

uint64_t engine_refresh_age(const struct engine *e, uint64_t usec)
{
        return e->pinned ? refresh_age(&e->checked, usec) : usec;
}

uint64_t engine_floor_age(const struct engine *e)
{
        return engine_refresh_age(e, FLOOR_REFRESH_USEC);
}

/*
 * memory.min of the cgroups above their soft limit, which
 * policy_over_soft_limit() needs: all of them (a round), or those read longer
 * than engine_floor_age() ago (the balancer's check).
 */
static void read_floors(struct engine *e, bool all)
{
        uint64_t now = e->now_usec(), age = engine_floor_age(e);
        struct cgroup *cg;

        RB_FOREACH(cg, excess_tree, &e->tree)
                if (all || !cg->min_at_usec || now - cg->min_at_usec >= age) {
                        read_protection(e, cg, false);
                        cg->min_at_usec = now;
                }
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

        read_floors(e, true);
        RB_FOREACH(cg, excess_tree, &e->tree)
                any_over |= cgroup_in_scope(cg->path, sc->scope) && policy_over_soft_limit(cg);
        if (any_over || sc->soft_only)
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

                if (!cg->high.active || !cg->be || !cgroup_in_scope(cg->path, scope) || cg == root)
                        continue;
                r = read_some_total(e, cg->be, &own);
                if (r < 0 && !is_gone(r))
                        return r;   /* its throttling cannot be told from the pressure */
                if (r == 0)
                        total = total > own ? total - own : 0;
        }
        if (!scope) {
                e->sys_stall_usec = total;
                e->sys_stall_at_usec = e->now_usec();
                e->sys_stall_known = true;
        }
        *ret_usec = total;
        return 0;
}

int engine_system_stall(struct engine *e, uint64_t max_age_usec, uint64_t *ret_usec, uint64_t *ret_at_usec)
{
        int r;

        if (!e->sys_stall_known || e->now_usec() - e->sys_stall_at_usec > max_age_usec) {
                r = engine_stall_usec(e, NULL, ret_usec);
                if (r < 0)
                        return r;
        }
        *ret_usec = e->sys_stall_usec;
        *ret_at_usec = e->sys_stall_at_usec;
        return 0;
}

/* Where the round measures whether its pressure is gone from. */
struct stall_clock {
        bool valid;
        uint64_t stall_usec, at_usec;
        bool machine;                /* a system round on a machine whose free memory can be read */
        uint64_t reserve_bytes;
};

/*
 * compaction_ready's analogue, checked once per pass as shrink_zones() checks
 * it once per zone and pass: for the machine, its free memory back at the
 * high watermark plus the reserve (the shortage the round was started for is
 * gone); for a cgroup, its stall share since the last reading under resolve,
 * measured over RESOLVE_MIN_INTERVAL_USEC at least. A stall total that went
 * backwards (the set of clamped cgroups subtracted from it changed) starts
 * the measurement afresh.
 */
static void check_resolved(struct engine *e, const struct config *cfg, struct scan_control *sc,
                           struct stall_clock *sclk)
{
        uint64_t stall, now = e->now_usec();
        struct sysmem m;

        if (sclk->machine) {
                sc->pressure_resolved = engine_sysmem(e, &m) == 0 && sysmem_shortfall(&m, sclk->reserve_bytes) == 0;
                return;
        }
        if (!sclk->valid || now - sclk->at_usec < RESOLVE_MIN_INTERVAL_USEC)
                return;
        if (engine_stall_usec(e, sc->scope, &stall) < 0)
                return;
        if (stall >= sclk->stall_usec)
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

/* Lowers memory.high of the top offender, recording its original value durably first. */
static int clamp(struct engine *e, struct cgroup *cg, uint64_t high)
{
        return adjust_set(e, cg, CG_MEMORY_HIGH, high);
}

/* swappiness=0: file pages only, on kernels that take it, when the step may not swap. */
static int write_reclaim(struct engine *e, struct cgroup *cg, uint64_t bytes, bool swap)
{
        char val[64];

        snprintf(val, sizeof(val), "%" PRIu64 "%s", bytes,
                 e->caps.reclaim_swappiness && !swap ? " swappiness=0" : "");
        return e->be->ops->write(e->be, cg->be, CG_MEMORY_RECLAIM, val);
}

/*
 * memory.reclaim in batches of a quarter of what is left (at least
 * SWAP_CLUSTER_MAX pages), each sized from a fresh memory.current. 6.1's
 * memory_reclaim() hands the whole request to try_to_free_mem_cgroup_pages(),
 * which can free about twice a large one (in the VM: 13.4 MiB for 7.2 MiB
 * asked, through memory.min and soft limits). 6.6 caps each call at
 * SWAP_CLUSTER_MAX (0388536ac291, "mm:vmscan: fix inaccurate reclaim during
 * proactive reclaim"); since 6.9 memory_reclaim() asks a quarter of what is
 * left per call, as here (287d5fedb377, "mm: memcg: use larger batches for
 * proactive reclaim"). A batch overshoots by at most its own size, a quarter of what
 * is left, so the whole stops near its end, never far past it. Never more is
 * asked in all than the request, so a workload refilling as fast as it is
 * reclaimed ends the step too. before is a fresh memory.current.
 */
static int reclaim_in_batches(struct engine *e, struct cgroup *cg, uint64_t bytes, uint64_t before, bool swap,
                              uint64_t *ret_asked)
{
        uint64_t page = page_bytes(), min_batch = RECLAIM_BATCH_PAGES * page;
        uint64_t end = before > bytes ? before - bytes : 0, now = before, asked = 0;
        int r = 0;

        /*
         * The step's time is checked here too, between batches, on this
         * thread's own clock: the daemon's loop interrupts a write in flight,
         * but may itself not run for a while on a thrashing machine.
         */
        while (now > end && asked < bytes && !(e->stop && atomic_load(e->stop)) &&
               !engine_cut_step(e, e->step.limit_usec)) {
                uint64_t left = now - end < bytes - asked ? now - end : bytes - asked;
                uint64_t batch = left / 4 > min_batch ? left / 4 : left < min_batch ? left : min_batch;

                /*
                 * memory_reclaim() asks for memparse() / PAGE_SIZE pages: a
                 * request under a page frees nothing and succeeds at once.
                 * Batches are whole pages, and less than one left is the
                 * end. (On 7.3 a step whose end fell mid-page once wrote
                 * "2048" 370 times, each freeing nothing, until the bytes
                 * asked added up to its request.)
                 */
                batch -= batch % page;
                if (batch == 0)
                        break;
                r = write_reclaim(e, cg, batch, swap);
                asked += batch;
                *ret_asked = asked;
                if (r < 0)
                        return r;   /* EAGAIN: it could not free a batch, nor would it the rest */
                r = backend_read_u64(e->be, cg->be, CG_MEMORY_CURRENT, &now);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int write_step(struct engine *e, struct cgroup *cg, enum policy_action action, uint64_t bytes,
                      int fresh, uint64_t current, bool swap, uint64_t *ret_asked)
{
        *ret_asked = bytes;
        if (action == ACTION_CLAMP)
                return clamp(e, cg, bytes);
        if (fresh < 0 || current == UINT64_MAX)
                return write_reclaim(e, cg, bytes, swap);   /* no reading to batch from */
        *ret_asked = 0;
        return reclaim_in_batches(e, cg, bytes, current, swap, ret_asked);
}

bool engine_cut_step(struct engine *e, uint64_t limit_usec)
{
        uint64_t since = atomic_load(&e->step.since_usec);

        if (since == STEP_CUT)
                return true;
        if (since == 0 || limit_usec == 0 || e->now_usec() - since < limit_usec)
                return false;
        /*
         * Fails when that step ended meanwhile (the next one is not cut for
         * it), or when the other thread has just cut it: since then reads
         * STEP_CUT.
         */
        return atomic_compare_exchange_strong(&e->step.since_usec, &since, STEP_CUT) || since == STEP_CUT;
}

/*
 * The step's write, cut short past step_timeout: -ETIMEDOUT then, whether
 * the loop's signal reached the write (-EINTR) or the time was seen up
 * between two batches. memory.high stays as written when its reclaim is cut
 * (memory_high_write() sets it first). *ret_asked: what the writes asked.
 */
static int do_write(struct engine *e, struct cgroup *cg, enum policy_action action, uint64_t bytes,
                    int fresh, uint64_t current, bool swap, uint64_t *ret_asked)
{
        uint64_t now = e->now_usec();
        bool cut;
        int r;

        atomic_store(&e->step.since_usec, now ? now : 1);
        r = write_step(e, cg, action, bytes, fresh, current, swap, ret_asked);
        /*
         * A step that ran past the limit is cut even when its last write
         * ended it on its own (6.1 finishes a write it is signalled in, and
         * the loop may not have run meanwhile). Whatever the write answered
         * once cut (its kernel's last retry may end in EAGAIN with the signal
         * pending), the step ends the round, unless the cgroup is gone; but
         * not when the daemon is stopping.
         */
        cut = engine_cut_step(e, e->step.limit_usec);
        cut |= atomic_exchange(&e->step.since_usec, 0) == STEP_CUT;
        if (cut && !is_gone(r) && !(e->stop && atomic_load(e->stop)))
                r = -ETIMEDOUT;
        return r;
}

/*
 * Whether a step of bytes may swap: as the pass allows, or when the cgroup's
 * file LRUs cannot give that much (policy_step_may_swap()). memory.stat is
 * read only when that decides something.
 */
static bool step_may_swap(struct engine *e, const struct scan_control *sc, struct cgroup *cg, uint64_t bytes)
{
        char buf[MEMORY_STAT_MAX];

        if (sc->may_swap || !e->caps.reclaim_swappiness)
                return true;
        cg->file_lru_bytes = UINT64_MAX;   /* unknown: ask for file pages, as the pass says */
        if (e->be->ops->read(e->be, cg->be, CG_MEMORY_STAT, buf, sizeof(buf)) >= 0 &&
            memstat_file_lru(buf, &cg->file_lru_bytes) < 0)
                cg->file_lru_bytes = UINT64_MAX;
        return policy_step_may_swap(sc, cg, bytes);
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
        uint64_t after = cg->current_bytes, asked = 0, from = cg->current_bytes;
        int r = 0, rr = 0;

        /* A clamp is said as the kernel will hold it, in whole pages (adjust_set()). */
        if (action == ACTION_CLAMP)
                step.requested_bytes = bytes = adjust_in_pages(bytes);
        if (e->dry_run) {
                after = action == ACTION_CLAMP ? bytes : cg->current_bytes - bytes;
        } else {
                /* The ranking's reading may be seconds old: ask only what a fresh one allows. */
                rr = backend_read_u64(e->be, cg->be, CG_MEMORY_CURRENT, &after);
                if (rr == 0 && after != UINT64_MAX) {
                        excess_tree_update(&e->tree, cg, after);
                        step.current_before = after;
                        step.requested_bytes = bytes = policy_refit(sc, cg, action, bytes);
                        if (action == ACTION_CLAMP)
                                step.requested_bytes = bytes = adjust_in_pages(bytes);
                }
                if (action == ACTION_RECLAIM)
                        step.swap = step_may_swap(e, sc, cg, bytes);
                /* What a clamp asks: from the hold it lowers, before the write moves it. */
                from = policy_clamp_from(sc, cg);
                r = bytes || action == ACTION_CLAMP ? do_write(e, cg, action, bytes, rr, after, step.swap, &asked)
                                                    : -EAGAIN;
                /* Cut short: what it asked before the cut is its request, for the round's efficiency too. */
                if (r == -ETIMEDOUT && action == ACTION_RECLAIM)
                        step.requested_bytes = bytes = asked;
                rr = is_gone(r) ? r : backend_read_u64(e->be, cg->be, CG_MEMORY_CURRENT, &after);
        }
        step.result = rr < 0 ? rr : r;
        step.repeated = step.result < 0 && step.result == cg->last_write_err;
        cg->last_write_err = step.result < 0 && step.result != -EAGAIN && step.result != -ETIMEDOUT ? step.result : 0;
        if (rr < 0) {
                report(e, &step);
                if (is_gone(rr))
                        engine_forget(e, cg, rr);
                else
                        excess_tree_remove(&e->tree, cg);   /* still there, still held: out of this round */
                return rr;
        }
        step.current_after = after;
        asked = action == ACTION_CLAMP ? (from > bytes ? from - bytes : 0) : bytes;
        step.reclaimed_bytes = policy_account(sc, &e->tree, cg, action, asked, after, e->now_usec());
        /*
         * Set, not reclaimed: its tasks reclaim down to it as they charge
         * (mem_cgroup_handle_over_high()). What the step measured freed is in
         * nr_reclaimed already.
         */
        if (action == ACTION_CLAMP && sc->clamp_deferred && r == 0 && asked > step.reclaimed_bytes)
                sc->nr_deferred += asked - step.reclaimed_bytes;
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
                        r = memstat_refaulted(buf, &pages);
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
                policy_snapshot_refaults(cg, pages * page_bytes(), e->now_usec());
        }
}

static bool same_scope(const struct round_resume *r, const struct scan_control *sc)
{
        return r->valid && r->proactive == sc->proactive &&
               (r->scope && sc->scope ? strcmp(r->scope, sc->scope) == 0 : r->scope == sc->scope);
}

/* A round of a scope whose last round was cut short lately starts where that one stopped. */
static void take_up_round(struct engine *e, struct scan_control *sc)
{
        for (size_t i = 0; i < ROUND_RESUME_SLOTS; i++) {
                struct round_resume *r = &e->resume[i];

                if (!same_scope(r, sc))
                        continue;
                if (e->now_usec() - r->at_usec <= ROUND_RESUME_USEC)
                        scan_control_resume(sc, r->priority);
                r->valid = false;
                return;
        }
}

/* Remembers a round cut short, in its scope's slot or the oldest (on ENOMEM: not at all). */
static void remember_cut(struct engine *e, const struct scan_control *sc)
{
        struct round_resume *slot = &e->resume[0];
        char *scope = NULL;

        for (size_t i = 0; i < ROUND_RESUME_SLOTS; i++) {
                struct round_resume *r = &e->resume[i];

                if (same_scope(r, sc) || !r->valid) {
                        slot = r;
                        break;
                }
                if (r->at_usec < slot->at_usec)
                        slot = r;
        }
        if (sc->scope && !(scope = strdup(sc->scope)))
                return;
        free(slot->scope);
        *slot = (struct round_resume){ .valid = true, .proactive = sc->proactive, .scope = scope,
                                       .priority = policy_cut_priority(sc), .at_usec = e->now_usec() };
}

/* The policy's steps until it is done; the round's target and readings are set. */
static int run_round(struct engine *e, const struct config *cfg, struct scan_control *sc,
                     struct stall_clock *sclk, uint64_t shortfall)
{
        enum policy_action action;
        enum policy_verdict v;
        unsigned pass = 0;
        struct cgroup *cg;
        uint64_t bytes;
        int r;

        sc->now_usec = e->now_usec();
        sc->clamp_deferred = e->caps.high_nonblock && !e->dry_run;
        e->step.limit_usec = cfg->step_timeout_usec;
        take_up_round(e, sc);
        prepare_round(e, sc);
        if (!sclk->machine) {
                sclk->valid = engine_stall_usec(e, sc->scope, &sclk->stall_usec) == 0;
                sclk->at_usec = e->now_usec();
        }
        while ((v = policy_next(sc, &e->tree, &cg, &action, &bytes)) == POLICY_STEP) {
                /* throttle_direct_reclaim(): no reclaim once the task is being killed. */
                if (e->stop && atomic_load(e->stop)) {
                        snapshot_refaults(e);
                        return -ECANCELED;
                }
                if (sc->nr_steps == 0 && e->obs.round_start)
                        e->obs.round_start(e->obs.userdata, sc, shortfall);
                r = do_step(e, sc, cg, action, bytes);
                if (r == -ENOMEM)
                        return r;
                if (r == -ETIMEDOUT) {
                        /* Back to the loop, which renews the holds; the scope's next round takes it up. */
                        v = POLICY_DONE_TIMEOUT;
                        remember_cut(e, sc);
                        break;
                }
                if (sc->pass != pass) {
                        pass = sc->pass;
                        check_resolved(e, cfg, sc, sclk);
                }
        }
        snapshot_refaults(e);
        return (int)v;
}

/* Reads a /proc file whole, growing the buffer up to max. Returns its text (to free) or NULL, *ret_err. */
char *engine_read_proc(struct engine *e, enum cg_file f, size_t size, size_t max, int *ret_err)
{
        for (;;) {
                char *buf = malloc(size);
                ssize_t n;

                if (!buf) {
                        *ret_err = -ENOMEM;
                        return NULL;
                }
                n = e->be->ops->read(e->be, NULL, f, buf, size);
                if (n >= 0)
                        return buf;
                free(buf);
                if (n != -EFBIG || size >= max) {
                        *ret_err = (int)n;
                        return NULL;
                }
                size *= 4;
        }
}

/* Says a system file's error once, until it reads well again. */
int engine_sysfile_error(struct engine *e, enum cg_file f, int err, int *last)
{
        if (err != *last && err < 0 && e->obs.cgroup_error)
                e->obs.cgroup_error(e->obs.userdata, NULL, f, err);
        *last = err;
        return err;
}

/*
 * What kswapd took since the last look (pgsteal_kswapd), in bytes: 0 at the
 * first look, after one older than KSWAPD_WINDOW_USEC, or when /proc/vmstat
 * cannot be read (told once, as the floors' watch tells it).
 */
static uint64_t kswapd_took(struct engine *e)
{
        _cleanup_free_ char *text = NULL;
        uint64_t pages = 0, now = e->now_usec(), took = 0;
        int r = 0;

        text = engine_read_proc(e, CG_PROC_VMSTAT, 16384, 1 << 20, &r);
        if (engine_sysfile_error(e, CG_PROC_VMSTAT, r, &e->vmstat_err) < 0 || memstat_kswapd_steal(text, &pages) < 0) {
                e->kswapd_known = false;
                return 0;
        }
        if (e->kswapd_known && pages >= e->kswapd_pages && now - e->kswapd_at_usec <= KSWAPD_WINDOW_USEC)
                took = pages - e->kswapd_pages > UINT64_MAX / page_bytes() ? UINT64_MAX
                                                                           : (pages - e->kswapd_pages) * page_bytes();
        e->kswapd_pages = pages;
        e->kswapd_at_usec = now;
        e->kswapd_known = true;
        return took;
}

/*
 * The machine's shortfall, and the reserve in it; false when it cannot be
 * read (told once). kswapd, woken under a low watermark, reclaims until free
 * memory is back over the high ones (balance_pgdat()): on a machine short
 * all the time, free memory may be over them at every look while kswapd
 * takes megabytes a second from every cgroup. What it took since the last
 * look counts as short too: v1's kswapd took that first from the cgroups over
 * their soft limits (mem_cgroup_soft_limit_reclaim()). Far from the mark
 * kswapd has nothing to do, and /proc/vmstat is not read.
 */
static bool read_shortfall(struct engine *e, const struct config *cfg, uint64_t *ret, uint64_t *ret_reserve)
{
        struct sysmem m;
        uint64_t took;

        if (engine_sysmem(e, &m) < 0)
                return false;
        *ret_reserve = config_reserve_bytes(cfg, m.total_bytes);
        *ret = sysmem_shortfall(&m, *ret_reserve);
        if (policy_far_from_mark(m.free_bytes, m.total_bytes, m.wmark.high_bytes + *ret_reserve))
                e->kswapd_known = false;
        else if ((took = kswapd_took(e)) > *ret)
                *ret = took;
        return true;
}

int engine_round(struct engine *e, const struct config *cfg, const char *scope, struct scan_control *sc)
{
        struct stall_clock sclk = {};
        uint64_t shortfall = 0;
        int r;

        scan_control_init(sc, cfg, scope);
        if (!scope && read_shortfall(e, cfg, &shortfall, &sclk.reserve_bytes)) {
                /*
                 * v1 stole from cgroups over their soft limit only in global
                 * reclaim (shrink_zones(): !cgroup_reclaim(sc)). With free
                 * memory above the high watermark and kswapd idle, global
                 * reclaim is not what stalls (our reading: PSI also counts
                 * compaction, refaults and memory.high throttling); most
                 * likely some cgroup is at its own limit: its trigger's
                 * business, not the machine's.
                 */
                if (shortfall == 0)
                        return POLICY_DONE_NO_SHORTAGE;
                /* What kswapd would need to free to balance the node again, not a fixed amount. */
                sc->nr_to_reclaim = shortfall > cfg->min_chunk_bytes ? shortfall : cfg->min_chunk_bytes;
                sclk.machine = true;
        }
        if (!scope)
                sc->soft_only = !cfg->system_proportional;
        r = engine_refresh(e);
        if (r < 0)
                return r;
        engine_protect(e, cfg);
        r = run_round(e, cfg, sc, &sclk, shortfall);
        if (r >= 0)
                engine_protect(e, cfg);
        return r;
}

int engine_balance_check(struct engine *e, const struct config *cfg, bool trim, uint64_t *ret_shortfall,
                         uint64_t *ret_reserve)
{
        uint64_t shortfall, reserve;
        bool short_now;
        int r;

        e->checked_err = -ENODATA;
        r = engine_refresh(e);
        if (r < 0)
                return r;
        e->checked_err = engine_sysmem(e, &e->checked);
        e->pinned = e->checked_err == 0;
        read_floors(e, false);
        engine_protect(e, cfg);
        short_now = trim && cfg->trim && engine_count_over(e) > 0 && read_shortfall(e, cfg, &shortfall, &reserve) &&
                    shortfall > 0;
        e->pinned = false;
        if (!short_now)
                return 0;
        if (ret_shortfall)
                *ret_shortfall = shortfall;
        if (ret_reserve)
                *ret_reserve = reserve;
        return 1;
}

int engine_balance(struct engine *e, const struct config *cfg, bool trim, struct scan_control *sc)
{
        struct stall_clock sclk = { .machine = true };
        uint64_t shortfall;
        int r;

        scan_control_init(sc, cfg, NULL);
        r = engine_balance_check(e, cfg, trim, &shortfall, &sclk.reserve_bytes);
        if (r <= 0)
                return r < 0 ? r : POLICY_IDLE;
        /*
         * balance_pgdat() calls mem_cgroup_soft_limit_reclaim() at every
         * priority; reclaimd's balancer takes from the cgroups over their soft
         * limits only, as proactive reclaim (no pressure events), and never
         * clamps: that is for a stalling machine's rounds.
         */
        sc->nr_to_reclaim = shortfall > cfg->min_chunk_bytes ? shortfall : cfg->min_chunk_bytes;
        sc->proactive = true;
        sc->soft_only = true;
        sc->clamp_allowed = false;
        sc->may_clamp = false;
        r = run_round(e, cfg, sc, &sclk, shortfall);
        if (r >= 0)
                engine_protect(e, cfg);
        return r;
}

/* The machine's watermarks into the cache, judging their age by m's free memory and the cached ones. */
static int read_watermarks(struct engine *e, const struct sysmem *m)
{
        struct wmark_cache *c = &e->wmark;
        struct sysmem seen = { .total_bytes = m->total_bytes, .free_bytes = m->free_bytes, .wmark = c->wmark };
        uint64_t now = e->now_usec();
        _cleanup_free_ char *text = NULL;
        int r = 0;

        if (c->valid && now - c->at_usec < refresh_age(&seen, WMARK_REFRESH_USEC))
                return 0;
        text = engine_read_proc(e, CG_PROC_ZONEINFO, 65536, ZONEINFO_MAX, &r);
        if (text)
                r = sysmem_parse_zoneinfo(text, page_bytes(), &c->wmark);
        if (r == 0) {
                c->valid = true;
                c->at_usec = now;
        }
        /* An old reading is better than none: the watermarks rarely move. */
        return engine_sysfile_error(e, CG_PROC_ZONEINFO, r, &c->err) < 0 && !c->valid ? r : 0;
}

int engine_checked_sysmem(const struct engine *e, struct sysmem *ret)
{
        if (e->checked_err == 0)
                *ret = e->checked;
        return e->checked_err;
}

int engine_sysmem(struct engine *e, struct sysmem *ret)
{
        struct sysmem m = {};
        int r = 0;

        if (e->pinned) {
                *ret = e->checked;
                return 0;
        }
        r = e->be->ops->free_memory(e->be, &m.total_bytes, &m.free_bytes);
        engine_sysfile_error(e, _CG_FILE_MAX, r, &e->meminfo_err);
        if (r < 0)
                return r;
        r = read_watermarks(e, &m);
        if (r < 0)
                return r;
        m.wmark = e->wmark.wmark;
        *ret = m;
        return 0;
}
