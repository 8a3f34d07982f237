/* The machine's memory as the page allocator sees it: free pages against the zones' watermarks. */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>

#include "memstat.h"
#include "sysmem.h"
#include "units.h"
#include "util.h"

/* One zone's block of /proc/zoneinfo, in pages. */
struct zone {
        uint64_t boost, min, low, high, managed;
        bool any;
};

static int add_zone(struct watermarks *w, const struct zone *z, uint64_t page_bytes, bool *found)
{
        uint64_t pages[3] = { z->min, z->low, z->high }, *sums[3] = { &w->min_bytes, &w->low_bytes,
                                                                     &w->high_bytes };

        if (!z->any || z->managed == 0)
                return 0;   /* an empty zone (ZONE_MOVABLE without movable memory...) */
        for (size_t i = 0; i < 3; i++) {
                uint64_t p = pages[i] + z->boost;

                if (p < pages[i] || p > UINT64_MAX / page_bytes || *sums[i] > UINT64_MAX - p * page_bytes)
                        return -ERANGE;
                *sums[i] += p * page_bytes;
        }
        *found = true;
        return 0;
}

/* "        min      21": a key, spaces, a number, nothing else. Returns 1 when it was key. */
static int zone_value(const char *line, size_t len, const char *key, uint64_t *ret)
{
        size_t klen = strlen(key), n;
        char num[32];

        if (len <= klen || strncmp(line, key, klen) != 0 || line[klen] != ' ')
                return 0;
        line += klen;
        len -= klen;
        n = strspn(line, " ");
        line += n;
        len -= n;
        if (len == 0 || len >= sizeof(num) || strspn(line, "0123456789") != len)
                return len >= sizeof(num) ? -ERANGE : -EINVAL;
        memcpy(num, line, len);
        num[len] = '\0';
        return parse_uint64(num, ret) < 0 ? -ERANGE : 1;
}

static int zone_line(struct zone *z, const char *line, size_t len)
{
        static const struct {
                const char *key;
                size_t offset;
        } keys[] = {
                { "boost", offsetof(struct zone, boost) },
                { "min", offsetof(struct zone, min) },
                { "low", offsetof(struct zone, low) },
                { "high", offsetof(struct zone, high) },
                { "managed", offsetof(struct zone, managed) },
        };
        uint64_t free_pages;
        int r;

        /* "pages free N" opens the zone's counters; the free count itself is MemFree's part. */
        r = zone_value(line, len, "pages free", &free_pages);
        if (r != 0) {
                z->any = r > 0;
                return r < 0 ? r : 0;
        }
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
                r = zone_value(line, len, keys[i].key, (uint64_t *)(void *)((char *)z + keys[i].offset));
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        return 0;
}

int sysmem_parse_zoneinfo(const char *text, uint64_t page_bytes, struct watermarks *ret)
{
        struct watermarks w = {};
        struct zone z = {};
        bool found = false;
        int r;

        for (const char *p = text; *p;) {
                const char *eol = strchrnul(p, '\n'), *s = p + strspn(p, " \t");

                if (strncmp(p, "Node ", 5) == 0) {
                        r = add_zone(&w, &z, page_bytes, &found);
                        if (r < 0)
                                return r;
                        z = (struct zone){};
                } else {
                        r = zone_line(&z, s, (size_t)(eol - s));
                        if (r < 0)
                                return r;
                }
                p = *eol ? eol + 1 : eol;
        }
        r = add_zone(&w, &z, page_bytes, &found);
        if (r < 0)
                return r;
        if (!found)
                return -ENOENT;
        *ret = w;
        return 0;
}

uint64_t sysmem_shortfall(const struct sysmem *m, uint64_t reserve_bytes)
{
        uint64_t want = m->wmark.high_bytes > UINT64_MAX - reserve_bytes ? UINT64_MAX
                                                                          : m->wmark.high_bytes + reserve_bytes;

        return want > m->free_bytes ? want - m->free_bytes : 0;
}
