/* The main() every Check test program shares: one suite, exit non-zero on any failure. */
#pragma once

#include <check.h>
#include <stdlib.h>
#include <sys/stat.h>

/* Defines main() running the listed tests (START_TEST names) as one suite. */
#define CHECK_MAIN(name, ...) \
        int main(void) \
        { \
                const TTest *const tests[] = { __VA_ARGS__ }; \
                Suite *s = suite_create(name); \
                TCase *tc = tcase_create(name); \
                SRunner *sr; \
                int failed; \
                /* A file a test writes is its own alone to write, whatever the developer's umask: \
                 * reclaimd refuses a state file its group or others may write (state_load()). */ \
                umask(umask(0) | 022); \
                for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) \
                        tcase_add_test(tc, tests[i]); \
                tcase_set_timeout(tc, 30); \
                suite_add_tcase(s, tc); \
                sr = srunner_create(s); \
                srunner_run_all(sr, CK_ENV); \
                failed = srunner_ntests_failed(sr); \
                srunner_free(sr); \
                return failed ? EXIT_FAILURE : EXIT_SUCCESS; \
        }
