#!/usr/bin/env bash
# The node of the incident (shared/INCIDENT.md): Flannel's leftovers, Cilium in tunnel mode because
# tunnel=disabled was ignored, K3s still on Flannel, a stale 10-flannel.conflist. Preflight must
# name every one of them and give routingMode=native.
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

expect_preflight 1 \
	"cilium-tunnel-mode cilium_vxlan" \
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
grep -q "removed in Cilium 1.15" "$TMP/preflight.txt" || fail "the tunnel=disabled explanation is missing"
grep -q -- "--set routingMode=native" "$TMP/preflight.txt" || fail "no Helm flags"
[[ -e $TMP/cni/agent-net.d/10-flannel.conflist ]] || fail "preflight moved a file: it must change nothing"
n link show flannel.1 >/dev/null || fail "preflight deleted a device: it must change nothing"
echo "PASS"
