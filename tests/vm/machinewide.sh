# shellcheck shell=sh
# tests/vm/machinewide.sh -- host side of the machine-wide pressure scenarios
# (scenario-machinewide.sh): run one in a guest, and judge a run's output
# from the kernel's files.  Sourced after vm.sh and judge.sh by
# bench-machinewide.sh and test-machinewide.sh:
#
#   mw_run SHAPE MODE DIR [CONF]  boot a guest running SHAPE in MODE (kernel,
#                                 floors or reclaimd) with its output in DIR; CONF,
#                                 when given, is a reclaimd configuration
#                                 file read after the scenario's own (a
#                                 drop-in: its keys win)
#   mw_judge DIR                  write DIR/metrics.tsv (KEY<TAB>VALUE, NA
#                                 where a value does not exist) from DIR's
#                                 output; 1 when DIR holds no complete run
#   mw_value DIR KEY              a value of DIR/metrics.tsv
#
# The metrics, over the episode (from pressure-start to episode-end, the
# snapshots' deltas), "over" and "under" meaning the managed cgroups over
# and under their soft limits when the pressure started:
#   prec_steal, prec_swap   % of what reclaim took from managed cgroups
#                           (memory.stat pgsteal; the rise of
#                           memory.swap.current) that came from "over" ones
#   under_steal_mib, under_swap_mib, under_kswapd_mib  taken from "under"
#                           cgroups (pgsteal; swap.current; pgsteal_kswapd,
#                           the part kswapd took)
#   over_steal_mib, over_refault_mib  taken from "over" cgroups, and what of
#                           theirs came back (workingset_refault_*)
#   rank_mib                the fall of an "over" cgroup's memory.current
#                           while another one's excess was larger by more
#                           than RANK_MARGIN_MIB (from the samples; 0 with
#                           one "over" cgroup)
#   floor_while_over_pct    of those intervals, the share that began with
#                           the floor of every "under" cgroup held (memory.low
#                           or memory.min, the kernel's files, at its usage or
#                           soft limit, whichever is less, within 2 MiB); the
#                           least of them
#   prec_while_over, under_while_over_mib, while_over_s  the same by swap
#                           (the rise of memory.swap.current in the samples),
#                           counted only over the sample intervals that began
#                           with some "over" cgroup more than 2 MiB (the
#                           engine's SOFT_MARGIN_BYTES) above its soft limit,
#                           and how long those were.  A soft limit promises
#                           the cgroups under theirs nothing once none is
#                           over: then the kernel's LRU order decides (v1's
#                           soft-limit reclaim ran first, then shrink_node()
#                           over every cgroup).  Meaningful for anonymous
#                           workloads (fast, creep, two, hot), whose reclaim
#                           is swap; NA when no interval began so
#   full_s, some_s          the system's stall (/proc/pressure/memory totals)
#   t_soft_s                from the first stall (the first sample whose
#                           some total rose) to the first sample with every
#                           "over" cgroup within 2 MiB of its soft limit; NA
#                           when that never happened in the episode
#   high_left               managed cgroups whose memory.high was not max
#                           after reclaimd stopped
#   cpu_idle_ms, cpu_episode_ms  reclaimd's CPU time (its threads' run
#                           time from schedstat; utime + stime in runs
#                           recorded before) over the idle period before the
#                           pressure and over the episode (NA without reclaimd)
#   rounds, steps, rd_over_mib, rd_under_mib, clamps, round_results
#                           from reclaimd's log: rounds ended, reclaim
#                           steps, MiB it says it reclaimed from "over" and
#                           "under" cgroups, memory.high clamps, and how
#                           its rounds ended (result=COUNT,...)
#   global_steal_mib, allocstall  the kernel's own reclaim, machine-wide
#                           (/proc/vmstat pgsteal_kswapd + pgsteal_direct,
#                           which leave out memory.reclaim and memory.max;
#                           allocstall_*: direct reclaim entered)
#   global_refault_mib      what came back of all reclaimed memory,
#                           machine-wide (/proc/vmstat workingset_refault_anon
#                           + _file, activated or not): thrashing
#   min_free_mib, low_wmark_mib  lowest MemFree sampled in the episode; the
#                           sum of the zones' low watermarks
#   hog_mib, oom_kills, dead  the allocator's size; OOM kills in the
#                           episode; workloads not alive at its end
#   idle_s, episode_s       the lengths of the two windows

