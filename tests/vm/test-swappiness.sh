#!/bin/sh
# test-swappiness.sh -- reclaimd's passes ask for file pages only
# (memory.reclaim's swappiness=0) before harder_priority, and let anonymous
# memory go from it on, on kernels that take swappiness=; where the kernel
# refuses it, every pass may swap and reclaim goes on.  In the guest
# (scenario-swappiness.sh) reclaimd's balancer takes a cgroup holding clean
# page cache and anonymous memory down to its soft limit, with
# tests/vm/reclaimtap.so recording each of its memory.reclaim writes and the
# cgroup's counters around it, in order with its log lines: a step's writes
# are those before its log line (action=reclaim, with its priority and
# request; reclaimd runs with --debug, so that every step has its line).
# Judged from the kernel's answers and files:
#
#  1. The kernel's regime: it parses swappiness= exactly when reclaimd's
#     start-up probe ("0 swappiness=0") succeeded; EINVAL otherwise (6.1's
#     memory_reclaim() took one size and nothing after it).  The start-up
#     line must say which.
#  2. Where it parses it, each step's writes carry swappiness=0 exactly when
#     the step's priority is above harder_priority and the cgroup's file
#     LRUs (inactive_file + active_file, read just before the step's first
#     write) hold at least what the step asks: as get_scan_count() scans
#     anonymous pages once the file LRUs are too small (file_is_tiny).
#     Within FILE_BAND of the request, where the two readings can differ,
#     either is right.
#     What a write asked is its own bytes, as the kernel got them: here the
#     kernel, left to itself, also takes the clean page cache first, so a
#     step that should have asked swappiness=0 and did not would often
#     swap nothing either (seen on 6.12 and 7.x, with vm.swappiness at 60
#     and at 200): the files cannot tell that apart, the request can.
#  3. A step that asked for file pages only swapped nothing:
#     memory.swap.current (a page counter, exact) did not grow over its
#     writes, and memory.stat's anon did not fall by more than STAT_SLACK;
#     its file LRUs fell.  With swappiness 0, get_scan_count() scans file
#     pages only for proactive reclaim (cgroup_reclaim(sc) && !swappiness:
#     SCAN_FILE), and so does the multi-gen LRU's isolate_folios() (type
#     LRU_GEN_FILE, no second type).
#     The scenario's second phase (a reload lowers the soft limit once the
#     page cache is dropped) must have steps above harder_priority whose file
#     LRUs hold less than they ask, and the first phase steps above it with
#     more: otherwise the test could not tell.
#  4. Anonymous memory went: the writes that may swap raised
#     memory.swap.current by at least what batch held of anonymous memory
#     before reclaimd started, less its last soft limit and 2 MiB (it is
#     down there at the end, so at most that much anonymous memory is left;
#     the memhog frees none itself).  On 7.x memory.stat's pswpout rose
#     too.
#  5. Where the kernel refuses swappiness=, no write but the probe carries
#     it, every step says swap=1, and (4) holds all the same.
#  6. No errors: no write asked for less than a page (memory_reclaim()
#     asks for memparse() / PAGE_SIZE pages: such a write asks nothing),
#     every write succeeded or freed less than asked (EAGAIN;
#     EINTR only for one SIGTERM interrupted), every step result is ok or
#     partial, reclaimd logged no cgroup_error and nothing failing, and it
#     exited 0 on SIGTERM.
#
# STAT_SLACK is memory.stat's own staleness: a read flushes the per-CPU
# counters only once more than MEMCG_CHARGE_BATCH (64) page updates per CPU
# are pending (memcg_vmstats_needs_flush()), so a value may lag by up to
# 64 pages times the guest's 2 CPUs: 512 KiB.  FILE_BAND is the same.
#
# Exit: 0 pass, 1 fail, 77 skip (no qemu/busybox/cpio/kernel; never when
# CI=true), 99 hard error.  VM_OUTDIR=DIR keeps the guest's output in DIR;
# otherwise it goes to a temporary folder, removed on success unless
# VM_KEEP=1.  VM_REJUDGE=DIR judges the output of an earlier run again, no
# guest.  Other environment: see vm.sh (VM_KERNEL, RECLAIMD_VM_CACHE, CI,
# ...); RECLAIMTAP_SO (default $abs_top_builddir/tests/vm/reclaimtap.so);
# sizes in MiB SOFT_MIB and SOFT2_MIB (batch's soft limit, and the one a
# reload lowers it to once its page cache is gone), ANON_MIB and FILE_MIB
# (its anonymous memory and page cache); HARDER (harder_priority).

