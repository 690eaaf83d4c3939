# lib.sh: helpers for the integration tests (sourced by run.sh).
# busybox sh compatible: no bash-isms, no GNU-only flags.
#
# Set by run.sh for each test, inside the test's subshell:
#   TNAME  the test's name (t_foo)      TD  its scratch dir ($T/t_foo), also the cwd
#   ID     a container id unique to this run (use $ID, ${ID}b, ${ID}c ...)
#   B      the default bundle dir ($TD/b)  ROOT  husk's --root ($T/state)
#   MARK   a string put into the environment of husk and of every container,
#          so leftover processes can be found.
# A test fails by calling fail (directly or through an expect_*), which ends
# the test's subshell; skip REASON ends it as skipped.

# ---- outcome ---------------------------------------------------------------

fail() {
	printf '%s\n' "$*" >>"$TD/.why"
	exit 1
}

skip() {
	printf '%s\n' "$*" >"$TD/.why"
	exit 77
}

# new_kernel_only WHY: skip when the suite emulates an older kernel
# (HUSK_OLD_KERNEL=1: husk runs under build/nosys, which sets no_new_privs
# and a seccomp filter of its own, and hides clone3 and friends).
new_kernel_only() {
	[ -z "${HUSK_OLD_KERNEL:-}" ] || skip "emulating an older kernel: $*"
}

# need_time_ns: skip unless this kernel has time namespaces (5.6,
# CONFIG_TIME_NS), naming why when the architecture cannot have them.
need_time_ns() {
	[ ! -e /proc/self/ns/time ] || return 0
	case $(uname -m) in
	arm | armv*) skip "32-bit ARM has no time namespaces (its vDSO cannot offset clocks: no CONFIG_TIME_NS)" ;;
	*) skip "no time namespaces in this kernel (CONFIG_TIME_NS, Linux 5.6)" ;;
	esac
}

# ---- running husk ------------------------------------------------------------

# h ARGS...: husk with this run's --root (and the leftover marker).
h() {
	HUSK_TEST_MARK="$MARK" "$HUSK" --root "$ROOT" "$@"
}

# hr: husk without --root, for tests of the global options themselves.
hr() {
	HUSK_TEST_MARK="$MARK" "$HUSK" "$@"
}

# hx CMD...: run CMD (usually h ...) with stdin from /dev/null, stdout in
# $TD/out, stderr in $TD/err; sets RC. Never inside $( ): a created
# container holds its stdout open.
hx() {
	"$@" </dev/null >"$TD/out" 2>"$TD/err"
	RC=$?
}

# expect_ok CMD...: CMD must exit 0.
expect_ok() {
	hx "$@"
	[ "$RC" = 0 ] || fail "expected exit 0 from: $*
got exit $RC, stderr: $(cat "$TD/err")
stdout: $(head -c 2000 "$TD/out")"
}

# expect_status N CMD...: CMD must exit N.
expect_status() {
	_want=$1
	shift
	hx "$@"
	[ "$RC" = "$_want" ] || fail "expected exit $_want from: $*
got exit $RC, stderr: $(cat "$TD/err")"
}

# expect_fail SUBSTRING CMD...: exit status 1, exactly one line on stderr,
# starting "husk: " and containing SUBSTRING, nothing on stdout.
expect_fail() {
	expect_refused 1 "$@"
}

# expect_refused STATUS SUBSTRING CMD...: the same with exit status STATUS
# (255 for a refused `husk exec`, as runc).
expect_refused() {
	_want=$1
	_sub=$2
	shift 2
	hx "$@"
	_err=$(cat "$TD/err")
	[ "$RC" = "$_want" ] || fail "expected exit $_want from: $*
got exit $RC, stderr: $_err
stdout: $(head -c 500 "$TD/out")"
	[ "$(wc -l <"$TD/err")" = 1 ] || fail "expected exactly one line on stderr from: $*
got: $_err"
	case $_err in
	"husk: "*) ;;
	*) fail "expected stderr to start with 'husk: ': $_err" ;;
	esac
	case $_err in
	*"$_sub"*) ;;
	*) fail "expected stderr to contain '$_sub'
got: $_err" ;;
	esac
	[ ! -s "$TD/out" ] || fail "expected nothing on stdout from: $*
got: $(cat "$TD/out")"
}

# ---- comparing -----------------------------------------------------------------

expect_eq() { # EXPECTED GOT [WHAT]
	[ "$1" = "$2" ] || fail "${3:-value}: expected '$1'
got '$2'"
}

expect_ne() { # UNEXPECTED GOT [WHAT]
	[ "$1" != "$2" ] || fail "${3:-value}: expected anything but '$1'"
}

# expect_match ERE STRING [WHAT]
expect_match() {
	printf '%s\n' "$2" | grep -Eq -- "$1" || fail "${3:-value}: expected to match /$1/
got: $2"
}

