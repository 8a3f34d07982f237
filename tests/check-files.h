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
