#!/bin/sh
# memmin.sh: in a QEMU VM with pure cgroup v2, the smallest memory.max under
# which `RUNTIME run` of the bench's busybox /bin/true bundle still exits 0,
# for husk, crun and runc, cold and warm, and memory.peak at 64 MiB (issue 7).
# The measuring itself is bench/memmin-vm.sh. Run as root: sh bench/memmin.sh
# (bench/bench.sh calls it). Writes a markdown section to build/bench/memmin.md
# and "RUNTIME MODE BYTES" lines to build/bench/memmin.txt (bench.sh's targets).
#   MEMMIN_VM=clients     the VM: clients = test/clients-vm.sh's Debian image
#                         (husk, crun, runc; rootfs on an ext4 disk), built and
#                         cached by that script; initramfs = test/vm.sh's busybox
#                         initramfs (husk only; rootfs in the initramfs). When
#                         the image cannot be built, clients falls back to initramfs.
#   MEMMIN_TIMEOUT=1800   seconds before the VM is killed
#   MEMMIN_OUT=build/bench/memmin.md
#   MEMMIN_RUNTIMES="husk crun runc"   which of them to measure
#   MEMMIN_REPORT_ONLY=1  no VM: rewrite the section from the last run's console
#   MEMMIN_VM=script      no VM: print the VM's script for husk alone (its path
#                         there: MEMMIN_HUSK=/husk; the rootfs: MEMMIN_ROOTFS=/rootfs)
#                         and exit, 1 if it cannot (bench/arch.sh runs it in its VMs)
# It never fails because of a VM: when none runs, the section says why (exit 0).
# TCG only: KVM does not work on our machines, so never -enable-kvm.
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
W=$TOP/build/bench/memmin
OUT=${MEMMIN_OUT:-$TOP/build/bench/memmin.md}
TXT=$TOP/build/bench/memmin.txt
VMKIND=${MEMMIN_VM:-clients}
t0=$(date +%s)
mkdir -p "$W" "$(dirname "$OUT")" || exit 1
[ "$VMKIND" = script ] || rm -f "$OUT" "$TXT"

say() { printf 'memmin: %s\n' "$*" >&2; }
# note WHY: the section with just that note, then stop (status 0: the bench goes on).
note() {
	say "$*"
	[ "$VMKIND" = script ] && exit 1
	{
		echo "**Smallest memory.max under which \`run\` works** (bench/memmin.sh, in a VM): not measured: $*"
	} >"$OUT"
	exit 0
}

[ "$(id -u)" = 0 ] || note "bench/memmin.sh must run as root."
[ -x husk ] || note "no ./husk (run make)."

# ---- the bundle's config: bench.sh's (runc spec, /bin/true, terminal false,
# inheritable caps), plus a cgroupsPath and the memory limit as placeholders.
sh bench/spec.sh "$W/spec" @ROOTFS@ || note "could not make the bundle (bench/spec.sh)."
T=$W/spec/config.json
sed -i -e 's/^\([[:space:]]*\)"linux": {$/&\n\1\t"cgroupsPath": "@CGPATH@",/' \
	-e 's/^\([[:space:]]*\)"resources": {$/&\n\1\t"memory": {"limit": @LIMIT@, "swap": @LIMIT@},/' "$T"
for s in '"/bin/true"' '"terminal": false' '"@ROOTFS@"' inheritable '"@CGPATH@"' '"limit": @LIMIT@'; do
	grep -q "$s" "$T" || note "could not edit $T ($s)."
done
sh test/rootfs.sh build/rootfs >&2 || note "test/rootfs.sh failed."

# script RUNTIMES ROOTFS: the VM's script, settings + template + memmin-vm.sh.
script() {
	printf 'RUNTIMES="%s" ROOTFS=%s TPL=/tmp/memmin-config.tpl\n' "$1" "$2"
	echo "cat >\$TPL <<'MEMMIN_EOF'"
	cat "$T"
	echo # runc spec ends without a newline
	echo "MEMMIN_EOF"
	cat bench/memmin-vm.sh
}

if [ "$VMKIND" = script ]; then
	script "husk=${MEMMIN_HUSK:-/husk}" "${MEMMIN_ROOTFS:-/rootfs}"
	exit 0
fi

LOG=$W/console.txt
esc=$(printf '\033')
if [ -n "${MEMMIN_REPORT_ONLY:-}" ]; then
	VMKIND=none WHERE=$(cat "$W/where.txt" 2>/dev/null)
else
	: >"$LOG"
