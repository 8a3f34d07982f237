/* What reclaimd changed goes back whatever fails on the way, and an operator's value is never clobbered. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adjust.h"
#include "backend-sim.h"
#include "check-files.h"
#include "check-main.h"
#include "check-shown.h"
#include "config.h"
#include "daemon.h"
#include "engine.h"
#include "failalloc.h"
#include "hierarchy.h"
#include "log.h"
#include "metrics.h"
#include "explain.h"
#include "snapshot.h"
#include "state.h"
#include "status.h"
#include "util.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define UNWRITABLE "/proc/reclaimd-cannot-write-here/state"

struct fixture {
        struct config *cfg;
        struct backend *be;
        struct engine e;
        char state[64];
        enum restore_outcome outcomes[8];
        int errs[8];                      /* the err each outcome came with */
        size_t n_outcomes;
        unsigned state_errors;
        unsigned release_failures_told;   /* obs.released with an error */
        const char *fail_read_on_round;   /* round_start: memory.current of this cgroup fails from now */
        bool oom_in_takeover;             /* reload_to(): reallocarray() fails while the new engine takes over */
        struct engine_observer obs;
};

static uint64_t fake_now = 1000000;

static uint64_t fake_clock(void)
{
        return fake_now += 1000;
}

static void on_restored(void *userdata, const struct state_record *rec, enum restore_outcome o, int err)
{
        struct fixture *f = userdata;

        if (f->n_outcomes < 8) {
                f->errs[f->n_outcomes] = err;
                f->outcomes[f->n_outcomes++] = o;
        }
}

static void on_released(void *userdata, const struct cgroup *cg, enum cg_file f, uint64_t value, bool restored,
                        bool left_alone, int err)
{
        ((struct fixture *)userdata)->release_failures_told += err < 0;
}

static void on_state_error(void *userdata, const char *file, int err)
{
        ((struct fixture *)userdata)->state_errors++;
}

static void on_round_start(void *userdata, const struct scan_control *sc, uint64_t shortfall)
{
        struct fixture *f = userdata;

        if (f->fail_read_on_round)
                ck_assert_int_eq(sim_override_read(f->be, f->fail_read_on_round, CG_MEMORY_CURRENT, NULL, -EIO), 0);
}

static const struct engine_observer *observer(struct fixture *f)
{
        f->obs = (struct engine_observer){ .restored = on_restored, .state_error = on_state_error,
                                           .round_start = on_round_start, .released = on_released,
                                           .userdata = f };
        return &f->obs;
}

static void setup(struct fixture *f, const char *conf)
{
        memset(f, 0, sizeof(*f));
        failalloc_arm(-1, false);
        f->cfg = load_config(conf);
        ck_assert_int_eq(backend_sim_new(&f->be), 0);
        sim_set_sysmem(f->be, 16 * GiB, 1 * GiB, 32 * MiB);
        ck_assert_int_eq(engine_init(&f->e, f->be, f->cfg, false, observer(f), fake_clock), 0);
        state_path(f->state, sizeof(f->state));
        f->e.state_file = f->state;
}

/* The fixture with one managed cgroup, hot, 400M of file pages, as the engine has found it. */
static struct cgroup *setup_hot(struct fixture *f, const char *conf)
{
        setup(f, conf);
        ck_assert_int_eq(sim_add_cgroup(f->be, "hot", 400 * MiB, 0), 0);
        ck_assert_int_ge(engine_refresh(&f->e), 0);
        return engine_find(&f->e, "hot");
}

static void teardown(struct fixture *f)
{
        engine_done(&f->e);
        backend_free(f->be);
        config_free(f->cfg);
        unlink(f->state);
        state_unlock_file(f->state);
}

/* A reload to cfg: a new engine takes f's over. Returns engine_takeover()'s count. */
static int reload_to(struct fixture *f, struct config *cfg)
{
        struct engine next;
        int restored;

        ck_assert_int_eq(engine_init(&next, f->be, cfg, false, observer(f), fake_clock), 0);
        ck_assert_int_eq(engine_takeover_reserve(&next, &f->e), 0);   /* as the daemon's reload does */
        next.state_file = f->state;
        failalloc_arm(f->oom_in_takeover ? 0 : -1, false);
        restored = engine_takeover(&next, &f->e, f->cfg);
        failalloc_arm(-1, false);
        f->e = next;
        config_free(f->cfg);
        f->cfg = cfg;
        return restored;
}

/* A second engine on the same state file: the next start after a SIGKILL. */
static void restart_and_restore(struct fixture *f)
{
        struct engine next;
        struct state st;

        ck_assert_int_eq(engine_init(&next, f->be, f->cfg, false, observer(f), fake_clock), 0);
        next.state_file = f->state;
        engine_restore(&next, &st);
        state_clear(&st);
        engine_done(&next);
}

static bool state_has(const char *file, const char *path, enum cg_file which)
{
        struct state st;
        bool found = false;

        if (state_load(file, &st) < 0)
                return false;
        for (size_t i = 0; i < st.n; i++)
                found |= strcmp(st.v[i].path, path) == 0 && st.v[i].file == which;
        state_clear(&st);
        return found;
}

/*
 * A record the start could not put back (its write failed) stays on record,
 * in the engine and in the state file: removing the file would leave the
 * cgroup at what a killed run wrote, with nothing left to put it back.
 */
START_TEST(restore_at_start_keeps_what_failed)
{
        struct fixture f;
        FILE *sf;

        setup(&f, "[cgroup a]\nsoft_limit = 1M\n");
        ck_assert_int_eq(sim_add_cgroup(f.be, "a", 0, 10 * MiB), 0);
        ck_assert_int_eq(sim_set_high(f.be, "a", 100 * MiB), 0);   /* as the killed run left it */
        sf = fopen(f.state, "w");
        ck_assert_ptr_nonnull(sf);
        fprintf(sf, "reclaimd-state 3\nmemory.high max 100M max a\n");
        fclose(sf);
        ck_assert_int_eq(sim_fail_writes(f.be, "a", CG_MEMORY_HIGH, -EIO, 1), 0);

        restart_and_restore(&f);
        ck_assert_int_eq(f.outcomes[0], RESTORE_FAILED);
        ck_assert_uint_eq(sim_high(f.be, "a"), 100 * MiB);
        /* Not put back: it must still be on record, so that someone puts it back later. */
        ck_assert_msg(state_has(f.state, "a", CG_MEMORY_HIGH),
                      "the record of a's memory.high was dropped although its restore failed");
        /* And a stop of this run (or the next start) puts it back. */
        restart_and_restore(&f);
        ck_assert_uint_eq(sim_high(f.be, "a"), UINT64_MAX);
        teardown(&f);
}
END_TEST

/*
 * A release step that cannot be recorded (the state file cannot be written)
 * goes straight back to the original instead: a step written unrecorded would,
 * after a SIGKILL, read as an operator's value at the next start and be left.
 */
START_TEST(release_step_is_recorded_before_written)
{
        struct fixture f;
        struct cgroup *cg;

        cg = setup_hot(&f, "[reclaim]\nmin_chunk = 1M\n[cgroup hot]\nsoft_limit = 64M\n");
        ck_assert_int_eq(adjust_set(&f.e, cg, CG_MEMORY_HIGH, 100 * MiB), 0);
        ck_assert_uint_eq(sim_high(f.be, "hot"), 100 * MiB);
        ck_assert(state_has(f.state, "hot", CG_MEMORY_HIGH));

        /* The state file's disk fills up; the tick raises memory.high a step. */
        f.e.state_file = UNWRITABLE;
        engine_release(&f.e, f.cfg, false);
        ck_assert_uint_gt(f.state_errors, 0);
        /* SIGKILL here; the next start reads the state file as it was. */
        f.e.state_file = f.state;
        restart_and_restore(&f);
        ck_assert_msg(sim_high(f.be, "hot") == UINT64_MAX,
                      "memory.high of hot left at %" PRIu64 " MiB after the restart",
                      (uint64_t)(sim_high(f.be, "hot") / MiB));
        teardown(&f);
}
END_TEST

/*
 * Clamps hot and hot2 at 100M, then reloads to a configuration managing only
 * other, with the restore of the two clamps failing once: as a reload or a
 * glob change that drops them.
 */
static void drop_clamped_with_failed_restores(struct fixture *f, bool oom)
{
        static const char *const dropped[] = { "hot", "hot2" };
        struct config *cfg2 = load_config("[cgroup other]\nsoft_limit = 64M\n");

        setup(f, "[cgroup hot]\nsoft_limit = 64M\n[cgroup hot2]\nsoft_limit = 64M\n[cgroup other]\nsoft_limit = 64M\n");
        ck_assert_int_eq(sim_add_cgroup(f->be, "other", 10 * MiB, 0), 0);
        for (size_t i = 0; i < ARRAY_SIZE(dropped); i++)
                ck_assert_int_eq(sim_add_cgroup(f->be, dropped[i], 400 * MiB, 0), 0);
        ck_assert_int_ge(engine_refresh(&f->e), 0);
        for (size_t i = 0; i < ARRAY_SIZE(dropped); i++) {
                ck_assert_int_eq(adjust_set(&f->e, engine_find(&f->e, dropped[i]), CG_MEMORY_HIGH, 100 * MiB), 0);
                ck_assert_int_eq(sim_fail_writes(f->be, dropped[i], CG_MEMORY_HIGH, -EIO, 1), 0);
        }
        f->oom_in_takeover = oom;
        reload_to(f, cfg2);
        for (size_t i = 0; i < ARRAY_SIZE(dropped); i++) {
                ck_assert_uint_eq(sim_high(f->be, dropped[i]), 100 * MiB);   /* the restore failed */
                ck_assert_msg(state_has(f->state, dropped[i], CG_MEMORY_HIGH),
                              "%s is still clamped, and its record is gone", dropped[i]);
        }
}

