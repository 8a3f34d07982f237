/* reclaimd: soft limits for cgroup v2, enforced under memory pressure. */
#include "autoconfig.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "backend.h"
#include "cgpath.h"
#include "config.h"
#include "daemon.h"
#include "discover.h"
#include "engine.h"
#include "log.h"
#include "logfmt.h"
#include "state.h"
#include "util.h"

#define DEFAULT_CONFIG_FILE SYSCONFDIR "/reclaimd/reclaimd.conf"
#define DEFAULT_STATE_FILE  "/run/reclaimd/state"

/* Exit codes, documented in reclaimd(8) and the README. */
enum {
        EXIT_USAGE = 2,
        EXIT_CONFIG = 3,       /* the configuration is invalid */
        EXIT_NO_CGROUP2 = 4,   /* no cgroup v2 hierarchy with the memory controller */
};

struct options {
        const char *config_file;
        const char *cgroup_root;
        const char *state_file;
        bool check_config;
        bool dry_run;
        bool restore;       /* put back what a previous run left on record, and exit */
        int log_level;
};

static void help(void)
{
        printf("Usage: reclaimd [OPTIONS]\n\n"
               "Soft limits for cgroup v2: under memory pressure, take memory back first\n"
               "from the cgroups furthest over their soft limit.\n\n"
               "  -c, --config=FILE       configuration file (default %s)\n"
               "  -t, --check-config      validate the configuration, print it, and exit\n"
               "  -n, --dry-run           log what would be written, write nothing\n"
               "  -r, --cgroup-root=DIR   cgroup v2 mount to use instead of discovering it\n"
               "  -s, --state-file=FILE   where the values reclaimd changed are recorded, to be\n"
               "                          put back (memory.high, memory.low, memory.min)\n"
               "                          (default %s)\n"
               "  -R, --restore           put back what a previous run left in the state file,\n"
               "                          and exit (for ExecStopPost=; no configuration read)\n"
               "  -d, --debug             log debug messages too\n"
               "  -h, --help              show this help\n"
               "  -V, --version           show the version\n", DEFAULT_CONFIG_FILE, DEFAULT_STATE_FILE);
}

static int parse_argv(int argc, char **argv, struct options *o)
{
        static const struct option longopts[] = {
                { "config",       required_argument, NULL, 'c' },
                { "check-config", no_argument,       NULL, 't' },
                { "dry-run",      no_argument,       NULL, 'n' },
                { "cgroup-root",  required_argument, NULL, 'r' },
                { "state-file",   required_argument, NULL, 's' },
                { "restore",      no_argument,       NULL, 'R' },
                { "debug",        no_argument,       NULL, 'd' },
                { "help",         no_argument,       NULL, 'h' },
                { "version",      no_argument,       NULL, 'V' },
                {}
        };
        static const char try_help[] = "Try 'reclaimd --help' for more information.\n";
        bool state_given = false;   /* --dry-run, --state-file, --debug: nothing to --check-config */
        int c;

        *o = (struct options){ .config_file = DEFAULT_CONFIG_FILE, .state_file = DEFAULT_STATE_FILE,
                               .log_level = LOG_INFO };
        while ((c = getopt_long(argc, argv, "c:tnr:s:RdhV", longopts, NULL)) >= 0) {
                switch (c) {
                case 'c': o->config_file = optarg; break;
                case 't': o->check_config = true; break;
                case 'n': o->dry_run = true; break;
                case 'r': o->cgroup_root = optarg; break;
                case 's': o->state_file = optarg; state_given = true; break;
                case 'R': o->restore = true; break;
                case 'd': o->log_level = LOG_DEBUG; break;
                case 'h': help(); return 0;
                case 'V': printf("reclaimd %s\n", PACKAGE_VERSION); return 0;
                default: fputs(try_help, stderr); return -EINVAL;   /* after getopt's own line */
                }
        }
        if (optind < argc) {
                fprintf(stderr, "reclaimd: unexpected argument '%s'\n%s", argv[optind], try_help);
                return -EINVAL;
        }
        if (o->restore && (o->check_config || o->dry_run)) {
                fprintf(stderr, "reclaimd: --restore writes what a previous run left, and cannot be combined "
                        "with %s\n%s", o->check_config ? "--check-config" : "--dry-run", try_help);
                return -EINVAL;
        }
        /* Said, not refused: a wrapper that passes one option string to a check and to a run works. */
        if (o->check_config) {
                const bool given[] = { o->dry_run, state_given, o->log_level == LOG_DEBUG };
                static const char *const names[] = { "--dry-run", "--state-file", "--debug" };

                for (size_t k = 0; k < ARRAY_SIZE(names); k++)
                        if (given[k])
                                fprintf(stderr, "reclaimd: %s means nothing with --check-config, ignoring\n",
                                        names[k]);
        }
        return 1;
}

