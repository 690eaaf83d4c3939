# t-security.sh: attacks on husk's defences (README "Security"), one per
# known runtime CVE class; each checks that the defence holds, not just
# that a command ran.

# sec_rootfs: a writable copy of the test rootfs at $B/rootfs, for images
# that carry the attacker's symlinks.
sec_rootfs() {
	mkdir -p "$B"
	cp -a "$ROOTFS" "$B/rootfs"
	C_ROOT='"path": "rootfs", "readonly": false'
}

# sec_husk_copy: run this test's husk from a copy in $TD, so that an attack
# that overwrites the binary hurts only the copy. Sets SUM0, its checksum.
# Skips when $HUSK is a wrapper script (the older-kernel suite): the copy
# would be the script, and the attack would hit the real binary.
sec_husk_copy() {
	head -c 4 "$HUSK" | grep -q ELF || skip "$HUSK is not the binary itself (a wrapper?): the attack would hit the real one"
	HUSK0=$HUSK
	cp "$HUSK" "$TD/husk"
	HUSK=$TD/husk
	SUM0=$(md5sum <"$HUSK")
	[ -n "$SUM0" ] || fail "md5sum failed"
}

# sec_expect_ok_or_refused CMD...: CMD exits 0, or 1 with a husk: message.
sec_expect_ok_or_refused() {
	hx "$@"
	[ "$RC" = 0 ] && return 0
	[ "$RC" = 1 ] || fail "expected exit 0 or 1 from: $*
got exit $RC, stderr: $(cat "$TD/err")"
	expect_match '^husk: ' "$(cat "$TD/err")" "stderr of a refused $*"
}

# ---- CVE-2019-5736: the host's husk binary ---------------------------------------

# exec_opened_or_ended PID LOG: the exec PID ended, or the attacker logged
# that it opened an exe.
exec_opened_or_ended() {
	gone "$1" || grep -q '^opened' "$2" 2>/dev/null
}

# run_until_ready: the container of $C_ARGS, detached, once it has made
# /tmp/ready; $r is its root seen from the host.
run_until_ready() {
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	r=/proc/$(st "$ID" pid)/root
	wait_file "$r/tmp/ready"
}

# The classic exploit. The attacker, the container's init, links /tmp/evil
# to /proc/self/exe (a replaced image binary or a "#!/proc/self/exe" script
# works the same) and waits for the host to `husk exec` it: the exec'd
# husk child then execve's the host's husk binary inside the container,
# dumpable again after execve. The attacker opens its /proc/PID/exe, lets it
# finish (it blocks on a FIFO as its config.json so the race is
# deterministic), and once no husk runs any more, writes through the fd.
# The host's binary must stay intact, and no fd to it may be handed out.
t_sec_exe_overwrite() {
	sec_husk_copy
	args sh -c '
ln -s /proc/self/exe /tmp/evil; mkdir /tmp/b; mkfifo /tmp/b/config.json; echo ready >/tmp/ready
while :; do
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = 1 ] && continue
		t=$(readlink "$p/exe" 2>/dev/null) || continue
		case $t in /bin/busybox | /bin/probe | "") continue ;; esac
		command exec 3<"$p/exe" 2>/dev/null || continue
		echo "opened ${p#/proc/} $t $(stat -L -c "%d %i" /proc/self/fd/3)" >>/tmp/log
		echo "{" >/tmp/b/config.json
		i=0
		while [ $i -lt 100 ]; do
			printf PWNED 1<>/proc/self/fd/3 2>/dev/null && { echo wrote >>/tmp/log; break; }
			i=$((i + 1))
			sleep 0.1
		done
		echo done >>/tmp/log
		exec sleep 1000
	done
done'
	run_until_ready
	h exec "$ID" /tmp/evil --root /tmp/r run -b /tmp/b x </dev/null >"$TD/out" 2>"$TD/err" &
	epid=$!
	poll exec_opened_or_ended "$epid" "$r/tmp/log"
	printf '{' 1<>"$r/tmp/b/config.json" # unblock it when the attacker did not
	wait $epid
	! grep -q '^opened' "$r/tmp/log" 2>/dev/null || poll grep -q '^done' "$r/tmp/log"
	log=$(cat "$r/tmp/log" 2>/dev/null)
	sum=$(md5sum <"$HUSK")
	HUSK=$HUSK0 expect_ok h delete -f "$ID"
	expect_eq "$SUM0" "$sum" "the host's husk binary after the attack (log: $log)"
	hi=$(stat -c '%d %i' "$HUSK")
	case $log in *" $hi"*) fail "the container opened the host's husk binary ($hi): $log" ;; esac
	assert_clean "$ID"
}

