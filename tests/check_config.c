/* Unit tests: the configuration schema, its parser and every error's file, line and key. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sys/stat.h>

#include "check-files.h"
#include "check-main.h"
#include "cgpath.h"
#include "config.h"
#include "metrics.h"

/* Loads text; returns the result and leaves the errors in *errs. */
static int load(const char *text, struct config **cfg, struct config_errors *errs)
{
        *errs = (struct config_errors){};
        *cfg = NULL;
        return config_load_string(text, "test.conf", cfg, errs);
}

/* Asserts that text is refused with exactly one error, at line, about key (or NULL). */
static void assert_one_error(const char *text, unsigned line, const char *key, const char *needle)
{
        struct config_errors errs;
        struct config *cfg;

        ck_assert_int_eq(load(text, &cfg, &errs), -EINVAL);
        ck_assert_ptr_null(cfg);
        ck_assert_uint_eq(errs.n, 1);
        ck_assert_uint_eq(errs.v[0].line, line);
        if (key)
                ck_assert_str_eq(errs.v[0].key, key);
        else
                ck_assert_ptr_null(errs.v[0].key);
        ck_assert_msg(strstr(errs.v[0].message, needle), "\"%s\" not in \"%s\"", needle, errs.v[0].message);
        config_errors_clear(&errs);
}

START_TEST(example_from_the_issue)
{
        struct config_errors errs;
        struct config *cfg;

        ck_assert_int_eq(load("[pressure]\n"
                              "trigger = some 150ms 1s     ; PSI trigger: some|full, stall, window\n"
                              "\n"
                              "[cgroup batch.slice]        ; a cgroup path relative to the cgroup root\n"
                              "soft_limit = 256M           ; sizes with K/M/G/T suffixes\n", &cfg, &errs), 0);
        ck_assert_uint_eq(errs.n, 0);
        ck_assert_uint_eq(cfg->trigger.stall_usec, 150000);
        ck_assert_uint_eq(cfg->n_cgroups, 1);
        ck_assert_str_eq(cfg->cgroups[0].path, "batch.slice");
        ck_assert_uint_eq(cfg->cgroups[0].soft_limit_bytes, 256ULL << 20);
        ck_assert_uint_eq(cfg->cgroups[0].line, 4);
        ck_assert_ptr_eq(config_find_cgroup(cfg, "batch.slice"), &cfg->cgroups[0]);
        ck_assert_ptr_null(config_find_cgroup(cfg, "web.slice"));
        config_free(cfg);
        config_errors_clear(&errs);
}
END_TEST

START_TEST(defaults_come_from_the_table)
{
        struct config_errors errs;
        struct config *cfg, def;

        /* Every default in the table parses with its own type and bounds. */
        ck_assert_int_eq(config_init_defaults(&def), 0);
        ck_assert_uint_eq(def.initial_priority, DEF_PRIORITY);
        ck_assert_uint_eq(def.round_target_bytes, 32ULL << 20);
        ck_assert_uint_eq(def.trigger.window_usec, 1000000);

        ck_assert_int_eq(load("[cgroup a]\n", &cfg, &errs), 0);
        ck_assert_uint_eq(cfg->cgroups[0].soft_limit_bytes, UINT64_MAX);
        ck_assert_uint_eq(cfg->min_chunk_bytes, def.min_chunk_bytes);
        config_free(cfg);
        config_errors_clear(&errs);
}
END_TEST

START_TEST(every_error_names_its_line_and_key)
{
        struct config_errors errs;
        struct config *cfg;
        char buf[512];

        ck_assert_int_eq(load("[pressure]\n"
                              "trigger = some 150ms 20s\n"
                              "[cgroup batch]\n"
                              "soft_limit = 12Q\n"
                              "[reclaim]\n"
                              "initial_priority = 13\n"
                              "round_target = 1\n", &cfg, &errs), -EINVAL);
        ck_assert_uint_eq(errs.n, 4);
        ck_assert_uint_eq(errs.v[0].line, 2);
        ck_assert_str_eq(errs.v[0].key, "trigger");
        ck_assert_uint_eq(errs.v[1].line, 4);
        ck_assert_str_eq(errs.v[1].key, "soft_limit");
        ck_assert_uint_eq(errs.v[2].line, 6);
        ck_assert_ptr_nonnull(strstr(errs.v[2].message, "0..12"));
        ck_assert_uint_eq(errs.v[3].line, 7);
        ck_assert_str_eq(config_error_format(&errs, &errs.v[1], buf, sizeof(buf)),
                         "test.conf:4: [cgroup batch] key 'soft_limit': invalid size \"12Q\": expected bytes with an "
                         "optional K, M, G or T suffix, or max");
        ck_assert_str_eq(config_error_format(&errs, &errs.v[2], buf, sizeof(buf)),
                         "test.conf:6: [reclaim] key 'initial_priority': value \"13\" out of range: "
                         "expected 0..12");
        config_errors_clear(&errs);

        /* Keys of the same name in two sections: the section tells them apart. */
        ck_assert_int_eq(load("[balance]\ninterval = 50ms\n[metrics]\ninterval = 0s\n[cgroup web.slice]\n"
                              "soft_limit = 1G\nsoft_limit = 2G\n[reclaim]\nfrob = 1\n", &cfg, &errs), -EINVAL);
        ck_assert_uint_eq(errs.n, 4);
        ck_assert_ptr_nonnull(strstr(config_error_format(&errs, &errs.v[0], buf, sizeof(buf)),
                                     "test.conf:2: [balance] key 'interval': "));
        ck_assert_ptr_nonnull(strstr(config_error_format(&errs, &errs.v[1], buf, sizeof(buf)),
                                     "test.conf:4: [metrics] key 'interval': "));
        ck_assert_str_eq(config_error_format(&errs, &errs.v[2], buf, sizeof(buf)),
                         "test.conf:7: [cgroup web.slice] key 'soft_limit': duplicate key");
        ck_assert_str_eq(config_error_format(&errs, &errs.v[3], buf, sizeof(buf)),
                         "test.conf:9: [reclaim] key 'frob': unknown key");
        config_errors_clear(&errs);
}
END_TEST

