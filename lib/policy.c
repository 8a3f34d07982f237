/* Reclaim decisions: the kernel's priority loop and soft-limit stealing, as pure functions. */
#include "autoconfig.h"

#include "config.h"
#include "policy.h"

void scan_control_init(struct scan_control *sc, const struct config *cfg)
{
        *sc = (struct scan_control){
                .nr_to_reclaim = cfg->round_target_bytes,
                .min_chunk = cfg->min_chunk_bytes,
                .initial_priority = (int)cfg->initial_priority,
                .priority = (int)cfg->initial_priority,
                .pass = 1,
        };
}

uint64_t policy_soft_request(uint64_t excess, int priority, uint64_t min_chunk)
{
        uint64_t ask = excess >> priority;

        if (ask < min_chunk)
                ask = min_chunk;
        return ask < excess ? ask : excess;
}

/* The largest cgroup not yet tried fruitlessly in this pass. */
static struct cgroup *next_candidate(const struct scan_control *sc, struct excess_tree *tree)
{
        struct cgroup *cg;

        for (cg = RB_MAX(excess_tree, tree); cg; cg = RB_PREV(excess_tree, tree, cg))
                if (cg->visited_pass != sc->pass)
                        return cg;
        return NULL;
}

enum policy_verdict policy_next(struct scan_control *sc, struct excess_tree *tree,
                                struct cgroup **ret_cg, uint64_t *ret_bytes)
{
        for (;;) {
                struct cgroup *cg;

                if (sc->nr_reclaimed >= sc->nr_to_reclaim)
                        return POLICY_DONE_TARGET;
                if (RB_EMPTY(tree))
                        return POLICY_DONE_NONE_OVER;
                if (!sc->pass_done) {
                        cg = next_candidate(sc, tree);
                        if (cg) {
                                *ret_cg = cg;
                                *ret_bytes = policy_soft_request(cg->excess_bytes, sc->priority,
                                                                 sc->min_chunk);
                                return POLICY_STEP;
                        }
                        sc->pass_done = true;
                }
                /* The pass is over without meeting the target: look harder. */
                if (sc->priority == 0)
                        return POLICY_DONE_EXHAUSTED;
                sc->priority--;
                sc->pass++;
                sc->fruitless_loops = 0;
                sc->pass_done = false;
        }
}

uint64_t policy_account(struct scan_control *sc, struct excess_tree *tree, struct cgroup *cg,
                        uint64_t requested, uint64_t current_after)
{
        uint64_t before = cg->current_bytes;
        uint64_t reclaimed = before > current_after ? before - current_after : 0;

        sc->nr_requested += requested;
        sc->nr_reclaimed += reclaimed;
        sc->nr_steps++;
        excess_tree_update(tree, cg, current_after);

        if (reclaimed) {
                /* mem_cgroup_soft_limit_reclaim() loops only while nothing was reclaimed. */
                sc->pass_done = true;
                return reclaimed;
        }
        /* "If we failed to reclaim anything from this memory cgroup it is time to move on." */
        cg->visited_pass = sc->pass;
        if (++sc->fruitless_loops > SOFT_LIMIT_MAX_FRUITLESS_LOOPS)
                sc->pass_done = true;
        return 0;
}
