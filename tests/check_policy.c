/*
 * Unit tests: the policy's kernel rules, each named after the kernel function
 * it mirrors, on literal readings (no backend, no clock).
 */
#include <string.h>

#include "check-main.h"
#include "config.h"
#include "policy.h"

#define MiB (1ULL << 20)

struct fixture {
        struct cgroup cg[8];
        size_t n;
        struct excess_tree tree;
        struct scan_control sc;
};

static void setup(struct fixture *f, uint64_t target, uint64_t min_chunk)
{
        memset(f, 0, sizeof(*f));
        RB_INIT(&f->tree);
        f->sc = (struct scan_control){ .nr_to_reclaim = target, .min_chunk = min_chunk,
                                       .initial_priority = DEF_PRIORITY, .priority = DEF_PRIORITY,
                                       .pass = 1 };
}

static struct cgroup *add(struct fixture *f, const char *path, uint64_t current, uint64_t soft)
{
        struct cgroup *cg = &f->cg[f->n++];

        cg->path = (char *)path;
        cg->soft_limit_bytes = soft;
        excess_tree_update(&f->tree, cg, current);
        return cg;
}

/* Runs the policy as the engine would, with a kernel that frees what each
 * cgroup's give() allows. Records the order of cgroups and requests. */
struct kernel {
        uint64_t (*give)(struct cgroup *cg, uint64_t asked);
        const char *order[64];
        uint64_t asked[64];
        int prio[64];
        size_t steps;
};

static enum policy_verdict run(struct fixture *f, struct kernel *k)
{
        enum policy_verdict v;
        struct cgroup *cg;
        uint64_t bytes;

        while ((v = policy_next(&f->sc, &f->tree, &cg, &bytes)) == POLICY_STEP) {
                ck_assert_uint_lt(k->steps, 64);
                k->order[k->steps] = cg->path;
                k->asked[k->steps] = bytes;
                k->prio[k->steps] = f->sc.priority;
                k->steps++;
                policy_account(&f->sc, &f->tree, cg, bytes, cg->current_bytes - k->give(cg, bytes));
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

/* __mem_cgroup_insert_exceeded(): a cgroup at or under its soft limit is never a candidate. */
START_TEST(under_soft_limit_never_asked)
{
        struct fixture f;
        struct kernel k = { .give = give_all };

        setup(&f, 512 * MiB, 1 * MiB);
        add(&f, "web", 100 * MiB, 256 * MiB);
        add(&f, "exact", 64 * MiB, 64 * MiB);
        add(&f, "batch", 200 * MiB, 64 * MiB);
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_NONE_OVER);
        for (size_t i = 0; i < k.steps; i++)
                ck_assert_str_eq(k.order[i], "batch");
        /* Reclaim stopped at the soft limit, not below: the asks add up to the excess. */
        ck_assert_uint_eq(f.sc.nr_reclaimed, 136 * MiB);
        ck_assert_uint_eq(f.cg[2].current_bytes, 64 * MiB);
}
END_TEST

/* shrink_lruvec() scans lru_size >> priority: each pass asks excess >> priority, floored. */
START_TEST(excess_shifted_by_priority)
{
        struct fixture f;
        struct kernel k = { .give = give_all };

        ck_assert_uint_eq(policy_soft_request(4096 * MiB, 12, 1), 1 * MiB);
        ck_assert_uint_eq(policy_soft_request(4096 * MiB, 0, 1), 4096 * MiB);
        ck_assert_uint_eq(policy_soft_request(4096 * MiB, 12, 2 * MiB), 2 * MiB);   /* floor */
        ck_assert_uint_eq(policy_soft_request(1 * MiB, 12, 2 * MiB), 1 * MiB);      /* never past the excess */

        /* A round walks the ladder: one success per pass, priority falls until the target is met. */
        setup(&f, 100 * MiB, 1 * MiB);
        add(&f, "batch", 8192 * MiB + 64 * MiB, 64 * MiB);
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_TARGET);
        ck_assert_int_eq(k.prio[0], 12);
        ck_assert_uint_eq(k.asked[0], 2 * MiB);   /* 8G >> 12 */
        for (size_t i = 1; i < k.steps; i++) {
                ck_assert_int_eq(k.prio[i], k.prio[i - 1] - 1);
                ck_assert_uint_ge(k.asked[i], k.asked[i - 1]);
        }
        ck_assert_uint_ge(f.sc.nr_reclaimed, 100 * MiB);
        ck_assert_int_gt(f.sc.priority, 0);
}
END_TEST

