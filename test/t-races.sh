# t-races.sh: husk processes racing each other and the container. The
# guarantee: whatever the interleaving, each command either does its whole
# job or fails with its message, and after the last delete nothing is left
# (no state dir, no cgroup, no process, no mount).

# bg_ok STATUSFILE CMD...: run CMD in the background-friendly way (stdio
# closed or to files), write "rc stderr" to STATUSFILE.
bg_run() {
	_f=$1
	shift
	"$@" </dev/null >/dev/null 2>"$_f.err"
	echo $? >"$_f"
}

# One container's whole life, for the parallel test: create, start, kill,
# wait until stopped, delete. Writes what went wrong to $TD/life.N.
life() {
	_id=$1 _f=$TD/life.$2
	h create -b "$B" "$_id" </dev/null >/dev/null 2>"$_f" || { echo "create: $(cat "$_f")" >"$_f"; return; }
	h start "$_id" </dev/null >/dev/null 2>"$_f" || { echo "start: $(cat "$_f")" >"$_f"; return; }
	h kill "$_id" KILL </dev/null >/dev/null 2>"$_f" || { echo "kill: $(cat "$_f")" >"$_f"; return; }
	poll status_is "$_id" stopped || { echo "status never became stopped (${WAIT_S}s)" >"$_f"; return; }
	h delete "$_id" </dev/null >/dev/null 2>"$_f" || { echo "delete: $(cat "$_f")" >"$_f"; return; }
	: >"$_f.ok"
}

# 50 containers, distinct ids, each created, started, killed and deleted,
# all at once.
t_race_50_parallel() {
	args sleep 100
	mkbundle
	i=0
	while [ $i -lt 50 ]; do
		life "$ID-$i" $i &
		i=$((i + 1))
	done
	wait
	bad=""
	i=0
	while [ $i -lt 50 ]; do
		[ -e "$TD/life.$i.ok" ] || bad="$bad
  $ID-$i: $(cat "$TD/life.$i" 2>/dev/null)"
		i=$((i + 1))
	done
	[ -z "$bad" ] || fail "containers that did not live their whole life:$bad"
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ] || fail "state left in $ROOT: $(ls -A "$ROOT" | head -n 5)"
	assert_clean "$ID"
}

