/* reclaimctl status: a snapshot as aligned text for people, or as JSON for scripts. */
#pragma once

#include <stdint.h>
#include <stdio.h>

struct snapshot;

/* Formats a CLOCK_MONOTONIC time of s as the wall clock's "HH:MM:SS". Returns buf. */
const char *status_clock(const struct snapshot *s, uint64_t mono_usec, char *buf, size_t size);

/* Writes the status: the system, its triggers and rounds, then a table of the managed cgroups. */
int status_write_text(FILE *f, const struct snapshot *s);

/* The same as one JSON object (bytes as numbers, max as null, times as Unix seconds). */
int status_write_json(FILE *f, const struct snapshot *s);
