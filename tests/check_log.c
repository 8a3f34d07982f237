/*
 * Unit tests: the log sink. Every kind of event has a fixed, unique
 * MESSAGE_ID explained in the catalog, and a cgroup's name, whatever it
 * holds, comes out as the one true value of its field: on stderr as logfmt,
 * in the journal as the field's exact bytes.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
/* The name, not libsystemd's location-adding macro: this file defines the function. */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "check-main.h"
#include "escape.h"
#include "log.h"
#include "logfmt-reader.h"
#include "logfmt.h"

START_TEST(message_ids_unique_and_well_formed)
{
        for (int i = 0; i < _LOG_EV_MAX; i++) {
                const char *id = log_event_message_id((enum log_event_kind)i);

                ck_assert_ptr_nonnull(id);
                ck_assert_uint_eq(strlen(id), 32);
                for (size_t k = 0; k < 32; k++)
                        ck_assert(isxdigit((unsigned char)id[k]) && !isupper((unsigned char)id[k]));
                for (int j = 0; j < i; j++)
                        ck_assert_str_ne(id, log_event_message_id((enum log_event_kind)j));
                ck_assert_ptr_nonnull(log_event_name((enum log_event_kind)i));
        }
}
END_TEST

/* journalctl -x finds an entry, with a Subject, for each MESSAGE_ID reclaimd sends. */
START_TEST(catalog_explains_every_event)
{
        const char *srcdir = getenv("abs_top_srcdir");
        char path[4096], line[512], want[64];

        snprintf(path, sizeof(path), "%s/catalog/reclaimd.catalog", srcdir ? srcdir : ".");
        for (int i = 0; i < _LOG_EV_MAX; i++) {
                bool found = false, subject = false;
                FILE *f = fopen(path, "r");

                ck_assert_ptr_nonnull(f);
                snprintf(want, sizeof(want), "-- %s\n", log_event_message_id((enum log_event_kind)i));
                while (fgets(line, sizeof(line), f)) {
                        if (found && strncmp(line, "Subject: ", 9) == 0)
                                subject = true;
                        if (strncmp(line, "-- ", 3) == 0)
                                found = strcmp(line, want) == 0;
                        if (subject)
                                break;
                }
                fclose(f);
                ck_assert_msg(subject, "no catalog entry with a Subject for %s (%s)",
                              log_event_name((enum log_event_kind)i), want);
        }
}
END_TEST

/*
 * Names a delegated subtree's owner may give a cgroup: any byte but '/', NUL
 * and newline (cgroup_mkdir() refuses a newline; the sink must not rely on it:
 * paths also come from the configuration and the state file).
 */
static const char *const hostile[] = {
        "batch.slice",
        "x\" action=reclaim cgroup=web requested=999",
        "back\\slash\\",
        "line\naction=reclaim cgroup=web requested=999",
        "tab\there",
        "a=b",
        "cr\rdel\x7f bell\a esc\x1b[31m",
        "not utf-8: \xff\xfe, cut \xe2\x82, overlong \xc0\xaf, surrogate \xed\xa0\x80, past U+10FFFF \xf4\x90\x80\x80",
        "C1 \xc2\x85 next line, \xc2\x9b CSI",
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7",
        "\"",
        "\\",
        " ",
        "",
};

/*
 * logfmt_value() by hand, from its contract: bare when safe, else quoted
 * with \" \\ \n \r \t, \u00XX for other control characters and \xXX for
 * bytes that are not UTF-8.
 */
START_TEST(logfmt_values_escaped_as_documented)
{
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "batch.slice", "batch.slice" },
                { "system.slice/db-[ab].service", "system.slice/db-[ab].service" },
                { "caf\xc3\xa9", "caf\xc3\xa9" },
                { "", "\"\"" },
                { "a b", "\"a b\"" },
                { "a=b", "\"a=b\"" },
                { "a\"b", "\"a\\\"b\"" },
                { "a\\b", "\"a\\\\b\"" },
                { "a\nb", "\"a\\nb\"" },
                { "a\rb", "\"a\\rb\"" },
                { "a\tb", "\"a\\tb\"" },
                { "\x01\x1b\x7f", "\"\\u0001\\u001b\\u007f\"" },
                { "\xc2\x85", "\"\\u0085\"" },
                { "\xff", "\"\\xff\"" },
                { "\xe2\x82", "\"\\xe2\\x82\"" },
                { "\xc0\xaf", "\"\\xc0\\xaf\"" },
                { "\xed\xa0\x80", "\"\\xed\\xa0\\x80\"" },
        };
        char buf[64];

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                ck_assert_uint_eq(logfmt_value(buf, sizeof(buf), cases[i].in), strlen(cases[i].out));
                ck_assert_str_eq(buf, cases[i].out);
        }
        /* snprintf()'s contract: the whole length, however little fitted, always terminated. */
        ck_assert_uint_eq(logfmt_value(NULL, 0, "a\nb"), 6);
        ck_assert_uint_eq(logfmt_value(buf, 4, "a\nb"), 6);
        ck_assert_str_eq(buf, "\"a\\");
}
END_TEST

