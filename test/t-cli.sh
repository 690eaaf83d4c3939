# t-cli.sh: the command line: global options, spec, list, ids, help.

t_version() {
	expect_ok hr --version
	expect_match '^husk version [0-9]' "$(head -n 1 "$TD/out")" "first line"
	expect_line "spec: 1.3.0"
}

t_help() {
	expect_ok hr --help
	for c in create start run kill delete state list spec; do
		grep -qw "$c" "$TD/out" || fail "--help does not mention $c: $(cat "$TD/out")"
	done
	for c in pause resume ps events update exec features; do
		grep -qw "$c" "$TD/out" || fail "--help does not mention $c: $(cat "$TD/out")"
	done
	expect_ok hr help create
	grep -q -- "-b" "$TD/out" || fail "help create does not mention -b: $(cat "$TD/out")"
}

# husk CMD --help and -h (as runc 1.2): the command's usage and options on
# stdout, exit 0, the same as husk help CMD; nothing else happens.
t_help_command() {
	cmds=$(hr --help | awk '/^commands/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
	[ -n "$cmds" ] || fail "husk --help lists no command"
	for c in $cmds; do
		expect_ok hr "$c" --help
		expect_eq "" "$(cat "$TD/err")" "stderr of $c --help"
		expect_match "^usage: husk $c( |\$)" "$(head -n 1 "$TD/out")" "$c --help"
		expect_line "options:"
		expect_match '^  -h, --help ' "$(tail -n 1 "$TD/out")" "$c --help's last line"
		cp "$TD/out" "$TD/long"
		expect_ok hr "$c" -h
		cmp -s "$TD/out" "$TD/long" || fail "$c -h differs from $c --help"
		expect_ok hr help "$c"
		cmp -s "$TD/out" "$TD/long" || fail "help $c differs from $c --help"
	done
	expect_ok hr create --help
	grep -Eq -- '^  -b, --bundle DIR +[a-z]' "$TD/out" || fail "create --help: no -b, --bundle DIR line: $(cat "$TD/out")"
	# after the id and other options too; nothing is created
	mkbundle
	expect_ok h create -b "$B" "$ID" --help
	expect_match '^usage: husk create' "$(head -n 1 "$TD/out")" "create ID --help"
	expect_ok h kill "$ID" -h
	expect_match '^usage: husk kill' "$(head -n 1 "$TD/out")" "kill ID -h"
	# an unknown option still fails, even with --help after it
	expect_fail "unknown option --bogus" h create --bogus --help "$ID"
	expect_fail "unknown option --bogus" h state --bogus
	expect_fail 'help: unknown command "nosuch"' hr help nosuch
	# a command's own arguments are not husk's options
	expect_refused 255 "container nosuch does not exist" h exec nosuch sh --help
	# after --, --help is an argument
	expect_fail "container $ID does not exist" h state -- "$ID" --help
	assert_clean "$ID"
}

t_no_command() {
	hx hr
	[ "$RC" != 0 ] || fail "husk without a command exited 0"
}

t_unknown_command() {
	expect_fail "frobnicate" hr frobnicate
}

t_unknown_global_option() {
	expect_fail "--bogus" hr --bogus list
}

t_unknown_command_option() {
	mkbundle
	expect_fail "--bogus" h create --bogus -b "$B" "$ID"
	assert_clean "$ID"
}

t_missing_option_value() {
	expect_fail "root" hr --root
	mkbundle
	expect_fail "pid-file" h create -b "$B" "$ID" --pid-file
	assert_clean "$ID"
}

# --systemd-cgroup where no systemd answers: this host has none; in a mount
# namespace of its own, an empty tmpfs hides the sockets of any other host.
t_systemd_unreachable() {
	mkbundle
	hide=
	for d in /run/systemd /run/dbus; do
		[ -d $d ] && hide="$hide mount -t tmpfs none $d &&"
	done
	expect_fail "--systemd-cgroup: systemd is not reachable on /run/systemd/private or the system bus" \
		env HUSK_TEST_MARK="$MARK" unshare -m sh -c "$hide exec \"\$@\"" sh "$HUSK" --root "$ROOT" --systemd-cgroup create -b "$B" "$ID"
	assert_clean "$ID"
	expect_fail "systemd is not reachable" \
		env HUSK_TEST_MARK="$MARK" unshare -m sh -c "$hide exec \"\$@\"" sh "$HUSK" --root "$ROOT" --systemd-cgroup run -b "$B" "$ID"
	assert_clean "$ID"
}

# A cgroupsPath the systemd driver cannot take is refused before systemd
# is asked anything (so here too, where none runs); a systemd path without
# --systemd-cgroup is refused, not taken for a directory.
t_systemd_cgroup_path_refused() {
	for p in "a:b|is \"slice:prefix:name\"" "a:b:c:d|is \"slice:prefix:name\"" \
		"x--y.slice:p:n|is not a slice name" "-x.slice:p:n|is not a slice name" \
		"x-.slice:p:n|is not a slice name" "x:p:n|is not a slice name" \
		"system.slice:p:n.slice|a slice as the container's own unit" \
		"system.slice:p:a/b|is not a unit name" "system.slice:p:a b|is not a unit name" \
		"../x.slice:p:n|is not a slice name"; do
		C_LINUX="\"cgroupsPath\": \"${p%%|*}\","
		mkbundle
		expect_fail "${p#*|}" h --systemd-cgroup create -b "$B" "$ID"
		assert_clean "$ID"
	done
	C_LINUX='"cgroupsPath": "system.slice:husk:x",'
	mkbundle
	expect_fail "a systemd path (slice:prefix:name) needs --systemd-cgroup" h create -b "$B" "$ID"
	assert_clean "$ID"
	expect_fail "restore: --systemd-cgroup is not supported" h --systemd-cgroup restore -b "$B" "$ID"
}

t_rootless_accepted() {
	expect_ok h --rootless true list -q
	expect_ok h --rootless=false list -q
	expect_ok h --rootless auto list -q
	args true
	mkbundle
	expect_ok h --rootless false run -b "$B" "$ID"
	assert_clean "$ID"
}

t_root_option_forms() {
	args sleep 100
	mkbundle
	expect_ok hr --root="$TD/r1" create --bundle="$B" "$ID"
	expect_ok hr --root "$TD/r1" list -q
	expect_eq "$ID" "$(cat "$TD/out")" "list -q with --root DIR"
	[ -f "$TD/r1/$ID/state.json" ] || fail "no $TD/r1/$ID/state.json"
	expect_ok hr --root "$TD/r2" list -q
	expect_eq "" "$(cat "$TD/out")" "list -q of another root"
	expect_ok hr --root "$TD/r1" delete --force "$ID"
	[ ! -e "$TD/r1/$ID" ] || fail "state dir left: $TD/r1/$ID"
	assert_clean "$ID"
}

t_root_dir_mode() {
	args sleep 100
	mkbundle
	expect_ok hr --root "$TD/new/root" create -b "$B" "$ID"
	mode=$(stat -c %a "$TD/new/root")
	files=$(cd "$TD/new/root/$ID" && for f in *; do [ -S "$f" ] && echo "$f(socket)" || echo "$f"; done | tr '\n' ' ')
	expect_ok hr --root "$TD/new/root" delete -f "$ID"
	[ ! -e "$TD/new/root/$ID" ] || fail "state dir left"
	expect_eq 700 "$mode" "mode of a new --root dir"
	expect_eq "config.json exec.sock(socket) state.json " "$files" "files in the state dir while created"
	assert_clean "$ID"
}

t_log_json() {
	expect_fail "does not exist" h --log "$TD/log.json" --log-format json state nosuch
	expect_eq "husk: container nosuch does not exist" "$(cat "$TD/err")" "stderr"
	[ -s "$TD/log.json" ] || fail "--log file is empty"
	l=$(grep '"level"[[:space:]]*:[[:space:]]*"error"' "$TD/log.json" | tail -n 1)
	expect_match '"msg"[[:space:]]*:[[:space:]]*"[^"]*container nosuch does not exist"' "$l" "log line"
	expect_match '"time"[[:space:]]*:[[:space:]]*"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"' "$l" "log line time"
	expect_match '^\{.*\}$' "$l" "log line"
}

t_log_json_eq_form() {
	expect_fail "does not exist" h --log="$TD/log.json" --log-format=json kill nosuch KILL
	grep -q '"level"[[:space:]]*:[[:space:]]*"error"' "$TD/log.json" || fail "no error line in the log: $(cat "$TD/log.json")"
	# each line one JSON object (containerd decodes a stream of them)
	bad=$(grep -v '^{.*}$' "$TD/log.json")
	expect_eq "" "$bad" "lines of the log that are not one JSON object"
}

t_log_text() {
	expect_fail "does not exist" h --log "$TD/log.txt" delete nosuch
	grep -q "container nosuch does not exist" "$TD/log.txt" || fail "error not in --log file: $(cat "$TD/log.txt")"
	grep -q '^{' "$TD/log.txt" && fail "text log written as JSON: $(cat "$TD/log.txt")"
	return 0
}

t_log_format_bad() {
	hx h --log-format yaml list
	[ "$RC" != 0 ] || fail "--log-format yaml accepted"
}

t_debug() {
	args sh -c 'echo visible'
	mkbundle
	expect_ok h --debug --log "$TD/log" run -b "$B" "$ID"
	expect_line visible
	assert_clean "$ID"
}

# runc allows options after the id.
t_options_after_id() {
	args sleep 100
	mkbundle
	expect_ok h create "$ID" --bundle "$B" --pid-file "$TD/pid"
	expect_eq created "$(st "$ID" status)" status
	[ -s "$TD/pid" ] || fail "--pid-file after the id ignored"
	expect_ok h kill "$ID" KILL
	expect_ok h delete "$ID" --force
	assert_clean "$ID"
}

t_spec_default() {
	mkdir s && cd s || fail "mkdir"
	expect_ok hr spec
	[ -f config.json ] || fail "husk spec wrote no config.json"
	c=$(tr '\n' ' ' <config.json)
	expect_match '"ociVersion"[[:space:]]*:[[:space:]]*"1\.3\.0"' "$c" ociVersion
	expect_match '"hostname"[[:space:]]*:[[:space:]]*"husk"' "$c" hostname
	expect_match '"terminal"[[:space:]]*:[[:space:]]*true' "$c" terminal
	expect_match '"readonly"[[:space:]]*:[[:space:]]*true' "$c" root.readonly
	expect_match '"path"[[:space:]]*:[[:space:]]*"rootfs"' "$c" root.path
	expect_match '"noNewPrivileges"[[:space:]]*:[[:space:]]*true' "$c" noNewPrivileges
	expect_match '"args"[[:space:]]*:[[:space:]]*\[[[:space:]]*"sh"[[:space:]]*\]' "$c" args
	expect_match '"RLIMIT_NOFILE"' "$c" rlimits
	for w in CAP_AUDIT_WRITE CAP_KILL CAP_NET_BIND_SERVICE /proc/kcore /proc/sys /dev/pts /dev/shm /dev/mqueue \
		'"pid"' '"network"' '"ipc"' '"uts"' '"mount"' gid=5; do
		case $c in *"$w"*) ;; *) fail "default spec lacks $w" ;; esac
	done
	case $c in *'"type": "user"'* | *'"type":"user"'*) fail "default spec has a user namespace" ;; esac
}

