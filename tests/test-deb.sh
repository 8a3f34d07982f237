#!/bin/bash
# test-deb.sh DEB [DSC] -- the Debian package in a fresh Debian root: lintian
# clean but for the justified overrides; `apt install ./DEB` resolves its
# dependencies from the mirror and puts every file where Debian wants it
# (the daemon runs there, the unit enabled, the conffile, the catalog, the
# manuals); a start that fails, as on a host whose memory controller is on
# cgroup v1, does not fail the installation; the catalog is registered by
# systemd's trigger and unregistered on purge; and after `apt purge
# --autoremove` nothing is left but the package manager's own records.
#
# Two passes on one root: first on the bare `debootstrap --variant=minbase`
# root (no systemd at all: deb-systemd-helper alone enables the unit), then
# with systemd installed but not running, a stand-in systemctl answering for
# the manager as one would on a cgroup v1 host (the unit enabled, its start
# failing).
#
# Needs root (chroot), debootstrap, lintian and the Debian mirror.  The
# minbase root is made once and kept in $RECLAIMD_VM_CACHE/roots (default
# /var/cache/reclaimd-vm/roots; remove it to make a new one); each run works
# on a copy.  Environment: SUITE (default bookworm), DEB_MIRROR (default:
# the Debian archive the host's apt uses, scripts/debian-mirror.sh), CI
# (when "true", a missing part fails the test instead of skipping it),
# DEB_TEST_KEEP=1 keeps the work folder.
#
# Exit: 0 pass, 1 fail, 77 skip, 99 hard error.
set -u

deb=${1:?usage: test-deb.sh DEB [DSC]}
dsc=${2:-}
: "${SUITE:=bookworm}"
if [ -z "${DEB_MIRROR:-}" ]; then
        # shellcheck source-path=SCRIPTDIR source=../scripts/debian-mirror.sh
        . "$(dirname "$0")/../scripts/debian-mirror.sh"
        DEB_MIRROR=$debian_archive
fi
: "${RECLAIMD_VM_CACHE:=/var/cache/reclaimd-vm}"
cache=$RECLAIMD_VM_CACHE/roots/$SUITE-minbase

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
hard() { echo "ERROR: $*"; exit 99; }
skip() {
        [ "${CI:-}" = true ] && hard "(CI=true, so not skipping) $*"
        echo "SKIP: $*"
        exit 77
}
step() { printf '== %s (%ss)\n' "$*" "$SECONDS"; }

[ -f "$deb" ] || hard "no package $deb (make deb builds it)"
deb=$(realpath "$deb")
package=$(dpkg-deb -f "$deb" Package) || hard "$deb is not a Debian package"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/reclaimd-deb.XXXXXX") || hard "mktemp failed"
root=$work/root
new_root=
cleanup() {
        [ -n "$new_root" ] && rm -rf "$new_root"
        if [ "${DEB_TEST_KEEP:-}" = 1 ]; then echo "kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# ---- lintian: errors and warnings fail, each kept one is overridden with a reason ----
step "lintian"
command -v lintian >/dev/null || skip "lintian not found (scripts/deps.sh installs it)"
# shellcheck disable=SC2086 # $dsc is one file name or nothing
lintian --fail-on error,warning --pedantic --display-info --show-overrides \
        "$deb" $dsc >"$work/lintian.out" 2>&1
lintian_rc=$?
grep -v 'running with root privileges' "$work/lintian.out"
[ "$lintian_rc" -eq 0 ] || fail "lintian reports errors or warnings not overridden (exit $lintian_rc)"

# What follows needs root and debootstrap; lintian's verdict stands either way.
missing=
[ "$(id -u)" -eq 0 ] || missing="root, for chroot into a fresh Debian root"
command -v debootstrap >/dev/null || missing="debootstrap (scripts/deps.sh installs it)"
if [ -n "$missing" ]; then
        [ "$failures" -eq 0 ] || exit 1
        skip "the installation test needs $missing"
fi

# ---- the minbase root, made once ----
if [ ! -x "$cache/usr/bin/apt-get" ]; then
        step "debootstrap --variant=minbase $SUITE into $cache"
        mkdir -p "${cache%/*}" || hard "cannot create ${cache%/*}"
        # A folder of this run's own, so that two runs never share one.
        new_root=$cache.new.$$
        debootstrap --variant=minbase "$SUITE" "$new_root" "$DEB_MIRROR" >"$new_root.log" 2>&1 ||
                { tail -n 20 "$new_root.log"; skip "debootstrap $SUITE from $DEB_MIRROR failed (log: $new_root.log)"; }
        # Another run may have made it meanwhile: then keep that one.
        mv -T "$new_root" "$cache" 2>/dev/null || rm -rf "$new_root"
        rm -f "$new_root.log"
        [ -x "$cache/usr/bin/apt-get" ] || hard "no root in $cache after debootstrap"
fi

step "copy of the cached root"
cp -a "$cache" "$root" || hard "cannot copy $cache to $root"
cp "$deb" "$root/tmp/" || hard "cannot copy $deb into the root"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null

# in_root COMMAND...: run a shell command in the root, as dpkg would run it there.
in_root() {
        chroot "$root" /usr/bin/env -i DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 HOME=/root \
                PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/sh -c "$*"
}
# snapshot FILE: every path in the root with its type (and link target), and
# the checksum of every file under /etc; not the kernel's or runtime trees.
snapshot() {
        (cd "$root" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run \
                -o -path ./tmp -o -path ./var/tmp \) -prune -o -printf '%y %p %l\n' | sort &&
                find ./etc -type f ! -name ld.so.cache -exec md5sum {} + | sort -k 2) >"$1"
}
# What a purge may leave, by Debian policy: the package manager's own records
# and logs (dpkg's status and its list of files, apt's caches and logs),
# caches rebuilt by triggers, and systemd's catalog database, which is
# systemd's file (its trigger rebuilds it without the package's entries).
allowed='^. \./var/(lib/dpkg|lib/apt|cache/apt|cache/debconf|cache/ldconfig|log)(/| )|^. \./var/lib/systemd/catalog/database |^[0-9a-f]{32}  \./etc/ld\.so\.cache$'
compare() { # BEFORE AFTER WHAT: lines gone (<) or new (>), but what a purge may leave
        diff "$1" "$2" | grep -E '^[<>] ' | while IFS= read -r line; do
                printf '%s\n' "${line#? }" | grep -Eq "$allowed" || printf '%s\n' "$line"
        done >"$work/left"
        if [ -s "$work/left" ]; then
                fail "$3: the root differs from before the installation:"
                head -n 40 "$work/left"
        fi
}
status() { in_root "dpkg-query -W -f='\${db:Status-Abbrev}' $package 2>/dev/null"; }

