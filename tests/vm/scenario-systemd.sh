# shellcheck shell=sh disable=SC2317 # functions called through wait_for
# Guest side of test-systemd.sh.  Runs as reclaimd-vm-test.service under
# systemd (PID 1: guest-init.sh with GUEST=systemd, which has already
# installed make install's staging tree /out/stage into the guest's root),
# cwd /out, as root.
#
# 1. Writes the test's configuration over the installed one (the main file
#    manages batch only) and runs `systemd-analyze verify` on the installed
#    unit.  With UNIT_DROPIN, adds that drop-in to the unit first and
#    `systemctl daemon-reload`s (to see the test fail).
# 2. Starts two workloads as transient services in vmtest.slice, both well
#    over the soft limits the configuration gives them:
#      vmtest-batch   memhog --cold BATCH_COLD --hot BATCH_HOT  soft_limit BATCH_SOFT
#      vmtest-locked  memhog --cold LOCKED_MIB --mlock          soft_limit LOCKED_SOFT
#    (locked's memory cannot be reclaimed, so under pressure reclaimd's
#    priority falls to clamp_priority and it lowers locked's memory.high).
# 3. `systemctl start` with PID 1 logging at debug level (its journal then
#    records each state change of the unit and each sd_notify message), and
#    right after it returns `systemctl show`, `systemctl is-active` and the
#    daemon's open files (is its PSI trigger on /proc/pressure/memory open?).
# 4. The drop-in 50-locked.conf (adds locked) and `systemctl reload`: applied.
#    Then 60-tuning.conf, whose line 4 has a typo ('relase_interval') and
#    whose line 3 says clamp_high = no, and `systemctl reload`: refused; the
#    daemon must keep running on the configuration it had.  The broken file
#    stays: if its clamp_high = no took effect, step 5 would see no clamp.
#    After each reload: `systemctl show`.
# 5. Pressure: vmtest-hog, memhog --hot HOG_HOT in MemoryMax=HOG_MAX, thrashes
#    against zram; wait until locked's memory.high is lowered (the kernel's
#    file) and the round that lowered it has ended.
# 5c. SIGKILL of the daemon, under pressure: ExecStopPost= puts back what it
#    held, Restart= starts it again, and the new one lowers memory.high again.
# 5d. `systemctl daemon-reload` under pressure, while reclaimd holds a
#    floor: the drop-in 70-web.conf and `systemctl reload` make web (a third
#    workload, vmtest-web: memhog --cold WEB_MIB, under its soft limit
#    WEB_SOFT) managed and the floors memory.low (protect = low), and
#    reclaimd holds web's and vmtest.slice's while batch and locked are
#    over their soft limits.  The
#    daemon is stopped (SIGSTOP) across the daemon-reload, so that the
#    kernel's files show what systemd wrote before reclaimd can answer;
#    then continued, and the floors and locked's memory.high must be held
#    again (FLOOR_DEADLINE, CLAMP_DEADLINE); `reclaimctl status --json`
#    once it counts the slice's memory.low as written over, or 20 s on
#    (ctl-daemon-reload).
# 5e. `systemctl set-property --runtime vmtest-web.service MemoryLow=`
#    WEB_OPERATOR_LOW (above web's floor): reclaimd must leave the
#    operator's value, while it runs and at the stop.
# 5f. Another writer that keeps setting locked's memory.high back to max,
#    each time it finds reclaimd's clamp again (FIGHT_ROUNDS times): reclaimd
#    must lower it again each time (CLAMP_DEADLINE), and say the fight once;
#    `reclaimctl status --json` before and after (ctl-fight-{before,after}).
# 6. `systemctl stop` while the pressure goes on; memory.high of both
#    workloads read from the kernel before and right after, and web's and
#    vmtest.slice's memory.low and memory.min.
# 7. `journalctl -u reclaimd -o json` (and a few more) into /out.
#
# Files in /out, judged by test-systemd.sh on the host:
#   events                 uptime-stamped milestones
#   installed-files        what guest-init.sh installed from the stage
#   reclaimd.conf, 50-locked.conf, 60-tuning.conf, unit-dropin.conf   as written
#   unit-cat.txt           systemctl cat of the unit as systemd loaded it
#   verify.out, verify.exit  systemd-analyze verify of the installed unit
#   start.exit, start.seconds, reload-good.exit, reload-broken.exit,
#   stop.exit, stop.seconds  exit status and wall time of systemctl
#   show-{after-start,after-reload-good,after-reload-broken,after-stop}
#                          systemctl show -p ... of the unit (KEY=VALUE lines)
#   is-active-after-start  systemctl is-active right after start
#   fds-after-start        ls -l /proc/MAINPID/fd of the daemon right after start
#   current-start-{batch,locked}, high-{start,before-stop,after-stop}-{batch,locked}
#                          the kernel's memory.current / memory.high
#   state-before-stop      the daemon's state file (/run/reclaimd/state)
#   samples.tsv            t batch.current locked.current batch.high locked.high
#                          hog.current some_total(us), about one a second
#   psiwatch.out           an independent PSI trigger on /proc/pressure/memory
#   {batch,locked,hog}.out the workloads' output
#   workloads-active       systemctl is-active of the three at the end
#   journal-reclaimd.json  journalctl -u reclaimd -o json (the whole run)
#   journal-reclaimd.txt   the same as text with monotonic timestamps
#   journal-cgroup-batch.json  journalctl -u reclaimd CGROUP=<batch's cgroup> -o json
#   (journal-all.txt and dmesg.log: written when the test unit stops)
#
# Environment (from the host, see test-systemd.sh): SD_STAGE SD_UNIT_PATH
# SD_DAEMON_PATH SD_CONF_PATH, MEMHOG PSIWATCH, the sizes in MiB BATCH_COLD
# BATCH_HOT BATCH_SOFT LOCKED_MIB LOCKED_SOFT HOG_HOT HOG_MAX, TRIGGER,
# CLAMP_HIGH, UNIT_DROPIN, START_DEADLINE CLAMP_DEADLINE (s), their defaults
# in systemd-defaults.sh.
: "${SD_STAGE:=/out/stage}"
# shellcheck source-path=SCRIPTDIR source=systemd-defaults.sh
. "$(dirname "$0")/systemd-defaults.sh"
: "${SAMPLE_S:=0.25}"

