#!/bin/sh
# test-systemd.sh -- reclaimd as a systemd service, under a real systemd
# (Debian's 252, as PID 1) on a real kernel.  The build tree is installed
# with `make install DESTDIR=OUTDIR/stage`, or with RECLAIMD_DEB=FILE (make
# check-deb) the Debian package is; the guest boots the host's root as an
# overlay with the staged files copied into it, or the package installed
# with dpkg -i, before systemd starts (guest-init.sh, GUEST=systemd), writes a
# configuration of the test's, and drives the daemon with systemctl
# (scenario-systemd.sh).  Judged here from
# what systemd's own tools said in the guest (systemctl show/is-active,
# journalctl, systemd-analyze verify) and from the kernel's memory.high:
#
#  1. `systemctl start reclaimd` returns only after READY=1: it exits 0, and
#     right after it the unit is active (running) with the daemon's STATUS=
#     text and its PSI trigger open; PID 1's own debug log shows the unit
#     in "start" (activating) until READY=1 came from the main PID, then
#     "start -> running", then the start job done.
#  2. `systemctl reload reclaimd` with a valid drop-in (50-locked.conf) is
#     applied (ACTION=reload RESULT=applied, 2 cgroups); with a broken one
#     (60-tuning.conf: 'relase_interval' on line 4, 'clamp_high = no' on
#     line 3) it is refused: the same main PID stays active (running),
#     `journalctl -u reclaimd` names 60-tuning.conf:4 and the key and says
#     the reload was refused, and the daemon keeps its old configuration
#     (under pressure it still lowers memory.high, which clamp_high = no
#     would forbid: check 4).
#  3. Under memory pressure, `journalctl -u reclaimd -o json` holds reclaim
#     records of the cgroup over its soft limit with MESSAGE_ID, ACTION=reclaim,
#     CGROUP, REQUESTED_BYTES, RECLAIMED_BYTES (some > 0), PRIORITY_LEVEL and
#     SOFT_LIMIT_BYTES, and `journalctl -u reclaimd CGROUP=...` selects them.
#  3b. SIGKILL of the daemon under pressure: ExecStopPost=reclaimd --restore
#     (a process of the unit that is neither daemon) puts back what it held,
#     and Restart=on-failure runs it again.
#  3c. `systemctl daemon-reload` under pressure (the daemon stopped across
#     it): systemd writes every unit's memory.low, memory.min and memory.high
#     back to the unit's settings, the slice's too -- checked in the
#     kernel's files, or the check proves nothing.  Within FLOOR_DEADLINE s
#     of the daemon going on, the floor it held on web (a cgroup under its
#     soft limit, managed from a reload that also sets protect = low) and
#     on vmtest.slice is held again, web's at its value before, by the same
#     daemon (MainPID); check 4 needs locked's memory.high lowered again.
#     `reclaimctl status --json` counts the slice's memory.low as written
#     over (unmanaged_written_over): the slice has no row of its own.
#  3d. `systemctl set-property --runtime vmtest-web.service MemoryLow=` above
#     web's floor (WEB_OPERATOR_LOW): reclaimd says the file was set by
#     someone (ACTION=release RESULT=changed) within FLOOR_DEADLINE s, and
#     web's memory.low stays the operator's value, then and after the stop.
#  3e. Another writer sets locked's memory.high back to max each time it finds
#     reclaimd's clamp again, FIGHT_ROUNDS times: each time the kernel's
#     file is lowered again within CLAMP_DEADLINE s, and the journal says the
#     fight once, at notice (ACTION=release RESULT=contested), with no
#     "changed" nor "again" line of locked's memory.high after it, and
#     `reclaimctl status --json` counts each of the rounds as written over
#     and the file as contested.
#  4. `systemctl stop reclaimd`, under pressure still, puts back the
#     memory.high it lowered (of a cgroup with mlocked memory well over its
#     soft limit): lowered in the kernel's file before the stop (never below
#     the soft limit), back at its original value right after, as are web's
#     and vmtest.slice's memory.low and memory.min; the unit ends inactive
#     with Result=success.
#  Also: `systemd-analyze verify` accepts the installed unit, and the man
#  pages its Documentation= names are installed.
# Problems seen on the way that no check is about are printed as
# "PROBLEM (not failed)".
#
# Exit: 0 pass, 1 fail, 77 skip (no qemu/busybox/cpio/kernel/systemd/overlay
# module; never when CI=true), 99 hard error.  VM_OUTDIR=DIR keeps the
# guest's output in DIR; otherwise it goes to a temporary folder, removed on
# success unless VM_KEEP=1.  VM_REJUDGE=DIR judges the output of an earlier
# run again, no guest.  Other environment: see vm.sh (abs_top_builddir,
# MEMHOG, PSIWATCH, RECLAIMD_VM_CACHE, VM_BUILD_DIR, CI ...);
# VM_TIMEOUT_SYSTEMD (s for the scenario, default 360); sizes in MiB
# BATCH_COLD BATCH_HOT BATCH_SOFT LOCKED_MIB LOCKED_SOFT HOG_HOT HOG_MAX;
# TRIGGER; START_DEADLINE CLAMP_DEADLINE (s).
# To see the test fail: CLAMP_HIGH=no (check 4), or UNIT_DROPIN='TEXT', a
# drop-in for the unit (printf %b escapes), e.g.
#   '[Service]\nType=simple'                       check 1
#   '[Service]\nUnsetEnvironment=NOTIFY_SOCKET'    check 1 (never READY=1;
#                                                  START_DEADLINE=20 is quicker)
#   '[Service]\nExecReload=\nExecReload=/bin/sh -c "kill -KILL $$MAINPID"'  check 2
#   '[Service]\nUnsetEnvironment=JOURNAL_STREAM'   checks 2 and 3 (plain text logs)
#   '[Service]\nKillSignal=SIGKILL\nExecStopPost='  check 4 (with
#                                                  ExecStopPost=, which
#                                                  puts back what a
#                                                  SIGKILL left, it passes)

# shellcheck disable=SC2016 # awk programs and conditions in single quotes
vm_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
# shellcheck source=/dev/null
. "$vm_dir/vm.sh"
# shellcheck source-path=SCRIPTDIR source=judge.sh
. "$vm_dir/judge.sh"

# shellcheck source-path=SCRIPTDIR source=systemd-defaults.sh
. "$vm_dir/systemd-defaults.sh"
# shellcheck disable=SC2086,SC2163 # the names in it are exported
export $systemd_vars
VM_PASS_ENV="${VM_PASS_ENV:-} $systemd_vars SD_STAGE SD_UNIT_PATH SD_DAEMON_PATH SD_CONF_PATH"

MiB=1048576
G_BATCH=vmtest.slice/vmtest-batch.service
G_LOCKED=vmtest.slice/vmtest-locked.service
SLICE=vmtest.slice
MSGID_RECLAIM=4b1c1d6e0c5f4f0e9f6d0a8e5a2b7c04

