#!/bin/sh
# test-softlimit.sh -- reclaimd in a real kernel: under system memory
# pressure it reclaims the cgroup over its soft limit (batch) and leaves the
# one under its soft limit (web) alone.  See scenario-softlimit.sh for the
# guest side.  Judged from the kernel's own numbers sampled in the guest
# (memory.current, memory.stat) as well as from reclaimd's log.
#
# Exit: 0 pass, 1 fail, 77 skip (no qemu/busybox/cpio/kernel; never when
# CI=true), 99 hard error.  VM_OUTDIR=DIR keeps the guest's output in DIR;
# otherwise it goes to a temporary folder, removed on success unless VM_KEEP=1.
# VM_REJUDGE=DIR judges the output of an earlier run in DIR again, no guest.
# Other environment: see vm.sh (abs_top_builddir, RECLAIMD, MEMHOG, PSIWATCH,
# RECLAIMD_VM_CACHE, VM_TIMEOUT, CI ...); the scenario's sizes in MiB can be
# changed with BATCH_COLD BATCH_HOT BATCH_SOFT WEB_HOT WEB_SOFT HOG_HOT HOG_MAX
# (HOG_MAX=max: pressure on the whole machine rather than inside the hog's
# cgroup), and TRIGGER, RECLAIM_DEADLINE, SETTLE (seconds).

vm_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
# shellcheck source=/dev/null
. "$vm_dir/vm.sh"
# shellcheck source-path=SCRIPTDIR source=judge.sh
. "$vm_dir/judge.sh"

# Scenario sizes (MiB), shared with the guest.
: "${BATCH_COLD:=128}" "${BATCH_HOT:=8}" "${BATCH_SOFT:=32}"
: "${WEB_HOT:=64}" "${WEB_SOFT:=128}"
: "${HOG_HOT:=160}" "${HOG_MAX:=64}"
: "${TRIGGER:=some 150ms 1s}"
: "${RECLAIM_DEADLINE:=60}" "${SETTLE:=5}"
export BATCH_COLD BATCH_HOT BATCH_SOFT WEB_HOT WEB_SOFT HOG_HOT HOG_MAX TRIGGER \
	RECLAIM_DEADLINE SETTLE
VM_PASS_ENV="${VM_PASS_ENV:-} BATCH_COLD BATCH_HOT BATCH_SOFT WEB_HOT WEB_SOFT HOG_HOT HOG_MAX TRIGGER RECLAIM_DEADLINE SETTLE"

if ! judge_rejudge; then
	vm_skip_unless_ready
	vm_require_file "$RECLAIMD" "reclaimd"
	judge_require_helpers
	judge_outdir softlimit
	# On 7.x a second guest beside this one slows memory.reclaim under the
	# thrashing hog 5 to 20 times (README, "Kernels"), past the deadlines
	# of this scenario: there it runs alone.
	VM_ALONE=${VM_ALONE-7.x}

	judge_run "$vm_dir/scenario-softlimit.sh" events events reclaimd reclaimd.log
fi

# ---------------------------------------------------------------- judging
t_hog=$(ev_time hog-started)
t_end=$(ev_time end)
if [ -z "$t_hog" ] || [ -z "$t_end" ]; then
	vm_log "ERROR: the scenario's events file lacks hog-started/end:"
	cat "$out/events" >&2
	exit 99
fi
log=$out/reclaimd.log
[ -f "$log" ] || : >"$log"

# The guest's uptime at which batch's memory.current first came down to its
# soft limit (+2 MiB), after the hog started; empty if it never did.  The
# earlier of the sampler's view (about one sample a second) and the
# scenario's own finer poll (event batch-at-soft).
lim_over=$(((BATCH_SOFT + 2) * MiB))
t_batch_soft=$(awk -F '\t' -v t0="$t_hog" -v lim="$lim_over" \
	'$1 >= t0 && $2 <= lim { print $1; exit }' "$out/samples.tsv")
t_ev_soft=$(ev_time batch-at-soft)
if [ -n "$t_ev_soft" ]; then
	t_batch_soft=$(awk -v a="${t_batch_soft:-$t_ev_soft}" -v b="$t_ev_soft" 'BEGIN { print (a < b ? a : b) }')