O=${VM_OUT:-/out}
CG=/sys/fs/cgroup
SLICE=vmtest.slice
UNIT=${SD_UNIT_PATH##*/}
G_BATCH=$SLICE/vmtest-batch.service
G_LOCKED=$SLICE/vmtest-locked.service
G_HOG=$SLICE/vmtest-hog.service
G_WEB=$SLICE/vmtest-web.service
DROPIN_DIR=$SD_CONF_PATH.d
SHOW_PROPS="-p ActiveState -p SubState -p Result -p StatusText -p MainPID -p NRestarts \
-p ExecMainCode -p ExecMainStatus -p ExecMainStartTimestampMonotonic \
-p ActiveEnterTimestampMonotonic -p InactiveExitTimestampMonotonic -p Type -p NotifyAccess"

WF_POLL=0.2 # wait_for's polling period (s)
# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"
cg_of() {
	case $1 in
	batch) echo "$G_BATCH" ;;
	locked) echo "$G_LOCKED" ;;
	*) echo "$G_HOG" ;;
	esac
}
high_of() { cat "$CG/$1/memory.high" 2>/dev/null || echo gone; }
locked_lowered() {
	read -r lh <"$CG/$G_LOCKED/memory.high" || return 1
	[ "$lh" != max ]
}
# floors_of CGROUP: its memory.low and memory.min, as low=L min=M.
floors_of() { echo "low=$(cat "$CG/$1/memory.low" 2>/dev/null) min=$(cat "$CG/$1/memory.min" 2>/dev/null)"; }
# floor_held CGROUP: it holds a floor (memory.low or memory.min).
floor_held() {
	read -r fl <"$CG/$1/memory.low" && read -r fm <"$CG/$1/memory.min" || return 1
	[ "$fl" != 0 ] || [ "$fm" != 0 ]
}
floors_held() { floor_held "$G_WEB" && floor_held "$SLICE"; }
floors_text() { echo "web $(floors_of "$G_WEB") slice $(floors_of "$SLICE") locked.high=$(high_of "$G_LOCKED")"; }
# show NAME: systemctl show of the unit into /out/show-NAME.
show() {
	# shellcheck disable=SC2086 # SHOW_PROPS is a list of options
	systemctl show "$UNIT" $SHOW_PROPS >"$O/show-$1" 2>&1
}
prop() { sed -n "s/^$2=//p" "$O/show-$1"; }
# The daemon's open files, one ls for all (a fork per fd is slow under TCG).
fds() {
	# shellcheck disable=SC2012 # only the link targets are looked at
	ls -l "/proc/$1/fd/" >"$O/fds-$2" 2>&1
}
# jcount MATCH...: how many records of the unit's processes match.
jcount() { journalctl -q --no-pager "_SYSTEMD_UNIT=$UNIT" "$@" -o json 2>/dev/null | wc -l; }
main_alive() { [ -n "$mainpid" ] && [ "$mainpid" != 0 ] && ! is_dead "$mainpid"; }
# A round_end record after the first $ends of them (or the daemon gone).
round_ended() { [ "$(jcount ACTION=round_end)" -gt "$ends" ] || ! main_alive; }
# run_unit NAME PROPS... -- COMMAND...: a transient service in vmtest.slice
# with its output in /out/NAME.out.
run_unit() {
	ru_name=$1
	shift
	systemd-run --quiet --unit="vmtest-$ru_name" --slice="$SLICE" \
		-p StandardOutput="truncate:$O/$ru_name.out" -p StandardError=inherit "$@" ||
		die "systemd-run of vmtest-$ru_name failed"
}

