#!/usr/bin/env bash
# The incident as routeguardd sees it, and its fix while the daemon runs: Flannel's leftovers; the
# agent's configuration with tunnel: disabled, auto-direct-node-routes: "true" and no routing-mode
# (Cilium 1.15+ ignores tunnel: tunnel mode); no cilium_vxlan (the agent died before making it); its
# log ending in the fatal line. Then the fix: the config init container swaps ..data atomically to a
# configuration with routing-mode: native, the agent's next attempt logs no fatal line, and both
# findings resolve, without Reconcile or polling (inotify on the directories).
source "$(dirname "$0")/lib.sh"
netns_setup cilium-incident-d
PEERS=(192.168.1.3)
CILIUM_POLL=1h host_dirs
l2_nic
forwarding 1
incident_devices
n link del cilium_vxlan
k3s_server_unit --flannel-backend=none --disable-network-policy --disable-kube-proxy
cilium_config tunnel=disabled auto-direct-node-routes=true ipv4-native-routing-cidr=10.42.0.0/16 \
	kube-proxy-replacement=true ipam=kubernetes
cilium_log cilium-agent 5 log-incident.log

daemon_start
wait_ready
expect_findings \
	"cilium-agent-failing cilium-agent" \
	"cilium-tunnel-mode routing-mode" \
	"flannel-device cni0" \
	"flannel-device flannel.1" \
	"route-via-tunnel 10.42.1.0/24"
status_has 's["cilium"] == {"routing-mode": "tunnel", "source": "config-map", "agent": "failing", "api": "not-asked"}' ||
	fail "status.cilium: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cilium"])' "$TMP/status.json")"
status_has '[f for f in s["findings"] if f["check"] == "cilium-tunnel-mode" and "later charts refuse it" in f["message"] and "routingMode: native" in f["remedy"]]' ||
	fail "the tunnel-mode finding does not tell the incident precisely"
status_has '[f for f in s["findings"] if f["check"] == "cilium-agent-failing" and "auto-direct-node-routes cannot be used with tunneling" in f["message"] and "routingMode: native" in f["remedy"]]' ||
	fail "the agent-failing finding does not quote the fatal line or give routingMode: native"
[[ $(alerts_in_log "opened cilium-agent-failing cilium-agent") == 1 ]] || fail "cilium-agent-failing was not alerted once"

step "the fix: ..data swapped to routing-mode: native while the daemon runs"
cilium_config routing-mode=native tunnel=disabled auto-direct-node-routes=true \
	ipv4-native-routing-cidr=10.42.0.0/16 kube-proxy-replacement=true ipam=kubernetes
expect_findings \
	"cilium-agent-failing cilium-agent" \
	"flannel-device cni0" \
	"flannel-device flannel.1" \
	"route-via-tunnel 10.42.1.0/24"
[[ $(ls -d "$(cilium_config_dir)"/..data_* | wc -l) == 2 ]] || fail "the old ..data_ dir should stay, as build-config leaves it"

step "the agent's next attempt starts: no fatal line in its newest log"
cilium_log cilium-agent 6 log-running.log
expect_findings "flannel-device cni0" "flannel-device flannel.1" "route-via-tunnel 10.42.1.0/24"
status_has 's["cilium"] == {"routing-mode": "native", "source": "config-map", "agent": "absent", "api": "not-asked"}' ||
	fail "status.cilium after the fix"
[[ $(alerts_in_log "resolved cilium-agent-failing cilium-agent") == 1 ]] || fail "cilium-agent-failing did not resolve"
echo "PASS"
