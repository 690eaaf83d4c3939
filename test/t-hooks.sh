# t-hooks.sh: the six hooks: order, state on stdin, args, env, timeout, and
# what a failing hook does to its step.
#
# Host hooks run $TD/hook.sh, which appends its kind to $TD/hk/order and
# keeps its stdin, args and env in $TD/hk/. The startContainer hook runs in
# the container (its path resolves there): /bin/sh writing to /mnt, a bind
# of $TD/hk.

write_hook_script() {
	mkdir -p "$TD/hk"
	cat >"$TD/hook.sh" <<EOF
#!/bin/sh
echo "\$1" >>"$TD/hk/order"
cat >"$TD/hk/stdin.\$1"
echo "\$*" >"$TD/hk/args.\$1"
env | grep -v -e '^PWD=' -e '^SHLVL=' -e '^_=' | sort >"$TD/hk/env.\$1"
echo "\$(readlink /proc/self/ns/mnt) \$(readlink /proc/self/ns/net)" >"$TD/hk/ns.\$1"
exit \${HOOK_EXIT:-0}
EOF
	chmod +x "$TD/hook.sh"
}

# hostkind KIND [ENV]: a host hook object that records itself.
hostkind() {
	printf '{"path": %s, "args": ["hook.sh", "%s", "x y"], "env": ["HOOKENV=e1", "HUSK_TEST_MARK=%s"%s]}' \
		"$(q "$TD/hook.sh")" "$1" "$MARK" "${2:+, $(q "$2")}"
}

START_HOOK='{"path": "/bin/sh", "args": ["sh", "-c", "echo startContainer >>/mnt/order; cat >/mnt/stdin.startContainer; echo \"$(readlink /proc/self/ns/mnt) $(readlink /proc/self/ns/net)\" >/mnt/ns.startContainer"]}'

all_hooks() {
	C_TOP="\"hooks\": {
		\"prestart\": [$(hostkind prestart)],
		\"createRuntime\": [$(hostkind createRuntime)],
		\"createContainer\": [$(hostkind createContainer)],
		\"startContainer\": [$START_HOOK],
		\"poststart\": [$(hostkind poststart)],
		\"poststop\": [$(hostkind poststop)]},"
	C_MOUNTS_EXTRA=$(mnt /mnt bind "$TD/hk" rbind)
}

order() {
	tr '\n' ' ' <"$TD/hk/order" 2>/dev/null
}

t_hooks_order() {
	write_hook_script
	all_hooks
	args sleep 100
	mkbundle
	expect_ok h create -b "$B" "$ID"
	expect_eq "prestart createRuntime createContainer " "$(order)" "hooks run by create"
	expect_ok h start "$ID"
	expect_eq "prestart createRuntime createContainer startContainer poststart " "$(order)" "hooks run by start"
	expect_ok h kill "$ID" KILL
	wait_status "$ID" stopped
	expect_eq "prestart createRuntime createContainer startContainer poststart " "$(order)" "hooks after the exit"
	expect_ok h delete "$ID"
	expect_eq "prestart createRuntime createContainer startContainer poststart poststop " "$(order)" "hooks run by delete"
	assert_clean "$ID"
}

# createContainer and startContainer run in the container's namespaces,
# the others in the runtime's.
t_hooks_namespaces() {
	write_hook_script
	all_hooks
	args sleep 100
	mkbundle
	expect_ok h create -b "$B" --pid-file "$TD/pid" "$ID"
	expect_ok h start "$ID"
	pid=$(cat "$TD/pid")
	host="$(readlink /proc/self/ns/mnt) $(readlink /proc/self/ns/net)"
	cont="$(readlink "/proc/$pid/ns/mnt") $(readlink "/proc/$pid/ns/net")"
	expect_ne "$host" "$cont" "the container's namespaces"
	expect_ok h delete -f "$ID"
	for k in prestart createRuntime poststart poststop; do
		expect_eq "$host" "$(cat "$TD/hk/ns.$k")" "$k: mnt and net namespaces"
	done
	for k in createContainer startContainer; do
		expect_eq "$cont" "$(cat "$TD/hk/ns.$k")" "$k: mnt and net namespaces"
	done
	assert_clean "$ID"
}

