# shellcheck shell=sh disable=SC2317 # functions called through wait_for
# Guest side of the machine-wide pressure scenarios (machinewide.sh runs it
# for bench-machinewide.sh and test-machinewide.sh):
#
#   scenario-machinewide.sh SHAPE MODE
#
# The machine itself runs short: the pressure comes from an allocator in the
# cgroup hog, which has no memory.max, so the kernel's own reclaim (kswapd,
# direct reclaim) takes memory from every cgroup while reclaimd (MODE
# reclaimd) or nobody (MODE kernel: the kernel alone) acts on the soft
# limits; or (MODE floors) nobody, with the floors reclaimd would hold
# written once and left for the whole episode: the price of protection
# itself, without the daemon.  Managed cgroups, each with a soft limit:
#   batch  far over its soft limit, mostly cold memory
#   web    under its soft limit: a hot part and a cold tail (the protected one)
# SHAPE:
#   fast   hog allocates hundreds of MiB as fast as it can
#   creep  hog allocates the same over CREEP_S (60) seconds
#   cache  batch's excess is mostly clean page cache (a zram disk read once
#          directly, its head read again in a loop); hog as in fast
#   two    etl beside batch, both over their soft limits, with different
#          excesses: reclaim should follow the ranking; hog as in fast
#   hot    batch's excess is hot (touched in a loop): what is taken from it
#          refaults; hog as in fast
# hog's size is computed when it starts: what is free above the high
# watermarks, plus the net memory that taking the whole excess of the
# over-limit cgroups would give back (swapping anonymous memory to zram
# gives back only ZRAM_NET_PCT of it), plus SHORT_EXTRA MiB: so the machine
# is short by a little more than the excess.  HOG_COLD MiB of hog's memory
# are cold (written once: unmanaged memory that may give the rest), the
# others hot (touched in a loop).
#
# Timeline: the managed workloads start; reclaimd starts (MODE reclaimd);
# IDLE_SETTLE_S s later, IDLE_S s of idle machine (reclaimd's CPU is measured over it); then hog
# starts (event pressure-start) and the episode lasts EPISODE_S s (an
# observation window, the same in both modes), at least until hog has
# filled its memory (bounded); then the end snapshots are taken, reclaimd is
# stopped, and memory.high read again.
#
# Everything the host-side judge (machinewide.sh) reads is written to /out:
#   events          uptime-stamped milestones
#   cgroups.tsv     name soft_limit(bytes) class(over|under) current(bytes),
#                   classes judged at pressure-start
#   samples.tsv     a header line, then every SAMPLE_S s: t MemFree(kB)
#                   some_total full_total(us) then, for each managed cgroup,
#                   current swap.current low min, then hog's current
#   {stat,swap,high}-{start,end}-GROUP  memory.stat, memory.swap.current,
#                   memory.high at pressure-start and at the episode's end
#                   (high-end: after reclaimd stopped)
#   vmstat-{start,end}, pressure-{start,end}, meminfo-start, zoneinfo-start
#   cpu.tsv         reclaimd's utime+stime (clock ticks) at: started,
#                   idle-start, idle-end, pressure-start, episode-end; and
#                   the clock tick rate
#   reclaimd.conf (+ reclaimd.conf.d/bench.conf from /out/bench.conf, when
#                   the host gave one), reclaimd.log, reclaimd.exit
#   hog.size        hog's MiB and how they were computed
#   zram-{start,end}  the swap device's mm_stat
#   GROUP.out, alive-GROUP
: "${IDLE_S:=20}"         # idle seconds measured before the pressure
: "${IDLE_SETTLE_S:=3}"   # seconds from reclaimd's start to the idle period
: "${EPISODE_S:=}"        # seconds from pressure-start to the end snapshot
: "${CREEP_S:=60}"        # how long the creep allocates
: "${ZRAM_NET_PCT:=25}"   # what swapping a MiB of memhog's pages to zram gives back, % (measured: zram keeps 74 %)
: "${SHORT_EXTRA:=8}"     # MiB the machine is short beyond the excess
: "${HOG_COLD:=48}"       # MiB of hog's memory that are cold
: "${SAMPLE_S:=0.25}"     # sampling period (about 1 s in practice under TCG)
: "${TRIGGER:=some 150ms 1s}"

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"

