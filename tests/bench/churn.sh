#!/usr/bin/env bash
# Pod churn on a node of a big cluster: PEERS (default 5000) routes to other nodes' pod CIDRs, each
# via its own on-link gateway, all inside the native CIDR; then PODS (300) pods (an lxc veth and
# its /32 route, as Cilium's endpoint routes make them) created and deleted, ROUNDS (3) times.
# Measured in the same run: routeguardd's CPU and that of a bare libmnl listener parsing the same
# messages (the limit), both from /proc/PID/schedstat, per netlink event too. Afterwards the
# verdict must equal a fresh one-shot evaluation (routeguardctl preflight on a new dump) and the
# mirror the kernel. Last line: one JSON object.
#   sudo tests/bench/churn.sh
source "$(dirname "$0")/lib.sh"
require tests/bare-listener
PEERS=${PEERS:-5000}
PODS=${PODS:-300}
ROUNDS=${ROUNDS:-3}
bench_setup churn
NATIVE_CIDR=10.0.0.0/8

# Other nodes: pod CIDR 10.(64+N/256).(N%256).0/24 via 192.168.(1+N/250).(1+N%250), on-link on
# eth0 through 192.168.0.0/16.
for ((i = 0; i < PEERS; i++)); do
	echo "route add 10.$((64 + i / 256)).$((i % 256)).0/24 via 192.168.$((1 + i / 250)).$((1 + i % 250)) dev eth0"
done >"$TMP/peers.batch"
ip -n "$NS" -batch "$TMP/peers.batch"
for ((i = 1; i <= PODS; i++)); do
	echo "link add lxc$i type veth peer name pod$i"
	echo "link set lxc$i up"
	echo "link set pod$i up"
	echo "route add 10.42.$((i / 256)).$((i % 256))/32 dev lxc$i"
done >"$TMP/pods-up.batch"
for ((i = 1; i <= PODS; i++)); do echo "link del lxc$i"; done >"$TMP/pods-down.batch"

start_routeguardd ""
start_bare_listener

events_before=$(status_json | counter netlink-events)
evaluations_before=$(status_json | counter evaluations)
cpu_before=$(cpu_ns "$DAEMON_PID")
start=$(date +%s.%N)
for ((round = 1; round <= ROUNDS; round++)); do
	ip -n "$NS" -batch "$TMP/pods-up.batch"
	ip -n "$NS" -batch "$TMP/pods-down.batch"
done
churn_s=$(echo "$(date +%s.%N) - $start" | bc -l)
wait_events_settled
cpu=$(echo "($(cpu_ns "$DAEMON_PID") - $cpu_before) / 1000000000" | bc -l)
stop_bare_listener
bare_cpu=$(bare_field cpu_s)
bare_messages=$(bare_field messages)
status=$(status_json)
events=$(($(counter netlink-events <<<"$status") - events_before))
evaluations=$(($(counter evaluations <<<"$status") - evaluations_before))
overruns=$(counter overruns <<<"$status")

# The verdict routeguardd reached through the churn, against a fresh evaluation of the same node.
findings() { python3 -c 'import json,sys; print(sorted((f["check"], f["subject"]) for f in json.load(sys.stdin)["findings"]))'; }
daemon_findings=$(findings <<<"$status")
preflight_findings=$({ in_ns "$BUILD/routeguardctl" preflight --config "$TMP/routeguard.yaml" --json \
	--debug-host-root "$TMP/root" 2>/dev/null || true; } | findings)
verdict_exact=$([[ $daemon_findings == "$preflight_findings" ]] && echo true || echo false)
[[ $verdict_exact == true ]] || echo "bench: routeguardd $daemon_findings, preflight $preflight_findings" >&2
model_equal=$(model_equals_kernel "$NATIVE_CIDR")

printf '{"peers": %d, "pods": %d, "rounds": %d, "churn_s": %.2f, "netlink_events": %d, "evaluations": %d, "overruns": %d, "routeguardd_cpu_s": %.3f, "routeguardd_us_per_event": %.1f, "bare_messages": %d, "bare_cpu_s": %.3f, "bare_us_per_event": %.1f, "ratio_vs_bare": %.2f, "verdict_exact": %s, "model_equals_kernel": %s}\n' \
	"$PEERS" "$PODS" "$ROUNDS" "$churn_s" "$events" "$evaluations" "$overruns" "$cpu" \
	"$(echo "$cpu * 1000000 / $events" | bc -l)" "$bare_messages" "$bare_cpu" \
	"$(echo "$bare_cpu * 1000000 / $bare_messages" | bc -l)" "$(echo "$cpu / $bare_cpu" | bc -l)" \
	"$verdict_exact" "$model_equal"
