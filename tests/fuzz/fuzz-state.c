/* Fuzz target: the state file, read at start-up after a crash. */
#include "cgpath.h"
#include "fuzz.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = fuzz_string(data, size), *norm;
        struct state s;

        if (state_parse(text, &s) == 0) {
                /* Nothing garbage may come out: only clamps below their original, on sane paths. */
                for (size_t i = 0; i < s.n; i++) {
                        if (s.v[i].clamped_to >= s.v[i].original)
                                abort();
                        if (cgpath_normalize(s.v[i].path, &norm, NULL) != 0)
                                abort();
                        free(norm);
                }
                state_clear(&s);
        }
        free(text);
        return 0;
}
