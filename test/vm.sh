#!/bin/sh
# Run the test suite inside a QEMU VM: cgroup v2 with every controller, and
# husk running from an initramfs root (pivot_root gives EINVAL there), the two
# things this host cannot show. Usage: [VM_ARCH=ARCH] sh test/vm.sh [FILTER]
#   VM_ARCH=arm64   the VM's architecture, Debian's name: this host's by
#                   default (./husk, build/rootfs); arm64 or armhf boot
#                   Debian's kernel for it (build/ARCH/kernel) on QEMU's
#                   "virt" board and test build/ARCH/husk (make ARCH=ARCH)
#                   in build/ARCH/rootfs
#   VM_SCRIPT=file  run that script in the VM instead of test/run.sh
#   VM_TIMEOUT=N    seconds before the VM is killed (default: 600 times
#                   VM_SLOW, the one factor of every deadline: vm-host.sh)
#   VM_HUSK=path    the husk binary to test (default ./husk, build/ARCH/husk)
# Prints the VM's output as it comes and ends with the suite's "N passed,
# N failed, N skipped" line (raw console: build/vm/serial.log,
# serial-ARCH.log), counted from what the guest printed when it was cut
# short; exits non-zero when the suite failed, the VM timed out or gave no
# result.
# TCG only: KVM does not work on our machines, so never -enable-kvm.
cd "$(dirname "$0")/.." || exit 1
VM=build/vm
filter=$1
NAME=vm
. test/vm-host.sh

# Per architecture (vm_qemu: QEMU, its board and console): QEMU's package,
# and how many times slower than x86-64 it runs the suite under TCG here,
# which vm_slow turns into the factor of every deadline.
host=$(dpkg --print-architecture)
arch=${VM_ARCH:-$host}
vm_qemu "$arch"
case $arch in
amd64) pkg=qemu-system-x86 slow=1 ;;
*) pkg=qemu-system-arm slow=3 ;;
esac
# The host's files keep their names (build/vm/kernel is the clients VM's too).
if [ "$arch" = "$host" ]; then
	husk=husk build=build sfx=""
else
	husk=build/$arch/husk build=build/$arch sfx=-$arch
fi
K=$(vm_kernel_dir "$arch")
vm_slow $slow
timeout=${VM_TIMEOUT:-$((600 * VM_SLOW))}

sh test/deps.sh $pkg busybox-static cpio musl-tools || die "missing packages"

# Debian's kernel: cgroups, namespaces, seccomp, devtmpfs, initrd and the
# serial console are built in, so no modules are needed. Cached.
vm_kernel $K "$arch"

# The container rootfs and the static helpers beside it (probe, sockrecv),
# built for the architecture; quick when they are up to date.
MAKEFLAGS= make -s ARCH="$arch" $build/rootfs/.ok >&2 || die "make ARCH=$arch $build/rootfs/.ok failed"

# The initramfs, rebuilt every run (it takes a second): the repo's layout at /
# (/husk, /test, /build/rootfs) so that run.sh's relative paths hold, plus a
# static busybox with its applets, and /init.
I=$VM/initramfs$sfx
rm -rf $I && mkdir -p $I/proc $I/sys $I/dev $I/run $I/tmp $I/root $I/etc $I/build || exit 1
sh kit/busybox-install.sh $build/rootfs/bin/busybox $I || exit 1
cp test/vm-init.sh $I/init && chmod 755 $I/init || exit 1
cp "${VM_HUSK:-$husk}" $I/husk || die "no husk binary $husk: run make${sfx:+ ARCH=$arch}"
cp -R test $I/test # with test/vm-common.sh, which /init sources
# The rootfs and the static helpers beside it, as /build (husk-fault when
# built: make $build/husk-fault).
cp -R $build/rootfs $build/probe $build/sockrecv $I/build/ || exit 1
[ ! -f $build/husk-fault ] || cp $build/husk-fault $I/build/ || exit 1
echo "root:x:0:0:root:/root:/bin/sh" > $I/etc/passwd
echo "root:x:0:" > $I/etc/group
printf '%s\n' "$filter" > $I/vm-filter
if [ -n "$VM_SCRIPT" ]; then cp "$VM_SCRIPT" $I/vm-script || exit 1; fi
(cd $I && find . | cpio -o -H newc -R 0:0 --quiet) > $VM/initrd$sfx || die "cpio failed"

# Boot. quiet + printk 1 (in init) keep the console for the tests' output;
# cgroup_no_v1=all makes it a cgroup v2 only system; panic=-1 + -no-reboot
# turn an init crash into a quick exit rather than a hang. HUSK_TEST_SLOW=,
# which the kernel does not know, is passed to /init's environment: the
# factor of run.sh's per-test limit and of lib.sh's waits.
log=$VM/serial$sfx.log
start=$(date +%s)
echo "$NAME: $arch, deadline ${timeout}s (every deadline times $VM_SLOW)"
vm_boot $log timeout "$timeout" $VM_QEMU -m 1024 -smp 2 -kernel $K/vmlinuz -initrd $VM/initrd$sfx \
	-append "console=$VM_CONSOLE panic=-1 quiet cgroup_no_v1=all HUSK_TEST_SLOW=$VM_SLOW"
qrc=$QRC
secs=$(($(date +%s) - start))
vm_console $log
# Our verdict and the suite's summary last (the output was shown as it came).
# (VM-START: the kernel and how long after boot /init began.)
boot=$(sed -n 's/^VM-START: \([^,]*\), \(.*\) after boot/kernel \1, \/init at \2, /p' $log.txt)
vm_report $log "$qrc" "$timeout" "${boot}$arch run took ${secs}s"
