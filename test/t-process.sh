# t-process.sh: process.*: args, env, cwd, user, capabilities, rlimits,
# noNewPrivileges, oomScoreAdj, terminal, and the fds the container gets.

t_args_path_lookup() {
	C_PATH=/nonexistent:/bin
	run_probe pid
	expect_line "pid: 1"
	assert_clean "$ID"
}

t_args_absolute() {
	args /bin/probe cwd
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_line "cwd: /"
	assert_clean "$ID"
}

t_args_with_spaces() {
	args sh -c 'printf "[%s]\n" "$@"' sh "a b" '' 'c"d'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_eq "$(printf '[a b]\n[]\n[c"d]')" "$(cat "$TD/out")" "argv"
	assert_clean "$ID"
}

t_env() {
	C_ENV='"FOO=bar", "SPACED=a b", "EMPTY=", "UNI=h\u00e9"'
	HUSK_LEAK=leaked
	export HUSK_LEAK
	run_probe env
	expect_line "env: FOO=bar"
	expect_line "env: SPACED=a b"
	expect_line "env: EMPTY="
	expect_line "env: UNI=hé"
	expect_line "env: PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	expect_no_line "env: HUSK_LEAK=leaked"
	grep -q '^env: LISTEN_' "$TD/out" && fail "LISTEN_* set without --preserve-fds: $(cat "$TD/out")"
	assert_clean "$ID"
}

t_cwd() {
	C_CWD=/tmp
	run_probe cwd
	expect_line "cwd: /tmp"
	assert_clean "$ID"
}

t_user_ids() {
	C_USER='"uid": 1000, "gid": 1000, "umask": 23, "additionalGids": [5, 65534]'
	run_probe ids
	expect_line "uid: 1000"
	expect_line "euid: 1000"
	expect_line "gid: 1000"
	expect_line "egid: 1000"
	expect_line "groups: 5 65534"
	expect_line "umask: 0027"
	assert_clean "$ID"
}

# No additionalGids: no supplementary groups (the host's are dropped).
t_user_no_groups() {
	C_USER='"uid": 1000, "gid": 1000'
	run_probe ids
	expect_line "groups:"
	assert_clean "$ID"
}

t_user_root_umask() {
	C_USER='"uid": 0, "gid": 0, "umask": 0'
	run_probe ids
	expect_line "uid: 0"
	expect_line "umask: 0000"
	C_USER='"uid": 0, "gid": 0, "umask": 63'
	run_probe ids
	expect_line "umask: 0077"
	assert_clean "$ID"
}

# A non-root user: permitted = effective = ambient after exec.
t_caps_nonroot() {
	C_USER='"uid": 1000, "gid": 1000'
	C_CAPS='{"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"permitted": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_CHOWN", "CAP_KILL"],
		"inheritable": ["CAP_CHOWN"], "ambient": ["CAP_CHOWN"]}'
	run_probe caps
	expect_line "CapBnd: 0000000000000421"
	expect_line "CapInh: 0000000000000001"
	expect_line "CapAmb: 0000000000000001"
	expect_line "CapPrm: 0000000000000001"
	expect_line "CapEff: 0000000000000001"
	assert_clean "$ID"
}

# runc's default three capabilities, as root.
t_caps_default_root() {
	run_probe caps
	expect_line "CapBnd: 0000000020000420"
	expect_line "CapPrm: 0000000020000420"
	expect_line "CapEff: 0000000020000420"
	expect_line "CapInh: 0000000000000000"
	expect_line "CapAmb: 0000000000000000"
	assert_clean "$ID"
}

t_caps_empty() {
	C_CAPS='{"bounding": [], "permitted": [], "effective": [], "inheritable": [], "ambient": []}'
	run_probe caps
	expect_line "CapBnd: 0000000000000000"
	expect_line "CapEff: 0000000000000000"
	expect_line "CapPrm: 0000000000000000"
	assert_clean "$ID"
}

t_caps_sys_admin() {
	C_CAPS='{"bounding": ["CAP_SYS_ADMIN", "CAP_KILL"], "permitted": ["CAP_SYS_ADMIN", "CAP_KILL"],
		"effective": ["CAP_SYS_ADMIN", "CAP_KILL"]}'
	args sh -c 'probe caps; hostname changed && hostname'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_line "CapBnd: 0000000000200020"
	expect_line "CapEff: 0000000000200020"
	expect_line changed
	expect_ne changed "$(hostname)" "host's hostname"
	assert_clean "$ID"
}

