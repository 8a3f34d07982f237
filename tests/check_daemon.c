/*
 * Unit tests: the daemon's loop against the simulated kernel: slow writes off
 * the loop, coalescing, triggers refused and lost, the watchdog, and
 * memory.high put back on stop and after a crash.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "adjust.h"
#include "backend-sim.h"
#include "bus.h"
#include "check-capture.h"
#include "check-files.h"
#include "check-main.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "failalloc.h"
#include "hierarchy.h"
#include "log.h"
#include "logfmt-reader.h"
#include "reload.h"
#include "report.h"
#include "state.h"
#include "units.h"
#include "xattr.h"

#define MiB (1ULL << 20)

struct fixture {
        struct daemon d;
        struct backend *be;
        char state[64];
        int started_fd;            /* eventfd: a slow write began */
        ev_io started;
        void (*on_started)(struct fixture *f);
        unsigned writes_started;
        uint64_t batch_at_margin;   /* where the balancer's trim left batch */
        uint64_t web_low_at_margin; /* web's memory.low while batch was there */
        unsigned rounds_wanted;     /* one_round(): scope 0's rounds once the round is done */
};

static void on_write_started(struct ev_loop *loop, ev_io *w, int revents)
{
        struct fixture *f = container_of(w, struct fixture, started);
        uint64_t n;

        if (read(f->started_fd, &n, sizeof(n)) == sizeof(n))
                f->writes_started += (unsigned)n;
        if (f->on_started)
                f->on_started(f);
}

static void setup(struct fixture *f, uint64_t write_delay_usec)
{
        memset(f, 0, sizeof(*f));
        failalloc_arm(-1, false);
        log_set_max_level(LOG_WARNING);
        /* No system bus, whatever the host has: the control interface stays off. */
        setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/reclaimd-test-bus", 1);
        state_path(f->state, sizeof(f->state));
        ck_assert_int_eq(backend_sim_new(&f->be), 0);
        f->started_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        ck_assert_int_ge(f->started_fd, 0);
        sim_set_write_delay(f->be, write_delay_usec, f->started_fd);
}

/* Starts the daemon on conf, as --dry-run does when dry_run. */
static void start_as(struct fixture *f, const char *conf, bool dry_run)
{
        struct config_errors errs = {};
        struct config *cfg = NULL;

        ck_assert_int_eq(config_load_string(conf, "daemon.conf", &cfg, &errs), 0);
        ck_assert_int_eq(daemon_init(&f->d, cfg, f->be, &(struct daemon_options){
                .config_file = "daemon.conf", .state_file = f->state, .dry_run = dry_run }), 0);
        ev_io_init(&f->started, on_write_started, f->started_fd, EV_READ);
        ev_io_start(f->d.loop, &f->started);
}

static void start(struct fixture *f, const char *conf)
{
        start_as(f, conf, false);
}

/* Starts the daemon on conf, also written to path (a mkstemp() template) for reloads to read. */
static void start_from_file(struct fixture *f, char *path, const char *conf)
{
        ck_assert_int_ge(close(mkstemp(path)), 0);
        write_file(path, conf);
        start(f, conf);
        f->d.opt.config_file = path;
}

static void finish(struct fixture *f)
{
        ev_io_stop(f->d.loop, &f->started);
        daemon_done(&f->d);   /* frees the backend too */
        close(f->started_fd);
        state_unlock_file(f->state);
        /* Nothing changed any more: no state file left behind (what it holds, if one is). */
        if (access(f->state, F_OK) == 0) {
                char buf[512] = "";
                FILE *sf = fopen(f->state, "r");

                if (sf && fread(buf, 1, sizeof(buf) - 1, sf) == 0)
                        snprintf(buf, sizeof(buf), "(empty)");
                if (sf)
                        fclose(sf);
                ck_abort_msg("state file left behind: %s", buf);
        }
}

/* Starts the daemon on conf with its info-level log captured (capture_end() returns it). */
static void start_logged(struct fixture *f, struct capture *cap, const char *conf)
{
        log_set_max_level(LOG_INFO);
        capture_start(cap);
        start(f, conf);
}

/* The first line of log with action=kind, read back field by field into *ret. */
static bool find_logged(const char *log, const char *kind, struct logfmt_line *ret)
{
        for (const char *p = log, *end; *p; p = *end ? end + 1 : end) {
                const struct logfmt_field *action;
                const char *why;
                size_t at;

                end = strchr(p, '\n') ?: p + strlen(p);
                ck_assert_msg(logfmt_parse(p, (size_t)(end - p), ret, &why, &at) == 0,
                              "not logfmt (%s at %zu): %.*s", why, at, (int)(end - p), p);
                action = logfmt_find(ret, "action");
                if (action && strcmp(action->value, kind) == 0)
                        return true;
                logfmt_line_clear(ret);
        }
        return false;
}

static void expect_field(const struct logfmt_line *l, const char *key, const char *value)
{
        const struct logfmt_field *f = logfmt_find(l, key);

        ck_assert_msg(f, "no %s= field", key);
        ck_assert_str_eq(f->value, value);
}

/* A size as the state file writes it ("325M", "max"), up to the next space. */
static uint64_t parse_size_or_die(const char *text)
{
        char word[64];
        uint64_t v;

        snprintf(word, sizeof(word), "%.*s", (int)strcspn(text, " "), text);
        ck_assert_int_eq(parse_size(word, &v), 0);
        return v;
}

/*
 * Starts the daemon on conf with "batch" (512M) whose writes take an hour,
 * triggers scope, and runs the loop; on_started acts once a write blocks.
 */
static void run_blocked(struct fixture *f, const char *conf, void (*on_started)(struct fixture *f),
                        size_t scope)
{
        setup(f, 3600ULL * 1000000);
        ck_assert_int_eq(sim_add_cgroup(f->be, "batch", 0, 512 * MiB), 0);
        start(f, conf);
        f->on_started = on_started;
        daemon_trigger(&f->d, &f->d.scopes[scope]);
        ev_run(f->d.loop, 0);
}

static void raise_sigterm(struct fixture *f)
{
        raise(SIGTERM);
}

/*
 * A write to memory.reclaim can take seconds; it runs on the worker thread,
 * so SIGTERM is served at once and the write is interrupted, not waited for.
 * The write here would take an hour: the test ends only because it was cut.
 */
START_TEST(sigterm_served_while_a_write_blocks)
{
        static const char conf[] = "[cgroup batch]\nsoft_limit = 64M\n";
        struct fixture f;

        run_blocked(&f, conf, raise_sigterm, 0);
        ck_assert_uint_eq(f.writes_started, 1);
        sim_set_persistent(f.be);
        finish(&f);
        ck_assert_uint_eq(sim_interrupted_writes(f.be), 1);   /* cut short, not waited for */
        sim_destroy(f.be);
}
END_TEST

static void trigger_again(struct fixture *f)
{
        if (f->writes_started != 1)
                return;
        /* throttle_direct_reclaim(): a trigger for an overlapping scope joins the running round. */
        daemon_trigger(&f->d, &f->d.scopes[0]);
        daemon_trigger(&f->d, &f->d.scopes[1]);
        raise(SIGTERM);
}

START_TEST(overlapping_triggers_coalesce)
{
        static const char conf[] = "[cgroup batch]\nsoft_limit = 64M\ntrigger = some 150ms 1s\n";
        struct fixture f;

        run_blocked(&f, conf, trigger_again, 0);
        ck_assert_uint_eq(f.d.n_scopes, 2);
        ck_assert_uint_eq(f.d.scopes[0].rounds, 1);
        ck_assert_uint_eq(f.d.scopes[0].coalesced, 1);
        ck_assert_uint_eq(f.d.scopes[1].rounds, 0);
        ck_assert_uint_eq(f.d.scopes[1].coalesced, 1);
        ck_assert_uint_eq(f.writes_started, 1);
        finish(&f);
}
END_TEST

static void trigger_system(struct fixture *f)
{
        if (f->writes_started != 1)
                return;
        daemon_trigger(&f->d, &f->d.scopes[0]);
        raise(SIGTERM);
}

/* A round for one cgroup cannot reclaim the rest of the machine: a system trigger during it
 * is not coalesced into it but waits its turn (seen in the scoped VM scenario). */
START_TEST(system_trigger_waits_for_a_cgroup_round)
{
        static const char conf[] = "[cgroup batch]\nsoft_limit = 64M\ntrigger = some 150ms 1s\n";
        struct fixture f;

        run_blocked(&f, conf, trigger_system, 1);
        ck_assert_uint_eq(f.d.scopes[1].rounds, 1);
        ck_assert_uint_eq(f.d.scopes[0].rounds, 0);
        ck_assert_uint_eq(f.d.scopes[0].coalesced, 0);
        ck_assert(f.d.scopes[0].pending);
        finish(&f);
}
END_TEST

/* Disjoint scopes do not coalesce: the second waits its turn and then runs. */
static void on_idle_check(struct ev_loop *loop, ev_prepare *w, int revents)
{
        struct daemon *d = w->data;

        if (d->scopes[2].rounds == 1 && !d->running)
                ev_break(loop, EVBREAK_ALL);
}

/* Once a's round writes (a step is written in batches: several may have begun), trigger b. */
static void trigger_b(struct fixture *f)
{
        if (f->writes_started >= 1 && f->d.scopes[2].rounds == 0 && !f->d.scopes[2].pending)
                daemon_trigger(&f->d, &f->d.scopes[2]);
}

START_TEST(disjoint_triggers_queue)
{
        static const char conf[] = "[reclaim]\nround_target = 4M\nmin_chunk = 4M\n"
                                   "[cgroup a]\nsoft_limit = 1M\ntrigger = some 150ms 1s\n"
                                   "[cgroup b]\nsoft_limit = 1M\ntrigger = some 150ms 1s\n";
        struct fixture f;
        ev_prepare check;

        setup(&f, 1000);
        ck_assert_int_eq(sim_add_cgroup(f.be, "a", 0, 64 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "b", 0, 64 * MiB), 0);
        start(&f, conf);
        f.on_started = trigger_b;
        ev_prepare_init(&check, on_idle_check);
        check.data = &f.d;
        ev_prepare_start(f.d.loop, &check);
        daemon_trigger(&f.d, &f.d.scopes[1]);
        ev_run(f.d.loop, 0);
        ev_prepare_stop(f.d.loop, &check);
        ck_assert_uint_eq(f.d.scopes[1].rounds, 1);
        ck_assert_uint_eq(f.d.scopes[2].rounds, 1);
        ck_assert_uint_eq(f.d.scopes[2].coalesced, 0);
        /* Each round only in its subtree: a quarter of its own excess (63M), no more. */
        ck_assert_uint_eq(sim_reclaimed(f.be, "a"), 63 * MiB / 4);
        ck_assert_uint_eq(sim_reclaimed(f.be, "b"), 63 * MiB / 4);
        finish(&f);
}
END_TEST

static void on_next_round_done(struct ev_loop *loop, ev_prepare *w, int revents)
{
        struct fixture *f = w->data;

        if (f->d.scopes[0].rounds == f->rounds_wanted && !f->d.running)
                ev_break(loop, EVBREAK_ALL);
}

/* One more round for scope 0 (the system's), run to its end. */
static void one_round(struct fixture *f)
{
        ev_prepare check;

        f->rounds_wanted = f->d.scopes[0].rounds + 1;
        ev_prepare_init(&check, on_next_round_done);
        check.data = f;
        ev_prepare_start(f->d.loop, &check);
        daemon_trigger(&f->d, &f->d.scopes[0]);
        ev_run(f->d.loop, 0);
        ev_prepare_stop(f->d.loop, &check);
}

/* Starts the daemon on conf with "hot" (400M, soft limit 100M) clamped by one round. */
static void start_clamped_at(struct fixture *f, const char *conf, uint64_t usage)
{
        ck_assert_int_eq(sim_add_cgroup(f->be, "hot", usage, 0), 0);
        /* memory.reclaim gets nothing out of it: only memory.high will. */
        ck_assert_int_eq(sim_fail_writes(f->be, "hot", CG_MEMORY_RECLAIM, -EAGAIN, 1000), 0);
        start(f, conf);
        one_round(f);
        ck_assert_int_eq(f->d.clamped, 1);
        ck_assert_uint_lt(sim_high(f->be, "hot"), 400 * MiB);
        ck_assert_uint_ge(sim_high(f->be, "hot"), 100 * MiB);   /* never below the soft limit */
}

static void start_clamped(struct fixture *f, const char *conf)
{
        start_clamped_at(f, conf, 400 * MiB);
}

/* The clamp line says what the kernel holds: memory.high in whole pages, as the state file records it. */
START_TEST(clamp_said_in_whole_pages)
{
        static const char conf[] = "[reclaim]\nround_target = 512M\n[cgroup hot]\nsoft_limit = 100M\n";
        struct logfmt_line line;
        struct capture cap;
        struct fixture f;
        char high[32], *log;

        setup(&f, 0);
        log_set_max_level(LOG_INFO);
        capture_start(&cap);
        start_clamped_at(&f, conf, 400 * MiB + 1000);
        log = capture_end(&cap);
        ck_assert(find_logged(log, "clamp", &line));
        snprintf(high, sizeof(high), "%" PRIu64, sim_high(f.be, "hot"));
        expect_field(&line, "high", high);
        logfmt_line_clear(&line);
        free(log);
        finish(&f);
}
END_TEST

/* Stopping restores every memory.high reclaimd lowered: nothing stays throttled. */
START_TEST(stop_restores_memory_high)
{
        static const char conf[] = "[reclaim]\nround_target = 512M\n[cgroup hot]\nsoft_limit = 100M\n";
        struct fixture f;
        FILE *sf;
        char line[256];

        setup(&f, 0);
        start_clamped(&f, conf);
        /* The original was recorded before the change. */
        sf = fopen(f.state, "r");
        ck_assert_ptr_nonnull(sf);
        ck_assert_ptr_nonnull(fgets(line, sizeof(line), sf));
        ck_assert_ptr_nonnull(fgets(line, sizeof(line), sf));
        /* ... with the cgroup's id before it: hot is the first the simulated kernel made, 1. */
        ck_assert_ptr_nonnull(fgets(line, sizeof(line), sf));
        ck_assert_str_eq(line, "#cgroup-id 1\n");
        ck_assert_ptr_nonnull(fgets(line, sizeof(line), sf));
        ck_assert_msg(strncmp(line, "memory.high max ", 16) == 0 && strstr(line, " max hot\n"),
                      "state line: %s", line);
        /* What is recorded is what the kernel holds: memory.high is kept in pages. */
        ck_assert_uint_eq(parse_size_or_die(line + 16), sim_high(f.be, "hot"));
        fclose(sf);

        sim_set_persistent(f.be);
        finish(&f);
        ck_assert_uint_eq(sim_high(f.be, "hot"), UINT64_MAX);
        sim_destroy(f.be);
}
END_TEST

/* SIGHUP: a bad file keeps the old configuration running; a good one is swapped in, and the
 * memory.high of a cgroup no longer managed goes back. */
