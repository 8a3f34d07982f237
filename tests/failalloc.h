/* reallocarray() that fails on demand, for tests of what running out of memory must not lose. */
#pragma once

#include <stdbool.h>

/*
 * The test program's reallocarray(), the library's calls included: once
 * reallocarray_ok more calls have succeeded, the next fails with ENOMEM, and
 * so do all after it (the heap exhausted) unless armed once (a transient
 * failure: the calls after it succeed); -1 (the start): none fails. Not
 * thread-safe: arm it only while no other thread allocates.
 */
extern long reallocarray_ok;
/* How many calls failed since the last failalloc_arm(). */
extern unsigned long reallocarray_failed;

/* Lets n more calls succeed (-1: all), then fails the rest, or only the next one if once; zeroes reallocarray_failed. */
void failalloc_arm(long n, bool once);
