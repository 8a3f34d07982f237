#!/bin/sh
# test-capabilities.sh -- reclaimd's start-up line says what the kernel
# supports, and the kernel agrees.  In the guest (scenario-capabilities.sh)
# the two interfaces reclaimd probes are tried by hand on a cgroup holding
# only anonymous memory, then reclaimd starts and logs
#   Kernel R: memory.reclaim swappiness= argument supported|not supported (...);
#             memory.high O_NONBLOCK honoured|not honoured (...);
#             multi-gen LRU on (...)|off (...)
# Judged from the kernel's answers and its own files:
#
#  1. swappiness=: the kernel parses it when a "REQ swappiness=0" write
#     succeeds or fails with EAGAIN (freed less than asked), and refuses it
#     with EINVAL otherwise (memory_reclaim() before "mm: add swappiness=
#     arg to memory.reclaim" took one size and nothing after it).  The line
#     must say "supported" exactly when the kernel parses it.  Where it
#     does, the request took no anonymous memory (memory.swap.current did
#     not grow: with swappiness 0, get_scan_count() scans file pages only
#     for proactive reclaim, and so does MGLRU's get_type_to_scan()); where
#     it does not, the refused write took nothing at all.  The same request
#     without swappiness= then swapped (so the cgroup had memory to give).
#  2. O_NONBLOCK memory.high: lowering memory.high far below the usage with
#     an O_NONBLOCK write leaves memory.current where it was on a kernel
#     that honours the flag (memory_high_write() returns before its reclaim
#     loop), and brings it down to memory.high on one that does not.  The
#     line must say "honoured" exactly when the kernel left the usage alone.
#  3. The multi-gen LRU: the line must say "on" exactly when
#     /sys/kernel/mm/lru_gen/enabled has the LRU_GEN_CORE bit (0x0001),
#     "off" when it is clear or the file is absent (no CONFIG_LRU_GEN).
#
# Exit: 0 pass, 1 fail, 77 skip (no qemu/busybox/cpio/kernel; never when
# CI=true), 99 hard error.  VM_OUTDIR=DIR keeps the guest's output in DIR;
# otherwise it goes to a temporary folder, removed on success unless
# VM_KEEP=1.  VM_REJUDGE=DIR judges the output of an earlier run again, no
# guest.  Other environment: see vm.sh (VM_KERNEL, RECLAIMD_VM_CACHE, CI,
# ...); sizes in MiB PROBE_MIB (the cgroup's anonymous memory), REQ_MIB (the
# memory.reclaim requests), HIGH_MIB (the lowered memory.high).

vm_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
# shellcheck source=/dev/null
. "$vm_dir/vm.sh"
# shellcheck source-path=SCRIPTDIR source=judge.sh
. "$vm_dir/judge.sh"

: "${PROBE_MIB:=48}" "${REQ_MIB:=8}" "${HIGH_MIB:=16}"
export PROBE_MIB REQ_MIB HIGH_MIB
VM_PASS_ENV="${VM_PASS_ENV:-} PROBE_MIB REQ_MIB HIGH_MIB"

if ! judge_rejudge; then
	vm_skip_unless_ready
	vm_require_file "$RECLAIMD" "reclaimd"
	judge_require_helpers
	judge_outdir capabilities
	VM_TIMEOUT=${VM_TIMEOUT_CAPABILITIES:-90}
	export VM_TIMEOUT
	judge_run "$vm_dir/scenario-capabilities.sh" events events reclaimd reclaimd.log
fi
judge_started reclaimd-started
log=$out/reclaimd.log

# val STEP.WHEN KEY: a number the scenario recorded around a write.
val() { awk -v k="$2" '$1 == k { print $2; exit }' "$out/$1"; }
# answer STEP: what the kernel said to the write: ok, EAGAIN, EINVAL or
# the error text.
answer() {
	if [ "$(file "$1.rc")" = 0 ]; then
		echo ok
	elif grep -q 'Resource temporarily unavailable' "$out/$1.err"; then
		echo EAGAIN
	elif grep -q 'Invalid argument' "$out/$1.err"; then
		echo EINVAL
	else
		echo "error: $(head -c 200 "$out/$1.err")"
	fi
}
grown() { echo $(($(val "$1.after" "$2") - $(val "$1.before" "$2"))); }
# took STEP: seconds the write took (guest uptime; a figure, not judged).
took() { awk -v a="$(val "$1.before" uptime)" -v b="$(val "$1.after" uptime)" 'BEGIN { printf "%.2f", b - a }'; }

kernel=$(file uname)
# The log is logfmt: "UPTIME msg=\"Kernel R: ...\"" (lib/logfmt.c).
line=$(grep -m 1 ' msg="Kernel .*: memory\.reclaim swappiness= argument ' "$log" |
	sed 's/^[^ ]* msg="//; s/"$//')
echo "capabilities on $kernel (VM $(file vm-seconds) s):"
note "reclaimd: ${line:-no start-up line}"
[ -n "$line" ] || fail "reclaimd logged no 'Kernel ...: memory.reclaim swappiness= argument ...' line at start-up"
case $line in
"Kernel $kernel: "*) ;;
*) fail "the start-up line does not name the running kernel $kernel: $line" ;;
esac

