# shellcheck shell=sh disable=SC2317 # functions called through wait_for
# Guest side of test-escalation.sh (run by vm_run inside the VM, cwd /out).
#
# Two cgroups under /sys/fs/cgroup:
#   locked  memhog --cold LOCKED_MIB --mlockall   soft_limit LOCKED_SOFT (well below
#           its usage); the whole process is mlocked, so memory.reclaim cannot
#           take any of it back: every soft-limit step comes back empty and
#           the priority falls to clamp_priority and below, where reclaimd
#           lowers memory.high.  (LOCK=mlock locks only the cold part: then
#           reclaim evicts the process's text, which it faults back in, and
#           each such fault over memory.high throttles it -- a memory stall
#           of its own, seen in /proc/pressure/memory too.)
#   hog     memhog --hot HOG_HOT in memory.max HOG_MAX: thrashes against zram
#           inside its own limit and so drives /proc/pressure/memory over
#           reclaimd's trigger (not managed by reclaimd)
#
# Phase 1: the hog runs until locked's memory.high is lowered and the round
# that lowered it has ended; then the hog is stopped (the pressure ends) and
# the scenario waits for memory.high to be back at its original value while
# reclaimd keeps running (release_interval = 1s).
# Phase 2: the hog runs again until memory.high is lowered again, down to the
# soft limit (the deepest clamp: no memory.high write can be in flight); a
# reload raises the soft limit to RAISED_SOFT, and memory.high must follow
# it up while the pressure lasts; then
# reclaimd is killed with SIGKILL, the hog is stopped, and reclaimd is
# started again with the same --state-file; the scenario waits for
# memory.high to be back at its original value, then stops it with SIGTERM.
#
# Everything the host-side test judges is written to /out:
#   reclaimd.conf               the config
#   reclaimd.log, reclaimd2.log the first and second reclaimd's stderr, each
#                               line prefixed with the guest's uptime
#   reclaimd.exit               the first reclaimd's status ("137" after SIGKILL;
#                               "died RC" if it exited before being killed)
#   reclaimd2.exit              the second one's status after SIGTERM ("running"
#                               if it had not exited 10 s later, "died RC" ...)
#   samples.tsv                 t locked.current locked.high hog.current
#                               some_total(us) locked.some_total(us)
#                               locked.high_events (t: guest uptime; high as
#                               the kernel prints it, "max" or bytes; the last
#                               two from locked's memory.pressure and
#                               memory.events)
#   high-start, high-after-kill, high-before-restart, high-end
#                               locked's memory.high at those moments
#   state-after-kill            the state file as the killed reclaimd left it
#   state-after-restart         "present" or "absent" once the second
#                               reclaimd has restored memory.high
#   stat-start, stat-end        locked's memory.stat
#   events                      uptime-stamped milestones (see the event calls)
#   psiwatch.out                an independent PSI trigger on /proc/pressure/memory
#   GROUP.out, hog2.out         workload output; alive-locked: "yes" if still running
#
: "${LOCKED_MIB:=64}" "${LOCKED_SOFT:=24}" "${LOCK:=mlockall}"
: "${RAISED_SOFT:=48}"       # MiB: the soft limit a reload raises it to in phase 2 (still under usage)
: "${HOG_HOT:=160}" "${HOG_MAX:=64}"
: "${TRIGGER:=some 150ms 1s}"
: "${CLAMP_HIGH:=yes}"
: "${CLAMP_DEADLINE:=40}"    # s from a hog's start for memory.high to be lowered
: "${RELEASE_DEADLINE:=30}"  # s from the end of pressure for memory.high to be back
: "${RESTORE_DEADLINE:=20}"  # s from the restart for memory.high to be back
: "${SAMPLE_S:=0.25}"

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"
STATE=/run/reclaimd-test/state
soft_bytes=$((LOCKED_SOFT * MiB))

high() { read -r hv <"$CG/locked/memory.high"; echo "$hv"; }
high_lowered() { [ "$(high)" != max ]; }
high_is_max() { [ "$(high)" = max ]; }
high_at_soft() { [ "$(high)" = "$soft_bytes" ]; }
log_count() { grep -c "$2" "$O/$1" 2>/dev/null; }