START_TEST(reload_keeps_old_on_error_and_restores_dropped)
{
        static const char conf[] = "[reclaim]\nround_target = 512M\n[cgroup hot]\nsoft_limit = 100M\n";
        char path[] = "/tmp/reclaimd-test-conf.XXXXXX", *answer = NULL, *log;
        struct logfmt_line err;
        const char *error = NULL;
        struct config *before;
        struct capture cap;
        struct fixture f;

        ck_assert_int_ge(close(mkstemp(path)), 0);
        write_file(path, conf);
        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "other", 10 * MiB, 0), 0);
        start_clamped(&f, conf);
        f.d.opt.config_file = path;

        /* A broken file: refused, the running configuration and the clamp stay. */
        write_file(path, "[cgroup other]\nsoft_limit = 12Q\n");
        before = f.d.cfg;
        capture_start(&cap);
        ck_assert_int_eq(daemon_reload(&f.d), -EINVAL);
        log = capture_end(&cap);
        /* Each error says where as fields too, for journalctl CONFIG_KEY=soft_limit. */
        ck_assert(find_logged(log, "config_error", &err));
        expect_field(&err, "path", path);
        expect_field(&err, "line", "2");
        expect_field(&err, "section", "cgroup other");
        expect_field(&err, "key", "soft_limit");
        logfmt_line_clear(&err);
        free(log);
        ck_assert_ptr_eq(f.d.cfg, before);
        ck_assert_ptr_nonnull(engine_find(&f.d.engine, "hot"));
        ck_assert_uint_lt(sim_high(f.be, "hot"), 400 * MiB);
        /* reclaimctl reload says which errors: in the file, or no file to read. */
        ck_assert_int_eq(bus_answer_reload(&f.d, &answer, &error), -EINVAL);
        ck_assert_str_eq(error, CTL_ERROR_RELOAD_FAILED);
        ck_assert_ptr_nonnull(strstr(answer, "The configuration has errors"));
        ck_assert_msg(strstr(answer, ":2: [cgroup other] key 'soft_limit': "), "%s", answer);   /* which, where */
        free(answer);
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(bus_answer_reload(&f.d, &answer, &error), -ENOENT);
        ck_assert_msg(strstr(answer, ": cannot read: No such file or directory"), "%s", answer);
        free(answer);
        ck_assert_ptr_eq(f.d.cfg, before);
        /* A path that became a directory is no empty configuration that drops every cgroup. */
        ck_assert_int_eq(mkdir(path, 0755), 0);
        ck_assert_int_eq(daemon_reload(&f.d), -EISDIR);
        ck_assert_ptr_eq(f.d.cfg, before);
        ck_assert_ptr_nonnull(engine_find(&f.d.engine, "hot"));
        ck_assert_int_eq(rmdir(path), 0);
        /* A pipe (--config <(...), a FIFO) was read at start: read again it would be empty, or its
         * open would block the loop until a writer came. */
        ck_assert_int_eq(mkfifo(path, 0600), 0);
        ck_assert_int_eq(daemon_reload(&f.d), -ESPIPE);
        ck_assert_int_eq(bus_answer_reload(&f.d, &answer, &error), -ESPIPE);
        ck_assert_msg(strstr(answer, "a pipe, read once at start"), "%s", answer);
        free(answer);
        ck_assert_ptr_eq(f.d.cfg, before);
        ck_assert_int_eq(unlink(path), 0);

        /* A good one that no longer manages "hot": swapped in, its memory.high restored. */
        write_file(path, "[cgroup other]\nsoft_limit = 1M\ntrigger = some 150ms 1s\n");
        ck_assert_int_eq(daemon_reload(&f.d), 0);
        ck_assert_ptr_null(engine_find(&f.d.engine, "hot"));
        ck_assert_ptr_nonnull(engine_find(&f.d.engine, "other"));
        ck_assert_uint_eq(f.d.n_scopes, 2);
        ck_assert_uint_eq(sim_high(f.be, "hot"), UINT64_MAX);
        ck_assert_int_eq(access(f.state, F_OK), -1);
        unlink(path);
        finish(&f);
}
END_TEST

/*
 * A reload mid-incident that raises a clamped cgroup's soft limit above its
 * clamp raises the clamp to it at once, and one that says clamp_high = no
 * puts it back: the tick would raise it only once the pressure is gone.
 * Neither moves the tick, which a reload per pod would otherwise hold off.
 */
START_TEST(reload_fits_the_clamps)
{
        static const char conf[] = "[reclaim]\nround_target = 512M\nrelease_interval = 10s\n"
                                   "[cgroup hot]\nsoft_limit = 100M\n";
        char path[] = "/tmp/reclaimd-test-conf.XXXXXX", *state;
        uint64_t clamp;
        struct fixture f;

        ck_assert_int_ge(close(mkstemp(path)), 0);
        setup(&f, 0);
        start_clamped(&f, conf);
        f.d.opt.config_file = path;
        clamp = sim_high(f.be, "hot");
        ev_timer_stop(f.d.loop, &f.d.tick);
        ev_timer_set(&f.d.tick, 3., 10.);
        ev_timer_start(f.d.loop, &f.d.tick);

        /* Raised, but still under the clamp: the clamp stays. */
        write_file(path, "[reclaim]\nround_target = 512M\nrelease_interval = 10s\n"
                         "[cgroup hot]\nsoft_limit = 101M\n");
        ck_assert_int_eq(daemon_reload(&f.d), 0);
        ck_assert_uint_eq(sim_high(f.be, "hot"), clamp);
        /* Raised past it: the clamp goes up to the new soft limit, still held. */
        write_file(path, "[reclaim]\nround_target = 512M\nrelease_interval = 10s\n"
                         "[cgroup hot]\nsoft_limit = 390M\n");
        ck_assert_int_eq(daemon_reload(&f.d), 0);
        ck_assert_uint_eq(sim_high(f.be, "hot"), 390 * MiB);
        ck_assert_int_eq(f.d.clamped, 1);
        ck_assert(ev_timer_remaining(f.d.loop, &f.d.tick) <= 3.);   /* not pushed back */
        /* clamp_high = no: put back. */
        write_file(path, "[reclaim]\nround_target = 512M\nrelease_interval = 10s\nclamp_high = no\n"
                         "[cgroup hot]\nsoft_limit = 390M\n");
        ck_assert_int_eq(daemon_reload(&f.d), 0);
        ck_assert_uint_eq(sim_high(f.be, "hot"), UINT64_MAX);
        ck_assert_int_eq(f.d.clamped, 0);
        state = read_text(f.state);   /* the floors may stay on record: hot is still over */
        ck_assert(!state || !strstr(state, "memory.high"));
        free(state);
        unlink(path);
        finish(&f);
}
END_TEST

/* The value of path's memory.high record in a state file, read as a start reads it; 0 without one. */
static uint64_t state_high_of(const char *file, const char *path)
{
        struct state st;
        uint64_t value = 0;

        if (state_load(file, &st) < 0)
                return 0;
        for (size_t i = 0; i < st.n; i++)
                if (st.v[i].file == CG_MEMORY_HIGH && strcmp(st.v[i].path, path) == 0)
                        value = st.v[i].value;
        state_clear(&st);
        return value;
}

/*
 * One reload of the sweep below, with reallocarray() failing from its
 * (k+1)th call on (once: at that call only). Returns how many calls failed;
 * counts in *failed_reloads the reloads that failed.
 */
static unsigned long reload_failing_at(long k, bool once, unsigned *failed_reloads)
{
        static const char conf[] = "[reclaim]\nround_target = 512M\n[cgroup hot]\nsoft_limit = 100M\n";
        char path[] = "/tmp/reclaimd-test-conf.XXXXXX";
        unsigned long failed;
        struct config *before;
        struct fixture f;
        uint64_t clamp;
        int r;

        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "other", 10 * MiB, 0), 0);
        start_clamped(&f, conf);
        log_set_max_level(LOG_CRIT);   /* the sweep's warnings are expected, not news */
        ck_assert_int_ge(close(mkstemp(path)), 0);
        write_file(path, "[cgroup other]\nsoft_limit = 1M\n");
        f.d.opt.config_file = path;
        clamp = sim_high(f.be, "hot");
        ck_assert_int_eq(sim_fail_writes(f.be, "hot", CG_MEMORY_HIGH, -EIO, 1), 0);
        before = f.d.cfg;

        failalloc_arm(k, once);
        r = daemon_reload(&f.d);
        failed = reallocarray_failed;
        failalloc_arm(-1, false);

        ck_assert_msg(r == 0 || failed > 0, "k=%ld: the reload failed with nothing failing: %d", k, r);
        if (r < 0) {
                ck_assert_ptr_eq(f.d.cfg, before);
                ck_assert_ptr_nonnull(engine_find(&f.d.engine, "hot"));
                ck_assert_int_eq(f.d.clamped, 1);
                ck_assert_int_eq(sim_fail_writes(f.be, "hot", CG_MEMORY_HIGH, 0, 0), 0);
                (*failed_reloads)++;
        } else {
                ck_assert_ptr_null(engine_find(&f.d.engine, "hot"));
                ck_assert_msg(hierarchy_held(&f.d.engine) == 1, "k=%ld: the record of hot is lost", k);
        }
        ck_assert_uint_eq(sim_high(f.be, "hot"), clamp);
        ck_assert_msg(state_high_of(f.state, "hot") == clamp, "k=%ld: the state file lost hot's clamp", k);
        sim_set_persistent(f.be);
        finish(&f);   /* and no state file left */
        ck_assert_uint_eq(sim_high(f.be, "hot"), UINT64_MAX);
        sim_destroy(f.be);
        unlink(path);
        return failed;
}

/*
 * Memory running out during a reload that drops a clamped cgroup whose
 * memory.high cannot be put back: the reload fails whole (the configuration
 * and the clamp stay managed) or it keeps the record (in the engine, among
 * the unmanaged, and in the state file); either way the stop puts the value
 * back. Each reallocarray() of the reload fails in turn, with all after it
 * (the heap exhausted) and then alone (a transient failure), up to the
 * first reload that needed none to fail.
 */
START_TEST(reload_failing_reallocarray_loses_nothing)
{
        for (int once = 0; once <= 1; once++) {
                unsigned failed_reloads = 0;
                long k = 0;

                while (reload_failing_at(k, once, &failed_reloads) > 0)
                        ck_assert_int_lt(++k, 1000);
                ck_assert_uint_gt(failed_reloads, 0);   /* the sweep reached a failure */
        }
}
END_TEST

/* What a start of the sweep below came to. */
struct start_outcomes {
        unsigned failed;     /* the start failed, the state file as it was */
        unsigned rejected;   /* the state file kept aside whole (keep_record() out of memory) */
        unsigned put_back;   /* the value put back by the stop, nothing left on record */
};

/*
 * One start of the sweep below, with reallocarray() failing from its
 * (k+1)th call on (once: at that call only). Returns how many calls failed.
 */
static unsigned long start_failing_at(long k, bool once, struct start_outcomes *out)
{
        static const char conf[] = "[reclaim]\nround_target = 512M\n[cgroup hot]\nsoft_limit = 100M\n";
        struct config_errors errs = {};
        struct config *cfg = NULL;
        char rejected[80];
        bool in_state, in_rejected;
        unsigned long failed;
        struct fixture f;
        int r;

        setup(&f, 0);
        log_set_max_level(LOG_CRIT);   /* the sweep's errors are expected, not news */
        ck_assert_int_eq(sim_add_cgroup(f.be, "a", 0, 10 * MiB), 0);   /* no longer managed */
        ck_assert_int_eq(sim_set_high(f.be, "a", 100 * MiB), 0);   /* as the killed run left it */
        write_file(f.state, "reclaimd-state 3\nmemory.high max 100M max a\n");
        ck_assert_int_eq(sim_fail_writes(f.be, "a", CG_MEMORY_HIGH, -EIO, 1), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "hot", 400 * MiB, 0), 0);
        ck_assert_int_eq(sim_fail_writes(f.be, "hot", CG_MEMORY_RECLAIM, -EAGAIN, 1000), 0);
        ck_assert_int_eq(config_load_string(conf, "daemon.conf", &cfg, &errs), 0);

        failalloc_arm(k, once);
        r = daemon_init(&f.d, cfg, f.be,
                        &(struct daemon_options){ .config_file = "daemon.conf", .state_file = f.state });
        failed = reallocarray_failed;
        failalloc_arm(-1, false);

        ck_assert_msg(r == 0 || failed > 0, "k=%ld: the start failed with nothing failing: %d", k, r);
        if (r == 0) {
                ck_assert_int_eq(engine_refresh(&f.d.engine), 1);
                one_round(&f);   /* a clamp, saved with what the engine keeps */
                ck_assert_int_eq(f.d.clamped, 1);
        }
        sim_set_persistent(f.be);
        (void) daemon_done(&f.d);
        ck_assert_uint_eq(sim_high(f.be, "hot"), UINT64_MAX);   /* the clamp went back */
        snprintf(rejected, sizeof(rejected), "%s.rejected", f.state);
        in_state = state_high_of(f.state, "a") == 100 * MiB;
        in_rejected = state_high_of(rejected, "a") == 100 * MiB;
        if (sim_high(f.be, "a") == UINT64_MAX) {
                ck_assert_msg(access(f.state, F_OK) < 0, "k=%ld: put back, and still on record", k);
                out->put_back++;
        } else {
                ck_assert_msg(in_state || in_rejected, "k=%ld: the value of a is lost", k);
                out->failed += r < 0 && in_state;
                out->rejected += in_rejected;
        }
        unlink(f.state);
        state_unlock_file(f.state);   /* and FILE.rejected */
        close(f.started_fd);
        sim_destroy(f.be);
        return failed;
}

/*
 * Memory running out during a start that finds a value a killed run left
 * and cannot put it back (the write fails once): whether the start goes on
 * or fails, the value is put back by the stop or stays on record, in the
 * state file or in the one kept aside from it for reclaimd --restore, also
 * after a round has clamped and saved. Each reallocarray() of the start
 * fails in turn, with all after it and then alone, up to the first start
 * that needed none to fail.
 */
START_TEST(start_failing_reallocarray_loses_nothing)
{
        for (int once = 0; once <= 1; once++) {
                struct start_outcomes out = {};
                long k = 0;

                while (start_failing_at(k, once, &out) > 0)
                        ck_assert_int_lt(++k, 1000);
                /* The sweep reached each way out: a failed start, the file kept aside, the value put back. */
                ck_assert_uint_gt(out.failed, 0);
                ck_assert_uint_gt(out.rejected, 0);
                ck_assert_uint_gt(out.put_back, 0);
        }
}
END_TEST

/*
 * A soft limit the cgroup declares, raised past its clamp mid-incident: the
 * clamp goes up to it after the next round, though under steady pressure
 * the worker is rarely idle at a tick (here the tick is an hour away).
 */
