/* The configuration's schema: each key's type, bounds, default and help, and how its values parse and print. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "logfmt.h"
#include "metrics.h"
#include "units.h"
#include "util.h"

#define CFG(field)  offsetof(struct config, field)
#define CGC(field)  offsetof(struct cgroup_config, field)

static const char *const xattr_modes[] = { "no", "yes", "prefer", NULL };
static const char *const protect_modes[] = { "no", "low", "min", "auto", NULL };

const struct config_item config_table[] = {
        { "pressure", "trigger", CONFIG_TRIGGER, CFG(trigger), 0, 0, "some 150ms 1s",
          "system PSI trigger on /proc/pressure/memory: some|full, stall, window (500ms..10s)" },
        { "pressure", "resolve", CONFIG_PERCENT, CFG(resolve_permyriad), 0, 10000, "1%",
          "a cgroup's round stops early once its stall share, over a second at least, falls below this" },
        { "reclaim", "initial_priority", CONFIG_UINT, CFG(initial_priority), 0, DEF_PRIORITY, "12",
          "the kernel's DEF_PRIORITY: where the priority loop starts (it decides when swapping and "
          "clamping are allowed, and the proportional pass's share)" },
        { "reclaim", "round_target", CONFIG_SIZE, CFG(round_target_bytes), 4096, UINT64_MAX - 1, "32M",
          "bytes a cgroup's round must free before it stops (the kernel's nr_to_reclaim); a system round "
          "aims at the machine's shortfall" },
        { "reclaim", "min_chunk", CONFIG_SIZE, CFG(min_chunk_bytes), 4096, 1ULL << 40, "2M",
          "smallest request written to memory.reclaim, however high the priority" },
        { "reclaim", "harder_priority", CONFIG_UINT, CFG(harder_priority), 0, DEF_PRIORITY, "9",
          "from this priority on anonymous memory may be swapped (swappiness=0 before it, where the kernel takes it)" },
        { "reclaim", "clamp_high", CONFIG_BOOL, CFG(clamp_high), 0, 1, "yes",
          "whether memory.high of the top offender may be lowered (never below its soft limit)" },
        { "reclaim", "clamp_priority", CONFIG_UINT, CFG(clamp_priority), 0, DEF_PRIORITY, "3",
          "from this priority on memory.high may be lowered (vmpressure's critical level); a cgroup whose "
          "reclaimed memory comes back, at any priority" },
        { "reclaim", "release_interval", CONFIG_DURATION, CFG(release_interval_usec), 100000,
          3600ULL * 1000000, "5s", "how often a lowered memory.high is raised back a step once pressure is gone" },
        { "reclaim", "backoff", CONFIG_DURATION, CFG(backoff_usec), 0, 3600ULL * 1000000, "1s",
          "first cooldown of a scope whose round freed under 1/8 of what it asked; doubles each time" },
        { "reclaim", "backoff_max", CONFIG_DURATION, CFG(backoff_max_usec), 0, 3600ULL * 1000000, "60s",
          "longest cooldown" },
        { "reclaim", "step_timeout", CONFIG_DURATION, CFG(step_timeout_usec), 0, 3600ULL * 1000000, "10s",
          "longest one step's write (memory.reclaim, memory.high) may take on a thrashing machine before "
          "it is cut short and its round ended, so that the holds are renewed; 0s: no limit" },
        { "reclaim", "soft_limit_xattr", CONFIG_CHOICE, CFG(soft_limit_xattr), 0, 2, "no",
          "whether a soft limit set on a cgroup itself (trusted.reclaimd.soft_limit, or "
          "user.reclaimd.soft_limit on a cgroup owned by root) is read: no, yes (where the section sets "
          "none), prefer (over the section's too); a section may say otherwise", xattr_modes },
        { "reclaim", "system_proportional", CONFIG_BOOL, CFG(system_proportional), 0, 1, "no",
          "whether a round for the whole machine, once no cgroup is over its soft limit, goes on to take "
          "from every managed cgroup (shrink_node_memcgs()); no: that is left to the kernel's own reclaim" },
        { "balance", "interval", CONFIG_DURATION, CFG(balance_interval_usec), 100000, 60ULL * 1000000, "1s",
          "how often free memory is compared with the zones' watermarks and the cgroups' usage re-read "
          "(kswapd's background balancing)" },
        { "balance", "idle_interval", CONFIG_DURATION, CFG(balance_idle_usec), 100000, 600ULL * 1000000, "5s",
          "how often instead while free memory is far above the high watermark plus the reserve, as kswapd "
          "sleeps once balanced: a pressure trigger that fires brings interval back at once" },
        { "balance", "reserve", CONFIG_MEMORY, CFG(reserve), 0, UINT64_MAX - 1, "0",
          "free memory kept above the zones' high watermark by trimming cgroups over their soft limits: "
          "a size, or a share of the machine's memory such as 2%" },
        { "balance", "trim", CONFIG_BOOL, CFG(trim), 0, 1, "yes",
          "whether cgroups over their soft limits are trimmed toward them whenever free memory is short "
          "of the high watermark plus the reserve (never those under)" },
        { "balance", "protect", CONFIG_CHOICE, CFG(protect), 0, 3, "auto",
          "while any managed cgroup is over its soft limit, hold the others' memory.low (low) or "
          "memory.min (min) at their soft limits, so that the kernel's reclaim takes the excess first; "
          "auto: min where the kernel's memory.low only defers reclaim (MGLRU on, 6.3+), else low; no: neither",
          protect_modes, "auto" },
        { "metrics", "textfile", CONFIG_FILE, CFG(metrics_textfile), 0, 0, "none",
          "Prometheus text file written atomically for node_exporter's textfile collector "
          "(e.g. /var/lib/prometheus/node-exporter/reclaimd.prom); none: no metrics" },
        { "metrics", "interval", CONFIG_DURATION, CFG(metrics_interval_usec), 1000000, 3600ULL * 1000000, "5s",
          "how often the metrics file is written, besides after each round" },
        { "metrics", "max_cgroups", CONFIG_UINT, CFG(metrics_max_cgroups), 0, 100000, "500",
          "at most this many managed cgroups (the first in path order) get series of their own" },
        { "cgroup", "soft_limit", CONFIG_SIZE, CGC(soft_limit_bytes), 0, UINT64_MAX, "max",
          "memory above this is taken back first under pressure; max: no soft limit" },
        { "cgroup", "trigger", CONFIG_TRIGGER, CGC(trigger), 0, 0, "none",
          "PSI trigger on the cgroup's memory.pressure: reclaim within its subtree; none: no trigger" },
        { "cgroup", "soft_limit_xattr", CONFIG_CHOICE, CGC(soft_limit_xattr), 0, 2, "no",
          "as [reclaim] soft_limit_xattr, for the cgroups of this section; unset: [reclaim]'s", xattr_modes },
};
const size_t config_table_size = ARRAY_SIZE(config_table);

const struct config_item *config_item_find(const char *section, const char *key, size_t *ret_index)
{
        for (size_t i = 0; i < config_table_size; i++)
                if (streq(config_table[i].section, section) && streq(config_table[i].key, key)) {
                        *ret_index = i;
                        return &config_table[i];
                }
        return NULL;
}

bool config_section_known(const char *name)
{
        for (size_t i = 0; i < config_table_size; i++)
                if (streq(config_table[i].section, name))
                        return true;
        return false;
}

/* "invalid value "x": expected a, b or c": a CONFIG_CHOICE's words, into why. */
static int choice_error(const struct config_item *it, const char *value, char *why, size_t why_size)
{
        size_t n = (size_t)snprintf(why, why_size, "invalid value \"%s\": expected ", value);

        for (size_t i = 0; it->choices[i] && n < why_size; i++)
                n += (size_t)snprintf(why + n, why_size - n, "%s%s", i == 0 ? "" :
                                      it->choices[i + 1] ? ", " : " or ", it->choices[i]);
        return -EINVAL;
}

