# memmin-vm.sh: runs inside the VM (bench/memmin.sh prepends the settings
# and the config template, and boots it). For each runtime: the smallest
# linux.resources.memory.limit (memory.max; swap = limit, so memory.swap.max
# is 0) under which `RUNTIME run` of the bench's /bin/true bundle exits 0,
# found by bisection to one page, then confirmed REPEAT times in a row; cold
# (page cache dropped before every run, so the container's cgroup is charged
# for reading busybox) and warm (after a warm-up run, busybox's pages are
# already charged to an earlier cgroup); and memory.peak at a comfortable limit.
# Set before this: RUNTIMES ("name=path ..."), ROOTFS, TPL (the config with
# @ROOTFS@ @CGPATH@ @LIMIT@). Prints MEMMIN-* lines that memmin.sh parses.
# POSIX sh: runs under busybox ash (initramfs VM) and dash (Debian image).
STEP=4096                      # bisection resolution: one page
START=$((1024 * 1024))         # first probe: the issue's target, 1 MiB
MAX=$((512 * 1024 * 1024))     # give up above this
COMFY=$((64 * 1024 * 1024))    # "comfortable" limit for memory.peak
REPEAT=${REPEAT:-3}
TMO0=${TMO:-60}                # seconds before a run at COMFY is killed;
# near the limit reclaim can thrash (busybox's pages evicted and read again)
# for a minute: a run counts as working only if it ends within TMO = 10x the
# slowest of the cold runs at COMFY (at least 10 s), set per runtime.
CG=/sys/fs/cgroup/memmin
B=/tmp/memmin-bundle
W=/tmp/memmin
mkdir -p "$B" "$W" "$CG" || exit 1
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
echo +memory >"$CG/cgroup.subtree_control" || { echo "MEMMIN-FATAL: no memory controller"; exit 1; }
cd "$B" || exit 1

echo "MEMMIN-ENV: kernel $(uname -r); SwapTotal $(sed -n 's/^SwapTotal: *//p' /proc/meminfo); memory.peak $([ -f "$CG/memory.peak" ] && echo yes || echo no)"

n=0
# trial RT BIN LIMIT MODE: one `run` in a fresh parent cgroup $CG/N (the
# container's cgroup is $CG/N/ctr, removed by `run`, so the parent's peak is
# the container's). Returns run's status; sets PEAK, OOMK, MSG.
trial() {
	n=$((n + 1))
	P=$CG/$n
	mkdir "$P" && echo +memory >"$P/cgroup.subtree_control" || return 2
	sed -e "s#@ROOTFS@#$ROOTFS#" -e "s#@CGPATH@#/memmin/$n/ctr#" -e "s/@LIMIT@/$3/g" "$TPL" >"$B/config.json"
	if [ "$4" = cold ]; then sync; echo 3 >/proc/sys/vm/drop_caches; fi
	t=$(cut -d' ' -f1 /proc/uptime)
	timeout -s KILL "$TMO" "$2" --root "/run/memmin-$1" run "mm$n" </dev/null >"$W/out" 2>&1
	rc=$?
	SECS=$(echo "$t" | awk -v u="$(cut -d' ' -f1 /proc/uptime)" '{printf "%.1f", u - $1}')
	PEAK=$(cat "$P/memory.peak" 2>/dev/null || echo -)
	OOMK=$(sed -n 's/^oom_kill //p' "$P/memory.events" 2>/dev/null)
	MSG=$(grep -v '^[[:space:]]*$' "$W/out" | tail -n 1 | cut -c1-160)
	TIMEDOUT=0
	[ $rc = 137 ] && awk -v s="$SECS" -v t="$TMO" 'BEGIN { exit !(s >= t - 0.5) }' &&
		TIMEDOUT=1 MSG="still running after the ${TMO} s timeout"
	[ -z "$MSG" ] && [ $rc -gt 128 ] && [ "${OOMK:-0}" -gt 0 ] && MSG="(no output; the OOM killer killed the container)"
	echo "MEMMIN-TRIAL: $1 $4 $3 exit $rc, $SECS s, peak $PEAK, oom_kill $OOMK, $MSG"
	cleanup "$1" "$2"
	return $rc
}
cleanup() { # cleanup RT BIN: remove trial $n's container and cgroups
	"$2" --root "/run/memmin-$1" delete -f "mm$n" >/dev/null 2>&1
	if [ -d "$P/ctr" ]; then
		echo 1 >"$P/ctr/cgroup.kill" 2>/dev/null
		i=0
		while ! rmdir "$P/ctr" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	fi
	rmdir "$P" 2>/dev/null
}

