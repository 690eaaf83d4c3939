#!/bin/sh
# run.sh [FILTER]: run husk's integration tests (test/t-*.sh), or only those
# whose name contains FILTER. busybox sh compatible; needs root.
#   HUSK    the binary under test        default $PWD/husk
#   ROOTFS  the test rootfs (rootfs.sh)  default $PWD/build/rootfs
#   T       scratch dir                  default a new /tmp/husk-test.XXXXXX
#   TIMEOUT seconds per test             default 120 times HUSK_TEST_SLOW
#   HUSK_TEST_SLOW  one factor for every deadline (lib.sh: waits, WAIT)  default 1
# Prints PASS/FAIL/SKIP per test and ends with "N passed, N failed, N skipped".
# Exit status: 0 when nothing failed, 1 otherwise.
dir=$(cd "$(dirname "$0")" && pwd)
filter=${1:-}
HUSK=$(readlink -f "${HUSK:-$PWD/husk}")
ROOTFS=$(readlink -f "${ROOTFS:-$PWD/build/rootfs}")
SOCKRECV=${SOCKRECV:-$(dirname "$ROOTFS")/sockrecv}
TIMEOUT=${TIMEOUT:-$((120 * ${HUSK_TEST_SLOW:-1}))}
T=${T:-$(mktemp -d /tmp/husk-test.XXXXXX)}
ROOT=$T/state
RUNID=$$
export LC_ALL=C
umask 022

. "$dir/lib.sh"

[ -x "$HUSK" ] || { echo "run.sh: no husk binary at $HUSK (set HUSK)" >&2; exit 1; }
[ -x "$ROOTFS/bin/probe" ] || { echo "run.sh: no test rootfs at $ROOTFS (run test/rootfs.sh)" >&2; exit 1; }
mkdir -p "$T"

pass=0 failn=0 skipn=0

# After each test: force-delete its containers, then anything still there
# is a failure of the test (delete --force must clean up); remove it by hand
# so the next test starts clean.
after() {
	for s in "$ROOT/$ID"*; do
		[ -e "$s" ] && h delete --force "${s##*/}" </dev/null >/dev/null 2>&1
	done
	left=$(leftovers "$ID")
	[ -z "$left" ] && return 0
	for p in $(marked_pids); do kill -9 "$p" 2>/dev/null; done
	sleep 0.2 # let them die before their cgroups are removed
	for m in $(new_lines "$TD/.mounts.before" "$TD/.mounts.now"); do
		case $m in "$T"/* | "$ROOTFS"*) umount -l "$m" 2>/dev/null ;; esac
	done
	cg=$(cgroup2_dir)
	[ -z "$cg" ] || find "$cg" -depth -type d -name "$ID*" -exec rmdir {} \; 2>/dev/null
	rm -rf "${ROOT:?}/${ID:?}"*
	echo "after delete --force: $left"
}

run_one() {
	TNAME=$1
	TD=$T/$TNAME
	mkdir -p "$TD"
	n=${TNAME#t_}
	ID=$(printf '%s' "$n" | tr '_' '-' | cut -c1-40).$RUNID
	MARK=husktest.$RUNID.$TNAME.end
	B=$TD/b
	mountpoints >"$TD/.mounts.before"
	rm -f "$TD/.why"
	# In a VM, the case under way, so a guest cut short can name it (vm-host.sh).
	[ -z "${HUSK_VM:-}" ] || echo "RUN: $TNAME"
	(cd "$TD" && "$TNAME") </dev/null >"$TD/.log" 2>&1 &
	tpid=$!
	(
		trap 'kill "$s" 2>/dev/null; exit 0' TERM
		sleep "$TIMEOUT" &
		s=$!
		wait "$s"
		kill -9 "$tpid" 2>/dev/null && echo "timed out after ${TIMEOUT}s" >>"$TD/.why"
	) &
	wd=$!
	wait "$tpid"
	rc=$?
	kill "$wd" 2>/dev/null
	wait "$wd" 2>/dev/null
	left=$(after)
	if [ "$rc" = 77 ]; then
		echo "SKIP: $TNAME ($(cat "$TD/.why"))"
		skipn=$((skipn + 1))
	elif [ "$rc" = 0 ] && [ -z "$left" ]; then
		echo "PASS: $TNAME"
		pass=$((pass + 1))
	else
		echo "FAIL: $TNAME"
		{
			if [ -s "$TD/.why" ]; then
				cat "$TD/.why"
			elif [ "$rc" != 0 ]; then
				echo "exit $rc without a reason; log:"
				tail -n 5 "$TD/.log"
			fi
			[ -z "$left" ] || echo "$left"
		} | sed 's/^/    /'
		failn=$((failn + 1))
	fi
}

# Every file is sourced into this one shell: a function defined twice (a
# helper of one file named as another's) would silently replace the first.
dups=$(sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)[[:space:]]*()[[:space:]]*{.*/\1/p' "$dir/lib.sh" "$dir"/t-*.sh | sort | uniq -d)
if [ -n "$dups" ]; then
	echo "FAIL: functions defined twice in test/lib.sh and test/t-*.sh: $(echo $dups)"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
for f in "$dir"/t-*.sh; do
	. "$f"
done
for f in "$dir"/t-*.sh; do
	for t in $(sed -n 's/^\(t_[A-Za-z0-9_]*\)[[:space:]]*()[[:space:]]*{.*$/\1/p' "$f"); do
		case $t in *"$filter"*) run_one "$t" ;; esac
	done
done

echo "$pass passed, $failn failed, $skipn skipped"
if [ "$failn" = 0 ]; then
	# Keep the scratch dir when something failed, or when something is still
	# mounted under it (rm -rf must not walk into a mounted rootfs).
	grep -qF " $T/" /proc/self/mountinfo || rm -rf "$T"
	exit 0
fi
echo "scratch dir kept: $T"
exit 1
