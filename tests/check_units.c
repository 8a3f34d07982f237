/* Unit tests: sizes and durations as the configuration writes them. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "check-main.h"
#include "units.h"

START_TEST(sizes_with_suffixes)
{
        static const struct {
                const char *text;
                uint64_t bytes;
        } ok[] = {
                { "0", 0 }, { "4096", 4096 }, { "1K", 1024 }, { "256M", 256ULL << 20 },
                { "256m", 256ULL << 20 }, { "2G", 2ULL << 30 }, { "1T", 1ULL << 40 },
                { "1GiB", 1ULL << 30 }, { "3KB", 3072 }, { "max", UINT64_MAX },
                { "16777215T", 16777215ULL << 40 },
        };
        uint64_t v;

        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                ck_assert_int_eq(parse_size(ok[i].text, &v), 0);
                ck_assert_uint_eq(v, ok[i].bytes);
        }
}
END_TEST

START_TEST(bad_sizes_refused)
{
        static const char *const bad[] = { "", "12Q", "-1", "1.5G", " 1M", "1M ", "M", "1MM", "0x10", "maxx" };
        uint64_t v = 42;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ck_assert_msg(parse_size(bad[i], &v) == -EINVAL, "\"%s\" accepted", bad[i]);
        ck_assert_uint_eq(v, 42);
        ck_assert_int_eq(parse_size("16777216T", &v), -ERANGE);
        ck_assert_int_eq(parse_size("18446744073709551616", &v), -ERANGE);
}
END_TEST

START_TEST(durations_need_units)
{
        uint64_t v;

        ck_assert_int_eq(parse_duration("150ms", &v), 0);
        ck_assert_uint_eq(v, 150000);
        ck_assert_int_eq(parse_duration("2s", &v), 0);
        ck_assert_uint_eq(v, 2000000);
        ck_assert_int_eq(parse_duration("700us", &v), 0);
        ck_assert_uint_eq(v, 700);
        ck_assert_int_eq(parse_duration("150", &v), -EINVAL);
        ck_assert_int_eq(parse_duration("10min", &v), 0);
        ck_assert_uint_eq(v, 600000000);
        ck_assert_int_eq(parse_duration("1h", &v), 0);
        ck_assert_uint_eq(v, 3600000000);
        ck_assert_int_eq(parse_duration("1m", &v), -EINVAL);   /* minutes, or ms mistyped? */
        ck_assert_int_eq(parse_duration("0h", &v), 0);
        ck_assert_uint_eq(v, 0);
        ck_assert_int_eq(parse_duration("1hr", &v), -EINVAL);
        ck_assert_int_eq(parse_duration("1mi", &v), -EINVAL);
        ck_assert_int_eq(parse_duration("1H", &v), -EINVAL);   /* units are lower case */
        ck_assert_int_eq(parse_duration("h", &v), -EINVAL);
        ck_assert_int_eq(parse_duration("18446744073709551615s", &v), -ERANGE);
        ck_assert_int_eq(parse_duration("5124095577h", &v), -ERANGE);
}
END_TEST

START_TEST(sizes_round_trip)
{
        static const uint64_t values[] = { 0, 1, 1023, 1024, 3 << 20, (1ULL << 30) + 1, UINT64_MAX };
        char buf[FORMAT_SIZE_MAX];
        uint64_t v;

        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
                ck_assert_int_eq(parse_size(format_size_exact(buf, sizeof(buf), values[i]), &v), 0);
                ck_assert_uint_eq(v, values[i]);
        }
        ck_assert_str_eq(format_size_exact(buf, sizeof(buf), 256ULL << 20), "256M");
        ck_assert_str_eq(format_size(buf, sizeof(buf), 1536ULL << 10), "1.5M");
}
END_TEST

START_TEST(durations_round_trip)
{
        static const struct {
                uint64_t usec;
                const char *text;
        } cases[] = {
                { 0, "0s" },
                { 700, "700us" },
                { 150 * USEC_PER_MSEC, "150ms" },
                { 90 * USEC_PER_SEC, "90s" },
                { 120 * USEC_PER_SEC, "2min" },
                { 3600 * USEC_PER_SEC, "1h" },
                { 5400 * USEC_PER_SEC, "90min" },
                { 3600 * USEC_PER_SEC + 1, "3600000001us" },
        };
        char buf[FORMAT_DURATION_MAX];
        uint64_t v;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                ck_assert_str_eq(format_duration(buf, sizeof(buf), cases[i].usec), cases[i].text);
                ck_assert_int_eq(parse_duration(buf, &v), 0);
                ck_assert_uint_eq(v, cases[i].usec);
        }
}
END_TEST

CHECK_MAIN("units", sizes_with_suffixes, bad_sizes_refused, durations_need_units, sizes_round_trip,
           durations_round_trip)
