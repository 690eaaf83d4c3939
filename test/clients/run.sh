#!/bin/sh
# run.sh [FILTER]: the client scenarios, inside the clients VM (clients-init.sh
# runs it). podman.sh's p_* functions run twice: mode "plain" (podman
# --runtime /husk: husk is not in runtime_supports_json, so no --log) and mode
# "json" (husk added to runtime_supports_json: --log-format=json --log FILE);
# ctr.sh's c_* functions once; with SCENARIOS=systemd (the systemd boot)
# systemd.sh's s_* functions only. Each scenario runs in its own shell with a
# watchdog, then whatever it left is removed. Prints PASS/FAIL/SKIP per
# scenario and "N passed, N failed, N skipped" last; exit 1 when one failed.
#   CTIMEOUT  seconds per scenario (default 300 times HUSK_TEST_SLOW)
dir=$(cd "$(dirname "$0")" && pwd)
filter=${1:-}
OUT=${OUT:-/payload/out}
CTIMEOUT=${CTIMEOUT:-$((300 * ${HUSK_TEST_SLOW:-1}))}
. "$dir/lib.sh"
pass=0 failn=0 skipn=0

# Remove what a scenario left: podman containers, containerd tasks and
# containers; husk's own state dirs must then be empty (checked by the
# scenarios that care).
cleanup() {
	umount /sys/kernel/security 2>/dev/null
	podman --runtime "$RT" rm -a -f -t 0 >/dev/null 2>&1
	for c in $(ctr containers ls -q 2>/dev/null); do
		ctr task kill -s SIGKILL "$c" >/dev/null 2>&1
		ctr task delete -f "$c" >/dev/null 2>&1
		ctr containers rm "$c" >/dev/null 2>&1
	done
}

# run_one NAME FILE FUNCTION MODE
run_one() {
	name=$1
	case $name in *"$filter"*) ;; *) return 0 ;; esac
	SD=$OUT/$name
	rm -rf "$SD" && mkdir -p "$SD"
	cc=
	[ "$4" = json ] && cc=/etc/containers/containers-json.conf
	t0=$(cut -d' ' -f1 /proc/uptime)
	(cd "$SD" && NAME=$name SD=$SD MODE=$4 CONTAINERS_CONF=$cc timeout -k 10 "$CTIMEOUT" \
		sh -c '[ -n "$CONTAINERS_CONF" ] || unset CONTAINERS_CONF; . "$1/lib.sh"; . "$1/$2"; "$3"' \
		sh "$dir" "$2" "$3") </dev/null >>"$SD/log" 2>&1
	rc=$?
	[ "$rc" = 124 ] && echo "timed out after ${CTIMEOUT}s" >>"$SD/.why"
	cleanup
	t=$(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.0f", b - a }')
	echo "$t" >"$SD/.secs"
	if [ "$rc" = 77 ]; then
		echo "SKIP: $name ($(cat "$SD/.why"))"
		skipn=$((skipn + 1))
	elif [ "$rc" = 0 ]; then
		echo "PASS: $name (${t}s)"
		pass=$((pass + 1))
	else
		echo "FAIL: $name (${t}s)"
		sed 's/^/    /' "$SD/.why" 2>/dev/null
		[ -s "$SD/.why" ] || echo "    exit $rc, no reason given; log: out/$name/log"
		failn=$((failn + 1))
	fi
}

# Setup (always, whatever the filter): containerd up, the busybox test
# rootfs imported as localhost/busybox into podman, and from podman (a docker
# archive) into containerd with the native snapshotter.
setup() {
	SD=$OUT/setup
	mkdir -p "$SD"
	wait_for test -S /run/containerd/containerd.sock ||
		echo "setup: containerd did not start: $(tail -n 5 "$OUT/containerd.log")"
	x sh -c "tar -C /payload/rootfs -c . | podman import - $IMG"
	[ "$RC" = 0 ] || echo "setup: podman import failed: $(cat "$SD/err")"
	x podman save --format docker-archive -o /tmp/busybox.tar $IMG
	[ "$RC" = 0 ] || echo "setup: podman save failed: $(cat "$SD/err")"
	x ctr image import --snapshotter native /tmp/busybox.tar
	[ "$RC" = 0 ] || echo "setup: ctr image import failed: $(cat "$SD/err")"
	x ctr image ls -q
	grep -qx "$CIMG" "$SD/out" || echo "setup: ctr has no $CIMG: $(cat "$SD/out")"
	rm -f /tmp/busybox.tar
}
setup

fns() { sed -n "s/^\($1[a-z0-9_]*\)() {.*/\1/p" "$dir/$2"; }
# SCENARIOS=systemd (the systemd boot, clients-systemd-init.sh): systemd.sh's
# s_* functions instead, once, podman in its default configuration.
if [ "${SCENARIOS:-}" = systemd ]; then
	for f in $(fns s_ systemd.sh); do
		run_one "systemd.${f#s_}" systemd.sh "$f" none
	done
	echo "$pass passed, $failn failed, $skipn skipped"
	[ "$failn" = 0 ]
	exit
fi
for mode in plain json; do
	for f in $(fns p_ podman.sh); do
		run_one "podman.$mode.${f#p_}" podman.sh "$f" $mode
	done
done
for f in $(fns c_ ctr.sh); do
	run_one "ctr.${f#c_}" ctr.sh "$f" none
done

echo "$pass passed, $failn failed, $skipn skipped"
[ "$failn" = 0 ]
