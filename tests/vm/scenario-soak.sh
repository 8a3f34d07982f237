# shellcheck shell=sh disable=SC2317 # functions called through wait_for
# Guest side of test-soak.sh (run by vm_run inside the VM, cwd /out).
#
# A long run of randomly varying workloads under reclaimd, all in
# /sys/fs/cgroup/soak (memory.min 64M there, so that the children's
# memory.min protects them from global reclaim too):
#   s1..s6  memhog --cold C --hot H, restarted every 20-90 s with new random
#           sizes; soft limits 16M..48M (two of them differ between configs)
#   m1      memory.min 32M, soft_limit 24M: phases above its memory.min
#           (a cgroup reclaimd may take to its memory.min and no further)
#           and phases under both
#   m2      memory.min 24M, soft_limit 48M, random sizes 16-72 MiB
#   l1      mlockall'd memory (nothing reclaimable: rounds escalate to
#           memory.high clamps), soft_limit 16M, original memory.high 512M
#           (not max: the restore must bring back that exact value); phases
#           of 32-48 MiB and of 4-10 MiB (under its soft limit)
#   l2      mlockall'd, soft_limit 24M, random sizes 12-48 MiB
#   d-N     created and removed all the time (at most 3 at once, 10-60 s
#           each), matched by the glob section [cgroup soak/d-*] with a
#           trigger of its own: reclaimd follows them as they come and go
# and, outside soak and not managed, hog: memhog --hot 96-192 MiB in
# memory.max 64M, on for 20-60 s and off for 10-30 s, thrashing against
# zram inside its limit: the memory pressure that starts reclaimd's rounds.
#
# Every RELOAD_EVERY s reclaimd gets SIGHUP: the configuration alternates
# between A and B (other soft limits, round target, triggers, s5 falling to
# the catch-all glob), and every third reload is a broken file, which it
# must refuse and keep running on the old one.  Once, at a random time in
# 30-45 % of the run (after waiting up to KILL_CLAMP_WAIT s for a clamp to
# be in place), reclaimd is killed with SIGKILL and started again with the
# same --state-file; it must put back the memory.high values the killed one
# left lowered.  At the end reclaimd gets SIGTERM with everything running.
#
# Everything is planned up front from SOAK_SEED (schedule, below), so a
# failing run can be replayed with the same seed and duration.
#
# Written to /out for the host-side judge:
#   schedule        the plan: "SECOND ACTION ARGS..." (see plan())
#   reclaimd-A.conf reclaimd-B.conf reclaimd-broken.conf  the configurations
#   reclaimd.log, reclaimd2.log  each instance's stderr, lines prefixed with
#                   the guest's uptime
#   reclaimd.exit   the first instance's status (137 after the SIGKILL; "died
#                   RC" if it ended by itself); reclaimd2.exit the second's
#                   after SIGTERM ("running" if it had not exited 30 s later)
#   samples.tsv     "t cgroup memory.current memory.min memory.high pgsteal"
#                   for every cgroup under soak (pgsteal from memory.stat:
#                   pages reclaimed from it, by whoever), plus "t -hog
#                   current" and "t -psi some_total_us" (t: guest uptime;
#                   about one round a second)
#   proc.tsv        "t instance pid VmRSS_kB fd_count" every PROC_S s
#   fds.tsv         "t instance fd target" for each fd of reclaimd, every PROC_S s
#   high-start      "cgroup memory.high" of each static cgroup before reclaimd
#                   started (the dynamic ones are created with max)
#   high-after-kill, high-before-restart, high-after-restart, high-end
#                   every soak cgroup's memory.high at those moments
#   state-after-kill the state file as the killed reclaimd left it
#   events          uptime-stamped milestones (wl-stop/wl-start NAME ...,
#                   dyn-removing/dyn-removed NAME, reload-sent KIND,
#                   config-fixed KIND after a broken one was refused, ...)
#   GROUP.out       the latest workload output of each cgroup
#
: "${SOAK_SECONDS:=600}" "${SOAK_SEED:=1}" "${RELOAD_EVERY:=60}"
: "${KILL_CLAMP_WAIT:=60}"   # s to wait for a clamp to be in place before the SIGKILL
: "${RESTORE_DEADLINE:=20}"  # s from the restart for the lowered memory.high values to be back
: "${SAMPLE_S:=0.5}"         # sampling period of the cgroups (about 1 s in practice under TCG)
: "${PROC_S:=2}"             # sampling period of reclaimd's VmRSS and descriptors
: "${HOG_MAX:=64}"

