#!/bin/sh
# test-machinewide.sh -- under machine-wide memory pressure (an allocator
# with no memory.max, so the kernel's own reclaim competes with reclaimd),
# soft limits hold: reclaim takes from the cgroup over its soft limit, not
# from the one under it.  One test, two guests: the "fast" scenario of
# scenario-machinewide.sh with the kernel alone, then with reclaimd.  Judged
# from the kernel's files (memory.stat pgsteal over the episode), with
# bounds looser than the project's goals so that noise cannot fail it,
# both counted while the cgroup over its soft limit was still over it (the
# samples' memory.swap.current; machinewide.sh's *_while_over metrics):
#   - precision: at least MW_MIN_PRECISION (85) % of what reclaim took from
#     the managed cgroups came from the one over its soft limit;
#   - the cgroup under its soft limit loses at most MW_MAX_UNDER_PCT (75) %
#     of what it loses with the kernel alone in the same test.
# Once no cgroup is over, a soft limit promises nothing and the kernel's LRU
# order decides, as after v1's soft-limit reclaim: the scenario leaves the
# machine short by a little more than the excess, so on a slow host the
# kernel goes on taking from every cgroup for many seconds after reclaimd
# has brought the offender down and let go of its floors.  Those seconds are
# printed (whole-episode figures), not judged.
# When the kernel alone took under MW_MIN_UNDER_MIB (8) MiB from the cgroup
# under its soft limit (the multi-gen LRU's random walk spares it in about
# half the runs on 6.12), reclaimd may take at most MW_MAX_UNDER_PCT % of
# MW_MIN_UNDER_MIB (6 MiB) from it.
# The kernel-alone run is also the setup check: when the kernel's own
# reclaim did not run machine-wide (kswapd or direct reclaim in
# /proc/vmstat), the test has no power and says so (exit 99) rather than
# pass.  Such a baseline, or one whose workload the kernel OOM-killed (seen
# once in a local CI on 6.12: a global OOM 2.6 s into the burst, after the
# kernel had reclaimed 1 MiB, with 1 GiB of swap free), is no measure of
# anything: that run alone is made again, up to MW_BASELINE_TRIES (2) runs
# in all, the earlier kept as kernel.try1.  The run with reclaimd is made
# again only for the same premature OOM: a workload killed while the
# kernel had reclaimed under MW_PREMATURE_MIB (16) MiB machine-wide
# (/proc/vmstat) -- seen on 6.12 in the CI of a7b67e5, 3.8 s into the
# burst with 0.8 MiB reclaimed: the kernel gave up before it reclaimed
# from anyone, so no floor of reclaimd's stood in its way.  Once, kept as
# reclaimd.try1; twice is a setup failure.  A workload killed after the
# kernel did reclaim is a failure: reclaimd's floors may have left it
# nothing else to take.
#
# Exit: 0 pass, 1 fail, 77 skip (no qemu/busybox/cpio/kernel; never when
# CI=true), 99 hard error or setup failure.  VM_OUTDIR=DIR keeps the guests'
# output in DIR/kernel and DIR/reclaimd; VM_REJUDGE=DIR judges such a DIR
# again, no guest.  Other environment: see vm.sh and scenario-machinewide.sh.

vm_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
# A run takes about a minute and a half of guest time, more when the
# kernel thrashes on a busy host.
: "${VM_TIMEOUT:=400}"
# shellcheck source=/dev/null
. "$vm_dir/vm.sh"
# shellcheck source-path=SCRIPTDIR source=judge.sh
. "$vm_dir/judge.sh"
# shellcheck source-path=SCRIPTDIR source=machinewide.sh
. "$vm_dir/machinewide.sh"

: "${MW_MIN_PRECISION:=85}" "${MW_MAX_UNDER_PCT:=75}" "${MW_MIN_UNDER_MIB:=8}" "${MW_BASELINE_TRIES:=2}" "${MW_MIN_FLOOR_PCT:=90}"
: "${MW_PREMATURE_MIB:=16}"
# The idle period is the bench's measure of reclaimd's idle CPU, which this
# test does not judge: a short one saves guest time.
: "${IDLE_S:=3}" "${IDLE_SETTLE_S:=0}"
export IDLE_S IDLE_SETTLE_S

if [ -n "${VM_REJUDGE:-}" ]; then
	out=$VM_REJUDGE
	# shellcheck disable=SC2034 # read by vm_print_console
	vm_out=$out/reclaimd
	keep=1
else
	vm_skip_unless_ready
	vm_require_file "$RECLAIMD" "reclaimd"
	judge_require_helpers
	judge_outdir machinewide