fi
if [ "$VMKIND" = clients ]; then
	# The kernel and the cached Debian image, from test/clients-vm.sh itself.
	say "the clients' Debian image (test/clients-vm.sh; several minutes if not cached)"
	if CLIENTS_BUILD_ONLY=1 sh test/clients-vm.sh >"$W/clients-build.log" 2>&1; then
		CACHE=${CLIENTS_CACHE:-build/clients}
		P=$W/payload
		rm -rf "$P" && mkdir -p "$P" || exit 1
		cp husk "$P/husk" && cp -a build/rootfs "$P/rootfs" &&
			cp bench/memmin-init.sh "$P/clients-init.sh" && cp test/vm-common.sh "$P/vm-common.sh" ||
			note "could not fill $P."
		rts=
		for rt in ${MEMMIN_RUNTIMES:-husk crun runc}; do
			case $rt in husk) rts="$rts husk=/husk" ;; crun) rts="$rts crun=/usr/bin/crun" ;; runc) rts="$rts runc=/usr/sbin/runc" ;; esac
		done
		script "$rts" /payload/rootfs >"$P/memmin-script.sh"
		mke2fs -q -F -t ext4 -L payload -d "$P" "$W/payload.ext4" 64M >/dev/null || note "mke2fs (payload) failed."
		# As test/clients-vm.sh boots it: the image read-only (snapshot=on), the
		# payload as the second NVMe disk, cgroup v2 only; 1 GiB is plenty here.
		say "booting the VM (TCG; about 5-10 minutes)"
		timeout "${MEMMIN_TIMEOUT:-1800}" qemu-system-x86_64 -accel tcg -m 1024 -smp 2 -nographic \
			-no-reboot -nic none \
			-drive if=none,id=root,format=raw,snapshot=on,file="$CACHE/rootfs.ext4" -device nvme,serial=root,drive=root \
			-drive if=none,id=pl,format=raw,file="$W/payload.ext4" -device nvme,serial=payload,drive=pl \
			-kernel build/vm/kernel/vmlinuz \
			-append "console=ttyS0 root=/dev/nvme0n1 rootfstype=ext4 rw init=/sbin/husk-clients-boot panic=-1 quiet cgroup_no_v1=all" \
			</dev/null >"$W/serial.log" 2>&1
		qrc=$?
		tr -d '\r' <"$W/serial.log" | sed "s/$esc\[[0-9;?]*[A-Za-z]//g; s/${esc}c//g; s/^.*VM-START:/VM-START:/" >"$LOG"
		[ $qrc = 124 ] && say "the VM timed out after ${MEMMIN_TIMEOUT:-1800}s"
		WHERE="the Debian bookworm image of test/clients-vm.sh, rootfs on an ext4 NVMe disk"
	else
		say "no Debian image (see $W/clients-build.log): husk alone, in test/vm.sh's initramfs VM"
		VMKIND=initramfs
	fi
fi
if [ "$VMKIND" = initramfs ]; then
	script "husk=/husk" /build/rootfs >"$W/memmin-script.sh"
	VM_SCRIPT=$W/memmin-script.sh VM_TIMEOUT=${MEMMIN_TIMEOUT:-1800} sh test/vm.sh >"$LOG" 2>&1
	WHERE="the busybox initramfs of test/vm.sh, husk only, rootfs in the initramfs (whose pages no cgroup pays for: cold = warm)"
fi
[ "$VMKIND" = none ] || echo "$WHERE" >"$W/where.txt"
grep -q '^MEMMIN-DONE' "$LOG" ||
	note "the VM gave no result (console: ${LOG#"$TOP"/}; last line: \`$(grep -v '^[[:space:]]*$' "$LOG" | tail -n 1 | cut -c1-120)\`)."
secs=$(($(date +%s) - t0))
[ "$VMKIND" = none ] && secs=$(cat "$W/secs.txt" 2>/dev/null) || echo "$secs" >"$W/secs.txt"