/* Captures what the sink writes to stderr in a memfd. */
static int capture_stderr(int *saved)
{
        int fd = memfd_create("stderr", 0);

        ck_assert_int_ge(fd, 0);
        *saved = dup(STDERR_FILENO);
        ck_assert_int_ge(*saved, 0);
        ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
        log_open(LOG_TARGET_STDERR);
        return fd;
}

/* Ends capture_stderr() and reads what was written as exactly one logfmt line, or fails saying why. */
static void one_line(int fd, int saved, struct logfmt_line *l)
{
        off_t len = lseek(fd, 0, SEEK_END);
        char *text = malloc((size_t)len + 1);
        const char *why = NULL;
        size_t at = 0;

        ck_assert_ptr_nonnull(text);
        ck_assert_int_eq(pread(fd, text, (size_t)len, 0), len);
        text[len] = '\0';
        ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
        close(saved);
        close(fd);
        ck_assert_msg(len > 0 && text[len - 1] == '\n', "no line end: '%s'", text);
        ck_assert_msg(memchr(text, '\n', (size_t)len - 1) == NULL, "more than one line: '%s'", text);
        ck_assert_msg(logfmt_parse(text, (size_t)len - 1, l, &why, &at) == 0, "not logfmt (%s at %zu): '%s'",
                      why, at, text);
        free(text);
}

/* Field i of l is key, with exactly the bytes printf(fmt, ...) makes. */
static void assert_field(const struct logfmt_line *l, size_t i, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void assert_field(const struct logfmt_line *l, size_t i, const char *key, const char *fmt, ...)
{
        char *value;
        va_list ap;

        va_start(ap, fmt);
        ck_assert_int_ge(vasprintf(&value, fmt, ap), 0);
        va_end(ap);
        ck_assert_uint_gt(l->n, i);
        ck_assert_str_eq(l->v[i].key, key);
        ck_assert_msg(l->v[i].len == strlen(value) && memcmp(l->v[i].value, value, l->v[i].len) == 0,
                      "%s='%s', not '%s'", key, l->v[i].value, value);
        free(value);
}

/* On stderr an event is one logfmt line whose cgroup= and msg= read back as they were. */
START_TEST(stderr_events_keep_hostile_names_in_their_field)
{
        for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
                struct logfmt_line l;
                int saved, fd = capture_stderr(&saved);

                log_event(LOG_INFO, LOG_EV_RECLAIM, LOG_FIELDS(LOG_STR(CGROUP, hostile[i]),
                                                               LOG_U64(REQUESTED, 4096)),
                          "Reclaiming %s", hostile[i]);
                one_line(fd, saved, &l);
                ck_assert_uint_eq(l.n, 4);
                assert_field(&l, 0, "action", "%s", "reclaim");
                assert_field(&l, 1, "cgroup", "%s", hostile[i]);
                assert_field(&l, 2, "requested", "%s", "4096");
                assert_field(&l, 3, "msg", "Reclaiming %s", hostile[i]);
                logfmt_line_clear(&l);
        }
}
END_TEST

/* A plain message on stderr is one logfmt line too: msg="...", nothing else. */
START_TEST(stderr_messages_are_one_msg_field)
{
        for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
                struct logfmt_line l;
                int saved, fd = capture_stderr(&saved);

                log_warning("Cgroup %s from the state file is gone", hostile[i]);
                one_line(fd, saved, &l);
                ck_assert_uint_eq(l.n, 1);
                assert_field(&l, 0, "msg", "Cgroup %s from the state file is gone", hostile[i]);
                logfmt_line_clear(&l);
        }
}
END_TEST

/* Nothing is cut: a path as long as the kernel allows, all of it escaped, still reads back whole. */
START_TEST(stderr_long_paths_are_not_cut)
{
        char name[4096];
        struct logfmt_line l;
        int saved, fd;

        for (size_t i = 0; i < sizeof(name) - 1; i++)
                name[i] = i % 256 == 255 ? '/' : (char)(0x80 + i % 64);   /* lone continuation bytes */
        name[sizeof(name) - 1] = '\0';
        fd = capture_stderr(&saved);
        log_event(LOG_INFO, LOG_EV_CGROUP_GONE, LOG_FIELDS(LOG_STR(CGROUP, name)), "%s is gone", name);
        one_line(fd, saved, &l);
        assert_field(&l, 1, "cgroup", "%s", name);
        assert_field(&l, 2, "msg", "%s is gone", name);
        logfmt_line_clear(&l);
}
END_TEST