# The init of a created container is husk, blocked on exec.sock: a process
# exec'd into it must not open, read or ptrace-inspect it.
t_sec_exe_created_init() {
	sec_husk_copy
	args sleep 1000
	mkbundle
	expect_ok h create -b "$B" "$ID"
	init=$(st "$ID" pid)
	# husk on a writable filesystem runs from a sealed copy (README, Security)
	case $(readlink /proc/"$init"/exe) in
	"$HUSK" | "/memfd:husk (deleted)" | "/${HUSK##*/}") ;; # the last: its private overlay
	*) fail "the created init's exe: $(readlink /proc/"$init"/exe)" ;;
	esac
	expect_ok h exec "$ID" sh -c '
		readlink /proc/$$/exe >/dev/null 2>&1 && echo "control: ok"
		readlink /proc/1/exe >/dev/null 2>&1 && echo "readlink: yes"
		(exec 3</proc/1/exe) 2>/dev/null && echo "open exe: yes"
		(exec 3</proc/1/environ) 2>/dev/null && echo "open environ: yes"
		(exec 3</proc/1/mem) 2>/dev/null && echo "open mem: yes"
		readlink /proc/1/fd/0 >/dev/null 2>&1 && echo "readlink fd: yes"
		readlink /proc/1/cwd >/dev/null 2>&1 && echo "readlink cwd: yes"
		ls /proc/1/root/ >/dev/null 2>&1 && echo "list root: yes"
		echo checked'
	expect_line checked
	expect_line "control: ok"
	[ "$(grep -c ': yes' "$TD/out")" = 0 ] || fail "the created init (husk) is open to the container: $(cat "$TD/out")"
	expect_eq created "$(st "$ID" status)" status
	expect_ok h delete -f "$ID"
	expect_eq "$SUM0" "$(md5sum <"$HUSK")" "the husk binary"
	assert_clean "$ID"
}

# The window: a container process scans /proc for anything it can open as an
# exe that is not its own busybox/probe, while the host runs `husk exec`
# over and over. Every exec'd husk must be non-dumpable until its execve.
t_sec_exe_exec_window() {
	sec_husk_copy
	args sh -c 'echo ready >/tmp/ready
while :; do
	for p in /proc/[0-9]*; do
		case ${p#/proc/} in 1 | $$) continue ;; esac
		s=$( (exec 3<"$p/exe" && stat -L -c "%d %i" /proc/self/fd/3) 2>/dev/null) &&
			echo "$s ${p#/proc/}" >>/tmp/log
		grep -qsz HUSK_TEST_MARK "$p/environ" && echo "environ ${p#/proc/}" >>/tmp/log
	done
done'
	run_until_ready
	expect_ok h exec -d "$ID" sleep 1000 # the control: this one it must open
	i=0
	while [ $i -lt 40 ]; do
		expect_ok h exec "$ID" true
		expect_ok h exec -e X=1 "$ID" /bin/probe pid
		i=$((i + 1))
	done
	hi=$(stat -c '%d %i' "$HUSK")
	poll grep -qF "$(stat -L -c '%d %i' "$ROOTFS/bin/busybox") " "$r/tmp/log"
	log=$(cat "$r/tmp/log" 2>/dev/null)
	expect_ok h delete -f "$ID"
	case $log in *"$hi "*) fail "a container process opened husk's exe ($hi) during an exec: $log" ;; esac
	case $log in *"$(stat -L -c '%d %i' "$ROOTFS/bin/busybox") "*) ;;
	*) fail "the control failed: the attacker never opened the exec'd sleep's exe: $log" ;; esac
	assert_clean "$ID"
}

# ---- issue 19: the three ways husk runs (overlay, memfd, read-only) ---------------

# sec_has_overlayfs: this kernel has overlayfs (loaded now if a module).
sec_has_overlayfs() {
	grep -qw overlay /proc/filesystems || modprobe -q overlay 2>/dev/null
	grep -qw overlay /proc/filesystems
}

# sec_seal_husk MODE: this test's husk, a copy in $TD/bin, run so that it
# seals itself the MODE way: overlay (a writable filesystem: the default),
# memfd (build/nosys hides fsopen, as Linux < 5.2 or a seccomp profile that
# denies the new mount API does; without build/nosys, a kernel without
# overlayfs), readonly ($TD/bin bound read-only: no seal, as on a board). Sets HUSK (a wrapper when under nosys), HUSK0, SUM0 (the
# copy's checksum), SEAL_LINE (what --debug says) and SEAL_FS (the
# filesystem type, hex, that /proc/PID/exe of a husk process is then on).
sec_seal_husk() {
	_real=$(husk_elf) _nosys=
	if [ "$_real" != "$HUSK" ]; then # build/husk-oldkernel: exec nosys husk "$@"
		head -c 4 "$_real" 2>/dev/null | grep -q ELF || skip "$HUSK is neither husk nor build/husk-oldkernel"
		_nosys=$(dirname "$ROOTFS")/nosys
	fi
	mkdir -p "$TD/bin"
	cp "$_real" "$TD/bin/husk"
	SUM0=$(md5sum <"$TD/bin/husk")
	HUSK0=$HUSK
	SEAL_RO=
	_env=
	case $1 in
	overlay)
		[ -z "$_nosys" ] || [ "${NOSYS_KERNEL:-}" = 5.2 ] || skip "emulating a kernel without fsopen: the memfd case covers it"
		sec_has_overlayfs || skip "no overlayfs in this kernel: husk takes the memfd copy (the memfd case)"
		SEAL_LINE="husk runs from a private read-only overlay of its directory" SEAL_FS=794c7630 ;;
	memfd)
		SEAL_LINE="husk runs from a sealed memfd copy: no overlay (fsopen: Function not implemented)" SEAL_FS=1021994
		if [ -x "$(dirname "$ROOTFS")/nosys" ]; then
			_nosys=$(dirname "$ROOTFS")/nosys _env="NOSYS_KERNEL= "
		elif [ -z "$_nosys" ] && ! sec_has_overlayfs; then
			SEAL_LINE="husk runs from a sealed memfd copy: no overlay (fsopen: No such device)"
		else
			skip "no build/nosys (test/rootfs.sh builds it)"
		fi ;;
	readonly)
		SEAL_FS=$(stat -f -c %t "$TD/bin")
		mount --bind "$TD/bin" "$TD/bin" && SEAL_RO=1 && mount -o remount,bind,ro "$TD/bin" || {
			[ -z "$SEAL_RO" ] || umount "$TD/bin"
			skip "cannot bind $TD/bin read-only"
		}
		SEAL_LINE="husk is on a read-only filesystem: runs as it is, unsealed" ;;
	esac
	HUSK=$TD/bin/husk
	[ -z "$_nosys" ] && return 0
	printf '#!/bin/sh\n%sexec "%s" "%s" "$@"\n' "$_env" "$_nosys" "$HUSK" >"$TD/husk-nosys"
	chmod +x "$TD/husk-nosys"
	HUSK=$TD/husk-nosys
}