START_TEST(unknown_and_duplicate_names_refused)
{
        assert_one_error("[pressure]\nstall = 1\n", 2, "stall", "unknown key");
        assert_one_error("[frob]\n", 1, NULL, "unknown section [frob]");
        assert_one_error("[cgroup]\nsoft_limit = 1M\n", 1, NULL, "empty cgroup path");
        assert_one_error("soft_limit = 1M\n", 1, "soft_limit", "outside of any section");
        assert_one_error("[cgroup a]\nsoft_limit = 1M\nsoft_limit = 2M\n", 3, "soft_limit", "duplicate key");
        assert_one_error("[cgroup a]\n[cgroup b]\n[cgroup /a/]\n", 3, NULL, "duplicate section [cgroup a] (first at line 1)");
        assert_one_error("[reclaim]\n[pressure]\n[reclaim]\n", 3, NULL, "duplicate section [reclaim]");
        assert_one_error("[reclaim]\nmin_chunk = 1M\n[reclaim]\nmin_chunk = 2M\n", 3, NULL, "duplicate section");
        assert_one_error("[pressure]\ntrigger =\n", 2, "trigger", "invalid trigger");
        assert_one_error("[pressure]\njunk line\n", 2, NULL, "syntax error");
}
END_TEST

START_TEST(paths_must_stay_beneath_the_root)
{
        assert_one_error("[cgroup ../etc]\n", 1, NULL, "beneath the cgroup root");
        assert_one_error("[cgroup a/../../b]\n", 1, NULL, "beneath the cgroup root");
        assert_one_error("[cgroup a//b]\n", 1, NULL, "empty path component");
        assert_one_error("[cgroup /]\n", 1, NULL, "root itself");
        assert_one_error("[cgroup a/./b]\n", 1, NULL, "beneath the cgroup root");
}
END_TEST