shape=${1:-} mode=${2:-}
: >"$O/events"
case $mode in kernel | reclaimd | floors) ;; *) die "mode '$mode': expected kernel, reclaimd or floors" ;; esac

# workloads: one line per managed cgroup: NAME SOFT_LIMIT_MiB MEMHOG_ARG...
cache_disk=
case $shape in
fast | creep)
	workloads="batch 32 --cold 160 --hot 8 --pause-ms 200
web 160 --cold 64 --hot 48 --pause-ms 100"
	;;
cache)
	# A second zram disk, read directly: clean page cache that the kernel
	# drops without swapping; never written, so it costs zram nothing.
	read -r n </sys/class/zram-control/hot_add || die "cannot add a zram disk"
	cache_disk=/dev/zram$n
	echo 256M >"/sys/block/zram$n/disksize" || die "cannot size $cache_disk"
	workloads="batch 32 --cold 24 --hot 4 --pause-ms 200 --file $cache_disk --file-mib 136 --file-hot 4
web 160 --cold 64 --hot 48 --pause-ms 100"
	;;
two)
	workloads="batch 32 --cold 120 --hot 8 --pause-ms 200
etl 32 --cold 56 --hot 8 --pause-ms 200
web 160 --cold 56 --hot 40 --pause-ms 100"
	;;
hot)
	workloads="batch 32 --hot 112 --pause-ms 50
web 160 --cold 64 --hot 48 --pause-ms 100"
	;;
*) die "shape '$shape': expected fast, creep, cache, two or hot" ;;
esac
case $shape in creep) : "${EPISODE_S:=$((CREEP_S + 25))}" ;; *) : "${EPISODE_S:=40}" ;; esac
event "scenario shape=$shape mode=$mode"

managed=
mkdir "$CG/hog" || die "cannot create cgroup hog"
cat >"$O/reclaimd.conf" <<EOF
# reclaimd: machine-wide scenario $shape
[pressure]
trigger = $TRIGGER
EOF
while read -r g soft args; do
	mkdir "$CG/$g" || die "cannot create cgroup $g"
	printf '\n[cgroup %s]\nsoft_limit = %sM\n' "$g" "$soft" >>"$O/reclaimd.conf"
	# shellcheck disable=SC2086 # args is a list of options
	start_in "$g" "$g" "$MEMHOG" $args
	eval "pid_$g=\$last_pid soft_$g=\$soft"
	managed="$managed $g"
done <<EOF
$workloads
EOF
for g in $managed; do
	wait_for 90 "$g's memhog to be ready" is_ready "$g" || die "$g's workload not ready: $(cat "$O/$g.out")"
done
event "workloads-ready"
mkdir -p /tmp/reclaimd/reclaimd.conf.d
cp "$O/reclaimd.conf" /tmp/reclaimd/reclaimd.conf
if [ -f "$O/bench.conf" ]; then
	cp "$O/bench.conf" /tmp/reclaimd/reclaimd.conf.d/bench.conf
	mkdir -p "$O/reclaimd.conf.d" && cp "$O/bench.conf" "$O/reclaimd.conf.d/bench.conf"
fi

