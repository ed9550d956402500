#!/usr/bin/env bash
# A node ready for Cilium native routing on one layer-2 segment: no findings, exit 0, and
# autoDirectNodeRoutes=true because every peer is directly connected.
source "$(dirname "$0")/lib.sh"
netns_setup clean
PEERS=(192.168.1.3 192.168.1.4)
host_dirs
l2_nic
forwarding 1
n link add cilium_host type veth peer name cilium_net
n link add lxc_health type veth peer name lxc-peer
n route add 10.42.1.0/24 via 192.168.1.3 dev eth0 proto kernel
n route add 10.42.2.0/24 via 192.168.1.4 dev eth0 proto kernel
k3s_server_unit --flannel-backend=none --disable-network-policy --disable-kube-proxy
cilium_conflist "$TMP/cni/net.d"

expect_preflight 0
[[ $(helm_value '["autoDirectNodeRoutes"]') == True ]] || fail "autoDirectNodeRoutes should be true on L2"
[[ $(helm_value '["ipv4NativeRoutingCIDR"]') == 10.42.0.0/16 ]] || fail "wrong ipv4NativeRoutingCIDR"
[[ $(helm_value '["kubeProxyReplacement"]') == True ]] || fail "kubeProxyReplacement should be true"
# kube-proxy replacement on K3s: the agent reaches the API at K3s's local endpoint
[[ $(helm_value '["k8sServiceHost"]') == 127.0.0.1 ]] || fail "k8sServiceHost should be 127.0.0.1"
[[ $(helm_value '["k8sServicePort"]') == 6444 ]] || fail "k8sServicePort should be 6444"
[[ $(helm_value '["ipam"]["mode"]') == kubernetes ]] || fail "ipam.mode should be kubernetes"
[[ $(helm_value '["MTU"]') == 1500 ]] || fail "the MTU should be eth0's"
[[ $(helm_value '.get("devices")') == None ]] || fail "one NIC: no devices value"
echo "PASS"
