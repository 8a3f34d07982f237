/*
 * Benchmark: the daemon's own cost at 100, 1,000 and 10,000 managed cgroups:
 * a refresh (read memory.current, rebuild the ranking), a reclaim step (pick,
 * ask, re-read, re-insert), the system calls per refresh, the balancer's
 * tick on an idle machine, the descriptors held and the resident memory, and
 * following a glob that matches them all.
 * It runs the real cgroupfs backend over a temporary directory tree of
 * ordinary files shaped like cgroupfs ($BENCH_DIR, else $TMPDIR, else /tmp),
 * so the kernel's reclaim time is not in the figures: only ours.
 */
#include "autoconfig.h" /* first: _GNU_SOURCE, for asprintf() */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "config.h"
#include "engine.h"
#include "log.h"
#include "metrics.h"
#include "snapshot.h"
#include "status.h"

#define MiB (1ULL << 20)

static uint64_t clock_ns(clockid_t clock)
{
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void)
{
        return clock_ns(CLOCK_MONOTONIC);
}

/* CPU time of this process: on a shared machine, less of the other jobs' load than the wall clock. */
static uint64_t cpu_ns(void)
{
        return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

static void put(const char *dir, const char *file, const char *text)
{
        char path[800];
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
        char dir[700], num[64];

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
                put(dir, "memory.stat", "anon 0\nfile 0\nworkingset_refault_anon 0\nworkingset_refault_file 0\n");
                put(dir, "memory.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
                                            "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
                put(dir, "cgroup.events", "populated 1\nfrozen 0\n");
                if (asprintf(&cfg->cgroups[i].path, "cg/%zu", i) < 0)
                        exit(1);
                cfg->cgroups[i].soft_limit_bytes = 64 * MiB;
        }
        cfg->n_cgroups = n;
        return cfg;
}

/*
 * What the loop does after every job and every metrics interval: take a
 * snapshot of the engine (no file reads: the readings it has), render the
 * Prometheus text and the status of every managed cgroup.
 */
static void bench_observe(struct engine *e, size_t n)
{
        struct snapshot s = {}, prev = {};
        uint64_t t0, take_ns, prom_ns, status_ns;
        char *text = NULL;
        size_t len = 0, prom_len;
        FILE *f;

        snapshot_take_cgroups(&prev, e, NULL, NULL, false);
        t0 = now_ns();
        snapshot_take_cgroups(&s, e, &prev, NULL, false);
        take_ns = now_ns() - t0;
        f = open_memstream(&text, &len);
        t0 = now_ns();
        metrics_write(f, &s, n);
        fflush(f);
        prom_ns = now_ns() - t0;
        prom_len = len;
        fclose(f);
        free(text);
        text = NULL;
        f = open_memstream(&text, &len);
        t0 = now_ns();
        status_write_text(f, &s);
        fflush(f);
        status_ns = now_ns() - t0;
        fclose(f);
        printf("%6zu cgroups: snapshot %8.1f us, metrics text %8.1f us (%zu bytes, all labelled), "
               "status text %8.1f us (%zu bytes)\n", n, take_ns / 1e3, prom_ns / 1e3, prom_len,
               status_ns / 1e3, len);
        free(text);
        snapshot_clear(&s);
        snapshot_clear(&prev);
}

/*
 * /proc/self/fd and /proc/self/status, opened at start: counting must not
 * need a descriptor of its own, since the count may reach RLIMIT_NOFILE.
 */
static int fd_dir = -1, status_fd = -1;

/* Descriptors the process holds now (getdents64 on fd_dir, rewound). */
static long open_fds(void)
{
        char buf[8192];
        long n = 0, got;

        if (lseek(fd_dir, 0, SEEK_SET) < 0)
                return -1;
        while ((got = syscall(SYS_getdents64, fd_dir, buf, sizeof(buf))) > 0)
                for (long off = 0; off < got; off += ((struct dirent64 *)(buf + off))->d_reclen)
                        n += ((struct dirent64 *)(buf + off))->d_name[0] != '.';
        return got < 0 ? -1 : n;
}

/* A line of /proc/self/status ("VmRSS", "VmHWM"), in KiB. */
static long status_kib(const char *key)
{
        char text[4096], *p;
        ssize_t len = pread(status_fd, text, sizeof(text) - 1, 0);

        if (len <= 0)
                return -1;
        text[len] = '\0';
        for (p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, key, strlen(key)) == 0 && p[strlen(key)] == ':')
                        return strtol(p + strlen(key) + 1, NULL, 10);
        return -1;
}

