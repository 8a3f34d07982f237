/* The floors: memory.low and memory.min held while a cgroup is over its soft limit, and the watch on whether they work. */
#include "autoconfig.h"

#include <errno.h>
#include <inttypes.h>

#include "adjust.h"
#include "backend.h"
#include "config.h"
#include "engine.h"
#include "engine-internal.h"
#include "hierarchy.h"
#include "log.h"
#include "memstat.h"
#include "policy.h"
#include "sysmem.h"
#include "util.h"

/* Says cg's hold of f at value once: each change, and each new error. */
static void protect_said(struct engine *e, struct cgroup *cg, enum cg_file f, uint64_t value, bool changed, int r)
{
        if (e->obs.protected && (r < 0 ? r != cg->last_low_err : changed))
                e->obs.protected(e->obs.userdata, cg, f, value, r);
        cg->last_low_err = r;
}

/* Puts cg's file f back, if reclaimd holds it. Returns whether a record ended. */
static bool unprotect_one(struct engine *e, struct cgroup *cg, enum cg_file f)
{
        struct adjust *a = adjust_of(cg, f);
        int r;

        if (!a->active)
                return false;
        r = adjust_release(e, cg, f, a->original);
        if (is_gone(r))
                engine_forget(e, cg, r);
        return true;
}

/*
 * Stages cg's file f (memory.low or memory.min) at value; engine_protect()
 * saves the records once for all of them, then writes (protect_commit()).
 * Returns whether a write is due.
 */
static bool protect_stage(struct engine *e, struct cgroup *cg, enum cg_file f, uint64_t value, bool *released)
{
        int r = adjust_stage(e, cg, f, value);

        if (r == -EEXIST) {
                /* The operator's value protects as much already: a hold above it goes back to it. */
                *released |= unprotect_one(e, cg, f);
                return false;
        }
        if (is_gone(r))
                engine_forget(e, cg, r);
        else if (r <= 0)
                protect_said(e, cg, f, value, false, r);
        return r > 0;
}

/* Writes cg's staged files, or, when the records could not be saved (saved < 0), puts them back. */
static void protect_commit(struct engine *e, struct cgroup *cg, int saved)
{
        static const enum cg_file files[] = { CG_MEMORY_LOW, CG_MEMORY_MIN };

        for (size_t k = 0; k < ARRAY_SIZE(files) && cg->be; k++) {
                struct adjust *a = adjust_of(cg, files[k]);
                bool changed = !a->unstaged.active || a->unstaged.value != a->value;
                uint64_t value = a->value;
                int r = saved;

                if (!a->staged)
                        continue;
                if (saved < 0) {
                        adjust_unstage(cg, files[k]);   /* the state file's error, not the cgroup's */
                } else {
                        r = adjust_commit(e, cg, files[k]);
                        if (is_gone(r)) {
                                engine_forget(e, cg, r);
                                continue;
                        }
                }
                protect_said(e, cg, files[k], value, changed, r);
        }
}

/* What a managed cgroup's file f is held at: its own hold, or what is held beneath it, whichever is more. */
static uint64_t protection_wanted(struct engine *e, struct cgroup *cg, enum cg_file f, const struct cgroup *top,
                                  uint64_t level)
{
        uint64_t own = policy_protection(cg, top, level), below = hierarchy_below(e, cg->path, f), original, need;
        struct adjust *a = adjust_of(cg, f);

        if (below == 0)
                return own;   /* nothing held beneath it: the common case, no read */
        if (a->active)
                original = a->original;
        else if (backend_read_u64(e->be, cg->be, f, &original) < 0)
                return own;
        need = hierarchy_needed(original, below);
        /*
         * An offender's subtree is where v1 took from first: mem_cgroup_soft_reclaim()
         * shrank the whole hierarchy under the cgroup most over, its children's soft
         * limits notwithstanding. So the floors beneath it count up to its own soft
         * limit, never past it: children whose soft limits add up to more than the
         * parent's would else hold the top offender at its whole usage, the best
         * protected cgroup of all. The kernel shares the capped floor among them
         * (effective_protection()). v1 had no floors: the cap is reclaimd's.
         */
        if ((policy_over_soft_limit(cg) || cg->held_over) && need > cg->soft_limit_bytes)
                need = cg->soft_limit_bytes;   /* held_over: still over, within the margin, until at it */
        return need > own ? need : own;
}

