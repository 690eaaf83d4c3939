# t-sec-proc.sh: attacks on husk's writes into /proc (issue 14, findings F1,
# F2, F5; runc's advisories of November 2025). Each case mounts the attack
# and then checks the HOST: a host sysctl, a host file, the container's
# real bounding set. Against husk 0.1.1 the attacks succeed (each case says
# what happened there); they pass once mount destinations inside /proc are
# refused, every procfs access goes through a procfs handle opened before
# the container's mounts, and mount flags are set on detached clones.
#
# These tests write HOST sysctls when the attack succeeds. They use only
# harmless ones (kernel.printk_ratelimit, the host's net.core.somaxconn,
# net.ipv4.conf.lo.accept_local), remember the host's values first and put
# them back (sp_save), before any check can fail and again when the test's
# shell exits.

# ---- the host's sysctls ---------------------------------------------------------

SP_SAVED=""

# sp_file KEY: the host's file of a dotted sysctl key.
sp_file() {
	printf '/proc/sys/%s' "$(printf '%s' "$1" | tr . /)"
}

# sp_save KEY...: remember the host's values (single words) of KEY...;
# sp_restore writes them back, also on the test's exit.
sp_save() {
	for _k in "$@"; do
		_v=$(cat "$(sp_file "$_k")") || skip "cannot read the host's $_k"
		SP_SAVED="$SP_SAVED $_k=$_v"
	done
	trap sp_restore EXIT
}

# sp_saved KEY: the value sp_save recorded.
sp_saved() {
	for _kv in $SP_SAVED; do
		[ "${_kv%%=*}" = "$1" ] && printf '%s\n' "${_kv#*=}" && return 0
	done
	return 1
}

sp_restore() {
	for _kv in $SP_SAVED; do
		_f=$(sp_file "${_kv%%=*}")
		[ "$(cat "$_f")" = "${_kv#*=}" ] || echo "${_kv#*=}" >"$_f"
	done
}

# sp_other KEY: a value for an attack on KEY that differs from the host's.
sp_other() {
	if [ "$(sp_saved "$1")" = 7 ]; then echo 8; else echo 7; fi
}

# sp_host_unchanged WHAT: every saved host sysctl still has its value;
# otherwise restore them all, then fail saying what the attack did.
sp_host_unchanged() {
	_changed=""
	for _kv in $SP_SAVED; do
		_now=$(cat "$(sp_file "${_kv%%=*}")")
		[ "$_now" = "${_kv#*=}" ] || _changed="$_changed ${_kv%%=*} became '$_now' (was '${_kv#*=}');"
	done
	[ -z "$_changed" ] && return 0
	sp_restore
	fail "$1: the HOST's sysctl changed:$_changed (restored)
husk exit ${RC:-?}, stderr: $(cat "$TD/err" 2>/dev/null)
stdout: $(head -c 500 "$TD/out" 2>/dev/null)"
}

# sp_refused SUBSTRING WHAT CMD...: CMD (a create or run) is refused as
# expect_fail wants it (exit 1, one line "husk: ...SUBSTRING...", nothing on
# stdout), the host's sysctls are unchanged and nothing is left.
sp_refused() {
	_sub=$1 _what=$2
	shift 2
	hx "$@"
	sp_host_unchanged "$_what"
	_err=$(cat "$TD/err")
	[ "$RC" = 1 ] || fail "$_what: expected husk to refuse (exit 1, '$_sub')
got exit $RC, stderr: $_err
stdout: $(head -c 500 "$TD/out")"
	[ "$(wc -l <"$TD/err")" = 1 ] || fail "$_what: expected one line on stderr, got: $_err"
	case $_err in
	"husk: "*"$_sub"*) ;;
	*) fail "$_what: expected 'husk: ...$_sub...' on stderr, got: $_err" ;;
	esac
	[ ! -s "$TD/out" ] || fail "$_what: the container ran: $(head -c 500 "$TD/out")"
	assert_clean "$ID"
}

