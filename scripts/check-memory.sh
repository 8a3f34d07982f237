#!/bin/bash
# Runs the unit tests under valgrind's memcheck, then rebuilds with
# AddressSanitizer and UndefinedBehaviorSanitizer (./configure
# --enable-sanitizers, in place) and runs them again. Expects a tree already
# built by the README's test command; prints "N passed, N failed" per tool.
set -u
cd "$(dirname "$0")/.." || exit 99

UNIT_TESTS="tests/check_units tests/check_psi tests/check_config tests/check_policy
tests/check_engine tests/check_daemon tests/check_log tests/check_sysmem tests/check_state
tests/check_shortage tests/check_repeat tests/check_metrics tests/check_ctl tests/check_xattr
tests/check_restore"
export abs_top_srcdir=$PWD abs_top_builddir=$PWD
failed=0

command -v valgrind >/dev/null || { echo "valgrind not found (apt-get install valgrind)"; exit 1; }
passed=0 bad=0
for t in $UNIT_TESTS; do
        # CK_FORK=no: the tests run in valgrind's process, so their leaks are counted.
        if CK_FORK=no valgrind -q --error-exitcode=99 --leak-check=full \
                --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
                "./$t" >"$t.valgrind.log" 2>&1; then
                passed=$((passed + 1))
        else
                bad=$((bad + 1))
                echo "valgrind: $t failed:"
                tail -n 40 "$t.valgrind.log"
        fi
done
echo "valgrind: $passed passed, $bad failed"
failed=$((failed + bad))

./configure -q --enable-sanitizers >/dev/null && make -s clean && make -s -j2 >/dev/null || exit 1
# shellcheck disable=SC2086
if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        make -s -j2 check TESTS="$UNIT_TESTS tests/fuzz/test-corpus.sh" >/dev/null 2>&1; then
        echo "sanitizers: unit tests and fuzz corpora clean"
else
        echo "sanitizers: failures:"
        grep -l -E ":test-result: (FAIL|ERROR)" tests/*.trs tests/fuzz/*.trs 2>/dev/null | while read -r trs; do
                tail -n 40 "${trs%.trs}.log"
        done
        failed=$((failed + 1))
fi
[ "$failed" -eq 0 ]
