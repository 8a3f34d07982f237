# shellcheck shell=sh disable=SC2317,SC2034 # functions called through wait_for; variables for the scenarios
# tests/vm/guest-lib.sh -- helpers shared by the guest-side scenarios
# (scenario-*.sh), which source it from their own folder (bind-mounted in
# the guest at its host path):
#
#   . "$(dirname "$0")/guest-lib.sh"
#
# ($vm_dir names that folder too, except under test-systemd.sh, which points
# it at a folder of its own guest init.)  Reads CG, O (set here when unset),
# RECLAIMD, MEMHOG, PSIWATCH; WF_POLL is wait_for's polling period (default 0.1 s);
# START_WAIT and STOP_WAIT how long start_reclaimd and stop_reclaimd wait
# (default 20 and 10 s).

: "${CG:=/sys/fs/cgroup}"
: "${O:=${VM_OUT:-/out}}"
MiB=1048576

# For the scenarios whose pressure comes from a hog inside its own
# memory.max: the machine is never short by the kernel's watermarks then, so
# reclaimd's system rounds would not run (v1's soft limits acted only when
# the whole machine was short). Half the memory as a reserve makes reclaimd
# count the machine as short, and the balancer is kept from trimming, so
# that the triggered rounds these scenarios test are what acts;
# test-machinewide.sh tests a real shortage and the balancer.
CAPPED_HOG_BALANCE='[balance]
reserve = 50%
trim = no'

up() { read -r u _ </proc/uptime; echo "$u"; }
event() { echo "$(up) $*" >>"$O/events"; echo "scenario: $*"; }
die() { event "setup-failed $*"; echo "scenario: FAILED: $*" >&2; exit 1; }

# wait_for SECONDS DESCRIPTION COMMAND...: poll COMMAND every WF_POLL s
# (default 0.1) until it succeeds; return 1 after SECONDS.
wait_for() {
	wf_limit=$1 wf_what=$2
	shift 2
	wf_end=$(($(date +%s) + wf_limit))
	until "$@"; do
		if [ "$(date +%s)" -ge "$wf_end" ]; then
			echo "scenario: timed out after ${wf_limit}s waiting for $wf_what" >&2
			return 1
		fi
		sleep "${WF_POLL:-0.1}"
	done
}

# start_in GROUP NAME COMMAND...: run COMMAND in cgroup GROUP, output to
# /out/NAME.out; its pid in last_pid.
start_in() {
	si_g=$1 si_o=$2
	shift 2
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG/$si_g" "$@" >"$O/$si_o.out" 2>&1 &
	last_pid=$!
}
is_ready() { grep -q '^memhog: ready' "$O/$1.out" 2>/dev/null; }

# write_config: the configuration on stdin into /out/reclaimd.conf (for the
# judge) and /tmp/reclaimd.conf (for reclaimd).
write_config() { cat >"$O/reclaimd.conf" && cp "$O/reclaimd.conf" /tmp/reclaimd.conf; }

# start_workload NAME GROUP MEMHOG-ARG...: memhog MEMHOG-ARG... in cgroup
# GROUP, output /out/NAME.out, its pid in pid_NAME; NAME joins workloads,
# which await_workloads and stop_workloads go through.
start_workload() {
	sw_name=$1 sw_group=$2
	shift 2
	start_in "$sw_group" "$sw_name" "$MEMHOG" "$@"
	eval "pid_$sw_name=\$last_pid"
	workloads="${workloads:-} $sw_name"
}
# await_workloads: wait (up to 60 s each) until every workload is ready.
await_workloads() {
	for aw in $workloads; do
		wait_for 60 "$aw's memhog to be ready" is_ready "$aw" ||
			die "$aw's workload not ready: $(tail -n 3 "$O/$aw.out" 2>/dev/null)"
	done
}
# sample_row UPTIME "GROUP..." "STEAL-GROUP...": prints one line of samples:
# UPTIME, memory.current of each GROUP, the system's PSI some total (us), and
# the pgsteal of each STEAL-GROUP, tab-separated (builtins only: under TCG a
# fork a second costs).
sample_row() {
	sr_line=$1
	for sr_g in $2; do
		read -r sr_v <"$CG/$sr_g/memory.current"
		sr_line="$sr_line	$sr_v"
	done
	read -r _ _ _ _ sr_s </proc/pressure/memory
	sr_line="$sr_line	${sr_s#total=}"
	for sr_g in $3; do
		stat_value "$CG/$sr_g/memory.stat" pgsteal
		sr_line="$sr_line	$sv"
	done
	printf '%s\n' "$sr_line"
}

