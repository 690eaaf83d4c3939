# t-idmap.sh: idmapped mounts (mounts[].uidMappings/gidMappings, the idmap
# and ridmap options). A mount's mapping "containerID hostID size" is
# written as it is into the uid_map of the mount's user namespace, as runc
# and crun do: an id containerID on the source filesystem shows as the host
# id hostID (in a container with a user namespace: as whatever hostID is
# there), and the container's writes as hostID are stored as containerID.

# The container's user namespace: its root is host uid/gid 100000.
USERNS_MAPS='"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
	"gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],'

# maps CONTAINERID HOSTID SIZE: a mount's uidMappings and gidMappings (same ids).
maps() {
	printf '"uidMappings": [{"containerID": %s, "hostID": %s, "size": %s}], ' "$1" "$2" "$3"
	printf '"gidMappings": [{"containerID": %s, "hostID": %s, "size": %s}]' "$1" "$2" "$3"
}

# imnt DEST SOURCE MAPS OPTION...: a bind mount; MAPS from maps, or "".
imnt() {
	printf '{"destination": %s, "type": "bind", "source": %s, "options": [%s]%s}' \
		"$(q "$1")" "$(q "$2")" "$(shift 3 && jlist "$@")" "${3:+, $3}"
}

# owned_dir DIR UID: DIR with a file f in it, both owned by UID:UID. The
# scratch dirs above it (mktemp's 0700) let others search them: the init
# in a user namespace is not the host's root when it opens the source.
owned_dir() {
	chmod o+x "$T" "$TD" && mkdir -p "$1" && echo data >"$1/f" && chown "$2:$2" "$1" "$1/f" ||
		fail "make $1"
}

# keep / replay: keep the last hx's stderr and status, so that the host can
# be cleaned up (a test mount unmounted) before they are checked with
# expect_fail ... replay.
keep() {
	cp "$TD/err" "$TD/err.kept" && echo "$RC" >"$TD/rc.kept"
}

replay() {
	cat "$TD/err.kept" >&2
	return "$(cat "$TD/rc.kept")"
}

# idmap_run: run the bundle in the foreground (hx: $TD/out, $TD/err, RC,
# kept), then idmap_result.
idmap_run() {
	mkbundle
	hx h run -b "$B" "$ID"
	keep
	idmap_result
}

# idmap_result: the kept run (or create) must have worked. Emulating a kernel without
# mount_setattr, husk must have refused before it created anything (the
# test then ends here); where the test's directory is on a filesystem this
# kernel cannot idmap (a VM's initramfs), skip.
idmap_result() {
	if [ -n "${HUSK_OLD_KERNEL:-}" ]; then
		expect_fail "idmapped mounts need mount_setattr (Linux 5.12), which this kernel lacks" replay
		assert_clean "$ID"
		exit 0
	fi
	case $(cat "$TD/err.kept") in
	*"which this kernel cannot idmap"*)
		assert_clean "$ID"
		skip "$(cat "$TD/err.kept")" ;;
	esac
	[ "$(cat "$TD/rc.kept")" = 0 ] || fail "run: exit $(cat "$TD/rc.kept"): $(cat "$TD/err.kept")"
}

# The issue's case: a host directory of uid 1000, mapped to the container's
# root (host 100000): root-owned inside, the container's files are 1000's
# on the host; the same directory bound without mappings shows nobody.
t_idmap_bind_userns() {
	owned_dir "$TD/data" 1000
	C_NS=$(ns user pid ipc uts mount network)
	C_LINUX=$USERNS_MAPS
	C_MOUNTS_EXTRA="$(imnt /mnt "$TD/data" "$(maps 1000 100000 1)" rbind), $(imnt /tmp/plain "$TD/data" "" rbind)"
	args sh -c 'stat -c "%u:%g %n" /mnt /mnt/f /tmp/plain /tmp/plain/f; echo new >/mnt/new && stat -c "%u:%g %n" /mnt/new
		grep " /mnt " /proc/self/mountinfo'
	idmap_run
	expect_line "0:0 /mnt"
	expect_line "0:0 /mnt/f"
	expect_line "0:0 /mnt/new"
	expect_line "65534:65534 /tmp/plain"
	expect_line "65534:65534 /tmp/plain/f"
	expect_match '[ ,]idmapped[ ,]' "$(grep ' /mnt ' "$TD/out")" "/mnt in mountinfo"
	expect_eq "1000:1000" "$(stat -c %u:%g "$TD/data/new")" "the file the container made, on the host"
	expect_eq "1000:1000" "$(stat -c %u:%g "$TD/data")" "the host directory"
	assert_clean "$ID"
}

