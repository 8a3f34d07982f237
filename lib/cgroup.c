/* A managed cgroup and the tree that orders managed cgroups by excess over their soft limit. */
#include "autoconfig.h"

#include <string.h>

#include "cgroup.h"

int cgroup_excess_cmp(const struct cgroup *a, const struct cgroup *b)
{
        if (a->excess_bytes != b->excess_bytes)
                return a->excess_bytes < b->excess_bytes ? -1 : 1;
        /* Equal excess: the smaller path ranks higher, so reversed. */
        return strcmp(b->path, a->path);
}

RB_GENERATE(excess_tree, cgroup, excess_node, cgroup_excess_cmp)

void excess_tree_remove(struct excess_tree *t, struct cgroup *cg)
{
        if (!cg->in_tree)
                return;
        RB_REMOVE(excess_tree, t, cg);
        cg->in_tree = false;
}

void excess_tree_update(struct excess_tree *t, struct cgroup *cg, uint64_t current)
{
        excess_tree_remove(t, cg);
        cg->current_bytes = current;
        cg->excess_bytes = soft_limit_excess(current, cg->soft_limit_bytes);
        if (cg->excess_bytes == 0)
                return;
        RB_INSERT(excess_tree, t, cg);
        cg->in_tree = true;
}

struct cgroup *excess_tree_largest(struct excess_tree *t)
{
        return RB_MAX(excess_tree, t);
}

bool cgroup_in_scope(const char *path, const char *scope)
{
        size_t len;

        if (!scope)
                return true;
        len = strlen(scope);
        return strncmp(path, scope, len) == 0 && (path[len] == '\0' || path[len] == '/');
}
