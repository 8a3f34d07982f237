/* Reclaim decisions, modelled on the kernel's direct reclaim with reclaimd's departures, as pure functions. */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "adjust.h"
#include "config.h"
#include "policy.h"
#include "units.h"
#include "util.h"

static void start_pass(struct scan_control *sc)
{
        sc->pass++;
        sc->phase = PHASE_SOFT;
        sc->fruitless_loops = 0;
        sc->pass_done = false;
        sc->offered_in_pass = false;
        sc->prop_index = 0;
        /*
         * File pages only (memory.reclaim's swappiness=0) until harder_priority,
         * then anonymous memory too. This is reclaimd's own escalation: the
         * kernel's global reclaim has may_swap set from the start, and only
         * may_writepage (writing dirty pages, laptop_mode) waits for
         * DEF_PRIORITY - 2 in do_try_to_free_pages(). Swapping costs the
         * cgroup I/O later; clean page cache is re-read at most.
         */
        sc->may_swap = sc->priority <= sc->harder_priority;
        sc->may_clamp = sc->clamp_allowed && sc->priority <= sc->clamp_priority;
}

void scan_control_init(struct scan_control *sc, const struct config *cfg, const char *scope)
{
        *sc = (struct scan_control){
                .nr_to_reclaim = cfg->round_target_bytes,
                .min_chunk = cfg->min_chunk_bytes,
                .initial_priority = (int)cfg->initial_priority,
                .priority = (int)cfg->initial_priority,
                .scope = scope,
                .harder_priority = (int)cfg->harder_priority,
                .clamp_priority = (int)cfg->clamp_priority,
                .clamp_allowed = cfg->clamp_high,
        };
        start_pass(sc);
}

int policy_cut_priority(const struct scan_control *sc)
{
        return sc->pass_done && sc->priority > 0 ? sc->priority - 1 : sc->priority;
}

void scan_control_resume(struct scan_control *sc, int priority)
{
        sc->priority = priority < sc->priority ? priority : sc->priority;
        start_pass(sc);
}

/* memory.min, with the margin that keeps the kernel's overshoot above it. */
static uint64_t min_floor(const struct cgroup *cg)
{
        if (cg->min_bytes == 0)
                return 0;
        return cg->min_bytes > UINT64_MAX - MIN_MARGIN_BYTES ? UINT64_MAX : cg->min_bytes + MIN_MARGIN_BYTES;
}

/* The soft limit itself, or memory.min (with its margin) when higher. */
static uint64_t limit_floor(const struct cgroup *cg)
{
        uint64_t min = min_floor(cg);

        return cg->soft_limit_bytes > min ? cg->soft_limit_bytes : min;
}

/*
 * Whether cg is above limit_floor() by a page or more: memory.current counts
 * whole pages, and a clamp to a limit that is not a page multiple holds it
 * a part of a page higher (adjust_in_pages()), where usage settles.
 */
static bool above_limit(const struct cgroup *cg)
{
        return cg->current_bytes > adjust_in_pages(limit_floor(cg));
}

/* The soft-limit loop stops at the soft limit (with its margin), or at memory.min when higher. */
static uint64_t soft_floor(const struct cgroup *cg)
{
        uint64_t min = min_floor(cg), soft = cg->soft_limit_bytes;

        if (soft < UINT64_MAX - SOFT_MARGIN_BYTES)
                soft += SOFT_MARGIN_BYTES;
        return soft > min ? soft : min;
}

static uint64_t above(uint64_t current, uint64_t floor)
{
        return current > floor ? current - floor : 0;
}

uint64_t policy_soft_request(const struct cgroup *cg, uint64_t min_chunk)
{
        uint64_t avail = above(cg->current_bytes, soft_floor(cg));
        uint64_t ask = cg->excess_bytes >> SOFT_RECLAIM_SHIFT;

        if (ask < min_chunk)
                ask = min_chunk;
        return ask < avail ? ask : avail;
}

bool policy_over_soft_limit(const struct cgroup *cg)
{
        return cg->soft_limit_bytes != UINT64_MAX && above(cg->current_bytes, soft_floor(cg)) > 0;
}