/* Stopping puts back what the reload kept of hot's and hot2's clamps. */
static void stop_puts_both_back(struct fixture *f)
{
        engine_release(&f->e, f->cfg, true);
        ck_assert_uint_eq(sim_high(f->be, "hot"), UINT64_MAX);
        ck_assert_uint_eq(sim_high(f->be, "hot2"), UINT64_MAX);
}

/*
 * What reclaimctl status and the metrics say of e: the status line and the
 * metrics, in one text; with read_files, the kernel's files read anew.
 */
static char *shown_read(struct engine *e, bool read_files)
{
        return shown_of(e, NULL, read_files, 10, NULL);
}

static char *shown(struct engine *e)
{
        return shown_read(e, false);
}

/*
 * A reload (or a glob change) that drops a cgroup whose restore fails keeps
 * its record in the new engine: saved, tried again, put back at stop, and
 * shown meanwhile by reclaimctl status and the metrics.
 */
START_TEST(reload_keeps_what_it_could_not_restore)
{
        struct fixture f;
        char *text;

        drop_clamped_with_failed_restores(&f, false);
        text = shown(&f.e);
        ck_assert_msg(strstr(text, ", 0 clamped, 0 protected, 2 unmanaged cgroups holding a value of reclaimd's\n"),
                      "%s", text);
        ck_assert_msg(strstr(text, "\"unmanaged_cgroups_held\":2,"), "%s", text);
        ck_assert_msg(strstr(text, "\nreclaimd_unmanaged_cgroups_held 2\n"), "%s", text);
        free(text);
        stop_puts_both_back(&f);
        text = shown(&f.e);
        ck_assert_msg(!strstr(text, "unmanaged cgroup"), "%s", text);
        ck_assert_msg(strstr(text, "\nreclaimd_unmanaged_cgroups_held 0\n"), "%s", text);
        free(text);
        teardown(&f);
}
END_TEST

/*
 * Out of memory as a reload takes over: the records of what it could not put
 * back are kept all the same, in the room made before anything moved
 * (engine_takeover_reserve()); none is lost and nothing is said in error.
 */
START_TEST(reload_out_of_memory_loses_no_record)
{
        struct fixture f;

        drop_clamped_with_failed_restores(&f, true);
        ck_assert_uint_eq(f.state_errors, 0);
        ck_assert_int_eq(hierarchy_held(&f.e), 2);
        stop_puts_both_back(&f);
        teardown(&f);
}
END_TEST

/*
 * Out of memory at start as a record that could not be put back is kept: the
 * record is not lost. The file found at start is kept aside whole, where
 * reclaimd --restore can take it, and the error is told.
 */
START_TEST(restore_at_start_out_of_memory_keeps_the_file)
{
        struct fixture f;
        struct engine next;
        struct state st;

        setup(&f, "[cgroup b]\nsoft_limit = 1M\n");
        ck_assert_int_eq(sim_add_cgroup(f.be, "a", 0, 10 * MiB), 0);   /* not managed: kept as a parent */
        ck_assert_int_eq(sim_set_high(f.be, "a", 100 * MiB), 0);
        write_file(f.state, "reclaimd-state 3\nmemory.high max 100M max a\n");
        ck_assert_int_eq(sim_fail_writes(f.be, "a", CG_MEMORY_HIGH, -EIO, 1), 0);

        ck_assert_int_eq(engine_init(&next, f.be, f.cfg, false, observer(&f), fake_clock), 0);
        next.state_file = f.state;
        failalloc_arm(1, false);   /* the file's one record parsed; the room to keep it fails */
        ck_assert_int_eq(engine_restore(&next, &st), 0);
        failalloc_arm(-1, false);
        state_clear(&st);
        ck_assert_int_eq(f.outcomes[0], RESTORE_FAILED);
        ck_assert_int_eq(hierarchy_held(&next), 0);   /* not kept in memory */
        ck_assert_uint_gt(f.state_errors, 0);
        ck_assert_ptr_nonnull(next.rejected_as);
        ck_assert_msg(state_has(next.rejected_as, "a", CG_MEMORY_HIGH), "the record of a is lost");
        engine_done(&next);   /* teardown() removes the file kept aside */
        teardown(&f);
}
END_TEST

/* A reload that drops a clamped cgroup counts it as put back only if it was: not if it is gone. */
/* hot and hot2 (400M each) clamped at 100M, other (10M) not: what a reload to other alone drops. */
static void clamp_hot_and_hot2(struct fixture *f)
{
        setup(f, "[cgroup hot]\nsoft_limit = 64M\n[cgroup hot2]\nsoft_limit = 64M\n[cgroup other]\nsoft_limit = 64M\n");
        ck_assert_int_eq(sim_add_cgroup(f->be, "other", 10 * MiB, 0), 0);
        ck_assert_int_eq(sim_add_cgroup(f->be, "hot", 400 * MiB, 0), 0);
        ck_assert_int_eq(sim_add_cgroup(f->be, "hot2", 400 * MiB, 0), 0);
        ck_assert_int_ge(engine_refresh(&f->e), 0);
        ck_assert_int_eq(adjust_set(&f->e, engine_find(&f->e, "hot"), CG_MEMORY_HIGH, 100 * MiB), 0);
        ck_assert_int_eq(adjust_set(&f->e, engine_find(&f->e, "hot2"), CG_MEMORY_HIGH, 100 * MiB), 0);
}

START_TEST(reload_counts_only_what_it_put_back)
{
        struct config *cfg2 = load_config("[cgroup other]\nsoft_limit = 64M\n");
        struct fixture f;

        clamp_hot_and_hot2(&f);
        ck_assert_int_eq(sim_remove_cgroup(f.be, "hot2"), 0);
        ck_assert_int_eq(reload_to(&f, cfg2), 1);
        ck_assert_uint_eq(sim_high(f.be, "hot"), UINT64_MAX);
        ck_assert_int_eq(access(f.state, F_OK), -1);
        teardown(&f);
}
END_TEST

/* Nor if someone else's value was there instead: that one is left, and the record ends, uncounted. */
START_TEST(reload_does_not_count_what_another_set)
{
        struct config *cfg2 = load_config("[cgroup other]\nsoft_limit = 64M\n");
        struct fixture f;

        clamp_hot_and_hot2(&f);
        ck_assert_int_eq(sim_set_high(f.be, "hot2", 200 * MiB), 0);
        ck_assert_int_eq(reload_to(&f, cfg2), 1);
        ck_assert_uint_eq(sim_high(f.be, "hot"), UINT64_MAX);
        ck_assert_uint_eq(sim_high(f.be, "hot2"), 200 * MiB);
        ck_assert_int_eq(access(f.state, F_OK), -1);
        teardown(&f);
}
END_TEST

/*
 * A clamp fitted to the soft limit in force: a cgroup whose soft limit went
 * (its section kept for a trigger) is put back, one whose soft limit rose
 * past its clamp is raised to it, one still under its clamp is left alone.
 */
START_TEST(clamps_fit_the_soft_limits)
{
        struct config *cfg2 = load_config("[cgroup a]\ntrigger = some 150ms 1s\n[cgroup b]\nsoft_limit = 300M\n"
                                          "[cgroup c]\nsoft_limit = 90M\n");
        struct fixture f;

        setup(&f, "[cgroup a]\nsoft_limit = 64M\n[cgroup b]\nsoft_limit = 64M\n[cgroup c]\nsoft_limit = 64M\n");
        for (const char *const *p = (const char *const[]){ "a", "b", "c", NULL }; *p; p++) {
                ck_assert_int_eq(sim_add_cgroup(f.be, *p, 400 * MiB, 0), 0);
                ck_assert_int_ge(engine_refresh(&f.e), 0);
                ck_assert_int_eq(adjust_set(&f.e, engine_find(&f.e, *p), CG_MEMORY_HIGH, 100 * MiB), 0);
        }
        ck_assert_int_eq(engine_fit_clamps(&f.e, f.cfg), 0);   /* all above their soft limits */
        ck_assert_int_eq(reload_to(&f, cfg2), 0);
        ck_assert_int_eq(engine_fit_clamps(&f.e, f.cfg), 2);
        ck_assert_uint_eq(sim_high(f.be, "a"), UINT64_MAX);
        ck_assert_uint_eq(sim_high(f.be, "b"), 300 * MiB);
        ck_assert_uint_eq(sim_high(f.be, "c"), 100 * MiB);
        ck_assert(!state_has(f.state, "a", CG_MEMORY_HIGH));
        ck_assert(state_has(f.state, "b", CG_MEMORY_HIGH));
        teardown(&f);
}
END_TEST

