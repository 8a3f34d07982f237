#!/bin/sh
# bench-machinewide.sh -- the side-by-side benchmark under machine-wide
# memory pressure (make bench-vm): each scenario of scenario-machinewide.sh,
# on each kernel, BENCH_RUNS times with reclaimd and BENCH_RUNS times with
# no daemon (the kernel alone), alternating which comes first, one guest per
# run; then one table per scenario and kernel, both columns side by side:
# min-max and mean of each metric of machinewide.sh.  Figures, never
# pass/fail.
#
#   bench-machinewide.sh                  run everything
#   bench-machinewide.sh --only SHAPE [KERNEL]  one scenario (on one kernel)
#   bench-machinewide.sh --report DIR     print DIR's tables again
#   bench-machinewide.sh --rejudge DIR    judge DIR's runs again, then print
#
# Environment:
#   BENCH_RUNS     runs per scenario, kernel and mode (default 3)
#   BENCH_SHAPES   scenarios (default: fast creep cache two hot)
#   BENCH_MODES    modes (default: kernel reclaimd; one of them for a quick
#                  look at a scenario; floors adds the kernel with the
#                  floors reclaimd holds written once and never let go, no
#                  daemon: what protection itself costs, a column of its own;
#                  alt adds reclaimd with BENCH_CONF_ALT instead of
#                  BENCH_CONF, a column of its own too).  Each run of a
#                  round runs every mode in turn: two batches of the same
#                  scenario an hour apart can differ more than two modes
#                  inside one, so a configuration is compared with another
#                  as alt, interleaved, never from two invocations
#   BENCH_KERNELS  kernels: lines of the cache (6.1 6.12 7.x, as VM_KERNEL
#                  in vm.sh), or unpacked kernel folders (VM_KERNEL_DIR);
#                  default: each line of VM_KERNELS (default 6.1 6.12 7.x)
#                  that scripts/fetch-kernel.sh has put in the cache
#   BENCH_CONF     reclaimd configuration read after each scenario's own
#                  (a drop-in: its keys win), so new keys can be tried
#                  without editing the bench (default:
#                  tests/vm/bench-machinewide.conf)
#   BENCH_CONF_ALT the same, for the mode alt (needed by it)
#   BENCH_OUT      results folder (default: bench-vm/YYYYmmdd-HHMMSS in the
#                  build tree; one that holds runs already gets BENCH_RUNS
#                  more): KERNEL/SHAPE/run-N-MODE/ holds each guest's
#                  output and its metrics.tsv, KERNEL/SHAPE/side-by-side.png
#                  the first run of each mode drawn side by side (plot.sh,
#                  gnuplot); tables.txt the tables;
#                  info.txt the commit, the configuration and the host's load
#   and those of vm.sh (VM_MEM, RECLAIMD_VM_CACHE, ...) and of the scenario
#   (IDLE_S, IDLE_SETTLE_S, EPISODE_S, CREEP_S, ZRAM_NET_PCT, SHORT_EXTRA, HOG_COLD,
#   TRIGGER, and RECLAIMD_DEBUG=1 for reclaimd's debug messages in its log).

vm_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
# A run takes about a minute and a half of guest time, more when the
# kernel thrashes on a busy host.
: "${VM_TIMEOUT:=400}"
# shellcheck source=/dev/null
. "$vm_dir/vm.sh"
# shellcheck source-path=SCRIPTDIR source=judge.sh
. "$vm_dir/judge.sh"
# shellcheck source-path=SCRIPTDIR source=machinewide.sh
. "$vm_dir/machinewide.sh"

: "${BENCH_RUNS:=3}"
: "${BENCH_SHAPES:=fast creep cache two hot}"
: "${BENCH_MODES:=kernel reclaimd}"
: "${BENCH_CONF:=$vm_dir/bench-machinewide.conf}"

