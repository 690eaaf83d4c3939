#!/bin/sh
# fuzz.sh [SECONDS]: the config parser under libFuzzer (build/fuzz_spec, see
# test/fuzz_spec.c), from the top of the repository.
#  1. Replay: every file of test/fuzz-corpus/ (the spec's example configs,
#     husk's own, and every crash found so far) is one case; each must parse
#     or fail cleanly, under ASan and UBSan.
#  2. Fuzz for SECONDS (default $FUZZTIME, else 60) from that corpus (less
#     the crash-* files) plus
#     build/fuzz-work/ (what earlier runs found, kept between runs). A crash,
#     leak, UB, timeout or broken invariant is copied into test/fuzz-corpus/
#     as crash-<sha1>: from then on it is a regression case of step 1.
# Prints PASS/FAIL per case and "N passed, N failed, N skipped".
cd "$(dirname "$0")/.." || exit 1
F=build/fuzz_spec
secs=${1:-${FUZZTIME:-60}}
pass=0 failn=0
[ -x "$F" ] || { echo "FAIL: no $F (make build/fuzz_spec)"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

# 1. Replay, one process per file so that each is reported on its own.
for f in test/fuzz-corpus/*; do
	if out=$("$F" "$f" 2>&1); then
		pass=$((pass + 1))
	else
		echo "FAIL: replay $f"
		printf '%s\n' "$out" | grep -E 'ERROR|SUMMARY|invariant|runtime error' | head -n 5 | sed 's/^/    /'
		failn=$((failn + 1))
	fi
done
echo "replayed $((pass + failn)) corpus files: $pass clean, $failn failing"

# 2. Fuzz. The dictionary: every quoted name in spec.c (keys and enum values).
# Seeds: the corpus without the crash-* regression cases, which would stop
# the run at once while their bug is open (step 1 reports those).
rm -rf build/fuzz-seeds build/fuzz-crash
mkdir -p build/fuzz-work build/fuzz-crash build/fuzz-seeds
for f in test/fuzz-corpus/*; do
	case ${f##*/} in crash-*) ;; *) cp "$f" build/fuzz-seeds/ ;; esac
done
sed -n 's/.*\("[A-Za-z_][A-Za-z0-9_.+-]*"\).*/\1/p' spec.c | sort -u |
	sed 's/^"\(.*\)"$/"\\"\1\\""/' >build/fuzz_spec.dict
log=build/fuzz.log
"$F" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	-dict=build/fuzz_spec.dict -artifact_prefix=build/fuzz-crash/ -print_final_stats=1 \
	-close_fd_mask=1 build/fuzz-work build/fuzz-seeds >"$log" 2>&1
st=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
corpus=$(ls build/fuzz-work | wc -l)
if [ "$st" = 0 ]; then
	echo "PASS: fuzzed ${secs}s: ${execs:-?} executions (${rate:-?}/s), coverage ${cov:-?} edges, work corpus $corpus inputs"
	pass=$((pass + 1))
else
	echo "FAIL: fuzzing (exit $st) after ${execs:-?} executions; log: $log"
	grep -E 'ERROR|SUMMARY|invariant|runtime error' "$log" | head -n 5 | sed 's/^/    /'
	for c in build/fuzz-crash/*; do
		[ -e "$c" ] || continue
		cp "$c" "test/fuzz-corpus/${c##*/}"
		echo "    kept as a regression case: test/fuzz-corpus/${c##*/} (reproduce: $F test/fuzz-corpus/${c##*/})"
	done
	failn=$((failn + 1))
fi
echo "$pass passed, $failn failed, 0 skipped"
[ "$failn" = 0 ]
