#!/bin/bash
# Command-line tests on the host: --check-config, errors naming file and line,
# the one clear line when the memory controller is not on cgroup v2, and --restore.
set -u
: "${RECLAIMD:?set by make check}" "${abs_top_srcdir:?set by make check}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The shipped example is valid, and --check-config prints the effective configuration.
if ! "$RECLAIMD" --check-config --config "$abs_top_srcdir/conf/reclaimd.conf" >"$tmp/out" 2>"$tmp/err"; then
        fail "--check-config on conf/reclaimd.conf: $(cat "$tmp/err")"
fi
grep -qx 'initial_priority = 12' "$tmp/out" || fail "effective configuration lacks the default initial_priority"

# A bad size: non-zero exit, and the error names the file, the line, the section and the key.
printf '[pressure]\ntrigger = some 150ms 1s\n\n[cgroup batch]\nsoft_limit = 12Q\n' >"$tmp/bad.conf"
"$RECLAIMD" --check-config --config "$tmp/bad.conf" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 3 ] || fail "bad size: exit $rc, expected 3"
# (stderr is logfmt: the message is msg="...", its quotes escaped.)
grep -qF "msg=\"$tmp/bad.conf:5: [cgroup batch] key 'soft_limit': invalid size \\\"12Q\\\"" "$tmp/err" ||
        fail "bad size error does not name file, line 5, section and key: $(cat "$tmp/err")"

# Several errors are all reported, syntax errors too, each with its line, in line order.
printf '[pressure]\ntrigger = some 1s 20s\n[nope]\n[cgroup ../x]\njunk\n[cgroup y]\nsoft_limit 1G\n' >"$tmp/multi.conf"
"$RECLAIMD" --check-config --config "$tmp/multi.conf" >/dev/null 2>"$tmp/err"
lines=$(grep -o 'multi.conf:[0-9]*:' "$tmp/err" | cut -d: -f2 | tr '\n' ' ')
[ "$lines" = "2 3 4 5 7 " ] || fail "errors at lines '$lines', expected '2 3 4 5 7 ': $(cat "$tmp/err")"

good="$tmp/good.conf"
printf '[cgroup batch]\nsoft_limit = 64M\n' >"$good"

# A missing file and a bad option are errors too.
"$RECLAIMD" --check-config --config "$tmp/none.conf" 2>"$tmp/err" && fail "missing file accepted"
grep -q "none.conf" "$tmp/err" || fail "missing file not named"
grep -q "1 error, configuration not accepted" "$tmp/err" || fail "missing file: no summary: $(cat "$tmp/err")"
"$RECLAIMD" --bogus >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] || fail "unknown option: exit $rc, expected 2"
grep -qF "Try 'reclaimd --help'" "$tmp/err" || fail "unknown option: no pointer to --help: $(cat "$tmp/err")"
"$RECLAIMD" stray >/dev/null 2>"$tmp/err"
grep -qF "Try 'reclaimd --help'" "$tmp/err" || fail "stray argument: no pointer to --help: $(cat "$tmp/err")"
# Options that mean nothing to --check-config are said to be ignored, not refused (a wrapper
# may pass one option string to a check and a run) nor silently ignored.
for opt in --dry-run -n "--state-file=$tmp/st" -d; do
        "$RECLAIMD" --check-config --config "$good" "$opt" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        [ "$rc" -eq 0 ] || fail "--check-config $opt: exit $rc, expected 0"
        grep -q 'nothing with --check-config, ignoring' "$tmp/err" || fail "--check-config $opt: $(cat "$tmp/err")"
        grep -q '^# configuration OK' "$tmp/out" || fail "--check-config $opt: not checked"
done
# Several together: each said.
"$RECLAIMD" --check-config --config "$good" -n "--state-file=$tmp/st" -d >/dev/null 2>"$tmp/err" ||
        fail "--check-config with three ignored options: $(cat "$tmp/err")"
for opt in --dry-run --state-file --debug; do
        grep -q "^reclaimd: $opt means nothing with --check-config, ignoring" "$tmp/err" ||
                fail "--check-config -n --state-file -d: $opt not said: $(cat "$tmp/err")"
done
"$RECLAIMD" --version | grep -q '^reclaimd [0-9]' || fail "--version"

