/* Helpers common to every backend: file names and single-value reads. */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>

#include "backend.h"
#include "units.h"
#include "util.h"

static const char *const file_names[_CG_FILE_MAX] = {
        [CG_MEMORY_CURRENT]  = "memory.current",
        [CG_MEMORY_STAT]     = "memory.stat",
        [CG_MEMORY_MIN]      = "memory.min",
        [CG_MEMORY_LOW]      = "memory.low",
        [CG_MEMORY_HIGH]     = "memory.high",
        [CG_MEMORY_RECLAIM]  = "memory.reclaim",
        [CG_MEMORY_PRESSURE] = "memory.pressure",
        [CG_CGROUP_EVENTS]   = "cgroup.events",
        [CG_PROC_ZONEINFO]   = "/proc/zoneinfo",
        [CG_SYS_LRU_GEN]     = "/sys/kernel/mm/lru_gen/enabled",
        [CG_PROC_VMSTAT]     = "/proc/vmstat",
};

const char *cg_file_name(enum cg_file f)
{
        return f < _CG_FILE_MAX ? file_names[f] : NULL;
}

int backend_read_u64(struct backend *be, struct backend_cgroup *cg, enum cg_file f, uint64_t *ret)
{
        char buf[64];
        ssize_t n;

        n = be->ops->read(be, cg, f, buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        buf[strcspn(buf, "\n")] = '\0';
        if (streq(buf, "max")) {
                *ret = UINT64_MAX;
                return 0;
        }
        return parse_uint64(buf, ret);
}

void backend_strv_free(char **v)
{
        for (char **p = v; p && *p; p++)
                free(*p);
        free(v);
}