bool config_cgroup_sets(const struct cgroup_config *c, const char *key)
{
        size_t idx;

        return config_item_find("cgroup", key, &idx) && (c->set & (1ULL << idx));
}

enum xattr_mode config_xattr_mode(const struct config *cfg, const struct cgroup_config *c)
{
        if (c && config_cgroup_sets(c, "soft_limit_xattr"))
                return (enum xattr_mode)c->soft_limit_xattr;
        return (enum xattr_mode)cfg->soft_limit_xattr;
}

/*
 * A key's range as errors say it, in the units values are written in:
 * "4K..1T", "at least 4K", "100ms..1h", "0..12"; "" when every value goes
 * (a max of UINT64_MAX - 1 or more is no bound: UINT64_MAX is "max", none).
 */
static const char *format_range(const struct config_item *it, char *buf, size_t size)
{
        char lo[FORMAT_SIZE_MAX], hi[FORMAT_SIZE_MAX];
        bool unbounded = it->max >= UINT64_MAX - 1;

        switch (it->type) {
        case CONFIG_SIZE:
        case CONFIG_MEMORY:
                format_size_exact(lo, sizeof(lo), it->min);
                format_size_exact(hi, sizeof(hi), it->max);
                break;
        case CONFIG_DURATION:
                format_duration(lo, sizeof(lo), it->min);
                format_duration(hi, sizeof(hi), it->max);
                break;
        case CONFIG_PERCENT:
                format_permyriad(lo, sizeof(lo), it->min);
                format_permyriad(hi, sizeof(hi), it->max);
                break;
        default:
                snprintf(lo, sizeof(lo), "%" PRIu64, it->min);
                snprintf(hi, sizeof(hi), "%" PRIu64, it->max);
                break;
        }
        if (unbounded && it->min == 0)
                buf[0] = '\0';
        else if (unbounded)
                snprintf(buf, size, "at least %s", lo);
        else
                snprintf(buf, size, "%s..%s", lo, hi);
        return buf;
}