START_TEST(raised_declared_soft_limit_fits_the_clamp_after_a_round)
{
        static const char conf[] = "[reclaim]\nround_target = 512M\nrelease_interval = 1h\nsoft_limit_xattr = yes\n"
                                   "[cgroup hot]\ntrigger = none\n";
        struct fixture f;

        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "hot", 400 * MiB, 0), 0);
        ck_assert_int_eq(sim_set_xattr(f.be, "hot", XATTR_TRUSTED, "100M", 0), 0);
        ck_assert_int_eq(sim_fail_writes(f.be, "hot", CG_MEMORY_RECLAIM, -EAGAIN, 1000), 0);
        start(&f, conf);
        one_round(&f);
        ck_assert_uint_lt(sim_high(f.be, "hot"), 390 * MiB);
        ck_assert_int_eq(sim_set_xattr(f.be, "hot", XATTR_TRUSTED, "390M", 0), 0);
        f.d.xattrs_at_usec = 0;   /* as if last read a release_interval ago */
        f.d.scopes[0].backoff = (struct backoff){};   /* the first round freed nothing */
        one_round(&f);
        ck_assert_uint_eq(sim_high(f.be, "hot"), 390 * MiB);
        ck_assert_int_eq(f.d.clamped, 1);
        finish(&f);
}
END_TEST

static void reload_then_stop(struct ev_loop *loop, ev_timer *t, int revents)
{
        struct fixture *f = t->data;

        (void)revents;
        ck_assert_int_eq(daemon_reload(&f->d), 0);
        ev_break(loop, EVBREAK_ALL);
}

/* The start and reload lines say one cgroup and one trigger in the singular. */
START_TEST(counts_said_in_words)
{
        static const char conf[] = "[cgroup web]\nsoft_limit = 64M\n";
        char path[] = "/tmp/reclaimd-test-conf.XXXXXX", *log;
        struct capture cap;
        struct fixture f;
        ev_timer t;

        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "web", 0, 10 * MiB), 0);
        log_set_max_level(LOG_INFO);
        capture_start(&cap);
        start_from_file(&f, path, conf);
        ev_timer_init(&t, reload_then_stop, 0., 0.);
        t.data = &f;
        ev_timer_start(f.d.loop, &t);
        ck_assert_int_eq(daemon_run(&f.d), 0);
        log = capture_end(&cap);
        ck_assert_uint_eq(count(log, "Started: 1 cgroup managed, 1 trigger\""), 1);
        ck_assert_uint_eq(count(log, ": 1 cgroup managed, 1 trigger\""), 2);   /* and Reloaded */
        free(log);
        unlink(path);
        finish(&f);
}
END_TEST

/* After a crash (SIGKILL) the next start puts memory.high back, but only where it still
 * holds the value reclaimd wrote; malformed lines are never applied. */
START_TEST(start_restores_after_a_crash)
{
        static const char conf[] = "[cgroup a]\nsoft_limit = 1M\n";
        struct fixture f;
        FILE *sf;

        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "a", 0, 10 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "b", 0, 10 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "c", 0, 10 * MiB), 0);
        ck_assert_int_eq(sim_set_high(f.be, "a", 100 * MiB), 0);   /* still as reclaimd left it */
        ck_assert_int_eq(sim_set_high(f.be, "b", 300 * MiB), 0);   /* an operator changed it since */
        ck_assert_int_eq(sim_set_high(f.be, "c", 7 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "d", 0, 10 * MiB), 0);
        ck_assert_int_eq(sim_set_high(f.be, "d", 60 * MiB), 0);   /* killed between recording 40M and writing it */
        /* An older reclaimd recorded the bytes it wrote; the kernel holds them in pages. */
        ck_assert_int_eq(sim_add_cgroup(f.be, "e", 0, 10 * MiB), 0);
        ck_assert_int_eq(sim_set_high(f.be, "e", 71999488), 0);
        sf = fopen(f.state, "w");
        ck_assert_ptr_nonnull(sf);
        fprintf(sf, "reclaimd-state 2\nmax %llu max a\n512M %llu 512M b\n1G garbage 1G c\n"
                "4M 7340032 4M c\n8M 1048576 8M ../escape\nmax 1 a\nmax %llu %llu d\n"
                "max 72000000 max e\n",
                100 * MiB, 200 * MiB, 40 * MiB, 60 * MiB);
        fclose(sf);
        start(&f, conf);
        ck_assert_uint_eq(sim_high(f.be, "a"), UINT64_MAX);
        ck_assert_uint_eq(sim_high(f.be, "b"), 300 * MiB);
        ck_assert_uint_eq(sim_high(f.be, "d"), UINT64_MAX);
        ck_assert_uint_eq(sim_high(f.be, "e"), UINT64_MAX);
        /* "4M 7340032": a clamp to 7M above an original of 4M is not a clamp: refused. */
        ck_assert_uint_eq(sim_high(f.be, "c"), 7 * MiB);
        ck_assert_int_eq(access(f.state, F_OK), -1);
        finish(&f);
}
END_TEST

enum damage { MISSING, CONTENT, FIFO, SYMLINK, HUGE, WRITABLE };

#define TEXT(s) (s), sizeof(s) - 1   /* a literal and its length, NULs inside included */

/* Puts the damaged state file of case d in place. */
static void damage_state(const char *file, enum damage d, const char *text, size_t len)
{
        char target[128];
        FILE *f;

        switch (d) {
        case MISSING:
                break;
        case CONTENT:
                f = fopen(file, "w");
                ck_assert_ptr_nonnull(f);
                ck_assert_uint_eq(fwrite(text, 1, len, f), len);
                fclose(f);
                break;
        case FIFO:
                ck_assert_int_eq(mkfifo(file, 0600), 0);
                break;
        case SYMLINK:   /* to a valid file: never followed all the same */
                snprintf(target, sizeof(target), "%s.target", file);
                damage_state(target, CONTENT, text, len);
                ck_assert_int_eq(symlink(target, file), 0);
                break;
        case WRITABLE:   /* a valid file anyone may write: never trusted */
                damage_state(file, CONTENT, text, len);
                ck_assert_int_eq(chmod(file, 0666), 0);
                break;
        case HUGE:
                f = fopen(file, "w");
                ck_assert_ptr_nonnull(f);
                fputs(text, f);
                fclose(f);
                ck_assert_int_eq(truncate(file, (64 << 20) + 1), 0);   /* more than reclaimd ever writes */
                break;
        }
}

/*
 * The state file missing, cut short, corrupt, or not a file at start-up:
 * reclaimd starts, restores what it can, says once what it could not, and
 * never applies garbage to memory.high.
 */
START_TEST(damaged_state_file_at_start)
{
        static const char good[] = "reclaimd-state 2\nmax 104857600 max b\n";
        static const struct {
                enum damage how;
                const char *text;
                size_t len;
                bool b_restored;       /* the one valid line applied */
                const char *said;      /* told once; NULL: nothing to tell */
        } cases[] = {
                { MISSING, NULL, 0, false, NULL },
                { CONTENT, TEXT(""), false, "is not a reclaimd state file" },
                { CONTENT, TEXT("reclaimd-sta"), false, "is not a reclaimd state file (empty, or another "
                  "format): nothing in it is applied; kept as " },
                /* "ab" cut to "a": cgroup a looks clamped too, but the line is not whole. */
                { CONTENT, TEXT("reclaimd-state 2\nmax 104857600 max b\nmax 104857600 max a"), true,
                  ":3: 1 malformed line(s) in the state file (the last one cut short), not applied; kept as " },
                { CONTENT, TEXT("reclaimd-state 2\nmax 104857600 max b\n\0\0\0\n"), false,
                  "Cannot read the state file" },
                { CONTENT, TEXT("\xff\xfe\x01garbage\nmax 104857600 max b\n"), false,
                  "is not a reclaimd state file" },
                { FIFO, NULL, 0, false, "Cannot read the state file" },
                { SYMLINK, TEXT(good), false, "Cannot read the state file" },
                { HUGE, good, 0, false, "Cannot read the state file" },
                { WRITABLE, TEXT(good), false, "others may write it (mode 0666); whoever writes it chooses "
                  "what reclaimd writes to any cgroup: nothing in it is applied; kept as " },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct capture cap;
                struct fixture f;
                char target[128], *log;

                setup(&f, 0);
                for (const char *const *cg = (const char *const[]){ "a", "ab", "b", NULL }; *cg; cg++) {
                        ck_assert_int_eq(sim_add_cgroup(f.be, *cg, 0, 10 * MiB), 0);
                        ck_assert_int_eq(sim_set_high(f.be, *cg, 100 * MiB), 0);
                }
                damage_state(f.state, cases[i].how, cases[i].text, cases[i].len);
                log_set_max_level(LOG_INFO);
                capture_start(&cap);
                start(&f, "[cgroup a]\nsoft_limit = 1M\n");
                sim_set_persistent(f.be);
                ev_io_stop(f.d.loop, &f.started);
                daemon_done(&f.d);
                log = capture_end(&cap);
                ck_assert_msg(sim_high(f.be, "b") == (cases[i].b_restored ? UINT64_MAX : 100 * MiB),
                              "case %zu: memory.high of b %llu", i, (unsigned long long)sim_high(f.be, "b"));
                ck_assert_uint_eq(sim_high(f.be, "a"), 100 * MiB);
                ck_assert_uint_eq(sim_high(f.be, "ab"), 100 * MiB);
                if (cases[i].said)
                        ck_assert_msg(count(log, cases[i].said) == 1 && count(log, f.state) >= 1,
                                      "case %zu: \"%s\" not said once, with the file's name", i, cases[i].said);
                else
                        ck_assert_msg(count(log, "state file") == 0, "case %zu: something said", i);
                /* Not a file: nothing was read from it, none is kept (state_reject()). */
                ck_assert_msg((cases[i].how != FIFO && cases[i].how != SYMLINK) || count(log, ".rejected") == 0,
                              "case %zu: a file that is not one said to be kept", i);
                free(log);
                sim_destroy(f.be);
                close(f.started_fd);
                unlink(f.state);
                state_unlock_file(f.state);
                snprintf(target, sizeof(target), "%s.target", f.state);
                unlink(target);
        }
}
END_TEST

/* Stops the loop once the clamp is gone, by the daemon's own release at its tick. */
static bool hot_released(struct fixture *f)
{
        return sim_high(f->be, "hot") == UINT64_MAX && f->d.clamped == 0;
}

static void on_released_check(struct ev_loop *loop, ev_timer *t, int revents)
{
        if (hot_released(t->data))
                ev_break(loop, EVBREAK_ALL);
}

static void on_deadline(struct ev_loop *loop, ev_timer *t, int revents)
{
        ev_break(loop, EVBREAK_ALL);
}

/*
 * Memory pressure that cannot be read at the tick (the system's file, or the
 * clamped cgroup's own): whether the pressure is gone cannot be told, and a
 * lowered memory.high must not outlive what justified it: released all the
 * same (fail open), and said once. And (who 2) as usual, the pressure read
 * and gone: released, and STATUS= no longer says the clamping round's level.
 */
START_TEST(clamp_released_when_pressure_is_unreadable)
{
        static const char conf[] = "[reclaim]\nround_target = 512M\nrelease_interval = 100ms\n"
                                   "[cgroup hot]\nsoft_limit = 100M\n";

        for (int who = 0; who < 3; who++) {
                struct capture cap;
                struct fixture f;
                ev_timer poll, deadline;
                char *log;

                setup(&f, 0);
                capture_start(&cap);
                start_clamped(&f, conf);
                ck_assert_int_eq(f.d.level, PRESSURE_CRITICAL);   /* the clamping round's */
                if (who < 2)
                        ck_assert_int_eq(sim_override_read(f.be, who ? "hot" : NULL, CG_MEMORY_PRESSURE,
                                                           "some avg10=garbage\n", 0), 0);
                ev_timer_init(&poll, on_released_check, 0.01, 0.01);
                poll.data = &f;
                ev_timer_start(f.d.loop, &poll);
                /* Released in a few ticks of 0.1 s (release_interval 100ms); 5 s is far past that. */
                ev_timer_init(&deadline, on_deadline, 5., 0.);
                ev_timer_start(f.d.loop, &deadline);
                ev_timer_set(&f.d.tick, 0.1, 0.1);
                ev_timer_again(f.d.loop, &f.d.tick);
                ev_run(f.d.loop, 0);   /* until released, or the deadline */
                ev_timer_stop(f.d.loop, &poll);
                ev_timer_stop(f.d.loop, &deadline);
                log = capture_end(&cap);
                ck_assert_msg(hot_released(&f), "%s: memory.high of hot still %" PRIu64 " after 5 s, %d clamp(s) held",
                              who == 2 ? "pressure gone" : who ? "hot's pressure unreadable" :
                                                             "the system's pressure unreadable",
                              sim_high(f.be, "hot"), f.d.clamped);
                ck_assert_uint_eq(count(log, "Cannot read memory pressure"), who < 2);
                /* STATUS= says the pressure is gone once it is read as gone, not while it cannot be read. */
                ck_assert_int_eq(f.d.level, (who == 2 ? PRESSURE_LOW : PRESSURE_CRITICAL));
                free(log);
                finish(&f);
        }
}
END_TEST

/* Polls the test's expectations from the loop: each step waits on a condition, then acts. */
struct steps {
        ev_timer timer;
        struct fixture *f;
        int step;
};

static struct scope *scope_of(struct daemon *d, const char *path)
{
        for (size_t i = 0; i < d->n_scopes; i++)
                if (d->scopes[i].path && strcmp(d->scopes[i].path, path) == 0)
                        return &d->scopes[i];
        ck_abort_msg("no scope for %s", path);
        return NULL;
}

static const char *armed_text(struct backend *be, const char *path)
{
        const char *text = NULL;

        return sim_armed_triggers(be, path, &text) == 1 ? text : NULL;
}

static void on_trigger_step(struct ev_loop *loop, ev_timer *t, int revents)
{
        struct steps *st = container_of(t, struct steps, timer);
        struct fixture *f = st->f;
        struct scope *batch = scope_of(&f->d, "batch");
        struct cgroup *cg = engine_find(&f->d.engine, "batch");

        switch (st->step) {
        case 0:   /* web's trigger was refused three times (start and two ticks), then armed */
                if (!armed_text(f->be, "web"))
                        return;
                ck_assert_str_eq(armed_text(f->be, "web"), "some 100000 2000000");
                /* Unprivileged windows are rounded up to 2s. */
                ck_assert_str_eq(armed_text(f->be, NULL), "some 150000 2000000");
                ck_assert_str_eq(armed_text(f->be, "batch"), "some 100000 4000000");
                /* Nothing in idle can stall: armed only once a task is in it. */
                ck_assert_ptr_null(armed_text(f->be, "idle"));
                ck_assert_int_eq(sim_set_populated(f->be, "idle", true), 0);
                ck_assert_int_eq(sim_remove_cgroup(f->be, "batch"), 0);
                break;
        case 1:   /* its trigger hung up: closed, and the cgroup forgotten */
                if (batch->psi.epoll_fd >= 0 || cg->be)
                        return;
                ck_assert_int_eq(sim_add_cgroup(f->be, "batch", 0, 10 * MiB), 0);
                break;
        case 2:   /* created again: armed again on the new cgroup at a tick; idle armed */
                if (!armed_text(f->be, "batch") || !armed_text(f->be, "idle"))
                        return;
                ck_assert_str_eq(armed_text(f->be, "batch"), "some 100000 4000000");
                ck_assert_ptr_nonnull(cg->be);
                raise(SIGTERM);
                break;
        default:   /* the loop has yet to see the signal */
                return;
        }
        st->step++;
}

