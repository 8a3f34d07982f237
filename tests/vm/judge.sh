# shellcheck shell=sh disable=SC2034 # variables for the tests that source this
# tests/vm/judge.sh -- host-side boilerplate and judging helpers shared by the
# VM tests (test-*.sh).  Sourced after vm.sh:
#
#   . "$vm_dir/vm.sh"
#   . "$vm_dir/judge.sh"
#   if ! judge_rejudge; then         # VM_REJUDGE=DIR: judge DIR again, no guest
#       vm_skip_unless_ready
#       judge_require_helpers        # MEMHOG and PSIWATCH
#       judge_outdir NAME            # out, keep: VM_OUTDIR, or a temporary folder
#       judge_run SCENARIO [PREFIX FILE]...
#   fi
#   ... checks calling fail and note ...
#   judge_exit_if_failed [TITLE FILE]...
#   judge_pass MESSAGE

# judge_rejudge: with VM_REJUDGE=DIR, judge the output of an earlier run in
# DIR again, without booting a guest: sets out, keep=1 (and vm_out, read by
# vm_print_console) and returns 0; returns 1 without VM_REJUDGE.
judge_rejudge() {
	[ -n "${VM_REJUDGE:-}" ] || return 1
	out=$VM_REJUDGE
	vm_out=$out
	keep=1
	[ -f "$out/events" ] || vm_fail "VM_REJUDGE=$out holds no output of this scenario"
}

# judge_require_helpers: memhog and psiwatch (check programs) must be built.
judge_require_helpers() {
	vm_require_file "$MEMHOG" "memhog (a check program: make check builds it)"
	vm_require_file "$PSIWATCH" "psiwatch (a check program: make check builds it)"
}

# judge_outdir NAME: the guest's output folder, out: VM_OUTDIR (emptied, and
# kept: keep=1), or else a new temporary folder reclaimd-NAME.XXXXXX, kept
# only when VM_KEEP=1.
judge_outdir() {
	if [ -n "${VM_OUTDIR:-}" ]; then
		out=$VM_OUTDIR
		keep=1
		rm -rf "$out"
	else
		out=$(mktemp -d "${TMPDIR:-/tmp}/reclaimd-$1.XXXXXX") || vm_fail "mktemp failed"
		keep=${VM_KEEP:-0}
	fi
}

