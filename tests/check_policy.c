/*
 * Unit tests: the policy's kernel rules, each named after the kernel function
 * it mirrors, on literal readings (no backend, no clock).
 */
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "config.h"
#include "policy.h"

#define MiB (1ULL << 20)

struct fixture {
        struct cgroup cg[8];
        struct cgroup *prop[8];
        size_t n;
        struct excess_tree tree;
        struct scan_control sc;
};

/* A round as scan_control_init() starts it from a configuration with these values. */
static void setup(struct fixture *f, uint64_t target, uint64_t min_chunk)
{
        struct config cfg;

        memset(f, 0, sizeof(*f));
        RB_INIT(&f->tree);
        ck_assert_int_eq(config_init_defaults(&cfg), 0);
        cfg.round_target_bytes = target;
        cfg.min_chunk_bytes = min_chunk;
        scan_control_init(&f->sc, &cfg, NULL);
}

static struct cgroup *add(struct fixture *f, const char *path, uint64_t current, uint64_t soft)
{
        struct cgroup *cg = &f->cg[f->n++];

        cg->path = (char *)path;
        cg->soft_limit_bytes = soft;
        excess_tree_update(&f->tree, cg, current);
        policy_note_over(cg);
        return cg;
}

/* A new reading of cg's usage, noted as the engine notes it before it decides the floors. */
static void reread(struct fixture *f, struct cgroup *cg, uint64_t current)
{
        excess_tree_update(&f->tree, cg, current);
        policy_note_over(cg);
}

/* Offers every cgroup to the proportional pass, in the engine's order. */
static void offer_all(struct fixture *f)
{
        for (size_t i = 0; i < f->n; i++)
                f->prop[i] = &f->cg[i];
        qsort(f->prop, f->n, sizeof(f->prop[0]), policy_prop_cmp);
        f->sc.prop = f->prop;
        f->sc.n_prop = f->n;
}

/* Runs the policy as the engine would, against a kernel that frees what give()
 * allows. Records each step. */
struct kernel {
        uint64_t (*give)(struct cgroup *cg, uint64_t asked);
        bool deferred;   /* clamps reclaim nothing in the writer (6.16+): counted in nr_deferred, as the engine does */
        const char *order[64];
        uint64_t asked[64];
        int prio[64];
        enum policy_action action[64];
        bool swap[64];
        size_t steps;
};

static enum policy_verdict run(struct fixture *f, struct kernel *k)
{
        enum policy_verdict v;
        enum policy_action a;
        struct cgroup *cg;
        uint64_t bytes;

        while ((v = policy_next(&f->sc, &f->tree, &cg, &a, &bytes)) == POLICY_STEP) {
                uint64_t want = a == ACTION_CLAMP ? policy_clamp_from(&f->sc, cg) - bytes : bytes;

                ck_assert_uint_lt(k->steps, 64);
                k->order[k->steps] = cg->path;
                k->asked[k->steps] = bytes;
                k->prio[k->steps] = f->sc.priority;
                k->action[k->steps] = a;
                k->swap[k->steps] = f->sc.may_swap;
                k->steps++;
                policy_account(&f->sc, &f->tree, cg, a, want, cg->current_bytes - k->give(cg, want), 1);
                if (a == ACTION_CLAMP && k->deferred)
                        f->sc.nr_deferred += want;
        }
        return v;
}

static uint64_t give_all(struct cgroup *cg, uint64_t asked)
{
        return asked;
}

static uint64_t give_nothing(struct cgroup *cg, uint64_t asked)
{
        return 0;
}

static uint64_t give_half(struct cgroup *cg, uint64_t asked)
{
        return asked / 2;
}

/*
 * A clamp as memory.high with O_NONBLOCK on 6.16+: the limit holds, nothing
 * freed yet. asked is from the lower of the usage and the hold, as
 * policy_clamp_from() measures with clamp_deferred (where it is not set,
 * the first clamp is the only one: the hold is not lower then).
 */
static uint64_t hold_high(struct cgroup *cg, uint64_t asked)
{
        uint64_t from = cg->high.active && cg->high.value < cg->current_bytes ? cg->high.value : cg->current_bytes;

        cg->high.value = from - asked;
        cg->high.active = true;
        return 0;
}

/* mem_cgroup_largest_soft_limit_node(): the cgroup furthest over its soft limit goes first. */
START_TEST(largest_excess_first)
{
        struct fixture f;
        struct kernel k = { .give = give_all };

        setup(&f, 1 * MiB, 1 * MiB);
        add(&f, "small", 110 * MiB, 100 * MiB);    /* 10M over */
        add(&f, "large", 300 * MiB, 100 * MiB);    /* 200M over */
        add(&f, "middle", 150 * MiB, 100 * MiB);   /* 50M over */
        ck_assert_str_eq(excess_tree_largest(&f.tree)->path, "large");
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_TARGET);
        ck_assert_str_eq(k.order[0], "large");

        /* Equal excess: ties go by path, so the order never depends on insertion. */
        setup(&f, 1 * MiB, 1 * MiB);
        add(&f, "b", 200 * MiB, 100 * MiB);
        add(&f, "a", 200 * MiB, 100 * MiB);
        ck_assert_str_eq(excess_tree_largest(&f.tree)->path, "a");
}
END_TEST

/* __mem_cgroup_insert_exceeded(): under its soft limit, a cgroup is no soft-limit candidate;
 * shrink_node_memcgs() reaches it only once no cgroup in scope is over. */
START_TEST(under_soft_limit_left_alone_while_any_over)
{
        struct fixture f;
        struct kernel k = { .give = give_all };
        struct config cfg;

        setup(&f, 512 * MiB, 1 * MiB);
        add(&f, "web", 100 * MiB, 256 * MiB);
        add(&f, "batch", 200 * MiB, 64 * MiB);
        offer_all(&f);
        /* The round freed something short of its target: not "exhausted" (the kernel would not OOM). */
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_SHORT);
        ck_assert_uint_gt(k.steps, 0);
        for (size_t i = 0; i < k.steps; i++)
                ck_assert_str_eq(k.order[i], "batch");
        ck_assert_uint_eq(f.cg[0].current_bytes, 100 * MiB);
        /* Toward its soft limit, never past the margin a huge page can overshoot by. */
        ck_assert_uint_ge(f.cg[1].current_bytes, 64 * MiB + SOFT_MARGIN_BYTES);
        ck_assert_uint_lt(f.cg[1].current_bytes, 64 * MiB + 136 * MiB / 16);

        /* Still over, by more than the margin: the next round leaves web alone... */
        excess_tree_update(&f.tree, &f.cg[1], 64 * MiB + SOFT_MARGIN_BYTES + 32 * MiB);
        ck_assert(policy_over_soft_limit(&f.cg[1]));
        ck_assert_int_eq(config_init_defaults(&cfg), 0);
        cfg.round_target_bytes = 8 * MiB;
        cfg.min_chunk_bytes = 1 * MiB;
        scan_control_init(&f.sc, &cfg, NULL);
        offer_all(&f);
        memset(&k, 0, sizeof(k));
        k.give = give_all;
        run(&f, &k);
        ck_assert_uint_gt(k.steps, 0);
        for (size_t i = 0; i < k.steps; i++)
                ck_assert_str_eq(k.order[i], "batch");

        /* ...but within the margin batch no longer counts as over: nothing more is asked of
         * it, so the proportional pass reaches web. */
        excess_tree_update(&f.tree, &f.cg[1], 64 * MiB + SOFT_MARGIN_BYTES);
        ck_assert(!policy_over_soft_limit(&f.cg[1]));
        ck_assert_int_eq(config_init_defaults(&cfg), 0);
        cfg.round_target_bytes = 8 * MiB;
        cfg.min_chunk_bytes = 1 * MiB;
        scan_control_init(&f.sc, &cfg, NULL);
        offer_all(&f);
        memset(&k, 0, sizeof(k));
        k.give = give_all;
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_TARGET);
        ck_assert_uint_lt(f.cg[0].current_bytes, 100 * MiB);
}
END_TEST

