#!/bin/sh
# kit-vm.sh [ARCH...]: boots the initramfs kit (kit/, `make initramfs`) under
# QEMU (TCG) for each ARCH (default: amd64 arm64), twice:
#  1. respawn: the demo's bundle, its program ending with `exit 3`, settings
#     from both places (/etc/kit.conf: ID=kittest; the kernel command line:
#     kit.mode=respawn kit.restarts=1 kit.check=1). Checks the container's
#     output, twice; the status /init reports (3), twice; that /init found no
#     husk process, no mount under /run/husk or /bundle, no cgroup and no
#     state left after each exit; the restart; the power-off.
#  2. switch_root: the same bundle once, then kit.root=/dev/nvme0n1 (an ext4
#     disk with busybox and an /sbin/init that reports what it sees): the
#     container's status, the hand-over, and that the real root is / of
#     PID 1 with the initramfs's /run (husk's empty state dir) moved into it.
# Prints PASS/FAIL lines and "N passed, N failed, N skipped" last; the raw
# consoles are build/ARCH/kit-test/*.log. KIT_TIMEOUT: seconds per boot
# (default 300 times VM_SLOW, the one factor of every deadline: vm-host.sh).
cd "$(dirname "$0")/.." || exit 1
NAME=kit-vm
. test/vm-host.sh
arches=${*:-amd64 arm64}
for a in $arches; do
	case $a in amd64 | arm64 | armhf) ;; *) echo "kit-vm.sh: unknown ARCH $a (amd64, arm64, armhf)" >&2 && exit 1 ;; esac
done
sh test/deps.sh qemu-system-x86 qemu-system-arm cpio e2fsprogs >&2 || die "missing packages"
make -s husk >&2 || die "make husk failed"
pass=0 fail=0

# check NAME COMMAND...: one PASS/FAIL line.
check() {
	_n=$1
	shift
	if "$@"; then pass=$((pass + 1)) && echo "PASS: $_n"; else fail=$((fail + 1)) && echo "FAIL: $_n"; fi
}
# count N PATTERN: the console has exactly N lines matching PATTERN (grep -E).
count() { [ "$(grep -c -E "$2" "$log.txt")" = "$1" ] || { echo "  want $1 lines matching '$2' in $log.txt" && false; }; }

# boot NAME APPEND [DISK]: the kit initramfs of this ARCH under QEMU; sets
# log, qrc, secs.
boot() {
	log=$T/$1.log
	vm_qemu "$arch"
	_t=$(date +%s)
	case $arch in amd64) vm_slow 1 ;; *) vm_slow 3 ;; esac
	timeout "${KIT_TIMEOUT:-$((300 * VM_SLOW))}" $VM_QEMU -m 512 -smp 2 -kernel "$K/vmlinuz" -initrd "$T/initramfs.cpio.gz" \
		${3:+-drive if=none,id=d,format=raw,file=$3 -device nvme,serial=root,drive=d} \
		-append "console=$VM_CONSOLE panic=-1 quiet $2" </dev/null >"$log" 2>&1
	qrc=$?
	secs=$(($(date +%s) - _t))
	vm_console "$log"
	echo "$NAME $arch $1: booted and ended in ${secs}s (qemu status $qrc)"
}

for arch in $arches; do
	T=build/$arch/kit-test
	K=$(vm_kernel_dir "$arch")
	rm -rf "$T" && mkdir -p "$T" || exit 1
	vm_kernel "$K" "$arch"
	husk=husk
	if [ "$arch" != "$(dpkg --print-architecture)" ]; then
		make -s ARCH="$arch" >&2 || die "make ARCH=$arch failed"
		husk=build/$arch/husk
	fi
	bb=$(sh test/busybox-arch.sh "$arch") || die "no busybox for $arch"
	sh test/demo-bundle.sh "$T/bundle" "$arch" || die "test/demo-bundle.sh failed"
	sed -i 's/ls \/"\]/ls \/; exit 3"]/' "$T/bundle/config.json" && grep -q 'exit 3' "$T/bundle/config.json" ||
		die "could not add exit 3 to the demo's program"
	echo ID=kittest >"$T/kit.conf"
	sh kit/mkinitramfs.sh -c "$T/kit.conf" "$T/initramfs.cpio.gz" "$husk" "$bb" "$T/bundle" || die "mkinitramfs failed"

	boot respawn "kit.mode=respawn kit.restarts=1 kit.check=1"
	check "$arch respawn: powered off by itself" [ "$qrc" = 0 ]
	check "$arch respawn: /init's first line" count 1 '^kit: start [0-9.]+$'
	check "$arch respawn: the container's output, twice" count 2 '^hello from husk, [0-9.]+ s after boot$'
	check "$arch respawn: in its cgroup, twice" count 2 '^0::/husk/kittest$'
	check "$arch respawn: status 3 reported, twice" count 2 '^kit: kittest exited with status 3 at [0-9.]+$'
	check "$arch respawn: nothing left, twice" count 2 '^kit: left: processes: none mounts: none cgroups: none state: none$'
	check "$arch respawn: restarted once, then gave up" count 2 '^kit: (restarting kittest in 1 s|1 restarts: giving up)$'

	# The real root: busybox and an init that reports, then powers off.
	R=$T/realroot
	sh kit/busybox-install.sh "$bb" "$R" && mkdir -p "$R/proc" "$R/sys" "$R/dev" "$R/run" || die "cannot make $R"
	rm -f "$R/sbin/init" && cat >"$R/sbin/init" <<'EOF'
#!/bin/sh
echo "realroot: pid $$, / is $(awk '$2 == "/" { print $3 }' /proc/mounts), /run/husk: $(ls -A /run/husk 2>&1 | tr '\n' ' ')(empty), /init: $(ls /init 2>&1)"
poweroff -f
EOF
	chmod 755 "$R/sbin/init" && rm -f "$T/root.ext4" &&
		mke2fs -q -F -t ext4 -d "$R" "$T/root.ext4" 16M >/dev/null || die "mke2fs failed"
	boot switch_root "kit.mode=switch_root kit.root=/dev/nvme0n1 kit.rootflags=rw" "$T/root.ext4"
	check "$arch switch_root: powered off by the real root" [ "$qrc" = 0 ]
	check "$arch switch_root: the container ran first" count 1 '^kit: kittest exited with status 3 at [0-9.]+$'
	check "$arch switch_root: handed over" count 1 '^kit: switching to /dev/nvme0n1, /sbin/init$'
	check "$arch switch_root: the real root is PID 1's, with /run moved" \
		count 1 '^realroot: pid 1, / is ext4, /run/husk: \(empty\), /init: ls: /init: No such file or directory$'
done
echo "$pass passed, $fail failed, 0 skipped"
[ $fail = 0 ]