/*
 * Reads offender cg's memory.stat into buf (size MEMORY_STAT_MAX), keeping
 * what is unevictable in it. Returns as the backend's read.
 */
static ssize_t read_offender_stat(struct engine *e, struct cgroup *cg, char *buf, uint64_t now)
{
        ssize_t n = e->be->ops->read(e->be, cg->be, CG_MEMORY_STAT, buf, MEMORY_STAT_MAX);

        if (n < 0)
                return n;
        if (memstat_get(buf, "unevictable", &cg->unevictable_bytes) < 0)
                cg->unevictable_bytes = 0;   /* none said: as if none, until the next reading */
        cg->unevictable_at_usec = now;
        return n;
}

/*
 * What the cgroups over their soft limits can give: their excess above what
 * the ranking holds (the top's whole excess, the others' above level_bytes;
 * a yielding one's whole excess, memory.low holding it), less what is
 * unevictable (mlocked: memory.stat's unevictable). memory.min is held
 * only while this lasts. Every balancer tick asks while a cgroup is over
 * its soft limit, idle or not, and memory.stat costs the kernel a stats
 * flush: mlocked memory changes rarely, so what the floors' watch read
 * (count_held_for()) serves, or a reading at most engine_floor_age() old.
 */
static uint64_t reclaimable_excess(struct engine *e, const struct cgroup *top, uint64_t level_bytes)
{
        char buf[MEMORY_STAT_MAX];
        uint64_t sum = 0, now = e->now_usec(), age = engine_floor_age(e);
        struct cgroup *cg;

        RB_FOREACH(cg, excess_tree, &e->tree) {
                uint64_t give, held = 0;

                if (!cg->held_over)
                        continue;
                if ((!cg->unevictable_at_usec || now - cg->unevictable_at_usec >= age) &&
                    read_offender_stat(e, cg, buf, now) < 0)
                        cg->unevictable_bytes = 0;
                if (cg != top && !policy_floors_yield(cg, now))
                        held = level_bytes;
                give = cg->current_bytes > cg->unevictable_bytes ? cg->current_bytes - cg->unevictable_bytes : 0;
                if (give > cg->excess_bytes)
                        give = cg->excess_bytes;
                sum += give > held ? give - held : 0;
        }
        return sum;
}

/*
 * What the offenders must still be able to give for memory.min to be held:
 * what the kernel lacks now (free memory under the high watermark; the
 * reserve is reclaimd's, not the kernel's), and a min_chunk more, so that the
 * kernel finds what it needs outside the cgroups memory.min holds.
 */
static uint64_t min_excess(struct engine *e, const struct config *cfg)
{
        struct sysmem m;

        return (engine_sysmem(e, &m) == 0 ? sysmem_shortfall(&m, 0) : 0) + cfg->min_chunk_bytes;
}

/*
 * Whether the kernel may have reclaimed since the last look: free memory
 * under the high watermarks now, or the system's memory stall grew since.
 * The second matters: a machine that thrashes spends its time reclaiming
 * and faulting back, while kswapd keeps free memory at the high watermark,
 * so a tick rarely sees it short (measured in the VM's hot shape: free
 * memory under the high watermarks in 10 of 66 samples of the episode).
 */
static bool kernel_reclaiming(struct engine *e)
{
        bool stalled = false;
        struct sysmem m;
        uint64_t total, at;

        if (engine_system_stall(e, STALL_SHARED_USEC, &total, &at) == 0) {
                stalled = e->watch_stall_known && total > e->watch_stall_usec;
                e->watch_stall_usec = total;
                e->watch_stall_known = true;
        }
        return stalled || (engine_sysmem(e, &m) == 0 && sysmem_shortfall(&m, 0) > 0);
}

