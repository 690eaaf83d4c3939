#!/bin/sh
# load.sh: `make check-load`. The host suites of `make check` (parser unit
# tests, host integration tests, as on an older kernel, against husk-asan)
# with two CPU-bound loops beside them, LOAD_ROUNDS times in a row (3),
# then the VM suites once (clients, initramfs x86-64 and arm64, the kit)
# with the same two loops (LOAD_VM=0 leaves them out, as SKIP_VM=1 does).
# On a 2-core machine the loops take a core each: every case must still
# pass, because every wait polls for its condition up to one generous
# deadline (test/lib.sh) instead of counting sleeps. One line per round with
# its result and how long it took, then the sum: "N passed, N failed, N skipped".
cd "$(dirname "$0")/.." || exit 1
rounds=${LOAD_ROUNDS:-3}
out=$(mktemp /tmp/husk-load.XXXXXX) || exit 1
loops=""
stop() {
	# shellcheck disable=SC2086
	[ -z "$loops" ] || kill $loops 2>/dev/null
	rm -f "$out"
}
trap stop EXIT
trap 'exit 1' INT TERM
# Each loop also ends by itself once this script is gone (killed, say).
for _ in 1 2; do
	sh -c 'while kill -0 "$1" 2>/dev/null; do :; done' loop $$ &
	loops="$loops $!"
done
echo "load: two CPU-bound loops (pids$loops) beside the suites, on $(nproc) CPUs"

tp=0 tf=0 ts=0 summary=""
# run WHAT SUITES: test/check.sh with those suites; adds up its last line.
run() {
	_t=$(date +%s)
	SUITES=$2 sh test/check.sh | tee "$out"
	_l=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	[ -n "$_l" ] || _l="0 passed, 1 failed, 0 skipped"
	summary="$summary
load: $1: $_l in $(($(date +%s) - _t))s"
	set -- $(printf '%s\n' "$_l" | tr -c '0-9\n' ' ')
	tp=$((tp + $1)) tf=$((tf + $2)) ts=$((ts + $3))
}

r=1
while [ "$r" -le "$rounds" ]; do
	run "round $r of $rounds (unit, host, older kernel, ASan)" "unit host old asan"
	r=$((r + 1))
done
if [ "${LOAD_VM:-1}" = 0 ] || [ "${SKIP_VM:-}" = 1 ]; then
	summary="$summary
load: the VM suites left out (LOAD_VM=0 or SKIP_VM=1)"
else
	run "the VM suites (clients, x86-64, arm64, kit)" "clients vm kit"
fi
printf '%s\n' "$summary" | sed 1d
echo "$tp passed, $tf failed, $ts skipped"
[ "$tf" = 0 ]
