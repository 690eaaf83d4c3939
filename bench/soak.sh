#!/bin/sh
# soak.sh: husk over a long life (issue 18). `make soak`; run as root from
# anywhere. busybox sh compatible.
#
# Part 1: SOAK_RUNS sequential `husk run` of /bin/true (bench/timer.c runs
#   them, so no shell sits between two runs; it records each run's time and
#   its wait4 ru_maxrss).
# Part 2: SOAK_CYCLES cycles with SOAK_ALIVE containers alive at once. A
#   ring of SOAK_ALIVE slots; cycle c works on slot c % ALIVE: the container
#   there (started SOAK_ALIVE cycles ago) is killed and deleted, then a new
#   one is created (the init, husk itself until start, is counted while it
#   waits on exec.sock), started, exec'd into (the husk in the foreground is
#   counted while the process runs), paused, resumed, updated; it stays alive
#   until its slot comes round again.
#
# Both parts are cut into SOAK_WINDOWS windows (10); after each window the
# figures are taken: husk's peak RSS alone (a create and a delete), its open fds at a known point (part 1: a `run` held
# in the foreground by a sleeping container; part 2: the create's init, the
# foreground exec, the largest of the window), the host's mountinfo lines
# that are husk's (mount point or source under the rootfs, the bundle dir or
# the state root; the whole count is printed too, but other test runs on a
# shared machine move it), cgroup dirs of this soak's ids under the cgroup2
# mount, entries in the state root, processes carrying this soak's marker,
# memfds (`/memfd:` fd links and mappings) in those processes, and part 1's
# median time and peak RSS.
#
# Verdicts, one PASS/FAIL line each, then "N passed, N failed, N skipped":
# no count is larger in the last window than in the first; husk's own peak
# RSS (create, delete) in the last window is the first's within 5%, and the
# last run's (with the container's busybox) not above the first's by 5%; the median time of the last window of
# runs (1,000 runs at the default) is at most 10% above the first window's.
# SOAK_TIMING=report prints that last figure without judging it (for `make
# check`: a timing verdict on a shared machine would flake).
#
# Knobs: SOAK_RUNS (10000) SOAK_CYCLES (1000) SOAK_ALIVE (32) SOAK_WINDOWS
# (10) SOAK_TIMING (check|report) SOAK_MD (also write the figures as a
# Markdown section to this file) HUSK (./husk) ROOTFS (build/rootfs).
# Exit status: 0 when every figure is flat, 1 otherwise.
cd "$(dirname "$0")/.." || exit 1
TOP=$PWD
RUNS=${SOAK_RUNS:-10000}
CYCLES=${SOAK_CYCLES:-1000}
ALIVE=${SOAK_ALIVE:-32}
WINDOWS=${SOAK_WINDOWS:-10}
TIMING=${SOAK_TIMING:-check}
HUSK=$(readlink -f "${HUSK:-$TOP/husk}")
ROOTFS=$(readlink -f "${ROOTFS:-$TOP/build/rootfs}")
export LC_ALL=C
umask 022

# lib.sh for poll, gone, json_get, cgroup2_dir (its fail/skip are for run.sh's tests: not used)
T=/nonexistent ROOT=/nonexistent MARK=none
. "$TOP/test/lib.sh"

W=$(mktemp -d /tmp/husk-soak.XXXXXX)
[ -d /run ] && RUNDIR=$(mktemp -d /run/husk-soak.XXXXXX) || RUNDIR=$W/run
STATE=$RUNDIR/state
PFX=soak$$
SOAK_MARK=husksoak.$$.end
TIMER=$TOP/build/bench/timer
pass=0 failn=0 skipn=0