# stage_relocate DIR: moves what make install put in DIR under the build
# tree's prefix to /usr/local, and rewrites that prefix in the installed
# units' paths.  The test must not depend on where the tree lives: make
# distcheck installs under .../reclaimd-VERSION/_inst inside its tree, often
# in /tmp or a home folder, and the unit's own sandbox hides /tmp and
# /var/tmp (PrivateTmp=) and /home, /root and /run/user (ProtectHome=), so
# ExecStart= there fails with 203/EXEC.  The unit is changed in its paths
# only, as a package built with --prefix=/usr/local would have it.  A
# prefix of /usr or /usr/local stays as it is.
# shellcheck disable=SC2154 # abs_top_builddir is set by vm.sh
stage_relocate() {
	sr_prefix=$(sed -n 's/^prefix = //p' "$abs_top_builddir/Makefile")
	case $sr_prefix in
	/usr | /usr/local) return 0 ;;
	/?*) ;;
	*) vm_fail "no usable prefix in $abs_top_builddir/Makefile ('$sr_prefix')" ;;
	esac
	[ -d "$1$sr_prefix" ] || return 0
	if ! mkdir -p "$1/usr/local" || ! cp -a "$1$sr_prefix/." "$1/usr/local/" || ! rm -rf "$1$sr_prefix"; then
		vm_fail "cannot move $1$sr_prefix to $1/usr/local"
	fi
	find "$1" -type f -name '*.service' >"$1.units"
	while IFS= read -r sr_unit; do
		if ! awk -v from="$sr_prefix/" -v to=/usr/local/ '{
			out = ""; s = $0
			while ((i = index(s, from)) > 0) { out = out substr(s, 1, i - 1) to; s = substr(s, i + length(from)) }
			print out s }' "$sr_unit" >"$sr_unit.tmp" || ! mv "$sr_unit.tmp" "$sr_unit"; then
			vm_fail "cannot rewrite the prefix in $sr_unit"
		fi
	done <"$1.units"
	vm_log "the tree's prefix $sr_prefix installed as /usr/local in the guest (the unit's sandbox may hide $sr_prefix)"
}

# stage_deb DIR: dpkg -i RECLAIMD_DEB in a chroot into an overlay of the
# host's root, the guest's root, with its upper layer on a tmpfs; DIR gets
# every file dpkg and the maintainer scripts wrote there (whiteouts left
# out), which the guest copies into its root as it does a make install tree.
# (dpkg -i in the guest reads dpkg's database over 9p: minutes under TCG.)
# Writes deb-status (dpkg-query's status) and deb-enabled (where the
# multi-user.target.wants link of the unit points) beside DIR.
stage_deb() {
	sd_tmp=$1.overlay
	sd_root=$sd_tmp/root
	mkdir -p "$sd_tmp" "$1" || vm_fail "cannot create $sd_tmp"
	if ! mount -t tmpfs -o mode=0755 reclaimd-deb "$sd_tmp" ||
		! mkdir -p "$sd_tmp/upper" "$sd_tmp/work" "$sd_root" ||
		! mount -t overlay -o "lowerdir=/,upperdir=$sd_tmp/upper,workdir=$sd_tmp/work" \
			reclaimd-deb "$sd_root"; then
		umount "$sd_tmp" 2>/dev/null
		vm_fail "cannot mount an overlay of / on $sd_root to install $RECLAIMD_DEB into"
	fi
	mount --bind /dev "$sd_root/dev" && mount -t proc proc "$sd_root/proc" &&
		cp "$RECLAIMD_DEB" "$sd_root/tmp/reclaimd.deb" &&
		chroot "$sd_root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C \
			dpkg -i /tmp/reclaimd.deb >"$1.log" 2>&1
	sd_rc=$?
	# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
	chroot "$sd_root" dpkg-query -W -f='${db:Status-Abbrev}' reclaimd >"${1%/*}/deb-status" 2>&1
	readlink "$sd_root/etc/systemd/system/multi-user.target.wants/reclaimd.service" >"${1%/*}/deb-enabled"
	rm -f "$sd_root/tmp/reclaimd.deb"
	umount "$sd_root/proc" "$sd_root/dev" "$sd_root" 2>/dev/null
	# Not man-db's index, which its trigger rebuilt: 30 files of no use to
	# the test, each one more copy over 9p in the guest.
	(cd "$sd_tmp/upper" && find . -path ./var/cache/man -prune -o ! -type c ! -type d -print0 |
		cpio -0pdm --quiet "$1")
	umount "$sd_tmp" && rmdir "$sd_tmp"
	[ "$sd_rc" -eq 0 ] || { tail -n 20 "$1.log" >&2; vm_fail "dpkg -i $RECLAIMD_DEB in $sd_root failed (log: $1.log)"; }
}

# stage_install DIR: make install DESTDIR=DIR from the build tree (its
# prefix moved to /usr/local: stage_relocate), or with RECLAIMD_DEB the
# package installed by dpkg (stage_deb); sets SD_UNIT_PATH
# SD_DAEMON_PATH SD_CONF_PATH (paths in the installed system, read from the
# installed unit's ExecStart=).
# shellcheck disable=SC2154 # abs_top_builddir is set by vm.sh
stage_install() {
	if [ -n "${RECLAIMD_DEB:-}" ]; then
		stage_deb "$1"
	else
		[ -f "$abs_top_builddir/Makefile" ] ||
			vm_fail "no Makefile in $abs_top_builddir (configure the build tree, or set abs_top_builddir)"
		# Not the jobserver of a `make check` this may run under.
		if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$abs_top_builddir" install \
			DESTDIR="$1" >"$1.log" 2>&1; then
			tail -n 30 "$1.log" >&2
			vm_fail "make install DESTDIR=$1 failed (log: $1.log)"
		fi
		stage_relocate "$1"
	fi
	si_unit=$(cd "$1" && find . -path '*/systemd/system/reclaimd.service' | head -n 1)
	[ -n "$si_unit" ] || vm_fail "the installation put no systemd/system/reclaimd.service under $1"
	SD_UNIT_PATH=${si_unit#.}
	case ${SD_UNIT_PATH%/*} in
	/etc/systemd/system | /usr/local/lib/systemd/system | /usr/lib/systemd/system | /lib/systemd/system) ;;
	*)
		# Not where systemd looks (distcheck installs under its own
		# prefix): also put it where it does.
		if ! mkdir -p "$1/etc/systemd/system" ||
			! cp "$1$SD_UNIT_PATH" "$1/etc/systemd/system/reclaimd.service"; then
			vm_fail "cannot copy the unit to $1/etc/systemd/system"
		fi
		SD_UNIT_PATH=/etc/systemd/system/reclaimd.service
		;;
	esac
	si_exec=$(sed -n 's/^ExecStart=[-@+!:]*//p' "$1$SD_UNIT_PATH" | head -n 1)
	SD_DAEMON_PATH=${si_exec%% *}
	SD_CONF_PATH=$(printf '%s\n' "$si_exec" |
		awk '{ for (i = 2; i < NF; i++) if ($i == "--config" || $i == "-c") { print $(i + 1); exit } }')
	: "${SD_CONF_PATH:=/etc/reclaimd/reclaimd.conf}"
	[ -x "$1$SD_DAEMON_PATH" ] ||
		vm_fail "the installed unit runs $SD_DAEMON_PATH, which the installation did not put under $1"
	export SD_UNIT_PATH SD_DAEMON_PATH SD_CONF_PATH
}

if ! judge_rejudge; then
	vm_skip_unless_ready
	judge_require_helpers
	[ -x /lib/systemd/systemd ] ||
		vm_missing "systemd: the guest boots the host's /lib/systemd/systemd (apt-get install systemd)"
	# shellcheck disable=SC2154 # vm_kmoddir: set by vm_skip_unless_ready
	grep -q '/overlay\.ko[.a-z]*:' "$vm_kmoddir/modules.dep" ||
		vm_missing "the overlay module in $vm_kmoddir (the guest's root is an overlay)"

	judge_outdir systemd
	mkdir -p "$out" || vm_fail "cannot create $out"
	out=$(cd "$out" && pwd)
	stage_install "$out/stage"
	SD_STAGE=/out/stage
	export SD_STAGE

	# vm_run with this test's guest: vm.sh builds its initramfs from
	# $vm_dir/guest-init.sh with the modules in $vm_modules, and copies
	# $vm_dir/guest-stage2.sh; point it at a folder holding a copy of
	# guest-init.sh that says GUEST=systemd, and add overlay.
	case " $(printf '%s' "$vm_modules" | tr '\n\t' '  ') " in
	*" 9p "*) ;;
	*) vm_fail "vm.sh no longer lists its modules in \$vm_modules; update test-systemd.sh" ;;
	esac
	vm_modules="$vm_modules overlay"
	lib=$out/.vm-systemd
	mkdir -p "$lib" || vm_fail "cannot create $lib"
	if ! sed 's/^GUEST=chroot$/GUEST=systemd/' "$vm_dir/guest-init.sh" >"$lib/guest-init.sh" ||
		! grep -qx 'GUEST=systemd' "$lib/guest-init.sh" ||
		! cp "$vm_dir/guest-stage2.sh" "$lib/guest-stage2.sh"; then
		vm_fail "cannot copy the guest scripts to $lib (does guest-init.sh still say GUEST=chroot?)"
	fi
	if [ -n "${VM_BUILD_DIR:-}" ]; then
		# Its own initramfs, not the one the other tests share.
		VM_BUILD_DIR=$VM_BUILD_DIR/systemd
	fi
	VM_TIMEOUT=${VM_TIMEOUT_SYSTEMD:-360}
	export VM_TIMEOUT
	scenario=$vm_dir/scenario-systemd.sh
	test_dir=$vm_dir
	vm_dir=$lib
	judge_run "$scenario" events events journal journal-reclaimd.txt
	vm_dir=$test_dir
