#!/bin/sh
# test-scoped.sh -- reclaimd in a real kernel: a per-cgroup trigger reclaims
# only inside its subtree.  tenant has its own trigger on its memory.pressure;
# the pressure comes from a hog inside tenant (tenant/hog, thrashing in its
# memory.max); tenant/a is over its soft limit, and so is outside -- by more
# than tenant/a.  The system trigger is set so that it cannot fire.  Every
# round must be tenant's: tenant/a comes down toward its soft limit while
# outside keeps all its memory.  See scenario-scoped.sh for the guest side.
# Judged from memory.current and memory.stat (pgsteal) sampled in the guest,
# and from reclaimd's log.
#
# Exit: 0 pass, 1 fail, 77 skip (no qemu/busybox/cpio/kernel; never when
# CI=true), 99 hard error.  VM_OUTDIR=DIR keeps the guest's output in DIR;
# otherwise it goes to a temporary folder, removed on success unless VM_KEEP=1.
# VM_REJUDGE=DIR judges the output of an earlier run in DIR again, no guest.
# Other environment: see vm.sh; sizes in MiB: A_COLD A_HOT A_SOFT OUT_COLD
# OUT_HOT OUT_SOFT HOG_HOT HOG_MAX; TENANT_TRIGGER; SYSTEM_TRIGGER (e.g.
# "some 150ms 1s" makes system rounds possible: the test then fails);
# RECLAIM_DEADLINE SETTLE (s).

vm_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
# shellcheck source=/dev/null
. "$vm_dir/vm.sh"
# shellcheck source-path=SCRIPTDIR source=judge.sh
. "$vm_dir/judge.sh"

: "${A_COLD:=64}" "${A_HOT:=4}" "${A_SOFT:=16}"
: "${OUT_COLD:=96}" "${OUT_HOT:=4}" "${OUT_SOFT:=16}"
: "${HOG_HOT:=160}" "${HOG_MAX:=64}"
: "${TENANT_TRIGGER:=some 150ms 1s}"
: "${SYSTEM_TRIGGER:=full 10s 10s}"
: "${RECLAIM_DEADLINE:=40}" "${SETTLE:=4}"
export A_COLD A_HOT A_SOFT OUT_COLD OUT_HOT OUT_SOFT HOG_HOT HOG_MAX TENANT_TRIGGER \
	SYSTEM_TRIGGER RECLAIM_DEADLINE SETTLE
VM_PASS_ENV="${VM_PASS_ENV:-} A_COLD A_HOT A_SOFT OUT_COLD OUT_HOT OUT_SOFT HOG_HOT HOG_MAX TENANT_TRIGGER SYSTEM_TRIGGER RECLAIM_DEADLINE SETTLE"

if ! judge_rejudge; then
	vm_skip_unless_ready
	vm_require_file "$RECLAIMD" "reclaimd"
	judge_require_helpers
	judge_outdir scoped
	# On 7.x a second guest beside this one slows memory.reclaim under the
	# thrashing hog 5 to 20 times (README, "Kernels"), past the deadlines
	# of this scenario: there it runs alone.
	VM_ALONE=${VM_ALONE-7.x}
	VM_TIMEOUT=${VM_TIMEOUT_SCOPED:-120}
	export VM_TIMEOUT
	judge_run "$vm_dir/scenario-scoped.sh" events events reclaimd reclaimd.log
fi

# ---------------------------------------------------------------- judging
judge_hog_started

