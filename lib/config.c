/* The configuration: its schema table, the INI parser on top of inih, and validation. */
#include "autoconfig.h"

#include <errno.h>
#include <glob.h>
#include <ini.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgpath.h"
#include "config.h"
#include "units.h"
#include "util.h"

#define SECTION_CGROUP_PREFIX "cgroup "

#define CFG(field)  offsetof(struct config, field)
#define CGC(field)  offsetof(struct cgroup_config, field)

const struct config_item config_table[] = {
        { "pressure", "trigger", CONFIG_TRIGGER, CFG(trigger), 0, 0, "some 150ms 1s",
          "system PSI trigger on /proc/pressure/memory: some|full, stall, window (500ms..10s)" },
        { "pressure", "resolve", CONFIG_PERCENT, CFG(resolve_permyriad), 0, 10000, "1%",
          "a round stops early once the stall share since it began falls below this" },
        { "reclaim", "initial_priority", CONFIG_UINT, CFG(initial_priority), 0, DEF_PRIORITY, "12",
          "the kernel's DEF_PRIORITY: a round first asks each cgroup for excess >> priority" },
        { "reclaim", "round_target", CONFIG_SIZE, CFG(round_target_bytes), 4096, UINT64_MAX - 1, "32M",
          "bytes one round must free before it stops (the kernel's nr_to_reclaim)" },
        { "reclaim", "min_chunk", CONFIG_SIZE, CFG(min_chunk_bytes), 4096, 1ULL << 40, "2M",
          "smallest request written to memory.reclaim, however high the priority" },
        { "reclaim", "harder_priority", CONFIG_UINT, CFG(harder_priority), 0, DEF_PRIORITY, "9",
          "from this priority on anonymous memory may be swapped (DEF_PRIORITY - 2 < it: may_writepage)" },
        { "reclaim", "clamp_high", CONFIG_BOOL, CFG(clamp_high), 0, 1, "yes",
          "whether memory.high of the top offender may be lowered (never below its soft limit)" },
        { "reclaim", "clamp_priority", CONFIG_UINT, CFG(clamp_priority), 0, DEF_PRIORITY, "3",
          "from this priority on memory.high may be lowered (vmpressure's critical level)" },
        { "reclaim", "release_interval", CONFIG_DURATION, CFG(release_interval_usec), 100000,
          3600ULL * 1000000, "5s", "how often a lowered memory.high is raised back a step once pressure is gone" },
        { "reclaim", "backoff", CONFIG_DURATION, CFG(backoff_usec), 0, 3600ULL * 1000000, "1s",
          "first cooldown of a scope whose round freed under 1/8 of what it asked; doubles each time" },
        { "reclaim", "backoff_max", CONFIG_DURATION, CFG(backoff_max_usec), 0, 3600ULL * 1000000, "60s",
          "longest cooldown" },
        { "reclaim", "system_proportional", CONFIG_BOOL, CFG(system_proportional), 0, 1, "no",
          "whether a round for the whole machine, once no cgroup is over its soft limit, goes on to take "
          "from every managed cgroup (shrink_node_memcgs()); no: that is left to the kernel's own reclaim" },
        { "balance", "interval", CONFIG_DURATION, CFG(balance_interval_usec), 100000, 60ULL * 1000000, "1s",
          "how often free memory is compared with the zones' watermarks and the cgroups' usage re-read "
          "(kswapd's background balancing)" },
        { "balance", "reserve", CONFIG_MEMORY, CFG(reserve), 0, UINT64_MAX - 1, "0",
          "free memory kept above the zones' high watermark by trimming cgroups over their soft limits: "
          "a size, or a share of the machine's memory such as 2%" },
        { "balance", "trim", CONFIG_BOOL, CFG(trim), 0, 1, "yes",
          "whether cgroups over their soft limits are trimmed toward them whenever free memory is short "
          "of the high watermark plus the reserve (never those under)" },
        { "balance", "protect", CONFIG_BOOL, CFG(protect), 0, 1, "yes",
          "whether memory.low of the managed cgroups is raised to their soft limits while any of them is "
          "over its own, so that the kernel's reclaim takes the excess first" },
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
};
const size_t config_table_size = ARRAY_SIZE(config_table);