/* do_try_to_free_pages(): "if (sc->nr_reclaimed >= sc->nr_to_reclaim) break;" */
START_TEST(round_stops_at_target)
{
        struct fixture f;
        struct kernel k = { .give = give_all };

        setup(&f, 4 * MiB, 2 * MiB);
        add(&f, "batch", 1024 * MiB, 64 * MiB);
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_TARGET);
        ck_assert_uint_eq(k.steps, 2);
        ck_assert_uint_eq(f.sc.nr_reclaimed, 4 * MiB);
        ck_assert_uint_eq(f.sc.nr_requested, 4 * MiB);
        ck_assert_int_eq(f.sc.priority, 11);
}
END_TEST

/* mem_cgroup_soft_limit_reclaim(): a cgroup that gave nothing is passed over for the next
 * largest, and the loop gives up after MEM_CGROUP_MAX_SOFT_LIMIT_RECLAIM_LOOPS more. */
START_TEST(fruitless_loops_give_up)
{
        struct fixture f;
        struct kernel k = { .give = give_nothing };

        setup(&f, 32 * MiB, 1 * MiB);
        for (int i = 0; i < 6; i++) {
                static const char *const names[] = { "a", "b", "c", "d", "e", "f" };

                add(&f, names[i], (200 + 10 * (uint64_t)i) * MiB, 100 * MiB);
        }
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_EXHAUSTED);
        /* Each of the 13 passes tries SOFT_LIMIT_MAX_FRUITLESS_LOOPS + 1 cgroups, largest first. */
        ck_assert_uint_eq(k.steps, 13 * (SOFT_LIMIT_MAX_FRUITLESS_LOOPS + 1));
        ck_assert_str_eq(k.order[0], "f");
        ck_assert_str_eq(k.order[1], "e");
        ck_assert_str_eq(k.order[2], "d");
        ck_assert_str_eq(k.order[3], "f");   /* next pass starts over from the largest */
        ck_assert_int_eq(k.prio[3], 11);
        ck_assert_int_eq(f.sc.priority, 0);
}
END_TEST

/* The tree is re-ranked after each step: __mem_cgroup_insert_exceeded() with the new excess. */
START_TEST(reranked_after_each_step)
{
        struct fixture f;
        struct kernel k = { .give = give_all };

        setup(&f, 64 * MiB, 8 * MiB);
        add(&f, "a", 110 * MiB, 100 * MiB);   /* 10M over */
        add(&f, "b", 112 * MiB, 100 * MiB);   /* 12M over */
        ck_assert_int_eq(run(&f, &k), POLICY_DONE_NONE_OVER);
        /* b (12M) gives 8M, leaving 4M: a (10M) is now the largest. */
        ck_assert_str_eq(k.order[0], "b");
        ck_assert_str_eq(k.order[1], "a");
        ck_assert_uint_eq(f.sc.nr_reclaimed, 22 * MiB);
}
END_TEST

/* The kernel re-inserts a cgroup with whatever excess it has after reclaim, even
 * if its usage grew meanwhile; measured reclaim never goes negative. */
START_TEST(growth_during_reclaim_counts_as_nothing)
{
        struct fixture f;
        struct cgroup *cg;
        uint64_t bytes;

        setup(&f, 64 * MiB, 1 * MiB);
        add(&f, "a", 200 * MiB, 100 * MiB);
        ck_assert_int_eq(policy_next(&f.sc, &f.tree, &cg, &bytes), POLICY_STEP);
        ck_assert_uint_eq(policy_account(&f.sc, &f.tree, cg, bytes, 210 * MiB), 0);
        ck_assert_uint_eq(f.sc.nr_reclaimed, 0);
        ck_assert_uint_eq(cg->excess_bytes, 110 * MiB);
        ck_assert_uint_eq(f.sc.fruitless_loops, 1);
}
END_TEST

CHECK_MAIN("policy", largest_excess_first, under_soft_limit_never_asked, excess_shifted_by_priority,
           round_stops_at_target, fruitless_loops_give_up, reranked_after_each_step,
           growth_during_reclaim_counts_as_nothing)