collect() {
	systemctl is-active vmtest-batch.service vmtest-locked.service vmtest-hog.service vmtest-web.service \
		>"$O/workloads-active" 2>&1
	systemctl stop vmtest-hog.service vmtest-batch.service vmtest-locked.service vmtest-web.service 2>/dev/null
	[ -n "${sampler:-}" ] && kill "$sampler" 2>/dev/null
	[ -n "${psipid:-}" ] && kill "$psipid" 2>/dev/null
	journalctl -u "$UNIT" -o json --no-pager >"$O/journal-reclaimd.json" 2>&1
	journalctl -u "$UNIT" -o short-monotonic --no-pager >"$O/journal-reclaimd.txt" 2>&1
	journalctl -u "$UNIT" "CGROUP=$G_BATCH" -o json --no-pager >"$O/journal-cgroup-batch.json" 2>&1
	event "collected"
	exit 0
}

: >"$O/events"
event "scenario-started $(systemctl --version | head -n 1)"
grep -qw memory "$CG/cgroup.controllers" || die "no memory controller in $CG/cgroup.controllers"
[ -d "$SD_STAGE" ] || die "no staging tree at $SD_STAGE"

# ---- 1. configure, verify (guest-init.sh installed /out/stage)
[ -s "$O/installed-files" ] || die "nothing was installed from $SD_STAGE (see the console)"
[ -x "$SD_DAEMON_PATH" ] || die "$SD_DAEMON_PATH not installed"
[ -f "$SD_UNIT_PATH" ] || die "$SD_UNIT_PATH not installed"
mkdir -p "$DROPIN_DIR" || die "mkdir $DROPIN_DIR"
cat >"$SD_CONF_PATH" <<EOF || die "cannot write $SD_CONF_PATH"
# reclaimd VM test (test-systemd.sh): the main file; locked comes from a drop-in
[pressure]
trigger = $TRIGGER

$CAPPED_HOG_BALANCE

[reclaim]
clamp_high = $CLAMP_HIGH
release_interval = 60s
soft_limit_xattr = yes
backoff = 1s
backoff_max = 2s