/*
 * mem_cgroup_soft_reclaim() reclaims a quarter of the excess a visit, whatever
 * the priority (mem_cgroup_shrink_node() scans at priority 0): at least
 * min_chunk, never past the soft limit and its margin.
 */
START_TEST(soft_step_is_a_quarter_of_the_excess)
{
        struct fixture f;
        struct kernel k = { .give = give_all };
        struct cgroup big = { .current_bytes = 4096 * MiB + 64 * MiB, .soft_limit_bytes = 64 * MiB,
                              .excess_bytes = 4096 * MiB };

        ck_assert_uint_eq(policy_soft_request(&big, 1), 1024 * MiB);
        ck_assert_uint_eq(policy_soft_request(&big, 2048 * MiB), 2048 * MiB);   /* floor chunk */
        big.current_bytes = 69 * MiB;
        big.excess_bytes = 5 * MiB;
        /* never past the soft limit and its margin */
        ck_assert_uint_eq(policy_soft_request(&big, 4 * MiB), 5 * MiB - SOFT_MARGIN_BYTES);
        big.current_bytes = 65 * MiB;
        big.excess_bytes = 1 * MiB;
        ck_assert_uint_eq(policy_soft_request(&big, 2 * MiB), 0);

        /* A round: one success per pass, each a quarter of what is left over. */
        setup(&f, 1024 * MiB, 1 * MiB);
        add(&f, "batch", 1024 * MiB + 64 * MiB, 64 * MiB);
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_SHORT);
        ck_assert_uint_eq(k.steps, 13);   /* one a pass, priority 12 to 0 */
        ck_assert_int_eq(k.prio[0], 12);
        ck_assert_uint_eq(k.asked[0], 256 * MiB);
        ck_assert_uint_eq(k.asked[1], 192 * MiB);
        for (size_t i = 1; i < k.steps; i++) {
                ck_assert_int_eq(k.prio[i], k.prio[i - 1] - 1);
                ck_assert_uint_le(k.asked[i], k.asked[i - 1]);
        }
        /* (3/4)^13 of the excess is left: 2.4%. */
        ck_assert_uint_lt(f.cg[0].current_bytes, 64 * MiB + 1024 * MiB / 40);
}
END_TEST

/* do_try_to_free_pages(): "if (sc->nr_reclaimed >= sc->nr_to_reclaim) break;" */
START_TEST(round_stops_at_target)
{
        struct fixture f;
        struct kernel k = { .give = give_all };

        setup(&f, 400 * MiB, 2 * MiB);
        add(&f, "batch", 1088 * MiB, 64 * MiB);
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_TARGET);
        ck_assert_uint_eq(k.steps, 2);   /* 256M, then 192M: 448M >= 400M */
        ck_assert_uint_eq(f.sc.nr_reclaimed, 448 * MiB);
        ck_assert_uint_eq(f.sc.nr_requested, 448 * MiB);
        ck_assert_int_eq(f.sc.priority, 11);
}
END_TEST

/* mem_cgroup_soft_limit_reclaim(): a cgroup that gave nothing is passed over for the next
 * largest, and the loop gives up after MEM_CGROUP_MAX_SOFT_LIMIT_RECLAIM_LOOPS more. */
START_TEST(fruitless_loops_give_up)
{
        static const char *const names[] = { "a", "b", "c", "d", "e", "f" };
        struct fixture f;
        struct kernel k = { .give = give_nothing };

        setup(&f, 32 * MiB, 1 * MiB);
        f.sc.clamp_allowed = false;
        for (int i = 0; i < 6; i++)
                add(&f, names[i], (200 + 10 * (uint64_t)i) * MiB, 100 * MiB);
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_EXHAUSTED);
        /* Each of the 13 passes tries SOFT_LIMIT_MAX_FRUITLESS_LOOPS + 1 cgroups, largest first. */
        ck_assert_uint_eq(k.steps, 13 * (SOFT_LIMIT_MAX_FRUITLESS_LOOPS + 1));
        ck_assert_str_eq(k.order[0], "f");
        ck_assert_str_eq(k.order[1], "e");
        ck_assert_str_eq(k.order[2], "d");
        ck_assert_str_eq(k.order[3], "f");   /* the next pass starts over from the largest */
        ck_assert_int_eq(k.prio[3], 11);
        ck_assert_int_eq(f.sc.priority, 0);
}
END_TEST

/* The tree is re-ranked after each step: __mem_cgroup_insert_exceeded() with the new excess. */
START_TEST(reranked_after_each_step)
{
        struct fixture f;
        struct kernel k = { .give = give_all };

        setup(&f, 16 * MiB, 8 * MiB);
        add(&f, "a", 110 * MiB, 100 * MiB);   /* 10M over */
        add(&f, "b", 112 * MiB, 100 * MiB);   /* 12M over */
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_TARGET);
        /* b (12M) gives 8M, leaving 4M: a (10M) is now the largest. */
        ck_assert_str_eq(k.order[0], "b");
        ck_assert_str_eq(k.order[1], "a");
}
END_TEST

/* mem_cgroup_below_min() in shrink_node_memcgs(): memory.min is never reclaimed, neither by
 * the soft-limit loop (its floor is the higher of soft limit and memory.min) nor by the
 * proportional pass, not even in the memory.low retry. */
START_TEST(memory_min_never_touched)
{
        struct fixture f;
        struct kernel k = { .give = give_all };
        struct cgroup *a, *b;

        setup(&f, 1024 * MiB, 1 * MiB);
        a = add(&f, "a", 300 * MiB, 100 * MiB);
        a->min_bytes = 250 * MiB;
        run(&f, &k);
        /* Down to memory.min and the margin that absorbs memory.reclaim's overshoot. */
        ck_assert_uint_eq(a->current_bytes, 250 * MiB + MIN_MARGIN_BYTES);

        /* The proportional pass, in the memory.low retry too: memory.min still holds. */
        setup(&f, 1024 * MiB, 1 * MiB);
        b = add(&f, "b", 200 * MiB, UINT64_MAX);
        b->min_bytes = 150 * MiB;
        b->low_bytes = 210 * MiB;
        offer_all(&f);
        memset(&k, 0, sizeof(k));
        k.give = give_all;
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_SHORT);
        ck_assert(f.sc.memcg_low_reclaim);   /* memory.low was given up, in the retry */
        ck_assert_uint_eq(b->current_bytes, 150 * MiB + MIN_MARGIN_BYTES);
}
END_TEST

/* do_try_to_free_pages(): "Untapped cgroup reserves? Don't OOM, retry." A cgroup under its
 * memory.low is skipped (memcg_low_skipped), then reclaimed in one retry round. */
