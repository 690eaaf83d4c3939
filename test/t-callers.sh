# t-callers.sh: one container, many callers (issue 18). 20 husk commands
# at once on the same id (state, kill, exec, pause/resume, delete --force)
# while the container's program ends on its own. Whatever the interleaving:
# no husk dies by a signal, none hangs (each call has a deadline), every
# failure is one clean line "husk: ..." with exit 1 (255 for exec, as
# runc), every `state` that exits 0 prints one whole JSON object with a
# status the container really had, and once the callers are done the
# container is gone, or stopped and then deleted, with nothing left.

# call KIND N ARGS...: run husk ARGS once under the deadline (timeout runs
# husk itself, not the h function; the marker goes to husk alone, as
# busybox's timeout leaves a watcher process behind for up to a second);
# append one record to $TD/calls.KIND.N:
# "rc SECONDS FILES", the call's stdout and stderr being FILES.out, FILES.err.
call() {
	_k=$1 _n=$2
	shift 2
	_i=$(($(cat "$TD/seq.$_k.$_n" 2>/dev/null || echo 0) + 1))
	echo "$_i" >"$TD/seq.$_k.$_n"
	_o=$TD/c.$_k.$_n.$_i
	_t0=$(date +%s)
	timeout -s KILL "$WAIT_S" env HUSK_TEST_MARK="$MARK" "$HUSK" --root "$ROOT" "$@" </dev/null >"$_o.out" 2>"$_o.err"
	_rc=$?
	echo "$_rc $(($(date +%s) - _t0)) $_o" >>"$TD/calls.$_k.$_n"
	CALL_RC=$_rc
}

# gone_id ID: husk says the container does not exist.
gone_id() {
	h state "$1" </dev/null >/dev/null 2>"$TD/gone.err" && return 1
	grep -q "does not exist" "$TD/gone.err"
}

# caller KIND N ID: repeat one kind of command until the container is gone
# (or stopped, for KIND's that cannot act on a stopped one, once STOPPED_OK
# is set), or until the deadline.
caller() {
	_k=$1 _n=$2 _id=$3
	_end=$(($(date +%s) + WAIT_S))
	[ "$_k" != delete ] || sleep "0.$((_n * 2))" # the program's own end, 0.3 s, falls among them
	while [ "$(date +%s)" -lt "$_end" ]; do
		case $_k in
		state) call state "$_n" state "$_id" ;;
		kill) call kill "$_n" kill "$_id" TERM ;;
		exec) call exec "$_n" exec "$_id" true ;;
		pause)
			call pause "$_n" pause "$_id"
			[ "$CALL_RC" != 0 ] || call resume "$_n" resume "$_id"
			;;
		delete) call delete "$_n" delete --force "$_id" ;;
		esac
		gone_id "$_id" && break
		[ -n "${STOPPED_OK:-}" ] && [ -e "$TD/stopped" ] && break
	done
}