/*
 * The daemon must not be paged out by the pressure it fights (earlyoom and
 * lmkd do the same). MCL_ONFAULT (4.4+) locks pages as they are touched
 * instead of the whole reserved stack of the worker thread; CAP_IPC_LOCK or
 * RLIMIT_MEMLOCK decides whether any of it is allowed.
 */
static void lock_memory(void)
{
        if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) == 0)
                return;
        if (mlockall(MCL_CURRENT | MCL_FUTURE) == 0)
                return;
        log_warning_errno(-errno, "Failed to lock the daemon's memory: %m; it may be swapped out "
                          "under pressure, ignoring");
}

/*
 * Finds (or checks the given) cgroup v2 mount carrying the memory controller;
 * the errors say whether the given one came from --cgroup-root or the state
 * file. The path is made canonical: it is recorded in the state file, and
 * compared with it.
 */
static int find_cgroup_root(const char *given, bool from_state, char **ret)
{
        const char *opt = given && !from_state ? "--cgroup-root " : "";
        const char *whose = from_state ? " (the state file's cgroup root)" : "";
        char *path = NULL, *real;
        int r;

        if (given)
                path = strdup(given);
        else {
                r = discover_memory_mount(&path);
                if (r == -ENOMEDIUM)
                        return log_error_errno(r, "The memory controller is not mounted on any cgroup "
                                               "hierarchy; reclaimd needs it on cgroup v2");
                if (r < 0)
                        return log_error_errno(r, "Failed to find the memory controller's cgroup mount "
                                               "(libcgroup): %m");
        }
        if (!path)
                return log_error_errno(-ENOMEM, "Out of memory");
        r = discover_check_v2_memory(path);
        if (r == -EMEDIUMTYPE && given)
                log_error("%s%s is not a cgroup v2 mount%s", opt, path, whose);
        else if (r == -EMEDIUMTYPE)
                log_error("The memory controller is on cgroup v1 (%s), not cgroup v2: reclaimd needs "
                          "the unified hierarchy (boot with systemd.unified_cgroup_hierarchy=1)", path);
        else if (r == -ENOMEDIUM)
                log_error("%s is cgroup v2 but does not offer the memory controller "
                          "(not in cgroup.controllers)%s", path, whose);
        else if (r < 0)
                log_error_errno(r, "Cannot use %s%s as the cgroup v2 root%s: %m", opt, path, whose);
        if (r < 0) {
                free(path);
                return r;
        }
        real = realpath(path, NULL);
        if (!real) {
                r = log_error_errno(-errno, "Cannot resolve %s%s%s: %m", opt, path, whose);
                free(path);
                return r;
        }
        free(path);
        *ret = real;
        return 0;
}

/*
 * One descriptor per managed cgroup stays open (memory.current, re-read with
 * pread), so thousands of cgroups need more than the default soft limit.
 */
static void raise_nofile_limit(void)
{
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                        log_debug_errno(-errno, "Failed to raise RLIMIT_NOFILE: %m, ignoring");
        }
}

/*
 * One cgroup of the listing, in a comment line. Its path is whatever its
 * creator named it (any byte but '/', NUL and newline: cgroup_mkdir()), so
 * it goes through logfmt_value(): a byte that is not UTF-8 would make what
 * --check-config prints fail to load as the configuration it is, and a
 * control character would rewrite the terminal it is read on.
 */