START_TEST(long_names_and_lines)
{
        struct config_errors errs;
        struct config *cfg;
        char text[1024], name[200];

        /* inih truncates section names at 50 characters; cgroup paths are often longer. */
        memset(name, 'x', 120);
        name[120] = '\0';
        snprintf(text, sizeof(text), "[cgroup system.slice/%s.service]\nsoft_limit = 1G\n", name);
        ck_assert_int_eq(load(text, &cfg, &errs), 0);
        ck_assert_uint_eq(strlen(cfg->cgroups[0].path), strlen("system.slice/.service") + 120);
        config_free(cfg);
        config_errors_clear(&errs);

        /* A line longer than inih's buffer is refused, not split into two lines. */
        snprintf(text, sizeof(text), "[cgroup a]\nsoft_limit = 1G ; %s%s\nsoft_limit = 2G\n", name, name);
        ck_assert_int_eq(load(text, &cfg, &errs), -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        ck_assert_uint_eq(errs.v[0].line, 2);
        ck_assert_ptr_nonnull(strstr(errs.v[0].message, "line longer than"));
        config_errors_clear(&errs);
}
END_TEST

START_TEST(dump_reads_back_the_same)
{
        struct config_errors errs;
        struct config *a, *b;
        char *text = NULL;
        size_t len = 0;
        FILE *f;

        /* A name may end or begin with a blank, which a header's own blanks are not (fuzz-config). */
        ck_assert_int_eq(load("[pressure]\ntrigger = full 250ms 2s\n[reclaim]\nmin_chunk = 1M\n"
                              "[cgroup x/y]\nsoft_limit = 3G\n[cgroup z]\n[cgroup s/db-[ab]]\n"
                              "[cgroup /trail /]\n[cgroup / lead]\n[cgroup /;semi]\n", &a, &errs), 0);
        f = open_memstream(&text, &len);
        config_dump(a, f);
        fclose(f);
        ck_assert_int_eq(load(text, &b, &errs), 0);
        ck_assert_int_eq(b->trigger.kind, PSI_FULL);
        ck_assert_uint_eq(b->trigger.stall_usec, 250000);
        ck_assert_uint_eq(b->min_chunk_bytes, 1 << 20);
        ck_assert_uint_eq(b->n_cgroups, 6);
        ck_assert_str_eq(b->cgroups[0].path, "x/y");
        ck_assert_str_eq(b->cgroups[2].path, "s/db-[ab]");
        ck_assert_str_eq(b->cgroups[3].path, "trail ");
        ck_assert_str_eq(b->cgroups[4].path, " lead");
        ck_assert_str_eq(b->cgroups[5].path, ";semi");
        ck_assert_uint_eq(b->cgroups[0].soft_limit_bytes, 3ULL << 30);
        ck_assert_uint_eq(b->cgroups[1].soft_limit_bytes, UINT64_MAX);
        config_free(a);
        config_free(b);
        free(text);
        config_errors_clear(&errs);
}
END_TEST

START_TEST(shipped_example_is_valid)
{
        const char *srcdir = getenv("abs_top_srcdir");
        struct config_errors errs = {};
        struct config *cfg = NULL;
        char path[4096];

        snprintf(path, sizeof(path), "%s/conf/reclaimd.conf", srcdir ? srcdir : ".");
        ck_assert_int_eq(config_load_file(path, &cfg, &errs), 0);
        ck_assert_uint_eq(errs.n, 0);
        config_free(cfg);
        config_errors_clear(&errs);
        ck_assert_int_eq(config_load_file("/nonexistent/reclaimd.conf", &cfg, &errs), -ENOENT);
        config_errors_clear(&errs);
}
END_TEST

/* Asserts that the source file rel has, for every key of the table, the line prefix + "key = default". */
static void assert_lists_every_key(const char *rel, const char *prefix)
{
        const char *srcdir = getenv("abs_top_srcdir");
        char path[4096], line[512], want[512];
        bool found;
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", srcdir ? srcdir : ".", rel);
        for (size_t i = 0; i < config_table_size; i++) {
                f = fopen(path, "r");
                ck_assert_ptr_nonnull(f);
                snprintf(want, sizeof(want), "%s%s = %s\n", prefix, config_table[i].key, config_table[i].def);
                found = false;
                while (!found && fgets(line, sizeof(line), f))
                        found = strcmp(line, want) == 0;
                fclose(f);
                ck_assert_msg(found, "%s lacks \"%.*s\"", rel, (int)strlen(want) - 1, want);
        }
}

/* conf/reclaimd.conf shows every key of the table, commented out at its default. */
START_TEST(shipped_example_lists_every_key)
{
        assert_lists_every_key("conf/reclaimd.conf", "#");
}
END_TEST

/* reclaimd.conf(5) documents every key of the table with its default. */
START_TEST(manual_lists_every_key)
{
        assert_lists_every_key("man/reclaimd.conf.5", ".B ");
}
END_TEST

/* The most specific section applies: an exact path, else the glob with the most literal
 * characters, else (a tie) the one defined last. */
/*
 * A section header ends at its last ']', so a glob's bracket class stays in
 * the path (inih alone ends the name at the first ']': "s/db-[ab"), and an
 * inline comment after it may hold brackets of its own.
 */
START_TEST(bracket_classes_in_globs)
{
        struct config_errors errs;
        struct config *cfg;
        char line[256];

        ck_assert_int_eq(load("[cgroup system.slice/db-[ab].service]\nsoft_limit = 1M\n"
                              "[cgroup system.slice/web-[!0-9]*.service] ; not web-1 [or any digit]\n"
                              "soft_limit = 2M\n"
                              "[cgroup x/[]]]\nsoft_limit = 3M\n", &cfg, &errs), 0);
        ck_assert_uint_eq(cfg->n_cgroups, 3);
        ck_assert_str_eq(cfg->cgroups[0].path, "system.slice/db-[ab].service");
        ck_assert_str_eq(cfg->cgroups[1].path, "system.slice/web-[!0-9]*.service");
        ck_assert_str_eq(cfg->cgroups[2].path, "x/[]]");
        ck_assert_uint_eq(config_match(cfg, "system.slice/db-a.service")->soft_limit_bytes, 1 << 20);
        ck_assert_uint_eq(config_match(cfg, "system.slice/db-b.service")->soft_limit_bytes, 1 << 20);
        ck_assert_ptr_null(config_match(cfg, "system.slice/db-c.service"));
        ck_assert_ptr_null(config_match(cfg, "system.slice/db-[ab"));
        ck_assert_uint_eq(config_match(cfg, "system.slice/web-x1.service")->soft_limit_bytes, 2 << 20);
        ck_assert_ptr_null(config_match(cfg, "system.slice/web-1.service"));
        ck_assert_uint_eq(config_match(cfg, "x/]")->soft_limit_bytes, 3 << 20);
        config_free(cfg);
        config_errors_clear(&errs);

        /* Text after the last ']' is an error naming the file and the line; the section's keys
         * are not reported again. */
        assert_one_error("[cgroup batch] junk\nsoft_limit = 1M\n", 1, NULL, "after the section header's last ']'");
        assert_one_error("[reclaim]\nmin_chunk = 1M\n[pressure]x\ntrigger = bogus\n", 3, NULL, "\"x\"");
        ck_assert_int_eq(load("\n[cgroup db-[ab]].service\n", &cfg, &errs), -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        ck_assert_str_eq(config_error_format(&errs, &errs.v[0], line, sizeof(line)),
                         "test.conf:2: text after the section header's last ']': \".service\"");
        config_errors_clear(&errs);
}
END_TEST

/* A temporary folder with a main file (main_text) and an empty drop-in folder beside it. */
struct conf_dir {
        char dir[32], main_file[256], dropins[256];
};

static void conf_dir_make(struct conf_dir *d, const char *main_text)
{
        snprintf(d->dir, sizeof(d->dir), "/tmp/reclaimd-conf.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(d->dir));
        snprintf(d->main_file, sizeof(d->main_file), "%s/reclaimd.conf", d->dir);
        snprintf(d->dropins, sizeof(d->dropins), "%s/reclaimd.conf.d", d->dir);
        ck_assert_int_eq(mkdir(d->dropins, 0755), 0);
        write_file(d->main_file, main_text);
}

static void conf_dir_remove(struct conf_dir *d)
{
        char cmd[64];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
        ck_assert_int_eq(system(cmd), 0);
}

/*
 * The dump is a valid configuration that reads back the same whatever the
 * drop-ins' names hold: a newline in one must not end its "# from" comment
 * and add a section.
 */
START_TEST(dump_of_hostile_file_names_reads_back_the_same)
{
        struct config_errors errs = {};
        struct config *cfg = NULL, *again = NULL;
        struct conf_dir d;
        char *text = NULL, path[320];
        size_t len = 0;
        FILE *f;

        conf_dir_make(&d, "[cgroup a]\nsoft_limit = 1G\n");
        snprintf(path, sizeof(path), "%s/10-x\n[cgroup evil]\nsoft_limit = 1\n#.conf", d.dropins);
        write_file(path, "[cgroup b]\nsoft_limit = 2G\n");
        ck_assert_int_eq(config_load(d.main_file, d.dropins, &cfg, &errs), 0);
        ck_assert_uint_eq(cfg->n_cgroups, 2);
        f = open_memstream(&text, &len);
        config_dump(cfg, f);
        fclose(f);
        ck_assert_msg(load(text, &again, &errs) == 0, "the dump does not load:\n%s", text);
        ck_assert_uint_eq(again->n_cgroups, 2);
        ck_assert_ptr_null(config_find_cgroup(again, "evil"));
        ck_assert_uint_eq(config_find_cgroup(again, "b")->soft_limit_bytes, 2ULL << 30);
        config_free(cfg);
        config_free(again);
        config_errors_clear(&errs);
        free(text);
        conf_dir_remove(&d);
}
END_TEST

START_TEST(most_specific_section_applies)
{
        struct config_errors errs = {};
        struct config *cfg = NULL;

        ck_assert_int_eq(config_load_string("[cgroup s/*]\nsoft_limit = 1M\n"
                                            "[cgroup s/db-*]\nsoft_limit = 2M\n"
                                            "[cgroup s/*-main]\nsoft_limit = 3M\n"
                                            "[cgroup s/db-main]\nsoft_limit = 4M\n", "t.conf", &cfg, &errs), 0);
        ck_assert_uint_eq(config_match(cfg, "s/db-main")->soft_limit_bytes, 4 << 20);
        ck_assert_uint_eq(config_match(cfg, "s/db-x")->soft_limit_bytes, 2 << 20);
        ck_assert_uint_eq(config_match(cfg, "s/web-main")->soft_limit_bytes, 3 << 20);
        ck_assert_uint_eq(config_match(cfg, "s/other")->soft_limit_bytes, 1 << 20);
        ck_assert_ptr_null(config_match(cfg, "t/other"));
        ck_assert_ptr_null(config_match(cfg, "s/a/b"));
        /* "db-*" and "*-main" both have 5 literal characters for "db-main"... the exact one wins;
         * for "db-1-main" they tie and the later ("*-main") applies. */
        ck_assert_uint_eq(config_match(cfg, "s/db-1-main")->soft_limit_bytes, 3 << 20);
        config_free(cfg);
        config_errors_clear(&errs);

        /* A bracket class is one character of a set, none of its members literal; an escaped one is one. */
        ck_assert_int_eq(config_load_string("[cgroup pods/pod-*]\nsoft_limit = 1M\n"
                                            "[cgroup pods/[[:alpha:]]*]\nsoft_limit = 2M\n"
                                            "[cgroup pods/[abcdefghijklmnop]*]\nsoft_limit = 3M\n"
                                            "[cgroup pods/\\p*]\nsoft_limit = 4M\n", "t.conf", &cfg, &errs), 0);
        ck_assert_str_eq(config_match(cfg, "pods/pod-1")->path, "pods/pod-*");
        ck_assert_uint_eq(cgpath_specificity("pods/[[:alpha:]]*"), 5);
        ck_assert_uint_eq(cgpath_specificity("pods/\\p*"), 6);
        config_free(cfg);
        config_errors_clear(&errs);
}
END_TEST

/* Every key of the table, given values of the wrong type, out of range, empty, huge or not
 * UTF-8, is refused with one error naming line 2 and the key; nothing is accepted. */
/* One error for [metrics] textfile = value, naming the line, the key and why. */
static void assert_textfile_refused(const char *value, const char *why)
{
        struct config_errors errs = {};
        struct config *cfg = NULL;
        char text[512], line[1024];

        snprintf(text, sizeof(text), "[metrics]\ntextfile = %s\n", value);
        ck_assert_int_eq(config_load_string(text, "m.conf", &cfg, &errs), -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        config_error_format(&errs, &errs.v[0], line, sizeof(line));
        ck_assert_msg(strstr(line, "m.conf:2: [metrics] key 'textfile': ") && strstr(line, value) && strstr(line, why),
                      "error: %s", line);
        config_errors_clear(&errs);
}

/*
 * The metrics file's path is checked when the configuration is read: a
 * directory that does not exist, is a file, or cannot be written is an error
 * naming the file, line and key (so a reload keeps the running
 * configuration); none is the default, and a good path is kept.
 */
START_TEST(metrics_textfile_checked_when_read)
{
        char dir[] = "/tmp/reclaimd-test-metrics.XXXXXX", path[128], text[256];
        struct config_errors errs = {};
        struct config *cfg = NULL;
        pid_t pid;
        int status;

        cfg = load_config("");
        ck_assert_ptr_null(cfg->metrics_textfile);
        ck_assert_uint_eq(cfg->metrics_interval_usec, 5000000);
        config_free(cfg);

        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/missing/reclaimd.prom", dir);
        assert_textfile_refused(path, "its directory does not exist");
        assert_textfile_refused("reclaimd.prom", "an absolute path");
        assert_textfile_refused("/tmp/", "an absolute path");
        snprintf(path, sizeof(path), "%s/file", dir);
        write_file(path, "");
        snprintf(path, sizeof(path), "%s/file/reclaimd.prom", dir);
        assert_textfile_refused(path, "not a directory");
        /*
         * Root may write anywhere: unwritable is tried as nobody; another
         * user (a package build) on a folder of its own without the right.
         */
        ck_assert_int_eq(chmod(dir, geteuid() == 0 ? 0755 : 0555), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                snprintf(path, sizeof(path), "%s/reclaimd.prom", dir);
                if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
                        _exit(3);
                assert_textfile_refused(path, "its directory is not writable");
                _exit(0);
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "unwritable: status %d", status);
        ck_assert_int_eq(chmod(dir, 0755), 0);

        /* What is there already must be a file reclaimd wrote, since it is replaced and then
         * removed: not another (the configuration itself, by a typo), whatever its name. */
        snprintf(path, sizeof(path), "%s/precious.txt", dir);
        write_file(path, "precious\n");
        assert_textfile_refused(path, "holds no metrics reclaimd wrote");
        unlink(path);
        snprintf(path, sizeof(path), "%s/reclaimd.prom", dir);
        write_file(path, "[cgroup web]\nsoft_limit = 1G\n");
        assert_textfile_refused(path, "holds no metrics reclaimd wrote");
        unlink(path);
        snprintf(path, sizeof(path), "%s/d.prom", dir);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        assert_textfile_refused(path, "is a directory");
        ck_assert_int_eq(rmdir(path), 0);
        ck_assert_int_eq(mkfifo(path, 0644), 0);
        assert_textfile_refused(path, "not a regular file");
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(symlink("/etc/passwd", path), 0);
        assert_textfile_refused(path, "symbolic link");
        ck_assert_int_eq(unlink(path), 0);

        /* Any name: node_exporter reads *.prom, another collector may read others. */
        snprintf(path, sizeof(path), "%s/metrics.txt", dir);
        snprintf(text, sizeof(text), "[metrics]\ntextfile = %s\n", path);
        ck_assert_int_eq(config_load_string(text, "m.conf", &cfg, &errs), 0);
        config_free(cfg);
        /* One an earlier run left (killed, it did not remove it). */
        snprintf(path, sizeof(path), "%s/reclaimd.prom", dir);
        write_file(path, METRICS_FILE_HEAD "build_info reclaimd's version.\n");
        snprintf(text, sizeof(text), "[metrics]\ntextfile = %s\ninterval = 2s\n", path);
        ck_assert_int_eq(config_load_string(text, "m.conf", &cfg, &errs), 0);
        ck_assert_str_eq(cfg->metrics_textfile, path);
        ck_assert_uint_eq(cfg->metrics_interval_usec, 2000000);
        config_free(cfg);
        unlink(path);
        snprintf(path, sizeof(path), "%s/file", dir);
        unlink(path);
        rmdir(dir);
}
END_TEST

/* [balance] protect was a boolean: yes and no keep their meaning (auto and no). */
START_TEST(choice_that_was_boolean_keeps_yes_and_no)
{
        static const struct { const char *value; uint64_t mode; } cases[] = {
                { "yes", PROTECT_AUTO }, { "true", PROTECT_AUTO }, { "no", PROTECT_NO },
                { "off", PROTECT_NO }, { "low", PROTECT_LOW }, { "min", PROTECT_MIN },
        };
        char text[64];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct config *cfg;

                snprintf(text, sizeof(text), "[balance]\nprotect = %s\n", cases[i].value);
                cfg = load_config(text);
                ck_assert_msg(cfg->protect == cases[i].mode, "protect = %s: %" PRIu64, cases[i].value,
                              cfg->protect);
                config_free(cfg);
        }
        assert_one_error("[balance]\nprotect = maybe\n", 2, "protect", "expected no, low, min or auto");
        /* A key that was never a boolean takes no boolean. */
        assert_one_error("[reclaim]\nsoft_limit_xattr = true\n", 2, "soft_limit_xattr", "expected no, yes or prefer");
        /* A choice in any case, as a boolean is. */
        {
                struct config *cfg = load_config("[balance]\nprotect = Low\n[reclaim]\nsoft_limit_xattr = Prefer\n");

                ck_assert_uint_eq(cfg->protect, PROTECT_LOW);
                ck_assert_uint_eq(cfg->soft_limit_xattr, XATTR_PREFER);
                config_free(cfg);
        }
}
END_TEST

START_TEST(every_key_refuses_bad_values)
{
        static const char *const bad[] = {
                "", "-1", "abc", "99999999999999999999999999", "1.5.5", "\xff\xfe", "12Q",
                "some 1ms", "0x10", "yes please",
        };
        char text[512], section[64];

        for (size_t i = 0; i < config_table_size; i++) {
                const struct config_item *it = &config_table[i];

                snprintf(section, sizeof(section), "%s%s", it->section,
                         strcmp(it->section, "cgroup") == 0 ? " a" : "");
                for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
                        struct config_errors errs = {};
                        struct config *cfg = NULL;
                        int r;

                        snprintf(text, sizeof(text), "[%s]\n%s = %s\n", section, it->key, bad[k]);
                        r = config_load_string(text, "t.conf", &cfg, &errs);
                        ck_assert_msg(r == -EINVAL, "[%s] %s = \"%s\" accepted", section, it->key, bad[k]);
                        ck_assert_uint_eq(errs.n, 1);
                        ck_assert_uint_eq(errs.v[0].line, 2);
                        ck_assert(!errs.v[0].key || strcmp(errs.v[0].key, it->key) == 0);
                        config_errors_clear(&errs);
                }
        }
}
END_TEST

/* Bounds: one past each end of a key's range is refused, the ends themselves accepted. */
START_TEST(every_key_checks_its_bounds)
{
        char text[256];

        for (size_t i = 0; i < config_table_size; i++) {
                const struct config_item *it = &config_table[i];
                const char *sec = strcmp(it->section, "cgroup") == 0 ? "cgroup a" : it->section;
                struct config_errors errs = {};
                struct config *cfg = NULL;

                if (it->type != CONFIG_UINT && it->type != CONFIG_SIZE)
                        continue;
                snprintf(text, sizeof(text), "[%s]\n%s = %llu\n", sec, it->key, (unsigned long long)it->min);
                ck_assert_int_eq(config_load_string(text, "t.conf", &cfg, &errs), 0);
                config_free(cfg);
                if (it->max < UINT64_MAX - 1) {
                        snprintf(text, sizeof(text), "[%s]\n%s = %llu\n", sec, it->key,
                                 (unsigned long long)it->max + 1);
                        ck_assert_int_eq(config_load_string(text, "t.conf", &cfg, &errs), -EINVAL);
                        ck_assert_ptr_nonnull(strstr(errs.v[0].message, "out of range"));
                }
                if (it->min > 0) {
                        snprintf(text, sizeof(text), "[%s]\n%s = %llu\n", sec, it->key,
                                 (unsigned long long)it->min - 1);
                        ck_assert_int_eq(config_load_string(text, "t.conf", &cfg, &errs), -EINVAL);
                }
                config_errors_clear(&errs);
        }
}
END_TEST

/* Drop-ins, as systemd reads them: lexical order, a later file's key wins; within one file
 * a key may appear once; every error names the drop-in it is in. */
START_TEST(dropins_override_in_lexical_order)
{
        struct config_errors errs = {};
        struct config *cfg = NULL;
        struct conf_dir d;
        char buf[512], path[300];

        conf_dir_make(&d, "[reclaim]\nmin_chunk = 1M\nround_target = 8M\n[cgroup a]\nsoft_limit = 1G\n");
        snprintf(path, sizeof(path), "%s/20-late.conf", d.dropins);
        write_file(path, "[reclaim]\nmin_chunk = 4M\n[cgroup a]\nsoft_limit = 3G\n");
        snprintf(path, sizeof(path), "%s/10-early.conf", d.dropins);
        write_file(path, "[reclaim]\nmin_chunk = 2M\n[cgroup b]\nsoft_limit = 2G\n");
        snprintf(path, sizeof(path), "%s/30-ignored.txt", d.dropins);
        write_file(path, "this is not a drop-in\n");

        ck_assert_int_eq(config_load(d.main_file, d.dropins, &cfg, &errs), 0);
        ck_assert_uint_eq(cfg->min_chunk_bytes, 4 << 20);      /* 20-late.conf wins */
        ck_assert_uint_eq(cfg->round_target_bytes, 8 << 20);   /* untouched by drop-ins */
        ck_assert_uint_eq(cfg->n_cgroups, 2);
        ck_assert_uint_eq(config_find_cgroup(cfg, "a")->soft_limit_bytes, 3ULL << 30);
        ck_assert_ptr_nonnull(strstr(config_find_cgroup(cfg, "a")->file, "20-late.conf"));
        ck_assert_uint_eq(config_find_cgroup(cfg, "b")->soft_limit_bytes, 2ULL << 30);
        config_free(cfg);

        /* A broken drop-in refuses the whole configuration, naming the drop-in. */
        snprintf(path, sizeof(path), "%s/40-broken.conf", d.dropins);
        write_file(path, "[cgroup c]\nsoft_limit = 1G\nsoft_limit = 2G\n");
        ck_assert_int_eq(config_load(d.main_file, d.dropins, &cfg, &errs), -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        ck_assert_str_eq(config_error_format(&errs, &errs.v[0], buf, sizeof(buf)),
                         strcat(strcpy((char[512]){0}, path), ":3: [cgroup c] key 'soft_limit': duplicate key"));
        config_errors_clear(&errs);
        conf_dir_remove(&d);
}
END_TEST

/* Asserts that errs holds one error, about the whole file (no line), naming file, saying needle. */
static void assert_file_error(const struct config_errors *errs, const char *file, const char *needle)
{
        char line[1024];

        ck_assert_uint_eq(errs->n, 1);
        config_error_format(errs, &errs->v[0], line, sizeof(line));
        ck_assert_msg(strncmp(line, file, strlen(file)) == 0 && line[strlen(file)] == ':' &&
                      strstr(line, needle), "error: %s", line);
}

/*
 * The main file and every drop-in must be regular files: a directory, a FIFO
 * (opening one would block until a writer comes, freezing a reload) or a
 * device (/dev/zero never ends) is an error naming it, as is a file past the
 * size bound; a read error is an error too, never the end of a half-read
 * file. /dev/null reads as the empty file it is.
 */
START_TEST(only_regular_files_are_read)
{
        struct config_errors errs = {};
        struct config *cfg = NULL;
        struct conf_dir d;
        char path[300];
        FILE *f;

        conf_dir_make(&d, "[cgroup a]\nsoft_limit = 1G\n");
        ck_assert_int_eq(config_load_file(d.dir, &cfg, &errs), -EISDIR);
        assert_file_error(&errs, d.dir, "Is a directory");
        config_errors_clear(&errs);
        ck_assert_int_lt(config_load_file("/dev/zero", &cfg, &errs), 0);
        assert_file_error(&errs, "/dev/zero", "not a regular file");
        config_errors_clear(&errs);
        ck_assert_int_eq(config_load_file("/dev/null", &cfg, &errs), 0);
        ck_assert_uint_eq(cfg->n_cgroups, 0);
        config_free(cfg);
        /* /proc/self/mem is a regular file whose first page cannot be read (EIO). */
        ck_assert_int_lt(config_load_file("/proc/self/mem", &cfg, &errs), 0);
        assert_file_error(&errs, "/proc/self/mem", "Input/output error");
        config_errors_clear(&errs);

        /* A file past the bound (sparse: it costs no disk). */
        snprintf(path, sizeof(path), "%s/huge.conf", d.dir);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(ftruncate(fileno(f), CONFIG_FILE_MAX + 1), 0);
        fclose(f);
        ck_assert_int_lt(config_load_file(path, &cfg, &errs), 0);
        assert_file_error(&errs, path, "larger than 1M");
        config_errors_clear(&errs);

        /* Drop-ins: a FIFO refuses the whole configuration (a reload would wait on it for good). */
        snprintf(path, sizeof(path), "%s/60.conf", d.dropins);
        ck_assert_int_eq(mkfifo(path, 0644), 0);
        ck_assert_int_lt(config_load(d.main_file, d.dropins, &cfg, &errs), 0);
        assert_file_error(&errs, path, "a FIFO, not a regular file");
        config_errors_clear(&errs);
        /* The main file may be one, written by whoever named it: --config <(...). */
        {
                pid_t pid = fork();
                int status;

                ck_assert_int_ge(pid, 0);
                if (pid == 0) {
                        FILE *w = fopen(path, "w");

                        _exit(w && fputs("[cgroup piped]\nsoft_limit = 1G\n", w) >= 0 && fclose(w) == 0 ? 0 : 1);
                }
                ck_assert_int_eq(config_load_file(path, &cfg, &errs), 0);
                ck_assert_uint_eq(cfg->n_cgroups, 1);
                ck_assert_str_eq(cfg->cgroups[0].path, "piped");
                config_free(cfg);
                ck_assert_int_eq(waitpid(pid, &status, 0), pid);
                ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        ck_assert_int_eq(unlink(path), 0);
        /* A directory among them is skipped, as systemd skips one among its own drop-ins. */
        snprintf(path, sizeof(path), "%s/20-dir.conf", d.dropins);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        ck_assert_int_eq(config_load(d.main_file, d.dropins, &cfg, &errs), 0);
        ck_assert_uint_eq(cfg->n_cgroups, 1);
        config_free(cfg);
        conf_dir_remove(&d);
}
END_TEST

/*
 * The drop-in folder is listed, not globbed: a '[' in its path is no bracket
 * class that reads another folder's drop-ins. One that cannot be listed is
 * an error naming it (not "no drop-ins", which only a missing one means).
 */
START_TEST(dropin_folder_is_listed_not_globbed)
{
        struct config_errors errs = {};
        struct config *cfg = NULL;
        char top[] = "/tmp/reclaimd-conf.XXXXXX", path[300], main_file[300], dropins[300];
        pid_t pid;
        int status;

        ck_assert_ptr_nonnull(mkdtemp(top));
        ck_assert_int_eq(chmod(top, 0755), 0);
        snprintf(path, sizeof(path), "%s/g[1]", top);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/g1", top);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/g[1]/m.conf.d", top);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/g1/m.conf.d", top);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/g1/m.conf.d/x.conf", top);
        write_file(path, "[cgroup a]\nsoft_limit = 7G\n");
        snprintf(path, sizeof(path), "%s/g[1]/m.conf.d/x.conf", top);
        write_file(path, "[cgroup a]\nsoft_limit = 3G\n");
        snprintf(main_file, sizeof(main_file), "%s/g[1]/m.conf", top);
        write_file(main_file, "[cgroup a]\nsoft_limit = 1G\n");
        snprintf(dropins, sizeof(dropins), "%s/g[1]/m.conf.d", top);

        ck_assert_int_eq(config_load(main_file, dropins, &cfg, &errs), 0);
        ck_assert_uint_eq(config_find_cgroup(cfg, "a")->soft_limit_bytes, 3ULL << 30);
        ck_assert_str_eq(config_find_cgroup(cfg, "a")->file, path);
        config_free(cfg);

        /* Missing: no drop-ins. */
        snprintf(path, sizeof(path), "%s/g[1]/none.d", top);
        ck_assert_int_eq(config_load(main_file, path, &cfg, &errs), 0);
        ck_assert_uint_eq(config_find_cgroup(cfg, "a")->soft_limit_bytes, 1ULL << 30);
        config_free(cfg);

        /* Unlistable: root lists anything, so as nobody; another user, a folder of its own it may not read. */
        ck_assert_int_eq(chmod(dropins, geteuid() == 0 ? 0700 : 0300), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
                        _exit(3);
                if (config_load(main_file, dropins, &cfg, &errs) != -EACCES)
                        _exit(4);
                assert_file_error(&errs, dropins, "Permission denied");
                _exit(0);
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "unlistable: status %d", status);
        ck_assert_int_eq(chmod(dropins, 0700), 0);
        snprintf(path, sizeof(path), "rm -rf '%s'", top);
        ck_assert_int_eq(system(path), 0);
}
END_TEST

/* Asserts that a and b mean the same: every key's value, and in each [cgroup] section which keys it set. */
static void assert_same_meaning(const struct config *a, const struct config *b)
{
        ck_assert_uint_eq(a->n_cgroups, b->n_cgroups);
        for (size_t i = 0; i < config_table_size; i++) {
                const struct config_item *it = &config_table[i];
                bool cg = strcmp(it->section, "cgroup") == 0;

                for (size_t k = 0; k < (cg ? a->n_cgroups : 1); k++) {
                        const char *pa = cg ? (const char *)&a->cgroups[k] : (const char *)a;
                        const char *pb = cg ? (const char *)&b->cgroups[k] : (const char *)b;
                        size_t size = it->type == CONFIG_BOOL ? sizeof(bool) :
                                      it->type == CONFIG_MEMORY ? sizeof(struct mem_amount) : sizeof(uint64_t);

                        if (it->type == CONFIG_TRIGGER) {   /* padded: field by field */
                                const struct psi_trigger *ta = (const void *)(pa + it->offset);
                                const struct psi_trigger *tb = (const void *)(pb + it->offset);

                                ck_assert_msg(ta->kind == tb->kind && ta->stall_usec == tb->stall_usec &&
                                              ta->window_usec == tb->window_usec, "%s differs", it->key);
                        } else if (it->type == CONFIG_FILE) {
                                const char *fa = *(char *const *)(pa + it->offset);
                                const char *fb = *(char *const *)(pb + it->offset);

                                ck_assert_msg(fa == fb || (fa && fb && strcmp(fa, fb) == 0), "%s differs", it->key);
                        } else
                                ck_assert_msg(memcmp(pa + it->offset, pb + it->offset, size) == 0,
                                              "[%s] %s differs", cg ? a->cgroups[k].path : it->section, it->key);
                }
        }
        for (size_t k = 0; k < a->n_cgroups; k++) {
                ck_assert_str_eq(a->cgroups[k].path, b->cgroups[k].path);
                ck_assert_msg(a->cgroups[k].set == b->cgroups[k].set, "[cgroup %s] sets other keys: %#" PRIx64
                              " against %#" PRIx64, a->cgroups[k].path, a->cgroups[k].set, b->cgroups[k].set);
                ck_assert_int_eq(config_xattr_mode(a, &a->cgroups[k]), config_xattr_mode(b, &b->cgroups[k]));
        }
}

/* What --check-config prints for text, loaded back: the same meaning, or the test fails. */
static void assert_dump_round_trips(const char *text)
{
        struct config_errors errs = {};
        struct config *a, *b = NULL;
        char *dump = NULL;
        size_t len = 0;
        FILE *f;

        a = load_config(text);
        f = open_memstream(&dump, &len);
        config_dump(a, f);
        fclose(f);
        ck_assert_msg(config_load_string(dump, "dump.conf", &b, &errs) == 0, "the dump does not load:\n%s", dump);
        assert_same_meaning(a, b);
        config_free(a);
        config_free(b);
        config_errors_clear(&errs);
        free(dump);
}

/*
 * A [cgroup] section's keys it did not set are not dumped as if it had: an
 * unset soft_limit lets the cgroup's xattr in (soft_limit_xattr = yes), and
 * an unset soft_limit_xattr is [reclaim]'s. The README's Kubernetes example,
 * read from the README itself, must come back the same.
 */
START_TEST(dump_keeps_what_sections_leave_unset)
{
        const char *srcdir = getenv("abs_top_srcdir");
        char path[4096], line[512], text[4096] = "";
        bool in = false, found = false;
        FILE *f;

        assert_dump_round_trips("[reclaim]\nsoft_limit_xattr = prefer\n[cgroup web]\nsoft_limit = 1G\n"
                                "[cgroup db]\nsoft_limit_xattr = no\ntrigger = some 100ms 1s\n");

        snprintf(path, sizeof(path), "%s/README.md", srcdir ? srcdir : ".");
        f = fopen(path, "r");
        ck_assert_ptr_nonnull(f);
        while (!found && fgets(line, sizeof(line), f)) {
                if (!in) {
                        in = strcmp(line, "```ini\n") == 0;
                        text[0] = '\0';
                } else if (strcmp(line, "```\n") == 0) {
                        in = false;
                        found = strstr(text, "soft_limit_xattr = yes") != NULL;
                } else
                        strncat(text, line, sizeof(text) - strlen(text) - 1);
        }
        fclose(f);
        ck_assert_msg(found, "README.md has no ```ini example with soft_limit_xattr = yes");
        assert_dump_round_trips(text);
}
END_TEST

/*
 * inih reads a line into a buffer of INI_MAX_LINE (200) bytes. A comment
 * longer than that is harmless; any other line is one error, and the lines
 * after a header too long to read are not charged to the section before it.
 */
START_TEST(lines_longer_than_the_parser_reads)
{
        struct config *cfg;
        char text[2048], name[256];

        memset(name, 'x', 250);
        name[250] = '\0';
        snprintf(text, sizeof(text), "# %s\n[cgroup a]\n; %s\n   # %s\nsoft_limit = 1G\n", name, name, name);
        cfg = load_config(text);
        ck_assert_uint_eq(cfg->cgroups[0].soft_limit_bytes, 1ULL << 30);
        config_free(cfg);

        /* A header is read whole: a cgroup path as long as Kubernetes' pods and containers make them. */
        snprintf(text, sizeof(text), "[cgroup a]\nsoft_limit = 1G\n[cgroup b/%s]\nsoft_limit = 2G\n", name);
        cfg = load_config(text);
        ck_assert_uint_eq(cfg->n_cgroups, 2);
        ck_assert_uint_eq(strlen(cfg->cgroups[1].path), 252);
        ck_assert_uint_eq(cfg->cgroups[1].soft_limit_bytes, 2ULL << 30);
        config_free(cfg);
        /* Past what a section name may hold: one error, and its keys not charged elsewhere. */
        snprintf(text, sizeof(text), "[cgroup a]\nsoft_limit = 1G\n[cgroup %s/%s/%s]\nsoft_limit = 2G\n", name, name,
                 name);
        assert_one_error(text, 3, NULL, "section name longer than 511 characters");
        /* Any other line is read by inih, within its buffer. */
        snprintf(text, sizeof(text), "[cgroup a]\nsoft_limit = %s\ntrigger = some 100ms 1s\n", name);
        assert_one_error(text, 2, NULL, "line longer than 198 characters, which the parser cannot read");
}
END_TEST

/*
 * Leading blanks are dropped before inih sees a line: to inih an indented
 * line continues the key before it (a continuation no key takes), so the
 * error named the wrong key, or a header was read as a value.
 */
START_TEST(indented_lines_are_read_as_they_are)
{
        struct config *cfg;

        cfg = load_config("[cgroup web]\nsoft_limit = 1G\n    trigger = some 100ms 1s\n"
                          "[reclaim]\nround_target = 16M\n\t[cgroup db]\n  soft_limit = 2G\n");
        ck_assert_uint_eq(cfg->n_cgroups, 2);
        ck_assert_uint_eq(config_find_cgroup(cfg, "web")->trigger.stall_usec, 100000);
        ck_assert_uint_eq(config_find_cgroup(cfg, "db")->soft_limit_bytes, 2ULL << 30);
        ck_assert_uint_eq(cfg->round_target_bytes, 16 << 20);
        config_free(cfg);
        assert_one_error("[cgroup web]\nsoft_limit = 1G\n  trigger = sometimes\n", 3, "trigger", "invalid trigger");
}
END_TEST

/*
 * A header's path loses its blanks at both ends; an empty one, a glob whose
 * bracket class never ends (fnmatch() would take the '[' literally, and the
 * section match nothing), and a NUL byte (which cut the line short unseen)
 * are errors naming the line.
 */
/* Asserts that a file of len bytes is refused with one error, at line, saying needle. */
static void assert_bytes_refused(const char *bytes, size_t len, unsigned line, const char *needle)
{
        char path[] = "/tmp/reclaimd-test-conf.XXXXXX";
        struct config_errors errs = {};
        struct config *cfg = NULL;
        int fd = mkstemp(path);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, bytes, len), (ssize_t)len);
        close(fd);
        ck_assert_int_eq(config_load_file(path, &cfg, &errs), -EINVAL);
        ck_assert_uint_eq(errs.n, 1);
        ck_assert_uint_eq(errs.v[0].line, line);
        ck_assert_msg(strstr(errs.v[0].message, needle), "\"%s\" not in \"%s\"", needle, errs.v[0].message);
        config_errors_clear(&errs);
        unlink(path);
}

