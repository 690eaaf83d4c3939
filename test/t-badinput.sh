# t-badinput.sh: bad input other than the config's fields (t-errors.sh has
# those, and the missing bundle, rootfs as a file, missing console socket,
# pid file in a missing dir; t-cli.sh has ids with '/' and over 1024
# characters). Each: exit status 1, one line "husk: ..." naming the cause,
# nothing left behind (state dir, cgroup, process, mount, temporary file).

# nodac CMD...: CMD without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH, so that
# file modes apply to root too.
nodac() {
	setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-dac_override,-dac_read_search "$@"
}

need_setpriv() {
	command -v setpriv >/dev/null || skip "no setpriv (util-linux) to drop CAP_DAC_OVERRIDE"
	nodac true 2>/dev/null || skip "setpriv cannot drop capabilities here"
}

t_bad_config_unreadable() {
	need_setpriv
	mkbundle
	chmod 000 "$B/config.json"
	expect_fail "config.json" nodac "$HUSK" --root "$ROOT" create -b "$B" "$ID"
	expect_match "Permission denied" "$(cat "$TD/err")" stderr
	assert_clean "$ID"
}

t_bad_bundle_unreadable() {
	need_setpriv
	mkbundle
	chmod 000 "$B"
	expect_fail "Permission denied" nodac "$HUSK" --root "$ROOT" create -b "$B" "$ID"
	expect_match "$B" "$(cat "$TD/err")" "stderr names the bundle"
	chmod 755 "$B"
	assert_clean "$ID"
}

t_bad_config_symlink_loop() {
	mkbundle
	rm "$B/config.json"
	ln -s config.json "$B/config.json"
	expect_fail "config.json" h create -b "$B" "$ID"
	expect_match "[Ss]ymbolic link loop|levels of symbolic links" "$(cat "$TD/err")" stderr
	assert_clean "$ID"
}

# A --root that cannot be written: a read-only tmpfs, as the root itself
# and as the parent of a root to be made.
t_bad_root_readonly() {
	args sleep 100
	mkbundle
	mkdir -p "$TD/ro"
	mount -t tmpfs -o ro,size=64k,mode=0700 tmpfs "$TD/ro" || skip "cannot mount a tmpfs"
	expect_fail "Read-only file system" hr --root "$TD/ro" create -b "$B" "$ID"
	expect_fail "Read-only file system" hr --root "$TD/ro/state" create -b "$B" "$ID"
	expect_fail "Read-only file system" hr --root "$TD/ro/state" run -b "$B" "$ID"
	[ -z "$(ls -A "$TD/ro")" ] || fail "files on the read-only root: $(ls -A "$TD/ro")"
	umount "$TD/ro"
	assert_clean "$ID"
}

# full_root blocks|inodes: --root on a 64 KiB tmpfs (8 inodes for
# "inodes"), then filled with a file (blocks) or empty files (inodes).
full_root() {
	mkdir -p "$TD/full"
	_o=size=64k
	[ "$1" = blocks ] || _o=$_o,nr_inodes=8
	mount -t tmpfs -o "$_o" tmpfs "$TD/full" || skip "cannot mount a tmpfs"
	mkdir "$TD/full/state"
	[ "$1" != blocks ] || dd if=/dev/zero of="$TD/full/fill" bs=4096 count=100 2>/dev/null
	i=0
	while [ $i -lt 100 ] && touch "$TD/full/f$i" 2>/dev/null; do
		i=$((i + 1))
	done
}

# ENOSPC: no block left, then no inode left (tmpfs nr_inodes).
t_bad_root_full() {
	args sleep 100
	mkbundle
	for opts in blocks inodes; do
		full_root "$opts"
		expect_fail "No space left on device" hr --root "$TD/full/state" create -b "$B" "$ID"
		expect_fail "No space left on device" hr --root "$TD/full/state" run -d -b "$B" "$ID"
		[ -z "$(ls -A "$TD/full/state")" ] || fail "$opts: left in the full root: $(ls -A "$TD/full/state")"
		hx hr --root "$TD/full/state" list -q
		expect_eq 0 "$RC" "$opts: list on a full root"
		umount "$TD/full"
		assert_clean "$ID"
	done
}

