#!/bin/sh
# test-soak.sh -- reclaimd in a real kernel for a long time (SOAK_SECONDS,
# default 600): randomly varying workloads in a dozen cgroups with soft
# limits (two with memory.min, two with mlocked memory so that clamps
# happen), cgroups appearing and disappearing, a reload every RELOAD_EVERY s
# (every third one a broken file), one SIGKILL and a restart with the same
# --state-file, and a SIGTERM at the end.  See scenario-soak.sh for the
# guest side.  Asserted at the end, from the kernel's files sampled in the
# guest and from reclaimd's log:
#   - reclaimd's resident memory (VmRSS) and its open descriptors did not
#     grow: a window after warm-up against the end of each instance's life
#     (RSS within RSS_NOISE_KB; descriptors: none left on a removed cgroup,
#     none held twice, no more of the others);
#   - every memory.high is back at its original value after the SIGTERM, and
#     the restarted reclaimd put back those the killed one left lowered;
#   - no cgroup was reclaimed below its memory.min;
#   - no cgroup was reclaimed below its soft limit while another was over
#     its own (reclaimd's steps are sequential, so its own current= readings
#     are the boundary; the samples show the other one over, and their
#     memory.stat pgsteal whether reclaim or the cgroup's own workload took
#     it under: only the first counts);
#   - the log holds no error other than those the soak provoked (refused
#     broken reloads, cgroups that were being removed).
#
# The workloads are planned from a random seed, printed first; replay a run
# with SOAK_SEED=N and the same SOAK_SECONDS and RELOAD_EVERY.
#
# Exit: 0 pass, 1 fail, 77 skip (no qemu/busybox/cpio/kernel; never when
# CI=true), 99 hard error.  VM_OUTDIR=DIR keeps the guest's output in DIR;
# otherwise it goes to a temporary folder, removed on success unless VM_KEEP=1.
# VM_REJUDGE=DIR judges the output of an earlier run in DIR again, no guest.
# Other environment: see vm.sh (abs_top_builddir, RECLAIMD, MEMHOG,
# RECLAIMD_VM_CACHE, CI ...); SOAK_SECONDS SOAK_SEED RELOAD_EVERY
# KILL_CLAMP_WAIT RESTORE_DEADLINE (s); VM_MEM (default 1280 MiB); VM_TIMEOUT
# (default SOAK_SECONDS + 420); judging tolerances SOFT_SLACK_KB (how far
# under a limit a step may end, default 2048: the kernel's overshoot of a
# memory.reclaim request, up to about a huge page, seen in the guest),
# OVER_MARGIN_KB (how far over its soft limit another cgroup must be to count
# as over, default 4096), RSS_NOISE_KB (default 512), STALE_S (s after its
# removal a descriptor on a cgroup counts as leaked, default 30), READY_S (a
# workload started less than this before the end need not have printed its
# ready line, default 30).

vm_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
: "${SOAK_SECONDS:=600}" "${RELOAD_EVERY:=60}"
: "${KILL_CLAMP_WAIT:=60}" "${RESTORE_DEADLINE:=20}"
: "${VM_MEM:=1280}"
: "${VM_TIMEOUT:=$((SOAK_SECONDS + 420))}"
if [ -z "${SOAK_SEED:-}" ]; then
	SOAK_SEED=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
fi
: "${SOFT_SLACK_KB:=2048}" "${OVER_MARGIN_KB:=4096}" "${RSS_NOISE_KB:=512}" "${STALE_S:=30}" "${READY_S:=30}"
export SOAK_SECONDS SOAK_SEED RELOAD_EVERY KILL_CLAMP_WAIT RESTORE_DEADLINE VM_MEM VM_TIMEOUT
VM_PASS_ENV="${VM_PASS_ENV:-} SOAK_SECONDS SOAK_SEED RELOAD_EVERY KILL_CLAMP_WAIT RESTORE_DEADLINE"
# shellcheck source=/dev/null
. "$vm_dir/vm.sh"
# shellcheck source-path=SCRIPTDIR source=judge.sh
. "$vm_dir/judge.sh"

if judge_rejudge; then
	# The plan's parameters are those of the run judged.
	read -r _ _ SOAK_SEED _ SOAK_SECONDS _ RELOAD_EVERY <<EOF
$(awk '$2 == "seed" { print; exit }' "$out/events")
EOF
else
	vm_skip_unless_ready
	vm_require_file "$RECLAIMD" "reclaimd"
	vm_require_file "$MEMHOG" "memhog (a check program: make check builds it)"
	judge_outdir soak
	echo "soak: seed $SOAK_SEED, $SOAK_SECONDS s, a reload every $RELOAD_EVERY s (replay: SOAK_SEED=$SOAK_SEED SOAK_SECONDS=$SOAK_SECONDS RELOAD_EVERY=$RELOAD_EVERY)"
	judge_run "$vm_dir/scenario-soak.sh" events events
fi

