/* The control interface on the system bus (sd-bus), answered from the loop's snapshot. */
#include "autoconfig.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "bus.h"
#include "cgpath.h"
#include "ctl.h"
#include "daemon.h"
#include "escape.h"
#include "explain.h"
#include "log.h"
#include "observe.h"
#include "status.h"
#include "util.h"

#define BUS_RETRY_SEC 30   /* between tries of a control interface that is off for a passing cause */

/* Renders into a fresh string. */
static int render(char **ret, int (*fn)(FILE *f, void *userdata), void *userdata)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        int r;

        if (!f)
                return -ENOMEM;
        r = fn(f, userdata);
        if (fclose(f) != 0 && r == 0)
                r = -ENOMEM;
        if (r < 0) {
                free(text);
                return r;
        }
        *ret = text;
        return 0;
}

struct status_args {
        const struct snapshot *s;
        bool json;
};

static int write_status(FILE *f, void *userdata)
{
        const struct status_args *a = userdata;

        return a->json ? status_write_json(f, a->s) : status_write_text(f, a->s);
}

int bus_answer_status(struct daemon *d, bool json, char **ret)
{
        struct status_args a = { .s = &d->observe.snap, .json = json };

        /* Never waits for the worker: with a job in flight only the loop's own figures are renewed. */
        observe_for_reader(d);
        d->observe.snap.busy = d->worker.busy;
        return render(ret, write_status, &a);
}

struct explain_args {
        struct daemon *d;
        const char *path;
        bool exists;
};

static int write_explain(FILE *f, void *userdata)
{
        const struct explain_args *a = userdata;

        return explain_write(f, &a->d->observe.snap, a->d->cfg, a->path, a->exists);
}

/*
 * Whether a cgroup reclaimd does not manage exists. Opening it is one
 * openat2() beneath the root (the cgroupfs backend keeps no state for it), so
 * it is safe beside the worker's writes and never waits for them.
 */
static bool cgroup_exists(struct daemon *d, const char *path)
{
        struct backend_cgroup *cg = NULL;

        if (d->be->ops->open_cgroup(d->be, path, &cg) < 0)
                return false;
        d->be->ops->close_cgroup(d->be, cg);
        return true;
}

/* A name its owner chose, for a message: C escapes (escape_text()). */
static int write_escaped(FILE *f, void *userdata)
{
        escape_text(f, userdata);
        return 0;
}

static int answer_explain(struct daemon *d, const char *path, bool escaped_too, char **ret, const char **ret_error);

int bus_answer_explain(struct daemon *d, const char *path, char **ret, const char **ret_error)
{
        return answer_explain(d, path, true, ret, ret_error);
}

int bus_answer_explain_bytes(struct daemon *d, const void *bytes, size_t size, char **ret, const char **ret_error)
{
        _cleanup_free_ char *path = NULL;

        *ret_error = SD_BUS_ERROR_INVALID_ARGS;
        if (memchr(bytes, '\0', size))
                return asprintf(ret, "A cgroup name holds no NUL byte") < 0 ? -ENOMEM : -EINVAL;
        path = strndup(bytes, size);
        if (!path)
                return -ENOMEM;
        return answer_explain(d, path, false, ret, ret_error);   /* the bytes are the name: no escape read */
}

