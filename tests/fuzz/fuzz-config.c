/* Fuzz target: the configuration parser (inih, the schema, drop-in merging of sections). */
#include <stdio.h>

#include "cgpath.h"
#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct config_errors errs = {};
        struct config *cfg = NULL;
        char *text = fuzz_string(data, size), line[1024];
        FILE *null = fopen("/dev/null", "w");

        if (config_load_string(text, "fuzz.conf", &cfg, &errs) == 0) {
                /* A configuration that was accepted must dump without trouble, and an exact
                 * path must find a section (a glob need not match its own text: "a[1]"
                 * matches the cgroup "a1"). */
                config_dump(cfg, null);
                for (size_t i = 0; i < cfg->n_cgroups; i++)
                        if (!cgpath_is_glob(cfg->cgroups[i].path) && !config_match(cfg, cfg->cgroups[i].path))
                                abort();
                config_free(cfg);
        } else {
                /* Every error must format, naming a line. */
                for (size_t i = 0; i < errs.n; i++)
                        fputs(config_error_format(&errs, &errs.v[i], line, sizeof(line)), null);
        }
        config_errors_clear(&errs);
        fclose(null);
        free(text);
        return 0;
}
