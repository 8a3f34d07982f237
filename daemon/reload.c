/* Reloads the configuration, and rebuilds the engine when the configuration's globs match other cgroups. */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cgpath.h"
#include "config.h"
#include "daemon.h"
#include "engine.h"
#include "log.h"
#include "notify.h"
#include "observe.h"
#include "reload.h"
#include "report.h"
#include "scopes.h"

/* The errors reclaimctl reload answers with: a screenful; the journal has them all. */
#define ERRORS_ANSWERED 8

/* One error: the readable line, and where it is as fields (CONFIG_LINE=, CONFIG_KEY=, ...) to filter on. */
static void log_config_error(const struct config_error *e, const char *line)
{
        struct log_kv kv[4];
        size_t n = 0;

        kv[n++] = LOG_STR(PATH, e->file ?: "?");
        if (e->line)
                kv[n++] = LOG_U64(LINE, e->line);
        if (e->section)
                kv[n++] = LOG_STR(SECTION, e->section);
        if (e->key)
                kv[n++] = LOG_STR(KEY, e->key);
        log_event(LOG_ERR, LOG_EV_CONFIG_ERROR, LOG_FIELDS_N(kv, n), "%s", line);
}

int daemon_load_config(const char *file, const char *dropin_dir, struct config **ret, char **ret_errors)
{
        struct config_errors errs = {};
        char line[1024], *text = NULL;
        size_t len = 0;
        FILE *f = ret_errors ? open_memstream(&text, &len) : NULL;
        int r;

        r = config_load(file, dropin_dir, ret, &errs);
        for (size_t i = 0; i < errs.n; i++) {
                config_error_format(&errs, &errs.v[i], line, sizeof(line));
                log_config_error(&errs.v[i], line);
                if (f && i < ERRORS_ANSWERED)
                        fprintf(f, "%s%s", i ? "\n" : "", line);
        }
        if (f && errs.n > ERRORS_ANSWERED)
                fprintf(f, "\n... and %zu more (journalctl -u reclaimd)", errs.n - ERRORS_ANSWERED);
        if (f && fclose(f) == 0 && len > 0)
                *ret_errors = text;
        else
                free(text);
        /* A file that cannot be read is an error like the others, summed up with them. */
        if (r < 0 && errs.n > 0)
                log_error("%zu error%s, configuration not accepted", errs.n, errs.n == 1 ? "" : "s");
        else if (r < 0)
                log_error_errno(r, "Failed to read the configuration: %m");
        config_errors_clear(&errs);
        return r;
}

/*
 * Swaps in cfg (or rebuilds from the running one, when its globs match other
 * cgroups now): a new engine that takes over the old one's state, new scopes
 * that take over the old ones' triggers. Nothing changes when it fails.
 */
static int apply(struct daemon *d, struct config *cfg)
{
        const struct engine_observer obs = d->engine.obs;
        struct config *old_cfg = d->cfg;
        bool new_cfg = cfg != old_cfg;   /* not when the globs are followed */
        /*
         * Timers keep their phase unless their interval changed: re-armed at
         * every reload, a node agent reloading for each pod it starts, more
         * often than release_interval, kept every clamp held for good.
         */
        bool new_tick = cfg->release_interval_usec != old_cfg->release_interval_usec;
        bool new_pace = cfg->balance_interval_usec != old_cfg->balance_interval_usec ||
                        cfg->balance_idle_usec != old_cfg->balance_idle_usec;
        struct engine old = d->engine;
        struct scope *old_scopes = d->scopes;
        size_t old_n = d->n_scopes;
        int r, restored;

        r = engine_init(&d->engine, d->be, cfg, d->dry_run, &obs, old.now_usec);
        if (r == 0) {
                r = engine_takeover_reserve(&d->engine, &old);
                if (r < 0)
                        engine_done(&d->engine);
        }
        if (r < 0) {
                d->engine = old;
                return r;
        }
        d->engine.stop = old.stop;
        d->engine.state_file = old.state_file;
        d->engine.root = old.root;
        d->cfg = cfg;
        r = scopes_setup(d);
        if (r < 0) {
                engine_done(&d->engine);
                d->engine = old;
                d->cfg = old_cfg;
                d->scopes = old_scopes;
                d->n_scopes = old_n;
                return r;
        }
        scopes_takeover(d, old_scopes, old_n);   /* before the old paths and triggers are freed */
        restored = engine_takeover(&d->engine, &old, old_cfg);
        engine_fit_clamps(&d->engine, cfg);   /* a soft limit raised, or clamp_high = no */
        d->clamped = engine_count_clamped(&d->engine);
        d->protected = engine_count_protected(&d->engine);
        d->worker.engine = &d->engine;
        d->worker.cfg = cfg;
        d->has_globs = false;
        for (size_t i = 0; i < cfg->n_cgroups; i++)
                d->has_globs |= cgpath_is_glob(cfg->cgroups[i].path);
        if (new_cfg)
                config_free(old_cfg);
        scopes_arm(d);
        if (new_tick) {
                ev_timer_set(&d->tick, 0., (double)cfg->release_interval_usec / 1e6);
                ev_timer_again(d->loop, &d->tick);
        }
        if (new_pace && ev_is_active(&d->balance)) {
                /* Awake: the next check paces itself by the new intervals. */
                d->pace.asleep = false;
                ev_timer_set(&d->balance, 0., (double)cfg->balance_interval_usec / 1e6);
                ev_timer_again(d->loop, &d->balance);
        } else if (new_cfg) {
                /* New cgroups, reserve or protect: looked at in an interval, not an idle one. */
                daemon_wake_balancer(d, "a reload");
        }
        if (restored)
                log_notice("%s what reclaimd held in %d cgroup(s) no longer managed",
                           d->dry_run ? "Would put back" : "Put back", restored);
        if (new_cfg)
                report_own(d);
        report_nofile(d);
        report_floors(d);
        observe_reloaded(d);
        return 0;
}

