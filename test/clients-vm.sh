#!/bin/sh
# Real clients: podman (+ conmon) and containerd (ctr + the runc v2 shim)
# drive husk as their runtime, in a QEMU VM with a Debian bookworm userland.
# Then test/t-checkpoint.sh (checkpoint/restore with Debian's criu) by the
# host suite's runner, against /husk; the last line sums both.
# Usage: sh test/clients-vm.sh [FILTER]   (FILTER: substring of scenario and test names)
#        sh test/clients-vm.sh --systemd [FILTER]
#   --systemd: the same image booted with systemd as PID 1 instead
#   (init=/lib/systemd/systemd), running clients/systemd.sh: podman in its
#   default configuration (it picks the systemd cgroup manager) and
#   ctr run --runc-systemd-cgroup, each container in a transient scope
#   (test/clients-systemd-init.sh); then test/t-systemd.sh (husk's own
#   --systemd-cgroup cases) by the host suite's runner. No checkpoint tests.
#   CLIENTS_CACHE=dir     where the Debian disk image is kept (default build/clients)
#   CLIENTS_MIRROR=url    Debian mirror (default: the first Debian URI in
#                         /etc/apt/sources.list*, else http://deb.debian.org/debian)
#   CLIENTS_TIMEOUT=N     seconds before the VM is killed (default 900 times
#                         VM_SLOW, the one factor of every deadline: vm-host.sh)
#   CLIENTS_BUILD_ONLY=1  build the cached image and stop (no VM)
#   VM_HUSK=path          the husk binary to test (default ./husk)
#   CLIENTS_RUNTIME=path  run the scenarios with another runtime of the image
#                         instead of /husk (/usr/sbin/runc, /usr/bin/crun): a
#                         baseline, to tell husk's bugs from the scenarios'
# The first run builds the image with debootstrap (several minutes, needs the
# mirror); later runs reuse it: each run only writes a small "payload" disk
# (husk, the scenarios, the busybox rootfs) and boots the cached image with
# snapshot=on, so the cache is never modified.
# Ends with "N passed, N failed, N skipped" (one line per scenario before it,
# in the runner's format); exits non-zero when a scenario failed, the VM timed
# out or gave no result. Logs: $CLIENTS_CACHE/last/ (serial.log, out/: one
# log per scenario with every command and its output, containerd.log).
# TCG only: KVM does not work on our machines, so never -enable-kvm.
cd "$(dirname "$0")/.." || exit 1
sd=
[ "${1:-}" = --systemd ] && { sd=-systemd; shift; }
filter=${1:-}
CACHE=${CLIENTS_CACHE:-build/clients}
mkdir -p "$CACHE" && CACHE=$(cd "$CACHE" && pwd) || exit 1
K=build/vm/kernel
IMG=$CACHE/rootfs.ext4
LAST=$CACHE/last$sd
NAME=clients-vm$sd
. test/vm-host.sh

sh test/deps.sh qemu-system-x86 debootstrap e2fsprogs busybox-static musl-tools || die "missing packages"

# ---- the kernel: Debian's cloud kernel, shared with test/vm.sh --------------
# NVMe, ext4, cgroups, namespaces, seccomp and AppArmor are built in (virtio-blk
# is a module, NVMe is not: the disks are NVMe), so no modules are needed.
vm_kernel $K
grep -q '^CONFIG_BLK_DEV_NVME=y' $K/config || die "the kernel in $K has no built-in NVMe driver"