# check_installed: the files of the package, where Debian puts them, and working.
check_installed() {
        [ "$(status)" = "ii " ] || fail "$package is not installed and configured: '$(status)'"
        [ -x "$root/usr/sbin/reclaimd" ] || fail "no /usr/sbin/reclaimd"
        # The daemon starts in the fresh root (its libraries resolved) and the
        # shipped configuration is valid there.
        in_root "reclaimd --check-config --config /etc/reclaimd/reclaimd.conf" >"$work/check" 2>&1 ||
                fail "reclaimd --check-config in the root: $(head -n 5 "$work/check")"
        in_root "dpkg-query -W -f='\${Conffiles}\n' $package" | grep -q '^ /etc/reclaimd/reclaimd.conf ' ||
                fail "/etc/reclaimd/reclaimd.conf is not a conffile"
        unit=
        for dir in /usr/lib/systemd/system /lib/systemd/system; do
                [ -f "$root$dir/reclaimd.service" ] && unit=$dir/reclaimd.service
        done
        if [ -z "$unit" ]; then
                fail "no reclaimd.service in systemd's unit directory"
        else
                link=$(readlink "$root/etc/systemd/system/multi-user.target.wants/reclaimd.service")
                [ "$link" = "$unit" ] ||
                        fail "reclaimd.service not enabled: multi-user.target.wants/reclaimd.service -> '$link'"
                # Every program the unit runs is in the root (the package declares no
                # procps: ExecReload= is /bin/sh's kill builtin).
                while read -r exe; do
                        [ -x "$root$exe" ] || fail "the unit runs $exe, which is not installed"
                done < <(sed -n 's/^Exec[A-Za-z]*=[-@+!:]*\(\/[^ ]*\).*/\1/p' "$root$unit")
        fi
        [ -f "$root/usr/lib/systemd/catalog/reclaimd.catalog" ] || fail "no journal catalog"
        for man in man8/reclaimd.8.gz man8/reclaimctl.8.gz man5/reclaimd.conf.5.gz; do
                gzip -t "$root/usr/share/man/$man" 2>/dev/null || fail "manual $man missing or corrupt"
        done
        [ -x "$root/usr/sbin/reclaimctl" ] || fail "no /usr/sbin/reclaimctl"
        # Without its policy the system bus refuses every call to org.reclaimd1.
        grep -q 'org.reclaimd1' "$root/usr/share/dbus-1/system.d/org.reclaimd1.conf" 2>/dev/null ||
                fail "no bus policy /usr/share/dbus-1/system.d/org.reclaimd1.conf"
        [ -f "$root/usr/share/doc/$package/copyright" ] || fail "no copyright file"
}

