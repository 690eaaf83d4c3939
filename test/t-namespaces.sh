# t-namespaces.sh: linux.namespaces (new and joined by path), user
# namespaces with uidMappings/gidMappings.

# host_ns NAME: the host's namespace link.
host_ns() {
	readlink "/proc/self/ns/$1"
}

t_ns_new_all() {
	new_kernel_only "no time namespace without clone3"
	need_time_ns
	C_NS=$(ns pid ipc uts mount network cgroup time)
	run_probe ns
	for n in cgroup ipc mnt net pid uts time; do
		v=$(line "$n")
		expect_match "^$n:\[[0-9]+\]\$" "$v" "$n namespace"
		expect_ne "$(host_ns "$n")" "$v" "$n namespace (the host's)"
	done
	expect_eq "$(host_ns user)" "$(line user)" "user namespace (none asked)"
	assert_clean "$ID"
}

# Only a mount namespace: the rest is the host's.
t_ns_only_mount() {
	C_NS=$(ns mount)
	C_HOSTNAME=
	C_MOUNTS=$(mnt /proc proc proc)
	run_probe ns pid
	for n in cgroup ipc net pid uts user; do
		expect_eq "$(host_ns "$n")" "$(line "$n")" "$n namespace"
	done
	expect_ne "$(host_ns mnt)" "$(line mnt)" "mnt namespace"
	expect_ne 1 "$(line pid)" "pid without a pid namespace"
	assert_clean "$ID"
}

# config-linux.md: a namespace not listed is the runtime's. Without "mount"
# the container sees husk's filesystem, as with runc: the config's mounts
# are not made (they would be on the host: a warning says so), the root does
# not change; masked or read-only paths cannot be, so are refused.
t_ns_no_mount_namespace() {
	echo "host-file" >"$TD/marker"
	C_NS=$(ns pid)
	C_HOSTNAME=
	args "$ROOTFS/bin/busybox" sh -c "cat $TD/marker; echo pid \$\$; readlink /proc/self/ns/mnt"
	mkbundle
	hx h run -b "$B" "$ID"
	[ "$RC" = 0 ] || fail "run exited $RC: $(cat "$TD/err")"
	expect_line "host-file"
	expect_line "pid 1"
	expect_line "$(readlink /proc/self/ns/mnt)"
	expect_match 'warning: config.json: mounts: not mounted: the container shares the runtime.s mount namespace' \
		"$(cat "$TD/err")" "the warning"
	assert_clean "$ID"
	args "$ROOTFS/bin/busybox" sleep 1000
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	expect_ok h exec "$ID" "$ROOTFS/bin/busybox" cat "$TD/marker"
	expect_line "host-file"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
	for _k in maskedPaths readonlyPaths; do
		C_LINUX="\"$_k\": [\"/proc/kcore\"],"
		mkbundle
		expect_fail "husk: config.json: linux.$_k: needs a mount namespace of its own" h run -b "$B" "$ID"
		assert_clean "$ID"
	done
}

t_ns_pid() {
	C_NS=$(ns pid mount)
	C_HOSTNAME=
	run_probe pid
	expect_line "pid: 1"
	expect_line "ppid: 0"
	assert_clean "$ID"
}

t_ns_network_only_lo() {
	args sh -c 'grep ":" /proc/net/dev | cut -d: -f1 | tr -d " "'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_eq lo "$(cat "$TD/out")" "interfaces"
	assert_clean "$ID"
}