# sp_rootfs: a writable copy of the test rootfs at $B/rootfs (the attacker's
# image), with /dummy for the volumes' symlinks to point at (not below /tmp,
# which the default mounts cover with a tmpfs).
sp_rootfs() {
	mkdir -p "$B"
	cp -a "$ROOTFS" "$B/rootfs"
	mkdir -p "$B/rootfs/dummy"
	C_ROOT='"path": "rootfs", "readonly": false'
}

# sp_fd_links DIR: DIR/0..63 -> /dummy, a fake /proc/self/fd: a mount
# made through /proc/self/fd/N then lands on /dummy.
sp_fd_links() {
	mkdir -p "$1"
	_i=0
	while [ $_i -lt 64 ]; do
		ln -s /dummy "$1/$_i"
		_i=$((_i + 1))
	done
}

# ---- F1: mount destinations on the container's /proc -----------------------------

# F1.1: the image links /data to /proc/self/fd, a volume of symlinks is bound
# on /data, so it covers the init's /proc/self/fd; the read-only remount of
# /proc/sys goes through /proc/self/fd/N and lands on /dummy: /proc/sys
# stays writable and uid 0 writes the host's kernel.printk_ratelimit.
# husk 0.1.1: exit 0, the container prints WROTE, the host value changes.
t_sec_proc_f1_fd_volume_readonly() {
	sp_save kernel.printk_ratelimit
	a=$(sp_other kernel.printk_ratelimit)
	sp_rootfs
	ln -s /proc/self/fd "$B/rootfs/data"
	sp_fd_links "$TD/vol"
	C_MOUNTS_EXTRA=$(mnt /data bind "$TD/vol" rbind rw)
	C_LINUX='"readonlyPaths": ["/proc/sys"],'
	args sh -c "echo $a >/proc/sys/kernel/printk_ratelimit && echo WROTE"
	mkbundle
	sp_refused "inside /proc" "a volume on /proc/self/fd, then readonlyPaths" h run -b "$B" "$ID"
}

# F1.2: the volume covers the init's /proc/self, its oom_score_adj is a
# symlink to /proc/sys/kernel/printk_ratelimit: process.oomScoreAdj is
# written into the host's sysctl. husk 0.1.1: the host value becomes 1000.
t_sec_proc_f1_self_volume_oom() {
	sp_save kernel.printk_ratelimit
	[ "$(sp_saved kernel.printk_ratelimit)" != 1000 ] || skip "the host's kernel.printk_ratelimit is 1000 already"
	sp_rootfs
	ln -s /proc/self "$B/rootfs/data"
	sp_fd_links "$TD/vol/fd"
	ln -s /proc/sys/kernel/printk_ratelimit "$TD/vol/oom_score_adj"
	C_MOUNTS_EXTRA=$(mnt /data bind "$TD/vol" rbind rw)
	C_PROCESS='"oomScoreAdj": 1000,'
	args true
	mkbundle
	sp_refused "inside /proc" "a volume on /proc/self, then oomScoreAdj" h run -b "$B" "$ID"
}

# F1.3: the volume (even read-only) covers /proc/sys/net, its core/somaxconn
# is a symlink to /proc/sys/kernel/printk_ratelimit: the container's own,
# allowed net.core.somaxconn goes into the host's sysctl.
# husk 0.1.1: the host's kernel.printk_ratelimit becomes 77.
t_sec_proc_f1_sysnet_volume_sysctl() {
	sp_save kernel.printk_ratelimit net.core.somaxconn
	[ "$(sp_saved kernel.printk_ratelimit)" != 77 ] || skip "the host's kernel.printk_ratelimit is 77 already"
	sp_rootfs
	ln -s /proc/sys/net "$B/rootfs/data"
	mkdir -p "$TD/vol/core"
	ln -s /proc/sys/kernel/printk_ratelimit "$TD/vol/core/somaxconn"
	C_MOUNTS_EXTRA=$(mnt /data bind "$TD/vol" rbind ro)
	C_LINUX='"sysctl": {"net.core.somaxconn": "77"},'
	args true
	mkbundle
	sp_refused "inside /proc" "a volume on /proc/sys/net, then linux.sysctl" h run -b "$B" "$ID"
}