START_TEST(memory_low_retry)
{
        struct fixture f;
        struct kernel k = { .give = give_all };
        struct cgroup *lo;

        setup(&f, 100 * MiB, 1 * MiB);
        lo = add(&f, "protected", 200 * MiB, UINT64_MAX);
        lo->low_bytes = 200 * MiB;
        offer_all(&f);
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_TARGET);
        ck_assert(f.sc.memcg_low_reclaim);
        ck_assert_int_eq(k.prio[0], DEF_PRIORITY);   /* the retry restarts the priority loop */
        ck_assert_uint_le(lo->current_bytes, 100 * MiB);

        /* When another cgroup gives enough, memory.low holds: no retry. */
        setup(&f, 10 * MiB, 1 * MiB);
        lo = add(&f, "protected", 200 * MiB, UINT64_MAX);
        lo->low_bytes = 200 * MiB;
        add(&f, "free", 40 * MiB, UINT64_MAX);
        offer_all(&f);
        memset(&k, 0, sizeof(k));
        k.give = give_all;
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_TARGET);
        ck_assert(!f.sc.memcg_low_reclaim);
        ck_assert_uint_eq(lo->current_bytes, 200 * MiB);
        ck_assert_uint_gt(k.steps, 0);
        for (size_t i = 0; i < k.steps; i++)
                ck_assert_str_eq(k.order[i], "free");
}
END_TEST

/* do_try_to_free_pages(): "if (sc->compaction_ready) break;" The engine reports the pressure
 * resolved (stall share under the threshold) and the round stops early. */
START_TEST(early_exit_on_resolved_pressure)
{
        struct fixture f;
        struct cgroup *cg;
        enum policy_action a;
        uint64_t bytes;

        ck_assert(policy_pressure_resolved(0, 200000, 100));
        ck_assert(policy_pressure_resolved(1999, 200000, 100));       /* 0.99% < 1% */
        ck_assert(!policy_pressure_resolved(2000, 200000, 100));      /* 1% is not under 1% */
        ck_assert(!policy_pressure_resolved(150000, 1000000, 100));
        ck_assert(!policy_pressure_resolved(0, 0, 100));

        setup(&f, 512 * MiB, 1 * MiB);
        add(&f, "batch", 1024 * MiB, 64 * MiB);
        ck_assert_int_eq(policy_next(&f.sc, &f.tree, &cg, &a, &bytes), POLICY_STEP);
        policy_account(&f.sc, &f.tree, cg, a, bytes, cg->current_bytes - bytes, 1);
        f.sc.pressure_resolved = true;
        ck_assert_int_eq(policy_next(&f.sc, &f.tree, &cg, &a, &bytes), POLICY_DONE_RESOLVED);
}
END_TEST

/* consider_reclaim_throttle(): under 1/8 efficiency the scope backs off, with a cooldown that
 * grows; a round that pays off clears it. */
START_TEST(backoff_below_one_eighth)
{
        struct backoff b = {};

        ck_assert(policy_backoff_allows(&b, 0));
        /* 1/8 exactly is not below 1/8: no backoff. */
        ck_assert_uint_eq(policy_backoff_update(&b, 8 * MiB, 1 * MiB + 1, 1000, 1000000, 60000000), 0);
        ck_assert_uint_eq(policy_backoff_update(&b, 8 * MiB, 1 * MiB, 1000, 1000000, 60000000), 1000000);
        ck_assert(!policy_backoff_allows(&b, 1000 + 999999));
        ck_assert(policy_backoff_allows(&b, 1000 + 1000000));
        ck_assert_uint_eq(policy_backoff_update(&b, 8 * MiB, 0, 2000000, 1000000, 60000000), 2000000);
        ck_assert_uint_eq(policy_backoff_update(&b, 8 * MiB, 0, 5000000, 1000000, 60000000), 4000000);
        for (int i = 0; i < 40; i++)
                policy_backoff_update(&b, 8 * MiB, 0, 0, 1000000, 60000000);
        ck_assert_uint_eq(b.until_usec, 60000000);   /* capped at backoff_max */
        /* A round that asked nothing is not inefficient; one that paid off clears the backoff. */
        ck_assert_uint_eq(policy_backoff_update(&b, 8 * MiB, 4 * MiB, 0, 1000000, 60000000), 0);
        ck_assert_uint_eq(b.level, 0);
        ck_assert(policy_backoff_allows(&b, 0));
        ck_assert_uint_eq(policy_backoff_update(&b, 0, 0, 0, 1000000, 60000000), 0);
        /* backoff = 0s turns it off, however long the run of fruitless rounds. */
        for (int i = 0; i < 40; i++)
                ck_assert_uint_eq(policy_backoff_update(&b, 8 * MiB, 0, 0, 0, 60000000), 0);
        ck_assert(policy_backoff_allows(&b, 0));
}
END_TEST

/*
 * The balancer's pace: every interval near the mark; idle_interval only
 * while free memory is far above it, by a sixteenth of the machine and by
 * twice what the fastest recent fall would take in that time.
 */
START_TEST(balancer_sleeps_only_far_from_its_mark)
{
        const uint64_t GiB = 1024 * MiB, sec = 1000000, total = 16 * GiB, mark = 32 * MiB;
        struct balance_pace p = {};

        /* A steady machine with 8 GiB free: asleep from the first check. */
        ck_assert_uint_eq(policy_balance_pace(&p, 8 * GiB, total, mark, 1 * sec, sec, 5 * sec), 5 * sec);
        ck_assert(p.asleep);
        ck_assert_uint_eq(policy_balance_pace(&p, 8 * GiB, total, mark, 6 * sec, sec, 5 * sec), 5 * sec);
        /* Under a sixteenth of the machine above the mark: awake, however steady. */
        ck_assert_uint_eq(policy_balance_pace(&p, mark + total / 16 - 1, total, mark, 11 * sec, sec, 5 * sec), sec);
        ck_assert(!p.asleep);
        p = (struct balance_pace){};
        /* Falling by 1 GiB a second with 4 GiB above the mark: 10 GiB in two sleeps' worth: awake. */
        policy_balance_pace(&p, 5 * GiB + mark, total, mark, 1 * sec, sec, 5 * sec);
        ck_assert_uint_eq(policy_balance_pace(&p, 4 * GiB + mark, total, mark, 2 * sec, sec, 5 * sec), sec);
        ck_assert_uint_eq(p.fall_bps, GiB);
        /* It stops: the fall remembered halves each check (512M, 256M a second): asleep at the second. */
        ck_assert_uint_eq(policy_balance_pace(&p, 4 * GiB + mark, total, mark, 3 * sec, sec, 5 * sec), sec);
        ck_assert_uint_eq(policy_balance_pace(&p, 4 * GiB + mark, total, mark, 4 * sec, sec, 5 * sec), 5 * sec);
        ck_assert_uint_eq(p.fall_bps, 256 * MiB);
        /* A slow creep far above the mark sleeps on; a faster one wakes it. */
        ck_assert_uint_eq(policy_balance_pace(&p, 4 * GiB + mark - 5 * 64 * MiB, total, mark, 9 * sec, sec, 5 * sec),
                          5 * sec);
        ck_assert_uint_eq(policy_balance_pace(&p, 2 * GiB, total, mark, 10 * sec, sec, 5 * sec), sec);
        /* An idle_interval no longer than interval never sleeps. */
        p = (struct balance_pace){};
        ck_assert_uint_eq(policy_balance_pace(&p, 8 * GiB, total, mark, 1 * sec, 5 * sec, 5 * sec), 5 * sec);
        ck_assert(!p.asleep);
        ck_assert_uint_eq(policy_balance_pace(&p, 8 * GiB, total, mark, 6 * sec, 5 * sec, sec), 5 * sec);
        ck_assert(!p.asleep);
}
END_TEST

