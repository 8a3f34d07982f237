/* The life of a cgroup value reclaimd changes (memory.high, memory.low): recorded, written, put back. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

struct cgroup;
struct engine;

/* The files reclaimd changes, each with its record in struct cgroup. */
extern const enum cg_file adjust_files[3];

/* The record of cg's file f: cg->high, cg->low or cg->min. */
struct adjust *adjust_of(struct cgroup *cg, enum cg_file f);

/* f's place in adjust_files: its entry in cg->contests (lib/contest.c). */
size_t adjust_index(enum cg_file f);

/* How many of cg's files (memory.high, memory.low, memory.min) reclaimd holds: its records. */
unsigned adjust_count(const struct cgroup *cg);

/*
 * Whether cg's open handle is another cgroup than the one its records were
 * taken on: that one was removed, and a new one made at its path since,
 * whose values are its own. For a record kept from the state file
 * (restore.c, keep_record()), whose cgroup is opened again by path.
 */
bool adjust_stale(struct engine *e, struct cgroup *cg);

/*
 * Opens cg by its path (cg->be), as a record kept or an ancestor's is:
 * -ENOENT also when what is there now is another cgroup than the one its
 * records were taken on (adjust_stale()), which is left closed.
 */
int adjust_open(struct engine *e, struct cgroup *cg);

/*
 * Holds f of cg at value (rounded up to whole pages, as the kernel keeps
 * it): the first time, reads the original and refuses (-EEXIST) a value
 * that would not be a change in reclaimd's direction (memory.high lowered,
 * memory.low raised) -- an operator's stricter setting stays. Held already
 * at another value, it reads the file again: one that holds neither what
 * reclaimd wrote nor what it overwrote was set by someone since, and is
 * theirs (adjust_verify() reads held files whose value stays): the record ends
 * (obs.released, left alone) and that value is the original, as at a first
 * hold. A value that is no change in reclaimd's direction from the
 * original of a value held already (a floor's level fell below the
 * operator's own memory.low) ends the hold: the original is put back
 * (adjust_release()) and -EEXIST returned, as at a first hold. Every managed
 * cgroup's records are saved (the state file) before the write; if that
 * fails, nothing is written and the error is returned. Returns 0, -EEXIST,
 * or the write's -errno.
 */
int adjust_set(struct engine *e, struct cgroup *cg, enum cg_file f, uint64_t value);

/*
 * adjust_set() in three steps, so that many values cost one save of the
 * state file, not one each (a save writes every record: holding the floors
 * of N cgroups one by one wrote N^2/2 records): adjust_stage() decides as
 * adjust_set() does and changes the record only, returning 1 when a write
 * is due, 0 when the record already holds the value, -EEXIST (held
 * already, the caller then puts the original back) or -errno; then
 * one adjust_persist(); then adjust_commit() writes each staged value (its
 * -errno; a failed write leaves the record at what the kernel holds, so the
 * next stage writes again), or, when the save failed, adjust_unstage() puts
 * each record back as it was, and nothing is written.
 */
int adjust_stage(struct engine *e, struct cgroup *cg, enum cg_file f, uint64_t value);
int adjust_commit(struct engine *e, struct cgroup *cg, enum cg_file f);
void adjust_unstage(struct cgroup *cg, enum cg_file f);

/*
 * Reads again each file of cg that reclaimd holds, and ends the record of
 * one that holds neither what reclaimd last wrote nor what it overwrote
 * (told through obs.released, left alone): someone set it since, and their
 * value is the original from here on. adjust_set() and adjust_stage() read
 * only when the value they hold changes; systemd writes every unit's
 * memory.low, memory.min and memory.high again, to the unit's own settings,
 * at each daemon-reload and set-property, so a hold that does not change
 * must be read too. Nothing is read in a dry run. The caller saves the
 * records afterwards when some ended. Returns how many ended.
 */
unsigned adjust_verify(struct engine *e, struct cgroup *cg);

/*
 * Sets f of cg back to value, toward the original (equal to it: restored,
 * and the record ends). A file that holds neither what reclaimd last wrote
 * nor the value it was writing was changed by someone else since: it is
 * left alone and the record ends. Told through obs.released. The caller
 * saves the records afterwards (adjust_persist()). Returns the write's
 * result, 0 when left alone.
 */
int adjust_release(struct engine *e, struct cgroup *cg, enum cg_file f, uint64_t value);

/*
 * Saves every active record of e to its state file, keeping a file found at
 * start and not used whole first (e->reject_pending). Returns 0 or -errno
 * (told once).
 */
int adjust_persist(struct engine *e);

/* The value as the kernel keeps it: bytes in whole pages, rounded up; max stays max. */
uint64_t adjust_in_pages(uint64_t bytes);

/*
 * Whether the kernel's value kernel is recorded: equal, or equal to recorded
 * rounded down to a page (a state file from before values were written in
 * pages recorded the bytes).
 */
bool adjust_holds(uint64_t kernel, uint64_t recorded);