# The same volume listed BEFORE the proc mount: its destination resolves
# under /proc too (the image's /proc/self/fd, later covered by procfs), and
# is refused as well: whether it is harmful must not depend on the order.
# husk 0.1.1: creates rootfs/proc/self/fd in the image and runs (exit 0).
t_sec_proc_f1_dest_before_proc_mount() {
	sp_save kernel.printk_ratelimit
	a=$(sp_other kernel.printk_ratelimit)
	sp_rootfs
	ln -s /proc/self/fd "$B/rootfs/data"
	sp_fd_links "$TD/vol"
	C_MOUNTS="$(mnt /data bind "$TD/vol" rbind rw), $DEFAULT_MOUNTS"
	C_LINUX='"readonlyPaths": ["/proc/sys"],'
	args sh -c "echo $a >/proc/sys/kernel/printk_ratelimit && echo WROTE"
	mkbundle
	sp_refused "inside /proc" "a volume on /data -> /proc/self/fd before the proc mount" h run -b "$B" "$ID"
}

# Plain destinations inside /proc, no symlink involved: a tmpfs on
# /proc/sys/kernel/x, a file bound on a sysctl and on /proc/self/oom_score_adj.
# husk 0.1.1: the tmpfs fails on procfs's mkdir (another message), the binds run.
t_sec_proc_f1_dest_plain() {
	sp_save kernel.printk_ratelimit
	echo 0 >"$TD/file"
	for m in "$(mnt /proc/sys/kernel/x tmpfs tmpfs size=1m)" \
		"$(mnt /proc/sys/kernel/printk_ratelimit bind "$TD/file" bind rw)" \
		"$(mnt /proc/self/oom_score_adj bind "$TD/file" bind rw)" \
		"$(mnt /proc/sys bind "$TD" rbind rw)"; do
		C_MOUNTS_EXTRA=$m
		args cat /proc/sys/kernel/printk_ratelimit
		mkbundle
		sp_refused "inside /proc" "mount $m" h run -b "$B" "$ID"
	done
	expect_eq 0 "$(cat "$TD/file")" "the bound host file"
}

# A bind of a host directory onto /proc itself, in place of procfs or on top
# of it: a fake procfs whose self/oom_score_adj is a plain host file, so
# husk writes process.oomScoreAdj into the host's file (and the real one is
# silently not applied), and whose cap_last_cap says 0. Only a proc mount,
# or a bind of a procfs, may go on /proc. husk 0.1.1: exit 0, the host's
# file holds 999.
t_sec_proc_f1_bind_onto_proc() {
	sp_save kernel.printk_ratelimit
	mkdir -p "$TD/fake/sys/kernel" "$TD/fake/self"
	echo 0 >"$TD/fake/sys/kernel/cap_last_cap"
	C_PROCESS='"oomScoreAdj": 999,'
	args cat /proc/sys/kernel/cap_last_cap
	for where in instead over; do
		echo 0 >"$TD/fake/self/oom_score_adj"
		if [ $where = instead ]; then
			C_MOUNTS="$(mnt /proc bind "$TD/fake" rbind rw),
				$(printf '%s\n' "$DEFAULT_MOUNTS" | sed '/"type": "proc"/d')"
		else
			C_MOUNTS="$DEFAULT_MOUNTS, $(mnt /proc bind "$TD/fake" rbind rw)"
		fi
		mkbundle
		hx h run -b "$B" "$ID"
		expect_eq 0 "$(cat "$TD/fake/self/oom_score_adj")" \
			"a host dir bound on /proc $where of procfs: the host file under its self/oom_score_adj (husk exit $RC)"
		sp_refused "/proc" "a host dir bound on /proc $where of procfs" h run -b "$B" "$ID"
	done
}