/*
 * Triggers the kernel refuses: an unprivileged window (EINVAL, rounded up to
 * 2s and tried again), EPERM (retried at each tick until armed, and said
 * with what 6.1 needs); and a
 * removed cgroup's trigger, which reports a hang-up until closed, re-armed
 * when the cgroup is created again; and an empty cgroup's, armed once a task
 * is in it; and a cgroup removed as its trigger is opened, taken for gone,
 * not for one whose PSI is off. Each is told once.
 */
START_TEST(triggers_refused_and_lost_are_armed_again)
{
        static const char conf[] = "[pressure]\ntrigger = some 150ms 1s\n"
                                   "[reclaim]\nrelease_interval = 100ms\n"
                                   "[cgroup batch]\nsoft_limit = 64M\ntrigger = some 100ms 3s\n"
                                   "[cgroup web]\nsoft_limit = 64M\ntrigger = some 100ms 2s\n"
                                   "[cgroup idle]\nsoft_limit = 64M\ntrigger = some 100ms 2s\n"
                                   "[cgroup nopsi]\nsoft_limit = 64M\ntrigger = some 100ms 2s\n"
                                   "[cgroup racy]\nsoft_limit = 64M\ntrigger = some 100ms 2s\n";
        struct steps st = { .f = NULL };
        struct capture cap;
        struct fixture f;
        char *log;

        setup(&f, 0);
        st.f = &f;
        sim_set_unprivileged(f.be, true);
        ck_assert_int_eq(sim_add_cgroup(f.be, "batch", 0, 10 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "web", 0, 10 * MiB), 0);
        ck_assert_int_eq(sim_fail_triggers(f.be, "web", -EPERM, 3), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "idle", 0, 0), 0);
        ck_assert_int_eq(sim_set_populated(f.be, "idle", false), 0);
        /* There, with no memory.pressure (cgroup.pressure = 0) for a while: said once, armed once it is back. */
        ck_assert_int_eq(sim_add_cgroup(f.be, "nopsi", 0, 10 * MiB), 0);
        ck_assert_int_eq(sim_fail_triggers(f.be, "nopsi", -ENOENT, 3), 0);
        /* Removed as its trigger is opened: gone, not a cgroup without PSI. */
        ck_assert_int_eq(sim_add_cgroup(f.be, "racy", 0, 10 * MiB), 0);
        ck_assert_int_eq(sim_remove_at_trigger(f.be, "racy"), 0);
        start_logged(&f, &cap, conf);
        ev_timer_init(&st.timer, on_trigger_step, 0.01, 0.01);
        ev_timer_start(f.d.loop, &st.timer);
        ck_assert_int_eq(daemon_run(&f.d), 0);
        ev_timer_stop(f.d.loop, &st.timer);
        log = capture_end(&cap);
        ck_assert_int_eq(st.step, 3);
        ck_assert_uint_eq(count(log, "Failed to arm the PSI trigger on web: Operation not permitted (before 6.5 "
                                     "the kernel arms a PSI trigger only for a writer with CAP_SYS_RESOURCE"), 1);
        ck_assert_uint_eq(count(log, "trying the next multiple of 2s"), 2);   /* system, batch */
        ck_assert_uint_eq(count(log, "action=cgroup_gone cgroup=batch "), 1);
        ck_assert_uint_eq(count(log, "action=armed scope=batch "), 2);
        ck_assert_uint_eq(count(log, "action=armed scope=web "), 1);
        ck_assert_uint_eq(count(log, "Failed to arm the PSI trigger on nopsi: No data available (the cgroup has no "
                                     "memory.pressure: its cgroup.pressure is 0"), 1);
        ck_assert_uint_eq(count(log, "action=armed scope=nopsi "), 1);
        ck_assert_uint_eq(count(log, "PSI trigger on racy"), 0);
        ck_assert_uint_eq(count(log, "action=cgroup_gone cgroup=racy "), 1);
        free(log);
        finish(&f);
}
END_TEST

static void reload_in_loop(struct ev_loop *loop, ev_timer *t, int revents)
{
        struct fixture *f = t->data;
        const char *text = NULL;

        ck_assert_uint_eq(sim_triggers_armed_ever(f->be), 2);   /* the system's, a's */
        /* Reloaded unchanged: the armed triggers are handed over, not armed again. */
        ck_assert_int_eq(daemon_reload(&f->d), 0);
        ck_assert_uint_eq(sim_triggers_armed_ever(f->be), 2);
        ck_assert_uint_eq(sim_armed_triggers(f->be, NULL, NULL), 1);
        ck_assert_uint_eq(sim_armed_triggers(f->be, "a", NULL), 1);
        /* a's trigger changed: only it is armed again (and the old one closed). */
        write_file(f->d.opt.config_file, "[cgroup a]\nsoft_limit = 1M\ntrigger = some 200ms 2s\n");
        ck_assert_int_eq(daemon_reload(&f->d), 0);
        ck_assert_uint_eq(sim_triggers_armed_ever(f->be), 3);
        ck_assert_uint_eq(sim_armed_triggers(f->be, NULL, NULL), 1);
        ck_assert_uint_eq(sim_armed_triggers(f->be, "a", &text), 1);
        ck_assert_str_eq(text, "some 200000 2000000");
        raise(SIGTERM);
}

/* A reload (and following a glob, which rebuilds the same way) keeps the triggers that did
 * not change armed: arming is work for the kernel and a chance to race a removal. */
START_TEST(reload_keeps_unchanged_triggers_armed)
{
        static const char conf[] = "[cgroup a]\nsoft_limit = 1M\ntrigger = some 150ms 1s\n";
        char path[] = "/tmp/reclaimd-test-conf.XXXXXX";
        struct fixture f;
        ev_timer t;

        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "a", 0, 10 * MiB), 0);
        start_from_file(&f, path, conf);
        ev_timer_init(&t, reload_in_loop, 0., 0.);
        t.data = &f;
        ev_timer_start(f.d.loop, &t);
        ck_assert_int_eq(daemon_run(&f.d), 0);
        finish(&f);
        unlink(path);
}
END_TEST

/*
 * A reload that tunes a trigger keeps its scope's counters and backoff (the
 * metrics' counters must not drop to 0 while the process runs); a scope the
 * reload drops says the rounds it held back as repeats first, and they stay
 * in the total.
 */
START_TEST(reload_keeps_a_retuned_scopes_counters)
{
        static const char conf[] = "[cgroup a]\nsoft_limit = 1M\ntrigger = some 150ms 1s\n"
                                   "[cgroup b]\nsoft_limit = 1M\ntrigger = some 150ms 1s\n";
        char path[] = "/tmp/reclaimd-test-conf.XXXXXX", *log;
        struct scope *a, *b;
        struct capture cap;
        struct fixture f;

        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "a", 0, 10 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "b", 0, 10 * MiB), 0);
        start_from_file(&f, path, conf);
        ck_assert_uint_eq(f.d.n_scopes, 3);
        a = &f.d.scopes[1], b = &f.d.scopes[2];
        ck_assert_str_eq(a->path, "a");
        a->fires = 5, a->rounds = 3, a->backoff = (struct backoff){ .until_usec = 4000000, .level = 2 };
        b->repeat = (struct repeat_filter){ .active = true, .key = 1, .pending = 2, .suppressed_total = 6 };
        write_file(path, "[cgroup a]\nsoft_limit = 1M\ntrigger = some 200ms 2s\n");
        log_set_max_level(LOG_INFO);
        capture_start(&cap);
        ck_assert_int_eq(daemon_reload(&f.d), 0);
        log = capture_end(&cap);
        ck_assert_uint_eq(f.d.n_scopes, 2);
        a = &f.d.scopes[1];
        ck_assert_uint_eq(a->trigger->window_usec, 2000000);   /* the new trigger */
        ck_assert_uint_eq(a->fires, 5);
        ck_assert_uint_eq(a->rounds, 3);
        ck_assert(a->backoff.until_usec == 4000000 && a->backoff.level == 2);
        ck_assert_uint_eq(f.d.repeats_gone_total, 6);
        ck_assert_msg(strstr(log, "action=repeated scope=b repeats=2 "), "%s", log);
        free(log);
        finish(&f);
        unlink(path);
}
END_TEST

/* The watchdog side of systemd: what the daemon sends to $NOTIFY_SOCKET. */
struct notify_sink {
        ev_io io;
        struct fixture *f;
        unsigned ready, pings_in_write, stopping;
};

static void on_notify(struct ev_loop *loop, ev_io *w, int revents)
{
        struct notify_sink *n = container_of(w, struct notify_sink, io);
        char msg[512];
        ssize_t len = recv(w->fd, msg, sizeof(msg) - 1, MSG_DONTWAIT);

        if (len <= 0)
                return;
        msg[len] = 0;
        if (strstr(msg, "READY=1") && n->ready++ == 0) {
                /* A round whose write blocks (after start-up: probing writes too). */
                sim_set_write_delay(n->f->be, 3600ULL * 1000000, n->f->started_fd);
                daemon_trigger(&n->f->d, &n->f->d.scopes[0]);
        }
        if (strstr(msg, "STOPPING=1"))
                n->stopping++;
        /* The loop keeps pinging while the worker is stuck in the kernel: it is alive. */
        if (strstr(msg, "WATCHDOG=1") && n->f->writes_started == 1 && ++n->pings_in_write == 3)
                raise(SIGTERM);
}

/*
 * WatchdogSec=: WATCHDOG=1 at half of $WATCHDOG_USEC from the loop, also
 * while a memory.reclaim write takes forever on the worker thread.
 */
START_TEST(watchdog_pings_while_a_write_blocks)
{
        static const char conf[] = "[cgroup batch]\nsoft_limit = 64M\n";
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct notify_sink n = {};
        struct fixture f;
        int fd;

        snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/reclaimd-test-notify.%d", (int)getpid());
        unlink(sa.sun_path);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        ck_assert_int_eq(setenv("NOTIFY_SOCKET", sa.sun_path, 1), 0);
        ck_assert_int_eq(setenv("WATCHDOG_USEC", "40000", 1), 0);
        setup(&f, 0);
        n.f = &f;
        ck_assert_int_eq(sim_add_cgroup(f.be, "batch", 0, 512 * MiB), 0);
        start(&f, conf);
        ev_io_init(&n.io, on_notify, fd, EV_READ);
        ev_io_start(f.d.loop, &n.io);
        ck_assert_int_eq(daemon_run(&f.d), 0);
        /* What came after SIGTERM was raised: STOPPING=1, maybe a last ping before it. */
        while (recv(fd, &(char){ 0 }, 1, MSG_PEEK | MSG_DONTWAIT) >= 0)
                on_notify(f.d.loop, &n.io, EV_READ);
        ev_io_stop(f.d.loop, &n.io);
        ck_assert_uint_eq(n.ready, 1);
        ck_assert_uint_ge(n.pings_in_write, 3);
        ck_assert_uint_eq(n.stopping, 1);
        sim_set_persistent(f.be);
        finish(&f);
        ck_assert_uint_eq(sim_interrupted_writes(f.be), 1);
        sim_destroy(f.be);
        close(fd);
        unlink(sa.sun_path);
        unsetenv("NOTIFY_SOCKET");
        unsetenv("WATCHDOG_USEC");
}
END_TEST

/* Stops the loop once scope 1 has run rounds_wanted rounds. */
struct rounds_watch {
        ev_prepare prepare;
        struct daemon *d;
        unsigned rounds_wanted;
};

static void on_rounds_done(struct ev_loop *loop, ev_prepare *w, int revents)
{
        struct rounds_watch *rw = container_of(w, struct rounds_watch, prepare);

        if (rw->d->scopes[1].rounds == rw->rounds_wanted && !rw->d->running)
                ev_break(loop, EVBREAK_ALL);
}

/*
 * A write that would take an hour is cut after step_timeout: the round ends
 * there (timed_out), said at notice, and the loop has the engine back to
 * renew the holds, while the daemon runs on. Without the cut the test would
 * block in that write until Check's timeout. The next round, its writes
 * quick again, is not cut: no mark or signal is left over.
 */
START_TEST(step_cut_short_after_step_timeout)
{
        static const char conf[] = "[reclaim]\nstep_timeout = 100ms\nbackoff = 0s\n"
                                   "[cgroup batch]\nsoft_limit = 64M\ntrigger = some 150ms 1s\n";
        struct fixture f;
        struct rounds_watch rw = { .d = &f.d, .rounds_wanted = 1 };
        struct capture cap;
        char *log;

        setup(&f, 3600ULL * 1000000);
        log_set_max_level(LOG_NOTICE);
        ck_assert_int_eq(sim_add_cgroup(f.be, "batch", 0, 512 * MiB), 0);
        capture_start(&cap);
        start(&f, conf);
        ev_prepare_init(&rw.prepare, on_rounds_done);
        ev_prepare_start(f.d.loop, &rw.prepare);
        daemon_trigger(&f.d, &f.d.scopes[1]);
        ev_run(f.d.loop, 0);
        log = capture_end(&cap);
        ck_assert_uint_eq(f.writes_started, 1);
        ck_assert_uint_eq(sim_interrupted_writes(f.be), 1);
        ck_assert_int_eq(f.d.scopes[1].last.verdict, POLICY_DONE_TIMEOUT);
        ck_assert_uint_eq(count(log, "action=reclaim cgroup=batch "), 1);
        ck_assert_ptr_nonnull(strstr(log, " result=timed_out "));
        ck_assert_ptr_nonnull(strstr(log, "cut short after step_timeout"));
        ck_assert_ptr_nonnull(strstr(log, "action=round_end scope=batch round=1 "));
        ck_assert_uint_eq(count(log, " result=timed_out "), 2);   /* the step's line and the round's */
        free(log);

        sim_set_write_delay(f.be, 0, f.started_fd);
        rw.rounds_wanted = 2;
        daemon_trigger(&f.d, &f.d.scopes[1]);
        ev_run(f.d.loop, 0);
        ev_prepare_stop(f.d.loop, &rw.prepare);
        ck_assert_int_ne(f.d.scopes[1].last.verdict, POLICY_DONE_TIMEOUT);
        ck_assert_uint_eq(sim_interrupted_writes(f.be), 1);
        ck_assert_uint_lt(sim_current(f.be, "batch"), 512 * MiB);
        sim_set_persistent(f.be);
        finish(&f);
        sim_destroy(f.be);
}
END_TEST

/* Runs rounds for scope 1 one after another: n of them, then one more once writes succeed. */
struct rounds_runner {
        ev_prepare prepare;
        struct fixture *f;
        unsigned n;
};

static void on_rounds_idle(struct ev_loop *loop, ev_prepare *w, int revents)
{
        struct rounds_runner *rr = container_of(w, struct rounds_runner, prepare);
        struct daemon *d = &rr->f->d;

        if (d->worker.busy)
                return;
        if (d->scopes[1].rounds == rr->n)
                sim_fail_writes(rr->f->be, "a", CG_MEMORY_RECLAIM, 0, 0);   /* the last one frees memory */
        if (d->scopes[1].rounds == rr->n + 1) {
                ev_break(loop, EVBREAK_ALL);
                return;
        }
        daemon_trigger(d, &d->scopes[1]);
}