/*
 * Whether a round could hold cg with memory.high if a watch found it
 * thrashing: it is past its margin (a round's soft-limit loop reaches it),
 * or held by one of ours already (a round takes that on to the soft limit:
 * policy.c, clamp_within_margin()). Within its margin and not held, it is
 * given way to instead (policy_note_over()). Measured in the VM's hot shape
 * on 6.12: a cgroup held within its margin by our memory.high refaults what
 * its own tasks reclaim under it; taken for not clampable, it was given
 * way to, the floors with it, and web lost 6.2 MiB more by swap.
 */
static bool clampable(const struct cgroup *cg)
{
        return policy_over_soft_limit(cg) || cg->high.active;
}

/*
 * The machine's half of the floors' watch: what the kernel took from all of
 * memory and what came back, from /proc/vmstat, against how far the
 * offenders' excess fell (MACHINE_YIELD_MIN_STEAL_SHIFT). When most of it
 * came back and little of it was the offenders': with clamp, the offender
 * furthest over is marked thrashing, as its own watch would; else
 * machine_yield_until_usec is set (both: MACHINE_YIELD_MIN_STEAL_SHIFT).
 */
static void watch_machine(struct engine *e, bool clamp, uint64_t now)
{
        _cleanup_free_ char *text = NULL;
        uint64_t steal = 0, back = 0, excess = 0;
        struct cgroup *cg, *top;
        struct sysmem m;
        int r = 0;

        text = engine_read_proc(e, CG_PROC_VMSTAT, 16384, 1 << 20, &r);
        if (text) {
                r = memstat_vm_steal(text, &steal);
                if (r == 0)
                        r = memstat_refaulted(text, &back);
                if (r == 0 && (steal > UINT64_MAX / page_bytes() || back > UINT64_MAX / page_bytes()))
                        r = -ERANGE;
        }
        if (engine_sysfile_error(e, CG_PROC_VMSTAT, r, &e->vmstat_err) < 0 || engine_sysmem(e, &m) < 0)
                return;
        steal *= page_bytes();
        back *= page_bytes();
        RB_FOREACH(cg, excess_tree, &e->tree)
                if (cg->held_over)
                        excess += cg->excess_bytes;
        if (e->machine.taken.known && steal >= e->machine.taken.steal_base && back >= e->machine.taken.refault_base)
                log_debug("Floors' watch: the kernel took %" PRIu64 " KiB machine-wide in %" PRIu64 " ms, "
                          "%" PRIu64 " KiB came back; the offenders' excess %" PRIu64 " KiB, from %" PRIu64 " KiB",
                          (steal - e->machine.taken.steal_base) >> 10, (now - e->machine.taken.at_usec) / 1000,
                          (back - e->machine.taken.refault_base) >> 10, excess >> 10, e->machine.excess_base >> 10);
        if (!policy_watch_machine(&e->machine, steal, back, excess, policy_machine_min_steal(m.total_bytes), now))
                return;
        policy_rank_level(&e->tree, 0, now, &top);
        if (clamp && top && clampable(top)) {
                bool known = policy_thrashing(top, now);   /* said once until a round holds it */

                policy_mark_thrashing(top, e->machine.taken.permille, now);
                if (!known && e->obs.machine_hold)
                        e->obs.machine_hold(e->obs.userdata, &e->machine.taken, top);
                return;   /* the next window has begun; the clamp will pause it (count_held_for()) */
        }
        e->machine_yield_until_usec = now + YIELD_USEC;
        if (e->obs.machine_yield)
                e->obs.machine_yield(e->obs.userdata, &e->machine.taken, e->machine_yield_until_usec);
        e->machine.taken.known = false;   /* the next window begins when the floors hold again */
}

