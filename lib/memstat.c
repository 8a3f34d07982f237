/* memory.stat: the values reclaimd reads from it. */
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

int memstat_refaults(const char *text, uint64_t *ret_pages)
{
        uint64_t anon, file;
        int r;

        r = memstat_get(text, "workingset_refault_anon", &anon);
        if (r == -ENOENT)
                return memstat_get(text, "workingset_refault", ret_pages);
        if (r < 0)
                return r;
        r = memstat_get(text, "workingset_refault_file", &file);
        if (r < 0)
                return r;
        if (anon > UINT64_MAX - file)
                return -ERANGE;
        *ret_pages = anon + file;
        return 0;
}