t_spec_refuses_overwrite() {
	echo '{"mine": 1}' >config.json
	expect_fail "config.json" hr spec
	expect_eq '{"mine": 1}' "$(cat config.json)" "config.json after a refused spec"
}

t_spec_bundle_flag() {
	mkdir -p d1 d2
	expect_ok hr spec -b d1
	[ -f d1/config.json ] || fail "spec -b d1 wrote no d1/config.json"
	expect_ok hr spec --bundle "$TD/d2"
	[ -f d2/config.json ] || fail "spec --bundle wrote no d2/config.json"
	[ ! -e config.json ] || fail "spec -b also wrote ./config.json"
}

t_spec_rootless() {
	expect_ok hr spec --rootless
	c=$(tr '\n' ' ' <config.json)
	expect_match '"type"[[:space:]]*:[[:space:]]*"user"' "$c" "user namespace"
	expect_match '"uidMappings"' "$c" uidMappings
	expect_match '"gidMappings"' "$c" gidMappings
	expect_match '"hostID"[[:space:]]*:[[:space:]]*0' "$c" "hostID (we are root)"
	expect_no_match '"type"[[:space:]]*:[[:space:]]*"network"' "$c" "network namespace"
	expect_no_match 'gid=5' "$c" "gid= options"
}

# The default spec, terminal turned off, runs (sh with no input exits 0).
t_spec_runs() {
	mkdir -p "$B" && cd "$B" || fail mkdir
	expect_ok hr spec
	sed 's/"terminal":[[:space:]]*true/"terminal": false/' config.json >c && mv c config.json
	ln -s "$ROOTFS" rootfs
	expect_ok h run "$ID"
	assert_clean "$ID"
}