[cgroup $G_BATCH]
soft_limit = ${BATCH_SOFT}M
EOF
cp "$SD_CONF_PATH" "$O/reclaimd.conf"
# 5d stops the daemon (SIGSTOP) across a daemon-reload, which under TCG on a
# loaded host took 27 s once: with the unit's WatchdogSec=30s, systemd then
# killed the stopped daemon and started another, and the step judged a
# restart (local CI of 9324218, 7.3). The watchdog itself is not under test.
mkdir -p "/etc/systemd/system/$UNIT.d"
printf '# reclaimd VM test: room for the SIGSTOP across a daemon-reload (5d)\n[Service]\nWatchdogSec=5min\n' \
	>"/etc/systemd/system/$UNIT.d/40-vm-watchdog.conf" || die "cannot write the watchdog drop-in"
systemctl daemon-reload || die "systemctl daemon-reload failed"
if [ -n "$UNIT_DROPIN" ]; then
	# A deliberate change of the unit, to see the test fail (see test-systemd.sh).
	mkdir -p "/etc/systemd/system/$UNIT.d"
	printf '%b\n' "$UNIT_DROPIN" >"/etc/systemd/system/$UNIT.d/50-vm-test.conf"
	cp "/etc/systemd/system/$UNIT.d/50-vm-test.conf" "$O/unit-dropin.conf"
	systemctl daemon-reload || die "systemctl daemon-reload failed"
	event "unit-dropin-installed"
fi
systemctl cat "$UNIT" >"$O/unit-cat.txt" 2>&1
event "configured"
# Without the man page look-up (9 s under TCG; test-systemd.sh looks for
# the pages in the staging tree) and without judging the units it pulls in.
systemd-analyze verify --man=no --recursive-errors=no "$SD_UNIT_PATH" >"$O/verify.out" 2>&1
echo "$?" >"$O/verify.exit"
event "verified exit=$(cat "$O/verify.exit")"

# ---- 2. workloads
run_unit batch -- "$MEMHOG" --cold "$BATCH_COLD" --hot "$BATCH_HOT" --pause-ms 200
run_unit locked -- "$MEMHOG" --cold "$LOCKED_MIB" --mlock
run_unit web -- "$MEMHOG" --cold "$WEB_MIB"
workloads="batch locked web"   # units of systemd-run, but ready as start_workload's are
await_workloads
grep -q 'mlock=1' "$O/locked.out" || die "locked's memhog did not lock its memory"
for g in batch locked; do
	high_of "$(cg_of $g)" >"$O/high-start-$g"
	cat "$CG/$(cg_of $g)/memory.current" >"$O/current-start-$g"
done
# Soft limits declared on batch's cgroup (root owns it, as systemd makes
# it): the hardened unit has no CAP_SYS_ADMIN, so the daemon cannot read
# the trusted.* one and must say so, and honour the user.* one.
python3 -c 'import os, sys; os.setxattr(sys.argv[1], "trusted.reclaimd.soft_limit", b"40M"); os.setxattr(sys.argv[1], "user.reclaimd.soft_limit", b"48M")' \
	"$CG/$G_BATCH" || die "cannot set the soft limit attributes on $G_BATCH"
event "workloads-ready"

# The sampler.
sample() {
	read -r bc <"$CG/$G_BATCH/memory.current"
	read -r lc <"$CG/$G_LOCKED/memory.current"
	read -r bh <"$CG/$G_BATCH/memory.high"
	read -r lh <"$CG/$G_LOCKED/memory.high"
	hc=$(cat "$CG/$G_HOG/memory.current" 2>/dev/null || echo 0)
	read -r _ _ _ _ s </proc/pressure/memory
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$bc" "$lc" "$bh" "$lh" "$hc" "${s#total=}"
}
start_sampler sample 2>/dev/null

# ---- 3. start
systemctl log-level debug || event "warning: systemctl log-level debug failed"
event "start-begin"
t0=$(date +%s.%N)
timeout "$START_DEADLINE" systemctl start "$UNIT"
echo "$?" >"$O/start.exit"
t1=$(date +%s.%N)
show after-start
mainpid=$(prop after-start MainPID)
[ -n "$mainpid" ] && [ "$mainpid" != 0 ] && fds "$mainpid" after-start
systemctl log-level info
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }' >"$O/start.seconds"
systemctl is-active "$UNIT" >"$O/is-active-after-start" 2>&1
event "start-end exit=$(cat "$O/start.exit") $(cat "$O/start.seconds") s mainpid=$mainpid"
if [ "$(cat "$O/start.exit")" != 0 ] || ! main_alive; then
	event "not-active-after-start"
	collect
