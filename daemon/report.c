/* Reports what the engine did as structured log records and as systemd's STATUS= line. */
#include "autoconfig.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "adjust.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "policy.h"
#include "report.h"
#include "snapshot.h"
#include "state.h"
#include "units.h"
#include "util.h"
#include "xattr.h"

const char *scope_name(const struct scope *s)
{
        return s->path ?: "system";
}

static const char *result_name(int r)
{
        if (r == 0)
                return "ok";
        if (r == -EEXIST)
                return "already_lower";   /* memory.high is already at or below the clamp */
        if (r == -EAGAIN)
                return "partial";   /* memory.reclaim freed less than asked: normal */
        if (r == -ETIMEDOUT)
                return "timed_out";   /* cut short after step_timeout (engine_cut_step()) */
        return strerrorname_np(-r) ?: "error";
}

/* What the engine reports, called on the worker thread. */

/*
 * The repeat filter of the job in flight (read on the worker thread; the
 * loop changes it only between jobs): its scope's, or the balancer's.
 */
static const struct repeat_filter *job_repeat(const struct daemon *d, bool proactive)
{
        return proactive || !d->running ? &d->balance_repeat : &d->running->repeat;
}

static void on_step(void *userdata, const struct engine_step *s)
{
        struct daemon *d = userdata;
        struct cgroup *cg = engine_find(&d->engine, s->path);
        char req[FORMAT_SIZE_MAX], got[FORMAT_SIZE_MAX];
        bool cut = s->result == -ETIMEDOUT;
        /* Removed under the write (a service stopped): nothing failed, and cgroup_gone follows. */
        bool gone = is_gone(s->result);
        bool ok = s->result == 0 || s->result == -EAGAIN || s->result == -EEXIST || cut;
        const char *result = gone ? "gone" : result_name(s->result);
        const char *why = gone ? "the cgroup is gone" : ok ? "" : strerror(-s->result);
        /* An error is said once at warning level; its repeats on the same cgroup at debug. */
        int level_fail = gone ? LOG_INFO : s->repeated ? LOG_DEBUG : LOG_WARNING;
        /* A step that freed nothing in a round like the ones before: said with their summary. */
        int level_ok = s->reclaimed_bytes == 0 && repeat_streak(job_repeat(d, false)) ? LOG_DEBUG : LOG_INFO;

        if (cg)
                snapshot_count_step(cg, s, d->engine.now_usec());
        format_size(req, sizeof(req), s->requested_bytes);
        format_size(got, sizeof(got), s->reclaimed_bytes);
        if (s->action == ACTION_CLAMP) {
                log_event(ok ? LOG_NOTICE : level_fail, LOG_EV_CLAMP,
                          LOG_FIELDS(LOG_STR(CGROUP, s->path),
                                     LOG_U64(HIGH, s->requested_bytes),
                                     LOG_U64(RECLAIMED, s->reclaimed_bytes),
                                     LOG_U64(PRIORITY, (uint64_t)s->priority),
                                     LOG_U64(SOFT_LIMIT, s->soft_limit_bytes),
                                     LOG_U64(CURRENT, s->current_after),
                                     LOG_STR(RESULT, result),
                                     LOG_U64(DRY_RUN, s->dry_run)),
                          ok ? "%s memory.high of %s to %s at priority %d, %s %s%s"
                             : "%s memory.high of %s to %s at priority %d: %s%s%s",
                          s->dry_run ? "Would lower" : ok ? "Lowered" : "Could not lower", s->path, req,
                          s->priority, !ok ? "" : s->dry_run ? "taken as freeing" : "freed", ok ? got : why,
                          cut ? ", its reclaim cut short after step_timeout" : "");
                return;
        }
        log_event(cut ? LOG_NOTICE : ok ? level_ok : level_fail, LOG_EV_RECLAIM,
                  LOG_FIELDS(LOG_STR(CGROUP, s->path),
                             LOG_U64(REQUESTED, s->requested_bytes),
                             LOG_U64(RECLAIMED, s->reclaimed_bytes),
                             LOG_U64(PRIORITY, (uint64_t)s->priority),
                             LOG_U64(SOFT_LIMIT, s->soft_limit_bytes),
                             LOG_U64(CURRENT, s->current_after),
                             LOG_U64(SWAP, s->swap),
                             LOG_STR(RESULT, result),
                             LOG_U64(DRY_RUN, s->dry_run)),
                  "%s %s from %s at priority %d, %s %s%s%s",
                  s->dry_run ? "Would reclaim" : "Asked", req, s->path, s->priority,
                  s->dry_run ? "taken as freeing" : "freed", got,   /* a dry run measures nothing */
                  cut ? ", cut short after step_timeout" : ok ? "" : ": ", why);
}

/*
 * Floor lines said at info in one pass (a balance check, a job, a reload):
 * at thousands of cgroups one hold is a line each, within a second, past
 * journald's default burst (10000 in 30 s), which would drop what follows.
 */
#define FLOORS_SAID_MAX 50

