/* The state file: cgroup values reclaimd changed (memory.high, memory.low), so a restart can put them back. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "backend.h"

/* One cgroup file reclaimd holds at another value than the one it found. */
struct state_record {
        char *path;              /* the cgroup, relative to the root: any name the kernel allows */
        enum cg_file file;       /* CG_MEMORY_HIGH (lowered), CG_MEMORY_LOW or CG_MEMORY_MIN (raised) */
        uint64_t original;       /* the value before reclaimd touched it (UINT64_MAX: max) */
        uint64_t value;          /* what reclaimd was writing or last wrote */
        uint64_t previous;       /* what the kernel held before that write */
        uint64_t cgroup_id;      /* which cgroup stood at path (backend_ops.cgroup_id); 0: not known
                                  * (a record from before ids, or an id that could not be read) */
};

struct state {
        struct state_record *v;
        size_t n;
        char *root;              /* the cgroup root the paths are relative to ("#cgroup-root", before
                                  * the first record); NULL in a file written before it was */
        bool bad_root;           /* a "#cgroup-root" line reclaimd never writes: the paths' root is
                                  * not known, so no record may be applied under any */
        unsigned bad_lines;      /* lines that did not parse: reported, never applied */
        unsigned first_bad_line;
        bool no_header;          /* not a file this reclaimd wrote (empty, another format) */
        bool truncated;          /* the last line has no newline: cut short, not applied */
        uid_t owner;             /* state_load(): who owns the file (told when it is refused, too) */
        mode_t mode;
        bool untrusted;          /* state_load() refused it for its owner (-EPERM) or mode (-EACCES),
                                  * not open() for its own reasons */
};

/*
 * Writes the records to file, atomically: a temporary file beside it (mode
 * 0600, never through a symlink), fsync, rename, fsync of the directory; the
 * directory is created (0700) when missing. With no record the file is
 * removed. Paths are written with \\ and \xHH escapes for backslash, space
 * and control bytes, so that any cgroup name stays on its line and reads
 * back as it was. root, when not NULL, is the cgroup root the paths are
 * relative to, written on a comment line. Returns 0 or -errno.
 */
int state_save(const char *file, const char *root, const struct state_record *v, size_t n);

/*
 * Parses a state file's text: "reclaimd-state 3" (every file reclaimd
 * changes; a "#cgroup-root PATH" line before the first record gives root, a
 * "#cgroup-id N" line the next record's cgroup_id, 0 without one), or "reclaimd-state 2" (memory.high only, from before
 * memory.low was managed). Lines that do not parse are counted in bad_lines and
 * skipped, as is every line of a file without a known header; so is a record
 * that is not something reclaimd writes (a memory.high raised, a memory.low
 * lowered). reclaimd ends every line with a newline, so a last line without
 * one was cut short (a path cut short names another cgroup): it is bad too.
 * Returns 0, or -ENOMEM.
 */
int state_parse(const char *text, struct state *ret);

/*
 * Reads and parses file. -ENOENT when there is none (a clean stop); -EBADMSG
 * when it is not a regular file (never opened blocking: a FIFO would hang
 * the start), too large, or holds a NUL; -ELOOP for a symlink; -EPERM when
 * another user than the effective one owns it, -EACCES when its group or
 * others may write it: whoever can write the file chooses what a root
 * daemon writes to any cgroup at start, so such a file is not read at all
 * (ret->owner and ret->mode say why).
 */
int state_load(const char *file, struct state *ret);

/*
 * The cgroup root file's records were taken under (*ret, NULL when it
 * records none), for a caller that must open that root before the records
 * can be put back. Returns 0, or state_load()'s error (*ret NULL).
 */
int state_root(const char *file, char **ret);

void state_clear(struct state *s);

/*
 * Where state_reject() would keep file now: "file.rejected", or the first of
 * "file.rejected.1" to ".9" that does not exist (when all do, the first is
 * replaced). Returns 0 (*ret to free) or -ENOMEM.
 */
int state_reject_path(const char *file, char **ret);

/*
 * Keeps what file holds at state_reject_path(), for the operator or a later
 * version to read: the caller is about to replace or remove a file it could
 * not use whole (malformed lines, an unknown header, another cgroup root,
 * refused). An earlier one is not replaced: it may hold values still held
 * under another root. file itself is left as it is. A hard link (a copy where
 * the file system has none) under a temporary name, renamed over: a crash
 * leaves the old or the new one whole. 0 (*ret_kept, when not NULL, the path
 * used, or left as it was when nothing was kept) also when there is no file,
 * or it is not a regular file (nothing was read from it); or -errno.
 */
int state_reject(const char *file, char **ret_kept);

/*
 * Takes the lock of file: flock() on "file.lock" beside it (created 0600,
 * never through a symlink; the directory made as state_save() does), not on
 * file itself, which each save replaces. One run per state file: a second
 * would put back, as left by a crash, what the first holds, and remove the
 * file the first relies on. Returns the descriptor to keep open for the run,
 * -EBUSY when another process holds the lock (still, 0.2 s on: a dry run's
 * probe holds it for a moment), or -errno.
 */
int state_lock(const char *file);

/*
 * Whether a run holds file's lock now (state_lock()), for a dry run, which
 * takes none: 1 held, 0 not (or no lock file), or -errno. Creates nothing;
 * holds the lock shared for a moment, which a starting run waits out.
 */
int state_locked(const char *file);
