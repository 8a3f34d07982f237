/* Fuzz target: the state file, read at start-up after a crash. */
#include "cgpath.h"
#include "fuzz.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = fuzz_string(data, size);
        struct state s;

        if (state_parse(text, &s) == 0) {
                /*
                 * Nothing garbage may come out: only a memory.high lowered or a
                 * memory.low or memory.min raised, on a path that names a cgroup
                 * beneath the root.
                 */
                if (s.root && s.root[0] != '/')
                        abort();   /* a root reclaimd could not have written */
                for (size_t i = 0; i < s.n; i++) {
                        const struct state_record *r = &s.v[i];

                        if (r->file == CG_MEMORY_HIGH ? r->value >= r->original :
                            r->file == CG_MEMORY_LOW || r->file == CG_MEMORY_MIN ? r->value <= r->original :
                            true)
                                abort();
                        if (!cgpath_is_cgroup(r->path))
                                abort();
                }
                state_clear(&s);
        }
        free(text);
        return 0;
}