/* The largest share of the machine's memory a CONFIG_MEMORY value may name. */
#define MEMORY_SHARE_MAX_PERMYRIAD 5000

/* A size ("64M"), or a share of MemTotal ("2%"). */
static int parse_memory(const struct config_item *it, const char *value, struct mem_amount *dst,
                        char *why, size_t why_size)
{
        char range[2 * FORMAT_SIZE_MAX + 16];
        uint64_t v;

        format_range(it, range, sizeof(range));
        if (*value && value[strlen(value) - 1] == '%') {
                if (parse_permyriad(value, &v) < 0 || v > MEMORY_SHARE_MAX_PERMYRIAD) {
                        snprintf(why, why_size, "invalid share \"%s\": expected 0%%..50%% of the machine's "
                                 "memory", value);
                        return -EINVAL;
                }
                *dst = (struct mem_amount){ .permyriad = v };
                return 0;
        }
        if (parse_size(value, &v) < 0 || v < it->min || v > it->max) {
                snprintf(why, why_size, "invalid amount \"%s\": expected bytes with an optional K, M, G or T "
                         "suffix%s%s%s, or a share of the machine's memory such as 2%%", value,
                         *range ? " (" : "", range, *range ? ")" : "");
                return -EINVAL;
        }
        *dst = (struct mem_amount){ .bytes = v };
        return 0;
}

uint64_t config_reserve_bytes(const struct config *cfg, uint64_t total_bytes)
{
        if (cfg->reserve.permyriad)
                return (uint64_t)((unsigned __int128)total_bytes * cfg->reserve.permyriad / 10000);
        return cfg->reserve.bytes;
}