# lxcfs binds host files on /proc/meminfo, /proc/uptime...: still allowed,
# and the container reads the files (not an attack: the allowlist works).
t_sec_proc_f1_lxcfs_allowlist() {
	printf 'MemTotal:        1234 kB\nMemFree:          567 kB\n' >"$TD/meminfo"
	printf '4242.00 1.00\n' >"$TD/uptime"
	C_MOUNTS_EXTRA="$(mnt /proc/meminfo bind "$TD/meminfo" bind ro),
		$(mnt /proc/uptime bind "$TD/uptime" bind ro)"
	args sh -c 'cat /proc/meminfo /proc/uptime; echo x 2>/dev/null >/proc/uptime && echo "write: yes"; echo done'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_eq "$(cat "$TD/meminfo" "$TD/uptime"; echo done)" "$(cat "$TD/out")" "what the container read"
	expect_eq "4242.00 1.00" "$(cat "$TD/uptime")" "the host's file"
	assert_clean "$ID"
}

# An allowlisted file reached through a symlink of the image (/data ->
# /proc/meminfo, /proc2 -> /proc): refused; only the plain path is allowed.
# husk 0.1.1: runs (exit 0), the binds land on the procfs files.
t_sec_proc_f1_lxcfs_symlinked() {
	sp_rootfs
	printf 'MemTotal: 1 kB\n' >"$TD/meminfo"
	ln -s /proc/meminfo "$B/rootfs/data"
	ln -s /proc "$B/rootfs/proc2"
	args cat /proc/meminfo
	for d in /data /proc2/uptime; do
		C_MOUNTS_EXTRA=$(mnt "$d" bind "$TD/meminfo" bind ro)
		mkbundle
		sp_refused "inside /proc" "a bind on $d" h run -b "$B" "$ID"
	done
}

# ---- F2: linux.sysctl keys the host's namespaces scope --------------------------

# F2: without a network namespace, kernel.printk_ratelimit and
# net.ipv4.conf.lo.accept_local were written into the HOST's /proc/sys.
# husk 0.1.1: exit 0, both host values change.
t_sec_proc_f2_sysctl_host_keys() {
	sp_save kernel.printk_ratelimit net.ipv4.conf.lo.accept_local
	lo=$(sp_saved net.ipv4.conf.lo.accept_local)
	args true
	C_NS=$(ns pid mount)
	C_HOSTNAME=""
	C_LINUX="\"sysctl\": {\"kernel.printk_ratelimit\": \"$(sp_other kernel.printk_ratelimit)\",
		\"net.ipv4.conf.lo.accept_local\": \"$((1 - lo))\"},"
	mkbundle
	sp_refused 'config.json: linux.sysctl: sysctl "kernel.printk_ratelimit" is not in a separate kernel namespace' \
		"F2's config" h run -b "$B" "$ID"
	C_LINUX="\"sysctl\": {\"net.ipv4.conf.lo.accept_local\": \"$((1 - lo))\"},"
	mkbundle
	sp_refused 'sysctl "net.ipv4.conf.lo.accept_local" not allowed in host network namespace' \
		"a net.* key without a network namespace" h create -b "$B" "$ID"
	# every namespace does not make a global key the container's
	C_NS=$(ns pid ipc uts mount network cgroup)
	C_LINUX="\"sysctl\": {\"kernel.printk_ratelimit\": \"$(sp_other kernel.printk_ratelimit)\"},"
	mkbundle
	sp_refused 'sysctl "kernel.printk_ratelimit" is not in a separate kernel namespace' \
		"a global key with every namespace" h run -b "$B" "$ID"
	# the host's network namespace joined by path is the host's
	C_NS="$(ns pid mount), {\"type\": \"network\", \"path\": \"/proc/$$/ns/net\"}"
	C_LINUX="\"sysctl\": {\"net.ipv4.conf.lo.accept_local\": \"$((1 - lo))\"},"
	mkbundle
	sp_refused "not allowed in host network namespace" "the host's netns joined by path" h run -b "$B" "$ID"
	# an IPC key without an IPC namespace
	C_NS=$(ns pid mount network)
	C_LINUX='"sysctl": {"kernel.shm_rmid_forced": "1"},'
	mkbundle
	sp_refused "is not allowed in the host's ipc namespace" "an IPC key without an IPC namespace" h run -b "$B" "$ID"
	# names that would leave the key's directory
	C_NS=$(ns pid ipc uts mount network)
	for k in "net.....kernel.printk_ratelimit" "net/../kernel/printk_ratelimit" "net.core/../../kernel/printk_ratelimit"; do
		C_LINUX="\"sysctl\": {\"$k\": \"$(sp_other kernel.printk_ratelimit)\"},"
		mkbundle
		sp_refused "sysctl \"$k\"" "the key $k" h run -b "$B" "$ID"
	done
}