/*
 * The level of one more line of a kind one pass may say thousands of (floors
 * raised, cgroups gone, holds written over): level for the first
 * FLOORS_SAID_MAX of the pass (*said), debug after (counted in *quiet, which
 * report_floors() says).
 */
static int pass_level(unsigned *said, unsigned *quiet, int level)
{
        if (*said < FLOORS_SAID_MAX) {
                (*said)++;
                return level;
        }
        (*quiet)++;
        return LOG_DEBUG;
}

static void on_cgroup_gone(void *userdata, const char *path, int err)
{
        struct daemon *d = userdata;

        /* A slice stopped: thousands go in one pass, as thousands of floors are raised. */
        log_event(pass_level(&d->gone_said, &d->gone_quiet, LOG_NOTICE), LOG_EV_CGROUP_GONE,
                  LOG_FIELDS(LOG_STR(CGROUP, path), LOG_STR(RESULT, result_name(err))),
                  "Cgroup %s disappeared; managed again if it comes back", path);
}

static void on_cgroup_error(void *userdata, const char *path, enum cg_file f, int err)
{
        if (!path) {
                const char *what = cg_file_name(f) ?: "sysinfo()";   /* _CG_FILE_MAX: the free memory */

                log_event(LOG_WARNING, LOG_EV_CGROUP_ERROR,
                          LOG_FIELDS(LOG_STR(FILE, what), LOG_STR(RESULT, result_name(err))),
                          "Cannot use %s: %s; the machine's free memory is unknown, so its rounds run "
                          "on pressure alone and the balancer waits, ignoring", what, strerror(-err));
                return;
        }
        log_event(LOG_WARNING, LOG_EV_CGROUP_ERROR,
                  LOG_FIELDS(LOG_STR(CGROUP, path), LOG_STR(FILE, cg_file_name(f)),
                             LOG_STR(RESULT, result_name(err))),
                  "Cannot use %s of %s: %s; leaving it out until it reads well, ignoring",
                  cg_file_name(f), path, strerror(-err));
}

#define STATE_ERROR_REPEAT_USEC (60ULL * 1000000)

static void on_state_error(void *userdata, const char *file, int err)
{
        struct daemon *d = userdata;
        uint64_t now = d->engine.now_usec ? d->engine.now_usec() : 0;

        /* Each hold tries again, each tick: the same failure is said once a minute. */
        if (err == d->state_err && now - d->state_err_at_usec < STATE_ERROR_REPEAT_USEC)
                return;
        d->state_err = err;
        d->state_err_at_usec = now;
        if (err == -EFBIG)
                log_error_errno(err, "Failed to record changed values in %s: the records would pass the "
                                "state file's 64 MiB; not holding more memory.high, memory.low or memory.min "
                                "values until some go back", file);
        else
                log_error_errno(err, "Failed to record changed values in %s: %m; not changing memory.high, "
                                "memory.low or memory.min until it can be written", file);
}

/* The round's start: a trigger's (direct), or the balancer's (background). */
static void on_round_start(void *userdata, const struct scan_control *sc, uint64_t shortfall)
{
        struct daemon *d = userdata;
        const struct scope *s = d->running;
        struct psi_stats st = {};
        char some[16] = "?", full[16] = "?", sf[FORMAT_SIZE_MAX];
        int level;

        if (engine_pressure(&d->engine, sc->scope, &st) == 0) {
                snprintf(some, sizeof(some), "%u.%02u", st.line[PSI_SOME].avg10_cpct / 100,
                         st.line[PSI_SOME].avg10_cpct % 100);
                snprintf(full, sizeof(full), "%u.%02u", st.line[PSI_FULL].avg10_cpct / 100,
                         st.line[PSI_FULL].avg10_cpct % 100);
        }
        format_size(sf, sizeof(sf), shortfall);
        /* Rounds ending as the ones before them are summarized (report_round()), their starts too. */
        level = repeat_streak(job_repeat(d, sc->proactive)) ? LOG_DEBUG : LOG_INFO;
        if (sc->proactive || !s) {
                log_event(level, LOG_EV_ROUND_START,
                          LOG_FIELDS(LOG_STR(SCOPE, "system"), LOG_STR(MODE, "background"),
                                     LOG_U64(SHORTFALL, shortfall), LOG_U64(TARGET, sc->nr_to_reclaim),
                                     LOG_STR(PSI_SOME_AVG10, some), LOG_STR(PSI_FULL_AVG10, full)),
                          "Machine %s short (free memory under the high watermark and reserve, or what "
                          "kswapd took since the last look): trimming cgroups over their soft limits", sf);
                return;
        }
        log_event(level, LOG_EV_TRIGGER,
                  LOG_FIELDS(LOG_STR(SCOPE, scope_name(s)), LOG_U64(ROUND, s->rounds),
                             LOG_STR(MODE, "direct"), LOG_U64(SHORTFALL, shortfall),
                             LOG_U64(TARGET, sc->nr_to_reclaim),
                             LOG_STR(PSI_SOME_AVG10, some), LOG_STR(PSI_FULL_AVG10, full)),
                  "Memory pressure in %s (some avg10 %s%%), starting round %u", scope_name(s), some,
                  s->rounds);
}


