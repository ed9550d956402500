#!/usr/bin/env bash
# routeguardd asks the Cilium agent's API from its event loop. A stand-in agent on a Unix socket
# answers native, tunnel, 1.15-shaped, slow, garbage, cut-off and 500 replies: the daemon keeps
# running, never blocks (GetStatus answers while a reply is 5 s late), reports the API as
# unreachable, and follows the triggers: the socket appearing, a cilium_* link appearing, Reconcile.
source "$(dirname "$0")/lib.sh"
netns_setup cilium-api
PEERS=(192.168.1.3)
# no polling during the test: every query below comes from a trigger
CILIUM_POLL=1h host_dirs
l2_nic
forwarding 1
k3s_server_unit --flannel-backend=none --disable-network-policy --disable-kube-proxy
mkdir -p "$TMP/cilium"
echo native >"$TMP/cilium/mode"

cilium_status() {
	status_has "s['cilium'] == {'routing-mode': $1, 'source': '$2', 'agent': '$3', 'api': '$4'}"
}
queries() {
	wc -l <"$TMP/cilium/cilium.sock.log" 2>/dev/null || echo 0
}

daemon_start
wait_ready
expect_findings
wait_until 5 "no agent: nothing shows Cilium" cilium_status None none absent not-asked

step "the agent's socket appears: asked at once (inotify), native"
python3 "$NETNS_DIR/cilium-agent-server.py" "$TMP/cilium/cilium.sock" "$TMP/cilium/mode" "$CILIUM_DATA" &
BACKGROUND_PIDS+=($!)
wait_until 5 "the agent is asked and answers native" cilium_status "'native'" agent running reachable
grep -q "native /v1/healthz" "$TMP/cilium/cilium.sock.log" || fail "healthz was not asked"
grep -q "native /v1/config" "$TMP/cilium/cilium.sock.log" || fail "config was not asked"
expect_findings "cilium-config-mismatch devices"   # the fixture's agent uses enp7s0, not eth0

step "tunnel mode, asked on Reconcile"
echo tunnel >"$TMP/cilium/mode"
ctl reconcile >/dev/null || true
expect_findings "cilium-tunnel-mode cilium-agent" "cilium-config-mismatch devices" \
	"cilium-config-mismatch kube-proxy-replacement"
status_has '[f for f in s["findings"] if f["check"] == "cilium-tunnel-mode" and "native routing is intended here" in f["message"] and "1.15" not in f["message"]]' ||
	fail "no tunnel key seen: the message must not tell the 1.15 story"

step "a 1.15 agent: no routing in healthz, the mode from /v1/config"
echo v115 >"$TMP/cilium/mode"
ctl reconcile >/dev/null || true
wait_until 5 "1.15's mode from /v1/config" cilium_status "'native'" agent running reachable

step "a slow reply: the loop goes on, GetStatus answers at once, then unreachable after 2 s"
echo slow >"$TMP/cilium/mode"
before=$(queries)
n link add cilium_vxlan type vxlan external dstport 8472   # a cilium_* link appears: ask again
wait_until 5 "a query on the new cilium_* link" test "$(queries)" -gt "$before"
for _ in 1 2 3; do
	start=$(date +%s%N)
	ctl --json status >/dev/null || (($? == 1)) || fail "GetStatus failed during a slow reply"
	elapsed=$((($(date +%s%N) - start) / 1000000))
	((elapsed < 500)) || fail "GetStatus took $elapsed ms while the agent was slow: the loop blocked"
	echo "ok: GetStatus in $elapsed ms during a slow reply"
done
# a verdict on the device alone would say tunnel; the agent's last answer said native and counts
# until the query ends: then the agent is unreachable and cilium_vxlan is the evidence left
wait_until 6 "the slow agent is unreachable" cilium_status "'tunnel'" devices absent unreachable
expect_findings "cilium-tunnel-mode cilium_vxlan"

for bad in garbage cut error; do
	step "$bad: unreachable, the daemon runs on"
	echo native >"$TMP/cilium/mode"
	ctl reconcile >/dev/null || true
	wait_until 5 "native again" cilium_status "'native'" agent running reachable
	echo "$bad" >"$TMP/cilium/mode"
	ctl reconcile >/dev/null || true
	wait_until 5 "$bad is unreachable" cilium_status "'tunnel'" devices absent unreachable
	kill -0 "$DAEMON_PID" || fail "routeguardd died on a $bad reply"
done

step "cilium_vxlan goes: asked again"
echo native >"$TMP/cilium/mode"
n link del cilium_vxlan
wait_until 5 "the agent answers again" cilium_status "'native'" agent running reachable
expect_findings "cilium-config-mismatch devices"
grep -q "Cilium agent on .* is unreachable" "$TMP/daemon.log" || fail "the unreachable agent was not logged"
echo "PASS"
