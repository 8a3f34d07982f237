#!/bin/sh
# test-escalation.sh -- reclaimd in a real kernel, when memory.reclaim cannot
# take anything: a cgroup whose memory is mlocked (locked) sits well over its
# soft limit under system memory pressure.  Every soft-limit step comes back
# empty, so the priority falls from 12 to clamp_priority and below, where
# reclaimd lowers locked's memory.high -- never below the soft limit.  When
# the pressure ends, memory.high goes back up to its original value ("max")
# while reclaimd keeps running.  Then, with memory.high lowered again, a
# reload raises the soft limit (RAISED_SOFT) while the pressure lasts, and
# memory.high must go up to it at once; then reclaimd is killed with SIGKILL: memory.high stays lowered until reclaimd
# starts again with the same --state-file and restores it.  See
# scenario-escalation.sh for the guest side.  Judged from locked's
# memory.high and memory.current as the kernel reported them in the guest,
# and from reclaimd's log.
#
# Exit: 0 pass, 1 fail, 77 skip (no qemu/busybox/cpio/kernel; never when
# CI=true), 99 hard error.  VM_OUTDIR=DIR keeps the guest's output in DIR;
# otherwise it goes to a temporary folder, removed on success unless VM_KEEP=1.
# VM_REJUDGE=DIR judges the output of an earlier run in DIR again, no guest.
# Other environment: see vm.sh (abs_top_builddir, RECLAIMD, MEMHOG, PSIWATCH,
# RECLAIMD_VM_CACHE, VM_TIMEOUT, CI ...); sizes in MiB: LOCKED_MIB LOCKED_SOFT RAISED_SOFT
# HOG_HOT HOG_MAX; LOCK (mlockall, or mlock: only locked's data is locked,
# see scenario-escalation.sh); TRIGGER; CLAMP_HIGH (yes: clamp_high in the config; "no"
# shows the test failing); CLAMP_DEADLINE RELEASE_DEADLINE RESTORE_DEADLINE (s).

vm_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
# shellcheck source=/dev/null
. "$vm_dir/vm.sh"
# shellcheck source-path=SCRIPTDIR source=judge.sh
. "$vm_dir/judge.sh"

: "${LOCKED_MIB:=64}" "${LOCKED_SOFT:=24}" "${LOCK:=mlockall}" "${RAISED_SOFT:=48}"
: "${HOG_HOT:=160}" "${HOG_MAX:=64}"
: "${TRIGGER:=some 150ms 1s}"
: "${CLAMP_HIGH:=yes}"
: "${CLAMP_DEADLINE:=40}" "${RELEASE_DEADLINE:=30}" "${RESTORE_DEADLINE:=20}"
export LOCKED_MIB LOCKED_SOFT RAISED_SOFT LOCK HOG_HOT HOG_MAX TRIGGER CLAMP_HIGH CLAMP_DEADLINE \
	RELEASE_DEADLINE RESTORE_DEADLINE
VM_PASS_ENV="${VM_PASS_ENV:-} LOCKED_MIB LOCKED_SOFT RAISED_SOFT LOCK HOG_HOT HOG_MAX TRIGGER CLAMP_HIGH CLAMP_DEADLINE RELEASE_DEADLINE RESTORE_DEADLINE"
CLAMP_PRIORITY=3 # reclaimd's default, not set in the scenario's config

if ! judge_rejudge; then
	vm_skip_unless_ready
	vm_require_file "$RECLAIMD" "reclaimd"
	judge_require_helpers
	judge_outdir escalation
	# On 7.x the scenario took 120 and 130 s in CI; its own deadlines
	# add up to 220 s, and one of them running out says what failed,
	# which the guest's timeout cannot.
	VM_TIMEOUT=${VM_TIMEOUT_ESCALATION:-240}
	export VM_TIMEOUT
	judge_run "$vm_dir/scenario-escalation.sh" events events reclaimd reclaimd.log reclaimd2 reclaimd2.log
fi

# ---------------------------------------------------------------- judging
soft=$((LOCKED_SOFT * MiB))
show_high() { case $1 in '') echo none ;; max | missing) echo "$1" ;; *) echo "$(mib "$1") MiB" ;; esac; }