/*
 * Under sustained pressure with nothing to take, every round ends the same
 * way: the first is said in full (its trigger, steps and end), the others
 * only counted, and said as one line when a round ends otherwise or the
 * interval passes; operators' action= names and fields stay.
 */
START_TEST(repeated_rounds_said_once_then_summarized)
{
        static const char conf[] = "[balance]\ntrim = no\n[reclaim]\nclamp_high = no\nbackoff = 0s\nround_target = 4M\n"
                                   "[cgroup a]\nsoft_limit = 1M\ntrigger = some 150ms 1s\n";
        struct rounds_runner rr = { .n = 20 };
        struct capture cap;
        struct fixture f;
        char *log;

        setup(&f, 0);
        rr.f = &f;
        ck_assert_int_eq(sim_add_cgroup(f.be, "a", 0, 64 * MiB), 0);
        ck_assert_int_eq(sim_fail_writes(f.be, "a", CG_MEMORY_RECLAIM, -EAGAIN, 1000000), 0);
        start_logged(&f, &cap, conf);
        f.d.repeat_interval_usec = 3600ULL * 1000000;
        ev_prepare_init(&rr.prepare, on_rounds_idle);
        ev_prepare_start(f.d.loop, &rr.prepare);
        ev_run(f.d.loop, 0);
        ev_prepare_stop(f.d.loop, &rr.prepare);
        log = capture_end(&cap);
        /* Rounds 1 and 21 in full; 2..20 held back and said as one line when 21 ended otherwise. */
        ck_assert_uint_eq(count(log, "action=round_end scope=a "), 2);
        ck_assert_uint_eq(count(log, "action=round_end scope=a round=1 "), 1);
        ck_assert_uint_eq(count(log, "action=round_end scope=a round=21 "), 1);
        ck_assert_uint_eq(count(log, "action=repeated scope=a repeats=19 "), 1);
        ck_assert_uint_eq(count(log, "action=repeated "), 1);
        ck_assert_uint_eq(count(log, "action=exhausted scope=a "), 1);
        /* The held-back rounds' trigger lines and fruitless steps went to debug. */
        ck_assert_uint_eq(count(log, "action=trigger scope=a round=1 "), 1);
        ck_assert_uint_eq(count(log, "action=trigger scope=a round=2 "), 0);
        {
                /* Only round 1's fruitless steps were said: as many as its round_end counts. */
                const char *r1 = strstr(log, "action=round_end scope=a round=1 ");
                unsigned steps = 0;

                ck_assert_ptr_nonnull(r1);
                ck_assert_int_eq(sscanf(strstr(r1, " steps=") + 1, "steps=%u", &steps), 1);
                ck_assert_uint_gt(steps, 0);
                ck_assert_uint_eq(count(log, ", freed 0B\""), steps);
        }
        free(log);

        /* A short interval: the repeats are summarized as they come, one line per interval. */
        log_set_max_level(LOG_INFO);
        capture_start(&cap);
        ck_assert_int_eq(sim_fail_writes(f.be, "a", CG_MEMORY_RECLAIM, -EAGAIN, 1000000), 0);
        f.d.repeat_interval_usec = 0;
        rr.n = 24;
        ev_prepare_start(f.d.loop, &rr.prepare);
        ev_run(f.d.loop, 0);
        ev_prepare_stop(f.d.loop, &rr.prepare);
        log = capture_end(&cap);
        ck_assert_uint_eq(count(log, "action=round_end scope=a "), 2);   /* 22 and 25 */
        ck_assert_uint_eq(count(log, "action=repeated scope=a repeats=1 result=exhausted "), 2);
        free(log);
        finish(&f);
}
END_TEST

/*
 * Triggers scope 1, the worker idle, and runs the loop until its rounds
 * reach n, for at most 20 s; returns whether a round started.
 */
static bool trigger_and_run(struct fixture *f, struct rounds_watch *rw, unsigned n)
{
        unsigned before = f->d.scopes[1].rounds;
        ev_timer deadline;

        ck_assert(!f->d.worker.busy);
        rw->rounds_wanted = n;
        daemon_trigger(&f->d, &f->d.scopes[1]);
        ck_assert(!f->d.scopes[1].pending);   /* started now, or refused */
        if (f->d.scopes[1].rounds == before)
                return false;
        ev_timer_init(&deadline, on_deadline, 20., 0.);
        ev_timer_start(f->d.loop, &deadline);
        ev_run(f->d.loop, 0);
        ck_assert_msg(ev_is_active(&deadline), "round %u did not end within 20 s", n);
        ev_timer_stop(f->d.loop, &deadline);
        return true;
}

/*
 * A round that frees under 1/8 of what it asked backs its scope off
 * (policy_backoff_update()), said at notice with the cooldown: a trigger
 * within it starts no round. Once a round frees what it asks, the backoff
 * is gone and the next trigger runs at once.
 */
START_TEST(fruitless_round_backs_its_scope_off)
{
        static const char conf[] = "[balance]\ntrim = no\n[reclaim]\nclamp_high = no\nbackoff = 3600s\n"
                                   "backoff_max = 3600s\nround_target = 4M\n"
                                   "[cgroup a]\nsoft_limit = 1M\ntrigger = some 150ms 1s\n";
        struct fixture f;
        struct rounds_watch rw = { .d = &f.d };
        struct capture cap;
        char *log;

        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "a", 0, 64 * MiB), 0);
        ck_assert_int_eq(sim_fail_writes(f.be, "a", CG_MEMORY_RECLAIM, -EAGAIN, 1000000), 0);
        log_set_max_level(LOG_NOTICE);
        capture_start(&cap);
        start(&f, conf);
        ev_prepare_init(&rw.prepare, on_rounds_done);
        ev_prepare_start(f.d.loop, &rw.prepare);
        ck_assert(trigger_and_run(&f, &rw, 1));
        ck_assert_uint_eq(f.d.scopes[1].backoff.level, 1);
        ck_assert(!trigger_and_run(&f, &rw, 2));   /* within the hour: no round */
        ck_assert_uint_eq(f.d.scopes[1].rounds, 1);
        ck_assert_uint_eq(f.d.scopes[1].fires, 2);
        log = capture_end(&cap);
        ck_assert_uint_eq(count(log, "action=backoff scope=a "), 1);
        ck_assert_ptr_nonnull(strstr(log, " cooldown_usec=3600000000 "));
        free(log);

        /* The hour over (as if), and the writes free memory: the round ends the backoff. */
        f.d.scopes[1].backoff.until_usec = 0;
        ck_assert_int_eq(sim_fail_writes(f.be, "a", CG_MEMORY_RECLAIM, 0, 0), 0);
        ck_assert(trigger_and_run(&f, &rw, 2));
        ck_assert_uint_gt(f.d.scopes[1].last.reclaimed, 0);
        ck_assert_uint_eq(f.d.scopes[1].backoff.level, 0);
        ck_assert(trigger_and_run(&f, &rw, 3));
        ev_prepare_stop(f.d.loop, &rw.prepare);
        sim_set_persistent(f.be);
        finish(&f);
        sim_destroy(f.be);
}
END_TEST

/* Waits, on the loop, for the metrics file to be written again while the worker's write blocks. */
struct metrics_wait {
        ev_timer timer;
        struct fixture *f;
        unsigned writes_before;
        double blocked_at, written_at;
};

static struct metrics_wait mw;

static void on_metrics_poll(struct ev_loop *loop, ev_timer *t, int revents)
{
        if (mw.f->d.observe.writes == mw.writes_before)
                return;
        ck_assert(mw.f->d.worker.busy);   /* written while the write is still in flight */
        mw.written_at = ev_time();
        ev_timer_stop(loop, t);
        raise(SIGTERM);
}

static void wait_for_metrics(struct fixture *f)
{
        if (f->writes_started != 1)
                return;
        mw.f = f;
        mw.writes_before = f->d.observe.writes;
        mw.blocked_at = ev_time();
        ev_timer_init(&mw.timer, on_metrics_poll, 0.01, 0.01);
        ev_timer_start(f->d.loop, &mw.timer);
}

/*
 * The metrics file is written by the loop from its snapshot, every
 * interval, also while a write to memory.reclaim blocks on the worker: the
 * loop never waits for it.
 */
START_TEST(metrics_written_while_a_write_blocks)
{
        char dir[] = "/tmp/reclaimd-test-metrics.XXXXXX", conf[512], path[128], buf[8192];
        struct fixture f;
        FILE *m;
        size_t n;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/reclaimd.prom", dir);
        snprintf(conf, sizeof(conf), "[metrics]\ntextfile = %s\ninterval = 1s\n[cgroup batch]\nsoft_limit = 64M\n",
                 path);
        setup(&f, 3600ULL * 1000000);
        ck_assert_int_eq(sim_add_cgroup(f.be, "batch", 0, 512 * MiB), 0);
        start(&f, conf);
        observe_start(&f.d);   /* as daemon_run() does */
        f.on_started = wait_for_metrics;
        daemon_trigger(&f.d, &f.d.scopes[0]);
        ev_run(f.d.loop, 0);
        ck_assert_double_gt(mw.written_at, mw.blocked_at);
        fprintf(stderr, "metrics file written %.3f s after the write began to block\n", mw.written_at - mw.blocked_at);
        m = fopen(path, "r");
        ck_assert_ptr_nonnull(m);
        n = fread(buf, 1, sizeof(buf) - 1, m);
        buf[n] = 0;
        fclose(m);
        ck_assert_ptr_nonnull(strstr(buf, "reclaimd_cgroups_managed 1\n"));
        ck_assert_ptr_nonnull(strstr(buf, "reclaimd_trigger_fires_total{scope=\"system\"} 1\n"));
        sim_set_persistent(f.be);
        finish(&f);
        /* Stopped: no frozen figures left for node_exporter to export. */
        ck_assert_int_eq(access(path, F_OK), -1);
        sim_destroy(f.be);
        ck_assert_int_eq(rmdir(dir), 0);   /* and no temporary file either */
}
END_TEST

/* A reload that names another metrics file moves it: the old one is removed, not left frozen. */
START_TEST(reload_moves_the_metrics_file)
{
        char dir[] = "/tmp/reclaimd-test-metrics.XXXXXX", conf[512], a[128], b[128];
        char cpath[] = "/tmp/reclaimd-test-conf.XXXXXX";
        struct fixture f;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        ck_assert_int_ge(close(mkstemp(cpath)), 0);
        snprintf(a, sizeof(a), "%s/a.prom", dir);
        snprintf(b, sizeof(b), "%s/b.prom", dir);
        snprintf(conf, sizeof(conf), "[metrics]\ntextfile = %s\n[cgroup batch]\nsoft_limit = 64M\n", a);
        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "batch", 0, 16 * MiB), 0);
        start(&f, conf);
        f.d.opt.config_file = cpath;
        observe_start(&f.d);
        ck_assert_int_eq(access(a, F_OK), 0);
        snprintf(conf, sizeof(conf), "[metrics]\ntextfile = %s\n[cgroup batch]\nsoft_limit = 64M\n", b);
        write_file(cpath, conf);
        ck_assert_int_eq(daemon_reload(&f.d), 0);
        ck_assert_int_eq(access(a, F_OK), -1);
        ck_assert_int_eq(access(b, F_OK), 0);
        /* Turned off: gone too. */
        write_file(cpath, "[cgroup batch]\nsoft_limit = 64M\n");
        ck_assert_int_eq(daemon_reload(&f.d), 0);
        ck_assert_int_eq(access(b, F_OK), -1);
        finish(&f);
        unlink(cpath);
        ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/*
 * Stops the loop once batch is down to its soft limit and nothing is held
 * any more. Trimmed to within its margin, batch is still over its soft
 * limit, and the floors stay (policy_note_over()) until the kernel's own
 * reclaim takes the rest, as it would under pressure; then they go.
 */
static void on_trimmed_check(struct ev_loop *loop, ev_timer *t, int revents)
{
        struct fixture *f = t->data;
        uint64_t batch = sim_current(f->be, "batch");

        if (batch > 64 * MiB + 2 * MiB || f->d.worker.busy)
                return;
        if (batch > 64 * MiB) {
                f->batch_at_margin = batch;
                f->web_low_at_margin = sim_low(f->be, "web");
                ck_assert_int_eq(sim_kernel_reclaim(f->be, "batch", batch - 64 * MiB, 0), 0);
        }
        if (sim_low(f->be, "web") == 0)
                ev_break(loop, EVBREAK_ALL);
}

/* A check polled every 50 ms until it breaks the loop, and a deadline. */
struct poll_run {
        ev_timer poll, deadline;
};

static void poll_start(struct fixture *f, struct poll_run *p, void (*check)(struct ev_loop *, ev_timer *, int),
                       double seconds)
{
        ev_timer_init(&p->poll, check, 0.05, 0.05);
        p->poll.data = f;
        ev_timer_start(f->d.loop, &p->poll);
        ev_timer_init(&p->deadline, on_deadline, seconds, 0.);
        ev_timer_start(f->d.loop, &p->deadline);
}

/* Stops both; returns whether the check broke the loop before the deadline. */
static bool poll_end(struct fixture *f, struct poll_run *p)
{
        bool in_time = ev_is_active(&p->deadline);

        ev_timer_stop(f->d.loop, &p->poll);
        ev_timer_stop(f->d.loop, &p->deadline);
        return in_time;
}

static const char *reload_path;   /* the configuration file of reload_during_a_round_answers_at_once */

/* While the round's first write blocks: a broken file is refused at once, a valid one waits. */
static void reload_while_a_write_blocks(struct fixture *f)
{
        const char *error = NULL;
        char *answer = NULL;

        if (f->writes_started != 1)
                return;
        write_file(reload_path, "[cgroup batch]\nsoft_limit = 12Q\n");
        ck_assert_int_eq(bus_answer_reload(&f->d, &answer, &error), -EINVAL);
        ck_assert_msg(strstr(answer, "[cgroup batch] key 'soft_limit'"), "%s", answer);
        free(answer);
        write_file(reload_path, "[reclaim]\nstep_timeout = 1s\n[cgroup batch]\nsoft_limit = 64M\n"
                                "[cgroup other]\nsoft_limit = 1G\n");
        ck_assert_int_eq(bus_answer_reload(&f->d, &answer, &error), 0);
        ck_assert_msg(strstr(answer, "applied once the round in flight ends"), "%s", answer);
        free(answer);
        ck_assert_ptr_null(engine_find(&f->d.engine, "other"));   /* the engine is the worker's until then */
        /* Broken again: "the running configuration is kept" holds, the waiting one goes too... */
        write_file(reload_path, "[cgroup other]\nsoft_limit = 12Q\n");
        ck_assert_int_eq(bus_answer_reload(&f->d, &answer, &error), -EINVAL);
        free(answer);
        ck_assert_ptr_null(f->d.reload_cfg);
        /* ... and valid once more: that one waits. */
        write_file(reload_path, "[reclaim]\nstep_timeout = 1s\n[cgroup batch]\nsoft_limit = 64M\n"
                                "[cgroup other]\nsoft_limit = 1G\n");
        ck_assert_int_eq(bus_answer_reload(&f->d, &answer, &error), 0);
        free(answer);
}

