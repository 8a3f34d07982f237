#!/bin/sh
# test-removal.sh -- reclaimd in a real kernel goes on when managed cgroups
# disappear under it.  g1, g2 and g3 are over their soft limits under system
# memory pressure (g2 the furthest: it also owns a tmpfs file, whose pages
# stay charged to it after its removal); once rounds are running, g2's
# workload is killed and g2 removed, while another managed cgroup with a
# trigger of its own (churn) is created and removed over and over, and
# short-lived cgroups under a glob with triggers (flash/*) come and go as
# fast as the guest can make them (up to FLASH_CYCLES in FLASH_SECONDS; at
# least FLASH_MIN).  reclaimd must stay up, log
# action=cgroup_gone for g2, go on reclaiming g1 and g3 after that (they
# get REFILL_COLD MiB more each once g2 is removed, so that reclaim is owed
# however fast the rounds before were; their memory.current must fall from
# its peak after the removal), and exit 0 on SIGTERM, with no error lines
# in its log other than those naming the removed cgroups; churn, removed
# while its trigger is armed (POLLERR|POLLPRI from then on), must be dropped,
# and created a last time get its trigger armed again, with no descriptor
# left on a removed file; and the kernel must log no warning.  Before
# reclaimd starts, the backend must refuse (ENODEV) a write through a cgroup
# removed and made again at its path, leaving the new one untouched
# (tests/vm/reincarnate).  See scenario-removal.sh for the guest side.
#
# Exit: 0 pass, 1 fail, 77 skip (no qemu/busybox/cpio/kernel; never when
# CI=true), 99 hard error.  VM_OUTDIR=DIR keeps the guest's output in DIR;
# otherwise it goes to a temporary folder, removed on success unless VM_KEEP=1.
# VM_REJUDGE=DIR judges the output of an earlier run in DIR again, no guest.
# Other environment: see vm.sh; sizes in MiB: G_COLD G_HOT G_SOFT REFILL_COLD G2_COLD
# G2_HOT G2_SHMEM CHURN_COLD
# HOG_HOT HOG_MAX; TRIGGER; FLASH_CYCLES FLASH_MIN; HOG_PSI_DEADLINE ROUND_DEADLINE
# GONE_DEADLINE AFTER_DEADLINE FLASH_SECONDS FLASH_DEADLINE (s).

vm_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
# shellcheck source=/dev/null
. "$vm_dir/vm.sh"
# shellcheck source-path=SCRIPTDIR source=judge.sh
. "$vm_dir/judge.sh"

: "${G_COLD:=48}" "${G_HOT:=4}" "${G_SOFT:=8}" "${REFILL_COLD:=32}"
: "${G2_COLD:=4}" "${G2_HOT:=2}" "${G2_SHMEM:=48}"
: "${CHURN_COLD:=4}" "${FLASH_CYCLES:=300}" "${FLASH_SECONDS:=60}" "${FLASH_MIN:=20}"
: "${FLASH_DEADLINE:=90}"
: "${HOG_HOT:=160}" "${HOG_MAX:=64}"
: "${TRIGGER:=some 150ms 1s}"
: "${ROUND_DEADLINE:=40}" "${GONE_DEADLINE:=20}" "${AFTER_DEADLINE:=20}" "${HOG_PSI_DEADLINE:=15}"
export HOG_PSI_DEADLINE G_COLD G_HOT G_SOFT REFILL_COLD G2_COLD G2_HOT G2_SHMEM CHURN_COLD FLASH_CYCLES FLASH_SECONDS FLASH_DEADLINE HOG_HOT HOG_MAX TRIGGER ROUND_DEADLINE \
	GONE_DEADLINE AFTER_DEADLINE
VM_PASS_ENV="${VM_PASS_ENV:-} HOG_PSI_DEADLINE G_COLD G_HOT G_SOFT REFILL_COLD G2_COLD G2_HOT G2_SHMEM CHURN_COLD FLASH_CYCLES FLASH_SECONDS FLASH_DEADLINE HOG_HOT HOG_MAX TRIGGER ROUND_DEADLINE GONE_DEADLINE AFTER_DEADLINE"

if ! judge_rejudge; then
	vm_skip_unless_ready
	vm_require_file "$RECLAIMD" "reclaimd"
	judge_require_helpers
	vm_require_file "$abs_top_builddir/tests/vm/reincarnate" "reincarnate (a check program: make check builds it)"
	judge_outdir removal
	# On 7.x a second guest beside this one slows memory.reclaim under the
	# thrashing hog 5 to 20 times (README, "Kernels"), past the deadlines
	# of this scenario: there it runs alone.
	VM_ALONE=${VM_ALONE-7.x}
	VM_TIMEOUT=${VM_TIMEOUT_REMOVAL:-240}
	export VM_TIMEOUT
	judge_run "$vm_dir/scenario-removal.sh" events events reclaimd reclaimd.log
