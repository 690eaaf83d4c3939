#!/bin/sh
# bench.sh: husk against crun, runc and a hand-written lower bound
# (bench/lower.c), on one bundle, in one run, interleaved. Writes
# bench/RESULTS.md (the generated numbers, then bench/analysis.md).
# Run as root on the dev host: `make bench`. It only reports; it never fails
# because of a number.
#
# Knobs (environment):
#   BENCH_RUNS=200      `run /bin/true` samples per runtime, isolated and hot
#   BENCH_IDLE_MS=250   idle time before each isolated run
#   BENCH_LIFE=100      samples of create/start/state/list/delete
#   BENCH_SEQ=5         samples of "100 containers run sequentially"
#   BENCH_MANY=30       samples of list/state with 1,000 containers present
#   BENCH_SEAL=100      samples of the seal rows (overlay, memfd, none)
#   BENCH_VMS=1         0: skip the VM measures (memmin.sh, arch.sh), for a quick run
#   BENCH_OUT=bench/RESULTS.md
set -e
cd "$(dirname "$0")/.."
TOP=$(pwd)
RUNS=${BENCH_RUNS:-200}
IDLE=${BENCH_IDLE_MS:-250}
LIFE=${BENCH_LIFE:-100}
SEQ=${BENCH_SEQ:-5}
MANY=${BENCH_MANY:-30}
SEALN=${BENCH_SEAL:-100}
VMS=${BENCH_VMS:-1}
OUT=${BENCH_OUT:-$TOP/bench/RESULTS.md}
W=$TOP/build/bench
HUSK=$TOP/husk
ROOTFS=$TOP/build/rootfs
CG2=$W/cg2
TIMER=$W/timer
LOWER=$W/lower
NOFS=$W/nofsopen
ERR=$W/errors.log
# State dirs on /run (tmpfs), where the three keep them by default.
RUNDIR=${BENCH_RUNDIR:-/run/husk-bench}
RES=$W/results.txt

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (namespaces, cgroups, mounts)"

# ---- tools -------------------------------------------------------------------
missing=
for t in crun runc; do command -v $t >/dev/null 2>&1 || missing="$missing $t"; done
if [ -n "$missing" ]; then
	say "installing$missing from Debian"
	command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install$missing yourself"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >&2 ||
		{ apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >&2; } ||
		die "could not install$missing"
fi
CRUN=$(command -v crun)
RUNC=$(command -v runc)

[ -x "$HUSK" ] || die "no ./husk: run make"
sh test/rootfs.sh "$ROOTFS"
mkdir -p "$W"
for p in timer lower nofsopen; do
	if ! [ -x "$W/$p" ] || [ "bench/$p.c" -nt "$W/$p" ]; then
		musl-gcc -static -O2 -Wall -Wextra -Ibuild/include -o "$W/$p" "bench/$p.c"
	fi
done

# ---- one bundle for all: `runc spec`, args /bin/true, terminal false ----------
B=$W/bundle
sh bench/spec.sh "$B" "$ROOTFS" || die "could not make the bundle"
# the same with `sleep`, to exec into; and with podman's default seccomp
# profile (containers-common's, converted as podman does for the bundle's caps)
BS=$W/bundle-sleep
sh bench/spec.sh "$BS" "$ROOTFS" && sed -i 's#"/bin/true"#"sleep", "1000000"#' "$BS/config.json" ||
	die "could not make the sleep bundle"
BP=$W/bundle-podman
command -v jq >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends jq >&2 ||
	die "jq (for podman's profile) could not be installed"
sh bench/spec.sh "$BP" "$ROOTFS" &&
	sh bench/podman-seccomp.sh "$W/podman-seccomp.json" $(jq -r '.process.capabilities.bounding[]' "$B/config.json") &&
	jq --slurpfile s "$W/podman-seccomp.json" '.linux.seccomp = $s[0]' "$B/config.json" >"$BP/config.json" ||
	die "could not make the bundle with podman's profile"