# probe RT BIN LIMIT MODE: a trial; one that failed quickly (OOM kill,
# error) is tried again, as the outcome near the limit varies from run to run
# (the kernel's per-CPU charge batches): a failure must happen twice.
probe() {
	TRIALS=$((TRIALS + 1))
	trial "$@" && return 0
	[ $TIMEDOUT = 1 ] && return 1
	TRIALS=$((TRIALS + 1))
	trial "$@"
}

# minimum RT BIN MODE: sets MIN (bytes, or "none" above MAX), TRIALS, BELOW.
minimum() {
	lo=0 hi=$START TRIALS=0 BELOW=
	while :; do
		probe "$1" "$2" $hi "$3" && break
		BELOW="$hi: exit $rc, oom_kill ${OOMK:-?}, \"$MSG\""
		lo=$hi hi=$((hi * 2))
		[ $hi -gt $MAX ] && { MIN=none; return; }
	done
	while [ $((hi - lo)) -gt $STEP ]; do
		mid=$(((lo + hi) / 2 / STEP * STEP))
		if probe "$1" "$2" $mid "$3"; then
			hi=$mid
		else
			lo=$mid BELOW="$mid: exit $rc, oom_kill ${OOMK:-?}, \"$MSG\""
		fi
	done
	# Confirm: REPEAT passes in a row; on a failure go up 1/64 (at least one
	# page) and start over.
	ok=0
	while [ $ok -lt "$REPEAT" ] && [ $hi -le $MAX ]; do
		TRIALS=$((TRIALS + 1))
		if trial "$1" "$2" $hi "$3"; then
			ok=$((ok + 1))
		else
			BELOW="$hi: exit $rc, oom_kill ${OOMK:-?}, \"$MSG\""
			ok=0 hi=$(((hi + hi / 64 + STEP - 1) / STEP * STEP))
		fi
	done
	MIN=$hi
	[ $ok -lt "$REPEAT" ] && MIN=none
}

for pair in $RUNTIMES; do
	rt=${pair%%=*} bin=${pair#*=}
	[ -x "$bin" ] || { echo "MEMMIN-SKIP: $rt: no $bin in this VM"; continue; }
	t0=$(cut -d. -f1 /proc/uptime)
	echo "MEMMIN-VER: $rt $("$bin" --version 2>&1 | head -n 1)"
	TMO=$TMO0
	# What the runtime writes, and what the waiting init is charged before exec.
	n=$((n + 1))
	P=$CG/$n
	mkdir "$P" && echo +memory >"$P/cgroup.subtree_control"
	sed -e "s#@ROOTFS@#$ROOTFS#" -e "s#@CGPATH@#/memmin/$n/ctr#" -e "s/@LIMIT@/$COMFY/g" "$TPL" >"$B/config.json"
	if timeout -s KILL "$TMO" "$bin" --root "/run/memmin-$rt" create "mm$n" </dev/null >"$W/out" 2>&1; then
		echo "MEMMIN-SET: $rt memory.max=$(cat "$P/ctr/memory.max") memory.swap.max=$(cat "$P/ctr/memory.swap.max" 2>/dev/null || echo -) created=$(cat "$P/ctr/memory.current") $(awk '$1 ~ /^(anon|file|kernel|kernel_stack|pagetables|percpu|sock|slab)$/ { printf "%s%s=%s", s, $1, $2; s = "," }' "$P/ctr/memory.stat")"
	else
		echo "MEMMIN-SET: $rt create failed: $(tail -n 1 "$W/out")"
	fi
	cleanup "$rt" "$bin"

	# Peaks at the comfortable limit, then the minimums; cold before warm.
	for mode in cold warm; do
		[ $mode = warm ] && trial "$rt" "$bin" $COMFY warm # the warm-up
		peaks= slow=0
		for i in 1 2 3; do
			if trial "$rt" "$bin" $COMFY $mode; then peaks="$peaks $PEAK"; else peaks="$peaks fail"; fi
			slow=$(echo "$SECS $slow" | awk '{print ($1 > $2) ? $1 : $2}')
		done
		echo "MEMMIN-PEAK: $rt $mode$peaks"
		if [ $mode = cold ]; then
			TMO=$(echo "$slow" | awk '{t = int($1 * 10 + 0.999); print (t < 10) ? 10 : t}')
			echo "MEMMIN-TMO: $rt $TMO $slow"
		fi
		minimum "$rt" "$bin" $mode
		echo "MEMMIN-MIN: $rt $mode $MIN $TRIALS"
		[ -n "$BELOW" ] && echo "MEMMIN-BELOW: $rt $mode $BELOW"
	done
	echo "MEMMIN-TIME: $rt $(($(cut -d. -f1 /proc/uptime) - t0))"
done
echo "MEMMIN-DONE"
