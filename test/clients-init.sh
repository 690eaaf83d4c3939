#!/bin/sh
# PID 1 of the clients VM (test/clients-vm.sh), run by the image's stub
# /sbin/husk-clients-boot with /proc, /sys, /dev mounted, / writable (a
# snapshot) and the payload disk at /payload: husk, vm-common.sh (what this
# shares with test/vm-init.sh), clients/ (the scenarios), rootfs/ (the busybox
# test rootfs), filter, out/ (logs back to the host). No systemd: containerd
# is started by hand, podman needs no daemon.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LC_ALL=C
cd /
. /payload/vm-common.sh

# securityfs is NOT mounted: without it podman sees AppArmor as off and sets
# no apparmorProfile (the podman.apparmor scenarios mount it to show the other case).
vm_setup husk-clients

cp /payload/husk /husk && chmod 755 /husk
# The modules criu needs (see clients-vm.sh), in dependency order.
for m in $(cat /payload/modules/order); do
	busybox insmod /payload/modules/$m.ko || echo "VM-INFO: insmod $m failed"
done
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
vm_start
echo "VM-INFO: $(podman --version), conmon $(conmon --version 2>/dev/null | sed -n 's/conmon version //p'), $(containerd --version | cut -d' ' -f3), $(/husk --version | head -n 1)"
sh /payload/clients/run.sh "$filter" 2>&1 | tee /tmp/clients.res
# checkpoint/restore: the host suite's t-checkpoint.sh (its cases need criu,
# which works with this kernel), by the host's runner; logs kept in out/.
echo "VM-INFO: $(criu --version | tr '\n' ' ')"
HUSK=/husk ROOTFS=/payload/rootfs TIMEOUT=$((150 * ${HUSK_TEST_SLOW:-1})) T=$OUT/checkpoint \
	sh /payload/test/run.sh "$filter" 2>&1 | tee /tmp/checkpoint.res
# One result line for both runners, last: test/vm-host.sh reports it.
sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' \
	/tmp/clients.res /tmp/checkpoint.res |
	awk '{ p += $1; f += $2; s += $3; n++ }
	END { printf "%d passed, %d failed, %d skipped\n", p, f + (n < 2), s; exit (f + (n < 2) > 0) }'
vm_end $? /payload