t_ns_join_by_path() {
	args sleep 100
	C_NS=$(ns pid ipc uts mount network)
	C_HOSTNAME=first-$$
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	pid=$(st "$ID" pid)
	C_HOSTNAME=
	C_NS="$(ns pid mount), {\"type\": \"network\", \"path\": \"/proc/$pid/ns/net\"},
		{\"type\": \"ipc\", \"path\": \"/proc/$pid/ns/ipc\"}, {\"type\": \"uts\", \"path\": \"/proc/$pid/ns/uts\"}"
	args probe ns hostname
	mkbundle "$TD/b2"
	expect_ok h run -b "$TD/b2" "${ID}b"
	for n in net ipc uts; do
		expect_eq "$(readlink "/proc/$pid/ns/$n")" "$(line "$n")" "joined $n namespace"
	done
	expect_ne "$(readlink "/proc/$pid/ns/pid")" "$(line pid)" "new pid namespace"
	expect_line "hostname: first-$$"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_ns_join_pid_by_path() {
	args sleep 100
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	pid=$(st "$ID" pid)
	C_NS="$(ns mount ipc uts network), {\"type\": \"pid\", \"path\": \"/proc/$pid/ns/pid\"}"
	args probe ns pid
	mkbundle "$TD/b2"
	expect_ok h run -b "$TD/b2" "${ID}b"
	expect_eq "$(readlink "/proc/$pid/ns/pid")" "$(line pid)" "joined pid namespace"
	expect_ne "pid: 1" "$(grep '^pid: [0-9]' "$TD/out")" "pid in a joined pid namespace"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_ns_join_missing_path() {
	C_NS="$(ns pid mount uts ipc), {\"type\": \"network\", \"path\": \"$TD/nonexistent-ns\"}"
	mkbundle
	expect_fail "nonexistent-ns" h create -b "$B" "$ID"
	assert_clean "$ID"
}

t_ns_join_wrong_type() {
	C_NS="$(ns pid mount uts ipc), {\"type\": \"network\", \"path\": \"/proc/self/ns/ipc\"}"
	mkbundle
	expect_fail "" h create -b "$B" "$ID"
	assert_clean "$ID"
}

t_ns_user_root() {
	C_NS=$(ns user pid ipc uts mount network)
	C_LINUX='"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
		"gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],'
	args sh -c 'probe ids ns; echo "uid_map $(cat /proc/self/uid_map | tr -s " " | sed "s/^ //")";
		echo "gid_map $(cat /proc/self/gid_map | tr -s " " | sed "s/^ //")"; stat -c "owner %u" /bin/busybox;
		echo x >/dev/null && echo devnull-ok'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_line "uid: 0"
	expect_line "gid: 0"
	expect_line "uid_map 0 100000 65536"
	expect_line "gid_map 0 100000 65536"
	expect_line "owner 65534"
	expect_line devnull-ok
	expect_ne "$(host_ns user)" "$(line user)" "user namespace"
	assert_clean "$ID"
}

t_ns_user_host_view() {
	C_NS=$(ns user pid ipc uts mount network)
	C_LINUX='"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
		"gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],'
	C_USER='"uid": 1000, "gid": 1000'
	args sleep 100
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	pid=$(st "$ID" pid)
	expect_eq 101000 "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" "host uid of the container's uid 1000"
	expect_eq 101000 "$(awk '/^Gid:/ { print $2 }' "/proc/$pid/status")" "host gid"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# A user namespace without mappings: refused (runc), or run in a new user
# namespace (crun maps the caller).
t_ns_user_without_mappings() {
	C_NS=$(ns user pid ipc uts mount network)
	args probe ns
	mkbundle
	hx h run -b "$B" "$ID"
	if [ "$RC" = 0 ]; then
		expect_ne "$(host_ns user)" "$(line user)" "user namespace"
	else
		expect_fail "" h run -b "$B" "$ID"
	fi
	assert_clean "$ID"
}

t_ns_time() {
	new_kernel_only "no time namespace without clone3"
	need_time_ns
	C_NS=$(ns pid ipc uts mount network time)
	run_probe ns
	expect_ne "$(host_ns time)" "$(line time)" "time namespace"
	assert_clean "$ID"
}

# A kernel without time namespaces (32-bit ARM: no CONFIG_TIME_NS): one
# clear line at create, not the clone's EINVAL.
t_ns_time_missing() {
	[ ! -e /proc/self/ns/time ] || skip "this kernel has time namespaces"
	C_NS=$(ns pid ipc uts mount network time)
	args true
	mkbundle
	expect_fail "husk: config.json: linux.namespaces[5]: this kernel has no time namespace" h run -b "$B" "$ID"
	assert_clean "$ID"
}

t_ns_cgroup_view() {
	[ -n "$(cgroup2_dir)" ] || skip "no cgroup2 mount"
	C_NS=$(ns pid ipc uts mount network cgroup)
	run_probe ns cgroup
	expect_ne "$(host_ns cgroup)" "$(line cgroup | head -n 1)" "cgroup namespace"
	expect_line "cgroup: 0::/"
	assert_clean "$ID"
}

t_ns_bad_type() {
	C_NS='{"type": "bogus"}'
	mkbundle
	expect_fail "config.json: linux.namespaces[0].type" h create -b "$B" "$ID"
	assert_clean "$ID"
}

# runc refuses to set a hostname in the host's UTS namespace; husk must at
# least never change the host's hostname.
t_hostname_without_uts() {
	before=$(hostname)
	C_NS=$(ns pid ipc mount network)
	C_HOSTNAME=not-the-host-$$
	mkbundle
	hx h run -b "$B" "$ID"
	after=$(hostname)
	[ "$after" = "$before" ] || hostname "$before"
	expect_eq "$before" "$after" "the host's hostname"
	expect_fail "hostname" h run -b "$B" "$ID"
	assert_clean "$ID"
}

# `husk spec --rootless` runs as an unprivileged user: a user namespace with
# the user's own id as root, no cgroup (none is delegated), /sys bound.
t_rootless() {
	command -v setpriv >/dev/null || skip "no setpriv(1) to become another user"
	[ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 1 ] ||
		skip "unprivileged user namespaces are off"
	u=$(awk -F: '$3 >= 1000 && $3 < 60000 { print $3; exit }' /etc/passwd)
	[ -n "$u" ] || skip "no unprivileged user in /etc/passwd"
	mkdir -p "$B/rootfs"
	cp -a "$ROOTFS/." "$B/rootfs/"
	chown -R "$u:$u" "$B"
	chmod 755 "$T" "$TD"
	rl() { setpriv --reuid="$u" --regid="$u" --clear-groups env HOME=/ XDG_RUNTIME_DIR="$B" \
		HUSK_TEST_MARK="$MARK" "$HUSK" "$@"; }
	(cd "$B" && rl spec --rootless) || fail "spec --rootless as uid $u"
	sed -i 's/"terminal": true/"terminal": false/; s/^\(\t*\)"sh"$/\1"probe", "ids", "mounts"/' "$B/config.json"
	hx rl run -b "$B" "$ID"
	[ "$RC" = 0 ] || fail "run as uid $u: $(cat "$TD/err")"
	expect_eq 0 "$(line uid)" "uid inside"
	grep -q '^/sys: ' "$TD/out" || fail "no /sys inside: $(cat "$TD/out")"
	[ ! -e "$B/husk/$ID" ] || fail "state left in \$XDG_RUNTIME_DIR/husk"
	assert_clean "$ID"
}

# linux.timeOffsets in a new time namespace: the container's clocks (read
# through the vDSO) and /proc/uptime are ahead by the offsets, and so are
# those of an exec'd process.
t_ns_time_offsets() {
	new_kernel_only "no time namespace without clone3"
	need_time_ns
	C_NS=$(ns pid ipc uts mount network time)
	C_LINUX='"timeOffsets": {"monotonic": {"secs": 1000000, "nanosecs": 5}, "boottime": {"secs": 2000000}},'
	args sh -c 'probe clocks ns; cat /proc/self/timens_offsets; echo "uptime: $(cut -d. -f1 /proc/uptime)"; sleep 1000'
	mkbundle
	"$ROOTFS/bin/probe" clocks >"$TD/host"
	h run -d -b "$B" "$ID" </dev/null >"$TD/out" 2>"$TD/err" || fail "run: $(cat "$TD/err")"
	wait_for "the container's uptime line" grep -q '^uptime: ' "$TD/out"
	mono=$(line monotonic "$TD/host")
	boot=$(line boottime "$TD/host")
	for v in "monotonic $((mono + 1000000))" "boottime $((boot + 2000000))" "uptime $((boot + 2000000))"; do
		got=$(line "${v% *}")
		[ "$got" -ge "${v#* }" ] && [ "$got" -lt $((${v#* } + 60)) ] ||
			fail "${v% *}: expected ${v#* } or a little more (host's plus the offset), got '$got'"
	done
	expect_match '^monotonic +1000000 +5$' "$(grep ^monotonic "$TD/out" | grep -v :)" "timens_offsets"
	expect_ne "$(host_ns time)" "$(line time)" "time namespace"
	expect_ok h exec "$ID" sh -c 'probe ns; cat /proc/self/timens_offsets'
	expect_eq "$(sed -n 's/^time: //p' "$TD/out")" "$(readlink /proc/"$(st "$ID" pid)"/ns/time)" "exec's time namespace"
	expect_match '^boottime +2000000 +0$' "$(grep ^boottime "$TD/out")" "exec's timens_offsets"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# In a new user namespace, which owns the new time namespace.
t_ns_time_offsets_userns() {
	new_kernel_only "no time namespace without clone3"
	need_time_ns
	C_NS=$(ns user pid ipc uts mount network time)
	C_LINUX='"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
		"gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
		"timeOffsets": {"monotonic": {"secs": -1, "nanosecs": 0}, "boottime": {"secs": 86400}},'
	args sh -c 'id -u; tr -s " " </proc/self/timens_offsets'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_eq "0
monotonic -1 0
boottime 86400 0" "$(cat "$TD/out")" "uid, timens_offsets"
	assert_clean "$ID"
}

# Offsets need a new time namespace: without one, or with one joined by
# path, they are refused before anything is made (as runc).
t_ns_time_offsets_refused() {
	C_HOSTNAME=
	C_LINUX='"timeOffsets": {"monotonic": {"secs": 1}},'
	mkbundle
	expect_fail "config.json: linux.timeOffsets: given without a new time namespace in linux.namespaces" \
		h run -b "$B" "$ID"
	C_NS="$(ns pid mount), {\"type\": \"time\", \"path\": \"/proc/self/ns/time\"}"
	mkbundle
	expect_fail "config.json: linux.timeOffsets: given without a new time namespace in linux.namespaces" \
		h run -b "$B" "$ID"
	[ -e /proc/self/ns/time ] || { assert_clean "$ID"; return 0; }
	# what the kernel refuses names the field
	C_NS=$(ns pid mount time)
	C_LINUX='"timeOffsets": {"monotonic": {"secs": -9223372036854775807}},'
	mkbundle
	expect_fail "linux.timeOffsets: write /proc/self/timens_offsets" h run -b "$B" "$ID"
	assert_clean "$ID"
}