# stop_workloads: SIGTERM every workload and wait (up to 10 s) until it is gone.
stop_workloads() {
	sw_pid=
	for sw in $workloads; do
		eval "sw_pid=\$pid_$sw"
		kill "$sw_pid" 2>/dev/null
		wait_for 10 "$sw's memhog to exit" is_dead "$sw_pid"
	done
}
# Gone, or a zombie not yet reaped by this shell.
is_dead() {
	id_st=
	{ read -r _ _ id_st _ <"/proc/$1/stat"; } 2>/dev/null || return 0
	[ "$id_st" = Z ]
}
# empty DIR: no task in the cgroup at DIR (cgroup.events), so rmdir may go.
empty() {
	while read -r em_k em_v; do
		[ "$em_k" = populated ] && [ "$em_v" = 1 ] && return 1
	done <"$1/cgroup.events"
	return 0
}
# stat_value MEMORY.STAT KEY: sets sv to KEY's value in MEMORY.STAT, empty
# when it is not there.  Builtins only, for samplers that run every second:
# a fork costs much under TCG.
stat_value() {
	sv=
	while read -r sv_k sv_v; do
		if [ "$sv_k" = "$2" ]; then
			sv=$sv_v
			return
		fi
	done <"$1"
}
# pgsteal_of MEMORY.STAT: its pgsteal (pages reclaimed, by anyone).
pgsteal_of() {
	stat_value "$1" pgsteal
	[ -z "$sv" ] || echo "$sv"
}