t_no_new_privileges() {
	new_kernel_only "the wrapper sets no_new_privs and a filter"
	C_NNP=true
	run_probe caps
	expect_line "NoNewPrivs: 1"
	C_NNP=false
	run_probe caps
	expect_line "NoNewPrivs: 0"
	assert_clean "$ID"
}

# Not implemented: no seccomp filter may be installed behind our back.
t_no_seccomp_by_default() {
	new_kernel_only "the wrapper sets no_new_privs and a filter"
	run_probe caps
	expect_line "Seccomp: 0"
	assert_clean "$ID"
}

t_rlimits() {
	hard=$(awk '/^Max open files/ { print $5 }' /proc/self/limits)
	[ "$hard" = unlimited ] || [ "$hard" -ge 1024 ] || skip "hard RLIMIT_NOFILE $hard < 1024"
	hardu=$(awk '/^Max processes/ { print $4 }' /proc/self/limits)
	[ "$hardu" = unlimited ] || [ "$hardu" -ge 2000 ] || skip "hard RLIMIT_NPROC $hardu < 2000"
	C_PROCESS='"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024},
		{"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
		{"type": "RLIMIT_NPROC", "soft": 1000, "hard": 2000}],'
	run_probe rlimits
	expect_line "RLIMIT_NOFILE: 512 1024"
	expect_line "RLIMIT_CORE: 0 0"
	expect_line "RLIMIT_NPROC: 1000 2000"
	assert_clean "$ID"
}

t_oom_score_adj() {
	cur=$(cat /proc/self/oom_score_adj)
	want=$((cur + 100))
	[ "$want" -le 1000 ] || skip "oom_score_adj already $cur"
	C_PROCESS="\"oomScoreAdj\": $want,"
	args cat /proc/self/oom_score_adj
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_eq "$want" "$(cat "$TD/out")" "oom_score_adj"
	assert_clean "$ID"
}

t_hostname_domainname() {
	C_HOSTNAME=box-$$
	C_TOP='"domainname": "example.org",'
	run_probe hostname
	expect_line "hostname: box-$$"
	expect_line "domainname: example.org"
	expect_ne "box-$$" "$(hostname)" "host's hostname"
	assert_clean "$ID"
}

# Without a terminal the init has a session of its own too (as runc's):
# the caller's terminal sends it no job-control signals, and criu can
# checkpoint it (its session leader is inside the container).
t_init_own_session() {
	run_probe tty
	expect_line "sid: 1"
	expect_line "pgid: 1"
	expect_line "tty0: no"
}

