#!/bin/sh
# The scenarios of the systemd boot of the clients VM (test/clients-vm.sh
# --systemd): systemd is PID 1 (init=/lib/systemd/systemd), and this runs as
# its oneshot husk-clients.service (written into the image), through the
# image's stub /sbin/husk-clients-boot, with the payload disk at /payload and
# its stdout on the serial console. systemd did the mounts (cgroup2 with
# nsdelegate, /run, /dev/pts, securityfs...); dbus is socket-activated.
# podman runs with its default configuration but for storage (vfs) and the
# network (none): no cgroup_manager line, so it must pick systemd itself.
# containerd is systemd's own containerd.service; ctr runs with
# --runc-systemd-cgroup. Scenarios: clients/systemd.sh (run.sh systemd); then
# test/t-systemd.sh by the host suite's runner.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LC_ALL=C
cd /
. /payload/vm-common.sh
# The kernel's X=Y parameters reach PID 1's environment, not a service's.
for a in $(cat /proc/cmdline); do
	case $a in HUSK_TEST_SLOW=*) export "$a" ;; esac
done

hostname husk-systemd
echo 1 >/proc/sys/kernel/printk
cp /payload/husk /husk && chmod 755 /husk
OUT=/payload/out
mkdir -p $OUT

mkdir -p /etc/containers /var/lib/containers/storage
cat >/etc/containers/storage.conf <<'EOF'
[storage]
driver = "vfs"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOF
# No cgroup_manager, no events_logger: podman's defaults under systemd.
printf '[containers]\nnetns = "none"\n' >/etc/containers/containers.conf

mkdir -p /etc/containerd
cat >/etc/containerd/config.toml <<'EOF'
version = 2
disabled_plugins = ["io.containerd.grpc.v1.cri"]
EOF
systemctl start --no-block containerd.service

vm_start
echo "VM-INFO: $(systemctl --version | head -n 1), $(podman --version), $(containerd --version | cut -d' ' -f3), $(/husk --version | head -n 1)"
filter=$(cat /payload/filter 2>/dev/null)
SCENARIOS=systemd sh /payload/clients/run.sh "$filter" 2>&1 | tee /tmp/systemd.res
# husk's own cases of its systemd driver (test/t-systemd.sh: they skip where
# systemd is not PID 1), by the host suite's runner, against /husk.
HUSK=/husk ROOTFS=/payload/rootfs TIMEOUT=$((120 * ${HUSK_TEST_SLOW:-1})) T=$OUT/t-systemd \
	sh /payload/test/run.sh "$filter" 2>&1 | tee /tmp/t-systemd.res
# One result line for both runners, last: test/vm-host.sh reports it.
sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' \
	/tmp/systemd.res /tmp/t-systemd.res |
	awk '{ p += $1; f += $2; s += $3; n++ }
	END { printf "%d passed, %d failed, %d skipped\n", p, f + (n < 2), s; exit (f + (n < 2) > 0) }'
rc=$?
# The logs back: the whole journal (systemd's word on every scope and unit)
# and containerd's (the shim's errors).
journalctl -b --no-pager -o short-monotonic >$OUT/journal.log 2>&1
journalctl -b -u containerd --no-pager >$OUT/containerd.log 2>&1
vm_end "$rc" /payload
