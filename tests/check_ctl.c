/*
 * Unit tests: what reclaimctl shows. explain's sentences for each rule (from
 * snapshots built here), status and explain against the simulated kernel
 * (hostile names escaped, an answer while a write blocks), and the whole
 * path over a private bus with the installed policy: reclaimctl's words and
 * exit codes, root only.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "adjust.h"
#include "backend-sim.h"
#include "bus.h"
#include "check-capture.h"
#include "check-files.h"
#include "check-main.h"
#include "ctl.h"
#include "daemon.h"
#include "escape.h"
#include "explain.h"
#include "log.h"
#include "snapshot.h"
#include "metrics.h"
#include "status.h"
#include "util.h"

#define MiB (1ULL << 20)
#define NO_BUS "unix:path=/nonexistent/reclaimd-test-bus"

/* ---- explain, rule by rule ---- */

static char *explain(const struct snapshot *s, const char *path, bool exists, int expect)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(explain_write(f, s, NULL, path, exists), expect);
        fclose(f);
        fputs(text, stderr);
        return text;
}

/* What a writer of the status or the metrics writes of s. */
static char *written(int (*write)(FILE *, const struct snapshot *), const struct snapshot *s)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(write(f, s), 0);
        fclose(f);
        return text;
}

static int metrics_all(FILE *f, const struct snapshot *s)
{
        return metrics_write(f, s, 10);
}

/* A snapshot of one managed cgroup "web" (20M of a 64M soft limit) after a system round at t = 100 s. */
static void one_cgroup(struct snapshot *s, struct snapshot_cgroup *c, enum cg_reason reason, uint64_t value)
{
        *s = (struct snapshot){ .now_usec = 100000000, .cgroups = c, .n_cgroups = 1 };
        *c = (struct snapshot_cgroup){
                .path = (char *)"web", .section = (char *)"web", .section_file = (char *)"t.conf", .section_line = 3,
                .exists = true, .soft_limit = 64 * MiB, .current = 20 * MiB,
                .decision = { .reason = reason, .proportional = true, .priority = 7, .value = value },
                .round = { .ran = true, .verdict = POLICY_DONE_SHORT, .largest_over = (char *)"batch.slice",
                           .at_usec = 99000000 },
        };
}

START_TEST(explain_names_each_rule)
{
        static const struct {
                enum cg_reason reason;
                uint64_t value;
                const char *said;
        } cases[] = {
                { REASON_THRASHING, 640, "- refaulted 640‰ of what was taken: left out as thrashing (" },
                { REASON_AT_MIN, 20 * MiB, "- at memory.min (20.0M): nothing above it to take (memory.min is never crossed)" },
                { REASON_BELOW_LOW, 32 * MiB, "- under memory.low (32.0M): left alone (memory.low protects" },
                { REASON_NONE, 0, "- under its soft limit while batch.slice was over (cgroups under their soft limits" },
                { REASON_RECLAIMED, 2 * MiB, "- asked its share, 0B, freed 2.0M, at priority 7 (no cgroup in scope was over" },
        };
        struct snapshot_cgroup c;
        struct snapshot s;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *text;

                one_cgroup(&s, &c, cases[i].reason, cases[i].value);
                text = explain(&s, "web", true, 0);
                ck_assert_msg(strstr(text, cases[i].said), "case %zu: no \"%s\" in:\n%s", i, cases[i].said, text);
                ck_assert_msg(strstr(text, "web: managed by [cgroup web] (t.conf:3).\n"), "%s", text);
                free(text);
        }
}
END_TEST

START_TEST(explain_says_what_holds_now)
{
        struct snapshot_trigger t = { .backoff_until_usec = 160000000,
                                      .last = { .ran = true, .requested = 100 * MiB, .reclaimed = 3 * MiB } };
        struct snapshot_cgroup c;
        struct snapshot s;
        char *text, clock[16], want[160];

        one_cgroup(&s, &c, REASON_NONE, 0);
        s.triggers = &t;
        s.n_triggers = 1;
        s.n_over = 0;       /* within its margin: the floors still hold for it (policy_note_over()) */
        s.n_held_over = 1;
        c.low_adj = (struct adjust){ .active = true, .original = 0, .value = 64 * MiB };
        c.low_since_usec = 90000000;
        text = explain(&s, "web", true, 0);
        snprintf(want, sizeof(want), "- backing off until %s after a round for system freed 3 %% of what it asked",
                 status_clock(&s, 160000000, clock, sizeof(clock)));
        ck_assert_msg(strstr(text, want), "no \"%s\" in:\n%s", want, text);
        ck_assert_ptr_nonnull(strstr(text, "- memory.low is held at 64.0M (was 0B) since "));
        ck_assert_ptr_nonnull(strstr(text, ", because 1 managed cgroup is over its soft limit ([balance] protect"));

        /* Above its soft limit, but held there by memory.min: not "under its soft limit". */
        c.current = 80 * MiB;
        c.files_read = true;
        c.min = 80 * MiB;
        free(text);
        text = explain(&s, "web", true, 0);
        ck_assert_ptr_nonnull(strstr(text, "- over its soft limit, but at memory.min (80.0M): nothing above it to take"));
        ck_assert_ptr_null(strstr(text, "under its soft limit while"));
        free(text);
        c.files_read = false;

        /* Within the margin: held over (it came from further over), or not. */
        c.current = 65 * MiB;
        c.held_over = true;
        text = explain(&s, "web", true, 0);
        ck_assert_msg(strstr(text, "- within 2 MiB of its soft limit (at 65.0M): its excess is no longer asked for, but "
                                   "it came from further over, so the others stay held until it is back at the limit"),
                      "%s", text);
        free(text);
        /* Status and metrics count it for the floors, not as over. */
        text = written(status_write_text, &s);
        ck_assert_msg(strstr(text, ": 1 cgroups managed, 0 over their soft limit (1 counted for the floors), "), "%s",
                      text);
        free(text);
        text = written(status_write_json, &s);
        ck_assert_msg(strstr(text, ",\"over_soft_limit\":false,\"held_over\":true,"), "%s", text);
        free(text);
        text = written(metrics_all, &s);
        ck_assert_msg(strstr(text, "\nreclaimd_cgroups_over_soft_limit 0\n"), "%s", text);
        ck_assert_msg(strstr(text, "\nreclaimd_cgroups_held_over 1\n"), "%s", text);
        free(text);
        c.high_adj = (struct adjust){ .active = true, .original = UINT64_MAX, .value = 66 * MiB };
        text = explain(&s, "web", true, 0);
        ck_assert_msg(strstr(text, "- within 2 MiB of its soft limit (at 65.0M): its excess is no longer asked for, but "
                                   "it is held by memory.high at 66.0M, which a round lowers to the limit; the "
                                   "others stay held until it is there"),
                      "%s", text);
        free(text);
        /* Held at the limit already: nothing more for a round to lower. */
        c.high_adj.value = c.soft_limit;
        text = explain(&s, "web", true, 0);
        ck_assert_msg(strstr(text, "it came from further over, so the others stay held until it is back at the limit"),
                      "%s", text);
        free(text);
        c.high_adj = (struct adjust){};
        c.held_over = false;
        text = explain(&s, "web", true, 0);
        ck_assert_msg(strstr(text, "- within 2 MiB of its soft limit (at 65.0M): counted as at it, not over"), "%s", text);
        free(text);
        c.current = 20 * MiB;

        /* A system round on a machine that was not short; the balancer's trim. */
        c.round.verdict = POLICY_DONE_NO_SHORTAGE;
        text = explain(&s, "web", true, 0);
        ck_assert_ptr_nonnull(strstr(text, "- the machine was not short: free memory was above the high watermark"));
        free(text);
        c.round = (struct snapshot_round){ .ran = true, .proactive = true, .verdict = POLICY_DONE_TARGET };
        c.decision = (struct cg_decision){ .reason = REASON_RECLAIMED, .priority = 12, .value = MiB, .value2 = 2 * MiB };
        text = explain(&s, "web", true, 0);
        ck_assert_ptr_nonnull(strstr(text, "- trimmed by the balancer: asked 2.0M, freed 1.0M, at priority 12"));
        free(text);
}
END_TEST