# A state.json that is not what husk wrote: state reports it, delete without
# --force refuses, delete --force still removes everything: the init, its
# cgroup, the state dir.
corrupt_state() {
	args sleep 100
	mkbundle
	expect_ok h create -b "$B" --pid-file "$TD/pid" "$ID"
	pid=$(cat "$TD/pid")
	"$@" "$ROOT/$ID/state.json"
	expect_fail "state.json" h state "$ID"
	expect_fail "state.json" h delete "$ID"
	expect_fail "state.json" h start "$ID"
	expect_ok h list
	expect_ok h delete --force "$ID"
	[ ! -d "/proc/$pid" ] || [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = Z ] ||
		fail "delete --force left the init $pid running"
	assert_clean "$ID"
	expect_fail "does not exist" h state "$ID"
}

garbage() { echo 'garbage{' >"$1"; }
truncate_half() {
	head -c $(($(wc -c <"$1") / 2)) "$1" >"$1.cut" && mv "$1.cut" "$1"
}
empty() { : >"$1"; }
no_cgroup_field() { sed 's/"husk\.cgroup":/"husk.nocgroup":/' "$1" >"$1.x" && mv "$1.x" "$1"; }

t_bad_state_garbage() { corrupt_state garbage; }
t_bad_state_truncated() { corrupt_state truncate_half; }
t_bad_state_empty() { corrupt_state empty; }
t_bad_state_field_missing() { corrupt_state no_cgroup_field; }

t_bad_console_socket_not_listening() {
	C_TERMINAL=true
	mkbundle
	: >"$TD/notsock"
	expect_fail "console socket" h create -b "$B" --console-socket "$TD/notsock" "$ID"
	expect_match "Connection refused" "$(cat "$TD/err")" stderr
	assert_clean "$ID"
}

# The pid file can only be written once the init exists: the whole ladder
# runs back, and the temporary file goes too.
t_bad_pid_file_is_dir() {
	args sleep 100
	mkbundle
	mkdir "$TD/piddir"
	expect_fail "pid-file" h create -b "$B" --pid-file "$TD/piddir" "$ID"
	expect_eq "" "$(ls -A "$TD/piddir")" "files put in the directory"
	[ ! -e "$TD/piddir.tmp" ] || fail "temporary pid file left: $TD/piddir.tmp"
	assert_clean "$ID"
}

# Valid characters, but longer than a file name may be (NAME_MAX 255).
t_bad_id_over_name_max() {
	mkbundle
	long=$ID$(head -c 300 /dev/zero | tr '\0' a)
	expect_fail "too long" h create -b "$B" "$long"
	expect_fail "too long" h run -b "$B" "$long"
	assert_clean "$ID"
}

# q_many N WORD: N JSON strings WORD1, WORD2, ...
q_many() {
	awk -v n="$1" -v w="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "%s\"%s%d\"", (i > 1 ? ", " : ""), w, i }'
}

# Long lists that fit: 20000 args and 5000 variables reach the program.
t_bad_huge_lists_fit() {
	C_ARGS="\"sh\", \"-c\", \"echo args: \$#; env | grep -c ^HUGE\", \"sh\", $(q_many 20000 a)"
	C_ENV=$(q_many 5000 HUGE | sed 's/"HUGE\([0-9]*\)"/"HUGE\1=v"/g')
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_line "args: 20000"
	expect_line 5000
	assert_clean "$ID"
}

# Past the kernel's limits (E2BIG at execve, which runs at start): one
# argument over MAX_ARG_STRLEN (128 KiB), then 300000 arguments, then one
# variable over it. run fails, start's message names the cause, and the
# container is gone.
t_bad_huge_args_env() {
	big=$(head -c 200000 /dev/zero | tr '\0' x)
	for what in arg many env; do
		case $what in
		arg) args echo "$big" ;;
		many) C_ARGS="\"true\", $(q_many 300000 a)" ;;
		env) args true && C_ENV="\"BIG=$big\"" ;;
		esac
		mkbundle
		expect_fail "Argument list too long" h run -b "$B" "$ID"
		assert_clean "$ID"
		expect_ok h create -b "$B" "$ID"
		expect_fail "Argument list too long" h start "$ID"
		expect_eq stopped "$(st "$ID" status)" "$what: status after a failed start"
		expect_ok h delete "$ID"
		assert_clean "$ID"
		C_ENV=""
	done
}

# A config over husk's 16 MiB limit is refused before anything is made.
t_bad_config_too_large() {
	mkbundle
	{
		printf '{"annotations": {"pad": "'
		head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' x
		printf '"}, '
		tail -c +2 "$B/config.json"
	} >"$B/c" && mv "$B/c" "$B/config.json"
	expect_fail "config.json" h create -b "$B" "$ID"
	expect_match "larger than" "$(cat "$TD/err")" stderr
	assert_clean "$ID"
}