# json_ok FILE: FILE holds exactly one JSON object (strings closed, braces
# and brackets balanced outside strings, nothing after the last '}') with
# the state's keys. Prints what is wrong; nothing when it is well formed.
json_ok() {
	awk '
	BEGIN { depth = 0; instr = 0; esc = 0; done = 0; bad = "" }
	{
		s = $0 "\n"
		for (i = 1; i <= length(s) && bad == ""; i++) {
			c = substr(s, i, 1)
			if (done) { if (c !~ /[ \t\n]/) bad = "text after the object"; continue }
			if (instr) {
				if (esc) esc = 0
				else if (c == "\\") esc = 1
				else if (c == "\"") instr = 0
				else if (c == "\n") bad = "newline inside a string"
				continue
			}
			if (c == "\"") { instr = 1; continue }
			if (depth == 0 && c !~ /[ \t\n{]/) { bad = "not an object"; continue }
			if (c == "{" || c == "[") depth++
			else if (c == "}" || c == "]") { if (--depth == 0) done = 1; if (depth < 0) bad = "unbalanced" }
		}
	}
	END {
		if (bad == "" && !done) bad = "truncated (depth " depth ", in string " instr ")"
		if (bad != "") print bad
	}' "$1"
	for _key in ociVersion id pid status bundle rootfs created owner; do
		grep -q "^  \"$_key\": " "$1" || echo "no key $_key"
	done
}

# check_calls ID PID [STATUSES]: every record of every caller. STATUSES: the
# statuses `state` may report (default: running paused stopped).
check_calls() {
	_want=${3:-running paused stopped}
	_bad=""
	_n=0
	for _f in "$TD"/calls.*; do
		[ -e "$_f" ] || continue
		_kind=${_f#"$TD"/calls.}
		_kind=${_kind%.*}
		while read -r _rc _secs _o; do
			_n=$((_n + 1))
			_e=$(cat "$_o.err")
			[ "$_secs" -lt "$WAIT_S" ] || { _bad="$_bad
  $_kind: hung (killed after ${_secs}s): $_e"; continue; }
			case $_e in
			*"being created (no state.json yet)"*) _bad="$_bad
  $_kind: a container created long ago said to be 'being created': $_e" ;;
			esac
			case $_kind.$_rc in
			*.0) ;;
			exec.255 | state.1 | kill.1 | pause.1 | resume.1 | delete.1)
				if [ "$(wc -l <"$_o.err")" != 1 ] || [ "${_e#husk: }" = "$_e" ] || [ -s "$_o.out" ]; then
					_bad="$_bad
  $_kind: exit $_rc without one clean 'husk: ' line: $(head -c 300 "$_o.err") / stdout: $(head -c 100 "$_o.out")"
				fi
				continue
				;;
			exec.137)
				# the exec'd `true` killed by a delete --force (cgroup.kill): its
				# status, as runc; husk itself says nothing
				[ ! -s "$_o.err" ] || _bad="$_bad
  exec: exit 137 with stderr: $(head -c 300 "$_o.err")"
				continue
				;;
			*)
				_bad="$_bad
  $_kind: exit $_rc (a signal or an unexpected status): $(head -c 300 "$_o.err")"
				continue
				;;
			esac
			[ ! -s "$_o.err" ] || [ "$_kind" = exec ] || _bad="$_bad
  $_kind: exit 0 with stderr: $(head -c 300 "$_o.err")"
			[ "$_kind" = state ] || continue
			_j=$(json_ok "$_o.out")
			[ -z "$_j" ] || { _bad="$_bad
  state: exit 0 but not one JSON object ($(echo $_j)): $(head -c 400 "$_o.out")"; continue; }
			_s=$(json_get status <"$_o.out")
			_p=$(json_get pid <"$_o.out")
			case " $_want " in *" $_s "*) ;; *) _bad="$_bad
  state: status '$_s', never one the container had ($_want)" ;; esac
			[ "$_s" = stopped ] && _x=0 || _x=$2
			[ "$_p" = "$_x" ] || _bad="$_bad
  state: pid $_p with status $_s (init $2)"
		done <"$_f"
	done
	[ -z "$_bad" ] || fail "$_n calls; wrong answers:$_bad"
	echo "$_n calls" >>"$TD/.log"
}

# start_callers ID KIND...: one caller per KIND word, in the background.
start_callers() {
	_id=$1
	shift
	_n=0
	for _k in "$@"; do
		_n=$((_n + 1))
		caller "$_k" "$_n" "$_id" &
	done
}

FIVE_KINDS="state kill exec pause delete"

# twenty_callers PROGRAM...: a container of PROGRAM, 20 callers on it (four
# of each kind), then every call checked and nothing left once it is gone.
twenty_callers() {
	args "$@"
	mkbundle
	expect_ok h run -d -b "$B" --pid-file "$TD/pid" "$ID"
	pid=$(cat "$TD/pid")
	start_callers "$ID" $FIVE_KINDS $FIVE_KINDS $FIVE_KINDS $FIVE_KINDS
	wait
	check_calls "$ID" "$pid"
	wait_for "container $ID to be gone" gone_id "$ID"
	assert_clean "$ID"
}

# A program that sleeps 0.3 s; the delete --force callers join from 0.2 s
# to 0.8 s, around its end.
t_callers_sleep_ends() {
	twenty_callers sh -c 'sleep 0.3'
}

# A counter in the shell that ends after some thousand steps, and the
# delete --force callers at once: the container may be killed by them or
# end first.
t_callers_counter_ends() {
	twenty_callers sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done'
}