/* A memory.min held by [balance] protect shows everywhere a held memory.low does. */
START_TEST(held_memory_min_is_shown)
{
        struct snapshot_cgroup c;
        struct snapshot s;
        char *text;

        one_cgroup(&s, &c, REASON_NONE, 0);
        s.n_over = s.n_held_over = 2;
        c.files_read = true;
        c.min = c.min_adj.value = 64 * MiB;
        c.min_adj.active = true;
        c.min_since_usec = 90000000;
        text = explain(&s, "web", true, 0);
        ck_assert_ptr_nonnull(strstr(text, "- memory.min is held at 64.0M (was 0B) since "));
        ck_assert_ptr_nonnull(strstr(text, ", because 2 managed cgroups are over their soft limits ([balance] protect: "
                                           "memory.min where memory.low would only defer"));
        ck_assert_ptr_null(strstr(text, "memory.low is held"));
        free(text);
        text = written(status_write_text, &s);
        ck_assert_msg(strstr(text, " 64.0M (was 0B) "), "%s", text);
        free(text);
        text = written(status_write_json, &s);
        ck_assert_msg(strstr(text, "\"memory_low_held\":false,\"memory_min_held\":true,"
                                   "\"memory_min_original_bytes\":0,\"memory_min_held_bytes\":67108864"), "%s", text);
        free(text);
        text = written(metrics_all, &s);
        ck_assert_msg(strstr(text, "reclaimd_cgroup_memory_min_held_bytes{cgroup=\"web\"} 67108864\n"), "%s", text);
        ck_assert_ptr_null(strstr(text, "reclaimd_cgroup_memory_low_held_bytes{"));
        free(text);
}
END_TEST

/*
 * A hold someone keeps writing over (lib/contest.c) shows as one in status,
 * in JSON, and as the counter of the metrics; one written over once, as a
 * count only.
 */
START_TEST(contested_hold_is_shown)
{
        struct snapshot_cgroup c;
        struct snapshot s;
        char *text;

        one_cgroup(&s, &c, REASON_NONE, 0);
        c.files_read = true;
        c.low = c.low_adj.value = 64 * MiB;
        c.low_adj.active = true;
        c.contests[adjust_index(CG_MEMORY_LOW)] = (struct contest){ .lost = 7, .streak = CONTEST_STREAK,
                                                                    .last_usec = 1 };
        c.contests[adjust_index(CG_MEMORY_HIGH)] = (struct contest){ .lost = 1, .streak = 1, .last_usec = 1 };
        text = explain(&s, "web", true, 0);
        ck_assert_msg(strstr(text, "- memory.low has been written over by someone else 3 times in a row, each "
                                   "within 10 minutes of the last (7 in all)"), "%s", text);
        ck_assert_ptr_null(strstr(text, "memory.high has been written over"));
        free(text);
        text = written(status_write_text, &s);
        ck_assert_msg(strstr(text, " 64.0M (was 0B), written over 7 times "), "%s", text);
        ck_assert_msg(!strstr(text, "written over 1 "), "%s", text);
        free(text);
        text = written(status_write_json, &s);
        ck_assert_msg(strstr(text, "\"memory_high_written_over\":1,\"memory_high_contested\":false,"
                                   "\"memory_low_written_over\":7,\"memory_low_contested\":true,"
                                   "\"memory_min_written_over\":0,\"memory_min_contested\":false"), "%s", text);
        free(text);
        text = written(metrics_all, &s);
        ck_assert_msg(strstr(text, "reclaimd_cgroup_holds_written_over_total{cgroup=\"web\",file=\"memory.low\"} 7\n"),
                      "%s", text);
        ck_assert_msg(strstr(text, "reclaimd_cgroup_holds_written_over_total{cgroup=\"web\",file=\"memory.high\"} 1\n"),
                      "%s", text);
        ck_assert_ptr_null(strstr(text, "file=\"memory.min\"}"));
        free(text);
}
END_TEST

