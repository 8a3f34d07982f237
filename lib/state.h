/* The state file: memory.high values reclaimd lowered, so a restart can put them back. */
#pragma once

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
 * Returns 0, or -ENOMEM.
 */
int state_parse(const char *text, struct state *ret);

/* Reads and parses file. -ENOENT when there is none (a clean stop). */
int state_load(const char *file, struct state *ret);

void state_clear(struct state *s);
