# t-suite.sh: the suite's own checks, tested as any other behaviour. The
# leftovers check sees what husk could have made for this run, and nothing
# else on the host; and it does see what husk could have made.

# A mount, a process and a cgroup that are not husk's, made elsewhere on the
# host while a container runs and is deleted, do not fail the case.
t_suite_leftovers_unrelated() {
	args sleep 100
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	elsewhere=/run/husk-suite-unrelated.$RUNID
	mkdir -p "$elsewhere" && mount -t tmpfs -o size=64k unrelated "$elsewhere" ||
		skip "cannot mount a tmpfs on $elsewhere"
	mkdir "$elsewhere/proc" && mount -t proc proc "$elsewhere/proc" # a chroot's /proc
	sleep 1000 &
	other=$!
	cg=$(cgroup2_dir)
	[ -z "$cg" ] || mkdir -p "$cg/husk-suite-unrelated.$RUNID"
	expect_ok h delete -f "$ID"
	l=$(leftovers "$ID")
	kill "$other"
	umount "$elsewhere/proc" "$elsewhere" && rmdir "$elsewhere"
	[ -z "$cg" ] || rmdir "$cg/husk-suite-unrelated.$RUNID"
	expect_eq "" "$l" "leftovers with unrelated host activity"
}

# The control: a mount under the run's scratch dir, a bind whose source is
# there, a marked process and a cgroup named after the container are seen.
t_suite_leftovers_seen() {
	mkdir -p "$TD/m" "$TD/src" /run/husk-suite-bind.$RUNID
	mount -t tmpfs -o size=64k x "$TD/m" || skip "cannot mount a tmpfs on $TD/m"
	mount --bind "$TD/src" /run/husk-suite-bind.$RUNID
	HUSK_TEST_MARK="$MARK" sleep 1000 &
	p=$!
	cg=$(cgroup2_dir)
	[ -z "$cg" ] || mkdir "$cg/$ID"
	l=$(leftovers "$ID")
	kill "$p"
	umount "$TD/m" /run/husk-suite-bind.$RUNID && rmdir /run/husk-suite-bind.$RUNID
	[ -z "$cg" ] || rmdir "$cg/$ID"
	expect_match "new mounts: .*$TD/m" "$l" "a mount under the scratch dir"
	expect_match "new mounts: .*/run/husk-suite-bind.$RUNID" "$l" "a bind of a source under the scratch dir"
	expect_match "processes: .*$p" "$l" "a marked process"
	[ -z "$cg" ] || expect_match "cgroups: .*$cg/$ID" "$l" "a cgroup named after the container"
}
