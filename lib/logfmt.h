/* logfmt values: hostile text (cgroup names) written so that it cannot forge fields or lines. */
#pragma once

#include <stddef.h>
#include <stdio.h>

/*
 * Writes value as one logfmt value into buf, as snprintf() does: at most
 * size bytes, NUL included, and returns the length of the whole value
 * (without the NUL) however much of it fitted; buf may be NULL when size is 0.
 *
 * The value is written bare when it is not empty and holds only printable
 * characters other than space, '"', '=' and '\' (well-formed UTF-8 beyond
 * ASCII included). Otherwise it is quoted, and inside the quotes
 *   '"' and '\' are written \" and \\, newline, carriage return and tab
 *   \n, \r and \t (as logfmt and JSON write them),
 *   every other control character (U+0000..U+001F, U+007F, U+0080..U+009F)
 *   \u00XX (JSON's escape, which logfmt readers undo),
 *   every byte that is not part of well-formed UTF-8 \xXX (Go's and
 *   Python's escape; JSON has none for a raw byte),
 * so the line it is written in stays one line of the same fields, and a
 * reader that undoes the escapes gets value back byte for byte.
 */
size_t logfmt_value(char *buf, size_t size, const char *value);

/* Writes logfmt_value(value) to f. Returns 0, or -ENOMEM/-EIO. */
int logfmt_fputs(const char *value, FILE *f);
