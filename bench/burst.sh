#!/bin/sh
# burst.sh: why a run costs more in a burst of runs than alone (issue 19).
# Run as root on the dev host, after `make`: sh bench/burst.sh. Writes
# build/bench/burst/ (raw samples, the off-CPU and deferred-work profiles);
# bench/burst.md is written by hand from them.
#
# 1. Timing: each variant runs BURST_N times back to back ("burst", every
#    sample kept), then BURST_N times with BURST_IDLE_MS idle before each
#    ("spaced"), BURST_ROUNDS times, the variants taking turns. Variants:
#    bench/lower.c with every namespace of the bench's bundle, then without
#    one of them (LOWER_DROP), then without the cgroup (LOWER_NOCG), and
#    `husk run` on the bench's bundle.
# 2. Where the runs wait: `perf record -e sched:sched_switch -g` around one
#    burst and one spaced series of lower and of husk; bench/offcpu.awk sums
#    the time each task of the run spends off the CPU by the kernel stack it
#    left from (an offcputime profile, from the kernel's own tracepoint).
# 3. What the kernel does for them meanwhile: the workqueue tracepoints
#    (workqueue_execute_start/end) around the same series: work items by
#    function, how many and how long from start to end.
#
# Knobs: BURST_N=50 BURST_IDLE_MS=100 BURST_ROUNDS=3 BURST_PERF=1 (0: no perf)
set -e
cd "$(dirname "$0")/.."
TOP=$(pwd)
N=${BURST_N:-50}
IDLE=${BURST_IDLE_MS:-100}
ROUNDS=${BURST_ROUNDS:-3}
W=$TOP/build/bench
O=$W/burst
CG2=$W/cg2
ROOTFS=$TOP/build/rootfs
HUSK=$TOP/husk
ROOT=${BURST_RUNDIR:-/run/husk-burst}

[ "$(id -u)" = 0 ] || { echo "burst.sh: must run as root" >&2; exit 1; }
[ -x "$HUSK" ] || { echo "burst.sh: no ./husk: run make" >&2; exit 1; }
sh test/rootfs.sh "$ROOTFS"
mkdir -p "$O"
for p in timer lower; do
	if ! [ -x "$W/$p" ] || [ "bench/$p.c" -nt "$W/$p" ]; then
		musl-gcc -static -O2 -Wall -Wextra -Ibuild/include -o "$W/$p" "bench/$p.c"
	fi
done
[ -f "$W/bundle/config.json" ] || sh bench/spec.sh "$W/bundle" "$ROOTFS"
mkdir -p "$ROOT" && chmod 700 "$ROOT"

# A tmpfs for husk's --root (the state store's intended home), beside $ROOT
TMPROOT=$W/burst-tmpfs
mkdir -p "$TMPROOT"
mountpoint -q "$TMPROOT" || mount -t tmpfs -o mode=700 tmpfs "$TMPROOT"
trap 'umount "$TMPROOT" 2>/dev/null' EXIT
CRUN=$(command -v crun || true)
mkdir -p "$ROOT/crun" && chmod 700 "$ROOT/crun"

# variant NAME: the plan line's command for that variant (env via env(1))
variant() {
	case $1 in
	lower) echo "$W/lower $CG2 $ROOTFS" ;;
	lower-net | lower-ipc | lower-uts | lower-pid) echo "env LOWER_DROP=${1#lower-} $W/lower $CG2 $ROOTFS" ;;
	lower-netipcutspid) echo "env LOWER_DROP=net,ipc,uts,pid $W/lower $CG2 $ROOTFS" ;;
	lower-nocg) echo "env LOWER_NOCG=1 $W/lower $CG2 $ROOTFS" ;;
	husk) echo "$HUSK --root $ROOT run hb{n}-{i}" ;;
	husk-tmpfs) echo "$HUSK --root $TMPROOT/h run hb{n}-{i}" ;;
	crun) echo "$CRUN --root $ROOT/crun run cb{n}-{i}" ;;
	esac
}

# 1. as bench.sh measures: "hot" (one run of each in turn) against
#    "sequential" (SEQ runs of one back to back), in one timer run each
HOT=${BURST_HOT:-60} SEQ=${BURST_SEQ:-50}
RT="husk husk-tmpfs lower${CRUN:+ crun}"
: >"$O/plan.hot"
: >"$O/plan.seq"
for v in $RT; do
	echo "$v $v.hot 1 0 $(variant "$v" | sed 's/{n}-{i}/h{n}/')" >>"$O/plan.hot"
	echo "$v $v.seq$SEQ $SEQ 0 $(variant "$v" | sed 's/{n}-{i}/s{n}-{i}/')" >>"$O/plan.seq"
done
: >"$O/hotseq.txt"
r=1
while [ $r -le "$ROUNDS" ]; do
	(cd "$W/bundle" && "$W/timer" -n "$HOT" -c "$CG2" -e "$O/errors.log" "$O/plan.hot" &&
		"$W/timer" -n 4 -c "$CG2" -e "$O/errors.log" "$O/plan.seq") | sed "s/^/$r /" >>"$O/hotseq.txt"
	r=$((r + 1))
done
# per round: median ms per run, hot and in a sequence (the sequence's sum / SEQ)
awk -v seq="$SEQ" '{ split($2, a, "."); v = a[1]; for (i = 2; i < length(a); i++) v = v "." a[i]
	m = a[length(a)] ~ /^seq/ ? "seq" : "hot"; x[$1, v, m] = $4 / 1e6 / (m == "seq" ? seq : 1); vs[v] = 1; rs[$1] = 1 }
	END { for (r in rs) for (v in vs) printf "round %s %-12s hot %6.2f ms  in a sequence %6.2f ms/run  (%.2fx)\n", r, v,
		x[r, v, "hot"], x[r, v, "seq"], x[r, v, "seq"] / x[r, v, "hot"] }' "$O/hotseq.txt" | sort >"$O/hotseq-summary.txt"
