#!/bin/sh
# test-xattr.sh -- soft limits declared on the cgroups themselves, on a real
# kernel: trusted.reclaimd.soft_limit is honoured on a delegated cgroup (only
# CAP_SYS_ADMIN sets trusted.*), user.reclaimd.soft_limit on a cgroup owned
# by root; user.* on a delegated cgroup is refused, as is a value that is not
# a size, each said once; a changed attribute is read at the next tick. See
# scenario-xattr.sh for the guest side. Judged from memory.current and
# memory.stat (pgsteal) sampled in the guest, and from reclaimd's log.
#
# Exit: 0 pass, 1 fail, 77 skip (no qemu/busybox/cpio/kernel; never when
# CI=true), 99 hard error.  VM_OUTDIR=DIR keeps the guest's output in DIR;
# VM_REJUDGE=DIR judges it again.  Sizes in MiB: COLD SOFT SOFT2.

vm_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
# shellcheck source=/dev/null
. "$vm_dir/vm.sh"
# shellcheck source-path=SCRIPTDIR source=judge.sh
. "$vm_dir/judge.sh"

: "${COLD:=64}" "${SOFT:=24}" "${SOFT2:=12}" "${TAKEN_ALLOW_PAGES:=256}"
export COLD SOFT SOFT2
VM_PASS_ENV="${VM_PASS_ENV:-} COLD SOFT SOFT2"

if ! judge_rejudge; then
	vm_skip_unless_ready
	vm_require_file "$RECLAIMD" "reclaimd"
	judge_require_helpers
	judge_outdir xattr
	VM_TIMEOUT=${VM_TIMEOUT_XATTR:-180}
	export VM_TIMEOUT
	judge_run "$vm_dir/scenario-xattr.sh" events events reclaimd reclaimd.log
fi

# ---------------------------------------------------------------- judging
log=$out/reclaimd.log
samples=$out/samples.tsv
[ -f "$log" ] || : >"$log"
[ -f "$samples" ] || : >"$samples"
judge_started reclaimd-started
t_changed=$(ev_time changed)
# Columns of samples.tsv: t, current of pod-trusted pod-root pod-deleg pod-bad, some total, pgsteal of the four.
last_before() { awk -F '\t' -v t="$1" -v c="$2" '$1 < t { v = $c } END { print v + 0 }' "$samples"; }
lowest_from() { awk -F '\t' -v t="$1" -v c="$2" '$1 >= t && (m == "" || $c < m) { m = $c } END { print m + 0 }' "$samples"; }
steal_from() { awk -F '\t' -v t="$1" -v c="$2" '$1 < t { s0 = $c } $1 >= t { s1 = $c } END { print s1 - s0 }' "$samples"; }
# col NAME: NAME's memory.current column (its pgsteal's is 5 further).
col() {
	case $1 in trusted) echo 2 ;; root) echo 3 ;; deleg) echo 4 ;; bad) echo 5 ;; esac
}

echo "xattr scenario (guest: ${VM_MEM} MiB; each cgroup ${COLD} MiB cold; declared soft limit ${SOFT} MiB, then ${SOFT2} MiB on pod-trusted):"
for g in trusted root deleg bad; do
	c=$(col "$g")
	note "pod-$g: owner uid $(file "owner-pod-$g"), attribute '$(file "xattr-pod-$g")'; memory.current $(mib "$(last_before "$t_started" "$c")") MiB at start, lowest $(mib "$(lowest_from "$t_started" "$c")") MiB; pgsteal +$(steal_from "$t_started" $((c + 5))) pages"
done

# 0. The setup: attributes set as meant, the delegated ones owned by 65534, workloads alive.
if [ "$(file owner-pod-trusted)" != 65534 ] || [ "$(file owner-pod-deleg)" != 65534 ] || [ "$(file owner-pod-root)" != 0 ]; then
	fail "setup: the cgroups' owners are $(file owner-pod-trusted)/$(file owner-pod-root)/$(file owner-pod-deleg), expected 65534/0/65534"
fi
for g in trusted root deleg bad; do
	[ "$(file "alive-$g")" = yes ] || fail "the $g workload died (see $out/$g.out)"
done
case $(file reclaimd.exit) in 0) ;; *) fail "reclaimd's exit after SIGTERM: $(file reclaimd.exit)" ;; esac

# 1. Honoured: trimmed to their own soft limits (the configuration sets none).
ev_has trimmed || fail "pod-trusted and pod-root were not trimmed to their declared ${SOFT} MiB within the deadline"
for g in trusted root; do
	c=$(col "$g")
	low=$(lowest_from "$t_started" "$c")
	[ "$low" -le $(((SOFT + 2) * MiB)) ] ||
		fail "pod-$g's memory.current came down only to $(mib "$low") MiB; it declared a soft limit of ${SOFT} MiB"
	[ "$(grep -c " action=xattr cgroup=pod-$g .*result=honoured" "$log")" -ge 1 ] ||
		fail "reclaimd did not say it honoured pod-$g's soft limit"
done
# The changed attribute is read at a tick, and trimmed toward.
ev_has retrimmed || fail "pod-trusted was not trimmed to its changed soft limit (${SOFT2} MiB) within the deadline"
[ "$(lowest_from "${t_changed:-0}" 2)" -le $(((SOFT2 + 2) * MiB)) ] ||
	fail "after its attribute changed to ${SOFT2} MiB, pod-trusted came down only to $(mib "$(lowest_from "${t_changed:-0}" 2)") MiB"

# 2. Refused: a delegated owner's user.* and a value that is not a size; said once each; never reclaimed.
[ "$(grep -c " action=xattr cgroup=pod-deleg .*result=untrusted" "$log")" = 1 ] ||
	fail "the refusal of pod-deleg's user.* attribute (owned by uid 65534) was not said exactly once"
[ "$(grep -c " action=xattr cgroup=pod-bad .*result=invalid" "$log")" = 1 ] ||
	fail "the refusal of pod-bad's 'lots' was not said exactly once"
# Judged from the kernel too: the machine is not short by the kernel's own
# watermarks (4 x COLD MiB of cold memory in the guest), so what pod-deleg
# and pod-bad lose would be reclaimd's (TAKEN_ALLOW_PAGES: slack for the
# kernel's own; it took 0 pages from either in the local CI on all three kernels).
for g in deleg bad; do
	c=$(col "$g")
	grep -Eq " action=(reclaim|clamp) cgroup=pod-$g " "$log" &&
		fail "reclaimd acted on pod-$g, whose declared soft limit it refused (it has none)"
	[ "$(steal_from "$t_started" $((c + 5)))" -le "$TAKEN_ALLOW_PAGES" ] ||
		fail "the kernel reclaimed $(steal_from "$t_started" $((c + 5))) pages from pod-$g (memory.stat pgsteal), whose declared soft limit reclaimd refused, more than $TAKEN_ALLOW_PAGES"
	[ "$(lowest_from "$t_started" "$c")" -ge $(($(last_before "$t_started" "$c") - 4 * MiB)) ] ||
		fail "pod-$g's memory.current (kernel) fell from $(mib "$(last_before "$t_started" "$c")") to $(mib "$(lowest_from "$t_started" "$c")") MiB, although reclaimd refused its declared soft limit"
done

judge_exit_if_failed "reclaimd's log (guest uptime, stderr)" "$log" "scenario events" "$out/events"
judge_pass "trusted and root-owned declarations honoured, a delegated user.* and a bad value refused"