/* What the sink hands to libsystemd (this test's sd_journal_sendv() stands in for it). */
static struct {
        char *fields[64];
        size_t len[64];
        int n;
} sent;

int sd_journal_sendv(const struct iovec *iov, int n)
{
        for (int i = 0; i < n && i < 64; i++) {
                sent.fields[i] = malloc(iov[i].iov_len + 1);
                ck_assert_ptr_nonnull(sent.fields[i]);
                memcpy(sent.fields[i], iov[i].iov_base, iov[i].iov_len);
                sent.fields[i][iov[i].iov_len] = '\0';
                sent.len[i] = iov[i].iov_len;
        }
        sent.n = n;
        return 0;
}

static void sent_clear(void)
{
        for (int i = 0; i < sent.n && i < 64; i++)
                free(sent.fields[i]);
        sent.n = 0;
}

/* Whether the record holds the field name=value with exactly value's bytes. */
static bool sent_field(const char *name, const char *value)
{
        size_t nl = strlen(name), vl = strlen(value);

        for (int i = 0; i < sent.n; i++)
                if (sent.len[i] == nl + 1 + vl && strncmp(sent.fields[i], name, nl) == 0 &&
                    sent.fields[i][nl] == '=' && memcmp(sent.fields[i] + nl + 1, value, vl) == 0)
                        return true;
        return false;
}

/*
 * To the journal a value goes as its exact bytes, however long: libsystemd
 * sends one holding a newline in the native protocol's binary form, so
 * escaping it here would only make `journalctl CGROUP=...` miss it.
 */
START_TEST(journal_fields_carry_exact_bytes)
{
        char long_name[4096], *msg;

        memset(long_name, 'a', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        log_open(LOG_TARGET_JOURNAL);
        for (size_t i = 0; i <= ARRAY_SIZE(hostile); i++) {
                const char *name = i < ARRAY_SIZE(hostile) ? hostile[i] : long_name;

                log_event(LOG_INFO, LOG_EV_RECLAIM, LOG_FIELDS(LOG_STR(CGROUP, name)), "Reclaiming %s", name);
                ck_assert_msg(sent_field("CGROUP", name), "case %zu: CGROUP= is not the name's %zu bytes",
                              i, strlen(name));
                ck_assert(sent_field("ACTION", "reclaim"));
                ck_assert_int_ge(asprintf(&msg, "Reclaiming %s", name), 0);
                ck_assert_msg(sent_field("MESSAGE", msg), "case %zu: MESSAGE= is not the event's message", i);
                free(msg);
                sent_clear();

                log_warning("Cgroup %s is gone", name);
                ck_assert_int_ge(asprintf(&msg, "Cgroup %s is gone", name), 0);
                ck_assert_msg(sent_field("MESSAGE", msg), "case %zu: MESSAGE= is not the plain message", i);
                free(msg);
                sent_clear();
        }
}
END_TEST

/*
 * What status prints of a name (escape_text()) reads back as the name
 * (unescape_text()), for reclaimctl explain of one that is not UTF-8; an
 * escape it never writes is refused, never guessed.
 */
START_TEST(text_escapes_read_back)
{
        static const char *const names[] = {
                "plain", "a\"b", "back\\slash", "new\nline\ttab\rcr", "esc\x1b[31m", "latin\xff\xfe" "bad",
                "caf\xc3\xa9", "sys\\x2dtem", "csi\xc2\x9b" "31m nel\xc2\x85",
        };
        static const char *const bad[] = { "trailing\\", "\\q", "\\x4", "\\xzz", "\\x00" };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                char *text = NULL, *back = NULL;
                size_t size = 0;
                FILE *f = open_memstream(&text, &size);

                ck_assert_ptr_nonnull(f);
                escape_text(f, names[i]);
                ck_assert_int_eq(fclose(f), 0);
                /* No control character gets to a terminal: C0, DEL, nor C1 (CSI, NEL). */
                for (const unsigned char *p = (const unsigned char *)text; *p; p++)
                        ck_assert_msg(*p >= 0x20 && *p != 0x7f && !(p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0),
                                      "case %zu: a control character written as it is: %s", i, text);
                ck_assert_int_eq(unescape_text(text, &back), 0);
                ck_assert_str_eq(back, names[i]);
                free(text);
                free(back);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char *back = NULL;

                ck_assert_int_eq(unescape_text(bad[i], &back), -EINVAL);
                ck_assert_ptr_null(back);
        }
}
END_TEST

CHECK_MAIN("log", text_escapes_read_back, message_ids_unique_and_well_formed, catalog_explains_every_event,
           logfmt_values_escaped_as_documented, stderr_events_keep_hostile_names_in_their_field,
           stderr_messages_are_one_msg_field, stderr_long_paths_are_not_cut, journal_fields_carry_exact_bytes)
