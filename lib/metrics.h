/* The Prometheus text exposition of a snapshot, for node_exporter's textfile collector. */
#pragma once

/* How every file metrics_write() writes begins: a file at the textfile path is reclaimd's if so. */
#define METRICS_FILE_HEAD "# HELP reclaimd_"

#include <stddef.h>
#include <stdio.h>

struct snapshot;

/*
 * Writes the metrics of s (version 0.0.4 of the text format): the
 * daemon's counters, and per managed cgroup (the first max_cgroups in path
 * order, names escaped) its reclaim, requests and clamps by result, soft
 * limit, usage, excess, clamped memory.high and its trigger's fires.
 * Returns 0 or -EIO.
 */
int metrics_write(FILE *f, const struct snapshot *s, size_t max_cgroups);

/*
 * Writes the metrics to path atomically: a temporary file beside it, mode
 * 0644, renamed over it. Returns 0 or -errno (the temporary file removed).
 */
int metrics_write_file(const char *path, const struct snapshot *s, size_t max_cgroups);