void policy_note_over(struct cgroup *cg)
{
        cg->held_over = policy_over_soft_limit(cg) ||
                        (cg->held_over && cg->soft_limit_bytes != UINT64_MAX && above_limit(cg));
}

uint64_t policy_protection(const struct cgroup *cg, const struct cgroup *top, uint64_t level_bytes)
{
        uint64_t soft = cg->soft_limit_bytes;

        if (cg == top || !cg->held_over)
                return soft;
        return soft > UINT64_MAX - level_bytes ? UINT64_MAX : soft + level_bytes;
}

uint64_t policy_rank_level(struct excess_tree *tree, uint64_t step_bytes, uint64_t now_usec,
                           struct cgroup **ret_top)
{
        struct cgroup *cg;
        unsigned seen = 0;

        *ret_top = NULL;
        if (step_bytes < RANK_STEP_BYTES)
                step_bytes = RANK_STEP_BYTES;
        RB_FOREACH_REVERSE(cg, excess_tree, tree) {
                if (!cg->held_over || policy_floors_yield(cg, now_usec))
                        continue;
                if (++seen == 1)
                        *ret_top = cg;
                if (seen == 2)
                        return cg->excess_bytes / step_bytes * step_bytes;
        }
        return 0;
}

/* The floors' watch found what was taken from cg came back, within the window (policy_watch_taken()). */
static bool watch_says_thrashing(const struct cgroup *cg, uint64_t now_usec)
{
        return cg->thrash_at_usec && now_usec - cg->thrash_at_usec <= REFAULT_WINDOW_USEC;
}

bool policy_thrashing(const struct cgroup *cg, uint64_t now_usec)
{
        return (cg->refault_known && cg->refault_permille >= REFAULT_THRASHING_PERMILLE &&
                now_usec - cg->refault_at_usec <= REFAULT_WINDOW_USEC) ||
               watch_says_thrashing(cg, now_usec);
}

/* What came back per 1000 taken, by whichever judgement makes cg thrash: for reclaimctl explain. */
static uint32_t thrash_permille(const struct cgroup *cg, uint64_t now_usec)
{
        if (watch_says_thrashing(cg, now_usec) && cg->thrash_at_permille > cg->refault_permille)
                return cg->thrash_at_permille;
        return cg->refault_permille;
}

enum cg_file policy_offender_file(const struct cgroup *cg, const struct cgroup *top, enum cg_file under,
                                  uint64_t now_usec)
{
        if (!cg->held_over)
                return under;
        if (cg == top || policy_floors_yield(cg, now_usec))
                return CG_MEMORY_LOW;
        return under;
}

enum cg_file policy_protection_file(enum protect_mode mode, bool low_defers, uint64_t reclaimable_bytes,
                                    uint64_t min_excess_bytes)
{
        bool hard = mode == PROTECT_MIN || (mode == PROTECT_AUTO && low_defers);

        return hard && reclaimable_bytes >= min_excess_bytes ? CG_MEMORY_MIN : CG_MEMORY_LOW;
}

bool policy_step_may_swap(const struct scan_control *sc, const struct cgroup *cg, uint64_t bytes)
{
        return sc->may_swap || cg->file_lru_bytes < bytes;
}

uint64_t policy_reclaimable(const struct cgroup *cg, bool memcg_low_reclaim)
{
        uint64_t floor = min_floor(cg);

        /* mem_cgroup_below_low() protects unless the round retries: memcg_low_reclaim. */
        if (!memcg_low_reclaim && cg->low_bytes > floor)
                floor = cg->low_bytes;
        return above(cg->current_bytes, floor);
}

/* Records why the round did what it did with cg, for reclaimctl explain (lib/explain.c). */
static void decide(struct cgroup *cg, const struct scan_control *sc, enum cg_reason reason, uint64_t value,
                   uint64_t value2)
{
        cg->decision = (struct cg_decision){ .reason = reason, .proportional = sc->phase == PHASE_PROPORTIONAL,
                                             .priority = sc->priority, .value = value, .value2 = value2 };
}