# ---------------------------------------------------------------- judging
# fail, note, ev_time, ev_has, mib, file and AWK_F (f(KEY) in a log line)
# come from judge.sh.
# smax(NAME): the largest soft limit NAME has in any of the configurations
# (scenario-soak.sh: A and B differ for s2 and s5), in bytes.
AWK_SMAX='function smax(n) { if (n ~ /^d-/) return 8 * 1048576; return (n in SM ? SM[n] : 32) * 1048576 }
BEGIN { split("s1 16 s2 40 s3 24 s4 32 s5 32 s6 48 m1 24 m2 48 l1 16 l2 24", a, " "); for (i = 1; i < 24; i += 2) SM[a[i]] = a[i + 1] }'

log=$out/all.log
cat "$out/reclaimd.log" "$out/reclaimd2.log" >"$log" 2>/dev/null
samples=$out/samples.tsv
[ -f "$samples" ] || : >"$samples"
judge_started soak-start
t_start=$t_started
t_end=$(ev_time soak-end)
t_kill=$(ev_time reclaimd-killed)
t_start1=$(ev_time reclaimd-started)
t_start2=$(ev_time reclaimd2-started)
t_term=$(awk '$2 == "sigterm" { print $1; exit }' "$out/events")

# --- figures
count() { awk "$AWK_F"" $1" "$log" | wc -l; }
# Rounds that freed nothing, as the one before them, are not logged one by
# one: action=repeated counts them (repeats=N).
repeats() { awk "$AWK_F"' / action=repeated / '"$1"' { n += f("repeats") } END { print n + 0 }' "$log"; }
n_rounds=$(($(count '/ action=round_end /') + $(repeats '')))
n_rounds_sys=$(($(count '/ action=round_end / && f("scope") == "system"') + $(repeats '&& f("scope") == "system"')))
n_reclaims=$(count '/ action=reclaim /')
bytes=$(awk "$AWK_F"' / action=reclaim / { n += f("reclaimed") } END { printf "%.0f", n }' "$log")
n_clamps=$(count '/ action=clamp / && (f("result") == "ok" || f("result") == "timed_out")')
n_raised=$(count '/ action=release / && f("result") == "raised"')
n_restored=$(count '/ action=release / && f("result") == "restored"')
n_applied=$(count '/ action=reload / && f("result") == "applied"')
n_refused=$(count '/ action=reload / && f("result") == "refused"')
n_broken=$(grep -c ' reload-sent broken$' "$out/events")
n_sent=$(grep -c ' reload-sent ' "$out/events")
n_added=$(grep -c ' dyn-added ' "$out/events")
n_removed=$(grep -c ' dyn-removed ' "$out/events")
n_gone=$(count '/ action=cgroup_gone /')
n_restarts=$(grep -c ' wl-start [slm]' "$out/events")
n_exhausted=$(count '/ action=exhausted /')
n_prop=$(awk "$AWK_F"'/ action=reclaim / { c = f("current"); s = f("soft_limit"); if (c + f("reclaimed") <= s + 0) n++ } END { print n + 0 }' "$log")
rexit=$(file reclaimd.exit)
rexit2=$(file reclaimd2.exit)
dur=$(awk -v a="$t_start" -v b="${t_end:-$t_start}" 'BEGIN { printf "%.0f", b - a }')
psi_s=$(awk -F '\t' '$2 == "-psi" { if (a == "") a = $3; b = $3 } END { printf "%.1f", (b - a) / 1e6 }' "$samples")
nsamp=$(awk -F '\t' '$2 == "-psi"' "$samples" | wc -l)