/* An offender the floors give way to (policy_floors_yield()) says so until when, and how much came back. */
START_TEST(floors_yield_is_shown)
{
        struct snapshot_cgroup c;
        struct snapshot s;
        char *text;

        one_cgroup(&s, &c, REASON_NONE, 0);
        c.path = (char *)"batch";
        c.taken_permille = 750;
        c.yield_until_usec = s.now_usec + 30000000;
        text = written(status_write_text, &s);
        ck_assert_msg(strstr(text, " yes (750‰ back), left to the LRU until "), "%s", text);
        free(text);
        text = written(status_write_json, &s);
        ck_assert_msg(strstr(text, ",\"floors_yield_until\":"), "%s", text);
        ck_assert_msg(!strstr(text, ",\"floors_yield_until\":null"), "%s", text);
        ck_assert_msg(strstr(text, ",\"taken_back_permille\":750,"), "%s", text);
        free(text);

        /* Past: the floors hold again, and the column says what the refault snapshot says. */
        c.yield_until_usec = s.now_usec;
        text = written(status_write_text, &s);
        ck_assert_msg(!strstr(text, "left to the LRU"), "%s", text);
        free(text);
        text = written(status_write_json, &s);
        ck_assert_msg(strstr(text, ",\"floors_yield_until\":null,"), "%s", text);
        ck_assert_msg(strstr(text, "\"machine_floors_yield_until\":null,"), "%s", text);
        free(text);

        /* The floors given way to the whole machine: a line of their own, and the machine's keys. */
        s.floors_yield_until_usec = s.now_usec + 30000000;
        s.machine_taken_bytes = 64 << 20;
        s.machine_taken_permille = 900;
        text = written(status_write_text, &s);
        ck_assert_msg(strstr(text, "\nFloors:    let go until "), "%s", text);
        ck_assert_msg(strstr(text, ": of the 64.0M the kernel took machine-wide, 900‰ came back\n"), "%s", text);
        free(text);
        text = written(status_write_json, &s);
        ck_assert_msg(!strstr(text, "\"machine_floors_yield_until\":null"), "%s", text);
        ck_assert_msg(strstr(text, ",\"machine_taken_bytes\":67108864,\"machine_taken_back_permille\":900,"),
                      "%s", text);
        free(text);
}
END_TEST

START_TEST(explain_unmanaged_and_hostile)
{
        struct snapshot_cgroup c;
        struct snapshot s;
        char *text;

        one_cgroup(&s, &c, REASON_NONE, 0);
        text = explain(&s, "other.slice", true, 0);
        ck_assert_str_eq(text, "other.slice:\n- not managed: no section matches (only cgroups a [cgroup PATH] "
                         "section names or matches are managed).\n");
        free(text);
        free(explain(&s, "nosuch", false, -ENOENT));
        /* The other cgroup's name is its owner's: escaped, no line of its own. */
        c.round.largest_over = (char *)"ev\"il\n- at memory.min\x1b[0m";
        text = explain(&s, "web", true, 0);
        ck_assert_ptr_nonnull(strstr(text, "while ev\\\"il\\n- at memory.min\\x1b[0m was over"));
        ck_assert_ptr_null(strstr(text, "\n- at memory.min"));
        free(text);
}
END_TEST

/* ---- the daemon against the simulated kernel ---- */

struct fixture {
        struct daemon d;
        struct backend *be;
        char state[64];
        ev_prepare prepare;
        int started_fd;
        ev_io started;
        void (*on_started)(struct fixture *f);
        unsigned rounds_wanted;
};

static void on_round_idle(struct ev_loop *loop, ev_prepare *w, int revents)
{
        struct fixture *f = container_of(w, struct fixture, prepare);

        if (f->d.scopes[0].rounds >= f->rounds_wanted && !f->d.worker.busy)
                ev_break(loop, EVBREAK_ALL);
}

static void on_started(struct ev_loop *loop, ev_io *w, int revents)
{
        struct fixture *f = container_of(w, struct fixture, started);
        uint64_t n;

        if (read(f->started_fd, &n, sizeof(n)) == sizeof(n) && f->on_started)
                f->on_started(f);
}

/*
 * batch (200M, soft limit 64M), web (30M, under its 128M), a cgroup with a
 * hostile name under a glob, and "other", which no section matches.
 */
static void up_with(struct fixture *f, uint64_t write_delay_usec, const char *more)
{
        struct config_errors errs = {};
        struct config *cfg = NULL;
        char conf[1024];

        snprintf(conf, sizeof(conf), "[reclaim]\nround_target = 16M\nmin_chunk = 16M\n"
                 "[cgroup batch]\nsoft_limit = 64M\n[cgroup web]\nsoft_limit = 128M\n"
                 "[cgroup x*]\nsoft_limit = 1G\n%s", more);

        memset(f, 0, sizeof(*f));
        log_set_max_level(LOG_WARNING);
        setenv("DBUS_SYSTEM_BUS_ADDRESS", NO_BUS, 1);
        state_path(f->state, sizeof(f->state));
        ck_assert_int_eq(backend_sim_new(&f->be), 0);
        ck_assert_int_eq(sim_add_cgroup(f->be, "batch", 0, 200 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f->be, "web", 0, 30 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f->be, "x\"q\nname", 0, 5 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f->be, "other", 0, 5 * MiB), 0);
        f->started_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        sim_set_write_delay(f->be, write_delay_usec, f->started_fd);
        ck_assert_int_eq(config_load_string(conf, "ctl.conf", &cfg, &errs), 0);
        ck_assert_int_eq(daemon_init(&f->d, cfg, f->be, &(struct daemon_options){
                .config_file = "ctl.conf", .state_file = f->state }), 0);
        ck_assert_int_ge(engine_refresh(&f->d.engine), 0);
        observe_start(&f->d);
        ev_io_init(&f->started, on_started, f->started_fd, EV_READ);
        ev_io_start(f->d.loop, &f->started);
        ev_prepare_init(&f->prepare, on_round_idle);
        ev_prepare_start(f->d.loop, &f->prepare);
}

static void up(struct fixture *f, uint64_t write_delay_usec)
{
        up_with(f, write_delay_usec, "");
}

static void down(struct fixture *f)
{
        ev_prepare_stop(f->d.loop, &f->prepare);
        ev_io_stop(f->d.loop, &f->started);
        daemon_done(&f->d);
        close(f->started_fd);
        unlink(f->state);
        state_unlock_file(f->state);
}

static void one_round(struct fixture *f)
{
        f->rounds_wanted = f->d.scopes[0].rounds + 1;
        daemon_trigger(&f->d, &f->d.scopes[0]);
        ev_run(f->d.loop, 0);
}

static char *status(struct fixture *f, bool json)
{
        char *text = NULL;

        ck_assert_int_eq(bus_answer_status(&f->d, json, &text), 0);
        fputs(text, stderr);
        return text;
}

