# podman.sh: podman 4.3 (+ conmon 2.1) scenarios, each a p_* function run by
# run.sh in both modes (plain, json). pm = podman --runtime /husk.
# husk's default --root (/run/husk) is what podman uses: it passes no --root.

p_run_echo() {
	x pm run --rm $IMG echo hi
	expect_rc 0
	expect_out hi
	no_husk_state /run/husk
}

p_exit_code() {
	x pm run --rm $IMG sh -c 'exit 3'
	expect_rc 3 "sh -c 'exit 3'"
}

# podman maps the runtime's "no such file or directory" / "executable file
# not found" at create to 127.
p_missing_binary() {
	x pm run --rm $IMG /nonexistent
	expect_rc 127 "run /nonexistent"
	x pm run --rm $IMG no-such-cmd
	expect_rc 127 "run no-such-cmd (PATH lookup)"
	no_husk_state /run/husk
}

# The seccomp profile podman passes (containers-common's default) is in force.
p_seccomp() {
	x pm run --rm $IMG grep Seccomp: /proc/self/status
	expect_rc 0
	expect_has "2"
	x pm run --rm --security-opt seccomp=unconfined $IMG grep Seccomp: /proc/self/status
	expect_rc 0
	grep -q '0$' "$SD/out" || fail "seccomp=unconfined: expected Seccomp 0, got $(cat "$SD/out")"
}

# run -d, exec (output and status), stop (kill 15, then kill 9: sleep as
# pid 1 ignores TERM), rm -f; nothing left in husk's state.
p_detach_exec_stop_rm() {
	x pm run -d --name d1 $IMG sleep 1000
	expect_rc 0 "run -d"
	x pm exec d1 echo from-exec
	expect_rc 0 "exec"
	expect_out from-exec
	x pm exec d1 sh -c 'exit 5'
	expect_rc 5 "exec sh -c 'exit 5'"
	x pm exec --user 1000 d1 id -u
	expect_rc 0 "exec --user 1000"
	expect_out 1000
	x pm stop -t 2 d1
	expect_rc 0 "stop"
	x pm inspect -f '{{.State.Status}}' d1
	expect_out exited
	x pm rm -f d1
	expect_rc 0 "rm -f"
	no_husk_state /run/husk
}

p_kill() {
	x pm run -d --name k1 $IMG sleep 1000
	expect_rc 0 "run -d"
	x pm kill k1
	expect_rc 0 "kill"
	x pm wait k1
	expect_rc 0 "wait"
	expect_out 137
	x pm run -d --name k2 $IMG sh -c 'trap "exit 7" TERM; touch /tmp/trapped; while :; do sleep 0.1; done'
	expect_rc 0 "run -d (trap TERM)"
	wait_for pm exec k2 test -e /tmp/trapped || fail "the TERM trap was never set"
	x pm kill -s TERM k2
	expect_rc 0 "kill -s TERM"
	x pm wait k2
	expect_out 7
	x pm rm -f k1 k2
	expect_rc 0 "rm -f"
}

p_ps() {
	x pm run -d --name ps1 $IMG sleep 1000
	expect_rc 0 "run -d"
	x pm ps --format '{{.Names}} {{.Status}}'
	expect_rc 0 "ps"
	grep -q '^ps1 Up' "$SD/out" || fail "podman ps: expected 'ps1 Up...', got: $(cat "$SD/out")"
	x pm top ps1
	expect_rc 0 "top"
	expect_has "sleep 1000"
	x pm rm -f ps1
	expect_rc 0 "rm -f"
}

# -it: conmon's console socket gets the pty master from husk.
p_tty() {
	x script -qec "podman --runtime $RT run -it --rm $IMG sh -c 'tty; echo tty-ok'" /dev/null
	expect_rc 0 "run -it (under script)"
	# (script's stdin is /dev/null: the pty may echo a "^@" before the output)
	expect_has /dev/pts/0
	expect_has tty-ok
}