# The table's rows: KEY LABEL.
rows='prec_steal precision, by pgsteal (%)
prec_swap precision, by swap (%)
under_steal_mib under-limit: taken, pgsteal (MiB)
under_swap_mib under-limit: swapped (MiB)
under_kswapd_mib under-limit: taken by kswapd (MiB)
prec_while_over precision while over, by swap (%)
under_while_over_mib under-limit: swapped while over (MiB)
while_over_s time with a cgroup over (s)
over_steal_mib over-limit: taken, pgsteal (MiB)
over_refault_mib over-limit: refaulted (MiB)
rank_mib taken out of rank (MiB)
full_s system full stall (s)
some_s system some stall (s)
t_soft_s first stall to over-limit at soft (s)
high_left memory.high below max after stop
cpu_idle_ms reclaimd CPU while idle (ms)
cpu_episode_ms reclaimd CPU in the episode (ms)
rounds reclaimd rounds
steps reclaimd reclaim steps
rd_over_mib reclaimd: its steps on over-limit (MiB)
rd_under_mib reclaimd: its steps on under-limit (MiB)
clamps reclaimd memory.high clamps
round_results reclaimd round results
global_steal_mib kernel reclaim, kswapd + direct (MiB)
global_refault_mib machine-wide refaults (MiB)
allocstall direct reclaim entries (allocstall)
min_free_mib lowest MemFree sampled (MiB)
low_wmark_mib low watermarks, all zones (MiB)
hog_mib allocator size (MiB)
oom_kills OOM kills
dead workloads dead at the end
episode_s episode (s)
idle_s idle period (s)'

# bench_table DIR: the table of one scenario on one kernel (DIR =
# RESULTS/KERNEL/SHAPE), from its runs' metrics.tsv.
bench_table() {
	bt_shape=${1##*/}
	bt_k=${1%/*}
	bt_k=${bt_k##*/}
	bt_n=$(find "$1" -mindepth 2 -maxdepth 2 -name metrics.tsv 2>/dev/null | wc -l)
	bt_nk=$(find "$1" -mindepth 2 -maxdepth 2 -path '*-kernel/metrics.tsv' 2>/dev/null | wc -l)
	bt_nf=$(find "$1" -mindepth 2 -maxdepth 2 -path '*-floors/metrics.tsv' 2>/dev/null | wc -l)
	bt_na=$(find "$1" -mindepth 2 -maxdepth 2 -path '*-alt/metrics.tsv' 2>/dev/null | wc -l)
	bt_bad=$(find "$1" -mindepth 1 -maxdepth 1 -name 'run-*' -type d 2>/dev/null | wc -l)
	bt_v=$(cat "$1"/run-*/kernel 2>/dev/null | sort -u | tr '\n' ' ')
	bt_more=
	[ "$bt_nf" -eq 0 ] || bt_more=", $bt_nf with static floors"
	[ "$bt_na" -eq 0 ] || bt_more="$bt_more, $bt_na with reclaimd and BENCH_CONF_ALT"
	echo "== $bt_shape on $bt_k (${bt_v% }): runs judged: $bt_nk with the kernel alone, $((bt_n - bt_nk - bt_nf - bt_na)) with reclaimd$bt_more ($((bt_bad - bt_n)) guest runs without a result)"
	printf '%s\n' "$rows" | awk -v dir="$1" '
		NR == FNR { key[NR] = $1; $1 = ""; label[NR] = substr($0, 2); n = NR; next }
		FNR == 1 {
			mode = FILENAME; sub(/\/metrics\.tsv$/, "", mode); sub(/.*-/, "", mode)
			round = FILENAME; sub(/\/metrics\.tsv$/, "", round); sub(/.*\/run-/, "", round); sub(/-.*/, "", round)
		}
		{ split($0, kv, "\t"); vals[mode, kv[1]] = vals[mode, kv[1]] "\t" kv[2]; have[mode] = 1 }
		$1 == "full_s" && $2 ~ /^[0-9.]+$/ { full[mode, round] = $2; rounds[round] = 1 }
		# A mode against the kernel alone run in the same round (each round
		# runs every mode, the first in turn): the rounds in which its full
		# stall was lower, and the mean of the differences. On this host two
		# batches differed more than two modes within one.
		function paired(m,   r, n, below, d) {
			if (m == "kernel") return "-"
			for (r in rounds)
				if (((m, r) in full) && (("kernel", r) in full)) {
					n++
					below += full[m, r] < full["kernel", r]
					d += full[m, r] - full["kernel", r]
				}
			if (n == 0) return "-"
			d /= n
			if (d > -0.005 && d < 0.005) d = 0   # not "-0.00"
			return sprintf("%d of %d (mean %+.2f s)", below, n, d)
		}
		function cell(m, k,   a, c, i, v, lo, hi, sum, cnt, na, txt, seen) {
			c = split(substr(vals[m, k], 2), a, "\t")
			if (c == 0 || vals[m, k] == "") return "-"
			for (i = 1; i <= c; i++) {
				v = a[i]
				if (v == "NA") { na++; continue }
				if (v !~ /^-?[0-9.]+$/) { if (!(v in seen)) { seen[v] = 1; txt = txt (txt == "" ? "" : " | ") v }; continue }
				v += 0; cnt++; sum += v
				if (cnt == 1 || v < lo) lo = v
				if (cnt == 1 || v > hi) hi = v
			}
			if (txt != "") return txt
			if (cnt == 0) return "NA"
			if (lo == hi) txt = sprintf("%g", lo)
			else txt = sprintf("%g-%g (mean %s)", lo, hi, sum / cnt >= 100 ? sprintf("%.0f", sum / cnt) : sprintf("%.3g", sum / cnt))
			if (na) txt = txt sprintf(" [%d NA]", na)
			return txt
		}
		# One column per mode: the kernel alone and reclaimd always, the
		# static floors (MODE floors) between them and reclaimd with
		# BENCH_CONF_ALT (MODE alt) after them, where they ran.
		function row(first, c,   j, line) {
			line = sprintf("  %-44s", first)
			for (j = 1; j < ncol; j++)
				line = line sprintf(" %-28s", c[j])
			print line " " c[ncol]
		}
		END {
			split("kernel floors reclaimd alt", modes, " ")
			split("kernel alone|static floors|reclaimd|reclaimd, BENCH_CONF_ALT", heads, "|")
			for (j = 1; j <= 4; j++)
				if (have[modes[j]] || modes[j] == "kernel" || modes[j] == "reclaimd") {
					ncol++
					col[ncol] = modes[j]
					head[ncol] = heads[j]
				}
			row("metric", head)
			for (i = 1; i <= n; i++) {
				for (j = 1; j <= ncol; j++)
					c[j] = cell(col[j], key[i])
				row(label[i], c)
			}
			for (j = 1; j <= ncol; j++)
				c[j] = paired(col[j])
			row("full stall below kernel alone, same round", c)
		}' - "$1"/run-*/metrics.tsv 2>/dev/null
}

# bench_report DIR: every table of DIR, into DIR/tables.txt and stdout.
bench_report() {
	for br_d in "$1"/*/*/; do
		[ -d "$br_d" ] || continue
		bench_table "${br_d%/}"
		echo
	done | tee "$1/tables.txt"
}

# bench_plot SHAPE-DIR: SHAPE-DIR/side-by-side.png, the first run of each
# mode drawn side by side on the same scales (plot.sh); said and skipped
# without gnuplot.
bench_plot() {
	bp_runs=
	for bp_m in $BENCH_MODES; do
		[ -d "$1/run-1-$bp_m" ] && bp_runs="$bp_runs $1/run-1-$bp_m"
	done
	[ -n "$bp_runs" ] || return 0
	# shellcheck disable=SC2086 # a list of folders without blanks (ours)
	sh "$vm_dir/plot.sh" -o "$1/side-by-side.png" --title "${1#"$BENCH_OUT"/}" $bp_runs >"$1/plot.log" 2>&1 ||
		vm_log "no picture for $1 (see $1/plot.log)"
}

case ${1:-} in
--report)
	[ -d "${2:-}" ] || vm_fail "usage: $0 --report RESULTS-DIR"
	bench_report "$2"
	exit 0
	;;