fi
# And reclaimd's own reading: the log line of the step that brought batch to
# its soft limit (current= is memory.current read right after the write). Its
# steps run one after another, so nothing it did to web can come before that
# line; a busy host makes the samplers lag by a sizeable part of a second.
t_log_soft=$(awk -v lim="$lim_over" '/ action=reclaim / && / cgroup=batch( |$)/ {
	for (i = 2; i <= NF; i++) if ($i ~ /^current=/ && substr($i, 9) + 0 <= lim) { print $1; exit } }' \
	"$out/reclaimd.log" 2>/dev/null)
if [ -n "$t_log_soft" ]; then
	t_batch_soft=$(awk -v a="${t_batch_soft:-$t_log_soft}" -v b="$t_log_soft" 'BEGIN { print (a < b ? a : b) }')
fi
# Before the hog: batch's and web's usage (last sample before it).
b0=$(awk -F '\t' -v t0="$t_hog" '$1 < t0 { v = $2 } END { print v + 0 }' "$out/samples.tsv")
w0=$(awk -F '\t' -v t0="$t_hog" '$1 < t0 { v = $3 } END { print v + 0 }' "$out/samples.tsv")
# Lowest batch after the hog started; lowest web while batch was over its
# soft limit, and over the whole run.
bmin=$(awk -F '\t' -v t0="$t_hog" '$1 >= t0 && (m == "" || $2 < m) { m = $2 } END { print m + 0 }' "$out/samples.tsv")
wmin_over=$(awk -F '\t' -v t0="$t_hog" -v t1="${t_batch_soft:-999999}" \
	'$1 >= t0 && $1 <= t1 && (m == "" || $3 < m) { m = $3 } END { print m + 0 }' "$out/samples.tsv")
wmin_all=$(awk -F '\t' -v t0="$t_hog" '$1 >= t0 && (m == "" || $3 < m) { m = $3 } END { print m + 0 }' "$out/samples.tsv")
# Pages taken from web (memory.stat pgsteal, whoever reclaimed them) from
# the hog's start until batch reached its soft limit.
wsteal_over=$(awk -F '\t' -v t0="$t_hog" -v t1="${t_batch_soft:-999999}" \
	'$1 < t0 { s0 = $7 } $1 >= t0 && $1 <= t1 { s1 = $7 } END { print s1 - s0 }' "$out/samples.tsv")
nsamples=$(awk -F '\t' -v t0="$t_hog" '$1 >= t0' "$out/samples.tsv" | wc -l)

