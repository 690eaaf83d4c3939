# vm-common.sh: what the inits (PID 1) of both QEMU VMs share, sourced by
# test/vm-init.sh (test/vm.sh's initramfs: /test/vm-common.sh) and by
# test/clients-init.sh (test/clients-vm.sh's payload disk:
# /payload/vm-common.sh). busybox sh compatible; defines functions only.

# vm_setup HOSTNAME: with /proc, /sys and /dev (devtmpfs) mounted: devpts,
# the tmpfs mounts, cgroup v2, the hostname, lo, and a quiet console.
vm_setup() {
	mkdir -p /dev/pts /dev/shm
	mount -t devpts -o newinstance,ptmxmode=0666,gid=5,mode=620 devpts /dev/pts
	ln -sf pts/ptmx /dev/ptmx
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	mount -t tmpfs -o mode=755 tmpfs /run
	mount -t tmpfs -o mode=1777 tmpfs /tmp
	# cgroup v2 only (the kernel runs with cgroup_no_v1=all).
	# nsdelegate: cgroup namespaces become delegation boundaries, as systemd does.
	mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
	# We stay in the root cgroup on purpose: embedded boards (busybox init, no
	# systemd) keep everything there, and the root cgroup is exempt from the
	# no-internal-process rule, so husk can still enable controllers in
	# /sys/fs/cgroup/cgroup.subtree_control and create the containers' cgroups.
	# Enabling controllers is husk's job (per container), not ours.
	hostname "$1"
	ip link set lo up 2>/dev/null
	# Silence the kernel on the console so that only our output reaches the host.
	echo 1 >/proc/sys/kernel/printk
}

# vm_start: the line the host side cuts the console output from.
vm_start() {
	echo # the firmware may leave its last line unended
	echo "VM-START: $(uname -r), $(cut -d' ' -f1 /proc/uptime)s after boot"
}

# vm_end STATUS [DISK]: the line the host side reads the status from; the
# mount point DISK (the logs' way back) unmounted, or at least read-only;
# then power off (qemu runs with -no-reboot, so a reboot ends it too).
vm_end() {
	echo "VM-EXIT: $1"
	sync
	[ -z "$2" ] || umount "$2" 2>/dev/null || mount -o remount,ro "$2"
	busybox poweroff -f
	echo o >/proc/sysrq-trigger
	busybox reboot -f
}
