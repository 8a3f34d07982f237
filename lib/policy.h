/* Reclaim decisions, modelled on the kernel's direct reclaim with reclaimd's departures, as pure functions. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "cgroup.h"
#include "config.h"

struct config;

/*
 * MEM_CGROUP_MAX_SOFT_LIMIT_RECLAIM_LOOPS (mm/memcontrol.c; memcontrol-v1.c
 * from 6.11): the soft-limit loop gives up after this many more iterations
 * that freed nothing.
 */
#define SOFT_LIMIT_MAX_FRUITLESS_LOOPS 2

/*
 * The 1/8 efficiency test of consider_reclaim_throttle() (mm/vmscan.c,
 * 5.16+), which there only wakes tasks throttled for want of progress once
 * reclaim frees more than 1/8 of what it scanned; the kernel itself throttles
 * only at priority 1 with nothing reclaimed, for a couple of jiffies.
 * reclaimd's own use: a round that frees under 1/8 of what it asked backs
 * its scope off, the cooldown doubling each time.
 */
#define EFFICIENCY_SHIFT 3

/*
 * A cgroup whose pages came back at least this much (workingset_refault_*,
 * per 1000 bytes reclaimd asked of it) is thrashing: what the proportional
 * pass takes comes straight back, costing it I/O and freeing nothing. The
 * pass leaves it out, and a round that may clamp holds it with memory.high
 * instead of asking again. This threshold is reclaimd's own.
 * snapshot_refaults() (mm/vmscan.c) keeps similar counters of the reclaim
 * target's lruvec, WORKINGSET_ACTIVATE_ANON/FILE, so that the next reclaim,
 * seeing new activations (a new workingset forming), deactivates that LRU
 * type's stale active pages (prepare_scan_count()); it leaves no cgroup out.
 * reclaimd counts every refault, for the reason given at
 * YIELD_MIN_STEAL_BYTES.
 */
#define REFAULT_THRASHING_PERMILLE 500

/*
 * How long a refault snapshot is good for. The kernel takes one at the end of
 * each reclaim, of the reclaim target's lruvec on each node (none under the
 * multi-gen LRU); reclaimd takes one only for the
 * cgroups a round acted on, so the next round may come hours later: the
 * activations of those hours divided by one round's request would call any
 * cgroup thrashing. A snapshot older than this starts the count afresh.
 * (Our choice: a few trigger windows and release intervals.)
 */
#define REFAULT_WINDOW_USEC (60ULL * 1000000)

/*
 * The floors give way to an offender whose excess is its working set. While
 * memory.low/min hold the cgroups under their soft limits, the kernel's own
 * reclaim (kswapd, direct reclaim) finds the shortfall only in the offenders
 * and in unmanaged memory. When what it takes from an offender comes
 * straight back -- workingset_refault at least REFAULT_THRASHING_PERMILLE
 * of pgsteal, over at least YIELD_MIN_STEAL_BYTES taken, within
 * REFAULT_WINDOW_USEC -- the floors only make the machine thrash (measured
 * in the VM: 1.4 GiB refaulted, the full stall three times the kernel
 * alone's). Then, with clamping allowed, the offender is held by memory.high
 * instead, the floors staying (policy_watch_taken()); without, they are
 * let go for YIELD_USEC and the kernel's LRU order decides, the others'
 * cold memory included. Our choice: v1's soft-limit reclaim had no floors,
 * and went on taking from the largest excess at every balance_pgdat()
 * priority whether or not it came back. Every
 * refault counts, not only those the kernel activates (workingset_activate:
 * workingset_refault() in mm/workingset.c activates by refault distance,
 * lru_gen_refault() on the multi-gen LRU only when the page was evicted
 * from a generation still the oldest): what is taken and comes back within
 * a minute is thrashing here, and the kernel's own test varies with the
 * kernel. Measured in the VM's hot shape, offender thrashed by reclaimd's
 * own memory.reclaim: of 676 MiB taken, 676 MiB refaulted, but 64 MiB
 * activated on 7.3 (142 of 363 on 6.12, 256 of 348 on 6.1).
 */
#define YIELD_MIN_STEAL_BYTES (8ULL << 20)
#define YIELD_USEC REFAULT_WINDOW_USEC