t_h1=$(ev_time hog-1-started)
t_s1=$(ev_time hog-1-stopped)
t_h2=$(ev_time hog-2-started)
t_kill=$(ev_time reclaimd-killed)
t_start2=$(ev_time reclaimd2-started)
if [ -z "$t_h1" ]; then
	if ev_has reclaimd-died-at-start || ev_has reclaimd-start-not-logged; then
		echo "FAIL: reclaimd did not start: $(if ev_has reclaimd-died-at-start; then echo "it exited with status $(file reclaimd.exit)"; else echo "no action=started line within 20 s"; fi); its log:" >&2
		cat "$out/reclaimd.log" >&2
		exit 1
	fi
	vm_log "ERROR: the scenario's events file lacks hog-1-started:"
	cat "$out/events" >&2
	exit 99
fi
log=$out/reclaimd.log
log2=$out/reclaimd2.log
[ -f "$log" ] || : >"$log"
[ -f "$log2" ] || : >"$log2"
samples=$out/samples.tsv
[ -f "$samples" ] || : >"$samples"
# The end of phase 1 for the judge: the hog's stop, or the end of the run.
p1_end=${t_s1:-999999}

# Phase 1 from the log: the first round's reclaim priorities, the lowest
# reclaim priority, the clamps.
first_prio=$(awk "$AWK_F"' / action=reclaim / && f("cgroup") == "locked" { print f("priority"); exit }' "$log")
low_prio=$(awk -v t1="$p1_end" "$AWK_F"' $1 <= t1 && / action=reclaim / && f("cgroup") == "locked" && (m == "" || f("priority") + 0 < m) { m = f("priority") + 0 } END { print m }' "$log")
n_clamp1=$(awk -v t1="$p1_end" "$AWK_F"' $1 <= t1 && / action=clamp / && f("cgroup") == "locked"' "$log" | wc -l)
# Clamps logged at a priority above clamp_priority, or to a memory.high below
# the soft limit, or that failed.
clamp_early=$(awk -v cp="$CLAMP_PRIORITY" "$AWK_F"' / action=clamp / && f("priority") + 0 > cp' "$log")
clamp_low=$(awk -v s="$soft" "$AWK_F"' / action=clamp / && f("high") + 0 < s' "$log")
clamp_bad=$(awk "$AWK_F"' / action=clamp / && f("result") != "ok" && f("result") != "timed_out" && f("result") != "already_lower"' "$log")
t_first_clamp=$(awk '/ action=clamp / { print $1; exit }' "$log")
low_clamp_log=$(awk "$AWK_F"' / action=clamp / && (m == "" || f("high") + 0 < m) { m = f("high") + 0 } END { print m }' "$log")
# Release in phase 1: "raised" and "restored" lines from the hog's stop
# until phase 2 (or, without a phase 2, shortly after the scenario saw
# memory.high back at max; a SIGTERM restores too).
t_rel1=$(awk '$2 == "released-1" { print $1; exit }' "$out/events")
if [ -n "$t_h2" ]; then
	rel_end=$t_h2
elif [ -n "$t_rel1" ]; then
	rel_end=$(awk -v t="$t_rel1" 'BEGIN { print t + 2 }')
else
	rel_end=999999
fi
n_raised1=$(awk -v t0="${t_s1:-999999}" -v t1="$rel_end" "$AWK_F"' $1 >= t0 && $1 <= t1 && / action=release / && f("cgroup") == "locked" && f("result") == "raised"' "$log" | wc -l)
n_restored1=$(awk -v t0="${t_s1:-999999}" -v t1="$rel_end" "$AWK_F"' $1 >= t0 && $1 <= t1 && / action=release / && f("cgroup") == "locked" && f("result") == "restored"' "$log" | wc -l)
n_restored2=$(awk "$AWK_F"' / action=release / && f("cgroup") == "locked" && f("result") == "restored"' "$log2" | wc -l)

