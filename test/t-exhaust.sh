# t-exhaust.sh: husk when the machine runs out of something (issue 18).
# Each case: exit status 1, one line "husk: <what>: <why>" naming the cause,
# nothing left behind, and a second container, already running, keeps its
# state: list and state still show it running, and it can be deleted after.
# Then a cgroup2 mount that mountinfo lists but another mount hides.

# ex_other_start [ROOTDIR]: the second container, OTHER (${ID}b), running
# `sleep 1000` under ROOTDIR (default $ROOT); its init's pid in OPID. Its
# process carries a marker of its own, and the test's container becomes
# ${ID}a: assert_clean "$ID" then looks at the test's container alone.
ex_other_start() {
	_r=${1:-$ROOT}
	OTHER=${ID}b
	mkdir -p "$TD/ob"
	_a=${C_ARGS:-}
	_m=$MARK
	args sleep 1000
	MARK=other.$MARK
	mkbundle "$TD/ob"
	MARK=$_m
	C_ARGS=$_a
	hx hr --root "$_r" run -d -b "$TD/ob" --pid-file "$TD/opid" "$OTHER"
	[ "$RC" = 0 ] || fail "the second container: $(cat "$TD/err")"
	OPID=$(cat "$TD/opid")
	ID=${ID}a
}

# ex_other_intact [ROOTDIR]: OTHER is still listed and running, state agrees.
ex_other_intact() {
	_r=${1:-$ROOT}
	hr --root "$_r" list </dev/null >"$TD/list" 2>&1 || fail "list: $(cat "$TD/list")"
	grep -q "^$OTHER  *$OPID  *running " "$TD/list" || fail "list lost $OTHER: $(cat "$TD/list")"
	_s=$(hr --root "$_r" state "$OTHER" </dev/null 2>&1)
	expect_eq running "$(printf '%s' "$_s" | json_get status)" "state of $OTHER"
	expect_eq "$OPID" "$(printf '%s' "$_s" | json_get pid)" "pid of $OTHER"
}

# ex_other_delete [ROOTDIR]: OTHER still dies and goes.
ex_other_delete() {
	expect_ok hr --root "${1:-$ROOT}" delete --force "$OTHER"
	wait_gone "$OPID" "the second container's init"
}

# ex_no_state DIR: nothing of $ID under the state root DIR.
ex_no_state() {
	[ -z "$(ls -A "$1" 2>/dev/null | grep -v "^$OTHER\$")" ] || fail "left in $1: $(ls -A "$1")"
}

# ex_clean_besides MOUNT: assert_clean "$ID" while the test's own MOUNT is up.
ex_clean_besides() {
	_l=$(leftovers "$ID" | grep -vFx "new mounts: $1 ")
	[ -z "$_l" ] || fail "left behind by $ID: $_l"
}

# ---- the state root on a full tmpfs -----------------------------------------

# ex_full_root: --root (FR) on a 64 KiB tmpfs holding $OTHER, then filled to the
# last page with one-page files (F pages of them: free pages can be given back).
ex_full_root() {
	mkdir -p "$TD/full"
	mount -t tmpfs -o size=64k,mode=0700 tmpfs "$TD/full" || skip "cannot mount a tmpfs"
	FR=$TD/full/state
	ex_other_start "$FR"
	mkdir "$TD/full/fill"
	F=0
	while dd if=/dev/zero of="$TD/full/fill/$F" bs=4096 count=1 2>/dev/null; do
		F=$((F + 1))
	done
	rm -f "$TD/full/fill/$F"
}

# ex_unfull: $OTHER deleted, the tmpfs gone.
ex_unfull() {
	ex_other_delete "$FR"
	ex_no_state "$FR"
	umount "$TD/full"
}

