# shellcheck shell=sh disable=SC2317 # functions called through wait_for
# Guest side of test-removal.sh (run by vm_run inside the VM, cwd /out).
#
# Cgroups under /sys/fs/cgroup:
#   g1 g3     memhog --cold G_COLD --hot G_HOT each, soft_limit G_SOFT (well
#             below their usage), and once g2 is removed memhog --cold
#             REFILL_COLD more in each (so that reclaim of them is owed then)
#   g2        memhog --cold G2_COLD --hot G2_HOT and G2_SHMEM MiB of a tmpfs
#             file written from inside it, soft_limit G_SOFT: about as far
#             over its soft limit as g1 and g3, and it stays so after its
#             workload is killed and it is removed (the file's pages stay
#             charged to it), so rounds keep turning to it, and one may be
#             writing its memory.reclaim as it goes away
#   churn     soft_limit 1M and a trigger of its own; created and removed
#             over and over while reclaimd works (each time with a short-lived
#             memhog --cold CHURN_COLD in it), until the scenario stops it
#   flash/fN  (a glob with triggers) up to FLASH_CYCLES empty cgroups
#             created and removed in FLASH_SECONDS, as fast as the guest goes
#   hog       memhog --hot HOG_HOT in memory.max HOG_MAX (not managed):
#             thrashes inside its own limit and keeps /proc/pressure/memory
#             over the system trigger, so that rounds keep coming
# Once reclaimd's first reclaim is logged (rounds are running), the churn
# starts, g2's workload is killed and g2 is removed (rmdir).  The scenario
# then waits for reclaimd to log action=cgroup_gone for g2 and, after that,
# a reclaim of g1 or g3; waits for the flash churn to end; stops the churn; creates churn, waits for its
# trigger to be armed, removes it, waits for reclaimd to drop it, creates it
# a last time and waits for its trigger to be armed again; and stops
# reclaimd with SIGTERM.
#
# Everything the host-side test judges is written to /out:
#   reclaimd.conf   the config
#   reclaimd.log    reclaimd's stderr, each line prefixed with the guest's uptime
#   reclaimd.exit   reclaimd's exit status after SIGTERM ("running" if it had
#                   not exited 10 s later, "died RC" if it exited on its own)
#   samples.tsv     t g1.current g2.current g3.current hog.current some_total(us)
#                   ("-" for g2 once it is gone)
#   churn.log       one line per churn cycle: uptime, cycle number, what happened
#   flash.log       failures and progress of the flash churn, then "done N
#                   cycles M removed"
#   fds-end         ls -l of reclaimd's descriptors once churn, created a last
#                   time, has its trigger armed again
#   fds-stale       those of them on a removed cgroup's file (by inode)
#   events          uptime-stamped milestones (rounds-running, g2-killed,
#                   g2-removed, g2-gone-logged, g1-g3-refilled,
#                   others-reclaimed-after, ...)
#   reincarnate.out what a write through a cgroup removed and made again at
#                   its path did (tests/vm/reincarnate)
#   psiwatch.out    an independent PSI trigger on /proc/pressure/memory
#   hog-no-pressure what the kernel said of the hog when psiwatch saw no stall
#                   within HOG_PSI_DEADLINE s of its start (it is then started
#                   again, once: await_hog_pressure)
#   GROUP.out       workload output; alive-GROUP: yes/no at the end (g1 g3 hog)
#
: "${G_COLD:=48}" "${G_HOT:=4}" "${G_SOFT:=8}" "${REFILL_COLD:=32}"
: "${G2_COLD:=4}" "${G2_HOT:=2}" "${G2_SHMEM:=48}"
: "${CHURN_COLD:=4}" "${FLASH_CYCLES:=300}" "${FLASH_SECONDS:=60}"
: "${HOG_HOT:=160}" "${HOG_MAX:=64}"
: "${TRIGGER:=some 150ms 1s}"
: "${HOG_PSI_DEADLINE:=15}" # s from the hog's start for psiwatch's first event
: "${ROUND_DEADLINE:=40}" # s from the hog's start for the first reclaim
: "${GONE_DEADLINE:=20}"  # s from g2's removal for reclaimd to log it
: "${AFTER_DEADLINE:=20}" # s from that for a reclaim of g1 or g3
: "${FLASH_DEADLINE:=90}" # s from then for the flash churn to end
: "${SAMPLE_S:=0.25}"

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"
# Lines of reclaimd's log (without the uptime) matching an extended regex.
logged() { grep -Eq "$1" "$O/reclaimd.log" 2>/dev/null; }