--rejudge)
	[ -d "${2:-}" ] || vm_fail "usage: $0 --rejudge RESULTS-DIR"
	for d in "$2"/*/*/run-*/; do
		mw_judge "${d%/}" || vm_log "no complete run in $d"
	done
	bench_report "$2"
	exit 0
	;;
--only)
	[ -n "${2:-}" ] || vm_fail "usage: $0 --only SHAPE [KERNEL]"
	BENCH_SHAPES=$2
	# shellcheck disable=SC2034 # read by vm_bench_kernels (vm.sh)
	[ -z "${3:-}" ] || BENCH_KERNELS=$3
	;;
'') ;;
*) vm_fail "usage: $0 [--only SHAPE [KERNEL] | --report DIR | --rejudge DIR]" ;;
esac

vm_skip_unless_ready
vm_require_file "$RECLAIMD" "reclaimd"
judge_require_helpers
[ -f "$BENCH_CONF" ] || vm_fail "BENCH_CONF=$BENCH_CONF not found"
for m in $BENCH_MODES; do
	case $m in
	kernel | reclaimd | floors) ;;
	alt) [ -f "${BENCH_CONF_ALT:-}" ] || vm_fail "BENCH_MODES has alt: BENCH_CONF_ALT=${BENCH_CONF_ALT:-} not found" ;;
	*) vm_fail "BENCH_MODES: '$m' is not a mode (kernel, reclaimd, floors, alt)" ;;
	esac
