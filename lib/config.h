/*
 * The configuration: its schema table (lib/config-table.c), loading it from
 * files and drop-ins (lib/config-load.c) and the section that applies to a
 * cgroup (lib/config-match.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "psi.h"

/* The kernel's DEF_PRIORITY (mm/vmscan.c): a pass looks at 1/4096 of the candidates first. */
#define DEF_PRIORITY 12

/* One [cgroup PATH] section. */
/* [balance] protect: which file holds the cgroups under their soft limits while another is over. */
enum protect_mode {
        PROTECT_NO,                 /* none */
        PROTECT_LOW,                /* memory.low */
        PROTECT_MIN,                /* memory.min, while the offenders' reclaimable excess lasts */
        PROTECT_AUTO,               /* memory.min where memory.low only defers (MGLRU on, 6.3+), else .low */
};

/* Whether a soft limit set on the cgroup itself, as an extended attribute, is read. */
enum xattr_mode {
        XATTR_NO,                   /* never */
        XATTR_YES,                  /* where the section sets no soft_limit */
        XATTR_PREFER,               /* over the section's soft_limit too */
};

struct cgroup_config {
        char *path;                 /* relative to the cgroup root, no leading or trailing '/' */
        uint64_t soft_limit_bytes;  /* reclaim first from cgroups above it; UINT64_MAX: none */
        uint64_t soft_limit_xattr;  /* enum xattr_mode, when set here; else [reclaim]'s */
        struct psi_trigger trigger; /* on its memory.pressure: reclaim in its subtree; window 0: none */
        char *file;                 /* where its section was last opened, for messages */
        unsigned line;
        uint64_t set;               /* bit i: config_table[i] set in a file, not a default */
};

/* An amount of memory: bytes, or a share of the machine's (MemTotal). */
struct mem_amount {
        uint64_t bytes;
        uint64_t permyriad;             /* when not 0: this share of MemTotal instead */
};

struct config {
        char *file;                     /* the main file it was read from */
        struct psi_trigger trigger;     /* [pressure] trigger: the system PSI trigger */
        uint64_t resolve_permyriad;     /* [pressure] stall share under which pressure is resolved */
        uint64_t initial_priority;      /* [reclaim] the kernel's DEF_PRIORITY */
        uint64_t round_target_bytes;    /* [reclaim] the kernel's nr_to_reclaim, per round */
        uint64_t min_chunk_bytes;       /* [reclaim] floor of one memory.reclaim request */
        uint64_t harder_priority;       /* [reclaim] from here swapping is allowed (swappiness=0 before) */
        uint64_t clamp_priority;        /* [reclaim] from here memory.high may be lowered */
        bool clamp_high;                /* [reclaim] whether memory.high may be lowered at all */
        uint64_t release_interval_usec; /* [reclaim] how often clamped memory.high is raised back */
        uint64_t backoff_usec;          /* [reclaim] first cooldown after an inefficient round */
        uint64_t backoff_max_usec;      /* [reclaim] longest cooldown */
        uint64_t step_timeout_usec;     /* [reclaim] longest a step's write may take; 0: no limit */
        uint64_t soft_limit_xattr;      /* [reclaim] enum xattr_mode of the sections that set none */
        bool system_proportional;       /* [reclaim] a system round goes on to the proportional pass
                                         * once no cgroup is over its soft limit */
        uint64_t balance_interval_usec; /* [balance] how often free memory and usage are read */
        uint64_t balance_idle_usec;     /* [balance] how often instead while free memory is far above
                                         * the mark (policy_balance_pace()) */
        struct mem_amount reserve;      /* [balance] free memory kept above the high watermark */
        bool trim;                      /* [balance] trim cgroups over their soft limits when short */
        uint64_t protect;               /* [balance] enum protect_mode: hold memory.low or .min while some
                                         * cgroup is over its soft limit */
        char *metrics_textfile;         /* [metrics] Prometheus text file written; NULL: none */
        uint64_t metrics_interval_usec; /* [metrics] how often it is written besides after each round */
        uint64_t metrics_max_cgroups;   /* [metrics] cgroups given series of their own, at most */
        struct cgroup_config *cgroups;
        size_t n_cgroups;
};

enum config_type {
        CONFIG_SIZE,      /* bytes, K/M/G/T suffixes, "max" */
        CONFIG_UINT,      /* plain integer */
        CONFIG_DURATION,  /* microseconds, written with us/ms/s/min/h */
        CONFIG_PERCENT,   /* "12.5%", kept in permyriad (1/10000) */
        CONFIG_BOOL,      /* yes/no, true/false, on/off, 1/0 */
        CONFIG_TRIGGER,   /* PSI trigger: "some|full STALL WINDOW", or "none" where allowed */
        CONFIG_MEMORY,    /* struct mem_amount: a size, or "N%" of MemTotal (at most 50%) */
        CONFIG_FILE,      /* char *: an absolute path of a file to write, in a writable directory; "none" */
        CONFIG_CHOICE,    /* one of the words in choices, kept (uint64_t) as its index */
};

