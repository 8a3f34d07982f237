/* Small helpers shared by every module: container_of, array sizes, cleanup. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member) \
        ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
        free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

/* Returns -1 for a NULL fd variable's "no fd" so callers can write fd = safe_close(fd). */
static inline int safe_close(int fd)
{
        if (fd >= 0)
                close(fd);
        return -1;
}

/* Whether r says the cgroup was removed: its path is gone, or its open files answer ENODEV. */
static inline bool is_gone(int r)
{
        return r == -ENOENT || r == -ENODEV;
}

/* Makes errno-style returns uniform: always negative, never 0 on failure. */
static inline int negative_errno(void)
{
        return errno > 0 ? -errno : -EIO;
}

/*
 * Whether all that was printed to stdout got out: 0, or a negative errno
 * (a full disk under --check-config > file, a closed pipe), which a command
 * whose output is its answer must not exit 0 on.
 */
static inline int stdout_flushed(void)
{
        errno = 0;
        return fflush(stdout) == 0 && !ferror(stdout) ? 0 : negative_errno();
}

/* The page size, in which the kernel counts memory.high and refaults. */
static inline uint64_t page_bytes(void)
{
        long page = sysconf(_SC_PAGESIZE);

        return page > 0 ? (uint64_t)page : 4096;
}

/* The value of the hex digit c (either case), or -1: for the \xHH escapes reclaimd reads back. */
static inline int hex_value(char c)
{
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
               c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static inline int streq(const char *a, const char *b)
{
        return strcmp(a, b) == 0;
}

/* streq() where either may be NULL (equal when both are). */
static inline int streq_ptr(const char *a, const char *b)
{
        return a && b ? streq(a, b) : a == b;
}