# ENOSPC at the first write of create (the config's copy).
t_exhaust_root_full() {
	args true
	mkbundle
	ex_full_root
	expect_fail "No space left on device" hr --root "$FR" create -b "$B" "$ID"
	ex_no_state "$FR"
	expect_fail "No space left on device" hr --root "$FR" run -b "$B" "$ID"
	ex_no_state "$FR"
	ex_other_intact "$FR"
	ex_unfull
	assert_clean "$ID"
}

# Two free pages hold the config's copy and the first state.json (pid 0,
# before the clone); the second state.json (the init's pid) finds none: the
# init is running then, and must be killed, its cgroup removed.
t_exhaust_root_full_second_write() {
	args sleep 1000
	mkbundle
	[ "$(wc -c <"$B/config.json")" -lt 4096 ] || fail "the config is over a page"
	ex_full_root
	rm -f "$TD/full/fill/0" "$TD/full/fill/1"
	expect_fail "state.json.tmp: No space left on device" hr --root "$FR" create -b "$B" "$ID"
	ex_no_state "$FR"
	ex_other_intact "$FR"
	ex_unfull
	assert_clean "$ID"
}

# ---- husk short of file descriptors -----------------------------------------

# ex_nofile N CMD...: CMD (husk) with at most N open fds (soft and hard: root
# here lacks CAP_SYS_RESOURCE, so it stays below ulimit -H anyway).
# The older-kernel run's husk is a shell script (exec build/nosys husk
# "$@"), and the shell would need fds of its own above N (it keeps the
# script open on fd 10): the two programs it names run directly instead.
ex_nofile() {
	_n=$1
	shift
	if [ "$(head -c 2 "$1")" = "#!" ]; then
		_w=$1
		shift
		# shellcheck disable=SC2046
		set -- $(sed -n 's/^exec "\([^"]*\)" "\([^"]*\)" "\$@"$/\1 \2/p' "$_w") "$@"
	fi
	(ulimit -n "$_n" && exec "$@")
}

# ex_emfile_ok: the last command failed on EMFILE in one line, or succeeded.
ex_emfile_ok() { # WHAT
	if [ "$RC" != 0 ]; then
		expect_eq 1 "$RC" "$1: exit status"
		expect_eq 1 "$(wc -l <"$TD/err")" "$1: lines on stderr ($(cat "$TD/err"))"
		expect_match "^husk: .*(No file descriptors available|Too many open files)" "$(cat "$TD/err")" "$1"
	fi
}

# ulimit -n 16 is enough for husk; with seven fds passed to the container
# (--preserve-fds 7) it is not: EMFILE, nothing left.
t_exhaust_nofile_16() {
	[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 16 ] || skip "ulimit -Hn is below 16"
	args true
	mkbundle
	ex_other_start
	expect_ok ex_nofile 16 "$HUSK" --root "$ROOT" run -b "$B" "$ID"
	assert_clean "$ID"
	hx ex_nofile 16 "$HUSK" --root "$ROOT" run --preserve-fds 7 -b "$B" "$ID" \
		3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null 8</dev/null 9</dev/null
	[ "$RC" != 0 ] || fail "16 fds, 10 of them taken, were enough for run"
	ex_emfile_ok "run --preserve-fds 7 under ulimit -n 16"
	assert_clean "$ID"
	ex_other_intact
	ex_other_delete
}

# Every limit from 5 to 16: create, run -d and run each fail on EMFILE in
# one line or succeed, and a failure leaves nothing: the state dir goes
# without an fd to list it, the cgroup without one for mountinfo.
t_exhaust_nofile_sweep() {
	args true
	mkbundle
	ex_other_start
	for n in 5 6 7 8 9 10 11 12 13 14 15 16; do
		for cmd in create "run -d" run; do
			# shellcheck disable=SC2086
			hx ex_nofile "$n" "$HUSK" --root "$ROOT" $cmd -b "$B" "$ID"
			ex_emfile_ok "$cmd under ulimit -n $n"
			if [ "$RC" = 0 ]; then
				expect_ok h delete --force "$ID"
			else
				_l=$(leftovers "$ID")
				[ -z "$_l" ] || fail "$cmd under ulimit -n $n: $(cat "$TD/err"); left: $_l"
			fi
		done
	done
	ex_other_intact
	ex_other_delete
	assert_clean "$ID"
}