first_action=$(awk '$2 ~ /^action=reclaim$/ || / action=reclaim / { for (i = 2; i <= NF; i++) if ($i ~ /^cgroup=/) { print substr($i, 8); exit } }' "$log")
n_batch=$(grep -c ' action=reclaim .*cgroup=batch\( \|$\)' "$log")
n_web=$(grep -c ' action=reclaim .*cgroup=web\( \|$\)' "$log")
t_first_batch=$(awk '/ action=reclaim / && / cgroup=batch( |$)/ { print $1; exit }' "$log")
t_first_web=$(awk '/ action=reclaim / && / cgroup=web( |$)/ { print $1; exit }' "$log")
# web reclaims while batch was certainly still over its soft limit: batch's
# memory.current only falls (its cold pages never come back), so a web
# reclaim at t is counted when the first sample after t still shows batch
# over its soft limit (+2 MiB), or when batch never got there.
n_web_over=$(awk -v lim="$lim_over" -v never="$([ -n "$t_batch_soft" ] && echo 0 || echo 1)" '
	FNR == NR { st[FNR] = $1; sb[FNR] = $2; ns = FNR; next }
	/ action=reclaim / && / cgroup=web( |$)/ {
		if (never) { n++; next }
		b = sb[ns]
		for (i = 1; i <= ns; i++) if (st[i] >= $1) { b = sb[i]; break }
		if (b > lim) n++
	}
	END { print n + 0 }' "$out/samples.tsv" "$log")
# What reclaimd says it got from batch (sum of reclaimed=, bytes).
claimed=$(awk '/ action=reclaim / && / cgroup=batch( |$)/ { for (i = 2; i <= NF; i++) if ($i ~ /^reclaimed=[0-9]+$/) n += substr($i, 11) } END { printf "%.0f", n }' "$log")
rexit=$(cat "$out/reclaimd.exit" 2>/dev/null || echo missing)
psi_first=$(awk '/^psiwatch: event 1 / { sub("t=", "", $4); print $4; exit }' "$out/psiwatch.out" 2>/dev/null)

bsteal0=$(stat_of "$out/stat-start-batch" pgsteal)
bsteal1=$(stat_of "$out/stat-end-batch" pgsteal)
wsteal0=$(stat_of "$out/stat-start-web" pgsteal)
wsteal1=$(stat_of "$out/stat-end-web" pgsteal)
bsteal=$((${bsteal1:-0} - ${bsteal0:-0}))
wsteal=$((${wsteal1:-0} - ${wsteal0:-0}))

echo "softlimit scenario (guest: ${VM_MEM} MiB, zram swap; VM $(cat "$out/vm-seconds") s):"
note "batch: soft_limit ${BATCH_SOFT} MiB; memory.current $(mib "$b0") MiB before pressure, lowest $(mib "$bmin") MiB; ${n_batch} reclaim actions; pgsteal +${bsteal} pages"
note "web:   soft_limit ${WEB_SOFT} MiB; memory.current $(mib "$w0") MiB before pressure, lowest $(mib "$wmin_all") MiB; ${n_web} reclaim actions; pgsteal +${wsteal} pages (+${wsteal_over} while batch was over)"
note "reclaimd reported $(mib "$claimed") MiB reclaimed from batch; batch's memory.current fell $(mib $((b0 - bmin))) MiB"
note "hog started at ${t_hog} s (guest uptime); independent PSI trigger first fired $(secs "$psi_first") after"
note "batch at its soft limit at $(secs "$t_batch_soft"); first reclaim: batch $(secs "$t_first_batch"), web $(secs "$t_first_web"); ${nsamples} samples"

# 0. The test itself worked: pressure, workloads alive, enough samples.
if [ -z "$psi_first" ]; then
	fail "the hog did not make the system PSI trigger (some 150ms/1s on /proc/pressure/memory) fire: no memory pressure, so reclaimd was never asked to act (see $out/psiwatch.out)"
fi
for g in batch web hog; do
	[ "$(cat "$out/alive-$g" 2>/dev/null)" = yes ] ||
		fail "the $g workload died during the test (OOM kill?); its memory.current says nothing about reclaim (see $out/$g.out and $out/dmesg.log)"
done
[ "$nsamples" -ge 5 ] || fail "only $nsamples samples of memory.current were taken after the hog started"
[ "$b0" -ge $(((BATCH_SOFT + 64) * MiB)) ] ||
	fail "setup: batch used only $(mib "$b0") MiB before pressure, not well over its ${BATCH_SOFT} MiB soft limit"
if [ "$w0" -ge $((WEB_SOFT * MiB)) ] || [ "$w0" -lt $(((WEB_HOT - 4) * MiB)) ]; then
	fail "setup: web used $(mib "$w0") MiB before pressure; expected about ${WEB_HOT} MiB, under its ${WEB_SOFT} MiB soft limit"
fi

# 1. reclaimd ran until stopped and exited 0 on SIGTERM.
case $rexit in
0) ;;
running) fail "reclaimd did not exit within 10 s of SIGTERM" ;;
died*) fail "reclaimd exited by itself (status ${rexit#died }) before it was stopped" ;;
*) fail "reclaimd exited with status $rexit on SIGTERM (expected 0)" ;;
esac

# reclaimd leaves the cgroups' memory.high as it found them.
for g in batch web; do
	h0=$(cat "$out/high-start-$g" 2>/dev/null)
	h1=$(cat "$out/high-end-$g" 2>/dev/null)
	if [ "$rexit" = 0 ] && [ -n "$h0" ] && [ "$h0" != "$h1" ]; then
		fail "after reclaimd exited, $g's memory.high was '$h1'; it was '$h0' before reclaimd started"
	fi
done

