/* Files the Check tests put in place: configurations, state files, fake cgroupfs trees. */
#pragma once

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes text to path (created or truncated), or fails the test. */
static inline void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        ck_assert_int_eq(fclose(f), 0);
}

/* The whole of a text file, to free; NULL when there is none. */
static inline char *read_text(const char *path)
{
        FILE *f = fopen(path, "r");
        char *buf = NULL;
        size_t size = 0;

        if (!f)
                return NULL;
        ck_assert_int_ge(getdelim(&buf, &size, '\0', f), 0);
        fclose(f);
        return buf;
}

/* A fresh path for a state file in /tmp, with nothing there yet: the engine creates it when it records. */
static inline void state_path(char *buf, size_t size)
{
        int fd;

        snprintf(buf, size, "/tmp/reclaimd-test-state.XXXXXX");
        fd = mkstemp(buf);
        ck_assert_int_ge(fd, 0);
        close(fd);
        unlink(buf);
}

/*
 * Removes what a daemon's run leaves beside its state file path: the lock
 * (state_lock()), and the state file found at start that it kept (state_reject()).
 */
static inline void state_unlock_file(const char *state)
{
        char path[256];

        snprintf(path, sizeof(path), "%s.lock", state);
        unlink(path);
        snprintf(path, sizeof(path), "%s.rejected", state);
        unlink(path);
        for (int i = 1; i <= 9; i++) {   /* beside an older one: FILE.rejected.1 to .9 */
                snprintf(path, sizeof(path), "%s.rejected.%d", state, i);
                unlink(path);
        }
}

/* How many times needle occurs in text. */
static inline unsigned count(const char *text, const char *needle)
{
        unsigned n = 0;

        for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

#include "config.h"

/* A configuration from text, or fails the test. The caller frees it with config_free(). */
static inline struct config *load_config(const char *text)
{
        struct config_errors errs = {};
        struct config *cfg = NULL;

        ck_assert_int_eq(config_load_string(text, "test.conf", &cfg, &errs), 0);
        config_errors_clear(&errs);
        return cfg;
}