/* The memory.high lever: from clamp_priority on, a soft-limit step that fell short is followed
 * by lowering memory.high, never below the soft limit (nor memory.min). */
START_TEST(clamp_floor_is_the_soft_limit)
{
        struct fixture f;
        struct kernel k = { .give = give_half };
        bool clamped = false;

        setup(&f, 1024 * MiB, 1 * MiB);
        add(&f, "hot", 400 * MiB, 100 * MiB);
        run(&f, &k);
        for (size_t i = 0; i < k.steps; i++) {
                if (k.action[i] != ACTION_CLAMP)
                        continue;
                clamped = true;
                ck_assert_int_le(k.prio[i], 3);                /* clamp_priority's default */
                ck_assert_uint_ge(k.asked[i], 100 * MiB);      /* never below the soft limit */
        }
        ck_assert(clamped);

        /* With memory.min above the soft limit, memory.min is the floor. */
        setup(&f, 1024 * MiB, 1 * MiB);
        add(&f, "hot", 400 * MiB, 100 * MiB)->min_bytes = 300 * MiB;
        memset(&k, 0, sizeof(k));
        k.give = give_half;
        run(&f, &k);
        clamped = false;
        for (size_t i = 0; i < k.steps; i++) {
                if (k.action[i] != ACTION_CLAMP)
                        continue;
                clamped = true;
                ck_assert_uint_ge(k.asked[i], 300 * MiB);
        }
        ck_assert(clamped);
        ck_assert_uint_ge(f.cg[0].current_bytes, 300 * MiB + MIN_MARGIN_BYTES);

        /*
         * Memory nothing can take (mlocked): the clamp deepens as the priority
         * falls, a quarter of the excess deeper each pass from clamp_priority
         * (3), and reaches the soft limit at priority 0.
         */
        setup(&f, 1024 * MiB, 1 * MiB);
        add(&f, "locked", 400 * MiB, 100 * MiB);
        memset(&k, 0, sizeof(k));
        k.give = give_nothing;
        run(&f, &k);
        {
                uint64_t last = UINT64_MAX;
                unsigned n = 0;

                for (size_t i = 0; i < k.steps; i++) {
                        if (k.action[i] != ACTION_CLAMP)
                                continue;
                        ck_assert_uint_lt(k.asked[i], last);
                        ck_assert_uint_eq(k.asked[i], 400 * MiB - 300 * MiB * (4 - (uint64_t)k.prio[i]) / 4);
                        last = k.asked[i];
                        n++;
                }
                ck_assert_uint_eq(n, 4);
                ck_assert_uint_eq(last, 100 * MiB);
        }

        /* Disabled in the configuration: never. */
        setup(&f, 1024 * MiB, 1 * MiB);
        f.sc.clamp_allowed = false;
        add(&f, "hot", 400 * MiB, 100 * MiB);
        memset(&k, 0, sizeof(k));
        k.give = give_half;
        run(&f, &k);
        ck_assert_uint_gt(k.steps, 0);
        for (size_t i = 0; i < k.steps; i++)
                ck_assert_int_eq(k.action[i], ACTION_RECLAIM);
}
END_TEST

/* do_try_to_free_pages(): "if (sc->priority < DEF_PRIORITY - 2) sc->may_writepage = 1":
 * swapping is allowed only from harder_priority on. */
START_TEST(harder_means_from_configured_priority)
{
        struct fixture f;
        struct kernel k = { .give = give_all };

        setup(&f, 8192 * MiB, 1 * MiB);
        add(&f, "batch", 8192 * MiB, 64 * MiB);
        run(&f, &k);
        ck_assert_uint_eq(k.steps, 13);
        for (size_t i = 0; i < k.steps; i++)
                ck_assert_int_eq(k.swap[i], k.prio[i] <= 9);
}
END_TEST

/*
 * vmpressure_calc_level(): medium from 60% of what was asked not freed,
 * critical from 95%; vmpressure_prio(): critical from priority 3 down.
 */
START_TEST(pressure_levels_by_efficiency_and_priority)
{
        ck_assert_int_eq(policy_pressure_level(12, 100, 100), PRESSURE_LOW);
        ck_assert_int_eq(policy_pressure_level(12, 100, 41), PRESSURE_LOW);
        ck_assert_int_eq(policy_pressure_level(12, 100, 40), PRESSURE_MEDIUM);
        ck_assert_int_eq(policy_pressure_level(4, 100, 6), PRESSURE_MEDIUM);
        ck_assert_int_eq(policy_pressure_level(4, 100, 5), PRESSURE_CRITICAL);
        ck_assert_int_eq(policy_pressure_level(9, 0, 0), PRESSURE_LOW);   /* asked nothing */
        ck_assert_int_eq(policy_pressure_level(3, 100, 100), PRESSURE_CRITICAL);
        ck_assert_int_eq(policy_pressure_level(0, 0, 0), PRESSURE_CRITICAL);
        ck_assert_int_eq(policy_pressure_level(8, UINT64_MAX, UINT64_MAX / 2), PRESSURE_LOW);   /* no overflow */
        ck_assert_str_eq(pressure_level_name(PRESSURE_CRITICAL), "critical");
}
END_TEST

/* A clamped memory.high goes back up in steps, and exactly to its original value at the end. */
START_TEST(release_in_steps_to_the_original)
{
        struct cgroup cg = { .high = { .active = true, .original = 512 * MiB, .value = 100 * MiB },
                             .current_bytes = 100 * MiB };
        uint64_t high;
        int steps = 0;

        while (!policy_release_high(&cg, 1 * MiB, &high)) {
                ck_assert_uint_gt(high, cg.high.value);
                ck_assert_uint_lt(high, cg.high.original);
                cg.high.value = high;
                ck_assert_int_lt(++steps, 20);
        }
        ck_assert_uint_eq(high, 512 * MiB);
        ck_assert_int_gt(steps, 2);

        /* An original of "max" comes back once usage is at most half the raised limit. */
        cg = (struct cgroup){ .high = { .active = true, .original = UINT64_MAX, .value = 100 * MiB },
                              .current_bytes = 70 * MiB };
        ck_assert(!policy_release_high(&cg, 1 * MiB, &high));
        ck_assert_uint_eq(high, 125 * MiB);
        cg.current_bytes = 50 * MiB;
        ck_assert(policy_release_high(&cg, 1 * MiB, &high));
        ck_assert_uint_eq(high, UINT64_MAX);
}
END_TEST

/* snapshot_refaults(): memory that came straight back makes a cgroup a later choice in the
 * proportional pass. */