/*
 * Reads every file reclaimd reads of every cgroup once (up to
 * CG_CGROUP_EVENTS: the /proc files after it are the machine's, not a
 * cgroup's): what a long run may come to hold. Returns how many reads failed
 * for want of a descriptor.
 */
static long use_every_file(struct engine *e)
{
        char buf[4096];
        long refused = 0;

        for (size_t i = 0; i < e->n_cgroups; i++)
                for (int f = 0; f <= CG_CGROUP_EVENTS; f++)
                        if (f != CG_MEMORY_RECLAIM &&
                            e->be->ops->read(e->be, e->cgroups[i].be, (enum cg_file)f, buf, sizeof(buf)) == -EMFILE)
                                refused++;
        return refused;
}

/*
 * The same tree under one glob section, as a daemon following cgroup/NAME
 * services would have it: engine_init() expands it, and every tick
 * engine_set_changed() expands it again to see whether it matches others.
 */
static void bench_glob(const char *root, size_t n)
{
        struct config *cfg = calloc(1, sizeof(*cfg));
        struct backend *be;
        struct engine e;
        uint64_t t0, c0, init_ns, tick_ns, tick_cpu_ns;
        const int ticks = 5;

        if (!cfg || config_init_defaults(cfg) < 0 || !(cfg->cgroups = calloc(1, sizeof(*cfg->cgroups))) ||
            !(cfg->cgroups[0].path = strdup("cg/*")))
                exit(1);
        cfg->cgroups[0].soft_limit_bytes = 64 * MiB;
        cfg->n_cgroups = 1;
        if (backend_cgroupfs_new(root, &be) < 0)
                exit(1);
        t0 = now_ns();
        if (engine_init(&e, be, cfg, false, NULL, NULL) < 0 || e.n_cgroups != n) {
                fprintf(stderr, "the glob cg/* did not match the %zu cgroups\n", n);
                exit(1);
        }
        init_ns = now_ns() - t0;
        t0 = now_ns();
        c0 = cpu_ns();
        for (int i = 0; i < ticks; i++)
                if (engine_set_changed(&e, cfg))
                        exit(1);
        tick_ns = (now_ns() - t0) / ticks;
        tick_cpu_ns = (cpu_ns() - c0) / ticks;
        printf("        glob cg/* matching all: engine_init %6.1f ms, each tick's check for other matches "
               "%6.1f ms (%6.1f ms CPU)\n", init_ns / 1e6, tick_ns / 1e6, tick_cpu_ns / 1e6);
        engine_done(&e);
        backend_free(be);
        config_free(cfg);
}

static rlim_t nofile_limit(void)
{
        struct rlimit rl;

        return getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 0;
}

/*
 * The balancer's tick on a machine that is not short (this host's own
 * /proc/meminfo and /proc/zoneinfo): what reclaimd costs every interval while
 * nothing happens. Once with no cgroup over its soft limit, once with every
 * cgroup over and memory.low held (after the first tick wrote it: nothing is
 * written again while it holds).
 */
static void bench_balancer(struct engine *e, struct config *cfg, const char *root)
{
        static const char *const what[] = { "none over", "all over, memory.low held" };
        struct scan_control sc;
        char state[700];
        const int ticks = 20;

        snprintf(state, sizeof(state), "%s/state", root);
        e->state_file = state;
        for (int over = 0; over < 2; over++) {
                uint64_t t0, c0, reads, writes;

                for (size_t i = 0; i < e->n_cgroups; i++)
                        e->cgroups[i].soft_limit_bytes = over ? 64 * MiB : UINT64_MAX;
                /* The first tick holds memory.low: a write and a state-file save a cgroup. */
                e->be->stats = (struct backend_stats){};
                t0 = now_ns();
                c0 = cpu_ns();
                engine_balance(e, cfg, true, &sc);
                printf("        balancer's first tick, %s: %8.1f ms (%8.1f ms CPU), %" PRIu64 " writes\n",
                       what[over], (now_ns() - t0) / 1e6, (cpu_ns() - c0) / 1e6, e->be->stats.writes);
                e->be->stats = (struct backend_stats){};
                t0 = now_ns();
                for (int i = 0; i < ticks; i++)
                        if (engine_balance(e, cfg, true, &sc) != POLICY_IDLE)
                                fprintf(stderr, "this machine is short of free memory: the figure is not the idle one\n");
                reads = e->be->stats.reads / ticks;
                writes = e->be->stats.writes / ticks;
                printf("        balancer tick, %s: %8.1f us, %" PRIu64 " reads, %" PRIu64 " writes\n", what[over],
                       (now_ns() - t0) / ticks / 1e3, reads, writes);
        }
        engine_release(e, cfg, true);
}