/* The line of the table that starts with prefix. */
static const char *row(const char *text, const char *prefix)
{
        for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (strncmp(p, prefix, strlen(prefix)) == 0)
                        return p;
        ck_abort_msg("no row %s in:\n%s", prefix, text);
        return NULL;
}

START_TEST(status_and_explain_from_the_simulated_kernel)
{
        struct fixture f;
        char *text, cmd[512];
        const char *err = NULL;
        FILE *p;

        up(&f, 0);
        one_round(&f);
        text = status(&f, false);
        ck_assert_ptr_nonnull(strstr(text, "reclaimd " PACKAGE_VERSION ": 3 cgroups managed, 1 over their soft limit"));
        ck_assert_ptr_nonnull(strstr(text, "Triggers:  system: some 150ms 1s, not armed; fired 1, rounds 1"));
        ck_assert_ptr_nonnull(strstr(text, "; the last: system, target_met at priority 12, freed 34.0M of 32.0M"));
        /* batch: asked a quarter of its 136M excess, 166M left, 102M over, first in line; the others under. */
        ck_assert_ptr_nonnull(strstr(row(text, "batch "), " 64.0M "));
        ck_assert_ptr_nonnull(strstr(row(text, "batch "), " 166.0M "));
        ck_assert_ptr_nonnull(strstr(row(text, "batch "), " 102.0M "));
        ck_assert_ptr_nonnull(strstr(row(text, "batch "), "reclaim 34.0M, freed 34.0M, ok, priority 12"));
        ck_assert_ptr_nonnull(strstr(row(text, "web "), " 128.0M "));
        /* Column RANK: batch 1 (the header tells where it is). */
        ck_assert_int_eq(row(text, "batch ")[strstr(row(text, "CGROUP "), "RANK") - row(text, "CGROUP ")], '1');
        ck_assert_int_eq(row(text, "web ")[strstr(row(text, "CGROUP "), "RANK") - row(text, "CGROUP ")], '-');
        ck_assert_ptr_nonnull(row(text, "x\\\"q\\nname "));
        ck_assert_ptr_null(strstr(text, "q\nname"));
        free(text);

        /* The JSON parses, and says the same (python3 reads it; CI has it). */
        text = status(&f, true);
        if (system("command -v python3 >/dev/null") != 0) {
                const char *ci = getenv("CI");

                ck_assert_msg(!ci || strcmp(ci, "true") != 0, "python3 not found (apt-get install python3): "
                              "needed under CI");
                fprintf(stderr, "SKIP the JSON check: python3 not found (apt-get install python3)\n");
                free(text);
                text = NULL;
        }
        p = !text ? NULL : popen("python3 -c 'import json,sys; d=json.load(sys.stdin); c={x[\"path\"]:x for x in d[\"cgroups\"]}; "
                  "assert c[\"batch\"][\"rank\"]==1 and c[\"batch\"][\"memory_current_bytes\"]==166*2**20, c; "
                  "assert c[\"web\"][\"rank\"] is None and c[\"web\"][\"soft_limit_bytes\"]==128*2**20; "
                  "assert \"x\\\"q\\nname\" in c and d[\"last_round\"][\"result\"]==\"target_met\"'", "w");
        if (text) {
                ck_assert_ptr_nonnull(p);
                fputs(text, p);
                ck_assert_int_eq(pclose(p), 0);
                free(text);
        }

        ck_assert_int_eq(bus_answer_explain(&f.d, "/batch/", &text, &err), 0);
        ck_assert_ptr_nonnull(strstr(text, "- reclaimed as the cgroup furthest over its soft limit: asked 34.0M, "
                                           "freed 34.0M, at priority 12 (soft-limit reclaim"));
        free(text);
        ck_assert_int_eq(bus_answer_explain(&f.d, "web", &text, &err), 0);
        ck_assert_ptr_nonnull(strstr(text, "- under its soft limit while batch was over"));
        free(text);
        ck_assert_int_eq(bus_answer_explain(&f.d, "other", &text, &err), 0);
        ck_assert_ptr_nonnull(strstr(text, "- not managed: no section matches"));
        free(text);
        ck_assert_int_eq(bus_answer_explain(&f.d, "nosuch", &text, &err), -ENOENT);
        ck_assert_str_eq(err, CTL_ERROR_NO_SUCH_CGROUP);
        ck_assert_str_eq(text, "No cgroup nosuch beneath the cgroup root, and no section matches it");
        free(text);
        /* A glob's match that does not exist is no cgroup either; the name escaped as everywhere. */
        ck_assert_int_eq(bus_answer_explain(&f.d, "x\033[31mno\nsuch", &text, &err), -ENOENT);
        ck_assert_str_eq(err, CTL_ERROR_NO_SUCH_CGROUP);
        ck_assert_str_eq(text, "No cgroup x\\x1b[31mno\\nsuch beneath the cgroup root; [cgroup x*] would manage "
                               "it once it appears");
        free(text);
        ck_assert_int_eq(bus_answer_explain(&f.d, "a/../b", &text, &err), -EINVAL);
        free(text);
        snprintf(cmd, sizeof(cmd), "%s", "x\"q\nname");
        ck_assert_int_eq(bus_answer_explain(&f.d, cmd, &text, &err), 0);
        ck_assert_ptr_nonnull(strstr(text, "x\\\"q\\nname: managed by [cgroup x*]"));
        free(text);
        /* The same, named as status prints it; a bad escape is no name. */
        ck_assert_int_eq(bus_answer_explain(&f.d, "x\\\"q\\nname", &text, &err), 0);
        ck_assert_ptr_nonnull(strstr(text, "x\\\"q\\nname: managed by [cgroup x*]"));
        free(text);
        ck_assert_int_eq(bus_answer_explain(&f.d, "x\\q", &text, &err), -ENOENT);
        free(text);
        ck_assert_int_eq(bus_answer_explain_bytes(&f.d, "web\0x", 5, &text, &err), -EINVAL);   /* no name holds NUL */
        free(text);
        ck_assert_int_eq(bus_answer_explain_bytes(&f.d, "web", 3, &text, &err), 0);
        ck_assert_ptr_nonnull(strstr(text, "web: managed by [cgroup web]"));
        free(text);
        down(&f);
}
END_TEST