/*
 * A value that cannot be put back is tried again at every balance check
 * (an unmanaged cgroup's), and its failure told once, not each second: once
 * more when it fails otherwise, and the success when it works.
 */
START_TEST(failed_release_told_once)
{
        struct fixture f;
        struct cgroup *cg = setup_hot(&f, "[cgroup hot]\nsoft_limit = 64M\n");

        ck_assert_int_eq(adjust_set(&f.e, cg, CG_MEMORY_HIGH, 100 * MiB), 0);
        ck_assert_int_eq(sim_fail_writes(f.be, "hot", CG_MEMORY_HIGH, -EIO, 3), 0);
        for (int i = 0; i < 3; i++)
                ck_assert_int_eq(adjust_release(&f.e, cg, CG_MEMORY_HIGH, cg->high.original), -EIO);
        ck_assert_uint_eq(f.release_failures_told, 1);
        /* A write that works in between (a hold): the same failure after it is news again. */
        ck_assert_int_eq(adjust_set(&f.e, cg, CG_MEMORY_HIGH, 90 * MiB), 0);
        ck_assert_int_eq(sim_fail_writes(f.be, "hot", CG_MEMORY_HIGH, -EIO, 1), 0);
        ck_assert_int_eq(adjust_release(&f.e, cg, CG_MEMORY_HIGH, cg->high.original), -EIO);
        ck_assert_uint_eq(f.release_failures_told, 2);
        ck_assert_int_eq(sim_fail_writes(f.be, "hot", CG_MEMORY_HIGH, -EACCES, 1), 0);
        ck_assert_int_eq(adjust_release(&f.e, cg, CG_MEMORY_HIGH, cg->high.original), -EACCES);
        ck_assert_uint_eq(f.release_failures_told, 3);
        ck_assert_int_eq(adjust_release(&f.e, cg, CG_MEMORY_HIGH, cg->high.original), 0);
        ck_assert_uint_eq(sim_high(f.be, "hot"), UINT64_MAX);
        ck_assert(!cg->high.active);
        teardown(&f);
}
END_TEST

/*
 * A slice stopped: many held cgroups go in one refresh. Their records leave
 * the state file in one save, not one each (each rewrites every record
 * still held: quadratic, with the loop waiting).
 */
START_TEST(mass_removal_saves_once)
{
        struct fixture f;
        char path[32];
        uint64_t saves;

        setup(&f, "[cgroup s*]\nsoft_limit = 64M\n");
        for (int i = 0; i < 20; i++) {
                snprintf(path, sizeof(path), "s%02d", i);
                ck_assert_int_eq(sim_add_cgroup(f.be, path, 400 * MiB, 0), 0);
        }
        engine_done(&f.e);
        ck_assert_int_eq(engine_init(&f.e, f.be, f.cfg, false, observer(&f), fake_clock), 0);
        f.e.state_file = f.state;
        ck_assert_int_ge(engine_refresh(&f.e), 0);
        ck_assert_uint_eq(f.e.n_cgroups, 20);
        for (int i = 0; i < 20; i++)
                ck_assert_int_eq(adjust_set(&f.e, &f.e.cgroups[i], CG_MEMORY_HIGH, 100 * MiB), 0);
        for (int i = 0; i < 15; i++) {
                snprintf(path, sizeof(path), "s%02d", i);
                ck_assert_int_eq(sim_remove_cgroup(f.be, path), 0);
        }
        saves = f.e.state_saves;
        ck_assert_int_ge(engine_refresh(&f.e), 0);
        ck_assert_uint_eq(f.e.state_saves - saves, 1);
        ck_assert(!state_has(f.state, "s00", CG_MEMORY_HIGH) && !state_has(f.state, "s14", CG_MEMORY_HIGH));
        ck_assert(state_has(f.state, "s15", CG_MEMORY_HIGH) && state_has(f.state, "s19", CG_MEMORY_HIGH));
        saves = f.e.state_saves;
        ck_assert_int_ge(engine_refresh(&f.e), 0);   /* nothing gone: nothing saved */
        ck_assert_uint_eq(f.e.state_saves, saves);

        /* The stop, finding four more gone as it puts the values back: one save too. */
        for (int i = 15; i < 19; i++) {
                snprintf(path, sizeof(path), "s%02d", i);
                ck_assert_int_eq(sim_remove_cgroup(f.be, path), 0);
        }
        engine_release(&f.e, f.cfg, true);
        ck_assert_uint_eq(f.e.state_saves - saves, 1);
        ck_assert_uint_eq(sim_high(f.be, "s19"), UINT64_MAX);
        ck_assert_int_eq(access(f.state, F_OK), -1);
        teardown(&f);
}
END_TEST

/* reclaimctl explain of a cgroup no longer managed whose restore failed says what it still holds. */
START_TEST(explain_says_a_restore_to_retry)
{
        struct fixture f;
        char *text;

        drop_clamped_with_failed_restores(&f, false);
        text = shown_of(&f.e, f.cfg, false, 10, "hot2");
        ck_assert_ptr_nonnull(strstr(text, "- memory.high is at 100.0M, which reclaimd set and could not put "
                                           "back yet (to max)"));
        free(text);
        teardown(&f);
}
END_TEST

/* What a reload could not put back goes back at the next interval, or is dropped once its cgroup is removed. */
START_TEST(kept_values_go_back_while_running)
{
        struct fixture f;

        drop_clamped_with_failed_restores(&f, false);
        ck_assert_int_eq(sim_remove_cgroup(f.be, "hot2"), 0);
        engine_protect(&f.e, f.cfg);
        ck_assert_uint_eq(sim_high(f.be, "hot"), UINT64_MAX);
        ck_assert(!state_has(f.state, "hot", CG_MEMORY_HIGH));
        ck_assert_msg(!state_has(f.state, "hot2", CG_MEMORY_HIGH), "a removed cgroup's record is kept");
        ck_assert_msg(!hierarchy_held(&f.e), "a record is held after its value went back, or its cgroup went");
        teardown(&f);
}
END_TEST

/* A write at start that finds the cgroup removed since the read: gone, nothing kept. */
START_TEST(restore_at_start_of_a_removed_cgroup)
{
        struct fixture f;

        setup(&f, "[cgroup a]\nsoft_limit = 1M\n");
        ck_assert_int_eq(sim_add_cgroup(f.be, "a", 0, 10 * MiB), 0);
        ck_assert_int_eq(sim_set_high(f.be, "a", 100 * MiB), 0);
        write_file(f.state, "reclaimd-state 3\nmemory.high max 100M max a\n");
        ck_assert_int_eq(sim_fail_writes(f.be, "a", CG_MEMORY_HIGH, -ENODEV, 1), 0);
        restart_and_restore(&f);
        ck_assert_int_eq(f.outcomes[0], RESTORE_GONE);
        ck_assert_int_eq(access(f.state, F_OK), -1);
        teardown(&f);
}
END_TEST

/*
 * A failed read of memory.current after a step (EIO here, not a removal)
 * takes the cgroup out of the round, not out of the records: it is still
 * there and still holds what reclaimd wrote, which must go back at stop.
 */
START_TEST(read_error_after_a_step_keeps_the_records)
{
        struct scan_control sc;
        struct fixture f;

        setup(&f, "[balance]\ntrim = no\n[reclaim]\nmin_chunk = 1M\n"
                  "[cgroup batch]\nsoft_limit = 64M\n[cgroup web]\nsoft_limit = 256M\n");
        ck_assert_int_eq(sim_add_cgroup(f.be, "batch", 0, 200 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "web", 100 * MiB, 0), 0);
        engine_balance_check(&f.e, f.cfg, false, NULL, NULL);
        ck_assert_uint_eq(sim_low(f.be, "batch"), 64 * MiB);   /* the offender held at its soft limit */
        ck_assert(engine_find(&f.e, "batch")->low.active);

        f.fail_read_on_round = "batch";
        engine_round(&f.e, f.cfg, "batch", &sc);
        ck_assert_int_eq(sim_override_read(f.be, "batch", CG_MEMORY_CURRENT, NULL, 0), 0);
        /* The cgroup is there: what reclaimd holds in it must still be on record, and go back. */
        ck_assert_msg(sim_low(f.be, "batch") == 0 || engine_find(&f.e, "batch")->low.active,
                      "batch's memory.low record was wiped by a read error (EIO), not a removal");
        engine_release(&f.e, f.cfg, true);
        ck_assert_uint_eq(sim_low(f.be, "batch"), 0);
        teardown(&f);
}
END_TEST

/*
 * An operator's change to a file reclaimd holds ends reclaimd's record: the
 * next hold neither overwrites it nor, at the restore, puts back the value
 * from before it. Here the floors' level moves (memory.low of the lesser
 * offender follows the ranking) after the operator raised it.
 */
