# t-checkpoint.sh: checkpoint and restore through criu.
# The error cases need no working criu and run everywhere. The real cases
# need `criu check` to pass: Debian's criu 3.17 fails it on newer kernels
# ("vdso: Unexpected rt vDSO area bounds" on 6.18), so they skip there
# and run in test/clients-vm.sh's Debian 6.1 VM, which runs this file.

# criu_works: skip unless criu is installed and `criu check` passes here.
criu_works() {
	command -v criu >/dev/null 2>&1 || skip "no criu installed"
	criu check >"$TD/criu-check" 2>&1 ||
		skip "criu check fails on $(uname -r): $(grep 'Error' "$TD/criu-check" | grep -v util.c |
			head -n 1 | sed 's/^Error ([^)]*): //' | cut -c1-100)"
}

# criu_installed: husk looks for criu before it looks at the container, so
# the error cases past that point need one (the initramfs VM has none).
criu_installed() {
	command -v criu >/dev/null 2>&1 || skip "no criu installed: husk stops at that first"
}

# counter: a container counting 5 times a second, on its stdout and in /tmp/n.
counter() {
	args sh -c 'i=0; while :; do i=$((i+1)); echo $i; echo $i >/tmp/n; sleep 0.2; done'
	mkbundle
}

# counted FILE N: FILE's last line is a number >= N.
counted() {
	_l=$(tail -n 1 "$1" 2>/dev/null | tr -dc 0-9)
	[ -n "$_l" ] && [ "$_l" -ge "$2" ]
}

# wait_count FILE N: until FILE's last line is a number >= N.
wait_count() {
	poll counted "$1" "$2" || fail "$1 never counted to $2 (${WAIT_S}s): $(tail -n 3 "$1" 2>/dev/null)"
}

# ---- without a working criu ------------------------------------------------------

