#!/usr/bin/env bash
# Regenerates the stored rtnetlink messages the decoder's unit tests replay (run as root).
#   tests/unit/data/capture.sh BUILD_DIR
# Each file is raw netlink messages as the kernel sent them, captured by tests/tools/rtnl-capture.c
# in a network namespace this script builds and deletes. geneve and wireguard cannot be created on
# the kernel these tests run on, so rtnl-capture builds those two messages itself ("synth").
set -euo pipefail
build=${1:?usage: capture.sh BUILD_DIR}
capture=$(realpath "$build")/tests/rtnl-capture
here=$(dirname "$(realpath "$0")")
source "$here/../../lib/flannel-node.sh"
ns=rg-capture-$$
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT

ip netns add "$ns"
n() { ip -n "$ns" "$@"; }
n link set lo up
n link add eth0 type veth peer name peer0
n link set eth0 up && n link set peer0 up
n addr add 10.0.0.2/24 dev eth0
n -6 addr add 2001:db8::2/64 dev eth0 nodad
n route add default via 10.0.0.1
flannel_node "$ns" --nic eth0 --local 10.0.0.2 --mtu 1450 --addresses
n route add 10.42.2.0/24 via 10.0.0.3 dev eth0 proto kernel
n route add 10.42.3.0/24 nexthop via 10.0.0.3 dev eth0 weight 2 nexthop via 10.0.0.4 dev eth0
n -6 route add 2001:db8:42::/64 via 2001:db8::3 dev eth0
n link add cilium_vxlan type vxlan external dstport 8472
sleep 2 # let IPv6 link-local addresses and DAD settle, so the event capture holds only ours
ip netns exec "$ns" "$capture" dump "$here/flannel-node.dump"

# Notifications for these changes, in this order (the kernel adds its own consequences):
# a route added then deleted, eth0's MTU set to 1400, veth-pod1 moved off cni0, flannel.1 deleted.
ip netns exec "$ns" "$capture" monitor "$here/events.dump" >"$here/.listening" &
pid=$!
for _ in $(seq 50); do grep -q listening "$here/.listening" 2>/dev/null && break; sleep 0.1; done
n route add 10.42.9.0/24 via 10.0.0.9 dev eth0
n route del 10.42.9.0/24 via 10.0.0.9 dev eth0
n link set eth0 mtu 1400
n link set veth-pod1 nomaster
n link del flannel.1
wait "$pid"
rm -f "$here/.listening"

"$capture" synth "$here/geneve.dump" geneve
"$capture" synth "$here/wireguard.dump" wireguard
ls -l "$here"/*.dump