: >"$O/events"
for g in g1 g2 g3 hog flash; do
	mkdir "$CG/$g" || die "cannot create cgroup $g"
done
echo "${HOG_MAX}M" >"$CG/hog/memory.max" || die "cannot set hog's memory.max"
# The backend on a cgroup removed and made again at its path (test-removal's
# check 6), before reclaimd runs.
"$abs_top_builddir/tests/vm/reincarnate" "$CG" reincarnated >"$O/reincarnate.out" 2>&1 ||
	die "reincarnate could not run: $(cat "$O/reincarnate.out")"
echo +memory >"$CG/flash/cgroup.subtree_control" || die "cannot enable memory under flash"

write_config <<EOF
# reclaimd VM test: removal scenario
[pressure]
trigger = $TRIGGER

$CAPPED_HOG_BALANCE

[cgroup g1]
soft_limit = ${G_SOFT}M

[cgroup g2]
soft_limit = ${G_SOFT}M

[cgroup g3]
soft_limit = ${G_SOFT}M

[cgroup churn]
soft_limit = 1M
trigger = some 150ms 1s

[cgroup flash/*]
soft_limit = 1M
trigger = some 150ms 1s

[reclaim]
# Follow the glob (and re-arm triggers) every second.
release_interval = 1s
EOF

# 1. The workloads.
pid_g1='' pid_g2='' pid_g3='' # set by start_workload
start_workload g1 g1 --cold "$G_COLD" --hot "$G_HOT" --pause-ms 200
start_workload g2 g2 --cold "$G2_COLD" --hot "$G2_HOT" --pause-ms 200
start_workload g3 g3 --cold "$G_COLD" --hot "$G_HOT" --pause-ms 200
await_workloads
# Written in the foreground: the scenario goes on once it is all charged.
start_in g2 g2-shmem dd if=/dev/urandom of=/tmp/g2.shm bs=1M count="$G2_SHMEM"
wait "$last_pid" || die "writing g2's tmpfs file failed: $(cat "$O/g2-shmem.out")"
grep '^shmem ' "$CG/g2/memory.stat" >"$O/g2-shmem-charged"
event "workloads-ready"

# 2. The sampler.
sample() {
	read -r a <"$CG/g1/memory.current"
	b=-
	{ read -r b <"$CG/g2/memory.current"; } 2>/dev/null
	read -r c <"$CG/g3/memory.current"
	read -r h <"$CG/hog/memory.current"
	read -r _ _ _ _ s </proc/pressure/memory
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$a" "$b" "$c" "$h" "${s#total=}"
}
start_sampler sample

# 3. reclaimd, its stderr stamped with the uptime as it arrives.
start_reclaimd reclaimd --config /tmp/reclaimd.conf --state-file /run/reclaimd-test/state || :

# 4. Pressure: an independent PSI watcher first, then the hog.
start_psiwatch "$ROUND_DEADLINE"
start_hog hog hog hog-started
await_hog_pressure hog hog "$HOG_PSI_DEADLINE"

# 5. Rounds running: reclaimd's first reclaim.
reclaiming_or_dead() { logged ' action=reclaim ' || is_dead "$rpid"; }
if ! wait_for "$ROUND_DEADLINE" "reclaimd's first reclaim" reclaiming_or_dead; then
	event "no-reclaim-by-deadline"
elif is_dead "$rpid"; then
	event "reclaimd-died"
else
	event "rounds-running"
fi

# 6. The churn: a cgroup reclaimd manages (with a trigger), created and
# removed over and over, a short-lived workload in it each time.
rm -f /tmp/churn.stop
(
	n=0
	while [ ! -e /tmp/churn.stop ]; do
		n=$((n + 1))
		if ! mkdir "$CG/churn" 2>/dev/null; then
			echo "$(up) $n mkdir-failed"
			sleep 0.2
			continue
		fi
		start_in churn churn "$MEMHOG" --cold "$CHURN_COLD"
		cpid=$last_pid
		wait_for 10 "churn's memhog" is_ready churn || echo "$(up) $n not-ready"
		kill -KILL "$cpid" 2>/dev/null
		wait "$cpid" 2>/dev/null
		if wait_for 10 "churn to be empty" empty "$CG/churn" && rmdir "$CG/churn"; then
			echo "$(up) $n removed"
		else
			echo "$(up) $n rmdir-failed"
		fi
	done
) >"$O/churn.log" 2>&1 &
churner=$!
event "churn-started"

# 6b. The flash churn: up to FLASH_CYCLES cgroups under flash/ (a glob
# reclaimd follows, each with a trigger) within FLASH_SECONDS, each created
# and removed as fast as the guest goes (measured under TCG: 0.2 s a cycle
# without pressure, reclaimd running or not; 0.4 to 1.5 s under it, likely
# as a new memcg waits for shrinker_rwsem, which reclaim keeps taking). They
# stay empty (moving a task in and out cost seconds a cycle here; churn above
# has the workloads); eight names reused, so the same paths come back as new
# cgroups.
(
	n=0 ok=0
	end=$(awk -v u="$(up)" -v s="$FLASH_SECONDS" 'BEGIN { printf "%d", u + s }') now=0
	while [ "$n" -lt "$FLASH_CYCLES" ] && [ "$now" -lt "$end" ] && [ ! -e /tmp/churn.stop ]; do
		n=$((n + 1))
		d="$CG/flash/f$((n % 8))"
		# busybox-static: a fork and an exec that need no dynamic loading over 9p.
		if ! busybox mkdir "$d" 2>/dev/null; then
			echo "$(up) $n mkdir-failed"
			continue
		fi
		if busybox rmdir "$d" 2>/dev/null; then ok=$((ok + 1)); else echo "$(up) $n rmdir-failed"; fi
		if [ $((n % 10)) -eq 0 ]; then
			read -r now _ </proc/uptime
			now=${now%.*}
			[ $((n % 50)) -ne 0 ] || echo "$now at $n"
		fi
	done
	echo "$(up) done $n cycles $ok removed"
) >"$O/flash.log" 2>&1 &
flasher=$!
event "flash-started"

# 7. g2 goes away while rounds run.
if ! is_dead "$rpid"; then
	kill -KILL "$pid_g2"
	wait "$pid_g2" 2>/dev/null
	event "g2-killed"
	wait_for 20 "g2 to be empty" empty "$CG/g2" || die "g2 still populated after its workload was killed"
	rmdir "$CG/g2" || die "rmdir g2 failed"
	event "g2-removed"
	# g1 and g3 get REFILL_COLD MiB more each, written once: whatever the
	# rounds so far took (on 6.12 they had taken g1 and g3 down to their
	# soft limits before g2 was even removed), reclaim of them is owed
	# after g2 is gone, more than a round's target can take before the
	# round that follows the removal.
	start_in g1 g1-refill "$MEMHOG" --cold "$REFILL_COLD"
	pid_r1=$last_pid
	start_in g3 g3-refill "$MEMHOG" --cold "$REFILL_COLD"
	pid_r3=$last_pid
	gone_or_dead() { logged ' action=cgroup_gone cgroup=g2( |$)' || is_dead "$rpid"; }
	if ! wait_for "$GONE_DEADLINE" "reclaimd to log cgroup_gone for g2" gone_or_dead; then
		event "g2-gone-not-logged"
	elif is_dead "$rpid"; then
		event "reclaimd-died"
	else
		event "g2-gone-logged"
		if wait_for 30 "g1's refill" is_ready g1-refill && wait_for 30 "g3's refill" is_ready g3-refill; then
			event "g1-g3-refilled"
		fi
		# A reclaim of g1 or g3 logged after that line.
		after_gone() {
			awk '/ action=cgroup_gone cgroup=g2( |$)/ { g = 1; next }
				g && / action=reclaim cgroup=g[13] / { f = 1 } END { exit !f }' "$O/reclaimd.log" ||
				is_dead "$rpid"
		}
		if ! wait_for "$AFTER_DEADLINE" "a reclaim of g1 or g3 after g2 was gone" after_gone; then
			event "others-not-reclaimed-after"
		elif is_dead "$rpid"; then
			event "reclaimd-died"
		else
			event "others-reclaimed-after"
		fi
	fi
fi
wait_for "$FLASH_DEADLINE" "the flash churn to end" is_dead "$flasher" || event "flash-not-done"
event "flash-ended $(tail -n 1 "$O/flash.log")"
touch /tmp/churn.stop
wait_for 30 "the churn to stop" is_dead "$churner" || event "churn-not-stopped"
event "churn-stopped $(grep -c removed "$O/churn.log") cycles"

# 7b. churn twice more: created and armed, then removed with its trigger
# armed (the kernel then reports POLLERR|POLLPRI on it until reclaimd closes
# it), then created to stay: its trigger must be armed again on the new
# cgroup (at a tick), with nothing left open on the removed one.
armed_since() {
	awk -v t="$1" '$1 >= t && / action=armed scope=churn / { f = 1 } END { exit !f }' \
		"$O/reclaimd.log" || is_dead "$rpid"
}
gone_since() {
	awk -v t="$1" '$1 >= t && / action=cgroup_gone cgroup=churn / { f = 1 } END { exit !f }' \
		"$O/reclaimd.log" || is_dead "$rpid"
}
if ! is_dead "$rpid" && mkdir "$CG/churn" 2>/dev/null; then
	t_armed=$(up)
	start_in churn churn-armed "$MEMHOG" --cold "$CHURN_COLD"
	pid_churn=$last_pid
	if wait_for "$GONE_DEADLINE" "reclaimd to arm churn's trigger" armed_since "$t_armed" && ! is_dead "$rpid"; then
		kill -KILL "$pid_churn"
		wait "$pid_churn" 2>/dev/null
		wait_for 10 "churn to be empty" empty "$CG/churn" || die "churn still populated"
		t_lost=$(up)   # before the rmdir: reclaimd may hear of it at once
		rmdir "$CG/churn" || die "cannot remove churn"
		event "churn-armed-removed"
		if wait_for "$GONE_DEADLINE" "reclaimd to drop churn" gone_since "$t_lost" && ! is_dead "$rpid"; then
			event "churn-armed-gone"
		fi
	fi
fi
if ! is_dead "$rpid" && mkdir "$CG/churn" 2>/dev/null; then
	t_final=$(up)
	event "churn-final-created"
	start_in churn churn-final "$MEMHOG" --cold "$CHURN_COLD"
	pid_churn=$last_pid
	if wait_for "$GONE_DEADLINE" "reclaimd to arm churn's trigger again" armed_since "$t_final" &&
		! is_dead "$rpid"; then
		event "churn-rearmed"
	else
		event "churn-not-rearmed"
	fi
	ls -l "/proc/$rpid/fd" >"$O/fds-end" 2>&1
	# A descriptor on a removed cgroup's file reads as the same path as the
	# new cgroup's (kernfs does not mark it deleted): compare inodes. Two
	# stat(1) for all of them, not three programs a descriptor: the hog
	# still thrashes, and in CI each exec took a second there (33
	# descriptors ran the scenario past its timeout).
	awk '$(NF-1) == "->" && $NF ~ /^\/sys\/fs\/cgroup\// { print $(NF-2), $NF }' \
		"$O/fds-end" >"$O/fds-cg"
	{
		# shellcheck disable=SC2046 # the lists are meant to split
		stat -L -c 'fd %n %i' $(awk -v p="/proc/$rpid/fd/" '{ print p $1 }' "$O/fds-cg")
		# shellcheck disable=SC2046
		stat -c 'path %n %i' $(awk '{ print $2 }' "$O/fds-cg")
	} 2>/dev/null | awk -v list="$O/fds-cg" '
		$1 == "fd" { sub(/.*\//, "", $2); fd_ino[$2] = $3; next }
		$1 == "path" { path_ino[$2] = $3 }
		END {
			while ((getline l < list) > 0) {
				split(l, w, " ")
				# closed since ls(1): no longer held
				if (!(w[1] in fd_ino))
					continue
				if (!(w[2] in path_ino) || path_ino[w[2]] != fd_ino[w[1]])
					print w[1] " -> " w[2]
			}
		}' >"$O/fds-stale"
fi
event "end"

# 8. Collect and stop.
record_alive "g1 $pid_g1" "g3 $pid_g3" "hog $pid_hog"
stop_reclaimd
stop_watchers
kill "$pid_hog" "$pid_g1" "$pid_g3" ${pid_churn:+"$pid_churn"} ${pid_r1:+"$pid_r1"} ${pid_r3:+"$pid_r3"} 2>/dev/null
rm -f /tmp/g2.shm
cat /proc/pressure/memory >"$O/pressure-end"
event "collected"
exit 0