t_bad_ids() {
	mkbundle
	for id in 'a/b' '..' '.' 'a b' 'a:b' "$(printf 'a\nb')"; do
		expect_fail "id" h create -b "$B" "$id"
		case $id in . | ..) ;; *) [ ! -e "$ROOT/$id" ] || fail "state left for id '$id'" ;; esac
	done
	expect_fail "id" h create -b "$B" ""
	long=$(head -c 1025 /dev/zero | tr '\0' a)
	expect_fail "id" h create -b "$B" "$long"
	expect_fail "" h create -b "$B" -x # an option, not an id
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ] || fail "state left in $ROOT: $(ls -A "$ROOT")"
	expect_fail "id" h state 'a/../b'
	assert_clean "$ID"
}

t_good_ids() {
	args true
	mkbundle
	for id in "A-z_0.9+x$ID" "$ID.x.y"; do
		expect_ok h run -b "$B" "$id"
		[ ! -e "$ROOT/$id" ] || fail "state left for id '$id'"
	done
	assert_clean "$ID"
}

t_missing_id() {
	mkbundle
	expect_fail "id" h create -b "$B"
	expect_fail "id" h start
	expect_fail "id" h state
	expect_fail "id" h delete
	expect_fail "id" h kill
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ] || fail "state left in $ROOT: $(ls -A "$ROOT")"
}

