/* Soft limits declared on the cgroups themselves, as extended attributes, and whom to trust for them. */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "units.h"
#include "util.h"
#include "xattr.h"

bool xattr_trusted(const char *name, uid_t owner)
{
        return streq(name, XATTR_TRUSTED) || (streq(name, XATTR_USER) && owner == 0);
}

bool xattr_in_force(const struct cgroup *cg)
{
        if (!cg->xattr_set || cg->xattr_mode == XATTR_NO)
                return false;
        return cg->xattr_mode == XATTR_PREFER || !cg->conf || !config_cgroup_sets(cg->conf, "soft_limit");
}

uint64_t xattr_resolve(const struct cgroup *cg)
{
        if (xattr_in_force(cg))
                return cg->xattr_soft_limit;
        return cg->conf ? cg->conf->soft_limit_bytes : UINT64_MAX;
}

/* Reads one attribute: 0 and the value, -ENODATA (absent), -EPERM (not trusted), -EINVAL (bad). */
static int read_one(struct engine *e, struct cgroup *cg, const char *name, char *text, size_t size,
                    uint64_t *ret)
{
        uid_t owner = 0;
        int r;

        r = e->be->ops->read_xattr(e->be, cg->be, name, text, size, &owner);
        if (r < 0)
                return r == -ERANGE ? -EINVAL : r;
        if (!xattr_trusted(name, owner))
                return -EPERM;
        return parse_size(text, ret) < 0 ? -EINVAL : 0;
}

/* Tells what happened to cg's own soft limit, once per change of error or of value. */
static void tell(struct engine *e, struct cgroup *cg, const char *name, const char *text, int err)
{
        if (err == cg->xattr_err && err < 0)
                return;
        cg->xattr_err = err;
        if (e->obs.xattr)
                e->obs.xattr(e->obs.userdata, cg, name, text, err);
}

int xattr_refresh(struct engine *e, struct cgroup *cg)
{
        static const char *const names[] = { XATTR_TRUSTED, XATTR_USER };
        uint64_t value = 0, was = cg->soft_limit_bytes;
        char text[64] = "";
        const char *name = NULL;
        bool told = false;
        int r = -ENODATA;

        if (!cg->be || cg->xattr_mode == XATTR_NO || !e->be->ops->read_xattr)
                return 0;
        for (size_t i = 0; i < ARRAY_SIZE(names) && r == -ENODATA; i++) {
                name = names[i];
                r = read_one(e, cg, name, text, sizeof(text), &value);
        }
        if (r == -ENOMEM)
                return r;
        if (r == 0) {
                bool changed = !cg->xattr_set || cg->xattr_soft_limit != value;

                cg->xattr_set = true;
                cg->xattr_soft_limit = value;
                told = changed || cg->xattr_err;
        } else {
                /* Absent, untrusted or malformed: the section's soft limit is in force. */
                cg->xattr_set = false;
                if (r == -ENODATA)
                        cg->xattr_err = 0;
                told = r != -ENODATA;
        }
        cg->soft_limit_bytes = xattr_resolve(cg);
        /* Told with the soft limit now in force. */
        if (told)
                tell(e, cg, name, text, r);
        if (cg->soft_limit_bytes != was) {
                cg->held_over = false;   /* it must pass the new limit's margin first (policy_note_over()) */
                excess_tree_update(&e->tree, cg, cg->current_bytes);
        }
        return 0;
}

int engine_read_xattrs(struct engine *e)
{
        for (size_t i = 0; i < e->n_cgroups; i++) {
                int r = xattr_refresh(e, &e->cgroups[i]);

                if (r < 0)
                        return r;
        }
        return 0;
}