/*
 * Nor is a window shorter than this judged: a page comes back a while
 * after it was taken, and a window of a second, which a fast reclaim fills
 * with YIELD_MIN_STEAL_BYTES, counts the refaults of what the one before it
 * took. Measured in the VM's two shape on 6.12: the kernel took 231 MiB in
 * five one-second windows, 20 MiB came back; the sixth took 14.5 MiB and
 * 16.4 MiB came back, and the floors gave way, though nothing thrashed.
 * (Our choice, from that run: a few of the balancer's intervals.)
 */
#define YIELD_MIN_WINDOW_USEC (5ULL * 1000000)

/*
 * The same holds for a round's refault snapshot (policy_snapshot_refaults()):
 * one taken sooner than this after the last is skipped, the window going on.
 * Measured in the VM's hot shape on 6.12: a round clamped the thrashing
 * offender, its snapshot came 0.2 s after the one before and read little
 * back, and the next rounds, judging it no longer thrashing, asked
 * memory.reclaim of it 26 times. (Our choice: the floors' watch's minimum.)
 */
#define REFAULT_MIN_WINDOW_USEC YIELD_MIN_WINDOW_USEC

/*
 * The same test, for the whole machine: while the floors hold and the
 * kernel reclaims, /proc/vmstat's workingset_refault_* against pgsteal_anon + _file.
 * An offender's own counters miss the case where the kernel finds the
 * shortfall in neither the offenders (their excess is hot, and the
 * multi-gen LRU ages them young) nor the floors, but in the unmanaged
 * allocator's own working set, which then thrashes: measured in the VM's
 * hot shape on 6.12, 1.6 GiB reclaimed machine-wide for a 220 MiB
 * allocator, 2 MiB of it from the offender, the full stall twice the kernel
 * alone's. Then, with clamping allowed, the offender furthest over its
 * soft limit is marked thrashing, as its own watch would, and the next
 * stalling round holds it with memory.high: its excess goes a quarter a
 * pass, whatever the LRU finds, and the floors stay (once it is held, the
 * machine is no longer judged). Measured in the same shape on 6.1, two
 * runs with the host also building: the first window was judged before any
 * round had clamped (the balancer's first step of 20 MiB had taken 5 s),
 * and letting every floor go cost web 45 and 61 MiB of its 64 MiB tail;
 * holding instead, on a quiet host, it lost nothing in two runs, the
 * machine judged in both. Without clamping, every floor goes for
 * YIELD_USEC, and the kernel's LRU order decides, the others' cold memory
 * included; the rounds go on taking the offenders' excess. Judged over at
 * least 1/256 of the machine's memory (and YIELD_MIN_STEAL_BYTES) taken: a
 * machine reclaims more in passing than one cgroup. Our choice, as
 * YIELD_MIN_STEAL_BYTES.
 */
#define MACHINE_YIELD_MIN_STEAL_SHIFT 8

/*
 * ... unless the offenders' excess fell by at least 1/MACHINE_YIELD_OFFENDERS_SHARE
 * of what the kernel took in that window: then the floors are doing what
 * they are for, the kernel finding its shortfall in the offenders, and what
 * comes back elsewhere is the shortage's own price, which the kernel alone
 * would have taken from the others' cold memory. Measured in the VM's fast
 * shape on 7.3: the allocator's own pages came back (951 per 1000 of a
 * window) while reclaimd took batch from 176 MiB toward its 32 MiB soft
 * limit; letting the floors go there cost web 6.3 MiB. In the hot shape the
 * offender's excess does not fall at all.
 */
#define MACHINE_YIELD_OFFENDERS_SHARE 4

/* The machine's watch: its window, and the offenders' excess when it began. */
struct machine_watch {
        struct taken_watch taken;
        uint64_t excess_base;        /* the offenders' excess, summed, when the window began */
        uint64_t excess_fell;        /* how far it fell in the last window judged */
};

/*
 * memory.reclaim frees in batches (SWAP_CLUSTER_MAX pages per LRU list and
 * pass) and may overshoot what was asked by a few of them: measured in the
 * VM, a cgroup asked down to its memory.min ended 0.3 MiB under it. Requests
 * stop this far above memory.min, which must never be crossed.
 */
#define MIN_MARGIN_BYTES (1ULL << 20)