/*
 * The offenders the floors hold the others for: those over their soft limits
 * (policy_note_over()) that the floors do not give way to; none while they
 * give way to the whole machine. While the floors hold and the kernel
 * reclaims, what it takes from each offender, and from the machine, is
 * watched (policy_watch_taken(), watch_machine()); otherwise memory.stat,
 * which costs the kernel a stats flush, and /proc/vmstat are not read. The
 * machine is not judged while a cgroup is held by a memory.high of ours: its
 * tasks reclaim their own memory and fault it back under that limit
 * (mem_cgroup_handle_over_high()), which says nothing of the floors, and
 * would only let them go. (With clamping allowed, an offender found
 * thrashing that a round can clamp is held that way, not given way to:
 * policy_watch_taken(), clampable().)
 */
static int count_held_for(struct engine *e, const struct config *cfg)
{
        char buf[MEMORY_STAT_MAX];
        uint64_t steal, back, now = e->now_usec();
        bool clamped = engine_count_clamped(e) > 0;
        bool watch = e->protecting && !e->dry_run && kernel_reclaiming(e);
        struct cgroup *cg;
        int n = 0;

        if (watch && !clamped)
                watch_machine(e, cfg->clamp_high, now);
        else if (!e->protecting || clamped)
                e->machine.taken.known = false;   /* what is taken with the floors off is not theirs to judge */
        if (now < e->machine_yield_until_usec)
                return 0;

        RB_FOREACH(cg, excess_tree, &e->tree) {
                bool yielding = policy_floors_yield(cg, now);

                if (!cg->held_over)
                        continue;
                if (!e->protecting)
                        cg->taken.known = false;
                if (watch && cg->be && read_offender_stat(e, cg, buf, now) >= 0 &&
                    memstat_steal(buf, &steal) == 0 && memstat_refaulted(buf, &back) == 0 &&
                    steal <= UINT64_MAX / page_bytes() && back <= UINT64_MAX / page_bytes()) {
                        policy_watch_taken(cg, steal * page_bytes(), back * page_bytes(),
                                           cfg->clamp_high && clampable(cg), now);
                        if (!yielding && policy_floors_yield(cg, now) && e->obs.floors_yield)
                                e->obs.floors_yield(e->obs.userdata, cg);
                }
                n += !policy_floors_yield(cg, now);
        }
        return n;
}

/* Ends the fights over cg's files no one wrote over for a whole window (lib/contest.c). */
static void settle_contests(struct engine *e, struct cgroup *cg, uint64_t now)
{
        for (size_t k = 0; k < ARRAY_SIZE(adjust_files); k++) {
                enum cg_file f = adjust_files[k];

                if (contest_settled(&cg->contests[k], adjust_of(cg, f)->active, now) &&
                    e->obs.contest_settled)
                        e->obs.contest_settled(e->obs.userdata, cg, f);
        }
}

/*
 * Reads again every file reclaimd holds (adjust_verify()), at most about
 * once a balance interval; in a balancer's check while free memory is far
 * above the high watermarks, where the kernel reclaims nothing and the
 * floors hold nothing back, every half minute or so (a round, or a check
 * nearer the mark, reads them once half a balance interval has passed). A
 * floor or a clamp someone else wrote since ends: most often systemd's
 * doing, which writes every unit's memory.low,
 * memory.min and memory.high back to the unit's settings at each
 * daemon-reload (which package installations run) and set-property. The
 * floors are then held again, over the value found (the loop below,
 * hierarchy_protect()), and so is a clamp, here. Otherwise a hold whose
 * level did not change stayed lost, while reclaimd counted it held, until
 * the level changed. A file written over again and again is counted as a
 * fight, and one held and not written over for a while as the fight's end
 * (lib/contest.c): the daemon says each once.
 */