# state, list, kill, delete of the running $OTHER short of fds: an error,
# never a wrong answer (a list without it, a stopped status, a removal).
t_exhaust_nofile_queries() {
	ex_other_start
	for n in 4 5 6 7 8; do
		hx ex_nofile "$n" "$HUSK" --root "$ROOT" list
		if [ "$RC" = 0 ]; then
			grep -q "^$OTHER  *$OPID  *running " "$TD/out" || fail "list under ulimit -n $n: exit 0 without $OTHER: $(cat "$TD/out")"
		else
			ex_emfile_ok "list under ulimit -n $n"
		fi
		hx ex_nofile "$n" "$HUSK" --root "$ROOT" state "$OTHER"
		ex_emfile_ok "state under ulimit -n $n"
		[ "$RC" != 0 ] || expect_eq running "$(json_get status <"$TD/out")" "state under ulimit -n $n"
		hx ex_nofile "$n" "$HUSK" --root "$ROOT" delete "$OTHER"
		[ "$RC" = 1 ] || fail "delete of a running container under ulimit -n $n: exit $RC"
		ex_other_intact
	done
	ex_other_delete
	assert_clean "$OTHER"
}

# ---- the parent cgroup's pids.max and memory.max (a cgroup2 with them) -----

# ex_cg_parent CTRL: CGP, a cgroup $ID-lim below the cgroup2 mount's root with
# CTRL enabled for it; skip where cgroup2 lacks CTRL (this host: hybrid,
# its cgroup2 has hugetlb alone; test/vm.sh runs these).
ex_cg_parent() {
	CG=$(cgroup2_dir)
	[ -n "$CG" ] || skip "no cgroup2 mount"
	grep -qw "$1" "$CG/cgroup.controllers" ||
		skip "no $1 controller in the cgroup2 at $CG (it offers: $(cat "$CG/cgroup.controllers")); sh test/vm.sh t_exhaust runs it"
	grep -qw "$1" "$CG/cgroup.subtree_control" || echo "+$1" >"$CG/cgroup.subtree_control" ||
		skip "cannot enable $1 in $CG"
	CGP=$CG/$ID-lim
	mkdir "$CGP" || fail "mkdir $CGP"
}

# ex_cg_parent_gone: the limited parent, now empty, removed.
ex_cg_parent_gone() {
	[ -z "$(find "$CGP" -mindepth 1 -type d)" ] || fail "cgroups left in $CGP: $(find "$CGP" -mindepth 1 -type d)"
	poll rmdir "$CGP" 2>/dev/null || fail "rmdir $CGP: $(cat "$CGP/cgroup.procs")"
}

# ex_in_cgroup DIR CMD...: CMD from a shell moved into cgroup DIR.
ex_in_cgroup() {
	_d=$1
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$_d" "$@"
}

# The container's cgroup below a parent whose pids.max is reached: the
# init's clone3 into it fails (EAGAIN); husk removes the cgroup it made.
t_exhaust_pids_max_container() {
	ex_cg_parent pids
	ex_other_start
	echo 0 >"$CGP/pids.max"
	args true
	C_LINUX="\"cgroupsPath\": \"/${CGP##*/}/ctr\","
	mkbundle
	expect_fail "Resource temporarily unavailable" h run -b "$B" "$ID"
	expect_match "clone" "$(cat "$TD/err")" "the message names the clone"
	[ ! -e "$CGP/ctr" ] || fail "the container's cgroup $CGP/ctr is left"
	assert_clean "$ID"
	echo max >"$CGP/pids.max"
	expect_ok h run -b "$B" "$ID"
	ex_cg_parent_gone
	ex_other_intact
	ex_other_delete
}

