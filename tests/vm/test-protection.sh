#!/bin/sh
# test-protection.sh -- reclaimd in a real kernel honours memory.low and
# memory.min in its proportional pass.  No cgroup is over its soft limit
# (all are "max"), so under system memory pressure every round asks each
# managed cgroup for a share: p, whose memory.low is above its usage, must
# not be taken from while q (unprotected, cold memory) still has memory to
# give; m may give what it has above its memory.min, never more.  See
# scenario-protection.sh for the guest side.  Judged from memory.current and
# memory.stat (pgsteal) sampled in the guest, and from reclaimd's log.
#
# Exit: 0 pass, 1 fail, 77 skip (no qemu/busybox/cpio/kernel; never when
# CI=true), 99 hard error.  VM_OUTDIR=DIR keeps the guest's output in DIR;
# otherwise it goes to a temporary folder, removed on success unless VM_KEEP=1.
# VM_REJUDGE=DIR judges the output of an earlier run in DIR again, no guest.
# Other environment: see vm.sh; sizes in MiB: P_COLD P_HOT P_LOW Q_COLD Q_HOT
# M_COLD M_HOT M_MIN HOG_HOT HOG_MAX; TRIGGER; HOG_PSI_DEADLINE RECLAIM_DEADLINE SETTLE (s).

vm_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
# shellcheck source=/dev/null
. "$vm_dir/vm.sh"
# shellcheck source-path=SCRIPTDIR source=judge.sh
. "$vm_dir/judge.sh"

: "${P_COLD:=48}" "${P_HOT:=4}" "${P_LOW:=96}"
: "${Q_COLD:=64}" "${Q_HOT:=4}"
: "${M_COLD:=48}" "${M_HOT:=4}" "${M_MIN:=32}"
: "${HOG_HOT:=160}" "${HOG_MAX:=64}"
: "${TRIGGER:=some 150ms 1s}"
: "${RECLAIM_DEADLINE:=45}" "${SETTLE:=3}" "${HOG_PSI_DEADLINE:=15}"
export P_COLD P_HOT P_LOW Q_COLD Q_HOT M_COLD M_HOT M_MIN HOG_HOT HOG_MAX TRIGGER \
	RECLAIM_DEADLINE SETTLE HOG_PSI_DEADLINE
VM_PASS_ENV="${VM_PASS_ENV:-} HOG_PSI_DEADLINE P_COLD P_HOT P_LOW Q_COLD Q_HOT M_COLD M_HOT M_MIN HOG_HOT HOG_MAX TRIGGER RECLAIM_DEADLINE SETTLE"

if ! judge_rejudge; then
	vm_skip_unless_ready
	vm_require_file "$RECLAIMD" "reclaimd"
	judge_require_helpers
	judge_outdir protection
	# On 7.x a second guest beside this one slows memory.reclaim under the
	# thrashing hog 5 to 20 times (README, "Kernels"): q was not drained
	# by the deadline in a make -j2 check; there it runs alone.
	VM_ALONE=${VM_ALONE-7.x}
	VM_TIMEOUT=${VM_TIMEOUT_PROTECTION:-120}
	export VM_TIMEOUT
	judge_run "$vm_dir/scenario-protection.sh" events events reclaimd reclaimd.log
fi

# ---------------------------------------------------------------- judging
judge_hog_started
t_end=$(ev_time end)
# The window in which q still had memory to give: from the hog's start
# until q was drained -- the earliest of the scenario's own poll, the first
# sample showing it, and the first reclaim of q after which reclaimd itself
# read q's memory.current at or under that -- or the end of the run.
q_floor=$(((Q_HOT + 4) * MiB))
t_q=$(awk -F '\t' -v t0="$t_hog" -v lim="$q_floor" '$1 >= t0 && $3 <= lim { print $1; exit }' "$samples")
for t in "$(ev_time q-drained)" \
	"$(awk -v lim="$q_floor" "$AWK_F"' / action=reclaim / && f("cgroup") == "q" && f("current") != "" && f("current") + 0 <= lim { print $1; exit }' "$log")"; do
	[ -n "$t" ] && t_q=$(awk -v a="${t_q:-$t}" -v b="$t" 'BEGIN { print (a < b ? a : b) }')
