#!/bin/sh
# check-fresh-root.sh SUITE -- the README's test command as a new user would
# run it on a fresh minimal Debian system (what a container image holds):
# in a new `debootstrap --variant=minbase SUITE` root (bookworm or trixie),
# with the Debian archive and security archive in its apt sources as in
# Debian's container images, run scripts/deps.sh (which fetches the guest
# kernels too, into the root's own cache), ./autogen.sh, ./configure, make
# and the tests that need no VM (`make check VM_KERNELS=`).  Run as root on
# a Debian host with debootstrap; the archive is the one the host's apt uses.
#
# Prints each phase's time and the test counts; on failure the last lines
# of the log.  Exit 0 when every phase passed, 1 when one failed, 2 on a bad
# command line or a missing host tool.
#
# Environment (optional):
#   FRESH_ROOT_DIR    where to create the root (default: a new folder under
#                     /var/tmp, removed at the end unless FRESH_ROOT_KEEP=1)
#   FRESH_ROOT_CACHE  a folder for debootstrap's downloaded packages, kept
#                     between runs (--cache-dir); default none
#   FRESH_ROOT_LOG    the full log (default: ROOT.log beside the root)
#   CI                passed into the root (tests that cannot run fail
#                     instead of skipping when it is "true")
set -eu

usage() { echo "usage: $0 bookworm|trixie" >&2; exit 2; }
[ $# -eq 1 ] || usage
suite=$1
case $suite in bookworm | trixie) ;; *) usage ;; esac
say() { echo "check-fresh-root $suite: $*"; }
die() { echo "check-fresh-root $suite: $*" >&2; exit 2; }

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap and chroot)"
command -v debootstrap >/dev/null 2>&1 || die "debootstrap not found (apt-get install debootstrap)"
src=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=debian-mirror.sh
. "$src/scripts/debian-mirror.sh"
[ -n "$debian_archive" ] || die "apt names no Debian archive (label Debian); run apt-get update first"

if [ -n "${FRESH_ROOT_DIR:-}" ]; then
	root=$FRESH_ROOT_DIR
	[ ! -e "$root" ] || die "$root exists; FRESH_ROOT_DIR must name a new folder"
	mkdir -p "$root"
else
	root=$(mktemp -d "/var/tmp/reclaimd-fresh-$suite.XXXXXX")
fi
# mktemp makes it 0700; as the root's "/", that would keep every user but
# root from resolving any path (tests run programs as nobody).  A real
# root directory is 0755.
chmod 0755 "$root"
log=${FRESH_ROOT_LOG:-$root.log}
: >"$log"

mounted=
cleanup() {
	for m in $mounted; do
		umount -l "$m" 2>/dev/null || true
	done
	if [ "${FRESH_ROOT_KEEP:-0}" = 1 ]; then
		say "root kept in $root"
	else
		rm -rf "$root"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mnt() {
	eval "dir=\$$#"
	# shellcheck disable=SC2154 # dir: set by the eval
	mount "$@" && mounted="$dir $mounted"
}

t0=$(date +%s)
phase_t=$t0
# phase NAME COMMAND...: run COMMAND with its output in the log; say how
# long it took; on failure show the log's end and exit 1.
phase() {
	ph_name=$1
	shift
	echo "==== $ph_name" >>"$log"
	if "$@" >>"$log" 2>&1; then
		now=$(date +%s)
		say "$ph_name: ok ($((now - phase_t)) s)"
		phase_t=$now
		return 0
	fi
	say "$ph_name: FAILED after $(($(date +%s) - phase_t)) s; the log's last lines ($log):"
	tail -n 60 "$log" | sed 's/^/  | /'
	exit 1
}

phase "debootstrap --variant=minbase $suite" \
	debootstrap --variant=minbase ${FRESH_ROOT_CACHE:+--cache-dir="$FRESH_ROOT_CACHE"} \
	"$suite" "$root" "$debian_archive"

# The apt sources of Debian's container image of the release: the archive,
# its -updates and the security archive.
sources() {
	rm -f "$root/etc/apt/sources.list"
	{
		printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
			"$debian_archive" "$suite" "$suite"
		if [ -n "$debian_security" ]; then
			printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
				"$debian_security" "$suite"
		fi
	} >"$root/etc/apt/sources.list.d/debian.sources"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	# The source tree as a clone holds it: tracked files and new ones, no
	# build products (.gitignore); a tree without git is copied whole.
	mkdir -p "$root/src"
	if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
		# shellcheck disable=SC2016 # the inner sh's $f
		(cd "$src" && git ls-files -z --cached --others --exclude-standard |
			xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
			cpio -0 -pdm --quiet "$root/src")
	else
		cp -a "$src/." "$root/src/"
	fi
}
phase "apt sources and the source tree" sources

mnt -t proc proc "$root/proc"
mnt -t sysfs sysfs "$root/sys"
mnt --bind /dev "$root/dev"
mnt -t devpts devpts "$root/dev/pts"
mnt -t tmpfs tmpfs "$root/dev/shm"
mnt -t tmpfs tmpfs "$root/tmp"
mnt -t tmpfs tmpfs "$root/run"

# in_root COMMAND: run the shell COMMAND in the root, in /src, as a login
# would (a clean environment).
in_root() {
	chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 TERM=dumb CI="${CI:-}" /bin/sh -c "cd /src && $1"
}
phase "scripts/deps.sh" in_root scripts/deps.sh
phase "./autogen.sh && ./configure" in_root './autogen.sh && ./configure'
# The benchmark too: make builds it only for make bench.
phase "make -j2 (and bench/bench_engine)" in_root 'make -j2 && make bench/bench_engine'
status=0
echo "==== make -j2 check VM_KERNELS=" >>"$log"
in_root 'make -j2 check VM_KERNELS=' >>"$log" 2>&1 || status=$?
# automake's summary: "# TOTAL: N", "# PASS: N", ...
counts=$(sed -n 's/^# \(TOTAL\|PASS\|SKIP\|XFAIL\|FAIL\|XPASS\|ERROR\): *\([0-9]*\)$/\1 \2/p' "$log" |
	tr '\n' ' ')
if [ "$status" -ne 0 ]; then
	say "make -j2 check VM_KERNELS=: FAILED (${counts:-no counts}); failed tests:"
	find "$root/src" -name '*.trs' -exec grep -l '^:test-result: \(FAIL\|ERROR\)' {} + |
		while IFS= read -r trs; do
			say "---- ${trs%.trs}.log"
			tail -n 30 "${trs%.trs}.log" | sed 's/^/  | /'
		done
	[ -n "$counts" ] || tail -n 60 "$log" | sed 's/^/  | /'
	exit 1
fi
say "make -j2 check VM_KERNELS=: ok ($(($(date +%s) - phase_t)) s; $counts)"
say "passed in $(($(date +%s) - t0)) s"
