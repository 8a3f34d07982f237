/* reclaimctl explain: why a cgroup was or was not reclaimed, one sentence per reason, each naming its rule. */
#include "autoconfig.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>

#include "adjust.h"
#include "config.h"
#include "escape.h"
#include "explain.h"
#include "policy.h"
#include "snapshot.h"
#include "status.h"
#include "units.h"
#include "util.h"

/* One reason: "- " the sentence, then its rule in parentheses. */
static void say(FILE *f, const char *rule, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(FILE *f, const char *rule, const char *fmt, ...)
{
        va_list ap;

        fputs("- ", f);
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
        fprintf(f, " (%s).\n", rule);
}

/* Like say(), with a cgroup name between the two halves of the sentence, escaped. */
static void say_named(FILE *f, const char *rule, const char *before, const char *name, const char *after)
{
        fprintf(f, "- %s", before);
        escape_text(f, name);
        fprintf(f, "%s (%s).\n", after, rule);
}

static const char *round_ended(int verdict)
{
        switch (verdict) {
        case POLICY_DONE_TARGET:    return "it had freed its target";
        case POLICY_DONE_RESOLVED:  return "the pressure had gone";
        case POLICY_DONE_NOTHING:   return "nothing in it could give more";
        case POLICY_DONE_SHORT:     return "priority 0 had passed";
        case POLICY_DONE_EXHAUSTED: return "priority 0 had passed with nothing freed";
        case POLICY_DONE_TIMEOUT:   return "a step had run past step_timeout";
        case -ECANCELED:            return "reclaimd was stopping";
        default:                    return "it failed";
        }
}

/* Above its soft limit, yet not counted as over it: held by memory.min, or within the margin. */
static bool above_but_not_over(const struct snapshot_cgroup *c)
{
        return c->exists && !c->over && c->soft_limit != UINT64_MAX && c->current > c->soft_limit;
}

static void explain_floor(FILE *f, const struct snapshot_cgroup *c)
{
        char v[FORMAT_SIZE_MAX], m[FORMAT_SIZE_MAX];

        if (c->files_read && c->min != UINT64_MAX && c->min + MIN_MARGIN_BYTES >= c->current)
                say(f, "memory.min is never crossed; the soft-limit loop stops there too",
                    "over its soft limit, but at memory.min (%s): nothing above it to take",
                    format_size(m, sizeof(m), c->min));
        else if (c->held_over && c->high_adj.active && c->high_adj.value > adjust_in_pages(c->soft_limit))
                say(f, "memory.high stays as a cap; the margin is for memory.reclaim: clamp_within_margin()",
                    "within 2 MiB of its soft limit (at %s): its excess is no longer asked for, but it is held by "
                    "memory.high at %s, which a round lowers to the limit; the others stay held until it is there",
                    format_size(v, sizeof(v), c->current), format_size(m, sizeof(m), c->high_adj.value));
        else if (c->held_over)
                say(f, "the floors hold until an offender is back at its soft limit: soft_limit_excess()",
                    "within 2 MiB of its soft limit (at %s): its excess is no longer asked for, but it came "
                    "from further over, so the others stay held until it is back at the limit",
                    format_size(v, sizeof(v), c->current));
        else
                say(f, "SOFT_MARGIN_BYTES: the kernel frees whole huge pages past a request",
                    "within 2 MiB of its soft limit (at %s): counted as at it, not over",
                    format_size(v, sizeof(v), c->current));
}

static void explain_round(FILE *f, const struct snapshot *s, const struct snapshot_cgroup *c)
{
        const struct snapshot_round *r = &c->round;
        const struct cg_decision *d = &c->decision;
        char a[FORMAT_SIZE_MAX], b[FORMAT_SIZE_MAX], t[16];
        bool other_over = r->largest_over && !streq(r->largest_over, c->path);

        fputs("In the last round that could reach it (", f);
        escape_text(f, r->scope ?: "system");
        fprintf(f, "%s, %s, %s):\n", r->proactive ? ", the balancer" : "", snapshot_verdict_name(r->verdict),
                status_clock(s, r->at_usec, t, sizeof(t)));
        if (r->verdict == POLICY_DONE_NO_SHORTAGE) {
                say(f, "v1's soft limits acted only when the machine was short: shrink_zones()",
                    "the machine was not short: free memory was above the high watermark plus the reserve, so no "
                    "round ran");
                return;
        }
        switch (d->reason) {
        case REASON_RECLAIMED:
                if (r->proactive)
                        say(f, "the balancer takes only from cgroups over their soft limits (reclaimd's rule; v1's "
                               "balance_pgdat() ran soft-limit reclaim, then shrink_node() on every cgroup)",
                            "trimmed by the balancer: asked %s, freed %s, at priority %d",
                            format_size(a, sizeof(a), d->value2), format_size(b, sizeof(b), d->value), d->priority);
                else if (d->proportional)
                        say(f, "no cgroup in scope was over its soft limit (reclaimd's rule: the kernel's shrink_node_memcgs() "
                               "runs after soft-limit reclaim regardless)",
                            "asked its share, %s, freed %s, at priority %d", format_size(a, sizeof(a), d->value2),
                            format_size(b, sizeof(b), d->value), d->priority);
                else
                        say(f, "soft-limit reclaim takes the largest excess first: mem_cgroup_soft_limit_reclaim()",
                            "reclaimed as the cgroup furthest over its soft limit: asked %s, freed %s, at priority %d",
                            format_size(a, sizeof(a), d->value2), format_size(b, sizeof(b), d->value), d->priority);
                if (d->value == 0)
                        say(f, "a cgroup that gave nothing is not asked again in the round",
                            "it gave nothing, so the round moved on");
                return;
        case REASON_CLAMPED:
                say(f, "from clamp_priority on, memory.high of the top offender may be lowered; of one whose "
                       "reclaimed memory comes back, at any priority",
                    "memory.reclaim fell short, or what it took came back, at priority %d, so memory.high was "
                    "lowered to %s", d->priority, format_size(a, sizeof(a), d->value));
                return;
        case REASON_THRASHING:
                say(f, "a cgroup refaulting 500‰ or more of what was taken is left out (reclaimd's rule; the kernel's "
                       "snapshot_refaults() only feeds deactivation): policy_watch_taken() for an offender, or the "
                       "machine's watch while it is the top one",
                    "refaulted %" PRIu64 "‰ of what was taken: left out as thrashing", d->value);
                return;
        case REASON_BELOW_LOW:
                say(f, "memory.low protects unless the round retries for it: mem_cgroup_below_low()",
                    "under memory.low (%s): left alone", format_size(a, sizeof(a), d->value));
                return;
        case REASON_AT_MIN:
                say(f, "memory.min is never crossed", "at memory.min (%s): nothing above it to take",
                    format_size(a, sizeof(a), d->value));
                return;
        case REASON_NONE:
                break;
        }
        if (c->over)
                say(f, "a round stops at its target or when the pressure is gone: compaction_ready",
                    "over its soft limit, but the round ended before reaching it: %s", round_ended(r->verdict));
        else if (above_but_not_over(c))
                explain_floor(f, c);
        else if (other_over && c->soft_limit == UINT64_MAX)
                say_named(f, "cgroups under their soft limits are left alone while any in scope is over",
                          "has no soft limit, and was left alone while ", r->largest_over, " was over");
        else if (other_over)
                say_named(f, "cgroups under their soft limits are left alone while any in scope is over",
                          "under its soft limit while ", r->largest_over, " was over");
        else if (r->proactive)
                say(f, "the balancer takes only from cgroups over their soft limits (reclaimd's rule; v1's "
                       "balance_pgdat() ran soft-limit reclaim, then shrink_node() on every cgroup)",
                    "not over its soft limit, which is all the balancer takes from");
        else
                say(f, "a round stops at its target or when the pressure is gone: compaction_ready",
                    "not over its soft limit, and the round did not get to it: %s", round_ended(r->verdict));
}

/* One sentence on a memory.low or memory.min that [balance] protect holds raised. */
static void explain_held(FILE *f, const struct snapshot *s, const char *file, const struct adjust *a,
                         uint64_t since_usec, const char *rule)
{
        char v[FORMAT_SIZE_MAX], o[FORMAT_SIZE_MAX], t[16];

        say(f, rule, "%s is held at %s (was %s) since %s, because %zu managed cgroup%s over %s soft limit%s", file,
            format_size(v, sizeof(v), a->value), format_size(o, sizeof(o), a->original),
            status_clock(s, since_usec, t, sizeof(t)), s->n_held_over, s->n_held_over == 1 ? " is" : "s are",
            s->n_held_over == 1 ? "its" : "their", s->n_held_over == 1 ? "" : "s");
}

/*
 * A file reclaimd holds that the last reading found set by someone since, as
 * the status shows it: theirs, not what reclaimd holds. Returns whether said.
 */
static bool said_changed(FILE *f, const struct snapshot_cgroup *c, enum cg_file file, const struct adjust *a)
{
        uint64_t kernel = file == CG_MEMORY_HIGH ? c->high : file == CG_MEMORY_MIN ? c->min : c->low;
        char k[FORMAT_SIZE_MAX], v[FORMAT_SIZE_MAX], o[FORMAT_SIZE_MAX];

        if (!a->active || snapshot_held(c, file))
                return false;
        say(f, "a value someone set since reclaimd wrote is theirs; reclaimd lets its record go at its next read "
               "there (its next write, or the read of every held file about once a balance interval)",
            "%s is %s, set since reclaimd held it at %s (was %s)", cg_file_name(file),
            kernel == UINT64_MAX ? "max" : format_size(k, sizeof(k), kernel), format_size(v, sizeof(v), a->value),
            a->original == UINT64_MAX ? "max" : format_size(o, sizeof(o), a->original));
        return true;
}

/* A file someone keeps writing over reclaimd's hold of (lib/contest.c): a fight. */
static void say_fight(FILE *f, enum cg_file file, const struct contest *k)
{
        if (contest_fight(k))
                say(f, "a hold written over is taken again at the next read, whoever wrote it; the fight is over "
                       "once the file stays held as long",
                    "%s has been written over by someone else %" PRIu32 " times in a row, each within %llu "
                    "minutes of the last (%" PRIu32 " in all): another writer (a script, an agent, repeated "
                    "daemon-reloads) keeps setting it",
                    cg_file_name(file), k->streak, (unsigned long long)(CONTEST_WINDOW_USEC / 60000000), k->lost);
}

static void explain_contests(FILE *f, const struct snapshot_cgroup *c)
{
        for (size_t k = 0; k < ARRAY_SIZE(adjust_files); k++)
                say_fight(f, adjust_files[k], &c->contests[k]);
}

/* What reclaimd holds on the cgroup now, and what keeps rounds away from it. */
static void explain_now(FILE *f, const struct snapshot *s, const struct snapshot_cgroup *c)
{
        const struct snapshot_trigger *b = snapshot_backoff(s, c->path);
        char v[FORMAT_SIZE_MAX], o[FORMAT_SIZE_MAX], t[16];
        uint64_t pct;

        if (above_but_not_over(c) && (!c->round.ran || c->decision.reason != REASON_NONE))
                explain_floor(f, c);   /* what holds it now, if the round's reason did not say it */
        if (c->high_adj.active && !said_changed(f, c, CG_MEMORY_HIGH, &c->high_adj))
                say(f, "released a step every release_interval once the pressure is gone",
                    "memory.high is held at %s (was %s) since %s", format_size(v, sizeof(v), c->high_adj.value),
                    c->high_adj.original == UINT64_MAX ? "max" : format_size(o, sizeof(o), c->high_adj.original),
                    status_clock(s, c->high_since_usec, t, sizeof(t)));
        if (c->low_adj.active && !said_changed(f, c, CG_MEMORY_LOW, &c->low_adj))
                explain_held(f, s, "memory.low", &c->low_adj, c->low_since_usec,
                             "[balance] protect: memory.low is held at the soft limits while any managed cgroup is over");
        if (c->min_adj.active && !said_changed(f, c, CG_MEMORY_MIN, &c->min_adj))
                explain_held(f, s, "memory.min", &c->min_adj, c->min_since_usec,
                             "[balance] protect: memory.min where memory.low would only defer the kernel's reclaim "
                             "(the multi-gen LRU, 6.3+), or with protect = min; held while those over their soft "
                             "limits can give what the machine lacks");
        explain_contests(f, c);
        if (b) {
                pct = b->last.requested ? b->last.reclaimed * 100 / b->last.requested : 0;
                fputs("- ", f);
                fprintf(f, "backing off until %s after a round for ", status_clock(s, b->backoff_until_usec, t, sizeof(t)));
                escape_text(f, b->scope ?: "system");
                fprintf(f, " freed %" PRIu64 " %% of what it asked (a round freeing under 1/8 of its request "
                        "doubles the cooldown: reclaimd's back-off, on consider_reclaim_throttle()'s 1/8 "
                        "test).\n", pct);
        }
}

/* What reclaimd holds in path, which it does not manage (an ancestor's floor, or a restore to retry), and fights over it. */
static void say_held_unmanaged(FILE *f, const struct snapshot *s, const char *path)
{
        for (size_t i = 0; i < s->n_held; i++) {
                const struct snapshot_held *h = &s->held[i];
                char v[FORMAT_SIZE_MAX], o[FORMAT_SIZE_MAX];

                if (!streq(h->path, path))
                        continue;
                format_size(v, sizeof(v), h->value);
                format_size(o, sizeof(o), h->original);
                if (h->for_floors)
                        say(f, "memory.low and memory.min are hierarchical: a child is protected only as far as "
                            "its ancestors are", "%s is held at %s (was %s) by reclaimd, so that the floors beneath "
                            "it hold", cg_file_name(h->file), v, o);
                else
                        say(f, "tried again at each of the balancer's checks ([balance] interval), and at the stop",
                            "%s is at %s, which reclaimd set and could not put back yet (to %s)",
                            cg_file_name(h->file), v, o);
        }
        for (size_t i = 0; i < s->n_unmanaged_contests; i++)
                if (streq(s->unmanaged_contests[i].path, path))
                        say_fight(f, s->unmanaged_contests[i].file, &s->unmanaged_contests[i].contest);
}

int explain_write(FILE *f, const struct snapshot *s, const struct config *cfg, const char *path, bool exists)
{
        const struct snapshot_cgroup *c = snapshot_find(s, path);
        const struct cgroup_config *sec;

        if (!c) {
                sec = cfg ? config_match(cfg, path) : NULL;
                if (!exists)
                        return -ENOENT;   /* a glob's match that does not exist is no cgroup to explain */
                escape_text(f, path);
                fputs(":\n", f);
                if (!sec)
                        say(f, "only cgroups a [cgroup PATH] section names or matches are managed",
                            "not managed: no section matches");
                else if (s->own_path && streq(path, s->own_path))
                        say_named(f, "its memory is locked, and a clamp there would throttle reclaimd itself",
                                  "matches [cgroup ", sec->path, "] but is reclaimd's own cgroup, which a glob "
                                  "never manages");
                else
                        say_named(f, "globs are followed at each release_interval tick",
                                  "matches [cgroup ", sec->path, "] but is not followed yet");
                say_held_unmanaged(f, s, path);
                return ferror(f) ? -EIO : 0;
        }
        escape_text(f, path);
        fputs(": managed by [cgroup ", f);
        escape_text(f, c->section ?: "?");
        fprintf(f, "] (%s:%u)", c->section_file ?: "?", c->section_line);
        if (!c->exists) {
                fputs(", but there is no such cgroup now.\n", f);
                return ferror(f) ? -EIO : 0;
        }
        fputs(".\n", f);
        if (!c->round.ran)
                fputs("No round has reached it since reclaimd started managing it.\n", f);
        else
                explain_round(f, s, c);
        explain_now(f, s, c);
        return ferror(f) ? -EIO : 0;
}