/*
 * Likewise above the soft limit: with transparent huge pages a request can
 * free a whole 2 MiB page more than asked (the soak saw 5.1 MiB asked and
 * 9.8 MiB freed), so the soft-limit loop aims this far above the limit. A
 * cgroup within the margin no longer counts as over (policy_over_soft_limit()):
 * nothing more is asked of it, so it must not keep the proportional pass
 * away, nor start holding the others' protection; one that came from
 * further over keeps it held until it is back at its soft limit
 * (policy_note_over()).
 */
#define SOFT_MARGIN_BYTES (2ULL << 20)

/*
 * mem_cgroup_soft_reclaim() (mm/memcontrol.c, v1) reclaims from the largest
 * offender until it got a quarter of the excess back: excess >> 2 a visit.
 */
#define SOFT_RECLAIM_SHIFT 2

enum phase {
        PHASE_SOFT,           /* mem_cgroup_soft_limit_reclaim(): the largest excess first */
        PHASE_PROPORTIONAL,   /* shrink_node_memcgs(): every eligible cgroup, its share */
};

/*
 * One round of reclaim: the analogue of struct scan_control (mm/vmscan.c).
 * The policy reads and updates only this, the cgroups' readings and the
 * excess tree; it reads no clock and no file, so a test can drive it with
 * literals. The engine fills in the readings and pressure_resolved.
 */
struct scan_control {
        /* What the round must do, fixed when it starts. */
        uint64_t nr_to_reclaim;     /* bytes to free: the kernel's nr_to_reclaim */
        uint64_t min_chunk;         /* floor of one request, so high priorities are not a trickle */
        int initial_priority;       /* where the priority loop starts: DEF_PRIORITY */
        const char *scope;          /* NULL: every managed cgroup (try_to_free_pages); else only
                                     * this cgroup's subtree (try_to_free_mem_cgroup_pages) */
        bool proactive;             /* the balancer's, not a trigger's: no pressure level events */
        uint64_t now_usec;          /* the clock when the round started: what "recent" is judged by */
        bool soft_only;             /* the soft-limit loop only: never the proportional pass, so
                                     * never a cgroup under its soft limit (the balancer's rounds,
                                     * and the system's when so configured) */
        int harder_priority;        /* may_swap from this priority on: reclaimd's choice, see
                                     * start_pass() */
        int clamp_priority;         /* may_clamp from this priority on */
        bool clamp_allowed;         /* the configuration allows memory.high clamping at all */
        bool clamp_deferred;        /* memory.high honours O_NONBLOCK (6.16+) and writes are real: a
                                     * clamp frees nothing in the writer (policy_clamp_from()) */

        /* Where the round is. */
        int priority;               /* how hard this pass looks: which means it may use, and the
                                     * proportional pass's request, reclaimable >> priority */
        unsigned pass;              /* passes begun; tags cgroups tried in this pass */
        enum phase phase;
        unsigned fruitless_loops;   /* soft-limit loop iterations in this pass that freed nothing */
        bool pass_done;             /* this pass's soft-limit loop freed something, or gave up */
        bool offered_in_pass;       /* some cgroup was asked in this pass */
        bool may_swap;              /* anonymous memory may go to swap (swappiness= not forced to 0) */
        bool may_clamp;             /* memory.high of the top offender may be lowered */
        bool memcg_low_skipped;     /* a cgroup was passed over for its memory.low this round */
        bool memcg_low_reclaim;     /* the retry round: memory.low no longer protects */
        bool pressure_resolved;     /* compaction_ready: the engine saw the machine's shortfall
                                     * gone, or a cgroup's stall share fall */
        struct cgroup *clamp_next;  /* a soft-limit step fell short: clamp this one next */

        /* The proportional pass's candidates, in visiting order (set by the engine). */
        struct cgroup **prop;
        size_t n_prop;
        size_t prop_index;

        /* Progress, measured from the kernel's files, not assumed. */
        uint64_t nr_requested;      /* bytes asked of memory.reclaim and memory.high */
        uint64_t nr_deferred;       /* of those, memory.high's whose reclaim the kernel left to the
                                     * cgroup's own tasks (clamp_deferred), less what a step measured
                                     * freed of it: not judged, but counted toward nr_to_reclaim */
        uint64_t nr_reclaimed;      /* bytes freed: memory.current before minus after */
        unsigned nr_steps;          /* writes */
        unsigned nr_clamps;         /* memory.high writes */
};

enum policy_action {
        ACTION_RECLAIM,       /* write *bytes to memory.reclaim */
        ACTION_CLAMP,         /* write *bytes to memory.high */
};

