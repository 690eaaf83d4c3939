# t-seccomp.sh: linux.seccomp: actions, errno values, argument filters,
# architectures, flags, the notify listener, and podman's default profile.
# The probe's "syscall NAME ARG..." makes the syscall itself (not libc's
# wrapper) and prints "syscall NAME: ok RET" or its errno.

# with_seccomp DEFAULT_ACTION RULES [MORE-FIELDS]: set linux.seccomp in C_LINUX.
with_seccomp() {
	C_LINUX="\"seccomp\": {\"defaultAction\": \"$1\", ${3:+$3, }\"syscalls\": [$2]},"
}

# The agent for SCMP_ACT_NOTIFY is `sockrecv --seccomp` (test/sockrecv.c),
# built beside the rootfs by rootfs.sh (rebuilt here when older than its
# source); skips the test when it cannot be had.
listener_bin() {
	_src=$(dirname "$HUSK")/test/sockrecv.c
	if [ -f "$_src" ] && { [ ! -x "$SOCKRECV" ] || [ "$_src" -nt "$SOCKRECV" ]; } &&
		command -v "${MUSL_CC:-musl-gcc}" >/dev/null 2>&1; then
		"${MUSL_CC:-musl-gcc}" -static -Os -Wall -Wextra -Werror -o "$SOCKRECV.tmp" "$_src" &&
			mv "$SOCKRECV.tmp" "$SOCKRECV"
	fi
	[ -x "$SOCKRECV" ] || skip "no $SOCKRECV (built by rootfs.sh)"
}

# start_listener: the agent on $TD/agent.sock, output in $TD/agent.out.
start_listener() {
	listener_bin
	"$SOCKRECV" --seccomp "$TD/agent.sock" >"$TD/agent.out" 2>&1 &
	LPID=$!
	poll test -S "$TD/agent.sock" || fail "the listener never listened: $(cat "$TD/agent.out")"
}

t_seccomp_deny_list_errno() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	with_seccomp SCMP_ACT_ALLOW '
		{"names": ["mkdirat"], "action": "SCMP_ACT_ERRNO"},
		{"names": ["unlinkat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
		{"names": ["chdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}'
	run_probe syscall mkdirat /tmp/d 493 syscall unlinkat /tmp 0x200 syscall chdir / syscall getpid caps
	expect_line "syscall mkdirat: EPERM"
	expect_line "syscall unlinkat: errno 38"
	expect_line "syscall chdir: EPERM"
	expect_line "syscall getpid: ok 1"
	expect_line "Seccomp: 2"
	expect_line "Seccomp_filters: 1"
	assert_clean "$ID"
}

# Without linux.seccomp, no filter; the same config with one gets exactly one.
t_seccomp_none_without_config() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	run_probe caps
	expect_line "Seccomp: 0"
	assert_clean "$ID"
}

# The allow list that a static program (the probe) needs, and nothing else.
# Names another architecture lacks are skipped (as runc), so it holds what
# each needs: x86-64's arch_prctl, 32-bit arm's set_tls (musl's startup).
PROBE_ALLOW='"execve", "arch_prctl", "set_tls", "set_tid_address", "brk", "mmap", "munmap", "mprotect",
	"ioctl", "write", "writev", "read", "readv", "close", "exit", "exit_group", "rt_sigprocmask",
	"rt_sigaction", "fcntl", "open", "openat", "lseek", "fstat", "newfstatat", "getpid",
	"madvise", "prlimit64", "getrandom"'

t_seccomp_allow_list() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	with_seccomp SCMP_ACT_ERRNO "{\"names\": [$PROBE_ALLOW], \"action\": \"SCMP_ACT_ALLOW\"}"
	run_probe syscall getpid syscall mkdirat /tmp/d 493 syscall getppid
	expect_line "syscall getpid: ok 1"
	expect_line "syscall mkdirat: EPERM"
	expect_line "syscall getppid: EPERM"
	with_seccomp SCMP_ACT_ERRNO "{\"names\": [$PROBE_ALLOW], \"action\": \"SCMP_ACT_ALLOW\"}" \
		'"defaultErrnoRet": 38'
	run_probe syscall mkdirat /tmp/d 493
	expect_line "syscall mkdirat: errno 38"
	assert_clean "$ID"
}

# persona: what personality(0xffffffff), the query, returns in a container
# that sets none: ours. 0, but ADDR_LIMIT_32BIT (0x800000) on 32-bit ARM,
# whose kernel sets it at every exec.
persona() {
	echo $((0x$(cat /proc/self/personality)))
}

# NE, MASKED_EQ, conditions on two arguments (all must hold), and two on the
# same argument (any may: one rule each, as runc).
t_seccomp_args() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	with_seccomp SCMP_ACT_ALLOW '
		{"names": ["personality"], "action": "SCMP_ACT_ERRNO",
		 "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_NE"}]},
		{"names": ["unshare"], "action": "SCMP_ACT_ERRNO",
		 "args": [{"index": 0, "value": 268435456, "valueTwo": 268435456, "op": "SCMP_CMP_MASKED_EQ"}]},
		{"names": ["mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
		 "args": [{"index": 2, "value": 448, "op": "SCMP_CMP_EQ"}]},
		{"names": ["umask"], "action": "SCMP_ACT_ERRNO",
		 "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"},
			  {"index": 0, "value": 63, "op": "SCMP_CMP_GE"}]},
		{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "args": []}'
	run_probe syscall personality 0xffffffff syscall personality 8 \
		syscall unshare 0x10000000 syscall unshare 0x10020000 syscall unshare 0 \
		syscall mkdirat /tmp/a 0700 syscall mkdirat /tmp/b 0755 \
		syscall umask 0 syscall umask 077 syscall umask 0100 syscall umask 022 syscall getppid
	expect_line "syscall personality: ok $(persona)"
	expect_line "syscall personality: EPERM"
	expect_line "syscall unshare: ok 0"
	[ "$(grep -c '^syscall unshare: EPERM$' "$TD/out")" = 2 ] ||
		fail "unshare with CLONE_NEWUSER: expected EPERM twice: $(cat "$TD/out")"
	expect_line "syscall mkdirat: EACCES"
	expect_line "syscall mkdirat: ok 0"
	[ "$(grep -c '^syscall umask: EPERM$' "$TD/out")" = 3 ] ||
		fail "umask 0, 077, 0100: expected EPERM thrice: $(cat "$TD/out")"
	expect_match '^syscall umask: ok [0-9]+$' "$(grep '^syscall umask: ok' "$TD/out")" "umask 022"
	expect_line "syscall getppid: EPERM"
	assert_clean "$ID"
}

