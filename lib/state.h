/* The state file: memory.high values reclaimd lowered, so a restart can put them back. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct engine;

struct state_entry {
        char *path;              /* the cgroup, relative to the root */
        uint64_t original;       /* memory.high before reclaimd lowered it (UINT64_MAX: max) */
        uint64_t clamped_to;     /* what reclaimd was writing or last wrote */
        uint64_t previous;       /* what the kernel held before that write (UINT64_MAX: max) */
};

struct state {
        struct state_entry *v;
        size_t n;
        unsigned bad_lines;      /* lines that did not parse: reported, never applied */
        unsigned first_bad_line;
        bool no_header;          /* not a file this reclaimd wrote (empty, another format) */
        bool truncated;          /* the last line has no newline: cut short, not applied */
};

/*
 * Writes every clamped cgroup of e to file, atomically: a temporary file
 * beside it (mode 0600, never through a symlink), fsync, rename, fsync of the
 * directory. With nothing clamped the file is removed. Returns 0 or -errno.
 */
int state_save(const char *file, const struct engine *e);

/*
 * Parses a state file's text. Lines that do not parse are counted in
 * bad_lines and skipped; a missing version header makes every line bad.
 * reclaimd ends every line it writes with a newline, so a last line without
 * one was cut short (a path cut short names another cgroup): it is bad too.
 * Returns 0, or -ENOMEM.
 */
int state_parse(const char *text, struct state *ret);

/*
 * Reads and parses file. -ENOENT when there is none (a clean stop); -EBADMSG
 * when it is not a regular file (never opened blocking: a FIFO would hang
 * the start), too large, or holds a NUL; -ELOOP for a symlink.
 */
int state_load(const char *file, struct state *ret);

void state_clear(struct state *s);
