# t-lifecycle.sh: create, start, run, kill, delete, state, pid files.

t_create_start_delete() {
	args sh -c 'echo started; exec sleep 100'
	mkbundle
	h create -b "$B" --pid-file "$TD/pid" "$ID" </dev/null >"$TD/cout" 2>"$TD/err" ||
		fail "create: $(cat "$TD/err")"
	pid=$(cat "$TD/pid")
	expect_match '^[0-9]+$' "$pid" "pid file"
	expect_eq "${#pid}" "$(wc -c <"$TD/pid" | tr -d ' ')" "pid file length (no newline)"
	[ -d "/proc/$pid" ] || fail "init $pid not alive after create"
	no_husk_left "$pid"
	expect_eq created "$(st "$ID" status)" "status after create"
	expect_eq "$pid" "$(st "$ID" pid)" "state pid"
	expect_eq "" "$(cat "$TD/cout")" "output before start"
	expect_ok h start "$ID"
	wait_file "$TD/cout"
	expect_line started "$TD/cout"
	expect_eq running "$(st "$ID" status)" "status after start"
	[ ! -e "$ROOT/$ID/exec.sock" ] || fail "exec.sock still there after start"
	expect_ok h kill "$ID" KILL
	wait_status "$ID" stopped
	expect_eq 0 "$(st "$ID" pid)" "pid once stopped"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

t_start_output() {
	args probe pid
	mkbundle
	h create -b "$B" "$ID" </dev/null >"$TD/cout" 2>"$TD/err" || fail "create: $(cat "$TD/err")"
	sleep 0.2 # a negative check: a slower machine only gives it less chance to see output
	expect_eq "" "$(cat "$TD/cout")" "output before start"
	expect_ok h start "$ID"
	expect_eq "" "$(cat "$TD/out")" "output of start itself"
	wait_status "$ID" stopped
	expect_line "pid: 1" "$TD/cout"
	expect_line "ppid: 0" "$TD/cout"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

t_start_twice() {
	args sleep 100
	mkbundle
	expect_ok h create -b "$B" "$ID"
	expect_ok h start "$ID"
	expect_fail "" h start "$ID"
	expect_eq running "$(st "$ID" status)" "status after a second start"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_start_stopped() {
	args true
	mkbundle
	expect_ok h run --keep -b "$B" "$ID"
	expect_eq stopped "$(st "$ID" status)" status
	expect_fail "" h start "$ID"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

t_run_exit_status() {
	args sh -c 'exit 3'
	mkbundle
	expect_status 3 h run -b "$B" "$ID"
	assert_clean "$ID"
	args false
	mkbundle
	expect_status 1 h run -b "$B" "$ID"
	args true
	mkbundle
	expect_status 0 h run -b "$B" "$ID"
	assert_clean "$ID"
}

# A container killed by signal N: run exits 128+N.
t_run_signal_status() {
	args sh -c 'kill -KILL $$'
	C_NS=$(ns ipc uts mount) # no pid namespace: init could not kill itself
	mkbundle
	expect_status 137 h run -b "$B" "$ID"
	assert_clean "$ID"
}

t_run_killed_from_outside() {
	args sleep 100
	mkbundle
	h run -b "$B" "$ID" </dev/null >"$TD/out" 2>"$TD/err" &
	r=$!
	wait_status "$ID" running
	expect_ok h kill "$ID" KILL
	wait "$r"
	expect_eq 137 "$?" "exit status of run"
	assert_clean "$ID"
}

t_run_keep() {
	args sh -c 'echo kept; exit 5'
	mkbundle
	expect_status 5 h run --keep -b "$B" "$ID"
	expect_line kept
	expect_eq stopped "$(st "$ID" status)" "status after run --keep"
	expect_eq 0 "$(st "$ID" pid)" "pid after run --keep"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

t_run_detach() {
	args sleep 100
	mkbundle
	for d in -d --detach; do
		expect_ok h run $d -b "$B" --pid-file "$TD/pid" "$ID"
		no_husk_left
		expect_eq running "$(st "$ID" status)" "status after run $d"
		expect_eq "$(cat "$TD/pid")" "$(st "$ID" pid)" "pid file"
		expect_ok h kill "$ID" KILL
		wait_status "$ID" stopped
		expect_ok h delete "$ID"
		assert_clean "$ID"
	done
}

# run in the foreground passes stdin through.
t_run_stdin() {
	args sh -c 'read x; echo "got $x"'
	mkbundle
	echo hello >"$TD/in"
	h run -b "$B" "$ID" <"$TD/in" >"$TD/out" 2>"$TD/err" || fail "run: $(cat "$TD/err")"
	expect_line "got hello"
	assert_clean "$ID"
}

# Default stdio: the container gets the runtime's fds 0, 1, 2 untouched.
t_stdio_passthrough() {
	args sh -c 'cat; echo to-err >&2'
	mkbundle
	echo from-in >"$TD/in"
	h create -b "$B" "$ID" <"$TD/in" >"$TD/cout" 2>"$TD/cerr" || fail "create: $(cat "$TD/cerr")"
	expect_ok h start "$ID"
	wait_status "$ID" stopped
	expect_line from-in "$TD/cout"
	expect_line to-err "$TD/cerr"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

t_kill_default_sigterm() {
	args sh -c 'trap "echo got-TERM; exit 42" TERM; echo ready; while :; do sleep 0.1; done'
	mkbundle
	h run -b "$B" "$ID" </dev/null >"$TD/rout" 2>"$TD/err" &
	r=$!
	wait_file "$TD/rout"
	expect_ok h kill "$ID"
	wait "$r"
	expect_eq 42 "$?" "exit status (the TERM trap's)"
	expect_line got-TERM "$TD/rout"
	assert_clean "$ID"
}

t_kill_signal_forms() {
	args sh -c 'trap "echo got-USR1" USR1; trap "echo got-HUP" HUP; trap "echo got-USR2" USR2; echo ready; while :; do sleep 0.1; done'
	mkbundle
	h run -d -b "$B" "$ID" </dev/null >"$TD/rout" 2>"$TD/err" || fail "run -d: $(cat "$TD/err")"
	wait_file "$TD/rout"
	for s in USR1:USR1 SIGHUP:HUP 12:USR2; do
		expect_ok h kill "$ID" "${s%:*}"
		wait_for "the container's trap to print got-${s#*:}" has_line "got-${s#*:}" "$TD/rout"
	done
	expect_fail "" h kill "$ID" SIGNOPE
	expect_fail "" h kill "$ID" 999
	expect_eq running "$(st "$ID" status)" "status after bad signals"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_kill_9_KILL_SIGKILL() {
	args sleep 100
	mkbundle
	for s in 9 KILL SIGKILL; do
		expect_ok h run -d -b "$B" "$ID"
		expect_ok h kill "$ID" "$s"
		wait_status "$ID" stopped
		expect_ok h delete "$ID"
		assert_clean "$ID"
	done
}

t_kill_stopped() {
	args true
	mkbundle
	expect_ok h run --keep -b "$B" "$ID"
	expect_fail "container not running" h kill "$ID" KILL
	expect_fail "container not running" h kill "$ID"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

# kill of a created container (containerd does it before delete).
t_kill_created() {
	args sleep 100
	mkbundle
	expect_ok h create -b "$B" "$ID"
	expect_ok h kill "$ID" KILL
	wait_status "$ID" stopped
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

# config.md: process is required only when start is called, and
# runtime.md: start MUST then fail. create works (the init holds the
# namespaces), start fails and leaves it created, delete cleans up; run,
# which starts, refuses it before anything exists.
t_create_without_process() {
	mkbundle
	sed -i '/"process": {/,/^	},$/d' "$B/config.json"
	grep -q '"process"' "$B/config.json" && fail "the config still has a process"
	expect_fail "husk: config.json: process: required to run a container" h run -b "$B" "$ID"
	assert_clean "$ID"
	expect_ok h create -b "$B" "$ID"
	expect_eq created "$(st "$ID" status)" "status after create"
	expect_fail "cannot start container $ID: its config.json has no process" h start "$ID"
	expect_eq created "$(st "$ID" status)" "status after the failed start"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

# kill --all reaches every process of the container, kill only the init.
# No pid namespace, so killing the init alone leaves its children.
t_kill_all() {
	args sh -c 'sleep 1000 & sleep 1000 & echo ready; wait'
	C_NS=$(ns ipc uts mount)
	mkbundle
	h run -d -b "$B" "$ID" </dev/null >"$TD/rout" 2>"$TD/err" || fail "run -d: $(cat "$TD/err")"
	wait_file "$TD/rout"
	n=$(marked_pids | wc -l)
	[ "$n" -ge 3 ] || fail "expected 3 processes, found $n"
	expect_ok h kill --all "$ID" KILL
	poll no_marked || fail "processes left after kill --all: $(marked_pids | tr '\n' ' ')"
	wait_status "$ID" stopped
	expect_ok h delete "$ID"
	assert_clean "$ID"
	h run -d -b "$B" "$ID" </dev/null >"$TD/rout" 2>"$TD/err" || fail "run -d: $(cat "$TD/err")"
	wait_file "$TD/rout"
	expect_ok h kill -a "$ID" TERM
	poll no_marked || fail "processes left after kill -a TERM: $(marked_pids | tr '\n' ' ')"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# kill --all of a stopped container signals what its init left in the
# cgroup and succeeds (runc; containerd's shim relies on it); a plain kill
# of a stopped container still fails.
t_kill_all_stopped() {
	args sh -c 'sleep 1000 & echo ready; exit 0'
	C_NS=$(ns ipc uts mount)
	mkbundle
	h run -d -b "$B" "$ID" </dev/null >"$TD/rout" 2>"$TD/err" || fail "run -d: $(cat "$TD/err")"
	wait_status "$ID" stopped
	[ "$(marked_pids | wc -l)" -ge 1 ] || fail "the init left no process behind"
	expect_fail "container not running" h kill "$ID" KILL
	[ "$(marked_pids | wc -l)" -ge 1 ] || fail "a failed kill signalled something"
	expect_ok h kill --all "$ID" KILL
	poll no_marked || fail "processes left after kill --all of a stopped container: $(marked_pids | tr '\n' ' ')"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

# delete --force of a container without a pid namespace kills all of it.
t_delete_force_kills_all() {
	args sh -c 'sleep 1000 & sleep 1000 & echo ready; wait'
	C_NS=$(ns ipc uts mount)
	mkbundle
	h run -d -b "$B" "$ID" </dev/null >"$TD/rout" 2>"$TD/err" || fail "run -d: $(cat "$TD/err")"
	wait_file "$TD/rout"
	expect_ok h delete --force "$ID"
	wait_clean "$ID"
}

t_delete_running_refused() {
	args sleep 100
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	expect_fail "running" h delete "$ID"
	expect_eq running "$(st "$ID" status)" "status after refused delete"
	expect_ok h delete --force "$ID"
	assert_clean "$ID"
}

t_delete_created() {
	args sleep 100
	mkbundle
	expect_ok h create -b "$B" --pid-file "$TD/pid" "$ID"
	pid=$(cat "$TD/pid")
	expect_ok h delete "$ID"
	wait_gone "$pid" "init $pid after delete of a created container"
	assert_clean "$ID"
}

t_create_existing() {
	args sleep 100
	mkbundle
	expect_ok h create -b "$B" --pid-file "$TD/pid" "$ID"
	expect_fail "already exists" h create -b "$B" --pid-file "$TD/pid2" "$ID"
	[ ! -e "$TD/pid2" ] || fail "pid file written by a refused create"
	expect_eq created "$(st "$ID" status)" "status of the first"
	expect_eq "$(cat "$TD/pid")" "$(st "$ID" pid)" "pid of the first"
	expect_ok h start "$ID"
	expect_eq running "$(st "$ID" status)" "the first still starts"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_state_fields() {
	args sleep 100
	C_TOP='"annotations": {"org.example.k": "v", "a.b": "c d"},'
	mkbundle
	expect_ok h create -b b --pid-file "$TD/pid" "$ID" # relative bundle path
	expect_ok h state "$ID"
	s=$(cat "$TD/out")
	expect_match '^\{' "$s" "state output"
	expect_eq "$ID" "$(printf '%s' "$s" | json_get id)" id
	expect_eq "$(cat "$TD/pid")" "$(printf '%s' "$s" | json_get pid)" pid
	expect_eq created "$(printf '%s' "$s" | json_get status)" status
	expect_eq "$B" "$(printf '%s' "$s" | json_get bundle)" "bundle (absolute)"
	expect_match "^($B/)?rootfs|$ROOTFS\$" "$(printf '%s' "$s" | json_get rootfs)" rootfs
	expect_match '^[0-9]+\.[0-9]+\.[0-9]+' "$(printf '%s' "$s" | json_get ociVersion)" ociVersion
	expect_match '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$' \
		"$(printf '%s' "$s" | json_get created)" "created (RFC 3339)"
	expect_match '"owner"[[:space:]]*:' "$s" owner
	expect_match '"annotations"[[:space:]]*:[[:space:]]*\{' "$s" annotations
	expect_eq v "$(printf '%s' "$s" | json_get org.example.k)" "annotation org.example.k"
	expect_eq "c d" "$(printf '%s' "$s" | json_get a.b)" "annotation a.b"
	expect_ok h start "$ID"
	expect_eq running "$(st "$ID" status)" status
	expect_ok h kill "$ID" KILL
	wait_status "$ID" stopped
	expect_eq 0 "$(st "$ID" pid)" "pid when stopped"
	expect_eq "$ID" "$(st "$ID" id)" "id when stopped"
	expect_ok h delete "$ID"
	expect_fail "does not exist" h state "$ID"
	assert_clean "$ID"
}

# Liveness is pid + start time: a pid reused by another process does not
# make a stopped container look alive.
t_state_pid_reuse() {
	args true
	mkbundle
	expect_ok h run --keep -b "$B" "$ID"
	sleep 0.2 # a start time surely different from the init's (clock ticks)
	sleep 1000 &
	other=$!
	f=$ROOT/$ID/state.json
	[ -f "$f" ] || fail "no $f"
	sed "s/\"pid\"[[:space:]]*:[[:space:]]*[0-9]*/\"pid\": $other/" "$f" >"$f.new" && mv "$f.new" "$f"
	grep -q "$other" "$f" || fail "could not edit $f: $(cat "$f")"
	s=$(st "$ID" status)
	t=$(cut -d' ' -f22 "/proc/$other/stat")
	kill "$other"
	expect_eq stopped "$s" "status with a reused pid (state.json: $(cat "$f"); start time of $other: $t)"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

t_pid_file_forms() {
	args sleep 100
	mkbundle
	expect_ok h create -b "$B" --pid-file=rel.pid "$ID"
	expect_match '^[0-9]+$' "$(cat "$TD/rel.pid")" "relative pid file"
	expect_eq "$(st "$ID" pid)" "$(cat "$TD/rel.pid")" "relative pid file"
	expect_ok h delete -f "$ID"
	echo 999999999 >"$TD/abs.pid" # an old pid file is replaced
	expect_ok h run -d -b "$B" --pid-file "$TD/abs.pid" "$ID"
	expect_eq "$(st "$ID" pid)" "$(cat "$TD/abs.pid")" "absolute pid file"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_create_defaults_to_cwd_bundle() {
	args sleep 100
	mkbundle
	cd "$B" || fail cd
	expect_ok h create "$ID"
	expect_eq "$B" "$(st "$ID" bundle)" "bundle"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# A container that exits on its own between create and delete.
t_exit_before_delete() {
	args true
	mkbundle
	expect_ok h create -b "$B" "$ID"
	expect_ok h start "$ID"
	wait_status "$ID" stopped
	expect_ok h list
	grep -q "$ID .*stopped" "$TD/out" || fail "list does not show $ID stopped: $(cat "$TD/out")"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

# The runtime process must not stay around: the container's init
# re-parents away from it (the shim is the subreaper).
t_create_returns() {
	args sleep 100
	mkbundle
	expect_ok h create -b "$B" --pid-file "$TD/pid" "$ID"
	pid=$(cat "$TD/pid")
	ppid=$(awk '{print $4}' "/proc/$pid/stat")
	runs_husk "$ppid" && fail "the init's parent $ppid is a husk: $(tr '\0' ' ' <"/proc/$ppid/cmdline")"
	# and the check can see a husk: the created init is one until start
	runs_husk "$pid" || fail "the created init $pid does not run husk's bytes"
	no_husk_left "$pid"
	expect_ok h start "$ID"
	no_husk_left
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# Several containers from one bundle at once.
t_two_containers() {
	args sleep 100
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	expect_ok h run -d -b "$B" "${ID}b"
	expect_ne "$(st "$ID" pid)" "$(st "${ID}b" pid)" "pids"
	expect_ok h delete -f "$ID"
	expect_eq running "$(st "${ID}b" status)" "the other after delete"
	expect_ok h delete -f "${ID}b"
	assert_clean "$ID"
}

# The init killed behind husk's back: the container is stopped, and
# delete (without --force) cleans up.
t_init_killed_externally() {
	args sleep 100
	mkbundle
	expect_ok h create -b "$B" --pid-file "$TD/pid" "$ID"
	kill -9 "$(cat "$TD/pid")"
	wait_status "$ID" stopped
	expect_fail "" h start "$ID"
	expect_ok h delete "$ID"
	assert_clean "$ID"
	expect_ok h run -d -b "$B" --pid-file "$TD/pid" "$ID"
	kill -9 "$(cat "$TD/pid")"
	wait_status "$ID" stopped
	expect_fail "container not running" h kill "$ID" KILL
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

# Without a pid namespace, processes can outlive the init; deleting the
# stopped container kills them (runc does), so nothing is left.
t_delete_stopped_kills_orphans() {
	args sh -c 'sleep 1000 & echo ready'
	C_NS=$(ns ipc uts mount)
	mkbundle
	h run -d -b "$B" "$ID" </dev/null >"$TD/rout" 2>"$TD/err" || fail "run -d: $(cat "$TD/err")"
	wait_file "$TD/rout"
	wait_status "$ID" stopped
	[ -n "$(marked_pids)" ] || fail "the orphaned sleep is already gone"
	expect_ok h delete "$ID"
	wait_clean "$ID"
}
