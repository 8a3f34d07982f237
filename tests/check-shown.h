/* What reclaimctl status, explain and the metrics say of an engine, in one text, for the Check tests. */
#pragma once

#include <check.h>
#include <stdbool.h>
#include <stdio.h>

#include "engine.h"
#include "explain.h"
#include "metrics.h"
#include "snapshot.h"
#include "status.h"

/*
 * The status of e (text, then JSON) and its metrics (with max_cgroups),
 * then, given a path that exists, reclaimctl explain of it (with cfg); with
 * read_files, the kernel's files read anew. To free.
 */
static inline char *shown_of(struct engine *e, const struct config *cfg, bool read_files, size_t max_cgroups,
                             const char *path)
{
        struct snapshot s = {};
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(snapshot_take_cgroups(&s, e, NULL, NULL, read_files), 0);
        ck_assert_int_eq(status_write_text(f, &s), 0);
        ck_assert_int_eq(status_write_json(f, &s), 0);
        ck_assert_int_eq(metrics_write(f, &s, max_cgroups), 0);
        if (path)
                ck_assert_int_eq(explain_write(f, &s, cfg, path, true), 0);
        snapshot_clear(&s);
        ck_assert_int_eq(fclose(f), 0);
        return text;
}