static void print_match(const struct cgroup *cg)
{
        fputs("#   ", stdout);
        logfmt_fputs(cg->path, stdout);
        printf(" <- [cgroup %s] (", cg->conf ? cg->conf->path : "?");
        logfmt_fputs(cg->conf && cg->conf->file ? cg->conf->file : "?", stdout);
        if (cg->be)
                printf(":%u)\n", cg->conf ? cg->conf->line : 0);
        else if (is_gone(cg->open_err))
                printf(":%u), absent: managed once it appears\n", cg->conf ? cg->conf->line : 0);
        else
                printf(":%u), cannot be opened (%s): managed once it can be\n", cg->conf ? cg->conf->line : 0,
                       strerror(-cg->open_err));
}

/* For --check-config: which cgroups the configuration manages on this machine now, and why. */
static void print_matches(const struct options *o, const struct config *cfg)
{
        struct backend *be = NULL;
        struct engine e;
        char *root = NULL;
        int max = log_get_max_level();

        log_set_max_level(LOG_EMERG);   /* quietly: this machine may have no cgroup v2 memory */
        if (find_cgroup_root(o->cgroup_root, false, &root) < 0 || backend_cgroupfs_new(root, &be) < 0 ||
            engine_init(&e, be, cfg, true, NULL, NULL) < 0) {
                log_set_max_level(max);
                printf("\n# No cgroup v2 hierarchy with the memory controller here: globs not expanded.\n");
                backend_free(be);
                free(root);
                return;
        }
        (void) engine_refresh(&e);   /* opens those that exist: the others are said absent */
        log_set_max_level(max);
        fputs("\n# Cgroups managed now under ", stdout);
        logfmt_fputs(root, stdout);
        fputs(", and the section that applies to each:\n", stdout);
        for (size_t i = 0; i < e.n_cgroups; i++)
                print_match(&e.cgroups[i]);
        for (size_t i = 0; i < cfg->n_cgroups; i++)
                if (cgpath_is_glob(cfg->cgroups[i].path)) {
                        printf("# (A glob never manages the daemon's own cgroup, system.slice/reclaimd.service "
                               "under its unit: listed here, it is left out where the daemon runs.)\n");
                        break;
                }
        engine_done(&e);
        backend_free(be);
        free(root);
}

/* restore_left_held() under recorded, the root the state file names (NULL: --cgroup-root or the one found). */
static int restore_under(const struct options *o, const char *recorded, const char *why)
{
        struct backend *be = NULL;
        char *root = NULL;
        int r;

        r = find_cgroup_root(recorded ?: o->cgroup_root, recorded, &root);
        if (r < 0)
                return log_error_errno(r, "%sWhat a previous run left in %s stays on record: no cgroup root to "
                                       "put it back in", why, o->state_file);
        r = backend_cgroupfs_new(root, &be);
        if (r < 0) {
                log_error_errno(r, "%sFailed to open %s: %m; what a previous run left in %s stays on record",
                                why, root, o->state_file);
                free(root);
                return r;
        }
        /*
         * The engine is given the root as the file spells it: it compares the
         * two, and the records it keeps stay under that spelling. The backend
         * opens the same directory, resolved.
         */
        r = daemon_restore_only(be, &(struct daemon_options){ .state_file = o->state_file,
                                                               .cgroup_root = recorded ?: root }, why);
        free(root);
        return r;
}

/*
 * Puts back what a previous run left on record in the state file, as
 * --restore asks (the unit's ExecStopPost=: after a crash, or a stop that
 * systemd ended with SIGKILL) and as a start with a configuration it cannot
 * use does: under Restart=on-failure such a start repeats until systemd's
 * start limit, and the floors and clamps would otherwise stay until someone
 * fixes the file. It needs no configuration, only the cgroups. Returns 0
 * (also when nothing is on record), or -errno.
 */