static int answer_explain(struct daemon *d, const char *path, bool escaped_too, char **ret, const char **ret_error)
{
        _cleanup_free_ char *norm = NULL, *name = NULL, *section = NULL;
        struct explain_args a = { .d = d };
        size_t len;
        int r;

        /* "/batch.slice/" as "batch.slice"; any name a cgroup's owner chose, control characters too. */
        path += strspn(path, "/");
        len = strlen(path);
        while (len > 0 && path[len - 1] == '/')
                len--;
        norm = strndup(path, len);
        if (!norm)
                return -ENOMEM;
        *ret_error = SD_BUS_ERROR_INVALID_ARGS;
        if (!cgpath_is_cgroup(norm))
                return asprintf(ret, "Not a cgroup path beneath the root (empty, or with \".\" or \"..\" "
                                "components)") < 0 ? -ENOMEM : -EINVAL;
        observe_for_reader(d);
        a.path = norm;
        a.exists = snapshot_find(&d->observe.snap, norm) || cgroup_exists(d, norm);
        /*
         * The name as status printed it (C escapes), as an operator copies it.
         * Tried second, as systemd's own unit names hold "\x2d" literally.
         * reclaimctl sends a name that is not UTF-8 as bytes (ExplainBytes).
         */
        if (escaped_too && !a.exists && strchr(norm, '\\') && unescape_text(norm, &name) == 0 &&
            cgpath_is_cgroup(name) &&
            (snapshot_find(&d->observe.snap, name) || cgroup_exists(d, name))) {
                free(norm);
                norm = name;
                name = NULL;
                a.path = norm;
                a.exists = true;
        }
        free(name);
        name = NULL;
        r = render(ret, write_explain, &a);
        if (r == -ENOENT) {
                const struct cgroup_config *sec = config_match(d->cfg, norm);

                *ret_error = CTL_ERROR_NO_SUCH_CGROUP;
                r = render(&name, write_escaped, (void *)norm);
                if (r < 0)
                        return r;
                r = sec ? render(&section, write_escaped, sec->path) : 0;
                if (r < 0)
                        return r;
                if (sec)
                        r = asprintf(ret, "No cgroup %s beneath the cgroup root; [cgroup %s] would manage it "
                                     "once it appears", name, section);
                else
                        r = asprintf(ret, "No cgroup %s beneath the cgroup root, and no section matches it", name);
                return r < 0 ? -ENOMEM : -ENOENT;
        }
        return r;
}

int bus_answer_reload(struct daemon *d, char **ret, const char **ret_error)
{
        _cleanup_free_ char *errors = NULL;
        int r;

        r = daemon_reload_explained(d, &errors);
        if (r == 1)
                return (*ret = strdup("The configuration is valid; it is applied once the round in flight "
                                      "ends")) ? 0 : -ENOMEM;
        if (r < 0) {
                *ret_error = CTL_ERROR_RELOAD_FAILED;
                if (errors)   /* config_load(): the files were read, and refused */
                        return asprintf(ret, "The configuration has errors; the running configuration is "
                                        "kept:\n%s", errors) < 0 ? -ENOMEM : r;
                return asprintf(ret, "Reloading failed: %s (see journalctl -u reclaimd); the running "
                                "configuration is kept", strerror(-r)) < 0 ? -ENOMEM : r;
        }
        return asprintf(ret, "Reloaded %s: %zu cgroup%s managed", d->opt.config_file, d->engine.n_cgroups,
                        d->engine.n_cgroups == 1 ? "" : "s") < 0 ? -ENOMEM : 0;
}

/* ---- sd-bus ---- */