# 2. reclaimd's writes went to batch, and to batch before web.
if [ "$n_batch" -eq 0 ]; then
	fail "reclaimd logged no 'action=reclaim cgroup=batch' line although batch was $(mib $((b0 - BATCH_SOFT * MiB))) MiB over its soft limit under pressure"
fi
if [ -n "$first_action" ] && [ "$first_action" != batch ]; then
	fail "reclaimd's first reclaim action was for cgroup '$first_action', not batch (the cgroup furthest over its soft limit)"
fi
if [ "$n_web_over" -gt 0 ]; then
	fail "reclaimd reclaimed web $n_web_over time(s) while batch was still over its soft limit (web is under its own)"
fi

# 3. batch's memory.current (the kernel's number) fell toward its soft limit.
excess=$((b0 - BATCH_SOFT * MiB))
if [ "$bmin" -gt $((BATCH_SOFT * MiB + excess / 5)) ]; then
	fail "batch's memory.current fell only from $(mib "$b0") to $(mib "$bmin") MiB in the $(awk -v a="$t_hog" -v b="$t_end" 'BEGIN { printf "%.0f", b - a }') s from the hog's start to the end of the run; expected it near its soft limit of ${BATCH_SOFT} MiB (at most $(mib $((BATCH_SOFT * MiB + excess / 5))) MiB)"
fi
if [ $((bsteal * 4096 * 2)) -lt $((b0 - bmin)) ]; then
	fail "batch's memory.stat pgsteal rose by only $bsteal pages while its memory.current fell by $(mib $((b0 - bmin))) MiB: the fall was not reclaim"
fi

# 4. web was not reclaimed: its memory.current did not fall materially while
# batch was over its soft limit.
allow=$((w0 / 20))
[ "$allow" -ge $((4 * MiB)) ] || allow=$((4 * MiB))
if [ "$wmin_over" -lt $((w0 - allow)) ]; then
	fail "web's memory.current fell from $(mib "$w0") to $(mib "$wmin_over") MiB while batch was over its soft limit"
fi
wsteal_allow=$((w0 / 4096 / 50))
[ "$wsteal_allow" -ge 256 ] || wsteal_allow=256
if [ "$wsteal_over" -gt "$wsteal_allow" ]; then
	fail "the kernel reclaimed $wsteal_over pages ($(mib $((wsteal_over * 4096))) MiB) from web (memory.stat pgsteal) while batch was over its soft limit; at most $wsteal_allow expected"
fi
if [ "$bmin" -lt $(((BATCH_SOFT - 8) * MiB)) ]; then
	note "NOTE: batch was taken down to $(mib "$bmin") MiB, $(mib $((BATCH_SOFT * MiB - bmin))) MiB under its soft limit (its hot part is ${BATCH_HOT} MiB)"
fi
if [ "$n_web" -gt "$n_web_over" ]; then
	note "NOTE: reclaimd reclaimed web $((n_web - n_web_over)) time(s) after batch reached its soft limit, although web stayed under its own (lowest $(mib "$wmin_all") MiB; pgsteal +$wsteal pages over the run)"
fi

# Without a system bus: said once that the control interface is off, and
# reclaimctl says it cannot reach the daemon (exit 69), reclaim as above.
n_off=$(grep -c "The control interface is off: no system bus" "$log")
[ "$n_off" -eq 1 ] || fail "reclaimd said $n_off times (not once) that its control interface is off without a bus"
if [ -f "$out/ctl-nobus.exit" ]; then
	if [ "$(cat "$out/ctl-nobus.exit")" != 69 ] ||
		! grep -q "cannot reach reclaimd: no system bus" "$out/ctl-nobus.out"; then
		fail "reclaimctl status without a bus exited $(cat "$out/ctl-nobus.exit"), not 69 saying it cannot reach reclaimd: $(cat "$out/ctl-nobus.out")"
	fi
else
	fail "the scenario did not run reclaimctl status without a bus (no ctl-nobus.exit)"
fi

judge_exit_if_failed "reclaimd's log (guest uptime, stderr)" "$log" \
	"scenario events" "$out/events"
judge_pass "reclaimd reclaimed batch toward its soft limit and left web alone"
