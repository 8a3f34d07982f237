/* reallocarray() that fails on demand, for tests of what running out of memory must not lose. */
#pragma once

#include <stdbool.h>

/*
 * The test program's reallocarray(), the library's calls included: once
 * reallocarray_ok more calls have succeeded, the rest fail with ENOMEM, as
 * with the heap exhausted; -1 (the start): none fails.
 */
extern long reallocarray_ok;
/* How many calls failed since the last failalloc_arm(). */
extern unsigned long reallocarray_failed;

/* Lets n more calls succeed (-1: all), and zeroes reallocarray_failed. */
void failalloc_arm(long n);
