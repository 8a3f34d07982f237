/* PSI text: trigger strings for the kernel, and the pressure files' contents. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum psi_kind {
        PSI_SOME,   /* at least one task stalled on memory */
        PSI_FULL,   /* every non-idle task stalled at once */
        _PSI_KIND_MAX,
};

/*
 * Bounds the kernel enforces in psi_trigger_create() (kernel/sched/psi.c,
 * 6.1): WINDOW_MIN_US and WINDOW_MAX_US, and 0 < stall <= window. Checking
 * them here turns the kernel's bare EINVAL into an error naming the line.
 */
#define PSI_WINDOW_MIN_USEC   500000ULL
#define PSI_WINDOW_MAX_USEC 10000000ULL

struct psi_trigger {
        enum psi_kind kind;
        uint64_t stall_usec;   /* stall time within the window that fires the trigger */
        uint64_t window_usec;  /* tracking window */
};

/* One line of a pressure file. Averages are in hundredths of a percent. */
struct psi_line {
        uint32_t avg10_cpct;
        uint32_t avg60_cpct;
        uint32_t avg300_cpct;
        uint64_t total_usec;
};

struct psi_stats {
        struct psi_line line[_PSI_KIND_MAX];
        bool has_full;   /* /proc/pressure/cpu has no "full" line before 5.13 */
};

/*
 * Parses "some 150ms 1s" (kind, stall, window; durations as parse_duration()) and checks the
 * kernel's bounds. Returns 0, -EINVAL (malformed), -ERANGE (out of bounds).
 * On error, *ret_why (if non-NULL) points at a static explanation.
 */
int psi_trigger_parse(const char *s, struct psi_trigger *ret, const char **ret_why);

/*
 * Formats the string the kernel expects in a pressure file ("some 150000
 * 1000000", microseconds). Returns the length written excluding the NUL, or
 * -ENOBUFS. The caller writes the NUL too: the kernel overwrites the last
 * byte of the write with a NUL (psi_write()), which would cut off a digit.
 */
int psi_trigger_format(const struct psi_trigger *t, char *buf, size_t size);

/* Formats a trigger back in configuration syntax ("some 150ms 1s"). */
const char *psi_trigger_to_string(const struct psi_trigger *t, char *buf, size_t size);

/*
 * Parses the contents of a pressure file (/proc/pressure/memory or a
 * cgroup's memory.pressure). Unknown lines and fields are ignored, so newer
 * kernels can add them. Returns 0, or -EINVAL when no "some" line was found
 * or a known field is malformed.
 */
int psi_parse(const char *text, struct psi_stats *ret);