vm_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
# shellcheck source=/dev/null
. "$vm_dir/vm.sh"
# shellcheck source-path=SCRIPTDIR source=judge.sh
. "$vm_dir/judge.sh"

: "${SOFT_MIB:=32}" "${SOFT2_MIB:=16}" "${ANON_MIB:=64}" "${FILE_MIB:=96}" "${HARDER:=9}"
: "${RECLAIMTAP_SO:=$abs_top_builddir/tests/vm/reclaimtap.so}"
export SOFT_MIB SOFT2_MIB ANON_MIB FILE_MIB HARDER RECLAIMTAP_SO
VM_PASS_ENV="${VM_PASS_ENV:-} SOFT_MIB SOFT2_MIB ANON_MIB FILE_MIB HARDER RECLAIMTAP_SO"
VM_TIMEOUT=${VM_TIMEOUT_SWAPPINESS:-300}
export VM_TIMEOUT

judge_tapped swappiness

STAT_SLACK=$((512 * 1024))
FILE_BAND=$STAT_SLACK
floor=$(((SOFT2_MIB + 2) * MiB))

kernel=$(file uname)
line=$(grep -m 1 ' msg="Kernel .*: memory\.reclaim swappiness= argument ' "$log" | sed 's/^[^ ]* msg="//; s/"$//')
echo "swappiness on $kernel (VM $(file vm-seconds) s):"
note "reclaimd: ${line:-no start-up line}"

# 1. The regime.
read -r probe_sw probe_res <<EOF
$(file probe)
EOF
case $probe_res in
ok) regime=supported ;;
EINVAL) regime="not supported" ;;
*) regime= && fail "reclaimd's start-up probe \"0 swappiness=0\" was answered '$probe_res' (expected success or EINVAL)" ;;
esac
[ "$probe_sw" = 0 ] || [ -z "$regime" ] || fail "reclaimd's start-up probe carried swappiness=$probe_sw, not 0"
case $line in
*"swappiness= argument supported;"*) said=supported ;;
*"swappiness= argument not supported"*) said="not supported" ;;
*) said=unknown ;;
esac
[ -z "$regime" ] || [ "$said" = "$regime" ] ||
	fail "reclaimd says memory.reclaim's swappiness= argument is $said; its probe was answered $probe_res, so it is $regime"