/* The level of one more floor line of this pass: info for the first FLOORS_SAID_MAX, debug after. */
static int floor_level(struct daemon *d)
{
        return pass_level(&d->floors_said, &d->floors_quiet, LOG_INFO);
}

void report_floors(struct daemon *d)
{
        if (d->floors_quiet > 0)
                log_info("%u more floors raised or put back in the same pass, said at debug level only; "
                         "reclaimctl status lists what is held", d->floors_quiet);
        if (d->gone_quiet > 0)
                log_notice("%u more managed cgroups disappeared in the same pass, said at debug level only; "
                           "each is managed again if it comes back", d->gone_quiet);
        if (d->changed_quiet > 0)
                log_notice("%u more held files someone changed since were found in the same pass, said at debug "
                           "level only (systemd writes every unit's at each daemon-reload and set-property)",
                           d->changed_quiet);
        d->floors_said = d->floors_quiet = d->gone_said = d->gone_quiet = 0;
        if (d->contested_quiet > 0)
                log_notice("%u more held files in a fight with another writer were found in the same pass, said "
                           "at debug level only; reclaimctl status shows them", d->contested_quiet);
        if (d->settled_quiet > 0)
                log_notice("%u more fights over held files ended in the same pass, said at debug level only",
                           d->settled_quiet);
        d->changed_said = d->changed_quiet = 0;
        d->contested_said = d->contested_quiet = d->settled_said = d->settled_quiet = 0;
}

/* Someone else writing cg's file f over reclaimd's hold (lib/contest.c). */
static const struct contest *contest_of(const struct cgroup *cg, enum cg_file f)
{
        return &cg->contests[adjust_index(f)];
}

/* What cg's file f was before reclaimd's hold. */
static uint64_t original_of(const struct cgroup *cg, enum cg_file f)
{
        return f == CG_MEMORY_HIGH ? cg->high.original : f == CG_MEMORY_MIN ? cg->min.original : cg->low.original;
}

/* A clamp someone wrote over, held again (verify_holds()). */
static void clamped_again(struct daemon *d, const struct cgroup *cg, uint64_t value, int err)
{
        char h[FORMAT_SIZE_MAX], o[FORMAT_SIZE_MAX];

        format_size(h, sizeof(h), value);
        format_size(o, sizeof(o), cg->high.original);
        log_event(err < 0 ? LOG_WARNING : LOG_NOTICE, LOG_EV_CLAMP,
                  LOG_FIELDS(LOG_STR(CGROUP, cg->path), LOG_U64(HIGH, value), LOG_U64(ORIGINAL, cg->high.original),
                             LOG_U64(SOFT_LIMIT, cg->soft_limit_bytes), LOG_U64(CURRENT, cg->current_bytes),
                             LOG_STR(RESULT, err < 0 ? result_name(err) : "again"), LOG_U64(DRY_RUN, d->dry_run)),
                  "%s memory.high of %s to %s again, over the %s written since%s%s",
                  err < 0 ? "Failed to lower" : "Lowered", cg->path, h, o, err < 0 ? ": " : "",
                  err < 0 ? strerror(-err) : "");
}

static void floor_raised(struct daemon *d, const struct cgroup *cg, enum cg_file f, uint64_t value, int err)
{
        uint64_t original = original_of(cg, f);
        char l[FORMAT_SIZE_MAX], o[FORMAT_SIZE_MAX];
        /* An ancestor (hierarchy.c) has no reading or soft limit of its own: those fields are left out. */
        bool managed = cg->conf != NULL;
        const struct log_kv kv[] = {
                LOG_STR(CGROUP, cg->path), LOG_STR(FILE, cg_file_name(f)), LOG_U64(LOW, value),
                LOG_U64(ORIGINAL, original), LOG_U64(CURRENT, cg->current_bytes),
                LOG_U64(SOFT_LIMIT, cg->soft_limit_bytes), LOG_STR(RESULT, result_name(err)),
                LOG_U64(DRY_RUN, d->dry_run),
        }, ancestor[] = {
                kv[0], kv[1], kv[2], kv[3], kv[6], kv[7],
        };

        format_size(l, sizeof(l), value);
        format_size(o, sizeof(o), original);
        log_event(err < 0 ? LOG_WARNING : floor_level(d), LOG_EV_PROTECT,
                  LOG_FIELDS_N(managed ? kv : ancestor, managed ? ARRAY_SIZE(kv) : ARRAY_SIZE(ancestor)),
                  "%s %s of %s to %s (was %s) %s%s%s",
                  err < 0 ? "Failed to raise" : d->dry_run ? "Would raise" : "Raised", cg_file_name(f), cg->path,
                  l, o, managed ? "while a cgroup is over its soft limit" : "so that the floors beneath it hold",
                  err < 0 ? ": " : "", err < 0 ? strerror(-err) : "");
}

