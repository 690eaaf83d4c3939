#!/bin/sh
# arch.sh [ARCH...]: issue 15's measurements, each architecture (default:
# amd64 arm64 armhf) in one QEMU (TCG) boot of the initramfs kit (kit/):
# the time from /init's first line to the demo container's program; then,
# chrooted in a tmpfs (bench/arch-vm.sh), `husk run` of bench/spec.sh's
# /bin/true bundle interleaved with bench/lower.c, built for that
# architecture, with bench/timer.c; husk's peak RSS; user and system time per
# run; strace -c -f of one run (Debian's strace:ARCH with its libc); and
# bench/memmin-vm.sh's smallest memory.max (BENCH_ARCH_MEMMIN, default arm64).
# Writes build/bench/arch.md and puts it in bench/RESULTS.md (the section
# "## Other architectures", replaced or added before "## Analysis").
# Run as root: `make bench-arch`; bench/bench.sh runs it too. It only reports.
#   BENCH_ARCH_RUNS=40   `run` samples per runtime in the VM
#   BENCH_ARCH_STRACE="amd64 arm64"   where strace runs
#   BENCH_ARCH_TIMEOUT=2400   seconds per boot
#   BENCH_ARCH_REPORT_ONLY=1  no VM: the section again from the last consoles
# TCG only: KVM does not work on our machines, so never -enable-kvm.
cd "$(dirname "$0")/.." || exit 1
TOP=$PWD
NAME=bench-arch
. test/vm-host.sh
W=$TOP/build/bench/arch
OUT=$TOP/build/bench/arch.md
arches=${*:-amd64 arm64 armhf}
say() { printf 'bench-arch: %s\n' "$*" >&2; }
for a in $arches; do
	case $a in amd64 | arm64 | armhf) ;; *) echo "arch.sh: unknown ARCH $a (amd64, arm64, armhf)" >&2 && exit 1 ;; esac
done
[ "$(id -u)" = 0 ] || { echo "arch.sh: must run as root" >&2; exit 1; }
sh test/deps.sh qemu-system-x86 qemu-system-arm cpio >&2 || { echo "arch.sh: missing packages" >&2; exit 1; }
make -s husk >&2 || exit 1
mkdir -p "$W" || exit 1
t0=$(date +%s)

