/* A strict logfmt reader for the tests: a line back into its keys and byte-exact values. */
#include "autoconfig.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "logfmt-reader.h"

struct reader {
        const unsigned char *s, *end, *start;
        const char *why;
        char *out;      /* the value being unescaped */
        size_t len;
};

/*
 * The length of the well-formed UTF-8 sequence at p, written from the
 * Unicode standard's table 3-7 (not from lib/utf8.c, which this checks), or 0.
 */
static size_t wellformed(const unsigned char *p, const unsigned char *end)
{
        static const struct { unsigned char lo, hi, lo2, hi2, n; } t[] = {
                { 0x00, 0x7f, 0, 0, 1 },
                { 0xc2, 0xdf, 0x80, 0xbf, 2 },
                { 0xe0, 0xe0, 0xa0, 0xbf, 3 },
                { 0xe1, 0xec, 0x80, 0xbf, 3 },
                { 0xed, 0xed, 0x80, 0x9f, 3 },
                { 0xee, 0xef, 0x80, 0xbf, 3 },
                { 0xf0, 0xf0, 0x90, 0xbf, 4 },
                { 0xf1, 0xf3, 0x80, 0xbf, 4 },
                { 0xf4, 0xf4, 0x80, 0x8f, 4 },
        };

        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                if (p[0] < t[i].lo || p[0] > t[i].hi)
                        continue;
                if ((size_t)(end - p) < t[i].n)
                        return 0;
                if (t[i].n > 1 && (p[1] < t[i].lo2 || p[1] > t[i].hi2))
                        return 0;
                for (size_t k = 2; k < t[i].n; k++)
                        if (p[k] < 0x80 || p[k] > 0xbf)
                                return 0;
                return t[i].n;
        }
        return 0;
}

static bool is_control(const unsigned char *p, size_t n)
{
        return (n == 1 && (p[0] < 0x20 || p[0] == 0x7f)) || (n == 2 && p[0] == 0xc2 && p[1] < 0xa0);
}

static int fail(struct reader *r, const char *why)
{
        r->why = why;
        return -EINVAL;
}

static int hex(const unsigned char *p, size_t digits, unsigned *ret)
{
        unsigned v = 0;

        for (size_t i = 0; i < digits; i++) {
                const char *d = strchr("0123456789abcdef", p[i] | 0x20);

                if (!p[i] || !d)
                        return -EINVAL;
                v = v * 16 + (unsigned)(d - "0123456789abcdef");
        }
        *ret = v;
        return 0;
}

