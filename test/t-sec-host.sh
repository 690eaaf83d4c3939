# t-sec-host.sh: the security review of issue 14, each finding written as
# the attack. Every case checks the HOST afterwards: its processes alive,
# its cgroups and files there, nothing of the container left.

# ---- helpers ------------------------------------------------------------------

# sech_cg: the cgroup2 mount in $CG, or skip.
sech_cg() {
	CG=$(cgroup2_dir)
	[ -n "$CG" ] || skip "no cgroup2 mounted on this host"
}

# sech_victim NAME [SUB]: a host cgroup $CG/NAME (named so that the
# harness's leftover check, which looks for $ID*, never counts it) with a
# host `sleep` in it, or in its child SUB; VCG, VPID. The EXIT trap kills
# the sleep and removes the cgroups whatever the test's outcome.
sech_victim() {
	VCG=$CG/$1
	mkdir "$VCG" || skip "cannot make a cgroup in $CG"
	_in=$VCG
	[ -z "${2:-}" ] || { _in=$VCG/$2 && mkdir "$_in"; }
	sleep 300 &
	VPID=$!
	echo "$VPID" >"$_in/cgroup.procs" || fail "cannot move $VPID into $_in"
	trap sech_victim_cleanup EXIT
}

sech_victim_cleanup() {
	[ -z "${VPID:-}" ] || { kill "$VPID" 2>/dev/null; wait "$VPID" 2>/dev/null; }
	[ -n "${VCG:-}" ] && [ -d "$VCG" ] || return 0
	poll rm_cgroup_tree "$VCG"
}

# rm_cgroup_tree DIR: remove the cgroup DIR and those below it; true when
# it is gone (a killed process leaves its cgroup a moment after its death).
rm_cgroup_tree() {
	find "$1" -depth -type d -exec rmdir {} \; 2>/dev/null
	[ ! -d "$1" ]
}

# sech_victim_intact: the host's sleep is alive, in the cgroup it was put in.
sech_victim_intact() {
	kill -0 "$VPID" 2>/dev/null || fail "$1: the host's sleep ($VPID) was killed"
	[ -d "$VCG" ] || fail "$1: the host's cgroup $VCG was removed"
	expect_match "^0::${VCG#"$CG"}(/.*)?$" "$(grep '^0::' "/proc/$VPID/cgroup")" "$1: the host sleep's cgroup"
}

# ---- F3: --preserve-fds must not hand husk's own fds to the container ------------

# With fewer fds open than --preserve-fds asks, the gap used to be filled by
# husk's own: the --root dir first, and /proc/self/fd/3/.. is a host dir.
# The container here reads a host file through each fd it gets.
sech_fd_attack() {
	echo "host-secret-$ID" >"$T/SECRET.$ID"
	args sh -c 'for n in 3 4 5 6 7 8; do
		cat /proc/self/fd/$n/../SECRET.'"$ID"' /proc/self/fd/$n/../../SECRET.'"$ID"' 2>/dev/null
		echo "fd $n: $(readlink /proc/self/fd/$n)"
	done'
	mkbundle
}

t_sec_preserve_fds_gap_run() {
	sech_fd_attack
	expect_fail "--preserve-fds 4: fd 3 is not open" h run --preserve-fds 4 -b "$B" "$ID"
	assert_clean "$ID"
	exec 3<"$B/config.json"
	expect_fail "--preserve-fds 4: fd 4 is not open" h run --preserve-fds 4 -b "$B" "$ID"
	expect_fail "--preserve-fds 2: fd 4 is not open" h create --preserve-fds 2 -b "$B" "$ID"
	assert_clean "$ID"
	# socket activation's fds come first and are checked the same way
	hx sh -c 'LISTEN_PID=$$ LISTEN_FDS=2 exec "$@"' sh env HUSK_TEST_MARK="$MARK" "$HUSK" \
		--root "$ROOT" run -b "$B" "$ID"
	expect_eq 1 "$RC" "run with LISTEN_FDS=2 and only fd 3 open (stderr: $(cat "$TD/err"))"
	expect_match '^husk: LISTEN_FDS=2: fd 4 is not open$' "$(cat "$TD/err")" "stderr"
	assert_clean "$ID"
	# the fds really open still get in, and nothing else
	expect_ok h run --preserve-fds 2 -b "$B" "$ID" 4<"$B/config.json"
	expect_line "fd 3: $B/config.json"
	expect_line "fd 4: $B/config.json"
	expect_line "fd 5: "
	exec 3<&-
	grep -q host-secret "$TD/out" && fail "the container read the host's file: $(cat "$TD/out")"
	rm -f "$T/SECRET.$ID"
	assert_clean "$ID"
}

