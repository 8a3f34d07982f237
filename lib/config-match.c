/* Which configured section applies to a cgroup: its exact path, else the most specific glob. */
#include "autoconfig.h"

#include <string.h>

#include "cgpath.h"
#include "config.h"
#include "util.h"

const struct cgroup_config *config_find_cgroup(const struct config *cfg, const char *path)
{
        for (size_t i = 0; i < cfg->n_cgroups; i++)
                if (streq(cfg->cgroups[i].path, path))
                        return &cfg->cgroups[i];
        return NULL;
}

const struct cgroup_config *config_match(const struct config *cfg, const char *path)
{
        const struct cgroup_config *best = NULL;
        unsigned best_spec = 0;

        for (size_t i = 0; i < cfg->n_cgroups; i++) {
                const struct cgroup_config *c = &cfg->cgroups[i];
                unsigned spec = cgpath_specificity(c->path);

                if (!cgpath_matches(c->path, path) || (best && spec < best_spec))
                        continue;
                best = c;
                best_spec = spec;
        }
        return best;
}