/*
 * An operator's value in a file reclaimd holds is theirs, and shows as
 * theirs with a metrics file too (whose timer reads the files): never
 * reclaimd's value in place of a reading that disagrees, in the status
 * (text, JSON), after a round, or in the metrics.
 */
START_TEST(operators_value_shows_with_a_metrics_file)
{
        char dir[] = "/tmp/reclaimd-test-metrics.XXXXXX", more[256], prom[128], *text;
        struct fixture f;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(prom, sizeof(prom), "%s/reclaimd.prom", dir);
        snprintf(more, sizeof(more), "[metrics]\ntextfile = %s\n", prom);
        up_with(&f, 0, more);
        one_round(&f);   /* batch over: the floors hold web's memory.low at 128M */
        ck_assert_int_eq(sim_set_protection(f.be, "web", 0, 100 * MiB), 0);   /* the operator's */
        text = status(&f, false);
        ck_assert_ptr_nonnull(strstr(row(text, "web "), " 100.0M (set since reclaimd held 128.0M; was 0B) "));
        free(text);
        text = status(&f, true);
        ck_assert_ptr_nonnull(strstr(strstr(text, "\"path\":\"web\""), "\"memory_low_bytes\":104857600,"));
        free(text);
        /* explain says the same: theirs, not held. */
        ck_assert_int_eq(bus_answer_explain(&f.d, "web", &text, &(const char *){ NULL }), 0);
        ck_assert_msg(strstr(text, "memory.low is 100.0M, set since reclaimd held it at 128.0M (was 0B)"), "%s", text);
        ck_assert_ptr_null(strstr(text, "memory.low is held at"));
        free(text);
        /* A round that leaves web's memory.low alone keeps the reading; the metrics hold web's no longer. */
        one_round(&f);
        ck_assert_uint_eq(sim_low(f.be, "web"), 100 * MiB);
        text = read_text(prom);
        ck_assert_ptr_nonnull(strstr(text, "reclaimd_cgroup_memory_low_held_bytes{cgroup=\"batch\"} 67108864\n"));
        ck_assert_ptr_null(strstr(text, "reclaimd_cgroup_memory_low_held_bytes{cgroup=\"web\"}"));
        free(text);
        text = status(&f, false);
        ck_assert_ptr_nonnull(strstr(row(text, "web "), " 100.0M (set since reclaimd held 128.0M; was 0B) "));
        free(text);
        /* reclaimd's next write ends the operator's: read again after the round, not the reading before it. */
        ck_assert_int_eq(adjust_set(&f.d.engine, engine_find(&f.d.engine, "web"), CG_MEMORY_LOW, 120 * MiB), 0);
        one_round(&f);
        text = read_text(prom);
        ck_assert_ptr_nonnull(strstr(text, "reclaimd_cgroup_memory_low_held_bytes{cgroup=\"web\"} 134217728\n"));
        free(text);
        down(&f);
        unlink(prom);
        rmdir(dir);
}
END_TEST

/*
 * Names as the JSON status writes them read back byte for byte, and two
 * names never read the same: a byte that is not UTF-8 against the character
 * of that number, a backslash escape spelled out, a control character.
 * python3 decodes (CI has it), with surrogateescape for the lone surrogates.
 */
START_TEST(json_names_read_back_byte_for_byte)
{
        static const char *const names[] = { "bad\xff\xfe", "bad\xc3\xbf\xc3\xbe", "bad\\xff", "bad\\u00ff",
                                             "esc\x1b[31m", "q\"\n\t", "cut\xe2\x82", "ok.slice" };
        char file[] = "/tmp/reclaimd-json.XXXXXX", run[256], *line = NULL, *tok, *save = NULL;
        size_t n = 0;
        FILE *f, *p;
        int fd;

        if (system("command -v python3 >/dev/null") != 0) {
                const char *ci = getenv("CI");

                ck_assert_msg(!ci || strcmp(ci, "true") != 0, "python3 not found (apt-get install python3): "
                              "needed under CI");
                fprintf(stderr, "SKIP: python3 not found (apt-get install python3)\n");
                return;
        }
        fd = mkstemp(file);
        ck_assert_int_ge(fd, 0);
        f = fdopen(fd, "w");
        ck_assert_ptr_nonnull(f);
        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                fputs(i ? "," : "[", f);
                escape_json(f, names[i]);
        }
        fputs("]", f);
        ck_assert_int_eq(fclose(f), 0);
        /* One line: each name's bytes in hex, as python3 reads them back. */
        snprintf(run, sizeof(run), "python3 -c 'import json,sys; print(\" \".join(n.encode(\"utf-8\", "
                 "\"surrogateescape\").hex() for n in json.load(open(sys.argv[1]))))' %s", file);
        p = popen(run, "r");
        ck_assert_ptr_nonnull(p);
        ck_assert_int_gt(getline(&line, &n, p), 0);
        ck_assert_int_eq(pclose(p), 0);
        unlink(file);
        tok = strtok_r(line, " \n", &save);
        for (size_t i = 0; i < ARRAY_SIZE(names); i++, tok = strtok_r(NULL, " \n", &save)) {
                char hex[64] = "";

                for (const unsigned char *c = (const unsigned char *)names[i]; *c; c++)
                        snprintf(hex + strlen(hex), sizeof(hex) - strlen(hex), "%02x", *c);
                ck_assert_msg(tok && strcmp(tok, hex) == 0, "name %zu read back as %s, not %s", i, tok ?: "nothing",
                              hex);
        }
        free(line);
}
END_TEST

static double status_latency_ms;

static void ask_status(struct fixture *f)
{
        struct timespec a, b;
        char *text;

        clock_gettime(CLOCK_MONOTONIC, &a);
        ck_assert_int_eq(bus_answer_status(&f->d, false, &text), 0);
        clock_gettime(CLOCK_MONOTONIC, &b);
        status_latency_ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
        ck_assert(f->d.worker.busy);
        ck_assert_ptr_nonnull(strstr(text, "a round is in flight"));
        ck_assert_ptr_nonnull(strstr(text, "fired 1, rounds 1"));
        free(text);
        raise(SIGTERM);
}