/* Only root: the bus policy says so too; this says it clearly to whoever gets through. */
static int check_root(sd_bus_message *m, sd_bus_error *error)
{
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t euid;
        int r;

        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &euid);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot tell who is calling: %m");
        if (euid != 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Only root may ask reclaimd (the caller's user id is %u)", (unsigned)euid);
        return 0;
}

/* Replies with the answer's text, or its error. */
static int reply(sd_bus_message *m, sd_bus_error *error, int r, char *text, const char *error_name)
{
        _cleanup_free_ char *t = text;

        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return sd_bus_error_set(error, error_name ?: SD_BUS_ERROR_FAILED, t ?: strerror(-r));
        return sd_bus_reply_method_return(m, "s", t);
}

static int method_status(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        char *text = NULL;
        int json, r;

        r = check_root(m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "b", &json);
        if (r < 0)
                return r;
        r = bus_answer_status(userdata, json, &text);
        return reply(m, error, r, text, NULL);
}

static int method_explain(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *path, *err = NULL;
        char *text = NULL;
        int r;

        r = check_root(m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "s", &path);
        if (r < 0)
                return r;
        r = bus_answer_explain(userdata, path, &text, &err);
        return reply(m, error, r, text, err);
}

/* Explain of a name as bytes ("ay"): a D-Bus string is UTF-8, and a cgroup's name need not be. */
static int method_explain_bytes(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *err = NULL;
        const void *bytes;
        char *text = NULL;
        size_t size;
        int r;

        r = check_root(m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read_array(m, 'y', &bytes, &size);
        if (r < 0)
                return r;
        r = bus_answer_explain_bytes(userdata, bytes, size, &text, &err);
        return reply(m, error, r, text, err);
}

static int method_reload(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *err = NULL;
        char *text = NULL;
        int r;

        r = check_root(m, error);
        if (r < 0)
                return r;
        log_info("Reload asked over the bus");
        r = bus_answer_reload(userdata, &text, &err);
        return reply(m, error, r, text, err);
}

static const sd_bus_vtable vtable[] = {
        SD_BUS_VTABLE_START(0),
        /* Checked against root in the method itself, for a clear error. */
        SD_BUS_METHOD("Status", "b", "s", method_status, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Explain", "s", "s", method_explain, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("ExplainBytes", "ay", "s", method_explain_bytes, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Reload", "", "s", method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

static void retry_later(struct daemon *d)
{
        ev_timer_set(&d->bus.retry, d->bus.retry_sec > 0 ? d->bus.retry_sec : BUS_RETRY_SEC, 0.);
        ev_timer_start(d->loop, &d->bus.retry);
        d->bus.retrying = true;
}

static void lost(struct daemon *d, int r)
{
        if (d->bus.naming)
                log_debug_errno(r, "The control interface is still off: %m");   /* a retry's, said once */
        else
                log_warning_errno(r, "Lost the system bus: %m; the control interface is off, trying again "
                                  "every %gs", d->bus.retry_sec > 0 ? d->bus.retry_sec : BUS_RETRY_SEC);
        bus_stop(d);
        retry_later(d);
}

static void process(struct daemon *d)
{
        int r;

        while (d->bus.bus && (r = sd_bus_process(d->bus.bus, NULL)) != 0) {
                if (r >= 0 && d->bus.name_err < 0)
                        r = d->bus.name_err;   /* closed here, not in the callback sd-bus runs it from */
                if (r < 0) {
                        d->bus.name_err = 0;
                        lost(d, r);
                        return;
                }
        }
}

/* A retry's answer to the request for the name (on_retry(): never waited for on the loop). */
static int on_name(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct daemon *d = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        uint32_t reply = 0;

        if (e) {
                d->bus.name_err = sd_bus_error_get_errno(e) > 0 ? -sd_bus_error_get_errno(e) : -EIO;
                return 0;
        }
        /*
         * RequestName's own answer, which sd_bus_request_name() checks and an
         * async callback gets raw: 3 (EXISTS) is another process's name -- a
         * dry run beside this one, that got in first after the bus restarted.
         */
        if (sd_bus_message_read(m, "u", &reply) < 0 || (reply != 1 && reply != 4)) {
                d->bus.name_err = reply == 3 ? -EEXIST : -EIO;
                return 0;
        }
        d->bus.naming = d->bus.retrying = false;
        log_info("Control interface on the system bus as " CTL_BUS_NAME " (reclaimctl), at last");
        return 0;
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
        process(container_of(w, struct daemon, bus.io));
}

static void on_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
        process(container_of(t, struct daemon, bus.timer));
}

/* What sd-bus waits for now: its descriptor's events, and its timeout (absolute, CLOCK_MONOTONIC). */
static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
        struct daemon *d = container_of(w, struct daemon, bus.prepare);
        uint64_t until, now;
        int events, ev = 0;

        events = sd_bus_get_events(d->bus.bus);
        if (events < 0 || sd_bus_get_timeout(d->bus.bus, &until) < 0) {
                lost(d, events < 0 ? events : -ENOTCONN);
                return;
        }
        ev |= events & POLLIN ? EV_READ : 0;
        ev |= events & POLLOUT ? EV_WRITE : 0;
        if (ev != (d->bus.io.events & (EV_READ | EV_WRITE))) {
                ev_io_stop(loop, &d->bus.io);
                ev_io_set(&d->bus.io, d->bus.io.fd, ev);
                ev_io_start(loop, &d->bus.io);
        }
        ev_timer_stop(loop, &d->bus.timer);
        if (until != UINT64_MAX) {
                now = engine_clock_monotonic();
                ev_timer_set(&d->bus.timer, until > now ? (double)(until - now) / 1e6 : 0., 0.);
                ev_timer_start(loop, &d->bus.timer);
        }
}

/*
 * Causes that pass, so that a later try may work: no descriptor or memory
 * left (thousands of cgroups opened at start), or the bus refusing while it
 * restarts, or another process owning the name (a dry run, which ends). No
 * bus at all (ENOENT: a container) or no right to the name is for good, and
 * trying again would only add wake-ups to an idle reclaimd.
 */
static bool passing(int r)
{
        return r == -EMFILE || r == -ENFILE || r == -ENOMEM || r == -ECONNREFUSED || r == -EAGAIN ||
               r == -ETIMEDOUT || r == -EEXIST;
}

static void on_retry(struct ev_loop *loop, ev_timer *t, int revents)
{
        bus_start(container_of(t, struct daemon, bus.retry));
}

void bus_start(struct daemon *d)
{
        bool again = d->bus.retrying;
        sd_bus *b = NULL;
        int r;

        if (!again)
                ev_init(&d->bus.retry, on_retry);
        r = sd_bus_open_system(&b);
        if (r >= 0)
                r = sd_bus_add_object_vtable(b, NULL, CTL_OBJECT, CTL_INTERFACE, vtable, d);
        /*
         * At start the name is waited for. A retry runs on the loop, and a bus
         * that hangs (frozen, or half restarted) would hold it past the
         * watchdog: its answer comes to on_name() instead.
         */
        if (r >= 0)
                r = again ? sd_bus_request_name_async(b, NULL, CTL_BUS_NAME, 0, on_name, d) :
                            sd_bus_request_name(b, CTL_BUS_NAME, 0);
        if (r < 0) {
                char retry[48] = "";

                if (passing(r) || again)
                        snprintf(retry, sizeof(retry), "; trying again every %gs",
                                 d->bus.retry_sec > 0 ? d->bus.retry_sec : BUS_RETRY_SEC);
                if (again)
                        log_debug_errno(r, "The control interface is still off: %m");
                else
                        log_notice_errno(r, "The control interface is off: %s (%m); reclaimd runs without it, "
                                         "and reclaimctl will not reach it%s",
                                         r == -EACCES || r == -EPERM ? "the system bus does not let reclaimd own "
                                         CTL_BUS_NAME " (is its bus policy file installed?)" :
                                         r == -EMFILE || r == -ENFILE ? "out of file descriptors" :
                                         r == -EEXIST ? "another process owns " CTL_BUS_NAME " (a dry run, or a "
                                         "second reclaimd), and reclaimctl reaches that one" : "no system bus",
                                         retry);
                sd_bus_close_unref(b);
                if (passing(r) || again)
                        retry_later(d);
                return;
        }
        ev_timer_stop(d->loop, &d->bus.retry);
        d->bus.bus = b;
        ev_io_init(&d->bus.io, on_io, sd_bus_get_fd(b), EV_READ);
        ev_io_start(d->loop, &d->bus.io);
        ev_init(&d->bus.timer, on_timer);
        ev_prepare_init(&d->bus.prepare, on_prepare);
        ev_prepare_start(d->loop, &d->bus.prepare);
        d->bus.naming = again;
        if (again)
                return;   /* said when the name is ours (on_name()) */
        d->bus.retrying = false;
        log_info("Control interface on the system bus as " CTL_BUS_NAME " (reclaimctl)");
}

void bus_stop(struct daemon *d)
{
        if (d->bus.retrying) {
                ev_timer_stop(d->loop, &d->bus.retry);
                d->bus.retrying = false;
        }
        d->bus.naming = false;
        if (!d->bus.bus)
                return;
        ev_io_stop(d->loop, &d->bus.io);
        ev_timer_stop(d->loop, &d->bus.timer);
        ev_prepare_stop(d->loop, &d->bus.prepare);
        /*
         * Not flushed: sd_bus_flush() waits with no deadline, and a bus that
         * hangs (frozen, or half restarted) would keep a SIGTERM from putting
         * back what reclaimd holds. An answer still queued is lost.
         */
        d->bus.bus = sd_bus_close_unref(d->bus.bus);
}