static void on_protected(void *userdata, const struct cgroup *cg, enum cg_file f, uint64_t value, int err)
{
        /* Held again at the value lost in a fight: its round, said already (written_over_again()). */
        if (err == 0 && contest_fight(contest_of(cg, f)) && value == contest_of(cg, f)->value)
                log_debug("%s of %s held at %" PRIu64 " again", cg_file_name(f), cg->path, value);
        else if (f == CG_MEMORY_HIGH)
                clamped_again(userdata, cg, value, err);
        else
                floor_raised(userdata, cg, f, value, err);
}

static void on_floors_yield(void *userdata, const struct cgroup *cg)
{
        char t[FORMAT_SIZE_MAX];

        format_size(t, sizeof(t), cg->taken.stolen);
        log_event(LOG_NOTICE, LOG_EV_YIELD,
                  LOG_FIELDS(LOG_STR(CGROUP, cg->path), LOG_U64(TAKEN, cg->taken.stolen),
                             LOG_U64(REFAULT, cg->taken.permille), LOG_U64(CURRENT, cg->current_bytes),
                             LOG_U64(SOFT_LIMIT, cg->soft_limit_bytes), LOG_U64(COOLDOWN, YIELD_USEC)),
                  "Of the %s reclaim took from %s, %u‰ came back: leaving it to the kernel's LRU order "
                  "for %llus (the floors go once every offender is)",
                  t, cg->path, cg->taken.permille, (unsigned long long)(YIELD_USEC / 1000000));
}

static void on_machine_yield(void *userdata, const struct taken_watch *t, uint64_t until_usec)
{
        char taken[FORMAT_SIZE_MAX];

        format_size(taken, sizeof(taken), t->stolen);
        log_event(LOG_NOTICE, LOG_EV_YIELD_MACHINE,
                  LOG_FIELDS(LOG_STR(SCOPE, "system"), LOG_U64(TAKEN, t->stolen), LOG_U64(REFAULT, t->permille),
                             LOG_U64(COOLDOWN, YIELD_USEC)),
                  "Of the %s the kernel took machine-wide while the floors held, %u‰ came back: letting "
                  "every floor go for %llus", taken, t->permille, (unsigned long long)(YIELD_USEC / 1000000));
}

static void on_machine_hold(void *userdata, const struct taken_watch *t, const struct cgroup *cg)
{
        char taken[FORMAT_SIZE_MAX];

        format_size(taken, sizeof(taken), t->stolen);
        log_event(LOG_NOTICE, LOG_EV_HOLD,
                  LOG_FIELDS(LOG_STR(SCOPE, "system"), LOG_STR(CGROUP, cg->path), LOG_U64(TAKEN, t->stolen),
                             LOG_U64(REFAULT, t->permille), LOG_U64(CURRENT, cg->current_bytes),
                             LOG_U64(SOFT_LIMIT, cg->soft_limit_bytes)),
                  "Of the %s the kernel took machine-wide while the floors held, %u‰ came back: holding %s "
                  "with memory.high at the next stalling round, the floors staying",
                  taken, t->permille, cg->path);
}

/*
 * A hold written over once more in a fight (lib/contest.c): the loss that
 * makes it one is said once, at notice, not warning: reclaimd holds the
 * file again, nothing failed, and the daemon-reloads of a package upgrade
 * (a few within minutes) make one too, which must not page anyone; the
 * later ones, and the holds taken again after them, at debug.
 */
static void written_over_again(struct daemon *d, const struct cgroup *cg, enum cg_file f, const char *v)
{
        const struct contest *c = contest_of(cg, f);
        const char *what = cg_file_name(f);
        bool first = c->streak == CONTEST_STREAK;

        log_event(first ? pass_level(&d->contested_said, &d->contested_quiet, LOG_NOTICE) : LOG_DEBUG,
                  LOG_EV_RELEASE,
                  LOG_FIELDS(LOG_STR(CGROUP, cg->path), LOG_STR(FILE, what),
                             LOG_U64(ORIGINAL, original_of(cg, f)),
                             LOG_U64(WRITTEN_OVER, c->lost), LOG_STR(RESULT, "contested")),
                  "%s of %s is %s, not what reclaimd wrote: written over %" PRIu32 " times, each within %llu min of the "
                  "last; another writer keeps setting it (a script, an agent, repeated daemon-reloads). reclaimd "
                  "holds it again while it needs it and says the next ones at debug level only, until no one "
                  "writes over it for %llu min",
                  what, cg->path, v, c->streak, (unsigned long long)(CONTEST_WINDOW_USEC / 60000000),
                  (unsigned long long)(CONTEST_WINDOW_USEC / 60000000));
}