anon_start=$(stat_of "$out/stat-start" anon)
must_swap=$((anon_start - floor))
nsteps=0 pre=0 pre_file=0 pre_swap=0 pre_took=0 post=0 post_file=0 post_swap=0 tiny=0 sw_swap=0 first_may=
nwrites=$(grep -c '^write ' "$tap")
# step_fail MESSAGE: fail, for the first STEP_FAILS_SHOWN steps' findings;
# the rest are counted (a broken rule breaks it at every step).
STEP_FAILS_SHOWN=6 step_fails=0
step_fail() {
	step_fails=$((step_fails + 1))
	if [ "$step_fails" -le "$STEP_FAILS_SHOWN" ]; then
		fail "$@"
	else
		failures=$((failures + 1))
	fi
}
while IFS="$(printf '\t')" read -r n prio req ls lr nw nsw0 res c0 s0 a0 f0 c1 s1 a1 f1 _ _ _ _ t0 _; do
	nsteps=$((nsteps + 1))
	at="step $n (priority $prio, $(mib "$req") MiB asked, file LRUs $(mib "$f0") MiB, at $t0 s)"
	# 6. No errors.
	case $res in ok | EAGAIN | ok,EAGAIN | EAGAIN,ok | -) ;;
	*EINTR*) [ "$prio" = tail ] || step_fail "$at: a write was interrupted (EINTR) before reclaimd was stopped" ;;
	*) step_fail "$at: memory.reclaim answered $res" ;;
	esac
	[ "$prio" = tail ] && continue
	case $lr in ok | partial) ;; *) step_fail "$at: reclaimd logged result=$lr" ;; esac
	[ "$nw" -gt 0 ] || continue
	dswap=$((s1 - s0)) danon=$((a1 - a0)) dfile=$((f1 - f0)) took=$((c0 - c1))
	if [ "$nsw0" -eq "$nw" ]; then
		sw_swap=$((sw_swap + dswap))
	elif [ "$nsw0" -ne 0 ]; then
		step_fail "$at: $nsw0 of its $nw writes carried swappiness=0, the others not: a step may swap or not, whole"
	fi
	# The log's swap= is the step's own account of what it asked.
	if { [ "$ls" = 1 ] && [ "$nsw0" -ne 0 ]; } || { [ "$ls" = 0 ] && [ "$nsw0" -eq 0 ]; }; then
		step_fail "$at: logged swap=$ls, but $nsw0 of its $nw writes carried swappiness=0"
	fi
	if [ "$regime" = "not supported" ]; then
		[ "$nsw0" -eq 0 ] || step_fail "$at: swappiness=0 asked of a kernel that refuses it"
		[ -n "$first_may" ] || first_may=$prio
		post=$((post + 1)) post_swap=$((post_swap + dswap)) post_file=$((post_file - dfile))
		continue
	fi
	# 2. Which writes carry swappiness=0.
	if [ "$prio" -gt "$HARDER" ] && [ "$f0" -ge $((req + FILE_BAND)) ]; then
		[ "$nsw0" -eq "$nw" ] ||
			step_fail "$at: above harder_priority $HARDER with more file pages than asked, but its writes may swap (no swappiness=0)"
	elif [ "$prio" -gt "$HARDER" ] && [ "$f0" -lt $((req - FILE_BAND)) ]; then
		tiny=$((tiny + 1))
		[ "$nsw0" -eq 0 ] ||
			step_fail "$at: the file LRUs hold less than asked (get_scan_count()'s file_is_tiny), but it asked swappiness=0"
	elif [ "$prio" -le "$HARDER" ]; then
		[ "$nsw0" -eq 0 ] || step_fail "$at: at or below harder_priority $HARDER, but it asked swappiness=0"
	fi
	if [ "$nsw0" -eq "$nw" ]; then
		# 3. File pages only.
		pre=$((pre + 1)) pre_swap=$((pre_swap + dswap)) pre_file=$((pre_file - dfile)) pre_took=$((pre_took + took))
		[ "$dswap" -le 0 ] ||
			step_fail "$at: asked swappiness=0, yet memory.swap.current grew by $(mib "$dswap") MiB"
		[ "$danon" -ge $((-STAT_SLACK)) ] ||
			step_fail "$at: asked swappiness=0, yet anon fell by $(mib $((-danon))) MiB"
		[ "$took" -lt "$MiB" ] || [ "$dfile" -le $((-STAT_SLACK)) ] ||
			step_fail "$at: freed $(mib "$took") MiB with swappiness=0, but the file LRUs did not fall ($(mib "$dfile") MiB)"
	else
		[ -n "$first_may" ] || first_may=$prio
		post=$((post + 1)) post_swap=$((post_swap + dswap)) post_file=$((post_file - dfile))
	fi
done <"$out/steps.tsv"
[ "$step_fails" -le "$STEP_FAILS_SHOWN" ] ||
	fail "... and $((step_fails - STEP_FAILS_SHOWN)) more findings of the same kind on the steps after those"

note "$nsteps steps in $nwrites writes (the probe \"0 swappiness=0\": $probe_res); batch held $(mib "$anon_start") MiB anon, $(mib "$(stat_of "$out/stat-start" file)") MiB file at the start, $(mib "$(file current-reload)") MiB in all at the reload, $(mib "$(file current-end)") MiB at the end"
if [ "$regime" = supported ]; then
	note "file pages only (swappiness=0): $pre steps, file LRUs -$(mib "$pre_file") MiB, memory.current -$(mib "$pre_took") MiB, memory.swap.current $(mib "$pre_swap") MiB"
	note "may swap: $post steps (the first at priority ${first_may:-none}; $tiny above harder_priority $HARDER because the file LRUs held less than asked), file LRUs -$(mib "$post_file") MiB, memory.swap.current +$(mib "$post_swap") MiB"
else
	note "every step may swap: $post steps, file LRUs -$(mib "$post_file") MiB, memory.swap.current +$(mib "$post_swap") MiB"
