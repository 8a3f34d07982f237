/* Fuzz target: /proc/zoneinfo, as the balancer reads it. */
#include "fuzz.h"
#include "sysmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = fuzz_string(data, size);
        struct watermarks w;

        if (sysmem_parse_zoneinfo(text, 4096, &w) == 0 &&
            (w.min_bytes % 4096 || w.low_bytes % 4096 || w.high_bytes % 4096))
                abort();   /* sums of whole pages */
        free(text);
        return 0;
}