# From the kernel (samples): locked's memory.high lowered in phase 1, the
# lowest memory.high over the whole run, locked's memory.current.
n_low1=$(awk -F '\t' -v t0="$t_h1" -v t1="$p1_end" '$1 >= t0 && $1 <= t1 && $3 != "max"' "$samples" | wc -l)
low_high=$(awk -F '\t' '$3 != "max" && (m == "" || $3 + 0 < m) { m = $3 + 0 } END { print m }' "$samples")
low_high_at=$(awk -F '\t' '$3 != "max" && (m == "" || $3 + 0 < m) { m = $3 + 0; t = $1 } END { print t }' "$samples")
# First sample at "max" after the hog's stop, and whether any sample after
# it (before phase 2) was lowered again.
t_max1=$(awk -F '\t' -v t0="${t_s1:-999999}" '$1 >= t0 && $3 == "max" { print $1; exit }' "$samples")
c0=$(awk -F '\t' -v t0="$t_h1" '$1 < t0 { v = $2 } END { print v + 0 }' "$samples")
cmin=$(awk -F '\t' -v t0="$t_h1" '$1 >= t0 && (m == "" || $2 < m) { m = $2 } END { print m + 0 }' "$samples")
nsamples=$(awk -F '\t' -v t0="$t_h1" '$1 >= t0' "$samples" | wc -l)
# After the end of pressure (until memory.high was back, or phase 2): the
# stall rate of the whole system and of locked itself (ms per s), and how
# often locked was throttled over its memory.high (memory.events high).
t_after_end=${t_max1:-${t_h2:-999999}}
after=$(awk -F '\t' -v t0="${t_s1:-999999}" -v t1="$t_after_end" '
	$1 >= t0 && $1 <= t1 { if (a == "") { a = $1; s0 = $5; l0 = $6; e0 = $7 } b = $1; s1 = $5; l1 = $6; e1 = $7 }
	END { if (a == "" || b == a) print "- - -"; else printf "%.0f %.0f %d\n", (s1 - s0) / 1000 / (b - a), (l1 - l0) / 1000 / (b - a), e1 - e0 }' "$samples")
read -r stall_sys stall_locked high_events <<EOF
$after
EOF
psi_first=$(awk '/^psiwatch: event 1 / { sub("t=", "", $4); print $4; exit }' "$out/psiwatch.out" 2>/dev/null)

high_start=$(file high-start)
high_kill=$(file high-after-kill)
high_before2=$(file high-before-restart)
high_end=$(file high-end)
rexit=$(file reclaimd.exit)
rexit2=$(file reclaimd2.exit)
state_after=$(file state-after-restart)

echo "escalation scenario (guest: ${VM_MEM} MiB, zram swap; VM $(file vm-seconds) s):"
note "locked: ${LOCKED_MIB} MiB mlocked, soft_limit ${LOCKED_SOFT} MiB; memory.current $(mib "$c0") MiB before pressure, lowest $(mib "$cmin") MiB; memory.high at the start: $high_start"
note "phase 1: hog started at $t_h1 s (guest uptime), PSI trigger first fired ${psi_first:-never} s after; first reclaim at priority ${first_prio:-none}, lowest ${low_prio:-none}; ${n_clamp1} clamp(s), first at ${t_first_clamp:-never} s"
note "phase 1: memory.high lowered in ${n_low1} sample(s); lowest memory.high sampled: $(show_high "$low_high")${low_high_at:+ at $low_high_at s}; lowest clamp logged: $(show_high "$low_clamp_log")"
if [ -n "$t_s1" ]; then
	note "phase 1: hog stopped at $t_s1 s; memory.high back at max at ${t_max1:-never} s; ${n_raised1} raise step(s) and ${n_restored1} restore logged"
	note "phase 1, from the hog's stop until memory.high was back: memory stall ${stall_sys} ms/s in the system, ${stall_locked} ms/s in locked; locked throttled over memory.high ${high_events} time(s) (memory.events high)"
fi
if [ -n "$t_h2" ]; then
	note "phase 2: hog started at $t_h2 s; reclaimd SIGKILLed at ${t_kill:-never} s (status $rexit) with memory.high $(show_high "$high_kill"); before the restart $(show_high "$high_before2")"
	note "phase 2: second reclaimd started at ${t_start2:-never} s; memory.high at the end $(show_high "$high_end"); ${n_restored2} restore line(s) in its log; its status after SIGTERM: $rexit2; state file after the restore: $state_after"
fi

# 0. The test itself worked: pressure, memory really unreclaimable.
[ -n "$psi_first" ] ||
	fail "the hog did not make the system PSI trigger (some 150ms/1s) fire: no memory pressure (see $out/psiwatch.out)"
[ "$(file alive-locked)" = yes ] ||
	fail "locked's workload died during the test (see $out/locked.out and $out/dmesg.log)"
[ "$c0" -ge $(((LOCKED_MIB - 2) * MiB)) ] ||
	fail "setup: locked used only $(mib "$c0") MiB before pressure; expected about ${LOCKED_MIB} MiB"
[ "$cmin" -ge $((c0 - 4 * MiB)) ] ||
	fail "setup: locked's memory.current fell from $(mib "$c0") to $(mib "$cmin") MiB: its memory was not unreclaimable, so the test says nothing about escalation"
[ "$nsamples" -ge 5 ] || fail "only $nsamples samples were taken after the hog started"
[ "$high_start" = max ] || fail "setup: locked's memory.high was '$high_start' at the start, not max"

# 1. Escalation in phase 1: from priority 12 down past clamp_priority, and a clamp.
if ev_has clamp-1-not-seen; then
	fail "locked's memory.high (kernel file) was not lowered within ${CLAMP_DEADLINE} s of pressure although memory.reclaim could free nothing from it"
fi
if [ -z "$first_prio" ]; then
	fail "reclaimd logged no 'action=reclaim cgroup=locked' line although locked was $(mib $((c0 - soft))) MiB over its soft limit under pressure"
elif [ "$first_prio" -ne 12 ]; then
	fail "reclaimd's first reclaim of locked was at priority $first_prio, not the initial priority 12"
fi
if [ -n "$low_prio" ] && [ "$low_prio" -gt "$CLAMP_PRIORITY" ]; then
	fail "in phase 1 reclaimd's reclaim priority for locked went no lower than $low_prio, although nothing could be reclaimed (expected it to fall to clamp_priority $CLAMP_PRIORITY or below)"
fi
[ "$n_clamp1" -gt 0 ] ||
	fail "reclaimd logged no 'action=clamp cgroup=locked' in phase 1"
[ "$n_low1" -gt 0 ] ||
	fail "no sample of locked's memory.high (kernel file) in phase 1 was lowered; it stayed max"
if [ -n "$clamp_early" ]; then
	fail "reclaimd lowered memory.high at a priority above clamp_priority $CLAMP_PRIORITY: $(echo "$clamp_early" | head -n 3)"
fi
if [ -n "$clamp_bad" ]; then
	fail "a memory.high write failed: $(echo "$clamp_bad" | head -n 3)"
fi

# 2. Never below the soft limit: kernel samples over the whole run, and the log.
if [ -n "$low_high" ] && [ "$low_high" -lt "$soft" ]; then
	fail "locked's memory.high (kernel file) was $(mib "$low_high") MiB at $low_high_at s, below its soft limit of ${LOCKED_SOFT} MiB"
fi
if [ -n "$clamp_low" ]; then
	fail "reclaimd logged a clamp below the soft limit ($soft bytes): $(echo "$clamp_low" | head -n 3)"
fi

# The scenario ran to its end: an early stop (collect_and_exit), reclaimd's
# death included, is a failure whichever phase it cut short; the checks
# below each guard on the step they judge.
ev_has end ||
	fail "the scenario stopped early, after '$(awk '$2 != "collected" { e = $0 } END { sub(/^[0-9.]+ /, "", e); print e }' "$out/events")' (first reclaimd: $rexit)"

# 3. Back to the original once the pressure ended, reclaimd still running.
if ev_has hog-1-stopped; then
	if ev_has release-1-not-seen; then
		fail "locked's memory.high was not back at max within ${RELEASE_DEADLINE} s of the end of pressure (release_interval = 1s); it was $(show_high "$(awk '$2 == "release-1-not-seen" { print $3 }' "$out/events")"); meanwhile the system's memory stall was ${stall_sys} ms/s, ${stall_locked} ms/s of it in locked itself, throttled ${high_events} time(s) over the memory.high reclaimd had lowered"
	elif ev_has 'released-1 reclaimd-dead' || ev_has reclaimd-died-in-phase-1; then
		fail "reclaimd was no longer running when locked's memory.high came back to max"
	elif ! ev_has 'released-1 reclaimd-alive'; then
		fail "the scenario did not see locked's memory.high back at max after phase 1"
	fi
	[ "$n_restored1" -gt 0 ] ||
		fail "reclaimd's log has no 'action=release cgroup=locked ... result=restored' line after the pressure ended"
fi

# 4. After SIGKILL memory.high stays lowered; the next start restores it.
if ev_has hog-2-started; then
	ev_has 'clamp-2-seen' ||
		fail "locked's memory.high was not lowered again in phase 2 within ${CLAMP_DEADLINE} s"
	# The reload's refit is judged from the deepest clamp only.
	ev_has clamp-2-not-at-soft &&
		fail "locked's memory.high did not come down to its soft limit in phase 2: $(sed -n 's/^[0-9.]* clamp-2-not-at-soft //p' "$out/events")"
	# The clamp fitted to a soft limit a reload raised under pressure: the
	# kernel's memory.high at the new soft limit within 20 s.
	if ev_has soft-limit-raised; then
		ev_has refit-seen ||
			fail "a reload raised locked's soft limit from ${LOCKED_SOFT} to ${RAISED_SOFT} MiB under pressure; its memory.high stayed at $(show_high "$(sed -n 's/^[0-9.]* refit-not-seen //p' "$out/events")") (kernel file), not raised to the new soft limit within 20 s"
	fi
	if ev_has reclaimd-killed; then
		[ "$rexit" = 137 ] || note "NOTE: the first reclaimd's status after SIGKILL was $rexit"
		case $high_kill in
		max | missing | '')
			fail "right after reclaimd was killed with SIGKILL locked's memory.high was '$high_kill'; expected it still lowered" ;;
		*)
			[ "$high_kill" -ge "$soft" ] ||
				fail "after the SIGKILL locked's memory.high was $(mib "$high_kill") MiB, below its soft limit"
			# Lines are "file original value previous path" (reclaimd-state 3; the
			# cgroup's id is on a "#cgroup-id" line before, which $1 leaves out),
			# sizes as the configuration writes them (K, M, G, T: powers of 1024).
			awk -v h="$high_kill" 'function bytes(v,   n, u) {
					n = v + 0; u = substr(v, length(v))
					if (u == "K") return n * 1024
					if (u == "M") return n * 1048576
					if (u == "G") return n * 1073741824
					return u == "T" ? n * 1099511627776 : n }
				$1 == "memory.high" && $NF == "locked" && (bytes($3) == h || bytes($4) == h) { found = 1 }
				END { exit !found }' "$out/state-after-kill" 2>/dev/null ||
				fail "the state file the killed reclaimd left does not record locked clamped to $high_kill: $(cat "$out/state-after-kill" 2>/dev/null)" ;;
		esac
		[ "$high_before2" = "$high_kill" ] ||
			fail "between the SIGKILL and the restart locked's memory.high changed from $(show_high "$high_kill") to $(show_high "$high_before2") with no reclaimd running"
		if ev_has reclaimd2-died-at-start || ev_has reclaimd2-start-not-logged; then
			fail "the second reclaimd did not start (status: $rexit2; see its log)"
		elif ! ev_has restored-2; then
			fail "the second reclaimd, started with the same --state-file, did not bring locked's memory.high back to max within ${RESTORE_DEADLINE} s (it is $(show_high "$high_end"))"
		fi
		[ "$high_end" = max ] ||
			fail "at the end locked's memory.high was $(show_high "$high_end"), not its original max"
		[ "$n_restored2" -gt 0 ] ||
			fail "the second reclaimd's log has no 'action=release cgroup=locked ... result=restored' line"
		[ "$rexit2" = 0 ] ||
			fail "the second reclaimd's status after SIGTERM was '$rexit2' (expected 0)"
		# (It may hold memory.low again: locked is over its soft limit, so the
		# second reclaimd holds the managed cgroups' memory.low.)
		[ "$state_after" = absent ] || ! grep -q '^memory.high .* locked$' "$out/state-after-restart.text" 2>/dev/null ||
			note "NOTE: the state file still recorded locked's memory.high after the second reclaimd restored it"
	else
		fail "the scenario did not reach the SIGKILL of reclaimd in phase 2 (see the events)"
	fi
elif ev_has 'released-1 reclaimd-alive'; then
	fail "the scenario did not reach phase 2 (see the events)"
fi

judge_exit_if_failed "reclaimd's log (guest uptime, stderr)" "$log" \
	"the second reclaimd's log" "$log2" "scenario events" "$out/events"
judge_pass "reclaimd escalated to a memory.high clamp (never below the soft limit), released it after the pressure, and restored it after a SIGKILL"
