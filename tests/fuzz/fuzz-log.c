/*
 * Fuzz target: the log sink on stderr. Whatever a cgroup's name holds, every
 * line it writes reads back as logfmt with the fields it was given, each
 * value byte for byte (tests/logfmt-reader.c, a strict reader of its own).
 */
#include "autoconfig.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "log.h"
#include "../logfmt-reader.h"

/* The input is up to three strings, split at NUL bytes: a cgroup, a scope, a message. */
static const char *next_part(const char **p, const char *end)
{
        const char *s = *p;

        if (s >= end)
                return "";
        *p = s + strlen(s) + 1;
        return s;
}

static void expect(const struct logfmt_line *l, size_t i, const char *key, const char *value)
{
        if (i >= l->n || strcmp(l->v[i].key, key) != 0 || l->v[i].len != strlen(value) ||
            memcmp(l->v[i].value, value, l->v[i].len) != 0)
                abort();
}

/* Reads the next line of text (up to its newline) as logfmt; aborts when it is not. */
static const char *read_line(const char *text, const char *end, struct logfmt_line *l)
{
        const char *nl = memchr(text, '\n', (size_t)(end - text));

        if (!nl || logfmt_parse(text, (size_t)(nl - text), l, NULL, NULL) != 0)
                abort();
        return nl + 1;
}

/* Logs one event and one plain message to a memfd standing in for stderr; returns what came out. */
static char *sink(const char *cgroup, const char *scope, const char *msg, size_t *ret_len)
{
        static int fd = -1;
        int saved = dup(STDERR_FILENO);
        off_t size;
        char *out;

        if (fd < 0)
                fd = memfd_create("fuzz-log", 0);
        if (fd < 0 || saved < 0 || ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0 ||
            dup2(fd, STDERR_FILENO) < 0)
                abort();
        log_event(LOG_INFO, LOG_EV_RECLAIM, LOG_FIELDS(LOG_STR(CGROUP, cgroup), LOG_STR(SCOPE, scope),
                                                       LOG_U64(REQUESTED, 4096)), "%s", msg);
        log_info("%s", cgroup);
        if (dup2(saved, STDERR_FILENO) < 0)
                abort();
        close(saved);
        size = lseek(fd, 0, SEEK_END);
        out = malloc((size_t)size + 1);
        if (size < 0 || !out || pread(fd, out, (size_t)size, 0) != size)
                abort();
        out[size] = '\0';
        *ret_len = (size_t)size;
        return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *input = malloc(size + 1), *out;
        const char *p = input, *end = input + size, *cgroup, *scope, *msg, *at;
        struct logfmt_line l;
        size_t len;

        if (!input)
                abort();
        memcpy(input, data, size);
        input[size] = '\0';
        cgroup = next_part(&p, end);
        scope = next_part(&p, end);
        msg = next_part(&p, end);
        log_open(LOG_TARGET_STDERR);
        out = sink(cgroup, scope, msg, &len);

        /* Exactly two lines: the event with its five fields, then the plain message. */
        at = read_line(out, out + len, &l);
        if (l.n != 5)
                abort();
        expect(&l, 0, "action", "reclaim");
        expect(&l, 1, "cgroup", cgroup);
        expect(&l, 2, "scope", scope);
        expect(&l, 3, "requested", "4096");
        expect(&l, 4, "msg", msg);
        logfmt_line_clear(&l);
        at = read_line(at, out + len, &l);
        if (l.n != 1 || at != out + len)
                abort();
        expect(&l, 0, "msg", cgroup);
        logfmt_line_clear(&l);
        free(out);
        free(input);
        return 0;
}
