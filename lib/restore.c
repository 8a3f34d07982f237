/* Puts back what reclaimd wrote: on release, when a reload hands over, and from the state file after a crash. */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>

#include "adjust.h"
#include "backend.h"
#include "cgroup.h"
#include "config.h"
#include "engine.h"
#include "engine-internal.h"
#include "hierarchy.h"
#include "policy.h"
#include "state.h"
#include "units.h"
#include "util.h"
#include "xattr.h"

/*
 * Puts back every value reclaimd changed in cg: memory.high, memory.low,
 * memory.min. Returns whether it held any, all are back, and reclaimd put
 * back at least one of them (false when the cgroup turned out gone, or
 * someone else's value was found in place of each: lost_said() ends such a
 * record and leaves the value).
 */
static bool restore_cgroup(struct engine *e, struct cgroup *cg)
{
        bool put_back = false;

        if (adjust_count(cg) == 0)
                return false;
        if (!cg->be) {
                int r = adjust_open(e, cg);   /* -ENOENT: another cgroup at that path since */

                if (is_gone(r))
                        cg->high = cg->low = cg->min = (struct adjust){};   /* nothing left to put back */
                if (r < 0)
                        return false;   /* otherwise kept as it is, and tried again */
        }
        for (size_t k = 0; k < ARRAY_SIZE(adjust_files) && cg->be; k++) {
                struct adjust *a = adjust_of(cg, adjust_files[k]);
                uint32_t lost = cg->contests[k].lost;
                int r;

                if (!a->active)
                        continue;
                r = adjust_release(e, cg, adjust_files[k], a->original);
                if (is_gone(r))
                        engine_forget(e, cg, r);
                else
                        put_back |= r == 0 && cg->contests[k].lost == lost;
        }
        return put_back && cg->be && adjust_count(cg) == 0;
}

int engine_release(struct engine *e, const struct config *cfg, bool restore_all)
{
        int still = 0;
        bool changed = false;

        engine_batch_begin(e);
        for (size_t i = 0; i < e->n_cgroups; i++) {
                struct cgroup *cg = &e->cgroups[i];
                uint64_t high = cg->high.original;
                int r;

                /* A record kept from the state file whose cgroup no refresh has opened (keep_record()). */
                if (!cg->be && restore_all && adjust_count(cg) > 0) {
                        changed = true;
                        restore_cgroup(e, cg);
                        continue;
                }
                if (!cg->be || (!cg->high.active && !(restore_all && (cg->low.active || cg->min.active))))
                        continue;
                changed = true;
                if (restore_all) {
                        restore_cgroup(e, cg);
                        continue;
                }
                if (backend_read_u64(e->be, cg->be, CG_MEMORY_CURRENT, &cg->current_bytes) == 0)
                        policy_release_high(cg, cfg->min_chunk_bytes, &high);
                r = adjust_release(e, cg, CG_MEMORY_HIGH, high);
                if (is_gone(r))
                        engine_forget(e, cg, r);
                still += cg->high.active;
        }
        if (restore_all)
                hierarchy_restore(e);
        engine_batch_end(e, changed || restore_all);
        return still;
}

int engine_fit_clamps(struct engine *e, const struct config *cfg)
{
        int changed = 0;

        engine_batch_begin(e);
        for (size_t i = 0; i < e->n_cgroups; i++) {
                struct cgroup *cg = &e->cgroups[i];
                uint64_t to = cg->high.original, soft = adjust_in_pages(cg->soft_limit_bytes);
                int r;

                if (!cg->be || !cg->high.active)
                        continue;
                if (cfg->clamp_high && cg->soft_limit_bytes != UINT64_MAX) {
                        if (cg->high.value >= soft)
                                continue;   /* still at or above its soft limit, as a clamp may be */
                        to = soft < to ? soft : to;
                }
                r = adjust_release(e, cg, CG_MEMORY_HIGH, to);
                changed += r == 0;   /* a write that keeps failing is tried again, said once */
                if (is_gone(r))
                        engine_forget(e, cg, r);
        }
        engine_batch_end(e, changed > 0);
        return changed;
}

