#!/bin/sh
# test-plot.sh -- tests/vm/plot.sh on runs made up here: a headerless
# samples file with reclaimd's log and configuration (the softlimit
# scenario's folder), and one with a header and cgroups.tsv but no log (the
# machine-wide benchmark's, the kernel alone), side by side.  Checks what is
# drawn (the data files plot.sh keeps with PLOT_KEEP) and that a PNG of two
# panels comes out.
set -u
: "${abs_top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
plot=$abs_top_srcdir/tests/vm/plot.sh
if ! command -v gnuplot >/dev/null; then
	echo "SKIP: gnuplot not found (apt-get install gnuplot-nox)"
	[ "${CI:-}" = true ] && exit 99
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
T=$(printf '\t')
MiB=1048576

# Run a: t batch web hog psi, no header; time 0 at hog-started (10.5).
mkdir -p "$tmp/a" "$tmp/b"
for t in 10 11 12 13; do
	printf '%s\t%s\t%s\t%s\t0\n' "$t.0" $(((100 - (t - 10) * 20) * MiB)) $((50 * MiB)) $((t * MiB))
done >"$tmp/a/samples.tsv"
printf '1.0 workloads-ready\n10.5 hog-started\n' >"$tmp/a/events"
printf '[pressure]\ntrigger = some 150ms 1s\n[cgroup batch]\nsoft_limit = 32M\n[cgroup web]\nsoft_limit = 128M ; a comment\n' \
	>"$tmp/a/reclaimd.conf"
cat >"$tmp/a/reclaimd.log" <<EOF
10.80 action=trigger scope=system round=1 mode=direct msg="Memory pressure in system, starting round 1"
11.50 action=reclaim cgroup=batch requested=20971520 reclaimed=20971520 priority=12 soft_limit=33554432 current=73400320 swap=0 result=ok dry_run=0 msg="Asked 20.0M from batch"
12.00 action=clamp cgroup=batch high=41943040 reclaimed=0 priority=3 soft_limit=33554432 current=62914560 result=ok dry_run=0 msg="Lowered memory.high of batch to 40.0M"
12.20 action=clamp cgroup=batch high=37748736 reclaimed=0 priority=3 soft_limit=33554432 current=62914560 result=EBUSY dry_run=0 msg="failed"
12.50 action=reclaim cgroup=web requested=2097152 reclaimed=0 priority=12 soft_limit=134217728 current=52428800 swap=0 result=partial dry_run=0 msg="Asked 2.0M from web"
EOF
# Run b: the machine-wide scenario's samples, the kernel alone.
{
	printf 't\tfree_kb\tsome_us\tfull_us\tdb.cur\tdb.swap\thog.cur\n'
	printf '20.0\t1000\t0\t0\t%s\t0\t0\n21.0\t900\t5\t1\t%s\t0\t%s\n' $((80 * MiB)) $((60 * MiB)) $((30 * MiB))
} >"$tmp/b/samples.tsv"
printf '20.0 pressure-start\n' >"$tmp/b/events"
printf 'db%s%s%sover%s%s\n' "$T" $((64 * MiB)) "$T" "$T" $((80 * MiB)) >"$tmp/b/cgroups.tsv"

if ! PLOT_KEEP=$tmp/keep sh "$plot" -o "$tmp/out.png" --columns "t batch web hog" --title 'a "quoted" title' \
	--label reclaimd --label "kernel alone" "$tmp/a" "$tmp/b"; then
	fail "plot.sh failed"
fi
k=$tmp/keep
# check FILE EXPECTED WHAT
check() {
	if [ "$(cat "$1" 2>/dev/null)" != "$2" ]; then
		fail "$3: expected
$2
got
$(cat "$1" 2>/dev/null)"
	fi
}
check "$k/1.names" "batch
web
hog" "run a's cgroups (--columns)"
check "$k/1.dat" "-0.50 100.00 50.00 10.00
0.50 80.00 50.00 11.00
1.50 60.00 50.00 12.00
2.50 40.00 50.00 13.00" "run a's usage in MiB, time from hog-started"
check "$k/1.soft" "batch 32.00
web 128.00" "run a's soft limits, from reclaimd.conf"
# One block per cgroup (batch, web, hog): the usage after each step; only the clamps that took.
check "$k/1.steps" "1.00 70.00


2.00 50.00" "run a's steps"
check "$k/1.clamps" "1.50 40.00" "run a's clamps"
check "$k/2.names" "db
hog" "run b's cgroups (the header's .cur columns)"
check "$k/2.dat" "0.00 80.00 0.00
1.00 60.00 30.00" "run b's usage"
check "$k/2.soft" "db 64.00" "run b's soft limits, from cgroups.tsv"
check "$k/2.label" "kernel alone" "run b's label"

# A PNG, two panels wide (700 px each, plus 100).
sig=$(od -An -c -N 4 "$tmp/out.png" 2>/dev/null | tr -d ' ')
width=$(od -An -tu1 -j 16 -N 4 "$tmp/out.png" 2>/dev/null | awk '{ print (($1 * 256 + $2) * 256 + $3) * 256 + $4 }')
[ "$sig" = "211PNG" ] || fail "plot.sh's output is not a PNG (starts with '$sig')"
[ "$width" = 1500 ] || fail "the PNG is $width px wide, not 1500 (two panels)"

# Bad input: a missing samples file is an error naming it.
if sh "$plot" -o "$tmp/x.png" "$tmp/nosuch" 2>"$tmp/err"; then
	fail "plot.sh drew a run that does not exist"
elif ! grep -q "no samples in $tmp/nosuch/samples.tsv" "$tmp/err"; then
	fail "plot.sh's error does not name the missing samples file: $(cat "$tmp/err")"
fi
[ "$failures" -eq 0 ] || exit 1
echo "PASS: plot.sh drew both runs ($(wc -c <"$tmp/out.png") bytes)"