START_TEST(header_paths_and_bytes_checked)
{
        static const char nul_in_line[] = "[cgroup a]\nsoft_limit = 1G\0junk\ntrigger = none\n";
        char nuls[300] = "";
        struct config *cfg;

        cfg = load_config("[cgroup   web  ]\n[cgroup\tdb]\n[cgroup x/[[:digit:]]*]\n[cgroup y/[]a]]\n"
                          "[cgroup z/\\[a]\n");
        ck_assert_uint_eq(cfg->n_cgroups, 5);
        ck_assert_str_eq(cfg->cgroups[0].path, "web");
        ck_assert_str_eq(cfg->cgroups[1].path, "db");
        ck_assert_ptr_nonnull(config_match(cfg, "x/1"));
        ck_assert_ptr_nonnull(config_match(cfg, "y/]"));
        ck_assert_ptr_nonnull(config_match(cfg, "z/[a"));
        config_free(cfg);

        assert_one_error("[cgroup ]\nsoft_limit = 1G\n", 1, NULL, "empty cgroup path");
        assert_one_error("[cgroup [a-]\nsoft_limit = 1G\n", 1, NULL, "'[' without its ']'");
        assert_one_error("[cgroup a/[b/c]d]\n", 1, NULL, "'[' without its ']'");
        assert_one_error("[cgroup a/[[:alph]]\n", 1, NULL, "'[' without its ']'");
        assert_one_error("[cgroup a/[[:nope:]]\n", 1, NULL, "unknown character class");
        assert_one_error("[cgroup a/*\\]\n", 1, NULL, "backslash");
        assert_bytes_refused(nul_in_line, sizeof(nul_in_line) - 1, 2, "NUL byte");
        assert_bytes_refused(nuls, sizeof(nuls), 1, "NUL byte");
}
END_TEST