: >"$O/events"
for g in locked hog; do
	mkdir "$CG/$g" || die "cannot create cgroup $g"
done
echo "${HOG_MAX}M" >"$CG/hog/memory.max" || die "cannot set hog's memory.max"

write_config <<EOF
# reclaimd VM test: escalation scenario
[pressure]
trigger = $TRIGGER

# More than the guest's memory, so that the machine counts as short whatever
# the page cache leaves free: with half of it (CAPPED_HOG_BALANCE) free memory
# stayed above the mark through phase 2 on 7.3 once (the hog at its
# memory.max), and no round ran in 40 s of pressure.
[balance]
reserve = 1G
trim = no

[reclaim]
clamp_high = $CLAMP_HIGH
release_interval = 1s
backoff = 1s
backoff_max = 2s

[cgroup locked]
soft_limit = ${LOCKED_SOFT}M
EOF

# 1. The workload reclaimd cannot take anything from.
pid_locked='' # set by start_workload
start_workload locked locked --cold "$LOCKED_MIB" "--$LOCK"
await_workloads
grep -q 'mlock=' "$O/locked.out" || die "locked's memhog did not lock its memory"
event "workload-ready"
cp "$CG/locked/memory.stat" "$O/stat-start"
high >"$O/high-start"
[ "$(cat "$O/high-start")" = max ] || die "locked's memory.high is $(cat "$O/high-start") at the start, not max"