static void on_reloaded_check(struct ev_loop *loop, ev_timer *t, int revents)
{
        struct fixture *f = t->data;

        if (engine_find(&f->d.engine, "other") && !f->d.worker.busy)
                ev_break(loop, EVBREAK_ALL);
}

/*
 * reclaimctl reload during a round reads the files at once: their errors
 * are the answer, not a "queued" that the journal later contradicts; a
 * valid configuration is swapped in when the round ends.
 */
START_TEST(reload_during_a_round_answers_at_once)
{
        char path[] = "/tmp/reclaimd-test-conf.XXXXXX";
        struct poll_run p;
        struct fixture f;

        setup(&f, 3600ULL * 1000000);   /* each write blocks until step_timeout cuts it */
        ck_assert_int_eq(sim_add_cgroup(f.be, "batch", 0, 512 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "other", 0, 10 * MiB), 0);
        start_from_file(&f, path, "[reclaim]\nstep_timeout = 1s\n[cgroup batch]\nsoft_limit = 64M\n");
        reload_path = path;
        f.on_started = reload_while_a_write_blocks;
        poll_start(&f, &p, on_reloaded_check, 30.);
        daemon_trigger(&f.d, &f.d.scopes[0]);
        ev_run(f.d.loop, 0);
        ck_assert_msg(poll_end(&f, &p), "the valid configuration was not swapped in within 30 s");
        ck_assert_uint_ge(f.writes_started, 1);
        unlink(path);
        finish(&f);
}
END_TEST

/*
 * kswapd's analogue in the loop: with no trigger firing, the balancer reads
 * the machine every interval, holds memory.low while batch is over its soft
 * limit, and trims batch alone while the machine is short; once batch is
 * down, memory.low goes back. Stopping leaves nothing behind.
 */
START_TEST(balancer_trims_between_triggers)
{
        static const char conf[] = "[balance]\ninterval = 100ms\n[reclaim]\nmin_chunk = 1M\n"
                                   "[cgroup batch]\nsoft_limit = 64M\n[cgroup web]\nsoft_limit = 256M\n";
        struct fixture f;
        struct poll_run p;

        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "batch", 0, 300 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "web", 100 * MiB, 50 * MiB), 0);
        start(&f, conf);
        poll_start(&f, &p, on_trimmed_check, 20.);
        ck_assert_int_eq(daemon_run(&f.d), 0);
        ck_assert_msg(poll_end(&f, &p), "batch was not trimmed within 20 s");
        ck_assert_uint_gt(f.batch_at_margin, 64 * MiB);   /* the trim stops at the margin */
        ck_assert_uint_le(f.batch_at_margin, 64 * MiB + 2 * MiB);
        ck_assert_uint_eq(f.web_low_at_margin, 256 * MiB);   /* held while batch is within its margin */
        ck_assert_uint_le(sim_current(f.be, "batch"), 64 * MiB);
        ck_assert_uint_eq(sim_writes(f.be, "web"), 0);
        ck_assert_uint_eq(f.d.scopes[0].rounds, 0);   /* no trigger's round: the balancer's */
        ck_assert_uint_gt(f.d.balance_rounds, 0);
        sim_set_persistent(f.be);
        finish(&f);
        ck_assert_uint_eq(sim_low(f.be, "web"), 0);
        ck_assert_uint_eq(sim_low(f.be, "batch"), 0);
        sim_destroy(f.be);
}
END_TEST

static void on_balanced_twice_check(struct ev_loop *loop, ev_timer *t, int revents)
{
        struct fixture *f = t->data;

        if (f->d.balance_rounds >= 2 && !f->d.worker.busy)
                ev_break(loop, EVBREAK_ALL);
}

/* batch's memory.high at 100M and on record, as a run left it; then a dry run on conf, to two balances. */
static void dry_run_over_held_batch(struct fixture *f, struct capture *cap, const char *conf)
{
        struct poll_run p;
        FILE *sf;

        ck_assert_int_eq(sim_set_high(f->be, "batch", 100 * MiB), 0);
        sf = fopen(f->state, "w");
        ck_assert_ptr_nonnull(sf);
        fprintf(sf, "reclaimd-state 2\nmax %llu max batch\n", 100 * MiB);
        fclose(sf);
        log_set_max_level(LOG_INFO);
        capture_start(cap);
        start_as(f, conf, true);
        poll_start(f, &p, on_balanced_twice_check, 20.);
        ck_assert_int_eq(daemon_run(&f->d), 0);
        ck_assert_msg(poll_end(f, &p), "the balancer did not run twice within 20 s");
}

/*
 * --dry-run decides and logs as a real run does and writes nothing: not
 * memory.reclaim, memory.low or memory.high, not the state file, nor what a
 * crashed run's state file would put back (that file is left for the real
 * run that follows), nor, on a reload, what it "held" in a cgroup dropped.
 * Every line for a write it did not make says so (dry_run=1, "Would ..."),
 * the floors' and the restore's as the steps'.
 */
START_TEST(dry_run_says_what_it_would_write)
{
        static const char *const done[] = { "dry_run=0", "msg=\"Restored ", "msg=\"Raised ", "msg=\"Put ",
                                             "msg=\"Asked " };
        char path[] = "/tmp/reclaimd-test-conf.XXXXXX";
        static const char conf[] = "[balance]\ninterval = 100ms\n[reclaim]\nmin_chunk = 1M\n"
                                   "[cgroup batch]\nsoft_limit = 64M\n[cgroup web]\nsoft_limit = 256M\n";
        struct capture cap;
        struct fixture f;
        char *log;

        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "batch", 0, 300 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "web", 100 * MiB, 50 * MiB), 0);
        dry_run_over_held_batch(&f, &cap, conf);   /* as a crashed run left it */
        ck_assert_uint_eq(sim_writes(f.be, "batch"), 0);
        ck_assert_uint_eq(sim_writes(f.be, "web"), 0);
        /* A reload that drops web: its floor "goes back". */
        ck_assert_int_ge(close(mkstemp(path)), 0);
        write_file(path, "[balance]\ninterval = 100ms\n[cgroup batch]\nsoft_limit = 64M\n");
        f.d.opt.config_file = path;
        ck_assert_int_eq(daemon_reload(&f.d), 0);
        unlink(path);
        ck_assert_int_eq(unlink(f.state), 0);   /* still there: a dry run restores nothing */
        ck_assert_uint_eq(f.d.reclaimed_total_bytes, 0);   /* its steps freed nothing: none counted */
        sim_set_persistent(f.be);
        finish(&f);
        log = capture_end(&cap);
        ck_assert_uint_eq(sim_writes(f.be, "batch"), 0);
        ck_assert_uint_eq(sim_writes(f.be, "web"), 0);
        ck_assert_uint_eq(sim_high(f.be, "batch"), 100 * MiB);
        ck_assert_uint_eq(sim_current(f.be, "batch"), 300 * MiB);
        ck_assert_uint_eq(sim_low(f.be, "web"), 0);
        ck_assert_uint_eq(sim_min(f.be, "web"), 0);
        /* What it would have done, each said once or more, and nothing said as done. */
        ck_assert_ptr_nonnull(strstr(log, "msg=\"Would restore memory.high of batch to max, left changed"));
        ck_assert_ptr_nonnull(strstr(log, "dry_run=1 msg=\"Would raise memory.low of web to 256.0M (was 0B)"));
        ck_assert_ptr_nonnull(strstr(log, "dry_run=1 msg=\"Would reclaim "));
        ck_assert_ptr_nonnull(strstr(log, ", taken as freeing "));
        ck_assert_ptr_null(strstr(log, ", freed "));
        ck_assert_ptr_nonnull(strstr(log, "dry_run=1 msg=\"Would put memory.low of web back to 0B\""));
        ck_assert_ptr_nonnull(strstr(log, "msg=\"Would put back what reclaimd held in 1 cgroup(s) no longer managed\""));
        for (size_t i = 0; i < ARRAY_SIZE(done); i++)
                ck_assert_msg(!strstr(log, done[i]), "a dry run said %s", done[i]);
        free(log);
        sim_destroy(f.be);
}
END_TEST

/*
 * A dry run beside a running reclaimd: what that one holds is its own, not
 * left by a crash, and its metrics file is not replaced (nor removed).
 */
START_TEST(dry_run_beside_a_running_one)
{
        static const char running_metrics[] = "# HELP reclaimd_up the running one's\n";
        char prom[] = "/tmp/reclaimd-test-prom.XXXXXX", conf[512], *log, *text;
        struct capture cap;
        struct fixture f;
        int lock;

        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "batch", 0, 300 * MiB), 0);
        lock = state_lock(f.state);   /* the running one's, which holds batch */
        ck_assert_int_ge(lock, 0);
        ck_assert_int_ge(close(mkstemp(prom)), 0);
        write_file(prom, running_metrics);
        snprintf(conf, sizeof(conf), "[balance]\ninterval = 100ms\n[metrics]\ntextfile = %s\n"
                 "[cgroup batch]\nsoft_limit = 64M\n", prom);
        dry_run_over_held_batch(&f, &cap, conf);
        ck_assert_int_eq(unlink(f.state), 0);   /* still there: the running one's */
        sim_set_persistent(f.be);
        finish(&f);
        log = capture_end(&cap);
        ck_assert_ptr_nonnull(strstr(log, "Another reclaimd runs with the state file"));
        ck_assert_msg(!strstr(log, "Would restore"), "the running one's hold taken for a crash's");
        ck_assert_ptr_nonnull(strstr(log, "is not written"));
        text = read_text(prom);
        ck_assert_ptr_nonnull(text);
        ck_assert_str_eq(text, running_metrics);
        ck_assert_uint_eq(sim_high(f.be, "batch"), 100 * MiB);
        free(text);
        free(log);
        close(lock);
        unlink(prom);
        sim_destroy(f.be);
}
END_TEST

static void on_asleep_check(struct ev_loop *loop, ev_timer *t, int revents)
{
        struct fixture *f = t->data;

        if (f->d.pace.asleep)
                ev_break(loop, EVBREAK_ALL);
}

/*
 * Starts the daemon on conf with "batch" (300 MiB), on a machine with half
 * its 16 GiB free, and runs the loop until the balancer sleeps.
 */
static void run_until_asleep(struct fixture *f, const char *conf)
{
        struct poll_run p;

        setup(f, 0);
        ck_assert_int_eq(sim_add_cgroup(f->be, "batch", 0, 300 * MiB), 0);
        sim_set_sysmem(f->be, 16384 * MiB, 8192 * MiB, 32 * MiB);
        start(f, conf);
        poll_start(f, &p, on_asleep_check, 10.);
        ck_assert_int_eq(daemon_run(&f->d), 0);
        ck_assert_msg(poll_end(f, &p), "the balancer did not fall asleep within 10 s");
}

/*
 * kswapd sleeps once balanced until an allocation wakes it: the balancer
 * looks every idle_interval (here ten minutes) while free memory is far
 * above its mark, and a pressure trigger brings it back at once. The
 * machine falls short while it sleeps: the trigger's own round is held back
 * (its scope's backoff), so what trims batch within the deadline is the
 * balancer the trigger woke.
 */
START_TEST(trigger_wakes_the_sleeping_balancer)
{
        static const char conf[] = "[balance]\ninterval = 100ms\nidle_interval = 600s\n[reclaim]\nmin_chunk = 1M\n"
                                   "[cgroup batch]\nsoft_limit = 64M\n";
        struct fixture f;
        struct poll_run p;

        run_until_asleep(&f, conf);
        ck_assert_double_eq(f.d.balance.repeat, 600.);
        ck_assert_uint_eq(f.d.balance_rounds, 0);

        sim_set_sysmem(f.be, 16384 * MiB, 0, 32 * MiB);
        f.d.scopes[0].backoff.until_usec = UINT64_MAX;
        daemon_trigger(&f.d, &f.d.scopes[0]);
        ck_assert(!f.d.pace.asleep);
        ck_assert_double_eq(f.d.balance.repeat, 0.1);
        poll_start(&f, &p, on_trimmed_check, 10.);
        ev_run(f.d.loop, 0);
        ck_assert_msg(poll_end(&f, &p), "batch was not trimmed within 10 s of the trigger");
        ck_assert_uint_eq(f.d.scopes[0].rounds, 0);   /* held back: the balancer trimmed */
        ck_assert_uint_gt(f.d.balance_rounds, 0);
        ck_assert(!f.d.pace.asleep);                   /* short: awake */
        finish(&f);
}
END_TEST

/* Asleep, the balancer checks with the tick: an idle loop wakes once a tick, not twice. */
START_TEST(sleeping_balancer_checks_with_the_tick)
{
        static const char conf[] = "[balance]\ninterval = 150ms\nidle_interval = 2s\n"
                                   "[reclaim]\nrelease_interval = 700ms\n[cgroup batch]\nsoft_limit = 64M\n";
        struct fixture f;
        double tick, balance;
        int periods;

        run_until_asleep(&f, conf);
        /*
         * With the last tick within 2 s of the check (made up to 50 ms
         * before this poll): a whole number of 700 ms periods after the
         * next tick.
         */
        tick = ev_timer_remaining(f.d.loop, &f.d.tick);
        balance = ev_timer_remaining(f.d.loop, &f.d.balance);
        periods = (int)((balance - tick) / 0.7 + 0.5);
        ck_assert_msg(periods >= 0 && fabs(balance - tick - periods * 0.7) < 0.001 && balance <= 2.001 &&
                      balance > 2. - 0.7 - 0.1, "next check in %.3f s, tick in %.3f s", balance, tick);
        ck_assert_double_eq(f.d.balance.repeat, 2.);
        finish(&f);
}
END_TEST

/*
 * A reload wakes a sleeping balancer (new cgroups, reserve or protect are
 * looked at within an interval, not an idle one), and moves the tick only
 * when release_interval changed.
 */
START_TEST(reload_wakes_a_sleeping_balancer)
{
        static const char conf[] = "[balance]\ninterval = 150ms\nidle_interval = 2s\n"
                                   "[reclaim]\nrelease_interval = 700ms\n[cgroup batch]\nsoft_limit = 64M\n";
        char path[] = "/tmp/reclaimd-test-conf.XXXXXX";
        struct fixture f;

        run_until_asleep(&f, conf);
        ck_assert_int_ge(close(mkstemp(path)), 0);
        write_file(path, "[balance]\ninterval = 150ms\nidle_interval = 2s\nreserve = 1%\n"
                         "[reclaim]\nrelease_interval = 700ms\n[cgroup batch]\nsoft_limit = 64M\n");
        f.d.opt.config_file = path;
        ck_assert_int_eq(daemon_reload(&f.d), 0);
        ck_assert(!f.d.pace.asleep);
        ck_assert_double_eq(f.d.balance.repeat, 0.15);
        unlink(path);
        finish(&f);
}
END_TEST