CG=/sys/fs/cgroup
S=$CG/soak
O=${VM_OUT:-/out}
STATE=/run/reclaimd-test/state
CONF=/tmp/reclaimd.conf
STATICS="s1 s2 s3 s4 s5 s6 m1 m2 l1 l2"

# up, event, die, wait_for, is_dead, is_ready, start_reclaimd,
# stop_reclaimd, start_sampler, stat_value, empty: shared with the other scenarios.
# shellcheck source=tests/vm/guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"
high_of() { hv=; { read -r hv <"$S/$1/memory.high"; } 2>/dev/null; echo "${hv:-gone}"; }
# "name memory.high" of every cgroup under soak.
snapshot_high() {
	for d in "$S"/*/; do
		n=${d%/}
		n=${n##*/}
		echo "$n $(high_of "$n")"
	done
}

# ---------------------------------------------------------------- the plan
# One line per action, "SECOND SEQ ACTION ARGS", sorted; SEQ keeps the order
# of lines planned for the same second.  Actions:
#   wl NAME COLD HOT LOCK   (re)start NAME's workload (LOCK: - or mlockall)
#   hog-on HOT, hog-off     the pressure
#   dyn-add NAME COLD HOT, dyn-rm NAME
#   reload A|B|broken       write that configuration and send SIGHUP
#   kill                    SIGKILL and restart with the same --state-file
# Lines at second 0 are the workloads started before reclaimd.
plan() {
	awk -v seed="$SOAK_SEED" -v D="$SOAK_SECONDS" -v R="$RELOAD_EVERY" '
	function ri(a, b) { return a + int(rand() * (b - a + 1)) }
	function emit(t, s) { if (t < D) printf "%d %d %s\n", t, ++n, s }
	# Alternating phases of a workload: high sizes, then low, from 0 to D;
	# with forcehigh, no low phase between kill-45 and kill+5.
	function phases(name, hlo, hhi, llo, lhi, hot, lock, forcehigh,   t, e, hi) {
		t = 0; hi = 1
		while (t < D) {
			if (forcehigh && !hi && t >= kill - 45 && t < kill + 5) t = kill + 5
			emit(t, "wl " name " " (hi ? ri(hlo, hhi) : ri(llo, lhi)) " " hot " " lock)
			e = t + ri(30, 90)
			if (forcehigh && !hi && t < kill - 45 && e > kill - 45) e = kill - 45
			t = e; hi = !hi
		}
	}
	BEGIN {
		srand(seed)
		kill = int(D * (30 + rand() * 15) / 100)
		for (i = 1; i <= 6; i++)
			for (t = 0; t < D; t += ri(20, 90))
				emit(t, "wl s" i " " ri(4, 64) " " ri(1, 4) " -")
		phases("m1", 44, 56, 8, 16, 2, "-", 0)
		for (t = 0; t < D; t += ri(40, 120))
			emit(t, "wl m2 " ri(16, 72) " 2 -")
		phases("l1", 32, 48, 4, 10, 0, "mlockall", 1)
		for (t = 0; t < D; t += ri(40, 120))
			emit(t, "wl l2 " ri(12, 48) " 0 mlockall")
		for (t = ri(5, 15); t < D; ) {
			emit(t, "hog-on " ri(96, 192))
			t += ri(20, 60)
			emit(t, "hog-off")
			t += ri(10, 30)
		}
		k = 0
		for (t = ri(3, 10); t < D - 5; t += ri(5, 20)) {
			alive = 0
			for (j in dend) if (dend[j] > t) alive++
			if (alive >= 3) continue
			k++
			dend[k] = t + ri(10, 60)
			emit(t, "dyn-add d-" k " " ri(4, 32) " " ri(1, 2))
			emit(dend[k], "dyn-rm d-" k)
		}
		for (t = R; t < D - 5; t += R) {
			j3 = ++nr % 3
			emit(t, "reload " (j3 == 1 ? "B" : j3 == 2 ? "A" : "broken"))
		}
		emit(kill, "kill")
	}' | sort -k1,1n -k2,2n
}

# ---------------------------------------------------------------- configs
write_config() {
	case $1 in
	A) s2=16M s5="[cgroup soak/s5]
soft_limit = 24M" rt=32M dtrig="some 150ms 1s" ;;
	B | broken) s2=40M s5="; s5 falls to the catch-all glob soak/* (32M)" rt=16M dtrig="some 200ms 2s" ;;
	esac
	bad=
	[ "$1" = broken ] && bad="
