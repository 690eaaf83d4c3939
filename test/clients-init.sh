#!/bin/sh
# PID 1 of the clients VM (test/clients-vm.sh), run by the image's stub
# /sbin/husk-clients-boot with /proc, /sys, /dev mounted, / writable (a
# snapshot) and the payload disk at /payload: husk, clients/ (the
# scenarios), rootfs/ (the busybox test rootfs), filter, out/ (logs back to
# the host). No systemd: containerd is started by hand, podman needs no daemon.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LC_ALL=C
cd /

mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,gid=5,mode=620 devpts /dev/pts
ln -sf pts/ptmx /dev/ptmx
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
# cgroup v2 only (cgroup_no_v1=all), as on a systemd host; we stay in the root cgroup.
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
# securityfs is NOT mounted: without it podman sees AppArmor as off and sets
# no apparmorProfile (the podman.apparmor scenarios mount it to show the other case).
hostname husk-clients
ip link set lo up 2>/dev/null
echo 1 >/proc/sys/kernel/printk

cp /payload/husk /husk && chmod 755 /husk
OUT=/payload/out
mkdir -p $OUT

# podman: vfs (overlay is a module this kernel lacks), cgroupfs (no systemd),
# no network (the bridge and netfilter are modules too).
mkdir -p /etc/containers /var/lib/containers/storage
cat >/etc/containers/storage.conf <<'EOF'
[storage]
driver = "vfs"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOF
conf='[containers]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"'
printf '%s\n' "$conf" >/etc/containers/containers.conf
# The "json" mode: husk named in runtime_supports_json, so podman (through
# conmon) passes --log-format=json --log FILE, as it does for runc and crun.
printf '%s\n%s\n' "$conf" 'runtime_supports_json = ["crun", "runc", "kata", "runsc", "youki", "krun", "husk"]' \
	>/etc/containers/containers-json.conf

# containerd: no CRI plugin (it wants CNI); images unpack with the native
# snapshotter (overlay is a module).
mkdir -p /etc/containerd
cat >/etc/containerd/config.toml <<'EOF'
version = 2
disabled_plugins = ["io.containerd.grpc.v1.cri"]
EOF
containerd >$OUT/containerd.log 2>&1 &

filter=$(cat /payload/filter 2>/dev/null)
echo
echo "VM-START: $(uname -r), $(cut -d' ' -f1 /proc/uptime)s after boot"
echo "VM-INFO: $(podman --version), conmon $(conmon --version 2>/dev/null | sed -n 's/conmon version //p'), $(containerd --version | cut -d' ' -f3), $(/husk --version | head -n 1)"
sh /payload/clients/run.sh "$filter" 2>&1
rc=$?
echo "VM-EXIT: $rc"
sync
umount /payload 2>/dev/null || mount -o remount,ro /payload
busybox poweroff -f
echo o >/proc/sysrq-trigger
