# t-systemd.sh: the systemd cgroup driver (--systemd-cgroup) against a real
# systemd. These cases need systemd as PID 1 and skip elsewhere; they run in
# the systemd boot of test/clients-vm.sh (Debian 12's systemd 252). The
# refusals that need no systemd are in t-cli.sh.
# Every unit here is hsd-ID.scope (cgroupsPath SLICE:hsd:ID), so that what
# is left of a case is found by its id.

sd_needed() {
	[ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && [ -d /run/systemd/system ] ||
		skip "systemd is not PID 1 here (the systemd boot of test/clients-vm.sh runs these)"
	[ "$(id -u)" = 0 ] || skip "needs root"
}

# sd_bundle SLICE [RESOURCES]: a bundle whose cgroupsPath is SLICE:hsd:ID.
sd_bundle() {
	C_LINUX="\"cgroupsPath\": \"$1:hsd:$ID\", ${2:+\"resources\": $2,}"
	mkbundle
}

# prop UNIT NAME: systemctl show's value of a unit property.
prop() {
	systemctl show -p "$2" --value "$1"
}

# unit_gone UNIT: systemd no longer knows the unit (not even failed).
unit_gone() {
	[ -z "$(systemctl list-units --all --no-legend "$1" 2>/dev/null)" ]
}

# sd_clean ID: nothing of container ID is left, the scope neither.
sd_clean() {
	poll unit_gone "hsd-$1.scope" || fail "unit hsd-$1.scope is left: $(systemctl list-units --all --no-legend "hsd-$1.scope")"
	[ -z "$(find /sys/fs/cgroup -type d -name "hsd-$1.scope" 2>/dev/null)" ] ||
		fail "cgroup of hsd-$1.scope is left"
	wait_clean "$1"
}

# in_scope ID SCOPE_CGROUP: the container's processes see SCOPE_CGROUP as
# their cgroup, and it holds exactly the init (the placeholder is gone).
in_scope() {
	expect_ok h exec "$1" cat /proc/self/cgroup
	has_line "0::$2" "$TD/out" || fail "exec's cgroup: $(cat "$TD/out"), not $2"
	_pid=$(st "$1" pid)
	_procs=$(cat "/sys/fs/cgroup$2/cgroup.procs")
	[ "$_procs" = "$_pid" ] || fail "the scope holds: $_procs (the init is $_pid)"
}

# ps_lines ID N: husk ps lists N processes of container ID.
ps_lines() {
	[ "$(h ps "$1" | tail -n +2 | wc -l)" = "$2" ]
}

t_systemd_scope_limits() {
	sd_needed
	args sleep 1000
	sd_bundle system.slice '{"memory": {"limit": 67108864}, "pids": {"limit": 55},
		"cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0"}}'
	expect_ok h --systemd-cgroup create -b "$B" "$ID"
	U=hsd-$ID.scope CG=/sys/fs/cgroup/system.slice/$U
	expect_eq active "$(prop "$U" ActiveState)" "ActiveState of $U"
	expect_eq yes "$(prop "$U" Delegate)" Delegate
	expect_eq system.slice "$(prop "$U" Slice)" Slice
	expect_eq 67108864 "$(prop "$U" MemoryMax)" MemoryMax
	expect_eq 55 "$(prop "$U" TasksMax)" TasksMax
	expect_eq 500ms "$(prop "$U" CPUQuotaPerSecUSec)" CPUQuotaPerSecUSec
	expect_eq 0 "$(prop "$U" AllowedCPUs)" AllowedCPUs
	expect_eq 67108864 "$(cat "$CG/memory.max")" memory.max
	expect_eq 55 "$(cat "$CG/pids.max")" pids.max
	expect_eq "50000 100000" "$(cat "$CG/cpu.max")" cpu.max
	expect_ok h start "$ID"
	in_scope "$ID" "/system.slice/$U"
	expect_ok h delete -f "$ID"
	sd_clean "$ID"
}

# update goes through systemd too: a daemon-reload (which rewrites every
# unit's cgroup attributes from its properties) keeps the new limits.
t_systemd_update_survives_reload() {
	sd_needed
	args sleep 1000
	sd_bundle system.slice '{"memory": {"limit": 67108864}, "pids": {"limit": 55}}'
	expect_ok h --systemd-cgroup run -d -b "$B" "$ID"
	U=hsd-$ID.scope CG=/sys/fs/cgroup/system.slice/hsd-$ID.scope
	expect_ok h --systemd-cgroup update --memory 100003840 --pids-limit 77 "$ID"
	expect_eq 100003840 "$(prop "$U" MemoryMax)" "MemoryMax after update"
	expect_eq 77 "$(prop "$U" TasksMax)" "TasksMax after update"
	expect_ok systemctl daemon-reload
	expect_eq 100003840 "$(cat "$CG/memory.max")" "memory.max after daemon-reload"
	expect_eq 77 "$(cat "$CG/pids.max")" "pids.max after daemon-reload"
	expect_ok h delete -f "$ID"
	sd_clean "$ID"
}

# a-b.slice nests as a.slice/a-b.slice; a foreground run keeps the exit
# status; its scope is gone when run returns.
t_systemd_nested_slice_run() {
	sd_needed
	args sh -c 'cat /proc/self/cgroup; exit 3'
	sd_bundle hsdn-t.slice
	expect_status 3 h --systemd-cgroup run -b "$B" "$ID"
	has_line "0::/hsdn.slice/hsdn-t.slice/hsd-$ID.scope" "$TD/out" ||
		fail "the cgroup was: $(cat "$TD/out")"
	sd_clean "$ID"
}

