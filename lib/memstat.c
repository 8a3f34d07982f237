/* memory.stat and /proc/vmstat: the values reclaimd reads from them. */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>

#include "memstat.h"
#include "units.h"
#include "util.h"

int memstat_get(const char *text, const char *key, uint64_t *ret)
{
        size_t klen = strlen(key);

        for (const char *p = text; p && *p;) {
                const char *eol = strchrnul(p, '\n');

                if ((size_t)(eol - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == ' ') {
                        char num[32];
                        size_t vlen = (size_t)(eol - p) - klen - 1;

                        if (vlen == 0 || vlen >= sizeof(num))
                                return vlen ? -ERANGE : -EINVAL;
                        memcpy(num, p + klen + 1, vlen);
                        num[vlen] = '\0';
                        return parse_uint64(num, ret);
                }
                p = *eol ? eol + 1 : eol;
        }
        return -ENOENT;
}

/* key_anon + key_file, or key alone on kernels before 5.9 (anonymous pages had no shadow entries). */
static int sum_pair(const char *text, const char *key, const char *key_anon, const char *key_file,
                    uint64_t *ret)
{
        uint64_t anon, file;
        int r;

        r = memstat_get(text, key_anon, &anon);
        if (r == -ENOENT)
                return memstat_get(text, key, ret);
        if (r < 0)
                return r;
        r = memstat_get(text, key_file, &file);
        if (r < 0)
                return r;
        if (anon > UINT64_MAX - file)
                return -ERANGE;
        *ret = anon + file;
        return 0;
}

int memstat_refaulted(const char *text, uint64_t *ret_pages)
{
        return sum_pair(text, "workingset_refault", "workingset_refault_anon", "workingset_refault_file",
                        ret_pages);
}

int memstat_file_lru(const char *text, uint64_t *ret_bytes)
{
        return sum_pair(text, "file", "inactive_file", "active_file", ret_bytes);
}

int memstat_steal(const char *text, uint64_t *ret_pages)
{
        return memstat_get(text, "pgsteal", ret_pages);
}

int memstat_vm_steal(const char *text, uint64_t *ret_pages)
{
        /* No "pgsteal" line in /proc/vmstat: kernels before 5.8 lack the pair, and say -ENOENT. */
        return sum_pair(text, "pgsteal", "pgsteal_anon", "pgsteal_file", ret_pages);
}

int memstat_kswapd_steal(const char *text, uint64_t *ret_pages)
{
        return memstat_get(text, "pgsteal_kswapd", ret_pages);
}
