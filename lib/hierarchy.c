/* memory.low up the hierarchy: the ancestors protecting what reclaimd protects, and values left to put back. */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "adjust.h"
#include "engine.h"
#include "hierarchy.h"
#include "util.h"

static int cmp_path(const void *key, const void *elem)
{
        return strcmp(key, ((const struct cgroup *)elem)->path);
}

struct cgroup *hierarchy_find(struct engine *e, const char *path)
{
        return e->n_parents ? bsearch(path, e->parents, e->n_parents, sizeof(*e->parents), cmp_path) : NULL;
}

static int cmp_cgroup(const void *a, const void *b)
{
        return strcmp(((const struct cgroup *)a)->path, ((const struct cgroup *)b)->path);
}

int hierarchy_reserve(struct engine *e, size_t n)
{
        struct cgroup *v;

        if (n <= e->parents_cap - e->n_parents)
                return 0;
        if (n > SIZE_MAX / sizeof(*v) - e->n_parents)
                return -ENOMEM;
        v = reallocarray(e->parents, e->n_parents + n, sizeof(*v));
        if (!v)
                return -ENOMEM;
        e->parents = v;
        e->parents_cap = e->n_parents + n;
        return 0;
}

/* Adds prefix (len bytes of path) unless it is managed or listed already. */
static int add_parent(struct engine *e, const char *path, size_t len)
{
        int r;

        _cleanup_free_ char *p = strndup(path, len);

        if (!p)
                return -ENOMEM;
        if (engine_find(e, p))
                return 0;
        for (size_t i = 0; i < e->n_parents; i++)
                if (streq(e->parents[i].path, p))
                        return 0;
        if (e->n_parents == e->parents_cap) {
                r = hierarchy_reserve(e, e->n_parents + 8);   /* doubles the room */
                if (r < 0)
                        return r;
        }
        e->parents[e->n_parents++] = (struct cgroup){ .path = p, .soft_limit_bytes = UINT64_MAX };
        p = NULL;
        return 0;
}

int hierarchy_init(struct engine *e)
{
        int r;

        for (size_t i = 0; i < e->n_cgroups; i++) {
                const char *path = e->cgroups[i].path;

                for (const char *s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
                        r = add_parent(e, path, (size_t)(s - path));
                        if (r < 0)
                                return r;
                }
        }
        if (e->n_parents)
                qsort(e->parents, e->n_parents, sizeof(*e->parents), cmp_cgroup);
        return 0;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
        return a < b ? a : b;
}

uint64_t hierarchy_claim_delta(struct cgroup *cg, enum cg_file f)
{
        const struct adjust *a = adjust_of(cg, f);
        uint64_t held, was;

        if (!a->active)
                return 0;
        held = min_u64(cg->current_bytes, a->value);
        was = min_u64(cg->current_bytes, a->original);
        return held > was ? held - was : 0;
}