# sec_seal_said WHAT: WHAT --debug said $SEAL_LINE (in $TD/err).
sec_seal_said() {
	grep -qF "husk: debug: $SEAL_LINE" "$TD/err" || fail "$1 --debug did not say \"$SEAL_LINE\": $(cat "$TD/err")"
}

# sec_static_husk: skip unless $HUSK can run inside the container (the
# attacks need that): a dynamic one (husk-asan) finds no loader there.
sec_static_husk() {
	! head -c 4096 "$HUSK" | grep -aq 'ld-linux' ||
		skip "$HUSK is dynamically linked: it cannot run inside the container"
}

# sec_seal_end: the copy is intact, and no longer mounted read-only.
sec_seal_end() {
	sum=$(md5sum <"$TD/bin/husk")
	[ -z "$SEAL_RO" ] || umount "$TD/bin" || fail "umount $TD/bin"
	expect_eq "$SUM0" "$sum" "the host's husk binary after the attack (log: $log)"
}

# sec_seal_log_check: the attacker of the last attack opened a husk whose
# exe was on the filesystem the mode gives ($SEAL_FS), and wrote nothing.
sec_seal_log_check() {
	case $log in *"opened "*" $SEAL_FS"*) ;;
	*) fail "the attacker never opened a husk on the $SEAL_FS filesystem (the attack was not tried): $log" ;; esac
	case $log in *wrote*) fail "the attacker wrote through husk's exe: $log" ;; esac
	case $log in *done*) ;; *) fail "the attacker did not finish: $log" ;; esac
}

# SEC_SEAL_ATTACK: the attacker's loop (t_sec_exe_overwrite's), on pid $1
# only, or on any process but 1 and its own: it opens the exe, logs it with
# its filesystem type, lets the husk go (a FIFO is its config.json), waits
# for it to end (writing a running binary is refused anyway) and tries to
# write through the fd for 10 s.
SEC_SEAL_ATTACK='
while :; do
	for p in ${1:-/proc/[0-9]*}; do
		case ${p#/proc/} in 1 | $$) [ -n "$1" ] || continue ;; esac
		t=$(readlink "$p/exe" 2>/dev/null) || continue
		case $t in /bin/busybox | /bin/probe | "") continue ;; esac
		command exec 3<"$p/exe" 2>/dev/null || continue
		echo "opened ${p#/proc/} $t $(stat -f -L -c %t /proc/self/fd/3)" >>/tmp/log
		echo "{" >"${2:-/tmp/b/config.json}"
		while [ -e "$p" ] && ! grep -q "^State:.*Z" "$p/status" 2>/dev/null; do sleep 0.05; done
		i=0
		while [ $i -lt 100 ]; do
			printf PWNED 1<>/proc/self/fd/3 2>/dev/null && { echo wrote >>/tmp/log; break; }
			i=$((i + 1))
			sleep 0.1
		done
		echo done >>/tmp/log
		exec sleep 1000
	done
done'

# sec_seal_exec MODE: t_sec_exe_overwrite against husk sealed the MODE way:
# `husk exec` of /tmp/evil -> /proc/self/exe runs husk inside the container;
# the init opens that husk's exe and writes through it once it ended.
sec_seal_exec() {
	sec_static_husk
	sec_seal_husk "$1"
	args sh -c 'ln -s /proc/self/exe /tmp/evil; mkdir /tmp/b; mkfifo /tmp/b/config.json; echo ready >/tmp/ready
'"$SEC_SEAL_ATTACK"
	mkbundle
	expect_ok h --debug run -d -b "$B" "$ID"
	sec_seal_said run
	r=/proc/$(st "$ID" pid)/root
	wait_file "$r/tmp/ready"
	h --debug exec "$ID" /tmp/evil --root /tmp/r run -b /tmp/b x </dev/null >"$TD/out" 2>"$TD/err" &
	epid=$!
	poll exec_opened_or_ended "$epid" "$r/tmp/log"
	printf '{' 1<>"$r/tmp/b/config.json" # unblock it when the attacker did not
	wait $epid
	sec_seal_said exec
	poll grep -q '^done' "$r/tmp/log"
	log=$(cat "$r/tmp/log" 2>/dev/null)
	HUSK=$HUSK0 expect_ok h delete -f "$ID"
	sec_seal_end
	sec_seal_log_check
	assert_clean "$ID"
}

