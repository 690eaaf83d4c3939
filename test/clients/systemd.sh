# systemd.sh: the scenarios of the systemd boot (test/clients-vm.sh --systemd),
# each an s_* function run once by run.sh (SCENARIOS=systemd). systemd is
# PID 1; podman runs with its default configuration (it picks the systemd
# cgroup manager itself and passes --systemd-cgroup, cgroupsPath
# machine.slice:libpod:ID, scope libpod-ID.scope); ctr runs with
# --runc-systemd-cgroup and --cgroup SLICE:ctr:ID (scope ctr-ID.scope). Each
# checks the container from inside and the scope from systemd's side
# (systemctl show), and that the scope is gone once the container is.

PSLICE=machine.slice # podman's default cgroup parent under systemd

# cr ARGS...: ctr run with the runtime as the shim's runc binary, through its
# systemd path (x runs it without a second timeout).
cr() {
	timeout -k 5 120 ctr run --snapshotter native --runc-binary "$RT" --runc-systemd-cgroup "$@"
}

pm_id() { podman inspect -f '{{.Id}}' "$1" 2>/dev/null; }
pm_pid() { podman inspect -f '{{.State.Pid}}' "$1" 2>/dev/null; }
ctr_task_pid() { ctr task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $2 }'; }

# scopes ERE: the scope units systemd has loaded (active, failed or on their
# way out) whose names match ERE.
scopes() {
	systemctl list-units --all --plain --no-legend --type scope 2>/dev/null |
		awk '{ print $1 }' | grep -E "$1"
}
no_scope_now() { ! scopes "$1" >/dev/null; }

# unit_log UNIT: what systemd said about UNIT (for a failure's reason).
unit_log() {
	echo "systemctl status: $(systemctl status --no-pager "$1" 2>&1 | head -n 12)"
	echo "journal: $(journalctl -b -q --no-pager -u "$1" 2>&1 | tail -n 8)"
}

# expect_no_scope ERE [WHAT]: within the wait deadline, no scope matches ERE.
expect_no_scope() {
	wait_for no_scope_now "$1" && return 0
	_s=$(scopes "$1" | head -n 3)
	fail "${2:-after the container was removed}: scope(s) still there: $_s
$(systemctl list-units --all --plain --no-legend --type scope $_s 2>&1)
$(unit_log "$(echo "$_s" | head -n 1)")"
}

# expect_cgroup PID PATH: the process is in cgroup PATH (from the host).
expect_cgroup() {
	[ -n "$1" ] || fail "no pid for the container"
	x cat "/proc/$1/cgroup"
	expect_rc 0 "cat /proc/$1/cgroup"
	expect_out "0::$2"
}

# expect_props UNIT PROP=VALUE...: `systemctl show UNIT` has each line.
expect_props() {
	_u=$1
	shift
	x systemctl show "$_u"
	expect_rc 0 "systemctl show $_u"
	for _p; do
		grep -Fqx -- "$_p" "$SD/out" ||
			fail "systemctl show $_u: expected $_p, got '$(grep "^${_p%%=*}=" "$SD/out")'
$(unit_log "$_u")"
	done
}

# frozen CGROUP-DIR 0|1: cgroup.events says so.
frozen() { grep -qx "frozen $2" "$1/cgroup.events"; }

# ---- podman ------------------------------------------------------------------

# podman picks systemd by itself; run, exit status, a missing binary (create
# fails after the scope may have been made): no libpod scope left.
s_podman_run() {
	grep -q cgroup_manager /etc/containers/containers.conf && fail "containers.conf sets cgroup_manager"
	x podman info --format '{{.Host.CgroupManager}}'
	expect_rc 0 "podman info"
	expect_out systemd
	x pm run --rm $IMG echo hi
	expect_rc 0 "run echo hi"
	expect_out hi
	x pm run --rm $IMG sh -c 'exit 3'
	expect_rc 3 "sh -c 'exit 3'"
	x pm run --rm $IMG /nonexistent
	expect_rc 127 "run /nonexistent"
	expect_no_scope '^libpod-[0-9a-f]+\.scope$'
	no_husk_state /run/husk
}