/*
 * Whether a round lowers cg's memory.high the rest of the way to its soft
 * limit although cg is within its margin: one that came from further over
 * (held_over: the floors still hold the others for it) and that our
 * memory.high holds already. The margin keeps memory.reclaim's overshoot
 * (a whole huge page past a request) above the soft limit, where a request
 * is all there is; the reclaim that a lowered memory.high starts can
 * overshoot as well (reclaim_high(): the same LRU scan), but the limit
 * stays as a cap, so the cgroup grows back to it and is held at the soft
 * limit, not under it. Left where the soft-limit loop stops, it sat within
 * a page or two of the margin, passing it both ways as its usage passed
 * memory.high, its excess too small to give what the machine lacked, so
 * the floors held by memory.low (measured in the VM's hot shape on 6.12:
 * batch at 33.9-34.2 MiB for a soft limit of 32, and web lost 18.7 MiB by
 * swap in 0.8 s while the multi-gen LRU deferred its memory.low). v1 had
 * no such hold; its soft-limit reclaim went on while soft_limit_excess()
 * was above 0. Not for the balancer, which leaves
 * what memory.high holds alone, nor where the floors give way to cg. (On
 * 6.16+ the write does not reclaim: the cgroup's tasks do, as they charge
 * memory; an idle one keeps its usage, and the others stay held for it.)
 */
static bool clamp_within_margin(const struct scan_control *sc, const struct cgroup *cg)
{
        return sc->clamp_allowed && !sc->proactive && cg->held_over && cg->high.active && above_limit(cg) &&
               !policy_floors_yield(cg, sc->now_usec);
}

/*
 * The largest cgroup in scope over its soft limit, not yet tried in this
 * pass, or one within its margin whose clamp goes on (clamp_within_margin()).
 * *ret_any tells whether any cgroup in scope is over its soft limit, tried
 * or not: while one is, the proportional pass leaves the others alone.
 */
static struct cgroup *next_soft(const struct scan_control *sc, struct excess_tree *tree, bool *ret_any)
{
        struct cgroup *cg;

        *ret_any = false;
        RB_FOREACH_REVERSE(cg, excess_tree, tree) {
                if (!cgroup_in_scope(cg->path, sc->scope))
                        continue;
                if (!policy_over_soft_limit(cg)) {
                        if (clamp_within_margin(sc, cg) && cg->visited_pass != sc->pass)
                                return cg;   /* for its clamp alone: it keeps no pass away */
                        continue;
                }
                /*
                 * The balancer leaves a thrashing cgroup alone: trimming it
                 * every interval would only feed its refaults. (Departs from
                 * balance_pgdat(), whose soft-limit reclaim knew no refaults;
                 * a stalling machine's round holds it with memory.high
                 * instead, policy_next(), unless the floors give way to it,
                 * below.)
                 */
                if (sc->proactive && policy_thrashing(cg, sc->now_usec)) {
                        decide(cg, sc, REASON_THRASHING, thrash_permille(cg, sc->now_usec), 0);
                        continue;
                }
                /*
                 * Nor does any round take from an offender the floors give
                 * way to: what reclaim took from it came back, and the
                 * kernel's LRU order decides meanwhile (our choice, see
                 * YIELD_MIN_STEAL_BYTES); asking it would only feed its
                 * refaults, as the kernel's reclaim did.
                 */
                if (policy_floors_yield(cg, sc->now_usec)) {
                        decide(cg, sc, REASON_THRASHING, cg->taken.permille, 0);
                        continue;
                }
                *ret_any = true;
                if (cg->visited_pass != sc->pass)
                        return cg;
        }
        return NULL;
}


/* A cgroup's share of what the round still misses, weighted by what it can give. */
static uint64_t prop_request(const struct scan_control *sc, uint64_t reclaimable, uint64_t total)
{
        uint64_t missing = sc->nr_to_reclaim - sc->nr_reclaimed;
        uint64_t share = total ? (uint64_t)((unsigned __int128)missing * reclaimable / total) : missing;
        uint64_t ask = reclaimable >> sc->priority;

        if (ask > share)
                ask = share;
        if (ask < sc->min_chunk)
                ask = sc->min_chunk;
        return ask < reclaimable ? ask : reclaimable;
}