# 1. swappiness=
sw=$(answer swappiness0)
sw_swap=$(grown swappiness0 swap)
sw_cur=$(grown swappiness0 current)
pl=$(answer plain)
pl_swap=$(grown plain swap)
note "\"${REQ_MIB}M swappiness=0\": $sw; memory.swap.current +$(mib "$sw_swap") MiB, memory.current $(mib "$sw_cur") MiB"
note "\"${REQ_MIB}M\": $pl; memory.swap.current +$(mib "$pl_swap") MiB in $(took plain) s"
case $sw in
ok | EAGAIN) kernel_sw=supported ;;
EINVAL) kernel_sw="not supported" ;;
*) kernel_sw= && fail "memory.reclaim answered \"${REQ_MIB}M swappiness=0\" with neither success, EAGAIN nor EINVAL: $sw" ;;
esac
case $line in
*"swappiness= argument supported;"*) said_sw=supported ;;
*"swappiness= argument not supported"*) said_sw="not supported" ;;
*) said_sw=unknown ;;
esac
if [ -n "$kernel_sw" ] && [ "$said_sw" != "$kernel_sw" ]; then
	fail "reclaimd says memory.reclaim's swappiness= argument is $said_sw; the kernel answered $sw, so it is $kernel_sw"
fi
if [ "$sw_swap" -ne 0 ]; then
	fail "\"${REQ_MIB}M swappiness=0\" ($sw) swapped $(mib "$sw_swap") MiB out of a cgroup holding anonymous memory only: swappiness=0 is file pages only"
fi
# (A few pages come and go with the memhog's sleeping loop.)
if [ "$sw" = EINVAL ] && [ "$sw_cur" -lt $((-MiB)) ]; then
	fail "the refused \"${REQ_MIB}M swappiness=0\" still took $(mib $((-sw_cur))) MiB"
fi
case $pl in ok | EAGAIN) ;; *) fail "memory.reclaim answered \"${REQ_MIB}M\" with $pl" ;; esac
if [ "$pl_swap" -lt $((REQ_MIB * MiB / 2)) ]; then
	fail "setup: \"${REQ_MIB}M\" without swappiness= swapped only $(mib "$pl_swap") MiB out of probe; it should have had ${PROBE_MIB} MiB of anonymous memory to give"
fi

# 2. O_NONBLOCK memory.high
hb=$(val high-nonblock.before current)
ha=$(val high-nonblock.after current)
hh=$(val high-nonblock.after high)
high=$((HIGH_MIB * MiB))
note "memory.high ${HIGH_MIB}M written with O_NONBLOCK ($(answer high-nonblock)): memory.high $hh, memory.current $(mib "$hb") -> $(mib "$ha") MiB in $(took high-nonblock) s"
[ "$(answer high-nonblock)" = ok ] || fail "the O_NONBLOCK write of memory.high failed: $(answer high-nonblock)"
[ "$hh" = "$high" ] || fail "memory.high reads $hh after writing ${HIGH_MIB}M ($high)"
[ "$hb" -ge $((high + 16 * MiB)) ] ||
	fail "setup: probe used only $(mib "$hb") MiB before memory.high was lowered to ${HIGH_MIB} MiB"
# Honoured: at most a few pages went (what the memhog's sleeping loop
# touches); not honoured: down to memory.high (memory_high_write() retries
# until the usage is under it, and zram takes the anonymous pages).
if [ "$ha" -ge $((hb - MiB)) ]; then
	kernel_nb=honoured
elif [ "$ha" -le $((high + MiB)) ]; then
	kernel_nb="not honoured"
else
	kernel_nb=
	fail "after the O_NONBLOCK write memory.current went from $(mib "$hb") to $(mib "$ha") MiB: neither left alone nor down to memory.high (${HIGH_MIB} MiB)"
fi
case $line in
*"O_NONBLOCK honoured"*) said_nb=honoured ;;
*"O_NONBLOCK not honoured"*) said_nb="not honoured" ;;
*) said_nb=unknown ;;
esac
if [ -n "$kernel_nb" ] && [ "$said_nb" != "$kernel_nb" ]; then
	fail "reclaimd says an O_NONBLOCK memory.high write is $said_nb; the kernel's memory.current says it is $kernel_nb"
fi

# 3. The multi-gen LRU, which decides how cgroups under their soft limits
# are held (memory.low only defers its reclaim).
# lru_gen_enabled() tests the LRU_GEN_CORE bit, 0x0001, of the mask.
case $(file lru_gen) in
absent) kernel_mglru=off ;;
0x*) kernel_mglru=$(( $(file lru_gen) & 1 ))
	[ "$kernel_mglru" = 1 ] && kernel_mglru=on || kernel_mglru=off ;;
*) kernel_mglru= && fail "/sys/kernel/mm/lru_gen/enabled read '$(file lru_gen)'" ;;
esac
case $line in
*"multi-gen LRU on"*) said_mglru=on ;;
*"multi-gen LRU off"*) said_mglru=off ;;
*) said_mglru=unknown ;;
esac
note "multi-gen LRU: /sys/kernel/mm/lru_gen/enabled '$(file lru_gen)'"
if [ -n "$kernel_mglru" ] && [ "$said_mglru" != "$kernel_mglru" ]; then
	fail "reclaimd says the multi-gen LRU is $said_mglru; the kernel's lru_gen/enabled says $kernel_mglru"
fi

# Which swap and reclaim counters this kernel's memory.stat has (a figure).
note "memory.stat swap and reclaim counters: $(awk '$1 ~ /^(pswp|zswp|pgsteal|pgscan|swap)/ { printf "%s ", $1 }' "$out/memory.stat" 2>/dev/null)"

case $(file reclaimd.exit) in
0) ;;
*) fail "reclaimd exited with status $(file reclaimd.exit) on SIGTERM (expected 0)" ;;
esac

judge_exit_if_failed "reclaimd's log (guest uptime, stderr)" "$log" "scenario events" "$out/events"
judge_pass "on $kernel reclaimd's start-up line matches the kernel: swappiness= $kernel_sw, O_NONBLOCK memory.high $kernel_nb, multi-gen LRU $kernel_mglru"
