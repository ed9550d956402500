#!/usr/bin/env bash
# GetStatus throughput and latency on the control socket: 1 client, 64 clients, and 1 client
# while hostile ones misbehave (200 idle connections, garbage, a Monitor that never reads).
# Last line: one JSON object.
#   sudo tests/bench/socket.sh          (SECONDS_EACH=5)
source "$(dirname "$0")/lib.sh"
require tests/socket-load
SECONDS_EACH=${SECONDS_EACH:-5}
bench_setup socket
# A node with findings, so the status object has the size it has in real life.
flannel_node "$NS" --down --pods 0 --no-route
ip -n "$NS" link add cilium_vxlan type vxlan external dstport 8472
start_routeguardd ""

load() {
	in_ns "$BUILD/tests/socket-load" "$TMP/sock" "$1" "$SECONDS_EACH" | tail -1
}
one=$(load 1)
echo "1 client:   $one" >&2
# routeguardd's CPU (from the scheduler) over the 64-client run, per request answered.
cpu_ns() { cut -d' ' -f1 "/proc/$DAEMON_PID/schedstat"; }
cpu_before=$(cpu_ns)
many=$(load 64)
many_cpu_ns=$(($(cpu_ns) - cpu_before))
echo "64 clients: $many" >&2

# Hostile clients in the background for the third run.
python3 - "$TMP/sock" >"$TMP/hostile.out" 2>&1 <<'PY' &
import socket, sys, time
path = sys.argv[1]
def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s
idle = [connect() for _ in range(200)]
monitor = connect()
monitor.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
monitor.sendall(b'{"method":"io.routeguard.Monitor","more":true}\0')
garbage = connect()
end = time.time() + 30
while time.time() < end:
    try:
        garbage.sendall(b'{"method": 42}\0' * 50 + b"not json\0" * 50)
        garbage.recv(1 << 20)
    except OSError:
        garbage = connect()
    time.sleep(0.01)
PY
hostile_pid=$!
BENCH_PIDS+=("$hostile_pid")
sleep 1
hostile=$(load 1)
echo "1 client among hostile ones: $hostile" >&2
kill "$hostile_pid" 2>/dev/null || true

field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
printf '{"seconds_each": %d, "one_client_per_second": %s, "one_client_p99_ms": %s, "clients64_per_second": %s, "clients64_p99_ms": %s, "hostile_one_client_per_second": %s, "hostile_p99_ms": %s, "clients64_cpu_us_per_request": %.2f, "netlink_events": %s}\n' \
	"$SECONDS_EACH" "$(field "$one" per_second)" "$(field "$one" p99_ms)" \
	"$(field "$many" per_second)" "$(field "$many" p99_ms)" \
	"$(field "$hostile" per_second)" "$(field "$hostile" p99_ms)" \
	"$(echo "$many_cpu_ns / 1000 / ($(field "$many" per_second) * $SECONDS_EACH)" | bc -l)" \
	"$({ in_ns "$BUILD/routeguardctl" --socket "$TMP/sock" --json status 2>/dev/null || true; } |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["netlink-events"])')"