/* The first managed cgroup whose path is not below prefix in strcmp() order. */
static size_t lower_bound(const struct engine *e, const char *prefix)
{
        size_t lo = 0, hi = e->n_cgroups;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (strcmp(e->cgroups[mid].path, prefix) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

uint64_t hierarchy_below(struct engine *e, const char *path, enum cg_file f)
{
        size_t len = strlen(path);
        _cleanup_free_ char *prefix = malloc(len + 2);
        uint64_t sum = 0;

        if (!prefix)
                return 0;
        memcpy(prefix, path, len);
        memcpy(prefix + len, "/", 2);
        /* Every path beneath "a" starts with "a/": one block of the sorted list. */
        for (size_t i = lower_bound(e, prefix);
             i < e->n_cgroups && strncmp(e->cgroups[i].path, prefix, len + 1) == 0; i++) {
                uint64_t d = hierarchy_claim_delta(&e->cgroups[i], f);

                sum = sum > UINT64_MAX - d ? UINT64_MAX : sum + d;
        }
        return sum;
}

uint64_t hierarchy_needed(uint64_t original, uint64_t below)
{
        if (below == 0)
                return 0;
        return original > UINT64_MAX - below ? UINT64_MAX : original + below;
}

/* Whether a held value may stay where it is although need is lower: within the hysteresis. */
static bool close_enough(uint64_t held, uint64_t need)
{
        uint64_t slack = held >> 4 > (1ULL << 20) ? held >> 4 : 1ULL << 20;

        return need <= held && held - need <= slack;
}

/*
 * Opens p if it is not open: the ancestors are opened on first need, and
 * closed when they hold nothing; -ENOENT also when its records are of a
 * cgroup removed since (adjust_open()).
 */
static int open_parent(struct engine *e, struct cgroup *p)
{
        return p->be ? 0 : adjust_open(e, p);
}

/* Removed (its children with it): nothing is left to put back, nor to try again, nor a fight to go on. */
static void forget_parent(struct engine *e, struct cgroup *p)
{
        p->high = p->low = p->min = (struct adjust){};
        memset(p->contests, 0, sizeof(p->contests));
        e->be->ops->close_cgroup(e->be, p->be);
        p->be = NULL;
}

static int protect_parent(struct engine *e, struct cgroup *p, enum cg_file f)
{
        struct adjust *a = adjust_of(p, f);
        uint64_t original, need, was, below = hierarchy_below(e, p->path, f);
        int r;

        if (below == 0 && !a->active)
                return 0;
        r = open_parent(e, p);
        if (r < 0)
                return r;
        if (below == 0)
                return adjust_release(e, p, f, a->original);
        if (a->active)
                original = a->original;
        else if ((r = backend_read_u64(e->be, p->be, f, &original)) < 0)
                return r;
        need = hierarchy_needed(original, below);
        if (a->active && close_enough(a->value, need))
                return 0;
        was = a->active ? a->value : original;
        r = adjust_set(e, p, f, need);
        if (r == 0 && a->value != was && e->obs.protected)
                e->obs.protected(e->obs.userdata, p, f, a->value, 0);
        return r == -EEXIST ? 0 : r;
}

/* A memory.high kept from a cgroup no longer managed (hierarchy_adopt()): put back. */
static int release_high(struct engine *e, struct cgroup *p)
{
        int r = open_parent(e, p);

        return r < 0 ? r : adjust_release(e, p, CG_MEMORY_HIGH, p->high.original);
}

int hierarchy_protect(struct engine *e, bool *released)
{
        static const enum cg_file files[] = { CG_MEMORY_LOW, CG_MEMORY_MIN };
        int held = 0;

        for (size_t i = e->n_parents; i-- > 0;) {
                struct cgroup *p = &e->parents[i];
                unsigned had = adjust_count(p);
                bool gone = false;

                for (size_t k = 0; k < ARRAY_SIZE(files) && !gone; k++)
                        gone = is_gone(protect_parent(e, p, files[k]));
                if (p->high.active && !gone)
                        gone = is_gone(release_high(e, p));
                if (gone)
                        forget_parent(e, p);
                if (adjust_count(p) < had)
                        *released = true;   /* the caller saves the records: one ended, or all */
                /*
                 * Nothing held: no descriptors kept (an ancestor opens again when
                 * needed), also when what it held ended before this pass
                 * (adjust_verify()) or an operator's value needed no hold.
                 */
                if (p->be && adjust_count(p) == 0) {
                        e->be->ops->close_cgroup(e->be, p->be);
                        p->be = NULL;
                }
                held += p->low.active || p->min.active;
        }
        return held;
}

void hierarchy_restore(struct engine *e)
{
        for (size_t i = 0; i < e->n_parents; i++) {
                struct cgroup *p = &e->parents[i];

                for (size_t k = 0; k < ARRAY_SIZE(adjust_files); k++) {
                        struct adjust *a = adjust_of(p, adjust_files[k]);
                        int r;

                        if (!a->active)
                                continue;
                        r = open_parent(e, p);
                        if (r == 0)
                                r = adjust_release(e, p, adjust_files[k], a->original);
                        if (is_gone(r)) {
                                forget_parent(e, p);   /* a slice stopped since the last pass */
                                break;
                        }
                        if (!p->be)
                                break;   /* kept, and tried again */
                }
        }
}

int hierarchy_held(const struct engine *e)
{
        int n = 0;

        for (size_t i = 0; i < e->n_parents; i++)
                n += adjust_count(&e->parents[i]) > 0;
        return n;
}

int hierarchy_adopt(struct engine *e, struct cgroup *cg)
{
        struct cgroup *to = engine_find(e, cg->path) ?: hierarchy_find(e, cg->path);
        bool added = !to;

        if (added) {
                int r = hierarchy_reserve(e, 1);   /* none to make where the caller reserved ahead */

                if (r < 0)
                        return r;
                to = &e->parents[e->n_parents++];
                *to = (struct cgroup){ .path = cg->path, .soft_limit_bytes = UINT64_MAX };
                cg->path = NULL;
        }
        for (size_t k = 0; k < ARRAY_SIZE(adjust_files); k++) {
                struct adjust *from = adjust_of(cg, adjust_files[k]), *a = adjust_of(to, adjust_files[k]);

                if (from->active && !a->active) {
                        *a = *from;
                        contest_merge(&to->contests[k], &cg->contests[k]);
                }
                *from = (struct adjust){};
        }
        /* A managed cgroup opens its own at the next refresh (and reads its attributes then). */
        if (!to->be && !engine_find(e, to->path)) {
                to->be = cg->be;
                cg->be = NULL;
        }
        if (added && e->n_parents > 1)
                qsort(e->parents, e->n_parents, sizeof(*e->parents), cmp_cgroup);
        return 0;
}
