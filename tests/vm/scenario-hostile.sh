# shellcheck shell=sh disable=SC2317 # functions called through wait_for
# Guest side of test-hostile.sh (run by vm_run inside the VM, cwd /out).
#
# Cgroups whose names their creator chose to be hostile, under the glob
# section [cgroup hostile/*] (soft_limit H_SOFT, a trigger of their own):
#   1  quotes, a forged field list, a backslash, a tab, '=' and a carriage
#      return: x" action=reclaim cgroup=web requested=999 \<TAB>=<CR>
#   2  terminal escape sequences, bytes that are not UTF-8 (a stray byte, an
#      overlong '/'), a C1 control and DEL beside well-formed UTF-8
#   3  a newline and a forged field list, only if the kernel takes it:
#      cgroup_mkdir() refuses '\n' so that /proc/PID/cgroup stays parsable;
#      the probe's answer is in newline-mkdir
# Each runs memhog --cold H_COLD --hot H_HOT, well over its soft limit; a
# hog thrashing inside its own memory.max (HOG_MAX) makes the system's PSI
# trigger fire.  reclaimd runs with its stderr stamped; once every hostile
# cgroup is near its soft limit (or after RECLAIM_DEADLINE s), the workloads
# stop and the cgroups are removed while it runs, so that it logs them going.
#
# Files in /out, judged by test-hostile.sh on the host:
#   name-N              hostile cgroup N's path (relative to the root), its exact bytes
#   newline-mkdir       "accepted", or "refused: " and what mkdir said
#   reclaimd.conf       the configuration
#   check-config.{out,err,exit}  reclaimd --check-config with the cgroups present
#   check-again.{out,exit}       reclaimd --check-config of check-config.out itself
#   reclaimd.log        reclaimd's stderr, each line stamped with the guest's uptime
#   reclaimd.exit       its status after SIGTERM ("running", "died RC": see guest-lib.sh)
#   samples.tsv         t, then memory.current and pgsteal of each hostile cgroup
#   stat-{start,end}-N  memory.stat of hostile cgroup N before the hog and at the end
#   events, psiwatch.out, hN.out, hog.out, alive-hog
: "${H_COLD:=64}" "${H_HOT:=8}" "${H_SOFT:=24}"
: "${HOG_HOT:=160}" "${HOG_MAX:=64}"
: "${TRIGGER:=some 150ms 1s}"
# s from the hog's start for every hostile cgroup to near its soft limit (a
# wait that ends as soon as they are): on 7.3 under TCG, with the host busy
# with a second guest (four virtual CPUs on two cores), each memory.reclaim
# step of about 7 MiB took over 10 s (step_timeout) beside the thrashing hog,
# where it takes 0.1 to 0.5 s on an idle host, floors or not, and 6.1 and
# 6.12 well under one either way; 60 s then ended the wait a MiB short of
# half way (local CIs of 9324218 and b726a6c).
: "${RECLAIM_DEADLINE:=120}"
: "${SAMPLE_S:=0.25}"

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"

: >"$O/events"
mkdir "$CG/hostile" "$CG/hog" || die "cannot create cgroups"
echo +memory >"$CG/hostile/cgroup.subtree_control" || die "cannot enable the memory controller in hostile"
echo "${HOG_MAX}M" >"$CG/hog/memory.max" || die "cannot set hog's memory.max"

# add_hostile NAME: creates hostile/NAME, records its path as name-N (n
# counts them) and its folder in d_N.
n=0
add_hostile() {
	mkdir "$CG/hostile/$1" || return 1
	n=$((n + 1))
	printf '%s' "hostile/$1" >"$O/name-$n"
	eval "d_$n=\$CG/hostile/\$1"
}
# dir N: sets d to hostile cgroup N's folder (builtins only: the sampler calls it).
d=
dir() { eval "d=\$d_$1"; }
add_hostile "$(printf 'x" action=reclaim cgroup=web requested=999 \\\t=\r')" || die "cannot create cgroup 1"
add_hostile "$(printf 'y \033[2K\033]0;title\007 \377 \300\257 caf\303\251 \302\205 \177.')" ||
	die "cannot create cgroup 2"
