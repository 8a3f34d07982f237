/* Files the Check tests put in place: configurations, state files, fake cgroupfs trees. */
#pragma once

#include <check.h>
#include <stdio.h>

/* Writes text to path (created or truncated), or fails the test. */
static inline void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        ck_assert_int_eq(fclose(f), 0);
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