static void on_contest_settled(void *userdata, const struct cgroup *cg, enum cg_file f)
{
        const struct contest *c = contest_of(cg, f);
        struct daemon *d = userdata;

        /* The fights a burst of daemon-reloads started end in one pass too. */
        log_event(pass_level(&d->settled_said, &d->settled_quiet, LOG_NOTICE), LOG_EV_RELEASE,
                  LOG_FIELDS(LOG_STR(CGROUP, cg->path), LOG_STR(FILE, cg_file_name(f)),
                             LOG_U64(WRITTEN_OVER, c->lost), LOG_STR(RESULT, "settled")),
                  "%s of %s, held, has not been written over for %llu min: the fight over it is over "
                  "(written over %" PRIu32 " times in all)", cg_file_name(f), cg->path,
                  (unsigned long long)(CONTEST_WINDOW_USEC / 60000000), c->lost);
}

static void on_released(void *userdata, const struct cgroup *cg, enum cg_file f, uint64_t value,
                        bool restored, bool left_alone, int err)
{
        struct daemon *d = userdata;
        const char *what = cg_file_name(f);
        char v[FORMAT_SIZE_MAX];

        format_size(v, sizeof(v), value);
        if (left_alone && contest_fight(contest_of(cg, f)))
                written_over_again(d, cg, f, v);
        /* A daemon-reload writes over every hold at once: thousands of lines, as floors. */
        else if (left_alone)
                log_event(pass_level(&d->changed_said, &d->changed_quiet, LOG_NOTICE), LOG_EV_RELEASE,
                          LOG_FIELDS(LOG_STR(CGROUP, cg->path), LOG_STR(FILE, what),
                                     LOG_U64(ORIGINAL, original_of(cg, f)),
                                     LOG_STR(RESULT, "changed")),
                          "%s of %s is %s, not what reclaimd wrote: someone changed it since (systemd does at each "
                          "daemon-reload and set-property); reclaimd's hold ends, and any later one starts from that value",
                          what, cg->path, v);
        else if (is_gone(err))
                /* A service stopped while reclaimd held a value of its cgroup: nothing was lost. */
                log_event(LOG_INFO, LOG_EV_RELEASE,
                          LOG_FIELDS(LOG_STR(CGROUP, cg->path), LOG_STR(FILE, what), LOG_STR(RESULT, "gone")),
                          "%s of %s needs no putting back: the cgroup is gone", what, cg->path);
        else if (err < 0)
                log_event(LOG_WARNING, LOG_EV_RELEASE,
                          LOG_FIELDS(LOG_STR(CGROUP, cg->path), LOG_STR(FILE, what),
                                     f == CG_MEMORY_HIGH ? LOG_U64(HIGH, value) : LOG_U64(LOW, value),
                                     LOG_STR(RESULT, result_name(err))),
                          "Failed to set %s of %s back to %s: %s", what, cg->path, v, strerror(-err));
        else if (f == CG_MEMORY_HIGH)
                log_event(LOG_NOTICE, LOG_EV_RELEASE,
                          LOG_FIELDS(LOG_STR(CGROUP, cg->path), LOG_STR(FILE, what), LOG_U64(HIGH, value),
                                     LOG_STR(RESULT, restored ? "restored" : "raised"), LOG_U64(DRY_RUN, d->dry_run)),
                          "%s memory.high of %s to %s",
                          d->dry_run ? (restored ? "Would restore" : "Would raise") : restored ? "Restored" : "Raised",
                          cg->path, v);
        else
                log_event(floor_level(d), LOG_EV_RELEASE,
                          LOG_FIELDS(LOG_STR(CGROUP, cg->path), LOG_STR(FILE, what), LOG_U64(LOW, value),
                                     LOG_STR(RESULT, restored ? "restored" : "lowered"), LOG_U64(DRY_RUN, d->dry_run)),
                          "%s %s of %s back to %s", d->dry_run ? "Would put" : "Put", what, cg->path, v);
}

static void on_xattr(void *userdata, const struct cgroup *cg, const char *name, const char *text, int err)
{
        char v[FORMAT_SIZE_MAX];

        if (err == 0) {
                bool honoured = xattr_in_force(cg);

                format_size(v, sizeof(v), cg->xattr_soft_limit);
                log_event(LOG_NOTICE, LOG_EV_XATTR,
                          LOG_FIELDS(LOG_STR(CGROUP, cg->path), LOG_STR(FILE, name),
                                     LOG_U64(SOFT_LIMIT, cg->soft_limit_bytes),
                                     LOG_STR(RESULT, honoured ? "honoured" : "overridden")),
                          "%s declares a soft limit of %s (%s)%s", cg->path, v, name,
                          honoured ? "" : "; its section's soft_limit wins (soft_limit_xattr = prefer would let it)");
                return;
        }
        log_event(LOG_WARNING, LOG_EV_XATTR,
                  LOG_FIELDS(LOG_STR(CGROUP, cg->path), LOG_STR(FILE, name),
                             LOG_U64(SOFT_LIMIT, cg->soft_limit_bytes),
                             LOG_STR(RESULT, err == -EPERM ? "untrusted" : err == -EINVAL ? "invalid" :
                                     result_name(err))),
                  "%s of %s %s; the configured soft limit stays, ignoring", name, cg->path,
                  err == -EPERM ? "is not trusted: the cgroup is not owned by root, and a delegated "
                                  "subtree may not raise its own soft limit" :
                  err == -EINVAL ? "is not a size (K, M, G, T suffixes, or max)" : strerror(-err));
}

