#!/bin/sh
# asan.sh [FILTER]: the host integration suite (run.sh) against ./husk-asan,
# the ASan/UBSan build (make husk-asan), from the top of the repository.
#
# Every sanitizer finding is fatal: ASan stops at the first error, UBSan
# too (halt_on_error), and both exit 1, which fails the command and so the
# test. Reports also go to files ($SAN.PID), because a test that expects
# husk to fail, or that sends stderr to /dev/null, would not notice an extra
# report; any such file fails the suite, with its first lines shown.
#
# Leaks: detect_leaks=1 for every husk process. LeakSanitizer runs from an
# atexit handler, so it checks only processes that leave through exit().
# The container's init is a clone3 child of husk-asan (fork-like, so it
# holds a copy of the parent's heap, spec and all): it leaves only through
# execve (no atexit runs, the image is replaced) or _exit() (atexit handlers
# skipped), and so do the hook children. LSan therefore never runs in a child
# that never returns normally, and never misreports the parent's copied heap
# as the child's leak: no detect_leaks=0 is needed for the children. Should
# an ASan error hit the init after pivot_root, it cannot open $SAN.PID: the
# report then goes to the init's stderr (husk's) and the init dies, which
# fails create, and the test.
# The container's program does not inherit ASAN_OPTIONS: its environment is
# process.env, nothing of husk's.
cd "$(dirname "$0")/.." || exit 1
HUSK_ASAN=$PWD/husk-asan
[ -x "$HUSK_ASAN" ] || { echo "FAIL: no ./husk-asan (make husk-asan)"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
D=$(mktemp -d /tmp/husk-asan.XXXXXX)
SAN=$D/san
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:exitcode=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1:log_path=$SAN"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$SAN"
export LSAN_OPTIONS="exitcode=1"

out=$(HUSK=$HUSK_ASAN sh test/run.sh "${1:-}" 2>&1)
st=$?
printf '%s\n' "$out" | grep -vE '^[0-9]+ passed, [0-9]+ failed'
set -- $(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1 | tr -c '0-9\n' ' ')
p=${1:-0} f=${2:-1} s=${3:-0}
[ "$st" = 0 ] || [ "$f" != 0 ] || f=1 # run.sh failed without saying so

reports=$(ls "$SAN".* 2>/dev/null)
if [ -n "$reports" ]; then
	echo "FAIL: sanitizer reports from husk-asan ($(printf '%s\n' "$reports" | wc -l) files, kept in $D)"
	for r in $reports; do
		echo "    == $r"
		grep -E 'ERROR|SUMMARY|runtime error|#[0-3] ' "$r" | head -n 8 | sed 's/^/    /'
	done
	f=$((f + 1))
else
	echo "PASS: no sanitizer report from any husk-asan process"
	p=$((p + 1))
	rmdir "$D"
fi
echo "$p passed, $f failed, $s skipped"
[ "$f" = 0 ]
