/* Unit tests: PSI trigger strings and pressure-file parsing. */
#include <errno.h>
#include <string.h>

#include "check-main.h"
#include "psi.h"

START_TEST(trigger_parsed_and_formatted_for_the_kernel)
{
        struct psi_trigger t;
        char buf[64], text[64];

        ck_assert_int_eq(psi_trigger_parse("some 150ms 1s", &t, NULL), 0);
        ck_assert_int_eq(t.kind, PSI_SOME);
        ck_assert_uint_eq(t.stall_usec, 150000);
        ck_assert_uint_eq(t.window_usec, 1000000);
        ck_assert_int_eq(psi_trigger_format(&t, buf, sizeof(buf)), (int)strlen("some 150000 1000000"));
        ck_assert_str_eq(buf, "some 150000 1000000");
        ck_assert_str_eq(psi_trigger_to_string(&t, text, sizeof(text)), "some 150ms 1s");

        ck_assert_int_eq(psi_trigger_parse("  full\t500ms  2s ", &t, NULL), 0);
        ck_assert_int_eq(t.kind, PSI_FULL);
        ck_assert_int_eq(psi_trigger_format(&t, buf, 8), -ENOBUFS);
}
END_TEST

START_TEST(trigger_bounds_are_the_kernels)
{
        struct psi_trigger t;
        const char *why = NULL;

        /* psi_trigger_create(): WINDOW_MIN_US 500ms, WINDOW_MAX_US 10s, 0 < threshold <= window. */
        ck_assert_int_eq(psi_trigger_parse("some 100ms 499ms", &t, &why), -ERANGE);
        ck_assert_ptr_nonnull(strstr(why, "500ms"));
        ck_assert_int_eq(psi_trigger_parse("some 100ms 11s", &t, NULL), -ERANGE);
        ck_assert_int_eq(psi_trigger_parse("some 2s 1s", &t, NULL), -ERANGE);
        ck_assert_int_eq(psi_trigger_parse("some 0ms 1s", &t, NULL), -ERANGE);
        ck_assert_int_eq(psi_trigger_parse("some 500ms 500ms", &t, NULL), 0);
        ck_assert_int_eq(psi_trigger_parse("some 10s 10s", &t, NULL), 0);
}
END_TEST

START_TEST(bad_triggers_refused)
{
        static const char *const bad[] = {
                "", "some", "some 150ms", "any 150ms 1s", "some 150 1000", "some 150ms 1s extra",
                "some 1.5ms 1s", "SOME 150ms 1s",
        };
        struct psi_trigger t;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ck_assert_msg(psi_trigger_parse(bad[i], &t, NULL) == -EINVAL, "\"%s\" accepted", bad[i]);
}
END_TEST

START_TEST(pressure_file_parsed)
{
        struct psi_stats st;

        ck_assert_int_eq(psi_parse("some avg10=12.34 avg60=0.50 avg300=100.00 total=123456\n"
                                   "full avg10=1.00 avg60=0.00 avg300=0.00 total=99\n", &st), 0);
        ck_assert_uint_eq(st.line[PSI_SOME].avg10_cpct, 1234);
        ck_assert_uint_eq(st.line[PSI_SOME].avg60_cpct, 50);
        ck_assert_uint_eq(st.line[PSI_SOME].avg300_cpct, 10000);
        ck_assert_uint_eq(st.line[PSI_SOME].total_usec, 123456);
        ck_assert_uint_eq(st.line[PSI_FULL].avg10_cpct, 100);
        ck_assert(st.has_full);

        /* A newer kernel's extra field or line is not an error. */
        ck_assert_int_eq(psi_parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=0 new=1\nnew line\n", &st), 0);
        ck_assert(!st.has_full);
}
END_TEST

START_TEST(malformed_pressure_refused)
{
        struct psi_stats st;

        ck_assert_int_eq(psi_parse("", &st), -EINVAL);
        ck_assert_int_eq(psi_parse("full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", &st), -EINVAL);
        ck_assert_int_eq(psi_parse("some avg10=abc avg60=0.00 avg300=0.00 total=0\n", &st), -EINVAL);
        ck_assert_int_eq(psi_parse("some avg10=1.5 total=0\n", &st), -EINVAL);
        ck_assert_int_eq(psi_parse("some avg10=0.00 total=18446744073709551616\n", &st), -ERANGE);
        ck_assert_int_eq(psi_parse("some avg10\n", &st), -EINVAL);
}
END_TEST

CHECK_MAIN("psi", trigger_parsed_and_formatted_for_the_kernel, trigger_bounds_are_the_kernels,
           bad_triggers_refused, pressure_file_parsed, malformed_pressure_refused)
