# t-exec.sh: `husk exec` and `husk features`.

# A running container to exec into: `sleep 1000` with the default config.
exec_target() {
	args sleep 1000
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
}

t_exec_joins_the_container() {
	exec_target
	expect_ok h exec "$ID" sh -c 'hostname; cat /proc/1/cmdline | tr "\0" " "; echo; probe cgroup ns'
	expect_line husk-test
	expect_line "sleep 1000 "
	init=$(st "$ID" pid)
	for n in pid mnt net ipc uts; do
		expect_eq "$(readlink /proc/"$init"/ns/$n)" "$(line "$n")" "$n namespace"
	done
	expect_line "cgroup: 0::$(sed -n 's/^0:://p' /proc/"$init"/cgroup)"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_exec_exit_status() {
	exec_target
	expect_status 7 h exec "$ID" sh -c 'exit 7'
	expect_status 137 h exec "$ID" sh -c 'kill -9 $$'
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_exec_missing_program() {
	exec_target
	expect_status 255 h exec "$ID" /no/such
	expect_eq "husk: exec /no/such: no such file or directory" "$(cat "$TD/err")" stderr
	expect_status 255 h exec "$ID" nosuchprog
	expect_match 'executable file not found in \$PATH' "$(cat "$TD/err")" stderr
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_exec_options() {
	exec_target
	expect_ok h exec -e FOO=bar --env=BAZ=qux -u 1000:1000 -g 5 --cwd /tmp "$ID" \
		sh -c 'echo "FOO=$FOO BAZ=$BAZ"; pwd; probe ids'
	expect_line "FOO=bar BAZ=qux"
	expect_line /tmp
	expect_eq 1000 "$(line uid)" uid
	expect_eq 1000 "$(line gid)" gid
	expect_eq 5 "$(line groups)" groups
	# options after the id, before the command, as runc allows
	expect_ok h exec "$ID" --cwd /dev probe cwd
	expect_eq /dev "$(line cwd)" "cwd"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_exec_caps_and_nnp() {
	new_kernel_only "the wrapper sets no_new_privs"
	C_NNP=false
	exec_target
	expect_ok h exec "$ID" probe caps
	expect_eq 0 "$(line NoNewPrivs)" "NoNewPrivs inherited from the config"
	expect_ok h exec --no-new-privs -c CAP_SYS_ADMIN "$ID" probe caps
	expect_eq 1 "$(line NoNewPrivs)" "NoNewPrivs with --no-new-privs"
	eff=$(line CapEff)
	[ $((0x$eff & (1 << 21))) != 0 ] || fail "CAP_SYS_ADMIN not effective: $eff"
	expect_status 255 h exec -c CAP_NOPE "$ID" true
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_exec_process_file() {
	exec_target
	printf '%s\n' '{"terminal": false, "user": {"uid": 65534, "gid": 65534},' \
		'"args": ["sh", "-c", "echo from-file; probe ids"],' \
		'"env": ["PATH=/bin", "X=1"], "cwd": "/tmp"}' >"$TD/p.json"
	expect_ok h exec --process "$TD/p.json" "$ID"
	expect_line from-file
	expect_eq 65534 "$(line uid)" uid
	echo '{"args": [], "cwd": "/"}' >"$TD/bad.json"
	expect_status 255 h exec -p "$TD/bad.json" "$ID"
	expect_match "args: must have at least one entry" "$(cat "$TD/err")" stderr
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_exec_detach_pid_file() {
	exec_target
	expect_ok h exec -d --pid-file "$TD/exec.pid" "$ID" sleep 1000
	pid=$(cat "$TD/exec.pid")
	expect_match '^[0-9]+$' "$pid" "pid file (digits only, no newline)"
	expect_eq "$(sed -n 's/^0:://p' /proc/"$(st "$ID" pid)"/cgroup)" \
		"$(sed -n 's/^0:://p' /proc/"$pid"/cgroup)" "the exec'd process's cgroup"
	expect_ok h delete -f "$ID"
	if kill -0 "$pid" 2>/dev/null; then fail "the exec'd process outlived delete --force"; fi
	assert_clean "$ID"
}

t_exec_no_fd_leak() {
	exec_target
	h exec "$ID" probe fds 7>"$TD/seven" </dev/null >"$TD/out" 2>"$TD/err" ||
		fail "exec: $(cat "$TD/err")"
	fds=$(sed -n 's/^\([0-9][0-9]*\): .*/\1/p' "$TD/out" | tr '\n' ' ')
	expect_eq "0 1 2 " "$fds" "fds of the exec'd process"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_exec_tty_console_socket() {
	[ -x "$SOCKRECV" ] || skip "no $SOCKRECV (built by rootfs.sh)"
	exec_target
	"$SOCKRECV" "$TD/sock" >"$TD/tty.out" 2>"$TD/sr.err" &
	sr=$!
	wait_for "sockrecv's socket" test -S "$TD/sock"
	expect_ok h exec -t -d --console-socket "$TD/sock" "$ID" probe tty
	poll gone "$sr" || { kill "$sr" 2>/dev/null; fail "sockrecv did not see the terminal close (${WAIT_S}s)"; }
	tr -d '\r' <"$TD/tty.out" >"$TD/tty"
	expect_match '^/dev/pts/[0-9]+$' "$(line tty0 "$TD/tty")" "tty0"
	expect_status 255 h exec -t -d "$ID" true
	expect_match "console-socket" "$(cat "$TD/err")" stderr
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# ---- --pidfd-socket (runc 1.2) -------------------------------------------------

# pidfd_listen: sockrecv --pidfd on $TD/pidfd.sock, its output in $TD/pidfd.
pidfd_listen() {
	[ -x "$SOCKRECV" ] || skip "no $SOCKRECV (built by rootfs.sh)"
	# marked: run.sh ends it if the test fails before it exits
	HUSK_TEST_MARK="$MARK" "$SOCKRECV" --pidfd "$TD/pidfd.sock" >"$TD/pidfd" 2>"$TD/pidfd.err" &
	SR=$!
	wait_for "sockrecv's socket" test -S "$TD/pidfd.sock"
}

# pidfd_wait LINE: until sockrecv printed LINE.
pidfd_wait() {
	poll has_line "$1" "$TD/pidfd" || fail "sockrecv --pidfd: no line '$1': $(cat "$TD/pidfd" "$TD/pidfd.err")"
}

# A kernel without pidfd_open (before 5.3, emulated): refused, nothing made.
t_pidfd_socket_old_kernel() {
	[ -n "${HUSK_OLD_KERNEL:-}" ] || skip "this kernel has pidfd_open (the old-kernel run checks the refusal)"
	args sleep 1000
	mkbundle
	expect_fail "--pidfd-socket: this kernel has no pidfd_open (Linux 5.3 or later needed)" \
		h create -b "$B" --pidfd-socket "$TD/nosock" "$ID"
	assert_clean "$ID"
	expect_ok h run -d -b "$B" "$ID"
	expect_refused 255 "this kernel has no pidfd_open" h exec --pidfd-socket "$TD/nosock" "$ID" true
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# create: a pidfd of the init, with runc's payload "standard", before
# create returns; it tells when the container exits.
t_pidfd_socket_create() {
	new_kernel_only "no pidfd_open"
	pidfd_listen
	args sleep 1000
	mkbundle
	expect_ok h create -b "$B" --pid-file "$TD/pid" --pidfd-socket "$TD/pidfd.sock" "$ID"
	pidfd_wait "pidfd: payload standard"
	pidfd_wait "pidfd: pid $(cat "$TD/pid")"
	expect_ok h start "$ID"
	expect_no_line "pidfd: exited" "$TD/pidfd"
	expect_ok h kill "$ID" KILL
	pidfd_wait "pidfd: exited"
	wait "$SR"
	expect_eq 0 "$?" "sockrecv's status ($(cat "$TD/pidfd.err"))"
	expect_ok h delete "$ID"
	# no one listening: refused before anything is created
	expect_fail "pidfd socket: connect to $TD/nosock" h create -b "$B" --pidfd-socket "$TD/nosock" "$ID"
	assert_clean "$ID"
}

# run -d takes it too (create's options).
t_pidfd_socket_run() {
	new_kernel_only "no pidfd_open"
	pidfd_listen
	args sleep 1000
	mkbundle
	expect_ok h run -d -b "$B" --pidfd-socket="$TD/pidfd.sock" "$ID"
	pidfd_wait "pidfd: payload standard"
	pidfd_wait "pidfd: pid $(st "$ID" pid)"
	expect_ok h delete -f "$ID"
	pidfd_wait "pidfd: exited"
	assert_clean "$ID"
}

# exec: a pidfd of the exec'd process, payload "setns" (containerd's shim
# passes --pidfd-socket with exec --detach).
t_pidfd_socket_exec() {
	new_kernel_only "no pidfd_open"
	exec_target
	pidfd_listen
	expect_ok h exec -d --pid-file "$TD/exec.pid" --pidfd-socket "$TD/pidfd.sock" "$ID" sleep 1000
	pidfd_wait "pidfd: payload setns"
	pidfd_wait "pidfd: pid $(cat "$TD/exec.pid")"
	kill -9 "$(cat "$TD/exec.pid")"
	pidfd_wait "pidfd: exited"
	expect_refused 255 "pidfd socket: connect to $TD/nosock" h exec --pidfd-socket "$TD/nosock" "$ID" true
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# ---- exec --apparmor, --process-label -------------------------------------------

t_exec_apparmor_refused_when_off() {
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ] ||
		skip "AppArmor is enabled here"
	exec_target
	expect_refused 255 "exec: --apparmor: AppArmor is not enabled on this host" \
		h exec --apparmor unconfined "$ID" true
	# with --process, the flags are not used (as runc): the file's profile is
	echo '{"args": ["true"], "cwd": "/", "apparmorProfile": "unconfined"}' >"$TD/p.json"
	expect_refused 255 "exec: process.apparmorProfile: AppArmor is not enabled" \
		h exec -p "$TD/p.json" "$ID"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_exec_apparmor_profile() {
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] ||
		skip "AppArmor is not enabled in this kernel"
	exec_target
	expect_ok h exec --apparmor unconfined "$ID" cat /proc/self/attr/current
	expect_match unconfined "$(cat "$TD/out")" "the process's profile"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_exec_process_label_ignored_when_off() {
	[ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled here"
	exec_target
	expect_ok h exec --process-label system_u:system_r:container_t:s0:c1,c2 "$ID" echo ran
	expect_line ran
	expect_match 'warning: exec: --process-label: SELinux is not enabled on this host: ignored' \
		"$(cat "$TD/err")" "the warning"
	expect_eq 1 "$(wc -l <"$TD/err")" "stderr lines"
	echo '{"args": ["echo", "ran"], "cwd": "/", "selinuxLabel": "system_u:system_r:container_t:s0"}' >"$TD/p.json"
	expect_ok h exec -p "$TD/p.json" "$ID"
	expect_match 'warning: exec: process.selinuxLabel: SELinux is not enabled on this host: ignored' \
		"$(cat "$TD/err")" "the file's warning"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_exec_stopped_and_missing() {
	args true
	mkbundle
	expect_ok h run --keep -b "$B" "$ID"
	expect_status 255 h exec "$ID" true
	expect_match "container not running" "$(cat "$TD/err")" stderr
	expect_ok h delete "$ID"
	expect_status 255 h exec "$ID" true
	expect_match "does not exist" "$(cat "$TD/err")" stderr
	assert_clean "$ID"
}

t_exec_user_namespace() {
	C_NS=$(ns pid ipc uts mount network user)
	C_LINUX='"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
		"gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],'
	exec_target
	expect_ok h exec "$ID" sh -c 'cat /proc/self/uid_map; probe ids'
	expect_match '^ *0 +100000 +65536$' "$(head -n 1 "$TD/out")" uid_map
	expect_eq 0 "$(line uid)" "uid inside"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# ---- features ----

t_features_json() {
	expect_ok h features
	expect_eq "1.3.0" "$(json_get ociVersionMax <"$TD/out")" ociVersionMax
	for k in '"hooks"' '"mountOptions"' '"namespaces"' '"capabilities"' '"seccomp"' '"cgroup"'; do
		grep -q "$k" "$TD/out" || fail "no $k in: $(cat "$TD/out")"
	done
	grep -q '"v2": true' "$TD/out" || fail "cgroup v2 not claimed"
	grep -q '"systemd": true, "systemdUser": false' "$TD/out" || fail "systemd driver not claimed"
	# supported by husk, whatever this host has (features-linux.md)
	grep -q '"apparmor": {"enabled": true}' "$TD/out" || fail "apparmor support not claimed"
	grep -q '"selinux": {"enabled": true}' "$TD/out" || fail "selinux support not claimed"
	grep -q '"io.github.seccomp.libseccomp.version": "[0-9.]*"' "$TD/out" ||
		fail "no libseccomp version"
}

# The words of one "key": [...] list of the features JSON in $TD/out,
# one a line, into $TD/list.KEY.
feature_list() {
	tr -d '\n' <"$TD/out" | sed -n "s/.*\"$1\": \[\([^]]*\)\].*/\1/p" | tr -d '"' | tr ',' '\n' |
		tr -d ' ' >"$TD/list.$1"
}

# Every claimed mount option works on a mount of a container.
t_features_mount_options() {
	expect_ok h features
	feature_list mountOptions
	[ -s "$TD/list.mountOptions" ] || fail "no mountOptions"
	m="" i=0
	for o in $(cat "$TD/list.mountOptions"); do
		case $o in
		bind | rbind) m="$m, {\"destination\": \"/mnt/o$i\", \"type\": \"none\", \"source\": \"$TD\", \"options\": [\"$o\"]}" ;;
		remount) continue ;; # needs a mount to change: covered by t-mounts
		idmap | ridmap) continue ;; # binds with a mapping, on a filesystem that has them: t-idmap
		*) m="$m, {\"destination\": \"/mnt/o$i\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"$o\"]}" ;;
		esac
		i=$((i + 1))
	done
	C_MOUNTS_EXTRA=${m#, }
	C_ROOT='"path": "rootfs", "readonly": false'
	args true
	mkbundle
	expect_ok h run -b "$B" "$ID"
	assert_clean "$ID"
}

# Every claimed namespace can be created (user with mappings).
t_features_namespaces() {
	new_kernel_only "no time namespace without clone3"
	expect_ok h features
	feature_list namespaces
	nss=$(tr '\n' ' ' <"$TD/list.namespaces")
	[ -n "$nss" ] || fail "no namespaces"
	C_NS=$(ns $nss)
	C_LINUX='"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
		"gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],'
	run_probe ns
	assert_clean "$ID"
}