/* shrink_node_memcgs(): the next cgroup of the pass, memory.low honoured unless retrying. */
static struct cgroup *next_prop(struct scan_control *sc, uint64_t *ret_bytes)
{
        uint64_t total = 0;

        for (size_t i = 0; i < sc->n_prop; i++)
                if (!policy_thrashing(sc->prop[i], sc->now_usec))
                        total += policy_reclaimable(sc->prop[i], sc->memcg_low_reclaim);
        while (sc->prop_index < sc->n_prop) {
                struct cgroup *cg = sc->prop[sc->prop_index++];
                uint64_t r = policy_reclaimable(cg, sc->memcg_low_reclaim);

                /* Thrashing, or gave nothing earlier in this round: asking again at a lower
                 * priority only swaps out what is faulted straight back in. */
                if (policy_thrashing(cg, sc->now_usec) || cg->prop_fruitless) {
                        if (!cg->prop_fruitless)   /* else: its last step says it gave nothing */
                                decide(cg, sc, REASON_THRASHING, thrash_permille(cg, sc->now_usec), 0);
                        continue;
                }

                if (r == 0) {
                        /* "memcg_low_skipped": untapped reserves, worth a retry before giving up. */
                        if (!sc->memcg_low_reclaim && policy_reclaimable(cg, true) > 0) {
                                sc->memcg_low_skipped = true;
                                decide(cg, sc, REASON_BELOW_LOW, cg->low_bytes, 0);
                        } else {
                                decide(cg, sc, REASON_AT_MIN, cg->min_bytes, 0);
                        }
                        continue;
                }
                cg->visited_pass = sc->pass;
                *ret_bytes = prop_request(sc, r, total);
                return cg;
        }
        return NULL;
}

uint64_t policy_clamp_from(const struct scan_control *sc, const struct cgroup *cg)
{
        if (sc->clamp_deferred && cg->high.active && cg->high.value < cg->current_bytes)
                return cg->high.value;
        return cg->current_bytes;
}

/*
 * The clamp that follows a soft-limit step that fell short, or that replaces
 * the step for an offender whose reclaimed memory came back: memory.high
 * below the usage by a share of what is above the soft limit that grows as
 * the priority falls, from a 1/(clamp_priority + 1) above clamp_priority and
 * at it, to all of it at priority 0; within the margin, all of it at once
 * (clamp_within_margin()). The kernel has no such throttle; the
 * escalation is reclaimd's own, as its steps no longer grow with the
 * priority: a clamp on memory that cannot be reclaimed (mlocked, refaulting)
 * reaches the soft limit within one round that gets that far.
 */
static bool clamp_value(const struct scan_control *sc, const struct cgroup *cg, uint64_t *ret_high)
{
        /* memory.high is a limit, not a request: it may go down to the soft limit itself. */
        uint64_t floor = limit_floor(cg), from = policy_clamp_from(sc, cg), high, over;
        unsigned steps = (unsigned)sc->clamp_priority + 1, depth;

        if (from <= floor)
                return false;
        over = from - floor;
        if (!policy_over_soft_limit(cg))
                depth = steps;   /* within the margin: the rest at once (clamp_within_margin()) */
        else
                depth = sc->priority > sc->clamp_priority ? 1 : steps - (unsigned)sc->priority;
        high = from - (uint64_t)((unsigned __int128)over * depth / steps);
        if (high < floor)
                high = floor;
        /* Held there or lower already (what is held is in whole pages, rounded up). */
        if (cg->high.active && cg->high.value < high + page_bytes())
                return false;
        *ret_high = high;
        return true;
}

/* Ends the pass: lower the priority, or retry for memory.low, or give up. */
static enum policy_verdict end_pass(struct scan_control *sc)
{
        if (!sc->offered_in_pass && !sc->memcg_low_skipped)
                return POLICY_DONE_NOTHING;
        if (sc->priority > 0) {
                sc->priority--;
                start_pass(sc);
                return POLICY_STEP;
        }
        /*
         * "if (sc->nr_reclaimed) return sc->nr_reclaimed;": progress, if short
         * of the target. A deferred clamp is progress too: its cgroup's tasks
         * reclaim it, and the round is short, not exhausted.
         */
        if (sc->nr_reclaimed || sc->nr_deferred)
                return POLICY_DONE_SHORT;
        if (sc->memcg_low_skipped && !sc->memcg_low_reclaim) {
                /* "Untapped cgroup reserves?  Don't OOM, retry." */
                sc->priority = sc->initial_priority;
                sc->memcg_low_reclaim = true;
                sc->memcg_low_skipped = false;
                start_pass(sc);
                return POLICY_STEP;
        }
        return POLICY_DONE_EXHAUSTED;
}