START_TEST(operator_change_survives_the_next_hold)
{
        struct fixture f;

        setup(&f, "[balance]\ntrim = no\n[reclaim]\nmin_chunk = 1M\n"
                  "[cgroup big]\nsoft_limit = 64M\n[cgroup small]\nsoft_limit = 64M\n");
        ck_assert_int_eq(sim_add_cgroup(f.be, "big", 0, 400 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "small", 0, 200 * MiB), 0);
        engine_balance_check(&f.e, f.cfg, false, NULL, NULL);
        ck_assert(engine_find(&f.e, "small")->low.active);
        ck_assert_uint_gt(sim_low(f.be, "small"), 64 * MiB);   /* held above its soft limit: the level */

        /* The operator protects small more than reclaimd does. */
        ck_assert_int_eq(sim_set_protection(f.be, "small", 0, 1 * GiB), 0);
        /* small shrinks a little: the level, and reclaimd's hold, move. */
        ck_assert_int_eq(sim_add_cgroup(f.be, "small", 0, 150 * MiB), 0);
        engine_balance_check(&f.e, f.cfg, false, NULL, NULL);
        ck_assert_msg(sim_low(f.be, "small") == 1 * GiB, "the operator's memory.low of 1G was lowered to %" PRIu64 "M",
                      (uint64_t)(sim_low(f.be, "small") / MiB));
        engine_release(&f.e, f.cfg, true);
        ck_assert_uint_eq(sim_low(f.be, "small"), 1 * GiB);
        teardown(&f);
}
END_TEST

/*
 * The same through adjust_set() directly, for memory.high: an operator's
 * stricter limit is not raised, and reclaimd's record leaves the state file.
 */
START_TEST(operator_stricter_high_is_not_raised)
{
        struct fixture f;
        struct cgroup *cg;

        cg = setup_hot(&f, "[cgroup hot]\nsoft_limit = 64M\n");
        ck_assert_int_eq(adjust_set(&f.e, cg, CG_MEMORY_HIGH, 300 * MiB), 0);
        ck_assert_int_eq(sim_set_high(f.be, "hot", 80 * MiB), 0);   /* the operator's */
        /* The next round's clamp: the operator's is stricter, and stays. */
        ck_assert_int_eq(adjust_set(&f.e, cg, CG_MEMORY_HIGH, 200 * MiB), -EEXIST);
        ck_assert_msg(sim_high(f.be, "hot") == 80 * MiB, "the operator's memory.high of 80M raised to %" PRIu64 "M",
                      (uint64_t)(sim_high(f.be, "hot") / MiB));
        /* The record ended, on file too: a start after a crash here has nothing to put back over 80M. */
        ck_assert(!state_has(f.state, "hot", CG_MEMORY_HIGH));
        engine_release(&f.e, f.cfg, true);
        ck_assert_uint_eq(sim_high(f.be, "hot"), 80 * MiB);
        teardown(&f);
}
END_TEST

/* reclaimctl status reads the files: after an operator's change to a held one, it shows theirs. */
START_TEST(status_shows_the_operators_value)
{
        struct fixture f;
        struct cgroup *cg;
        char *text;

        cg = setup_hot(&f, "[cgroup hot]\nsoft_limit = 64M\n");
        ck_assert_int_eq(adjust_set(&f.e, cg, CG_MEMORY_HIGH, 300 * MiB), 0);
        ck_assert_int_eq(sim_set_high(f.be, "hot", 80 * MiB), 0);   /* the operator's */
        text = shown_read(&f.e, true);
        fputs(text, stderr);
        ck_assert_ptr_nonnull(strstr(text, "80.0M (set since reclaimd held 300.0M; was max)"));
        ck_assert_ptr_nonnull(strstr(text, "\"memory_high_bytes\":83886080"));
        free(text);
        /* A snapshot that reads nothing shows what reclaimd holds it at. */
        text = shown_read(&f.e, false);
        ck_assert_ptr_nonnull(strstr(text, "300.0M (was max) since"));
        free(text);
        engine_release(&f.e, f.cfg, true);
        ck_assert_uint_eq(sim_high(f.be, "hot"), 80 * MiB);
        teardown(&f);
}
END_TEST

/*
 * A value held over the operator's own never crosses it: when the hold
 * wanted falls to their side, their value goes back and the record ends.
 * Written, it would leave their memory.low lowered (or memory.high raised),
 * and a state line the next start refuses as malformed.
 */
START_TEST(hold_never_crosses_the_original)
{
        struct fixture f;
        struct cgroup *cg;

        cg = setup_hot(&f, "[cgroup hot]\nsoft_limit = 64M\n");
        ck_assert_int_eq(sim_set_protection(f.be, "hot", 0, 300 * MiB), 0);   /* the operator's */
        ck_assert_int_eq(adjust_set(&f.e, cg, CG_MEMORY_LOW, 380 * MiB), 0);
        ck_assert_uint_eq(sim_low(f.be, "hot"), 380 * MiB);
        ck_assert_int_eq(adjust_set(&f.e, cg, CG_MEMORY_LOW, 100 * MiB), -EEXIST);
        ck_assert_msg(sim_low(f.be, "hot") == 300 * MiB, "the operator's memory.low of 300M is %" PRIu64 "M",
                      (uint64_t)(sim_low(f.be, "hot") / MiB));
        ck_assert(!cg->low.active);
        ck_assert(!state_has(f.state, "hot", CG_MEMORY_LOW));

        ck_assert_int_eq(sim_set_high(f.be, "hot", 300 * MiB), 0);
        ck_assert_int_eq(adjust_set(&f.e, cg, CG_MEMORY_HIGH, 200 * MiB), 0);
        ck_assert_int_eq(adjust_set(&f.e, cg, CG_MEMORY_HIGH, 400 * MiB), -EEXIST);
        ck_assert_msg(sim_high(f.be, "hot") == 300 * MiB, "the operator's memory.high of 300M is %" PRIu64 "M",
                      (uint64_t)(sim_high(f.be, "hot") / MiB));
        ck_assert(!cg->high.active);
        ck_assert(!state_has(f.state, "hot", CG_MEMORY_HIGH));
        teardown(&f);
}
END_TEST

/*
 * The same through the floors: a lesser offender held above the operator's
 * memory.low becomes the top offender, held at its soft limit, below their
 * value. Their value stays, and what is on file reads back whole.
 */
START_TEST(floor_of_new_top_stays_at_the_operators)
{
        struct fixture f;
        struct state st;

        setup(&f, "[balance]\ntrim = no\n[reclaim]\nmin_chunk = 1M\n"
                  "[cgroup batch]\nsoft_limit = 256M\n[cgroup web2]\nsoft_limit = 100M\n");
        ck_assert_int_eq(sim_add_cgroup(f.be, "batch", 0, 900 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "web2", 0, 600 * MiB), 0);
        ck_assert_int_eq(sim_set_protection(f.be, "web2", 0, 300 * MiB), 0);   /* the operator's */
        engine_balance_check(&f.e, f.cfg, false, NULL, NULL);
        ck_assert(engine_find(&f.e, "web2")->low.active);
        ck_assert_uint_gt(sim_low(f.be, "web2"), 300 * MiB);   /* the lesser offender, held at the level */

        /* batch shrinks: web2 is the top offender now, held at its soft limit, under 300M. */
        ck_assert_int_eq(sim_add_cgroup(f.be, "batch", 0, 260 * MiB), 0);
        engine_balance_check(&f.e, f.cfg, false, NULL, NULL);
        ck_assert_msg(sim_low(f.be, "web2") == 300 * MiB, "the operator's memory.low of 300M is %" PRIu64 "M",
                      (uint64_t)(sim_low(f.be, "web2") / MiB));
        if (state_load(f.state, &st) == 0) {   /* or -ENOENT: nothing held */
                ck_assert_uint_eq(st.bad_lines, 0);
                state_clear(&st);
        }
        engine_release(&f.e, f.cfg, true);
        ck_assert_uint_eq(sim_low(f.be, "web2"), 300 * MiB);
        teardown(&f);
}
END_TEST

/*
 * A first write that fails leaves no record: the cgroup is not counted
 * clamped, and no save writes a record whose value is the original (a line
 * the next start would call malformed).
 */
START_TEST(failed_first_write_leaves_no_record)
{
        struct fixture f;
        struct state st;
        struct cgroup *cg;

        cg = setup_hot(&f, "[cgroup hot]\nsoft_limit = 64M\n");
        ck_assert_int_eq(sim_fail_writes(f.be, "hot", CG_MEMORY_HIGH, -EIO, 1), 0);
        ck_assert_int_eq(adjust_set(&f.e, cg, CG_MEMORY_HIGH, 100 * MiB), -EIO);
        ck_assert_uint_eq(sim_high(f.be, "hot"), UINT64_MAX);
        ck_assert_msg(engine_count_clamped(&f.e) == 0, "hot counted clamped, its memory.high untouched");
        /* Recorded before the write, and off the file with it: a stop that holds nothing saves nothing. */
        ck_assert_int_eq(state_load(f.state, &st), -ENOENT);
        teardown(&f);
}
END_TEST

/*
 * A stop puts back the ancestors' memory.low (lib/hierarchy.c) even when no
 * managed cgroup holds anything any more: the ancestor's release failed, or
 * the held children vanished in a round that was then cancelled.
 */
