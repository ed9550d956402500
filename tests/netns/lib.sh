# shellcheck shell=bash
# Shared by the tests in tests/netns/: a network namespace of the test's own, routeguardd in it, and
# a comparison of its mirror with the kernel. Everything is deleted on exit, failure or not.
set -euo pipefail

NETNS_DIR=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
ROOT_DIR=$(realpath "$NETNS_DIR/../..")
source "$ROOT_DIR/tests/lib/flannel-node.sh"
: "${ROUTEGUARDD:?set ROUTEGUARDD to the routeguardd binary (ctest does)}"
[[ $(id -u) == 0 ]] || { echo "FAIL: this test needs root, for network namespaces" >&2; exit 1; }
command -v python3 >/dev/null || { echo "FAIL: python3 is missing (tests/run.sh installs it)" >&2; exit 1; }

NS=""
TMP=""
DAEMON_PID=""
LISTENER_PID=""
BACKGROUND_PIDS=() # helpers a test started; killed on exit
NATIVE_CIDR=10.42.0.0/16
PEERS=()

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

step() {
	echo "--- $*"
}

# daemon_stop: SIGTERM; returns routeguardd's exit code, which must be 0 (ASan reports leaks
# through it).
daemon_stop() {
	[[ -n $DAEMON_PID ]] || return 0
	local status=0
	kill "$DAEMON_PID" 2>/dev/null || true
	wait "$DAEMON_PID" || status=$?
	DAEMON_PID=""
	return "$status"
}

cleanup() {
	local rc=$? status=0
	# Stuck FUSE mounts fail first: no thread of routeguardd (nor LeakSanitizer's exit check) waits
	# on one, and their servers, in routeguardd's mount namespace, hold a mount of the netns.
	fuse_release
	if [[ -n $DAEMON_PID ]]; then
		daemon_stop || status=$?
		if ((rc == 0 && status != 0)); then
			echo "FAIL: routeguardd exited with status $status after SIGTERM" >&2
			rc=1
		fi
	fi
	if [[ $rc != 0 && -n $TMP && -f $TMP/daemon.log ]]; then
		echo "--- last lines of routeguardd's log:" >&2
		tail -n 30 "$TMP/daemon.log" >&2
	fi
	# errexit is still on here: nothing in the cleanup may fail it half-way.
	[[ -z $LISTENER_PID ]] || kill "$LISTENER_PID" 2>/dev/null || true
	for pid in "${BACKGROUND_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	[[ -n $NS ]] && ip netns del "$NS" 2>/dev/null || true
	[[ -z $TMP ]] || rm -rf "$TMP"
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
		# Cilium's node-local sources inside the test's directory, never the host's
		echo "cilium: {socket: $TMP/cilium/cilium.sock, kubelet-pods-dir: $TMP/kubelet/pods, pod-logs-dir: $TMP/log/pods, poll-interval: ${CILIUM_POLL:-30s}}"
		echo "${1:-}"
	} >"$TMP/routeguard.yaml"
}

# notify_listen: a stand-in for systemd's notification socket; messages land in $TMP/notify.log.
notify_listen() {
	python3 "$NETNS_DIR/notify-listener.py" "$TMP/notify.sock" "$TMP/notify.log" &
	LISTENER_PID=$!
	for _ in $(seq 100); do
		grep -qs LISTENING "$TMP/notify.log" && return 0
		sleep 0.05
	done
	fail "the notification listener did not start"
}

# daemon_start [ARGS...]: routeguardd inside the namespace, logging to $TMP/daemon.log. With
# DAEMON_WRAPPER set (e.g. valgrind …), runs under it.
daemon_start() {
	[[ -f $TMP/routeguard.yaml ]] || write_config
	mkdir -p "$TMP/root"
	[[ -n $LISTENER_PID ]] || notify_listen
	NOTIFY_SOCKET=$TMP/notify.sock ip netns exec "$NS" ${DAEMON_WRAPPER:-} "$ROUTEGUARDD" \
		--config "$TMP/routeguard.yaml" --log-target stderr \
		--socket "$TMP/routeguard.sock" --state-dir "$TMP/state" \
		--debug-dump "$TMP/model.json" --debug-host-root "$TMP/root" "$@" 2>>"$TMP/daemon.log" &
	DAEMON_PID=$!
}

# daemon_start_with_fault FAULT [ARGS...]: daemon_start with tests/tools/ack-fault.c preloaded,
# injecting FAULT (ebusy-delete, enobufs-delete, timeout-getlink) into its rtnetlink answers.
daemon_start_with_fault() {
	: "${ACK_FAULT_LIB:?set ACK_FAULT_LIB to the ack-fault library (ctest does)}"
	local fault=$1
	shift
	# An ASan build wants its runtime first; the shim only wraps libc's sendmsg/recvmsg.
	ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0" \
		DAEMON_WRAPPER="env LD_PRELOAD=$ACK_FAULT_LIB ACK_FAULT=$fault" daemon_start "$@"
}