enum policy_verdict policy_next(struct scan_control *sc, struct excess_tree *tree,
                                struct cgroup **ret_cg, enum policy_action *ret_action,
                                uint64_t *ret_bytes)
{
        for (;;) {
                enum policy_verdict v;
                struct cgroup *cg;
                bool any, within;

                /* A deferred clamp counts: the cgroup's tasks reclaim it as they charge. */
                if (sc->nr_reclaimed + sc->nr_deferred >= sc->nr_to_reclaim)
                        return POLICY_DONE_TARGET;
                if (sc->pressure_resolved)
                        return POLICY_DONE_RESOLVED;
                cg = sc->clamp_next;
                sc->clamp_next = NULL;
                /*
                 * Found within its margin by the step's fresh reading (which
                 * wrote nothing): held on only where a hold of ours holds it
                 * already (clamp_within_margin()), as for the ranking.
                 */
                if (cg && (policy_over_soft_limit(cg) || clamp_within_margin(sc, cg)) &&
                    clamp_value(sc, cg, ret_bytes)) {
                        *ret_cg = cg;
                        *ret_action = ACTION_CLAMP;
                        return POLICY_STEP;
                }
                if (!sc->pass_done && sc->phase == PHASE_SOFT) {
                        cg = next_soft(sc, tree, &any);
                        within = cg && !policy_over_soft_limit(cg);
                        /*
                         * Within its margin, its clamp alone goes on
                         * (clamp_within_margin()). Or what reclaim took from
                         * it came back: asked again, it faults straight back
                         * in, round after round (one step each), and the
                         * clamp priority is never reached. memory.high holds
                         * it instead, a further share of its excess each
                         * pass, so that it reclaims its own. Our choice: v1's
                         * soft-limit reclaim took from it at every priority.
                         */
                        if (within || (cg && sc->clamp_allowed && policy_thrashing(cg, sc->now_usec))) {
                                cg->visited_pass = sc->pass;
                                if (clamp_value(sc, cg, ret_bytes)) {
                                        *ret_cg = cg;
                                        *ret_action = ACTION_CLAMP;
                                        return POLICY_STEP;
                                }
                                /* Held there already. */
                                if (!within)
                                        decide(cg, sc, REASON_THRASHING, thrash_permille(cg, sc->now_usec), 0);
                                continue;
                        }
                        if (cg) {
                                *ret_cg = cg;
                                *ret_action = ACTION_RECLAIM;
                                *ret_bytes = policy_soft_request(cg, sc->min_chunk);
                                return POLICY_STEP;
                        }
                        if (any)
                                sc->pass_done = true;   /* tried them all: the loop gives up */
                        else if (sc->soft_only)
                                return POLICY_DONE_NOTHING;   /* the excess is gone */
                        else
                                sc->phase = PHASE_PROPORTIONAL;   /* none over: the rest of the scope */
                }
                if (!sc->pass_done && sc->phase == PHASE_PROPORTIONAL) {
                        cg = next_prop(sc, ret_bytes);
                        if (cg) {
                                *ret_cg = cg;
                                *ret_action = ACTION_RECLAIM;
                                return POLICY_STEP;
                        }
                        sc->pass_done = true;
                }
                v = end_pass(sc);
                if (v != POLICY_STEP)
                        return v;
        }
}

uint64_t policy_refit(const struct scan_control *sc, const struct cgroup *cg, enum policy_action action,
                      uint64_t bytes)
{
        uint64_t avail;

        if (action == ACTION_CLAMP)
                return bytes;   /* a memory.high value, already floored at the soft limit */
        avail = sc->phase == PHASE_SOFT ? above(cg->current_bytes, soft_floor(cg))
                                        : policy_reclaimable(cg, sc->memcg_low_reclaim);
        return bytes < avail ? bytes : avail;
}