START_TEST(stop_restores_the_ancestors)
{
        static const char conf[] = "[balance]\ntrim = no\n[reclaim]\nmin_chunk = 1M\n"
                                   "[cgroup p/batch]\nsoft_limit = 64M\n[cgroup p/web]\nsoft_limit = 256M\n";
        struct config_errors errs = {};
        struct config *cfg = NULL;
        struct backend *be;
        struct daemon d;
        char state[64];

        log_set_max_level(LOG_WARNING);
        setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/reclaimd-test-bus", 1);
        state_path(state, sizeof(state));
        ck_assert_int_eq(backend_sim_new(&be), 0);
        sim_set_sysmem(be, 16 * GiB, 1 * GiB, 32 * MiB);
        ck_assert_int_eq(sim_add_cgroup(be, "p", 0, 0), 0);
        ck_assert_int_eq(sim_add_cgroup(be, "p/batch", 0, 200 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(be, "p/web", 100 * MiB, 0), 0);
        ck_assert_int_eq(config_load_string(conf, "daemon.conf", &cfg, &errs), 0);
        ck_assert_int_eq(daemon_init(&d, cfg, be, &(struct daemon_options){
                .config_file = "daemon.conf", .state_file = state }), 0);
        ck_assert_int_ge(engine_balance_check(&d.engine, d.cfg, false, NULL, NULL), 0);
        ck_assert_uint_gt(sim_low(be, "p"), 0);   /* the ancestor raised for what is held beneath */

        /* batch back at its soft limit: the floors go, but p's write fails this once. */
        ck_assert_int_eq(sim_add_cgroup(be, "p/batch", 0, 64 * MiB), 0);
        ck_assert_int_eq(sim_fail_writes(be, "p", CG_MEMORY_LOW, -EIO, 1), 0);
        ck_assert_int_ge(engine_balance_check(&d.engine, d.cfg, false, NULL, NULL), 0);
        ck_assert_int_eq(engine_count_protected(&d.engine), 0);
        ck_assert_uint_gt(sim_low(be, "p"), 0);

        /* SIGTERM. */
        sim_set_persistent(be);
        daemon_done(&d);
        ck_assert_msg(sim_low(be, "p") == 0, "p's memory.low left at %" PRIu64 "M after stop",
                      (uint64_t)(sim_low(be, "p") / MiB));
        sim_destroy(be);
        unlink(state);
        state_unlock_file(state);
}
END_TEST

/* A state file as a killed run leaves it: hot's memory.high lowered from max to 100M. */
static struct backend *killed_run(char *state, size_t size)
{
        const struct state_record rec = { .path = (char *)"hot", .file = CG_MEMORY_HIGH, .original = UINT64_MAX,
                                          .value = 100 * MiB, .previous = 100 * MiB };
        struct backend *be;

        log_set_max_level(LOG_WARNING);
        setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/reclaimd-test-bus", 1);
        state_path(state, size);
        ck_assert_int_eq(backend_sim_new(&be), 0);
        sim_set_sysmem(be, 16 * GiB, 1 * GiB, 32 * MiB);
        ck_assert_int_eq(sim_add_cgroup(be, "hot", 400 * MiB, 0), 0);
        ck_assert_int_eq(sim_set_high(be, "hot", 100 * MiB), 0);
        ck_assert_int_eq(state_save(state, NULL, &rec, 1), 0);
        sim_set_persistent(be);
        return be;
}

/*
 * A start that will not run (its configuration has errors) still puts back
 * what a killed run held, with no configuration; never while another run
 * holds the state file's lock: that one's values are not left by a crash.
 */
START_TEST(failed_start_puts_back_what_a_killed_run_held)
{
        char state[64];
        struct backend *be = killed_run(state, sizeof(state));
        int lock = state_lock(state);

        ck_assert_int_ge(lock, 0);   /* a run that holds it */
        ck_assert_int_eq(daemon_restore_only(be, &(struct daemon_options){ .state_file = state }, ""), -EBUSY);
        ck_assert_uint_eq(sim_high(be, "hot"), 100 * MiB);
        ck_assert_int_eq(access(state, F_OK), 0);
        close(lock);

        /* A file it may not trust is no success: the unit's ExecStopPost= must fail. */
        ck_assert_int_eq(chmod(state, 0664), 0);
        ck_assert_int_eq(daemon_restore_only(be, &(struct daemon_options){ .state_file = state }, ""), -EACCES);
        ck_assert_uint_eq(sim_high(be, "hot"), 100 * MiB);
        ck_assert_int_eq(chmod(state, 0600), 0);

        ck_assert_int_eq(daemon_restore_only(be, &(struct daemon_options){ .state_file = state }, ""), 0);
        ck_assert_msg(sim_high(be, "hot") == UINT64_MAX, "hot's memory.high left at %" PRIu64 "M",
                      (uint64_t)(sim_high(be, "hot") / MiB));
        ck_assert_int_eq(access(state, F_OK), -1);

        /* Lines it cannot use are no success either, though what it could use went back. */
        ck_assert_int_eq(sim_set_high(be, "hot", 100 * MiB), 0);
        write_file(state, "reclaimd-state 3\nmemory.high max 100M max hot\nmemory.high garbage\n");
        ck_assert_int_eq(chmod(state, 0600), 0);
        ck_assert_int_eq(daemon_restore_only(be, &(struct daemon_options){ .state_file = state }, ""), -EBADMSG);
        ck_assert_uint_eq(sim_high(be, "hot"), UINT64_MAX);
        unlink(state);
        sim_destroy(be);
        state_unlock_file(state);
}
END_TEST

/* A value that cannot be put back at the stop is a failure to say (-EBUSY), and stays on record. */
START_TEST(stop_that_cannot_put_back_fails)
{
        struct config_errors errs = {};
        struct config *cfg = NULL;
        char state[64];
        struct backend *be = killed_run(state, sizeof(state));
        struct daemon d;
        struct state st;

        ck_assert_int_eq(config_load_string("[cgroup other]\nsoft_limit = 1G\n", "daemon.conf", &cfg, &errs), 0);
        /* The start's restore fails, and so does the stop's. */
        ck_assert_int_eq(sim_fail_writes(be, "hot", CG_MEMORY_HIGH, -EIO, 2), 0);
        ck_assert_int_eq(daemon_init(&d, cfg, be, &(struct daemon_options){
                .config_file = "daemon.conf", .state_file = state }), 0);
        ck_assert_int_eq(daemon_done(&d), -EBUSY);
        ck_assert_uint_eq(sim_high(be, "hot"), 100 * MiB);
        ck_assert_int_eq(state_load(state, &st), 0);
        ck_assert_uint_eq(st.n, 1);
        state_clear(&st);

        /* The next start puts it back, and its stop is clean. */
        ck_assert_int_eq(config_load_string("[cgroup other]\nsoft_limit = 1G\n", "daemon.conf", &cfg, &errs), 0);
        ck_assert_int_eq(daemon_init(&d, cfg, be, &(struct daemon_options){
                .config_file = "daemon.conf", .state_file = state }), 0);
        ck_assert_int_eq(daemon_done(&d), 0);
        ck_assert_uint_eq(sim_high(be, "hot"), UINT64_MAX);
        ck_assert_int_eq(access(state, F_OK), -1);
        sim_destroy(be);
        state_unlock_file(state);
}
END_TEST

static bool root_is(const char *file, const char *root)
{
        char *recorded = NULL;
        bool same = state_root(file, &recorded) == 0 && recorded && strcmp(recorded, root) == 0;

        free(recorded);
        return same;
}

/*
 * Records are relative to the cgroup root they were taken under. Beneath
 * another (--cgroup-root changed) their paths name other cgroups: nothing is
 * applied there, and the file is kept whole, never dropped as "gone". Under
 * its own root it goes back, and what stays on record keeps that root.
 */
START_TEST(state_of_another_root_is_not_applied)
{
        const struct state_record rec = { .path = (char *)"hot", .file = CG_MEMORY_HIGH, .original = UINT64_MAX,
                                          .value = 100 * MiB, .previous = 100 * MiB };
        struct config_errors errs = {};
        struct config *cfg = NULL;
        char state[64], kept[80];
        struct backend *be = killed_run(state, sizeof(state));
        struct daemon d;

        ck_assert_int_eq(state_save(state, "/srv/old root", &rec, 1), 0);
        ck_assert_int_eq(daemon_restore_only(be, &(struct daemon_options){
                .state_file = state, .cgroup_root = "/sys/fs/cgroup" }, ""), -EXDEV);
        ck_assert_uint_eq(sim_high(be, "hot"), 100 * MiB);
        ck_assert(root_is(state, "/srv/old root"));

        /* A run under another root: nothing applied; the file stays until a save of its own would replace it. */
        ck_assert_int_eq(config_load_string("[cgroup other]\nsoft_limit = 1G\n", "daemon.conf", &cfg, &errs), 0);
        ck_assert_int_eq(daemon_init(&d, cfg, be, &(struct daemon_options){
                .config_file = "daemon.conf", .state_file = state, .cgroup_root = "/sys/fs/cgroup" }), 0);
        ck_assert_int_eq(daemon_done(&d), 0);
        ck_assert_uint_eq(sim_high(be, "hot"), 100 * MiB);
        snprintf(kept, sizeof(kept), "%s.rejected", state);
        ck_assert(root_is(state, "/srv/old root") && access(kept, F_OK) < 0);

        /* Under its own root: a write that fails stays on record, with that root. */
        ck_assert_int_eq(sim_fail_writes(be, "hot", CG_MEMORY_HIGH, -EIO, 2), 0);   /* and at its stop */
        ck_assert_int_eq(daemon_restore_only(be, &(struct daemon_options){
                .state_file = state, .cgroup_root = "/srv/old root" }, ""), -EBUSY);
        ck_assert(state_has(state, "hot", CG_MEMORY_HIGH));
        ck_assert(root_is(state, "/srv/old root"));
        ck_assert_int_eq(daemon_restore_only(be, &(struct daemon_options){
                .state_file = state, .cgroup_root = "/srv/old root" }, ""), 0);
        ck_assert_uint_eq(sim_high(be, "hot"), UINT64_MAX);
        ck_assert_int_eq(access(state, F_OK), -1);
        sim_destroy(be);
        state_unlock_file(state);
}
END_TEST

/* Sends the process SIGTERM once a write to a cgroup begins (the eventfd says so). */
static void *sigterm_at_write(void *arg)
{
        int fd = *(int *)arg;
        uint64_t n;
        sigset_t term;

        sigemptyset(&term);
        sigaddset(&term, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &term, NULL);   /* for the thread in the write, whose write it ends */
        if (read(fd, &n, sizeof(n)) == (ssize_t)sizeof(n))
                kill(getpid(), SIGTERM);
        return NULL;
}

/*
 * A SIGTERM while values are being put back, at the start (a killed run's)
 * or at the stop (a second ^C, a repeated kill), is caught: it does not end
 * the process with them still held.
 */
START_TEST(sigterm_during_a_restore_is_caught)
{
        struct config_errors errs = {};
        struct config *cfg = NULL;
        char state[64];
        struct backend *be = killed_run(state, sizeof(state));
        int fd = eventfd(0, EFD_CLOEXEC);
        struct daemon d;
        pthread_t t;

        ck_assert_int_ge(fd, 0);
        sim_set_write_delay(be, 2 * 1000 * 1000, fd);
        ck_assert_int_eq(pthread_create(&t, NULL, sigterm_at_write, &fd), 0);
        ck_assert_int_eq(config_load_string("[cgroup hot]\nsoft_limit = 64M\n", "daemon.conf", &cfg, &errs), 0);
        ck_assert_int_eq(daemon_init(&d, cfg, be, &(struct daemon_options){
                .config_file = "daemon.conf", .state_file = state }), 0);
        ck_assert_int_eq(pthread_join(t, NULL), 0);
        ck_assert_uint_eq(sim_high(be, "hot"), UINT64_MAX);   /* the killed run's value, put back */

        /* Held again, then stopped: the restore's write is where the second SIGTERM lands. */
        ck_assert_int_ge(engine_refresh(&d.engine), 0);
        ck_assert_int_eq(adjust_set(&d.engine, engine_find(&d.engine, "hot"), CG_MEMORY_HIGH, 100 * MiB), 0);
        ck_assert_int_eq(pthread_create(&t, NULL, sigterm_at_write, &fd), 0);
        ck_assert_int_eq(daemon_done(&d), 0);
        ck_assert_int_eq(pthread_join(t, NULL), 0);
        ck_assert_uint_eq(sim_high(be, "hot"), UINT64_MAX);
        close(fd);
        sim_destroy(be);
        state_unlock_file(state);
}
END_TEST

/*
 * A 64-bit kernel keeps at most PAGE_COUNTER_MAX (LONG_MAX / PAGE_SIZE) pages and
 * shows that many as "max": the largest value that reads back as a number is
 * one page fewer. reclaimd records anything past it as max, so that a restore
 * or the next hold recognises what the kernel shows.
 */
START_TEST(values_past_the_page_counter_are_max)
{
        const uint64_t page = page_bytes(), page_counter_max = (uint64_t)INT64_MAX / page;

        ck_assert_uint_eq(adjust_in_pages(1), page);
        ck_assert_uint_eq(adjust_in_pages((page_counter_max - 1) * page), (page_counter_max - 1) * page);
        ck_assert_uint_eq(adjust_in_pages((page_counter_max - 1) * page - 1), (page_counter_max - 1) * page);
        ck_assert_uint_eq(adjust_in_pages((page_counter_max - 1) * page + 1), UINT64_MAX);
        ck_assert_uint_eq(adjust_in_pages(page_counter_max * page), UINT64_MAX);
        ck_assert_uint_eq(adjust_in_pages(UINT64_MAX - 1), UINT64_MAX);
        ck_assert_uint_eq(adjust_in_pages(UINT64_MAX), UINT64_MAX);
}
END_TEST

/* Cgroup a as a killed run left it, clamped at 100M, and its state file holding text. */
static void setup_killed_run(struct fixture *f, const char *text)
{
        setup(f, "[cgroup a]\nsoft_limit = 1M\n");
        ck_assert_int_eq(sim_add_cgroup(f->be, "a", 0, 10 * MiB), 0);
        ck_assert_int_eq(sim_set_high(f->be, "a", 100 * MiB), 0);
        write_file(f->state, text);
}

/* The next start's engine, on f's state file, before its restore. */
static void next_engine(struct fixture *f, struct engine *next)
{
        ck_assert_int_eq(engine_init(next, f->be, f->cfg, false, observer(f), fake_clock), 0);
        next->state_file = f->state;
}

/* What state.rejected, the state file a start kept, holds ("" when there is none). */
static const char *rejected(const char *state)
{
        static char buf[512];
        char path[128];
        char *text;

        snprintf(path, sizeof(path), "%s.rejected", state);
        text = read_text(path);
        snprintf(buf, sizeof(buf), "%s", text ?: "");
        free(text);
        return buf;
}

static bool file_holds(const char *path, const char *text)
{
        char *got = read_text(path);
        bool same = got && strcmp(got, text) == 0;

        free(got);
        return same;
}

/*
 * A state file with lines the start cannot use: the good records are put
 * back (or kept, when their write fails), and the whole file, bad lines and
 * all, is kept byte for byte as FILE.rejected (FILE.rejected.1 beside an
 * older one, which may hold values held under another root, and stays),
 * before the state file is rewritten or removed: the warning names it, and
 * the operator (or a fixed version) can still put those values back.
 */
START_TEST(unusable_state_lines_are_kept_as_rejected)
{
        static const char text[] = "reclaimd-state 3\nmemory.high max 100M max a\n"
                                   "memory.low 0 256M 256M b/../b\nmemory.high max 50M max c\n"
                                   "memory.high 300M 100M 572M a\n";
        char old[128];
        struct fixture f;

        setup(&f, "[cgroup a]\nsoft_limit = 1M\n");
        for (const char *const *cg = (const char *const[]){ "a", "b", "c", NULL }; *cg; cg++)
                ck_assert_int_eq(sim_add_cgroup(f.be, *cg, 0, 10 * MiB), 0);
        ck_assert_int_eq(sim_set_high(f.be, "a", 100 * MiB), 0);
        ck_assert_int_eq(sim_set_high(f.be, "c", 50 * MiB), 0);
        ck_assert_int_eq(sim_set_protection(f.be, "b", 0, 256 * MiB), 0);
        ck_assert_int_eq(sim_fail_writes(f.be, "c", CG_MEMORY_HIGH, -EIO, 1), 0);
        snprintf(old, sizeof(old), "%s.rejected", f.state);
        write_file(old, "an older rejected file\n");
        write_file(f.state, text);

        restart_and_restore(&f);
        ck_assert_uint_eq(sim_high(f.be, "a"), UINT64_MAX);
        ck_assert_uint_eq(sim_low(f.be, "b"), 256 * MiB);   /* malformed: never applied */
        ck_assert_uint_eq(sim_high(f.be, "c"), 50 * MiB);   /* its write failed: kept on record */
        ck_assert(state_has(f.state, "c", CG_MEMORY_HIGH));
        ck_assert(!state_has(f.state, "a", CG_MEMORY_HIGH));
        ck_assert_str_eq(rejected(f.state), "an older rejected file\n");
        snprintf(old, sizeof(old), "%s.rejected.1", f.state);
        ck_assert(file_holds(old, text));
        teardown(&f);
}
END_TEST

/*
 * A root line reclaimd never writes leaves the paths' root unknown: no
 * record is applied, under this root or any, and the file stays whole.
 */
START_TEST(state_with_a_bad_root_line_is_not_applied)
{
        static const char text[] = "reclaimd-state 3\nmemory.high max 100M max a\n#cgroup-root /elsewhere\n";
        struct fixture f;
        struct state st;

        setup(&f, "[cgroup a]\nsoft_limit = 1M\n");
        ck_assert_int_eq(sim_add_cgroup(f.be, "a", 0, 10 * MiB), 0);
        ck_assert_int_eq(sim_set_high(f.be, "a", 100 * MiB), 0);
        write_file(f.state, text);
        ck_assert_int_eq(engine_restore(&f.e, &st), -EXDEV);
        ck_assert(st.bad_root && !st.root);
        state_clear(&st);
        ck_assert_uint_eq(sim_high(f.be, "a"), 100 * MiB);
        ck_assert(f.e.reject_pending);   /* kept aside before any save of this run replaces it */
        ck_assert(file_holds(f.state, text));
        teardown(&f);
}
END_TEST

/* A file of another format (a newer reclaimd's, after a downgrade): nothing applied, all of it kept. */
START_TEST(unknown_state_format_is_kept_as_rejected)
{
        static const char text[] = "reclaimd-state 99\nmemory.high max 100M max a 12 whatever\n";
        struct fixture f;

        setup_killed_run(&f, text);
        restart_and_restore(&f);
        ck_assert_uint_eq(sim_high(f.be, "a"), 100 * MiB);
        ck_assert_int_eq(access(f.state, F_OK), -1);
        ck_assert_str_eq(rejected(f.state), text);
        teardown(&f);
}
END_TEST

/*
 * When the file cannot be kept, it is not replaced either: the records of
 * this run are not saved (nothing is changed, as when the state file cannot
 * be written) until it can be.
 */
START_TEST(state_file_not_replaced_until_kept)
{
        static const char text[] = "reclaimd-state 3\nmemory.high max 100M max a\ngarbage\n";
        char tmp[128];
        struct fixture f;
        struct engine next;
        struct state st;
        char *now;

        setup_killed_run(&f, text);
        snprintf(tmp, sizeof(tmp), "%s.rejected.tmp", f.state);
        ck_assert_int_eq(mkdir(tmp, 0700), 0);   /* in the way: neither linked nor copied */
        next_engine(&f, &next);
        ck_assert_int_eq(engine_restore(&next, &st), 0);
        state_clear(&st);
        ck_assert_uint_eq(sim_high(f.be, "a"), UINT64_MAX);
        ck_assert_uint_gt(f.state_errors, 0);
        now = read_text(f.state);
        ck_assert_msg(now && strcmp(now, text) == 0, "the state file was replaced before it was kept");
        free(now);
        ck_assert_int_eq(rmdir(tmp), 0);
        ck_assert_int_eq(adjust_persist(&next), 0);
        ck_assert_int_eq(access(f.state, F_OK), -1);
        ck_assert_str_eq(rejected(f.state), text);
        engine_done(&next);
        teardown(&f);
}
END_TEST

/*
 * A cgroup removed and made again at its path while no reclaimd ran (a
 * service systemd restarted in the crash window) is another cgroup, even
 * when its own value equals the one reclaimd wrote to the first: the record
 * is of a cgroup that is gone, and the new one's value stays.
 */
START_TEST(restore_skips_a_cgroup_made_again)
{
        struct fixture f;
        struct cgroup *cg;

        cg = setup_hot(&f, "[cgroup hot]\nsoft_limit = 64M\n");
        ck_assert_int_eq(adjust_set(&f.e, cg, CG_MEMORY_HIGH, 100 * MiB), 0);
        ck_assert(state_has(f.state, "hot", CG_MEMORY_HIGH));
        /* SIGKILL; the service restarts, its unit setting MemoryHigh=100M. */
        ck_assert_int_eq(sim_remove_cgroup(f.be, "hot"), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "hot", 400 * MiB, 0), 0);
        ck_assert_int_eq(sim_set_high(f.be, "hot", 100 * MiB), 0);
        restart_and_restore(&f);
        ck_assert_int_eq(f.outcomes[0], RESTORE_GONE);
        ck_assert_int_eq(f.errs[0], -ESTALE);
        ck_assert_msg(sim_high(f.be, "hot") == 100 * MiB, "the new cgroup's own memory.high was overwritten");
        ck_assert_int_eq(access(f.state, F_OK), -1);
        teardown(&f);
}
END_TEST