# 2. The sampler.
sample() {
	read -r c <"$CG/locked/memory.current"
	read -r h <"$CG/locked/memory.high"
	read -r hc <"$CG/hog/memory.current"
	read -r _ _ _ _ s </proc/pressure/memory
	read -r _ _ _ _ ls <"$CG/locked/memory.pressure"
	ev=
	while read -r k v; do
		[ "$k" = high ] && ev=$v
	done <"$CG/locked/memory.events"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$c" "$h" "$hc" "${s#total=}" "${ls#total=}" "$ev"
}
start_sampler sample

collect_and_exit() {
	cp "$CG/locked/memory.stat" "$O/stat-end"
	high >"$O/high-end"
	if is_dead "$pid_locked"; then echo no; else echo yes; fi >"$O/alive-locked"
	stop_reclaimd
	for p in "$sampler" ${psipid:-} ${pid_hog:-}; do
		kill "$p" 2>/dev/null
	done
	for s in ${stampers:-} ${stamper:-}; do
		wait_for 5 "a log stamper to finish" is_dead "$s"
	done
	kill "$pid_locked" 2>/dev/null
	cat /proc/pressure/memory >"$O/pressure-end"
	event "collected"
	exit 0
}

# 3. reclaimd.
start_reclaimd reclaimd --config /tmp/reclaimd.conf --state-file "$STATE" || collect_and_exit
stampers=$stamper

# 4. Phase 1: pressure until memory.high is lowered and that round has ended.
start_psiwatch "$CLAMP_DEADLINE"
start_hog hog hog hog-1-started
lowered_or_dead() { high_lowered || is_dead "$rpid"; }
if ! wait_for "$CLAMP_DEADLINE" "locked's memory.high to be lowered" lowered_or_dead; then
	event "clamp-1-not-seen"
	collect_and_exit
fi
if is_dead "$rpid"; then
	event "reclaimd-died-in-phase-1"
	collect_and_exit
fi
event "clamp-1-seen $(high)"
# The round that lowered it goes on lowering it down to the soft limit; its
# end is logged with action=round_end.
ends=$(log_count reclaimd.log 'action=round_end')
round_ended() { [ "$(log_count reclaimd.log 'action=round_end')" -gt "$ends" ] || is_dead "$rpid"; }
wait_for 20 "the round that lowered memory.high to end" round_ended ||
	event "round-1-end-not-seen"
event "round-1-ended $(high)"
kill -TERM "$pid_hog"
wait_for 20 "the hog to exit" is_dead "$pid_hog" || die "the hog did not exit on SIGTERM"
wait "$pid_hog"
event "hog-1-stopped"
max_or_dead() { high_is_max || is_dead "$rpid"; }
if wait_for "$RELEASE_DEADLINE" "locked's memory.high to be back at max" max_or_dead && high_is_max; then
	if is_dead "$rpid"; then
		event "released-1 reclaimd-dead"
	else
		event "released-1 reclaimd-alive"
	fi
else
	event "release-1-not-seen $(high)"
	collect_and_exit
fi
is_dead "$rpid" && collect_and_exit

# 5. Phase 2: pressure until memory.high is down at the soft limit, then SIGKILL.
start_hog hog hog2 hog-2-started
if ! wait_for "$CLAMP_DEADLINE" "locked's memory.high to be lowered again" lowered_or_dead ||
	is_dead "$rpid"; then
	event "clamp-2-not-seen $(high)"
	collect_and_exit
fi
event "clamp-2-seen $(high)"
# At the soft limit no further memory.high write can come (and no write of
# reclaimd's is cut in half by the kill).
at_soft_or_dead() { high_at_soft || is_dead "$rpid"; }
if wait_for 20 "locked's memory.high to reach the soft limit" at_soft_or_dead && high_at_soft; then
	event "clamp-2-at-soft"
else
	event "clamp-2-not-at-soft $(high)"
fi
is_dead "$rpid" && collect_and_exit

# 5b. The soft limit raised by a reload mid-incident (the hog still runs, so
# the tick would not release the clamp): memory.high goes up to the new soft
# limit at the reload, not once the pressure is gone.
raised_bytes=$((RAISED_SOFT * MiB))
if ! sed "s/^soft_limit = ${LOCKED_SOFT}M\$/soft_limit = ${RAISED_SOFT}M/" /tmp/reclaimd.conf >/tmp/reclaimd.conf.new ||
	! mv /tmp/reclaimd.conf.new /tmp/reclaimd.conf; then
	die "cannot raise the soft limit in the configuration"
fi
grep -q "^soft_limit = ${RAISED_SOFT}M\$" /tmp/reclaimd.conf || die "the configuration does not say the raised soft limit"
kill -HUP "$rpid"
event "soft-limit-raised ${RAISED_SOFT}M"
at_raised_or_dead() { [ "$(high)" = "$raised_bytes" ] || is_dead "$rpid"; }
if wait_for 20 "locked's memory.high to go up to the raised soft limit" at_raised_or_dead &&
	[ "$(high)" = "$raised_bytes" ]; then
	event "refit-seen"
else
	event "refit-not-seen $(high)"
fi
is_dead "$rpid" && collect_and_exit
kill -KILL "$rpid"
wait_for 10 "reclaimd to die of SIGKILL" is_dead "$rpid"
wait "$rpid"
echo "$?" >"$O/reclaimd.exit"
high >"$O/high-after-kill"
event "reclaimd-killed $(cat "$O/high-after-kill")"
cp "$STATE" "$O/state-after-kill" 2>/dev/null || echo "(no state file at $STATE)" >"$O/state-after-kill"
kill -TERM "$pid_hog"
wait_for 20 "the hog to exit" is_dead "$pid_hog" || die "the hog did not exit on SIGTERM"
wait "$pid_hog"
event "hog-2-stopped"
high >"$O/high-before-restart"

# 6. The second reclaimd restores memory.high from the state file.
start_reclaimd reclaimd2 --config /tmp/reclaimd.conf --state-file "$STATE" || collect_and_exit
stampers="$stampers $stamper"
max_or_dead2() { high_is_max || is_dead "$rpid"; }
if wait_for "$RESTORE_DEADLINE" "locked's memory.high to be restored" max_or_dead2 && high_is_max; then
	event "restored-2"
else
	event "restore-2-not-seen $(high)"
fi
if [ -e "$STATE" ]; then echo present; else echo absent; fi >"$O/state-after-restart"
cp "$STATE" "$O/state-after-restart.text" 2>/dev/null
stop_reclaimd
event "end"
collect_and_exit