# run -d with --memory and --pids-limit: the limits inside the container and
# on the scope; exec (output, status, --user); stop; rm: scope gone.
s_podman_detach_exec_stop_rm() {
	x pm run -d --name s1 --memory 32m --pids-limit 16 $IMG sleep 1000
	expect_rc 0 "run -d --memory 32m --pids-limit 16"
	u=libpod-$(pm_id s1).scope
	expect_cgroup "$(pm_pid s1)" /$PSLICE/$u
	expect_props $u ActiveState=active Delegate=yes Slice=$PSLICE MemoryMax=33554432 TasksMax=16
	x pm exec s1 cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max
	expect_rc 0 "exec cat memory.max pids.max"
	expect_out 33554432
	expect_out 16
	x pm exec s1 echo from-exec
	expect_rc 0 "exec"
	expect_out from-exec
	x pm exec s1 sh -c 'exit 5'
	expect_rc 5 "exec sh -c 'exit 5'"
	x pm exec --user 1000 s1 id -u
	expect_rc 0 "exec --user 1000"
	expect_out 1000
	x pm stop -t 2 s1
	expect_rc 0 "stop"
	x pm inspect -f '{{.State.Status}}' s1
	expect_out exited
	x pm rm -f s1
	expect_rc 0 "rm -f"
	expect_no_scope "^$u\$"
	no_husk_state /run/husk
}

# --cpus and --cpu-shares: cpu.max inside, CPUQuotaPerSecUSec on the scope,
# and the weight systemd holds is the one the container sees.
s_podman_cpu() {
	x pm run -d --name c1 --cpus 0.5 --cpu-shares 512 $IMG sleep 1000
	expect_rc 0 "run -d --cpus 0.5 --cpu-shares 512"
	u=libpod-$(pm_id c1).scope
	expect_props $u ActiveState=active CPUQuotaPerSecUSec=500ms
	w=$(systemctl show -p CPUWeight --value $u)
	x pm exec c1 cat /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu.weight
	expect_rc 0 "exec cat cpu.max cpu.weight"
	expect_out "50000 100000"
	expect_out "$w"
	[ "$w" != 100 ] && [ -n "$w" ] || fail "--cpu-shares 512: CPUWeight of $u is '$w' (the default is 100)"
	x pm rm -f c1
	expect_rc 0 "rm -f"
	expect_no_scope "^$u\$"
}

# podman update (runtime update): the new limits on the scope and inside.
s_podman_update() {
	podman update --help >/dev/null 2>&1 || skip "this podman has no update command"
	x pm run -d --name u1 --memory 32m $IMG sleep 1000
	expect_rc 0 "run -d --memory 32m"
	u=libpod-$(pm_id u1).scope
	x pm update --memory 64m u1
	expect_rc 0 "update --memory 64m"
	expect_props $u ActiveState=active MemoryMax=67108864
	x pm exec u1 cat /sys/fs/cgroup/memory.max
	expect_out 67108864
	x pm rm -f u1
	expect_rc 0 "rm -f"
	expect_no_scope "^$u\$"
}

# kill (137), TERM to a trap (7), rm: scopes gone.
s_podman_kill() {
	x pm run -d --name k1 $IMG sleep 1000
	expect_rc 0 "run -d"
	u1=libpod-$(pm_id k1).scope
	x pm kill k1
	expect_rc 0 "kill"
	x pm wait k1
	expect_rc 0 "wait"
	expect_out 137
	x pm run -d --name k2 $IMG sh -c 'trap "exit 7" TERM; touch /tmp/trapped; while :; do sleep 0.1; done'
	expect_rc 0 "run -d (trap TERM)"
	u2=libpod-$(pm_id k2).scope
	wait_for pm exec k2 test -e /tmp/trapped || fail "the TERM trap was never set"
	x pm kill -s TERM k2
	expect_rc 0 "kill -s TERM"
	x pm wait k2
	expect_out 7
	x pm rm -f k1 k2
	expect_rc 0 "rm -f"
	expect_no_scope "^($u1|$u2)\$"
	no_husk_state /run/husk
}

# podman ps and podman top.
s_podman_top() {
	x pm run -d --name t1 $IMG sleep 1000
	expect_rc 0 "run -d"
	u=libpod-$(pm_id t1).scope
	x pm ps --format '{{.Names}} {{.Status}}'
	expect_rc 0 "ps"
	grep -q '^t1 Up' "$SD/out" || fail "podman ps: expected 't1 Up...', got: $(cat "$SD/out")"
	x pm top t1
	expect_rc 0 "top"
	expect_has "sleep 1000"
	x pm rm -f t1
	expect_rc 0 "rm -f"
	expect_no_scope "^$u\$"
}