# terminal: the pty master goes to the console socket; the process has the
# slave as stdin/out/err and is a session leader.
t_terminal_console_socket() {
	[ -x "$SOCKRECV" ] || skip "no $SOCKRECV (built by rootfs.sh)"
	C_TERMINAL=true
	C_PROCESS='"consoleSize": {"height": 33, "width": 101},'
	args sh -c 'probe tty ids; stty size'
	mkbundle
	"$SOCKRECV" "$TD/sock" >"$TD/tty.out" 2>"$TD/sr.err" &
	sr=$!
	wait_for "sockrecv's socket" test -S "$TD/sock"
	expect_ok h create -b "$B" --console-socket "$TD/sock" "$ID"
	expect_ok h start "$ID"
	wait_status "$ID" stopped
	poll gone "$sr" || { kill "$sr" 2>/dev/null; fail "sockrecv did not see the terminal close (${WAIT_S}s)"; }
	tr -d '\r' <"$TD/tty.out" >"$TD/tty"
	expect_line "sockrecv: got fd (payload $(grep -o '[0-9]* bytes' "$TD/tty" | head -n 1))" "$TD/tty"
	for fd in 0 1 2; do
		expect_match '^/dev/(pts/[0-9]+|console)$' "$(line "tty$fd" "$TD/tty")" "tty$fd"
	done
	expect_line "sid: 1" "$TD/tty"
	expect_line "uid: 0" "$TD/tty"
	expect_line "33 101" "$TD/tty"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

# --preserve-fds N: fds 3..3+N-1 reach the container, LISTEN_FDS=N, LISTEN_PID=1.
t_preserve_fds() {
	args probe fds env
	mkbundle
	h create -b "$B" --preserve-fds 2 "$ID" 3>"$TD/f3" 4>"$TD/f4" 5>"$TD/f5" \
		</dev/null >"$TD/cout" 2>"$TD/err" || fail "create: $(cat "$TD/err")"
	expect_ok h start "$ID"
	wait_status "$ID" stopped
	fds=$(sed -n 's/^\([0-9][0-9]*\): .*/\1/p' "$TD/cout" | tr '\n' ' ')
	expect_eq "0 1 2 3 4 " "$fds" "the container's fds"
	# as runc: --preserve-fds alone sets no LISTEN_* (that is socket activation's)
	if grep -q '^env: LISTEN_FDS=' "$TD/cout"; then fail "LISTEN_FDS set without socket activation"; fi
	expect_ok h delete "$ID"
	args sh -c 'echo via3 >&3; echo via4 >&4'
	mkbundle
	h run -b "$B" --preserve-fds=2 "$ID" 3>"$TD/g3" 4>"$TD/g4" </dev/null >"$TD/out" 2>"$TD/err" ||
		fail "run: $(cat "$TD/err")"
	expect_eq via3 "$(cat "$TD/g3")" "written to fd 3"
	expect_eq via4 "$(cat "$TD/g4")" "written to fd 4"
	assert_clean "$ID"
}

# Socket activation as runc: LISTEN_FDS/LISTEN_PID meant for husk's own pid
# pass their fds on first, then --preserve-fds; the container sees LISTEN_PID=1.
t_listen_fds() {
	args probe fds env
	mkbundle
	sh -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"' sh "$HUSK" --root "$ROOT" create -b "$B" \
		--preserve-fds 1 "$ID" 3>"$TD/f3" 4>"$TD/f4" 5>"$TD/f5" \
		</dev/null >"$TD/cout" 2>"$TD/err" || fail "create: $(cat "$TD/err")"
	expect_ok h start "$ID"
	wait_status "$ID" stopped
	fds=$(sed -n 's/^\([0-9][0-9]*\): .*/\1/p' "$TD/cout" | tr '\n' ' ')
	expect_eq "0 1 2 3 4 " "$fds" "the container's fds"
	expect_line "env: LISTEN_FDS=1" "$TD/cout"
	expect_line "env: LISTEN_PID=1" "$TD/cout"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

# No fd of the caller or of husk (state dir, fifo, cgroup, sockets) leaks
# into the container: only 0, 1, 2.
t_no_fd_leak() {
	args probe fds
	mkbundle
	h run -b "$B" "$ID" 5>"$TD/x" 7<"$TD/x" 9>"$TD/x" </dev/null >"$TD/out" 2>"$TD/err" ||
		fail "run: $(cat "$TD/err")"
	fds=$(sed -n 's/^\([0-9][0-9]*\): .*/\1/p' "$TD/out" | tr '\n' ' ')
	expect_eq "0 1 2 " "$fds" "the container's fds (run); all: $(cat "$TD/out")"
	h create -b "$B" "$ID" 5>"$TD/x" 7<"$TD/x" 9>"$TD/x" </dev/null >"$TD/cout" 2>"$TD/err" ||
		fail "create: $(cat "$TD/err")"
	expect_ok h start "$ID" 6>"$TD/x"
	wait_status "$ID" stopped
	fds=$(sed -n 's/^\([0-9][0-9]*\): .*/\1/p' "$TD/cout" | tr '\n' ' ')
	expect_eq "0 1 2 " "$fds" "the container's fds (create+start); all: $(cat "$TD/cout")"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

# args[0] with a slash but relative: resolved against process.cwd.
t_args_relative_to_cwd() {
	C_CWD=/bin
	args ./probe cwd
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_line "cwd: /bin"
	assert_clean "$ID"
}

# Values above 2^32 and "unlimited" (2^64-1) are 64-bit on every
# architecture: on 32-bit ARM they must neither wrap nor be refused. A
# 32-bit kernel keeps limits in an unsigned long and stores any value of
# 2^32-1 or more as unlimited (prlimit64); wrapped, they would be 1 GiB and 1 s.
t_rlimit_above_4g() {
	hard=$(awk '/^Max file size/ { print $5 }' /proc/self/limits)
	[ "$hard" = unlimited ] || skip "hard RLIMIT_FSIZE $hard is not unlimited"
	C_PROCESS='"rlimits": [{"type": "RLIMIT_FSIZE", "soft": 5368709120, "hard": 8589934593},
		{"type": "RLIMIT_CPU", "soft": 4294967297, "hard": 18446744073709551615}],'
	run_probe rlimits
	case $(uname -m) in
	arm | armv[0-7]* | i?86)
		expect_line "RLIMIT_FSIZE: unlimited unlimited"
		expect_line "RLIMIT_CPU: unlimited unlimited"
		;;
	*)
		expect_line "RLIMIT_FSIZE: 5368709120 8589934593"
		expect_line "RLIMIT_CPU: 4294967297 unlimited"
		;;
	esac
	assert_clean "$ID"
}