/*
 * Moves what a cgroup carries between rounds (open files, readings, refault
 * history, changed values) in one assignment, so that a field added later is
 * carried too; what the new configuration says (path, section, soft limit)
 * and the place in the new engine's tree are the new cgroup's own.
 */
static void move_state(struct cgroup *to, struct cgroup *from)
{
        struct cgroup mine = *to;

        *to = *from;
        to->path = mine.path;
        to->conf = mine.conf;
        to->xattr_mode = mine.xattr_mode;
        to->soft_limit_bytes = xattr_resolve(to);   /* the new section's, or the attribute read */
        if (to->soft_limit_bytes != from->soft_limit_bytes)
                to->held_over = false;   /* it must pass the new limit's margin first */
        to->in_tree = false;
        memset(&to->excess_node, 0, sizeof(to->excess_node));
        from->be = NULL;
}

/* What a cgroup e does not manage still holds after its restore (a write failed): kept in e, to go back later. */
static void keep_unrestored(struct engine *e, struct cgroup *cg)
{
        if (adjust_count(cg) > 0 && hierarchy_adopt(e, cg) < 0 &&
            e->obs.state_error)
                e->obs.state_error(e->obs.userdata, e->state_file, -ENOMEM);
}

/* The ancestors' held values, carried to the new engine's list or put back. */
static void takeover_parents(struct engine *e, struct engine *old)
{
        for (size_t i = 0; i < old->n_parents; i++) {
                struct cgroup *from = &old->parents[i], *to = hierarchy_find(e, from->path);

                if (!to)
                        to = engine_find(e, from->path);   /* managed now */
                if (to && !to->be) {
                        move_state(to, from);
                        continue;
                }
                restore_cgroup(old, from);
                keep_unrestored(e, from);
        }
}

int engine_takeover_reserve(struct engine *e, const struct engine *old)
{
        /* At most one new entry for each cgroup of old's: keep_unrestored() moves each once. */
        return hierarchy_reserve(e, old->n_cgroups + old->n_parents);
}

int engine_takeover(struct engine *e, struct engine *old, const struct config *old_cfg)
{
        int restored = 0;

        /*
         * The file is e's from here: a save of old's (a cgroup found gone as
         * it is put back) would leave out the records moved to e already,
         * and a crash before e's save below would leave those values with
         * no record. Until then the file keeps all of old's.
         */
        old->state_file = NULL;

        for (size_t i = 0; i < old->n_cgroups; i++) {
                struct cgroup *from = &old->cgroups[i], *to = engine_find(e, from->path);

                if (to) {
                        move_state(to, from);
                        if (to->be)
                                excess_tree_update(&e->tree, to, to->current_bytes);
                } else if (adjust_count(from) > 0) {
                        restored += restore_cgroup(old, from);
                        keep_unrestored(e, from);
                }
        }
        takeover_parents(e, old);
        e->caps = old->caps;
        e->wmark = old->wmark;
        e->protecting = old->protecting;
        /*
         * The floors' giving way to the machine outlives a reload, as each
         * cgroup's does (move_state()); its window does not: the offenders'
         * summed excess may have changed with the configuration.
         */
        e->machine_yield_until_usec = old->machine_yield_until_usec;
        e->reject_pending = old->reject_pending;
        e->rejected_as = old->rejected_as;
        old->rejected_as = NULL;
        engine_done(old);
        adjust_persist(e);
        return restored;
}

/*
 * A record that could not be put back at start: kept in the engine (saved
 * with its records, put back at the next chance, dropped only if its cgroup
 * goes). bc moves. Out of memory, it is kept on disk instead: the file found
 * at start is kept aside whole (FILE.rejected) before the next save replaces
 * it. Not reserved ahead as a reload does: room for every record of a large
 * file would cost more than the file, for records that are nearly all put
 * back.
 */
