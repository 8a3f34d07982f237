# shellcheck shell=sh
# Guest side of test-capabilities.sh (run by vm_run inside the VM, cwd /out):
# what the kernel does with the two interfaces reclaimd probes at start-up,
# tried by hand, and what reclaimd's start-up line says about them.
#
# One cgroup, probe, holds a memhog with PROBE_MIB of anonymous memory
# written once and then left alone (no hot part: it does not touch its
# memory again, so nothing but the writes below changes its usage).
#
#  1. memory.reclaim "REQ swappiness=0": the kernel's answer (dd's stderr:
#     nothing, "Resource temporarily unavailable" when it freed less than
#     asked, "Invalid argument" when it does not parse swappiness=), and
#     memory.swap.current and memory.current around it: with swappiness=0 a
#     cgroup holding anonymous memory only has nothing to give.
#  2. memory.reclaim "REQ" (no swappiness=): the same request may swap, which
#     shows that the cgroup had memory to give.
#  3. memory.high lowered to HIGH_MIB with an O_NONBLOCK write (dd
#     oflag=nonblock), memory.current right after it: a kernel that honours
#     the flag returns without reclaiming; one that does not reclaims in the
#     writer down to memory.high.  memory.high back to max after.
#  4. reclaimd started with probe managed, until action=started; its log
#     holds the start-up line "Kernel ...: memory.reclaim swappiness=
#     argument ...; memory.high O_NONBLOCK ...".  Then stopped.
#
# Written to /out: events; reclaimd.log and reclaimd.exit; for each step
# STEP.err (dd's stderr), STEP.rc, STEP.before and STEP.after (lines
# "current N", "swap N", "high V", "uptime S"); memory.stat after them;
# memhog.out; uname.
: "${PROBE_MIB:=48}" "${REQ_MIB:=8}" "${HIGH_MIB:=16}"

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"

P=$CG/probe
snap() {
	read -r sn_c <"$P/memory.current"
	read -r sn_s <"$P/memory.swap.current"
	read -r sn_h <"$P/memory.high"
	printf 'current %s\nswap %s\nhigh %s\nuptime %s\n' "$sn_c" "$sn_s" "$sn_h" "$(up)" >"$O/$1"
}
# try STEP FILE TEXT [DD_FLAG]: write TEXT to FILE of probe in one write(),
# as reclaimd does; record its status and error and the usage around it.
try() {
	snap "$1.before"
	printf '%s' "$3" | dd of="$P/$2" bs=4096 count=1 conv=notrunc ${4:+oflag=$4} status=none 2>"$O/$1.err"
	echo "$?" >"$O/$1.rc"
	snap "$1.after"
	event "$1 rc=$(cat "$O/$1.rc") $(tr '\n' ' ' <"$O/$1.err")"
}

: >"$O/events"
uname -r >"$O/uname"
cat /sys/kernel/mm/lru_gen/enabled >"$O/lru_gen" 2>/dev/null || echo absent >"$O/lru_gen"
mkdir "$P" || die "cannot create cgroup probe"
start_in probe memhog "$MEMHOG" --cold "$PROBE_MIB"
pid_hog=$last_pid
wait_for 60 "memhog to be ready" is_ready memhog || die "memhog not ready"
event "memhog-ready"

try swappiness0 memory.reclaim "${REQ_MIB}M swappiness=0"
try plain memory.reclaim "${REQ_MIB}M"
try high-nonblock memory.high "${HIGH_MIB}M" nonblock
cp "$P/memory.stat" "$O/memory.stat"
echo max >"$P/memory.high" || die "cannot put probe's memory.high back to max"

cat >/tmp/reclaimd.conf <<EOF
# reclaimd VM test: capabilities scenario
[cgroup probe]
soft_limit = max
EOF
cp /tmp/reclaimd.conf "$O/reclaimd.conf"
if start_reclaimd reclaimd --config /tmp/reclaimd.conf; then
	stop_reclaimd
fi
wait_for 5 "the log stamper to finish" is_dead "$stamper"
kill "$pid_hog" 2>/dev/null
event "end"
exit 0
