#!/bin/sh
# Installs what building and testing reclaimd needs on Debian 12, as root:
# the build tools and libraries, qemu and the parts of the test guest, and
# Debian's kernel for the guest (unpacked into a cache, not installed).
set -eu
cd "$(dirname "$0")/.."

packages="
build-essential autoconf automake libtool pkg-config
libsystemd-dev libcgroup-dev libinih-dev libev-dev libbsd-dev check
qemu-system-x86 busybox-static cpio kmod xz-utils systemd valgrind
"

if [ "$(id -u)" -ne 0 ]; then
        echo "scripts/deps.sh: run as root (it calls apt-get)" >&2
        exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $packages >/dev/null
scripts/fetch-kernel.sh
