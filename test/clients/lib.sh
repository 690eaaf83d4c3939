# lib.sh: helpers for the client scenarios (sourced by run.sh and by each
# scenario's shell). Set by run.sh: NAME (scenario), SD (its log dir, also the
# cwd), MODE (podman: plain|json), CONTAINERS_CONF (json mode).
# Every command goes through x, which logs it and its output to $SD/log.

IMG=localhost/busybox
CIMG=localhost/busybox:latest
HROOT_CTR=/run/containerd/runc/default # the shim's --root for husk
# The runtime under test: /husk, or (CLIENTS_RUNTIME) another one in the
# image, e.g. /usr/sbin/runc or /usr/bin/crun, to tell a husk bug from a
# scenario's own bug.
RT=$(cat /payload/runtime 2>/dev/null)
RT=${RT:-/husk}

fail() {
	printf '%s\n' "$*" >>"$SD/.why"
	exit 1
}

skip() {
	printf '%s\n' "$*" >"$SD/.why"
	exit 77
}

# x CMD...: run CMD (at most 120 s) with stdin from /dev/null; stdout in
# $SD/out, stderr in $SD/err, status in RC; all of it logged.
x() {
	printf '+ %s\n' "$*" >>"$SD/log"
	case $1 in
	pm | cr) "$@" ;; # functions: they apply the timeout themselves
	*) timeout -k 5 120 "$@" ;;
	esac </dev/null >"$SD/out" 2>"$SD/err"
	RC=$?
	sed 's/^/  out: /' "$SD/out" >>"$SD/log"
	sed 's/^/  err: /' "$SD/err" >>"$SD/log"
	echo "  rc: $RC" >>"$SD/log"
}

# pm ARGS...: podman with husk as the runtime, as a user would call it.
pm() {
	timeout -k 5 120 podman --runtime "$RT" "$@"
}

# The husk error lines in the last command's stderr (podman and ctr quote
# them), plus husk's JSON log when podman's json mode kept one.
husk_error() {
	grep -o 'husk: .*' "$SD/err" | head -n 3
	grep -h -o '"msg":"[^"]*"' "$SD/err" 2>/dev/null | head -n 3
}

why_rc() {
	echo "got exit $RC, stderr: $(head -c 1500 "$SD/err")"
}

expect_rc() { # N [WHAT]
	[ "$RC" = "$1" ] || fail "${2:-the last command}: expected exit $1, $(why_rc)"
}

# expect_out STRING: stdout has this exact line.
expect_out() {
	tr -d '\r' <"$SD/out" | grep -Fqx -- "$1" ||
		fail "expected the line '$1' on stdout; got: $(head -c 800 "$SD/out"); stderr: $(head -c 800 "$SD/err")"
}

# expect_has STRING [FILE]: FILE (default stdout) contains STRING.
expect_has() {
	grep -Fq -- "$1" "${2:-$SD/out}" ||
		fail "expected '$1' in ${2:-stdout}; got: $(head -c 800 "${2:-$SD/out}"); stderr: $(head -c 800 "$SD/err")"
}

# skip_if_refused: when husk refused the config ("not supported"), end the
# scenario as skipped, quoting husk.
skip_if_refused() {
	[ "$RC" = 0 ] && return 0
	grep -q 'not supported' "$SD/err" && skip "husk refused it: $(grep -o 'husk: .*not supported[^"]*' "$SD/err" | head -n 1)"
	return 0
}

# wait_for CMD...: retry CMD (silently) until it exits 0, up to the one
# deadline of the suites' waits: 30 s times HUSK_TEST_SLOW (test/lib.sh).
wait_for() {
	_end=$(($(date +%s) + 30 * ${HUSK_TEST_SLOW:-1}))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.2
	done
}

# no_husk_state ROOT: husk lists no container under ROOT.
no_husk_state() {
	[ "$RT" = /husk ] || return 0
	x /husk --root "$1" list -q
	[ ! -s "$SD/out" ] || fail "husk still lists containers under $1: $(cat "$SD/out")"
}

# ctr_task_status ID: RUNNING, STOPPED, CREATED... (empty when no task).
ctr_task_status() {
	ctr task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'
}

ctr_stopped() { [ "$(ctr_task_status "$1")" = STOPPED ]; }