# pause/unpause: podman's status and the scope's cgroup (cgroup.events).
s_podman_pause_unpause() {
	x pm run -d --name p1 $IMG sleep 1000
	expect_rc 0 "run -d"
	u=libpod-$(pm_id p1).scope
	cg=/sys/fs/cgroup/$PSLICE/$u
	x pm pause p1
	expect_rc 0 "pause"
	x pm inspect -f '{{.State.Status}}' p1
	expect_out paused
	wait_for frozen $cg 1 || fail "paused, but $cg/cgroup.events: $(cat $cg/cgroup.events 2>&1)"
	x pm unpause p1
	expect_rc 0 "unpause"
	x pm inspect -f '{{.State.Status}}' p1
	expect_out running
	wait_for frozen $cg 0 || fail "unpaused, but $cg/cgroup.events: $(cat $cg/cgroup.events 2>&1)"
	x pm exec p1 echo after-unpause
	expect_out after-unpause
	x pm rm -f p1
	expect_rc 0 "rm -f"
	expect_no_scope "^$u\$"
}

# ---- containerd (ctr run --runc-systemd-cgroup) ----------------------------------

# run, exit status, the cgroup inside; no scope and no state left.
s_ctr_run() {
	x cr --rm --cgroup system.slice:ctr:c-echo $CIMG c-echo echo hi
	expect_rc 0 "run echo hi"
	expect_out hi
	x cr --rm --cgroup system.slice:ctr:c-exit $CIMG c-exit sh -c 'exit 3'
	expect_rc 3 "sh -c 'exit 3'"
	# (no cgroup namespace in ctr's default spec: the whole path shows)
	x cr --rm --cgroup system.slice:ctr:c-cg $CIMG c-cg cat /proc/self/cgroup
	expect_rc 0 "run cat /proc/self/cgroup"
	expect_out 0::/system.slice/ctr-c-cg.scope
	expect_no_scope '^ctr-c-.*\.scope$'
	no_husk_state $HROOT_CTR
}

# A cgroupsPath that is not slice:prefix:name (ctr's own --cgroup value,
# passed as is; without --cgroup ctr refuses --runc-systemd-cgroup itself):
# the runtime refuses it, naming it, and leaves nothing.
s_ctr_bad_path() {
	x cr --rm --cgroup /husk-bad/c-bad $CIMG c-bad echo hi
	[ "$RC" != 0 ] || fail "cgroupsPath /husk-bad/c-bad with --systemd-cgroup: run succeeded"
	expect_has /husk-bad/c-bad "$SD/err"
	[ ! -e /sys/fs/cgroup/husk-bad ] || fail "cgroup /husk-bad left: $(find /sys/fs/cgroup/husk-bad -type d)"
	expect_no_scope 'c-bad'
	no_husk_state $HROOT_CTR
}

# run -d --memory-limit: the cgroupsPath the shim passed (logged), the
# scope (cgroup, properties), exec lands in it; kill, delete: scope gone.
s_ctr_exec_kill_delete() {
	x cr -d --memory-limit 33554432 --cgroup system.slice:ctr:c-d $CIMG c-d sleep 1000
	expect_rc 0 "run -d --memory-limit 33554432"
	u=ctr-c-d.scope
	x grep -o '"cgroupsPath": *"[^"]*"' /run/containerd/io.containerd.runtime.v2.task/default/c-d/config.json
	expect_has '"system.slice:ctr:c-d"'
	expect_cgroup "$(ctr_task_pid c-d)" /system.slice/$u
	expect_props $u ActiveState=active Delegate=yes Slice=system.slice MemoryMax=33554432
	x cat /sys/fs/cgroup/system.slice/$u/memory.max
	expect_out 33554432
	x ctr task exec --exec-id e0 c-d cat /proc/self/cgroup
	expect_rc 0 "task exec cat /proc/self/cgroup"
	expect_out 0::/system.slice/$u
	x ctr task exec --exec-id e1 c-d echo from-exec
	expect_rc 0 "task exec"
	expect_out from-exec
	x ctr task exec --exec-id e2 c-d sh -c 'exit 4'
	expect_rc 4 "task exec sh -c 'exit 4'"
	x ctr task kill -s SIGKILL c-d
	expect_rc 0 "task kill -s SIGKILL"
	wait_for ctr_stopped c-d || fail "task never STOPPED: $(ctr task ls)"
	x ctr task delete c-d
	expect_rc 0 "task delete"
	x ctr containers rm c-d
	expect_rc 0 "containers rm"
	expect_no_scope "^$u\$"
	no_husk_state $HROOT_CTR
}