START_TEST(refaults_steer_the_proportional_pass)
{
        struct fixture f;
        struct kernel k = { .give = give_all };
        struct cgroup *thrash, *cold;
        const uint64_t W = 2 * REFAULT_MIN_WINDOW_USEC;   /* snapshots far enough apart to be judged */

        setup(&f, 4 * MiB, 4 * MiB);
        thrash = add(&f, "a-thrashing", 100 * MiB, UINT64_MAX);
        cold = add(&f, "b-cold", 100 * MiB, UINT64_MAX);
        /* Both gave 64M last time; a's came back in full, b's stayed out. */
        thrash->asked_since_snapshot = cold->asked_since_snapshot = 64 * MiB;
        policy_snapshot_refaults(thrash, 10 * MiB, 1 * W);
        policy_snapshot_refaults(cold, 10 * MiB, 1 * W);
        policy_snapshot_refaults(thrash, 74 * MiB, 2 * W);
        policy_snapshot_refaults(cold, 10 * MiB, 2 * W);
        ck_assert_uint_eq(thrash->refault_permille, 1000);
        ck_assert_uint_eq(cold->refault_permille, 0);
        /* A snapshot older than REFAULT_WINDOW_USEC says nothing about the last request. */
        thrash->asked_since_snapshot = 64 * MiB;
        policy_snapshot_refaults(thrash, 80 * MiB, 3 * W);
        policy_snapshot_refaults(thrash, 200 * MiB, 3 * W + REFAULT_WINDOW_USEC + 1);
        ck_assert_uint_eq(thrash->refault_permille, 0);
        policy_snapshot_refaults(thrash, 264 * MiB, 4 * W + REFAULT_WINDOW_USEC);
        ck_assert_uint_eq(thrash->refault_permille, 0);   /* the window before asked nothing */
        thrash->asked_since_snapshot = 64 * MiB;
        policy_snapshot_refaults(thrash, 264 * MiB, 5 * W + REFAULT_WINDOW_USEC);
        policy_snapshot_refaults(thrash, 296 * MiB, 6 * W + REFAULT_WINDOW_USEC);
        ck_assert_uint_eq(thrash->refault_permille, 500);
        thrash->refault_permille = 1000;   /* as before, for the pass below */
        offer_all(&f);
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_TARGET);
        ck_assert_str_eq(k.order[0], "b-cold");

        /* Thrashing (over REFAULT_THRASHING_PERMILLE): left out of the pass altogether. */
        setup(&f, 200 * MiB, 4 * MiB);
        thrash = add(&f, "a-thrashing", 100 * MiB, UINT64_MAX);
        thrash->refault_permille = REFAULT_THRASHING_PERMILLE;
        thrash->refault_known = true;
        thrash->refault_at_usec = f.sc.now_usec = 10 * REFAULT_WINDOW_USEC;
        add(&f, "b-cold", 100 * MiB, UINT64_MAX);
        offer_all(&f);
        memset(&k, 0, sizeof(k));
        k.give = give_all;
        run(&f, &k);
        ck_assert_uint_gt(k.steps, 0);
        for (size_t i = 0; i < k.steps; i++)
                ck_assert_str_eq(k.order[i], "b-cold");
        ck_assert_uint_eq(thrash->current_bytes, 100 * MiB);
}
END_TEST

/*
 * A round's snapshot a moment after the last one reads what has not come
 * back yet: it is skipped, the judgement stands and the window goes on,
 * to be judged once REFAULT_MIN_WINDOW_USEC has passed.
 */
START_TEST(a_snapshot_too_soon_keeps_the_judgement)
{
        struct cgroup cg = { .path = "hot" };
        const uint64_t t0 = 100 * REFAULT_MIN_WINDOW_USEC;

        cg.asked_since_snapshot = 16 * MiB;
        policy_snapshot_refaults(&cg, 100 * MiB, t0);
        cg.asked_since_snapshot = 16 * MiB;
        policy_snapshot_refaults(&cg, 116 * MiB, t0 + REFAULT_MIN_WINDOW_USEC);   /* all came back */
        ck_assert_uint_eq(cg.refault_permille, 1000);
        ck_assert(policy_thrashing(&cg, t0 + REFAULT_MIN_WINDOW_USEC));

        /* Asked 8M more at once, and snapshot 0.2 s after: little back yet. */
        cg.asked_since_snapshot = 8 * MiB;
        policy_snapshot_refaults(&cg, 117 * MiB, t0 + REFAULT_MIN_WINDOW_USEC + 200000);
        ck_assert_uint_eq(cg.refault_permille, 1000);
        ck_assert(policy_thrashing(&cg, t0 + REFAULT_MIN_WINDOW_USEC + 200000));
        ck_assert_uint_eq(cg.refault_base, 116 * MiB);   /* the window did not move */
        ck_assert_uint_eq(cg.asked_since_snapshot, 8 * MiB);

        /* Judged once the window is long enough: 4M back of the 16M asked before it began. */
        policy_snapshot_refaults(&cg, 120 * MiB, t0 + 2 * REFAULT_MIN_WINDOW_USEC);
        ck_assert_uint_eq(cg.refault_permille, 250);
        ck_assert(!policy_thrashing(&cg, t0 + 2 * REFAULT_MIN_WINDOW_USEC));
        ck_assert_uint_eq(cg.asked_window, 8 * MiB);

        /* Counters that went back (a new cgroup at the path) start afresh at once. */
        policy_snapshot_refaults(&cg, 1 * MiB, t0 + 2 * REFAULT_MIN_WINDOW_USEC + 1);
        ck_assert_uint_eq(cg.refault_base, 1 * MiB);
}
END_TEST

/*
 * A cgroup over its soft limit whose reclaimed memory comes straight back:
 * the balancer leaves it out (trimming would feed its refaults), while a
 * stalling machine's round holds it with memory.high instead of asking it
 * again, from the first pass on; with clamping off, the round takes it as
 * v1 did; a snapshot older than the window no longer counts.
 */
