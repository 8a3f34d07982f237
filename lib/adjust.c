/* The life of a cgroup value reclaimd changes (memory.high, memory.low): recorded, written, put back. */
#include "autoconfig.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "adjust.h"
#include "engine.h"
#include "state.h"
#include "util.h"

const enum cg_file adjust_files[3] = { CG_MEMORY_HIGH, CG_MEMORY_LOW, CG_MEMORY_MIN };

struct adjust *adjust_of(struct cgroup *cg, enum cg_file f)
{
        return f == CG_MEMORY_HIGH ? &cg->high : f == CG_MEMORY_MIN ? &cg->min : &cg->low;
}

/*
 * memory_high_write() and memory_low_write() store bytes / PAGE_SIZE
 * (page_counter_memparse()), and a read gives back that many pages in bytes.
 * A value reclaimd writes is rounded up to a page (a clamp never goes below
 * the soft limit), so that what it records is what the kernel holds: a
 * restart compares the two before restoring. page_counter_memparse() also
 * caps the pages at PAGE_COUNTER_MAX (LONG_MAX / PAGE_SIZE on a 64-bit
 * kernel, whatever the width of this build's long), which a read shows as
 * "max" (seq_puts_memcg_tunable()): such a value is recorded as max, or
 * neither a restore nor the next hold would recognise it.
 */
uint64_t adjust_in_pages(uint64_t bytes)
{
        uint64_t p = page_bytes(), counter_max = (uint64_t)INT64_MAX / p * p;

        if (bytes > counter_max - p)
                return UINT64_MAX;
        return (bytes + p - 1) / p * p;
}

bool adjust_holds(uint64_t kernel, uint64_t recorded)
{
        uint64_t p = page_bytes();

        return kernel == recorded || (recorded != UINT64_MAX && kernel == recorded / p * p);
}

static int write_value(struct engine *e, struct cgroup *cg, enum cg_file f, uint64_t value)
{
        char val[32];
        int r;

        if (e->dry_run)
                return 0;
        if (value == UINT64_MAX)
                snprintf(val, sizeof(val), "max");
        else
                snprintf(val, sizeof(val), "%" PRIu64, value);
        r = e->be->ops->write(e->be, cg->be, f, val);
        if (r == 0) {
                cg->adjust_writes++;
                adjust_of(cg, f)->release_err = 0;   /* a later failure is news again */
        }
        return r;
}

size_t adjust_index(enum cg_file f)
{
        for (size_t k = 0; k < ARRAY_SIZE(adjust_files); k++)
                if (adjust_files[k] == f)
                        return k;
        return ARRAY_SIZE(adjust_files) - 1;   /* never: the three files are all there is */
}

unsigned adjust_count(const struct cgroup *cg)
{
        return (unsigned)cg->high.active + cg->low.active + cg->min.active;
}

static size_t count_active(const struct engine *e)
{
        size_t n = 0;

        for (size_t i = 0; i < e->n_cgroups; i++)
                n += adjust_count(&e->cgroups[i]);
        for (size_t i = 0; i < e->n_parents; i++)
                n += adjust_count(&e->parents[i]);
        return n;
}

/* Appends cg's active records to v. */
static size_t add_records(struct cgroup *cg, struct state_record *v)
{
        size_t n = 0;

        for (size_t k = 0; k < ARRAY_SIZE(adjust_files); k++) {
                const struct adjust *a = adjust_of(cg, adjust_files[k]);

                if (a->active)
                        v[n++] = (struct state_record){ .path = cg->path, .file = adjust_files[k],
                                                        .original = a->original, .value = a->value,
                                                        .previous = a->previous, .cgroup_id = a->cgroup_id };
        }
        return n;
}

static int save_records(struct engine *e)
{
        _cleanup_free_ struct state_record *v = NULL;
        size_t n = 0;

        v = calloc(count_active(e) ?: 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < e->n_cgroups; i++)
                n += add_records(&e->cgroups[i], v + n);
        for (size_t i = 0; i < e->n_parents; i++)
                n += add_records(&e->parents[i], v + n);
        return state_save(e->state_file, e->root, v, n);
}