fi
# ge A B: A >= B, as decimals (NA, on either side, is never).
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "NA" && b != "NA" && a + 0 >= b + 0) }'; }
# baseline_problem DIR: why the kernel-alone run in DIR measures nothing (empty: it does).
baseline_problem() {
	[ "$(mw_value "$1" dead)" = none ] ||
		echo "in the kernel run these workloads died: $(mw_value "$1" dead) (OOM kills: $(mw_value "$1" oom_kills))"
	ge "$(mw_value "$1" global_steal_mib)" 16 ||
		echo "with the kernel alone, kswapd and direct reclaim took only $(mw_value "$1" global_steal_mib) MiB machine-wide (/proc/vmstat): the machine was not short"
}
# premature_oom DIR: a workload of the run in DIR died while the kernel had
# reclaimed under MW_PREMATURE_MIB machine-wide (nothing printed).
premature_oom() {
	[ "$(mw_value "$1" dead)" != none ] && ! ge "$(mw_value "$1" global_steal_mib)" "$MW_PREMATURE_MIB"
}
# remake_why MODE DIR: why the MODE run in DIR is made again (empty: it is not).
remake_why() {
	case $1 in
	kernel) baseline_problem "$2" ;;
	*) ! premature_oom "$2" ||
		echo "a premature OOM: these workloads died: $(mw_value "$2" dead) (OOM kills: $(mw_value "$2" oom_kills)) after the kernel had reclaimed $(mw_value "$2" global_steal_mib) MiB machine-wide" ;;
	esac
}
if [ -z "${VM_REJUDGE:-}" ]; then
	for mode in kernel reclaimd; do
		try=1
		while :; do
			if ! mw_run fast "$mode" "$out/$mode"; then
				vm_log "ERROR: the $mode run did not reach its end in the guest; output kept in $out"
				exit 99
			fi
			if [ "$try" -ge "$MW_BASELINE_TRIES" ] || ! mw_judge "$out/$mode"; then
				break
			fi
			why=$(remake_why "$mode" "$out/$mode")
			[ -n "$why" ] || break
			vm_log "the $mode run measured nothing ($(echo "$why" | tr '\n' ';')): made again, kept as $mode.try$try"
			rm -rf "$out/$mode.try$try"
			mv "$out/$mode" "$out/$mode.try$try" || vm_fail "cannot keep $out/$mode"
			try=$((try + 1))
		done
	done
fi
for mode in kernel reclaimd; do
	mw_judge "$out/$mode" || vm_fail "no complete output of the $mode run in $out/$mode"