t_sec_preserve_fds_gap_exec() {
	echo "host-secret-$ID" >"$T/SECRET.$ID"
	args sleep 1000
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	init=$(st "$ID" pid)
	prog='for n in 3 4 5 6 7 8; do cat /proc/self/fd/$n/../SECRET.'"$ID"' 2>/dev/null; echo "fd $n: $(readlink /proc/self/fd/$n)"; done'
	expect_refused 255 "--preserve-fds 1: fd 3 is not open" h exec --preserve-fds 1 "$ID" sh -c "$prog"
	exec 3<"$B/config.json"
	expect_refused 255 "--preserve-fds 3: fd 4 is not open" h exec --preserve-fds 3 "$ID" sh -c "$prog"
	expect_eq "$init" "$(marked_pids | tr '\n' ' ' | sed 's/ $//')" "processes of the container after the refused execs (the init only)"
	expect_eq running "$(st "$ID" status)" "status after the refused execs"
	expect_ok h exec --preserve-fds 1 "$ID" sh -c "$prog"
	expect_line "fd 3: $B/config.json"
	expect_line "fd 4: "
	exec 3<&-
	grep -q host-secret "$TD/out" && fail "the exec'd process read the host's file: $(cat "$TD/out")"
	rm -f "$T/SECRET.$ID"
	expect_ok h delete -f "$ID"
	assert_clean "$ID"
}

# --log FILE is opened first, on the lowest free fd: with fd 3 closed it is
# fd 3, and --preserve-fds 1 would give the container husk's log.
t_sec_preserve_fds_log() {
	args sh -c 'echo LEAKED-INTO-LOG >&3'
	mkbundle
	expect_fail "--preserve-fds 1: fd 3 is not open" h --log "$TD/husk.log" run --preserve-fds 1 -b "$B" "$ID"
	expect_fail "--preserve-fds 1: fd 3 is not open" h --log "$TD/husk.log" --log-format json create --preserve-fds 1 -b "$B" "$ID"
	assert_clean "$ID"
	args sleep 1000
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	expect_refused 255 "--preserve-fds 1: fd 3 is not open" h --log "$TD/husk.log" exec --preserve-fds 1 "$ID" sh -c 'echo LEAKED-INTO-LOG >&3'
	expect_ok h delete -f "$ID"
	grep -q LEAKED "$TD/husk.log" && fail "the container wrote into husk's --log: $(cat "$TD/husk.log")"
	grep -q 'fd 3 is not open' "$TD/husk.log" || fail "the refusal is not in the log: $(cat "$TD/husk.log")"
	# with fd 3 really open, it is the one the container gets, not the log
	args sh -c 'echo via3 >&3'
	mkbundle
	expect_ok h --log "$TD/husk.log" run --preserve-fds 1 -b "$B" "$ID" 3>"$TD/f3"
	expect_eq via3 "$(cat "$TD/f3")" "written to fd 3"
	grep -q via3 "$TD/husk.log" && fail "the container wrote into husk's --log"
	assert_clean "$ID"
}

# ---- F4: device rules without a cgroup v2 ------------------------------------------