t_checkpoint_no_criu() {
	args sleep 100
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	expect_fail "checkpoint: criu not found (install criu or pass --criu PATH)" \
		h --criu /nonexistent checkpoint --image-path "$TD/img" "$ID"
	[ ! -e "$TD/img" ] || fail "an image dir was made"
	expect_eq running "$(st "$ID" status)" "status after the failed checkpoint"
	expect_fail "restore: criu not found (install criu or pass --criu PATH)" \
		h --criu /nonexistent restore -d -b "$B" --image-path "$TD/img" "${ID}b"
	[ ! -e "$ROOT/${ID}b" ] || fail "a state dir was made"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_checkpoint_refused() {
	criu_installed
	expect_fail "checkpoint: --page-server is not supported by husk" \
		h checkpoint --page-server 127.0.0.1:1 "$ID"
	expect_fail "checkpoint: --lazy-pages is not supported by husk" h checkpoint --lazy-pages "$ID"
	expect_fail "restore: --lsm-profile is not supported by husk" \
		h restore -d --lsm-profile apparmor:x "$ID"
	expect_fail 'invalid mode "bogus"' h checkpoint --manage-cgroups-mode bogus "$ID"
	expect_fail "container $ID does not exist" h checkpoint --image-path "$TD/img" "$ID"
	[ ! -e "$TD/img" ] || fail "an image dir was made"
	assert_clean "$ID"
}

t_checkpoint_not_running() {
	criu_installed
	args sleep 100
	mkbundle
	expect_ok h create -b "$B" "$ID"
	expect_fail "cannot checkpoint container $ID: it is created, not running" \
		h checkpoint --image-path "$TD/img" "$ID"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_checkpoint_restore_bad_image() {
	criu_installed
	args sleep 100
	mkbundle
	expect_fail "restore: $TD/none: not a checkpoint (inventory.img)" \
		h restore -d -b "$B" --image-path "$TD/none" "$ID"
	assert_clean "$ID"
	mkdir -p "$TD/img"
	echo junk >"$TD/img/inventory.img"
	expect_fail "descriptors.json" h restore -d -b "$B" --image-path "$TD/img" "$ID"
	assert_clean "$ID"
	# criu itself fails (junk images here; on a kernel criu cannot work
	# with, before it reads them): nothing is left, criu-root unmounted.
	printf '["/dev/null","/dev/null","/dev/null"]\n' >"$TD/img/descriptors.json"
	expect_fail "restore: criu restore failed" h restore -d -b "$B" --image-path "$TD/img" "$ID"
	expect_match 'restore.log' "$(cat "$TD/err")" "the message names criu's log"
	assert_clean "$ID"
	# an existing id is refused before anything is made
	expect_ok h run -d -b "$B" "${ID}b"
	expect_fail "container ${ID}b already exists" h restore -d -b "$B" --image-path "$TD/img" "${ID}b"
	expect_eq running "$(st "${ID}b" status)" "the existing container"
	expect_ok h delete -f "${ID}b"
	assert_clean "$ID"
}

# fake_criu: $TD/criu, a stand-in for `criu restore` that does what husk
# relies on criu for around the hooks: it starts a "restored init" (a
# sleep, in the cgroup husk started it in), runs the --action-script as
# criu 3.17 does (by its path, no argument, stdin closed, with
# CRTOOLS_SCRIPT_ACTION and CRTOOLS_INIT_PID) for pre-restore,
# setup-namespaces and post-restore, fails as criu does when the script
# fails (killing what it restored), else writes --pidfile. Its argv goes
# to $TD/criu.args. The real criu runs these cases in the clients VM.
fake_criu() {
	cat >"$TD/criu" <<FAKE
#!/bin/sh
echo "\$*" >"$TD/criu.args"
for a; do
	case \$a in
	--action-script=*) s=\${a#*=} ;;
	--pidfile=*) pf=\${a#*=} ;;
	--log-file=*) log=\${a#*=} ;;
	esac
done
sleep 1000 14>&- </dev/null >/dev/null 2>&1 &
p=\$!
for act in pre-restore setup-namespaces post-restore; do
	[ -z "\$s" ] || CRTOOLS_SCRIPT_ACTION=\$act CRTOOLS_INIT_PID=\$p "\$s" 14>&- <&- || {
		kill -9 \$p
		echo "Error (fake): the \$act script failed" >"\$log"
		exit 1
	}
done
echo \$p >"\$pf"
FAKE
	chmod +x "$TD/criu"
	mkdir -p "$TD/img"
	echo junk >"$TD/img/inventory.img"
	printf '["/dev/null","/dev/null","/dev/null"]\n' >"$TD/img/descriptors.json"
}

# The hooks' plumbing on any host, with fake_criu: restore runs prestart
# then createRuntime with the "restored" pid, alive and in the container's
# cgroup then; a failing createRuntime hook fails the restore in one line
# naming it, leaving nothing; without those hooks criu gets no script.
t_checkpoint_restore_hooks_plumbing() {
	# The stand-in is a shell script holding criu's fd 14; busybox ash (the
	# initramfs VMs' /bin/sh) was seen to lose that fd and hang there. The
	# real criu runs the hook cases in the clients VM.
	case $(readlink -f /bin/sh) in *busybox*) skip "the stand-in criu needs a /bin/sh that keeps fd 14 (busybox ash does not)" ;; esac
	restore_hooks
	fake_criu
	args sleep 100
	mkbundle
	expect_ok h --criu "$TD/criu" restore -d -b "$B" --image-path "$TD/img" "$ID"
	expect_eq "prestart createRuntime" "$(kinds "$TD/hooks" 2>&1)" "the hooks at restore"
	pid=$(st "$ID" pid)
	cg=$(grep "^0::" "/proc/$pid/cgroup")
	case $cg in *"$ID"*) ;; *) fail "the restored init's cgroup: $cg" ;; esac
	while read -r k p s c; do
		expect_eq "$pid creating $cg" "$p $s $c" "$k hook's pid, status and its cgroup"
	done <"$TD/hooks"
	expect_ok h delete -f "$ID"
	expect_eq "prestart createRuntime poststop" "$(kinds "$TD/hooks")" "the hooks after delete"
	assert_clean "$ID"
	rm "$TD/hooks"
	touch "$TD/hooks.fail-createRuntime"
	expect_fail "restore: createRuntime hook /bin/sh: exited with status 3" \
		h --criu "$TD/criu" restore -d -b "$B" --image-path "$TD/img" "$ID"
	expect_eq "prestart createRuntime" "$(kinds "$TD/hooks")" "the hooks that ran"
	assert_clean "$ID"
	C_TOP=
	mkbundle
	expect_ok h --criu "$TD/criu" restore -d -b "$B" --image-path "$TD/img" "$ID"
	expect_no_match 'action-script' "$(cat "$TD/criu.args")" "criu's arguments without hooks"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# ---- with criu (the clients VM) --------------------------------------------------

