# ctr.sh: containerd 1.6 scenarios (ctr + containerd-shim-runc-v2 with
# --runc-binary /husk), each a c_* function run once by run.sh. The shim calls
# husk with --root /run/containerd/runc/default --log <bundle>/log.json
# --log-format json; on failure it reports husk's last JSON error.

# cr ARGS...: ctr run with husk as the shim's runc binary.
cr() {
	timeout -k 5 120 ctr run --snapshotter native --runc-binary "$RT" "$@"
}

c_run_echo() {
	x cr --rm $CIMG c-echo echo hi
	expect_rc 0
	expect_out hi
	no_husk_state $HROOT_CTR
}

c_exit_code() {
	x cr --rm $CIMG c-exit sh -c 'exit 3'
	expect_rc 3 "sh -c 'exit 3'"
}

c_missing_binary() {
	x cr --rm $CIMG c-missing /nonexistent
	[ "$RC" != 0 ] || fail "run /nonexistent succeeded"
	grep -Eq 'no such file or directory|not found' "$SD/err" ||
		fail "run /nonexistent: expected 'no such file or directory' in ctr's error, $(why_rc)"
	no_husk_state $HROOT_CTR
}

# run -d, task exec (output, status), task kill (SIGKILL), task delete.
c_exec_kill_delete() {
	x cr -d $CIMG c-d sleep 1000
	expect_rc 0 "run -d"
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
	no_husk_state $HROOT_CTR
}

# task kill with the default signal (SIGTERM) reaches a handler; the exit
# status comes back through task delete.
c_kill_term() {
	x cr -d $CIMG c-t sh -c 'trap "exit 7" TERM; touch /tmp/trapped; while :; do sleep 0.1; done'
	expect_rc 0 "run -d"
	wait_for ctr task exec --exec-id ready c-t test -e /tmp/trapped || fail "the TERM trap was never set"
	x ctr task kill c-t
	expect_rc 0 "task kill (TERM)"
	wait_for ctr_stopped c-t || fail "task never STOPPED after TERM: $(ctr task ls)"
	x ctr task delete c-t
	expect_rc 0 "task delete"
	expect_has "exit code 7" "$SD/err"
}

# task ps: the shim calls husk ps --format json.
c_task_ps() {
	x cr -d $CIMG c-ps sleep 1000
	expect_rc 0 "run -d"
	x ctr task ps c-ps
	expect_rc 0 "task ps"
	[ "$(wc -l <"$SD/out")" -ge 2 ] || fail "task ps: expected a pid, got: $(cat "$SD/out")"
	x ctr task kill -a -s SIGKILL c-ps
	expect_rc 0 "task kill --all"
	wait_for ctr_stopped c-ps || fail "task never STOPPED: $(ctr task ls)"
}

c_tty() {
	x script -qec "ctr run --rm -t --snapshotter native --runc-binary $RT $CIMG c-tty sh -c 'tty; echo tty-ok'" /dev/null
	expect_rc 0 "run -t (under script)"
	expect_has /dev/pts/0
	expect_has tty-ok
}

c_memory() {
	x cr -d --memory-limit 33554432 $CIMG c-mem sleep 1000
	skip_if_refused
	expect_rc 0 "run -d --memory-limit 33554432"
	x cat /sys/fs/cgroup/default/c-mem/memory.max
	expect_out 33554432
	x ctr task kill -s SIGKILL c-mem
	wait_for ctr_stopped c-mem
}

c_pause_resume() {
	x cr -d $CIMG c-p sleep 1000
	expect_rc 0 "run -d"
	x ctr task pause c-p
	expect_rc 0 "task pause"
	[ "$(ctr_task_status c-p)" = PAUSED ] || fail "after pause: status $(ctr_task_status c-p)"
	x ctr task resume c-p
	expect_rc 0 "task resume"
	[ "$(ctr_task_status c-p)" = RUNNING ] || fail "after resume: status $(ctr_task_status c-p)"
}