static void keep_record(struct engine *e, const struct state_record *rec, struct backend_cgroup *bc,
                        uint64_t id)
{
        struct cgroup tmp = { .be = bc, .path = strdup(rec->path) };

        *adjust_of(&tmp, rec->file) = (struct adjust){ .active = true, .original = rec->original,
                                                       .value = rec->value, .previous = rec->previous,
                                                       .cgroup_id = rec->cgroup_id ?: id };
        if (!tmp.path || hierarchy_adopt(e, &tmp) < 0) {
                e->reject_pending = true;
                if (e->obs.state_error)
                        e->obs.state_error(e->obs.userdata, e->state_file, -ENOMEM);
        }
        e->be->ops->close_cgroup(e->be, tmp.be);   /* NULL when it moved */
        free(tmp.path);                           /* NULL when it moved */
}

/*
 * The id of the cgroup at rec's path, bc: -ESTALE when it is not the one the
 * record was taken on (removed, and made again at that path since). A
 * record without an id (written before ids) is judged on the values alone.
 */
static int check_id(struct engine *e, const struct state_record *rec, struct backend_cgroup *bc, uint64_t *ret)
{
        int r = e->be->ops->cgroup_id(e->be, bc, ret);

        if (r < 0) {
                *ret = 0;
                return rec->cgroup_id ? r : 0;
        }
        return rec->cgroup_id && *ret != rec->cgroup_id ? -ESTALE : 0;
}

/*
 * One record of the state file: put back when the cgroup is the one it was
 * taken on and the kernel still holds what was written.
 */
static void restore_record(struct engine *e, const struct state_record *rec)
{
        struct backend_cgroup *bc = NULL;
        enum restore_outcome o;
        uint64_t kernel, id = 0;
        char val[32];
        int r = 0;

        r = e->be->ops->open_cgroup(e->be, rec->path, &bc);
        if (r == 0)
                r = check_id(e, rec, bc, &id);
        if (r == 0)
                r = backend_read_u64(e->be, bc, rec->file, &kernel);
        if (r == -ESTALE) {
                o = RESTORE_GONE;   /* whatever it holds is its own: told apart by err */
        } else if (r < 0 && is_gone(r)) {
                r = 0;
                o = RESTORE_GONE;
        } else if (r < 0) {
                o = RESTORE_FAILED;   /* there, but not readable now: not known to be put back */
        } else if (adjust_holds(kernel, rec->original)) {
                o = RESTORE_ALREADY;
        } else if (!adjust_holds(kernel, rec->value) && !adjust_holds(kernel, rec->previous)) {
                o = RESTORE_CHANGED;   /* neither what reclaimd wrote nor what it was overwriting */
        } else {
                format_size_exact(val, sizeof(val), rec->original);
                r = e->dry_run ? 0 : e->be->ops->write(e->be, bc, rec->file,
                                                       rec->original == UINT64_MAX ? "max" : val);
                o = is_gone(r) ? RESTORE_GONE : r < 0 ? RESTORE_FAILED : RESTORE_DONE;   /* removed since the read */
                if (is_gone(r))
                        r = 0;
        }
        if (e->obs.restored)
                e->obs.restored(e->obs.userdata, rec, o, r);
        if (o == RESTORE_FAILED && !e->dry_run)
                keep_record(e, rec, bc, id);
        else
                e->be->ops->close_cgroup(e->be, bc);
}

int engine_restore(struct engine *e, struct state *ret_state)
{
        int r;

        *ret_state = (struct state){};
        if (!e->state_file)
                return -ENOENT;
        r = state_load(e->state_file, ret_state);
        /*
         * The paths are relative to the root they were taken under: beneath
         * another one they name other cgroups, or none, and the ones changed
         * would be forgotten as gone. The daemon puts such a file back under
         * its own root first (reclaimd --restore); what is left is not ours.
         */
        if (r == 0 && (ret_state->bad_root || (ret_state->root && e->root && !streq(ret_state->root, e->root))))
                r = -EXDEV;
        /* Never lose a line: what is not applied is kept for the operator (or a newer reclaimd). */
        e->reject_pending = !e->dry_run && (r < 0 ? r != -ENOENT : ret_state->bad_lines || ret_state->no_header);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ret_state->n; i++)
                restore_record(e, &ret_state->v[i]);
        /* What could not be put back stays on record (keep_record()); the file is removed otherwise. */
        (void) adjust_persist(e);
        return 0;
}
