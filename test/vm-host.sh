# vm-host.sh: what the host sides of the two QEMU VMs share, sourced by
# test/vm.sh and test/clients-vm.sh from the top of the repository, with
# NAME set to the prefix of their messages. busybox sh compatible.

# die MESSAGE: NAME: MESSAGE on stderr, a failed result line, exit 1.
die() { echo "$NAME: $*" >&2; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

# vm_kernel DIR [ARCH]: Debian's kernel for ARCH (Debian's name; the host's
# by default) in DIR (vmlinuz; config, its config; package, its name),
# downloaded once (apt-get download) and shared by the VMs. The metapackage
# names the real package: linux-image-cloud-amd64 / -cloud-arm64 (cgroups,
# namespaces, seccomp, devtmpfs, initrd, the serial console built in) and,
# for 32-bit ARM, which has no cloud flavour, linux-image-armmp-lpae. No
# modules are kept: what the VMs need is built in.
vm_kernel() {
	[ -f "$1/vmlinuz" ] && return 0
	_arch=${2:-$(dpkg --print-architecture)}
	case $_arch in
	armhf) _meta=linux-image-armmp-lpae ;;
	*) _meta=linux-image-cloud-$_arch ;;
	esac
	_dl=$1.dl
	# The metapackage names the current one; stale lists: update, try again.
	kpkg() { apt-cache depends "$_meta:$_arch" 2>/dev/null |
		sed -n 's/.*Depends: \(linux-image-[^ :]*\).*/\1/p' | head -n 1; }
	kget() { pkg=$(kpkg) && [ -n "$pkg" ] && (cd "$_dl" && apt-get download "$pkg:$_arch" >/dev/null 2>&1); }
	rm -rf "$_dl" && mkdir -p "$_dl" || exit 1
	kget || { apt-get update -q >/dev/null && kget; } ||
		die "cannot download Debian's kernel for $_arch ($_meta${pkg:+: $pkg}; is $_arch in dpkg --print-foreign-architectures?)"
	dpkg-deb -x "$_dl"/*.deb "$_dl/x" || die "dpkg-deb failed"
	# Keep the kernel and its config; the modules (100 MB) are not needed.
	mkdir -p "$1" && cp "$_dl"/x/boot/config-* "$1/config" && echo "$pkg" >"$1/package" &&
		cp "$_dl"/x/boot/vmlinuz-* "$1/vmlinuz" && rm -rf "$_dl" || exit 1
}

# vm_console LOG: LOG.txt, the serial console without CRs and the firmware's
# terminal escapes (the firmware may leave VM-START at the end of its last
# line, so that is cut too).
vm_console() {
	_esc=$(printf '\033')
	tr -d '\r' <"$1" | sed "s/$_esc\[[0-9;?]*[A-Za-z]//g; s/${_esc}c//g; s/^.*VM-START:/VM-START:/" >"$1.txt"
}

# vm_slow ARCH-SLOWNESS: sets VM_SLOW, the one factor that scales every
# deadline of a VM suite (the VM's own, run.sh's per-test limit and every
# wait of lib.sh, as HUSK_TEST_SLOW in the guest): how many times slower
# than x86-64 the architecture runs under TCG here, times 2 on a host with
# fewer than 4 CPUs (the guest's 2 vCPUs then share them with everything
# else), times the host's own HUSK_TEST_SLOW (make check-load sets it).
vm_slow() {
	VM_SLOW=$(($1 * ${HUSK_TEST_SLOW:-1}))
	[ "$(nproc)" -ge 4 ] || VM_SLOW=$((VM_SLOW * 2))
}

# vm_boot LOG CMD...: run CMD (qemu under timeout), its console into LOG,
# and print the console's lines from VM-START on as they come (carriage
# returns and terminal escapes taken out; run.sh's "RUN:" lines, which
# name the case under way, kept out), so a suite's PASS/FAIL lines show
# while it runs. Sets QRC, CMD's exit status.
vm_boot() {
	_log=$1
	shift
	: >"$_log"
	("$@" </dev/null >"$_log" 2>&1; echo $? >"$_log.rc") &
	_q=$!
	_esc=$(printf '\033')
	tail -f "$_log" --pid=$_q 2>/dev/null | tr -d '\r' |
		sed -u "s/$_esc\[[0-9;?]*[A-Za-z]//g; s/${_esc}c//g; s/^.*VM-START:/VM-START:/" |
		awk '/^VM-START:/ { on = 1 } on && !/^RUN: / { print; fflush() } /^VM-EXIT:/ { on = 0 }'
	wait $_q
	QRC=$(cat "$_log.rc")
}

# vm_report LOG QEMU-STATUS TIMEOUT INFO: from LOG.txt (already shown by
# vm_boot): "NAME: timed out" when qemu did; the last lines of the console
# when there is no VM-EXIT line; "NAME: INFO, exit N"; then the suite's
# "N passed, N failed, N skipped" line last. A guest cut short (no result
# line) still counts: the PASS/FAIL/SKIP lines it printed, plus one failure
# for the case under way (run.sh's last "RUN:" line with no verdict after
# it), named. Status 0 when the VM's suite exited 0.
vm_report() {
	_sum='^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed'
	_result=$(grep -E "$_sum" "$1.txt" | tail -n1)
	_rc=$(sed -n 's/^VM-EXIT: \([0-9]*\).*/\1/p' "$1.txt" | tail -n1)
	[ "$2" = 124 ] && echo "$NAME: timed out after ${3}s"
	if [ -z "$_rc" ]; then
		echo "$NAME: no VM-EXIT line (qemu exit $2)"
		# the console before the suite began, which vm_boot did not show
		grep -q '^VM-START:' "$1.txt" || tail -n 30 "$1.txt"
		_rc=1
	fi
	echo "$NAME: $4, exit $_rc"
	if [ -z "$_result" ]; then
		_p=$(grep -c '^PASS: ' "$1.txt") _f=$(grep -c '^FAIL: ' "$1.txt") _s=$(grep -c '^SKIP: ' "$1.txt")
		_cut=$(awk '/^RUN: / { t = $2 } /^(PASS|FAIL|SKIP): / && $2 == t { t = "" } END { print t }' "$1.txt")
		echo "FAIL: ${_cut:-the suite} (cut short: the guest ended before it finished)"
		echo "$NAME: no result line: counted the cases the guest finished"
		echo "$_p passed, $((_f + 1)) failed, $_s skipped"
		return 1
	fi
	echo "$_result"
	[ "$_rc" = 0 ]
}