fi

# Where the unit was installed (when judging an earlier run again).
: "${SD_UNIT_PATH:=$(cd "$out/stage" 2>/dev/null && find . -path '*/systemd/system/reclaimd.service' | head -n 1 | sed 's/^\.//')}"

# ---------------------------------------------------------------- judging
val() { cat "$out/$1" 2>/dev/null; }
# prop NAME KEY: KEY from systemctl show saved as show-NAME.
prop() { sed -n "s/^$2=//p" "$out/show-$1" 2>/dev/null; }

# Problems of reclaimd seen on the way that none of the checks is about:
# reported, not failed.
problem() { echo "  PROBLEM (not failed): $*"; }

# The unit's records from `journalctl -u reclaimd -o json`, one JSON object a
# line, reduced to TAB-separated fields:
#   LINE _PID UNIT SYSLOG_IDENTIFIER PRIORITY ACTION RESULT CGROUP
#   MESSAGE_ID REQUESTED_BYTES RECLAIMED_BYTES PRIORITY_LEVEL SOFT_LIMIT_BYTES
#   MEMORY_HIGH_BYTES CGROUPS_MANAGED TRIGGER _SYSTEMD_UNIT __MONOTONIC_TIMESTAMP MESSAGE
#   CGROUP_FILE
# (a field journald stored twice is a JSON array: its first value is taken).
J=$out/journal-reclaimd.json
[ -f "$J" ] || : >"$J"
records=$out/journal-reclaimd.tsv
awk '
function get(name,   re, v) {
	re = "\"" name "\":\"([^\"\\\\]|\\\\.)*\""
	if (match($0, re))
		return substr($0, RSTART + length(name) + 4, RLENGTH - length(name) - 5)
	re = "\"" name "\":\\[\"([^\"\\\\]|\\\\.)*\""
	if (match($0, re))
		return substr($0, RSTART + length(name) + 5, RLENGTH - length(name) - 6)
	return ""
}
{
	n = split("_PID UNIT SYSLOG_IDENTIFIER PRIORITY ACTION RESULT CGROUP MESSAGE_ID REQUESTED_BYTES RECLAIMED_BYTES PRIORITY_LEVEL SOFT_LIMIT_BYTES MEMORY_HIGH_BYTES CGROUPS_MANAGED TRIGGER _SYSTEMD_UNIT __MONOTONIC_TIMESTAMP MESSAGE CGROUP_FILE", f, " ")
	line = NR
	for (i = 1; i <= n; i++) {
		v = get(f[i])
		gsub(/\t/, " ", v)
		line = line "\t" (v == "" ? "-" : v)
	}
	print line
}' "$J" >"$records"
# daemon_records [AWK-CONDITION]: the daemon's own records ($4 == reclaimd).
daemon_records() { awk -F '\t' "\$4 == \"reclaimd\" && \$17 == \"reclaimd.service\" ${1:+&& ($1)}" "$records"; }
# pid1 PATTERN: the line number of PID 1's first record about the unit whose
# MESSAGE matches PATTERN (an awk regex), after line AFTER (default 0).
pid1() {
	awk -F '\t' -v re="$1" -v after="${2:-0}" \
		'$1 > after && $2 == "1" && $3 == "reclaimd.service" && $19 ~ re { print $1; exit }' "$records"
}
first_line() { head -n 1 | cut -f 1; }

startup=$(sed -n 's/^[0-9.]* scenario-started //p' "$out/events")
echo "systemd scenario (${startup:-no start event}; guest ${VM_MEM} MiB, zram swap; VM $(val vm-seconds) s):"
for e in configured verified workloads-ready start-end reload-good-end reload-broken-end hog-started clamp-seen \
	round-ended reload-web-end floors-before continued floors-again set-property operator-low-seen fight-begin \
	fight-end stop-end collected; do
	t=$(ev_time "$e")
	[ -n "$t" ] && note "$(printf '%-18s at %6s s (guest uptime)' "$e" "$t")"
done
# The last milestone before the scenario ended (early or not).
last_event=$(awk '$2 != "collected" && $2 != "end" { e = $0 } END { sub(/^[0-9.]+ /, "", e); print e }' "$out/events")
if [ -z "$(ev_time end)" ]; then
	fail "the scenario stopped early, after: $last_event"
fi

# ---- 0. systemd-analyze verify of the installed unit
vexit=$(val verify.exit)
if [ -z "$vexit" ]; then
	fail "systemd-analyze verify did not run"
elif [ "$vexit" != 0 ]; then
	fail "systemd-analyze verify $SD_UNIT_PATH exited $vexit:$(sed 's/^/\n    /' "$out/verify.out")"
else
	note "systemd-analyze verify of the installed unit: OK$([ -s "$out/verify.out" ] && printf '%s' "; it said: $(tr '\n' ' ' <"$out/verify.out")")"
fi

# With RECLAIMD_DEB: dpkg installed and configured the package, and its
# postinst enabled the unit.
if [ -f "$out/deb-status" ]; then
	st=$(val deb-status)
	[ "$st" = "ii " ] || fail "dpkg -i of the package left it '$st' (see $out/stage.log)"
	case $(val deb-enabled) in
	*/systemd/system/reclaimd.service) note "installed by dpkg -i: '$st', the unit enabled" ;;
	*) fail "the package's postinst did not enable the unit: multi-user.target.wants/reclaimd.service -> '$(val deb-enabled)'" ;;
	esac
fi

