#!/bin/sh
# demo.sh -- run the softlimit scenario (test-softlimit.sh) in the VM and show
# what happened: reclaimd's log and batch's/web's memory.current over time,
# as the kernel reported them in the guest, and the same as a picture,
# demo.png in the output folder (plot.sh, with gnuplot).  For `make demo`.
#
# Same environment as the tests (abs_top_builddir, RECLAIMD, ...; see vm.sh).
# VM_OUTDIR=DIR chooses where the guest's output is kept (default: a new
# temporary folder, printed at the end).

vm_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
out=${VM_OUTDIR:-$(mktemp -d "${TMPDIR:-/tmp}/reclaimd-demo.XXXXXX")} || exit 99
VM_OUTDIR=$out
export VM_OUTDIR

echo "== Booting a guest and running the softlimit scenario (about 30-60 s under TCG)"
sh "$vm_dir/test-softlimit.sh"
rc=$?
if [ ! -f "$out/samples.tsv" ]; then
	echo "demo: the scenario produced no samples (test exit $rc)" >&2
	exit 1
fi

t0=$(awk '$2 == "hog-started" { print $1; exit }' "$out/events")
: "${t0:=0}"

echo
echo "== The config reclaimd ran with"
sed 's/^/    /' "$out/reclaimd.conf"

echo
echo "== Scenario events (seconds since the pressure workload started)"
awk -v t0="$t0" '{ printf "    %+7.1f  %s\n", $1 - t0, $2 }' "$out/events"

echo
echo "== reclaimd's log (seconds since the pressure workload started; action, cgroup and msg"
echo "   of each line; the full lines are in $out/reclaimd.log)"
if [ -s "$out/reclaimd.log" ]; then
	awk -v t0="$t0" '{
		t = $1
		line = $0
		sub(/^[^ ]* /, "", line)
		action = ""; cgroup = ""; msg = ""
		for (i = 2; i <= NF; i++) {
			if ($i ~ /^action=/) action = substr($i, 8)
			if ($i ~ /^cgroup=/) cgroup = substr($i, 8)
		}
		if (match(line, /msg="[^"]*"/))
			msg = substr(line, RSTART + 5, RLENGTH - 6)
		if (action == "" || msg == "")
			printf "    %+7.1f  %s\n", t - t0, line
		else
			printf "    %+7.1f  %-10s %-6s %s\n", t - t0, action, cgroup, msg
	}' "$out/reclaimd.log"
else
	echo "    (empty)"
fi

echo
echo "== memory.current sampled in the guest (MiB; one row a second; # = 4 MiB of batch)"
soft_b=$(awk '/^\[cgroup batch\]/ { s = 1; next } /^\[/ { s = 0 } s && $1 == "soft_limit" { print $3 }' "$out/reclaimd.conf")
soft_w=$(awk '/^\[cgroup web\]/ { s = 1; next } /^\[/ { s = 0 } s && $1 == "soft_limit" { print $3 }' "$out/reclaimd.conf")
echo "    soft limits: batch $soft_b, web $soft_w"
printf '    %7s %8s %8s %8s %9s  %s\n' "t(s)" batch web hog "psi(ms)" "batch"
awk -F '\t' -v t0="$t0" '
	NR == 1 { p0 = $5 }
	{
		t = $1 - t0
		if (NR > 1 && t < last + 1 && t < 0 == (last < 0)) next
		last = t
		bar = ""
		for (i = 0; i < $2 / 4194304; i++) bar = bar "#"
		printf "    %+7.1f %8.1f %8.1f %8.1f %9.0f  %s\n", t, $2 / 1048576, $3 / 1048576, $4 / 1048576, ($5 - p0) / 1000, bar
	}' "$out/samples.tsv"
echo "    (psi = total memory 'some' stall of the whole machine since the first sample)"

echo
# The picture: usage over time, soft limits, reclaimd's steps and clamps.
if sh "$vm_dir/plot.sh" -o "$out/demo.png" --columns "t batch web hog" \
	--title "reclaimd, the softlimit scenario: memory.current in the guest" --label "batch over its soft limit, web under" "$out" >/dev/null; then
	echo "== The picture: $out/demo.png"
else
	echo "== No picture (plot.sh failed or gnuplot is missing: apt-get install gnuplot-nox)"
fi
echo
if [ "$rc" -eq 0 ]; then
	echo "== Test verdict: PASS"
else
	echo "== Test verdict: exit $rc (see the FAIL lines above)"
fi
echo "== Everything the guest wrote is in $out"
exit "$rc"
