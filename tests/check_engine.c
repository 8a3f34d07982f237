/* Unit tests: the engine carrying out rounds against the simulated kernel. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <string.h>

#include "backend-sim.h"
#include "check-files.h"
#include "check-main.h"
#include "cgpath.h"
#include "config.h"
#include "engine.h"
#include "explain.h"
#include "snapshot.h"
#include "util.h"

#define MiB (1ULL << 20)

struct recorder {
        struct engine_step steps[128];
        char paths[128][32];
        size_t n;
        char gone[8][32];
        size_t n_gone;
        char probed_on[32];   /* where the swappiness= probe was answered after start */
        unsigned n_probed;
};

static void on_probed(void *userdata, const struct engine_caps *caps, const char *path)
{
        struct recorder *rec = userdata;

        rec->n_probed++;
        snprintf(rec->probed_on, sizeof(rec->probed_on), "%s", path);
}

static void on_step(void *userdata, const struct engine_step *s)
{
        struct recorder *rec = userdata;

        if (rec->n >= 128)
                return;
        rec->steps[rec->n] = *s;
        snprintf(rec->paths[rec->n], sizeof(rec->paths[0]), "%s", s->path);
        rec->steps[rec->n].path = rec->paths[rec->n];
        rec->n++;
}

static void on_gone(void *userdata, const char *path, int err)
{
        struct recorder *rec = userdata;

        if (rec->n_gone < 8)
                snprintf(rec->gone[rec->n_gone++], sizeof(rec->gone[0]), "%s", path);
}

static struct config *load(const char *text)
{
        struct config_errors errs = {};
        struct config *cfg = NULL;

        ck_assert_int_eq(config_load_string(text, "engine.conf", &cfg, &errs), 0);
        config_errors_clear(&errs);
        return cfg;
}

/* What a file reads as in a fault case: text, or the error reads fail with. */
struct bad_read {
        const char *text;
        int err;
};

static uint64_t fake_now = 1000000;

static uint64_t fake_clock(void)
{
        return fake_now += 1000;
}

static const char *const batch_web =
        "[reclaim]\nround_target = 32M\nmin_chunk = 2M\n"
        "[cgroup batch]\nsoft_limit = 64M\n"
        "[cgroup web]\nsoft_limit = 256M\n";

static void start(struct engine *e, struct backend **be, struct config *cfg, bool dry_run,
                  struct recorder *rec)
{
        const struct engine_observer obs = { .step = on_step, .cgroup_gone = on_gone, .probed = on_probed,
                                             .userdata = rec };

        memset(rec, 0, sizeof(*rec));
        ck_assert_int_eq(backend_sim_new(be), 0);
        ck_assert_int_eq(engine_init(e, *be, cfg, dry_run, &obs, fake_clock), 0);
}