say() { printf 'soak: %s\n' "$*" >&2; }
die() {
	say "$*"
	echo "FAIL: soak could not run: $*"
	echo "$pass passed, $((failn + 1)) failed, $skipn skipped"
	exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root"
[ -x "$HUSK" ] || die "no husk binary at $HUSK (make)"
[ -x "$ROOTFS/bin/probe" ] || die "no test rootfs at $ROOTFS (make build/rootfs/.ok)"
mkdir -p "$TOP/build/bench"
if ! [ -x "$TIMER" ] || [ bench/timer.c -nt "$TIMER" ]; then
	musl-gcc -static -O2 -Wall -Wextra -Ibuild/include -o "$TIMER" bench/timer.c ||
		die "could not build $TIMER"
fi

# Interrupted: the containers go, then the scratch dirs.
abort() {
	for _i in $(hk list -q 2>/dev/null); do hk delete --force "$_i" >/dev/null 2>&1; done
	rm -rf "$W" "$RUNDIR"
	say "interrupted"
	exit 1
}
trap abort INT TERM

# hk ARGS...: husk with the soak's state root and marker.
hk() { SOAK_MARK=$SOAK_MARK "$HUSK" --root "$STATE" "$@"; }
stat_of() { hk state "$1" </dev/null 2>/dev/null | json_get status; }
status_is() { [ "$(stat_of "$1")" = "$2" ]; }

# bundle DIR ARG...: `husk spec`, terminal off, the rootfs, the soak's
# marker in the environment, process.args ARG...
bundle() {
	_d=$1
	shift
	mkdir -p "$_d"
	(cd "$_d" && "$HUSK" spec) || die "husk spec failed in $_d"
	_a=$(jlist "$@")
	sed -i -e 's/"terminal": true/"terminal": false/' \
		-e "s#\"path\": \"rootfs\"#\"path\": \"$ROOTFS\"#" \
		-e "s#\"TERM=xterm\"#\"TERM=xterm\", \"SOAK_MARK=$SOAK_MARK\"#" "$_d/config.json"
	awk -v a="$_a" '/"args": \[/ { print "\t\t\"args\": [" a "],"; skip = 1; next }
		skip && /\]/ { skip = 0; next } !skip' "$_d/config.json" >"$_d/c.tmp" && mv "$_d/c.tmp" "$_d/config.json"
	grep -q "SOAK_MARK=$SOAK_MARK" "$_d/config.json" && grep -q "\"path\": \"$ROOTFS\"" "$_d/config.json" ||
		die "could not edit $_d/config.json"
}

CG=$(cgroup2_dir)
HUSKCG=${CG:+$CG/husk}

# ---- the figures ------------------------------------------------------------

marked() {
	grep -lszF -e "SOAK_MARK=$SOAK_MARK" /proc/[0-9]*/environ 2>/dev/null |
		sed -n 's|^/proc/\([0-9]*\)/environ$|\1|p' | grep -vx "$$"
}
n_procs() { marked | wc -l; }
n_memfds() {
	_n=0
	for _p in $(marked); do
		_a=$(ls -l "/proc/$_p/fd" 2>/dev/null | grep -c '/memfd:')
		_b=$(grep -c '/memfd:' "/proc/$_p/maps" 2>/dev/null)
		_n=$((_n + ${_a:-0} + ${_b:-0}))
	done
	echo "$_n"
}
n_memfds_host() { ls -l /proc/[0-9]*/fd 2>/dev/null | grep -c '/memfd:'; }
n_state() { ls -A "$STATE" 2>/dev/null | wc -l; }
n_cgroups() {
	[ -n "$HUSKCG" ] || { echo 0; return; }
	find "$HUSKCG" -type d -name "$PFX-*" 2>/dev/null | wc -l
}
n_mounts_husk() {
	awk -v r="$ROOTFS" -v w="$W" -v s="$RUNDIR" '{
		src = ""; for (i = 7; i <= NF; i++) if ($i == "-") { src = $(i + 2); break }
		if (index($5, r) == 1 || index($5, w) == 1 || index($5, s) == 1 ||
		    index(src, r) == 1 || index(src, w) == 1 || index(src, s) == 1) n++
	} END { print n + 0 }' /proc/self/mountinfo
}
n_mounts_all() { wc -l </proc/self/mountinfo; }
n_fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