t_seccomp_arg_index_out_of_range() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	with_seccomp SCMP_ACT_ALLOW '{"names": ["mkdirat"], "action": "SCMP_ACT_ERRNO",
		"args": [{"index": 6, "value": 0, "op": "SCMP_CMP_EQ"}]}'
	mkbundle
	expect_fail "linux.seccomp.syscalls[0].args[0].index: 6 is out of range" h run -b "$B" "$ID"
	assert_clean "$ID"
}

# KILL_PROCESS, KILL_THREAD, KILL and TRAP all end the container with
# SIGSYS: run exits 128+31.
t_seccomp_kill() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	for a in SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL_THREAD SCMP_ACT_KILL SCMP_ACT_TRAP; do
		with_seccomp SCMP_ACT_ALLOW "{\"names\": [\"getppid\"], \"action\": \"$a\"}"
		args probe pid syscall getppid
		mkbundle
		expect_status 159 h run -b "$B" "$ID"
		expect_no_line "syscall getppid: ok 0"
		assert_clean "$ID"
	done
}

# TRACE without a tracer fails the syscall with ENOSYS; LOG allows it.
t_seccomp_trace_log() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	with_seccomp SCMP_ACT_ALLOW '{"names": ["getppid"], "action": "SCMP_ACT_TRACE"},
		{"names": ["getpid"], "action": "SCMP_ACT_LOG"}'
	run_probe syscall getppid syscall getpid
	expect_line "syscall getppid: errno 38"
	expect_line "syscall getpid: ok 1"
	with_seccomp SCMP_ACT_LOG '{"names": ["getppid"], "action": "SCMP_ACT_ERRNO"}'
	run_probe syscall getppid syscall getpid
	expect_line "syscall getppid: EPERM"
	expect_line "syscall getpid: ok 1"
	assert_clean "$ID"
}

