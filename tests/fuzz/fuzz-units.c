/* Fuzz target: sizes, durations, percentages, booleans and integers. */
#include "fuzz.h"
#include "units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = fuzz_string(data, size), buf[64];
        uint64_t v, w;

        if (parse_size(text, &v) == 0) {
                /* What parses, formats exactly and parses back to the same value. */
                if (parse_size(format_size_exact(buf, sizeof(buf), v), &w) != 0 || v != w)
                        abort();
                format_size(buf, sizeof(buf), v);
        }
        if (parse_duration(text, &v) == 0) {
                if (parse_duration(format_duration(buf, sizeof(buf), v), &w) != 0 || v != w)
                        abort();
        }
        if (parse_permyriad(text, &v) == 0) {
                if (v > 10000 || parse_permyriad(format_permyriad(buf, sizeof(buf), v), &w) != 0 || v != w)
                        abort();
        }
        (void) parse_bool(text);
        (void) parse_uint64(text, &v);
        free(text);
        return 0;
}
