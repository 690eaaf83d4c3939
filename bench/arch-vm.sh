#!/bin/sh
# arch-vm.sh: bench/arch.sh's measurements inside its VM, run by the kit's
# /init (AFTER=/bench/arch-vm.sh in /etc/kit.conf) once the demo's container
# has ended. pivot_root cannot leave the initramfs (the rootfs mount has no
# parent), which bench/lower.c needs and husk then avoids: so the
# measurements run chrooted in a tmpfs copy of the initramfs, as on a board
# whose real root is mounted. Prints ARCH-* lines that arch.sh parses:
#   ARCH-ENV: uname -m, kernel, husk --version
#   ARCH-RES: LABEL N MEDIAN_NS MIN_NS MAX_NS MEAN_NS RSS_MEDIAN_KB RSS_MAX_KB FAILS (bench/timer.c)
#   ARCH-CPU: LABEL RUNS USER_TICKS SYS_TICKS WALL_S (the children's times, USER_HZ ticks)
#   ARCH-STRACE: LABEL <a line of strace -c -f's table>
# and bench/memmin-vm.sh's MEMMIN-* lines when /bench/memmin-script.sh exists.
if [ "$1" != inside ]; then
	# Outside: the tmpfs copy, the host's /proc, /sys, /dev; then chroot.
	R=/mnt/bench
	mkdir -p $R && mount -t tmpfs -o mode=755 tmpfs $R || exit 1
	for d in bin sbin usr lib lib64 etc bench bundle; do [ -d /$d ] && cp -a /$d $R/; done
	mkdir -p $R/proc $R/sys $R/dev $R/run $R/tmp $R/ro
	for m in proc sys dev; do mount --rbind /$m $R/$m; done
	mount -t tmpfs -o mode=755 tmpfs $R/run && mount -t tmpfs -o mode=1777 tmpfs $R/tmp
	chroot $R /bin/sh /bench/arch-vm.sh inside
	echo "ARCH-DONE: $?"
	exit 0
fi

RUNS=$(cat /bench/runs 2>/dev/null || echo 40)
echo "ARCH-ENV: $(uname -m); kernel $(uname -r); $(husk --version | head -n 1)"
# husk as a board installs it, on a read-only filesystem: no sealed copy.
cp /bin/husk /ro/husk && mount --bind /ro /ro && mount -o remount,bind,ro /ro
cd /bench/bundle || exit 1
mkdir -p /run/bh /run/br /run/bl

# One plan, interleaved (bench/timer.c): husk, husk read-only, the lower bound.
{
	echo "husk husk.run 1 0 /bin/husk --root /run/bh run hk"
	echo "huskro huskro.run 1 0 /ro/husk --root /run/br run hr"
	echo "lower lower.run 1 0 /bench/lower /sys/fs/cgroup /bundle/rootfs"
} >/tmp/plan.run
/bench/timer -n 3 -e /tmp/err /tmp/plan.run >/dev/null # warm-up
/bench/timer -n "$RUNS" -e /tmp/err /tmp/plan.run | sed 's/^/ARCH-RES: /'
# husk alone (ru_maxrss of a command = its VmHWM at exit, and its reaped children's).
{
	echo "husk husk.create 1 0 /bin/husk --root /run/bl create hl"
	echo "husk husk.state 1 0 /bin/husk --root /run/bl state hl"
	echo "husk husk.start 1 0 /bin/husk --root /run/bl start hl"
	echo "husk - 1 100 /bin/true"
	echo "husk husk.delete 1 0 /bin/husk --root /run/bl delete hl"
} >/tmp/plan.life
/bench/timer -n 10 -e /tmp/err /tmp/plan.life | sed 's/^/ARCH-RES: /'
grep -m 3 . /tmp/err | sed 's/^/ARCH-ERR: /'

# cputime LABEL CMD...: RUNS runs; the user and system ticks they cost (the
# shell's cutime and cstime in /proc/PID/stat, fields 16 and 17).
cputime() {
	_l=$1
	shift
	set -- $(awk '{ print $16, $17 }' /proc/$$/stat) "$@"
	_u=$1 _s=$2
	shift 2
	read -r _t0 _ </proc/uptime
	_i=0
	while [ $_i -lt "$RUNS" ]; do "$@" >/dev/null 2>&1 </dev/null; _i=$((_i + 1)); done
	read -r _t1 _ </proc/uptime
	echo "ARCH-CPU: $_l $RUNS $(awk -v u=$_u -v s=$_s '{ print $16 - u, $17 - s }' /proc/$$/stat) $(echo "$_t0 $_t1" | awk '{ print $2 - $1 }')"
}
cputime husk.run /bin/husk --root /run/bh run hk
cputime huskro.run /ro/husk --root /run/br run hr
cputime lower.run /bench/lower /sys/fs/cgroup /bundle/rootfs

# Where the system time goes: strace -c -f (Debian's strace, with its libc).
if [ -x /usr/bin/strace ]; then
	for w in "" -w; do
		strace -f -c $w -o /tmp/sc /bin/husk --root /run/bh run hs >/dev/null 2>&1 </dev/null
		sed "s/^/ARCH-STRACE: husk$w /" /tmp/sc
		strace -f -c $w -o /tmp/sc /bench/lower /sys/fs/cgroup /bundle/rootfs >/dev/null 2>&1 </dev/null
		sed "s/^/ARCH-STRACE: lower$w /" /tmp/sc
	done
fi
# The same without ptrace: the kernel's function_graph tracer on every
# syscall handler and the page-fault entry, durations summed per function
# (wall time inside the kernel, so wait4/recvfrom/ppoll include sleeping).
ftrace() { # ftrace LABEL CMD...
	_l=$1
	shift
	T=/sys/kernel/tracing
	[ -f $T/current_tracer ] || mount -t tracefs tracefs $T 2>/dev/null || return 0
	case $(uname -m) in
	aarch64) echo '__arm64_sys_*' >$T/set_ftrace_filter && echo do_mem_abort >>$T/set_ftrace_filter ;;
	x86_64) echo '__x64_sys_*' >$T/set_ftrace_filter && echo exc_page_fault >>$T/set_ftrace_filter ;;
	*) return 0 ;;
	esac || return 0
	echo 16384 >$T/buffer_size_kb && echo function_graph >$T/current_tracer && echo 1 >$T/options/funcgraph-tail &&
		echo >$T/trace && echo 1 >$T/tracing_on || return 0
	"$@" >/dev/null 2>&1 </dev/null
	echo 0 >$T/tracing_on
	awk -v l="$_l" '
	/ us / {
		d = $0; sub(/ us .*/, "", d); sub(/.*[^0-9.]/, "", d)
		n = ""
		if (match($0, /[a-z_0-9]+\(\);/)) n = substr($0, RSTART, RLENGTH - 3)
		else if (match($0, /\/\* [a-z_0-9]+ \*\//)) n = substr($0, RSTART + 3, RLENGTH - 6)
		if (n != "") { t[n] += d; c[n]++ }
	}
	END { for (n in t) printf "ARCH-FTRACE: %s %s %d %.0f\n", l, n, c[n], t[n] }' $T/trace | sort -k5 -n -r | head -n 25
	echo nop >$T/current_tracer
}
ftrace husk /bin/husk --root /run/bh run hf
ftrace huskro /ro/husk --root /run/br run hg
ftrace lower /bench/lower /sys/fs/cgroup /bundle/rootfs

[ -f /bench/memmin-script.sh ] && sh /bench/memmin-script.sh 2>&1 | grep '^MEMMIN-'
exit 0