# No cgroupsPath: husk-ID.scope in system.slice (runc: runc-ID.scope).
t_systemd_default_path() {
	sd_needed
	args cat /proc/self/cgroup
	mkbundle
	expect_ok h --systemd-cgroup run -b "$B" "$ID"
	has_line "0::/system.slice/husk-$ID.scope" "$TD/out" || fail "the cgroup was: $(cat "$TD/out")"
	poll unit_gone "husk-$ID.scope" || fail "husk-$ID.scope is left"
	wait_clean "$ID"
}

# A second container asking for a live scope's name is refused with
# systemd's word for it, and leaves the first one as it was.
t_systemd_unit_exists() {
	sd_needed
	args sleep 1000
	sd_bundle system.slice
	expect_ok h --systemd-cgroup run -d -b "$B" "$ID"
	expect_fail "systemd: StartTransientUnit hsd-$ID.scope: org.freedesktop.systemd1.UnitExists" \
		h --systemd-cgroup create -b "$B" "${ID}b"
	[ ! -e "$ROOT/${ID}b" ] || fail "a state dir was left for ${ID}b"
	expect_eq running "$(st "$ID" status)" "the first container"
	expect_eq active "$(prop "hsd-$ID.scope" ActiveState)" "the first scope"
	expect_ok h delete -f "$ID"
	sd_clean "$ID"
}

# pause/resume, ps, kill --all and exec work on the scope's cgroup; a
# container that ended by itself is deleted (its scope went with it).
t_systemd_manage() {
	sd_needed
	args sh -c 'sleep 1000 & sleep 1000 & wait'
	sd_bundle system.slice
	expect_ok h --systemd-cgroup run -d -b "$B" "$ID"
	CG=/sys/fs/cgroup/system.slice/hsd-$ID.scope
	expect_ok h pause "$ID"
	expect_eq paused "$(st "$ID" status)" "status after pause"
	expect_eq 1 "$(cat "$CG/cgroup.freeze")" cgroup.freeze
	expect_ok h resume "$ID"
	expect_eq running "$(st "$ID" status)" "status after resume"
	wait_for "3 processes in ps" ps_lines "$ID" 3
	expect_ok h kill --all "$ID" KILL
	wait_status "$ID" stopped
	poll unit_gone "hsd-$ID.scope" || fail "the scope of a stopped container is still there"
	expect_ok h delete "$ID"
	sd_clean "$ID"
}

# The system bus when systemd's private socket is not there (a mount
# namespace of its own hides /run/systemd from husk alone).
t_systemd_system_bus() {
	sd_needed
	[ -S /run/dbus/system_bus_socket ] || skip "no system bus here"
	args cat /proc/self/cgroup
	sd_bundle system.slice '{"pids": {"limit": 20}}'
	mkdir -p "$TD/empty"
	expect_ok env HUSK_TEST_MARK="$MARK" unshare -m sh -c \
		"mount --bind \"$TD/empty\" /run/systemd && exec \"\$@\"" sh \
		"$HUSK" --root "$ROOT" --systemd-cgroup run -b "$B" "$ID"
	has_line "0::/system.slice/hsd-$ID.scope" "$TD/out" || fail "the cgroup was: $(cat "$TD/out")"
	sd_clean "$ID"
}

# Killed right after systemd started the scope: the placeholder dies with
# husk, the scope empties and systemd removes it; delete -f does the rest.
t_systemd_fault_after_scope() {
	sd_needed
	FB=$(fault_bin) || skip "no husk-fault build (make husk-fault)"
	args sleep 1000
	sd_bundle system.slice
	HUSK_TEST_MARK="$MARK" HUSK_FAULT=create.scope "$FB" --root "$ROOT" --systemd-cgroup \
		create -b "$B" "$ID" </dev/null >/dev/null 2>&1
	RC=$?
	[ "$RC" = 137 ] || fail "husk-fault was not killed at create.scope (exit $RC)"
	poll unit_gone "hsd-$ID.scope" || fail "hsd-$ID.scope outlived the husk that started it"
	expect_ok h --systemd-cgroup delete -f "$ID"
	sd_clean "$ID"
}

# A unit name is free again once the scope is gone, and anything may take
# it: delete of the old container must not stop the new unit (a cgroupsPath
# naming another's scope, e.g. a login session's, would otherwise let a
# container's config kill it at delete).
t_systemd_name_reused() {
	sd_needed
	command -v systemd-run >/dev/null || skip "no systemd-run"
	args true
	sd_bundle system.slice
	expect_ok h --systemd-cgroup run -d -b "$B" "$ID"
	wait_status "$ID" stopped
	poll unit_gone "hsd-$ID.scope" || fail "the scope of the ended container is still there"
	systemd-run --quiet --scope --slice=system.slice --unit="hsd-$ID" sleep 1000 </dev/null >/dev/null 2>&1 &
	wait_for "the other hsd-$ID.scope" sh -c "[ \"\$(systemctl show -p ActiveState --value hsd-$ID.scope)\" = active ]"
	expect_ok h --systemd-cgroup delete "$ID"
	expect_eq active "$(prop "hsd-$ID.scope" ActiveState)" "the other unit after delete"
	systemctl stop "hsd-$ID.scope"
	sd_clean "$ID"
}
