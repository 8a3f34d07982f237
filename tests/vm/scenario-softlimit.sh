# shellcheck shell=sh disable=SC2317 # functions called through wait_for
# Guest side of test-softlimit.sh (run by vm_run inside the VM, cwd /out).
#
# Three cgroups under /sys/fs/cgroup:
#   batch  memhog --cold BATCH_COLD --hot BATCH_HOT   soft_limit BATCH_SOFT (well below its usage)
#   web    memhog --hot WEB_HOT                       soft_limit WEB_SOFT (above its usage)
#   hog    memhog --hot HOG_HOT with memory.max HOG_MAX: it thrashes against
#          zram inside its own limit, which puts the whole machine's
#          /proc/pressure/memory over reclaimd's trigger, while the kernel
#          has no reason to reclaim batch or web itself (no global shortage),
#          so any fall of batch's or web's memory.current is reclaimd's doing.
#
# Everything the host-side test judges is written to /out:
#   reclaimd.conf   the config
#   reclaimd.log    reclaimd's stderr, each line prefixed with the guest's uptime
#   reclaimd.exit   reclaimd's exit status after SIGTERM; "running" if it had
#                   not exited 10 s after it, "died RC" if it exited on its own
#   reclaimd.pid    its pid in the guest
#   samples.tsv     t batch.current web.current hog.current some_total(us)
#                   batch.pgsteal web.pgsteal (t is the guest's uptime)
#   stat-{start,end}-GROUP  memory.stat of each cgroup before and after
#   high-{start,end}-GROUP  memory.high before reclaimd started and after it exited
#   events          uptime-stamped milestones (workloads-ready, reclaimd-started,
#                   hog-started, batch-at-soft, end, collected, setup-failed ...)
#   psiwatch.out    an independent PSI trigger on /proc/pressure/memory
#   GROUP.out       each workload's output; alive-GROUP: "yes" if still running at the end
#
# Sizes (MiB) come from the environment (the host passes them with VM_PASS_ENV):
: "${BATCH_COLD:=128}" "${BATCH_HOT:=8}" "${BATCH_SOFT:=32}"
: "${WEB_HOT:=64}" "${WEB_SOFT:=128}"
: "${HOG_HOT:=160}" "${HOG_MAX:=64}"
: "${TRIGGER:=some 150ms 1s}"
: "${RECLAIM_DEADLINE:=60}"  # s from the hog's start for batch to reach its soft limit
: "${SETTLE:=5}"             # s to keep watching after that
: "${SAMPLE_S:=0.25}"        # sampling period (about 1 s in practice under TCG)

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"

has_psi_fd() {
	# One ls for all fds: a fork per fd is slow under TCG.
	# shellcheck disable=SC2012 # only the link targets are looked at
	hp_fds=$(ls -l "/proc/$1/fd/" 2>/dev/null)
	case $hp_fds in *" -> /proc/pressure/memory"*) return 0 ;; esac
	return 1
}
batch_at_soft() {
	read -r bc <"$CG/batch/memory.current"
	[ "$bc" -le $(((BATCH_SOFT + 2) * MiB)) ]
}

: >"$O/events"
for g in batch web hog; do
	mkdir "$CG/$g" || die "cannot create cgroup $g"
done
# HOG_MAX=max lets the hog press on the whole machine instead (the kernel
# then reclaims from everyone too, so the test's numbers mean less).
case $HOG_MAX in max) hog_max=max ;; *) hog_max=${HOG_MAX}M ;; esac
echo "$hog_max" >"$CG/hog/memory.max" || die "cannot set hog's memory.max to $hog_max"

write_config <<EOF
# reclaimd VM test: softlimit scenario
[pressure]
trigger = $TRIGGER

$CAPPED_HOG_BALANCE

[cgroup batch]
soft_limit = ${BATCH_SOFT}M

[cgroup web]
soft_limit = ${WEB_SOFT}M
EOF

# 1. The two workloads reclaimd looks after.
pid_batch='' pid_web='' # set by start_workload
start_workload batch batch --cold "$BATCH_COLD" --hot "$BATCH_HOT" --pause-ms 200
start_workload web web --hot "$WEB_HOT" --pause-ms 100
await_workloads
event "workloads-ready"
for g in batch web hog; do
	cp "$CG/$g/memory.stat" "$O/stat-start-$g"
	cp "$CG/$g/memory.high" "$O/high-start-$g"
done

# 2. The sampler: memory.current of each group, the system's PSI total and
# the pgsteal (pages reclaimed, by anyone) of batch and web.
sample() { sample_row "$1" "batch web hog" "batch web"; }
start_sampler sample

# 3. reclaimd, its stderr stamped with the uptime as it arrives.
spawn_reclaimd reclaimd --config /tmp/reclaimd.conf
# Ready when it holds /proc/pressure/memory open (its trigger), or dead.
psi_or_dead() { has_psi_fd "$1" || is_dead "$1"; }
wait_for 20 "reclaimd to open /proc/pressure/memory" psi_or_dead "$rpid"
if is_dead "$rpid"; then
	wait "$rpid"
	echo "died $?" >"$O/reclaimd.exit"
	event "reclaimd-died-at-start"
elif has_psi_fd "$rpid"; then
	event "reclaimd-started"
else
	event "reclaimd-started-without-psi-fd"
fi

# 4. Pressure: an independent PSI watcher first, then the hog.
start_psiwatch "$RECLAIM_DEADLINE"
start_hog hog hog hog-started

# 5. Wait for batch to come down to its soft limit (or the deadline, or
# reclaimd's death), then watch a little longer.
await_or_death "$RECLAIM_DEADLINE" "batch's memory.current to reach its soft limit" batch_at_soft batch-at-soft batch-not-at-soft-by-deadline
# Observation window (not a wait for an event): would reclaimd now turn to
# web, which is under its soft limit?
settle_and_end

# 6. Collect and stop.
for g in batch web hog; do
	cp "$CG/$g/memory.stat" "$O/stat-end-$g"
done
record_alive "batch $pid_batch" "web $pid_web" "hog $pid_hog"
stop_reclaimd
# After reclaimd is gone: whatever it may have changed should be back.
for g in batch web; do cp "$CG/$g/memory.high" "$O/high-end-$g"; done
stop_watchers
kill "$pid_hog" "$pid_batch" "$pid_web" 2>/dev/null
cat /sys/block/zram0/mm_stat >"$O/zram-mm_stat"
cat /proc/pressure/memory >"$O/pressure-end"
event "collected"
exit 0
