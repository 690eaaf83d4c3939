#!/bin/sh
# PID 1 of bench/memmin.sh's VM in the clients' Debian image (test/clients-vm.sh
# builds it): its stub /sbin/husk-clients-boot runs /payload/clients-init.sh,
# which is this file, with /proc, /sys, /dev mounted, / writable (a snapshot)
# and the payload disk (ext4) at /payload: husk, rootfs/, memmin-script.sh.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LC_ALL=C
cd /
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
# cgroup v2 only (the kernel runs with cgroup_no_v1=all); we stay in the root cgroup.
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
hostname husk-memmin
echo 1 >/proc/sys/kernel/printk # keep OOM reports off the console
cp /payload/husk /husk && chmod 755 /husk
echo
echo "VM-START: $(uname -r), $(cut -d' ' -f1 /proc/uptime)s after boot"
sh /payload/memmin-script.sh 2>&1
echo "VM-EXIT: $?"
sync
umount /payload 2>/dev/null || mount -o remount,ro /payload
busybox poweroff -f
echo o >/proc/sysrq-trigger
