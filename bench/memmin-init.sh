#!/bin/sh
# PID 1 of bench/memmin.sh's VM in the clients' Debian image (test/clients-vm.sh
# builds it): its stub /sbin/husk-clients-boot runs /payload/clients-init.sh,
# which is this file, with /proc, /sys, /dev mounted, / writable (a snapshot)
# and the payload disk (ext4) at /payload: husk, rootfs/, memmin-script.sh,
# and test/vm-common.sh, the set-up it shares with the test VMs.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LC_ALL=C
cd /
. /payload/vm-common.sh
vm_setup husk-memmin # cgroup v2 only, and the root cgroup stays ours
cp /payload/husk /husk && chmod 755 /husk
vm_start
sh /payload/memmin-script.sh 2>&1
vm_end $? /payload
