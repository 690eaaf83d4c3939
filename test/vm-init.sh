#!/bin/busybox sh
# /init of the VM's initramfs (test/vm.sh builds it). It runs the test suite
# straight from the initramfs root: / stays the kernel's "rootfs", exactly the
# case where pivot_root(2) fails with EINVAL and husk must fall back to
# MS_MOVE + chroot. So: never switch_root here.
# The initramfs holds the repo's layout at /: /husk, /test/, /build/rootfs.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TERM=dumb
cd /

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,gid=5,mode=620 devpts /dev/pts
ln -sf pts/ptmx /dev/ptmx
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
# cgroup v2 only (the kernel runs with cgroup_no_v1=all), like husk's boards.
# nsdelegate: cgroup namespaces become delegation boundaries, as systemd does.
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
# We stay in the root cgroup on purpose: embedded boards (busybox init, no
# systemd) keep everything there, and the root cgroup is exempt from the
# no-internal-process rule, so husk can still enable controllers in
# /sys/fs/cgroup/cgroup.subtree_control and create the containers' cgroups.
# Enabling controllers is husk's job (per container), not ours.
hostname husk-vm
ip link set lo up 2>/dev/null

# Silence the kernel on the console so that only our output reaches vm.sh.
echo 1 > /proc/sys/kernel/printk

filter=$(cat /vm-filter 2>/dev/null)
export HUSK_VM=1 HUSK=/husk ROOTFS=/build/rootfs
echo # the firmware may leave its last line unended
echo "VM-START: $(uname -r), $(cut -d' ' -f1 /proc/uptime)s after boot"
if [ -f /vm-script ]; then
	# test/vm.sh VM_SCRIPT=file: run that instead of the suite (plumbing checks).
	sh /vm-script "$filter" 2>&1
else
	sh /test/run.sh "$filter" 2>&1
fi
rc=$?
echo "VM-EXIT: $rc"
sync
poweroff -f
reboot -f # qemu runs with -no-reboot: either one ends it
