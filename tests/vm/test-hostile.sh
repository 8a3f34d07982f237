#!/bin/sh
# test-hostile.sh -- cgroup names as hostile data, on a real kernel.  The
# owner of a delegated subtree names its cgroups: quotes, a forged field list,
# backslashes, tabs, carriage returns, terminal escapes and bytes that are
# not UTF-8 (and a newline, should the kernel take one).  Such cgroups under
# a glob section are reclaimed under real memory pressure and removed while
# reclaimd runs (scenario-hostile.sh), and then:
#
#  1. every line reclaimd wrote to stderr reads back as logfmt with the
#     tests' strict reader (tests/vm/logcheck, tests/logfmt-reader.c): an
#     event (action= first) or a plain message (msg= alone), and every
#     cgroup= and scope= names a cgroup the scenario created (or "system"),
#     byte for byte: a hostile one or their parent "hostile";
#  2. each hostile cgroup has reclaim records under its true path, and the
#     kernel's memory.current and memory.stat pgsteal say it was reclaimed;
#  3. --check-config lists each hostile cgroup once, under its true path, and
#     what it prints loads back as the same configuration (no name added a
#     line or a section);
#  4. reclaimd followed the removals and exited 0 on SIGTERM.
#
# Exit: 0 pass, 1 fail, 77 skip (no qemu/busybox/cpio/kernel; never when
# CI=true), 99 hard error.  VM_OUTDIR=DIR keeps the guest's output in DIR;
# otherwise it goes to a temporary folder, removed on success unless VM_KEEP=1.
# VM_REJUDGE=DIR judges the output of an earlier run in DIR again, no guest.
# Other environment: see vm.sh; LOGCHECK (default
# $abs_top_builddir/tests/vm/logcheck); the scenario's H_COLD H_HOT H_SOFT
# HOG_HOT HOG_MAX (MiB), TRIGGER, RECLAIM_DEADLINE (s) are passed to the guest
# when set (defaults in scenario-hostile.sh).

vm_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
# A minute to boot and set up, RECLAIM_DEADLINE (120 s) at most for the
# reclaim, and the removals.
: "${VM_TIMEOUT:=300}"
# shellcheck source=/dev/null
. "$vm_dir/vm.sh"
# shellcheck source-path=SCRIPTDIR source=judge.sh
. "$vm_dir/judge.sh"
: "${LOGCHECK:=$abs_top_builddir/tests/vm/logcheck}"
VM_PASS_ENV="${VM_PASS_ENV:-} H_COLD H_HOT H_SOFT HOG_HOT HOG_MAX TRIGGER RECLAIM_DEADLINE"

vm_require_file "$LOGCHECK" "logcheck (a check program: make check builds it)"
if ! judge_rejudge; then
	vm_skip_unless_ready
	vm_require_file "$RECLAIMD" "reclaimd"
	judge_require_helpers
	judge_outdir hostile
	judge_run "$vm_dir/scenario-hostile.sh" events events reclaimd reclaimd.log
fi

# ---------------------------------------------------------------- judging
judge_hog_started
n=$(sed -n 's/^[0-9.]* created //p' "$out/events")
expect=
i=1
while [ "$i" -le "${n:-0}" ]; do
	expect="$expect --expect $out/name-$i"
	i=$((i + 1))
done
soft=$(sed -n 's/^soft_limit = \([0-9]*\)M$/\1/p' "$out/reclaimd.conf")

t_stop=$(ev_time workloads-stopping)
# name N: hostile cgroup N's path for messages, control characters and other bytes shown as cat -v does.
name() { cat -vT "$out/name-$1"; }

echo "hostile scenario (guest: ${VM_MEM} MiB, zram swap; VM $(file vm-seconds) s): ${n:-no} hostile cgroups; a newline in a name: $(file newline-mkdir | tr '\n' ' ')"
[ "${n:-0}" -ge 2 ] || fail "the scenario created ${n:-no} hostile cgroups, not at least 2"

# 1. Every stderr line reads back as logfmt and names only true paths: the
# hostile cgroups, their parent (whose memory.low reclaimd may hold, as the
# kernel's protection is effective only up the hierarchy) and scope=system.
# shellcheck disable=SC2086 # expect is a list of options
"$LOGCHECK" --stamped --allow system --allow hostile $expect "$out/reclaimd.log" >"$out/logcheck.out" 2>&1
rc=$?
note "$(tail -n 1 "$out/logcheck.out") (reclaimd's stderr, read by logcheck)"
if [ "$rc" -ne 0 ]; then
	fail "reclaimd's stderr does not read back as logfmt naming only the cgroups the scenario created (logcheck exit $rc):$(grep -v '^match\|^lines' "$out/logcheck.out" | head -n 10 | sed 's/^/\n    /')"
fi

