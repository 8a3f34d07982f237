/* Fuzz target: pressure files' contents and PSI trigger strings. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "psi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = fuzz_string(data, size), buf[128], again[128];
        struct psi_trigger t, t2;
        struct psi_stats st;

        (void) psi_parse(text, &st);
        if (psi_trigger_parse(text, &t, NULL) == 0) {
                /* An accepted trigger formats for the kernel and reads back the same. */
                if (psi_trigger_format(&t, buf, sizeof(buf)) < 0)
                        abort();
                psi_trigger_to_string(&t, again, sizeof(again));
                if (psi_trigger_parse(again, &t2, NULL) != 0 || t.kind != t2.kind ||
                    t.stall_usec != t2.stall_usec || t.window_usec != t2.window_usec)
                        abort();
        }
        free(text);
        return 0;
}
