#!/bin/busybox sh
# /init of the VM's initramfs (test/vm.sh builds it). It runs the test suite
# straight from the initramfs root: / stays the kernel's "rootfs", exactly the
# case where pivot_root(2) fails with EINVAL and husk must fall back to
# MS_MOVE + chroot. So: never switch_root here.
# The initramfs holds the repo's layout at /: /husk, /test/, /build/rootfs.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TERM=dumb
cd /
. /test/vm-common.sh

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
vm_setup husk-vm

filter=$(cat /vm-filter 2>/dev/null)
# HUSK_TEST_SLOW, the factor of run.sh's per-test limit and of every wait,
# comes from the kernel's command line (test/vm.sh: vm_slow).
export HUSK_VM=1 HUSK=/husk ROOTFS=/build/rootfs
vm_start
if [ -f /vm-script ]; then
	# test/vm.sh VM_SCRIPT=file: run that instead of the suite (plumbing checks).
	sh /vm-script "$filter" 2>&1
else
	sh /test/run.sh "$filter" 2>&1
fi
vm_end $?