# --- reclaimd's VmRSS and descriptors, per instance: a window after
# warm-up (WARM s after its start, WARM s long) against its last WARM s.
# proc.tsv: t instance pid rss_kB nfd; fds.tsv: t instance fd target.
# Descriptors are sorted into: on a cgroup's file (one per cgroup and file
# at most, two for memory.pressure: a trigger and the reading; "stale" when the cgroup was removed more than STALE_S s before);
# epoll instances (the loop's, and one per armed trigger: the system's and
# one per dynamic cgroup, so their number less the dynamic cgroups in
# existence is what must not grow); and the others (eventfd, the stderr
# pipe, /proc/pressure/memory ...), a fixed set.
# fds-summary.tsv: t instance cg other epoll dyn_alive dup stale dupnames stalenames
awk -v stale_s="$STALE_S" '
	FNR == NR {
		if ($2 == "dyn-added") { na++; at[na] = $1; an[na] = $3 }
		if ($2 == "dyn-removed") rm[$3] = $1
		next
	}
	{
		key = $1 SUBSEP $2
		if (!(key in seen)) { seen[key] = 1; order[++n] = key; tt[key] = $1 }
		tgt = $4
		if (tgt ~ /^\/sys\/fs\/cgroup\//) {
			cgf = substr(tgt, 16)
			cnt[key, "cg"]++
			# memory.pressure twice: the trigger (a file of its own) and the reading.
			if (++dup[key, cgf] == (cgf ~ /memory\.pressure$/ ? 3 : 2)) { cnt[key, "dup"]++; dupname[key] = dupname[key] " " cgf }
			cgn = cgf; sub(/\/[^\/]*$/, "", cgn); sub(/^soak\//, "", cgn)
			if (tgt ~ /\(deleted\)$/ || (cgn in rm && rm[cgn] < $1 - stale_s)) {
				cnt[key, "stale"]++; stalename[key] = stalename[key] " " cgf
			}
		} else if (tgt == "anon_inode:[eventpoll]") cnt[key, "epoll"]++
		else cnt[key, "other"]++
	}
	END {
		for (i = 1; i <= n; i++) {
			k = order[i]; split(k, kk, SUBSEP)
			alive = 0
			for (j = 1; j <= na; j++) if (at[j] <= tt[k] && !(an[j] in rm && rm[an[j]] <= tt[k])) alive++
			printf "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", kk[1], kk[2], cnt[k, "cg"], cnt[k, "other"],
				cnt[k, "epoll"], alive, cnt[k, "dup"], cnt[k, "stale"], dupname[k] "", stalename[k] ""
		}
	}' "$out/events" "$out/fds.tsv" >"$out/fds-summary.tsv" 2>/dev/null
# window INSTANCE FROM TO: "rss_max nfd_max cg_max other_max epoll_excess_max count"
# over the samples in [FROM, TO].
window() {
	awk -F '\t' -v i="$1" -v a="$2" -v b="$3" '
		FNR == NR { if ($2 == i && $1 >= a && $1 <= b) { c[$1] = $3; o[$1] = $4; x[$1] = $5 - $6 } next }
		$2 == i && $1 >= a && $1 <= b && ($1 in c) {
			n++
			if ($4 > rss) rss = $4
			if ($5 > nfd) nfd = $5
			if (c[$1] > cg) cg = c[$1]
			if (o[$1] > other) other = o[$1]
			if (n == 1 || x[$1] > ex) ex = x[$1]
		}
		END { printf "%d %d %d %d %d %d\n", rss, nfd, cg, other, ex, n }' "$out/fds-summary.tsv" "$out/proc.tsv" 2>/dev/null
}
leak_report=
judge_instance() {
	ji_name=$1 ji_a=$2 ji_b=$3
	[ -n "$ji_a" ] && [ -n "$ji_b" ] || return 0
	ji_warm=$(awk -v a="$ji_a" -v b="$ji_b" 'BEGIN { w = (b - a) / 4; if (w > 60) w = 60; printf "%.0f", w }')
	read -r w_rss w_nfd w_cg w_other w_ex w_n <<EOF
$(window "$ji_name" "$(awk -v a="$ji_a" -v w="$ji_warm" 'BEGIN { print a + w }')" "$(awk -v a="$ji_a" -v w="$ji_warm" 'BEGIN { print a + 2 * w }')")
EOF
	read -r e_rss e_nfd e_cg e_other e_ex e_n <<EOF
$(window "$ji_name" "$(awk -v b="$ji_b" -v w="$ji_warm" 'BEGIN { print b - w }')" "$ji_b")
EOF
	first=$(awk -F '\t' -v i="$ji_name" '$2 == i { print $4 " kB, " $5 " fds"; exit }' "$out/proc.tsv" 2>/dev/null)
	note "$ji_name (lived $(awk -v a="$ji_a" -v b="$ji_b" 'BEGIN { printf "%.0f", b - a }') s): first sample ${first:-none}; after warm-up (${ji_warm} s, ${w_n} samples): VmRSS max ${w_rss} kB, fds max ${w_nfd} (${w_cg} on cgroup files, ${w_other} others, epolls ${w_ex} + one per dynamic cgroup); last ${ji_warm} s (${e_n} samples): VmRSS max ${e_rss} kB, fds max ${e_nfd} (${e_cg} on cgroup files, ${e_other} others, epolls ${e_ex} + one per dynamic cgroup)"
	if [ "$w_n" -lt 2 ] || [ "$e_n" -lt 2 ]; then
		fail "$ji_name: too few samples of VmRSS and descriptors to compare (${w_n} after warm-up, ${e_n} at the end)"
		return 0
	fi
	if [ $((e_rss - w_rss)) -gt "$RSS_NOISE_KB" ]; then
		fail "$ji_name: resident memory grew from ${w_rss} kB after warm-up to ${e_rss} kB at the end (+$((e_rss - w_rss)) kB; allowed noise ${RSS_NOISE_KB} kB)"
	fi
	if [ "$e_other" -gt "$w_other" ]; then
		fail "$ji_name: descriptors other than cgroup files and epolls grew from ${w_other} after warm-up to ${e_other} at the end (see $out/fds.tsv)"
	fi
	# (Fewer is normal: a new cgroup's trigger may not be armed yet.)
	if [ "$e_ex" -gt "$w_ex" ] && [ "$e_ex" -gt 2 ]; then
		fail "$ji_name: epoll descriptors beyond one per dynamic cgroup grew from ${w_ex} after warm-up to ${e_ex} at the end, more than the loop's and the system trigger's (see $out/fds.tsv)"
	fi
	leak_report="${leak_report}$ji_name: VmRSS ${w_rss}->${e_rss} kB, fds ${w_nfd}->${e_nfd} (others ${w_other}->${e_other}); "
}

# --- the soft-limit rule: steps in a system round that left a cgroup under
# its soft limit (current= after the step < soft_limit - SOFT_SLACK), or
# that asked a cgroup reclaimd itself read at or under its soft limit, while
# another cgroup was certainly over its own soft limit (largest in any
# configuration, + OVER_MARGIN) from the round's start to the step: every
# sample of it from the last one before the round's trigger to the first one
# after the step over it, no log line of reclaimd's in between reading it at
# or under it, and its workload not stopped in between.
# A step that left its cgroup under its soft limit counts only by what
# reclaim took: memory.current fell by reclaim (memory.stat pgsteal) and by
# whatever the workload let go (a process exiting), and only the first is
# reclaimd's doing.  From the last sample before the step began (the previous
# log line: steps are sequential) to the first one after it, the cgroup's
# level less its pgsteal (less what reclaimd's later steps on it in that
# span measured) must have fallen under soft_limit - SOFT_SLACK (or, when
# the level was under that already, reclaim must have taken more than
# SOFT_SLACK); if not, the workload took it there, and the step is listed
# as such, not failed.  Without that evidence (no pgsteal in both samples,
# or a workload event of the cgroup between them) a step within 3 s after
# the cgroup's workload was stopped is left out (the stop, not reclaim,
# emptied it) and any other one counts.
awk "$AWK_F"' / action=round_end / { print $1, f("scope") }' "$log" >"$out/rounds.tsv"
soft_steps=$(awk -v slack=$((SOFT_SLACK_KB * 1024)) -v margin=$((OVER_MARGIN_KB * 1024)) "$AWK_F
$AWK_SMAX"'
	function stopped(n, a, b,   i) {
		for (i = 1; i <= ns[n]; i++) if (stop[n, i] >= a && stop[n, i] <= b) return 1
		return 0
	}
	function changed(n, a, b,   i) {
		for (i = 1; i <= nw[n]; i++) if (wt[n, i] >= a && wt[n, i] <= b) return 1
		return 0
	}
	function over(y, a, b,   i, k0, k1, lim) {
		lim = smax(y) + margin
		k0 = 0; k1 = 0
		for (i = 1; i <= nsm[y]; i++) {
			if (st[y, i] <= a) k0 = i
			if (st[y, i] >= b) { k1 = i; break }
		}
		if (!k0 || !k1) return 0
		for (i = k0; i <= k1; i++) if (sc[y, i] + 0 <= lim) return 0
		for (i = 1; i <= nl[y]; i++) if (lt[y, i] >= a && lt[y, i] <= b && lc[y, i] + 0 <= lim) return 0
		if (stopped(y, a - 1, b + 1)) return 0
		return 1
	}
	# The kernel samples of n in [a, b], as "VALUE MiB at T, ...".
	function samples_in(n, a, b,   i, v) {
		v = ""
		for (i = 1; i <= nsm[n]; i++) if (st[n, i] >= a && st[n, i] <= b) v = v sprintf("%s%.1f MiB at %s", v == "" ? "" : ", ", sc[n, i] / 1048576, st[n, i])
		return v == "" ? "no sample" : v
	}
	# by_reclaim(n, a, b, s): for a step on n from a to b that ended under
	# s - slack, 1 if what reclaim took accounts for that, 0 if the workload
	# did, -1 if the samples cannot tell.  Sets rs (the story, for the report).
	# Already under s - slack before the step, n counts against reclaim only
	# if reclaim took more than slack from it.
	function by_reclaim(n, a, b, s,   i, k0, k1, took, later, lvl) {
		k0 = 0; k1 = 0
		for (i = 1; i <= nsm[n]; i++) {
			if (st[n, i] <= a) k0 = i
			if (st[n, i] >= b) { k1 = i; break }
		}
		if (!k0 || !k1 || sp[n, k0] == "" || sp[n, k1] == "" || changed(n, st[n, k0], st[n, k1])) return -1
		later = 0
		for (i = 1; i <= npre[n]; i++) if (pt[n, i] > b && pt[n, i] <= st[n, k1]) later += pr[n, i]
		took = (sp[n, k1] - sp[n, k0]) * 4096 - later
		lvl = sc[n, k0]
		rs = sprintf("from %.1f MiB at %s to %.1f MiB at %s the kernel reclaimed %.1f MiB from it (memory.stat pgsteal%s)", lvl / 1048576, st[n, k0], sc[n, k1] / 1048576, st[n, k1], took / 1048576, later ? sprintf(", less %.1f MiB of reclaimd'"'"'s later steps", later / 1048576) : "")
		if (lvl < s - slack) {
			rs = rs sprintf(", and it was %.1f MiB under its soft limit before the step", (s - lvl) / 1048576)
			return took > slack
		}
		rs = rs sprintf(", which leaves %.1f MiB", (lvl - took) / 1048576)
		return lvl - took < s - slack
	}
	# First, the whole log: what each step on a cgroup measured, for by_reclaim.
	pre { if (/ action=reclaim /) { x = f("cgroup"); sub(/^soak\//, "", x); k = ++npre[x]; pt[x, k] = $1; pr[x, k] = f("reclaimed") } next }
	FILENAME ~ /events$/ {
		if ($2 == "wl-stop" || $2 == "dyn-removing") { ns[$3]++; stop[$3, ns[$3]] = $1 }
		if ($2 ~ /^(wl-stop|wl-start|dyn-removing|dyn-added)$/) { nw[$3]++; wt[$3, nw[$3]] = $1 }
		next
	}
	FILENAME ~ /samples.tsv$/ { if ($2 ~ /^-/) next; k = ++nsm[$2]; st[$2, k] = $1; sc[$2, k] = $3; sp[$2, k] = $6; names[$2] = 1; next }
	FILENAME ~ /rounds.tsv$/ { nre++; re_s[nre] = $2; next }
	# The step logged on this line began after the previous line.
	{ began = last; last = $1 }
	/ action=trigger / { trig[f("scope")] = $1; next }
	/ action=round_end / { ri++; next }
	/ action=(reclaim|clamp) / {
		x = f("cgroup"); sub(/^soak\//, "", x)
		scope = re_s[ri + 1]
		ts = (scope in trig) ? trig[scope] : $1
		# The basis of reclaimd: its own last reading of x in this round, if any.
		bt = (nl[x] && lt[x, nl[x]] >= ts) ? lt[x, nl[x]] : ts
		basis = (nl[x] && lt[x, nl[x]] >= ts) ? sprintf("%.1f MiB, its own reading at %s", lc[x, nl[x]] / 1048576, bt) : "its reading at the round start"
		nl[x]++; lt[x, nl[x]] = $1; lc[x, nl[x]] = f("current")
		if ($0 !~ / action=reclaim / || scope != "system") next
		c = f("current") + 0; s = f("soft_limit") + 0; q = f("requested") + 0; r = f("reclaimed") + 0
		# A: it ended more than slack under its soft limit (the kernel
		# overshoots a request by up to about a huge page).  B: by
		# the own reading of reclaimd it was not over its soft limit at all
		# (the fall was under the request, so current + reclaimed is
		# exactly that reading).
		rs = ""
		if (c < s - slack) {
			kind = "A"
			v = by_reclaim(x, began, $1, s)
			if (v == 0) {
				printf "W at %s: %s reclaimed to %.1f MiB, %.1f MiB under its soft limit of %.1f MiB, but %s: its workload let the rest go\n", $1, x, c / 1048576, (s - c) / 1048576, s / 1048576, rs
				next
			}
			if (v < 0 && stopped(x, $1 - 3, $1)) next
		} else if (r < q && c + r <= s) {
			kind = "B"
			if (stopped(x, $1 - 3, $1)) next
		} else next
		for (y in names) {
			if (y == x || !over(y, ts, $1)) continue
			if (kind == "A")
				printf "V at %s: %s reclaimed to %.1f MiB, %.1f MiB under its soft limit of %.1f MiB; asked %.1f MiB at priority %s on the basis of %s%s (kernel samples from then to the step: %s)%s; meanwhile %s was over %.1f MiB since the round started at %s\n", $1, x, c / 1048576, (s - c) / 1048576, s / 1048576, q / 1048576, f("priority"), basis, (bt > ts ? sprintf(", from which it fell %.1f MiB", (lc[x, nl[x] - 1] - c) / 1048576) : ""), samples_in(x, bt, $1), (rs == "" ? "" : "; " rs), y, smax(y) / 1048576, ts
			else
				printf "V at %s: %s asked %.1f MiB at priority %s although at %.1f MiB it was not over its soft limit of %.1f MiB (by the own reading of reclaimd), while %s was over %.1f MiB since the round started at %s\n", $1, x, q / 1048576, f("priority"), (c + r) / 1048576, s / 1048576, y, smax(y) / 1048576, ts
			break
		}
	}' pre=1 "$log" pre=0 "$out/events" FS='\t' "$samples" FS=' ' "$out/rounds.tsv" "$log")
violations=$(printf '%s\n' "$soft_steps" | sed -n 's/^V //p')
workload_falls=$(printf '%s\n' "$soft_steps" | sed -n 's/^W //p')

# --- memory.min: reclaimd's steps (current= after them) and the samples of
# the cgroups with a memory.min, while their workload is larger than it and
# has been running for 15 s (so only reclaim can take them below it).
min_log=$(awk -v slack=$((SOFT_SLACK_KB * 1024)) "$AWK_F"'
	FILENAME ~ /events$/ { if ($2 == "wl-stop" || $2 == "dyn-removing") { ns[$3]++; stop[$3, ns[$3]] = $1 } next }
	FILENAME ~ /samples.tsv$/ { if ($4 + 0 > 0) mn[$2] = $4; next }
	/ action=(reclaim|clamp) / {
		x = f("cgroup"); sub(/^soak\//, "", x)
		if (!(x in mn) || f("current") + 0 >= mn[x] - slack) next
		for (i = 1; i <= ns[x]; i++) if (stop[x, i] >= $1 - 3 && stop[x, i] <= $1) next
		printf "at %s: %s %s to %.1f MiB, under its memory.min of %.1f MiB\n", $1, f("action") == "clamp" ? "clamped" : "reclaimed", x, f("current") / 1048576, mn[x] / 1048576
	}' "$out/events" FS='\t' "$samples" FS=' ' "$log")
min_samples=$(awk -v slack=$((SOFT_SLACK_KB * 1024)) '
	FILENAME ~ /events$/ {
		if ($2 == "wl-stop") { n = ++ne[$3]; et[$3, n] = $1; es[$3, n] = -1 }
		if ($2 == "wl-start") { n = ++ne[$3]; et[$3, n] = $1; es[$3, n] = ($4 + $5) * 1048576 }
		next
	}
	$4 + 0 > 0 && $3 + 0 < $4 - slack {
		k = 0
		for (i = 1; i <= ne[$2]; i++) if (et[$2, i] <= $1) k = i
		if (k && es[$2, k] >= $4 + 4194304 && et[$2, k] <= $1 - 15)
			printf "at %s: %s memory.current %.1f MiB, under its memory.min of %.1f MiB (its workload: %.0f MiB since %s)\n", $1, $2, $3 / 1048576, $4 / 1048576, es[$2, k] / 1048576, et[$2, k]
	}' "$out/events" FS='\t' "$samples")
n_min_steps=$(awk -F '\t' 'FNR == NR { if ($4 + 0 > 0) mn["soak/" $2] = 1; next } / action=reclaim / { for (i = 2; i <= NF; i++) if ($i ~ /^cgroup=/ && substr($i, 8) in mn) n++ } END { print n + 0 }' "$samples" FS=' ' "$log")

# --- how soon the trigger of a new dynamic cgroup was armed (reported, not
# asserted): "armed_count max_lag_s never_count".
arming=$(awk '
	FILENAME ~ /events$/ { if ($2 == "dyn-added") { n++; name[n] = $3; at[n] = $1 } next }
	/ action=armed scope=soak\/d-/ { s = $3; sub(/^scope=soak\//, "", s); if (!(s in first)) first[s] = $1 }
	END {
		for (i = 1; i <= n; i++) {
			d = name[i]
			if (d in first) { a++; if (first[d] - at[i] > mx) mx = first[d] - at[i] }
			else never++
		}
		printf "%d %.1f %d\n", a, mx, never
	}' "$out/events" "$log")

# --- clamps: never below the soft limit.
clamp_low=$(awk "$AWK_F"' / action=clamp / && (f("result") == "ok" || f("result") == "timed_out") && f("high") + 0 < f("soft_limit") + 0' "$log")

# --- memory.high: the originals back at the end; after the SIGKILL, the
# values the killed reclaimd left lowered put back by the restarted one.
orig_of() {
	awk -v n="$1" '$1 == n { v = $2 } END { print (v == "" ? "max" : v) }' "$out/high-start" 2>/dev/null
}
high_bad=$(while read -r n h; do
	o=$(orig_of "$n")
	[ "$h" = "$o" ] || [ "$h" = gone ] || echo "$n: memory.high $h, originally $o"
done <"$out/high-end" 2>/dev/null)
n_high_end=$(wc -l <"$out/high-end" 2>/dev/null || echo 0)
lowered_at_kill=$(while read -r n h; do
	o=$(orig_of "$n")
	[ "$h" = "$o" ] || [ "$h" = gone ] || echo "$n $h $o"
done <"$out/high-after-kill" 2>/dev/null)

# --- the log's errors.  Provoked, and so allowed: the refusal of a broken
# configuration and its error lines (within 15 s of a broken reload, naming
# the configuration); anything about a dynamic cgroup from 2 s before its
# removal began (cgroup_gone, cgroup_error, failed steps, a trigger that
# could not be armed); exhausted rounds while a cgroup with mlocked memory
# was over its soft limit.  Everything else that says it failed is an error.
errors=$(awk "$AWK_F"'
	FILENAME ~ /events$/ {
		if ($2 == "reload-sent" && $3 == "broken") bt[++nb] = $1
		if ($2 == "dyn-removing") rmt[$3] = $1
		next
	}
	function after_broken(t,   i) { for (i = 1; i <= nb; i++) if (t >= bt[i] && t <= bt[i] + 15) return 1; return 0 }
	function dyn_going(line, t,   m, n) {
		if (!match(line, /soak\/d-[0-9]+/)) return 0
		n = substr(line, RSTART + 5, RLENGTH - 5)
		return (n in rmt) && t >= rmt[n] - 2
	}
	function out(why) { print why ": " $0 }
	{ line = $0; sub(/^[^ ]* /, "", line) }
	line !~ /^action=/ {
		if (tolower(line) !~ /fail|error|cannot|can.t|refus|invalid|warn|malformed|changed since/) next
		if (after_broken($1) && (line ~ /reclaimd\.conf/ || line ~ /configuration not accepted/)) next
		if (dyn_going(line, $1)) next
		out("error"); next
	}
	/ action=reload / {
		r = f("result")
		if (r == "applied" || (r == "refused" && after_broken($1))) next
		out("reload"); next
	}
	/ action=(cgroup_gone|cgroup_error) / { if (!dyn_going(line, $1)) out("static cgroup"); next }
	/ action=(reclaim|clamp|release) / {
		r = f("result")
		if (r == "ok" || r == "partial" || r == "timed_out" || r == "already_lower" || r == "raised" || r == "restored" || r == "gone") next
		if (!dyn_going(line, $1)) out("failed step")
		next
	}
	/ action=round_end / { if (f("result") == "error") out("round"); next }
	/ action=exhausted / { next }
	' "$out/events" "$log")
n_errors_provoked=$(awk "$AWK_F"'
	{ line = $0; sub(/^[^ ]* /, "", line) }
	(line !~ /^action=/ && tolower(line) ~ /fail|error|cannot|can.t|refus|invalid|warn|malformed/) ||
	(/ action=(reload|reclaim|clamp|release) / && f("result") !~ /^(ok|partial|timed_out|already_lower|raised|restored|gone|applied)$/) ||
	/ action=cgroup_error /' "$log" | wc -l)

# ---------------------------------------------------------------- report
soft_note=$(printf '%s' "$violations" | grep -c .)
echo "soak scenario (seed $SOAK_SEED; guest: ${VM_MEM} MiB, zram swap; VM $(file vm-seconds) s):"
note "duration: ${dur} s of soak (planned ${SOAK_SECONDS} s; the plan's clock stops during the SIGKILL and restart); ${nsamp} samples of every cgroup; the system stalled on memory ${psi_s} s in all (PSI some)"
note "rounds: ${n_rounds} (${n_rounds_sys} system-wide), ${n_reclaims} reclaim steps freeing $(mib "$bytes") MiB (${n_prop} of them on a cgroup at or under its soft limit), ${n_min_steps} on cgroups with a memory.min, ${n_exhausted} exhausted"
if [ -n "$workload_falls" ]; then
	note "steps that ended under a soft limit by their workload's doing, not reclaim's ($(echo "$workload_falls" | grep -c .)): $(echo "$workload_falls" | head -n 3)"
fi
note "memory.high: ${n_clamps} clamps, ${n_raised} raised and ${n_restored} restored"
note "reloads: ${n_sent} sent (${n_broken} broken): ${n_applied} applied, ${n_refused} refused"
note "cgroups: ${n_added} created and ${n_removed} removed on the fly (reclaimd logged ${n_gone} cgroup_gone); ${n_restarts} workload restarts in the static ones"
read -r arm_n arm_max arm_never <<EOF
$arming
EOF
note "triggers of the dynamic cgroups: ${arm_n} armed, at most ${arm_max} s after the cgroup appeared; ${arm_never} never armed in the cgroup's life"
note "SIGKILL at ${t_kill:-never} s (status $rexit); restarted at ${t_start2:-never} s; lowered at the kill: $(if [ -n "$lowered_at_kill" ]; then echo "$lowered_at_kill" | awk '{ printf "%s%s %s (orig %s)", (NR > 1 ? ", " : ""), $1, $2, $3 }'; else echo none; fi); second instance's status after SIGTERM: $rexit2"
judge_instance reclaimd "$t_start1" "$t_kill"
judge_instance reclaimd2 "$t_start2" "$t_term"
note "${n_errors_provoked} error/warning line(s) in the log, provoked by the soak unless listed below"

# 0. The soak itself happened.
ev_has setup-failed && fail "the scenario's setup failed: $(awk '$2 == "setup-failed"' "$out/events")"
[ -n "$t_end" ] || fail "the soak did not reach its end (see the events)"
awk -v d="$dur" -v s="$SOAK_SECONDS" 'BEGIN { exit !(d + 5 >= s) }' ||
	fail "the soak ran only ${dur} s of the planned ${SOAK_SECONDS} s (reclaimd died? see the events)"
[ "$n_rounds_sys" -gt 0 ] || fail "reclaimd ran no system-wide round: the hog made no memory pressure"
[ "$n_clamps" -gt 0 ] || fail "no memory.high clamp happened: the mlocked workloads did not drive reclaimd to clamp_priority"
ev_has reclaimd-killed || fail "the scenario did not SIGKILL reclaimd (see the events)"
if [ "$SOAK_SECONDS" -gt "$RELOAD_EVERY" ] && [ "$n_sent" -eq 0 ]; then
	fail "no reload was sent"
fi
ev_has 'reclaimd-died' && fail "the first reclaimd died on its own during the soak (status $rexit)"
ev_has 'reclaimd2-died' && fail "the second reclaimd died on its own during the soak (status $rexit2)"

# A workload's output (its last start's) without the ready line: memhog
# failed, or it had not filled its memory yet when it was killed.  The
# second is no failure if it printed nothing and started under READY_S s
# before the soak's end: the hog takes 5-9 s in the guest to push 96-192
# MiB through its memory.max, and the plan's last actions run late when
# earlier ones waited (a hog planned 16 s before the end started 1.6 s
# before it).
for f in "$out"/*.out; do
	[ -f "$f" ] || continue
	grep -q '^memhog: ready' "$f" && continue
	n=$(basename "$f" .out)
	t_ws=$(awk -v n="$n" '$2 == "wl-start" && $3 == n { t = $1 } END { print t }' "$out/events")
	if [ ! -s "$f" ] && [ -n "$t_ws" ] && [ -n "$t_end" ] &&
		awk -v a="$t_ws" -v b="$t_end" -v r="$READY_S" 'BEGIN { exit !(b - a < r) }'; then
		note "$n's workload, started at ${t_ws} s, $(awk -v a="$t_ws" -v b="$t_end" 'BEGIN { printf "%.1f", b - a }') s before the end, was not ready yet when it ended"
		continue
	fi
	fail "setup: a workload did not start ($n, started at ${t_ws:-?} s): $(head -c 200 "$f")"
done
ev_has refusal-not-seen && fail "reclaimd did not log the refusal of a broken configuration within 20 s of the SIGHUP"

# 1. Exits: 137 for the SIGKILL, 0 for the SIGTERM.
[ "$rexit" = 137 ] || fail "the first reclaimd's status was '$rexit', expected 137 (killed by the scenario's SIGKILL)"
[ "$rexit2" = 0 ] || fail "the second reclaimd's status after SIGTERM was '$rexit2', expected 0"

# 2. Reloads: each broken one refused, each other one applied.
[ "$n_refused" -eq "$n_broken" ] ||
	fail "reclaimd refused ${n_refused} reload(s), but ${n_broken} broken configuration(s) were sent"
[ "$n_applied" -eq $((n_sent - n_broken)) ] ||
	fail "reclaimd applied ${n_applied} reload(s) of the $((n_sent - n_broken)) good configuration(s) sent"

# 3. memory.high: originals back at the end; the restart restored the kill's leftovers.
[ "$n_high_end" -ge 10 ] || fail "the scenario recorded memory.high of only $n_high_end cgroup(s) at the end"
[ -z "$high_bad" ] || fail "after the SIGTERM, memory.high was not back at its original value: $(echo "$high_bad" | head -n 5 | tr '\n' ';')"
if [ -n "$lowered_at_kill" ]; then
	while read -r n h o; do
		hb=$(awk -v n="$n" '$1 == n { print $2 }' "$out/high-before-restart")
		[ "$hb" = "$h" ] || [ "$hb" = gone ] ||
			fail "between the SIGKILL and the restart $n's memory.high changed from $h to $hb with no reclaimd running"
		ob=$o
		[ "$o" = max ] && ob=18446744073709551615
		grep -q " action=release cgroup=soak/$n high=$ob result=restored " "$out/reclaimd2.log" 2>/dev/null ||
			[ "$hb" = gone ] ||
			fail "the restarted reclaimd did not log restoring $n's memory.high (left at $h by the killed one) to $o"
		awk -v p="soak/$n" '$NF == p { f = 1 } END { exit !f }' "$out/state-after-kill" 2>/dev/null ||
			fail "the state file the killed reclaimd left does not record $n (memory.high $h): $(head -c 300 "$out/state-after-kill")"
	done <<EOF
$lowered_at_kill
EOF
	ev_has restored-after-restart ||
		fail "the memory.high values the killed reclaimd left lowered were not all back within ${RESTORE_DEADLINE} s of the restart: $(tr '\n' ' ' <"$out/high-after-restart" 2>/dev/null)"
else
	note "NOTE: no memory.high was lowered at the moment of the SIGKILL, so the restart had nothing to restore"
fi
[ -z "$clamp_low" ] || fail "memory.high clamped below the soft limit: $(echo "$clamp_low" | head -n 3)"

# 4. memory.min.
[ -z "$min_log" ] || fail "reclaimd took a cgroup under its memory.min ($(echo "$min_log" | grep -c .) step(s)): $(echo "$min_log" | head -n 5)"
[ -z "$min_samples" ] || fail "a cgroup's memory.current (kernel) fell under its memory.min although its workload was larger ($(echo "$min_samples" | grep -c .) sample(s)): $(echo "$min_samples" | head -n 5)"

# 5. The soft-limit rule.
[ -z "$violations" ] || fail "reclaimd reclaimed a cgroup under its soft limit while another was over its own (${soft_note} step(s)): $(echo "$violations" | head -n 5)"

# 6. Descriptors: none left on removed cgroups, none held twice.
stale=$(awk -F '\t' '$8 > 0 { print "at " $1 " (" $2 "):" $10 }' "$out/fds-summary.tsv" | head -n 3)
dups=$(awk -F '\t' '$7 > 0 { print "at " $1 " (" $2 "):" $9 }' "$out/fds-summary.tsv" | head -n 3)
[ -z "$stale" ] || fail "reclaimd kept descriptors on cgroups removed more than ${STALE_S} s before: $stale"
[ -z "$dups" ] || fail "reclaimd held the same cgroup file open twice: $dups"

# 7. The log's errors.
[ -z "$errors" ] || fail "reclaimd's log holds errors the soak did not provoke ($(echo "$errors" | grep -c .)): $(echo "$errors" | head -n 8)"

if [ "$failures" -gt 0 ]; then
	echo "----- scenario events (last 60) -----" >&2
	tail -n 60 "$out/events" >&2
	echo "$failures check(s) failed; the guest's output is in $out (replay: SOAK_SEED=$SOAK_SEED SOAK_SECONDS=$SOAK_SECONDS RELOAD_EVERY=$RELOAD_EVERY)" >&2
	exit 1
fi
judge_pass "${dur} s soak (seed $SOAK_SEED): no growth of reclaimd's memory or descriptors (${leak_report%; }; none stale or held twice); every memory.high restored; memory.min and soft limits respected; no unprovoked error"
