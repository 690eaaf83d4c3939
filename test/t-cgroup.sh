# t-cgroup.sh: linux.resources on cgroup v2, from both sides: the cgroup
# files on the host, and what the container's processes run into. The device
# program, pause/resume, ps and events need no controller and run anywhere
# with a cgroup2 mount; the limits need their controllers (the VM has all).

# cg_need CTRL...: skip unless the cgroup2 mount's root offers every CTRL.
cg_need() {
	CG=$(cgroup2_dir)
	[ -n "$CG" ] || skip "no cgroup2 mount"
	for _c in "$@"; do
		grep -qw "$_c" "$CG/cgroup.controllers" ||
			skip "the $_c controller is not available (cgroup2 at $CG offers: $(cat "$CG/cgroup.controllers"))"
	done
	CGC=$CG/husk/$ID # the container's cgroup (no cgroupsPath)
}

# res JSON: the config's linux.resources.
res() {
	C_LINUX="\"resources\": {$1},"
}

# cg_start WORD...: create and start a container running WORD..., its
# stdout in $TD/cout; PID is the init's host pid.
cg_start() {
	args "$@"
	mkbundle
	h create -b "$B" --pid-file "$TD/pid" "$ID" </dev/null >"$TD/cout" 2>"$TD/err" ||
		fail "create: $(cat "$TD/err")"
	PID=$(cat "$TD/pid")
	expect_ok h start "$ID"
}

# wait_line LINE FILE: poll until FILE has LINE.
wait_line() {
	poll has_line "$1" "$2" || fail "never got the line '$1' in $2 (${WAIT_S}s): $(tail -c 500 "$2")"
}

# more_lines N FILE: FILE has more than N lines.
more_lines() { [ "$(wc -l <"$2")" -gt "$1" ]; }

# procs_at_least N FILE: the cgroup.procs FILE lists N processes or more.
procs_at_least() { [ "$(wc -l <"$2")" -ge "$1" ]; }

cg_file() { # FILE: the first line of the container's cgroup FILE
	head -n 1 "$CGC/$1"
}

# ---- limits: the files --------------------------------------------------------

