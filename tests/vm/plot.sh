#!/bin/sh
# plot.sh -- draws what a VM run saw as a PNG with gnuplot: memory.current
# of each cgroup over time (as the kernel reported it in the guest), each
# cgroup's soft limit as a dashed line in its colour, and reclaimd's steps
# (memory.reclaim: dots at the usage after the step) and clamps (memory.high
# lowered: triangles at the new limit) from its log.  Given several runs, it
# draws them side by side on the same scales (reclaimd and the kernel alone,
# in the machine-wide benchmark).
#
#   plot.sh -o OUT.png [OPTIONS] RUN...
#
# A RUN is a folder a VM test or bench-machinewide.sh kept (VM_OUTDIR,
# VM_KEEP=1, BENCH_OUT/KERNEL/SHAPE/run-N-MODE), read for:
#   samples.tsv   t (guest uptime) then columns; with a header line (the
#                 machine-wide scenario: "t free_kb ... NAME.cur ..."), the
#                 NAME.cur columns are drawn; without one, --columns names
#                 them (the softlimit scenario: "t batch web hog")
#   reclaimd.log  reclaimd's key=value lines, each after the guest's uptime
#                 (none: the kernel alone, nothing marked)
#   reclaimd.conf the soft limits ([cgroup NAME] soft_limit = SIZE), or
#   cgroups.tsv   NAME SOFT_LIMIT_BYTES ... (the machine-wide scenario)
#   events        "UPTIME NAME" lines: time 0 is the first --t0 event found
# Options:
#   -o FILE          the PNG (required)
#   --samples FILE, --log FILE, --conf FILE, --events FILE
#                    instead of the run folder's (one run only)
#   --columns "t A B ..."  names of a headerless samples file's columns
#   --t0 "EV ..."    events that are time 0 (default "hog-started pressure-start")
#   --title TEXT     the picture's title; --label TEXT per run, in order
#                    (default: the run folder's name)
# PLOT_KEEP=DIR keeps the data files drawn (N.dat, N.steps, N.clamps, N.soft)
# there.  Needs gnuplot (apt-get install gnuplot-nox).  Exit 0, 1 on a bad
# input, 77 without gnuplot.
set -u

out='' samples='' log='' conf='' events='' columns='' title='' labels=''
t0_events="hog-started pressure-start"
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift 2 ;;
	--samples) samples=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--conf) conf=$2; shift 2 ;;
	--events) events=$2; shift 2 ;;
	--columns) columns=$2; shift 2 ;;
	--t0) t0_events=$2; shift 2 ;;
	--title) title=$2; shift 2 ;;
	--label) labels="$labels$2
"; shift 2 ;;
	-h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "plot.sh: unknown option $1" >&2; exit 1 ;;
	*) break ;;
	esac