# 2. Each hostile cgroup was reclaimed, by reclaimd's log (under its true path) and the kernel's files.
i=1
while [ "$i" -le "${n:-0}" ]; do
	col=$((2 * i))
	n_rec=$(grep -c "^match $i reclaim cgroup$" "$out/logcheck.out")
	n_armed=$(grep -c "^match $i armed scope$" "$out/logcheck.out")
	c0=$(awk -F '\t' -v t0="$t_hog" -v c="$col" '$1 < t0 { v = $c } END { print v + 0 }' "$out/samples.tsv")
	cmin=$(awk -F '\t' -v t0="$t_hog" -v t1="${t_stop:-999999}" -v c="$col" \
		'$1 >= t0 && $1 < t1 && $c != "" && (m == "" || $c < m) { m = $c } END { print m + 0 }' "$out/samples.tsv")
	s0=$(stat_of "$out/stat-start-$i" pgsteal)
	s1=$(stat_of "$out/stat-end-$i" pgsteal)
	steal=$((${s1:-0} - ${s0:-0}))
	note "cgroup $i ($(name "$i")): $n_rec reclaim records, $n_armed armed; memory.current $(mib "$c0") MiB before the hog, lowest $(mib "$cmin") MiB after; pgsteal +$steal pages"
	[ "$n_rec" -gt 0 ] ||
		fail "no action=reclaim line has cgroup $i's true path in cgroup=, although it was $(mib $((c0 - ${soft:-0} * MiB))) MiB over its soft limit"
	if [ "$c0" -le $((${soft:-0} * MiB)) ] || [ "$cmin" -gt $((c0 - (c0 - ${soft:-0} * MiB) / 2)) ]; then
		fail "cgroup $i's memory.current went from $(mib "$c0") MiB only down to $(mib "$cmin") MiB; expected at least half the way to its ${soft:-?} MiB soft limit"
	fi
	[ $((steal * 4096 * 2)) -ge $((c0 - cmin)) ] ||
		fail "cgroup $i's pgsteal rose by only $steal pages while its memory.current fell by $(mib $((c0 - cmin))) MiB: the fall was not reclaim"
	i=$((i + 1))
done

# 3. --check-config lists each cgroup once under its true path, and its output loads back the same.
note "--check-config: exit $(file check-config.exit); its output, loaded as a configuration: exit $(file check-again.exit)"
[ "$(file check-config.exit)" = 0 ] || fail "reclaimd --check-config exited $(file check-config.exit): $(file check-config.err)"
# shellcheck disable=SC2086 # expect is a list of options
"$LOGCHECK" --listing $expect "$out/check-config.out" >"$out/listing.out" 2>&1 ||
	fail "--check-config's listing does not name only the cgroups the scenario created:$(grep -v '^listed\|^lines' "$out/listing.out" | head -n 5 | sed 's/^/\n    /')"
i=1
while [ "$i" -le "${n:-0}" ]; do
	[ "$(grep -c "^listed $i$" "$out/listing.out")" = 1 ] ||
		fail "--check-config lists cgroup $i $(grep -c "^listed $i$" "$out/listing.out") times, not once"
	i=$((i + 1))
done
[ "$(file check-again.exit)" = 0 ] ||
	fail "what --check-config printed does not load as a configuration: $(head -n 3 "$out/check-again.out")"
if [ "$(grep '^\[' "$out/check-config.out")" != "$(grep '^\[' "$out/check-again.out")" ] ||
	[ "$(grep -c '^\[cgroup ' "$out/check-config.out")" != 1 ]; then
	fail "the sections of what --check-config printed differ when it is loaded again (or are not the one [cgroup hostile/*]): $(grep '^\[' "$out/check-again.out" | tr '\n' ' ')"
fi

# 4. Removals followed, and a clean stop.
ev_has removal-followed ||
	fail "reclaimd did not log 'The cgroups matching the configuration changed: 0 managed' within 20 s of the hostile cgroups' removal"
rexit=$(file reclaimd.exit)
[ "$rexit" = 0 ] || fail "reclaimd's status after SIGTERM: $rexit (expected 0)"
[ "$(file alive-hog)" = yes ] || note "NOTE: the hog had died by the end (see $out/hog.out)"
[ -n "$(awk '/^psiwatch: event 1 /' "$out/psiwatch.out" 2>/dev/null)" ] ||
	note "NOTE: the independent PSI trigger never fired (see $out/psiwatch.out)"

judge_exit_if_failed "reclaimd's log (guest uptime, stderr)" "$out/reclaimd.log" \
	"logcheck" "$out/logcheck.out" "--check-config" "$out/check-config.out" "scenario events" "$out/events"
judge_pass "hostile cgroup names were reclaimed, and every stderr line and --check-config's listing carried their true paths"
