#!/bin/sh
# bench-idle.sh -- what reclaimd costs while the machine is not short (make
# bench-idle-vm): on each kernel, BENCH_RUNS guests, one at a time, run
# scenario-idle.sh (one cgroup over its soft limit, one under, the machine
# idle with memory to spare), and this prints reclaimd's CPU time, read
# system calls and event-loop wake-ups per idle minute.  With
# BENCH_BASELINE=BINARY (another build of reclaimd, an older one say) each
# run is made with both, alternately, so the two are measured side by
# side.  One guest at a time: under TCG a second guest, or a build on the
# host, inflates the CPU time a guest measures several times over.  Figures,
# never pass/fail: it fails only when a guest did not run the scenario to
# its end.
#
#   bench-idle.sh                 run, then print
#   bench-idle.sh --report DIR    print DIR's figures again
#
# Environment:
#   BENCH_KERNELS  lines of the cache (6.1 6.12 7.x, as VM_KERNEL in vm.sh);
#                  default: each line of VM_KERNELS (default 6.1 6.12 7.x)
#                  that scripts/fetch-kernel.sh has put in the cache
#   BENCH_RUNS     runs per kernel and binary (default 3)
#   BENCH_BASELINE a second reclaimd binary, measured beside RECLAIMD
#   BENCH_OUT      results folder (default: bench-idle/YYYYmmdd-HHMMSS in
#                  the build tree): KERNEL/run-N-WHICH/ holds each guest's
#                  output (WHICH: reclaimd or baseline), info.txt the
#                  commit, the binaries and the host's load
#   and those of vm.sh (VM_MEM, VM_TIMEOUT, RECLAIMD_VM_CACHE, ...) and of
#   the scenario (IDLE_S, default 60; IDLE_SETTLE_S, default 3).

vm_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
: "${VM_TIMEOUT:=240}"
# shellcheck source=/dev/null
. "$vm_dir/vm.sh"

: "${BENCH_RUNS:=3}" "${IDLE_S:=60}" "${IDLE_SETTLE_S:=3}"
export IDLE_S IDLE_SETTLE_S VM_TIMEOUT
VM_PASS_ENV="${VM_PASS_ENV:-} IDLE_S IDLE_SETTLE_S"

# report DIR: one line per kernel and binary, from the runs' idle.tsv.
report() {
	for rp_k in "$1"/*/; do
		[ -d "$rp_k" ] || continue
		for rp_w in reclaimd baseline; do
			set -- "$rp_k"run-*-"$rp_w"/idle.tsv
			[ -f "$1" ] || continue
			printf '%s (%s), %s: ' "$(basename "$rp_k")" "$(cat "${1%/idle.tsv}/kernel" 2>/dev/null)" "$rp_w"
			awk '$1 == "start" { t = $2; ns = $3; rd = $4; sw = $5; next }
				$1 == "end" {
					m = ($2 - t) / 60; n++
					c = ($3 - ns) / 1e6 / m; r = ($4 - rd) / m; w = ($5 - sw) / m
					cs = cs (cs == "" ? "" : ", ") sprintf("%.1f", c); csum += c
					rs += r; ws += w
				}
				END {
					if (!n) { print "no complete run"; exit }
					printf "CPU %s ms (mean %.1f), %.0f read system calls, %.1f wake-ups per idle minute; %d runs\n",
						cs, csum / n, rs / n, ws / n, n
				}' "$@"
		done
	done
}

case ${1:-} in
--report)
	[ -d "${2:-}" ] || vm_fail "usage: $0 --report RESULTS-DIR"
	report "$2"
	exit 0
	;;
'') ;;
*) vm_fail "usage: $0 [--report DIR]" ;;
esac

vm_skip_unless_ready
vm_require_file "$RECLAIMD" "reclaimd"
[ -z "${BENCH_BASELINE:-}" ] || vm_require_file "$BENCH_BASELINE" "the baseline reclaimd (BENCH_BASELINE)"
: "${BENCH_OUT:=$abs_top_builddir/bench-idle/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$BENCH_OUT" || vm_fail "cannot create $BENCH_OUT"
kernels=$(vm_bench_kernels)
[ -n "$kernels" ] || vm_missing "no kernel in $RECLAIMD_VM_CACHE (scripts/fetch-kernel.sh) nor in BENCH_KERNELS"
{
	echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	# shellcheck disable=SC2154 # abs_top_srcdir: set by vm.sh
	echo "commit: $(git -C "$abs_top_srcdir" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "reclaimd: $RECLAIMD${BENCH_BASELINE:+; baseline: $BENCH_BASELINE}"
	echo "runs: $BENCH_RUNS per kernel and binary, $IDLE_S s idle each; kernels: $(echo "$kernels" | tr '\n' ' ')"
	echo "host: $(nproc) CPUs; load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$BENCH_OUT/info.txt"
cat "$BENCH_OUT/info.txt"

fails=0
binary=$RECLAIMD
for k in $kernels; do
	VM_KERNEL=$k
	export VM_KERNEL
	i=1
	while [ "$i" -le "$BENCH_RUNS" ]; do
		# Alternate which binary comes first.
		order="reclaimd${BENCH_BASELINE:+ baseline}"
		[ $((i % 2)) -eq 1 ] || order="${BENCH_BASELINE:+baseline }reclaimd"
		for which in $order; do
			rdir=$BENCH_OUT/$k/run-$i-$which
			mkdir -p "$rdir" || vm_fail "cannot create $rdir"
			RECLAIMD=$binary
			[ "$which" = reclaimd ] || RECLAIMD=$BENCH_BASELINE
			vm_run "$vm_dir/scenario-idle.sh" "$rdir" >"$rdir.host.log" 2>&1
			if [ "$(cat "$rdir/exit-code" 2>/dev/null)" != 0 ]; then
				vm_log "run $i of $which on $k: the guest did not run to its end (see $rdir)"
				fails=$((fails + 1))
			fi
		done
		i=$((i + 1))
	done
done
RECLAIMD=$binary
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$BENCH_OUT/info.txt"
echo
report "$BENCH_OUT"
echo "results in $BENCH_OUT (re-print: $0 --report $BENCH_OUT)"
[ "$fails" -eq 0 ]
