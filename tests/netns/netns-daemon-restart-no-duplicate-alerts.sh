#!/usr/bin/env bash
# kill -9 in the middle of a route storm, then a restart: the new daemon converges on the kernel,
# does not alert again what was already open, and alerts what changed while it was down.
source "$(dirname "$0")/lib.sh"
: "${RTFLOOD:?set RTFLOOD to the rtflood tool (ctest does)}"
netns_setup restart
PEERS=(192.168.1.3)
host_dirs
l2_nic
forwarding 1
flannel_node "$NS" --nic eth0 --down --pods 0 --no-route

daemon_start
wait_ready
expect_findings "flannel-device cni0" "flannel-device flannel.1"
(($(alerts_in_log "opened flannel-device flannel.1") == 1)) || fail "flannel.1 not alerted once"

step "kill -9 during a storm of 100000 route adds"
ip netns exec "$NS" "$RTFLOOD" add 10.42.128.0/32 100000 eth0 192.168.1.1 >"$TMP/flood.txt" &
flood_pid=$!
BACKGROUND_PIDS+=("$flood_pid")
sleep 0.3
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=""
n link del cni0 # resolved while nobody watched
wait "$flood_pid" || fail "the flood failed: $(cat "$TMP/flood.txt")"

step "restart on the same state directory (the dead daemon's socket is still there)"
[[ -S $TMP/routeguard.sock ]] || fail "the killed daemon left no socket to take over"
mv "$TMP/daemon.log" "$TMP/daemon-before.log"
: >"$TMP/notify.log"
daemon_start
wait_ready 30
expect_model_matches "after the restart, the mirror equals the kernel" 60
expect_findings "flannel-device flannel.1"
(($(alerts_in_log "opened") == 0)) || fail "the restart alerted again: $(grep 'alert: opened' "$TMP/daemon.log")"
(($(alerts_in_log "resolved flannel-device cni0") == 1)) || fail "what resolved while down was not alerted"
grep -q "Loaded 2 open finding" "$TMP/daemon.log" || fail "the state was not loaded"
echo "PASS"