if add_hostile "$(printf 'z\naction=reclaim cgroup=web requested=999')" 2>"$O/newline-mkdir"; then
	echo accepted >"$O/newline-mkdir"
else
	echo "refused: $(cat "$O/newline-mkdir")" >"$O/newline-mkdir"
fi
event "created $n"

write_config <<EOF
# reclaimd VM test: hostile names
[pressure]
trigger = $TRIGGER

$CAPPED_HOG_BALANCE

[cgroup hostile/*]
soft_limit = ${H_SOFT}M
trigger = some 150ms 2s
EOF

# 1. The workloads.
i=1
while [ "$i" -le "$n" ]; do
	dir "$i"
	start_workload "h$i" "${d#"$CG/"}" --cold "$H_COLD" --hot "$H_HOT" --pause-ms 200
	i=$((i + 1))
done
await_workloads
event "workloads-ready"

# 2. What --check-config prints with the cgroups present, and whether that reads back as it was.
"$RECLAIMD" --check-config --config /tmp/reclaimd.conf >"$O/check-config.out" 2>"$O/check-config.err"
echo "$?" >"$O/check-config.exit"
"$RECLAIMD" --check-config --config "$O/check-config.out" >"$O/check-again.out" 2>&1
echo "$?" >"$O/check-again.exit"

# 3. The sampler: memory.current and pgsteal of each hostile cgroup.
sample() {
	sa_line=$1
	sa_i=1
	while [ "$sa_i" -le "$n" ]; do
		dir "$sa_i"
		read -r sa_c <"$d/memory.current"
		stat_value "$d/memory.stat" pgsteal
		sa_line="$sa_line	$sa_c	$sv"
		sa_i=$((sa_i + 1))
	done
	printf '%s\n' "$sa_line"
}
# each_stat NAME: memory.stat of every hostile cgroup into stat-NAME-N.
each_stat() {
	es_i=1
	while [ "$es_i" -le "$n" ]; do
		dir "$es_i"
		cp "$d/memory.stat" "$O/stat-$1-$es_i"
		es_i=$((es_i + 1))
	done
}
each_stat start
start_sampler sample

# 4. reclaimd, then pressure.
start_reclaimd reclaimd --config /tmp/reclaimd.conf   # the judge says why, if it did not start
start_psiwatch "$RECLAIM_DEADLINE"
start_hog hog hog hog-started
all_near_soft() {
	an_i=1
	while [ "$an_i" -le "$n" ]; do
		dir "$an_i"
		read -r an_c <"$d/memory.current"
		[ "$an_c" -le $(((H_SOFT + 4) * MiB)) ] || return 1
		an_i=$((an_i + 1))
	done
}
await_or_death "$RECLAIM_DEADLINE" "every hostile cgroup to near its soft limit" all_near_soft \
	near-soft not-near-soft-by-deadline
each_stat end
record_alive "hog $pid_hog"

# 5. The cgroups go while reclaimd runs: it follows the glob and logs them gone.
event "workloads-stopping"
stop_workloads
i=1
while [ "$i" -le "$n" ]; do
	dir "$i"
	if ! wait_for 10 "hostile cgroup $i to empty" empty "$d" || ! rmdir "$d"; then
		event "cannot-remove $i"
	fi
	i=$((i + 1))
done
event "removed"
followed() { grep -q 'configuration changed: 0 managed' "$O/reclaimd.log" || is_dead "$rpid"; }
if wait_for 20 "reclaimd to follow the removals" followed && ! is_dead "$rpid"; then
	event "removal-followed"
fi
event "end"

# 6. Stop.
stop_reclaimd
stop_watchers
kill "$pid_hog" 2>/dev/null
event "collected"
exit 0
