#!/bin/sh
# test-badconfig.sh -- in the VM, reclaimd refuses a config with a bad size
# (soft_limit = 12Q on line 5): `reclaimd --config bad.conf` exits non-zero at
# once and its stderr names bad.conf and line 5; `--check-config` does the
# same and names the key; `--check-config` accepts a good config. A state
# file a killed run left under another cgroup root is put back under that
# root (by a start that fails and one that runs), and kept when that root is
# gone.
#
# Exit: 0 pass, 1 fail, 77 skip (never when CI=true), 99 hard error.
# VM_OUTDIR=DIR keeps the guest's output in DIR (else a temporary folder,
# removed on success unless VM_KEEP=1).

vm_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
# shellcheck source=/dev/null
. "$vm_dir/vm.sh"
# shellcheck source-path=SCRIPTDIR source=judge.sh
. "$vm_dir/judge.sh"

vm_skip_unless_ready
vm_require_file "$RECLAIMD" "reclaimd"

judge_outdir badconfig

VM_TIMEOUT=${VM_TIMEOUT_BADCONFIG:-60}
export VM_TIMEOUT
judge_run "$vm_dir/scenario-badconfig.sh"

show() { sed 's/^/    /' "$out/$1.stderr"; }

for run in daemon check; do
	case $run in
	daemon) what="reclaimd --config bad.conf" ;;
	*) what="reclaimd --check-config --config bad.conf" ;;
	esac
	code=$(cat "$out/$run.exit" 2>/dev/null || echo missing)
	echo "$what: exit $code; stderr:"
	show "$run"
	case $code in
	0) fail "$what exited 0 on a config with 'soft_limit = 12Q' (line 5)" ;;
	124 | 137) fail "$what was still running after 10 s: it did not reject 'soft_limit = 12Q' (line 5)" ;;
	missing) fail "$what: no exit status recorded" ;;
	3) ;;
	*) fail "$what: exit $code, not 3 (an invalid configuration, reclaimd(8))" ;;
	esac
	# FILE:LINE, with the file named as given or by a longer path.
	grep -q 'bad\.conf:5\([^0-9]\|$\)' "$out/$run.stderr" ||
		fail "$what: stderr does not name 'bad.conf:5' (the file and line of 'soft_limit = 12Q')"
	if [ -s "$out/$run.stdout" ]; then
		echo "  (stdout: $(head -c 200 "$out/$run.stdout"))"
	fi
done
grep -q 'soft_limit' "$out/check.stderr" ||
	fail "reclaimd --check-config --config bad.conf: stderr does not name the key 'soft_limit'"

code=$(cat "$out/good.exit" 2>/dev/null || echo missing)
echo "reclaimd --check-config --config good.conf: exit $code"
if [ "$code" != 0 ]; then
	show good
	fail "reclaimd --check-config rejected a valid config (exit $code)"
fi

# A state file left under another cgroup root is put back there, not taken for this root's cgroups.
for run in moved-bad moved-run; do
	high=$(cat "$out/$run.high" 2>/dev/null || echo missing)
	decoy=$(cat "$out/$run.decoy" 2>/dev/null || echo missing)
	echo "$run: memory.high of ns/moved (/mnt/cg2/moved) $high, of moved $decoy; exit $(cat "$out/$run.exit" 2>/dev/null)"
	[ "$high" = max ] ||
		fail "$run: ns/moved's memory.high is $high, not put back to max under the recorded root /mnt/cg2"
	[ "$decoy" = 104857600 ] ||
		fail "$run: moved's memory.high is $decoy: a record of /mnt/cg2 was applied beneath /sys/fs/cgroup"
	grep -q 'under /mnt/cg2' "$out/$run.stderr" ||
		fail "$run: stderr does not say the records go back under /mnt/cg2"
done
[ "$(cat "$out/moved-bad.exit" 2>/dev/null)" = 3 ] || fail "moved-bad: a bad configuration did not exit 3"
[ "$(cat "$out/moved-run.exit" 2>/dev/null)" = 0 ] || fail "moved-run: the daemon's stop did not exit 0"
grep -q 'records values changed under the cgroup root /mnt/cg2, not /sys/fs/cgroup' "$out/moved-run.stderr" ||
	fail "moved-run: stderr does not name both roots"
echo "gone: exit $(cat "$out/gone.exit" 2>/dev/null); memory.high of moved $(cat "$out/gone.decoy" 2>/dev/null)"
show gone
[ "$(cat "$out/gone.decoy" 2>/dev/null)" = 104857600 ] ||
	fail "gone: moved's memory.high changed under a root the record does not name"
grep -q '^memory.high max 104857600 104857600 moved$' "$out/gone.state" 2>/dev/null ||
	fail "gone: the record under the missing root /mnt/gone was not kept"
grep -q '/mnt/gone' "$out/gone.stderr" || fail "gone: stderr does not name the recorded root /mnt/gone"
[ "$(cat "$out/gone.exit" 2>/dev/null)" = 1 ] ||
	fail "gone: --restore exited $(cat "$out/gone.exit" 2>/dev/null), not 1, with the records not put back"

# shellcheck disable=SC2119 # no sections to print
judge_exit_if_failed
echo "PASS: reclaimd rejects a bad size and names bad.conf:5; a state file goes back under its own root (VM $(cat "$out/vm-seconds") s)"
[ "$keep" = 1 ] || rm -rf "$out"
exit 0
