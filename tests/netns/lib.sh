# shellcheck shell=bash
# Shared by the tests in tests/netns/: a network namespace of the test's own, routeguardd in it, and
# a comparison of its mirror with the kernel. Everything is deleted on exit, failure or not.
set -euo pipefail

NETNS_DIR=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
: "${ROUTEGUARDD:?set ROUTEGUARDD to the routeguardd binary (ctest does)}"
[[ $(id -u) == 0 ]] || { echo "FAIL: this test needs root, for network namespaces" >&2; exit 1; }
command -v python3 >/dev/null || { echo "FAIL: python3 is missing (tests/run.sh installs it)" >&2; exit 1; }

NS=""
TMP=""
DAEMON_PID=""
NATIVE_CIDR=10.42.0.0/16
PEERS=()

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

step() {
	echo "--- $*"
}

cleanup() {
	local rc=$?
	if [[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill "$DAEMON_PID" 2>/dev/null || true
		wait "$DAEMON_PID" 2>/dev/null || true
	fi
	if [[ $rc != 0 && -n $TMP && -f $TMP/daemon.log ]]; then
		echo "--- last lines of routeguardd's log:" >&2
		tail -n 30 "$TMP/daemon.log" >&2
	fi
	[[ -n $NS ]] && ip netns del "$NS" 2>/dev/null || true
	[[ -n $TMP ]] && rm -rf "$TMP"
	exit "$rc"
}

# netns_setup NAME: a fresh namespace with lo up, and a temporary directory.
netns_setup() {
	NS="rg-$1-$$"
	TMP=$(mktemp -d "/tmp/routeguard-$1.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	ip netns add "$NS"
	n link set lo up
}

n() {
	ip -n "$NS" "$@"
}

# write_config [EXTRA_YAML]: routeguard.yaml with the native CIDR and peers of this test.
write_config() {
	{
		echo "native-routing-cidr: $NATIVE_CIDR"
		if ((${#PEERS[@]})); then
			echo "peers: [$(IFS=,; echo "${PEERS[*]}")]"
		fi
		echo "metrics: {textfile: \"\"}"
		echo "${1:-}"
	} >"$TMP/routeguard.yaml"
}

# daemon_start [ARGS...]: routeguardd inside the namespace, logging to $TMP/daemon.log.
daemon_start() {
	[[ -f $TMP/routeguard.yaml ]] || write_config
	ip netns exec "$NS" "$ROUTEGUARDD" --config "$TMP/routeguard.yaml" --log-target stderr \
		--socket "$TMP/routeguard.sock" --state-dir "$TMP/state" \
		--debug-dump "$TMP/model.json" "$@" 2>>"$TMP/daemon.log" &
	DAEMON_PID=$!
	# SIGUSR1 kills a process that has not set up its handler yet: wait until it blocks it.
	local blocked
	for _ in $(seq 100); do
		blocked=$(awk '/^SigBlk:/ {print $2}' "/proc/$DAEMON_PID/status" 2>/dev/null || true)
		[[ -n $blocked ]] && (((16#$blocked >> 9) & 1)) && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "routeguardd exited at start"
		sleep 0.05
	done
	fail "routeguardd did not set up its signal handlers within 5 s"
}

# model_dump: asks the daemon (SIGUSR1) to write its mirror to $TMP/model.json.
model_dump() {
	rm -f "$TMP/model.json"
	kill -USR1 "$DAEMON_PID" 2>/dev/null || fail "routeguardd is not running"
	for _ in $(seq 100); do
		[[ -s $TMP/model.json ]] && return 0
		sleep 0.05
	done
	fail "routeguardd wrote no model within 5 s"
}

model_field() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))'"$1"')' "$TMP/model.json"
}

wait_synced() {
	for _ in $(seq 100); do
		model_dump
		[[ $(model_field '["synced"]') == True ]] && return 0
		sleep 0.1
	done
	fail "routeguardd did not finish its first dump within 10 s"
}

# expect_model_matches LABEL [SECONDS]: the mirror must equal the kernel within SECONDS (default 10).
expect_model_matches() {
	local label=$1 deadline=$((SECONDS + ${2:-10})) diff=""
	while ((SECONDS <= deadline)); do
		model_dump
		if diff=$(python3 "$NETNS_DIR/compare-model.py" "$NS" "$TMP/model.json" "$NATIVE_CIDR" "${PEERS[@]}"); then
			echo "ok: $label"
			return 0
		fi
		sleep 0.1
	done
	echo "$diff" >&2
	fail "$label: the mirror differs from the kernel"
}
