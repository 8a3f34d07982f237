/* The log sink: structured records to journald, or key=value lines on stderr. */
#include "autoconfig.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
/* The records carry the caller's CODE_FILE/LINE/FUNC; without this libsystemd adds its own too. */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "log.h"
#include "logfmt.h"

#define LOG_LINE_MAX 2048

static int max_level = LOG_INFO;
static bool journal;

static const struct {
        const char *text;
        const char *journal;
} field_names[_LOG_F_MAX] = {
        [LOG_F_CGROUP]     = { "cgroup", "CGROUP" },
        [LOG_F_SCOPE]      = { "scope", "SCOPE" },
        [LOG_F_REQUESTED]  = { "requested", "REQUESTED_BYTES" },
        [LOG_F_RECLAIMED]  = { "reclaimed", "RECLAIMED_BYTES" },
        [LOG_F_TARGET]     = { "target", "TARGET_BYTES" },
        [LOG_F_PRIORITY]   = { "priority", "PRIORITY_LEVEL" },
        [LOG_F_SOFT_LIMIT] = { "soft_limit", "SOFT_LIMIT_BYTES" },
        [LOG_F_CURRENT]    = { "current", "CURRENT_BYTES" },
        [LOG_F_EXCESS]     = { "excess", "EXCESS_BYTES" },
        [LOG_F_RESULT]     = { "result", "RESULT" },
        [LOG_F_DRY_RUN]    = { "dry_run", "DRY_RUN" },
        [LOG_F_STEPS]      = { "steps", "STEPS" },
        [LOG_F_TRIGGER]    = { "trigger", "TRIGGER" },
        [LOG_F_PATH]       = { "path", "CONFIG_PATH" },
        [LOG_F_CGROUPS]    = { "cgroups", "CGROUPS_MANAGED" },
        [LOG_F_ROUND]      = { "round", "ROUND" },
        [LOG_F_SIGNAL]     = { "signal", "SIGNAL" },
        [LOG_F_HIGH]       = { "high", "MEMORY_HIGH_BYTES" },
        [LOG_F_LEVEL]      = { "level", "PRESSURE_LEVEL" },
        [LOG_F_SWAP]       = { "swap", "SWAP" },
        [LOG_F_COOLDOWN]   = { "cooldown_usec", "COOLDOWN_USEC" },
        [LOG_F_FILE]       = { "file", "CGROUP_FILE" },
        [LOG_F_PSI_SOME_AVG10] = { "psi_some_avg10", "PSI_SOME_AVG10" },
        [LOG_F_PSI_FULL_AVG10] = { "psi_full_avg10", "PSI_FULL_AVG10" },
        [LOG_F_LOW]        = { "low", "MEMORY_LOW_BYTES" },
        [LOG_F_ORIGINAL]   = { "original", "ORIGINAL_BYTES" },
        [LOG_F_SHORTFALL]  = { "shortfall", "SHORTFALL_BYTES" },
        [LOG_F_MODE]       = { "mode", "MODE" },
        [LOG_F_REPEATS]    = { "repeats", "REPEATS" },
        [LOG_F_INTERVAL]   = { "interval_usec", "INTERVAL_USEC" },
        [LOG_F_TAKEN]      = { "taken", "TAKEN_BYTES" },
        [LOG_F_REFAULT]    = { "refault_permille", "REFAULT_PERMILLE" },
        [LOG_F_LINE]       = { "line", "CONFIG_LINE" },
        [LOG_F_SECTION]    = { "section", "CONFIG_SECTION" },
        [LOG_F_KEY]        = { "key", "CONFIG_KEY" },
        [LOG_F_WRITTEN_OVER] = { "written_over", "WRITTEN_OVER" },
};

