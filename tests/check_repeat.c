/* Unit tests: a repeated line is said once, then summarized at most once per interval. */
#include "check-main.h"
#include "repeat.h"

#define S 1000000ULL

START_TEST(first_line_said_repeats_counted_then_summarized)
{
        struct repeat_filter f = {};
        unsigned n = 99;

        ck_assert_int_eq(repeat_check(&f, 7, 0, 30 * S, &n), REPEAT_SAY);
        ck_assert_uint_eq(n, 0);
        ck_assert(repeat_streak(&f));
        /* Twice a second for just under the interval: nothing said. */
        for (uint64_t t = S / 2; t < 30 * S; t += S / 2) {
                ck_assert_int_eq(repeat_check(&f, 7, t, 30 * S, &n), REPEAT_QUIET);
                ck_assert_uint_eq(n, 0);
        }
        /* The interval passed: one line for the 59 held back and this one. */
        ck_assert_int_eq(repeat_check(&f, 7, 30 * S, 30 * S, &n), REPEAT_SUMMARY);
        ck_assert_uint_eq(n, 60);
        /* And the next summary no sooner than an interval after that one. */
        ck_assert_int_eq(repeat_check(&f, 7, 59 * S, 30 * S, &n), REPEAT_QUIET);
        ck_assert_int_eq(repeat_check(&f, 7, 60 * S, 30 * S, &n), REPEAT_SUMMARY);
        ck_assert_uint_eq(n, 2);
        ck_assert_uint_eq(f.suppressed_total, 62);
}
END_TEST

START_TEST(another_line_is_said_after_the_held_back_count)
{
        struct repeat_filter f = {};
        unsigned n;

        ck_assert_int_eq(repeat_check(&f, 1, 0, 30 * S, &n), REPEAT_SAY);
        ck_assert_int_eq(repeat_check(&f, 1, S, 30 * S, &n), REPEAT_QUIET);
        ck_assert_int_eq(repeat_check(&f, 1, 2 * S, 30 * S, &n), REPEAT_QUIET);
        /* What changed is said at once, after the count of what was held back. */
        ck_assert_int_eq(repeat_check(&f, 2, 3 * S, 30 * S, &n), REPEAT_SAY);
        ck_assert_uint_eq(n, 2);
        /* And the old line, back again, is news again. */
        ck_assert_int_eq(repeat_check(&f, 1, 4 * S, 30 * S, &n), REPEAT_SAY);
        ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(reset_returns_what_was_held_back_and_ends_the_streak)
{
        struct repeat_filter f = {};
        unsigned n;

        ck_assert(!repeat_streak(&f));
        ck_assert_uint_eq(repeat_reset(&f), 0);
        repeat_check(&f, 3, 0, 30 * S, &n);
        repeat_check(&f, 3, 1, 30 * S, &n);
        repeat_check(&f, 3, 2, 30 * S, &n);
        ck_assert_uint_eq(repeat_reset(&f), 2);
        ck_assert(!repeat_streak(&f));
        ck_assert_int_eq(repeat_check(&f, 3, 3, 30 * S, &n), REPEAT_SAY);
        ck_assert_uint_eq(n, 0);
}
END_TEST

CHECK_MAIN("repeat", first_line_said_repeats_counted_then_summarized, another_line_is_said_after_the_held_back_count,
           reset_returns_what_was_held_back_and_ends_the_streak)
