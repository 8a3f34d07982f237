#!/bin/bash
# Replays every fuzz target's seed corpus (and any crash reproducers kept
# beside it) as an ordinary test: a parser that crashes, leaks under ASan or
# trips an assertion on an input once found fails here forever after.
set -u
: "${abs_top_builddir:?set by make check}" "${abs_top_srcdir:?set by make check}"

failures=0
for target in config psi memstat units state sysmem log; do
        bin=$abs_top_builddir/tests/fuzz/fuzz-$target
        corpus=$abs_top_srcdir/tests/fuzz/corpus/$target
        mapfile -t inputs < <(find "$corpus" -type f | sort)
        if [ "${#inputs[@]}" -eq 0 ]; then
                echo "FAIL: no seed corpus in $corpus"
                failures=$((failures + 1))
                continue
        fi
        if ! "$bin" "${inputs[@]}" >"$abs_top_builddir/tests/fuzz/replay-$target.out" 2>&1; then
                echo "FAIL: fuzz-$target on its corpus:"
                tail -n 30 "$abs_top_builddir/tests/fuzz/replay-$target.out"
                failures=$((failures + 1))
        else
                echo "fuzz-$target: ${#inputs[@]} input(s) replayed"
        fi
done
[ "$failures" -eq 0 ]