int daemon_reload(struct daemon *d)
{
        return daemon_reload_explained(d, NULL);
}

/*
 * A main file given as a pipe (--config <(...), a FIFO) was read to its end
 * at start. Opened again it reads as empty, a configuration that manages
 * nothing, or its open blocks the loop until some writer comes, SIGTERM
 * included. A reload refuses it; a restart reads a new one.
 */
static int refuse_pipe(const char *file, char **ret_errors)
{
        struct stat st;

        if (stat(file, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
                return 0;
        log_error("%s is a pipe, read once at start: a reload cannot read it again; restart reclaimd to "
                  "change its configuration", file);
        if (ret_errors && asprintf(ret_errors, "%s: a pipe, read once at start; restart reclaimd to change "
                                   "its configuration", file) < 0)
                *ret_errors = NULL;
        return -ESPIPE;
}

/* Swaps in cfg, read and valid (it owns it), and says so. */
static int apply_logged(struct daemon *d, struct config *cfg)
{
        int r = apply(d, cfg);

        if (r < 0) {
                config_free(cfg);   /* apply() put the running one back */
                log_error_errno(r, "Failed to apply the new configuration: %m");
        } else {
                log_event(LOG_NOTICE, LOG_EV_RELOAD,
                          LOG_FIELDS(LOG_STR(PATH, d->opt.config_file), LOG_STR(RESULT, "applied"),
                                     LOG_U64(CGROUPS, d->engine.n_cgroups)),
                          "Reloaded %s: %zu cgroup%s managed, %zu trigger%s", d->opt.config_file,
                          d->engine.n_cgroups, d->engine.n_cgroups == 1 ? "" : "s",
                          d->n_scopes, d->n_scopes == 1 ? "" : "s");
        }
        notify_ready(NULL);
        report_status(d);
        return r;
}

int daemon_reload_explained(struct daemon *d, char **ret_errors)
{
        struct config *cfg = NULL;
        int r;

        notify_reloading();
        r = refuse_pipe(d->opt.config_file, ret_errors);
        if (r == 0)
                r = daemon_load_config(d->opt.config_file, d->opt.dropin_dir, &cfg, ret_errors);
        if (r < 0) {
                /* The files as they are now are refused: so is an earlier reading still waiting. */
                d->reload_cfg = config_free(d->reload_cfg);
                log_event(LOG_ERR, LOG_EV_RELOAD,
                          LOG_FIELDS(LOG_STR(PATH, d->opt.config_file), LOG_STR(RESULT, "refused")),
                          "Reloading %s failed; keeping the configuration that was running",
                          d->opt.config_file);
                notify_ready("Reload failed; running on the previous configuration");
                return r;
        }
        /*
         * Read and checked now, so that whoever asked hears of its errors at
         * once; swapped in when the job in flight ends: the engine is the
         * worker's until then. A later reload replaces a waiting one.
         */
        if (d->worker.busy) {
                config_free(d->reload_cfg);
                d->reload_cfg = cfg;
                return 1;
        }
        return apply_logged(d, cfg);
}

void daemon_reload_queued(struct daemon *d)
{
        struct config *cfg = d->reload_cfg;

        if (!cfg || d->worker.busy)
                return;
        d->reload_cfg = NULL;
        (void) apply_logged(d, cfg);
}

/* Rebuilds the engine when the configuration's globs match other cgroups now (worker idle). */
void reload_follow_globs(struct daemon *d)
{
        int r;

        if (d->worker.busy || !d->has_globs)
                return;
        r = engine_set_changed(&d->engine, d->cfg);
        if (r < 0 && !d->glob_err_said)
                log_warning_errno(r, "Cannot list the cgroups the configuration's globs match: %m; the cgroups "
                                  "managed stay as they are until they can be listed, and new ones wait");
        else if (r >= 0 && d->glob_err_said)
                log_notice("The configuration's globs can be listed again");
        d->glob_err_said = r < 0;
        if (r <= 0)
                return;
        r = apply(d, d->cfg);
        if (r < 0)
                log_error_errno(r, "Failed to follow the cgroups the configuration's globs match: %m");
        else
                log_info("The cgroups matching the configuration changed: %zu managed", d->engine.n_cgroups);
}

