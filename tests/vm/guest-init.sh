#!/bin/busybox sh
# shellcheck shell=sh
# reclaimd VM test guest: PID 1 in the initramfs.
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

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say "booted after $(cut -d' ' -f1 /proc/uptime) s"
while read -r m; do
	insmod "/modules/$m.ko" || fatal "insmod $m failed"
done </modules/order

R=/newroot
mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /host ||
	fatal "cannot mount the host's root over 9p"
mount -t tmpfs -o mode=0755 newroot $R || fatal "tmpfs root"
mkdir -p $R/usr $R/etc $R/proc $R/sys $R/dev $R/tmp $R/run $R/root $R/out $R/var/tmp
for d in bin sbin lib lib64; do ln -s usr/$d $R/$d; done
mount --bind /host/usr $R/usr || fatal "bind /usr"
mount --bind /host/etc $R/etc || fatal "bind /etc"
mount -t tmpfs -o mode=1777 tmp $R/tmp
mount -t tmpfs -o mode=0755 run $R/run
chmod 1777 $R/var/tmp
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 vmout $R/out ||
	fatal "cannot mount the output share"
[ -f $R/out/.vm/binds ] || fatal "no /out/.vm/binds"
# Shortest paths first, so that a parent is mounted before its children.
while IFS= read -r p; do
	[ -n "$p" ] || continue
	mkdir -p "$R$p" 2>/dev/null
	mount --bind "/host$p" "$R$p" || fatal "bind $p"
done <<EOF
$(awk '{ print length($0) " " $0 }' $R/out/.vm/binds | sort -n | cut -d' ' -f2-)
EOF
echo 1G >/sys/block/zram0/disksize || fatal "zram disksize"
mkswap /dev/zram0 >/dev/null || fatal "mkswap zram0"
swapon /dev/zram0 || fatal "swapon zram0"
mount --move /proc $R/proc
mount --move /sys $R/sys
mount --move /dev $R/dev
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