/* With no tick within idle_interval (release_interval = 60s), the sleeping balancer keeps its own time. */
START_TEST(sleeping_balancer_without_a_tick_near)
{
        static const char conf[] = "[balance]\ninterval = 150ms\nidle_interval = 2s\n"
                                   "[reclaim]\nrelease_interval = 60s\n[cgroup batch]\nsoft_limit = 64M\n";
        struct fixture f;
        double balance;

        run_until_asleep(&f, conf);
        balance = ev_timer_remaining(f.d.loop, &f.d.balance);
        /*
         * Its own idle_interval, not the tick a minute on, nor at once: set
         * some time before this look, which a loaded machine (a package
         * build beside others) delayed by 0.38 s once.
         */
        ck_assert_double_eq(f.d.balance.repeat, 2.);
        ck_assert_msg(balance <= 2.001 && balance > 1., "next check in %.3f s", balance);
        finish(&f);
}
END_TEST

/* A floor whose cgroup went away just before its release (a service stopped) is no failure: said as gone. */
START_TEST(release_on_a_removed_cgroup_is_not_a_failure)
{
        static const char conf[] = "[balance]\ntrim = no\n[reclaim]\nmin_chunk = 1M\n"
                                   "[cgroup batch]\nsoft_limit = 64M\n[cgroup web]\nsoft_limit = 256M\n";
        struct capture cap;
        struct fixture f;
        char *log;

        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "batch", 0, 300 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "web", 100 * MiB, 0), 0);
        start_logged(&f, &cap, conf);
        ck_assert_int_ge(engine_balance_check(&f.d.engine, f.d.cfg, false, NULL, NULL), 0);
        ck_assert_uint_eq(sim_low(f.be, "web"), 256 * MiB);
        /* batch back at its soft limit, and web removed between the reading and the release. */
        ck_assert_int_eq(sim_add_cgroup(f.be, "batch", 0, 64 * MiB), 0);
        ck_assert_int_eq(sim_fail_writes(f.be, "web", CG_MEMORY_LOW, -ENODEV, 1), 0);
        ck_assert_int_ge(engine_balance_check(&f.d.engine, f.d.cfg, false, NULL, NULL), 0);
        finish(&f);
        log = capture_end(&cap);
        ck_assert_ptr_nonnull(strstr(log, "action=release cgroup=web file=memory.low result=gone msg="));
        ck_assert_ptr_null(strstr(log, "Failed to set"));
        free(log);
}
END_TEST

/*
 * A cgroup removed under a reclaim step (a service stopped mid-round) is no
 * failure either, and its records leave the state file with it (finish()
 * finds none left behind).
 */
START_TEST(step_on_a_removed_cgroup_is_not_a_failure)
{
        static const char conf[] = "[reclaim]\nmin_chunk = 1M\n[cgroup batch]\nsoft_limit = 64M\n";
        struct scan_control sc;
        struct capture cap;
        struct fixture f;
        char *log;

        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "batch", 0, 300 * MiB), 0);
        start_logged(&f, &cap, conf);
        ck_assert_int_eq(sim_remove_after_write(f.be, "batch"), 0);
        ck_assert_int_ge(engine_round(&f.d.engine, f.d.cfg, NULL, &sc), 0);
        ck_assert_uint_eq(sim_writes(f.be, "batch"), 1);
        finish(&f);
        log = capture_end(&cap);
        ck_assert_ptr_nonnull(strstr(log, "action=reclaim cgroup=batch "));
        ck_assert_ptr_nonnull(strstr(log, " result=gone dry_run=0 msg=\"Asked "));
        ck_assert_ptr_nonnull(strstr(log, "the cgroup is gone\""));
        ck_assert_ptr_nonnull(strstr(log, "action=cgroup_gone cgroup=batch "));
        ck_assert_ptr_null(strstr(log, "No such device"));
        free(log);
}
END_TEST

/*
 * A log whose reader went (reclaimd 2>&1 | head) does not end the daemon
 * before it puts back what it holds: SIGPIPE would kill this test process.
 */
START_TEST(stop_restores_with_its_log_reader_gone)
{
        static const char conf[] = "[balance]\ntrim = no\n[reclaim]\nmin_chunk = 1M\n"
                                   "[cgroup batch]\nsoft_limit = 64M\n[cgroup web]\nsoft_limit = 256M\n";
        struct fixture f;
        int saved = dup(STDERR_FILENO), p[2];

        ck_assert_int_ge(saved, 0);
        ck_assert_int_eq(pipe(p), 0);
        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "batch", 0, 300 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "web", 100 * MiB, 0), 0);
        start(&f, conf);
        ck_assert_int_ge(engine_balance_check(&f.d.engine, f.d.cfg, false, NULL, NULL), 0);
        ck_assert_uint_eq(sim_low(f.be, "web"), 256 * MiB);
        sim_set_persistent(f.be);
        close(p[0]);   /* the reader is gone */
        ck_assert_int_ge(dup2(p[1], STDERR_FILENO), 0);
        close(p[1]);
        log_open(LOG_TARGET_STDERR);
        log_set_max_level(LOG_DEBUG);
        finish(&f);   /* logs as it puts back */
        ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
        close(saved);
        ck_assert_uint_eq(sim_low(f.be, "web"), 0);
        sim_destroy(f.be);
}
END_TEST

/*
 * A second reclaimd on the same state file does not start: it would put
 * back, as if left by a crash, what the first holds, and remove its file.
 */
START_TEST(second_run_on_a_state_file_refused)
{
        struct config_errors errs = {};
        struct config *cfg = NULL;
        struct fixture f;
        int first, r;

        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "web", 100 * MiB, 0), 0);
        ck_assert_int_eq(sim_set_protection(f.be, "web", 0, 256 * MiB), 0);   /* the first run's hold */
        write_file(f.state, "reclaimd-state 3\nmemory.low 0 256M 0 web\n");
        first = state_lock(f.state);
        ck_assert_int_ge(first, 0);
        ck_assert_int_eq(config_load_string("[cgroup web]\nsoft_limit = 256M\n", "daemon.conf", &cfg, &errs), 0);
        sim_set_persistent(f.be);
        r = daemon_init(&f.d, cfg, f.be, &(struct daemon_options){ .config_file = "daemon.conf",
                                                                     .state_file = f.state });
        ck_assert_int_eq(r, -EBUSY);
        daemon_done(&f.d);
        ck_assert_uint_eq(sim_low(f.be, "web"), 256 * MiB);   /* the first run's, untouched */
        ck_assert_int_eq(access(f.state, F_OK), 0);
        /* A dry run may, beside it: it writes nothing, the state file included. */
        cfg = NULL;
        ck_assert_int_eq(config_load_string("[cgroup web]\nsoft_limit = 256M\n", "daemon.conf", &cfg, &errs), 0);
        ck_assert_int_eq(daemon_init(&f.d, cfg, f.be, &(struct daemon_options){ .config_file = "daemon.conf",
                                                                                   .state_file = f.state,
                                                                                   .dry_run = true }), 0);
        daemon_done(&f.d);
        ck_assert_uint_eq(sim_low(f.be, "web"), 256 * MiB);
        ck_assert_int_eq(access(f.state, F_OK), 0);
        close(first);
        close(f.started_fd);
        unlink(f.state);
        state_unlock_file(f.state);
        sim_destroy(f.be);
}
END_TEST

/* An ancestor raised for the floors beneath it is said as such, without a reading or soft limit it has not. */
START_TEST(ancestor_protect_line)
{
        static const char conf[] = "[balance]\ntrim = no\n[cgroup p/batch]\nsoft_limit = 64M\n"
                                   "[cgroup p/web]\nsoft_limit = 256M\n";
        struct capture cap;
        struct fixture f;
        char *log, *line;

        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "p", 0, 0), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "p/batch", 0, 300 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "p/web", 100 * MiB, 0), 0);
        const char *err;
        char *text;

        start_logged(&f, &cap, conf);
        ck_assert_int_ge(engine_balance_check(&f.d.engine, f.d.cfg, false, NULL, NULL), 0);
        /* reclaimctl explain of the ancestor says what reclaimd holds there, and why: web's and batch's claims. */
        ck_assert_int_eq(bus_answer_explain(&f.d, "p", &text, &err), 0);
        ck_assert_ptr_nonnull(strstr(text, "- not managed: no section matches"));
        ck_assert_ptr_nonnull(strstr(text, "- memory.low is held at 164.0M (was 0B) by reclaimd, so that the "
                                           "floors beneath it hold"));
        free(text);
        finish(&f);
        log = capture_end(&cap);
        line = strstr(log, "action=protect cgroup=p file=");
        ck_assert_ptr_nonnull(line);
        ck_assert_ptr_nonnull(strchr(line, '\n'));
        *strchr(line, '\n') = 0;
        ck_assert_msg(strstr(line, " result=ok dry_run=0 msg=") && !strstr(line, " current=") &&
                      !strstr(line, " soft_limit=") && strstr(line, "so that the floors beneath it hold\""), "%s", line);
        line = strstr(log, "action=protect cgroup=p/web file=");
        ck_assert_ptr_nonnull(line);
        ck_assert_ptr_nonnull(strstr(line, " current=104857600 soft_limit=268435456 result=ok dry_run=0 msg="));
        free(log);
}
END_TEST

/*
 * A managed parent over its soft limit whose managed children's soft limits
 * add up past its own: its floor counts theirs only up to its soft limit, so
 * its excess stays what the kernel's reclaim may take (v1 shrank the whole
 * subtree of the cgroup most over); at its whole usage, the top offender
 * would be the best protected cgroup of all.
 */
START_TEST(offender_floor_stops_at_its_soft_limit)
{
        static const char conf[] = "[balance]\ntrim = no\n[cgroup app]\nsoft_limit = 300M\n"
                                   "[cgroup app/*]\nsoft_limit = 100M\n[cgroup web]\nsoft_limit = 256M\n";
        struct fixture f;
        char path[16];

        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "app", 540 * MiB, 0), 0);
        for (int i = 1; i <= 6; i++) {
                snprintf(path, sizeof(path), "app/c%d", i);
                ck_assert_int_eq(sim_add_cgroup(f.be, path, 90 * MiB, 0), 0);
        }
        ck_assert_int_eq(sim_add_cgroup(f.be, "web", 100 * MiB, 0), 0);
        start(&f, conf);
        ck_assert_int_ge(engine_balance_check(&f.d.engine, f.d.cfg, false, NULL, NULL), 0);
        ck_assert_uint_eq(sim_low(f.be, "web"), 256 * MiB);   /* under its soft limit: held */
        ck_assert_msg(sim_low(f.be, "app") <= 300 * MiB, "app, 240M over, held at %lluM",
                      (unsigned long long)(sim_low(f.be, "app") / MiB));
        /* Come down to within the margin of its soft limit: still over until at it (held_over). */
        ck_assert_int_eq(sim_add_cgroup(f.be, "app", 301 * MiB, 0), 0);
        ck_assert_int_ge(engine_balance_check(&f.d.engine, f.d.cfg, false, NULL, NULL), 0);
        ck_assert(engine_find(&f.d.engine, "app")->held_over);
        ck_assert_msg(sim_low(f.be, "app") <= 300 * MiB, "app, 1M over, held at %lluM",
                      (unsigned long long)(sim_low(f.be, "app") / MiB));
        finish(&f);
}
END_TEST

/*
 * A glob that cannot be listed (out of descriptors) keeps the cgroups
 * managed as they are, and is said once, then once more when it can be
 * listed again.
 */
START_TEST(glob_that_cannot_be_listed_is_said_once)
{
        struct capture cap;
        struct fixture f;
        char *log;

        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "s1", 10 * MiB, 0), 0);
        start_logged(&f, &cap, "[cgroup s*]\nsoft_limit = 1G\n");
        sim_fail_glob(f.be, -EMFILE);
        ck_assert_int_eq(sim_add_cgroup(f.be, "s2", 10 * MiB, 0), 0);
        reload_follow_globs(&f.d);
        reload_follow_globs(&f.d);
        ck_assert_uint_eq(f.d.engine.n_cgroups, 1);
        sim_fail_glob(f.be, 0);
        reload_follow_globs(&f.d);
        ck_assert_uint_eq(f.d.engine.n_cgroups, 2);
        finish(&f);
        log = capture_end(&cap);
        ck_assert_int_eq(count(log, "Cannot list the cgroups the configuration's globs match: Too many open files"), 1);
        ck_assert_int_eq(count(log, "The configuration's globs can be listed again"), 1);
        free(log);
}
END_TEST

/*
 * batch over its soft limit and 60 cgroups s00..s59 under theirs, managed
 * with their info-level log captured, and the first balance check run:
 * 61 floors held in one pass.
 */
static void start_sixty_floors(struct fixture *f, struct capture *cap)
{
        char path[16];

        setup(f, 0);
        ck_assert_int_eq(sim_add_cgroup(f->be, "batch", 0, 300 * MiB), 0);
        for (int i = 0; i < 60; i++) {
                snprintf(path, sizeof(path), "s%02d", i);
                ck_assert_int_eq(sim_add_cgroup(f->be, path, 10 * MiB, 0), 0);
        }
        start_logged(f, cap, "[balance]\ntrim = no\n[cgroup batch]\nsoft_limit = 64M\n"
                             "[cgroup s*]\nsoft_limit = 64M\n");
        ck_assert_int_ge(engine_balance_check(&f->d.engine, f->d.cfg, false, NULL, NULL), 0);
        report_floors(&f->d);
}

/* A daemon-reload over start_sixty_floors()' holds, and the balancer's check half a balance interval on. */
static void sixty_written_over(struct fixture *f)
{
        char path[16];

        ck_assert_int_eq(sim_set_protection(f->be, "batch", 0, 0), 0);
        for (int i = 0; i < 60; i++) {
                snprintf(path, sizeof(path), "s%02d", i);
                ck_assert_int_eq(sim_set_protection(f->be, path, 0, 0), 0);
        }
        f->d.engine.verified_usec = 0;
        ck_assert_int_ge(engine_balance_check(&f->d.engine, f->d.cfg, false, NULL, NULL), 0);
        report_floors(&f->d);
}

/*
 * One hold at thousands of cgroups is a line each within a second, past
 * journald's burst: past the first 50 of a pass they are said at debug only,
 * and one line says how many. So are the holds a daemon-reload writes over.
 */
START_TEST(floor_lines_of_a_pass_are_bounded)
{
        struct capture cap;
        struct fixture f;
        char *log;

        start_sixty_floors(&f, &cap);
        ck_assert_uint_eq(sim_low(f.be, "s59"), 64 * MiB);   /* held, said or not */
        /* systemctl daemon-reload, read half a balance interval on: every floor written over, and held again. */
        sixty_written_over(&f);
        ck_assert_uint_eq(sim_low(f.be, "s59"), 64 * MiB);
        finish(&f);
        log = capture_end(&cap);
        /* 61 floors (batch's too), raised in one pass, again in another, and put back in a third, at the stop. */
        ck_assert_int_eq(count(log, "action=protect "), 100);
        ck_assert_int_eq(count(log, "action=release "), 100);   /* 50 said written over, 50 put back */
        ck_assert_int_eq(count(log, "result=changed "), 50);
        ck_assert_int_eq(count(log, "11 more held files someone changed since were found in the same pass"), 1);
        ck_assert_int_eq(count(log, "11 more floors raised or put back in the same pass"), 3);
        free(log);
}
END_TEST