# vm_qemu ARCH: sets VM_QEMU, the QEMU command line that boots a kernel of
# ARCH (Debian's name) under TCG with one serial console, and VM_CONSOLE,
# that console's name for the kernel's console=. Add -m, -smp, -kernel,
# -initrd, -append. TCG only: KVM does not work on our machines. arm64:
# -cpu max with QEMU's own pointer-authentication algorithm rather than the
# architected QARMA, whose emulation made the test suite 5 times slower.
vm_qemu() {
	case $1 in
	amd64) VM_QEMU="qemu-system-x86_64 -accel tcg" VM_CONSOLE=ttyS0 ;;
	arm64) VM_QEMU="qemu-system-aarch64 -accel tcg -M virt -cpu max,pauth-impdef=on" VM_CONSOLE=ttyAMA0 ;;
	armhf) VM_QEMU="qemu-system-arm -accel tcg -M virt -cpu cortex-a15" VM_CONSOLE=ttyAMA0 ;;
	*) die "no QEMU machine for ARCH $1 (amd64, arm64, armhf)" ;;
	esac
	VM_QEMU="$VM_QEMU -nographic -no-reboot -nic none"
}

# vm_kernel_dir ARCH: where vm_kernel keeps ARCH's kernel (build/vm/kernel
# for the host's, as test/vm.sh has it; build/ARCH/kernel for the others).
vm_kernel_dir() {
	if [ "$1" = "$(dpkg --print-architecture)" ]; then echo build/vm/kernel; else echo "build/$1/kernel"; fi
}