struct parse_state {
        FILE *f;
        const char *file;         /* its name, for errors */
        struct config *cfg;
        struct config_errors *errs;
        unsigned line;            /* line the reader last returned */
        char section[512];        /* current section, as the reader saw its header */
        unsigned section_line;
        bool section_valid;       /* keys of an invalid section are not checked again */
        struct cgroup_config *cg; /* current [cgroup] section, index below */
        size_t cg_index;
        uint64_t seen;            /* table indexes already set in this section */
        uint64_t seen_global;     /* ... and in [pressure]/[reclaim], which may not repeat */
        struct seen_section {     /* [pressure]/[reclaim] headers seen, to refuse duplicates */
                char *name;
                unsigned line;
        } *sections;
        size_t n_sections;
        size_t *file_cgroups;     /* indexes of the [cgroup] sections this file opened */
        size_t n_file_cgroups;
        int error;                /* -ENOMEM and friends: stop everything */
};

static int add_error(struct parse_state *st, unsigned line, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int add_error(struct parse_state *st, unsigned line, const char *key, const char *fmt, ...)
{
        struct config_errors *errs = st->errs;
        struct config_error *v;
        char *msg;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n < 0)
                return st->error = -ENOMEM;
        v = reallocarray(errs->v, errs->n + 1, sizeof(*v));
        if (!v) {
                free(msg);
                return st->error = -ENOMEM;
        }
        errs->v = v;
        v[errs->n] = (struct config_error){ .line = line, .message = msg,
                                            .file = strdup(st->file),
                                            .key = key ? strdup(key) : NULL };
        errs->n++;
        return -EINVAL;
}

static const struct config_item *find_item(const char *section, const char *key, size_t *ret_index)
{
        for (size_t i = 0; i < config_table_size; i++)
                if (streq(config_table[i].section, section) && streq(config_table[i].key, key)) {
                        *ret_index = i;
                        return &config_table[i];
                }
        return NULL;
}

static bool section_known(const char *name)
{
        for (size_t i = 0; i < config_table_size; i++)
                if (streq(config_table[i].section, name))
                        return true;
        return false;
}

/* The largest share of the machine's memory a CONFIG_MEMORY value may name. */
#define MEMORY_SHARE_MAX_PERMYRIAD 5000

/* A size ("64M"), or a share of MemTotal ("2%"). */
static int parse_memory(const struct config_item *it, const char *value, struct mem_amount *dst,
                        char *why, size_t why_size)
{
        char hi[FORMAT_SIZE_MAX];
        uint64_t v;

        format_size_exact(hi, sizeof(hi), it->max);
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
                         "suffix (0..%s), or a share of the machine's memory such as 2%%", value, hi);
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

