# shellcheck shell=sh disable=SC2317 # functions called through wait_for
# Guest side of test-swappiness.sh (run by vm_run inside the VM, cwd /out):
# reclaimd's own passes take a cgroup holding both clean page cache and
# anonymous memory down to its soft limit, each memory.reclaim write
# recorded with the cgroup's counters around it.
#
# One managed cgroup, batch, soft limit SOFT_MIB, holds a memhog with
# ANON_MIB of anonymous memory written once and FILE_MIB of clean page
# cache: a zram disk of its own, read once directly (file pages the kernel
# drops without writing them; tmpfs pages would be shmem, swap-backed).
# Nothing touches either again, so only reclaim changes them.  The machine
# is never short by the kernel's watermarks (no kswapd, no direct reclaim),
# so reclaimd is the only reclaimer; its balancer acts, because [balance]
# reserve = 1G (more than the guest's memory) makes it count the machine
# short by more than any round frees: each round is the soft-limit loop from priority 12 down, without
# a target met or a resolved pressure to end it early.  HARDER is the
# configured harder_priority.
#
# reclaimd runs with tests/vm/reclaimtap.so preloaded: /out/tap holds each
# of its memory.reclaim writes (what was asked, the kernel's answer, the
# cgroup's memory.current, memory.swap.current and memory.stat counters
# just before and after) in order with its log lines.  The scenario waits
# (up to REACH_S s) until batch is down to its soft limit and 2 MiB
# (policy_over_soft_limit(): no longer over), or reclaimd died.  Then, its
# page cache dropped (drop_caches), batch's soft limit is lowered to
# SOFT2_MIB by a reload
# (SIGHUP), and the scenario waits again until batch is down there: the
# rounds of that phase start at priority 12 with file LRUs smaller than
# any request.  Then reclaimd is stopped.
#
# Written to /out: events (batch-at-soft-limit, then lowered-at-soft-limit;
# or ...-above-soft-limit, or reclaimd-died), tap, reclaimd.log,
# reclaimd.exit, reclaimd.conf (the one in force last), uname,
# {stat,swap,current}-{start,reload,end} of batch (before reclaimd started,
# at the reload and after reclaimd stopped), batch.out.
: "${SOFT_MIB:=32}" "${SOFT2_MIB:=16}" "${ANON_MIB:=64}" "${FILE_MIB:=96}" "${HARDER:=9}" "${REACH_S:=120}"

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"

B=$CG/batch
: >"$O/events"
uname -r >"$O/uname"
mkdir "$B" || die "cannot create cgroup batch"

# The page cache's disk: never written, so it costs zram nothing.
read -r n </sys/class/zram-control/hot_add || die "cannot add a zram disk"
echo $(((FILE_MIB + 16) * MiB)) >"/sys/block/zram$n/disksize" || die "cannot size /dev/zram$n"
start_workload batch batch --cold "$ANON_MIB" --file "/dev/zram$n" --file-mib "$FILE_MIB"
await_workloads
event "workload-ready"

snap() {
	cp "$B/memory.stat" "$O/stat-$1"
	cp "$B/memory.swap.current" "$O/swap-$1"
	cp "$B/memory.current" "$O/current-$1"
}
snap start

write_config <<EOF
# reclaimd VM test: swappiness scenario
[balance]
reserve = 1G

[reclaim]
harder_priority = $HARDER

[cgroup batch]
soft_limit = ${SOFT_MIB}M
EOF
start_tapped_reclaimd
# Phase 2: a lower soft limit, by reload, once batch's page cache is gone
# (dropped): the balancer's next round starts at priority 12 again, with
# the file LRUs too small for any request.
if await_floor "$B" "$SOFT_MIB" batch; then
	# What page cache is left goes, without reclaim: clean, unmapped.
	sync
	echo 1 >/proc/sys/vm/drop_caches || die "cannot drop the page cache"
	sed "s/^soft_limit = .*/soft_limit = ${SOFT2_MIB}M/" /tmp/reclaimd.conf >"$O/reclaimd.conf"
	cp "$O/reclaimd.conf" /tmp/reclaimd.conf
	snap reload
	kill -HUP "$rpid"
	event "reload-sent"
	await_floor "$B" "$SOFT2_MIB" lowered
fi
stop_reclaimd
wait_for 5 "the log stamper to finish" is_dead "$stamper"
snap end
stop_workloads
event "end"
exit 0