t_rlimit_soft_above_hard() {
	C_PROCESS='"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 2048, "hard": 1024}],'
	mkbundle
	expect_fail "process.rlimits[0]" h create -b "$B" "$ID"
	assert_clean "$ID"
}

# run -d with a terminal: the master still goes to the console socket.
t_terminal_run_detached() {
	[ -x "$SOCKRECV" ] || skip "no $SOCKRECV (built by rootfs.sh)"
	C_TERMINAL=true
	args sh -c 'probe tty; read line; echo "got $line"'
	mkbundle
	"$SOCKRECV" "$TD/sock" "typed
" >"$TD/tty.out" 2>"$TD/sr.err" &
	sr=$!
	wait_for "sockrecv's socket" test -S "$TD/sock"
	expect_ok h run -d -b "$B" --console-socket "$TD/sock" "$ID"
	wait_status "$ID" stopped
	poll gone "$sr" || { kill "$sr" 2>/dev/null; fail "sockrecv did not see the terminal close (${WAIT_S}s)"; }
	tr -d '\r' <"$TD/tty.out" >"$TD/tty"
	expect_line "sid: 1" "$TD/tty"
	expect_line "got typed" "$TD/tty"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

# Lowering oom_score_adj needs CAP_SYS_RESOURCE, which root lacks here:
# create fails, naming it.
t_oom_score_adj_lower() {
	cur=$(cat /proc/self/oom_score_adj)
	[ "$cur" -gt -1000 ] || skip "oom_score_adj already -1000"
	cap=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	[ $((0x$cap >> 24 & 1)) = 0 ] || skip "we have CAP_SYS_RESOURCE: lowering works"
	C_PROCESS="\"oomScoreAdj\": $((cur - 100)),"
	mkbundle
	expect_fail "oom" h create -b "$B" "$ID"
	assert_clean "$ID"
}

t_io_priority() {
	C_PROCESS='"ioPriority": {"class": "IOPRIO_CLASS_IDLE", "priority": 0},'
	args sh -c 'ionice -p $$'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_match 'idle' "$(cat "$TD/out")" "ionice"
	C_PROCESS='"ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 6},'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_match 'best.effort.*6' "$(cat "$TD/out")" "ionice"
	assert_clean "$ID"
}

# PER_LINUX32 (8); uname -m then names the 32-bit compat machine of a
# 64-bit kernel.
t_personality_linux32() {
	C_LINUX='"personality": {"domain": "LINUX32"},'
	args sh -c 'cat /proc/self/personality; uname -m'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	assert_clean "$ID"
	case $(uname -m) in
	x86_64) m=i686 ;;
	aarch64) m=armv8l ;;
	arm*) skip "a 32-bit ARM kernel resets the execution domain at every exec (to PER_LINUX): LINUX32 cannot be seen" ;;
	*) skip "no LINUX32 machine name known for $(uname -m)" ;;
	esac
	expect_eq 00000008 "$(sed -n 1p "$TD/out")" "/proc/self/personality under LINUX32"
	expect_eq "$m" "$(sed -n 2p "$TD/out")" "uname -m under LINUX32"
}