# wait_ready [SECONDS]: until routeguardd sends READY=1 (after its first complete dump).
wait_ready() {
	local deadline=$((SECONDS + ${1:-10}))
	while ((SECONDS <= deadline)); do
		grep -qx "READY=1" "$TMP/notify.log" && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "routeguardd exited before READY=1"
		sleep 0.05
	done
	fail "routeguardd sent no READY=1 within ${1:-10} s"
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
	wait_ready "$@"
	model_dump
	[[ $(model_field '["synced"]') == True ]] || fail "READY=1 came before the first complete dump"
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

# ---- preflight scenarios ----

# host_dirs: temporary K3s, CNI and host-root directories, and a routeguard.yaml pointing at them.
# EXTRA_YAML is appended to the configuration.
host_dirs() {
	mkdir -p "$TMP/k3s/config.yaml.d" "$TMP/units" "$TMP/cni/net.d" "$TMP/cni/agent-net.d" "$TMP/root"
	write_config "k3s: {config: $TMP/k3s/config.yaml, units: [$TMP/units/k3s.service, $TMP/units/k3s-agent.service]}
cni: {conf-dirs: [$TMP/cni/net.d, $TMP/cni/agent-net.d], quarantine-dir: $TMP/quarantine}
${EXTRA_YAML:-}"
}

# k3s_server_unit FLAGS...: a k3s.service as the installer writes it.
k3s_server_unit() {
	{
		echo "[Service]"
		echo "Type=notify"
		printf 'ExecStart=/usr/local/bin/k3s \\\n    server \\\n'
		for flag in "$@"; do printf "\t'%s' \\\\\n" "$flag"; done
		echo
	} >"$TMP/units/k3s.service"
}

cilium_conflist() {
	echo '{"cniVersion":"0.3.1","name":"cilium","plugins":[{"type":"cilium-cni"}]}' >"$1/05-cilium.conflist"
}

flannel_conflist() {
	echo '{"name":"cbr0","cniVersion":"1.0.0","plugins":[{"type":"flannel","delegate":{"hairpinMode":true,"isDefaultGateway":true}},{"type":"portmap","capabilities":{"portMappings":true}}]}' >"$1/10-flannel.conflist"
}

# l2_nic: eth0 on 192.168.1.0/24 with a default route; peers on the same segment.
l2_nic() {
	n link add eth0 type veth peer name eth0-peer
	n link set eth0 up
	n link set eth0-peer up
	n addr add 192.168.1.2/24 dev eth0
	n route add default via 192.168.1.1
}

# incident_devices: the incident node's devices on top of l2_nic: Flannel's flannel.1 with its
# route and cni0 with a pod's veth, and Cilium's cilium_vxlan (tunnel mode).
incident_devices() {
	flannel_node "$NS" --nic eth0
	n link add cilium_vxlan type vxlan external dstport 8472
}

# ---- Cilium as the kubelet leaves it on the node ----

CILIUM_UID=3f1c9a2e-7b4d-4c1e-9a55-0d2b6f8e1a10
CILIUM_DATA=$ROOT_DIR/tests/unit/data/cilium

cilium_config_dir() {
	echo "$TMP/kubelet/pods/$CILIUM_UID/volumes/kubernetes.io~empty-dir/tmp/cilium/config-map"
}

# cilium_config KEY=VALUE...: the agent's configuration as its config init container writes it
# (Cilium 1.13+): files in ..data_<unix>, ..data.tmp renamed over ..data, key -> ..data/key. Run
# again, it swaps ..data atomically as a restarted init container does and leaves the old dir.
cilium_config() {
	local dir data kv
	dir=$(cilium_config_dir)
	data="..data_$(date +%s%N)"
	mkdir -p "$dir/$data" "$TMP/kubelet/pods/$CILIUM_UID/containers/cilium-agent"
	for kv in "$@"; do
		printf '%s' "${kv#*=}" >"$dir/$data/${kv%%=*}"
		[[ -L $dir/${kv%%=*} ]] || ln -s "..data/${kv%%=*}" "$dir/${kv%%=*}"
	done
	ln -s "$data" "$dir/..data.tmp"
	mv -T "$dir/..data.tmp" "$dir/..data"
}

# cilium_log CONTAINER N FIXTURE: the pod's container log N.log, from tests/unit/data/cilium.
cilium_log() {
	local dir="$TMP/log/pods/kube-system_cilium-7xk2p_$CILIUM_UID/$1"
	mkdir -p "$dir"
	cp "$CILIUM_DATA/$3" "$dir/$2.log"
}

forwarding() {
	ip netns exec "$NS" sysctl -qw "net.ipv4.ip_forward=$1"
}

# expect_preflight EXIT "check subject"...: routeguardctl preflight --json in the namespace must
# exit with EXIT and report exactly these findings.
expect_preflight() {
	local want_exit=$1 status=0
	shift
	: "${ROUTEGUARDCTL:?set ROUTEGUARDCTL to the routeguardctl binary (ctest does)}"
	ip netns exec "$NS" "$ROUTEGUARDCTL" preflight --config "$TMP/routeguard.yaml" --json \
		--debug-host-root "$TMP/root" >"$TMP/preflight.json" 2>"$TMP/preflight.err" || status=$?
	[[ -s $TMP/preflight.err ]] && cat "$TMP/preflight.err" >&2
	local found expected
	found=$(python3 -c 'import json,sys; [print(f["check"], f["subject"]) for f in json.load(open(sys.argv[1]))["findings"]]' "$TMP/preflight.json" | sort)
	expected=$(if (($#)); then printf '%s\n' "$@"; fi | sort)
	if [[ $found != "$expected" ]]; then
		echo "found:" >&2
		echo "$found" | sed 's/^/  /' >&2
		echo "expected:" >&2
		echo "$expected" | sed 's/^/  /' >&2
		fail "preflight reported other findings than expected"
	fi
	((status == want_exit)) || fail "preflight exited $status, expected $want_exit"
	echo "ok: preflight reports exactly $# finding(s), exit $status"
}

# helm_value KEY: a value from the last preflight's helm-values, as Python prints it.
helm_value() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["helm-values"]'"$1"')' "$TMP/preflight.json"
}

# ---- the daemon at work ----

ctl() {
	ip netns exec "$NS" "$ROUTEGUARDCTL" --socket "$TMP/routeguard.sock" "$@"
}

# wait_until SECONDS DESCRIPTION COMMAND...: until COMMAND succeeds.
wait_until() {
	local deadline=$((SECONDS + $1)) what=$2
	shift 2
	while ((SECONDS <= deadline)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	fail "not within the time: $what"
}

link_absent() {
	! n link show "$1" >/dev/null 2>&1
}

status_json() {
	ctl --json status >"$TMP/status.json" || true
}

# status_has 'python expression over s': true when it holds for the status object s.
status_has() {
	status_json
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if ('"$1"') else 1)' "$TMP/status.json"
}

findings_are() {
	status_json
	local found expected
	found=$(python3 -c 'import json,sys; [print(f["check"], f["subject"]) for f in json.load(open(sys.argv[1]))["findings"]]' "$TMP/status.json" | sort)
	expected=$(if (($#)); then printf '%s\n' "$@"; fi | sort)
	[[ $found == "$expected" ]]
}

expect_findings() {
	local deadline=$((SECONDS + 10))
	while ((SECONDS <= deadline)); do
		findings_are "$@" && { echo "ok: findings are exactly: $*"; return 0; }
		sleep 0.1
	done
	echo "found:" >&2
	python3 -c 'import json,sys; [print(" ", f["check"], f["subject"], f["action"]) for f in json.load(open(sys.argv[1]))["findings"]]' "$TMP/status.json" >&2
	fail "findings differ from: $*"
}

# fuse_stuck DIR: a FUSE mount on DIR, in routeguardd's mount namespace, that never answers (a
# hung network or FUSE filesystem): every access below DIR waits in the kernel until
# fuse_release [DIR...] (no DIR: every such mount) makes it fail with ENOTCONN.
declare -A FUSE_PIDS=() # DIR -> the server of its stuck mount
fuse_stuck() {
	[[ -c /dev/fuse ]] || fail "/dev/fuse is missing: the test needs the kernel's FUSE"
	command -v nsenter >/dev/null || fail "nsenter is missing (util-linux)"
	rm -f "$TMP/fuse.ready"
	nsenter -t "$DAEMON_PID" -m python3 "$NETNS_DIR/fuse-stuck.py" "$1" "$TMP/fuse.ready" &
	FUSE_PIDS[$1]=$!
	BACKGROUND_PIDS+=($!)
	wait_until 5 "the stuck FUSE mount on $1" test -s "$TMP/fuse.ready"
}

fuse_release() {
	local dir dirs=("$@")
	((${#dirs[@]})) || dirs=("${!FUSE_PIDS[@]}")
	for dir in "${dirs[@]}"; do
		kill "${FUSE_PIDS[$dir]}" 2>/dev/null || true
		wait "${FUSE_PIDS[$dir]}" 2>/dev/null || true
		unset "FUSE_PIDS[$dir]"
	done
}

# evaluations: how many evaluations the daemon has finished.
evaluations() {
	status_json
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["counters"]["evaluations"])' "$TMP/status.json"
}

evaluated_past() {
	(($(evaluations) > $1))
}

# evaluate_again DIR: a file no check reads comes and goes in DIR, a directory the daemon watches,
# and the wait until it has finished an evaluation that began after this call (numbered past the
# count read first: the loop answers status only between evaluations). Whatever a later
# evaluation would do again (an alert, a retried action) is then done: count after this, never
# after a sleep.
evaluate_again() {
	local before probe="$1/routeguard-test-probe.$$.txt"
	before=$(evaluations)
	: >"$probe"
	rm -f "$probe"
	wait_until 10 "an evaluation after a change in $1" evaluated_past "$before"
}

alerts_in_log() {
	grep -c "alert: $1" "$TMP/daemon.log" || true
}