static void on_restored(void *userdata, const struct state_record *rec, enum restore_outcome o, int err)
{
        const struct daemon *d = userdata;
        const char *what = cg_file_name(rec->file);
        char v[FORMAT_SIZE_MAX];

        format_size_exact(v, sizeof(v), rec->original);
        switch (o) {
        case RESTORE_DONE:
                log_event(LOG_NOTICE, LOG_EV_RELEASE,
                          LOG_FIELDS(LOG_STR(CGROUP, rec->path), LOG_STR(FILE, what),
                                     LOG_U64(ORIGINAL, rec->original), LOG_STR(RESULT, "restored"),
                                     LOG_U64(DRY_RUN, d->dry_run)),
                          "%s %s of %s to %s, left changed by a previous run",
                          d->dry_run ? "Would restore" : "Restored", what, rec->path, v);
                break;
        case RESTORE_ALREADY:
                log_debug("%s of %s is back at its original value already", what, rec->path);
                break;
        case RESTORE_CHANGED:
                log_notice("%s of %s changed since reclaimd set it; leaving it", what, rec->path);
                break;
        case RESTORE_GONE:
                if (err == -ESTALE)
                        log_notice("Cgroup %s from the state file was removed and created again; nothing to "
                                   "restore", rec->path);
                else
                        log_notice("Cgroup %s from the state file is gone; nothing to restore", rec->path);
                break;
        case RESTORE_FAILED:
                log_error_errno(err, "Failed to restore %s of %s: %m; keeping it on record, to try again",
                                what, rec->path);
                break;
        }
}

void report_status(struct daemon *d)
{
        char status[256], total[FORMAT_SIZE_MAX];
        int over = 0;

        for (size_t i = 0; i < d->engine.n_cgroups; i++)
                over += d->engine.cgroups[i].in_tree;
        snprintf(status, sizeof(status), "%spressure %s, %zu cgroups managed, %d over soft limit, "
                 "%d clamped, %d protected, %s reclaimed", d->dry_run ? "dry run, nothing written: " : "",
                 pressure_level_name(d->level), d->engine.n_cgroups, over, d->clamped, d->protected,
                 format_size(total, sizeof(total), d->reclaimed_total_bytes));
        notify_status(status);
}

/*
 * Which rounds are "the same round again": those that freed nothing and
 * clamped nothing, ending for the same reason at the same level in the
 * same mode. 0: a round that changed something, always said in full.
 */
static uint64_t round_key(const struct scan_control *sc, int v, enum pressure_level level)
{
        if (sc->nr_reclaimed || sc->nr_clamps)
                return 0;
        return 1 + (((uint64_t)(unsigned)v & 0xffff) | (uint64_t)level << 16 | (uint64_t)sc->proactive << 18 |
                    (uint64_t)(sc->nr_steps > 0) << 19);
}

static void say_repeats(const struct scope *s, unsigned n, const char *result, uint64_t interval)
{
        char iv[FORMAT_DURATION_MAX];

        format_duration(iv, sizeof(iv), interval);
        log_event(LOG_INFO, LOG_EV_REPEATED,
                  LOG_FIELDS(LOG_STR(SCOPE, scope_name(s)), LOG_U64(REPEATS, n),
                             LOG_STR(RESULT, result), LOG_U64(INTERVAL, interval)),
                  "%u more round%s for %s ended as the last one said, freeing nothing%s%s%s "
                  "(said at most every %s)", n, n == 1 ? "" : "s", scope_name(s), *result ? " (" : "", result,
                  *result ? ")" : "", iv);
}

