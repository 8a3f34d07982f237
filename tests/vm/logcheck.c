/*
 * logcheck -- read reclaimd's stderr (or --check-config's listing) back with
 * the tests' strict logfmt reader, and say which cgroup each line names.
 *
 *   logcheck [--stamped] [--listing] [--allow VALUE]... --expect FILE... LOG
 *
 * Each FILE holds one cgroup path, its exact bytes (no newline added): the
 * cgroups the test created.  In LOG (one line per line; with --stamped each
 * starts with a time stamp and a space, which are skipped) every line must
 * read as logfmt (tests/logfmt-reader.c) and be an event (action= first) or
 * a plain message (msg= alone), and every cgroup= and scope= value must be
 * one of the FILEs or an --allow VALUE.  With --listing only the lines of
 * --check-config's listing are read ("#   PATH <- [cgroup ...] (FILE:LINE)",
 * PATH a logfmt value), and each PATH must be one of the FILEs.  Prints
 *   match I ACTION KEY         an event's KEY= is FILE number I (from 1)
 *   listed I                   a listing line names FILE number I
 *   bad LINE: WHY at OFFSET    LINE does not read as logfmt
 *   unexpected LINE: TEXT      a value (or line shape) the test did not create
 *   lines N bad N unexpected N
 * and exits 0 when nothing was bad or unexpected, 1 when something was, 2 on
 * usage or system errors.
 */
#include "autoconfig.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../logfmt-reader.h"

struct expected {
        char *v[16];
        size_t len[16], n;
        const char *allow[8];
        size_t n_allow;
};

static unsigned long n_lines, n_bad, n_unexpected;

static int read_file(const char *path, char **ret, size_t *ret_len)
{
        FILE *f = fopen(path, "rb");
        size_t len;
        char *s;

        if (!f)
                return -1;
        s = malloc(4096);
        len = s ? fread(s, 1, 4096, f) : 0;
        fclose(f);
        if (!s)
                return -1;
        *ret = s;
        *ret_len = len;
        return 0;
}

/* Which expected path value is (1..n), 0 for an allowed other value, -1 for neither. */
static int which(const struct expected *e, const char *value, size_t len)
{
        for (size_t i = 0; i < e->n; i++)
                if (e->len[i] == len && memcmp(e->v[i], value, len) == 0)
                        return (int)i + 1;
        for (size_t i = 0; i < e->n_allow; i++)
                if (strlen(e->allow[i]) == len && memcmp(e->allow[i], value, len) == 0)
                        return 0;
        return -1;
}

static void unexpected(unsigned long line, const char *what)
{
        printf("unexpected %lu: %s\n", line, what);
        n_unexpected++;
}

static void check_event(const struct expected *e, unsigned long line, const struct logfmt_line *l)
{
        static const char *const keys[] = { "cgroup", "scope" };

        if (l->n == 1 && strcmp(l->v[0].key, "msg") == 0)
                return;
        if (strcmp(l->v[0].key, "action") != 0) {
                unexpected(line, "neither an event (action= first) nor a plain message (msg= alone)");
                return;
        }
        for (size_t k = 0; k < 2; k++) {
                const struct logfmt_field *f = logfmt_find(l, keys[k]);
                int i;

                if (!f)
                        continue;
                i = which(e, f->value, f->len);
                if (i > 0)
                        printf("match %d %s %s\n", i, l->v[0].value, keys[k]);
                else if (i < 0)
                        unexpected(line, keys[k]);
        }
}

/* A listing line: "#   PATH <- [cgroup ...] (FILE:LINE)"; PATH read as the value of "p=". */
static void check_listing(const struct expected *e, unsigned long line, const char *text)
{
        const char *arrow = NULL, *p;
        struct logfmt_line l;
        char *field;
        int i;

        if (strncmp(text, "#   ", 4) != 0)
                return;
        for (p = text; (p = strstr(p, " <- [cgroup ")); p++)
                arrow = p;
        if (!arrow) {
                unexpected(line, "a listing line without \" <- [cgroup \"");
                return;
        }
        if (asprintf(&field, "p=%.*s", (int)(arrow - text - 4), text + 4) < 0)
                exit(2);
        if (logfmt_parse(field, strlen(field), &l, NULL, NULL) < 0 || l.n != 1) {
                printf("bad %lu: the listed path is not one logfmt value\n", line);
                n_bad++;
        } else if ((i = which(e, l.v[0].value, l.v[0].len)) > 0)
                printf("listed %d\n", i);
        else
                unexpected(line, "a listed cgroup the test did not create");
        if (l.n)
                logfmt_line_clear(&l);
        free(field);
}

static void check_line(const struct expected *e, bool stamped, bool listing, unsigned long line,
                       char *text, size_t len)
{
        struct logfmt_line l = {};
        const char *why = NULL;
        size_t at = 0;

        if (len > 0 && text[len - 1] == '\n')
                text[--len] = '\0';
        if (listing) {
                check_listing(e, line, text);
                return;
        }
        if (stamped) {
                char *sp = memchr(text, ' ', len);

                if (!sp) {
                        unexpected(line, "no time stamp");
                        return;
                }
                len -= (size_t)(sp + 1 - text);
                text = sp + 1;
        }
        if (logfmt_parse(text, len, &l, &why, &at) < 0) {
                printf("bad %lu: %s at %zu\n", line, why, at);
                n_bad++;
                return;
        }
        check_event(e, line, &l);
        logfmt_line_clear(&l);
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "stamped", no_argument, NULL, 's' },
                { "listing", no_argument, NULL, 'l' },
                { "allow", required_argument, NULL, 'a' },
                { "expect", required_argument, NULL, 'e' },
                {}
        };
        struct expected e = {};
        bool stamped = false, listing = false;
        char *text = NULL;
        size_t size = 0;
        ssize_t len;
        FILE *f;
        int c;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
                if (c == 's')
                        stamped = true;
                else if (c == 'l')
                        listing = true;
                else if (c == 'a' && e.n_allow < 8)
                        e.allow[e.n_allow++] = optarg;
                else if (c == 'e' && e.n < 16) {
                        if (read_file(optarg, &e.v[e.n], &e.len[e.n]) < 0) {
                                perror(optarg);
                                return 2;
                        }
                        e.n++;
                } else
                        return 2;
        }
        if (optind != argc - 1 || e.n == 0 || !(f = fopen(argv[optind], "rb"))) {
                fprintf(stderr, "usage: logcheck [--stamped] [--listing] [--allow VALUE]... --expect FILE... LOG\n");
                return 2;
        }
        while ((len = getline(&text, &size, f)) >= 0)
                check_line(&e, stamped, listing, ++n_lines, text, (size_t)len);
        fclose(f);
        free(text);
        printf("lines %lu bad %lu unexpected %lu\n", n_lines, n_bad, n_unexpected);
        return n_bad || n_unexpected ? 1 : 0;
}
