# t-mounts.sh: the mounts list: types, options, binds, order, --no-pivot.

# mount_line DEST: the (last) probe mounts line for DEST.
mount_line() {
	grep "^$1: " "$TD/out" | tail -n 1
}

t_mounts_default_set() {
	run_probe mounts
	expect_match '^/proc: proc ' "$(mount_line /proc)" /proc
	expect_match '^/dev: tmpfs [^ ]*nosuid' "$(mount_line /dev)" /dev
	expect_match '^/dev/pts: devpts [^ ]*noexec' "$(mount_line /dev/pts)" /dev/pts
	expect_match '^/dev/shm: tmpfs [^ ]*nodev,noexec' "$(mount_line /dev/shm)" /dev/shm
	expect_match '^/dev/mqueue: mqueue ' "$(mount_line /dev/mqueue)" /dev/mqueue
	expect_match '^/sys: sysfs ro,' "$(mount_line /sys)" /sys
	expect_match '^/tmp: tmpfs rw,nosuid,nodev' "$(mount_line /tmp)" /tmp
	# The host's mounts are not visible.
	n=$(grep -c ': ' "$TD/out")
	[ "$n" -le 12 ] || fail "$n mounts inside; the host's leak in: $(cat "$TD/out")"
	grep -q "^$T" "$TD/out" && fail "a host path is mounted inside: $(cat "$TD/out")"
	assert_clean "$ID"
}

t_mount_tmpfs_options() {
	C_MOUNTS_EXTRA=$(mnt /mnt tmpfs tmpfs nosuid nodev noexec noatime mode=700 size=1m)
	args sh -c 'probe mounts; stat -c "mode %a" /mnt'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_match '^/mnt: tmpfs rw,nosuid,nodev,noexec,noatime .*size=1024k' "$(mount_line /mnt)" /mnt
	expect_line "mode 700"
	assert_clean "$ID"
}

t_mount_ro_flags() {
	C_MOUNTS_EXTRA=$(mnt /mnt tmpfs tmpfs ro nosuid)
	run_probe mounts write /mnt/x
	expect_match '^/mnt: tmpfs ro,nosuid' "$(mount_line /mnt)" /mnt
	expect_line "write /mnt/x: EROFS"
	assert_clean "$ID"
}

t_mount_bind_dir() {
	mkdir -p "$TD/data"
	echo hostdata >"$TD/data/f"
	C_MOUNTS_EXTRA=$(mnt /mnt bind "$TD/data" bind)
	run_probe read /mnt/f write /mnt/g
	expect_line "data /mnt/f: hostdata"
	expect_line "write /mnt/g: ok"
	expect_eq probe "$(cat "$TD/data/g" 2>/dev/null)" "file written through the bind"
	assert_clean "$ID"
}

t_mount_bind_ro() {
	mkdir -p "$TD/data"
	echo hostdata >"$TD/data/f"
	C_MOUNTS_EXTRA=$(mnt /mnt none "$TD/data" rbind ro)
	run_probe read /mnt/f write /mnt/g mounts
	expect_line "data /mnt/f: hostdata"
	expect_line "write /mnt/g: EROFS"
	expect_match '^/mnt: [^ ]+ ro' "$(mount_line /mnt)" /mnt
	[ ! -e "$TD/data/g" ] || fail "wrote through a ro bind"
	touch "$TD/data/h" || fail "the host dir became read-only"
	assert_clean "$ID"
}

# A file bound onto a file that does not exist yet: husk creates it (on the
# /tmp tmpfs mounted before it, so the shared rootfs stays untouched).
t_mount_bind_file() {
	echo filedata >"$TD/file"
	C_MOUNTS_EXTRA=$(mnt /tmp/sub/file.txt bind "$TD/file" rbind ro)
	run_probe read /tmp/sub/file.txt
	expect_line "data /tmp/sub/file.txt: filedata"
	assert_clean "$ID"
}

t_mount_recursive_bind() {
	mkdir -p "$TD/data/inner"
	echo outer >"$TD/data/f"
	C_MOUNTS_EXTRA="$(mnt /mnt tmpfs tmpfs), $(mnt /mnt/a tmpfs tmpfs), $(mnt /mnt/a/b tmpfs tmpfs mode=711)"
	args sh -c 'stat -c "%n %a" /mnt/a/b; probe mounts'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_line "/mnt/a/b 711"
	expect_match '^/mnt/a/b: tmpfs' "$(mount_line /mnt/a/b)" "nested mount order"
	assert_clean "$ID"
}

t_mount_nosuid_bind() {
	mkdir -p "$TD/data"
	C_MOUNTS_EXTRA=$(mnt /mnt bind "$TD/data" rbind nosuid nodev noexec)
	run_probe mounts
	expect_match '^/mnt: [^ ]+ rw,nosuid,nodev,noexec' "$(mount_line /mnt)" /mnt
	assert_clean "$ID"
}

t_mount_propagation_option() {
	mkdir -p "$TD/data"
	C_LINUX='"rootfsPropagation": "private",'
	C_MOUNTS_EXTRA="$(mnt /mnt bind "$TD/data" rbind rshared), $(mnt /opt bind "$TD/data" rbind rprivate)"
	run_probe mounts
	expect_match 'shared:[0-9]+' "$(mount_line /mnt)" "/mnt with rshared"
	expect_no_match 'shared:[0-9]+' "$(mount_line /opt)" "/opt with rprivate"
	assert_clean "$ID"
}