# through_pipe OUT CMD...: CMD in the background with stdin /dev/null,
# stdout a pipe into OUT (by cat), stderr OUT.err; its status in OUT.rc.
# Waits (10 s at most) for CMD, not for cat (the container holds the pipe).
through_pipe() {
	_o=$1
	shift
	rm -f "$_o.rc"
	(
		"$@" </dev/null 2>"$_o.err"
		echo $? >"$_o.rc"
	) | cat >"$_o" &
	wait_file "$_o.rc"
	[ "$(cat "$_o.rc")" = 0 ] || fail "$*: exit $(cat "$_o.rc"): $(cat "$_o.err")"
}

# consecutive FILE: its lines are 1, 2, 3, ... with no gap and no restart.
consecutive() {
	_bad=$(awk '$0 != NR { print NR ": " $0; exit }' "$1")
	[ -z "$_bad" ] || fail "$1 does not count on from where it stopped: line $_bad"
}

# Checkpoint (the container ends), restore under the same id: the count
# goes on from the checkpointed value; state, exec, ps, kill, delete work.
# Its stdout is a file outside the container: criu saves it as external
# and checks its size at restore, so restore appends to the same file.
t_checkpoint_counter() {
	criu_works
	# poststop runs when the checkpoint ends the container, and at delete
	C_TOP="\"hooks\": {\"poststop\": [$(hook /bin/sh sh -c "echo poststop >>$TD/hook")]},"
	counter
	h run -d -b "$B" "$ID" </dev/null >"$TD/c1" 2>"$TD/e1" || fail "run: $(cat "$TD/e1")"
	wait_count "$TD/c1" 5
	expect_ok h checkpoint --image-path "$TD/img" "$ID"
	[ -s "$TD/img/inventory.img" ] || fail "no inventory.img in the image dir"
	[ ! -e "$ROOT/$ID" ] || fail "the state dir is still there after checkpoint"
	assert_clean "$ID"
	expect_eq poststop "$(cat "$TD/hook" 2>/dev/null)" "the poststop hook at checkpoint"
	n=$(tail -n 1 "$TD/c1")
	sleep 1 # a negative check: a slower machine only gives it less chance to see a count
	expect_eq "$n" "$(tail -n 1 "$TD/c1")" "count once checkpointed"
	h restore -d -b "$B" --image-path "$TD/img" --pid-file "$TD/pid" "$ID" </dev/null \
		>>"$TD/c1" 2>>"$TD/e1" || fail "restore: $(cat "$TD/e1")"
	expect_eq "" "$(cat "$TD/e1")" "restore's stderr"
	wait_count "$TD/c1" $((n + 3))
	consecutive "$TD/c1"
	expect_eq running "$(st "$ID" status)" "status after restore"
	expect_eq "$(cat "$TD/pid")" "$(st "$ID" pid)" "state pid and --pid-file"
	expect_ok h exec "$ID" cat /tmp/n
	[ "$(cat "$TD/out")" -gt "$n" ] || fail "exec cat /tmp/n: $(cat "$TD/out"), not above $n"
	expect_ok h ps --format json "$ID"
	expect_match "$(cat "$TD/pid")" "$(cat "$TD/out")" "ps lists the restored init"
	expect_ok h kill "$ID" KILL
	wait_status "$ID" stopped
	expect_ok h delete "$ID"
	expect_eq 2 "$(wc -l <"$TD/hook")" "poststop hooks run (checkpoint, delete)"
	assert_clean "$ID"
}

