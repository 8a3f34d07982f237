# shellcheck shell=sh disable=SC2317 # functions called through wait_for
# Guest side of test-protection.sh (run by vm_run inside the VM, cwd /out).
#
# Cgroups under /sys/fs/cgroup, all managed by reclaimd with soft_limit max,
# so that none is over its soft limit and every round is the proportional
# pass over all of them:
#   p    memhog --cold P_COLD --hot P_HOT, memory.low P_LOW (above its usage):
#        protected as long as another cgroup still has memory to give
#   q    memhog --cold Q_COLD --hot Q_HOT, no protection: the one to take from
#   m    memhog --cold M_COLD --hot M_HOT, memory.min M_MIN (below its usage):
#        may give what it has above M_MIN, never more
#   hog  memhog --hot HOG_HOT in memory.max HOG_MAX (not managed): thrashes
#        inside its own limit and drives /proc/pressure/memory over the
#        system trigger, without making the kernel itself reclaim p, q or m
# memory.reclaim written to a cgroup directly ignores that cgroup's own
# memory.low and memory.min, so keeping p and m at their protection is
# reclaimd's doing.  The scenario ends SETTLE s after q is down to about its
# hot part (the proportional pass may then, by design, retry with memory.low
# ignored).
#
# Everything the host-side test judges is written to /out:
#   reclaimd.conf   the config
#   reclaimd.log    reclaimd's stderr, each line prefixed with the guest's uptime
#   reclaimd.exit   reclaimd's exit status after SIGTERM ("running" if it had
#                   not exited 10 s later, "died RC" if it exited on its own)
#   samples.tsv     t p.current q.current m.current hog.current some_total(us)
#                   p.pgsteal q.pgsteal m.pgsteal
#   low-p, min-m    the protections as the kernel reports them
#   events          uptime-stamped milestones (q-drained: q down to Q_HOT + 4 MiB)
#   psiwatch.out    an independent PSI trigger on /proc/pressure/memory
#   GROUP.out       workload output; alive-GROUP: yes/no at the end
#
: "${P_COLD:=48}" "${P_HOT:=4}" "${P_LOW:=96}"
: "${Q_COLD:=64}" "${Q_HOT:=4}"
: "${M_COLD:=48}" "${M_HOT:=4}" "${M_MIN:=32}"
: "${HOG_HOT:=160}" "${HOG_MAX:=64}"
: "${TRIGGER:=some 150ms 1s}"
: "${RECLAIM_DEADLINE:=45}" # s from the hog's start for q to be drained
: "${SETTLE:=3}"            # s to keep watching after that
: "${SAMPLE_S:=0.25}"

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"
q_drained() {
	read -r qc <"$CG/q/memory.current"
	[ "$qc" -le $(((Q_HOT + 4) * MiB)) ]
}

: >"$O/events"
for g in p q m hog; do
	mkdir "$CG/$g" || die "cannot create cgroup $g"
done
echo "${P_LOW}M" >"$CG/p/memory.low" || die "cannot set p's memory.low"
echo "${M_MIN}M" >"$CG/m/memory.min" || die "cannot set m's memory.min"
echo "${HOG_MAX}M" >"$CG/hog/memory.max" || die "cannot set hog's memory.max"
cp "$CG/p/memory.low" "$O/low-p"
cp "$CG/m/memory.min" "$O/min-m"

write_config <<EOF
# reclaimd VM test: protection scenario
[pressure]
trigger = $TRIGGER

$CAPPED_HOG_BALANCE
[reclaim]
system_proportional = yes

[cgroup p]
soft_limit = max

[cgroup q]
soft_limit = max

[cgroup m]
soft_limit = max
EOF

# 1. The three workloads.
pid_p='' pid_q='' pid_m='' # set by start_workload
start_workload p p --cold "$P_COLD" --hot "$P_HOT" --pause-ms 200
start_workload q q --cold "$Q_COLD" --hot "$Q_HOT" --pause-ms 200
start_workload m m --cold "$M_COLD" --hot "$M_HOT" --pause-ms 200
await_workloads
event "workloads-ready"

# 2. The sampler.
sample() { sample_row "$1" "p q m hog" "p q m"; }
start_sampler sample

# 3. reclaimd, its stderr stamped with the uptime as it arrives.
start_reclaimd reclaimd --config /tmp/reclaimd.conf --state-file /run/reclaimd-test/state || :

# 4. Pressure: an independent PSI watcher first, then the hog.
start_psiwatch "$RECLAIM_DEADLINE"
start_hog hog hog hog-started
await_hog_pressure hog hog "${HOG_PSI_DEADLINE:-15}"

# 5. Wait for q to be drained (or the deadline, or reclaimd's death), then
# watch a little longer.
await_or_death "$RECLAIM_DEADLINE" "q's memory.current to come down to its hot part" q_drained q-drained q-not-drained-by-deadline
settle_and_end

# 6. Collect and stop.
record_alive "p $pid_p" "q $pid_q" "m $pid_m" "hog $pid_hog"
stop_reclaimd
stop_watchers
kill "$pid_hog" "$pid_p" "$pid_q" "$pid_m" 2>/dev/null
cat /proc/pressure/memory >"$O/pressure-end"
event "collected"
exit 0