# No delete among them: 20 callers (five each of state, kill, exec, pause)
# until the container has stopped on its own; then it must say stopped and
# a plain delete must remove it, leaving nothing.
t_callers_then_delete() {
	args sh -c 'sleep 0.3'
	mkbundle
	expect_ok h run -d -b "$B" --pid-file "$TD/pid" "$ID"
	pid=$(cat "$TD/pid")
	STOPPED_OK=1
	start_callers "$ID" state kill exec pause state kill exec pause state kill exec pause \
		state kill exec pause state kill exec pause
	wait_status "$ID" stopped
	: >"$TD/stopped"
	wait
	check_calls "$ID" "$pid"
	expect_eq stopped "$(st "$ID" status)" "status once the callers are done"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

# A created container (its init is husk, waiting on exec.sock), four starts
# and the 20 callers: one start wins (unless a delete --force came first),
# the other starts fail cleanly, the rest is as above.
t_callers_with_start() {
	args sh -c 'sleep 0.3'
	mkbundle
	expect_ok h create -b "$B" --pid-file "$TD/pid" "$ID"
	pid=$(cat "$TD/pid")
	for n in 1 2 3 4; do
		call start "$n" start "$ID" &
	done
	start_callers "$ID" $FIVE_KINDS $FIVE_KINDS $FIVE_KINDS $FIVE_KINDS
	wait
	wins=0
	for f in "$TD"/calls.start.*; do
		while read -r rc secs o; do
			case $rc in
			0) wins=$((wins + 1)) ;;
			1) grep -q '^husk: ' "$o.err" && [ "$(wc -l <"$o.err")" = 1 ] ||
				fail "start: exit 1 without one clean line: $(cat "$o.err")" ;;
			*) fail "start: exit $rc after ${secs}s: $(cat "$o.err")" ;;
			esac
		done <"$f"
		rm -f "$f"
	done
	[ "$wins" -le 1 ] || fail "$wins starts succeeded"
	check_calls "$ID" "$pid" "created running paused stopped"
	wait_for "container $ID to be gone" gone_id "$ID"
	assert_clean "$ID"
}

# What a caller sees of a state dir without state.json: with config.json,
# a create in progress; without it, the last moment of a delete (state.json
# goes last) or a create cut short: never "being created" alone. Both are
# one clean line, and delete --force removes the dir.
t_callers_dir_without_state() {
	args true
	mkbundle
	mkdir -p "$ROOT/$ID"
	chmod 700 "$ROOT" "$ROOT/$ID"
	expect_fail "container $ID is being created or deleted (no state.json)" h state "$ID"
	expect_fail "container $ID is being created or deleted (no state.json)" h kill "$ID" KILL
	cp "$B/config.json" "$ROOT/$ID/config.json"
	expect_fail "container $ID is being created (no state.json yet)" h state "$ID"
	expect_ok h delete --force "$ID"
	assert_clean "$ID"
}

# Ten starts of one created container at once, five rounds: each finds
# exec.sock; the init accepts one connection and closes its listener on
# the others. Exactly one start succeeds; the others fail with one line
# (they were told success once: the reset of a queued connection read as
# the EOF of an exec).
t_callers_starts() {
	args sh -c 'sleep 0.2'
	mkbundle
	r=0
	while [ $r -lt 5 ]; do
		id=$ID-$r
		expect_ok h create -b "$B" "$id"
		for n in 0 1 2 3 4 5 6 7 8 9; do
			call start "$r$n" start "$id" &
		done
		wait
		wins=0
		for n in 0 1 2 3 4 5 6 7 8 9; do
			read -r rc secs o <"$TD/calls.start.$r$n"
			case $rc in
			0) wins=$((wins + 1)) ;;
			1) grep -q '^husk: ' "$o.err" && [ "$(wc -l <"$o.err")" = 1 ] ||
				fail "round $r: start exit 1 without one clean line: $(cat "$o.err")" ;;
			*) fail "round $r: start exit $rc after ${secs}s: $(cat "$o.err")" ;;
			esac
		done
		expect_eq 1 "$wins" "round $r: starts that succeeded"
		wait_status "$id" stopped
		expect_ok h delete "$id"
		assert_clean "$id"
		r=$((r + 1))
	done
}