# The known point: a process asleep where PATTERN (an ERE) says, in its
# /proc/PID/wchan: a foreground run or exec in poll (the child's output alone
# proves the exec, not that husk has finished closing what it no longer
# needs), the create's init in accept on exec.sock. A kernel that hides
# wchan ("0" for a sleeping process) leaves only the child's output.
wchan_is() { grep -Eq "$2" "/proc/$1/wchan" 2>/dev/null; }
sleep 30 &
_s=$!
WCHAN_OK=$(WAIT_S=5 poll wchan_is "$_s" '[a-z]' && echo 1) # 5 s: only a test of the kernel
kill "$_s" 2>/dev/null
say "known points: $([ -n "$WCHAN_OK" ] && echo "/proc/PID/wchan (poll, accept)" || echo "the child's output only (this kernel hides wchan)")"
at_rest() { # PID PATTERN WHAT
	[ -n "$WCHAN_OK" ] || return 0
	poll wchan_is "$1" "$2" || die "$3 (pid $1) never slept in $2: wchan $(cat "/proc/$1/wchan" 2>/dev/null)"
}
POLLING='poll'
ACCEPTING='accept|wait_for_more_packets'

# rec PART NAME VALUE: one window's figure.
rec() { echo "$3" >>"$W/fig.$1.$2"; }

# husk_pid PID: PID if it runs husk (from the file or its sealed memfd copy),
# else its child that does (a shell may fork before exec).
# is_husk PID: PID runs husk's bytes (sealed, its exe is a private overlay's
# "/husk" or a memfd, not $HUSK's path).
is_husk() {
	cmp -s "/proc/$1/exe" "$HUSK" 2>/dev/null
}

common_figures() { # PART
	rec "$1" procs "$(n_procs)"
	rec "$1" memfds "$(n_memfds)"
	rec "$1" state "$(n_state)"
	rec "$1" cgroups "$(n_cgroups)"
	rec "$1" mounts "$(n_mounts_husk)"
	rec "$1" mounts_all "$(n_mounts_all)"
	rec "$1" memfds_host "$(n_memfds_host)"
}

# ---- part 1: sequential runs ---------------------------------------------------

B=$W/true
BS=$W/sleep
bundle "$B" /bin/true
bundle "$BS" sh -c 'echo up; exec sleep 1000'
mkdir -p "$STATE"

# One `run` held in the foreground: its husk's fds while the container sleeps.
run_fds() { # WINDOW
	_id=$PFX-hold-$1 _o=$W/hold.$1
	(cd "$BS" && exec env SOAK_MARK=$SOAK_MARK "$HUSK" --root "$STATE" run "$_id") </dev/null >"$_o" 2>"$_o.err" &
	_hp=$!
	poll test -s "$_o" || die "run $_id: the container never said up: $(cat "$_o.err")"
	is_husk "$_hp" || die "run $_id: pid $_hp is not husk ($(readlink "/proc/$_hp/exe"))"
	at_rest "$_hp" "$POLLING" "run $_id in the foreground"
	rec runs fds "$(n_fds "$_hp")"
	hk kill "$_id" KILL || die "kill $_id failed"
	wait "$_hp"
	_rc=$?
	[ "$_rc" = 137 ] || die "run $_id: exit $_rc, not 137 (killed): $(cat "$_o.err")"
}

# A run's ru_maxrss includes the container's /bin/true, which husk reaps
# (busybox, larger than husk): husk alone is measured on a create (the
# init, never reaped by it, does not count) and a delete --force of a
# sleeping container, once a window, through the timer as well.
rss_alone() { # WINDOW
	_id=$PFX-rss-$1
	printf 'rss create 1 0 %s --root %s create -b %s %s\nrss delete 1 0 %s --root %s delete --force %s\n' \
		"$HUSK" "$STATE" "$BS" "$_id" "$HUSK" "$STATE" "$_id" >"$W/plan.rss"
	SOAK_MARK=$SOAK_MARK "$TIMER" -n 1 -e "$W/errors.log" -r "$W/raw.rss.$1" "$W/plan.rss" >/dev/null ||
		die "create or delete of $_id failed (see $W/errors.log)"
	rec runs rss_create "$(awk '$1 == "create" { print $4 }' "$W/raw.rss.$1")"
	rec runs rss_delete "$(awk '$1 == "delete" { print $4 }' "$W/raw.rss.$1")"
}