/*
 * A state file written before cgroup ids (no "#cgroup-id" lines) is still
 * put back after an upgrade, judged on the values alone as that version
 * did; and a record whose cgroup is the one it was taken on is put back.
 */
START_TEST(restore_reads_files_without_an_id)
{
        struct fixture f;
        struct cgroup *cg;

        setup_killed_run(&f, "reclaimd-state 3\nmemory.high max 100M max a\n");
        restart_and_restore(&f);
        ck_assert_int_eq(f.outcomes[0], RESTORE_DONE);
        ck_assert_uint_eq(sim_high(f.be, "a"), UINT64_MAX);
        teardown(&f);

        cg = setup_hot(&f, "[cgroup hot]\nsoft_limit = 64M\n");
        ck_assert_int_eq(adjust_set(&f.e, cg, CG_MEMORY_HIGH, 100 * MiB), 0);
        restart_and_restore(&f);
        ck_assert_int_eq(f.outcomes[0], RESTORE_DONE);
        ck_assert_uint_eq(sim_high(f.be, "hot"), UINT64_MAX);
        teardown(&f);
}
END_TEST

/*
 * A state file someone else could have written is never applied: with -s in
 * a shared folder, any user could otherwise have root raise any cgroup's
 * memory.high to max. It is left as it was, for the operator to look at.
 */