expect_no_match() { # ERE STRING [WHAT]
	! printf '%s\n' "$2" | grep -Eq -- "$1" || fail "${3:-value}: expected not to match /$1/
got: $2"
}

# expect_line LINE [FILE]: FILE (default $TD/out) has exactly this line.
expect_line() {
	grep -Fqx -- "$1" "${2:-$TD/out}" || fail "expected the line: $1
got:
$(head -c 3000 "${2:-$TD/out}")"
}

expect_no_line() { # LINE [FILE]
	! grep -Fqx -- "$1" "${2:-$TD/out}" || fail "expected no line: $1"
}

# line KEY [FILE]: the value of the first "KEY: value" line.
line() {
	sed -n "s|^$1: ||p" "${2:-$TD/out}" | head -n 1
}

# json_get KEY: a top-level string or number value from the JSON on stdin
# (good enough for husk's state output; no jq on the target).
json_get() {
	_j=$(tr '\n' ' ')
	_v=$(printf '%s' "$_j" | sed -n 's/.*"'"$1"'"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
	[ -n "$_v" ] || _v=$(printf '%s' "$_j" | sed -n 's/.*"'"$1"'"[[:space:]]*:[[:space:]]*\([-0-9A-Za-z.]*\).*/\1/p')
	printf '%s\n' "$_v"
}

# st ID KEY: a field of `husk state ID`.
st() {
	h state "$1" </dev/null 2>/dev/null | json_get "$2"
}

# ---- waiting ---------------------------------------------------------------------
# Every wait in the suites polls its condition up to one deadline, $WAIT
# seconds (30) times $HUSK_TEST_SLOW (1 here; the TCG VMs and
# `make check-load` set more), and returns the moment it holds. No verdict
# depends on a count of sleeps: on a loaded machine a wait takes longer, it
# does not fail.
WAIT_S=$(( ${WAIT:-30} * ${HUSK_TEST_SLOW:-1} ))

# poll CMD...: run CMD until it succeeds (status 0) or the deadline passes
# (status 1). CMD must be quick and must not fail the test itself.
poll() {
	_pend=$(($(date +%s) + WAIT_S))
	while ! "$@"; do
		[ "$(date +%s)" -lt "$_pend" ] || return 1
		sleep 0.05
	done
}

# wait_for WHAT CMD...: poll CMD; fail the test naming WHAT when it never held.
wait_for() {
	_what=$1
	shift
	poll "$@" || fail "timed out after ${WAIT_S}s waiting for $_what"
}

# gone PID: PID is no longer a process (or is a zombie no one reaped yet).
gone() {
	! kill -0 "$1" 2>/dev/null && return 0
	case $(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) in Z | "") return 0 ;; esac
	return 1
}

# has_line LINE FILE: FILE holds exactly this line.
has_line() { grep -Fqx -- "$1" "$2" 2>/dev/null; }

# status_is ID STATUS: `husk state ID` says STATUS.
status_is() { [ "$(st "$1" status)" = "$2" ]; }

# wait_status ID STATUS: poll state until status is STATUS.
wait_status() {
	poll status_is "$1" "$2" || fail "container $1: status '$(st "$1" status)' never became '$2' (${WAIT_S}s)"
}

# wait_file FILE: poll until FILE exists and is not empty.
wait_file() {
	poll test -s "$1" || fail "timed out after ${WAIT_S}s waiting for $1"
}

# wait_gone PID [WHAT]: poll until process PID is gone.
wait_gone() {
	poll gone "$1" || fail "timed out after ${WAIT_S}s waiting for ${2:-process $1} to end"
}

# ---- writing bundles -----------------------------------------------------------

# q STRING: STRING as a JSON string (quotes, backslashes, tabs, newlines escaped).
q() {
	printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g; s/	/\\t/g' |
		awk 'BEGIN { printf "%s", "\"" } NR > 1 { printf "%s", "\\n" } { printf "%s", $0 } END { printf "%s", "\"" }'
}

# jlist STRING...: a comma-separated list of JSON strings (no brackets).
jlist() {
	_l=""
	for _a in "$@"; do
		_l="$_l${_l:+, }$(q "$_a")"
	done
	printf '%s' "$_l"
}

# args WORD...: set the container's process.args.
args() {
	C_ARGS=$(jlist "$@")
}

# ns TYPE...: the namespaces list for C_NS.
ns() {
	_l=""
	for _a in "$@"; do
		_l="$_l${_l:+, }{\"type\": \"$_a\"}"
	done
	printf '%s' "$_l"
}

# hook PATH ARG...: one hook object.
hook() {
	_p=$1
	shift
	printf '{"path": %s, "args": [%s]}' "$(q "$_p")" "$(jlist "$@")"
}