# husk itself in a cgroup whose pids.max allows husk and at most two more:
# a fork husk needs there fails in one line, or (clone3 charges the init to
# its own cgroup, a sibling) all goes through; either way nothing is left.
t_exhaust_pids_max_husk() {
	ex_cg_parent pids
	ex_other_start
	mkdir "$CGP/sh"
	args true
	mkbundle
	for max in 1 2 3; do
		echo "$max" >"$CGP/pids.max"
		hx ex_in_cgroup "$CGP/sh" "$HUSK" --root "$ROOT" run -b "$B" "$ID"
		if [ "$RC" != 0 ]; then
			expect_eq 1 "$RC" "pids.max $max: exit status ($(cat "$TD/err"))"
			expect_eq 1 "$(wc -l <"$TD/err")" "pids.max $max: lines on stderr ($(cat "$TD/err"))"
			expect_match "^husk: .*Resource temporarily unavailable" "$(cat "$TD/err")" "pids.max $max"
		fi
		assert_clean "$ID"
	done
	rmdir "$CGP/sh"
	ex_cg_parent_gone
	ex_other_intact
	ex_other_delete
}

# The container's cgroup below a parent whose memory.max cannot hold the
# init: the OOM killer ends it in set-up; husk says so and removes it all.
t_exhaust_memory_max_container() {
	ex_cg_parent memory
	ex_other_start
	echo 0 >"$CGP/memory.swap.max" 2>/dev/null
	echo 0 >"$CGP/memory.max"
	args true
	C_LINUX="\"cgroupsPath\": \"/${CGP##*/}/ctr\","
	mkbundle
	expect_fail "" h run -b "$B" "$ID"
	expect_match "killed by signal 9|Cannot allocate memory|out of memory|OOM" "$(cat "$TD/err")" "the cause"
	[ ! -e "$CGP/ctr" ] || fail "the container's cgroup $CGP/ctr is left"
	assert_clean "$ID"
	echo max >"$CGP/memory.max"
	ex_cg_parent_gone
	ex_other_intact
	ex_other_delete
}

# ---- a read-only rootfs without the mount point --------------------------------

t_exhaust_readonly_rootfs_mountpoint() {
	mkdir -p "$TD/ro" "$B"
	mount -t tmpfs -o size=8m tmpfs "$TD/ro" || skip "cannot mount a tmpfs"
	cp -a "$ROOTFS/." "$TD/ro/"
	mount -o remount,ro "$TD/ro"
	ln -s "$TD/ro" "$B/rootfs"
	ex_other_start
	args true
	C_MOUNTS_EXTRA=$(mnt /no/such/dir tmpfs tmpfs)
	mkbundle
	expect_fail "mount on /no/such/dir: the mount point is missing" h run -b "$B" "$ID"
	expect_match "Read-only file system" "$(cat "$TD/err")" "the cause"
	ex_clean_besides "$TD/ro"
	C_MOUNTS_EXTRA=$(mnt /no-such-file bind "$B/config.json" bind)
	mkbundle
	expect_fail "mount on /no-such-file: the mount point is missing" h create -b "$B" "$ID"
	ex_clean_besides "$TD/ro"
	ex_other_intact
	ex_other_delete
	umount "$TD/ro"
	assert_clean "$ID"
}

# ---- no /proc -----------------------------------------------------------------

# husk in a mount namespace whose /proc is gone (lazily unmounted) or an
# empty tmpfs: every command on containers refuses, naming /proc, and the
# running $OTHER is neither reported stopped nor deleted. spec needs none.
ex_noproc() { # HOW CMD...
	_how=$1
	shift
	unshare -m --propagation private sh -c '
		if [ "$0" = umount ]; then umount -l /proc; else mount -t tmpfs -o size=64k x /proc; fi &&
		exec "$@"' "$_how" "$@"
}