done
[ -n "$out" ] || { echo "plot.sh: -o OUT.png is required" >&2; exit 1; }
[ $# -ge 1 ] || [ -n "$samples" ] || { echo "plot.sh: no run folder and no --samples" >&2; exit 1; }
command -v gnuplot >/dev/null || { echo "plot.sh: SKIP: gnuplot not found (apt-get install gnuplot-nox)" >&2; exit 77; }
[ $# -gt 0 ] || set -- ""
if [ $# -gt 1 ] && [ -n "$samples$log$conf$events" ]; then
	echo "plot.sh: --samples/--log/--conf/--events name one run's files: give one run" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/reclaimd-plot.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# soft_limits CONF|CGROUPS_TSV: "NAME BYTES" lines.
soft_limits() {
	case $1 in
	*.tsv) awk -F '\t' '$2 ~ /^[0-9]+$/ { print $1, $2 }' "$1" ;;
	*) awk '
		function bytes(v,   n, u) {
			n = v + 0; u = toupper(substr(v, length(v)))
			if (u == "K") n *= 1024; else if (u == "M") n *= 1048576
			else if (u == "G") n *= 1073741824; else if (u == "T") n *= 1099511627776
			return n
		}
		/^[ \t]*\[cgroup / { name = $0; sub(/^[ \t]*\[cgroup /, "", name); sub(/\][ \t]*(;.*)?$/, "", name); next }
		/^[ \t]*\[/ { name = ""; next }
		name != "" && $1 == "soft_limit" && $3 != "max" { print name, bytes($3) }' "$1" ;;
	esac
}

# prepare N SAMPLES LOG CONF EVENTS: writes $tmp/N.dat (t then MiB per
# cgroup), $tmp/N.names, $tmp/N.soft (NAME MiB), $tmp/N.steps and
# $tmp/N.clamps (t MiB, one block per cgroup in .names order).
prepare() {
	n=$1 s=$2 l=$3 c=$4 e=$5
	[ -s "$s" ] || { echo "plot.sh: no samples in ${s:-(none)}" >&2; exit 1; }
	t0=
	if [ -f "$e" ]; then
		for ev in $t0_events; do
			t0=$(awk -v e="$ev" '$2 == e { print $1; exit }' "$e")
			[ -n "$t0" ] && break
		done
	fi
	: "${t0:=$(awk 'NR == 1 && $1 ~ /^[0-9.]+$/ { print $1 } NR == 2 && $1 ~ /^[0-9.]+$/ { print $1 }' "$s" | head -n 1)}"
	awk -F '\t' -v t0="$t0" -v cols="$columns" -v names="$tmp/$n.names" '
		NR == 1 && $1 == "t" {
			for (i = 2; i <= NF; i++)
				if ($i ~ /\.cur$/) { k++; col[k] = i; nm = $i; sub(/\.cur$/, "", nm); print nm > names }
			next
		}
		NR == 1 {
			m = split(cols, c, " ")
			for (i = 2; i <= m; i++) { k++; col[k] = i; print c[i] > names }
		}
		$1 ~ /^[0-9.]+$/ {
			line = sprintf("%.2f", $1 - t0)
			for (i = 1; i <= k; i++) line = line sprintf(" %.2f", $(col[i]) / 1048576)
			print line
		}' "$s" >"$tmp/$n.dat"
	[ -s "$tmp/$n.names" ] || { echo "plot.sh: $s has no header and no --columns" >&2; exit 1; }
	: >"$tmp/$n.soft"
	[ -f "$c" ] && soft_limits "$c" | awk '{ printf "%s %.2f\n", $1, $2 / 1048576 }' >"$tmp/$n.soft"
	: >"$tmp/$n.steps"
	: >"$tmp/$n.clamps"
	while IFS= read -r g; do
		if [ -f "$l" ]; then
			awk -v g="$g" -v t0="$t0" '
				function field(k,   i) { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "" }
				field("cgroup") == g && field("action") == "reclaim" && field("current") != "" {
					printf "%.2f %.2f\n", $1 - t0, field("current") / 1048576 }' "$l" >>"$tmp/$n.steps"
			awk -v g="$g" -v t0="$t0" '
				function field(k,   i) { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "" }
				field("cgroup") == g && field("action") == "clamp" && field("result") == "ok" {
					printf "%.2f %.2f\n", $1 - t0, field("high") / 1048576 }' "$l" >>"$tmp/$n.clamps"
		fi
		printf '\n\n' >>"$tmp/$n.steps"
		printf '\n\n' >>"$tmp/$n.clamps"
	done <"$tmp/$n.names"
}

i=0
for run in "$@"; do
	i=$((i + 1))
	d=${run:-.}
	s=${samples:-$d/samples.tsv}
	l=${log:-$d/reclaimd.log}
	c=${conf:-}
	if [ -z "$c" ]; then
		if [ -f "$d/cgroups.tsv" ]; then c=$d/cgroups.tsv; else c=$d/reclaimd.conf; fi
	fi
	prepare "$i" "$s" "$l" "$c" "${events:-$d/events}"
	lab=$(printf '%s' "$labels" | sed -n "${i}p")
	[ -n "$lab" ] || lab=$(basename "$(cd "$d" && pwd)")
	printf '%s\n' "$lab" >"$tmp/$i.label"
done
nruns=$i

# The same y range for every panel: the largest usage or soft limit seen.
ymax=$(cat "$tmp"/*.dat | awk '{ for (i = 2; i <= NF; i++) if ($i > m) m = $i } END { print m + 0 }')
ymax=$(awk -v a="$ymax" '{ if ($2 > a) a = $2 } END { printf "%.0f", a * 1.1 + 1 }' "$tmp"/*.soft </dev/null)

{
	# noenhanced: names and titles are text, "_" and "^" no sub- or superscripts.
	printf 'set terminal pngcairo size %d,600 font ",10" noenhanced\n' $((nruns * 700 + 100))
	printf 'set output "%s"\n' "$out"
	printf 'set multiplot layout 1,%d title "%s"\n' "$nruns" "$(printf '%s' "$title" | sed 's/"/\\"/g')"
	printf 'set xlabel "seconds since the pressure started"\nset ylabel "memory.current (MiB)"\n'
	printf 'set yrange [0:%s]\nset grid\nset key outside bottom center horizontal\n' "$ymax"
	for i in $(seq 1 "$nruns"); do
		printf 'set title "%s"\n' "$(sed 's/"/\\"/g' "$tmp/$i.label")"
		printf 'unset arrow\n'
		k=0
		plot=
		while IFS= read -r g; do
			k=$((k + 1))
			gq=$(printf '%s' "$g" | sed 's/"/\\"/g')
			soft=$(awk -v g="$g" '$1 == g { print $2; exit }' "$tmp/$i.soft")
			if [ -n "$soft" ]; then
				printf 'set arrow from graph 0, first %s to graph 1, first %s nohead dt 2 lw 1.5 lc %d\n' "$soft" "$soft" "$k"
			fi
			plot="$plot${plot:+, }\"$tmp/$i.dat\" using 1:$((k + 1)) with lines lw 2 lc $k title \"$gq\""
			plot="$plot, \"$tmp/$i.steps\" index $((k - 1)) using 1:2 with points pt 7 ps 0.6 lc $k notitle"
			plot="$plot, \"$tmp/$i.clamps\" index $((k - 1)) using 1:2 with points pt 9 ps 1.4 lc $k notitle"
		done <"$tmp/$i.names"
		# Legend entries for the marks and the dashed lines, once.
		plot="$plot, NaN with points pt 7 lc rgb \"black\" title \"reclaimd step (usage after)\""
		plot="$plot, NaN with points pt 9 ps 1.4 lc rgb \"black\" title \"clamp (memory.high)\""
		plot="$plot, NaN with lines dt 2 lc rgb \"black\" title \"soft limit\""
		printf 'plot %s\n' "$plot"
	done
	printf 'unset multiplot\n'
} >"$tmp/plot.gp"
if [ -n "${PLOT_KEEP:-}" ]; then
	mkdir -p "$PLOT_KEEP" && cp "$tmp"/* "$PLOT_KEEP"/
fi
if ! gnuplot "$tmp/plot.gp" 2>"$tmp/gnuplot.err"; then
	echo "plot.sh: gnuplot failed:" >&2
	cat "$tmp/gnuplot.err" >&2
	exit 1
fi
# gnuplot warns about empty mark files (a run without reclaimd): not errors.
grep -v 'empty\|Skipping data file' "$tmp/gnuplot.err" >&2
[ -s "$out" ] || { echo "plot.sh: gnuplot wrote no $out" >&2; exit 1; }
echo "plot.sh: wrote $out"