# reclaimd's CPU time (the whole process): utime + stime in clock ticks,
# and its threads' run time in ns (schedstat: clock ticks are 10 ms, coarser
# than what an idle reclaimd spends in ten seconds).
cpu_mark() {
	[ -n "${rpid:-}" ] && ! is_dead "$rpid" || return 0
	read -r _ _ _ _ _ _ _ _ _ _ _ _ _ cm_u cm_s _ <"/proc/$rpid/stat"
	cm_ns=0
	for cm_f in /proc/"$rpid"/task/*/schedstat; do
		read -r cm_t _ <"$cm_f" && cm_ns=$((cm_ns + cm_t))
	done
	printf '%s\t%s\t%s\n' "$1" $((cm_u + cm_s)) "$cm_ns" >>"$O/cpu.tsv"
}
printf 'hz\t%s\n' "$(getconf CLK_TCK)" >"$O/cpu.tsv"
if [ "$mode" = reclaimd ]; then
	# One that does not start is the judge's finding (events
	# reclaimd-died-at-start, reclaimd-start-not-logged); the run goes on.
	start_reclaimd reclaimd --config /tmp/reclaimd/reclaimd.conf --state-file /run/reclaimd-test/state \
		${RECLAIMD_DEBUG:+--debug} &&
		cpu_mark started
fi

# MODE floors: the floors reclaimd holds while a cgroup is over its soft
# limit (lib/floors.c, engine_protect()), written once where reclaimd would
# start and never released: memory.low at the soft limit for each cgroup
# over it; for the others, memory.min at the soft limit where the multi-gen
# LRU is on (lru_gen/enabled's LRU_GEN_CORE bit: it only defers
# memory.low), else memory.low (reclaimd's protect = auto).  reclaimd also
# ranks several offenders, lets go once none is over, and falls back to
# memory.low when the excess cannot cover the shortfall; this mode does
# none of that, so it bounds from above what the floors alone cost.
if [ "$mode" = floors ]; then
	under_file=memory.low
	read -r lru_gen 2>/dev/null </sys/kernel/mm/lru_gen/enabled &&
		[ $((lru_gen & 1)) -eq 1 ] && under_file=memory.min
	for g in $managed; do
		eval "soft=\$soft_$g"
		read -r cur <"$CG/$g/memory.current"
		f=$under_file
		[ "$cur" -le $(((soft + 2) * MiB)) ] || f=memory.low
		echo $((soft * MiB)) >"$CG/$g/$f" || die "cannot write $f of $g"
		event "floor $g $f=$((soft * MiB))"
	done
fi

# The sampler: builtins only (a fork costs much under TCG), and only short
# files (dash reads a file a byte at a time: memory.stat is too long to
# read every sample; the judge takes pgsteal from the snapshots).
T=$(printf '\t')
{
	printf 't\tfree_kb\tsome_us\tfull_us'
	for g in $managed; do printf '\t%s.cur\t%s.swap\t%s.low\t%s.min' "$g" "$g" "$g" "$g"; done
	printf '\thog.cur\n'
} >"$O/samples.head"
sample() {
	{ read -r _ _ && read -r _ sm_free _; } </proc/meminfo
	{ read -r _ _ _ _ sm_some && read -r _ _ _ _ sm_full; } </proc/pressure/memory
	sm_line="$1$T$sm_free$T${sm_some#total=}$T${sm_full#total=}"
	for sm_g in $managed; do
		read -r sm_c <"$CG/$sm_g/memory.current"
		read -r sm_w <"$CG/$sm_g/memory.swap.current"
		read -r sm_l <"$CG/$sm_g/memory.low"
		read -r sm_m <"$CG/$sm_g/memory.min"
		sm_line="$sm_line$T$sm_c$T$sm_w$T$sm_l$T$sm_m"
	done
	read -r sm_c <"$CG/hog/memory.current"
	printf '%s\t%s\n' "$sm_line" "$sm_c"
}
start_sampler sample

# The idle period: an observation window for reclaimd's CPU, once it has
# settled (its first checks have set what it holds), the same in both modes.
sleep "$IDLE_SETTLE_S"
event "idle-start"
cpu_mark idle-start
sleep "$IDLE_S"
cpu_mark idle-end
event "idle-end"

# Snapshots at the start of the episode.
snapshot() {
	for g in $managed hog; do
		cp "$CG/$g/memory.stat" "$O/stat-$1-$g"
		cp "$CG/$g/memory.swap.current" "$O/swap-$1-$g"
		cp "$CG/$g/memory.high" "$O/high-$1-$g"
	done
	cp /proc/vmstat "$O/vmstat-$1"
	cp /sys/block/zram0/mm_stat "$O/zram-$1"
	cp /proc/pressure/memory "$O/pressure-$1"
}
snapshot start
cp /proc/meminfo "$O/meminfo-start"
cp /proc/zoneinfo "$O/zoneinfo-start"

# hog's size: free memory above the high watermarks, plus the net memory
# that taking every over-limit cgroup's whole excess gives back (its page
# cache in full, its anonymous memory at ZRAM_NET_PCT), plus SHORT_EXTRA.
high_kb=$(awk '$1 == "high" { s += $2 } END { print s * 4 }' "$O/zoneinfo-start")
free_kb=$(awk '$1 == "MemFree:" { print $2 }' "$O/meminfo-start")
: >"$O/cgroups.tsv"
net_kb=0 excess_kb=0
for g in $managed; do
	eval "soft=\$soft_$g"
	read -r cur <"$CG/$g/memory.current"
	ex_kb=$(((cur - soft * MiB) / 1024))
	if [ "$ex_kb" -gt 2048 ]; then
		class=over
		stat_value "$O/stat-start-$g" file
		file_kb=$((${sv:-0} / 1024))
		[ "$file_kb" -le "$ex_kb" ] || file_kb=$ex_kb
		excess_kb=$((excess_kb + ex_kb))
		net_kb=$((net_kb + file_kb + (ex_kb - file_kb) * ZRAM_NET_PCT / 100))
	else
		class=under
	fi
	printf '%s\t%s\t%s\t%s\n' "$g" $((soft * MiB)) "$class" "$cur" >>"$O/cgroups.tsv"
done
hog_mib=$(((free_kb - high_kb + net_kb) / 1024 + SHORT_EXTRA))
[ "$hog_mib" -ge $((HOG_COLD + 32)) ] || die "hog would allocate only $hog_mib MiB"
printf 'hog=%s free_kb=%s high_wmark_kb=%s excess_kb=%s net_kb=%s short_extra_mib=%s cold_mib=%s\n' \
	"$hog_mib" "$free_kb" "$high_kb" "$excess_kb" "$net_kb" "$SHORT_EXTRA" "$HOG_COLD" >"$O/hog.size"
case $shape in
creep) rate=$(((hog_mib + CREEP_S - 1) / CREEP_S)) ;;
*) rate=0 ;;
esac

# The episode.
cpu_mark pressure-start
event "pressure-start"
t_end=$(($(date +%s) + EPISODE_S))
start_in hog hog "$MEMHOG" --cold "$HOG_COLD" --hot $((hog_mib - HOG_COLD)) --rate "$rate" --pause-ms 100
pid_hog=$last_pid
hog_ready_or_dead() { is_ready hog || is_dead "$pid_hog"; }
if wait_for $((EPISODE_S + 60)) "hog to fill its memory" hog_ready_or_dead && is_ready hog; then
	event "hog-ready"
else
	event "hog-not-ready"
fi
# The rest of the observation window (the same length in both modes).
now=$(date +%s)
[ "$now" -ge "$t_end" ] || sleep $((t_end - now))
cpu_mark episode-end
snapshot end
event "episode-end"

record_alive "hog $pid_hog"
for g in $managed; do eval "record_alive \"$g \$pid_$g\""; done
if [ "$mode" = reclaimd ]; then
	stop_reclaimd
	wait_for 5 "the log stamper to finish" is_dead "$stamper"
fi
for g in $managed; do cp "$CG/$g/memory.high" "$O/high-end-$g"; done
event "reclaimd-stopped"
kill "$sampler" 2>/dev/null
# Its last line complete before the header goes on top.
wait_for 5 "the sampler to stop" is_dead "$sampler"
kill "$pid_hog" 2>/dev/null
for g in $managed; do eval "kill \$pid_$g" 2>/dev/null; done
cat "$O/samples.head" "$O/samples.tsv" >"$O/samples.tmp" && mv "$O/samples.tmp" "$O/samples.tsv"
event "collected"
exit 0
