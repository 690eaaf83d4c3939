# t-config.sh: root, annotations, sysctl, maskedPaths, readonlyPaths,
# devices, rootfsPropagation, cgroupsPath.

t_root_readonly() {
	run_probe write /newfile write /tmp/ok mounts
	expect_line "write /newfile: EROFS"
	expect_line "write /tmp/ok: ok"
	expect_match '^/: [^ ]+ ro' "$(grep '^/: ' "$TD/out" | tail -n 1)" "the root mount"
	[ ! -e "$ROOTFS/newfile" ] || fail "wrote into the shared rootfs"
	assert_clean "$ID"
}

t_root_writable() {
	mkdir -p "$B"
	cp -a "$ROOTFS" "$B/rootfs"
	C_ROOT='"path": "rootfs", "readonly": false'
	run_probe write /newfile
	expect_line "write /newfile: ok"
	expect_eq probe "$(cat "$B/rootfs/newfile")" "the file on the host"
	assert_clean "$ID"
}

t_root_absolute_path() {
	C_ROOT="\"path\": \"$ROOTFS\", \"readonly\": true"
	args probe pid
	mkbundle
	rm "$B/rootfs"
	expect_ok h run -b "$B" "$ID"
	expect_line "pid: 1"
	assert_clean "$ID"
}

t_root_other_relative_path() {
	mkdir -p "$B"
	ln -s "$ROOTFS" "$B/myroot"
	C_ROOT='"path": "myroot"'
	args sleep 100
	mkbundle
	rm "$B/rootfs"
	expect_ok h create -b "$B" "$ID"
	expect_match "^($B/myroot|$ROOTFS|myroot)\$" "$(st "$ID" rootfs)" "state rootfs"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_sysctl() {
	C_LINUX='"sysctl": {"kernel.shm_rmid_forced": "1", "net.ipv4.ip_forward": "1"},'
	h1=$(cat /proc/sys/kernel/shm_rmid_forced) h2=$(cat /proc/sys/net/ipv4/ip_forward)
	args cat /proc/sys/kernel/shm_rmid_forced /proc/sys/net/ipv4/ip_forward
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_eq "$(printf '1\n1')" "$(cat "$TD/out")" "sysctls inside"
	expect_eq "$h1" "$(cat /proc/sys/kernel/shm_rmid_forced)" "host kernel.shm_rmid_forced"
	expect_eq "$h2" "$(cat /proc/sys/net/ipv4/ip_forward)" "host net.ipv4.ip_forward"
	assert_clean "$ID"
}

t_masked_paths() {
	C_LINUX='"maskedPaths": ["/proc/meminfo", "/proc/kcore", "/sys/firmware", "/proc/nonexistent"],'
	args sh -c 'probe read /proc/meminfo; [ ! -e /proc/kcore ] || probe read /proc/kcore; echo "fw:$(ls -A /sys/firmware)"'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_line "read /proc/meminfo: ok 0 bytes"
	[ ! -e /proc/kcore ] || expect_line "read /proc/kcore: ok 0 bytes"
	expect_line "fw:"
	assert_clean "$ID"
}

t_masked_paths_unmasked_control() {
	[ -n "$(ls -A /sys/firmware 2>/dev/null)" ] || skip "/sys/firmware is empty on this host"
	args sh -c 'probe read /proc/meminfo; echo "fw:$(ls -A /sys/firmware)"'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_no_line "fw:"
	expect_no_line "read /proc/meminfo: ok 0 bytes"
	assert_clean "$ID"
}

t_readonly_paths() {
	C_CAPS='{"bounding": ["CAP_SYS_ADMIN"], "permitted": ["CAP_SYS_ADMIN"], "effective": ["CAP_SYS_ADMIN"]}'
	run_probe write /proc/sys/kernel/hostname
	expect_line "write /proc/sys/kernel/hostname: ok" # the control: writable without readonlyPaths
	C_LINUX='"readonlyPaths": ["/proc/sys", "/proc/nonexistent"],'
	run_probe write /proc/sys/kernel/hostname read /proc/sys/kernel/ostype
	expect_line "write /proc/sys/kernel/hostname: EROFS"
	expect_line "data /proc/sys/kernel/ostype: Linux"
	assert_clean "$ID"
}

t_devices() {
	C_LINUX='"devices": [
		{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 438, "uid": 1000, "gid": 1000},
		{"path": "/dev/sub/myzero", "type": "c", "major": 1, "minor": 5}],'
	args sh -c 'stat -c "%n %F %t:%T %a %u:%g" /dev/mynull /dev/sub/myzero; echo x >/dev/mynull && echo wrote;
		head -c 3 /dev/sub/myzero | od -An -tx1'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_line "/dev/mynull character special file 1:3 666 1000:1000"
	expect_match '^/dev/sub/myzero character special file 1:5 [0-7]+ 0:0$' "$(grep myzero "$TD/out")" "myzero"
	expect_line wrote
	expect_match '^ *00 00 00$' "$(tail -n 1 "$TD/out")" "read from myzero"
	assert_clean "$ID"
}

