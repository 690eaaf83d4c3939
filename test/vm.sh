#!/bin/sh
# Run the test suite inside a QEMU VM: cgroup v2 with every controller, and
# husk running from an initramfs root (pivot_root gives EINVAL there), the two
# things this host cannot show. Usage: sh test/vm.sh [FILTER]
#   VM_SCRIPT=file  run that script in the VM instead of test/run.sh
#   VM_TIMEOUT=600  seconds before the VM is killed
#   VM_HUSK=path    the husk binary to test (default ./husk)
# Prints the VM's output and ends with the suite's "N passed, N failed, N skipped"
# line (raw console: build/vm/serial.log); exits non-zero when the suite
# failed, the VM timed out or gave no result.
# TCG only: KVM does not work on our machines, so never -enable-kvm.
cd "$(dirname "$0")/.." || exit 1
VM=build/vm
K=$VM/kernel
filter=$1
NAME=vm
. test/vm-host.sh

sh test/deps.sh qemu-system-x86 busybox-static cpio musl-tools || die "missing packages"

# Debian's cloud kernel: cgroups, namespaces, seccomp, devtmpfs, initrd and the
# 8250 serial console are built in, so no modules are needed. Cached.
vm_kernel $K

# The container rootfs and the static helpers beside it (build/probe,
# build/sockrecv); rootfs.sh is quick when they are up to date.
sh test/rootfs.sh build/rootfs || die "test/rootfs.sh failed"

# The initramfs, rebuilt every run (it takes a second): the repo's layout at /
# (/husk, /test, /build/rootfs) so that run.sh's relative paths hold, plus a
# static busybox with its applets, and /init.
I=$VM/initramfs
rm -rf $I && mkdir -p $I/bin $I/sbin $I/usr/bin $I/usr/sbin $I/proc $I/sys $I/dev \
	$I/run $I/tmp $I/root $I/etc $I/build || exit 1
cp /bin/busybox $I/bin/busybox || exit 1
for a in $(/bin/busybox --list-full); do
	[ -e "$I/$a" ] || ln -s /bin/busybox "$I/$a"
done
cp test/vm-init.sh $I/init && chmod 755 $I/init || exit 1
cp "${VM_HUSK:-husk}" $I/husk || die "no husk binary: run make husk"
cp -R test $I/test # with test/vm-common.sh, which /init sources
# build/rootfs and the static helpers beside it (sockrecv, probe); not the
# dynamic ones (unit_spec is glibc: the VM has no ld.so).
for f in build/*; do
	[ -d "$f" ] && [ "$f" != build/rootfs ] && continue
	[ -f "$f" ] && head -c 4096 "$f" | grep -q ld-linux && continue
	cp -R "$f" $I/build/
done
echo "root:x:0:0:root:/root:/bin/sh" > $I/etc/passwd
echo "root:x:0:" > $I/etc/group
printf '%s\n' "$filter" > $I/vm-filter
if [ -n "$VM_SCRIPT" ]; then cp "$VM_SCRIPT" $I/vm-script || exit 1; fi
(cd $I && find . | cpio -o -H newc -R 0:0 --quiet) > $VM/initrd || die "cpio failed"

# Boot. quiet + printk 1 (in init) keep the console for the tests' output;
# cgroup_no_v1=all makes it a cgroup v2 only system; panic=-1 + -no-reboot
# turn an init crash into a quick exit rather than a hang.
log=$VM/serial.log
start=$(date +%s)
timeout "${VM_TIMEOUT:-600}" qemu-system-x86_64 -m 1024 -smp 2 -nographic -no-reboot -nic none \
	-kernel $K/vmlinuz -initrd $VM/initrd \
	-append "console=ttyS0 panic=-1 quiet cgroup_no_v1=all" </dev/null >$log 2>&1
qrc=$?
secs=$(($(date +%s) - start))
vm_console $log
# Everything but the result lines; then our verdict and the suite's summary last.
# (VM-START: the kernel and how long after boot /init began.)
boot=$(sed -n 's/^VM-START: \([^,]*\), \(.*\) after boot/kernel \1, \/init at \2, /p' $log.txt)
vm_report $log "$qrc" "${VM_TIMEOUT:-600}" "${boot}run took ${secs}s"
