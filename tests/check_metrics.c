/*
 * Unit tests: the Prometheus text file: names and types as promtool wants
 * them, hostile cgroup names escaped, the label cap, the atomic write.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend-sim.h"
#include "check-files.h"
#include "check-main.h"
#include "engine.h"
#include "metrics.h"
#include "snapshot.h"

#define MiB (1ULL << 20)

/* Names a cgroup's owner may choose: quotes, backslashes, newlines, escapes, bytes that are not UTF-8. */
static const char *const hostile[] = {
        "a\"b", "back\\slash", "new\nline", "esc\x1b[31mred", "latin\xff", "ok.slice",
};

struct world {
        struct backend *be;
        struct engine e;
        struct config *cfg;
        struct snapshot s;
};

/* The engine on the cgroups names, each managed by [cgroup *], as the simulated kernel has them. */
static void world_up_with(struct world *w, const char *const *names, size_t n)
{
        memset(w, 0, sizeof(*w));
        ck_assert_int_eq(backend_sim_new(&w->be), 0);
        for (size_t i = 0; i < n; i++)
                ck_assert_int_eq(sim_add_cgroup(w->be, names[i], 0, (i + 1) * 10 * MiB), 0);
        w->cfg = load_config("[cgroup *]\nsoft_limit = 15M\n");
        ck_assert_int_eq(engine_init(&w->e, w->be, w->cfg, false, NULL, NULL), 0);
        ck_assert_uint_eq(w->e.n_cgroups, n);
        ck_assert_int_ge(engine_refresh(&w->e), 1);
}

static void world_up(struct world *w)
{
        world_up_with(w, hostile, sizeof(hostile) / sizeof(hostile[0]));
        w->e.cgroups[0].counters.requests[1] = 3;
        w->e.cgroups[0].counters.reclaimed_bytes = 4096;
        snapshot_count_round(&w->s.counters, false, POLICY_DONE_TARGET, 4096, 30000);
        snapshot_count_round(&w->s.counters, true, POLICY_DONE_SHORT, 0, 3000000);
        snapshot_count_round(&w->s.counters, false, POLICY_DONE_NO_SHORTAGE, 0, 1000);   /* none ran */
        ck_assert_int_eq(snapshot_take_cgroups(&w->s, &w->e, NULL, NULL, true), 0);
}

static void world_down(struct world *w)
{
        snapshot_clear(&w->s);
        engine_done(&w->e);
        config_free(w->cfg);
        backend_free(w->be);
}

static char *render(const struct snapshot *s, size_t max)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(metrics_write(f, s, max), 0);
        fclose(f);
        return text;
}

/* Every sample line is name{labels} value: no raw control character, no line split by a name. */
static void assert_lines_well_formed(const char *text)
{
        for (const char *p = text; *p; ) {
                const char *nl = strchr(p, '\n');

                ck_assert_ptr_nonnull(nl);
                ck_assert_msg(*p == '#' || strncmp(p, "reclaimd_", 9) == 0, "line: %.*s", (int)(nl - p), p);
                for (const char *q = p; q < nl; q++)
                        ck_assert_msg((unsigned char)*q >= 0x20 && (unsigned char)*q != 0x7f,
                                      "control character in: %.*s", (int)(nl - p), p);
                p = nl + 1;
        }
}

START_TEST(hostile_names_escaped)
{
        struct world w;
        char *text;

        world_up(&w);
        text = render(&w.s, 500);
        assert_lines_well_formed(text);
        /* How the configuration knows a file at the textfile path for reclaimd's own. */
        ck_assert_int_eq(strncmp(text, METRICS_FILE_HEAD, strlen(METRICS_FILE_HEAD)), 0);
        ck_assert_uint_eq(count(text, "reclaimd_cgroup_reclaimed_bytes_total{cgroup=\"a\\\"b\"} 4096\n"), 1);
        ck_assert_uint_eq(count(text, "{cgroup=\"back\\\\slash\"}"), 4);
        ck_assert_uint_eq(count(text, "{cgroup=\"new\\nline\"}"), 4);
        ck_assert_uint_eq(count(text, "{cgroup=\"esc\\\\x1b[31mred\"}"), 4);
        ck_assert_uint_eq(count(text, "{cgroup=\"latin\\\\xff\"}"), 4);
        ck_assert_uint_eq(count(text, "reclaimd_cgroup_requests_total{cgroup=\"a\\\"b\",result=\"partial\"} 3\n"), 1);
        ck_assert_uint_eq(count(text, "reclaimd_rounds_total{mode=\"direct\",result=\"target_met\"} 1\n"), 1);
        ck_assert_uint_eq(count(text, "reclaimd_rounds_total{mode=\"background\",result=\"short\"} 1\n"), 1);
        ck_assert_uint_eq(count(text, "reclaimd_round_duration_seconds_bucket{le=\"0.05\"} 1\n"), 1);
        ck_assert_uint_eq(count(text, "reclaimd_rounds_total{mode=\"direct\",result=\"no_shortage\"} 1\n"), 1);
        ck_assert_uint_eq(count(text, "reclaimd_round_duration_seconds_bucket{le=\"+Inf\"} 2\n"), 1);
        ck_assert_uint_eq(count(text, "reclaimd_cgroups_managed 6\n"), 1);
        ck_assert_uint_eq(count(text, "reclaimd_cgroups_unlabelled 0\n"), 1);
        free(text);
        world_down(&w);
}
END_TEST

