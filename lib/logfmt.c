/* logfmt values: hostile text (cgroup names) written so that it cannot forge fields or lines. */
#include "autoconfig.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "logfmt.h"
#include "utf8.h"

/* snprintf()'s contract over several appends: count everything, store what fits. */
struct sink {
        char *buf;
        size_t size, len;
};

static void put(struct sink *o, const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++, o->len++)
                if (o->len + 1 < o->size)
                        o->buf[o->len] = s[i];
}

static void put_hex(struct sink *o, const char *prefix, unsigned char byte)
{
        static const char hex[] = "0123456789abcdef";
        char esc[2] = { hex[byte >> 4], hex[byte & 0xf] };

        put(o, prefix, strlen(prefix));
        put(o, esc, 2);
}

/* The code point of a control character that starts s (n bytes long), or -1. */
static int control_char(const unsigned char *s, size_t n)
{
        if (n == 1 && (s[0] < 0x20 || s[0] == 0x7f))
                return s[0];
        if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)   /* C1: U+0080..U+009F */
                return s[1];
        return -1;
}

static bool needs_quotes(const char *value)
{
        size_t n;

        if (!*value)
                return true;
        for (const char *s = value; *s; s += n) {
                n = utf8_char_len(s);
                if (n == 0 || control_char((const unsigned char *)s, n) >= 0 || strchr(" \"=\\", *s))
                        return true;
        }
        return false;
}

static void put_escaped(struct sink *o, const char *s)
{
        while (*s) {
                size_t n = utf8_char_len(s);
                int c = n ? control_char((const unsigned char *)s, n) : -1;

                if (n == 0)
                        put_hex(o, "\\x", (unsigned char)*s++);
                else if (*s == '"' || *s == '\\') {
                        put(o, "\\", 1);
                        put(o, s++, 1);
                } else if (c == '\n' || c == '\r' || c == '\t') {
                        put(o, c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t", 2);
                        s++;
                } else if (c >= 0) {
                        put_hex(o, "\\u00", (unsigned char)c);
                        s += n;
                } else {
                        put(o, s, n);
                        s += n;
                }
        }
}

size_t logfmt_value(char *buf, size_t size, const char *value)
{
        struct sink o = { .buf = buf, .size = size };

        if (needs_quotes(value)) {
                put(&o, "\"", 1);
                put_escaped(&o, value);
                put(&o, "\"", 1);
        } else
                put(&o, value, strlen(value));
        if (size > 0)
                buf[o.len < size ? o.len : size - 1] = '\0';
        return o.len;
}

int logfmt_fputs(const char *value, FILE *f)
{
        size_t len = logfmt_value(NULL, 0, value);
        char *s = malloc(len + 1);
        int r = 0;

        if (!s)
                return -ENOMEM;
        logfmt_value(s, len + 1, value);
        if (fputs(s, f) < 0)
                r = -EIO;
        free(s);
        return r;
}