# criu needs what this kernel builds as modules: the socket diag modules
# (criu check: "Diag module missing"), and netfilter for a network
# namespace (iptables-save of its rules, the network lock while it dumps,
# its conntrack table).
# Taken once from the kernel's package (the same one vm_kernel named); the
# VM loads them in this order with busybox insmod.
MODS="unix_diag inet_diag tcp_diag udp_diag raw_diag netlink_diag af_packet_diag nfnetlink
libcrc32c nf_tables x_tables nft_compat xt_mark ip_tables iptable_filter ip6_tables ip6table_filter
nf_defrag_ipv4 nf_defrag_ipv6 nf_conntrack nf_conntrack_netlink"
if [ "$(cat $K/modules/order 2>/dev/null)" != "$(echo $MODS)" ]; then
	rm -rf $K/modules $K/modules.dl && mkdir -p $K/modules.dl || exit 1
	(cd $K/modules.dl && apt-get download "$(cat ../package)" >/dev/null 2>&1) ||
		die "cannot download $(cat $K/package) for its modules"
	dpkg-deb -x $K/modules.dl/*.deb $K/modules.dl/x || die "dpkg-deb failed"
	mkdir -p $K/modules && for m in $MODS; do
		find $K/modules.dl/x/lib/modules -name "$m.ko" -exec cp {} $K/modules/ \; &&
			[ -f $K/modules/$m.ko ] || die "no $m.ko in $(cat $K/package)"
	done
	echo $MODS >$K/modules/order && rm -rf $K/modules.dl
fi

# ---- the Debian image (cached) -------------------------------------------------
# Everything the clients need, from Debian's packages; no network in the VM.
# apparmor: apparmor_parser, for the scenario where AppArmor is on.
# netavark: podman needs a "container-network-stack" (the VM runs --network none).
# criu (3.17): checkpoint/restore, whose `criu check` fails on newer host kernels.
# iptables: criu saves a network namespace's rules with iptables-save.
# systemd-sysv, dbus: the systemd boot (--systemd); podman's and containerd's
# packages pull neither. The cgroupfs boot (init=the stub) does not use them.
PKGS=podman,conmon,netavark,containerd,busybox-static,iproute2,procps,apparmor,criu,iptables,systemd-sysv,dbus
SUITE=bookworm
# The only things of ours inside the image: a stub that mounts the per-run
# payload disk and runs its clients-init.sh (as PID 1, the kernel's init=) or
# its clients-systemd-init.sh (as systemd's oneshot husk-clients.service, in
# husk-clients.target, the unit the systemd boot starts). Bump STUBV when they change.
STUBV=2
stamp="$SUITE $PKGS stub$STUBV"
if [ "$(cat "$IMG.ok" 2>/dev/null)" != "$stamp" ] || [ ! -f "$IMG" ]; then
	mirror=${CLIENTS_MIRROR:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n 's|^URIs: *\(https\{0,1\}://[^ ]*/debian\)/\{0,1\} *$|\1|p; s|^deb  *\(\[[^]]*\] *\)\{0,1\}\(https\{0,1\}://[^ ]*/debian\)/\{0,1\}  *'"$SUITE"' .*|\2|p' |
		head -n 1)}
	mirror=${mirror:-http://deb.debian.org/debian}
	echo "clients-vm: building the Debian $SUITE image in $CACHE from $mirror (several minutes)"
	t0=$(date +%s)
	tree=$CACHE/tree
	rm -rf "$tree" "$IMG" "$IMG.ok" && mkdir -p "$CACHE/debs" || exit 1
	debootstrap --variant=minbase --include=$PKGS --cache-dir="$CACHE/debs" \
		$SUITE "$tree" "$mirror" >"$CACHE/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$CACHE/debootstrap.log"; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
	cat >"$tree/sbin/husk-clients-boot" <<'EOF'
#!/bin/sh
# Written by husk's test/clients-vm.sh: find the payload disk, run its init
# (clients-init.sh as PID 1; clients-systemd-init.sh under systemd).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
init=clients-systemd-init.sh
if [ $$ = 1 ]; then
	init=clients-init.sh
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev 2>/dev/null
	mount -o remount,rw /
fi
mkdir -p /payload
for d in /dev/nvme*n1; do
	mount -t ext4 "$d" /payload 2>/dev/null || continue
	[ -f /payload/$init ] && exec /bin/sh /payload/$init
	umount /payload
done
echo "husk-clients-boot: no payload disk with $init"
busybox poweroff -f
EOF
	chmod 755 "$tree/sbin/husk-clients-boot"
	# The systemd boot (init=/lib/systemd/systemd systemd.unit=husk-clients.target):
	# basic.target (journald, dbus.socket, the mounts) and the oneshot that runs
	# the scenarios on the serial console and powers off; no getty, no
	# multi-user.target. apparmor.service is masked (it compiles every
	# profile at boot: slow under TCG); securityfs is still mounted by systemd,
	# so podman sees AppArmor on and loads its own profile, as on a Debian host.
	cat >"$tree/etc/systemd/system/husk-clients.service" <<'EOF'
[Unit]
Description=husk client scenarios (test/clients-vm.sh --systemd)
After=basic.target dbus.socket
Wants=dbus.socket
[Service]
Type=oneshot
ExecStart=/sbin/husk-clients-boot
StandardInput=null
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
TimeoutStartSec=infinity
EOF
	cat >"$tree/etc/systemd/system/husk-clients.target" <<'EOF'
[Unit]
Description=husk client scenarios under systemd
Requires=basic.target husk-clients.service
After=basic.target husk-clients.service
AllowIsolate=yes
EOF
	for u in apparmor.service apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
		e2scrub_all.timer fstrim.timer systemd-tmpfiles-clean.timer; do
		ln -sf /dev/null "$tree/etc/systemd/system/$u"
	done
	rm -rf "$tree"/var/cache/apt/archives/*.deb "$tree"/var/lib/apt/lists/*
	# 4 GiB, sparse: the tree is ~600 MB, podman's vfs driver copies each
	# container's rootfs (2 MB busybox here).
	mke2fs -q -F -t ext4 -L husk-clients -d "$tree" "$IMG.tmp" 4G >/dev/null || die "mke2fs failed"
	mv "$IMG.tmp" "$IMG" && rm -rf "$tree" && echo "$stamp" >"$IMG.ok" || exit 1
	echo "clients-vm: image built in $(($(date +%s) - t0))s ($(du -h "$IMG" | cut -f1) used)"
fi
[ -n "${CLIENTS_BUILD_ONLY:-}" ] && { echo "0 passed, 0 failed, 0 skipped"; exit 0; }

# ---- the payload disk (every run; a second or two) ---------------------------
sh test/rootfs.sh build/rootfs || die "test/rootfs.sh failed"
P=$CACHE/payload$sd
rm -rf "$P" && mkdir -p "$P/out" || exit 1
cp "${VM_HUSK:-husk}" "$P/husk" || die "no husk binary: run make husk"
cp test/vm-common.sh "$P/" && cp -R test/clients "$P/clients" &&
	cp -a build/rootfs "$P/rootfs" || exit 1
if [ -n "$sd" ]; then
	# and husk's own systemd cases (test/t-systemd.sh, by the host's runner;
	# fault_bin from t-faults.sh; build/husk-fault when made, else that case skips).
	cp test/clients-systemd-init.sh "$P/" && mkdir -p "$P/test" &&
		cp test/run.sh test/lib.sh test/t-systemd.sh "$P/test/" &&
		sed -n '/^fault_bin() {/,/^}/p' test/t-faults.sh >"$P/test/t-systemd-faultbin.sh" &&
		cp build/sockrecv "$P/sockrecv" || exit 1
	[ ! -x build/husk-fault ] || cp build/husk-fault "$P/husk-fault" || exit 1
else
	cp test/clients-init.sh "$P/" || exit 1
	# The cases of the host suite that need what only this VM has (criu, whose
	# `criu check` fails on the host's newer kernel), run by the host's runner.
	mkdir -p "$P/test" && cp test/run.sh test/lib.sh test/t-checkpoint.sh "$P/test/" &&
		cp build/sockrecv "$P/sockrecv" && cp -R $K/modules "$P/modules" || exit 1
fi
printf '%s\n' "$filter" >"$P/filter"
printf '%s\n' "${CLIENTS_RUNTIME:-/husk}" >"$P/runtime"
mke2fs -q -F -t ext4 -L payload -d "$P" "$P.ext4" 128M >/dev/null || die "mke2fs (payload) failed"

# ---- boot ------------------------------------------------------------------------
# The image is the root (snapshot=on: writes go to a temporary overlay and the
# cache stays pristine); the payload disk is writable so that the logs come back.
# cgroup_no_v1=all: cgroup v2 only. panic=-1 + -no-reboot: an init crash ends qemu.
rm -rf "$LAST" && mkdir -p "$LAST" || exit 1
log=$LAST/serial.log
start=$(date +%s)
vm_slow 1
if [ -n "$sd" ]; then
	# systemd as PID 1, straight to husk-clients.target (basic.target and the
	# oneshot husk-clients.service: see the image's build above); its status
	# lines only for errors.
	init="init=/lib/systemd/systemd systemd.unit=husk-clients.target systemd.show_status=error"
	timeout=${CLIENTS_TIMEOUT:-$((600 * VM_SLOW))}
else
	init=init=/sbin/husk-clients-boot
	timeout=${CLIENTS_TIMEOUT:-$((900 * VM_SLOW))}
fi
echo "$NAME: deadline ${timeout}s (every deadline times $VM_SLOW)"
vm_boot $log timeout "$timeout" qemu-system-x86_64 -accel tcg -m 3072 -smp 2 -nographic \
	-no-reboot -nic none \
	-drive if=none,id=root,format=raw,snapshot=on,file="$IMG" -device nvme,serial=root,drive=root \
	-drive if=none,id=pl,format=raw,file="$P.ext4" -device nvme,serial=payload,drive=pl \
	-kernel $K/vmlinuz \
	-append "console=ttyS0 root=/dev/nvme0n1 rootfstype=ext4 rw $init panic=-1 quiet cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1 HUSK_TEST_SLOW=$VM_SLOW"
qrc=$QRC
secs=$(($(date +%s) - start))
vm_console $log
# The scenario logs, back from the payload disk.
debugfs -R "rdump /out $LAST" "$P.ext4" >/dev/null 2>&1
vm_report $log "$qrc" "$timeout" "run took ${secs}s (logs in $LAST)"