done
win_end=${t_q:-${t_end:-999999}}

# column: 2 p, 3 q, 4 m; before the hog (last sample), lowest in the window, lowest overall.
before() { awk -F '\t' -v t0="$t_hog" -v c="$1" '$1 < t0 { v = $c } END { print v + 0 }' "$samples"; }
lowest() { awk -F '\t' -v t0="$t_hog" -v t1="$2" -v c="$1" '$1 >= t0 && $1 <= t1 && (m == "" || $c < m) { m = $c } END { print m + 0 }' "$samples"; }
p0=$(before 2)
q0=$(before 3)
m0=$(before 4)
pmin_win=$(lowest 2 "$win_end")
pmin_all=$(lowest 2 999999)
qmin=$(lowest 3 999999)
mmin=$(lowest 4 999999)
# pgsteal of p in the window: pages the kernel reclaimed from p, for whoever asked.
psteal_win=$(awk -F '\t' -v t0="$t_hog" -v t1="$win_end" '$1 < t0 { s0 = $7 } $1 >= t0 && $1 <= t1 { s1 = $7 } END { print (s1 == "" ? 0 : s1 - s0) }' "$samples")
nsamples=$(awk -F '\t' -v t0="$t_hog" '$1 >= t0' "$samples" | wc -l)
low_p=$(file low-p)
min_m=$(file min-m)

# reclaimd's reclaims of each, and of p within the window.
count() { awk -v g="$1" -v t1="$2" "$AWK_F"' $1 <= t1 && / action=reclaim / && f("cgroup") == g' "$log" | wc -l; }
n_p_win=$(count p "$win_end")
n_p=$(count p 999999)
n_q=$(count q 999999)
n_m=$(count m 999999)
p_win_lines=$(awk -v t1="$win_end" "$AWK_F"' $1 <= t1 && / action=reclaim / && f("cgroup") == "p"' "$log")
over_soft=$(grep -c ' action=clamp ' "$log")
psi_first=$(awk '/^psiwatch: event 1 / { sub("t=", "", $4); print $4; exit }' "$out/psiwatch.out" 2>/dev/null)
rexit=$(file reclaimd.exit)

echo "protection scenario (guest: ${VM_MEM} MiB, zram swap; VM $(file vm-seconds) s):"
note "p: memory.low $(mib "$low_p") MiB; memory.current $(mib "$p0") MiB before pressure, lowest $(mib "$pmin_win") MiB while q had memory to give, $(mib "$pmin_all") MiB over the run; reclaimed ${n_p_win} time(s) in that window, ${n_p} in all; pgsteal +${psteal_win} pages in the window"
note "q: unprotected; memory.current $(mib "$q0") MiB before pressure, lowest $(mib "$qmin") MiB; ${n_q} reclaim actions; down to its hot part at ${t_q:-never} s"
note "m: memory.min $(mib "$min_m") MiB; memory.current $(mib "$m0") MiB before pressure, lowest $(mib "$mmin") MiB; ${n_m} reclaim actions"
note "hog started at ${t_hog} s (guest uptime); independent PSI trigger first fired ${psi_first:-never} s after; ${nsamples} samples"

# 0. The test itself worked.
judge_hog_pressure "$psi_first"
for g in p q m hog; do
	[ "$(file "alive-$g")" = yes ] ||
		fail "the $g workload died during the test (see $out/$g.out and $out/dmesg.log)"
done
[ "$nsamples" -ge 5 ] || fail "only $nsamples samples were taken after the hog started"
[ "$low_p" = $((P_LOW * MiB)) ] || fail "setup: p's memory.low reads '$low_p', not ${P_LOW} MiB"
[ "$min_m" = $((M_MIN * MiB)) ] || fail "setup: m's memory.min reads '$min_m', not ${M_MIN} MiB"
if [ "$p0" -lt $(((P_COLD + P_HOT - 4) * MiB)) ] || [ "$p0" -ge $((P_LOW * MiB)) ]; then
	fail "setup: p used $(mib "$p0") MiB before pressure; expected about $((P_COLD + P_HOT)) MiB, under its memory.low of ${P_LOW} MiB"