# The unit's Documentation= man pages, in the staging tree (the guest's
# verify runs with --man=no: the look-up costs 9 s under TCG).
unit_file=$out/stage$SD_UNIT_PATH
while read -r m; do
	case $m in
	man:*\(*\))
		page=${m#man:}
		name=${page%%(*}
		sec=${page#*(}
		sec=${sec%)}
		if [ -z "$(find "$out/stage" -path "*/man/man$sec/$name.$sec*" | head -n 1)" ]; then
			fail "the unit's Documentation=$m is not installed (no man$sec/$name.$sec under $out/stage)"
		fi
		;;
	esac
done <<EOF
$(sed -n 's/^Documentation=//p' "$unit_file" 2>/dev/null | tr ' ' '\n')
EOF

# reached EVENT: whether the scenario got to EVENT; if not, says so (the
# early stop itself is one failure, above).
reached() {
	[ -n "$(ev_time "$1")" ] && return 0
	note "(not reached: the scenario stopped after '$last_event')"
	return 1
}

# ---- 1. systemctl start returns only after READY=1
echo "1. start:"
if reached start-begin; then
	sexit=$(val start.exit)
	mainpid=$(prop after-start MainPID)
	as=$(prop after-start ActiveState)
	ss=$(prop after-start SubState)
	st=$(prop after-start StatusText)
	note "systemctl start: exit ${sexit:-missing} after $(val start.seconds) s; then $as ($ss), MainPID $mainpid, Type=$(prop after-start Type)"
	note "StatusText: '$st'"
	t_exec=$(prop after-start ExecMainStartTimestampMonotonic)
	t_active=$(prop after-start ActiveEnterTimestampMonotonic)
	if [ "${t_exec:-0}" -gt 0 ] && [ "${t_active:-0}" -gt 0 ]; then
		note "ExecMainStart -> ActiveEnter: $(awk -v a="$t_exec" -v b="$t_active" 'BEGIN { printf "%.3f", (b - a) / 1e6 }') s"
	fi
	case $sexit in
	0) ;;
	124) fail "systemctl start reclaimd had not returned after ${START_DEADLINE} s (no READY=1 from the daemon?)" ;;
	*) fail "systemctl start reclaimd exited ${sexit:-(not run)}" ;;
	esac
	if [ "$as" != active ] || [ "$ss" != running ]; then
		fail "right after systemctl start returned, systemctl show said ActiveState=$as SubState=$ss, not active/running"
	fi
	[ "$(val is-active-after-start)" = active ] ||
		fail "systemctl is-active reclaimd right after start said '$(val is-active-after-start)', not active"
	[ -n "$st" ] ||
		fail "right after systemctl start returned, the unit had no StatusText: the daemon's READY=1/STATUS= notification had not been received"
	if [ -n "$mainpid" ] && [ "$mainpid" != 0 ] &&
		! grep -q ' -> /proc/pressure/memory$' "$out/fds-after-start" 2>/dev/null; then
		fail "right after systemctl start returned, the daemon (PID $mainpid) did not hold /proc/pressure/memory open: it was not ready yet (it arms its PSI trigger before READY=1)"
	fi
	# PID 1's own account (debug level during the start): the unit waited in
	# "start" (activating) for READY=1 from the main PID, then "start -> running",
	# then the start job (which systemctl start waits for) finished.
	l_activating=$(pid1 'Changed [a-z-]+ -> start$')
	l_direct=$(pid1 'Changed dead -> running$')
	l_ready=$(pid1 "Got notification message from PID ${mainpid:-x} \\(READY=1" "${l_activating:-0}")
	l_running=$(pid1 'Changed start -> running$')
	l_job=$(pid1 'Job [0-9]+ reclaimd\.service/start finished, result=done')
	if [ -z "$(pid1 '')" ]; then
		fail "journalctl -u reclaimd holds no record of PID 1 about the unit (PID 1's debug log of the start is missing)"
	elif [ -n "$l_direct" ] && [ -z "$l_activating" ]; then
		fail "PID 1 moved the unit from dead straight to running ('Changed dead -> running'): it never waited for READY=1 (Type=$(prop after-start Type))"
	elif [ -z "$l_activating" ] || [ -z "$l_running" ] || [ -z "$l_job" ]; then
		fail "PID 1's debug log lacks the start sequence: 'Changed ... -> start' (${l_activating:-missing}), 'Changed start -> running' (${l_running:-missing}), 'Job ... reclaimd.service/start finished, result=done' (${l_job:-missing})"
	elif [ -z "$l_ready" ]; then
		fail "PID 1 logged no 'Got notification message from PID $mainpid (READY=1...' while the unit was activating"
	elif [ "$l_ready" -gt "$l_running" ] || [ "$l_running" -gt "$l_job" ]; then
		fail "PID 1's log is out of order: READY=1 at record $l_ready, start -> running at $l_running, start job done at $l_job"
	else
		note "PID 1: activating (record $l_activating), READY=1 from PID $mainpid ($l_ready), start -> running ($l_running), start job done ($l_job)"
	fi
	# What the STATUS= text claims against what the kernel said at start: only
	# batch is managed then, and it is over its soft limit.
	over_claimed=$(printf '%s\n' "$st" | sed -n 's/.* \([0-9][0-9]*\) over their soft limit.*/\1/p')
	over_real=0
	[ "$(val current-start-batch)" -gt $((BATCH_SOFT * MiB)) ] 2>/dev/null && over_real=1
	if [ -n "$over_claimed" ] && [ "$over_claimed" != "$over_real" ]; then
		problem "the STATUS= text at start says '$over_claimed over their soft limit', but batch, the one managed cgroup, used $(mib "$(val current-start-batch)") MiB over its ${BATCH_SOFT} MiB soft limit ($over_real over)"
	fi
	armed=$(daemon_records '$6 == "armed"' | head -n 1 | cut -f 16)
	if daemon_records '$19 ~ /kernel refused the trigger window/' | grep -q .; then
		problem "under the unit the kernel refused the configured trigger 'some ${TRIGGER#some }' as from an unprivileged writer (the unit's CapabilityBoundingSet has no CAP_SYS_RESOURCE); the daemon armed '$armed' instead: every window under 2 s is rounded up when run by systemd"
	fi
fi

# ---- 2. reloads
echo "2. reload:"
if reached reload-good-begin; then
	r_good=$(daemon_records '$6 == "reload"' | sed -n 1p)
	note "systemctl reload (50-locked.conf, valid): exit $(val reload-good.exit); record: $(printf '%s' "$r_good" | cut -f 7,15 | tr '\t' ' ') '$(printf '%s' "$r_good" | cut -f 19)'"
	case $(printf '%s' "$r_good" | cut -f 7) in
	applied) [ "$(printf '%s' "$r_good" | cut -f 15)" = 2 ] ||
		fail "the reload that added locked (50-locked.conf) reports CGROUPS_MANAGED=$(printf '%s' "$r_good" | cut -f 15), not 2" ;;
	'') fail "journalctl -u reclaimd holds no ACTION=reload record for the first reload (50-locked.conf, valid)" ;;
	*) fail "the first reload (50-locked.conf, valid) was not applied: RESULT=$(printf '%s' "$r_good" | cut -f 7)" ;;
	esac
