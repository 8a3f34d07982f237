#!/bin/sh
# test-badconfig.sh -- in the VM, reclaimd refuses a config with a bad size
# (soft_limit = 12Q on line 5): `reclaimd --config bad.conf` exits non-zero at
# once and its stderr names bad.conf and line 5; `--check-config` does the
# same and names the key; `--check-config` accepts a good config.
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

# shellcheck disable=SC2119 # no sections to print
judge_exit_if_failed
echo "PASS: reclaimd rejects a bad size and names bad.conf:5 (VM $(cat "$out/vm-seconds") s)"
[ "$keep" = 1 ] || rm -rf "$out"
exit 0
