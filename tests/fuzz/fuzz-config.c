/* Fuzz target: the configuration parser (inih, the schema, drop-in merging of sections). */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "cgpath.h"
#include "config.h"
#include "fuzz.h"

/*
 * What --check-config prints for an accepted configuration loads back, with
 * the same sections, each setting the same keys (an unset one is a comment).
 */
static void dump_loads_back(const struct config *cfg)
{
        struct config_errors errs = {};
        struct config *again = NULL;
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        if (!f)
                abort();
        config_dump(cfg, f);
        fclose(f);
        if (config_load_string(text, "dump.conf", &again, &errs) != 0 || again->n_cgroups != cfg->n_cgroups)
                abort();
        for (size_t i = 0; i < cfg->n_cgroups; i++)
                if (strcmp(again->cgroups[i].path, cfg->cgroups[i].path) != 0 ||
                    again->cgroups[i].soft_limit_bytes != cfg->cgroups[i].soft_limit_bytes ||
                    again->cgroups[i].set != cfg->cgroups[i].set ||
                    config_xattr_mode(again, &again->cgroups[i]) != config_xattr_mode(cfg, &cfg->cgroups[i]))
                        abort();
        config_free(again);
        config_errors_clear(&errs);
        free(text);
}

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
                dump_loads_back(cfg);
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
