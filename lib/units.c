/* Parsing and formatting of the configuration's sizes and durations. */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <strings.h>

#include "units.h"
#include "util.h"

/* Splits "123abc" into its number and the rest; the number must not overflow. */
static int split_number(const char *s, uint64_t *ret, const char **ret_rest)
{
        uint64_t v = 0;

        if (!isdigit((unsigned char)*s))
                return -EINVAL;
        for (; isdigit((unsigned char)*s); s++) {
                unsigned d = (unsigned)(*s - '0');

                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret = v;
        *ret_rest = s;
        return 0;
}

int parse_uint64(const char *s, uint64_t *ret)
{
        const char *rest;
        uint64_t v;
        int r;

        if (!s)
                return -EINVAL;
        r = split_number(s, &v, &rest);
        if (r < 0)
                return r;
        if (*rest)
                return -EINVAL;
        *ret = v;
        return 0;
}

int parse_size(const char *s, uint64_t *ret_bytes)
{
        static const char suffixes[] = "KMGT";
        const char *rest;
        uint64_t v;
        unsigned shift = 0;
        int r;

        if (!s)
                return -EINVAL;
        if (streq(s, "max")) {
                *ret_bytes = UINT64_MAX;
                return 0;
        }
        r = split_number(s, &v, &rest);
        if (r < 0)
                return r;
        if (*rest) {
                const char *p = strchr(suffixes, toupper((unsigned char)*rest));

                if (!p)
                        return -EINVAL;
                shift = 10 * (unsigned)(p - suffixes + 1);
                rest++;
                if (strcasecmp(rest, "") != 0 && strcasecmp(rest, "B") != 0 &&
                    strcasecmp(rest, "iB") != 0)
                        return -EINVAL;
        }
        if (shift && v > (UINT64_MAX >> shift))
                return -ERANGE;
        *ret_bytes = v << shift;
        return 0;
}

int parse_duration(const char *s, uint64_t *ret_usec)
{
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                { "us", 1 },
                { "ms", USEC_PER_MSEC },
                { "s",  USEC_PER_SEC },
                { "min", 60 * USEC_PER_SEC },
                { "h",  3600 * USEC_PER_SEC },
        };
        const char *rest;
        uint64_t v;
        int r;

        if (!s)
                return -EINVAL;
        r = split_number(s, &v, &rest);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
                if (!streq(rest, units[i].suffix))
                        continue;
                if (v > UINT64_MAX / units[i].usec)
                        return -ERANGE;
                *ret_usec = v * units[i].usec;
                return 0;
        }
        return -EINVAL;
}

const char *format_size(char *buf, size_t size, uint64_t bytes)
{
        static const char suffixes[] = "KMGTPE";
        double v = (double)bytes;
        int i = -1;

        if (bytes == UINT64_MAX) {
                snprintf(buf, size, "max");
                return buf;
        }
        while (v >= 1024.0 && i < (int)sizeof(suffixes) - 2) {
                v /= 1024.0;
                i++;
        }
        if (i < 0)
                snprintf(buf, size, "%" PRIu64 "B", bytes);
        else
                snprintf(buf, size, "%.1f%c", v, suffixes[i]);
        return buf;
}

const char *format_duration(char *buf, size_t size, uint64_t usec)
{
        /* The largest unit parse_duration() takes back exactly, so that a
         * dumped configuration reads as it was written ("1h", not "3600s"). */
        if (usec == 0)
                snprintf(buf, size, "0s");   /* as the configuration writes "off" (step_timeout = 0s) */
        else if (usec % (3600 * USEC_PER_SEC) == 0)
                snprintf(buf, size, "%" PRIu64 "h", usec / (3600 * USEC_PER_SEC));
        else if (usec % (60 * USEC_PER_SEC) == 0)
                snprintf(buf, size, "%" PRIu64 "min", usec / (60 * USEC_PER_SEC));
        else if (usec % USEC_PER_SEC == 0)
                snprintf(buf, size, "%" PRIu64 "s", usec / USEC_PER_SEC);
        else if (usec % USEC_PER_MSEC == 0)
                snprintf(buf, size, "%" PRIu64 "ms", usec / USEC_PER_MSEC);
        else
                snprintf(buf, size, "%" PRIu64 "us", usec);
        return buf;
}

const char *format_size_exact(char *buf, size_t size, uint64_t bytes)
{
        static const char suffixes[] = "KMGT";
        int i = -1;

        if (bytes == UINT64_MAX) {
                snprintf(buf, size, "max");
                return buf;
        }
        while (bytes && bytes % 1024 == 0 && i < (int)sizeof(suffixes) - 2) {
                bytes /= 1024;
                i++;
        }
        if (i < 0)
                snprintf(buf, size, "%" PRIu64, bytes);
        else
                snprintf(buf, size, "%" PRIu64 "%c", bytes, suffixes[i]);
        return buf;
}

int parse_bool(const char *s)
{
        static const char *const yes[] = { "yes", "true", "on", "1" };
        static const char *const no[] = { "no", "false", "off", "0" };

        for (size_t i = 0; s && i < ARRAY_SIZE(yes); i++) {
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        }
        return -EINVAL;
}

int parse_permyriad(const char *s, uint64_t *ret)
{
        const char *rest;
        uint64_t whole, frac = 0, scale = 100;
        int r;

        if (!s)
                return -EINVAL;
        r = split_number(s, &whole, &rest);
        if (r < 0)
                return r;
        if (*rest == '.') {
                rest++;
                if (!isdigit((unsigned char)*rest))
                        return -EINVAL;
                for (; isdigit((unsigned char)*rest); rest++) {
                        if (scale == 1)
                                return -EINVAL;   /* more than two decimals */
                        scale /= 10;
                        frac += (uint64_t)(*rest - '0') * scale;
                }
        }
        if (!streq(rest, "%"))
                return -EINVAL;
        if (whole > 100 || whole * 100 + frac > 10000)
                return -ERANGE;
        *ret = whole * 100 + frac;
        return 0;
}

const char *format_permyriad(char *buf, size_t size, uint64_t permyriad)
{
        if (permyriad % 100 == 0)
                snprintf(buf, size, "%" PRIu64 "%%", permyriad / 100);
        else
                snprintf(buf, size, "%" PRIu64 ".%02" PRIu64 "%%", permyriad / 100, permyriad % 100);
        return buf;
}