per=$((RUNS / WINDOWS))
[ "$per" -ge 1 ] || die "SOAK_RUNS ($RUNS) below SOAK_WINDOWS ($WINDOWS)"
say "part 1: $RUNS runs of /bin/true in $WINDOWS windows of $per"
printf 'run run 1 0 %s --root %s run -b %s %s-r{n}\n' "$HUSK" "$STATE" "$B" "$PFX" >"$W/plan.run"
t0=$(date +%s)
w=0
while [ $w -lt "$WINDOWS" ]; do
	SOAK_MARK=$SOAK_MARK "$TIMER" -n "$per" -e "$W/errors.log" -r "$W/raw.run.$w" "$W/plan.run" >"$W/sum.run.$w" ||
		say "window $w: some runs failed (see $W/errors.log)"
	awk '{ print $3 }' "$W/raw.run.$w" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }' >>"$W/fig.runs.median_ns"
	awk '{ print $4 }' "$W/raw.run.$w" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }' >>"$W/fig.runs.rss_median"
	awk '$5 != 0 { n++ } END { print n + 0 }' "$W/raw.run.$w" >>"$W/fig.runs.failed"
	common_figures runs
	run_fds "$w"
	rss_alone "$w"
	w=$((w + 1))
done
t_runs=$(($(date +%s) - t0))
first_rss=$(head -n 1 "$W/raw.run.0" | awk '{ print $4 }')
last_rss=$(tail -n 1 "$W/raw.run.$((WINDOWS - 1))" | awk '{ print $4 }')

# ---- part 2: cycles with ALIVE containers alive ----------------------------------

BC=$W/cycle
bundle "$BC" sleep 100000
# update: a hugetlb limit when the controller is there (it is this host's
# cgroup2's only one), else an empty resources object (husk still parses it,
# opens the cgroup and applies nothing).
HUGE=$(ls "$HUSKCG" 2>/dev/null | sed -n 's/^hugetlb\.\([0-9]*[KMG]B\)\.max$/\1/p' | sort | head -n 1)
say "part 2: $CYCLES cycles, $ALIVE containers alive (update: $([ -n "$HUGE" ] && echo "hugetlb.$HUGE.max" || echo "{}"))"

cyc_fail() { say "cycle $c: $*"; echo "cycle $c: $*" >>"$W/cycle.errors"; }

# one_cycle C: the life of slot C % ALIVE's container.
one_cycle() {
	_s=$(($1 % ALIVE))
	_old=$(cat "$W/slot.$_s" 2>/dev/null)
	if [ -n "$_old" ]; then
		hk kill "$_old" KILL || cyc_fail "kill $_old"
		poll status_is "$_old" stopped || cyc_fail "$_old never stopped"
		hk delete "$_old" || cyc_fail "delete $_old"
	fi
	_id=$PFX-c$_s-$1
	echo "$_id" >"$W/slot.$_s"
	hk create -b "$BC" --pid-file "$W/pid" "$_id" </dev/null >/dev/null 2>>"$W/cycle.err" ||
		{ cyc_fail "create $_id: $(tail -n 1 "$W/cycle.err")"; return; }
	_ip=$(cat "$W/pid")
	is_husk "$_ip" || cyc_fail "the init $_ip of $_id is not husk before start"
	at_rest "$_ip" "$ACCEPTING" "the init of $_id"
	_f=$(n_fds "$_ip")
	[ "$_f" -le "$(cat "$W/max.init" 2>/dev/null || echo 0)" ] || echo "$_f" >"$W/max.init"
	hk start "$_id" || cyc_fail "start $_id"
	(exec env SOAK_MARK=$SOAK_MARK "$HUSK" --root "$STATE" exec "$_id" sh -c 'echo up; exec sleep 1000') \
		</dev/null >"$W/exec.out" 2>"$W/exec.err" &
	_hp=$!
	if poll test -s "$W/exec.out" && is_husk "$_hp"; then
		at_rest "$_hp" "$POLLING" "exec in $_id in the foreground"
		_f=$(n_fds "$_hp")
		[ "$_f" -le "$(cat "$W/max.exec" 2>/dev/null || echo 0)" ] || echo "$_f" >"$W/max.exec"
	else
		cyc_fail "exec in $_id never ran: $(cat "$W/exec.err")"
	fi
	kill -TERM "$_hp" 2>/dev/null
	wait "$_hp"
	_rc=$?
	[ "$_rc" = 143 ] || cyc_fail "exec in $_id: exit $_rc, not 143 (TERM forwarded)"
	: >"$W/exec.out"
	hk pause "$_id" || cyc_fail "pause $_id"
	status_is "$_id" paused || cyc_fail "$_id not paused: $(stat_of "$_id")"
	hk resume "$_id" || cyc_fail "resume $_id"
	status_is "$_id" running || cyc_fail "$_id not running after resume: $(stat_of "$_id")"
	if [ -n "$HUGE" ]; then
		echo "{\"hugepageLimits\": [{\"pageSize\": \"$HUGE\", \"limit\": 0}]}" >"$W/upd.json"
	else
		echo '{}' >"$W/upd.json"
	fi
	hk update -r "$W/upd.json" "$_id" || cyc_fail "update $_id"
}