# judge_run SCENARIO [PREFIX FILE]...: vm_run SCENARIO "$out"; if the scenario
# did not run to its end, print each FILE of $out that exists (its lines
# prefixed with "  PREFIX: ") and exit 99.
judge_run() {
	jr_scenario=$1
	shift
	vm_run "$jr_scenario" "$out"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		vm_log "ERROR: the scenario did not run to its end in the guest (exit $rc); output kept in $out"
		while [ $# -ge 2 ]; do
			[ -f "$out/$2" ] && sed "s/^/  $1: /" "$out/$2" >&2
			shift 2
		done
		exit 99
	fi
}

# ---------------------------------------------------------------- judging
failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
note() { echo "  $*"; }

MiB=1048576
# ev_time EVENT: the guest uptime of the first event EVENT (exactly that word).
ev_time() { awk -v e="$1" '$2 == e { print $1; exit }' "$out/events"; }
# ev_has TEXT: an event line starts with TEXT (a basic regex), whole words.
ev_has() { grep -q "^[0-9.]* $1\( \|$\)" "$out/events"; }
# stat_of MEMORY.STAT KEY
stat_of() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }
secs() { if [ -n "$1" ]; then echo "$1 s"; else echo never; fi; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
# file NAME: the content of $out/NAME, or "missing".
file() { cat "$out/$1" 2>/dev/null || echo missing; }
# f(KEY): an awk function giving the value of KEY=... in a log line.
# shellcheck disable=SC2016 # awk's $i, not the shell's
AWK_F='function f(k,   i) { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "" }'

# judge_started EVENT: t_started, the guest uptime of the event EVENT, the
# scenario's milestone once reclaimd is up.  Without that event: exit 1 when
# reclaimd did not start (with its log, $out/reclaimd.log), else 99 (the
# scenario went wrong).
judge_started() {
	t_started=$(ev_time "$1")
	[ -z "$t_started" ] || return 0
	if ev_has reclaimd-died-at-start || ev_has reclaimd-start-not-logged; then
		echo "FAIL: reclaimd did not start (status $(file reclaimd.exit)); its log:" >&2
		cat "$out/reclaimd.log" >&2
		exit 1
	fi
	vm_log "ERROR: the scenario's events file lacks $1:"
	cat "$out/events" >&2
	exit 99
}

# judge_hog_started: log ($out/reclaimd.log) and samples ($out/samples.tsv),
# created empty when missing, and t_hog: the guest uptime of the event
# hog-started (judge_started).
judge_hog_started() {
	log=$out/reclaimd.log
	[ -f "$log" ] || : >"$log"
	samples=$out/samples.tsv
	[ -f "$samples" ] || : >"$samples"
	judge_started hog-started
	t_hog=$t_started
}

# judge_hog_pressure PSI_FIRST: the hog's stall, which the scenario needs.
# When the hog made none psiwatch saw within HOG_PSI_DEADLINE s and was
# started again (await_hog_pressure in guest-lib.sh), a note with what the
# kernel said of it then; a failure when psiwatch never fired (PSI_FIRST,
# its first event's time, empty).
judge_hog_pressure() {
	if ev_has hog-no-pressure; then
		note "NOTE: the hog made no stall psiwatch saw within ${HOG_PSI_DEADLINE:-15} s; started again at $(ev_time hog-restarted) s. What the kernel said of it then:"
		sed 's/^/    /' "$out/hog-no-pressure"
	fi
	[ -n "$1" ] ||
		fail "the hog did not make the system PSI trigger fire: no memory pressure (see $out/psiwatch.out$(ev_has hog-no-pressure && echo ", and $out/hog-no-pressure"))"
}

# judge_exit_if_failed [TITLE FILE]...: when a check failed, print each FILE
# under "----- TITLE -----", then the guest's console, and exit 1.
judge_exit_if_failed() {
	[ "$failures" -gt 0 ] || return 0
	while [ $# -ge 2 ]; do
		echo "----- $1 -----" >&2
		cat "$2" >&2
		shift 2
	done
	vm_print_console
	echo "$failures check(s) failed; the guest's output is in $out" >&2
	exit 1
}

# judge_pass MESSAGE: report PASS: MESSAGE; remove the output unless kept; exit 0.
judge_pass() {
	echo "PASS: $1"
	if [ "$keep" = 1 ]; then
		echo "output kept in $out"
	else
		rm -rf "$out"
	fi
	exit 0
}

# judge_tap_steps TAP PROBE: tests/vm/reclaimtap.so's record TAP as reclaimd's
# steps, one line each (tab-separated): n prio req logswap logresult nw
# n_sw0 results cur0 swap0 anon0 flru0 cur1 swap1 anon1 flru1 pgsteal0
# pgsteal1 pswp0 pswp1 t0 t1 asked tlast, where the writes of a step are
# those before its log line (action=reclaim: its priority, request, swap=
# and result), results the kernel's answers, 0 before its first write and
# 1 after its last, asked the bytes its writes asked in all and tlast when
# its last write began.  Writes after the last step line (one that SIGTERM
# cut short) are a step "tail"; the start-up probe (a write of 0 bytes)
# goes to PROBE as "swappiness result".
judge_tap_steps() {
	# shellcheck disable=SC2016 # awk's $i, not the shell's
	awk -v probe="$2" '
function kv(   i, p) { delete v; for (i = 2; i <= NF; i++) { p = index($i, "="); if (p) v[substr($i, 1, p - 1)] = substr($i, p + 1) } }
function flush(prio, req, ls, lr) {
	n++
	printf "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f\t%s\n",
		n, prio, req, ls, lr, nw, nsw0, (res == "" ? "-" : res), c0, s0, a0, f0, c1, s1, a1, f1, g0, g1, p0, p1, t0, t1, asked, tl
	nw = nsw0 = asked = 0; res = ""
}
$1 == "write" {
	kv()
	if (v["bytes"] == 0) { print v["swappiness"], v["result"] > probe; next }
	if (nw == 0) { c0 = v["current0"]; s0 = v["swap0"]; a0 = v["anon0"]; f0 = v["file_lru0"]; g0 = v["pgsteal0"]; p0 = v["pswpout0"]; t0 = v["t0"] }
	asked += v["bytes"]; tl = v["t0"]
	c1 = v["current1"]; s1 = v["swap1"]; a1 = v["anon1"]; f1 = v["file_lru1"]; g1 = v["pgsteal1"]; p1 = v["pswpout1"]; t1 = v["t1"]
	nw++
	if (v["swappiness"] == "0") nsw0++
	if (index("," res ",", "," v["result"] ",") == 0) res = res (res == "" ? "" : ",") v["result"]
	next
}
$1 == "log" && / action=reclaim / {
	kv()
	flush(v["priority"], v["requested"], v["swap"], v["result"])
}
END { if (nw) flush("tail", "-", "-", "-") }' "$1"
}

# judge_tapped NAME: for a test whose guest runs reclaimd under
# tests/vm/reclaimtap.so (scenario-NAME.sh, start_tapped_reclaimd): run the
# guest (unless VM_REJUDGE), then set tap and log and write $out/steps.tsv
# (judge_tap_steps; the start-up probe in $out/probe).
judge_tapped() {
	if ! judge_rejudge; then
		vm_skip_unless_ready
		vm_require_file "$RECLAIMD" "reclaimd"
		judge_require_helpers
		[ -r "$RECLAIMTAP_SO" ] ||
			vm_fail "reclaimtap.so not found at $RECLAIMTAP_SO (make check builds it; or make tests/vm/reclaimtap.so)"
		judge_outdir "$1"
		judge_run "$vm_dir/scenario-$1.sh" events events reclaimd reclaimd.log
	fi
	judge_started reclaimd-started
	tap=$out/tap
	log=$out/reclaimd.log
	judge_tap_steps "$tap" "$out/probe" >"$out/steps.tsv"
}