t_hooks_run_foreground() {
	write_hook_script
	all_hooks
	args true
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_eq "prestart createRuntime createContainer startContainer poststart poststop " "$(order)" "hooks run by run"
	assert_clean "$ID"
}

t_hooks_state_on_stdin() {
	write_hook_script
	all_hooks
	args sleep 100
	mkbundle
	expect_ok h create -b "$B" --pid-file "$TD/pid" "$ID"
	expect_ok h start "$ID"
	pid=$(cat "$TD/pid")
	for k in prestart createRuntime createContainer startContainer poststart; do
		f=$TD/hk/stdin.$k
		[ -s "$f" ] || fail "no state on the stdin of $k"
		expect_eq "$ID" "$(json_get id <"$f")" "$k: id"
		expect_eq "$B" "$(json_get bundle <"$f")" "$k: bundle"
		expect_eq "$pid" "$(json_get pid <"$f")" "$k: pid"
		expect_match '^[0-9]+\.[0-9]+\.[0-9]+' "$(json_get ociVersion <"$f")" "$k: ociVersion"
	done
	expect_eq running "$(json_get status <"$TD/hk/stdin.poststart")" "poststart: status"
	expect_match '^(creating|created)$' "$(json_get status <"$TD/hk/stdin.createRuntime")" "createRuntime: status"
	expect_ok h delete -f "$ID"
	f=$TD/hk/stdin.poststop
	expect_eq "$ID" "$(json_get id <"$f")" "poststop: id"
	expect_eq stopped "$(json_get status <"$f")" "poststop: status"
	assert_clean "$ID"
}

t_hooks_args_env() {
	write_hook_script
	all_hooks
	HUSK_LEAK=leaked
	export HUSK_LEAK
	args true
	mkbundle
	expect_ok h run -b "$B" "$ID"
	for k in prestart createRuntime createContainer poststart poststop; do
		expect_eq "$k x y" "$(cat "$TD/hk/args.$k")" "$k: argv[1..]"
		e=$(tr '\n' ' ' <"$TD/hk/env.$k")
		expect_match '(^| )HOOKENV=e1 ' "$e" "$k: env"
		expect_no_match 'HUSK_LEAK' "$e" "$k: env (the runtime's must not leak)"
	done
	assert_clean "$ID"
}

# args[0] is the hook's argv[0]: busybox runs the applet it names.
t_hook_argv0() {
	C_TOP="\"hooks\": {\"prestart\": [{\"path\": \"$ROOTFS/bin/busybox\",
		\"args\": [\"sh\", \"-c\", \"echo \\\"\$0 \$1\\\" >$TD/argv\", \"zero\", \"one\"]}]},"
	args true
	mkbundle
	expect_ok h run -b "$B" "$ID"
	expect_eq "zero one" "$(cat "$TD/argv" 2>/dev/null)" "hook argv"
	assert_clean "$ID"
}

# A hook that exits without reading its stdin must not kill the runtime
# with SIGPIPE (runc ignores EPIPE there). A race, so many quick hooks.
t_hook_ignores_stdin() {
	t="{\"path\": \"$ROOTFS/bin/true\"}"
	l=$t
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29; do l="$l, $t"; done
	C_TOP="\"hooks\": {\"prestart\": [$l], \"poststart\": [$l], \"poststop\": [$l]},"
	args true
	mkbundle
	for i in 1 2 3; do
		expect_ok h run -b "$B" "$ID"
		assert_clean "$ID"
	done
}

# The whole state reaches a hook, even when larger than a pipe's buffer.
t_hook_big_state() {
	big=$(head -c 100000 /dev/zero | tr '\0' x)
	C_TOP="\"annotations\": {\"big\": \"$big\"},
		\"hooks\": {\"prestart\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"sleep 0.2; cat >$TD/state\"]}]},"
	args true
	mkbundle
	expect_ok h run -b "$B" "$ID"
	n=$(wc -c <"$TD/state")
	[ "$n" -gt 100000 ] || fail "the hook got $n bytes of state"
	expect_match '\}[[:space:]]*$' "$(tail -c 20 "$TD/state")" "end of the state"
	expect_eq "$ID" "$(json_get id <"$TD/state")" "id in the state"
	assert_clean "$ID"
}

