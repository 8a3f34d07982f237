# shellcheck shell=sh disable=SC2317 # functions called through wait_for
# Guest side of test-scoped.sh (run by vm_run inside the VM, cwd /out).
#
# Cgroups under /sys/fs/cgroup:
#   tenant       soft_limit max, trigger = TENANT_TRIGGER on its memory.pressure
#   tenant/a     memhog --cold A_COLD --hot A_HOT    soft_limit A_SOFT (well below its usage)
#   tenant/hog   memhog --hot HOG_HOT in memory.max HOG_MAX: thrashes inside
#                its own limit, so tenant's memory.pressure (which counts the
#                stalls of everything below it) goes over tenant's trigger
#   outside      memhog --cold OUT_COLD --hot OUT_HOT  soft_limit OUT_SOFT: over
#                its soft limit by more than tenant/a, so any round not limited
#                to tenant would take from it first
# The system trigger is SYSTEM_TRIGGER (default "full 10s 10s": all tasks
# stalled for the whole window, which does not happen here), so every round
# has to come from tenant's trigger, and is limited to tenant's subtree.
#
# Everything the host-side test judges is written to /out:
#   reclaimd.conf   the config
#   reclaimd.log    reclaimd's stderr, each line prefixed with the guest's uptime
#   reclaimd.exit   reclaimd's exit status after SIGTERM ("running" if it had
#                   not exited 10 s later, "died RC" if it exited on its own)
#   samples.tsv     t a.current outside.current hog.current tenant.some_total(us)
#                   system.some_total(us) a.pgsteal outside.pgsteal
#   stat-{start,end}-{a,outside}  memory.stat before and after
#   events          uptime-stamped milestones
#   psiwatch.out    an independent trigger (TENANT_TRIGGER) on tenant's memory.pressure
#   a.out, outside.out, hog.out  workload output; alive-{a,outside,hog}: yes/no
#
: "${A_COLD:=64}" "${A_HOT:=4}" "${A_SOFT:=16}"
: "${OUT_COLD:=96}" "${OUT_HOT:=4}" "${OUT_SOFT:=16}"
: "${HOG_HOT:=160}" "${HOG_MAX:=64}"
: "${TENANT_TRIGGER:=some 150ms 1s}"
: "${SYSTEM_TRIGGER:=full 10s 10s}"
: "${RECLAIM_DEADLINE:=40}" # s from the hog's start for tenant/a to reach its soft limit
: "${SETTLE:=4}"            # s to keep watching after that
: "${SAMPLE_S:=0.25}"

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"
a_at_soft() {
	read -r ac <"$CG/tenant/a/memory.current"
	[ "$ac" -le $(((A_SOFT + 2) * MiB)) ]
}

: >"$O/events"
mkdir "$CG/tenant" "$CG/outside" || die "cannot create cgroups"
echo +memory >"$CG/tenant/cgroup.subtree_control" || die "cannot enable the memory controller in tenant"
mkdir "$CG/tenant/a" "$CG/tenant/hog" || die "cannot create tenant's children"
echo "${HOG_MAX}M" >"$CG/tenant/hog/memory.max" || die "cannot set tenant/hog's memory.max"

write_config <<EOF
# reclaimd VM test: scoped scenario
[pressure]
trigger = $SYSTEM_TRIGGER

[cgroup tenant]
soft_limit = max
trigger = $TENANT_TRIGGER

[cgroup tenant/a]
soft_limit = ${A_SOFT}M

[cgroup outside]
soft_limit = ${OUT_SOFT}M
EOF

# 1. The two workloads over their soft limits.
pid_a='' pid_outside='' # set by start_workload
start_workload a tenant/a --cold "$A_COLD" --hot "$A_HOT" --pause-ms 200
start_workload outside outside --cold "$OUT_COLD" --hot "$OUT_HOT" --pause-ms 200
await_workloads
event "workloads-ready"
cp "$CG/tenant/a/memory.stat" "$O/stat-start-a"
cp "$CG/outside/memory.stat" "$O/stat-start-outside"

# 2. The sampler.
sample() {
	read -r a <"$CG/tenant/a/memory.current"
	read -r o <"$CG/outside/memory.current"
	read -r h <"$CG/tenant/hog/memory.current"
	read -r _ _ _ _ ts <"$CG/tenant/memory.pressure"
	read -r _ _ _ _ ss </proc/pressure/memory
	as=$(pgsteal_of "$CG/tenant/a/memory.stat")
	os=$(pgsteal_of "$CG/outside/memory.stat")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$a" "$o" "$h" "${ts#total=}" "${ss#total=}" "$as" "$os"
}
start_sampler sample

# 3. reclaimd, its stderr stamped with the uptime as it arrives; started
# when it logs action=started (its triggers are armed then).
start_reclaimd reclaimd --config /tmp/reclaimd.conf --state-file /run/reclaimd-test/state || :

# 4. Pressure inside tenant: an independent watcher on tenant's
# memory.pressure, then the hog.
psi_trig=$(echo "$TENANT_TRIGGER" | awk '
	function us(v) { if (v ~ /ms$/) return v * 1000; if (v ~ /us$/) return v + 0; return v * 1000000 }
	{ print $1, us($2), us($3) }')
start_psiwatch "$RECLAIM_DEADLINE" --file "$CG/tenant/memory.pressure" --trigger "$psi_trig"
start_hog tenant/hog hog hog-started

# 5. Wait for tenant/a to come down to its soft limit, then watch a little
# longer: would reclaimd turn to outside?
await_or_death "$RECLAIM_DEADLINE" "tenant/a's memory.current to reach its soft limit" a_at_soft a-at-soft a-not-at-soft-by-deadline
settle_and_end

# 6. Collect and stop.
cp "$CG/tenant/a/memory.stat" "$O/stat-end-a"
cp "$CG/outside/memory.stat" "$O/stat-end-outside"
record_alive "a $pid_a" "outside $pid_outside" "hog $pid_hog"
stop_reclaimd
stop_watchers
kill "$pid_hog" "$pid_a" "$pid_outside" 2>/dev/null
cat /proc/pressure/memory >"$O/pressure-end"
event "collected"
exit 0