/* Writes web's memory.low over with low, and runs the balancer's check a balance interval on. */
static void write_over_web(struct fixture *f, uint64_t low)
{
        ck_assert_int_eq(sim_set_protection(f->be, "web", 0, low), 0);
        f->d.engine.verified_usec = 0;   /* a balance interval on */
        ck_assert_int_ge(engine_balance_check(&f->d.engine, f->d.cfg, false, NULL, NULL), 0);
        report_floors(&f->d);
}

/*
 * Someone setting web's memory.low to 0 after each hold: the first two
 * losses said as any, the third as a fight, once, at notice level (the
 * log captured at notice then); the later ones and the holds taken again
 * at the same value at debug only. A reload that moves web's floor (a new
 * soft limit) keeps the count, and the new level is said, fight or not. A
 * window later with the hold left alone, the fight's end is said, once. A
 * loss found as the floor goes back (batch at its soft limit) is counted
 * as any.
 */
START_TEST(a_fight_over_a_hold_is_said_once)
{
        static const char conf[] = "[balance]\ntrim = no\n[cgroup batch]\nsoft_limit = 64M\n"
                                   "[cgroup web]\nsoft_limit = 64M\n";
        char path[] = "/tmp/reclaimd-test-conf.XXXXXX", *log;
        struct contest *c;
        struct capture cap;
        struct fixture f;

        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "batch", 0, 300 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "web", 10 * MiB, 0), 0);
        log_set_max_level(LOG_INFO);
        capture_start(&cap);
        start_from_file(&f, path, conf);
        ck_assert_int_ge(engine_balance_check(&f.d.engine, f.d.cfg, false, NULL, NULL), 0);
        for (int i = 0; i < 2; i++)
                write_over_web(&f, 0);
        log_set_max_level(LOG_NOTICE);   /* the fight's line, and only it */
        for (int i = 0; i < 3; i++) {
                write_over_web(&f, 0);
                ck_assert_uint_eq(sim_low(f.be, "web"), 64 * MiB);   /* held again, said or not */
        }
        log_set_max_level(LOG_INFO);
        c = &engine_find(&f.d.engine, "web")->contests[adjust_index(CG_MEMORY_LOW)];
        ck_assert_uint_eq(c->lost, 5);

        /* web's floor moved by a reload: the count carried, the new level said although in a fight. */
        write_file(path, "[balance]\ntrim = no\n[cgroup batch]\nsoft_limit = 64M\n"
                         "[cgroup web]\nsoft_limit = 80M\n");
        ck_assert_int_eq(daemon_reload(&f.d), 0);
        c = &engine_find(&f.d.engine, "web")->contests[adjust_index(CG_MEMORY_LOW)];
        ck_assert_uint_eq(c->lost, 5);
        ck_assert(contest_fight(c));
        f.d.engine.verified_usec = 0;
        ck_assert_int_ge(engine_balance_check(&f.d.engine, f.d.cfg, false, NULL, NULL), 0);
        report_floors(&f.d);
        ck_assert_uint_eq(sim_low(f.be, "web"), 80 * MiB);

        /* A window on, the hold left alone (the clock is the real one: the loss made older). */
        c->last_usec -= CONTEST_WINDOW_USEC;
        for (int i = 0; i < 2; i++) {
                f.d.engine.verified_usec = 0;
                ck_assert_int_ge(engine_balance_check(&f.d.engine, f.d.cfg, false, NULL, NULL), 0);
                report_floors(&f.d);
        }
        ck_assert(!contest_fight(c));

        /* Written over again, then found as the floor goes back: counted, a fight no more. */
        for (int i = 0; i < 2; i++)
                write_over_web(&f, 0);
        ck_assert_int_eq(sim_set_protection(f.be, "web", 0, 32 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "batch", 0, 64 * MiB), 0);
        ck_assert_int_ge(engine_balance_check(&f.d.engine, f.d.cfg, false, NULL, NULL), 0);
        report_floors(&f.d);
        ck_assert(!engine_find(&f.d.engine, "web")->low.active);
        ck_assert_uint_eq(c->lost, 8);
        ck_assert_uint_eq(c->streak, 3);
        ck_assert_uint_eq(sim_low(f.be, "web"), 32 * MiB);   /* theirs */
        finish(&f);
        unlink(path);
        log = capture_end(&cap);
        /* The first two, the first two after the fight ended; the third then is the second fight's. */
        ck_assert_int_eq(count(log, "result=changed "), 4);
        ck_assert_int_eq(count(log, "result=contested "), 2);
        ck_assert_int_eq(count(log, "written over 3 times, each within 10 min of the last"), 2);
        ck_assert_int_eq(count(log, "written_over=3 "), 1);
        ck_assert_int_eq(count(log, "written_over=8 "), 1);
        /*
         * batch's and web's first holds, web's after the first two losses, its
         * new level after the reload, and after the two losses once the fight
         * was over.
         */
        ck_assert_int_eq(count(log, "action=protect cgroup=web "), 6);
        ck_assert_int_eq(count(log, "Raised memory.low of web to 80.0M (was 0B)"), 3);
        ck_assert_int_eq(count(log, "result=settled "), 1);
        ck_assert_int_eq(count(log, "memory.low of web, held, has not been written over for 10 min"), 1);
        free(log);
}
END_TEST

/*
 * A burst of daemon-reloads writes over every floor at once, three times:
 * each file's third loss is a fight, in one pass, as are their ends a window
 * later: 50 lines of each a pass, and one that counts the rest.
 */
START_TEST(fight_lines_of_a_pass_are_bounded)
{
        struct capture cap;
        struct fixture f;
        char path[16], *log;

        start_sixty_floors(&f, &cap);
        for (int n = 0; n < 3; n++)
                sixty_written_over(&f);
        for (int i = 0; i < 60; i++) {
                snprintf(path, sizeof(path), "s%02d", i);
                engine_find(&f.d.engine, path)->contests[adjust_index(CG_MEMORY_LOW)].last_usec -= CONTEST_WINDOW_USEC;
        }
        f.d.engine.verified_usec = 0;
        ck_assert_int_ge(engine_balance_check(&f.d.engine, f.d.cfg, false, NULL, NULL), 0);
        report_floors(&f.d);
        finish(&f);
        log = capture_end(&cap);
        ck_assert_int_eq(count(log, "result=changed "), 100);   /* 50 a pass, twice */
        ck_assert_int_eq(count(log, "result=contested "), 50);
        ck_assert_int_eq(count(log, "11 more held files in a fight with another writer were found in the same pass"),
                         1);   /* batch's too */
        ck_assert_int_eq(count(log, "result=settled "), 50);
        ck_assert_int_eq(count(log, "10 more fights over held files ended in the same pass"), 1);
        free(log);
}
END_TEST

/*
 * Managed cgroups that may need more descriptors than RLIMIT_NOFILE allows
 * are said at start, once: past it, files that cannot be opened read as
 * unreadable, and the bus and the metrics fail for want of one.
 */
START_TEST(descriptor_limit_too_low_is_said)
{
        struct rlimit old, low;
        struct capture cap;
        struct fixture f;
        char path[16], *log;

        ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
        low = (struct rlimit){ .rlim_cur = 200, .rlim_max = old.rlim_max };
        ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
        setup(&f, 0);
        for (int i = 0; i < 20; i++) {
                snprintf(path, sizeof(path), "s%02d", i);
                ck_assert_int_eq(sim_add_cgroup(f.be, path, 10 * MiB, 0), 0);
        }
        start_logged(&f, &cap, "[cgroup s*]\nsoft_limit = 1G\n");
        finish(&f);
        log = capture_end(&cap);
        ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
        if (count(log, "20 managed cgroups may keep up to 264 file descriptors open, past RLIMIT_NOFILE (200)") != 1)
                fputs(log, stderr);
        ck_assert_int_eq(count(log, "20 managed cgroups may keep up to 264 file descriptors open, past "
                                    "RLIMIT_NOFILE (200)"), 1);
        free(log);
}
END_TEST

static void on_first_poll(struct ev_loop *loop, ev_timer *t, int revents)
{
        ev_break(loop, EVBREAK_ALL);
}

/* A managed cgroup that does not exist at start (a typo, or a service not started yet) is said, once. */
START_TEST(absent_cgroups_said_at_start)
{
        static const char conf[] = "[cgroup web]\nsoft_limit = 256M\n[cgroup wbe]\nsoft_limit = 1G\n"
                                   "[cgroup w*]\nsoft_limit = 2G\n";
        struct capture cap;
        struct fixture f;
        struct poll_run p;
        char *log;

        setup(&f, 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "web", 100 * MiB, 0), 0);
        start_logged(&f, &cap, conf);
        poll_start(&f, &p, on_first_poll, 20.);
        ck_assert_int_eq(daemon_run(&f.d), 0);
        ck_assert(poll_end(&f, &p));
        finish(&f);
        log = capture_end(&cap);
        ck_assert_uint_eq(count(log, "does not exist"), 1);
        ck_assert_ptr_nonnull(strstr(log, "msg=\"Cgroup wbe of [cgroup wbe] (daemon.conf:3) does not exist; "
                                          "managed once it appears\""));
        ck_assert_ptr_nonnull(strstr(log, "Started: 2 cgroups managed (1 not there yet), 1 trigger"));
        free(log);
}
END_TEST

/*
 * Under steady pressure rounds run back to back, and the worker is busy at
 * every tick, when the cgroups' triggers are armed again: a trigger lost
 * to a service's restart (its cgroup removed and made again) is armed at
 * a job's end instead, not left off for as long as the pressure lasts.
 */
static struct {
        struct fixture *f;
        ev_timer timer;
        unsigned step;
        double until;
        unsigned rounds;
} busy;

/* The other scope fires while one's round runs: it waits, and starts as that one ends. */
static void keep_busy(struct fixture *f)
{
        struct scope *a = scope_of(&f->d, "a"), *b = scope_of(&f->d, "b");

        daemon_trigger(&f->d, f->d.running == a ? b : a);
}

static void busy_step(struct ev_loop *loop, ev_timer *t, int revents)
{
        struct fixture *f = busy.f;

        switch (busy.step) {
        case 0:
                if (!armed_text(f->be, "c"))
                        return;
                f->on_started = keep_busy;
                daemon_trigger(&f->d, scope_of(&f->d, "a"));
                break;
        case 1:   /* busy now: c's service restarts */
                if (!f->d.worker.busy)
                        return;
                ck_assert_int_eq(sim_remove_cgroup(f->be, "c"), 0);
                ck_assert_int_eq(sim_add_cgroup(f->be, "c", 0, 10 * MiB), 0);
                busy.until = ev_now(loop) + 3.;
                break;
        case 2:   /* 3 s of rounds back to back, 30 ticks: armed again, or the test fails */
                if (ev_now(loop) < busy.until && !armed_text(f->be, "c"))
                        return;
                busy.rounds = scope_of(&f->d, "a")->rounds + scope_of(&f->d, "b")->rounds;
                f->on_started = NULL;
                raise(SIGTERM);
                break;
        default:
                return;
        }
        busy.step++;
}

START_TEST(trigger_armed_again_under_steady_pressure)
{
        static const char conf[] = "[reclaim]\nrelease_interval = 100ms\nstep_timeout = 0s\n"
                                   "round_target = 16M\nmin_chunk = 16M\n"
                                   "[cgroup a]\nsoft_limit = 64M\ntrigger = some 150ms 1s\n"
                                   "[cgroup b]\nsoft_limit = 64M\ntrigger = some 150ms 1s\n"
                                   "[cgroup c]\nsoft_limit = 64M\ntrigger = some 150ms 1s\n";
        struct fixture f;
        bool armed;

        setup(&f, 10000);   /* each write takes 10 ms */
        ck_assert_int_eq(sim_add_cgroup(f.be, "a", 0, 1024 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "b", 0, 1024 * MiB), 0);
        ck_assert_int_eq(sim_add_cgroup(f.be, "c", 0, 10 * MiB), 0);
        start(&f, conf);
        busy.f = &f;
        busy.step = 0;
        ev_timer_init(&busy.timer, busy_step, 0.01, 0.01);
        ev_timer_start(f.d.loop, &busy.timer);
        ck_assert_int_eq(daemon_run(&f.d), 0);
        ev_timer_stop(f.d.loop, &busy.timer);
        armed = armed_text(f.be, "c") != NULL;
        sim_set_persistent(f.be);
        ev_io_stop(f.d.loop, &f.started);
        daemon_done(&f.d);
        close(f.started_fd);
        unlink(f.state);
        state_unlock_file(f.state);
        sim_destroy(f.be);
        ck_assert_uint_eq(busy.step, 3);
        ck_assert_msg(armed, "c's trigger, lost when its cgroup was made again, was not armed again in 3 s "
                      "of rounds back to back (30 ticks)");
        ck_assert_uint_ge(busy.rounds, 1);   /* a round ran while c was off */
}
END_TEST

CHECK_MAIN("daemon", dry_run_says_what_it_would_write, dry_run_beside_a_running_one, trigger_armed_again_under_steady_pressure,
           reload_during_a_round_answers_at_once, fruitless_round_backs_its_scope_off, reload_moves_the_metrics_file, metrics_written_while_a_write_blocks,
           repeated_rounds_said_once_then_summarized, balancer_trims_between_triggers, trigger_wakes_the_sleeping_balancer, sleeping_balancer_checks_with_the_tick, sleeping_balancer_without_a_tick_near, reload_keeps_unchanged_triggers_armed, clamp_released_when_pressure_is_unreadable, damaged_state_file_at_start, triggers_refused_and_lost_are_armed_again, watchdog_pings_while_a_write_blocks, step_cut_short_after_step_timeout, sigterm_served_while_a_write_blocks, overlapping_triggers_coalesce,
           disjoint_triggers_queue, stop_restores_memory_high, start_restores_after_a_crash,
           reload_keeps_old_on_error_and_restores_dropped, reload_fits_the_clamps, reload_failing_reallocarray_loses_nothing,
           start_failing_reallocarray_loses_nothing,
           reload_keeps_a_retuned_scopes_counters, clamp_said_in_whole_pages,
           raised_declared_soft_limit_fits_the_clamp_after_a_round, reload_wakes_a_sleeping_balancer,
           counts_said_in_words, system_trigger_waits_for_a_cgroup_round,
           release_on_a_removed_cgroup_is_not_a_failure, step_on_a_removed_cgroup_is_not_a_failure,
           stop_restores_with_its_log_reader_gone, second_run_on_a_state_file_refused,
           absent_cgroups_said_at_start, ancestor_protect_line, offender_floor_stops_at_its_soft_limit,
           descriptor_limit_too_low_is_said, floor_lines_of_a_pass_are_bounded, a_fight_over_a_hold_is_said_once,
           fight_lines_of_a_pass_are_bounded,
           glob_that_cannot_be_listed_is_said_once)
