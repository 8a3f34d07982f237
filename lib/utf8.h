/* UTF-8 validation: where a well-formed character ends, and whether a whole string is well formed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * The length in bytes (1 to 4) of the well-formed UTF-8 character s starts
 * with; 0 when it does not start with one: a stray continuation byte, a
 * sequence cut short, an overlong form, a surrogate (U+D800..U+DFFF) or a code
 * point past U+10FFFF, or the NUL that ends s.
 */
size_t utf8_char_len(const char *s);

/* Whether the NUL-terminated s is well-formed UTF-8 from start to end. */
bool utf8_valid(const char *s);
