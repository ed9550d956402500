#!/usr/bin/env bash
# The incident before Cilium ever made a device: Flannel's leftovers; the agent's configuration
# with tunnel: disabled, auto-direct-node-routes: "true" and no routing-mode (Cilium 1.15 ignores
# tunnel, so it runs in tunnel mode); no cilium_vxlan, no socket; the agent's log ends in
# "auto-direct-node-routes cannot be used with tunneling". Preflight names the cause and its fix.
source "$(dirname "$0")/lib.sh"
netns_setup cilium-incident
PEERS=(192.168.1.3)
host_dirs
l2_nic
forwarding 1
incident_devices
n link del cilium_vxlan
k3s_server_unit --flannel-backend=none --disable-network-policy --disable-kube-proxy
cilium_config tunnel=disabled auto-direct-node-routes=true ipv4-native-routing-cidr=10.42.0.0/16 \
	kube-proxy-replacement=true ipam=kubernetes enable-ipv4-masquerade=true \
	config-sources=config-map:kube-system/cilium-config
cilium_log cilium-agent 4 log-vxlan-port.log
cilium_log cilium-agent 5 log-incident.log
cilium_log config 0 log-running.log
touch -d '2024-11-07 00:00' "$TMP/log/pods/kube-system_cilium-7xk2p_$CILIUM_UID/config/0.log"

expect_preflight 1 \
	"cilium-agent-failing cilium-agent" \
	"cilium-tunnel-mode routing-mode" \
	"flannel-device cni0" \
	"flannel-device flannel.1" \
	"route-via-tunnel 10.42.1.0/24"
python3 - "$TMP/preflight.json" <<'PY' || fail "the findings do not say the incident precisely"
import json, sys
s = json.load(open(sys.argv[1]))
f = {(x["check"], x["subject"]): x for x in s["findings"]}
agent = f[("cilium-agent-failing", "cilium-agent")]
assert "auto-direct-node-routes cannot be used with tunneling" in agent["message"], agent
assert "cilium-agent/5.log" in agent["message"], agent
assert "routingMode: native" in agent["remedy"], agent
mode = f[("cilium-tunnel-mode", "routing-mode")]
assert "tunnel: disabled but no routing-mode" in mode["message"], mode
assert "later charts refuse it" in mode["message"], mode
assert "routingMode: native" in mode["remedy"], mode
assert s["cilium"] == {"routing-mode": "tunnel", "source": "config-map", "agent": "failing",
                       "api": "not-asked"}, s["cilium"]
PY
echo "ok: the incident's cause and fix"

step "a dead socket is unreachable, not fatal"
mkdir -p "$TMP/cilium"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$TMP/cilium/cilium.sock"
expect_preflight 1 \
	"cilium-agent-failing cilium-agent" \
	"cilium-tunnel-mode routing-mode" \
	"flannel-device cni0" \
	"flannel-device flannel.1" \
	"route-via-tunnel 10.42.1.0/24"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["cilium"]; assert c["api"] == "unreachable", c' \
	"$TMP/preflight.json" || fail "the API should be unreachable"
echo "PASS"