fi

# ---- 4. reload: a drop-in that adds locked (applied), then a broken one
# (refused: the daemon must keep running on the configuration it had; the
# broken file stays in place, and its clamp_high = no must not take effect)
reloads_seen() { [ "$(jcount ACTION=reload)" -gt "$nreload" ] || ! main_alive; }
# reload NAME: systemctl reload, then wait for the daemon's reload record
# (ExecReload= is the shell's kill -HUP: the reload itself is asynchronous).
reload() {
	nreload=$(jcount ACTION=reload)
	event "$1-begin"
	timeout 30 systemctl reload "$UNIT"
	echo "$?" >"$O/$1.exit"
	wait_for 20 "the daemon's reload record" reloads_seen || event "$1-record-not-seen"
	show "after-$1"
	event "$1-end exit=$(cat "$O/$1.exit")"
	main_alive || { event "not-running-after-$1"; collect; }
}
cat >"$DROPIN_DIR/50-locked.conf" <<EOF
# reclaimd VM test: the locked workload
[cgroup $G_LOCKED]
soft_limit = ${LOCKED_SOFT}M
EOF
cp "$DROPIN_DIR/50-locked.conf" "$O/50-locked.conf"
reload reload-good

cat >"$DROPIN_DIR/60-tuning.conf" <<EOF
# reclaimd VM test: a drop-in with a typo on line 4
[reclaim]
clamp_high = no
relase_interval = 1s
EOF
cp "$DROPIN_DIR/60-tuning.conf" "$O/60-tuning.conf"
reload reload-broken