# ---- husk as a board installs it: on a read-only filesystem ------------------
# From a writable filesystem (this repository) husk re-executes a sealed
# memfd copy of itself for create/run/exec (CVE-2019-5736); from a read-only
# one it skips the copy, as crun does. "huskro" is the same binary from a
# read-only bind mount, to measure both.
RO=$W/ro
mountpoint -q "$RO" && umount "$RO"
mkdir -p "$RO"
cp "$HUSK" "$RO/husk"
mount --bind "$RO" "$RO" && mount -o remount,bind,ro "$RO" || die "cannot make a read-only bind mount at $RO"
trap 'umount "$RO" 2>/dev/null' EXIT
HUSK_RO=$RO/husk

# ---- state dirs, and leftovers of an interrupted run -------------------------
# in_ns CMD...: CMD in the same private mount namespace the timer uses.
in_ns() { "$TIMER" -c "$CG2" -x "$@"; }
rm -rf "$RUNDIR"/first-*
for rt in husk huskro huskmem crun runc; do
	case $rt in husk | huskmem) bin=$HUSK ;; huskro) bin=$HUSK_RO ;; crun) bin=$CRUN ;; runc) bin=$RUNC ;; esac
	r=$RUNDIR/root-$rt
	if [ -d "$r" ]; then
		in_ns sh -c 'for id in $("$1" --root "$2" list -q 2>/dev/null); do "$1" --root "$2" delete -f "$id" >/dev/null 2>&1; done' \
			sh "$bin" "$r" || true
		rm -rf "$r"
	fi
	mkdir -p "$r"
done
: >"$ERR"
: >"$RES"

# ---- plans ---------------------------------------------------------------------
# A plan line: GROUP LABEL REPEAT IDLE_MS CMD ARG... (see bench/timer.c)
rt_cmd() { # rt_cmd RUNTIME: the command prefix for that runtime
	case $1 in
	husk) echo "$HUSK --root $RUNDIR/root-husk" ;;
	huskro) echo "$HUSK_RO --root $RUNDIR/root-huskro" ;;
	huskmem) echo "$NOFS $HUSK --root $RUNDIR/root-huskmem" ;;
	crun) echo "$CRUN --root $RUNDIR/root-crun" ;;
	runc) echo "$RUNC --root $RUNDIR/root-runc" ;;
	esac
}
id_of() { case $1 in husk) echo hk ;; huskro) echo hr ;; huskmem) echo hm ;; crun) echo cr ;; runc) echo rc ;; esac; }
bin_of() { case $1 in husk) echo "$HUSK" ;; crun) echo "$CRUN" ;; runc) echo "$RUNC" ;; esac; }