bool report_round(struct daemon *d, const struct scope *s, struct repeat_filter *rf, unsigned round,
                  const struct scan_control *sc, int v)
{
        char got[FORMAT_SIZE_MAX], want[FORMAT_SIZE_MAX];
        enum pressure_level level = policy_pressure_level(sc->priority, policy_round_asked(sc), sc->nr_reclaimed);
        uint64_t key = round_key(sc, v, level);
        enum repeat_verdict rv = REPEAT_SAY;
        unsigned n;

        if (key)
                rv = repeat_check(rf, key, d->engine.now_usec(), d->repeat_interval_usec, &n);
        else
                n = repeat_reset(rf);
        if (rv == REPEAT_SAY && n)
                say_repeats(s, n, "", d->repeat_interval_usec);   /* the streak that just ended */
        if (rv == REPEAT_SUMMARY)
                say_repeats(s, n, snapshot_verdict_name(v), d->repeat_interval_usec);
        if (rv != REPEAT_SAY) {
                log_debug("Round %u for %s done: freed nothing (%s), as the rounds before it", round,
                          scope_name(s), snapshot_verdict_name(v));
                return false;
        }
        format_size(got, sizeof(got), sc->nr_reclaimed);
        format_size(want, sizeof(want), sc->nr_to_reclaim);
        log_event(level == PRESSURE_CRITICAL && !sc->proactive ? LOG_WARNING : LOG_INFO, LOG_EV_ROUND_END,
                  LOG_FIELDS(LOG_STR(SCOPE, scope_name(s)),
                             LOG_U64(ROUND, round),
                             LOG_STR(MODE, sc->proactive ? "background" : "direct"),
                             LOG_U64(TARGET, sc->nr_to_reclaim),
                             LOG_U64(REQUESTED, sc->nr_requested),
                             LOG_U64(RECLAIMED, sc->nr_reclaimed),
                             LOG_U64(PRIORITY, (uint64_t)sc->priority),
                             LOG_STR(LEVEL, pressure_level_name(level)),
                             LOG_U64(STEPS, sc->nr_steps),
                             LOG_STR(RESULT, snapshot_verdict_name(v))),
                  "Round for %s done: %s %s of %s in %u steps, priority %d, pressure %s",
                  scope_name(s), d->dry_run ? "its steps taken as freeing" : "freed", got, want, sc->nr_steps,
                  sc->priority, pressure_level_name(level));
        if (v == POLICY_DONE_EXHAUSTED)
                /* do_try_to_free_pages() would return 0 and the kernel would OOM: we never kill. */
                log_event(LOG_CRIT, LOG_EV_EXHAUSTED,
                          LOG_FIELDS(LOG_STR(SCOPE, scope_name(s)),
                                     LOG_U64(RECLAIMED, sc->nr_reclaimed),
                                     LOG_U64(TARGET, sc->nr_to_reclaim)),
                          "reclaim exhausted in %s: priority 0 passed with %s of %s %s; "
                          "leaving any kill to the kernel or systemd-oomd", scope_name(s), got, want,
                          d->dry_run ? "taken as freed" : "freed");
        return true;
}

void report_flush_scope(struct daemon *d, struct scope *s)
{
        unsigned n = repeat_reset(&s->repeat);

        if (n)
                say_repeats(s, n, "", d->repeat_interval_usec);
}

void report_flush(struct daemon *d)
{
        unsigned n;

        for (size_t i = 0; i < d->n_scopes; i++)
                report_flush_scope(d, &d->scopes[i]);
        if (d->n_scopes && (n = repeat_reset(&d->balance_repeat)))
                say_repeats(&d->scopes[0], n, "", d->repeat_interval_usec);
}

void report_backoff(struct daemon *d, struct scope *s, const struct scan_control *sc, bool said)
{
        uint64_t asked = policy_round_asked(sc), cooldown;
        char c[FORMAT_DURATION_MAX];

        /* Only clamps the kernel left to the cgroup's tasks: nothing to judge, the backoff stands as it was. */
        if (asked == 0 && sc->nr_deferred > 0)
                return;
        cooldown = policy_backoff_update(&s->backoff, asked, sc->nr_reclaimed, d->engine.now_usec(),
                                         d->cfg->backoff_usec, d->cfg->backoff_max_usec);
        if (cooldown)
                log_event(said ? LOG_NOTICE : LOG_DEBUG, LOG_EV_BACKOFF,
                          LOG_FIELDS(LOG_STR(SCOPE, scope_name(s)),
                                     LOG_U64(REQUESTED, asked),
                                     LOG_U64(RECLAIMED, sc->nr_reclaimed),
                                     LOG_U64(COOLDOWN, cooldown)),
                          "Round for %s freed under 1/8 of what it asked: backing off for %s",
                          scope_name(s), format_duration(c, sizeof(c), cooldown));
}

/* Whether this process may read trusted.* attributes: CAP_SYS_ADMIN in its effective set. */
static bool can_read_trusted_xattrs(void)
{
        _cleanup_(fclosep) FILE *f = fopen("/proc/self/status", "re");
        unsigned long long eff = 0;
        char line[256];

        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "CapEff: %llx", &eff) == 1)
                        break;
        return eff & (1ULL << 21);   /* CAP_SYS_ADMIN */
}

/* What the start-up line and a later probe say of memory.reclaim's swappiness= argument. */
static const char *swappiness_said(const struct engine_caps *caps, bool dry_run)
{
        if (caps->reclaim_swappiness_known)
                return caps->reclaim_swappiness ? "supported" :
                       "not supported (anonymous memory may go to swap at every priority)";
        if (dry_run)
                return "not probed in a dry run (its steps are said as if it were not supported)";
        return "not probed yet: no managed cgroup could be asked (asked on the next to appear; until "
               "then, as if not supported)";
}

static void on_probed(void *userdata, const struct engine_caps *caps, const char *path)
{
        log_info("memory.reclaim swappiness= argument %s (asked on %s, the first managed cgroup to appear)",
                 swappiness_said(caps, false), path);
}