fi
if [ -n "$(ev_time reload-good-begin)" ] && reached reload-broken-begin; then
	r_bad=$(daemon_records '$6 == "reload"' | sed -n 2p)
	l_bad=$(printf '%s\n' "$r_bad" | cut -f 1)
	err=$(daemon_records '$19 ~ /60-tuning\.conf:4([^0-9]|$)/' | head -n 1)
	note "systemctl reload (60-tuning.conf, typo on line 4): exit $(val reload-broken.exit); record: $(printf '%s' "$r_bad" | cut -f 7) '$(printf '%s' "$r_bad" | cut -f 19)'"
	[ -n "$err" ] && note "error logged: '$(printf '%s' "$err" | cut -f 19)' (priority $(printf '%s' "$err" | cut -f 5))"
	case $(printf '%s' "$r_bad" | cut -f 7) in
	refused) ;;
	'') fail "journalctl -u reclaimd holds no ACTION=reload record for the reload with the broken drop-in" ;;
	*) fail "the reload with the broken drop-in (60-tuning.conf line 4: 'relase_interval = 1s') was not refused: RESULT=$(printf '%s' "$r_bad" | cut -f 7)" ;;
	esac
	if [ -z "$err" ]; then
		fail "journalctl -u reclaimd does not name the error's file and line (60-tuning.conf:4, 'relase_interval')"
	else
		printf '%s' "$err" | cut -f 19 | grep -q relase_interval ||
			fail "the error logged for 60-tuning.conf:4 does not name the key 'relase_interval': '$(printf '%s' "$err" | cut -f 19)'"
		if [ -n "$l_bad" ] && [ "$(printf '%s' "$err" | cut -f 1)" -gt "$l_bad" ]; then
			fail "the error for 60-tuning.conf:4 was logged after the refused reload, not as its reason"
		fi
	fi
	# Whether the refused file's 'clamp_high = no' took effect shows under
	# pressure (check 4: memory.high must be lowered after the refusal).
fi
# After each reload that ran: the same main PID, active (running).
for r in reload-good reload-broken; do
	[ -n "$(ev_time "$r-begin")" ] || continue
	[ "$(val "$r.exit")" = 0 ] || fail "systemctl reload reclaimd ($r) exited $(val "$r.exit")"
	a=$(prop "after-$r" ActiveState)
	b=$(prop "after-$r" SubState)
	p=$(prop "after-$r" MainPID)
	[ "$a/$b" = active/running ] || fail "after the $r reload the unit was $a ($b), not active (running)"
	[ "$p" = "$mainpid" ] || fail "after the $r reload the main PID was $p, not $mainpid: the daemon was restarted"
	[ "$(prop "after-$r" NRestarts)" = 0 ] || fail "after the $r reload NRestarts was $(prop "after-$r" NRestarts)"
	[ -n "$(prop "after-$r" StatusText)" ] ||
		problem "after the $r reload the unit has no StatusText (systemctl status shows no Status: line); it had '$st' after start"
done