t_exhaust_no_proc() {
	command -v unshare >/dev/null || skip "no unshare(1)"
	[ -z "${ASAN_OPTIONS:-}" ] || skip "the ASan runtime itself needs /proc (husk-asan)"
	args true
	mkbundle
	ex_other_start
	for how in umount tmpfs; do
		expect_fail "/proc: no procfs mounted there" ex_noproc "$how" "$HUSK" --root "$ROOT" run -b "$B" "$ID"
		assert_clean "$ID"
		expect_fail "/proc: no procfs mounted there" ex_noproc "$how" "$HUSK" --root "$ROOT" state "$OTHER"
		expect_fail "/proc: no procfs mounted there" ex_noproc "$how" "$HUSK" --root "$ROOT" list
		expect_fail "/proc: no procfs mounted there" ex_noproc "$how" "$HUSK" --root "$ROOT" delete "$OTHER"
		expect_refused 255 "/proc: no procfs mounted there" ex_noproc "$how" "$HUSK" --root "$ROOT" exec "$OTHER" true
		ex_other_intact
		mkdir -p "$TD/spec-$how"
		expect_ok ex_noproc "$how" "$HUSK" spec -b "$TD/spec-$how"
	done
	ex_other_delete
	assert_clean "$ID"
}

# ---- --root missing, its parent read-only ------------------------------------

t_exhaust_root_parent_readonly() {
	args true
	mkbundle
	mkdir -p "$TD/rp"
	mount -t tmpfs -o ro,size=64k tmpfs "$TD/rp" || skip "cannot mount a tmpfs"
	for cmd in create run "run -d"; do
		# shellcheck disable=SC2086
		expect_fail "mkdir $TD/rp/run: Read-only file system" hr --root "$TD/rp/run/husk" $cmd -b "$B" "$ID"
	done
	[ -z "$(ls -A "$TD/rp")" ] || fail "made in the read-only parent: $(ls -A "$TD/rp")"
	# queries on the missing root: nothing there, and nothing made
	expect_ok hr --root "$TD/rp/run/husk" list -q
	expect_fail "container $ID does not exist" hr --root "$TD/rp/run/husk" state "$ID"
	expect_ok hr --root "$TD/rp/run/husk" delete --force "$ID"
	umount "$TD/rp"
	assert_clean "$ID"
}

# ---- a cgroup2 mount hidden by another mount (issue 18) -----------------------

# ex_hidden CMD...: CMD in a private mount namespace where a tmpfs covers the
# cgroup2 mount, run from a cgroup of its own ($CG/$ID-sh): husk's cgroup
# is then not the root, as in the issue's report.
ex_hidden() {
	unshare -m --propagation private sh -c 'echo $$ >"$0/cgroup.procs" &&
		mount -t tmpfs -o size=1m x "$1" && shift && exec "$@"' "$CG/$ID-sh" "$CG" "$@"
}

ex_hidden_setup() {
	command -v unshare >/dev/null || skip "no unshare(1)"
	CG=$(cgroup2_dir)
	[ -n "$CG" ] || skip "no cgroup2 mount to hide"
	mkdir "$CG/$ID-sh" || fail "mkdir $CG/$ID-sh"
}

ex_hidden_done() {
	poll rmdir "$CG/$ID-sh" 2>/dev/null || fail "rmdir $CG/$ID-sh: $(cat "$CG/$ID-sh/cgroup.procs")"
	assert_clean "$ID"
}

