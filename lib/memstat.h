/* memory.stat: the values reclaimd reads from it. */
#pragma once

#include <stdint.h>

/*
 * Finds "key value" in the text of memory.stat. Returns 0 and the value,
 * -ENOENT when the key is absent (older kernels lack some), -EINVAL when its
 * value is not a number, -ERANGE beyond 64 bits.
 */
int memstat_get(const char *text, const char *key, uint64_t *ret);

/*
 * The pages that came back after reclaim: workingset_refault_anon +
 * workingset_refault_file (5.9+), or workingset_refault (older kernels).
 * Returns 0 and the count in pages, or a negative errno from memstat_get()
 * (-ERANGE also when the sum overflows).
 */
int memstat_refaults(const char *text, uint64_t *ret_pages);