# A name libseccomp does not know (newer, or a typo) is skipped, as runc.
t_seccomp_unknown_syscall_skipped() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	with_seccomp SCMP_ACT_ALLOW '{"names": ["husk_no_such_syscall", "mkdirat"], "action": "SCMP_ACT_ERRNO"}'
	args probe syscall mkdirat /tmp/d 493
	mkbundle
	expect_ok h --debug --log "$TD/log" run -b "$B" "$ID"
	expect_line "syscall mkdirat: EPERM"
	grep -q 'unknown syscall .*husk_no_such_syscall.*skipped' "$TD/log" ||
		fail "no debug line about the skipped syscall: $(cat "$TD/log")"
	assert_clean "$ID"
}

t_seccomp_unknown_arch() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	with_seccomp SCMP_ACT_ALLOW '' '"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_FOO"]'
	mkbundle
	expect_fail 'config.json: linux.seccomp.architectures[1]: unknown seccomp architecture "SCMP_ARCH_FOO"' \
		h run -b "$B" "$ID"
	assert_clean "$ID"
	# In the spec's list, but newer than libseccomp 2.5.4.
	with_seccomp SCMP_ACT_ALLOW '' '"architectures": ["SCMP_ARCH_LOONGARCH64"]'
	mkbundle
	expect_fail 'linux.seccomp.architectures[0]: SCMP_ARCH_LOONGARCH64 not known to libseccomp' \
		h run -b "$B" "$ID"
	assert_clean "$ID"
}

# seccomp_arches: the SCMP_ARCH_ names of the ABIs this machine runs, as
# runc's and podman's default profiles list them (JSON strings), the native
# one last: x86-64 with i386 and x32; arm64 with its 32-bit arm compat; arm
# alone. Nothing for an architecture not listed here.
seccomp_arches() {
	case $(uname -m) in
	x86_64) jlist SCMP_ARCH_X86 SCMP_ARCH_X32 SCMP_ARCH_X86_64 ;;
	aarch64) jlist SCMP_ARCH_ARM SCMP_ARCH_AARCH64 ;;
	arm*) jlist SCMP_ARCH_ARM ;;
	esac
}

# The native arch is always there; the others are added.
t_seccomp_architectures() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	[ -n "$(seccomp_arches)" ] || skip "no seccomp architectures listed for $(uname -m) in seccomp_arches"
	with_seccomp SCMP_ACT_ALLOW '{"names": ["mkdirat"], "action": "SCMP_ACT_ERRNO"}' \
		"\"architectures\": [$(seccomp_arches)]"
	run_probe syscall mkdirat /tmp/d 493 syscall getpid
	expect_line "syscall mkdirat: EPERM"
	expect_line "syscall getpid: ok 1"
	assert_clean "$ID"
}

t_seccomp_flags() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	with_seccomp SCMP_ACT_ALLOW '{"names": ["mkdirat"], "action": "SCMP_ACT_ERRNO"}' \
		'"flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
			  "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]'
	run_probe syscall mkdirat /tmp/d 493 caps
	expect_line "syscall mkdirat: EPERM"
	expect_line "Seccomp: 2"
	assert_clean "$ID"
}

# The filter is loaded after the runtime's own setup: one that denies
# everything husk uses to set the container up still lets it start.
t_seccomp_not_for_the_runtime() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	with_seccomp SCMP_ACT_ALLOW '{"names": ["mount", "umount2", "pivot_root", "sethostname",
		"mkdirat", "mknodat", "symlinkat", "keyctl", "setgroups", "setresuid", "setresgid",
		"setgroups32", "setresuid32", "setresgid32",
		"capset", "chdir", "prctl", "close_range", "accept4", "clone3", "unshare", "setns"],
		"action": "SCMP_ACT_ERRNO"}'
	C_USER='"uid": 1000, "gid": 1000, "additionalGids": [5]'
	run_probe mounts hostname ids syscall mkdirat /tmp/d 493
	expect_match '^/proc: proc ' "$(grep '^/proc:' "$TD/out")" "/proc mounted"
	expect_line "hostname: husk-test"
	expect_line "uid: 1000"
	expect_line "groups: 5"
	expect_line "syscall mkdirat: EPERM"
	assert_clean "$ID"
}

