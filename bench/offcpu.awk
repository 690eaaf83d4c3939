# offcpu.awk: perf script of sched:sched_switch (-g) -> off-CPU time of the
# tasks named in COMMS (regex), summed by the kernel stack at switch-out
# (the frames below the scheduler's own), and by prev_state.
function flush() {
	if (!inev) return
	inev = 0
	if (prev_match && ts > 0) { out[prev_pid] = ts; sig[prev_pid] = st_sig; state[prev_pid] = pstate }
	if (next_pid in out) {
		d = ts - out[next_pid]
		k = state[next_pid] " " sig[next_pid]
		if (d >= 0 && d < 10) { tot[k] += d; cnt[k]++; all += d }
		delete out[next_pid]
	}
}
/sched:sched_switch:/ {
	flush()
	inev = 1
	ts = $0; sub(/^.*\] +/, "", ts); sub(/:.*/, "", ts); ts += 0
	prev_comm = $0; sub(/.*prev_comm=/, "", prev_comm); sub(/ prev_pid=.*/, "", prev_comm)
	prev_pid = $0; sub(/.*prev_pid=/, "", prev_pid); sub(/ .*/, "", prev_pid)
	pstate = $0; sub(/.*prev_state=/, "", pstate); sub(/ .*/, "", pstate)
	next_pid = $0; sub(/.*next_pid=/, "", next_pid); sub(/ .*/, "", next_pid)
	prev_match = prev_comm ~ COMMS
	st_sig = ""; nfr = 0
	next
}
inev && NF >= 2 && $1 ~ /^[0-9a-f]+$/ {
	f = $2; sub(/\+0x.*/, "", f)
	if (f ~ /^(__schedule|schedule|schedule_timeout|schedule_preempt_disabled|preempt_schedule.*|__cond_resched|io_schedule|schedule_hrtimeout_range.*|do_nanosleep)$/) next
	if (nfr < DEPTH) { st_sig = st_sig (nfr ? ";" : "") f; nfr++ }
	next
}
END {
	flush()
	for (k in tot) printf "%10.3f ms %5d  %s\n", tot[k] * 1000, cnt[k], k
	printf "%10.3f ms total\n", all * 1000
}