enum policy_verdict {
        POLICY_STEP,             /* do *ret_action on *ret_cg with *ret_bytes */
        POLICY_DONE_TARGET,      /* the round freed nr_to_reclaim */
        POLICY_DONE_RESOLVED,    /* the pressure went away meanwhile (compaction_ready) */
        POLICY_DONE_NOTHING,     /* nothing in scope can give anything (all at their floors) */
        POLICY_DONE_SHORT,       /* priority 0 passed, something was freed, short of the target */
        POLICY_DONE_EXHAUSTED,   /* priority 0 passed, the low retry too, nothing freed */
        POLICY_DONE_NO_SHORTAGE, /* a system round whose machine was not short: none run */
        POLICY_DONE_TIMEOUT,     /* a step ran past step_timeout and was cut short */
        POLICY_IDLE,             /* the balancer found nothing to do */
};

/* vmpressure's levels (mm/vmpressure.c), from what a round freed of what it asked, and its priority. */
enum pressure_level {
        PRESSURE_LOW,
        PRESSURE_MEDIUM,         /* freed 40% or less of what it asked: vmpressure_level_med = 60 */
        PRESSURE_CRITICAL,       /* 5% or less (vmpressure_level_critical = 95), or priority <= 3
                                  * (vmpressure_prio(): vmpressure_level_critical_prio) */
};

/* Starts a round from the configuration for scope (NULL: everything). */
void scan_control_init(struct scan_control *sc, const struct config *cfg, const char *scope);

/*
 * The priority a round cut short (POLICY_DONE_TIMEOUT) would have gone on
 * at: its own, or the next one down when its pass was done.
 */
int policy_cut_priority(const struct scan_control *sc);

/* Starts sc's round at priority instead, where a round cut short stopped (engine.c: take_up_round()). */
void scan_control_resume(struct scan_control *sc, int priority);

/*
 * How much one soft-limit step asks: a quarter of the excess, as
 * mem_cgroup_soft_reclaim() aims (mem_cgroup_shrink_node() scans at priority
 * 0 whatever the caller's priority), at least min_chunk, and never past the
 * floor: the soft limit with its margin, or memory.min if that is higher.
 */
uint64_t policy_soft_request(const struct cgroup *cg, uint64_t min_chunk);

/*
 * Whether cg counts as over its soft limit: above it, and above memory.min,
 * by more than SOFT_MARGIN_BYTES. The soft-limit loop asks only these, the
 * proportional pass waits while any in scope is, and the floors begin to
 * hold the others when one is (policy_note_over()). (min_bytes as last
 * read: 0 until a round reads it.)
 */
bool policy_over_soft_limit(const struct cgroup *cg);

/*
 * Notes whether the floors hold the others for cg (memory.low or memory.min
 * of the cgroups under their soft limits, the ranking): from when it counts
 * as over (policy_over_soft_limit()) until it is back at its soft limit, or at
 * memory.min with its margin when that is higher. Records it in
 * cg->held_over, which policy_protection(), policy_offender_file(),
 * policy_rank_level() and the engine's floors and watches read; the engine
 * notes every cgroup before it decides the floors (engine_protect()). A
 * watch that finds such a cgroup thrashing within its margin, not held by a
 * memory.high of ours, lets the floors give way rather than mark it for a
 * clamp: a round's soft-limit loop, which clamps, reaches only those past
 * the margin (floors.c: clampable()), and those within it that a memory.high
 * of ours holds, whose clamp it takes to the soft limit (policy.c:
 * clamp_within_margin()). The proportional pass keeps the margin
 * too, so that a cgroup left within it keeps no pass away for good: a round
 * without a cgroup past its margin may take its share from the others while
 * the floors hold them, reading the operator's memory.low, not the floor
 * (read_protection()), as a scoped round did before. The margin is where
 * reclaimd stops asking, not where the cgroup's excess ends: a cgroup
 * clamped by memory.high near its soft limit plus the margin passes the
 * margin both ways as its usage passes memory.high for a moment, and the
 * floors went with each fall (measured in the VM's hot shape on 6.12: ten
 * times in 50 s, and web lost 25 MiB by swap in the gaps). v1 counted a
 * cgroup as over while any excess was left (soft_limit_excess()); so do the
 * floors, once it has been past the margin.
 */
void policy_note_over(struct cgroup *cg);

