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
exit 0
