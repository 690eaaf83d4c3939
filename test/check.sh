#!/bin/sh
# check.sh: every suite in turn (parser unit tests, host integration tests,
# the same tests in QEMU VMs booted from an initramfs with cgroup v2, this
# host's architecture and arm64), then one closing line adding them up:
# "N passed, N failed, N skipped". Each suite's output shows as it comes.
# SKIP_VM=1 leaves the VMs out, SKIP_CLIENTS=1 the podman/containerd one
# (each still counts as one skip). SUITES="unit host old asan" runs only
# the suites of those names (below; test/load.sh does). The clients' Debian
# image is built once (debootstrap, ~3 min) and cached in build/clients.
cd "$(dirname "$0")/.." || exit 1
tp=0 tf=0 ts=0 rc=0
out=$(mktemp /tmp/husk-check.XXXXXX) || exit 1
trap 'rm -f "$out" "$out.rc"' EXIT

# chosen KEY: the suite KEY is to run (SUITES unset: all of them).
chosen() {
	[ -z "${SUITES:-}" ] && return 0
	case " $SUITES " in *" $1 "*) return 0 ;; esac
	return 1
}

# suite KEY NAME CMD...: run CMD, show its output as it comes, and add up
# its last "N passed, N failed, N skipped" line.
suite() {
	chosen "$1" || return 0
	name=$2
	shift 2
	echo "== $name"
	{
		"$@" 2>&1
		echo $? >"$out.rc"
	} | tee "$out"
	st=$(cat "$out.rc")
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	if [ -z "$last" ]; then
		echo "FAIL: $name printed no result line (exit status $st)"
		tf=$((tf + 1))
		rc=1
		return
	fi
	set -- $(printf '%s\n' "$last" | tr -c '0-9\n' ' ')
	tp=$((tp + $1)) tf=$((tf + $2)) ts=$((ts + ${3:-0}))
	[ "$st" = 0 ] && [ "$2" = 0 ] || rc=1
}

# skipped KEY WHAT N: N suites not run, each one skip.
skipped() {
	chosen "$1" || return 0
	echo "SKIP: $2"
	ts=$((ts + $3))
}

suite unit "parser unit tests" build/unit_spec
suite unit "D-Bus wire code against a private dbus-daemon" build/unit_dbus
suite host "integration tests on this host" sh test/run.sh
# As on a kernel before 5.3: no clone3, pidfd, openat2, close_range or
# mount_setattr (build/nosys hides them); the boards husk is for run those.
printf '#!/bin/sh\nexec "%s/build/nosys" "%s/husk" "$@"\n' "$PWD" "$PWD" >build/husk-oldkernel
chmod +x build/husk-oldkernel
suite old "integration tests as on an older kernel (fallbacks)" \
	env HUSK=build/husk-oldkernel HUSK_OLD_KERNEL=1 sh test/run.sh
# As on Linux 5.2-5.11: open_tree and move_mount but no mount_setattr, the
# one path of safe_bind the two runs above do not take (mounts, security).
for f in t_mount t_sec; do
	suite old52 "$f tests as on Linux 5.2-5.11 (no mount_setattr)" \
		env HUSK=build/husk-oldkernel HUSK_OLD_KERNEL=1 NOSYS_KERNEL=5.2 sh test/run.sh "$f"
done
suite fuzz "config parser and D-Bus reader under libFuzzer (${FUZZTIME:-60} s + a third)" sh test/fuzz.sh "${FUZZTIME:-60}"
suite asan "integration tests against husk-asan (ASan, UBSan, leaks)" sh test/asan.sh
suite valgrind "lifecycle commands under valgrind" sh test/valgrind.sh
# `make soak`'s figures on a short run (nothing may grow); its timing figure
# is printed, not judged: `make soak` judges it.
suite soak "soak, short (300 runs, 30 cycles with 8 alive)" \
	env SOAK_RUNS=300 SOAK_CYCLES=30 SOAK_ALIVE=8 SOAK_TIMING=report sh bench/soak.sh
if [ "${SKIP_VM:-}" = 1 ] || [ "${SKIP_CLIENTS:-}" = 1 ]; then
	skipped clients "podman and containerd in VMs, cgroupfs and systemd (SKIP_VM or SKIP_CLIENTS)" 2
else
	suite clients "podman and containerd driving husk in a QEMU VM" sh test/clients-vm.sh
	# The same image booted with systemd as PID 1: podman's default
	# configuration and ctr --runc-systemd-cgroup (the systemd driver),
	# then t-systemd.sh.
	suite clients "podman and containerd through systemd (systemd as PID 1) in a QEMU VM" \
		sh test/clients-vm.sh --systemd
fi
if [ "${SKIP_VM:-}" = 1 ]; then
	skipped vm "the VM suites, this host's architecture and arm64 (SKIP_VM=1)" 2
	skipped kit "the initramfs kit in QEMU VMs (SKIP_VM=1)" 1
else
	suite vm "integration tests in a QEMU VM (initramfs, cgroup v2)" sh test/vm.sh
	# The same on arm64 (TCG, Debian's cloud-arm64 kernel): make builds husk
	# and the helpers for it; `make check-arch ARCH=armhf` does 32-bit ARM.
	suite vm "integration tests in an arm64 QEMU VM" env MAKEFLAGS= make -s ARCH=arm64 check-arch
	suite kit "the initramfs kit booted for amd64 and arm64 (QEMU)" sh test/kit-vm.sh
fi
echo "$tp passed, $tf failed, $ts skipped"
exit $rc