/* The write would take an hour: the status answers at once from the snapshot, and says a round is in flight. */
START_TEST(status_answers_while_a_write_blocks)
{
        struct fixture f;

        up(&f, 3600ULL * 1000000);
        f.on_started = ask_status;
        ev_prepare_stop(f.d.loop, &f.prepare);
        ev_signal_start(f.d.loop, &f.d.sigterm);
        daemon_trigger(&f.d, &f.d.scopes[0]);
        ev_run(f.d.loop, 0);
        fprintf(stderr, "status answered in %.3f ms while a write blocked\n", status_latency_ms);
        sim_set_persistent(f.be);
        down(&f);
        ck_assert_uint_eq(sim_interrupted_writes(f.be), 1);
        sim_destroy(f.be);
}
END_TEST

/* ---- over a bus ---- */

struct ctl_run {
        const char *args[4];
        bool as_nobody;
        int exit_code;
        const char *said;          /* in its stdout or stderr */
};

static struct {
        char dir[64];
        pid_t bus_pid;
        struct ctl_run *runs;
        size_t n, next;
        ev_child child;
        char out[128];
        struct fixture *f;
} ctl;

/* spawn_ctl()'s exit when user nobody cannot reach reclaimctl. */
#define NOT_AS_NOBODY 95

static pid_t spawn_ctl(const struct ctl_run *run)
{
        const char *b = getenv("abs_top_builddir");
        char prog[512];
        pid_t pid;

        snprintf(prog, sizeof(prog), "%s/daemon/reclaimctl", b ? b : ".");
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                int fd = open(ctl.out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

                if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
                        _exit(98);
                if (run->as_nobody && (setgid(65534) < 0 || setuid(65534) < 0))
                        _exit(97);
                /* A build tree under a folder only root may enter (/root,
                 * a mktemp -d) cannot be reached as nobody. */
                if (run->as_nobody && access(prog, X_OK) < 0) {
                        dprintf(2, "%s: %s\n", prog, strerror(errno));
                        _exit(NOT_AS_NOBODY);
                }
                execl(prog, prog, run->args[0], run->args[1], run->args[2], (char *)NULL);
                dprintf(2, "cannot run %s%s: %s\n", prog, run->as_nobody ? " as nobody" : "", strerror(errno));
                _exit(96);
        }
        return pid;
}

static void next_ctl(struct ev_loop *loop);

static void on_ctl_exit(struct ev_loop *loop, ev_child *w, int revents)
{
        const struct ctl_run *run = &ctl.runs[ctl.next - 1];
        char buf[8192] = "";
        FILE *o = fopen(ctl.out, "r");

        ev_child_stop(loop, w);
        ck_assert_ptr_nonnull(o);
        buf[fread(buf, 1, sizeof(buf) - 1, o)] = 0;
        fclose(o);
        fprintf(stderr, "$ reclaimctl %s %s%s\n%s", run->args[0], run->args[1] ?: "", run->as_nobody ? " (as nobody)" : "",
                buf);
        if (run->as_nobody && WIFEXITED(w->rstatus) && WEXITSTATUS(w->rstatus) == NOT_AS_NOBODY) {
                fprintf(stderr, "NOT CHECKED: the bus policy against a user other than root; it needs a build tree "
                        "that user nobody can reach\n");
                next_ctl(loop);
                return;
        }
        ck_assert_msg(WIFEXITED(w->rstatus) && WEXITSTATUS(w->rstatus) == run->exit_code,
                      "reclaimctl %s: status %d, expected exit %d", run->args[0], w->rstatus, run->exit_code);
        ck_assert_msg(strstr(buf, run->said), "reclaimctl %s: no \"%s\"", run->args[0], run->said);
        next_ctl(loop);
}

static void next_ctl(struct ev_loop *loop)
{
        if (ctl.next == ctl.n) {
                ev_break(loop, EVBREAK_ALL);
                return;
        }
        ev_child_init(&ctl.child, on_ctl_exit, spawn_ctl(&ctl.runs[ctl.next++]), 0);
        ev_child_start(loop, &ctl.child);
}

/* A private bus with the policy reclaimd installs, everything else allowed. Returns false without dbus-daemon. */
static bool private_bus(void)
{
        const char *src = getenv("abs_top_srcdir");
        char conf[128], sock[128], addr[160], cwd[4096];
        FILE *c;

        /* A package build runs as a user; the policy it tests lets only root own and call the name. */
        if (geteuid() != 0) {
                fprintf(stderr, "SKIP the bus tests: they need root (the installed bus policy lets only root "
                        "own and call " CTL_BUS_NAME ")\n");
                return false;
        }
        if (system("command -v dbus-daemon >/dev/null") != 0) {
                const char *ci = getenv("CI");

                ck_assert_msg(!ci || strcmp(ci, "true") != 0, "dbus-daemon not found (apt-get install dbus): "
                              "needed under CI");
                fprintf(stderr, "SKIP the bus tests: dbus-daemon not found (apt-get install dbus)\n");
                return false;
        }
        snprintf(ctl.dir, sizeof(ctl.dir), "/tmp/reclaimd-test-bus.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(ctl.dir));
        ck_assert_int_eq(chmod(ctl.dir, 0755), 0);
        snprintf(conf, sizeof(conf), "%s/bus.conf", ctl.dir);
        snprintf(sock, sizeof(sock), "%s/bus", ctl.dir);
        snprintf(ctl.out, sizeof(ctl.out), "%s/out", ctl.dir);
        c = fopen(conf, "w");
        ck_assert_ptr_nonnull(c);
        fprintf(c, "<busconfig><listen>unix:path=%s</listen><auth>EXTERNAL</auth>"
                "<policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/>"
                "<allow send_destination=\"*\"/><allow receive_sender=\"*\"/></policy>"
                "<include>%s/dbus/org.reclaimd1.conf</include></busconfig>\n", sock,
                src ? src : getcwd(cwd, sizeof(cwd)));   /* dbus-daemon reads includes from the file's folder */
        fclose(c);
        ctl.bus_pid = fork();
        ck_assert_int_ge(ctl.bus_pid, 0);
        if (ctl.bus_pid == 0) {
                execlp("dbus-daemon", "dbus-daemon", "--nofork", "--nopidfile", "--config-file", conf, (char *)NULL);
                _exit(96);
        }
        for (int i = 0; i < 500 && access(sock, F_OK) < 0; i++)
                usleep(10000);
        ck_assert_int_eq(access(sock, F_OK), 0);
        snprintf(addr, sizeof(addr), "unix:path=%s", sock);
        setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1);
        /*
         * Until it answers: the socket's file is there from bind(), before
         * listen(), and a connection then is refused (ECONNREFUSED, seen
         * once under load, in the first test to connect right away).
         */
        for (int i = 0; i < 500; i++) {
                sd_bus *probe = NULL;
                int r = sd_bus_open_system(&probe);

                sd_bus_flush_close_unref(probe);
                if (r >= 0)
                        break;
                usleep(10000);
        }
        return true;
}

