#!/bin/busybox sh
# shellcheck shell=sh
# reclaimd VM test guest: PID 1 in the initramfs (vm.sh puts this file there
# as /init).  Two guests share its first part (the modules, the host's root
# over 9p at /host, 1 GiB of zram swap):
#   GUEST=chroot   a tmpfs root with the host's /usr and /etc and vm_run's
#                  folders bind-mounted at their host paths, cgroup2 with
#                  +memory, and stage 2 (the scenario) run in a chroot: every
#                  test but test-systemd.sh;
#   GUEST=systemd  the host's root as the read-only lower layer of an overlay,
#                  make install's staging tree installed into it, handed over
#                  to systemd as PID 1 (test-systemd.sh, whose copy of this
#                  file says GUEST=systemd on the line below).
GUEST=chroot

export PATH=/bin
say() { echo "vm-init: $*"; }
halt_now() {
	sync
	for p in /proc /newroot/proc; do
		[ -e $p/sysrq-trigger ] && echo o >$p/sysrq-trigger
	done
	sleep 10
	poweroff -f
}
fatal() { say "FATAL: $*"; halt_now; }
R=/newroot

# ---- both guests
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say "booted after $(cut -d' ' -f1 /proc/uptime) s ($GUEST guest)"
while read -r m; do
	insmod "/modules/$m.ko" || fatal "insmod $m failed"
done </modules/order
mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /host ||
	fatal "cannot mount the host's root over 9p"
echo 1G >/sys/block/zram0/disksize || fatal "zram disksize"
mkswap /dev/zram0 >/dev/null || fatal "mkswap zram0"
swapon /dev/zram0 || fatal "swapon zram0"

# mount_out: vm_run's OUTDIR, writable, at $R/out.
mount_out() {
	mkdir -p $R/out
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 vmout $R/out ||
		fatal "cannot mount the output share"
}

# move_kernel_mounts: /proc, /sys and /dev into the new root.
move_kernel_mounts() {
	mount --move /proc $R/proc
	mount --move /sys $R/sys
	mount --move /dev $R/dev
}

# ---- GUEST=chroot
# chroot_root: a tmpfs root with the host's /usr and /etc, bin/sbin/lib/lib64
# as symlinks into usr (as on Debian 12), and the folders of /out/.vm/binds.
chroot_root() {
	mount -t tmpfs -o mode=0755 newroot $R || fatal "tmpfs root"
	mkdir -p $R/usr $R/etc $R/proc $R/sys $R/dev $R/tmp $R/run $R/root $R/var/tmp
	for d in bin sbin lib lib64; do ln -s usr/$d $R/$d; done
	mount --bind /host/usr $R/usr || fatal "bind /usr"
	mount --bind /host/etc $R/etc || fatal "bind /etc"
	mount -t tmpfs -o mode=1777 tmp $R/tmp
	mount -t tmpfs -o mode=0755 run $R/run
	chmod 1777 $R/var/tmp
	mount_out
	[ -f $R/out/.vm/binds ] || fatal "no /out/.vm/binds"
	# Shortest paths first, so that a parent is mounted before its children.
	while IFS= read -r p; do
		[ -n "$p" ] || continue
		mkdir -p "$R$p" 2>/dev/null
		mount --bind "/host$p" "$R$p" || fatal "bind $p"
	done <<EOF
$(awk '{ print length($0) " " $0 }' $R/out/.vm/binds | sort -n | cut -d' ' -f2-)
EOF
}

chroot_guest() {
	chroot_root
	move_kernel_mounts
	mkdir -p $R/dev/pts $R/dev/shm
	mount -t devpts devpts $R/dev/pts
	mount -t tmpfs -o mode=1777 shm $R/dev/shm
	mount -t cgroup2 cgroup2 $R/sys/fs/cgroup || fatal "cannot mount cgroup2"
	echo +memory >$R/sys/fs/cgroup/cgroup.subtree_control ||
		fatal "cannot enable the memory controller"

	say "ready after $(cut -d' ' -f1 $R/proc/uptime) s"
	# Stage 2 with the host's shell, in the new root.
	chroot $R /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root TERM=dumb LANG=C.UTF-8 /bin/sh /out/.vm/stage2.sh
	say "stage 2 ended with $? after $(cut -d' ' -f1 $R/proc/uptime) s"
	dmesg >$R/out/dmesg.log 2>&1
	# End whatever the scenario left running, so that /out can be unmounted.
	kill -KILL -1 2>/dev/null
	sleep 0.2
	umount $R/out
	halt_now
}

# ---- GUEST=systemd
# Before handing over to systemd the guest
#   - mounts the output share at /out (vm_run's OUTDIR, holding .vm/stage2.sh),
#   - installs /out/stage (a make install DESTDIR tree), if there is one,
#   - replaces /etc/fstab (the host's is not the guest's),
#   - makes reclaimd-vm-test.target the default target: basic.target plus
#     reclaimd-vm-test.service, which runs stage 2 (the scenario) and powers
#     the guest off when it ends, whatever its exit code,
#   - masks the units of sysinit/basic the test does not need, first of all
#     systemd-tmpfiles-setup.service (half of the boot time: it walks the 9p
#     root) and the host's enabled timers,
#   - keeps the journal in /run without rate limits (the test reads it).
# systemd mounts cgroup2 itself, with the memory controller.