/* Whether path begins as metrics_write() begins every file (a crash, or a stop without its cleanup, left it). */
static bool written_by_reclaimd(const char *path)
{
        char head[sizeof(METRICS_FILE_HEAD) - 1];
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        bool ours;

        if (fd < 0)
                return false;
        ours = read(fd, head, sizeof(head)) == (ssize_t)sizeof(head) &&
               memcmp(head, METRICS_FILE_HEAD, sizeof(head)) == 0;
        close(fd);
        return ours;
}

int config_check_file_path(const char *path, const char **ret_why)
{
        _cleanup_free_ char *dir = NULL;
        const char *slash = strrchr(path, '/');
        struct stat st;
        bool exists;

        if (path[0] != '/' || !slash[1]) {
                *ret_why = "expected an absolute path of a file";
                return -EINVAL;
        }
        for (const unsigned char *c = (const unsigned char *)path; *c; c++)
                if (*c < 0x20 || *c == 0x7f) {
                        *ret_why = "expected a path without control characters";
                        return -EINVAL;
                }
        dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
        if (!dir)
                return -ENOMEM;
        if (stat(dir, &st) < 0) {
                *ret_why = errno == ENOENT ? "its directory does not exist" : "its directory cannot be reached";
                return negative_errno();
        }
        if (!S_ISDIR(st.st_mode)) {
                *ret_why = "its directory is not a directory";
                return -ENOTDIR;
        }
        /* The file is renamed over and removed at the end: only a regular file may be there. */
        exists = lstat(path, &st) == 0;
        if (exists && !S_ISREG(st.st_mode)) {
                *ret_why = S_ISDIR(st.st_mode) ? "it is a directory" :
                           S_ISLNK(st.st_mode) ? "it is a symbolic link, which the file would replace" :
                                                 "it exists and is not a regular file";
                return S_ISDIR(st.st_mode) ? -EISDIR : -EEXIST;
        }
        /* And only reclaimd's own: a typo must not name a file (the configuration itself) to replace and remove. */
        if (exists && st.st_size > 0 && !written_by_reclaimd(path)) {
                *ret_why = "it exists and holds no metrics reclaimd wrote (it would be replaced, and removed "
                           "at stop)";
                return -EEXIST;
        }
        /* access() also says EROFS for a read-only mount, which root's permissions do not show. */
        if (access(dir, W_OK | X_OK) < 0) {
                *ret_why = errno == EROFS ? "its directory is on a read-only filesystem"
                                          : "its directory is not writable";
                return negative_errno();
        }
        return 0;
}

static int parse_file_path(const char *value, char **dst, char *why, size_t why_size)
{
        const char *twhy;
        char *copy = NULL;
        int r;

        if (!streq(value, "none")) {
                r = config_check_file_path(value, &twhy);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        snprintf(why, why_size, "cannot write \"%s\": %s", value, twhy);
                        return -EINVAL;
                }
                if (!(copy = strdup(value)))
                        return -ENOMEM;
        }
        free(*dst);
        *dst = copy;
        return 0;
}