/*
 * The memory.low a managed cgroup is held at while some cgroup is over its
 * soft limit: its soft limit (max when it has none). Under it, the kernel's
 * own reclaim leaves the cgroup alone (mem_cgroup_below_low()); over it, it
 * scans the cgroup in proportion to what is above (get_scan_count():
 * mem_cgroup_protection()), so a cgroup over its soft limit loses its
 * excess first. cgroup v1's soft limit had no such hold: its reclaim only
 * went to the largest excess first, then everywhere (shrink_node()). This is
 * reclaimd's own lever, for the kernel's reclaim that it cannot steer
 * otherwise. Returns 0 when the cgroup needs no hold (a soft limit of 0,
 * and not held above it by the ranking).
 *
 * The ranking: the offenders but the largest (top, which is held at its soft
 * limit: its whole excess stays within the kernel's reach) are held
 * level_bytes above their soft limits (policy_rank_level(): the second
 * largest excess), so the kernel takes the largest excess down to the next
 * one before it touches that one, as v1's soft-limit reclaim went to the
 * largest excess first (mem_cgroup_largest_soft_limit_node()). Without it,
 * the kernel's reclaim scans every offender in proportion to what is above
 * its memory.low (get_scan_count(): mem_cgroup_protection(); the multi-gen
 * LRU walks the memcgs its own way). Once the top is down to the next, the
 * next tick makes that one the top. The others are held by what holds the
 * cgroups under their soft limits (policy_offender_file()): memory.low,
 * which the kernel breaches when nothing else is left (its memcg_low_reclaim
 * retry), or memory.min only while the excess above the holds can give what
 * the machine lacks, so the ranking never stands between it and the OOM
 * killer.
 */
uint64_t policy_protection(const struct cgroup *cg, const struct cgroup *top, uint64_t level_bytes);

/*
 * Which file holds cg, under being the one that holds the cgroups under
 * their soft limits (policy_protection_file()). An offender is held
 * softly, by memory.low, when it is the top (its excess is what is to be
 * taken) or the floors give way to it; the others, held at the ranking's
 * level, by under: under the multi-gen LRU memory.low only defers a cgroup
 * (shrink_one() moves one below its low to the tail of the memcg LRU, then
 * reclaims it), and held by it the ranking did not hold (measured on 6.12:
 * 49 and 54 MiB taken out of rank, against 0 and 0.2 on 6.1's classic LRU);
 * memory.min does, and is used only while the excess above the holds can
 * give what the machine lacks (reclaimable_excess(), min_excess()).
 */
enum cg_file policy_offender_file(const struct cgroup *cg, const struct cgroup *top, enum cg_file under,
                                  uint64_t now_usec);

/*
 * The rank level: the second largest excess among the cgroups the floors
 * hold the others for (policy_note_over()) and do not give way to, rounded
 * down to a multiple of step_bytes (at least RANK_STEP_BYTES: so that the
 * floors are not rewritten, logged and saved for every page the kernel
 * takes); 0 with fewer than two such cgroups. *ret_top: the largest of them
 * (NULL: none).
 */
#define RANK_STEP_BYTES (8ULL << 20)
uint64_t policy_rank_level(struct excess_tree *tree, uint64_t step_bytes, uint64_t now_usec,
                           struct cgroup **ret_top);

/*
 * Whether what was taken from cg lately came back: its last refault
 * snapshot (what reclaimd asked), within REFAULT_WINDOW_USEC of now, at
 * least REFAULT_THRASHING_PERMILLE; or the floors' watch found so
 * (thrash_at_usec, within the window). Taking more then costs the cgroup
 * I/O and frees nothing for long: the proportional pass and the balancer
 * leave it out, and a trigger's round holds it with memory.high instead
 * (its excess comes back as fast as reclaim takes it).
 */
bool policy_thrashing(const struct cgroup *cg, uint64_t now_usec);

/*
 * Which file holds the cgroups under their soft limits while one is over
 * (those over are held by memory.low, as what is to be taken): memory.low,
 * or memory.min where the mode asks for it (min; auto where low_defers) and the
 * offenders can still give at least min_excess_bytes (reclaimable_bytes:
 * their excess less what is unevictable).
 *
 * With the multi-gen LRU on, the kernel's global reclaim only defers a cgroup
 * under memory.low: shrink_one() (mm/vmscan.c, 6.3+, with the memcg LRU)
 * moves it to the tail of the memcg LRU the first time, and reclaims it when
 * it comes round again; 6.1 and 6.2 honour memory.low there as without. On
 * 6.12 and 7.3 in the VM, a cgroup held by memory.low lost 49 MiB of its 64
 * MiB cold tail to a burst while one over its soft limit still had excess;
 * held by memory.min it lost nothing (mem_cgroup_below_min(): never). But
 * memory.min is never breached: the kernel OOM-kills rather. So it is held
 * only while the offenders have excess left to take, and memory.low after.
 * This is reclaimd's own; v1's soft limits protected nothing.
 */