/* Each sample of text (its name and labels) is there once: the text format forbids a series twice. */
static void assert_series_unique(const char *text)
{
        for (const char *p = text; *p; p = strchr(p, '\n') + 1) {
                const char *end = strchr(p, '\n'), *sp = end;
                char key[512];

                while (sp > p && *sp != ' ')
                        sp--;
                if (*p == '#' || sp == p)
                        continue;
                ck_assert_uint_lt((size_t)(sp - p), sizeof(key) - 1);
                snprintf(key, sizeof(key), "\n%.*s ", (int)(sp - p), p);
                ck_assert_msg(count(text, key) + (p == text) == 1, "series twice: %s", key + 1);
        }
}

/*
 * Names a hostile owner may give two cgroups that escape_prom() writes the
 * same (a byte that is not UTF-8, or a tab, as the text a name may hold):
 * the first in path order has the series, the other none (counted
 * unlabelled), and so do their trigger scopes and ancestors' contests.
 */
START_TEST(names_that_read_the_same_have_one_series)
{
        static const char *const twins[] = { "t\tab", "t\\x09ab", "x\\xff", "x\xff" };
        struct snapshot_contest contests[2] = {
                { .path = (char *)"x\\xff", .file = CG_MEMORY_LOW, .contest = { .lost = 1 } },
                { .path = (char *)"y\xff", .file = CG_MEMORY_LOW, .contest = { .lost = 2 } },
        };
        struct snapshot_contest *taken;
        size_t n_taken;
        struct world w;
        char *text;

        world_up_with(&w, twins, 4);
        ck_assert_int_eq(snapshot_take_cgroups(&w.s, &w.e, NULL, NULL, true), 0);
        w.s.triggers = calloc(5, sizeof(*w.s.triggers));
        ck_assert_ptr_nonnull(w.s.triggers);
        w.s.n_triggers = 5;
        for (size_t i = 0; i < 4; i++)
                ck_assert_ptr_nonnull(w.s.triggers[i + 1].scope = strdup(w.s.cgroups[i].path));
        /* The ancestors' fights in place of the engine's (none), given back for snapshot_free(). */
        taken = w.s.unmanaged_contests;
        n_taken = w.s.n_unmanaged_contests;
        w.s.unmanaged_contests = contests;
        w.s.n_unmanaged_contests = 2;
        text = render(&w.s, 500);
        w.s.unmanaged_contests = taken;
        w.s.n_unmanaged_contests = n_taken;
        assert_lines_well_formed(text);
        assert_series_unique(text);
        ck_assert_uint_eq(count(text, "reclaimd_cgroup_reclaimed_bytes_total{"), 2);
        ck_assert_uint_eq(count(text, "reclaimd_cgroup_reclaimed_bytes_total{cgroup=\"t\\\\x09ab\"} 0\n"), 1);
        ck_assert_uint_eq(count(text, "reclaimd_cgroup_memory_current_bytes{cgroup=\"t\\\\x09ab\"} 10485760\n"), 1);
        ck_assert_uint_eq(count(text, "reclaimd_cgroup_memory_current_bytes{cgroup=\"x\\\\xff\"} 31457280\n"), 1);
        ck_assert_uint_eq(count(text, "reclaimd_cgroups_unlabelled 2\n"), 1);
        ck_assert_uint_eq(count(text, "reclaimd_trigger_scopes_unlabelled 2\n"), 1);
        ck_assert_uint_eq(count(text, "reclaimd_cgroup_holds_written_over_total{cgroup=\"y\\\\xff\",file=\"memory.low\"} 2\n"), 1);
        ck_assert_uint_eq(count(text, "reclaimd_cgroup_holds_written_over_total{"), 1);
        free(text);
        world_down(&w);
}
END_TEST

/* Label cardinality: managed cgroups only, at most max_cgroups of them, the first in path order. */
START_TEST(cgroup_series_capped)
{
        struct world w;
        char *text;

        world_up(&w);
        text = render(&w.s, 2);
        ck_assert_uint_eq(count(text, "reclaimd_cgroup_reclaimed_bytes_total{"), 2);
        ck_assert_uint_eq(count(text, "reclaimd_cgroups_unlabelled 4\n"), 1);
        ck_assert_uint_eq(count(text, "cgroup=\"a\\\"b\""), 10);   /* sorted first: 4 series, 3 requests, 3 clamps */
        free(text);
        text = render(&w.s, 0);
        ck_assert_uint_eq(count(text, "cgroup=\""), 0);
        free(text);
        world_down(&w);
}
END_TEST