# 10 creates of one id at once: mkdir of the state dir is the guard. Exactly
# one wins; the others fail "already exists" without touching the winner's
# state dir, cgroup, pid file or init.
t_race_same_id() {
	args sh -c 'echo ran; exec sleep 100'
	mkbundle
	i=0
	while [ $i -lt 10 ]; do
		h create -b "$B" --pid-file "$TD/pid.$i" "$ID" </dev/null >"$TD/cout.$i" 2>"$TD/err.$i" &
		i=$((i + 1))
	done
	# Each create returns once its container is set up or refused; the
	# winner's init keeps cout.N open, so wait for the husk processes only.
	wait
	wins=0 winner=""
	i=0
	while [ $i -lt 10 ]; do
		if [ -s "$TD/pid.$i" ]; then
			wins=$((wins + 1))
			winner=$i
		else
			grep -q "^husk: container $ID already exists\$" "$TD/err.$i" ||
				fail "create $i neither won nor said 'already exists': $(cat "$TD/err.$i")"
			[ ! -e "$TD/pid.$i" ] || fail "loser $i wrote a pid file"
		fi
		i=$((i + 1))
	done
	expect_eq 1 "$wins" "number of creates that won"
	pid=$(cat "$TD/pid.$winner")
	expect_eq "$pid" "$(st "$ID" pid)" "state pid (the winner's)"
	expect_eq created "$(st "$ID" status)" "status of the winner"
	[ -d "/proc/$pid" ] || fail "the winner's init $pid is gone"
	[ -S "$ROOT/$ID/exec.sock" ] && [ -s "$ROOT/$ID/state.json" ] ||
		fail "the winner's state dir lacks exec.sock or state.json: $(ls "$ROOT/$ID")"
	expect_eq "" "$(ls "$ROOT/$ID" | grep '\.tmp$')" "temporary files in the winner's state dir"
	cg=$(cgroup2_dir)
	if [ -n "$cg" ]; then
		cgdir=$(find "$cg" -type d -name "$ID" | head -n 1)
		[ -n "$cgdir" ] || fail "the winner's cgroup is gone"
		grep -qx "$pid" "$cgdir/cgroup.procs" || fail "init $pid not in its cgroup $cgdir"
	fi
	expect_ok h start "$ID"
	wait_file "$TD/cout.$winner"
	expect_line ran "$TD/cout.$winner"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# delete (without --force) racing start, 10 rounds. delete may refuse a
# container that start made running ("running"); start may fail on a
# container delete took away. Whoever wins, a successful delete leaves
# nothing, at once.
t_race_delete_vs_start() {
	args sleep 100
	mkbundle
	r=0
	while [ $r -lt 10 ]; do
		id=$ID-$r
		expect_ok h create -b "$B" "$id"
		bg_run "$TD/start.$r" h start "$id" &
		bg_run "$TD/delete.$r" h delete "$id" &
		wait
		drc=$(cat "$TD/delete.$r")
		src=$(cat "$TD/start.$r")
		case $src in
		0 | 1) ;;
		*) fail "round $r: start exited $src: $(cat "$TD/start.$r.err")" ;;
		esac
		[ "$src" = 0 ] || [ "$(wc -l <"$TD/start.$r.err")" = 1 ] ||
			fail "round $r: start failed without one line: $(cat "$TD/start.$r.err")"
		if [ "$drc" = 0 ]; then
			l=$(leftovers "$id")
			[ -z "$l" ] || fail "round $r: delete succeeded (start exit $src) but left: $l"
		else
			grep -q "running" "$TD/delete.$r.err" ||
				fail "round $r: delete failed otherwise than 'running': $(cat "$TD/delete.$r.err")"
			expect_eq 0 "$src" "round $r: start exit status when delete saw it running"
			expect_ok h delete -f "$id"
			assert_clean "$id"
		fi
		r=$((r + 1))
	done
	assert_clean "$ID"
}

# kill racing the container's own exit, 20 rounds with the program ending
# a little later each round: kill either signals it (exit 0) or finds it
# gone ("not running", exit 1); never another answer, never a hang. Then
# delete (no --force needed: it stopped) leaves nothing.
t_race_kill_vs_exit() {
	r=0
	while [ $r -lt 20 ]; do
		id=$ID-$r
		args sh -c "i=0; while [ \$i -lt $r ]; do i=\$((i + 1)); done"
		mkbundle
		expect_ok h run -d -b "$B" "$id"
		hx h kill "$id" KILL
		case $RC in
		0) ;;
		1) grep -q "not running" "$TD/err" || fail "round $r: kill failed otherwise than 'not running': $(cat "$TD/err")" ;;
		*) fail "round $r: kill exited $RC: $(cat "$TD/err")" ;;
		esac
		wait_status "$id" stopped
		expect_ok h delete "$id"
		assert_clean "$id"
		r=$((r + 1))
	done
}

# kill --all racing a container whose processes are exiting: the same two
# answers, and no process of the container outlives delete.
t_race_kill_all_vs_exit() {
	r=0
	while [ $r -lt 10 ]; do
		id=$ID-$r
		args sh -c 'sleep 0.05 & sleep 0.05 & wait'
		mkbundle
		expect_ok h run -d -b "$B" "$id"
		[ $r -lt 5 ] || sleep 0.05
		hx h kill --all "$id" TERM
		case $RC in
		0) ;;
		1) grep -q "not running" "$TD/err" || fail "round $r: kill --all: $(cat "$TD/err")" ;;
		*) fail "round $r: kill --all exited $RC: $(cat "$TD/err")" ;;
		esac
		wait_status "$id" stopped
		expect_ok h delete "$id"
		assert_clean "$id"
		r=$((r + 1))
	done
}