/* MESSAGE_IDs are fixed forever: journalctl -x and the catalog look them up. */
static const struct {
        const char *action;
        const char *message_id;
} events[_LOG_EV_MAX] = {
        [LOG_EV_STARTED]     = { "started",    "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c01" },
        [LOG_EV_TRIGGER]     = { "trigger",    "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c02" },
        [LOG_EV_ROUND_START] = { "round",      "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c03" },
        [LOG_EV_RECLAIM]     = { "reclaim",    "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c04" },
        [LOG_EV_ROUND_END]   = { "round_end",  "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c05" },
        [LOG_EV_CGROUP_GONE] = { "cgroup_gone", "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c06" },
        [LOG_EV_EXHAUSTED]   = { "exhausted",  "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c07" },
        [LOG_EV_STOPPING]    = { "stopping",   "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c08" },
        [LOG_EV_ARMED]       = { "armed",      "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c09" },
        [LOG_EV_CLAMP]       = { "clamp",      "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c0a" },
        [LOG_EV_RELEASE]     = { "release",    "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c0b" },
        [LOG_EV_BACKOFF]     = { "backoff",    "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c0c" },
        [LOG_EV_RELOAD]      = { "reload",     "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c0d" },
        [LOG_EV_CGROUP_ERROR] = { "cgroup_error", "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c0e" },
        [LOG_EV_PROTECT]     = { "protect",    "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c0f" },
        [LOG_EV_REPEATED]    = { "repeated",   "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c10" },
        [LOG_EV_XATTR]       = { "xattr",      "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c11" },
        [LOG_EV_YIELD]       = { "yield",      "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c12" },
        [LOG_EV_YIELD_MACHINE] = { "yield",    "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c13" },
        [LOG_EV_HOLD]        = { "hold",       "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c14" },
        [LOG_EV_CONFIG_ERROR] = { "config_error", "4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c15" },
};

const char *log_event_name(enum log_event_kind kind)
{
        return events[kind].action;
}

const char *log_event_message_id(enum log_event_kind kind)
{
        return events[kind].message_id;
}


/* Same test as systemd's log.c: stderr is the journal stream named in $JOURNAL_STREAM. */
static bool stderr_is_journal(void)
{
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

void log_open(enum log_target target)
{
        journal = target == LOG_TARGET_JOURNAL ||
                  (target == LOG_TARGET_AUTO && stderr_is_journal());
}

void log_set_max_level(int level)
{
        max_level = level;
}

int log_get_max_level(void)
{
        return max_level;
}


/*
 * One record to journald. Each field is "NAME=value" with the value's bytes
 * as they are, however long: sd_journal_sendv() sends a value that holds a
 * newline in the native protocol's binary form (the name, a newline, the
 * length as 64-bit little endian, the bytes), so no cgroup name can end a
 * field early or add one (libsystemd's journal-send.c), and bytes that are not
 * UTF-8 are stored as they are (journalctl -o json shows them as a byte array).
 */
static int send_journal(int level, const char *action, const char *message_id, const struct log_kv *kv, size_t n,
                        const char *file, int line, const char *func, int err, const char *msg)
{
        struct iovec iov[_LOG_F_MAX + 9];
        size_t k = 0;
        int r;

#define ADD(...) do { \
                char *_s; \
                int _l = asprintf(&_s, __VA_ARGS__); \
                if (_l > 0 && k < ARRAY_SIZE(iov)) \
                        iov[k++] = (struct iovec){ .iov_base = _s, .iov_len = (size_t)_l }; \
                else if (_l > 0) \
                        free(_s); \
        } while (0)

        ADD("MESSAGE=%s", msg);
        ADD("PRIORITY=%i", level);
        ADD("SYSLOG_IDENTIFIER=reclaimd");
        ADD("CODE_FILE=%s", file);
        ADD("CODE_LINE=%i", line);
        ADD("CODE_FUNC=%s", func);
        if (err)
                ADD("ERRNO=%i", err);
        if (message_id)
                ADD("MESSAGE_ID=%s", message_id);
        if (action)
                ADD("ACTION=%s", action);
        for (size_t i = 0; i < n; i++) {
                if (kv[i].is_str)
                        ADD("%s=%s", field_names[kv[i].field].journal, kv[i].str ?: "");
                else
                        ADD("%s=%" PRIu64, field_names[kv[i].field].journal, kv[i].u64);
        }
#undef ADD
        /*
         * The worker's interrupt (step_timeout, stopping) may land while it
         * waits on a full journal socket: sd_journal_sendv() then fails with
         * EINTR and does not retry.
         */
        do
                r = k > 0 ? sd_journal_sendv(iov, (int)k) : -ENOMEM;
        while (r == -EINTR);
        for (size_t i = 0; i < k; i++)
                free(iov[i].iov_base);
        return r;
}

/* One key=value of a stderr line. */
struct field {
        const char *key;
        const char *value;
};

/*
 * Formats fields as one logfmt line, newline included, the way snprintf()
 * does: at most size bytes stored, the whole length returned. Every value goes
 * through logfmt_value(), so whatever a cgroup's name holds, the line stays
 * one line of these fields.
 */