static bool verify_holds(struct engine *e, const struct config *cfg)
{
        uint64_t now = e->now_usec(), age = engine_refresh_age(e, cfg->balance_interval_usec);
        unsigned ended = 0;

        /* Half: a check that comes a little early must not skip it. */
        if (e->verified_usec && now - e->verified_usec < age / 2)
                return false;
        e->verified_usec = now;
        for (size_t i = 0; i < e->n_cgroups; i++) {
                struct cgroup *cg = &e->cgroups[i];
                bool clamped = cg->high.active;
                uint64_t clamp = cg->high.value;
                int r;

                ended += adjust_verify(e, cg);
                settle_contests(e, cg, now);
                if (!clamped || cg->high.active || !cg->be)
                        continue;
                /*
                 * The clamp is a round's decision for the whole incident, and
                 * what a round clamps again depends on it being held
                 * (clamp_within_margin(), clampable()): held again at once, over
                 * the value found, as any hold goes over an operator's. An
                 * operator's stricter memory.high stays (-EEXIST).
                 */
                r = adjust_set(e, cg, CG_MEMORY_HIGH, clamp);
                if (is_gone(r))
                        engine_forget(e, cg, r);
                else if (r != -EEXIST && e->obs.protected)
                        e->obs.protected(e->obs.userdata, cg, CG_MEMORY_HIGH, clamp, r);
        }
        for (size_t i = 0; i < e->n_parents; i++) {
                ended += adjust_verify(e, &e->parents[i]);
                settle_contests(e, &e->parents[i], now);
        }
        return ended > 0;
}

int engine_protect(struct engine *e, const struct config *cfg)
{
        bool hold, released = false, staged = false;
        enum cg_file under = CG_MEMORY_LOW;
        struct cgroup *top = NULL;
        uint64_t level = 0;
        int held = 0;

        engine_batch_begin(e);
        released = verify_holds(e, cfg);
        /* Whom the floors hold the others for, from the latest readings: none without floors. */
        for (size_t i = 0; i < e->n_cgroups; i++)
                if (cfg->protect == PROTECT_NO)
                        e->cgroups[i].held_over = false;
                else
                        policy_note_over(&e->cgroups[i]);
        hold = cfg->protect != PROTECT_NO && count_held_for(e, cfg) > 0;
        if (hold)
                level = policy_rank_level(&e->tree, cfg->min_chunk_bytes, e->now_usec(), &top);

        if (hold && (cfg->protect == PROTECT_MIN || (cfg->protect == PROTECT_AUTO && e->caps.low_defers)))
                under = policy_protection_file((enum protect_mode)cfg->protect, e->caps.low_defers,
                                               reclaimable_excess(e, top, level), min_excess(e, cfg));
        /* Deepest first: what a cgroup needs depends on what is held beneath it. */
        for (size_t i = e->n_cgroups; i-- > 0;) {
                struct cgroup *cg = &e->cgroups[i];
                enum cg_file f = policy_offender_file(cg, top, under, e->now_usec());

                if (!cg->be)
                        continue;
                if (hold && policy_protection(cg, top, level) > 0) {
                        released |= unprotect_one(e, cg, f == CG_MEMORY_LOW ? CG_MEMORY_MIN : CG_MEMORY_LOW);
                        if (cg->be)
                                staged |= protect_stage(e, cg, f, protection_wanted(e, cg, f, top, level),
                                                        &released);
                } else {
                        released |= unprotect_one(e, cg, CG_MEMORY_LOW);
                        released |= unprotect_one(e, cg, CG_MEMORY_MIN);
                }
        }
        /* Recorded before written, as adjust_set() does, in one save for all. */
        if (staged) {
                int saved = adjust_persist(e);

                for (size_t i = 0; i < e->n_cgroups; i++)
                        protect_commit(e, &e->cgroups[i], saved);
        }
        for (size_t i = 0; i < e->n_cgroups; i++)
                held += e->cgroups[i].low.active || e->cgroups[i].min.active;
        held += hierarchy_protect(e, &released);
        engine_batch_end(e, released);   /* the records that ended, the ancestors' with them */
        e->protecting = held > 0;
        e->protect_file = hold ? under : _CG_FILE_MAX;
        return held;
}