# --leave-running: the container goes on; its images restore under a new
# id once the original is deleted. Its stdout is a pipe, as runc's tests
# have it: restore gives the restored container husk's own stdout instead.
t_checkpoint_leave_running() {
	criu_works
	counter
	through_pipe "$TD/c1" h run -d -b "$B" "$ID"
	wait_count "$TD/c1" 3
	expect_ok h checkpoint --leave-running --image-path "$TD/img" "$ID"
	expect_eq running "$(st "$ID" status)" "status after checkpoint --leave-running"
	m=$(tail -n 1 "$TD/c1")
	wait_count "$TD/c1" $((m + 3))
	consecutive "$TD/c1"
	expect_ok h delete -f "$ID"
	through_pipe "$TD/c2" h restore -d -b "$B" --image-path "$TD/img" "${ID}b"
	wait_count "$TD/c2" 3
	first=$(head -n 1 "$TD/c2")
	[ "$first" -gt 1 ] && [ "$first" -le $((m + 2)) ] ||
		fail "the first count after restore: $first (checkpointed at about $m)"
	awk -v f="$first" '$0 != f + NR - 1 { print; exit 1 }' "$TD/c2" ||
		fail "the restored container does not count on: $(head -n 5 "$TD/c2")"
	expect_eq running "$(st "${ID}b" status)" "status of the restored container"
	expect_ok h delete -f "${ID}b"
	assert_clean "$ID"
}