# Fill the ring first, so that every window starts with ALIVE containers alive.
s=0
while [ $s -lt "$ALIVE" ]; do
	hk run -d -b "$BC" "$PFX-c$s-fill" </dev/null >/dev/null || die "run -d $PFX-c$s-fill failed"
	echo "$PFX-c$s-fill" >"$W/slot.$s"
	s=$((s + 1))
done
perc=$((CYCLES / WINDOWS))
[ "$perc" -ge 1 ] || perc=1
t0=$(date +%s)
c=0
while [ $c -lt "$CYCLES" ]; do
	one_cycle $c
	c=$((c + 1))
	if [ $((c % perc)) = 0 ]; then
		rec cycles init_fds "$(cat "$W/max.init" 2>/dev/null || echo 0)"
		rec cycles exec_fds "$(cat "$W/max.exec" 2>/dev/null || echo 0)"
		rm -f "$W/max.init" "$W/max.exec"
		common_figures cycles
	fi
done
# the last ALIVE containers go, and then nothing may be left
for f in "$W"/slot.*; do
	[ -e "$f" ] || continue
	hk delete --force "$(cat "$f")" || cyc_fail "delete --force $(cat "$f")"
done
t_cycles=$(($(date +%s) - t0))

# ---- verdicts --------------------------------------------------------------------

first() { head -n 1 "$W/fig.$1"; }
last() { tail -n 1 "$W/fig.$1"; }
windows() { tr '\n' ' ' <"$W/fig.$1" | sed 's/ $//'; }
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; failn=$((failn + 1)); }

# flat PART NAME WHAT: the last window's figure is not above the first's.
flat() {
	_f=$(first "$1.$2") _l=$(last "$1.$2")
	_m="$3: first $_f, last $_l (windows: $(windows "$1.$2"))"
	if [ "$_l" -le "$_f" ]; then ok "$_m"; else bad "$_m: it grew"; fi
}

echo "== husk soak: $RUNS runs ($per a window, ${t_runs}s), $CYCLES cycles with $ALIVE alive ($perc a window, ${t_cycles}s)"
flat runs failed "runs that failed, per window"
flat runs fds "fds of a husk run in the foreground"
flat runs procs "processes of the soak after each window of runs"
flat runs memfds "memfds (fd links + mappings) in the soak's processes, runs"
flat runs state "entries in the state root, runs"
flat runs cgroups "cgroup dirs of the soak's ids, runs"
flat runs mounts "husk's lines in the host's mountinfo, runs"
flat cycles init_fds "fds of create's init waiting on exec.sock (largest of a window)"
flat cycles exec_fds "fds of a husk exec in the foreground (largest of a window)"
flat cycles procs "processes of the soak with $ALIVE containers alive"
flat cycles memfds "memfds (fd links + mappings) in the soak's processes, cycles"
flat cycles state "entries in the state root with $ALIVE alive"
flat cycles cgroups "cgroup dirs of the soak's ids with $ALIVE alive"
flat cycles mounts "husk's lines in the host's mountinfo, cycles"
if [ -s "$W/cycle.errors" ]; then
	bad "cycles that went wrong: $(wc -l <"$W/cycle.errors"), first: $(head -n 1 "$W/cycle.errors")"