# ---- the section -------------------------------------------------------------
sed -n 's/^MEMMIN-MIN: \([^ ]*\) \([^ ]*\) \([0-9a-z]*\) .*/\1 \2 \3/p' "$LOG" >"$TXT"
{
	echo "**Smallest memory.max under which \`run\` works** (bench/memmin.sh, ${secs} s, in $WHERE;"
	echo "$(sed -n 's/^MEMMIN-ENV: //p' "$LOG"); QEMU TCG, 1 GiB, 2 vCPUs, \`cgroup_no_v1=all\`)."
	echo "The bundle above with \`linux.resources.memory\` \`limit\` = \`swap\` = the value (so"
	echo "memory.swap.max is 0) and \`cgroupsPath\` /memmin/N/ctr, N a fresh parent per run. Bisection"
	echo "to one page, starting at 1 MiB (doubled while it fails; a quick failure must repeat to"
	echo "count, the outcome near the limit varies); the result then passed 3 runs in a row (on a"
	echo "failure: up 1/64, at least a page, and 3 more). Between runs of this script it moved by up"
	echo "to ~100 KiB (husk, crun) and ~20 % (runc). A run works when it exits 0 within 10x the time"
	echo "of a cold run at 64 MiB (at least 10 s): just above the limit, reclaim thrashes (busybox's"
	echo "pages evicted and read again) and a run can take a minute or never end."
	echo "*cold*: page cache dropped before every run, so the container's cgroup pays for reading"
	echo "busybox and whatever else it is the first to read; *warm*: after a warm-up run, those pages"
	echo "stay charged to an earlier, removed cgroup. *memory.peak*: of the fresh parent, i.e. of the"
	echo "container's cgroup, at a 64 MiB limit, 3 runs (min-max); the kernel charges in per-CPU"
	echo "batches of 64 pages, so it reads up to 256 KiB per CPU high (the bisection is exact), and a"
	echo "runtime that writes the limit after its init has joined the cgroup (runc: Apply, then Set)"
	echo "peaks above its minimum. *at create*: the container's cgroup after \`create\`, the runtime's"
	echo "init waiting there before the exec: anon + file + kernel of memory.stat. All in KiB."
	echo
	echo "| runtime | smallest memory.max, cold | warm | memory.peak at 64 MiB, cold | warm | at create |"
	echo "|---|---:|---:|---:|---:|---:|"
	awk '
	function kib(b) { return (b ~ /^[0-9]+$/) ? sprintf("%d", b / 1024) : b }
	function range(s,   a, n, i, lo, hi, bad) {
		n = split(s, a, " "); if (n == 0) return "-"
		lo = hi = ""; bad = 0
		for (i = 1; i <= n; i++) {
			if (a[i] !~ /^[0-9]+$/) { bad++; continue }
			if (lo == "" || a[i] + 0 < lo) lo = a[i] + 0
			if (hi == "" || a[i] + 0 > hi) hi = a[i] + 0
		}
		if (lo == "") return "failed"
		return (lo == hi ? kib(lo) : kib(lo) "-" kib(hi)) (bad ? " (" bad " failed)" : "")
	}
	/^MEMMIN-VER: / { rt = $2; order[++nrt] = rt; $1 = $2 = ""; sub(/^ +/, ""); ver[rt] = $0 }
	/^MEMMIN-SET: / {
		for (i = 3; i <= NF; i++) if ($i ~ /^anon=/) {
			n = split($i, kv, /[=,]/)
			for (j = 1; j < n; j += 2) st[kv[j]] = kv[j + 1]
			created[$2] = kib(st["anon"] + st["file"] + st["kernel"]) " (" kib(st["anon"]) " + " kib(st["file"]) " + " kib(st["kernel"]) ")"
		}
	}
	/^MEMMIN-MIN: / { min[$2, $3] = ($4 == "none") ? "> 512 MiB" : kib($4) }
	/^MEMMIN-PEAK: / { s = ""; for (i = 4; i <= NF; i++) s = s " " $i; peak[$2, $3] = s }
	/^MEMMIN-SKIP: / { skip = skip " " $0 }
	END {
		for (i = 1; i <= nrt; i++) {
			rt = order[i]
			printf "| %s | %s | %s | %s | %s | %s |\n", rt, min[rt, "cold"], min[rt, "warm"],
				range(peak[rt, "cold"]), range(peak[rt, "warm"]), (rt in created) ? created[rt] : "-"
		}
	}' "$LOG"
	echo
	echo "Versions: $(sed -n 's/^MEMMIN-VER: \([^ ]*\) \(.*\)/\2/p' "$LOG" | paste -sd';' | sed 's/;/; /g')."
	echo "What each runtime wrote at 64 MiB: $(sed -n 's/^MEMMIN-SET: \([^ ]*\) \(memory.max=[^ ]*\) \(memory.swap.max=[^ ]*\).*/\1 \2 \3/p; s/^MEMMIN-SET: \(.* create failed.*\)/\1/p' "$LOG" | paste -sd';' | sed 's/;/; /g')."
	sed -n 's/^MEMMIN-SKIP: \(.*\)/Skipped: \1./p' "$LOG"
	echo
	echo "The last failure seen while searching (limit in bytes: status, oom_kill, last line of output):"
	echo
	sed -n 's/^MEMMIN-BELOW: \([^ ]*\) \([^ ]*\) \(.*\)/- \1, \2: \3/p' "$LOG"
	echo
	echo "Time in the VM per runtime: $(sed -n 's/^MEMMIN-TIME: \([^ ]*\) \([0-9]*\)/\1 \2 s/p' "$LOG" | paste -sd';' | sed 's/;/; /g')."
} >"$OUT"
say "wrote ${OUT#"$TOP"/} in ${secs}s"
cat "$OUT"