/* Asserts that text is refused with errors at exactly the lines given (0-terminated), in that order. */
static void assert_error_lines(const char *text, const unsigned *lines)
{
        struct config_errors errs = {};
        struct config *cfg = NULL;
        size_t n = 0;

        ck_assert_int_eq(config_load_string(text, "test.conf", &cfg, &errs), -EINVAL);
        while (lines[n])
                n++;
        for (size_t i = 0; errs.n != n && i < errs.n; i++)
                fprintf(stderr, "  %u: %s\n", errs.v[i].line, errs.v[i].message);
        ck_assert_uint_eq(errs.n, n);
        for (size_t i = 0; i < n; i++)
                ck_assert_uint_eq(errs.v[i].line, lines[i]);
        config_errors_clear(&errs);
}

/*
 * Every syntax error is reported, not only inih's first, in line order with
 * the other errors; the keys under a broken header are not charged to the
 * section before it.
 */
START_TEST(every_syntax_error_in_line_order)
{
        assert_error_lines("[cgroup a]\nsoft_limit 1G\ntrigger some 1s 2s\n[cgroup b\nsoft_limit = 1Q\n",
                           (const unsigned[]){ 2, 3, 4, 0 });
        assert_error_lines("[pressure]\njunk\nresolve = 200%\n[cgroup a ;b]\nsoft_limit = 1G\n"
                           "[cgroup c]\nsoft_limit = 1Q\nx\n",
                           (const unsigned[]){ 2, 3, 4, 7, 8, 0 });
        /* A byte order mark is no syntax error, as inih skips it. */
        config_free(load_config("\xef\xbb\xbf[cgroup a]\nsoft_limit = 1G\n"));
        /* Nor a comment that is not UTF-8 (Latin-1, say): nobody's value. */
        config_free(load_config("# caf\xe9\n[cgroup a]\n  ; \xff\nsoft_limit = 1G\n"));
        /* inih's other separator is refused; a colon in a value after the '=' is the value's. */
        assert_one_error("[pressure]\ntrigger: some 150ms 1s\n", 2, NULL, "not \"key: value\"");
        assert_one_error("[pressure]\ntrigger : some = 1s\n", 2, NULL, "not \"key: value\"");
        config_free(load_config("[cgroup a]\nsoft_limit = 1G ; 10:30\n"));
}
END_TEST

