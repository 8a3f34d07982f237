# shellcheck shell=sh disable=SC2317 # functions called through wait_for
# Guest side of bench-scale.sh: what reclaimd costs on a real kernel with
# SCALE_N managed cgroups under one glob.
#
# Cgroups under /sys/fs/cgroup:
#   scale/cN   N = 0 .. SCALE_N-1, made by one mkdir (a fork an item costs
#              much under TCG); the first SCALE_POPULATED hold memhog --cold
#              SCALE_COLD MiB each, over the soft limit SCALE_SOFT MiB of
#              [cgroup scale/*], so that reclaimd holds the others' floors
#              (protect = auto) as it would on a real machine; the rest are
#              empty.  The guest is not short of memory: the balancer
#              re-reads and finds nothing to trim.
# reclaimd is started twice, started by hand as the unit would start it
# (LimitNOFILE=524288):
#   refresh  [balance] interval = 1s (idle_interval too: the guest is far
#            from short, and would sleep), release_interval = 3600s: after
#            SCALE_SETTLE s, SCALE_IDLE s of balancer ticks alone, each one a
#            refresh of every managed cgroup;
#   rescan   [balance] interval = 60s, release_interval = 1s: SCALE_IDLE s
#            (under 60 s, so no balance tick falls in it) of ticks that each
#            expand the glob again and find nothing new; then SCALE_CHANGES
#            times a cgroup is added under the glob and the tick that finds
#            it rebuilds the engine (logged "The cgroups matching the
#            configuration changed: M managed").
#
# Written to /out (the host side computes the figures):
#   reclaimd.conf, rescan.conf    the two configurations
#   refresh.log, rescan.log       reclaimd's stderr, each line stamped with the uptime
#   refresh.exit, rescan.exit     exit status on SIGTERM
#   snaps   one line per measurement point: NAME uptime utime stime (clock
#           ticks) syscr (read system calls so far) VmRSS VmHWM (KiB)
#           descriptors; NAME is PHASE-start (action=started logged),
#           PHASE-idle0, PHASE-idle1, rescan-changeK-0/-1 (before the
#           mkdir, after the log line)
#   events  uptime-stamped milestones: mkdir-begin, mkdir-end,
#           workloads-ready, PHASE-spawn, PHASE-started, end
#   clk_tck, scale_n, nofile, meminfo-before, meminfo-after (/proc/meminfo before the
#   cgroups were made and once they all were)
#
: "${SCALE_N:=1000}" "${SCALE_POPULATED:=4}" "${SCALE_COLD:=8}" "${SCALE_SOFT:=4}"
: "${SCALE_SETTLE:=5}" "${SCALE_IDLE:=45}" "${SCALE_CHANGES:=5}" "${SCALE_START_WAIT:=120}"
START_WAIT=$SCALE_START_WAIT # read by start_reclaimd

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"

# snap NAME: one line of /out/snaps about the running reclaimd ($rpid).
snap() {
	read -r up_s _ </proc/uptime
	# Fields 14 and 15 of /proc/PID/stat: utime and stime (reclaimd's comm holds no space).
	read -r _ _ _ _ _ _ _ _ _ _ _ _ _ s_ut s_st _ <"/proc/$rpid/stat"
	s_r=$(awk '$1 == "syscr:" { print $2 }' "/proc/$rpid/io")
	s_rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$rpid/status")
	s_hwm=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$rpid/status")
	s_name=$1
	set -- "/proc/$rpid/fd/"*
	echo "$s_name $up_s $s_ut $s_st $s_r $s_rss $s_hwm $#" >>"$O/snaps"
}
logged_in() { grep -q "$2" "$O/$1.log" 2>/dev/null || is_dead "$rpid"; }

: >"$O/events"
: >"$O/snaps"
getconf CLK_TCK >"$O/clk_tck"
echo "$SCALE_N" >"$O/scale_n"
cp /proc/meminfo "$O/meminfo-before"
mkdir "$CG/scale" || die "cannot create scale"
echo +memory >"$CG/scale/cgroup.subtree_control" || die "cannot enable memory under scale"

# 1. The cgroups: one mkdir, every path an argument.
i=0
while [ "$i" -lt "$SCALE_N" ]; do
	set -- "$@" "$CG/scale/c$i"
	i=$((i + 1))
done
event "mkdir-begin"
busybox mkdir "$@" || die "mkdir of the $SCALE_N cgroups failed"
event "mkdir-end"
set --
cp /proc/meminfo "$O/meminfo-after"
i=0
while [ "$i" -lt "$SCALE_POPULATED" ]; do
	start_workload "w$i" "scale/c$i" --cold "$SCALE_COLD"
	i=$((i + 1))
done
await_workloads
event "workloads-ready"

# As the unit's LimitNOFILE= (reclaimd raises its soft limit to the hard one).
# shellcheck disable=SC3045 # the guest's sh is dash, which has ulimit -n
ulimit -n 524288 || die "cannot raise RLIMIT_NOFILE"
# shellcheck disable=SC3045
ulimit -n >"$O/nofile"

# run_phase NAME BALANCE_INTERVAL RELEASE_INTERVAL: reclaimd with that
# configuration, measured from action=started, after SCALE_SETTLE s, and
# SCALE_IDLE s later; left running.
run_phase() {
	write_config <<EOF
# reclaimd VM bench: $SCALE_N cgroups under a glob ($1)
[balance]
interval = $2
idle_interval = $2

[reclaim]
release_interval = $3

[cgroup scale/*]
soft_limit = ${SCALE_SOFT}M
EOF
	cp "$O/reclaimd.conf" "$O/$1.conf"
	event "$1-spawn"
	start_reclaimd "$1" --config /tmp/reclaimd.conf --state-file "/run/reclaimd-test/$1.state" ||
		die "reclaimd did not start ($1): $(tail -n 3 "$O/$1.log")"
	snap "$1-start"
	sleep "$SCALE_SETTLE"
	snap "$1-idle0"
	sleep "$SCALE_IDLE"
	snap "$1-idle1"
}

# 2. Refreshes: the balancer's tick every second, nothing else.
run_phase refresh 1s 3600s
stop_reclaimd

# 3. The glob followed every second: nothing new, then a cgroup more each time.
run_phase rescan 60s 1s
k=1
while [ "$k" -le "$SCALE_CHANGES" ]; do
	m=$((SCALE_N + k))
	snap "rescan-change$k-0"
	mkdir "$CG/scale/c$((m - 1))" || die "cannot create scale/c$((m - 1))"
	wait_for 30 "reclaimd to follow the glob to $m cgroups" logged_in rescan "configuration changed: $m managed" ||
		die "reclaimd did not follow the glob to $m cgroups"
	is_dead "$rpid" && die "reclaimd died following the glob"
	snap "rescan-change$k-1"
	k=$((k + 1))
done
stop_reclaimd
stop_workloads
event "end"
exit 0