START_TEST(thrashing_offender_is_clamped_not_trimmed)
{
        struct fixture f;
        struct kernel k = { .give = give_all };
        struct cgroup *hot;

        setup(&f, 64 * MiB, 1 * MiB);
        f.sc.proactive = f.sc.soft_only = true;
        f.sc.now_usec = 100 * REFAULT_WINDOW_USEC;
        hot = add(&f, "hot", 300 * MiB, 64 * MiB);
        add(&f, "cold", 150 * MiB, 64 * MiB);
        hot->refault_known = true;
        hot->refault_permille = 900;
        hot->refault_at_usec = f.sc.now_usec - 1;
        ck_assert(policy_thrashing(hot, f.sc.now_usec));
        run(&f, &k);
        ck_assert_uint_gt(k.steps, 0);
        for (size_t i = 0; i < k.steps; i++)
                ck_assert_str_eq(k.order[i], "cold");
        ck_assert_uint_eq(hot->current_bytes, 300 * MiB);
        /* Only cgroups over their soft limits that thrash: the balancer's round is done. */
        setup(&f, 64 * MiB, 1 * MiB);
        f.sc.proactive = f.sc.soft_only = true;
        f.sc.now_usec = 100 * REFAULT_WINDOW_USEC;
        hot = add(&f, "hot", 300 * MiB, 64 * MiB);
        *hot = (struct cgroup){ .path = "hot", .soft_limit_bytes = 64 * MiB, .refault_known = true,
                                .refault_permille = 900, .refault_at_usec = f.sc.now_usec };
        RB_INIT(&f.tree);
        excess_tree_update(&f.tree, hot, 300 * MiB);
        memset(&k, 0, sizeof(k));
        k.give = give_all;
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_NOTHING);
        ck_assert_uint_eq(k.steps, 0);

        /*
         * A trigger's round holds it with memory.high at its first step, a
         * quarter of its excess deeper each pass (the clamp frees nothing
         * here: the kernel's memory.high reclaim runs in its tasks), never
         * under the soft limit, and asks memory.reclaim nothing. One that
         * does not thrash is taken, and not clamped while its steps are met.
         * With clamping off, the thrashing one is taken too.
         */
        for (int thrashing = 0; thrashing < 3; thrashing++) {
                setup(&f, 4096 * MiB, 1 * MiB);
                f.sc.now_usec = 100 * REFAULT_WINDOW_USEC;
                f.sc.clamp_allowed = thrashing < 2;
                hot = add(&f, "hot", 4096 * MiB, 64 * MiB);
                hot->refault_known = thrashing > 0;
                hot->refault_permille = 900;
                hot->refault_at_usec = f.sc.now_usec;
                memset(&k, 0, sizeof(k));
                k.give = thrashing == 1 ? hold_high : give_all;
                run(&f, &k);
                if (thrashing == 1) {
                        /* Before 6.16 a write that freed nothing leaves it held already at the next pass. */
                        ck_assert_uint_eq(k.steps, 1);
                        ck_assert_int_eq(k.action[0], ACTION_CLAMP);
                        ck_assert_int_eq(k.prio[0], DEF_PRIORITY);
                        ck_assert_uint_eq(hot->high.value, 4096 * MiB - (4096 - 64) * MiB / 4);

                        /*
                         * On 6.16+ the usage has not moved (its tasks reclaim later), and each
                         * pass goes a quarter deeper from the last hold, as where the write
                         * reclaims: down to the soft limit, short of the round's 4 GiB target,
                         * not exhausted. Counted as deferred, a smaller target is met at once.
                         */
                        for (int big = 1; big >= 0; big--) {
                                setup(&f, big ? 4096 * MiB : 512 * MiB, 1 * MiB);
                                f.sc.now_usec = 100 * REFAULT_WINDOW_USEC;
                                f.sc.clamp_deferred = true;
                                hot = add(&f, "hot", 4096 * MiB, 64 * MiB);
                                hot->refault_known = true;
                                hot->refault_permille = 900;
                                hot->refault_at_usec = f.sc.now_usec;
                                memset(&k, 0, sizeof(k));
                                k.give = hold_high;
                                k.deferred = true;
                                ck_assert_int_eq(run(&f, &k), big ? POLICY_DONE_SHORT : POLICY_DONE_TARGET);
                                ck_assert_uint_eq(k.asked[0], 4096 * MiB - (4096 - 64) * MiB / 4);
                                ck_assert_int_eq(k.prio[0], DEF_PRIORITY);
                                for (size_t i = 0; i < k.steps; i++) {
                                        ck_assert_int_eq(k.action[i], ACTION_CLAMP);
                                        if (i > 0)
                                                ck_assert_uint_lt(k.asked[i], k.asked[i - 1]);
                                }
                                ck_assert_uint_eq(hot->current_bytes, 4096 * MiB);
                                ck_assert_uint_eq(f.sc.nr_reclaimed, 0);
                                if (big) {
                                        ck_assert_uint_gt(k.steps, 1);
                                        ck_assert_uint_eq(hot->high.value, 64 * MiB);
                                        ck_assert_uint_eq(f.sc.nr_deferred, (4096 - 64) * MiB);
                                } else {
                                        ck_assert_uint_eq(k.steps, 1);
                                        ck_assert_uint_eq(f.sc.nr_deferred, (4096 - 64) * MiB / 4);
                                }
                        }
                        continue;
                }
                ck_assert_uint_gt(k.steps, 10);
                ck_assert_int_eq(k.action[0], ACTION_RECLAIM);
                for (size_t i = 0; i < k.steps; i++)
                        if (k.action[i] == ACTION_CLAMP)
                                ck_assert_int_le(k.prio[i], f.sc.clamp_priority);
                ck_assert_uint_eq(f.sc.nr_clamps, 0);
        }

        /* Older than the window, the snapshot says nothing any more. */
        ck_assert(!policy_thrashing(&(struct cgroup){ .refault_known = true, .refault_permille = 900,
                                                      .refault_at_usec = 1 }, 2 + REFAULT_WINDOW_USEC));
}
END_TEST

/*
 * What memory.reclaim frees between the usage and a deferred hold of ours
 * was counted already, as that clamp's nr_deferred: a round's progress
 * counts it once. Where clamps are not deferred nothing is taken back.
 */
START_TEST(reclaim_under_a_deferred_hold_counts_once)
{
        for (int deferred = 1; deferred >= 0; deferred--) {
                struct cgroup *cg;
                struct fixture f;

                setup(&f, 64 * MiB, 1 * MiB);
                f.sc.clamp_deferred = deferred;
                cg = add(&f, "batch", 100 * MiB, 32 * MiB);
                cg->high.active = true;
                cg->high.value = 90 * MiB;
                f.sc.nr_deferred = 10 * MiB;   /* that clamp's ask, counted when it was set */
                policy_account(&f.sc, &f.tree, cg, ACTION_RECLAIM, 16 * MiB, 84 * MiB, 1);
                ck_assert_uint_eq(f.sc.nr_reclaimed, 16 * MiB);
                ck_assert_uint_eq(f.sc.nr_deferred, deferred ? 0 : 10 * MiB);
        }
}
END_TEST

/* A cgroup that gave nothing to the proportional pass is not asked again in the same round:
 * its pages came straight back (hot), and lower priorities would only thrash it harder. */
START_TEST(fruitless_proportional_visit_not_repeated)
{
        struct fixture f;
        struct kernel k = { .give = give_nothing };

        setup(&f, 64 * MiB, 2 * MiB);
        add(&f, "hot", 100 * MiB, UINT64_MAX);
        offer_all(&f);
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_NOTHING);
        ck_assert_uint_eq(k.steps, 1);
}
END_TEST

/* Measured reclaim never goes negative: growth meanwhile counts as nothing freed. */
START_TEST(growth_during_reclaim_counts_as_nothing)
{
        struct fixture f;
        struct cgroup *cg;
        enum policy_action a;
        uint64_t bytes;

        setup(&f, 64 * MiB, 1 * MiB);
        add(&f, "a", 200 * MiB, 100 * MiB);
        ck_assert_int_eq(policy_next(&f.sc, &f.tree, &cg, &a, &bytes), POLICY_STEP);
        ck_assert_uint_eq(policy_account(&f.sc, &f.tree, cg, a, bytes, 210 * MiB, 1), 0);
        ck_assert_uint_eq(f.sc.nr_reclaimed, 0);
        ck_assert_uint_eq(cg->excess_bytes, 110 * MiB);
        ck_assert_uint_eq(f.sc.fruitless_loops, 1);
}
END_TEST