# Keys the container's own namespaces scope are still applied, inside only:
# net.core.somaxconn with a new network namespace, and with a network
# namespace joined by path that is not the host's (another container's).
t_sec_proc_f2_sysctl_allowed() {
	sp_save net.core.somaxconn
	C_LINUX='"sysctl": {"net.core.somaxconn": "77", "kernel.shmmni": "77"},'
	args cat /proc/sys/net/core/somaxconn /proc/sys/kernel/shmmni
	mkbundle
	expect_ok h run -b "$B" "$ID"
	sp_host_unchanged "net.core.somaxconn in a new network namespace"
	expect_eq "$(printf '77\n77')" "$(cat "$TD/out")" "the sysctls inside"
	# joined by path: the first container's network namespace
	C_LINUX=
	args sleep 100
	mkbundle "$TD/b1"
	expect_ok h run -d -b "$TD/b1" "$ID"
	pid=$(st "$ID" pid)
	C_NS="$(ns pid ipc uts mount), {\"type\": \"network\", \"path\": \"/proc/$pid/ns/net\"}"
	C_LINUX='"sysctl": {"net.core.somaxconn": "78"},'
	args cat /proc/sys/net/core/somaxconn
	mkbundle
	expect_ok h run -b "$B" "${ID}b"
	sp_host_unchanged "net.core.somaxconn in a joined network namespace"
	expect_eq 78 "$(cat "$TD/out")" "the sysctl in the joined namespace"
	expect_ok h exec "$ID" cat /proc/sys/net/core/somaxconn
	expect_eq 78 "$(cat "$TD/out")" "the sysctl seen by the namespace's owner"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# ---- F1.4: the container rearranges its /proc, then the host runs husk exec ----------

# sp_userns_attacker: a container with its own user namespace (0 -> 100000,
# so its root is not the host's root and cannot write host sysctls itself)
# and CAP_SYS_ADMIN in it, so it may mount in its own mount namespace. It
# binds the real /proc/sys/kernel on /tmp/k, then covers /proc with a tmpfs
# holding a fake self/oom_score_adj (a symlink to /tmp/k/printk_ratelimit),
# an empty self/fd and a sys/kernel/cap_last_cap of 0. A `husk exec`'d
# process is the host's uid 0 until its user switch: a write it makes
# through the container's /proc reaches the host's sysctl, a read believes
# the fake. Sets pid (the init, on the host) once the attacker is ready.
sp_userns_attacker() {
	C_NS=$(ns user pid ipc uts mount network)
	C_LINUX='"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
		"gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],'
	C_CAPS='{"bounding": ["CAP_SYS_ADMIN", "CAP_KILL"], "effective": ["CAP_SYS_ADMIN", "CAP_KILL"],
		"permitted": ["CAP_SYS_ADMIN", "CAP_KILL"]}'
	args sh -c '
		mkdir /tmp/k && mount --bind /proc/sys/kernel /tmp/k &&
		mount -t tmpfs -o mode=755 tmpfs /proc &&
		mkdir -p /proc/self/fd /proc/sys/kernel &&
		ln -s /tmp/k/printk_ratelimit /proc/self/oom_score_adj &&
		echo 0 >/proc/sys/kernel/cap_last_cap && echo ready >/tmp/ready ||
		echo failed >/tmp/ready
		exec sleep 1000'
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	pid=$(st "$ID" pid)
	wait_file "/proc/$pid/root/tmp/ready"
	[ "$(cat "/proc/$pid/root/tmp/ready")" = ready ] ||
		skip "the container could not rearrange its /proc (bind /proc/sys/kernel, tmpfs on /proc in its user namespace)"
	# the attacker's own root cannot write the host's sysctl: only husk can
	hx h exec "$ID" sh -c 'echo 3 >/tmp/k/printk_ratelimit && echo WROTE'
	sp_host_unchanged "the container's root itself (control)"
}

