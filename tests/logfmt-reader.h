/* A strict logfmt reader for the tests: a line back into its keys and byte-exact values. */
#pragma once

#include <stddef.h>

struct logfmt_field {
        char *key;
        char *value;    /* unescaped, NUL-terminated */
        size_t len;     /* of value; a \u0000 escape may put a NUL inside */
};

struct logfmt_line {
        struct logfmt_field *v;
        size_t n;
};

/*
 * Reads line (len bytes, no newline) as reclaimd's sink writes it: fields
 * key=value separated by one space; keys [a-z0-9_]+, each once; a value bare
 * (well-formed UTF-8 without space, '"', '=', '\' or control characters) or
 * quoted, where only well-formed UTF-8 without control characters stands as
 * it is and the escapes are \" \\ \n \r \t \uXXXX (a code point, written back
 * as UTF-8) and \xXX (one raw byte). Returns 0 with *ret filled (free it with
 * logfmt_line_clear()), or -EINVAL with *ret_why saying what broke the rule
 * and *ret_at where (an offset into line); -ENOMEM.
 */
int logfmt_parse(const char *line, size_t len, struct logfmt_line *ret, const char **ret_why, size_t *ret_at);

/* The field named key, or NULL. */
const struct logfmt_field *logfmt_find(const struct logfmt_line *l, const char *key);

void logfmt_line_clear(struct logfmt_line *l);
