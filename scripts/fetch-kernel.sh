#!/bin/sh
# fetch-kernel.sh [CACHE_DIR]
#
# Download Debian's current linux-image-6.1.0-N-amd64 package (without
# installing it) and unpack it into CACHE_DIR/VERSION, for the VM tests in
# tests/vm.  CACHE_DIR defaults to ${RECLAIMD_VM_CACHE:-/var/cache/reclaimd-vm}.
# CACHE_DIR/current is a symlink naming the unpacked version; kernels that
# an earlier run unpacked there are removed once a newer one is in place.
#
# Idempotent: if CACHE_DIR/VERSION is already complete, nothing is fetched.
# Needs apt's package lists (run `apt-get update` first) and write access to
# CACHE_DIR (root for the default).
set -eu

cache=${1:-${RECLAIMD_VM_CACHE:-/var/cache/reclaimd-vm}}

die() { echo "fetch-kernel: $*" >&2; exit 1; }

command -v apt-cache >/dev/null 2>&1 || die "apt-cache not found (Debian host required)"
command -v apt-get >/dev/null 2>&1 || die "apt-get not found (Debian host required)"
command -v dpkg >/dev/null 2>&1 || die "dpkg not found (Debian host required)"

# linux-image-amd64 is a metapackage depending on exactly one
# linux-image-<version>-amd64.
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*-amd64\) *$/\1/p' | head -n 1)
if [ -z "$pkg" ]; then
	if [ -f "$cache/current/.complete" ]; then
		echo "fetch-kernel: apt knows no linux-image-amd64 (no 'apt-get update'?); keeping $cache/current -> $(readlink "$cache/current")"
		exit 0
	fi
	die "apt-cache depends linux-image-amd64 named no linux-image-*-amd64 package (run 'apt-get update' first)"
fi
version=${pkg#linux-image-}

dest=$cache/$version
if [ -f "$dest/.complete" ] && [ -f "$dest/boot/vmlinuz-$version" ]; then
	if [ "$(readlink "$cache/current" 2>/dev/null || true)" != "$version" ]; then
		ln -sfn "$version" "$cache/current"
	fi
	echo "fetch-kernel: $pkg already in $dest"
	exit 0
fi

mkdir -p "$cache" || die "cannot create $cache (run as root, or pass a writable CACHE_DIR)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fetch-kernel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

echo "fetch-kernel: downloading $pkg"
# apt-get download writes into the current directory; as root it drops
# privileges to _apt, which must be able to write there.
chmod 0777 "$tmp"
(cd "$tmp" && apt-get download -q "$pkg") || die "apt-get download $pkg failed"
deb=$(find "$tmp" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
[ -n "$deb" ] || die "apt-get download left no ${pkg}_*.deb"

# Unpack next to the final place, then rename, so a half-unpacked tree is
# never mistaken for a complete one.
rm -rf "$dest.partial"
mkdir -p "$dest.partial"
dpkg -x "$deb" "$dest.partial" || die "dpkg -x $deb failed"
[ -f "$dest.partial/boot/vmlinuz-$version" ] || die "$deb has no boot/vmlinuz-$version"
[ -d "$dest.partial/lib/modules/$version/kernel" ] || die "$deb has no lib/modules/$version/kernel"
: >"$dest.partial/.complete"
rm -rf "$dest"
mv "$dest.partial" "$dest"
ln -sfn "$version" "$cache/current"
echo "fetch-kernel: $pkg unpacked into $dest"
# Older kernels unpacked here before (about 400 MB each) are no longer used.
for old in "$cache"/*-amd64; do
	if [ "$old" != "$dest" ] && [ -f "$old/.complete" ]; then
		echo "fetch-kernel: removing the older $old"
		rm -rf "$old"
	fi
done