else
	ok "every command of every cycle did its job ($CYCLES cycles)"
fi
left="$(n_state) state entries, $(n_cgroups) cgroups, $(n_procs) processes, $(n_memfds) memfds"
if [ "$left" = "0 state entries, 0 cgroups, 0 processes, 0 memfds" ]; then
	ok "nothing left at the end ($left)"
else
	bad "left at the end: $left"
fi
# A run's peak includes the reaped container's busybox, whose pages husk
# does not control (seen: -7% from one window to the next on a shared host,
# husk alone flat): only growth fails there. husk alone must stay within 5%.
rss="peak RSS of the first run $first_rss KiB, of the last $last_rss KiB, incl. the container's /bin/true (window medians: $(windows runs.rss_median))"
if [ -n "$first_rss" ] && [ -n "$last_rss" ] && [ $((last_rss * 100)) -le $((first_rss * 105)) ]; then
	ok "$rss: not above the first by more than 5%"
else
	bad "$rss: grew by more than 5%"
fi
for k in create delete; do
	_f=$(first runs.rss_$k) _l=$(last runs.rss_$k)
	_m="peak RSS of husk $k alone: first window $_f KiB, last $_l KiB (windows: $(windows runs.rss_$k))"
	if [ $((_l * 100)) -le $((_f * 105)) ] && [ $((_l * 100)) -ge $((_f * 95)) ]; then
		ok "$_m: within 5%"
	else
		bad "$_m: not within 5%"
	fi
done
mf=$(first runs.median_ns) ml=$(last runs.median_ns)
tm="median time of the first $per runs $(awk -v n="$mf" 'BEGIN { printf "%.2f", n / 1e6 }') ms, of the last $per $(awk -v n="$ml" 'BEGIN { printf "%.2f", n / 1e6 }') ms ($(awk -v a="$mf" -v b="$ml" 'BEGIN { printf "%+.1f%%", (b - a) * 100 / a }'); windows: $(awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 / 1e6 }' "$W/fig.runs.median_ns") ms)"
if [ "$TIMING" = report ]; then
	echo "info: $tm (not judged: SOAK_TIMING=report)"
elif [ $((ml * 100)) -le $((mf * 110)) ]; then
	ok "$tm: within 10%"
else
	bad "$tm: more than 10% slower"
fi
echo "info: the host's whole mountinfo: $(windows runs.mounts_all) lines (runs), $(windows cycles.mounts_all) (cycles); memfd links on the whole host: $(windows runs.memfds_host) (runs), $(windows cycles.memfds_host) (cycles); load average now: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ -n "${SOAK_MD:-}" ]; then
	{
		echo "| figure | first window | last window | every window |"
		echo "|---|---:|---:|---|"
		for k in runs.fds runs.procs runs.memfds runs.state runs.cgroups runs.mounts runs.mounts_all \
			runs.rss_median runs.rss_create runs.rss_delete runs.failed cycles.init_fds cycles.exec_fds cycles.procs cycles.memfds cycles.state \
			cycles.cgroups cycles.mounts cycles.mounts_all; do
			echo "| $k | $(first "$k") | $(last "$k") | $(windows "$k") |"
		done
		echo "| runs.median_ms | $(awk -v n="$mf" 'BEGIN { printf "%.2f", n / 1e6 }') | $(awk -v n="$ml" 'BEGIN { printf "%.2f", n / 1e6 }') | $(awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 / 1e6 }' "$W/fig.runs.median_ns") |"
		echo
		echo "Peak RSS of the first run: $first_rss KiB; of the last: $last_rss KiB. Runs: ${t_runs} s; cycles: ${t_cycles} s."
	} >"$SOAK_MD"
fi

echo "$pass passed, $failn failed, $skipn skipped"
if [ "$failn" = 0 ]; then
	rm -rf "$W" "$RUNDIR"
	exit 0
fi
echo "soak: kept $W (figures, raw samples, errors)"
exit 1