# cc ARCH: the static musl C compiler for ARCH.
cc() {
	if [ "$1" = "$(dpkg --print-architecture)" ]; then echo musl-gcc; return; fi
	_m=$(dpkg-architecture -a"$1" -qDEB_HOST_MULTIARCH)
	echo "$_m-gcc -specs=/usr/lib/$(echo "$_m" | sed 's/-gnu/-musl/')/musl-gcc.specs"
}
# strace_root ARCH DIR: Debian's strace and libc6 for ARCH unpacked in DIR (cached).
strace_root() {
	[ -x "$2/usr/bin/strace" ] && return 0
	rm -rf "$2.dl" "$2" && mkdir -p "$2.dl" || return 1
	(cd "$2.dl" && apt-get download "strace:$1" "libc6:$1" >/dev/null 2>&1) || return 1
	for d in "$2.dl"/*.deb; do dpkg-deb -x "$d" "$2.dl/x" || return 1; done
	mkdir -p "$2/usr/bin" && cp "$2.dl/x/usr/bin/strace" "$2/usr/bin/" &&
		for l in lib lib64; do [ ! -d "$2.dl/x/$l" ] || cp -a "$2.dl/x/$l" "$2/"; done && rm -rf "$2.dl"
}

for arch in $arches; do
	[ -n "${BENCH_ARCH_REPORT_ONLY:-}" ] && break
	say "$arch: building the kit and the payload"
	A=$W/$arch P=$W/$arch/payload
	rm -rf "$A" && mkdir -p "$P/bench/bundle" || exit 1
	husk=husk
	if [ "$arch" != "$(dpkg --print-architecture)" ]; then
		make -s ARCH="$arch" >&2 || { say "$arch: make ARCH=$arch failed"; continue; }
		husk=build/$arch/husk
	fi
	bb=$(sh test/busybox-arch.sh "$arch") && sh test/demo-bundle.sh "$A/demo" "$arch" &&
		sh bench/spec.sh "$P/bench/bundle" /bundle/rootfs || { say "$arch: no busybox, demo bundle or spec"; continue; }
	for p in timer lower; do
		$(cc "$arch") -static -O2 -Wall -Wextra -I"build/$arch/include" -Ibuild/include -o "$P/bench/$p" "bench/$p.c" ||
			{ say "$arch: cannot build bench/$p.c"; continue 2; }
	done
	cp bench/arch-vm.sh "$P/bench/" && echo "${BENCH_ARCH_RUNS:-40}" >"$P/bench/runs" || exit 1
	case " ${BENCH_ARCH_MEMMIN-arm64} " in *" $arch "*)
		MEMMIN_VM=script MEMMIN_HUSK=/bin/husk MEMMIN_ROOTFS=/bundle/rootfs sh bench/memmin.sh >"$P/bench/memmin-script.sh" ||
			{ say "$arch: no memmin script"; rm -f "$P/bench/memmin-script.sh"; } ;;
	esac
	case " ${BENCH_ARCH_STRACE-amd64 arm64} " in *" $arch "*)
		strace_root "$arch" "build/$arch/strace-root" && cp -a "build/$arch/strace-root/." "$P/" ||
			say "$arch: no strace (apt-get download strace:$arch libc6:$arch failed)" ;;
	esac
	echo AFTER=/bench/arch-vm.sh >"$A/kit.conf"
	sh kit/mkinitramfs.sh -c "$A/kit.conf" -a "$P" "$A/initramfs.cpio.gz" "$husk" "$bb" "$A/demo" || continue

	K=$(vm_kernel_dir "$arch")
	vm_kernel "$K" "$arch"
	vm_qemu "$arch"
	say "$arch: booting (TCG)"
	s=$(date +%s)
	timeout "${BENCH_ARCH_TIMEOUT:-2400}" $VM_QEMU -m 1024 -smp 2 -kernel "$K/vmlinuz" -initrd "$A/initramfs.cpio.gz" \
		-append "console=$VM_CONSOLE panic=-1 quiet" </dev/null >"$A/serial.log" 2>&1
	say "$arch: qemu status $?, $(($(date +%s) - s)) s"
	vm_console "$A/serial.log"
	echo "$(($(date +%s) - s))" >"$A/secs"
	cp "$K/package" "$A/kernel"
done

# rows AWK-PROGRAM: the program over each architecture's console (a = its name),
# or "| ARCH | not measured |" without one.
rows() {
	for arch in $arches; do
		if [ -f "$W/$arch/serial.log.txt" ]; then awk -v a="$arch" "$1" "$W/$arch/serial.log.txt"; else echo "| $arch | not measured |"; fi
	done
}

# table SUFFIX LOG: husk's strace -c table (the ARCH-STRACE: huskSUFFIX lines),
# its first rows and total, then lower's total.
table() {
	echo '```'
	sed -n "s/^ARCH-STRACE: husk$1 //p" "$2" | head -n 14
	sed -n "s/^ARCH-STRACE: husk$1 //p" "$2" | grep ' total$'
	sed -n "s/^ARCH-STRACE: lower$1 \\(.* total\\)$/lower: \\1/p" "$2"
	echo '```'
}

# ---- the section -------------------------------------------------------------
{
	echo "## Other architectures (issue 15: bench/arch.sh)"
	echo
	echo "Generated by \`make bench-arch\` (bench/arch.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'), in $(($(date +%s) - t0)) s."
	echo "Each architecture in one boot of the initramfs kit (kit/, \`make initramfs\`) under QEMU TCG"
	echo "(no KVM: every instruction emulated, so times are many times a board's; compare within a row),"
	echo "1 GiB, 2 vCPUs, on this 2-CPU host shared with other VMs. Debian 12's kernels: cloud-amd64,"
	echo "cloud-arm64, armmp-lpae (armhf). husk, busybox-static, timer and lower are static, for that"
	echo "architecture. After the demo's container, /init runs bench/arch-vm.sh, which measures"
	echo "chrooted in a tmpfs copy of the initramfs (pivot_root, which lower needs, cannot leave the"
	echo "initramfs): the bench's \`runc spec\` bundle (bench/spec.sh, busybox \`/bin/true\`), husk from"
	echo "the tmpfs (with the sealed copy), husk from a read-only bind (none, as on a board) and"
	echo "bench/lower.c interleaved by bench/timer.c. Times in ms: median (min-max)."
	echo
	echo "*/init to container*: /init's first line prints /proc/uptime, and so does the demo's program"
	echo "first thing (\`read up _ </proc/uptime\`: CLOCK_BOOTTIME, equal to CLOCK_MONOTONIC without"
	echo "suspend, in 10 ms steps). From /init's start: its set-up (mounts, controllers) until it"
	echo "starts \`husk run\`, then husk until the program runs. The kernel's own boot is not counted."
	echo
	echo "| | /init to container | of which /init's set-up | husk run to program | \`run\` husk | \`run\` husk, read-only | lower bound | husk/lower | husk ro/lower |"
	echo "|---|---:|---:|---:|---|---|---|---:|---:|"
	rows '
		function ms(x) { return sprintf("%.1f", x / 1e6) }
		function cell(l) { return (l in med) ? ms(med[l]) " (" ms(mn[l]) "-" ms(mx[l]) ")" : "-" }
		function ratio(x, y) { return ((x in med) && (y in med)) ? sprintf("%.2fx", med[x] / med[y]) : "-" }
		/^kit: start / { s = $3 }
		/^kit: running / && r == "" { r = $5 }
		/^hello from husk, / && h == "" { h = $4 }
		/^ARCH-RES: / { med[$2] = $4; mn[$2] = $5; mx[$2] = $6; if ($2 == "husk.run") n = $3 }
		END {
			d = (s != "" && h != "") ? sprintf("%.0f", (h - s) * 1000) : "-"
			printf "| %s (%s runs) | %s | %s | %s | %s | %s | %s | %s | %s |\n", a, ("husk.run" in med) ? n : "-", d,
				(r != "") ? sprintf("%.0f", (r - s) * 1000) : "-", (r != "" && h != "") ? sprintf("%.0f", (h - r) * 1000) : "-",
				cell("husk.run"), cell("huskro.run"), cell("lower.run"), ratio("husk.run", "lower.run"), ratio("huskro.run", "lower.run")
		}'
	echo
	echo "User and system time per \`run\` (the shell's cutime and cstime around ${BENCH_ARCH_RUNS:-40} runs in a row, in"
	echo "USER_HZ ticks of 10 ms, divided by the runs; the wall time beside them), ms:"
	echo
	echo "| | husk user / sys / wall | husk read-only | lower |"
	echo "|---|---|---|---|"
	rows '
		/^ARCH-CPU: / { c[$2] = sprintf("%.1f / %.1f / %.1f", $4 * 10 / $3, $5 * 10 / $3, $6 * 1000 / $3) }
		function g(k) { return (k in c) ? c[k] : "-" }
		END { printf "| %s | %s | %s | %s |\n", a, g("husk.run"), g("huskro.run"), g("lower.run") }'
	echo
	echo "husk's peak RSS: ru_maxrss from wait4 (the kernel's hiwater RSS, VmHWM at exit, of the"
	echo "command and of what it reaped), KiB, median / max of 10 lifecycles; \`run\` includes the"
	echo "container's busybox \`/bin/true\` (as lower's does):"
	echo
	echo "| | create | start | state | delete | \`run\` | lower |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	rows '
		/^ARCH-RES: / { r[$2] = $8 " / " $9 }
		function g(k) { return (k in r) ? r[k] : "-" }
		END { printf "| %s | %s | %s | %s | %s | %s | %s |\n", a, g("husk.create"), g("husk.start"), g("husk.state"), g("husk.delete"), g("husk.run"), g("lower.run") }'
	for arch in $arches; do
		L=$W/$arch/serial.log.txt
		grep -q '^ARCH-STRACE: husk ' "$L" 2>/dev/null || continue
		echo
		echo "$arch, one \`husk run\` under \`strace -f -c\` (system time per syscall as strace counts it;"
		echo "ptrace slows everything, so read the shares): the first rows, then lower's total."
		echo
		table "" "$L"
		echo
		echo "The same run, wall time per syscall (\`strace -f -c -w\`):"
		echo
		table -w "$L"
	done
	for arch in $arches; do
		L=$W/$arch/serial.log.txt
		grep -q '^ARCH-FTRACE: ' "$L" 2>/dev/null || continue
		echo
		echo "$arch, the kernel's view without ptrace: one \`run\` each under the function_graph tracer on"
		echo "every syscall handler and the page-fault entry (all processes; time inside the kernel,"
		echo "traced, so inflated; the waits include sleeping). Calls and ms, the largest for husk first:"
		echo
		echo "| kernel function | husk | husk, read-only | lower |"
		echo "|---|---:|---:|---:|"
		awk '
		/^ARCH-FTRACE: / { k[$3] = 1; c[$2, $3] = $4; t[$2, $3] = $5; if ($2 == "husk") h[$3] = $5; tot[$2] += $5 }
		function g(r, n) { return ((r, n) in c) ? sprintf("%d: %.1f", c[r, n], t[r, n] / 1000) : "-" }
		END {
			for (n in k) order[n] = h[n] + 0
			for (i = 0; i < 14; i++) {
				best = ""; for (n in order) if (best == "" || order[n] > order[best]) best = n
				if (best == "") break
				printf "| %s | %s | %s | %s |\n", best, g("husk", best), g("huskro", best), g("lower", best)
				delete order[best]
			}
			printf "| all traced | %.1f | %.1f | %.1f |\n", tot["husk"] / 1000, tot["huskro"] / 1000, tot["lower"] / 1000
		}' "$L"
	done
	for arch in $arches; do
		L=$W/$arch/serial.log.txt
		grep -q '^MEMMIN-MIN: ' "$L" 2>/dev/null || continue
		echo
		echo "$arch: smallest memory.max under which husk's \`run\` works, by bench/memmin-vm.sh as above"
		echo "(bisection to a page, confirmed 3 times), with the rootfs on the tmpfs: its pages are"
		echo "charged to the cgroup that copied them, not to the container's, so cold = warm here."
		echo "$(sed -n 's/^MEMMIN-ENV: //p' "$L")."
		echo
		awk '
		function kib(b) { return (b ~ /^[0-9]+$/) ? sprintf("%d KiB", b / 1024) : b }
		/^MEMMIN-MIN: husk / { m[$3] = kib($4) }
		/^MEMMIN-PEAK: husk / { p[$3] = $4 " " $5 " " $6 }
		END {
			print "| | smallest memory.max, cold | warm | memory.peak at 64 MiB, cold (bytes) | warm |"
			print "|---|---:|---:|---|---|"
			printf "| husk | %s | %s | %s | %s |\n", m["cold"], m["warm"], p["cold"], p["warm"]
		}' "$L"
	done
	echo
	echo "Goals (issue 15): \`run\` within 1.5x of the lower bound in the same VM, RSS under 1 MiB:"
	echo
	echo "| | husk/lower (husk ro/lower) | 1.5x? | husk's peak RSS alone (create/start/state/delete) | < 1 MiB? |"
	echo "|---|---|---|---:|---|"
	rows '
		/^ARCH-RES: / { med[$2] = $4; rss[$2] = $9 }
		END {
			if (!("husk.run" in med) || !("lower.run" in med)) { printf "| %s | not measured | | | |\n", a; exit }
			x = med["husk.run"] / med["lower.run"]; y = med["huskro.run"] / med["lower.run"]
			m = 0; split("husk.create husk.start husk.state husk.delete", k, " ")
			for (i in k) if (rss[k[i]] > m) m = rss[k[i]]
			printf "| %s | %.2fx (%.2fx) | %s | %d KiB | %s |\n", a, x, y, x <= 1.5 ? "met" : (y <= 1.5 ? "met read-only only" : "missed"), m, m < 1024 ? "met" : "missed"
		}'
	echo
	for arch in $arches; do
		[ -f "$W/$arch/secs" ] && printf '%s: %s, %s s in the VM. ' "$arch" "$(cat "$W/$arch/kernel")" "$(cat "$W/$arch/secs")"
		sed -n 's/^ARCH-ENV: .*; \(husk version .*\)/(\1)/p' "$W/$arch/serial.log.txt" 2>/dev/null | head -n 1
	done
} >"$OUT"
say "wrote ${OUT#"$TOP"/}"

# Into bench/RESULTS.md: replace the section, or add it before the analysis.
R=bench/RESULTS.md
if [ -f $R ]; then
	awk -v f="$OUT" '
	function put() { while ((getline l < f) > 0) print l; print ""; done = 1 }
	/^## Other architectures/ { put(); skip = 1; next }
	skip && /^## / { skip = 0 }
	skip { next }
	/^## Analysis/ && !done { put() }
	{ print }
	END { if (!done) { print ""; put() } }' $R >$R.tmp && mv $R.tmp $R
fi
cat "$OUT"