t_apparmor_profile() {
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] ||
		skip "AppArmor is not enabled in this kernel"
	C_PROCESS='"apparmorProfile": "unconfined",'
	args cat /proc/self/attr/current
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_match 'unconfined' "$(cat "$TD/out")" "the process's profile"
	assert_clean "$ID"
}

# sched_stat: nice, rt_priority and policy of the shell, from /proc/$$/stat
# (fields 19, 40, 41; the comm "sh" has no space).
SCHED_STAT='cut -d" " -f19,40,41 /proc/$$/stat'

t_sched_batch_nice() {
	C_PROCESS='"scheduler": {"policy": "SCHED_BATCH", "nice": 7},'
	args sh -c "$SCHED_STAT"
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_eq "7 0 3" "$(cat "$TD/out")" "nice, rt_priority, policy (SCHED_BATCH = 3)"
	assert_clean "$ID"
}

# SCHED_IDLE, and a non-root user: the init sets it before the user switch.
t_sched_idle_nonroot() {
	C_PROCESS='"scheduler": {"policy": "SCHED_IDLE"},'
	C_USER='"uid": 1000, "gid": 1000'
	args sh -c "id -u; $SCHED_STAT"
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_eq "1000
0 0 5" "$(cat "$TD/out")" "uid; nice, rt_priority, policy (SCHED_IDLE = 5)"
	assert_clean "$ID"
}

# A real-time policy takes CAP_SYS_NICE on the host: root here has it,
# and the container's process keeps the policy without the capability.
t_sched_fifo_root() {
	cap=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	[ $((0x$cap >> 23 & 1)) = 1 ] || skip "no CAP_SYS_NICE here"
	C_PROCESS='"scheduler": {"policy": "SCHED_FIFO", "priority": 1, "flags": ["SCHED_FLAG_RESET_ON_FORK"]},'
	args sh -c "$SCHED_STAT"
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_eq "0 1 1" "$(cat "$TD/out")" "nice, rt_priority, policy (SCHED_FIFO = 1)"
	# the reset-on-fork flag: a child of the shell is SCHED_OTHER again
	args sh -c 'cut -d" " -f40,41 /proc/self/stat; true'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_eq "0 0" "$(cat "$TD/out")" "a forked child's rt_priority, policy"
	assert_clean "$ID"
}

# The kernel's refusal names the field; nothing is left.
t_sched_refused() {
	C_PROCESS='"scheduler": {"policy": "SCHED_FIFO", "priority": 100},'
	mkbundle
	expect_fail "process.scheduler: sched_setattr: Invalid argument" h run -b "$B" "$ID"
	C_PROCESS='"scheduler": {"policy": "SCHED_OTHER", "nice": 40},'
	mkbundle
	expect_fail "config.json: process.scheduler.nice: 40 is out of range (-20 to 19)" h run -b "$B" "$ID"
	assert_clean "$ID"
}