enum cg_file policy_protection_file(enum protect_mode mode, bool low_defers, uint64_t reclaimable_bytes,
                                    uint64_t min_excess_bytes);

/*
 * Whether a step of bytes may swap anonymous memory although the pass asks
 * for file pages only (!sc->may_swap): when the cgroup's file LRUs hold less
 * than the request. This rule is reclaimd's own: memory.reclaim with
 * swappiness=0 never swaps (get_scan_count(): SCAN_FILE for cgroup reclaim
 * at swappiness 0), and the nearest kernel rule, sc->file_is_tiny
 * (prepare_scan_count()), applies to global reclaim only and compares the
 * node's file and free pages with its high watermarks. Without it, a cgroup
 * of anonymous memory is asked for file pages it does not have, pass after
 * pass, while the kernel's own reclaim takes the others'.
 */
bool policy_step_may_swap(const struct scan_control *sc, const struct cgroup *cg, uint64_t bytes);

/*
 * What a cgroup can give in the proportional pass: current above its floor,
 * memory.min always, memory.low too unless the round retries for it.
 */
uint64_t policy_reclaimable(const struct cgroup *cg, bool memcg_low_reclaim);

/*
 * Decides the next step of the round: do_try_to_free_pages()'s priority loop
 * around shrink_zones(): first mem_cgroup_soft_limit_reclaim() (the cgroup
 * furthest over its soft limit; the pass moves on when one frees something,
 * tries the next largest when it frees nothing, and gives up after
 * SOFT_LIMIT_MAX_FRUITLESS_LOOPS more), then, only when no cgroup in scope is
 * over its soft limit, the proportional pass (shrink_node_memcgs()'s
 * analogue). That "only when" is reclaimd's: v1's shrink_zones() ran
 * shrink_node() on every cgroup after the soft-limit reclaim, in every pass;
 * reclaimd leaves the cgroups under their soft limits alone while any is
 * over. Between
 * passes: stop when the target is met or the pressure resolved, else lower
 * the priority. After priority 0 with nothing freed, retry once without
 * memory.low protection if a cgroup was skipped for it (memcg_low_skipped).
 */
enum policy_verdict policy_next(struct scan_control *sc, struct excess_tree *tree,
                                struct cgroup **ret_cg, enum policy_action *ret_action,
                                uint64_t *ret_bytes);

/*
 * Fits a decided request to a fresh memory.current reading (the engine reads
 * it again just before the write: the ranking's reading may be seconds old):
 * never past the floor the request was made for. Returns the bytes to ask,
 * 0 when there is nothing left to ask.
 */
uint64_t policy_refit(const struct scan_control *sc, const struct cgroup *cg, enum policy_action action,
                      uint64_t bytes);

/*
 * Feeds back a step: memory.current after the write, and the write's result.
 * Re-inserts the cgroup at its new excess (re-ranking) and returns the bytes
 * it freed: the fall of memory.current, never negative (growth meanwhile
 * counts as nothing) and never more than requested.
 */
uint64_t policy_account(struct scan_control *sc, struct excess_tree *tree, struct cgroup *cg,
                        enum policy_action action, uint64_t requested, uint64_t current_after,
                        uint64_t now_usec);

/* Whether the stall share between two PSI "total" readings is under resolve (permyriad). */
bool policy_pressure_resolved(uint64_t stall_delta_usec, uint64_t elapsed_usec,
                              uint64_t resolve_permyriad);

/*
 * vmpressure's level of a round: vmpressure_calc_level() from the share of
 * what was asked that was not freed (the kernel's scanned and reclaimed
 * pages; ours are bytes asked and freed), critical at priority 3 or lower
 * whatever the share (vmpressure_prio()). A round that asked nothing is low.
 */
enum pressure_level policy_pressure_level(int priority, uint64_t requested, uint64_t reclaimed);
const char *pressure_level_name(enum pressure_level level);