static void put_utf8(struct reader *r, unsigned cp)
{
        if (cp < 0x80)
                r->out[r->len++] = (char)cp;
        else if (cp < 0x800) {
                r->out[r->len++] = (char)(0xc0 | cp >> 6);
                r->out[r->len++] = (char)(0x80 | (cp & 0x3f));
        } else {
                r->out[r->len++] = (char)(0xe0 | cp >> 12);
                r->out[r->len++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                r->out[r->len++] = (char)(0x80 | (cp & 0x3f));
        }
}

static int escape(struct reader *r)
{
        const unsigned char *p = ++r->s;   /* past the backslash */
        unsigned v;

        if (p >= r->end)
                return fail(r, "a backslash ends the line");
        switch (*p) {
        case '"': case '\\': r->out[r->len++] = (char)*p; r->s += 1; return 0;
        case 'n': r->out[r->len++] = '\n'; r->s += 1; return 0;
        case 'r': r->out[r->len++] = '\r'; r->s += 1; return 0;
        case 't': r->out[r->len++] = '\t'; r->s += 1; return 0;
        case 'x':
                if (r->end - p < 3 || hex(p + 1, 2, &v) < 0)
                        return fail(r, "\\x without two hex digits");
                r->out[r->len++] = (char)v;
                r->s += 3;
                return 0;
        case 'u':
                if (r->end - p < 5 || hex(p + 1, 4, &v) < 0 || (v >= 0xd800 && v <= 0xdfff))
                        return fail(r, "\\u without four hex digits of a code point");
                put_utf8(r, v);
                r->s += 5;
                return 0;
        default:
                return fail(r, "an unknown escape");
        }
}

static int quoted(struct reader *r)
{
        r->s++;   /* the opening quote */
        while (r->s < r->end && *r->s != '"') {
                size_t n;

                if (*r->s == '\\') {
                        if (escape(r) < 0)
                                return -EINVAL;
                        continue;
                }
                n = wellformed(r->s, r->end);
                if (n == 0)
                        return fail(r, "a byte that is not UTF-8 inside quotes, not escaped");
                if (is_control(r->s, n))
                        return fail(r, "a control character inside quotes, not escaped");
                memcpy(r->out + r->len, r->s, n);
                r->len += n;
                r->s += n;
        }
        if (r->s >= r->end)
                return fail(r, "a quoted value is not closed");
        r->s++;
        if (r->s < r->end && *r->s != ' ')
                return fail(r, "text right after a closing quote");
        return 0;
}

static int bare(struct reader *r)
{
        while (r->s < r->end && *r->s != ' ') {
                size_t n = wellformed(r->s, r->end);

                if (n == 0 || is_control(r->s, n) || strchr("\"=\\", *r->s))
                        return fail(r, "a bare value holds a quote, '=', a backslash, a control character or a byte that is not UTF-8");
                memcpy(r->out + r->len, r->s, n);
                r->len += n;
                r->s += n;
        }
        if (r->len == 0)
                return fail(r, "an empty bare value (an empty value is written \"\")");
        return 0;
}

static int field(struct reader *r, struct logfmt_line *l)
{
        const unsigned char *k = r->s;
        struct logfmt_field *v;
        int ret;

        while (r->s < r->end && ((*r->s >= 'a' && *r->s <= 'z') || (*r->s >= '0' && *r->s <= '9') || *r->s == '_'))
                r->s++;
        if (r->s == k)
                return fail(r, "a field does not start with a key");
        if (r->s >= r->end || *r->s != '=')
                return fail(r, "a key without '='");
        v = realloc(l->v, (l->n + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        l->v = v;
        v = &l->v[l->n];
        /* Unescaped, a value is never longer than it is written. */
        *v = (struct logfmt_field){ .key = strndup((const char *)k, (size_t)(r->s - k)),
                                    .value = malloc((size_t)(r->end - r->s) + 1) };
        l->n++;
        if (!v->key || !v->value)
                return -ENOMEM;
        if (logfmt_find(l, v->key) != v)
                return fail(r, "a key given twice");
        r->s++;
        r->out = v->value;
        r->len = 0;
        ret = r->s < r->end && *r->s == '"' ? quoted(r) : bare(r);
        v->value[r->len] = '\0';
        v->len = r->len;
        return ret;
}

int logfmt_parse(const char *line, size_t len, struct logfmt_line *ret, const char **ret_why, size_t *ret_at)
{
        struct reader r = { .s = (const unsigned char *)line, .start = (const unsigned char *)line,
                            .end = (const unsigned char *)line + len };
        struct logfmt_line l = {};
        int err = 0;

        while (err == 0) {
                err = field(&r, &l);
                if (err < 0 || r.s >= r.end)
                        break;
                r.s++;   /* the one space between fields */
                if (r.s >= r.end)
                        err = fail(&r, "a space ends the line");
        }
        if (err < 0) {
                if (ret_why)
                        *ret_why = err == -ENOMEM ? "out of memory" : r.why;
                if (ret_at)
                        *ret_at = (size_t)(r.s - r.start);
                logfmt_line_clear(&l);
                return err;
        }
        *ret = l;
        return 0;
}

const struct logfmt_field *logfmt_find(const struct logfmt_line *l, const char *key)
{
        for (size_t i = 0; i < l->n; i++)
                if (l->v[i].key && strcmp(l->v[i].key, key) == 0)
                        return &l->v[i];
        return NULL;
}

void logfmt_line_clear(struct logfmt_line *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->v[i].key);
                free(l->v[i].value);
        }
        free(l->v);
        *l = (struct logfmt_line){};
}
