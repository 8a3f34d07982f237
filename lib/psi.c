/* PSI text: trigger strings for the kernel, and the pressure files' contents. */
#include "autoconfig.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "psi.h"
#include "units.h"
#include "util.h"

static const char *const kind_names[_PSI_KIND_MAX] = {
        [PSI_SOME] = "some",
        [PSI_FULL] = "full",
};

static int kind_from_string(const char *s, size_t len, enum psi_kind *ret)
{
        for (size_t i = 0; i < _PSI_KIND_MAX; i++)
                if (strlen(kind_names[i]) == len && strncmp(s, kind_names[i], len) == 0) {
                        *ret = (enum psi_kind)i;
                        return 0;
                }
        return -EINVAL;
}

/* Copies the next whitespace-separated word of *s into buf; -EINVAL if none or too long. */
static int next_word(const char **s, char *buf, size_t size)
{
        const char *p = *s + strspn(*s, " \t");
        size_t len = strcspn(p, " \t");

        if (len == 0 || len >= size)
                return -EINVAL;
        memcpy(buf, p, len);
        buf[len] = '\0';
        *s = p + len;
        return 0;
}

int psi_trigger_parse(const char *s, struct psi_trigger *ret, const char **ret_why)
{
        char kind[8], stall[32], window[32];
        struct psi_trigger t;
        const char *why = "expected \"some|full STALL WINDOW\", e.g. \"some 150ms 1s\"";
        int r = -EINVAL;

        if (!s || next_word(&s, kind, sizeof(kind)) < 0 ||
            next_word(&s, stall, sizeof(stall)) < 0 ||
            next_word(&s, window, sizeof(window)) < 0 || s[strspn(s, " \t")] != '\0')
                goto fail;
        if (kind_from_string(kind, strlen(kind), &t.kind) < 0) {
                why = "the kind must be \"some\" or \"full\"";
                goto fail;
        }
        if (parse_duration(stall, &t.stall_usec) < 0 ||
            parse_duration(window, &t.window_usec) < 0) {
                why = "stall and window are durations with a unit: us, ms, s, min or h";
                goto fail;
        }
        r = -ERANGE;
        if (t.window_usec < PSI_WINDOW_MIN_USEC || t.window_usec > PSI_WINDOW_MAX_USEC) {
                why = "the window must be between 500ms and 10s (kernel limit)";
                goto fail;
        }
        if (t.stall_usec == 0 || t.stall_usec > t.window_usec) {
                why = "the stall must be above 0 and no longer than the window";
                goto fail;
        }
        *ret = t;
        return 0;
fail:
        if (ret_why)
                *ret_why = why;
        return r;
}

int psi_trigger_format(const struct psi_trigger *t, char *buf, size_t size)
{
        int n = snprintf(buf, size, "%s %" PRIu64 " %" PRIu64, kind_names[t->kind],
                         t->stall_usec, t->window_usec);

        if (n < 0 || (size_t)n >= size)
                return -ENOBUFS;
        return n;
}

const char *psi_trigger_to_string(const struct psi_trigger *t, char *buf, size_t size)
{
        char stall[FORMAT_DURATION_MAX], window[FORMAT_DURATION_MAX];

        snprintf(buf, size, "%s %s %s", kind_names[t->kind],
                 format_duration(stall, sizeof(stall), t->stall_usec),
                 format_duration(window, sizeof(window), t->window_usec));
        return buf;
}

/* Parses "12.34" into 1234 hundredths. The kernel prints LOAD_INT.LOAD_FRAC with two digits. */
static int parse_cpct(const char *s, size_t len, uint32_t *ret)
{
        uint32_t whole = 0, frac = 0;
        size_t i = 0, digits = 0;

        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
                if (whole > 100000)
                        return -ERANGE;
                whole = whole * 10 + (uint32_t)(s[i] - '0');
        }
        if (digits == 0 || i >= len || s[i] != '.' || len - i - 1 != 2)
                return -EINVAL;
        for (i++; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                frac = frac * 10 + (uint32_t)(s[i] - '0');
        }
        *ret = whole * 100 + frac;
        return 0;
}

static int parse_field(const char *key, size_t klen, const char *val, size_t vlen,
                       struct psi_line *line)
{
        static const struct {
                const char *name;
                size_t offset;
        } avgs[] = {
                { "avg10", offsetof(struct psi_line, avg10_cpct) },
                { "avg60", offsetof(struct psi_line, avg60_cpct) },
                { "avg300", offsetof(struct psi_line, avg300_cpct) },
        };
        char num[32];

        for (size_t i = 0; i < ARRAY_SIZE(avgs); i++)
                if (klen == strlen(avgs[i].name) && strncmp(key, avgs[i].name, klen) == 0)
                        return parse_cpct(val, vlen, (uint32_t *)(void *)((char *)line + avgs[i].offset));
        if (klen == 5 && strncmp(key, "total", 5) == 0) {
                if (vlen >= sizeof(num))
                        return -ERANGE;
                memcpy(num, val, vlen);
                num[vlen] = '\0';
                return parse_uint64(num, &line->total_usec);
        }
        return 0;   /* unknown field: a newer kernel's addition */
}

/* Parses the fields after the kind word of one line, up to end (exclusive). */
static int parse_line(const char *p, const char *end, struct psi_line *ret)
{
        struct psi_line line = {};

        while (p < end) {
                const char *word = p, *eq;
                size_t len;
                int r;

                p += strspn(p, " \t");
                if (p >= end)
                        break;
                word = p;
                len = strcspn(p, " \t\n");
                if (word + len > end)
                        len = (size_t)(end - word);
                eq = memchr(word, '=', len);
                if (!eq)
                        return -EINVAL;
                r = parse_field(word, (size_t)(eq - word), eq + 1, len - (size_t)(eq - word) - 1, &line);
                if (r < 0)
                        return r;
                p = word + len;
        }
        *ret = line;
        return 0;
}

int psi_parse(const char *text, struct psi_stats *ret)
{
        struct psi_stats st = {};
        bool has_some = false;

        for (const char *p = text; p && *p;) {
                const char *eol = strchrnul(p, '\n');
                size_t klen = strcspn(p, " \t\n");
                enum psi_kind kind;
                int r;

                if (klen > 0 && kind_from_string(p, klen, &kind) == 0) {
                        r = parse_line(p + klen, eol, &st.line[kind]);
                        if (r < 0)
                                return r;
                        has_some |= kind == PSI_SOME;
                        st.has_full |= kind == PSI_FULL;
                }
                p = *eol ? eol + 1 : eol;
        }
        if (!has_some)
                return -EINVAL;
        *ret = st;
        return 0;
}