t_cgroup_memory_files() {
	cg_need memory
	res '"memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728,
		"kernel": 1000000, "disableOOMKiller": false}'
	cg_start sleep 100
	expect_eq 67108864 "$(cg_file memory.max)" memory.max
	expect_eq 33554432 "$(cg_file memory.low)" memory.low
	[ ! -e "$CGC/memory.swap.max" ] || expect_eq 67108864 "$(cg_file memory.swap.max)" "memory.swap.max (swap - limit)"
	# enabled from the root down to the parent, and only what is needed
	grep -qw memory "$CG/cgroup.subtree_control" || fail "memory not enabled in $CG"
	grep -qw memory "$CG/husk/cgroup.subtree_control" || fail "memory not enabled in $CG/husk"
	expect_eq "" "$(cat "$CGC/cgroup.subtree_control")" "the container's own subtree_control"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_cgroup_cpu_files() {
	cg_need cpu cpuset
	res '"cpu": {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "0", "mems": "0"}'
	cg_start sleep 100
	# runc: weight = 1 + (shares - 2) * 9999 / 262142
	expect_eq 39 "$(cg_file cpu.weight)" cpu.weight
	expect_eq "50000 100000" "$(cg_file cpu.max)" cpu.max
	expect_eq 0 "$(cg_file cpuset.cpus)" cpuset.cpus
	expect_eq 0 "$(cg_file cpuset.mems)" cpuset.mems
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_cgroup_pids_unlimited() {
	cg_need pids
	res '"pids": {"limit": 0}'
	cg_start sleep 100
	expect_eq max "$(cg_file pids.max)" "pids.max for limit 0 (runc: no limit)"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_cgroup_unified() {
	cg_need pids
	res '"unified": {"pids.max": "7"}'
	cg_start sleep 100
	expect_eq 7 "$(cg_file pids.max)" "pids.max from unified"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_cgroup_hugetlb_files() {
	cg_need hugetlb
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages"
	res '"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]'
	cg_start sleep 100
	expect_eq 4194304 "$(cg_file hugetlb.2MB.max)" hugetlb.2MB.max
	grep -qw hugetlb "$CG/husk/cgroup.subtree_control" || fail "hugetlb not enabled in $CG/husk"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# ---- limits: what the container runs into -----------------------------------

t_cgroup_oom_kill() {
	cg_need memory
	res '"memory": {"limit": 33554432, "swap": 33554432}'
	# busybox dd allocates its 64 MiB block and fills it from /dev/zero
	cg_start sh -c 'dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo rc=$?; exec sleep 100'
	wait_line "rc=137" "$TD/cout"
	expect_match '^oom_kill [1-9]' "$(grep oom_kill "$CGC/memory.events")" memory.events
	expect_ok h events --stats "$ID"
	expect_match '"type":"stats","id":"'"$ID"'"' "$(cat "$TD/out")" "events --stats"
	expect_match '"oom_kill":[1-9]' "$(cat "$TD/out")" "events --stats oom_kill"
	expect_match '"usage":\{"limit":33554432,' "$(cat "$TD/out")" "events --stats memory limit"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_cgroup_fork_bomb() {
	cg_need pids
	res '"pids": {"limit": 10}'
	# busybox sh exits when it cannot fork: the bomb runs in a child shell
	cg_start sh -c 'sh -c "while :; do sleep 100 & done" 2>/dev/null; echo forked; exec sleep 100'
	wait_line forked "$TD/cout"
	_cur=$(cg_file pids.current)
	[ "$_cur" -ge 8 ] && [ "$_cur" -le 10 ] || fail "pids.current $_cur: expected 8 to 10"
	expect_match '^max [1-9]' "$(cat "$CGC/pids.events")" pids.events
	expect_ok h events --stats "$ID"
	expect_match '"pids":\{"current":(8|9|10),"limit":10\}' "$(cat "$TD/out")" "events --stats pids"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_cgroup_update() {
	cg_need memory pids
	res '"memory": {"limit": 67108864}, "pids": {"limit": 50}'
	cg_start sleep 100
	expect_ok h update --memory 128M --pids-limit 20 "$ID"
	expect_eq 134217728 "$(cg_file memory.max)" "memory.max after update --memory 128M"
	expect_eq 20 "$(cg_file pids.max)" "pids.max after update --pids-limit 20"
	echo '{"pids": {"limit": 30}, "memory": {"limit": 100663296}}' >"$TD/r.json"
	expect_ok h update -r "$TD/r.json" "$ID"
	expect_eq 30 "$(cg_file pids.max)" "pids.max after update -r"
	expect_eq 100663296 "$(cg_file memory.max)" "memory.max after update -r"
	# containerd/CRI-O: the JSON on stdin
	echo '{"pids": {"limit": 40}}' | h update --resources=- "$ID" >"$TD/out" 2>"$TD/err" ||
		fail "update --resources=-: $(cat "$TD/err")"
	expect_eq 40 "$(cg_file pids.max)" "pids.max after update --resources=-"
	expect_fail 'invalid size "lots"' h update --memory lots "$ID"
	echo '{"pids": {"limit": "x"}}' >"$TD/bad.json"
	expect_fail 'resources.pids.limit: expected an integer' h update -r "$TD/bad.json" "$ID"
	expect_eq 40 "$(cg_file pids.max)" "pids.max after a refused update"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# ---- refused, with nothing left behind -------------------------------------------

t_cgroup_controller_unavailable() {
	cg_need
	res '"unified": {"nosuch.max": "1"}'
	args true
	mkbundle
	expect_fail "linux.resources.unified: the nosuch controller is not available in $CG/husk/$ID" h run -b "$B" "$ID"
	assert_clean "$ID"
}

# On a host without the memory controller (a hybrid one): named, not dropped.
t_cgroup_memory_unavailable() {
	cg_need
	! grep -qw memory "$CG/cgroup.controllers" || skip "the memory controller is available here"
	res '"memory": {"limit": 67108864}'
	args true
	mkbundle
	expect_fail "linux.resources.memory.limit: the memory controller is not available in $CG/husk/$ID" h run -b "$B" "$ID"
	assert_clean "$ID"
}

t_cgroup_unified_slash() {
	cg_need
	res '"unified": {"../cgroup.procs": "1"}'
	args true
	mkbundle
	expect_fail 'linux.resources.unified.../cgroup.procs: must be a file name' h run -b "$B" "$ID"
	assert_clean "$ID"
}

t_cgroup_realtime_refused() {
	cg_need
	res '"cpu": {"realtimeRuntime": 950000}'
	args true
	mkbundle
	expect_fail 'linux.resources.cpu.realtimeRuntime: not supported on cgroup v2' h run -b "$B" "$ID"
	assert_clean "$ID"
}

t_cgroup_network_refused() {
	res '"network": {"classID": 1048577}'
	args true
	mkbundle
	expect_fail 'linux.resources.network: not supported' h run -b "$B" "$ID"
	assert_clean "$ID"
}

# The no-internal-process rule: a parent holding a process cannot get
# controllers for its children; the error says so.
t_cgroup_parent_busy() {
	cg_need
	_ctl=$(for _c in memory hugetlb; do grep -qw $_c "$CG/cgroup.controllers" && echo $_c && break; done)
	# (not pids: a threaded controller may be enabled beside processes)
	[ -n "$_ctl" ] || skip "no memory or hugetlb controller to enable"
	case $_ctl in
	memory) res '"memory": {"limit": 67108864}' ;;
	hugetlb) res '"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]' ;;
	esac
	C_LINUX="$C_LINUX \"cgroupsPath\": \"/$ID-busy/c\","
	mkdir "$CG/$ID-busy" || fail "mkdir $CG/$ID-busy"
	sleep 100 &
	_sp=$!
	echo $_sp >"$CG/$ID-busy/cgroup.procs"
	args true
	mkbundle
	hx h run -b "$B" "$ID"
	kill $_sp
	wait $_sp 2>/dev/null
	rmdir "$CG/$ID-busy"
	expect_eq 1 "$RC" "exit status"
	expect_match "cannot enable the $_ctl controller in $CG/$ID-busy: it holds processes" "$(cat "$TD/err")" stderr
	assert_clean "$ID"
}

# ---- devices: the eBPF program -------------------------------------------------------

t_cgroup_devices() {
	cg_need
	res '"devices": [{"allow": false, "access": "rwm"},
		{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]'
	C_LINUX="$C_LINUX \"devices\": [{\"path\": \"/dev/xkmsg\", \"type\": \"c\", \"major\": 1, \"minor\": 11}],"
	run_probe read /dev/null read /dev/xkmsg
	expect_line "read /dev/null: ok 0 bytes"
	expect_line "read /dev/xkmsg: EPERM"
	assert_clean "$ID"
}

# ---- pause, resume, ps, events ---------------------------------------------------------

t_cgroup_pause_resume() {
	cg_need
	cg_start sh -c 'i=0; while :; do i=$((i + 1)); echo $i; sleep 0.05; done'
	wait_line 3 "$TD/cout"
	expect_ok h pause "$ID"
	expect_eq paused "$(st "$ID" status)" "status after pause"
	expect_match '^frozen 1' "$(grep frozen "$CG/husk/$ID/cgroup.events")" cgroup.events
	_a=$(wc -l <"$TD/cout")
	sleep 0.5 # a negative check: a slower machine only gives it less chance to see a line
	expect_eq "$_a" "$(wc -l <"$TD/cout")" "lines while paused"
	expect_fail "not running" h pause "$ID"
	expect_ok h resume "$ID"
	expect_eq running "$(st "$ID" status)" "status after resume"
	wait_for "the counter to go on after resume" more_lines "$_a" "$TD/cout"
	expect_fail "not paused" h resume "$ID"
	# a paused container is deleted with --force all the same
	expect_ok h pause "$ID"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_cgroup_ps() {
	cg_need
	C_NS=$(ns ipc uts mount network) # host pids: ps shows what the host sees
	cg_start sh -c 'sleep 100 & exec sleep 101'
	wait_for "2 processes in the container's cgroup" procs_at_least 2 "$CG/husk/$ID/cgroup.procs"
	_want=$(sort -n "$CG/husk/$ID/cgroup.procs" | tr '\n' ',' | sed 's/,$//')
	expect_ok h ps -f json "$ID"
	expect_eq "[$_want]" "$(tr -d ' \n' <"$TD/out" | tr ',' '\n' | tr -d '[]' | sort -n | tr '\n' ',' | sed 's/,$//; s/^/[/; s/$/]/')" "ps -f json"
	expect_ok h ps "$ID"
	expect_match '^PID +CMD$' "$(head -n 1 "$TD/out")" "ps header"
	expect_match "^$PID +sleep 101\$" "$(grep "^$PID " "$TD/out")" "ps line of the init"
	# no pid namespace: delete must still kill the background sleep
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# stats_events N: $TD/ev holds N stats events of $ID or more.
stats_events() {
	[ "$(grep -c '^{"type":"stats","id":"'"$ID"'","data":{"cpu":' "$TD/ev")" -ge "$1" ]
}

t_cgroup_events_stream() {
	cg_need
	cg_start sleep 100
	for _i in 0.5ms 1.5x 1..5s 1e3s 25h 99999999999999h; do
		expect_fail "events: invalid --interval \"$_i\"" h events --interval "$_i" "$ID"
	done
	h events --interval 0.1s "$ID" >"$TD/ev" 2>"$TD/everr" &
	_ev=$!
	poll stats_events 3 || { kill $_ev; fail "expected 3 stats events at 100ms: $(head -c 600 "$TD/ev")"; }
	expect_ok h kill "$ID" KILL
	poll gone $_ev || { kill $_ev; fail "events still running ${WAIT_S}s after the container stopped"; }
	wait $_ev
	expect_eq 0 "$?" "events exit status (stderr: $(cat "$TD/everr"))"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

# ps with ps(1) arguments (runc): the host's ps runs with them, and only
# its header and the container's own lines are kept.
t_cgroup_ps_args() {
	cg_need
	command -v ps >/dev/null || skip "no ps(1) here"
	C_NS=$(ns ipc uts mount network)
	cg_start sh -c 'sleep 100 & exec sleep 101'
	wait_for "2 processes in the container's cgroup" procs_at_least 2 "$CGC/cgroup.procs"
	_want=$(sort -n "$CGC/cgroup.procs" | tr '\n' ' ')
	for _form in "$ID -o pid,args" "$ID -- -o pid,args" "-f table $ID -o pid,args"; do
		# shellcheck disable=SC2086
		expect_ok h ps $_form
		expect_match '^ *PID +(COMMAND|CMD)$' "$(head -n 1 "$TD/out")" "header of ps $_form"
		expect_eq "$_want" "$(sed 1d "$TD/out" | awk '{ print $1 }' | sort -n | tr '\n' ' ')" "pids of ps $_form"
		expect_match "^ *$PID +sleep 101\$" "$(grep "^ *$PID " "$TD/out")" "the init's line"
	done
	# json: ps(1)'s arguments are not used (as runc)
	expect_ok h ps -f json "$ID" -o pid
	expect_match '^\[[0-9,]+\]$' "$(cat "$TD/out")" "ps -f json with ps arguments"
	expect_fail "ps: no PID column in the output of ps(1)" h ps "$ID" -o args
	expect_fail "ps: ps(1) failed (exit status" h ps "$ID" --no-such-ps-option
	mkdir "$TD/empty"
	expect_fail "ps: no ps(1) on this host's PATH" env PATH="$TD/empty" "$HUSK" --root "$ROOT" ps "$ID" -o pid
	# without arguments, husk needs no ps(1)
	expect_ok env PATH="$TD/empty" "$HUSK" --root "$ROOT" ps "$ID"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# exec --cgroup (runc 1.2): born in an existing sub-cgroup of the
# container's; one that leaves it, or does not exist, is refused.
t_cgroup_exec_sub() {
	cg_need
	cg_start sleep 1000
	mkdir "$CGC/sub" "$CGC/sub/deeper" || fail "mkdir $CGC/sub"
	_own=$(sed -n 's/^0:://p' "/proc/$PID/cgroup")
	for _arg in sub /sub unified:sub sub/deeper/.. ./sub/; do
		expect_ok h exec --cgroup "$_arg" "$ID" probe cgroup
		expect_eq "cgroup: 0::$_own/sub" "$(grep '^cgroup: 0::' "$TD/out")" "exec --cgroup $_arg"
	done
	expect_ok h exec --cgroup=sub/deeper "$ID" probe cgroup
	expect_eq "cgroup: 0::$_own/sub/deeper" "$(grep '^cgroup: 0::' "$TD/out")" "exec --cgroup sub/deeper"
	expect_ok h exec --cgroup / "$ID" probe cgroup
	expect_eq "cgroup: 0::$_own" "$(grep '^cgroup: 0::' "$TD/out")" "exec --cgroup /"
	# detached: the process is there for its whole life
	expect_ok h exec -d --cgroup sub --pid-file "$TD/p" "$ID" sleep 1000
	expect_eq "$_own/sub" "$(sed -n 's/^0:://p' "/proc/$(cat "$TD/p")/cgroup")" "the detached process's cgroup"
	for _bad in .. ../x sub/../.. /../$ID; do
		expect_refused 255 "exec: --cgroup $_bad: bad sub cgroup path" h exec --cgroup "$_bad" "$ID" true
	done
	expect_refused 255 "exec: --cgroup nosuch: open cgroup $CGC/nosuch: No such file or directory" \
		h exec --cgroup nosuch "$ID" true
	expect_refused 255 "a CONTROLLER: prefix is for cgroup v1" h exec --cgroup memory:sub "$ID" true
	expect_refused 255 "exec: --cgroup: given 2 times" h exec --cgroup sub --cgroup / "$ID" true
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# update: every flag of runc's (1.2-1.4). The ones cgroup v2 or husk cannot
# honour are refused with the reason; kernel memory is ignored with runc's
# warning.
t_cgroup_update_refused_flags() {
	cg_need
	cg_start sleep 100
	expect_fail "update: --cpu-rt-period: not supported on cgroup v2" h update --cpu-rt-period 1000000 "$ID"
	expect_fail "update: --cpu-rt-runtime: not supported on cgroup v2" h update --cpu-rt-runtime 950000 "$ID"
	expect_fail "update: --l3-cache-schema: Intel RDT (linux.intelRdt) needs resctrl, which husk does not implement" \
		h update --l3-cache-schema 'L3:0=ffff' "$ID"
	expect_fail "update: --mem-bw-schema: Intel RDT" h update --mem-bw-schema 'MB:0=70' "$ID"
	expect_fail 'update: --cpu-burst: invalid number "-5"' h update --cpu-burst -5 "$ID"
	expect_fail 'update: --cpu-idle: invalid number "x"' h update --cpu-idle x "$ID"
	expect_fail 'update: --kernel-memory: invalid size "lots"' h update --kernel-memory lots "$ID"
	expect_fail "unknown option --cpu-rt" h update --cpu-rt 5 "$ID"
	expect_ok h update --kernel-memory 64M --kernel-memory-tcp 1M "$ID"
	expect_eq "husk: warning: update: kernel memory settings are ignored and will be removed (as runc)" \
		"$(cat "$TD/err")" "the warning"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# cpu.max.burst and cpu.idle (the VM: the cpu controller).
t_cgroup_update_cpu_burst_idle() {
	cg_need cpu
	res '"cpu": {"quota": 50000, "period": 100000}'
	cg_start sleep 100
	[ -e "$CGC/cpu.max.burst" ] || skip "no cpu.max.burst in this kernel (5.14)"
	[ -e "$CGC/cpu.idle" ] || skip "no cpu.idle in this kernel (5.15)"
	expect_ok h update --cpu-burst 20000 "$ID"
	expect_eq 20000 "$(cg_file cpu.max.burst)" "cpu.max.burst after --cpu-burst 20000"
	expect_ok h update --cpu-idle 1 "$ID"
	expect_eq 1 "$(cg_file cpu.idle)" "cpu.idle after --cpu-idle 1"
	expect_ok h update --cpu-idle 0 --cpu-burst 0 --cpu-quota 60000 "$ID"
	expect_eq 0 "$(cg_file cpu.idle)" "cpu.idle after --cpu-idle 0"
	expect_eq 0 "$(cg_file cpu.max.burst)" "cpu.max.burst after --cpu-burst 0"
	expect_eq "60000 100000" "$(cg_file cpu.max)" "cpu.max"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

t_cgroup_commands_need_container() {
	for c in pause resume ps events update; do
		expect_fail "does not exist" h $c nosuch-$ID
	done
}