static size_t format_line(char *buf, size_t size, const struct field *f, size_t n)
{
        size_t len = 0;

        for (size_t i = 0; i <= n; i++) {
                char *at = len < size ? buf + len : NULL;
                size_t left = len < size ? size - len : 0;

                if (i == n) {
                        len += (size_t)snprintf(at, left, "\n");
                        break;
                }
                len += (size_t)snprintf(at, left, "%s%s=", i ? " " : "", f[i].key);
                at = len < size ? buf + len : NULL;
                left = len < size ? size - len : 0;
                len += logfmt_value(at, left, f[i].value);
        }
        return len;
}

static void write_all(const char *s, size_t len)
{
        while (len > 0) {
                ssize_t w = write(STDERR_FILENO, s, len);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return;   /* nowhere left to say it */
                s += w;
                len -= (size_t)w;
        }
}

/*
 * Writes one line, in one write() when the kernel takes it whole, so lines of
 * concurrent writers do not interleave. Nothing is cut: a line longer than
 * the stack buffer (a long path, escaped) is formatted on the heap.
 */
static void write_fields(const struct field *f, size_t n)
{
        static const char dropped[] = "msg=\"Out of memory: a log line was dropped\"\n";
        char stack[LOG_LINE_MAX], *line = stack;
        size_t len = format_line(stack, sizeof(stack), f, n);

        if (len >= sizeof(stack)) {
                line = malloc(len + 1);
                if (!line) {
                        write_all(dropped, sizeof(dropped) - 1);
                        return;
                }
                format_line(line, len + 1, f, n);
        }
        write_all(line, len);
        if (line != stack)
                free(line);
}

/*
 * vsnprintf() into buf, or into a heap copy (*heap, freed by the caller)
 * when the message is longer: a message names cgroups, whose paths may be
 * longer than buf. Cut short only when memory runs out.
 */
static const char *format_msg(char *buf, size_t size, char **heap, const char *fmt, va_list ap)
{
        int saved = errno, n;
        va_list aq;

        *heap = NULL;
        va_copy(aq, ap);
        n = vsnprintf(buf, size, fmt, aq);
        va_end(aq);
        errno = saved;   /* for %m */
        if (n >= 0 && (size_t)n >= size && vasprintf(heap, fmt, ap) < 0)
                *heap = NULL;
        return *heap ?: buf;
}

int log_internal(int level, int err, const char *file, int line, const char *func,
                 const char *fmt, ...)
{
        char buf[LOG_LINE_MAX], *heap;
        const char *msg;
        va_list ap;

        if (err < 0)
                err = -err;
        if (level > max_level)
                return -err;

        errno = err;
        va_start(ap, fmt);
        msg = format_msg(buf, sizeof(buf), &heap, fmt, ap);
        va_end(ap);

        if (journal)
                send_journal(level, NULL, NULL, NULL, 0, file, line, func, err, msg);
        else
                write_fields(&(struct field){ "msg", msg }, 1);
        free(heap);
        return -err;
}

int log_event_internal(int level, enum log_event_kind kind, const struct log_kv *kv, size_t n,
                       const char *file, int line, const char *func, const char *fmt, ...)
{
        char buf[LOG_LINE_MAX], num[_LOG_F_MAX][24], *heap;
        struct field f[_LOG_F_MAX + 2];
        const char *msg;
        size_t k = 0;
        va_list ap;

        if (level > max_level)
                return 0;

        va_start(ap, fmt);
        msg = format_msg(buf, sizeof(buf), &heap, fmt, ap);
        va_end(ap);

        if (journal)
                send_journal(level, events[kind].action, events[kind].message_id, kv, n, file, line, func, 0, msg);
        else {
                f[k++] = (struct field){ "action", events[kind].action };
                for (size_t i = 0; i < n && i < _LOG_F_MAX; i++) {
                        if (!kv[i].is_str)
                                snprintf(num[i], sizeof(num[i]), "%" PRIu64, kv[i].u64);
                        f[k++] = (struct field){ field_names[kv[i].field].text,
                                                 kv[i].is_str ? (kv[i].str ?: "") : num[i] };
                }
                f[k++] = (struct field){ "msg", msg };
                write_fields(f, k);
        }
        free(heap);
        return 0;
}
