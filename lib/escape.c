/* Escapes hostile text (cgroup names) for each place it is printed: terminals, JSON, Prometheus labels. */
#include "autoconfig.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "utf8.h"
#include "util.h"

/*
 * Copies a valid multi-byte sequence at *p as it is. Returns false for a byte
 * to escape: a cgroup name is any bytes but '/', and JSON and the Prometheus
 * text format need UTF-8.
 */
static bool put_utf8(FILE *f, const unsigned char **p)
{
        size_t n = utf8_char_len((const char *)*p);

        if (n < 2)
                return false;
        fwrite(*p, 1, n, f);
        *p += n - 1;
        return true;
}

enum style { TEXT, JSON, PROM };

/*
 * The three escapes differ only in which characters they escape and how
 * they write the rest: the text format keeps tabs and carriage returns as
 * bytes it cannot parse in a label, so they go as \\xNN there.
 */
static void escape(FILE *f, const char *s, enum style st)
{
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (*p == '\\')
                        fputs("\\\\", f);
                else if (*p == '"')
                        fputs("\\\"", f);
                else if (*p == '\n')
                        fputs("\\n", f);
                else if (*p == '\t' && st != PROM)
                        fputs("\\t", f);
                else if (*p == '\r' && st != PROM)
                        fputs("\\r", f);
                else if (st == TEXT && p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0) {
                        /* C1 controls (U+0080..U+009F: CSI, NEL), which terminals act on, as logfmt_value(). */
                        fprintf(f, "\\x%02x\\x%02x", p[0], p[1]);
                        p++;
                } else if (*p >= 0x80 && put_utf8(f, &p))
                        continue;
                else if (st == JSON && *p >= 0x80)
                        fprintf(f, "\\udc%02x", *p);   /* see escape_json() */
                else if (*p < 0x20 || *p >= 0x7f)
                        fprintf(f, st == JSON ? "\\u%04x" : st == PROM ? "\\\\x%02x" : "\\x%02x", *p);
                else
                        fputc(*p, f);
        }
}

void escape_text(FILE *f, const char *s)
{
        escape(f, s, TEXT);
}

void escape_json(FILE *f, const char *s)
{
        fputc('"', f);
        escape(f, s, JSON);
        fputc('"', f);
}

void escape_prom(FILE *f, const char *s)
{
        escape(f, s, PROM);
}

char *escape_string(void (*escape_fn)(FILE *f, const char *s), const char *s)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        if (!f)
                return NULL;
        escape_fn(f, s);
        if (fclose(f) != 0) {
                free(text);
                return NULL;
        }
        return text;
}

int unescape_text(const char *s, char **ret)
{
        char *out = malloc(strlen(s) + 1), *o = out;

        if (!out)
                return -ENOMEM;
        for (const char *p = s; *p; p++) {
                int hi, lo;

                if (*p != '\\') {
                        *o++ = *p;
                        continue;
                }
                switch (*++p) {
                case '\\': *o++ = '\\'; break;
                case '"': *o++ = '"'; break;
                case 'n': *o++ = '\n'; break;
                case 't': *o++ = '\t'; break;
                case 'r': *o++ = '\r'; break;
                case 'x':
                        hi = hex_value(p[1]);
                        lo = hi < 0 ? -1 : hex_value(p[2]);
                        if (lo < 0 || (hi << 4 | lo) == 0)
                                goto bad;
                        *o++ = (char)(hi << 4 | lo);
                        p += 2;
                        break;
                default:   /* one escape_text() never writes, or a backslash that ends s */
                        goto bad;
                }
        }
        *o = '\0';
        *ret = out;
        return 0;
bad:
        free(out);
        return -EINVAL;
}
