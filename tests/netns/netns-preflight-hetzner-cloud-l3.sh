#!/usr/bin/env bash
# A Hetzner Cloud-like node: the private network is layer 3, every server has a /32 and reaches its
# peers through the gateway. autoDirectNodeRoutes cannot work there: preflight must say so, and
# give autoDirectNodeRoutes=false and the NIC's MTU.
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

# With direct node routes not expected, the same facts are warnings: ready.
EXTRA_YAML="expect: {direct-node-routes: false}" host_dirs
expect_preflight 0 "nexthop-not-onlink 10.0.0.3" "nexthop-not-onlink 10.0.0.4"
echo "PASS"