fi
ps0=$(stat_of "$out/stat-start" pswpout) ps1=$(stat_of "$out/stat-end" pswpout)
g0=$(stat_of "$out/stat-start" pgsteal) g1=$(stat_of "$out/stat-end" pgsteal)
note "memory.stat over the run: pgsteal +$((g1 - g0)) pages, anon $(mib "$anon_start") -> $(mib "$(stat_of "$out/stat-end" anon)") MiB, file $(mib "$(stat_of "$out/stat-start" file)") -> $(mib "$(stat_of "$out/stat-end" file)") MiB${ps0:+, pswpout +$((ps1 - ps0)) pages}"

# The scenario gave the test its power.
if ! ev_has batch-at-soft-limit; then
	fail "batch was not brought down to its soft limit ${SOFT_MIB} MiB and 2: $(grep -o 'batch-[a-z-]*\|reclaimd-died' "$out/events" | head -n 1)"
elif ! ev_has lowered-at-soft-limit; then
	fail "after the reload batch was not brought down to its new soft limit ${SOFT2_MIB} MiB and 2: $(grep -o 'lowered-[a-z-]*\|reclaimd-died' "$out/events" | head -n 1)"
fi
! ev_has batch-at-soft-limit || grep -q ' action=reload .*result=applied' "$log" || fail "reclaimd did not apply the reloaded configuration (soft_limit = ${SOFT2_MIB}M)"
[ "$must_swap" -gt $((8 * MiB)) ] ||
	fail "setup: batch held only $(mib "$anon_start") MiB of anonymous memory, under its soft limit: nothing had to be swapped"
if [ "$regime" = supported ]; then
	[ "$pre" -gt 0 ] || fail "no step asked for file pages only (swappiness=0)"
	[ "$tiny" -gt 0 ] || fail "setup: no step above harder_priority $HARDER found the file LRUs smaller than its request"
	awk -F '\t' -v h="$HARDER" '$2 != "tail" && $2 <= h && $6 > 0 { f = 1 } END { exit !f }' "$out/steps.tsv" ||
		fail "setup: no step reached harder_priority $HARDER"
fi
# 4. Anonymous memory went, from the steps that may swap.
[ "$post_swap" -ge $((must_swap - STAT_SLACK)) ] ||
	fail "the steps that may swap raised memory.swap.current by $(mib "$post_swap") MiB; batch had to give $(mib "$must_swap") MiB of anonymous memory to reach its soft limit"
if [ -n "$ps0" ] && [ $(((ps1 - ps0) * 4096)) -lt $((must_swap - STAT_SLACK)) ]; then
	fail "memory.stat's pswpout rose by $((ps1 - ps0)) pages; at least $(mib "$must_swap") MiB had to be swapped"
fi

# memory_reclaim() asks for memparse() / PAGE_SIZE pages: a write under a
# page asks for nothing (and succeeds).
sub_page=$(awk -v page="$(getconf PAGESIZE)" '$1 == "write" {
	for (i = 2; i <= NF; i++) if ($i ~ /^bytes=/ && substr($i, 7) + 0 > 0 && substr($i, 7) + 0 < page) n++
} END { print n + 0 }' "$tap")
[ "$sub_page" -eq 0 ] ||
	fail "$sub_page memory.reclaim writes asked for less than a page: the kernel counts whole pages, so they asked for nothing"

# 6. No errors in the log.
errors=$(awk '{ line = $0; sub(/^[^ ]* /, "", line) }
	/ action=cgroup_error / || (line !~ /^action=/ && tolower(line) ~ /fail|error|cannot|can.t|refus|invalid|warn/)' "$log")
[ -z "$errors" ] || fail "reclaimd logged errors: $(echo "$errors" | head -n 3)"
case $(file reclaimd.exit) in
0) ;;
*) fail "reclaimd exited with status $(file reclaimd.exit) on SIGTERM (expected 0)" ;;
esac

judge_exit_if_failed "steps (n prio req swap result writes swappiness0 results cur0 swap0 anon0 file_lru0 cur1 swap1 anon1 file_lru1 ...)" "$out/steps.tsv" \
	"reclaimd's log (guest uptime, stderr)" "$log" "scenario events" "$out/events"
if [ "$regime" = supported ]; then
	judge_pass "on $kernel reclaimd's passes above harder_priority $HARDER took $(mib "$pre_file") MiB of page cache and swapped nothing; from priority $first_may anonymous memory went (+$(mib "$post_swap") MiB swap)"
fi
judge_pass "on $kernel swappiness= is refused and reclaimd fell back: every step may swap (+$(mib "$post_swap") MiB swap), no errors"
