/* Fuzz target: /proc/meminfo and /proc/zoneinfo, as the balancer reads them every second. */
#include "fuzz.h"
#include "sysmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = fuzz_string(data, size);
        struct watermarks w;
        uint64_t total, free_bytes;

        if (sysmem_parse_zoneinfo(text, 4096, &w) == 0 &&
            (w.min_bytes % 4096 || w.low_bytes % 4096 || w.high_bytes % 4096))
                abort();   /* sums of whole pages */
        (void) sysmem_parse_meminfo(text, &total, &free_bytes);
        free(text);
        return 0;
}