done
k() { mw_value "$out/kernel" "$1"; }
r() { mw_value "$out/reclaimd" "$1"; }
for t in "$out"/kernel.try* "$out"/reclaimd.try*; do
	m=${t##*/} m=${m%.try*}
	[ -d "$t" ] && note "the $m run was made again after ${t##*/}: $(mw_judge "$t" && remake_why "$m" "$t" | tr '\n' ';')"
done

echo "machine-wide scenario 'fast' (guest: ${VM_MEM} MiB, zram swap; allocator $(k hog_mib) and $(r hog_mib) MiB):"
for mode in kernel reclaimd; do
	note "$mode: precision $(mw_value "$out/$mode" prec_steal) % (swap: $(mw_value "$out/$mode" prec_swap) %);" \
		"under-limit cgroup lost $(mw_value "$out/$mode" under_steal_mib) MiB (pgsteal; swap +$(mw_value "$out/$mode" under_swap_mib) MiB);" \
		"over-limit cgroup $(mw_value "$out/$mode" over_steal_mib) MiB; full stall $(mw_value "$out/$mode" full_s) s;" \
		"kernel reclaim $(mw_value "$out/$mode" global_steal_mib) MiB; lowest free $(mw_value "$out/$mode" min_free_mib) MiB (low watermarks $(mw_value "$out/$mode" low_wmark_mib))"
done
for mode in kernel reclaimd; do
	note "$mode, while a cgroup was over its soft limit ($(mw_value "$out/$mode" while_over_s) s): precision $(mw_value "$out/$mode" prec_while_over) %;" \
		"under-limit cgroup lost $(mw_value "$out/$mode" under_while_over_mib) MiB (swap)"
done
note "reclaimd: $(r rounds) rounds ($(r round_results)), $(r steps) steps, $(r clamps) clamps; CPU $(r cpu_idle_ms) ms idle, $(r cpu_episode_ms) ms in the episode; the floor held $(r floor_while_over_pct) % of the time a cgroup was over (kernel alone: $(k floor_while_over_pct) %)"

# Setup: the pressure was real, machine-wide, and the kernel alone took
# from the cgroup under its soft limit; both runs kept their workloads.
setup=$(baseline_problem "$out/kernel" | sed 's/^/; /' | tr -d '\n')
if premature_oom "$out/reclaimd"; then
	again=
	[ ! -d "$out/reclaimd.try1" ] || again=" (made again: the same in both)"
	setup="$setup; in the reclaimd run$again these workloads died before the kernel had reclaimed $MW_PREMATURE_MIB MiB machine-wide: $(r dead) (OOM kills: $(r oom_kills))"
fi
if [ -n "$setup" ]; then
	vm_log "SETUP FAILED${setup}; output in $out"
	exit 99
fi
[ "$(r dead)" = none ] ||
	fail "with reclaimd these workloads died: $(r dead) (OOM kills: $(r oom_kills)), after the kernel had reclaimed $(r global_steal_mib) MiB machine-wide; with the kernel alone none did"

# reclaimd started, ran to its end and put memory.high back.
if grep -q ' reclaimd-died-at-start\| reclaimd-start-not-logged' "$out/reclaimd/events"; then
	echo "FAIL: reclaimd did not start (status $(cat "$out/reclaimd/reclaimd.exit" 2>/dev/null || echo unknown)); its log:" >&2
	cat "$out/reclaimd/reclaimd.log" >&2
	exit 1
fi
rexit=$(cat "$out/reclaimd/reclaimd.exit" 2>/dev/null || echo missing)
[ "$rexit" = 0 ] || fail "reclaimd's exit after SIGTERM: $rexit (expected 0)"
[ "$(r high_left)" = 0 ] || fail "$(r high_left) managed cgroup(s) kept a memory.high below max after reclaimd stopped"

# The soft limits held: reclaimd's floor (the kernel's files) the whole time
# the other was over -- what tells reclaimd from the kernel's luck: the
# multi-gen LRU spares the cgroup under its soft limit in some runs alone,
# and then meets the two bounds below with no daemon (seen on 6.12 and 7.3).
ge "$(r floor_while_over_pct)" "$MW_MIN_FLOOR_PCT" ||
	fail "the cgroup under its soft limit had its floor (memory.low or memory.min, kernel files) for $(r floor_while_over_pct) % of the time the other was over its soft limit, under $MW_MIN_FLOOR_PCT %"
ge "$(r prec_while_over)" "$MW_MIN_PRECISION" ||
	fail "precision $(r prec_while_over) %: of what reclaim took from the managed cgroups while one was over its soft limit (memory.swap.current), under $MW_MIN_PRECISION % came from the cgroup over it (kernel alone: $(k prec_while_over) %)"
k_under=$(k under_while_over_mib) r_under=$(r under_while_over_mib)
if ge "$k_under" "$MW_MIN_UNDER_MIB"; then
	allowed=$(awk -v k="$k_under" -v p="$MW_MAX_UNDER_PCT" 'BEGIN { printf "%.1f", k * p / 100 }')
	ge "$allowed" "$r_under" ||
		fail "the cgroup under its soft limit lost $r_under MiB with reclaimd while the other was over its soft limit (swap), more than $MW_MAX_UNDER_PCT % of the $k_under MiB it lost with the kernel alone ($allowed MiB)"
else
	# The multi-gen LRU walks the memcgs from a random bin
	# (lru_gen_shrink_node, shrink_many): on 6.12 the kernel alone spares
	# the cgroup under its soft limit in about half the runs.  Nothing to
	# compare against then, but reclaimd must not do worse than the noise
	# floor: in issue 9's bad run it lost 63 MiB where the kernel took 0.
	# The share of the smallest loss judged by share, so that the bound
	# does not jump at the threshold.
	allowed=$(awk -v k="$MW_MIN_UNDER_MIB" -v p="$MW_MAX_UNDER_PCT" 'BEGIN { printf "%.1f", k * p / 100 }')
	note "the kernel alone took $k_under MiB from the cgroup under its soft limit this time: reclaimd is held to $allowed MiB ($MW_MAX_UNDER_PCT % of $MW_MIN_UNDER_MIB) instead of a share of it"
	ge "$allowed" "$r_under" ||
		fail "the cgroup under its soft limit lost $r_under MiB with reclaimd while the other was over its soft limit (swap), more than $allowed MiB, where the kernel alone took $k_under MiB"
fi

judge_exit_if_failed "reclaimd's log (guest uptime, stderr)" "$out/reclaimd/reclaimd.log" \
	"scenario events (reclaimd run)" "$out/reclaimd/events"
judge_pass "under machine-wide pressure reclaimd took from the cgroup over its soft limit and spared the one under it"