# mnt DEST TYPE SOURCE OPTION...: one mount object.
mnt() {
	printf '{"destination": %s, "type": %s, "source": %s, "options": [%s]}' \
		"$(q "$1")" "$(q "$2")" "$(q "$3")" "$(shift 3 && jlist "$@")"
}

DEFAULT_MOUNTS='
	{"destination": "/proc", "type": "proc", "source": "proc"},
	{"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
	 "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
	{"destination": "/dev/pts", "type": "devpts", "source": "devpts",
	 "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
	{"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
	 "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
	{"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
	 "options": ["nosuid", "noexec", "nodev"]},
	{"destination": "/sys", "type": "sysfs", "source": "sysfs",
	 "options": ["nosuid", "noexec", "nodev", "ro"]},
	{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]}'

DEFAULT_CAPS='{
	"bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
	"effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
	"permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]}'

# mkbundle [DIR]: write DIR/config.json (default $B) from the C_* variables
# below, and link DIR/rootfs to $ROOTFS unless DIR/rootfs already exists.
# The root is read-only by default: the tests share one rootfs.
#   C_ARGS      JSON strings of process.args (see args)  ["probe","ids"]
#   C_PATH      PATH in process.env                      runc's default PATH
#   C_ENV       JSON strings appended to process.env     (PATH and MARK always)
#   C_TERMINAL  true|false                               false
#   C_USER      body of process.user                     "uid": 0, "gid": 0
#   C_CWD       process.cwd                              /
#   C_CAPS      process.capabilities object              runc's three caps
#   C_NNP       process.noNewPrivileges                  true
#   C_PROCESS   more process fields, each ending in ","  (none)
#   C_ROOT      body of root                             "path": "rootfs", "readonly": true
#   C_HOSTNAME  hostname (set but empty: none)           husk-test
#   C_MOUNTS    mount objects                            $DEFAULT_MOUNTS
#   C_MOUNTS_EXTRA  more mount objects, after those      (none)
#   C_NS        namespace objects (see ns)               pid ipc uts mount network
#   C_LINUX     more linux fields, each ending in ","    (none)
#   C_TOP       more top-level fields, each ending in "," (none)
mkbundle() {
	_d=${1:-$B}
	mkdir -p "$_d"
	[ -e "$_d/rootfs" ] || [ -L "$_d/rootfs" ] || ln -s "$ROOTFS" "$_d/rootfs"
	_mounts=${C_MOUNTS-$DEFAULT_MOUNTS}
	[ -z "${C_MOUNTS_EXTRA:-}" ] || _mounts="$_mounts${_mounts:+,} $C_MOUNTS_EXTRA"
	_root=${C_ROOT:-'"path": "rootfs", "readonly": true'}
	_user=${C_USER:-'"uid": 0, "gid": 0'}
	_args=${C_ARGS:-'"probe", "ids"'}
	_host=""
	[ -z "${C_HOSTNAME-husk-test}" ] || _host="\"hostname\": $(q "${C_HOSTNAME:-husk-test}"),"
	cat >"$_d/config.json" <<EOF
{
	"ociVersion": "1.3.0",
	${C_TOP:-}
	"root": {$_root},
	"process": {
		${C_PROCESS:-}
		"terminal": ${C_TERMINAL:-false},
		"user": {$_user},
		"args": [$_args],
		"env": ["PATH=${C_PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}",
			"HUSK_TEST_MARK=$MARK"${C_ENV:+, $C_ENV}],
		"cwd": $(q "${C_CWD:-/}"),
		"capabilities": ${C_CAPS:-$DEFAULT_CAPS},
		"noNewPrivileges": ${C_NNP:-true}
	},
	$_host
	"mounts": [$_mounts
	],
	"linux": {
		${C_LINUX:-}
		"namespaces": [${C_NS-$(ns pid ipc uts mount network)}]
	}
}
EOF
}

# run_probe WORD...: run a container with `probe WORD...` in the foreground
# from $B (written by mkbundle with the current C_* settings); output in
# $TD/out. Fails the test unless husk exits 0.
run_probe() {
	args probe "$@"
	mkbundle
	expect_ok h run -b "$B" "$ID"
}

# ---- checking that nothing is left behind ------------------------------------

# The cgroup2 mount point, or nothing.
cgroup2_dir() {
	awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break } }' \
		/proc/self/mountinfo | head -n 1
}

# new_lines BEFORE NOW: lines of file NOW not in file BEFORE (busybox has no comm).
new_lines() {
	awk 'FILENAME == ARGV[1] { n[$0]++; next } { if (n[$0] > 0) n[$0]--; else print }' "$1" "$2"
}