: "${RANK_MARGIN_MIB:=16}"

# mw_run SHAPE MODE DIR [CONF]
mw_run() {
	mkdir -p "$3" || vm_fail "cannot create $3"
	rm -f "$3/bench.conf"
	if [ -n "${4:-}" ]; then
		cp "$4" "$3/bench.conf" || vm_fail "cannot copy $4"
	fi
	VM_PASS_ENV="${VM_PASS_ENV:-} IDLE_S IDLE_SETTLE_S EPISODE_S CREEP_S ZRAM_NET_PCT SHORT_EXTRA HOG_COLD TRIGGER RECLAIMD_DEBUG"
	# shellcheck disable=SC2154 # vm_dir: set by vm.sh
	vm_run "$vm_dir/scenario-machinewide.sh" "$3" "$1" "$2"
}

# mw_delta DIR FILE-STEM GROUP KEY...: the sum of KEYs' rises in
# memory.stat (DIR/STEM-start-GROUP to DIR/STEM-end-GROUP).
mw_delta() {
	md_d=$1 md_s=$2 md_g=$3
	shift 3
	awk -v keys=" $* " '
		FNR == 1 { f++ }
		index(keys, " " $1 " ") { v[f] += $2 }
		END { printf "%.0f\n", v[2] - v[1] }' "$md_d/$md_s-start-$md_g" "$md_d/$md_s-end-$md_g"
}

