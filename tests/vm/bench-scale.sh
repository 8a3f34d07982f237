#!/bin/sh
# bench-scale.sh -- reclaimd's own cost on a real kernel with SCALE_N (1,000)
# managed cgroups under one glob (make bench-scale-vm): one guest per kernel
# runs scenario-scale.sh, and this prints, from what the guest recorded,
# the CPU reclaimd spends per refresh (a balancer tick), per tick that
# follows the glob and finds nothing new, and per change the glob picks up;
# its read system calls, descriptors and resident memory; and what making
# the cgroups cost the kernel.  Figures, never pass/fail: it fails only when
# a guest did not run the scenario to its end.
#
#   bench-scale.sh                 run on every kernel, then print
#   bench-scale.sh --report DIR    print DIR's figures again
#
# Environment:
#   BENCH_KERNELS  lines of the cache (6.1 6.12 7.x, as VM_KERNEL in vm.sh);
#                  default: each line of VM_KERNELS (default 6.1 6.12 7.x)
#                  that scripts/fetch-kernel.sh has put in the cache
#   BENCH_OUT      results folder (default: bench-scale/YYYYmmdd-HHMMSS in
#                  the build tree): KERNEL/ holds each guest's output,
#                  info.txt the commit and the host's load before and after
#   and those of vm.sh (VM_MEM, VM_TIMEOUT, RECLAIMD_VM_CACHE, ...) and of the
#   scenario (SCALE_N SCALE_POPULATED SCALE_COLD SCALE_SOFT SCALE_SETTLE
#   SCALE_IDLE SCALE_CHANGES SCALE_START_WAIT).

vm_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
# Making 1,000 memcgs, two start-ups and two idle minutes under TCG.
: "${VM_TIMEOUT:=900}"
# shellcheck source=/dev/null
. "$vm_dir/vm.sh"

: "${SCALE_N:=1000}" "${SCALE_POPULATED:=4}" "${SCALE_COLD:=8}" "${SCALE_SOFT:=4}"
: "${SCALE_SETTLE:=5}" "${SCALE_IDLE:=45}" "${SCALE_CHANGES:=5}" "${SCALE_START_WAIT:=120}"
export SCALE_N SCALE_POPULATED SCALE_COLD SCALE_SOFT SCALE_SETTLE SCALE_IDLE SCALE_CHANGES SCALE_START_WAIT
VM_PASS_ENV="${VM_PASS_ENV:-} SCALE_N SCALE_POPULATED SCALE_COLD SCALE_SOFT SCALE_SETTLE SCALE_IDLE SCALE_CHANGES SCALE_START_WAIT"
export VM_TIMEOUT

