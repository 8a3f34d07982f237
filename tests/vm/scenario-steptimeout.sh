# shellcheck shell=sh disable=SC2317 # functions called through wait_for
# Guest side of test-steptimeout.sh (run by vm_run inside the VM, cwd /out):
# reclaimd's balancer takes a cgroup of anonymous memory down to its soft
# limit with a step_timeout far shorter than its steps take, each
# memory.reclaim write recorded with the cgroup's counters around it.
#
# One managed cgroup, batch, soft limit SOFT_MIB, holds a memhog with
# ANON_MIB of anonymous memory written once: reclaim must swap it out to
# zram, which under TCG runs at about 30 MiB/s, so a step of a quarter of
# the excess takes seconds.  [balance] reserve = 1G (more than the guest's
# memory) makes the balancer count the machine short by more than any round
# frees, so its rounds keep coming every 200 ms; backoff = 0s keeps the
# rounds cut short from backing it off.  step_timeout is STEP_MS.
#
# reclaimd runs with tests/vm/reclaimtap.so preloaded: /out/tap holds each
# of its memory.reclaim writes (what was asked, the kernel's answer, the
# cgroup's counters just before and after, when it began and ended) in
# order with its log lines (--debug: every step has its line).  The
# scenario waits (up to REACH_S s) until batch is down to its soft limit
# and 2 MiB, or reclaimd died; then reclaimd is stopped.
#
# Written to /out: events (batch-at-soft-limit, batch-above-soft-limit or
# reclaimd-died), tap, reclaimd.log, reclaimd.exit, reclaimd.conf, uname,
# {stat,swap,current,high}-{start,end} of batch (before reclaimd started and
# after it stopped), batch.out.
: "${SOFT_MIB:=16}" "${ANON_MIB:=256}" "${STEP_MS:=100}" "${REACH_S:=150}"

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"

B=$CG/batch
: >"$O/events"
uname -r >"$O/uname"
mkdir "$B" || die "cannot create cgroup batch"
start_workload batch batch --cold "$ANON_MIB"
await_workloads
event "workload-ready"

snap() {
	for sn in stat swap.current current high; do
		cp "$B/memory.$sn" "$O/${sn%.current}-$1"
	done
}
snap start

write_config <<CONF
# reclaimd VM test: step_timeout scenario
[balance]
reserve = 1G
interval = 200ms

[reclaim]
step_timeout = ${STEP_MS}ms
backoff = 0s

[cgroup batch]
soft_limit = ${SOFT_MIB}M
CONF
start_tapped_reclaimd
await_floor "$B" "$SOFT_MIB" batch
stop_reclaimd
wait_for 5 "the log stamper to finish" is_dead "$stamper"
snap end
stop_workloads
event "end"
exit 0
