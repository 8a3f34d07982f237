#!/bin/sh
# fetch-kernel.sh [CACHE_DIR] [LINE...]
#
# Download Debian's kernels for the VM tests in tests/vm (without installing
# them) and unpack each into CACHE_DIR/VERSION.  CACHE_DIR defaults to
# ${RECLAIMD_VM_CACHE:-/var/cache/reclaimd-vm}.  The kernel lines, all three
# by default:
#
#   6.1    Debian 12 (bookworm, bookworm-security): linux-image-6.1.*-amd64
#   6.12   Debian 13 (trixie, trixie-security):     linux-image-6.12.*-amd64
#   7.x    trixie-backports, the newest:            linux-image-7.*-amd64
#
# CACHE_DIR/LINE is a symlink naming the line's unpacked version (the tests
# select kernels by these names), and CACHE_DIR/current names 6.1's, for
# older callers.  A line's older versions are removed once a newer one is in
# place.
#
# Each line is looked up through a private apt configuration of its own in
# CACHE_DIR/.apt/LINE (sources list, lists and cache), never through or into
# /etc/apt: its sources are the Debian archive (and security archive) that
# the host's apt already uses, read from apt at run time, so this works the
# same on a Debian 12 or 13 host.  The packages are unpacked with dpkg -x;
# kernels whose image package is empty (7.x) have their vmlinuz and modules
# in the linux-binary-* and linux-modules-* packages it depends on, which are
# unpacked beside it.  Debian ships no modules.dep (the postinst makes it):
# depmod -b writes it into the unpacked tree, and tests/vm/vm.sh resolves
# the guest's modules from it.
#
# Idempotent: a complete CACHE_DIR/VERSION is not fetched again, and when the
# archive cannot be reached, a line that is already complete is kept.  Needs
# the host's apt lists (`apt-get update` first), dpkg, depmod (kmod) and
# write access to CACHE_DIR (root for the default).
set -eu

cache=${1:-${RECLAIMD_VM_CACHE:-/var/cache/reclaimd-vm}}
[ $# -eq 0 ] || shift
lines=${*:-6.1 6.12 7.x}

say() { echo "fetch-kernel: $*"; }
die() { echo "fetch-kernel: $*" >&2; exit 1; }

for tool in apt-get apt-cache dpkg depmod; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found (a Debian host with kmod is required)"
done

# The Debian archive and security archive the host's apt uses.
# shellcheck source-path=SCRIPTDIR source=debian-mirror.sh
. "$(dirname "$0")/debian-mirror.sh"
archive=$debian_archive
security=$debian_security

mkdir -p "$cache" || die "cannot create $cache (run as root, or pass a writable CACHE_DIR)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fetch-kernel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
# apt-get download drops privileges to _apt, which must be able to write here.
chmod 0777 "$tmp"

# The keyring the Debian archive is signed with, on Debian 12 and 13 (whose
# keyring package holds the keys of both releases).
keyring=
for k in /usr/share/keyrings/debian-archive-keyring.pgp /usr/share/keyrings/debian-archive-keyring.gpg; do
	if [ -f "$k" ]; then keyring=$k; break; fi
done

# line_suites LINE: "ARCHIVE_SUITES|SECURITY_SUITES" of a kernel line.
line_suites() {
	case $1 in
	6.1) echo "bookworm|bookworm-security" ;;
	6.12) echo "trixie|trixie-security" ;;
	7.x) echo "trixie-backports|" ;;
	*) return 1 ;;
	esac
}
# line_match LINE VERSION: whether VERSION (e.g. 6.1.0-57-amd64) is of LINE.
line_match() {
	case $1:$2 in
	6.1:6.1.*-amd64 | 6.12:6.12.*-amd64 | 7.x:7.*-amd64) return 0 ;;
	esac
	return 1
}

# apt_private LINE ARGS...: apt-get (or apt-cache, as the first ARG) with
# the line's own sources, lists and cache.
apt_private() {
	ap_dir=$cache/.apt/$1
	ap_tool=$2
	shift 2
	"$ap_tool" -q -o Dir::Etc::sourcelist="$ap_dir/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$ap_dir/lists" -o Dir::Cache="$ap_dir/cache" \
		-o Dir::Cache::archives="$ap_dir/cache/archives" "$@"
}

# is_unpacked DIR VERSION: DIR holds an unpacked kernel with its modules.dep.
is_unpacked() {
	[ -f "$1/.complete" ] && { [ -f "$1/boot/vmlinuz-$2" ] || [ -f "$1/usr/lib/modules/$2/vmlinuz" ]; }
}

# depmod_tree DIR VERSION: write modules.dep and friends into the unpacked
# tree, wherever the package put the modules (Debian 13: usr/lib/modules).
depmod_tree() {
	if [ -d "$1/lib/modules/$2/kernel" ]; then
		depmod -b "$1" "$2"
	elif [ -d "$1/usr/lib/modules/$2/kernel" ]; then
		depmod -b "$1/usr" "$2"
	else
		echo "no lib/modules/$2/kernel or usr/lib/modules/$2/kernel" >&2
		return 1
	fi
}