# ---- 3. reclaim records under pressure
echo "3. reclaim records:"
if reached hog-started; then
	psi_first=$(awk '/^psiwatch: event 1 / { sub("t=", "", $4); print $4; exit }' "$out/psiwatch.out" 2>/dev/null)
	n_all=$(daemon_records '$6 == "reclaim"' | wc -l)
	batch_recs=$(daemon_records "\$6 == \"reclaim\" && \$8 == \"$G_BATCH\"")
	n_batch=$(printf '%s' "$batch_recs" | grep -c .)
	good=$(printf '%s\n' "$batch_recs" | awk -F '\t' -v id="$MSGID_RECLAIM" -v soft=$((BATCH_SOFT * MiB)) '
		$9 == id && $10 ~ /^[0-9]+$/ && $10 > 0 && $11 ~ /^[0-9]+$/ && $12 ~ /^([0-9]|1[0-2])$/ && $13 == soft' | head -n 1)
	gained=$(printf '%s\n' "$batch_recs" | awk -F '\t' '$11 ~ /^[0-9]+$/ && $11 > 0' | wc -l)
	note "ACTION=reclaim records: $n_all, $n_batch for $G_BATCH ($gained with RECLAIMED_BYTES > 0); PSI trigger (psiwatch) first fired $([ -n "$psi_first" ] && echo "$psi_first s after arming" || echo never)"
	[ -n "$good" ] && note "e.g. MESSAGE_ID=$(printf '%s' "$good" | cut -f 9) CGROUP=$(printf '%s' "$good" | cut -f 8) REQUESTED_BYTES=$(printf '%s' "$good" | cut -f 10) RECLAIMED_BYTES=$(printf '%s' "$good" | cut -f 11) PRIORITY_LEVEL=$(printf '%s' "$good" | cut -f 12) SOFT_LIMIT_BYTES=$(printf '%s' "$good" | cut -f 13): '$(printf '%s' "$good" | cut -f 19)'"
	if [ "$n_batch" -eq 0 ]; then
		if [ -z "$psi_first" ]; then
			fail "no memory pressure: the hog did not make 'some 150ms 1s' fire on /proc/pressure/memory (see $out/psiwatch.out), and reclaimd logged no reclaim"
		else
			fail "journalctl -u reclaimd -o json holds no ACTION=reclaim record for $G_BATCH ($(mib $(($(val current-start-batch) - BATCH_SOFT * MiB))) MiB over its soft limit) although the PSI trigger fired"
		fi
	elif [ -z "$good" ]; then
		fail "no ACTION=reclaim record for $G_BATCH has all of MESSAGE_ID=$MSGID_RECLAIM, REQUESTED_BYTES>0, RECLAIMED_BYTES, PRIORITY_LEVEL (0..12) and SOFT_LIMIT_BYTES=$((BATCH_SOFT * MiB)); the first: $(printf '%s\n' "$batch_recs" | head -n 1)"
	elif [ "$gained" -eq 0 ]; then
		fail "every ACTION=reclaim record for $G_BATCH says RECLAIMED_BYTES=0, although its cold memory is reclaimable"
	fi
	nsel=$(grep -c . "$out/journal-cgroup-batch.json" 2>/dev/null)
	nother=$(grep -vc "\"CGROUP\":\"$G_BATCH\"" "$out/journal-cgroup-batch.json" 2>/dev/null)
	note "journalctl -u reclaimd CGROUP=$G_BATCH: ${nsel:-0} records"
	if [ "${nsel:-0}" -eq 0 ] && [ "$n_batch" -gt 0 ]; then
		fail "journalctl -u reclaimd CGROUP=$G_BATCH selected nothing, although $n_batch records carry that CGROUP"
	elif [ "${nother:-0}" -gt 0 ]; then
		fail "journalctl -u reclaimd CGROUP=$G_BATCH also selected $nother records of other cgroups"
	fi
	if grep -q '"CODE_FILE":\[' "$J"; then
		problem "the daemon's records carry CODE_FILE/CODE_LINE/CODE_FUNC twice (e.g. CODE_FUNC=$(grep -o '"CODE_FUNC":\[[^]]*\]' "$J" | head -n 1 | cut -d: -f2-)): libsystemd adds the location of its sd_journal_sendv() call to the one the daemon sends (SD_JOURNAL_SUPPRESS_LOCATION is not defined)"
	fi
fi

# ---- 5. reclaimctl over the system bus
echo "5. reclaimctl:"
# ctl_out NAME: what reclaimctl NAME printed; ctl_exit NAME: its exit code.
ctl_out() { cat "$out/ctl-$1.out" 2>/dev/null; }
ctl_exit() { val "ctl-$1.exit"; }
# ctl_expect NAME EXIT TEXT WHAT: reclaimctl NAME exited EXIT and said TEXT (a fixed string).
ctl_expect() {
	if [ "$(ctl_exit "$1")" != "$2" ]; then
		fail "reclaimctl $4 exited $(ctl_exit "$1"), not $2:
$(ctl_out "$1" | head -n 20 | sed 's/^/    /')"
	elif ! ctl_out "$1" | grep -qF -- "$3"; then
		fail "reclaimctl $4 did not say '$3':
$(ctl_out "$1" | head -n 20 | sed 's/^/    /')"
	fi
}
if reached ctl-reload-begin; then
	note "reclaimctl reload: exit $(val ctl-reload.exit): $(head -n 1 "$out/ctl-reload.out" 2>/dev/null)"
	r_ctl=$(daemon_records '$6 == "reload"' | sed -n 3p | cut -f 7)
	if [ -n "$(ev_time ctl-reload-record-not-seen)" ] || [ -z "$r_ctl" ]; then
		fail "reclaimctl reload was not followed by an ACTION=reload record"
	elif [ "$r_ctl" != refused ]; then
		fail "reclaimctl reload with the broken drop-in in place was not refused: RESULT=$r_ctl"
	fi
	# Read and checked at once, also while a job is in flight: its errors are the answer.
	ctl_expect reload 1 "The configuration has errors" "reload (broken drop-in)"
fi
if reached ctl-begin; then
	if ! daemon_records '$19 ~ /^Control interface on the system bus as org\.reclaimd1/' | grep -q .; then
		fail "the daemon never said that its control interface is on the system bus"
	fi
	note "reclaimctl status: exit $(ctl_exit status), $(ctl_out status | head -n 1)"
	ctl_expect status 0 "cgroups managed" "status"
	for g in "$G_BATCH" "$G_LOCKED"; do
		ctl_out status | grep -q "^$g " || fail "reclaimctl status has no row for $g"
	done
	ctl_expect json 0 '"cgroups":[' "status --json"
	if command -v python3 >/dev/null && ! ctl_out json | python3 -c '
import json, sys
d = json.load(sys.stdin)
paths = [c["path"] for c in d["cgroups"]]
assert sys.argv[1] in paths and sys.argv[2] in paths, paths
assert d["rounds"] > 0, d["rounds"]' "$G_BATCH" "$G_LOCKED" 2>"$out/ctl-json.err"; then
		fail "reclaimctl status --json is not JSON with both cgroups and the rounds run: $(cat "$out/ctl-json.err")"
	fi
	ctl_expect explain-batch 0 "$G_BATCH: managed by [cgroup $G_BATCH]" "explain $G_BATCH"
	ctl_expect explain-batch 0 "In the last round that could reach it" "explain $G_BATCH"
	ctl_expect explain-locked 0 "memory.high" "explain $G_LOCKED (clamped)"
	ctl_expect explain-unmanaged 0 "not managed: no section matches" "explain system.slice"
	ctl_expect explain-nosuch 1 "No cgroup vmtest.slice/nosuch.service" "explain vmtest.slice/nosuch.service"
	ctl_expect nobody 77 "permission denied" "status as nobody"
	ctl_expect introspect 0 ".Explain" "(busctl introspect org.reclaimd1 /org/reclaimd1)"
	note "explain $G_LOCKED:"
	ctl_out explain-locked | sed 's/^/    /'
fi

# ---- 3b. a SIGKILL under pressure: ExecStopPost= puts back what the killed
# daemon held (a process of the unit that is neither it nor the next one),
# and Restart= runs it again.
echo "3b. SIGKILL:"
if ev_has killed; then
	killed=$(sed -n 's/^[0-9.]* killed pid=\([0-9]*\) .*/\1/p' "$out/events")
	next=$(sed -n 's/^[0-9.]* restarted mainpid=\([0-9]*\) .*/\1/p' "$out/events")
	post=$(daemon_records "\$2 != \"$killed\" && \$2 != \"${next:-none}\" && \$19 ~ /^Restored memory\\.high of vmtest\\.slice\\/vmtest-locked\\.service to max, left changed by a previous run/" | head -n 1)
	note "$(sed -n 's/^[0-9.]* \(killed .*\)/\1/p' "$out/events"); $(sed -n 's/^[0-9.]* \(restarted .*\)/\1/p' "$out/events")"
	[ -n "$post" ] && note "ExecStopPost= (PID $(printf '%s' "$post" | cut -f 2)): '$(printf '%s' "$post" | cut -f 19)'"
	[ -n "$post" ] ||
		fail "after the SIGKILL no process of the unit but the daemons restored locked's memory.high (ExecStopPost=reclaimd --restore): $(daemon_records "\$19 ~ /left changed by a previous run|Putting back/" | cut -f 2,19 | head -n 5)"
	if [ -z "$next" ]; then
		fail "the unit did not run again within 60 s of the SIGKILL (Restart=on-failure)"
	elif ev_has clamp-again-not-seen; then
		note "NOTE: the restarted daemon did not lower locked's memory.high again within ${CLAMP_DEADLINE} s"
	fi
else
	fail "the scenario did not reach the SIGKILL step (5c), which runs once locked's memory.high is lowered and the daemon alive: $(grep -o 'clamp-not-seen.*\|daemon-died-under-pressure' "$out/events" | head -n 1)"
fi

# ---- 3c. systemctl daemon-reload: the floors and the clamp held again
# ev_floor EVENT WHO KEY: KEY (low, min) of WHO (web, slice) in EVENT's line
# (floors_text in the scenario: "web low=L min=M slice low=L min=M locked.high=H").
ev_floor() {
	sed -n "s/^[0-9.]* $1 //p" "$out/events" | head -n 1 |
		awk -v who="$2" -v key="$3" '{ for (i = 1; i < NF; i++) if ($i == who) for (j = i + 1; j <= NF && j <= i + 2; j++) if (index($j, key "=") == 1) { print substr($j, length(key) + 2); exit } }'
}
# held_file EVENT WHO: which of WHO's files holds a floor (low, min, both, none).
held_file() {
	hl=$(ev_floor "$1" "$2" low)
	hm=$(ev_floor "$1" "$2" min)
	case "${hl:-0}:${hm:-0}" in 0:0) echo none ;; *:0) echo low ;; 0:*) echo min ;; *) echo both ;; esac
}
echo "3c. systemctl daemon-reload:"
if reached reload-web-end; then
	for e in floors-before daemon-reloaded floors-again clamp-after-daemon-reload floors-after-stop; do
		note "$(sed -n "s/^\([0-9.]*\) \($e .*\)/\1 s: \2/p" "$out/events" | head -n 1)"
	done
	if ! ev_has floors-before; then
		fail "within 30 s of the reload that made web managed (70-web.conf), with batch and locked over their soft limits, reclaimd held no floor on both web and vmtest.slice: $(sed -n 's/^[0-9.]* floors-not-seen //p' "$out/events")"
	else
		[ "$(sed -n 's/^[0-9.]* daemon-reloaded exit=\([0-9]*\).*/\1/p' "$out/events")" = 0 ] ||
			fail "systemctl daemon-reload failed: $(sed -n 's/^[0-9.]* \(daemon-reloaded .*\)/\1/p' "$out/events")"
		for who in web slice; do
			[ "$(held_file daemon-reloaded $who)" = none ] ||
				fail "systemd did not write $who's floor back at daemon-reload ($(held_file daemon-reloaded $who) still held, the daemon stopped): this check proves nothing without it"
		done
		sed -n 's/^[0-9.]* daemon-reloaded .*locked\.high=//p' "$out/events" | grep -qx max ||
			fail "systemd did not write locked's memory.high back to max at daemon-reload: this check proves nothing without it"
		if ev_has floors-again-not-seen; then
			fail "within ${FLOOR_DEADLINE} s of the daemon going on after systemd's daemon-reload, reclaimd had not held web's and vmtest.slice's floors again: $(sed -n 's/^[0-9.]* floors-again //p' "$out/events") (before: $(sed -n 's/^[0-9.]* floors-before //p' "$out/events"))"
		else
			t_c=$(ev_time continued)
			t_a=$(ev_time floors-again)
			note "floors held again $(awk -v a="$t_c" -v b="$t_a" 'BEGIN { printf "%.1f", b - a }') s after the daemon went on"
			# Which file is reclaimd's choice of the moment (protect = auto
			# holds memory.min while the offenders can give what the machine
			# lacks): either will do.
			# protect = low (70-web.conf): web's memory.low is its soft
			# limit, before and after; the slice's follows its children's
			# usage, and only needs to be held.
			for who in web slice; do
				[ "$(held_file floors-before $who)$(held_file floors-again $who)" = lowlow ] ||
					fail "$who's floor was memory.$(held_file floors-before $who) before the daemon-reload and memory.$(held_file floors-again $who) after, not memory.low (70-web.conf says protect = low)"
			done
			[ "$(ev_floor floors-again web low)" = "$(ev_floor floors-before web low)" ] ||
				fail "web's memory.low was $(ev_floor floors-before web low) before the daemon-reload and $(ev_floor floors-again web low) after: not held again at its soft limit"
			p0=$(sed -n 's/^[0-9.]* floors-before pid=\([0-9]*\) .*/\1/p' "$out/events")
			p1=$(sed -n 's/^[0-9.]* floors-again pid=\([0-9]*\) .*/\1/p' "$out/events")
			[ "${p0:-none}" = "${p1:-}" ] ||
				fail "the daemon's MainPID was '$p0' before the daemon-reload and '$p1' when the floors were back: a restart, not the running daemon, held them again"
			! ev_has clamp-after-daemon-reload-not-seen ||
				fail "within ${CLAMP_DEADLINE} s of the daemon going on after systemd's daemon-reload (which wrote locked's memory.high back to max) reclaimd had not lowered it again"
			# The slice is not managed: its count is reclaimctl's only view of the loss.
			if ! slice_lost=$(python3 -c '
import json, sys
with open(sys.argv[2]) as f:
    d = json.load(f)
print(sum(c["written_over"] for c in d["unmanaged_written_over"]
          if c["path"] == sys.argv[1] and c["file"] == "memory.low"))' "$SLICE" "$out/ctl-daemon-reload.out" 2>&1); then
				fail "reclaimctl status --json after the daemon-reload cannot be read: $slice_lost"
			else
				note "reclaimctl status --json: vmtest.slice's memory.low written over $slice_lost times"
				[ "$slice_lost" -ge 1 ] ||
					fail "reclaimctl status --json (unmanaged_written_over) counts vmtest.slice's memory.low written over $slice_lost times after systemd's daemon-reload wrote it back: a loss in a cgroup reclaimd does not manage must show"
			fi
		fi
	fi
fi

# ---- 3d. systemctl set-property MemoryLow= above the floor: the operator's
echo "3d. systemctl set-property:"
if reached set-property; then
	op_low=$((WEB_OPERATOR_LOW * MiB))
	for e in set-property operator-low-seen clamp-after-set-property; do
		note "$(sed -n "s/^\([0-9.]*\) \($e .*\)/\1 s: \2/p" "$out/events" | head -n 1)"
	done
	sed -n 's/^[0-9.]* set-property exit=\([0-9]*\) .*/\1/p' "$out/events" | grep -qx 0 ||
		fail "systemctl set-property --runtime vmtest-web.service MemoryLow=${WEB_OPERATOR_LOW}M failed"
	if ev_has operator-low-not-seen; then
		fail "within ${FLOOR_DEADLINE} s of set-property reclaimd did not say that web's memory.low was set by someone (ACTION=release RESULT=changed)"
	fi
	for e in operator-low-seen clamp-after-set-property floors-after-stop; do
		v=$(ev_floor $e web low)
		[ -z "$v" ] || [ "$v" = "$op_low" ] ||
			fail "web's memory.low was $v at $e, not the operator's MemoryLow=${WEB_OPERATOR_LOW}M ($op_low): reclaimd wrote over it"
	done
	[ -n "$(ev_floor floors-after-stop web low)" ] || fail "web's memory.low was not read after the stop"
	! ev_has clamp-after-set-property-not-seen ||
		fail "within ${CLAMP_DEADLINE} s of set-property (which wrote locked's memory.high back to max) reclaimd had not lowered it again"
fi

# ---- 3e. another writer that keeps writing over locked's clamp
echo "3e. a writer that keeps writing over the clamp:"
if reached fight-begin; then
	for e in fight-begin fight-end; do
		note "$(sed -n "s/^\([0-9.]*\) \($e .*\)/\1 s: \2/p" "$out/events" | head -n 1)"
	done
	rounds=$(sed -n 's/^[0-9.]* fight-end rounds=\([0-9]*\)$/\1/p' "$out/events")
	[ "${rounds:-0}" = "$FIGHT_ROUNDS" ] ||
		fail "the writer set locked's memory.high to max ${FIGHT_ROUNDS} times, and reclaimd lowered it again only ${rounds:-0} times within ${CLAMP_DEADLINE} s each (the kernel's file): $(sed -n 's/^[0-9.]* \(fight-wrote .*\)/\1/p' "$out/events" | tail -n 1)"
	# locked's memory.high records: release lines that say a loss, clamp lines that say it held again.
	high_says='$8 == "'"$G_LOCKED"'" && $20 == "memory.high" && $6 == "release"'
	contested=$(daemon_records "$high_says && \$7 == \"contested\"")
	n_contested=$(printf '%s' "$contested" | grep -c .)
	note "ACTION=release RESULT=contested of locked's memory.high: $n_contested; $(printf '%s' "$contested" | head -n 1 | cut -f 19)"
	# Each round of the writer's was found and counted (the daemon's own count), not
	# lowered again by a round at another level unseen: the rounds after the warning too.
	if ! fight_counts=$(python3 -c '
import json, sys
def count(name):
    with open(name) as f:
        c = [c for c in json.load(f)["cgroups"] if c["path"] == sys.argv[1]][0]
    return c["memory_high_written_over"], c["memory_high_contested"]
b, a = count(sys.argv[2]), count(sys.argv[3])
print(a[0] - b[0], "true" if a[1] else "false")' "$G_LOCKED" "$out/ctl-fight-before.out" "$out/ctl-fight-after.out" 2>&1); then
		fail "reclaimctl status --json before and after the writer's rounds cannot be read: $fight_counts"
	else
		note "reclaimctl status --json: locked's memory.high written over $fight_counts (during the rounds; contested)"
		[ "$fight_counts" = "$FIGHT_ROUNDS true" ] ||
			fail "reclaimctl status --json counts '$fight_counts' (losses during the writer's rounds, contested), not '$FIGHT_ROUNDS true': each round must be found"
	fi
	if [ "$n_contested" != 1 ]; then
		fail "the journal has $n_contested ACTION=release RESULT=contested records of locked's memory.high, not 1: a writer that keeps writing over a hold is said once"
	else
		[ "$(printf '%s' "$contested" | cut -f 5)" = 5 ] ||
			fail "the contested record has PRIORITY=$(printf '%s' "$contested" | cut -f 5), not 5 (notice)"
		l_c=$(printf '%s' "$contested" | cut -f 1)
		after=$(daemon_records "\$1 > $l_c && \$8 == \"$G_LOCKED\" && (\$6 == \"release\" && \$7 == \"changed\" || \$6 == \"clamp\" && \$7 == \"again\")" | wc -l)
		[ "$after" = 0 ] ||
			fail "after the contested record, the journal still says $after rounds of the fight over locked's memory.high (RESULT=changed or clamp RESULT=again): they go to debug level"
	fi
elif ev_has end; then
	fail "the writer's rounds (5f) never ran: locked's memory.high was not lowered, or the daemon had died, when they were to begin"
fi

# ---- 4. systemctl stop restores memory.high
echo "4. stop:"
if reached stop-begin; then
	soft_l=$((LOCKED_SOFT * MiB))
	h0=$(val high-start-locked)
	h1=$(val high-before-stop-locked)
	h2=$(val high-after-stop-locked)
	clamps=$(daemon_records "\$6 == \"clamp\" && \$8 == \"$G_LOCKED\"" | wc -l)
	l_stopping=$(daemon_records '$6 == "stopping"' | first_line)
	restored=$(daemon_records "\$6 == \"release\" && \$7 == \"restored\" && \$8 == \"$G_LOCKED\" && \$1 > ${l_stopping:-999999999}" | head -n 1)
	note "locked ($G_LOCKED, ${LOCKED_MIB} MiB mlocked, soft_limit ${LOCKED_SOFT} MiB): memory.high '$h0' at start, '$h1' before stop, '$h2' right after; $clamps clamp records"
	note "systemctl stop: exit $(val stop.exit) after $(val stop.seconds) s; then $(prop after-stop ActiveState) ($(prop after-stop SubState)), Result=$(prop after-stop Result)"
	[ -n "$restored" ] && note "after ACTION=stopping: '$(printf '%s' "$restored" | cut -f 19)' (ACTION=release RESULT=restored)"
	[ "$h0" = max ] || fail "setup: locked's memory.high was '$h0' before reclaimd started, not max"
	case $h1 in
	max | '' | gone)
		if [ "$CLAMP_HIGH" = yes ]; then
			extra=" (the config has clamp_high = yes; the refused drop-in 60-tuning.conf has clamp_high = no: if the daemon took it, it did not keep its previous configuration)"
		else
			extra=" (the config has clamp_high = $CLAMP_HIGH)"
		fi
		fail "locked's memory.high was '$h1' when the stop began: reclaimd never lowered it under ${CLAMP_DEADLINE} s of pressure, so there was nothing for systemctl stop to restore$extra"
		;;
	*)
		[ "$h1" -ge "$soft_l" ] 2>/dev/null ||
			fail "locked's memory.high was lowered to $h1, below its soft limit ($soft_l)"
		;;
	esac
	[ "$(val stop.exit)" = 0 ] || fail "systemctl stop reclaimd exited $(val stop.exit)"
	[ "$(prop after-stop ActiveState)" = inactive ] ||
		fail "after systemctl stop the unit was $(prop after-stop ActiveState) ($(prop after-stop SubState)), not inactive"
	[ "$(prop after-stop Result)" = success ] ||
		fail "after systemctl stop the unit's Result was '$(prop after-stop Result)', not success (the daemon did not exit 0 on SIGTERM)"
	for g in batch locked; do
		a=$(val "high-start-$g")
		b=$(val "high-before-stop-$g")
		c=$(val "high-after-stop-$g")
		[ "$c" = "$a" ] ||
			fail "right after systemctl stop returned, $g's memory.high was '$c' ('$b' before the stop); it was '$a' before reclaimd started: the stop did not restore it"
	done
	if ev_has floors-before; then
		# web's memory.low is the operator's after 3d, and stays.
		[ "$(held_file floors-after-stop slice)" = none ] ||
			fail "right after systemctl stop returned, vmtest.slice's floor was still held: $(sed -n 's/^[0-9.]* floors-after-stop //p' "$out/events")"
		ev_has set-property || [ "$(held_file floors-after-stop web)" = none ] ||
			fail "right after systemctl stop returned, web's floor was still held: $(sed -n 's/^[0-9.]* floors-after-stop //p' "$out/events")"
	fi
	case $h1 in
	max | '' | gone) ;;
	*) [ -n "$restored" ] || [ "$h2" != "$h0" ] ||
		note "NOTE: memory.high came back, but no ACTION=release RESULT=restored record for locked follows ACTION=stopping" ;;
	esac