# start_psiwatch TIMEOUT [ARG...]: an independent PSI watcher (psiwatch ARG...,
# by default --trigger "some 150000 1000000" on /proc/pressure/memory;
# --count 3) with its output in /out/psiwatch.out; sets psipid and waits
# until it is armed.
start_psiwatch() {
	sp_timeout=$1
	shift
	[ $# -gt 0 ] || set -- --trigger "some 150000 1000000"
	"$PSIWATCH" "$@" --count 3 --timeout "$sp_timeout" >"$O/psiwatch.out" 2>&1 &
	psipid=$!
	wait_for 10 "psiwatch to arm" grep -q armed "$O/psiwatch.out" || die "psiwatch did not arm"
}

# spawn_reclaimd NAME ARG...: "$RECLAIMD" ARG... with its stderr stamped
# with the guest's uptime as it arrives into /out/NAME.log; sets rpid, rname
# and stamper, and writes the pid to /out/NAME.pid.  With RECLAIMD_PRELOAD
# set, reclaimd alone runs with it as LD_PRELOAD.
spawn_reclaimd() {
	rname=$1
	shift
	sr_fifo=/tmp/$rname.fifo
	rm -f "$sr_fifo"
	mkfifo "$sr_fifo" || die "mkfifo $sr_fifo"
	(
		while IFS= read -r line; do
			read -r t _ </proc/uptime
			printf '%s %s\n' "$t" "$line"
		done <"$sr_fifo" >"$O/$rname.log"
	) &
	stamper=$!
	if [ -n "${RECLAIMD_PRELOAD:-}" ]; then
		env LD_PRELOAD="$RECLAIMD_PRELOAD" "$RECLAIMD" "$@" 2>"$sr_fifo" &
	else
		"$RECLAIMD" "$@" 2>"$sr_fifo" &
	fi
	rpid=$!
	echo "$rpid" >"$O/$rname.pid"
}
started_or_dead() { grep -q ' action=started ' "$O/$1.log" 2>/dev/null || is_dead "$2"; }

# start_reclaimd NAME ARG...: spawn_reclaimd NAME ARG..., then wait (up to
# START_WAIT s) until it logs action=started (its triggers are armed then);
# events NAME-started, NAME-start-not-logged or NAME-died-at-start.  Returns
# 1 if it did not start (when it died, its status is in /out/NAME.exit as
# "died RC").
start_reclaimd() {
	spawn_reclaimd "$@"
	if ! wait_for "${START_WAIT:-20}" "$rname to log action=started" started_or_dead "$rname" "$rpid"; then
		event "$rname-start-not-logged"
		return 1
	fi
	if is_dead "$rpid"; then
		wait "$rpid"
		echo "died $?" >"$O/$rname.exit"
		event "$rname-died-at-start"
		return 1
	fi
	event "$rname-started"
}

# stop_reclaimd: SIGTERM the running reclaimd (unless its status is already
# recorded) and record how it ended in /out/$rname.exit: its exit status,
# "died RC" if it had exited on its own, "running" if it had not exited
# STOP_WAIT s after SIGTERM (it is then killed).
stop_reclaimd() {
	[ -n "${rpid:-}" ] && [ ! -f "$O/$rname.exit" ] || return 0
	if is_dead "$rpid"; then
		wait "$rpid"
		echo "died $?" >"$O/$rname.exit"
		return 0
	fi
	kill -TERM "$rpid"
	if wait_for "${STOP_WAIT:-10}" "$rname to exit after SIGTERM" is_dead "$rpid"; then
		wait "$rpid"
		echo "$?" >"$O/$rname.exit"
	else
		echo running >"$O/$rname.exit"
		kill -KILL "$rpid"
	fi
}

# start_sampler FUNCTION: every SAMPLE_S s, `FUNCTION UPTIME` prints a line
# of /out/samples.tsv (UPTIME: the guest's, when the sample is taken); sets
# sampler.
start_sampler() {
	(
		while :; do
			read -r ss_t _ </proc/uptime
			"$1" "$ss_t"
			sleep "$SAMPLE_S"
		done
	) >"$O/samples.tsv" &
	sampler=$!
}

# start_hog GROUP NAME EVENT: memhog --hot HOG_HOT in cgroup GROUP (output
# /out/NAME.out), its pid in pid_hog; then event EVENT.
start_hog() {
	start_in "$1" "$2" "$MEMHOG" --hot "$HOG_HOT" --stats-every 5
	pid_hog=$last_pid
	event "$3"
}

# hog_report GROUP NAME: what the kernel says of the hog ($pid_hog, output
# /out/NAME.out) in cgroup GROUP and of the machine's pressure, for a judge
# to print when the hog made none: its state and wait channel, its cgroup's
# memory.current, memory.max, memory.events, memory.pressure and the
# memory.stat lines of faults, swap and refaults, and /proc/pressure/memory.
hog_report() {
	echo "uptime $(cut -d' ' -f1 /proc/uptime)"
	grep -E '^(State|VmRSS|VmSwap):' "/proc/$pid_hog/status" 2>/dev/null || echo "hog $pid_hog: no /proc entry"
	echo "wchan $(cat "/proc/$pid_hog/wchan" 2>/dev/null)"
	for hr_f in memory.current memory.max memory.swap.current; do
		echo "$hr_f $(cat "$CG/$1/$hr_f" 2>/dev/null)"
	done
	sed 's/^/memory.events /' "$CG/$1/memory.events" 2>/dev/null
	sed 's/^/memory.pressure /' "$CG/$1/memory.pressure" 2>/dev/null
	grep -E '^(anon|pgfault|pgmajfault|pswpin|pswpout|pgscan|pgsteal|workingset_refault_anon) ' \
		"$CG/$1/memory.stat" 2>/dev/null | sed 's/^/memory.stat /'
	sed 's/^/proc.pressure.memory /' /proc/pressure/memory
	tail -n 3 "$O/$2.out" 2>/dev/null | sed 's/^/hog output: /'
}

# await_hog_pressure GROUP NAME DEADLINE: wait up to DEADLINE s for psiwatch
# (start_psiwatch) to see the first stall of the hog started with start_hog
# GROUP NAME. A hog thrashing under its own memory.max stalls the guest
# within a second or two; once (CI, 7.3) one ran 40 s without a stall
# psiwatch saw, for a reason its output did not show. Then hog_report goes
# to /out/hog-no-pressure, event hog-no-pressure, and the hog is started
# again, once (output /out/NAME-2.out, event hog-restarted): a judge notes
# it and goes on from there.
await_hog_pressure() {
	psi_fired() { grep -q '^psiwatch: event 1 ' "$O/psiwatch.out" 2>/dev/null; }
	wait_for "$3" "the hog to stall the machine" psi_fired && return 0
	hog_report "$1" "$2" >"$O/hog-no-pressure" 2>&1
	event "hog-no-pressure"
	kill "$pid_hog" 2>/dev/null
	wait "$pid_hog" 2>/dev/null
	start_hog "$1" "$2-2" hog-restarted
}

# await_or_death DEADLINE DESCRIPTION PREDICATE OK_EVENT LATE_EVENT: wait up to
# DEADLINE s for PREDICATE or for reclaimd ($rpid) to die; event OK_EVENT if
# PREDICATE holds then, LATE_EVENT after the deadline, else reclaimd-died.
await_or_death() {
	ad_pred=$3
	if ! wait_for "$1" "$2" pred_or_dead; then
		event "$5"
	elif "$ad_pred"; then
		event "$4"
	else
		event "reclaimd-died"
	fi
}
pred_or_dead() { "$ad_pred" || is_dead "$rpid"; }

# settle_and_end: unless reclaimd has died, keep watching SETTLE s more (an
# observation window, not a wait for an event); then event end.
settle_and_end() {
	if ! is_dead "$rpid"; then
		sleep "$SETTLE"
	fi
	event "end"
}

# record_alive "NAME PID"...: /out/alive-NAME: "yes" if PID still runs, else "no".
record_alive() {
	for ra_gp in "$@"; do
		if is_dead "${ra_gp#* }"; then echo no; else echo yes; fi >"$O/alive-${ra_gp%% *}"
	done
}

# stop_watchers: stop the sampler and psiwatch; wait for the log stamper.
stop_watchers() {
	kill "$sampler" "$psipid" 2>/dev/null
	wait_for 5 "the log stamper to finish" is_dead "$stamper"
}

# start_tapped_reclaimd: reclaimd on /tmp/reclaimd.conf with
# tests/vm/reclaimtap.so (RECLAIMTAP_SO) preloaded, recording its
# memory.reclaim writes and log lines into /out/tap (start_reclaimd); dies
# if it does not start.  --debug: a step's line also when it is said at
# debug level (one that freed nothing in a streak of such rounds, a repeated
# error), so that the judge gives each write in the tap to its own step.
start_tapped_reclaimd() {
	[ -r "${RECLAIMTAP_SO:-}" ] || die "RECLAIMTAP_SO (tests/vm/reclaimtap.so) not readable: '${RECLAIMTAP_SO:-}'"
	export RECLAIMTAP="$O/tap"
	: >"$RECLAIMTAP"
	RECLAIMD_PRELOAD=$RECLAIMTAP_SO
	start_reclaimd reclaimd --debug --config /tmp/reclaimd.conf --state-file /run/reclaimd-test/state ||
		die "reclaimd did not start"
	RECLAIMD_PRELOAD=
}

# await_floor DIR MIB EVENT: wait (up to REACH_S s) until the cgroup at DIR
# is down to MIB and 2 MiB, or reclaimd died; event EVENT-at-soft-limit,
# EVENT-above-soft-limit or reclaimd-died.  Returns 1 unless at the floor.
at_floor() {
	read -r af_c <"$af_dir/memory.current"
	[ "$af_c" -le "$af_floor" ]
}
await_floor() {
	af_dir=$1 af_floor=$((($2 + 2) * MiB))
	ad_pred=at_floor
	if ! wait_for "$REACH_S" "${1##*/} to be down to $2 MiB and 2" pred_or_dead; then
		event "$3-above-soft-limit"
	elif at_floor; then
		event "$3-at-soft-limit"
		return 0
	else
		event "reclaimd-died"
	fi
	return 1
}