fetch_line() {
	line=$1
	suites=$(line_suites "$line") || die "unknown kernel line '$line' (known: 6.1 6.12 7.x)"
	link=$cache/$line
	have=$(readlink "$link" 2>/dev/null || true)

	[ -n "$archive" ] || {
		if [ -n "$have" ] && is_unpacked "$cache/$have" "$have"; then
			say "$line: apt names no Debian archive (no 'apt-get update'?); keeping $link -> $have"
			return 0
		fi
		die "apt-get indextargets names no Debian archive (label Debian); run 'apt-get update' first"
	}
	ad=$cache/.apt/$line
	mkdir -p "$ad/lists/partial" "$ad/cache/archives/partial"
	{
		for s in $(echo "${suites%|*}" | tr ' ' '\n'); do
			echo "deb ${keyring:+[signed-by=$keyring] }$archive $s main"
		done
		if [ -n "$security" ]; then
			for s in $(echo "${suites#*|}" | tr ' ' '\n'); do
				echo "deb ${keyring:+[signed-by=$keyring] }$security $s main"
			done
		fi
	} >"$ad/sources.list"
	if ! apt_private "$line" apt-get update >"$tmp/update.log" 2>&1; then
		if [ -n "$have" ] && is_unpacked "$cache/$have" "$have"; then
			say "$line: apt-get update failed (see below); keeping $link -> $have"
			sed 's/^/  /' "$tmp/update.log"
			return 0
		fi
		cat "$tmp/update.log" >&2
		die "$line: apt-get update of $(tr '\n' ';' <"$ad/sources.list") failed"
	fi

	# linux-image-amd64 is a metapackage depending on exactly one
	# linux-image-VERSION-amd64; trixie-backports' is the newest there.
	pkg=$(apt_private "$line" apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*-amd64\) *$/\1/p' | head -n 1)
	[ -n "$pkg" ] || die "$line: linux-image-amd64 depends on no linux-image-*-amd64 in $(tr '\n' ';' <"$ad/sources.list")"
	version=${pkg#linux-image-}
	line_match "$line" "$version" || die "$line: the archive's kernel is $version, not of the $line line"
	dest=$cache/$version

	if is_unpacked "$dest" "$version"; then
		say "$line: $pkg already in $dest"
		# Unpacked by an earlier fetch-kernel.sh, which ran no depmod.
		if [ ! -f "$dest/lib/modules/$version/modules.dep" ] &&
			[ ! -f "$dest/usr/lib/modules/$version/modules.dep" ]; then
			depmod_tree "$dest" "$version" || die "$line: depmod on $dest failed"
		fi
	else
		# The image, and the packages at the same version that hold its
		# kernel, modules and modules.builtin when the image itself is
		# empty (7.x).
		pkgs=$(apt_private "$line" apt-cache depends "$pkg" 2>/dev/null |
			sed -n "s/^ *Depends: *\(linux-\(base\|binary\|modules\)-$version\) *\$/\1/p" | sort -u | tr '\n' ' ')
		pkgs="$pkg${pkgs:+ ${pkgs% }}"
		say "$line: downloading $pkgs"
		rm -f "$tmp"/*.deb
		# shellcheck disable=SC2086 # one word per package
		(cd "$tmp" && apt_private "$line" apt-get download $pkgs) >"$tmp/download.log" 2>&1 || {
			cat "$tmp/download.log" >&2
			die "$line: apt-get download $pkgs failed"
		}
		# Unpack next to the final place, then rename, so that a
		# half-unpacked tree is never mistaken for a complete one.
		rm -rf "$dest.partial"
		mkdir -p "$dest.partial"
		for deb in "$tmp"/*.deb; do
			[ -f "$deb" ] || die "$line: apt-get download left no .deb"
			dpkg -x "$deb" "$dest.partial" || die "dpkg -x $deb failed"
		done
		depmod_tree "$dest.partial" "$version" || die "$line: depmod on the unpacked $pkgs failed"
		: >"$dest.partial/.complete"
		is_unpacked "$dest.partial" "$version" || die "$line: $pkgs hold no boot/vmlinuz-$version or usr/lib/modules/$version/vmlinuz"
		rm -rf "$dest"
		mv "$dest.partial" "$dest"
		say "$line: $pkgs unpacked into $dest"
	fi
	[ "$have" = "$version" ] || ln -sfn "$version" "$link"
	if [ "$line" = 6.1 ] && [ "$(readlink "$cache/current" 2>/dev/null || true)" != "$version" ]; then
		ln -sfn "$version" "$cache/current"
	fi
	# The line's older kernels (120 to 400 MB each) are no longer used.
	# Never a newer one: an apt configuration without the security
	# archive names an older 6.1 than the one unpacked here.
	for old in "$cache"/*-amd64; do
		o=${old##*/}
		if line_match "$line" "$o" && dpkg --compare-versions "$o" lt "$version" &&
			[ -f "$old/.complete" ]; then
			say "$line: removing the older $old"
			rm -rf "$old"
		fi
	done
}

for l in $lines; do
	fetch_line "$l"
done