done
: "${BENCH_OUT:=$abs_top_builddir/bench-vm/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$BENCH_OUT" || vm_fail "cannot create $BENCH_OUT"
kernels=$(vm_bench_kernels)
[ -n "$kernels" ] || vm_missing "no kernel in $RECLAIMD_VM_CACHE (scripts/fetch-kernel.sh) nor in BENCH_KERNELS"
{
	echo "--- an invocation of $0 ${*:-}"
	echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	# shellcheck disable=SC2154 # abs_top_srcdir: set by vm.sh
	echo "commit: $(git -C "$abs_top_srcdir" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "runs: $BENCH_RUNS per scenario, kernel and mode; shapes: $BENCH_SHAPES"
	echo "kernels: $(echo "$kernels" | tr '\n' ' ')"
	echo "guest: ${VM_MEM} MiB; host: $(nproc) CPUs; load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "configuration read after each scenario's own ($BENCH_CONF):"
	sed 's/^/    /' "$BENCH_CONF"
	case " $BENCH_MODES " in
	*" alt "*)
		echo "for the mode alt instead ($BENCH_CONF_ALT):"
		sed 's/^/    /' "$BENCH_CONF_ALT"
		;;
	esac
	echo "modes, in turn: $BENCH_MODES"
} >>"$BENCH_OUT/info.txt"
cat "$BENCH_OUT/info.txt"

for kern in $kernels; do
	# A folder is an unpacked kernel; anything else a line of the cache.
	if [ -d "$kern" ] && [ "${kern#*/}" != "$kern" ]; then
		VM_KERNEL_DIR=$kern
		export VM_KERNEL_DIR
	else
		unset VM_KERNEL_DIR
		VM_KERNEL=$kern
		export VM_KERNEL
	fi
	kname=${kern%/}
	kname=${kname##*/}
	for shape in $BENCH_SHAPES; do
		sdir=$BENCH_OUT/$kname/$shape
		mkdir -p "$sdir" || vm_fail "cannot create $sdir"
		# Runs already in the folder are kept: new ones are numbered after them.
		i=$(find "$sdir" -mindepth 1 -maxdepth 1 -name 'run-*-*' -type d | sed 's/.*run-\([0-9]*\)-.*/\1/' | sort -n | tail -n 1)
		i=$((${i:-0} + 1))
		last=$((i + BENCH_RUNS - 1))
		while [ "$i" -le "$last" ]; do
			# Alternate which mode comes first.
			order=$BENCH_MODES
			[ $((i % 2)) -eq 1 ] || order=$(echo "$BENCH_MODES" | awk '{ for (i = NF; i > 0; i--) printf "%s ", $i }')
			for mode in $order; do
				rdir=$sdir/run-$i-$mode
				# (A kernel that did not boot is booted again by vm_run.)
				# alt: reclaimd in the guest, with the other configuration.
				if [ "$mode" = alt ]; then
					mw_run "$shape" reclaimd "$rdir" "$BENCH_CONF_ALT" >"$rdir.host.log" 2>&1
				else
					mw_run "$shape" "$mode" "$rdir" "$BENCH_CONF" >"$rdir.host.log" 2>&1
				fi
				if [ "$(cat "$rdir/exit-code" 2>/dev/null)" != 0 ]; then
					vm_log "$shape/$mode run $i on $kname: the guest did not run to its end (see $rdir)"
				fi
				mw_judge "$rdir" || vm_log "$shape/$mode run $i on $kname: no complete output to judge"
				vm_log "$shape/$mode run $i on $kname: precision $(mw_value "$rdir" prec_steal 2>/dev/null)%, under-limit lost $(mw_value "$rdir" under_steal_mib 2>/dev/null) MiB, full stall $(mw_value "$rdir" full_s 2>/dev/null) s"
			done
			i=$((i + 1))
		done
		bench_table "$sdir"
		bench_plot "$sdir"
	done
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$BENCH_OUT/info.txt"
echo
bench_report "$BENCH_OUT"
echo "results in $BENCH_OUT (re-print: $0 --report $BENCH_OUT)"