# mountpoints: the mounts husk could have made for this run, one a line:
# those whose mount point is under the run's scratch dir $T (bundles, state
# root, volumes) or the rootfs, and binds of a directory from under them
# (same filesystem as the mount holding that dir, root below the dir's path
# in it). Mounts elsewhere (the host's own, another test run's, a chroot
# someone mounts a /proc into while the suite runs) come and go and are not
# this run's to judge; the security suites check the host's own paths where
# an attack aims.
mountpoints() {
	awk -v t="$T" -v r="$ROOTFS" '
		function under(p, d) { return p == d || index(p, d "/") == 1 || d == "/" }
		function ours(p) { return under(p, t) || under(p, r) }
		# origin: the mount holding directory d, as its device and d as a
		# path in that filesystem
		function holder(d,   i, best, rel) {
			best = -1
			for (i = 1; i <= n; i++)
				if (under(d, mp[i]) && length(mp[i]) >= best) {
					best = length(mp[i]); od[no + 1] = dv[i]
					rel = (mp[i] == "/" ? d : substr(d, best + 1))
					oroot[no + 1] = (rt[i] == "/" ? "" : rt[i]) rel
				}
			no++
		}
		{ n++; mp[n] = $5; dv[n] = $3; rt[n] = $4 }
		END {
			holder(t); holder(r)
			# and every filesystem mounted under them
			for (i = 1; i <= n; i++) if (ours(mp[i])) { no++; od[no] = dv[i]; oroot[no] = rt[i] }
			for (i = 1; i <= n; i++) {
				hit = ours(mp[i])
				for (k = 1; k <= no && !hit; k++) hit = dv[i] == od[k] && under(rt[i], oroot[k])
				if (hit) print mp[i]
			}
		}' /proc/self/mountinfo | sort
}

# marked_pids: processes with this test's MARK in their environment.
marked_pids() {
	grep -lszF -e "HUSK_TEST_MARK=$MARK" /proc/[0-9]*/environ 2>/dev/null |
		sed -n 's|^/proc/\([0-9]*\)/environ$|\1|p' | grep -vx "$$"
}

# leftovers ID: print what is left of container ID (and its siblings
# ${ID}b, ...) on the host; nothing when clean.
leftovers() {
	for _s in "$ROOT/$1"*; do
		[ -e "$_s" ] && echo "state dir $_s"
	done
	_p=$(marked_pids | tr '\n' ' ')
	[ -z "$_p" ] || echo "processes: $_p($(for _x in $_p; do tr '\0' ' ' <"/proc/$_x/cmdline" 2>/dev/null; echo ';'; done | tr '\n' ' '))"
	mountpoints >"$TD/.mounts.now"
	_m=$(new_lines "$TD/.mounts.before" "$TD/.mounts.now" | tr '\n' ' ')
	[ -z "$_m" ] || echo "new mounts: $_m"
	_cg=$(cgroup2_dir)
	if [ -n "$_cg" ]; then
		_c=$(find "$_cg" -type d -name "$1*" 2>/dev/null | tr '\n' ' ')
		[ -z "$_c" ] || echo "cgroups: $_c"
	fi
}

# no_marked: no process of this test is left.
no_marked() { [ -z "$(marked_pids)" ]; }

# clean ID: nothing of container ID is left (the condition of assert_clean).
clean() { [ -z "$(leftovers "$1")" ]; }

# wait_clean ID: poll until nothing of container ID is left, for what the
# kernel finishes after husk returned (killed processes being reaped by
# their parent, outside husk's control); assert_clean otherwise.
wait_clean() {
	poll clean "$1" || assert_clean "$1"
}

# assert_clean ID: nothing of container ID is left on the host.
assert_clean() {
	_l=$(leftovers "$1")
	[ -z "$_l" ] || fail "left behind by $1: $_l"
}

# husk_elf: the husk binary itself: $HUSK, or the one the older-kernel
# wrapper (build/husk-oldkernel: exec nosys husk "$@") runs.
husk_elf() {
	if head -c 4 "$HUSK" | grep -q ELF; then
		echo "$HUSK"
	else
		sed -n 's/^exec "[^"]*" "\([^"]*\)" "\$@"$/\1/p' "$HUSK"
	fi
}

# runs_husk PID: PID's program is the husk binary, by its bytes: a sealed
# husk runs from a private overlay (exe "/husk") or a memfd, never $HUSK's path.
runs_husk() {
	cmp -s "/proc/$1/exe" "$(husk_elf)" 2>/dev/null
}

# no_husk_left [PID]: no process of this test runs the husk binary, except PID
# (a created container's init may still be husk, blocked on exec.sock).
no_husk_left() {
	for _p in $(marked_pids); do
		[ "$_p" = "${1:-}" ] && continue
		runs_husk "$_p" && fail "a husk process is left: pid $_p: $(tr '\0' ' ' <"/proc/$_p/cmdline")"
	done
	return 0
}