# report DIR: the figures of one kernel's run (DIR = RESULTS/KERNEL).
report() {
	[ -f "$1/snaps" ] || { echo "== ${1##*/}: no figures (see $1/console.log)"; return; }
	echo "== ${1##*/} ($(cat "$1/kernel" 2>/dev/null)): guest of $(awk '$1 == "MemTotal:" { printf "%.0f", $2 / 1024 }' "$1/meminfo-before") MiB under TCG, $(cat "$1/vm-seconds" 2>/dev/null) s in all"
	awk -v clk="$(cat "$1/clk_tck")" -v nofile="$(cat "$1/nofile" 2>/dev/null)" -v n="$(cat "$1/scale_n")" \
		-v held="$(awk '/ action=protect / { n++ } / more floors raised or put back in the same pass/ {
			for (i = 1; i <= NF; i++) if ($i ~ /^msg="[0-9]+$/) { sub(/^msg="/, "", $i); n += $i } }
			END { print n + 0 }' "$1/refresh.log")" '
		FILENAME ~ /events$/ { ev[$2] = $1; next }
		FILENAME ~ /meminfo-before$/ { mb[$1] = $2; next }
		FILENAME ~ /meminfo-after$/ { ma[$1] = $2; next }
		{ up[$1] = $2; cpu[$1] = ($3 + $4) / clk; rd[$1] = $5; rss[$1] = $6; hwm[$1] = $7; fds[$1] = $8 }
		function ms(x) { return sprintf("%.1f ms", x * 1000) }
		# per(PHASE, FROM, TO, INTERVAL): CPU and reads per tick between two snaps.
		function per(label, a, b, iv,   n) {
			n = (up[b] - up[a]) / iv
			printf "  %s: %d ticks in %.0f s: %s CPU a tick, %.0f read system calls a tick\n",
				label, n, up[b] - up[a], ms((cpu[b] - cpu[a]) / n), (rd[b] - rd[a]) / n
			return (cpu[b] - cpu[a]) / (up[b] - up[a])
		}
		function mem(p) {
			printf "  %s: VmRSS %.1f MiB (peak %.1f MiB), %d descriptors (RLIMIT_NOFILE %s)\n", p,
				rss[p] / 1024, hwm[p] / 1024, fds[p], nofile
		}
		END {
			printf "  made %d cgroups in %.1f s (%.2f ms each); MemAvailable fell %.1f MiB (%.0f KiB a cgroup), Percpu grew %.1f MiB\n",
				n, ev["mkdir-end"] - ev["mkdir-begin"], (ev["mkdir-end"] - ev["mkdir-begin"]) * 1000 / n,
				(mb["MemAvailable:"] - ma["MemAvailable:"]) / 1024, (mb["MemAvailable:"] - ma["MemAvailable:"]) / n,
				(ma["Percpu:"] - mb["Percpu:"]) / 1024
			for (p = 1; p <= 2; p++) {
				ph = p == 1 ? "refresh" : "rescan"
				printf "  start-up (%s): action=started %.1f s after the spawn, %s CPU\n", ph,
					ev[ph "-started"] - ev[ph "-spawn"], ms(cpu[ph "-start"])
			}
			printf "  the first %.0f s (refresh): %s CPU, holding %d floors (action=protect lines)\n",
				up["refresh-idle0"] - up["refresh-start"], ms(cpu["refresh-idle0"] - cpu["refresh-start"]), held
			per("refresh, [balance] interval 1s (re-read every cgroup, hold floors)", "refresh-idle0", "refresh-idle1", 1)
			mem("refresh-idle1")
			idle = per("glob followed, release_interval 1s (nothing new)", "rescan-idle0", "rescan-idle1", 1)
			mem("rescan-idle1")
			for (k = 1; ("rescan-change" k "-1") in up; k++) {
				a = "rescan-change" k "-0"; b = "rescan-change" k "-1"
				t = up[b] - up[a]; c = cpu[b] - cpu[a]
				printf "  a cgroup more (%d managed): followed %.1f s after the mkdir, %s CPU from the mkdir to the log line (%s beyond the idle ticks); VmRSS %.1f MiB\n",
					n + k, t, ms(c), ms(c - idle * t), rss[b] / 1024
				last = b
			}
			if (last != "") mem(last)
		}' "$1/events" "$1/meminfo-before" "$1/meminfo-after" "$1/snaps"
}

if [ "${1:-}" = --report ]; then
	[ -d "${2:-}" ] || vm_fail "usage: $0 --report DIR"
	for d in "$2"/*/; do
		[ -f "$d/kernel" ] && report "${d%/}"
	done
	exit 0
fi

vm_skip_unless_ready
vm_require_file "$RECLAIMD" "reclaimd"
vm_require_file "$MEMHOG" "memhog (a check program: make check builds it)"
vm_require_file "$PSIWATCH" "psiwatch (a check program: make check builds it)"
BENCH_KERNELS=$(vm_bench_kernels)
[ -n "${BENCH_KERNELS:-}" ] || vm_missing "no kernel in $RECLAIMD_VM_CACHE (scripts/fetch-kernel.sh)"
: "${BENCH_OUT:=$abs_top_builddir/bench-scale/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$BENCH_OUT" || vm_fail "cannot create $BENCH_OUT"
# shellcheck disable=SC2154 # abs_top_srcdir: set by vm.sh
{
	echo "commit $(git -C "$abs_top_srcdir" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "host $(nproc) CPUs, $(awk '$1 == "MemTotal:" { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "load before: $(cat /proc/loadavg)"
} >"$BENCH_OUT/info.txt"
rc=0
for k in $BENCH_KERNELS; do
	VM_KERNEL=$k # read by vm_run
	export VM_KERNEL
	vm_run "$vm_dir/scenario-scale.sh" "$BENCH_OUT/$k" || rc=1
done
echo "load after: $(cat /proc/loadavg)" >>"$BENCH_OUT/info.txt"
cat "$BENCH_OUT/info.txt"
for k in $BENCH_KERNELS; do
	report "$BENCH_OUT/$k"
done
exit "$rc"