uint64_t policy_account(struct scan_control *sc, struct excess_tree *tree, struct cgroup *cg,
                        enum policy_action action, uint64_t requested, uint64_t current_after,
                        uint64_t now_usec)
{
        uint64_t before = cg->current_bytes;
        uint64_t reclaimed = before > current_after ? before - current_after : 0;
        bool within = !policy_over_soft_limit(cg);   /* a clamp within the margin: clamp_within_margin() */

        /* A fall beyond the request is the workload freeing memory (a process exiting), not ours. */
        if (reclaimed > requested)
                reclaimed = requested;

        /*
         * What memory.reclaim freed between the usage and a deferred hold of
         * ours was counted already as that clamp's (nr_deferred): once, here.
         */
        if (action == ACTION_RECLAIM && sc->clamp_deferred && cg->high.active && before > cg->high.value) {
                uint64_t held = before - cg->high.value, dup = reclaimed < held ? reclaimed : held;

                sc->nr_deferred -= dup < sc->nr_deferred ? dup : sc->nr_deferred;
        }
        sc->nr_requested += requested;
        sc->nr_reclaimed += reclaimed;
        sc->nr_steps++;
        sc->offered_in_pass = true;
        cg->acted = true;
        if (action == ACTION_RECLAIM)
                cg->asked_since_snapshot += requested;
        if (reclaimed)
                cg->last_reclaim_usec = now_usec;
        excess_tree_update(tree, cg, current_after);
        if (action == ACTION_CLAMP)
                decide(cg, sc, REASON_CLAMPED, cg->high.value, cg->high.original);
        else
                decide(cg, sc, REASON_RECLAIMED, reclaimed, requested);

        if (action == ACTION_CLAMP) {
                sc->nr_clamps++;
                /* One within its margin is the last of an earlier hold, not this pass's step: the pass goes on. */
                if (!within)
                        sc->pass_done = true;
                return reclaimed;
        }
        if (sc->phase == PHASE_PROPORTIONAL) {
                cg->prop_fruitless = reclaimed == 0;
                return reclaimed;
        }
        if (reclaimed) {
                /* mem_cgroup_soft_limit_reclaim() loops only while nothing was reclaimed. */
                sc->pass_done = true;
                /* Short of the request, or what was taken comes back: memory.high holds it. */
                if ((reclaimed < requested || policy_thrashing(cg, sc->now_usec)) && sc->may_clamp)
                        sc->clamp_next = cg;
                return reclaimed;
        }
        /* "If we failed to reclaim anything from this memory cgroup it is time to move on." */
        cg->visited_pass = sc->pass;
        if (sc->may_clamp)
                sc->clamp_next = cg;
        if (++sc->fruitless_loops > SOFT_LIMIT_MAX_FRUITLESS_LOOPS)
                sc->pass_done = true;
        return 0;
}

bool policy_pressure_resolved(uint64_t stall_delta_usec, uint64_t elapsed_usec,
                              uint64_t resolve_permyriad)
{
        if (elapsed_usec == 0)
                return false;
        return (unsigned __int128)stall_delta_usec * 10000 < (unsigned __int128)resolve_permyriad * elapsed_usec;
}

enum pressure_level policy_pressure_level(int priority, uint64_t requested, uint64_t reclaimed)
{
        uint64_t pressure;

        /* vmpressure_level_critical_prio = ilog2(100 / 10) = 3 (mm/vmpressure.c) */
        if (priority <= 3)
                return PRESSURE_CRITICAL;
        if (requested == 0)
                return PRESSURE_LOW;
        /* vmpressure_calc_level(): pressure = 100 - 100 * reclaimed / scanned */
        pressure = reclaimed >= requested ? 0 : 100 - (uint64_t)((unsigned __int128)reclaimed * 100 / requested);
        if (pressure >= 95)
                return PRESSURE_CRITICAL;
        if (pressure >= 60)
                return PRESSURE_MEDIUM;
        return PRESSURE_LOW;
}

const char *pressure_level_name(enum pressure_level level)
{
        static const char *const names[] = { "low", "medium", "critical" };

        return names[level];
}