# The default devices and links of runc/crun.
t_default_devices() {
	args sh -c 'stat -c "%n %t:%T %a" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty;
		for l in /dev/ptmx /dev/fd /dev/stdin /dev/stdout /dev/stderr; do echo "$l -> $(readlink $l)"; done'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	for d in "null 1:3" "zero 1:5" "full 1:7" "random 1:8" "urandom 1:9" "tty 5:0"; do
		expect_line "/dev/${d% *} ${d#* } 666"
	done
	expect_line "/dev/ptmx -> pts/ptmx"
	expect_line "/dev/fd -> /proc/self/fd"
	expect_line "/dev/stdin -> /proc/self/fd/0"
	expect_line "/dev/stdout -> /proc/self/fd/1"
	expect_line "/dev/stderr -> /proc/self/fd/2"
	assert_clean "$ID"
}

# linux.resources.devices is the one resource husk accepts.
t_resources_devices_accepted() {
	C_LINUX='"resources": {"devices": [{"allow": false, "access": "rwm"},
		{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]},'
	run_probe pid
	expect_line "pid: 1"
	assert_clean "$ID"
}

t_rootfs_propagation() {
	C_LINUX='"rootfsPropagation": "shared",'
	run_probe mounts
	expect_match 'shared:[0-9]+' "$(grep '^/: ' "$TD/out" | tail -n 1)" "/ with rootfsPropagation shared"
	C_LINUX='"rootfsPropagation": "private",'
	run_probe mounts
	expect_no_match '(shared|master):[0-9]+' "$(grep '^/: ' "$TD/out" | tail -n 1)" "/ with rootfsPropagation private"
	assert_clean "$ID"
}

# All four values, as the container's own mountinfo shows its "/", with the
# host's mounts shared (a private mount namespace of the test's, so that
# "slave" has a master to show).
t_rootfs_propagation_all() {
	command -v unshare >/dev/null || skip "no unshare(1)"
	for _p in shared slave private unbindable; do
		C_LINUX="\"rootfsPropagation\": \"$_p\","
		args probe mounts
		mkbundle
		hx unshare -m --propagation shared "$HUSK" --root "$ROOT" run -b "$B" "$ID"
		[ "$RC" = 0 ] || fail "rootfsPropagation $_p: run exited $RC: $(cat "$TD/err")"
		_l=$(grep '^/: ' "$TD/out" | tail -n 1)
		case $_p in
		shared) expect_match ' shared:[0-9]+' "$_l" "/ with $_p" ;;
		slave) expect_match ' master:[0-9]+' "$_l" "/ with $_p" ;;
		unbindable) expect_match ' unbindable' "$_l" "/ with $_p" ;;
		esac
		[ "$_p" = shared ] || expect_no_match 'shared:' "$_l" "/ with $_p"
		[ "$_p" = slave ] || expect_no_match 'master:' "$_l" "/ with $_p"
		assert_clean "$ID"
	done
}