int config_item_parse(const struct config_item *it, const char *value, void *dst,
                       char *why, size_t why_size)
{
        char range[2 * FORMAT_SIZE_MAX + 16];
        const char *twhy;
        uint64_t v;
        int r;

        format_range(it, range, sizeof(range));
        switch (it->type) {
        case CONFIG_TRIGGER:
                if (streq(it->section, "cgroup") && streq(value, "none")) {
                        *(struct psi_trigger *)dst = (struct psi_trigger){};
                        return 0;
                }
                r = psi_trigger_parse(value, dst, &twhy);
                if (r < 0)
                        snprintf(why, why_size, "invalid trigger \"%s\": %s", value, twhy);
                return r < 0 ? -EINVAL : 0;
        case CONFIG_MEMORY:
                return parse_memory(it, value, dst, why, why_size);
        case CONFIG_FILE:
                return parse_file_path(value, dst, why, why_size);
        case CONFIG_CHOICE:
                /* In any case, as booleans are: "Yes" is yes. */
                for (uint64_t i = 0; it->choices[i]; i++)
                        if (strcasecmp(value, it->choices[i]) == 0) {
                                *(uint64_t *)dst = i;
                                return 0;
                        }
                /* Configurations written when the key took yes or no keep their meaning. */
                r = it->yes_means ? parse_bool(value) : -EINVAL;
                if (r >= 0)
                        return config_item_parse(it, r ? it->yes_means : it->choices[0], dst, why, why_size);
                return choice_error(it, value, why, why_size);
        case CONFIG_BOOL:
                r = parse_bool(value);
                if (r < 0) {
                        snprintf(why, why_size, "invalid boolean \"%s\": expected yes or no", value);
                        return -EINVAL;
                }
                *(bool *)dst = r;
                return 0;
        case CONFIG_DURATION:
                r = parse_duration(value, &v);
                if (r < 0) {
                        snprintf(why, why_size, "invalid duration \"%s\": expected a number with a "
                                 "unit, us, ms, s, min or h (%s)", value, range);
                        return -EINVAL;
                }
                break;
        case CONFIG_PERCENT:
                r = parse_permyriad(value, &v);
                if (r < 0) {
                        snprintf(why, why_size, "invalid percentage \"%s\": expected e.g. 5%% or 0.5%% "
                                 "(%s)", value, range);
                        return -EINVAL;
                }
                break;
        case CONFIG_SIZE:
                r = parse_size(value, &v);
                if (r < 0) {
                        snprintf(why, why_size, "invalid size \"%s\": expected bytes with an optional "
                                 "K, M, G or T suffix%s%s%s%s", value,
                                 it->max == UINT64_MAX ? ", or max" : "",
                                 *range ? " (" : "", range, *range ? ")" : "");
                        return -EINVAL;
                }
                break;
        case CONFIG_UINT:
                r = parse_uint64(value, &v);
                if (r < 0) {
                        snprintf(why, why_size, "invalid number \"%s\": expected an integer (%s)",
                                 value, range);
                        return -EINVAL;
                }
                break;
        default:
                return -EINVAL;
        }
        if (v < it->min || v > it->max) {
                snprintf(why, why_size, "value \"%s\" out of range: expected %s", value, range);
                return -EINVAL;
        }
        *(uint64_t *)dst = v;
        return 0;
}

int config_apply_defaults(void *base, const char *section)
{
        char why[256];

        for (size_t i = 0; i < config_table_size; i++) {
                const struct config_item *it = &config_table[i];

                if (!streq(it->section, section) &&
                    !(streq(section, "*") && !streq(it->section, "cgroup")))
                        continue;
                /* A default that does not parse is a bug in the table, caught by the tests. */
                if (config_item_parse(it, it->def, (char *)base + it->offset, why, sizeof(why)) < 0)
                        return -EINVAL;
        }
        return 0;
}

int config_init_defaults(struct config *cfg)
{
        *cfg = (struct config){};
        return config_apply_defaults(cfg, "*");
}

/* A value as the configuration writes it, into buf. Returns the text (buf, or a constant). */
static const char *format_value(const struct config_item *it, const void *base, char *buf, size_t size)
{
        const void *p = (const char *)base + it->offset;

        switch (it->type) {
        case CONFIG_TRIGGER:
                return ((const struct psi_trigger *)p)->window_usec ? psi_trigger_to_string(p, buf, size) : "none";
        case CONFIG_SIZE:
                return format_size_exact(buf, size, *(const uint64_t *)p);
        case CONFIG_UINT:
                snprintf(buf, size, "%" PRIu64, *(const uint64_t *)p);
                return buf;
        case CONFIG_DURATION:
                return format_duration(buf, size, *(const uint64_t *)p);
        case CONFIG_PERCENT:
                return format_permyriad(buf, size, *(const uint64_t *)p);
        case CONFIG_BOOL:
                return *(const bool *)p ? "yes" : "no";
        case CONFIG_CHOICE:
                return it->choices[*(const uint64_t *)p];
        case CONFIG_FILE:   /* no control characters: config_check_file_path() */
                return *(char *const *)p ?: "none";
        case CONFIG_MEMORY:
                if (((const struct mem_amount *)p)->permyriad)
                        return format_permyriad(buf, size, ((const struct mem_amount *)p)->permyriad);
                return format_size_exact(buf, size, ((const struct mem_amount *)p)->bytes);
        }
        return "?";
}

