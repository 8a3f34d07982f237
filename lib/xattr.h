/* Soft limits declared on the cgroups themselves, as extended attributes, and whom to trust for them. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct cgroup;
struct engine;

/* Always honoured: only CAP_SYS_ADMIN sets trusted.* (xattr_permission() in fs/xattr.c). */
#define XATTR_TRUSTED "trusted.reclaimd.soft_limit"
/*
 * Honoured only on a cgroup whose directory root owns. The owner of a
 * delegated subtree (a container, a user's slice) can set user.* on its own
 * cgroups, and must not be able to raise its own soft limit: systemd-oomd
 * reads user.oomd_avoid and user.oomd_prefer by the same rule.
 */
#define XATTR_USER "user.reclaimd.soft_limit"

/*
 * Whether an attribute read from a directory owned by owner is honoured
 * (XATTR_TRUSTED always, XATTR_USER when root owns it). Pure.
 */
bool xattr_trusted(const char *name, uid_t owner);

/*
 * The soft limit in force for cg: the section's, or the cgroup's own when
 * its mode reads one (yes: where the section sets none; prefer: always).
 * Pure: from cg->conf, cg->xattr_mode and the attribute last read.
 */
uint64_t xattr_resolve(const struct cgroup *cg);

/* Whether xattr_resolve() takes the cgroup's own soft limit over its section's. Pure. */
bool xattr_in_force(const struct cgroup *cg);

/*
 * Reads cg's own soft limit (XATTR_TRUSTED, else XATTR_USER), when its mode
 * says to, and puts the soft limit in force (re-ranking cg). A value that
 * does not parse, or that is not to be trusted, leaves the section's in
 * force; each is told once through obs.xattr, as is every change of the
 * value honoured. Returns 0, or -ENOMEM.
 */
int xattr_refresh(struct engine *e, struct cgroup *cg);

/* xattr_refresh() for every managed cgroup that exists: at each tick. */
int engine_read_xattrs(struct engine *e);
