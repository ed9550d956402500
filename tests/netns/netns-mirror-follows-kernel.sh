#!/usr/bin/env bash
# The mirror equals the kernel after every kind of change a node sees during a CNI migration:
# Flannel's devices and routes, Cilium's, IPv6, a vanished link (whose IPv4 routes the kernel drops
# without telling), a rename, an MTU change, a port leaving the bridge, silent IPv4 flushes.
source "$(dirname "$0")/lib.sh"
netns_setup mirror
PEERS=(10.0.0.3)

step "build a Flannel node"
n link add eth0 type veth peer name eth0-peer
n link set eth0 up
n link set eth0-peer up
n addr add 10.0.0.2/24 dev eth0
n -6 addr add 2001:db8::2/64 dev eth0 nodad
n route add default via 10.0.0.1
flannel_node "$NS" --nic eth0 --local 10.0.0.2 --mtu 1450 --addresses --pods 2
n route add 10.42.2.0/24 via 10.0.0.3 dev eth0 proto kernel
n route add 10.42.3.0/24 nexthop via 10.0.0.3 dev eth0 weight 2 nexthop via 10.0.0.4 dev eth0
n route add blackhole 10.42.250.0/24
n -6 route add 2001:db8:42::/64 via 2001:db8::3 dev eth0
n link add cilium_vxlan type vxlan external dstport 8472
n -batch - <<<"$(for i in $(seq 0 999); do echo "route add 100.64.$((i / 250)).$((i % 250))/32 via 10.0.0.1"; done)"

step "start routeguardd"
daemon_start
wait_synced
expect_model_matches "initial dump"

step "delete flannel.1 (its IPv4 routes vanish without RTM_DELROUTE)"
n link del flannel.1
expect_model_matches "flannel.1 deleted"

step "add and delete routes"
n route add 10.42.5.0/24 via 10.0.0.5
n route del 10.42.2.0/24
n route replace 10.42.3.0/24 via 10.0.0.6
n -6 route add fd00:42::/64 dev cni0
n route add 100.64.9.1/32 via 10.0.0.1
n route del 100.64.0.1/32
expect_model_matches "routes added, replaced and deleted"

step "rename cni0 (down, rename, up: the down flushes its IPv4 routes silently)"
n link set cni0 down
n link set cni0 name cni-renamed
n link set cni-renamed up
expect_model_matches "cni0 renamed"

step "change eth0's MTU"
n link set eth0 mtu 1400
expect_model_matches "MTU changed"

step "move a port off the bridge"
n link set veth-pod1 nomaster
expect_model_matches "port moved off the bridge"

step "delete eth0's IPv4 address (routes through its gateways vanish silently)"
n addr del 10.0.0.2/24 dev eth0
expect_model_matches "IPv4 address deleted"

step "5000 routes into the native CIDR, then half of them away"
n -batch - <<<"$(for i in $(seq 0 4999); do echo "route add 10.42.$((100 + i / 250)).$((i % 250))/32 dev cni-renamed"; done)"
expect_model_matches "5000 routes added"
n -batch - <<<"$(for i in $(seq 0 2 4999); do echo "route del 10.42.$((100 + i / 250)).$((i % 250))/32 dev cni-renamed"; done)"
expect_model_matches "2500 routes deleted"

step "take eth0 down, then delete the peer"
n link set eth0 down
expect_model_matches "eth0 down"
n link del eth0-peer
expect_model_matches "veth pair deleted"

model_dump
[[ $(model_field '["counters"]["overruns"]') == 0 ]] || fail "unexpected overruns with a 32 MiB buffer"
echo "PASS"