t_rootfs_propagation_bad() {
	C_LINUX='"rootfsPropagation": "sideways",'
	mkbundle
	expect_fail "config.json: linux.rootfsPropagation" h create -b "$B" "$ID"
	assert_clean "$ID"
}

t_annotations_in_state() {
	C_TOP='"annotations": {"com.example.x": "1"},'
	args sleep 100
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	expect_eq 1 "$(st "$ID" com.example.x)" "annotation"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# Without annotations, state still has an annotations key or none at all,
# never null-ish garbage.
t_no_annotations() {
	args sleep 100
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	expect_ok h state "$ID"
	expect_no_match '"annotations"[[:space:]]*:[[:space:]]*(null|"")' "$(tr '\n' ' ' <"$TD/out")" annotations
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

need_cgroup2() {
	CG=$(cgroup2_dir)
	[ -n "$CG" ] || skip "no cgroup2 mount"
}

t_cgroup_default_path() {
	need_cgroup2
	args sh -c 'probe cgroup; exec sleep 100'
	C_NS=$(ns pid ipc uts mount network) # no cgroup namespace: the full path shows
	mkbundle
	h run -d -b "$B" "$ID" </dev/null >"$TD/cout" 2>"$TD/err" || fail "run -d: $(cat "$TD/err")"
	wait_file "$TD/cout"
	pid=$(st "$ID" pid)
	[ -d "$CG/husk/$ID" ] || fail "no cgroup $CG/husk/$ID"
	grep -qx "$pid" "$CG/husk/$ID/cgroup.procs" || fail "$pid not in $CG/husk/$ID/cgroup.procs: $(cat "$CG/husk/$ID/cgroup.procs")"
	expect_line "0::/husk/$ID" "/proc/$pid/cgroup"
	expect_line "cgroup: 0::/husk/$ID" "$TD/cout"
	expect_ok h delete -f "$ID"
	[ ! -d "$CG/husk/$ID" ] || fail "cgroup $CG/husk/$ID left after delete"
	assert_clean "$ID"
}

t_cgroup_namespace() {
	need_cgroup2
	C_NS=$(ns pid ipc uts mount network cgroup)
	run_probe cgroup
	expect_line "cgroup: 0::/"
	assert_clean "$ID"
}

t_cgroups_path() {
	need_cgroup2
	C_LINUX="\"cgroupsPath\": \"/$ID-parent/sub\","
	args sleep 100
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	pid=$(st "$ID" pid)
	grep -qx "$pid" "$CG/$ID-parent/sub/cgroup.procs" 2>/dev/null ||
		fail "$pid not in $CG/$ID-parent/sub/cgroup.procs"
	expect_line "0::/$ID-parent/sub" "/proc/$pid/cgroup"
	expect_ok h delete -f "$ID"
	[ ! -d "$CG/$ID-parent/sub" ] || fail "cgroup $CG/$ID-parent/sub left"
	[ ! -d "$CG/$ID-parent" ] || fail "cgroup parent $CG/$ID-parent (made by husk) left"
	assert_clean "$ID"
}

# A cgroupsPath that already exists and holds another cgroup is kept at delete.
t_cgroups_path_existing_parent() {
	need_cgroup2
	mkdir "$CG/$ID-keep" || fail "mkdir $CG/$ID-keep"
	C_LINUX="\"cgroupsPath\": \"/$ID-keep/c\","
	args true
	mkbundle
	hx h run -b "$B" "$ID"
	keep=$([ -d "$CG/$ID-keep" ] && echo yes)
	gone=$([ -d "$CG/$ID-keep/c" ] || echo yes)
	rmdir "$CG/$ID-keep/c" "$CG/$ID-keep" 2>/dev/null
	[ "$RC" = 0 ] || fail "run: exit $RC: $(cat "$TD/err")"
	expect_eq yes "$keep" "the pre-existing parent cgroup kept"
	expect_eq yes "$gone" "the container's cgroup removed"
	assert_clean "$ID"
}