/* try_to_free_mem_cgroup_pages(): a cgroup's own trigger reclaims only inside its subtree. */
START_TEST(scope_limits_the_round)
{
        struct fixture f;
        struct kernel k = { .give = give_all };

        setup(&f, 1024 * MiB, 1 * MiB);
        add(&f, "batch.slice/job1", 300 * MiB, 10 * MiB);
        add(&f, "batch.slice/job2", 200 * MiB, 10 * MiB);
        add(&f, "web.slice", 900 * MiB, 10 * MiB);    /* the largest, but outside the scope */
        add(&f, "batch.slice-other", 900 * MiB, 10 * MiB);
        f.sc.scope = "batch.slice";
        offer_all(&f);
        f.sc.n_prop = 2;   /* the engine offers only the scope's cgroups */
        run(&f, &k);
        ck_assert_uint_gt(k.steps, 0);
        for (size_t i = 0; i < k.steps; i++)
                ck_assert(strncmp(k.order[i], "batch.slice/", 12) == 0);
        ck_assert(cgroup_in_scope("a/b", "a"));
        ck_assert(!cgroup_in_scope("ab", "a"));
        ck_assert(cgroup_in_scope("ab", NULL));
}
END_TEST

/*
 * The floors give way to an offender once what reclaim takes from it comes
 * back: judged over at least YIELD_MIN_STEAL_BYTES taken, within
 * REFAULT_WINDOW_USEC, at REFAULT_THRASHING_PERMILLE. (Without clamping; with
 * it, the offender is marked thrashing instead, for memory.high to hold:
 * thrashing_offender_held_not_yielded_to.)
 */
START_TEST(taken_back_makes_the_floors_yield)
{
        struct cgroup cg = { .path = "batch" };
        uint64_t t = 1000000;

        policy_watch_taken(&cg, 100 * MiB, 10 * MiB, false, t);   /* the window begins */
        ck_assert(!policy_floors_yield(&cg, t));

        /* Too little taken to judge; the window goes on. */
        policy_watch_taken(&cg, 104 * MiB, 14 * MiB, false, t + YIELD_MIN_WINDOW_USEC);
        ck_assert(!policy_floors_yield(&cg, t + YIELD_MIN_WINDOW_USEC));
        ck_assert_uint_eq(cg.taken.steal_base, 100 * MiB);

        /* Exactly YIELD_MIN_STEAL_BYTES taken, exactly half back: judged, and given way to. */
        {
                struct cgroup edge = { .path = "edge" };

                policy_watch_taken(&edge, 0, 0, false, t);
                /* Not within YIELD_MIN_WINDOW_USEC: what was taken has had no time to come back. */
                policy_watch_taken(&edge, YIELD_MIN_STEAL_BYTES, YIELD_MIN_STEAL_BYTES, false, t + YIELD_MIN_WINDOW_USEC - 1);
                ck_assert(!policy_floors_yield(&edge, t + YIELD_MIN_WINDOW_USEC - 1));
                ck_assert_uint_eq(edge.taken.steal_base, 0);
                policy_watch_taken(&edge, YIELD_MIN_STEAL_BYTES, YIELD_MIN_STEAL_BYTES / 2, false, t + YIELD_MIN_WINDOW_USEC);
                ck_assert_uint_eq(edge.taken.permille, REFAULT_THRASHING_PERMILLE);
                ck_assert(policy_floors_yield(&edge, t + YIELD_MIN_WINDOW_USEC));
                /* What came back went down (a new cgroup at the path): afresh, no judgement. */
                edge.yield_until_usec = 0;
                policy_watch_taken(&edge, 3 * YIELD_MIN_STEAL_BYTES, 0, false, t + 2 * YIELD_MIN_WINDOW_USEC);
                ck_assert(!policy_floors_yield(&edge, t + 2 * YIELD_MIN_WINDOW_USEC));
                ck_assert_uint_eq(edge.taken.steal_base, 3 * YIELD_MIN_STEAL_BYTES);
        }

        /* 16M taken, 12M back (750 per mille): the floors give way for YIELD_USEC. */
        policy_watch_taken(&cg, 116 * MiB, 22 * MiB, false, t + 2 * YIELD_MIN_WINDOW_USEC);
        ck_assert_uint_eq(cg.taken.stolen, 16 * MiB);
        ck_assert_uint_eq(cg.taken.permille, 750);
        ck_assert(policy_floors_yield(&cg, t + 2 * YIELD_MIN_WINDOW_USEC));
        ck_assert(policy_floors_yield(&cg, t + 2 * YIELD_MIN_WINDOW_USEC + YIELD_USEC - 1));
        ck_assert(!policy_floors_yield(&cg, t + 2 * YIELD_MIN_WINDOW_USEC + YIELD_USEC));

        /* Cold memory taken: 16M, 1M back. No new yield. */
        cg.yield_until_usec = 0;
        policy_watch_taken(&cg, 132 * MiB, 23 * MiB, false, t + 3 * YIELD_MIN_WINDOW_USEC);
        ck_assert_uint_eq(cg.taken.permille, 62);
        ck_assert(!policy_floors_yield(&cg, t + 3 * YIELD_MIN_WINDOW_USEC));

        /* A window older than REFAULT_WINDOW_USEC starts afresh, whatever came back in it. */
        policy_watch_taken(&cg, 232 * MiB, 123 * MiB, false, t + 3 * YIELD_MIN_WINDOW_USEC + REFAULT_WINDOW_USEC + 1);
        ck_assert(!policy_floors_yield(&cg, t + 3 * YIELD_MIN_WINDOW_USEC + REFAULT_WINDOW_USEC + 1));
        ck_assert_uint_eq(cg.taken.steal_base, 232 * MiB);

        /* While they give way, no round takes from it, a trigger's included: the LRU order decides. */
        {
                struct fixture f;
                struct kernel k = { .give = give_all };
                struct cgroup *hot;

                setup(&f, 64 * MiB, 1 * MiB);
                f.sc.soft_only = true;
                f.sc.now_usec = 100 * REFAULT_WINDOW_USEC;
                hot = add(&f, "hot", 300 * MiB, 64 * MiB);
                add(&f, "cold", 150 * MiB, 64 * MiB);
                hot->yield_until_usec = f.sc.now_usec + 1;
                hot->taken.permille = 690;
                run(&f, &k);
                ck_assert_uint_gt(k.steps, 0);
                for (size_t i = 0; i < k.steps; i++)
                        ck_assert_str_eq(k.order[i], "cold");
                ck_assert_int_eq(hot->decision.reason, REASON_THRASHING);
                ck_assert_uint_eq(hot->decision.value, 690);
        }

        /* Counters that went back (a new cgroup at the path) start afresh too. */
        policy_watch_taken(&cg, 16 * MiB, 16 * MiB, false, t + 4000000 + REFAULT_WINDOW_USEC);
        ck_assert(!policy_floors_yield(&cg, t + 4000000 + REFAULT_WINDOW_USEC));
        ck_assert_uint_eq(cg.taken.steal_base, 16 * MiB);
}
END_TEST

/*
 * With clamping allowed, the same finding leaves the floors holding and
 * marks the offender thrashing for REFAULT_WINDOW_USEC: a trigger's round
 * holds it with memory.high at its first step.
 */
