#!/bin/sh
# test-steptimeout.sh -- a step that runs past step_timeout is cut short on
# the real kernel: the write in flight is interrupted (memory_reclaim()
# checks signal_pending() between its batches) or, where the kernel finishes
# its batch first, no further write is made; the step keeps what it freed
# and its round ends.  In the guest (scenario-steptimeout.sh) reclaimd's
# balancer swaps a cgroup of anonymous memory down to its soft limit, with
# step_timeout (STEP_MS) far shorter than a step takes under TCG, and
# tests/vm/reclaimtap.so recording each of its memory.reclaim writes, when
# it began and ended, and the cgroup's counters around it, in order with
# its log lines.  Judged from the kernel's answers and files:
#
#  1. Steps were cut: some step's line says result=timed_out, and the next
#     line of its round is its end, with result=timed_out too.
#  2. A step cut short made no write that began later than STEP_MS and a
#     quarter (how often the loop looks) and LATE_S (the loop's own lateness
#     under TCG, with another guest beside it) after its first write
#     began.  A step not cut took no longer than that.
#  3. The kernel's answers: ok, EAGAIN, or EINTR for a write of a step cut
#     short (or SIGTERM's, after the last step).  How often the kernel ended
#     a write early (EINTR) is reported: where memory_reclaim() works in
#     batches of its own, a signal ends the write mid-way.
#  4. Nothing was lost: the steps cut short freed memory (memory.current fell
#     over their writes), batch reached its soft limit and 2 MiB in the end,
#     swapping out what it had to (memory.swap.current), memory.high is max
#     at the end, no errors were logged, and reclaimd exited 0 on SIGTERM.
#
# Exit: 0 pass, 1 fail, 77 skip (no qemu/busybox/cpio/kernel; never when
# CI=true), 99 hard error.  VM_OUTDIR=DIR keeps the guest's output in DIR;
# otherwise it goes to a temporary folder, removed on success unless
# VM_KEEP=1.  VM_REJUDGE=DIR judges the output of an earlier run again, no
# guest.  Other environment: see vm.sh (VM_KERNEL, RECLAIMD_VM_CACHE, CI,
# ...); RECLAIMTAP_SO (default $abs_top_builddir/tests/vm/reclaimtap.so);
# SOFT_MIB and ANON_MIB (batch's soft limit and anonymous memory), STEP_MS
# (step_timeout), LATE_S.

vm_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
# shellcheck source=/dev/null
. "$vm_dir/vm.sh"
# shellcheck source-path=SCRIPTDIR source=judge.sh
. "$vm_dir/judge.sh"

: "${SOFT_MIB:=16}" "${ANON_MIB:=256}" "${STEP_MS:=100}" "${LATE_S:=1}"
: "${RECLAIMTAP_SO:=$abs_top_builddir/tests/vm/reclaimtap.so}"
export SOFT_MIB ANON_MIB STEP_MS RECLAIMTAP_SO
VM_PASS_ENV="${VM_PASS_ENV:-} SOFT_MIB ANON_MIB STEP_MS RECLAIMTAP_SO"
VM_TIMEOUT=${VM_TIMEOUT_STEPTIMEOUT:-240}
export VM_TIMEOUT

judge_tapped steptimeout
kernel=$(file uname)
echo "step_timeout on $kernel (VM $(file vm-seconds) s):"