# sech_no_cgroup2 CMD...: CMD (husk) in a private mount namespace where no
# cgroup2 is mounted (each one detached), as on a board kernel without it.
sech_no_cgroup2() {
	command -v unshare >/dev/null 2>&1 || skip "no unshare(1)"
	[ -n "$(cgroup2_dir)" ] || skip "no cgroup2 mounted to begin with: nothing to unmount (the case itself is what this host is)"
	HUSK_TEST_MARK="$MARK" unshare -m sh -c '
		mount --make-rprivate / 2>/dev/null || exit 99
		for m in $(awk "{ for (i = 7; i <= NF; i++) if (\$i == \"-\") { if (\$(i + 1) == \"cgroup2\") print \$5; break } }" /proc/self/mountinfo); do
			umount -l "$m" 2>/dev/null || exit 99
		done
		grep -q " - cgroup2 " /proc/self/mountinfo && exit 99
		exec "$@"' sh "$@" </dev/null >"$TD/out" 2>"$TD/err"
	RC=$?
	[ "$RC" != 99 ] || skip "cannot detach the cgroup2 mounts in a private mount namespace"
}

t_sec_devices_no_cgroup2() {
	sech_cg
	mkdir -p "$B"
	cp -a "$ROOTFS" "$B/rootfs"
	mknod "$B/rootfs/kmsg" c 1 11 || skip "cannot mknod"
	marker=husk-kmsg-$ID-$$
	args sh -c "echo $marker >/kmsg"
	# control: without device rules, husk runs without a cgroup there
	mkbundle
	sech_no_cgroup2 "$HUSK" --root "$ROOT" run -b "$B" "$ID"
	expect_eq 0 "$RC" "run without device rules and without cgroup2 (stderr: $(cat "$TD/err"))"
	assert_clean "$ID"
	dmesg | grep -q "$marker" || skip "control: the container could not write to /dev/kmsg here"
	# the attack: a deny-all device rule, and the container writes /kmsg
	marker=husk-kmsg-$ID-$$-denied
	args sh -c "echo $marker >/kmsg"
	C_LINUX='"resources": {"devices": [{"allow": false, "access": "rwm"}]},'
	mkbundle
	for cmd in run create; do
		sech_no_cgroup2 "$HUSK" --root "$ROOT" $cmd -b "$B" "$ID"
		err=$(cat "$TD/err")
		expect_eq 1 "$RC" "$cmd with device rules and no cgroup2 (stderr: $err)"
		expect_eq "husk: config.json: linux.resources.devices: cannot be enforced: no cgroup v2 is mounted (husk refuses to run the container with its devices unrestricted)" "$err" "stderr of $cmd"
		[ ! -s "$TD/out" ] || fail "stdout of a refused $cmd: $(cat "$TD/out")"
		assert_clean "$ID"
	done
	dmesg | grep -q "$marker" && fail "the container wrote to the host's kernel log through /kmsg"
	# with cgroup2 there, the same config runs and the rule holds
	hx h run -b "$B" "$ID"
	expect_ne 0 "$RC" "the container's write to /kmsg under the deny-all rule"
	dmesg | grep -q "$marker" && fail "the deny-all device rule did not hold with cgroup2"
	assert_clean "$ID"
}

# ---- F6: cgroupsPath naming a host cgroup ------------------------------------------

t_sec_cgroup_populated() {
	sech_cg
	sech_victim "husk-victim-$RUNID-pop"
	C_LINUX="\"cgroupsPath\": \"${VCG#"$CG"}\","
	args sleep 1000
	mkbundle
	expect_fail "cgroup $VCG already holds processes: refusing to create a container in it" h run -d -b "$B" "$ID"
	sech_victim_intact "after run -d"
	expect_fail "cgroup $VCG already holds processes" h create -b "$B" "$ID"
	sech_victim_intact "after create"
	expect_ok h delete -f "$ID"
	sech_victim_intact "after delete -f"
	assert_clean "$ID"
	# the process in a child cgroup: the subtree counts
	sech_victim_cleanup
	sech_victim "husk-victim-$RUNID-sub" inner
	C_LINUX="\"cgroupsPath\": \"${VCG#"$CG"}\","
	mkbundle
	expect_fail "cgroup $VCG already holds processes" h run -d -b "$B" "$ID"
	sech_victim_intact "a populated child cgroup, after run -d"
	[ -d "$VCG/inner" ] || fail "the host's child cgroup $VCG/inner was removed"
	expect_ok h delete -f "$ID"
	sech_victim_intact "a populated child cgroup, after delete -f"
	assert_clean "$ID"
}