/*
 * Backoff for a scope whose rounds are not paying off: the analogue of
 * consider_reclaim_throttle(). State carried between rounds.
 */
struct backoff {
        uint64_t until_usec;     /* no round for this scope before this time */
        unsigned level;          /* consecutive inefficient rounds */
};

/* Whether a round may start now. */
bool policy_backoff_allows(const struct backoff *b, uint64_t now_usec);

/*
 * Records a finished round: freeing under 1/8 of what was asked doubles the
 * cooldown (from base_usec, at most max_usec); a round that did better clears
 * it. Returns the cooldown started, 0 if none.
 */
uint64_t policy_backoff_update(struct backoff *b, uint64_t requested, uint64_t reclaimed,
                               uint64_t now_usec, uint64_t base_usec, uint64_t max_usec);

/*
 * Where a clamp of cg is measured from: its usage, or, where clamps are
 * deferred (sc->clamp_deferred), the memory.high of ours that holds it
 * where that is lower. Before 6.16 the write reclaims, and a usage left
 * above the hold is memory the write could not take: measured from the
 * hold, each pass would write again for nothing. On 6.16+ a lowered
 * memory.high reclaims nothing in the writer (O_NONBLOCK), so the usage
 * has not moved by the round's next pass; measured from it, every later
 * pass found the cgroup held already, and a round lowered it one pass's
 * share (a quarter of its excess) where, on a kernel whose write reclaims,
 * the passes go on until the round has its target. In the VM's hot shape on 7.3 the clamp
 * took 6.5 s of rounds from 51.7 MiB to the soft limit, while web's floor
 * fell back to memory.low as the excess ran short, and web lost 20 MiB.
 * What such a clamp asks (this less the new limit) counts toward the
 * round's target as nr_deferred: the cgroup's tasks reclaim it as they
 * charge (mem_cgroup_handle_over_high()).
 */
uint64_t policy_clamp_from(const struct scan_control *sc, const struct cgroup *cg);

/*
 * What a finished round is judged by for the backoff and its pressure
 * level: what it asked, less the clamps whose reclaim was deferred
 * (nr_deferred). Where the kernel honours O_NONBLOCK on memory.high
 * (6.16+), a lowered limit frees nothing in the writer, so a round that
 * only clamped looked futile: on 7.3 in the VM's hot shape every such
 * round backed off, for 4 s and then 8 s, while the cgroups under their
 * soft limits waited under memory.low, and web lost 17 MiB by swap in one
 * of those pauses.
 */
uint64_t policy_round_asked(const struct scan_control *sc);

/*
 * The balancer's pace: kswapd sleeps once its node is balanced
 * (kswapd_try_to_sleep()) until an allocation under a zone's low watermark
 * wakes it (wakeup_kswapd()). reclaimd has no such wake-up; its pressure
 * triggers are the nearest (daemon_trigger() wakes the balancer). So it
 * looks every interval while free memory is near its mark (the high
 * watermark plus the reserve), and every idle_interval only while free
 * memory is far above it: by a sixteenth of the machine or more, and by
 * twice what the fastest recent fall of free memory would take in that
 * time. State carried between the balancer's checks.
 */
/*
 * Free memory this share of the machine (a sixteenth) above a mark is far
 * from it: the balancer sleeps there, and what changes rarely is re-read
 * seldom (IDLE_REFRESH_USEC). Not the kernel's: kswapd sleeps as soon as the
 * high watermark is met and an allocation under the low one wakes it
 * (wakeup_kswapd()), an event userspace cannot wait on; the margin stands in
 * for that wake-up.
 */
#define FAR_FROM_MARK_SHIFT 4

/* Whether free_bytes of total_bytes is far above mark_bytes (FAR_FROM_MARK_SHIFT). */
bool policy_far_from_mark(uint64_t free_bytes, uint64_t total_bytes, uint64_t mark_bytes);

struct balance_pace {
        uint64_t free_bytes;     /* free memory at the last check */
        uint64_t at_usec;        /* when; 0: no check yet */
        uint64_t fall_bps;       /* fastest recent fall of free memory, bytes a second; halves at
                                  * each check that saw a slower one */
        bool asleep;             /* the last check chose idle_interval */
};

/*
 * Records a check that read free_bytes of total_bytes against mark_bytes at
 * now_usec, and returns how long until the next: interval_usec, or
 * idle_usec (when that is longer) while the machine is far from its mark.
 */