# A slice that does not exist yet, nested by its dashes (as Kubernetes names
# them): husk-ctr.slice is /husk.slice/husk-ctr.slice; --cpus on the scope.
s_ctr_nested_slice() {
	x cr -d --cpus 0.5 --memory-limit 33554432 --cgroup husk-ctr.slice:ctr:c-n $CIMG c-n sleep 1000
	expect_rc 0 "run -d --cgroup husk-ctr.slice:ctr:c-n"
	u=ctr-c-n.scope
	expect_cgroup "$(ctr_task_pid c-n)" /husk.slice/husk-ctr.slice/$u
	expect_props $u ActiveState=active Slice=husk-ctr.slice MemoryMax=33554432 CPUQuotaPerSecUSec=500ms
	x cat /sys/fs/cgroup/husk.slice/husk-ctr.slice/$u/cpu.max
	expect_out "50000 100000"
	x ctr task kill -s SIGKILL c-n
	expect_rc 0 "task kill -s SIGKILL"
	wait_for ctr_stopped c-n || fail "task never STOPPED: $(ctr task ls)"
	x ctr task delete c-n
	expect_rc 0 "task delete"
	expect_no_scope "^$u\$"
	no_husk_state $HROOT_CTR
}

# task ps (husk ps --format json) and kill --all.
s_ctr_task_ps() {
	x cr -d --cgroup system.slice:ctr:c-ps $CIMG c-ps sleep 1000
	expect_rc 0 "run -d"
	x ctr task ps c-ps
	expect_rc 0 "task ps"
	expect_has "$(ctr_task_pid c-ps)"
	x ctr task kill -a -s SIGKILL c-ps
	expect_rc 0 "task kill --all"
	wait_for ctr_stopped c-ps || fail "task never STOPPED: $(ctr task ls)"
	x ctr task delete c-ps
	expect_rc 0 "task delete"
	expect_no_scope '^ctr-c-ps\.scope$'
}

# task pause/resume: ctr's status and the scope's cgroup.
s_ctr_pause_resume() {
	x cr -d --cgroup system.slice:ctr:c-p $CIMG c-p sleep 1000
	expect_rc 0 "run -d"
	cg=/sys/fs/cgroup/system.slice/ctr-c-p.scope
	x ctr task pause c-p
	expect_rc 0 "task pause"
	[ "$(ctr_task_status c-p)" = PAUSED ] || fail "after pause: status $(ctr_task_status c-p)"
	wait_for frozen $cg 1 || fail "paused, but $cg/cgroup.events: $(cat $cg/cgroup.events 2>&1)"
	x ctr task resume c-p
	expect_rc 0 "task resume"
	[ "$(ctr_task_status c-p)" = RUNNING ] || fail "after resume: status $(ctr_task_status c-p)"
	wait_for frozen $cg 0 || fail "resumed, but $cg/cgroup.events: $(cat $cg/cgroup.events 2>&1)"
	x ctr task kill -s SIGKILL c-p
	wait_for ctr_stopped c-p || fail "task never STOPPED: $(ctr task ls)"
	x ctr task delete c-p
	expect_rc 0 "task delete"
	expect_no_scope '^ctr-c-p\.scope$'
}

# Last: after every scenario (and run.sh's clean-up), no container scope is
# left in any state, none failed, no husk state, no container cgroup.
s_zz_nothing_left() {
	expect_no_scope '^(libpod-[0-9a-f]+|ctr-.*)\.scope$' "after all scenarios"
	x systemctl list-units --failed --plain --no-legend
	grep -E '^(libpod-|ctr-)' "$SD/out" && fail "failed units: $(cat "$SD/out")"
	x find /sys/fs/cgroup -type d \( -name 'libpod-*.scope' ! -name 'libpod-conmon-*' -o -name 'ctr-*.scope' \)
	[ ! -s "$SD/out" ] || fail "container cgroups left: $(cat "$SD/out")"
	no_husk_state /run/husk
	no_husk_state $HROOT_CTR
}
