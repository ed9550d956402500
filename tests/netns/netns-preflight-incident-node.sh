#!/usr/bin/env bash
# The node of the incident (shared/INCIDENT.md) once the agent ran: Flannel's leftovers, Cilium in
# tunnel mode because its configuration has tunnel: disabled and no routing-mode (tunnel is ignored
# since 1.15), cilium_vxlan, K3s still on Flannel, a stale 10-flannel.conflist. Preflight must name
# every one of them, blame the tunnel key it sees, and give routingMode=native.
source "$(dirname "$0")/lib.sh"
netns_setup incident
PEERS=(192.168.1.3)
host_dirs
l2_nic
forwarding 1
incident_devices
n link add cilium_host type veth peer name cilium_net
k3s_server_unit --write-kubeconfig-mode=644
printf 'disable-network-policy: true\ndisable-kube-proxy: true\n' >"$TMP/k3s/config.yaml"
flannel_conflist "$TMP/cni/agent-net.d"
cilium_conflist "$TMP/cni/net.d"
cilium_config tunnel=disabled ipv4-native-routing-cidr=10.42.0.0/16 kube-proxy-replacement=true ipam=kubernetes

expect_preflight 1 \
	"cilium-tunnel-mode routing-mode" \
	"cni-conflist-conflict $TMP/cni/agent-net.d/10-flannel.conflist" \
	"flannel-device cni0" \
	"flannel-device flannel.1" \
	"k3s-flannel-enabled flannel-backend" \
	"route-via-tunnel 10.42.1.0/24" \
	"vxlan-port-conflict flannel.1"
[[ $(helm_value '["routingMode"]') == native ]] || fail "routingMode is not native"
[[ $(helm_value '["autoDirectNodeRoutes"]') == True ]] || fail "peers are on-link: autoDirectNodeRoutes should be true"

# The human output names the fix for the incident's signature.
ip netns exec "$NS" "$ROUTEGUARDCTL" --no-color preflight --config "$TMP/routeguard.yaml" \
	--debug-host-root "$TMP/root" >"$TMP/preflight.txt" || true
grep -q "NOT READY" "$TMP/preflight.txt" || fail "no NOT READY line"
python3 -c 'import json,sys; m=[f["message"] for f in json.load(open(sys.argv[1]))["findings"] if f["check"] == "cilium-tunnel-mode"][0]; assert "the 1.15.3 chart dropped the Helm value without a word" in m, m' \
	"$TMP/preflight.json" || fail "the tunnel=disabled explanation is missing"
grep -q "routing mode tunnel (source config-map), agent absent" "$TMP/preflight.txt" || fail "the summary lacks Cilium's mode"
grep -q -- "--set routingMode=native" "$TMP/preflight.txt" || fail "no Helm flags"
[[ -e $TMP/cni/agent-net.d/10-flannel.conflist ]] || fail "preflight moved a file: it must change nothing"
n link show flannel.1 >/dev/null || fail "preflight deleted a device: it must change nothing"
echo "PASS"
