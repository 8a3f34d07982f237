/* Fuzz target: memory.stat, as the refault snapshot reads it. */
#include "fuzz.h"
#include "memstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = fuzz_string(data, size);
        uint64_t v;

        (void) memstat_get(text, "anon", &v);
        (void) memstat_get(text, "workingset_refault_file", &v);
        (void) memstat_refaulted(text, &v);
        free(text);
        return 0;
}
