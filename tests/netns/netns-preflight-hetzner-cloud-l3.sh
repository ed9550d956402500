#!/usr/bin/env bash
# A Hetzner Cloud-like node: the private network is layer 3, every server has a /32 and reaches its
# peers through the gateway. autoDirectNodeRoutes cannot work there: preflight must say so, and
# give autoDirectNodeRoutes=false, the NIC's MTU, IPAM from K3s's pod CIDRs and, once the server
# also has its public NIC, devices: [enp7s0].
source "$(dirname "$0")/lib.sh"
netns_setup hcloud
PEERS=(10.0.0.3 10.0.0.4)
host_dirs
n link add enp7s0 type veth peer name hcloud-gw
n link set enp7s0 mtu 1450 up
n link set hcloud-gw up
n addr add 10.0.0.2/32 dev enp7s0
n route add 10.0.0.1 dev enp7s0 scope link
n route add 10.0.0.0/16 via 10.0.0.1 dev enp7s0
n route add default via 10.0.0.1 dev enp7s0
forwarding 1
k3s_server_unit --flannel-backend=none --disable-network-policy --disable-kube-proxy

expect_preflight 1 "nexthop-not-onlink 10.0.0.3" "nexthop-not-onlink 10.0.0.4"
[[ $(helm_value '["autoDirectNodeRoutes"]') == False ]] || fail "autoDirectNodeRoutes must be false on L3"
[[ $(helm_value '["MTU"]') == 1450 ]] || fail "the MTU should be the NIC's 1450"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["config"]["native-device"] == "enp7s0", s["config"]' "$TMP/preflight.json" ||
	fail "native device should be enp7s0"
[[ $(helm_value '["ipam"]') == "{'mode': 'kubernetes'}" ]] || fail "ipam should be {mode: kubernetes}, no cluster-pool list"
[[ $(helm_value '["ipv4NativeRoutingCIDR"]') == 10.42.0.0/16 ]] || fail "ipv4NativeRoutingCIDR should be K3s's cluster-cidr"
[[ $(helm_value '.get("devices")') == None ]] || fail "one NIC: no devices value"
ip netns exec "$NS" "$ROUTEGUARDCTL" --no-color preflight --config "$TMP/routeguard.yaml" \
	--debug-host-root "$TMP/root" >"$TMP/preflight.txt" || true
grep -q "autoDirectNodeRoutes: false .*hcloud-cloud-controller-manager's route controller" "$TMP/preflight.txt" ||
	fail "the text should name hcloud-cloud-controller-manager's route controller"

step "the public NIC as well: two candidates, so devices names the native one"
n link add eth0 type veth peer name eth0-peer
n link set eth0 up
n addr add 203.0.113.5/32 dev eth0
expect_preflight 1 "nexthop-not-onlink 10.0.0.3" "nexthop-not-onlink 10.0.0.4"
[[ $(helm_value '["devices"]') == "['enp7s0']" ]] || fail "devices should be [enp7s0]"
ip netns exec "$NS" "$ROUTEGUARDCTL" --no-color preflight --config "$TMP/routeguard.yaml" \
	--debug-host-root "$TMP/root" >"$TMP/preflight.txt" || true
grep -q "devices: \[enp7s0\]" "$TMP/preflight.txt" || fail "the text lacks devices: [enp7s0]"
grep -q -- "--set devices='{enp7s0}'" "$TMP/preflight.txt" || fail "the flags lack devices"

# With direct node routes not expected, the same facts are warnings: ready.
EXTRA_YAML="expect: {direct-node-routes: false}" host_dirs
expect_preflight 0 "nexthop-not-onlink 10.0.0.3" "nexthop-not-onlink 10.0.0.4"
echo "PASS"