t_unknown_id() {
	expect_fail "container nosuch does not exist" h state nosuch
	expect_eq "husk: container nosuch does not exist" "$(cat "$TD/err")" stderr
	expect_fail "does not exist" h start nosuch
	expect_fail "does not exist" h kill nosuch
	expect_fail "does not exist" h kill nosuch KILL
	expect_fail "does not exist" h delete nosuch
}

t_delete_force_missing() {
	expect_ok h delete --force nosuch
	expect_eq "" "$(cat "$TD/err" "$TD/out")" "output"
	expect_ok h delete -f nosuch
}

t_list_empty() {
	expect_ok h list -q
	expect_eq "" "$(cat "$TD/out")" "list -q with no root dir"
	expect_ok h list --format json
	expect_match '^(\[\]|null)$' "$(tr -d ' \n' <"$TD/out")" "list --format json"
	expect_ok h list
}

t_list_formats() {
	args sleep 100
	mkbundle
	expect_ok h create -b "$B" "$ID"
	expect_ok h create -b "$B" "${ID}b"
	pid=$(st "$ID" pid)
	expect_ok h list -q
	expect_eq "$(printf '%s\n%s' "$ID" "${ID}b")" "$(sort "$TD/out")" "list -q"
	expect_ok h list
	expect_match '^ID[[:space:]]+PID[[:space:]]+STATUS[[:space:]]+BUNDLE' "$(head -n 1 "$TD/out")" "list header"
	r=$(grep "^$ID " "$TD/out")
	expect_match "^$ID +$pid +created +$B( |\$)" "$r" "list row"
	expect_ok h list -f table
	grep -q "^$ID " "$TD/out" || fail "list -f table lacks $ID: $(cat "$TD/out")"
	for form in "-f json" "--format json" "--format=json"; do
		expect_ok h list $form
		j=$(cat "$TD/out")
		expect_match '^\[.*\]$' "$(printf '%s' "$j" | tr -d '\n')" "list $form"
		expect_match "\"id\"[[:space:]]*:[[:space:]]*\"$ID\"" "$j" "list $form"
		expect_match "\"id\"[[:space:]]*:[[:space:]]*\"${ID}b\"" "$j" "list $form"
		expect_match '"status"[[:space:]]*:[[:space:]]*"created"' "$j" "list $form"
		expect_match "\"pid\"[[:space:]]*:[[:space:]]*$pid" "$j" "list $form"
	done
	expect_ok h delete -f "$ID"
	expect_ok h delete -f "${ID}b"
	assert_clean "$ID"
}

t_list_bad_format() {
	expect_fail "yaml" h list --format yaml
}