/* A key's range, in its errors, reads as the configuration writes values: 1h, 4K, no 2^64 - 2. */
START_TEST(ranges_read_as_values_do)
{
        struct config *cfg;
        static const struct { const char *text, *key, *needle; } cases[] = {
                { "[reclaim]\nround_target = 1\n", "round_target", "out of range: expected at least 4K" },
                { "[reclaim]\nmin_chunk = 2T\n", "min_chunk", "out of range: expected 4K..1T" },
                { "[reclaim]\nrelease_interval = 10ms\n", "release_interval", "expected 100ms..1h" },
                { "[reclaim]\nbackoff = 2h\n", "backoff", "expected 0s..1h" },
                { "[reclaim]\nbackoff = 1Q\n", "backoff", "min or h (0s..1h)" },
                { "[reclaim]\ninitial_priority = 13\n", "initial_priority", "expected 0..12" },
                { "[balance]\nreserve = 1Q\n", "reserve", "optional K, M, G or T suffix, or a share" },
                { "[cgroup a]\nsoft_limit = 1Q\n", "soft_limit", "K, M, G or T suffix, or max\0" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                assert_one_error(cases[i].text, 2, cases[i].key, cases[i].needle);
        /* The suffixes as the manual gives them: either case, B or iB after, no bare B. */
        assert_one_error("[cgroup a]\nsoft_limit = 512B\n", 2, "soft_limit", "invalid size");
        cfg = load_config("[cgroup a]\nsoft_limit = 256m\n[cgroup b]\nsoft_limit = 256MiB\n"
                          "[cgroup c]\nsoft_limit = 256mb\n");
        for (size_t i = 0; i < 3; i++)
                ck_assert_uint_eq(cfg->cgroups[i].soft_limit_bytes, 256 << 20);
        config_free(cfg);
}
END_TEST

CHECK_MAIN("config", example_from_the_issue, defaults_come_from_the_table,
           every_error_names_its_line_and_key, unknown_and_duplicate_names_refused,
           paths_must_stay_beneath_the_root, long_names_and_lines, dump_reads_back_the_same,
           shipped_example_is_valid, shipped_example_lists_every_key, dropins_override_in_lexical_order,
           manual_lists_every_key, bracket_classes_in_globs, dump_of_hostile_file_names_reads_back_the_same,
           most_specific_section_applies, every_key_refuses_bad_values,
           every_key_checks_its_bounds, metrics_textfile_checked_when_read,
           choice_that_was_boolean_keeps_yes_and_no, only_regular_files_are_read,
           dropin_folder_is_listed_not_globbed, dump_keeps_what_sections_leave_unset,
           lines_longer_than_the_parser_reads, indented_lines_are_read_as_they_are,
           header_paths_and_bytes_checked, every_syntax_error_in_line_order,
           ranges_read_as_values_do)