# ---- 4b. reclaimctl reload, over the system bus, as SIGHUP: with the broken
# drop-in still in place it is refused, and the daemon goes on (also while
# a job is in flight: the files are read and checked at once).
CTL=${SD_DAEMON_PATH%/*}/reclaimctl
ctl_reload_seen() { [ "$(jcount ACTION=reload)" -gt "$nreload" ] || ! main_alive; }
nreload=$(jcount ACTION=reload)
event "ctl-reload-begin"
timeout 30 "$CTL" reload >"$O/ctl-reload.out" 2>&1
echo "$?" >"$O/ctl-reload.exit"
wait_for 20 "the reload record reclaimctl asked for" ctl_reload_seen || event "ctl-reload-record-not-seen"
event "ctl-reload-end exit=$(cat "$O/ctl-reload.exit")"

# ---- 5. pressure until locked's memory.high is lowered
start_psiwatch "$CLAMP_DEADLINE"
run_unit hog -p MemoryMax="${HOG_MAX}M" -- "$MEMHOG" --hot "$HOG_HOT" --stats-every 5
event "hog-started"
lowered_or_dead() { locked_lowered || ! main_alive; }
if ! wait_for "$CLAMP_DEADLINE" "locked's memory.high to be lowered" lowered_or_dead; then
	event "clamp-not-seen $(high_of "$G_LOCKED")"
elif ! main_alive; then
	event "daemon-died-under-pressure"
	show after-death
	collect
else
	event "clamp-seen $(high_of "$G_LOCKED")"
	# Let the round that lowered it end (logged with ACTION=round_end), so
	# that memory.high holds still when the stop begins.
	ends=$(jcount ACTION=round_end)
	wait_for 20 "the round that lowered memory.high to end" round_ended ||
		event "round-end-not-seen"
	event "round-ended $(high_of "$G_LOCKED")"
fi

# ---- 5b. reclaimctl while reclaimd works: status, explain, a caller who is
# not root, busctl's view of the interface. (The broken drop-in is still in
# place: no reload here.)
# ctl NAME ARGS...: reclaimctl ARGS with its output in /out/ctl-NAME.out and
# its exit code in /out/ctl-NAME.exit.
ctl() {
	ctl_name=$1
	shift
	timeout 30 "$@" >"$O/ctl-$ctl_name.out" 2>&1
	echo "$?" >"$O/ctl-$ctl_name.exit"
	event "ctl-$ctl_name exit=$(cat "$O/ctl-$ctl_name.exit")"
}
event "ctl-begin"
ctl status "$CTL" status
ctl json "$CTL" status --json
ctl explain-batch "$CTL" explain "$G_BATCH"
ctl explain-locked "$CTL" explain "$G_LOCKED"
ctl explain-unmanaged "$CTL" explain system.slice
ctl explain-nosuch "$CTL" explain vmtest.slice/nosuch.service
ctl nobody setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" status
ctl introspect busctl introspect org.reclaimd1 /org/reclaimd1
event "ctl-end"

# ---- 5c. a crash under pressure: SIGKILL.  ExecStopPost= (reclaimd
# --restore) puts back what the killed one held, Restart=on-failure starts it
# again, and the new one lowers locked's memory.high again (step 6 needs it).
# The broken drop-in has done its part (step 5 saw the clamp it would have
# turned off) and goes first: with it the restart would refuse to start.
if main_alive && locked_lowered; then
	rm -f "$DROPIN_DIR/60-tuning.conf"
	killed=$mainpid
	kill -KILL "$killed"
	event "killed pid=$killed locked.high=$(high_of "$G_LOCKED")"
	restarted() {
		mainpid=$(systemctl show -p MainPID --value "$UNIT")
		[ -n "$mainpid" ] && [ "$mainpid" != 0 ] && [ "$mainpid" != "$killed" ] &&
			[ "$(systemctl is-active "$UNIT")" = active ]
	}
	if wait_for 60 "reclaimd to run again after the SIGKILL" restarted; then
		event "restarted mainpid=$mainpid locked.high=$(high_of "$G_LOCKED")"
		wait_for "$CLAMP_DEADLINE" "locked's memory.high to be lowered again" lowered_or_dead ||
			event "clamp-again-not-seen"
		ends=$(jcount ACTION=round_end)
		wait_for 20 "that round to end" round_ended || event "round-end-again-not-seen"
		event "clamp-again $(high_of "$G_LOCKED")"
	else
		event "restart-not-seen"
	fi
fi

# ---- 5d. systemctl daemon-reload while reclaimd holds floors and a clamp:
# systemd writes every unit's memory.low, memory.min and memory.high back to
# the unit's settings (here: 0, 0, max), the slice's too.
floors_or_dead() { floors_held || ! main_alive; }
if main_alive; then
	# (5c removes it, when it runs: without it the reload would be refused.)
	rm -f "$DROPIN_DIR/60-tuning.conf"
	# protect = low: the floors' file is fixed (auto may switch between
	# memory.low and memory.min, which the build before the change wrote
	# again as it switched), and web's floor is its soft limit.
	cat >"$DROPIN_DIR/70-web.conf" <<EOF
# reclaimd VM test: web, under its soft limit
[balance]
protect = low

[cgroup $G_WEB]
soft_limit = ${WEB_SOFT}M
EOF
	cp "$DROPIN_DIR/70-web.conf" "$O/70-web.conf"
	reload reload-web
	if ! wait_for 30 "web's and vmtest.slice's floors" floors_or_dead || ! main_alive; then
		event "floors-not-seen $(floors_text)"
	else
		event "floors-before pid=$mainpid $(floors_text)"
		kill -STOP "$mainpid"
		timeout 60 systemctl daemon-reload
		echo "$?" >"$O/daemon-reload.exit"
		event "daemon-reloaded exit=$(cat "$O/daemon-reload.exit") $(floors_text)"
		kill -CONT "$mainpid"
		event "continued"
		wait_for "$FLOOR_DEADLINE" "web's and vmtest.slice's floors held again" floors_or_dead ||
			event "floors-again-not-seen"
		event "floors-again pid=$(systemctl show -p MainPID --value "$UNIT") $(floors_text)"
		wait_for "$CLAMP_DEADLINE" "locked's memory.high to be lowered again" lowered_or_dead ||
			event "clamp-after-daemon-reload-not-seen"
		event "clamp-after-daemon-reload $(floors_text)"
		# The slice's memory.low, which systemd wrote over as well, counted
		# although reclaimd does not manage the slice: reclaimctl answers from
		# the snapshot of the pass after the one that found it.
		slice_counted() {
			"$CTL" status --json 2>/dev/null |
				grep -q "\"path\":\"$SLICE\",\"file\":\"memory.low\",\"written_over\":[1-9]" ||
				! main_alive
		}
		WF_POLL=0.5 wait_for 20 "vmtest.slice's memory.low counted as written over" slice_counted ||
			event "slice-count-not-seen"
		ctl daemon-reload "$CTL" status --json
	fi
fi

# ---- 5e. the operator sets web's MemoryLow= above reclaimd's floor with
# systemctl set-property (which also writes every other unit's files back):
# reclaimd must find it (its record ends: ACTION=release RESULT=changed) and
# leave it, then and at the stop.
web_changed_seen() {
	[ "$(jcount ACTION=release "CGROUP=$G_WEB" RESULT=changed)" -gt "$nchanged" ] || ! main_alive
}
if main_alive && floors_held; then
	nchanged=$(jcount ACTION=release "CGROUP=$G_WEB" RESULT=changed)
	timeout 60 systemctl set-property --runtime vmtest-web.service "MemoryLow=${WEB_OPERATOR_LOW}M"
	event "set-property exit=$? $(floors_text)"
	wait_for "$FLOOR_DEADLINE" "reclaimd to find web's memory.low set by the operator" web_changed_seen ||
		event "operator-low-not-seen"
	event "operator-low-seen $(floors_text)"
	wait_for "$CLAMP_DEADLINE" "locked's memory.high to be lowered again" lowered_or_dead ||
		event "clamp-after-set-property-not-seen"
	event "clamp-after-set-property $(floors_text)"
fi

# ---- 5f. another writer that keeps setting locked's memory.high back to
# max (a script, an agent reconciling its own idea of the file), each time
# it finds reclaimd's clamp again: reclaimd lowers it again each round, and
# says the fight once (ACTION=release RESULT=contested), not each round of
# it.  The writer waits on the kernel's file, not on a clock: each round
# that ends proves one more hold taken again.
if main_alive && locked_lowered; then
	event "fight-begin locked.high=$(high_of "$G_LOCKED")"
	ctl fight-before "$CTL" status --json
	rounds=0
	while [ "$rounds" -lt "$FIGHT_ROUNDS" ]; do
		echo max >"$CG/$G_LOCKED/memory.high" || break
		event "fight-wrote round=$((rounds + 1))"
		wait_for "$CLAMP_DEADLINE" "locked's memory.high to be lowered again after the writer" lowered_or_dead ||
			break
		main_alive || break
		rounds=$((rounds + 1))
		event "fight-lowered round=$rounds locked.high=$(high_of "$G_LOCKED")"
	done
	event "fight-end rounds=$rounds"
	ctl fight-after "$CTL" status --json
fi

# ---- 6. stop, under pressure still
for g in batch locked; do
	high_of "$(cg_of $g)" >"$O/high-before-stop-$g"
done
cat /run/reclaimd/state >"$O/state-before-stop" 2>&1
event "stop-begin locked.high=$(cat "$O/high-before-stop-locked")"
t0=$(date +%s.%N)
timeout 60 systemctl stop "$UNIT"
echo "$?" >"$O/stop.exit"
t1=$(date +%s.%N)
for g in batch locked; do
	high_of "$(cg_of $g)" >"$O/high-after-stop-$g"
done
event "floors-after-stop $(floors_text)"
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }' >"$O/stop.seconds"
show after-stop
event "stop-end exit=$(cat "$O/stop.exit") $(cat "$O/stop.seconds") s locked.high=$(cat "$O/high-after-stop-locked")"

# ---- 7. collect
event "end"
collect