t_mount_proc_in_pid_ns() {
	args sh -c 'set -- /proc/[0-9]*; echo "$*"'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_eq /proc/1 "$(cat "$TD/out")" "processes visible in /proc"
	assert_clean "$ID"
}

t_mount_cgroup() {
	[ -n "$(cgroup2_dir)" ] || skip "no cgroup2 mount"
	C_NS=$(ns pid ipc uts mount network cgroup)
	C_MOUNTS_EXTRA='{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
		"options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}'
	run_probe mounts
	# cgroup2, or on a hybrid host runc's v1 layout: a tmpfs with a mount per controller
	expect_match '^/sys/fs/cgroup: (cgroup2|tmpfs) ro' "$(mount_line /sys/fs/cgroup)" /sys/fs/cgroup
	assert_clean "$ID"
}

t_no_pivot() {
	args sh -c 'ls /; exec probe mounts pid'
	mkbundle
	expect_ok h run --no-pivot -b "$B" "$ID"
	expect_line "pid: 1"
	expect_line "proc"
	expect_match '^/proc: proc' "$(mount_line /proc)" "/proc with --no-pivot"
	grep -q "^$T" "$TD/out" && fail "a host path is visible with --no-pivot: $(cat "$TD/out")"
	args sleep 100
	mkbundle
	expect_ok h create --no-pivot --no-new-keyring -b "$B" "$ID"
	expect_ok h start "$ID"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# A symlink in the rootfs must not lead a mount destination out of it
# (CVE-2021-30465 style). The tmpfs goes to /escape -> $TD/outside; $TD is
# then rbound at /seen: had the tmpfs landed on the host's $TD/outside, it
# would show as /seen/outside. Refusing the mount is also fine.
t_mount_symlink_escape() {
	mkdir -p "$B" "$TD/outside"
	cp -a "$ROOTFS" "$B/rootfs"
	ln -s "$TD/outside" "$B/rootfs/escape"
	C_ROOT='"path": "rootfs", "readonly": false'
	C_MOUNTS_EXTRA="$(mnt /escape tmpfs tmpfs size=1m), $(mnt /seen bind "$TD" rbind)"
	args probe mounts
	mkbundle
	hx h run -b "$B" "$ID"
	[ "$RC" = 0 ] || [ "$RC" = 1 ] || fail "exit $RC: $(cat "$TD/err")"
	grep -q '^/seen/outside: ' "$TD/out" && fail "the mount followed a symlink out of the rootfs: $(grep '^/seen/outside' "$TD/out")"
	[ "$RC" = 0 ] || expect_fail "" h run -b "$B" "$ID"
	assert_clean "$ID"
}

t_mount_more_options() {
	C_MOUNTS_EXTRA=$(mnt /mnt tmpfs tmpfs sync dirsync nodiratime nosymfollow strictatime nosuid)
	run_probe mounts
	expect_match '^/mnt: tmpfs rw,nosuid,nodiratime,nosymfollow rw,sync,dirsync' "$(mount_line /mnt)" /mnt
	assert_clean "$ID"
}

# Later options undo earlier ones, as in mount(8): suid after nosuid, ...
t_mount_clear_options() {
	C_MOUNTS_EXTRA=$(mnt /mnt tmpfs tmpfs nosuid noexec nodev ro suid exec dev rw)
	run_probe mounts write /mnt/x
	expect_match '^/mnt: tmpfs rw,relatime ' "$(mount_line /mnt)" /mnt
	expect_line "write /mnt/x: ok"
	assert_clean "$ID"
}

t_mount_bind_remount_flags() {
	mkdir -p "$TD/data"
	C_MOUNTS_EXTRA=$(mnt /mnt bind "$TD/data" bind ro nosuid nodev noexec noatime)
	run_probe mounts
	expect_match '^/mnt: [^ ]+ ro,nosuid,nodev,noexec,noatime ' "$(mount_line /mnt)" /mnt
	assert_clean "$ID"
}

# tmpcopyup (podman --read-only): the tmpfs starts with what it covers,
# owners and modes kept, and writes stay in the tmpfs.
t_mount_tmpcopyup() {
	C_MOUNTS_EXTRA='{"destination": "/etc", "type": "tmpfs", "source": "tmpfs",
		"options": ["rw", "nosuid", "nodev", "tmpcopyup"]}'
	args sh -c 'head -n 1 /etc/passwd; stat -c "%a %U" /etc /etc/passwd; echo new >/etc/new && cat /etc/new; grep -c " /etc tmpfs" /proc/mounts'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_line "root:x:0:0:root:/root:/bin/sh"
	expect_line "$(stat -c '%a %U' "$ROOTFS/etc")"
	expect_line new
	expect_line 1
	[ ! -e "$ROOTFS/etc/new" ] || fail "the write reached the image"
	C_MOUNTS_EXTRA='{"destination": "/etc", "type": "bind", "source": "/etc", "options": ["rbind", "tmpcopyup"]}'
	mkbundle
	expect_fail "tmpcopyup needs a new tmpfs" h run -b "$B" "$ID"
	assert_clean "$ID"
}
