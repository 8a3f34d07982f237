/*
 * Benchmark: the daemon's own cost at 100, 1,000 and 10,000 managed cgroups:
 * a refresh (read memory.current, rebuild the ranking), a reclaim step (pick,
 * ask, re-read, re-insert), and the system calls per refresh. It runs the
 * real cgroupfs backend over a directory tree of ordinary files shaped like
 * cgroupfs, so the kernel's reclaim time is not in the figures: only ours.
 */
#include "autoconfig.h" /* first: _GNU_SOURCE, for asprintf() */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "config.h"
#include "engine.h"
#include "log.h"

#define MiB (1ULL << 20)

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static void put(const char *dir, const char *file, const char *text)
{
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, file);
        f = fopen(path, "w");
        if (!f) {
                perror(path);
                exit(1);
        }
        fputs(text, f);
        fclose(f);
}

/* A tree of n cgroups "cg/N", each over its soft limit by a different amount. */
static struct config *make_tree(const char *root, size_t n)
{
        struct config *cfg = calloc(1, sizeof(*cfg));
        char dir[512], num[64];

        if (!cfg || config_init_defaults(cfg) < 0)
                exit(1);
        cfg->cgroups = calloc(n, sizeof(*cfg->cgroups));
        snprintf(dir, sizeof(dir), "%s/cg", root);
        mkdir(dir, 0755);
        for (size_t i = 0; i < n; i++) {
                snprintf(dir, sizeof(dir), "%s/cg/%zu", root, i);
                mkdir(dir, 0755);
                snprintf(num, sizeof(num), "%" PRIu64 "\n", (uint64_t)((64 + (i * 7919) % 4096) * MiB));
                put(dir, "memory.current", num);
                put(dir, "memory.min", "0\n");
                put(dir, "memory.low", "0\n");
                put(dir, "memory.high", "max\n");
                put(dir, "memory.reclaim", "");
                if (asprintf(&cfg->cgroups[i].path, "cg/%zu", i) < 0)
                        exit(1);
                cfg->cgroups[i].soft_limit_bytes = 64 * MiB;
        }
        cfg->n_cgroups = n;
        return cfg;
}

static void bench(size_t n)
{
        char root[] = "/tmp/reclaimd-bench.XXXXXX", cmd[600];
        struct backend *be;
        struct config *cfg;
        struct engine e;
        struct scan_control sc;
        uint64_t t0, refresh_ns, reads, opens, rank_ns, step_ns, steps = 0;
        const int refreshes = 20;

        if (!mkdtemp(root))
                exit(1);
        cfg = make_tree(root, n);
        if (backend_cgroupfs_new(root, &be) < 0 || engine_init(&e, be, cfg, false, NULL, NULL) < 0)
                exit(1);
        engine_refresh(&e);   /* the first refresh opens every cgroup and its memory.current */

        be->stats = (struct backend_stats){};
        t0 = now_ns();
        for (int i = 0; i < refreshes; i++)
                engine_refresh(&e);
        refresh_ns = (now_ns() - t0) / refreshes;
        reads = be->stats.reads / refreshes;
        opens = be->stats.opens / refreshes;

        /* Ranking alone: every cgroup moved to a new place in the tree. */
        t0 = now_ns();
        for (int r = 0; r < refreshes; r++)
                for (size_t i = 0; i < n; i++)
                        excess_tree_update(&e.tree, &e.cgroups[i],
                                           e.cgroups[i].current_bytes + (uint64_t)((i * 31 + (size_t)r) % 977) * 4096);
        rank_ns = (now_ns() - t0) / refreshes;

        /*
         * Steps, as engine_round() takes them: pick the largest (policy_next),
         * ask (pwrite memory.reclaim), re-read memory.current (pread),
         * re-insert (policy_account). The files do not shrink, so every step is
         * fruitless and rounds run their full 13 passes: the worst case.
         */
        t0 = now_ns();
        for (int r = 0; r < 200; r++) {
                enum policy_action a;
                struct cgroup *cg;
                uint64_t bytes, after;
                char val[32];

                scan_control_init(&sc, cfg, NULL);
                while (policy_next(&sc, &e.tree, &cg, &a, &bytes) == POLICY_STEP) {
                        snprintf(val, sizeof(val), "%" PRIu64, bytes);
                        be->ops->write(be, cg->be, CG_MEMORY_RECLAIM, val);
                        backend_read_u64(be, cg->be, CG_MEMORY_CURRENT, &after);
                        policy_account(&sc, &e.tree, cg, a, bytes, after, 0);
                        steps++;
                }
        }
        step_ns = (now_ns() - t0) / (steps ? steps : 1);

        printf("%6zu cgroups: refresh %8.1f us (%5.1f ns/cgroup), ranking %8.1f us, "
               "step %5.2f us, per refresh: %" PRIu64 " preads, %" PRIu64 " opens\n",
               n, refresh_ns / 1e3, (double)refresh_ns / (double)n, rank_ns / 1e3, step_ns / 1e3,
               reads, opens);
        engine_done(&e);
        backend_free(be);
        config_free(cfg);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        if (system(cmd) != 0)
                fprintf(stderr, "could not remove %s\n", root);
}

int main(void)
{
        struct rlimit rl;
        static const size_t sizes[] = { 100, 1000, 10000 };

        /* Two descriptors per cgroup (directory and memory.current), plus the reclaim file. */
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
        }
        log_set_max_level(LOG_WARNING);
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
                bench(sizes[i]);
        return 0;
}
