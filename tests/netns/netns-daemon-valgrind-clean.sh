#!/usr/bin/env bash
# routeguardd under valgrind: a dump, events, a SIGUSR1 model dump, a reload, SIGTERM, and Cilium's
# three sources (the agent's API through libcurl, a reply cut off, the configuration directory, a
# log). No invalid access, no leak, exit 0. (Registered only in builds without sanitizers, which valgrind cannot run.)
source "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || fail "valgrind is missing (tests/run.sh installs it)"
netns_setup valgrind

n link add eth0 type veth peer name eth0-peer
n link set eth0 up
n addr add 10.0.0.2/24 dev eth0
flannel_node "$NS" --nic eth0 --no-bridge
mkdir -p "$TMP/cilium"
echo native >"$TMP/cilium/mode"
python3 "$NETNS_DIR/cilium-agent-server.py" "$TMP/cilium/cilium.sock" "$TMP/cilium/mode" "$CILIUM_DATA" &
BACKGROUND_PIDS+=($!)
wait_until 5 "the stand-in agent listens" test -S "$TMP/cilium/cilium.sock"
cilium_config tunnel=disabled auto-direct-node-routes=true
cilium_log cilium-agent 5 log-incident.log

DAEMON_WRAPPER="valgrind --quiet --error-exitcode=99 --leak-check=full
	--show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible
	--log-file=$TMP/valgrind.log"
daemon_start
wait_synced 60
n link del flannel.1
n route add 10.42.2.0/24 via 10.0.0.3
n link set eth0 down
expect_model_matches "under valgrind" 30
wait_until 30 "the agent was asked" grep -q "native /v1/config" "$TMP/cilium/cilium.sock.log"
echo cut >"$TMP/cilium/mode"
kill -HUP "$DAEMON_PID"
wait_until 30 "the agent was asked again" grep -q "cut /v1/healthz" "$TMP/cilium/cilium.sock.log"
cilium_config routing-mode=native
sleep 0.5
expect_model_matches "after a reload" 30
status=0
kill "$DAEMON_PID"
wait "$DAEMON_PID" || status=$?
DAEMON_PID=""
if ((status != 0)); then
	cat "$TMP/valgrind.log" >&2
	fail "routeguardd under valgrind exited with $status"
fi
[[ ! -s $TMP/valgrind.log ]] || { cat "$TMP/valgrind.log" >&2; fail "valgrind reported problems"; }
echo "PASS"
