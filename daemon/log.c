/* The log sink: structured records to journald, or key=value lines on stderr. */
#include "autoconfig.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
/* The records carry the caller's CODE_FILE/LINE/FUNC; without this libsystemd adds its own too. */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "log.h"

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


static int send_journal(int level, const char *action, const char *message_id, const struct log_kv *kv, size_t n,
                        const char *file, int line, const char *func, int err, const char *msg)
{
        char buf[_LOG_F_MAX + 8][LOG_LINE_MAX];
        struct iovec iov[_LOG_F_MAX + 8];
        size_t k = 0;

#define ADD(...) do { \
                int _l = snprintf(buf[k], sizeof(buf[k]), __VA_ARGS__); \
                iov[k].iov_base = buf[k]; \
                iov[k].iov_len = _l < 0 ? 0 : (size_t)_l >= sizeof(buf[k]) ? sizeof(buf[k]) - 1 : (size_t)_l; \
                k++; \
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
        for (size_t i = 0; i < n && k < ARRAY_SIZE(iov); i++) {
                if (kv[i].is_str)
                        ADD("%s=%s", field_names[kv[i].field].journal, kv[i].str ?: "");
                else
                        ADD("%s=%" PRIu64, field_names[kv[i].field].journal, kv[i].u64);
        }
#undef ADD
        return sd_journal_sendv(iov, (int)k);
}

static void write_stderr_line(const char *line)
{
        /* One write per line, so lines of concurrent writers do not interleave. */
        size_t len = strlen(line);
        char out[LOG_LINE_MAX + 1];

        if (len > LOG_LINE_MAX - 1)
                len = LOG_LINE_MAX - 1;
        memcpy(out, line, len);
        out[len++] = '\n';
        (void) !write(STDERR_FILENO, out, len);
}

int log_internal(int level, int err, const char *file, int line, const char *func,
                 const char *fmt, ...)
{
        char msg[LOG_LINE_MAX];
        va_list ap;

        if (err < 0)
                err = -err;
        if (level > max_level)
                return -err;

        errno = err;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);

        if (journal)
                send_journal(level, NULL, NULL, NULL, 0, file, line, func, err, msg);
        else
                write_stderr_line(msg);
        return -err;
}

/* Appends " key=value" to line; values with spaces or quotes are quoted. */
static void append_kv(char *line, size_t size, const char *key, const char *val)
{
        size_t len = strlen(line);
        bool quote = strpbrk(val, " \t\"=") != NULL || *val == '\0';

        if (len >= size - 1)
                return;
        snprintf(line + len, size - len, "%s%s=%s%s%s", len ? " " : "", key,
                 quote ? "\"" : "", val, quote ? "\"" : "");
}

int log_event_internal(int level, enum log_event_kind kind, const struct log_kv *kv, size_t n,
                       const char *file, int line, const char *func, const char *fmt, ...)
{
        char msg[LOG_LINE_MAX], out[LOG_LINE_MAX] = "";
        va_list ap;

        if (level > max_level)
                return 0;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);

        if (journal) {
                send_journal(level, events[kind].action, events[kind].message_id, kv, n, file, line, func, 0, msg);
                return 0;
        }

        append_kv(out, sizeof(out), "action", events[kind].action);
        for (size_t i = 0; i < n; i++) {
                char num[32];

                if (!kv[i].is_str)
                        snprintf(num, sizeof(num), "%" PRIu64, kv[i].u64);
                append_kv(out, sizeof(out), field_names[kv[i].field].text,
                          kv[i].is_str ? (kv[i].str ?: "") : num);
        }
        append_kv(out, sizeof(out), "msg", msg);
        write_stderr_line(out);
        return 0;
}