# sec_seal_run MODE: the init's own program is /proc/self/exe (as a replaced
# image binary or a "#!/proc/self/exe" script make it): the init execs the
# husk it runs from, as `husk state`, which seals nothing and waits on a FIFO
# state.json; a process exec'd into the container opens that husk's exe and
# writes through it once it ended. No pid namespace, so that the attacker
# outlives the init; it attacks that one pid only.
sec_seal_run() {
	mkdir -p -m 0700 "$TD/tmp/r/x"
	mkfifo "$TD/tmp/r/x/state.json"
	sec_static_husk
	sec_seal_husk "$1"
	args /proc/self/exe --root /tmp/r state x
	C_NS=$(ns ipc uts mount network)
	C_MOUNTS_EXTRA=$(mnt /tmp bind "$TD/tmp" bind) # over the tmpfs: the FIFO is there from the start
	mkbundle
	expect_ok h --debug run -d -b "$B" "$ID"
	sec_seal_said run
	pid=$(st "$ID" pid)
	expect_ok h exec -d "$ID" sh -c "$SEC_SEAL_ATTACK" sh "/proc/$pid" /tmp/r/x/state.json
	poll grep -q '^done' "$TD/tmp/log"
	log=$(cat "$TD/tmp/log" 2>/dev/null)
	HUSK=$HUSK0 expect_ok h delete -f "$ID"
	sec_seal_end
	sec_seal_log_check
	assert_clean "$ID"
}

t_sec_seal_overlay_exec() { sec_seal_exec overlay; }
t_sec_seal_memfd_exec() { sec_seal_exec memfd; }
t_sec_seal_readonly_exec() { sec_seal_exec readonly; }
t_sec_seal_overlay_run() { sec_seal_run overlay; }
t_sec_seal_memfd_run() { sec_seal_run memfd; }
t_sec_seal_readonly_run() { sec_seal_run readonly; }

# sec_has_pid: $ID's state has its init's pid (0 while it is being made).
sec_has_pid() {
	_p=$(st "$ID" pid)
	[ -n "$_p" ] && [ "$_p" != 0 ]
}

# Nothing of the seal outlives its use: while a foreground `husk run` waits
# for its container, the mount its exe is on (the private overlay) is in no
# process's mountinfo, and neither it nor the memfd copy is open as an fd in
# husk or in the container; after the run, no husk process is left on it.
sec_seal_nothing_left() {
	sec_seal_husk "$1"
	args sh -c 'echo ready >/tmp/ready; while ! [ -e /tmp/go ]; do sleep 0.05; done'
	mkbundle
	h run -b "$B" "$ID" </dev/null >"$TD/out" 2>"$TD/err" &
	rpid=$!
	wait_for "the container to start" sec_has_pid
	cpid=$(st "$ID" pid)
	wait_file "/proc/$cpid/root/tmp/ready"
	hp=$(awk '{print $4}' "/proc/$cpid/stat") # husk run, waiting for its init
	expect_eq "$SEAL_FS" "$(stat -f -L -c %t "/proc/$hp/exe")" "the filesystem husk's exe is on"
	mnt=$( (exec 3<"/proc/$hp/exe" && sed -n 's/^mnt_id:[[:space:]]*//p' /proc/self/fdinfo/3))
	[ -n "$mnt" ] || fail "no mnt_id for husk's exe"
	if [ "$1" != readonly ]; then
		for m in /proc/[0-9]*/mountinfo; do
			grep -q "^$mnt " "$m" 2>/dev/null && fail "the seal's mount $mnt is attached: $m: $(grep "^$mnt " "$m")"
		done
	fi
	for p in $hp $cpid; do
		for f in /proc/$p/fd/*; do
			l=$(readlink "$f") || continue
			case $l in *memfd:husk*) fail "pid $p holds the memfd copy: $f -> $l" ;; esac
			n=${f##*/}
			m=$(sed -n 's/^mnt_id:[[:space:]]*//p' "/proc/$p/fdinfo/$n" 2>/dev/null)
			[ "$1" = readonly ] || [ "$m" != "$mnt" ] || fail "pid $p holds an fd on the seal's mount: $f -> $l"
			[ "$(stat -L -c '%d %i' "$f")" != "$(stat -L -c '%d %i' "/proc/$hp/exe")" ] || fail "pid $p holds husk's exe open: $f -> $l"
		done
	done
	touch "/proc/$cpid/root/tmp/go"
	wait $rpid || fail "husk run: exit $?: $(cat "$TD/err")"
	for p in $(marked_pids); do
		case $(readlink "/proc/$p/exe") in /husk | *memfd:husk* | "$TD/bin/husk") fail "a husk process is left: $p" ;; esac
	done
	log=
	sec_seal_end
	assert_clean "$ID"
}

t_sec_seal_overlay_nothing_left() { sec_seal_nothing_left overlay; }
t_sec_seal_memfd_nothing_left() { sec_seal_nothing_left memfd; }

# ---- CVE-2024-21626: leaked fds, process.cwd = /proc/self/fd/N --------------------

# sec_open_fds: fds 3..9 open in this shell, none close-on-exec: files,
# a directory of the host, the host's root.
sec_open_fds() {
	echo secret >"$TD/secret"
	mkdir -p "$TD/hostdir"
	exec 3<"$TD/secret" 4>>"$TD/secret" 5<"$TD/hostdir" 6</ 7<"$HUSK" 8<"$TD/secret" 9</proc
}

sec_close_fds() {
	exec 3<&- 4>&- 5<&- 6<&- 7<&- 8<&- 9<&-
}

