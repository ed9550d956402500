#!/usr/bin/env bash
# Reaction: a new flannel.1 until its RTM_DELLINK, ROUNDS (default 400) rounds, 60 ms apart,
# timed from the RTM_NEWLINK notification (when a reactor can first know; the *_ms figures) and
# from the create request (*_from_request_ms, which adds the kernel's creation work),
# for routeguardd (enforce mode), a bare libmnl reactor (the limit: sees the event, sends the
# delete, nothing else) and a shell reconciler (ip monitor link piped into ip link del).
# routeguardd and the bare reactor take turns in BLOCKS (default 8) blocks of ROUNDS/BLOCKS rounds,
# so that a machine whose load changes during the run weighs on both alike.
# Last line: one JSON object.
#   sudo tests/bench/reaction.sh
source "$(dirname "$0")/lib.sh"
require tests/reaction-probe tests/bare-reactor
ROUNDS=${ROUNDS:-400}
BLOCKS=${BLOCKS:-8}
bench_setup reaction
# A native device (through the default route): without one, enforce mode holds every delete.
ip -n "$NS" route add default via 192.168.0.1

# probe NAME [ROUNDS]: appends one block's times to $TMP/NAME.ms and $TMP/NAME.request.ms
probe() {
	in_ns "$BUILD/tests/reaction-probe" "${2:-$ROUNDS}" 60 5000 >"$TMP/$1.both"
	cut -d' ' -f1 "$TMP/$1.both" >>"$TMP/$1.ms"
	cut -d' ' -f2 "$TMP/$1.both" >>"$TMP/$1.request.ms"
}
report() {
	echo "$1: from the event p50 $(percentile 50 "$TMP/$1.ms") ms, p99 $(percentile 99 "$TMP/$1.ms") ms; from the request p50 $(percentile 50 "$TMP/$1.request.ms") ms" >&2
}

# CPU from the scheduler (cpu_ns, lib.sh), and routeguardd's own count of netlink events.
events() { { in_ns "$BUILD/routeguardctl" --socket "$TMP/sock" --json status 2>/dev/null || true; } |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["netlink-events"])'; }
block_rounds=$(((ROUNDS + BLOCKS - 1) / BLOCKS))
rg_cpu_ns=0 rg_events=0 bare_cpu_ns=0
for _ in $(seq "$BLOCKS"); do
	# A recreate limit that the rounds cannot reach: this measures reaction, not the backoff.
	start_routeguardd "mode: enforce
enforce: {recreate-limit: {count: 1000000, window: 1s}}"
	events_before=$(events)
	cpu_before=$(cpu_ns "$DAEMON_PID")
	probe routeguardd "$block_rounds"
	rg_cpu_ns=$((rg_cpu_ns + $(cpu_ns "$DAEMON_PID") - cpu_before))
	rg_events=$((rg_events + $(events) - events_before))
	stop_routeguardd

	ip netns exec "$NS" "$BUILD/tests/bare-reactor" >"$TMP/bare.out" 2>&1 &
	bare_pid=$!
	BENCH_PIDS+=("$bare_pid")
	for _ in $(seq 100); do grep -q listening "$TMP/bare.out" && break; sleep 0.02; done
	bare_cpu_before=$(cpu_ns "$bare_pid")
	probe bare "$block_rounds"
	bare_cpu_ns=$((bare_cpu_ns + $(cpu_ns "$bare_pid") - bare_cpu_before))
	kill "$bare_pid"
	wait "$bare_pid" 2>/dev/null || true
	rm -f "$TMP/bare.out"
done
ROUNDS=$((block_rounds * BLOCKS))
report routeguardd
report bare

# The shell reconciler in its own process group, so the whole pipeline can be stopped.
setsid bash -c "ip netns exec '$NS' ip monitor link | while read -r line; do
	case \$line in Deleted*) ;; *flannel.1*) ip netns exec '$NS' ip link del flannel.1 2>/dev/null ;; esac
done" >/dev/null 2>&1 &
shell_pid=$!
BENCH_PIDS+=("-$shell_pid")
sleep 0.5
# The shell is an order of magnitude slower: a quarter of the rounds tells enough.
probe shell $((ROUNDS / 4))
report shell
kill -- "-$shell_pid" 2>/dev/null || true
wait "$shell_pid" 2>/dev/null || true

rg50=$(percentile 50 "$TMP/routeguardd.ms")
bare50=$(percentile 50 "$TMP/bare.ms")
shell50=$(percentile 50 "$TMP/shell.ms")
printf '{"rounds": %d, "routeguardd_p50_ms": %.3f, "routeguardd_p99_ms": %.3f, "bare_p50_ms": %.3f, "bare_p99_ms": %.3f, "shell_p50_ms": %.3f, "shell_p99_ms": %.3f, "ratio_vs_bare": %.2f, "shell_over_routeguardd": %.1f, "routeguardd_from_request_p50_ms": %.3f, "bare_from_request_p50_ms": %.3f, "shell_from_request_p50_ms": %.3f, "routeguardd_netlink_events": %d, "routeguardd_cpu_us_per_event": %.1f, "routeguardd_cpu_us_per_round": %.1f, "bare_cpu_us_per_round": %.1f, "p99_ratio_vs_bare": %.2f}\n' \
	"$(wc -l <"$TMP/routeguardd.ms")" "$rg50" "$(percentile 99 "$TMP/routeguardd.ms")" \
	"$bare50" "$(percentile 99 "$TMP/bare.ms")" "$shell50" "$(percentile 99 "$TMP/shell.ms")" \
	"$(echo "$rg50 / $bare50" | bc -l)" "$(echo "$shell50 / $rg50" | bc -l)" \
	"$(percentile 50 "$TMP/routeguardd.request.ms")" "$(percentile 50 "$TMP/bare.request.ms")" \
	"$(percentile 50 "$TMP/shell.request.ms")" "$rg_events" "$(echo "$rg_cpu_ns / 1000 / $rg_events" | bc -l)" \
	"$(echo "$rg_cpu_ns / 1000 / $ROUNDS" | bc -l)" "$(echo "$bare_cpu_ns / 1000 / $ROUNDS" | bc -l)" \
	"$(echo "$(percentile 99 "$TMP/routeguardd.ms") / $(percentile 99 "$TMP/bare.ms")" | bc -l)"
