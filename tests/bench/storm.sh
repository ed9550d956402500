#!/usr/bin/env bash
# A route storm inside the native CIDR: ADDS (default 400000) route adds, then DELS (200000)
# deletes, at full speed, with routeguardd running. Reports its overruns and resyncs, the CPU
# seconds it spent, its peak RSS, how long it took to equal the kernel again, and whether it does.
# Last line: one JSON object.
#   sudo tests/bench/storm.sh
source "$(dirname "$0")/lib.sh"
require tests/rtflood
ADDS=${ADDS:-400000}
DELS=${DELS:-200000}
bench_setup storm
NATIVE_CIDR=10.0.0.0/8
start_routeguardd ""

cpu_seconds() {
	awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$DAEMON_PID/stat"
}

# until_equal: whether the mirror equals the kernel (compare-model.py) within 180 s; the seconds
# it printed include the dump and the comparison of 200k routes, so they are not reported.
until_equal() {
	local start=$SECONDS
	while ((SECONDS - start < 180)); do
		rm -f "$TMP/model.json"
		kill -USR1 "$DAEMON_PID"
		for _ in $(seq 400); do [[ -s $TMP/model.json ]] && break; sleep 0.05; done
		if python3 "$ROOT/tests/netns/compare-model.py" "$NS" "$TMP/model.json" "$NATIVE_CIDR" >"$TMP/diff.txt"; then
			echo $((SECONDS - start))
			return 0
		fi
		sleep 0.5
	done
	echo -1
}

kept_now() {
	# status exits 1 when the node is not ready: that is no failure here
	{ in_ns "$BUILD/routeguardctl" --socket "$TMP/sock" --json status 2>/dev/null || true; } |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["netstate"]["routes-kept"])'
}
base_kept=$(kept_now)
events_now() {
	{ in_ns "$BUILD/routeguardctl" --socket "$TMP/sock" --json status 2>/dev/null || true; } |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["netlink-events"])'
}
events_before=$(events_now)
cpu_before=$(cpu_seconds)
start=$(date +%s.%N)
in_ns "$BUILD/tests/rtflood" add 10.64.0.0/32 "$ADDS" eth0 192.168.0.1 >&2
add_s=$(echo "$(date +%s.%N) - $start" | bc -l)
start=$(date +%s.%N)
in_ns "$BUILD/tests/rtflood" del 10.64.0.0/32 "$DELS" eth0 192.168.0.1 >&2
del_s=$(echo "$(date +%s.%N) - $start" | bc -l)
# How long after the last request routeguardd's count is right: its own catching up.
start=$(date +%s.%N)
want=$((base_kept + ADDS - DELS))
for _ in $(seq 3000); do
	[[ $(kept_now) == "$want" ]] && break
	sleep 0.02
done
caught_up_s=$(echo "$(date +%s.%N) - $start" | bc -l)
# Peak RSS of the storm itself, before the debug dumps below (JSON of 200k routes) inflate it.
rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$DAEMON_PID/status")
cpu=$(echo "$(cpu_seconds) - $cpu_before" | bc -l)
events=$(($(events_now) - events_before))
converged_s=$(until_equal)
status=$(in_ns "$BUILD/routeguardctl" --socket "$TMP/sock" --json status || true)
counter() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["counters"][sys.argv[2]])' "$status" "$1"; }
kept() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["netstate"]["routes-kept"])' "$status"; }
equal=$([[ $converged_s != -1 ]] && echo true || echo false)
[[ $equal == true ]] || { echo "bench: the mirror did not converge:" >&2; head "$TMP/diff.txt" >&2; }
printf '{"adds": %d, "dels": %d, "add_s": %.2f, "del_s": %.2f, "caught_up_s": %.2f, "overruns": %d, "resyncs": %d, "evaluations": %d, "cpu_s": %.2f, "rss_kib": %d, "routes_kept": %d, "model_equals_kernel": %s, "netlink_events": %d, "cpu_us_per_event": %.2f}\n' \
	"$ADDS" "$DELS" "$add_s" "$del_s" "$caught_up_s" "$(counter overruns)" "$(counter resyncs)" \
	"$(counter evaluations)" "$cpu" "$rss" "$(kept)" "$equal" "$events" \
	"$(echo "$cpu * 1000000 / $events" | bc -l)"