t_sec_cgroup_frozen() {
	sech_cg
	VCG=$CG/husk-frozen-$RUNID
	mkdir "$VCG" || skip "cannot make a cgroup in $CG"
	trap sech_victim_cleanup EXIT
	[ -e "$VCG/cgroup.freeze" ] || skip "no cgroup.freeze (before Linux 5.2)"
	echo 1 >"$VCG/cgroup.freeze"
	args true
	C_LINUX="\"cgroupsPath\": \"${VCG#"$CG"}\","
	mkbundle
	expect_fail "cgroup $VCG is frozen: refusing to create a container in it" h run -b "$B" "$ID"
	# a new cgroup below a frozen one is frozen too: husk's own dir goes again
	C_LINUX="\"cgroupsPath\": \"${VCG#"$CG"}/$ID\","
	mkbundle
	expect_fail "cgroup $VCG/$ID is frozen" h run -b "$B" "$ID"
	[ -d "$VCG" ] || fail "the frozen host cgroup was removed"
	expect_eq 1 "$(cat "$VCG/cgroup.freeze")" "the host cgroup's cgroup.freeze"
	assert_clean "$ID"
}

# sech_open_kmsg_in CGROUP: a host shell moved into CGROUP opens /dev/kmsg
# (1:11, outside runc's default allow-list): fails while a deny-all device
# program of husk's is attached there.
sech_open_kmsg_in() {
	sh -c "echo \$\$ >'$1/cgroup.procs' && exec 3</dev/kmsg" 2>/dev/null
}

# An empty cgroup that exists before create is used, and stays after delete:
# delete removes only what husk made (and detaches its device program).
t_sec_cgroup_preexisting_kept() {
	sech_cg
	VCG=$CG/husk-keep-$RUNID
	mkdir "$VCG" || skip "cannot make a cgroup in $CG"
	trap sech_victim_cleanup EXIT
	C_LINUX="\"cgroupsPath\": \"${VCG#"$CG"}\", \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},"
	args sleep 1000
	mkbundle
	sech_open_kmsg_in "$VCG" || skip "control: a host shell cannot open /dev/kmsg at all"
	expect_ok h run -d -b "$B" "$ID"
	pid=$(st "$ID" pid)
	expect_line "0::${VCG#"$CG"}" "/proc/$pid/cgroup"
	sech_open_kmsg_in "$VCG" && fail "control: the container's deny-all device rule does not apply in $VCG"
	expect_ok h delete -f "$ID"
	[ -d "$VCG" ] || fail "delete -f removed the cgroup that existed before create"
	expect_eq "" "$(cat "$VCG/cgroup.procs")" "processes left in $VCG"
	sech_open_kmsg_in "$VCG" || fail "husk's device program is still attached to the kept cgroup $VCG"
	expect_ok h run -d -b "$B" "$ID"
	expect_ok h delete -f "$ID"
	sech_open_kmsg_in "$VCG" || fail "husk's device program is still attached to $VCG after a second container"
	args true
	mkbundle
	expect_ok h run -b "$B" "$ID"
	[ -d "$VCG" ] || fail "run removed the cgroup that existed before create"
	assert_clean "$ID"
}

# ---- F7: a state root others control -----------------------------------------------

# sech_forge DIR PID CGROUP: DIR/state.json as husk writes it, naming a host
# pid (with its real start time) and cgroup.
sech_forge() {
	_t=$(sed 's/.*) //' "/proc/$2/stat" | awk '{ print $20 }')
	mkdir -p "$1"
	chmod 700 "$1"
	printf '{"husk.start_time": %s,"husk.hooks": 0,"husk.cgroup": "%s","husk.cgroup_top": "%s","ociVersion": "1.3.0","id": "%s","pid": %s,"status": "running","bundle": "/","rootfs": "/","created": "2024-01-01T00:00:00.000000000Z","owner": "0"}\n' \
		"$_t" "$3" "$3" "${1##*/}" "$2" >"$1/state.json"
}