fi

# ---------------------------------------------------------------- judging
judge_hog_started
t_kill=$(ev_time g2-killed)
t_rm=$(ev_time g2-removed)

# The engine's cgroup_gone for g2 (not its trigger's: g2 has none).
gone_line=$(awk -v t0="${t_kill:-999999}" "$AWK_F"' $1 >= t0 && / action=cgroup_gone / && f("cgroup") == "g2" { print; exit }' "$log")
t_gone=${gone_line%% *}
# How reclaimd found out: a write of a round failing (the reclaim line just
# before names g2 with an error), or reading memory.current at a round's start.
gone_how=$(awk "$AWK_F"' / action=cgroup_gone / && f("cgroup") == "g2" { print (prev ~ / action=reclaim / && prev ~ / cgroup=g2 / ? "a memory.reclaim write of a round (" pr ")" : "the refresh at the start of a round"); exit }
	/ action=/ { prev = $0; pr = f("result") }' "$log")
n_gone_early=$(awk -v t0="${t_kill:-999999}" "$AWK_F"' $1 < t0 && / action=cgroup_gone / && f("cgroup") == "g2"' "$log" | wc -l)
# Reclaims of g1/g3 after that line (in log order), and what they freed.
after=$(awk "$AWK_F"' / action=cgroup_gone / && f("cgroup") == "g2" { g = 1; next }
	g && / action=reclaim / && (f("cgroup") == "g1" || f("cgroup") == "g3") { n++; b += f("reclaimed") }
	END { printf "%d %.0f\n", n, b }' "$log")
n_after=${after% *}
freed_after=${after#* }
g2_after=$(awk "$AWK_F"' / action=cgroup_gone / && f("cgroup") == "g2" { g = 1; next }
	g && (/ action=reclaim / || / action=clamp /) && f("cgroup") == "g2"' "$log")
gone_others=$(awk "$AWK_F"' / action=cgroup_gone / && f("cgroup") != "g2" && f("cgroup") != "churn" && f("cgroup") !~ /^flash\//' "$log")
n_gone_churn=$(awk "$AWK_F"' / action=cgroup_gone / && f("cgroup") == "churn"' "$log" | wc -l)
n_churn_reclaims=$(awk "$AWK_F"' / action=reclaim / && f("cgroup") == "churn"' "$log" | wc -l)
n_cycles=$(grep -c ' removed$' "$out/churn.log" 2>/dev/null)
# Error lines: plain (non-action) lines that say something failed, and
# writes or rounds with an error result.  Those naming g2 or churn were
# provoked by the removals.
errors=$(awk "$AWK_F"'
	{ line = $0; sub(/^[^ ]* /, "", line) }
	line !~ /^action=/ { if (tolower(line) ~ /fail|error|cannot|can.t|refus|invalid|warn/) print; next }
	/ action=(reclaim|clamp|release) / { r = f("result"); if (r != "ok" && r != "partial" && r != "timed_out" && r != "already_lower" && r != "raised" && r != "restored" && r != "gone") print; next }
	/ action=round_end / && f("result") == "error" { print }' "$log")
errors_other=$(echo "$errors" | grep -v -e 'g2' -e 'churn' -e 'flash/' | grep .)
n_errors=$(echo "$errors" | grep -c .)
# The flash churn: "done N cycles M removed", and what reclaimd made of it.
flash_done=$(awk '$2 == "done" { print $3, $5 }' "$out/flash.log" 2>/dev/null)
flash_cycles=${flash_done% *}
flash_removed=${flash_done#* }
n_flash_armed=$(awk "$AWK_F"' / action=armed / && f("scope") ~ /^flash\//' "$log" | wc -l)
n_flash_gone=$(awk "$AWK_F"' / action=cgroup_gone / && f("cgroup") ~ /^flash\//' "$log" | wc -l)
n_followed=$(grep -c 'The cgroups matching the configuration changed' "$log")
# g1+g3 (kernel) at the removal, and at the end.
sum_at() { awk -F '\t' -v t="$1" '$1 <= t { v = $2 + $4 } END { print v + 0 }' "$samples"; }
sum_rm=$(sum_at "${t_rm:-0}")
# The most g1+g3 held after g2's removal (the refill landed then).
sum_peak=$(awk -F '\t' -v t="${t_rm:-999999}" '$1 >= t && $2 + $4 > m { m = $2 + $4 } END { print m + 0 }' "$samples")
sum_end=$(sum_at 999999)
sum0=$(awk -F '\t' -v t0="$t_hog" '$1 < t0 { v = $2 + $4 } END { print v + 0 }' "$samples")
soft2=$((2 * G_SOFT * MiB))
psi_first=$(awk '/^psiwatch: event 1 / { sub("t=", "", $4); print $4; exit }' "$out/psiwatch.out" 2>/dev/null)
rexit=$(file reclaimd.exit)

echo "removal scenario (guest: ${VM_MEM} MiB, zram swap; VM $(file vm-seconds) s):"
note "hog started at ${t_hog} s (guest uptime); PSI trigger first fired ${psi_first:-never} s after; first reclaim at $(ev_time rounds-running || true) s"
note "g2 ($(cut -d' ' -f2 "$out/g2-shmem-charged" 2>/dev/null | awk '{ printf "%.1f", $1 / 1048576 }') MiB of tmpfs charged to it) killed at ${t_kill:-never} s, removed at ${t_rm:-never} s; reclaimd logged cgroup_gone for it at ${t_gone:-never} s, seen in ${gone_how:-nothing}; then ${n_after} reclaims of g1/g3 freeing $(mib "${freed_after:-0}") MiB"
note "g1+g3 memory.current: $(mib "$sum0") MiB before pressure, $(mib "$sum_rm") MiB at g2's removal, $(mib "$sum_peak") MiB at most after it ($((2 * REFILL_COLD)) MiB refilled), $(mib "$sum_end") MiB at the end (soft limits $(mib "$soft2") MiB together)"
note "churn: ${n_cycles:-0} create/remove cycles; reclaimd logged ${n_gone_churn} cgroup_gone and ${n_churn_reclaims} reclaims for it; ${n_errors} error line(s) in all"
note "flash churn: ${flash_cycles:-0} cycles, ${flash_removed:-0} cgroups created and removed in $(awk -v a="$(ev_time flash-started)" -v b="$(awk '$2 == "flash-ended" { print $1 }' "$out/events")" 'BEGIN { if (b != "") printf "%.1f", b - a; else printf "?" }') s; reclaimd followed the glob ${n_followed} times, armed ${n_flash_armed} flash triggers, logged ${n_flash_gone} flash cgroups gone"

# 0. The test itself worked.
judge_hog_pressure "$psi_first"
for g in g1 g3 hog; do
	[ "$(file "alive-$g")" = yes ] || fail "the $g workload died during the test (see $out/$g.out and $out/dmesg.log)"
done
ev_has rounds-running || fail "reclaimd did not reclaim anything within ${ROUND_DEADLINE} s of the pressure, so nothing was removed while rounds ran"
[ "${n_cycles:-0}" -gt 0 ] && [ "${n_gone_churn:-0}" -gt 0 ] ||
	fail "the churn cgroup was not created and removed under reclaimd (${n_cycles:-0} cycles, logged gone ${n_gone_churn:-0} times)"
if [ -n "$t_rm" ] && ! ev_has g1-g3-refilled; then
	fail "setup: g1's and g3's refill (memhog --cold $REFILL_COLD each, after g2's removal) was not ready (see $out/g1-refill.out, $out/g3-refill.out)"
elif [ -n "$t_rm" ] && [ "$sum_peak" -le $((soft2 + 8 * MiB)) ]; then
	fail "setup: g1 and g3 held at most $(mib "$sum_peak") MiB together after g2 was removed and they were refilled, too close to their soft limits to show reclaim going on"
fi

# 1. reclaimd stayed up and exited 0 on SIGTERM.
case $rexit in
0) ;;
running) fail "reclaimd did not exit within 10 s of SIGTERM" ;;
died*) fail "reclaimd exited by itself (status ${rexit#died }) during the test: cgroups disappearing must not stop it" ;;
*) fail "reclaimd exited with status $rexit on SIGTERM (expected 0)" ;;
esac

# 2. It noticed g2 was gone, and dropped it.
if ev_has g2-removed; then
	[ -n "$gone_line" ] ||
		fail "reclaimd logged no 'action=cgroup_gone cgroup=g2' after g2 was removed (waited ${GONE_DEADLINE} s while rounds ran)"
	[ "$n_gone_early" -eq 0 ] ||
		fail "reclaimd logged cgroup_gone for g2 before g2 was killed and removed"
	[ -z "$g2_after" ] ||
		fail "reclaimd acted on g2 after logging it gone: $(echo "$g2_after" | head -n 3)"
else
	fail "the scenario did not remove g2 (see the events)"
fi
[ -z "$gone_others" ] ||
	fail "reclaimd logged cgroup_gone for a cgroup that was not removed: $(echo "$gone_others" | head -n 3)"

# 3. It went on reclaiming the others: in its log and in the kernel's numbers.
if [ -n "$gone_line" ]; then
	[ "${n_after:-0}" -gt 0 ] ||
		fail "after logging g2 gone reclaimd reclaimed neither g1 nor g3, although they were over their soft limits under pressure"
	[ "${freed_after:-0}" -gt 0 ] ||
		fail "reclaimd's reclaims of g1/g3 after g2 was gone freed nothing (by its own log)"
fi
if [ -n "$t_rm" ] && [ "$sum_end" -gt $((sum_peak - 4 * MiB)) ]; then
	fail "g1's and g3's memory.current (kernel) fell only from $(mib "$sum_peak") to $(mib "$sum_end") MiB together after g2 was removed and they were refilled"
fi

# 3b. The flash churn ran its course beside the rounds.
[ "${flash_removed:-0}" -ge "$FLASH_MIN" ] ||
	fail "the flash churn created and removed only ${flash_removed:-0} cgroups in ${FLASH_SECONDS} s, fewer than ${FLASH_MIN} (see $out/flash.log)"
# ... and reclaimd followed it: the glob listed again, flash cgroups managed and then logged gone.
[ "${n_followed:-0}" -gt 0 ] && [ "${n_flash_gone:-0}" -gt 0 ] ||
	fail "while ${flash_removed:-0} cgroups came and went under flash/*, reclaimd followed the glob ${n_followed:-0} times and logged ${n_flash_gone:-0} of them gone"

# 4. The trigger of a cgroup created again is armed again, and nothing stays
# open on the removed ones (kernfs shows their files as deleted).
if ev_has churn-armed-removed; then
	ev_has churn-armed-gone ||
		fail "churn, removed while its trigger was armed, was not logged gone within ${GONE_DEADLINE} s"
	note "churn removed with its trigger armed at $(ev_time churn-armed-removed) s (event after the rmdir); logged gone at $(awk -v t="$(ev_time churn-armed-removed)" "$AWK_F"' $1 >= t - 1 && / action=cgroup_gone / && f("cgroup") == "churn" { print $1; exit }' "$log") s; armed again at $(awk -v t="$(ev_time churn-final-created)" '$1 >= t && / action=armed scope=churn / { print $1; exit }' "$log") s, created at $(ev_time churn-final-created) s"
else
	fail "the scenario did not remove churn while its trigger was armed (see the events)"
fi
if ev_has churn-final-created; then
	ev_has churn-rearmed ||
		fail "churn, created again after ${n_cycles:-0} removals, did not get its trigger armed again within ${GONE_DEADLINE} s"
	n_churn_fds=$(grep -c '/churn/' "$out/fds-end" 2>/dev/null)
	# The kernel's side of "armed": reclaimd holds the new churn's memory.pressure.
	grep -q '/churn/memory.pressure$' "$out/fds-end" 2>/dev/null ||
		fail "reclaimd holds no descriptor on the new churn's memory.pressure: its trigger is not armed (see $out/fds-end)"
	note "descriptors of reclaimd at the end: $(grep -c -- '->' "$out/fds-end" 2>/dev/null), ${n_churn_fds} on churn's files, $(grep -c . "$out/fds-stale" 2>/dev/null) on a removed cgroup's"
	[ -f "$out/fds-stale" ] || fail "the scenario did not list reclaimd's descriptors"
	[ -s "$out/fds-stale" ] &&
		fail "reclaimd still holds descriptors on removed cgroups' files: $(head -n 3 "$out/fds-stale" | tr '\n' ' ')"
else
	fail "the scenario did not create churn a last time (see the events)"
fi

# 5. The kernel had nothing to warn about (a trigger armed on a cgroup being
# removed leaks in 6.1: psi_cgroup_free() warns "psi: trigger leak").
kwarn=$(grep -E 'WARNING:|BUG:|psi: trigger leak|general protection' "$out/dmesg.log" 2>/dev/null | head -n 3)
[ -z "$kwarn" ] || fail "the kernel warned during the test: $kwarn (see $out/dmesg.log)"

# 6. The backend's write through a cgroup it opened, after the cgroup was
# removed and made again at its path (a restarted service), reached neither:
# the old one is gone, and the new one was never read nor recorded.
reinc=$(file reincarnate.out)
case $reinc in
"write=ENODEV memory.high=max") ;;
*) fail "a write of memory.high through a cgroup removed and made again at its path gave '$reinc' (expected write=ENODEV, the new cgroup's memory.high left at max)" ;;
esac

# 7. No error lines other than those the removals provoked.
if [ -n "$errors_other" ]; then
	fail "reclaimd logged errors not about the removed cgroups: $(echo "$errors_other" | head -n 5)"
fi

judge_exit_if_failed "reclaimd's log (guest uptime, stderr)" "$log" \
	"scenario events" "$out/events" "churn cycles" "$out/churn.log"
if [ "$n_errors" -gt 0 ]; then
	echo "  error lines provoked by the removals:"
	echo "$errors" | sed 's/^/    /' | head -n 10
fi
judge_pass "reclaimd dropped the removed cgroup, went on reclaiming the others, and exited 0 on SIGTERM"