# hook_fails KIND: a failing KIND hook fails create, leaving nothing.
hook_fails_create() {
	write_hook_script
	C_TOP="\"hooks\": {\"$1\": [$(hostkind "$1" HOOK_EXIT=3)]},"
	args sleep 100
	mkbundle
	expect_fail "hook" h create -b "$B" --pid-file "$TD/pid" "$ID"
	expect_eq "$1 " "$(order)" "hooks run"
	assert_clean "$ID"
	expect_fail "hook" h run -b "$B" "$ID"
	assert_clean "$ID"
}

t_hook_prestart_fails() { hook_fails_create prestart; }
t_hook_create_runtime_fails() { hook_fails_create createRuntime; }
t_hook_create_container_fails() { hook_fails_create createContainer; }

t_hook_start_container_fails() {
	C_TOP='"hooks": {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}]},'
	args sh -c 'echo ran'
	mkbundle
	h create -b "$B" "$ID" </dev/null >"$TD/cout" 2>"$TD/err" || fail "create: $(cat "$TD/err")"
	expect_fail "hook" h start "$ID"
	sleep 0.2 # a negative check: a slower machine only gives it less chance to see output
	expect_no_line ran "$TD/cout"
	expect_eq stopped "$(st "$ID" status)" "status after a failed startContainer hook"
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

# runtime-spec 1.3: a failing poststart hook is an error and stops the container.
t_hook_poststart_fails() {
	write_hook_script
	C_TOP="\"hooks\": {\"poststart\": [$(hostkind poststart HOOK_EXIT=3)]},"
	args sleep 100
	mkbundle
	expect_ok h create -b "$B" "$ID"
	expect_fail "hook" h start "$ID"
	wait_status "$ID" stopped
	expect_ok h delete "$ID"
	assert_clean "$ID"
}

# A failing poststop hook is only a warning: the hooks after it still run
# (runtime.md, step 13) and delete succeeds.
t_hook_poststop_fails() {
	write_hook_script
	C_TOP="\"hooks\": {\"poststop\": [$(hostkind poststop HOOK_EXIT=3), $(hostkind poststop2)]},"
	args true
	mkbundle
	expect_ok h run --keep -b "$B" "$ID"
	expect_ok h delete "$ID"
	expect_match "warning: .*poststop.*3" "$(cat "$TD/err")" "delete's warning"
	expect_eq "poststop poststop2 " "$(order)" "hooks run"
	assert_clean "$ID"
}

t_hook_timeout() {
	C_TOP="\"hooks\": {\"createRuntime\": [{\"path\": \"/bin/sleep\", \"args\": [\"sleep\", \"1000\"],
		\"env\": [\"HUSK_TEST_MARK=$MARK\"], \"timeout\": 1}]},"
	args true
	mkbundle
	t0=$(date +%s)
	expect_fail "hook" h create -b "$B" "$ID"
	t1=$(date +%s)
	# the hook was killed, not waited for (the deadline of every wait, not a timing)
	[ $((t1 - t0)) -lt "$WAIT_S" ] || fail "create took $((t1 - t0))s with a 1s hook timeout"
	assert_clean "$ID"
}

t_hook_missing_path() {
	C_TOP="\"hooks\": {\"prestart\": [{\"path\": \"$TD/no-such-hook\"}]},"
	args true
	mkbundle
	expect_fail "no-such-hook" h create -b "$B" "$ID"
	assert_clean "$ID"
}

t_hook_bad_timeout() {
	C_TOP="\"hooks\": {\"prestart\": [{\"path\": \"/bin/true\", \"timeout\": 0}]},"
	mkbundle
	expect_fail "config.json: hooks.prestart[0].timeout" h create -b "$B" "$ID"
	assert_clean "$ID"
}

t_hook_relative_path() {
	C_TOP='"hooks": {"prestart": [{"path": "bin/true"}]},'
	mkbundle
	expect_fail "config.json: hooks.prestart[0].path" h create -b "$B" "$ID"
	assert_clean "$ID"
}