/* One key of the schema: parsing, defaults, --check-config and the manual come from here. */
struct config_item {
        const char *section;    /* "pressure", "reclaim", or "cgroup" for every [cgroup PATH] */
        const char *key;
        enum config_type type;
        size_t offset;          /* into struct config, or struct cgroup_config for "cgroup" */
        uint64_t min, max;      /* bounds in the type's unit (bytes, count); unused for triggers */
        const char *def;        /* default, in configuration syntax */
        const char *help;       /* one line */
        const char *const *choices;   /* CONFIG_CHOICE's words, NULL-terminated */
        const char *yes_means;  /* a CONFIG_CHOICE that was a boolean: the word its true values still
                                 * select (its false values select choices[0], "no") */
};

extern const struct config_item config_table[];
extern const size_t config_table_size;

/* The table's entry for key in section ("cgroup" for [cgroup PATH]), its index in *ret_index; or NULL. */
const struct config_item *config_item_find(const char *section, const char *key, size_t *ret_index);

/* Whether the table has keys in the section name ("pressure", "reclaim", "cgroup"). */
bool config_section_known(const char *name);

/*
 * Parses value as its type into dst (a field of struct config or struct
 * cgroup_config), checking its bounds. Returns 0, or -EINVAL with why (of
 * why_size bytes) saying what was expected.
 */
int config_item_parse(const struct config_item *it, const char *value, void *dst, char *why, size_t why_size);

/*
 * Sets every key of section in base (struct config for "pressure" and
 * "reclaim", or "*" for both; struct cgroup_config for "cgroup") to its
 * default. Returns 0, or -EINVAL if a default in the table does not parse.
 */
int config_apply_defaults(void *base, const char *section);

/* One error found while reading a file: where, which key, what was expected. */
struct config_error {
        char *file;
        unsigned line;          /* 0: the file as a whole */
        char *section;          /* the key's: "reclaim", "cgroup PATH"; NULL with key NULL */
        char *key;              /* NULL when the error is not about one key */
        char *message;
};

struct config_errors {
        struct config_error *v;
        size_t n;
};

/*
 * The most a configuration file may hold, in bytes: far more than any real
 * one (lines are short), and a bound on what a file that never ends (a file
 * of /proc, a typo naming a log) costs before it is refused.
 */
#define CONFIG_FILE_MAX (1 << 20)

/* Fills cfg with every default from the table. Returns 0 or -ENOMEM. */
int config_init_defaults(struct config *cfg);

/*
 * Reads an INI file into a fresh *ret. Every problem found is appended to
 * errs (all of them, not only the first). Returns 0 when the file is valid;
 * -EINVAL when errs holds errors (and *ret is untouched): among them a file
 * that is not a regular one (a device; a FIFO unless it is the main file,
 * read as a pipe; /dev/null reads as empty), is larger than CONFIG_FILE_MAX,
 * or fails to read part-way; -ENOENT/-EACCES/
 * -EISDIR/... when the file cannot be opened (an error naming it in errs
 * too); -ENOMEM. The caller frees *ret with
 * config_free() and errs with config_errors_clear().
 */
int config_load_file(const char *file, struct config **ret, struct config_errors *errs);

/*
 * Reads the main file, then every *.conf in dropin_dir in lexical order, as
 * systemd reads drop-ins: a later file's key overrides an earlier one's, and
 * its [cgroup PATH] sections add to or override the earlier ones. Within one
 * file a key or section may appear once. A missing dropin_dir is fine; one
 * that cannot be listed is an error naming it.
 * Returns as config_load_file().
 */
int config_load(const char *file, const char *dropin_dir, struct config **ret, struct config_errors *errs);

/* Same as config_load_file(), from a string; name stands in for the file name. */
int config_load_string(const char *text, const char *name, struct config **ret,
                       struct config_errors *errs);

/* Returns the section named exactly path (not a glob matching it), or NULL. */
const struct cgroup_config *config_find_cgroup(const struct config *cfg, const char *path);

/*
 * Returns the section that applies to a cgroup: of those whose path or glob
 * matches it, the most specific (cgpath_specificity(); on a tie, the one
 * defined last). NULL when none matches.
 */
const struct cgroup_config *config_match(const struct config *cfg, const char *path);

/* Whether the section's file set key (rather than leaving its default). */
bool config_cgroup_sets(const struct cgroup_config *c, const char *key);

/* The xattr mode that applies to a cgroup under section c (NULL: none applies). */
enum xattr_mode config_xattr_mode(const struct config *cfg, const struct cgroup_config *c);

/* The reserve in bytes on a machine of total_bytes (MemTotal). */
uint64_t config_reserve_bytes(const struct config *cfg, uint64_t total_bytes);

/*
 * Whether a file can be created at path (absolute, not ending in '/', its
 * directory existing and writable), and whatever is there already may be
 * replaced (a regular file that is empty or begins as reclaimd's metrics:
 * not a directory, a symbolic link, a FIFO, another file).
 * Returns 0, or -errno with *ret_why set.
 */
int config_check_file_path(const char *path, const char **ret_why);

/*
 * Prints the effective configuration, defaults included, as a valid INI file
 * that loads back with the same meaning: a [cgroup] key its section left
 * unset is a comment, with the value that applies.
 */
void config_dump(const struct config *cfg, FILE *f);

/* Formats "FILE:LINE: [SECTION] key 'K': MESSAGE" (or "FILE:LINE: MESSAGE") into buf. Returns buf. */
const char *config_error_format(const struct config_errors *errs, const struct config_error *e,
                                char *buf, size_t size);

struct config *config_free(struct config *cfg);
void config_errors_clear(struct config_errors *errs);