bool policy_backoff_allows(const struct backoff *b, uint64_t now_usec)
{
        return now_usec >= b->until_usec;
}

uint64_t policy_backoff_update(struct backoff *b, uint64_t requested, uint64_t reclaimed,
                               uint64_t now_usec, uint64_t base_usec, uint64_t max_usec)
{
        uint64_t cooldown;

        if (requested == 0 || reclaimed > requested >> EFFICIENCY_SHIFT) {
                *b = (struct backoff){};
                return 0;
        }
        if (b->level < 32)
                b->level++;
        /* Doubling from base_usec, capped at max_usec (past 20 doublings, the cap: no overflow); backoff = 0s is none. */
        cooldown = base_usec == 0 ? 0 : b->level > 20 ? max_usec : base_usec << (b->level - 1);
        if (cooldown > max_usec)
                cooldown = max_usec;
        b->until_usec = now_usec + cooldown;
        return cooldown;
}

uint64_t policy_round_asked(const struct scan_control *sc)
{
        return sc->nr_requested > sc->nr_deferred ? sc->nr_requested - sc->nr_deferred : 0;
}

bool policy_far_from_mark(uint64_t free_bytes, uint64_t total_bytes, uint64_t mark_bytes)
{
        return free_bytes > mark_bytes && free_bytes - mark_bytes >= total_bytes >> FAR_FROM_MARK_SHIFT;
}

uint64_t policy_balance_pace(struct balance_pace *p, uint64_t free_bytes, uint64_t total_bytes,
                             uint64_t mark_bytes, uint64_t now_usec, uint64_t interval_usec,
                             uint64_t idle_usec)
{
        uint64_t headroom = free_bytes > mark_bytes ? free_bytes - mark_bytes : 0, fall = 0;
        unsigned __int128 need;

        if (p->at_usec && now_usec > p->at_usec && free_bytes < p->free_bytes) {
                unsigned __int128 bps = (unsigned __int128)(p->free_bytes - free_bytes) * USEC_PER_SEC /
                                        (now_usec - p->at_usec);

                fall = bps > UINT64_MAX ? UINT64_MAX : (uint64_t)bps;
        }
        p->fall_bps = fall > p->fall_bps / 2 ? fall : p->fall_bps / 2;
        p->free_bytes = free_bytes;
        p->at_usec = now_usec;
        /* What the fastest fall seen lately would take in a sleep, twice over. */
        need = (unsigned __int128)p->fall_bps * idle_usec * 2 / USEC_PER_SEC;
        p->asleep = idle_usec > interval_usec && policy_far_from_mark(free_bytes, total_bytes, mark_bytes) &&
                    headroom > need;
        return p->asleep ? idle_usec : interval_usec;
}

bool policy_release_high(const struct cgroup *cg, uint64_t min_chunk, uint64_t *ret_high)
{
        uint64_t step = cg->high.value >> 2, high;

        if (step < min_chunk)
                step = min_chunk;
        high = cg->high.value + step;
        if (high < cg->high.value || high >= cg->high.original ||
            (cg->high.original == UINT64_MAX && cg->current_bytes <= high / 2)) {
                *ret_high = cg->high.original;
                return true;
        }
        *ret_high = high;
        return false;
}

void policy_snapshot_refaults(struct cgroup *cg, uint64_t refault_bytes, uint64_t now_usec)
{
        /*
         * Too soon to judge: what the window's request took comes back only
         * as it is touched again, so a snapshot a moment after the last one
         * reads little and would clear a thrashing judgement between two
         * rounds. The window goes on; what this round asked counts in the
         * next one. (Counters that went back, a new cgroup at the path,
         * start afresh below.)
         */
        if (cg->refault_known && refault_bytes >= cg->refault_base &&
            now_usec - cg->refault_at_usec < REFAULT_MIN_WINDOW_USEC)
                return;
        if (cg->refault_known && (now_usec - cg->refault_at_usec > REFAULT_WINDOW_USEC ||
                                  refault_bytes < cg->refault_base)) {
                cg->refault_permille = 0;   /* too old to say what the last request cost */
        } else if (cg->refault_known && cg->asked_window > 0 && refault_bytes >= cg->refault_base) {
                uint64_t permille = (uint64_t)((unsigned __int128)(refault_bytes - cg->refault_base) * 1000 /
                                               cg->asked_window);

                cg->refault_permille = permille > UINT32_MAX ? UINT32_MAX : (uint32_t)permille;
        }
        cg->refault_base = refault_bytes;
        cg->refault_at_usec = now_usec;
        cg->refault_known = true;
        cg->asked_window = cg->asked_since_snapshot;
        cg->asked_since_snapshot = 0;
}