plan_run() { # plan_run IDLE_MS KIND
	for rt in husk huskro crun runc; do
		echo "$rt $rt.run.$2 1 $1 $(rt_cmd $rt) run $(id_of $rt)-run"
	done
	echo "lower lower.run.$2 1 $1 $LOWER $CG2 $ROOTFS"
}
plan_life() {
	for rt in husk crun runc; do
		c=$(rt_cmd $rt) i=$(id_of $rt)-life
		echo "$rt $rt.create 1 0 $c create $i"
		echo "$rt $rt.state.1 1 0 $c state $i"
		echo "$rt $rt.list.1 1 0 $c list"
		echo "$rt $rt.start 1 0 $c start $i"
		echo "$rt - 1 20 /bin/true" # let /bin/true exit before delete
		echo "$rt $rt.delete 1 0 $c delete $i"
	done
}
plan_many() { # plan_many setup|measure|setup1000|measure1000|teardown
	for rt in husk crun runc; do
		c=$(rt_cmd $rt) i=$(id_of $rt)-many
		case $1 in
		setup) echo "$rt - 100 0 $c create $i-{i}" ;;
		measure)
			echo "$rt $rt.state.100 1 0 $c state $i-50"
			echo "$rt $rt.list.100 1 0 $c list"
			;;
		# 900 more, stopped (run -d /bin/true): 1,000 present, 100 of them created
		setup1000) echo "$rt - 900 0 $c run -d -b $B $i-s{i}" ;;
		measure1000)
			echo "$rt $rt.state.1000 1 0 $c state $i-50"
			echo "$rt $rt.list.1000 1 0 $c list"
			;;
		teardown)
			echo "$rt - 100 0 $c delete $i-{i}"
			echo "$rt - 900 0 $c delete $i-s{i}"
			;;
		esac
	done
}
# exec /bin/true, foreground, into a running container (`sleep`)
plan_exec() { # plan_exec setup|measure|teardown
	for rt in husk crun runc; do
		c=$(rt_cmd $rt) i=$(id_of $rt)-exec
		case $1 in
		setup) echo "$rt - 1 0 $c run -d -b $BS $i" ;;
		measure) echo "$rt $rt.exec 1 0 $c exec $i /bin/true" ;;
		teardown) echo "$rt - 1 0 $c delete -f $i" ;;
		esac
	done
}
# run with podman's profile: later runs (husk: the compiled program cached
# under --root), a first run (a new --root each time: nothing cached), and
# run without a profile in the same turns
plan_podman() {
	for rt in husk crun runc; do
		c=$(rt_cmd $rt) i=$(id_of $rt)
		echo "$rt $rt.run.plain 1 0 $c run -b $B $i-plain"
		echo "$rt $rt.run.podman 1 0 $c run -b $BP $i-podman"
		echo "$rt $rt.run.podman1 1 0 $(bin_of $rt) --root $RUNDIR/first-$rt-{n} run -b $BP $i-first"
	done
}
# the seal's cost: husk from this repository (the overlay), under nofsopen
# (the memfd copy), from the read-only bind (none); "seal" is `create` of a
# bundle that does not exist: husk starts, seals, re-executes and fails
plan_seal() {
	for rt in husk huskmem huskro; do
		c=$(rt_cmd $rt) i=$(id_of $rt)
		echo "$rt $rt.seal 1 0 !$c create -b $W/no-such-bundle $i-seal"
		echo "$rt $rt.seal.run 1 0 $c run -b $B $i-sealrun"
	done
}
plan_seq() {
	for rt in husk huskro crun runc; do
		echo "$rt $rt.seq100 100 0 $(rt_cmd $rt) run $(id_of $rt)-seq{i}"
	done
	echo "lower lower.seq100 100 0 $LOWER $CG2 $ROOTFS"
}

# timed N NAME PLAN-FUNCTION ARGS...: run a plan, append its summary to $RES.
timed() {
	_n=$1 _name=$2
	shift 2
	"$@" >"$W/plan.$_name"
	say "$_name: $_n iteration(s)"
	(cd "$B" && "$TIMER" -n "$_n" -c "$CG2" -e "$ERR" -r "$W/raw.$_name" "$W/plan.$_name") >>"$RES" ||
		say "$_name: some commands failed, see $ERR"
}

start_time=$(date +%s)
cd "$TOP"
timed 5 warmup plan_run 0 warm
timed "$RUNS" run-hot plan_run 0 hot
timed "$RUNS" run-isolated plan_run "$IDLE" iso
timed "$LIFE" lifecycle plan_life
timed 1 many-setup plan_many setup
timed "$LIFE" many plan_many measure
timed 1 many-setup1000 plan_many setup1000
timed "$MANY" many1000 plan_many measure1000
timed 1 many-teardown plan_many teardown
timed "$SEQ" seq100 plan_seq
timed 1 exec-setup plan_exec setup
timed "$LIFE" exec plan_exec measure
timed 1 exec-teardown plan_exec teardown
timed "$LIFE" podman plan_podman
rm -rf "$RUNDIR"/first-*
timed "$SEALN" seal plan_seal