t_sched_exec() {
	args sleep 1000
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	cat >"$TD/p.json" <<PEOF
{"args": ["sh", "-c", "$(printf '%s' "$SCHED_STAT" | sed 's/"/\\"/g')"], "cwd": "/",
 "scheduler": {"policy": "SCHED_BATCH", "nice": 3}}
PEOF
	expect_ok h exec --process "$TD/p.json" "$ID"
	expect_eq "3 0 3" "$(cat "$TD/out")" "exec: nice, rt_priority, policy"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# execCPUAffinity is for exec only: the init keeps husk's affinity; an exec'd
# process starts on "initial" and ends on "final".
t_exec_cpu_affinity() {
	[ "$(grep -c ^processor /proc/cpuinfo)" -ge 2 ] || skip "one CPU"
	all=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
	C_PROCESS='"execCPUAffinity": {"initial": "0", "final": "1"},'
	args sh -c 'grep Cpus_allowed_list /proc/$$/status; sleep 1000'
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	init=$(st "$ID" pid)
	expect_eq "$all" "$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/"$init"/status)" "the init's CPUs"
	# the config's process: final applies
	expect_ok h exec "$ID" sh -c 'grep Cpus_allowed_list /proc/$$/status'
	expect_match '^Cpus_allowed_list:[[:space:]]*1$' "$(cat "$TD/out")" "exec with the config's affinity"
	# only initial: the process keeps it, unless its cgroup has a cpuset of
	# its own (the kernel then gives it the cpuset's CPUs as it enters)
	printf '%s\n' '{"args": ["sh", "-c", "grep Cpus_allowed_list /proc/$$/status"], "cwd": "/",
		"execCPUAffinity": {"initial": "1"}}' >"$TD/p.json"
	expect_ok h exec --process "$TD/p.json" "$ID"
	cg=$(cgroup2_dir)$(sed -n 's/^0:://p' /proc/"$init"/cgroup)
	grep -qw cpuset "$cg/cgroup.controllers" 2>/dev/null ||
		expect_match '^Cpus_allowed_list:[[:space:]]*1$' "$(cat "$TD/out")" "exec with initial only"
	printf '%s\n' '{"args": ["sh", "-c", "grep Cpus_allowed_list /proc/$$/status"], "cwd": "/",
		"execCPUAffinity": {"initial": "1", "final": "0-1"}}' >"$TD/p.json"
	expect_ok h exec --process "$TD/p.json" "$ID"
	expect_match '^Cpus_allowed_list:[[:space:]]*0-1$' "$(cat "$TD/out")" "exec with final 0-1"
	# a CPU that does not exist: the kernel refuses, the field is named
	# (255: the error comes from the new process, as exec's others do)
	printf '%s\n' '{"args": ["true"], "cwd": "/", "execCPUAffinity": {"final": "1023"}}' >"$TD/p.json"
	expect_status 255 h exec --process "$TD/p.json" "$ID"
	expect_eq "husk: process.execCPUAffinity.final: sched_setaffinity: Invalid argument" \
		"$(cat "$TD/err")" stderr
	printf '%s\n' '{"args": ["true"], "cwd": "/", "execCPUAffinity": {"initial": "1023"}}' >"$TD/p.json"
	expect_status 255 h exec --process "$TD/p.json" "$ID"
	expect_eq "husk: process.execCPUAffinity.initial: sched_setaffinity: Invalid argument" \
		"$(cat "$TD/err")" stderr
	printf '%s\n' '{"args": ["true"], "cwd": "/", "execCPUAffinity": {"initial": "0-x"}}' >"$TD/p.json"
	expect_status 255 h exec --process "$TD/p.json" "$ID"
	expect_match 'execCPUAffinity.initial: "0-x" is not a CPU list$' "$(cat "$TD/err")" stderr
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# memoryPolicy: the policy shows in numa_maps (a mapping without its own
# policy shows the task's), for the init's program and exec'd ones.
t_memory_policy() {
	[ -r /proc/self/numa_maps ] || skip "no NUMA support in this kernel (no numa_maps)"
	grep -q '^Mems_allowed_list:[[:space:]]*0' /proc/self/status || skip "node 0 is not allowed here"
	args sh -c 'head -n 1 /proc/self/numa_maps'
	for mode in "MPOL_DEFAULT default" "MPOL_LOCAL local"; do
		C_LINUX="\"memoryPolicy\": {\"mode\": \"${mode% *}\"},"
		mkbundle
		expect_ok h run -b "$B" "$ID"
		expect_match "^[0-9a-f]+ ${mode#* } " "$(cat "$TD/out")" "numa_maps under ${mode% *}"
	done
	C_LINUX='"memoryPolicy": {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]},'
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_match '^[0-9a-f]+ bind=static:0 ' "$(cat "$TD/out")" "numa_maps under MPOL_BIND"
	args sleep 1000
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	expect_ok h exec "$ID" sh -c 'head -n 1 /proc/self/numa_maps'
	expect_match '^[0-9a-f]+ bind=static:0 ' "$(cat "$TD/out")" "numa_maps of an exec'd process"
	expect_ok h delete -f "$ID"
	# a node this host lacks: the kernel refuses, the field is named
	args true
	C_LINUX='"memoryPolicy": {"mode": "MPOL_BIND", "nodes": "1000"},'
	mkbundle
	expect_fail "linux.memoryPolicy: set_mempolicy: Invalid argument" h run -b "$B" "$ID"
	assert_clean "$ID"
}