void policy_forget_refaults(struct cgroup *cg)
{
        cg->refault_known = false;
        cg->refault_permille = 0;
        cg->asked_window = 0;
        cg->asked_since_snapshot = 0;
}

int policy_watch(struct taken_watch *t, uint64_t steal_bytes, uint64_t refault_bytes, uint64_t min_steal_bytes,
                 uint64_t now_usec)
{
        bool thrashing = false;
        uint64_t stolen, back;

        if (t->known && steal_bytes >= t->steal_base && refault_bytes >= t->refault_base &&
            now_usec - t->at_usec <= REFAULT_WINDOW_USEC) {
                stolen = steal_bytes - t->steal_base;
                back = refault_bytes - t->refault_base;
                if (stolen < min_steal_bytes || now_usec - t->at_usec < YIELD_MIN_WINDOW_USEC)
                        return -EAGAIN;   /* too little taken, or too lately, to judge: the window goes on */
                t->stolen = stolen;
                t->permille = back >= stolen ? 1000 : (uint32_t)((unsigned __int128)back * 1000 / stolen);
                thrashing = t->permille >= REFAULT_THRASHING_PERMILLE;
        }
        t->known = true;
        t->steal_base = steal_bytes;
        t->refault_base = refault_bytes;
        t->at_usec = now_usec;
        return thrashing;
}

void policy_watch_taken(struct cgroup *cg, uint64_t steal_bytes, uint64_t refault_bytes, bool clamp,
                        uint64_t now_usec)
{
        if (policy_watch(&cg->taken, steal_bytes, refault_bytes, YIELD_MIN_STEAL_BYTES, now_usec) <= 0)
                return;
        if (clamp)
                policy_mark_thrashing(cg, cg->taken.permille, now_usec);
        else
                cg->yield_until_usec = now_usec + YIELD_USEC;
}

void policy_mark_thrashing(struct cgroup *cg, uint32_t permille, uint64_t now_usec)
{
        cg->thrash_at_usec = now_usec;
        cg->thrash_at_permille = permille;
}

bool policy_watch_machine(struct machine_watch *w, uint64_t steal_bytes, uint64_t refault_bytes,
                          uint64_t excess_bytes, uint64_t min_steal_bytes, uint64_t now_usec)
{
        uint64_t base = w->excess_base;
        int r = policy_watch(&w->taken, steal_bytes, refault_bytes, min_steal_bytes, now_usec);

        if (r < 0)
                return false;
        w->excess_base = excess_bytes;
        if (r == 0)
                return false;
        w->excess_fell = base > excess_bytes ? base - excess_bytes : 0;
        return w->excess_fell < w->taken.stolen / MACHINE_YIELD_OFFENDERS_SHARE;
}

uint64_t policy_machine_min_steal(uint64_t total_bytes)
{
        uint64_t v = total_bytes >> MACHINE_YIELD_MIN_STEAL_SHIFT;

        return v > YIELD_MIN_STEAL_BYTES ? v : YIELD_MIN_STEAL_BYTES;
}

bool policy_floors_yield(const struct cgroup *cg, uint64_t now_usec)
{
        return now_usec < cg->yield_until_usec;
}

int policy_prop_cmp(const void *a, const void *b)
{
        const struct cgroup *x = *(const struct cgroup *const *)a, *y = *(const struct cgroup *const *)b;

        if (x->refault_permille != y->refault_permille)
                return x->refault_permille < y->refault_permille ? -1 : 1;
        if (x->last_reclaim_usec != y->last_reclaim_usec)
                return x->last_reclaim_usec < y->last_reclaim_usec ? -1 : 1;
        return strcmp(x->path, y->path);
}
