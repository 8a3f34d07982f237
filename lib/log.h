/* The one logging API: plain messages and structured events with key=value fields. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include "util.h"

/*
 * Fields of structured events. Each has a stderr name (key=value, lower case,
 * stable: operators grep for them) and a journal field name (upper case, units
 * in the name, so `journalctl CGROUP=batch.slice` works).
 */
enum log_field {
        LOG_F_CGROUP,
        LOG_F_SCOPE,
        LOG_F_REQUESTED,
        LOG_F_RECLAIMED,
        LOG_F_TARGET,
        LOG_F_PRIORITY,
        LOG_F_SOFT_LIMIT,
        LOG_F_CURRENT,
        LOG_F_EXCESS,
        LOG_F_RESULT,
        LOG_F_DRY_RUN,
        LOG_F_STEPS,
        LOG_F_TRIGGER,
        LOG_F_PATH,
        LOG_F_CGROUPS,
        LOG_F_ROUND,
        LOG_F_SIGNAL,
        LOG_F_HIGH,
        LOG_F_LEVEL,
        LOG_F_SWAP,
        LOG_F_COOLDOWN,
        LOG_F_FILE,
        LOG_F_PSI_SOME_AVG10,
        LOG_F_PSI_FULL_AVG10,
        LOG_F_LOW,
        LOG_F_ORIGINAL,
        LOG_F_SHORTFALL,
        LOG_F_MODE,
        LOG_F_REPEATS,
        LOG_F_INTERVAL,
        LOG_F_TAKEN,
        LOG_F_REFAULT,
        LOG_F_LINE,
        LOG_F_SECTION,
        LOG_F_KEY,
        LOG_F_WRITTEN_OVER,
        _LOG_F_MAX,
};

/* Kinds of structured event; each has an action= name and a fixed MESSAGE_ID. */
enum log_event_kind {
        LOG_EV_STARTED,
        LOG_EV_TRIGGER,
        LOG_EV_ROUND_START,
        LOG_EV_RECLAIM,
        LOG_EV_ROUND_END,
        LOG_EV_CGROUP_GONE,
        LOG_EV_EXHAUSTED,
        LOG_EV_STOPPING,
        LOG_EV_ARMED,
        LOG_EV_CLAMP,
        LOG_EV_RELEASE,
        LOG_EV_BACKOFF,
        LOG_EV_RELOAD,
        LOG_EV_CGROUP_ERROR,
        LOG_EV_PROTECT,
        LOG_EV_XATTR,
        LOG_EV_REPEATED,
        LOG_EV_YIELD,
        LOG_EV_YIELD_MACHINE,   /* action=yield too, scope=system: every floor */
        LOG_EV_HOLD,            /* the machine's refaults: the top offender held, the floors staying */
        LOG_EV_CONFIG_ERROR,    /* one error in a configuration file: where, which key */
        _LOG_EV_MAX,
};

struct log_kv {
        enum log_field field;
        bool is_str;
        const char *str;
        uint64_t u64;
};

#define LOG_STR(f, s) ((struct log_kv){ .field = LOG_F_##f, .is_str = true, .str = (s) })
#define LOG_U64(f, v) ((struct log_kv){ .field = LOG_F_##f, .u64 = (v) })
/* Expands to two function arguments: the array and its length. */
#define LOG_FIELDS(...) \
        (const struct log_kv[]){ __VA_ARGS__ }, ARRAY_SIZE(((const struct log_kv[]){ __VA_ARGS__ }))
/* The first n fields of an array built beforehand: where some are left out on one path. */
#define LOG_FIELDS_N(kv, n) (kv), (n)

enum log_target {
        LOG_TARGET_AUTO,    /* journald when stderr is a journal stream, else stderr */
        LOG_TARGET_STDERR,
        LOG_TARGET_JOURNAL,
};

void log_open(enum log_target target);
void log_set_max_level(int level);
int log_get_max_level(void);

const char *log_event_name(enum log_event_kind kind);
const char *log_event_message_id(enum log_event_kind kind);

/*
 * Logs a plain message: to the journal as MESSAGE=, on stderr as the one
 * field msg="..." (logfmt, as events are). Returns -abs(err) so that callers
 * can log and return in one statement; err == 0 returns 0. With err set, %m
 * prints strerror(err).
 */
int log_internal(int level, int err, const char *file, int line, const char *func,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * Logs a structured event: the fields, then the message. On stderr every
 * value goes through logfmt_value(), so a cgroup's name cannot forge fields
 * or lines; to the journal each field carries its value's exact bytes.
 * Nothing is cut short. Returns 0.
 */
int log_event_internal(int level, enum log_event_kind kind, const struct log_kv *kv, size_t n,
                       const char *file, int line, const char *func,
                       const char *fmt, ...) __attribute__((format(printf, 8, 9)));

#define log_full_errno(level, err, ...) \
        log_internal((level), (err), __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_full(level, ...) log_full_errno((level), 0, __VA_ARGS__)

#define log_debug(...)   log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)    log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...)  log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...)   log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(err, ...)   log_full_errno(LOG_DEBUG, (err), __VA_ARGS__)
#define log_notice_errno(err, ...)  log_full_errno(LOG_NOTICE, (err), __VA_ARGS__)
#define log_warning_errno(err, ...) log_full_errno(LOG_WARNING, (err), __VA_ARGS__)
#define log_error_errno(err, ...)   log_full_errno(LOG_ERR, (err), __VA_ARGS__)

#define log_event(level, kind, fields_and_count, ...) \
        log_event_internal((level), (kind), fields_and_count, __FILE__, __LINE__, __func__, __VA_ARGS__)
