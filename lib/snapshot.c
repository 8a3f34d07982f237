/* A copy of what reclaimd knows, taken between jobs, from which reclaimctl and the metrics are answered. */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "adjust.h"
#include "config.h"
#include "engine.h"
#include "hierarchy.h"
#include "snapshot.h"
#include "util.h"

const double snapshot_duration_bounds[SNAPSHOT_DURATION_BUCKETS] = {
        0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

unsigned snapshot_verdict_index(int verdict)
{
        if (verdict >= POLICY_DONE_TARGET && verdict <= POLICY_IDLE)
                return (unsigned)verdict;
        return verdict == -ECANCELED ? SNAPSHOT_VERDICTS - 2 : SNAPSHOT_VERDICTS - 1;
}

const char *snapshot_verdict_name(int v)
{
        static const char *const names[SNAPSHOT_VERDICTS] = {
                [POLICY_STEP] = "step",
                [POLICY_DONE_TARGET] = "target_met",
                [POLICY_DONE_RESOLVED] = "resolved",
                [POLICY_DONE_NOTHING] = "nothing_eligible",
                [POLICY_DONE_SHORT] = "short",
                [POLICY_DONE_EXHAUSTED] = "exhausted",
                [POLICY_DONE_NO_SHORTAGE] = "no_shortage",
                [POLICY_DONE_TIMEOUT] = "timed_out",
                [POLICY_IDLE] = "idle",
                [SNAPSHOT_VERDICTS - 2] = "stopped",
                [SNAPSHOT_VERDICTS - 1] = "error",
        };

        return names[snapshot_verdict_index(v)];
}

static int strdup_or_null(char **to, const char *from)
{
        *to = NULL;
        if (from && !(*to = strdup(from)))
                return -ENOMEM;
        return 0;
}

int snapshot_round_copy(struct snapshot_round *to, const struct snapshot_round *from)
{
        *to = *from;
        to->largest_over = NULL;   /* from's until copied: a failed copy of scope must not free it */
        if (strdup_or_null(&to->scope, from->scope) < 0 || strdup_or_null(&to->largest_over, from->largest_over) < 0) {
                snapshot_round_clear(to);
                return -ENOMEM;
        }
        return 0;
}

void snapshot_round_clear(struct snapshot_round *r)
{
        free(r->scope);
        free(r->largest_over);
        *r = (struct snapshot_round){};
}

const struct adjust *snapshot_held(const struct snapshot_cgroup *c, enum cg_file f)
{
        const struct adjust *a = f == CG_MEMORY_HIGH ? &c->high_adj : f == CG_MEMORY_MIN ? &c->min_adj : &c->low_adj;
        uint64_t kernel = f == CG_MEMORY_HIGH ? c->high : f == CG_MEMORY_MIN ? c->min : c->low;

        return a->active && (!c->files_read || adjust_holds(kernel, a->value)) ? a : NULL;
}

static int cmp_path(const void *key, const void *elem)
{
        return strcmp(key, ((const struct snapshot_cgroup *)elem)->path);
}

const struct snapshot_cgroup *snapshot_find(const struct snapshot *s, const char *path)
{
        return s->n_cgroups ? bsearch(path, s->cgroups, s->n_cgroups, sizeof(*s->cgroups), cmp_path) : NULL;
}

const struct snapshot_trigger *snapshot_backoff(const struct snapshot *s, const char *path)
{
        const struct snapshot_trigger *best = NULL;

        for (size_t i = 0; i < s->n_triggers; i++) {
                const struct snapshot_trigger *t = &s->triggers[i];

                if (t->backoff_until_usec > s->now_usec && cgroup_in_scope(path, t->scope) &&
                    (!best || t->backoff_until_usec > best->backoff_until_usec))
                        best = t;
        }
        return best;
}

/* A held value and since when: the time it began is kept from the last snapshot that saw it held. */
static uint64_t held_since(const struct adjust *now, const struct adjust *before, uint64_t before_since,
                           uint64_t now_usec)
{
        if (!now->active)
                return 0;
        return before && before->active && before_since ? before_since : now_usec;
}

/* memory.min, memory.low and memory.high as the kernel holds them now: three reads. */
static bool read_files_now(struct snapshot_cgroup *sc, struct engine *e, struct cgroup *cg)
{
        sc->files_writes = cg->adjust_writes;
        return cg->be && backend_read_u64(e->be, cg->be, CG_MEMORY_MIN, &sc->min) == 0 &&
               backend_read_u64(e->be, cg->be, CG_MEMORY_LOW, &sc->low) == 0 &&
               backend_read_u64(e->be, cg->be, CG_MEMORY_HIGH, &sc->high) == 0;
}

static int take_one(struct snapshot_cgroup *sc, struct engine *e, struct cgroup *cg,
                    const struct snapshot_cgroup *old, const struct snapshot_round *round, uint64_t now,
                    bool read_files)
{
        *sc = (struct snapshot_cgroup){
                .exists = cg->be != NULL,
                .soft_limit = cg->soft_limit_bytes,
                .current = cg->current_bytes,
                .excess = cg->excess_bytes,
                .over = cg->be && policy_over_soft_limit(cg),
                .held_over = cg->be && cg->held_over,
                .min = cg->min_bytes,
                .low = cg->low_bytes,
                .high = UINT64_MAX,
                .high_adj = cg->high,
                .low_adj = cg->low,
                .min_adj = cg->min,
                .refault_known = cg->refault_known,
                .refault_permille = cg->refault_permille,
                .yield_until_usec = cg->yield_until_usec,
                .taken_permille = cg->taken.permille,
                .counters = cg->counters,
                .decision = cg->decision,
        };
        memcpy(sc->contests, cg->contests, sizeof(sc->contests));
        sc->high_since_usec = held_since(&cg->high, old ? &old->high_adj : NULL, old ? old->high_since_usec : 0, now);
        sc->low_since_usec = held_since(&cg->low, old ? &old->low_adj : NULL, old ? old->low_since_usec : 0, now);
        sc->min_since_usec = held_since(&cg->min, old ? &old->min_adj : NULL, old ? old->min_since_usec : 0, now);
        /*
         * The files say what the kernel holds, an operator's value set since
         * reclaimd wrote included (the record ends at reclaimd's next read of it):
         * the last reading stands until the next, unless reclaimd wrote one
         * of them since, when they are read again (as many reads as a round
         * made writes, not every cgroup's after every round).
         */
        if (read_files || (old && old->files_read && old->files_writes != cg->adjust_writes)) {
                sc->files_read = read_files_now(sc, e, cg);
        } else if (old && old->files_read) {
                sc->files_read = true;
                sc->files_writes = old->files_writes;
                sc->min = old->min;
                sc->low = old->low;
                sc->high = old->high;
        }
        /*
         * Never read, what reclaimd holds them at is all that is known. A dry
         * run writes nothing: its files hold the kernel's values (or another
         * reclaimd's), and it shows its own, as if written.
         */
        if (!sc->files_read || e->dry_run) {
                if (cg->high.active)
                        sc->high = cg->high.value;
                if (cg->low.active)
                        sc->low = cg->low.value;
                if (cg->min.active)
                        sc->min = cg->min.value;
        }
        if (strdup_or_null(&sc->path, cg->path) < 0 ||
            strdup_or_null(&sc->section, cg->conf ? cg->conf->path : NULL) < 0 ||
            strdup_or_null(&sc->section_file, cg->conf ? cg->conf->file : NULL) < 0)
                return -ENOMEM;
        sc->section_line = cg->conf ? cg->conf->line : 0;
        if (round && round->ran && cgroup_in_scope(cg->path, round->scope))
                return snapshot_round_copy(&sc->round, round);
        if (old) {
                sc->decision = old->decision;
                return snapshot_round_copy(&sc->round, &old->round);
        }
        sc->decision = (struct cg_decision){};
        return 0;
}

/* The values reclaimd holds in cgroups it does not manage (engine.parents), for explain. */
static int take_held(struct snapshot *s, struct engine *e)
{
        static const enum cg_file files[] = { CG_MEMORY_HIGH, CG_MEMORY_LOW, CG_MEMORY_MIN };

        s->held = calloc(e->n_parents * ARRAY_SIZE(files) + 1, sizeof(*s->held));
        if (!s->held)
                return -ENOMEM;
        for (size_t i = 0; i < e->n_parents; i++)
                for (size_t k = 0; k < ARRAY_SIZE(files); k++) {
                        struct cgroup *p = &e->parents[i];
                        const struct adjust *a = adjust_of(p, files[k]);
                        struct snapshot_held *h = &s->held[s->n_held];

                        if (!a->active)
                                continue;
                        *h = (struct snapshot_held){ .file = files[k], .value = a->value, .original = a->original,
                                                     .for_floors = files[k] != CG_MEMORY_HIGH &&
                                                                   hierarchy_below(e, p->path, files[k]) > 0 };
                        if (strdup_or_null(&h->path, p->path) < 0)
                                return -ENOMEM;
                        s->n_held++;
                }
        return 0;
}

/*
 * The files of cgroups reclaimd does not manage that someone wrote over
 * (engine.parents): kept while the engine keeps the cgroup, so that the
 * counter goes on as a managed cgroup's does.
 */
static int take_unmanaged_contests(struct snapshot *s, struct engine *e)
{
        s->unmanaged_contests = calloc(e->n_parents * ARRAY_SIZE(adjust_files) + 1, sizeof(*s->unmanaged_contests));
        if (!s->unmanaged_contests)
                return -ENOMEM;
        for (size_t i = 0; i < e->n_parents; i++)
                for (size_t k = 0; k < ARRAY_SIZE(adjust_files); k++) {
                        struct snapshot_contest *c = &s->unmanaged_contests[s->n_unmanaged_contests];

                        if (!e->parents[i].contests[k].lost)
                                continue;
                        *c = (struct snapshot_contest){ .file = adjust_files[k],
                                                        .contest = e->parents[i].contests[k] };
                        if (strdup_or_null(&c->path, e->parents[i].path) < 0)
                                return -ENOMEM;
                        s->n_unmanaged_contests++;
                }
        return 0;
}

int snapshot_take_cgroups(struct snapshot *s, struct engine *e, const struct snapshot *prev,
                          const struct snapshot_round *round, bool read_files)
{
        struct cgroup *cg;
        unsigned rank = 0;

        s->cgroups = calloc(e->n_cgroups ?: 1, sizeof(*s->cgroups));
        if (!s->cgroups || strdup_or_null(&s->own_path, e->own_path) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < e->n_cgroups; i++) {
                const struct snapshot_cgroup *old = prev ? snapshot_find(prev, e->cgroups[i].path) : NULL;

                s->n_cgroups = i + 1;
                if (take_one(&s->cgroups[i], e, &e->cgroups[i], old, round, s->now_usec, read_files) < 0)
                        return -ENOMEM;
                s->n_over += s->cgroups[i].over;
                s->n_held_over += s->cgroups[i].held_over;
                s->clamped += e->cgroups[i].high.active;
                s->protected += e->cgroups[i].low.active || e->cgroups[i].min.active;
        }
        s->unmanaged_held = hierarchy_held(e);
        if (take_held(s, e) < 0 || take_unmanaged_contests(s, e) < 0)
                return -ENOMEM;
        s->floors_yield_until_usec = e->machine_yield_until_usec;
        s->machine_taken_bytes = e->machine.taken.stolen;
        s->machine_taken_permille = e->machine.taken.permille;
        /* The ranking the soft-limit loop would follow: the excess tree, largest first. */
        RB_FOREACH_REVERSE(cg, excess_tree, &e->tree) {
                struct snapshot_cgroup *sc = (struct snapshot_cgroup *)snapshot_find(s, cg->path);

                if (sc && sc->over)
                        sc->rank = ++rank;
        }
        return 0;
}

void snapshot_count_step(struct cgroup *cg, const struct engine_step *st, uint64_t now_usec)
{
        struct cg_counters *c = &cg->counters;
        unsigned k;

        if (is_gone(st->result))
                return;   /* removed under the write: no outcome of the step's (said as result=gone) */
        /* Cut short after step_timeout: memory.high was set; memory.reclaim freed part of its request. */
        if (st->action == ACTION_CLAMP) {
                k = st->result == 0 || st->result == -ETIMEDOUT ? 0 : st->result == -EEXIST ? 1 : 2;
                c->clamps[k]++;
        } else {
                k = st->result == 0 ? 0 : st->result == -EAGAIN || st->result == -ETIMEDOUT ? 1 : 2;
                c->requests[k]++;
        }
        if (!st->dry_run)   /* taken as freed, to play the round on; nothing was */
                c->reclaimed_bytes += st->reclaimed_bytes;
        c->stepped = true;
        c->last_clamp = st->action == ACTION_CLAMP;
        c->last_result = st->result;
        c->last_priority = st->priority;
        c->last_requested = st->requested_bytes;
        c->last_reclaimed = st->dry_run ? 0 : st->reclaimed_bytes;
        c->last_at_usec = now_usec;
}

void snapshot_count_round(struct snapshot_counters *c, bool proactive, int verdict, uint64_t reclaimed,
                          uint64_t duration_usec)
{
        double sec = (double)duration_usec / 1e6;

        c->rounds[proactive][snapshot_verdict_index(verdict)]++;
        if (verdict == POLICY_DONE_NO_SHORTAGE)
                return;   /* a trigger that found the machine not short: no round ran */
        c->reclaimed_bytes += reclaimed;
        c->duration_count++;
        c->duration_sum_seconds += sec;
        for (size_t i = 0; i < SNAPSHOT_DURATION_BUCKETS; i++)
                c->duration_buckets[i] += sec <= snapshot_duration_bounds[i];
}

void snapshot_clear(struct snapshot *s)
{
        for (size_t i = 0; i < s->n_held; i++)
                free(s->held[i].path);
        free(s->held);
        for (size_t i = 0; i < s->n_unmanaged_contests; i++)
                free(s->unmanaged_contests[i].path);
        free(s->unmanaged_contests);
        for (size_t i = 0; i < s->n_cgroups; i++) {
                free(s->cgroups[i].path);
                free(s->cgroups[i].section);
                free(s->cgroups[i].section_file);
                snapshot_round_clear(&s->cgroups[i].round);
        }
        free(s->cgroups);
        for (size_t i = 0; i < s->n_triggers; i++) {
                free(s->triggers[i].scope);
                snapshot_round_clear(&s->triggers[i].last);
        }
        free(s->triggers);
        snapshot_round_clear(&s->last_round);
        free(s->own_path);
        *s = (struct snapshot){};
}