# apt_install WHAT: the README's command, with the package in the root's /tmp.
apt_install() {
        in_root "cd /tmp && apt install -y ./${deb##*/}" >"$work/install-$1.log" 2>&1 ||
                { tail -n 30 "$work/install-$1.log"; fail "$1: apt install ./${deb##*/} failed"; }
}
apt_purge() {
        in_root "apt purge -y --autoremove $package" >"$work/purge-$1.log" 2>&1 ||
                { tail -n 30 "$work/purge-$1.log"; fail "$1: apt purge failed"; }
        [ -z "$(status)" ] || [ "$(status)" = "un " ] || fail "$1: $package not purged: '$(status)'"
}

step "apt-get update in the root"
in_root "apt-get update -qq" >"$work/update.log" 2>&1 ||
        { cat "$work/update.log"; skip "apt-get update in the root failed (mirror $DEB_MIRROR)"; }

# ---- pass 1: the bare minbase root, no systemd ----
step "pass 1: install into the minbase root (no systemd)"
snapshot "$work/before-1"
apt_install minbase
check_installed
step "pass 1: purge"
apt_purge minbase
snapshot "$work/after-1"
compare "$work/before-1" "$work/after-1" "purge on the minbase root"

# ---- pass 2: systemd installed, not running; the start fails ----
step "pass 2: systemd into the root"
in_root "apt-get install -y -qq systemd" >"$work/systemd.log" 2>&1 ||
        { tail -n 20 "$work/systemd.log"; hard "cannot install systemd into the root"; }
# The maintainer scripts ask for the manager only where /run/systemd/system
# exists; a stand-in for systemctl answers as systemd does on a host whose memory
# controller is on cgroup v1: the enabled unit's start fails (reclaimd exits 4).
# apt runs dpkg with its own PATH, so the stand-in replaces systemctl itself,
# through a diversion made before the snapshot.
in_root "dpkg-divert --quiet --local --rename --add /bin/systemctl" ||
        hard "cannot divert systemctl in the root"
mkdir -p "$root/run/systemd/system"
cat >"$root/bin/systemctl" <<'EOF'
#!/bin/sh
echo "$*" >>/run/systemctl.calls
case " $* " in
# What needs no manager (deb-systemd-helper's preset) is the real one's.
*" --root="*) exec /bin/systemctl.distrib "$@" ;;
*" is-enabled "*) exec /bin/systemctl.distrib --root=/ "$@" ;;
*" is-active "*) echo inactive; exit 3 ;;
*" start "* | *" restart "*)
        echo "Job for reclaimd.service failed because the control process exited with error code." >&2
        exit 1 ;;
esac
exit 0
EOF
chmod 755 "$root/bin/systemctl"
msgids=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/lib/systemd/catalog/reclaimd.catalog |
        sed -n 's/^-- \([0-9a-f]\{32\}\)$/\1/p')
[ -n "$msgids" ] || hard "no message id in the package's catalog"
catalog_has() { # COUNT: how many of the package's message ids the root's catalog database lists
        in_root "journalctl --list-catalog" 2>/dev/null | awk '{ print $1 }' | grep -cFx "$msgids"
}
[ "$(catalog_has)" -eq 0 ] || hard "the root's catalog lists reclaimd's messages before the installation"

step "pass 2: install with systemd (start fails)"
snapshot "$work/before-2"
apt_install systemd
check_installed
grep -qx -- '--quiet --system start reclaimd.service' "$root/run/systemctl.calls" ||
        fail "the postinst did not start reclaimd.service: $(tr '\n' ';' <"$root/run/systemctl.calls")"
n=$(catalog_has)
[ "$n" -eq "$(echo "$msgids" | wc -l)" ] ||
        fail "the catalog database lists $n of the package's $(echo "$msgids" | wc -l) message ids after installation"
# The runtime directory the unit keeps across restarts, as a stopped daemon leaves it (its
# lock; a state file emptied, which holds no record: one with records is kept, and said).
mkdir -p "$root/run/reclaimd" && : >"$root/run/reclaimd/state" && : >"$root/run/reclaimd/state.lock"
step "pass 2: purge"
: >"$root/run/systemctl.calls"
apt_purge systemd
grep -qx -- 'stop reclaimd.service' "$root/run/systemctl.calls" ||
        fail "the prerm did not stop reclaimd.service: $(tr '\n' ';' <"$root/run/systemctl.calls")"
[ ! -e "$root/run/reclaimd" ] || fail "/run/reclaimd left after purge"
[ "$(catalog_has)" -eq 0 ] || fail "the catalog database still lists reclaimd's messages after purge"
snapshot "$work/after-2"
compare "$work/before-2" "$work/after-2" "purge with systemd"

step "done"
if [ "$failures" -gt 0 ]; then
        echo "$failures failure(s)"
        exit 1
fi
echo "PASS"