START_TEST(thrashing_offender_held_not_yielded_to)
{
        struct fixture f;
        struct kernel k = { .give = give_all };
        struct cgroup *hot;
        uint64_t t = 100 * REFAULT_WINDOW_USEC;

        setup(&f, 64 * MiB, 1 * MiB);
        hot = add(&f, "hot", 300 * MiB, 64 * MiB);
        policy_watch_taken(hot, 100 * MiB, 10 * MiB, true, t);
        ck_assert(!policy_thrashing(hot, t));
        policy_watch_taken(hot, 116 * MiB, 22 * MiB, true, t + YIELD_MIN_WINDOW_USEC);
        ck_assert(!policy_floors_yield(hot, t + YIELD_MIN_WINDOW_USEC));
        ck_assert(policy_thrashing(hot, t + YIELD_MIN_WINDOW_USEC + REFAULT_WINDOW_USEC));
        ck_assert(!policy_thrashing(hot, t + YIELD_MIN_WINDOW_USEC + REFAULT_WINDOW_USEC + 1));
        f.sc.now_usec = t + YIELD_MIN_WINDOW_USEC + 1;
        run(&f, &k);
        ck_assert_uint_gt(k.steps, 0);
        ck_assert_int_eq(k.action[0], ACTION_CLAMP);
        ck_assert_str_eq(k.order[0], "hot");
        ck_assert_int_eq(k.prio[0], DEF_PRIORITY);

        /* The balancer leaves it out, and says what the watch saw come back (12M of 16M). */
        setup(&f, 64 * MiB, 1 * MiB);
        f.sc.proactive = f.sc.soft_only = true;
        hot = add(&f, "hot", 300 * MiB, 64 * MiB);
        policy_watch_taken(hot, 100 * MiB, 10 * MiB, true, t);
        policy_watch_taken(hot, 116 * MiB, 22 * MiB, true, t + YIELD_MIN_WINDOW_USEC);
        f.sc.now_usec = t + YIELD_MIN_WINDOW_USEC + 1;
        memset(&k, 0, sizeof(k));
        k.give = give_all;
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_NOTHING);
        ck_assert_uint_eq(k.steps, 0);
        ck_assert_int_eq(hot->decision.reason, REASON_THRASHING);
        ck_assert_uint_eq(hot->decision.value, 750);
}
END_TEST

/*
 * The floors rank the offenders: the largest is held at its soft limit, the
 * others the second largest excess above theirs (in RANK_STEP_BYTES), so the
 * kernel takes the largest down to the next first; the cgroups under their
 * soft limits at them.
 */
START_TEST(floors_rank_the_offenders)
{
        struct cgroup *batch, *etl, *db, *web, *top;
        struct fixture f;

        setup(&f, 64 * MiB, 2 * MiB);
        batch = add(&f, "batch", 128 * MiB, 32 * MiB);   /* 96M over */
        etl = add(&f, "etl", 69 * MiB, 32 * MiB);        /* 37M over */
        db = add(&f, "db", 40 * MiB, 20 * MiB);          /* 20M over */
        web = add(&f, "web", 100 * MiB, 160 * MiB);
        ck_assert_uint_eq(policy_rank_level(&f.tree, 2 * MiB, 0, &top), 32 * MiB);
        ck_assert_ptr_eq(top, batch);
        ck_assert_uint_eq(policy_protection(batch, top, 32 * MiB), 32 * MiB);   /* all of its excess in reach */
        ck_assert_uint_eq(policy_protection(etl, top, 32 * MiB), 64 * MiB);
        ck_assert_uint_eq(policy_protection(db, top, 32 * MiB), 52 * MiB);     /* above its usage: whole */
        ck_assert_uint_eq(policy_protection(web, top, 32 * MiB), 160 * MiB);
        ck_assert_uint_eq(policy_rank_level(&f.tree, 16 * MiB, 0, &top), 32 * MiB);
        ck_assert_uint_eq(policy_rank_level(&f.tree, 64 * MiB, 0, &top), 0);

        /* The second given way to: the third sets the level; then one offender, nothing to rank. */
        etl->yield_until_usec = 10;
        ck_assert_uint_eq(policy_rank_level(&f.tree, 2 * MiB, 0, &top), 16 * MiB);
        ck_assert_uint_eq(policy_rank_level(&f.tree, 2 * MiB, 10, &top), 32 * MiB);
        /*
         * db within the margin: nothing more is asked of it, but it came
         * from further over, so the floors hold for it until it is back at
         * its soft limit; from below, within the margin is not over.
         */
        reread(&f, db, 21 * MiB);
        ck_assert(!policy_over_soft_limit(db));
        ck_assert_uint_eq(policy_protection(db, batch, 8 * MiB), 28 * MiB);
        reread(&f, db, 20 * MiB);
        ck_assert_uint_eq(policy_rank_level(&f.tree, 2 * MiB, 0, &top), 0);
        ck_assert_ptr_eq(top, batch);
        ck_assert_uint_eq(policy_protection(db, top, 8 * MiB), 20 * MiB);
        reread(&f, db, 21 * MiB);
        ck_assert_uint_eq(policy_protection(db, top, 8 * MiB), 20 * MiB);

        /* No soft limit: max, whatever the level; none over: no top. */
        batch->soft_limit_bytes = UINT64_MAX;
        reread(&f, batch, batch->current_bytes);
        ck_assert_uint_eq(policy_protection(batch, NULL, 32 * MiB), UINT64_MAX);
        reread(&f, etl, 30 * MiB);
        ck_assert_uint_eq(policy_rank_level(&f.tree, 2 * MiB, 0, &top), 0);
        ck_assert_ptr_null(top);
}
END_TEST

/*
 * Refault counters that went back (a new cgroup at the path) start the
 * judgement afresh: what came back of the old cgroup's requests says
 * nothing of the new one, which nothing was asked of.
 */
START_TEST(refault_counters_that_went_back_start_afresh)
{
        struct cgroup cg = { .path = (char *)"batch", .soft_limit_bytes = 64 * MiB };
        uint64_t t = 100000000;

        cg.asked_since_snapshot = 10 * MiB;
        policy_snapshot_refaults(&cg, 500 * MiB, t);
        cg.asked_since_snapshot = 10 * MiB;
        policy_snapshot_refaults(&cg, 510 * MiB, t + 10000000);   /* all 10 MiB came back */
        ck_assert_uint_eq(cg.refault_permille, 1000);
        ck_assert(policy_thrashing(&cg, t + 20000000));
        policy_snapshot_refaults(&cg, 0, t + 20000000);
        ck_assert_uint_eq(cg.refault_permille, 0);
        ck_assert(!policy_thrashing(&cg, t + 20000000));
}
END_TEST

CHECK_MAIN("policy", largest_excess_first, refault_counters_that_went_back_start_afresh, under_soft_limit_left_alone_while_any_over,
           soft_step_is_a_quarter_of_the_excess, round_stops_at_target, fruitless_loops_give_up,
           reranked_after_each_step, memory_min_never_touched, memory_low_retry,
           early_exit_on_resolved_pressure, backoff_below_one_eighth, balancer_sleeps_only_far_from_its_mark, clamp_floor_is_the_soft_limit,
           harder_means_from_configured_priority, pressure_levels_by_efficiency_and_priority,
           release_in_steps_to_the_original, refaults_steer_the_proportional_pass,
           a_snapshot_too_soon_keeps_the_judgement,
           growth_during_reclaim_counts_as_nothing, scope_limits_the_round,
           fruitless_proportional_visit_not_repeated, thrashing_offender_is_clamped_not_trimmed,
           reclaim_under_a_deferred_hold_counts_once,
           taken_back_makes_the_floors_yield, thrashing_offender_held_not_yielded_to, floors_rank_the_offenders)