# On a host whose memory controller is not on cgroup v2 (these machines: hybrid mode),
# reclaimd refuses to start with one clear line.
if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ]; then
        timeout 10 "$RECLAIMD" --config "$good" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        [ "$rc" -eq 4 ] || fail "no cgroup v2 memory controller: exit $rc, expected 4"
        [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "expected one line, got: $(cat "$tmp/err")"
        grep -q 'memory controller' "$tmp/err" || fail "the line does not mention the memory controller"
else
        echo "host has cgroup2 at /sys/fs/cgroup: the hybrid-host check does not apply here"
fi

# These need no cgroup v1: a plain directory is no cgroup v2 mount on any host.
# --cgroup-root pointing at a v2 mount without the memory controller, or at a non-cgroup dir.
timeout 10 "$RECLAIMD" --config "$good" --cgroup-root "$tmp" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 4 ] || fail "--cgroup-root on a plain directory: exit $rc, expected 4"
grep -q -- "--cgroup-root $tmp is not a cgroup v2 mount" "$tmp/err" ||
        fail "--cgroup-root on a plain directory: not said as such: $(cat "$tmp/err")"

# What a killed run left on record is put back before anything else, also by a start
# that fails on its configuration; here the root is no cgroup v2 mount, so it is said,
# and the record stays for a start that can.
printf 'reclaimd-state 3\nmemory.high max 100M 100M batch\n' >"$tmp/state"
timeout 10 "$RECLAIMD" --config "$tmp/bad.conf" --cgroup-root "$tmp" --state-file "$tmp/state" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 3 ] || fail "bad configuration with a state file: exit $rc, expected 3"
grep -q "Not starting. What a previous run left in $tmp/state stays on record: no cgroup root" "$tmp/err" ||
        fail "bad configuration with a state file: not said what becomes of it: $(cat "$tmp/err")"
[ -s "$tmp/state" ] || fail "bad configuration: the state file was lost"
timeout 10 "$RECLAIMD" --restore --cgroup-root "$tmp" --state-file "$tmp/state" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 4 ] || fail "--restore on a plain directory: exit $rc, expected 4: $(cat "$tmp/err")"
[ -s "$tmp/state" ] || fail "--restore on a plain directory: the state file was lost"

# Records are relative to the root they were taken under: --restore puts them back there,
# whatever root it is given, and keeps them when that root is gone.
printf 'reclaimd-state 3\n#cgroup-root %s/gone\nmemory.high max 100M 100M batch\n' "$tmp" >"$tmp/state"
cp "$tmp/state" "$tmp/state.orig"
timeout 10 "$RECLAIMD" --restore --cgroup-root "$tmp" --state-file "$tmp/state" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "--restore under a recorded root that is gone: exit $rc, expected 1: $(cat "$tmp/err")"
grep -q "Cannot use $tmp/gone as the cgroup v2 root (the state file's cgroup root)" "$tmp/err" ||
        fail "--restore under a recorded root that is gone: the root not named: $(cat "$tmp/err")"
cmp -s "$tmp/state" "$tmp/state.orig" || fail "--restore under a recorded root that is gone: the state file changed"
# One still there, but no longer a cgroup v2 mount (unmounted): exit 4, as for --cgroup-root.
mkdir "$tmp/gone"
timeout 10 "$RECLAIMD" --restore --state-file "$tmp/state" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 4 ] || fail "--restore under a recorded root that is no cgroup v2 mount: exit $rc, expected 4"
grep -q "$tmp/gone is not a cgroup v2 mount (the state file's cgroup root)" "$tmp/err" ||
        fail "--restore under a recorded root that is no cgroup v2 mount: not said: $(cat "$tmp/err")"
cmp -s "$tmp/state" "$tmp/state.orig" || fail "--restore under a recorded root that is no mount: the state file changed"
rmdir "$tmp/gone"

# --restore with nothing on record does nothing, quietly, and reads no configuration.
"$RECLAIMD" --restore --config "$tmp/none.conf" --state-file "$tmp/no-state" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] || fail "--restore with no state file: exit $rc, expected 0: $(cat "$tmp/err")"
[ -s "$tmp/err" ] && fail "--restore with no state file said: $(cat "$tmp/err")"
for opt in --check-config --dry-run; do
        "$RECLAIMD" --restore "$opt" >/dev/null 2>"$tmp/err"
        rc=$?
        [ "$rc" -eq 2 ] || fail "--restore $opt: exit $rc, expected 2"
done

# Output that cannot be written (a full disk) is no answer: not exit 0, and said.
ctl=$(dirname "$RECLAIMD")/reclaimctl
for cmd in "$RECLAIMD --help" "$RECLAIMD --version" "$RECLAIMD --check-config --config $good" \
           "$ctl --help" "$ctl --version"; do
        $cmd >/dev/full 2>"$tmp/err"
        rc=$?
        [ "$rc" -eq 1 ] || fail "$cmd >/dev/full: exit $rc, expected 1"
        grep -q 'No space left on device' "$tmp/err" || fail "$cmd >/dev/full: not said: $(cat "$tmp/err")"
done

if [ "$failures" -gt 0 ]; then
        echo "$failures failure(s)"
        exit 1
fi
echo "all CLI checks passed"