# systemd_root: the overlay (9p lower, tmpfs upper) at $R, /out and /run.
systemd_root() {
	grep -qw overlay /proc/filesystems || fatal "no overlay filesystem (module overlay not in the initramfs)"
	mkdir -p /rw
	mount -t tmpfs -o mode=0755 rw /rw || fatal "tmpfs for the overlay's upper layer"
	mkdir -p /rw/upper /rw/work
	mount -t overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work overlay $R ||
		fatal "cannot mount the overlay root (9p lower, tmpfs upper)"
	[ -x $R/lib/systemd/systemd ] || fatal "no /lib/systemd/systemd in the host's root"
	mount_out
	[ -f $R/out/.vm/stage2.sh ] || fatal "no /out/.vm/stage2.sh"
	mount -t tmpfs -o mode=0755,nosuid,nodev run $R/run || fatal "tmpfs /run"
	# Not in a container, whatever the host is: systemd would take the host's
	# /.dockerenv for one.
	rm -f $R/.dockerenv
}

# install_stage: make install's staging tree (test-systemd.sh installs the
# build tree with DESTDIR=OUTDIR/stage), installed into the new root as a
# package would be into an image: systemd finds the unit when it starts, no
# daemon-reload.
install_stage() {
	[ -d $R/out/stage ] || return 0
	(cd $R/out/stage && find . -type f -o -type l) | sed 's|^\./||' | sort >$R/out/installed-files
	while IFS= read -r f; do
		if ! mkdir -p "$R/${f%/*}" || ! cp -a "$R/out/stage/$f" "$R/$f"; then
			fatal "cannot install /$f"
		fi
	done <$R/out/installed-files
	say "installed $(wc -l <$R/out/installed-files) files from /out/stage"
}

# systemd_config: the guest's systemd configuration, in the overlay.
systemd_config() {
	E=$R/etc/systemd
	printf '# reclaimd VM test guest: nothing to mount\n' >$R/etc/fstab
	mkdir -p $E/system $E/journald.conf.d $E/system.conf.d
	cat >$E/journald.conf.d/reclaimd-vm-test.conf <<'EOF'
[Journal]
Storage=volatile
RateLimitIntervalSec=0
ForwardToConsole=no
EOF
	cat >$E/system.conf.d/reclaimd-vm-test.conf <<'EOF'
[Manager]
ShowStatus=yes
DefaultTimeoutStartSec=60s
DefaultTimeoutStopSec=20s
EOF
	cat >$E/system/reclaimd-vm-test.target <<'EOF'
[Unit]
Description=reclaimd VM test
Requires=basic.target
Wants=reclaimd-vm-test.service
After=basic.target
AllowIsolate=yes
EOF
	cat >$E/system/reclaimd-vm-test.service <<'EOF'
[Unit]
Description=reclaimd VM test scenario (tests/vm, stage 2)
# The host judges what the scenario left in /out; power off either way.
SuccessAction=poweroff-immediate
FailureAction=poweroff-immediate

[Service]
Type=exec
ExecStart=/bin/sh /out/.vm/stage2.sh
ExecStopPost=-/bin/sh -c 'dmesg >/out/dmesg.log 2>&1; journalctl -b -o short-monotonic --no-pager >/out/journal-all.txt 2>&1'
StandardOutput=journal+console
StandardError=journal+console
Environment=HOME=/root TERM=dumb LANG=C.UTF-8
EOF
	ln -sf reclaimd-vm-test.target $E/system/default.target
	# No generators: nothing of the host's fstab, init scripts, gettys or block
	# devices concerns the guest, and they take seconds over 9p.
	mkdir -p $E/system-generators
	for g in "$R"/lib/systemd/system-generators/*; do
		[ -e "$g" ] && ln -sf /dev/null "$E/system-generators/${g##*/}"
	done
	for u in systemd-tmpfiles-setup.service systemd-tmpfiles-setup-dev.service \
		systemd-tmpfiles-clean.timer timers.target \
		systemd-firstboot.service systemd-machine-id-commit.service systemd-sysusers.service \
		systemd-repart.service systemd-pcrphase.service systemd-pcrphase-sysinit.service \
		systemd-random-seed.service systemd-update-utmp.service systemd-update-done.service \
		systemd-binfmt.service proc-sys-fs-binfmt_misc.automount systemd-modules-load.service \
		kmod-static-nodes.service systemd-sysctl.service systemd-timesyncd.service \
		systemd-pstore.service systemd-journal-flush.service systemd-journal-catalog-update.service \
		systemd-journald-audit.socket systemd-hwdb-update.service ldconfig.service \
		systemd-udevd.service systemd-udev-trigger.service systemd-udev-settle.service \
		dev-hugepages.mount dev-mqueue.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
		sys-kernel-config.mount sys-fs-fuse-connections.mount \
		systemd-ask-password-console.path systemd-ask-password-wall.path \
		serial-getty@ttyS0.service getty.target; do
		ln -sf /dev/null "$E/system/$u"
	done
}

systemd_guest() {
	systemd_root
	install_stage
	systemd_config
	move_kernel_mounts
	say "handing over to systemd after $(cut -d' ' -f1 $R/proc/uptime) s"
	# If switch_root fails, PID 1 exits: the kernel panics and (panic=-1,
	# -no-reboot) qemu ends; vm_run then reports that no exit code was recorded.
	exec switch_root $R /lib/systemd/systemd
}

case $GUEST in
chroot) chroot_guest ;;
systemd) systemd_guest ;;
*) fatal "unknown GUEST=$GUEST" ;;
esac