bogus_key = 1"
	cat <<EOF
# reclaimd VM test: soak scenario, configuration $1
[pressure]
trigger = some 150ms 1s

$CAPPED_HOG_BALANCE

[reclaim]
release_interval = 1s
backoff = 1s
backoff_max = 4s
round_target = $rt

[cgroup soak/s1]
soft_limit = 16M

[cgroup soak/s2]
soft_limit = $s2$bad

[cgroup soak/s3]
soft_limit = 24M

[cgroup soak/s4]
soft_limit = 32M

$s5

[cgroup soak/s6]
soft_limit = 48M

[cgroup soak/m1]
soft_limit = 24M

[cgroup soak/m2]
soft_limit = 48M

[cgroup soak/l1]
soft_limit = 16M

[cgroup soak/l2]
soft_limit = 24M

[cgroup soak/d-*]
soft_limit = 8M
trigger = $dtrig

[cgroup soak/*]
soft_limit = 32M
EOF
}

# ---------------------------------------------------------------- workloads
# wl_stop NAME: end NAME's workload (soak/NAME, or hog) and wait for it.
wl_stop() {
	ws_pid=$(cat "/tmp/pid.$1" 2>/dev/null)
	[ -n "$ws_pid" ] || return 0
	event "wl-stop $1"
	kill -KILL "$ws_pid" 2>/dev/null
	wait "$ws_pid" 2>/dev/null
	rm -f "/tmp/pid.$1"
}
# wl_start DIR NAME COLD HOT LOCK: start memhog in cgroup DIR, output to NAME.out.
wl_start() {
	ws_args="--cold $3"
	# The hog thrashes without a pause; the others touch their hot part 5 times a second.
	if [ "$2" = hog ]; then
		ws_args="$ws_args --hot $4"
	elif [ "$4" -gt 0 ]; then
		ws_args="$ws_args --hot $4 --pause-ms 200"
	fi
	[ "$5" = mlockall ] && ws_args="$ws_args --mlockall"
	# shellcheck disable=SC2086 # ws_args is a list of options
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$1" "$MEMHOG_COPY" $ws_args \
		</dev/null >"$O/$2.out" 2>&1 3<&- &
	echo "$!" >"/tmp/pid.$2"
	event "wl-start $2 $3 $4 $5"
}
hog_on() {
	wl_stop hog
	wl_start "$CG/hog" hog 0 "$1" -
}
dyn_add() {
	if ! mkdir "$S/$1"; then
		event "dyn-mkdir-failed $1"
		return
	fi
	event "dyn-added $1"
	wl_start "$S/$1" "$1" "$2" "$3" -
}
dyn_rm() {
	[ -d "$S/$1" ] || return 0
	event "dyn-removing $1"
	wl_stop "$1"
	if wait_for 10 "$1 to be empty" empty "$S/$1" && rmdir "$S/$1"; then
		event "dyn-removed $1"
	else
		event "dyn-rm-failed $1"
	fi
}

# ---------------------------------------------------------------- reclaimd
# start_reclaimd and stop_reclaimd (guest-lib.sh) with the soak's
# configuration and state file, and its own waits: 30 s, for a guest busy
# with a thrashing hog.
START_WAIT=30 STOP_WAIT=30
# soak_start NAME: start_reclaimd NAME (fd 3, the plan being read, is not
# reclaimd's); its pid for the process sampler, its log stamper for the end.
soak_start() {
	start_reclaimd "$1" --config "$CONF" --state-file "$STATE" 3<&-
	ss_rc=$?
	stampers="${stampers:-} $stamper"
	echo "$rname $rpid" >/tmp/rpid
	return "$ss_rc"
}
# soak_stop: stop_reclaimd, with the events sigterm NAME (the judge ends the
# instance's life there) and NAME-exited STATUS.
soak_stop() {
	if [ -n "${rpid:-}" ] && [ ! -f "$O/$rname.exit" ] && ! is_dead "$rpid"; then
		event "sigterm $rname"
	fi
	stop_reclaimd
	[ -f "$O/$rname.exit" ] && event "$rname-exited $(cat "$O/$rname.exit")"
}
refusals() { grep -c ' action=reload .*result=refused' "$O/$rname.log" 2>/dev/null; }
# reload A|B|broken: write that configuration and send SIGHUP.  A broken one
# is replaced by the last good one once reclaimd has refused it (or after
# 20 s), as an operator would fix it, so that the restart after the SIGKILL
# has a valid file.
reload() {
	rl_refused=$(refusals)
	write_config "$1" >"$CONF.new" && mv "$CONF.new" "$CONF"
	event "reload-sent $1"
	kill -HUP "$rpid"
	if [ "$1" = broken ]; then
		more_refused() { [ "$(refusals)" -gt "$rl_refused" ] || is_dead "$rpid"; }
		wait_for 20 "reclaimd to refuse the broken configuration" more_refused ||
			event "refusal-not-seen"
		write_config "$good_conf" >"$CONF.new" && mv "$CONF.new" "$CONF"
		event "config-fixed $good_conf"
	else
		good_conf=$1
	fi
}
# Any static cgroup's memory.high below its value at the start.
clamp_present() {
	while read -r n h0; do
		h=$(high_of "$n")
		[ "$h" != "$h0" ] && [ "$h" != gone ] && return 0
	done <"$O/high-start"
	return 1
}
# orig_of NAME: sets oo to memory.high of NAME at the start (max for the
# dynamic ones); builtins only, a fork costs much under TCG.
orig_of() {
	oo=max
	while read -r oo_n oo_h; do
		[ "$oo_n" = "$1" ] && oo=$oo_h
	done <"$O/high-start"
}
restored_all() {
	while read -r n h; do
		orig_of "$n"
		[ "$h" = "$oo" ] && continue
		h1=$(high_of "$n")
		[ "$h1" = "$oo" ] || [ "$h1" = gone ] || return 1
	done <"$O/high-after-kill"
	return 0
}
# The SIGKILL and the restart with the same --state-file.
kill_and_restart() {
	event "kill-requested"
	[ -f /tmp/pid.hog ] || hog_on 160
	clamp_or_dead() { clamp_present || is_dead "$rpid"; }
	if wait_for "$KILL_CLAMP_WAIT" "a memory.high to be lowered" clamp_or_dead && clamp_present; then
		event "clamp-present-at-kill"
	else
		event "no-clamp-at-kill"
	fi
	is_dead "$rpid" && return 1
	kill -KILL "$rpid"
	wait_for 10 "reclaimd to die of SIGKILL" is_dead "$rpid"
	wait "$rpid"
	echo "$?" >"$O/reclaimd.exit"
	snapshot_high >"$O/high-after-kill"
	event "reclaimd-killed"
	cp "$STATE" "$O/state-after-kill" 2>/dev/null || echo "(no state file at $STATE)" >"$O/state-after-kill"
	wl_stop hog
	event "hog-off"
	sleep 1
	snapshot_high >"$O/high-before-restart"
	soak_start reclaimd2 || return 1
	snapshot_high >"$O/high-after-restart"
	if wait_for "$RESTORE_DEADLINE" "the lowered memory.high values to be back" restored_all; then
		event "restored-after-restart"
	else
		event "restore-not-seen"
	fi
}

# ---------------------------------------------------------------- setup
: >"$O/events"
plan >"$O/schedule"
event "seed $SOAK_SEED seconds $SOAK_SECONDS reload-every $RELOAD_EVERY"
mkdir "$S" "$CG/hog" || die "cannot create the cgroups soak and hog"
echo +memory >"$S/cgroup.subtree_control" || die "cannot enable the memory controller in soak"
echo 64M >"$S/memory.min" || die "cannot set soak's memory.min"
echo "${HOG_MAX}M" >"$CG/hog/memory.max" || die "cannot set hog's memory.max"
for g in $STATICS; do
	mkdir "$S/$g" || die "cannot create cgroup soak/$g"
done
echo 32M >"$S/m1/memory.min" || die "cannot set m1's memory.min"
echo 24M >"$S/m2/memory.min" || die "cannot set m2's memory.min"
echo 512M >"$S/l1/memory.high" || die "cannot set l1's memory.high"
for c in A B broken; do write_config "$c" >"$O/reclaimd-$c.conf"; done
cp "$O/reclaimd-A.conf" "$CONF"
good_conf=A
# Private copies of the programs: the build tree may be rebuilt during a
# long run.  start_reclaimd runs $RECLAIMD: the copy from here on.
RECLAIMD_COPY=/tmp/soak-reclaimd MEMHOG_COPY=/tmp/soak-memhog
cp "$RECLAIMD" "$RECLAIMD_COPY" || die "cannot copy $RECLAIMD"
cp "$MEMHOG" "$MEMHOG_COPY" || die "cannot copy $MEMHOG"
RECLAIMD=$RECLAIMD_COPY
mkdir -p "${STATE%/*}"

# The workloads of second 0, before reclaimd.
awk '$1 == 0 && $3 == "wl"' "$O/schedule" >/tmp/initial
while read -r _ _ _ n c h l; do
	wl_start "$S/$n" "$n" "$c" "$h" "$l"
done </tmp/initial
for g in $STATICS; do
	wait_for 60 "$g's memhog to be ready" is_ready "$g" || die "$g's workload not ready: $(cat "$O/$g.out")"
done
grep -q 'mlock=' "$O/l1.out" || die "l1's memhog did not lock its memory"
for g in $STATICS; do echo "$g $(high_of "$g")"; done >"$O/high-start"
event "workloads-ready"

# The samplers: the cgroups (about every second), reclaimd (every PROC_S s).
# sample T: the lines of samples.tsv at uptime T (cgroups come and go: one
# that cannot be read is left out).
sample() {
	for d in "$S"/*/; do
		n=${d%/}
		n=${n##*/}
		c="" m="" h=""
		{ read -r c <"$d/memory.current" && read -r m <"$d/memory.min" &&
			read -r h <"$d/memory.high"; } 2>/dev/null || continue
		# What reclaim took, so that the judge can tell it from what the workload let go.
		stat_value "$d/memory.stat" pgsteal 2>/dev/null
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$n" "$c" "$m" "$h" "$sv"
	done
	read -r c <"$CG/hog/memory.current"
	read -r _ _ _ _ ps </proc/pressure/memory
	printf '%s\t-hog\t%s\t0\tmax\n%s\t-psi\t%s\t0\tmax\n' "$1" "$c" "$1" "${ps#total=}"
}
start_sampler sample 2>/dev/null
(
	while :; do
		if read -r inst pid </tmp/rpid 2>/dev/null && [ -d "/proc/$pid/fd" ]; then
			read -r t _ </proc/uptime
			rss=
			while read -r k v _; do
				[ "$k" = VmRSS: ] && rss=$v
			done <"/proc/$pid/status"
			find "/proc/$pid/fd" -mindepth 1 -printf "$t\t$inst\t%f\t%l\n" >/tmp/fds 2>/dev/null
			nfd=$(wc -l </tmp/fds)
			[ -n "$rss" ] && printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$inst" "$pid" "$rss" "$nfd" >>"$O/proc.tsv"
			cat /tmp/fds >>"$O/fds.tsv"
		fi
		sleep "$PROC_S"
	done
) 2>/dev/null &
procsampler=$!

collect_and_exit() {
	event "soak-end"
	soak_stop
	snapshot_high >"$O/high-end"
	for p in "$sampler" "$procsampler"; do kill "$p" 2>/dev/null; done
	for s in $stampers; do
		wait_for 5 "a log stamper to finish" is_dead "$s"
	done
	for f in /tmp/pid.*; do
		[ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
	done
	cat /proc/pressure/memory >"$O/pressure-end"
	cat /sys/block/zram0/mm_stat >"$O/zram-mm_stat"
	event "collected"
	exit 0
}

soak_start reclaimd || collect_and_exit

# ---------------------------------------------------------------- the soak
t0=$(date +%s)
event "soak-start"
awk '!($1 == 0 && $3 == "wl")' "$O/schedule" >/tmp/rest
while read -r at _ act a b c d <&3; do
	until [ "$(date +%s)" -ge $((t0 + at)) ]; do sleep 0.2; done
	if is_dead "$rpid"; then
		event "$rname-died"
		break
	fi
	case $act in
	wl)
		wl_stop "$a"
		wl_start "$S/$a" "$a" "$b" "$c" "$d"
		;;
	hog-on) hog_on "$a" ;;
	hog-off) wl_stop hog ;;
	dyn-add) dyn_add "$a" "$b" "$c" ;;
	dyn-rm) dyn_rm "$a" ;;
	reload) reload "$a" ;;
	kill)
		# The plan goes on where it was: its clock stops while this runs.
		ks=$(date +%s)
		kill_and_restart || break
		t0=$((t0 + $(date +%s) - ks))
		event "plan-resumed"
		;;
	esac
done 3</tmp/rest
until [ "$(date +%s)" -ge $((t0 + SOAK_SECONDS)) ] || is_dead "$rpid"; do sleep 0.5; done
collect_and_exit