# Without noNewPrivileges the filter must be loaded while the init still has
# CAP_SYS_ADMIN, before the user switch (as runc): the mounts are still made
# before it, but a profile must then allow the user switch.
t_seccomp_without_nnp() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	C_NNP=false
	C_USER='"uid": 1000, "gid": 1000'
	with_seccomp SCMP_ACT_ALLOW '{"names": ["mount", "pivot_root", "sethostname", "mkdirat"],
		"action": "SCMP_ACT_ERRNO"}'
	run_probe caps ids syscall mkdirat /tmp/d 493
	expect_line "NoNewPrivs: 0"
	expect_line "Seccomp: 2"
	expect_line "uid: 1000"
	expect_line "syscall mkdirat: EPERM"
	# 32-bit arm's libc calls setresgid32 (setresgid takes 16-bit ids there)
	with_seccomp SCMP_ACT_ALLOW '{"names": ["setresgid", "setresgid32"], "action": "SCMP_ACT_ERRNO"}'
	mkbundle
	expect_fail "setresgid 1000: Operation not permitted" h run -b "$B" "$ID"
	assert_clean "$ID"
}

t_seccomp_notify() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	start_listener
	with_seccomp SCMP_ACT_ALLOW '{"names": ["mkdirat"], "action": "SCMP_ACT_NOTIFY"}' \
		"\"listenerPath\": $(q "$TD/agent.sock"), \"listenerMetadata\": \"MKNOD=/dev/null;x\\\"y\""
	C_TOP='"annotations": {"k": "v"},'
	run_probe syscall mkdirat /tmp/d 493 syscall getpid fds
	expect_no_match '^([3-9]|[1-9][0-9]+): ' "$(cat "$TD/out")" "fds beyond stdio (the listener's, the notify fd)"
	expect_line "syscall mkdirat: ok 42"
	expect_line "syscall getpid: ok 1"
	wait "$LPID" || fail "the listener failed: $(cat "$TD/agent.out")"
	a=$(cat "$TD/agent.out")
	expect_line "listener: fds 1" "$TD/agent.out"
	expect_line "listener: closed" "$TD/agent.out"
	expect_match '"fds": \["seccompFd"\]' "$a" "fds"
	expect_match '"metadata": "MKNOD=/dev/null;x\\"y"' "$a" "metadata"
	expect_match "\"id\": \"$ID\"" "$a" "state.id"
	expect_match "\"bundle\": \"$B\"" "$a" "state.bundle"
	expect_match '"annotations": \{ "k": "v" \}' "$a" "state.annotations"
	expect_match '"pid": [1-9][0-9]*, "metadata"' "$a" "pid"
	# The number the agent was told is this architecture's mkdirat.
	expect_line "listener: notified syscall $("$ROOTFS/bin/probe" sysno mkdirat | sed 's/.*: //')" "$TD/agent.out"
	assert_clean "$ID"
}

# Loaded before the user switch (no noNewPrivileges): the agent answers the
# notifications that the rest of the setup makes too. TSYNC with a listener
# takes TSYNC_ESRCH (5.7), WAIT_KILLABLE_RECV 5.19.
t_seccomp_notify_without_nnp() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	start_listener
	C_NNP=false
	with_seccomp SCMP_ACT_ALLOW '{"names": ["mkdirat", "getppid"], "action": "SCMP_ACT_NOTIFY"}' \
		"\"listenerPath\": $(q "$TD/agent.sock"), \"flags\": [\"SECCOMP_FILTER_FLAG_TSYNC\",
		 \"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]"
	run_probe syscall mkdirat /tmp/d 493 syscall getppid fds
	expect_no_match '^([3-9]|[1-9][0-9]+): ' "$(cat "$TD/out")" "fds beyond stdio"
	expect_line "syscall mkdirat: ok 42"
	expect_line "syscall getppid: ok 42"
	wait "$LPID" || fail "the listener failed: $(cat "$TD/agent.out")"
	expect_line "listener: fds 1" "$TD/agent.out"
	expect_match '"metadata": ""' "$(cat "$TD/agent.out")" "metadata"
	assert_clean "$ID"
}