START_TEST(untrusted_state_file_is_not_applied)
{
        static const char text[] = "reclaimd-state 3\nmemory.high max 100M max a\n";
        struct fixture f;
        struct engine next;
        struct state st;
        char *kept;

        setup_killed_run(&f, text);
        next_engine(&f, &next);
        for (int i = 0; i < 2; i++) {
                if (i == 0)
                        ck_assert_int_eq(chmod(f.state, 0620), 0);   /* the group may write it */
                else if (geteuid() == 0)
                        ck_assert_int_eq(chmod(f.state, 0600) | chown(f.state, 65534, 65534), 0);
                else
                        break;   /* only root gives a file away */
                ck_assert_int_eq(engine_restore(&next, &st), (i == 0 ? -EACCES : -EPERM));
                state_clear(&st);
                ck_assert_uint_eq(f.n_outcomes, 0);
                ck_assert_msg(sim_high(f.be, "a") == 100 * MiB, "case %d: an untrusted record was applied", i);
                kept = read_text(f.state);
                ck_assert_str_eq(kept, text);
                free(kept);
        }
        /* The first save replaces it (no record: removes it), and keeps it first. */
        ck_assert_int_eq(adjust_persist(&next), 0);
        ck_assert_int_eq(access(f.state, F_OK), -1);
        ck_assert_str_eq(rejected(f.state), text);
        engine_done(&next);
        /* The operator makes it reclaimd's again: now it is applied. */
        write_file(f.state, text);
        restart_and_restore(&f);
        ck_assert_int_eq(f.outcomes[0], RESTORE_DONE);
        ck_assert_uint_eq(sim_high(f.be, "a"), UINT64_MAX);
        teardown(&f);
}
END_TEST

/* A stop after an ancestor went with its children, before a pass found it: nothing is left to put back. */
START_TEST(stop_after_an_ancestor_went)
{
        static const char conf[] = "[balance]\ntrim = no\n[reclaim]\nmin_chunk = 1M\n"
                                   "[cgroup p/batch]\nsoft_limit = 64M\n[cgroup p/web]\nsoft_limit = 256M\n";
        struct fixture f;

        setup(&f, conf);
        ck_assert_int_eq(sim_add_cgroup(f.be, "p", 0, 0), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "p/batch", 0, 200 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "p/web", 100 * MiB, 0), 0);
        ck_assert_int_ge(engine_balance_check(&f.e, f.cfg, false, NULL, NULL), 0);
        ck_assert_uint_gt(sim_low(f.be, "p"), 0);
        ck_assert_int_eq(sim_remove_cgroup(f.be, "p/batch"), 0);
        ck_assert_int_eq(sim_remove_cgroup(f.be, "p/web"), 0);
        ck_assert_int_eq(sim_remove_cgroup(f.be, "p"), 0);
        engine_release(&f.e, f.cfg, true);   /* a SIGTERM before the next check */
        ck_assert_int_eq(engine_count_protected(&f.e), 0);
        ck_assert_int_eq(hierarchy_held(&f.e), 0);   /* else the stop fails (-EBUSY) */
        ck_assert(!state_has(f.state, "p", CG_MEMORY_LOW));
        teardown(&f);
}
END_TEST

/*
 * A release step less than a page under the operator's memory.high rounds
 * to it: that is the original put back, not a hold at the original (a
 * record a start would refuse), and the cgroup is clamped no more.
 */
START_TEST(release_step_rounding_to_the_original)
{
        const uint64_t v = 100 * MiB + 4096, x = v + (v >> 2) + 3072;   /* x: whole pages */
        struct fixture f;
        struct cgroup *cg = setup_hot(&f, "[reclaim]\nmin_chunk = 1M\n[cgroup hot]\nsoft_limit = 64M\n");
        struct state st;

        ck_assert_uint_eq(x % 4096, 0);
        ck_assert_int_eq(sim_set_high(f.be, "hot", x), 0);   /* the operator's */
        ck_assert_int_eq(adjust_set(&f.e, cg, CG_MEMORY_HIGH, v), 0);
        engine_release(&f.e, f.cfg, false);   /* a step of a quarter up: x less 1 KiB */
        ck_assert_uint_eq(sim_high(f.be, "hot"), x);
        ck_assert(!cg->high.active);
        ck_assert(!state_has(f.state, "hot", CG_MEMORY_HIGH));
        ck_assert_int_eq(state_load(f.state, &st), -ENOENT);   /* nothing on record: no file */
        teardown(&f);
}
END_TEST

static const char *watched_state;
static bool clamped_without_record;

