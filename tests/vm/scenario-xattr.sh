# shellcheck shell=sh disable=SC2317 # functions called through wait_for
# Guest side of test-xattr.sh (run by vm_run inside the VM, cwd /out).
#
# Four cgroups under /sys/fs/cgroup, each memhog --cold COLD --hot 4, none
# with a soft limit in the configuration ([cgroup pod-*], [reclaim]
# soft_limit_xattr = yes), each declaring one on itself:
#   pod-trusted  trusted.reclaimd.soft_limit = SOFT M, its directory chowned
#                to 65534 (delegated): honoured, only CAP_SYS_ADMIN sets trusted.*
#   pod-root     user.reclaimd.soft_limit = SOFT M, owned by root: honoured
#   pod-deleg    user.reclaimd.soft_limit = SOFT M, chowned to 65534: refused,
#                as a delegated owner could set it on its own cgroup
#   pod-bad      trusted.reclaimd.soft_limit = "lots": refused, not a size
# A reserve of half the memory makes the machine short for reclaimd, so the
# balancer trims the cgroups over their soft limits: the two honoured ones.
# After a first settle, pod-trusted's attribute is changed to SOFT2 M: the
# next tick reads it and trims toward it.
#
# Written to /out: reclaimd.conf, reclaimd.log, reclaimd.exit, samples.tsv
# (t, memory.current of the four, the system's some total, their pgsteal),
# owner-GROUP (uid of each directory as the kernel keeps it), xattr-GROUP
# (the attribute read back), events, NAME.out and alive-NAME for NAME
# trusted, root, deleg, bad.
: "${COLD:=64}" "${SOFT:=24}" "${SOFT2:=12}"
: "${DEADLINE:=60}" "${SETTLE:=6}" "${SAMPLE_S:=0.25}"

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"

groups="pod-trusted pod-root pod-deleg pod-bad"
# setxattr GROUP NAME VALUE: through python3 (the host's /usr has it; attr's
# setfattr is not a dependency).
setxattr() {
	python3 -c 'import os, sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode())' \
		"$CG/$1" "$2" "$3" || die "cannot set $2 on $1"
	python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], sys.argv[2]).decode())' \
		"$CG/$1" "$2" >"$O/xattr-$1" || die "cannot read $2 back from $1"
}
at_most() {
	read -r am_v <"$CG/$1/memory.current"
	[ "$am_v" -le $((($2 + 2) * MiB)) ]
}
both_trimmed() { at_most pod-trusted "$SOFT" && at_most pod-root "$SOFT"; }
retrimmed() { at_most pod-trusted "$SOFT2"; }

: >"$O/events"
for g in $groups; do
	mkdir "$CG/$g" || die "cannot create cgroup $g"
done
write_config <<EOF2
# reclaimd VM test: soft limits declared on the cgroups (xattr scenario)
[reclaim]
soft_limit_xattr = yes
release_interval = 1s

[balance]
reserve = 50%

[cgroup pod-*]
trigger = none
EOF2

for g in $groups; do
	start_workload "${g#pod-}" "$g" --cold "$COLD" --hot 4 --pause-ms 200
done
await_workloads
setxattr pod-trusted trusted.reclaimd.soft_limit "${SOFT}M"
setxattr pod-root user.reclaimd.soft_limit "${SOFT}M"
setxattr pod-deleg user.reclaimd.soft_limit "${SOFT}M"
setxattr pod-bad trusted.reclaimd.soft_limit lots
# Delegated: the directory (and its files) handed to an unprivileged owner,
# as systemd's Delegate= does; the attributes stay.
chown -R 65534:65534 "$CG/pod-trusted" "$CG/pod-deleg" || die "cannot chown the delegated cgroups"
for g in $groups; do
	stat -c %u "$CG/$g" >"$O/owner-$g"
done
event "workloads-ready"

sample() { sample_row "$1" "$groups" "$groups"; }
start_sampler sample
start_reclaimd reclaimd --config /tmp/reclaimd.conf || die "reclaimd did not start"

await_or_death "$DEADLINE" "the honoured cgroups to be trimmed to their own soft limits" both_trimmed \
	trimmed not-trimmed-by-deadline
setxattr pod-trusted trusted.reclaimd.soft_limit "${SOFT2}M"
event "changed"
await_or_death "$DEADLINE" "pod-trusted to be trimmed to its new soft limit" retrimmed \
	retrimmed not-retrimmed-by-deadline
settle_and_end

# shellcheck disable=SC2154 # pid_NAME are set by start_workload
record_alive "trusted $pid_trusted" "root $pid_root" "deleg $pid_deleg" "bad $pid_bad"
stop_reclaimd
stop_watchers
stop_workloads
event "collected"
exit 0
