# shellcheck shell=sh
# Guest side of test-badconfig.sh (run by vm_run inside the VM, cwd /out).
# Runs reclaimd on a config with a bad size on line 5, both as a daemon and
# with --check-config, and --check-config on a good config.  For each run
# NAME it writes NAME.exit (the exit status; 124 if it was still running
# after 10 s) and NAME.stderr to /out.
O=${VM_OUT:-/out}
mkdir -p /tmp/cfg && cd /tmp/cfg || exit 1

cat >bad.conf <<'CONF'
[pressure]
trigger = some 150ms 1s

[cgroup batch]
soft_limit = 12Q

[cgroup web]
soft_limit = 256M
CONF

cat >good.conf <<'CONF'
[pressure]
trigger = some 150ms 1s

[cgroup batch]
soft_limit = 64M

[cgroup web]
soft_limit = 256M
CONF
mkdir -p /sys/fs/cgroup/batch /sys/fs/cgroup/web
cp bad.conf good.conf "$O/"

run() {
	name=$1
	shift
	timeout -k 2 10 "$@" >"$O/$name.stdout" 2>"$O/$name.stderr" </dev/null
	echo "$?" >"$O/$name.exit"
	echo "scenario: $name: exit $(cat "$O/$name.exit"): $*"
	sed "s/^/  $name stderr: /" "$O/$name.stderr"
}
run daemon "$RECLAIMD" --config bad.conf
run check "$RECLAIMD" --check-config --config bad.conf
run good "$RECLAIMD" --check-config --config good.conf

# A state file a killed run left under another cgroup root: --cgroup-root
# /mnt/cg2, a cgroup2 mount made in a cgroup namespace rooted at ns, so that
# /mnt/cg2/moved is ns/moved. Its paths are relative to that root, and are
# put back there, by a start that fails on its configuration and by one that
# runs; /sys/fs/cgroup/moved, the same path under this run's root, is
# another cgroup that an operator set to the same value, and keeps it.
# NAME.high and NAME.decoy are the kernel's values after.
mkdir -p /mnt/cg2 /run/moved /sys/fs/cgroup/ns /sys/fs/cgroup/moved && chmod 700 /run/moved
# The mounting process is in ns, until it exits: only then may ns enable controllers for its children.
sh -c 'echo $$ >/sys/fs/cgroup/ns/cgroup.procs && exec unshare --cgroup mount -t cgroup2 none /mnt/cg2' ||
	echo "scenario: the namespaced cgroup2 mount failed"
echo +memory >/sys/fs/cgroup/ns/cgroup.subtree_control
mkdir -p /sys/fs/cgroup/ns/moved
echo "scenario: /mnt/cg2 holds: $(ls /mnt/cg2 | tr '\n' ' ')"
leave_moved() {
	echo 104857600 >/sys/fs/cgroup/ns/moved/memory.high
	echo 104857600 >/sys/fs/cgroup/moved/memory.high
	printf 'reclaimd-state 3\n#cgroup-root %s\nmemory.high max 104857600 104857600 moved\n' "$1" \
		>/run/moved/state
	chmod 600 /run/moved/state
}
after() {
	cat /sys/fs/cgroup/ns/moved/memory.high >"$O/$1.high"
	cat /sys/fs/cgroup/moved/memory.high >"$O/$1.decoy"
}
leave_moved /mnt/cg2
run moved-bad "$RECLAIMD" --config bad.conf --state-file /run/moved/state
after moved-bad

leave_moved /mnt/cg2
"$RECLAIMD" --config good.conf --state-file /run/moved/state >"$O/moved-run.stdout" 2>"$O/moved-run.stderr" </dev/null &
pid=$!
i=0
while [ "$i" -lt 100 ] && [ "$(cat /sys/fs/cgroup/ns/moved/memory.high)" != max ]; do
	sleep 0.1
	i=$((i + 1))
done
after moved-run
kill -TERM "$pid"
wait "$pid"
echo "$?" >"$O/moved-run.exit"
sed "s/^/  moved-run stderr: /" "$O/moved-run.stderr"

# Under a root that is no longer there the records cannot go back: kept, never dropped as gone.
leave_moved /mnt/gone
run gone "$RECLAIMD" --restore --state-file /run/moved/state
after gone
cp /run/moved/state "$O/gone.state" 2>/dev/null
echo max >/sys/fs/cgroup/ns/moved/memory.high
echo max >/sys/fs/cgroup/moved/memory.high
exit 0