cat "$O/hotseq-summary.txt"

VARIANTS=${BURST_VARIANTS:-lower lower-net lower-ipc lower-uts lower-pid lower-netipcutspid lower-nocg husk husk-tmpfs}

# series VARIANT MODE FILE: N runs of VARIANT, burst (idle 0) or spaced;
# every sample in FILE (timer's raw lines: LABEL ITER NS RSS STATUS)
series() {
	idle=0
	[ "$2" = spaced ] && idle=$IDLE
	echo "x $1.$2 1 $idle $(variant "$1")" >"$O/plan"
	(cd "$W/bundle" && "$W/timer" -n "$N" -c "$CG2" -e "$O/errors.log" -r "$3" "$O/plan") >/dev/null
}

# 2. each variant, burst against spaced; the disk's I/O counters around it
disk=$(basename "$(df --output=source / | tail -1)")
: >"$O/samples"
: >"$O/io.txt"
r=1
while [ $r -le "$ROUNDS" ]; do
	for v in $VARIANTS; do
		for m in burst spaced; do
			set -- $(cat /sys/block/$disk/stat 2>/dev/null || echo 0 0 0 0 0 0 0 0 0 0 0 0)
			w0=$5 d0=${12}
			series "$v" "$m" "$O/raw" || echo "burst.sh: $v $m: failures, see $O/errors.log" >&2
			set -- $(cat /sys/block/$disk/stat 2>/dev/null || echo 0 0 0 0 0 0 0 0 0 0 0 0)
			echo "$v.$m writes $(($5 - w0)) discards $((${12} - d0)) runs $N" >>"$O/io.txt"
			sed "s/^/$r /" "$O/raw" >>"$O/samples"
		done
	done
	r=$((r + 1))
done
# per variant and mode: median, min, max, n over all rounds (ms); and the
# median of the burst's first 5 runs against its last 20
awk '{ k = $2; v[k, ++n[k]] = $4 / 1e6; if ($3 < 5) f[k, ++nf[k]] = $4 / 1e6; if ($3 >= '"$N"' - 20) l[k, ++nl[k]] = $4 / 1e6 }
function med(a, k, m,   i, j, t, x) {
	for (i = 1; i <= m; i++) x[i] = a[k, i]
	for (i = 2; i <= m; i++) { t = x[i]; for (j = i - 1; j >= 1 && x[j] > t; j--) x[j + 1] = x[j]; x[j + 1] = t }
	lo = x[1]; hi = x[m]
	return m % 2 ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2
}
END {
	for (k in n) {
		m = med(v, k, n[k]); a = lo; b = hi
		printf "%-26s median %6.2f ms (%.2f-%.2f, n=%d)  first5 %6.2f  last20 %6.2f\n", k, m, a, b, n[k],
			med(f, k, nf[k]), med(l, k, nl[k])
	}
}' "$O/samples" | sort >"$O/summary.txt"
cat "$O/summary.txt"

[ "${BURST_PERF:-1}" = 1 ] && command -v perf >/dev/null 2>&1 || exit 0
# profiles: one series each under perf (tracing slows the runs: shares, not times)
for v in ${BURST_PROFILE:-lower lower-net lower-ipc lower-pid husk husk-tmpfs${CRUN:+ crun}}; do
	for m in burst spaced; do
		perf record -q -e sched:sched_switch -g -a -o "$O/sw.$v.$m.data" -- \
			sh -c "$(cat <<EOF
echo "x $v.$m 1 \$([ $m = spaced ] && echo $IDLE || echo 0) $(variant $v)" >"$O/plan.perf"
cd "$W/bundle" && "$W/timer" -n "$N" -c "$CG2" -e "$O/errors.log" "$O/plan.perf"
EOF
)" >/dev/null 2>&1
		perf script -i "$O/sw.$v.$m.data" -F comm,pid,cpu,time,event,trace,ip,sym 2>/dev/null |
			awk -v COMMS='^(lower|true|husk|memfd:husk|crun)$' -v DEPTH=5 -f bench/offcpu.awk |
			sort -rn >"$O/offcpu.$v.$m.txt"
		perf record -q -e workqueue:workqueue_execute_start -e workqueue:workqueue_execute_end -a \
			-o "$O/wq.$v.$m.data" -- sh -c "cd '$W/bundle' && '$W/timer' -n '$N' -c '$CG2' -e '$O/errors.log' '$O/plan.perf'" \
			>/dev/null 2>&1
		perf script -i "$O/wq.$v.$m.data" -F comm,tid,time,event,trace 2>/dev/null | awk '
			/execute_start/ { t = $3; sub(/:$/, "", t); w = $0; sub(/.*work struct /, "", w); sub(/:.*/, "", w)
				f = $0; sub(/.*function /, "", f); start[$2, w] = t; fn[$2, w] = f }
			/execute_end/ { t = $3; sub(/:$/, "", t); w = $0; sub(/.*work struct /, "", w); sub(/[: ].*/, "", w)
				if (($2, w) in start) { d = t - start[$2, w]; s[fn[$2, w]] += d; c[fn[$2, w]]++; delete start[$2, w] } }
			END { for (f in s) printf "%10.3f ms %6d  %s\n", s[f] * 1000, c[f], f }' |
			sort -rn >"$O/wq.$v.$m.txt"
	done
done
rm -f "$O"/*.data "$O"/*.data.old
umount "$TMPROOT" 2>/dev/null || true
echo "burst.sh: profiles in $O (offcpu.*.txt, wq.*.txt)"
