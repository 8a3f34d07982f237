/* reallocarray() that fails on demand, for tests of what running out of memory must not lose. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "failalloc.h"

long reallocarray_ok = -1;
unsigned long reallocarray_failed;
static bool fail_once;

void failalloc_arm(long n, bool once)
{
        reallocarray_ok = n;
        reallocarray_failed = 0;
        fail_once = once;
}

void *reallocarray(void *p, size_t n, size_t size)
{
        if (size && n > SIZE_MAX / size) {
                errno = ENOMEM;
                return NULL;
        }
        if (reallocarray_ok == 0) {
                reallocarray_failed++;
                if (fail_once)
                        reallocarray_ok = -1;
                errno = ENOMEM;
                return NULL;
        }
        if (reallocarray_ok > 0)
                reallocarray_ok--;
        return realloc(p, n * size);
}