# Before the hog (last sample before it), lowest after it.
a0=$(awk -F '\t' -v t0="$t_hog" '$1 < t0 { v = $2 } END { print v + 0 }' "$samples")
o0=$(awk -F '\t' -v t0="$t_hog" '$1 < t0 { v = $3 } END { print v + 0 }' "$samples")
amin=$(awk -F '\t' -v t0="$t_hog" '$1 >= t0 && (m == "" || $2 < m) { m = $2 } END { print m + 0 }' "$samples")
omin=$(awk -F '\t' -v t0="$t_hog" '$1 >= t0 && (m == "" || $3 < m) { m = $3 } END { print m + 0 }' "$samples")
nsamples=$(awk -F '\t' -v t0="$t_hog" '$1 >= t0' "$samples" | wc -l)
# Stall rates (ms/s) after the hog started: in tenant and in the whole system.
rates=$(awk -F '\t' -v t0="$t_hog" '$1 >= t0 { if (a == "") { a = $1; t0s = $5; s0s = $6 } b = $1; t1s = $5; s1s = $6 }
	END { if (a == "" || b == a) print "- -"; else printf "%.0f %.0f\n", (t1s - t0s) / 1000 / (b - a), (s1s - s0s) / 1000 / (b - a) }' "$samples")
stall_tenant=${rates% *}
stall_sys=${rates#* }

asteal=$(($(stat_of "$out/stat-end-a" pgsteal || echo 0) - $(stat_of "$out/stat-start-a" pgsteal || echo 0)))
osteal0=$(stat_of "$out/stat-start-outside" pgsteal)
osteal1=$(stat_of "$out/stat-end-outside" pgsteal)
osteal=$((${osteal1:-0} - ${osteal0:-0}))

n_trig=$(grep -c ' action=trigger ' "$log")
n_trig_tenant=$(awk "$AWK_F"' / action=trigger / && f("scope") == "tenant"' "$log" | wc -l)
not_tenant=$(awk "$AWK_F"' (/ action=trigger / || / action=round_end /) && f("scope") != "tenant"' "$log")
armed_tenant=$(awk "$AWK_F"' / action=armed / && f("scope") == "tenant"' "$log" | wc -l)
out_actions=$(awk "$AWK_F"' (/ action=reclaim / || / action=clamp /) && f("cgroup") == "outside"' "$log")
n_a=$(awk "$AWK_F"' / action=reclaim / && f("cgroup") == "tenant/a"' "$log" | wc -l)
n_tenant=$(awk "$AWK_F"' / action=reclaim / && f("cgroup") == "tenant"' "$log" | wc -l)
first_action=$(awk "$AWK_F"' / action=reclaim / { print f("cgroup"); exit }' "$log")
t_a_soft=$(ev_time a-at-soft)
psi_first=$(awk '/^psiwatch: event 1 / { sub("t=", "", $4); print $4; exit }' "$out/psiwatch.out" 2>/dev/null)
rexit=$(file reclaimd.exit)

echo "scoped scenario (guest: ${VM_MEM} MiB, zram swap; VM $(file vm-seconds) s):"
note "tenant/a: soft_limit ${A_SOFT} MiB; memory.current $(mib "$a0") MiB before pressure, lowest $(mib "$amin") MiB; ${n_a} reclaim actions; pgsteal +${asteal} pages"
note "outside: soft_limit ${OUT_SOFT} MiB; memory.current $(mib "$o0") MiB before pressure, lowest $(mib "$omin") MiB; $(echo "$out_actions" | grep -c .) reclaim/clamp actions; pgsteal +${osteal} pages"
note "hog started at ${t_hog} s (guest uptime); independent trigger on tenant's memory.pressure first fired ${psi_first:-never} s after; stall since: tenant ${stall_tenant} ms/s, system ${stall_sys} ms/s"
note "rounds: ${n_trig} (${n_trig_tenant} for scope=tenant); reclaims of tenant itself: ${n_tenant}; tenant/a at its soft limit at ${t_a_soft:-never} s; ${nsamples} samples"

# 0. The test itself worked.
[ -n "$psi_first" ] ||
	fail "the hog in tenant/hog did not make a trigger ($TENANT_TRIGGER) on tenant's memory.pressure fire: no pressure in tenant (see $out/psiwatch.out)"
for g in a outside hog; do
	[ "$(file "alive-$g")" = yes ] ||
		fail "the $g workload died during the test (see $out/$g.out and $out/dmesg.log)"
done
[ "$nsamples" -ge 5 ] || fail "only $nsamples samples were taken after the hog started"
[ "$a0" -ge $(((A_SOFT + 32) * MiB)) ] ||
	fail "setup: tenant/a used only $(mib "$a0") MiB before pressure, not well over its ${A_SOFT} MiB soft limit"
[ $((o0 - OUT_SOFT * MiB)) -gt $((a0 - A_SOFT * MiB)) ] ||
	fail "setup: outside ($(mib "$o0") MiB, soft limit ${OUT_SOFT} MiB) was not further over its soft limit than tenant/a ($(mib "$a0") MiB, ${A_SOFT} MiB)"

# 1. reclaimd ran until stopped and exited 0 on SIGTERM.
case $rexit in
0) ;;
running) fail "reclaimd did not exit within 10 s of SIGTERM" ;;
died*) fail "reclaimd exited by itself (status ${rexit#died }) before it was stopped" ;;
*) fail "reclaimd exited with status $rexit on SIGTERM (expected 0)" ;;
esac

# 2. Every round was tenant's.
[ "$armed_tenant" -gt 0 ] || fail "reclaimd's log has no 'action=armed scope=tenant': tenant's trigger was not armed"
[ "$n_trig_tenant" -gt 0 ] ||
	fail "reclaimd started no round for scope=tenant although tenant's memory.pressure went over its trigger"
if [ -n "$not_tenant" ]; then
	fail "rounds not limited to tenant ran (the system trigger '$SYSTEM_TRIGGER' should not fire here): $(echo "$not_tenant" | head -n 3)"
fi

# 3. outside, out of tenant's scope, was left alone: reclaimd's writes and the kernel's numbers.
if [ -n "$out_actions" ]; then
	fail "reclaimd acted on outside, which is not in tenant's subtree: $(echo "$out_actions" | head -n 3)"
fi
allow=$((o0 / 20))
[ "$allow" -ge $((4 * MiB)) ] || allow=$((4 * MiB))
if [ "$omin" -lt $((o0 - allow)) ]; then
	fail "outside's memory.current fell from $(mib "$o0") to $(mib "$omin") MiB, although only tenant's subtree was under pressure"
fi
osteal_allow=$((allow / 4096))
if [ "$osteal" -gt "$osteal_allow" ]; then
	fail "the kernel reclaimed $osteal pages ($(mib $((osteal * 4096))) MiB) from outside (memory.stat pgsteal); at most $osteal_allow expected"
fi

# 4. tenant/a came down toward its soft limit, reclaimed first.
if [ -n "$first_action" ] && [ "$first_action" != tenant/a ]; then
	fail "reclaimd's first reclaim was for '$first_action', not tenant/a (the only cgroup in tenant's subtree over its soft limit)"
fi
excess=$((a0 - A_SOFT * MiB))
if [ "$amin" -gt $((A_SOFT * MiB + excess / 5)) ]; then
	fail "tenant/a's memory.current fell only from $(mib "$a0") to $(mib "$amin") MiB; expected it near its soft limit of ${A_SOFT} MiB (at most $(mib $((A_SOFT * MiB + excess / 5))) MiB)"
fi
if [ $((asteal * 4096 * 2)) -lt $((a0 - amin)) ]; then
	fail "tenant/a's pgsteal rose by only $asteal pages while its memory.current fell by $(mib $((a0 - amin))) MiB: the fall was not reclaim"
fi

judge_exit_if_failed "reclaimd's log (guest uptime, stderr)" "$log" \
	"scenario events" "$out/events"
judge_pass "tenant's trigger reclaimed only inside tenant: tenant/a toward its soft limit, outside untouched"
