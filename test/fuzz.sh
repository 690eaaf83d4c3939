#!/bin/sh
# fuzz.sh [SECONDS]: two targets under libFuzzer, with ASan and UBSan, from
# the top of the repository:
#   spec: the config parser (build/fuzz_spec, test/fuzz_spec.c), corpus
#         test/fuzz-corpus/ (the spec's example configs, husk's own), for
#         SECONDS (default $FUZZTIME, else 60);
#   dbus: what husk reads from a D-Bus peer (build/fuzz_dbus,
#         test/fuzz_dbus.c), corpus test/fuzz-dbus-corpus/ (messages as
#         systemd sends them), for a third of that.
# For each:
#  1. Replay: every file of its corpus (and every crash found so far) is
#     one case; each must parse or fail cleanly.
#  2. Fuzz from that corpus (less the crash-* files) plus build/fuzz-work/
#     or build/fuzz-work-dbus/ (what earlier runs found, kept between runs).
#     A crash, leak, UB, timeout or broken invariant is copied into the
#     corpus as crash-<sha1>: from then on it is a regression case of step 1.
# Prints PASS/FAIL per case and "N passed, N failed, N skipped".
cd "$(dirname "$0")/.." || exit 1
secs=${1:-${FUZZTIME:-60}}
pass=0 failn=0

# fuzz NAME CORPUS WORK SECONDS MAXLEN DICT_SOURCE
fuzz() {
	F=build/fuzz_$1 C=$2 W=$3
	[ -x "$F" ] || { echo "FAIL: no $F (make $F)"; failn=$((failn + 1)); return; }
	# 1. Replay, one process per file so that each is reported on its own.
	_p=0 _f=0
	for f in "$C"/*; do
		if out=$("$F" "$f" 2>&1); then
			_p=$((_p + 1))
		else
			echo "FAIL: $1: replay $f"
			printf '%s\n' "$out" | grep -E 'ERROR|SUMMARY|invariant|runtime error' | head -n 5 | sed 's/^/    /'
			_f=$((_f + 1))
		fi
	done
	pass=$((pass + _p)) failn=$((failn + _f))
	echo "$1: replayed $((_p + _f)) corpus files: $_p clean, $_f failing"
	# 2. Fuzz. The dictionary: every quoted name in the source the target
	# reads (spec.c's keys and enum values; systemd.c's names and members).
	# Seeds: the corpus without the crash-* regression cases, which would
	# stop the run at once while their bug is open (step 1 reports those).
	S=build/fuzz-seeds-$1 X=build/fuzz-crash-$1 log=build/fuzz-$1.log
	rm -rf "$S" "$X"
	mkdir -p "$W" "$X" "$S"
	for f in "$C"/*; do
		case ${f##*/} in crash-*) ;; *) cp "$f" "$S/" ;; esac
	done
	sed -n 's/.*\("[A-Za-z_][A-Za-z0-9_.+-]*"\).*/\1/p' $6 | sort -u |
		sed 's/^"\(.*\)"$/"\\"\1\\""/' >"build/fuzz_$1.dict"
	"$F" -max_total_time="$4" -timeout=10 -rss_limit_mb=2048 -max_len="$5" \
		-dict="build/fuzz_$1.dict" -artifact_prefix="$X/" -print_final_stats=1 \
		-close_fd_mask=1 "$W" "$S" >"$log" 2>&1
	st=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	corpus=$(ls "$W" | wc -l)
	if [ "$st" = 0 ]; then
		echo "PASS: $1: fuzzed ${4}s: ${execs:-?} executions (${rate:-?}/s), coverage ${cov:-?} edges, work corpus $corpus inputs"
		pass=$((pass + 1))
	else
		echo "FAIL: $1: fuzzing (exit $st) after ${execs:-?} executions; log: $log"
		grep -E 'ERROR|SUMMARY|invariant|runtime error' "$log" | head -n 5 | sed 's/^/    /'
		for c in "$X"/*; do
			[ -e "$c" ] || continue
			cp "$c" "$C/${c##*/}"
			echo "    kept as a regression case: $C/${c##*/} (reproduce: $F $C/${c##*/})"
		done
		failn=$((failn + 1))
	fi
}

fuzz spec test/fuzz-corpus build/fuzz-work "$secs" 65536 spec.c
fuzz dbus test/fuzz-dbus-corpus build/fuzz-work-dbus $(((secs + 2) / 3)) 4096 systemd.c
echo "$pass passed, $failn failed, 0 skipped"
[ "$failn" = 0 ]