int adjust_persist(struct engine *e)
{
        int r;

        if (e->dry_run || !e->state_file)
                return 0;
        /* The file found at start is kept before this save replaces it: else it is not replaced. */
        r = e->reject_pending ? state_reject(e->state_file, &e->rejected_as) : 0;
        if (r == 0) {
                e->reject_pending = false;
                e->state_saves++;
                r = save_records(e);
        }
        if (r < 0 && e->obs.state_error)
                e->obs.state_error(e->obs.userdata, e->state_file, r);
        return r;
}

/* Whether value moves f the way reclaimd moves it, from original. */
static bool in_our_direction(enum cg_file f, uint64_t original, uint64_t value)
{
        return f == CG_MEMORY_HIGH ? value < original : value > original;
}

bool adjust_stale(struct engine *e, struct cgroup *cg)
{
        uint64_t id;

        if (e->be->ops->cgroup_id(e->be, cg->be, &id) < 0)
                return false;   /* unknown: judged on the values, as a record from before ids */
        for (size_t k = 0; k < ARRAY_SIZE(adjust_files); k++) {
                const struct adjust *a = adjust_of(cg, adjust_files[k]);

                if (a->active && a->cgroup_id && a->cgroup_id != id)
                        return true;
        }
        return false;
}

int adjust_open(struct engine *e, struct cgroup *cg)
{
        int r = e->be->ops->open_cgroup(e->be, cg->path, &cg->be);

        if (r == 0 && adjust_count(cg) > 0 && adjust_stale(e, cg)) {
                e->be->ops->close_cgroup(e->be, cg->be);
                cg->be = NULL;
                r = -ENOENT;
        }
        return r;
}

/*
 * A hold of cg's f found holding kernel, someone else's value: counted
 * (lib/contest.c) before it is said, whichever path found it, so that a
 * fight is said once and the metric counts every loss; then the record ends.
 */
static void lost_said(struct engine *e, struct cgroup *cg, enum cg_file f, uint64_t kernel)
{
        struct adjust *a = adjust_of(cg, f);

        contest_lost(&cg->contests[adjust_index(f)], a->value, e->now_usec());
        if (e->obs.released)   /* before the record ends: it tells the original */
                e->obs.released(e->obs.userdata, cg, f, kernel, false, true, 0);
        *a = (struct adjust){};
}

/*
 * Reads f of cg, held, into *ret_kernel and ends the record when the file
 * holds neither what reclaimd last wrote nor what it overwrote: someone set
 * it since, and their value is the original from here on. A hold goes over
 * it only in reclaimd's direction, as over any operator's value, and puts
 * it back. Returns 1 when the record ended, 0 when it holds (or nothing is
 * held, staged or written: a dry run), or the read's -errno.
 */
static int lost_hold(struct engine *e, struct cgroup *cg, enum cg_file f, uint64_t *ret_kernel)
{
        struct adjust *a = adjust_of(cg, f);
        int r;

        if (!a->active || a->staged || e->dry_run || !cg->be)
                return 0;
        r = backend_read_u64(e->be, cg->be, f, ret_kernel);
        if (r < 0)
                return r;
        if (adjust_holds(*ret_kernel, a->previous) || adjust_holds(*ret_kernel, a->value))
                return 0;
        lost_said(e, cg, f, *ret_kernel);
        return 1;
}

unsigned adjust_verify(struct engine *e, struct cgroup *cg)
{
        unsigned ended = 0;
        uint64_t kernel;

        for (size_t k = 0; k < ARRAY_SIZE(adjust_files); k++)
                ended += lost_hold(e, cg, adjust_files[k], &kernel) > 0;
        return ended;
}