static int restore_left_held(const struct options *o, const char *why)
{
        char *recorded = NULL;
        int r;

        if (!o->state_file || access(o->state_file, F_OK) < 0)
                return 0;   /* nothing on record: the common case, and nothing to say */
        /* The paths are relative to the root they were taken under; a file it cannot read is said below. */
        (void) state_root(o->state_file, &recorded);
        r = restore_under(o, recorded, why);
        free(recorded);
        return r;
}

/*
 * A state file taken under another cgroup root than this run's (--cgroup-root
 * changed, another mount found) is put back there first: beneath this root
 * its paths name other cgroups, and the engine would not apply it.
 */
static void restore_other_root(const struct options *o, const char *root)
{
        char *recorded = NULL;

        /* A run that holds the file is not ours to restore for: daemon_init() says so, once. */
        if (o->state_file && state_locked(o->state_file) == 0 && state_root(o->state_file, &recorded) == 0 &&
            recorded && !streq(recorded, root)) {
                log_notice("The state file %s records values changed under the cgroup root %s, not %s: "
                           "putting them back there first", o->state_file, recorded, root);
                (void) restore_under(o, recorded, "");   /* said; what stays is kept, and refused below */
        }
        free(recorded);
}

static int check_config_done(const struct options *o, struct config *cfg)
{
        int r;

        config_dump(cfg, stdout);
        print_matches(o, cfg);
        printf("# configuration OK\n");
        config_free(cfg);
        r = stdout_flushed();
        if (r < 0)
                return log_error_errno(r, "Cannot write the configuration checked: %m"), EXIT_FAILURE;
        return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
        struct options opt;
        struct config *cfg;
        struct backend *be;
        struct daemon d;
        char *root = NULL, *dropin_dir = NULL;
        int r;

        r = parse_argv(argc, argv, &opt);
        if (r == 0 && (r = stdout_flushed()) < 0) {
                fprintf(stderr, "reclaimd: cannot write to standard output: %s\n", strerror(-r));
                return EXIT_FAILURE;   /* --help, --version */
        }
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        log_open(opt.check_config ? LOG_TARGET_STDERR : LOG_TARGET_AUTO);
        log_set_max_level(opt.log_level);
        raise_nofile_limit();   /* --check-config too: it opens every cgroup it lists */

        if (asprintf(&dropin_dir, "%s.d", opt.config_file) < 0)
                return EXIT_FAILURE;
        if (opt.restore) {
                r = restore_left_held(&opt, "");
                free(dropin_dir);
                return r == -EMEDIUMTYPE || r == -ENOMEDIUM ? EXIT_NO_CGROUP2 : r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        }
        if (daemon_load_config(opt.config_file, dropin_dir, &cfg, NULL) < 0) {
                free(dropin_dir);
                if (!opt.check_config && !opt.dry_run)
                        (void) restore_left_held(&opt, "Not starting. ");
                return EXIT_CONFIG;
        }
        if (opt.check_config) {
                free(dropin_dir);
                return check_config_done(&opt, cfg);
        }

        if (find_cgroup_root(opt.cgroup_root, false, &root) < 0) {
                free(dropin_dir);
                config_free(cfg);
                return EXIT_NO_CGROUP2;
        }
        if (!opt.dry_run)
                restore_other_root(&opt, root);
        r = backend_cgroupfs_new(root, &be);
        if (r < 0) {
                log_error_errno(r, "Failed to open %s: %m", root);
                free(root);
                free(dropin_dir);
                config_free(cfg);
                return EXIT_FAILURE;
        }

        lock_memory();
        r = daemon_init(&d, cfg, be, &(struct daemon_options){
                .config_file = opt.config_file,
                .dropin_dir = dropin_dir,
                .state_file = opt.state_file,
                .cgroup_root = root,
                .dry_run = opt.dry_run,
        });
        if (r >= 0)
                r = daemon_run(&d);
        /* A value left held is a failure systemd and the package's scripts should see. */
        if (daemon_done(&d) < 0 && r >= 0)
                r = -EBUSY;
        free(dropin_dir);
        free(root);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