static void start_runs(struct ev_loop *loop, ev_timer *t, int revents)
{
        next_ctl(loop);
}

START_TEST(reclaimctl_over_a_bus)
{
        static struct ctl_run before[] = {
                { { "status" }, false, 69, "reclaimctl: cannot reach reclaimd: nothing owns org.reclaimd1" },
        }, runs[] = {
                { { "status" }, false, 0, "3 cgroups managed" },
                { { "--json", "status" }, false, 0, "\"cgroups\":[{\"path\":\"batch\"" },
                { { "explain", "web" }, false, 0, "- under its soft limit while batch was over" },
                { { "explain", "nosuch" }, false, 1, "reclaimctl: No cgroup nosuch beneath the cgroup root" },
                /*
                 * Not UTF-8, which a D-Bus string cannot carry: sent as bytes, never taken for
                 * the sibling whose name is that text; named as status prints it, the one
                 * with that literal name first, the escape read back when there is none.
                 */
                { { "explain", "x\xff\xfe" "bad" }, false, 0, "x\\xff\\xfebad:\n- matches [cgroup x*]" },
                { { "explain", "x\\xff\\xfebad" }, false, 0, "x\\\\xff\\\\xfebad:\n- matches [cgroup x*]" },
                { { "explain", "x\\xff\\xfe" }, false, 0, "x\\xff\\xfe:\n- matches [cgroup x*]" },
                { { "reload" }, false, 0, "Reloaded /tmp/reclaimd-test-ctl." },
                { { "status" }, true, 77, "reclaimctl: permission denied: Rejected send message" },   /* the bus policy */
                { { "frobnicate" }, false, 2, "unknown command" },
        }, nobus[] = {
                { { "status" }, false, 69, "reclaimctl: cannot reach reclaimd: no system bus" },
        };
        char conf[128] = "/tmp/reclaimd-test-ctl.XXXXXX";
        struct fixture f;
        ev_timer t;
        int status;

        if (!private_bus())
                return;
        /* No daemon on the bus yet. */
        ctl.runs = before, ctl.n = 1, ctl.next = 0;
        next_ctl(ev_default_loop(0));
        ev_run(ev_default_loop(0), 0);

        ck_assert_int_ge(close(mkstemp(conf)), 0);
        write_file(conf, "[reclaim]\nround_target = 16M\nmin_chunk = 16M\n[cgroup batch]\nsoft_limit = 64M\n"
                   "[cgroup web]\nsoft_limit = 128M\n[cgroup x*]\nsoft_limit = 1G\n");
        {
                char *addr = strdup(getenv("DBUS_SYSTEM_BUS_ADDRESS"));

                up(&f, 0);
                setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1);
                free(addr);
        }
        f.d.opt.config_file = conf;
        one_round(&f);
        ck_assert_int_eq(sim_add_cgroup(f.be, "x\xff\xfe" "bad", 0, 5 * MiB), 0);   /* under x*, not followed yet */
        ck_assert_int_eq(sim_add_cgroup(f.be, "x\\xff\\xfe" "bad", 0, 5 * MiB), 0);   /* that name as text */
        ck_assert_int_eq(sim_add_cgroup(f.be, "x\xff\xfe", 0, 5 * MiB), 0);
        bus_start(&f.d);
        ck_assert_ptr_nonnull(f.d.bus.bus);
        ctl.runs = runs, ctl.n = sizeof(runs) / sizeof(runs[0]), ctl.next = 0;
        ev_prepare_stop(f.d.loop, &f.prepare);
        ev_timer_init(&t, start_runs, 0., 0.);
        ev_timer_start(f.d.loop, &t);
        ev_run(f.d.loop, 0);
        ck_assert_uint_eq(ctl.next, ctl.n);
        down(&f);
        unlink(conf);

        kill(ctl.bus_pid, SIGTERM);
        ck_assert_int_eq(waitpid(ctl.bus_pid, &status, 0), ctl.bus_pid);
        setenv("DBUS_SYSTEM_BUS_ADDRESS", NO_BUS, 1);
        ctl.runs = nobus, ctl.n = 1, ctl.next = 0;
        next_ctl(ev_default_loop(0));
        ev_run(ev_default_loop(0), 0);
        unlink(ctl.out);
        snprintf(conf, sizeof(conf), "%s/bus.conf", ctl.dir);
        unlink(conf);
        rmdir(ctl.dir);
}
END_TEST

static void tick(struct ev_loop *loop, ev_timer *t, int revents)
{
}

/* Runs f's loop until cond holds, for at most 10 s (a 10 ms tick wakes it to look); returns whether it did. */
static bool run_until(struct fixture *f, bool (*cond)(const struct daemon *d))
{
        ev_timer poll;

        ev_timer_init(&poll, tick, 0.01, 0.01);
        ev_timer_start(f->d.loop, &poll);
        ev_now_update(f->d.loop);
        for (ev_tstamp end = ev_now(f->d.loop) + 10.; !cond(&f->d) && ev_now(f->d.loop) < end;)
                ev_run(f->d.loop, EVRUN_ONCE);
        ev_timer_stop(f->d.loop, &poll);
        return cond(&f->d);
}

static bool bus_off(const struct daemon *d)
{
        return !d->bus.bus && d->bus.retrying;
}

static bool bus_naming(const struct daemon *d)
{
        return d->bus.bus && d->bus.naming;
}

static bool bus_on(const struct daemon *d)
{
        return d->bus.bus && !d->bus.naming;   /* connected, and the name ours */
}

/* The private bus's folder, gone with the bus. */
static void remove_bus_dir(void)
{
        char conf[128];

        snprintf(conf, sizeof(conf), "%s/bus.conf", ctl.dir);
        unlink(conf);
        rmdir(ctl.dir);
}

/*
 * f up with its control interface on the private bus, trying again every
 * 50 ms once it is lost; then the bus stopped, the loss noticed, and a new
 * bus started at a new address, as after a restart, which f has not tried yet.
 */
