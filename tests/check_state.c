/* Unit tests: the state file, written and read back, whatever the cgroups' owners named them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check-files.h"
#include "check-main.h"
#include "state.h"

#define MiB (1ULL << 20)

/* A cgroup's name may hold any byte but '/' and NUL: each of these must come back as it was. */
static const char *const hostile[] = {
        "batch",
        "with space/and\ttab",
        "x\" action=reclaim cgroup=web requested=999",
        "line\nbreak",
        "back\\slash\\x41",
        " leading and trailing ",
        "\x01\x1f\x7f control",
        "\xff\xfe not UTF-8 \xc3",
        "caf\xc3\xa9/na\xc3\xafve",
        "#comment-like",
        "reclaimd-state 3",
};

static char *tmpfile_path(void)
{
        static char path[64];

        snprintf(path, sizeof(path), "/tmp/reclaimd-test-state.XXXXXX");
        ck_assert_int_ge(close(mkstemp(path)), 0);
        return path;
}

START_TEST(records_round_trip_any_cgroup_name)
{
        struct state_record v[2 * sizeof(hostile) / sizeof(hostile[0])];
        size_t n = 0;
        const char *path = tmpfile_path();
        struct state s;

        for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
                v[n++] = (struct state_record){ .path = (char *)hostile[i], .file = CG_MEMORY_HIGH,
                                                .original = UINT64_MAX, .value = (100 + i) * MiB,
                                                .previous = UINT64_MAX, .cgroup_id = UINT64_MAX - i };
                v[n++] = (struct state_record){ .path = (char *)hostile[i], .file = CG_MEMORY_LOW,
                                                .original = i * MiB, .value = UINT64_MAX,
                                                .previous = (i + 1) * MiB };
        }
        ck_assert_int_eq(state_save(path, "/srv/cg root\\x41\n#", v, n), 0);
        ck_assert_int_eq(state_load(path, &s), 0);
        ck_assert_uint_eq(s.bad_lines, 0);
        ck_assert(!s.no_header && !s.truncated);
        ck_assert_str_eq(s.root, "/srv/cg root\\x41\n#");
        ck_assert_uint_eq(s.n, n);
        for (size_t i = 0; i < n; i++) {
                ck_assert_mem_eq(s.v[i].path, v[i].path, strlen(v[i].path) + 1);
                ck_assert_int_eq(s.v[i].file, v[i].file);
                ck_assert_uint_eq(s.v[i].original, v[i].original);
                ck_assert_uint_eq(s.v[i].value, v[i].value);
                ck_assert_uint_eq(s.v[i].previous, v[i].previous);
                ck_assert_uint_eq(s.v[i].cgroup_id, v[i].cgroup_id);
        }
        state_clear(&s);
        /* Nothing recorded: no file left. */
        ck_assert_int_eq(state_save(path, NULL, v, 0), 0);
        ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

/* A file an earlier reclaimd wrote (memory.high only, paths as they are) is still read after an upgrade. */
START_TEST(version_2_files_are_read)
{
        struct state s;

        ck_assert_int_eq(state_parse("reclaimd-state 2\n# original clamped_to previous path\n"
                                     "max 104857600 max batch.slice\n"
                                     "1073741824 209715200 419430400 system.slice/a b.service\n", &s), 0);
        ck_assert_uint_eq(s.bad_lines, 0);
        ck_assert_uint_eq(s.n, 2);
        ck_assert_str_eq(s.v[0].path, "batch.slice");
        ck_assert_int_eq(s.v[0].file, CG_MEMORY_HIGH);
        ck_assert_uint_eq(s.v[0].original, UINT64_MAX);
        ck_assert_uint_eq(s.v[0].value, 100 * MiB);
        ck_assert_str_eq(s.v[1].path, "system.slice/a b.service");
        ck_assert_uint_eq(s.v[1].previous, 400 * MiB);
        state_clear(&s);
}
END_TEST

