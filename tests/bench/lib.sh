# shellcheck shell=bash
# Shared by the benchmarks: the build to measure, a namespace of the bench's own, medians.
set -euo pipefail
BENCH_DIR=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
ROOT=$(realpath "$BENCH_DIR/../..")
source "$ROOT/tests/lib/flannel-node.sh"
BUILD=${BUILD:-$ROOT/build/default}
[[ $(id -u) == 0 ]] || { echo "bench: needs root, for network namespaces" >&2; exit 1; }
# require TOOL...: paths below $BUILD that must exist.
require() {
	for tool in "$@"; do
		[[ -x $BUILD/$tool ]] || { echo "bench: $BUILD/$tool is missing: build first (cmake --build --preset default)" >&2; exit 1; }
	done
}
require routeguardd routeguardctl

NS=""
TMP=""
BENCH_PIDS=()
bench_cleanup() {
	for pid in "${BENCH_PIDS[@]}"; do kill -- "$pid" 2>/dev/null || true; done
	sleep 0.1
	[[ -z $NS ]] || ip netns del "$NS" 2>/dev/null || true
	[[ -z $TMP ]] || rm -rf "$TMP"
}

bench_setup() {
	NS="rg-bench-$1-$$"
	TMP=$(mktemp -d "/tmp/routeguard-bench-$1.XXXXXX")
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip -n "$NS" link add eth0 type veth peer name eth0-peer
	ip -n "$NS" link set eth0 up
	ip -n "$NS" link set eth0-peer up
	ip -n "$NS" addr add 192.168.0.2/16 dev eth0
}

in_ns() {
	ip netns exec "$NS" "$@"
}

# median of the numbers given
median() {
	printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

seconds_of() {
	local start end
	start=$(date +%s.%N)
	"$@" >/dev/null
	end=$(date +%s.%N)
	echo "$end - $start" | bc -l
}

# percentile P FILE: the P-th percentile of the numbers in FILE, one a line.
percentile() {
	sort -g "$2" | awk -v p="$1" '{a[NR] = $1} END {i = int(NR * p / 100 + 0.5); if (i < 1) i = 1; if (i > NR) i = NR; print a[i]}'
}

# start_routeguardd EXTRA_YAML: routeguardd in the namespace with temporary dirs; waits for its socket.
start_routeguardd() {
	mkdir -p "$TMP/k3s" "$TMP/cni" "$TMP/root"
	cat >"$TMP/routeguard.yaml" <<YAML
native-routing-cidr: ${NATIVE_CIDR:-10.42.0.0/16}
metrics: {textfile: ""}
k3s: {config: $TMP/k3s/config.yaml, units: []}
cni: {conf-dirs: [$TMP/cni], quarantine-dir: $TMP/quarantine}
$1
YAML
	# Not through in_ns: $! must be the daemon itself (ip netns exec execs it), not a subshell.
	ip netns exec "$NS" "$BUILD/routeguardd" --config "$TMP/routeguard.yaml" --log-target stderr \
		--socket "$TMP/sock" --state-dir "$TMP/state" --debug-host-root "$TMP/root" \
		--debug-dump "$TMP/model.json" >/dev/null 2>"$TMP/daemon.log" &
	DAEMON_PID=$!
	BENCH_PIDS+=("$DAEMON_PID")
	for _ in $(seq 200); do
		in_ns "$BUILD/routeguardctl" --socket "$TMP/sock" ready >/dev/null 2>&1 && return 0
		[[ $? == 1 ]] && return 0
		sleep 0.05
	done
	echo "bench: routeguardd did not come up" >&2
	cat "$TMP/daemon.log" >&2
	exit 1
}

stop_routeguardd() {
	kill "$DAEMON_PID" 2>/dev/null || true
	wait "$DAEMON_PID" 2>/dev/null || true
}

# On-CPU nanoseconds of process $1, from the scheduler (finer than the 10 ms ticks of /proc/PID/stat).
cpu_ns() { cut -d' ' -f1 "/proc/$1/schedstat"; }
status_json() { in_ns "$BUILD/routeguardctl" --socket "$TMP/sock" --json status 2>/dev/null || true; }
# counter NAME < STATUS_JSON
counter() { python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"][sys.argv[1]])' "$1"; }

# Until routeguardd has read everything: its netlink event count stops moving.
wait_events_settled() {
	local last=-1 now
	for _ in $(seq 200); do
		now=$(status_json | counter netlink-events)
		[[ $now == "$last" ]] && break
		last=$now
		sleep 0.1
	done
}

# start_bare_listener: a bare libmnl listener in the namespace, parsing the same messages as
# routeguardd (the limit it is measured against); BARE_PID is the listener once it listens.
start_bare_listener() {
	# Not through in_ns: $! must be the listener itself, which prints its figures on SIGTERM.
	ip netns exec "$NS" "$BUILD/tests/bare-listener" >"$TMP/bare.out" &
	BARE_PID=$!
	BENCH_PIDS+=("$BARE_PID")
	for _ in $(seq 100); do grep -q listening "$TMP/bare.out" && break; sleep 0.02; done
}

# stop_bare_listener: BARE is then its figures, one JSON object; bare_field NAME reads one.
stop_bare_listener() {
	kill "$BARE_PID"
	wait "$BARE_PID" 2>/dev/null || true
	BARE=$(tail -1 "$TMP/bare.out")
}
bare_field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$BARE" "$1"; }

# model_equals_kernel NATIVE_CIDR: prints true when routeguardd's mirror (dumped on SIGUSR1)
# equals what the kernel holds, false otherwise (the differences go to stderr).
model_equals_kernel() {
	rm -f "$TMP/model.json"
	kill -USR1 "$DAEMON_PID"
	for _ in $(seq 200); do [[ -s $TMP/model.json ]] && break; sleep 0.05; done
	python3 "$ROOT/tests/netns/compare-model.py" "$NS" "$TMP/model.json" "$1" >&2 && echo true || echo false
}
