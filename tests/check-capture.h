/* What the daemon logs (to stderr, key=value lines) between capture_start() and capture_end(), for the Check tests. */
#pragma once

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"

struct capture {
        int fd;
        int saved_stderr;
};

static inline void capture_start(struct capture *c)
{
        char path[] = "/tmp/reclaimd-test-log.XXXXXX";

        c->fd = mkstemp(path);
        ck_assert_int_ge(c->fd, 0);
        unlink(path);
        c->saved_stderr = dup(STDERR_FILENO);
        ck_assert_int_ge(c->saved_stderr, 0);
        ck_assert_int_ge(dup2(c->fd, STDERR_FILENO), 0);
        log_open(LOG_TARGET_STDERR);
}

/* Returns the captured text (freed by the caller); echoes it to the real stderr for the test log. */
static inline char *capture_end(struct capture *c)
{
        off_t size = lseek(c->fd, 0, SEEK_END);
        char *text = malloc((size_t)size + 1);

        ck_assert_ptr_nonnull(text);
        ck_assert_int_eq(pread(c->fd, text, (size_t)size, 0), size);
        text[size] = 0;
        ck_assert_int_ge(dup2(c->saved_stderr, STDERR_FILENO), 0);
        close(c->saved_stderr);
        close(c->fd);
        fputs(text, stderr);
        return text;
}