# sp_process_json FILE EXTRA: an exec process (runc exec -p) running
# `sleep 100` with runc's three capabilities, and EXTRA fields.
sp_process_json() {
	cat >"$1" <<JSON
{"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["sleep", "100"],
 "env": ["PATH=/bin:/usr/bin", "HUSK_TEST_MARK=$MARK"], "cwd": "/",
 "capabilities": $DEFAULT_CAPS, "noNewPrivileges": true $2}
JSON
}

# process.oomScoreAdj of an exec'd process, written through the fake
# /proc/self/oom_score_adj. husk 0.1.1: the host's kernel.printk_ratelimit
# becomes 1000 (and the process's own oom_score_adj stays 0).
t_sec_proc_f1_exec_oom_redirect() {
	sp_save kernel.printk_ratelimit
	[ "$(sp_saved kernel.printk_ratelimit)" != 1000 ] || skip "the host's kernel.printk_ratelimit is 1000 already"
	sp_userns_attacker
	sp_process_json "$TD/p.json" ', "oomScoreAdj": 1000'
	hx h exec -d --pid-file "$TD/p.pid" -p "$TD/p.json" "$ID"
	sp_host_unchanged "husk exec with oomScoreAdj into a container whose /proc is a tmpfs"
	[ "$RC" = 0 ] || fail "husk exec failed (a procfs handle of its own needs nothing of the container's /proc): $(cat "$TD/err")"
	epid=$(cat "$TD/p.pid")
	expect_eq 1000 "$(cat "/proc/$epid/oom_score_adj")" "the exec'd process's oom_score_adj"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# The fake cap_last_cap of 0: husk drops nothing above cap 0 from the exec'd
# process's bounding set. The host reads the real one from /proc/PID/status.
# husk 0.1.1: CapBnd 000001fffffffffe (every capability but CAP_CHOWN)
# instead of 0000000020000420. The same exec also checks the fd walk: on a
# kernel without close_range the walk of the fake, empty /proc/self/fd would
# close nothing, and the host's fds would reach the process.
t_sec_proc_f1_exec_fake_cap_last_cap() {
	sp_save kernel.printk_ratelimit
	sp_userns_attacker
	sp_process_json "$TD/p.json" ''
	# fds of the host for the fd walk (without close_range, as on an older
	# kernel, husk walks /proc/self/fd: here the attacker's empty dir)
	echo secret >"$TD/secret"
	exec 5<"$TD/secret" 6<"$TD" 7</
	hx h exec -d --pid-file "$TD/p.pid" -p "$TD/p.json" "$ID"
	exec 5<&- 6<&- 7<&-
	sp_host_unchanged "husk exec into a container whose /proc is a tmpfs"
	[ "$RC" = 0 ] || fail "husk exec failed (a procfs handle of its own needs nothing of the container's /proc): $(cat "$TD/err")"
	epid=$(cat "$TD/p.pid")
	bnd=$(awk '/^CapBnd:/ { print $2 }' "/proc/$epid/status")
	prm=$(awk '/^CapPrm:/ { print $2 }' "/proc/$epid/status")
	fds=$(ls "/proc/$epid/fd" | sort -n | tr '\n' ' ' | sed 's/ $//')
	[ "$bnd $prm $fds" = "0000000020000420 0000000020000420 0 1 2" ] ||
		fail "the exec'd process (the fake cap_last_cap says 0, the fake /proc/self/fd is empty):
CapBnd $bnd (want 0000000020000420), CapPrm $prm (want 0000000020000420),
fds $fds (want 0 1 2; the host's shell had 5, 6, 7 open)"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# ---- F5: a rename race turns a read-only bind into a writable one ----------------

# Container A shares the volume vol at /vol and swaps vol/sw/f (an empty
# file) with vol/sw/l (a symlink to /proc) with renameat2(RENAME_EXCHANGE)
# as fast as it can. Container B mounts vol at /vol, then binds a host file
# read-only on /vol/sw/f. A husk that resolves /vol/sw/f once for the bind
# and again, by path, for the read-only remount can be raced into
# remounting the container's /proc read-only and leaving the bind writable:
# B then overwrites the host file, and husk reported success. With the
# flags set on a detached clone before it is attached, each round of B is
# either refused (the destination was the symlink: /proc) or its bind is
# read-only; the host file never changes.
# Measured with husk 0.1.1 on the 2-CPU host (a round takes ~16 ms): B
# overwrote the host file in 11, 15 and 5 of 60 rounds (three runs), 29 and
# 70 of 300 (10-25 %; the rest: ~50 % refused, the destination being the
# symlink to /proc; ~35 % read-only). At 10 % a loss, 100 rounds all won by
# chance is 0.9^100 = 3e-5; 100 rounds take ~2 s here. In the VM (HUSK_VM,
# TCG ~5x slower) 30 rounds. SP_F5_ROUNDS overrides both.
t_sec_proc_f5_rename_race_ro_bind() {
	rounds=${SP_F5_ROUNDS:-100}
	[ -z "${HUSK_VM:-}" ] || rounds=${SP_F5_ROUNDS:-30}
	mkdir -p "$TD/vol/sw"
	: >"$TD/vol/sw/f"
	ln -s /proc "$TD/vol/sw/l"
	echo original >"$TD/hostfile"
	# A: the swapper
	C_MOUNTS_EXTRA=$(mnt /vol bind "$TD/vol" rbind rw)
	args probe swap /vol/sw/f /vol/sw/l 50
	mkbundle "$TD/a"
	expect_ok h run -d -b "$TD/a" "$ID"
	# B: the victim's config, with a read-only bind of the host file
	C_MOUNTS_EXTRA="$(mnt /vol bind "$TD/vol" rbind rw), $(mnt /vol/sw/f bind "$TD/hostfile" bind ro)"
	args sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do probe write /vol/sw/f write /vol/sw/l; done 2>/dev/null
		grep -E " /proc | /vol/sw/[fl] " /proc/self/mountinfo | cut -d" " -f5,6'
	mkbundle
	i=0 lost=0 refused=0 ro=0 how=""
	while [ $i -lt $rounds ]; do
		i=$((i + 1))
		hx h run -b "$B" "${ID}b"
		if [ "$(cat "$TD/hostfile")" != original ]; then
			lost=$((lost + 1))
			[ -n "$how" ] || how="round $i: husk exit $RC, B wrote the host file; B's mounts: $(grep '^/' "$TD/out" | tr '\n' ';') $(grep ': ok' "$TD/out" | sort -u | tr '\n' ';')"
			echo original >"$TD/hostfile"
		elif [ "$RC" = 1 ] && [ "$(wc -l <"$TD/err")" = 1 ] && grep -q '^husk: ' "$TD/err"; then
			refused=$((refused + 1))
		elif [ "$RC" = 0 ]; then
			ro=$((ro + 1))
		else
			h delete -f "${ID}b" </dev/null >/dev/null 2>&1
			fail "round $i: B neither ran nor was refused in one line: exit $RC, stderr: $(cat "$TD/err")"
		fi
		h delete -f "${ID}b" </dev/null >/dev/null 2>&1
	done
	expect_ok h delete -f "$ID"
	echo "F5: $rounds rounds: $lost lost, $refused refused, $ro read-only" >&2
	[ "$lost" = 0 ] || fail "B overwrote the host file through its read-only bind in $lost of $rounds rounds ($refused refused, $ro read-only); first: $how"
	expect_eq original "$(cat "$TD/hostfile")" "the host file"
	assert_clean "$ID"
}