/*
 * The managed cgroups that do not exist at start: exact paths, as globs
 * match only what exists. Not an error (a service not started yet), but a
 * mistyped path would otherwise go unseen. Returns how many.
 */
size_t report_absent(const struct daemon *d)
{
        enum { SAID_MAX = 8 };   /* a configuration of a thousand absent paths is not a thousand lines */
        size_t n = 0;

        for (size_t i = 0; i < d->engine.n_cgroups; i++) {
                const struct cgroup *cg = &d->engine.cgroups[i];

                if (cg->be)
                        continue;
                if (n++ >= SAID_MAX)
                        continue;
                if (is_gone(cg->open_err))
                        log_notice("Cgroup %s of [cgroup %s] (%s:%u) does not exist; managed once it appears",
                                   cg->path, cg->conf ? cg->conf->path : "?",
                                   cg->conf && cg->conf->file ? cg->conf->file : "?", cg->conf ? cg->conf->line : 0);
                else
                        log_notice("Cgroup %s of [cgroup %s] (%s:%u) cannot be opened: %s; managed once it can be",
                                   cg->path, cg->conf ? cg->conf->path : "?",
                                   cg->conf && cg->conf->file ? cg->conf->file : "?", cg->conf ? cg->conf->line : 0,
                                   strerror(-cg->open_err));
        }
        if (n > SAID_MAX)
                log_notice("%zu more managed cgroups are not there", n - SAID_MAX);
        return n;
}

void report_own(const struct daemon *d)
{
        if (d->engine.own_glob && d->engine.own_path)
                log_notice("reclaimd's own cgroup %s matches [cgroup %s]; a glob never manages it: its memory is "
                           "locked, so a hold or a clamp there would throttle reclaimd itself",
                           d->engine.own_path, d->engine.own_glob);
}

/* Descriptors a managed cgroup may keep open: each cgroupfs file the backend keeps (lib/backend-cgroupfs.c). */
#define NOFILE_PER_CGROUP 8
#define NOFILE_OWN 64   /* the loop, the bus, the journal, the state file, the metrics file, and margin */

void report_nofile(struct daemon *d)
{
        /* One per file used (up to eight), two per armed trigger, and the daemon's own. */
        uint64_t need = (uint64_t)d->engine.n_cgroups * (NOFILE_PER_CGROUP + 2) + NOFILE_OWN;
        struct rlimit rl;
        bool short_now;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return;
        short_now = rl.rlim_cur != RLIM_INFINITY && need > rl.rlim_cur;
        if (short_now && !d->nofile_short)
                log_warning("%zu managed cgroups may keep up to %" PRIu64 " file descriptors open, past "
                            "RLIMIT_NOFILE (%llu): a file that cannot be opened reads as unreadable (a cgroup "
                            "left unmanaged, a floor held), and the control interface and the metrics file may "
                            "fail; raise LimitNOFILE= (the unit sets 524288)", d->engine.n_cgroups, need,
                            (unsigned long long)rl.rlim_cur);
        d->nofile_short = short_now;
}

void report_capabilities(const struct daemon *d, const char *release)
{
        bool xattrs = false;

        log_info("Kernel %s: memory.reclaim swappiness= argument %s; memory.high O_NONBLOCK %s; "
                 "multi-gen LRU %s",
                 release, swappiness_said(&d->engine.caps, d->dry_run),
                 d->engine.caps.high_nonblock ? "honoured" :
                 "not honoured (a lowered memory.high reclaims in the writer: on the reclaim thread)",
                 !d->engine.caps.mglru ? "off (memory.low holds)" :
                 d->engine.caps.low_defers ? "on (memory.low only defers its reclaim)" :
                                             "on, before 6.3 (memory.low holds)");
        for (size_t i = 0; i < d->engine.n_cgroups; i++)
                xattrs |= d->engine.cgroups[i].xattr_mode != XATTR_NO;
        /* xattr_permission() (fs/xattr.c): without it a trusted.* attribute reads as absent. */
        if (xattrs && !can_read_trusted_xattrs())
                log_notice("Without CAP_SYS_ADMIN " XATTR_TRUSTED " reads as absent: only " XATTR_USER
                           " of cgroups root owns is honoured (add CAP_SYS_ADMIN to the unit's "
                           "CapabilityBoundingSet= for the other)");
}

void report_observer(struct daemon *d, struct engine_observer *ret)
{
        *ret = (struct engine_observer){
                .step = on_step,
                .cgroup_gone = on_cgroup_gone,
                .probed = on_probed,
                .cgroup_error = on_cgroup_error,
                .round_start = on_round_start,
                .state_error = on_state_error,
                .protected = on_protected,
                .floors_yield = on_floors_yield,
                .machine_yield = on_machine_yield,
                .machine_hold = on_machine_hold,
                .released = on_released,
                .contest_settled = on_contest_settled,
                .restored = on_restored,
                .xattr = on_xattr,
                .userdata = d,
        };
}