fi

# Soft limits declared on batch's cgroup, under the unit's bounding set: the
# trusted.* one needs CAP_SYS_ADMIN to be read (xattr_permission()), which
# the unit does not give, and the daemon said so; the user.* one of a
# cgroup root owns is trusted and read (said once by each daemon), and its section's own
# soft_limit wins (soft_limit_xattr = yes): result=overridden.
if reached start-end; then
	# Once per daemon: the one step 3b's SIGKILL ended, and the one Restart= ran.
	n_xattr=$(daemon_records '$6 == "xattr"' | grep "	$G_BATCH	" | cut -f 2 | sort | uniq -c | sort -rn | awk 'NR == 1 { print $1 }')
	n_xattr=${n_xattr:-0}
	note "soft limits declared on $G_BATCH: at most $n_xattr ACTION=xattr record(s) per daemon: $(daemon_records '$6 == "xattr"' | cut -f 19 | head -n 1)"
	grep -q 'Without CAP_SYS_ADMIN trusted.reclaimd.soft_limit reads as absent' "$out/journal-reclaimd.txt" ||
		fail "the daemon did not say that under the unit, without CAP_SYS_ADMIN, trusted.reclaimd.soft_limit cannot be read"
	daemon_records '$6 == "xattr" && $7 == "overridden"' | grep "	$G_BATCH	" | grep -q '48.0M (user.reclaimd.soft_limit); its section' ||
		fail "the daemon did not read user.reclaimd.soft_limit (48M) of $G_BATCH, a cgroup root owns, as overridden by its section's soft_limit"
	[ "$n_xattr" -le 1 ] || fail "the declared soft limit of $G_BATCH was said $n_xattr times by one daemon, not once"