int config_check_file_path(const char *path, const char **ret_why)
{
        _cleanup_free_ char *dir = NULL;
        const char *slash = strrchr(path, '/');
        struct stat st;

        if (path[0] != '/' || !slash[1]) {
                *ret_why = "expected an absolute path of a file";
                return -EINVAL;
        }
        if (strpbrk(path, "\n\t")) {
                *ret_why = "expected a path without newlines or tabs";
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

/* Parses value as item's type into dst, checking bounds. Returns 0 or -EINVAL with *why set. */
static int parse_value(const struct config_item *it, const char *value, void *dst,
                       char *why, size_t why_size)
{
        char lo[FORMAT_SIZE_MAX], hi[FORMAT_SIZE_MAX];
        const char *twhy;
        uint64_t v;
        int r;

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
                format_duration(lo, sizeof(lo), it->min);
                format_duration(hi, sizeof(hi), it->max);
                if (r < 0) {
                        snprintf(why, why_size, "invalid duration \"%s\": expected a number with a "
                                 "unit, us, ms or s (%s..%s)", value, lo, hi);
                        return -EINVAL;
                }
                break;
        case CONFIG_PERCENT:
                r = parse_permyriad(value, &v);
                snprintf(lo, sizeof(lo), "%s", "0%");
                snprintf(hi, sizeof(hi), "%s", "100%");
                if (r < 0) {
                        snprintf(why, why_size, "invalid percentage \"%s\": expected e.g. 5%% or 0.5%% "
                                 "(0%%..100%%)", value);
                        return -EINVAL;
                }
                break;
        case CONFIG_SIZE:
                r = parse_size(value, &v);
                format_size_exact(lo, sizeof(lo), it->min);
                format_size_exact(hi, sizeof(hi), it->max);
                if (r < 0) {
                        snprintf(why, why_size, "invalid size \"%s\": expected bytes with an optional "
                                 "K, M, G or T suffix%s (%s..%s)", value,
                                 it->max == UINT64_MAX ? ", or max" : "", lo, hi);
                        return -EINVAL;
                }
                break;
        case CONFIG_UINT:
                r = parse_uint64(value, &v);
                snprintf(lo, sizeof(lo), "%" PRIu64, it->min);
                snprintf(hi, sizeof(hi), "%" PRIu64, it->max);
                if (r < 0) {
                        snprintf(why, why_size, "invalid number \"%s\": expected an integer (%s..%s)",
                                 value, lo, hi);
                        return -EINVAL;
                }
                break;
        default:
                return -EINVAL;
        }
        if (v < it->min || v > it->max) {
                snprintf(why, why_size, "value \"%s\" out of range: expected %s..%s", value, lo, hi);
                return -EINVAL;
        }
        *(uint64_t *)dst = v;
        return 0;
}

static int apply_defaults(void *base, const char *section)
{
        char why[256];

        for (size_t i = 0; i < config_table_size; i++) {
                const struct config_item *it = &config_table[i];

                if (!streq(it->section, section) &&
                    !(streq(section, "*") && !streq(it->section, "cgroup")))
                        continue;
                /* A default that does not parse is a bug in the table, caught by the tests. */
                if (parse_value(it, it->def, (char *)base + it->offset, why, sizeof(why)) < 0)
                        return -EINVAL;
        }
        return 0;
}

int config_init_defaults(struct config *cfg)
{
        *cfg = (struct config){};
        return apply_defaults(cfg, "*");
}

/* Makes the section at index current; a later file may reopen an earlier file's section. */
static int use_cgroup_section(struct parse_state *st, size_t index)
{
        struct cgroup_config *cg = &st->cfg->cgroups[index];
        size_t *v;
        char *file = strdup(st->file);

        v = reallocarray(st->file_cgroups, st->n_file_cgroups + 1, sizeof(*v));
        if (!v || !file) {
                if (v)
                        st->file_cgroups = v;
                free(file);
                return st->error = -ENOMEM;
        }
        st->file_cgroups = v;
        v[st->n_file_cgroups++] = index;
        free(cg->file);
        cg->file = file;
        cg->line = st->line;
        st->cg_index = index;
        st->cg = cg;
        return 0;
}

static int open_cgroup_section(struct parse_state *st, const char *path)
{
        struct config *cfg = st->cfg;
        struct cgroup_config *v;
        const char *why;
        char *norm;
        int r;

        r = cgpath_normalize(path, &norm, &why);
        if (r == -ENOMEM)
                return st->error = r;
        if (r < 0)
                return add_error(st, st->line, NULL, "invalid cgroup path \"%s\": %s", path, why);
        for (size_t i = 0; i < cfg->n_cgroups; i++) {
                if (!streq(cfg->cgroups[i].path, norm))
                        continue;
                for (size_t j = 0; j < st->n_file_cgroups; j++)
                        if (st->file_cgroups[j] == i) {
                                r = add_error(st, st->line, NULL, "duplicate section [cgroup %s] "
                                              "(first at line %u)", norm, cfg->cgroups[i].line);
                                free(norm);
                                return r;
                        }
                free(norm);
                return use_cgroup_section(st, i);   /* a drop-in overriding an earlier file */
        }
        v = reallocarray(cfg->cgroups, cfg->n_cgroups + 1, sizeof(*v));
        if (!v) {
                free(norm);
                return st->error = -ENOMEM;
        }
        cfg->cgroups = v;
        v[cfg->n_cgroups] = (struct cgroup_config){ .path = norm };
        r = apply_defaults(&v[cfg->n_cgroups], "cgroup");
        cfg->n_cgroups++;
        return r < 0 ? r : use_cgroup_section(st, cfg->n_cgroups - 1);
}

/* Called by the reader for every "[name]" line, before inih sees any key under it. */
static void open_section(struct parse_state *st, const char *name)
{
        struct seen_section *v;

        snprintf(st->section, sizeof(st->section), "%s", name);
        st->section_line = st->line;
        st->section_valid = false;
        st->cg = NULL;
        st->seen = 0;

        if (strncmp(name, SECTION_CGROUP_PREFIX, strlen(SECTION_CGROUP_PREFIX)) == 0) {
                st->section_valid = open_cgroup_section(st, name + strlen(SECTION_CGROUP_PREFIX)) == 0;
                return;
        }
        if (!section_known(name) || streq(name, "cgroup")) {
                add_error(st, st->line, NULL, "unknown section [%s]: expected [pressure], [reclaim], "
                          "[balance], [metrics] or [cgroup PATH]", name);
                return;
        }
        for (size_t i = 0; i < st->n_sections; i++)
                if (streq(st->sections[i].name, name)) {
                        add_error(st, st->line, NULL, "duplicate section [%s] (first at line %u)",
                                  name, st->sections[i].line);
                        return;
                }
        v = reallocarray(st->sections, st->n_sections + 1, sizeof(*v));
        if (!v || !(v[st->n_sections].name = strdup(name))) {
                if (v)
                        st->sections = v;
                st->error = -ENOMEM;
                return;
        }
        st->sections = v;
        v[st->n_sections++].line = st->line;
        st->section_valid = true;
}

/* Recognises a section header the way inih does: '[' ... ']' after leading blanks. */
static void watch_header(struct parse_state *st, const char *line)
{
        const char *p = line + strspn(line, " \t"), *end;
        char name[512];
        size_t len;

        if (*p != '[')
                return;
        end = strchr(p + 1, ']');
        if (!end)
                return;   /* inih reports the syntax error */
        p++;
        p += strspn(p, " \t");
        len = (size_t)(end - p);
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
                len--;
        if (len >= sizeof(name)) {
                add_error(st, st->line, NULL, "section name longer than %zu characters", sizeof(name) - 1);
                len = sizeof(name) - 1;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        open_section(st, name);
}

/* Whether s is valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
static bool valid_utf8(const unsigned char *s)
{
        while (*s) {
                unsigned c = *s, n, cp;

                if (c < 0x80) {
                        s++;
                        continue;
                }
                if ((c & 0xe0) == 0xc0)
                        n = 1, cp = c & 0x1f;
                else if ((c & 0xf0) == 0xe0)
                        n = 2, cp = c & 0x0f;
                else if ((c & 0xf8) == 0xf0)
                        n = 3, cp = c & 0x07;
                else
                        return false;
                for (unsigned i = 1; i <= n; i++) {
                        if ((s[i] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (s[i] & 0x3f);
                }
                if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
                    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                s += n + 1;
        }
        return true;
}

/*
 * inih's reader: fgets() that counts lines, so every error can name its line
 * (the distribution's inih is built without INI_HANDLER_LINENO), notices
 * section headers (inih truncates section names at 50 characters, shorter than
 * many cgroup paths), and refuses over-long lines instead of letting inih
 * split them into two; likewise for lines that are not UTF-8.
 */
static char *reader(char *buf, int size, void *user)
{
        struct parse_state *st = user;
        size_t len;

        if (!fgets(buf, size, st->f))
                return NULL;
        st->line++;
        len = strlen(buf);
        if (len == (size_t)size - 1 && buf[len - 1] != '\n' && !feof(st->f)) {
                int c;

                while ((c = fgetc(st->f)) != EOF && c != '\n')
                        ;
                add_error(st, st->line, NULL, "line longer than %d characters", size - 2);
                buf[0] = '\n';
                buf[1] = '\0';
                return buf;
        }
        if (!valid_utf8((const unsigned char *)buf)) {
                add_error(st, st->line, NULL, "line is not valid UTF-8");
                buf[0] = '\n';
                buf[1] = '\0';
                return buf;
        }
        watch_header(st, buf);
        return buf;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
        struct parse_state *st = user;
        const struct config_item *it;
        size_t idx;
        uint64_t *seen;
        char why[512];
        void *base;

        if (st->error)
                return 0;
        if (st->section_line == 0) {
                add_error(st, st->line, key, "key outside of any section");
                return 1;
        }
        if (!st->section_valid)
                return 1;   /* the section's own error was reported */
        it = find_item(st->cg ? "cgroup" : st->section, key, &idx);
        if (!it) {
                add_error(st, st->line, key, "unknown key in [%s]", st->section);
                return 1;
        }
        seen = st->cg ? &st->seen : &st->seen_global;
        if (*seen & (1ULL << idx)) {
                add_error(st, st->line, key, "duplicate key in [%s]", st->section);
                return 1;
        }
        *seen |= 1ULL << idx;
        /* The current cgroup section may have moved: cgroups is reallocated per section. */
        base = st->cg ? (void *)&st->cfg->cgroups[st->cg_index] : (void *)st->cfg;
        if (parse_value(it, value, (char *)base + it->offset, why, sizeof(why)) < 0)
                add_error(st, st->line, key, "%s", why);
        return 1;
}

/* Parses one file into cfg. Returns 0, -EINVAL (errors appended to errs), or -ENOMEM. */
static int parse_into(FILE *f, const char *name, struct config *cfg, struct config_errors *errs)
{
        struct parse_state st = { .f = f, .file = name, .cfg = cfg, .errs = errs };
        size_t before = errs->n;
        int r;

        /* inih: 0 ok, >0 first line with a syntax error, -1 open, -2 memory. */
        r = ini_parse_stream(reader, &st, handler, &st);
        if (r == -2)
                r = -ENOMEM;
        else if (r > 0) {
                bool reported = false;

                for (size_t i = before; i < errs->n; i++)
                        reported |= errs->v[i].line == (unsigned)r;
                if (!reported)
                        add_error(&st, (unsigned)r, NULL,
                                  "syntax error: expected \"key = value\" or \"[section]\"");
                r = 0;
        }
        if (r >= 0 && st.error)
                r = st.error;
        if (r >= 0 && errs->n > before)
                r = -EINVAL;
        for (size_t i = 0; i < st.n_sections; i++)
                free(st.sections[i].name);
        free(st.sections);
        free(st.file_cgroups);
        return r;
}

static struct config *new_config(const char *name)
{
        struct config *cfg = calloc(1, sizeof(*cfg));

        if (!cfg)
                return NULL;
        if (config_init_defaults(cfg) < 0 || !(cfg->file = strdup(name)))
                return config_free(cfg);
        return cfg;
}

/* Records an error about a whole file (it cannot be read). */
static int file_error(struct config_errors *errs, const char *file, int err)
{
        struct parse_state st = { .file = file, .errs = errs };

        add_error(&st, 0, NULL, "cannot read: %s", strerror(-err));
        return st.error ?: err;
}

static int parse_file(const char *file, struct config *cfg, struct config_errors *errs)
{
        FILE *f = fopen(file, "re");
        int r;

        if (!f)
                return file_error(errs, file, negative_errno());
        r = parse_into(f, file, cfg, errs);
        fclose(f);
        return r;
}

int config_load(const char *file, const char *dropin_dir, struct config **ret, struct config_errors *errs)
{
        struct config *cfg = new_config(file);
        glob_t g = {};
        char *pattern = NULL;
        int r, rr;

        if (!cfg)
                return -ENOMEM;
        r = parse_file(file, cfg, errs);
        if (r < 0 && r != -EINVAL)
                goto out;
        if (dropin_dir) {
                if (asprintf(&pattern, "%s/*.conf", dropin_dir) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
                /* glob() sorts its matches: the lexical order drop-ins are applied in. */
                if (glob(pattern, 0, NULL, &g) == 0)
                        for (size_t i = 0; i < g.gl_pathc; i++) {
                                rr = parse_file(g.gl_pathv[i], cfg, errs);
                                if (rr < 0 && (r >= 0 || rr != -EINVAL))
                                        r = rr;
                        }
        }
out:
        globfree(&g);
        free(pattern);
        if (r < 0) {
                config_free(cfg);
                return r;
        }
        *ret = cfg;
        return 0;
}

int config_load_file(const char *file, struct config **ret, struct config_errors *errs)
{
        return config_load(file, NULL, ret, errs);
}

int config_load_string(const char *text, const char *name, struct config **ret,
                       struct config_errors *errs)
{
        struct config *cfg = new_config(name);
        FILE *f;
        int r;

        if (!cfg)
                return -ENOMEM;
        f = fmemopen((void *)text, strlen(text), "r");
        if (!f) {
                config_free(cfg);
                return negative_errno();
        }
        r = parse_into(f, name, cfg, errs);
        fclose(f);
        if (r < 0) {
                config_free(cfg);
                return r;
        }
        *ret = cfg;
        return 0;
}

const struct cgroup_config *config_find_cgroup(const struct config *cfg, const char *path)
{
        for (size_t i = 0; i < cfg->n_cgroups; i++)
                if (streq(cfg->cgroups[i].path, path))
                        return &cfg->cgroups[i];
        return NULL;
}

const struct cgroup_config *config_match(const struct config *cfg, const char *path)
{
        const struct cgroup_config *best = NULL;
        unsigned best_spec = 0;

        for (size_t i = 0; i < cfg->n_cgroups; i++) {
                const struct cgroup_config *c = &cfg->cgroups[i];
                unsigned spec = cgpath_specificity(c->path);

                if (!cgpath_matches(c->path, path) || (best && spec < best_spec))
                        continue;
                best = c;
                best_spec = spec;
        }
        return best;
}

static void dump_value(const struct config_item *it, const void *base, FILE *f)
{
        const void *p = (const char *)base + it->offset;
        char buf[128];

        switch (it->type) {
        case CONFIG_TRIGGER:
                fprintf(f, "%s = %s\n", it->key, ((const struct psi_trigger *)p)->window_usec ?
                        psi_trigger_to_string(p, buf, sizeof(buf)) : "none");
                break;
        case CONFIG_SIZE:
                fprintf(f, "%s = %s\n", it->key, format_size_exact(buf, sizeof(buf), *(const uint64_t *)p));
                break;
        case CONFIG_UINT:
                fprintf(f, "%s = %" PRIu64 "\n", it->key, *(const uint64_t *)p);
                break;
        case CONFIG_DURATION:
                fprintf(f, "%s = %s\n", it->key, format_duration(buf, sizeof(buf), *(const uint64_t *)p));
                break;
        case CONFIG_PERCENT:
                fprintf(f, "%s = %s\n", it->key, format_permyriad(buf, sizeof(buf), *(const uint64_t *)p));
                break;
        case CONFIG_BOOL:
                fprintf(f, "%s = %s\n", it->key, *(const bool *)p ? "yes" : "no");
                break;
        case CONFIG_FILE:
                fprintf(f, "%s = %s\n", it->key, *(char *const *)p ?: "none");
                break;
        case CONFIG_MEMORY:
                if (((const struct mem_amount *)p)->permyriad)
                        format_permyriad(buf, sizeof(buf), ((const struct mem_amount *)p)->permyriad);
                else
                        format_size_exact(buf, sizeof(buf), ((const struct mem_amount *)p)->bytes);
                fprintf(f, "%s = %s\n", it->key, buf);
                break;
        }
}

static void dump_section(const char *section, const void *base, FILE *f)
{
        for (size_t i = 0; i < config_table_size; i++)
                if (streq(config_table[i].section, section))
                        dump_value(&config_table[i], base, f);
}

void config_dump(const struct config *cfg, FILE *f)
{
        fprintf(f, "# effective configuration from %s\n", cfg->file ?: "(defaults)");
        fprintf(f, "[pressure]\n");
        dump_section("pressure", cfg, f);
        fprintf(f, "\n[reclaim]\n");
        dump_section("reclaim", cfg, f);
        fprintf(f, "\n[balance]\n");
        dump_section("balance", cfg, f);
        fprintf(f, "\n[metrics]\n");
        dump_section("metrics", cfg, f);
        for (size_t i = 0; i < cfg->n_cgroups; i++) {
                fprintf(f, "\n# from %s:%u\n[cgroup %s]\n", cfg->cgroups[i].file ?: "?",
                        cfg->cgroups[i].line, cfg->cgroups[i].path);
                dump_section("cgroup", &cfg->cgroups[i], f);
        }
}

const char *config_error_format(const struct config_errors *errs, const struct config_error *e,
                                char *buf, size_t size)
{
        char where[64] = "";

        if (e->line)
                snprintf(where, sizeof(where), ":%u", e->line);
        if (e->key)
                snprintf(buf, size, "%s%s: key '%s': %s", e->file ?: "?", where, e->key, e->message);
        else
                snprintf(buf, size, "%s%s: %s", e->file ?: "?", where, e->message);
        return buf;
}

struct config *config_free(struct config *cfg)
{
        if (!cfg)
                return NULL;
        for (size_t i = 0; i < cfg->n_cgroups; i++) {
                free(cfg->cgroups[i].path);
                free(cfg->cgroups[i].file);
        }
        free(cfg->cgroups);
        free(cfg->file);
        free(cfg->metrics_textfile);
        free(cfg);
        return NULL;
}

void config_errors_clear(struct config_errors *errs)
{
        for (size_t i = 0; i < errs->n; i++) {
                free(errs->v[i].file);
                free(errs->v[i].key);
                free(errs->v[i].message);
        }
        free(errs->v);
        *errs = (struct config_errors){};
}