# ---- syscalls and processes of one `run` (strace -f) -------------------------
SC=$W/syscalls.txt
: >"$SC"
if command -v strace >/dev/null 2>&1; then
	for rt in husk crun runc lower; do
		case $rt in
		lower) cmd="$LOWER $CG2 $ROOTFS" ;;
		*) cmd="$(rt_cmd $rt) run $(id_of $rt)-strace" ;;
		esac
		(cd "$B" && in_ns strace -f -qq -o "$W/strace.$rt" $cmd) >/dev/null 2>>"$ERR" || true
		# syscalls: lines that are not "resumed" halves or exit/signal notes
		n=$(grep -v -e 'resumed>' -e '^[0-9]* +++' -e '^[0-9]* ---' "$W/strace.$rt" | wc -l)
		p=$(awk '{print $1}' "$W/strace.$rt" | sort -u | wc -l)
		echo "$rt $n $p" >>"$SC"
	done
fi

# ---- smallest memory.max for `run`, in a VM (bench/memmin.sh; never fails the bench) --
[ "$VMS" = 0 ] || sh bench/memmin.sh >/dev/null || true
[ -s "$W/memmin.md" ] || echo '**Smallest memory.max under which `run` works** (in a VM): not measured, bench/memmin.sh failed.' >"$W/memmin.md"

# ---- other architectures, in QEMU VMs (bench/arch.sh; never fails the bench) -------
rm -f "$W/arch.md"
if [ "$VMS" != 0 ] && command -v qemu-system-x86_64 >/dev/null 2>&1 && command -v qemu-system-aarch64 >/dev/null 2>&1; then
	sh bench/arch.sh >/dev/null || true
fi

# ---- binaries --------------------------------------------------------------------
BIN=$W/binaries.txt
: >"$BIN"
for rt in husk crun runc; do
	case $rt in husk) bin=$HUSK ;; crun) bin=$CRUN ;; runc) bin=$RUNC ;; esac
	size=$(wc -c <"$bin")
	libs=$(ldd "$bin" 2>/dev/null | grep -c '=>\|ld-linux' || true)
	if command -v file >/dev/null 2>&1; then
		kind=$(file -bL "$bin" | sed 's/, BuildID[^,]*//; s/,.*\(statically linked\|dynamically linked\).*/, \1/')
	else
		kind="(file(1) not installed)"
	fi
	ver=$("$bin" --version 2>&1 | head -1)
	printf '%s\t%s\t%s\t%s\t%s\n' "$rt" "$size" "$libs" "$kind" "$ver" >>"$BIN"
done
size=$(wc -c <"$LOWER")
printf 'lower\t%s\t0\tstatic (musl, bench/lower.c)\t-\n' "$size" >>"$BIN"

elapsed=$(($(date +%s) - start_time))
fails=$(grep -c '^timer:' "$ERR" || true)

# ---- report ------------------------------------------------------------------------
pm_ver=$(dpkg-deb -f "$W"/containers-common/golang-github-containers-common_*.deb Version 2>/dev/null ||
	dpkg-query -W -f '${Version}' golang-github-containers-common 2>/dev/null)