# Pre-dumps (memory only, the container runs on), a chain of two, then
# the dump with the last as its parent: the restore counts on.
t_checkpoint_pre_dump() {
	criu_works
	counter
	h run -d -b "$B" "$ID" </dev/null >"$TD/c1" 2>"$TD/e1" || fail "run: $(cat "$TD/e1")"
	wait_count "$TD/c1" 3
	expect_ok h checkpoint --pre-dump --image-path "$TD/pre1" "$ID"
	expect_eq running "$(st "$ID" status)" "status after a pre-dump"
	expect_ok h checkpoint --pre-dump --image-path "$TD/pre2" --parent-path ../pre1 "$ID"
	expect_eq running "$(st "$ID" status)" "status after the second pre-dump"
	expect_ok h checkpoint --image-path "$TD/img" --parent-path ../pre2 "$ID"
	[ -L "$TD/img/parent" ] || fail "the dump has no parent link: $(ls "$TD/img" | head)"
	assert_clean "$ID"
	h restore -d -b "$B" --image-path "$TD/img" "$ID" </dev/null >>"$TD/c1" 2>>"$TD/e1" ||
		fail "restore: $(cat "$TD/e1")"
	n=$(tail -n 1 "$TD/c1")
	wait_count "$TD/c1" $((n + 3))
	consecutive "$TD/c1"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# restore without -d waits, as run: it exits with the container's status
# and deletes it.
t_checkpoint_restore_foreground() {
	criu_works
	args sh -c 'i=0; while [ $i -lt 25 ]; do i=$((i+1)); echo $i; sleep 0.2; done; exit 3'
	mkbundle
	h run -d -b "$B" "$ID" </dev/null >"$TD/c1" 2>"$TD/e1" || fail "run: $(cat "$TD/e1")"
	wait_count "$TD/c1" 3
	expect_ok h checkpoint --image-path "$TD/img" "$ID"
	# stdout: the same file, appended (criu checks an external file's size)
	h restore -b "$B" --image-path "$TD/img" "$ID" </dev/null >>"$TD/c1" 2>>"$TD/e1"
	expect_eq 3 "$?" "restore's exit status (the container's; stderr: $(cat "$TD/e1"))"
	expect_eq 25 "$(tail -n 1 "$TD/c1")" "the last count"
	consecutive "$TD/c1"
	assert_clean "$ID"
}

# A restored container is deleted cleanly: no state, cgroup or process.
# criu leaves the cgroups alone (ignore): what it restores is born in the
# cgroup husk made and started it in, limits and all.
# ps_at_least ID N: `husk ps` lists N processes of ID or more.
ps_at_least() {
	[ "$(h ps --format json "$1" </dev/null 2>/dev/null | tr ',' '\n' | grep -c '[0-9]')" -ge "$2" ]
}

t_checkpoint_restored_delete() {
	criu_works
	args sh -c 'sleep 1000 & sleep 1000 & while :; do sleep 1; done'
	C_LINUX='"resources": {"pids": {"limit": 50}},'
	mkbundle
	h run -d -b "$B" "$ID" </dev/null >"$TD/c1" 2>"$TD/e1" || fail "run: $(cat "$TD/e1")"
	wait_for "the container's 3 processes" ps_at_least "$ID" 3
	expect_ok h checkpoint --manage-cgroups-mode ignore --image-path "$TD/img" "$ID"
	assert_clean "$ID"
	h restore -d -b "$B" --manage-cgroups-mode ignore --image-path "$TD/img" "$ID" </dev/null >"$TD/c2" 2>"$TD/e2" ||
		fail "restore: $(cat "$TD/e2")"
	expect_ok h ps --format json "$ID"
	n=$(tr ',' '\n' <"$TD/out" | grep -c '[0-9]')
	[ "$n" -ge 3 ] || fail "ps after restore: $(cat "$TD/out") (3 processes or more expected)"
	cg=$(sed -n 's/.*"husk.cgroup": "\([^"]*\)".*/\1/p' "$ROOT/$ID/state.json")
	[ -d "$cg" ] || fail "no cgroup $cg"
	expect_eq 50 "$(cat "$cg/pids.max")" "pids.max of the restored cgroup"
	expect_ok h delete -f "$ID"
	[ ! -d "$cg" ] || fail "cgroup $cg left"
	assert_clean "$ID"
}

# A container with a terminal: the restored one gets a new pty, whose
# master goes to restore's --console-socket.
t_checkpoint_terminal() {
	criu_works
	[ -x "$SOCKRECV" ] || skip "no $SOCKRECV (built by rootfs.sh)"
	C_TERMINAL=true
	counter
	"$SOCKRECV" "$TD/sock" >"$TD/t1" 2>"$TD/sr1" &
	wait_for "sockrecv's socket" test -S "$TD/sock"
	expect_ok h run -d --console-socket "$TD/sock" -b "$B" "$ID"
	wait_count "$TD/t1" 3
	expect_ok h checkpoint --image-path "$TD/img" "$ID"
	n=$(tail -n 1 "$TD/t1" | tr -dc 0-9)
	"$SOCKRECV" "$TD/sock2" >"$TD/t2" 2>"$TD/sr2" &
	wait_for "sockrecv's socket" test -S "$TD/sock2"
	expect_fail "--console-socket is required" h restore -d -b "$B" --image-path "$TD/img" "$ID"
	assert_clean "$ID"
	expect_ok h restore -d -b "$B" --image-path "$TD/img" --console-socket "$TD/sock2" "$ID"
	wait_count "$TD/t2" $((n + 3))
	expect_match '^sockrecv: got fd' "$(head -n 1 "$TD/t2")" "the console socket"
	expect_eq $((n + 1)) "$(sed -n 2p "$TD/t2" | tr -dc 0-9)" "the first count on the new pty"
	expect_ok h exec "$ID" sh -c 'tty </proc/1/fd/0 2>&1; cat /tmp/n'
	expect_eq running "$(st "$ID" status)" "status after restore"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# A process of `husk exec` is no child of the init, so not in the tree
# criu saves (as with runc): the checkpoint ends it with the container, and
# the restored container runs without it.
t_checkpoint_with_exec() {
	criu_works
	counter
	h run -d -b "$B" "$ID" </dev/null >"$TD/c1" 2>"$TD/e1" || fail "run: $(cat "$TD/e1")"
	wait_count "$TD/c1" 3
	expect_ok h exec -d "$ID" sleep 1000
	expect_ok h ps "$ID"
	expect_match 'sleep 1000' "$(cat "$TD/out")" "ps before the checkpoint"
	expect_ok h checkpoint --image-path "$TD/img" "$ID"
	assert_clean "$ID"
	h restore -d -b "$B" --image-path "$TD/img" "$ID" </dev/null >>"$TD/c1" 2>>"$TD/e1" ||
		fail "restore: $(cat "$TD/e1")"
	expect_ok h ps "$ID"
	expect_no_match 'sleep 1000' "$(cat "$TD/out")" "ps after restore"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# restore_hooks: a hook of each kind. Those of the host run hook.sh: each
# appends "KIND PID STATUS CGROUP" to $TD/hooks (PID and STATUS from the
# state on its stdin, CGROUP that pid's, read while the hook runs) and fails
# (exit 3) when $TD/hooks.fail-KIND exists. startContainer runs in the
# container (its path resolves there): it appends to the container's /tmp/sc.
restore_hooks() {
	cat >"$TD/hook.sh" <<'HOOK'
s=$(cat)
p=$(printf '%s' "$s" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
st=$(printf '%s' "$s" | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')
echo "$1 $p $st $(grep "^0::" /proc/$p/cgroup 2>/dev/null)" >>"$2"
[ ! -e "$2.fail-$1" ] || exit 3
HOOK
	_hk=
	for _k in prestart createRuntime createContainer poststart poststop; do
		_hk="$_hk, \"$_k\": [$(hook /bin/sh sh "$TD/hook.sh" "$_k" "$TD/hooks")]"
	done
	C_TOP="\"hooks\": {\"startContainer\": [$(hook /bin/sh sh -c 'echo started >>/tmp/sc')]$_hk},"
}

# kinds FILE: the first words of FILE's lines, on one line.
kinds() {
	awk '{ printf "%s%s", (NR > 1 ? " " : ""), $1 }' "$1"
}

# Restore runs the prestart and createRuntime hooks, in that order, as runc
# does (at criu's setup-namespaces), and no createContainer, startContainer
# or poststart: each gets the restored init's pid, alive then and already
# in the container's cgroup, with the status "creating" (runc says
# "stopped": its restore has no init yet when it asks).
t_checkpoint_restore_hooks() {
	criu_works
	restore_hooks
	counter
	h run -d -b "$B" "$ID" </dev/null >"$TD/c1" 2>"$TD/e1" || fail "run: $(cat "$TD/e1")"
	wait_count "$TD/c1" 3
	expect_eq "prestart createRuntime createContainer poststart" "$(kinds "$TD/hooks")" \
		"the host's hooks at run (they work)"
	expect_ok h exec "$ID" cat /tmp/sc
	expect_eq started "$(cat "$TD/out")" "the startContainer hook at run"
	expect_ok h checkpoint --image-path "$TD/img" "$ID"
	expect_eq poststop "$(sed -n 5p "$TD/hooks" | cut -d' ' -f1)" "the hook at checkpoint"
	rm "$TD/hooks"
	h restore -d -b "$B" --image-path "$TD/img" "$ID" </dev/null >>"$TD/c1" 2>>"$TD/e1" ||
		fail "restore: $(cat "$TD/e1")"
	n=$(tail -n 1 "$TD/c1")
	wait_count "$TD/c1" $((n + 3))
	consecutive "$TD/c1"
	expect_eq "prestart createRuntime" "$(kinds "$TD/hooks" 2>&1)" "the hooks at restore"
	pid=$(st "$ID" pid)
	cg=$(grep "^0::" "/proc/$pid/cgroup")
	case $cg in *"$ID"*) ;; *) fail "the restored init's cgroup: $cg" ;; esac
	while read -r k p s c; do
		expect_eq "$pid creating $cg" "$p $s $c" "$k hook's pid, status and its cgroup"
	done <"$TD/hooks"
	expect_ok h exec "$ID" cat /tmp/sc
	expect_eq started "$(cat "$TD/out")" "startContainer hooks (one, at run)"
	expect_ok h delete -f "$ID"
	expect_eq "prestart createRuntime poststop" "$(kinds "$TD/hooks")" "the hooks after delete"
	assert_clean "$ID"
}

# A failing createRuntime hook fails the restore (criu kills what it
# restored) in one line naming it, and leaves nothing; a prestart hook ran
# first. The images are intact: the next restore counts on.
t_checkpoint_restore_hook_fails() {
	criu_works
	restore_hooks
	counter
	h run -d -b "$B" "$ID" </dev/null >"$TD/c1" 2>"$TD/e1" || fail "run: $(cat "$TD/e1")"
	wait_count "$TD/c1" 3
	expect_ok h checkpoint --image-path "$TD/img" "$ID"
	n=$(tail -n 1 "$TD/c1")
	rm "$TD/hooks"
	touch "$TD/hooks.fail-createRuntime"
	expect_fail "restore: createRuntime hook /bin/sh: exited with status 3" \
		h restore -d -b "$B" --image-path "$TD/img" "$ID"
	expect_eq "prestart createRuntime" "$(kinds "$TD/hooks")" "the hooks that ran"
	[ ! -e "$ROOT/$ID" ] || fail "a state dir is left"
	assert_clean "$ID"
	rm "$TD/hooks.fail-createRuntime" "$TD/hooks"
	h restore -d -b "$B" --image-path "$TD/img" "$ID" </dev/null >>"$TD/c1" 2>>"$TD/e1" ||
		fail "restore: $(cat "$TD/e1")"
	wait_count "$TD/c1" $((n + 3))
	consecutive "$TD/c1"
	expect_eq "prestart createRuntime" "$(kinds "$TD/hooks")" "the hooks at the second restore"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}