# runc's default mounts include type "cgroup" on /sys/fs/cgroup: husk used
# to bind the hidden mount's path there (ENOENT). Now it runs as without
# cgroup2: the container's /sys/fs/cgroup is an empty tmpfs, it gets no
# cgroup, and --debug says why.
t_exhaust_hidden_cgroup2() {
	ex_hidden_setup
	args sh -c 'grep " /sys/fs/cgroup" /proc/self/mountinfo; echo ls: $(ls /sys/fs/cgroup)'
	C_MOUNTS_EXTRA=$(mnt /sys/fs/cgroup cgroup cgroup nosuid noexec nodev relatime ro)
	mkbundle
	expect_ok ex_hidden "$HUSK" --root "$ROOT" --debug run -b "$B" "$ID"
	grep -q "cgroup2 at $CG is hidden" "$TD/err" || fail "no --debug line on the hidden cgroup2: $(cat "$TD/err")"
	expect_line "ls:"
	grep -q " /sys/fs/cgroup [^ ]* - tmpfs " "$TD/out" || fail "no tmpfs on /sys/fs/cgroup: $(cat "$TD/out")"
	! grep -q cgroup2 "$TD/out" || fail "a cgroup2 in the container: $(cat "$TD/out")"
	[ ! -e "$CG/husk/$ID" ] || fail "a cgroup was made under the hidden mount"
	ex_hidden_done
}

# Without a visible cgroup2, what needs one is refused as on a host without
# it: device rules (never run unrestricted) and limits.
t_exhaust_hidden_cgroup2_refuses() {
	ex_hidden_setup
	args true
	C_LINUX='"resources": {"devices": [{"allow": false, "access": "rwm"}]},'
	mkbundle
	expect_fail "linux.resources.devices: cannot be enforced: no cgroup v2 is mounted" \
		ex_hidden "$HUSK" --root "$ROOT" run -b "$B" "$ID"
	C_LINUX='"resources": {"pids": {"limit": 10}},'
	mkbundle
	expect_fail "no cgroup v2 is mounted, so husk cannot apply limits" \
		ex_hidden "$HUSK" --root "$ROOT" run -b "$B" "$ID"
	ex_hidden_done
}

# The last mount at a point is the visible one: a cgroup v1 hierarchy
# mounted there hides cgroup2 as well.
t_exhaust_hidden_cgroup2_by_v1() {
	ex_hidden_setup
	unshare -m --propagation private sh -c 'mount -t cgroup -o none,name=husk-exhaust cgroup "$0"' "$CG" 2>/dev/null ||
		{ rmdir "$CG/$ID-sh"; skip "cannot mount a named cgroup v1 hierarchy here"; }
	args sh -c 'grep " /sys/fs/cgroup" /proc/self/mountinfo; echo ls: $(ls /sys/fs/cgroup)'
	C_MOUNTS_EXTRA=$(mnt /sys/fs/cgroup cgroup cgroup nosuid noexec nodev relatime ro)
	mkbundle
	expect_ok ex_hidden sh -c 'mount -t cgroup -o none,name=husk-exhaust cgroup "$0" &&
		exec "$@"' "$CG" "$HUSK" --root "$ROOT" --debug run -b "$B" "$ID"
	grep -q "cgroup2 at $CG is hidden" "$TD/err" || fail "cgroup v1 over cgroup2: no --debug line: $(cat "$TD/err")"
	expect_line "ls:"
	! grep -q " - cgroup" "$TD/out" || fail "a cgroup hierarchy in the container: $(cat "$TD/out")"
	[ ! -e "$CG/husk/$ID" ] || fail "a cgroup was made under the hidden mount"
	ex_hidden_done
}

# A cgroup2 mounted again over the tmpfs is visible, and husk uses it.
t_exhaust_hidden_cgroup2_remounted() {
	ex_hidden_setup
	args probe cgroup
	mkbundle
	expect_ok ex_hidden sh -c 'mount -t cgroup2 none "$0" && exec "$@"' "$CG" \
		"$HUSK" --root "$ROOT" --debug run -b "$B" "$ID"
	expect_line "cgroup: 0::/husk/$ID"
	! grep -q "is hidden" "$TD/err" || fail "the remounted cgroup2 taken as hidden: $(cat "$TD/err")"
	ex_hidden_done
}