/* The scenario on the simulated kernel: batch over, web under. */
START_TEST(batch_reclaimed_web_left_alone)
{
        struct config *cfg = load(batch_web);
        struct scan_control sc;
        struct recorder rec;
        struct backend *be;
        struct engine e;
        int rounds = 0;

        start(&e, &be, cfg, false, &rec);
        ck_assert_int_eq(sim_add_cgroup(be, "batch", 20 * MiB, 180 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(be, "web", 150 * MiB, 10 * MiB), 0);

        while (sim_current(be, "batch") > 64 * MiB + SOFT_MARGIN_BYTES) {
                ck_assert_int_ge(engine_round(&e, cfg, NULL, &sc), 0);
                ck_assert_int_lt(++rounds, 20);
                /* While batch is over its soft limit, web is not touched. */
                ck_assert_uint_eq(sim_writes(be, "web"), 0);
        }
        /* down to its soft limit (and the huge-page margin), no further */
        ck_assert_uint_eq(sim_current(be, "batch"), 64 * MiB + SOFT_MARGIN_BYTES);
        ck_assert_uint_eq(sim_reclaimed(be, "web"), 0);
        for (size_t i = 0; i < rec.n; i++) {
                ck_assert_str_eq(rec.steps[i].path, "batch");
                /* reclaimed is measured from memory.current, not copied from the ask */
                ck_assert_uint_eq(rec.steps[i].reclaimed_bytes,
                                  rec.steps[i].current_before - rec.steps[i].current_after);
        }
        engine_done(&e);
        backend_free(be);
        config_free(cfg);
}
END_TEST

/* memory.reclaim's EAGAIN (freed less than asked) is normal: the round goes on. */
START_TEST(eagain_is_not_an_error)
{
        struct config *cfg = load(batch_web);
        struct scan_control sc;
        struct recorder rec;
        struct backend *be;
        struct engine e;

        start(&e, &be, cfg, false, &rec);
        /* Over its soft limit by 100M but only 3M can be freed at all. */
        ck_assert_int_eq(sim_add_cgroup(be, "batch", 0, 164 * MiB), 0);
        ck_assert_int_eq(sim_fail_writes(be, "batch", CG_MEMORY_RECLAIM, -EAGAIN, 2), 0);
        ck_assert_int_eq(engine_round(&e, cfg, NULL, &sc), POLICY_DONE_TARGET);
        ck_assert_int_eq(rec.steps[0].result, -EAGAIN);
        ck_assert_uint_eq(rec.steps[0].reclaimed_bytes, 0);
        ck_assert_uint_ge(sc.nr_reclaimed, 32 * MiB);
        engine_done(&e);
        backend_free(be);
        config_free(cfg);
}
END_TEST

/* One system round on cgroup a (80 MiB) under conf, on a kernel freeing permille of what it is asked. */
static struct config *round_on_a(const char *conf, unsigned permille, struct engine *e, struct backend **be,
                                 struct recorder *rec)
{
        struct config *cfg = load(conf);
        struct scan_control sc;

        start(e, be, cfg, false, rec);
        sim_set_overreclaim(*be, permille);
        ck_assert_int_eq(sim_add_cgroup(*be, "a", 0, 80 * MiB), 0);
        ck_assert_int_ge(engine_round(e, cfg, NULL, &sc), 0);
        ck_assert_uint_gt(rec->n, 0);
        return cfg;
}

/*
 * 6.1's memory.reclaim frees up to twice what a write asks: asked in batches
 * of a quarter of what is left, a step ends within a batch of its end, and
 * the cgroup is not taken below its soft limit (nor memory.min) by it.
 */
START_TEST(overreclaiming_kernel_is_asked_in_batches)
{
        struct recorder rec;
        struct backend *be;
        struct engine e;
        struct config *cfg = round_on_a("[reclaim]\nround_target = 32M\nmin_chunk = 2M\n"
                                        "[cgroup a]\nsoft_limit = 64M\n", 2000, &e, &be, &rec);

        for (size_t i = 0; i < rec.n; i++)
                ck_assert_msg(rec.steps[i].current_after + rec.steps[i].requested_bytes + 256 * 1024 >=
                              rec.steps[i].current_before,
                              "step %zu: asked %llu, fell from %llu to %llu", i,
                              (unsigned long long)rec.steps[i].requested_bytes,
                              (unsigned long long)rec.steps[i].current_before,
                              (unsigned long long)rec.steps[i].current_after);
        ck_assert_uint_ge(sim_current(be, "a"), 64 * MiB);
        ck_assert_uint_gt(sim_writes(be, "a"), rec.n);   /* more writes than steps: batches */
        engine_done(&e);
        backend_free(be);
        config_free(cfg);
}
END_TEST

/*
 * A request that is not a whole number of pages ends within a page of its
 * end, where memory.reclaim can take nothing more (memory_reclaim() asks for
 * memparse() / PAGE_SIZE pages: a request under a page frees nothing and
 * succeeds). Seen on 7.3: 370 writes of "2048" in one step, each freeing
 * nothing, until the bytes asked added up to the request. Each batch frees
 * a little more than asked here, as try_to_free_mem_cgroup_pages() can; a
 * soft limit of 64 MiB and 1136 bytes makes a quarter of the excess no whole
 * number of pages.
 */
START_TEST(step_ends_within_a_page)
{
        static const char conf[] = "[reclaim]\nround_target = 4M\nmin_chunk = 128K\n"
                                   "[cgroup a]\nsoft_limit = 67110000\n";
        struct recorder rec;
        struct engine e;
        struct backend *be;
        struct config *cfg = round_on_a(conf, 1100, &e, &be, &rec);

        ck_assert_uint_ne(rec.steps[0].requested_bytes % page_bytes(), 0);
        /* A quarter of what is left, at least 32 pages: 4 MiB in 10 writes at most. */
        ck_assert_uint_le(sim_writes(be, "a"), 10 * rec.n);
        /* Within a page of its end: less than a page left is what ends it. */
        for (size_t i = 0; i < rec.n; i++)
                ck_assert_uint_gt(rec.steps[i].current_before - rec.steps[i].current_after + page_bytes(),
                                  rec.steps[i].requested_bytes);
        engine_done(&e);
        backend_free(be);
        config_free(cfg);
}
END_TEST

/*
 * A step past step_timeout stops between two batches, on the engine's own
 * clock (here each reading advances it 1 ms): the daemon's loop, which
 * interrupts a write in flight, may not run for a while on a thrashing
 * machine (seen on 6.1 in the VM: a step of eight writes ran 1.9 s past a
 * 100 ms step_timeout). The step keeps what it freed, counts what it asked
 * before the cut as its request, and ends the round. Without a timeout the
 * same step asks its whole request.
 */
/* Runs a round for "a" (80M, soft limit 16M) with step_timeout = timeout; returns its verdict. */
static int timed_round_on_a(const char *timeout, unsigned permille, struct config **cfg, struct engine *e,
                            struct backend **be, struct recorder *rec, struct scan_control *sc)
{
        char text[256];
        int v;

        snprintf(text, sizeof(text), "[reclaim]\nround_target = 32M\nmin_chunk = 2M\nstep_timeout = %s\n"
                 "[cgroup a]\nsoft_limit = 16M\n", timeout);
        *cfg = load(text);
        start(e, be, *cfg, false, rec);
        sim_set_overreclaim(*be, permille);
        ck_assert_int_eq(sim_add_cgroup(*be, "a", 0, 80 * MiB), 0);
        v = engine_round(e, *cfg, "a", sc);
        ck_assert_uint_ge(rec->n, 1);
        return v;
}

START_TEST(step_past_step_timeout_stops_between_batches)
{
        static const char *const timeouts[] = { "0s", "3ms" };

        for (size_t t = 0; t < 2; t++) {
                struct config *cfg;
                struct scan_control sc;
                struct recorder rec;
                struct backend *be;
                struct engine e;
                int v = timed_round_on_a(timeouts[t], 1000, &cfg, &e, &be, &rec, &sc);

                if (t == 0) {
                        ck_assert_int_ne(v, POLICY_DONE_TIMEOUT);
                        ck_assert_uint_eq(rec.steps[0].requested_bytes, 16 * MiB);   /* a quarter of the excess */
                        ck_assert_int_eq(rec.steps[0].result, 0);
                } else {
                        ck_assert_int_eq(v, POLICY_DONE_TIMEOUT);
                        ck_assert_uint_eq(rec.n, 1);
                        ck_assert_int_eq(rec.steps[0].result, -ETIMEDOUT);
                        /* Two batches (4M, then a quarter of the 12M left) before the third reading of the clock. */
                        ck_assert_uint_eq(sim_writes(be, "a"), 2);
                        ck_assert_uint_eq(rec.steps[0].requested_bytes, 7 * MiB);
                        ck_assert_uint_eq(rec.steps[0].reclaimed_bytes, 7 * MiB);
                        ck_assert_uint_eq(sim_current(be, "a"), 73 * MiB);
                        ck_assert_uint_eq(sc.nr_requested, 7 * MiB);
                        ck_assert_uint_eq(atomic_load(&e.step.since_usec), 0);   /* no step in flight */
                }
                engine_done(&e);
                backend_free(be);
                config_free(cfg);
        }
}
END_TEST

/*
 * A step whose last write ended it on its own, but past step_timeout, is cut
 * all the same: 6.1 finishes a write it is signalled in, and the loop that
 * marks the step may not have run meanwhile. Here one batch frees five
 * times what it asks and ends the step; the clock has advanced 2 ms by then.
 */
START_TEST(step_ended_past_step_timeout_is_cut)
{
        static const char *const timeouts[] = { "3ms", "2ms" };

        for (size_t t = 0; t < 2; t++) {
                struct config *cfg;
                struct scan_control sc;
                struct recorder rec;
                struct backend *be;
                struct engine e;
                int v = timed_round_on_a(timeouts[t], 5000, &cfg, &e, &be, &rec, &sc);

                ck_assert_int_eq(v == POLICY_DONE_TIMEOUT, t == 1);
                ck_assert_int_eq(rec.steps[0].result, t == 1 ? -ETIMEDOUT : 0);
                ck_assert_uint_eq(sim_writes(be, "a") >= 1, 1);
                if (t == 1)
                        ck_assert_uint_eq(sim_writes(be, "a"), 1);
                engine_done(&e);
                backend_free(be);
                config_free(cfg);
        }
}
END_TEST

/*
 * A round cut short is taken up by its scope's next round at the priority
 * it had reached (its pass done: the next one down), so that rounds on a
 * machine where every step outlasts step_timeout still escalate; another
 * scope's round starts afresh, and so does this scope's after
 * ROUND_RESUME_USEC.
 */
START_TEST(round_cut_short_is_taken_up_where_it_stopped)
{
        struct config *cfg = load("[reclaim]\nround_target = 32M\nmin_chunk = 2M\nstep_timeout = 3ms\n"
                                  "[cgroup a]\nsoft_limit = 16M\n");
        static const struct {
                const char *scope;
                uint64_t wait_usec;
                int priority;
        } rounds[] = {
                { "a", 0, 12 }, { "a", 0, 11 }, { NULL, 0, 12 }, { "a", 0, 10 }, { "a", ROUND_RESUME_USEC, 12 },
        };
        struct scan_control sc;
        struct recorder rec;
        struct backend *be;
        struct engine e;

        start(&e, &be, cfg, false, &rec);
        ck_assert_int_eq(sim_add_cgroup(be, "a", 0, 400 * MiB), 0);
        for (size_t i = 0; i < ARRAY_SIZE(rounds); i++) {
                size_t first = rec.n;

                fake_now += rounds[i].wait_usec;
                ck_assert_int_eq(engine_round(&e, cfg, rounds[i].scope, &sc), POLICY_DONE_TIMEOUT);
                ck_assert_uint_eq(rec.n, first + 1);
                ck_assert_msg(rec.steps[first].priority == rounds[i].priority, "round %zu: first step at %d, not %d",
                              i + 1, rec.steps[first].priority, rounds[i].priority);
        }
        engine_done(&e);
        backend_free(be);
        config_free(cfg);
}
END_TEST

/* A cgroup that disappears mid-round (ENODEV on write) is dropped, not fatal. */
START_TEST(vanished_cgroup_dropped)
{
        struct config *cfg = load("[cgroup a]\nsoft_limit = 10M\n[cgroup b]\nsoft_limit = 10M\n"
                                  "[cgroup missing]\nsoft_limit = 1M\n");
        struct scan_control sc;
        struct recorder rec;
        struct backend *be;
        struct engine e;

        start(&e, &be, cfg, false, &rec);
        ck_assert_int_eq(sim_add_cgroup(be, "a", 0, 200 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(be, "b", 0, 100 * MiB), 0);
        ck_assert_int_eq(sim_fail_writes(be, "a", CG_MEMORY_RECLAIM, -ENODEV, 1), 0);
        ck_assert_int_eq(engine_round(&e, cfg, NULL, &sc), POLICY_DONE_TARGET);
        ck_assert_int_eq(rec.steps[0].result, -ENODEV);
        ck_assert_str_eq(rec.gone[0], "a");
        ck_assert_uint_eq(rec.n_gone, 1);   /* "missing" never existed: not reported as gone */
        for (size_t i = 1; i < rec.n; i++)
                ck_assert_str_eq(rec.steps[i].path, "b");

        /* Removed for real: the next refresh reads ENODEV through the open handle. */
        ck_assert_int_eq(sim_remove_cgroup(be, "b"), 0);
        ck_assert_int_eq(engine_refresh(&e), 1);   /* a is back (its failure was one write) */
        ck_assert_str_eq(rec.gone[1], "b");
        engine_done(&e);
        backend_free(be);
        config_free(cfg);
}
END_TEST

/*
 * Removed at the other moments: between listing (a glob) and opening, and
 * while a write is in flight (rmdir waits for it; the re-read after it finds
 * the cgroup gone). The round goes on with the others; each removal is told
 * once, and a cgroup never opened is not "gone".
 */
START_TEST(removed_while_listed_or_written)
{
        struct config *cfg = load("[reclaim]\nround_target = 16M\nmin_chunk = 2M\n"
                                  "[cgroup cg/*]\nsoft_limit = 1M\n");
        struct scan_control sc;
        struct recorder rec;
        struct backend *be;
        struct engine e;

        memset(&rec, 0, sizeof(rec));
        ck_assert_int_eq(backend_sim_new(&be), 0);
        ck_assert_int_eq(sim_add_cgroup(be, "cg/listed", 0, 300 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(be, "cg/written", 0, 200 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(be, "cg/other", 0, 100 * MiB), 0);
        ck_assert_int_eq(engine_init(&e, be, cfg, false,
                                     &(struct engine_observer){ .step = on_step, .cgroup_gone = on_gone,
                                                                .userdata = &rec }, fake_clock), 0);
        ck_assert_uint_eq(e.n_cgroups, 3);   /* listed */
        ck_assert_int_eq(sim_remove_cgroup(be, "cg/listed"), 0);
        ck_assert_int_eq(sim_remove_after_write(be, "cg/written"), 0);
        ck_assert_int_eq(engine_round(&e, cfg, NULL, &sc), POLICY_DONE_TARGET);
        ck_assert_uint_eq(rec.n_gone, 1);
        ck_assert_str_eq(rec.gone[0], "cg/written");
        ck_assert_str_eq(rec.steps[0].path, "cg/written");
        ck_assert_uint_eq(sim_writes(be, "cg/written"), 1);
        for (size_t i = 1; i < rec.n; i++)
                ck_assert_str_eq(rec.steps[i].path, "cg/other");
        ck_assert_uint_ge(sim_reclaimed(be, "cg/other"), 14 * MiB);
        ck_assert_int_eq(engine_round(&e, cfg, NULL, &sc), POLICY_DONE_TARGET);
        ck_assert_uint_eq(rec.n_gone, 1);
        engine_done(&e);
        backend_free(be);
        config_free(cfg);
}
END_TEST

/* --dry-run decides the same way and writes nothing. */
START_TEST(dry_run_writes_nothing)
{
        struct config *cfg = load(batch_web);
        struct scan_control sc;
        struct recorder rec;
        struct backend *be;
        struct engine e;

        start(&e, &be, cfg, true, &rec);
        ck_assert_int_eq(sim_add_cgroup(be, "batch", 0, 200 * MiB), 0);
        ck_assert_int_eq(engine_round(&e, cfg, NULL, &sc), POLICY_DONE_TARGET);
        ck_assert_uint_gt(rec.n, 0);
        ck_assert(rec.steps[0].dry_run);
        ck_assert_str_eq(rec.steps[0].path, "batch");
        ck_assert_uint_eq(sim_writes(be, "batch"), 0);
        ck_assert_uint_eq(sim_current(be, "batch"), 200 * MiB);
        engine_done(&e);
        backend_free(be);
        config_free(cfg);
}
END_TEST

/* Capabilities from the kernel's release, and the swappiness= probe through the backend. */
START_TEST(capabilities_probed)
{
        struct config *cfg = load(batch_web);
        struct recorder rec;
        struct backend *be;
        struct engine e;

        ck_assert(kernel_release_at_least("6.16.0", 6, 16));
        ck_assert(kernel_release_at_least("7.0.1-foo", 6, 16));
        ck_assert(!kernel_release_at_least("6.1.0-56-amd64", 6, 16));
        ck_assert(!kernel_release_at_least("garbage", 6, 16));
        start(&e, &be, cfg, false, &rec);
        ck_assert_int_eq(sim_add_cgroup(be, "batch", 0, 10 * MiB), 0);
        ck_assert_int_ge(engine_refresh(&e), 0);
        engine_probe(&e, "6.1.0-56-amd64");
        ck_assert(e.caps.reclaim_swappiness_known);
        ck_assert(!e.caps.reclaim_swappiness);   /* the simulated kernel refuses "swappiness=" like 6.1 */
        ck_assert(!e.caps.high_nonblock);
        ck_assert_uint_eq(sim_reclaimed(be, "batch"), 0);
        ck_assert_uint_eq(rec.n_probed, 0);   /* at start: the start-up line says it */
        engine_done(&e);
        backend_free(be);
        config_free(cfg);
}
END_TEST

/*
 * A start before the cgroups it manages (a service started at boot ahead of
 * its workloads): the swappiness= probe is asked of the first managed
 * cgroup to appear, once, and told. A dry run never asks.
 */
START_TEST(capabilities_probed_when_a_cgroup_appears)
{
        struct config *cfg = load(batch_web);
        struct recorder rec;
        struct backend *be;
        struct engine e;

        for (int dry = 0; dry < 2; dry++) {
                start(&e, &be, cfg, dry, &rec);
                sim_set_swappiness(be, true);
                ck_assert_int_ge(engine_refresh(&e), 0);
                engine_probe(&e, "6.12.0");
                ck_assert(!e.caps.reclaim_swappiness_known);   /* nothing to ask yet */
                ck_assert_int_eq(sim_add_cgroup(be, "batch", 0, 10 * MiB), 0);
                ck_assert_int_ge(engine_refresh(&e), 0);
                ck_assert_int_eq(sim_add_cgroup(be, "web", 0, 10 * MiB), 0);
                ck_assert_int_ge(engine_refresh(&e), 0);
                if (dry) {
                        ck_assert(!e.caps.reclaim_swappiness_known);
                        ck_assert_uint_eq(rec.n_probed, 0);
                        ck_assert_uint_eq(sim_writes(be, "batch"), 0);
                } else {
                        ck_assert(e.caps.reclaim_swappiness_known && e.caps.reclaim_swappiness);
                        ck_assert_uint_eq(rec.n_probed, 1);
                        ck_assert_str_eq(rec.probed_on, "batch");
                        ck_assert_uint_eq(sim_writes(be, "batch"), 1);   /* asked once */
                        ck_assert_uint_eq(sim_writes(be, "web"), 0);
                }
                engine_done(&e);
                backend_free(be);
        }
        config_free(cfg);
}
END_TEST

/* [cgroup PATTERN]: the managed set is what the globs match now; each cgroup takes the most
 * specific section; the set is re-read as cgroups come and go. */
START_TEST(globs_expand_to_the_most_specific_section)
{
        struct config *cfg = load("[cgroup system.slice/*.service]\nsoft_limit = 1G\n"
                                  "[cgroup system.slice/db-*.service]\nsoft_limit = 2G\n"
                                  "[cgroup system.slice/db-main.service]\nsoft_limit = 3G\n"
                                  "[cgroup batch.slice]\nsoft_limit = 4G\n");
        struct recorder rec;
        struct backend *be;
        struct engine e;

        ck_assert_int_eq(backend_sim_new(&be), 0);
        ck_assert_int_eq(sim_add_cgroup(be, "system.slice/a.service", 0, MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(be, "system.slice/db-x.service", 0, MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(be, "system.slice/db-main.service", 0, MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(be, "system.slice/b.scope", 0, MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(be, "system.slice/a.service/child.service", 0, MiB), 0);
        ck_assert_int_eq(engine_init(&e, be, cfg, false, NULL, fake_clock), 0);
        memset(&rec, 0, sizeof(rec));

        /* batch.slice does not exist yet: an exact path is managed anyway, waiting for it. */
        ck_assert_uint_eq(e.n_cgroups, 4);
        ck_assert_uint_eq(engine_find(&e, "system.slice/a.service")->soft_limit_bytes, 1ULL << 30);
        ck_assert_uint_eq(engine_find(&e, "system.slice/db-x.service")->soft_limit_bytes, 2ULL << 30);
        ck_assert_uint_eq(engine_find(&e, "system.slice/db-main.service")->soft_limit_bytes, 3ULL << 30);
        ck_assert_uint_eq(engine_find(&e, "batch.slice")->soft_limit_bytes, 4ULL << 30);
        ck_assert_ptr_null(engine_find(&e, "system.slice/b.scope"));
        ck_assert_ptr_null(engine_find(&e, "system.slice/a.service/child.service"));   /* '/' is literal */

        ck_assert(!engine_set_changed(&e, cfg));
        ck_assert_int_eq(sim_add_cgroup(be, "system.slice/new.service", 0, MiB), 0);
        ck_assert(engine_set_changed(&e, cfg));
        engine_done(&e);
        backend_free(be);
        config_free(cfg);
}
END_TEST

/*
 * A glob that cannot be listed (out of descriptors) has not matched nothing:
 * the set is not known, and the engine keeps the one it has, where letting
 * go of all it matched would drop every floor, to hold them again a listing
 * later. A new engine on it (a reload) fails, and the daemon keeps the old.
 */
START_TEST(glob_that_cannot_be_listed_changes_nothing)
{
        struct config *cfg = load("[cgroup system.slice/*.service]\nsoft_limit = 1G\n");
        struct backend *be;
        struct engine e, next;

        ck_assert_int_eq(backend_sim_new(&be), 0);
        ck_assert_int_eq(sim_add_cgroup(be, "system.slice/a.service", 0, MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(be, "system.slice/b.service", 0, MiB), 0);
        ck_assert_int_eq(engine_init(&e, be, cfg, false, NULL, fake_clock), 0);
        ck_assert_uint_eq(e.n_cgroups, 2);
        sim_fail_glob(be, -EMFILE);
        ck_assert_int_eq(engine_set_changed(&e, cfg), -EMFILE);
        ck_assert_int_eq(sim_remove_cgroup(be, "system.slice/b.service"), 0);
        ck_assert_int_eq(engine_set_changed(&e, cfg), -EMFILE);   /* not known yet */
        ck_assert_int_eq(engine_init(&next, be, cfg, false, NULL, fake_clock), -EMFILE);
        sim_fail_glob(be, 0);
        ck_assert_int_eq(engine_set_changed(&e, cfg), 1);    /* listed again: b went */
        engine_done(&e);
        backend_free(be);
        config_free(cfg);
}
END_TEST

static unsigned n_errors;

static void on_error(void *userdata, const char *path, enum cg_file f, int err)
{
        n_errors++;
}

/* Writes the kernel refuses (EINTR, EBUSY, EACCES, EPERM, EROFS): the round goes on to the
 * next cgroup, ends (bounded), and each error is told once, its repeats marked. */
START_TEST(write_errors_are_survived)
{
        static const int errs[] = { -EINTR, -EBUSY, -EACCES, -EPERM, -EROFS };
        struct config *cfg = load("[cgroup bad]\nsoft_limit = 1M\n[cgroup good]\nsoft_limit = 1M\n"
                                  "[reclaim]\nround_target = 8M\nclamp_high = no\n");

        for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
                struct scan_control sc;
                struct recorder rec;
                struct backend *be;
                struct engine e;
                unsigned said = 0;

                start(&e, &be, cfg, false, &rec);
                ck_assert_int_eq(sim_add_cgroup(be, "bad", 0, 900 * MiB), 0);   /* the largest */
                ck_assert_int_eq(sim_add_cgroup(be, "good", 0, 100 * MiB), 0);
                ck_assert_int_eq(sim_fail_writes(be, "bad", CG_MEMORY_RECLAIM, errs[i], 1000), 0);
                ck_assert_int_eq(engine_round(&e, cfg, NULL, &sc), POLICY_DONE_TARGET);
                ck_assert_uint_ge(sim_reclaimed(be, "good"), 8 * MiB);
                for (size_t k = 0; k < rec.n; k++)
                        if (strcmp(rec.steps[k].path, "bad") == 0) {
                                ck_assert_int_eq(rec.steps[k].result, errs[i]);
                                said += !rec.steps[k].repeated;
                        }
                ck_assert_uint_eq(said, 1);
                engine_done(&e);
                backend_free(be);
        }
        config_free(cfg);
}
END_TEST

/* memory.current that makes no sense (malformed, "max", beyond 64 bits, empty, EIO): the cgroup
 * is left out of the round, told once, kept managed, and used again once it reads well. */
START_TEST(bad_readings_are_left_out)
{
        static const struct bad_read bad[] = {
                { "abc\n", 0 }, { "max\n", 0 }, { "99999999999999999999999\n", 0 }, { "", 0 },
                { "12 34\n", 0 }, { NULL, -EIO },
        };
        struct config *cfg = load("[cgroup a]\nsoft_limit = 1M\n[cgroup b]\nsoft_limit = 1M\n");

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                const struct engine_observer obs = { .cgroup_error = on_error };
                struct scan_control sc;
                struct backend *be;
                struct engine e;

                n_errors = 0;
                ck_assert_int_eq(backend_sim_new(&be), 0);
                ck_assert_int_eq(engine_init(&e, be, cfg, false, &obs, fake_clock), 0);
                ck_assert_int_eq(sim_add_cgroup(be, "a", 0, 100 * MiB), 0);
                ck_assert_int_eq(sim_add_cgroup(be, "b", 0, 100 * MiB), 0);
                ck_assert_int_eq(sim_override_read(be, "a", CG_MEMORY_CURRENT, bad[i].text, bad[i].err), 0);
                ck_assert_int_ge(engine_round(&e, cfg, NULL, &sc), 0);
                ck_assert_int_ge(engine_round(&e, cfg, NULL, &sc), 0);
                ck_assert_uint_eq(sim_writes(be, "a"), 0);
                ck_assert_uint_gt(sim_writes(be, "b"), 0);
                ck_assert_uint_eq(n_errors, 1);   /* two rounds, said once */
                ck_assert_ptr_nonnull(engine_find(&e, "a")->be);   /* still managed */
                ck_assert_int_eq(sim_override_read(be, "a", CG_MEMORY_CURRENT, NULL, 0), 0);
                ck_assert_int_ge(engine_round(&e, cfg, NULL, &sc), 0);
                ck_assert_uint_gt(sim_writes(be, "a"), 0);
                engine_done(&e);
                backend_free(be);
        }
        config_free(cfg);
}
END_TEST

/* memory.stat that makes no sense (keys missing, malformed, beyond 64 bits, a sum that
 * overflows, EIO): the round goes on, the error is told once, and an old refault snapshot is
 * dropped rather than trusted; once it reads well, snapshots resume without a word. */
START_TEST(bad_memory_stat_is_survived)
{
        static const struct bad_read bad[] = {
                { "anon 0\nfile 0\n", 0 },
                { "workingset_refault_anon abc\nworkingset_refault_file 0\n", 0 },
                { "workingset_refault_anon 99999999999999999999999\nworkingset_refault_file 0\n", 0 },
                { "workingset_refault_anon 18446744073709551615\nworkingset_refault_file 1\n", 0 },
                { "workingset_refault_anon 1\nworkingset_refault_file\n", 0 },
                { NULL, -EIO },
        };
        struct config *cfg = load("[cgroup a]\nsoft_limit = 1M\n[reclaim]\nround_target = 4M\n");

        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                const struct engine_observer obs = { .cgroup_error = on_error };
                struct scan_control sc;
                struct backend *be;
                struct cgroup *a;
                struct engine e;

                n_errors = 0;
                ck_assert_int_eq(backend_sim_new(&be), 0);
                ck_assert_int_eq(engine_init(&e, be, cfg, false, &obs, fake_clock), 0);
                ck_assert_int_eq(sim_add_cgroup(be, "a", 0, 1000 * MiB), 0);
                ck_assert_int_ge(engine_round(&e, cfg, NULL, &sc), 0);
                a = engine_find(&e, "a");
                ck_assert(a->refault_known);
                a->refault_permille = 900;   /* judged thrashing at the last good snapshot */
                ck_assert_int_eq(sim_override_read(be, "a", CG_MEMORY_STAT, bad[i].text, bad[i].err), 0);
                for (int round = 0; round < 2; round++) {   /* every round goes on */
                        uint64_t before = sim_reclaimed(be, "a");

                        ck_assert_int_ge(engine_round(&e, cfg, NULL, &sc), 0);
                        ck_assert_uint_gt(sim_reclaimed(be, "a"), before);
                }
                ck_assert_msg(n_errors == 1, "case %zu: said %u times", i, n_errors);
                ck_assert(!a->refault_known);
                ck_assert_uint_eq(a->refault_permille, 0);
                ck_assert_int_eq(sim_override_read(be, "a", CG_MEMORY_STAT, NULL, 0), 0);
                ck_assert_int_ge(engine_round(&e, cfg, NULL, &sc), 0);
                ck_assert(a->refault_known);
                ck_assert_uint_eq(n_errors, 1);
                engine_done(&e);
                backend_free(be);
        }
        config_free(cfg);
}
END_TEST

/* A pressure file that cannot be used (malformed, "some" missing, beyond 64 bits, EIO): the
 * stall is an error, for the system's and for a clamped cgroup's own file (whose throttling
 * could not be told apart); a clamped cgroup that is gone is simply left out. */
START_TEST(bad_pressure_is_an_error)
{
        static const struct bad_read bad[] = {
                { "", 0 },
                { "full avg10=0.00 avg60=0.00 avg300=0.00 total=5\n", 0 },
                { "some avg10=x avg60=0.00 avg300=0.00 total=5\n", 0 },
                { "some avg10=0.00 avg60=0.00 avg300=0.00 total=99999999999999999999999\n", 0 },
                { NULL, -EIO },
        };
        struct config *cfg = load("[cgroup a]\nsoft_limit = 1M\n");

        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                for (int who = 0; who < 2; who++) {   /* the system's file, a clamped cgroup's */
                        struct backend *be;
                        struct engine e;
                        uint64_t stall;

                        ck_assert_int_eq(backend_sim_new(&be), 0);
                        ck_assert_int_eq(engine_init(&e, be, cfg, false, &(struct engine_observer){}, fake_clock), 0);
                        ck_assert_int_eq(sim_add_cgroup(be, "a", 0, 100 * MiB), 0);
                        ck_assert_int_ge(engine_refresh(&e), 0);
                        engine_find(&e, "a")->high.active = true;
                        ck_assert_int_eq(engine_stall_usec(&e, NULL, &stall), 0);
                        ck_assert_int_eq(sim_override_read(be, who ? "a" : NULL, CG_MEMORY_PRESSURE,
                                                           bad[i].text, bad[i].err), 0);
                        ck_assert_msg(engine_stall_usec(&e, NULL, &stall) < 0, "case %zu/%d: read as %llu",
                                      i, who, (unsigned long long)stall);
                        if (who) {
                                ck_assert_int_eq(sim_remove_cgroup(be, "a"), 0);
                                ck_assert_int_eq(engine_stall_usec(&e, NULL, &stall), 0);
                        }
                        engine_find(&e, "a")->high.active = false;
                        engine_done(&e);
                        backend_free(be);
                }
        }
        config_free(cfg);
}
END_TEST

static int count_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        int n = 0;

        ck_assert_ptr_nonnull(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

static void put(const char *dir, const char *file, const char *text)
{
        char path[512];

        snprintf(path, sizeof(path), "%s/%s", dir, file);
        write_file(path, text);
}

/*
 * A glob never manages reclaimd's own cgroup: the README's own glob for
 * every service matches reclaimd.service, whose memory is locked. An exact
 * section naming it is the operator's explicit choice.
 */
START_TEST(globs_leave_out_reclaimds_own_cgroup)
{
        struct config *cfg = load("[cgroup system.slice/*.service]\nsoft_limit = 1M\n");
        struct snapshot snap = {};
        char *text = NULL;
        struct backend *be;
        struct engine e;
        size_t len = 0;
        FILE *f;

        ck_assert_int_eq(backend_sim_new(&be), 0);
        ck_assert_int_eq(sim_add_cgroup(be, "system.slice/web.service", 0, 64 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(be, "system.slice/reclaimd.service", 0, 16 * MiB), 0);
        sim_set_own_cgroup(be, "system.slice/reclaimd.service");
        ck_assert_int_eq(engine_init(&e, be, cfg, false, NULL, fake_clock), 0);
        ck_assert_uint_eq(e.n_cgroups, 1);
        ck_assert_ptr_nonnull(engine_find(&e, "system.slice/web.service"));
        ck_assert_ptr_null(engine_find(&e, "system.slice/reclaimd.service"));
        ck_assert_str_eq(e.own_glob, "system.slice/*.service");
        ck_assert(!engine_set_changed(&e, cfg));   /* followed as cgroups come and go: still left out */
        /* reclaimctl explain says why, not "not followed yet". */
        ck_assert_int_eq(snapshot_take_cgroups(&snap, &e, NULL, NULL, false), 0);
        f = open_memstream(&text, &len);
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(explain_write(f, &snap, cfg, "system.slice/reclaimd.service", true), 0);
        fclose(f);
        ck_assert_msg(strstr(text, "is reclaimd's own cgroup, which a glob never manages"), "%s", text);
        free(text);
        snapshot_clear(&snap);
        engine_done(&e);
        /* A dry run, or --check-config, from a shell: its cgroup is the operator's, not the daemon's. */
        ck_assert_int_eq(engine_init(&e, be, cfg, true, NULL, fake_clock), 0);
        ck_assert_ptr_nonnull(engine_find(&e, "system.slice/reclaimd.service"));
        engine_done(&e);
        config_free(cfg);

        cfg = load("[cgroup system.slice/reclaimd.service]\nsoft_limit = 1M\n");
        ck_assert_int_eq(engine_init(&e, be, cfg, false, NULL, fake_clock), 0);
        ck_assert_ptr_nonnull(engine_find(&e, "system.slice/reclaimd.service"));
        ck_assert_ptr_null(e.own_glob);
        engine_done(&e);
        backend_free(be);
        config_free(cfg);
}
END_TEST

/*
 * The real backend's own cgroup: the path sd_pid_get_cgroup() gives, when
 * this process is among that cgroup's procs beneath the root. (The test
 * gives the path: the host's may be the root, or on cgroup v1.)
 */
START_TEST(real_backend_finds_its_own_cgroup)
{
        char root[] = "/tmp/reclaimd-own.XXXXXX", dir[128], file[160], procs[64], *own = NULL;
        struct backend *be;

        ck_assert_ptr_nonnull(mkdtemp(root));
        ck_assert_int_eq(backend_cgroupfs_new(root, &be), 0);
        backend_cgroupfs_set_self_cgroup(be, "/");
        ck_assert_int_eq(be->ops->own_cgroup(be, &own), -ENOENT);   /* the root: never managed */
        backend_cgroupfs_set_self_cgroup(be, "/sys.slice/rd.service");
        ck_assert_int_eq(be->ops->own_cgroup(be, &own), -ENOENT);   /* not beneath this root */
        snprintf(dir, sizeof(dir), "%s/sys.slice", root);
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        snprintf(dir, sizeof(dir), "%s/sys.slice/rd.service", root);
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        put(dir, "cgroup.procs", "1\n");
        ck_assert_int_eq(be->ops->own_cgroup(be, &own), -ENOENT);   /* there, but another's */
        snprintf(procs, sizeof(procs), "1\n%d\n", (int)getpid());
        put(dir, "cgroup.procs", procs);
        ck_assert_int_eq(be->ops->own_cgroup(be, &own), 0);
        ck_assert_str_eq(own, "sys.slice/rd.service");
        free(own);
        backend_free(be);
        snprintf(file, sizeof(file), "%s/cgroup.procs", dir);
        ck_assert_int_eq(unlink(file), 0);
        ck_assert_int_eq(rmdir(dir), 0);
        snprintf(dir, sizeof(dir), "%s/sys.slice", root);
        ck_assert_int_eq(rmdir(dir), 0);
        ck_assert_int_eq(rmdir(root), 0);
}
END_TEST

/* The real backend reads whole files: one pread when the text ends in its newline, more
 * when it does not (a short read), -EFBIG when it does not fit. */
/*
 * The real backend's listing when a directory cannot be opened for want of
 * a descriptor: an error, never "nothing matches" (glob(3) skips such a
 * directory unless told otherwise); once descriptors are free, the listing.
 */
START_TEST(real_backend_glob_out_of_descriptors)
{
        char root[] = "/tmp/reclaimd-glob.XXXXXX", dir[512];
        struct rlimit old, none;
        struct backend *be;
        char **matches = NULL;
        int n;

        ck_assert_ptr_nonnull(mkdtemp(root));
        snprintf(dir, sizeof(dir), "%s/s", root);
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        snprintf(dir, sizeof(dir), "%s/s/a.service", root);
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        ck_assert_int_eq(backend_cgroupfs_new(root, &be), 0);
        ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
        none = (struct rlimit){ .rlim_cur = 0, .rlim_max = old.rlim_max };
        ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &none), 0);
        n = be->ops->glob(be, "s/*.service", &matches);
        ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
        ck_assert_int_eq(n, -EMFILE);
        n = be->ops->glob(be, "s/*.service", &matches);
        ck_assert_int_eq(n, 1);
        ck_assert_str_eq(matches[0], "s/a.service");
        backend_strv_free(matches);
        backend_free(be);
        rmdir(dir);
        snprintf(dir, sizeof(dir), "%s/s", root);
        rmdir(dir);
        rmdir(root);
}
END_TEST

START_TEST(real_backend_reads_whole_files)
{
        char root[] = "/tmp/reclaimd-read.XXXXXX", dir[512], big[12000], buf[sizeof(big) + 1];
        struct backend_cgroup *cg;
        struct backend *be;
        uint64_t v, reads;

        ck_assert_ptr_nonnull(mkdtemp(root));
        snprintf(dir, sizeof(dir), "%s/a", root);
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        put(dir, "memory.current", "12345");   /* no newline: as if cut short */
        memset(big, 'x', sizeof(big) - 2);
        big[sizeof(big) - 2] = '\n';
        big[sizeof(big) - 1] = '\0';
        put(dir, "memory.stat", big);
        ck_assert_int_eq(backend_cgroupfs_new(root, &be), 0);
        ck_assert_int_eq(be->ops->open_cgroup(be, "a", &cg), 0);
        reads = be->stats.reads;
        ck_assert_int_eq(backend_read_u64(be, cg, CG_MEMORY_CURRENT, &v), 0);
        ck_assert_uint_eq(v, 12345);
        ck_assert_uint_eq(be->stats.reads - reads, 2);   /* the text, then the end of the file */
        reads = be->stats.reads;
        ck_assert_int_eq(be->ops->read(be, cg, CG_MEMORY_STAT, buf, sizeof(buf)), (ssize_t)strlen(big));
        ck_assert_str_eq(buf, big);
        ck_assert_uint_eq(be->stats.reads - reads, 2);   /* first use: is it a's still (same_cgroup())? */
        reads = be->stats.reads;
        ck_assert_int_eq(be->ops->read(be, cg, CG_MEMORY_STAT, buf, sizeof(buf)), (ssize_t)strlen(big));
        ck_assert_uint_eq(be->stats.reads - reads, 1);
        ck_assert_int_eq(be->ops->read(be, cg, CG_MEMORY_STAT, buf, sizeof(buf) - 1), -EFBIG);
        be->ops->close_cgroup(be, cg);
        backend_free(be);
        snprintf(dir, sizeof(dir), "rm -rf '%s'", root);
        ck_assert_int_eq(system(dir), 0);
}
END_TEST

/*
 * The real backend's cgroup id is the directory's inode number (the kernfs
 * node id on cgroup v2), read once per handle; a handle whose directory is
 * gone has none.
 */
START_TEST(real_backend_cgroup_id_is_the_inode)
{
        char root[] = "/tmp/reclaimd-id.XXXXXX", dir[512];
        struct backend_cgroup *cg;
        struct backend *be;
        struct stat st;
        uint64_t id, opens;

        ck_assert_ptr_nonnull(mkdtemp(root));
        snprintf(dir, sizeof(dir), "%s/a", root);
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        put(dir, "memory.current", "1\n");
        ck_assert_int_eq(stat(dir, &st), 0);
        ck_assert_int_eq(backend_cgroupfs_new(root, &be), 0);
        ck_assert_int_eq(be->ops->open_cgroup(be, "a", &cg), 0);
        ck_assert_int_eq(be->ops->cgroup_id(be, cg, &id), 0);
        ck_assert_uint_eq(id, (uint64_t)st.st_ino);
        opens = be->stats.opens;
        ck_assert_int_eq(be->ops->cgroup_id(be, cg, &id), 0);
        ck_assert_uint_eq(be->stats.opens, opens);
        be->ops->close_cgroup(be, cg);
        ck_assert_int_eq(be->ops->open_cgroup(be, "a", &cg), 0);
        snprintf(dir, sizeof(dir), "rm -rf '%s/a'", root);
        ck_assert_int_eq(system(dir), 0);
        ck_assert_int_eq(be->ops->cgroup_id(be, cg, &id), -ENOENT);
        be->ops->close_cgroup(be, cg);
        backend_free(be);
        ck_assert_int_eq(rmdir(root), 0);
}
END_TEST

/* Every file the engine writes, the real backend opens for writing (and reads it back). */
START_TEST(real_backend_writes_what_the_engine_writes)
{
        static const enum cg_file written[] = { CG_MEMORY_RECLAIM, CG_MEMORY_HIGH, CG_MEMORY_LOW, CG_MEMORY_MIN };
        char root[] = "/tmp/reclaimd-write.XXXXXX", dir[512];
        struct backend_cgroup *cg;
        struct backend *be;
        uint64_t v;

        ck_assert_ptr_nonnull(mkdtemp(root));
        snprintf(dir, sizeof(dir), "%s/a", root);
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        put(dir, "memory.current", "1\n");
        for (size_t i = 0; i < sizeof(written) / sizeof(written[0]); i++)
                put(dir, cg_file_name(written[i]), "0\n");
        ck_assert_int_eq(backend_cgroupfs_new(root, &be), 0);
        ck_assert_int_eq(be->ops->open_cgroup(be, "a", &cg), 0);
        for (size_t i = 0; i < sizeof(written) / sizeof(written[0]); i++) {
                bool readable = written[i] != CG_MEMORY_RECLAIM;   /* write-only in the kernel */

                /* Read first, as the engine does (memory.min and .low are re-read before a hold). */
                if (readable)
                        ck_assert_int_eq(backend_read_u64(be, cg, written[i], &v), 0);
                ck_assert_msg(be->ops->write(be, cg, written[i], "4096\n") == 0, "%s not writable",
                              cg_file_name(written[i]));
                if (readable) {
                        ck_assert_int_eq(backend_read_u64(be, cg, written[i], &v), 0);
                        ck_assert_uint_eq(v, 4096);
                }
        }
        be->ops->close_cgroup(be, cg);
        backend_free(be);
        snprintf(dir, sizeof(dir), "rm -rf '%s'", root);
        ck_assert_int_eq(system(dir), 0);
}
END_TEST

/* Ends a test of the engine on the real backend over a temporary tree at root, and removes the tree. */
static void real_teardown(struct engine *e, struct backend *be, struct config *cfg, const char *root)
{
        char cmd[600];

        engine_done(e);
        backend_free(be);
        config_free(cfg);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        ck_assert_int_eq(system(cmd), 0);
}

/* A thousand cgroups come and go under a glob: the real backend holds no more descriptors
 * afterwards than before (each managed cgroup holds one while it exists). */
START_TEST(no_descriptor_leak_as_cgroups_come_and_go)
{
        /* A reserve no machine has: this host's /proc/meminfo always shows a shortage. */
        struct config *cfg = load("[cgroup cg/*]\nsoft_limit = 1M\n[balance]\nreserve = 1024T\n");
        char root[] = "/tmp/reclaimd-fds.XXXXXX", dir[512], cmd[600];
        struct scan_control sc;
        struct backend *be;
        struct engine e, next;
        uint64_t stall;
        int before;

        ck_assert_ptr_nonnull(mkdtemp(root));
        snprintf(dir, sizeof(dir), "%s/cg", root);
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        ck_assert_int_eq(backend_cgroupfs_new(root, &be), 0);
        ck_assert_int_eq(engine_init(&e, be, cfg, false, NULL, fake_clock), 0);
        /* The descriptors the backend keeps for good: /proc/meminfo and /proc/zoneinfo, opened
         * by a round, and /proc/pressure/memory, read by the floors' watch once one is held. */
        ck_assert_int_ge(engine_round(&e, cfg, NULL, &sc), 0);
        ck_assert_int_ge(engine_stall_usec(&e, NULL, &stall), -ENOENT);
        before = count_fds();
        for (int batch = 0; batch < 10; batch++) {
                for (int i = 0; i < 100; i++) {
                        snprintf(dir, sizeof(dir), "%s/cg/%d-%d", root, batch, i);
                        ck_assert_int_eq(mkdir(dir, 0755), 0);
                        put(dir, "memory.current", "8388608\n");
                        put(dir, "memory.reclaim", "");
                        put(dir, "memory.min", "0\n");
                        put(dir, "memory.low", "0\n");
                }
                /* They appear: the engine follows the glob, opens them, reclaims from them. */
                ck_assert(engine_set_changed(&e, cfg));
                ck_assert_int_eq(engine_init(&next, be, cfg, false, NULL, fake_clock), 0);
                engine_takeover(&next, &e, cfg);
                e = next;
                ck_assert_uint_eq(e.n_cgroups, 100);
                ck_assert_int_eq(engine_round(&e, cfg, NULL, &sc), POLICY_DONE_EXHAUSTED);   /* a plain file never falls */
                ck_assert_uint_gt(sc.nr_steps, 0);
                /* They go: removed beneath open descriptors, then the glob no longer matches. */
                snprintf(cmd, sizeof(cmd), "rm -rf %s/cg/%d-*", root, batch);
                ck_assert_int_eq(system(cmd), 0);
                ck_assert_int_ge(engine_refresh(&e), 0);
                ck_assert(engine_set_changed(&e, cfg));
                ck_assert_int_eq(engine_init(&next, be, cfg, false, NULL, fake_clock), 0);
                engine_takeover(&next, &e, cfg);
                e = next;
                ck_assert_uint_eq(e.n_cgroups, 0);
        }
        ck_assert_int_eq(count_fds(), before);
        real_teardown(&e, be, cfg, root);
}
END_TEST

/* A fresh folder from the template root holding the cgroups dirs (each with a memory.current), and the real backend on it. */
static void real_tree(char *root, const char *const *dirs, size_t n, struct backend **ret)
{
        char dir[512];

        ck_assert_ptr_nonnull(mkdtemp(root));
        for (size_t i = 0; i < n; i++) {
                snprintf(dir, sizeof(dir), "%s/%s", root, dirs[i]);
                ck_assert_int_eq(mkdir(dir, 0755), 0);
                put(dir, "memory.current", "1\n");
        }
        ck_assert_int_eq(backend_cgroupfs_new(root, ret), 0);
}

/*
 * A glob that begins a component with a dot matches "." and ".." too
 * (glob(3) gives dot entries to such a pattern): names of cgroups that are
 * managed, or not, under another path. Never managed: what is written
 * through an alias is recorded under a path no restore accepts. The root's
 * own path is no pattern (--cgroup-root names a folder).
 */
START_TEST(globs_never_match_dot_entries)
{
        struct config *cfg = load("[cgroup a/*/.*]\nsoft_limit = 1M\n[cgroup .*]\nsoft_limit = 1M\n"
                                  "[cgroup [.]*]\nsoft_limit = 1M\n");
        /* A root whose name reads as a glob ([1]) is matched as it is named. */
        char root[] = "/tmp/reclaimd-dots[1].XXXXXX";
        static const char *const dirs[] = { "a", "a/b", "a/b/.hidden", ".x" };
        struct backend *be;
        struct engine e;

        real_tree(root, dirs, sizeof(dirs) / sizeof(dirs[0]), &be);
        ck_assert_int_eq(engine_init(&e, be, cfg, false, NULL, fake_clock), 0);
        for (size_t i = 0; i < e.n_cgroups; i++)
                ck_assert_msg(cgpath_is_cgroup(e.cgroups[i].path), "manages \"%s\"", e.cgroups[i].path);
        ck_assert_uint_eq(e.n_cgroups, 2);
        ck_assert_str_eq(e.cgroups[0].path, ".x");
        ck_assert_str_eq(e.cgroups[1].path, "a/b/.hidden");
        real_teardown(&e, be, cfg, root);
}
END_TEST

/*
 * A glob manages a cgroup whose name begins with a dot as config_match()
 * says it applies to it (fnmatch() without FNM_PERIOD), and as the
 * simulated kernel lists: glob(3) left such names out of '*', so a
 * delegated owner escaped a glob section by naming its cgroup ".x".
 */
START_TEST(globs_follow_names_that_begin_with_a_dot)
{
        struct config *cfg = load("[cgroup pods/*]\nsoft_limit = 1M\n");
        char root[] = "/tmp/reclaimd-dotnames.XXXXXX";
        static const char *const dirs[] = { "pods", "pods/web", "pods/.x" };
        struct backend *be;
        struct engine e;

        ck_assert_ptr_nonnull(config_match(cfg, "pods/.x"));
        real_tree(root, dirs, sizeof(dirs) / sizeof(dirs[0]), &be);
        ck_assert_int_eq(engine_init(&e, be, cfg, false, NULL, fake_clock), 0);
        ck_assert_uint_eq(e.n_cgroups, 2);
        ck_assert_str_eq(e.cgroups[0].path, "pods/.x");
        ck_assert_str_eq(e.cgroups[1].path, "pods/web");
        real_teardown(&e, be, cfg, root);
}
END_TEST

CHECK_MAIN("engine", overreclaiming_kernel_is_asked_in_batches, step_ends_within_a_page, step_past_step_timeout_stops_between_batches, step_ended_past_step_timeout_is_cut, round_cut_short_is_taken_up_where_it_stopped, removed_while_listed_or_written, real_backend_glob_out_of_descriptors, real_backend_reads_whole_files, real_backend_cgroup_id_is_the_inode, real_backend_writes_what_the_engine_writes, bad_memory_stat_is_survived, bad_pressure_is_an_error, batch_reclaimed_web_left_alone, eagain_is_not_an_error, vanished_cgroup_dropped,
           dry_run_writes_nothing, capabilities_probed, globs_expand_to_the_most_specific_section,
           glob_that_cannot_be_listed_changes_nothing,
           no_descriptor_leak_as_cgroups_come_and_go, write_errors_are_survived, bad_readings_are_left_out,
           globs_never_match_dot_entries, capabilities_probed_when_a_cgroup_appears,
           globs_leave_out_reclaimds_own_cgroup, real_backend_finds_its_own_cgroup,
           globs_follow_names_that_begin_with_a_dot)