# sech_refused SUBSTRING: every command that opens the root is refused.
sech_refused() {
	for c in "delete -f forged" "delete forged" "kill forged KILL" "kill -a forged KILL" \
		"state forged" "start forged" "pause forged" "ps forged" "list"; do
		expect_fail "$1" hr --root "$R" $c
		sech_victim_intact "after $c"
	done
	expect_refused 255 "$1" hr --root "$R" exec forged true
	expect_fail "$1" hr --root "$R" create -b "$B" "$ID"
	expect_fail "$1" hr --root "$R" run -b "$B" "$ID"
	sech_victim_intact "after exec, create, run"
	[ -f "$R/forged/state.json" ] || fail "the forged state was removed"
	[ ! -e "$R/$ID" ] || fail "create left $R/$ID"
}

t_sec_root_others_control() {
	sech_cg
	sech_victim "husk-victim-$RUNID-root"
	R=$TD/root
	args true
	mkbundle
	expect_ok hr --root "$R" run -b "$B" "$ID"
	expect_eq 700 "$(stat -c %a "$R")" "mode of a root husk makes"
	sech_forge "$R/forged" "$VPID" "$VCG"
	# control: in a root of its own the state loads (it is what husk writes)
	expect_ok hr --root "$R" state forged
	expect_eq running "$(json_get status <"$TD/out")" "the forged state's status in a private root"
	chmod 777 "$R"
	sech_refused "--root $R: writable by others (0777): refusing a state root others control"
	chmod 1777 "$R"
	sech_refused "--root $R: writable by others (01777)"
	chmod 770 "$R"
	sech_refused "--root $R: writable by its group (0770)"
	chmod 700 "$R"
	chown 65534 "$R"
	sech_refused "--root $R: owned by uid 65534, not by the caller (uid 0): refusing a state root others control"
	chown 0 "$R"
	# the root is fine, the container's dir is not
	chmod 777 "$R/forged"
	for c in "delete -f forged" "kill forged KILL" "state forged" "start forged" "pause forged"; do
		expect_fail "state dir $R/forged: writable by others (0777): refusing a state dir others control" hr --root "$R" $c
	done
	expect_refused 255 "state dir $R/forged: writable by others" hr --root "$R" exec forged true
	chmod 700 "$R/forged"
	chown 65534 "$R/forged"
	expect_fail "state dir $R/forged: owned by uid 65534" hr --root "$R" delete -f forged
	expect_fail "state dir $R/forged: owned by uid 65534" hr --root "$R" kill forged KILL
	# list skips a container dir others control (and lists the rest)
	expect_ok hr --root "$R" list -q
	expect_eq "" "$(cat "$TD/out")" "list with only a foreign container dir"
	sech_victim_intact "after the state dir attacks"
	rm -rf "$R/forged"
	# the root husk made works
	args sleep 1000
	mkbundle
	expect_ok hr --root "$R" run -d -b "$B" "$ID"
	expect_ok hr --root "$R" list -q
	expect_eq "$ID" "$(cat "$TD/out")" "list in a private root"
	expect_ok hr --root "$R" delete -f "$ID"
	[ -z "$(ls -A "$R")" ] || fail "left in $R: $(ls -A "$R")"
	assert_clean "$ID"
}

# Even in a private root, a recorded cgroup that husk could not have
# written (outside the cgroup2 mount, through "..") is never removed.
t_sec_state_cgroup_outside() {
	sech_cg
	mkdir -p "$TD/fakecg/sub" "$ROOT"
	for p in "$TD/fakecg" "$CG/../../../..$TD/fakecg"; do
		rm -rf "${ROOT:?}/$ID"
		sech_forge "$ROOT/$ID" 1 "$p"
		# pid 0: nothing to signal, only the cgroup
		sed -i 's/"pid": 1,/"pid": 0,/' "$ROOT/$ID/state.json"
		hx h delete -f "$ID"
		rc=$RC err=$(cat "$TD/err")
		there=no
		[ -d "$TD/fakecg/sub" ] && there=yes
		rm -rf "${ROOT:?}/$ID"
		expect_eq yes "$there" "$TD/fakecg/sub after delete -f of a state naming $p"
		expect_eq 1 "$rc" "delete -f of a state naming cgroup $p (stderr: $err)"
		expect_match "^husk: cgroup .*: not a cgroup below the cgroup2 mount $CG: refusing to kill or remove anything in it$" "$err" "stderr"
	done
	assert_clean "$ID"
}
