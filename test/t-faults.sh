# t-faults.sh: husk killed (SIGKILL) at each of its fault points, then
# `husk delete --force ID` and `husk list` must bring the host back to
# exactly where it was: no state dir, no cgroup, no process, no new line in
# the host's mountinfo, no socket or temporary file left.
#
# Needs the debug build `make husk-fault` (-DHUSK_FAULT; build/husk-fault,
# or ./husk-fault): fault_point("NAME") SIGKILLs the calling process (husk,
# or the init before its exec) when HUSK_FAULT=NAME, and with
# HUSK_FAULT_LIST=1 prints NAME on a line of its own on stderr as it passes
# (a "fault point: " or "husk: " in front is allowed). The points are
# discovered by running each command once with HUSK_FAULT_LIST=1: a new
# point is tested without touching this file. Without that build, or when
# it prints no point, every case here SKIPs with the reason.

fault_bin() {
	for _b in "${HUSK_FAULT_BIN:-}" "$dir/../build/husk-fault" "$dir/../husk-fault"; do
		[ -n "$_b" ] && [ -x "$_b" ] && { readlink -f "$_b"; return 0; }
	done
	return 1
}

# hf ARGS...: the fault build with this run's --root and marker.
hf() {
	HUSK_TEST_MARK="$MARK" "$FB" --root "$ROOT" "$@"
}

# points FILE: the point names printed in FILE (stderr of a listing run).
points() {
	sed -n 's/^\(husk: \)\{0,1\}\(fault[ _]point:\{0,1\} \)\{0,1\}\([A-Za-z0-9_.:+-]\{1,\}\)$/\3/p' "$1" |
		awk '!seen[$0]++'
}

fault_setup() {
	FB=$(fault_bin) || skip "no husk-fault build (make husk-fault, -DHUSK_FAULT) yet"
	args sh -c 'echo started; exec sleep 100'
	# a hook of each kind, so that the points around hooks are passed too
	C_TOP="\"hooks\": {\"prestart\": [$(hook /bin/true)], \"createRuntime\": [$(hook /bin/true)],
		\"poststart\": [$(hook /bin/true)], \"poststop\": [$(hook /bin/true)]},"
	[ -x /bin/true ] || C_TOP=""
	mkbundle
	# One listing run of the whole life: create, start, kill, delete.
	HUSK_FAULT_LIST=1 hf create -b "$B" --pid-file "$TD/pid" "$ID" </dev/null >/dev/null 2>"$TD/list.create"
	HUSK_FAULT_LIST=1 hf start "$ID" </dev/null >/dev/null 2>"$TD/list.start"
	HUSK_FAULT_LIST=1 hf kill "$ID" KILL </dev/null >/dev/null 2>"$TD/list.kill"
	poll status_is "$ID" stopped
	HUSK_FAULT_LIST=1 hf delete --force "$ID" </dev/null >/dev/null 2>"$TD/list.delete"
	hf delete --force "$ID" </dev/null >/dev/null 2>&1
	[ -n "$(points "$TD/list.create")" ] ||
		skip "HUSK_FAULT_LIST=1 $FB create printed no fault point"
	assert_clean "$ID"
}

# check_back ID WHAT: delete --force and list restore the host; the reason
# goes to $TD/bad (one line per broken point) rather than ending the test,
# so that one run reports every point that leaks.
check_back() {
	_id=$1 _what=$2
	hf delete --force "$_id" </dev/null >/dev/null 2>"$TD/derr"
	_rc=$?
	_why=""
	[ "$_rc" = 0 ] || _why="delete --force exited $_rc: $(cat "$TD/derr")"
	hf list -q </dev/null >"$TD/lout" 2>"$TD/lerr"
	[ $? = 0 ] || _why="$_why; list failed: $(cat "$TD/lerr")"
	! grep -qxF "$_id" "$TD/lout" || _why="$_why; list still shows it"
	poll clean "$_id" # a SIGKILLed process may take a moment to be reaped
	_l=$(leftovers "$_id")
	[ -z "$_l" ] || _why="$_why; left: $_l"
	_t=$(find "$ROOT" "$TD" -name '*.tmp' 2>/dev/null | tr '\n' ' ')
	[ -z "$_t" ] || _why="$_why; temporary files: $_t"
	if [ -n "$_why" ]; then
		echo "$_what: ${_why#; }" >>"$TD/bad"
		# restore by hand so the next point starts clean
		for _p in $(marked_pids); do kill -9 "$_p" 2>/dev/null; done
		poll no_marked
		rm -rf "${ROOT:?}/$_id" "$TD"/*.tmp
		_cg=$(cgroup2_dir)
		[ -z "$_cg" ] || find "$_cg" -depth -type d -name "$_id" -exec rmdir {} \; 2>/dev/null
	fi
	rm -f "$TD/pid"
}

fault_verdict() {
	[ -n "$TESTED" ] || skip "no $1 point listed"
	[ ! -s "$TD/bad" ] || fail "$(wc -l <"$TD/bad") of $(echo $TESTED | wc -w) points leave something behind:
$(cat "$TD/bad")"
}

# create killed at each of its points (in husk or in the init).
t_fault_create() {
	fault_setup
	TESTED=""
	for p in $(points "$TD/list.create"); do
		HUSK_FAULT=$p hf create -b "$B" --pid-file "$TD/pid" "$ID" </dev/null >/dev/null 2>&1
		check_back "$ID" "create at $p"
		HUSK_FAULT=$p hf run -d -b "$B" "$ID" </dev/null >/dev/null 2>&1
		check_back "$ID" "run -d at $p"
		TESTED="$TESTED $p"
	done
	fault_verdict create
}

# start killed at each of its points, on a created container.
t_fault_start() {
	fault_setup
	TESTED=""
	for p in $(points "$TD/list.start"); do
		hf create -b "$B" "$ID" </dev/null >/dev/null 2>&1 || fail "create for $p failed"
		HUSK_FAULT=$p hf start "$ID" </dev/null >/dev/null 2>&1
		check_back "$ID" "start at $p"
		TESTED="$TESTED $p"
	done
	fault_verdict start
}

# kill killed at each of its points: the container must still be deletable.
t_fault_kill() {
	fault_setup
	TESTED=""
	for p in $(points "$TD/list.kill"); do
		hf run -d -b "$B" "$ID" </dev/null >/dev/null 2>&1 || fail "run -d for $p failed"
		HUSK_FAULT=$p hf kill "$ID" KILL </dev/null >/dev/null 2>&1
		check_back "$ID" "kill at $p"
		TESTED="$TESTED $p"
	done
	fault_verdict kill
}

# delete --force killed at each of its points: a second one finishes.
t_fault_delete() {
	fault_setup
	TESTED=""
	for p in $(points "$TD/list.delete"); do
		hf run -d -b "$B" "$ID" </dev/null >/dev/null 2>&1 || fail "run -d for $p failed"
		HUSK_FAULT=$p hf delete --force "$ID" </dev/null >/dev/null 2>&1
		check_back "$ID" "delete --force at $p"
		TESTED="$TESTED $p"
	done
	fault_verdict delete
}