static void dump_section(const char *section, const void *base, FILE *f)
{
        char buf[128];

        for (size_t i = 0; i < config_table_size; i++)
                if (streq(config_table[i].section, section))
                        fprintf(f, "%s = %s\n", config_table[i].key,
                                format_value(&config_table[i], base, buf, sizeof(buf)));
}

/*
 * A [cgroup] section: the keys it set, and as comments those it left unset,
 * since an unset key means something a value cannot say: an unset soft_limit
 * lets the cgroup's own xattr in (soft_limit_xattr = yes), an unset
 * soft_limit_xattr is [reclaim]'s. Printed as values, the dump would load
 * back as a configuration that sets them.
 */
static void dump_cgroup(const struct config *cfg, const struct cgroup_config *c, FILE *f)
{
        char buf[128];
        size_t idx;

        for (size_t i = 0; i < config_table_size; i++) {
                const struct config_item *it = &config_table[i], *global;

                if (!streq(it->section, "cgroup"))
                        continue;
                if (c->set & (1ULL << i)) {
                        fprintf(f, "%s = %s\n", it->key, format_value(it, c, buf, sizeof(buf)));
                        continue;
                }
                global = config_item_find("reclaim", it->key, &idx);
                if (global)
                        fprintf(f, "#%s = %s   (unset: [reclaim]'s)\n", it->key,
                                format_value(global, cfg, buf, sizeof(buf)));
                else
                        fprintf(f, "#%s = %s   (unset)\n", it->key, format_value(it, c, buf, sizeof(buf)));
        }
}

/*
 * File names go through logfmt_value(): a drop-in's name is whatever its
 * folder holds, and a newline in it must not end the comment. Section paths are
 * printed as they are (between slashes where a blank or ';' at an end would be
 * lost): loading refused control characters and bytes that are not UTF-8 in
 * them, and a header ends at its last ']', so they read back the same.
 */
void config_dump(const struct config *cfg, FILE *f)
{
        fputs("# effective configuration from ", f);
        logfmt_fputs(cfg->file ?: "(defaults)", f);
        fputs("\n[pressure]\n", f);
        dump_section("pressure", cfg, f);
        fputs("\n[reclaim]\n", f);
        dump_section("reclaim", cfg, f);
        fputs("\n[balance]\n", f);
        dump_section("balance", cfg, f);
        fputs("\n[metrics]\n", f);
        dump_section("metrics", cfg, f);
        for (size_t i = 0; i < cfg->n_cgroups; i++) {
                const char *path = cfg->cgroups[i].path;
                /*
                 * A header loses the blanks around its path, and a ';' after a blank
                 * starts a comment: a name that begins or ends with a blank, or begins
                 * with ';', goes between slashes, which normalisation drops.
                 */
                bool blank = *path && (strchr(" \t;", path[0]) || strchr(" \t", path[strlen(path) - 1]));

                fputs("\n# from ", f);
                logfmt_fputs(cfg->cgroups[i].file ?: "?", f);
                fprintf(f, blank ? ":%u\n[cgroup /%s/]\n" : ":%u\n[cgroup %s]\n", cfg->cgroups[i].line, path);
                dump_cgroup(cfg, &cfg->cgroups[i], f);
        }
}