/* At each cgroup found gone: is hot, clamped still (its restore failed), on record? */
static void on_gone_check_record(void *userdata, const char *path, int err)
{
        if (watched_state && sim_high(((struct fixture *)userdata)->be, "hot") != UINT64_MAX &&
            !state_has(watched_state, "hot", CG_MEMORY_HIGH))
                clamped_without_record = true;
}

/*
 * A reload drops hot, whose restore fails (its record moves to the new
 * engine), and hot2, removed meanwhile. The old engine, forgetting hot2,
 * must not save its own records -- without hot's, which moved: a SIGKILL
 * before the new engine's save would leave hot clamped with no record.
 */
START_TEST(reload_never_saves_the_old_engines_records)
{
        struct fixture f;

        clamp_hot_and_hot2(&f);
        f.obs.cgroup_gone = f.e.obs.cgroup_gone = on_gone_check_record;
        ck_assert_int_eq(sim_fail_writes(f.be, "hot", CG_MEMORY_HIGH, -EIO, 1), 0);
        ck_assert_int_eq(sim_remove_cgroup(f.be, "hot2"), 0);
        watched_state = f.state;
        clamped_without_record = false;
        reload_to(&f, load_config("[cgroup other]\nsoft_limit = 64M\n"));
        watched_state = NULL;
        ck_assert_uint_eq(sim_high(f.be, "hot"), 100 * MiB);   /* still clamped */
        ck_assert(state_has(f.state, "hot", CG_MEMORY_HIGH));
        ck_assert(!clamped_without_record);
        teardown(&f);
}
END_TEST

/*
 * A start that could not put back the clamp of a (memory.high 100M, from
 * max) that text records: kept on the managed a, to go back later.
 */
static void keep_a_clamp(struct fixture *f, const char *text)
{
        struct state st;

        ck_assert_int_eq(sim_add_cgroup(f->be, "a", 0, 10 * MiB), 0);
        ck_assert_int_eq(sim_set_high(f->be, "a", 100 * MiB), 0);
        write_file(f->state, text);
        ck_assert_int_eq(sim_fail_writes(f->be, "a", CG_MEMORY_HIGH, -EIO, 1), 0);
        engine_restore(&f->e, &st);
        state_clear(&st);
        ck_assert_int_eq(engine_count_clamped(&f->e), 1);
}

/*
 * A clamp a start could not put back, kept on the managed cgroup a, whose
 * state line names the cgroup by its id: a removed, and made again at that
 * path with a memory.high of its own that happens to be the one recorded.
 * The record is of the old a; the new one's value is its own.
 */
START_TEST(kept_record_is_of_its_cgroup_not_its_path)
{
        struct backend_cgroup *bc;
        struct fixture f;
        char text[256];
        uint64_t id;

        setup(&f, "[cgroup a]\nsoft_limit = 1M\n");
        ck_assert_int_eq(sim_add_cgroup(f.be, "a", 0, 10 * MiB), 0);
        ck_assert_int_eq(f.be->ops->open_cgroup(f.be, "a", &bc), 0);
        ck_assert_int_eq(f.be->ops->cgroup_id(f.be, bc, &id), 0);
        f.be->ops->close_cgroup(f.be, bc);
        snprintf(text, sizeof(text), "reclaimd-state 3\n#cgroup-id %" PRIu64 "\nmemory.high max 100M max a\n", id);
        keep_a_clamp(&f, text);
        ck_assert_int_eq(sim_remove_cgroup(f.be, "a"), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "a", 0, 10 * MiB), 0);
        ck_assert_int_eq(sim_set_high(f.be, "a", 100 * MiB), 0);
        ck_assert_int_ge(engine_refresh(&f.e), 0);
        ck_assert_int_eq(engine_count_clamped(&f.e), 0);
        ck_assert(!state_has(f.state, "a", CG_MEMORY_HIGH));
        ck_assert_int_ge(engine_refresh(&f.e), 0);   /* managed again, as new */
        ck_assert_ptr_nonnull(engine_find(&f.e, "a")->be);
        engine_release(&f.e, f.cfg, true);
        ck_assert_uint_eq(sim_high(f.be, "a"), 100 * MiB);

        /* The same, stopped before any refresh: the stop's restore tells them apart too. */
        write_file(f.state, text);
        restart_and_restore(&f);   /* a's write fails no more: the line is of the old a, not put back */
        ck_assert_uint_eq(sim_high(f.be, "a"), 100 * MiB);
        teardown(&f);
}
END_TEST

/* A clamp a start could not put back, kept on the managed cgroup a, which is then removed: dropped, not held for ever. */
START_TEST(kept_record_of_a_removed_cgroup_is_dropped)
{
        static const char conf[] = "[cgroup a]\nsoft_limit = 1M\n";
        static const char text[] = "reclaimd-state 3\nmemory.high max 100M max a\n";
        struct fixture f;

        setup(&f, conf);
        keep_a_clamp(&f, text);
        ck_assert_int_eq(sim_remove_cgroup(f.be, "a"), 0);
        ck_assert_int_ge(engine_refresh(&f.e), 0);
        ck_assert_int_eq(engine_count_clamped(&f.e), 0);
        ck_assert(!state_has(f.state, "a", CG_MEMORY_HIGH));
        teardown(&f);

        /* The same, stopped before any refresh: the stop finds it gone, and nothing is left counted. */
        setup(&f, conf);
        keep_a_clamp(&f, text);
        ck_assert_int_eq(sim_remove_cgroup(f.be, "a"), 0);
        engine_release(&f.e, f.cfg, true);
        ck_assert_int_eq(engine_count_clamped(&f.e), 0);
        teardown(&f);
}
END_TEST

/*
 * An ancestor holding two values, one of which ends (its floor, as none is
 * over any more) while the other stays (a restore that keeps failing): the
 * one that ended leaves the state file at once, as a cgroup's last does.
 */
START_TEST(ancestors_ended_value_leaves_the_file)
{
        struct fixture f;
        struct state st;

        setup(&f, "[balance]\ntrim = no\n[cgroup p/batch]\nsoft_limit = 64M\n[cgroup p/web]\nsoft_limit = 256M\n");
        ck_assert_int_eq(sim_add_cgroup(f.be, "p", 0, 0), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "p/batch", 0, 200 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "p/web", 100 * MiB, 0), 0);
        ck_assert_int_eq(sim_set_high(f.be, "p", 100 * MiB), 0);
        write_file(f.state, "reclaimd-state 3\nmemory.high max 100M max p\n");
        ck_assert_int_eq(sim_fail_writes(f.be, "p", CG_MEMORY_HIGH, -EIO, 1000), 0);
        engine_restore(&f.e, &st);
        state_clear(&st);
        ck_assert_int_ge(engine_balance_check(&f.e, f.cfg, false, NULL, NULL), 0);
        ck_assert_uint_gt(sim_low(f.be, "p"), 0);
        ck_assert(state_has(f.state, "p", CG_MEMORY_LOW));
        ck_assert_int_eq(sim_add_cgroup(f.be, "p/batch", 0, 60 * MiB), 0);   /* at its soft limit */
        ck_assert_int_ge(engine_balance_check(&f.e, f.cfg, false, NULL, NULL), 0);
        ck_assert_uint_eq(sim_low(f.be, "p"), 0);
        ck_assert(!state_has(f.state, "p", CG_MEMORY_LOW));
        ck_assert(state_has(f.state, "p", CG_MEMORY_HIGH));   /* still to put back */
        sim_fail_writes(f.be, "p", CG_MEMORY_HIGH, 0, 0);
        teardown(&f);
}
END_TEST

CHECK_MAIN("restore", restore_at_start_keeps_what_failed, release_step_is_recorded_before_written,
           reload_keeps_what_it_could_not_restore, reload_out_of_memory_loses_no_record,
           restore_at_start_out_of_memory_keeps_the_file,
           read_error_after_a_step_keeps_the_records,
           operator_change_survives_the_next_hold, operator_stricter_high_is_not_raised,
           hold_never_crosses_the_original, floor_of_new_top_stays_at_the_operators,
           status_shows_the_operators_value,
           reload_counts_only_what_it_put_back, reload_does_not_count_what_another_set, clamps_fit_the_soft_limits, failed_release_told_once,
           failed_first_write_leaves_no_record, stop_restores_the_ancestors, values_past_the_page_counter_are_max,
           kept_values_go_back_while_running, restore_at_start_of_a_removed_cgroup,
           failed_start_puts_back_what_a_killed_run_held, stop_that_cannot_put_back_fails,
           sigterm_during_a_restore_is_caught,
           untrusted_state_file_is_not_applied, unusable_state_lines_are_kept_as_rejected,
           unknown_state_format_is_kept_as_rejected, state_file_not_replaced_until_kept,
           restore_skips_a_cgroup_made_again, restore_reads_files_without_an_id,
           state_of_another_root_is_not_applied, state_with_a_bad_root_line_is_not_applied,
           mass_removal_saves_once, explain_says_a_restore_to_retry, stop_after_an_ancestor_went,
           release_step_rounding_to_the_original, reload_never_saves_the_old_engines_records,
           kept_record_is_of_its_cgroup_not_its_path, kept_record_of_a_removed_cgroup_is_dropped,
           ancestors_ended_value_leaves_the_file)