/*
 * The trigger scopes are capped as the cgroups are: the system's always, a
 * cgroup's only when the cgroup has series of its own, the rest counted.
 */
START_TEST(trigger_scopes_capped)
{
        struct world w;
        char *text;

        world_up(&w);
        w.s.triggers = calloc(w.s.n_cgroups + 1, sizeof(*w.s.triggers));
        ck_assert_ptr_nonnull(w.s.triggers);
        w.s.n_triggers = w.s.n_cgroups + 1;
        for (size_t i = 0; i < w.s.n_cgroups; i++)
                ck_assert_ptr_nonnull(w.s.triggers[i + 1].scope = strdup(w.s.cgroups[i].path));
        text = render(&w.s, 2);
        ck_assert_uint_eq(count(text, "reclaimd_trigger_fires_total{"), 3);
        ck_assert_uint_eq(count(text, "reclaimd_trigger_fires_total{scope=\"system\"} 0\n"), 1);
        ck_assert_uint_eq(count(text, "reclaimd_trigger_fires_total{scope=\"a\\\"b\"} 0\n"), 1);
        ck_assert_uint_eq(count(text, "reclaimd_trigger_scopes_unlabelled 4\n"), 1);
        free(text);
        text = render(&w.s, 0);
        ck_assert_uint_eq(count(text, "scope=\""), 1);
        ck_assert_uint_eq(count(text, "reclaimd_trigger_scopes_unlabelled 6\n"), 1);
        free(text);
        text = render(&w.s, 500);
        ck_assert_uint_eq(count(text, "scope=\""), 7);
        ck_assert_uint_eq(count(text, "reclaimd_trigger_scopes_unlabelled 0\n"), 1);
        free(text);
        world_down(&w);
}
END_TEST

/*
 * The file node_exporter reads: replaced whole (a temporary file renamed
 * over it, none left behind), mode 0644, and valid to promtool.
 */
START_TEST(file_written_atomically_and_valid)
{
        char dir[] = "/tmp/reclaimd-test-prom.XXXXXX", path[128], cmd[256];
        struct world w;
        struct stat st;
        int status;

        world_up(&w);
        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/reclaimd.prom", dir);
        write_file(path, "stale\n");
        ck_assert_int_eq(metrics_write_file(path, &w.s, 500), 0);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0644);
        snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) = 1", dir);
        ck_assert_int_eq(system(cmd), 0);
        /* A directory gone: the error, and nothing left. */
        snprintf(cmd, sizeof(cmd), "%s/gone/reclaimd.prom", dir);
        ck_assert_int_eq(metrics_write_file(cmd, &w.s, 500), -ENOENT);

        if (system("command -v promtool >/dev/null") != 0) {
                const char *ci = getenv("CI");

                ck_assert_msg(!ci || strcmp(ci, "true") != 0,
                              "promtool not found (apt-get install prometheus): needed under CI");
                fprintf(stderr, "SKIP promtool check: promtool not found (apt-get install prometheus)\n");
        } else {
                snprintf(cmd, sizeof(cmd), "promtool check metrics <%s >&2", path);
                status = system(cmd);
                ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "promtool check metrics refused %s",
                              path);
        }
        unlink(path);
        rmdir(dir);
        world_down(&w);
}
END_TEST

/* The floors given way to, an offender or the whole machine, show as gauges. */
START_TEST(floors_yield_gauges)
{
        struct world w;
        char *text;

        world_up(&w);
        text = render(&w.s, 500);
        ck_assert_msg(strstr(text, "\nreclaimd_cgroups_yielded_to 0\n"), "%s", text);
        ck_assert_msg(strstr(text, "\nreclaimd_floors_let_go 0\n"), "%s", text);
        free(text);
        w.s.cgroups[1].yield_until_usec = w.s.now_usec + 1;
        w.s.cgroups[2].yield_until_usec = w.s.now_usec;   /* past: held again */
        w.s.floors_yield_until_usec = w.s.now_usec + 1;
        text = render(&w.s, 500);
        ck_assert_msg(strstr(text, "\nreclaimd_cgroups_yielded_to 1\n"), "%s", text);
        ck_assert_msg(strstr(text, "\nreclaimd_floors_let_go 1\n"), "%s", text);
        free(text);
        world_down(&w);
}
END_TEST

CHECK_MAIN("metrics", hostile_names_escaped, names_that_read_the_same_have_one_series, cgroup_series_capped, trigger_scopes_capped, file_written_atomically_and_valid,
           floors_yield_gauges)