t_seccomp_notify_errors() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	with_seccomp SCMP_ACT_ALLOW '{"names": ["mkdirat"], "action": "SCMP_ACT_NOTIFY"}'
	mkbundle
	expect_fail "linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath" \
		h run -b "$B" "$ID"
	assert_clean "$ID"
	with_seccomp SCMP_ACT_NOTIFY '' "\"listenerPath\": $(q "$TD/agent.sock")"
	mkbundle
	expect_fail "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action" \
		h run -b "$B" "$ID"
	assert_clean "$ID"
	with_seccomp SCMP_ACT_ALLOW '{"names": ["mkdirat", "close"], "action": "SCMP_ACT_NOTIFY"}' \
		"\"listenerPath\": $(q "$TD/agent.sock")"
	mkbundle
	expect_fail "linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for close" \
		h run -b "$B" "$ID"
	assert_clean "$ID"
	# Nobody listening: create fails, naming the path.
	with_seccomp SCMP_ACT_ALLOW '{"names": ["mkdirat"], "action": "SCMP_ACT_NOTIFY"}' \
		"\"listenerPath\": $(q "$TD/agent.sock")"
	mkbundle
	expect_fail "linux.seccomp.listenerPath: connect to $TD/agent.sock: No such file or directory" \
		h create -b "$B" "$ID"
	assert_clean "$ID"
}

# A listenerPath without any SCMP_ACT_NOTIFY rule is not used (the spec).
t_seccomp_listener_unused() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	with_seccomp SCMP_ACT_ALLOW '{"names": ["mkdirat"], "action": "SCMP_ACT_ERRNO"}' \
		"\"listenerPath\": $(q "$TD/nobody.sock")"
	run_probe syscall mkdirat /tmp/d 493
	expect_line "syscall mkdirat: EPERM"
	assert_clean "$ID"
}

# podman's default profile, after containers-common's seccomp.json (not
# exact): default ERRNO ENOSYS, ~330 allowed names, a few denied with EPERM,
# personality and clone and socket by argument, clone3 ENOSYS for glibc's
# fallback; the arm-only names it allows on arm and arm64 on the last line.
# Written to $1.
podman_profile() {
	_allow='_llseek _newselect accept accept4 access adjtimex alarm arch_prctl bind brk
	cachestat capget capset chdir chmod chown chown32 clock_adjtime clock_adjtime64
	clock_getres clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep
	clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2 dup3
	epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait
	epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2
	fadvise64 fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown
	fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr
	fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex
	futex_requeue futex_time64 futex_wait futex_waitv futex_wake futimesat get_mempolicy
	get_robust_list get_thread_area getcpu getcwd getdents getdents64 getegid getegid32
	geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid
	getpgrp getpid getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32
	getrlimit getrusage getsid getsockname getsockopt get_thread_area gettid gettimeofday
	getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1 inotify_rm_watch
	io_cancel io_destroy io_getevents io_pgetevents io_pgetevents_time64 io_setup io_submit
	io_uring_enter io_uring_register io_uring_setup ioctl ioprio_get ioprio_set ipc kill
	keyctl landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lchown32
	lgetxattr link linkat listen listxattr llistxattr lremovexattr lseek lsetxattr lstat
	lstat64 madvise map_shadow_stack membarrier memfd_create memfd_secret mincore mkdir
	mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify
	mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64
	mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock munlockall munmap
	name_to_handle_at nanosleep newfstatat open openat openat2 pause pidfd_getfd pidfd_open
	pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll
	ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease pselect6
	pselect6_time64 pwrite64 pwritev pwritev2 read readahead readdir readlink readlinkat
	readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr
	rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending
	rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait
	rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_get_priority_max sched_get_priority_min
	sched_getaffinity sched_getattr sched_getparam sched_getscheduler sched_rr_get_interval
	sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam
	sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop
	semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto set_mempolicy
	set_robust_list set_thread_area set_tid_address setfsgid setfsgid32 setfsuid setfsuid32
	setgid setgid32 setgroups setgroups32 setitimer setpgid setpriority setregid setregid32
	setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit setsid
	setsockopt setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown sigaltstack
	signalfd signalfd4 sigprocmask sigreturn socketcall socketpair splice stat stat64 statfs
	statfs64 statx symlink symlinkat sync sync_file_range syncfs sysinfo syslog tee tgkill
	time timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64
	timer_settime timer_settime64 timerfd timerfd_create timerfd_gettime timerfd_gettime64
	timerfd_settime timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask
	uname unlink unlinkat unshare utime utimensat utimensat_time64 utimes vfork wait4
	waitid waitpid write writev modify_ldt
	arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls'
	_eperm='bdflush kexec_file_load kexec_load migrate_pages move_pages nfsservctl nice
	oldfstat oldlstat oldolduname oldstat olduname pciconfig_iobase pciconfig_read
	pciconfig_write sgetmask ssetmask swapcontext swapoff swapon sysfs uselib userfaultfd
	ustat vm86 vm86old vmsplice'
	_arches=''
	[ -z "$(seccomp_arches)" ] || _arches="\"architectures\": [$(seccomp_arches)],"
	{
		printf '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, %s\n' "$_arches"
		printf ' "syscalls": [\n  {"names": [%s], "action": "SCMP_ACT_ALLOW"},\n' "$(jlist $_allow)"
		printf '  {"names": [%s], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},\n' "$(jlist $_eperm)"
		for v in 0 8 131072 131080 4294967295; do
			printf '  {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": %s, "op": "SCMP_CMP_EQ"}]},\n' "$v"
		done
		printf '  {"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},\n'
		printf '  {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}]},\n'
		printf '  {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}\n ]}\n'
	} >"$1"
}