int adjust_stage(struct engine *e, struct cgroup *cg, enum cg_file f, uint64_t value)
{
        struct adjust *a = adjust_of(cg, f);
        bool read = false;
        uint64_t original;
        int r;

        value = adjust_in_pages(value);
        if (a->active && a->value == value)
                return 0;
        read = lost_hold(e, cg, f, &original) > 0;
        /*
         * Held, and the value wanted now is no change from the original in
         * reclaimd's direction (a floor's level fell below the operator's own
         * memory.low): as at a first hold, the operator's value stays. The
         * caller ends the record, putting the original back (adjust_release());
         * staged, the value would go below the operator's, and the state file
         * would hold a line its reader refuses (record_sane()).
         */
        if (a->active && !in_our_direction(f, a->original, value))
                return -EEXIST;
        if (!a->active) {
                r = read ? 0 : backend_read_u64(e->be, cg->be, f, &original);
                if (r < 0)
                        return r;
                if (!in_our_direction(f, original, value)) {
                        /* The record that ended leaves the state file now, not with the next hold. */
                        if (read)
                                (void) adjust_persist(e);
                        return -EEXIST;   /* already there, or stricter: the operator's */
                }
                a->original = a->previous = original;
                /* Unknown (0), a restart compares the values alone, as for a record from before ids. */
                if (e->be->ops->cgroup_id(e->be, cg->be, &a->cgroup_id) < 0)
                        a->cgroup_id = 0;
        }
        if (!a->staged)
                a->unstaged.active = a->active, a->unstaged.value = a->value;
        a->active = a->staged = true;
        a->value = value;
        return 1;
}

void adjust_unstage(struct cgroup *cg, enum cg_file f)
{
        struct adjust *a = adjust_of(cg, f);

        if (!a->staged)
                return;
        if (!a->unstaged.active)
                *a = (struct adjust){};   /* no durable record, no change */
        else
                a->value = a->unstaged.value, a->staged = false;
}

int adjust_commit(struct engine *e, struct cgroup *cg, enum cg_file f)
{
        struct adjust *a = adjust_of(cg, f);
        int r;

        if (!a->staged)
                return 0;
        a->staged = false;
        r = write_value(e, cg, f, a->value);
        if (r == 0)
                a->previous = a->value;
        else if (!a->unstaged.active) {
                *a = (struct adjust){};   /* the first change, not made: nothing is held, no record */
                (void) adjust_persist(e);   /* nor on file, where it went before the write */
        }
        else
                a->value = a->previous;   /* as the kernel holds it: the next stage writes again */
        return r;
}

int adjust_set(struct engine *e, struct cgroup *cg, enum cg_file f, uint64_t value)
{
        int r = adjust_stage(e, cg, f, value);

        if (r == -EEXIST && adjust_of(cg, f)->active) {
                r = adjust_release(e, cg, f, adjust_of(cg, f)->original);
                (void) adjust_persist(e);
                return r < 0 ? r : -EEXIST;
        }
        if (r <= 0)
                return r;
        r = adjust_persist(e);
        if (r < 0) {
                adjust_unstage(cg, f);
                return r;
        }
        return adjust_commit(e, cg, f);
}

int adjust_release(struct engine *e, struct cgroup *cg, enum cg_file f, uint64_t value)
{
        struct adjust *a = adjust_of(cg, f);
        uint64_t kernel;
        bool back;
        int r;

        /*
         * A step rounded to whole pages may reach the original (a release of
         * memory.high less than a page under it): that is the original put
         * back, with no record of a hold there, which a start would refuse.
         */
        if (value != a->original)
                value = adjust_in_pages(value);
        back = !in_our_direction(f, a->original, value);
        if (back)
                value = a->original;
        if (!e->dry_run && backend_read_u64(e->be, cg->be, f, &kernel) == 0) {
                if (back && kernel == value) {
                        *a = (struct adjust){};   /* the write that changed it never happened */
                        return 0;
                }
                if (!adjust_holds(kernel, a->previous) && !adjust_holds(kernel, a->value)) {
                        lost_said(e, cg, f, kernel);
                        return 0;
                }
        }
        if (!back) {
                /* Recorded before written, as for the first change: a crash between leaves a
                 * value the next start recognises (previous) and puts back. */
                uint64_t was = a->value;

                a->value = value;
                if (adjust_persist(e) < 0) {
                        /* Not recorded: after a crash no start would recognise this value. The
                         * original needs no record (fail open, as a tick that cannot read the
                         * pressure does). */
                        a->value = was;
                        value = a->original;
                        back = true;
                }
        }
        r = write_value(e, cg, f, value);
        if (r == 0) {
                a->previous = value;
                a->active = !back;
        } else if (!back) {
                a->value = a->previous;
        }
        /* A failure is told once, until the write works or fails otherwise. */
        if (e->obs.released && (r == 0 || r != a->release_err))
                e->obs.released(e->obs.userdata, cg, f, value, back && r == 0, false, r);
        a->release_err = r < 0 ? r : 0;
        return r;
}