fi

# The workloads ran to the end (a dead one would say nothing about reclaim).
n=0
for g in batch locked hog web; do
	n=$((n + 1))
	[ "$g" != hog ] || [ -n "$(ev_time hog-started)" ] || continue
	st_g=$(sed -n "${n}p" "$out/workloads-active" 2>/dev/null)
	[ "$st_g" = active ] ||
		fail "the $g workload (vmtest-$g.service) was '${st_g:-unknown}' at the end, not active (OOM kill? see $out/$g.out and $out/journal-all.txt)"
done

# ---- verdict
if [ "$failures" -gt 0 ]; then
	echo "----- journalctl -u reclaimd (without PID 1's debug and the sandbox set-up) -----" >&2
	grep -v ' (reclaimd)\[\|WATCHDOG=1\|Failed to parse system call\|systemd\[1\]: reclaimd.service: \(Trying to\|Installed\|Enqueued\|Passing\|Will spawn\|About to\|Forked\|Child\|Control process\|Main PID\)' \
		"$out/journal-reclaimd.txt" >&2
	echo "----- scenario events -----" >&2
	cat "$out/events" >&2
	echo "$failures check(s) failed; the guest's output is in $out (console.log, journal-all.txt ...)" >&2
	exit 1
fi
judge_pass "under systemd 252 reclaimd started as Type=notify, survived a broken reload, logged structured reclaim records, held its floors again after a daemon-reload and restored memory.high on stop"
