/* Parsing and formatting of the configuration's sizes and durations. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC  UINT64_C(1000000)

/*
 * Parses a size: decimal digits with an optional binary suffix K, M, G or T
 * (case-insensitive, an optional trailing "B" or "iB" accepted), or "max".
 * "max" yields UINT64_MAX. Returns 0, -EINVAL for malformed text, -ERANGE
 * when the value does not fit in 64 bits.
 */
int parse_size(const char *s, uint64_t *ret_bytes);

/*
 * Parses a duration: decimal digits followed by a unit, us, ms, s, min or h.
 * Units are lower case. A bare number is refused (-EINVAL): a PSI window in
 * the wrong unit is off by 1000x; so is "m", minutes or a mistyped ms, 60000x
 * apart.
 * Returns 0, -EINVAL, or -ERANGE.
 */
int parse_duration(const char *s, uint64_t *ret_usec);

/* Parses a plain unsigned decimal integer. Returns 0, -EINVAL or -ERANGE. */
int parse_uint64(const char *s, uint64_t *ret);

/* Formats bytes as "1.5M" style text ("max" for UINT64_MAX). Returns buf. */
const char *format_size(char *buf, size_t size, uint64_t bytes);
#define FORMAT_SIZE_MAX 32

/* Formats a duration with the largest unit that divides it exactly ("150ms"). */
const char *format_duration(char *buf, size_t size, uint64_t usec);
#define FORMAT_DURATION_MAX 32

/* Formats bytes exactly, with the largest suffix that divides them ("256M"), for round trips. */
const char *format_size_exact(char *buf, size_t size, uint64_t bytes);

/* Parses yes/no, true/false, on/off, 1/0. Returns 1, 0, or -EINVAL. */
int parse_bool(const char *s);

/* Parses a percentage, "5%" or "0.25%" (up to two decimals), into 1/10000. Returns 0, -EINVAL, -ERANGE. */
int parse_permyriad(const char *s, uint64_t *ret);

/* Formats 1/10000 as a percentage that parse_permyriad() reads back ("0.25%"). */
const char *format_permyriad(char *buf, size_t size, uint64_t permyriad);