# "idmap" without mappings takes the container's user namespace (runc,
# crun): files of the host's root show as the container's root.
t_idmap_option_container_userns() {
	owned_dir "$TD/data" 0
	C_NS=$(ns user pid ipc uts mount network)
	C_LINUX=$USERNS_MAPS
	C_MOUNTS_EXTRA=$(imnt /mnt "$TD/data" "" bind idmap)
	args sh -c 'stat -c "%u:%g %n" /mnt/f; echo new >/mnt/new && stat -c "%u:%g %n" /mnt/new'
	idmap_run
	expect_line "0:0 /mnt/f"
	expect_line "0:0 /mnt/new"
	expect_eq "0:0" "$(stat -c %u:%g "$TD/data/new")" "the file the container made, on the host"
	assert_clean "$ID"
}

# Mappings of its own need no user namespace in the container (runc 1.2
# allows it): the host's root sees uid 1000's files as its own.
t_idmap_no_userns() {
	owned_dir "$TD/data" 1000
	C_MOUNTS_EXTRA=$(imnt /mnt "$TD/data" "$(maps 1000 0 1)" bind)
	args sh -c 'stat -c "%u:%g %n" /mnt/f; echo new >/mnt/new && stat -c "%u:%g %n" /mnt/new'
	idmap_run
	expect_line "0:0 /mnt/f"
	expect_line "0:0 /mnt/new"
	expect_eq "1000:1000" "$(stat -c %u:%g "$TD/data/new")" "the file the container made, on the host"
	assert_clean "$ID"
}

# The options alone take the container's user namespace: without one,
# refused before anything is made (config.md: an error MUST be returned).
t_idmap_option_without_userns() {
	mkdir -p "$TD/data"
	C_MOUNTS_EXTRA=$(imnt /mnt "$TD/data" "" rbind ridmap)
	mkbundle
	expect_fail 'config.json: mounts[7].options: "ridmap" without uidMappings and gidMappings needs a user namespace in linux.namespaces (it takes the mapping from it)' \
		h run -b "$B" "$ID"
	assert_clean "$ID"
}

# A source with a mount below it ($TD/data/sub), bound with rbind: ridmap
# idmaps both, idmap the top one only (the submount's uid 1000 is then
# nobody in the container's user namespace), as runc.
t_idmap_recursive() {
	owned_dir "$TD/data" 1000
	owned_dir "$TD/other" 1000
	mkdir -p "$TD/data/sub"
	mount --bind "$TD/other" "$TD/data/sub" || fail "mount --bind"
	C_NS=$(ns user pid ipc uts mount network)
	C_LINUX=$USERNS_MAPS
	C_MOUNTS_EXTRA="$(imnt /tmp/r "$TD/data" "$(maps 1000 100000 1)" rbind ridmap), $(imnt /tmp/i "$TD/data" "$(maps 1000 100000 1)" rbind idmap)"
	args sh -c 'stat -c "%u:%g %n" /tmp/r/f /tmp/r/sub/f /tmp/i/f /tmp/i/sub/f
		echo new >/tmp/r/sub/new && stat -c "%u:%g %n" /tmp/r/sub/new'
	mkbundle
	hx h run -b "$B" "$ID"
	keep
	umount "$TD/data/sub" || fail "umount $TD/data/sub"
	idmap_result
	expect_line "0:0 /tmp/r/f"
	expect_line "0:0 /tmp/r/sub/f"
	expect_line "0:0 /tmp/r/sub/new"
	expect_line "0:0 /tmp/i/f"
	expect_line "65534:65534 /tmp/i/sub/f"
	expect_eq "1000:1000" "$(stat -c %u:%g "$TD/other/new")" "the file made in the submount, on the host"
	assert_clean "$ID"
}

# Only binds can be idmapped (as runc): a new filesystem would need the
# fsmount API. Refused before anything is made, naming the mount.
t_idmap_not_bind() {
	C_NS=$(ns user pid ipc uts mount network)
	C_LINUX=$USERNS_MAPS
	C_MOUNTS_EXTRA="{\"destination\": \"/mnt\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"idmap\"], $(maps 0 100000 1)}"
	mkbundle
	expect_fail 'config.json: mounts[7]: only a bind mount can be idmapped (this one has type "tmpfs")' \
		h run -b "$B" "$ID"
	C_MOUNTS_EXTRA="{\"destination\": \"/tmp\", \"type\": \"bind\", \"source\": \"/tmp\", \"options\": [\"remount\", \"bind\", \"idmap\"]}"
	mkbundle
	expect_fail 'config.json: mounts[7]: a remount cannot be idmapped' h run -b "$B" "$ID"
	assert_clean "$ID"
}