static void bench(size_t n)
{
        char root[600], cmd[700];
        long fds0, fds_refresh, fds_steps, fds_all, rss0, rss, refused;
        struct backend *be;
        struct config *cfg;
        struct engine e;
        struct scan_control sc;
        uint64_t t0, c0, refresh_ns, refresh_cpu_ns, reads, opens, rank_ns, step_ns, steps = 0;
        const int refreshes = 20;

        snprintf(root, sizeof(root), "%s/reclaimd-bench.XXXXXX",
                 getenv("BENCH_DIR") ?: getenv("TMPDIR") ?: "/tmp");
        if (!mkdtemp(root))
                exit(1);
        cfg = make_tree(root, n);
        fds0 = open_fds();
        rss0 = status_kib("VmRSS");
        if (backend_cgroupfs_new(root, &be) < 0 || engine_init(&e, be, cfg, false, NULL, NULL) < 0)
                exit(1);
        engine_refresh(&e);   /* the first refresh opens every cgroup and its memory.current */
        fds_refresh = open_fds() - fds0;

        be->stats = (struct backend_stats){};
        t0 = now_ns();
        c0 = cpu_ns();
        for (int i = 0; i < refreshes; i++)
                engine_refresh(&e);
        refresh_ns = (now_ns() - t0) / refreshes;
        refresh_cpu_ns = (cpu_ns() - c0) / refreshes;
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
        fds_steps = open_fds() - fds0;
        rss = status_kib("VmRSS");
        refused = use_every_file(&e);
        fds_all = open_fds() - fds0;

        printf("%6zu cgroups: refresh %8.1f us (%8.1f us CPU, %5.1f ns/cgroup), ranking %8.1f us, "
               "step %5.2f us, per refresh: %" PRIu64 " preads, %" PRIu64 " opens\n",
               n, refresh_ns / 1e3, refresh_cpu_ns / 1e3, (double)refresh_cpu_ns / (double)n, rank_ns / 1e3,
               step_ns / 1e3, reads, opens);
        printf("        descriptors: %ld after a refresh, %ld after the steps, %ld with every file read once",
               fds_refresh, fds_steps, fds_all);
        if (refused)
                printf(" (%ld reads refused with EMFILE: RLIMIT_NOFILE is %llu)", refused,
                       (unsigned long long)nofile_limit());
        printf("; RSS +%.1f MiB for the engine and backend (%.1f MiB in all, peak %.1f MiB)\n",
               (double)(rss - rss0) / 1024, (double)rss / 1024, (double)status_kib("VmHWM") / 1024);
        bench_observe(&e, n);
        bench_balancer(&e, cfg, root);
        engine_done(&e);
        backend_free(be);
        config_free(cfg);
        bench_glob(root, n);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        if (system(cmd) != 0)
                fprintf(stderr, "could not remove %s\n", root);
}

int main(void)
{
        struct rlimit rl;
        static const size_t sizes[] = { 100, 1000, 10000 };

        /*
         * Up to one descriptor per cgroup and file used (memory.current from
         * the start): as much room as the unit's LimitNOFILE= gives, where
         * this process may raise its hard limit, else the hard limit.
         */
        rl = (struct rlimit){ .rlim_cur = 524288, .rlim_max = 524288 };
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0) {
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
        }
        log_set_max_level(LOG_EMERG);   /* the reads refused with EMFILE are counted, not logged */
        fd_dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
        if (fd_dir < 0 || status_fd < 0) {
                perror("/proc/self");
                return 1;
        }
        printf("tree of ordinary files in %s; RLIMIT_NOFILE %llu\n",
               getenv("BENCH_DIR") ?: getenv("TMPDIR") ?: "/tmp", (unsigned long long)nofile_limit());
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
                bench(sizes[i]);
        return 0;
}