t_sec_fd_leak_run() {
	sec_open_fds
	run_probe fds
	expect_eq "0 1 2" "$(sed -n 's/^\([0-9]*\): .*/\1/p' "$TD/out" | sort -n | tr '\n' ' ' | sed 's/ $//')" \
		"fds in the container (caller had 3..9 open): $(cat "$TD/out")"
	# --preserve-fds 2: exactly 3 and 4 get in.
	expect_ok h run --preserve-fds 2 -b "$B" "$ID"
	expect_eq "0 1 2 3 4" "$(sed -n 's/^\([0-9]*\): .*/\1/p' "$TD/out" | sort -n | tr '\n' ' ' | sed 's/ $//')" \
		"fds with --preserve-fds 2: $(cat "$TD/out")"
	# the same through create + start
	args probe fds
	mkbundle
	h create -b "$B" "$ID" </dev/null >"$TD/cout" 2>"$TD/err" || fail "create: $(cat "$TD/err")"
	sec_close_fds
	expect_ok h start "$ID"
	wait_status "$ID" stopped
	expect_eq "0 1 2" "$(sed -n 's/^\([0-9]*\): .*/\1/p' "$TD/cout" | sort -n | tr '\n' ' ' | sed 's/ $//')" \
		"fds after create + start: $(cat "$TD/cout")"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

t_sec_fd_leak_exec() {
	args sleep 1000
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	sec_open_fds
	expect_ok h exec "$ID" probe fds
	expect_eq "0 1 2" "$(sed -n 's/^\([0-9]*\): .*/\1/p' "$TD/out" | sort -n | tr '\n' ' ' | sed 's/ $//')" \
		"fds in an exec'd process: $(cat "$TD/out")"
	expect_ok h exec --preserve-fds 1 "$ID" probe fds
	expect_eq "0 1 2 3" "$(sed -n 's/^\([0-9]*\): .*/\1/p' "$TD/out" | sort -n | tr '\n' ' ' | sed 's/ $//')" \
		"fds with exec --preserve-fds 1: $(cat "$TD/out")"
	sec_close_fds
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# sec_cwd_contained WHAT: the last run/exec either refused the cwd, or the
# program started with a cwd inside the container (getcwd gives a path).
sec_cwd_contained() {
	if [ "$RC" = 0 ]; then
		c=$(line cwd)
		case $c in /*) ;; *) fail "$1: the program started outside the root: cwd '$c'" ;; esac
		[ -z "$(line "data ./secret")" ] || fail "$1: read the host's file through the cwd"
	else
		expect_match '^husk: .*(cwd|chdir)' "$(cat "$TD/err")" "$1 refused"
	fi
}

t_sec_cwd_proc_fd() {
	sec_open_fds
	for n in 3 4 5 6 7 8 9 10 11 12 13 14 15; do
		C_CWD=/proc/self/fd/$n
		args probe cwd read ./secret
		mkbundle
		hx h run -b "$B" "$ID"
		sec_cwd_contained "process.cwd $C_CWD"
		hx h run --preserve-fds 7 -b "$B" "$ID"
		sec_cwd_contained "process.cwd $C_CWD with --preserve-fds 7"
	done
	C_CWD=/
	args sleep 1000
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	for n in 3 4 5 6 7 8 9 10 11 12 13 14 15; do
		hx h exec --cwd "/proc/self/fd/$n" "$ID" probe cwd read ./secret
		sec_cwd_contained "exec --cwd /proc/self/fd/$n"
		hx h exec --preserve-fds 7 --cwd "/proc/self/fd/$n" "$ID" probe cwd read ./secret
		sec_cwd_contained "exec --preserve-fds 7 --cwd /proc/self/fd/$n"
	done
	sec_close_fds
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# husk's own cwd check (chdir + getcwd) runs before the container's
# seccomp filter, also when noNewPrivileges is false (the filter is then
# loaded before the user switch): a profile that denies getcwd is the
# container's business, not a reason for create or exec to fail.
t_sec_cwd_check_before_filter() {
	C_NNP=false
	C_CWD=/tmp
	C_LINUX='"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO"}]},'
	args sleep 1000
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	poll h exec "$ID" true </dev/null >/dev/null 2>&1
	expect_ok h exec --cwd /tmp "$ID" probe cwd
	expect_line "cwd: EPERM"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# ---- CVE-2021-30465 and friends: symlinks in the image ----------------------------

# Mount destinations through symlinks that point out of the rootfs, and
# with "..": everything lands inside; the host's dir stays empty and
# unmounted ($TD is rbound at /seen last: a mount that landed on the host's
# $TD/outside in the container's namespace would show as /seen/outside...).
t_sec_mount_dest_symlinks() {
	sec_rootfs
	mkdir -p "$TD/outside"
	echo filedata >"$TD/file"
	ln -s / "$B/rootfs/abs"
	ln -s ../../../../../../../.. "$B/rootfs/rel"
	ln -s "$TD/outside" "$B/rootfs/out"
	ln -s /etc "$B/rootfs/etclink"
	C_MOUNTS_EXTRA="$(mnt /abs/mnt tmpfs tmpfs size=1m),
		$(mnt /rel/opt tmpfs tmpfs size=1m),
		$(mnt /out/newdir tmpfs tmpfs size=1m),
		$(mnt /out/newfile bind "$TD/file" bind ro),
		$(mnt /rel/$TD/outside/relfile bind "$TD/file" bind ro),
		$(mnt /../../../..$TD/outside/dotdot tmpfs tmpfs size=1m),
		$(mnt /etclink/sub tmpfs tmpfs size=1m),
		$(mnt /seen bind "$TD" rbind)"
	run_probe mounts
	[ -z "$(ls -A "$TD/outside")" ] || fail "husk created on the host: $(ls -A "$TD/outside")"
	grep '^/seen/outside' "$TD/out" && fail "a mount landed on the host's $TD/outside: $(grep '^/seen/outside' "$TD/out")"
	# (the absolute symlink to $TD/outside resolves in the root: those mounts
	# show inside as $TD/outside/..., on the rootfs's own directories)
	expect_match '^/mnt: tmpfs' "$(grep '^/mnt: ' "$TD/out")" "/abs/mnt lands on /mnt"
	expect_match '^/opt: tmpfs' "$(grep '^/opt: ' "$TD/out")" "/rel/opt lands on /opt"
	[ ! -e /etc/sub ] || fail "created /etc/sub on the host"
	assert_clean "$ID"
}

# A masked or read-only path that is a symlink to a host path: the mask
# stays in the container; the host's file keeps its content and stays
# writable (seen through the /seen bind, and from the host).
t_sec_masked_symlink() {
	sec_rootfs
	mkdir -p "$TD/outside"
	echo secret >"$TD/outside/secret"
	ln -s "$TD/outside/secret" "$B/rootfs/evil"
	ln -s "$TD/outside" "$B/rootfs/evildir"
	ln -s ../../../../../../..$TD/outside/secret "$B/rootfs/evilrel"
	C_MOUNTS_EXTRA=$(mnt /seen bind "$TD" rbind)
	C_LINUX='"maskedPaths": ["/evil", "/evilrel", "/evildir/secret"], "readonlyPaths": ["/evildir", "/seen/outside/../../.."],'
	run_probe read /seen/outside/secret write /seen/outside/w mounts
	expect_line "data /seen/outside/secret: secret"
	expect_line "write /seen/outside/w: ok"
	expect_eq secret "$(cat "$TD/outside/secret")" "the host's file"
	touch "$TD/outside/x" || fail "the host dir became read-only"
	assert_clean "$ID"
}

# linux.devices whose path leads out of the rootfs through a symlink: no
# node appears on the host.
t_sec_device_symlink() {
	sec_rootfs
	mkdir -p "$TD/outside"
	ln -s "$TD/outside" "$B/rootfs/out"
	C_LINUX='"devices": [
		{"path": "/out/null2", "type": "c", "major": 1, "minor": 3},
		{"path": "/dev/../out/null3", "type": "c", "major": 1, "minor": 3},
		{"path": "/dev/../../../../../..'"$TD"'/outside/null4", "type": "c", "major": 1, "minor": 3}],'
	args probe pid
	mkbundle
	sec_expect_ok_or_refused h run -b "$B" "$ID"
	[ -z "$(ls -A "$TD/outside")" ] || fail "a device node was made on the host: $(ls -lA "$TD/outside")"
	assert_clean "$ID"
}

# An image whose /proc, /dev or /sys is a symlink out (to /, to a host dir,
# relative with ".."): refused or contained; no node made and nothing
# mounted in the host's dirs. One symlink at a time, so each is reached.
# sec_special DIR TARGET: make rootfs/DIR a symlink to TARGET, run, check, undo.
sec_special() {
	rm -rf "${B:?}/rootfs/$1"
	ln -s "$2" "$B/rootfs/$1"
	mkbundle
	sec_expect_ok_or_refused h run -b "$B" "$ID"
	for d in hostdev hostsys hostproc; do
		[ -z "$(ls -A "$TD/$d")" ] || fail "/$1 -> $2: made in the host's $d: $(ls -A "$TD/$d")"
		grep -qF " $TD/$d" /proc/self/mountinfo && fail "/$1 -> $2: mounted on the host's $d"
	done
	rm "$B/rootfs/$1"
	mkdir "$B/rootfs/$1"
}

t_sec_special_dir_symlinks() {
	sec_rootfs
	mkdir -p "$TD/hostdev" "$TD/hostsys" "$TD/hostproc"
	args probe mounts
	sec_special dev "$TD/hostdev"
	sec_special dev ../../../../../../..$TD/hostdev
	sec_special sys ../../../../../../..$TD/hostsys
	sec_special sys /
	sec_special proc /
	sec_special proc "$TD/hostproc"
	# /dev not mounted by the config: the default devices go into the image's /dev.
	C_MOUNTS='{"destination": "/proc", "type": "proc", "source": "proc"}'
	sec_special dev "$TD/hostdev"
	sec_special dev /
	[ ! -e /null ] && [ ! -e /ptmx ] || fail "default devices made in the host's /"
	assert_clean "$ID"
}

# ---- masked and read-only paths from inside -----------------------------------------

t_sec_masked_paths_hold() {
	[ -e /proc/keys ] && [ -e /proc/timer_list ] || skip "no /proc/keys or /proc/timer_list to mask"
	C_LINUX='"maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware", "/proc/scsi"],
		"readonlyPaths": ["/proc/sys", "/proc/sysrq-trigger", "/proc/bus"],'
	args sh -c '
		probe read /proc/keys read /proc/timer_list
		echo "firmware: $(ls -A /sys/firmware | wc -l)"
		umount /proc/keys 2>/dev/null && echo "umount keys: yes"
		umount -l /proc/timer_list 2>/dev/null && echo "umount -l timer_list: yes"
		umount /sys/firmware 2>/dev/null && echo "umount firmware: yes"
		umount /proc/sys 2>/dev/null && echo "umount sys: yes"
		mount -o remount,rw /proc/sys 2>/dev/null && echo "remount sys: yes"
		mount -o remount,bind,rw /proc/sys 2>/dev/null && echo "remount bind sys: yes"
		mount -t proc proc /mnt 2>/dev/null && echo "new proc: yes"
		echo x 2>/dev/null >/proc/keys # the null device: writes vanish
		rm -f /proc/keys 2>/dev/null; [ -e /proc/keys ] || echo "rm keys: yes"
		echo 1 2>/dev/null >/proc/sys/kernel/domainname && echo "write sys: yes"
		echo h 2>/dev/null >/proc/sysrq-trigger && echo "sysrq: yes"
		probe read /proc/keys write /proc/sys/kernel/hostname
		echo checked'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_line checked
	expect_line "read /proc/keys: ok 0 bytes"
	expect_line "read /proc/timer_list: ok 0 bytes"
	expect_line "firmware: 0"
	expect_line "write /proc/sys/kernel/hostname: EROFS"
	[ "$(grep -c ': yes' "$TD/out")" = 0 ] || fail "a mask or read-only path gave way: $(grep ': yes' "$TD/out")"
	assert_clean "$ID"
}

# ---- capabilities --------------------------------------------------------------------

t_sec_unknown_capability() {
	C_CAPS='{"bounding": ["CAP_KILL", "CAP_NOPE", "CAP_SYS_EVERYTHING"],
		"effective": ["CAP_KILL", "CAP_NOPE"], "permitted": ["CAP_KILL", "CAP_NOPE"],
		"inheritable": ["CAP_NOPE"], "ambient": ["CAP_NOPE"]}'
	run_probe caps
	expect_match 'CAP_NOPE' "$(cat "$TD/err")" "a warning for the unknown capability"
	expect_line "CapBnd: 0000000000000020"
	expect_line "CapEff: 0000000000000020"
	expect_line "CapPrm: 0000000000000020"
	expect_line "CapInh: 0000000000000000"
	expect_line "CapAmb: 0000000000000000"
	# and through exec --cap
	args sleep 1000
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	hx h exec -c CAP_NOPE "$ID" probe caps
	if [ "$RC" = 0 ]; then
		expect_eq 0000000000000020 "$(line CapEff)" "CapEff after exec -c CAP_NOPE"
	fi
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# ---- the state dir -------------------------------------------------------------------

t_sec_state_private() {
	args sleep 1000
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	expect_eq 700 "$(stat -c %a "$ROOT")" "mode of --root"
	find "$ROOT/$ID" -type f | while read -r f; do
		m=$(stat -c %a "$f")
		[ $((0$m & 077)) = 0 ] || fail "$f: mode $m, readable by others"
	done || exit 1
	find "$ROOT/$ID" -type d | while read -r f; do
		m=$(stat -c %a "$f")
		[ $((0$m & 022)) = 0 ] || fail "$f: mode $m, writable by others"
	done || exit 1
	# another user cannot read it (when su/setpriv can switch)
	if command -v setpriv >/dev/null 2>&1; then
		setpriv --reuid 65534 --regid 65534 --clear-groups cat "$ROOT/$ID/state.json" >/dev/null 2>&1 &&
			fail "user 65534 read state.json"
	fi
	expect_ok h exec "$ID" sh -c "ls -d '$ROOT' '$TD' '$B' 2>/dev/null; ls -d / >/dev/null; echo checked"
	expect_eq checked "$(cat "$TD/out")" "host paths visible inside"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# ---- the runtime is out of the container's reach -------------------------------------

# During `husk exec`, the only processes in the container's pid namespace are
# the init and the exec'd one: the host's husk is not there to signal. Killing
# everything visible leaves husk exec to report the status.
t_sec_runtime_invisible() {
	C_CAPS='{"bounding": ["CAP_KILL", "CAP_SYS_PTRACE"], "effective": ["CAP_KILL", "CAP_SYS_PTRACE"],
		"permitted": ["CAP_KILL", "CAP_SYS_PTRACE"]}'
	args sleep 1000
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	expect_ok h exec "$ID" sh -c '
		for p in /proc/[0-9]*; do
			n=${p#/proc/}
			[ "$n" = $$ ] && continue
			echo "pid $n: $(tr "\0" " " <"$p/cmdline" 2>/dev/null)"
		done'
	expect_eq "pid 1: sleep 1000 " "$(grep '^pid ' "$TD/out")" "processes visible during exec"
	expect_status 7 h exec "$ID" sh -c '
		for p in /proc/[0-9]*; do n=${p#/proc/}; [ "$n" = $$ ] || kill -9 "$n" 2>/dev/null; done
		kill -9 -1 2>/dev/null; exit 7'
	expect_eq running "$(st "$ID" status)" "status after the exec killed all it could see"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# ---- the chroot fallback (initramfs) and --no-pivot: the chroot escape ---------------

# sec_escape_check: the probe's "escape" lines show the container's own root,
# not the host's (or the initramfs's /husk, /test, /build).
sec_escape_check() {
	grep -q '^escape: /bin$' "$TD/out" || fail "$1: no escape lines: $(cat "$TD/out")"
	for x in husk test build vm-filter init; do
		[ -e "/$x" ] && [ ! -e "$ROOTFS/$x" ] && grep -qx "escape: /$x" "$TD/out" &&
			fail "$1: the chroot escape reached the host's /$x: $(cat "$TD/out")"
	done
	for x in $(ls / | head -n 50); do
		[ -e "$ROOTFS/$x" ] || ! grep -qx "escape: /$x" "$TD/out" ||
			fail "$1: the chroot escape reached the host's /$x: $(cat "$TD/out")"
	done
	return 0
}

t_sec_chroot_escape() {
	C_CAPS='{"bounding": ["CAP_SYS_CHROOT", "CAP_DAC_OVERRIDE", "CAP_SYS_ADMIN"],
		"effective": ["CAP_SYS_CHROOT", "CAP_DAC_OVERRIDE", "CAP_SYS_ADMIN"],
		"permitted": ["CAP_SYS_CHROOT", "CAP_DAC_OVERRIDE", "CAP_SYS_ADMIN"]}'
	args probe escape /tmp/x
	mkbundle
	expect_ok h run -b "$B" "$ID"
	sec_escape_check "run"
	expect_ok h run --no-pivot -b "$B" "$ID"
	sec_escape_check "run --no-pivot"
	args sleep 1000
	mkbundle
	expect_ok h run -d --no-pivot -b "$B" "$ID"
	expect_ok h exec "$ID" probe escape /tmp/y
	sec_escape_check "exec"
	# and /proc/1/root of the init leads back to the same root
	expect_ok h exec "$ID" sh -c 'ls /proc/1/root/ | sed "s|^|escape: /|"'
	sec_escape_check "/proc/1/root"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# ---- husk spec vs runc spec ----------------------------------------------------------

# sec_sig: the security-relevant lines of probe caps + mounts output: the
# capability sets, NoNewPrivs, Seccomp, and each mount as "path: type ro|rw".
# /sys/fs/cgroup is left out: on a hybrid host runc mounts the v1 controllers,
# husk cgroup2 only (v2 only by design); those must all be read-only.
sec_sig() {
	grep -E '^(Cap(Bnd|Eff|Prm|Inh|Amb)|NoNewPrivs|Seccomp): ' "$1" | sort
	grep -E '^/[^:]*: ' "$1" | grep -v '^/sys/fs/cgroup' | awk '{ split($3, o, ","); print $1, $2, o[1] }' | sort
}

t_sec_default_spec_like_runc() {
	command -v runc >/dev/null 2>&1 || skip "runc is not installed (apt-get install runc)"
	[ -z "${HUSK_VM:-}" ] || skip "no runc in the VM"
	new_kernel_only "the wrapper's own seccomp filter and no_new_privs show"
	for who in husk runc; do
		d=$TD/$who
		mkdir -p "$d"
		if [ $who = husk ]; then
			(cd "$d" && h spec) || fail "husk spec"
		else
			(cd "$d" && runc spec) || fail "runc spec"
		fi
		sed -i 's/"terminal": true/"terminal": false/; s/^\([[:space:]]*\)"sh"$/\1"probe", "caps", "mounts"/; s|"path": "rootfs"|"path": "'"$ROOTFS"'"|' "$d/config.json"
		grep -q '"probe", "caps", "mounts"' "$d/config.json" || fail "$who spec: no args line to edit"
	done
	expect_ok h run -b "$TD/husk" "$ID"
	sec_sig "$TD/out" >"$TD/sig.husk"
	rw=$(grep '^/sys/fs/cgroup' "$TD/out" | awk '$3 !~ /^ro/')
	[ -z "$rw" ] || fail "writable cgroup mounts under husk: $rw"
	runc --root "$TD/runc-state" run -b "$TD/runc" "${ID}r" </dev/null >"$TD/out.runc" 2>"$TD/err.runc" ||
		skip "runc cannot run here: $(cat "$TD/err.runc")"
	sec_sig "$TD/out.runc" >"$TD/sig.runc"
	d=$(diff "$TD/sig.runc" "$TD/sig.husk") || fail "husk spec + husk differ from runc spec + runc (< runc, > husk):
$d"
	# runc's config under husk
	expect_ok h run -b "$TD/runc" "${ID}h"
	sec_sig "$TD/out" >"$TD/sig.husk2"
	d=$(diff "$TD/sig.runc" "$TD/sig.husk2") || fail "runc spec under husk differs from runc (< runc, > husk):
$d"
	assert_clean "$ID"
}

# Annotations come from the config (a pod spec may fill them) and are kept
# in state.json: keys named like husk's own fields must not shadow them,
# or delete would kill and remove whatever cgroup they name.
t_sec_annotations_shadow_state() {
	cg=$(cgroup2_dir)
	[ -n "$cg" ] || skip "no cgroup2 mount"
	victim=$cg/husk-victim-$RUNID
	mkdir "$victim" || skip "cannot make a cgroup in $cg"
	sleep 300 &
	vpid=$!
	echo "$vpid" >"$victim/cgroup.procs"
	C_TOP="\"annotations\": {\"husk.cgroup\": \"$victim\", \"husk.cgroup_top\": \"$victim\",
		\"husk.start_time\": \"1\"},"
	args sleep 100
	mkbundle
	hx h create -b "$B" "$ID"
	hx h state "$ID"
	status=$(json_get status <"$TD/out")
	hx h delete --force "$ID"
	deleted=$RC
	alive=no
	kill -0 "$vpid" 2>/dev/null && alive=yes
	there=no
	[ -d "$victim" ] && there=yes
	kill "$vpid" 2>/dev/null
	wait "$vpid" 2>/dev/null
	poll rmdir "$victim" 2>/dev/null
	expect_eq created "$status" "status after create"
	expect_eq 0 "$deleted" "delete --force's exit status"
	expect_eq yes "$alive" "the victim cgroup's process, after delete"
	expect_eq yes "$there" "the victim cgroup, after delete"
	assert_clean "$ID"
}