# A source on tmpfs: idmapped from Linux 6.3, refused before, saying so.
t_idmap_tmpfs_source() {
	chmod o+x "$T" "$TD" && mkdir -p "$TD/tm" || fail "mkdir $TD/tm"
	mount -t tmpfs -o uid=1000,gid=1000,size=1m tmpfs "$TD/tm" || fail "mount tmpfs"
	C_NS=$(ns user pid ipc uts mount network)
	C_LINUX=$USERNS_MAPS
	C_MOUNTS_EXTRA=$(imnt /mnt "$TD/tm" "$(maps 1000 100000 1)" bind idmap)
	args sh -c 'stat -c "%u:%g %n" /mnt; echo new >/mnt/new && stat -c "%u:%g %n" /mnt/new'
	mkbundle
	hx h run -b "$B" "$ID"
	keep
	owner=$(stat -c %u:%g "$TD/tm/new" 2>/dev/null)
	umount "$TD/tm" || fail "umount $TD/tm"
	set -- $(uname -r | tr '.-' '  ')
	if [ -n "${HUSK_OLD_KERNEL:-}" ]; then
		expect_fail "idmapped mounts need mount_setattr (Linux 5.12)" replay
	elif [ "$1" -gt 6 ] || { [ "$1" = 6 ] && [ "$2" -ge 3 ]; }; then
		[ "$RC" = 0 ] || fail "run: exit $RC: $(cat "$TD/err")"
		expect_line "0:0 /mnt"
		expect_line "0:0 /mnt/new"
		expect_eq "1000:1000" "$owner" "the file the container made, on the host"
	else
		expect_fail "config.json: mounts[7]: $TD/tm is on tmpfs, which this kernel cannot idmap (tmpfs can be idmapped from Linux 6.3): Invalid argument" replay
	fi
	assert_clean "$ID"
}

# A filesystem without idmapped mounts (ramfs has none): mount_setattr
# says EINVAL, husk names the filesystem; nothing is left behind.
t_idmap_unsupported_fs() {
	new_kernel_only "mount_setattr is hidden: refused earlier (t_idmap_old_kernel)"
	mkdir -p "$TD/ram"
	mount -t ramfs ramfs "$TD/ram" || fail "mount ramfs"
	C_MOUNTS_EXTRA=$(imnt /mnt "$TD/ram" "$(maps 0 100000 1)" bind)
	mkbundle
	hx h run -b "$B" "$ID"
	keep
	umount "$TD/ram" || fail "umount $TD/ram"
	expect_fail "config.json: mounts[7]: $TD/ram is on ramfs, which this kernel cannot idmap: Invalid argument" replay
	assert_clean "$ID"
}

# As on Linux 5.2-5.11 (build/nosys hides mount_setattr): refused before
# anything is made, naming the mount and Linux 5.12; features says so.
t_idmap_old_kernel() {
	nosys=$(dirname "$ROOTFS")/nosys
	[ -x "$nosys" ] || skip "no build/nosys (test/rootfs.sh builds it)"
	mkdir -p "$TD/data"
	C_MOUNTS_EXTRA=$(imnt /mnt "$TD/data" "$(maps 0 100000 1)" rbind)
	mkbundle
	printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$nosys" "$HUSK" >"$TD/husk-5.2"
	chmod +x "$TD/husk-5.2"
	HUSK=$TD/husk-5.2
	export NOSYS_KERNEL=5.2
	expect_fail "config.json: mounts[7]: idmapped mounts need mount_setattr (Linux 5.12), which this kernel lacks" \
		h run -b "$B" "$ID"
	expect_ok h features
	grep -q '"mountExtensions": {"idmap": {"enabled": false}}' "$TD/out" ||
		fail "features claims idmapped mounts without mount_setattr: $(cat "$TD/out")"
	grep -q '"ridmap"' "$TD/out" && fail "features lists ridmap without mount_setattr"
	assert_clean "$ID"
}

t_idmap_features() {
	new_kernel_only "mount_setattr is hidden (t_idmap_old_kernel)"
	expect_ok h features
	grep -q '"mountExtensions": {"idmap": {"enabled": true}}' "$TD/out" ||
		fail "features does not claim idmapped mounts: $(cat "$TD/out")"
	grep -q '"idmap", "ridmap"' "$TD/out" || fail "no idmap, ridmap in mountOptions: $(cat "$TD/out")"
}

# No helper process and no fd outlives create: the init, waiting for start,
# holds the same fds as without the idmapped mount, and it is the only
# process left (the mapping's helper was reaped).
t_idmap_no_leak() {
	owned_dir "$TD/data" 1000
	C_NS=$(ns user pid ipc uts mount network)
	C_LINUX=$USERNS_MAPS
	args true
	mkbundle
	expect_ok h create -b "$B" "$ID"
	plain=$(ls "/proc/$(st "$ID" pid)/fd" | wc -l)
	expect_ok h delete "$ID"
	C_MOUNTS_EXTRA="$(imnt /mnt "$TD/data" "$(maps 1000 100000 1)" bind), $(imnt /opt "$TD/data" "" bind idmap)"
	mkbundle
	hx h create -b "$B" "$ID"
	keep
	idmap_result
	pid=$(st "$ID" pid)
	expect_eq "$plain" "$(ls "/proc/$pid/fd" | wc -l)" "the init's fds ($(ls -l "/proc/$pid/fd" | tr '\n' ' '))"
	expect_eq "$pid" "$(marked_pids | tr '\n' ' ' | sed 's/ $//')" "processes of the container"
	no_husk_left "$pid"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}