# 1. Every step cut short ends its round: the round's end is the next line.
# shellcheck disable=SC2016 # awk's $i, not the shell's
cut_ends=$(awk "$AWK_F"'
	/ action=reclaim / { if (cut) bad++; cut = f("result") == "timed_out"; n += cut; next }
	/ action=round_end / { if (cut && f("result") != "timed_out") bad++; cut = 0 }
	END { printf "%d %d\n", n, bad + cut }' "$log")
n_cut=${cut_ends% *}
[ "$n_cut" -gt 0 ] || fail "no step was cut short (no action=reclaim line with result=timed_out): step_timeout ${STEP_MS}ms did not act, or every step was faster"
[ "${cut_ends#* }" -eq 0 ] ||
	fail "${cut_ends#* } step(s) cut short were not followed by their round's end with result=timed_out"

# 2. and 3. From the tap, step by step.
bound=$(awk -v s="$STEP_MS" -v l="$LATE_S" 'BEGIN { printf "%.2f", s * 1.25 / 1000 + l }')
# shellcheck disable=SC2016 # awk's $i, not the shell's
awk -F '\t' -v bound="$bound" -v o="$out/steps-judged" '
$2 == "tail" { next }
{
	cut = $5 == "timed_out"
	if ($6 == 0) next
	span = $24 - $21; dur = $22 - $21
	if (cut) {
		ncut++
		if (span > bound) printf "step %s (priority %s, %s bytes asked) was cut short, yet a write of it began %.2f s after its first\n", $1, $2, $3, span
		freed += $9 - $13
		if (dur > maxcut) maxcut = dur
		if ($3 != $23) printf "step %s was cut short, and logged %s bytes asked where its writes asked %s\n", $1, $3, $23
		if (span > maxspan) maxspan = span
	} else if (dur > bound) {
		printf "step %s (priority %s, %s bytes asked) ran %.2f s, past step_timeout, without being cut\n", $1, $2, $3, dur
	}
	n = split($8, r, ",")
	for (i = 1; i <= n; i++) {
		if (r[i] == "EINTR" && cut) eintr++
		else if (r[i] == "EINTR") printf "step %s: the kernel answered EINTR, but the step was not cut short\n", $1
		else if (r[i] != "ok" && r[i] != "EAGAIN") printf "step %s: memory.reclaim answered %s\n", $1, r[i]
	}
}
END { printf "%d %d %.0f %.2f %.2f\n", ncut, eintr, freed, maxcut, maxspan > o }' "$out/steps.tsv" >"$out/step-findings"
while IFS= read -r finding; do
	fail "$finding"
done <"$out/step-findings"
read -r tap_cut eintr freed maxcut maxspan <"$out/steps-judged"
nsteps=$(awk -F '\t' '$2 != "tail"' "$out/steps.tsv" | wc -l)
note "$nsteps steps, $n_cut cut short after step_timeout ${STEP_MS}ms (the last write of each began within ${maxspan} s of its first, ${bound} s allowed, and ended within ${maxcut} s); in $eintr of them the kernel ended a write early (EINTR)"
[ "$tap_cut" -eq "$n_cut" ] || fail "the log has $n_cut steps cut short, the tap $tap_cut with writes"

# 4. Nothing lost.
[ "$freed" -gt 0 ] || fail "the steps cut short freed nothing (memory.current over their writes: $(mib "$freed") MiB)"
note "the steps cut short freed $(mib "$freed") MiB in all; batch: $(mib "$(file current-start)") MiB at the start, $(mib "$(file current-end)") MiB at the end (soft limit ${SOFT_MIB} MiB), memory.swap.current $(mib "$(file swap-start)") -> $(mib "$(file swap-end)") MiB"
ev_has batch-at-soft-limit ||
	fail "batch was not brought down to its soft limit ${SOFT_MIB} MiB and 2: $(grep -o 'batch-[a-z-]*\|reclaimd-died' "$out/events" | head -n 1)"
must_swap=$(($(stat_of "$out/stat-start" anon) - (SOFT_MIB + 2) * MiB))
[ "$must_swap" -gt $((64 * MiB)) ] || fail "setup: batch held only $(mib "$(stat_of "$out/stat-start" anon)") MiB of anonymous memory"
[ $(($(file swap-end) - $(file swap-start))) -ge $((must_swap - MiB)) ] ||
	fail "memory.swap.current rose by $(mib $(($(file swap-end) - $(file swap-start)))) MiB; batch had to swap out $(mib "$must_swap") MiB to reach its soft limit"
[ "$(file high-end)" = max ] || fail "memory.high of batch is $(file high-end) at the end, not max"
errors=$(awk '{ line = $0; sub(/^[^ ]* /, "", line) }
	/ action=cgroup_error / || (line !~ /^action=/ && tolower(line) ~ /fail|error|cannot|can.t|refus|invalid|warn/)' "$log")
[ -z "$errors" ] || fail "reclaimd logged errors: $(echo "$errors" | head -n 3)"
[ "$(file reclaimd.exit)" = 0 ] || fail "reclaimd exited with status $(file reclaimd.exit) on SIGTERM (expected 0)"

judge_exit_if_failed "steps (n prio req swap result writes swappiness0 results cur0 swap0 anon0 file_lru0 cur1 swap1 anon1 file_lru1 pgsteal0 pgsteal1 pswp0 pswp1 t0 t1 asked tlast)" "$out/steps.tsv" \
	"reclaimd's log (guest uptime, stderr)" "$log" "scenario events" "$out/events"
judge_pass "on $kernel $n_cut steps were cut short after step_timeout ${STEP_MS}ms (in $eintr the kernel ended a write early), keeping $(mib "$freed") MiB, and batch reached its soft limit"