/*
 * A record's cgroup id rides on a "#cgroup-id" comment line just before it,
 * for that record alone; without one, or with one that is not a number, the
 * id is 0 (not known) and the values alone decide.
 */
START_TEST(cgroup_ids_ride_on_comment_lines)
{
        static const struct {
                const char *text;
                unsigned bad_lines;
                uint64_t cgroup_id;
        } cases[] = {
                { "reclaimd-state 3\n#cgroup-id 4711\nmemory.low 0 512M 0 web\n", 0, 4711 },
                { "reclaimd-state 3\nmemory.low 0 512M 0 web\n", 0, 0 },
                { "reclaimd-state 3\n#cgroup-id x\nmemory.low 0 512M 0 web\n", 0, 0 },
                { "reclaimd-state 3\n#cgroup-id 7\nmemory.high max 100M max 7 batch\nmemory.low 0 512M 0 web\n",
                  1, 0 },
                { "reclaimd-state 3\n#cgroup-id 7\n# a comment\nmemory.low 0 512M 0 web\n", 0, 7 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct state s;

                ck_assert_int_eq(state_parse(cases[i].text, &s), 0);
                ck_assert_uint_eq(s.n, 1);
                ck_assert_uint_eq(s.bad_lines, cases[i].bad_lines);
                ck_assert_uint_eq(s.v[0].cgroup_id, cases[i].cgroup_id);
                ck_assert_str_eq(s.v[0].path, "web");
                state_clear(&s);
        }
}
END_TEST

/*
 * The root the records were taken under is one comment line before them; a
 * file from before it has none (NULL: applied under the root of the run).
 * A root line reclaimd never writes (a second one, one after a record, a
 * relative path, a bad escape) is a bad line that leaves the root unknown
 * (bad_root): the caller applies no record of it (check_restore).
 */
START_TEST(cgroup_root_rides_on_a_comment_line)
{
        static const struct {
                const char *text;
                const char *root;
                unsigned bad_lines;   /* each a bad root line too (bad_root) */
        } cases[] = {
                { "reclaimd-state 3\n#cgroup-root /sys/fs/cgroup\nmemory.low 0 512M 0 web\n", "/sys/fs/cgroup", 0 },
                { "reclaimd-state 3\n#cgroup-root /a\\x20b\nmemory.low 0 512M 0 web\n", "/a b", 0 },
                { "reclaimd-state 3\nmemory.low 0 512M 0 web\n", NULL, 0 },
                { "reclaimd-state 3\n#cgroup-root /a\n#cgroup-root /b\nmemory.low 0 512M 0 web\n", "/a", 1 },
                { "reclaimd-state 3\nmemory.low 0 512M 0 web\n#cgroup-root /a\n", NULL, 1 },
                { "reclaimd-state 3\n#cgroup-root sys/fs/cgroup\nmemory.low 0 512M 0 web\n", NULL, 1 },
                { "reclaimd-state 3\n#cgroup-root /a\\x00\nmemory.low 0 512M 0 web\n", NULL, 1 },
                { "#cgroup-root /a\nreclaimd-state 3\nmemory.low 0 512M 0 web\n", NULL, 0 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct state s;

                ck_assert_int_eq(state_parse(cases[i].text, &s), 0);
                ck_assert_uint_eq(s.n, 1);
                ck_assert_uint_eq(s.bad_lines, cases[i].bad_lines);
                ck_assert(s.bad_root == (cases[i].bad_lines > 0));
                if (cases[i].root)
                        ck_assert_str_eq(s.root, cases[i].root);
                else
                        ck_assert_ptr_null(s.root);
                state_clear(&s);
        }
}
END_TEST

/*
 * A release before cgroup ids reads what this one writes: the same header,
 * every record in its five fields, the ids in comments it skips. A
 * downgrade after a crash then still puts the values back, where a new
 * header would have had the whole file refused and removed.
 */
START_TEST(files_read_by_the_release_before_ids)
{
        const struct state_record v[] = {
                { .path = (char *)"batch", .file = CG_MEMORY_HIGH, .original = UINT64_MAX, .value = 100 * MiB,
                  .previous = UINT64_MAX, .cgroup_id = 4711 },
                { .path = (char *)"web", .file = CG_MEMORY_LOW, .original = 0, .value = 512 * MiB, .previous = 0 },
        };
        const char *path = tmpfile_path();
        char line[512];
        unsigned records = 0;
        FILE *f;

        ck_assert_int_eq(state_save(path, "/sys/fs/cgroup", v, 2), 0);
        f = fopen(path, "r");
        ck_assert_ptr_nonnull(f);
        ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
        ck_assert_str_eq(line, "reclaimd-state 3\n");
        while (fgets(line, sizeof(line), f)) {
                unsigned fields = 0;

                if (line[0] == '#')
                        continue;
                for (char *t = strtok(line, " \t\n"); t; t = strtok(NULL, " \t\n"))
                        fields++;
                ck_assert_uint_eq(fields, 5);
                records++;
        }
        fclose(f);
        ck_assert_uint_eq(records, 2);
        ck_assert_int_eq(state_save(path, NULL, v, 0), 0);
}
END_TEST

/*
 * Only what reclaimd writes ever comes out: memory.high lowered, memory.low
 * raised, on a path beneath the root, escaped as reclaimd escapes; a line
 * that is anything else is counted and never applied.
 */
START_TEST(records_reclaimd_never_writes_are_refused)
{
        static const char *const bad[] = {
                "memory.high 100M 200M 100M a",      /* a memory.high raised */
                "memory.high max max max a",         /* no change */
                "memory.high 300M 100M 400M a",      /* previous above the original */
                "memory.low 100M 50M 100M a",        /* a memory.low lowered */
                "memory.low 100M 200M 50M a",        /* previous under the original */
                "memory.max max 100M max a",         /* not a file reclaimd changes */
                "memory.high max 100M max ../etc",   /* climbs out of the root */
                "memory.high max 100M max a/./b",
                "memory.high max 100M max /a",
                "memory.high max 100M max a//b",
                "memory.high max 100M max a\\x00b",  /* no NUL in a name */
                "memory.high max 100M max a\\x2",    /* an escape cut short */
                "memory.high max 100M max a\\n",     /* not an escape reclaimd writes */
                "memory.high max 100M max a b",      /* an unescaped space: two fields */
                "memory.high max 100M max",          /* no path */
                "memory.high max 1OOM max a",
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char text[256];
                struct state s;

                snprintf(text, sizeof(text), "reclaimd-state 3\n%s\nmemory.high max 100M max good\n", bad[i]);
                ck_assert_int_eq(state_parse(text, &s), 0);
                ck_assert_msg(s.bad_lines == 1 && s.first_bad_line == 2, "line \"%s\" not refused", bad[i]);
                ck_assert_uint_eq(s.n, 1);
                ck_assert_str_eq(s.v[0].path, "good");
                state_clear(&s);
        }
}
END_TEST

/* One run per state file: a second lock is refused while the first is held, and taken once it goes. */
START_TEST(one_lock_per_state_file)
{
        char state[64];
        int a, b;

        state_path(state, sizeof(state));
        a = state_lock(state);
        ck_assert_int_ge(a, 0);
        ck_assert_int_eq(state_lock(state), -EBUSY);
        ck_assert_int_eq(access(state, F_OK), -1);   /* the lock is beside the file, which each save replaces */
        close(a);
        b = state_lock(state);
        ck_assert_int_ge(b, 0);
        close(b);
        state_unlock_file(state);
}
END_TEST

/*
 * A new state file is reclaimd's alone (0600 in a 0700 folder) whatever the
 * umask: a file its group or others may write is refused at the next start.
 */
START_TEST(new_state_file_is_private)
{
        struct state_record r = { .path = "a", .file = CG_MEMORY_HIGH, .original = UINT64_MAX,
                                  .value = 100 * MiB, .previous = UINT64_MAX };
        char dir[64], file[96];
        mode_t old = umask(0);
        struct stat st;
        struct state s;

        snprintf(dir, sizeof(dir), "/tmp/reclaimd-test-dir.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(dir));
        ck_assert_int_eq(rmdir(dir), 0);   /* state_save() makes it */
        snprintf(file, sizeof(file), "%s/state", dir);
        ck_assert_int_eq(state_save(file, NULL, &r, 1), 0);
        umask(old);
        ck_assert_int_eq(stat(dir, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0700);
        ck_assert_int_eq(stat(file, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0600);
        ck_assert_int_eq(state_load(file, &s), 0);
        ck_assert_uint_eq(s.n, 1);
        ck_assert(!s.untrusted);
        state_clear(&s);
        ck_assert_int_eq(chmod(file, 0602), 0);
        ck_assert_int_eq(state_load(file, &s), -EACCES);
        ck_assert(s.untrusted);   /* refused for its mode, not open()'s own EACCES */
        state_clear(&s);
        ck_assert_int_eq(unlink(file), 0);
        ck_assert_int_eq(state_load(file, &s), -ENOENT);
        ck_assert(!s.untrusted);
        ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/*
 * A save that would pass what a start reads (64 MiB) fails, and leaves the
 * file as it was: written, the next start would refuse it whole, and every
 * value in it would stay held.
 */
START_TEST(state_too_large_to_read_back_is_not_saved)
{
        static char path_bytes[4001];
        const size_t max = 64 << 20;
        struct state_record *v = calloc(max / 4000 + 1, sizeof(*v));
        const char *path = tmpfile_path();
        size_t one, line, fit;
        struct stat st;
        struct state s;

        ck_assert_ptr_nonnull(v);
        memset(path_bytes, 'p', sizeof(path_bytes) - 1);
        for (size_t i = 0; i <= max / 4000; i++)
                v[i] = (struct state_record){ .path = path_bytes, .file = CG_MEMORY_LOW, .original = 0,
                                              .value = MiB, .previous = 0 };
        /* The size of a record's line, and of the lines before the first, as written. */
        ck_assert_int_eq(state_save(path, "/sys/fs/cgroup", v, 1), 0);
        ck_assert_int_eq(stat(path, &st), 0);
        one = (size_t)st.st_size;
        ck_assert_int_eq(state_save(path, "/sys/fs/cgroup", v, 2), 0);
        ck_assert_int_eq(stat(path, &st), 0);
        line = (size_t)st.st_size - one;
        fit = (max - (one - line)) / line;

        ck_assert_int_eq(state_save(path, "/sys/fs/cgroup", v, 1), 0);
        ck_assert_int_eq(state_save(path, "/sys/fs/cgroup", v, fit + 1), -EFBIG);
        ck_assert_int_eq(state_load(path, &s), 0);   /* the file before it, whole */
        ck_assert_uint_eq(s.n, 1);
        state_clear(&s);
        ck_assert_int_eq(state_save(path, "/sys/fs/cgroup", v, fit), 0);
        ck_assert_int_eq(state_load(path, &s), 0);   /* the largest it writes, it reads back */
        ck_assert_uint_eq(s.n, fit);
        state_clear(&s);
        ck_assert_int_eq(state_save(path, NULL, v, 0), 0);
        free(v);
}
END_TEST

CHECK_MAIN("state", records_round_trip_any_cgroup_name, version_2_files_are_read, cgroup_ids_ride_on_comment_lines,
           cgroup_root_rides_on_a_comment_line, files_read_by_the_release_before_ids,
           records_reclaimd_never_writes_are_refused, one_lock_per_state_file, new_state_file_is_private,
           state_too_large_to_read_back_is_not_saved)