uint64_t policy_balance_pace(struct balance_pace *p, uint64_t free_bytes, uint64_t total_bytes,
                             uint64_t mark_bytes, uint64_t now_usec, uint64_t interval_usec,
                             uint64_t idle_usec);

/*
 * Where a clamped memory.high goes once pressure has cleared: up a quarter
 * (at least min_chunk) per release interval. Returns true when it should go
 * back to high_original itself: the step reached it, or, for an original of
 * "max", the step left the cgroup's usage at half the limit or less.
 */
bool policy_release_high(const struct cgroup *cg, uint64_t min_chunk, uint64_t *ret_high);

/*
 * snapshot_refaults(): the cgroup's workingset_refault_* total now, in
 * bytes, at now_usec. Computes refault_permille: what came back since the
 * last snapshot, per 1000 bytes asked of it in the window before that
 * snapshot; a snapshot older than REFAULT_WINDOW_USEC only starts afresh,
 * and one sooner than REFAULT_MIN_WINDOW_USEC after the last is skipped.
 */
void policy_snapshot_refaults(struct cgroup *cg, uint64_t refault_bytes, uint64_t now_usec);

/*
 * memory.stat could not be read: what refaulted is unknown, so the cgroup
 * is no longer judged thrashing (or not) on an old snapshot; the next good
 * snapshot starts afresh.
 */
void policy_forget_refaults(struct cgroup *cg);

/*
 * What reclaim of any kind took from offender cg (memory.stat pgsteal, in
 * bytes) and what of it came back (workingset_refault_*), now:
 * judges, once YIELD_MIN_STEAL_BYTES were taken since the window began,
 * whether they came back (sets taken.permille) and starts the next window
 * (not before YIELD_MIN_WINDOW_USEC). A window older than
 * REFAULT_WINDOW_USEC, or counters that went back (a new cgroup at the
 * path), start afresh. When they came back: with clamp (memory.high may be
 * lowered), cg is marked thrashing (thrash_at_usec), and the next stalling
 * round holds it with memory.high, the floors holding on; without, the
 * floors give way to it (yield_until_usec).
 */
void policy_watch_taken(struct cgroup *cg, uint64_t steal_bytes, uint64_t refault_bytes, bool clamp,
                        uint64_t now_usec);

/*
 * The window of policy_watch_taken(), on any counters: once min_steal_bytes
 * were taken since the window began, judges whether they came back (sets
 * t->stolen, t->permille) and starts the next window. Returns 1 when that
 * judgement found at least REFAULT_THRASHING_PERMILLE back, 0 when it did
 * not or the window started afresh, -EAGAIN while the window goes on.
 */
int policy_watch(struct taken_watch *t, uint64_t steal_bytes, uint64_t refault_bytes, uint64_t min_steal_bytes,
                 uint64_t now_usec);

/*
 * policy_watch() on the machine's counters (/proc/vmstat), with excess_bytes
 * the offenders' summed excess now. Returns whether the floors should give
 * way to the machine: most of what the kernel took came back, and the
 * offenders' excess fell by less than MACHINE_YIELD_OFFENDERS_SHARE of it.
 */
bool policy_watch_machine(struct machine_watch *w, uint64_t steal_bytes, uint64_t refault_bytes,
                          uint64_t excess_bytes, uint64_t min_steal_bytes, uint64_t now_usec);

/* What the machine's reclaim must take before its window is judged: see MACHINE_YIELD_MIN_STEAL_SHIFT. */
uint64_t policy_machine_min_steal(uint64_t total_bytes);

/*
 * A watch found what was taken from cg, or from the machine while cg was
 * the top offender, came back (permille per 1000 taken), clamps allowed:
 * cg is judged thrashing for REFAULT_WINDOW_USEC, and the next stalling
 * round holds it with memory.high.
 */
void policy_mark_thrashing(struct cgroup *cg, uint32_t permille, uint64_t now_usec);

/* Whether the floors give way to cg at now_usec: see YIELD_MIN_STEAL_BYTES. */
bool policy_floors_yield(const struct cgroup *cg, uint64_t now_usec);

/*
 * Orders the proportional pass: cgroups whose reclaimed memory did not come
 * back (low refault_permille) first, then those reclaimed longest ago, then
 * by path. For qsort().
 */
int policy_prop_cmp(const void *a, const void *b);