mw_judge() {
	mj=$1
	for mj_f in cgroups.tsv samples.tsv stat-end-hog pressure-end vmstat-end cpu.tsv events; do
		[ -f "$mj/$mj_f" ] || return 1
	done
	mj_page=4096
	{
		mj_os=0 mj_us=0 mj_ow=0 mj_uw=0 mj_uk=0 mj_or=0 mj_hl=0
		while read -r g _ class _; do
			s=$(mw_delta "$mj" stat "$g" pgsteal)
			k=$(mw_delta "$mj" stat "$g" pgsteal_kswapd)
			r=$(mw_delta "$mj" stat "$g" workingset_refault_anon workingset_refault_file workingset_refault)
			w=$(($(cat "$mj/swap-end-$g") - $(cat "$mj/swap-start-$g")))
			[ "$w" -ge 0 ] || w=0
			if [ "$class" = over ]; then
				mj_os=$((mj_os + s)) mj_ow=$((mj_ow + w)) mj_or=$((mj_or + r))
			else
				mj_us=$((mj_us + s)) mj_uw=$((mj_uw + w)) mj_uk=$((mj_uk + k))
			fi
			[ "$(cat "$mj/high-end-$g" 2>/dev/null)" = max ] || mj_hl=$((mj_hl + 1))
		done <"$mj/cgroups.tsv"
		awk -v os="$mj_os" -v us="$mj_us" -v ow="$mj_ow" -v uw="$mj_uw" -v uk="$mj_uk" \
			-v or="$mj_or" -v pg="$mj_page" 'function pct(a, b) { return a + b > 0 ? sprintf("%.1f", 100 * a / (a + b)) : "NA" }
			function mib(b) { return sprintf("%.1f", b / 1048576) }
			BEGIN {
				printf "prec_steal\t%s\nprec_swap\t%s\n", pct(os, us), pct(ow, uw)
				printf "under_steal_mib\t%s\nunder_swap_mib\t%s\nunder_kswapd_mib\t%s\n", mib(us * pg), mib(uw), mib(uk * pg)
				printf "over_steal_mib\t%s\nover_refault_mib\t%s\n", mib(os * pg), mib(or * pg)
			}'
		printf 'high_left\t%s\n' "$mj_hl"

		# The system's stall over the episode.
		awk 'FNR == 1 { f++ } { for (i = 2; i <= NF; i++) if ($i ~ /^total=/) v[f, $1] = substr($i, 7) }
			END { printf "full_s\t%.2f\nsome_s\t%.2f\n", (v[2, "full"] - v[1, "full"]) / 1e6, (v[2, "some"] - v[1, "some"]) / 1e6 }' \
			"$mj/pressure-start" "$mj/pressure-end"
		# The kernel's own reclaim and OOM kills, machine-wide.
		awk -v pg="$mj_page" 'FNR == 1 { f++ } { v[f, $1] = $2 }
			END {
				s = v[2, "pgsteal_kswapd"] + v[2, "pgsteal_direct"] - v[1, "pgsteal_kswapd"] - v[1, "pgsteal_direct"]
				r = v[2, "workingset_refault_anon"] + v[2, "workingset_refault_file"] - v[1, "workingset_refault_anon"] - v[1, "workingset_refault_file"]
				for (k in v) { split(k, p, SUBSEP); if (p[2] ~ /^allocstall/) a += (p[1] == 2 ? 1 : -1) * v[k] }
				printf "global_steal_mib\t%.1f\nglobal_refault_mib\t%.1f\nallocstall\t%d\noom_kills\t%d\n", s * pg / 1048576, r * pg / 1048576, a, v[2, "oom_kill"] - v[1, "oom_kill"]
			}' "$mj/vmstat-start" "$mj/vmstat-end"
		awk '$1 == "low" { s += $2 } END { printf "low_wmark_mib\t%.1f\n", s * 4 / 1024 }' "$mj/zoneinfo-start"
		sed -n 's/^hog=\([0-9]*\) .*/hog_mib\t\1/p' "$mj/hog.size"

		# From the samples: the lowest free memory, the time to the soft
		# limits, and what was taken out of rank.
		mj_tp=$(awk '$2 == "pressure-start" { print $1; exit }' "$mj/events")
		mj_te=$(awk '$2 == "episode-end" { print $1; exit }' "$mj/events")
		awk -F '\t' -v tp="$mj_tp" -v te="$mj_te" -v margin="$RANK_MARGIN_MIB" '
			FNR == NR { soft[$1] = $2; cls[$1] = $3; next }
			FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
			$1 < tp { prev_some = $3; for (g in cls) { pc[g] = $col[g ".cur"]; pw[g] = $col[g ".swap"]; pl[g] = $col[g ".low"] + 0; pm[g] = $col[g ".min"] + 0 }; pt = $1; started = 1; next }
			$1 > te { next }
			{
				# The interval since the last sample, counted when it began
				# with a cgroup over its soft limit.
				was_over = 0
				for (g in cls) if (cls[g] == "over" && started && pc[g] > soft[g] + 2097152) was_over = 1
				if (was_over) {
					wo_s += $1 - pt
					for (g in cls) if ($col[g ".swap"] > pw[g]) w[cls[g]] += $col[g ".swap"] - pw[g]
					# The floor of each cgroup under its soft limit, as the
					# interval began: held when memory.low or memory.min
					# (the kernel files) covers its usage or its soft limit,
					# whichever is less, within the 2 MiB margin.
					for (g in cls) if (cls[g] == "under") {
						fl = pl[g] > pm[g] ? pl[g] : pm[g]
						if (fl + 2097152 >= (soft[g] < pc[g] ? soft[g] : pc[g]))
							held[g] += $1 - pt
						else
							held[g] += 0   # there, so that one never held counts as 0
					}
				}
				for (g in cls) { pl[g] = $col[g ".low"] + 0; pm[g] = $col[g ".min"] + 0 }
				for (g in cls) pw[g] = $col[g ".swap"]
				pt = $1
				if (minfree == "" || $2 < minfree) minfree = $2
				if (stall == "" && started && $3 > prev_some) stall = $1
				prev_some = $3
				all = 1; top = ""
				for (g in cls) if (cls[g] == "over") {
					if ($col[g ".cur"] > soft[g] + 2097152) all = 0
					if (top == "" || pc[g] - soft[g] > pc[top] - soft[top]) top = g
				}
				if (all && atsoft == "") atsoft = $1
				for (g in cls) if (cls[g] == "over" && g != top && pc[top] - soft[top] > pc[g] - soft[g] + margin * 1048576 && pc[g] > $col[g ".cur"])
					rank += pc[g] - $col[g ".cur"]
				for (g in cls) pc[g] = $col[g ".cur"]
			}
			END {
				printf "min_free_mib\t%s\n", minfree == "" ? "NA" : sprintf("%.1f", minfree / 1024)
				printf "t_soft_s\t%s\n", stall == "" || atsoft == "" ? "NA" : sprintf("%.1f", (atsoft > stall ? atsoft - stall : 0))
				printf "rank_mib\t%.1f\n", rank / 1048576
				printf "while_over_s\t%.1f\n", wo_s
				if (w["over"] + w["under"] > 0)
					printf "prec_while_over\t%.1f\n", 100 * w["over"] / (w["over"] + w["under"])
				else
					printf "prec_while_over\tNA\n"
				printf "under_while_over_mib\t%s\n", (wo_s > 0 ? sprintf("%.1f", w["under"] / 1048576) : "NA")
				# The least of the under cgroups: each must have its floor.
				fw = ""
				for (g in held) if (fw == "" || held[g] < fw) fw = held[g]
				printf "floor_while_over_pct\t%s\n", (wo_s > 0 && fw != "" ? sprintf("%.1f", 100 * fw / wo_s) : "NA")
			}' "$mj/cgroups.tsv" "$mj/samples.tsv"
		awk -v tp="$mj_tp" -v te="$mj_te" '$2 == "idle-start" { a = $1 } $2 == "idle-end" { b = $1 }
			END { printf "idle_s\t%.1f\nepisode_s\t%.1f\n", b - a, te - tp }' "$mj/events"

		# reclaimd's CPU time.
		awk -F '\t' '$1 == "hz" { hz = $2; next } { c[$1] = $2; if (NF > 2) ns[$1] = $3 }
			function ms(a, b) {
				if ((a in ns) && (b in ns))
					return sprintf("%.1f", (ns[b] - ns[a]) / 1e6)
				return (a in c) && (b in c) ? sprintf("%.0f", (c[b] - c[a]) * 1000 / hz) : "NA"
			}
			END { printf "cpu_idle_ms\t%s\ncpu_episode_ms\t%s\n", ms("idle-start", "idle-end"), ms("pressure-start", "episode-end") }' \
			"$mj/cpu.tsv"

		# reclaimd's log, over the episode.
		if [ -f "$mj/reclaimd.log" ]; then
			awk -v tp="$mj_tp" -v te="$mj_te" "$AWK_F"'
				FNR == NR { cls[$1] = $3; next }
				$1 < tp || $1 > te { next }
				/ action=reclaim / { steps++; if (cls[f("cgroup")] == "over") ro += f("reclaimed"); else ru += f("reclaimed") }
				/ action=clamp / { clamps++ }
				/ action=round_end / { rounds++; res[f("result")]++ }
				END {
					printf "rounds\t%d\nsteps\t%d\nclamps\t%d\n", rounds, steps, clamps
					printf "rd_over_mib\t%.1f\nrd_under_mib\t%.1f\n", ro / 1048576, ru / 1048576
					s = ""; for (r in res) s = s (s == "" ? "" : ",") r "=" res[r]
					printf "round_results\t%s\n", s == "" ? "NA" : s
				}' "$mj/cgroups.tsv" "$mj/reclaimd.log"
		else
			printf '%s\tNA\n' rounds steps clamps rd_over_mib rd_under_mib round_results
		fi
		mj_dead=
		for mj_f in "$mj"/alive-*; do
			[ "$(cat "$mj_f")" = yes ] || mj_dead="$mj_dead${mj_dead:+,}${mj_f##*/alive-}"
		done
		printf 'dead\t%s\n' "${mj_dead:-none}"
	} >"$mj/metrics.tsv"
}

# mw_value DIR KEY
mw_value() { awk -F '\t' -v k="$2" '$1 == k { print $2; exit }' "$1/metrics.tsv"; }