static void bus_lost_and_restarted(struct fixture *f)
{
        char *addr = strdup(getenv("DBUS_SYSTEM_BUS_ADDRESS"));
        int status;

        up(f, 0);
        ev_prepare_stop(f->d.loop, &f->prepare);
        f->d.bus.retry_sec = 0.05;
        setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1);
        free(addr);
        bus_start(&f->d);
        ck_assert(bus_on(&f->d));
        kill(ctl.bus_pid, SIGTERM);
        ck_assert_int_eq(waitpid(ctl.bus_pid, &status, 0), ctl.bus_pid);
        ck_assert_msg(run_until(f, bus_off), "the lost bus was not noticed");
        remove_bus_dir();
        ck_assert(private_bus());
}

/* The same, the new bus frozen: the retry asks for the name and goes on, rather than wait on the loop for an answer. */
static void bus_restarted_frozen(struct fixture *f)
{
        bus_lost_and_restarted(f);
        kill(ctl.bus_pid, SIGSTOP);
        ck_assert_msg(run_until(f, bus_naming), "a retry waited on the loop for a frozen bus");
}

/* f stopped, then the private bus (frozen or not). */
static void down_and_bus_stopped(struct fixture *f)
{
        int status;

        down(f);
        kill(ctl.bus_pid, SIGCONT);
        kill(ctl.bus_pid, SIGTERM);
        ck_assert_int_eq(waitpid(ctl.bus_pid, &status, 0), ctl.bus_pid);
        setenv("DBUS_SYSTEM_BUS_ADDRESS", NO_BUS, 1);
        remove_bus_dir();
}

/*
 * The system bus restarted (or a start found no descriptor left): the
 * control interface comes back by itself, where it stayed off until
 * reclaimd restarted.
 */
START_TEST(control_interface_comes_back_with_the_bus)
{
        struct fixture f;

        if (!private_bus())
                return;
        bus_restarted_frozen(&f);
        kill(ctl.bus_pid, SIGCONT);
        ck_assert_msg(run_until(&f, bus_on), "the control interface did not come back");
        ck_assert(!f.d.bus.retrying);
        down_and_bus_stopped(&f);
}
END_TEST

static void stop_blocked(int sig)
{
        static const char msg[] = "the stop is blocked on a frozen bus: nothing held is put back\n";

        (void) !write(STDERR_FILENO, msg, sizeof(msg) - 1);
        _exit(3);
}

/*
 * A SIGTERM while the bus hangs (frozen, or half restarted) with a retry's
 * connection waiting on it: the stop does not wait for the bus, which would
 * keep every value reclaimd holds until systemd's SIGKILL.
 */
START_TEST(stop_does_not_wait_for_a_frozen_bus)
{
        struct fixture f;

        if (!private_bus())
                return;
        bus_restarted_frozen(&f);
        signal(SIGALRM, stop_blocked);
        alarm(10);
        down_and_bus_stopped(&f);
        alarm(0);
}
END_TEST

/*
 * Another connection (a dry run beside the daemon) owns the name when the
 * bus comes back: the daemon's retry does not take the answer for its own,
 * and tries again.
 */
START_TEST(retry_does_not_claim_a_name_owned_by_another)
{
        sd_bus_error err = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *owner, *mine;
        sd_bus *other = NULL;
        struct fixture f;

        if (!private_bus())
                return;
        bus_lost_and_restarted(&f);
        ck_assert_int_ge(sd_bus_open_system(&other), 0);
        ck_assert_int_ge(sd_bus_request_name(other, CTL_BUS_NAME, 0), 0);
        ck_assert_msg(run_until(&f, bus_naming), "the retry did not ask for the name");
        ck_assert_msg(run_until(&f, bus_off), "the retry took a name another owns for its own");
        ck_assert(f.d.bus.retrying);
        ck_assert_int_ge(sd_bus_call_method(other, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                            "org.freedesktop.DBus", "GetNameOwner", &err, &reply, "s",
                                            CTL_BUS_NAME), 0);
        ck_assert_int_ge(sd_bus_message_read(reply, "s", &owner), 0);
        ck_assert_int_ge(sd_bus_get_unique_name(other, &mine), 0);
        ck_assert_str_eq(owner, mine);
        sd_bus_message_unref(reply);

        /* The other goes: the name is the daemon's at its next try. */
        sd_bus_flush_close_unref(other);
        ck_assert_msg(run_until(&f, bus_on), "the name was not taken once free");
        down_and_bus_stopped(&f);
}
END_TEST

/* A start that finds the name taken says so (not "no system bus"), and tries again. */
START_TEST(name_taken_at_start_is_said)
{
        sd_bus *other = NULL;
        struct capture cap;
        struct fixture f;
        char *addr, *log;

        if (!private_bus())
                return;
        addr = strdup(getenv("DBUS_SYSTEM_BUS_ADDRESS"));
        ck_assert_int_ge(sd_bus_open_system(&other), 0);
        ck_assert_int_ge(sd_bus_request_name(other, CTL_BUS_NAME, 0), 0);
        up(&f, 0);
        ev_prepare_stop(f.d.loop, &f.prepare);
        f.d.bus.retry_sec = 0.05;
        setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1);
        free(addr);
        log_set_max_level(LOG_INFO);
        capture_start(&cap);
        bus_start(&f.d);
        log = capture_end(&cap);
        ck_assert_ptr_null(f.d.bus.bus);
        ck_assert(f.d.bus.retrying);
        ck_assert_msg(strstr(log, "another process owns " CTL_BUS_NAME), "%s", log);
        ck_assert_ptr_null(strstr(log, "no system bus"));
        free(log);
        sd_bus_flush_close_unref(other);
        ck_assert_msg(run_until(&f, bus_on), "the name was not taken once free");
        down_and_bus_stopped(&f);
}
END_TEST

CHECK_MAIN("ctl", json_names_read_back_byte_for_byte, explain_names_each_rule, explain_says_what_holds_now, explain_unmanaged_and_hostile,
           status_and_explain_from_the_simulated_kernel, status_answers_while_a_write_blocks, reclaimctl_over_a_bus,
           held_memory_min_is_shown, contested_hold_is_shown, floors_yield_is_shown, control_interface_comes_back_with_the_bus,
           stop_does_not_wait_for_a_frozen_bus, retry_does_not_claim_a_name_owned_by_another, name_taken_at_start_is_said,
           operators_value_shows_with_a_metrics_file)