fi
[ "$q0" -ge $(((Q_COLD + Q_HOT - 4) * MiB)) ] ||
	fail "setup: q used only $(mib "$q0") MiB before pressure; expected about $((Q_COLD + Q_HOT)) MiB"
[ "$m0" -ge $(((M_MIN + 8) * MiB)) ] ||
	fail "setup: m used only $(mib "$m0") MiB before pressure, not clearly above its memory.min of ${M_MIN} MiB"
[ "$over_soft" -eq 0 ] ||
	fail "reclaimd lowered memory.high ($over_soft action=clamp lines) although no cgroup had a soft limit below max"

# 1. reclaimd ran until stopped and exited 0 on SIGTERM.
case $rexit in
0) ;;
running) fail "reclaimd did not exit within 10 s of SIGTERM" ;;
died*) fail "reclaimd exited by itself (status ${rexit#died }) before it was stopped" ;;
*) fail "reclaimd exited with status $rexit on SIGTERM (expected 0)" ;;
esac

# 2. q, unprotected, was reclaimed.
[ "$n_q" -gt 0 ] || fail "reclaimd logged no 'action=reclaim cgroup=q' although q was unprotected and the machine under pressure"
if [ "$qmin" -gt $((q0 - Q_COLD * MiB * 3 / 4)) ]; then
	fail "q's memory.current fell only from $(mib "$q0") to $(mib "$qmin") MiB; expected most of its ${Q_COLD} MiB of cold memory taken (at most $(mib $((q0 - Q_COLD * MiB * 3 / 4))) MiB)"
fi

# 3. p, under its memory.low, was left alone while q still had memory to give.
allow=$((4 * MiB))
if [ "$n_p_win" -gt 0 ]; then
	fail "reclaimd reclaimed p $n_p_win time(s) while p was under its memory.low and q still had memory to give: $(echo "$p_win_lines" | head -n 3)"
fi
if [ "$pmin_win" -lt $((p0 - allow)) ]; then
	fail "p's memory.current fell from $(mib "$p0") to $(mib "$pmin_win") MiB while q still had memory to give, although p was under its memory.low of ${P_LOW} MiB"
fi
if [ "$psteal_win" -gt $((allow / 4096)) ]; then
	fail "the kernel reclaimed $psteal_win pages ($(mib $((psteal_win * 4096))) MiB) from p (memory.stat pgsteal) while q still had memory to give"
fi

# 4. m never below its memory.min (memory.reclaim may free a little more
# than asked: 4 MiB of slack).
if [ "$mmin" -lt $((M_MIN * MiB - allow)) ]; then
	fail "m's memory.current fell to $(mib "$mmin") MiB, below its memory.min of ${M_MIN} MiB"
fi
# ... which holds only if m was taken down to it: else the check above had nothing to hold.
[ "$n_m" -gt 0 ] && [ "$mmin" -le $(((M_MIN + 4) * MiB)) ] ||
	fail "m was not taken down to its memory.min of ${M_MIN} MiB (lowest $(mib "$mmin") MiB, $n_m reclaims of it, $(mib $((m0 - M_MIN * MiB))) MiB above it at the start): the memory.min check had nothing to hold"
[ "$n_p" -gt "$n_p_win" ] &&
	note "NOTE: after q was drained reclaimd reclaimed p $((n_p - n_p_win)) time(s) (the retry that ignores memory.low), p down to $(mib "$pmin_all") MiB"

judge_exit_if_failed "reclaimd's log (guest uptime, stderr)" "$log" \
	"scenario events" "$out/events"
judge_pass "reclaimd took from q, left p (under its memory.low) alone while q had memory, and kept m at or above its memory.min"