t_seccomp_podman_profile() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	podman_profile "$TD/seccomp.json"
	C_LINUX="\"seccomp\": $(cat "$TD/seccomp.json"),"
	args sh -c 'echo hello; ls / | grep -c . >/dev/null && echo listed; mkdir /tmp/d && echo made;
		(sleep 0; echo subshell) | cat; probe syscall personality 0xffffffff syscall personality 1 \
		syscall getppid caps'
	for nnp in true false; do
		C_NNP=$nnp
		mkbundle
		expect_ok h run -b "$B" "$ID"
		expect_line hello
		expect_line listed
		expect_line made
		expect_line subshell
		expect_line "syscall personality: ok $(persona)"
		expect_line "syscall personality: errno 38"
		expect_line "Seccomp: 2"
		expect_line "Seccomp_filters: 1"
		assert_clean "$ID"
	done
}

# The compiled program is kept in <root>/@seccomp: the next create of the
# same profile loads it (--debug says so), and its container is filtered
# exactly as the first was.
t_seccomp_cache_hit() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	rm -rf "$ROOT/@seccomp"
	with_seccomp SCMP_ACT_ALLOW '{"names": ["mkdirat"], "action": "SCMP_ACT_ERRNO"}'
	args probe syscall mkdirat /tmp/d 493 caps
	mkbundle
	expect_ok h --debug run -b "$B" "$ID"
	expect_no_match "compiled for this profile before" "$(cat "$TD/err")" "the first create's debug log"
	expect_line "syscall mkdirat: EPERM"
	expect_eq 1 "$(ls "$ROOT/@seccomp" | wc -l)" "programs in the cache"
	expect_ok h --debug run -b "$B" "$ID"
	expect_match "compiled for this profile before" "$(cat "$TD/err")" "the second create's debug log"
	expect_line "syscall mkdirat: EPERM"
	expect_line "Seccomp_filters: 1"
	expect_eq 1 "$(ls "$ROOT/@seccomp" | wc -l)" "programs in the cache"
	assert_clean "$ID"
}

# A file is trusted only for the whole key written in it, never for its
# name: profile B's file replaced by profile A's is not used for B.
t_seccomp_cache_key_checked() {
	new_kernel_only "the wrapper has a seccomp filter of its own"
	rm -rf "$ROOT/@seccomp"
	with_seccomp SCMP_ACT_ALLOW '{"names": ["mkdirat"], "action": "SCMP_ACT_ERRNO"}'
	run_probe syscall mkdirat /tmp/d 493
	a=$(ls "$ROOT/@seccomp")
	with_seccomp SCMP_ACT_ALLOW '{"names": ["unlinkat"], "action": "SCMP_ACT_ERRNO"}'
	run_probe syscall unlinkat /tmp 0x200
	b=$(ls "$ROOT/@seccomp" | grep -vx "$a")
	[ -n "$a" ] && [ -n "$b" ] || fail "expected two cache files, got: $(ls "$ROOT/@seccomp")"
	cp "$ROOT/@seccomp/$a" "$ROOT/@seccomp/$b"
	args probe syscall mkdirat /tmp/d 493 syscall unlinkat /tmp 0x200
	mkbundle
	expect_ok h --debug run -b "$B" "$ID"
	expect_no_match "compiled for this profile before" "$(cat "$TD/err")" "a create whose cache file holds another key"
	expect_line "syscall unlinkat: EPERM"
	expect_no_line "syscall mkdirat: EPERM"
	assert_clean "$ID"
}
