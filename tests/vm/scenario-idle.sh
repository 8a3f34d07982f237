# shellcheck shell=sh
# Guest side of bench-idle.sh: reclaimd's own cost on a machine that is not
# short.  The machine-wide scenarios' two managed cgroups (batch far over
# its soft limit, web under it) hold their memory, and nothing else runs;
# reclaimd holds its floors for them and watches.  IDLE_SETTLE_S s after
# its start, its CPU time, read system calls and the main thread's
# voluntary context switches (each one a wake-up of the event loop, which
# sleeps in epoll_wait) are read at the start and the end of IDLE_S s:
#
#   /out/idle.tsv   a line per mark (start, end): uptime, run time of all
#                   threads (ns, schedstat), read system calls (syscr),
#                   the main thread's voluntary context switches
#   /out/meminfo, /out/reclaimd.log, /out/reclaimd.exit, /out/events
: "${IDLE_S:=60}" "${IDLE_SETTLE_S:=3}"

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"
: >"$O/events"

mkdir "$CG/batch" "$CG/web" || die "cannot create the cgroups"
start_workload batch batch --cold 160 --hot 8 --pause-ms 200
start_workload web web --cold 64 --hot 48 --pause-ms 100
await_workloads
mkdir -p /tmp/reclaimd
write_config <<EOF
[pressure]
trigger = some 150ms 1s

[cgroup batch]
soft_limit = 32M

[cgroup web]
soft_limit = 160M
EOF
start_reclaimd reclaimd --config /tmp/reclaimd.conf --state-file /run/reclaimd-test/state ||
	die "reclaimd did not start"

# mark NAME: a line of idle.tsv (builtins only, no fork in the window).
mark() {
	mk_ns=0
	for mk_f in /proc/"$rpid"/task/*/schedstat; do
		read -r mk_t _ <"$mk_f" && mk_ns=$((mk_ns + mk_t))
	done
	while read -r mk_k mk_v; do
		[ "$mk_k" = "syscr:" ] && mk_rd=$mk_v
	done <"/proc/$rpid/io"
	while read -r mk_k mk_v; do
		[ "$mk_k" = "voluntary_ctxt_switches:" ] && mk_sw=$mk_v
	done <"/proc/$rpid/status"
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$(up)" "$mk_ns" "$mk_rd" "$mk_sw" >>"$O/idle.tsv"
}

sleep "$IDLE_SETTLE_S"
: >"$O/idle.tsv"
mark start
sleep "$IDLE_S"
mark end
cp /proc/meminfo "$O/meminfo"
stop_reclaimd
stop_workloads
event "done"