pm_names=$(jq '[.syscalls[].names[]] | length' "$W/podman-seccomp.json")
pm_rules=$(jq '.syscalls | length' "$W/podman-seccomp.json")
pm_arches=$(jq -r '.architectures | join(", ")' "$W/podman-seccomp.json")
{
	echo "# husk benchmark results"
	echo
	echo "Generated by \`make bench\` (bench/bench.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'), in ${elapsed} s."
	echo
	echo "- machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM"
	echo "- kernel: $(uname -srm); cgroups: $(stat -f -c %T /sys/fs/cgroup) at /sys/fs/cgroup$([ -d /sys/fs/cgroup/unified ] && echo ' + cgroup2 at /sys/fs/cgroup/unified (hybrid)')"
	echo "- $(awk -F'\t' '$1=="husk" {print $5}' "$BIN") (built $(date -u -r "$HUSK" '+%Y-%m-%d %H:%M UTC')); $(awk -F'\t' '$1=="crun" {print $5}' "$BIN"); $(awk -F'\t' '$1=="runc" {print $5}' "$BIN")"
	echo "- samples: run ${RUNS}x isolated (${IDLE} ms idle before each) and ${RUNS}x hot; lifecycle commands, exec and the podman-profile runs ${LIFE}x; list/state with 1,000 present ${MANY}x; 100 sequential runs ${SEQ}x; the seal rows ${SEALN}x"
	echo "- failed commands during the run: ${fails} (see build/bench/errors.log)"
	echo
	echo "How: one bundle made by \`runc spec\` (args \`/bin/true\`, terminal false, root = build/rootfs,"
	echo "busybox-static; inheritable caps added, see bench.sh) for all. bench/timer.c fork/execs"
	echo "each command (CLOCK_MONOTONIC around vfork..wait4) and takes turns between the runtimes"
	echo "(A B C A B C ..., first one rotating). All commands, husk's too, run in one private mount"
	echo "namespace where /sys/fs/cgroup/unified is an empty tmpfs (crun 1.8.1 refuses hybrid"
	echo "cgroups) and cgroup2 is mounted at build/bench/cg2 instead: crun and runc then place"
	echo "containers in the cgroup v1 hierarchies, husk and lower in cgroup2 (husk is v2-only)."
	echo "Distinct ids and --root dirs (under $RUNDIR, a tmpfs) per runtime. *1,000 present*: the 100 created"
	echo "containers plus 900 stopped ones (\`run -d /bin/true\`), the state asked for is a created one. *exec*:"
	echo "\`exec ID /bin/true\` into a container running \`sleep\` (same bundle). *podman's profile*:"
	echo "containers-common's seccomp.json (Debian golang-github-containers-common $pm_ver),"
	echo "converted as podman does for the bundle's capabilities (bench/podman-seccomp.sh: $pm_names names in"
	echo "$pm_rules rules; $pm_arches); *first*: a new --root for each sample (husk caches compiled"
	echo "programs under its --root), *later*: the same root throughout. Times are milliseconds: median (min-max)."
	echo
	awk -v sc="$SC" -v bin="$BIN" -v mm="$W/memmin.md" -v mmt="$W/memmin.txt" '
	function ms(x) { return sprintf("%.2f", x / 1e6) }
	function cell(l) { return (l in med) ? ms(med[l]) " (" ms(mn[l]) "-" ms(mx[l]) ")" : "-" }
	function ratio(a, b) { return ((a in med) && (b in med) && med[b] > 0) ? sprintf("%.2fx", med[a] / med[b]) : "-" }
	function row(name, key, haslower) {
		printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", name, cell("husk." key), cell("crun." key),
			cell("runc." key), haslower ? cell("lower." key) : "-", ratio("husk." key, "crun." key),
			ratio("husk." key, "runc." key), haslower ? ratio("husk." key, "lower." key) : "-"
	}
	function diff(a, b) { return ((a in med) && (b in med)) ? sprintf("%+.2f ms", (med[a] - med[b]) / 1e6) : "-" }
	function sealrow(name, key) {
		printf "| %s | %s | %s | %s | %s | %s |\n", name, cell("husk." key), cell("huskmem." key),
			cell("huskro." key), diff("husk." key, "huskro." key), diff("huskmem." key, "huskro." key)
	}
	function rorow(name, key) {
		printf "| %s | %s | %s | %s | %s | %s | %s |\n", name, cell("huskro." key), cell("husk." key),
			cell("crun." key), cell("lower." key), ratio("huskro." key, "crun." key),
			ratio("huskro." key, "lower." key)
	}
	{ med[$1] = $3; mn[$1] = $4; mx[$1] = $5; rssmed[$1] = $7; rssmax[$1] = $8 }
	END {
		print "| measure | husk | crun | runc | lower bound | husk/crun | husk/runc | husk/lower |"
		print "|---|---|---|---|---|---:|---:|---:|"
		row("`run /bin/true`, isolated", "run.iso", 1)
		row("`run /bin/true`, hot", "run.hot", 1)
		row("`create` (1 present)", "create", 0)
		row("`start`", "start", 0)
		row("`state` (1 present)", "state.1", 0)
		row("`state` (100 present)", "state.100", 0)
		row("`list` (1 present)", "list.1", 0)
		row("`list` (100 present)", "list.100", 0)
		row("`state` (1,000 present)", "state.1000", 0)
		row("`list` (1,000 present)", "list.1000", 0)
		row("`exec /bin/true` (foreground, into a running container)", "exec", 0)
		row("`run`, podman'\''s seccomp profile, first (nothing cached)", "run.podman1", 0)
		row("`run`, podman'\''s seccomp profile, later runs", "run.podman", 0)
		row("`run`, no profile (in the same turns)", "run.plain", 0)
		row("`delete` (stopped)", "delete", 0)
		row("100 sequential `run`s (total)", "seq100", 1)
		print ""
		print "husk from a read-only filesystem, as a board installs it (same binary, read-only bind"
		print "mount: no sealed copy, see bench.sh), against the same runs of the others:"
		print ""
		print "| measure | husk, read-only | husk | crun | lower bound | husk ro/crun | husk ro/lower |"
		print "|---|---|---|---|---|---:|---:|"
		rorow("`run /bin/true`, isolated", "run.iso")
		rorow("`run /bin/true`, hot", "run.hot")
		rorow("100 sequential `run`s (total)", "seq100")
		print ""
		print "husk'\''s seal (issue 19), one timer run taking turns: from this repository (a writable"
		print "filesystem: the private overlay), under bench/nofsopen (fsopen fails: the memfd copy), from"
		print "the read-only bind (none). *seal*: `create` of a bundle that does not exist (husk starts,"
		print "seals, re-executes itself, fails); *run*: `run /bin/true`. Medians, and their difference to none:"
		print ""
		print "| measure | overlay | memfd copy | none | overlay - none | memfd - none |"
		print "|---|---|---|---|---:|---:|"
		sealrow("seal only", "seal")
		sealrow("`run /bin/true`", "seal.run")
		print ""
		print "Peak RSS (ru_maxrss from wait4, KiB: median / max over all samples). For `run` it"
		print "includes the reaped container process, i.e. busybox `/bin/true` itself (see lower);"
		print "`create`, `start`, `state`, `delete` are the runtime process alone (runc: with `runc init`"
		print "for `create`/`run`, which it reaps)."
		print ""
		print "| command | husk | crun | runc | lower |"
		print "|---|---:|---:|---:|---:|"
		n = split("run.hot create start state.1 state.100 list.100 list.1000 exec delete", ks, " ")
		for (i = 1; i <= n; i++) {
			k = ks[i]; line = "| `" k "` |"
			split("husk crun runc lower", rts, " ")
			for (j = 1; j <= 4; j++) {
				l = rts[j] "." k
				line = line ((l in rssmed) ? " " rssmed[l] " / " rssmax[l] : " -") " |"
			}
			print line
		}
		print ""
		while ((getline l < mm) > 0) print l
		print ""
		print "| binary | size (bytes) | shared libraries (ldd) | file |"
		print "|---|---:|---:|---|"
		while ((getline l < bin) > 0) {
			split(l, f, "\t")
			printf "| %s | %d | %d | %s |\n", f[1], f[2], f[3], f[4]
		}
		if ((getline l < sc) > 0) {
			print ""
			print "One `run` under `strace -f` (counts include the container'\''s `/bin/true`):"
			print ""
			print "| | husk | crun | runc | lower |"
			print "|---|---:|---:|---:|---:|"
			split(l, f, " "); sys[f[1]] = f[2]; procs[f[1]] = f[3]
			while ((getline l < sc) > 0) { split(l, f, " "); sys[f[1]] = f[2]; procs[f[1]] = f[3] }
			printf "| syscalls | %s | %s | %s | %s |\n", sys["husk"], sys["crun"], sys["runc"], sys["lower"]
			printf "| processes + threads | %s | %s | %s | %s |\n", procs["husk"], procs["crun"], procs["runc"], procs["lower"]
		}
		# targets
		print ""
		print "## Targets (issues 7 and 19)"
		print ""
		print "| target | measured | met? |"
		print "|---|---|---|"
		t("`run` isolated <= 0.3x crun", "husk.run.iso", "crun.run.iso", 0.3)
		t("`run` hot <= 0.5x crun", "husk.run.hot", "crun.run.hot", 0.5)
		t("`run` hot <= 1.3x lower bound", "husk.run.hot", "lower.run.hot", 1.3)
		t("`run` isolated <= 1.3x lower bound", "husk.run.iso", "lower.run.iso", 1.3)
		t("`state` <= 0.2x crun (1 present)", "husk.state.1", "crun.state.1", 0.2)
		t("`state` <= 0.2x crun (100 present)", "husk.state.100", "crun.state.100", 0.2)
		t("100 sequential runs <= 0.3x crun", "husk.seq100", "crun.seq100", 0.3)
		t("`exec` <= 0.3x crun", "husk.exec", "crun.exec", 0.3)
		t("`list` (100 present) <= 0.3x crun", "husk.list.100", "crun.list.100", 0.3)
		t("`run` with podman'\''s profile, cached, <= 1.2x `run` without one", "husk.run.podman", "husk.run.plain", 1.2)
		t("`run` hot <= 1.3x lower bound, husk read-only", "huskro.run.hot", "lower.run.hot", 1.3)
		t("100 sequential runs <= 0.3x crun, husk read-only", "huskro.seq100", "crun.seq100", 0.3)
		r = 0; split("create start state.1 state.100 delete", ks, " ")
		for (i in ks) if (("husk." ks[i]) in rssmax && rssmax["husk." ks[i]] > r) r = rssmax["husk." ks[i]]
		printf "| peak RSS < 1 MiB (husk alone: create/start/state/delete) | %d KiB | %s |\n", r, r < 1024 ? "met" : sprintf("missed by %d KiB", r - 1024)
		printf "| peak RSS < 1 MiB (`run`, incl. busybox /bin/true) | %d KiB (lower: %d KiB) | %s |\n", rssmax["husk.run.hot"], rssmax["lower.run.hot"], rssmax["husk.run.hot"] < 1024 ? "met" : "missed (busybox alone is " rssmax["lower.run.hot"] " KiB)"
		mc = mw = "-"
		while ((getline l < mmt) > 0) { split(l, f, " "); if (f[1] == "husk") { if (f[2] == "cold") mc = f[3]; else mw = f[3] } }
		m = (mc ~ /^[0-9]+$/ && mw ~ /^[0-9]+$/) ? (mc + 0 > mw + 0 ? mc + 0 : mw + 0) : -1
		printf "| `run` works under memory.max of 1 MiB (VM, see above) | %s | %s |\n", (mc == "-" && mw == "-") ? "not measured" : \
			"cold " (mc ~ /^[0-9]+$/ ? mc / 1024 " KiB" : "> 512 MiB") ", warm " (mw ~ /^[0-9]+$/ ? mw / 1024 " KiB" : "> 512 MiB"), \
			m < 0 ? ((mc == "-" && mw == "-") ? "-" : "missed") : m <= 1048576 ? "met" : sprintf("missed by %d KiB", (m - 1048576) / 1024)
		close(bin)
		while ((getline l < bin) > 0) { split(l, f, "\t"); if (f[1] == "husk") hs = f[2] }
		printf "| static binary < 400 KB | %d bytes, %s | %s |\n", hs, "static", hs < 400000 ? "met" : "missed by " (hs - 400000) " bytes"
	}
	function t(name, a, b, lim,   r) {
		if (!(a in med) || !(b in med)) { printf "| %s | - | - |\n", name; return }
		r = med[a] / med[b]
		printf "| %s | %.2fx (%s vs %s ms) | %s |\n", name, r, ms(med[a]), ms(med[b]),
			r <= lim ? "met" : sprintf("missed: %.2fx the limit", r / lim)
	}' "$RES"
	if [ -f "$W/arch.md" ]; then
		echo
		cat "$W/arch.md"
	fi
	if [ -f bench/soak.md ]; then # `make soak`'s figures, written by hand from its output
		echo
		cat bench/soak.md
	fi
	if [ -f bench/analysis.md ]; then
		echo
		cat bench/analysis.md
	fi
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
say "wrote $OUT"
cat "$OUT"