p_pids_limit() {
	x pm run --rm --pids-limit 16 $IMG cat /sys/fs/cgroup/pids.max
	skip_if_refused
	expect_rc 0 "--pids-limit 16"
	expect_out 16
}

p_memory() {
	x pm run --rm --memory 32m $IMG cat /sys/fs/cgroup/memory.max
	skip_if_refused
	expect_rc 0 "--memory 32m"
	expect_out 33554432
}

p_read_only() {
	x pm run --rm --read-only $IMG touch /x
	[ "$RC" != 0 ] || fail "--read-only: touch /x succeeded"
	expect_has "Read-only file system" "$SD/err"
	# podman mounts tmpfs on /tmp, /run, /var/tmp with --read-only.
	x pm run --rm --read-only $IMG touch /tmp/x
	expect_rc 0 "--read-only: touch /tmp/x"
}

p_user() {
	x pm run --rm --user 1000 $IMG id
	expect_rc 0 "--user 1000"
	expect_has "uid=1000"
	x pm run --rm --user 1000:1000 --group-add 2000 $IMG id -G
	expect_rc 0 "--user 1000:1000 --group-add 2000"
	expect_has "2000"
}

p_cap_drop() {
	x pm run --rm $IMG grep CapEff /proc/self/status
	expect_rc 0
	grep -q '0000000000000000' "$SD/out" && fail "default caps: CapEff is empty: $(cat "$SD/out")"
	x pm run --rm --cap-drop all $IMG grep CapEff /proc/self/status
	expect_rc 0 "--cap-drop all"
	expect_has "0000000000000000"
	x pm run --rm --cap-drop CHOWN $IMG chown 1000 /tmp
	[ "$RC" != 0 ] || fail "--cap-drop CHOWN: chown succeeded"
}

# A stock Debian host mounts securityfs, so podman sees AppArmor on and sets
# process.apparmorProfile (containers-default-...): husk must cope with that.
p_apparmor() {
	grep -q Y /sys/module/apparmor/parameters/enabled 2>/dev/null || skip "AppArmor is off in this kernel"
	mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
	x pm run --rm $IMG echo hi
	[ "$RC" = 0 ] || fail "with AppArmor on (securityfs mounted, as on a Debian host): $(why_rc)
config.json had: $(aa_profile)"
	expect_out hi
}

# aa_profile OPTION...: the apparmorProfile podman writes into config.json.
aa_profile() {
	pm create --name aa "$@" $IMG true >/dev/null 2>&1
	pm init aa >/dev/null 2>&1
	_id=$(podman inspect -f '{{.Id}}' aa 2>/dev/null)
	grep -o '"apparmorProfile": *"[^"]*"' /var/lib/containers/storage/vfs-containers/$_id/userdata/config.json 2>/dev/null ||
		echo "(no apparmorProfile)"
	pm rm -f aa >/dev/null 2>&1
}

# The workaround: --security-opt apparmor=unconfined (no profile in config.json).
p_apparmor_unconfined() {
	grep -q Y /sys/module/apparmor/parameters/enabled 2>/dev/null || skip "AppArmor is off in this kernel"
	mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
	x pm run --rm --security-opt apparmor=unconfined $IMG echo hi
	[ "$RC" = 0 ] || fail "AppArmor on, --security-opt apparmor=unconfined: $(why_rc)
config.json had: $(aa_profile --security-opt apparmor=unconfined)"
	expect_out hi
}

p_pause_resume() {
	x pm run -d --name pr1 $IMG sleep 1000
	expect_rc 0 "run -d"
	x pm pause pr1
	expect_rc 0 "pause"
	x pm inspect -f '{{.State.Status}}' pr1
	expect_out paused
	x pm unpause pr1
	expect_rc 0 "unpause"
	x pm inspect -f '{{.State.Status}}' pr1
	expect_out running
	x pm rm -f pr1
	expect_rc 0 "rm -f"
}
